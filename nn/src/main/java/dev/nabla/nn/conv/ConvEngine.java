package dev.nabla.nn.conv;

import dev.nabla.core.internal.kernel.Kernels;
import dev.nabla.core.internal.kernel.Parallel;
import java.util.Arrays;

/**
 * The F32 convolution kernels (internal): the three maps of a {@link ConvGeometry}, each an
 * im2col/col2im around the kernel layer's GEMM, one image at a time, per group.
 *
 * <ul>
 *   <li>{@link #forward}: B = W ⊛ A + bias — W_g (cb/g × kg) times col(A)_g (kg × lb);
 *   <li>{@link #adjoint}: A = Wᵀ ⊛ B + bias — col = W_gᵀ·B_g, then col2im;
 *   <li>{@link #backward}: the input and weight gradients of a convolution or of a transposed one,
 *       with dWᵀ = Σₙ col(A_n)·B_nᵀ.
 * </ul>
 *
 * <p>The column matrix of an image is built in bands of column-side rows, sized so that a band
 * holds at most about {@link #COL_BUDGET} floats: memory stays bounded for large images, and
 * the W5 shapes fit in one band. A 1×1, stride-1, unpadded convolution needs no column matrix
 * at all (the image is its own).
 *
 * <p>Work is split over images in fixed chunks. With at least as many chunks as threads the
 * chunks run in parallel (each GEMM then runs inline on its worker); otherwise the chunks run in
 * order and every GEMM splits itself. Either way each image is computed by the same sequence of
 * deterministic GEMMs, and the weight gradient sums per-chunk partials in chunk order, so the
 * bits do not depend on the thread count.
 */
final class ConvEngine {
  private ConvEngine() {}

  /** A band of the column matrix holds about this many floats at most (16 MiB). */
  static final int COL_BUDGET = 1 << 22;
  /** The band budget in use: {@link #COL_BUDGET}; tests lower it to exercise several bands. */
  static volatile int colBudget = COL_BUDGET;
  /** The weight-gradient partials may use about this many floats in all. */
  private static final long PARTIAL_BUDGET = 1L << 22;
  /** At most this many weight-gradient partials (image chunks in backward). */
  private static final int MAX_PARTIALS = 64;
  /** Below about this many multiply-adds in all, a call runs on the calling thread. */
  private static final long INLINE = 1L << 18;

  private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

  /** A column buffer of at least {@code size} floats, private to this thread. */
  private static float[] scratch(int size) {
    float[] s = SCRATCH.get();
    if (s.length < size) {
      s = new float[size];
      SCRATCH.set(s);
    }
    return s;
  }

  /** How one image's column matrix is cut: {@code rows} column-side rows per band. */
  private record Bands(int rows, int count, int maxFloats) {
    static Bands of(ConvGeometry g) {
      if (g.identityColumns()) {
        return new Bands(g.hb, 1, 0);
      }
      long perRow = (long) g.ca * g.kh * g.kw * g.wb;
      int rows = (int) Math.max(1, Math.min(g.hb, colBudget / Math.max(1, perRow)));
      return new Bands(rows, (g.hb + rows - 1) / rows, Math.toIntExact(perRow * rows));
    }
  }

  /** Multiply-adds of one image's GEMMs plus the column copies, a cost estimate. */
  private static long imageCost(ConvGeometry g) {
    return ((long) g.cb * g.kg() + (long) g.ca * g.kh * g.kw) * g.lb();
  }

  /** Body over chunk indices [c0, c1). */
  private interface Chunks {
    void run(int c0, int c1);
  }

  /**
   * Runs chunks [0, count) in parallel when there are enough for the threads and the work (about
   * {@code cost} multiply-adds per chunk) is worth waking them, else in order on this thread.
   */
  private static void forChunks(int count, long cost, Chunks body) {
    if (count >= 2 && count >= Parallel.threads() && count * cost >= INLINE) {
      Parallel.forChunks(count, 1, body::run);
    } else {
      body.run(0, count);
    }
  }

