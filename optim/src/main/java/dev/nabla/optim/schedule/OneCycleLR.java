package dev.nabla.optim.schedule;

import dev.nabla.core.Checks;

/**
 * The 1cycle policy (Smith &amp; Topin, arXiv:1708.07120), PyTorch's {@code OneCycleLR}: the
 * learning rate rises from baseLr/divFactor to baseLr over the first {@code pctStart} of
 * {@code totalSteps}, then anneals to baseLr/(divFactor·finalDivFactor). With
 * {@code threePhase} it instead falls back to baseLr/divFactor symmetrically and a third phase
 * anneals to the minimum. The group's base learning rate plays PyTorch's {@code max_lr}.
 *
 * <p>Momentum cycling ({@code cycle_momentum} in PyTorch) is not implemented: this schedule
 * only sets learning rates and leaves momentum/betas as the optimizer has them.
 *
 * <pre>{@code
 * LrSchedule s = OneCycleLR.of(1000).pctStart(0.25).anneal(OneCycleLR.Anneal.LINEAR);
 * s.lr(0, 0.1);     // 0.004 = 0.1 / 25
 * s.lr(249, 0.1);   // 0.1, the peak
 * }</pre>
 *
 * @param totalSteps steps in the cycle; {@code lr} accepts steps 0 … totalSteps, like PyTorch
 * @param pctStart the fraction of the cycle spent increasing the learning rate
 * @param anneal cosine or linear interpolation within a phase
 * @param divFactor initial lr = baseLr / divFactor
 * @param finalDivFactor minimum lr = initial lr / finalDivFactor
 * @param threePhase the original paper's three phases instead of fastai's two
 */
public record OneCycleLR(int totalSteps, double pctStart, Anneal anneal, double divFactor,
    double finalDivFactor, boolean threePhase) implements LrSchedule {

  /** How the learning rate moves between a phase's end points. */
  public enum Anneal {
    /** end + (start − end)·(1 + cos(π·pct))/2. */
    COS,
    /** start + (end − start)·pct. */
    LINEAR
  }

  public OneCycleLR {
    Checks.argument(totalSteps > 0, "OneCycleLR: totalSteps must be > 0, got %s", totalSteps);
    Checks.argument(pctStart >= 0 && pctStart <= 1, "OneCycleLR: pctStart must be in [0, 1], got %s", pctStart);
    Checks.argument(anneal != null, "OneCycleLR: anneal must not be null");
    Checks.argument(divFactor > 0 && Double.isFinite(divFactor), "OneCycleLR: divFactor must be > 0, got %s", divFactor);
    Checks.argument(finalDivFactor > 0 && Double.isFinite(finalDivFactor),
        "OneCycleLR: finalDivFactor must be > 0, got %s", finalDivFactor);
    // Every phase must last a positive number of steps, or its interpolation divides by zero.
    double[] ends = phaseEnds(totalSteps, pctStart, threePhase);
    Checks.argument(ends[0] > 0, "OneCycleLR: the rising phase pctStart·totalSteps = %s must be > 1 step",
        pctStart * totalSteps);
    for (int i = 1; i < ends.length; i++) {
      Checks.argument(ends[i] > ends[i - 1],
          "OneCycleLR: phase %s is empty (pctStart = %s too large for totalSteps = %s%s)", i + 1,
          pctStart, totalSteps, threePhase ? ", three phases" : "");
    }
  }

  /** PyTorch's defaults: pctStart 0.3, cosine, divFactor 25, finalDivFactor 1e4, two phases. */
  public static OneCycleLR of(int totalSteps) {
    return new OneCycleLR(totalSteps, 0.3, Anneal.COS, 25, 1e4, false);
  }

  /** This schedule with another {@code pctStart}. */
  public OneCycleLR pctStart(double pctStart) {
    return new OneCycleLR(totalSteps, pctStart, anneal, divFactor, finalDivFactor, threePhase);
  }

  /** This schedule with another annealing strategy. */
  public OneCycleLR anneal(Anneal anneal) {
    return new OneCycleLR(totalSteps, pctStart, anneal, divFactor, finalDivFactor, threePhase);
  }

  /** This schedule with another {@code divFactor}. */
  public OneCycleLR divFactor(double divFactor) {
    return new OneCycleLR(totalSteps, pctStart, anneal, divFactor, finalDivFactor, threePhase);
  }

  /** This schedule with another {@code finalDivFactor}. */
  public OneCycleLR finalDivFactor(double finalDivFactor) {
    return new OneCycleLR(totalSteps, pctStart, anneal, divFactor, finalDivFactor, threePhase);
  }

  /** This schedule with or without the third phase. */
  public OneCycleLR threePhase(boolean threePhase) {
    return new OneCycleLR(totalSteps, pctStart, anneal, divFactor, finalDivFactor, threePhase);
  }

  // The last step of each phase, as PyTorch computes them (floats: pctStart·totalSteps need not be whole).
  private static double[] phaseEnds(int totalSteps, double pctStart, boolean threePhase) {
    double rise = pctStart * totalSteps - 1;
    return threePhase
        ? new double[] {rise, 2 * pctStart * totalSteps - 2, totalSteps - 1}
        : new double[] {rise, totalSteps - 1};
  }

  @Override
  public double lr(int step, double baseLr) {
    Steps.check("OneCycleLR", step);
    Checks.argument(step <= totalSteps, "OneCycleLR: tried to step %s times, but totalSteps is %s",
        step + 1, totalSteps);
    double initial = baseLr / divFactor;
    double min = initial / finalDivFactor;
    double[] ends = phaseEnds(totalSteps, pctStart, threePhase);
    double[] from = threePhase ? new double[] {initial, baseLr, initial} : new double[] {initial, baseLr};
    double[] to = threePhase ? new double[] {baseLr, initial, min} : new double[] {baseLr, min};
    double start = 0;
    for (int i = 0; i < ends.length; i++) {
      if (step <= ends[i] || i == ends.length - 1) {
        double pct = (step - start) / (ends[i] - start);
        return interpolate(from[i], to[i], pct);
      }
      start = ends[i];
    }
    throw new AssertionError("unreachable");
  }

  private double interpolate(double from, double to, double pct) {
    return anneal == Anneal.COS
        ? to + (from - to) / 2.0 * (Math.cos(Math.PI * pct) + 1)
        : (to - from) * pct + from;
  }
}
