package dev.nabla.nn.conv;

import java.util.Arrays;

/**
 * The geometry of a convolution, shared by {@link Conv1d}, {@link Conv2d}, {@link
 * ConvTranspose2d} and the functional forms of {@link Conv}: stride, padding, dilation, groups,
 * output padding (transposed convolutions only) and whether a layer has a bias. PyTorch's
 * defaults; every change returns a new, validated record.
 *
 * <p>Each per-dimension value is given once for every spatial dimension ({@code stride(2)}) or
 * once per dimension, height first ({@code stride(2, 1)}); which of the two is checked against
 * the layer's dimensions when it is built. Padding is one of
 *
 * <ul>
 *   <li>{@link PaddingKind#SYMMETRIC}: {@code padding(1)} or {@code padding(1, 2)} (per
 *       dimension, added on both sides), PyTorch's int or tuple;
 *   <li>{@link PaddingKind#SIDES}: {@code paddingSides(top, bottom, left, right)} ({@code (left,
 *       right)} in 1-D), what {@code F.pad} followed by a convolution would do;
 *   <li>{@link PaddingKind#SAME}: {@code paddingSame()}, PyTorch's {@code padding='same'}: output
 *       size = input size, stride 1 only; a total of dilation·(kernel − 1) per dimension, the odd
 *       one extra on the bottom/right. {@code paddingValid()} is padding 0.
 * </ul>
 *
 * <pre>{@code
 * ConvOptions o = ConvOptions.defaults().stride(2).padding(1).bias(false);
 * Conv2d conv = new Conv2d(3, 16, 3, o, rng);           // [N, 3, 32, 32] -> [N, 16, 16, 16]
 * ConvOptions depthwise = ConvOptions.defaults().paddingSame().groups(16);
 * }</pre>
 *
 * @param stride step between kernel positions: one value or one per spatial dimension, ≥ 1
 * @param padding zeros added around the input (see {@code paddingKind}), ≥ 0
 * @param paddingKind how {@code padding} is read
 * @param dilation spacing between kernel taps: one value or one per dimension, ≥ 1
 * @param groups channel groups: in and out channels must both be divisible by it
 * @param outputPadding extra rows/columns on the bottom/right of a transposed convolution's
 *     output (each smaller than its stride or dilation); must be 0 for a plain convolution
 * @param bias whether a layer built with these options has a bias (the functional forms take a
 *     bias tensor, or null, instead and do not read this)
 */
