package dev.nabla.optim;

import dev.nabla.core.Tensor;
import java.util.List;

/**
 * Adam (Kingma and Ba, arXiv:1412.6980) with L2 weight decay added to the gradient and the
 * AMSGrad variant (Reddi et al., ICLR 2018), exactly as PyTorch 1.13's {@code torch.optim.Adam}:
 *
 * <pre>
 * t ← t + 1;  g ← ±∇θ (+ λθ if weightDecay λ ≠ 0)
 * m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  (AMSGrad: v̂ ← max(v̂, v), used for v below)
 * θ ← θ − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
 * </pre>
 *
 * For decoupled weight decay use {@link AdamW}. State: {@code exp_avg}, {@code exp_avg_sq},
 * {@code max_exp_avg_sq} (AMSGrad) and a per-parameter step count.
 *
 * <pre>{@code
 * var opt = new Adam(model.parameters(), Adam.options().lr(1e-3).betas(0.9, 0.999));
 * }</pre>
 */
public final class Adam extends Optimizer {

  /** Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 0, amsgrad and maximize false. */
  public static Options options() {
    return new Options();
  }

  /** One group of parameters with these options. */
  public Adam(Iterable<? extends Tensor> params, Options options) {
    this(List.of(ParamGroup.of(params)), options);
  }

  /** Several parameter groups; a group's own options override {@code options}. */
  public Adam(List<ParamGroup> groups, Options options) {
    super(groups, options.values());
  }

  @Override
  protected void checkGroup(ParamGroup group, int index) {
    AdamUpdate.check("Adam", group, index);
  }

  @Override
  public void step() {
    forEachParamWithGrad((group, state, param, grad) ->
        AdamUpdate.update(group, state, param, grad, false));
  }

  /** Adam's typed options (group option names: beta1, beta2, eps, amsgrad, …). */
  public static final class Options extends OptimizerOptions<Options> {
    private Options() {
      lr(1e-3).betas(0.9, 0.999).eps(1e-8).weightDecay(0).amsgrad(false).maximize(false);
    }

    /** Coefficients of the running averages of the gradient and its square. */
    public Options betas(double beta1, double beta2) {
      set("beta1", beta1);
      return set("beta2", beta2);
    }

    /** Added to the denominator for numerical stability. */
    public Options eps(double eps) {
      return set("eps", eps);
    }

    /** AMSGrad: normalise by the running maximum of the second moment. */
    public Options amsgrad(boolean amsgrad) {
      return set("amsgrad", amsgrad);
    }
  }
}
