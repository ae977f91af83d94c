package dev.nabla.optim.preference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

class DPOLossTest {

  private static final List<DPOLoss> ALL = List.of(DPOLoss.sigmoid(0.1), DPOLoss.sigmoid(2.0),
      DPOLoss.conservative(0.1, 0.25), DPOLoss.conservative(0.5, 0.0), DPOLoss.ipo(0.1),
      DPOLoss.ipo(1.0), DPOLoss.hinge(0.1), DPOLoss.hinge(0.8));

  /** Summed log-probs of short responses: negative, a few to tens of nats. */
  private static Tensor logProbs(long seed, int n) {
    return Tensor.rand(new Rng(seed), DType.F64, n).mul(-30).sub(2);
  }

  private static Tensor near(Tensor base, long seed) {
    return base.add(Tensor.randn(new Rng(seed), DType.F64, base.size(0)));
  }

  // ------------------------------------------------------------------ values

  @Test void sigmoidMatchesTheFormula() {
    Tensor pc = Tensor.of(new double[] {-10, -20});
    Tensor pr = Tensor.of(new double[] {-12, -18});
    Tensor rc = Tensor.of(new double[] {-11, -20});
    Tensor rr = Tensor.of(new double[] {-11, -19});
    DPOLoss.Output out = DPOLoss.sigmoid(0.5).compute(pc, pr, rc, rr);
    // h = (1 − (−1)) = 2 and (0 − 1) = −1
    double l0 = Math.log1p(Math.exp(-1.0));
    double l1 = Math.log1p(Math.exp(0.5));
    assertArrayEquals(new double[] {l0, l1}, out.losses().toDoubleArray(), 1e-15);
    assertEquals((l0 + l1) / 2, out.loss().item(), 1e-15);
    assertArrayEquals(new double[] {0.5, 0}, out.chosenRewards().toDoubleArray(), 1e-15);
    assertArrayEquals(new double[] {-0.5, 0.5}, out.rejectedRewards().toDoubleArray(), 1e-15);
    assertArrayEquals(new double[] {1, -0.5}, out.rewardMargins().toDoubleArray(), 1e-15);
    assertEquals(0.5, out.rewardAccuracy());
    assertEquals(0.25, out.chosenRewardMean(), 1e-15);
    assertEquals(0.0, out.rejectedRewardMean(), 1e-15);
    assertEquals(0.25, out.marginMean(), 1e-15);
  }

  @Test void variantsMatchTheirFormulas() {
    Tensor pc = logProbs(1, 5);
    Tensor pr = logProbs(2, 5);
    Tensor rc = near(pc, 3);
    Tensor rr = near(pr, 4);
    double[] h = pc.sub(rc).sub(pr.sub(rr)).toDoubleArray();
    double beta = 0.3;
    double eps = 0.2;
    double[] cdpo = DPOLoss.conservative(beta, eps).compute(pc, pr, rc, rr).losses()
        .toDoubleArray();
    double[] ipo = DPOLoss.ipo(beta).compute(pc, pr, rc, rr).losses().toDoubleArray();
    double[] hinge = DPOLoss.hinge(beta).compute(pc, pr, rc, rr).losses().toDoubleArray();
    for (int i = 0; i < h.length; i++) {
      double z = beta * h[i];
      double nls = Math.log1p(Math.exp(-z));       // −log σ(z)
      double nlsNeg = Math.log1p(Math.exp(z));     // −log σ(−z)
      assertEquals((1 - eps) * nls + eps * nlsNeg, cdpo[i], 1e-13);
      assertEquals(Math.pow(h[i] - 1 / (2 * beta), 2), ipo[i], 1e-12);
      assertEquals(Math.max(0, 1 - z), hinge[i], 1e-13);
    }
  }

  @Test void conservativeWithZeroSmoothingIsDpo() {
    Tensor pc = logProbs(5, 4);
    Tensor pr = logProbs(6, 4);
    Tensor rc = near(pc, 7);
    Tensor rr = near(pr, 8);
    assertArrayEquals(DPOLoss.sigmoid(0.2).compute(pc, pr, rc, rr).losses().toDoubleArray(),
        DPOLoss.conservative(0.2, 0).compute(pc, pr, rc, rr).losses().toDoubleArray(), 1e-15);
  }

