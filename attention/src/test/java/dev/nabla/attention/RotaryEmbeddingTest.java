package dev.nabla.attention;

import static dev.nabla.attention.AttentionTesting.assertClose;
import static dev.nabla.attention.AttentionTesting.expected;
import static dev.nabla.attention.AttentionTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.nabla.attention.RotaryEmbedding.Pairing;
import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class RotaryEmbeddingTest {

  /** Torch's two reference implementations (Meta complex multiply, HF rotate_half). */
  @TestFactory
  Stream<DynamicTest> matchesTorch() throws IOException {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : AttentionTesting.fixture().get("rope")) {
      for (DType dtype : new DType[] {DType.F64, DType.F32}) {
        tests.add(DynamicTest.dynamicTest(c.get("name").asText() + " " + dtype,
            () -> replay(c, dtype, dtype == DType.F64 ? 1e-10 : 2e-6)));
      }
    }
    assertEquals(9, tests.size() / 2, "cases in the fixture");
    return tests.stream();
  }

  private static void replay(JsonNode c, DType dtype, double tol) {
    var config = RotaryEmbedding.config(c.get("rotary_dim").asInt())
        .theta(c.get("theta").asDouble())
        .pairing(Pairing.valueOf(c.get("pairing").asText()))
        .linearScaling(c.get("linear").asDouble())
        .ntkScaling(c.get("ntk").asDouble());
    var rope = new RotaryEmbedding(config);
    Tensor x = tensor(c.get("x"), dtype).requiresGrad();
    Tensor y = c.has("position_ids")
        ? rope.apply(x, Tensor.of(longs(c.get("position_ids").get("data")),
            AttentionTesting.shape(c.get("position_ids"))))
        : rope.apply(x, c.get("offset").asInt());
    y.mul(tensor(c.get("gy"), dtype)).sum().backward();
    String name = c.get("name").asText() + " " + dtype;
    assertClose(expected(c.get("out")), y, tol, name + " output");
    assertClose(expected(c.get("grad_x")), x.grad(), tol, name + " grad x");
  }

  private static long[] longs(JsonNode data) {
    long[] v = new long[data.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = data.get(i).asLong();
    }
    return v;
  }

  @Test void interleavedPairsAdjacentFeatures() {
    // position 1, one pair, angle 1 rad: (1, 0) -> (cos 1, sin 1); the pass-through stays
    var rope = new RotaryEmbedding(2, Pairing.INTERLEAVED);
    Tensor y = rope.apply(Tensor.of(new double[] {9, 9, 1, 0}, 1, 1, 2, 2), 0);
    assertClose(Tensor.of(new double[] {9, 9, Math.cos(1), Math.sin(1)}, 1, 1, 2, 2), y, 1e-15,
        "one pair");
    Tensor partial = new RotaryEmbedding(2, Pairing.HALF)
        .apply(Tensor.of(new double[] {1, 0, 7}, 1, 3), 1);
    assertClose(Tensor.of(new double[] {Math.cos(1), Math.sin(1), 7}, 1, 3), partial, 1e-15,
        "partial rotary passes the rest through");
  }

  @Test void halfPairingIsAPermutationOfInterleaved() {
    Rng rng = new Rng(1);
    Tensor x = Tensor.randn(rng, DType.F64, 2, 3, 7, 8);
    Tensor idx = Tensor.of(new long[] {0, 2, 4, 6, 1, 3, 5, 7}, 8);
    Tensor a = new RotaryEmbedding(8, Pairing.INTERLEAVED).apply(x, 3).indexSelect(3, idx);
    Tensor b = new RotaryEmbedding(8, Pairing.HALF).apply(x.indexSelect(3, idx), 3);
    assertClose(a, b, 1e-14, "HALF on de-interleaved features == INTERLEAVED, permuted");
  }

  @Test void scoresDependOnlyOnRelativePosition() {
    Rng rng = new Rng(2);
    for (Pairing p : Pairing.values()) {
      var rope = new RotaryEmbedding(RotaryEmbedding.config(16).pairing(p));
      Tensor q = Tensor.randn(rng, DType.F64, 1, 1, 1, 16);
      Tensor k = Tensor.randn(rng, DType.F64, 1, 1, 1, 16);
      double s1 = rope.apply(q, 5).mul(rope.apply(k, 2)).sum().item();
      double s2 = rope.apply(q, 105).mul(rope.apply(k, 102)).sum().item();
      assertEquals(s1, s2, 1e-10, p + ": q·k depends on the distance only");
    }
  }

  @Test void offsetEqualsSliceOfTheFullSequenceAndTablesGrow() {
    var rope = new RotaryEmbedding(RotaryEmbedding.config(8).theta(500));
    Tensor x = Tensor.randn(new Rng(3), 2, 2, 600, 8);   // past the initial 256-position table
    Tensor full = rope.forward(x);
    Tensor tail = rope.apply(x.narrow(2, 590, 10).contiguous(), 590);
    assertClose(full.narrow(2, 590, 10), tail, 1e-6, "offset 590");
    // F32 and F64 tables (cached separately) agree
    Tensor f64 = rope.apply(x.to(DType.F64), 0);
    assertClose(f64, full, 1e-5, "F32 vs F64");
    assertEquals(Math.cos(599 * Math.pow(500, -2.0 / 8)),
        rope.cos(600, DType.F64).getDouble(599, 1), 1e-15);
  }

  @Test void positionIdsPerBatchRow() {
    var rope = new RotaryEmbedding(8, Pairing.HALF);
    Tensor x = Tensor.randn(new Rng(4), DType.F64, 2, 3, 4, 8);
    Tensor ids = Tensor.of(new long[] {0, 1, 2, 3, 10, 11, 12, 13}, 2, 4);
    Tensor y = rope.apply(x, ids);
    assertClose(rope.apply(x.narrow(0, 0, 1), 0), y.narrow(0, 0, 1), 1e-15, "row 0");
    assertClose(rope.apply(x.narrow(0, 1, 1), 10), y.narrow(0, 1, 1), 1e-15, "row 1");
  }

  @Test void nonContiguousInput() {
    var rope = new RotaryEmbedding(4, Pairing.INTERLEAVED);
    Tensor x = Tensor.randn(new Rng(5), 2, 5, 3, 6);          // [B, T, H, D]
    Tensor t = x.transpose(1, 2);                             // [B, H, T, D] view
    assertClose(rope.apply(t.contiguous(), 2), rope.apply(t, 2), 0, "strided input");
  }

  @Test void scalingConfig() {
    var c = RotaryEmbedding.config(8).theta(10_000).ntkScaling(4);
    assertEquals(10_000 * Math.pow(4, 8 / 6.0), c.base(), 1e-6);
    var rope = new RotaryEmbedding(RotaryEmbedding.config(8).linearScaling(2));
    Tensor x = Tensor.randn(new Rng(6), DType.F64, 1, 1, 1, 8);
    // position 6 with factor 2 rotates as position 3 without scaling
    assertClose(new RotaryEmbedding(8, Pairing.HALF).apply(x, 3), rope.apply(x, 6), 1e-14,
        "linear scaling");
  }

  @Test void gradientsF64() {
    Rng rng = new Rng(7);
    for (Pairing p : Pairing.values()) {
      var rope = new RotaryEmbedding(RotaryEmbedding.config(4).pairing(p).ntkScaling(2));
      Tensor x = Tensor.randn(rng, DType.F64, 2, 2, 3, 6).requiresGrad();
      GradCheck.assertGradientsMatch(t -> rope.apply(t, 5), x);
      Tensor ids = Tensor.of(new long[] {4, 0, 9, 1, 2, 3}, 2, 3);
      GradCheck.assertGradientsMatch(t -> rope.apply(t, ids), x);
    }
  }

  @Test void backwardIsTheInverseRotation() {
    var rope = new RotaryEmbedding(8, Pairing.INTERLEAVED);
    Tensor x = Tensor.randn(new Rng(8), DType.F64, 1, 2, 5, 8).requiresGrad();
    Tensor y = rope.apply(x, 11);
    y.backward(y.detach());                 // dL/dy = y  =>  dL/dx = R⁻¹·y = x
    assertClose(x.detach(), x.grad(), 1e-14, "R⁻¹R = I");
  }

  @Test void badInput() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> RotaryEmbedding.config(7));
    assertTrue(e.getMessage().contains("rotaryDim must be positive and even, got 7"),
        e.getMessage());
    var rope = new RotaryEmbedding(8, Pairing.HALF);
    e = assertThrows(IllegalArgumentException.class,
        () -> rope.apply(Tensor.zeros(2, 3, 6), 0));
    assertEquals("RotaryEmbedding(dim=8): the last dimension must be at least the rotary"
        + " dimension, got [2, 3, 6]", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> rope.apply(Tensor.zeros(2, 3, 8), Tensor.of(new long[] {0, 1}, 2)));
    assertTrue(e.getMessage().contains("position ids must have shape [T] or [B, T]"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> rope.apply(Tensor.zeros(2, 3, 8), -1));
    assertThrows(UnsupportedOperationException.class,
        () -> rope.apply(Tensor.zeros(DType.I64, 2, 8), 0));
  }
}
