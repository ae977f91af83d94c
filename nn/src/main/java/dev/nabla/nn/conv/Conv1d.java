package dev.nabla.nn.conv;

import java.util.random.RandomGenerator;

/**
 * 1-D convolution over sequences: y[n, o] = b[o] + Σ_c W[o, c] ⋆ x[n, c]. PyTorch's {@code
 * nn.Conv1d}: stride, padding (int, per side, or "same"), dilation, groups and an optional bias,
 * with the same parameter names and init (W, b ~ U(±1/√fan_in), fan_in = in/groups·k).
 *
 * <p>Shape: {@code [N, in, L]} (or {@code [in, L]}) → {@code [N, out, L_out]}, L_out = ⌊(L +
 * pad_left + pad_right − dilation·(k − 1) − 1)/stride⌋ + 1. Parameters: {@code weight [out,
 * in/groups, k]}, {@code bias [out]}.
 *
 * <pre>{@code
 * Conv1d conv = new Conv1d(16, 32, 5, ConvOptions.defaults().paddingSame(), new Rng(0));
 * Tensor y = conv.forward(Tensor.randn(rng, 4, 16, 100));        // [4, 32, 100]
 * }</pre>
 *
 * @see Conv#conv1d
 */
public final class Conv1d extends ConvLayer {

  /** A size-k convolution with PyTorch's defaults (stride 1, no padding, bias). */
  public Conv1d(int inChannels, int outChannels, int kernelSize, RandomGenerator rng) {
    this(inChannels, outChannels, kernelSize, ConvOptions.defaults(), rng);
  }

  /** A size-k convolution. */
  public Conv1d(int inChannels, int outChannels, int kernelSize, ConvOptions options,
      RandomGenerator rng) {
    super("Conv1d", 1, false, inChannels, outChannels, new int[] {kernelSize}, options, rng);
  }
}
