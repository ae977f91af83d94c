package dev.nabla.nn.functional;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;
import dev.nabla.core.internal.kernel.Kernels;
import dev.nabla.core.internal.kernel.Parallel;

/**
 * Fused LayerNorm and RMSNorm over the last {@code cols} elements of each row. Contiguous F32
 * runs the kernels' row loops forward and one fused loop backward; F64 runs the same formulas
 * with tensor ops (the path GradCheck verifies). Both save only x and the per-row statistics.
 */
final class NormOps {
  private NormOps() {}

  /** Rows per chunk of the backward loop: fixed by the row count, so results ignore threads. */
  private static int chunkRows(int rows) {
    return Math.max(1, (rows + 63) / 64);
  }

  private static boolean fast(Tensor x, Tensor w, Tensor b) {
    return x.dtype() == DType.F32 && (w == null || w.dtype() == DType.F32)
        && (b == null || b.dtype() == DType.F32);
  }

  private static float[] rowVector(Tensor t) {
    return t == null ? null : t.toFloatArray();
  }

  private static Tensor f32(Tensor t) {
    return t.to(DType.F32).contiguous();
  }

  // ================================================================== LayerNorm

  /**
   * y = (x − mean)·rstd·w + b per row, rstd = 1/√(var + eps) with the biased variance.
   * Backward, with x̂ = (x − mean)·rstd and g = dy·w:
   * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), dw = Σ_rows dy·x̂, db = Σ_rows dy.
   */
  static final class LayerNorm extends Op {
    private final int[] normalizedShape;
    private final int cols;
    private final double eps;

    LayerNorm(int[] normalizedShape, int cols, double eps) {
      this.normalizedShape = normalizedShape;
      this.cols = cols;
      this.eps = eps;
    }

    @Override public String name() {
      return "layerNorm";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      Tensor x = in[0].contiguous();
      Tensor w = in[1];
      Tensor b = in[2];
      int rows = cols == 0 ? 0 : x.numel() / cols;
      if (fast(x, w, b)) {
        float[] y = new float[x.numel()];
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        Kernels.get().layerNormRows(rows, cols, x.dataF32(), x.storageOffset(), rowVector(w),
            rowVector(b), (float) eps, y, 0, mean, rstd);
        ctx.save(x, Tensor.wrap(mean, rows, 1), Tensor.wrap(rstd, rows, 1), w);
        return Tensor.wrap(y, x.shape().toArray());
      }
      Tensor x2 = x.reshape(rows, cols);
      Tensor mean = x2.mean(-1, true);
      Tensor xc = x2.sub(mean);
      Tensor rstd = xc.square().mean(-1, true).add(eps).rsqrt();
      Tensor y = xc.mul(rstd);
      if (w != null) {
        y = y.mul(w.reshape(cols));
      }
      if (b != null) {
        y = y.add(b.reshape(cols));
      }
      ctx.save(x, mean, rstd, w);
      return y.reshape(x.shape().toArray());
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor x = ctx.saved(0);
      Tensor mean = ctx.saved(1);
      Tensor rstd = ctx.saved(2);
      Tensor w = ctx.saved(3);
      boolean needW = ctx.needsInputGrad(1);
      boolean needB = ctx.needsInputGrad(2);
      int rows = mean.size(0);
      if (x.dtype() == DType.F32 && mean.dtype() == DType.F32) {
        return fusedBackward(x, mean, rstd, w, f32(dy), rows, needW, needB, ctx.needsInputGrad(0));
      }
      Tensor x2 = x.reshape(rows, cols);
      Tensor dy2 = dy.to(x.dtype()).reshape(rows, cols);
      Tensor xhat = x2.sub(mean).mul(rstd);
      Tensor g = w == null ? dy2 : dy2.mul(w.reshape(cols));
      Tensor dx = ctx.needsInputGrad(0)
          ? g.sub(g.mean(-1, true)).sub(xhat.mul(g.mul(xhat).mean(-1, true))).mul(rstd)
              .reshape(x.shape().toArray())
          : null;
      Tensor dw = needW ? dy2.mul(xhat).sum(0, false).reshape(normalizedShape) : null;
      Tensor db = needB ? dy2.sum(0, false).reshape(normalizedShape) : null;
      return new Tensor[] {dx, dw, db};
    }

    private Tensor[] fusedBackward(Tensor x, Tensor mean, Tensor rstd, Tensor w, Tensor dy,
        int rows, boolean needW, boolean needB, boolean needX) {
      float[] xa = x.dataF32();
      int xo = x.storageOffset();
      float[] ga = dy.dataF32();
      int go = dy.storageOffset();
      float[] mu = mean.dataF32();
      float[] rs = rstd.dataF32();
      float[] wa = w == null ? null : w.toFloatArray();
      float[] dx = needX ? new float[rows * cols] : null;
      int chunk = chunkRows(rows);
      int chunks = (rows + chunk - 1) / chunk;
      double[] dwPart = needW ? new double[chunks * cols] : null;
      double[] dbPart = needB ? new double[chunks * cols] : null;
      Parallel.forChunks(rows, chunk, (r0, r1) -> {
        int part = (r0 / chunk) * cols;
        for (int r = r0; r < r1; r++) {
          int xi = xo + r * cols;
          int gi = go + r * cols;
          float m = mu[r];
          float s = rs[r];
          if (needX) {
            double sumG = 0;
            double sumGx = 0;
            for (int j = 0; j < cols; j++) {
              float g = wa == null ? ga[gi + j] : ga[gi + j] * wa[j];
              sumG += g;
              sumGx += g * ((xa[xi + j] - m) * s);
            }
            float meanG = (float) (sumG / cols);
            float meanGx = (float) (sumGx / cols);
            int di = r * cols;
            for (int j = 0; j < cols; j++) {
              float g = wa == null ? ga[gi + j] : ga[gi + j] * wa[j];
              float xhat = (xa[xi + j] - m) * s;
              dx[di + j] = s * (g - meanG - xhat * meanGx);
            }
          }
          for (int j = 0; needW && j < cols; j++) {
            dwPart[part + j] += ga[gi + j] * ((xa[xi + j] - m) * s);
          }
          for (int j = 0; needB && j < cols; j++) {
            dbPart[part + j] += ga[gi + j];
          }
        }
      });
      return new Tensor[] {
          needX ? Tensor.wrap(dx, x.shape().toArray()) : null,
          needW ? reducePartials(dwPart, chunks, cols, normalizedShape) : null,
          needB ? reducePartials(dbPart, chunks, cols, normalizedShape) : null};
    }
  }

