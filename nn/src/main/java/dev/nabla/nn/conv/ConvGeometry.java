package dev.nabla.nn.conv;

import dev.nabla.core.Shape;
import java.util.Arrays;

/**
 * A convolution resolved for one input shape (internal). It relates an image side A {@code [n,
 * ca, ha, wa]} and a column side B {@code [n, cb, hb, wb]} through a weight {@code [cb, ca/groups,
 * kh, kw]}: B = W ⊛ A, where B(hb, wb) reads A at rows {@code hb·sh − pt + i·dh} and columns
 * {@code wb·sw − pl + j·dw} for the kernel tap (i, j).
 *
 * <p>A convolution maps its input (A) to its output (B); a transposed convolution is the adjoint
 * map, from its input (B) to its output (A), with the same weight layout, which is why PyTorch
 * stores a transposed weight as {@code [in, out/groups, kH, kW]}. 1-D convolutions are the case
 * {@code ha = hb = kh = 1}.
 */
final class ConvGeometry {
  final int dims;
  final boolean transposed;
  final int n;
  final int groups;
  final int ca;
  final int ha;
  final int wa;
  final int cb;
  final int hb;
  final int wb;
  final int kh;
  final int kw;
  final int sh;
  final int sw;
  final int pt;
  final int pl;
  final int dh;
  final int dw;

  ConvGeometry(int dims, boolean transposed, int n, int groups, int ca, int ha, int wa, int cb,
      int hb, int wb, int kh, int kw, int sh, int sw, int pt, int pl, int dh, int dw) {
    this.dims = dims;
    this.transposed = transposed;
    this.n = n;
    this.groups = groups;
    this.ca = ca;
    this.ha = ha;
    this.wa = wa;
    this.cb = cb;
    this.hb = hb;
    this.wb = wb;
    this.kh = kh;
    this.kw = kw;
    this.sh = sh;
    this.sw = sw;
    this.pt = pt;
    this.pl = pl;
    this.dh = dh;
    this.dw = dw;
  }

  /** Image-side channels per group. */
  int cag() {
    return ca / groups;
  }

  /** Column-side channels per group. */
  int cbg() {
    return cb / groups;
  }

  /** Rows of one group's column matrix: (ca/groups)·kh·kw. */
  int kg() {
    return ca / groups * kh * kw;
  }

  /** Pixels per image on the image side. */
  int la() {
    return ha * wa;
  }

  /** Pixels per image on the column side (columns of the column matrix). */
  int lb() {
    return hb * wb;
  }

  /** True when the column matrix of A is A itself (1×1 kernel, stride 1, no padding). */
  boolean identityColumns() {
    return kh == 1 && kw == 1 && sh == 1 && sw == 1 && pt == 0 && pl == 0 && ha == hb
        && wa == wb;
  }

  /** The shape of the layer's output (batched). */
  int[] outputShape() {
    return transposed ? shape(ca, ha, wa) : shape(cb, hb, wb);
  }

  private int[] shape(int c, int h, int w) {
    return dims == 1 ? new int[] {n, c, w} : new int[] {n, c, h, w};
  }

  // ================================================================== resolution

