package dev.nabla.core.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kernel of {@link VectorKernels} against {@link ScalarKernels} (the specification) at
 * lengths around the vector widths, at 128-, 256- and 512-bit vectors (wider than the hardware's
 * is emulated by the Vector API: slow but the same arithmetic). Exact operations must agree bit
 * for bit; transcendental ones within a few ulps; reductions within a bound proportional to the
 * reduction length.
 */
@TestInstance(Lifecycle.PER_CLASS)
class VectorKernelsTest {
  static final int[] SIZES = {0, 1, 7, 8, 15, 16, 17, 1023, 1024, 1025};
  static final Kernels REF = Kernels.scalar();
  /** 2⁻²³: one float ulp at 1. */
  static final double EPS = 0x1p-23;

  static boolean vectorModule() {
    return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
  }

  @BeforeAll
  void needsVectorModule() {
    org.junit.jupiter.api.Assumptions.assumeTrue(vectorModule(),
        "the JVM lacks --add-modules jdk.incubator.vector");
  }

  static Kernels kernels(int bits) {
    return bits == 0 ? new VectorKernels() : new VectorKernels(bits);
  }

  /** Values in [-scale, scale) with an offset of garbage in front. */
  static float[] random(Random r, int off, int n, float scale) {
    float[] x = new float[off + n + 3];
    for (int i = 0; i < x.length; i++) {
      x[i] = (r.nextFloat() * 2 - 1) * scale;
    }
    return x;
  }

