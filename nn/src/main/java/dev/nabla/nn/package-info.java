/**
 * Layers: the {@link dev.nabla.nn.Layer} base class users extend, {@link dev.nabla.nn.Parameter},
 * containers and state dicts with PyTorch's names, and the built-in layers ({@code Linear},
 * {@code Embedding}, {@code LayerNorm}, {@code RMSNorm}, {@code Dropout}, activations,
 * {@code SwiGLU}).
 *
 * @see dev.nabla.core.Tensor
 * @see dev.nabla.nn.functional.Functional
 */
package dev.nabla.nn;
