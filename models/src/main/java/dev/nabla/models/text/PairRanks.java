package dev.nabla.models.text;

import java.util.Arrays;

/**
 * Open-addressing hash map from a token pair {@code (left, right)} to its merge rank: the lookup in
 * the inner loop of encoding, kept free of boxing. Ids are non-negative, so {@code -1} marks an
 * empty slot. Built once, then read-only (safe to share between threads).
 */
final class PairRanks {
  private final long[] keys;
  private final int[] ranks;
  private final int mask;
  private final int shift;

  PairRanks(int[] left, int[] right) {
    int capacity = Integer.highestOneBit(Math.max(4, left.length * 2 - 1)) << 1;
    keys = new long[capacity];
    ranks = new int[capacity];
    mask = capacity - 1;
    shift = 64 - Integer.numberOfTrailingZeros(capacity);
    Arrays.fill(keys, -1L);
    for (int r = 0; r < left.length; r++) {
      long key = key(left[r], right[r]);
      int slot = slot(key);
      while (keys[slot] != -1L) {
        if (keys[slot] == key) {
          throw new IllegalArgumentException("duplicate merge of token ids " + left[r] + " and " + right[r]);
        }
        slot = (slot + 1) & mask;
      }
      keys[slot] = key;
      ranks[slot] = r;
    }
  }

  static long key(int left, int right) {
    return ((long) left << 32) | (right & 0xffffffffL);
  }

  private int slot(long key) {
    return (int) ((key * 0x9E3779B97F4A7C15L) >>> shift);   // Fibonacci hashing: top bits
  }

  /** The rank of merging {@code left} with {@code right}, or -1 if the pair is not a merge. */
  int rank(int left, int right) {
    long key = key(left, right);
    int slot = slot(key);
    while (true) {
      long k = keys[slot];
      if (k == key) {
        return ranks[slot];
      }
      if (k == -1L) {
        return -1;
      }
      slot = (slot + 1) & mask;
    }
  }
}
