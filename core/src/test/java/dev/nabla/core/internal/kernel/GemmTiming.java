package dev.nabla.core.internal.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A quick GEMM timing harness (not a test, asserts nothing; the JMH benchmarks are the real
 * measurement). Prints the median, min and max GFLOP/s of C = A·B per shape.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -Dnabla.threads=1 \
 *     -cp core/target/classes:core/target/test-classes \
 *     dev.nabla.core.internal.kernel.GemmTiming [-reps 15] [-tA] [-tB] [-scalar] [MxNxK ...]
 * </pre>
 *
 * The vector width follows {@code -Dnabla.vector.bits}; {@code -Dnabla.gemm.mr/kc/mc/nc/inline}
 * override the blocking for tuning runs.
 */
public final class GemmTiming {
  private GemmTiming() {}

  public static void main(String[] args) {
    int reps = 15;
    boolean tA = false;
    boolean tB = false;
    boolean scalar = false;
    List<int[]> shapes = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "-reps" -> reps = Integer.parseInt(args[++i]);
        case "-tA" -> tA = true;
        case "-tB" -> tB = true;
        case "-scalar" -> scalar = true;
        default -> shapes.add(Arrays.stream(args[i].split("x")).mapToInt(Integer::parseInt)
            .toArray());
      }
    }
    if (shapes.isEmpty()) {
      shapes.add(new int[] {512, 512, 512});
      shapes.add(new int[] {1024, 1024, 1024});
      shapes.add(new int[] {4096, 512, 512});
      shapes.add(new int[] {4096, 512, 2048});
    }
    Kernels k = scalar ? Kernels.scalar() : new VectorKernels();
    System.out.printf("# %s, %d threads, %s, transA=%b transB=%b, java %s%n", k.description(),
        Parallel.threads(), System.getProperty("java.vm.name"), tA, tB,
        System.getProperty("java.version"));
    Random rnd = new Random(1);
    for (int[] s : shapes) {
      int m = s[0];
      int n = s[1];
      int kk = s[2];
      float[] a = new float[m * kk];
      float[] b = new float[kk * n];
      float[] c = new float[m * n];
      for (int i = 0; i < a.length; i++) {
        a[i] = rnd.nextFloat() - 0.5f;
      }
      for (int i = 0; i < b.length; i++) {
        b[i] = rnd.nextFloat() - 0.5f;
      }
      int lda = tA ? m : kk;
      int ldb = tB ? kk : n;
      double flops = 2.0 * m * n * kk;
      // warm up for about a second, at least 3 calls
      long until = System.nanoTime() + 1_000_000_000L;
      for (int w = 0; w < 3 || System.nanoTime() < until; w++) {
        k.gemm(tA, tB, m, n, kk, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
      }
      double[] g = new double[reps];
      for (int r = 0; r < reps; r++) {
        long t0 = System.nanoTime();
        k.gemm(tA, tB, m, n, kk, 1f, a, 0, lda, b, 0, ldb, 0f, c, 0, n);
        g[r] = flops / (System.nanoTime() - t0);
      }
      Arrays.sort(g);
      System.out.printf("%dx%dx%d  median %.1f GFLOP/s  (min %.1f, max %.1f)%n", m, n, kk,
          g[reps / 2], g[0], g[reps - 1]);
    }
  }
}
