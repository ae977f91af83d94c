package dev.nabla.benchmarks;

import dev.nabla.core.internal.kernel.Kernels;
import java.util.concurrent.TimeUnit;
import org.ejml.concurrency.EjmlConcurrency;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * FP32 GEMM, C[M×N] = A[M×K]·B[K×N], row-major, A and B ~ N(0,1): the kernel layer's
 * {@code gemm} against two Java baselines measured in the same run — EJML's
 * {@code CommonOps_FDRM.mult} (its multi-threaded {@code CommonOps_MT_FDRM.mult} at 2 threads)
 * and a naive i-j-k triple loop (small sizes only: it is ~100× slower).
 *
 * <p>The score is products per second; the {@code gflop} secondary counter is GFLOP/s =
 * 2·M·N·K / time / 10⁹ (one multiply-add = 2 FLOP). Shapes use the notation of
 * {@code benchmarks/reference/numpy_gemm.py} ({@code n} or {@code MxKxN}), so the numbers join with
 * the native BLAS reference. {@code threads} becomes {@code -Dnabla.threads} of the fork.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar 'GemmBenchmark.(nabla|ejml)' -p shape=1024 \
 *     -wi 2 -i 3 -f 1 -w 1s -r 1s
 * </pre>
 *
 * <p>The kernels are called directly, so the number means the same before and after
 * {@code Tensor.matmul} is routed to them; {@code scalarKernels} runs the plain-loop specification
 * for comparison.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xss4m"})
public class GemmBenchmark {

  /** Row-major operands of one shape; C is preallocated (as {@code torch.mm(a, b, out=c)}). */
  abstract static class Operands {
    int m;
    int k;
    int n;
    double gflop;
    float[] a;
    float[] b;
    float[] c;

    void init(String shape) {
      GemmShape s = GemmShape.parse(shape);
      m = s.m();
      k = s.k();
      n = s.n();
      gflop = s.flop() / 1e9;
      a = Fill.gaussian(m * k, 1);
      b = Fill.gaussian(k * n, 2);
      c = new float[m * n];
    }
  }

  /** The active kernels ({@code Kernels.get()}): every sweep shape, 1 and 2 threads. */
  @State(Scope.Benchmark)
  public static class Problem extends Operands {
    @Param({"256", "512", "1024", "2048", "4096x512x512", "4096x512x2048"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    @Setup(Level.Trial)
    public void setUp() {
      KernelThreads.configure(threads);
      init(shape);
    }
  }

  /** The scalar specification ({@code Kernels.scalar()}): slow, so smaller sizes by default. */
  @State(Scope.Benchmark)
  public static class ScalarProblem extends Operands {
    @Param({"256", "512", "1024"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    @Setup(Level.Trial)
    public void setUp() {
      KernelThreads.configure(threads);
      init(shape);
    }
  }

  /** EJML on the same data; at 2 threads its own concurrent variant with 2 threads. */
  @State(Scope.Benchmark)
  public static class EjmlProblem extends Operands {
    @Param({"256", "512", "1024", "2048", "4096x512x512", "4096x512x2048"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    FMatrixRMaj ma;
    FMatrixRMaj mb;
    FMatrixRMaj mc;

    @Setup(Level.Trial)
    public void setUp() {
      init(shape);
      EjmlConcurrency.setMaxThreads(threads);
      ma = FMatrixRMaj.wrap(m, k, a);
      mb = FMatrixRMaj.wrap(k, n, b);
      mc = FMatrixRMaj.wrap(m, n, c);
    }
  }

  /** The textbook triple loop, one thread; only small sizes (512 takes ~0.5 s per product). */
  @State(Scope.Benchmark)
  public static class NaiveProblem extends Operands {
    @Param({"256", "512"})
    public String shape;

    @Setup(Level.Trial)
    public void setUp() {
      init(shape);
    }
  }

  /** Secondary result: GFLOP/s (the counter advances by 2·M·N·K / 10⁹ per product). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Flops {
    public double gflop;

    @Setup(Level.Iteration)
    public void reset() {
      gflop = 0;
    }
  }

  @Benchmark
  public float[] nabla(Problem p, Flops f) {
    Kernels.get().gemm(false, false, p.m, p.n, p.k, 1f, p.a, 0, p.k, p.b, 0, p.n, 0f, p.c, 0, p.n);
    f.gflop += p.gflop;
    return p.c;
  }

  @Benchmark
  public float[] scalarKernels(ScalarProblem p, Flops f) {
    Kernels.scalar().gemm(false, false, p.m, p.n, p.k, 1f, p.a, 0, p.k, p.b, 0, p.n, 0f, p.c, 0,
        p.n);
    f.gflop += p.gflop;
    return p.c;
  }

  @Benchmark
  public FMatrixRMaj ejml(EjmlProblem p, Flops f) {
    if (p.threads == 1) {
      CommonOps_FDRM.mult(p.ma, p.mb, p.mc);
    } else {
      CommonOps_MT_FDRM.mult(p.ma, p.mb, p.mc);
    }
    f.gflop += p.gflop;
    return p.mc;
  }

  @Benchmark
  public float[] naive(NaiveProblem p, Flops f) {
    naiveGemm(p.m, p.n, p.k, p.a, p.b, p.c);
    f.gflop += p.gflop;
    return p.c;
  }

  /** C = A·B, i-j-k order: a dot product of a row of A and a (strided) column of B per entry. */
  static void naiveGemm(int m, int n, int k, float[] a, float[] b, float[] c) {
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        float s = 0f;
        for (int l = 0; l < k; l++) {
          s += a[i * k + l] * b[l * n + j];
        }
        c[i * n + j] = s;
      }
    }
  }
}
