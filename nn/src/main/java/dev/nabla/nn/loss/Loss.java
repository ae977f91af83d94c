package dev.nabla.nn.loss;

import dev.nabla.core.Tensor;

/**
 * A loss: a differentiable function of a prediction and a target (which needs no gradient).
 *
 * <pre>{@code
 * Loss loss = new CrossEntropyLoss().withLabelSmoothing(0.1);
 * loss.forward(logits, targets).backward();
 * }</pre>
 */
@FunctionalInterface
public interface Loss {

  /** The loss of {@code input} against {@code target}; a scalar unless the reduction is NONE. */
  Tensor forward(Tensor input, Tensor target);
}
