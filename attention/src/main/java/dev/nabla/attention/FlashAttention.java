package dev.nabla.attention;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;
import dev.nabla.core.internal.kernel.Kernels;
import dev.nabla.core.internal.kernel.Parallel;
import dev.nabla.core.internal.kernel.UnaryOp;
import java.util.Arrays;

/**
 * softmax(Q·Kᵀ·scale + mask)·V in tiles, never holding the Tq×Tk matrix: FlashAttention-2 (Dao,
 * arXiv:2307.08691) on the CPU, with the online softmax of Milakov &amp; Gimelshein
 * (arXiv:1805.02867).
 *
 * <p>Forward, for each query tile Qᵢ (Br rows) and each key/value tile Kⱼ, Vⱼ (Bc rows):
 * Sᵢⱼ = scale·QᵢKⱼᵀ + mask; mᵢ' = max(mᵢ, rowmax Sᵢⱼ); P = exp(Sᵢⱼ − mᵢ');
 * lᵢ ← e^(mᵢ − mᵢ')·lᵢ + rowsum P; Oᵢ ← e^(mᵢ − mᵢ')·Oᵢ + P·Vⱼ; at the end Oᵢ /= lᵢ and only the
 * log-sum-exp Lᵢ = mᵢ + log lᵢ is kept for backward. Backward recomputes each tile:
 * P = exp(S − L), dV += Pᵀ·dO, dP = dO·Vᵀ, dS = P∘(dP − Dᵢ) with Dᵢ = rowsum(dO∘O),
 * dK += scale·dSᵀ·Q, dQ += scale·dS·K. Memory is O(T·D): the outputs, L, D and per-thread tile
 * buffers.
 *
 * <p>Tiles: Br = Bc = 128 by default, measured (single-thread CPU time, T = 1024, D = 64, on a
 * 2-core AVX-512 Xeon): 64×64 is ~20% slower and 32×32 ~80% slower (the GEMM packs both
 * operands on every call, a cost per call); every size from 96 to 256 is within the noise
 * (docs/performance.md, "Attention kernels"). A tile step touches
 * Qᵢ, Kⱼ, Vⱼ (32 KiB each at D = 64), S and P (64 KiB each) and the output accumulator: ~256 KiB
 * per thread, in L2, while the GEMM's packed micro-panels stay in L1.
 *
 * <p>Causal: query i sees keys j ≤ i + (Tk − Tq). Key tiles entirely above that diagonal are
 * skipped (the key loop stops, and the backward's query loop starts, at the diagonal); tiles
 * crossing it are masked element-wise. A row that may attend to nothing (every score −∞) gets a
 * zero output, L = +∞ and so a zero gradient.
 *
 * <p>Dropout: the keep mask is a counter-based hash (SplitMix64 finaliser) of (seed, query row,
 * key), the seed drawn once per call from the options' generator, so backward regenerates the
 * same mask without storing it. Normalisation uses the undropped weights, as dropout after
 * softmax does.
 *
 * <p>Parallelism, all over fixed chunks (bitwise the same result at any thread count): forward
 * over (batch, head, query tile); backward in two passes, dK and dV over (batch, kv head, key
 * tile), each task looping over the group's query heads and the query tiles in a fixed order
 * (GQA sums without races or atomics), then dQ over (batch, head, query tile). The second pass
 * recomputes S and dP once more: the price of determinism without a T×T buffer.
 *
 * <p>F32 runs on {@link Kernels} GEMMs over tiles read in place: q, k and v are never copied
 * when their rows of D floats are contiguous (also strided views such as a KV-cache prefix or
 * heads transposed out of [B, T, H, D]; the row stride is the GEMM's leading dimension), and the
 * heads of a GQA group read the same k and v. F64 runs the same tiles with plain loops (for
 * gradcheck). Double backward is not supported.
 */
final class FlashAttention extends Op {
  /** Query rows per tile. */
  static final int DEFAULT_BR = 128;
  /** Key/value rows per tile. */
  static final int DEFAULT_BC = 128;

  private static final Kernels K = Kernels.get();
  private static final ThreadLocal<Workspace> WORKSPACE = ThreadLocal.withInitial(Workspace::new);

  private final int br;
  private final int bc;
  private final double scale;
  private final boolean causal;
  private final Tensor mask;
  private final double dropout;
  private final long seed;
  private Bias bias; // the mask as additive values, built by forward, read again by backward

  /**
   * @param mask BOOL (true = may attend) or additive, broadcastable to [B, Hq, Tq, Tk]; or null
   * @param causal query i sees keys j ≤ i + Tk − Tq only
   * @param scale the factor of Q·Kᵀ
   * @param dropout the drop probability (0: none)
   * @param seed the dropout seed (unused without dropout)
   */
  FlashAttention(Tensor mask, boolean causal, double scale, double dropout, long seed) {
    this(DEFAULT_BR, DEFAULT_BC, mask, causal, scale, dropout, seed);
  }

