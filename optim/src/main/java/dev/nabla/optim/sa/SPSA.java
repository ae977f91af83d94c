package dev.nabla.optim.sa;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.List;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Simultaneous perturbation stochastic approximation (Spall, IEEE TAC 1992): minimises a loss
 * known only through noisy values with two evaluations per step, whatever the number of
 * parameters. Each step draws Δ with independent Rademacher (±1) entries from an explicit
 * generator, observes y<sup>±</sup> = L(θ ± c<sub>n</sub>Δ), estimates
 * ĝ<sub>i</sub> = (y<sup>+</sup> − y<sup>−</sup>)/(2c<sub>n</sub>Δ<sub>i</sub>) and sets
 * θ ← θ − a<sub>n</sub>ĝ, with a<sub>n</sub> = a/(n + A)<sup>α</sup> and c<sub>n</sub> = c/n<sup>γ</sup>.
 * Spall's practical defaults are α = 0.602, γ = 0.101 and A ≈ 10% of the planned steps
 * ({@link #withSpallGains}); α = 1, γ = 1/6 give the asymptotically optimal rate: mean squared
 * error ∝ n<sup>−(α−2γ)</sup> = n<sup>−2/3</sup>.
 *
 * <p>API: the parameters are tensors updated in place (a model's weights, say), and
 * {@link #step(Supplier)} takes a supplier that computes the loss from their current values;
 * it is called twice per step with autograd off, so it needs no graph. Use F64 parameters when
 * c<sub>n</sub> gets small: the perturbation is added in the parameter's dtype.
 *
 * <pre>{@code
 * Tensor theta = Tensor.zeros(DType.F64, 10);
 * SPSA spsa = SPSA.withSpallGains(List.of(theta), 0.1, 100, 0.1, new Rng(0));
 * for (int i = 0; i < 1000; i++) spsa.step(() -> noisyLoss(theta));
 * }</pre>
 */
public final class SPSA {
  /** Spall's recommended gain exponent α. */
  public static final double SPALL_ALPHA = 0.602;
  /** Spall's recommended perturbation exponent γ. */
  public static final double SPALL_GAMMA = 0.101;

  private final List<Tensor> params;
  private final GainSequence a;
  private final GainSequence c;
  private final RandomGenerator rng;
  private int iteration;

  /**
   * @param params the parameters to minimise over (updated in place)
   * @param a the step gains a<sub>n</sub>
   * @param c the perturbation sizes c<sub>n</sub>
   * @param rng the source of the ±1 directions
   */
  public SPSA(List<Tensor> params, GainSequence a, GainSequence c, RandomGenerator rng) {
    this.params = Perturbations.checkParams("SPSA", params);
    Checks.argument(a != null && c != null, "SPSA: gain sequences must not be null");
    Checks.argument(rng != null, "SPSA: rng must not be null");
    this.a = a;
    this.c = c;
    this.rng = rng;
  }

  /**
   * SPSA with Spall's exponents: a<sub>n</sub> = a/(n + stability)<sup>0.602</sup>,
   * c<sub>n</sub> = c/n<sup>0.101</sup>.
   *
   * @param stability Spall's A (≥ 0), about 10% of the planned number of steps
   * @param c about the standard deviation of the loss noise
   */
  public static SPSA withSpallGains(List<Tensor> params, double a, double stability, double c, RandomGenerator rng) {
    Checks.argument(stability >= 0, "SPSA: stability constant A must be >= 0, got %s", stability);
    return new SPSA(params, GainSequence.power(a, stability, SPALL_ALPHA), GainSequence.power(c, 0, SPALL_GAMMA), rng);
  }

  /**
   * One step: two evaluations of {@code loss} at θ ± c<sub>n</sub>Δ, then the update.
   *
   * @return (y<sup>+</sup> + y<sup>−</sup>)/2, an estimate of the loss near θ
   */
  public double step(Supplier<Tensor> loss) {
    Checks.argument(loss != null, "SPSA: loss must not be null");
    iteration++;
    double an = a.at(iteration);
    double cn = c.at(iteration);
    Tensor[] deltas = new Tensor[params.size()];
    Tensor[] saved = new Tensor[params.size()];
    try (var off = GradMode.disabled()) {
      for (int k = 0; k < params.size(); k++) {
        Tensor p = params.get(k);
        double[] d = new double[p.numel()];
        for (int i = 0; i < d.length; i++) {
          d[i] = rng.nextBoolean() ? 1.0 : -1.0;
        }
        deltas[k] = Perturbations.shaped(d, p);
        saved[k] = p.copy();
        p.addInPlace(deltas[k], cn);
      }
      double yPlus = Perturbations.evaluate("SPSA", loss);
      for (int k = 0; k < params.size(); k++) {
        params.get(k).copyFrom(saved[k]).addInPlace(deltas[k], -cn);
      }
      double yMinus = Perturbations.evaluate("SPSA", loss);
      // ĝ_i = (y+ − y−)/(2c·Δ_i) and 1/Δ_i = Δ_i for ±1 entries
      double scale = (yPlus - yMinus) / (2 * cn);
      for (int k = 0; k < params.size(); k++) {
        params.get(k).copyFrom(saved[k]).addInPlace(deltas[k], -an * scale);
      }
      return (yPlus + yMinus) / 2;
    }
  }

  /** The number of steps taken. */
  public int iteration() {
    return iteration;
  }
}
