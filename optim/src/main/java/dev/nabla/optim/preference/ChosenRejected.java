package dev.nabla.optim.preference;

import dev.nabla.core.Checks;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import java.util.Objects;

/**
 * Per-example log-probabilities of the chosen and the rejected response of a batch of
 * preference pairs: what a policy or reference forward pass yields and what {@link DPOLoss}
 * consumes. Usually summed log-probabilities ({@link SequenceLogProbs#sum()}); IPO is commonly
 * run on the per-token means ({@link SequenceLogProbs#mean()}).
 *
 * <p>Shape: chosen [B], rejected [B], floating point.
 *
 * @param chosen log π(y_w | x) for each pair, [B]
 * @param rejected log π(y_l | x) for each pair, [B]
 */
public record ChosenRejected(Tensor chosen, Tensor rejected) {

  /** Validates that both are 1-D floating-point tensors of the same length. */
  public ChosenRejected {
    Objects.requireNonNull(chosen, "ChosenRejected: chosen is null");
    Objects.requireNonNull(rejected, "ChosenRejected: rejected is null");
    Checks.argument(chosen.dtype().isFloatingPoint() && rejected.dtype().isFloatingPoint(),
        "ChosenRejected: log-probs must be floating point, got %s and %s", chosen.dtype(),
        rejected.dtype());
    if (chosen.dim() != 1 || rejected.dim() != 1 || chosen.size(0) != rejected.size(0)) {
      throw new ShapeMismatchException("ChosenRejected: chosen and rejected must both be [B], got "
          + chosen.shape() + " and " + rejected.shape());
    }
  }

  /** The number of pairs B. */
  public int batchSize() {
    return chosen.size(0);
  }

  /** Both tensors cut from the autograd graph. */
  public ChosenRejected detach() {
    return new ChosenRejected(chosen.detach(), rejected.detach());
  }
}
