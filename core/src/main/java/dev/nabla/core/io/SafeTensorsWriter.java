package dev.nabla.core.io;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.nabla.core.Checks;
import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Serialises tensors to a safetensors file, atomically. See {@link SafeTensors#save}. */
final class SafeTensorsWriter {
  private static final JsonFactory JSON = new JsonFactory();
  private static final int CHUNK_BYTES = 1 << 20;

  private SafeTensorsWriter() {}

  /** A tensor placed in the file. */
  private record Item(String name, byte[] utf8, Tensor tensor, SafeTensorsDType dtype,
      int[] shape, long begin, long end) {}

  /** Sorts as the reference writer does: widest alignment first, then name by UTF-8 bytes. */
  private static final Comparator<Item> LAYOUT_ORDER = Comparator
      .comparing(Item::dtype, Comparator.reverseOrder())
      .thenComparing(Item::utf8, Arrays::compareUnsigned);

  private static final Comparator<String> UTF8_ORDER = (a, b) -> Arrays.compareUnsigned(
      a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  static void save(Path path, Map<String, Tensor> tensors, Map<String, String> metadata,
      SafeTensorsDType floatDType) throws IOException {
    Checks.argument(path != null, "SafeTensors.save: path must not be null");
    Checks.argument(tensors != null, "SafeTensors.save: tensors must not be null");
    Checks.argument(floatDType == null || floatDType == SafeTensorsDType.F16
            || floatDType == SafeTensorsDType.BF16 || floatDType == SafeTensorsDType.F32
            || floatDType == SafeTensorsDType.F64,
        "SafeTensors.save: floating-point tensors can be stored as F16, BF16, F32 or F64, not %s",
        floatDType);
    // Everything is validated and laid out before the file system is touched.
    List<Item> items = layout(tensors, floatDType);
    Map<String, String> meta = checkedMetadata(metadata);
    byte[] header = header(items, meta);
    writeAtomically(path, ch -> {
      ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      buf.putLong(header.length).flip();
      writeFully(ch, buf);
      writeFully(ch, ByteBuffer.wrap(header));
      for (Item item : items) {
        writeData(ch, buf, item);
      }
    });
  }

  private static List<Item> layout(Map<String, Tensor> tensors, SafeTensorsDType floatDType) {
    List<Item> items = new ArrayList<>(tensors.size());
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      String name = e.getKey();
      Tensor t = e.getValue();
      Checks.argument(name != null, "SafeTensors.save: tensor names must not be null");
      Checks.argument(!HeaderParser.METADATA_KEY.equals(name),
          "SafeTensors.save: the name \"__metadata__\" is reserved for the metadata map");
      Checks.argument(t != null, "SafeTensors.save: tensor '%s' is null", name);
      Checks.argument(isWellFormed(name),
          "SafeTensors.save: tensor name '%s' is not valid Unicode", name);
      SafeTensorsDType dtype = floatDType != null && t.dtype().isFloatingPoint()
          ? floatDType : SafeTensorsDType.of(t.dtype());
      items.add(new Item(name, name.getBytes(StandardCharsets.UTF_8), t, dtype,
          t.shape().toArray(), 0, 0));
    }
    items.sort(LAYOUT_ORDER);
    long offset = 0;
    for (int i = 0; i < items.size(); i++) {
      Item it = items.get(i);
      long bytes = (long) it.tensor().numel() * it.dtype().byteSize();
      long end = Math.addExact(offset, bytes);
      items.set(i, new Item(it.name(), it.utf8(), it.tensor(), it.dtype(), it.shape(), offset,
          end));
      offset = end;
    }
    return items;
  }

  /** Metadata sorted by key (UTF-8 order), so equal maps always give equal files. */
  private static Map<String, String> checkedMetadata(Map<String, String> metadata) {
    Map<String, String> sorted = new TreeMap<>(UTF8_ORDER);
    if (metadata == null) {
      return sorted;
    }
    for (Map.Entry<String, String> e : metadata.entrySet()) {
      Checks.argument(e.getKey() != null && e.getValue() != null,
          "SafeTensors.save: metadata keys and values must not be null, got %s=%s",
          e.getKey(), e.getValue());
      Checks.argument(isWellFormed(e.getKey()) && isWellFormed(e.getValue()),
          "SafeTensors.save: metadata entry '%s' is not valid Unicode", e.getKey());
      sorted.put(e.getKey(), e.getValue());
    }
    return sorted;
  }

  /** Compact JSON, {@code __metadata__} first, then entries in layout order; space-padded. */
  private static byte[] header(List<Item> items, Map<String, String> metadata) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      if (!metadata.isEmpty()) {
        g.writeFieldName(HeaderParser.METADATA_KEY);
        g.writeStartObject();
        for (Map.Entry<String, String> e : metadata.entrySet()) {
          g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
      }
      for (Item it : items) {
        g.writeFieldName(it.name());
        g.writeStartObject();
        g.writeStringField("dtype", it.dtype().name());
        g.writeArrayFieldStart("shape");
        for (int d : it.shape()) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("data_offsets");
        g.writeNumber(it.begin());
        g.writeNumber(it.end());
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndObject();
    }
    // Pad with spaces (JSON whitespace) so the data starts 8-byte aligned.
    int pad = (8 - out.size() % 8) % 8;
    for (int i = 0; i < pad; i++) {
      out.write(' ');
    }
    Checks.argument(out.size() <= HeaderParser.MAX_HEADER_BYTES,
        "SafeTensors.save: the header would be %s bytes; readers refuse more than %s",
        out.size(), HeaderParser.MAX_HEADER_BYTES);
    return out.toByteArray();
  }

  // ================================================================ data

  /** Fills {@code buf} from index 0 with {@code count} elements starting at {@code from}. */
  private interface Encoder {
    void fill(ByteBuffer buf, int from, int count);
  }

  private static void writeData(FileChannel ch, ByteBuffer buf, Item item) throws IOException {
    Tensor t = item.tensor();
    boolean wide = t.dtype() == DType.F64;
    switch (item.dtype()) {
      case F32 -> {
        float[] a = t.toFloatArray();        // from F64: one rounding, to nearest even
        writeElements(ch, buf, a.length, 4, (b, from, n) -> b.asFloatBuffer().put(a, from, n));
      }
      case F64 -> {
        double[] a = t.toDoubleArray();
        writeElements(ch, buf, a.length, 8, (b, from, n) -> b.asDoubleBuffer().put(a, from, n));
      }
      case I32 -> {
        int[] a = t.toIntArray();
        writeElements(ch, buf, a.length, 4, (b, from, n) -> b.asIntBuffer().put(a, from, n));
      }
      case I64 -> {
        long[] a = t.toLongArray();
        writeElements(ch, buf, a.length, 8, (b, from, n) -> b.asLongBuffer().put(a, from, n));
      }
      case BOOL -> {
        boolean[] a = t.toBooleanArray();
        writeElements(ch, buf, a.length, 1, (b, from, n) -> {
          for (int i = 0; i < n; i++) {
            b.put(i, (byte) (a[from + i] ? 1 : 0));
          }
        });
      }
      case F16, BF16 -> {
        boolean bf = item.dtype() == SafeTensorsDType.BF16;
        if (wide) {
          double[] a = t.toDoubleArray();    // rounded once, straight from double
          writeElements(ch, buf, a.length, 2, (b, from, n) -> {
            for (int i = 0; i < n; i++) {
              double v = a[from + i];
              b.putShort(2 * i, bf ? HalfFloats.doubleToBFloat16(v) : HalfFloats.doubleToHalf(v));
            }
          });
        } else {
          float[] a = t.toFloatArray();
          writeElements(ch, buf, a.length, 2, (b, from, n) -> {
            for (int i = 0; i < n; i++) {
              float v = a[from + i];
              b.putShort(2 * i, bf ? HalfFloats.floatToBFloat16(v) : HalfFloats.floatToHalf(v));
            }
          });
        }
      }
      default -> throw new AssertionError("not a write dtype: " + item.dtype());
    }
  }

  private static void writeElements(FileChannel ch, ByteBuffer buf, int length, int size,
      Encoder encoder) throws IOException {
    int perChunk = buf.capacity() / size;
    for (int from = 0; from < length; from += perChunk) {
      int n = Math.min(perChunk, length - from);
      buf.clear();
      encoder.fill(buf, from, n);            // absolute puts: position stays 0
      buf.limit(n * size);
      writeFully(ch, buf);
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  // ================================================================ atomic replace

  /** Writes the body of a file. */
  interface Body extends AtomicFiles.ChannelBody {}

  /** Writes {@code target} atomically (see {@link AtomicFiles}). */
  static void writeAtomically(Path target, Body body) throws IOException {
    Checks.argument(target.toAbsolutePath().getParent() != null,
        "SafeTensors.save: cannot write to %s", target);
    AtomicFiles.writeChannel(target, body);
  }

  private static boolean isWellFormed(String s) {
    return StandardCharsets.UTF_8.newEncoder().canEncode(s);
  }
}
