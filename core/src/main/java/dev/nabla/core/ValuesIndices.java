package dev.nabla.core;

/**
 * Result of {@link Tensor#max(int, boolean)} and {@link Tensor#min(int, boolean)}: the values
 * (differentiable) and their I64 indices along the reduced dimension.
 */
public record ValuesIndices(Tensor values, Tensor indices) {}
