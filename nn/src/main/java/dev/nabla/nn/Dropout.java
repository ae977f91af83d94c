package dev.nabla.nn;

import dev.nabla.core.Tensor;
import dev.nabla.nn.functional.Functional;
import java.util.random.RandomGenerator;

/**
 * Inverted dropout: in training mode each element is zeroed with probability p and the others
 * are scaled by 1/(1−p); in evaluation mode it is the identity. Srivastava et al., JMLR 15
 * (2014). Shape: any → same.
 *
 * <pre>{@code
 * var drop = new Dropout(0.1, rng.split());   // its own stream: other draws don't shift it
 * Tensor h = drop.forward(x);                  // model.eval() turns it off
 * }</pre>
 */
public final class Dropout extends Layer {
  private final double p;
  private final RandomGenerator rng;

  /** Dropout with probability {@code p} in [0, 1], drawing masks from {@code rng}. */
  public Dropout(double p, RandomGenerator rng) {
    Functional.checkProbability(p);
    if (rng == null) {
      throw new IllegalArgumentException("Dropout: rng must not be null");
    }
    this.p = p;
    this.rng = rng;
  }

  @Override public Tensor forward(Tensor x) {
    return Functional.dropout(x, p, isTraining(), rng);
  }

  public double p() {
    return p;
  }

  @Override protected String extraRepr() {
    return "p=" + p;
  }
}
