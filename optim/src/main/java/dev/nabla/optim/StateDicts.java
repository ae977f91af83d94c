package dev.nabla.optim;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.io.SafeTensors;
import dev.nabla.core.io.SafeTensorsFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** Optimizer state dicts as safetensors files: buffers as tensors, the metadata tree as JSON. */
final class StateDicts {
  private static final ObjectMapper JSON = new ObjectMapper();

  private StateDicts() {}

  static void save(Optimizer.StateDict dict, Path path) throws IOException {
    String json = JSON.writeValueAsString(dict.meta());
    SafeTensors.save(path, dict.tensors(), Map.of(Optimizer.METADATA_KEY, json));
  }

  static Optimizer.StateDict load(Path path) throws IOException {
    SafeTensorsFile file = SafeTensors.load(path);
    String json = file.metadata().get(Optimizer.METADATA_KEY);
    if (json == null) {
      throw new IOException(path + ": not an optimizer state file (no '"
          + Optimizer.METADATA_KEY + "' metadata; have " + file.metadata().keySet() + ")");
    }
    Map<String, Object> meta = JSON.readValue(json, new TypeReference<Map<String, Object>>() {});
    return new Optimizer.StateDict(file.tensors(), meta);
  }
}
