package dev.nabla.core.data;

import dev.nabla.core.Checks;
import dev.nabla.core.DType;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import java.util.List;
import java.util.Objects;

/**
 * A batch of variable-length sequences padded at the end to the longest, batch first (as
 * {@code torch.nn.utils.rnn.pad_sequence(batch_first=True)}), with the lengths and a mask.
 *
 * <p>Shapes: B sequences {@code [Lᵢ, *]} (same trailing dims and dtype) → {@code data}
 * {@code [B, L, *]} with L = max Lᵢ (the dtype of the sequences); {@code lengths} {@code [B]}
 * I64; {@code mask} {@code [B, L]} BOOL, true at real steps, false at padding.
 *
 * <pre>{@code
 * PaddedBatch b = PaddedBatch.of(List.of(Tensor.of(new long[] {5, 6, 7}), Tensor.of(new long[] {8})), 0);
 * // data [[5, 6, 7], [8, 0, 0]], lengths [3, 1], mask [[T, T, T], [T, F, F]]
 * }</pre>
 *
 * @param data the padded sequences [B, L, *]
 * @param lengths the true length of each sequence, I64 [B]
 * @param mask true where a step is real, BOOL [B, L]
 */
public record PaddedBatch(Tensor data, Tensor lengths, Tensor mask) {

  /** Checks that the three parts agree. */
  public PaddedBatch {
    Objects.requireNonNull(data, "PaddedBatch: data is null");
    Objects.requireNonNull(lengths, "PaddedBatch: lengths is null");
    Objects.requireNonNull(mask, "PaddedBatch: mask is null");
    Checks.shape(data.dim() >= 2 && lengths.dim() == 1 && mask.dim() == 2
            && lengths.size(0) == data.size(0) && mask.size(0) == data.size(0)
            && mask.size(1) == data.size(1),
        "PaddedBatch: expected data [B, L, *], lengths [B] and mask [B, L], got %s, %s and %s",
        data.shape(), lengths.shape(), mask.shape());
  }

  /** Pads {@code sequences} (each {@code [Lᵢ, *]}, at least one) to the longest with {@code padValue}. */
  public static PaddedBatch of(List<Tensor> sequences, double padValue) {
    Checks.argument(!sequences.isEmpty(), "PaddedBatch: expected at least one sequence");
    Tensor s0 = sequences.get(0);
    Checks.argument(s0 != null && s0.dim() >= 1,
        "PaddedBatch: sequences must have at least one dimension (time), got %s",
        s0 == null ? "null" : s0.shape());
    int b = sequences.size();
    int maxLen = 0;
    long[] lengths = new long[b];
    for (int i = 0; i < b; i++) {
      Tensor s = sequences.get(i);
      Checks.argument(s != null, "PaddedBatch: sequence %s is null", i);
      boolean sameTail = s.dim() == s0.dim();
      for (int d = 1; sameTail && d < s.dim(); d++) {
        sameTail = s.size(d) == s0.size(d);
      }
      if (!sameTail) {
        throw new ShapeMismatchException("PaddedBatch: sequences may differ only in dimension 0,"
            + " got " + s0.shape() + " at 0 and " + s.shape() + " at " + i);
      }
      Checks.argument(s.dtype() == s0.dtype(),
          "PaddedBatch: sequence 0 is %s but sequence %s is %s", s0.dtype(), i, s.dtype());
      lengths[i] = s.size(0);
      maxLen = Math.max(maxLen, s.size(0));
    }
    Tensor[] rows = new Tensor[b];
    boolean[] mask = new boolean[b * maxLen];
    for (int i = 0; i < b; i++) {
      Tensor s = sequences.get(i);
      int[] pads = new int[2 * s.dim()];
      pads[pads.length - 1] = maxLen - s.size(0); // (before, after) pairs from the last dim
      rows[i] = pads[pads.length - 1] == 0 ? s : s.pad(pads, padValue);
      for (int t = 0; t < lengths[i]; t++) {
        mask[i * maxLen + t] = true;
      }
    }
    return new PaddedBatch(Tensor.stack(0, rows), Tensor.of(lengths),
        Tensor.of(mask, b, maxLen));
  }

  /** The batch size B. */
  public int batchSize() {
    return data.size(0);
  }

  /** The padded length L. */
  public int maxLength() {
    return data.size(1);
  }

  /** The mask as {@code dtype} (1 real, 0 padding), e.g. to weight per-step losses. */
  public Tensor maskAs(DType dtype) {
    return mask.to(dtype);
  }
}
