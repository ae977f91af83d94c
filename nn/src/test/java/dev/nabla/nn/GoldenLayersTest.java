package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Layers against PyTorch: each case of {@code golden/nn_layers.json} (written by
 * {@code tools/golden/gen_nn_layers.py}, torch 1.13) builds the Nabla layer, loads torch's state
 * dict strictly (so parameter names must match), and compares the output and the gradients of
 * sum(y·upstream) for the input and every parameter.
 */
class GoldenLayersTest {
  // |actual − expected| ≤ atol + rtol·|expected| per element, F32 throughout
  private static final double ATOL = 1e-6;
  private static final double RTOL = 1e-5;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<JsonNode> cases() throws IOException {
    try (InputStream s = GoldenLayersTest.class.getResourceAsStream("/golden/nn_layers.json")) {
      assertNotNull(s, "missing fixture golden/nn_layers.json; run tools/golden/gen_nn_layers.py");
      List<JsonNode> all = new ArrayList<>();
      JSON.readTree(s).get("cases").forEach(all::add);
      return all;
    }
  }

  @TestFactory Stream<DynamicTest> matchesPyTorch() throws IOException {
    return cases().stream().map(c -> DynamicTest.dynamicTest(c.get("name").asText(),
        () -> run(c)));
  }

  @Test void everyKindIsCovered() throws IOException {
    List<String> kinds = new ArrayList<>();
    cases().forEach(c -> kinds.add(c.get("kind").asText()));
    for (String k : List.of("Linear", "Embedding", "LayerNorm", "RMSNorm", "ReLU", "LeakyReLU",
        "GELU", "SiLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "SwiGLU")) {
      assertTrue(kinds.contains(k), "no golden case for " + k);
    }
  }

  private static Layer build(String kind, JsonNode c) {
    Rng rng = new Rng(0); // the weights come from torch's state dict
    return switch (kind) {
      case "Linear" -> new Linear(c.get("in").asInt(), c.get("out").asInt(),
          c.get("bias").asBoolean(), rng);
      case "Embedding" -> {
        Embedding.Options o = Embedding.options();
        if (c.has("paddingIdx")) {
          o = o.paddingIdx(c.get("paddingIdx").asInt());
        }
        if (c.has("maxNorm")) {
          o = o.maxNorm(c.get("maxNorm").asDouble());
        }
        yield new Embedding(c.get("num").asInt(), c.get("dim").asInt(), o, rng);
      }
      case "LayerNorm" -> new LayerNorm(ints(c.get("shape")), c.get("eps").asDouble(),
          c.get("affine").asBoolean(), c.get("bias").asBoolean());
      case "RMSNorm" -> new RMSNorm(c.get("dim").asInt(), c.get("eps").asDouble());
      case "ReLU" -> new ReLU();
      case "LeakyReLU" -> new LeakyReLU(c.get("negativeSlope").asDouble());
      case "GELU" -> new GELU(GELU.Approximation.valueOf(c.get("approximation").asText()));
      case "SiLU" -> new SiLU();
      case "Sigmoid" -> new Sigmoid();
      case "Tanh" -> new Tanh();
      case "Softmax" -> new Softmax(c.get("dim").asInt());
      case "LogSoftmax" -> new LogSoftmax(c.get("dim").asInt());
      case "SwiGLU" -> new SwiGLU(c.get("dim").asInt(), c.get("hidden").asInt(), rng);
      default -> throw new AssertionError("golden case of unknown kind " + kind);
    };
  }

  private static void run(JsonNode c) {
    String label = c.get("name").asText();
    Layer layer = build(c.get("kind").asText(), c.get("config"));
    Map<String, Tensor> state = tensors(c.get("state"));
    layer.loadStateDict(state, true); // strict: names and shapes must be PyTorch's
    assertEquals(new ArrayList<>(state.keySet()), new ArrayList<>(layer.stateDict().keySet()),
        label + ": state-dict names and order");

    Tensor x = tensor(c.get("input"));
    if (x.dtype().isFloatingPoint()) {
      x.requiresGrad();
    }
    Tensor y = layer.forward(x);
    compare(label, "output", y, c.get("output"));
    if (c.has("state_after")) {
      for (var e : tensors(c.get("state_after")).entrySet()) {
        compareTensor(label, "state after forward: " + e.getKey(),
            layer.stateDict().get(e.getKey()), e.getValue());
      }
    }

    y.backward(tensor(c.get("upstream")));
    Map<String, Parameter> params = layer.namedParameters();
    for (var g : c.get("grads").properties()) {
      Tensor actual = g.getKey().equals("input") ? x.grad() : params.get(g.getKey()).grad();
      assertNotNull(actual, label + ": no gradient for " + g.getKey());
      compare(label, "grad of " + g.getKey(), actual, g.getValue());
    }
  }

  // ------------------------------------------------------------------ fixture helpers

  static int[] ints(JsonNode a) {
    int[] r = new int[a.size()];
    for (int i = 0; i < r.length; i++) {
      r[i] = a.get(i).asInt();
    }
    return r;
  }

  static Map<String, Tensor> tensors(JsonNode obj) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (var e : obj.properties()) {
      out.put(e.getKey(), tensor(e.getValue()));
    }
    return out;
  }

  static Tensor tensor(JsonNode t) {
    int[] shape = ints(t.get("shape"));
    JsonNode v = t.get("values");
    if (t.get("dtype").asText().equals("i64")) {
      long[] a = new long[v.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = v.get(i).asLong();
      }
      return Tensor.of(a).reshape(shape);
    }
    float[] a = new float[v.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) v.get(i).asDouble();
    }
    return Tensor.of(a).reshape(shape);
  }

  private static void compare(String label, String what, Tensor actual, JsonNode expected) {
    compareTensor(label, what, actual, tensor(expected));
  }

  private static void compareTensor(String label, String what, Tensor actual, Tensor expected) {
    assertEquals(expected.shape(), actual.shape(), label + ": " + what + " shape");
    assertEquals(DType.F32, actual.dtype(), label + ": " + what + " dtype");
    double[] a = actual.toDoubleArray();
    double[] e = expected.toDoubleArray();
    int worst = -1;
    double worstExcess = 0;
    double maxDiff = 0;
    for (int i = 0; i < e.length; i++) {
      double diff = Math.abs(a[i] - e[i]);
      maxDiff = Math.max(maxDiff, Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff);
      double excess = Double.isNaN(diff) ? Double.POSITIVE_INFINITY
          : diff - (ATOL + RTOL * Math.abs(e[i]));
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
    if (worst >= 0) {
      fail(String.format("%s: %s differs from PyTorch (shape %s, atol %s, rtol %s)%n"
              + "  max |diff| %.3e, worst at flat index %d: expected %s, got %s%n"
              + "  expected first: %s%n  actual first:   %s",
          label, what, expected.shape(), ATOL, RTOL, maxDiff, worst, e[worst], a[worst],
          head(e), head(a)));
    }
  }

  private static String head(double[] v) {
    return Arrays.toString(Arrays.copyOf(v, Math.min(6, v.length)));
  }
}
