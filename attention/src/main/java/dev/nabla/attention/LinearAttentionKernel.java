package dev.nabla.attention;

import dev.nabla.core.DType;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;
import dev.nabla.core.internal.kernel.Kernels;
import dev.nabla.core.internal.kernel.Parallel;
import java.util.Arrays;

/**
 * The fused F32 kernel of {@link LinearAttention} (chunked causal and non-causal), forward and
 * backward on {@link Kernels} GEMMs over chunks of C positions; tested against the tensor-op
 * composites, which remain the F64 path (and so the gradcheck).
 *
 * <p>Forward, per query chunk c (rows i0..i1) of a head: S_c = Σ φ(k_j)v_jᵀ and z_c = Σ φ(k_j)
 * over the keys every row of the chunk sees (causal: j &lt; i0 + Tk − Tq; non-causal: all),
 * built once per kv head by a running sum; then num = φ(Q_c)S_c + (A∘M)V_d and
 * den = φ(Q_c)z_c + rowsum(A∘M) + ε with A = φ(Q_c)φ(K_d)ᵀ over the chunk's diagonal keys d and
 * M the causal mask; out = num / den.
 *
 * <p>Backward with g_i = dout_i / den_i and ρ_i = −dout_i·out_i / den_i (the gradients of num
 * and den): dφ(q_i) = Σ_j (g_i·v_j + ρ_i)φ(k_j), dφ(k_j) = Σ_i (g_i·v_j + ρ_i)φ(q_i),
 * dv_j = Σ_i (φ(q_i)·φ(k_j))g_i over visible pairs. The sums over later chunks use the suffix
 * sums R_s = Σ_{c ≥ s} φ(Q_c)ᵀG_c (and r_s = Σ φ(Q_c)ᵀρ_c) over the group's query heads, so
 * dφ(K_p) = V_pR_sᵀ + 1r_sᵀ + dAᵀφ(Q_c) and dV_p = φ(K_p)R_s + Aᵀ G_c for a piece p of keys first
 * seen by chunk s, with its diagonal chunk c. Memory: O(T·D·Dv / C) states, no T×T buffer.
 *
 * <p>Parallel over fixed chunks (bitwise the same at any thread count): states and suffix sums
 * per (batch, kv head), in order; outputs and dφ(Q) per (batch, head, chunk); dφ(K), dV per
 * (batch, kv head, piece of ≤ C keys), looping over the group's heads in order (GQA without
 * races).
 */
final class LinearAttentionKernel extends Op {
  private static final Kernels K = Kernels.get();
  private static final ThreadLocal<float[][]> WORKSPACE =
      ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

  private final BuiltinFeatureMap phi; // null: the inputs are features already
  private final boolean causal;
  private final int chunk;

  private LinearAttentionKernel(BuiltinFeatureMap phi, boolean causal, int chunk) {
    this.phi = phi;
    this.causal = causal;
    this.chunk = chunk;
  }

  /** Linear attention of F32 q, k, v with feature map φ (fused when built in). */
  static Tensor attention(Tensor q, Tensor k, Tensor v, FeatureMap phi, boolean causal,
      int chunk) {
    BuiltinFeatureMap builtin = phi instanceof BuiltinFeatureMap b ? b : null;
    if (builtin == null) {
      q = phi.apply(q);
      k = phi.apply(k);
      if (q.dim() != 4 || k.dim() != 4 || q.size(3) != k.size(3)
          || q.dtype() != DType.F32 || k.dtype() != DType.F32) {
        throw new ShapeMismatchException("LinearAttention: the feature map must give F32 φ(q)"
            + " and φ(k) of one width, got " + q.shape() + " and " + k.shape());
      }
    }
    return new LinearAttentionKernel(builtin, causal, chunk)
        .apply(q.contiguous(), k.contiguous(), v.contiguous());
  }

  @Override public String name() {
    return "LinearAttention";
  }

  // ================================================================== geometry

  /** Sizes of one call; chunk c holds queries [c·C, min(Tq, (c+1)·C)). */
  private record Dims(int b, int hq, int hkv, int g, int tq, int tk, int f, int dv, int off,
      int c, int n, int ns) {
  }

  private Dims dims(Tensor q, Tensor k, Tensor v) {
    int tq = q.size(2);
    int n = (tq + chunk - 1) / chunk;
    return new Dims(q.size(0), q.size(1), k.size(1), q.size(1) / k.size(1), tq, k.size(2),
        q.size(3), v.size(3), k.size(2) - tq, chunk, n, causal ? n : 1);
  }

