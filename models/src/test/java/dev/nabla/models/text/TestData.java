package dev.nabla.models.text;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.zip.GZIPInputStream;

/** Test resources (see src/test/resources/text/README.md and tokenizer/gpt2/README.md). */
final class TestData {
  private TestData() {}

  private static String mobyDick;
  private static ByteLevelBpeTokenizer gpt2;

  /** The bundled 190 KB excerpt of Moby-Dick. */
  static synchronized String mobyDick() {
    if (mobyDick == null) {
      try (InputStream in = resource("/text/moby-dick-excerpt.txt")) {
        mobyDick = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return mobyDick;
  }

  /** GPT-2's vocabulary, loaded from the gzipped fixtures. */
  static synchronized ByteLevelBpeTokenizer gpt2() {
    if (gpt2 == null) {
      try (InputStream e = new GZIPInputStream(resource("/tokenizer/gpt2/encoder.json.gz"));
           InputStream v = new GZIPInputStream(resource("/tokenizer/gpt2/vocab.bpe.gz"))) {
        gpt2 = ByteLevelBpeTokenizer.loadGpt2(e, v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return gpt2;
  }

  static InputStream resource(String name) {
    InputStream in = TestData.class.getResourceAsStream(name);
    if (in == null) {
      throw new IllegalStateException("missing test resource " + name);
    }
    return in;
  }

  private static final int[][] RANGES = {
      {0x20, 0x7E}, {0x20, 0x7E}, {0x20, 0x7E},     // ASCII, weighted up
      {0x09, 0x0D}, {0x1C, 0x20},                    // ASCII controls and whitespace
      {0x80, 0x24F},                                 // Latin-1 (NBSP, NEL, soft hyphen), Latin Extended
      {0x300, 0x36F},                                // combining marks
      {0x370, 0x3FF}, {0x400, 0x4FF},                // Greek, Cyrillic
      {0x600, 0x6FF}, {0x900, 0x97F},                // Arabic (incl. its digits), Devanagari
      {0x1680, 0x1680}, {0x2000, 0x200D}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
      {0x2070, 0x209F},                              // super/subscripts (\p{No})
      {0x3040, 0x30FF}, {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, // kana, CJK, Hangul
      {0xE000, 0xE0FF}, {0xFF00, 0xFFEF}, {0xFFF0, 0xFFFD}, // private use, full width, specials
      {0x1F300, 0x1FAFF}, {0x1F3FB, 0x1F3FF},        // emoji, skin tones
      {0x10000, 0x1FFFF}, {0x20000, 0x2A6DF}, {0xE0000, 0xE007F}, {0x10FFF0, 0x10FFFF},
  };

  /** A random string of valid code points (no lone surrogates) from many scripts and classes. */
  static String randomText(SplittableRandom rng, int maxCodePoints) {
    int n = rng.nextInt(maxCodePoints + 1);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      int pick = rng.nextInt(10);
      if (pick == 0) {
        sb.append(new String[] {"'s", "'t", "'re", "'ll", "'d", "'ve", "'m", "'S", "’s", " ", "  ", "\n\n", "\r\n",
            " \t ", "123", "3.14", "\u200D", "\uFE0F", "<|endoftext|>"}[rng.nextInt(19)]);
        continue;
      }
      int[] r = RANGES[rng.nextInt(RANGES.length)];
      sb.appendCodePoint(r[0] + rng.nextInt(r[1] - r[0] + 1));
    }
    return sb.toString();
  }
}
