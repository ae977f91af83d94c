package dev.nabla.attention;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;

/**
 * A preallocated {@code [maxBatch, heads, maxLen, width]} tensor filled along the sequence
 * dimension: the storage behind {@link KVCache} and {@link LatentKVCache}. Writes copy values
 * (no autograd history); reads are views of the filled part.
 */
final class SequenceBuffer {
  private final Tensor data;

  SequenceBuffer(int maxBatch, int heads, int maxLen, int width, DType dtype) {
    this.data = Tensor.zeros(dtype, maxBatch, heads, maxLen, width);
  }

  DType dtype() {
    return data.dtype();
  }

  long bytes() {
    return (long) data.numel() * data.dtype().byteSize();
  }

  /** Copies {@code src [batch, heads, n, w]} to positions {@code at … at+n−1}, columns col…. */
  void write(Tensor src, int batch, int at, int col) {
    try (var off = GradMode.disabled()) {
      data.narrow(0, 0, batch).narrow(2, at, src.size(2)).narrow(3, col, src.size(3))
          .copyFrom(src.detach());
    }
  }

  /** The view {@code [batch, heads, length, w]} of columns {@code col … col+w−1}. */
  Tensor view(int batch, int length, int col, int w) {
    try (var off = GradMode.disabled()) {
      return data.narrow(0, 0, batch).narrow(2, 0, length).narrow(3, col, w);
    }
  }

  /**
   * What a step attends to: the cached view when no gradient is wanted, else the earlier
   * positions (constants) concatenated with {@code fresh}, so the gradient reaches the new keys.
   */
  Tensor read(Tensor fresh, int batch, int length, int col) {
    int w = fresh.size(3);
    if (GradMode.isEnabled() && fresh.isRequiresGrad()) {
      int before = length - fresh.size(2);
      Tensor now = fresh.to(data.dtype());
      return before == 0 ? now : Tensor.cat(2, view(batch, before, col, w), now);
    }
    return view(batch, length, col, w);
  }
}