  // ================================================================== B = W ⊛ A + bias

  /** B = W ⊛ A (+ bias[cb] when not null) for all images; returns B {@code [n, cb, lb]}. */
  static float[] forward(ConvGeometry g, float[] a, int aOff, float[] w, int wOff, float[] bias,
      int biasOff) {
    float[] out = new float[Math.multiplyExact(g.n, Math.multiplyExact(g.cb, g.lb()))];
    Kernels k = Kernels.get();
    int kg = g.kg();
    int cbg = g.cbg();
    int lb = g.lb();
    int la = g.la();
    boolean identity = g.identityColumns();
    Bands bands = Bands.of(g);
    forChunks(g.n, imageCost(g), (n0, n1) -> {
      float[] col = identity ? null : scratch(bands.maxFloats());
      for (int n = n0; n < n1; n++) {
        int outN = n * g.cb * lb;
        float beta = 0f;
        if (bias != null) {
          for (int c = 0; c < g.cb; c++) {
            Arrays.fill(out, outN + c * lb, outN + (c + 1) * lb, bias[biasOff + c]);
          }
          beta = 1f;
        }
        int imgN = aOff + n * g.ca * la;
        for (int b0 = 0; b0 < g.hb; b0 += bands.rows()) {
          int b1 = Math.min(g.hb, b0 + bands.rows());
          int nb = (b1 - b0) * g.wb;
          if (!identity) {
            Im2Col.im2col(g, a, imgN, b0, b1, col, 0);
          }
          for (int grp = 0; grp < g.groups; grp++) {
            float[] src = identity ? a : col;
            int srcOff = identity ? imgN + grp * kg * la : grp * kg * nb;
            k.gemm(false, false, cbg, nb, kg, 1f, w, wOff + grp * cbg * kg, kg, src, srcOff,
                identity ? lb : nb, beta, out, outN + grp * cbg * lb + b0 * g.wb, lb);
          }
        }
      }
    });
    return out;
  }

  // ================================================================== A = Wᵀ ⊛ B + bias

  /** A = Wᵀ ⊛ B (+ bias[ca] when not null) for all images; returns A {@code [n, ca, la]}. */
  static float[] adjoint(ConvGeometry g, float[] b, int bOff, float[] w, int wOff, float[] bias,
      int biasOff) {
    float[] out = new float[Math.multiplyExact(g.n, Math.multiplyExact(g.ca, g.la()))];
    Kernels k = Kernels.get();
    int lb = g.lb();
    int la = g.la();
    Bands bands = Bands.of(g);
    forChunks(g.n, imageCost(g), (n0, n1) -> {
      float[] col = g.identityColumns() ? null : scratch(bands.maxFloats());
      for (int n = n0; n < n1; n++) {
        int outN = n * g.ca * la;
        if (bias != null) {
          for (int c = 0; c < g.ca; c++) {
            Arrays.fill(out, outN + c * la, outN + (c + 1) * la, bias[biasOff + c]);
          }
        }
        adjointImage(k, g, bands, b, bOff + n * g.cb * lb, w, wOff, col, out, outN);
      }
    });
    return out;
  }

  /** One image: A_n += Wᵀ ⊛ B_n, band by band through {@code col} (unused for identity). */
  private static void adjointImage(Kernels k, ConvGeometry g, Bands bands, float[] b, int bN,
      float[] w, int wOff, float[] col, float[] out, int outN) {
    int kg = g.kg();
    int cbg = g.cbg();
    int lb = g.lb();
    if (g.identityColumns()) {
      for (int grp = 0; grp < g.groups; grp++) {
        k.gemm(true, false, kg, lb, cbg, 1f, w, wOff + grp * cbg * kg, kg, b, bN + grp * cbg * lb,
            lb, 1f, out, outN + grp * kg * lb, lb);
      }
      return;
    }
    for (int b0 = 0; b0 < g.hb; b0 += bands.rows()) {
      int b1 = Math.min(g.hb, b0 + bands.rows());
      int nb = (b1 - b0) * g.wb;
      for (int grp = 0; grp < g.groups; grp++) {
        k.gemm(true, false, kg, nb, cbg, 1f, w, wOff + grp * cbg * kg, kg, b,
            bN + grp * cbg * lb + b0 * g.wb, lb, 0f, col, grp * kg * nb, nb);
      }
      Im2Col.col2im(g, col, 0, b0, b1, out, outN);
    }
  }

