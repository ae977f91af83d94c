package dev.nabla.core.internal.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GEMM of the scalar and the Vector API kernels (at the preferred width and, for the smaller
 * shapes, at 128/256/512 bits) against an EJML float64 reference: skinny and prime shapes, empty
 * ones, all four transpose combinations, leading dimensions larger than the rows, offsets,
 * alpha/beta (beta = 0 over NaNs), and memory around C left untouched.
 */
class GemmTest {
  static final double EPS = 0x1p-23;
  static final float SENTINEL = -7777f;

  /** {m, n, k}. */
  static final int[][] SHAPES = {
      {1, 1, 1}, {1, 1, 7}, {1, 17, 1}, {7, 1, 1}, {2, 2, 2}, {13, 17, 19}, {1, 300, 70},
      {300, 1, 70}, {1, 1, 1000}, {5, 33, 2}, {12, 32, 256}, {13, 33, 257}, {37, 65, 100},
      {25, 40, 513}, {20, 4100, 3}, {0, 5, 5}, {5, 0, 5}, {5, 5, 0}, {3, 2, 1}, {31, 2, 47},
      {2, 31, 47}};

  static boolean vectorModule() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  /** The implementations under test: name and kernels; the Vector API ones when available. */
  static List<Object[]> implementations() {
    List<Object[]> l = new ArrayList<>();
    l.add(new Object[] {"scalar", Kernels.scalar(), Long.MAX_VALUE});
    if (vectorModule()) {
      l.add(new Object[] {"vector", new VectorKernels(), Long.MAX_VALUE});
      for (int bits : new int[] {128, 256, 512}) {
        // other widths: the smaller shapes (a fresh copy of the kernels runs interpreted until
        // the JIT has compiled it, and 512 bits may be emulated)
        l.add(new Object[] {"vector-" + bits, new VectorKernels(bits), 120_000L});
      }
    }
    return l;
  }

  static Stream<Arguments> impls() {
    return implementations().stream().map(o -> Arguments.of(o[0], o[1], o[2]));
  }

  /** One GEMM problem with its storage. */
  static final class Problem {
    final boolean tA;
    final boolean tB;
    final int m;
    final int n;
    final int k;
    final float alpha;
    final float beta;
    final float[] a;
    final float[] b;
    final float[] c0;
    final int aOff;
    final int bOff;
    final int cOff;
    final int lda;
    final int ldb;
    final int ldc;

