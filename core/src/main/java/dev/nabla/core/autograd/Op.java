package dev.nabla.core.autograd;

import dev.nabla.core.Tensor;
import dev.nabla.core.internal.TensorAccess;

/**
 * A differentiable operation: the way users add their own ops to Nabla. Extend it, compute the
 * result in {@link #forward} (grad recording is off in there; save what backward needs in the
 * context) and return one gradient per input from {@link #backward}. Create a fresh instance per
 * call: fields may hold the call's parameters.
 *
 * <pre>{@code
 * // y = exp(x); dx = dy * y
 * final class Exp extends Op {
 *   protected Tensor forward(Context ctx, Tensor... in) {
 *     Tensor y = in[0].exp();
 *     ctx.save(y);
 *     return y;
 *   }
 *   protected Tensor[] backward(Context ctx, Tensor dy) {
 *     return new Tensor[] {dy.mul(ctx.saved(0))};
 *   }
 * }
 * Tensor y = new Exp().apply(x);
 * }</pre>
 */
public abstract class Op {

  /** Computes the result from the inputs. Runs with grad recording off. */
  protected abstract Tensor forward(Context ctx, Tensor... inputs);

  /**
   * Given the gradient of the loss with respect to the output, returns one gradient per input,
   * each with that input's shape (null where {@code ctx.needsInputGrad(i)} is false or the input
   * is not differentiable).
   */
  protected abstract Tensor[] backward(Context ctx, Tensor gradOutput);

  /** The name used in error messages and in {@code gradFn} printouts. */
  public String name() {
    String n = getClass().getSimpleName();
    return n.isEmpty() ? "Op" : n;
  }

  /** Runs forward and, when grad mode is on and an input requires grad, records the node. */
  public final Tensor apply(Tensor... inputs) {
    boolean[] needs = new boolean[inputs.length];
    boolean any = false;
    boolean record = GradMode.isEnabled();
    for (int i = 0; i < inputs.length; i++) {
      needs[i] = record && inputs[i] != null && inputs[i].isRequiresGrad();
      any |= needs[i];
    }
    Context ctx = new Context(name(), needs);
    Tensor out;
    try (var off = GradMode.disabled()) {
      out = forward(ctx, inputs);
    }
    if (out == null) {
      throw new IllegalStateException(name() + ": forward returned null");
    }
    for (Tensor in : inputs) {
      if (out == in) {
        out = out.detach(); // never re-label an input: return a fresh alias of it
        break;
      }
    }
    if (out.gradFn() != null) {
      out = out.detach();
    }
    if (!any || !out.dtype().isFloatingPoint()) {
      return out;
    }
    TensorAccess.get().setGradFn(out, new Node(this, ctx, inputs.clone()));
    return out;
  }
}