public record ConvOptions(int[] stride, int[] padding, PaddingKind paddingKind, int[] dilation,
    int groups, int[] outputPadding, boolean bias) {

  /** How {@link ConvOptions#padding()} is read. */
  public enum PaddingKind {
    /** One value, or one per spatial dimension, added on both sides. */
    SYMMETRIC,
    /** Two per spatial dimension: (before, after), height first. */
    SIDES,
    /** PyTorch's {@code padding='same'} (stride 1 only); {@code padding} is empty. */
    SAME
  }

  public ConvOptions {
    stride = positive("stride", stride);
    dilation = positive("dilation", dilation);
    outputPadding = nonNegative("outputPadding", outputPadding);
    if (paddingKind == null) {
      throw new IllegalArgumentException("ConvOptions: paddingKind must not be null");
    }
    if (paddingKind == PaddingKind.SAME) {
      if (padding != null && padding.length != 0) {
        throw new IllegalArgumentException(
            "ConvOptions: padding SAME takes no amounts, got " + Arrays.toString(padding));
      }
      padding = new int[0];
    } else {
      padding = nonNegative("padding", padding);
      if (paddingKind == PaddingKind.SIDES && padding.length % 2 != 0) {
        throw new IllegalArgumentException("ConvOptions: paddingSides takes two values (before,"
            + " after) per spatial dimension, got " + Arrays.toString(padding));
      }
    }
    if (groups < 1) {
      throw new IllegalArgumentException("ConvOptions: groups must be a positive integer, got "
          + groups);
    }
  }

  /** PyTorch's defaults: stride 1, padding 0, dilation 1, groups 1, output padding 0, bias. */
  public static ConvOptions defaults() {
    return new ConvOptions(new int[] {1}, new int[] {0}, PaddingKind.SYMMETRIC, new int[] {1}, 1,
        new int[] {0}, true);
  }

  /** Stride: one value for every dimension or one per dimension (height first). */
  public ConvOptions stride(int... stride) {
    return new ConvOptions(stride, padding, paddingKind, dilation, groups, outputPadding, bias);
  }

  /** Symmetric zero padding: one value for every dimension or one per dimension. */
  public ConvOptions padding(int... padding) {
    return new ConvOptions(stride, padding, PaddingKind.SYMMETRIC, dilation, groups,
        outputPadding, bias);
  }

  /**
   * Padding per side, (before, after) for each dimension, height first: {@code (top, bottom,
   * left, right)} in 2-D, {@code (left, right)} in 1-D.
   */
  public ConvOptions paddingSides(int... beforeAfter) {
    return new ConvOptions(stride, beforeAfter, PaddingKind.SIDES, dilation, groups,
        outputPadding, bias);
  }

  /** PyTorch's {@code padding='same'}: the output has the input's size (stride 1 only). */
  public ConvOptions paddingSame() {
    return new ConvOptions(stride, new int[0], PaddingKind.SAME, dilation, groups, outputPadding,
        bias);
  }

  /** PyTorch's {@code padding='valid'}: no padding. */
  public ConvOptions paddingValid() {
    return padding(0);
  }

  /** Dilation: one value for every dimension or one per dimension. */
  public ConvOptions dilation(int... dilation) {
    return new ConvOptions(stride, padding, paddingKind, dilation, groups, outputPadding, bias);
  }

  /** Channel groups (in and out channels must be divisible by it; groups = in is depthwise). */
  public ConvOptions groups(int groups) {
    return new ConvOptions(stride, padding, paddingKind, dilation, groups, outputPadding, bias);
  }

  /** Output padding of a transposed convolution: one value or one per dimension. */
  public ConvOptions outputPadding(int... outputPadding) {
    return new ConvOptions(stride, padding, paddingKind, dilation, groups, outputPadding, bias);
  }

  /** Whether a layer built with these options has a bias. */
  public ConvOptions bias(boolean bias) {
    return new ConvOptions(stride, padding, paddingKind, dilation, groups, outputPadding, bias);
  }

  @Override public int[] stride() {
    return stride.clone();
  }

  @Override public int[] padding() {
    return padding.clone();
  }

  @Override public int[] dilation() {
    return dilation.clone();
  }

  @Override public int[] outputPadding() {
    return outputPadding.clone();
  }

  @Override public boolean equals(Object o) {
    return o instanceof ConvOptions c && Arrays.equals(stride, c.stride)
        && Arrays.equals(padding, c.padding) && paddingKind == c.paddingKind
        && Arrays.equals(dilation, c.dilation) && groups == c.groups
        && Arrays.equals(outputPadding, c.outputPadding) && bias == c.bias;
  }

  @Override public int hashCode() {
    int h = Arrays.hashCode(stride);
    h = 31 * h + Arrays.hashCode(padding);
    h = 31 * h + paddingKind.hashCode();
    h = 31 * h + Arrays.hashCode(dilation);
    h = 31 * h + groups;
    h = 31 * h + Arrays.hashCode(outputPadding);
    return 31 * h + Boolean.hashCode(bias);
  }

  @Override public String toString() {
    String pad = switch (paddingKind) {
      case SYMMETRIC -> Arrays.toString(padding);
      case SIDES -> "sides" + Arrays.toString(padding);
      case SAME -> "same";
    };
    return "ConvOptions[stride=" + Arrays.toString(stride) + ", padding=" + pad + ", dilation="
        + Arrays.toString(dilation) + ", groups=" + groups + ", outputPadding="
        + Arrays.toString(outputPadding) + ", bias=" + bias + "]";
  }

  // ------------------------------------------------------------------ resolution

  /**
   * Expands a one-or-per-dimension value to {@code dims} values (internal); {@code what} and
   * {@code label} name it in the error.
   */
  static int[] perDim(String label, String what, int[] values, int dims) {
    if (values.length == dims) {
      return values.clone();
    }
    if (values.length == 1) {
      int[] out = new int[dims];
      Arrays.fill(out, values[0]);
      return out;
    }
    throw new IllegalArgumentException(label + ": " + what + " must have 1 or " + dims
        + " values (one per spatial dimension), got " + Arrays.toString(values));
  }

  private static int[] positive(String what, int[] values) {
    check(what, values);
    for (int v : values) {
      if (v < 1) {
        throw new IllegalArgumentException(
            "ConvOptions: " + what + " must be positive, got " + Arrays.toString(values));
      }
    }
    return values.clone();
  }

  private static int[] nonNegative(String what, int[] values) {
    check(what, values);
    for (int v : values) {
      if (v < 0) {
        throw new IllegalArgumentException(
            "ConvOptions: " + what + " must be non-negative, got " + Arrays.toString(values));
      }
    }
    return values.clone();
  }

  private static void check(String what, int[] values) {
    if (values == null || values.length == 0) {
      throw new IllegalArgumentException(
          "ConvOptions: " + what + " needs at least one value, got "
              + (values == null ? "null" : "none"));
    }
  }
}
