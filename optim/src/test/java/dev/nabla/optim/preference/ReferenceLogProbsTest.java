package dev.nabla.optim.preference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReferenceLogProbsTest {

  /** A toy batch: example ids and per-token logits of chosen and rejected responses. */
  record Batch(int[] ids, Tensor chosenLogits, Tensor chosenTokens, Tensor rejectedLogits,
      Tensor rejectedTokens, Tensor mask) {}

  private static final int T = 4;
  private static final int V = 6;

  /** A "model": a fixed weight applied to fixed per-example logits; requires grad like one. */
  private static final Tensor WEIGHT = Tensor.scalar(1.5, DType.F64).requiresGrad();

  private static List<Batch> batches(int[][] idsPerBatch) {
    List<Batch> out = new ArrayList<>();
    for (int[] ids : idsPerBatch) {
      int b = ids.length;
      Tensor cl = Tensor.zeros(DType.F64, b, T, V);
      Tensor rl = Tensor.zeros(DType.F64, b, T, V);
      long[] ct = new long[b * T];
      long[] rt = new long[b * T];
      for (int i = 0; i < b; i++) {
        Rng rng = new Rng(ids[i]);   // an example's data depends only on its id
        Tensor c = Tensor.randn(rng, DType.F64, T, V);
        Tensor r = Tensor.randn(rng, DType.F64, T, V);
        for (int t = 0; t < T; t++) {
          ct[i * T + t] = rng.nextInt(V);
          rt[i * T + t] = rng.nextInt(V);
          for (int v = 0; v < V; v++) {
            cl.set(c.getDouble(t, v), i, t, v);
            rl.set(r.getDouble(t, v), i, t, v);
          }
        }
      }
      Tensor mask = Tensor.of(new boolean[] {false, true, true, true}, 1, T).expand(b, T)
          .contiguous();
      out.add(new Batch(ids, cl, Tensor.of(ct, b, T), rl, Tensor.of(rt, b, T), mask));
    }
    return out;
  }

  private static ChosenRejected forward(Batch batch) {
    Tensor c = SequenceLogProbs.compute(batch.chosenLogits().mul(WEIGHT), batch.chosenTokens(),
        batch.mask()).sum();
    Tensor r = SequenceLogProbs.compute(batch.rejectedLogits().mul(WEIGHT),
        batch.rejectedTokens(), batch.mask()).sum();
    return new ChosenRejected(c, r);
  }

  @Test void storesPerExampleValuesAndLooksThemUpInAnyOrder() {
    List<Batch> pass = batches(new int[][] {{3, 0, 5}, {1, 4}, {2}});
    ReferenceLogProbs ref = ReferenceLogProbs.precompute(pass, Batch::ids, batch -> {
      assertFalse(GradMode.isEnabled(), "the reference forward must run without a graph");
      return forward(batch);
    });
    assertTrue(GradMode.isEnabled());
    assertEquals(6, ref.size());
    // a differently batched, shuffled pass over the same examples
    List<Batch> train = batches(new int[][] {{5, 2}, {0, 4, 1, 3}});
    for (Batch batch : train) {
      ChosenRejected want = forward(batch);
      ChosenRejected got = ref.lookup(batch.ids());
      assertEquals(DType.F32, got.chosen().dtype());
      assertFalse(got.chosen().isRequiresGrad());
      assertArrayEquals(want.chosen().detach().toFloatArray(), got.chosen().toFloatArray());
      assertArrayEquals(want.rejected().detach().toFloatArray(), got.rejected().toFloatArray());
      ChosenRejected f64 = ref.lookup(DType.F64, batch.ids());
      assertEquals(DType.F64, f64.rejected().dtype());
      assertEquals(ref.rejected(batch.ids()[0]), (float) f64.rejected().getDouble(0));
    }
  }

  @Test void sequentialNumberingFollowsIterationOrder() {
    List<Batch> pass = batches(new int[][] {{10, 11}, {12, 13, 14}});
    ReferenceLogProbs ref = ReferenceLogProbs.precompute(pass, ReferenceLogProbsTest::forward);
    assertEquals(5, ref.size());
    float[] chosen = forward(pass.get(1)).chosen().detach().toFloatArray();
    assertEquals(chosen[0], ref.chosen(2));
    assertEquals(chosen[2], ref.chosen(4));
    assertFalse(ref.contains(5));
  }

  @Test void trainsWithDpoAgainstStoredReference() {
    List<Batch> pass = batches(new int[][] {{0, 1, 2}});
    ReferenceLogProbs ref = ReferenceLogProbs.precompute(pass, Batch::ids,
        ReferenceLogProbsTest::forward);
    WEIGHT.zeroGrad();
    DPOLoss.Output out = DPOLoss.sigmoid(0.1).compute(forward(pass.get(0)), ref.lookup(0, 1, 2));
    // the policy is the reference here: h = 0 up to float rounding of the stored values
    assertEquals(Math.log(2), out.loss().item(), 1e-5);
    out.loss().backward();
    assertTrue(WEIGHT.grad() != null);
  }

  @Test void ofCopiesStoredArrays() {
    float[] c = {-1f, -2f};
    float[] r = {-3f, -4f};
    ReferenceLogProbs ref = ReferenceLogProbs.of(c, r);
    c[0] = 0f;
    assertArrayEquals(new float[] {-2f, -1f}, ref.lookup(1, 0).chosen().toFloatArray());
    assertArrayEquals(new float[] {-4f, -3f}, ref.lookup(1, 0).rejected().toFloatArray());
  }

  @Test void valuesRoundTripThroughOfWithGaps() {
    ReferenceLogProbs sparse = ReferenceLogProbs.precompute(batches(new int[][] {{0, 3}}),
        Batch::ids, ReferenceLogProbsTest::forward);
    float[] c = sparse.chosenValues();
    assertEquals(4, c.length);
    assertTrue(Float.isNaN(c[1]) && Float.isNaN(c[2]));
    ReferenceLogProbs back = ReferenceLogProbs.of(c, sparse.rejectedValues());
    assertEquals(2, back.size());
    assertFalse(back.contains(1));
    assertArrayEquals(sparse.lookup(3, 0).chosen().toFloatArray(),
        back.lookup(3, 0).chosen().toFloatArray());
    assertArrayEquals(sparse.lookup(3, 0).rejected().toFloatArray(),
        back.lookup(3, 0).rejected().toFloatArray());
  }

  // ------------------------------------------------------------------ bad input

  @Test void rejectsUnknownIndices() {
    ReferenceLogProbs ref = ReferenceLogProbs.of(new float[] {-1f, -2f}, new float[] {-3f, -4f});
    var e = assertThrows(IllegalArgumentException.class, () -> ref.lookup(0, 7));
    assertEquals("ReferenceLogProbs.lookup: no reference log-probs for example 7; precompute"
        + " stored 2 examples (indices 0..1)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ref.lookup(-1));
    assertThrows(IllegalArgumentException.class, () -> ref.lookup());
    // a gap in the indices is a miss too
    ReferenceLogProbs sparse = ReferenceLogProbs.precompute(batches(new int[][] {{0, 2}}),
        Batch::ids, ReferenceLogProbsTest::forward);
    var gap = assertThrows(IllegalArgumentException.class, () -> sparse.lookup(1));
    assertEquals("ReferenceLogProbs.lookup: no reference log-probs for example 1; precompute"
        + " stored 2 examples", gap.getMessage());
  }

  @Test void rejectsRepeatedAndNegativeIndicesAndLengthMismatch() {
    List<Batch> pass = batches(new int[][] {{0, 1}, {1, 2}});
    var dup = assertThrows(IllegalArgumentException.class,
        () -> ReferenceLogProbs.precompute(pass, Batch::ids, ReferenceLogProbsTest::forward));
    assertEquals("ReferenceLogProbs.precompute: example index 1 appears twice (again in batch"
        + " 1); each example once", dup.getMessage());
    var neg = assertThrows(IllegalArgumentException.class,
        () -> ReferenceLogProbs.precompute(pass, b -> new int[] {-1, 0},
            ReferenceLogProbsTest::forward));
    assertEquals("ReferenceLogProbs.precompute: example index must be >= 0, got -1 in batch 0",
        neg.getMessage());
    var len = assertThrows(IllegalArgumentException.class,
        () -> ReferenceLogProbs.precompute(pass, b -> new int[] {7},
            ReferenceLogProbsTest::forward));
    assertEquals("ReferenceLogProbs.precompute: batch 0 has 1 example indices but"
        + " referenceForward returned 2 log-probs", len.getMessage());
  }

  @Test void rejectsNaN() {
    var e = assertThrows(IllegalArgumentException.class, () -> ReferenceLogProbs.precompute(
        List.of(1), b -> new ChosenRejected(Tensor.of(new float[] {-1f, Float.NaN}, 2),
            Tensor.of(new float[] {-1f, -2f}, 2))));
    assertEquals("ReferenceLogProbs.precompute: reference log-prob of example 1 is NaN (chosen"
        + " NaN, rejected -2.0)", e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> ReferenceLogProbs.of(new float[] {-1f}, new float[] {-1f, -2f}));
    var half = assertThrows(IllegalArgumentException.class,
        () -> ReferenceLogProbs.of(new float[] {Float.NaN}, new float[] {-2f}));
    assertEquals("ReferenceLogProbs.of: reference log-prob of example 0 is NaN (chosen NaN,"
        + " rejected -2.0)", half.getMessage());
  }
}
