package dev.nabla.optim.sa;

import dev.nabla.core.Checks;

/**
 * A gain (step-size) sequence a<sub>n</sub>, n = 1, 2, … of a stochastic-approximation
 * recursion w<sub>n+1</sub> = w<sub>n</sub> − a<sub>n</sub>·Y<sub>n</sub>.
 *
 * <p>Robbins–Monro conditions: Σa<sub>n</sub> = ∞ (the iterates can still reach a root at any
 * distance) and Σa<sub>n</sub>² &lt; ∞ (the summed noise a<sub>n</sub>·ε<sub>n</sub> has finite
 * variance, so it settles); {@link #robbinsMonro} enforces them, {@link #power} does not
 * (perturbation sizes c<sub>n</sub> of {@link SPSA} and {@link KieferWolfowitz} need not meet them).
 *
 * <pre>{@code
 * GainSequence a = GainSequence.robbinsMonro(1.0, 0.0, 1.0);   // a_n = 1/n
 * a.at(4);                                                     // 0.25
 * }</pre>
 */
@FunctionalInterface
public interface GainSequence {

  /** The gain of the {@code n}-th update, n ≥ 1. */
  double at(int n);

  /** a<sub>n</sub> = 1/n: with it {@link IncrementalMean} is the exact sample mean. */
  static GainSequence harmonic() {
    return new Power(1.0, 0.0, 1.0);
  }

  /** a<sub>n</sub> = a (an exponential moving average in {@link IncrementalMean}; no convergence). */
  static GainSequence constant(double a) {
    Checks.argument(a > 0 && Double.isFinite(a), "GainSequence.constant: a must be > 0 and finite, got %s", a);
    return new Power(a, 0.0, 0.0);
  }

  /** a<sub>n</sub> = a/(n + offset)<sup>exponent</sup>, with a &gt; 0, offset &gt; −1, exponent ≥ 0. */
  static GainSequence power(double a, double offset, double exponent) {
    return new Power(a, offset, exponent);
  }

  /**
   * a<sub>n</sub> = a/(n + b)<sup>α</sup> with α ∈ (1/2, 1], the range where Σa<sub>n</sub> = ∞ and
   * Σa<sub>n</sub>² &lt; ∞ (Robbins &amp; Monro 1951).
   */
  static GainSequence robbinsMonro(double a, double b, double alpha) {
    Checks.argument(alpha > 0.5 && alpha <= 1,
        "GainSequence.robbinsMonro: alpha must be in (1/2, 1] so that sum a_n = inf and sum a_n^2 < inf, got %s",
        alpha);
    return new Power(a, b, alpha);
  }

  /** a/(n + offset)<sup>exponent</sup>. */
  record Power(double a, double offset, double exponent) implements GainSequence {
    public Power {
      Checks.argument(a > 0 && Double.isFinite(a), "GainSequence: a must be > 0 and finite, got %s", a);
      Checks.argument(offset > -1 && Double.isFinite(offset), "GainSequence: offset must be > -1 and finite, got %s", offset);
      Checks.argument(exponent >= 0 && Double.isFinite(exponent), "GainSequence: exponent must be >= 0, got %s", exponent);
    }

    @Override
    public double at(int n) {
      Checks.argument(n >= 1, "GainSequence: n starts at 1, got %s", n);
      return exponent == 1 ? a / (n + offset) : a / Math.pow(n + offset, exponent);
    }
  }
}
