package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Parameter;
import dev.nabla.nn.init.Init;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * What {@link Conv1d}, {@link Conv2d} and {@link ConvTranspose2d} share (internal): the
 * validated configuration, the {@code weight} and optional {@code bias} parameters with
 * PyTorch's default init, the input checks and the call into {@link Conv}.
 */
abstract sealed class ConvLayer extends Layer permits Conv1d, Conv2d, ConvTranspose2d {
  private final int dims;
  private final boolean transposed;
  private final int inChannels;
  private final int outChannels;
  private final int[] kernelSize;
  private final ConvOptions options;
  private final Parameter weight;
  private final Parameter bias;
  private final String label;

  ConvLayer(String kind, int dims, boolean transposed, int inChannels, int outChannels,
      int[] kernelSize, ConvOptions options, RandomGenerator rng) {
    if (kernelSize == null || options == null) {
      throw new IllegalArgumentException(kind + ": kernel size and options must not be null");
    }
    this.label = kind + "(in=" + inChannels + ", out=" + outChannels + ", kernel="
        + Arrays.toString(kernelSize.length == 1 ? ConvOptions.perDim(kind, "kernel size",
            kernelSize, dims) : kernelSize) + ")";
    this.dims = dims;
    this.transposed = transposed;
    this.inChannels = inChannels;
    this.outChannels = outChannels;
    this.kernelSize = ConvOptions.perDim(label, "kernel size", kernelSize, dims);
    this.options = options;
    if (inChannels < 1 || outChannels < 1) {
      throw new IllegalArgumentException(label + ": channel counts must be positive");
    }
    for (int k : this.kernelSize) {
      if (k < 1) {
        throw new IllegalArgumentException(label + ": kernel sizes must be positive, got "
            + Arrays.toString(kernelSize));
      }
    }
    int groups = options.groups();
    if (inChannels % groups != 0) {
      throw new IllegalArgumentException(label + ": in channels " + inChannels
          + " must be divisible by groups " + groups);
    }
    if (outChannels % groups != 0) {
      throw new IllegalArgumentException(label + ": out channels " + outChannels
          + " must be divisible by groups " + groups);
    }
    int[] stride = ConvOptions.perDim(label, "stride", options.stride(), dims);
    int[] dilation = ConvOptions.perDim(label, "dilation", options.dilation(), dims);
    int[] outPad = ConvOptions.perDim(label, "outputPadding", options.outputPadding(), dims);
    switch (options.paddingKind()) {
      case SYMMETRIC -> ConvOptions.perDim(label, "padding", options.padding(), dims);
      case SIDES -> {
        if (options.padding().length != 2 * dims) {
          throw new IllegalArgumentException(label + ": paddingSides needs " + 2 * dims
              + " values (before, after per spatial dimension), got "
              + Arrays.toString(options.padding()));
        }
      }
      case SAME -> {
        if (transposed) {
          throw new IllegalArgumentException(label
              + ": padding 'same' is not supported for transposed convolutions");
        }
        for (int s : stride) {
          if (s != 1) {
            throw new IllegalArgumentException(label + ": padding 'same' is not supported for"
                + " strided convolutions, got stride " + Arrays.toString(stride));
          }
        }
      }
    }
    for (int d = 0; d < dims; d++) {
      if (!transposed && outPad[d] != 0) {
        throw new IllegalArgumentException(label + ": outputPadding applies to transposed"
            + " convolutions only, got " + Arrays.toString(outPad));
      }
      if (transposed && outPad[d] >= stride[d] && outPad[d] >= dilation[d]) {
        throw new IllegalArgumentException(label + ": output padding must be smaller than either"
            + " stride or dilation, got outputPadding " + Arrays.toString(outPad) + ", stride "
            + Arrays.toString(stride) + ", dilation " + Arrays.toString(dilation));
      }
    }

    // weight [out, in/groups, *k] or, transposed, [in, out/groups, *k]; PyTorch's reset_parameters
    int[] shape = new int[dims + 2];
    shape[0] = transposed ? inChannels : outChannels;
    shape[1] = (transposed ? outChannels : inChannels) / groups;
    System.arraycopy(this.kernelSize, 0, shape, 2, dims);
    Tensor w = Tensor.zeros(shape);
    Init.kaimingUniform(rng, w, Math.sqrt(5), Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU);
    this.weight = registerParameter("weight", w);
    if (options.bias()) {
      int fanIn = Init.fans(shape).fanIn();
      double bound = 1 / Math.sqrt(fanIn);
      this.bias = registerParameter("bias",
          Init.uniform(rng, Tensor.zeros(outChannels), -bound, bound));
    } else {
      this.bias = null;
    }
  }

