package dev.nabla.optim.preference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import org.junit.jupiter.api.Test;

class SequenceLogProbsTest {

  private static final boolean[] MASK_2X4 = {
      false, true, true, false,
      true, true, true, true};

  private static Tensor logits(long seed, DType dtype, int b, int t, int v) {
    return Tensor.randn(new Rng(seed), dtype, b, t, v).mul(2.0);
  }

  private static Tensor targets(long seed, int b, int t, int v) {
    return Tensor.randint(new Rng(seed), 0, v, b, t);
  }

  @Test void sumsLogSoftmaxOfTargetsOverUnmaskedPositions() {
    Tensor x = logits(1, DType.F64, 2, 4, 5);
    Tensor y = targets(2, 2, 4, 5);
    Tensor m = Tensor.of(MASK_2X4, 2, 4);
    SequenceLogProbs lp = SequenceLogProbs.compute(x, y, m);
    double[] expected = new double[2];
    for (int b = 0; b < 2; b++) {
      for (int t = 0; t < 4; t++) {
        if (!MASK_2X4[b * 4 + t]) {
          continue;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < 5; v++) {
          max = Math.max(max, x.getDouble(b, t, v));
        }
        double z = 0;
        for (int v = 0; v < 5; v++) {
          z += Math.exp(x.getDouble(b, t, v) - max);
        }
        expected[b] += x.getDouble(b, t, (int) y.getLong(b, t)) - max - Math.log(z);
      }
    }
    assertArrayEquals(expected, lp.sum().toDoubleArray(), 1e-12);
    assertArrayEquals(new double[] {expected[0] / 2, expected[1] / 4}, lp.mean().toDoubleArray(),
        1e-12);
    assertArrayEquals(new long[] {2, 4}, lp.count().toLongArray());
    assertEquals(DType.I64, lp.count().dtype());
  }

  @Test void maskedPositionsGetExactlyZeroGradientAndMayHoldAnyId() {
    Tensor x = logits(3, DType.F64, 2, 4, 5).requiresGrad();
    long[] ids = targets(4, 2, 4, 5).toLongArray();
    ids[0] = -100;   // masked: ignored, as Hugging Face's ignore index
    ids[3] = 99;     // masked: out of the vocabulary, ignored
    SequenceLogProbs lp = SequenceLogProbs.compute(x, Tensor.of(ids, 2, 4),
        Tensor.of(MASK_2X4, 2, 4));
    lp.sum().add(lp.mean()).sum().backward();
    for (int v = 0; v < 5; v++) {
      assertEquals(0.0, x.grad().getDouble(0, 0, v));
      assertEquals(0.0, x.grad().getDouble(0, 3, v));
      assertTrue(x.grad().getDouble(0, 1, v) != 0.0);
    }
  }

  @Test void shiftScoresTokenTPlusOneWithLogitsAtT() {
    Tensor x = logits(5, DType.F64, 2, 4, 6);
    Tensor tokens = targets(6, 2, 4, 6);
    Tensor mask = Tensor.of(MASK_2X4, 2, 4);
    SequenceLogProbs shifted = SequenceLogProbs.compute(x, tokens, mask, true);
    SequenceLogProbs aligned = SequenceLogProbs.compute(x.narrow(1, 0, 3),
        tokens.narrow(1, 1, 3).contiguous(), mask.narrow(1, 1, 3).contiguous());
    assertArrayEquals(aligned.sum().toDoubleArray(), shifted.sum().toDoubleArray(), 0.0);
    assertArrayEquals(aligned.mean().toDoubleArray(), shifted.mean().toDoubleArray(), 0.0);
    // the first token is never scored: row 1 counts tokens 1..3 only
    assertArrayEquals(new long[] {2, 3}, shifted.count().toLongArray());
  }

  @Test void emptySequenceHasZeroSumAndMean() {
    Tensor x = logits(7, DType.F64, 2, 3, 4).requiresGrad();
    Tensor mask = Tensor.of(new boolean[] {false, false, false, true, true, false}, 2, 3);
    SequenceLogProbs lp = SequenceLogProbs.compute(x, targets(8, 2, 3, 4), mask);
    assertEquals(0.0, lp.sum().getDouble(0));
    assertEquals(0.0, lp.mean().getDouble(0));
    lp.mean().sum().backward();
    for (double g : x.grad().select(0, 0).contiguous().toDoubleArray()) {
      assertEquals(0.0, g);
    }
  }

