package dev.nabla.core.autograd;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import java.util.Arrays;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Checks analytic gradients against central finite differences in F64.
 *
 * <p>For a random projection v of the output, the analytic vector–Jacobian product vᵀJ from
 * {@code backward} is compared, element by element of every input, with
 * (⟨v, f(x + εeⱼ)⟩ − ⟨v, f(x − εeⱼ)⟩) / 2ε. An element passes when
 * |analytic − numeric| ≤ atol + rtol·|numeric|.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(new Rng(0), DType.F64, 3, 5).requiresGrad();
 * GradCheck.assertGradientsMatch(t -> t.softmax(-1), x);
 * }</pre>
 */
public final class GradCheck {
  private GradCheck() {}

  /** Tolerances and step: defaults eps 1e-6, atol 1e-5, rtol 1e-3. */
  public record Options(double eps, double atol, double rtol, long seed) {
    public static Options defaults() {
      return new Options(1e-6, 1e-5, 1e-3, 42);
    }

    public Options withTolerance(double atol, double rtol) {
      return new Options(eps, atol, rtol, seed);
    }
  }

  /** The outcome, with the worst element found (largest tolerance excess). */
  public record Result(boolean passed, int input, int[] index, double analytic, double numeric,
      int checked) {
    @Override
    public String toString() {
      if (input < 0) {
        return "GradCheck: passed (" + checked + " elements, no gradient inputs)";
      }
      return "GradCheck: " + (passed ? "passed" : "FAILED") + " over " + checked
          + " elements; worst at input " + input + " index " + Arrays.toString(index)
          + ": analytic " + analytic + ", numeric " + numeric + ", |diff| "
          + Math.abs(analytic - numeric);
    }
  }

  /** Checks a one-input function and throws {@link AssertionError} on mismatch. */
  public static void assertGradientsMatch(UnaryOperator<Tensor> f, Tensor x) {
    Function<Tensor[], Tensor> g = in -> f.apply(in[0]);
    assertGradientsMatch(g, new Tensor[] {x});
  }

  /** Checks a function of several inputs and throws {@link AssertionError} on mismatch. */
  public static void assertGradientsMatch(Function<Tensor[], Tensor> f, Tensor... inputs) {
    Result r = check(f, Options.defaults(), inputs);
    if (!r.passed()) {
      throw new AssertionError(r.toString());
    }
  }

  /** Runs the check with the given options. Inputs that require grad must be F64. */
  public static Result check(Function<Tensor[], Tensor> f, Options options, Tensor... inputs) {
    for (int i = 0; i < inputs.length; i++) {
      if (inputs[i].isRequiresGrad() && inputs[i].dtype() != DType.F64) {
        throw new IllegalArgumentException(
            "GradCheck: input " + i + " requires grad but is " + inputs[i].dtype()
                + "; finite differences need F64 inputs");
      }
      if (inputs[i].isRequiresGrad() && !inputs[i].isLeaf()) {
        throw new IllegalArgumentException("GradCheck: input " + i + " must be a leaf tensor");
      }
    }
    Tensor y0;
    try (var on = GradMode.enabled()) {
      for (Tensor t : inputs) {
        t.zeroGrad();
      }
      y0 = f.apply(inputs);
    }
    if (!y0.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("GradCheck: the function must return a float tensor");
    }
    Tensor v = Tensor.randn(new Rng(options.seed()), DType.F64, y0.shape().toArray());
    try (var on = GradMode.enabled()) {
      if (y0.isRequiresGrad()) {
        y0.to(DType.F64).mul(v).sum().backward();
      }
    }
    double worstExcess = Double.NEGATIVE_INFINITY;
    int worstInput = -1;
    int[] worstIndex = new int[0];
    double worstA = 0;
    double worstN = 0;
    int checked = 0;
    try (var off = GradMode.disabled()) {
      for (int i = 0; i < inputs.length; i++) {
        Tensor x = inputs[i];
        if (!x.isRequiresGrad()) {
          continue;
        }
        Tensor g = x.grad();
        int[] shape = x.shape().toArray();
        for (int j = 0; j < x.numel(); j++) {
          int[] idx = unravel(j, shape);
          double orig = x.getDouble(idx);
          x.set(orig + options.eps(), idx);
          double plus = project(f.apply(inputs), v);
          x.set(orig - options.eps(), idx);
          double minus = project(f.apply(inputs), v);
          x.set(orig, idx);
          double numeric = (plus - minus) / (2 * options.eps());
          double analytic = g == null ? 0.0 : g.getDouble(idx);
          double excess = Math.abs(analytic - numeric)
              - (options.atol() + options.rtol() * Math.abs(numeric));
          if (Double.isNaN(excess)) {
            excess = Double.POSITIVE_INFINITY;
          }
          checked++;
          if (excess > worstExcess) {
            worstExcess = excess;
            worstInput = i;
            worstIndex = idx;
            worstA = analytic;
            worstN = numeric;
          }
        }
      }
    }
    return new Result(worstExcess <= 0 || worstInput < 0, worstInput, worstIndex, worstA, worstN,
        checked);
  }

  private static double project(Tensor y, Tensor v) {
    return y.to(DType.F64).mul(v).sum().item();
  }

  private static int[] unravel(int flat, int[] shape) {
    int[] idx = new int[shape.length];
    for (int d = shape.length - 1; d >= 0; d--) {
      idx[d] = flat % shape[d];
      flat /= shape[d];
    }
    return idx;
  }
}
