package dev.nabla.attention;

import dev.nabla.core.DType;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;

/**
 * Linear attention (Katharopoulos et al., "Transformers are RNNs", arXiv:2006.16236): softmax is
 * replaced by a positive feature map φ, so that
 * out_i = φ(q_i)ᵀ (Σ_j φ(k_j) v_jᵀ) / (φ(q_i)ᵀ Σ_j φ(k_j) + ε), with ε = 1e-6 as in the paper.
 *
 * <p>Non-causal: φ(K)ᵀV and φ(K)ᵀ1 once, O(T·D·Dv). Causal (query i sees keys j ≤ i + Tk − Tq,
 * as {@link ScaledDotProductAttention}) in three numerically equal forms:
 * <ul>
 *   <li>{@link #causalParallel}: the masked Tq×Tk matrix φ(Q)φ(K)ᵀ (quadratic; the oracle),
 *   <li>{@link #causalChunked} (the default): within a chunk of C positions the masked C×C form,
 *       across chunks the state S = Σ φ(k)vᵀ, z = Σ φ(k) carried as a prefix sum over chunks,
 *       O(T·C·D + T·D·Dv),
 *   <li>{@link #causalRecurrent}: one position at a time through {@link LinearAttentionState},
 *       the form used for step-by-step decoding.
 * </ul>
 * F32 runs a fused kernel (forward and backward on GEMMs over chunks, φ fused when built in;
 * {@code LinearAttentionKernel}); F64 and the parallel and recurrent forms are built from
 * differentiable tensor ops (autograd gives the gradients; gradcheck runs there, and the fused
 * kernel is tested against them). GQA: Hq a multiple of Hkv, each group of query heads reads
 * the same φ(K), V (no copy). Shapes: q [B, Hq, Tq, D], k [B, Hkv, Tk, D],
 * v [B, Hkv, Tk, Dv] → [B, Hq, Tq, Dv].
 *
 * <p>Not softmax attention: the scale of the options is not used, masks other than causal and
 * dropout are rejected (there is no attention matrix to mask or drop). A query that sees no key
 * gets a zero output.
 *
 * <pre>{@code
 * Tensor y = LinearAttention.apply(q, k, v, true, FeatureMap.ELU_PLUS_ONE);  // causal, chunked
 * }</pre>
 */
public final class LinearAttention {
  /** The ε added to the normaliser φ(q)ᵀΣφ(k). */
  public static final double EPS = 1e-6;
  /** Positions per chunk of {@link #causalChunked}: C×C scores per chunk stay in cache. */
  public static final int DEFAULT_CHUNK = 64;

  private LinearAttention() {}

  /** Non-causal or causal (chunked) linear attention with φ = elu + 1. */
  public static Tensor apply(Tensor q, Tensor k, Tensor v, boolean causal) {
    return apply(q, k, v, causal, FeatureMap.ELU_PLUS_ONE);
  }

  /** Non-causal (O(T·D·Dv)) or causal (chunked) linear attention with feature map φ. */
  public static Tensor apply(Tensor q, Tensor k, Tensor v, boolean causal, FeatureMap phi) {
    return causal ? causalChunked(q, k, v, phi, DEFAULT_CHUNK) : nonCausal(q, k, v, phi);
  }

  /** Through the attention contract: rejects masks and dropout (see the class comment). */
  static Tensor attention(Tensor q, Tensor k, Tensor v, AttentionOptions o) {
    if (o.mask() != null) {
      throw new IllegalArgumentException("attention: LINEAR supports no mask other than causal"
          + " (got a mask of shape " + o.mask().shape() + "); use FLASH or REFERENCE for masked"
          + " attention");
    }
    if (o.training() && o.dropout() > 0) {
      throw new IllegalArgumentException("attention: LINEAR has no attention weights to drop;"
          + " set dropout to 0 (got " + o.dropout() + ")");
    }
    return apply(q, k, v, o.causal());
  }

  /** out = φ(Q)(φ(K)ᵀV) / (φ(Q)(φ(K)ᵀ1) + ε): every query sees every key. */
  public static Tensor nonCausal(Tensor q, Tensor k, Tensor v, FeatureMap phi) {
    check(q, k, v);
    return q.dtype() == DType.F32
        ? LinearAttentionKernel.attention(q, k, v, phi, false, DEFAULT_CHUNK)
        : nonCausalComposite(q, k, v, phi);
  }

