package dev.nabla.models.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns byte-level BPE merges (Sennrich et al., arXiv:1508.07909) from word counts.
 *
 * <p>The corpus is cut into words by {@link Pretokenizer}; each distinct word is a sequence of byte
 * ids (token {@code b} is byte {@code b}), weighted by how often it occurs. Each step merges the
 * most frequent adjacent pair into a new token (ids 256, 257, … in order). Pair counts are kept
 * incrementally: each pair knows the words it occurs in, and a merge revisits only those words,
 * re-counting their pairs; a max-heap with lazy invalidation picks the next pair. That works
 * because a merge only lowers the counts of existing pairs and creates pairs that contain the new
 * token: a heap entry is an upper bound on its pair's count, refreshed when it reaches the top.
 *
 * <p>Ties: among pairs of equal count the one with the smaller left id wins, then the smaller
 * right id. Ids are bytes by value, then merged tokens by creation, so training is deterministic
 * for a given corpus (independent of hash-map iteration order and of thread count).
 */
final class BpeTrainer {
  private BpeTrainer() {}

  /** Learned merges: {@code left[i] + right[i]} became token {@code 256 + i}. */
  record Merges(int[] left, int[] right) {}

  private static final class Pair {
    final int left;
    final int right;
    long count;
    int[] words = new int[2];   // words this pair occurred in (may hold stale or repeated entries)
    int numWords;

    Pair(int left, int right) {
      this.left = left;
      this.right = right;
    }

    void addWord(int w) {
      if (numWords > 0 && words[numWords - 1] == w) {
        return;
      }
      if (numWords == words.length) {
        words = Arrays.copyOf(words, numWords * 2);
      }
      words[numWords++] = w;
    }
  }

  /** A heap entry: a pair with the count it had when pushed. */
  private record Entry(Pair pair, long count) {}

  static Merges train(Iterable<String> documents, int numMerges, Pattern specialSplit) {
    // 1. Distinct words and their counts.
    Map<String, long[]> counts = new HashMap<>();
    for (String doc : documents) {
      if (doc == null) {
        throw new IllegalArgumentException("ByteLevelBpeTokenizer.train: corpus contains a null document");
      }
      if (specialSplit == null) {
        countWords(doc, 0, doc.length(), counts);
      } else {
        // Special-token literals in the corpus are markers, not text to learn merges from.
        Matcher m = specialSplit.matcher(doc);
        int last = 0;
        while (m.find()) {
          countWords(doc, last, m.start(), counts);
          last = m.end();
        }
        countWords(doc, last, doc.length(), counts);
      }
    }

    // 2. Words as byte-id sequences.
    int numWordsTotal = counts.size();
    int[][] words = new int[numWordsTotal][];
    int[] lengths = new int[numWordsTotal];
    long[] freq = new long[numWordsTotal];
    byte[] buf = new byte[64];
    int[] len = new int[1];
    int w = 0;
    for (Map.Entry<String, long[]> e : counts.entrySet()) {
      String word = e.getKey();
      buf = Pretokenizer.utf8(word, 0, word.length(), buf, len);
      int[] symbols = new int[len[0]];
      for (int i = 0; i < symbols.length; i++) {
        symbols[i] = buf[i] & 0xff;
      }
      words[w] = symbols;
      lengths[w] = symbols.length;
      freq[w] = e.getValue()[0];
      w++;
    }
    counts = null;

    // 3. Initial pair counts.
    Map<Long, Pair> pairs = new HashMap<>();
    for (w = 0; w < numWordsTotal; w++) {
      int[] s = words[w];
      for (int i = 0; i + 1 < lengths[w]; i++) {
        Pair p = pairs.computeIfAbsent(PairRanks.key(s[i], s[i + 1]), k -> newPair(k));
        p.count += freq[w];
        p.addWord(w);
      }
    }
    PriorityQueue<Entry> heap = new PriorityQueue<>(Math.max(16, pairs.size()), BpeTrainer::compare);
    for (Pair p : pairs.values()) {
      heap.add(new Entry(p, p.count));
    }

    // 4. Merge.
    int[] left = new int[numMerges];
    int[] right = new int[numMerges];
    int[] visited = new int[numWordsTotal];
    Arrays.fill(visited, -1);
    List<Pair> created = new ArrayList<>();
    int merges = 0;
    while (merges < numMerges && !heap.isEmpty()) {
      Entry top = heap.poll();
      Pair best = top.pair();
      if (top.count() != best.count) {   // stale: counts only fall, re-file at its true count
        if (best.count > 0) {
          heap.add(new Entry(best, best.count));
        }
        continue;
      }
      if (best.count <= 0) {
        continue;
      }
      int a = best.left;
      int b = best.right;
      int c = 256 + merges;
      left[merges] = a;
      right[merges] = b;
      created.clear();
      for (int k = 0; k < best.numWords; k++) {
        int word = best.words[k];
        if (visited[word] == merges) {
          continue;
        }
        visited[word] = merges;
        int[] s = words[word];
        int n = lengths[word];
        long f = freq[word];
        if (!contains(s, n, a, b)) {
          continue;
        }
        // Re-count this word: remove its old pairs, merge left to right, add its new pairs.
        for (int i = 0; i + 1 < n; i++) {
          pairs.get(PairRanks.key(s[i], s[i + 1])).count -= f;
        }
        int m = 0;
        for (int i = 0; i < n; ) {
          if (i + 1 < n && s[i] == a && s[i + 1] == b) {
            s[m++] = c;
            i += 2;
          } else {
            s[m++] = s[i++];
          }
        }
        lengths[word] = m;
        for (int i = 0; i + 1 < m; i++) {
          long key = PairRanks.key(s[i], s[i + 1]);
          Pair p = pairs.get(key);
          if (p == null) {
            p = newPair(key);
            pairs.put(key, p);
            created.add(p);
          }
          p.count += f;
          if (s[i] == c || s[i + 1] == c) {
            p.addWord(word);
          }
        }
      }
      pairs.remove(PairRanks.key(a, b));
      best.words = null;
      for (Pair p : created) {
        heap.add(new Entry(p, p.count));
      }
      merges++;
    }
    return new Merges(Arrays.copyOf(left, merges), Arrays.copyOf(right, merges));
  }

  private static Pair newPair(long key) {
    return new Pair((int) (key >>> 32), (int) key);
  }

  private static int compare(Entry x, Entry y) {
    int c = Long.compare(y.count(), x.count());   // higher count first
    if (c != 0) {
      return c;
    }
    c = Integer.compare(x.pair().left, y.pair().left);
    return c != 0 ? c : Integer.compare(x.pair().right, y.pair().right);
  }

  private static boolean contains(int[] s, int n, int a, int b) {
    for (int i = 0; i + 1 < n; i++) {
      if (s[i] == a && s[i + 1] == b) {
        return true;
      }
    }
    return false;
  }

  private static void countWords(String text, int start, int end, Map<String, long[]> counts) {
    if (start >= end) {
      return;
    }
    Matcher m = Pretokenizer.GPT2.matcher(text).region(start, end);
    while (m.find()) {
      counts.computeIfAbsent(m.group(), k -> new long[1])[0]++;
    }
  }
}
