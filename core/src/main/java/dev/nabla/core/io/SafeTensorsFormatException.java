package dev.nabla.core.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file breaks a rule of the format (or holds a tensor too large for a Java
 * array). The message names the file, the tensor when there is one, and the rule, e.g.
 * {@code safetensors file /m/model.safetensors: tensor 'w': shape [2, 3] of F32 needs 24 bytes
 * but data_offsets [0, 20] span 20}.
 */
public class SafeTensorsFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String tensor;

  /** A broken rule in {@code file}, about {@code tensor} or about the file when it is null. */
  public SafeTensorsFormatException(Path file, String tensor, String rule) {
    this(file, tensor, rule, null);
  }

  /** As {@link #SafeTensorsFormatException(Path, String, String)}, with the underlying cause. */
  public SafeTensorsFormatException(Path file, String tensor, String rule, Throwable cause) {
    super(message(file, tensor, rule), cause);
    this.file = file;
    this.tensor = tensor;
  }

  private static String message(Path file, String tensor, String rule) {
    StringBuilder sb = new StringBuilder("safetensors file ").append(file).append(": ");
    if (tensor != null) {
      sb.append("tensor '").append(tensor).append("': ");
    }
    return sb.append(rule).toString();
  }

  /** The file that broke the rule. */
  public Path file() {
    return file;
  }

  /** The tensor the rule is about, or null when it is about the file or its header. */
  public String tensor() {
    return tensor;
  }
}
