package dev.nabla.core.internal.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Results are bitwise identical with 1, 2 and 3 threads, for problems big enough to be split
 * (the tiling of GEMM does change with the thread count; the arithmetic must not).
 */
class DeterminismTest {

  static Stream<Arguments> impls() {
    List<Arguments> l = new ArrayList<>();
    l.add(Arguments.of("scalar", Kernels.scalar()));
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
      l.add(Arguments.of("vector", new VectorKernels()));
    }
    return l.stream();
  }

  static float[] random(long seed, int n) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = r.nextFloat() * 2 - 1;
    }
    return x;
  }

  /** Runs {@code f} at 1, 2 and 3 threads and asserts the three outputs are the same bits. */
  static void sameAtAnyThreadCount(String what, Supplier<float[]> f) {
    float[] one = Parallel.withThreads(1, f);
    float[] two = Parallel.withThreads(2, f);
    float[] three = Parallel.withThreads(3, f);
    assertTrue(one.length > 0, what);
    assertArrayEquals(one, two, what + ": 1 vs 2 threads");
    assertArrayEquals(one, three, what + ": 1 vs 3 threads");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("impls")
  void gemm(String name, Kernels k) {
    // {m, n, k}: tall, wide, deep (several k-slices), and matrix-vector shapes; all above the
    // size below which GEMM stays on one thread (the scalar specification: two of them)
    int[][] shapes = {{150, 131, 517}, {24, 600, 300}, {300, 40, 400}, {1, 2000, 300},
        {2000, 1, 300}};
    boolean scalar = k == Kernels.scalar();
    for (int[] s : scalar ? new int[][] {shapes[0], shapes[3]} : shapes) {
      int m = s[0];
      int n = s[1];
      int kk = s[2];
      float[] a = random(1, m * kk);
      float[] b = random(2, kk * n);
      float[] c0 = random(3, m * n);
      for (int t = 0; t < 4; t += scalar ? 3 : 1) {
        boolean tA = (t & 1) != 0;
        boolean tB = (t & 2) != 0;
        float beta = t == 0 ? 0f : 0.5f;
        sameAtAnyThreadCount(name + " gemm " + m + "x" + n + "x" + kk + " t=" + t, () -> {
          float[] c = c0.clone();
          k.gemm(tA, tB, m, n, kk, 1.25f, a, 0, tA ? m : kk, b, 0, tB ? kk : n, beta, c, 0, n);
          return c;
        });
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("impls")
  void gemmBatched(String name, Kernels k) {
    int batch = 16;
    int m = 48;
    int n = 40;
    int kk = 64;
    float[] a = random(4, batch * m * kk);
    float[] b = random(5, batch * kk * n);
    sameAtAnyThreadCount(name + " gemmBatched", () -> {
      float[] c = new float[batch * m * n];
      k.gemmBatched(batch, false, true, m, n, kk, 1f, a, 0, m * kk, kk, b, 0, kk * n, kk, 0f, c,
          0, m * n, n);
      return c;
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("impls")
  void reductionsAndElementwise(String name, Kernels k) {
    int n = 3 * ScalarKernels.REDUCE_CHUNK + 77;
    float[] x = random(6, n);
    float[] y = random(7, n);
    sameAtAnyThreadCount(name + " reductions", () -> new float[] {k.sum(n, x, 0),
        k.sumOfSquares(n, x, 0), k.dot(n, x, 0, y, 0), k.max(n, x, 0)});
    for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.TANH, UnaryOp.SILU}) {
      sameAtAnyThreadCount(name + " " + op, () -> {
        float[] out = new float[n];
        k.unary(op, n, x, 0, out, 0);
        return out;
      });
    }
    sameAtAnyThreadCount(name + " axpy", () -> {
      float[] out = y.clone();
      k.axpy(n, 0.3f, x, 0, out, 0);
      k.binary(BinaryOp.MUL, n, out, 0, x, 0, out, 0);
      return out;
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("impls")
  void rows(String name, Kernels k) {
    int rows = 64;
    int cols = 1000;
    float[] x = random(8, rows * cols);
    float[] w = random(9, cols);
    float[] bias = random(10, cols);
    for (boolean log : new boolean[] {false, true}) {
      sameAtAnyThreadCount(name + " softmax log=" + log, () -> {
        float[] out = new float[rows * cols];
        k.softmaxRows(rows, cols, x, 0, out, 0, log);
        return out;
      });
    }
    sameAtAnyThreadCount(name + " rmsNorm", () -> {
      float[] out = new float[rows * cols + rows];
      float[] inv = new float[rows];
      k.rmsNormRows(rows, cols, x, 0, w, 1e-5f, out, 0, inv);
      System.arraycopy(inv, 0, out, rows * cols, rows);
      return out;
    });
    sameAtAnyThreadCount(name + " layerNorm", () -> {
      float[] out = new float[rows * cols + 2 * rows];
      float[] mean = new float[rows];
      float[] rstd = new float[rows];
      k.layerNormRows(rows, cols, x, 0, w, bias, 1e-5f, out, 0, mean, rstd);
      System.arraycopy(mean, 0, out, rows * cols, rows);
      System.arraycopy(rstd, 0, out, rows * cols + rows, rows);
      return out;
    });
  }
}
