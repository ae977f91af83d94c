package dev.nabla.nn;

import dev.nabla.core.Tensor;
import dev.nabla.nn.functional.Functional;

/**
 * Gaussian error linear unit x·Φ(x), exact or with the tanh approximation
 * x/2·(1 + tanh(√(2/π)(x + 0.044715x³))). Hendrycks &amp; Gimpel, arXiv:1606.08415.
 * Shape: any → same.
 *
 * <pre>{@code
 * new GELU();                              // exact (erf)
 * new GELU(GELU.Approximation.TANH);       // GPT-2's
 * }</pre>
 */
public final class GELU extends Layer {
  /** How Φ is computed: exactly with erf, or with the tanh formula. */
  public enum Approximation { NONE, TANH }

  private final Approximation approximation;

  public GELU() {
    this(Approximation.NONE);
  }

  public GELU(Approximation approximation) {
    if (approximation == null) {
      throw new IllegalArgumentException("GELU: approximation must not be null (use NONE)");
    }
    this.approximation = approximation;
  }

  @Override public Tensor forward(Tensor x) {
    return Functional.gelu(x, approximation);
  }

  public Approximation approximation() {
    return approximation;
  }

  @Override protected String extraRepr() {
    return "approximate='" + approximation.name().toLowerCase(java.util.Locale.ROOT) + "'";
  }
}
