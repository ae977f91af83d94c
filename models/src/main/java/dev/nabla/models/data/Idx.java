package dev.nabla.models.data;

import dev.nabla.core.Tensor;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * Reader for the IDX format of the MNIST family (LeCun et al.): a 4-byte magic
 * {@code 0x00 0x00 type rank}, {@code rank} big-endian int32 sizes, then the data. Only unsigned
 * bytes (type {@code 0x08}) are supported, which is what MNIST and Fashion-MNIST use.
 *
 * <p>Files are treated as untrusted: the magic, rank and sizes are checked, and the element count
 * is bounded before anything is allocated.
 */
public final class Idx {
  private Idx() {}

  /** Largest element count accepted (256 MiB of bytes). */
  public static final int MAX_ELEMENTS = 1 << 28;

  /** Reads an IDX stream (gzip-compressed when {@code gzip}) as an I32 tensor of byte values. */
  public static Tensor readUnsignedBytes(InputStream raw, boolean gzip) throws IOException {
    InputStream in = gzip ? new GZIPInputStream(raw) : raw;
    DataInputStream data = new DataInputStream(in);
    int magic = data.readInt();
    int type = (magic >>> 8) & 0xff;
    int rank = magic & 0xff;
    if ((magic >>> 16) != 0) {
      throw new IOException(String.format("IDX: bad magic number 0x%08x (expected 0x0000TTRR)", magic));
    }
    if (type != 0x08) {
      throw new IOException(String.format("IDX: element type 0x%02x is not supported (only 0x08, unsigned byte)", type));
    }
    if (rank < 1 || rank > 4) {
      throw new IOException("IDX: rank " + rank + " is outside [1, 4]");
    }
    int[] dims = new int[rank];
    long count = 1;
    for (int i = 0; i < rank; i++) {
      dims[i] = data.readInt();
      if (dims[i] < 0) {
        throw new IOException("IDX: negative size " + dims[i] + " in dimension " + i);
      }
      count *= dims[i];
      if (count > MAX_ELEMENTS) {
        throw new IOException(
            "IDX: sizes " + Arrays.toString(Arrays.copyOf(dims, i + 1)) + " exceed " + MAX_ELEMENTS
                + " elements");
      }
    }
    byte[] bytes = new byte[(int) count];
    try {
      data.readFully(bytes);
    } catch (EOFException e) {
      throw new IOException("IDX: file is truncated: expected " + count + " data bytes for sizes "
          + Arrays.toString(dims), e);
    }
    int[] values = new int[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      values[i] = bytes[i] & 0xff;
    }
    return Tensor.of(values, dims);
  }
}
