package dev.nabla.nn.loss;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Gradients (F64 GradCheck), numerical stability and error messages of every loss. */
class LossTest {

  private static Tensor randn(long seed, int... shape) {
    return Tensor.randn(new Rng(seed), DType.F64, shape);
  }

  private static Tensor labels(long seed, int classes, int... shape) {
    return Tensor.randint(new Rng(seed), 0, classes, shape);
  }

  private static Tensor weight5() {
    return Tensor.of(new double[] {0.5, 2.0, 1.0, 0.25, 3.0});
  }

  /** Targets [N] with every third one replaced by {@code ignore}. */
  private static Tensor labelsWithIgnored(long seed, int classes, int n, int ignore) {
    long[] t = labels(seed, classes, n).toLongArray();
    for (int i = 0; i < n; i += 3) {
      t[i] = ignore;
    }
    return Tensor.of(t);
  }

  private static void gradcheck(UnaryOperator<Tensor> f, Tensor x) {
    GradCheck.assertGradientsMatch(f, x.requiresGrad());
  }

  private static void assertFinite(Tensor t, String what) {
    for (double v : t.toDoubleArray()) {
      assertTrue(Double.isFinite(v), what + " has a non-finite value: " + t);
    }
  }

  private static <T extends Throwable> void assertMessage(Class<T> type, String message,
      Executable call) {
    assertEquals(message, assertThrows(type, call).getMessage());
  }

  // ================================================================== GradCheck (F64)

  @Nested class Gradients {
    @ParameterizedTest @EnumSource(value = Reduction.class, names = {"NONE", "MEAN", "SUM"})
    void crossEntropyAllOptions(Reduction red) {
      Tensor t = labelsWithIgnored(1, 5, 6, -100);
      gradcheck(x -> Losses.crossEntropy(x, t), randn(2, 6, 5));
      gradcheck(x -> Losses.crossEntropy(x, t, null, -100, red, 0.0), randn(3, 6, 5));
      gradcheck(x -> Losses.crossEntropy(x, t, weight5(), -100, red, 0.0), randn(4, 6, 5));
      gradcheck(x -> Losses.crossEntropy(x, t, weight5(), -100, red, 0.2), randn(5, 6, 5));
      gradcheck(x -> Losses.crossEntropy(x, t, null, -100, red, 0.1), randn(6, 6, 5));
    }

    @ParameterizedTest @EnumSource(value = Reduction.class, names = {"NONE", "MEAN", "SUM"})
    void crossEntropyKDimensionalAndUnbatched(Reduction red) {
      Tensor t = labels(7, 4, 2, 3, 2);
      Tensor w = Tensor.of(new double[] {1.5, 0.5, 1.0, 2.0});
      gradcheck(x -> Losses.crossEntropy(x, t, w, 1, red, 0.15), randn(8, 2, 4, 3, 2));
      Tensor scalarTarget = Tensor.scalar(3, DType.I64);
      gradcheck(x -> Losses.crossEntropy(x, scalarTarget, null, -100, red, 0.1), randn(9, 6));
    }

    @ParameterizedTest @EnumSource(value = Reduction.class, names = {"NONE", "MEAN", "SUM"})
    void crossEntropyProbabilityTargets(Reduction red) {
      Tensor p = randn(10, 4, 5, 2).softmax(1);
      gradcheck(x -> Losses.crossEntropy(x, p, Tensor.of(new double[] {1, 2, 3, 4, 5}), -100,
          red, 0.1), randn(11, 4, 5, 2));
    }

    @ParameterizedTest @EnumSource(value = Reduction.class, names = {"NONE", "MEAN", "SUM"})
    void nll(Reduction red) {
      Tensor t = labelsWithIgnored(12, 5, 7, 2);
      gradcheck(x -> Losses.nllLoss(x, t, weight5(), 2, red), randn(13, 7, 5));
      gradcheck(x -> Losses.nllLoss(x, t, null, 2, red), randn(14, 7, 5));
      Tensor tk = labels(15, 3, 2, 4);
      gradcheck(x -> Losses.nllLoss(x, tk, null, -100, red), randn(16, 2, 3, 4));
    }

