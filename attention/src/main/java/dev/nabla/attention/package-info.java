/**
 * The attention family: one scaled-dot-product contract
 * ({@link dev.nabla.attention.ScaledDotProductAttention}) with interchangeable implementations,
 * and the layers built on it (multi-head with MHA/GQA/MQA, latent attention, RoPE, KV cache).
 */
package dev.nabla.attention;
