package dev.nabla.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Whole-file replacement that never leaves a half-written file: the content goes to a sibling
 * temporary file, is forced to disk, and is renamed over the target atomically. On any failure
 * the temporary file is removed and the previous target is untouched. Every save in Nabla
 * (weights, optimizer state, configs, tokenizers, adapters) goes through here.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Writes the content of a file to a channel. */
  @FunctionalInterface
  public interface ChannelBody {
    void write(FileChannel ch) throws IOException;
  }

  /** Writes the content of a file to a stream. */
  @FunctionalInterface
  public interface StreamBody {
    void write(OutputStream out) throws IOException;
  }

  /** Replaces {@code target} with what {@code body} writes to a stream. */
  public static void write(Path target, StreamBody body) throws IOException {
    writeChannel(target, ch -> {
      OutputStream out = Channels.newOutputStream(ch);
      body.write(out);
      out.flush();
    });
  }

  /** Replaces {@code target} with {@code bytes}. */
  public static void write(Path target, byte[] bytes) throws IOException {
    write(target, out -> out.write(bytes));
  }

  /** Replaces {@code target} with what {@code body} writes to a file channel. */
  public static void writeChannel(Path target, ChannelBody body) throws IOException {
    Path abs = target.toAbsolutePath();
    Path dir = abs.getParent();
    if (dir == null) {
      throw new IOException("cannot write to " + target + ": it has no parent folder");
    }
    Files.createDirectories(dir);
    Path tmp = createSibling(dir, abs.getFileName().toString());
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        body.write(ch);
        ch.force(true);
      }
      keepPermissions(abs, tmp);
      try {
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (java.nio.file.AtomicMoveNotSupportedException e) {
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (Throwable t) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException e) {
        t.addSuppressed(e);
      }
      throw t;
    }
    syncDirectory(dir);
  }

  /**
   * A new empty file next to {@code name}. Not {@code Files.createTempFile}: that makes the
   * file owner-only (0600), which the rename would pass on to the result; {@code createFile}
   * gives the permissions a newly created file normally gets.
   */
  private static Path createSibling(Path dir, String name) throws IOException {
    String stem = name.length() > 100 ? name.substring(0, 100) : name;
    for (int attempt = 0; ; attempt++) {
      String random = Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36);
      try {
        return Files.createFile(dir.resolve("." + stem + "." + random + ".tmp"));
      } catch (FileAlreadyExistsException e) {
        if (attempt == 20) {
          throw e;
        }
      }
    }
  }

  /** When replacing a file, keeps its POSIX permissions (best effort). */
  private static void keepPermissions(Path target, Path tmp) {
    try {
      if (Files.isRegularFile(target)) {
        Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(target));
      }
    } catch (IOException | UnsupportedOperationException e) {
      // not POSIX, or not ours to read: the default permissions stand
    }
  }

  /** Makes the rename durable where the platform allows opening a directory (best effort). */
  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | RuntimeException e) {
      // e.g. Windows cannot open directories; the data itself was already forced
    }
  }
}
