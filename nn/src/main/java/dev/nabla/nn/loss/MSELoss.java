package dev.nabla.nn.loss;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import java.util.Objects;

/**
 * Mean squared error, as {@code torch.nn.MSELoss}: lᵢ = (xᵢ − yᵢ)².
 *
 * <p>Shapes: input and target alike (any shape; no broadcasting); output {@code []}, or the
 * input's shape for NONE.
 *
 * <pre>{@code
 * Tensor l = new MSELoss().forward(prediction, target);
 * }</pre>
 *
 * @param reduction NONE, MEAN (default) or SUM
 */
public record MSELoss(Reduction reduction) implements Loss {

  public MSELoss {
    Objects.requireNonNull(reduction, "MSELoss: reduction is null");
    Checks.argument(reduction != Reduction.BATCHMEAN,
        "MSELoss: reduction BATCHMEAN applies to KLDivLoss only; use NONE, MEAN or SUM");
  }

  /** MEAN. */
  public MSELoss() {
    this(Reduction.MEAN);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return Losses.mseLoss(input, target, reduction);
  }
}