  // ================================================================== RMSNorm

  /**
   * y = x·r·w per row with r = 1/√(mean(x²) + eps). Backward, with x̂ = x·r and g = dy·w:
   * dx = r·(g − x̂·mean(g·x̂)), dw = Σ_rows dy·x̂.
   */
  static final class RMSNorm extends Op {
    private final int[] normalizedShape;
    private final int cols;
    private final double eps;

    RMSNorm(int[] normalizedShape, int cols, double eps) {
      this.normalizedShape = normalizedShape;
      this.cols = cols;
      this.eps = eps;
    }

    @Override public String name() {
      return "rmsNorm";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      Tensor x = in[0].contiguous();
      Tensor w = in[1];
      int rows = cols == 0 ? 0 : x.numel() / cols;
      if (fast(x, w, null)) {
        float[] y = new float[x.numel()];
        float[] inv = new float[rows];
        Kernels.get().rmsNormRows(rows, cols, x.dataF32(), x.storageOffset(), rowVector(w),
            (float) eps, y, 0, inv);
        ctx.save(x, Tensor.wrap(inv, rows, 1), w);
        return Tensor.wrap(y, x.shape().toArray());
      }
      Tensor x2 = x.reshape(rows, cols);
      Tensor inv = x2.square().mean(-1, true).add(eps).rsqrt();
      Tensor y = x2.mul(inv);
      if (w != null) {
        y = y.mul(w.reshape(cols));
      }
      ctx.save(x, inv, w);
      return y.reshape(x.shape().toArray());
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor x = ctx.saved(0);
      Tensor inv = ctx.saved(1);
      Tensor w = ctx.saved(2);
      boolean needX = ctx.needsInputGrad(0);
      boolean needW = ctx.needsInputGrad(1);
      int rows = inv.size(0);
      if (x.dtype() == DType.F32 && inv.dtype() == DType.F32) {
        return fusedBackward(x, inv, w, f32(dy), rows, needX, needW);
      }
      Tensor x2 = x.reshape(rows, cols);
      Tensor dy2 = dy.to(x.dtype()).reshape(rows, cols);
      Tensor xhat = x2.mul(inv);
      Tensor g = w == null ? dy2 : dy2.mul(w.reshape(cols));
      Tensor dx = needX
          ? g.sub(xhat.mul(g.mul(xhat).mean(-1, true))).mul(inv).reshape(x.shape().toArray())
          : null;
      Tensor dw = needW ? dy2.mul(xhat).sum(0, false).reshape(normalizedShape) : null;
      return new Tensor[] {dx, dw};
    }

    private Tensor[] fusedBackward(Tensor x, Tensor inv, Tensor w, Tensor dy, int rows,
        boolean needX, boolean needW) {
      float[] xa = x.dataF32();
      int xo = x.storageOffset();
      float[] ga = dy.dataF32();
      int go = dy.storageOffset();
      float[] ra = inv.dataF32();
      float[] wa = w == null ? null : w.toFloatArray();
      float[] dx = needX ? new float[rows * cols] : null;
      int chunk = chunkRows(rows);
      int chunks = (rows + chunk - 1) / chunk;
      double[] dwPart = needW ? new double[chunks * cols] : null;
      Parallel.forChunks(rows, chunk, (r0, r1) -> {
        int part = (r0 / chunk) * cols;
        for (int r = r0; r < r1; r++) {
          int xi = xo + r * cols;
          int gi = go + r * cols;
          float s = ra[r];
          if (needX) {
            double sumGx = 0;
            for (int j = 0; j < cols; j++) {
              float g = wa == null ? ga[gi + j] : ga[gi + j] * wa[j];
              sumGx += g * (xa[xi + j] * s);
            }
            float meanGx = (float) (sumGx / cols);
            int di = r * cols;
            for (int j = 0; j < cols; j++) {
              float g = wa == null ? ga[gi + j] : ga[gi + j] * wa[j];
              dx[di + j] = s * (g - xa[xi + j] * s * meanGx);
            }
          }
          for (int j = 0; needW && j < cols; j++) {
            dwPart[part + j] += ga[gi + j] * (xa[xi + j] * s);
          }
        }
      });
      return new Tensor[] {
          needX ? Tensor.wrap(dx, x.shape().toArray()) : null,
          needW ? reducePartials(dwPart, chunks, cols, normalizedShape) : null};
    }
  }

  /** Sums per-chunk partial column sums in chunk order (deterministic) into an F32 tensor. */
  private static Tensor reducePartials(double[] parts, int chunks, int cols, int[] shape) {
    float[] out = new float[cols];
    for (int j = 0; j < cols; j++) {
      double s = 0;
      for (int c = 0; c < chunks; c++) {
        s += parts[c * cols + j];
      }
      out[j] = (float) s;
    }
    return Tensor.wrap(out, shape);
  }
}
