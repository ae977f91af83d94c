package dev.nabla.nn.loss;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import java.util.Objects;

/**
 * Cross-entropy between logits and class targets, as {@code torch.nn.CrossEntropyLoss} (1.13).
 *
 * <p>With log-probabilities ℓ = logsoftmax(x) over the class dimension (stable:
 * ℓ_c = x_c − logsumexp(x)), class weights w (1 when absent) and label smoothing ε, a target t
 * that is not {@code ignoreIndex} costs
 * <pre>
 *   lᵢ = (1 − ε)·w_t·(−ℓ_t) + (ε / C)·Σ_c w_c·(−ℓ_c)
 * </pre>
 * and an ignored one 0. MEAN divides Σ lᵢ by Σ w_t over the targets not ignored (their count
 * without weights), so ignored targets do not dilute the mean; with every target ignored it is
 * NaN, as in torch. Targets may also be class probabilities shaped like the input (no
 * ignoreIndex; MEAN divides by the number of positions).
 *
 * <p>Shapes: input {@code [N, C]}, {@code [N, C, d₁, …]} (e.g. {@code [B, V, T]} for a sequence)
 * or {@code [C]}; target I64/I32 {@code [N]}, {@code [N, d₁, …]} or {@code []}, values in
 * [0, C) or {@code ignoreIndex}; output {@code []}, or the target's shape for NONE.
 *
 * <pre>{@code
 * var loss = new CrossEntropyLoss().withIgnoreIndex(PAD).withLabelSmoothing(0.1);
 * Tensor l = loss.forward(logits.reshape(-1, vocab), tokens.reshape(-1));  // [B·T, V], [B·T]
 * }</pre>
 *
 * @param weight per-class weights {@code [C]}, or null
 * @param ignoreIndex the target value to ignore (default −100)
 * @param reduction NONE, MEAN (default) or SUM
 * @param labelSmoothing ε in [0, 1] (default 0)
 */
public record CrossEntropyLoss(Tensor weight, int ignoreIndex, Reduction reduction,
    double labelSmoothing) implements Loss {

  /** Validates the options (the weight's length is checked against the input). */
  public CrossEntropyLoss {
    Objects.requireNonNull(reduction, "CrossEntropyLoss: reduction is null");
    Checks.argument(reduction != Reduction.BATCHMEAN,
        "CrossEntropyLoss: reduction BATCHMEAN applies to KLDivLoss only; use NONE, MEAN or SUM");
    Losses.checkLabelSmoothing("CrossEntropyLoss", labelSmoothing);
    Checks.argument(weight == null || weight.dim() == 1,
        "CrossEntropyLoss: expected weight of shape [C] (one per class), got %s",
        weight == null ? null : weight.shape());
  }

  /** The defaults: no weights, ignoreIndex −100, MEAN, no smoothing. */
  public CrossEntropyLoss() {
    this(null, Losses.DEFAULT_IGNORE_INDEX, Reduction.MEAN, 0.0);
  }

  /** The defaults with another reduction. */
  public CrossEntropyLoss(Reduction reduction) {
    this(null, Losses.DEFAULT_IGNORE_INDEX, reduction, 0.0);
  }

  public CrossEntropyLoss withWeight(Tensor weight) {
    return new CrossEntropyLoss(weight, ignoreIndex, reduction, labelSmoothing);
  }

  public CrossEntropyLoss withIgnoreIndex(int ignoreIndex) {
    return new CrossEntropyLoss(weight, ignoreIndex, reduction, labelSmoothing);
  }

  public CrossEntropyLoss withReduction(Reduction reduction) {
    return new CrossEntropyLoss(weight, ignoreIndex, reduction, labelSmoothing);
  }

  public CrossEntropyLoss withLabelSmoothing(double labelSmoothing) {
    return new CrossEntropyLoss(weight, ignoreIndex, reduction, labelSmoothing);
  }

  /** The loss of logits {@code input} against class indices (or probabilities) {@code target}. */
  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return Losses.crossEntropy(input, target, weight, ignoreIndex, reduction, labelSmoothing);
  }
}
