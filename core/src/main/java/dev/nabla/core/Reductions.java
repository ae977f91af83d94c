package dev.nabla.core;

/** Reduction loops: each output element reduces one contiguous row of a permuted copy. */
final class Reductions {
  private Reductions() {}

  /** The input shape with reduced dimensions set to 1. */
  static Shape keptShape(Shape in, boolean[] reduce) {
    int[] d = in.toArray();
    for (int i = 0; i < d.length; i++) {
      if (reduce[i]) {
        d[i] = 1;
      }
    }
    return Shape.of(d);
  }

  /** The input shape with reduced dimensions removed. */
  static Shape droppedShape(Shape in, boolean[] reduce) {
    int n = 0;
    for (int i = 0; i < reduce.length; i++) {
      if (!reduce[i]) {
        n++;
      }
    }
    int[] d = new int[n];
    int k = 0;
    for (int i = 0; i < reduce.length; i++) {
      if (!reduce[i]) {
        d[k++] = in.dim(i);
      }
    }
    return Shape.of(d);
  }

  static Shape outShape(Shape in, boolean[] reduce, boolean keepDim) {
    return keepDim ? keptShape(in, reduce) : droppedShape(in, reduce);
  }

  /** Sum; integer and bool inputs sum to I64 (as PyTorch). Floats accumulate in double. */
  static Tensor sum(Tensor x, boolean[] reduce, boolean keepDim) {
    Tensor fast = Fast.sum(x, reduce, keepDim);
    if (fast != null) {
      return fast;
    }
    Shape shape = outShape(x.shape(), reduce, keepDim);
    DType t = x.dtype().isFloatingPoint() ? x.dtype() : DType.I64;
    Tensor out = Tensor.empty(t, shape);
    int outN = shape.numel();
    if (outN == 0) {
      return out;
    }
    if (t == DType.I64) {
      long[] rows = Compute.toLongs(Compute.rowsOver(x, reduce, DType.I64));
      int len = rows.length / outN;
      for (int i = 0; i < outN; i++) {
        long s = 0;
        for (int j = 0; j < len; j++) {
          s += rows[i * len + j];
        }
        out.storage.setLong(i, s);
      }
      return out;
    }
    Tensor rows = Compute.rowsOver(x, reduce, DType.F64);
    double[] r = ((Storage.F64) rows.storage).a;
    int len = r.length / outN;
    for (int i = 0; i < outN; i++) {
      double s = 0;
      int base = i * len;
      for (int j = 0; j < len; j++) {
        s += r[base + j];
      }
      out.storage.set(i, s);
    }
    return out;
  }

  /**
   * Max (or min) over the reduced dimensions; NaN wins, as in PyTorch. When {@code indices} is not
   * null it receives the position of the first extreme element within each row.
   */
  static Tensor extreme(Tensor x, boolean[] reduce, boolean keepDim, boolean max, long[] indices) {
    Shape shape = outShape(x.shape(), reduce, keepDim);
    int outN = shape.numel();
    Tensor out = Tensor.empty(x.dtype(), shape);
    if (outN == 0) {
      return out;
    }
    Tensor rows = Compute.rowsOver(x, reduce, x.dtype() == DType.I64 ? DType.I64 : DType.F64);
    int len = rows.numel() / outN;
    if (len == 0) {
      throw new IllegalArgumentException(
          (max ? "max" : "min") + ": cannot reduce over a zero-size dimension of shape "
              + x.shape());
    }
    for (int i = 0; i < outN; i++) {
      int base = i * len;
      int best = 0;
      double bv = rows.storage.get(base);
      for (int j = 1; j < len && !Double.isNaN(bv); j++) {
        double v = rows.storage.get(base + j);
        if (Double.isNaN(v) || (max ? v > bv : v < bv)) {
          bv = v;
          best = j;
        }
      }
      if (x.dtype() == DType.I64) {
        out.storage.setLong(i, rows.storage.getLong(base + best));
      } else {
        out.storage.set(i, bv);
      }
      if (indices != null) {
        indices[i] = best;
      }
    }
    return out;
  }

  /** Softmax or log-softmax along {@code dim}, computed stably (max subtracted). */
  static Tensor softmax(Tensor x, int dim, boolean log) {
    Tensor fast = Fast.softmax(x, dim, log);
    if (fast != null) {
      return fast;
    }
    int last = x.dim() - 1;
    Tensor moved = Compute.copy(x.transposeView(dim, last), x.dtype());
    int len = x.dim() == 0 ? 1 : x.size(dim);
    int rows = len == 0 ? 0 : moved.numel() / len;
    Storage s = moved.storage;
    for (int r = 0; r < rows; r++) {
      int base = r * len;
      double m = Double.NEGATIVE_INFINITY;
      for (int j = 0; j < len; j++) {
        m = Math.max(m, s.get(base + j));
      }
      if (m == Double.NEGATIVE_INFINITY) {
        m = 0; // a fully masked row: exp(-inf - 0) = 0, the sum is 0 and the result NaN, as torch
      }
      double sum = 0;
      for (int j = 0; j < len; j++) {
        sum += Math.exp(s.get(base + j) - m);
      }
      if (log) {
        double lse = m + Math.log(sum);
        for (int j = 0; j < len; j++) {
          s.set(base + j, s.get(base + j) - lse);
        }
      } else {
        for (int j = 0; j < len; j++) {
          s.set(base + j, Math.exp(s.get(base + j) - m) / sum);
        }
      }
    }
    return Compute.copy(moved.transposeView(dim, last), x.dtype());
  }

  /** Running sum along {@code dim}; integer inputs accumulate to I64. */
  static Tensor cumsum(Tensor x, int dim) {
    int last = x.dim() - 1;
    DType t = x.dtype().isFloatingPoint() ? x.dtype() : DType.I64;
    Tensor moved = Compute.copy(x.transposeView(dim, last), t);
    int len = x.dim() == 0 ? 1 : x.size(dim);
    int rows = len == 0 ? 0 : moved.numel() / len;
    Storage s = moved.storage;
    for (int r = 0; r < rows; r++) {
      int base = r * len;
      if (t == DType.I64) {
        long acc = 0;
        for (int j = 0; j < len; j++) {
          acc += s.getLong(base + j);
          s.setLong(base + j, acc);
        }
      } else {
        double acc = 0;
        for (int j = 0; j < len; j++) {
          acc += s.get(base + j);
          s.set(base + j, acc);
        }
      }
    }
    return Compute.copy(moved.transposeView(dim, last), t);
  }
}