  /** Applies the layer to {@code [N, C, *spatial]} or unbatched {@code [C, *spatial]}. */
  @Override public Tensor forward(Tensor x) {
    return convolve(x, null);
  }

  final Tensor convolve(Tensor x, int[] outputSize) {
    if (x == null) {
      throw new IllegalArgumentException(label + ": input must not be null");
    }
    if (x.dim() != dims + 1 && x.dim() != dims + 2) {
      throw new IllegalArgumentException(label + ": expected a " + (dims + 1) + "-D (unbatched)"
          + " or " + (dims + 2) + "-D (batched) input, got " + x.shape());
    }
    int c = x.size(x.dim() - dims - 1);
    if (c != inChannels) {
      throw new IllegalArgumentException(label + ": expected input with " + inChannels
          + " channels, got " + x.shape());
    }
    return Conv.apply(label, dims, transposed, x, weight, bias, options, outputSize);
  }

  public final int inChannels() {
    return inChannels;
  }

  public final int outChannels() {
    return outChannels;
  }

  /** The kernel size, one value per spatial dimension. */
  public final int[] kernelSize() {
    return kernelSize.clone();
  }

  /** The geometry this layer was built with. */
  public final ConvOptions options() {
    return options;
  }

  /** The weight: {@code [out, in/groups, *kernel]}, transposed {@code [in, out/groups, *kernel]}. */
  public final Parameter weight() {
    return weight;
  }

  /** The bias {@code [out]}, or null when the layer has none. */
  public final Parameter bias() {
    return bias;
  }

  @Override protected final String extraRepr() {
    StringBuilder s = new StringBuilder();
    s.append(inChannels).append(", ").append(outChannels).append(", kernel_size=")
        .append(tuple(kernelSize));
    s.append(", stride=").append(tuple(ConvOptions.perDim(label, "stride", options.stride(),
        dims)));
    switch (options.paddingKind()) {
      case SAME -> s.append(", padding=same");
      case SIDES -> s.append(", padding=").append(tuple(options.padding()));
      case SYMMETRIC -> {
        int[] p = ConvOptions.perDim(label, "padding", options.padding(), dims);
        if (Arrays.stream(p).anyMatch(v -> v != 0)) {
          s.append(", padding=").append(tuple(p));
        }
      }
    }
    int[] d = ConvOptions.perDim(label, "dilation", options.dilation(), dims);
    if (Arrays.stream(d).anyMatch(v -> v != 1)) {
      s.append(", dilation=").append(tuple(d));
    }
    int[] op = ConvOptions.perDim(label, "outputPadding", options.outputPadding(), dims);
    if (Arrays.stream(op).anyMatch(v -> v != 0)) {
      s.append(", output_padding=").append(tuple(op));
    }
    if (options.groups() != 1) {
      s.append(", groups=").append(options.groups());
    }
    if (bias == null) {
      s.append(", bias=False");
    }
    return s.toString();
  }

  private static String tuple(int[] v) {
    StringBuilder s = new StringBuilder("(");
    for (int i = 0; i < v.length; i++) {
      s.append(i > 0 ? ", " : "").append(v[i]);
    }
    return s.append(v.length == 1 ? ",)" : ")").toString();
  }
}
