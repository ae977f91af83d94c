package dev.nabla.models.text;

/**
 * GPT-2's reversible map from bytes to printable characters, so that every token of a byte-level
 * vocabulary is a readable string. Bytes that are printable Latin-1 characters ({@code '!'..'~'},
 * {@code '¡'..'¬'}, {@code '®'..'ÿ'}) stand for themselves; the other 68 (control characters,
 * space, DEL, NBSP, soft hyphen, …) are given the characters U+0100, U+0101, … in byte order. So
 * the space byte is {@code 'Ġ'} (U+0120) and the newline byte {@code 'Ċ'} (U+010A).
 */
final class ByteUnicode {
  private ByteUnicode() {}

  private static final char[] BYTE_TO_CHAR = new char[256];
  /** Indexed by character; -1 where the character stands for no byte. */
  private static final int[] CHAR_TO_BYTE = new int[256 + 68];

  static {
    java.util.Arrays.fill(CHAR_TO_BYTE, -1);
    int shifted = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      char c = printable ? (char) b : (char) (256 + shifted++);
      BYTE_TO_CHAR[b] = c;
      CHAR_TO_BYTE[c] = b;
    }
  }

  /** The character that stands for byte {@code b} (0..255). */
  static char charOf(int b) {
    return BYTE_TO_CHAR[b];
  }

  /** The byte-level string of {@code bytes}. */
  static String toUnicode(byte[] bytes) {
    char[] chars = new char[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      chars[i] = BYTE_TO_CHAR[bytes[i] & 0xff];
    }
    return new String(chars);
  }

  /** The bytes a byte-level string stands for, or {@code null} if a character is outside the map. */
  static byte[] toBytes(String token) {
    byte[] bytes = new byte[token.length()];
    for (int i = 0; i < bytes.length; i++) {
      char c = token.charAt(i);
      int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
      if (b < 0) {
        return null;
      }
      bytes[i] = (byte) b;
    }
    return bytes;
  }
}
