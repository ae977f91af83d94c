package dev.nabla.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/**
 * An indexable list of layers registered as "0", "1", … (PyTorch's ModuleList): state-dict
 * names such as {@code layers.3.self_attn.q_proj.weight} come from it. It has no forward.
 */
public final class LayerList<L extends Layer> extends Layer implements Iterable<L> {
  private final List<L> layers = new ArrayList<>();

  public LayerList() {}

  public LayerList(List<? extends L> initial) {
    initial.forEach(this::add);
  }

  /** Appends a layer; returns it. */
  public L add(L layer) {
    register(Integer.toString(layers.size()), layer);
    layers.add(layer);
    return layer;
  }

  public L get(int i) {
    if (i < 0 || i >= layers.size()) {
      throw new IndexOutOfBoundsException(
          "LayerList: index " + i + " is out of range for " + layers.size() + " layers");
    }
    return layers.get(i);
  }

  public int size() {
    return layers.size();
  }

  @Override
  public Iterator<L> iterator() {
    return Collections.unmodifiableList(layers).iterator();
  }
}