  /** {@link #nonCausal} from tensor ops: the F64 path and the fused kernel's oracle. */
  static Tensor nonCausalComposite(Tensor q, Tensor k, Tensor v, FeatureMap phi) {
    int b = q.size(0);
    int hq = q.size(1);
    int tq = q.size(2);
    int hkv = k.size(1);
    Tensor fq = phi.apply(q);
    Tensor fk = phi.apply(k);
    int f = fq.size(3);
    Tensor kv = fk.transpose(-1, -2).matmul(v);                 // [B, Hkv, F, Dv]
    Tensor z = fk.sum(2, true).transpose(-1, -2);               // [B, Hkv, F, 1]
    Tensor fg = fq.reshape(b, hkv, hq / hkv * tq, f);           // query heads of a group stacked
    Tensor num = fg.matmul(kv);
    Tensor den = fg.matmul(z).add(EPS);
    return num.div(den).reshape(b, hq, tq, v.size(3));
  }

  /**
   * Causal linear attention through the masked Tq×Tk matrix A = φ(Q)φ(K)ᵀ: out = (A∘M)V /
   * (rowsum(A∘M) + ε). Quadratic in T; the oracle for the other two forms.
   */
  public static Tensor causalParallel(Tensor q, Tensor k, Tensor v, FeatureMap phi) {
    check(q, k, v);
    int b = q.size(0);
    int hq = q.size(1);
    int tq = q.size(2);
    int hkv = k.size(1);
    int tk = k.size(2);
    Tensor fq = phi.apply(q);
    Tensor fk = phi.apply(k);
    int f = fq.size(3);
    Tensor fg = fq.reshape(b, hkv, hq / hkv, tq, f);
    Tensor a = fg.matmul(fk.unsqueeze(2).transpose(-1, -2));    // [B, Hkv, G, Tq, Tk]
    Tensor keep = Tensor.ones(DType.BOOL, tq, tk).tril(tk - tq).logicalNot();
    a = a.maskedFill(keep.expand(a.shape().toArray()), 0.0);
    Tensor num = a.matmul(v.unsqueeze(2));
    Tensor den = a.sum(-1, true).add(EPS);
    return num.div(den).reshape(b, hq, tq, v.size(3));
  }

  /**
   * Causal linear attention in chunks of {@code chunk} positions: inside a chunk the masked
   * C×C form, across chunks the state (S, z) of all earlier chunks, an exclusive prefix sum of
   * the per-chunk φ(K_c)ᵀV_c and Σφ(K_c) (so every chunk is computed at once).
   */
  public static Tensor causalChunked(Tensor q, Tensor k, Tensor v, FeatureMap phi, int chunk) {
    check(q, k, v);
    if (chunk < 1) {
      throw new IllegalArgumentException("LinearAttention: chunk must be positive, got " + chunk);
    }
    return q.dtype() == DType.F32
        ? LinearAttentionKernel.attention(q, k, v, phi, true, chunk)
        : causalChunkedComposite(q, k, v, phi, chunk);
  }

