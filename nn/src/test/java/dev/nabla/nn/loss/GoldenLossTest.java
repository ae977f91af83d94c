package dev.nabla.nn.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every loss against PyTorch 1.13: the loss and the gradient of the input, for the grid of
 * options in {@code tools/golden/gen_nn_losses.py} (which writes
 * {@code golden/nn_losses.json}; the build never runs it). F64 cases must agree to
 * |a − e| ≤ 1e-10 + 1e-10·|e| per element, F32 cases to 1e-5 + 1e-5·|e|.
 */
class GoldenLossTest {
  private static final double F64_TOL = 1e-10;
  private static final double F32_TOL = 1e-5;
  private static final String RESOURCE = "/golden/nn_losses.json";

  private static JsonNode cases() {
    try (InputStream in = GoldenLossTest.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource " + RESOURCE);
      }
      return new ObjectMapper().readTree(in).get("cases");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @TestFactory Stream<DynamicTest> matchesTorch() {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : cases()) {
      tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> check(c)));
    }
    return tests.stream();
  }

  /** The fixture covers every loss and option the generator promises (a guard against drift). */
  @Test void fixtureCoversTheGrid() {
    Set<String> losses = new TreeSet<>();
    Set<String> options = new TreeSet<>();
    int f32 = 0;
    int count = 0;
    for (JsonNode c : cases()) {
      count++;
      losses.add(c.get("loss").asText());
      c.get("options").fieldNames().forEachRemaining(options::add);
      f32 += c.get("dtype").asText().equals("f32") ? 1 : 0;
    }
    assertEquals(new TreeSet<>(List.of("bce", "bce_with_logits", "cross_entropy", "huber",
        "kl_div", "l1", "mse", "nll", "smooth_l1")), losses);
    assertEquals(new TreeSet<>(List.of("beta", "delta", "ignore_index", "label_smoothing",
        "log_target", "pos_weight", "reduction", "weight")), options);
    assertTrue(count > 100 && f32 > 20, count + " cases, " + f32 + " in F32");
  }

  private static void check(JsonNode c) {
    String name = c.get("name").asText();
    Tensor x = tensor(c.get("input")).requiresGrad();
    Tensor target = tensor(c.get("target"));
    JsonNode o = c.get("options");
    Tensor out = compute(c.get("loss").asText(), o, x, target);
    double tol = c.get("dtype").asText().equals("f64") ? F64_TOL : F32_TOL;
    assertEquals(x.dtype(), out.dtype(), name + ": dtype");
    compare(name + " loss", c.get("output"), out, tol);
    out.backward(tensor(c.get("upstream")));
    compare(name + " input gradient", c.get("grad"), x.grad(), tol);
  }

  private static Tensor compute(String loss, JsonNode o, Tensor x, Tensor t) {
    Reduction red = reduction(o);
    Tensor weight = o.has("weight") ? tensor(o.get("weight")) : null;
    int ignore = o.has("ignore_index") ? o.get("ignore_index").asInt()
        : Losses.DEFAULT_IGNORE_INDEX;
    switch (loss) {
      case "cross_entropy": {
        double eps = o.has("label_smoothing") ? o.get("label_smoothing").asDouble() : 0.0;
        // the class and the function must agree exactly
        Tensor viaClass = new CrossEntropyLoss(weight, ignore, red, eps).forward(x, t);
        Tensor viaFunction = Losses.crossEntropy(x.detach(), t, weight, ignore, red, eps);
        assertArrayEquals(viaFunction.toDoubleArray(), viaClass.toDoubleArray(), 0.0);
        return viaClass;
      }
      case "nll":
        return new NLLLoss(weight, ignore, red).forward(x, t);
      case "mse":
        return new MSELoss(red).forward(x, t);
      case "l1":
        return new L1Loss(red).forward(x, t);
      case "smooth_l1":
        return new SmoothL1Loss(red, o.has("beta") ? o.get("beta").asDouble() : 1.0)
            .forward(x, t);
      case "huber":
        return new HuberLoss(red, o.has("delta") ? o.get("delta").asDouble() : 1.0)
            .forward(x, t);
      case "bce":
        return new BCELoss(weight, red).forward(x, t);
      case "bce_with_logits":
        return new BCEWithLogitsLoss(weight,
            o.has("pos_weight") ? tensor(o.get("pos_weight")) : null, red).forward(x, t);
      case "kl_div":
        return new KLDivLoss(red, o.has("log_target") && o.get("log_target").asBoolean())
            .forward(x, t);
      default:
        throw new IllegalArgumentException("no Nabla twin for loss " + loss);
    }
  }

  private static Reduction reduction(JsonNode o) {
    String r = o.has("reduction") ? o.get("reduction").asText() : "mean";
    return Reduction.valueOf(r.toUpperCase(Locale.ROOT));
  }

  static Tensor tensor(JsonNode n) {
    int[] shape = new int[n.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = n.get("shape").get(i).asInt();
    }
    JsonNode v = n.get("values");
    int len = v.size();
    Iterator<JsonNode> it = v.elements();
    switch (n.get("dtype").asText()) {
      case "f64": {
        double[] d = new double[len];
        for (int i = 0; i < len; i++) {
          d[i] = it.next().asDouble();
        }
        return Tensor.of(d).reshape(shape);
      }
      case "f32": {
        float[] f = new float[len];
        for (int i = 0; i < len; i++) {
          f[i] = (float) it.next().asDouble();
        }
        return Tensor.of(f).reshape(shape);
      }
      case "i64": {
        long[] l = new long[len];
        for (int i = 0; i < len; i++) {
          l[i] = it.next().asLong();
        }
        return Tensor.of(l).reshape(shape);
      }
      default:
        throw new IllegalArgumentException("unknown dtype " + n.get("dtype"));
    }
  }

  private static void compare(String what, JsonNode expectedNode, Tensor actual, double tol) {
    Tensor expected = tensor(expectedNode);
    if (!Arrays.equals(expected.shape().toArray(), actual.shape().toArray())) {
      fail(what + ": shape " + actual.shape() + ", torch " + expected.shape());
    }
    double[] e = expected.toDoubleArray();
    double[] a = actual.toDoubleArray();
    double worst = 0;
    int at = -1;
    for (int i = 0; i < e.length; i++) {
      double diff = Math.abs(a[i] - e[i]);
      boolean bad = !(diff <= tol + tol * Math.abs(e[i])) && !(Double.isNaN(e[i])
          && Double.isNaN(a[i]));
      if (bad && (at < 0 || diff > worst || Double.isNaN(diff))) {
        worst = diff;
        at = i;
      }
    }
    if (at >= 0) {
      fail(what + ": max |diff| " + worst + " at flat index " + at + " (nabla " + a[at]
          + ", torch " + e[at] + "); first values nabla "
          + Arrays.toString(Arrays.copyOf(a, Math.min(6, a.length))) + ", torch "
          + Arrays.toString(Arrays.copyOf(e, Math.min(6, e.length))));
    }
  }

  static DType dtypeOf(String s) {
    return s.equals("f64") ? DType.F64 : DType.F32;
  }
}
