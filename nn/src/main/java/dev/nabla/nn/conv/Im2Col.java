package dev.nabla.nn.conv;

import java.util.Arrays;

/**
 * The column matrix of one image (internal): im2col copies every kernel tap's view of the image
 * side A into a row, col2im adds the rows back. For an image {@code [ca, ha, wa]} the matrix has
 * {@code ca·kh·kw} rows, row {@code (c·kh + i)·kw + j} holding, for every column-side pixel (hb,
 * wb), the value at (hb·sh − pt + i·dh, wb·sw − pl + j·dw), zero in the padding.
 *
 * <p>Both work on a band of column-side rows, so that the matrix of a large image need not be
 * held at once. For each tap the valid rows and columns form intervals, computed up front, so
 * the inner loops are plain copies (contiguous when the stride is 1) and adds with no bounds
 * tests. (Splitting strided rows into their phases first, to make every copy contiguous,
 * measured no faster on the W5 shapes: the rows there are short and the per-row overhead
 * dominates.)
 */
final class Im2Col {
  private Im2Col() {}

  /** First column-side index whose source index {@code q·s + off} is ≥ 0 (at most count). */
  private static int lo(int off, int s, int count) {
    return off >= 0 ? 0 : Math.min(count, (-off + s - 1) / s);
  }

  /** One past the last column-side index (≤ count) whose source {@code q·s + off} is &lt; size. */
  private static int hi(int off, int s, int size, int count) {
    if (size - 1 - off < 0) {
      return 0;
    }
    return Math.min(count, (size - 1 - off) / s + 1);
  }

  /**
   * Writes the columns of column-side rows [b0, b1) (a band) of the column matrix of the image at
   * {@code img[imgOff]} into {@code col[colOff]}: ca·kh·kw rows of (b1 − b0)·wb.
   */
  static void im2col(ConvGeometry g, float[] img, int imgOff, int b0, int b1, float[] col,
      int colOff) {
    int ha = g.ha;
    int wa = g.wa;
    int wb = g.wb;
    int lb = (b1 - b0) * wb;
    int s = g.sw;
    int row = colOff;
    for (int c = 0; c < g.ca; c++) {
      int plane = imgOff + c * ha * wa;
      for (int i = 0; i < g.kh; i++) {
        int rowOff = i * g.dh - g.pt;
        int r0 = Math.max(b0, lo(rowOff, g.sh, b1));
        int r1 = Math.max(r0, hi(rowOff, g.sh, ha, b1));
        for (int j = 0; j < g.kw; j++, row += lb) {
          int off = j * g.dw - g.pl;
          int q0 = lo(off, s, wb);
          int q1 = Math.max(q0, hi(off, s, wa, wb));
          if (r0 > b0) {
            Arrays.fill(col, row, row + (r0 - b0) * wb, 0f);
          }
          if (r1 < b1) {
            Arrays.fill(col, row + (r1 - b0) * wb, row + lb, 0f);
          }
          for (int r = r0; r < r1; r++) {
            int dst = row + (r - b0) * wb;
            int src = plane + (r * g.sh + rowOff) * wa + off;
            if (q0 > 0) {
              Arrays.fill(col, dst, dst + q0, 0f);
            }
            if (s == 1) {
              System.arraycopy(img, src + q0, col, dst + q0, q1 - q0);
            } else if (s == 2) {
              for (int q = q0; q < q1; q++) {
                col[dst + q] = img[src + 2 * q];
              }
            } else {
              for (int q = q0; q < q1; q++) {
                col[dst + q] = img[src + q * s];
              }
            }
            if (q1 < wb) {
              Arrays.fill(col, dst + q1, dst + wb, 0f);
            }
          }
        }
      }
    }
  }

  /**
   * Adds the band [b0, b1) of a column matrix at {@code col[colOff]} back into the image at
   * {@code img[imgOff]} (the adjoint of {@link #im2col}; the image is not cleared).
   */
  static void col2im(ConvGeometry g, float[] col, int colOff, int b0, int b1, float[] img,
      int imgOff) {
    int ha = g.ha;
    int wa = g.wa;
    int wb = g.wb;
    int lb = (b1 - b0) * wb;
    int s = g.sw;
    int row = colOff;
    for (int c = 0; c < g.ca; c++) {
      int plane = imgOff + c * ha * wa;
      for (int i = 0; i < g.kh; i++) {
        int rowOff = i * g.dh - g.pt;
        int r0 = Math.max(b0, lo(rowOff, g.sh, b1));
        int r1 = Math.max(r0, hi(rowOff, g.sh, ha, b1));
        for (int j = 0; j < g.kw; j++, row += lb) {
          int off = j * g.dw - g.pl;
          int q0 = lo(off, s, wb);
          int q1 = Math.max(q0, hi(off, s, wa, wb));
          for (int r = r0; r < r1; r++) {
            int src = row + (r - b0) * wb;
            int dst = plane + (r * g.sh + rowOff) * wa + off;
            if (s == 1) {
              for (int q = q0; q < q1; q++) {
                img[dst + q] += col[src + q];
              }
            } else if (s == 2) {
              for (int q = q0; q < q1; q++) {
                img[dst + 2 * q] += col[src + q];
              }
            } else {
              for (int q = q0; q < q1; q++) {
                img[dst + q * s] += col[src + q];
              }
            }
          }
        }
      }
    }
  }
}
