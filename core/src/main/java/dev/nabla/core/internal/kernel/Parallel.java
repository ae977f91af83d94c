package dev.nabla.core.internal.kernel;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.function.Supplier;

/**
 * The one shared worker pool and the way work is split over it.
 *
 * <p>Work over {@code [0, n)} is cut into <em>fixed</em> chunks whose boundaries depend only on
 * {@code n} and the chunk size, never on the number of threads; each chunk is computed by one
 * thread in a fixed order, and partial results are combined in chunk order. Results are therefore
 * bitwise identical at any thread count. Small problems run inline on the calling thread.
 *
 * <p>The pool size comes from {@code -Dnabla.threads=N} (default: available processors).
 */
public final class Parallel {
  private Parallel() {}

  /** Body of a chunked loop: processes {@code [start, end)}. */
  @FunctionalInterface
  public interface Range {
    void run(int start, int end);
  }

  private static final int THREADS = configuredThreads();
  private static final ForkJoinPool POOL = THREADS > 1 ? newPool(THREADS) : null;
  private static final ThreadLocal<ForkJoinPool[]> OVERRIDE = new ThreadLocal<>();

  private static int configuredThreads() {
    String p = System.getProperty("nabla.threads");
    if (p == null || p.isBlank()) {
      return Runtime.getRuntime().availableProcessors();
    }
    try {
      int n = Integer.parseInt(p.trim());
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "-Dnabla.threads must be a positive integer, got '" + p + "'");
    }
  }

  private static ForkJoinPool newPool(int threads) {
    return new ForkJoinPool(threads, pool -> {
      var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(pool);
      t.setName("nabla-worker-" + t.getPoolIndex());
      t.setDaemon(true);
      return t;
    }, null, false);
  }

  /** Number of threads the kernels use (on this thread, honouring {@link #withThreads}). */
  public static int threads() {
    ForkJoinPool[] o = OVERRIDE.get();
    if (o != null) {
      return o[0] == null ? 1 : o[0].getParallelism();
    }
    return THREADS;
  }

  private static ForkJoinPool pool() {
    ForkJoinPool[] o = OVERRIDE.get();
    return o != null ? o[0] : POOL;
  }

  /**
   * Runs {@code body} over {@code [0, n)} in chunks of {@code chunk} (the last may be shorter).
   * Inline when there is only one chunk, one thread, or we are already on a worker thread.
   */
  public static void forChunks(int n, int chunk, Range body) {
    if (n <= 0) {
      return;
    }
    int c = Math.max(1, chunk);
    int chunks = (n + c - 1) / c;
    ForkJoinPool pool = pool();
    if (chunks == 1 || pool == null || ForkJoinTask.inForkJoinPool()) {
      for (int i = 0; i < chunks; i++) {
        body.run(i * c, Math.min(n, (i + 1) * c));
      }
      return;
    }
    pool.invoke(new Split(body, 0, chunks, c, n));
  }

  /**
   * Like {@link #forChunks} but decides inline execution by cost: when {@code n·costPerItem} is
   * below {@code inlineCost} (in rough multiply-adds) everything runs on the calling thread.
   */
  public static void forChunks(int n, int chunk, long costPerItem, long inlineCost, Range body) {
    if ((long) n * costPerItem < inlineCost) {
      int c = Math.max(1, chunk);
      for (int s = 0; s < n; s += c) {
        body.run(s, Math.min(n, s + c));
      }
      return;
    }
    forChunks(n, chunk, body);
  }

  private static final class Split extends RecursiveAction {
    private final Range body;
    private final int lo;
    private final int hi;
    private final int chunk;
    private final int n;

    Split(Range body, int lo, int hi, int chunk, int n) {
      this.body = body;
      this.lo = lo;
      this.hi = hi;
      this.chunk = chunk;
      this.n = n;
    }

    @Override
    protected void compute() {
      if (hi - lo == 1) {
        body.run(lo * chunk, Math.min(n, (lo + 1) * chunk));
        return;
      }
      int mid = (lo + hi) >>> 1;
      invokeAll(new Split(body, lo, mid, chunk, n), new Split(body, mid, hi, chunk, n));
    }
  }

  /**
   * Runs {@code work} on this thread with the kernels using {@code threads} threads (a private
   * pool, shut down afterwards). For tests that compare thread counts.
   */
  public static <T> T withThreads(int threads, Supplier<T> work) {
    ForkJoinPool pool = threads > 1 ? newPool(threads) : null;
    ForkJoinPool[] previous = OVERRIDE.get();
    OVERRIDE.set(new ForkJoinPool[] {pool});
    try {
      return work.get();
    } finally {
      if (previous == null) {
        OVERRIDE.remove();
      } else {
        OVERRIDE.set(previous);
      }
      if (pool != null) {
        pool.shutdown();
      }
    }
  }
}
