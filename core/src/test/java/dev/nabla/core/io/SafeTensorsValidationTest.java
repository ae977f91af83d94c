package dev.nabla.core.io;

import static dev.nabla.core.io.SafeTensorsTest.concat;
import static dev.nabla.core.io.SafeTensorsTest.fileBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Untrusted files: every broken rule is a SafeTensorsFormatException naming file and rule. */
class SafeTensorsValidationTest {
  @TempDir Path dir;

  private static final byte[] EIGHT = new byte[8];

  // ================================================================ length prefix

  @Test
  void fileShorterThanTheLengthPrefix() throws IOException {
    assertRejected(new byte[] {1, 0, 0, 0, 0}, null, "5 bytes, shorter than the 8-byte header");
    assertRejected(new byte[0], null, "0 bytes, shorter than the 8-byte header");
  }

  @Test
  void hugeHeaderLengths() throws IOException {
    assertRejected(lengthThen(Long.MAX_VALUE, "{}"), null,
        "header length 9223372036854775807 exceeds the limit of 100000000 bytes");
    assertRejected(lengthThen(-1L, "{}"), null,                 // 2^64 - 1 unsigned
        "header length 18446744073709551615 exceeds the limit");
    assertRejected(lengthThen(1L << 40, "{}"), null, "header length 1099511627776 exceeds");
    assertRejected(lengthThen(100_000_001L, "{}"), null, "exceeds the limit");
  }

  @Test
  void headerLengthBeyondTheFile() throws IOException {
    assertRejected(lengthThen(1000, "{\"w\":{}}"), null,
        "header length 1000 exceeds the 8 bytes that follow it (truncated file?)");
  }

  // ================================================================ JSON

  @Test
  void headerMustBeAJsonObject() throws IOException {
    assertRejected(fileBytes("hello world", EIGHT), null, "header is not valid JSON");
    assertRejected(fileBytes("[1, 2]", EIGHT), null, "header must be a JSON object, got a list");
    assertRejected(fileBytes("null", EIGHT), null, "must be a JSON object, got null");
    assertRejected(fileBytes("", EIGHT), null, "got nothing (empty header)");
    assertRejected(fileBytes("{\"w\": ", EIGHT), null, "header is not valid JSON");
    assertRejected(fileBytes("{} {}", EIGHT), null, "trailing content after the header's JSON");
    assertRejected(fileBytes("{} x", EIGHT), null, "header is not valid JSON");
  }

  @Test
  void headerMustBeUtf8() throws IOException {
    byte[] bad = concat("{\"".getBytes(StandardCharsets.US_ASCII), new byte[] {(byte) 0xff},
        "\":{}}".getBytes(StandardCharsets.US_ASCII));
    byte[] file = concat(le(bad.length), bad);
    assertRejected(file, null, "header is not valid UTF-8 (bad byte at header offset 2)");
  }

  @Test
  void deepNestingIsRefusedNotOverflowed() throws IOException {
    String deep = "[".repeat(200_000) + "]".repeat(200_000);
    assertRejected(fileBytes("{\"w\":{\"extra\":" + deep + "}}", EIGHT), null,
        "header is not valid JSON");
  }

  @Test
  void duplicatesAreRefused() throws IOException {
    String w = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
    assertRejected(fileBytes("{\"w\":" + w + ",\"w\":" + w + "}", EIGHT), "w",
        "duplicate tensor name");
    assertRejected(fileBytes("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],"
        + "\"data_offsets\":[0,4]}}", EIGHT), "w", "duplicate \"dtype\"");
    assertRejected(fileBytes("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}", EIGHT), null,
        "duplicate key 'a' in \"__metadata__\"");
  }

  @Test
  void metadataMustMapStringsToStrings() throws IOException {
    assertRejected(fileBytes("{\"__metadata__\":{\"epoch\":3}}", EIGHT), null,
        "\"__metadata__\" values must be strings; key 'epoch' has an integer");
    assertRejected(fileBytes("{\"__metadata__\":[\"a\"]}", EIGHT), null,
        "\"__metadata__\" must be a JSON object of strings, got a list");
  }

  // ================================================================ entries

  @Test
  void entryStructure() throws IOException {
    assertRejected(fileBytes("{\"w\":[1,2]}", EIGHT), "w",
        "entry must be a JSON object with dtype, shape and data_offsets, got a list");
    assertRejected(fileBytes("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", EIGHT), "w",
        "entry is missing \"shape\"");
    assertRejected(fileBytes("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", EIGHT), "w",
        "entry is missing \"dtype\"");
    assertRejected(fileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", EIGHT), "w",
        "entry is missing \"data_offsets\"");
    assertRejected(entry("5", "[1]", "[0,4]"), "w", "\"dtype\" must be a string, got an integer");
    assertRejected(entry("\"F32\"", "3", "[0,4]"), "w",
        "\"shape\" must be a list of integers, got an integer");
  }

