package dev.nabla.optim;

import dev.nabla.core.Tensor;
import java.util.List;

/**
 * AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", arXiv:1711.05101):
 * Adam whose weight decay shrinks the parameters directly instead of entering the gradient,
 * exactly as PyTorch 1.13's {@code torch.optim.AdamW}:
 *
 * <pre>
 * t ← t + 1;  g ← ±∇θ;  θ ← θ(1 − γλ)
 * m ← β₁m + (1 − β₁)g;  v ← β₂v + (1 − β₂)g²;  (AMSGrad: v̂ ← max(v̂, v), used for v below)
 * θ ← θ − γ/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
 * </pre>
 *
 * State as {@link Adam}. Exclude biases and norms from decay with a group:
 *
 * <pre>{@code
 * var opt = new AdamW(List.of(ParamGroup.of(weights), ParamGroup.of(norms).weightDecay(0)),
 *     AdamW.options().lr(3e-4).weightDecay(0.1));
 * }</pre>
 */
public final class AdamW extends Optimizer {

  /** Defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, weightDecay 1e-2, amsgrad, maximize false. */
  public static Options options() {
    return new Options();
  }

  /** One group of parameters with these options. */
  public AdamW(Iterable<? extends Tensor> params, Options options) {
    this(List.of(ParamGroup.of(params)), options);
  }

  /** Several parameter groups; a group's own options override {@code options}. */
  public AdamW(List<ParamGroup> groups, Options options) {
    super(groups, options.values());
  }

  @Override
  protected void checkGroup(ParamGroup group, int index) {
    AdamUpdate.check("AdamW", group, index);
  }

  @Override
  public void step() {
    forEachParamWithGrad((group, state, param, grad) ->
        AdamUpdate.update(group, state, param, grad, true));
  }

  /** AdamW's typed options (group option names: beta1, beta2, eps, amsgrad, …). */
  public static final class Options extends OptimizerOptions<Options> {
    private Options() {
      lr(1e-3).betas(0.9, 0.999).eps(1e-8).weightDecay(1e-2).amsgrad(false).maximize(false);
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
