package dev.nabla.optim;

import dev.nabla.core.Tensor;
import java.util.List;
import java.util.Set;

/**
 * Adagrad (Duchi, Hazan and Singer, JMLR 2011), exactly as PyTorch 1.13's
 * {@code torch.optim.Adagrad}:
 *
 * <pre>
 * t ← t + 1;  g ← ±∇θ (+ λθ if weightDecay λ ≠ 0);  γ̃ ← γ / (1 + (t − 1)·lrDecay)
 * s ← s + g²   (s starts at initialAccumulatorValue)
 * θ ← θ − γ̃ g / (√s + ε)
 * </pre>
 *
 * State: {@code sum} and a per-parameter step count (created at the parameter's first update;
 * PyTorch creates them in the constructor, with the same values).
 *
 * <pre>{@code
 * var opt = new Adagrad(model.parameters(), Adagrad.options().lr(0.05).initialAccumulatorValue(0.1));
 * }</pre>
 */
public final class Adagrad extends Optimizer {
  private static final Set<String> OPTIONS = Set.of("lr", "lrDecay", "weightDecay",
      "initialAccumulatorValue", "eps", "maximize");

  /** Defaults: lr 1e-2, lrDecay 0, weightDecay 0, initialAccumulatorValue 0, eps 1e-10. */
  public static Options options() {
    return new Options();
  }

  /** One group of parameters with these options. */
  public Adagrad(Iterable<? extends Tensor> params, Options options) {
    this(List.of(ParamGroup.of(params)), options);
  }

  /** Several parameter groups; a group's own options override {@code options}. */
  public Adagrad(List<ParamGroup> groups, Options options) {
    super(groups, options.values());
  }

  @Override
  protected void checkGroup(ParamGroup group, int index) {
    var c = new OptionChecks("Adagrad", group, index, OPTIONS);
    c.nonNegative("lr", "learning rate (lr)");
    c.nonNegative("lrDecay", "lrDecay");
    c.nonNegative("weightDecay", "weightDecay");
    c.nonNegative("initialAccumulatorValue", "initialAccumulatorValue");
    c.nonNegative("eps", "epsilon value (eps)");
    c.flag("maximize");
  }

  @Override
  public void step() {
    forEachParamWithGrad(Adagrad::update);
  }

  private static void update(ParamGroup group, ParamState state, Tensor param, Tensor grad) {
    double lr = group.lr();
    double lrDecay = group.get("lrDecay");
    double weightDecay = group.get("weightDecay");
    double eps = group.get("eps");
    double sign = group.flag("maximize") ? -1 : 1;
    long step = state.incrementStep();
    double clr = lr / (1 + (step - 1) * lrDecay);
    Tensor sum = state.buffer("sum", group.get("initialAccumulatorValue"));
    float clrF = (float) clr;
    float epsF = (float) eps;
    float weightDecayF = (float) weightDecay;
    float signF = (float) sign;
    updateElements(param, grad, new Tensor[] {sum}, (start, end, p, g, s) -> {
      float[] acc = s[0];
      for (int j = start; j < end; j++) {
        float gj = signF * g[j];
        if (weightDecay != 0) {
          gj += weightDecayF * p[j];
        }
        float sj = acc[j] + gj * gj;
        acc[j] = sj;
        p[j] -= clrF * (gj / ((float) Math.sqrt(sj) + epsF));
      }
    }, (start, end, p, g, s) -> {
      double[] acc = s[0];
      for (int j = start; j < end; j++) {
        double gj = sign * g[j];
        if (weightDecay != 0) {
          gj += weightDecay * p[j];
        }
        double sj = acc[j] + gj * gj;
        acc[j] = sj;
        p[j] -= clr * (gj / (Math.sqrt(sj) + eps));
      }
    });
  }

  /** Adagrad's typed options. */
  public static final class Options extends OptimizerOptions<Options> {
    private Options() {
      lr(1e-2).lrDecay(0).weightDecay(0).initialAccumulatorValue(0).eps(1e-10).maximize(false);
    }

    /** Learning-rate decay: step t uses lr / (1 + (t − 1)·lrDecay). */
    public Options lrDecay(double lrDecay) {
      return set("lrDecay", lrDecay);
    }

    /** Starting value of the accumulated squared gradients. */
    public Options initialAccumulatorValue(double value) {
      return set("initialAccumulatorValue", value);
    }

    /** Added to the denominator for numerical stability. */
    public Options eps(double eps) {
      return set("eps", eps);
    }
  }
}
