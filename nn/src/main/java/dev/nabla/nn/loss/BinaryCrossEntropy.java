package dev.nabla.nn.loss;

import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;

/**
 * Binary cross-entropy of probabilities per element, as torch: −(y·log x + (1 − y)·log(1 − x))
 * with each log clamped at −100; dx = (x − y) / max(x(1 − x), 1e-12f), dy = log(1 − x) − log x.
 */
final class BinaryCrossEntropy extends Op {
  private static final double LOG_MIN = -100;
  private static final double EPS = 1e-12f; // torch clamps with the float 1e-12

  @Override protected Tensor forward(Context ctx, Tensor... in) {
    Tensor x = in[0];
    double[] xs = x.toDoubleArray();
    double[] ys = in[1].toDoubleArray();
    double[] out = new double[xs.length];
    for (int i = 0; i < xs.length; i++) {
      double p = xs[i];
      if (!(p >= 0 && p <= 1)) {
        throw new IllegalArgumentException("BCELoss: all elements of input should be between 0"
            + " and 1, got " + p + " at flat index " + i + " (use BCEWithLogitsLoss for logits)");
      }
      out[i] = -(ys[i] * Math.max(Math.log(p), LOG_MIN)
          + (1 - ys[i]) * Math.max(Math.log1p(-p), LOG_MIN));
    }
    ctx.save(x, in[1]);
    return Elementwise.tensor(out, x);
  }

  @Override protected Tensor[] backward(Context ctx, Tensor dy) {
    Tensor x = ctx.saved(0);
    double[] xs = x.toDoubleArray();
    double[] ys = ctx.saved(1).toDoubleArray();
    double[] g = dy.toDoubleArray();
    Tensor dx = null;
    Tensor dt = null;
    if (ctx.needsInputGrad(0)) {
      double[] d = new double[xs.length];
      for (int i = 0; i < xs.length; i++) {
        d[i] = g[i] * (xs[i] - ys[i]) / Math.max((1 - xs[i]) * xs[i], EPS);
      }
      dx = Elementwise.tensor(d, x);
    }
    if (ctx.needsInputGrad(1)) {
      double[] d = new double[xs.length];
      for (int i = 0; i < xs.length; i++) {
        d[i] = g[i] * (Math.max(Math.log1p(-xs[i]), LOG_MIN) - Math.max(Math.log(xs[i]), LOG_MIN));
      }
      dt = Elementwise.tensor(d, x);
    }
    return new Tensor[] {dx, dt};
  }
}
