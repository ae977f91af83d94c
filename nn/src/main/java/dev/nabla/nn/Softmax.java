package dev.nabla.nn;

import dev.nabla.core.Tensor;
import dev.nabla.nn.functional.Functional;

/** exp(x)/Σexp(x) along {@code dim} (negative dims count from the end). Shape: any → same. */
public final class Softmax extends Layer {
  private final int dim;

  public Softmax(int dim) {
    this.dim = dim;
  }

  @Override public Tensor forward(Tensor x) {
    int r = Math.max(1, x.dim());
    if (dim < -r || dim >= r) {
      throw new IllegalArgumentException("Softmax(dim=" + dim + "): dimension out of range for"
          + " input of shape " + x.shape());
    }
    return Functional.softmax(x, dim);
  }

  public int dim() {
    return dim;
  }

  @Override protected String extraRepr() {
    return "dim=" + dim;
  }
}
