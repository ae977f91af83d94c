package dev.nabla.nn;

import dev.nabla.core.Tensor;
import dev.nabla.nn.functional.Functional;
import java.util.Arrays;

/**
 * Layer normalisation over the trailing {@code normalizedShape} dimensions:
 * y = (x − mean)/√(var + eps)·weight + bias, biased variance. Ba et al., arXiv:1607.06450.
 * Shape: (*, normalizedShape) → same; weight and bias shaped normalizedShape (ones and zeros).
 * F32 runs the fused row kernel.
 *
 * <pre>{@code
 * var norm = new LayerNorm(512);                     // eps 1e-5, weight and bias
 * var noBias = new LayerNorm(new int[] {512}, 1e-6, true, false);
 * }</pre>
 */
public final class LayerNorm extends Layer {
  private final int[] normalizedShape;
  private final double eps;
  private final Parameter weight;
  private final Parameter bias;

  /** Over the trailing dimensions {@code normalizedShape}, eps 1e-5, weight and bias. */
  public LayerNorm(int... normalizedShape) {
    this(normalizedShape, 1e-5, true, true);
  }

  /**
   * @param elementwiseAffine whether to learn a weight (and a bias, if {@code bias})
   * @param bias whether to learn a bias (ignored without an affine weight)
   */
  public LayerNorm(int[] normalizedShape, double eps, boolean elementwiseAffine, boolean bias) {
    if (normalizedShape.length == 0 || Arrays.stream(normalizedShape).anyMatch(d -> d <= 0)) {
      throw new IllegalArgumentException("LayerNorm: normalized shape must be non-empty with"
          + " positive sizes, got " + Arrays.toString(normalizedShape));
    }
    if (!(eps >= 0)) {
      throw new IllegalArgumentException("LayerNorm: eps must be >= 0, got " + eps);
    }
    this.normalizedShape = normalizedShape.clone();
    this.eps = eps;
    this.weight = elementwiseAffine
        ? registerParameter("weight", Tensor.ones(normalizedShape)) : null;
    this.bias = elementwiseAffine && bias
        ? registerParameter("bias", Tensor.zeros(normalizedShape)) : null;
  }

  @Override public Tensor forward(Tensor x) {
    int k = normalizedShape.length;
    boolean ok = x.dim() >= k;
    for (int i = 0; ok && i < k; i++) {
      ok = x.size(x.dim() - k + i) == normalizedShape[i];
    }
    if (!ok) {
      throw new IllegalArgumentException("LayerNorm(" + Arrays.toString(normalizedShape)
          + "): expected input of shape [*, " + Arrays.toString(normalizedShape).substring(1)
          + ", got " + x.shape());
    }
    return Functional.layerNorm(x, normalizedShape, weight, bias, eps);
  }

  public int[] normalizedShape() {
    return normalizedShape.clone();
  }

  public double eps() {
    return eps;
  }

  /** The weight, or null without elementwise affine. */
  public Parameter weight() {
    return weight;
  }

  /** The bias, or null. */
  public Parameter bias() {
    return bias;
  }

  @Override protected String extraRepr() {
    return Arrays.toString(normalizedShape) + ", eps=" + eps + ", elementwise_affine="
        + (weight != null) + (weight != null && bias == null ? ", bias=false" : "");
  }
}