  /**
   * Resolves a (transposed) convolution of a batched input {@code x} with a weight of shape
   * {@code w}. {@code outputSize} (transposed only; may be null) picks the output padding as
   * PyTorch's {@code output_size}. Every rule failure names {@code label} and the shapes.
   */
  static ConvGeometry resolve(String label, int dims, boolean transposed, Shape x, Shape w,
      ConvOptions o, int[] outputSize) {
    String wLayout = transposed
        ? (dims == 1 ? "[in, out/groups, kW]" : "[in, out/groups, kH, kW]")
        : (dims == 1 ? "[out, in/groups, kW]" : "[out, in/groups, kH, kW]");
    if (w.rank() != dims + 2) {
      throw new IllegalArgumentException(label + ": expected a " + (dims + 2) + "-D weight "
          + wLayout + ", got " + w);
    }
    if (x.rank() != dims + 2) {
      throw new IllegalArgumentException(label + ": expected a " + (dims + 1) + "-D (unbatched)"
          + " or " + (dims + 2) + "-D (batched) input, got " + x);
    }
    int groups = o.groups();
    int w0 = w.dim(0);
    int w1 = w.dim(1);
    int cin = x.dim(1);
    int ca;
    int cb;
    if (!transposed) {
      if (w0 % groups != 0) {
        throw new IllegalArgumentException(label + ": out channels " + w0 + " (weight " + w
            + ") must be divisible by groups " + groups);
      }
      if (cin != w1 * groups) {
        throw new IllegalArgumentException(label + ": expected input with " + w1 * groups
            + " channels (weight " + w + ", groups " + groups + "), got " + x);
      }
      ca = cin;
      cb = w0;
    } else {
      if (w0 % groups != 0) {
        throw new IllegalArgumentException(label + ": in channels " + w0 + " (weight " + w
            + ") must be divisible by groups " + groups);
      }
      if (cin != w0) {
        throw new IllegalArgumentException(label + ": expected input with " + w0
            + " channels (weight " + w + ", groups " + groups + "), got " + x);
      }
      ca = w1 * groups;
      cb = cin;
    }
    int[] kernel = new int[dims];
    int[] in = new int[dims];
    for (int d = 0; d < dims; d++) {
      kernel[d] = w.dim(2 + d);
      in[d] = x.dim(2 + d);
      if (kernel[d] < 1) {
        throw new IllegalArgumentException(label + ": kernel sizes must be positive, got weight "
            + w);
      }
    }
    int[] stride = ConvOptions.perDim(label, "stride", o.stride(), dims);
    int[] dilation = ConvOptions.perDim(label, "dilation", o.dilation(), dims);
    int[] outPad = ConvOptions.perDim(label, "outputPadding", o.outputPadding(), dims);
    int[] before = new int[dims];
    int[] after = new int[dims];
    switch (o.paddingKind()) {
      case SYMMETRIC -> {
        int[] p = ConvOptions.perDim(label, "padding", o.padding(), dims);
        before = p;
        after = p.clone();
      }
      case SIDES -> {
        int[] p = o.padding();
        if (p.length != 2 * dims) {
          throw new IllegalArgumentException(label + ": paddingSides needs " + 2 * dims
              + " values (before, after per spatial dimension), got " + Arrays.toString(p));
        }
        for (int d = 0; d < dims; d++) {
          before[d] = p[2 * d];
          after[d] = p[2 * d + 1];
        }
      }
      case SAME -> {
        if (transposed) {
          throw new IllegalArgumentException(label
              + ": padding 'same' is not supported for transposed convolutions");
        }
        for (int d = 0; d < dims; d++) {
          if (stride[d] != 1) {
            throw new IllegalArgumentException(label + ": padding 'same' is not supported for"
                + " strided convolutions, got stride " + Arrays.toString(stride));
          }
          int total = dilation[d] * (kernel[d] - 1);
          before[d] = total / 2;
          after[d] = total - before[d];
        }
      }
    }
    int[] out = new int[dims];
    if (!transposed) {
      for (int d = 0; d < dims; d++) {
        if (outPad[d] != 0) {
          throw new IllegalArgumentException(label + ": outputPadding applies to transposed"
              + " convolutions only, got " + Arrays.toString(outPad));
        }
        long padded = (long) in[d] + before[d] + after[d];
        long span = (long) dilation[d] * (kernel[d] - 1) + 1;
        if (padded < span) {
          throw new IllegalArgumentException(label + ": kernel size " + Arrays.toString(kernel)
              + (span != kernel[d] ? " (dilated " + Arrays.toString(dilated(kernel, dilation))
              + ")" : "") + " is larger than the padded input " + Arrays.toString(
              padded(in, before, after)) + " of input " + x);
        }
        out[d] = Math.toIntExact((padded - span) / stride[d] + 1);
      }
    } else {
      if (outputSize != null) {
        outPad = outputPaddingFor(label, x, in, kernel, stride, before, after, dilation,
            outputSize);
      }
      for (int d = 0; d < dims; d++) {
        if (outPad[d] >= stride[d] && outPad[d] >= dilation[d]) {
          throw new IllegalArgumentException(label + ": output padding must be smaller than"
              + " either stride or dilation, got outputPadding " + Arrays.toString(outPad)
              + ", stride " + Arrays.toString(stride) + ", dilation "
              + Arrays.toString(dilation));
        }
      }
      boolean bad = false;
      for (int d = 0; d < dims; d++) {
        long size = ((long) in[d] - 1) * stride[d] - before[d] - after[d]
            + (long) dilation[d] * (kernel[d] - 1) + outPad[d] + 1;
        if (size < 1 || size > Integer.MAX_VALUE) {
          bad = true;
        }
        out[d] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, size));
      }
      if (bad) {
        throw new IllegalArgumentException(label + ": the output size " + Arrays.toString(out)
            + " is not positive for input " + x + " (kernel " + Arrays.toString(kernel)
            + ", stride " + Arrays.toString(stride) + ", padding " + Arrays.toString(before)
            + "/" + Arrays.toString(after) + ", dilation " + Arrays.toString(dilation) + ")");
      }
    }
    int n = x.dim(0);
    // the first spatial dimension of a 2-D convolution is the height; 1-D has height 1
    int h = dims - 1;
    int kh = dims == 2 ? kernel[0] : 1;
    int sh = dims == 2 ? stride[0] : 1;
    int pt = dims == 2 ? before[0] : 0;
    int dh = dims == 2 ? dilation[0] : 1;
    int inH = dims == 2 ? in[0] : 1;
    int outH = dims == 2 ? out[0] : 1;
    if (!transposed) {
      return new ConvGeometry(dims, false, n, groups, ca, inH, in[h], cb, outH, out[h], kh,
          kernel[h], sh, stride[h], pt, before[h], dh, dilation[h]);
    }
    return new ConvGeometry(dims, true, n, groups, ca, outH, out[h], cb, inH, in[h], kh,
        kernel[h], sh, stride[h], pt, before[h], dh, dilation[h]);
  }

  /** PyTorch's {@code _output_padding}: the output padding that gives {@code outputSize}. */
  private static int[] outputPaddingFor(String label, Shape x, int[] in, int[] kernel,
      int[] stride, int[] before, int[] after, int[] dilation, int[] outputSize) {
    int dims = in.length;
    int[] size = outputSize;
    if (size.length == dims + 2) {
      size = Arrays.copyOfRange(size, 2, size.length);
    }
    if (size.length != dims) {
      throw new IllegalArgumentException(label + ": outputSize must have " + dims + " or "
          + (dims + 2) + " elements (got " + outputSize.length + ": "
          + Arrays.toString(outputSize) + ")");
    }
    int[] pad = new int[dims];
    for (int d = 0; d < dims; d++) {
      long min = ((long) in[d] - 1) * stride[d] - before[d] - after[d]
          + (long) dilation[d] * (kernel[d] - 1) + 1;
      long max = min + stride[d] - 1;
      if (size[d] < min || size[d] > max) {
        throw new IllegalArgumentException(label + ": requested an output size of "
            + Arrays.toString(size) + ", but valid sizes for input " + x + " range from "
            + Arrays.toString(range(in, kernel, stride, before, after, dilation, 0)) + " to "
            + Arrays.toString(range(in, kernel, stride, before, after, dilation, 1)));
      }
      pad[d] = (int) (size[d] - min);
    }
    return pad;
  }

  private static long[] range(int[] in, int[] kernel, int[] stride, int[] before, int[] after,
      int[] dilation, int which) {
    long[] r = new long[in.length];
    for (int d = 0; d < in.length; d++) {
      r[d] = ((long) in[d] - 1) * stride[d] - before[d] - after[d]
          + (long) dilation[d] * (kernel[d] - 1) + 1 + (which == 1 ? stride[d] - 1 : 0);
    }
    return r;
  }

  private static int[] dilated(int[] kernel, int[] dilation) {
    int[] r = new int[kernel.length];
    for (int d = 0; d < kernel.length; d++) {
      r[d] = dilation[d] * (kernel[d] - 1) + 1;
    }
    return r;
  }

  private static long[] padded(int[] in, int[] before, int[] after) {
    long[] r = new long[in.length];
    for (int d = 0; d < in.length; d++) {
      r[d] = (long) in[d] + before[d] + after[d];
    }
    return r;
  }
}
