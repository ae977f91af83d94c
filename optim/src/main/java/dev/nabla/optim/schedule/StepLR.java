package dev.nabla.optim.schedule;

import dev.nabla.core.Checks;

/**
 * Multiplies the learning rate by {@code gamma} every {@code stepSize} steps:
 * lr = baseLr · gamma<sup>⌊step / stepSize⌋</sup>. PyTorch's {@code StepLR}.
 *
 * <pre>{@code
 * new StepLR(30, 0.1).lr(65, 0.05);   // 0.05 · 0.1² = 5e-4
 * }</pre>
 *
 * @param stepSize steps between two decays (≥ 1)
 * @param gamma the multiplicative decay (> 0)
 */
public record StepLR(int stepSize, double gamma) implements LrSchedule {

  public StepLR {
    Checks.argument(stepSize > 0, "StepLR: stepSize must be > 0, got %s", stepSize);
    Checks.argument(gamma > 0 && Double.isFinite(gamma), "StepLR: gamma must be > 0 and finite, got %s", gamma);
  }

  /** Decays by PyTorch's default {@code gamma = 0.1}. */
  public StepLR(int stepSize) {
    this(stepSize, 0.1);
  }

  @Override
  public double lr(int step, double baseLr) {
    Steps.check("StepLR", step);
    return baseLr * Math.pow(gamma, step / stepSize);
  }
}
