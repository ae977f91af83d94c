package dev.nabla.nn.conv;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;

/**
 * The backing array of a contiguous F32 or F64 tensor, read and written as doubles. The pooling,
 * norm and upsampling kernels are written once against it: F32 values widen exactly to double,
 * the arithmetic runs in double and results round once on the way back, so the F32 path differs
 * from the F64 path (the one GradCheck verifies) only by that final rounding.
 */
final class PlaneData {
  final float[] f;
  final double[] d;
  final int off;

  private PlaneData(float[] f, double[] d, int off) {
    this.f = f;
    this.d = d;
    this.off = off;
  }

  /** Reads {@code t} (F32 without a copy when contiguous; F64 as a copy). */
  static PlaneData of(Tensor t, String who) {
    if (t.dtype() == DType.F32) {
      Tensor c = t.contiguous();
      return new PlaneData(c.dataF32(), null, c.storageOffset());
    }
    if (t.dtype() == DType.F64) {
      return new PlaneData(null, t.toDoubleArray(), 0);
    }
    throw new UnsupportedOperationException(
        who + ": expected a F32 or F64 tensor, got " + t.dtype() + " of shape " + t.shape());
  }

  /** A zeroed buffer of {@code n} elements of {@code dtype} (F32 or F64). */
  static PlaneData allocate(DType dtype, int n) {
    return dtype == DType.F64 ? new PlaneData(null, new double[n], 0)
        : new PlaneData(new float[n], null, 0);
  }

  /** Null for a null tensor (an absent weight or bias). */
  static PlaneData ofNullable(Tensor t, String who) {
    return t == null ? null : of(t, who);
  }

  double get(int i) {
    return f != null ? f[off + i] : d[off + i];
  }

  void set(int i, double v) {
    if (f != null) {
      f[off + i] = (float) v;
    } else {
      d[off + i] = v;
    }
  }

  void add(int i, double v) {
    if (f != null) {
      f[off + i] += (float) v;
    } else {
      d[off + i] += v;
    }
  }

  /** Wraps a buffer made by {@link #allocate} as a tensor of {@code shape}. */
  Tensor tensor(int... shape) {
    return f != null ? Tensor.wrap(f, shape) : Tensor.wrap(d, shape);
  }

  /** Rough number of elements per parallel chunk: fixed, so chunking ignores thread count. */
  static final int CHUNK_WORK = 1 << 15;

  /** Items per chunk when each item costs {@code workPerItem} element operations. */
  static int chunk(long workPerItem) {
    return (int) Math.max(1, CHUNK_WORK / Math.max(1, workPerItem));
  }
}
