package dev.nabla.attention;

/** The interchangeable implementations of {@link ScaledDotProductAttention}. */
public enum AttentionImpl {
  /** Materialises the score matrix: the oracle the others are tested against. */
  REFERENCE,
  /** Tiled, online-softmax attention that never holds the T×T matrix (FlashAttention-style). */
  FLASH,
  /** Kernelised linear attention φ(Q)(φ(K)ᵀV) ("Transformers are RNNs"): not softmax attention. */
  LINEAR,
  /** The best softmax implementation for the inputs (flash when available, else reference). */
  AUTO
}
