package dev.nabla.nn;

import dev.nabla.core.Tensor;
import java.util.random.RandomGenerator;

/**
 * The gated feed-forward block of LLaMA: down(silu(gate(x)) · up(x)). Shazeer, "GLU Variants
 * Improve Transformer", arXiv:2002.05202. Shape: (*, dim) → (*, dim); children
 * {@code gate_proj} and {@code up_proj} (dim → hidden) and {@code down_proj} (hidden → dim),
 * named as in Hugging Face's LlamaMLP so its weights load directly.
 *
 * <pre>{@code
 * var mlp = new SwiGLU(4096, 11008, rng);   // LLaMA-7B's sizes, no biases
 * }</pre>
 */
public final class SwiGLU extends Layer {
  private final int dim;
  private final int hidden;
  private final Linear gateProj;
  private final Linear upProj;
  private final Linear downProj;

  /** Without biases (LLaMA's). */
  public SwiGLU(int dim, int hidden, RandomGenerator rng) {
    this(dim, hidden, false, rng);
  }

  public SwiGLU(int dim, int hidden, boolean bias, RandomGenerator rng) {
    if (dim <= 0 || hidden <= 0) {
      throw new IllegalArgumentException(
          "SwiGLU: dim and hidden must be > 0, got dim=" + dim + ", hidden=" + hidden);
    }
    this.dim = dim;
    this.hidden = hidden;
    this.gateProj = register("gate_proj", new Linear(dim, hidden, bias, rng));
    this.upProj = register("up_proj", new Linear(dim, hidden, bias, rng));
    this.downProj = register("down_proj", new Linear(hidden, dim, bias, rng));
  }

  @Override public Tensor forward(Tensor x) {
    if (x.dim() == 0 || x.size(-1) != dim) {
      throw new IllegalArgumentException("SwiGLU(dim=" + dim + ", hidden=" + hidden
          + "): expected last dimension " + dim + ", got shape " + x.shape());
    }
    return downProj.forward(gateProj.forward(x).silu().mul(upProj.forward(x)));
  }

  public Linear gateProj() {
    return gateProj;
  }

  public Linear upProj() {
    return upProj;
  }

  public Linear downProj() {
    return downProj;
  }

  @Override protected String extraRepr() {
    return "dim=" + dim + ", hidden=" + hidden;
  }
}
