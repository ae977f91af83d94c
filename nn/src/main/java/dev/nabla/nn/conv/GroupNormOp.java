package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;
import dev.nabla.core.internal.kernel.Parallel;

/**
 * Group normalisation over (N, C, *): the C channels split into G groups of D = C/G; each
 * (sample, group) block of K = D·L elements is normalised by its own mean and biased variance,
 * then scaled and shifted per channel: y = x̂·w_c + b_c, x̂ = (x − μ)·σ̂, σ̂ = 1/√(v + eps).
 * Backward per block, with g = dy·w_c: dx = σ̂·(g − mean(g) − x̂·mean(g·x̂)); per channel
 * dw = Σ dy·x̂ and db = Σ dy over samples and positions. Inputs: x, weight, bias (nullable).
 */
final class GroupNormOp extends Op {
  private final int groups;
  private final double eps;
  private double[] mean;
  private double[] invStd;
  private int n;
  private int c;
  private int l;

  GroupNormOp(int groups, double eps) {
    this.groups = groups;
    this.eps = eps;
  }

  @Override public String name() {
    return "groupNorm";
  }

  @Override protected Tensor forward(Context ctx, Tensor... in) {
    Tensor x = in[0];
    n = x.size(0);
    c = x.size(1);
    l = x.numel() / Math.max(1, n * c);
    int d = c / groups;
    int k = d * l;
    PlaneData xd = PlaneData.of(x, name());
    PlaneData w = PlaneData.ofNullable(in[1], name());
    PlaneData b = PlaneData.ofNullable(in[2], name());
    PlaneData y = PlaneData.allocate(x.dtype(), x.numel());
    mean = new double[n * groups];
    invStd = new double[n * groups];
    Parallel.forChunks(n * groups, PlaneData.chunk(3L * k), 3L * k, PlaneData.CHUNK_WORK,
        (g0, g1) -> {
          for (int ng = g0; ng < g1; ng++) {
            int base = ng * k;
            double s = 0;
            for (int j = 0; j < k; j++) {
              s += xd.get(base + j);
            }
            double mu = s / k;
            double ss = 0;
            for (int j = 0; j < k; j++) {
              double dlt = xd.get(base + j) - mu;
              ss += dlt * dlt;
            }
            double is = 1.0 / Math.sqrt(ss / k + eps);
            mean[ng] = mu;
            invStd[ng] = is;
            int ch0 = (ng % groups) * d;
            for (int q = 0; q < d; q++) {
              double scale = (w == null ? 1.0 : w.get(ch0 + q)) * is;
              double shift = (b == null ? 0.0 : b.get(ch0 + q)) - mu * scale;
              int row = base + q * l;
              for (int j = 0; j < l; j++) {
                y.set(row + j, xd.get(row + j) * scale + shift);
              }
            }
          }
        });
    ctx.save(x, in[1], in[2]);
    return y.tensor(x.shape().toArray());
  }

  @Override protected Tensor[] backward(Context ctx, Tensor dy) {
    Tensor x = ctx.saved(0);
    Tensor weight = ctx.saved(1);
    Tensor bias = ctx.saved(2);
    PlaneData xd = PlaneData.of(x, name());
    PlaneData g = PlaneData.of(dy.to(x.dtype()), name());
    PlaneData w = PlaneData.ofNullable(weight, name());
    int d = c / groups;
    int k = d * l;
    PlaneData dx = ctx.needsInputGrad(0) ? PlaneData.allocate(x.dtype(), x.numel()) : null;
    if (dx != null) {
      Parallel.forChunks(n * groups, PlaneData.chunk(3L * k), 3L * k, PlaneData.CHUNK_WORK,
          (g0, g1) -> {
            for (int ng = g0; ng < g1; ng++) {
              int base = ng * k;
              int ch0 = (ng % groups) * d;
              double mu = mean[ng];
              double is = invStd[ng];
              double sumG = 0;
              double sumGx = 0;
              for (int q = 0; q < d; q++) {
                double wc = w == null ? 1.0 : w.get(ch0 + q);
                int row = base + q * l;
                for (int j = 0; j < l; j++) {
                  double gv = g.get(row + j) * wc;
                  sumG += gv;
                  sumGx += gv * (xd.get(row + j) - mu) * is;
                }
              }
              double meanG = sumG / k;
              double meanGx = sumGx / k;
              for (int q = 0; q < d; q++) {
                double wc = w == null ? 1.0 : w.get(ch0 + q);
                int row = base + q * l;
                for (int j = 0; j < l; j++) {
                  double xhat = (xd.get(row + j) - mu) * is;
                  dx.set(row + j, is * (g.get(row + j) * wc - meanG - xhat * meanGx));
                }
              }
            }
          });
    }
    boolean needW = weight != null && ctx.needsInputGrad(1);
    boolean needB = bias != null && ctx.needsInputGrad(2);
    double[] dw = new double[c];
    double[] db = new double[c];
    if (needW || needB) {
      long m = (long) n * l;
      Parallel.forChunks(c, PlaneData.chunk(m), m, PlaneData.CHUNK_WORK, (c0, c1) -> {
        for (int ch = c0; ch < c1; ch++) {
          double sw = 0;
          double sb = 0;
          for (int i = 0; i < n; i++) {
            int ng = i * groups + ch / d;
            double mu = mean[ng];
            double is = invStd[ng];
            int row = (i * c + ch) * l;
            for (int j = 0; j < l; j++) {
              double gv = g.get(row + j);
              sw += gv * (xd.get(row + j) - mu) * is;
              sb += gv;
            }
          }
          dw[ch] = sw;
          db[ch] = sb;
        }
      });
    }
    return new Tensor[] {
        dx == null ? null : dx.tensor(x.shape().toArray()),
        needW ? Tensor.of(dw, c).to(weight.dtype()).reshape(weight.shape().toArray()) : null,
        needB ? Tensor.of(db, c).to(bias.dtype()).reshape(bias.shape().toArray()) : null};
  }
}
