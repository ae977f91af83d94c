package dev.nabla.nn;

import dev.nabla.core.Tensor;
import dev.nabla.nn.functional.Functional;

/** tanh(x), elementwise. Shape: any → same. */
public final class Tanh extends Layer {
  @Override public Tensor forward(Tensor x) {
    return Functional.tanh(x);
  }
}
