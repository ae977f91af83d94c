package dev.nabla.nn.conv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Parameter;
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
 * Convolutions against PyTorch: each case of {@code golden/nn_conv.json} (written by {@code
 * tools/golden/gen_nn_conv.py}, torch 1.13) builds the Nabla layer, loads torch's state dict
 * strictly, and compares the output and the gradients of sum(y·upstream) for the input, the
 * weight and the bias. The upstream gradient is sin(0.37·i + 0.1) over the flat output on both
 * sides.
 */
class ConvGoldenTest {
  // |actual − expected| ≤ atol·max|expected| + rtol·|expected| per element
  private static final double RTOL_F32 = 1e-5;
  private static final double ATOL_F32 = 1e-6;
  private static final double RTOL_F64 = 1e-12;
  private static final double ATOL_F64 = 1e-13;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static List<JsonNode> cases() throws IOException {
    try (InputStream s = ConvGoldenTest.class.getResourceAsStream("/golden/nn_conv.json")) {
      assertNotNull(s, "missing fixture golden/nn_conv.json; run tools/golden/gen_nn_conv.py");
      List<JsonNode> all = new ArrayList<>();
      JSON.readTree(s).get("cases").forEach(all::add);
      return all;
    }
  }

  @TestFactory Stream<DynamicTest> matchesPyTorch() throws IOException {
    return cases().stream().map(c -> DynamicTest.dynamicTest(c.get("name").asText(),
        () -> run(c)));
  }

  @Test void gridCoversTheFeatures() throws IOException {
    List<String> names = new ArrayList<>();
    List<String> kinds = new ArrayList<>();
    for (JsonNode c : cases()) {
      names.add(c.get("name").asText());
      kinds.add(c.get("kind").asText() + "/" + c.get("input").get("dtype").asText());
    }
    for (String k : List.of("Conv1d/f32", "Conv2d/f32", "ConvTranspose2d/f32", "Conv1d/f64",
        "Conv2d/f64", "ConvTranspose2d/f64")) {
      assertTrue(kinds.contains(k), "no golden case for " + k);
    }
    for (String feature : List.of("stride", "dilation", "groups", "depthwise", "same", "outpad",
        "no_bias", "nonsquare", "unbatched", "output_size", "1x1", "padding_sides")) {
      assertTrue(names.stream().anyMatch(n -> n.contains(feature)), "no case with " + feature);
    }
  }

  static ConvOptions options(JsonNode c) {
    ConvOptions o = ConvOptions.defaults();
    if (c.has("stride")) {
      o = o.stride(ints(c.get("stride")));
    }
    if (c.has("dilation")) {
      o = o.dilation(ints(c.get("dilation")));
    }
    if (c.has("groups")) {
      o = o.groups(c.get("groups").asInt());
    }
    if (c.has("outputPadding")) {
      o = o.outputPadding(ints(c.get("outputPadding")));
    }
    if (c.has("bias")) {
      o = o.bias(c.get("bias").asBoolean());
    }
    if (c.has("paddingSides")) {
      o = o.paddingSides(ints(c.get("paddingSides")));
    } else if (c.has("padding")) {
      JsonNode p = c.get("padding");
      if (p.isTextual()) {
        o = p.asText().equals("same") ? o.paddingSame() : o.paddingValid();
      } else {
        o = o.padding(ints(p));
      }
    }
    return o;
  }

  private static Layer build(String kind, JsonNode c) {
    Rng rng = new Rng(0); // the weights come from torch's state dict
    int in = c.get("in").asInt();
    int out = c.get("out").asInt();
    int[] kernel = ints(c.get("kernel"));
    ConvOptions o = options(c);
    return switch (kind) {
      case "Conv1d" -> new Conv1d(in, out, kernel[0], o, rng);
      case "Conv2d" -> new Conv2d(in, out, kernel, o, rng);
      case "ConvTranspose2d" -> new ConvTranspose2d(in, out, kernel, o, rng);
      default -> throw new AssertionError("golden case of unknown kind " + kind);
    };
  }

