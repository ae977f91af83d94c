package dev.nabla.benchmarks;

import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.core.internal.kernel.Kernels;
import dev.nabla.core.internal.kernel.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleFunction;
import java.util.function.Supplier;

/**
 * The reference workloads of {@code BENCHMARKS.md} / {@code WORKLOADS.md}, run on Nabla with the
 * same shapes, init distributions, timed region and protocol as {@code torch_ref.py}, printing
 * the same line format so the two outputs join line by line:
 *
 * <pre>
 * W6_mm_1024 1 12.345          name threads median_ms
 * #   W6_mm_1024 threads=1 min=… max=… n=… 174.0 GFLOP/s
 * </pre>
 *
 * <p>Lines starting with {@code #} are comments. One JVM runs one thread count: the kernels read
 * {@code -Dnabla.threads} once. {@code benchmarks/run-workloads.sh} starts one JVM per count.
 * Protocol: untimed setup; 3 warm-up steps; then timed steps, at least 7 and more until 3 s have
 * passed (at most 50); report the median wall time of one step.
 *
 * <p>Arguments: {@code [--workloads W6 W6_mm_1024 …] [--warmup 3] [--min-iters 7]
 * [--max-iters 50] [--target-sec 3]}. Workloads whose layers do not exist yet are listed on a
 * {@code #} line and skipped: this runner never prints a number it did not measure.
 */
public final class Workloads {
  private Workloads() {}

  /** One timed step; its setup (model, inputs, optimizer) ran before, untimed. */
  @FunctionalInterface
  interface Step {
    void run();
  }

  /** A prepared workload: the step and a formatter for the extra metric of a median (or null). */
  record Prepared(Step step, DoubleFunction<String> extra, String note) {}

  /** A named workload; {@code setup == null} means not implemented yet. */
  record Workload(String name, Supplier<Prepared> setup) {}

  /** Timing result of {@link #measure}; times in ms. */
  record Stats(double medianMs, double minMs, double maxMs, int n) {}

  /** The groups torch_ref.py accepts, in its order, with the workloads each one runs. */
  static Map<String, List<Workload>> catalogue() {
    Map<String, List<Workload>> w = new LinkedHashMap<>();
    w.put("W1", List.of(W1LstmTrain.workload()));
    w.put("W2", List.of(W2MhaFwdBwd.workload()));
    w.put("W3", List.of(W3LlamaTrain.workload()));
    w.put("W4", List.of(W4LlamaGenerate.workload()));
    w.put("W5", List.of(W5ConvUpsample.workload()));
    w.put("W6", List.of(matmul(1024), matmul(2048)));
    w.put("W6_1024", List.of(matmul(1024)));
    return w;
  }

  /**
   * W6: C = A·B for square F32 A, B ~ N(0,1), through {@code Tensor.matmul} with autograd off.
   * FLOP = 2n³. Unlike {@code torch.mm(a, b, out=c)} the result is a new tensor each step.
   */
  static Workload matmul(int n) {
    return new Workload("W6_mm_" + n, () -> {
      SplittableRandom rng = new SplittableRandom(0);
      Tensor a = Tensor.randn(rng, n, n);
      Tensor b = Tensor.randn(rng, n, n);
      double flop = 2.0 * n * n * n;
      Tensor[] sink = new Tensor[1];
      Step step = () -> {
        try (var off = GradMode.disabled()) {
          sink[0] = a.matmul(b);
        }
      };
      return new Prepared(step, ms -> String.format(Locale.ROOT, "%.1f GFLOP/s", flop / ms / 1e6),
          "C allocated per step");
    });
  }

  /**
   * The protocol: {@code warmup} untimed steps, then timed steps until at least {@code minIters}
   * ran and either {@code targetSec} seconds have passed or {@code maxIters} ran.
   */
  static Stats measure(Step step, int warmup, int minIters, int maxIters, double targetSec) {
    for (int i = 0; i < warmup; i++) {
      step.run();
    }
    List<Double> times = new ArrayList<>();
    long end = System.nanoTime() + (long) (targetSec * 1e9);
    while (times.size() < minIters || (System.nanoTime() - end < 0 && times.size() < maxIters)) {
      long t0 = System.nanoTime();
      step.run();
      times.add((System.nanoTime() - t0) / 1e6);
    }
    double[] t = times.stream().mapToDouble(Double::doubleValue).toArray();
    return new Stats(median(t), Arrays.stream(t).min().orElse(Double.NaN),
        Arrays.stream(t).max().orElse(Double.NaN), t.length);
  }

