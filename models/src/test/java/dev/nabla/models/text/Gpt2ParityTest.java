package dev.nabla.models.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link ByteLevelBpeTokenizer#loadGpt2} against jtokkit's r50k_base (GPT-2's encoding). */
class Gpt2ParityTest {
  static ByteLevelBpeTokenizer gpt2;
  static Encoding reference;

  @BeforeAll static void load() {
    gpt2 = TestData.gpt2();
    reference = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.R50K_BASE);
  }

  static int[] expected(String text) {
    return reference.encodeOrdinary(text).toArray();
  }

  static void assertParity(String text) {
    int[] want = expected(text);
    int[] got = gpt2.encode(text);
    if (!Arrays.equals(want, got)) {
      int i = 0;
      while (i < Math.min(want.length, got.length) && want[i] == got[i]) {
        i++;
      }
      throw new AssertionError("ids differ from token " + i + " for "
          + Arrays.toString(text.codePoints().limit(200).toArray()) + "\n  jtokkit: "
          + Arrays.toString(Arrays.copyOfRange(want, i, Math.min(want.length, i + 10))) + "\n  nabla:   "
          + Arrays.toString(Arrays.copyOfRange(got, i, Math.min(got.length, i + 10))));
    }
    assertEquals(text, gpt2.decode(got));
  }

  @Test void vocabulary() {
    assertEquals(50257, gpt2.vocabSize());
    assertEquals(50000, gpt2.numMerges());
    assertEquals(50256, gpt2.eosId());
    assertEquals(50256, gpt2.bosId());
    assertEquals("Ġthe", gpt2.idToToken(262));
  }

  @Test void knownIds() {
    assertArrayEquals(new int[] {15496, 995}, gpt2.encode("Hello world"));
    assertArrayEquals(new int[] {50256}, gpt2.encode("<|endoftext|>", true));
    assertArrayEquals(expected("<|endoftext|>"), gpt2.encode("<|endoftext|>"));
  }

  @Test void curatedStrings() {
    String[] cases = {
        "", " ", "Hello, world!", "Call me Ishmael.", "don't DON'T I'm you're we've they'll he'd it's",
        "'s 't 're 've 'm 'll 'd", "rock'n'roll ’s", "   leading", "trailing   ", "a  b   c    d",
        "\n", "\n\n\n", "line one\nline two\r\nline three\n\n  indented", "\t\ttabs\tand  spaces \t\n",
        "0 1 12 123 1234 12345 3.14159 1,000,000 2024-06-01 0x1F 1e-9", "٣٤٥ ５６ ²³ ½ Ⅻ",
        "naïve café résumé Zürich Ελληνικά Русский текст العربية हिन्दी",
        "日本語のテキストです。中文文本。한국어 텍스트", "👍 👍🏽 🇺🇳 👨‍👩‍👧‍👦 🎉🎉🎉 ❤️ ☃",
        "\u00A0nbsp\u00A0 \u2003em\u3000ideographic\u2028line\u2029para\u0085nel",
        "zero\u200Bwidth\u200Djoiner\uFEFFbom", "a\u0000b\u0001c\u007F", "e\u0301 combining",
        "<|endoftext|> is text here", "!!! ??? ... --- *** ### $$$ %%% (((", "https://example.org/path?q=1&r=2#frag",
        "    def f(x):\n        return x ** 2\n", "{\"json\": [1, 2, 3], \"k\": null}",
        "x".repeat(500), " ".repeat(200), "ab".repeat(300), "\n".repeat(100), "9".repeat(400),
        "ab".repeat(5000) + " " + "7".repeat(5000) + " ".repeat(5000) + "x" + "\n \t".repeat(3000),
    };
    for (String s : cases) {
      assertParity(s);
    }
  }

  @Test void englishText() {
    String text = TestData.mobyDick();
    assertParity(text);
    SplittableRandom rng = new SplittableRandom(3);
    for (int i = 0; i < 200; i++) {
      int start = rng.nextInt(text.length() - 2000);
      assertParity(text.substring(start, start + 1 + rng.nextInt(2000)));
    }
  }

  @Test void randomUnicode() {
    SplittableRandom rng = new SplittableRandom(11);
    for (int i = 0; i < 2000; i++) {
      assertParity(TestData.randomText(rng, 60));
    }
  }
}