  @Test void firstStepGradientIsHalfBeta() {
    // Policy = reference: h = 0, where log σ's composite form has kinks. d/dπ_c = −β·σ(0)/B.
    Tensor pc = Tensor.of(new double[] {-10, -20}).requiresGrad();
    Tensor pr = Tensor.of(new double[] {-15, -5}).requiresGrad();
    DPOLoss.Output out = DPOLoss.sigmoid(0.1).compute(pc, pr, pc.detach(), pr.detach());
    assertEquals(Math.log(2), out.loss().item(), 1e-15);
    assertEquals(0.0, out.rewardAccuracy());
    out.loss().backward();
    assertArrayEquals(new double[] {-0.025, -0.025}, pc.grad().toDoubleArray(), 1e-15);
    assertArrayEquals(new double[] {0.025, 0.025}, pr.grad().toDoubleArray(), 1e-15);
  }

  @Test void stableForHugeLogRatios() {
    Tensor pc = Tensor.of(new double[] {-1, -5000}).requiresGrad();
    Tensor pr = Tensor.of(new double[] {-5000, -1}).requiresGrad();
    Tensor rc = Tensor.of(new double[] {-1, -1});
    Tensor rr = Tensor.of(new double[] {-1, -1});
    DPOLoss.Output out = DPOLoss.conservative(1.0, 0.1).compute(pc, pr, rc, rr);
    // h = +4999 and −4999: −log σ(4999) ≈ 0, −log σ(−4999) = 4999
    assertArrayEquals(new double[] {0.1 * 4999, 0.9 * 4999}, out.losses().toDoubleArray(),
        1e-9);
    out.loss().backward();
    for (double g : pc.grad().toDoubleArray()) {
      assertTrue(Double.isFinite(g));
    }
    assertArrayEquals(new double[] {0.05, -0.45}, pc.grad().toDoubleArray(), 1e-12);
    // F32 too
    DPOLoss.Output f32 = DPOLoss.sigmoid(1.0).compute(pc.detach().to(DType.F32),
        pr.detach().to(DType.F32), rc.to(DType.F32), rr.to(DType.F32));
    assertEquals(DType.F32, f32.loss().dtype());
    assertArrayEquals(new float[] {0f, 4999f}, f32.losses().toFloatArray(), 1e-3f);
  }

  @Test void referenceGetsNoGradientAndMetricsAreDetached() {
    Tensor pc = logProbs(9, 3).requiresGrad();
    Tensor pr = logProbs(10, 3).requiresGrad();
    Tensor rc = logProbs(11, 3).requiresGrad();
    Tensor rr = logProbs(12, 3).requiresGrad();
    DPOLoss.Output out = DPOLoss.sigmoid(0.1).compute(pc, pr, rc, rr);
    assertTrue(out.loss().isRequiresGrad());
    assertFalse(out.chosenRewards().isRequiresGrad());
    assertFalse(out.rejectedRewards().isRequiresGrad());
    assertFalse(out.rewardMargins().isRequiresGrad());
    out.loss().backward();
    assertNull(rc.grad());
    assertNull(rr.grad());
    assertTrue(pc.grad() != null && pr.grad() != null);
  }

  @Test void acceptsChosenRejectedPairs() {
    Tensor pc = logProbs(13, 4);
    Tensor pr = logProbs(14, 4);
    Tensor rc = near(pc, 15);
    Tensor rr = near(pr, 16);
    DPOLoss dpo = DPOLoss.ipo(0.5);
    assertEquals(dpo.compute(pc, pr, rc, rr).loss().item(),
        dpo.compute(new ChosenRejected(pc, pr), new ChosenRejected(rc, rr)).loss().item(), 0.0);
  }

  // ------------------------------------------------------------------ gradients (F64)

  @Test void everyVariantPassesGradCheck() {
    Tensor rc = near(logProbs(20, 6), 21);
    Tensor rr = near(logProbs(22, 6), 23);
    for (DPOLoss dpo : ALL) {
      Tensor pc = near(rc, 24).requiresGrad();
      Tensor pr = near(rr, 25).requiresGrad();
      if (dpo.variant() == DPOLoss.Variant.HINGE) {
        double[] z = pc.sub(rc).sub(pr.sub(rr)).mul(-dpo.beta()).add(1).toDoubleArray();
        for (double v : z) {
          assertTrue(Math.abs(v) > 1e-3, "hinge test point sits on the kink");
        }
      }
      GradCheck.assertGradientsMatch(in -> dpo.compute(in[0], in[1], rc, rr).losses(), pc, pr);
      GradCheck.assertGradientsMatch(in -> dpo.compute(in[0], in[1], rc, rr).loss(), pc, pr);
    }
  }