  @Test
  void unknownDtype() throws IOException {
    assertRejected(entry("\"F17\"", "[1]", "[0,4]"), "w", "unknown dtype \"F17\"");
    assertRejected(entry("\"f32\"", "[1]", "[0,4]"), "w", "unknown dtype \"f32\"");  // exact case
  }

  @Test
  void badDimensions() throws IOException {
    assertRejected(entry("\"F32\"", "[2,-1]", "[0,8]"), "w",
        "\"shape\" contains the negative value -1");
    assertRejected(entry("\"F32\"", "[2.5]", "[0,8]"), "w",
        "\"shape\" must contain only integers, got a non-integer number 2.5");
    assertRejected(entry("\"F32\"", "[\"2\"]", "[0,8]"), "w",
        "\"shape\" must contain only integers, got a string");
    assertRejected(entry("\"F32\"", "[99999999999999999999]", "[0,8]"), "w",
        "\"shape\" value 99999999999999999999 is too large");
    // 2^62 · 4 elements overflow a long; so does 2^61 · 8 bytes for F64 after a valid count.
    assertRejected(entry("\"F32\"", "[4611686018427387904,4]", "[0,8]"), "w",
        "shape [4611686018427387904, 4] of F32 overflows");
    assertRejected(entry("\"F64\"", "[2305843009213693952]", "[0,8]"), "w",
        "of F64 overflows: its byte count exceeds 2^63-1");
    assertRejected(entry("\"F32\"", "[" + "1,".repeat(64) + "1]", "[0,4]"), "w",
        "\"shape\" has more than 64 values");
  }

  @Test
  void badOffsets() throws IOException {
    assertRejected(entry("\"F32\"", "[2]", "[0,8,8]"), "w",
        "\"data_offsets\" has more than 2 values");
    assertRejected(entry("\"F32\"", "[2]", "[8]"), "w",
        "\"data_offsets\" must be two integers [begin, end], got 1");
    assertRejected(entry("\"F32\"", "[2]", "[-1,7]"), "w",
        "\"data_offsets\" contains the negative value -1");
    assertRejected(entry("\"F32\"", "[0]", "[8,4]"), "w",
        "data_offsets [8, 4]: begin is after end");
    assertRejected(entry("\"F32\"", "[4]", "[0,16]"), "w",
        "data_offsets [0, 16] exceed the data region of 8 bytes (truncated file?)");
    assertRejected(entry("\"F32\"", "[1]", "[9223372036854775803,9223372036854775807]"), "w",
        "exceed the data region of 8 bytes");
  }

  @Test
  void byteCountMustMatchDtypeTimesShape() throws IOException {
    assertRejected(entry("\"F32\"", "[3]", "[0,8]"), "w",
        "shape [3] of F32 needs 12 bytes but data_offsets [0, 8] span 8");
    assertRejected(entry("\"BF16\"", "[2,3]", "[0,8]"), "w",
        "shape [2, 3] of BF16 needs 12 bytes but data_offsets [0, 8] span 8");
  }

  @Test
  void overlappingEntries() throws IOException {
    String json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"   // empty: overlaps nothing
        + "\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[4,12]}}";
    assertRejected(fileBytes(json, new byte[16]), "b",
        "data_offsets [4, 12] overlap those of 'a' [0, 8]");
    String same = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
        + "\"b\":{\"dtype\":\"I32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    assertRejected(fileBytes(same, new byte[8]), "b", "overlap those of 'a'");
  }

  /** Gaps and trailing bytes are allowed (documented choice; the reference refuses them). */
  @Test
  void gapsAreAllowed() throws IOException {
    String json = "{\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[8,12]},"
        + "\"a\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    byte[] data = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(1).putInt(99).putInt(2).array();
    Path p = dir.resolve("gaps.safetensors");
    Files.write(p, fileBytes(json, data));
    SafeTensorsFile f = SafeTensors.load(p);
    assertArrayEquals(new int[] {1}, f.tensor("a").toIntArray());
    assertArrayEquals(new int[] {2}, f.tensor("b").toIntArray());
  }

  // ================================================================ Java limits

  @Test
  void dimensionBeyondIntIsAClearErrorOnRead() throws IOException {
    Path p = dir.resolve("wide.safetensors");
    Files.write(p, entry("\"F32\"", "[0,4294967296]", "[0,0]"));
    try (SafeTensorsReader r = SafeTensors.open(p)) {           // listing works
      assertArrayEquals(new long[] {0, 4294967296L}, r.entry("w").shape());
      SafeTensorsFormatException e =
          assertThrows(SafeTensorsFormatException.class, () -> r.tensor("w"));
      assertTrue(e.getMessage().contains(
          "tensor 'w': dimension 1 of shape [0, 4294967296] exceeds 2^31-1"), e.getMessage());
    }
  }

