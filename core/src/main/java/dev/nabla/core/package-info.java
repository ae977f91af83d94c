/**
 * The tensor core: {@link dev.nabla.core.Tensor} (dense, strided, with autograd),
 * {@link dev.nabla.core.Shape}, {@link dev.nabla.core.DType} and the seeded
 * {@link dev.nabla.core.Rng}.
 *
 * @see dev.nabla.core.autograd.Op
 */
package dev.nabla.core;
