package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;

/**
 * Sub-pixel convolution's rearrangement (Shi et al., ESPCN, arXiv:1609.05158): channel
 * c·r² + i·r + j of the input becomes the pixels (h·r + i, w·r + j) of output channel c, so a
 * convolution producing C·r² channels at low resolution upsamples by r with learned filters.
 * Shape: (*, C·r², H, W) → (*, C, H·r, W·r).
 *
 * <pre>{@code
 * var shuffle = new PixelShuffle(2);
 * Tensor y = shuffle.forward(conv.forward(x));   // conv: 64 → 4 channels; y: 1 channel, ×2
 * }</pre>
 *
 * @see PixelUnshuffle
 * @see Resampling#pixelShuffle
 */
public final class PixelShuffle extends Layer {
  private final int upscaleFactor;
  private final String label;

  public PixelShuffle(int upscaleFactor) {
    if (upscaleFactor <= 0) {
      throw new IllegalArgumentException("PixelShuffle: upscale_factor must be positive, got "
          + upscaleFactor);
    }
    this.upscaleFactor = upscaleFactor;
    this.label = name() + "(" + extraRepr() + ")";
  }

  @Override public Tensor forward(Tensor x) {
    return Resampling.pixelShuffle(label, x, upscaleFactor);
  }

  public int upscaleFactor() {
    return upscaleFactor;
  }

  @Override protected String extraRepr() {
    return "upscale_factor=" + upscaleFactor;
  }
}
