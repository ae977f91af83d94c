/**
 * LLaMA (Touvron et al., arXiv:2302.13971): a decoder-only transformer of RMSNorm, rotary
 * attention with grouped key/value heads and SwiGLU, with Hugging Face's parameter names and
 * {@code config.json} so its checkpoints load directly, plus KV-cached generation.
 *
 * @see dev.nabla.models.llama.Llama
 * @see dev.nabla.models.llama.Generator
 */
package dev.nabla.models.llama;
