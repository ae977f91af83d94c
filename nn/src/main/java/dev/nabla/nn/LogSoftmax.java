package dev.nabla.nn;

import dev.nabla.core.Tensor;
import dev.nabla.nn.functional.Functional;

/** x − log Σ exp(x) along {@code dim}, computed stably (negative dims count from the end). Shape: any → same. */
public final class LogSoftmax extends Layer {
  private final int dim;

  public LogSoftmax(int dim) {
    this.dim = dim;
  }

  @Override public Tensor forward(Tensor x) {
    int r = Math.max(1, x.dim());
    if (dim < -r || dim >= r) {
      throw new IllegalArgumentException("LogSoftmax(dim=" + dim + "): dimension out of range for"
          + " input of shape " + x.shape());
    }
    return Functional.logSoftmax(x, dim);
  }

  public int dim() {
    return dim;
  }

  @Override protected String extraRepr() {
    return "dim=" + dim;
  }
}