    Problem(Random r, boolean tA, boolean tB, int m, int n, int k, float alpha, float beta,
        int pad) {
      this.tA = tA;
      this.tB = tB;
      this.m = m;
      this.n = n;
      this.k = k;
      this.alpha = alpha;
      this.beta = beta;
      int aRows = tA ? k : m;
      int aCols = tA ? m : k;
      int bRows = tB ? n : k;
      int bCols = tB ? k : n;
      lda = aCols + pad;
      ldb = bCols + 2 * pad;
      ldc = n + pad;
      aOff = pad * 3;
      bOff = pad;
      cOff = 2 * pad;
      a = fill(r, aOff + aRows * Math.max(1, lda) + pad);
      b = fill(r, bOff + bRows * Math.max(1, ldb) + pad);
      c0 = fill(r, cOff + m * Math.max(1, ldc) + pad);
      if (beta == 0f) {
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            c0[cOff + i * ldc + j] = j % 3 == 0 ? Float.NaN : Float.POSITIVE_INFINITY;
          }
        }
      }
      // the memory around C holds a sentinel that must survive
      for (int i = 0; i < c0.length; i++) {
        if (!insideC(i)) {
          c0[i] = SENTINEL;
        }
      }
    }

    boolean insideC(int i) {
      int rel = i - cOff;
      return rel >= 0 && rel / Math.max(1, ldc) < m && rel % Math.max(1, ldc) < n;
    }

    static float[] fill(Random r, int len) {
      float[] x = new float[len];
      for (int i = 0; i < len; i++) {
        x[i] = r.nextFloat() * 2 - 1;
      }
      return x;
    }

    DMatrixRMaj opA(boolean abs) {
      DMatrixRMaj x = new DMatrixRMaj(m, k);
      for (int i = 0; i < m; i++) {
        for (int p = 0; p < k; p++) {
          float v = tA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
          x.set(i, p, abs ? Math.abs(v) : v);
        }
      }
      return x;
    }

    DMatrixRMaj opB(boolean abs) {
      DMatrixRMaj x = new DMatrixRMaj(k, n);
      for (int p = 0; p < k; p++) {
        for (int j = 0; j < n; j++) {
          float v = tB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
          x.set(p, j, abs ? Math.abs(v) : v);
        }
      }
      return x;
    }

    float[] run(Kernels kern) {
      float[] c = c0.clone();
      kern.gemm(tA, tB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
      return c;
    }

    void check(float[] c, String what) {
      DMatrixRMaj prod = new DMatrixRMaj(m, n);
      DMatrixRMaj absProd = new DMatrixRMaj(m, n);
      if (m > 0 && n > 0 && k > 0) {
        CommonOps_DDRM.mult(opA(false), opB(false), prod);
        CommonOps_DDRM.mult(opA(true), opB(true), absProd);
      }
      for (int i = 0; i < c.length; i++) {
        if (!insideC(i) && c[i] != SENTINEL) {
          fail(what + ": memory outside C changed at " + i + ": " + c[i]);
        }
      }
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double old = beta == 0f ? 0 : c0[cOff + i * ldc + j];
          double expected = alpha * prod.get(i, j) + beta * old;
          double tol = 2 * (k + 4) * EPS * (Math.abs(alpha) * absProd.get(i, j)
              + Math.abs(beta * old)) + 1e-30;
          float got = c[cOff + i * ldc + j];
          if (!(Math.abs(got - expected) <= tol)) {
            fail(what + ": C[" + i + "][" + j + "] expected " + expected + " got " + got
                + " (tolerance " + tol + ")");
          }
        }
      }
    }
  }

  static String describe(String impl, Problem p) {
    return impl + " " + p.m + "x" + p.n + "x" + p.k + " tA=" + p.tA + " tB=" + p.tB + " alpha="
        + p.alpha + " beta=" + p.beta + " lda=" + p.lda + " ldb=" + p.ldb + " ldc=" + p.ldc;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("impls")
  void fixedShapesAllTransposes(String name, Kernels kern, long maxWork) {
    Random r = new Random(42);
    float[][] alphaBeta = {{1f, 0f}, {0.5f, -2f}, {-1.5f, 1f}};
    for (int[] s : SHAPES) {
      if ((long) s[0] * s[1] * s[2] > maxWork) {
        continue;
      }
      for (int t = 0; t < 4; t++) {
        for (int ab = 0; ab < alphaBeta.length; ab++) {
          int pad = (t + ab) % 3 == 0 ? 0 : 3;
          Problem p = new Problem(r, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2],
              alphaBeta[ab][0], alphaBeta[ab][1], pad);
          p.check(p.run(kern), describe(name, p));
        }
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("impls")
  void randomShapes(String name, Kernels kern, long maxWork) {
    Random r = new Random(7);
    int trials = maxWork == Long.MAX_VALUE ? 40 : 12;
    for (int trial = 0; trial < trials; trial++) {
      int m = 1 + r.nextInt(trial % 4 == 0 ? 3 : 70);
      int n = 1 + r.nextInt(trial % 5 == 0 ? 3 : 90);
      int k = 1 + r.nextInt(trial % 3 == 0 ? 400 : 60);
      float alpha = trial % 7 == 0 ? 1f : r.nextFloat() * 4 - 2;
      float beta = trial % 3 == 0 ? 0f : trial % 3 == 1 ? 1f : r.nextFloat() * 2 - 1;
      Problem p = new Problem(r, r.nextBoolean(), r.nextBoolean(), m, n, k, alpha, beta,
          r.nextInt(5));
      p.check(p.run(kern), describe(name, p));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("impls")
  void alphaZeroOnlyScalesC(String name, Kernels kern, long maxWork) {
    Random r = new Random(3);
    for (float beta : new float[] {0f, 1f, 0.5f}) {
      Problem p = new Problem(r, false, true, 9, 11, 5, 0f, beta, 2);
      p.check(p.run(kern), describe(name, p));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("impls")
  void batched(String name, Kernels kern, long maxWork) {
    Random r = new Random(11);
    int[][] shapes = {{13, 17, 19}, {64, 48, 40}, {1, 33, 20}, {20, 1, 33}};
    for (int[] s : shapes) {
      if ((long) s[0] * s[1] * s[2] * 5 > maxWork) {
        continue;
      }
      for (int t = 0; t < 4; t++) {
        int batch = 5;
        boolean tA = (t & 1) != 0;
        boolean tB = (t & 2) != 0;
        int m = s[0];
        int n = s[1];
        int k = s[2];
        float alpha = 0.75f;
        float beta = t == 3 ? 0f : 0.5f;
        // batch item q is Problem q's storage laid out at stride apart in one array
        Problem[] items = new Problem[batch];
        for (int q = 0; q < batch; q++) {
          items[q] = new Problem(r, tA, tB, m, n, k, alpha, beta, 1);
        }
        Problem p0 = items[0];
        int sa = p0.a.length + 5;
        int sb = p0.b.length + 1;
        int sc = p0.c0.length + 2;
        float[] a = new float[7 + batch * sa];
        float[] b = new float[batch * sb];
        float[] c = new float[3 + batch * sc];
        for (int q = 0; q < batch; q++) {
          System.arraycopy(items[q].a, 0, a, 7 + q * sa, p0.a.length);
          System.arraycopy(items[q].b, 0, b, q * sb, p0.b.length);
          System.arraycopy(items[q].c0, 0, c, 3 + q * sc, p0.c0.length);
        }
        kern.gemmBatched(batch, tA, tB, m, n, k, alpha, a, 7 + p0.aOff, sa, p0.lda, b,
            p0.bOff, sb, p0.ldb, beta, c, 3 + p0.cOff, sc, p0.ldc);
        for (int q = 0; q < batch; q++) {
          float[] cq = new float[p0.c0.length];
          System.arraycopy(c, 3 + q * sc, cq, 0, cq.length);
          items[q].check(cq, "batched item " + q + " " + describe(name, items[q]));
        }
      }
    }
  }

  @Test
  void batchedOfNothingDoesNothing() {
    for (Object[] impl : implementations()) {
      float[] c = {1f, 2f};
      ((Kernels) impl[1]).gemmBatched(0, false, false, 1, 1, 1, 1f, new float[1], 0, 1, 1,
          new float[1], 0, 1, 1, 0f, c, 0, 1, 1);
      if (c[0] != 1f || c[1] != 2f) {
        fail(impl[0] + ": batch 0 wrote C");
      }
    }
  }
}