    @ParameterizedTest @EnumSource(value = Reduction.class, names = {"NONE", "MEAN", "SUM"})
    void regression(Reduction red) {
      Tensor y = randn(17, 3, 4);
      gradcheck(x -> Losses.mseLoss(x, y, red), randn(18, 3, 4));
      gradcheck(x -> Losses.l1Loss(x, y, red), randn(19, 3, 4));
      for (double beta : new double[] {0.0, 0.5, 1.0, 3.0}) {
        gradcheck(x -> Losses.smoothL1Loss(x, y, red, beta), randn(20, 3, 4));
      }
      for (double delta : new double[] {0.3, 1.0, 2.5}) {
        gradcheck(x -> Losses.huberLoss(x, y, red, delta), randn(21, 3, 4));
      }
    }

    @Test void regressionTargetsGetGradientsToo() {
      Tensor x = randn(22, 2, 3).requiresGrad();
      Tensor y = randn(23, 2, 3).requiresGrad();
      GradCheck.assertGradientsMatch(in -> Losses.mseLoss(in[0], in[1]), x, y);
      GradCheck.assertGradientsMatch(in -> Losses.smoothL1Loss(in[0], in[1], Reduction.SUM, 0.7),
          x, y);
      GradCheck.assertGradientsMatch(in -> Losses.huberLoss(in[0], in[1], Reduction.SUM, 0.7),
          x, y);
    }

    @ParameterizedTest @EnumSource(value = Reduction.class, names = {"NONE", "MEAN", "SUM"})
    void binary(Reduction red) {
      Tensor probs = Tensor.rand(new Rng(24), DType.F64, 4, 3).mul(0.9).add(0.05);
      Tensor soft = Tensor.rand(new Rng(25), DType.F64, 4, 3);
      Tensor w = Tensor.of(new double[] {0.5, 2.0, 1.5});
      Tensor p = Tensor.of(new double[] {3.0, 0.5, 1.0});
      gradcheck(x -> Losses.binaryCrossEntropy(x, soft, w, red), probs.copy());
      gradcheck(x -> Losses.binaryCrossEntropyWithLogits(x, soft, null, null, red),
          randn(26, 4, 3).mul(3));
      gradcheck(x -> Losses.binaryCrossEntropyWithLogits(x, soft, w, p, red),
          randn(27, 4, 3).mul(3));
    }

    @Test void bceTargetGradient() {
      Tensor x = Tensor.rand(new Rng(28), DType.F64, 5).mul(0.9).add(0.05).requiresGrad();
      Tensor y = Tensor.rand(new Rng(29), DType.F64, 5).requiresGrad();
      GradCheck.assertGradientsMatch(in -> Losses.binaryCrossEntropy(in[0], in[1]), x, y);
      GradCheck.assertGradientsMatch(in -> Losses.binaryCrossEntropyWithLogits(in[0], in[1]),
          x, y);
    }

    @ParameterizedTest @EnumSource(Reduction.class)
    void klDivergence(Reduction red) {
      Tensor p = randn(30, 3, 4).softmax(1);
      Tensor logP = randn(31, 3, 4).logSoftmax(1);
      gradcheck(x -> Losses.klDiv(x, p, red, false), randn(32, 3, 4).logSoftmax(1));
      gradcheck(x -> Losses.klDiv(x, logP, red, true), randn(33, 3, 4).logSoftmax(1));
    }

    @Test void klTargetGradient() {
      Tensor x = randn(34, 2, 3).logSoftmax(1).requiresGrad();
      Tensor p = randn(35, 2, 3).softmax(1).requiresGrad();
      GradCheck.assertGradientsMatch(in -> Losses.klDiv(in[0], in[1], Reduction.SUM, false), x, p);
      GradCheck.assertGradientsMatch(in -> Losses.klDiv(in[0], in[1], Reduction.SUM, true), x, p);
    }
  }

  // ================================================================== stability

