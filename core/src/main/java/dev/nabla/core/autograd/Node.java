package dev.nabla.core.autograd;

import dev.nabla.core.Tensor;

/**
 * One recorded op application in the autograd graph: the op, its context and its inputs. A
 * tensor produced by a differentiable op points at its node through {@link Tensor#gradFn()}.
 */
public final class Node {
  final Op op;
  final Context ctx;
  Tensor[] inputs;
  /** Set when the user asked to keep this node's output gradient ({@link Tensor#retainGrad()}). */
  Tensor retainTarget;

  Node(Op op, Context ctx, Tensor[] inputs) {
    this.op = op;
    this.ctx = ctx;
    this.inputs = inputs;
  }

  /** The op's name, e.g. {@code "mul"}. */
  public String name() {
    return op.name();
  }

  /** The number of inputs of the op. */
  public int numInputs() {
    return inputs.length;
  }

  @Override
  public String toString() {
    return "<" + name() + "Backward>";
  }
}
