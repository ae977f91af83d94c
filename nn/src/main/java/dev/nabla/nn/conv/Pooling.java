package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import dev.nabla.core.ValuesIndices;
import java.util.Arrays;

/**
 * Functional 2-D pooling, as {@code torch.nn.functional}: {@code max_pool2d},
 * {@code avg_pool2d} and {@code adaptive_avg_pool2d} over inputs (N, C, H, W) or (C, H, W).
 * Sizes are given as one value (both dimensions) or a pair (H, W); a null stride means the
 * kernel size. Output size per dimension (torch's rule):
 * ⌊(in + 2·pad − dilation·(k − 1) − 1 + (ceilMode ? stride − 1 : 0)) / stride⌋ + 1, where in ceil
 * mode the last window must start inside the input or the left padding.
 *
 * <pre>{@code
 * Tensor y = Pooling.maxPool2d(x, new int[] {3}, new int[] {2}, new int[] {1}, null, false);
 * Tensor z = Pooling.adaptiveAvgPool2d(x, 1, 1);   // global average pool
 * }</pre>
 *
 * @see MaxPool2d
 * @see AvgPool2d
 * @see AdaptiveAvgPool2d
 */
public final class Pooling {
  private Pooling() {}

  // ------------------------------------------------------------------ max

  /** Max pooling with a square kernel, stride = kernel, no padding. */
  public static Tensor maxPool2d(Tensor x, int kernelSize) {
    return maxPool2d(x, new int[] {kernelSize}, null, null, null, false);
  }

  /**
   * Max pooling. {@code stride} null means the kernel size; {@code padding} (implicit −∞, at
   * most half the kernel) and {@code dilation} null mean 0 and 1.
   */
  public static Tensor maxPool2d(Tensor x, int[] kernelSize, int[] stride, int[] padding,
      int[] dilation, boolean ceilMode) {
    return maxPool("maxPool2d", x, kernelSize, stride, padding, dilation, ceilMode).values();
  }

  /**
   * Max pooling that also returns the argmax of each window as an I64 tensor of flat indices
   * h·W + w into the input plane (torch's {@code return_indices=True}).
   */
  public static ValuesIndices maxPool2dWithIndices(Tensor x, int[] kernelSize, int[] stride,
      int[] padding, int[] dilation, boolean ceilMode) {
    return maxPool("maxPool2d", x, kernelSize, stride, padding, dilation, ceilMode);
  }

  static ValuesIndices maxPool(String who, Tensor x, int[] kernelSize, int[] stride,
      int[] padding, int[] dilation, boolean ceilMode) {
    int[] k = pair(who, "kernel_size", kernelSize, -1, 1);
    int[] s = stride == null || stride.length == 0 ? k : pair(who, "stride", stride, -1, 1);
    int[] p = pair(who, "padding", padding, 0, 0);
    int[] d = pair(who, "dilation", dilation, 1, 1);
    checkPadding(who, k, p);
    int[] in = planeShape(who, x);
    int h = in[in.length - 2];
    int w = in[in.length - 1];
    int oh = Axis.poolOutputSize(h, k[0], s[0], p[0], d[0], ceilMode);
    int ow = Axis.poolOutputSize(w, k[1], s[1], p[1], d[1], ceilMode);
    checkOutput(who, x, oh, ow);
    MaxPoolOp op = new MaxPoolOp(Axis.maxPool(h, oh, k[0], s[0], p[0], d[0]),
        Axis.maxPool(w, ow, k[1], s[1], p[1], d[1]), planes(x), outShape(x, oh, ow));
    Tensor y = op.apply(x);
    return new ValuesIndices(y, op.indices());
  }

  // ------------------------------------------------------------------ average

  /** Average pooling with a square kernel, stride = kernel, no padding. */
  public static Tensor avgPool2d(Tensor x, int kernelSize) {
    return avgPool2d(x, new int[] {kernelSize}, null, null, false, true, null);
  }

  /**
   * Average pooling. {@code countIncludePad}: whether zero padding counts in the divisor;
   * {@code divisorOverride} (nullable, non-zero) replaces the divisor everywhere.
   */
  public static Tensor avgPool2d(Tensor x, int[] kernelSize, int[] stride, int[] padding,
      boolean ceilMode, boolean countIncludePad, Integer divisorOverride) {
    return avgPool("avgPool2d", x, kernelSize, stride, padding, ceilMode, countIncludePad,
        divisorOverride);
  }

