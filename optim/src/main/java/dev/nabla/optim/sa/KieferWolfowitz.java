package dev.nabla.optim.sa;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.List;
import java.util.function.Supplier;

/**
 * The Kiefer–Wolfowitz procedure (Ann. Math. Stat. 1952): minimises a function known only
 * through noisy values, by central finite differences along every coordinate,
 * ĝ<sub>i</sub> = (y(θ + c<sub>n</sub>e<sub>i</sub>) − y(θ − c<sub>n</sub>e<sub>i</sub>))/(2c<sub>n</sub>),
 * then θ ← θ − a<sub>n</sub>ĝ. That costs 2p evaluations per step for p parameters (compare
 * {@link SPSA}: 2). The usual gains are a<sub>n</sub> = a/n and c<sub>n</sub> = c/n<sup>γ</sup>.
 *
 * <p>Rate: the noise in ĝ has variance ∝ 1/c<sub>n</sub>², so with a/n and c/n<sup>γ</sup> the
 * mean squared error falls like n<sup>−(1−2γ)</sup> (when 2a·λ<sub>min</sub> &gt; 1 − 2γ for the
 * Hessian's smallest eigenvalue), plus a squared bias O(c<sub>n</sub><sup>4</sup>) from third
 * derivatives; γ = 1/6 balances the two (n<sup>−2/3</sup>).
 *
 * <p>The parameters are updated in place; {@code loss} reads them (a model's weights, say) and
 * is evaluated with autograd off. The perturbation actually stored (after rounding to the
 * parameter's dtype) is what divides the difference, so F32 parameters work, F64 are exact.
 *
 * <pre>{@code
 * Tensor theta = Tensor.zeros(DType.F64, 3);
 * var kw = new KieferWolfowitz(List.of(theta), GainSequence.harmonic(), GainSequence.power(0.5, 0, 0.25));
 * for (int i = 0; i < 1000; i++) kw.step(() -> noisyLoss(theta));
 * }</pre>
 */
public final class KieferWolfowitz {
  private final List<Tensor> params;
  private final GainSequence a;
  private final GainSequence c;
  private int iteration;

  /**
   * @param params the parameters to minimise over (updated in place)
   * @param a the step gains a<sub>n</sub>
   * @param c the finite-difference half-widths c<sub>n</sub>
   */
  public KieferWolfowitz(List<Tensor> params, GainSequence a, GainSequence c) {
    this.params = Perturbations.checkParams("KieferWolfowitz", params);
    Checks.argument(a != null && c != null, "KieferWolfowitz: gain sequences must not be null");
    this.a = a;
    this.c = c;
  }

  /**
   * One step: 2 evaluations of {@code loss} per parameter element, then the update.
   *
   * @return the mean of the loss values observed in this step
   */
  public double step(Supplier<Tensor> loss) {
    Checks.argument(loss != null, "KieferWolfowitz: loss must not be null");
    iteration++;
    double an = a.at(iteration);
    double cn = c.at(iteration);
    double sum = 0;
    int evaluations = 0;
    try (var off = GradMode.disabled()) {
      double[][] gradients = new double[params.size()][];
      for (int k = 0; k < params.size(); k++) {
        Tensor p = params.get(k);
        int[] shape = p.shape().toArray();
        int[] index = new int[shape.length];
        double[] g = new double[p.numel()];
        for (int i = 0; i < g.length; i++) {
          unravel(i, shape, index);
          double original = p.getDouble(index);
          p.set(original + cn, index);
          double up = p.getDouble(index);
          double yUp = Perturbations.evaluate("KieferWolfowitz", loss);
          p.set(original - cn, index);
          double down = p.getDouble(index);
          double yDown = Perturbations.evaluate("KieferWolfowitz", loss);
          p.set(original, index);
          Checks.state(up > down, "KieferWolfowitz: c_n = %s vanishes at %s in %s", cn, original, p.dtype());
          g[i] = (yUp - yDown) / (up - down);
          sum += yUp + yDown;
          evaluations += 2;
        }
        gradients[k] = g;
      }
      for (int k = 0; k < params.size(); k++) {
        Tensor p = params.get(k);
        p.addInPlace(Perturbations.shaped(gradients[k], p), -an);
      }
    }
    return sum / evaluations;
  }

  /** The number of steps taken. */
  public int iteration() {
    return iteration;
  }

  private static void unravel(int flat, int[] shape, int[] index) {
    for (int d = shape.length - 1; d >= 0; d--) {
      index[d] = flat % shape[d];
      flat /= shape[d];
    }
  }
}
