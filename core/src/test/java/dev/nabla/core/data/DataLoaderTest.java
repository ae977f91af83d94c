package dev.nabla.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Order, batching, prefetch, failure and shutdown of {@link DataLoader}. */
class DataLoaderTest {

  /** Sample i is the I64 scalar i, so a batch's values are its sample indices. */
  private static Dataset<Tensor> indices(int n) {
    return Dataset.of(n, i -> Tensor.scalar(i, DType.I64));
  }

  private static List<long[]> collect(Iterator<Tensor> it) {
    List<long[]> out = new ArrayList<>();
    it.forEachRemaining(b -> out.add(b.toLongArray()));
    return out;
  }

  private static long[] flat(List<long[]> batches) {
    return batches.stream().flatMapToLong(Arrays::stream).toArray();
  }

  private static long[] longs(int[] a) {
    return Arrays.stream(a).asLongStream().toArray();
  }

  // ---------------------------------------------------------------- order and batching

  @Test void sequentialBatchesInOrder() {
    var loader = DataLoader.of(indices(10), 4);
    List<long[]> batches = collect(loader.iterator());
    assertEquals(3, batches.size());
    assertArrayEquals(new long[] {0, 1, 2, 3}, batches.get(0));
    assertArrayEquals(new long[] {4, 5, 6, 7}, batches.get(1));
    assertArrayEquals(new long[] {8, 9}, batches.get(2));
    assertFalse(loader.isShuffled());
  }

  @Test void dropLastCounts() {
    int[][] cases = {{10, 3, 4, 3}, {9, 3, 3, 3}, {2, 5, 1, 0}, {0, 4, 0, 0}, {7, 1, 7, 7}};
    for (int[] c : cases) {
      int n = c[0];
      int bs = c[1];
      var keep = DataLoader.builder(indices(n)).batchSize(bs).build();
      var drop = DataLoader.builder(indices(n)).batchSize(bs).dropLast(true).build();
      assertEquals(c[2], keep.numBatches(), "n=" + n + " bs=" + bs);
      assertEquals(c[3], drop.numBatches(), "n=" + n + " bs=" + bs + " dropLast");
      List<long[]> kept = collect(keep.iterator());
      List<long[]> dropped = collect(drop.iterator());
      assertEquals(c[2], kept.size());
      assertEquals(c[3], dropped.size());
      assertEquals(n, flat(kept).length);
      for (long[] b : dropped) {
        assertEquals(bs, b.length);
      }
    }
  }

  @Test void sameSeedSameOrderNewOrderEachEpoch() {
    var a = DataLoader.builder(indices(50)).batchSize(8).shuffle(new Rng(7)).build();
    var b = DataLoader.builder(indices(50)).batchSize(8).shuffle(new Rng(7)).build();
    var c = DataLoader.builder(indices(50)).batchSize(8).shuffle(new Rng(8)).build();
    long[] previous = null;
    for (int epoch = 0; epoch < 3; epoch++) {
      long[] oa = flat(collect(a.iterator()));
      long[] ob = flat(collect(b.iterator()));
      assertArrayEquals(oa, ob, "epoch " + epoch);
      assertFalse(Arrays.equals(oa, flat(collect(c.iterator()))), "other seed, epoch " + epoch);
      long[] sorted = oa.clone();
      Arrays.sort(sorted);
      assertArrayEquals(java.util.stream.LongStream.range(0, 50).toArray(), sorted,
          "a permutation");
      if (previous != null) {
        assertFalse(Arrays.equals(previous, oa), "a new order in epoch " + epoch);
      }
      previous = oa;
    }
    assertEquals(3, a.nextEpoch());
  }

  @Test void forEachRunsTheNextEpochAndEpochReplays() {
    var loader = DataLoader.builder(indices(20)).batchSize(6).shuffle(new Rng(3)).build();
    List<long[]> runs = new ArrayList<>();
    for (int epoch = 0; epoch < 2; epoch++) {
      List<long[]> batches = new ArrayList<>();
      for (Tensor batch : loader) {
        batches.add(batch.toLongArray());
      }
      runs.add(flat(batches));
    }
    assertArrayEquals(longs(loader.order(0)), runs.get(0));
    assertArrayEquals(longs(loader.order(1)), runs.get(1));
    assertArrayEquals(runs.get(0), flat(collect(loader.epoch(0))), "epoch(0) replays");
    assertEquals(2, loader.nextEpoch(), "epoch(int) leaves the counter alone");
    loader.setNextEpoch(1);
    assertArrayEquals(runs.get(1), flat(collect(loader.iterator())), "resumed at epoch 1");
  }

