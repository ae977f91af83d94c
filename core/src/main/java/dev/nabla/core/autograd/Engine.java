package dev.nabla.core.autograd;

import dev.nabla.core.Tensor;
import dev.nabla.core.internal.TensorAccess;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reverse-mode sweep over the recorded graph. The topological order is computed with an explicit
 * stack (never recursion: an unrolled RNN easily has 10⁴+ nodes), gradients of shared nodes are
 * summed before their backward runs, leaf gradients accumulate into {@link Tensor#grad()}.
 */
public final class Engine {
  private Engine() {}

  /**
   * Back-propagates {@code gradOutput} (the gradient of the loss w.r.t. {@code root}) to every
   * leaf that requires grad. Frees saved tensors unless {@code retainGraph}.
   */
  public static void backward(Tensor root, Tensor gradOutput, boolean retainGraph) {
    if (!root.isRequiresGrad()) {
      throw new IllegalStateException(
          "backward: the tensor does not require grad and has no gradFn (did you call "
              + "requiresGrad() on the inputs, or compute it under GradMode.disabled()?)");
    }
    if (!gradOutput.shape().equals(root.shape())) {
      throw new IllegalArgumentException(
          "backward: gradient shape " + gradOutput.shape() + " does not match tensor shape "
              + root.shape());
    }
    TensorAccess access = TensorAccess.get();
    try (var off = GradMode.disabled()) {
      Node rootNode = root.gradFn();
      if (rootNode == null) { // a leaf
        access.accumulateGrad(root, gradOutput.to(root.dtype()));
        return;
      }
      List<Node> order = topologicalOrder(rootNode);
      Map<Node, Tensor> pending = new IdentityHashMap<>();
      pending.put(rootNode, gradOutput.to(root.dtype()));
      for (int n = order.size() - 1; n >= 0; n--) {
        Node node = order.get(n);
        Tensor g = pending.remove(node);
        if (g == null) {
          continue; // every path into this node carried no gradient
        }
        if (node.ctx.isReleased()) {
          throw new IllegalStateException(
              node.name() + ": trying to backward through the graph a second time; call "
                  + "backward(true) (retainGraph) the first time if you need to");
        }
        if (node.retainTarget != null) {
          access.accumulateGrad(node.retainTarget, g);
        }
        Tensor[] grads = node.op.backward(node.ctx, g);
        if (grads == null || grads.length != node.inputs.length) {
          throw new IllegalStateException(
              node.name() + ": backward returned " + (grads == null ? "null" : grads.length
                  + " gradients") + " but the op has " + node.inputs.length + " inputs");
        }
        for (int i = 0; i < grads.length; i++) {
          Tensor input = node.inputs[i];
          Tensor gi = grads[i];
          if (gi == null || input == null || !node.ctx.needsInputGrad(i)) {
            continue;
          }
          if (!gi.shape().equals(input.shape())) {
            throw new IllegalStateException(
                node.name() + ": backward returned a gradient of shape " + gi.shape()
                    + " for input " + i + " of shape " + input.shape());
          }
          if (gi.dtype() != input.dtype()) {
            gi = gi.to(input.dtype());
          }
          Node next = input.gradFn();
          if (next == null) {
            access.accumulateGrad(input, gi);
          } else {
            Tensor prev = pending.get(next);
            pending.put(next, prev == null ? gi : prev.add(gi));
          }
        }
        if (!retainGraph) {
          node.ctx.release();
          node.inputs = new Tensor[node.inputs.length];
        }
      }
    }
  }

  /** Registers {@code t} (a non-leaf) to receive its gradient in {@code grad()}. */
  public static void retainGrad(Tensor t) {
    Node node = t.gradFn();
    if (node != null) {
      node.retainTarget = t;
    }
  }

  /** Nodes reachable from {@code root} in post-order (inputs before the nodes that use them). */
  private static List<Node> topologicalOrder(Node root) {
    List<Node> order = new ArrayList<>();
    Map<Node, Boolean> seen = new IdentityHashMap<>();
    ArrayDeque<Node> stack = new ArrayDeque<>();
    ArrayDeque<int[]> next = new ArrayDeque<>(); // index of the next input to visit, per frame
    stack.push(root);
    next.push(new int[] {0});
    seen.put(root, Boolean.TRUE);
    while (!stack.isEmpty()) {
      Node node = stack.peek();
      int[] cursor = next.peek();
      Node child = null;
      while (cursor[0] < node.inputs.length && child == null) {
        Tensor in = node.inputs[cursor[0]++];
        Node c = in == null ? null : in.gradFn();
        if (c != null && !seen.containsKey(c)) {
          child = c;
        }
      }
      if (child != null) {
        seen.put(child, Boolean.TRUE);
        stack.push(child);
        next.push(new int[] {0});
      } else {
        order.add(node);
        stack.pop();
        next.pop();
      }
    }
    return order;
  }
}
