package dev.nabla.nn.loss;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import java.util.Objects;

/**
 * Binary cross-entropy of probabilities, as {@code torch.nn.BCELoss}:
 * lᵢ = −wᵢ·(yᵢ·log xᵢ + (1 − yᵢ)·log(1 − xᵢ)), each log clamped to ≥ −100 so that xᵢ = 0 or 1
 * stays finite. Inputs outside [0, 1] are rejected. {@link BCEWithLogitsLoss} on the logits is
 * more stable than this after a sigmoid.
 *
 * <p>Shapes: input and target alike (target converted to the input's dtype); weight broadcasts
 * to the input's shape; output {@code []}, or the input's shape for NONE.
 *
 * <pre>{@code
 * Tensor l = new BCELoss().forward(probabilities, labels.to(DType.F32));
 * }</pre>
 *
 * @param weight per-element weights, or null
 * @param reduction NONE, MEAN (default) or SUM
 */
public record BCELoss(Tensor weight, Reduction reduction) implements Loss {

  public BCELoss {
    Objects.requireNonNull(reduction, "BCELoss: reduction is null");
    Checks.argument(reduction != Reduction.BATCHMEAN,
        "BCELoss: reduction BATCHMEAN applies to KLDivLoss only; use NONE, MEAN or SUM");
  }

  /** No weight, MEAN. */
  public BCELoss() {
    this(null, Reduction.MEAN);
  }

  public BCELoss withWeight(Tensor weight) {
    return new BCELoss(weight, reduction);
  }

  public BCELoss withReduction(Reduction reduction) {
    return new BCELoss(weight, reduction);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return Losses.binaryCrossEntropy(input, target, weight, reduction);
  }
}
