package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;

/**
 * The inverse of {@link PixelShuffle}: pixel (h·r + i, w·r + j) of channel c moves to channel
 * c·r² + i·r + j at (h, w), trading resolution for channels losslessly.
 * Shape: (*, C, H·r, W·r) → (*, C·r², H, W).
 *
 * @see Resampling#pixelUnshuffle
 */
public final class PixelUnshuffle extends Layer {
  private final int downscaleFactor;
  private final String label;

  public PixelUnshuffle(int downscaleFactor) {
    if (downscaleFactor <= 0) {
      throw new IllegalArgumentException("PixelUnshuffle: downscale_factor must be positive, got "
          + downscaleFactor);
    }
    this.downscaleFactor = downscaleFactor;
    this.label = name() + "(" + extraRepr() + ")";
  }

  @Override public Tensor forward(Tensor x) {
    return Resampling.pixelUnshuffle(label, x, downscaleFactor);
  }

  public int downscaleFactor() {
    return downscaleFactor;
  }

  @Override protected String extraRepr() {
    return "downscale_factor=" + downscaleFactor;
  }
}