  @Nested class Stability {
    @Test void crossEntropyWithHugeAndTinyLogits() {
      for (DType dtype : new DType[] {DType.F32, DType.F64}) {
        for (double scale : new double[] {1e4, -1e4, 1e-8, 1e-30}) {
          Tensor x = Tensor.randn(new Rng(40), dtype, 8, 10).mul(scale).requiresGrad();
          Tensor t = labels(41, 10, 8);
          Tensor loss = Losses.crossEntropy(x, t, weight10(dtype), -100, Reduction.MEAN, 0.1);
          loss.backward();
          assertFinite(loss, dtype + " loss at scale " + scale);
          assertFinite(x.grad(), dtype + " gradient at scale " + scale);
        }
      }
    }

    @Test void hugeLogitsGiveTheExactLimits() {
      // logits (1e4, −1e4): class 0 costs 0, class 1 costs 2e4 — no overflow to Inf
      Tensor x = Tensor.of(new float[] {1e4f, -1e4f, 1e4f, -1e4f}, 2, 2).requiresGrad();
      Tensor loss = Losses.crossEntropy(x, Tensor.of(new long[] {0, 1}), Reduction.NONE);
      assertArrayEquals(new float[] {0f, 2e4f}, loss.toFloatArray(), 1e-3f);
      loss.sum().backward();
      assertArrayEquals(new float[] {0, 0, 1, -1}, x.grad().toFloatArray(), 1e-6f);
    }

    @Test void tinyLogitsAreUniform() {
      Tensor x = Tensor.full(1e-30, DType.F64, 3, 4);
      double l = Losses.crossEntropy(x, labels(42, 4, 3)).item();
      assertEquals(Math.log(4), l, 1e-12);
    }

    @Test void bceWithLogitsAtExtremes() {
      float[] logits = {1e4f, -1e4f, 0f, 88f, -88f, 1e-8f};
      for (DType dtype : new DType[] {DType.F32, DType.F64}) {
        Tensor x = Tensor.of(logits).to(dtype).requiresGrad();
        Tensor y = Tensor.of(new float[] {1, 1, 1, 0, 0, 0}).to(dtype);
        Tensor loss = Losses.binaryCrossEntropyWithLogits(x, y, null,
            Tensor.of(new float[] {2f}).to(dtype), Reduction.NONE);
        loss.sum().backward();
        assertFinite(loss, dtype + " loss");
        assertFinite(x.grad(), dtype + " gradient");
        double[] l = loss.toDoubleArray();
        assertEquals(0.0, l[0], 1e-6);
        assertEquals(2e4, l[1], 1e-2); // pos_weight 2 × softplus(1e4)
        assertEquals(2 * Math.log(2), l[2], 1e-6);
        assertEquals(88.0, l[3], 1e-4);
        // d/dx at x = 0, y = 1, p = 2: σ(0)·(p·y + 1 − y) − p·y = 1 − 2 = −1
        assertEquals(-1.0, x.grad().toDoubleArray()[2], 1e-6);
      }
    }

    @Test void bceClampsLogsAt100() {
      Tensor x = Tensor.of(new double[] {0.0, 1.0, 0.0, 1.0});
      Tensor y = Tensor.of(new double[] {0.0, 1.0, 1.0, 0.0});
      assertArrayEquals(new double[] {0, 0, 100, 100},
          Losses.binaryCrossEntropy(x, y, null, Reduction.NONE).toDoubleArray(), 0.0);
    }

    @Test void klWithZeroTargetsIsFinite() {
      Tensor q = randn(43, 2, 3).logSoftmax(1).requiresGrad();
      Tensor p = Tensor.of(new double[] {0, 0.5, 0.5, 1, 0, 0}, 2, 3);
      Tensor loss = Losses.klDiv(q, p, Reduction.BATCHMEAN, false);
      loss.backward();
      assertFinite(loss, "KL");
      assertFinite(q.grad(), "KL gradient");
      assertEquals(0.0, q.grad().getDouble(0, 0), 0.0);
    }

    private Tensor weight10(DType dtype) {
      return Tensor.linspace(0.5, 2.0, 10).to(dtype);
    }
  }

  // ================================================================== semantics

