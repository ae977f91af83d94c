package dev.nabla.optim.schedule;

import dev.nabla.core.Checks;

/**
 * Cosine annealing with warm restarts (SGDR, arXiv:1608.03983): within a cycle of length
 * T<sub>i</sub>, lr = etaMin + (baseLr − etaMin)·(1 + cos(π·T<sub>cur</sub>/T<sub>i</sub>))/2;
 * then the learning rate jumps back to baseLr and the next cycle is {@code tMult} times longer
 * (T<sub>0</sub> = {@code t0}, T<sub>i+1</sub> = tMult·T<sub>i</sub>). PyTorch's
 * {@code CosineAnnealingWarmRestarts} stepped once per step.
 *
 * <pre>{@code
 * var s = new CosineAnnealingWarmRestarts(10, 2, 0.0);   // cycles of 10, 20, 40, … steps
 * s.lr(10, 0.1);                                          // 0.1: the first restart
 * }</pre>
 *
 * @param t0 the length of the first cycle in steps (≥ 1)
 * @param tMult the growth factor of the cycle length (≥ 1)
 * @param etaMin the lowest learning rate (≥ 0)
 */
public record CosineAnnealingWarmRestarts(int t0, int tMult, double etaMin) implements LrSchedule {

  public CosineAnnealingWarmRestarts {
    Checks.argument(t0 > 0, "CosineAnnealingWarmRestarts: t0 must be > 0, got %s", t0);
    Checks.argument(tMult >= 1, "CosineAnnealingWarmRestarts: tMult must be >= 1, got %s", tMult);
    Checks.argument(etaMin >= 0 && Double.isFinite(etaMin),
        "CosineAnnealingWarmRestarts: etaMin must be >= 0 and finite, got %s", etaMin);
  }

  /** Cycles of constant length {@code t0} down to 0 (PyTorch's defaults). */
  public CosineAnnealingWarmRestarts(int t0) {
    this(t0, 1, 0.0);
  }

  @Override
  public double lr(int step, double baseLr) {
    Steps.check("CosineAnnealingWarmRestarts", step);
    long cycle = t0;
    long tCur = step;
    if (tMult == 1) {
      tCur = step % t0;
    } else {
      while (tCur >= cycle) { // O(log step) cycles
        tCur -= cycle;
        cycle *= tMult;
      }
    }
    return etaMin + (baseLr - etaMin) * (1 + Math.cos(Math.PI * tCur / cycle)) / 2;
  }
}