  @Test void gradCheckAtZeroAndAtLargeLogRatios() {
    Tensor rc = Tensor.of(new double[] {-10, -10, -10, -10});
    Tensor rr = Tensor.of(new double[] {-10, -10, -10, -10});
    for (DPOLoss dpo : List.of(DPOLoss.sigmoid(1.0), DPOLoss.conservative(1.0, 0.3))) {
      Tensor pc = Tensor.of(new double[] {-10, -600, -10, -10.5}).requiresGrad();
      Tensor pr = Tensor.of(new double[] {-10, -10, -700, -10}).requiresGrad();
      GradCheck.assertGradientsMatch(in -> dpo.compute(in[0], in[1], rc, rr).losses(), pc, pr);
    }
  }

  // ------------------------------------------------------------------ bad input

  @Test void rejectsNonPositiveBeta() {
    for (double beta : new double[] {0, -0.1, Double.NaN, Double.POSITIVE_INFINITY}) {
      var e = assertThrows(IllegalArgumentException.class, () -> DPOLoss.sigmoid(beta));
      assertEquals("DPOLoss: beta must be a finite number > 0, got " + beta, e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> DPOLoss.ipo(0));
    assertThrows(IllegalArgumentException.class, () -> DPOLoss.hinge(-1));
    assertThrows(IllegalArgumentException.class, () -> DPOLoss.conservative(0, 0.1));
  }

  @Test void rejectsSmoothingOutsideItsRange() {
    for (double eps : new double[] {-0.01, 0.5, 0.7, Double.NaN}) {
      var e = assertThrows(IllegalArgumentException.class, () -> DPOLoss.conservative(0.1, eps));
      assertEquals("DPOLoss: labelSmoothing must be in [0, 0.5), got " + eps + " (at 0.5 every"
          + " label is a coin flip and the loss has no preference to learn)", e.getMessage());
    }
    var e = assertThrows(IllegalArgumentException.class,
        () -> new DPOLoss(DPOLoss.Variant.IPO, 0.1, 0.1));
    assertEquals("DPOLoss: labelSmoothing applies to the CONSERVATIVE variant only, got 0.1 for"
        + " IPO", e.getMessage());
    assertThrows(NullPointerException.class, () -> new DPOLoss(null, 0.1, 0));
  }

  @Test void rejectsMismatchedShapes() {
    DPOLoss dpo = DPOLoss.sigmoid(0.1);
    Tensor three = Tensor.zeros(DType.F64, 3);
    var e = assertThrows(ShapeMismatchException.class,
        () -> dpo.compute(three, three, Tensor.zeros(DType.F64, 4), three));
    assertEquals("DPOLoss: policyChosen, policyRejected, referenceChosen and referenceRejected"
        + " must all be [B] with B ≥ 1, got [3], [3], [4] and [3]", e.getMessage());
    assertThrows(ShapeMismatchException.class,
        () -> dpo.compute(Tensor.zeros(DType.F64, 3, 1), Tensor.zeros(DType.F64, 3, 1),
            Tensor.zeros(DType.F64, 3, 1), Tensor.zeros(DType.F64, 3, 1)));
    Tensor empty = Tensor.zeros(DType.F64, 0);
    assertThrows(ShapeMismatchException.class, () -> dpo.compute(empty, empty, empty, empty));
    var c = assertThrows(ShapeMismatchException.class,
        () -> new ChosenRejected(three, Tensor.zeros(DType.F64, 2)));
    assertEquals("ChosenRejected: chosen and rejected must both be [B], got [3] and [2]",
        c.getMessage());
  }

  @Test void rejectsIntegerLogProbs() {
    Tensor f = Tensor.zeros(DType.F64, 2);
    var e = assertThrows(IllegalArgumentException.class,
        () -> DPOLoss.hinge(1).compute(f, Tensor.zeros(DType.I64, 2), f, f));
    assertEquals("DPOLoss: policyRejected must be floating point, got I64", e.getMessage());
  }
}
