package dev.nabla.nn.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.ValuesIndices;
import dev.nabla.nn.Layer;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays tools/golden/gen_nn_pool_norm_upsample.py: torch 1.13's max/avg/adaptive pooling,
 * BatchNorm2d (train → eval, running statistics), GroupNorm, PixelShuffle/Unshuffle and
 * Upsample (nearest, bilinear with both align_corners settings, by scale and by size). Checked:
 * the output, the gradients of sum(y·gy) w.r.t. the input, weight and bias, max pooling's argmax
 * indices (exactly) and BatchNorm's running statistics and batch count after every step.
 *
 * <p>Tolerances. Inputs are float32 numbers and torch computed in float64 from them, so the
 * fixture is the exact math to 12 digits. The F64 run must agree to {@code 1e-10·max(1, |b|)}.
 * The F32 run computes in double internally and rounds once per output (to ~6e-8 relative), so
 * {@code 1e-5·max(1, |b|)} leaves a wide margin; measured differences are ~1e-7.
 */
class PoolNormUpsampleGoldenTest {
  static final double F32_TOL = 1e-5;
  static final double F64_TOL = 1e-10;

  static JsonNode fixture() throws IOException {
    try (InputStream in = PoolNormUpsampleGoldenTest.class
        .getResourceAsStream("/golden/nn_pool_norm_upsample.json")) {
      if (in == null) {
        throw new IOException("missing /golden/nn_pool_norm_upsample.json; run /usr/bin/python3"
            + " tools/golden/gen_nn_pool_norm_upsample.py");
      }
      return new ObjectMapper().readTree(in);
    }
  }

