package dev.nabla.nn.loss;

import dev.nabla.core.Checks;
import dev.nabla.core.DType;
import dev.nabla.core.Shape;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * The losses as functions, with the semantics of PyTorch 1.13's {@code torch.nn.functional}
 * (the classes of this package call these). Inputs are F32 or F64 and the loss has the input's
 * dtype; targets need no gradient, though regression targets may carry one.
 *
 * <p>Class losses take an input {@code [N, C]}, {@code [N, C, d₁, …, d_K]} or {@code [C]} and
 * class indices (I64 or I32) {@code [N]}, {@code [N, d₁, …, d_K]} or {@code []}. Regression and
 * binary losses take a target of the input's shape (converted to the input's dtype).
 *
 * <pre>{@code
 * Tensor loss = Losses.crossEntropy(logits, labels);             // [N, C], [N] → []
 * Tensor seq = Losses.crossEntropy(logits.transpose(1, 2), tokens, null, PAD, Reduction.MEAN, 0.1);
 * }</pre>
 */
public final class Losses {
  /** PyTorch's default {@code ignore_index}: targets equal to it are left out. */
  public static final int DEFAULT_IGNORE_INDEX = -100;

  private Losses() {}

  // ================================================================== cross-entropy

  /** Cross-entropy from logits, mean over targets. See {@link CrossEntropyLoss}. */
  public static Tensor crossEntropy(Tensor input, Tensor target) {
    return crossEntropy(input, target, null, DEFAULT_IGNORE_INDEX, Reduction.MEAN, 0.0);
  }

  /** Cross-entropy from logits with a reduction. See {@link CrossEntropyLoss}. */
  public static Tensor crossEntropy(Tensor input, Tensor target, Reduction reduction) {
    return crossEntropy(input, target, null, DEFAULT_IGNORE_INDEX, reduction, 0.0);
  }

  /**
   * Cross-entropy from logits: {@code −log softmax(input)[target]}, computed as
   * {@code logsumexp(x) − x[target]} (stable for any logits). With label smoothing ε the target
   * distribution is (1 − ε)·onehot + ε/C. The target is class indices, or class probabilities
   * shaped like the input (then {@code ignoreIndex} must be negative, and the mean is over the
   * N·d₁⋯d_K positions). See {@link CrossEntropyLoss} for the exact formulas.
   *
   * @param weight per-class weights {@code [C]}, or null
   * @param ignoreIndex targets with this value contribute nothing, not even to the mean's count
   * @param labelSmoothing ε in [0, 1]
   */
  public static Tensor crossEntropy(Tensor input, Tensor target, Tensor weight, int ignoreIndex,
      Reduction reduction, double labelSmoothing) {
    String name = "CrossEntropyLoss";
    checkReduction(name, reduction, false);
    checkLabelSmoothing(name, labelSmoothing);
    int classDim = checkClassInput(name, input);
    int numClasses = input.size(classDim);
    Tensor w = classWeight(name, weight, numClasses, input.dtype());
    if (target.dtype().isFloatingPoint() && target.shape().equals(input.shape())) {
      Checks.argument(ignoreIndex < 0, "%s: ignoreIndex (%s) is not supported for class"
          + " probability targets; use a negative value", name, ignoreIndex);
      return probabilityCrossEntropy(input, target.to(input.dtype()), w, reduction,
          labelSmoothing, classDim);
    }
    long[] t = checkClassTarget(name, input, target, classDim, true);
    return classLoss(name, input.logSoftmax(classDim), target.shape(), t, w, ignoreIndex,
        reduction, labelSmoothing, classDim);
  }

  // ================================================================== NLL

  /** Negative log-likelihood of log-probabilities, mean over targets. See {@link NLLLoss}. */
  public static Tensor nllLoss(Tensor input, Tensor target) {
    return nllLoss(input, target, null, DEFAULT_IGNORE_INDEX, Reduction.MEAN);
  }

