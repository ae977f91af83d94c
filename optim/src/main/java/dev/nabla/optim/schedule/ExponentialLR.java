package dev.nabla.optim.schedule;

import dev.nabla.core.Checks;

/**
 * Multiplies the learning rate by {@code gamma} every step: lr = baseLr · gamma<sup>step</sup>.
 * PyTorch's {@code ExponentialLR}.
 *
 * <pre>{@code
 * new ExponentialLR(0.9).lr(2, 1.0);   // 0.81
 * }</pre>
 *
 * @param gamma the multiplicative decay per step (> 0)
 */
public record ExponentialLR(double gamma) implements LrSchedule {

  public ExponentialLR {
    Checks.argument(gamma > 0 && Double.isFinite(gamma), "ExponentialLR: gamma must be > 0 and finite, got %s", gamma);
  }

  @Override
  public double lr(int step, double baseLr) {
    Steps.check("ExponentialLR", step);
    return baseLr * Math.pow(gamma, step);
  }
}
