package dev.nabla.core;

/** Loops for index-based ops (gather/scatter, index select, cat, triangles). */
final class Indexing {
  private Indexing() {}

  static void checkIndexType(String op, Tensor index) {
    if (!index.dtype().isIntegral()) {
      throw new IllegalArgumentException(
          op + ": expected an I64 or I32 index tensor, got " + index.dtype());
    }
  }

  private static int checkedIndex(String op, long v, int size, int dim) {
    long r = v < 0 ? v + size : v;
    if (r < 0 || r >= size) {
      throw new IndexOutOfBoundsException(
          op + ": index " + v + " is out of bounds for dimension " + dim + " with size " + size);
    }
    return (int) r;
  }

  static Tensor indexSelect(Tensor x, int dim, Tensor index) {
    checkIndexType("indexSelect", index);
    if (index.dim() > 1) {
      throw new IllegalArgumentException(
          "indexSelect: index must be 0-D or 1-D, got shape " + index.shape());
    }
    long[] idx = Compute.toLongs(index);
    int[] dims = x.shape().toArray();
    int size = dims[dim];
    dims[dim] = idx.length;
    Tensor out = Tensor.empty(x.dtype(), Shape.of(dims));
    for (int i = 0; i < idx.length; i++) {
      int src = checkedIndex("indexSelect", idx[i], size, dim);
      Compute.copyInto(out.sliceView(dim, i, i + 1, 1), x.sliceView(dim, src, src + 1, 1));
    }
    return out;
  }

  /** dst.narrow(dim, index[i], 1) += src.narrow(dim, i, 1) for each i. */
  static void indexAddInto(Tensor dst, int dim, Tensor index, Tensor src) {
    long[] idx = Compute.toLongs(index);
    int size = dst.size(dim);
    for (int i = 0; i < idx.length; i++) {
      int at = checkedIndex("indexAdd", idx[i], size, dim);
      Compute.addInto(dst.sliceView(dim, at, at + 1, 1), src.sliceView(dim, i, i + 1, 1), 1.0);
    }
  }

  private static void checkGatherShapes(String op, Tensor x, int dim, Tensor index) {
    checkIndexType(op, index);
    if (index.dim() != x.dim()) {
      throw new ShapeMismatchException(
          op + ": index tensor must have the same number of dimensions as the input tensor"
              + " (index " + index.shape() + ", input " + x.shape() + ")");
    }
    for (int d = 0; d < x.dim(); d++) {
      if (d != dim && index.size(d) > x.size(d)) {
        throw new ShapeMismatchException(
            op + ": size does not match at dimension " + d + " expected index " + index.shape()
                + " to be no larger than " + x.shape() + " apart from dimension " + dim);
      }
    }
  }

  /** out[i][j][k] = x[i][index[i][j][k]][k] (for dim 1), out shaped like index. */
  static Tensor gather(Tensor x, int dim, Tensor index) {
    checkGatherShapes("gather", x, dim, index);
    Tensor out = Tensor.empty(x.dtype(), index.shape());
    int n = index.numel();
    int rank = index.dim();
    int[] counter = new int[rank];
    int[] ishape = index.shape().toArray();
    long[] idx = Compute.toLongs(index);
    int size = x.size(dim);
    for (int i = 0; i < n; i++) {
      int pos = x.offset;
      for (int d = 0; d < rank; d++) {
        int c = d == dim ? checkedIndex("gather", idx[i], size, dim) : counter[d];
        pos += c * x.strides[d];
      }
      if (x.dtype() == DType.I64) {
        out.storage.setLong(i, x.storage.getLong(pos));
      } else {
        out.storage.set(i, x.storage.get(pos));
      }
      increment(counter, ishape);
    }
    return out;
  }

  /** dst[i][index[i][j][k]][k] += src[i][j][k] (for dim 1); dst is modified in place. */
  static void scatterAddInto(Tensor dst, int dim, Tensor index, Tensor src) {
    checkGatherShapes("scatterAdd", dst, dim, index);
    for (int d = 0; d < index.dim(); d++) {
      if (index.size(d) > src.size(d)) {
        throw new ShapeMismatchException(
            "scatterAdd: expected index " + index.shape() + " to be no larger than src "
                + src.shape() + " in every dimension");
      }
    }
    int n = index.numel();
    int rank = index.dim();
    int[] counter = new int[rank];
    int[] ishape = index.shape().toArray();
    long[] idx = Compute.toLongs(index);
    int size = dst.size(dim);
    for (int i = 0; i < n; i++) {
      int pos = dst.offset;
      int spos = src.offset;
      for (int d = 0; d < rank; d++) {
        int c = d == dim ? checkedIndex("scatterAdd", idx[i], size, dim) : counter[d];
        pos += c * dst.strides[d];
        spos += counter[d] * src.strides[d];
      }
      dst.storage.set(pos, dst.storage.get(pos) + src.storage.get(spos));
      increment(counter, ishape);
    }
  }

  private static void increment(int[] counter, int[] shape) {
    for (int d = shape.length - 1; d >= 0; d--) {
      if (++counter[d] < shape[d]) {
        return;
      }
      counter[d] = 0;
    }
  }

  static Tensor cat(Tensor[] in, int dim) {
    Tensor first = in[0];
    int[] dims = first.shape().toArray();
    int total = 0;
    DType t = first.dtype();
    for (int i = 0; i < in.length; i++) {
      Tensor x = in[i];
      if (x.dim() != first.dim()) {
        throw new ShapeMismatchException(
            "cat: tensors must have the same number of dimensions: got " + first.dim() + " and "
                + x.dim() + " (tensor " + i + ")");
      }
      for (int d = 0; d < x.dim(); d++) {
        if (d != dim && x.size(d) != first.size(d)) {
          throw new ShapeMismatchException(
              "cat: sizes of tensors must match except in dimension " + dim + ". Expected size "
                  + first.size(d) + " but got size " + x.size(d) + " for tensor number " + i
                  + " in the list (shapes " + first.shape() + " and " + x.shape() + ")");
        }
      }
      total += x.size(dim);
      t = DType.promote(t, x.dtype());
    }
    dims[dim] = total;
    Tensor out = Tensor.empty(t, Shape.of(dims));
    int at = 0;
    for (Tensor x : in) {
      int len = x.size(dim);
      Compute.copyInto(out.sliceView(dim, at, at + len, 1), x);
      at += len;
    }
    return out;
  }

  /** Copy of {@code x} keeping j − i ≤ diagonal (lower) or j − i ≥ diagonal (upper). */
  static Tensor triangle(Tensor x, int diagonal, boolean upper) {
    Tensor out = Compute.copy(x, x.dtype());
    int rows = x.size(-2);
    int cols = x.size(-1);
    int mats = rows * cols == 0 ? 0 : out.numel() / (rows * cols);
    for (int m = 0; m < mats; m++) {
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          boolean keep = upper ? j - i >= diagonal : j - i <= diagonal;
          if (!keep) {
            out.storage.set(m * rows * cols + i * cols + j, 0);
          }
        }
      }
    }
    return out;
  }
}