  /** Keys [0, j) are in the state of chunk c: seen by all of its rows. */
  private int stateEnd(Dims x, int c) {
    return causal ? clamp(c * x.c + x.off, x.tk) : x.tk;
  }

  /** End of the keys that chunk c sees at all (its diagonal keys are [stateEnd, diagEnd)). */
  private int diagEnd(Dims x, int c) {
    return causal ? clamp(Math.min(x.tq, (c + 1) * x.c) + x.off, x.tk) : x.tk;
  }

  private static int clamp(int j, int tk) {
    return Math.max(0, Math.min(tk, j));
  }

  /**
   * Pieces of ≤ C keys as {start, end, first chunk whose state holds them (ns: none), diagonal
   * chunk or −1}, in key order.
   */
  private int[][] pieces(Dims x) {
    java.util.List<int[]> list = new java.util.ArrayList<>();
    int first = x.n == 0 ? x.tk : stateEnd(x, 0);
    for (int j = 0; j < first; j += x.c) {
      list.add(new int[] {j, Math.min(first, j + x.c), 0, -1});
    }
    if (causal) {
      for (int c = 0; c < x.n; c++) {
        int ja = stateEnd(x, c);
        int jb = diagEnd(x, c);
        if (jb > ja) {
          list.add(new int[] {ja, jb, c + 1, c});
        }
      }
    }
    return list.toArray(new int[0][]);
  }

  private static float[] buffer(int slot, int size) {
    float[][] w = WORKSPACE.get();
    if (w[slot].length < size) {
      w[slot] = new float[size];
    }
    return w[slot];
  }

  // ================================================================== forward

  @Override
  protected Tensor forward(Context ctx, Tensor... in) {
    Tensor q = in[0];
    Tensor k = in[1];
    Tensor v = in[2];
    Dims x = dims(q, k, v);
    float[] fq = features(q);
    float[] fk = features(k);
    int fqo = phi == null ? q.storageOffset() : 0;
    int fko = phi == null ? k.storageOffset() : 0;
    float[] va = v.dataF32();
    int vo = v.storageOffset();
    float[] s = new float[x.b * x.hkv * x.ns * x.f * x.dv];
    float[] z = new float[x.b * x.hkv * x.ns * x.f];
    // the states, a running sum over keys in key order per (batch, kv head)
    Parallel.forChunks(x.b * x.hkv, 1, (start, end) -> {
      for (int kvh = start; kvh < end; kvh++) {
        int done = 0;
        for (int si = 0; si < x.ns; si++) {
          int slot = kvh * x.ns + si;
          if (si > 0) {
            System.arraycopy(s, (slot - 1) * x.f * x.dv, s, slot * x.f * x.dv, x.f * x.dv);
            System.arraycopy(z, (slot - 1) * x.f, z, slot * x.f, x.f);
          }
          int upto = stateEnd(x, si);
          for (int p = done; p < upto; p += x.c) {
            int len = Math.min(x.c, upto - p);
            int kr = kvh * x.tk + p;
            K.gemm(true, false, x.f, x.dv, len, 1f, fk, fko + kr * x.f, x.f, va, vo + kr * x.dv,
                x.dv, 1f, s, slot * x.f * x.dv, x.dv);
            for (int r = 0; r < len; r++) {
              K.axpy(x.f, 1f, fk, fko + (kr + r) * x.f, z, slot * x.f);
            }
          }
          done = Math.max(done, upto);
        }
      }
    });
    float[] out = new float[x.b * x.hq * x.tq * x.dv];
    float[] den = new float[x.b * x.hq * x.tq];
    Parallel.forChunks(x.b * x.hq * x.n, 1, (start, end) -> {
      float[] a = buffer(0, x.c * x.c);
      for (int item = start; item < end; item++) {
        forwardChunk(x, item, fq, fqo, fk, fko, va, vo, s, z, out, den, a);
      }
    });
    Tensor result = Tensor.wrap(out, x.b, x.hq, x.tq, x.dv);
    ctx.save(q, k, v, phi == null ? q : Tensor.wrap(fq, q.shape().toArray()),
        phi == null ? k : Tensor.wrap(fk, k.shape().toArray()), result,
        Tensor.wrap(den, den.length), Tensor.wrap(s, s.length), Tensor.wrap(z, z.length));
    return result;
  }