  @TestFactory
  Stream<DynamicTest> matchesTorch() throws IOException {
    JsonNode root = fixture();
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : root.get("cases")) {
      String name = c.get("name").asText();
      tests.add(DynamicTest.dynamicTest(name + " F32", () -> replay(c, DType.F32, F32_TOL)));
      tests.add(DynamicTest.dynamicTest(name + " F64", () -> replay(c, DType.F64, F64_TOL)));
    }
    assertEquals(53, tests.size() / 2, "cases in the fixture");
    return tests.stream();
  }

  static void replay(JsonNode c, DType dtype, double tol) {
    String name = c.get("name").asText() + " " + dtype;
    JsonNode a = c.get("args");
    String kind = c.get("layer").asText();
    if (kind.equals("BatchNorm2d")) {
      replayBatchNorm(c, a, dtype, tol, name);
      return;
    }
    Layer layer = switch (kind) {
      case "MaxPool2d" -> new MaxPool2d(ints(a.get("kernel_size")), ints(a.get("stride")),
          ints(a.get("padding")), ints(a.get("dilation")), a.get("ceil_mode").asBoolean());
      case "AvgPool2d" -> new AvgPool2d(ints(a.get("kernel_size")), ints(a.get("stride")),
          ints(a.get("padding")), a.get("ceil_mode").asBoolean(),
          a.get("count_include_pad").asBoolean(),
          a.get("divisor_override").isNull() ? null : a.get("divisor_override").asInt());
      case "AdaptiveAvgPool2d" -> new AdaptiveAvgPool2d(a.get("output_size").get(0).asInt(),
          a.get("output_size").get(1).asInt());
      case "PixelShuffle" -> new PixelShuffle(a.get("factor").asInt());
      case "PixelUnshuffle" -> new PixelUnshuffle(a.get("factor").asInt());
      case "Upsample" -> new Upsample(ints(a.get("size")), doubles(a.get("scale_factor")),
          Upsample.Mode.valueOf(a.get("mode").asText().toUpperCase(java.util.Locale.ROOT)),
          a.get("align_corners").isNull() ? null : a.get("align_corners").asBoolean());
      case "GroupNorm" -> new GroupNorm(a.get("num_groups").asInt(),
          a.get("num_channels").asInt(), a.get("eps").asDouble(), a.get("affine").asBoolean());
      default -> throw new AssertionError("unknown layer " + kind);
    };
    if (c.has("state_dict")) {
      layer.loadStateDict(stateDict(c.get("state_dict")), true);
    }
    layer.to(dtype);
    Tensor x = tensor(c.get("x"), dtype).requiresGrad();
    Tensor y;
    if (layer instanceof MaxPool2d pool) {
      ValuesIndices vi = pool.forwardWithIndices(x);
      y = vi.values();
      assertEquals(DType.I64, vi.indices().dtype(), name + ": indices dtype");
      assertArrayEquals(longs(c.get("indices").get("data")), vi.indices().toLongArray(),
          name + ": argmax indices");
    } else {
      y = layer.forward(x);
    }
    assertEquals(dtype, y.dtype(), name + ": output dtype");
    y.mul(tensor(c.get("gy"), dtype)).sum().backward();
    check(name, "y", y, c.get("y"), tol);
    check(name, "grad_x", x.grad(), c.get("grad_x"), tol);
    if (c.has("grad_weight")) {
      check(name, "grad_weight", layer.namedParameters().get("weight").grad(),
          c.get("grad_weight"), tol);
      check(name, "grad_bias", layer.namedParameters().get("bias").grad(), c.get("grad_bias"),
          tol);
    }
  }

  static void replayBatchNorm(JsonNode c, JsonNode a, DType dtype, double tol, String name) {
    BatchNorm2d bn = new BatchNorm2d(a.get("num_features").asInt(), a.get("eps").asDouble(),
        a.get("momentum").isNull() ? null : a.get("momentum").asDouble(),
        a.get("affine").asBoolean(), a.get("track_running_stats").asBoolean());
    bn.loadStateDict(stateDict(c.get("state_dict")), true);
    bn.to(dtype);
    int i = 0;
    for (JsonNode step : c.get("steps")) {
      String where = name + " step " + i++ + " (" + step.get("mode").asText() + ")";
      bn.train(step.get("mode").asText().equals("train"));
      bn.zeroGrad();
      Tensor x = tensor(step.get("x"), dtype).requiresGrad();
      Tensor y = bn.forward(x);
      y.mul(tensor(step.get("gy"), dtype)).sum().backward();
      check(where, "y", y, step.get("y"), tol);
      check(where, "grad_x", x.grad(), step.get("grad_x"), tol);
      if (step.has("grad_weight")) {
        check(where, "grad_weight", bn.weight().grad(), step.get("grad_weight"), tol);
        check(where, "grad_bias", bn.bias().grad(), step.get("grad_bias"), tol);
      }
      if (step.has("running_mean")) {
        check(where, "running_mean", bn.runningMean(), step.get("running_mean"), tol);
        check(where, "running_var", bn.runningVar(), step.get("running_var"), tol);
        assertEquals(step.get("num_batches_tracked").asLong(), bn.numBatchesTracked(),
            where + ": num_batches_tracked");
        assertEquals(dtype, bn.runningMean().dtype(), where + ": running_mean dtype");
      }
    }
  }

  static Map<String, Tensor> stateDict(JsonNode sd) {
    Map<String, Tensor> state = new LinkedHashMap<>();
    sd.properties().forEach(e -> state.put(e.getKey(), e.getKey().equals("num_batches_tracked")
        ? Tensor.scalar(e.getValue().get("data").get(0).asLong(), DType.I64)
        : tensor(e.getValue(), DType.F32)));
    return state;
  }

  static int[] ints(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    int[] v = new int[n.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = n.get(i).asInt();
    }
    return v;
  }

  static double[] doubles(JsonNode n) {
    if (n == null || n.isNull()) {
      return null;
    }
    double[] v = new double[n.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = n.get(i).asDouble();
    }
    return v;
  }

  static long[] longs(JsonNode n) {
    long[] v = new long[n.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = n.get(i).asLong();
    }
    return v;
  }

  /** A stored float32 tensor in {@code dtype} (the values are float32 numbers: exact). */
  static Tensor tensor(JsonNode n, DType dtype) {
    double[] v = doubles(n.get("data"));
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) v[i];
    }
    return Tensor.of(v, ints(n.get("shape"))).to(dtype);
  }

  static void check(String name, String what, Tensor actual, JsonNode expectedNode, double tol) {
    if (actual == null) {
      fail(name + ": " + what + " is null");
    }
    int[] shape = ints(expectedNode.get("shape"));
    if (!Arrays.equals(actual.shape().toArray(), shape)) {
      fail(name + ": " + what + " has shape " + actual.shape() + ", torch "
          + Arrays.toString(shape));
    }
    double[] a = actual.toDoubleArray();
    double[] b = doubles(expectedNode.get("data"));
    double worst = 0;
    int at = -1;
    for (int i = 0; i < a.length; i++) {
      double excess = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
      if (!(excess <= worst)) {
        worst = excess;
        at = i;
      }
    }
    if (!(worst <= tol)) {
      fail(String.format("%s: %s differs from torch by %.3g (relative) at %d: %s vs %s;"
          + " first values %s vs %s", name, what, worst, at, a[at], b[at],
          Arrays.toString(Arrays.copyOf(a, Math.min(4, a.length))),
          Arrays.toString(Arrays.copyOf(b, Math.min(4, b.length)))));
    }
  }
}
