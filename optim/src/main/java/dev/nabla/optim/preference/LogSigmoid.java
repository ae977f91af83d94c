package dev.nabla.optim.preference;

import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;

/**
 * log σ(x) = −softplus(−x), computed as min(x, 0) − log1p(exp(−|x|)) so that exp never
 * overflows; the gradient is σ(−x). A fused op rather than that composite because the
 * composite's kinks at x = 0 (min and |x|) would give a gradient of 1 instead of ½ there — and
 * x = 0 is exactly where DPO starts, with the policy equal to the reference.
 */
final class LogSigmoid extends Op {

  static Tensor logSigmoid(Tensor x) {
    return new LogSigmoid().apply(x);
  }

  @Override
  public String name() {
    return "logSigmoid";
  }

  @Override
  protected Tensor forward(Context ctx, Tensor... in) {
    Tensor x = in[0];
    ctx.save(x);
    return x.clampMax(0).sub(x.abs().neg().exp().log1p());
  }

  @Override
  protected Tensor[] backward(Context ctx, Tensor dy) {
    return new Tensor[] {dy.mul(ctx.saved(0).neg().sigmoid())};
  }
}