  private float[] features(Tensor t) {
    if (phi == null) {
      return t.dataF32();
    }
    float[] f = new float[t.numel()];
    Parallel.forChunks(t.numel(), 1 << 14, (s, e) ->
        phi.apply(e - s, t.dataF32(), t.storageOffset() + s, f, s));
    return f;
  }

  /** dφ → dx in place, in parallel slices. */
  private void chain(Tensor x, float[] fx, float[] g) {
    Parallel.forChunks(g.length, 1 << 14, (s, e) ->
        phi.chain(e - s, x.dataF32(), x.storageOffset() + s, fx, s, g, s));
  }

  private void forwardChunk(Dims x, int item, float[] fq, int fqo, float[] fk, int fko,
      float[] va, int vo, float[] s, float[] z, float[] out, float[] den, float[] a) {
    int bh = item / x.n;
    int c = item % x.n;
    int i0 = c * x.c;
    int rows = Math.min(x.tq, i0 + x.c) - i0;
    int kvh = bh / x.hq * x.hkv + bh % x.hq / x.g;
    int slot = kvh * x.ns + (causal ? c : 0);
    int row0 = bh * x.tq + i0;
    K.gemm(false, false, rows, x.dv, x.f, 1f, fq, fqo + row0 * x.f, x.f, s, slot * x.f * x.dv,
        x.dv, 0f, out, row0 * x.dv, x.dv);
    for (int r = 0; r < rows; r++) {
      den[row0 + r] = K.dot(x.f, fq, fqo + (row0 + r) * x.f, z, slot * x.f);
    }
    int ja = stateEnd(x, c);
    int cols = diagEnd(x, c) - ja;
    if (cols > 0) {
      int kr = kvh * x.tk + ja;
      diagonalScores(x, i0, rows, ja, cols, fq, fqo + row0 * x.f, fk, fko + kr * x.f, a);
      for (int r = 0; r < rows; r++) {
        den[row0 + r] += FlashAttention.rowSum(a, r * cols, cols);
      }
      K.gemm(false, false, rows, x.dv, cols, 1f, a, 0, cols, va, vo + kr * x.dv, x.dv, 1f, out,
          row0 * x.dv, x.dv);
    }
    for (int r = 0; r < rows; r++) {
      float d = den[row0 + r] + (float) LinearAttention.EPS;
      den[row0 + r] = d;
      K.scale(x.dv, 1f / d, out, (row0 + r) * x.dv);
    }
  }

  /** a = (φ(Q_c)φ(K_d)ᵀ)∘M, rows × cols: query i0 + r sees key ja + col iff col ≤ i0+r+off−ja. */
  private static void diagonalScores(Dims x, int i0, int rows, int ja, int cols, float[] fq,
      int qo, float[] fk, int ko, float[] a) {
    K.gemm(false, true, rows, cols, x.f, 1f, fq, qo, x.f, fk, ko, x.f, 0f, a, 0, cols);
    hideFuture(x, i0, rows, ja, cols, a);
  }

  private static void hideFuture(Dims x, int i0, int rows, int ja, int cols, float[] a) {
    for (int r = 0; r < rows; r++) {
      int from = Math.max(0, i0 + r + x.off - ja + 1);
      if (from < cols) {
        Arrays.fill(a, r * cols + from, r * cols + cols, 0f);
      }
    }
  }

  /** dA = (G_c V_dᵀ + ρ 1ᵀ)∘M for a chunk's diagonal block. */
  private static void diagonalGradient(Dims x, int i0, int rows, int ja, int cols, float[] g,
      int go, float[] rho, int rhoOff, float[] va, int vo, float[] da) {
    K.gemm(false, true, rows, cols, x.dv, 1f, g, go, x.dv, va, vo, x.dv, 0f, da, 0, cols);
    for (int r = 0; r < rows; r++) {
      float p = rho[rhoOff + r];
      int o = r * cols;
      for (int col = 0; col < cols; col++) {
        da[o + col] += p;
      }
    }
    hideFuture(x, i0, rows, ja, cols, da);
  }

  // ================================================================== backward

