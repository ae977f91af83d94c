package dev.nabla.benchmarks;

import dev.nabla.attention.AttentionImpl;
import dev.nabla.attention.AttentionOptions;
import dev.nabla.attention.ScaledDotProductAttention;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.internal.kernel.Kernels;
import dev.nabla.core.internal.kernel.Parallel;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The attention kernels, forward + backward of sum(y ∘ upstream), B = 1, H = 8, D = 64:
 * REFERENCE (materialises the T×T scores) against FLASH (tiled, online softmax) for time,
 * allocated bytes and peak heap, and LINEAR (elu+1 features) against FLASH for time, with the
 * fitted growth of time in T. The reference may run out of memory at large T: that is reported,
 * not fatal.
 *
 * <p>A plain main rather than JMH: one measurement at T = 8192 takes seconds, an
 * OutOfMemoryError must be caught and reported, and allocation must be summed over the kernel
 * pool's threads (JMH's gc profiler counts the benchmark thread only). Like JMH, every
 * configuration runs in fresh JVMs ({@code --forks}, default 2, the best kept: in some JVMs C2
 * compiles the GEMM micro-kernel without the Vector API intrinsics, which halves the speed; same
 * options as this JVM; {@code --no-fork} runs all in this one).
 *
 * <pre>
 * java -Xmx8g --add-modules=jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     dev.nabla.benchmarks.AttentionBenchmark [--lengths 512,1024,2048,4096,8192] [--reps 3] \
 *     [--forks 2] [--impls REFERENCE,FLASH,LINEAR]
 * </pre>
 *
 * <p>Time: the best of {@code reps} runs after one warm-up run (seven T = 512 runs of the
 * implementation first compile the kernels: interpreted or C1-compiled Vector API code is slow
 * and allocates a box per vector). Allocated: the fewest bytes allocated by all threads during
 * one run ({@code com.sun.management.ThreadMXBean}), which bounds the working set from above.
 * Peak heap: the largest heap occupancy during one run (heap pools' peak usage after a GC and a
 * reset), garbage included. Retained: the heap held between forward and backward (full GCs
 * around the forward of one extra run), i.e. what the graph keeps for backward.
 */
public final class AttentionBenchmark {
  private static final int B = 1;
  private static final int H = 8;
  private static final int D = 64;

  private AttentionBenchmark() {}

