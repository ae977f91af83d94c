package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;

/**
 * Adaptive 2-D average pooling to a fixed output size whatever the input size: along a
 * dimension of size In, output cell i averages input positions [⌊i·In/Out⌋, ⌈(i+1)·In/Out⌉)
 * (bins overlap when Out does not divide In). Shape: (N, C, H, W) or (C, H, W) → (…, outH, outW).
 *
 * <pre>{@code
 * var gap = new AdaptiveAvgPool2d(1);           // global average pooling
 * }</pre>
 *
 * @see Pooling#adaptiveAvgPool2d(Tensor, int, int)
 */
public final class AdaptiveAvgPool2d extends Layer {
  private final int outH;
  private final int outW;
  private final String label;

  /** Square output size. */
  public AdaptiveAvgPool2d(int outputSize) {
    this(outputSize, outputSize);
  }

  public AdaptiveAvgPool2d(int outH, int outW) {
    if (outH <= 0 || outW <= 0) {
      throw new IllegalArgumentException("AdaptiveAvgPool2d: output size must be positive, got ("
          + outH + ", " + outW + ")");
    }
    this.outH = outH;
    this.outW = outW;
    this.label = name() + "(" + extraRepr() + ")";
  }

  @Override public Tensor forward(Tensor x) {
    return Pooling.adaptiveAvgPool(label, x, outH, outW);
  }

  /** (outH, outW). */
  public int[] outputSize() {
    return new int[] {outH, outW};
  }

  @Override protected String extraRepr() {
    return "output_size=" + ConvText.pair(new int[] {outH, outW});
  }
}
