package dev.nabla.nn;

import dev.nabla.core.Tensor;

/**
 * Merges dimensions {@code startDim … endDim} into one (PyTorch's {@code nn.Flatten}; defaults
 * 1 and −1 keep the batch). Shape: (N, C, H, W) → (N, C·H·W).
 */
public final class Flatten extends Layer {
  private final int startDim;
  private final int endDim;

  /** Flattens everything but the first (batch) dimension. */
  public Flatten() {
    this(1, -1);
  }

  public Flatten(int startDim, int endDim) {
    this.startDim = startDim;
    this.endDim = endDim;
  }

  @Override public Tensor forward(Tensor x) {
    int r = Math.max(1, x.dim());
    int s = startDim < 0 ? startDim + r : startDim;
    int e = endDim < 0 ? endDim + r : endDim;
    if (s < 0 || s >= r || e < 0 || e >= r || s > e) {
      throw new IllegalArgumentException("Flatten(start_dim=" + startDim + ", end_dim=" + endDim
          + "): dimensions out of range (or start after end) for input of shape " + x.shape());
    }
    return x.flatten(startDim, endDim);
  }

  @Override protected String extraRepr() {
    return "start_dim=" + startDim + ", end_dim=" + endDim;
  }
}
