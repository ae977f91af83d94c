package dev.nabla.core.internal;

import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Node;

/**
 * Bridge between {@code dev.nabla.core} and {@code dev.nabla.core.autograd} for the few
 * operations that must not be public API (attaching a node to a tensor). Not for users.
 */
public abstract class TensorAccess {
  private static TensorAccess instance;

  /** Called once by {@link Tensor}'s static initialiser. */
  public static void install(TensorAccess access) {
    if (instance != null) {
      throw new IllegalStateException("TensorAccess already installed");
    }
    instance = access;
  }

  public static TensorAccess get() {
    if (instance == null) {
      Tensor.scalar(0); // forces Tensor's class initialisation
    }
    return instance;
  }

  /** Marks {@code t} as produced by {@code node} (it then requires grad). */
  public abstract void setGradFn(Tensor t, Node node);

  /** Adds {@code g} into the leaf's {@code grad()}, copying on first assignment. */
  public abstract void accumulateGrad(Tensor leaf, Tensor g);
}
