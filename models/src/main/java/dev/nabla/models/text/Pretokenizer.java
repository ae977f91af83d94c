package dev.nabla.models.text;

import java.util.regex.Pattern;

/**
 * GPT-2's pre-tokenisation: text is cut into "words" before BPE, and merges never cross a cut. A
 * word is one of, tried in this order at each position: an English contraction suffix ({@code 's
 * 't 're 've 'm 'll 'd}, ASCII apostrophe, lower case); an optional space and a run of letters; an
 * optional space and a run of digits ({@code \p{N}}); an optional space and a run of anything
 * else that is not whitespace; a run of whitespace not followed by a non-space (so the last space
 * before a word stays with that word: {@code "a   b"} → {@code "a", "  ", " b"}); any other run
 * of whitespace. "Whitespace" is Unicode's White_Space property (as in Python's {@code regex}
 * module that GPT-2 used), not Java's ASCII-only {@code \s}.
 *
 * <p>Every character of a string falls in one of these classes, so the words tile the text.
 */
final class Pretokenizer {
  private Pretokenizer() {}

  /** Name under which the JSON format records this pre-tokenizer. */
  static final String NAME = "gpt2";

  // Possessive runs where nothing follows in the alternative (same match, no backtrack state).
  private static final String WS = "\\p{IsWhite_Space}";
  static final Pattern GPT2 = Pattern.compile(
      "'(?:[stmd]|re|ve|ll)"
          + "| ?\\p{L}++"
          + "| ?\\p{N}++"
          + "| ?[^" + WS + "\\p{L}\\p{N}]++"
          + "|" + WS + "+(?!\\P{IsWhite_Space})"
          + "|" + WS + "++");

  /**
   * UTF-8 bytes of {@code s[start, end)} into {@code out} (grown when needed); returns the buffer
   * written and sets {@code length[0]}. A lone surrogate (not valid Unicode, so not encodable)
   * becomes U+FFFD, as {@link String#getBytes} would make it {@code '?'}.
   */
  static byte[] utf8(CharSequence s, int start, int end, byte[] out, int[] length) {
    if (out.length < 3 * (end - start)) {
      out = new byte[3 * (end - start)];   // at most 3 bytes per UTF-16 unit
    }
    int n = 0;
    for (int i = start; i < end; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        out[n++] = (byte) c;
      } else if (c < 0x800) {
        out[n++] = (byte) (0xC0 | (c >> 6));
        out[n++] = (byte) (0x80 | (c & 0x3F));
      } else if (Character.isSurrogate(c)) {
        int cp = 0xFFFD;
        if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(s.charAt(i + 1))) {
          cp = Character.toCodePoint(c, s.charAt(++i));
        }
        if (cp > 0xFFFF) {
          out[n++] = (byte) (0xF0 | (cp >> 18));
          out[n++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
          out[n++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
          out[n++] = (byte) (0x80 | (cp & 0x3F));
        } else {
          out[n++] = (byte) 0xEF;   // U+FFFD
          out[n++] = (byte) 0xBF;
          out[n++] = (byte) 0xBD;
        }
      } else {
        out[n++] = (byte) (0xE0 | (c >> 12));
        out[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
        out[n++] = (byte) (0x80 | (c & 0x3F));
      }
    }
    length[0] = n;
    return out;
  }
}
