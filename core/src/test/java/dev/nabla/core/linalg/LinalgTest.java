package dev.nabla.core.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LinalgTest {
  private static Tensor randn(DType type, int... shape) {
    return Tensor.randn(new Rng(Arrays.hashCode(shape) + type.ordinal()), type, shape);
  }

  private static double tol(DType type) {
    return type == DType.F64 ? 1e-10 : 1e-4;
  }

  /** Fails with the first differing values and the largest difference. */
  private static void assertClose(Tensor expected, Tensor actual, double tolerance) {
    assertEquals(expected.shape(), actual.shape(), "shape");
    double[] e = expected.toDoubleArray();
    double[] a = actual.toDoubleArray();
    double worst = 0;
    int at = -1;
    for (int i = 0; i < e.length; i++) {
      double d = Math.abs(e[i] - a[i]);
      if (!(d <= worst)) {
        worst = d;
        at = i;
      }
    }
    if (!(worst <= tolerance)) {
      fail("max |diff| " + worst + " at flat index " + at + " > " + tolerance + "; expected "
          + Arrays.toString(Arrays.copyOf(e, Math.min(6, e.length))) + "…, got "
          + Arrays.toString(Arrays.copyOf(a, Math.min(6, a.length))) + "…");
    }
  }

  /** qᵀq = I for a matrix with orthonormal columns. */
  private static void assertOrthonormalColumns(Tensor q, double tolerance) {
    int k = q.size(1);
    assertClose(Tensor.eye(k, k, q.dtype()), q.t().matmul(q), tolerance);
  }

  private static void assertDescendingNonNegative(Tensor s) {
    double[] v = s.toDoubleArray();
    for (int i = 0; i < v.length; i++) {
      assertTrue(v[i] >= 0, "negative singular value " + Arrays.toString(v));
      if (i > 0) {
        assertTrue(v[i - 1] >= v[i], "not descending: " + Arrays.toString(v));
      }
    }
  }

  private static <T extends Throwable> void assertMessage(Class<T> type, String message,
      Runnable call) {
    T e = assertThrows(type, call::run);
    assertEquals(message, e.getMessage());
  }

  // ================================================================== SVD

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "F64"})
  void svdReducedReconstructsTallAndWide(DType type) {
    for (int[] shape : new int[][] {{6, 4}, {3, 5}, {4, 4}, {1, 3}, {3, 1}}) {
      Tensor a = randn(type, shape);
      Linalg.Svd d = Linalg.svd(a, false);
      int k = Math.min(shape[0], shape[1]);
      assertArrayEquals(new int[] {shape[0], k}, d.u().shape().toArray());
      assertArrayEquals(new int[] {k}, d.s().shape().toArray());
      assertArrayEquals(new int[] {k, shape[1]}, d.vh().shape().toArray());
      assertEquals(type, d.u().dtype());
      assertEquals(type, d.s().dtype());
      assertEquals(type, d.vh().dtype());
      assertDescendingNonNegative(d.s());
      assertClose(a, d.u().mul(d.s()).matmul(d.vh()), tol(type));
      assertOrthonormalColumns(d.u(), tol(type));
      assertOrthonormalColumns(d.vh().t(), tol(type));
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "F64"})
  void svdFullMatricesAreSquareAndOrthogonal(DType type) {
    for (int[] shape : new int[][] {{6, 4}, {3, 5}}) {
      int m = shape[0];
      int n = shape[1];
      int k = Math.min(m, n);
      Tensor a = randn(type, shape);
      Linalg.Svd d = Linalg.svd(a, true);
      assertArrayEquals(new int[] {m, m}, d.u().shape().toArray());
      assertArrayEquals(new int[] {n, n}, d.vh().shape().toArray());
      assertOrthonormalColumns(d.u(), tol(type));
      assertOrthonormalColumns(d.vh().t(), tol(type));
      assertDescendingNonNegative(d.s());
      Tensor back = d.u().narrow(1, 0, k).mul(d.s()).matmul(d.vh().narrow(0, 0, k));
      assertClose(a, back, tol(type));
      // the same singular values as the reduced decomposition
      assertClose(Linalg.svd(a, false).s(), d.s(), tol(type));
    }
  }

  @Test void svdSortsKnownSingularValuesDescending() {
    Tensor a = Tensor.of(new double[] {1, 0, 0, 0, -3, 0, 0, 0, 2, 0, 0, 0}, 4, 3);
    Linalg.Svd d = Linalg.svd(a, false);
    assertArrayEquals(new double[] {3, 2, 1}, d.s().toDoubleArray(), 1e-12);
    assertClose(a, d.u().mul(d.s()).matmul(d.vh()), 1e-12);
  }

  @Test void svdOfRankDeficientMatrixHasZeroSingularValue() {
    Rng rng = new Rng(11); // rank 2: the sum of two outer products
    Tensor a = Tensor.randn(rng, DType.F64, 5, 1).matmul(Tensor.randn(rng, DType.F64, 1, 4))
        .add(Tensor.randn(rng, DType.F64, 5, 1).matmul(Tensor.randn(rng, DType.F64, 1, 4)));
    double[] s = Linalg.svd(a, false).s().toDoubleArray();
    assertTrue(s[1] > 1e-3, Arrays.toString(s));
    assertEquals(0, s[2], 1e-12);
    assertEquals(0, s[3], 1e-12);
  }

  @Test void svdReadsStridedViews() {
    Tensor base = randn(DType.F64, 4, 6);
    Tensor a = base.t(); // [6, 4], not contiguous
    Linalg.Svd d = Linalg.svd(a, false);
    assertClose(a.contiguous(), d.u().mul(d.s()).matmul(d.vh()), 1e-10);
    assertClose(Linalg.svd(base, false).s(), d.s(), 1e-10);
  }

  @Test void svdOfEmptyMatrix() {
    Linalg.Svd d = Linalg.svd(Tensor.zeros(DType.F64, 3, 0), true);
    assertArrayEquals(new int[] {3, 3}, d.u().shape().toArray());
    assertArrayEquals(new int[] {0}, d.s().shape().toArray());
    assertArrayEquals(new int[] {0, 0}, d.vh().shape().toArray());
  }

  // ================================================================== QR

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "F64"})
  void qrReconstructsWithOrthonormalQAndTriangularR(DType type) {
    for (int[] shape : new int[][] {{6, 4}, {3, 5}, {4, 4}, {5, 1}}) {
      Tensor a = randn(type, shape);
      Linalg.Qr d = Linalg.qr(a);
      int k = Math.min(shape[0], shape[1]);
      assertArrayEquals(new int[] {shape[0], k}, d.q().shape().toArray());
      assertArrayEquals(new int[] {k, shape[1]}, d.r().shape().toArray());
      assertEquals(type, d.q().dtype());
      assertClose(a, d.q().matmul(d.r()), tol(type));
      assertOrthonormalColumns(d.q(), tol(type));
      assertClose(d.r().triu(0), d.r(), 0);
      for (int i = 0; i < k; i++) {
        assertTrue(d.r().getDouble(i, i) >= 0, "diag(r) must be non-negative: " + d.r());
      }
    }
  }

  @Test void qrSignConventionMakesFactorsUnique() {
    // a = q·r with a known orthogonal q and positive-diagonal r; qr must return exactly these
    double c = Math.cos(0.3);
    double s = Math.sin(0.3);
    Tensor q = Tensor.of(new double[] {c, -s, s, c}, 2, 2);
    Tensor r = Tensor.of(new double[] {2, 1, 0, 3}, 2, 2);
    Linalg.Qr d = Linalg.qr(q.matmul(r));
    assertClose(q, d.q(), 1e-12);
    assertClose(r, d.r(), 1e-12);
  }

  // ================================================================== Cholesky

  private static Tensor spd(DType type, int n) {
    Tensor b = randn(type, n, n);
    return b.matmul(b.t()).add(Tensor.eye(n, n, type).mul(n));
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "F64"})
  void choleskyIsLowerAndReconstructs(DType type) {
    Tensor a = spd(type, 5);
    Tensor l = Linalg.cholesky(a);
    assertEquals(type, l.dtype());
    assertClose(l.tril(0), l, 0);
    for (int i = 0; i < 5; i++) {
      assertTrue(l.getDouble(i, i) > 0);
    }
    assertClose(a, l.matmul(l.t()), type == DType.F64 ? 1e-10 : 1e-4);
  }

  @Test void choleskyReadsOnlyTheLowerTriangle() {
    Tensor a = spd(DType.F64, 4);
    Tensor garbageAbove = a.tril(0).add(randn(DType.F64, 4, 4).triu(1).mul(100));
    assertClose(Linalg.cholesky(a), Linalg.cholesky(garbageAbove), 0);
  }

  @Test void choleskyRejectsMatricesThatAreNotPositiveDefinite() {
    assertMessage(IllegalArgumentException.class,
        "cholesky: the input is not positive-definite (shape [2, 2])",
        () -> Linalg.cholesky(Tensor.of(new double[] {1, 2, 2, 1}, 2, 2)));
    // positive semi-definite is not enough
    assertMessage(IllegalArgumentException.class,
        "cholesky: the input is not positive-definite (shape [2, 2])",
        () -> Linalg.cholesky(Tensor.of(new float[] {1, 1, 1, 1}, 2, 2)));
    assertMessage(IllegalArgumentException.class,
        "cholesky: expected a square matrix, got shape [2, 3]",
        () -> Linalg.cholesky(Tensor.zeros(2, 3)));
  }

  // ================================================================== solve, inv, det

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "F64"})
  void solveVectorAndMatrixRightHandSides(DType type) {
    Tensor a = randn(type, 4, 4).add(Tensor.eye(4, 4, type).mul(4));
    Tensor b = randn(type, 4);
    Tensor x = Linalg.solve(a, b);
    assertArrayEquals(new int[] {4}, x.shape().toArray());
    assertEquals(type, x.dtype());
    assertClose(b, a.matmul(x), tol(type));

    Tensor bm = randn(type, 4, 3);
    Tensor xm = Linalg.solve(a, bm);
    assertArrayEquals(new int[] {4, 3}, xm.shape().toArray());
    assertClose(bm, a.matmul(xm), tol(type));
  }

  @Test void solveKnownSystem() {
    // 2x + y = 5, x + 3y = 10 → x = 1, y = 3
    Tensor a = Tensor.of(new double[] {2, 1, 1, 3}, 2, 2);
    assertArrayEquals(new double[] {1, 3},
        Linalg.solve(a, Tensor.of(new double[] {5, 10})).toDoubleArray(), 1e-12);
  }

  @Test void solveErrors() {
    assertMessage(IllegalArgumentException.class,
        "solve: expected a square matrix, got shape [3, 4]",
        () -> Linalg.solve(Tensor.zeros(DType.F64, 3, 4), Tensor.zeros(DType.F64, 3)));
    assertMessage(IllegalArgumentException.class,
        "solve: expected b of shape [3] or [3, k] for a of shape [3, 3], got shape [4, 2]",
        () -> Linalg.solve(Tensor.eye(3, 3, DType.F64), Tensor.zeros(DType.F64, 4, 2)));
    assertMessage(UnsupportedOperationException.class,
        "solve: expected a and b to have the same dtype, got F64 and F32",
        () -> Linalg.solve(Tensor.eye(3, 3, DType.F64), Tensor.zeros(DType.F32, 3)));
    assertMessage(IllegalArgumentException.class,
        "solve: the input matrix of shape [2, 2] is singular (pivot 2 of its LU factorisation is"
            + " zero to working precision)",
        () -> Linalg.solve(Tensor.of(new double[] {1, 2, 2, 4}, 2, 2),
            Tensor.of(new double[] {1, 1})));
    // singular, but not exactly so in floating point
    Tensor nearly = Tensor.of(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 3, 3);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Linalg.solve(nearly, Tensor.ones(DType.F64, 3)));
    assertTrue(e.getMessage().startsWith("solve: the input matrix of shape [3, 3] is singular"),
        e.getMessage());
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "F64"})
  void invTimesMatrixIsIdentity(DType type) {
    Tensor a = randn(type, 5, 5).add(Tensor.eye(5, 5, type).mul(5));
    Tensor inv = Linalg.inv(a);
    assertEquals(type, inv.dtype());
    assertClose(Tensor.eye(5, 5, type), a.matmul(inv), tol(type));
    assertClose(Tensor.eye(5, 5, type), inv.matmul(a), tol(type));
  }

  @Test void invRejectsSingularMatrices() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Linalg.inv(Tensor.zeros(DType.F64, 3, 3)));
    assertTrue(e.getMessage().startsWith("inv: the input matrix of shape [3, 3] is singular"),
        e.getMessage());
  }

  @Test void detOfKnownMatrices() {
    Tensor a = Tensor.of(new double[] {1, 2, 3, 4}, 2, 2);
    Tensor d = Linalg.det(a);
    assertEquals(0, d.dim());
    assertEquals(-2, d.item(), 1e-12);
    assertEquals(DType.F32, Linalg.det(Tensor.of(new float[] {2, 0, 0, 3}, 2, 2)).dtype());
    assertEquals(6, Linalg.det(Tensor.of(new float[] {2, 0, 0, 3}, 2, 2)).item(), 1e-6);
    assertEquals(0, Linalg.det(Tensor.of(new double[] {1, 2, 2, 4}, 2, 2)).item(), 1e-12);
    assertEquals(1, Linalg.det(Tensor.zeros(DType.F64, 0, 0)).item());
    // det(a) = product of singular values up to sign
    Tensor r = randn(DType.F64, 4, 4);
    double prod = 1;
    for (double s : Linalg.svd(r, false).s().toDoubleArray()) {
      prod *= s;
    }
    assertEquals(prod, Math.abs(Linalg.det(r).item()), 1e-10);
  }

  // ================================================================== reference GEMM

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F32", "F64"})
  void matmulReferenceAgreesWithMatmul(DType type) {
    Tensor a = randn(type, 7, 13);
    Tensor b = randn(type, 13, 5);
    Tensor c = Linalg.matmulReference(a, b);
    assertEquals(type, c.dtype());
    assertClose(a.matmul(b), c, type == DType.F64 ? 1e-12 : 1e-5);
    // strided operands
    assertClose(b.t().matmul(a.t()), Linalg.matmulReference(b.t(), a.t()),
        type == DType.F64 ? 1e-12 : 1e-5);
  }

  @Test void matmulReferenceErrors() {
    assertMessage(IllegalArgumentException.class,
        "matmulReference: mat1 and mat2 shapes cannot be multiplied (8x64 and 32x10)",
        () -> Linalg.matmulReference(Tensor.zeros(8, 64), Tensor.zeros(32, 10)));
    assertMessage(UnsupportedOperationException.class,
        "matmulReference: expected both operands to have the same dtype, got F32 and F64",
        () -> Linalg.matmulReference(Tensor.zeros(2, 2), Tensor.zeros(DType.F64, 2, 2)));
    assertArrayEquals(new int[] {3, 2},
        Linalg.matmulReference(Tensor.zeros(3, 0), Tensor.zeros(0, 2)).shape().toArray());
  }

  // ================================================================== common errors

  @Test void rankAndDtypeErrorsNameTheOp() {
    assertMessage(IllegalArgumentException.class,
        "svd: expected a 2-D matrix, got shape [2, 3, 4] (batched inputs are not supported; loop"
            + " over the batch)",
        () -> Linalg.svd(Tensor.zeros(2, 3, 4), false));
    assertMessage(IllegalArgumentException.class, "qr: expected a 2-D matrix, got shape [3]",
        () -> Linalg.qr(Tensor.zeros(3)));
    assertMessage(IllegalArgumentException.class, "det: expected a square matrix, got shape [2, 3]",
        () -> Linalg.det(Tensor.zeros(2, 3)));
    assertMessage(UnsupportedOperationException.class,
        "inv: expected a floating-point tensor (F32 or F64), got I64",
        () -> Linalg.inv(Tensor.of(new long[] {1, 0, 0, 1}, 2, 2)));
    assertMessage(IllegalArgumentException.class,
        "svd: the input of shape [2, 2] contains NaN or infinity",
        () -> Linalg.svd(Tensor.of(new double[] {1, Double.NaN, 0, 1}, 2, 2), true));
  }

  @Test void inputsThatRequireGradAreReadAsDetachedValues() {
    Tensor a = spd(DType.F64, 3).requiresGrad();
    Tensor l = Linalg.cholesky(a);
    assertFalse(l.isRequiresGrad());
    assertTrue(l.isLeaf());
    Linalg.Svd d = Linalg.svd(a, false);
    assertFalse(d.u().isRequiresGrad() || d.s().isRequiresGrad() || d.vh().isRequiresGrad());
    assertFalse(Linalg.solve(a, Tensor.ones(DType.F64, 3)).isRequiresGrad());
  }
}
