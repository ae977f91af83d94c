package dev.nabla.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {
  @TempDir Path dir;

  // ================================================================ exact bytes

  /** Hand-computed from the format: u64 LE length, compact JSON, space padding, LE data. */
  @Test
  void writesTheBytesTheFormatDictates() throws IOException {
    Path p = dir.resolve("a.safetensors");
    SafeTensors.save(p, Map.of("a", Tensor.of(new float[] {1, 2}, 2)), Map.of("k", "v"));
    String json = "{\"__metadata__\":{\"k\":\"v\"},"
        + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    assertEquals(79, json.length());
    byte[] expected = concat(
        new byte[] {80, 0, 0, 0, 0, 0, 0, 0},                 // 79 + 1 space = 80
        ascii(json + " "),
        new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40}); // 1.0f, 2.0f little-endian
    assertArrayEquals(expected, Files.readAllBytes(p));
  }

  /** The reference implementation's published vectors for this layout. */
  @Test
  void matchesReferenceSerialisations() throws IOException {
    Path p = dir.resolve("r.safetensors");
    SafeTensors.save(p, Map.of("attn.0", Tensor.of(new float[] {0, 1, 2, 3, 4, 5}, 1, 2, 3)));
    String json = "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}";
    ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 6; i++) {
      data.putFloat(i);
    }
    assertArrayEquals(concat(new byte[] {64, 0, 0, 0, 0, 0, 0, 0}, ascii(json), data.array()),
        Files.readAllBytes(p));

    SafeTensors.save(p, Map.of());
    assertArrayEquals(concat(new byte[] {8, 0, 0, 0, 0, 0, 0, 0}, ascii("{}      ")),
        Files.readAllBytes(p));

    SafeTensors.save(p, Map.of(), Map.of("framework", "pt"));
    assertArrayEquals(concat(new byte[] {40, 0, 0, 0, 0, 0, 0, 0},
        ascii("{\"__metadata__\":{\"framework\":\"pt\"}}     ")), Files.readAllBytes(p));
  }

  /** Widest dtype first, then name; data contiguous in that order. */
  @Test
  void layoutOrderIsDtypeThenName() throws IOException {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("b", Tensor.of(new boolean[] {true, false, true}, 3));
    m.put("x", Tensor.of(new float[] {1.5f}, 1));
    m.put("i", Tensor.of(new long[] {-2}, 1));
    Path p = dir.resolve("o.safetensors");
    SafeTensors.save(p, m);
    String json = "{\"i\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
        + "\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]},"
        + "\"b\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[12,15]}}";
    assertEquals(164, json.length());
    ByteBuffer data = ByteBuffer.allocate(15).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(-2).putFloat(1.5f).put((byte) 1).put((byte) 0).put((byte) 1);
    assertArrayEquals(concat(new byte[] {(byte) 168, 0, 0, 0, 0, 0, 0, 0}, ascii(json + "    "),
        data.array()), Files.readAllBytes(p));
  }

  @Test
  void outputDoesNotDependOnMapOrder() throws IOException {
    Rng rng = new Rng(7);
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      names.add("layer." + i + (i % 3 == 0 ? ".weight" : ".bias"));
    }
    Map<String, Tensor> tensors = new HashMap<>();
    Map<String, String> meta = new HashMap<>();
    for (String n : names) {
      tensors.put(n, Tensor.randn(rng, n.hashCode() % 2 == 0 ? DType.F64 : DType.F32, 2, 3));
      meta.put("k" + n, n);
    }
    Collections.reverse(names);
    Map<String, Tensor> reversed = new LinkedHashMap<>();
    Map<String, String> reversedMeta = new LinkedHashMap<>();
    for (String n : names) {
      reversed.put(n, tensors.get(n));
      reversedMeta.put("k" + n, n);
    }
    Path a = dir.resolve("a.safetensors");
    Path b = dir.resolve("b.safetensors");
    SafeTensors.save(a, tensors, meta);
    SafeTensors.save(b, reversed, reversedMeta);
    assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    assertEquals(0, (8 + headerLength(a)) % 8, "data starts 8-byte aligned");
  }

  // ================================================================ round trips

  @Test
  void roundTripsEveryWritableDtype() throws IOException {
    Rng rng = new Rng(1);
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("f32", Tensor.randn(rng, 3, 4));
    m.put("f64", Tensor.randn(rng, DType.F64, 2, 2, 2));
    m.put("i32", Tensor.of(new int[] {Integer.MIN_VALUE, -1, 0, 7, Integer.MAX_VALUE}, 5));
    m.put("i64", Tensor.of(new long[] {Long.MIN_VALUE, -1, (1L << 53) + 1, Long.MAX_VALUE}, 2, 2));
    m.put("bool", Tensor.of(new boolean[] {true, false, false, true, true, false}, 3, 2));
    m.put("special", Tensor.of(new float[] {Float.NaN, Float.POSITIVE_INFINITY,
        Float.NEGATIVE_INFINITY, -0f, Float.MIN_VALUE, Float.MAX_VALUE}, 6));
    Path p = dir.resolve("all.safetensors");
    SafeTensors.save(p, m);
    SafeTensorsFile f = SafeTensors.load(p);
    assertEquals(m.keySet(), f.tensors().keySet());
    for (Map.Entry<String, Tensor> e : m.entrySet()) {
      assertSameTensor(e.getValue(), f.tensor(e.getKey()));
    }
  }

  @Test
  void scalarsAndZeroSizeTensors() throws IOException {
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("s32", Tensor.scalar(2.5));
    m.put("s64", Tensor.scalar(-1.25, DType.F64));
    m.put("si64", Tensor.of(new long[] {Long.MAX_VALUE}).reshape());
    m.put("sbool", Tensor.of(new boolean[] {true}).reshape());
    m.put("empty", Tensor.zeros(0));
    m.put("empty2", Tensor.zeros(DType.I64, 3, 0, 2));
    m.put("emptybool", Tensor.zeros(DType.BOOL, 0, 4));
    Path p = dir.resolve("s.safetensors");
    SafeTensors.save(p, m);
    try (SafeTensorsReader r = SafeTensors.open(p)) {
      assertArrayEquals(new long[0], r.entry("s32").shape());
      assertArrayEquals(new long[] {3, 0, 2}, r.entry("empty2").shape());
      assertEquals(0, r.entry("empty").byteSize());
      for (Map.Entry<String, Tensor> e : m.entrySet()) {
        Tensor t = r.tensor(e.getKey());
        assertEquals(e.getValue().shape(), t.shape(), e.getKey());
        assertSameTensor(e.getValue(), t);
      }
      assertEquals(0, r.tensor("s32").dim());
    }
  }

  @Test
  void metadataRoundTrips() throws IOException {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("format", "pt");
    meta.put("note", "quotes \" backslash \\ newline \n tab \t unicode \u00e9\u4e2d\ud83d\ude00");
    meta.put("", "empty key");
    Path p = dir.resolve("m.safetensors");
    Map<String, Tensor> tensors = Map.of("\u00e9t\u00e9 \"w\"", Tensor.ones(2));
    SafeTensors.save(p, tensors, meta);
    SafeTensorsFile f = SafeTensors.load(p);
    assertEquals(meta, f.metadata());
    assertEquals(List.of("\u00e9t\u00e9 \"w\""), List.copyOf(f.tensors().keySet()));

    SafeTensors.save(p, tensors);                 // no metadata: no "__metadata__" key at all
    assertFalse(new String(Files.readAllBytes(p), StandardCharsets.UTF_8).contains("__metadata__"));
    assertEquals(Map.of(), SafeTensors.load(p).metadata());
  }

  /** Views are written in logical row-major order, not storage order. */
  @Test
  void savesNonContiguousViews() throws IOException {
    Tensor base = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor t = base.transpose(0, 1);               // [[1, 4], [2, 5], [3, 6]]
    assertFalse(t.isContiguous());
    Tensor sliced = Tensor.arange(0, 20, 1, DType.I64).reshape(4, 5).slice(1, 1, 5, 2);
    Path p = dir.resolve("v.safetensors");
    SafeTensors.save(p, Map.of("t", t, "s", sliced, "e", Tensor.scalar(3).expand(2, 2)));
    SafeTensorsFile f = SafeTensors.load(p);
    assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, f.tensor("t").toFloatArray());
    assertArrayEquals(new int[] {3, 2}, f.tensor("t").shape().toArray());
    assertArrayEquals(new long[] {1, 3, 6, 8, 11, 13, 16, 18}, f.tensor("s").toLongArray());
    assertArrayEquals(new float[] {3, 3, 3, 3}, f.tensor("e").toFloatArray());
  }

  @Test
  void narrowFloatWrites() throws IOException {
    float[] values = {0f, -0f, 1f, 0.1f, 65504f, 70000f, 0x1p-24f, 1 + 0x1p-11f, 3.3961e38f};
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("f", Tensor.of(values, values.length));
    m.put("d", Tensor.of(new double[] {1 + 0x1p-11 + 0x1p-40, 0.1}, 2));
    m.put("i", Tensor.of(new int[] {70000}, 1));  // integers are never converted
    for (SafeTensorsDType target : new SafeTensorsDType[] {SafeTensorsDType.F16,
        SafeTensorsDType.BF16}) {
      boolean bf = target == SafeTensorsDType.BF16;
      Path p = dir.resolve(target + ".safetensors");
      SafeTensors.save(p, m, null, target);
      try (SafeTensorsReader r = SafeTensors.open(p)) {
        assertEquals(target, r.entry("f").dtype());
        assertEquals(target, r.entry("d").dtype());
        assertEquals(SafeTensorsDType.I32, r.entry("i").dtype());
        assertEquals(2L * values.length, r.entry("f").byteSize());
        float[] got = r.tensor("f").toFloatArray();
        assertEquals(DType.F32, r.tensor("f").dtype());
        for (int i = 0; i < values.length; i++) {
          float want = bf ? HalfFloats.bfloat16ToFloat(HalfFloats.floatToBFloat16(values[i]))
              : HalfFloats.halfToFloat(HalfFloats.floatToHalf(values[i]));
          assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got[i]), "element " + i);
        }
        float[] d = r.tensor("d").toFloatArray();
        assertEquals(bf ? 1f : 1 + 0x1p-10f, d[0], "double rounded once");
        assertArrayEquals(new int[] {70000}, r.tensor("i").toIntArray());
      }
    }
    Path p = dir.resolve("f64.safetensors");
    SafeTensors.save(p, Map.of("f", Tensor.of(new float[] {0.1f}, 1)), null, SafeTensorsDType.F64);
    Tensor t = SafeTensors.load(p).tensor("f");
    assertEquals(DType.F64, t.dtype());
    assertEquals((double) 0.1f, t.toDoubleArray()[0]);
  }

  @Test
  void readsOtherIntegerAndFloat8Types() throws IOException {
    String json = "{\"u8\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[0,2]},"
        + "\"i8\":{\"dtype\":\"I8\",\"shape\":[2],\"data_offsets\":[2,4]},"
        + "\"i16\":{\"dtype\":\"I16\",\"shape\":[2],\"data_offsets\":[4,8]},"
        + "\"u16\":{\"dtype\":\"U16\",\"shape\":[2],\"data_offsets\":[8,12]},"
        + "\"u32\":{\"dtype\":\"U32\",\"shape\":[1],\"data_offsets\":[12,16]},"
        + "\"e4m3\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[16,18]},"
        + "\"e5m2\":{\"dtype\":\"F8_E5M2\",\"shape\":[1],\"data_offsets\":[18,19]},"
        + "\"e8m0\":{\"dtype\":\"F8_E8M0\",\"shape\":[1],\"data_offsets\":[19,20]},"
        + "\"bool\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[20,22]},"
        + "\"u64\":{\"dtype\":\"U64\",\"shape\":[1],\"data_offsets\":[24,32]}}";
    byte[] data = {(byte) 0xff, 1, (byte) 0xff, 1, (byte) 0xff, (byte) 0xff, 2, 0,
        (byte) 0xff, (byte) 0xff, 2, 0, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
        0x7e, 0x38, 0x3e, (byte) 128, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0};
    Path p = write("t.safetensors", fileBytes(json, data));
    try (SafeTensorsReader r = SafeTensors.open(p)) {
      assertArrayEquals(new int[] {255, 1}, r.tensor("u8").toIntArray());
      assertEquals(DType.I32, r.tensor("u8").dtype());
      assertArrayEquals(new int[] {-1, 1}, r.tensor("i8").toIntArray());
      assertArrayEquals(new int[] {-1, 2}, r.tensor("i16").toIntArray());
      assertArrayEquals(new int[] {65535, 2}, r.tensor("u16").toIntArray());
      assertArrayEquals(new long[] {4294967295L}, r.tensor("u32").toLongArray());
      assertEquals(DType.I64, r.tensor("u32").dtype());
      assertArrayEquals(new float[] {448f, 1f}, r.tensor("e4m3").toFloatArray());
      assertArrayEquals(new float[] {1.5f}, r.tensor("e5m2").toFloatArray());
      assertArrayEquals(new float[] {2f}, r.tensor("e8m0").toFloatArray());
      assertArrayEquals(new boolean[] {true, false}, r.tensor("bool").toBooleanArray());
      assertEquals(DType.BOOL, r.tensor("bool").dtype());
      // U64 is listed but cannot be loaded losslessly.
      assertEquals(SafeTensorsDType.U64, r.entry("u64").dtype());
      UnsupportedOperationException e =
          assertThrows(UnsupportedOperationException.class, () -> r.tensor("u64"));
      assertTrue(e.getMessage().contains("U64"), e.getMessage());
    }
  }

  // ================================================================ lazy reader

  @Test
  void readerListsAndReadsOnDemand() throws IOException {
    String json = "{\"z\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
        + "\"__metadata__\":{\"b\":\"2\",\"a\":\"1\"},"
        + "\"a\":{\"dtype\":\"I32\",\"shape\":[2,1],\"data_offsets\":[0,8]}}";
    ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
        .putInt(5).putInt(-6).putFloat(0.5f).putFloat(-2f);
    Path p = write("lazy.safetensors", fileBytes(json, data.array()));
    SafeTensorsReader r = SafeTensors.open(p);
    try (r) {
      assertEquals(List.of("z", "a"), r.names());  // header order, not offset or name order
      assertEquals(List.of("b", "a"), List.copyOf(r.metadata().keySet()));
      assertTrue(r.contains("a"));
      assertFalse(r.contains("__metadata__"));
      SafeTensorsEntry e = r.entry("a");
      assertEquals(SafeTensorsDType.I32, e.dtype());
      assertArrayEquals(new long[] {2, 1}, e.shape());
      assertEquals(2, e.numel());
      assertEquals(0, e.begin());
      assertEquals(8, e.end());
      assertEquals("a: I32 [2, 1] bytes [0, 8)", e.toString());
      assertArrayEquals(new float[] {0.5f, -2f}, r.tensor("z").toFloatArray());
      assertArrayEquals(new int[] {5, -6}, r.tensor("a").toIntArray());
      assertEquals(List.of("z", "a"), List.copyOf(r.tensors().keySet()));
      IllegalArgumentException missing =
          assertThrows(IllegalArgumentException.class, () -> r.tensor("nope"));
      assertTrue(missing.getMessage().contains("no tensor named 'nope'"), missing.getMessage());
    }
    assertThrows(IllegalStateException.class, () -> r.tensor("a"));
    r.close();                                      // idempotent
  }

  /** Tensors larger than one mapping window are read window by window. */
  @Test
  void readsAcrossMappingWindows() throws IOException {
    Rng rng = new Rng(3);
    Map<String, Tensor> m = new LinkedHashMap<>();
    m.put("f32", Tensor.randn(rng, 37));
    m.put("f64", Tensor.randn(rng, DType.F64, 11));
    m.put("i64", Tensor.arange(0, 13, 1, DType.I64));
    m.put("bool", Tensor.rand(rng, 29).gt(0.5));
    Path p = dir.resolve("w.safetensors");
    SafeTensors.save(p, m, null);
    Path p16 = dir.resolve("w16.safetensors");
    SafeTensors.save(p16, Map.of("h", m.get("f32")), null, SafeTensorsDType.F16);
    try (SafeTensorsReader r = SafeTensorsReader.open(p, 16);
         SafeTensorsReader r16 = SafeTensorsReader.open(p16, 8)) {
      for (Map.Entry<String, Tensor> e : m.entrySet()) {
        assertSameTensor(e.getValue(), r.tensor(e.getKey()));
      }
      assertArrayEquals(SafeTensors.load(p16).tensor("h").toFloatArray(),
          r16.tensor("h").toFloatArray());
    }
  }

  // ================================================================ atomic saves

  @Test
  void failedSaveLeavesExistingFileIntact() throws IOException {
    Path p = dir.resolve("keep.safetensors");
    SafeTensors.save(p, Map.of("w", Tensor.ones(3)), Map.of("v", "1"));
    byte[] before = Files.readAllBytes(p);

    Map<String, Tensor> reserved = new LinkedHashMap<>();
    reserved.put("w", Tensor.zeros(3));
    reserved.put("__metadata__", Tensor.zeros(1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SafeTensors.save(p, reserved));
    assertTrue(e.getMessage().contains("\"__metadata__\" is reserved"), e.getMessage());

    Map<String, Tensor> nullName = new HashMap<>();
    nullName.put(null, Tensor.zeros(1));
    assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(p, nullName));
    Map<String, Tensor> nullTensor = new HashMap<>();
    nullTensor.put("w", null);
    assertThrows(IllegalArgumentException.class, () -> SafeTensors.save(p, nullTensor));
    assertThrows(IllegalArgumentException.class,
        () -> SafeTensors.save(p, Map.of("\ud800", Tensor.zeros(1))));     // lone surrogate
    Map<String, String> nullValue = new HashMap<>();
    nullValue.put("k", null);
    assertThrows(IllegalArgumentException.class,
        () -> SafeTensors.save(p, Map.of("w", Tensor.zeros(1)), nullValue));
    IllegalArgumentException dt = assertThrows(IllegalArgumentException.class,
        () -> SafeTensors.save(p, Map.of("w", Tensor.zeros(1)), null, SafeTensorsDType.I32));
    assertTrue(dt.getMessage().contains("not I32"), dt.getMessage());

    assertArrayEquals(before, Files.readAllBytes(p));
    assertEquals(List.of(p), listDir());             // no temporary files left behind
  }

  @Test
  void failedRenameDeletesTheTemporaryFile() throws IOException {
    Path target = dir.resolve("busy");
    Files.createDirectory(target);
    Files.writeString(target.resolve("child"), "x");   // a non-empty directory cannot be replaced
    assertThrows(IOException.class, () -> SafeTensors.save(target, Map.of("w", Tensor.ones(2))));
    assertEquals(List.of(target), listDir());
    assertEquals("x", Files.readString(target.resolve("child")));
  }

  @Test
  void saveReplacesAndKeepsPermissions() throws IOException {
    Path p = dir.resolve("perm.safetensors");
    SafeTensors.save(p, Map.of("a", Tensor.ones(1)));
    boolean posix = p.getFileSystem().supportedFileAttributeViews().contains("posix");
    if (posix) {
      Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions
          .fromString("rw-r-----"));
    }
    SafeTensors.save(p, Map.of("b", Tensor.zeros(2)));
    assertEquals(List.of("b"), SafeTensors.load(p).tensors().keySet().stream().toList());
    if (posix) {
      assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(p)));
    }
    assertEquals(List.of(p), listDir());
  }

  // ================================================================ helpers

  private static void assertSameTensor(Tensor want, Tensor got) {
    assertEquals(want.dtype(), got.dtype());
    assertEquals(want.shape(), got.shape());
    switch (want.dtype()) {
      case F32 -> {
        float[] a = want.toFloatArray();
        float[] b = got.toFloatArray();
        assertEquals(a.length, b.length);
        for (int i = 0; i < a.length; i++) {
          assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), "at " + i);
        }
      }
      case F64 -> {
        double[] a = want.toDoubleArray();
        double[] b = got.toDoubleArray();
        for (int i = 0; i < a.length; i++) {
          assertEquals(Double.doubleToRawLongBits(a[i]), Double.doubleToRawLongBits(b[i]));
        }
      }
      case I32, I64 -> assertArrayEquals(want.toLongArray(), got.toLongArray());
      case BOOL -> assertArrayEquals(want.toBooleanArray(), got.toBooleanArray());
    }
  }

  private List<Path> listDir() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private static long headerLength(Path p) throws IOException {
    return ByteBuffer.wrap(Files.readAllBytes(p), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }

  /** A file with the given header text (unpadded) and data. */
  static byte[] fileBytes(String json, byte[] data) {
    byte[] h = json.getBytes(StandardCharsets.UTF_8);
    return concat(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array(),
        h, data);
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] p : parts) {
      b.put(p);
    }
    return b.array();
  }
}
