package dev.nabla.core.linalg;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import java.util.Arrays;
import java.util.Comparator;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.ejml.dense.row.decomposition.lu.LUDecompositionAlt_DDRM;
import org.ejml.dense.row.decomposition.lu.LUDecompositionBase_DDRM;
import org.ejml.dense.row.factory.DecompositionFactory_DDRM;
import org.ejml.dense.row.linsol.lu.LinearSolverLu_DDRM;
import org.ejml.interfaces.decomposition.CholeskyDecomposition_F64;
import org.ejml.interfaces.decomposition.QRDecomposition;
import org.ejml.interfaces.decomposition.SingularValueDecomposition_F64;

/**
 * Decompositions and solvers for 2-D tensors, computed by EJML in float64 and returned in the
 * input's dtype (F32 or F64). Names and conventions follow {@code torch.linalg}.
 *
 * <p>Nothing here is differentiable: the functions read the input's values (as if
 * {@link Tensor#detach()}ed) and return tensors without a gradient history. They serve
 * initialisation (orthogonal init from {@link #qr}), analysis (low-rank structure from
 * {@link #svd}) and tests ({@link #matmulReference}), not the training graph.
 *
 * <p>Only single matrices (rank 2) are accepted; a batch must be looped over. Inputs to the
 * decompositions must be finite.
 *
 * <pre>{@code
 * Tensor a = Tensor.randn(new Rng(0), DType.F64, 5, 3);
 * Linalg.Svd d = Linalg.svd(a, false);   // u [5, 3], s [3], vh [3, 3]
 * Tensor back = d.u().mul(d.s()).matmul(d.vh());   // ≈ a
 * }</pre>
 */
public final class Linalg {
  private Linalg() {}

  /**
   * A singular value decomposition {@code a = u · diag(s) · vh}, as {@code torch.linalg.svd}.
   * For an m×n input and k = min(m, n): {@code s} has k values in descending order;
   * {@code u} is m×m and {@code vh} n×n when full, else m×k and k×n. Singular vectors are
   * unique only up to sign (and rotation within repeated values); compare reconstructions.
   */
  public record Svd(Tensor u, Tensor s, Tensor vh) {}

  /**
   * A reduced QR decomposition {@code a = q · r}: q m×k with orthonormal columns, r k×n upper
   * triangular (k = min(m, n)), with {@code diag(r) ≥ 0}.
   */
  public record Qr(Tensor q, Tensor r) {}

  // ================================================================== SVD

