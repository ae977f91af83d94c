package dev.nabla.nn.loss;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import java.util.Objects;

/**
 * Huber loss, as {@code torch.nn.HuberLoss} (Huber 1964): with zᵢ = |xᵢ − yᵢ|, lᵢ = 0.5·zᵢ²
 * where zᵢ &lt; δ, else δ·(zᵢ − 0.5·δ). Quadratic near 0, linear (slope δ) beyond δ.
 *
 * <p>Shapes: input and target alike; output {@code []}, or the input's shape for NONE.
 *
 * <pre>{@code
 * Tensor l = new HuberLoss(Reduction.MEAN, 2.0).forward(q, targetQ);
 * }</pre>
 *
 * @param reduction NONE, MEAN (default) or SUM
 * @param delta δ &gt; 0 (default 1)
 */
public record HuberLoss(Reduction reduction, double delta) implements Loss {

  public HuberLoss {
    Objects.requireNonNull(reduction, "HuberLoss: reduction is null");
    Checks.argument(reduction != Reduction.BATCHMEAN,
        "HuberLoss: reduction BATCHMEAN applies to KLDivLoss only; use NONE, MEAN or SUM");
    Checks.argument(delta > 0 && Double.isFinite(delta),
        "HuberLoss: delta must be a finite number > 0, got %s", delta);
  }

  /** MEAN, δ = 1. */
  public HuberLoss() {
    this(Reduction.MEAN, 1.0);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return Losses.huberLoss(input, target, reduction, delta);
  }
}
