package dev.nabla.nn.loss;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;

/** Array ↔ tensor helpers for the elementwise ops above. */
final class Elementwise {
  private Elementwise() {}

  /** Row-major {@code values} as a tensor shaped and typed like {@code like}. */
  static Tensor tensor(double[] values, Tensor like) {
    int[] shape = like.shape().toArray();
    if (like.dtype() == DType.F64) {
      return Tensor.of(values).reshape(shape);
    }
    float[] f = new float[values.length];
    for (int i = 0; i < values.length; i++) {
      f[i] = (float) values[i];
    }
    return Tensor.of(f).reshape(shape);
  }
}
