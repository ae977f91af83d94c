package dev.nabla.nn;

import dev.nabla.core.Tensor;
import dev.nabla.nn.functional.Functional;

/** x·σ(x) (swish), elementwise; Elfwing et al., arXiv:1702.03118. Shape: any → same. */
public final class SiLU extends Layer {
  @Override public Tensor forward(Tensor x) {
    return Functional.silu(x);
  }
}