  /**
   * Singular value decomposition, as {@code torch.linalg.svd(a, full_matrices=fullMatrices)}.
   * Shape: a [m, n] → u [m, m or k], s [k], vh [n or k, n] with k = min(m, n).
   *
   * @throws IllegalArgumentException if {@code a} is not 2-D or not finite, or EJML's implicit
   *     QR iteration does not converge
   */
  public static Svd svd(Tensor a, boolean fullMatrices) {
    requireMatrix("svd", a);
    DType type = a.dtype();
    int m = a.size(0);
    int n = a.size(1);
    int k = Math.min(m, n);
    if (k == 0) {
      return new Svd(Tensor.eye(m, fullMatrices ? m : 0, type), Tensor.zeros(type, 0),
          Tensor.eye(fullMatrices ? n : 0, n, type));
    }
    DMatrixRMaj am = finiteMatrix("svd", a);
    SingularValueDecomposition_F64<DMatrixRMaj> dec =
        DecompositionFactory_DDRM.svd(m, n, true, true, !fullMatrices);
    if (!dec.decompose(am)) {
      throw new IllegalArgumentException(
          "svd: the algorithm failed to converge for the input of shape " + a.shape()
              + " (ill-conditioned or too many repeated singular values)");
    }
    DMatrixRMaj u = dec.getU(null, false);
    DMatrixRMaj vt = dec.getV(null, true);
    double[] w = dec.getSingularValues();
    // EJML leaves the singular values unordered; sort them (and their vectors) descending.
    Integer[] order = new Integer[k];
    for (int i = 0; i < k; i++) {
      order[i] = i;
    }
    Arrays.sort(order, Comparator.comparingDouble((Integer i) -> w[i]).reversed());
    double[] s = new double[k];
    for (int j = 0; j < k; j++) {
      s[j] = w[order[j]];
    }
    int uc = u.numCols;
    double[] uOut = new double[m * uc];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < uc; j++) {
        uOut[i * uc + j] = u.get(i, j < k ? order[j] : j);
      }
    }
    int vr = vt.numRows;
    double[] vhOut = new double[vr * n];
    for (int j = 0; j < vr; j++) {
      int from = j < k ? order[j] : j;
      for (int c = 0; c < n; c++) {
        vhOut[j * n + c] = vt.get(from, c);
      }
    }
    return new Svd(tensor(uOut, type, m, uc), tensor(s, type, k), tensor(vhOut, type, vr, n));
  }

  // ================================================================== QR

  /**
   * Reduced QR decomposition by Householder reflections, as {@code torch.linalg.qr(a,
   * mode='reduced')}. Shape: a [m, n] → q [m, k], r [k, n] with k = min(m, n).
   *
   * <p>Sign convention: Householder QR (EJML's as LAPACK's) may give negative diagonal entries
   * in r. This method flips the sign of each such row of r together with the matching column
   * of q, so {@code diag(r) ≥ 0}; for a matrix of full column rank that makes the factors
   * unique, and {@code q} of a Gaussian matrix is then Haar-distributed (orthogonal init).
   * PyTorch does not normalise, so signs may differ from {@code torch.linalg.qr}.
   */
  public static Qr qr(Tensor a) {
    requireMatrix("qr", a);
    DType type = a.dtype();
    int m = a.size(0);
    int n = a.size(1);
    int k = Math.min(m, n);
    if (k == 0) {
      return new Qr(Tensor.zeros(type, m, 0), Tensor.zeros(type, 0, n));
    }
    DMatrixRMaj am = finiteMatrix("qr", a);
    QRDecomposition<DMatrixRMaj> dec = DecompositionFactory_DDRM.qr(m, n);
    if (!dec.decompose(am)) {
      throw new IllegalArgumentException("qr: the decomposition failed for shape " + a.shape());
    }
    DMatrixRMaj q = dec.getQ(null, true);
    DMatrixRMaj r = dec.getR(null, true);
    for (int i = 0; i < k; i++) {
      if (r.get(i, i) < 0) {
        for (int c = 0; c < n; c++) {
          r.set(i, c, -r.get(i, c));
        }
        for (int row = 0; row < m; row++) {
          q.set(row, i, -q.get(row, i));
        }
      }
    }
    return new Qr(tensor(q, type), tensor(r, type));
  }

  // ================================================================== Cholesky

  /**
   * The lower-triangular L with {@code a = L·Lᵀ} and a positive diagonal, as
   * {@code torch.linalg.cholesky}. Only the lower triangle of {@code a} is read (it is taken as
   * symmetric). Shape: [n, n] → [n, n].
   *
   * @throws IllegalArgumentException if {@code a} is not square, not finite or not
   *     positive-definite
   */
  public static Tensor cholesky(Tensor a) {
    requireSquare("cholesky", a);
    int n = a.size(0);
    if (n == 0) {
      return Tensor.zeros(a.dtype(), 0, 0);
    }
    DMatrixRMaj am = finiteMatrix("cholesky", a);
    for (int i = 0; i < n; i++) { // mirror the lower triangle: the upper one is never used
      for (int j = i + 1; j < n; j++) {
        am.set(i, j, am.get(j, i));
      }
    }
    CholeskyDecomposition_F64<DMatrixRMaj> dec = DecompositionFactory_DDRM.chol(n, true);
    boolean ok = dec.decompose(am);
    DMatrixRMaj l = ok ? dec.getT(null) : null;
    for (int i = 0; ok && i < n; i++) {
      double d = l.get(i, i);
      ok = d > 0 && Double.isFinite(d);
    }
    if (!ok) {
      throw new IllegalArgumentException(
          "cholesky: the input is not positive-definite (shape " + a.shape() + ")");
    }
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        l.set(i, j, 0);
      }
    }
    return tensor(l, a.dtype());
  }

  // ================================================================== LU: solve, inv, det

  /**
   * The x with {@code a·x = b}, by LU with partial pivoting, as {@code torch.linalg.solve}.
   * Shape: a [n, n], b [n] → x [n]; b [n, k] → x [n, k]. Both must have the same dtype.
   *
   * @throws IllegalArgumentException if the shapes do not fit or {@code a} is singular to working
   *     precision (a pivot of its LU factors at most n·ε·max|aᵢⱼ|)
   */
  public static Tensor solve(Tensor a, Tensor b) {
    requireSquare("solve", a);
    requireFloat("solve", b);
    if (a.dtype() != b.dtype()) {
      throw new UnsupportedOperationException(
          "solve: expected a and b to have the same dtype, got " + a.dtype() + " and "
              + b.dtype());
    }
    int n = a.size(0);
    if ((b.dim() != 1 && b.dim() != 2) || b.size(0) != n) {
      throw new IllegalArgumentException(
          "solve: expected b of shape [" + n + "] or [" + n + ", k] for a of shape " + a.shape()
              + ", got shape " + b.shape());
    }
    int cols = b.dim() == 1 ? 1 : b.size(1);
    if (n == 0 || cols == 0) {
      return Tensor.zeros(b.dtype(), b.shape().toArray());
    }
    LinearSolverLu_DDRM solver = luSolver("solve", a);
    DMatrixRMaj bm = finiteMatrix("solve", b, n, cols);
    DMatrixRMaj x = new DMatrixRMaj(n, cols);
    solver.solve(bm, x);
    return b.dim() == 1 ? tensor(x.data, b.dtype(), n) : tensor(x, b.dtype());
  }

  /**
   * The inverse of a square matrix, as {@code torch.linalg.inv}. Prefer {@link #solve} to
   * multiplying by an inverse. Shape: [n, n] → [n, n].
   *
   * @throws IllegalArgumentException if {@code a} is not square or is singular to working
   *     precision
   */
  public static Tensor inv(Tensor a) {
    requireSquare("inv", a);
    int n = a.size(0);
    if (n == 0) {
      return Tensor.zeros(a.dtype(), 0, 0);
    }
    DMatrixRMaj out = new DMatrixRMaj(n, n);
    luSolver("inv", a).invert(out);
    return tensor(out, a.dtype());
  }

  /**
   * The determinant of a square matrix as a rank-0 tensor, from its LU factors (as
   * {@code torch.linalg.det}; 1 for a 0×0 matrix, 0 for an exactly singular one).
   */
  public static Tensor det(Tensor a) {
    requireSquare("det", a);
    if (a.size(0) == 0) {
      return Tensor.scalar(1.0, a.dtype());
    }
    LUDecompositionAlt_DDRM lu = new LUDecompositionAlt_DDRM();
    lu.decompose(finiteMatrix("det", a));
    return Tensor.scalar(lu.computeDeterminant().real, a.dtype());
  }

  private static LinearSolverLu_DDRM luSolver(String op, Tensor a) {
    DMatrixRMaj am = finiteMatrix(op, a);
    LinearSolverLu_DDRM solver = new LinearSolverLu_DDRM(new LUDecompositionAlt_DDRM());
    solver.setA(am);
    LUDecompositionBase_DDRM lu = solver.getDecomposition();
    DMatrixRMaj factors = lu.getLU();
    int n = am.numRows;
    double scale = CommonOps_DDRM.elementMaxAbs(am);
    double tolerance = n * Math.ulp(1.0) * scale;
    for (int i = 0; i < n; i++) {
      if (!(Math.abs(factors.get(i, i)) > tolerance)) {
        throw new IllegalArgumentException(
            op + ": the input matrix of shape " + a.shape() + " is singular (pivot " + (i + 1)
                + " of its LU factorisation is zero to working precision)");
      }
    }
    return solver;
  }

  // ================================================================== reference GEMM

  /**
   * {@code a·b} for 2-D tensors by EJML's float64 {@code CommonOps_DDRM.mult}: an independent
   * oracle for testing Nabla's own matmul kernels, not a fast path. The result has the inputs'
   * dtype (F32 inputs are widened exactly, multiplied in float64, then rounded once); pass
   * {@code a.to(DType.F64)} and {@code b.to(DType.F64)} for an F64 result.
   * Shape: [m, k] · [k, n] → [m, n].
   */
  public static Tensor matmulReference(Tensor a, Tensor b) {
    requireMatrix("matmulReference", a);
    requireMatrix("matmulReference", b);
    if (a.dtype() != b.dtype()) {
      throw new UnsupportedOperationException(
          "matmulReference: expected both operands to have the same dtype, got " + a.dtype()
              + " and " + b.dtype());
    }
    int m = a.size(0);
    int k = a.size(1);
    int n = b.size(1);
    if (b.size(0) != k) {
      throw new IllegalArgumentException(
          "matmulReference: mat1 and mat2 shapes cannot be multiplied (" + m + "x" + k + " and "
              + b.size(0) + "x" + n + ")");
    }
    if (m == 0 || n == 0 || k == 0) {
      return Tensor.zeros(a.dtype(), m, n);
    }
    DMatrixRMaj c = new DMatrixRMaj(m, n);
    CommonOps_DDRM.mult(matrix(a, m, k), matrix(b, k, n), c);
    return tensor(c, a.dtype());
  }

  // ================================================================== helpers

  private static void requireFloat(String op, Tensor t) {
    if (!t.dtype().isFloatingPoint()) {
      throw new UnsupportedOperationException(
          op + ": expected a floating-point tensor (F32 or F64), got " + t.dtype());
    }
  }

  private static void requireMatrix(String op, Tensor a) {
    requireFloat(op, a);
    if (a.dim() != 2) {
      throw new IllegalArgumentException(
          op + ": expected a 2-D matrix, got shape " + a.shape()
              + (a.dim() > 2 ? " (batched inputs are not supported; loop over the batch)" : ""));
    }
  }

  private static void requireSquare(String op, Tensor a) {
    requireMatrix(op, a);
    if (a.size(0) != a.size(1)) {
      throw new IllegalArgumentException(
          op + ": expected a square matrix, got shape " + a.shape());
    }
  }

  /** A float64 copy of {@code t}'s values in row-major order (strided views are fine). */
  private static DMatrixRMaj matrix(Tensor t, int rows, int cols) {
    return DMatrixRMaj.wrap(rows, cols, t.toDoubleArray());
  }

  private static DMatrixRMaj finiteMatrix(String op, Tensor t) {
    return finiteMatrix(op, t, t.size(0), t.size(1));
  }

  private static DMatrixRMaj finiteMatrix(String op, Tensor t, int rows, int cols) {
    DMatrixRMaj m = matrix(t, rows, cols);
    for (int i = 0; i < m.getNumElements(); i++) {
      if (!Double.isFinite(m.data[i])) {
        throw new IllegalArgumentException(
            op + ": the input of shape " + t.shape() + " contains NaN or infinity");
      }
    }
    return m;
  }

  private static Tensor tensor(DMatrixRMaj m, DType type) {
    return tensor(m.data, type, m.numRows, m.numCols);
  }

  private static Tensor tensor(double[] data, DType type, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    // EJML may keep a larger backing array than rows × cols
    Tensor t = Tensor.of(data.length == n ? data : Arrays.copyOf(data, n), shape);
    return type == DType.F64 ? t : t.to(type);
  }
}
