/**
 * The layers as stateless functions (PyTorch's {@code torch.nn.functional}): linear, embedding,
 * dropout, layer and RMS normalisation (fused kernels for F32), and the activations.
 *
 * @see dev.nabla.nn.functional.Functional
 */
package dev.nabla.nn.functional;