  /** The median as Python's {@code statistics.median}: the mean of the middle two for even n. */
  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] s = values.clone();
    Arrays.sort(s);
    int h = s.length / 2;
    return s.length % 2 == 1 ? s[h] : (s[h - 1] + s[h]) / 2;
  }

  public static void main(String[] args) {
    List<String> requested = new ArrayList<>();
    int warmup = 3;
    int minIters = 7;
    int maxIters = 50;
    double targetSec = 3.0;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--workloads" -> {
          while (i + 1 < args.length && !args[i + 1].startsWith("--")) {
            requested.add(args[++i]);
          }
        }
        case "--warmup" -> warmup = Integer.parseInt(value(args, ++i));
        case "--min-iters" -> minIters = Integer.parseInt(value(args, ++i));
        case "--max-iters" -> maxIters = Integer.parseInt(value(args, ++i));
        case "--target-sec" -> targetSec = Double.parseDouble(value(args, ++i));
        case "-h", "--help" -> {
          System.out.println("usage: Workloads [--workloads W1 … W6 | W6_mm_1024 …] [--warmup 3] "
              + "[--min-iters 7] [--max-iters 50] [--target-sec 3]; threads: -Dnabla.threads=N");
          return;
        }
        default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
      }
    }
    Map<String, List<Workload>> catalogue = catalogue();
    if (requested.isEmpty()) {
      requested.addAll(List.of("W1", "W2", "W3", "W4", "W5", "W6"));
    }
    List<Workload> selected = new ArrayList<>();
    for (String r : requested) {
      List<Workload> group = catalogue.get(r);
      if (group == null) {
        group = catalogue.values().stream().flatMap(List::stream)
            .filter(w -> w.name().equals(r)).distinct().limit(1).toList();
      }
      if (group.isEmpty()) {
        throw new IllegalArgumentException("unknown workload '" + r + "'; known: "
            + String.join(" ", catalogue.keySet()) + " or a full name such as W6_mm_1024");
      }
      selected.addAll(group);
    }

    int threads = Parallel.threads();
    Runtime rt = Runtime.getRuntime();
    System.out.printf(Locale.ROOT, "# nabla workloads: java %s (%s %s), %s %s, %d cpus, max heap %d MiB%n",
        System.getProperty("java.version"), System.getProperty("java.vm.name"),
        System.getProperty("java.vm.version"), System.getProperty("os.name"),
        System.getProperty("os.arch"), rt.availableProcessors(), rt.maxMemory() >> 20);
    System.out.printf(Locale.ROOT, "# kernels: %s; nabla.threads=%d%n",
        Kernels.get().description(), threads);
    System.out.printf(Locale.ROOT, "# warmup=%d iters=min %d, until %ss, max %d; stat=median%n",
        warmup, minIters, targetSec, maxIters);
    List<String> missing = selected.stream().filter(w -> w.setup() == null)
        .map(Workload::name).toList();
    if (!missing.isEmpty()) {
      System.out.println("# not implemented yet (skipped): " + String.join(" ", missing));
    }
    System.out.flush();

    for (Workload w : selected) {
      if (w.setup() == null) {
        continue;
      }
      try {
        Prepared p = w.setup().get();
        Stats s = measure(p.step(), warmup, minIters, maxIters, targetSec);
        System.out.printf(Locale.ROOT, "%s %d %.3f%n", w.name(), threads, s.medianMs());
        StringBuilder msg = new StringBuilder(String.format(Locale.ROOT,
            "#   %s threads=%d min=%.3f max=%.3f n=%d", w.name(), threads, s.minMs(), s.maxMs(),
            s.n()));
        if (p.extra() != null) {
          msg.append(' ').append(p.extra().apply(s.medianMs()));
        }
        if (p.note() != null) {
          msg.append(" (").append(p.note()).append(')');
        }
        System.out.println(msg);
      } catch (RuntimeException | OutOfMemoryError e) {
        System.out.println("# " + w.name() + " threads=" + threads + " FAILED: " + e);
      }
      System.out.flush();
    }
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }
}
