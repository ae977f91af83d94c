package dev.nabla.optim.preference;

import dev.nabla.core.Checks;
import dev.nabla.core.DType;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import java.util.Objects;

/**
 * Per-sequence log-probabilities of target tokens under a language model: the quantity that
 * DPO and its relatives compare between the policy and the reference.
 *
 * <p>For each sequence b, with mask m and targets y:
 * <pre>
 *   sum[b]   = Σ_t m[b,t] · log softmax(logits[b,t,:])[y[b,t]]
 *   count[b] = Σ_t m[b,t]
 *   mean[b]  = sum[b] / max(count[b], 1)
 * </pre>
 * Masked positions (prompt, padding) contribute nothing, may hold any target id (−100, a pad id)
 * and receive exactly zero gradient. A sequence with no unmasked token has sum 0 and mean 0.
 * Differentiable with respect to the logits.
 *
 * <p><b>Alignment.</b> A causal language model's logits at position t predict token t + 1.
 * {@link #compute(Tensor, Tensor, Tensor)} takes <em>aligned</em> inputs: {@code targets[b, t]}
 * is the token that {@code logits[b, t]} predicts, so the caller has already shifted.
 * {@link #compute(Tensor, Tensor, Tensor, boolean) compute(logits, tokens, mask, true)} does the
 * shift itself: {@code tokens} are the model's input ids [B, T] and {@code lossMask} marks the
 * response tokens among them; it scores {@code tokens[:, 1:]} with {@code logits[:, :-1]} and
 * {@code lossMask[:, 1:]}, so the first token is never scored.
 *
 * <p>Shapes: logits [B, T, V] (F32 or F64); targets [B, T] (I64 or I32); lossMask [B, T]
 * (BOOL, or any numeric type holding only 0 and 1) → sum [B], mean [B] (logits' dtype),
 * count [B] (I64).
 *
 * <pre>{@code
 * Tensor logits = model.forward(inputIds);                    // [B, T, V]
 * SequenceLogProbs lp = SequenceLogProbs.compute(logits, inputIds, responseMask, true);
 * Tensor perSequence = lp.sum();                              // [B], differentiable
 * }</pre>
 *
 * @param sum summed log-probability of the unmasked target tokens of each sequence, [B]
 * @param mean {@code sum} divided by the number of unmasked tokens (0 for none), [B]
 * @param count number of unmasked tokens of each sequence, [B], I64
 */
public record SequenceLogProbs(Tensor sum, Tensor mean, Tensor count) {

  /** Checks that the three tensors are present and 1-D of one length. */
  public SequenceLogProbs {
    Objects.requireNonNull(sum, "SequenceLogProbs: sum is null");
    Objects.requireNonNull(mean, "SequenceLogProbs: mean is null");
    Objects.requireNonNull(count, "SequenceLogProbs: count is null");
    Checks.shape(sum.dim() == 1 && sum.shape().equals(mean.shape())
            && sum.shape().equals(count.shape()),
        "SequenceLogProbs: sum, mean and count must all be [B], got %s, %s and %s", sum.shape(),
        mean.shape(), count.shape());
  }

  /**
   * Log-probabilities of aligned targets: {@code logits[b, t]} scores {@code targets[b, t]}.
   *
   * @param logits [B, T, V] unnormalised scores, floating point
   * @param targets [B, T] token ids in [0, V) wherever {@code lossMask} is set
   * @param lossMask [B, T] true (or 1) where the token counts
   */
  public static SequenceLogProbs compute(Tensor logits, Tensor targets, Tensor lossMask) {
    return compute(logits, targets, lossMask, false);
  }