  @Override
  protected Tensor[] backward(Context ctx, Tensor gradOut) {
    Tensor q = ctx.saved(0);
    Tensor k = ctx.saved(1);
    Tensor v = ctx.saved(2);
    Tensor fqT = ctx.saved(3);
    Tensor fkT = ctx.saved(4);
    Tensor outT = ctx.saved(5);
    float[] den = ctx.saved(6).dataF32();
    float[] s = ctx.saved(7).dataF32();
    float[] z = ctx.saved(8).dataF32();
    Dims x = dims(q, k, v);
    float[] fq = fqT.dataF32();
    float[] fk = fkT.dataF32();
    int fqo = fqT.storageOffset();
    int fko = fkT.storageOffset();
    float[] va = v.dataF32();
    int vo = v.storageOffset();
    float[] out = outT.dataF32();
    Tensor dOut = gradOut.detach().to(DType.F32).contiguous();
    float[] dy = dOut.dataF32();
    int dyo = dOut.storageOffset();
    int rowsTotal = x.b * x.hq * x.tq;
    // g = dout / den (gradient of num), ρ = −dout·out / den (gradient of den)
    float[] g = new float[rowsTotal * x.dv];
    float[] rho = new float[rowsTotal];
    Parallel.forChunks(rowsTotal, 256, (start, end) -> {
      for (int r = start; r < end; r++) {
        float inv = 1f / den[r];
        for (int e = 0; e < x.dv; e++) {
          g[r * x.dv + e] = dy[dyo + r * x.dv + e] * inv;
        }
        rho[r] = -K.dot(x.dv, dy, dyo + r * x.dv, out, r * x.dv) * inv;
      }
    });
    boolean wantQ = ctx.needsInputGrad(0);
    boolean wantKV = ctx.needsInputGrad(1) || ctx.needsInputGrad(2);
    float[] dfq = wantQ ? new float[q.numel()] : null;
    float[] dfk = wantKV ? new float[k.numel()] : null;
    float[] dva = wantKV ? new float[v.numel()] : null;
    if (wantKV) {
      // suffix sums R_s = Σ_{c ≥ s} φ(Q_c)ᵀG_c, r_s = Σ φ(Q_c)ᵀρ_c over the group's heads
      float[] rs = new float[s.length];
      float[] rz = new float[z.length];
      Parallel.forChunks(x.b * x.hkv, 1, (start, end) -> {
        for (int kvh = start; kvh < end; kvh++) {
          suffixSums(x, kvh, fq, fqo, g, rho, rs, rz);
        }
      });
      int[][] pieces = pieces(x);
      Parallel.forChunks(x.b * x.hkv * pieces.length, 1, (start, end) -> {
        float[] a = buffer(0, x.c * x.c);
        float[] da = buffer(1, x.c * x.c);
        for (int item = start; item < end; item++) {
          keyPieceBackward(x, item / pieces.length, pieces[item % pieces.length], fq, fqo, fk,
              fko, va, vo, g, rho, rs, rz, dfk, dva, a, da);
        }
      });
    }
    if (wantQ) {
      Parallel.forChunks(x.b * x.hq * x.n, 1, (start, end) -> {
        float[] da = buffer(1, x.c * x.c);
        for (int item = start; item < end; item++) {
          queryChunkBackward(x, item, fk, fko, va, vo, g, rho, s, z, dfq, da);
        }
      });
    }
    Tensor dq = null;
    Tensor dk = null;
    if (wantQ) {
      if (phi != null) {
        chain(q, fq, dfq);
      }
      dq = Tensor.wrap(dfq, q.shape().toArray());
    }
    if (wantKV && ctx.needsInputGrad(1)) {
      if (phi != null) {
        chain(k, fk, dfk);
      }
      dk = Tensor.wrap(dfk, k.shape().toArray());
    }
    Tensor dv = wantKV && ctx.needsInputGrad(2) ? Tensor.wrap(dva, v.shape().toArray()) : null;
    return new Tensor[] {dq, dk, dv};
  }

  private void suffixSums(Dims x, int kvh, float[] fq, int fqo, float[] g, float[] rho,
      float[] rs, float[] rz) {
    int b = kvh / x.hkv;
    int hk = kvh % x.hkv;
    int sd = x.f * x.dv;
    for (int si = x.ns - 1; si >= 0; si--) {
      int slot = kvh * x.ns + si;
      if (si < x.ns - 1) {
        System.arraycopy(rs, (slot + 1) * sd, rs, slot * sd, sd);
        System.arraycopy(rz, (slot + 1) * x.f, rz, slot * x.f, x.f);
      }
      // causal: state si is read by chunk si (and all later ones, through the running copy)
      int r0 = causal ? si * x.c : 0;
      int r1 = causal ? Math.min(x.tq, r0 + x.c) : x.tq;
      for (int gi = 0; gi < x.g; gi++) {
        int row0 = (b * x.hq + hk * x.g + gi) * x.tq + r0;
        K.gemm(true, false, x.f, x.dv, r1 - r0, 1f, fq, fqo + row0 * x.f, x.f, g, row0 * x.dv,
            x.dv, 1f, rs, slot * sd, x.dv);
        for (int r = 0; r < r1 - r0; r++) {
          K.axpy(x.f, rho[row0 + r], fq, fqo + (row0 + r) * x.f, rz, slot * x.f);
        }
      }
    }
  }

