package dev.nabla.models.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Byte-level BPE tokenizer, as in GPT-2 (Radford et al., 2019) after Sennrich et al.
 * (arXiv:1508.07909): text → UTF-8 bytes → words cut by GPT-2's pre-tokenisation pattern → in each
 * word, adjacent tokens merged in the order the merges were learned. Every byte is a token, so any
 * string encodes and {@link #decode} gives it back exactly.
 *
 * <pre>{@code
 * var tok = ByteLevelBpeTokenizer.train(corpus, 4096, SpecialTokens.defaults());
 * int[] ids = tok.encode("Call me Ishmael.");              // merges learned from corpus
 * tok.decode(ids);                                         // "Call me Ishmael."
 * tok.encode("<|bos|>Hi", true);                           // [bos id, …]: literals only when asked
 * var gpt2 = ByteLevelBpeTokenizer.loadGpt2(encoderJson, vocabBpe);
 * gpt2.encode("Hello world");                              // [15496, 995], GPT-2's own ids
 * }</pre>
 *
 * <p><b>Ids.</b> A trained vocabulary has the 256 byte tokens first (id = byte value), then one
 * token per merge in learning order, then the special tokens ({@link SpecialTokens#all()} order).
 * A loaded one keeps the ids of its file. Token strings ({@link #idToToken}) use GPT-2's printable
 * byte alphabet: a space byte reads {@code 'Ġ'}, a newline {@code 'Ċ'}; special tokens read as their
 * literal.
 *
 * <p><b>Training</b> counts pairs incrementally with a lazily refreshed max-heap; of two pairs
 * with equal counts the one with the smaller (left id, right id) merges first, so the same corpus
 * always gives the same merges and the same JSON.
 *
 * <p><b>Text.</b> Strings are encoded as UTF-8; a lone surrogate (a broken {@code char} pair, not
 * valid Unicode) is encoded as U+FFFD, so the round trip is exact for every string free of lone
 * surrogates. Decoding ids whose bytes are not valid UTF-8 (part of a multi-byte character) gives
 * U+FFFD there; {@link #decodeBytes} returns the raw bytes and {@link #streamDecoder()} holds back
 * incomplete characters while streaming.
 *
 * <p>Instances are immutable and thread-safe; a bounded per-word cache of merge results (shared,
 * concurrent) makes repeated words cost one hash lookup.
 */
public final class ByteLevelBpeTokenizer {
  private static final Logger LOG = LoggerFactory.getLogger(ByteLevelBpeTokenizer.class);

  /** Largest vocabulary accepted (ids and tokens), here and in files. */
  public static final int MAX_VOCAB_SIZE = 1 << 21;
  /** Longest token or special-token literal accepted, in characters. */
  public static final int MAX_TOKEN_LENGTH = 1024;
  /** Largest tokenizer file read (256 MiB; GPT-2's two files take 1.5 MB). */
  public static final long MAX_FILE_BYTES = 256L << 20;
  /** The literal GPT-2 uses to separate documents (its only special token). */
  public static final String GPT2_END_OF_TEXT = "<|endoftext|>";

  /** Words of at most this many bytes merge by rescanning (fast when short); longer ones by a heap. */
  static final int SCAN_LIMIT = 32;
  /** Most words held by the merge cache; it is emptied when full. */
  static final int CACHE_CAPACITY = 1 << 16;
  /** Longest word (in chars) the cache holds: long runs rarely repeat. */
  static final int CACHE_MAX_WORD = 64;

  private final String[] tokens;          // by id: byte-level string, or the literal of a special
  private final byte[][] tokenBytes;      // by id: the bytes decode emits
  private final boolean[] isSpecial;      // by id
  private final Map<String, Integer> normalIds;
  private final int[] byteToId = new int[256];
  private final int[] mergeLeft;          // by rank
  private final int[] mergeRight;
  private final int[] mergeResult;
  private final PairRanks ranks;
  private final SpecialTokens specials;
  private final Map<String, Integer> specialIds;  // literal → id
  private final Pattern specialPattern;   // alternation of the literals, longest first; null if none
  private final Map<String, int[]> cache = new ConcurrentHashMap<>();

  /**
   * Builds and validates a tokenizer. {@code vocab} maps byte-level token strings to ids, {@code
   * merges} are {@code "left right"} in rank order, {@code specialIds} maps each literal of
   * {@code specials} to its id; together the ids must be exactly 0..n-1.
   *
   * @throws IllegalArgumentException naming the first inconsistency
   */
  ByteLevelBpeTokenizer(Map<String, Integer> vocab, List<String> merges,
      Map<String, Integer> specialIds, SpecialTokens specials) {
    this.specials = Objects.requireNonNull(specials, "specials");
    long size = (long) vocab.size() + specialIds.size();
    if (size > MAX_VOCAB_SIZE) {
      throw new IllegalArgumentException("vocabulary of " + size + " tokens exceeds " + MAX_VOCAB_SIZE);
    }
    int n = (int) size;
    tokens = new String[n];
    tokenBytes = new byte[n][];
    isSpecial = new boolean[n];
    Arrays.fill(byteToId, -1);
    for (Map.Entry<String, Integer> e : vocab.entrySet()) {
      String token = e.getKey();
      int id = checkId(e.getValue(), n, token);
      if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
        throw new IllegalArgumentException("token with id " + id + " must have 1 to " + MAX_TOKEN_LENGTH
            + " characters, got " + token.length());
      }
      byte[] b = ByteUnicode.toBytes(token);
      if (b == null) {
        throw new IllegalArgumentException("token \"" + token + "\" (id " + id
            + ") has a character outside the byte-level alphabet");
      }
      tokens[id] = token;
      tokenBytes[id] = b;
      if (b.length == 1) {
        byteToId[b[0] & 0xff] = id;
      }
    }
    for (int b = 0; b < 256; b++) {
      if (byteToId[b] < 0) {
        throw new IllegalArgumentException(String.format(
            "vocabulary lacks the token of byte 0x%02x (\"%c\"): every byte needs one", b, ByteUnicode.charOf(b)));
      }
    }
    this.normalIds = new HashMap<>(vocab);
    List<String> literals = specials.all();
    if (!specialIds.keySet().equals(new HashSet<>(literals))) {
      throw new IllegalArgumentException("special token ids " + specialIds.keySet()
          + " do not match the special tokens " + literals);
    }
    Map<String, Integer> sortedSpecials = new LinkedHashMap<>();
    specialIds.entrySet().stream().sorted(Map.Entry.comparingByValue())
        .forEach(e -> sortedSpecials.put(e.getKey(), e.getValue()));
    for (Map.Entry<String, Integer> e : sortedSpecials.entrySet()) {
      int id = checkId(e.getValue(), n, e.getKey());
      tokens[id] = e.getKey();
      tokenBytes[id] = e.getKey().getBytes(StandardCharsets.UTF_8);
      isSpecial[id] = true;
    }
    this.specialIds = Collections.unmodifiableMap(sortedSpecials);

    int numMerges = merges.size();
    mergeLeft = new int[numMerges];
    mergeRight = new int[numMerges];
    mergeResult = new int[numMerges];
    for (int r = 0; r < numMerges; r++) {
      String m = merges.get(r);
      int space = m.indexOf(' ');
      if (space <= 0 || space == m.length() - 1 || m.indexOf(' ', space + 1) >= 0) {
        throw new IllegalArgumentException("merge " + r + " \"" + m + "\" is not two tokens separated by one space");
      }
      String a = m.substring(0, space);
      String b = m.substring(space + 1);
      mergeLeft[r] = normalId(a, r);
      mergeRight[r] = normalId(b, r);
      mergeResult[r] = normalId(a + b, r);
    }
    ranks = new PairRanks(mergeLeft, mergeRight);
    specialPattern = literals.isEmpty() ? null : Pattern.compile(literals.stream()
        .sorted(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()))
        .map(Pattern::quote).collect(Collectors.joining("|")));
  }

  private int checkId(Integer id, int n, String token) {
    if (id == null || id < 0 || id >= n) {
      throw new IllegalArgumentException("token \"" + token + "\" has id " + id
          + ", outside [0, " + n + ") for a vocabulary of " + n + " tokens");
    }
    if (tokens[id] != null) {
      throw new IllegalArgumentException("tokens \"" + tokens[id] + "\" and \"" + token + "\" share id " + id);
    }
    return id;
  }

  private int normalId(String token, int rank) {
    Integer id = normalIds.get(token);
    if (id == null) {
      throw new IllegalArgumentException("merge " + rank + " uses or makes \"" + token
          + "\", which is not in the vocabulary");
    }
    return id;
  }

  // ---------------------------------------------------------------------------------------------
  // Training and loading

  /** Trains on one text; see {@link #train(Iterable, int, SpecialTokens)}. */
  public static ByteLevelBpeTokenizer train(String corpus, int vocabSize, SpecialTokens specials) {
    return train(List.of(Objects.requireNonNull(corpus, "corpus")), vocabSize, specials);
  }

  /**
   * Learns {@code vocabSize - 256 - specials} merges from {@code documents} (pre-tokenised one by
   * one, so no word spans two documents). Occurrences of the special literals in the corpus are
   * cut out, not learned from. If the corpus runs out of pairs first, the vocabulary is smaller
   * than asked (a warning is logged; {@link #vocabSize()} tells).
   *
   * @throws IllegalArgumentException if {@code vocabSize} cannot hold the 256 byte tokens and the
   *     special tokens, or exceeds {@link #MAX_VOCAB_SIZE}
   */
  public static ByteLevelBpeTokenizer train(Iterable<String> documents, int vocabSize, SpecialTokens specials) {
    Objects.requireNonNull(documents, "documents");
    Objects.requireNonNull(specials, "specials");
    List<String> literals = specials.all();
    int minimum = 256 + literals.size();
    if (vocabSize < minimum || vocabSize > MAX_VOCAB_SIZE) {
      throw new IllegalArgumentException("ByteLevelBpeTokenizer.train: vocabSize must be in [" + minimum + ", "
          + MAX_VOCAB_SIZE + "] (256 byte tokens + " + literals.size() + " special tokens at least), got "
          + vocabSize);
    }
    Pattern split = literals.isEmpty() ? null
        : Pattern.compile(literals.stream().map(Pattern::quote).collect(Collectors.joining("|")));
    BpeTrainer.Merges learned = BpeTrainer.train(documents, vocabSize - minimum, split);
    int numMerges = learned.left().length;
    if (numMerges < vocabSize - minimum) {
      LOG.warn("BPE training ran out of pairs after {} merges: vocabulary has {} tokens, not {}",
          numMerges, minimum + numMerges, vocabSize);
    }
    byte[][] bytes = new byte[256 + numMerges][];
    String[] strings = new String[bytes.length];
    Map<String, Integer> vocab = new HashMap<>(2 * bytes.length);
    for (int id = 0; id < bytes.length; id++) {
      bytes[id] = id < 256 ? new byte[] {(byte) id}
          : concat(bytes[learned.left()[id - 256]], bytes[learned.right()[id - 256]]);
      strings[id] = ByteUnicode.toUnicode(bytes[id]);
      if (vocab.putIfAbsent(strings[id], id) != null) {
        throw new IllegalStateException("BPE training produced token \"" + strings[id] + "\" twice");
      }
    }
    List<String> merges = new ArrayList<>(numMerges);
    for (int r = 0; r < numMerges; r++) {
      merges.add(strings[learned.left()[r]] + " " + strings[learned.right()[r]]);
    }
    Map<String, Integer> specialIds = new LinkedHashMap<>();
    for (String s : literals) {
      specialIds.put(s, bytes.length + specialIds.size());
    }
    return new ByteLevelBpeTokenizer(vocab, merges, specialIds, specials);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  /**
   * Loads GPT-2's vocabulary: {@code encoder.json} (token → id) and {@code vocab.bpe} (merges in
   * rank order, {@code #version} header). {@value #GPT2_END_OF_TEXT} becomes the special token
   * (BOS and EOS). Files ending in {@code .gz} are decompressed.
   *
   * @throws IOException if a file cannot be read or is not a valid GPT-2 vocabulary
   */
  public static ByteLevelBpeTokenizer loadGpt2(Path encoderJson, Path vocabBpe) throws IOException {
    try (InputStream e = TokenizerFiles.open(encoderJson); InputStream v = TokenizerFiles.open(vocabBpe)) {
      return TokenizerFiles.readGpt2(e, v, encoderJson + " + " + vocabBpe);
    }
  }

  /** As {@link #loadGpt2(Path, Path)}, from streams (not closed). */
  public static ByteLevelBpeTokenizer loadGpt2(InputStream encoderJson, InputStream vocabBpe) throws IOException {
    return TokenizerFiles.readGpt2(encoderJson, vocabBpe, "GPT-2 vocabulary");
  }

  /**
   * Reads a tokenizer saved by {@link #save}. The file is validated (format, sizes, ids dense and
   * unique, merges consistent) before use.
   *
   * @throws IOException if it cannot be read or is not a valid tokenizer file
   */
  public static ByteLevelBpeTokenizer load(Path file) throws IOException {
    try (InputStream in = TokenizerFiles.open(file)) {
      return TokenizerFiles.readJson(in, file.toString());
    }
  }

  /** As {@link #load(Path)}, from a stream (not closed). */
  public static ByteLevelBpeTokenizer read(InputStream in) throws IOException {
    return TokenizerFiles.readJson(in, "tokenizer JSON");
  }

  /** Writes this tokenizer as JSON, atomically: a temporary file renamed over {@code file}. */
  public void save(Path file) throws IOException {
    TokenizerFiles.writeAtomically(file, this::write);
  }

  /**
   * Writes this tokenizer as JSON (UTF-8, stream left open): {@code type}, {@code version},
   * {@code pre_tokenizer}, {@code vocab} (token → id, by id), {@code merges} ({@code "left
   * right"}, by rank), {@code special_tokens} (literal → id) and {@code bos_token}/{@code
   * eos_token}/{@code pad_token}. Equal tokenizers write equal bytes.
   */
  public void write(OutputStream out) throws IOException {
    TokenizerFiles.writeJson(this, out);
  }

  // ---------------------------------------------------------------------------------------------
  // Encoding

  /** Token ids of {@code text}; special-token literals in it are encoded as ordinary text. */
  public int[] encode(String text) {
    return encode(text, false);
  }

  /**
   * Token ids of {@code text}. With {@code allowSpecial}, each occurrence of a special-token literal
   * becomes that token's id (the longest literal wins where several match) and the text between
   * is encoded separately; without, the literals are ordinary text (so user input cannot forge an
   * EOS).
   */
  public int[] encode(String text, boolean allowSpecial) {
    Objects.requireNonNull(text, "text");
    IntBuffer out = new IntBuffer(Math.max(16, text.length() / 3));
    Scratch scratch = new Scratch();
    if (allowSpecial && specialPattern != null) {
      Matcher m = specialPattern.matcher(text);
      int last = 0;
      while (m.find()) {
        encodeOrdinary(text, last, m.start(), out, scratch);
        out.add(specialIds.get(m.group()));
        last = m.end();
      }
      encodeOrdinary(text, last, text.length(), out, scratch);
    } else {
      encodeOrdinary(text, 0, text.length(), out, scratch);
    }
    return out.toArray();
  }

  /** Per-call buffers, so that concurrent calls share nothing mutable but the cache. */
  static final class Scratch {
    byte[] bytes = new byte[256];
    final int[] length = new int[1];
    long[] heap = new long[64];
  }

  private void encodeOrdinary(String text, int start, int end, IntBuffer out, Scratch scratch) {
    if (start >= end) {
      return;
    }
    // Opaque region bounds: the text next to a special token is pre-tokenised as if it ended there.
    Matcher m = Pretokenizer.GPT2.matcher(text).region(start, end);
    int pos = start;
    while (m.find()) {
      if (m.start() > pos) {   // cannot happen (the pattern's classes cover every character); kept lossless
        encodeWord(text, pos, m.start(), out, scratch);
      }
      encodeWord(text, m.start(), m.end(), out, scratch);
      pos = m.end();
    }
    if (pos < end) {
      encodeWord(text, pos, end, out, scratch);
    }
  }

  private void encodeWord(String text, int start, int end, IntBuffer out, Scratch scratch) {
    if (end - start == 1 && text.charAt(start) < 0x80) {
      out.add(byteToId[text.charAt(start)]);   // one byte: nothing to merge
      return;
    }
    if (end - start > CACHE_MAX_WORD) {
      out.addAll(bpe(text, start, end, scratch));
      return;
    }
    String word = text.substring(start, end);
    int[] ids = cache.get(word);
    if (ids == null) {
      ids = bpe(text, start, end, scratch);
      if (cache.size() >= CACHE_CAPACITY) {
        cache.clear();
      }
      cache.put(word, ids);
    }
    out.addAll(ids);
  }

  /** BPE of one word: its bytes as tokens, then merges by rank. */
  private int[] bpe(String text, int start, int end, Scratch scratch) {
    byte[] bytes = scratch.bytes = Pretokenizer.utf8(text, start, end, scratch.bytes, scratch.length);
    int n = scratch.length[0];
    int[] symbols = new int[n];
    for (int i = 0; i < n; i++) {
      symbols[i] = byteToId[bytes[i] & 0xff];
    }
    int m = n <= SCAN_LIMIT ? mergeByScan(symbols, n) : mergeByHeap(symbols, n, scratch);
    return m == n ? symbols : Arrays.copyOf(symbols, m);
  }

  /**
   * GPT-2's procedure: find the adjacent pair of lowest rank, merge all its occurrences left to
   * right, repeat until no pair is a merge. Quadratic in the word length; used for short words.
   * Returns the new length.
   */
  int mergeByScan(int[] s, int n) {
    while (n > 1) {
      int best = Integer.MAX_VALUE;
      for (int i = 0; i + 1 < n; i++) {
        int r = ranks.rank(s[i], s[i + 1]);
        if (r >= 0 && r < best) {
          best = r;
        }
      }
      if (best == Integer.MAX_VALUE) {
        break;
      }
      int a = mergeLeft[best];
      int b = mergeRight[best];
      int c = mergeResult[best];
      int w = 0;
      for (int i = 0; i < n; ) {
        if (i + 1 < n && s[i] == a && s[i + 1] == b) {
          s[w++] = c;
          i += 2;
        } else {
          s[w++] = s[i++];
        }
      }
      n = w;
    }
    return n;
  }

  /**
   * The same result as {@link #mergeByScan} in O(n log n): the symbols form a linked list, a
   * min-heap holds (rank, position) of candidate pairs. All entries of the lowest rank are taken
   * in position order (GPT-2 merges every occurrence of that pair, left to right) before the
   * pairs they create are added. Entries are checked when popped: a pair whose symbols changed is
   * skipped. Returns the new length.
   */
  int mergeByHeap(int[] s, int n) {
    return mergeByHeap(s, n, new Scratch());
  }

  private int mergeByHeap(int[] s, int n, Scratch scratch) {
    int[] next = new int[n];
    int[] prev = new int[n];
    for (int i = 0; i < n; i++) {
      next[i] = i + 1 < n ? i + 1 : -1;
      prev[i] = i - 1;
    }
    LongHeap heap = new LongHeap(scratch.heap);
    for (int i = 0; i + 1 < n; i++) {
      int r = ranks.rank(s[i], s[i + 1]);
      if (r >= 0) {
        heap.push(((long) r << 32) | i);
      }
    }
    int[] touched = new int[8];
    while (!heap.isEmpty()) {
      int rank = (int) (heap.peek() >>> 32);
      int numTouched = 0;
      while (!heap.isEmpty() && (int) (heap.peek() >>> 32) == rank) {
        int i = (int) heap.pop();
        int j = next[i];
        if (s[i] < 0 || j < 0 || ranks.rank(s[i], s[j]) != rank) {
          continue;   // stale: a symbol of this pair was merged away or changed
        }
        s[i] = mergeResult[rank];
        s[j] = -1;
        next[i] = next[j];
        if (next[j] >= 0) {
          prev[next[j]] = i;
        }
        if (numTouched + 2 > touched.length) {
          touched = Arrays.copyOf(touched, touched.length * 2);
        }
        if (prev[i] >= 0) {
          touched[numTouched++] = prev[i];
        }
        touched[numTouched++] = i;
      }
      for (int t = 0; t < numTouched; t++) {
        int i = touched[t];
        int j = next[i];
        if (s[i] >= 0 && j >= 0) {
          int r = ranks.rank(s[i], s[j]);
          if (r >= 0) {
            heap.push(((long) r << 32) | i);
          }
        }
      }
    }
    scratch.heap = heap.array();
    int w = 0;
    for (int i = 0; i >= 0; i = next[i]) {
      s[w++] = s[i];
    }
    return w;
  }

  // ---------------------------------------------------------------------------------------------
  // Decoding

  /** The text of {@code ids}; bytes that do not form valid UTF-8 become U+FFFD. */
  public String decode(int[] ids) {
    return new String(decodeBytes(ids), StandardCharsets.UTF_8);
  }

  /** The bytes of {@code ids} concatenated (special tokens give their literal's UTF-8). */
  public byte[] decodeBytes(int[] ids) {
    Objects.requireNonNull(ids, "ids");
    int total = 0;
    for (int id : ids) {
      total += checkedBytes(id, "decode").length;
    }
    byte[] out = new byte[total];
    int pos = 0;
    for (int id : ids) {
      byte[] b = tokenBytes[id];
      System.arraycopy(b, 0, out, pos, b.length);
      pos += b.length;
    }
    return out;
  }

  private byte[] checkedBytes(int id, String op) {
    if (id < 0 || id >= tokens.length) {
      throw new IllegalArgumentException(op + ": token id " + id + " is out of range [0, " + tokens.length + ")");
    }
    return tokenBytes[id];
  }

  /** A decoder for streaming generation: feed ids one at a time, get text as characters complete. */
  public StreamDecoder streamDecoder() {
    return new StreamDecoder();
  }

  /**
   * Turns a stream of ids into text without splitting a character: bytes of a UTF-8 sequence that
   * is not yet complete are held back until the token that completes it. Not thread-safe.
   */
  public final class StreamDecoder {
    private byte[] pending = new byte[16];
    private int size;

    private StreamDecoder() {}

    /** Adds one token; returns the text it completes (possibly empty). */
    public String next(int id) {
      byte[] b = checkedBytes(id, "StreamDecoder.next");
      if (size + b.length > pending.length) {
        pending = Arrays.copyOf(pending, Math.max(2 * pending.length, size + b.length));
      }
      System.arraycopy(b, 0, pending, size, b.length);
      size += b.length;
      int cut = completePrefix(pending, size);
      String text = new String(pending, 0, cut, StandardCharsets.UTF_8);
      System.arraycopy(pending, cut, pending, 0, size - cut);
      size -= cut;
      return text;
    }

    /** Returns whatever is held back (an incomplete character decodes as U+FFFD) and resets. */
    public String flush() {
      String text = new String(pending, 0, size, StandardCharsets.UTF_8);
      size = 0;
      return text;
    }
  }

  /** Length of the longest prefix of {@code b[0, n)} that does not end inside a UTF-8 sequence. */
  static int completePrefix(byte[] b, int n) {
    for (int i = n - 1; i >= Math.max(0, n - 4); i--) {
      int x = b[i] & 0xff;
      if ((x & 0xC0) != 0x80) {   // a lead byte (or ASCII, or invalid)
        int need = x >= 0xF0 && x <= 0xF4 ? 4 : x >= 0xE0 && x < 0xF0 ? 3 : x >= 0xC2 && x < 0xE0 ? 2 : 1;
        return i + need > n ? i : n;
      }
    }
    return n;   // only continuation bytes at the end: invalid anyway, nothing to wait for
  }

  // ---------------------------------------------------------------------------------------------
  // Vocabulary

  /** Number of tokens, special tokens included (ids are 0..vocabSize-1). */
  public int vocabSize() {
    return tokens.length;
  }

  /** Number of merges (ranks). */
  public int numMerges() {
    return mergeLeft.length;
  }

  /**
   * The id of a token string (byte-level form, as {@link #idToToken}) or of a special literal (a
   * special literal wins over a token spelled the same).
   *
   * @throws IllegalArgumentException if neither
   */
  public int tokenToId(String token) {
    Integer id = specialIds.get(token);
    if (id == null) {
      id = normalIds.get(token);
    }
    if (id == null) {
      throw new IllegalArgumentException("tokenToId: \"" + token + "\" is not in the vocabulary");
    }
    return id;
  }

  /** Whether {@link #tokenToId} knows {@code token}. */
  public boolean containsToken(String token) {
    return specialIds.containsKey(token) || normalIds.containsKey(token);
  }

  /** The token string of {@code id}: byte-level form ({@code "Ġthe"}) or a special's literal. */
  public String idToToken(int id) {
    checkedBytes(id, "idToToken");
    return tokens[id];
  }

  /** Whether {@code id} is a special token. */
  public boolean isSpecial(int id) {
    checkedBytes(id, "isSpecial");
    return isSpecial[id];
  }

  /** The special tokens and their roles. */
  public SpecialTokens specialTokens() {
    return specials;
  }

  /** Special literal → id, in id order. */
  public Map<String, Integer> specialTokenIds() {
    return specialIds;
  }

  /**
   * Id of the beginning-of-sequence token.
   *
   * @throws IllegalStateException if this tokenizer has no BOS token
   */
  public int bosId() {
    return roleId(specials.bos(), "BOS");
  }

  /**
   * Id of the end-of-sequence token.
   *
   * @throws IllegalStateException if this tokenizer has no EOS token
   */
  public int eosId() {
    return roleId(specials.eos(), "EOS");
  }

  /**
   * Id of the padding token.
   *
   * @throws IllegalStateException if this tokenizer has no PAD token
   */
  public int padId() {
    return roleId(specials.pad(), "PAD");
  }

  private int roleId(String literal, String role) {
    if (literal == null) {
      throw new IllegalStateException("this tokenizer has no " + role + " token; train or load it with one");
    }
    return specialIds.get(literal);
  }

  /** Merges as {@code "left right"} token strings, in rank order. */
  List<String> merges() {
    List<String> out = new ArrayList<>(mergeLeft.length);
    for (int r = 0; r < mergeLeft.length; r++) {
      out.add(tokens[mergeLeft[r]] + " " + tokens[mergeRight[r]]);
    }
    return out;
  }

  /** Normal (non-special) token string of each id, {@code null} at special ids. */
  String normalToken(int id) {
    return isSpecial[id] ? null : tokens[id];
  }

  @Override public String toString() {
    return "ByteLevelBpeTokenizer(vocabSize=" + tokens.length + ", merges=" + mergeLeft.length
        + ", special=" + specialIds.keySet() + ")";
  }

  /** Growable {@code int[]}. */
  private static final class IntBuffer {
    private int[] data;
    private int size;

    IntBuffer(int capacity) {
      data = new int[capacity];
    }

    void add(int v) {
      if (size == data.length) {
        data = Arrays.copyOf(data, data.length * 2);
      }
      data[size++] = v;
    }

    void addAll(int[] v) {
      if (size + v.length > data.length) {
        data = Arrays.copyOf(data, Math.max(data.length * 2, size + v.length));
      }
      System.arraycopy(v, 0, data, size, v.length);
      size += v.length;
    }

    int[] toArray() {
      return Arrays.copyOf(data, size);
    }
  }

  /** Binary min-heap of {@code long}s, on a reusable array. */
  private static final class LongHeap {
    private long[] a;
    private int size;

    LongHeap(long[] storage) {
      a = storage;
    }

    long[] array() {
      return a;
    }

    boolean isEmpty() {
      return size == 0;
    }

    long peek() {
      return a[0];
    }

    void push(long v) {
      if (size == a.length) {
        a = Arrays.copyOf(a, size * 2);
      }
      int i = size++;
      while (i > 0) {
        int p = (i - 1) >>> 1;
        if (a[p] <= v) {
          break;
        }
        a[i] = a[p];
        i = p;
      }
      a[i] = v;
    }

    long pop() {
      long top = a[0];
      long last = a[--size];
      int i = 0;
      while (true) {
        int c = 2 * i + 1;
        if (c >= size) {
          break;
        }
        if (c + 1 < size && a[c + 1] < a[c]) {
          c++;
        }
        if (a[c] >= last) {
          break;
        }
        a[i] = a[c];
        i = c;
      }
      if (size > 0) {
        a[i] = last;
      }
      return top;
    }
  }
}
