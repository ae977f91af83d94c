package dev.nabla.core.internal.kernel;

/**
 * The hot loops of Nabla over {@code float[]} + offset + length. {@link ScalarKernels} is the
 * specification (plain loops); {@code VectorKernels} implements the same contract with the
 * incubating Vector API. Obtain the active implementation with {@link #get()}.
 *
 * <p>All matrices are row-major with explicit leading dimensions (the distance between rows).
 * Every method is deterministic: for fixed inputs the result does not depend on the number of
 * threads (see {@link Parallel}).
 */
public interface Kernels {

  /** The implementation chosen at start-up (holder idiom; logged once). */
  static Kernels get() {
    return KernelLoader.ACTIVE;
  }

  /** The plain-loop reference implementation. */
  static Kernels scalar() {
    return ScalarKernels.INSTANCE;
  }

  /** A short description for logs and benchmarks, e.g. {@code "Vector API, 256-bit"}. */
  String description();

  // ------------------------------------------------------------------ BLAS

  /**
   * C = alpha·op(A)·op(B) + beta·C where op(A) is m×k (A stored k×m when {@code transA}) and
   * op(B) is k×n (B stored n×k when {@code transB}). When beta is 0, C is overwritten (NaNs in C
   * do not propagate).
   */
  void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc);

  /** {@link #gemm} over {@code batch} matrices spaced {@code strideA/B/C} elements apart. */
  void gemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int strideA, int lda, float[] b, int bOff, int strideB, int ldb,
      float beta, float[] c, int cOff, int strideC, int ldc);

  /** Σ x[i]·y[i]. */
  float dot(int n, float[] x, int xOff, float[] y, int yOff);

  /** y += alpha·x. */
  void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff);

  /** x *= alpha. */
  void scale(int n, float alpha, float[] x, int xOff);

  // ------------------------------------------------------------------ elementwise

  /** y[i] = op(x[i]); {@code x} and {@code y} may be the same range. */
  void unary(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff);

  /** y[i] = a[i] op b[i]. */
  void binary(BinaryOp op, int n, float[] a, int aOff, float[] b, int bOff, float[] y, int yOff);

  /** y[i] = a[i] op s. */
  void binaryScalar(BinaryOp op, int n, float[] a, int aOff, float s, float[] y, int yOff);

  // ------------------------------------------------------------------ reductions

  /** Σ x[i], accumulated in a fixed order. */
  float sum(int n, float[] x, int xOff);

  /** max x[i] (NaN if any element is NaN; −∞ for n = 0). */
  float max(int n, float[] x, int xOff);

  /** Σ x[i]². */
  float sumOfSquares(int n, float[] x, int xOff);

  // ------------------------------------------------------------------ rows

  /** Softmax (or log-softmax) of each of {@code rows} contiguous rows of length {@code cols}. */
  void softmaxRows(int rows, int cols, float[] x, int xOff, float[] y, int yOff, boolean log);

  /**
   * RMSNorm of each row: y = x / sqrt(mean(x²) + eps) · weight (weight may be null). When
   * {@code invRms} is not null it receives 1/sqrt(mean(x²) + eps) per row (for backward).
   */
  void rmsNormRows(int rows, int cols, float[] x, int xOff, float[] weight, float eps,
      float[] y, int yOff, float[] invRms);

  /**
   * LayerNorm of each row: y = (x − mean) / sqrt(var + eps) · weight + bias (biased variance;
   * weight and bias may be null). {@code mean} and {@code rstd} receive the per-row statistics
   * when not null.
   */
  void layerNormRows(int rows, int cols, float[] x, int xOff, float[] weight, float[] bias,
      float eps, float[] y, int yOff, float[] mean, float[] rstd);
}
