package dev.nabla.nn;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Layers by name, in insertion order (PyTorch's ModuleDict). It has no forward. */
public final class LayerDict<L extends Layer> extends Layer {
  private final Map<String, L> layers = new LinkedHashMap<>();

  /** Adds a layer under {@code key} (no dots); returns it. */
  public L put(String key, L layer) {
    register(key, layer);
    layers.put(key, layer);
    return layer;
  }

  public L get(String key) {
    L layer = layers.get(key);
    if (layer == null) {
      throw new IllegalArgumentException("LayerDict: no layer named '" + key + "' (have "
          + layers.keySet() + ")");
    }
    return layer;
  }

  public boolean containsKey(String key) {
    return layers.containsKey(key);
  }

  public Map<String, L> asMap() {
    return Collections.unmodifiableMap(layers);
  }
}
