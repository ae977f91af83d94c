package dev.nabla.nn;

import dev.nabla.core.Tensor;
import dev.nabla.nn.functional.Functional;

/**
 * Root-mean-square normalisation of the last dimension: y = x/√(mean(x²) + eps)·weight, with
 * weight initialised to ones. Zhang &amp; Sennrich, arXiv:1910.07467; the norm of LLaMA.
 * Shape: (*, dim) → same. F32 runs the fused row kernel.
 *
 * <pre>{@code
 * var norm = new RMSNorm(4096, 1e-5);   // LLaMA 2's eps; new RMSNorm(dim) uses 1e-6
 * }</pre>
 */
public final class RMSNorm extends Layer {
  private final int dim;
  private final double eps;
  private final Parameter weight;

  /** Over a last dimension of size {@code dim}, eps 1e-6 (Hugging Face LLaMA's default). */
  public RMSNorm(int dim) {
    this(dim, 1e-6);
  }

  public RMSNorm(int dim, double eps) {
    if (dim <= 0) {
      throw new IllegalArgumentException("RMSNorm: dim must be > 0, got " + dim);
    }
    if (!(eps >= 0)) {
      throw new IllegalArgumentException("RMSNorm: eps must be >= 0, got " + eps);
    }
    this.dim = dim;
    this.eps = eps;
    this.weight = registerParameter("weight", Tensor.ones(dim));
  }

  @Override public Tensor forward(Tensor x) {
    if (x.dim() == 0 || x.size(-1) != dim) {
      throw new IllegalArgumentException("RMSNorm(" + dim + "): expected last dimension " + dim
          + ", got shape " + x.shape());
    }
    return Functional.rmsNorm(x, new int[] {dim}, weight, eps);
  }

  public int dim() {
    return dim;
  }

  public double eps() {
    return eps;
  }

  public Parameter weight() {
    return weight;
  }

  @Override protected String extraRepr() {
    return dim + ", eps=" + eps;
  }
}
