package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmbeddingTest {

  @Test void looksUpRowsForAnyIdShape() {
    Embedding emb = new Embedding(10, 4, new Rng(0));
    assertEquals(List.of("weight"), List.copyOf(emb.stateDict().keySet()));
    Tensor ids = Tensor.of(new long[] {3, 0, 9, 3, 1, 2}, 2, 3);
    Tensor y = emb.forward(ids);
    assertArrayEquals(new int[] {2, 3, 4}, y.shape().toArray());
    for (int j = 0; j < 4; j++) {
      assertEquals(emb.weight().getDouble(9, j), y.getDouble(0, 2, j));
    }
    Tensor i32 = Tensor.of(new int[] {3, 0});
    assertArrayEquals(new int[] {2, 4}, emb.forward(i32).shape().toArray());
    assertEquals("Embedding(10, 4)", emb.toString());
  }

  @Test void initIsStandardNormal() {
    double[] w = new Embedding(1000, 100, new Rng(1)).weight().toDoubleArray();
    double s = 0;
    double ss = 0;
    for (double v : w) {
      s += v;
      ss += v * v;
    }
    assertEquals(0, s / w.length, 0.02);
    assertEquals(1, Math.sqrt(ss / w.length), 0.01);
  }

  @Test void paddingRowStartsAtZeroAndGetsNoGradient() {
    Embedding emb = new Embedding(5, 3, Embedding.options().paddingIdx(-1), new Rng(0));
    assertEquals(4, emb.paddingIdx());
    assertArrayEquals(new float[3], emb.weight().select(0, 4).toFloatArray());
    assertEquals("Embedding(5, 3, padding_idx=4)", emb.toString());
    Tensor ids = Tensor.of(new long[] {4, 1, 4, 1});
    emb.forward(ids).sum().backward();
    Tensor g = emb.weight().grad();
    assertArrayEquals(new float[] {2, 2, 2}, g.select(0, 1).toFloatArray());
    assertArrayEquals(new float[3], g.select(0, 4).toFloatArray());
  }

  @Test void paddingRowLoadedWithValuesIsReturnedButFrozen() {
    Tensor w = Tensor.randn(new Rng(3), 4, 2);
    Embedding emb = Embedding.fromPretrained(w, false, Embedding.options().paddingIdx(0));
    Tensor y = emb.forward(Tensor.of(new long[] {0, 2}));
    assertArrayEquals(w.select(0, 0).toFloatArray(), y.select(0, 0).toFloatArray());
    y.sum().backward();
    assertArrayEquals(new float[2], emb.weight().grad().select(0, 0).toFloatArray());
    assertArrayEquals(new float[] {1, 1}, emb.weight().grad().select(0, 2).toFloatArray());
    Embedding frozen = Embedding.fromPretrained(w, true, Embedding.options());
    assertFalse(frozen.weight().isRequiresGrad());
  }

  @Test void maxNormRenormalisesLookedUpRowsInPlace() {
    Embedding emb = new Embedding(4, 3, Embedding.options().maxNorm(1.0), new Rng(0));
    emb.loadStateDict(java.util.Map.of("weight", Tensor.of(new float[] {
        3, 4, 0,      // norm 5: looked up, rescaled
        0.3f, 0.4f, 0, // norm 0.5: looked up, unchanged
        6, 8, 0,      // norm 10: not looked up, unchanged
        0, 0, 2}, 4, 3)), true);
    Tensor y = emb.forward(Tensor.of(new long[] {0, 1, 0}));
    double scale = 1.0 / (5 + 1e-7);
    assertArrayEquals(new float[] {(float) (3 * scale), (float) (4 * scale), 0},
        emb.weight().select(0, 0).toFloatArray(), 1e-7f);
    assertArrayEquals(new float[] {0.3f, 0.4f, 0}, emb.weight().select(0, 1).toFloatArray());
    assertArrayEquals(new float[] {6, 8, 0}, emb.weight().select(0, 2).toFloatArray());
    assertArrayEquals(emb.weight().select(0, 0).toFloatArray(), y.select(0, 2).toFloatArray());
    assertTrue(emb.toString().contains("max_norm=1.0"));
  }

  @Test void badIdsNameTheLayer() {
    Embedding emb = new Embedding(10, 4, new Rng(0));
    var e = assertThrows(IllegalArgumentException.class,
        () -> emb.forward(Tensor.zeros(2, 3)));
    assertEquals("Embedding(10, 4): expected integer (I64 or I32) indices, got F32 of shape"
        + " [2, 3]", e.getMessage());
    var r = assertThrows(IndexOutOfBoundsException.class,
        () -> emb.forward(Tensor.of(new long[] {1, 10})));
    assertEquals("Embedding(10, 4): index 10 is out of range [0, 10) in ids of shape [2]",
        r.getMessage());
    assertThrows(IndexOutOfBoundsException.class, () -> emb.forward(Tensor.of(new long[] {-1})));
    assertThrows(IllegalArgumentException.class,
        () -> new Embedding(3, 2, Embedding.options().paddingIdx(3), new Rng(0)));
    assertThrows(IllegalArgumentException.class, () -> Embedding.options().maxNorm(0));
  }

  @Test void gradientsInF64() {
    Embedding emb = new Embedding(6, 3, new Rng(1));
    emb.to(DType.F64);
    Tensor ids = Tensor.of(new long[] {1, 2, 5, 1, 0, 2}, 3, 2);
    GradCheck.assertGradientsMatch(w -> emb.forward(ids).square(), emb.weight());
    // with padding the row is used but, by definition, not differentiated: no GradCheck there
    Embedding padded = new Embedding(6, 3, Embedding.options().paddingIdx(2), new Rng(1));
    padded.to(DType.F64);
    padded.forward(ids).square().sum().backward();
    assertArrayEquals(new double[3], padded.weight().grad().select(0, 2).toDoubleArray());
    assertTrue(padded.weight().grad().select(0, 1).abs().sum().item() > 0);
  }
}