  private static void run(JsonNode c) {
    String label = c.get("name").asText();
    Layer layer = build(c.get("kind").asText(), c.get("config"));
    Tensor x = tensor(c.get("input"));
    if (x.dtype() == DType.F64) {
      layer.to(DType.F64);
    }
    Map<String, Tensor> state = tensors(c.get("state"));
    layer.loadStateDict(state, true);
    assertEquals(new ArrayList<>(state.keySet()), new ArrayList<>(layer.stateDict().keySet()),
        label + ": state-dict names and order");

    x.requiresGrad();
    Tensor y = c.has("outputSize")
        ? ((ConvTranspose2d) layer).forward(x, ints(c.get("outputSize")))
        : layer.forward(x);
    compare(label, "output", y, c.get("output"));
    y.backward(upstream(y.shape().toArray(), y.dtype()));
    Map<String, Parameter> params = layer.namedParameters();
    for (var g : c.get("grads").properties()) {
      Tensor actual = g.getKey().equals("input") ? x.grad() : params.get(g.getKey()).grad();
      assertNotNull(actual, label + ": no gradient for " + g.getKey());
      compare(label, "grad of " + g.getKey(), actual, g.getValue());
    }
    assertEquals(c.get("grads").size(), 1 + params.size(), label + ": gradients checked");
  }

  /** sin(0.37·i + 0.1) over the flat shape, as the generator. */
  static Tensor upstream(int[] shape, DType dtype) {
    int n = 1;
    for (int s : shape) {
      n *= s;
    }
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      v[i] = Math.sin(0.37 * i + 0.1);
    }
    return Tensor.of(v, shape).to(dtype);
  }

  // ------------------------------------------------------------------ fixture helpers

  static int[] ints(JsonNode a) {
    if (!a.isArray()) {
      return new int[] {a.asInt()};
    }
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
    if (t.get("dtype").asText().equals("f64")) {
      double[] a = new double[v.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = v.get(i).asDouble();
      }
      return Tensor.of(a, shape);
    }
    float[] a = new float[v.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) v.get(i).asDouble();
    }
    return Tensor.of(a, shape);
  }

  private static void compare(String label, String what, Tensor actual, JsonNode expectedJson) {
    Tensor expected = tensor(expectedJson);
    assertEquals(expected.shape(), actual.shape(), label + ": " + what + " shape");
    assertEquals(expected.dtype(), actual.dtype(), label + ": " + what + " dtype");
    boolean f64 = expected.dtype() == DType.F64;
    double rtol = f64 ? RTOL_F64 : RTOL_F32;
    double[] a = actual.toDoubleArray();
    double[] e = expected.toDoubleArray();
    double scale = 0;
    for (double v : e) {
      scale = Math.max(scale, Math.abs(v));
    }
    double atol = (f64 ? ATOL_F64 : ATOL_F32) * Math.max(1, scale);
    int worst = -1;
    double worstExcess = 0;
    double maxDiff = 0;
    for (int i = 0; i < e.length; i++) {
      double diff = Math.abs(a[i] - e[i]);
      maxDiff = Math.max(maxDiff, Double.isNaN(diff) ? Double.POSITIVE_INFINITY : diff);
      double excess = Double.isNaN(diff) ? Double.POSITIVE_INFINITY
          : diff - (atol + rtol * Math.abs(e[i]));
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
    if (worst >= 0) {
      fail(String.format("%s: %s differs from PyTorch (shape %s, atol %s, rtol %s)%n"
              + "  max |diff| %.3e, worst at flat index %d: expected %s, got %s%n"
              + "  expected first: %s%n  actual first:   %s",
          label, what, expected.shape(), atol, rtol, maxDiff, worst, e[worst], a[worst],
          head(e), head(a)));
    }
  }

  private static String head(double[] v) {
    return Arrays.toString(Arrays.copyOf(v, Math.min(6, v.length)));
  }
}
