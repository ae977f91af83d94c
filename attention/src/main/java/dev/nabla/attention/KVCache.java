package dev.nabla.attention;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;

/**
 * One layer's key/value cache for autoregressive decoding: keys {@code [maxBatch, Hkv, maxLen,
 * D]} and values {@code [maxBatch, Hkv, maxLen, Dv]} allocated once, filled step by step. With
 * grouped heads (GQA/MQA) only the Hkv key/value heads are stored; the query heads share them
 * inside {@link ScaledDotProductAttention}.
 *
 * <p>{@link #append} copies the new positions (any number: a prompt, then one token at a time)
 * and returns views {@code [B, Hkv, length, D]} of everything cached so far, which the layer
 * attends to. The cache holds values, not autograd history: under grad mode, when the new keys
 * require grad, the returned tensors are the cached (constant) positions concatenated with the
 * new ones, so the gradient reaches the current step only.
 *
 * <pre>{@code
 * KVCache cache = attn.newCache(1, 512);
 * Tensor y0 = attn.forward(prompt, cache, null);    // [1, 16, d]: positions 0..15
 * Tensor y1 = attn.forward(next, cache, null);      // [1, 1, d]: attends to 0..16
 * }</pre>
 */
public final class KVCache {
  /** The cached keys {@code [B, Hkv, length, D]} and values {@code [B, Hkv, length, Dv]}. */
  public record Entry(Tensor keys, Tensor values) {}

  private final int maxBatch;
  private final int numKvHeads;
  private final int maxLen;
  private final int headDim;
  private final int valueDim;
  private final SequenceBuffer keys;
  private final SequenceBuffer values;
  private int length;
  private int batch;

  /** An F32 cache with values as wide as keys. */
  public KVCache(int maxBatch, int numKvHeads, int maxLen, int headDim) {
    this(maxBatch, numKvHeads, maxLen, headDim, headDim, DType.F32);
  }

  /** A cache for keys of width {@code headDim} and values of width {@code valueDim}. */
  public KVCache(int maxBatch, int numKvHeads, int maxLen, int headDim, int valueDim,
      DType dtype) {
    if (maxBatch <= 0 || numKvHeads <= 0 || maxLen <= 0 || headDim <= 0 || valueDim <= 0) {
      throw new IllegalArgumentException("KVCache: sizes must be positive, got maxBatch="
          + maxBatch + ", numKvHeads=" + numKvHeads + ", maxLen=" + maxLen + ", headDim="
          + headDim + ", valueDim=" + valueDim);
    }
    if (dtype == null || !dtype.isFloatingPoint()) {
      throw new IllegalArgumentException("KVCache: dtype must be floating point, got " + dtype);
    }
    this.maxBatch = maxBatch;
    this.numKvHeads = numKvHeads;
    this.maxLen = maxLen;
    this.headDim = headDim;
    this.valueDim = valueDim;
    this.keys = new SequenceBuffer(maxBatch, numKvHeads, maxLen, headDim, dtype);
    this.values = new SequenceBuffer(maxBatch, numKvHeads, maxLen, valueDim, dtype);
  }

  /**
   * Appends {@code k [B, Hkv, n, D]} and {@code v [B, Hkv, n, Dv]} at the current length and
   * returns everything cached, {@code [B, Hkv, length + n, ·]}. B must stay the same until
   * {@link #reset()}.
   */
  public Entry append(Tensor k, Tensor v) {
    if (k.dim() != 4 || v.dim() != 4) {
      throw new IllegalArgumentException("KVCache: expected k and v [B, Hkv, n, D], got k "
          + k.shape() + ", v " + v.shape());
    }
    int b = k.size(0);
    int n = k.size(2);
    if (k.size(1) != numKvHeads || k.size(3) != headDim || v.size(0) != b
        || v.size(1) != numKvHeads || v.size(2) != n || v.size(3) != valueDim) {
      throw new IllegalArgumentException("KVCache(" + describe() + "): expected k [B, "
          + numKvHeads + ", n, " + headDim + "] and v [B, " + numKvHeads + ", n, " + valueDim
          + "], got k " + k.shape() + ", v " + v.shape());
    }
    if (b > maxBatch) {
      throw new IllegalArgumentException(
          "KVCache: batch " + b + " exceeds the cache's maxBatch " + maxBatch);
    }
    if (length > 0 && b != batch) {
      throw new IllegalArgumentException("KVCache: batch " + b + " differs from the batch "
          + batch + " already cached; call reset() to start new sequences");
    }
    if (length + n > maxLen) {
      throw new IllegalStateException("KVCache: cannot append " + n + " positions at length "
          + length + " of " + maxLen);
    }
    keys.write(k, b, length, 0);
    values.write(v, b, length, 0);
    batch = b;
    length += n;
    return new Entry(keys.read(k, b, length, 0), values.read(v, b, length, 0));
  }

  /** Views of everything cached, {@code [B, Hkv, length, ·]}. */
  public Entry get() {
    return new Entry(keys.view(batch, length, 0, headDim), values.view(batch, length, 0, valueDim));
  }

  /** Number of cached positions: the position of the next token. */
  public int length() {
    return length;
  }

  /** Forgets everything (the memory stays allocated). */
  public void reset() {
    length = 0;
    batch = 0;
  }

  /** Keeps only the first {@code newLength} positions (e.g. to drop rejected draft tokens). */
  public void crop(int newLength) {
    if (newLength < 0 || newLength > length) {
      throw new IllegalArgumentException(
          "KVCache: cannot crop to " + newLength + " positions at length " + length);
    }
    length = newLength;
  }

  public int maxLen() {
    return maxLen;
  }

  public int maxBatch() {
    return maxBatch;
  }

  public int numKvHeads() {
    return numKvHeads;
  }

  public int headDim() {
    return headDim;
  }

  public int valueDim() {
    return valueDim;
  }

  public DType dtype() {
    return keys.dtype();
  }

  /** Cached numbers per token of one sequence: Hkv·(D + Dv). */
  public long elementsPerToken() {
    return (long) numKvHeads * (headDim + valueDim);
  }

  /** Bytes per token of one sequence in this layer: Hkv·(D + Dv)·bytes(dtype). */
  public long bytesPerToken() {
    return elementsPerToken() * dtype().byteSize();
  }

  /** Bytes allocated for both tensors. */
  public long bytesAllocated() {
    return keys.bytes() + values.bytes();
  }

  /** Bytes per token per layer of a K/V cache: 2·Hkv·D·bytes(dtype). */
  public static long bytesPerToken(int numKvHeads, int headDim, DType dtype) {
    return 2L * numKvHeads * headDim * dtype.byteSize();
  }

  private String describe() {
    return "maxBatch=" + maxBatch + ", kvHeads=" + numKvHeads + ", maxLen=" + maxLen
        + ", headDim=" + headDim;
  }

  @Override public String toString() {
    return "KVCache(" + describe() + ", length=" + length + ", " + dtype() + ")";
  }
}
