package dev.nabla.optim.sa;

import dev.nabla.core.Checks;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.function.DoubleUnaryOperator;
import java.util.function.UnaryOperator;

/**
 * The Robbins–Monro root finder (Ann. Math. Stat. 1951): finds w with E[Y(w)] = g(w) = 0 from
 * noisy observations Y only, by w<sub>n+1</sub> = w<sub>n</sub> − a<sub>n</sub>·Y(w<sub>n</sub>).
 * g must point away from the root (g(w) &gt; 0 above it, as a gradient does: SGD is this
 * recursion with Y = a stochastic gradient); negate a decreasing g.
 *
 * <p>With a<sub>n</sub> = a/n and a·g'(w*) &gt; 1/2 the error is asymptotically normal with
 * variance a²σ²/((2a·g'(w*) − 1)·n): root-mean-square error ∝ n<sup>−1/2</sup>. {@link OfTensor}
 * runs the same recursion on a tensor w (a vector field g).
 *
 * <pre>{@code
 * var rm = new RobbinsMonro(0.0, GainSequence.robbinsMonro(1.0, 0.0, 1.0));
 * for (int i = 0; i < 10_000; i++) rm.step(w -> Math.tanh(w - 2) + 0.5 * rng.nextGaussian());
 * rm.value();   // ≈ 2
 * }</pre>
 */
public final class RobbinsMonro {
  private final GainSequence gain;
  private double value;
  private int iteration;

  /** Starts at {@code w0} with gains {@code gain}. */
  public RobbinsMonro(double w0, GainSequence gain) {
    Checks.argument(gain != null, "RobbinsMonro: gain must not be null");
    Checks.argument(Double.isFinite(w0), "RobbinsMonro: w0 must be finite, got %s", w0);
    this.gain = gain;
    this.value = w0;
  }

  /** Observes Y at the current w, updates w and returns it. */
  public double step(DoubleUnaryOperator noisyG) {
    Checks.argument(noisyG != null, "RobbinsMonro: observation function must not be null");
    return update(noisyG.applyAsDouble(value));
  }

  /** Updates w with an observation {@code y} made at the current {@link #value()}. */
  public double update(double y) {
    iteration++;
    value -= gain.at(iteration) * y;
    return value;
  }

  /** The current iterate. */
  public double value() {
    return value;
  }

  /** The number of updates so far. */
  public int iteration() {
    return iteration;
  }

  /** Robbins–Monro on a tensor iterate: w ← w − a<sub>n</sub>·Y(w), Y of w's shape. */
  public static final class OfTensor {
    private final GainSequence gain;
    private Tensor value;
    private int iteration;

    /** Starts at {@code w0} (detached; not modified) with gains {@code gain}. */
    public OfTensor(Tensor w0, GainSequence gain) {
      Checks.argument(w0 != null, "RobbinsMonro: w0 must not be null");
      Checks.argument(gain != null, "RobbinsMonro: gain must not be null");
      Checks.argument(w0.dtype().isFloatingPoint(), "RobbinsMonro: expected a floating-point w0, got %s", w0.dtype());
      this.gain = gain;
      this.value = w0.detach();
    }

    /** Observes Y at the current w, updates w and returns it. */
    public Tensor step(UnaryOperator<Tensor> noisyG) {
      Checks.argument(noisyG != null, "RobbinsMonro: observation function must not be null");
      Tensor y;
      try (var off = GradMode.disabled()) {
        y = noisyG.apply(value);
      }
      return update(y);
    }

    /** Updates w with an observation {@code y} made at the current {@link #value()}. */
    public Tensor update(Tensor y) {
      Checks.argument(y != null, "RobbinsMonro: observation must not be null");
      Checks.argument(y.shape().equals(value.shape()),
          "RobbinsMonro: observation of shape %s does not match w's shape %s", y.shape(), value.shape());
      iteration++;
      try (var off = GradMode.disabled()) {
        value = value.sub(y.detach().mul(gain.at(iteration)));
      }
      return value;
    }

    /** The current iterate. */
    public Tensor value() {
      return value;
    }

    /** The number of updates so far. */
    public int iteration() {
      return iteration;
    }
  }
}
