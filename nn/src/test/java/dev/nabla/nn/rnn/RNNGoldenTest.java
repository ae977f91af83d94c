package dev.nabla.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
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
import org.junit.jupiter.api.TestFactory;

/**
 * Replays tools/golden/gen_nn_rnn.py: torch 1.13's nn.RNN (tanh, relu), nn.LSTM and nn.GRU with
 * torch's own weights loaded through {@code loadStateDict} (strict: the names and shapes must be
 * torch's), 2 layers, bidirectional, batch-first both ways, given initial states, and unsorted
 * lengths through pack_padded_sequence → pad_packed_sequence. Checked: output, h_n, c_n and the
 * gradients of the input, the initial states and every parameter.
 *
 * <p>Tolerances. Inputs and weights are float32 numbers and torch computed in float64, so the
 * fixture is the exact math on them to 12 digits. The F64 run (tensor-op loop) must agree to
 * {@code 1e-10·max(1, |b|)}. The F32 runs (fused loop, and the tensor-op loop) carry only their
 * own float rounding through ≤ 2 layers × 5 steps: measured ~2e-7 on the outputs; allowed
 * {@code 1e-5·max(1, |b|)}.
 */
class RNNGoldenTest {
  static final double F32_TOL = 1e-5;
  static final double F64_TOL = 1e-10;

  static JsonNode fixture() throws IOException {
    try (InputStream in = RNNGoldenTest.class.getResourceAsStream("/golden/nn_rnn.json")) {
      if (in == null) {
        throw new IOException("missing /golden/nn_rnn.json; run /usr/bin/python3 "
            + "tools/golden/gen_nn_rnn.py");
      }
      return new ObjectMapper().readTree(in);
    }
  }

  /** A stored tensor in {@code dtype}; F32-stored values are rounded to float first (exact). */
  static Tensor tensor(JsonNode n, DType dtype) {
    if (n == null || n.isNull()) {
      return null;
    }
    int[] shape = new int[n.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = n.get("shape").get(i).asInt();
    }
    JsonNode data = n.get("data");
    double[] v = new double[data.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) data.get(i).asDouble();
    }
    return Tensor.of(v, shape).to(dtype);
  }

  /** A stored float64 result (not rounded). */
  static Tensor expected(JsonNode n) {
    int[] shape = new int[n.get("shape").size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = n.get("shape").get(i).asInt();
    }
    JsonNode data = n.get("data");
    double[] v = new double[data.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = data.get(i).asDouble();
    }
    return Tensor.of(v, shape);
  }

  @TestFactory
  Stream<DynamicTest> matchesTorch() throws IOException {
    JsonNode root = fixture();
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : root.get("cases")) {
      String name = c.get("name").asText();
      tests.add(DynamicTest.dynamicTest(name + " F32 fused",
          () -> replay(c, DType.F32, RNNBase.Impl.FUSED, F32_TOL)));
      tests.add(DynamicTest.dynamicTest(name + " F32 composite",
          () -> replay(c, DType.F32, RNNBase.Impl.COMPOSITE, F32_TOL)));
      tests.add(DynamicTest.dynamicTest(name + " F64",
          () -> replay(c, DType.F64, RNNBase.Impl.AUTO, F64_TOL)));
    }
    assertEquals(12, tests.size() / 3, "cases in the fixture");
    return tests.stream();
  }

  static void replay(JsonNode c, DType dtype, RNNBase.Impl impl, double tol) {
    RNNOptions options = RNNOptions.of(c.get("input_size").asInt(), c.get("hidden_size").asInt())
        .numLayers(c.get("num_layers").asInt())
        .bias(c.get("bias").asBoolean())
        .batchFirst(c.get("batch_first").asBoolean())
        .bidirectional(c.get("bidirectional").asBoolean());
    RNNBase layer = RnnTesting.build(c.get("mode").asText(), options, 123);
    Map<String, Tensor> state = new LinkedHashMap<>();
    c.get("state_dict").properties()
        .forEach(e -> state.put(e.getKey(), tensor(e.getValue(), DType.F32)));
    layer.loadStateDict(state, true);
    layer.to(dtype);
    layer.impl(impl);

    Tensor x = tensor(c.get("x"), dtype).requiresGrad();
    Tensor h0 = tensor(c.get("h0"), dtype);
    Tensor c0 = tensor(c.get("c0"), dtype);
    if (h0 != null) {
      h0.requiresGrad();
    }
    if (c0 != null) {
      c0.requiresGrad();
    }
    if (layer instanceof LSTM && h0 != null && c0 == null) {
      fail("fixture gives h0 without c0");
    }
    int[] lengths = null;
    if (!c.get("lengths").isNull()) {
      lengths = new int[c.get("lengths").size()];
      for (int i = 0; i < lengths.length; i++) {
        lengths[i] = c.get("lengths").get(i).asInt();
      }
    }
    Tensor[] r = RnnTesting.run(layer, x, h0, c0, lengths);
    Tensor loss = r[0].mul(tensor(c.get("grad_output"), dtype)).sum()
        .add(r[1].mul(tensor(c.get("grad_hn"), dtype)).sum());
    if (r[2] != null) {
      loss = loss.add(r[2].mul(tensor(c.get("grad_cn"), dtype)).sum());
    }
    loss.backward();

    String name = c.get("name").asText() + " " + dtype + " " + impl;
    check(name, "output", r[0], c.get("output"), tol);
    check(name, "hn", r[1], c.get("hn"), tol);
    if (r[2] != null) {
      check(name, "cn", r[2], c.get("cn"), tol);
    }
    check(name, "grad_x", x.grad(), c.get("grad_x"), tol);
    if (h0 != null) {
      check(name, "grad_h0", h0.grad(), c.get("grad_h0"), tol);
    }
    if (c0 != null) {
      check(name, "grad_c0", c0.grad(), c.get("grad_c0"), tol);
    }
    Map<String, Parameter> params = layer.namedParameters();
    assertEquals(c.get("grad_params").size(), params.size(), name + ": parameter count");
    c.get("grad_params").properties().forEach(e ->
        check(name, "grad " + e.getKey(), params.get(e.getKey()).grad(), e.getValue(), tol));
  }

  static void check(String name, String what, Tensor actual, JsonNode expectedNode, double tol) {
    Tensor want = expected(expectedNode);
    if (actual == null) {
      fail(name + ": " + what + " is null");
    }
    if (!Arrays.equals(actual.shape().toArray(), want.shape().toArray())) {
      fail(name + ": " + what + " has shape " + actual.shape() + ", torch " + want.shape());
    }
    double[] a = actual.toDoubleArray();
    double[] b = want.toDoubleArray();
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
