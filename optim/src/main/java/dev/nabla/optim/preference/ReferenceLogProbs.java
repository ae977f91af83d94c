package dev.nabla.optim.preference;

import dev.nabla.core.Checks;
import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;

/**
 * Reference-model log-probabilities computed once, before training, and looked up by example
 * index afterwards: the frozen reference model of DPO then never shares memory with the policy
 * being trained. Storage is two {@code float}s per preference pair.
 *
 * <p>The pattern: run the reference (often the policy's own starting weights) over the training
 * set in a fixed pass, keep the numbers, drop the model, then train.
 * <pre>{@code
 * // Each batch knows the indices of its examples in the data set.
 * ReferenceLogProbs ref = ReferenceLogProbs.precompute(batches, Batch::exampleIds, batch -> {
 *   Tensor chosen = SequenceLogProbs.compute(refModel.forward(batch.chosen()), batch.chosen(),
 *       batch.chosenMask(), true).sum();
 *   Tensor rejected = SequenceLogProbs.compute(refModel.forward(batch.rejected()),
 *       batch.rejected(), batch.rejectedMask(), true).sum();
 *   return new ChosenRejected(chosen, rejected);
 * });
 * refModel = null;                                        // the reference can go
 * for (Batch batch : shuffledBatches) {                  // any order, any batching
 *   ChosenRejected policy = ...;                          // same computation with the policy
 *   DPOLoss.Output out = dpo.compute(policy, ref.lookup(batch.exampleIds()));
 *   ...
 * }
 * }</pre>
 * The forward function runs with gradient recording off ({@link GradMode#disabled()}) and its
 * results are copied out as floats, so no graph or activation outlives the call (float storage
 * rounds a summed log-prob of −400 to about 3e−5, far below what moves a DPO loss). This class
 * knows nothing of models or data sets: it takes functions. {@link #chosenValues()},
 * {@link #rejectedValues()} and {@link #of(float[], float[])} save and restore the values.
 */
public final class ReferenceLogProbs {
  private final float[] chosen;
  private final float[] rejected;
  private final boolean[] present;
  private final int size;

  private ReferenceLogProbs(float[] chosen, float[] rejected, boolean[] present) {
    this.chosen = chosen;
    this.rejected = rejected;
    this.present = present;
    int n = 0;
    for (boolean p : present) {
      n += p ? 1 : 0;
    }
    this.size = n;
  }

  /**
   * Runs {@code referenceForward} over every batch (grad off) and stores its per-example
   * results under the indices that {@code exampleIndices} gives for that batch.
   *
   * @param batches one pass over the data; each batch once
   * @param exampleIndices the data-set indices (≥ 0, distinct over the whole pass) of a batch's
   *     examples, in the order of the forward's outputs
   * @param referenceForward the reference model's chosen/rejected log-probs of a batch, [B] each
   * @throws IllegalArgumentException when an output's length differs from its batch's index
   *     count, an index is negative or repeated, or a log-prob is NaN
   */
  public static <B> ReferenceLogProbs precompute(Iterable<? extends B> batches,
      Function<? super B, int[]> exampleIndices,
      Function<? super B, ChosenRejected> referenceForward) {
    Objects.requireNonNull(batches, "ReferenceLogProbs.precompute: batches is null");
    Objects.requireNonNull(exampleIndices, "ReferenceLogProbs.precompute: exampleIndices is null");
    Objects.requireNonNull(referenceForward,
        "ReferenceLogProbs.precompute: referenceForward is null");
    Builder builder = new Builder();
    int batchNumber = 0;
    for (B batch : batches) {
      int[] indices = Objects.requireNonNull(exampleIndices.apply(batch),
          "ReferenceLogProbs.precompute: exampleIndices returned null for batch " + batchNumber);
      builder.add(batchNumber, indices, forward(referenceForward, batch, batchNumber));
      batchNumber++;
    }
    return builder.build();
  }

  /**
   * Like {@link #precompute(Iterable, Function, Function)}, numbering examples 0, 1, 2, … in
   * iteration order. Only for a pass whose order is reproduced at lookup time (no shuffling
   * between precompute and training); prefer the indexed form otherwise.
   */
  public static <B> ReferenceLogProbs precompute(Iterable<? extends B> batches,
      Function<? super B, ChosenRejected> referenceForward) {
    Objects.requireNonNull(batches, "ReferenceLogProbs.precompute: batches is null");
    Objects.requireNonNull(referenceForward,
        "ReferenceLogProbs.precompute: referenceForward is null");
    Builder builder = new Builder();
    int batchNumber = 0;
    int next = 0;
    for (B batch : batches) {
      float[][] values = forward(referenceForward, batch, batchNumber);
      int[] indices = new int[values[0].length];
      for (int i = 0; i < indices.length; i++) {
        indices[i] = next++;
      }
      builder.add(batchNumber, indices, values);
      batchNumber++;
    }
    return builder.build();
  }

  /**
   * Stored values, e.g. read back from a file written from {@link #chosenValues()} and
   * {@link #rejectedValues()}: {@code chosen[i]} and {@code rejected[i]} belong to example i; a
   * pair that is NaN in both arrays marks an absent example. The arrays are copied.
   *
   * @throws IllegalArgumentException when the lengths differ or only one of a pair is NaN
   */
  public static ReferenceLogProbs of(float[] chosen, float[] rejected) {
    Objects.requireNonNull(chosen, "ReferenceLogProbs.of: chosen is null");
    Objects.requireNonNull(rejected, "ReferenceLogProbs.of: rejected is null");
    Checks.argument(chosen.length == rejected.length,
        "ReferenceLogProbs.of: chosen and rejected must have the same length, got %s and %s",
        chosen.length, rejected.length);
    boolean[] present = new boolean[chosen.length];
    for (int i = 0; i < chosen.length; i++) {
      present[i] = !(Float.isNaN(chosen[i]) && Float.isNaN(rejected[i]));
      if (present[i]) {
        checkFinite("ReferenceLogProbs.of", i, chosen[i], rejected[i]);
      }
    }
    return new ReferenceLogProbs(chosen.clone(), rejected.clone(), present);
  }

