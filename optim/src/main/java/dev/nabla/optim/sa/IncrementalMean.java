package dev.nabla.optim.sa;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;

/**
 * The running mean as stochastic approximation: w<sub>k+1</sub> = w<sub>k</sub> −
 * a<sub>k</sub>(w<sub>k</sub> − x<sub>k</sub>), i.e. Robbins–Monro on g(w) = w − E[x]. With
 * a<sub>k</sub> = 1/k (the default) w is exactly the sample mean, whose error shrinks like
 * σ/√k; a constant gain gives an exponential moving average; applied to SGD's iterates it is
 * Polyak–Ruppert averaging. {@link OfTensor} does the same elementwise for tensors.
 *
 * <pre>{@code
 * var mean = new IncrementalMean();
 * for (double x : new double[] {1, 2, 6}) mean.update(x);
 * mean.value();   // 3.0
 * }</pre>
 */
public final class IncrementalMean {
  private final GainSequence gain;
  private double value;
  private int count;

  /** The sample mean (gain 1/k). */
  public IncrementalMean() {
    this(GainSequence.harmonic());
  }

  /** The general-gain average, starting from w<sub>1</sub> = 0. */
  public IncrementalMean(GainSequence gain) {
    Checks.argument(gain != null, "IncrementalMean: gain must not be null");
    this.gain = gain;
  }

  /** Folds in sample x<sub>k</sub> and returns the new estimate. */
  public double update(double x) {
    count++;
    value -= gain.at(count) * (value - x);
    return value;
  }

  /** The current estimate (0 before any sample). */
  public double value() {
    return value;
  }

  /** The number of samples folded in. */
  public int count() {
    return count;
  }

  /**
   * The same recursion on tensors, elementwise; the estimate takes the shape and dtype of the
   * first sample and is detached from any autograd graph.
   */
  public static final class OfTensor {
    private final GainSequence gain;
    private Tensor value;
    private int count;

    /** The elementwise sample mean (gain 1/k). */
    public OfTensor() {
      this(GainSequence.harmonic());
    }

    /** The general-gain average, starting from zeros. */
    public OfTensor(GainSequence gain) {
      Checks.argument(gain != null, "IncrementalMean: gain must not be null");
      this.gain = gain;
    }

    /** Folds in sample x<sub>k</sub> and returns the new estimate. */
    public Tensor update(Tensor x) {
      Checks.argument(x != null, "IncrementalMean: sample must not be null");
      Checks.argument(x.dtype().isFloatingPoint(), "IncrementalMean: expected a floating-point sample, got %s", x.dtype());
      try (var off = GradMode.disabled()) {
        if (value == null) {
          value = Tensor.zerosLike(x.detach());
        }
        Checks.argument(x.shape().equals(value.shape()),
            "IncrementalMean: sample shape %s does not match the estimate's shape %s", x.shape(), value.shape());
        count++;
        value = value.sub(value.sub(x.detach()).mul(gain.at(count)));
      }
      return value;
    }

    /** The current estimate; throws before the first sample (its shape is unknown). */
    public Tensor value() {
      Checks.state(value != null, "IncrementalMean: no sample yet");
      return value;
    }

    /** The number of samples folded in. */
    public int count() {
      return count;
    }
  }
}
