package dev.nabla.nn.loss;

import dev.nabla.core.Tensor;
import java.util.Objects;

/**
 * Kullback–Leibler divergence, as {@code torch.nn.KLDivLoss}: the input is log q (e.g. from
 * {@code logSoftmax}), the target p as probabilities, lᵢ = pᵢ·(log pᵢ − log qᵢ) (0 where
 * pᵢ = 0), or as log-probabilities with {@code logTarget}, lᵢ = e^{log pᵢ}·(log pᵢ − log qᵢ).
 * BATCHMEAN (Σ lᵢ / N, N = size of dimension 0) is KL(p ‖ q) averaged over the batch; MEAN,
 * torch's default, divides by every element instead.
 *
 * <p>Shapes: input and target alike; output {@code []}, or the input's shape for NONE.
 *
 * <pre>{@code
 * var kd = new KLDivLoss(Reduction.BATCHMEAN, false);    // distillation
 * Tensor l = kd.forward(student.div(T).logSoftmax(1), teacher.div(T).softmax(1));
 * }</pre>
 *
 * @param reduction NONE, MEAN (default), SUM or BATCHMEAN
 * @param logTarget whether the target holds log-probabilities (default false)
 */
public record KLDivLoss(Reduction reduction, boolean logTarget) implements Loss {

  public KLDivLoss {
    Objects.requireNonNull(reduction, "KLDivLoss: reduction is null");
  }

  /** MEAN over elements, probability targets (torch's defaults). */
  public KLDivLoss() {
    this(Reduction.MEAN, false);
  }

  @Override
  public Tensor forward(Tensor input, Tensor target) {
    return Losses.klDiv(input, target, reduction, logTarget);
  }
}