  /**
   * A copy of the stored chosen log-probs indexed by example, NaN where no example was stored;
   * with {@link #rejectedValues()} and {@link #of(float[], float[])}, enough to save and restore.
   */
  public float[] chosenValues() {
    return withGaps(chosen);
  }

  /** A copy of the stored rejected log-probs indexed by example, NaN where none was stored. */
  public float[] rejectedValues() {
    return withGaps(rejected);
  }

  private float[] withGaps(float[] values) {
    float[] out = values.clone();
    for (int i = 0; i < out.length; i++) {
      if (!present[i]) {
        out[i] = Float.NaN;
      }
    }
    return out;
  }

  private static <B> float[][] forward(Function<? super B, ChosenRejected> referenceForward,
      B batch, int batchNumber) {
    ChosenRejected out;
    try (var off = GradMode.disabled()) {
      out = referenceForward.apply(batch);
    }
    Objects.requireNonNull(out,
        "ReferenceLogProbs.precompute: referenceForward returned null for batch " + batchNumber);
    return new float[][] {out.chosen().detach().toFloatArray(),
        out.rejected().detach().toFloatArray()};
  }

  /** The number of examples stored. */
  public int size() {
    return size;
  }

  /** True when example {@code index} has stored log-probs. */
  public boolean contains(int index) {
    return index >= 0 && index < present.length && present[index];
  }

  /** The stored chosen log-prob of one example. */
  public float chosen(int index) {
    checkIndex(index);
    return chosen[index];
  }

  /** The stored rejected log-prob of one example. */
  public float rejected(int index) {
    checkIndex(index);
    return rejected[index];
  }

  /** The stored log-probs of a batch's examples, F32 [n] each, in the order given. */
  public ChosenRejected lookup(int... exampleIndices) {
    return lookup(DType.F32, exampleIndices);
  }

  /** The stored log-probs of a batch's examples as tensors of {@code dtype}, [n] each. */
  public ChosenRejected lookup(DType dtype, int... exampleIndices) {
    Objects.requireNonNull(exampleIndices, "ReferenceLogProbs.lookup: exampleIndices is null");
    Checks.argument(dtype != null && dtype.isFloatingPoint(),
        "ReferenceLogProbs.lookup: dtype must be F32 or F64, got %s", dtype);
    int n = exampleIndices.length;
    Checks.argument(n > 0, "ReferenceLogProbs.lookup: no example indices given");
    float[] c = new float[n];
    float[] r = new float[n];
    for (int i = 0; i < n; i++) {
      checkIndex(exampleIndices[i]);
      c[i] = chosen[exampleIndices[i]];
      r[i] = rejected[exampleIndices[i]];
    }
    return new ChosenRejected(Tensor.of(c, n).to(dtype), Tensor.of(r, n).to(dtype));
  }

  private void checkIndex(int index) {
    if (!contains(index)) {
      throw new IllegalArgumentException("ReferenceLogProbs.lookup: no reference log-probs for"
          + " example " + index + "; precompute stored " + size + " examples"
          + (size == present.length ? " (indices 0.." + (size - 1) + ")" : ""));
    }
  }

  private static void checkFinite(String op, int index, float c, float r) {
    if (Float.isNaN(c) || Float.isNaN(r)) {
      throw new IllegalArgumentException(op + ": reference log-prob of example " + index
          + " is NaN (chosen " + c + ", rejected " + r + ")");
    }
  }

  /** Collects values by example index, growing as indices arrive. */
  private static final class Builder {
    private float[] chosen = new float[16];
    private float[] rejected = new float[16];
    private boolean[] present = new boolean[16];
    private int length;

    void add(int batchNumber, int[] indices, float[][] values) {
      String op = "ReferenceLogProbs.precompute";
      Checks.argument(values[0].length == indices.length,
          "%s: batch %s has %s example indices but referenceForward returned %s log-probs",
          op, batchNumber, indices.length, values[0].length);
      for (int i = 0; i < indices.length; i++) {
        int index = indices[i];
        Checks.argument(index >= 0, "%s: example index must be >= 0, got %s in batch %s", op,
            index, batchNumber);
        ensure(index + 1);
        Checks.argument(!present[index],
            "%s: example index %s appears twice (again in batch %s); each example once", op,
            index, batchNumber);
        checkFinite(op, index, values[0][i], values[1][i]);
        chosen[index] = values[0][i];
        rejected[index] = values[1][i];
        present[index] = true;
        length = Math.max(length, index + 1);
      }
    }

    private void ensure(int n) {
      if (n > chosen.length) {
        int cap = Math.max(n, chosen.length * 2);
        chosen = Arrays.copyOf(chosen, cap);
        rejected = Arrays.copyOf(rejected, cap);
        present = Arrays.copyOf(present, cap);
      }
    }

    ReferenceLogProbs build() {
      return new ReferenceLogProbs(Arrays.copyOf(chosen, length), Arrays.copyOf(rejected, length),
          Arrays.copyOf(present, length));
    }
  }
}
