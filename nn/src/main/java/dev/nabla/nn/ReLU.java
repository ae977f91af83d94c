package dev.nabla.nn;

import dev.nabla.core.Tensor;
import dev.nabla.nn.functional.Functional;

/** max(x, 0), elementwise. Shape: any → same. */
public final class ReLU extends Layer {
  @Override public Tensor forward(Tensor x) {
    return Functional.relu(x);
  }
}
