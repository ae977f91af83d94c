/**
 * The hot loops behind the tensor ops (GEMM, elementwise, reductions, row-wise softmax and
 * norms): {@link dev.nabla.core.internal.kernel.Kernels} with a scalar specification and a Vector
 * API implementation chosen at start-up, and the {@link dev.nabla.core.internal.kernel.Parallel}
 * chunking that keeps results identical at any thread count. Internal: not API.
 */
package dev.nabla.core.internal.kernel;
