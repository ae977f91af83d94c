package dev.nabla.core.autograd;

import dev.nabla.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * What an {@link Op}'s forward leaves for its backward: saved tensors and which inputs need a
 * gradient. Saved tensors are released after {@code backward()} unless the graph is retained.
 */
public final class Context {
  private final boolean[] needsInputGrad;
  private List<Tensor> saved = new ArrayList<>();
  private boolean released;
  private final String opName;

  Context(String opName, boolean[] needsInputGrad) {
    this.opName = opName;
    this.needsInputGrad = needsInputGrad;
  }

  /** Saves tensors for backward, in order; read them back with {@link #saved(int)}. */
  public void save(Tensor... tensors) {
    for (Tensor t : tensors) {
      saved.add(t);
    }
  }

  /** The {@code i}-th saved tensor. */
  public Tensor saved(int i) {
    if (released) {
      throw new IllegalStateException(
          opName + ": trying to backward through the graph a second time (or to read saved tensors"
              + " after they were freed); call backward(true) the first time to retain the graph");
    }
    return saved.get(i);
  }

  /** Number of saved tensors. */
  public int savedCount() {
    return saved.size();
  }

  /** True when input {@code i} requires a gradient; backward may return null for the others. */
  public boolean needsInputGrad(int i) {
    return needsInputGrad[i];
  }

  boolean isReleased() {
    return released;
  }

  void release() {
    released = true;
    saved = List.of();
  }
}
