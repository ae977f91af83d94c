package dev.nabla.benchmarks;

import dev.nabla.core.internal.kernel.Parallel;

/**
 * Sets the kernel thread count inside a JMH fork. {@link Parallel} reads {@code -Dnabla.threads}
 * once, when the class initialises; JMH runs every parameter combination in its own fork, and a
 * trial's {@code @Setup} runs before any benchmark code touches the kernels, so setting the
 * property there takes effect. The check turns the silent failure (forks disabled, or the pool
 * already started) into an error.
 */
final class KernelThreads {
  private KernelThreads() {}

  static void configure(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    System.setProperty("nabla.threads", Integer.toString(threads));
    int actual = Parallel.threads();
    if (actual != threads) {
      throw new IllegalStateException("the kernels already run with " + actual
          + " threads, wanted " + threads + ": nabla.threads is read once per JVM; run JMH with "
          + "forks (-f 1 or more), not -f 0");
    }
  }
}
