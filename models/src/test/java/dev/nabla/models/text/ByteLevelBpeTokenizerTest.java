package dev.nabla.models.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ByteLevelBpeTokenizerTest {
  static final int VOCAB = 1024;
  static ByteLevelBpeTokenizer tok;

  @BeforeAll static void train() {
    tok = ByteLevelBpeTokenizer.train(TestData.mobyDick(), VOCAB, SpecialTokens.defaults());
  }

  static String json(ByteLevelBpeTokenizer t) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      t.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  // ---- training

  @Test void reachesTheVocabularySize() {
    assertEquals(VOCAB, tok.vocabSize());
    assertEquals(VOCAB - 256 - 3, tok.numMerges());
    assertEquals(VOCAB - 3, tok.bosId());
    assertEquals(VOCAB - 2, tok.eosId());
    assertEquals(VOCAB - 1, tok.padId());
    // The first merges of English prose: "Ġt", "he", "Ġa", … are among the earliest tokens.
    assertTrue(tok.tokenToId("Ġthe") < 300, "Ġthe id " + tok.tokenToId("Ġthe"));
    assertTrue(tok.containsToken("ĠWhale") || tok.containsToken("Ġwhale"));
  }

  @Test void compressesText() {
    String text = TestData.mobyDick();
    int bytes = text.getBytes(StandardCharsets.UTF_8).length;
    int tokens = tok.encode(text).length;
    assertTrue(tokens < bytes / 2.5, tokens + " tokens for " + bytes + " bytes");
  }

  @Test void trainingIsDeterministic() {
    String text = TestData.mobyDick().substring(0, 60_000);
    String first = json(ByteLevelBpeTokenizer.train(text, 600, SpecialTokens.defaults()));
    String second = json(ByteLevelBpeTokenizer.train(List.of(text), 600, SpecialTokens.defaults()));
    assertEquals(first, second);
    // Document order does not matter: the word counts, hence the merges, are the same.
    List<String> paragraphs = new ArrayList<>(List.of(text.split("\n\n")));
    String forward = json(ByteLevelBpeTokenizer.train(paragraphs, 600, SpecialTokens.defaults()));
    Collections.reverse(paragraphs);
    assertEquals(forward, json(ByteLevelBpeTokenizer.train(paragraphs, 600, SpecialTokens.defaults())));
  }

  @Test void tiesBreakOnTheSmallerPair() {
    // "xy" occurs three times, "ab" and "cd" twice each: (a, b) has the smaller ids so it wins the tie.
    ByteLevelBpeTokenizer t = ByteLevelBpeTokenizer.train(
        List.of("cd", "ab", "xy", "cd", "ab", "xy", "xy"), 256 + 3, SpecialTokens.none());
    assertEquals(List.of("x y", "a b", "c d"), t.merges());
  }

  @Test void stopsWhenTheCorpusRunsOutOfPairs() {
    ByteLevelBpeTokenizer t = ByteLevelBpeTokenizer.train("abab", 300, SpecialTokens.of(null, "<|eos|>", null));
    assertEquals(List.of("a b", "ab ab"), t.merges());
    assertEquals(256 + 2 + 1, t.vocabSize());
    assertEquals(258, t.eosId());
    assertArrayEquals(new int[] {257}, t.encode("abab"));
  }

  @Test void specialLiteralsInTheCorpusAreNotLearned() {
    String doc = "<|eos|>".repeat(50) + "xy";
    ByteLevelBpeTokenizer t = ByteLevelBpeTokenizer.train(doc, 300, SpecialTokens.defaults());
    assertEquals(List.of("x y"), t.merges());
  }

  @Test void documentsAreSplitSeparately() {
    // As one text "ab" + "ab" would be the word "abab"; as two documents they are two words "ab".
    ByteLevelBpeTokenizer t = ByteLevelBpeTokenizer.train(List.of("ab", "ab"), 300, SpecialTokens.none());
    assertEquals(List.of("a b"), t.merges());
  }

  @Test void rejectsBadTrainingArguments() {
    IllegalArgumentException small = assertThrows(IllegalArgumentException.class,
        () -> ByteLevelBpeTokenizer.train("text", 258, SpecialTokens.defaults()));
    assertTrue(small.getMessage().contains("vocabSize must be in [259"), small.getMessage());
    assertTrue(small.getMessage().contains("got 258"), small.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> ByteLevelBpeTokenizer.train("text", ByteLevelBpeTokenizer.MAX_VOCAB_SIZE + 1, SpecialTokens.none()));
    assertThrows(IllegalArgumentException.class,
        () -> ByteLevelBpeTokenizer.train(Arrays.asList("a", null), 300, SpecialTokens.none()));
    assertThrows(IllegalArgumentException.class, () -> SpecialTokens.of("", null, null));
    assertThrows(IllegalArgumentException.class, () -> SpecialTokens.defaults().withAdditional("<|pad|>"));
  }

  // ---- encode / decode

  @Test void roundTripsTheCorpus() {
    String text = TestData.mobyDick();
    assertEquals(text, tok.decode(tok.encode(text)));
  }

  @Test void roundTripsRandomUnicode() {
    SplittableRandom rng = new SplittableRandom(42);
    for (int i = 0; i < 2000; i++) {
      String s = TestData.randomText(rng, 40);
      assertEquals(s, tok.decode(tok.encode(s)), () -> "code points " + Arrays.toString(s.codePoints().toArray()));
      assertEquals(s, tok.decode(tok.encode(s, true)));
    }
  }

  @Test void roundTripsEmojiAndEdgeCases() {
    for (String s : new String[] {"", " ", "\n", "   ", "a\u0000b", "\uFEFFbom", "👍🏽 🇺🇳 👨‍👩‍👧‍👦 🎉",
        "naïve café — “quoted” ‘single’", "日本語のテキスト", "x".repeat(5000), " ".repeat(3000),
        "\r\n\r\n\t\t", "don't won't we've I'll", "\uDBFF\uDFFF", "1234567890".repeat(20)}) {
      assertEquals(s, tok.decode(tok.encode(s)), s);
    }
  }

  @Test void longRunsEncodeInLinearithmicTime() {
    // Words of 40k letters and 20k digits, a run of 20k spaces: merged with the heap in
    // O(n log n), where a rescan per merge would be quadratic.
    String text = "ab".repeat(20_000) + " " + "7".repeat(20_000) + " ".repeat(20_000) + "x";
    for (ByteLevelBpeTokenizer t : new ByteLevelBpeTokenizer[] {tok, TestData.gpt2()}) {
      int[] ids = t.encode(text);
      assertTrue(ids.length < text.length() * 0.7, ids.length + " tokens");
      assertEquals(text, t.decode(ids));
    }
  }

  @Test void loneSurrogatesBecomeReplacementCharacters() {
    assertEquals("a\uFFFDb\uFFFD", tok.decode(tok.encode("a\uD800b\uDC00")));
  }

  @Test void byteTokensAreByteValues() {
    assertArrayEquals(new int[] {0xE2, 0x82, 0xAC}, ByteLevelBpeTokenizer.train("", 256, SpecialTokens.none())
        .encode("€"));
    assertEquals("Ġ", tok.idToToken(' '));
    assertEquals("Ċ", tok.idToToken('\n'));
    assertEquals('!', tok.tokenToId("!"));
  }

  @Test void heapMergeMatchesScanMerge() {
    ByteLevelBpeTokenizer[] tokenizers = {tok, TestData.gpt2()};
    SplittableRandom rng = new SplittableRandom(7);
    String text = TestData.mobyDick();
    for (ByteLevelBpeTokenizer t : tokenizers) {
      for (int trial = 0; trial < 300; trial++) {
        // Long "words" from real text (letters only, spaces removed), and repetitive runs.
        int start = rng.nextInt(text.length() - 400);
        String word = trial % 3 == 0 ? "ab".repeat(1 + rng.nextInt(60)) + "a".repeat(rng.nextInt(40))
            : text.substring(start, start + 1 + rng.nextInt(300)).replaceAll("[^A-Za-z]", "");
        byte[] bytes = word.getBytes(StandardCharsets.UTF_8);
        int[] a = new int[bytes.length];
        for (int i = 0; i < a.length; i++) {
          a[i] = t.tokenToId(ByteUnicode.toUnicode(new byte[] {bytes[i]}));
        }
        int[] b = a.clone();
        int na = t.mergeByScan(a, a.length);
        int nb = t.mergeByHeap(b, b.length);
        assertArrayEquals(Arrays.copyOf(a, na), Arrays.copyOf(b, nb), word);
      }
    }
  }

  @Test void decodeRejectsBadIds() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {5, VOCAB}));
    assertEquals("decode: token id 1024 is out of range [0, 1024)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
    assertThrows(IllegalArgumentException.class, () -> tok.idToToken(VOCAB));
    assertThrows(IllegalArgumentException.class, () -> tok.tokenToId("not a token"));
  }

  @Test void partialCharactersDecodeAsReplacement() {
    int[] ids = ByteLevelBpeTokenizer.train("", 256, SpecialTokens.none()).encode("é");   // 0xC3 0xA9
    assertEquals(2, ids.length);
    assertEquals("\uFFFD", tok.decode(new int[] {ids[0]}));
    assertArrayEquals(new byte[] {(byte) 0xC3}, tok.decodeBytes(new int[] {ids[0]}));
  }

  @Test void streamDecoderHoldsBackIncompleteCharacters() {
    String text = "Whale 🐋 ahoy — naïve 日本";
    int[] ids = ByteLevelBpeTokenizer.train("", 256, SpecialTokens.none()).encode(text);   // one byte per token
    ByteLevelBpeTokenizer.StreamDecoder d = tok.streamDecoder();
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      String piece = d.next(id);
      assertFalse(piece.contains("\uFFFD"), piece);
      sb.append(piece);
    }
    sb.append(d.flush());
    assertEquals(text, sb.toString());
    assertTrue(streamed(new byte[] {(byte) 0xF0, (byte) 0x9F}).startsWith("\uFFFD"));   // cut-off emoji
  }

  private static String streamed(byte[] bytes) {
    ByteLevelBpeTokenizer.StreamDecoder d = tok.streamDecoder();
    StringBuilder sb = new StringBuilder();
    for (byte b : bytes) {
      sb.append(d.next(b & 0xff));
    }
    return sb.append(d.flush()).toString();
  }

  // ---- special tokens

  @Test void specialTokensOnlyWhenAsked() {
    String text = "<|bos|>Call me Ishmael.<|eos|><|pad|>";
    int[] plain = tok.encode(text);
    for (int id : plain) {
      assertFalse(tok.isSpecial(id));
    }
    assertEquals(text, tok.decode(plain));
    int[] special = tok.encode(text, true);
    assertEquals(tok.bosId(), special[0]);
    assertEquals(tok.eosId(), special[special.length - 2]);
    assertEquals(tok.padId(), special[special.length - 1]);
    assertArrayEquals(tok.encode("Call me Ishmael."), Arrays.copyOfRange(special, 1, special.length - 2));
    assertEquals(text, tok.decode(special));
    assertEquals("<|eos|>", tok.idToToken(tok.eosId()));
    assertEquals(tok.eosId(), tok.tokenToId("<|eos|>"));
  }

  @Test void whitespaceBeforeASpecialTokenIsEncodedAsAtTheEnd() {
    int[] ids = tok.encode("word  <|eos|>", true);
    int[] alone = tok.encode("word  ");
    assertArrayEquals(alone, Arrays.copyOf(ids, ids.length - 1));
  }

  @Test void userDefinedAndOverlappingSpecialTokens() {
    SpecialTokens s = SpecialTokens.none().withAdditional("<|im|>", "<|im_end|>");
    ByteLevelBpeTokenizer t = ByteLevelBpeTokenizer.train("hello world", 300, s);
    int im = t.tokenToId("<|im|>");
    int imEnd = t.tokenToId("<|im_end|>");
    assertEquals(List.of(im, imEnd), List.of(t.vocabSize() - 2, t.vocabSize() - 1));
    int[] ids = t.encode("<|im_end|><|im|>x", true);
    assertArrayEquals(new int[] {imEnd, im, 'x'}, ids);
    IllegalStateException none = assertThrows(IllegalStateException.class, t::bosId);
    assertTrue(none.getMessage().contains("no BOS token"), none.getMessage());
  }

  @Test void concurrentEncodingAgrees() throws Exception {
    String text = TestData.mobyDick().substring(0, 40_000);
    int[] expected = tok.encode(text);
    Set<String> failures = ConcurrentHashMap.newKeySet();
    Thread[] threads = new Thread[4];
    for (int i = 0; i < threads.length; i++) {
      int offset = i;
      threads[i] = new Thread(() -> {
        for (int r = 0; r < 3; r++) {
          if (!Arrays.equals(expected, tok.encode(text))) {
            failures.add("thread " + offset);
          }
          tok.encode(TestData.randomText(new SplittableRandom(offset * 31L + r), 500));
        }
      });
      threads[i].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(new HashSet<>(), failures);
    assertNotEquals(0, expected.length);
  }
}
