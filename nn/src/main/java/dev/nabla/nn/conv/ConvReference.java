package dev.nabla.nn.conv;

/**
 * The F64 convolution (internal): the maps of {@link ConvGeometry} as direct loops over every
 * kernel tap, written for clarity. It serves F64 tensors (GradCheck) and is the oracle the F32
 * im2col path is tested against.
 */
final class ConvReference {
  private ConvReference() {}

  /** Visits every (image pixel, column pixel, weight) triple of the relation B = W ⊛ A. */
  private interface Tap {
    void at(int aIndex, int bIndex, int wIndex);
  }

  private static void forEachTap(ConvGeometry g, Tap tap) {
    int cag = g.cag();
    int cbg = g.cbg();
    for (int n = 0; n < g.n; n++) {
      for (int cb = 0; cb < g.cb; cb++) {
        int grp = cb / cbg;
        for (int ci = 0; ci < cag; ci++) {
          int ca = grp * cag + ci;
          for (int i = 0; i < g.kh; i++) {
            for (int j = 0; j < g.kw; j++) {
              int wIndex = ((cb * cag + ci) * g.kh + i) * g.kw + j;
              for (int hb = 0; hb < g.hb; hb++) {
                int ha = hb * g.sh - g.pt + i * g.dh;
                if (ha < 0 || ha >= g.ha) {
                  continue;
                }
                for (int wb = 0; wb < g.wb; wb++) {
                  int wa = wb * g.sw - g.pl + j * g.dw;
                  if (wa < 0 || wa >= g.wa) {
                    continue;
                  }
                  int aIndex = ((n * g.ca + ca) * g.ha + ha) * g.wa + wa;
                  int bIndex = ((n * g.cb + cb) * g.hb + hb) * g.wb + wb;
                  tap.at(aIndex, bIndex, wIndex);
                }
              }
            }
          }
        }
      }
    }
  }

  /** B = W ⊛ A (+ bias per B channel). */
  static double[] forward(ConvGeometry g, double[] a, double[] w, double[] bias) {
    double[] b = new double[g.n * g.cb * g.lb()];
    addBias(b, bias, g.n, g.cb, g.lb());
    forEachTap(g, (ai, bi, wi) -> b[bi] += w[wi] * a[ai]);
    return b;
  }

  /** A = Wᵀ ⊛ B (+ bias per A channel). */
  static double[] adjoint(ConvGeometry g, double[] b, double[] w, double[] bias) {
    double[] a = new double[g.n * g.ca * g.la()];
    addBias(a, bias, g.n, g.ca, g.la());
    forEachTap(g, (ai, bi, wi) -> a[ai] += w[wi] * b[bi]);
    return a;
  }

  /** dW = Σ B·col(A)ᵀ: the weight gradient, with B = dy for a convolution, x for a transposed. */
  static double[] weightGrad(ConvGeometry g, double[] a, double[] b) {
    double[] dw = new double[g.cb * g.kg()];
    forEachTap(g, (ai, bi, wi) -> dw[wi] += b[bi] * a[ai]);
    return dw;
  }

  /** Σ over images and pixels per channel. */
  static double[] biasGrad(double[] dy, int n, int channels, int pixels) {
    double[] db = new double[channels];
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < channels; c++) {
        int off = (i * channels + c) * pixels;
        for (int p = 0; p < pixels; p++) {
          db[c] += dy[off + p];
        }
      }
    }
    return db;
  }

  private static void addBias(double[] out, double[] bias, int n, int channels, int pixels) {
    if (bias == null) {
      return;
    }
    for (int i = 0; i < n; i++) {
      for (int c = 0; c < channels; c++) {
        int off = (i * channels + c) * pixels;
        for (int p = 0; p < pixels; p++) {
          out[off + p] = bias[c];
        }
      }
    }
  }
}
