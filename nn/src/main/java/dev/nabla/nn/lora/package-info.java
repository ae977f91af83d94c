/**
 * LoRA (Hu et al., arXiv:2106.09685): a frozen weight W plus a trained low-rank update
 * ΔW = (α/r)·B·A. {@link dev.nabla.nn.lora.LoRA#apply} wraps the targeted {@code Linear} and
 * {@code Embedding} layers of a model in {@link dev.nabla.nn.lora.LoRALinear} and
 * {@link dev.nabla.nn.lora.LoRAEmbedding}, saves and loads adapters alone with PEFT's names, and
 * extracts a LoRA from a full fine-tune by truncated SVD.
 *
 * @see dev.nabla.nn.Layer#replaceChild
 * @see dev.nabla.nn.Linear#setAdapter
 */
package dev.nabla.nn.lora;
