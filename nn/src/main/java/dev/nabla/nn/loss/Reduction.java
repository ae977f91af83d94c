package dev.nabla.nn.loss;

/** How a loss reduces its per-element values, as PyTorch's {@code reduction} argument. */
public enum Reduction {
  /** No reduction: one value per element (per target for the class losses). */
  NONE,
  /** The mean; for class losses with weights, Σ wᵢlᵢ / Σ wᵢ over the targets not ignored. */
  MEAN,
  /** The sum. */
  SUM,
  /** The sum divided by the batch size (dimension 0): the mathematical KL divergence. KL only. */
  BATCHMEAN
}