  /** {@link #causalChunked} from tensor ops: the F64 path and the fused kernel's oracle. */
  static Tensor causalChunkedComposite(Tensor q, Tensor k, Tensor v, FeatureMap phi,
      int chunk) {
    int b = q.size(0);
    int hq = q.size(1);
    int tq = q.size(2);
    int hkv = k.size(1);
    int tk = k.size(2);
    int g = hq / hkv;
    int dv = v.size(3);
    int off = tk - tq;
    Tensor fq = phi.apply(q);
    Tensor fk = phi.apply(k);
    int f = fq.size(3);
    Tensor s0 = null;                                          // state of the keys before query 0
    Tensor z0 = null;
    int hidden = 0;                                            // leading queries that see nothing
    if (off > 0) {
      Tensor pk = fk.narrow(2, 0, off);
      s0 = pk.transpose(-1, -2).matmul(v.narrow(2, 0, off));  // [B, Hkv, F, Dv]
      z0 = pk.sum(2, true);                                    // [B, Hkv, 1, F]
      fk = fk.narrow(2, off, tq);
      v = v.narrow(2, off, tq);
    } else if (off < 0) {
      hidden = -off;
      fq = fq.narrow(2, hidden, tk);
    }
    int t = fq.size(2);                                        // aligned length: query i ↔ key i
    if (t == 0) {
      return Tensor.zeros(q.dtype(), b, hq, tq, dv);
    }
    int n = (t + chunk - 1) / chunk;
    int pad = n * chunk - t;
    if (pad > 0) { // zero features add nothing to any sum
      fq = fq.pad(new int[] {0, 0, 0, pad}, 0);
      fk = fk.pad(new int[] {0, 0, 0, pad}, 0);
      v = v.pad(new int[] {0, 0, 0, pad}, 0);
    }
    Tensor qc = fq.reshape(b, hkv, g, n, chunk, f);
    Tensor kc = fk.reshape(b, hkv, n, chunk, f);
    Tensor vc = v.reshape(b, hkv, n, chunk, dv);
    // state before chunk c: S0 + Σ_{c' < c} φ(K_c')ᵀV_c' (and z likewise): a cumsum shifted by 1
    Tensor kvc = kc.transpose(-1, -2).matmul(vc);               // [B, Hkv, N, F, Dv]
    Tensor zc = kc.sum(3, true);                                // [B, Hkv, N, 1, F]
    Tensor sFirst = s0 == null ? Tensor.zeros(q.dtype(), b, hkv, 1, f, dv) : s0.unsqueeze(2);
    Tensor zFirst = z0 == null ? Tensor.zeros(q.dtype(), b, hkv, 1, 1, f) : z0.unsqueeze(2);
    Tensor sPrev = Tensor.cat(2, sFirst, kvc.narrow(2, 0, n - 1)).cumsum(2);
    Tensor zPrev = Tensor.cat(2, zFirst, zc.narrow(2, 0, n - 1)).cumsum(2);
    Tensor inter = qc.matmul(sPrev.unsqueeze(2));              // [B, Hkv, G, N, C, Dv]
    Tensor interDen = qc.matmul(zPrev.unsqueeze(2).transpose(-1, -2)); // [.., C, 1]
    Tensor a = qc.matmul(kc.unsqueeze(2).transpose(-1, -2));   // [B, Hkv, G, N, C, C]
    Tensor above = Tensor.ones(DType.BOOL, chunk, chunk).tril(0).logicalNot();
    a = a.maskedFill(above.expand(a.shape().toArray()), 0.0);
    Tensor num = inter.add(a.matmul(vc.unsqueeze(2)));
    Tensor den = interDen.add(a.sum(-1, true)).add(EPS);
    Tensor out = num.div(den).reshape(b, hq, n * chunk, dv);
    if (pad > 0) {
      out = out.narrow(2, 0, t);
    }
    if (hidden > 0) {
      out = Tensor.cat(2, Tensor.zeros(q.dtype(), b, hq, hidden, dv), out);
    }
    return out;
  }

  /**
   * Causal linear attention one position at a time with {@link LinearAttentionState}: the keys
   * before query 0 (Tk &gt; Tq) are absorbed first, then each step adds key i and reads query i.
   */
  public static Tensor causalRecurrent(Tensor q, Tensor k, Tensor v, FeatureMap phi) {
    check(q, k, v);
    int tq = q.size(2);
    int tk = k.size(2);
    int off = tk - tq;
    LinearAttentionState state = new LinearAttentionState(phi);
    if (off > 0) {
      state.update(k.narrow(2, 0, off), v.narrow(2, 0, off));
    }
    Tensor[] outs = new Tensor[tq];
    for (int i = 0; i < tq; i++) {
      int j = i + off;
      outs[i] = j < 0
          ? Tensor.zeros(q.dtype(), q.size(0), q.size(1), 1, v.size(3))
          : state.step(q.narrow(2, i, 1), k.narrow(2, j, 1), v.narrow(2, j, 1));
    }
    return tq == 0 ? Tensor.zeros(q.dtype(), q.size(0), q.size(1), 0, v.size(3))
        : Tensor.cat(2, outs);
  }

  static void check(Tensor q, Tensor k, Tensor v) {
    ScaledDotProductAttention.checkShapes(q, k, v, null);
    if (q.size(3) == 0) {
      throw new ShapeMismatchException("LinearAttention: head dimension must be positive, got q "
          + q.shape());
    }
  }
}