  static void assertBitsEqual(float[] expected, float[] actual, String what) {
    for (int i = 0; i < expected.length; i++) {
      if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])
          && !(expected[i] == 0f && actual[i] == 0f)) {
        fail(what + ": index " + i + " expected " + expected[i] + " got " + actual[i]);
      }
    }
  }

  /** |e − a| ≤ ulps·ulp(e) + abs, NaN and infinities exactly. */
  static void assertUlps(float[] expected, float[] actual, double ulps, double abs, String what) {
    for (int i = 0; i < expected.length; i++) {
      float e = expected[i];
      float a = actual[i];
      if (Float.isNaN(e) || Float.isInfinite(e)) {
        if (Float.compare(e, a) != 0) {
          fail(what + ": index " + i + " expected " + e + " got " + a);
        }
        continue;
      }
      double d = Math.abs((double) e - a);
      if (!(d <= ulps * Math.ulp(e) + abs)) {
        fail(what + ": index " + i + " expected " + e + " got " + a + " (" + d / Math.ulp(e)
            + " ulp)");
      }
    }
  }

  static void assertClose(double expected, double actual, double tol, String what) {
    if (!(Math.abs(expected - actual) <= tol)) {
      fail(what + ": expected " + expected + " got " + actual + " (tolerance " + tol + ")");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 128, 256, 512})
  void describesItsWidth(int bits) {
    String d = kernels(bits).description();
    assertTrue(d.startsWith("Vector API, "), d);
    if (bits != 0) {
      assertEquals("Vector API, " + bits + "-bit", d);
    }
  }

  @Test
  void rejectsUnknownWidths() {
    assertThrows(IllegalArgumentException.class, () -> new VectorKernels(96));
  }

  @ParameterizedTest
  @ValueSource(ints = {128, 256, 512})
  void blasLevel1(int bits) {
    Kernels k = kernels(bits);
    Random r = new Random(bits);
    for (int n : SIZES) {
      float[] x = random(r, 3, n, 1f);
      float[] y = random(r, 5, n, 1f);
      double absDot = 0;
      for (int i = 0; i < n; i++) {
        absDot += Math.abs((double) x[3 + i] * y[5 + i]);
      }
      assertClose(REF.dot(n, x, 3, y, 5), k.dot(n, x, 3, y, 5), (n + 16) * EPS * absDot + 1e-30,
          "dot n=" + n);

      float[] yv = y.clone();
      k.axpy(n, 0.75f, x, 3, yv, 5);
      for (int i = 0; i < y.length; i++) {
        if (i < 5 || i >= 5 + n) {
          assertEquals(y[i], yv[i], "axpy outside the range n=" + n);
        } else {
          double exact = y[i] + 0.75 * x[i - 2];
          assertClose(exact, yv[i], Math.ulp((float) exact), "axpy n=" + n + " i=" + i);
        }
      }

      float[] xs = x.clone();
      float[] xv = x.clone();
      REF.scale(n, -1.5f, xs, 3);
      k.scale(n, -1.5f, xv, 3);
      assertBitsEqual(xs, xv, "scale n=" + n);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {128, 256, 512})
  void reductions(int bits) {
    Kernels k = kernels(bits);
    Random r = new Random(bits + 1);
    for (int n : SIZES) {
      float[] x = random(r, 2, n, 3f);
      double abs = 0;
      double sq = 0;
      for (int i = 0; i < n; i++) {
        abs += Math.abs(x[2 + i]);
        sq += (double) x[2 + i] * x[2 + i];
      }
      double tol = (n + 16) * EPS;
      assertClose(REF.sum(n, x, 2), k.sum(n, x, 2), tol * abs + 1e-30, "sum n=" + n);
      assertClose(REF.sumOfSquares(n, x, 2), k.sumOfSquares(n, x, 2), tol * sq + 1e-30,
          "sumOfSquares n=" + n);
      assertEquals(REF.max(n, x, 2), k.max(n, x, 2), "max n=" + n);
      if (n > 0) {
        float[] nan = x.clone();
        nan[2 + n / 2] = Float.NaN;
        assertTrue(Float.isNaN(k.max(n, nan, 2)), "max with NaN n=" + n);
        float[] inf = x.clone();
        inf[2 + n - 1] = Float.POSITIVE_INFINITY;
        assertEquals(Float.POSITIVE_INFINITY, k.max(n, inf, 2), "max with +inf n=" + n);
      }
    }
    assertEquals(Float.NEGATIVE_INFINITY, k.max(0, new float[0], 0));
    float[] neg = new float[37];
    Arrays.fill(neg, -5f);
    neg[30] = -2f;
    assertEquals(-2f, k.max(37, neg, 0));
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 256})
  void reductionsOverSeveralChunks(int bits) {
    Kernels k = kernels(bits);
    Random r = new Random(7);
    int n = 3 * ScalarKernels.REDUCE_CHUNK + 123;
    float[] x = random(r, 1, n, 1f);
    float[] y = random(r, 0, n, 1f);
    x[1 + 2 * ScalarKernels.REDUCE_CHUNK + 5] = 9f;
    double tol = (ScalarKernels.REDUCE_CHUNK + 64) * EPS * n;
    assertClose(REF.sum(n, x, 1), k.sum(n, x, 1), tol, "sum");
    assertClose(REF.sumOfSquares(n, x, 1), k.sumOfSquares(n, x, 1), tol, "sumOfSquares");
    assertClose(REF.dot(n, x, 1, y, 0), k.dot(n, x, 1, y, 0), tol, "dot");
    assertEquals(9f, k.max(n, x, 1));
  }

  /** Inputs for unary ops: random in a range, plus the special values at the front. */
  static float[] unaryInputs(Random r, int n, float lo, float hi) {
    float[] x = new float[n + 4];
    float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
        Float.MIN_VALUE, -Float.MIN_VALUE, Float.MIN_NORMAL, 1f, -1f, 88.7f, -87.5f, -103f, 89f,
        -110f, 1e-30f, 0.6249f, 0.6251f, -0.625f, 20f, -20f, 1.5e-5f, 3e38f};
    for (int i = 0; i < x.length; i++) {
      x[i] = lo + r.nextFloat() * (hi - lo);
    }
    System.arraycopy(special, 0, x, 4, Math.min(n, special.length));
    return x;
  }

  @ParameterizedTest
  @ValueSource(ints = {128, 256, 512})
  void unaryOps(int bits) {
    Kernels k = kernels(bits);
    Random r = new Random(bits + 2);
    for (UnaryOp op : UnaryOp.values()) {
      float lo = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT ? 0f : -12f;
      for (int n : SIZES) {
        float[] x = unaryInputs(r, n, lo, 12f);
        if (op == UnaryOp.LOG) {
          // also values spanning the exponent range
          for (int i = 4 + 23; i < n + 4; i += 3) {
            x[i] = (float) Math.pow(2, r.nextInt(250) - 125) * (0.5f + r.nextFloat());
          }
        }
        float[] ys = new float[n + 6];
        float[] yv = new float[n + 6];
        Arrays.fill(ys, 42f);
        Arrays.fill(yv, 42f);
        REF.unary(op, n, x, 4, ys, 6);
        k.unary(op, n, x, 4, yv, 6);
        String what = op + " n=" + n + " bits=" + bits;
        switch (op) {
          case NEG, ABS, RELU, SQUARE, SQRT, RECIPROCAL -> assertBitsEqual(ys, yv, what);
          case RSQRT -> assertUlps(ys, yv, 1.5, 0, what);
          default -> assertUlps(ys, yv, 4, 1e-37, what);
        }
        // in place
        float[] xi = x.clone();
        k.unary(op, n, xi, 4, xi, 4);
        assertBitsEqual(Arrays.copyOfRange(yv, 6, 6 + n), Arrays.copyOfRange(xi, 4, 4 + n),
            "in place " + what);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {128, 256, 512})
  void transcendentalAccuracyOverWideRanges(int bits) {
    Kernels k = kernels(bits);
    Random r = new Random(3);
    int n = 4096;
    for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.LOG, UnaryOp.TANH, UnaryOp.SIGMOID,
        UnaryOp.SILU}) {
      float[] x = new float[n];
      for (int i = 0; i < n; i++) {
        x[i] = op == UnaryOp.LOG
            ? Float.intBitsToFloat(r.nextInt(0x7f800000)) // every positive finite float
            : (r.nextFloat() * 2 - 1) * (i % 2 == 0 ? 1f : 100f);
      }
      float[] ys = new float[n];
      float[] yv = new float[n];
      REF.unary(op, n, x, 0, ys, 0);
      k.unary(op, n, x, 0, yv, 0);
      assertUlps(ys, yv, 3, 1e-37, op + " wide range bits=" + bits);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {128, 256, 512})
  void binaryOps(int bits) {
    Kernels k = kernels(bits);
    Random r = new Random(bits + 3);
    for (BinaryOp op : BinaryOp.values()) {
      for (int n : SIZES) {
        float[] a = random(r, 1, n, 4f);
        float[] b = random(r, 2, n, 4f);
        if (n > 3) {
          a[2] = Float.NaN;
          b[2 + 3] = Float.NaN;
          a[3] = -0f;
          b[2 + 2] = 0f;
        }
        float[] ys = new float[n + 3];
        float[] yv = new float[n + 3];
        REF.binary(op, n, a, 1, b, 2, ys, 0);
        k.binary(op, n, a, 1, b, 2, yv, 0);
        assertBitsEqual(ys, yv, op + " n=" + n);
        float s = op == BinaryOp.DIV ? 0.37f : -1.25f;
        REF.binaryScalar(op, n, a, 1, s, ys, 2);
        k.binaryScalar(op, n, a, 1, s, yv, 2);
        assertBitsEqual(ys, yv, op + " scalar n=" + n);
        float[] nanS = new float[n + 3];
        float[] nanV = new float[n + 3];
        REF.binaryScalar(op, n, a, 1, Float.NaN, nanS, 0);
        k.binaryScalar(op, n, a, 1, Float.NaN, nanV, 0);
        assertBitsEqual(nanS, nanV, op + " NaN scalar n=" + n);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {128, 256, 512})
  void softmaxRows(int bits) {
    Kernels k = kernels(bits);
    Random r = new Random(bits + 4);
    for (int cols : SIZES) {
      for (int rows : new int[] {0, 1, 3}) {
        for (boolean log : new boolean[] {false, true}) {
          float[] x = random(r, 2, rows * cols, 8f);
          if (rows * cols > 2) {
            x[2 + cols / 2] = Float.NEGATIVE_INFINITY; // a masked entry
          }
          float[] ys = new float[rows * cols + 1];
          float[] yv = new float[rows * cols + 1];
          REF.softmaxRows(rows, cols, x, 2, ys, 1, log);
          k.softmaxRows(rows, cols, x, 2, yv, 1, log);
          String what = "softmax log=" + log + " rows=" + rows + " cols=" + cols;
          // a few ulps plus the float sum of cols terms; log-softmax is x − lse, so its error
          // is absolute, on the scale of lse (|x| ≤ 8 here)
          double ulps = 6 + cols * 0.02;
          assertUlps(ys, yv, ulps, log ? ulps * Math.ulp(16f) : 1e-37, what);
          float[] xi = x.clone();
          k.softmaxRows(rows, cols, xi, 2, xi, 2, log);
          assertBitsEqual(Arrays.copyOfRange(yv, 1, 1 + rows * cols),
              Arrays.copyOfRange(xi, 2, 2 + rows * cols), "in place " + what);
        }
      }
    }
    // a fully masked row gives NaN, as the specification
    float[] masked = new float[20];
    Arrays.fill(masked, Float.NEGATIVE_INFINITY);
    float[] out = new float[20];
    k.softmaxRows(1, 20, masked, 0, out, 0, false);
    assertTrue(Float.isNaN(out[0]) && Float.isNaN(out[19]));
  }

  @ParameterizedTest
  @ValueSource(ints = {128, 256, 512})
  void rmsNormRows(int bits) {
    Kernels k = kernels(bits);
    Random r = new Random(bits + 5);
    for (int cols : SIZES) {
      for (boolean weighted : new boolean[] {false, true}) {
        int rows = 3;
        float[] x = random(r, 1, rows * cols, 2f);
        float[] w = weighted ? random(r, 0, cols, 1.5f) : null;
        float[] ys = new float[rows * cols + 2];
        float[] yv = new float[rows * cols + 2];
        float[] is = new float[rows];
        float[] iv = new float[rows];
        REF.rmsNormRows(rows, cols, x, 1, w, 1e-5f, ys, 2, is);
        k.rmsNormRows(rows, cols, x, 1, w, 1e-5f, yv, 2, iv);
        String what = "rmsNorm cols=" + cols + " weighted=" + weighted;
        assertUlps(is, iv, 2 + cols * 0.01, 0, what + " invRms");
        assertUlps(ys, yv, 3 + cols * 0.01, 1e-30, what);
        k.rmsNormRows(rows, cols, x, 1, w, 1e-5f, yv, 2, null);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {128, 256, 512})
  void layerNormRows(int bits) {
    Kernels k = kernels(bits);
    Random r = new Random(bits + 6);
    for (int cols : SIZES) {
      for (int variant = 0; variant < 4; variant++) {
        int rows = 3;
        float[] x = random(r, 1, rows * cols, 2f);
        for (int i = 0; i < x.length; i++) {
          x[i] += 3f; // a mean well away from 0
        }
        float[] w = (variant & 1) != 0 ? random(r, 0, cols, 1.5f) : null;
        float[] b = (variant & 2) != 0 ? random(r, 0, cols, 1.5f) : null;
        float[] ys = new float[rows * cols + 2];
        float[] yv = new float[rows * cols + 2];
        float[] ms = new float[rows];
        float[] mv = new float[rows];
        float[] rs = new float[rows];
        float[] rv = new float[rows];
        REF.layerNormRows(rows, cols, x, 1, w, b, 1e-5f, ys, 2, ms, rs);
        k.layerNormRows(rows, cols, x, 1, w, b, 1e-5f, yv, 2, mv, rv);
        String what = "layerNorm cols=" + cols + " variant=" + variant;
        assertUlps(ms, mv, 2 + cols * 0.01, 0, what + " mean");
        assertUlps(rs, rv, 2 + cols * 0.01, 0, what + " rstd");
        // outputs near 0 (x close to the mean) get an absolute allowance
        assertUlps(ys, yv, 4 + cols * 0.01, 2e-6 * (1 + cols * 0.01), what);
        k.layerNormRows(rows, cols, x, 1, w, b, 1e-5f, yv, 2, null, null);
      }
    }
  }
}