  /**
   * Negative log-likelihood {@code −w[t]·input[t]} of log-probabilities (e.g. from
   * {@code logSoftmax(1)}), with class weights, ignored targets and a reduction as
   * {@link #crossEntropy(Tensor, Tensor, Tensor, int, Reduction, double)}.
   */
  public static Tensor nllLoss(Tensor input, Tensor target, Tensor weight, int ignoreIndex,
      Reduction reduction) {
    String name = "NLLLoss";
    checkReduction(name, reduction, false);
    int classDim = checkClassInput(name, input);
    Tensor w = classWeight(name, weight, input.size(classDim), input.dtype());
    long[] t = checkClassTarget(name, input, target, classDim, false);
    return classLoss(name, input, target.shape(), t, w, ignoreIndex, reduction, 0.0, classDim);
  }

  // ================================================================== regression

  /** Mean squared error. */
  public static Tensor mseLoss(Tensor input, Tensor target) {
    return mseLoss(input, target, Reduction.MEAN);
  }

  /** Squared error (x − y)², reduced. Shapes: input and target alike. */
  public static Tensor mseLoss(Tensor input, Tensor target, Reduction reduction) {
    String name = "MSELoss";
    checkReduction(name, reduction, false);
    Tensor y = checkPair(name, input, target);
    return reduce(input.sub(y).square(), reduction);
  }

  /** Mean absolute error. */
  public static Tensor l1Loss(Tensor input, Tensor target) {
    return l1Loss(input, target, Reduction.MEAN);
  }

  /** Absolute error |x − y|, reduced (gradient 0 where x = y, as torch). */
  public static Tensor l1Loss(Tensor input, Tensor target, Reduction reduction) {
    String name = "L1Loss";
    checkReduction(name, reduction, false);
    Tensor y = checkPair(name, input, target);
    return reduce(input.sub(y).abs(), reduction);
  }

  /** Smooth L1 with β = 1, mean. */
  public static Tensor smoothL1Loss(Tensor input, Tensor target) {
    return smoothL1Loss(input, target, Reduction.MEAN, 1.0);
  }

  /**
   * Smooth L1 (Girshick, Fast R-CNN, arXiv:1504.08083): with z = |x − y|, 0.5·z²/β where
   * z &lt; β, else z − 0.5·β. β = 0 is L1.
   */
  public static Tensor smoothL1Loss(Tensor input, Tensor target, Reduction reduction,
      double beta) {
    String name = "SmoothL1Loss";
    checkReduction(name, reduction, false);
    Checks.argument(beta >= 0 && Double.isFinite(beta),
        "%s: beta must be a finite number >= 0, got %s", name, beta);
    Tensor y = checkPair(name, input, target);
    Tensor d = input.sub(y);
    Tensor z = d.abs();
    if (beta == 0) {
      return reduce(z, reduction);
    }
    return reduce(Tensor.where(z.lt(beta), d.square().mul(0.5 / beta), z.sub(0.5 * beta)),
        reduction);
  }

  /** Huber loss with δ = 1, mean. */
  public static Tensor huberLoss(Tensor input, Tensor target) {
    return huberLoss(input, target, Reduction.MEAN, 1.0);
  }

  /** Huber loss: with z = |x − y|, 0.5·z² where z &lt; δ, else δ·(z − 0.5·δ). δ &gt; 0. */
  public static Tensor huberLoss(Tensor input, Tensor target, Reduction reduction,
      double delta) {
    String name = "HuberLoss";
    checkReduction(name, reduction, false);
    Checks.argument(delta > 0 && Double.isFinite(delta),
        "%s: delta must be a finite number > 0, got %s", name, delta);
    Tensor y = checkPair(name, input, target);
    Tensor d = input.sub(y);
    Tensor z = d.abs();
    return reduce(Tensor.where(z.lt(delta), d.square().mul(0.5), z.sub(0.5 * delta).mul(delta)),
        reduction);
  }

  // ================================================================== binary

  /** Binary cross-entropy of probabilities, mean. See {@link BCELoss}. */
  public static Tensor binaryCrossEntropy(Tensor input, Tensor target) {
    return binaryCrossEntropy(input, target, null, Reduction.MEAN);
  }

