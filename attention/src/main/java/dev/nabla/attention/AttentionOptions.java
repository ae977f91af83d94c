package dev.nabla.attention;

import dev.nabla.core.Tensor;
import java.util.random.RandomGenerator;

/**
 * Options of {@link ScaledDotProductAttention}: an optional mask (BOOL: true = may attend; or an
 * additive float mask), the causal flag, the scale (NaN = 1/√D), dropout on the attention
 * weights (applied only when {@code training}, with an explicit random generator) and the
 * implementation.
 */
public record AttentionOptions(Tensor mask, boolean causal, double scale, double dropout,
    boolean training, RandomGenerator rng, AttentionImpl impl) {

  public AttentionOptions {
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException("attention: dropout must be in [0, 1), got " + dropout);
    }
    if (dropout > 0 && training && rng == null) {
      throw new IllegalArgumentException("attention: dropout > 0 in training needs an rng");
    }
    if (!Double.isNaN(scale) && !(scale > 0)) {
      throw new IllegalArgumentException("attention: scale must be positive, got " + scale);
    }
    if (impl == null) {
      impl = AttentionImpl.AUTO;
    }
  }

  /** No mask, not causal, default scale, no dropout, automatic implementation. */
  public static AttentionOptions defaults() {
    return new AttentionOptions(null, false, Double.NaN, 0, false, null, AttentionImpl.AUTO);
  }

  public AttentionOptions mask(Tensor m) {
    return new AttentionOptions(m, causal, scale, dropout, training, rng, impl);
  }

  public AttentionOptions causal(boolean c) {
    return new AttentionOptions(mask, c, scale, dropout, training, rng, impl);
  }

  public AttentionOptions scale(double s) {
    return new AttentionOptions(mask, causal, s, dropout, training, rng, impl);
  }

  /** Dropout probability on the attention weights, active when {@code training}. */
  public AttentionOptions dropout(double p, boolean train, RandomGenerator generator) {
    return new AttentionOptions(mask, causal, scale, p, train, generator, impl);
  }

  public AttentionOptions impl(AttentionImpl i) {
    return new AttentionOptions(mask, causal, scale, dropout, training, rng, i);
  }

  /** The scale to use for head dimension {@code d}. */
  public double scaleFor(int d) {
    return Double.isNaN(scale) ? 1.0 / Math.sqrt(d) : scale;
  }
}