  @Test void shufflingDrawsFromTheGivenRngOnly() {
    Rng rng = new Rng(11);
    var a = DataLoader.builder(indices(30)).shuffle(rng.split()).build();
    var b = DataLoader.builder(indices(30)).shuffle(rng.split()).build();
    assertNotEquals(Arrays.toString(a.order(0)), Arrays.toString(b.order(0)));
    Rng again = new Rng(11);
    var a2 = DataLoader.builder(indices(30)).shuffle(again.split()).build();
    assertArrayEquals(a.order(5), a2.order(5));
  }

  // ---------------------------------------------------------------- collate

  record Sample(Tensor x, Tensor label) {}

  @Test void defaultCollateStacksTensorArraysAndRecords() {
    Tensor x = Tensor.arange(0, 12, 1, DType.F32).reshape(6, 2);
    Tensor y = Tensor.of(new long[] {5, 4, 3, 2, 1, 0});
    var loader = DataLoader.builder(new TensorDataset(x, y)).batchSize(4).build();
    Iterator<Tensor[]> it = loader.iterator();
    Tensor[] first = it.next();
    assertArrayEquals(new int[] {4, 2}, first[0].shape().toArray());
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7}, first[0].toFloatArray());
    assertEquals(DType.I64, first[1].dtype());
    assertArrayEquals(new long[] {5, 4, 3, 2}, first[1].toLongArray());
    assertArrayEquals(new long[] {1, 0}, it.next()[1].toLongArray());

    Dataset<Sample> records = Dataset.of(3, i -> new Sample(
        Tensor.full(i, DType.F32, 2), Tensor.scalar(i, DType.I64)));
    Sample batch = DataLoader.of(records, 3).iterator().next();
    assertArrayEquals(new int[] {3, 2}, batch.x().shape().toArray());
    assertArrayEquals(new float[] {0, 0, 1, 1, 2, 2}, batch.x().toFloatArray());
    assertArrayEquals(new long[] {0, 1, 2}, batch.label().toLongArray());
  }

  @Test void defaultCollateRecursesIntoListsAndMaps() {
    Dataset<List<Tensor>> lists = Dataset.of(2, i -> List.of(Tensor.scalar(i), Tensor.scalar(-i)));
    List<Tensor> lb = Collate.<List<Tensor>>stack().apply(List.of(lists.get(0), lists.get(1)));
    assertArrayEquals(new float[] {0, -1}, lb.get(1).toFloatArray());
    var m0 = java.util.Map.of("a", Tensor.scalar(1.0));
    var m1 = java.util.Map.of("a", Tensor.scalar(2.0));
    var mb = Collate.<java.util.Map<String, Tensor>>stack().apply(List.of(m0, m1));
    assertArrayEquals(new float[] {1, 2}, mb.get("a").toFloatArray());
  }

  @Test void defaultCollateErrorsNameTheProblem() {
    Dataset<Sample> ragged = Dataset.of(2, i -> new Sample(
        Tensor.zeros(i + 2), Tensor.scalar(i, DType.I64)));
    var e = assertThrows(DataLoaderException.class,
        () -> DataLoader.of(ragged, 2).iterator().next());
    assertEquals("Collate.stack: sample.x of sample 0 has shape [2] but of sample 1 has shape"
        + " [3]; use Collate.padded(padValue) for variable-length sequences",
        e.getCause().getMessage());
    var ints = Collate.<Integer>stack();
    var bad = assertThrows(IllegalArgumentException.class, () -> ints.apply(List.of(1, 2)));
    assertTrue(bad.getMessage().contains("cannot stack sample of type java.lang.Integer"),
        bad.getMessage());
  }

  @Test void paddedCollatePadsToTheLongest() {
    List<Tensor> seqs = List.of(Tensor.of(new long[] {5, 6, 7}), Tensor.of(new long[] {8}),
        Tensor.of(new long[] {9, 10}));
    var loader = DataLoader.builder(Dataset.of(seqs)).batchSize(3)
        .collate(Collate.padded(-1)).build();
    PaddedBatch b = loader.iterator().next();
    assertEquals(DType.I64, b.data().dtype());
    assertArrayEquals(new int[] {3, 3}, b.data().shape().toArray());
    assertArrayEquals(new long[] {5, 6, 7, 8, -1, -1, 9, 10, -1}, b.data().toLongArray());
    assertArrayEquals(new long[] {3, 1, 2}, b.lengths().toLongArray());
    assertArrayEquals(new boolean[] {true, true, true, true, false, false, true, true, false},
        b.mask().toBooleanArray());
    assertArrayEquals(new float[] {1, 1, 1, 1, 0, 0, 1, 1, 0}, b.maskAs(DType.F32).toFloatArray());
    assertEquals(3, b.maxLength());
  }

  @Test void paddedCollateKeepsFeatureDimensions() {
    Tensor a = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
    Tensor b = Tensor.of(new float[] {5, 6}, 1, 2);
    PaddedBatch p = PaddedBatch.of(List.of(b, a), 0.5);
    assertArrayEquals(new int[] {2, 2, 2}, p.data().shape().toArray());
    assertArrayEquals(new float[] {5, 6, 0.5f, 0.5f, 1, 2, 3, 4}, p.data().toFloatArray());
    assertArrayEquals(new long[] {1, 2}, p.lengths().toLongArray());
    var e = assertThrows(IllegalArgumentException.class,
        () -> PaddedBatch.of(List.of(a, Tensor.zeros(2, 3)), 0));
    assertEquals("PaddedBatch: sequences may differ only in dimension 0, got [2, 2] at 0 and"
        + " [2, 3] at 1", e.getMessage());
  }

  // ---------------------------------------------------------------- prefetch

  @ParameterizedTest @ValueSource(ints = {1, 2, 5})
  void prefetchGivesTheSameBatches(int prefetch) {
    Dataset<Tensor> data = Dataset.of(23, i -> Tensor.full(i * 0.5, DType.F32, 3));
    var plain = DataLoader.builder(data).batchSize(4).shuffle(new Rng(5)).dropLast(true).build();
    try (var ahead = DataLoader.builder(data).batchSize(4).shuffle(new Rng(5)).dropLast(true)
        .prefetch(prefetch).build()) {
      for (int epoch = 0; epoch < 3; epoch++) {
        List<float[]> expected = new ArrayList<>();
        plain.forEach(t -> expected.add(t.toFloatArray()));
        List<float[]> actual = new ArrayList<>();
        ahead.forEach(t -> actual.add(t.toFloatArray()));
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
          assertArrayEquals(expected.get(i), actual.get(i), "epoch " + epoch + " batch " + i);
        }
        assertNull(ahead.worker(), "no thread left after a full epoch");
      }
    }
  }

  @Test void prefetchQueueIsBounded() throws InterruptedException {
    AtomicInteger reads = new AtomicInteger();
    Dataset<Tensor> data = Dataset.of(100, i -> {
      reads.incrementAndGet();
      return Tensor.scalar(i);
    });
    try (var loader = DataLoader.builder(data).batchSize(1).prefetch(2).build()) {
      var epoch = loader.iterator();
      Thread worker = loader.worker();
      assertTrue(worker.isDaemon());
      // 2 queued + 1 built and waiting for room; then the thread blocks
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (reads.get() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(1);
      }
      Thread.sleep(50);
      assertEquals(3, reads.get());
      assertEquals(0.0, epoch.next().item());
      epoch.close();
      assertFalse(worker.isAlive(), "close() waits for the thread");
      int after = reads.get();
      assertTrue(after <= 4, "at most one more read after taking one batch: " + after);
      assertFalse(epoch.hasNext());
      assertThrows(NoSuchElementException.class, epoch::next);
    }
  }

  @ParameterizedTest @ValueSource(ints = {0, 1, 3})
  void workerExceptionReachesTheConsumerWithItsCause(int prefetch) {
    IllegalStateException boom = new IllegalStateException("disk on fire");
    Dataset<Tensor> data = Dataset.of(10, i -> {
      if (i == 7) {
        throw boom;
      }
      return Tensor.scalar(i);
    });
    var loader = DataLoader.builder(data).batchSize(3).prefetch(prefetch).build();
    var epoch = loader.iterator();
    assertArrayEquals(new float[] {0, 1, 2}, epoch.next().toFloatArray());
    assertArrayEquals(new float[] {3, 4, 5}, epoch.next().toFloatArray());
    var e = assertThrows(DataLoaderException.class, epoch::next);
    assertSame(boom, e.getCause());
    assertTrue(e.getMessage().startsWith("DataLoader: loading batch 2 of epoch 0 (samples"
        + " [6, 7, 8]) failed"), e.getMessage());
    assertTrue(e.getMessage().contains("disk on fire"), e.getMessage());
    assertFalse(epoch.hasNext());
    assertNull(loader.worker(), "the prefetch thread ended");
    loader.close();
  }

  @Test void collateExceptionPropagatesToo() {
    var loader = DataLoader.builder(indices(4)).batchSize(2).prefetch(1)
        .collate(samples -> {
          throw new ArithmeticException("bad collate");
        }).build();
    var e = assertThrows(DataLoaderException.class, () -> loader.iterator().next());
    assertEquals(ArithmeticException.class, e.getCause().getClass());
    loader.close();
  }

  @Test void closeStopsTheThreadAndTheLoader() {
    AtomicInteger reads = new AtomicInteger();
    Dataset<Tensor> data = Dataset.of(1000, i -> {
      reads.incrementAndGet();
      return Tensor.scalar(i);
    });
    var loader = DataLoader.builder(data).batchSize(2).prefetch(2).build();
    var epoch = loader.iterator();
    epoch.next();
    Thread worker = loader.worker();
    loader.close();
    assertFalse(worker.isAlive());
    int after = reads.get();
    assertTrue(after <= 2 * 4, "reads stop at the queue bound: " + after);
    assertFalse(epoch.hasNext());
    var e = assertThrows(IllegalStateException.class, loader::iterator);
    assertEquals("DataLoader: closed; build a new loader to iterate again", e.getMessage());
    loader.close(); // idempotent
  }

  @Test void breakingOutThenStartingAnEpochLeavesOneThread() {
    try (var loader = DataLoader.builder(indices(100)).batchSize(2).prefetch(3)
        .shuffle(new Rng(1)).build()) {
      var first = loader.iterator();
      first.next();
      Thread w1 = loader.worker();
      var second = loader.iterator(); // stops the first epoch's thread before starting its own
      assertFalse(w1.isAlive());
      assertFalse(first.hasNext());
      assertArrayEquals(Arrays.copyOf(longs(loader.order(1)), 2), second.next().toLongArray());
    }
  }

  @Test void badArgumentsFailFast() {
    var b = DataLoader.builder(indices(3));
    assertEquals("DataLoader: batchSize must be > 0, got 0",
        assertThrows(IllegalArgumentException.class, () -> b.batchSize(0)).getMessage());
    assertEquals("DataLoader: prefetch must be >= 0 batches, got -1",
        assertThrows(IllegalArgumentException.class, () -> b.prefetch(-1)).getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.build().epoch(-1));
    var e = assertThrows(IllegalArgumentException.class,
        () -> new TensorDataset(Tensor.zeros(3, 2), Tensor.zeros(4)));
    assertEquals("TensorDataset: all tensors must have the same size in dimension 0, got [3, 2]"
        + " at 0 and [4] at 1", e.getMessage());
  }

  @Test void datasetViews() {
    Dataset<Tensor> base = indices(5);
    Dataset<Tensor> doubled = base.map(t -> t.mul(2));
    assertEquals(8, doubled.get(4).item());
    Dataset<Tensor> sub = base.subset(4, 0);
    assertEquals(2, sub.size());
    assertEquals(4, sub.get(0).item());
    assertThrows(IllegalArgumentException.class, () -> base.subset(5));
  }
}
