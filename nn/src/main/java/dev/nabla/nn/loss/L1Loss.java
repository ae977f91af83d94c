package dev.nabla.nn.loss;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import java.util.Objects;

/**
 * Mean absolute error, as {@code torch.nn.L1Loss}: lᵢ = |xᵢ − yᵢ| (gradient 0 where xᵢ = yᵢ).
 *
 * <p>Shapes: input and target alike; output {@code []}, or the input's shape for NONE.
 *
 * <pre>{@code
 * Tensor l = new L1Loss(Reduction.SUM).forward(prediction, target);
 * }</pre>
 *
 * @param reduction NONE, MEAN (default) or SUM
 */
public record L1Loss(Reduction reduction) implements Loss {

  public L1Loss {
    Objects.requireNonNull(reduction, "L1Loss: reduction is null");
    Checks.argument(reduction != Reduction.BATCHMEAN,
        "L1Loss: reduction BATCHMEAN applies to KLDivLoss only; use NONE, MEAN or SUM");
  }

  /** MEAN. */
  public L1Loss() {
    this(Reduction.MEAN);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return Losses.l1Loss(input, target, reduction);
  }
}