  /** With explicit tile sizes (tests use small tiles to cross tile edges at small T). */
  FlashAttention(int br, int bc, Tensor mask, boolean causal, double scale, double dropout,
      long seed) {
    if (br < 1 || bc < 1) {
      throw new IllegalArgumentException("FlashAttention: tile sizes must be positive, got Br="
          + br + ", Bc=" + bc);
    }
    this.br = br;
    this.bc = bc;
    this.mask = mask;
    this.causal = causal;
    this.scale = scale;
    this.dropout = dropout;
    this.seed = seed;
  }

  /** Attention through flash for the checked inputs and options. */
  static Tensor attention(Tensor q, Tensor k, Tensor v, AttentionOptions o) {
    Tensor m = o.mask();
    if (m != null && m.dtype() != DType.BOOL && m.isRequiresGrad()) {
      throw new IllegalArgumentException("attention: FLASH gives no gradient to an additive mask"
          + " that requires grad; use AttentionImpl.REFERENCE (AUTO does)");
    }
    boolean drop = o.training() && o.dropout() > 0;
    long seed = drop ? o.rng().nextLong() : 0L;
    return new FlashAttention(m, o.causal(), o.scaleFor(q.size(3)), drop ? o.dropout() : 0, seed)
        .apply(inPlace(q), inPlace(k), inPlace(v));
  }

  /** t itself when its rows can be read in place (F32, last dimension contiguous), else a copy. */
  private static Tensor inPlace(Tensor t) {
    return rowsContiguous(t) ? t : t.contiguous();
  }

  // ================================================================== shapes

  /** Sizes of one call. */
  private record Dims(int b, int hq, int hkv, int g, int tq, int tk, int d, int dv, int off,
      int nqt, int nkt) {
    static Dims of(Tensor q, Tensor k, Tensor v, int br, int bc) {
      int tq = q.size(2);
      int tk = k.size(2);
      return new Dims(q.size(0), q.size(1), k.size(1), q.size(1) / k.size(1), tq, tk, q.size(3),
          v.size(3), tk - tq, (tq + br - 1) / br, (tk + bc - 1) / bc);
    }
  }

  /**
   * The mask as additive values (BOOL: 0 where allowed, −∞ elsewhere) in the mask's own shape,
   * read through broadcast strides over [B, Hq, Tq, Tk] (0 along broadcast dimensions).
   */
  private static final class Bias {
    final float[] f;
    final double[] dd;
    final int off;
    final int sb;
    final int sh;
    final int si;
    final int sj;

    Bias(Tensor mask, DType dtype) {
      Tensor add = mask.dtype() == DType.BOOL
          ? Tensor.zeros(dtype, mask.shape().toArray())
              .maskedFill(mask.logicalNot(), Double.NEGATIVE_INFINITY)
          : mask.detach().to(dtype).contiguous();
      if (dtype == DType.F32) {
        f = add.dataF32();
        off = add.storageOffset();
        dd = null;
      } else {
        dd = add.toDoubleArray();
        f = null;
        off = 0;
      }
      int[] s = new int[] {1, 1, 1, 1};
      int[] shape = mask.shape().toArray();
      System.arraycopy(shape, 0, s, 4 - shape.length, shape.length);
      int[] st = new int[4];
      int acc = 1;
      for (int i = 3; i >= 0; i--) {
        st[i] = s[i] == 1 ? 0 : acc;
        acc *= s[i];
      }
      sb = st[0];
      sh = st[1];
      si = st[2];
      sj = st[3];
    }

    int at(int b, int h, int i, int j) {
      return off + b * sb + h * sh + i * si + j * sj;
    }
  }

  /** Per-thread tile buffers, grown on demand and reused across tiles and calls. */
  private static final class Workspace {
    float[] s = new float[0];
    float[] p = new float[0];
    float[] o = new float[0];
    float[] m = new float[0];
    float[] l = new float[0];
    double[] sd = new double[0];
    double[] pd = new double[0];
    double[] od = new double[0];
    double[] md = new double[0];
    double[] ld = new double[0];

    Workspace ensureF(int tile, int acc, int rows) {
      if (s.length < tile) {
        s = new float[tile];
        p = new float[tile];
      }
      if (o.length < acc) {
        o = new float[acc];
      }
      if (m.length < rows) {
        m = new float[rows];
        l = new float[rows];
      }
      return this;
    }

