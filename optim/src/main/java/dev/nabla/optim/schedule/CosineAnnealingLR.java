package dev.nabla.optim.schedule;

import dev.nabla.core.Checks;

/**
 * Cosine annealing from the base learning rate down to {@code etaMin} over {@code tMax} steps:
 * lr = etaMin + (baseLr − etaMin)·(1 + cos(π·step/tMax))/2. Past {@code tMax} the cosine
 * climbs back up, period 2·tMax, exactly as PyTorch's chainable {@code CosineAnnealingLR}
 * does when it alone sets the learning rate. SGDR, arXiv:1608.03983 (without restarts; see
 * {@link CosineAnnealingWarmRestarts}).
 *
 * <pre>{@code
 * new CosineAnnealingLR(100, 0.0).lr(50, 0.1);   // 0.05
 * }</pre>
 *
 * @param tMax steps from the base learning rate to {@code etaMin} (≥ 1)
 * @param etaMin the lowest learning rate (≥ 0)
 */
public record CosineAnnealingLR(int tMax, double etaMin) implements LrSchedule {

  public CosineAnnealingLR {
    Checks.argument(tMax > 0, "CosineAnnealingLR: tMax must be > 0, got %s", tMax);
    Checks.argument(etaMin >= 0 && Double.isFinite(etaMin), "CosineAnnealingLR: etaMin must be >= 0 and finite, got %s", etaMin);
  }

  /** Anneals to 0 (PyTorch's default {@code eta_min}). */
  public CosineAnnealingLR(int tMax) {
    this(tMax, 0.0);
  }

  @Override
  public double lr(int step, double baseLr) {
    Steps.check("CosineAnnealingLR", step);
    return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * step / tMax)) / 2;
  }
}
