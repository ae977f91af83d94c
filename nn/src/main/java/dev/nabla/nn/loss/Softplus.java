package dev.nabla.nn.loss;

import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;

/**
 * y = log(1 + eˣ) = max(x, 0) + log1p(e^(−|x|)), finite for any x; dy/dx = σ(x), exact at 0
 * (a composition of relu and abs would give 0 there).
 */
final class Softplus extends Op {
  @Override protected Tensor forward(Context ctx, Tensor... in) {
    Tensor x = in[0];
    double[] v = x.toDoubleArray();
    double[] y = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      y[i] = Math.max(v[i], 0) + Math.log1p(Math.exp(-Math.abs(v[i])));
    }
    ctx.save(x);
    return Elementwise.tensor(y, x);
  }

  @Override protected Tensor[] backward(Context ctx, Tensor dy) {
    Tensor x = ctx.saved(0);
    return new Tensor[] {ctx.needsInputGrad(0) ? dy.mul(x.sigmoid()) : null};
  }
}
