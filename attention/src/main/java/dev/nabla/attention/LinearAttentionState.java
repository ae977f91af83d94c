package dev.nabla.attention;

import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;

/**
 * The recurrent state of causal {@link LinearAttention} for step-by-step decoding:
 * S = Σ φ(k_j) v_jᵀ ([B, Hkv, F, Dv]) and z = Σ φ(k_j) ([B, Hkv, 1, F]) over the keys seen so
 * far; a query reads out = φ(q)ᵀS / (φ(q)ᵀz + ε). Memory is constant in the sequence length
 * (the "RNN" of "Transformers are RNNs"). Grouped heads (Hq a multiple of Hkv) read the same
 * state. Differentiable (built from tensor ops); decode under {@code GradMode.disabled()}.
 *
 * <pre>{@code
 * var state = new LinearAttentionState(FeatureMap.ELU_PLUS_ONE);
 * for (int t = 0; t < steps; t++) {
 *   Tensor y = state.step(q_t, k_t, v_t);   // [B, Hq, 1, D], [B, Hkv, 1, D], [B, Hkv, 1, Dv]
 * }
 * }</pre>
 */
public final class LinearAttentionState {
  private final FeatureMap phi;
  private Tensor s;
  private Tensor z;
  private int length;

  /** An empty state for feature map φ; shapes are fixed by the first update. */
  public LinearAttentionState(FeatureMap phi) {
    if (phi == null) {
      throw new IllegalArgumentException("LinearAttentionState: feature map must not be null");
    }
    this.phi = phi;
  }

  /** Adds key k_t then reads query q_t: one decoding step. Shapes [B, H, 1, ·]. */
  public Tensor step(Tensor q, Tensor k, Tensor v) {
    if (q.dim() != 4 || q.size(2) != 1 || k.dim() != 4 || k.size(2) != 1) {
      throw new ShapeMismatchException("LinearAttentionState.step: expected one position, q [B, Hq,"
          + " 1, D] and k, v [B, Hkv, 1, D], got q " + q.shape() + ", k " + k.shape());
    }
    update(k, v);
    return read(q);
  }

  /** Adds keys and values [B, Hkv, T, D], [B, Hkv, T, Dv] to the state (T ≥ 0). */
  public void update(Tensor k, Tensor v) {
    ScaledDotProductAttention.checkShapes(k, k, v, null);
    Tensor fk = phi.apply(k);
    Tensor ds = fk.transpose(-1, -2).matmul(v);                 // [B, Hkv, F, Dv]
    Tensor dz = fk.sum(2, true);                                // [B, Hkv, 1, F]
    if (s == null) {
      s = ds;
      z = dz;
    } else {
      if (!ds.shape().equals(s.shape())) {
        throw new ShapeMismatchException("LinearAttentionState: k " + k.shape() + " and v "
            + v.shape() + " do not match the state " + s.shape() + " [B, Hkv, F, Dv]");
      }
      s = s.add(ds);
      z = z.add(dz);
    }
    length += k.size(2);
  }

  /**
   * Reads queries [B, Hq, T, D] against the current state (every query sees every key added so
   * far) → [B, Hq, T, Dv]; a zero output before the first key.
   */
  public Tensor read(Tensor q) {
    if (s == null) {
      throw new IllegalStateException("LinearAttentionState.read: no keys yet; call update or"
          + " step first");
    }
    int b = s.size(0);
    int hkv = s.size(1);
    if (q.dim() != 4 || q.size(0) != b || q.size(1) % hkv != 0) {
      throw new ShapeMismatchException("LinearAttentionState.read: expected q [" + b + ", a"
          + " multiple of " + hkv + ", T, D], got " + q.shape());
    }
    int hq = q.size(1);
    int t = q.size(2);
    Tensor fq = phi.apply(q);
    Tensor fg = fq.reshape(b, hkv, hq / hkv * t, fq.size(3));
    Tensor num = fg.matmul(s);
    Tensor den = fg.matmul(z.transpose(-1, -2)).add(LinearAttention.EPS);
    return num.div(den).reshape(b, hq, t, s.size(3));
  }

  /** Number of keys absorbed. */
  public int length() {
    return length;
  }

  /** S = Σ φ(k)vᵀ, [B, Hkv, F, Dv] (null before the first key). */
  public Tensor s() {
    return s;
  }

  /** z = Σ φ(k), [B, Hkv, 1, F] (null before the first key). */
  public Tensor z() {
    return z;
  }

  /** Forgets every key (a new sequence). */
  public void reset() {
    s = null;
    z = null;
    length = 0;
  }
}