  /** 2^32 one-byte elements: a sparse 4 GiB file, refused without allocating anything. */
  @Test
  void elementCountBeyondIntIsAClearErrorOnRead() throws IOException {
    Path p = dir.resolve("big.safetensors");
    byte[] head = entry("\"BOOL\"", "[65536,65536]", "[0,4294967296]");
    Files.write(p, head);
    try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
      raf.setLength(head.length - 8 + (1L << 32));   // entry() wrote 8 data bytes
    }
    try (SafeTensorsReader r = SafeTensors.open(p)) {
      assertEquals(1L << 32, r.entry("w").numel());
      SafeTensorsFormatException e =
          assertThrows(SafeTensorsFormatException.class, () -> r.tensor("w"));
      assertTrue(e.getMessage().contains("has 4294967296 elements; a Nabla tensor (one Java array)"
          + " holds at most 2^31-1"), e.getMessage());
      assertEquals("w", e.tensor());
    }
    assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.load(p));
  }

  // ================================================================ fuzzing

  /** Every proper prefix of a valid file is refused cleanly. */
  @Test
  void everyTruncationIsRefused() throws IOException {
    byte[] valid = validFile();
    for (int n = 0; n < valid.length; n++) {
      Path p = dir.resolve("cut" + n + ".safetensors");
      Files.write(p, java.util.Arrays.copyOf(valid, n));
      int len = n;
      assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.load(p),
          () -> "prefix of " + len + " bytes");
    }
    Path p = dir.resolve("whole.safetensors");
    Files.write(p, valid);
    assertEquals(3, SafeTensors.load(p).tensors().size());
  }

  /** Random byte changes either load or fail with a format error: never anything else. */
  @Test
  void randomCorruptionNeverEscapesAsAnotherException() throws IOException {
    byte[] valid = validFile();
    SplittableRandom rng = new SplittableRandom(42);
    int refused = 0;
    for (int i = 0; i < 1000; i++) {
      byte[] b = valid.clone();
      int changes = 1 + rng.nextInt(3);
      for (int c = 0; c < changes; c++) {
        int at = rng.nextInt(i % 2 == 0 ? Math.min(b.length, 8 + headerLength(valid)) : b.length);
        b[at] = (byte) (rng.nextBoolean() ? rng.nextInt(256) : "0123456789[]{},\"-".charAt(
            rng.nextInt(17)));
      }
      Path p = dir.resolve("fuzz" + i + ".safetensors");  // new files: rewriting one is slower
      Files.write(p, b);
      try {
        SafeTensors.load(p);
      } catch (SafeTensorsFormatException e) {
        refused++;
        assertTrue(e.getMessage().startsWith("safetensors file " + p + ": "), e.getMessage());
      } catch (UnsupportedOperationException e) {
        assertTrue(e.getMessage().contains("cannot be loaded"), e.getMessage());  // I64 -> U64
      } catch (Throwable t) {
        fail("corruption " + i + " escaped as " + t, t);
      }
    }
    assertTrue(refused > 400, "most corruptions hit the header: " + refused);
  }

  // ================================================================ helpers

  private void assertRejected(byte[] file, String tensor, String messagePart) throws IOException {
    Path p = dir.resolve("bad.safetensors");
    Files.write(p, file);
    SafeTensorsFormatException e =
        assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.open(p).close());
    String m = e.getMessage();
    assertTrue(m.startsWith("safetensors file " + p + ": "), m);
    assertTrue(m.contains(messagePart), () -> "message '" + m + "' lacks '" + messagePart + "'");
    assertEquals(p, e.file());
    if (tensor == null) {
      assertNull(e.tensor(), m);
    } else {
      assertEquals(tensor, e.tensor(), m);
      assertTrue(m.contains("tensor '" + tensor + "': "), m);
    }
    assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.load(p));
  }

  /** One tensor "w" with the given JSON fragments and an 8-byte data region. */
  private static byte[] entry(String dtype, String shape, String offsets) {
    return fileBytes("{\"w\":{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":"
        + offsets + "}}", EIGHT);
  }

  private static byte[] lengthThen(long n, String rest) {
    return concat(le(n), rest.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] le(long n) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array();
  }

  private static int headerLength(byte[] file) {
    return (int) ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  private byte[] validFile() throws IOException {
    Map<String, Tensor> m = new LinkedHashMap<>();
    Rng rng = new Rng(5);
    m.put("weight", Tensor.randn(rng, 3, 2));
    m.put("ids", Tensor.of(new int[] {1, 2, 3}, 3));
    m.put("mask", Tensor.of(new boolean[] {true, false}, 2));
    Path p = dir.resolve("valid.safetensors");
    SafeTensors.save(p, m, Map.of("format", "pt"));
    return Files.readAllBytes(p);
  }
}
