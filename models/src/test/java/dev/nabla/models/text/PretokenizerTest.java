package dev.nabla.models.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;

class PretokenizerTest {
  static List<String> words(String text) {
    List<String> out = new ArrayList<>();
    Matcher m = Pretokenizer.GPT2.matcher(text);
    int pos = 0;
    while (m.find()) {
      assertEquals(pos, m.start(), "gap before " + m.group());
      out.add(m.group());
      pos = m.end();
    }
    assertEquals(text.length(), pos);
    return out;
  }

  @Test void splitsLikeGpt2() {
    assertEquals(List.of("Hello", ",", " world", "!"), words("Hello, world!"));
    assertEquals(List.of("a", "  ", " b"), words("a   b"));
    assertEquals(List.of("don", "'t", " I", "'ll", " rock", "'", "n", "'", "roll"), words("don't I'll rock'n'roll"));
    assertEquals(List.of("DON", "'", "T"), words("DON'T"));
    assertEquals(List.of(" 123", ".", "45", " abc", "123"), words(" 123.45 abc123"));
    assertEquals(List.of("end", "\n\n"), words("end\n\n"));
    assertEquals(List.of("x", "\n", " y"), words("x\n y"));
    assertEquals(List.of("a", "\u00A0", "b", "\u3000\u3000"), words("a\u00A0b\u3000\u3000"));
    assertEquals(List.of(" 👍🏽", " 🎉!?", " x"), words(" 👍🏽 🎉!? x"));
  }

  @Test void wordsTileAnyText() {
    SplittableRandom rng = new SplittableRandom(5);
    for (int i = 0; i < 2000; i++) {
      String s = TestData.randomText(rng, 50);
      assertEquals(s, String.join("", words(s)));
    }
    assertEquals("\uD800x\uDC00", String.join("", words("\uD800x\uDC00")));   // lone surrogates too
  }

  @Test void utf8MatchesTheJdk() {
    SplittableRandom rng = new SplittableRandom(9);
    int[] len = new int[1];
    for (int i = 0; i < 2000; i++) {
      String s = TestData.randomText(rng, 30);
      byte[] b = Pretokenizer.utf8(s, 0, s.length(), new byte[1], len);
      byte[] want = s.getBytes(StandardCharsets.UTF_8);
      assertArrayEquals(want, Arrays.copyOf(b, len[0]));
    }
  }
}
