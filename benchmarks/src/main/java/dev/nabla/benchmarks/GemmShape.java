package dev.nabla.benchmarks;

/**
 * A GEMM problem C[M×N] = A[M×K]·B[K×N], written {@code "n"} (square) or {@code "MxKxN"} — the
 * notation of {@code reference/numpy_gemm.py}, so results join by shape.
 */
record GemmShape(int m, int k, int n) {

  GemmShape {
    if (m < 1 || k < 1 || n < 1) {
      throw new IllegalArgumentException("GEMM dimensions must be >= 1, got " + m + "x" + k + "x" + n);
    }
  }

  static GemmShape parse(String s) {
    String[] p = s.trim().toLowerCase(java.util.Locale.ROOT).split("x");
    try {
      if (p.length == 1) {
        int n = Integer.parseInt(p[0]);
        return new GemmShape(n, n, n);
      }
      if (p.length == 3) {
        return new GemmShape(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
      }
    } catch (NumberFormatException e) {
      // fall through to the message below
    }
    throw new IllegalArgumentException("GEMM shape must be 'n' or 'MxKxN', got '" + s + "'");
  }

  /** Floating-point operations of one product: one multiply-add counts as 2. */
  double flop() {
    return 2.0 * m * n * k;
  }
}
