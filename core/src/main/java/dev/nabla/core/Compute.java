package dev.nabla.core;

import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/**
 * The plain loops behind the tensor ops: no autograd here, inputs are any strided view, outputs
 * are fresh contiguous tensors. Contiguous F32/F64 inputs take direct array loops.
 */
final class Compute {
  private Compute() {}

  /** Iterates the storage positions of a strided view in row-major logical order. */
  static final class Cursor {
    private final int[] shape;
    private final int[] strides;
    private final int[] counter;
    int pos;

    Cursor(Tensor t) {
      this(t.shape.dimsUnsafe(), t.strides, t.offset);
    }

    Cursor(int[] shape, int[] strides, int offset) {
      this.shape = shape;
      this.strides = strides;
      this.counter = new int[shape.length];
      this.pos = offset;
    }

    void next() {
      for (int d = shape.length - 1; d >= 0; d--) {
        pos += strides[d];
        if (++counter[d] < shape[d]) {
          return;
        }
        pos -= strides[d] * shape[d];
        counter[d] = 0;
      }
    }
  }

  /** A view of {@code t} broadcast to {@code shape} (stride 0 on the broadcast dimensions). */
  static Tensor broadcastView(Tensor t, Shape shape) {
    if (t.shape.equals(shape)) {
      return t;
    }
    int rank = shape.rank();
    int[] dims = shape.dimsUnsafe();
    int[] strides = new int[rank];
    int shift = rank - t.dim();
    for (int i = 0; i < rank; i++) {
      int ti = i - shift;
      if (ti >= 0 && t.shape.dimsUnsafe()[ti] == dims[i]) {
        strides[i] = t.strides[ti];
      } else if (ti >= 0 && t.shape.dimsUnsafe()[ti] != 1) {
        throw new ShapeMismatchException(
            "expand: the expanded size of the tensor (" + dims[i] + ") must match the existing size ("
                + t.shape.dimsUnsafe()[ti] + ") at non-singleton dimension " + i
                + ". Target sizes: " + shape + ". Tensor sizes: " + t.shape);
      }
    }
    return new Tensor(t.storage, shape, strides, t.offset);
  }

  static Tensor map(Tensor x, DType outType, DoubleUnaryOperator f) {
    return map(x, outType, f, null);
  }

  /** {@code f} over every element; contiguous F32 → F32 runs {@code fast} when given. */
  static Tensor map(Tensor x, DType outType, DoubleUnaryOperator f, Fast.FloatLoop fast) {
    Tensor out = Tensor.empty(outType, x.shape);
    int n = x.numel();
    if (fast != null && x.isContiguous() && x.dtype() == DType.F32 && outType == DType.F32) {
      fast.run(n, ((Storage.F32) x.storage).a, x.offset, ((Storage.F32) out.storage).a, 0);
    } else if (x.isContiguous() && x.dtype() == DType.F32 && outType == DType.F32) {
      float[] a = ((Storage.F32) x.storage).a;
      float[] o = ((Storage.F32) out.storage).a;
      int off = x.offset;
      for (int i = 0; i < n; i++) {
        o[i] = (float) f.applyAsDouble(a[off + i]);
      }
    } else if (x.isContiguous() && x.dtype() == DType.F64 && outType == DType.F64) {
      double[] a = ((Storage.F64) x.storage).a;
      double[] o = ((Storage.F64) out.storage).a;
      int off = x.offset;
      for (int i = 0; i < n; i++) {
        o[i] = f.applyAsDouble(a[off + i]);
      }
    } else {
      Cursor c = new Cursor(x);
      Storage s = x.storage;
      Storage o = out.storage;
      for (int i = 0; i < n; i++, c.next()) {
        o.set(i, f.applyAsDouble(s.get(c.pos)));
      }
    }
    return out;
  }

