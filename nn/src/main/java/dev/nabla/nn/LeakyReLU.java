package dev.nabla.nn;

import dev.nabla.core.Tensor;
import dev.nabla.nn.functional.Functional;

/** x where x &gt; 0, else negativeSlope·x (default 0.01), elementwise. Shape: any → same. */
public final class LeakyReLU extends Layer {
  private final double negativeSlope;

  public LeakyReLU() {
    this(0.01);
  }

  public LeakyReLU(double negativeSlope) {
    this.negativeSlope = negativeSlope;
  }

  @Override public Tensor forward(Tensor x) {
    return Functional.leakyRelu(x, negativeSlope);
  }

  public double negativeSlope() {
    return negativeSlope;
  }

  @Override protected String extraRepr() {
    return "negative_slope=" + negativeSlope;
  }
}
