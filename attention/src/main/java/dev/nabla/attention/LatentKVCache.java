package dev.nabla.attention;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;

/**
 * The cache of {@link MultiHeadLatentAttention} (DeepSeek-V2 MLA): per token only the normalised
 * compressed latent c_KV (kvLoraRank numbers) and the rotary key k^R shared by all heads
 * (qkRopeHeadDim numbers), never per-head keys or values. Both live side by side in one
 * preallocated {@code [maxBatch, 1, maxLen, kvLoraRank + ropeDim]} tensor, so the absorbed form
 * reads {@code [c_KV; k^R]} as a single-head key and c_KV as the value, without copying.
 *
 * <pre>{@code
 * LatentKVCache cache = mla.newCache(1, 4096);
 * cache.elementsPerToken();   // kvLoraRank + qkRopeHeadDim, e.g. 512 + 64
 * }</pre>
 */
public final class LatentKVCache {
  /**
   * Everything cached: the latent {@code [B, 1, length, kvLoraRank]}, the rotary keys
   * {@code [B, 1, length, ropeDim]} and both joined {@code [B, 1, length, kvLoraRank + ropeDim]}.
   */
  public record Entry(Tensor latent, Tensor ropeKeys, Tensor joined) {}

  private final int maxBatch;
  private final int maxLen;
  private final int kvLoraRank;
  private final int ropeDim;
  private final SequenceBuffer buffer;
  private int length;
  private int batch;

  public LatentKVCache(int maxBatch, int maxLen, int kvLoraRank, int ropeDim, DType dtype) {
    if (maxBatch <= 0 || maxLen <= 0 || kvLoraRank <= 0 || ropeDim < 0) {
      throw new IllegalArgumentException("LatentKVCache: sizes must be positive, got maxBatch="
          + maxBatch + ", maxLen=" + maxLen + ", kvLoraRank=" + kvLoraRank + ", ropeDim="
          + ropeDim);
    }
    if (dtype == null || !dtype.isFloatingPoint()) {
      throw new IllegalArgumentException(
          "LatentKVCache: dtype must be floating point, got " + dtype);
    }
    this.maxBatch = maxBatch;
    this.maxLen = maxLen;
    this.kvLoraRank = kvLoraRank;
    this.ropeDim = ropeDim;
    this.buffer = new SequenceBuffer(maxBatch, 1, maxLen, kvLoraRank + ropeDim, dtype);
  }

  /**
   * Appends {@code latent [B, 1, n, kvLoraRank]} and {@code ropeKeys [B, 1, n, ropeDim]} (already
   * rotated) and returns everything cached.
   */
  public Entry append(Tensor latent, Tensor ropeKeys) {
    if (latent.dim() != 4 || ropeKeys.dim() != 4 || latent.size(1) != 1
        || latent.size(3) != kvLoraRank || ropeKeys.size(0) != latent.size(0)
        || ropeKeys.size(1) != 1 || ropeKeys.size(2) != latent.size(2)
        || ropeKeys.size(3) != ropeDim) {
      throw new IllegalArgumentException("LatentKVCache(kvLoraRank=" + kvLoraRank + ", ropeDim="
          + ropeDim + "): expected latent [B, 1, n, " + kvLoraRank + "] and rope keys [B, 1, n, "
          + ropeDim + "], got " + latent.shape() + " and " + ropeKeys.shape());
    }
    int b = latent.size(0);
    int n = latent.size(2);
    if (b > maxBatch) {
      throw new IllegalArgumentException(
          "LatentKVCache: batch " + b + " exceeds the cache's maxBatch " + maxBatch);
    }
    if (length > 0 && b != batch) {
      throw new IllegalArgumentException("LatentKVCache: batch " + b + " differs from the batch "
          + batch + " already cached; call reset() to start new sequences");
    }
    if (length + n > maxLen) {
      throw new IllegalStateException("LatentKVCache: cannot append " + n
          + " positions at length " + length + " of " + maxLen);
    }
    buffer.write(latent, b, length, 0);
    buffer.write(ropeKeys, b, length, kvLoraRank);
    batch = b;
    length += n;
    Tensor c = buffer.read(latent, b, length, 0);
    Tensor r = buffer.read(ropeKeys, b, length, kvLoraRank);
    boolean copied = c.isRequiresGrad() || r.isRequiresGrad();
    Tensor joined = copied ? Tensor.cat(3, c, r) : buffer.view(b, length, 0, kvLoraRank + ropeDim);
    return new Entry(c, r, joined);
  }

  /** Views of everything cached. */
  public Entry get() {
    return new Entry(buffer.view(batch, length, 0, kvLoraRank),
        buffer.view(batch, length, kvLoraRank, ropeDim),
        buffer.view(batch, length, 0, kvLoraRank + ropeDim));
  }

  public int length() {
    return length;
  }

  public void reset() {
    length = 0;
    batch = 0;
  }

  public int maxLen() {
    return maxLen;
  }

  public int maxBatch() {
    return maxBatch;
  }

  public int kvLoraRank() {
    return kvLoraRank;
  }

  public int ropeDim() {
    return ropeDim;
  }

  public DType dtype() {
    return buffer.dtype();
  }

  /** Cached numbers per token of one sequence: kvLoraRank + ropeDim. */
  public long elementsPerToken() {
    return (long) kvLoraRank + ropeDim;
  }

  /** Bytes per token of one sequence in this layer. */
  public long bytesPerToken() {
    return elementsPerToken() * dtype().byteSize();
  }

  public long bytesAllocated() {
    return buffer.bytes();
  }

  /** Bytes per token per layer of an MLA cache: (kvLoraRank + ropeDim)·bytes(dtype). */
  public static long bytesPerToken(int kvLoraRank, int ropeDim, DType dtype) {
    return ((long) kvLoraRank + ropeDim) * dtype.byteSize();
  }

  @Override public String toString() {
    return "LatentKVCache(maxBatch=" + maxBatch + ", maxLen=" + maxLen + ", kvLoraRank="
        + kvLoraRank + ", ropeDim=" + ropeDim + ", length=" + length + ", " + dtype() + ")";
  }
}
