package dev.nabla.models.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.Tensor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class IdxTest {
  private static byte[] idx(int magic, int[] dims, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload.length);
    b.putInt(magic);
    for (int d : dims) {
      b.putInt(d);
    }
    b.put(payload);
    return b.array();
  }

  @Test void readsUnsignedBytes() throws IOException {
    byte[] file = idx(0x00000802, new int[] {2, 3}, new byte[] {0, 1, 2, (byte) 200, (byte) 255, 7});
    Tensor t = Idx.readUnsignedBytes(new ByteArrayInputStream(file), false);
    assertArrayEquals(new int[] {2, 3}, t.shape().toArray());
    assertArrayEquals(new int[] {0, 1, 2, 200, 255, 7}, t.toIntArray());
  }

  @Test void rejectsBadFiles() {
    IOException magic = assertThrows(IOException.class, () -> Idx.readUnsignedBytes(
        new ByteArrayInputStream(idx(0x01020801, new int[] {1}, new byte[1])), false));
    assertTrue(magic.getMessage().contains("magic"), magic.getMessage());
    IOException type = assertThrows(IOException.class, () -> Idx.readUnsignedBytes(
        new ByteArrayInputStream(idx(0x00000d01, new int[] {1}, new byte[4])), false));
    assertTrue(type.getMessage().contains("not supported"), type.getMessage());
    IOException huge = assertThrows(IOException.class, () -> Idx.readUnsignedBytes(
        new ByteArrayInputStream(idx(0x00000803, new int[] {1 << 20, 1 << 20, 4}, new byte[0])),
        false));
    assertTrue(huge.getMessage().contains("exceed"), huge.getMessage());
    IOException truncated = assertThrows(IOException.class, () -> Idx.readUnsignedBytes(
        new ByteArrayInputStream(idx(0x00000801, new int[] {10}, new byte[3])), false));
    assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
  }
}
