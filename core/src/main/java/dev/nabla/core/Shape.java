package dev.nabla.core;

import java.util.Arrays;

/** An immutable list of dimension sizes, e.g. {@code [8, 64]}. A scalar has rank 0. */
public final class Shape {
  private static final Shape SCALAR = new Shape(new int[0]);

  private final int[] dims;
  private final int numel;

  private Shape(int[] dims) {
    long n = 1;
    for (int d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("Shape: negative dimension in " + Arrays.toString(dims));
      }
      n *= d;
      if (n > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            "Shape: " + Arrays.toString(dims) + " has more than 2^31-1 elements");
      }
    }
    this.dims = dims;
    this.numel = (int) n;
  }

  /** The shape with these sizes (copied). */
  public static Shape of(int... dims) {
    return dims.length == 0 ? SCALAR : new Shape(dims.clone());
  }

  /** The rank-0 shape of a scalar. */
  public static Shape scalar() {
    return SCALAR;
  }

  /** Number of dimensions. */
  public int rank() {
    return dims.length;
  }

  /** Size of dimension {@code d}; negative {@code d} counts from the end. */
  public int dim(int d) {
    return dims[normalize(d)];
  }

  /** Product of the sizes (1 for a scalar). */
  public int numel() {
    return numel;
  }

  /** A copy of the sizes. */
  public int[] toArray() {
    return dims.clone();
  }

  /** Maps a possibly negative dimension index into {@code [0, rank)}, or throws. */
  public int normalize(int d) {
    if (d < -dims.length || d >= dims.length) {
      throw new IndexOutOfBoundsException(
          "Dimension out of range (expected to be in range of [" + (-dims.length) + ", "
              + (dims.length - 1) + "], but got " + d + ") for shape " + this);
    }
    return normalizeDim(d, dims.length);
  }

  static int normalizeDim(int d, int rank) {
    int r = d < 0 ? d + rank : d;
    if (r < 0 || r >= rank) {
      throw new IndexOutOfBoundsException(
          "Dimension out of range (expected to be in range of [" + (-rank) + ", " + (rank - 1)
              + "], but got " + d + ")");
    }
    return r;
  }

  /** Row-major (C order) strides for this shape. */
  public int[] contiguousStrides() {
    int[] s = new int[dims.length];
    int acc = 1;
    for (int i = dims.length - 1; i >= 0; i--) {
      s[i] = acc;
      acc *= Math.max(dims[i], 1);
    }
    return s;
  }

  /**
   * The broadcast shape of {@code a} and {@code b} (NumPy rules: align trailing dimensions;
   * sizes must be equal or one of them 1).
   */
  public static Shape broadcast(Shape a, Shape b) {
    if (a.equals(b)) {
      return a;
    }
    int rank = Math.max(a.rank(), b.rank());
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int ai = i - (rank - a.rank());
      int bi = i - (rank - b.rank());
      int da = ai >= 0 ? a.dims[ai] : 1;
      int db = bi >= 0 ? b.dims[bi] : 1;
      if (da != db && da != 1 && db != 1) {
        throw new ShapeMismatchException(
            "The size of tensor a (" + da + ") must match the size of tensor b (" + db
                + ") at non-singleton dimension " + i);
      }
      out[i] = da == 1 ? db : da;
    }
    return new Shape(out);
  }

  /** Package-private access to the sizes without a copy; callers must not modify it. */
  int[] dimsUnsafe() {
    return dims;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Shape s && Arrays.equals(dims, s.dims);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(dims);
  }

  /** Prints like {@code [8, 64]}. */
  @Override
  public String toString() {
    return Arrays.toString(dims);
  }
}