  /**
   * Binary cross-entropy of probabilities x ∈ [0, 1]:
   * {@code −w·(y·log x + (1 − y)·log(1 − x))}, each log clamped to ≥ −100 as torch (so x = 0 or
   * 1 gives a finite loss). Prefer {@link #binaryCrossEntropyWithLogits} for stability.
   *
   * @param weight broadcastable to the input's shape, or null
   */
  public static Tensor binaryCrossEntropy(Tensor input, Tensor target, Tensor weight,
      Reduction reduction) {
    String name = "BCELoss";
    checkReduction(name, reduction, false);
    Tensor y = checkPair(name, input, target);
    Tensor w = elementWeight(name, "weight", weight, input);
    Tensor loss = new BinaryCrossEntropy().apply(input, y);
    return reduce(w == null ? loss : loss.mul(w), reduction);
  }

  /** Binary cross-entropy from logits, mean. See {@link BCEWithLogitsLoss}. */
  public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target) {
    return binaryCrossEntropyWithLogits(input, target, null, null, Reduction.MEAN);
  }

  /**
   * Binary cross-entropy from logits x, stable for any x:
   * {@code w·((1 − y)·x + (1 + (p − 1)·y)·softplus(−x))}, which is
   * {@code −w·(p·y·log σ(x) + (1 − y)·log(1 − σ(x)))} with softplus(−x) = max(−x, 0) +
   * log1p(exp(−|x|)).
   *
   * @param weight broadcastable to the input's shape, or null
   * @param posWeight p, the weight of positive examples, broadcastable to the input's shape
   *     (usually {@code [C]} for the last dimension), or null
   */
  public static Tensor binaryCrossEntropyWithLogits(Tensor input, Tensor target, Tensor weight,
      Tensor posWeight, Reduction reduction) {
    String name = "BCEWithLogitsLoss";
    checkReduction(name, reduction, false);
    Tensor y = checkPair(name, input, target);
    Tensor w = elementWeight(name, "weight", weight, input);
    Tensor p = elementWeight(name, "posWeight", posWeight, input);
    Tensor sp = new Softplus().apply(input.neg()); // −log σ(x) = log(1 + e^(−x))
    Tensor logWeight = p == null ? null : p.sub(1).mul(y).add(1);
    Tensor loss = y.rsub(1).mul(input).add(logWeight == null ? sp : sp.mul(logWeight));
    return reduce(w == null ? loss : loss.mul(w), reduction);
  }

  // ================================================================== KL divergence

  /** KL divergence with the mean over elements (torch's default; use BATCHMEAN for the math). */
  public static Tensor klDiv(Tensor input, Tensor target) {
    return klDiv(input, target, Reduction.MEAN, false);
  }

  /**
   * KL divergence D(target ‖ q) pointwise, with {@code input} = log q:
   * {@code target·(log target − input)} (0 where target = 0), or with {@code logTarget}
   * {@code exp(target)·(target − input)}. BATCHMEAN divides the sum by the size of dimension 0.
   */
  public static Tensor klDiv(Tensor input, Tensor target, Reduction reduction,
      boolean logTarget) {
    String name = "KLDivLoss";
    checkReduction(name, reduction, true);
    Tensor t = checkPair(name, input, target);
    Tensor pointwise;
    if (logTarget) {
      pointwise = t.exp().mul(t.sub(input));
    } else {
      // xlogy(t, t) − t·x, as torch: 0·log 0 = 0, so a zero target contributes 0 (unless x = −∞)
      Tensor safe = Tensor.where(t.eq(0), Tensor.scalar(1, t.dtype()), t);
      pointwise = t.mul(safe.log()).sub(t.mul(input));
    }
    if (reduction == Reduction.BATCHMEAN) {
      Tensor sum = pointwise.sum();
      return input.dim() == 0 ? sum : sum.div(input.size(0));
    }
    return reduce(pointwise, reduction);
  }

  // ================================================================== class-loss internals

  /**
   * −w[t]·logp[t] (plus the smoothing term), zero at ignored targets, reduced with torch's
   * denominators: the count of kept targets, or the sum of their weights.
   */
  private static Tensor classLoss(String name, Tensor logp, Shape targetShape, long[] target,
      Tensor w, int ignoreIndex, Reduction reduction, double labelSmoothing, int classDim) {
    int numClasses = logp.size(classDim);
    int[] tshape = targetShape.toArray();
    long[] safe = new long[target.length];
    boolean[] keep = new boolean[target.length];
    int kept = 0;
    for (int i = 0; i < target.length; i++) {
      long t = target[i];
      if (t == ignoreIndex) {
        continue; // safe[i] = 0: any valid class; the result is masked out below
      }
      if (t < 0 || t >= numClasses) {
        throw new IllegalArgumentException(name + ": target " + t + " is out of bounds for "
            + numClasses + " classes (expected 0 <= target < " + numClasses + ", or ignoreIndex "
            + ignoreIndex + ")");
      }
      safe[i] = t;
      keep[i] = true;
      kept++;
    }
    Tensor safeTarget = Tensor.of(safe).reshape(tshape);
    Tensor loss = logp.gather(classDim, safeTarget.unsqueeze(classDim)).squeeze(classDim).neg();
    Tensor wt = null;
    if (w != null) {
      wt = w.indexSelect(0, Tensor.of(safe)).reshape(tshape);
      loss = loss.mul(wt);
    }
    if (labelSmoothing > 0) {
      Tensor lp = w == null ? logp : logp.mul(w.reshape(classShape(logp.dim(), classDim,
          numClasses)));
      Tensor smooth = lp.sum(classDim, false).neg();
      loss = loss.mul(1 - labelSmoothing).add(smooth.mul(labelSmoothing / numClasses));
    }
    Tensor keepMask = null;
    if (kept < target.length) {
      keepMask = Tensor.of(keep).reshape(tshape);
      loss = Tensor.where(keepMask, loss, Tensor.scalar(0, loss.dtype()));
    }
    switch (reduction) {
      case NONE:
        return loss;
      case SUM:
        return loss.sum();
      default:
        if (wt == null) {
          return loss.sum().div(kept); // 0/0 = NaN when every target is ignored, as torch
        }
        Tensor keptWeight = keepMask == null ? wt
            : Tensor.where(keepMask, wt, Tensor.scalar(0, wt.dtype()));
        return loss.sum().div(keptWeight.sum());
    }
  }

  /** Soft targets: −Σ_c w_c·p_c·logsoftmax(x)_c per position; the mean divides by positions. */
  private static Tensor probabilityCrossEntropy(Tensor input, Tensor target, Tensor w,
      Reduction reduction, double labelSmoothing, int classDim) {
    int numClasses = input.size(classDim);
    Tensor p = labelSmoothing > 0
        ? target.mul(1 - labelSmoothing).add(labelSmoothing / numClasses) : target;
    Tensor prod = input.logSoftmax(classDim).mul(p);
    if (w != null) {
      prod = prod.mul(w.reshape(classShape(input.dim(), classDim, numClasses)));
    }
    switch (reduction) {
      case NONE:
        return prod.sum(classDim, false).neg();
      case SUM:
        return prod.sum().neg();
      default:
        return prod.sum().neg().div(numClasses == 0 ? 0 : input.numel() / numClasses);
    }
  }

  /** [1, C, 1, …] (or [C] for an unbatched input): a per-class vector that broadcasts. */
  private static int[] classShape(int rank, int classDim, int numClasses) {
    int[] s = new int[rank];
    Arrays.fill(s, 1);
    s[classDim] = numClasses;
    return s;
  }

  /** Checks the input of a class loss and returns its class dimension. */
  private static int checkClassInput(String name, Tensor input) {
    Objects.requireNonNull(input, name + ": input is null");
    checkFloat(name, input);
    if (input.dim() == 0) {
      throw new ShapeMismatchException(name + ": expected input of shape [N, C], [N, C, d1, …]"
          + " or [C], got a scalar");
    }
    return input.dim() == 1 ? 0 : 1;
  }

  /** Checks shape and dtype of class-index targets; returns their values. */
  private static long[] checkClassTarget(String name, Tensor input, Tensor target, int classDim,
      boolean probabilitiesAllowed) {
    Objects.requireNonNull(target, name + ": target is null");
    int[] in = input.shape().toArray();
    int[] expected = new int[in.length - 1];
    for (int d = 0, k = 0; d < in.length; d++) {
      if (d != classDim) {
        expected[k++] = in[d];
      }
    }
    Shape want = Shape.of(expected);
    if (!target.dtype().isIntegral()) {
      if (probabilitiesAllowed) {
        throw new IllegalArgumentException(name + ": expected class indices (I64 or I32) of shape "
            + want + " or class probabilities (F32 or F64) of shape " + input.shape()
            + " for input " + input.shape() + ", got " + target.dtype() + " " + target.shape());
      }
      throw new IllegalArgumentException(name + ": expected class indices (I64 or I32) as target,"
          + " got " + target.dtype() + " " + target.shape());
    }
    if (!target.shape().equals(want)) {
      throw new ShapeMismatchException(name + ": expected target shape " + want + " for input "
          + input.shape() + ", got " + target.shape());
    }
    return target.toLongArray();
  }

  private static Tensor classWeight(String name, Tensor weight, int numClasses, DType dtype) {
    if (weight == null) {
      return null;
    }
    checkFloat(name, "weight", weight);
    if (weight.dim() != 1 || weight.size(0) != numClasses) {
      throw new ShapeMismatchException(name + ": expected weight of shape [" + numClasses
          + "] (one per class), got " + weight.shape());
    }
    return weight.to(dtype);
  }

  // ================================================================== shared checks

  private static void checkReduction(String name, Reduction reduction, boolean batchMean) {
    Objects.requireNonNull(reduction, name + ": reduction is null");
    if (reduction == Reduction.BATCHMEAN && !batchMean) {
      throw new IllegalArgumentException(name + ": reduction BATCHMEAN applies to KLDivLoss"
          + " only; use NONE, MEAN or SUM");
    }
  }

  static void checkLabelSmoothing(String name, double labelSmoothing) {
    Checks.argument(labelSmoothing >= 0 && labelSmoothing <= 1,
        "%s: labelSmoothing must be between 0.0 and 1.0, got %s", name, labelSmoothing);
  }

  /** Input and target of the same shape; returns the target in the input's dtype. */
  private static Tensor checkPair(String name, Tensor input, Tensor target) {
    Objects.requireNonNull(input, name + ": input is null");
    Objects.requireNonNull(target, name + ": target is null");
    checkFloat(name, input);
    if (!target.shape().equals(input.shape())) {
      throw new ShapeMismatchException(name + ": expected target shape " + input.shape()
          + " for input " + input.shape() + ", got " + target.shape());
    }
    return target.to(input.dtype());
  }

  /** A weight that broadcasts to the input's shape (not beyond it), in the input's dtype. */
  private static Tensor elementWeight(String name, String what, Tensor weight, Tensor input) {
    if (weight == null) {
      return null;
    }
    checkFloat(name, what, weight);
    boolean ok = weight.dim() <= input.dim();
    for (int i = 1; ok && i <= weight.dim(); i++) {
      int wd = weight.size(weight.dim() - i);
      ok = wd == 1 || wd == input.size(input.dim() - i);
    }
    if (!ok) {
      throw new ShapeMismatchException(name + ": " + what + " of shape " + weight.shape()
          + " does not broadcast to the input's shape " + input.shape());
    }
    return weight.to(input.dtype());
  }

  private static void checkFloat(String name, Tensor input) {
    if (!input.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(name + ": expected a floating-point input (F32 or F64),"
          + " got " + input.dtype());
    }
  }

  private static void checkFloat(String name, String what, Tensor t) {
    if (!t.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(name + ": expected a floating-point " + what
          + " (F32 or F64), got " + t.dtype());
    }
  }

  static Tensor reduce(Tensor loss, Reduction reduction) {
    switch (reduction) {
      case NONE:
        return loss;
      case SUM:
        return loss.sum();
      case MEAN:
        return loss.mean();
      default:
        throw new IllegalArgumentException("reduction " + reduction + " is not supported here");
    }
  }
}
