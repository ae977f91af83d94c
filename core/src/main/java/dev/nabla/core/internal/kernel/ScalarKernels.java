package dev.nabla.core.internal.kernel;

/**
 * The specification of every kernel as plain loops. Reductions accumulate in double inside fixed
 * chunks and combine the chunks in order, so results do not depend on the thread count.
 */
final class ScalarKernels implements Kernels {
  static final ScalarKernels INSTANCE = new ScalarKernels();

  /** Elements per reduction chunk: fixed, so the summation order is fixed. */
  static final int REDUCE_CHUNK = 1 << 14;
  /** Below about this many multiply-adds a call runs on the calling thread. */
  static final long INLINE_COST = 1 << 16;

  @Override
  public String description() {
    return "scalar";
  }

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    Parallel.forChunks(m, 16, (long) n * k, INLINE_COST,
        (i0, i1) -> gemmRows(transA, transB, i0, i1, n, k, alpha, a, aOff, lda, b, bOff, ldb,
            beta, c, cOff, ldc));
  }

  static void gemmRows(boolean transA, boolean transB, int i0, int i1, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    for (int i = i0; i < i1; i++) {
      int ci = cOff + i * ldc;
      for (int j = 0; j < n; j++) {
        c[ci + j] = beta == 0f ? 0f : beta * c[ci + j];
      }
      if (transB) {
        for (int j = 0; j < n; j++) {
          float s = 0f;
          for (int p = 0; p < k; p++) {
            float av = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
            s += av * b[bOff + j * ldb + p];
          }
          c[ci + j] += alpha * s;
        }
      } else {
        for (int p = 0; p < k; p++) {
          float av = alpha * (transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p]);
          int bp = bOff + p * ldb;
          for (int j = 0; j < n; j++) {
            c[ci + j] += av * b[bp + j];
          }
        }
      }
    }
  }

  @Override
  public void gemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int strideA, int lda, float[] b, int bOff, int strideB,
      int ldb, float beta, float[] c, int cOff, int strideC, int ldc) {
    Parallel.forChunks(batch, 1, (long) m * n * k, INLINE_COST, (p0, p1) -> {
      for (int p = p0; p < p1; p++) {
        gemmRows(transA, transB, 0, m, n, k, alpha, a, aOff + p * strideA, lda, b,
            bOff + p * strideB, ldb, beta, c, cOff + p * strideC, ldc);
      }
    });
  }

  @Override
  public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
    double s = 0;
    for (int i = 0; i < n; i++) {
      s += (double) x[xOff + i] * y[yOff + i];
    }
    return (float) s;
  }

  @Override
  public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }

  @Override
  public void scale(int n, float alpha, float[] x, int xOff) {
    for (int i = 0; i < n; i++) {
      x[xOff + i] *= alpha;
    }
  }

  @Override
  public void unary(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff) {
    Parallel.forChunks(n, REDUCE_CHUNK, 8, INLINE_COST, (s, e) -> {
      for (int i = s; i < e; i++) {
        y[yOff + i] = op.apply(x[xOff + i]);
      }
    });
  }

  @Override
  public void binary(BinaryOp op, int n, float[] a, int aOff, float[] b, int bOff, float[] y,
      int yOff) {
    Parallel.forChunks(n, REDUCE_CHUNK, 1, INLINE_COST, (s, e) -> {
      for (int i = s; i < e; i++) {
        y[yOff + i] = op.apply(a[aOff + i], b[bOff + i]);
      }
    });
  }

  @Override
  public void binaryScalar(BinaryOp op, int n, float[] a, int aOff, float s, float[] y, int yOff) {
    Parallel.forChunks(n, REDUCE_CHUNK, 1, INLINE_COST, (st, e) -> {
      for (int i = st; i < e; i++) {
        y[yOff + i] = op.apply(a[aOff + i], s);
      }
    });
  }

  @Override
  public float sum(int n, float[] x, int xOff) {
    double total = 0;
    for (int s = 0; s < n; s += REDUCE_CHUNK) {
      double part = 0;
      int e = Math.min(n, s + REDUCE_CHUNK);
      for (int i = s; i < e; i++) {
        part += x[xOff + i];
      }
      total += part;
    }
    return (float) total;
  }

  @Override
  public float max(int n, float[] x, int xOff) {
    float m = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      float v = x[xOff + i];
      if (v > m || Float.isNaN(v)) {
        m = v;
        if (Float.isNaN(v)) {
          return v;
        }
      }
    }
    return m;
  }

  @Override
  public float sumOfSquares(int n, float[] x, int xOff) {
    double total = 0;
    for (int s = 0; s < n; s += REDUCE_CHUNK) {
      double part = 0;
      int e = Math.min(n, s + REDUCE_CHUNK);
      for (int i = s; i < e; i++) {
        part += (double) x[xOff + i] * x[xOff + i];
      }
      total += part;
    }
    return (float) total;
  }

  @Override
  public void softmaxRows(int rows, int cols, float[] x, int xOff, float[] y, int yOff,
      boolean log) {
    Parallel.forChunks(rows, Math.max(1, 4096 / Math.max(1, cols)), cols * 4L, INLINE_COST,
        (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            int xi = xOff + r * cols;
            int yi = yOff + r * cols;
            float m = max(cols, x, xi);
            if (m == Float.NEGATIVE_INFINITY) {
              m = 0f; // fully masked row: exp(-inf) = 0 everywhere, the result is NaN as torch
            }
            double s = 0;
            for (int j = 0; j < cols; j++) {
              s += Math.exp(x[xi + j] - m);
            }
            if (log) {
              float lse = (float) (m + Math.log(s));
              for (int j = 0; j < cols; j++) {
                y[yi + j] = x[xi + j] - lse;
              }
            } else {
              double inv = 1.0 / s;
              for (int j = 0; j < cols; j++) {
                y[yi + j] = (float) (Math.exp(x[xi + j] - m) * inv);
              }
            }
          }
        });
  }

  @Override
  public void rmsNormRows(int rows, int cols, float[] x, int xOff, float[] weight, float eps,
      float[] y, int yOff, float[] invRms) {
    Parallel.forChunks(rows, Math.max(1, 4096 / Math.max(1, cols)), cols * 3L, INLINE_COST,
        (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            int xi = xOff + r * cols;
            int yi = yOff + r * cols;
            double ss = 0;
            for (int j = 0; j < cols; j++) {
              ss += (double) x[xi + j] * x[xi + j];
            }
            float inv = (float) (1.0 / Math.sqrt(ss / cols + eps));
            if (invRms != null) {
              invRms[r] = inv;
            }
            for (int j = 0; j < cols; j++) {
              float v = x[xi + j] * inv;
              y[yi + j] = weight == null ? v : v * weight[j];
            }
          }
        });
  }

  @Override
  public void layerNormRows(int rows, int cols, float[] x, int xOff, float[] weight,
      float[] bias, float eps, float[] y, int yOff, float[] mean, float[] rstd) {
    Parallel.forChunks(rows, Math.max(1, 4096 / Math.max(1, cols)), cols * 4L, INLINE_COST,
        (r0, r1) -> {
          for (int r = r0; r < r1; r++) {
            int xi = xOff + r * cols;
            int yi = yOff + r * cols;
            double s = 0;
            for (int j = 0; j < cols; j++) {
              s += x[xi + j];
            }
            double mu = s / cols;
            double v = 0;
            for (int j = 0; j < cols; j++) {
              double d = x[xi + j] - mu;
              v += d * d;
            }
            float rs = (float) (1.0 / Math.sqrt(v / cols + eps));
            float m = (float) mu;
            if (mean != null) {
              mean[r] = m;
            }
            if (rstd != null) {
              rstd[r] = rs;
            }
            for (int j = 0; j < cols; j++) {
              float o = (x[xi + j] - m) * rs;
              if (weight != null) {
                o *= weight[j];
              }
              if (bias != null) {
                o += bias[j];
              }
              y[yi + j] = o;
            }
          }
        });
  }
}
