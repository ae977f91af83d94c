package dev.nabla.nn;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;

/**
 * A trainable leaf tensor owned by a {@link Layer}. It is a {@link Tensor} (every op applies to
 * it) that requires grad from the start; {@link Layer#freeze()} turns that off.
 */
public final class Parameter extends Tensor {

  /** A parameter over {@code data}'s storage (no copy). {@code data} must be floating point. */
  public Parameter(Tensor data) {
    super(checked(data));
    requiresGrad(true);
  }

  private static Tensor checked(Tensor data) {
    if (!data.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException(
          "Parameter: expected floating-point data, got " + data.dtype() + " of shape "
              + data.shape());
    }
    if (!data.isLeaf()) {
      data = data.detach();
    }
    return data.isContiguous() ? data : data.contiguous().detach();
  }

  /** Replaces the data with a copy in {@code dtype} (the gradient is cleared). */
  void convert(DType dtype) {
    if (dtype() != dtype) {
      rebind(detach().to(dtype));
    }
  }
}
