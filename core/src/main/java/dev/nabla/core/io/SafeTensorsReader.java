package dev.nabla.core.io;

import dev.nabla.core.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.IntBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A lazily read safetensors file: {@link SafeTensors#open} validates the whole header up front,
 * then {@link #tensor(String)} memory-maps (read-only) just that tensor's bytes and copies them
 * into a new on-heap tensor. Close it to release the file; tensors already read stay valid.
 *
 * <pre>{@code
 * try (SafeTensorsReader r = SafeTensors.open(path)) {
 *   for (SafeTensorsEntry e : r.entries()) { System.out.println(e); }   // w: F32 [2, 3] ...
 *   Tensor w = r.tensor("w");
 * }
 * }</pre>
 *
 * <p>The file must not be truncated or rewritten in place while it is open (a mapped read of a
 * vanished page crashes the JVM); {@link SafeTensors#save} replaces files by renaming, which is
 * safe. Instances may be shared between threads.
 */
public final class SafeTensorsReader implements AutoCloseable {
  /** Largest mapping made at once; a multiple of every element size. */
  static final long DEFAULT_WINDOW_BYTES = 1L << 30;

  private final Path path;
  private final FileChannel channel;
  private final long dataStart;
  private final Map<String, SafeTensorsEntry> entries;
  private final Map<String, String> metadata;
  private final long windowBytes;
  private volatile boolean closed;

  private SafeTensorsReader(Path path, FileChannel channel, long windowBytes) throws IOException {
    this.path = path;
    this.channel = channel;
    this.windowBytes = windowBytes;
    long size = channel.size();
    if (size < 8) {
      throw error(null, "file is " + size + " bytes, shorter than the 8-byte header length");
    }
    long n = readFully(0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (n < 0 || n > HeaderParser.MAX_HEADER_BYTES) {   // n < 0: an unsigned value >= 2^63
      throw error(null, "header length " + Long.toUnsignedString(n) + " exceeds the limit of "
          + HeaderParser.MAX_HEADER_BYTES + " bytes");
    }
    if (n > size - 8) {
      throw error(null, "header length " + n + " exceeds the " + (size - 8)
          + " bytes that follow it (truncated file?)");
    }
    ByteBuffer header = readFully(8, (int) n);
    this.dataStart = 8 + n;
    HeaderParser.Header h = HeaderParser.parse(path, header.array(), size - dataStart);
    this.entries = h.entries();
    this.metadata = h.metadata();
  }

  /** Opens and validates {@code path}; mappings are at most {@code windowBytes} long. */
  static SafeTensorsReader open(Path path, long windowBytes) throws IOException {
    if (windowBytes <= 0 || windowBytes % 8 != 0) {
      throw new IllegalArgumentException("window must be a positive multiple of 8, got "
          + windowBytes);
    }
    FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
    try {
      return new SafeTensorsReader(path, channel, windowBytes);
    } catch (IOException | RuntimeException | Error e) {
      try {
        channel.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  /** The file this reads. */
  public Path path() {
    return path;
  }

  /** The {@code __metadata__} map in header order; empty when the file has none. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** Tensor names in header order. */
  public List<String> names() {
    return List.copyOf(entries.keySet());
  }

  /** Entries (name, dtype, shape, byte range) in header order. */
  public List<SafeTensorsEntry> entries() {
    return List.copyOf(entries.values());
  }

  /** True if the file has a tensor called {@code name}. */
  public boolean contains(String name) {
    return entries.containsKey(name);
  }

  /** The entry for {@code name}; throws {@link IllegalArgumentException} if there is none. */
  public SafeTensorsEntry entry(String name) {
    SafeTensorsEntry e = entries.get(name);
    if (e == null) {
      throw new IllegalArgumentException("safetensors file " + path + ": no tensor named '"
          + name + "' (it has " + entries.size() + ": " + preview() + ")");
    }
    return e;
  }

  /**
   * Reads one tensor into a new contiguous tensor of {@link SafeTensorsDType#loadsAs()}.
   *
   * @throws IllegalArgumentException if there is no such tensor
   * @throws SafeTensorsFormatException if a dimension or the element count exceeds 2^31-1
   * @throws UnsupportedOperationException for a dtype with no Nabla equivalent (U64, C64)
   */
  public Tensor tensor(String name) throws IOException {
    ensureOpen();
    return read(entry(name));
  }

  /** Reads every tensor, in header order. */
  public Map<String, Tensor> tensors() throws IOException {
    ensureOpen();
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (SafeTensorsEntry e : entries.values()) {
      out.put(e.name(), read(e));
    }
    return out;
  }

  /** Closes the file. Idempotent. */
  @Override
  public void close() throws IOException {
    closed = true;
    channel.close();
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("safetensors file " + path + ": reader is closed");
    }
  }

  private String preview() {
    List<String> first = new ArrayList<>();
    for (String n : entries.keySet()) {
      if (first.size() == 5) {
        first.add("...");
        break;
      }
      first.add("'" + n + "'");
    }
    return String.join(", ", first);
  }

  // ================================================================ decoding

  /** Receives one mapped window: {@code count} elements that start at element {@code first}. */
  private interface WindowConsumer {
    void accept(ByteBuffer window, int first, int count);
  }

  private interface ByteDecoder {
    float apply(byte b);
  }

  private Tensor read(SafeTensorsEntry e) throws IOException {
    SafeTensorsDType dtype = e.dtype();
    dtype.loadsAs();                         // throws for U64 and C64 before any allocation
    long[] shape = e.shape();
    int[] dims = new int[shape.length];
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] > Integer.MAX_VALUE) {
        throw error(e.name(), "dimension " + i + " of shape " + Arrays.toString(shape)
            + " exceeds 2^31-1, the largest size a Nabla tensor supports");
      }
      dims[i] = (int) shape[i];
    }
    if (e.numel() > Integer.MAX_VALUE) {
      throw error(e.name(), "shape " + Arrays.toString(shape) + " has " + e.numel()
          + " elements; a Nabla tensor (one Java array) holds at most 2^31-1");
    }
    int n = (int) e.numel();
    switch (dtype) {
      case F32 -> {
        float[] a = new float[n];
        forEachWindow(e, (w, first, count) -> w.asFloatBuffer().get(a, first, count));
        return make(a, dims);
      }
      case F64 -> {
        double[] a = new double[n];
        forEachWindow(e, (w, first, count) -> w.asDoubleBuffer().get(a, first, count));
        return make(a, dims);
      }
      case I32 -> {
        int[] a = new int[n];
        forEachWindow(e, (w, first, count) -> w.asIntBuffer().get(a, first, count));
        return make(a, dims);
      }
      case I64 -> {
        long[] a = new long[n];
        forEachWindow(e, (w, first, count) -> w.asLongBuffer().get(a, first, count));
        return make(a, dims);
      }
      case U32 -> {
        long[] a = new long[n];
        forEachWindow(e, (w, first, count) -> {
          IntBuffer b = w.asIntBuffer();
          for (int i = 0; i < count; i++) {
            a[first + i] = Integer.toUnsignedLong(b.get(i));
          }
        });
        return make(a, dims);
      }
      case I16, U16 -> {
        int[] a = new int[n];
        int mask = dtype == SafeTensorsDType.U16 ? 0xffff : -1;
        forEachWindow(e, (w, first, count) -> {
          ShortBuffer b = w.asShortBuffer();
          for (int i = 0; i < count; i++) {
            a[first + i] = b.get(i) & mask;
          }
        });
        return make(a, dims);
      }
      case I8, U8 -> {
        int[] a = new int[n];
        int mask = dtype == SafeTensorsDType.U8 ? 0xff : -1;
        forEachWindow(e, (w, first, count) -> {
          for (int i = 0; i < count; i++) {
            a[first + i] = w.get(i) & mask;
          }
        });
        return make(a, dims);
      }
      case BOOL -> {
        boolean[] a = new boolean[n];
        forEachWindow(e, (w, first, count) -> {
          for (int i = 0; i < count; i++) {
            a[first + i] = w.get(i) != 0;
          }
        });
        return make(a, dims);
      }
      case F16, BF16 -> {
        float[] a = new float[n];
        boolean bf = dtype == SafeTensorsDType.BF16;
        forEachWindow(e, (w, first, count) -> {
          ShortBuffer b = w.asShortBuffer();
          for (int i = 0; i < count; i++) {
            short s = b.get(i);
            a[first + i] = bf ? HalfFloats.bfloat16ToFloat(s) : HalfFloats.halfToFloat(s);
          }
        });
        return make(a, dims);
      }
      case F8_E4M3, F8_E5M2, F8_E8M0 -> {
        float[] a = new float[n];
        ByteDecoder decode = switch (dtype) {
          case F8_E4M3 -> HalfFloats::float8E4M3ToFloat;
          case F8_E5M2 -> HalfFloats::float8E5M2ToFloat;
          default -> HalfFloats::float8E8M0ToFloat;
        };
        forEachWindow(e, (w, first, count) -> {
          for (int i = 0; i < count; i++) {
            a[first + i] = decode.apply(w.get(i));
          }
        });
        return make(a, dims);
      }
      default -> throw new AssertionError("unhandled dtype " + dtype);  // U64, C64 threw above
    }
  }

  /** Maps the entry's bytes window by window (little-endian) and hands each to {@code c}. */
  private void forEachWindow(SafeTensorsEntry e, WindowConsumer c) throws IOException {
    int size = e.dtype().byteSize();
    long total = e.byteSize();
    for (long off = 0; off < total; off += windowBytes) {
      long len = Math.min(windowBytes, total - off);
      ByteBuffer w = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin() + off, len)
          .order(ByteOrder.LITTLE_ENDIAN);
      c.accept(w, (int) (off / size), (int) (len / size));
    }
  }

  private ByteBuffer readFully(long position, int length) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length);
    while (b.hasRemaining()) {
      if (channel.read(b, position + b.position()) < 0) {
        throw error(null, "file ended after " + (position + b.position())
            + " bytes while reading the header (truncated file?)");
      }
    }
    b.flip();
    return b;
  }

  private SafeTensorsFormatException error(String tensor, String rule) {
    return new SafeTensorsFormatException(path, tensor, rule);
  }

  // A rank-0 entry is a scalar; an empty shape means 1-D to wrap/of, hence the reshape. The
  // arrays are fresh, so they are wrapped without a second copy.

  private static Tensor make(float[] a, int[] dims) {
    return dims.length == 0 ? Tensor.wrap(a).reshape() : Tensor.wrap(a, dims);
  }

  private static Tensor make(double[] a, int[] dims) {
    return dims.length == 0 ? Tensor.wrap(a).reshape() : Tensor.wrap(a, dims);
  }

  private static Tensor make(int[] a, int[] dims) {
    return dims.length == 0 ? Tensor.wrap(a).reshape() : Tensor.wrap(a, dims);
  }

  private static Tensor make(long[] a, int[] dims) {
    return dims.length == 0 ? Tensor.wrap(a).reshape() : Tensor.wrap(a, dims);
  }

  private static Tensor make(boolean[] a, int[] dims) {
    return dims.length == 0 ? Tensor.of(a).reshape() : Tensor.of(a, dims);
  }
}