  /** One measurement; {@code error} is set (and the numbers are NaN/−1) when it failed. */
  record Result(String impl, int t, boolean causal, double ms, long allocated, long peakHeap,
      long retained, String error) {
    boolean ok() {
      return error == null;
    }
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    int[] lengths = {512, 1024, 2048, 4096, 8192};
    int reps = 3;
    boolean fork = true;
    int forks = 2;
    List<AttentionImpl> impls = List.of(AttentionImpl.REFERENCE, AttentionImpl.FLASH,
        AttentionImpl.LINEAR);
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--lengths" -> lengths = Arrays.stream(args[++i].split(","))
            .mapToInt(Integer::parseInt).toArray();
        case "--reps" -> reps = Integer.parseInt(args[++i]);
        case "--no-fork" -> fork = false;
        case "--forks" -> forks = Integer.parseInt(args[++i]);
        case "--impls" -> impls = Arrays.stream(args[++i].split(","))
            .map(AttentionImpl::valueOf).toList();
        case "--single" -> { // a forked child: one configuration
          Result r = single(AttentionImpl.valueOf(args[i + 1]), Boolean.parseBoolean(args[i + 2]),
              Integer.parseInt(args[i + 3]), Integer.parseInt(args[i + 4]));
          System.out.println(encode(r));
          return;
        }
        default -> throw new IllegalArgumentException("unknown argument " + args[i]
            + "; expected --lengths a,b,c, --impls REFERENCE,FLASH,LINEAR, --reps n, --forks n"
            + " and --no-fork");
      }
    }
    System.out.printf(Locale.ROOT, "# attention kernels, B=%d H=%d D=%d, forward+backward;"
        + " %s, %d threads, -Xmx %d MiB, Java %s%s%n", B, H, D, Kernels.get().description(),
        Parallel.threads(), Runtime.getRuntime().maxMemory() >> 20,
        System.getProperty("java.version"),
        fork ? ", best of " + forks + " JVMs per configuration" : "");
    List<Result> all = new ArrayList<>();
    for (int t : lengths) {
      for (AttentionImpl impl : impls) {
        for (boolean causal : new boolean[] {false, true}) {
          if (impl == AttentionImpl.REFERENCE && causal) {
            continue; // the reference does the same work with or without the causal mask
          }
          Result r = fork ? forked(impl, causal, t, reps) : single(impl, causal, t, reps);
          for (int f = 1; fork && f < forks && r.ok(); f++) {
            r = best(r, forked(impl, causal, t, reps));
          }
          all.add(r);
          System.out.printf(Locale.ROOT, "%-9s T=%5d %-10s %s%n", r.impl(), t,
              causal ? "causal" : "non-causal", r.ok()
                  ? String.format(Locale.ROOT, "%10.1f ms  allocated %8.1f MiB  peak heap %8.1f"
                      + " MiB  retained by forward %8.1f MiB", r.ms(), mib(r.allocated()),
                      mib(r.peakHeap()), mib(r.retained()))
                  : r.error());
        }
      }
    }
    System.out.println();
    printTables(all, lengths);
  }

  /**
   * One configuration after a warm-up of the same implementation at T = 512 (seven runs: C2 must
   * compile the kernels and the Vector API, whose interpreted form is slow and allocates a box per
   * vector).
   */
  static Result single(AttentionImpl impl, boolean causal, int t, int reps) {
    measure(impl, 512, causal, 6);
    return measure(impl, t, causal, reps);
  }

  /**
   * {@link #single} in a fresh JVM with this JVM's options, as JMH forks: the JIT's profile of
   * one implementation does not slow another, and an OutOfMemoryError stays in the child.
   */
  static Result forked(AttentionImpl impl, boolean causal, int t, int reps)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
        AttentionBenchmark.class.getName(), "--single", impl.name(), Boolean.toString(causal),
        Integer.toString(t), Integer.toString(reps)));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String last = null;
    StringBuilder log = new StringBuilder();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        log.append(line).append('\n');
        if (line.startsWith("RESULT ")) {
          last = line;
        }
      }
    }
    int rc = p.waitFor();
    if (last == null) {
      String tail = log.length() > 300 ? log.substring(log.length() - 300) : log.toString();
      return new Result(impl.name(), t, causal, Double.NaN, -1, -1, -1,
          "child JVM failed (exit " + rc + "): " + tail.strip().replace('\n', ' '));
    }
    return decode(last);
  }

  /** The better of two forks: the JIT sometimes compiles a GEMM kernel badly in one JVM. */
  private static Result best(Result a, Result b) {
    if (!b.ok()) {
      return a;
    }
    return new Result(a.impl(), a.t(), a.causal(), Math.min(a.ms(), b.ms()),
        Math.min(a.allocated(), b.allocated()), Math.min(a.peakHeap(), b.peakHeap()),
        Math.max(a.retained(), b.retained()), null);
  }

  private static String encode(Result r) {
    return String.join(" ", "RESULT", r.impl(), Integer.toString(r.t()),
        Boolean.toString(r.causal()), Double.toString(r.ms()), Long.toString(r.allocated()),
        Long.toString(r.peakHeap()), Long.toString(r.retained()),
        r.error() == null ? "-" : r.error().replace(' ', '_'));
  }

  private static Result decode(String line) {
    String[] f = line.split(" ");
    return new Result(f[1], Integer.parseInt(f[2]), Boolean.parseBoolean(f[3]),
        Double.parseDouble(f[4]), Long.parseLong(f[5]), Long.parseLong(f[6]),
        Long.parseLong(f[7]), f[8].equals("-") ? null : f[8].replace('_', ' '));
  }

  /** Forward + backward, best time of {@code reps} after one warm-up run. */
  static Result measure(AttentionImpl impl, int t, boolean causal, int reps) {
    double best = Double.POSITIVE_INFINITY;
    long allocated = -1;
    long peak = -1;
    try {
      Rng rng = new Rng(t);
      Tensor q = Tensor.randn(rng, B, H, t, D);
      Tensor k = Tensor.randn(rng, B, H, t, D);
      Tensor v = Tensor.randn(rng, B, H, t, D);
      Tensor up = Tensor.randn(rng, B, H, t, D);
      AttentionOptions o = AttentionOptions.defaults().causal(causal).impl(impl);
      run(q, k, v, up, o);
      for (int rep = 0; rep < reps; rep++) {
        System.gc();
        resetPeakHeap();
        long a0 = allocatedBytes();
        long t0 = System.nanoTime();
        run(q, k, v, up, o);
        long t1 = System.nanoTime();
        long bytes = allocatedBytes() - a0;
        allocated = allocated < 0 ? bytes : Math.min(allocated, bytes);
        peak = Math.max(peak, peakHeap());
        best = Math.min(best, (t1 - t0) / 1e6);
      }
      long retained = retainedByForward(q, k, v, up, o);
      return new Result(impl.name(), t, causal, best, allocated, peak, retained, null);
    } catch (OutOfMemoryError e) {
      System.gc();
      return new Result(impl.name(), t, causal, Double.NaN, -1, -1, -1,
          "OutOfMemoryError (" + e.getMessage() + ")");
    }
  }

  private static void run(Tensor q, Tensor k, Tensor v, Tensor up, AttentionOptions o) {
    Tensor[] in = {q.detach().requiresGrad(), k.detach().requiresGrad(),
        v.detach().requiresGrad()};
    Tensor y = ScaledDotProductAttention.apply(in[0], in[1], in[2], o);
    y.backward(up);
    if (in[0].grad() == null || in[2].grad() == null) {
      throw new IllegalStateException("no gradients");
    }
  }

  /**
   * Heap held between forward and backward (the output and what the graph saved for backward),
   * measured after full GCs: the T×T score matrices for the reference, O(T·D) for flash.
   */
  private static long retainedByForward(Tensor q, Tensor k, Tensor v, Tensor up,
      AttentionOptions o) {
    Tensor[] in = {q.detach().requiresGrad(), k.detach().requiresGrad(),
        v.detach().requiresGrad()};
    System.gc();
    System.gc();
    long base = usedHeap();
    Tensor y = ScaledDotProductAttention.apply(in[0], in[1], in[2], o);
    System.gc();
    System.gc();
    long retained = Math.max(0, usedHeap() - base); // GC noise is ~1 MiB
    y.backward(up);
    return retained;
  }

  private static long usedHeap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Bytes allocated so far by every live thread (the kernel pool's workers live on). */
  static long allocatedBytes() {
    var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long sum = 0;
    for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) {
      sum += Math.max(0, b);
    }
    return sum;
  }

  private static void resetPeakHeap() {
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        p.resetPeakUsage();
      }
    }
  }

  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
      if (p.getType() == MemoryType.HEAP) {
        sum += p.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  private static double mib(long bytes) {
    return bytes / (1024.0 * 1024.0);
  }

  private static Result find(List<Result> all, String impl, int t, boolean causal) {
    for (Result r : all) {
      if (r.impl().equals(impl) && r.t() == t && r.causal() == causal) {
        return r;
      }
    }
    return null;
  }

  private static String ms(Result r) {
    return r == null ? "–" : r.ok() ? String.format(Locale.ROOT, "%.0f", r.ms()) : "OOM";
  }

  /** 0: allocated, 1: peak heap, 2: retained by forward, in MiB. */
  private static String mem(Result r, int which) {
    if (r == null) {
      return "–";
    }
    long bytes = which == 0 ? r.allocated() : which == 1 ? r.peakHeap() : r.retained();
    return r.ok() ? String.format(Locale.ROOT, bytes < 10 << 20 ? "%.1f" : "%.0f", mib(bytes))
        : "OOM";
  }

  private static String ratio(Result a, Result b) {
    return a != null && b != null && a.ok() && b.ok()
        ? String.format(Locale.ROOT, "%.1f×", a.ms() / b.ms()) : "–";
  }

  private static String memRatio(Result flash, Result ref) {
    return flash != null && ref != null && flash.ok() && ref.ok()
        ? String.format(Locale.ROOT, "%.3f / %.3f", (double) flash.peakHeap() / ref.peakHeap(),
            (double) flash.retained() / ref.retained())
        : "–";
  }

  /** The markdown tables of docs/performance.md and the fitted growth in T. */
  static void printTables(List<Result> all, int[] lengths) {
    System.out.println("| T | reference ms | flash ms | ref/flash time | reference MiB"
        + " alloc / peak / retained | flash MiB alloc / peak / retained"
        + " | flash/ref peak / retained |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (int t : lengths) {
      Result ref = find(all, "REFERENCE", t, false);
      Result fl = find(all, "FLASH", t, false);
      System.out.printf(Locale.ROOT, "| %d | %s | %s | %s | %s / %s / %s | %s / %s / %s | %s |%n",
          t, ms(ref), ms(fl), ratio(ref, fl), mem(ref, 0), mem(ref, 1), mem(ref, 2), mem(fl, 0),
          mem(fl, 1), mem(fl, 2), memRatio(fl, ref));
    }
    System.out.println();
    System.out.println("| T | flash ms | linear ms | flash/linear | flash causal ms"
        + " | linear causal ms | flash/linear causal |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (int t : lengths) {
      Result fl = find(all, "FLASH", t, false);
      Result li = find(all, "LINEAR", t, false);
      Result flc = find(all, "FLASH", t, true);
      Result lic = find(all, "LINEAR", t, true);
      System.out.printf(Locale.ROOT, "| %d | %s | %s | %s | %s | %s | %s |%n", t, ms(fl), ms(li),
          ratio(fl, li), ms(flc), ms(lic), ratio(flc, lic));
    }
    System.out.println();
    for (String impl : new String[] {"REFERENCE", "FLASH", "LINEAR"}) {
      for (boolean causal : new boolean[] {false, true}) {
        List<double[]> pts = new ArrayList<>();
        for (int t : lengths) {
          Result r = find(all, impl, t, causal);
          if (r != null && r.ok()) {
            pts.add(new double[] {t, r.ms()});
          }
        }
        if (pts.size() >= 2) {
          double[] lin = fit(pts, false);
          double[] log = fit(pts, true);
          System.out.printf(Locale.ROOT, "%-9s %-10s time ≈ %.3f ms per token (+ %.1f ms);"
              + " log-log slope %.2f (1 = linear, 2 = quadratic in T)%n", impl,
              causal ? "causal" : "non-causal", lin[1], lin[0], log[1]);
        }
      }
    }
  }

  /** Least squares y = a + b·x (on logs when {@code log}); returns {a, b}. */
  static double[] fit(List<double[]> pts, boolean log) {
    int n = pts.size();
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    for (double[] p : pts) {
      double x = log ? Math.log(p[0]) : p[0];
      double y = log ? Math.log(p[1]) : p[1];
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    double b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    return new double[] {(sy - b * sx) / n, b};
  }
}
