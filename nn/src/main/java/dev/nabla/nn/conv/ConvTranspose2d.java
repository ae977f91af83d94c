package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import java.util.random.RandomGenerator;

/**
 * 2-D transposed convolution, the learned upsampler: the adjoint (gradient) of a {@link Conv2d}
 * with the same geometry, each input pixel scattering a weighted kernel into the output. PyTorch's
 * {@code nn.ConvTranspose2d}: stride, padding, output padding (each smaller than its stride or
 * dilation), dilation, groups and an optional bias, with its parameter names and init (W, b ~
 * U(±1/√fan_in), fan_in = out/groups·kH·kW as PyTorch computes it from the weight's shape).
 *
 * <p>Shape: {@code [N, in, H, W]} (or {@code [in, H, W]}) → {@code [N, out, H_out, W_out]} with
 * H_out = (H − 1)·stride − pad_top − pad_bottom + dilation·(kH − 1) + output_padding + 1.
 * Parameters: {@code weight [in, out/groups, kH, kW]}, {@code bias [out]}.
 *
 * <pre>{@code
 * var up = new ConvTranspose2d(64, 32, 4, ConvOptions.defaults().stride(2).padding(1), rng);
 * Tensor y = up.forward(Tensor.randn(rng, 16, 64, 32, 32));      // [16, 32, 64, 64]
 * }</pre>
 *
 * @see Conv#convTranspose2d
 */
public final class ConvTranspose2d extends ConvLayer {

  /** A k×k transposed convolution with PyTorch's defaults (stride 1, no padding, bias). */
  public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, RandomGenerator rng) {
    this(inChannels, outChannels, new int[] {kernelSize}, ConvOptions.defaults(), rng);
  }

  /** A k×k transposed convolution. */
  public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, ConvOptions options,
      RandomGenerator rng) {
    this(inChannels, outChannels, new int[] {kernelSize}, options, rng);
  }

  /** A kH×kW transposed convolution ({@code kernelSize} = {kH, kW}, or one value for both). */
  public ConvTranspose2d(int inChannels, int outChannels, int[] kernelSize, ConvOptions options,
      RandomGenerator rng) {
    super("ConvTranspose2d", 2, true, inChannels, outChannels, kernelSize, options, rng);
  }

  /**
   * The output with size {@code outputSize} ({@code [H, W]} or {@code [N, C, H, W]}): the output
   * padding is chosen for it as in PyTorch's {@code forward(input, output_size)}, which resolves
   * the ambiguity of strided transposed convolutions (several input sizes give the same
   * convolution output size).
   */
  public Tensor forward(Tensor x, int... outputSize) {
    return convolve(x, outputSize);
  }
}
