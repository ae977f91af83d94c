/**
 * Layers: the {@link dev.nabla.nn.Layer} base class users extend, {@link dev.nabla.nn.Parameter},
 * containers and state dicts with PyTorch's names.
 *
 * @see dev.nabla.core.Tensor
 */
package dev.nabla.nn;
