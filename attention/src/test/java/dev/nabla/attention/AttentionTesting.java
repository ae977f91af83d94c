package dev.nabla.attention;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Fixture reading and tensor comparison for the attention layer tests. */
final class AttentionTesting {
  private AttentionTesting() {}

  private static JsonNode fixture;

  /** attention_layers.json, written by tools/golden/gen_attention_layers.py. */
  static synchronized JsonNode fixture() throws IOException {
    if (fixture == null) {
      try (InputStream in = AttentionTesting.class.getResourceAsStream(
          "/golden/attention_layers.json")) {
        if (in == null) {
          throw new IOException("missing /golden/attention_layers.json; run /usr/bin/python3 "
              + "tools/golden/gen_attention_layers.py");
        }
        fixture = new ObjectMapper().readTree(in);
      }
    }
    return fixture;
  }

  static int[] shape(JsonNode n) {
    int[] shape = new int[n.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = n.get("shape").get(i).asInt();
    }
    return shape;
  }

  /** A stored tensor in {@code dtype}; values are float32 numbers (exact in F32). */
  static Tensor tensor(JsonNode n, DType dtype) {
    JsonNode data = n.get("data");
    double[] v = new double[data.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) data.get(i).asDouble();
    }
    return Tensor.of(v, shape(n)).to(dtype);
  }

  /** A stored float64 result. */
  static Tensor expected(JsonNode n) {
    JsonNode data = n.get("data");
    double[] v = new double[data.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = data.get(i).asDouble();
    }
    return Tensor.of(v, shape(n));
  }

  /** Fails unless shapes match and |a − b| ≤ tol·max(1, |b|) everywhere. */
  static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
    if (actual == null) {
      fail(what + ": is null");
    }
    if (!Arrays.equals(actual.shape().toArray(), expected.shape().toArray())) {
      fail(what + ": shape " + actual.shape() + ", expected " + expected.shape());
    }
    double[] a = actual.toDoubleArray();
    double[] b = expected.toDoubleArray();
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
      fail(String.format("%s: differs by %.3g (relative) at %d: %s vs expected %s;"
          + " first values %s vs %s", what, worst, at, a[at], b[at],
          Arrays.toString(Arrays.copyOf(a, Math.min(4, a.length))),
          Arrays.toString(Arrays.copyOf(b, Math.min(4, b.length)))));
    }
  }
}