  @Test void floatAndIntegerMasksMatchBoolMask() {
    Tensor x = logits(9, DType.F64, 2, 4, 5);
    Tensor y = targets(10, 2, 4, 5);
    Tensor bool = Tensor.of(MASK_2X4, 2, 4);
    double[] want = SequenceLogProbs.compute(x, y, bool).sum().toDoubleArray();
    assertArrayEquals(want, SequenceLogProbs.compute(x, y, bool.to(DType.F32)).sum()
        .toDoubleArray(), 0.0);
    assertArrayEquals(want, SequenceLogProbs.compute(x, y, bool.to(DType.I64)).sum()
        .toDoubleArray(), 0.0);
    assertArrayEquals(want, SequenceLogProbs.compute(x, y.to(DType.I32), bool).sum()
        .toDoubleArray(), 0.0);
  }

  @Test void float32FollowsFloat64() {
    Tensor x = logits(11, DType.F64, 3, 5, 7);
    Tensor y = targets(12, 3, 5, 7);
    Tensor m = Tensor.rand(new Rng(13), DType.F64, 3, 5).gt(0.3);
    SequenceLogProbs f64 = SequenceLogProbs.compute(x, y, m);
    SequenceLogProbs f32 = SequenceLogProbs.compute(x.to(DType.F32), y, m);
    assertEquals(DType.F32, f32.sum().dtype());
    assertEquals(DType.F32, f32.mean().dtype());
    assertArrayEquals(f64.sum().toDoubleArray(), f32.sum().toDoubleArray(), 1e-4);
    assertArrayEquals(f64.mean().toDoubleArray(), f32.mean().toDoubleArray(), 1e-5);
  }

  // ------------------------------------------------------------------ gradients (F64)

  @Test void sumGradient() {
    Tensor y = targets(20, 2, 4, 5);
    Tensor m = Tensor.of(MASK_2X4, 2, 4);
    GradCheck.assertGradientsMatch(x -> SequenceLogProbs.compute(x, y, m).sum(),
        logits(21, DType.F64, 2, 4, 5).requiresGrad());
  }

  @Test void meanGradient() {
    Tensor y = targets(22, 2, 4, 5);
    Tensor m = Tensor.of(MASK_2X4, 2, 4);
    GradCheck.assertGradientsMatch(x -> SequenceLogProbs.compute(x, y, m).mean(),
        logits(23, DType.F64, 2, 4, 5).requiresGrad());
  }

  @Test void shiftedGradientWithFloatMask() {
    Tensor tokens = targets(24, 3, 5, 4);
    Tensor m = Tensor.rand(new Rng(25), DType.F64, 3, 5).gt(0.4).to(DType.F32);
    GradCheck.assertGradientsMatch(
        x -> {
          SequenceLogProbs lp = SequenceLogProbs.compute(x, tokens, m, true);
          return lp.sum().add(lp.mean().mul(3.0));
        },
        logits(26, DType.F64, 3, 5, 4).requiresGrad());
  }

  // ------------------------------------------------------------------ bad input

  @Test void rejectsLogitsOfWrongRank() {
    var e = assertThrows(ShapeMismatchException.class, () -> SequenceLogProbs.compute(
        Tensor.zeros(DType.F64, 2, 5), Tensor.zeros(DType.I64, 2, 5),
        Tensor.ones(DType.BOOL, 2, 5)));
    assertEquals("SequenceLogProbs.compute: logits must be [B, T, V], got shape [2, 5]",
        e.getMessage());
  }

  @Test void rejectsTargetsOfWrongShape() {
    var e = assertThrows(ShapeMismatchException.class, () -> SequenceLogProbs.compute(
        Tensor.zeros(DType.F64, 2, 4, 5), Tensor.zeros(DType.I64, 2, 3),
        Tensor.ones(DType.BOOL, 2, 3)));
    assertEquals("SequenceLogProbs.compute: targets must be [B, T] = [2, 4] to match logits"
        + " [2, 4, 5], got shape [2, 3]", e.getMessage());
  }

