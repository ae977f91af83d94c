package dev.nabla.nn.functional;

import static dev.nabla.nn.functional.Functional.embedding;
import static dev.nabla.nn.functional.Functional.embeddingRenorm;
import static dev.nabla.nn.functional.Functional.layerNorm;
import static dev.nabla.nn.functional.Functional.leakyRelu;
import static dev.nabla.nn.functional.Functional.linear;
import static dev.nabla.nn.functional.Functional.rmsNorm;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import dev.nabla.nn.GELU;
import org.junit.jupiter.api.Test;

class FunctionalTest {

  private static Tensor f64(long seed, int... shape) {
    return Tensor.randn(new Rng(seed), DType.F64, shape).requiresGrad();
  }

  @Test void linearMatchesMatmulAndChecksShapes() {
    Tensor x = Tensor.randn(new Rng(0), 2, 3, 4);
    Tensor w = Tensor.randn(new Rng(1), 5, 4);
    Tensor b = Tensor.randn(new Rng(2), 5);
    assertArrayEquals(x.matmul(w.t()).add(b).toFloatArray(), linear(x, w, b).toFloatArray(),
        1e-6f);
    assertArrayEquals(x.matmul(w.t()).toFloatArray(), linear(x, w).toFloatArray(), 1e-6f);
    var e = assertThrows(ShapeMismatchException.class,
        () -> linear(Tensor.zeros(2, 3), w));
    assertTrue(e.getMessage().startsWith("linear: input shape [2, 3] and weight shape [5, 4]"),
        e.getMessage());
    assertThrows(ShapeMismatchException.class, () -> linear(x, w, Tensor.zeros(4)));
    assertThrows(IllegalArgumentException.class, () -> linear(x, Tensor.zeros(4)));
    GradCheck.assertGradientsMatch(in -> linear(in[0], in[1], in[2]), f64(3, 2, 2, 4),
        f64(4, 3, 4), f64(5, 3));
  }

  @Test void embeddingWithPaddingIndex() {
    Tensor w = Tensor.randn(new Rng(0), 4, 2).requiresGrad();
    Tensor ids = Tensor.of(new long[] {3, 1, 3});
    Tensor y = embedding(ids, w, -1); // index 3
    assertArrayEquals(w.select(0, 3).toFloatArray(), y.select(0, 0).toFloatArray());
    y.sum().backward();
    assertArrayEquals(new float[2], w.grad().select(0, 3).toFloatArray());
    assertArrayEquals(new float[] {1, 1}, w.grad().select(0, 1).toFloatArray());
    assertThrows(IllegalArgumentException.class, () -> embedding(ids, w, 4));
    var e = assertThrows(IllegalArgumentException.class,
        () -> embedding(Tensor.zeros(3), w));
    assertTrue(e.getMessage().contains("expected integer"), e.getMessage());
    // no grad needed: the plain lookup, no where
    Tensor frozen = Tensor.randn(new Rng(0), 4, 2);
    assertFalse(embedding(ids, frozen, 0).isRequiresGrad());
  }

  @Test void embeddingRenormWithL1Norm() {
    Tensor w = Tensor.of(new float[] {1, -3, 0.2f, 0.1f}, 2, 2);
    embeddingRenorm(w, Tensor.of(new long[] {0, 1, 0}), 2.0, 1.0);
    assertArrayEquals(new float[] {0.5f, -1.5f, 0.2f, 0.1f}, w.toFloatArray(), 1e-6f);
  }

  @Test void normsWithoutWeights() {
    Tensor x = Tensor.randn(new Rng(1), 3, 8);
    Tensor ln = layerNorm(x, new int[] {8}, null, null, 1e-5);
    Tensor c = x.sub(x.mean(-1, true));
    assertArrayEquals(c.mul(c.square().mean(-1, true).add(1e-5).rsqrt()).toFloatArray(),
        ln.toFloatArray(), 1e-5f);
    Tensor rms = rmsNorm(x, new int[] {8}, null, 1e-6);
    assertArrayEquals(x.mul(x.square().mean(-1, true).add(1e-6).rsqrt()).toFloatArray(),
        rms.toFloatArray(), 1e-5f);
    GradCheck.assertGradientsMatch(in -> rmsNorm(in[0], new int[] {2, 3}, in[1], 1e-5),
        f64(2, 4, 2, 3), f64(3, 2, 3));
    GradCheck.assertGradientsMatch(in -> layerNorm(in[0], new int[] {3}, null, in[1], 1e-5),
        f64(4, 2, 3), f64(5, 3));
  }

  @Test void normErrors() {
    Tensor x = Tensor.zeros(2, 3, 4);
    var e = assertThrows(ShapeMismatchException.class,
        () -> layerNorm(x, new int[] {3}, null, null, 1e-5));
    assertEquals("layerNorm: given normalized shape [3], expected input of shape [*, 3], got"
        + " [2, 3, 4]", e.getMessage());
    assertThrows(ShapeMismatchException.class,
        () -> rmsNorm(x, new int[] {4}, Tensor.ones(3), 1e-5));
    var d = assertThrows(UnsupportedOperationException.class,
        () -> rmsNorm(x, new int[] {4}, Tensor.ones(DType.F64, 4), 1e-5));
    assertTrue(d.getMessage().contains("to(dtype)"), d.getMessage());
    assertThrows(UnsupportedOperationException.class,
        () -> layerNorm(Tensor.zeros(DType.I64, 4), new int[] {4}, null, null, 1e-5));
  }

  @Test void activationsAsFunctions() {
    Tensor x = Tensor.of(new float[] {-1, 2});
    assertArrayEquals(new float[] {-0.1f, 2}, leakyRelu(x, 0.1).toFloatArray(), 1e-7f);
    assertArrayEquals(x.geluTanh().toFloatArray(),
        Functional.gelu(x, GELU.Approximation.TANH).toFloatArray());
    assertArrayEquals(x.silu().mul(x).toFloatArray(), Functional.swiglu(x, x).toFloatArray());
    assertArrayEquals(x.softmax(0).toFloatArray(), Functional.softmax(x, 0).toFloatArray());
    GradCheck.assertGradientsMatch(t -> leakyRelu(t, 0.3), f64(6, 3, 4));
  }
}
