package dev.nabla.core;

import dev.nabla.core.internal.kernel.BinaryOp;
import dev.nabla.core.internal.kernel.Kernels;
import dev.nabla.core.internal.kernel.UnaryOp;

/**
 * Routes F32 tensor ops to the kernel layer when the layout allows (contiguous operands, common
 * broadcast patterns, matrices that are plain or transposed views). Every method returns null
 * when no fast path applies; the caller then runs the generic strided loop.
 */
final class Fast {
  private Fast() {}

  /** A contiguous float loop: y[yOff + i] = f(x[xOff + i]) for i &lt; n. */
  @FunctionalInterface
  interface FloatLoop {
    void run(int n, float[] x, int xOff, float[] y, int yOff);
  }

  static FloatLoop unary(UnaryOp op) {
    return (n, x, xOff, y, yOff) -> Kernels.get().unary(op, n, x, xOff, y, yOff);
  }

  /** y = x op s, with s rounded to float first (PyTorch computes float ops in float). */
  static FloatLoop scalar(BinaryOp op, double s) {
    float v = (float) s;
    return (n, x, xOff, y, yOff) -> Kernels.get().binaryScalar(op, n, x, xOff, v, y, yOff);
  }

  private static float[] data(Tensor t) {
    return ((Storage.F32) t.storage).a;
  }

  private static boolean f32(Tensor t) {
    return t.dtype() == DType.F32;
  }

  // ------------------------------------------------------------------ elementwise

  /** a op b for F32 operands in the layouts the kernels cover. */
  static Tensor zip(Tensor a, Tensor b, Shape out, BinaryOp op) {
    if (op == null || !f32(a) || !f32(b) || !a.isContiguous() || !b.isContiguous()) {
      return null;
    }
    Kernels k = Kernels.get();
    int n = out.numel();
    if (a.shape.equals(b.shape)) {
      Tensor y = Tensor.empty(DType.F32, out);
      k.binary(op, n, data(a), a.offset, data(b), b.offset, data(y), 0);
      return y;
    }
    if (a.shape.equals(out) && b.numel() == 1) {
      Tensor y = Tensor.empty(DType.F32, out);
      k.binaryScalar(op, n, data(a), a.offset, data(b)[b.offset], data(y), 0);
      return y;
    }
    boolean commutes = op == BinaryOp.ADD || op == BinaryOp.MUL || op == BinaryOp.MAX
        || op == BinaryOp.MIN;
    if (commutes && b.shape.equals(out) && a.numel() == 1) {
      Tensor y = Tensor.empty(DType.F32, out);
      k.binaryScalar(op, n, data(b), b.offset, data(a)[a.offset], data(y), 0);
      return y;
    }
    // a bias-like operand: its shape is a suffix of the output's, repeated over the leading rows
    if (a.shape.equals(out) && isSuffix(b.shape, out)) {
      int len = b.numel();
      if (len == 0) {
        return null;
      }
      Tensor y = Tensor.empty(DType.F32, out);
      float[] ya = data(y);
      for (int r = 0; r < n / len; r++) {
        k.binary(op, len, data(a), a.offset + r * len, data(b), b.offset, ya, r * len);
      }
      return y;
    }
    return null;
  }

  /** True when {@code s} (leading 1s ignored) equals the trailing dimensions of {@code out}. */
  private static boolean isSuffix(Shape s, Shape out) {
    int[] d = s.dimsUnsafe();
    int first = 0;
    while (first < d.length && d[first] == 1) {
      first++;
    }
    int len = d.length - first;
    if (len == 0 || len > out.rank()) {
      return false;
    }
    int[] o = out.dimsUnsafe();
    for (int i = 0; i < len; i++) {
      if (d[first + i] != o[o.length - len + i]) {
        return false;
      }
    }
    return true;
  }

  // ------------------------------------------------------------------ reductions

  /** Sum over a suffix of the dimensions (per-row sums) or a prefix (column sums). */
  static Tensor sum(Tensor x, boolean[] reduce, boolean keepDim) {
    if (!f32(x) || !x.isContiguous() || x.numel() == 0) {
      return null;
    }
    int rank = reduce.length;
    int split = 0; // reduce[0..split) == !suffix ...
    while (split < rank && !reduce[split]) {
      split++;
    }
    boolean suffix = true;
    for (int d = split; d < rank; d++) {
      suffix &= reduce[d];
    }
    int prefixEnd = 0;
    while (prefixEnd < rank && reduce[prefixEnd]) {
      prefixEnd++;
    }
    boolean prefix = prefixEnd > 0;
    for (int d = prefixEnd; d < rank; d++) {
      prefix &= !reduce[d];
    }
    Shape outShape = Reductions.outShape(x.shape, reduce, keepDim);
    Tensor y = Tensor.empty(DType.F32, outShape);
    float[] ya = data(y);
    float[] xa = data(x);
    Kernels k = Kernels.get();
    int outN = outShape.numel();
    if (suffix) {
      int len = x.numel() / outN;
      for (int r = 0; r < outN; r++) {
        ya[r] = k.sum(len, xa, x.offset + r * len);
      }
      return y;
    }
    if (prefix) {
      int rows = x.numel() / outN;
      for (int r = 0; r < rows; r++) {
        k.axpy(outN, 1f, xa, x.offset + r * outN, ya, 0);
      }
      return y;
    }
    return null;
  }

