package dev.nabla.optim;

import dev.nabla.core.Tensor;
import java.util.List;
import java.util.Set;

/**
 * RMSprop (Hinton, Coursera lecture 6e; centered variant: Graves, arXiv:1308.0850), exactly as
 * PyTorch 1.13's {@code torch.optim.RMSprop}:
 *
 * <pre>
 * g ← ±∇θ (+ λθ if weightDecay λ ≠ 0)
 * v ← αv + (1 − α)g²;  centered: ḡ ← αḡ + (1 − α)g, v' = v − ḡ², else v' = v
 * momentum μ > 0:  b ← μb + g / (√v' + ε);  θ ← θ − γb
 * otherwise:       θ ← θ − γ g / (√v' + ε)
 * </pre>
 *
 * State: {@code square_avg}, {@code momentum_buffer} (momentum > 0), {@code grad_avg} (centered)
 * and a step count.
 *
 * <pre>{@code
 * var opt = new RMSprop(model.parameters(), RMSprop.options().lr(1e-3).centered(true));
 * }</pre>
 */
public final class RMSprop extends Optimizer {
  private static final Set<String> OPTIONS =
      Set.of("lr", "alpha", "eps", "weightDecay", "momentum", "centered", "maximize");

  /** Defaults: lr 1e-2, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered, maximize false. */
  public static Options options() {
    return new Options();
  }

  /** One group of parameters with these options. */
  public RMSprop(Iterable<? extends Tensor> params, Options options) {
    this(List.of(ParamGroup.of(params)), options);
  }

  /** Several parameter groups; a group's own options override {@code options}. */
  public RMSprop(List<ParamGroup> groups, Options options) {
    super(groups, options.values());
  }

  @Override
  protected void checkGroup(ParamGroup group, int index) {
    var c = new OptionChecks("RMSprop", group, index, OPTIONS);
    c.nonNegative("lr", "learning rate (lr)");
    c.nonNegative("eps", "epsilon value (eps)");
    c.nonNegative("momentum", "momentum");
    c.nonNegative("weightDecay", "weightDecay");
    c.nonNegative("alpha", "alpha");
    c.flag("centered");
    c.flag("maximize");
  }

  @Override
  public void step() {
    forEachParamWithGrad(RMSprop::update);
  }

  private static void update(ParamGroup group, ParamState state, Tensor param, Tensor grad) {
    double lr = group.lr();
    double alpha = group.get("alpha");
    double eps = group.get("eps");
    double weightDecay = group.get("weightDecay");
    double momentum = group.get("momentum");
    boolean centered = group.flag("centered");
    double sign = group.flag("maximize") ? -1 : 1;
    state.incrementStep();

    Tensor squareAvg = state.buffer("square_avg", 0.0);
    Tensor buffer = momentum > 0 ? state.buffer("momentum_buffer", 0.0) : null;
    Tensor gradAvg = centered ? state.buffer("grad_avg", 0.0) : null;
    int ib = momentum > 0 ? 1 : -1;
    int ig = centered ? (momentum > 0 ? 2 : 1) : -1;
    Tensor[] buffers = ig > 0 ? (ib > 0 ? new Tensor[] {squareAvg, buffer, gradAvg}
        : new Tensor[] {squareAvg, gradAvg})
        : (ib > 0 ? new Tensor[] {squareAvg, buffer} : new Tensor[] {squareAvg});
    float lrF = (float) lr;
    float alphaF = (float) alpha;
    float keepF = (float) (1 - alpha);
    float epsF = (float) eps;
    float weightDecayF = (float) weightDecay;
    float momentumF = (float) momentum;
    float signF = (float) sign;
    updateElements(param, grad, buffers, (start, end, p, g, s) -> {
      float[] v = s[0];
      float[] b = ib > 0 ? s[ib] : null;
      float[] gAvg = ig > 0 ? s[ig] : null;
      for (int j = start; j < end; j++) {
        float gj = signF * g[j];
        if (weightDecay != 0) {
          gj += weightDecayF * p[j];
        }
        float vj = alphaF * v[j] + keepF * gj * gj;
        v[j] = vj;
        float avg;
        if (centered) {
          float mean = alphaF * gAvg[j] + keepF * gj;
          gAvg[j] = mean;
          avg = (float) Math.sqrt(vj - mean * mean) + epsF;
        } else {
          avg = (float) Math.sqrt(vj) + epsF;
        }
        if (momentum > 0) {
          float bj = momentumF * b[j] + gj / avg;
          b[j] = bj;
          p[j] -= lrF * bj;
        } else {
          p[j] -= lrF * (gj / avg);
        }
      }
    }, (start, end, p, g, s) -> {
      double[] v = s[0];
      double[] b = ib > 0 ? s[ib] : null;
      double[] gAvg = ig > 0 ? s[ig] : null;
      for (int j = start; j < end; j++) {
        double gj = sign * g[j];
        if (weightDecay != 0) {
          gj += weightDecay * p[j];
        }
        double vj = alpha * v[j] + (1 - alpha) * gj * gj;
        v[j] = vj;
        double avg;
        if (centered) {
          double mean = alpha * gAvg[j] + (1 - alpha) * gj;
          gAvg[j] = mean;
          avg = Math.sqrt(vj - mean * mean) + eps;
        } else {
          avg = Math.sqrt(vj) + eps;
        }
        if (momentum > 0) {
          double bj = momentum * b[j] + gj / avg;
          b[j] = bj;
          p[j] -= lr * bj;
        } else {
          p[j] -= lr * (gj / avg);
        }
      }
    });
  }

  /** RMSprop's typed options. */
  public static final class Options extends OptimizerOptions<Options> {
    private Options() {
      lr(1e-2).alpha(0.99).eps(1e-8).weightDecay(0).momentum(0).centered(false).maximize(false);
    }

    /** Smoothing constant of the running average of g². */
    public Options alpha(double alpha) {
      return set("alpha", alpha);
    }

    /** Added to the denominator for numerical stability. */
    public Options eps(double eps) {
      return set("eps", eps);
    }

    /** Momentum factor (default 0). */
    public Options momentum(double momentum) {
      return set("momentum", momentum);
    }

    /** Normalise by an estimate of the gradient's variance instead of its second moment. */
    public Options centered(boolean centered) {
      return set("centered", centered);
    }
  }
}