  /**
   * Log-probabilities of targets, shifting them first when {@code shift} is true (then
   * {@code targets} are the input ids the logits were computed from, and position t of the
   * logits scores token t + 1; see the class comment).
   */
  public static SequenceLogProbs compute(Tensor logits, Tensor targets, Tensor lossMask,
      boolean shift) {
    String op = "SequenceLogProbs.compute";
    Objects.requireNonNull(logits, op + ": logits is null");
    Objects.requireNonNull(targets, op + ": targets is null");
    Objects.requireNonNull(lossMask, op + ": lossMask is null");
    if (logits.dim() != 3) {
      throw new ShapeMismatchException(
          op + ": logits must be [B, T, V], got shape " + logits.shape());
    }
    if (!logits.dtype().isFloatingPoint()) {
      throw new UnsupportedOperationException(
          op + ": logits must be floating point, got " + logits.dtype());
    }
    int b = logits.size(0);
    int t = logits.size(1);
    int v = logits.size(2);
    if (targets.dim() != 2 || targets.size(0) != b || targets.size(1) != t) {
      throw new ShapeMismatchException(op + ": targets must be [B, T] = [" + b + ", " + t
          + "] to match logits " + logits.shape() + ", got shape " + targets.shape());
    }
    if (!targets.dtype().isIntegral()) {
      throw new IllegalArgumentException(
          op + ": targets must be I64 or I32 token ids, got " + targets.dtype());
    }
    if (!lossMask.shape().equals(targets.shape())) {
      throw new ShapeMismatchException(op + ": lossMask must have the shape of targets "
          + targets.shape() + ", got shape " + lossMask.shape());
    }
    boolean[] mask = maskValues(op, lossMask);
    long[] ids = targets.toLongArray();
    int offset = 0;
    if (shift) {
      Checks.shape(t >= 2, "%s: shifting needs at least 2 positions, got logits %s", op,
          logits.shape());
      logits = logits.narrow(1, 0, t - 1);
      t -= 1;
      offset = 1;
    }
    // Ids at masked positions may be anything (−100, a pad id): gather reads id 0 there instead.
    long[] safe = new long[b * t];
    boolean[] keep = new boolean[b * t];
    long[] counts = new long[b];
    for (int i = 0; i < b; i++) {
      for (int j = 0; j < t; j++) {
        int src = i * (t + offset) + j + offset;
        if (!mask[src]) {
          continue;
        }
        long id = ids[src];
        if (id < 0 || id >= v) {
          throw new IllegalArgumentException(op + ": target " + id + " at [" + i + ", "
              + (j + offset) + "] is out of range for vocabulary size " + v
              + " (only masked positions may hold ids outside [0, V))");
        }
        safe[i * t + j] = id;
        keep[i * t + j] = true;
        counts[i]++;
      }
    }
    Tensor index = Tensor.of(safe, b, t, 1);
    Tensor keepMask = Tensor.of(keep, b, t);
    Tensor tokenLogProbs = logits.logSoftmax(2).gather(2, index).squeeze(2);   // [B, T]
    // where, not a multiply by 0: a −∞ log-prob at a masked position must not become NaN
    Tensor kept = Tensor.where(keepMask, tokenLogProbs, Tensor.scalar(0, logits.dtype()));
    Tensor sum = kept.sum(1, false);                                          // [B]
    double[] divisors = new double[b];
    for (int i = 0; i < b; i++) {
      divisors[i] = Math.max(counts[i], 1);
    }
    Tensor mean = sum.div(Tensor.of(divisors, b).to(logits.dtype()));
    return new SequenceLogProbs(sum, mean, Tensor.of(counts, b));
  }

  private static boolean[] maskValues(String op, Tensor lossMask) {
    if (lossMask.dtype() == DType.BOOL) {
      return lossMask.toBooleanArray();
    }
    double[] values = lossMask.toDoubleArray();
    boolean[] mask = new boolean[values.length];
    int cols = lossMask.size(1);
    for (int k = 0; k < values.length; k++) {
      if (values[k] != 0 && values[k] != 1) {
        throw new IllegalArgumentException(op + ": a " + lossMask.dtype()
            + " lossMask must hold only 0 and 1, got " + values[k] + " at [" + k / cols + ", "
            + k % cols + "]; pass a BOOL mask");
      }
      mask[k] = values[k] == 1;
    }
    return mask;
  }
}
