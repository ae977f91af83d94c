package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import dev.nabla.core.ValuesIndices;
import dev.nabla.nn.Layer;

/**
 * 2-D max pooling: each output is the maximum of a kernel window of its plane, windows placed
 * every {@code stride} pixels over the input padded with −∞ ({@code padding} ≤ kernel/2),
 * optionally dilated; {@code ceilMode} keeps a last partial window. The argmax of each window is
 * kept for backward, which routes the gradient to it. Shape: (N, C, H, W) or (C, H, W) →
 * (…, H_out, W_out), H_out = ⌊(H + 2p − d(k − 1) − 1)/s⌋ + 1 (rounded up in ceil mode).
 *
 * <pre>{@code
 * var pool = new MaxPool2d(3, 2, 1);            // ResNet stem: 112x112 → 56x56
 * Tensor y = pool.forward(x);
 * ValuesIndices yi = pool.forwardWithIndices(x); // as return_indices=True
 * }</pre>
 *
 * @see Pooling#maxPool2d(Tensor, int[], int[], int[], int[], boolean)
 */
public final class MaxPool2d extends Layer {
  private final int[] kernelSize;
  private final int[] stride;
  private final int[] padding;
  private final int[] dilation;
  private final boolean ceilMode;
  private final String label;

  /** Square kernel, stride = kernel, no padding. */
  public MaxPool2d(int kernelSize) {
    this(new int[] {kernelSize}, null, null, null, false);
  }

  public MaxPool2d(int kernelSize, int stride) {
    this(new int[] {kernelSize}, new int[] {stride}, null, null, false);
  }

  public MaxPool2d(int kernelSize, int stride, int padding) {
    this(new int[] {kernelSize}, new int[] {stride}, new int[] {padding}, null, false);
  }

  /**
   * Each of kernelSize, stride, padding, dilation is one int (both dimensions) or a pair
   * (H, W); null stride means the kernel size, null padding 0 and null dilation 1.
   */
  public MaxPool2d(int[] kernelSize, int[] stride, int[] padding, int[] dilation,
      boolean ceilMode) {
    this.kernelSize = Pooling.pair("MaxPool2d", "kernel_size", kernelSize, -1, 1);
    this.stride = stride == null || stride.length == 0 ? this.kernelSize
        : Pooling.pair("MaxPool2d", "stride", stride, -1, 1);
    this.padding = Pooling.pair("MaxPool2d", "padding", padding, 0, 0);
    this.dilation = Pooling.pair("MaxPool2d", "dilation", dilation, 1, 1);
    this.ceilMode = ceilMode;
    if (this.padding[0] > this.kernelSize[0] / 2 || this.padding[1] > this.kernelSize[1] / 2) {
      throw new IllegalArgumentException("MaxPool2d: pad should be at most half of kernel size,"
          + " but got padding=" + ConvText.pair(this.padding) + " and kernel_size="
          + ConvText.pair(this.kernelSize));
    }
    this.label = name() + "(" + extraRepr() + ")";
  }

  @Override public Tensor forward(Tensor x) {
    return forwardWithIndices(x).values();
  }

  /** The pooled values and their argmax indices (I64, flat h·W + w within each input plane). */
  public ValuesIndices forwardWithIndices(Tensor x) {
    return Pooling.maxPool(label, x, kernelSize, stride, padding, dilation, ceilMode);
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

  public int[] dilation() {
    return dilation.clone();
  }

  public boolean ceilMode() {
    return ceilMode;
  }

  @Override protected String extraRepr() {
    return "kernel_size=" + ConvText.pair(kernelSize) + ", stride=" + ConvText.pair(stride)
        + ", padding=" + ConvText.pair(padding) + ", dilation=" + ConvText.pair(dilation)
        + ", ceil_mode=" + ceilMode;
  }
}