  static Tensor zip(Tensor a, Tensor b, DType outType, DoubleBinaryOperator f) {
    Shape shape = Shape.broadcast(a.shape, b.shape);
    Tensor out = Tensor.empty(outType, shape);
    int n = shape.numel();
    boolean same = a.shape.equals(b.shape) && a.isContiguous() && b.isContiguous();
    if (same && a.dtype() == DType.F32 && b.dtype() == DType.F32 && outType == DType.F32) {
      float[] x = ((Storage.F32) a.storage).a;
      float[] y = ((Storage.F32) b.storage).a;
      float[] o = ((Storage.F32) out.storage).a;
      int ox = a.offset;
      int oy = b.offset;
      for (int i = 0; i < n; i++) {
        o[i] = (float) f.applyAsDouble(x[ox + i], y[oy + i]);
      }
    } else if (same && a.dtype() == DType.F64 && b.dtype() == DType.F64 && outType == DType.F64) {
      double[] x = ((Storage.F64) a.storage).a;
      double[] y = ((Storage.F64) b.storage).a;
      double[] o = ((Storage.F64) out.storage).a;
      int ox = a.offset;
      int oy = b.offset;
      for (int i = 0; i < n; i++) {
        o[i] = f.applyAsDouble(x[ox + i], y[oy + i]);
      }
    } else {
      Cursor ca = new Cursor(broadcastView(a, shape));
      Cursor cb = new Cursor(broadcastView(b, shape));
      Storage sa = a.storage;
      Storage sb = b.storage;
      Storage o = out.storage;
      for (int i = 0; i < n; i++, ca.next(), cb.next()) {
        o.set(i, f.applyAsDouble(sa.get(ca.pos), sb.get(cb.pos)));
      }
    }
    return out;
  }

  /** {@code cond ? a : b} elementwise, broadcasting all three. */
  static Tensor where(Tensor cond, Tensor a, Tensor b, DType outType) {
    Shape shape = Shape.broadcast(Shape.broadcast(cond.shape, a.shape), b.shape);
    Tensor out = Tensor.empty(outType, shape);
    int n = shape.numel();
    Cursor cc = new Cursor(broadcastView(cond, shape));
    Cursor ca = new Cursor(broadcastView(a, shape));
    Cursor cb = new Cursor(broadcastView(b, shape));
    Storage o = out.storage;
    for (int i = 0; i < n; i++, cc.next(), ca.next(), cb.next()) {
      o.set(i, cond.storage.get(cc.pos) != 0 ? a.storage.get(ca.pos) : b.storage.get(cb.pos));
    }
    return out;
  }

  /** A contiguous copy of {@code x} in {@code outType}. */
  static Tensor copy(Tensor x, DType outType) {
    Tensor out = Tensor.empty(outType, x.shape);
    copyInto(out, x);
    return out;
  }

  /** Writes {@code src} (broadcast to {@code dst}'s shape) into the view {@code dst}. */
  static void copyInto(Tensor dst, Tensor src) {
    int n = dst.numel();
    Tensor s = broadcastView(src, dst.shape);
    if (dst.isContiguous() && s.isContiguous() && dst.dtype() == s.dtype()) {
      System.arraycopy(s.storage.array(), s.offset, dst.storage.array(), dst.offset, n);
      return;
    }
    int rank = dst.dim();
    if (rank > 0 && n > 0 && dst.dtype() == s.dtype()) {
      int len = dst.shape.dimsUnsafe()[rank - 1];
      int ds = dst.strides[rank - 1];
      int ss = s.strides[rank - 1];
      if (len > 1 && (ds == 1 && (ss == 1 || ss == 0) || (ds == 1 || ss == 1) && len >= 8)) {
        copyRows(dst, s, len, ds, ss);
        return;
      }
    }
    Cursor cd = new Cursor(dst);
    Cursor cs = new Cursor(s);
    boolean longs = dst.dtype() == DType.I64 || s.dtype() == DType.I64;
    for (int i = 0; i < n; i++, cd.next(), cs.next()) {
      if (longs) {
        dst.storage.setLong(cd.pos, s.storage.getLong(cs.pos));
      } else {
        dst.storage.set(cd.pos, s.storage.get(cs.pos));
      }
    }
  }

  /**
   * Row-wise copy between views of one dtype: the outer dimensions are walked with cursors and
   * each innermost row moves with {@code System.arraycopy} (both unit-stride), a fill (broadcast
   * source) or a strided primitive loop, instead of one virtual get/set per element.
   */
  private static void copyRows(Tensor dst, Tensor s, int len, int ds, int ss) {
    int rank = dst.dim();
    int[] outer = java.util.Arrays.copyOf(dst.shape.dimsUnsafe(), rank - 1);
    Cursor cd = new Cursor(outer, java.util.Arrays.copyOf(dst.strides, rank - 1), dst.offset);
    Cursor cs = new Cursor(outer, java.util.Arrays.copyOf(s.strides, rank - 1), s.offset);
    int rows = dst.numel() / len;
    Object da = dst.storage.array();
    Object sa = s.storage.array();
    for (int r = 0; r < rows; r++, cd.next(), cs.next()) {
      int d0 = cd.pos;
      int s0 = cs.pos;
      if (ds == 1 && ss == 1) {
        System.arraycopy(sa, s0, da, d0, len);
      } else if (da instanceof float[] df) {
        float[] sf = (float[]) sa;
        for (int j = 0; j < len; j++) {
          df[d0 + j * ds] = sf[s0 + j * ss];
        }
      } else if (da instanceof double[] dd) {
        double[] sd = (double[]) sa;
        for (int j = 0; j < len; j++) {
          dd[d0 + j * ds] = sd[s0 + j * ss];
        }
      } else if (da instanceof int[] di) {
        int[] si = (int[]) sa;
        for (int j = 0; j < len; j++) {
          di[d0 + j * ds] = si[s0 + j * ss];
        }
      } else if (da instanceof long[] dl) {
        long[] sl = (long[]) sa;
        for (int j = 0; j < len; j++) {
          dl[d0 + j * ds] = sl[s0 + j * ss];
        }
      } else {
        byte[] db = (byte[]) da;
        byte[] sb = (byte[]) sa;
        for (int j = 0; j < len; j++) {
          db[d0 + j * ds] = sb[s0 + j * ss];
        }
      }
    }
  }