  // ================================================================== gradients

  /** Input and weight gradients (each null when not wanted). */
  record Grads(float[] input, float[] weight) {}

  /**
   * Backward of a convolution (A = x, B = dy: dx = Wᵀ ⊛ dy, dWᵀ = Σ col(x)·dyᵀ) or of a
   * transposed one (A = dy, B = x: dx = W ⊛ dy, dWᵀ = Σ col(dy)·xᵀ, sharing col(dy)). The
   * weight gradient is computed transposed, kg × cb/groups per group: with kg rows the GEMM's
   * register tiles fit better than with the usually fewer cb/groups, and W5 runs 10–15% faster.
   */
  static Grads backward(ConvGeometry g, float[] x, int xOff, float[] w, int wOff, float[] dy,
      int dyOff, boolean needInput, boolean needWeight) {
    Kernels k = Kernels.get();
    int kg = g.kg();
    int cbg = g.cbg();
    int wSize = g.cb * kg;
    int aSize = g.ca * g.la();
    int bSize = g.cb * g.lb();
    int inSize = g.transposed ? bSize : aSize;
    float[] dx = needInput ? new float[Math.multiplyExact(g.n, inSize)] : null;
    // fixed image chunks for the weight-gradient partials: from the shapes only
    int parts = g.n;
    if (needWeight) {
      long fit = Math.max(1, PARTIAL_BUDGET / Math.max(1, wSize));
      parts = (int) Math.min(Math.min(g.n, MAX_PARTIALS), fit);
    }
    int perChunk = (g.n + Math.max(1, parts) - 1) / Math.max(1, parts);
    int chunks = g.n == 0 ? 0 : (g.n + perChunk - 1) / perChunk;
    float[] partial = needWeight ? new float[Math.multiplyExact(Math.max(1, chunks), wSize)]
        : null;
    Bands bands = Bands.of(g);
    forChunks(chunks, 2 * imageCost(g) * perChunk, (c0, c1) -> {
      float[] col = g.identityColumns() ? null : scratch(bands.maxFloats());
      for (int chunk = c0; chunk < c1; chunk++) {
        int nEnd = Math.min(g.n, (chunk + 1) * perChunk);
        for (int n = chunk * perChunk; n < nEnd; n++) {
          boolean first = n == chunk * perChunk;
          if (!g.transposed) {
            convImage(k, g, bands, x, xOff + n * aSize, w, wOff, dy, dyOff + n * bSize, col,
                dx, n * inSize, partial, chunk * wSize, first);
          } else {
            transposedImage(k, g, bands, x, xOff + n * bSize, w, wOff, dy, dyOff + n * aSize,
                col, dx, n * inSize, partial, chunk * wSize, first);
          }
        }
      }
    });
    float[] dw = null;
    if (needWeight) {
      // Σ of the partials in chunk order, then each group's dWᵀ (kg × cbg) back to W's layout
      for (int p = 1; p < chunks; p++) {
        int off = p * wSize;
        for (int e = 0; e < wSize; e++) {
          partial[e] += partial[off + e];
        }
      }
      dw = new float[wSize];
      if (chunks > 0) {
        for (int grp = 0; grp < g.groups; grp++) {
          int base = grp * cbg * kg;
          for (int t = 0; t < kg; t++) {
            for (int o = 0; o < cbg; o++) {
              dw[base + o * kg + t] = partial[base + t * cbg + o];
            }
          }
        }
      }
    }
    return new Grads(dx, dw);
  }

