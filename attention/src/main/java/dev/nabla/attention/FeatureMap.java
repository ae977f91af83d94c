package dev.nabla.attention;

import dev.nabla.core.Tensor;
import java.util.function.UnaryOperator;

/**
 * The positive feature map φ of {@link LinearAttention}: sim(q, k) = φ(q)·φ(k) replaces
 * exp(q·k). Applied elementwise to the last dimension (any differentiable map from D to D' values
 * works; φ(q) and φ(k) must have the same width). Katharopoulos et al. 2020, arXiv:2006.16236.
 * The two built-in maps are single fused ops; a custom map is any chain of tensor ops (autograd
 * differentiates it).
 *
 * <pre>{@code
 * FeatureMap phi = FeatureMap.ELU_PLUS_ONE;          // the paper's default
 * FeatureMap squared = x -> x.relu().square();       // a custom one
 * }</pre>
 */
@FunctionalInterface
public interface FeatureMap extends UnaryOperator<Tensor> {

  /**
   * φ(x) = elu(x) + 1: x + 1 for x &gt; 0, eˣ otherwise (positive, smooth at 0). Fused into
   * {@link LinearAttention}'s F32 kernel.
   */
  FeatureMap ELU_PLUS_ONE = BuiltinFeatureMap.ELU_PLUS_ONE;

  /**
   * φ(x) = max(x, 0): non-negative (a row may sum to 0; the ε of the normaliser keeps it
   * finite). Fused into {@link LinearAttention}'s F32 kernel.
   */
  FeatureMap RELU = BuiltinFeatureMap.RELU;
}
