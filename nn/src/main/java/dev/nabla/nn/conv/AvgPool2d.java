package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;

/**
 * 2-D average pooling: each output is the mean of a kernel window, windows every
 * {@code stride} pixels over the input zero-padded by {@code padding} (≤ kernel/2). The divisor
 * is the window's size including padding when {@code countIncludePad} (the default), the number
 * of real pixels otherwise, or {@code divisorOverride} when given. Shape: (N, C, H, W) or
 * (C, H, W) → (…, H_out, W_out), H_out = ⌊(H + 2p − k)/s⌋ + 1 (rounded up in ceil mode).
 *
 * <pre>{@code
 * var pool = new AvgPool2d(new int[] {3}, new int[] {2}, new int[] {1}, false, false, null);
 * }</pre>
 *
 * @see Pooling#avgPool2d(Tensor, int[], int[], int[], boolean, boolean, Integer)
 */
public final class AvgPool2d extends Layer {
  private final int[] kernelSize;
  private final int[] stride;
  private final int[] padding;
  private final boolean ceilMode;
  private final boolean countIncludePad;
  private final Integer divisorOverride;
  private final String label;

  /** Square kernel, stride = kernel, no padding. */
  public AvgPool2d(int kernelSize) {
    this(new int[] {kernelSize}, null, null, false, true, null);
  }

  public AvgPool2d(int kernelSize, int stride) {
    this(new int[] {kernelSize}, new int[] {stride}, null, false, true, null);
  }

  public AvgPool2d(int kernelSize, int stride, int padding) {
    this(new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, false, true, null);
  }

  /**
   * Each of kernelSize, stride, padding is one int or a pair (H, W); null stride means the
   * kernel size, null padding 0; {@code divisorOverride} is nullable and non-zero.
   */
  public AvgPool2d(int[] kernelSize, int[] stride, int[] padding, boolean ceilMode,
      boolean countIncludePad, Integer divisorOverride) {
    this.kernelSize = Pooling.pair("AvgPool2d", "kernel_size", kernelSize, -1, 1);
    this.stride = stride == null || stride.length == 0 ? this.kernelSize
        : Pooling.pair("AvgPool2d", "stride", stride, -1, 1);
    this.padding = Pooling.pair("AvgPool2d", "padding", padding, 0, 0);
    this.ceilMode = ceilMode;
    this.countIncludePad = countIncludePad;
    this.divisorOverride = divisorOverride;
    if (this.padding[0] > this.kernelSize[0] / 2 || this.padding[1] > this.kernelSize[1] / 2) {
      throw new IllegalArgumentException("AvgPool2d: pad should be at most half of kernel size,"
          + " but got padding=" + ConvText.pair(this.padding) + " and kernel_size="
          + ConvText.pair(this.kernelSize));
    }
    if (divisorOverride != null && divisorOverride == 0) {
      throw new IllegalArgumentException("AvgPool2d: divisor_override must be non-zero");
    }
    this.label = name() + "(" + extraRepr() + ")";
  }

  @Override public Tensor forward(Tensor x) {
    return Pooling.avgPool(label, x, kernelSize, stride, padding, ceilMode, countIncludePad,
        divisorOverride);
  }

  public int[] kernelSize() {
    return kernelSize.clone();
  }

  public int[] stride() {
    return stride.clone();
  }

  public int[] padding() {
    return padding.clone();
  }

  public boolean ceilMode() {
    return ceilMode;
  }

  public boolean countIncludePad() {
    return countIncludePad;
  }

  /** The divisor override, or null. */
  public Integer divisorOverride() {
    return divisorOverride;
  }

  @Override protected String extraRepr() {
    return "kernel_size=" + ConvText.pair(kernelSize) + ", stride=" + ConvText.pair(stride)
        + ", padding=" + ConvText.pair(padding)
        + (ceilMode ? ", ceil_mode=true" : "")
        + (countIncludePad ? "" : ", count_include_pad=false")
        + (divisorOverride == null ? "" : ", divisor_override=" + divisorOverride);
  }
}