  static Tensor avgPool(String who, Tensor x, int[] kernelSize, int[] stride, int[] padding,
      boolean ceilMode, boolean countIncludePad, Integer divisorOverride) {
    int[] k = pair(who, "kernel_size", kernelSize, -1, 1);
    int[] s = stride == null || stride.length == 0 ? k : pair(who, "stride", stride, -1, 1);
    int[] p = pair(who, "padding", padding, 0, 0);
    checkPadding(who, k, p);
    if (divisorOverride != null && divisorOverride == 0) {
      throw new IllegalArgumentException(who + ": divisor must be not zero");
    }
    int[] in = planeShape(who, x);
    int h = in[in.length - 2];
    int w = in[in.length - 1];
    int oh = Axis.poolOutputSize(h, k[0], s[0], p[0], 1, ceilMode);
    int ow = Axis.poolOutputSize(w, k[1], s[1], p[1], 1, ceilMode);
    checkOutput(who, x, oh, ow);
    boolean override = divisorOverride != null;
    PlaneMap map = PlaneMap.separable(
        Axis.avgPool(h, oh, k[0], s[0], p[0], countIncludePad, override),
        Axis.avgPool(w, ow, k[1], s[1], p[1], countIncludePad, override),
        override ? 1.0 / divisorOverride : 1.0);
    return map.apply(who, x, planes(x), outShape(x, oh, ow));
  }

  // ------------------------------------------------------------------ adaptive

  /**
   * Adaptive average pooling to (outH, outW): output cell i along a dimension of size In
   * averages the input bin [⌊i·In/Out⌋, ⌈(i+1)·In/Out⌉), so bins overlap when Out does not
   * divide In.
   */
  public static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
    return adaptiveAvgPool("adaptiveAvgPool2d", x, outH, outW);
  }

  static Tensor adaptiveAvgPool(String who, Tensor x, int outH, int outW) {
    if (outH <= 0 || outW <= 0) {
      throw new IllegalArgumentException(who + ": output size must be positive, got [" + outH
          + ", " + outW + "]");
    }
    int[] in = planeShape(who, x);
    PlaneMap map = PlaneMap.separable(Axis.adaptive(in[in.length - 2], outH),
        Axis.adaptive(in[in.length - 1], outW), 1.0);
    return map.apply(who, x, planes(x), outShape(x, outH, outW));
  }

  // ------------------------------------------------------------------ checks

  /** A (H, W) pair from one value or two; {@code dflt} when null or empty (-1: required). */
  static int[] pair(String who, String what, int[] v, int dflt, int min) {
    if (v == null || v.length == 0) {
      if (dflt < 0) {
        throw new IllegalArgumentException(who + ": " + what + " is required");
      }
      return new int[] {dflt, dflt};
    }
    if (v.length > 2) {
      throw new IllegalArgumentException(who + ": " + what
          + " must be one int or a pair (H, W), got " + Arrays.toString(v));
    }
    int[] r = v.length == 1 ? new int[] {v[0], v[0]} : v.clone();
    if (r[0] < min || r[1] < min) {
      throw new IllegalArgumentException(who + ": " + what + " should be "
          + (min == 0 ? "non-negative" : "greater than zero") + ", but got "
          + Arrays.toString(v));
    }
    return r;
  }

  private static void checkPadding(String who, int[] k, int[] p) {
    if (p[0] > k[0] / 2 || p[1] > k[1] / 2) {
      throw new IllegalArgumentException(who + ": pad should be at most half of kernel size, but"
          + " got pad=" + Arrays.toString(p) + " and kernel_size=" + Arrays.toString(k));
    }
  }

  private static void checkOutput(String who, Tensor x, int oh, int ow) {
    if (oh < 1 || ow < 1) {
      throw new IllegalArgumentException(who + ": given input of shape " + x.shape()
          + ", the calculated output size " + oh + "x" + ow
          + " is too small (is the kernel larger than the padded input?)");
    }
  }

  /** Checks for (N, C, H, W) or (C, H, W) with non-empty planes; returns the shape. */
  static int[] planeShape(String who, Tensor x) {
    int[] s = x.shape().toArray();
    if (s.length != 3 && s.length != 4) {
      throw new IllegalArgumentException(who + ": expected a 3-D (C, H, W) or 4-D (N, C, H, W)"
          + " input, got shape " + x.shape());
    }
    if (s[s.length - 1] == 0 || s[s.length - 2] == 0) {
      throw new IllegalArgumentException(who + ": expected non-empty H and W, got shape "
          + x.shape());
    }
    return s;
  }

  static int planes(Tensor x) {
    return x.numel() / (x.size(x.dim() - 1) * x.size(x.dim() - 2));
  }

  static int[] outShape(Tensor x, int h, int w) {
    int[] s = x.shape().toArray();
    s[s.length - 2] = h;
    s[s.length - 1] = w;
    return s;
  }
}