  @Test void rejectsMaskOfWrongShape() {
    var e = assertThrows(ShapeMismatchException.class, () -> SequenceLogProbs.compute(
        Tensor.zeros(DType.F64, 2, 4, 5), Tensor.zeros(DType.I64, 2, 4),
        Tensor.ones(DType.BOOL, 4, 2)));
    assertEquals("SequenceLogProbs.compute: lossMask must have the shape of targets [2, 4],"
        + " got shape [4, 2]", e.getMessage());
  }

  @Test void rejectsTargetsOutOfVocabulary() {
    long[] ids = new long[8];
    ids[6] = 5;
    var e = assertThrows(IllegalArgumentException.class, () -> SequenceLogProbs.compute(
        Tensor.zeros(DType.F64, 2, 4, 5), Tensor.of(ids, 2, 4), Tensor.of(MASK_2X4, 2, 4)));
    assertEquals("SequenceLogProbs.compute: target 5 at [1, 2] is out of range for vocabulary"
        + " size 5 (only masked positions may hold ids outside [0, V))", e.getMessage());
    ids[6] = 0;
    ids[5] = -1;
    var neg = assertThrows(IllegalArgumentException.class, () -> SequenceLogProbs.compute(
        Tensor.zeros(DType.F64, 2, 4, 5), Tensor.of(ids, 2, 4), Tensor.of(MASK_2X4, 2, 4)));
    assertTrue(neg.getMessage().contains("target -1 at [1, 1]"), neg.getMessage());
    // with shift, the position named is the token's own position in the input ids
    ids[5] = 0;
    ids[7] = 9;
    var shifted = assertThrows(IllegalArgumentException.class, () -> SequenceLogProbs.compute(
        Tensor.zeros(DType.F64, 2, 4, 5), Tensor.of(ids, 2, 4), Tensor.of(MASK_2X4, 2, 4),
        true));
    assertTrue(shifted.getMessage().contains("target 9 at [1, 3]"), shifted.getMessage());
  }

  @Test void rejectsFloatTargetsAndNonBinaryMasks() {
    var e = assertThrows(IllegalArgumentException.class, () -> SequenceLogProbs.compute(
        Tensor.zeros(DType.F64, 2, 4, 5), Tensor.zeros(DType.F32, 2, 4),
        Tensor.ones(DType.BOOL, 2, 4)));
    assertEquals("SequenceLogProbs.compute: targets must be I64 or I32 token ids, got F32",
        e.getMessage());
    Tensor soft = Tensor.full(0.5, DType.F32, 2, 4);
    var m = assertThrows(IllegalArgumentException.class, () -> SequenceLogProbs.compute(
        Tensor.zeros(DType.F64, 2, 4, 5), Tensor.zeros(DType.I64, 2, 4), soft));
    assertEquals("SequenceLogProbs.compute: a F32 lossMask must hold only 0 and 1, got 0.5 at"
        + " [0, 0]; pass a BOOL mask", m.getMessage());
  }

  @Test void rejectsIntegerLogitsAndTooShortShift() {
    var e = assertThrows(UnsupportedOperationException.class, () -> SequenceLogProbs.compute(
        Tensor.zeros(DType.I64, 2, 4, 5), Tensor.zeros(DType.I64, 2, 4),
        Tensor.ones(DType.BOOL, 2, 4)));
    assertEquals("SequenceLogProbs.compute: logits must be floating point, got I64",
        e.getMessage());
    var s = assertThrows(ShapeMismatchException.class, () -> SequenceLogProbs.compute(
        Tensor.zeros(DType.F64, 2, 1, 5), Tensor.zeros(DType.I64, 2, 1),
        Tensor.ones(DType.BOOL, 2, 1), true));
    assertEquals("SequenceLogProbs.compute: shifting needs at least 2 positions, got logits"
        + " [2, 1, 5]", s.getMessage());
  }
}
