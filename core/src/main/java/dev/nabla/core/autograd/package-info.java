/**
 * Reverse-mode automatic differentiation: the define-by-run graph ({@link
 * dev.nabla.core.autograd.Node}), user-defined ops ({@link dev.nabla.core.autograd.Op}),
 * {@link dev.nabla.core.autograd.GradMode} and the finite-difference {@link
 * dev.nabla.core.autograd.GradCheck}.
 */
package dev.nabla.core.autograd;
