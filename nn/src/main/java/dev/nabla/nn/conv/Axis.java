package dev.nabla.nn.conv;

/**
 * A one-dimensional resampling rule: output position {@code o} reads input positions
 * {@code index[start[o]] … index[start[o+1]-1]} with the matching weights. Pooling windows,
 * adaptive bins, nearest and bilinear source indices are all such rules along H and along W; a
 * 2-D map is their outer product ({@link PlaneMap#separable}).
 */
final class Axis {
  final int inSize;
  final int outSize;
  final int[] start;
  final int[] index;
  final double[] weight;

  private Axis(int inSize, int outSize, int[] start, int[] index, double[] weight) {
    this.inSize = inSize;
    this.outSize = outSize;
    this.start = start;
    this.index = index;
    this.weight = weight;
  }

  /** Collects entries output by output. */
  private static final class Builder {
    final int inSize;
    final int outSize;
    final int[] start;
    int[] index = new int[16];
    double[] weight = new double[16];
    int n;
    int o;

    Builder(int inSize, int outSize) {
      this.inSize = inSize;
      this.outSize = outSize;
      this.start = new int[outSize + 1];
    }

    void add(int i, double w) {
      if (n == index.length) {
        index = java.util.Arrays.copyOf(index, 2 * n);
        weight = java.util.Arrays.copyOf(weight, 2 * n);
      }
      index[n] = i;
      weight[n++] = w;
    }

    void next() {
      start[++o] = n;
    }

    Axis build() {
      return new Axis(inSize, outSize, start, java.util.Arrays.copyOf(index, n),
          java.util.Arrays.copyOf(weight, n));
    }
  }

  /**
   * torch's pooling output size: ⌊(in + 2p − d(k−1) − 1 + (ceil ? s−1 : 0)) / s⌋ + 1, and in ceil
   * mode the last window must start inside the input or the left padding.
   */
  static int poolOutputSize(int in, int k, int s, int p, int d, boolean ceilMode) {
    long num = (long) in + 2L * p - (long) d * (k - 1) - 1 + (ceilMode ? s - 1 : 0);
    long out = Math.floorDiv(num, s) + 1;
    if (ceilMode && (out - 1) * s >= in + p) {
      out--;
    }
    return (int) out;
  }

  /**
   * Max-pool windows: positions o·s − p + j·d (j &lt; k) that fall inside the input, in order.
   * Weights are unused (1).
   */
  static Axis maxPool(int in, int out, int k, int s, int p, int d) {
    Builder b = new Builder(in, out);
    for (int o = 0; o < out; o++) {
      int first = o * s - p;
      for (int j = 0; j < k; j++) {
        int i = first + j * d;
        if (i >= 0 && i < in) {
          b.add(i, 1.0);
        }
      }
      b.next();
    }
    return b.build();
  }

  /**
   * Average-pool windows as torch computes them: the window [o·s − p, min(o·s − p + k, in + p))
   * is clipped to the input; its weight is 1/count with count the clipped length, or the
   * unclipped one (padding included) when {@code countIncludePad}. {@code divisorOverride}
   * replaces the divisor on this axis when {@code unitDivisor} (the caller applies it once).
   */
  static Axis avgPool(int in, int out, int k, int s, int p, boolean countIncludePad,
      boolean unitDivisor) {
    Builder b = new Builder(in, out);
    for (int o = 0; o < out; o++) {
      int lo = o * s - p;
      int hi = Math.min(lo + k, in + p);
      int poolSize = hi - lo;
      lo = Math.max(lo, 0);
      hi = Math.min(hi, in);
      if (lo < hi) {
        double w = unitDivisor ? 1.0 : 1.0 / (countIncludePad ? poolSize : hi - lo);
        for (int i = lo; i < hi; i++) {
          b.add(i, w);
        }
      }
      b.next();
    }
    return b.build();
  }

  /** Adaptive bins [⌊o·in/out⌋, ⌈(o+1)·in/out⌉), each averaged. */
  static Axis adaptive(int in, int out) {
    Builder b = new Builder(in, out);
    for (int o = 0; o < out; o++) {
      int lo = (int) ((long) o * in / out);
      int hi = (int) (((long) (o + 1) * in + out - 1) / out);
      double w = 1.0 / (hi - lo);
      for (int i = lo; i < hi; i++) {
        b.add(i, w);
      }
      b.next();
    }
    return b.build();
  }

  /**
   * torch 1.13's legacy nearest rule: the identity when out = in, o/2 when out = 2·in, else
   * min(⌊o·scale⌋, in − 1) in float arithmetic, scale = 1/scaleFactor when one was given, else
   * in/out.
   */
  static Axis nearest(int in, int out, double scaleFactor) {
    Builder b = new Builder(in, out);
    float scale = scaleFactor > 0 ? (float) (1.0 / scaleFactor) : (float) in / out;
    for (int o = 0; o < out; o++) {
      int i;
      if (out == in) {
        i = o;
      } else if (out == 2 * in) {
        i = o >> 1;
      } else {
        i = Math.min((int) Math.floor((float) o * scale), in - 1);
      }
      b.add(i, 1.0);
      b.next();
    }
    return b.build();
  }

  /**
   * torch's linear source index: with align corners src = o·(in−1)/(out−1); otherwise the
   * half-pixel rule src = max((o + ½)·scale − ½, 0) with scale = 1/scaleFactor when one was
   * given, else in/out. Reads i0 = ⌊src⌋ and i1 = min(i0 + 1, in − 1) with weights 1 − λ, λ.
   */
  static Axis linear(int in, int out, boolean alignCorners, double scaleFactor) {
    Builder b = new Builder(in, out);
    double scale;
    if (alignCorners) {
      scale = out > 1 ? (double) (in - 1) / (out - 1) : 0.0;
    } else {
      scale = scaleFactor > 0 ? 1.0 / scaleFactor : (double) in / out;
    }
    for (int o = 0; o < out; o++) {
      if (out == in) {
        b.add(o, 1.0);
        b.add(o, 0.0);
      } else {
        double src = alignCorners ? scale * o : Math.max(scale * (o + 0.5) - 0.5, 0.0);
        int i0 = Math.min((int) src, in - 1);
        int i1 = i0 + (i0 < in - 1 ? 1 : 0);
        double lambda = src - i0;
        b.add(i0, 1.0 - lambda);
        b.add(i1, lambda);
      }
      b.next();
    }
    return b.build();
  }
}