  @Nested class Semantics {
    @Test void ignoredTargetsLeaveTheMeansDenominator() {
      Tensor x = randn(50, 4, 3);
      Tensor t = Tensor.of(new long[] {0, -100, 2, -100});
      Tensor kept = x.indexSelect(0, Tensor.of(new long[] {0, 2}));
      assertEquals(Losses.crossEntropy(kept, Tensor.of(new long[] {0, 2})).item(),
          Losses.crossEntropy(x, t).item(), 1e-12);
      Tensor none = Losses.crossEntropy(x, t, Reduction.NONE);
      assertEquals(0.0, none.getDouble(1));
      assertEquals(0.0, none.getDouble(3));
    }

    @Test void weightedMeanDividesBySumOfWeights() {
      Tensor x = randn(51, 3, 5);
      Tensor t = Tensor.of(new long[] {1, 4, 0});
      Tensor w = weight5();
      double[] per = Losses.crossEntropy(x, t, null, -100, Reduction.NONE, 0).toDoubleArray();
      double expected = (2.0 * per[0] + 3.0 * per[1] + 0.5 * per[2]) / (2.0 + 3.0 + 0.5);
      assertEquals(expected, Losses.crossEntropy(x, t, w, -100, Reduction.MEAN, 0).item(), 1e-12);
    }

    @Test void everyTargetIgnoredGivesNaNAsTorch() {
      Tensor x = randn(52, 2, 3);
      Tensor t = Tensor.of(new long[] {-100, -100});
      assertTrue(Double.isNaN(Losses.crossEntropy(x, t).item()));
      assertEquals(0.0, Losses.crossEntropy(x, t, Reduction.SUM).item());
    }

    @Test void crossEntropyIsNllOfLogSoftmaxAndAcceptsI32() {
      Tensor x = randn(53, 5, 4);
      Tensor t = labels(54, 4, 5);
      assertEquals(Losses.nllLoss(x.logSoftmax(1), t).item(),
          Losses.crossEntropy(x, t.to(DType.I32)).item(), 1e-12);
      assertEquals(Losses.crossEntropy(x, t).item(),
          Losses.crossEntropy(x, t.oneHot(4).to(DType.F64)).item(), 1e-12);
    }

    @Test void smoothL1AndHuberRelate() {
      Tensor x = randn(55, 10);
      Tensor y = randn(56, 10);
      assertEquals(0.7 * Losses.smoothL1Loss(x, y, Reduction.SUM, 0.7).item(),
          Losses.huberLoss(x, y, Reduction.SUM, 0.7).item(), 1e-12);
      assertEquals(Losses.l1Loss(x, y).item(),
          Losses.smoothL1Loss(x, y, Reduction.MEAN, 0).item(), 0.0);
    }

    @Test void bceWithLogitsMatchesBceOfSigmoid() {
      Tensor x = randn(57, 6);
      Tensor y = Tensor.rand(new Rng(58), DType.F64, 6);
      assertEquals(Losses.binaryCrossEntropy(x.sigmoid(), y).item(),
          Losses.binaryCrossEntropyWithLogits(x, y).item(), 1e-12);
    }

    @Test void batchMeanDividesByTheFirstDimension() {
      Tensor q = randn(59, 4, 3).logSoftmax(1);
      Tensor p = randn(60, 4, 3).softmax(1);
      assertEquals(Losses.klDiv(q, p, Reduction.SUM, false).item() / 4,
          Losses.klDiv(q, p, Reduction.BATCHMEAN, false).item(), 1e-12);
      assertEquals(Losses.klDiv(q, p, Reduction.SUM, false).item() / 12,
          Losses.klDiv(q, p).item(), 1e-12);
      assertEquals(Losses.klDiv(q, p, Reduction.SUM, false).item(),
          Losses.klDiv(q, p.log(), Reduction.SUM, true).item(), 1e-12);
    }

