package dev.nabla.attention;

import dev.nabla.core.DType;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;

/**
 * softmax(Q·Kᵀ·scale + mask)·V, the one attention contract every layer calls.
 *
 * <p>Shapes: q {@code [B, Hq, Tq, D]}, k and v {@code [B, Hkv, Tk, D]} (v may have its own last
 * dimension Dv), {@code Hq % Hkv == 0}: each group of {@code Hq / Hkv} query heads shares one
 * key/value head (GQA; MQA when Hkv = 1) through broadcasting, without copying k or v. The result
 * is {@code [B, Hq, Tq, Dv]}.
 *
 * <p>Masks: a BOOL mask (true = may attend) or an additive float mask, broadcastable to
 * {@code [B, Hq, Tq, Tk]}. Causal attention lets query i see keys j ≤ i + (Tk − Tq), the right
 * alignment when Tq &lt; Tk (decoding with a cache). A query row that may attend to nothing
 * gets a zero output and zero gradients (no NaN).
 *
 * <p>Implementations ({@link AttentionOptions#impl()}): REFERENCE materialises the scores (the
 * oracle); FLASH tiles them with an online softmax in O(T·D) memory; AUTO runs FLASH (see
 * {@link #choose}); LINEAR is {@link LinearAttention}, a different function (φ(Q)φ(K)ᵀ instead of
 * the softmax; the causal flag but no mask or dropout).
 */
public final class ScaledDotProductAttention {
  private ScaledDotProductAttention() {}

  /** Attention with the given options. */
  public static Tensor apply(Tensor q, Tensor k, Tensor v, AttentionOptions options) {
    checkShapes(q, k, v, options.mask());
    return switch (options.impl()) {
      case REFERENCE -> reference(q, k, v, options);
      case FLASH -> FlashAttention.attention(q, k, v, options);
      case LINEAR -> LinearAttention.attention(q, k, v, options);
      case AUTO -> choose(options) == AttentionImpl.FLASH
          ? FlashAttention.attention(q, k, v, options) : reference(q, k, v, options);
    };
  }

  /**
   * The softmax implementation AUTO runs: FLASH (it supports every option and never holds the
   * score matrix), except for an additive mask that requires grad (only REFERENCE
   * differentiates the mask, e.g. a learned bias). Never LINEAR: it is a different function.
   */
  public static AttentionImpl choose(AttentionOptions options) {
    if (options.impl() != AttentionImpl.AUTO) {
      return options.impl();
    }
    Tensor m = options.mask();
    return m != null && m.dtype() != DType.BOOL && m.isRequiresGrad()
        ? AttentionImpl.REFERENCE : AttentionImpl.FLASH;
  }

  /** Non-causal, unmasked attention with the default scale. */
  public static Tensor apply(Tensor q, Tensor k, Tensor v) {
    return apply(q, k, v, AttentionOptions.defaults());
  }

  /** Validates the contract's shapes; every implementation calls it. */
  public static void checkShapes(Tensor q, Tensor k, Tensor v, Tensor mask) {
    if (q.dim() != 4 || k.dim() != 4 || v.dim() != 4) {
      throw new ShapeMismatchException("attention: expected 4-D q, k, v [B, H, T, D], got q "
          + q.shape() + ", k " + k.shape() + ", v " + v.shape());
    }
    if (k.size(0) != q.size(0) || v.size(0) != q.size(0)) {
      throw new ShapeMismatchException("attention: batch sizes differ: q " + q.shape() + ", k "
          + k.shape() + ", v " + v.shape());
    }
    if (k.size(1) != v.size(1) || k.size(2) != v.size(2)) {
      throw new ShapeMismatchException("attention: k " + k.shape() + " and v " + v.shape()
          + " must have the same heads and length");
    }
    if (q.size(3) != k.size(3)) {
      throw new ShapeMismatchException("attention: q and k head dimensions differ: q " + q.shape()
          + ", k " + k.shape());
    }
    if (k.size(1) == 0 || q.size(1) % k.size(1) != 0) {
      throw new ShapeMismatchException("attention: query heads (" + q.size(1)
          + ") must be a multiple of key/value heads (" + k.size(1) + ")");
    }
    if (q.dtype() != k.dtype() || q.dtype() != v.dtype() || !q.dtype().isFloatingPoint()) {
      throw new IllegalArgumentException("attention: q, k, v must share one floating-point dtype,"
          + " got " + q.dtype() + ", " + k.dtype() + ", " + v.dtype());
    }
    if (mask != null) {
      int[] target = {q.size(0), q.size(1), q.size(2), k.size(2)};
      int[] m = mask.shape().toArray();
      boolean ok = m.length <= 4;
      for (int i = 0; ok && i < m.length; i++) {
        int t = target[4 - m.length + i];
        ok = m[i] == 1 || m[i] == t;
      }
      if (!ok) {
        throw new ShapeMismatchException("attention: mask of shape " + mask.shape()
            + " cannot be broadcast to [B, Hq, Tq, Tk] = " + java.util.Arrays.toString(target));
      }
    }
  }

  /**
   * The boolean "may attend" matrix for the causal flag and a BOOL mask, broadcastable to
   * {@code [B, Hq, Tq, Tk]}, or null when everything may attend. Additive masks are not
   * included (they are added to the scores).
   */
  public static Tensor allowed(int tq, int tk, AttentionOptions o) {
    Tensor allowed = null;
    if (o.causal()) {
      allowed = Tensor.ones(DType.BOOL, tq, tk).tril(tk - tq);
    }
    Tensor m = o.mask();
    if (m != null && m.dtype() == DType.BOOL) {
      allowed = allowed == null ? m : allowed.logicalAnd(m);
    }
    return allowed;
  }

  /** Materialises the [B, Hq, Tq, Tk] scores: the oracle. */
  static Tensor reference(Tensor q, Tensor k, Tensor v, AttentionOptions o) {
    int b = q.size(0);
    int hq = q.size(1);
    int tq = q.size(2);
    int d = q.size(3);
    int hkv = k.size(1);
    int tk = k.size(2);
    int groups = hq / hkv;
    // [B, Hkv, G, Tq, D] · [B, Hkv, 1, D, Tk]: the group dimension broadcasts over shared k/v
    Tensor qg = q.reshape(b, hkv, groups, tq, d);
    Tensor scores = qg.matmul(k.unsqueeze(2).transpose(-1, -2)).mul(o.scaleFor(d))
        .reshape(b, hq, tq, tk);
    Tensor m = o.mask();
    if (m != null && m.dtype() != DType.BOOL) {
      scores = scores.add(m.to(scores.dtype()));
    }
    Tensor allowed = allowed(tq, tk, o);
    Tensor attn;
    if (allowed == null) {
      attn = scores.softmax(-1);
    } else {
      // A finite fill keeps fully masked rows finite; they are zeroed after the softmax.
      Tensor blocked = allowed.logicalNot();
      attn = scores.maskedFill(blocked.expand(scores.shape().toArray()), -Float.MAX_VALUE)
          .softmax(-1).maskedFill(blocked.expand(scores.shape().toArray()), 0.0);
    }
    if (o.training() && o.dropout() > 0) {
      Tensor keep = Tensor.rand(o.rng(), attn.dtype(), attn.shape().toArray()).ge(o.dropout());
      attn = attn.mul(keep.to(attn.dtype())).div(1 - o.dropout());
    }
    Tensor out = attn.reshape(b, hkv, groups, tq, tk).matmul(v.unsqueeze(2));
    return out.reshape(b, hq, tq, v.size(3));
  }
}