  /** Adds {@code src} (same shape) into the view {@code dst}. */
  static void addInto(Tensor dst, Tensor src, double alpha) {
    int n = dst.numel();
    Tensor s = broadcastView(src, dst.shape);
    Cursor cd = new Cursor(dst);
    Cursor cs = new Cursor(s);
    for (int i = 0; i < n; i++, cd.next(), cs.next()) {
      dst.storage.set(cd.pos, dst.storage.get(cd.pos) + alpha * s.storage.get(cs.pos));
    }
  }

  /** Reads every element of {@code x} in logical order as doubles. */
  static double[] toDoubles(Tensor x) {
    int n = x.numel();
    double[] out = new double[n];
    Cursor c = new Cursor(x);
    for (int i = 0; i < n; i++, c.next()) {
      out[i] = x.storage.get(c.pos);
    }
    return out;
  }

  /** Reads every element of {@code x} in logical order as longs. */
  static long[] toLongs(Tensor x) {
    int n = x.numel();
    long[] out = new long[n];
    Cursor c = new Cursor(x);
    for (int i = 0; i < n; i++, c.next()) {
      out[i] = x.storage.getLong(c.pos);
    }
    return out;
  }

  /**
   * Moves the dimensions in {@code reduced} to the end and copies, so each output element's
   * inputs form one contiguous row. Returns the copy; rows have length {@code numel / outNumel}.
   */
  static Tensor rowsOver(Tensor x, boolean[] reduced, DType type) {
    int rank = x.dim();
    int[] perm = new int[rank];
    int k = 0;
    for (int d = 0; d < rank; d++) {
      if (!reduced[d]) {
        perm[k++] = d;
      }
    }
    for (int d = 0; d < rank; d++) {
      if (reduced[d]) {
        perm[k++] = d;
      }
    }
    return copy(x.permuteView(perm), type);
  }

  /** Batched matrix product of contiguous {@code [B, M, K]} and {@code [B, K, N]} tensors. */
  static Tensor bmm(Tensor a, Tensor b) {
    int batch = a.size(0);
    int m = a.size(1);
    int k = a.size(2);
    int n = b.size(2);
    Tensor out = Tensor.empty(a.dtype(), Shape.of(batch, m, n));
    if (a.dtype() == DType.F32) {
      float[] x = ((Storage.F32) a.storage).a;
      float[] y = ((Storage.F32) b.storage).a;
      float[] o = ((Storage.F32) out.storage).a;
      for (int p = 0; p < batch; p++) {
        int xa = a.offset + p * m * k;
        int yb = b.offset + p * k * n;
        int oc = p * m * n;
        for (int i = 0; i < m; i++) {
          int orow = oc + i * n;
          for (int l = 0; l < k; l++) {
            float av = x[xa + i * k + l];
            int yrow = yb + l * n;
            for (int j = 0; j < n; j++) {
              o[orow + j] += av * y[yrow + j];
            }
          }
        }
      }
    } else {
      double[] x = ((Storage.F64) a.storage).a;
      double[] y = ((Storage.F64) b.storage).a;
      double[] o = ((Storage.F64) out.storage).a;
      for (int p = 0; p < batch; p++) {
        int xa = a.offset + p * m * k;
        int yb = b.offset + p * k * n;
        int oc = p * m * n;
        for (int i = 0; i < m; i++) {
          int orow = oc + i * n;
          for (int l = 0; l < k; l++) {
            double av = x[xa + i * k + l];
            int yrow = yb + l * n;
            for (int j = 0; j < n; j++) {
              o[orow + j] += av * y[yrow + j];
            }
          }
        }
      }
    }
    return out;
  }
}
