package dev.nabla.nn.loss;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import java.util.Objects;

/**
 * Binary cross-entropy from logits, as {@code torch.nn.BCEWithLogitsLoss}:
 * lᵢ = −wᵢ·(pᵢ·yᵢ·log σ(xᵢ) + (1 − yᵢ)·log(1 − σ(xᵢ))), computed as
 * wᵢ·((1 − yᵢ)·xᵢ + (1 + (pᵢ − 1)·yᵢ)·softplus(−xᵢ)) with softplus(−x) = max(−x, 0) +
 * log1p(e^(−|x|)): finite for any logit. p &gt; 1 raises recall, p &lt; 1 precision.
 *
 * <p>Shapes: input and target alike; weight and posWeight broadcast to the input's shape
 * (posWeight usually {@code [C]}, one per label of a multi-label output {@code [N, C]}); output
 * {@code []}, or the input's shape for NONE.
 *
 * <pre>{@code
 * var loss = new BCEWithLogitsLoss().withPosWeight(Tensor.of(new float[] {3f, 1f, 1f}));
 * Tensor l = loss.forward(logits, labels);   // [N, 3], [N, 3]
 * }</pre>
 *
 * @param weight per-element weights, or null
 * @param posWeight weights of positive targets, or null
 * @param reduction NONE, MEAN (default) or SUM
 */
public record BCEWithLogitsLoss(Tensor weight, Tensor posWeight, Reduction reduction)
    implements Loss {

  public BCEWithLogitsLoss {
    Objects.requireNonNull(reduction, "BCEWithLogitsLoss: reduction is null");
    Checks.argument(reduction != Reduction.BATCHMEAN,
        "BCEWithLogitsLoss: reduction BATCHMEAN applies to KLDivLoss only; use NONE, MEAN or"
            + " SUM");
  }

  /** No weights, MEAN. */
  public BCEWithLogitsLoss() {
    this(null, null, Reduction.MEAN);
  }

  public BCEWithLogitsLoss withWeight(Tensor weight) {
    return new BCEWithLogitsLoss(weight, posWeight, reduction);
  }

  public BCEWithLogitsLoss withPosWeight(Tensor posWeight) {
    return new BCEWithLogitsLoss(weight, posWeight, reduction);
  }

  public BCEWithLogitsLoss withReduction(Reduction reduction) {
    return new BCEWithLogitsLoss(weight, posWeight, reduction);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return Losses.binaryCrossEntropyWithLogits(input, target, weight, posWeight, reduction);
  }
}
