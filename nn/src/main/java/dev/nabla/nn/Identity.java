package dev.nabla.nn;

import dev.nabla.core.Tensor;

/** Returns its input: a placeholder where a layer is optional. Shape: any → same. */
public final class Identity extends Layer {
  @Override public Tensor forward(Tensor x) {
    return x;
  }
}