    @Test void classesAndFunctionsAgreeAndKeepTheDtype() {
      Tensor x = Tensor.randn(new Rng(61), 4, 3);
      Tensor t = labels(62, 3, 4);
      Tensor y = Tensor.randn(new Rng(63), 4, 3);
      Loss ce = new CrossEntropyLoss().withLabelSmoothing(0.1).withReduction(Reduction.SUM);
      assertEquals(Losses.crossEntropy(x, t, null, -100, Reduction.SUM, 0.1).item(),
          ce.forward(x, t).item());
      assertEquals(DType.F32, ce.forward(x, t).dtype());
      assertEquals(Losses.mseLoss(x, y).item(), new MSELoss().forward(x, y).item());
      assertEquals(Losses.huberLoss(x, y).item(), new HuberLoss().forward(x, y).item());
      assertEquals(Losses.smoothL1Loss(x, y).item(), new SmoothL1Loss().forward(x, y).item());
      assertEquals(Losses.nllLoss(x, t).item(), new NLLLoss().forward(x, t).item());
      assertEquals(Losses.l1Loss(x, y).item(), new L1Loss().forward(x, y).item());
      Tensor p = x.sigmoid();
      Tensor b = y.gt(0).to(DType.F32);
      assertEquals(Losses.binaryCrossEntropy(p, b).item(), new BCELoss().forward(p, b).item());
      assertEquals(Losses.binaryCrossEntropyWithLogits(x, b).item(),
          new BCEWithLogitsLoss().forward(x, b).item());
      assertEquals(Losses.klDiv(x.logSoftmax(1), y.softmax(1)).item(),
          new KLDivLoss().forward(x.logSoftmax(1), y.softmax(1)).item());
      assertEquals(new CrossEntropyLoss(), new CrossEntropyLoss(null, -100, Reduction.MEAN, 0));
    }

    @Test void booleanTargetsConvertForBce() {
      Tensor x = randn(64, 4);
      Tensor y = x.gt(0);
      assertEquals(Losses.binaryCrossEntropyWithLogits(x, y.to(DType.F64)).item(),
          Losses.binaryCrossEntropyWithLogits(x, y).item(), 0.0);
    }
  }

  // ================================================================== errors

  @Nested class Errors {
    @Test void crossEntropyTargetShape() {
      assertMessage(IllegalArgumentException.class,
          "CrossEntropyLoss: expected target shape [8] for input [8, 10], got [8, 1]",
          () -> new CrossEntropyLoss().forward(Tensor.zeros(8, 10), Tensor.zeros(DType.I64, 8, 1)));
      assertMessage(IllegalArgumentException.class,
          "CrossEntropyLoss: expected target shape [2, 5] for input [2, 3, 5], got [2, 3]",
          () -> Losses.crossEntropy(Tensor.zeros(2, 3, 5), Tensor.zeros(DType.I64, 2, 3)));
      assertMessage(IllegalArgumentException.class,
          "NLLLoss: expected target shape [] for input [4], got [1]",
          () -> Losses.nllLoss(Tensor.zeros(4), Tensor.zeros(DType.I64, 1)));
    }

    @Test void crossEntropyTargetOutOfRange() {
      assertMessage(IllegalArgumentException.class,
          "CrossEntropyLoss: target 10 is out of bounds for 10 classes (expected 0 <= target < 10,"
              + " or ignoreIndex -100)",
          () -> Losses.crossEntropy(Tensor.zeros(2, 10), Tensor.of(new long[] {3, 10})));
      assertMessage(IllegalArgumentException.class,
          "NLLLoss: target -1 is out of bounds for 3 classes (expected 0 <= target < 3,"
              + " or ignoreIndex -100)",
          () -> Losses.nllLoss(Tensor.zeros(2, 3), Tensor.of(new long[] {-1, 0})));
    }