  /**
   * One image of a convolution's backward: dWᵀ_part (+)= col(x)·dyᵀ per group (overwritten by
   * the first band of the chunk's first image), dx = Wᵀ ⊛ dy.
   */
  private static void convImage(Kernels k, ConvGeometry g, Bands bands, float[] x, int xN,
      float[] w, int wOff, float[] dy, int dyN, float[] col, float[] dx, int dxN,
      float[] partial, int pOff, boolean first) {
    int kg = g.kg();
    int cbg = g.cbg();
    int lb = g.lb();
    boolean identity = g.identityColumns();
    if (partial != null) {
      for (int b0 = 0; b0 < g.hb; b0 += bands.rows()) {
        int b1 = Math.min(g.hb, b0 + bands.rows());
        int nb = (b1 - b0) * g.wb;
        if (!identity) {
          Im2Col.im2col(g, x, xN, b0, b1, col, 0);
        }
        float beta = first && b0 == 0 ? 0f : 1f;
        for (int grp = 0; grp < g.groups; grp++) {
          float[] src = identity ? x : col;
          int srcOff = identity ? xN + grp * kg * lb : grp * kg * nb;
          k.gemm(false, true, kg, cbg, nb, 1f, src, srcOff, identity ? lb : nb, dy,
              dyN + grp * cbg * lb + b0 * g.wb, lb, beta, partial, pOff + grp * cbg * kg, cbg);
        }
      }
    }
    if (dx != null) {
      adjointImage(k, g, bands, dy, dyN, w, wOff, col, dx, dxN);
    }
  }

  /**
   * One image of a transposed convolution's backward, band by band: col(dy) once, dx = W·col,
   * dWᵀ (+)= col·xᵀ per group.
   */
  private static void transposedImage(Kernels k, ConvGeometry g, Bands bands, float[] x, int xN,
      float[] w, int wOff, float[] dy, int dyN, float[] col, float[] dx, int dxN,
      float[] partial, int pOff, boolean first) {
    int kg = g.kg();
    int cbg = g.cbg();
    int lb = g.lb();
    boolean identity = g.identityColumns();
    for (int b0 = 0; b0 < g.hb; b0 += bands.rows()) {
      int b1 = Math.min(g.hb, b0 + bands.rows());
      int nb = (b1 - b0) * g.wb;
      if (!identity) {
        Im2Col.im2col(g, dy, dyN, b0, b1, col, 0);
      }
      float[] src = identity ? dy : col;
      int ld = identity ? lb : nb;
      float beta = first && b0 == 0 ? 0f : 1f;
      for (int grp = 0; grp < g.groups; grp++) {
        int srcOff = identity ? dyN + grp * kg * lb : grp * kg * nb;
        if (dx != null) {
          k.gemm(false, false, cbg, nb, kg, 1f, w, wOff + grp * cbg * kg, kg, src, srcOff, ld, 0f,
              dx, dxN + grp * cbg * lb + b0 * g.wb, lb);
        }
        if (partial != null) {
          k.gemm(false, true, kg, cbg, nb, 1f, src, srcOff, ld, x, xN + grp * cbg * lb + b0 * g.wb,
              lb, beta, partial, pOff + grp * cbg * kg, cbg);
        }
      }
    }
  }

  /** Σ over images and pixels of each channel of {@code dy} {@code [n, channels, pixels]}. */
  static float[] biasGrad(float[] dy, int dyOff, int n, int channels, int pixels) {
    float[] db = new float[channels];
    Kernels k = Kernels.get();
    for (int c = 0; c < channels; c++) {
      double s = 0;
      for (int i = 0; i < n; i++) {
        s += k.sum(pixels, dy, dyOff + (i * channels + c) * pixels);
      }
      db[c] = (float) s;
    }
    return db;
  }
}
