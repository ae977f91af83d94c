package dev.nabla.core.io;

import dev.nabla.core.Tensor;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A whole safetensors file read into memory: its tensors in header order and its
 * {@code __metadata__} map (empty when absent). Both maps are unmodifiable.
 *
 * <pre>{@code
 * SafeTensorsFile f = SafeTensors.load(path);
 * Tensor w = f.tensor("w");
 * String format = f.metadata().get("format");   // "pt" for files written by PyTorch tools
 * }</pre>
 */
public record SafeTensorsFile(Map<String, Tensor> tensors, Map<String, String> metadata) {
  /** Copies both maps, keeping their iteration order. */
  public SafeTensorsFile {
    tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** The tensor called {@code name}; throws {@link IllegalArgumentException} if there is none. */
  public Tensor tensor(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new IllegalArgumentException("SafeTensorsFile: no tensor named '" + name + "' (it has "
          + tensors.size() + ")");
    }
    return t;
  }
}
