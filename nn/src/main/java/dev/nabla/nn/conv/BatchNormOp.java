package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;
import dev.nabla.core.internal.kernel.Parallel;

/**
 * Batch normalisation over (N, C, *): per channel c, y = (x − μ_c)·σ̂_c·w_c + b_c with
 * σ̂_c = 1/√(v_c + eps). With batch statistics μ, v are the mean and biased variance over the
 * M = N·L elements of the channel; otherwise they are the given running statistics (constants).
 * Backward, with x̂ = (x − μ)·σ̂: dw = Σ dy·x̂, db = Σ dy, and
 * dx = w·σ̂·(dy − Σdy/M − x̂·Σ(dy·x̂)/M) with batch statistics, dx = w·σ̂·dy without.
 * Inputs: x, weight (nullable), bias (nullable); inputs are read once per pass, in double.
 */
final class BatchNormOp extends Op {
  private final boolean batchStats;
  private final double eps;
  private final double[] runningMean;
  private final double[] runningVar;
  /** Filled by forward with batch statistics: the per-channel mean and biased variance. */
  double[] mean;
  double[] var;
  private double[] invStd;
  private int n;
  private int c;
  private int l;

  /** {@code runningMean}/{@code runningVar} are used (and must be non-null) when !batchStats. */
  BatchNormOp(boolean batchStats, double eps, double[] runningMean, double[] runningVar) {
    this.batchStats = batchStats;
    this.eps = eps;
    this.runningMean = runningMean;
    this.runningVar = runningVar;
  }

  @Override public String name() {
    return "batchNorm";
  }

  @Override protected Tensor forward(Context ctx, Tensor... in) {
    Tensor x = in[0];
    n = x.size(0);
    c = x.size(1);
    l = x.numel() / Math.max(1, n * c);
    PlaneData xd = PlaneData.of(x, name());
    PlaneData w = PlaneData.ofNullable(in[1], name());
    PlaneData b = PlaneData.ofNullable(in[2], name());
    PlaneData y = PlaneData.allocate(x.dtype(), x.numel());
    mean = new double[c];
    var = new double[c];
    invStd = new double[c];
    long m = (long) n * l;
    Parallel.forChunks(c, PlaneData.chunk(3 * m), 3 * m, PlaneData.CHUNK_WORK, (c0, c1) -> {
      for (int ch = c0; ch < c1; ch++) {
        double mu;
        double v;
        if (batchStats) {
          double s = 0;
          for (int i = 0; i < n; i++) {
            int base = (i * c + ch) * l;
            for (int j = 0; j < l; j++) {
              s += xd.get(base + j);
            }
          }
          mu = s / m;
          double ss = 0;
          for (int i = 0; i < n; i++) {
            int base = (i * c + ch) * l;
            for (int j = 0; j < l; j++) {
              double dlt = xd.get(base + j) - mu;
              ss += dlt * dlt;
            }
          }
          v = ss / m;
        } else {
          mu = runningMean[ch];
          v = runningVar[ch];
        }
        double is = 1.0 / Math.sqrt(v + eps);
        mean[ch] = mu;
        var[ch] = v;
        invStd[ch] = is;
        double scale = (w == null ? 1.0 : w.get(ch)) * is;
        double shift = (b == null ? 0.0 : b.get(ch)) - mu * scale;
        for (int i = 0; i < n; i++) {
          int base = (i * c + ch) * l;
          for (int j = 0; j < l; j++) {
            y.set(base + j, xd.get(base + j) * scale + shift);
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
    boolean needX = ctx.needsInputGrad(0);
    boolean needW = weight != null && ctx.needsInputGrad(1);
    boolean needB = bias != null && ctx.needsInputGrad(2);
    PlaneData dx = needX ? PlaneData.allocate(x.dtype(), x.numel()) : null;
    double[] dw = new double[c];
    double[] db = new double[c];
    long m = (long) n * l;
    Parallel.forChunks(c, PlaneData.chunk(3 * m), 3 * m, PlaneData.CHUNK_WORK, (c0, c1) -> {
      for (int ch = c0; ch < c1; ch++) {
        double mu = mean[ch];
        double is = invStd[ch];
        double sumG = 0;
        double sumGx = 0;
        for (int i = 0; i < n; i++) {
          int base = (i * c + ch) * l;
          for (int j = 0; j < l; j++) {
            double gv = g.get(base + j);
            sumG += gv;
            sumGx += gv * (xd.get(base + j) - mu) * is;
          }
        }
        dw[ch] = sumGx;
        db[ch] = sumG;
        if (dx != null) {
          double scale = (w == null ? 1.0 : w.get(ch)) * is;
          double meanG = batchStats ? sumG / m : 0.0;
          double meanGx = batchStats ? sumGx / m : 0.0;
          for (int i = 0; i < n; i++) {
            int base = (i * c + ch) * l;
            for (int j = 0; j < l; j++) {
              double xhat = (xd.get(base + j) - mu) * is;
              dx.set(base + j, scale * (g.get(base + j) - meanG - xhat * meanGx));
            }
          }
        }
      }
    });
    return new Tensor[] {
        dx == null ? null : dx.tensor(x.shape().toArray()),
        needW ? Tensor.of(dw, c).to(weight.dtype()).reshape(weight.shape().toArray()) : null,
        needB ? Tensor.of(db, c).to(bias.dtype()).reshape(bias.shape().toArray()) : null};
  }

  /** Element count per channel, M = N·L (for the unbiased variance). */
  long countPerChannel() {
    return (long) n * l;
  }
}
