package dev.nabla.nn.loss;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import java.util.Objects;

/**
 * Negative log-likelihood of log-probabilities, as {@code torch.nn.NLLLoss}: a target t that is
 * not {@code ignoreIndex} costs lᵢ = −w_t·input[i, t]; MEAN divides Σ lᵢ by Σ w_t over the
 * targets not ignored. {@code NLLLoss} after {@code logSoftmax(1)} is {@link CrossEntropyLoss}.
 *
 * <p>Shapes: as {@link CrossEntropyLoss}, with log-probabilities in place of logits.
 *
 * <pre>{@code
 * Tensor l = new NLLLoss().forward(logits.logSoftmax(1), labels);
 * }</pre>
 *
 * @param weight per-class weights {@code [C]}, or null
 * @param ignoreIndex the target value to ignore (default −100)
 * @param reduction NONE, MEAN (default) or SUM
 */
public record NLLLoss(Tensor weight, int ignoreIndex, Reduction reduction) implements Loss {

  /** Validates the options. */
  public NLLLoss {
    Objects.requireNonNull(reduction, "NLLLoss: reduction is null");
    Checks.argument(reduction != Reduction.BATCHMEAN,
        "NLLLoss: reduction BATCHMEAN applies to KLDivLoss only; use NONE, MEAN or SUM");
    Checks.argument(weight == null || weight.dim() == 1,
        "NLLLoss: expected weight of shape [C] (one per class), got %s",
        weight == null ? null : weight.shape());
  }

  /** The defaults: no weights, ignoreIndex −100, MEAN. */
  public NLLLoss() {
    this(null, Losses.DEFAULT_IGNORE_INDEX, Reduction.MEAN);
  }

  /** The defaults with another reduction. */
  public NLLLoss(Reduction reduction) {
    this(null, Losses.DEFAULT_IGNORE_INDEX, reduction);
  }

  public NLLLoss withWeight(Tensor weight) {
    return new NLLLoss(weight, ignoreIndex, reduction);
  }

  public NLLLoss withIgnoreIndex(int ignoreIndex) {
    return new NLLLoss(weight, ignoreIndex, reduction);
  }

  public NLLLoss withReduction(Reduction reduction) {
    return new NLLLoss(weight, ignoreIndex, reduction);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return Losses.nllLoss(input, target, weight, ignoreIndex, reduction);
  }
}