  private void keyPieceBackward(Dims x, int kvh, int[] piece, float[] fq, int fqo, float[] fk,
      int fko, float[] va, int vo, float[] g, float[] rho, float[] rs, float[] rz, float[] dfk,
      float[] dva, float[] a, float[] da) {
    int ja = piece[0];
    int cols = piece[1] - ja;
    int first = piece[2];
    int diag = piece[3];
    int kr = kvh * x.tk + ja;
    if (first < x.ns) { // every chunk from `first` on sees these keys through its state
      int slot = kvh * x.ns + first;
      K.gemm(false, true, cols, x.f, x.dv, 1f, va, vo + kr * x.dv, x.dv, rs, slot * x.f * x.dv,
          x.dv, 0f, dfk, kr * x.f, x.f);
      for (int r = 0; r < cols; r++) {
        K.axpy(x.f, 1f, rz, slot * x.f, dfk, (kr + r) * x.f);
      }
      K.gemm(false, false, cols, x.dv, x.f, 1f, fk, fko + kr * x.f, x.f, rs, slot * x.f * x.dv,
          x.dv, 0f, dva, kr * x.dv, x.dv);
    }
    if (diag >= 0) { // and the diagonal chunk sees them through the masked block
      int b = kvh / x.hkv;
      int hk = kvh % x.hkv;
      int i0 = diag * x.c;
      int rows = Math.min(x.tq, i0 + x.c) - i0;
      for (int gi = 0; gi < x.g; gi++) {
        int row0 = (b * x.hq + hk * x.g + gi) * x.tq + i0;
        diagonalScores(x, i0, rows, ja, cols, fq, fqo + row0 * x.f, fk, fko + kr * x.f, a);
        diagonalGradient(x, i0, rows, ja, cols, g, row0 * x.dv, rho, row0, va, vo + kr * x.dv,
            da);
        K.gemm(true, false, cols, x.f, rows, 1f, da, 0, cols, fq, fqo + row0 * x.f, x.f, 1f,
            dfk, kr * x.f, x.f);
        K.gemm(true, false, cols, x.dv, rows, 1f, a, 0, cols, g, row0 * x.dv, x.dv, 1f, dva,
            kr * x.dv, x.dv);
      }
    }
  }

  private void queryChunkBackward(Dims x, int item, float[] fk, int fko, float[] va, int vo,
      float[] g, float[] rho, float[] s, float[] z, float[] dfq, float[] da) {
    int bh = item / x.n;
    int c = item % x.n;
    int i0 = c * x.c;
    int rows = Math.min(x.tq, i0 + x.c) - i0;
    int kvh = bh / x.hq * x.hkv + bh % x.hq / x.g;
    int slot = kvh * x.ns + (causal ? c : 0);
    int row0 = bh * x.tq + i0;
    // through the state: G_c S_cᵀ + ρ_c z_cᵀ
    K.gemm(false, true, rows, x.f, x.dv, 1f, g, row0 * x.dv, x.dv, s, slot * x.f * x.dv, x.dv,
        0f, dfq, row0 * x.f, x.f);
    for (int r = 0; r < rows; r++) {
      K.axpy(x.f, rho[row0 + r], z, slot * x.f, dfq, (row0 + r) * x.f);
    }
    int ja = stateEnd(x, c);
    int cols = diagEnd(x, c) - ja;
    if (cols > 0) { // through the diagonal block: dA φ(K_d)
      int kr = kvh * x.tk + ja;
      diagonalGradient(x, i0, rows, ja, cols, g, row0 * x.dv, rho, row0, va, vo + kr * x.dv, da);
      K.gemm(false, false, rows, x.f, cols, 1f, da, 0, cols, fk, fko + kr * x.f, x.f, 1f, dfq,
          row0 * x.f, x.f);
    }
  }
}
