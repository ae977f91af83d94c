package dev.nabla.core.internal.kernel;

import java.util.Arrays;
import java.util.concurrent.ForkJoinTask;
import java.util.function.IntSupplier;
import java.util.function.IntToDoubleFunction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API kernels for one vector width, held in the {@code static final} {@link #S} so that
 * the JIT sees a constant species (with a non-constant species the Vector API runs ~100× slower).
 *
 * <p>{@link VectorKernels} uses this class as loaded for the hardware's preferred width; for any
 * other width (tests, {@code -Dnabla.vector.bits}) it loads a private copy of it in a small class
 * loader that tells the copy its width. The copy lives in another runtime package, so this class
 * uses only public members of the rest of the package (compile-time constants are inlined).
 *
 * <p>Every result is independent of the thread count: GEMM computes each element of C with the
 * same sequence of fused multiply-adds whatever the tiling, reductions combine fixed chunks in
 * order, and lanes are summed in a fixed order (never {@code reduceLanes(ADD)}, whose order the
 * Vector API leaves unspecified).
 */
final class VectorEngine implements Kernels {

  // ------------------------------------------------------------------ species and tuning

  /** The vector species: the width the loading {@link VectorKernels} asked for, else preferred. */
  static final VectorSpecies<Float> S = species();
  /** Lanes per vector. */
  static final int L = S.length();

  /**
   * 32 vector registers (AVX-512, and ymm16–31 with AVX-512VL) hold a 12×2-vector block of
   * accumulators; AVX2 has 16, which fit 6×2. Measured on a Xeon with AVX-512 (micro-kernel alone,
   * data in L2, JDK 17, GFLOP/s): 4×2 134, 6×2 151, 8×2 174, 12×2 181, 14×2 196 vectors of 16;
   * inside the whole GEMM 12×2 and 14×2 are even within noise. With AVX2 (-XX:UseAVX=2, 8 lanes):
   * 4×2 96, 6×2 93, 8×2 57 (spills), 12×2 36.
   */
  static final boolean WIDE_REGISTERS = FloatVector.SPECIES_PREFERRED.vectorBitSize() >= 512;
  /** Rows of the GEMM micro-tile. */
  static final int MR = WIDE_REGISTERS ? 12 : 6;
  /** Columns of the GEMM micro-tile: two vectors. */
  static final int NR = 2 * L;
  /**
   * Depth of one packed block. Fixed (it is part of the summation order, so results do not
   * depend on anything else); 256 and 512 measured alike.
   */
  static final int KC = tuning("kc", 256);
  /** Rows of C per packed A block (at most; fewer when that balances the threads better). */
  static final int MC = tuning("mc", 144);
  /** Columns of C per block (a tile's block of C, MC × NC at most, stays in L2 over all of k). */
  static final int NC = tuning("nc", 1024);
  /** Floats of packed B at most (the column blocks narrow for very deep products). */
  static final int B_BUDGET = 1 << 22;
  /** Below this many multiply-adds (m·n·k) GEMM runs on the calling thread. */
  static final long GEMM_INLINE = tuning("inline", 1 << 22);

  /** Below this many multiply-adds (k·len) a matrix-vector product runs on the calling thread. */
  static final long GEMV_INLINE = 1 << 18;

  /** Elements per reduction chunk (as the scalar specification). */
  static final int CHUNK = ScalarKernels.REDUCE_CHUNK;
  /** Below about this many operations a call runs on the calling thread. */
  static final long INLINE_COST = ScalarKernels.INLINE_COST;

  private static VectorSpecies<Float> species() {
    ClassLoader loader = VectorEngine.class.getClassLoader();
    if (!(loader instanceof IntSupplier) || !VectorKernels.LOADER_NAME.equals(loader.getName())) {
      return FloatVector.SPECIES_PREFERRED;
    }
    int bits = ((IntSupplier) loader).getAsInt();
    if (bits == 64) {
      return FloatVector.SPECIES_64;
    } else if (bits == 128) {
      return FloatVector.SPECIES_128;
    } else if (bits == 256) {
      return FloatVector.SPECIES_256;
    } else if (bits == 512) {
      return FloatVector.SPECIES_512;
    }
    throw new IllegalArgumentException("unsupported vector width: " + bits + " bits");
  }

  /**
   * A blocking parameter, overridable with {@code -Dnabla.gemm.<name>} (kc, mc, nc, inline) for
   * tuning runs; a different kc changes the rounding of GEMM results.
   */
  private static int tuning(String name, int dflt) {
    String v = System.getProperty("nabla.gemm." + name);
    return v == null || v.isBlank() ? dflt : Integer.parseInt(v.trim());
  }

  VectorEngine() {}

  /** The hardware's preferred vector width in bits. */
  static int preferredBits() {
    return FloatVector.SPECIES_PREFERRED.vectorBitSize();
  }

  @Override
  public String description() {
    return "Vector API, " + S.vectorBitSize() + "-bit";
  }

  /** Threads to plan for: one when already on a worker (nested calls run inline). */
  private static int threads() {
    return ForkJoinTask.inForkJoinPool() ? 1 : Parallel.threads();
  }

  // ------------------------------------------------------------------ buffers

  /**
   * Per-thread packing buffers: slot 0 packs A (and holds the edge tile), slot 1 packs B. A
   * caller packs B into its own slot 1 and the workers read it; each worker packs A into its own
   * slot 0. Nested calls on a worker run inline, so a slot is never in use twice at once.
   */
  private static final ThreadLocal<float[][]> BUFFERS =
      ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

  private static float[] buffer(int slot, int size) {
    float[][] b = BUFFERS.get();
    if (b[slot].length < size) {
      b[slot] = new float[Math.max(size, b[slot].length + (b[slot].length >> 1))];
    }
    return b[slot];
  }

  // ------------------------------------------------------------------ GEMM

  @Override
  public void gemm(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    gemmAny(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
  }

  /**
   * GEMM by shape: C = beta·C when k = 0 or alpha = 0 (A and B not read, as BLAS), a
   * matrix-vector product when m or n is 1, else the packed algorithm.
   */
  private static void gemmAny(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    if (m <= 0 || n <= 0) {
      return;
    }
    if (k <= 0 || alpha == 0f) {
      scaleMatrix(m, n, beta, c, cOff, ldc);
    } else if (m == 1) {
      // one row of C: x = op(A) row 0, C[0][j] = Σ_p x[p]·op(B)[p][j]
      float[] x = a;
      int xo = aOff;
      if (transA && lda != 1) {
        x = new float[k];
        for (int p = 0; p < k; p++) {
          x[p] = a[aOff + p * lda];
        }
        xo = 0;
      }
      gemv(!transB, k, n, x, xo, b, bOff, ldb, alpha, beta, c, cOff, 1);
    } else if (n == 1) {
      // one column of C: y = op(B) column 0, C[i][0] = Σ_p op(A)[i][p]·y[p]
      float[] y = b;
      int yo = bOff;
      if (!transB && ldb != 1) {
        y = new float[k];
        for (int p = 0; p < k; p++) {
          y[p] = b[bOff + p * ldb];
        }
        yo = 0;
      }
      gemv(transA, k, m, y, yo, a, aOff, lda, alpha, beta, c, cOff, ldc);
    } else {
      gemmPacked(transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }
  }

  /** C = beta·C (beta 0: zeros, NaNs dropped). */
  private static void scaleMatrix(int m, int n, float beta, float[] c, int cOff, int ldc) {
    if (beta == 1f) {
      return;
    }
    for (int i = 0; i < m; i++) {
      int ci = cOff + i * ldc;
      if (beta == 0f) {
        Arrays.fill(c, ci, ci + n, 0f);
      } else {
        scaleRange(n, beta, c, ci);
      }
    }
  }

  /**
   * Matrix-vector product: out[j] = alpha·Σ_p x[p]·M(p, j) + beta·out[j] for j &lt; len, with
   * M(p, j) = m[mOff + p·ld + j] when {@code columns} (x times a k×len matrix) and
   * m[mOff + j·ld + p] otherwise (a len×k matrix times x); out[j] is c[cOff + j·cStride].
   */
  private static void gemv(boolean columns, int k, int len, float[] x, int xo, float[] m, int mOff,
      int ld, float alpha, float beta, float[] c, int cOff, int cStride) {
    int chunk = columns ? 16 * L : 16;
    Parallel.Range body = (j0, j1) -> {
      float[] t = new float[j1 - j0];
      if (columns) {
        axpyRows(k, x, xo, m, mOff, ld, j0, j1, t);
      } else {
        dotRows(k, x, xo, m, mOff, ld, j0, j1, t);
      }
      for (int j = j0; j < j1; j++) {
        int ci = cOff + j * cStride;
        c[ci] = beta == 0f ? alpha * t[j - j0] : Math.fma(t[j - j0], alpha, beta * c[ci]);
      }
    };
    if ((long) k * len < GEMV_INLINE || threads() == 1) {
      for (int j = 0; j < len; j += chunk) {
        body.run(j, Math.min(len, j + chunk));
      }
    } else {
      Parallel.forChunks(len, chunk, body);
    }
  }

  /**
   * t[j − j0] = Σ_p x[p]·m[mOff + p·ld + j] for j in [j0, j1): the rows of m are added in steps
   * of four (a fixed chain of fused multiply-adds per element, so any column split gives the
   * same bits).
   */
  private static void axpyRows(int k, float[] x, int xo, float[] m, int mOff, int ld, int j0,
      int j1, float[] t) {
    int len = j1 - j0;
    int vb = S.loopBound(len);
    int p = 0;
    for (; p + 4 <= k; p += 4) {
      float x0 = x[xo + p];
      float x1 = x[xo + p + 1];
      float x2 = x[xo + p + 2];
      float x3 = x[xo + p + 3];
      int r0 = mOff + p * ld + j0;
      int r1 = r0 + ld;
      int r2 = r1 + ld;
      int r3 = r2 + ld;
      FloatVector v0 = FloatVector.broadcast(S, x0);
      FloatVector v1 = FloatVector.broadcast(S, x1);
      FloatVector v2 = FloatVector.broadcast(S, x2);
      FloatVector v3 = FloatVector.broadcast(S, x3);
      int j = 0;
      for (; j < vb; j += L) {
        FloatVector acc = FloatVector.fromArray(S, t, j);
        acc = v0.fma(FloatVector.fromArray(S, m, r0 + j), acc);
        acc = v1.fma(FloatVector.fromArray(S, m, r1 + j), acc);
        acc = v2.fma(FloatVector.fromArray(S, m, r2 + j), acc);
        acc = v3.fma(FloatVector.fromArray(S, m, r3 + j), acc);
        acc.intoArray(t, j);
      }
      for (; j < len; j++) {
        float acc = t[j];
        acc = Math.fma(x0, m[r0 + j], acc);
        acc = Math.fma(x1, m[r1 + j], acc);
        acc = Math.fma(x2, m[r2 + j], acc);
        acc = Math.fma(x3, m[r3 + j], acc);
        t[j] = acc;
      }
    }
    for (; p < k; p++) {
      float x0 = x[xo + p];
      int r0 = mOff + p * ld + j0;
      FloatVector v0 = FloatVector.broadcast(S, x0);
      int j = 0;
      for (; j < vb; j += L) {
        v0.fma(FloatVector.fromArray(S, m, r0 + j), FloatVector.fromArray(S, t, j))
            .intoArray(t, j);
      }
      for (; j < len; j++) {
        t[j] = Math.fma(x0, m[r0 + j], t[j]);
      }
    }
  }

  /**
   * t[j − j0] = Σ_p x[p]·m[mOff + j·ld + p] for j in [j0, j1): one vector accumulator per row
   * (four rows at a time share the loads of x), lanes summed in order, then the scalar tail.
   */
  private static void dotRows(int k, float[] x, int xo, float[] m, int mOff, int ld, int j0,
      int j1, float[] t) {
    int vb = S.loopBound(k);
    float[] lanes = new float[4 * L];
    int j = j0;
    for (; j + 4 <= j1; j += 4) {
      int r0 = mOff + j * ld;
      int r1 = r0 + ld;
      int r2 = r1 + ld;
      int r3 = r2 + ld;
      FloatVector a0 = FloatVector.zero(S);
      FloatVector a1 = FloatVector.zero(S);
      FloatVector a2 = FloatVector.zero(S);
      FloatVector a3 = FloatVector.zero(S);
      for (int p = 0; p < vb; p += L) {
        FloatVector xv = FloatVector.fromArray(S, x, xo + p);
        a0 = xv.fma(FloatVector.fromArray(S, m, r0 + p), a0);
        a1 = xv.fma(FloatVector.fromArray(S, m, r1 + p), a1);
        a2 = xv.fma(FloatVector.fromArray(S, m, r2 + p), a2);
        a3 = xv.fma(FloatVector.fromArray(S, m, r3 + p), a3);
      }
      a0.intoArray(lanes, 0);
      a1.intoArray(lanes, L);
      a2.intoArray(lanes, 2 * L);
      a3.intoArray(lanes, 3 * L);
      t[j - j0] = dotTail(k, vb, x, xo, m, r0, sumLanes(lanes, 0));
      t[j - j0 + 1] = dotTail(k, vb, x, xo, m, r1, sumLanes(lanes, L));
      t[j - j0 + 2] = dotTail(k, vb, x, xo, m, r2, sumLanes(lanes, 2 * L));
      t[j - j0 + 3] = dotTail(k, vb, x, xo, m, r3, sumLanes(lanes, 3 * L));
    }
    for (; j < j1; j++) {
      int r0 = mOff + j * ld;
      FloatVector a0 = FloatVector.zero(S);
      for (int p = 0; p < vb; p += L) {
        a0 = FloatVector.fromArray(S, x, xo + p).fma(FloatVector.fromArray(S, m, r0 + p), a0);
      }
      a0.intoArray(lanes, 0);
      t[j - j0] = dotTail(k, vb, x, xo, m, r0, sumLanes(lanes, 0));
    }
  }

  private static float dotTail(int k, int from, float[] x, int xo, float[] m, int mo, float s) {
    for (int p = from; p < k; p++) {
      s = Math.fma(x[xo + p], m[mo + p], s);
    }
    return s;
  }

  /*
   * Lanes are summed in lane order from an array: not reduceLanes(ADD), whose order the Vector
   * API leaves open (it may differ between the interpreter and compiled code), and no helper
   * taking a vector argument: a vector that crosses a call the JIT does not inline is boxed.
   */

  /** t[from] + t[from + 1] + … over L lanes, in order (float). */
  private static float sumLanes(float[] t, int from) {
    float s = 0f;
    for (int i = from; i < from + L; i++) {
      s += t[i];
    }
    return s;
  }

  /** The lanes of v, stored in t, added in order in double. */
  private static double sumLanesD(float[] t) {
    double s = 0;
    for (int i = 0; i < L; i++) {
      s += t[i];
    }
    return s;
  }

  /**
   * The packed GEMM (after Goto/BLIS). For each block of up to NC columns of C: all of op(B)'s
   * block is packed into NR-column micro-panels, KC-deep slice by slice (shared by all threads);
   * then the tiles of C (an MC-row block × a group of micro-panels) run in parallel. A tile keeps
   * its block of C in L2 while it walks the k-slices: per slice it packs its rows of A into MR-row
   * micro-panels (L2) and calls the MR×NR micro-kernel panel by panel (the B micro-panel stays in
   * L1 while the A micro-panels stream past).
   *
   * <p>The tiling depends on the thread count, the arithmetic does not: every element of C gets,
   * for each KC slice in order, one fused multiply-add chain from zero, then
   * C = alpha·acc + beta'·C (beta' = beta for the first slice, 1 after).
   */
  private static void gemmPacked(boolean transA, boolean transB, int m, int n, int k, float alpha,
      float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
      float beta, float[] c, int cOff, int ldc) {
    int threads = (long) m * n * k < GEMM_INLINE ? 1 : threads();
    int mPanels = (m + MR - 1) / MR;
    int mcPanels = Math.max(1, MC / MR);
    if (threads > 1) {
      // at least two tiles per thread when there are rows enough
      mcPanels = Math.max(1, Math.min(mcPanels, (mPanels + 2 * threads - 1) / (2 * threads)));
    }
    int mBlocks = (mPanels + mcPanels - 1) / mcPanels;
    int mc = mcPanels * MR;
    int slices = (k + KC - 1) / KC;
    // the packed block of B holds nc·k floats: at most B_BUDGET
    int ncMax = Math.max(NR, Math.min(NC, B_BUDGET / k / NR * NR));
    for (int jc = 0; jc < n; jc += ncMax) {
      int nc = Math.min(ncMax, n - jc);
      int nPanels = (nc + NR - 1) / NR;
      int groups = 1;
      if (threads > 1 && mBlocks < 2 * threads) {
        groups = Math.min(nPanels, (2 * threads + mBlocks - 1) / mBlocks);
      }
      int groupPanels = (nPanels + groups - 1) / groups;
      int nGroups = (nPanels + groupPanels - 1) / groupPanels;
      int tiles = mBlocks * nGroups;
      // slice s of the packed block starts at s·KC·nPanels·NR; its panel q, q·NR·kc further on
      float[] bp = buffer(1, nPanels * NR * k);
      final int jc0 = jc;
      Parallel.Range pack = (u0, u1) -> {
        for (int u = u0; u < u1; u++) {
          int pc = (u / nPanels) * KC;
          int q = u % nPanels;
          packB(transB, b, bOff, ldb, jc0, nc, pc, Math.min(KC, k - pc), bp, pc * nPanels * NR,
              q, q + 1);
        }
      };
      Parallel.Range work = (t0, t1) -> {
        for (int t = t0; t < t1; t++) {
          tile(t, nGroups, groupPanels, nPanels, mc, m, jc0, nc, k, transA, a, aOff, lda, bp,
              alpha, beta, c, cOff, ldc);
        }
      };
      if (threads == 1) {
        pack.run(0, slices * nPanels);
        work.run(0, tiles);
      } else {
        Parallel.forChunks(slices * nPanels, 8, pack);
        Parallel.forChunks(tiles, 1, work);
      }
    }
  }

  /** One tile: an MC-row block of C times a group of B micro-panels, over all of k. */
  private static void tile(int t, int nGroups, int groupPanels, int nPanels, int mc, int m,
      int jc, int nc, int k, boolean transA, float[] a, int aOff, int lda, float[] bp,
      float alpha, float beta, float[] c, int cOff, int ldc) {
    int i0 = (t / nGroups) * mc;
    int rows = Math.min(mc, m - i0);
    int q0 = (t % nGroups) * groupPanels;
    int q1 = Math.min(nPanels, q0 + groupPanels);
    int kcMax = Math.min(KC, k);
    int scratch = (rows + MR - 1) / MR * MR * kcMax;
    float[] ap = buffer(0, scratch + MR * NR);
    for (int pc = 0; pc < k; pc += KC) {
      int kc = Math.min(KC, k - pc);
      float betaEff = pc == 0 ? beta : 1f;
      packA(transA, a, aOff, lda, i0, rows, pc, kc, ap);
      int sliceBase = pc * nPanels * NR;
      for (int q = q0; q < q1; q++) {
        int j = q * NR;
        int cols = Math.min(NR, nc - j);
        int bi = sliceBase + q * NR * kc;
        for (int ir = 0; ir < rows; ir += MR) {
          int ci = cOff + (i0 + ir) * ldc + jc + j;
          if (ir + MR <= rows && cols == NR) {
            if (betaEff == 0f) {
              // C is not to be read (it may hold NaNs): clear the tile, then C·0 adds nothing
              FloatVector zero = FloatVector.zero(S);
              for (int r = 0; r < MR; r++) {
                zero.intoArray(c, ci + r * ldc);
                zero.intoArray(c, ci + r * ldc + L);
              }
            }
            kernel(kc, ap, ir * kc, bp, bi, c, ci, ldc, alpha, betaEff);
          } else {
            // edge tile: the full MR×NR tile into the cleared scratch, then C's part updated
            Arrays.fill(ap, scratch, scratch + MR * NR, 0f);
            kernel(kc, ap, ir * kc, bp, bi, ap, scratch, NR, 1f, 0f);
            int rr = Math.min(MR, rows - ir);
            for (int r = 0; r < rr; r++) {
              int cr = ci + r * ldc;
              int tr = scratch + r * NR;
              for (int jj = 0; jj < cols; jj++) {
                c[cr + jj] = betaEff == 0f ? ap[tr + jj] * alpha
                    : Math.fma(ap[tr + jj], alpha, c[cr + jj] * betaEff);
              }
            }
          }
        }
      }
    }
  }

  /**
   * Packs rows [i0, i0 + rows) × columns [pc, pc + kc) of op(A) into MR-row micro-panels:
   * ap[panel·MR·kc + p·MR + r] = op(A)[i0 + panel·MR + r][pc + p], zero rows past the end.
   */
  private static void packA(boolean transA, float[] a, int aOff, int lda, int i0, int rows,
      int pc, int kc, float[] ap) {
    for (int ir = 0; ir < rows; ir += MR) {
      int rr = Math.min(MR, rows - ir);
      int base = ir * kc;
      if (transA) {
        // op(A)[i][p] = a[aOff + p·lda + i]: MR consecutive floats per p
        int src = aOff + pc * lda + i0 + ir;
        for (int p = 0; p < kc; p++) {
          int d = base + p * MR;
          int s = src + p * lda;
          for (int r = 0; r < rr; r++) {
            ap[d + r] = a[s + r];
          }
          for (int r = rr; r < MR; r++) {
            ap[d + r] = 0f;
          }
        }
      } else {
        // op(A)[i][p] = a[aOff + i·lda + p]: each row is contiguous
        for (int r = 0; r < rr; r++) {
          int s = aOff + (i0 + ir + r) * lda + pc;
          for (int p = 0; p < kc; p++) {
            ap[base + p * MR + r] = a[s + p];
          }
        }
        for (int r = rr; r < MR; r++) {
          for (int p = 0; p < kc; p++) {
            ap[base + p * MR + r] = 0f;
          }
        }
      }
    }
  }

  /**
   * Packs micro-panels [q0, q1) of columns [jc, jc + nc) × rows [pc, pc + kc) of op(B):
   * bp[bpOff + q·NR·kc + p·NR + j] = op(B)[pc + p][jc + q·NR + j], zero columns past the end.
   */
  private static void packB(boolean transB, float[] b, int bOff, int ldb, int jc, int nc, int pc,
      int kc, float[] bp, int bpOff, int q0, int q1) {
    for (int q = q0; q < q1; q++) {
      int j = jc + q * NR;
      int cols = Math.min(NR, jc + nc - j);
      int base = bpOff + q * NR * kc;
      if (transB) {
        // op(B)[p][j] = b[bOff + j·ldb + p]: each column of op(B) is a contiguous row of b
        for (int jj = 0; jj < cols; jj++) {
          int s = bOff + (j + jj) * ldb + pc;
          for (int p = 0; p < kc; p++) {
            bp[base + p * NR + jj] = b[s + p];
          }
        }
        for (int jj = cols; jj < NR; jj++) {
          for (int p = 0; p < kc; p++) {
            bp[base + p * NR + jj] = 0f;
          }
        }
      } else {
        int s = bOff + pc * ldb + j;
        if (cols == NR) {
          // plain copies (no vectors: packing must be quick before the JIT has warmed up too)
          for (int p = 0; p < kc; p++) {
            System.arraycopy(b, s + p * ldb, bp, base + p * NR, NR);
          }
        } else {
          for (int p = 0; p < kc; p++) {
            int sp = s + p * ldb;
            int d = base + p * NR;
            for (int jj = 0; jj < cols; jj++) {
              bp[d + jj] = b[sp + jj];
            }
            for (int jj = cols; jj < NR; jj++) {
              bp[d + jj] = 0f;
            }
          }
        }
      }
    }
  }

  /**
   * The MR×NR micro-kernel: acc[i][j] = Σ_p ap[ai + p·MR + i]·bp[bi + p·NR + j] (one fused
   * multiply-add chain per element, p ascending), then c[ci + i·ldc + j] = alpha·acc + beta·C.
   * No branches (a branch first seen late would deoptimise this large method, and recompiling
   * it takes a while): for beta = 0 the caller clears C first.
   */
  private static void kernel(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci,
      int ldc, float alpha, float beta) {
    if (MR == 12) {
      kernel12(kc, ap, ai, bp, bi, c, ci, ldc, alpha, beta);
    } else {
      kernel6(kc, ap, ai, bp, bi, c, ci, ldc, alpha, beta);
    }
  }

  /** The 6×NR micro-kernel (see {@link #kernel}). */
  private static void kernel6(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci,
      int ldc, float alpha, float beta) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = FloatVector.zero(S);
    FloatVector c10 = FloatVector.zero(S);
    FloatVector c11 = FloatVector.zero(S);
    FloatVector c20 = FloatVector.zero(S);
    FloatVector c21 = FloatVector.zero(S);
    FloatVector c30 = FloatVector.zero(S);
    FloatVector c31 = FloatVector.zero(S);
    FloatVector c40 = FloatVector.zero(S);
    FloatVector c41 = FloatVector.zero(S);
    FloatVector c50 = FloatVector.zero(S);
    FloatVector c51 = FloatVector.zero(S);
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bi);
      FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
      FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
      FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
      c20 = a2.fma(b0, c20);
      c21 = a2.fma(b1, c21);
      FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
      c30 = a3.fma(b0, c30);
      c31 = a3.fma(b1, c31);
      FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
      c40 = a4.fma(b0, c40);
      c41 = a4.fma(b1, c41);
      FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
      c50 = a5.fma(b0, c50);
      c51 = a5.fma(b1, c51);
      ai += 6;
      bi += NR;
    }
    FloatVector va = FloatVector.broadcast(S, alpha);
    FloatVector vb = FloatVector.broadcast(S, beta);
    int r = ci;
    c00.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c01.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c10.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c11.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c20.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c21.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c30.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c31.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c40.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c41.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c50.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c51.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
  }

  /** The 12×NR micro-kernel (see {@link #kernel}). */
  private static void kernel12(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci,
      int ldc, float alpha, float beta) {
    FloatVector c00 = FloatVector.zero(S);
    FloatVector c01 = FloatVector.zero(S);
    FloatVector c10 = FloatVector.zero(S);
    FloatVector c11 = FloatVector.zero(S);
    FloatVector c20 = FloatVector.zero(S);
    FloatVector c21 = FloatVector.zero(S);
    FloatVector c30 = FloatVector.zero(S);
    FloatVector c31 = FloatVector.zero(S);
    FloatVector c40 = FloatVector.zero(S);
    FloatVector c41 = FloatVector.zero(S);
    FloatVector c50 = FloatVector.zero(S);
    FloatVector c51 = FloatVector.zero(S);
    FloatVector c60 = FloatVector.zero(S);
    FloatVector c61 = FloatVector.zero(S);
    FloatVector c70 = FloatVector.zero(S);
    FloatVector c71 = FloatVector.zero(S);
    FloatVector c80 = FloatVector.zero(S);
    FloatVector c81 = FloatVector.zero(S);
    FloatVector c90 = FloatVector.zero(S);
    FloatVector c91 = FloatVector.zero(S);
    FloatVector c100 = FloatVector.zero(S);
    FloatVector c101 = FloatVector.zero(S);
    FloatVector c110 = FloatVector.zero(S);
    FloatVector c111 = FloatVector.zero(S);
    for (int p = 0; p < kc; p++) {
      FloatVector b0 = FloatVector.fromArray(S, bp, bi);
      FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
      FloatVector a0 = FloatVector.broadcast(S, ap[ai]);
      c00 = a0.fma(b0, c00);
      c01 = a0.fma(b1, c01);
      FloatVector a1 = FloatVector.broadcast(S, ap[ai + 1]);
      c10 = a1.fma(b0, c10);
      c11 = a1.fma(b1, c11);
      FloatVector a2 = FloatVector.broadcast(S, ap[ai + 2]);
      c20 = a2.fma(b0, c20);
      c21 = a2.fma(b1, c21);
      FloatVector a3 = FloatVector.broadcast(S, ap[ai + 3]);
      c30 = a3.fma(b0, c30);
      c31 = a3.fma(b1, c31);
      FloatVector a4 = FloatVector.broadcast(S, ap[ai + 4]);
      c40 = a4.fma(b0, c40);
      c41 = a4.fma(b1, c41);
      FloatVector a5 = FloatVector.broadcast(S, ap[ai + 5]);
      c50 = a5.fma(b0, c50);
      c51 = a5.fma(b1, c51);
      FloatVector a6 = FloatVector.broadcast(S, ap[ai + 6]);
      c60 = a6.fma(b0, c60);
      c61 = a6.fma(b1, c61);
      FloatVector a7 = FloatVector.broadcast(S, ap[ai + 7]);
      c70 = a7.fma(b0, c70);
      c71 = a7.fma(b1, c71);
      FloatVector a8 = FloatVector.broadcast(S, ap[ai + 8]);
      c80 = a8.fma(b0, c80);
      c81 = a8.fma(b1, c81);
      FloatVector a9 = FloatVector.broadcast(S, ap[ai + 9]);
      c90 = a9.fma(b0, c90);
      c91 = a9.fma(b1, c91);
      FloatVector a10 = FloatVector.broadcast(S, ap[ai + 10]);
      c100 = a10.fma(b0, c100);
      c101 = a10.fma(b1, c101);
      FloatVector a11 = FloatVector.broadcast(S, ap[ai + 11]);
      c110 = a11.fma(b0, c110);
      c111 = a11.fma(b1, c111);
      ai += 12;
      bi += NR;
    }
    FloatVector va = FloatVector.broadcast(S, alpha);
    FloatVector vb = FloatVector.broadcast(S, beta);
    int r = ci;
    c00.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c01.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c10.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c11.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c20.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c21.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c30.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c31.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c40.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c41.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c50.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c51.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c60.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c61.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c70.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c71.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c80.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c81.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c90.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c91.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c100.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c101.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
    r += ldc;
    c110.fma(va, FloatVector.fromArray(S, c, r).mul(vb)).intoArray(c, r);
    c111.fma(va, FloatVector.fromArray(S, c, r + L).mul(vb)).intoArray(c, r + L);
  }


  @Override
  public void gemmBatched(int batch, boolean transA, boolean transB, int m, int n, int k,
      float alpha, float[] a, int aOff, int strideA, int lda, float[] b, int bOff, int strideB,
      int ldb, float beta, float[] c, int cOff, int strideC, int ldc) {
    if (batch <= 0) {
      return;
    }
    long each = (long) m * n * k;
    Parallel.Range body = (p0, p1) -> {
      for (int p = p0; p < p1; p++) {
        gemmAny(transA, transB, m, n, k, alpha, a, aOff + p * strideA, lda, b,
            bOff + p * strideB, ldb, beta, c, cOff + p * strideC, ldc);
      }
    };
    // one matrix per task (each then runs inline on its worker) when they are too small to split
    // or many; else one after the other, each split over the threads
    int threads = threads();
    if (batch > 1 && threads > 1 && each * batch >= GEMM_INLINE
        && (each < GEMM_INLINE || batch >= 4 * threads)) {
      // tiny matrices go several to a task
      int chunk = (int) Math.max(1,
          Math.min(batch / (4L * threads), (1L << 16) / Math.max(1, each)));
      Parallel.forChunks(batch, chunk, body);
    } else {
      body.run(0, batch);
    }
  }

  // ------------------------------------------------------------------ BLAS level 1

  @Override
  public float dot(int n, float[] x, int xOff, float[] y, int yOff) {
    if (n <= CHUNK) {
      return (float) dotRange(n, x, xOff, y, yOff);
    }
    int chunks = (n + CHUNK - 1) / CHUNK;
    double[] parts = new double[chunks];
    Parallel.forChunks(chunks, 1, CHUNK, INLINE_COST, (c0, c1) -> {
      for (int i = c0; i < c1; i++) {
        int s = i * CHUNK;
        parts[i] = dotRange(Math.min(CHUNK, n - s), x, xOff + s, y, yOff + s);
      }
    });
    return (float) sumInOrder(parts);
  }

  private static double sumInOrder(double[] parts) {
    double t = 0;
    for (double p : parts) {
      t += p;
    }
    return t;
  }

  /** Σ x·y over one chunk: four vector accumulators, lanes summed in order, scalar tail. */
  private static double dotRange(int n, float[] x, int xo, float[] y, int yo) {
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = FloatVector.zero(S);
    FloatVector s2 = FloatVector.zero(S);
    FloatVector s3 = FloatVector.zero(S);
    int i = 0;
    int b4 = n - n % (4 * L);
    for (; i < b4; i += 4 * L) {
      s0 = FloatVector.fromArray(S, x, xo + i).fma(FloatVector.fromArray(S, y, yo + i), s0);
      s1 = FloatVector.fromArray(S, x, xo + i + L)
          .fma(FloatVector.fromArray(S, y, yo + i + L), s1);
      s2 = FloatVector.fromArray(S, x, xo + i + 2 * L)
          .fma(FloatVector.fromArray(S, y, yo + i + 2 * L), s2);
      s3 = FloatVector.fromArray(S, x, xo + i + 3 * L)
          .fma(FloatVector.fromArray(S, y, yo + i + 3 * L), s3);
    }
    int b1 = S.loopBound(n);
    for (; i < b1; i += L) {
      s0 = FloatVector.fromArray(S, x, xo + i).fma(FloatVector.fromArray(S, y, yo + i), s0);
    }
    float[] lanes = new float[L];
    s0.add(s1).add(s2.add(s3)).intoArray(lanes, 0);
    double s = sumLanesD(lanes);
    for (; i < n; i++) {
      s += (double) x[xo + i] * y[yo + i];
    }
    return s;
  }

  @Override
  public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    Parallel.forChunks(n, CHUNK, 2, INLINE_COST, (s, e) -> {
      FloatVector va = FloatVector.broadcast(S, alpha);
      int len = e - s;
      int xo = xOff + s;
      int yo = yOff + s;
      int i = 0;
      int vb = S.loopBound(len);
      for (; i < vb; i += L) {
        va.fma(FloatVector.fromArray(S, x, xo + i), FloatVector.fromArray(S, y, yo + i))
            .intoArray(y, yo + i);
      }
      for (; i < len; i++) {
        y[yo + i] = Math.fma(alpha, x[xo + i], y[yo + i]);
      }
    });
  }

  @Override
  public void scale(int n, float alpha, float[] x, int xOff) {
    Parallel.forChunks(n, CHUNK, 1, INLINE_COST, (s, e) -> scaleRange(e - s, alpha, x, xOff + s));
  }

  private static void scaleRange(int len, float alpha, float[] x, int xo) {
    FloatVector va = FloatVector.broadcast(S, alpha);
    int i = 0;
    int vb = S.loopBound(len);
    for (; i < vb; i += L) {
      FloatVector.fromArray(S, x, xo + i).mul(va).intoArray(x, xo + i);
    }
    for (; i < len; i++) {
      x[xo + i] *= alpha;
    }
  }

  // ------------------------------------------------------------------ elementwise

  @Override
  public void unary(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff) {
    long cost = op.ordinal() >= UnaryOp.EXP.ordinal() ? 16 : 1;
    Parallel.forChunks(n, CHUNK, cost, INLINE_COST, unaryBody(op, x, xOff, y, yOff));
  }

  /**
   * The loop for one operation; the scalar tail uses the specification. One small lambda and
   * method per operation: a method reaching every loop would grow past the JIT's inlining budget,
   * and a Vector API call that is not inlined runs boxed, orders of magnitude slower.
   */
  private static Parallel.Range unaryBody(UnaryOp op, float[] x, int xOff, float[] y, int yOff) {
    if (op == UnaryOp.NEG) {
      return (s, e) -> unaryTail(op, negRange(e - s, x, xOff + s, y, yOff + s), e - s, x,
          xOff + s, y, yOff + s);
    } else if (op == UnaryOp.ABS) {
      return (s, e) -> unaryTail(op, absRange(e - s, x, xOff + s, y, yOff + s), e - s, x,
          xOff + s, y, yOff + s);
    } else if (op == UnaryOp.RELU) {
      return (s, e) -> unaryTail(op, reluRange(e - s, x, xOff + s, y, yOff + s), e - s, x,
          xOff + s, y, yOff + s);
    } else if (op == UnaryOp.SQUARE) {
      return (s, e) -> unaryTail(op, squareRange(e - s, x, xOff + s, y, yOff + s), e - s, x,
          xOff + s, y, yOff + s);
    } else if (op == UnaryOp.SQRT) {
      return (s, e) -> unaryTail(op, sqrtRange(e - s, x, xOff + s, y, yOff + s), e - s, x,
          xOff + s, y, yOff + s);
    } else if (op == UnaryOp.RSQRT) {
      return (s, e) -> unaryTail(op, rsqrtRange(e - s, x, xOff + s, y, yOff + s), e - s, x,
          xOff + s, y, yOff + s);
    } else if (op == UnaryOp.RECIPROCAL) {
      return (s, e) -> unaryTail(op, reciprocalRange(e - s, x, xOff + s, y, yOff + s), e - s,
          x, xOff + s, y, yOff + s);
    } else if (op == UnaryOp.EXP) {
      return (s, e) -> unaryTail(op, expRange(e - s, x, xOff + s, 0f, y, yOff + s), e - s, x,
          xOff + s, y, yOff + s);
    } else if (op == UnaryOp.LOG) {
      return (s, e) -> unaryTail(op, logRange(e - s, x, xOff + s, y, yOff + s), e - s, x,
          xOff + s, y, yOff + s);
    } else if (op == UnaryOp.TANH) {
      return (s, e) -> unaryTail(op, tanhRange(e - s, x, xOff + s, y, yOff + s), e - s, x,
          xOff + s, y, yOff + s);
    } else if (op == UnaryOp.SIGMOID) {
      return (s, e) -> unaryTail(op, sigmoidRange(e - s, x, xOff + s, y, yOff + s, false),
          e - s, x, xOff + s, y, yOff + s);
    }
    return (s, e) -> unaryTail(op, sigmoidRange(e - s, x, xOff + s, y, yOff + s, true), e - s,
        x, xOff + s, y, yOff + s);
  }

  /** The elements [from, len) by the specification. */
  private static void unaryTail(UnaryOp op, int from, int len, float[] x, int xo, float[] y,
      int yo) {
    for (int i = from; i < len; i++) {
      y[yo + i] = op.apply(x[xo + i]);
    }
  }

  // each returns how many elements it did (whole vectors); the caller does the tail

  private static int negRange(int len, float[] x, int xo, float[] y, int yo) {
    int vb = S.loopBound(len);
    for (int i = 0; i < vb; i += L) {
      FloatVector.fromArray(S, x, xo + i).neg().intoArray(y, yo + i);
    }
    return vb;
  }

  private static int absRange(int len, float[] x, int xo, float[] y, int yo) {
    int vb = S.loopBound(len);
    for (int i = 0; i < vb; i += L) {
      FloatVector.fromArray(S, x, xo + i).abs().intoArray(y, yo + i);
    }
    return vb;
  }

  private static int reluRange(int len, float[] x, int xo, float[] y, int yo) {
    int vb = S.loopBound(len);
    FloatVector zero = FloatVector.zero(S);
    for (int i = 0; i < vb; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, xo + i);
      // v ≤ 0 (−0 too) → +0; NaN compares false and stays
      v.blend(zero, v.compare(VectorOperators.LE, 0f)).intoArray(y, yo + i);
    }
    return vb;
  }

  private static int squareRange(int len, float[] x, int xo, float[] y, int yo) {
    int vb = S.loopBound(len);
    for (int i = 0; i < vb; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, xo + i);
      v.mul(v).intoArray(y, yo + i);
    }
    return vb;
  }

  private static int sqrtRange(int len, float[] x, int xo, float[] y, int yo) {
    int vb = S.loopBound(len);
    for (int i = 0; i < vb; i += L) {
      FloatVector.fromArray(S, x, xo + i).sqrt().intoArray(y, yo + i);
    }
    return vb;
  }

  private static int rsqrtRange(int len, float[] x, int xo, float[] y, int yo) {
    int vb = S.loopBound(len);
    FloatVector one = FloatVector.broadcast(S, 1f);
    for (int i = 0; i < vb; i += L) {
      one.div(FloatVector.fromArray(S, x, xo + i).sqrt()).intoArray(y, yo + i);
    }
    return vb;
  }

  private static int reciprocalRange(int len, float[] x, int xo, float[] y, int yo) {
    int vb = S.loopBound(len);
    FloatVector one = FloatVector.broadcast(S, 1f);
    for (int i = 0; i < vb; i += L) {
      one.div(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
    }
    return vb;
  }

  /** Elements per block of the multi-pass functions (a multiple of any vector length). */
  private static final int BLOCK = 1024;

  /**
   * tanh over the whole vectors of a range, a block at a time in three passes through a small
   * scratch: 2|x|, its exp ({@link #expRange}), then the rest ({@link #tanhFinish}).
   */
  private static int tanhRange(int len, float[] x, int xo, float[] y, int yo) {
    int vb = S.loopBound(len);
    float[] e = new float[Math.min(vb, BLOCK)];
    for (int s = 0; s < vb; s += BLOCK) {
      int n = Math.min(BLOCK, vb - s);
      scaledAbs(n, x, xo + s, 2f, e);
      expRange(n, e, 0, 0f, e, 0);
      tanhFinish(n, x, xo + s, e, y, yo + s);
    }
    return vb;
  }

  /** sigmoid (or SiLU, x·sigmoid(x)) as {@link #tanhRange}, from e^{−|x|}. */
  private static int sigmoidRange(int len, float[] x, int xo, float[] y, int yo, boolean silu) {
    int vb = S.loopBound(len);
    float[] e = new float[Math.min(vb, BLOCK)];
    for (int s = 0; s < vb; s += BLOCK) {
      int n = Math.min(BLOCK, vb - s);
      scaledAbs(n, x, xo + s, -1f, e);
      expRange(n, e, 0, 0f, e, 0);
      sigmoidFinish(n, x, xo + s, e, y, yo + s, silu);
    }
    return vb;
  }

  /** e[i] = scale·|x[i]| over n (a multiple of L) elements. */
  private static void scaledAbs(int n, float[] x, int xo, float scale, float[] e) {
    FloatVector vs = FloatVector.broadcast(S, scale);
    for (int i = 0; i < n; i += L) {
      FloatVector.fromArray(S, x, xo + i).abs().mul(vs).intoArray(e, i);
    }
  }

  /**
   * tanh from e = e^{2|x|}: for |x| &lt; 0.625 the odd fit x + x³·P(x²) (P of degree 4, relative
   * error 2e-8), else sign(x)·(1 − 2/(e + 1)), which tends to ±1 without overflow trouble.
   */
  private static void tanhFinish(int n, float[] x, int xo, float[] e, float[] y, int yo) {
    FloatVector one = FloatVector.broadcast(S, 1f);
    FloatVector two = FloatVector.broadcast(S, 2f);
    FloatVector c4 = FloatVector.broadcast(S, -6.1132288e-3f);
    FloatVector c3 = FloatVector.broadcast(S, 2.1010114e-2f);
    FloatVector c2 = FloatVector.broadcast(S, -5.3854078e-2f);
    FloatVector c1 = FloatVector.broadcast(S, 1.3332795e-1f);
    FloatVector c0 = FloatVector.broadcast(S, -3.3333328e-1f);
    for (int i = 0; i < n; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, xo + i);
      FloatVector u = v.mul(v);
      FloatVector pu = u.fma(c4, c3).fma(u, c2).fma(u, c1).fma(u, c0);
      FloatVector small = v.mul(u).fma(pu, v);
      FloatVector large = one.sub(two.div(FloatVector.fromArray(S, e, i).add(one)));
      large = large.blend(large.neg(), v.compare(VectorOperators.LT, 0f));
      large.blend(small, v.abs().compare(VectorOperators.LT, 0.625f)).intoArray(y, yo + i);
    }
  }

  /** sigmoid from e = e^{−|x|}: s = 1/(1 + e) for x ≥ 0, e·s for x &lt; 0 (no overflow). */
  private static void sigmoidFinish(int n, float[] x, int xo, float[] e, float[] y, int yo,
      boolean silu) {
    FloatVector one = FloatVector.broadcast(S, 1f);
    for (int i = 0; i < n; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, xo + i);
      FloatVector ev = FloatVector.fromArray(S, e, i);
      FloatVector s = one.div(ev.add(one));
      s = s.blend(ev.mul(s), v.compare(VectorOperators.LT, 0f));
      (silu ? v.mul(s) : s).intoArray(y, yo + i);
    }
  }

  @Override
  public void binary(BinaryOp op, int n, float[] a, int aOff, float[] b, int bOff, float[] y,
      int yOff) {
    Parallel.forChunks(n, CHUNK, 1, INLINE_COST,
        (s, e) -> binaryRange(op, e - s, a, aOff + s, b, bOff + s, y, yOff + s));
  }

  /**
   * y = a op b over one range: a loop per operation (the operator of {@code lanewise} must be a
   * constant for the JIT; MAX/MIN follow Math.max/min, so NaN propagates), the spec for the tail.
   */
  private static void binaryRange(BinaryOp op, int len, float[] a, int ao, float[] b, int bo,
      float[] y, int yo) {
    int vb = S.loopBound(len);
    if (op == BinaryOp.ADD) {
      for (int i = 0; i < vb; i += L) {
        FloatVector.fromArray(S, a, ao + i).add(FloatVector.fromArray(S, b, bo + i))
            .intoArray(y, yo + i);
      }
    } else if (op == BinaryOp.SUB) {
      for (int i = 0; i < vb; i += L) {
        FloatVector.fromArray(S, a, ao + i).sub(FloatVector.fromArray(S, b, bo + i))
            .intoArray(y, yo + i);
      }
    } else if (op == BinaryOp.MUL) {
      for (int i = 0; i < vb; i += L) {
        FloatVector.fromArray(S, a, ao + i).mul(FloatVector.fromArray(S, b, bo + i))
            .intoArray(y, yo + i);
      }
    } else if (op == BinaryOp.DIV) {
      for (int i = 0; i < vb; i += L) {
        FloatVector.fromArray(S, a, ao + i).div(FloatVector.fromArray(S, b, bo + i))
            .intoArray(y, yo + i);
      }
    } else if (op == BinaryOp.MAX) {
      for (int i = 0; i < vb; i += L) {
        FloatVector.fromArray(S, a, ao + i).max(FloatVector.fromArray(S, b, bo + i))
            .intoArray(y, yo + i);
      }
    } else {
      for (int i = 0; i < vb; i += L) {
        FloatVector.fromArray(S, a, ao + i).min(FloatVector.fromArray(S, b, bo + i))
            .intoArray(y, yo + i);
      }
    }
    for (int i = vb; i < len; i++) {
      y[yo + i] = op.apply(a[ao + i], b[bo + i]);
    }
  }

  @Override
  public void binaryScalar(BinaryOp op, int n, float[] a, int aOff, float s, float[] y,
      int yOff) {
    Parallel.forChunks(n, CHUNK, 1, INLINE_COST,
        (st, e) -> binaryScalarRange(op, e - st, a, aOff + st, s, y, yOff + st));
  }

  /** y = a op s over one range (as {@link #binaryRange}). */
  private static void binaryScalarRange(BinaryOp op, int len, float[] a, int ao, float s,
      float[] y, int yo) {
    int vb = S.loopBound(len);
    FloatVector vs = FloatVector.broadcast(S, s);
    if (op == BinaryOp.ADD) {
      for (int i = 0; i < vb; i += L) {
        FloatVector.fromArray(S, a, ao + i).add(vs).intoArray(y, yo + i);
      }
    } else if (op == BinaryOp.SUB) {
      for (int i = 0; i < vb; i += L) {
        FloatVector.fromArray(S, a, ao + i).sub(vs).intoArray(y, yo + i);
      }
    } else if (op == BinaryOp.MUL) {
      for (int i = 0; i < vb; i += L) {
        FloatVector.fromArray(S, a, ao + i).mul(vs).intoArray(y, yo + i);
      }
    } else if (op == BinaryOp.DIV) {
      for (int i = 0; i < vb; i += L) {
        FloatVector.fromArray(S, a, ao + i).div(vs).intoArray(y, yo + i);
      }
    } else if (op == BinaryOp.MAX) {
      for (int i = 0; i < vb; i += L) {
        FloatVector.fromArray(S, a, ao + i).max(vs).intoArray(y, yo + i);
      }
    } else {
      for (int i = 0; i < vb; i += L) {
        FloatVector.fromArray(S, a, ao + i).min(vs).intoArray(y, yo + i);
      }
    }
    for (int i = vb; i < len; i++) {
      y[yo + i] = op.apply(a[ao + i], s);
    }
  }

  // ------------------------------------------------------------------ reductions

  @Override
  public float sum(int n, float[] x, int xOff) {
    return (float) chunked(n, s -> sumRange(Math.min(CHUNK, n - s), x, xOff + s));
  }

  @Override
  public float sumOfSquares(int n, float[] x, int xOff) {
    return (float) chunked(n, s -> sumSquaresRange(Math.min(CHUNK, n - s), x, xOff + s));
  }

  /**
   * Σ over fixed chunks of CHUNK elements ({@code f} maps a chunk's start to its partial sum),
   * the partial sums added in chunk order.
   */
  private static double chunked(int n, IntToDoubleFunction f) {
    if (n <= CHUNK) {
      return n <= 0 ? 0 : f.applyAsDouble(0);
    }
    int chunks = (n + CHUNK - 1) / CHUNK;
    double[] parts = new double[chunks];
    Parallel.forChunks(chunks, 1, CHUNK, INLINE_COST, (c0, c1) -> {
      for (int i = c0; i < c1; i++) {
        parts[i] = f.applyAsDouble(i * CHUNK);
      }
    });
    return sumInOrder(parts);
  }

  private static double sumRange(int n, float[] x, int xo) {
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = FloatVector.zero(S);
    FloatVector s2 = FloatVector.zero(S);
    FloatVector s3 = FloatVector.zero(S);
    int i = 0;
    int b4 = n - n % (4 * L);
    for (; i < b4; i += 4 * L) {
      s0 = s0.add(FloatVector.fromArray(S, x, xo + i));
      s1 = s1.add(FloatVector.fromArray(S, x, xo + i + L));
      s2 = s2.add(FloatVector.fromArray(S, x, xo + i + 2 * L));
      s3 = s3.add(FloatVector.fromArray(S, x, xo + i + 3 * L));
    }
    int b1 = S.loopBound(n);
    for (; i < b1; i += L) {
      s0 = s0.add(FloatVector.fromArray(S, x, xo + i));
    }
    float[] lanes = new float[L];
    s0.add(s1).add(s2.add(s3)).intoArray(lanes, 0);
    double s = sumLanesD(lanes);
    for (; i < n; i++) {
      s += x[xo + i];
    }
    return s;
  }

  private static double sumSquaresRange(int n, float[] x, int xo) {
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = FloatVector.zero(S);
    FloatVector s2 = FloatVector.zero(S);
    FloatVector s3 = FloatVector.zero(S);
    int i = 0;
    int b4 = n - n % (4 * L);
    for (; i < b4; i += 4 * L) {
      FloatVector v0 = FloatVector.fromArray(S, x, xo + i);
      FloatVector v1 = FloatVector.fromArray(S, x, xo + i + L);
      FloatVector v2 = FloatVector.fromArray(S, x, xo + i + 2 * L);
      FloatVector v3 = FloatVector.fromArray(S, x, xo + i + 3 * L);
      s0 = v0.fma(v0, s0);
      s1 = v1.fma(v1, s1);
      s2 = v2.fma(v2, s2);
      s3 = v3.fma(v3, s3);
    }
    int b1 = S.loopBound(n);
    for (; i < b1; i += L) {
      FloatVector v0 = FloatVector.fromArray(S, x, xo + i);
      s0 = v0.fma(v0, s0);
    }
    float[] lanes = new float[L];
    s0.add(s1).add(s2.add(s3)).intoArray(lanes, 0);
    double s = sumLanesD(lanes);
    for (; i < n; i++) {
      s += (double) x[xo + i] * x[xo + i];
    }
    return s;
  }

  /** Σ (x − mu)² over one row (two accumulators). */
  private static double sumSquaredDeviations(int n, float[] x, int xo, float mu) {
    FloatVector vm = FloatVector.broadcast(S, mu);
    FloatVector s0 = FloatVector.zero(S);
    FloatVector s1 = FloatVector.zero(S);
    int i = 0;
    int b2 = n - n % (2 * L);
    for (; i < b2; i += 2 * L) {
      FloatVector d0 = FloatVector.fromArray(S, x, xo + i).sub(vm);
      FloatVector d1 = FloatVector.fromArray(S, x, xo + i + L).sub(vm);
      s0 = d0.fma(d0, s0);
      s1 = d1.fma(d1, s1);
    }
    int b1 = S.loopBound(n);
    for (; i < b1; i += L) {
      FloatVector d0 = FloatVector.fromArray(S, x, xo + i).sub(vm);
      s0 = d0.fma(d0, s0);
    }
    float[] lanes = new float[L];
    s0.add(s1).intoArray(lanes, 0);
    double s = sumLanesD(lanes);
    for (; i < n; i++) {
      double d = x[xo + i] - mu;
      s += d * d;
    }
    return s;
  }

  @Override
  public float max(int n, float[] x, int xOff) {
    if (n <= CHUNK) {
      return maxRange(n, x, xOff);
    }
    int chunks = (n + CHUNK - 1) / CHUNK;
    float[] parts = new float[chunks];
    Parallel.forChunks(chunks, 1, CHUNK, INLINE_COST, (c0, c1) -> {
      for (int i = c0; i < c1; i++) {
        int s = i * CHUNK;
        parts[i] = maxRange(Math.min(CHUNK, n - s), x, xOff + s);
      }
    });
    float m = Float.NEGATIVE_INFINITY;
    for (float p : parts) {
      m = Math.max(m, p);
    }
    return m;
  }

  /** max over one range: NaN if any element is NaN, −∞ when empty. */
  private static float maxRange(int n, float[] x, int xo) {
    float m = Float.NEGATIVE_INFINITY;
    int i = 0;
    int vb = S.loopBound(n);
    if (vb > 0) {
      FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
      FloatVector m1 = m0;
      int b2 = n - n % (2 * L);
      for (; i < b2; i += 2 * L) {
        m0 = m0.max(FloatVector.fromArray(S, x, xo + i));
        m1 = m1.max(FloatVector.fromArray(S, x, xo + i + L));
      }
      for (; i < vb; i += L) {
        m0 = m0.max(FloatVector.fromArray(S, x, xo + i));
      }
      m = m0.max(m1).reduceLanes(VectorOperators.MAX);
    }
    for (; i < n; i++) {
      m = Math.max(m, x[xo + i]);
    }
    return m;
  }

  // ------------------------------------------------------------------ rows

  /** Rows per task for row-wise kernels: about 4096 elements (fixed, as the specification). */
  private static int rowChunk(int cols) {
    return Math.max(1, 4096 / Math.max(1, cols));
  }

  @Override
  public void softmaxRows(int rows, int cols, float[] x, int xOff, float[] y, int yOff,
      boolean log) {
    Parallel.forChunks(rows, rowChunk(cols), cols * 8L, INLINE_COST, (r0, r1) -> {
      float[] scratch = log ? new float[Math.min(BLOCK, cols)] : null;
      for (int r = r0; r < r1; r++) {
        softmaxRow(cols, x, xOff + r * cols, y, yOff + r * cols, log, scratch);
      }
    });
  }

  /** One row: max, exp(x − max) (into y, or block by block into the scratch for log), Σ. */
  private static void softmaxRow(int n, float[] x, int xo, float[] y, int yo, boolean log,
      float[] scratch) {
    float m = maxRange(n, x, xo);
    if (m == Float.NEGATIVE_INFINITY) {
      m = 0f; // fully masked row: exp(−∞) = 0 everywhere, the result is NaN as in torch
    }
    int vb = S.loopBound(n);
    double s = 0;
    if (log) {
      // y may be x, and x is needed again: the exps go to the scratch
      for (int b = 0; b < vb; b += BLOCK) {
        int len = Math.min(BLOCK, vb - b);
        expRange(len, x, xo + b, m, scratch, 0);
        s += sumRange(len, scratch, 0);
      }
      for (int i = vb; i < n; i++) {
        s += UnaryOp.EXP.apply(x[xo + i] - m);
      }
      float lse = (float) (m + Math.log(s));
      subtractRange(n, x, xo, lse, y, yo);
    } else {
      // y may be x: each element is read before it is overwritten
      expRange(vb, x, xo, m, y, yo);
      for (int i = vb; i < n; i++) {
        y[yo + i] = UnaryOp.EXP.apply(x[xo + i] - m);
      }
      scaleRange(n, (float) (1.0 / sumRange(n, y, yo)), y, yo);
    }
  }

  /** y = x − c over one range. */
  private static void subtractRange(int n, float[] x, int xo, float c, float[] y, int yo) {
    FloatVector vc = FloatVector.broadcast(S, c);
    int vb = S.loopBound(n);
    for (int i = 0; i < vb; i += L) {
      FloatVector.fromArray(S, x, xo + i).sub(vc).intoArray(y, yo + i);
    }
    for (int i = vb; i < n; i++) {
      y[yo + i] = x[xo + i] - c;
    }
  }

  @Override
  public void rmsNormRows(int rows, int cols, float[] x, int xOff, float[] weight, float eps,
      float[] y, int yOff, float[] invRms) {
    Parallel.forChunks(rows, rowChunk(cols), cols * 3L, INLINE_COST, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        int xi = xOff + r * cols;
        int yi = yOff + r * cols;
        double ss = sumSquaresRange(cols, x, xi);
        float inv = (float) (1.0 / Math.sqrt(ss / cols + eps));
        if (invRms != null) {
          invRms[r] = inv;
        }
        scaleRow(cols, x, xi, 0f, inv, weight, null, y, yi);
      }
    });
  }

  @Override
  public void layerNormRows(int rows, int cols, float[] x, int xOff, float[] weight,
      float[] bias, float eps, float[] y, int yOff, float[] mean, float[] rstd) {
    Parallel.forChunks(rows, rowChunk(cols), cols * 4L, INLINE_COST, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        int xi = xOff + r * cols;
        int yi = yOff + r * cols;
        double mu = sumRange(cols, x, xi) / cols;
        float m = (float) mu;
        double v = sumSquaredDeviations(cols, x, xi, m);
        float rs = (float) (1.0 / Math.sqrt(v / cols + eps));
        if (mean != null) {
          mean[r] = m;
        }
        if (rstd != null) {
          rstd[r] = rs;
        }
        scaleRow(cols, x, xi, m, rs, weight, bias, y, yi);
      }
    });
  }

  /** y = (x − shift)·scale [·weight] [+ bias] over one row. */
  private static void scaleRow(int n, float[] x, int xo, float shift, float scale,
      float[] weight, float[] bias, float[] y, int yo) {
    FloatVector vsh = FloatVector.broadcast(S, shift);
    FloatVector vsc = FloatVector.broadcast(S, scale);
    int vb = S.loopBound(n);
    int i = 0;
    for (; i < vb; i += L) {
      FloatVector o = FloatVector.fromArray(S, x, xo + i).sub(vsh).mul(vsc);
      if (weight != null) {
        o = o.mul(FloatVector.fromArray(S, weight, i));
      }
      if (bias != null) {
        o = o.add(FloatVector.fromArray(S, bias, i));
      }
      o.intoArray(y, yo + i);
    }
    for (; i < n; i++) {
      float o = (x[xo + i] - shift) * scale;
      if (weight != null) {
        o *= weight[i];
      }
      if (bias != null) {
        o += bias[i];
      }
      y[yo + i] = o;
    }
  }

  // ------------------------------------------------------------------ vector math

  private static final float LOG2E = 1.44269504f;
  private static final float LN2_HI = 0.693145752f; // ln 2 with the low 12 bits clear
  private static final float LN2_LO = 1.42860677e-6f; // ln 2 − LN2_HI
  /** 1.5·2²³: adding it rounds a float of magnitude below 2²² to an integer in the low bits. */
  private static final float ROUND = 12582912f;
  private static final float EXP_HI = 88.8f; // exp overflows above ~88.72
  private static final float EXP_LO = -104f; // and underflows to 0 below ~-103.97

  /*
   * The vector math is written inside its loops, not as functions of a vector: a vector passed
   * to or returned from a method the JIT does not inline is boxed, and these bodies are too large
   * to be inlined reliably.
   */

  /**
   * y = exp(x − shift) over the whole vectors of a range (returns how many elements), to about
   * 1 ulp: x − shift = k·ln2 + r with |r| ≤ ln2/2 (Cody–Waite, two-part ln 2), exp(r) = 1 + r +
   * r²·q(r) with q a degree-4 fit of (eʳ − 1 − r)/r² (relative error ~1e-8), scaled by 2^k as two
   * powers of two so that results in the subnormal range are rounded once. y may be x.
   */
  private static int expRange(int len, float[] x, int xo, float shift, float[] y, int yo) {
    int vb = S.loopBound(len);
    FloatVector vShift = FloatVector.broadcast(S, shift);
    FloatVector hi = FloatVector.broadcast(S, EXP_HI);
    FloatVector lo = FloatVector.broadcast(S, EXP_LO);
    FloatVector log2e = FloatVector.broadcast(S, LOG2E);
    FloatVector round = FloatVector.broadcast(S, ROUND);
    FloatVector ln2Hi = FloatVector.broadcast(S, -LN2_HI);
    FloatVector ln2Lo = FloatVector.broadcast(S, -LN2_LO);
    FloatVector q4 = FloatVector.broadcast(S, 1.3942164e-3f);
    FloatVector q3 = FloatVector.broadcast(S, 8.363776e-3f);
    FloatVector q2 = FloatVector.broadcast(S, 4.1666362e-2f);
    FloatVector q1 = FloatVector.broadcast(S, 1.6666573e-1f);
    FloatVector q0 = FloatVector.broadcast(S, 0.5f);
    FloatVector one = FloatVector.broadcast(S, 1f);
    int roundBits = Float.floatToRawIntBits(ROUND);
    for (int i = 0; i < vb; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, xo + i).sub(vShift);
      v = v.blend(hi, v.compare(VectorOperators.GT, hi));
      v = v.blend(lo, v.compare(VectorOperators.LT, lo)); // NaN compares false: stays NaN
      FloatVector t = v.fma(log2e, round);
      FloatVector kf = t.sub(round);
      IntVector k = t.reinterpretAsInts().sub(roundBits);
      FloatVector r = kf.fma(ln2Hi, v);
      r = kf.fma(ln2Lo, r);
      FloatVector q = r.fma(q4, q3).fma(r, q2).fma(r, q1).fma(r, q0);
      FloatVector p = r.mul(r).fma(q, r).add(one);
      IntVector k1 = k.lanewise(VectorOperators.ASHR, 1);
      IntVector k2 = k.sub(k1);
      FloatVector s1 = k1.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
      FloatVector s2 = k2.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
      p.mul(s1).mul(s2).intoArray(y, yo + i);
    }
    return vb;
  }

  private static final float SQRT2 = 1.41421356f;

  /**
   * y = log(x) over the whole vectors of a range, to about 1 ulp: x = 2^e·m with m in [√½, √2),
   * log m = log1p(f) (f = m − 1, exact) = f − s·(f − R) with s = f/(2 + f) and R = 2s²/3 + 2s⁴/5
   * + 2s⁶/7 + 2s⁸/9 (the atanh series), then e·ln 2 added in two parts. Subnormals are scaled by
   * 2²³ first; x &lt; 0 or NaN → NaN, 0 → −∞, +∞ → +∞.
   */
  private static int logRange(int len, float[] x, int xo, float[] y, int yo) {
    int vb = S.loopBound(len);
    FloatVector one = FloatVector.broadcast(S, 1f);
    FloatVector two = FloatVector.broadcast(S, 2f);
    FloatVector r3 = FloatVector.broadcast(S, 0.22222222f);
    FloatVector r2 = FloatVector.broadcast(S, 0.28571429f);
    FloatVector r1 = FloatVector.broadcast(S, 0.4f);
    FloatVector r0 = FloatVector.broadcast(S, 0.66666667f);
    FloatVector ln2Hi = FloatVector.broadcast(S, LN2_HI);
    FloatVector ln2Lo = FloatVector.broadcast(S, LN2_LO);
    FloatVector zero = FloatVector.zero(S);
    FloatVector c23 = FloatVector.broadcast(S, 23f);
    FloatVector nan = FloatVector.broadcast(S, Float.NaN);
    for (int i = 0; i < vb; i += L) {
      FloatVector v = FloatVector.fromArray(S, x, xo + i);
      VectorMask<Float> tiny = v.compare(VectorOperators.LT, Float.MIN_NORMAL);
      FloatVector xs = v.blend(v.mul(8388608f), tiny);
      IntVector bits = xs.reinterpretAsInts();
      // the biased exponent as a float: 2²³ + e by its bits, minus 2²³ (no int→float convert:
      // JDK 17 does not compile that one to a vector instruction here)
      FloatVector e = bits.lanewise(VectorOperators.LSHR, 23).or(0x4b000000)
          .reinterpretAsFloats().sub(8388608f + 127f);
      e = e.sub(zero.blend(c23, tiny)); // (blends, not masked arithmetic: faster on JDK 17)
      FloatVector mf = bits.and(0x007fffff).or(0x3f800000).reinterpretAsFloats();
      VectorMask<Float> big = mf.compare(VectorOperators.GT, SQRT2);
      mf = mf.blend(mf.mul(0.5f), big);
      e = e.add(zero.blend(one, big));
      FloatVector f = mf.sub(one);
      FloatVector s = f.div(f.add(two));
      FloatVector s2 = s.mul(s);
      FloatVector rr = s2.fma(r3, r2).fma(s2, r1).fma(s2, r0).mul(s2);
      FloatVector l1p = f.sub(s.mul(f.sub(rr)));
      FloatVector res = e.fma(ln2Hi, e.fma(ln2Lo, l1p));
      res = res.blend(Float.NEGATIVE_INFINITY, v.compare(VectorOperators.EQ, 0f));
      res = res.blend(Float.POSITIVE_INFINITY,
          v.compare(VectorOperators.EQ, Float.POSITIVE_INFINITY));
      // x < 0 or NaN: NaN (x ≥ 0 is false for both)
      nan.blend(res, v.compare(VectorOperators.GE, 0f)).intoArray(y, yo + i);
    }
    return vb;
  }
}
