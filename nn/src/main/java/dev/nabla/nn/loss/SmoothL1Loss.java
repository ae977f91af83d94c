package dev.nabla.nn.loss;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import java.util.Objects;

/**
 * Smooth L1, as {@code torch.nn.SmoothL1Loss} (Girshick, "Fast R-CNN", arXiv:1504.08083): with
 * zᵢ = |xᵢ − yᵢ|, lᵢ = 0.5·zᵢ²/β where zᵢ &lt; β, else zᵢ − 0.5·β. Quadratic near 0, linear
 * (slope 1) beyond β; β = 0 is {@link L1Loss}. {@link HuberLoss} with δ = β is β times this.
 *
 * <p>Shapes: input and target alike; output {@code []}, or the input's shape for NONE.
 *
 * <pre>{@code
 * Tensor l = new SmoothL1Loss(Reduction.MEAN, 1.0 / 9).forward(boxes, targetBoxes);
 * }</pre>
 *
 * @param reduction NONE, MEAN (default) or SUM
 * @param beta β ≥ 0 (default 1)
 */
public record SmoothL1Loss(Reduction reduction, double beta) implements Loss {

  public SmoothL1Loss {
    Objects.requireNonNull(reduction, "SmoothL1Loss: reduction is null");
    Checks.argument(reduction != Reduction.BATCHMEAN,
        "SmoothL1Loss: reduction BATCHMEAN applies to KLDivLoss only; use NONE, MEAN or SUM");
    Checks.argument(beta >= 0 && Double.isFinite(beta),
        "SmoothL1Loss: beta must be a finite number >= 0, got %s", beta);
  }

  /** MEAN, β = 1. */
  public SmoothL1Loss() {
    this(Reduction.MEAN, 1.0);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return Losses.smoothL1Loss(input, target, reduction, beta);
  }
}
