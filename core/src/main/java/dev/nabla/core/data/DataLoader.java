package dev.nabla.core.data;

import dev.nabla.core.Checks;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * Batches of a {@link Dataset}, epoch after epoch, as PyTorch's {@code DataLoader}: a batch size,
 * seeded shuffling (a new order each epoch), drop-last, a {@link Collate} function and optional
 * prefetching on one background thread.
 *
 * <pre>{@code
 * try (var loader = DataLoader.builder(new TensorDataset(x, y))
 *     .batchSize(64).shuffle(rng.split()).dropLast(true).prefetch(2).build()) {
 *   for (int epoch = 0; epoch < 10; epoch++) {
 *     for (Tensor[] batch : loader) {          // each for-loop is the next epoch
 *       Tensor loss = Losses.crossEntropy(model.forward(batch[0]), batch[1]);
 *       …
 *     }
 *   }
 * }
 * }</pre>
 *
 * <p><b>Order.</b> Without shuffling, epochs visit samples 0 … n−1. With {@code shuffle(rng)} the
 * builder draws one {@code long} from {@code rng}; epoch e's order is a permutation computed from
 * that long and e alone, so the same seed gives the same orders, and {@link #epoch(int)} can
 * replay any epoch (e.g. when resuming). Batches are consecutive runs of that order; with
 * drop-last the final short batch is left out.
 *
 * <p><b>Prefetch.</b> With {@code prefetch(n)}, n ≥ 1, one daemon thread builds the next batches
 * of the current epoch into a queue of at most n, while the caller trains on the previous one.
 * Order and contents are the same as without it: samples are read and collated in batch order
 * by that single thread. An exception thrown by the dataset or the collate function reaches the
 * caller, in batch order, as a {@link DataLoaderException} whose cause is the original. Starting
 * another epoch, or {@link #close()}, stops the thread (after the sample it is reading, it is not
 * interrupted) and waits for it to end; an epoch iterated to the end ends it too.
 *
 * <p>Batches are built with gradient recording off. One thread consumes a loader at a time.
 *
 * @param <T> the sample type
 * @param <B> the batch type
 */
public final class DataLoader<T, B> implements Iterable<B>, AutoCloseable {
  private static final AtomicInteger THREAD_IDS = new AtomicInteger();
  /** Queued by {@code close()} for a consumer that may be waiting on another thread. */
  private static final Object CLOSED = new Object();

  private final Dataset<T> dataset;
  private final int batchSize;
  private final boolean dropLast;
  private final boolean shuffle;
  private final long seed;
  private final Collate<? super T, ? extends B> collate;
  private final int prefetch;

  private int nextEpoch;
  private Epoch active;
  private boolean closed;

  private DataLoader(Builder<T, B> b) {
    this.dataset = b.dataset;
    this.batchSize = b.batchSize;
    this.dropLast = b.dropLast;
    this.shuffle = b.shuffle;
    this.seed = b.seed;
    this.collate = b.collate;
    this.prefetch = b.prefetch;
  }

  /** A builder with batch size 1, no shuffling, no drop-last, {@link Collate#stack()}, no prefetch. */
  public static <T> Builder<T, T> builder(Dataset<T> dataset) {
    return new Builder<>(dataset, Collate.stack());
  }

  /** A sequential loader with the default collate. */
  public static <T> DataLoader<T, T> of(Dataset<T> dataset, int batchSize) {
    return builder(dataset).batchSize(batchSize).build();
  }

  /** Configures a {@link DataLoader}. */
  public static final class Builder<T, B> {
    private final Dataset<T> dataset;
    private Collate<? super T, ? extends B> collate;
    private int batchSize = 1;
    private boolean dropLast;
    private boolean shuffle;
    private long seed;
    private int prefetch;

    private Builder(Dataset<T> dataset, Collate<? super T, ? extends B> collate) {
      this.dataset = Objects.requireNonNull(dataset, "DataLoader: dataset is null");
      this.collate = collate;
    }

    /** Samples per batch, ≥ 1. */
    public Builder<T, B> batchSize(int batchSize) {
      Checks.argument(batchSize > 0, "DataLoader: batchSize must be > 0, got %s", batchSize);
      this.batchSize = batchSize;
      return this;
    }

    /** Shuffles every epoch; draws one long from {@code rng} now (pass {@code rng.split()}). */
    public Builder<T, B> shuffle(RandomGenerator rng) {
      Objects.requireNonNull(rng, "DataLoader: shuffle rng is null");
      this.shuffle = true;
      this.seed = rng.nextLong();
      return this;
    }

    /** Leaves out the last batch of an epoch when it is smaller than the batch size. */
    public Builder<T, B> dropLast(boolean dropLast) {
      this.dropLast = dropLast;
      return this;
    }

    /** Builds up to {@code batches} batches ahead on one background thread; 0 (default): off. */
    public Builder<T, B> prefetch(int batches) {
      Checks.argument(batches >= 0, "DataLoader: prefetch must be >= 0 batches, got %s", batches);
      this.prefetch = batches;
      return this;
    }

    /** The function that turns a list of samples into a batch. */
    public <C> Builder<T, C> collate(Collate<? super T, ? extends C> collate) {
      Objects.requireNonNull(collate, "DataLoader: collate is null");
      Builder<T, C> b = new Builder<>(dataset, collate);
      b.batchSize = batchSize;
      b.dropLast = dropLast;
      b.shuffle = shuffle;
      b.seed = seed;
      b.prefetch = prefetch;
      return b;
    }

    public DataLoader<T, B> build() {
      return new DataLoader<>(this);
    }
  }

  // ---------------------------------------------------------------- properties

  public Dataset<T> dataset() {
    return dataset;
  }

  public int batchSize() {
    return batchSize;
  }

  public boolean dropLast() {
    return dropLast;
  }

  public boolean isShuffled() {
    return shuffle;
  }

  /** Batches queued ahead by the prefetch thread; 0 when prefetching is off. */
  public int prefetch() {
    return prefetch;
  }

  /** Batches per epoch: ⌊n / batchSize⌋ with drop-last, else ⌈n / batchSize⌉. */
  public int numBatches() {
    int n = dataset.size();
    return dropLast ? n / batchSize : (n + batchSize - 1) / batchSize;
  }

  /** The epoch the next {@link #iterator()} will run (0 at first). */
  public synchronized int nextEpoch() {
    return nextEpoch;
  }

  /** Sets the epoch the next {@link #iterator()} runs, e.g. when resuming from a checkpoint. */
  public synchronized void setNextEpoch(int epoch) {
    Checks.argument(epoch >= 0, "DataLoader: epoch must be >= 0, got %s", epoch);
    this.nextEpoch = epoch;
  }

  /** The sample indices of {@code epoch} in visiting order (all n, before drop-last). */
  public int[] order(int epoch) {
    Checks.argument(epoch >= 0, "DataLoader: epoch must be >= 0, got %s", epoch);
    int n = dataset.size();
    int[] order = new int[n];
    if (!shuffle) {
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      return order;
    }
    long[] perm = Tensor.randperm(new Rng(epochSeed(seed, epoch)), n).toLongArray();
    for (int i = 0; i < n; i++) {
      order[i] = (int) perm[i];
    }
    return order;
  }

  /** SplitMix64's finaliser over (seed, epoch): independent-looking seeds for nearby epochs. */
  private static long epochSeed(long seed, int epoch) {
    long z = seed + (epoch + 1L) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  // ---------------------------------------------------------------- iteration

  /** The batches of the next epoch (then the epoch counter advances). */
  @Override
  public synchronized Epoch iterator() {
    return start(nextEpoch++);
  }

  /**
   * The batches of epoch {@code epoch} (the counter of {@link #iterator()} is not changed). Any
   * epoch still running on this loader is closed first.
   */
  public synchronized Epoch epoch(int epoch) {
    Checks.argument(epoch >= 0, "DataLoader: epoch must be >= 0, got %s", epoch);
    return start(epoch);
  }

  private Epoch start(int epoch) {
    Checks.state(!closed, "DataLoader: closed; build a new loader to iterate again");
    if (active != null) {
      active.close();
    }
    active = new Epoch(epoch);
    return active;
  }

  /** Stops the prefetch thread, if any, and waits for it to end. Later iteration fails. */
  @Override
  public synchronized void close() {
    closed = true;
    if (active != null) {
      active.close();
      active = null;
    }
  }

  /** The live prefetch thread, for tests (null when none). */
  synchronized Thread worker() {
    Thread w = active == null ? null : active.worker;
    return w != null && w.isAlive() ? w : null;
  }

  private B load(int batch, int[] order) {
    int from = batch * batchSize;
    int to = Math.min(from + batchSize, order.length);
    List<T> samples = new ArrayList<>(to - from);
    try (var off = GradMode.disabled()) {
      for (int i = from; i < to; i++) {
        samples.add(dataset.get(order[i]));
      }
      B out = collate.apply(Collections.unmodifiableList(samples));
      if (out == null) {
        throw new IllegalStateException("DataLoader: the collate function returned null");
      }
      return out;
    }
  }

  private String describe(int epoch, int batch, int[] order) {
    int from = batch * batchSize;
    int to = Math.min(from + batchSize, order.length);
    int[] idx = Arrays.copyOfRange(order, from, to);
    String samples = idx.length <= 16 ? Arrays.toString(idx)
        : Arrays.toString(Arrays.copyOf(idx, 16)).replace("]", ", …]");
    return "batch " + batch + " of epoch " + epoch + " (samples " + samples + ")";
  }

  /** A marker the prefetch thread queues instead of a batch when loading failed. */
  private record Failure(Throwable cause) {}

  /**
   * The batches of one epoch. Close it to stop its prefetch thread early; iterating to the end,
   * starting another epoch on the loader, or closing the loader does it too.
   */
  public final class Epoch implements Iterator<B>, AutoCloseable {
    private final int epoch;
    private final int[] order;
    private final int numBatches;
    private int consumed;
    private volatile boolean done;
    // prefetch only
    private final BlockingQueue<Object> queue;
    private final Thread worker;
    private volatile boolean stop;

    private Epoch(int epoch) {
      this.epoch = epoch;
      this.order = order(epoch);
      this.numBatches = numBatches();
      if (prefetch > 0 && numBatches > 0) {
        queue = new ArrayBlockingQueue<>(prefetch);
        worker = new Thread(this::produce,
            "nabla-dataloader-prefetch-" + THREAD_IDS.incrementAndGet());
        worker.setDaemon(true);
        worker.start();
      } else {
        queue = null;
        worker = null;
      }
    }

    /** The epoch index. */
    public int index() {
      return epoch;
    }

    /** Batches in this epoch. */
    public int size() {
      return numBatches;
    }

    private void produce() {
      for (int b = 0; b < numBatches && !stop; b++) {
        Object item;
        try {
          item = load(b, order);
        } catch (Throwable t) { // NOPMD: handed to the consumer, not swallowed
          item = new Failure(t);
        }
        if (stop) {
          return;
        }
        try {
          queue.put(item); // close() empties the queue, so this returns once stop is set
        } catch (InterruptedException e) {
          return;
        }
        if (item instanceof Failure) {
          return;
        }
      }
    }

    @Override
    public boolean hasNext() {
      return !done && consumed < numBatches;
    }

    @Override
    public B next() {
      if (!hasNext()) {
        throw new NoSuchElementException("DataLoader: epoch " + epoch + " has no more batches ("
            + consumed + " of " + numBatches + " taken" + (done && consumed < numBatches
            ? "; it was closed or failed" : "") + ")");
      }
      int b = consumed;
      B batch;
      if (worker == null) {
        try {
          batch = load(b, order);
        } catch (RuntimeException e) {
          close();
          throw new DataLoaderException("DataLoader: loading " + describe(epoch, b, order)
              + " failed: " + e, e);
        }
      } else {
        Object item;
        try {
          item = queue.take();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          close();
          throw new DataLoaderException(
              "DataLoader: interrupted while waiting for " + describe(epoch, b, order), e);
        }
        if (item == CLOSED) {
          throw new NoSuchElementException(
              "DataLoader: epoch " + epoch + " was closed while waiting for batch " + b);
        }
        if (item instanceof Failure f) {
          close();
          throw new DataLoaderException("DataLoader: loading " + describe(epoch, b, order)
              + " failed in the prefetch thread: " + f.cause(), f.cause());
        }
        @SuppressWarnings("unchecked")
        B cast = (B) item;
        batch = cast;
      }
      consumed++;
      if (consumed == numBatches) {
        close(); // the worker has queued its last batch: this joins a finished thread
      }
      return batch;
    }

    /** Stops the prefetch thread (after the sample it is reading) and waits for it to end. */
    @Override
    public void close() {
      if (done) {
        return;
      }
      done = true;
      if (worker == null) {
        return;
      }
      stop = true;
      queue.clear(); // unblocks a pending put; the worker then sees stop and returns
      boolean interrupted = false;
      while (worker.isAlive()) {
        try {
          worker.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      queue.clear();
      queue.offer(CLOSED);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
