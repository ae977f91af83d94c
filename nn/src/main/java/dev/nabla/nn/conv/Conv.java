package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;

/**
 * Convolutions as functions of tensors, PyTorch's {@code F.conv1d}, {@code F.conv2d} and {@code
 * F.conv_transpose2d}: the layers {@link Conv1d}, {@link Conv2d} and {@link ConvTranspose2d} call
 * these with their parameters. Inputs are batched ({@code [N, C, L]} / {@code [N, C, H, W]}) or
 * unbatched (without N); the geometry comes from {@link ConvOptions} (whose {@code bias} flag is
 * not read here: pass a bias tensor or null). Each call is one differentiable op: F32 through
 * im2col and the kernel layer's GEMM, F64 through direct loops (for GradCheck).
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(rng, 2, 3, 8, 8);
 * Tensor w = Tensor.randn(rng, 4, 3, 3, 3);                // [out, in/groups, kH, kW]
 * Tensor y = Conv.conv2d(x, w, null, ConvOptions.defaults().padding(1));   // [2, 4, 8, 8]
 * }</pre>
 */
public final class Conv {
  private Conv() {}

  /**
   * 1-D convolution. Shapes: x {@code [N, in, L]} or {@code [in, L]}, weight {@code [out,
   * in/groups, k]}, bias {@code [out]} or null → {@code [N, out, L_out]}, L_out = ⌊(L + pads −
   * d·(k − 1) − 1)/s⌋ + 1.
   */
  public static Tensor conv1d(Tensor x, Tensor weight, Tensor bias, ConvOptions options) {
    return apply("conv1d", 1, false, x, weight, bias, options, null);
  }

  /** {@link #conv1d(Tensor, Tensor, Tensor, ConvOptions)} with PyTorch's defaults. */
  public static Tensor conv1d(Tensor x, Tensor weight, Tensor bias) {
    return conv1d(x, weight, bias, ConvOptions.defaults());
  }

  /**
   * 2-D convolution. Shapes: x {@code [N, in, H, W]} or {@code [in, H, W]}, weight {@code [out,
   * in/groups, kH, kW]}, bias {@code [out]} or null → {@code [N, out, H_out, W_out]}, H_out =
   * ⌊(H + pads − dH·(kH − 1) − 1)/sH⌋ + 1 (likewise W_out).
   */
  public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias, ConvOptions options) {
    return apply("conv2d", 2, false, x, weight, bias, options, null);
  }

  /** {@link #conv2d(Tensor, Tensor, Tensor, ConvOptions)} with PyTorch's defaults. */
  public static Tensor conv2d(Tensor x, Tensor weight, Tensor bias) {
    return conv2d(x, weight, bias, ConvOptions.defaults());
  }

  /**
   * 2-D transposed convolution (the adjoint of {@link #conv2d}, "deconvolution"). Shapes: x
   * {@code [N, in, H, W]} or {@code [in, H, W]}, weight {@code [in, out/groups, kH, kW]}, bias
   * {@code [out]} or null → {@code [N, out, H_out, W_out]}, H_out = (H − 1)·sH − pads + dH·(kH −
   * 1) + outputPadding + 1.
   */
  public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias,
      ConvOptions options) {
    return apply("conv_transpose2d", 2, true, x, weight, bias, options, null);
  }

  /**
   * {@link #convTranspose2d(Tensor, Tensor, Tensor, ConvOptions)} with the output padding chosen
   * so that the output has {@code outputSize} ({@code [H, W]}, or a full {@code [N, C, H, W]}),
   * as PyTorch's {@code output_size}: each size must lie between the size without output padding
   * and that plus stride − 1. The options' output padding is then ignored.
   */
  public static Tensor convTranspose2d(Tensor x, Tensor weight, Tensor bias, ConvOptions options,
      int... outputSize) {
    return apply("conv_transpose2d", 2, true, x, weight, bias, options, outputSize);
  }

  /** The shared path of the functions and the layers; {@code label} names the caller in errors. */
  static Tensor apply(String label, int dims, boolean transposed, Tensor x, Tensor weight,
      Tensor bias, ConvOptions options, int[] outputSize) {
    if (x == null || weight == null || options == null) {
      throw new IllegalArgumentException(label + ": input, weight and options must not be null");
    }
    if (!x.dtype().isFloatingPoint()) {
      throw new UnsupportedOperationException(label + ": expected a floating-point input, got "
          + x.dtype() + " of shape " + x.shape());
    }
    if (weight.dtype() != x.dtype() || (bias != null && bias.dtype() != x.dtype())) {
      throw new IllegalArgumentException(label + ": input type (" + x.dtype()
          + ") and weight type (" + weight.dtype() + ")" + (bias == null ? ""
          : " and bias type (" + bias.dtype() + ")") + " should be the same");
    }
    boolean unbatched = x.dim() == dims + 1;
    Tensor xb = unbatched ? x.unsqueeze(0) : x;
    ConvGeometry g = ConvGeometry.resolve(label, dims, transposed, xb.shape(), weight.shape(),
        options, outputSize);
    int outChannels = transposed ? g.ca : g.cb;
    if (bias != null && (bias.dim() != 1 || bias.size(0) != outChannels)) {
      throw new IllegalArgumentException(label + ": expected a bias of shape [" + outChannels
          + "], got " + bias.shape());
    }
    Tensor y = new ConvOp(g).apply(xb, weight, bias);
    return unbatched ? y.squeeze(0) : y;
  }
}