    @Test void crossEntropyTargetDtypeAndWeight() {
      assertMessage(IllegalArgumentException.class,
          "CrossEntropyLoss: expected class indices (I64 or I32) of shape [8] or class"
              + " probabilities (F32 or F64) of shape [8, 10] for input [8, 10], got F32 [8]",
          () -> Losses.crossEntropy(Tensor.zeros(8, 10), Tensor.zeros(8)));
      assertMessage(IllegalArgumentException.class,
          "NLLLoss: expected class indices (I64 or I32) as target, got F32 [8]",
          () -> Losses.nllLoss(Tensor.zeros(8, 10), Tensor.zeros(8)));
      assertMessage(IllegalArgumentException.class,
          "CrossEntropyLoss: expected weight of shape [10] (one per class), got [5]",
          () -> new CrossEntropyLoss().withWeight(Tensor.ones(5))
              .forward(Tensor.zeros(8, 10), Tensor.zeros(DType.I64, 8)));
      assertMessage(IllegalArgumentException.class,
          "CrossEntropyLoss: expected a floating-point input (F32 or F64), got I64",
          () -> Losses.crossEntropy(Tensor.zeros(DType.I64, 2, 3), Tensor.zeros(DType.I64, 2)));
      assertMessage(IllegalArgumentException.class,
          "CrossEntropyLoss: ignoreIndex (0) is not supported for class probability targets;"
              + " use a negative value",
          () -> Losses.crossEntropy(Tensor.zeros(2, 3), Tensor.zeros(2, 3), null, 0,
              Reduction.MEAN, 0));
    }

    @Test void optionsAreValidated() {
      assertMessage(IllegalArgumentException.class,
          "CrossEntropyLoss: labelSmoothing must be between 0.0 and 1.0, got 1.5",
          () -> new CrossEntropyLoss().withLabelSmoothing(1.5));
      assertMessage(IllegalArgumentException.class,
          "SmoothL1Loss: beta must be a finite number >= 0, got -1.0",
          () -> new SmoothL1Loss(Reduction.MEAN, -1));
      assertMessage(IllegalArgumentException.class,
          "HuberLoss: delta must be a finite number > 0, got 0.0",
          () -> new HuberLoss(Reduction.MEAN, 0));
      assertMessage(IllegalArgumentException.class,
          "MSELoss: reduction BATCHMEAN applies to KLDivLoss only; use NONE, MEAN or SUM",
          () -> new MSELoss(Reduction.BATCHMEAN));
      assertMessage(IllegalArgumentException.class,
          "CrossEntropyLoss: reduction BATCHMEAN applies to KLDivLoss only; use NONE, MEAN or SUM",
          () -> Losses.crossEntropy(Tensor.zeros(2, 3), Tensor.zeros(DType.I64, 2),
              Reduction.BATCHMEAN));
    }

    @Test void elementwiseShapes() {
      assertMessage(IllegalArgumentException.class,
          "MSELoss: expected target shape [8, 3] for input [8, 3], got [8]",
          () -> Losses.mseLoss(Tensor.zeros(8, 3), Tensor.zeros(8)));
      assertMessage(IllegalArgumentException.class,
          "BCEWithLogitsLoss: expected target shape [4, 1] for input [4, 1], got [4]",
          () -> new BCEWithLogitsLoss().forward(Tensor.zeros(4, 1), Tensor.zeros(4)));
      assertMessage(IllegalArgumentException.class,
          "KLDivLoss: expected target shape [2, 3] for input [2, 3], got [3, 2]",
          () -> Losses.klDiv(Tensor.zeros(2, 3), Tensor.zeros(3, 2)));
      assertMessage(IllegalArgumentException.class,
          "BCEWithLogitsLoss: posWeight of shape [4] does not broadcast to the input's shape"
              + " [2, 3]",
          () -> new BCEWithLogitsLoss().withPosWeight(Tensor.ones(4))
              .forward(Tensor.zeros(2, 3), Tensor.zeros(2, 3)));
      assertMessage(IllegalArgumentException.class,
          "BCELoss: weight of shape [2, 2, 3] does not broadcast to the input's shape [2, 3]",
          () -> new BCELoss().withWeight(Tensor.ones(2, 2, 3))
              .forward(Tensor.zeros(2, 3), Tensor.zeros(2, 3)));
    }

    @Test void bceRejectsNonProbabilities() {
      assertMessage(IllegalArgumentException.class,
          "BCELoss: all elements of input should be between 0 and 1, got 1.5 at flat index 1"
              + " (use BCEWithLogitsLoss for logits)",
          () -> Losses.binaryCrossEntropy(Tensor.of(new float[] {0.5f, 1.5f}),
              Tensor.zeros(2)));
    }
  }
}