    Workspace ensureD(int tile, int acc, int rows) {
      if (sd.length < tile) {
        sd = new double[tile];
        pd = new double[tile];
      }
      if (od.length < acc) {
        od = new double[acc];
      }
      if (md.length < rows) {
        md = new double[rows];
        ld = new double[rows];
      }
      return this;
    }
  }

  // ================================================================== dropout

  /**
   * The dropout multiplier of (query row, key): 0 (dropped) or 1/(1 − p). The keep test hashes
   * the counter row·Tk + key with the seed (SplitMix64's finaliser) into 24 uniform bits.
   */
  static double keepScale(long seed, long row, int key, int tk, double p) {
    long z = seed + (row * tk + key + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z ^= z >>> 31;
    double u = (z >>> 40) * 0x1.0p-24;
    return u >= p ? 1.0 / (1.0 - p) : 0.0;
  }

  /** The dropout multipliers as a [B, Hq, Tq, Tk] tensor (tests compare against the oracle). */
  static Tensor dropoutMultipliers(long seed, double p, int b, int hq, int tq, int tk) {
    double[] z = new double[b * hq * tq * tk];
    for (int row = 0; row < b * hq * tq; row++) {
      for (int j = 0; j < tk; j++) {
        z[row * tk + j] = keepScale(seed, row, j, tk, p);
      }
    }
    return Tensor.wrap(z, b, hq, tq, tk);
  }

  // ================================================================== op

  @Override
  protected Tensor forward(Context ctx, Tensor... in) {
    Tensor q = in[0];
    Tensor k = in[1];
    Tensor v = in[2];
    Dims x = Dims.of(q, k, v, br, bc);
    bias = mask == null ? null : new Bias(mask, q.dtype());
    Tensor out;
    Tensor lse;
    if (q.dtype() == DType.F32) {
      float[] o = new float[x.b * x.hq * x.tq * x.dv];
      float[] l = new float[x.b * x.hq * x.tq];
      forwardF32(x, bias, q, k, v, o, l);
      out = Tensor.wrap(o, x.b, x.hq, x.tq, x.dv);
      lse = Tensor.wrap(l, x.b, x.hq, x.tq);
    } else {
      double[] o = new double[x.b * x.hq * x.tq * x.dv];
      double[] l = new double[x.b * x.hq * x.tq];
      forwardF64(x, bias, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(), o, l);
      out = Tensor.wrap(o, x.b, x.hq, x.tq, x.dv);
      lse = Tensor.wrap(l, x.b, x.hq, x.tq);
    }
    ctx.save(q, k, v, out, lse);
    return out;
  }

  @Override
  protected Tensor[] backward(Context ctx, Tensor gradOut) {
    Tensor q = ctx.saved(0);
    Tensor k = ctx.saved(1);
    Tensor v = ctx.saved(2);
    Tensor out = ctx.saved(3);
    Tensor lse = ctx.saved(4);
    Dims x = Dims.of(q, k, v, br, bc);
    boolean wantQ = ctx.needsInputGrad(0);
    boolean wantK = ctx.needsInputGrad(1);
    boolean wantV = ctx.needsInputGrad(2);
    Tensor dOut = gradOut.detach().to(q.dtype()).contiguous();
    if (q.dtype() == DType.F32) {
      float[] dq = wantQ ? new float[q.numel()] : null;
      float[] dk = wantK ? new float[k.numel()] : null;
      float[] dv = wantV ? new float[v.numel()] : null;
      backwardF32(x, bias, q, k, v, out, lse.dataF32(), dOut, dq, dk, dv);
      return new Tensor[] {
          wantQ ? Tensor.wrap(dq, q.shape().toArray()) : null,
          wantK ? Tensor.wrap(dk, k.shape().toArray()) : null,
          wantV ? Tensor.wrap(dv, v.shape().toArray()) : null};
    }
    double[] dq = wantQ ? new double[q.numel()] : null;
    double[] dk = wantK ? new double[k.numel()] : null;
    double[] dv = wantV ? new double[v.numel()] : null;
    backwardF64(x, bias, q.toDoubleArray(), k.toDoubleArray(), v.toDoubleArray(),
        out.toDoubleArray(), lse.toDoubleArray(), dOut.toDoubleArray(), dq, dk, dv);
    return new Tensor[] {
        wantQ ? Tensor.wrap(dq, q.shape().toArray()) : null,
        wantK ? Tensor.wrap(dk, k.shape().toArray()) : null,
        wantV ? Tensor.wrap(dv, v.shape().toArray()) : null};
  }

  // ================================================================== tile geometry

  /** End (exclusive) of the keys any row of query tile [i0, i1) may see: causal tiles stop. */
  private int keyEnd(Dims x, int i1) {
    return causal ? Math.max(0, Math.min(x.tk, i1 + x.off)) : x.tk;
  }

  /** First query tile start with a row that sees key j0 (causal: tiles above are skipped). */
  private int queryStart(Dims x, int j0) {
    if (!causal) {
      return 0;
    }
    int first = Math.max(0, j0 - x.off);
    return first >= x.tq ? x.tq : first / br * br;
  }

  /** True when the causal diagonal crosses tile (rows from i0, keys [j0, j1)). */
  private boolean crossesDiagonal(Dims x, int i0, int j1) {
    return causal && j1 - 1 > i0 + x.off;
  }

  // ================================================================== F32

  /**
   * An F32 [B, H, T, D] tensor read in place: rows of D contiguous floats, anything else strided
   * (a KV-cache view, heads transposed out of [B, T, H, D]); row (b, h, i) starts at
   * {@link #row}, and consecutive rows are {@code st} apart (the GEMMs' leading dimension).
   */
  private record View(float[] a, int off, int sb, int sh, int st) {
    static View of(Tensor t) {
      if (!rowsContiguous(t)) {
        t = t.contiguous();
      }
      int[] s = t.strides();
      // dataF32 wants a contiguous tensor: a one-element view shares the whole backing array
      float[] a = t.numel() == 0 ? new float[0]
          : t.narrow(0, 0, 1).narrow(1, 0, 1).narrow(2, 0, 1).narrow(3, 0, 1).dataF32();
      return new View(a, t.storageOffset(), s[0], s[1], s[2]);
    }

    int row(int b, int h, int i) {
      return off + b * sb + h * sh + i * st;
    }
  }

  /** Rows of D contiguous floats: what {@link View} reads without a copy. */
  static boolean rowsContiguous(Tensor t) {
    return t.dtype() != DType.F32 || t.size(3) <= 1 || t.strides()[3] == 1;
  }

  private void forwardF32(Dims x, Bias bias, Tensor q, Tensor k, Tensor v, float[] out,
      float[] lse) {
    View qv = View.of(q);
    View kv = View.of(k);
    View vv = View.of(v);
    Parallel.forChunks(x.b * x.hq * x.nqt, 1, (start, end) -> {
      Workspace w = WORKSPACE.get().ensureF(br * bc, br * x.dv, br);
      for (int item = start; item < end; item++) {
        forwardTileF32(x, bias, item, qv, kv, vv, out, lse, w);
      }
    });
  }

  private void forwardTileF32(Dims x, Bias bias, int item, View qv, View kv, View vv,
      float[] out, float[] lse, Workspace w) {
    int bh = item / x.nqt;
    int i0 = item % x.nqt * br;
    int i1 = Math.min(x.tq, i0 + br);
    int rows = i1 - i0;
    int b = bh / x.hq;
    int h = bh % x.hq;
    int hk = h / x.g;
    int qOff = qv.row(b, h, i0);
    float[] s = w.s;
    float[] o = w.o;
    float[] m = w.m;
    float[] l = w.l;
    int dv = x.dv;
    Arrays.fill(o, 0, rows * dv, 0f);
    Arrays.fill(m, 0, rows, Float.NEGATIVE_INFINITY);
    Arrays.fill(l, 0, rows, 0f);
    int jEnd = keyEnd(x, i1);
    for (int j0 = 0; j0 < jEnd; j0 += bc) {
      int cols = Math.min(jEnd, j0 + bc) - j0;
      K.gemm(false, true, rows, cols, x.d, (float) scale, qv.a, qOff, qv.st, kv.a,
          kv.row(b, hk, j0), kv.st, 0f, s, 0, cols);
      maskTileF32(x, bias, s, rows, cols, b, h, i0, j0);
      for (int r = 0; r < rows; r++) {
        int si = r * cols;
        float mOld = m[r];
        float mNew = Math.max(mOld, K.max(cols, s, si)); // vectorised: 3× a scalar loop
        // a row with nothing allowed yet: subtract +∞ so that every exp is 0
        float shift = mNew == Float.NEGATIVE_INFINITY ? Float.POSITIVE_INFINITY : mNew;
        for (int c = 0; c < cols; c++) {
          s[si + c] -= shift;
        }
        m[r] = mNew;
        if (mOld != mNew && mOld != Float.NEGATIVE_INFINITY) { // else l and O are still 0
          float alpha = (float) Math.exp(mOld - mNew);
          l[r] *= alpha;
          int oi = r * dv;
          for (int c = 0; c < dv; c++) {
            o[oi + c] *= alpha;
          }
        }
      }
      K.unary(UnaryOp.EXP, rows * cols, s, 0, s, 0);
      for (int r = 0; r < rows; r++) {
        int si = r * cols;
        l[r] += rowSum(s, si, cols);
        if (dropout > 0) {
          long row = (long) bh * x.tq + i0 + r;
          for (int c = 0; c < cols; c++) {
            s[si + c] *= (float) keepScale(seed, row, j0 + c, x.tk, dropout);
          }
        }
      }
      K.gemm(false, false, rows, dv, cols, 1f, s, 0, cols, vv.a, vv.row(b, hk, j0), vv.st, 1f,
          o, 0, dv);
    }
    for (int r = 0; r < rows; r++) {
      int row = bh * x.tq + i0 + r;
      if (l[r] == 0f) {
        lse[row] = Float.POSITIVE_INFINITY; // attends to nothing: zero output, zero gradient
        continue;
      }
      float inv = 1f / l[r];
      int oi = r * dv;
      int ro = row * dv;
      for (int c = 0; c < dv; c++) {
        out[ro + c] = o[oi + c] * inv;
      }
      lse[row] = m[r] + (float) Math.log(l[r]);
    }
  }

  /** Adds the mask and sets causally hidden scores of a tile to −∞. */
  private void maskTileF32(Dims x, Bias bias, float[] s, int rows, int cols, int b, int h,
      int i0, int j0) {
    if (bias != null) {
      float[] f = bias.f;
      for (int r = 0; r < rows; r++) {
        int bi = bias.at(b, h, i0 + r, j0);
        int si = r * cols;
        if (bias.sj == 1) {
          for (int c = 0; c < cols; c++) {
            s[si + c] += f[bi + c];
          }
        } else {
          float add = f[bi];
          for (int c = 0; c < cols; c++) {
            s[si + c] += add;
          }
        }
      }
    }
    if (crossesDiagonal(x, i0, j0 + cols)) {
      for (int r = 0; r < rows; r++) {
        int from = Math.max(0, i0 + r + x.off - j0 + 1);
        if (from < cols) {
          Arrays.fill(s, r * cols + from, r * cols + cols, Float.NEGATIVE_INFINITY);
        }
      }
    }
  }

  /** Σ of n floats in a fixed order (eight interleaved partial sums, then in order). */
  static float rowSum(float[] a, int off, int n) {
    float s0 = 0f;
    float s1 = 0f;
    float s2 = 0f;
    float s3 = 0f;
    float s4 = 0f;
    float s5 = 0f;
    float s6 = 0f;
    float s7 = 0f;
    int c = 0;
    for (; c + 8 <= n; c += 8) {
      s0 += a[off + c];
      s1 += a[off + c + 1];
      s2 += a[off + c + 2];
      s3 += a[off + c + 3];
      s4 += a[off + c + 4];
      s5 += a[off + c + 5];
      s6 += a[off + c + 6];
      s7 += a[off + c + 7];
    }
    for (; c < n; c++) {
      s0 += a[off + c];
    }
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  }

  private void backwardF32(Dims x, Bias bias, Tensor q, Tensor k, Tensor v, Tensor out,
      float[] lse, Tensor dOut, float[] dq, float[] dk, float[] dv) {
    View qv = View.of(q);
    View kv = View.of(k);
    View vv = View.of(v);
    float[] oa = out.dataF32();
    float[] ga = dOut.dataF32();
    int oo = out.storageOffset();
    int go = dOut.storageOffset();
    int rowsTotal = x.b * x.hq * x.tq;
    float[] dd = new float[rowsTotal]; // Dᵢ = rowsum(dO ∘ O)
    Parallel.forChunks(rowsTotal, 256, (s, e) -> {
      for (int r = s; r < e; r++) {
        dd[r] = K.dot(x.dv, ga, go + r * x.dv, oa, oo + r * x.dv);
      }
    });
    if (dk != null || dv != null) {
      Parallel.forChunks(x.b * x.hkv * x.nkt, 1, (start, end) -> {
        Workspace w = WORKSPACE.get().ensureF(br * bc, 0, br);
        for (int item = start; item < end; item++) {
          keyTileBackwardF32(x, bias, item, qv, kv, vv, ga, go, lse, dd, dk, dv, w);
        }
      });
    }
    if (dq != null) {
      Parallel.forChunks(x.b * x.hq * x.nqt, 1, (start, end) -> {
        Workspace w = WORKSPACE.get().ensureF(br * bc, 0, br);
        for (int item = start; item < end; item++) {
          queryTileBackwardF32(x, bias, item, qv, kv, vv, ga, go, lse, dd, dq, w);
        }
      });
    }
  }

  /**
   * For tile (query rows from i0 of head bh, keys from j0 of its kv head hk) leaves
   * P = exp(S − L) in w.s and dS = P∘(dP·Z − D) in w.p, where dP·Z = (dO·Vᵀ)∘(dropout
   * multipliers).
   */
  private void recomputeTileF32(Dims x, Bias bias, int bh, int hk, int i0, int rows, int j0,
      int cols, View qv, View kv, View vv, float[] ga, int gOff, float[] lse, float[] dd,
      Workspace w) {
    float[] s = w.s;
    float[] p = w.p;
    int b = bh / x.hq;
    int h = bh % x.hq;
    K.gemm(false, true, rows, cols, x.d, (float) scale, qv.a, qv.row(b, h, i0), qv.st, kv.a,
        kv.row(b, hk, j0), kv.st, 0f, s, 0, cols);
    maskTileF32(x, bias, s, rows, cols, b, h, i0, j0);
    int rowBase = bh * x.tq + i0;
    for (int r = 0; r < rows; r++) {
      float shift = lse[rowBase + r];
      int si = r * cols;
      for (int c = 0; c < cols; c++) {
        s[si + c] -= shift;
      }
    }
    K.unary(UnaryOp.EXP, rows * cols, s, 0, s, 0);
    K.gemm(false, true, rows, cols, x.dv, 1f, ga, gOff, x.dv, vv.a, vv.row(b, hk, j0), vv.st,
        0f, p, 0, cols);
    for (int r = 0; r < rows; r++) {
      float di = dd[rowBase + r];
      int si = r * cols;
      if (dropout > 0) {
        long row = (long) rowBase + r;
        for (int c = 0; c < cols; c++) {
          float z = (float) keepScale(seed, row, j0 + c, x.tk, dropout);
          p[si + c] = s[si + c] * (p[si + c] * z - di);
        }
      } else {
        for (int c = 0; c < cols; c++) {
          p[si + c] = s[si + c] * (p[si + c] - di);
        }
      }
    }
  }

  private void keyTileBackwardF32(Dims x, Bias bias, int item, View qv, View kv, View vv,
      float[] ga, int go, float[] lse, float[] dd, float[] dk, float[] dv, Workspace w) {
    int kvh = item / x.nkt;
    int j0 = item % x.nkt * bc;
    int cols = Math.min(x.tk, j0 + bc) - j0;
    int b = kvh / x.hkv;
    int hk = kvh % x.hkv;
    int dkOff = (kvh * x.tk + j0) * x.d;
    int dvOff = (kvh * x.tk + j0) * x.dv;
    float[] s = w.s;
    float[] p = w.p;
    int iStart = queryStart(x, j0);
    for (int gi = 0; gi < x.g; gi++) {
      int h = hk * x.g + gi;
      int bh = b * x.hq + h;
      for (int i0 = iStart; i0 < x.tq; i0 += br) {
        int rows = Math.min(x.tq, i0 + br) - i0;
        int gOff = go + (bh * x.tq + i0) * x.dv;
        recomputeTileF32(x, bias, bh, hk, i0, rows, j0, cols, qv, kv, vv, ga, gOff, lse, dd, w);
        if (dv != null) {
          if (dropout > 0) { // dV += (P∘Z)ᵀ·dO: apply the multipliers to P in place
            long rowBase = (long) bh * x.tq + i0;
            for (int r = 0; r < rows; r++) {
              for (int c = 0; c < cols; c++) {
                s[r * cols + c] *= (float) keepScale(seed, rowBase + r, j0 + c, x.tk, dropout);
              }
            }
          }
          K.gemm(true, false, cols, x.dv, rows, 1f, s, 0, cols, ga, gOff, x.dv, 1f, dv, dvOff,
              x.dv);
        }
        if (dk != null) {
          K.gemm(true, false, cols, x.d, rows, (float) scale, p, 0, cols, qv.a, qv.row(b, h, i0),
              qv.st, 1f, dk, dkOff, x.d);
        }
      }
    }
  }

  private void queryTileBackwardF32(Dims x, Bias bias, int item, View qv, View kv, View vv,
      float[] ga, int go, float[] lse, float[] dd, float[] dq, Workspace w) {
    int bh = item / x.nqt;
    int i0 = item % x.nqt * br;
    int i1 = Math.min(x.tq, i0 + br);
    int rows = i1 - i0;
    int b = bh / x.hq;
    int hk = bh % x.hq / x.g;
    int gOff = go + (bh * x.tq + i0) * x.dv;
    int dqOff = (bh * x.tq + i0) * x.d;
    int jEnd = keyEnd(x, i1);
    for (int j0 = 0; j0 < jEnd; j0 += bc) {
      int cols = Math.min(jEnd, j0 + bc) - j0;
      recomputeTileF32(x, bias, bh, hk, i0, rows, j0, cols, qv, kv, vv, ga, gOff, lse, dd, w);
      K.gemm(false, false, rows, x.d, cols, (float) scale, w.p, 0, cols, kv.a, kv.row(b, hk, j0),
          kv.st, 1f, dq, dqOff, x.d);
    }
  }

  // ================================================================== F64 (plain loops)

  private void forwardF64(Dims x, Bias bias, double[] qa, double[] ka, double[] va, double[] out,
      double[] lse) {
    Parallel.forChunks(x.b * x.hq * x.nqt, 1, (start, end) -> {
      Workspace w = WORKSPACE.get().ensureD(br * bc, br * x.dv, br);
      for (int item = start; item < end; item++) {
        forwardTileF64(x, bias, item, qa, ka, va, out, lse, w);
      }
    });
  }

  private void forwardTileF64(Dims x, Bias bias, int item, double[] qa, double[] ka,
      double[] va, double[] out, double[] lse, Workspace w) {
    int bh = item / x.nqt;
    int i0 = item % x.nqt * br;
    int i1 = Math.min(x.tq, i0 + br);
    int rows = i1 - i0;
    int b = bh / x.hq;
    int h = bh % x.hq;
    int kvh = b * x.hkv + h / x.g;
    int dv = x.dv;
    double[] s = w.sd;
    double[] o = w.od;
    double[] m = w.md;
    double[] l = w.ld;
    Arrays.fill(o, 0, rows * dv, 0);
    Arrays.fill(m, 0, rows, Double.NEGATIVE_INFINITY);
    Arrays.fill(l, 0, rows, 0);
    int jEnd = keyEnd(x, i1);
    for (int j0 = 0; j0 < jEnd; j0 += bc) {
      int cols = Math.min(jEnd, j0 + bc) - j0;
      scoresF64(x, bias, s, qa, (bh * x.tq + i0) * x.d, ka, (kvh * x.tk + j0) * x.d, rows, cols,
          b, h, i0, j0);
      for (int r = 0; r < rows; r++) {
        int si = r * cols;
        double mx = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < cols; c++) {
          mx = Math.max(mx, s[si + c]);
        }
        double mNew = Math.max(m[r], mx);
        if (mNew == Double.NEGATIVE_INFINITY) {
          Arrays.fill(s, si, si + cols, 0);
          continue;
        }
        double alpha = Math.exp(m[r] - mNew);
        double sum = 0;
        long row = (long) bh * x.tq + i0 + r;
        for (int c = 0; c < cols; c++) {
          double e = Math.exp(s[si + c] - mNew);
          sum += e;
          s[si + c] = dropout > 0 ? e * keepScale(seed, row, j0 + c, x.tk, dropout) : e;
        }
        l[r] = alpha * l[r] + sum;
        m[r] = mNew;
        for (int c = 0; c < dv; c++) {
          o[r * dv + c] *= alpha;
        }
      }
      int vOff = (kvh * x.tk + j0) * dv;
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          double pv = s[r * cols + c];
          for (int e = 0; e < dv; e++) {
            o[r * dv + e] += pv * va[vOff + c * dv + e];
          }
        }
      }
    }
    for (int r = 0; r < rows; r++) {
      int row = bh * x.tq + i0 + r;
      if (l[r] == 0) {
        lse[row] = Double.POSITIVE_INFINITY;
        continue;
      }
      for (int c = 0; c < dv; c++) {
        out[row * dv + c] = o[r * dv + c] / l[r];
      }
      lse[row] = m[r] + Math.log(l[r]);
    }
  }

  /** s = scale·Q[qOff..]·K[kOff..]ᵀ + mask, causally hidden entries −∞. */
  private void scoresF64(Dims x, Bias bias, double[] s, double[] qa, int qOff, double[] ka,
      int kOff, int rows, int cols, int b, int h, int i0, int j0) {
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        double acc = 0;
        for (int e = 0; e < x.d; e++) {
          acc += qa[qOff + r * x.d + e] * ka[kOff + c * x.d + e];
        }
        double add = bias == null ? 0 : bias.dd[bias.at(b, h, i0 + r, j0 + c)];
        boolean hidden = causal && j0 + c > i0 + r + x.off;
        s[r * cols + c] = hidden ? Double.NEGATIVE_INFINITY : scale * acc + add;
      }
    }
  }

  private void backwardF64(Dims x, Bias bias, double[] qa, double[] ka, double[] va,
      double[] oa, double[] lse, double[] ga, double[] dq, double[] dk, double[] dv) {
    int rowsTotal = x.b * x.hq * x.tq;
    double[] dd = new double[rowsTotal];
    for (int r = 0; r < rowsTotal; r++) {
      double acc = 0;
      for (int e = 0; e < x.dv; e++) {
        acc += ga[r * x.dv + e] * oa[r * x.dv + e];
      }
      dd[r] = acc;
    }
    if (dk != null || dv != null) {
      Parallel.forChunks(x.b * x.hkv * x.nkt, 1, (start, end) -> {
        Workspace w = WORKSPACE.get().ensureD(br * bc, 0, br);
        for (int item = start; item < end; item++) {
          int kvh = item / x.nkt;
          int j0 = item % x.nkt * bc;
          int cols = Math.min(x.tk, j0 + bc) - j0;
          int b = kvh / x.hkv;
          int hk = kvh % x.hkv;
          for (int gi = 0; gi < x.g; gi++) {
            int bh = b * x.hq + hk * x.g + gi;
            for (int i0 = queryStart(x, j0); i0 < x.tq; i0 += br) {
              int rows = Math.min(x.tq, i0 + br) - i0;
              recomputeTileF64(x, bias, bh, kvh, i0, rows, j0, cols, qa, ka, va, ga, lse, dd, w);
              for (int r = 0; r < rows; r++) {
                int qi = (bh * x.tq + i0 + r) * x.d;
                int gi2 = (bh * x.tq + i0 + r) * x.dv;
                long row = (long) bh * x.tq + i0 + r;
                for (int c = 0; c < cols; c++) {
                  double pr = w.sd[r * cols + c];
                  double ds = w.pd[r * cols + c];
                  if (dv != null) {
                    double pz = dropout > 0
                        ? pr * keepScale(seed, row, j0 + c, x.tk, dropout) : pr;
                    int vi = (kvh * x.tk + j0 + c) * x.dv;
                    for (int e = 0; e < x.dv; e++) {
                      dv[vi + e] += pz * ga[gi2 + e];
                    }
                  }
                  if (dk != null) {
                    int ki = (kvh * x.tk + j0 + c) * x.d;
                    for (int e = 0; e < x.d; e++) {
                      dk[ki + e] += scale * ds * qa[qi + e];
                    }
                  }
                }
              }
            }
          }
        }
      });
    }
    if (dq != null) {
      Parallel.forChunks(x.b * x.hq * x.nqt, 1, (start, end) -> {
        Workspace w = WORKSPACE.get().ensureD(br * bc, 0, br);
        for (int item = start; item < end; item++) {
          int bh = item / x.nqt;
          int i0 = item % x.nqt * br;
          int i1 = Math.min(x.tq, i0 + br);
          int rows = i1 - i0;
          int kvh = bh / x.hq * x.hkv + bh % x.hq / x.g;
          int jEnd = keyEnd(x, i1);
          for (int j0 = 0; j0 < jEnd; j0 += bc) {
            int cols = Math.min(jEnd, j0 + bc) - j0;
            recomputeTileF64(x, bias, bh, kvh, i0, rows, j0, cols, qa, ka, va, ga, lse, dd, w);
            for (int r = 0; r < rows; r++) {
              int qi = (bh * x.tq + i0 + r) * x.d;
              for (int c = 0; c < cols; c++) {
                double ds = w.pd[r * cols + c];
                int ki = (kvh * x.tk + j0 + c) * x.d;
                for (int e = 0; e < x.d; e++) {
                  dq[qi + e] += scale * ds * ka[ki + e];
                }
              }
            }
          }
        }
      });
    }
  }

  /** P = exp(S − L) into w.sd and dS = P∘(dP·Z − D) into w.pd for one tile. */
  private void recomputeTileF64(Dims x, Bias bias, int bh, int kvh, int i0, int rows, int j0,
      int cols, double[] qa, double[] ka, double[] va, double[] ga, double[] lse, double[] dd,
      Workspace w) {
    double[] s = w.sd;
    double[] p = w.pd;
    scoresF64(x, bias, s, qa, (bh * x.tq + i0) * x.d, ka, (kvh * x.tk + j0) * x.d, rows, cols,
        bh / x.hq, bh % x.hq, i0, j0);
    for (int r = 0; r < rows; r++) {
      int row = bh * x.tq + i0 + r;
      for (int c = 0; c < cols; c++) {
        double pr = Math.exp(s[r * cols + c] - lse[row]);
        double dp = 0;
        int vi = (kvh * x.tk + j0 + c) * x.dv;
        for (int e = 0; e < x.dv; e++) {
          dp += ga[row * x.dv + e] * va[vi + e];
        }
        if (dropout > 0) {
          dp *= keepScale(seed, row, j0 + c, x.tk, dropout);
        }
        s[r * cols + c] = pr;
        p[r * cols + c] = pr * (dp - dd[row]);
      }
    }
  }
}
