package dev.nabla.nn;

import dev.nabla.core.Tensor;
import dev.nabla.nn.functional.Functional;

/** 1/(1 + e^(−x)), elementwise. Shape: any → same. */
public final class Sigmoid extends Layer {
  @Override public Tensor forward(Tensor x) {
    return Functional.sigmoid(x);
  }
}
