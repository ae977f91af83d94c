package dev.nabla.optim;

import dev.nabla.core.Tensor;
import java.util.List;
import java.util.Set;

/**
 * Stochastic gradient descent with optional momentum (heavy ball or Nesterov), dampening, L2
 * weight decay and maximization, exactly as PyTorch 1.13's {@code torch.optim.SGD}:
 *
 * <pre>
 * g ← ±∇θ (+ λθ if weightDecay λ ≠ 0)
 * if momentum μ ≠ 0:  b ← g on the first step, else μb + (1 − τ)g   (τ: dampening)
 *                     g ← g + μb if nesterov, else b
 * θ ← θ − γg
 * </pre>
 *
 * Nesterov momentum: Sutskever et al., "On the importance of initialization and momentum in deep
 * learning", ICML 2013. State: {@code momentum_buffer} when momentum ≠ 0.
 *
 * <pre>{@code
 * var opt = new SGD(model.parameters(), SGD.options().lr(0.1).momentum(0.9).nesterov(true));
 * }</pre>
 */
public final class SGD extends Optimizer {
  private static final Set<String> OPTIONS =
      Set.of("lr", "momentum", "dampening", "weightDecay", "nesterov", "maximize");

  /** Options: {@code lr} is required; momentum, dampening, weightDecay 0; nesterov, maximize false. */
  public static Options options() {
    return new Options();
  }

  /** One group of parameters with these options. */
  public SGD(Iterable<? extends Tensor> params, Options options) {
    this(List.of(ParamGroup.of(params)), options);
  }

  /** Several parameter groups; a group's own options override {@code options}. */
  public SGD(List<ParamGroup> groups, Options options) {
    super(groups, options.values());
  }

  @Override
  protected void checkGroup(ParamGroup group, int index) {
    var c = new OptionChecks("SGD", group, index, OPTIONS);
    c.nonNegative("lr", "learning rate (lr)");
    double momentum = c.nonNegative("momentum", "momentum");
    double dampening = c.required("dampening");
    if (Double.isNaN(dampening)) {
      throw c.invalid("dampening", dampening, "must be a number");
    }
    c.nonNegative("weightDecay", "weightDecay");
    c.flag("maximize");
    if (c.flag("nesterov") && (momentum <= 0 || dampening != 0)) {
      throw new IllegalArgumentException("SGD: Nesterov momentum requires a momentum and zero "
          + "dampening (parameter group " + index + " has momentum " + momentum
          + ", dampening " + dampening + ")");
    }
  }

  @Override
  public void step() {
    forEachParamWithGrad(SGD::update);
  }

  private static void update(ParamGroup group, ParamState state, Tensor param, Tensor grad) {
    double lr = group.lr();
    double momentum = group.get("momentum");
    double dampening = group.get("dampening");
    double weightDecay = group.get("weightDecay");
    boolean nesterov = group.flag("nesterov");
    double sign = group.flag("maximize") ? -1 : 1;
    boolean useMomentum = momentum != 0;
    boolean first = useMomentum && !state.has("momentum_buffer");   // buffer ← d, as PyTorch
    Tensor[] buffers = useMomentum ? new Tensor[] {state.buffer("momentum_buffer", 0.0)}
        : new Tensor[0];
    float lrF = (float) lr;
    float momentumF = (float) momentum;
    float keepF = (float) (1 - dampening);
    float decayF = (float) weightDecay;
    float signF = (float) sign;
    updateElements(param, grad, buffers, (start, end, p, g, s) -> {
      float[] b = useMomentum ? s[0] : null;
      for (int j = start; j < end; j++) {
        float d = signF * g[j];
        if (weightDecay != 0) {
          d += decayF * p[j];
        }
        if (useMomentum) {
          float bj = first ? d : momentumF * b[j] + keepF * d;
          b[j] = bj;
          d = nesterov ? d + momentumF * bj : bj;
        }
        p[j] -= lrF * d;
      }
    }, (start, end, p, g, s) -> {
      double[] b = useMomentum ? s[0] : null;
      for (int j = start; j < end; j++) {
        double d = sign * g[j];
        if (weightDecay != 0) {
          d += weightDecay * p[j];
        }
        if (useMomentum) {
          double bj = first ? d : momentum * b[j] + (1 - dampening) * d;
          b[j] = bj;
          d = nesterov ? d + momentum * bj : bj;
        }
        p[j] -= lr * d;
      }
    });
  }

  /** SGD's typed options. */
  public static final class Options extends OptimizerOptions<Options> {
    private Options() {
      momentum(0).dampening(0).weightDecay(0).nesterov(false).maximize(false);
    }

    /** Momentum factor μ (default 0: plain SGD). */
    public Options momentum(double momentum) {
      return set("momentum", momentum);
    }

    /** Dampening τ for momentum: the gradient enters the buffer with weight 1 − τ (default 0). */
    public Options dampening(double dampening) {
      return set("dampening", dampening);
    }

    /** Nesterov momentum (needs momentum > 0 and dampening 0). */
    public Options nesterov(boolean nesterov) {
      return set("nesterov", nesterov);
    }
  }
}
