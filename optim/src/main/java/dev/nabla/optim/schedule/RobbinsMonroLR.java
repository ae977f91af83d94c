package dev.nabla.optim.schedule;

import dev.nabla.core.Checks;

/**
 * The Robbins–Monro gain a<sub>n</sub> = a/(n + b)<sup>α</sup> as a learning-rate schedule:
 * step {@code t} is the (t+1)-th update, n = t + 1, and a = baseLr·(1 + b)<sup>α</sup>, so the
 * group's learning rate is the first gain: lr = baseLr·((1 + b)/(step + 1 + b))<sup>α</sup>.
 *
 * <p>Theory (Robbins &amp; Monro 1951): Σa<sub>n</sub> = ∞ lets the iterates travel any
 * distance to the root, while Σa<sub>n</sub>² &lt; ∞ keeps the accumulated gradient noise finite,
 * so SGD converges almost surely; a/(n + b)<sup>α</sup> meets both exactly when α ∈ (1/2, 1].
 *
 * <pre>{@code
 * new RobbinsMonroLR(1.0, 0.0).lr(9, 0.5);   // 0.05 = 0.5 / 10
 * }</pre>
 *
 * @param alpha the decay exponent, in (1/2, 1]
 * @param b the offset (> −1); a larger b keeps the gain near baseLr for longer
 * @see dev.nabla.optim.sa.GainSequence#robbinsMonro
 */
public record RobbinsMonroLR(double alpha, double b) implements LrSchedule {

  public RobbinsMonroLR {
    Checks.argument(alpha > 0.5 && alpha <= 1,
        "RobbinsMonroLR: alpha must be in (1/2, 1] so that sum a_n = inf and sum a_n^2 < inf, got %s", alpha);
    Checks.argument(b > -1 && Double.isFinite(b), "RobbinsMonroLR: b must be > -1 and finite, got %s", b);
  }

  /** a<sub>n</sub> = baseLr / n<sup>α</sup>. */
  public RobbinsMonroLR(double alpha) {
    this(alpha, 0.0);
  }

  @Override
  public double lr(int step, double baseLr) {
    Steps.check("RobbinsMonroLR", step);
    return baseLr * Math.pow((1 + b) / (step + 1 + b), alpha);
  }
}
