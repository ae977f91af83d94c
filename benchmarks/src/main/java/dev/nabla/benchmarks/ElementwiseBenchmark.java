package dev.nabla.benchmarks;

import dev.nabla.core.internal.kernel.BinaryOp;
import dev.nabla.core.internal.kernel.Kernels;
import dev.nabla.core.internal.kernel.UnaryOp;
import java.util.concurrent.TimeUnit;
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
 * Memory-bound kernels — add, mul, exp, relu, sum, max and row softmax over contiguous float
 * arrays — next to {@code System.arraycopy} of the same length, the copy bandwidth of this JVM
 * on this machine measured in the same run.
 *
 * <p>The {@code gbytes} secondary counter is GB/s of <em>minimum</em> traffic (each input read
 * once, each output written once; 4 bytes per float): copy, exp, relu and softmaxRows move 8·n
 * bytes, add and mul 12·n, sum and max 4·n. A kernel near the copy's GB/s is bandwidth-bound.
 * {@code size} 4096 fits in L1/L2 (compute and call overhead), 4194304 (16 MiB per array) does
 * not. softmaxRows uses rows of 512 (the attention length of W2). {@code threads} becomes
 * {@code -Dnabla.threads} of the fork; the copy is always one thread.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar ElementwiseBenchmark -p threads=1 -wi 2 -i 3 -f 1 -w 1s -r 1s
 * </pre>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xss4m"})
public class ElementwiseBenchmark {

  static final int SOFTMAX_COLS = 512;

  @State(Scope.Benchmark)
  public static class Data {
    @Param({"4096", "4194304"})
    public int size;

    @Param({"1", "2"})
    public int threads;

    float[] a;
    float[] b;
    float[] y;
    double gb1; // 4·size bytes in GB: one pass over one array

    @Setup(Level.Trial)
    public void setUp() {
      if (size % SOFTMAX_COLS != 0) {
        throw new IllegalArgumentException("size must be a multiple of " + SOFTMAX_COLS);
      }
      KernelThreads.configure(threads);
      a = Fill.gaussian(size, 1);
      b = Fill.gaussian(size, 2);
      y = new float[size];
      gb1 = 4.0 * size / 1e9;
    }
  }

  /** Secondary result: GB/s of minimum memory traffic. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Traffic {
    public double gbytes;

    @Setup(Level.Iteration)
    public void reset() {
      gbytes = 0;
    }
  }

  @Benchmark
  public float[] copy(Data d, Traffic t) {
    System.arraycopy(d.a, 0, d.y, 0, d.size);
    t.gbytes += 2 * d.gb1;
    return d.y;
  }

  @Benchmark
  public float[] add(Data d, Traffic t) {
    Kernels.get().binary(BinaryOp.ADD, d.size, d.a, 0, d.b, 0, d.y, 0);
    t.gbytes += 3 * d.gb1;
    return d.y;
  }

  @Benchmark
  public float[] mul(Data d, Traffic t) {
    Kernels.get().binary(BinaryOp.MUL, d.size, d.a, 0, d.b, 0, d.y, 0);
    t.gbytes += 3 * d.gb1;
    return d.y;
  }

  @Benchmark
  public float[] exp(Data d, Traffic t) {
    Kernels.get().unary(UnaryOp.EXP, d.size, d.a, 0, d.y, 0);
    t.gbytes += 2 * d.gb1;
    return d.y;
  }

  @Benchmark
  public float[] relu(Data d, Traffic t) {
    Kernels.get().unary(UnaryOp.RELU, d.size, d.a, 0, d.y, 0);
    t.gbytes += 2 * d.gb1;
    return d.y;
  }

  @Benchmark
  public float sum(Data d, Traffic t) {
    t.gbytes += d.gb1;
    return Kernels.get().sum(d.size, d.a, 0);
  }

  @Benchmark
  public float max(Data d, Traffic t) {
    t.gbytes += d.gb1;
    return Kernels.get().max(d.size, d.a, 0);
  }

  @Benchmark
  public float[] softmaxRows(Data d, Traffic t) {
    Kernels.get().softmaxRows(d.size / SOFTMAX_COLS, SOFTMAX_COLS, d.a, 0, d.y, 0, false);
    t.gbytes += 2 * d.gb1;
    return d.y;
  }
}
