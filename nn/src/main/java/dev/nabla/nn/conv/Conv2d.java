package dev.nabla.nn.conv;

import java.util.random.RandomGenerator;

/**
 * 2-D convolution (cross-correlation, as in every framework): y[n, o] = b[o] + Σ_c W[o, c] ⋆
 * x[n, c], over the channels c of o's group. PyTorch's {@code nn.Conv2d}: stride, padding (int,
 * per dimension, per side, or "same"), dilation, groups (depthwise when groups = in) and an
 * optional bias, with the same parameter names and init — W, b ~ U(±1/√fan_in), fan_in =
 * in/groups·kH·kW.
 *
 * <p>Shape: {@code [N, in, H, W]} (or {@code [in, H, W]}) → {@code [N, out, H_out, W_out]} with
 * H_out = ⌊(H + pad_top + pad_bottom − dilation·(kH − 1) − 1)/stride⌋ + 1 (likewise W_out).
 * Parameters: {@code weight [out, in/groups, kH, kW]}, {@code bias [out]}.
 *
 * <pre>{@code
 * Conv2d conv = new Conv2d(3, 8, 3, ConvOptions.defaults().padding(1), new Rng(0));
 * Tensor y = conv.forward(Tensor.randn(rng, 2, 3, 32, 32));     // [2, 8, 32, 32]
 * }</pre>
 *
 * @see Conv#conv2d
 */
public final class Conv2d extends ConvLayer {

  /** A k×k convolution with PyTorch's defaults (stride 1, no padding, bias). */
  public Conv2d(int inChannels, int outChannels, int kernelSize, RandomGenerator rng) {
    this(inChannels, outChannels, new int[] {kernelSize}, ConvOptions.defaults(), rng);
  }

  /** A k×k convolution. */
  public Conv2d(int inChannels, int outChannels, int kernelSize, ConvOptions options,
      RandomGenerator rng) {
    this(inChannels, outChannels, new int[] {kernelSize}, options, rng);
  }

  /** A kH×kW convolution ({@code kernelSize} = {kH, kW}, or one value for both). */
  public Conv2d(int inChannels, int outChannels, int[] kernelSize, ConvOptions options,
      RandomGenerator rng) {
    super("Conv2d", 2, false, inChannels, outChannels, kernelSize, options, rng);
  }
}
