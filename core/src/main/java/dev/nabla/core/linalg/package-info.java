/**
 * Dense linear algebra on 2-D tensors, backed by EJML in float64: SVD, QR, Cholesky, solve,
 * inverse, determinant and a reference matrix product. These functions are not differentiable.
 *
 * @see dev.nabla.core.linalg.Linalg
 */
package dev.nabla.core.linalg;