  /** Softmax / log-softmax over the last dimension of a contiguous F32 tensor. */
  static Tensor softmax(Tensor x, int dim, boolean log) {
    if (!f32(x) || !x.isContiguous() || x.dim() == 0 || dim != x.dim() - 1) {
      return null;
    }
    int cols = x.size(dim);
    int rows = cols == 0 ? 0 : x.numel() / cols;
    Tensor y = Tensor.empty(DType.F32, x.shape);
    Kernels.get().softmaxRows(rows, cols, data(x), x.offset, data(y), 0, log);
    return y;
  }

  // ------------------------------------------------------------------ matmul

  /** How one operand's trailing matrix sits in memory. */
  private record Layout(boolean trans, int ld) {}

  /** Plain (row stride ld, unit column stride) or transposed; null if neither. */
  private static Layout layout(Tensor t) {
    int r = t.dim();
    int rows = t.size(r - 2);
    int cols = t.size(r - 1);
    int sr = t.strides[r - 2];
    int sc = t.strides[r - 1];
    if ((sc == 1 || cols <= 1) && (sr >= Math.max(1, cols) || rows <= 1)) {
      return new Layout(false, rows <= 1 ? Math.max(1, cols) : sr);
    }
    if ((sr == 1 || rows <= 1) && (sc >= Math.max(1, rows) || cols <= 1)) {
      return new Layout(true, cols <= 1 ? Math.max(1, rows) : sc);
    }
    return null;
  }

  /**
   * Batched matrix product of F32 operands of rank ≥ 2 whose batch dimensions broadcast to
   * {@code batch}; returns a contiguous {@code [batch..., m, n]} tensor.
   */
  static Tensor matmul(Tensor a, Tensor b, Shape batch) {
    if (!f32(a) || !f32(b)) {
      return null;
    }
    Tensor aa = layout(a) == null ? Compute.copy(a, DType.F32) : a;
    Tensor bb = layout(b) == null ? Compute.copy(b, DType.F32) : b;
    Layout la = layout(aa);
    Layout lb = layout(bb);
    int m = aa.size(-2);
    int kk = aa.size(-1);
    int n = bb.size(-1);
    int[] outDims = new int[batch.rank() + 2];
    System.arraycopy(batch.dimsUnsafe(), 0, outDims, 0, batch.rank());
    outDims[batch.rank()] = m;
    outDims[batch.rank() + 1] = n;
    Tensor y = Tensor.empty(DType.F32, Shape.of(outDims));
    int count = batch.numel();
    if (y.numel() == 0) {
      return y;
    }
    Kernels k = Kernels.get();
    float[] ya = data(y);
    // A batch of row blocks times one matrix is a single taller GEMM (the Linear layer case).
    if (bb.dim() == 2 && !la.trans() && rowsFold(aa, la.ld())) {
      k.gemm(false, lb.trans(), count * m, n, kk, 1f, data(aa), aa.offset, la.ld(), data(bb),
          bb.offset, lb.ld(), 0f, ya, 0, n);
      return y;
    }
    int[] offA = batchOffsets(aa, batch);
    int[] offB = batchOffsets(bb, batch);
    int strideA = uniformStride(offA);
    int strideB = uniformStride(offB);
    if (strideA != Integer.MIN_VALUE && strideB != Integer.MIN_VALUE) {
      k.gemmBatched(count, la.trans(), lb.trans(), m, n, kk, 1f, data(aa), offA[0], strideA,
          la.ld(), data(bb), offB[0], strideB, lb.ld(), 0f, ya, 0, m * n, n);
    } else {
      for (int p = 0; p < count; p++) {
        k.gemm(la.trans(), lb.trans(), m, n, kk, 1f, data(aa), offA[p], la.ld(), data(bb),
            offB[p], lb.ld(), 0f, ya, p * m * n, n);
      }
    }
    return y;
  }

  /** True when the batch dimensions and the rows of {@code a} form one evenly strided block. */
  private static boolean rowsFold(Tensor a, int ld) {
    int expected = ld;
    for (int d = a.dim() - 2; d >= 0; d--) {
      if (a.size(d) != 1 && a.strides[d] != expected) {
        return false;
      }
      expected *= a.size(d);
    }
    return true;
  }

  /** Storage offset of each batch element's matrix (broadcast dimensions repeat). */
  private static int[] batchOffsets(Tensor t, Shape batch) {
    int count = batch.numel();
    int[] offsets = new int[count];
    int rank = batch.rank();
    int shift = rank - (t.dim() - 2);
    int[] strides = new int[rank];
    for (int i = 0; i < rank; i++) {
      int ti = i - shift;
      strides[i] = ti >= 0 && t.size(ti) != 1 ? t.strides[ti] : 0;
    }
    Compute.Cursor c = new Compute.Cursor(batch.dimsUnsafe(), strides, t.offset);
    for (int p = 0; p < count; p++, c.next()) {
      offsets[p] = c.pos;
    }
    return offsets;
  }

  private static int uniformStride(int[] offsets) {
    if (offsets.length == 1) {
      return 0;
    }
    int s = offsets[1] - offsets[0];
    for (int i = 2; i < offsets.length; i++) {
      if (offsets[i] - offsets[i - 1] != s) {
        return Integer.MIN_VALUE;
      }
    }
    return s;
  }
}
