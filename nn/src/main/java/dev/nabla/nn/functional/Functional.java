package dev.nabla.nn.functional;

import dev.nabla.core.DType;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.nn.GELU;
import java.util.Arrays;
import java.util.random.RandomGenerator;

/**
 * The layers of {@code dev.nabla.nn} as stateless functions, as {@code torch.nn.functional}:
 * the caller owns the weights (and, for dropout, the random generator and the mode).
 *
 * <pre>{@code
 * import static dev.nabla.nn.functional.Functional.*;
 *
 * Tensor h = gelu(linear(x, w1, b1));                   // (B, in) → (B, hidden)
 * Tensor y = linear(dropout(h, 0.1, training, rng), w2, b2);
 * }</pre>
 */
public final class Functional {
  private Functional() {}

  // ================================================================== linear and embedding

  /** y = x·Wᵀ. Shape: x (*, in), weight (out, in) → (*, out). */
  public static Tensor linear(Tensor x, Tensor weight) {
    return linear(x, weight, null);
  }

  /**
   * y = x·Wᵀ + b. Shape: x (*, in), weight (out, in), bias (out) or null → (*, out). Leading
   * dimensions are folded into one matrix product.
   */
  public static Tensor linear(Tensor x, Tensor weight, Tensor bias) {
    if (weight.dim() != 2) {
      throw new IllegalArgumentException(
          "linear: weight must be 2-D (out, in), got shape " + weight.shape());
    }
    int in = weight.size(1);
    if (x.dim() == 0 || x.size(-1) != in) {
      throw new ShapeMismatchException("linear: input shape " + x.shape()
          + " and weight shape " + weight.shape() + " cannot be multiplied (expected last"
          + " dimension " + in + ")");
    }
    if (bias != null && (bias.dim() != 1 || bias.size(0) != weight.size(0))) {
      throw new ShapeMismatchException("linear: bias must have shape [" + weight.size(0)
          + "] for weight shape " + weight.shape() + ", got " + bias.shape());
    }
    Tensor y;
    if (x.dim() > 2) {
      int[] outShape = x.shape().toArray();
      outShape[outShape.length - 1] = weight.size(0);
      y = x.reshape(-1, in).matmul(weight.t()).reshape(outShape);
    } else {
      y = x.matmul(weight.t());
    }
    return bias == null ? y : y.add(bias);
  }

  /** Rows of {@code weight} (num, dim) picked by integer {@code ids} of any shape → (*ids, dim). */
  public static Tensor embedding(Tensor ids, Tensor weight) {
    checkEmbedding("embedding", ids, weight);
    return Tensor.embedding(weight, ids);
  }

  /**
   * Like {@link #embedding(Tensor, Tensor)}, but the row {@code paddingIdx} (negative counts
   * from the end) receives no gradient; its value is returned as stored.
   */
  public static Tensor embedding(Tensor ids, Tensor weight, int paddingIdx) {
    checkEmbedding("embedding", ids, weight);
    int pad = paddingIdx < 0 ? paddingIdx + weight.size(0) : paddingIdx;
    if (pad < 0 || pad >= weight.size(0)) {
      throw new IllegalArgumentException("embedding: paddingIdx " + paddingIdx
          + " must be within the number of embeddings (" + weight.size(0) + ")");
    }
    Tensor out = Tensor.embedding(weight, ids);
    if (!out.isRequiresGrad()) {
      return out;
    }
    // Same values either way; the padding positions take theirs from a detached lookup.
    Tensor isPad = ids.eq(pad).unsqueeze(-1);
    return Tensor.where(isPad, out.detach(), out);
  }

  /**
   * Rescales, in place and without recording a gradient, every row of {@code weight} indexed
   * by {@code ids} whose {@code normType}-norm exceeds {@code maxNorm} to norm
   * {@code maxNorm} (·1/(norm + 1e-7), as {@code torch.embedding_renorm_}). Returns weight.
   */
  public static Tensor embeddingRenorm(Tensor weight, Tensor ids, double maxNorm,
      double normType) {
    checkEmbedding("embeddingRenorm", ids, weight);
    if (!(maxNorm > 0) || !(normType > 0)) {
      throw new IllegalArgumentException("embeddingRenorm: expected maxNorm > 0 and normType > 0,"
          + " got maxNorm=" + maxNorm + ", normType=" + normType);
    }
    long[] seen = Arrays.stream(ids.toLongArray()).distinct().sorted().toArray();
    try (var off = GradMode.disabled()) {
      for (long id : seen) {
        if (id < 0 || id >= weight.size(0)) {
          throw new IndexOutOfBoundsException("embeddingRenorm: index " + id
              + " is out of range for " + weight.size(0) + " embeddings");
        }
        Tensor row = weight.select(0, (int) id);
        double norm = normType == 2 ? row.norm().item()
            : Math.pow(row.abs().pow(normType).sum().item(), 1.0 / normType);
        if (norm > maxNorm) {
          row.copyFrom(row.mul(maxNorm / (norm + 1e-7)));
        }
      }
    }
    return weight;
  }

  private static void checkEmbedding(String op, Tensor ids, Tensor weight) {
    if (weight.dim() != 2) {
      throw new IllegalArgumentException(
          op + ": weight must be 2-D (numEmbeddings, dim), got shape " + weight.shape());
    }
    if (ids.dtype() != DType.I64 && ids.dtype() != DType.I32) {
      throw new IllegalArgumentException(op + ": expected integer (I64 or I32) indices, got "
          + ids.dtype() + " of shape " + ids.shape());
    }
  }

  // ================================================================== dropout

  /**
   * Inverted dropout: in training, each element is zeroed with probability {@code p} and the
   * rest are scaled by 1/(1−p), so evaluation needs no rescaling; otherwise x is returned.
   * Srivastava et al., JMLR 15 (2014).
   */
  public static Tensor dropout(Tensor x, double p, boolean training, RandomGenerator rng) {
    checkProbability(p);
    if (!training || p == 0) {
      return x;
    }
    if (!x.dtype().isFloatingPoint()) {
      throw new UnsupportedOperationException(
          "dropout: expected a floating-point tensor, got " + x.dtype());
    }
    double scale = p == 1 ? 0 : 1 / (1 - p);
    int n = x.numel();
    int[] shape = x.shape().toArray();
    Tensor mask;
    if (x.dtype() == DType.F32) {
      float[] m = new float[n];
      float s = (float) scale;
      for (int i = 0; i < n; i++) {
        m[i] = rng.nextDouble() < p ? 0f : s;
      }
      mask = Tensor.wrap(m, shape);
    } else {
      double[] m = new double[n];
      for (int i = 0; i < n; i++) {
        m[i] = rng.nextDouble() < p ? 0 : scale;
      }
      mask = Tensor.wrap(m, shape);
    }
    return x.mul(mask);
  }

  /** Throws unless 0 ≤ p ≤ 1 (PyTorch's wording). */
  public static void checkProbability(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(
          "dropout probability has to be between 0 and 1, but got " + p);
    }
  }

  // ================================================================== normalisation

  /**
   * Layer normalisation over the trailing {@code normalizedShape} dimensions: (x − mean)/√(var
   * + eps)·weight + bias with the biased variance. Weight and bias (shaped normalizedShape)
   * may be null. Ba et al., arXiv:1607.06450. F32 runs a fused kernel.
   */
  public static Tensor layerNorm(Tensor x, int[] normalizedShape, Tensor weight, Tensor bias,
      double eps) {
    int cols = checkNorm("layerNorm", x, normalizedShape, weight, bias);
    return new NormOps.LayerNorm(normalizedShape.clone(), cols, eps).apply(x, weight, bias);
  }

  /**
   * Root-mean-square normalisation over the trailing {@code normalizedShape} dimensions:
   * x/√(mean(x²) + eps)·weight (weight may be null). Zhang &amp; Sennrich, arXiv:1910.07467.
   * F32 runs a fused kernel.
   */
  public static Tensor rmsNorm(Tensor x, int[] normalizedShape, Tensor weight, double eps) {
    int cols = checkNorm("rmsNorm", x, normalizedShape, weight, null);
    return new NormOps.RMSNorm(normalizedShape.clone(), cols, eps).apply(x, weight);
  }

  private static int checkNorm(String op, Tensor x, int[] normalizedShape, Tensor weight,
      Tensor bias) {
    if (!x.dtype().isFloatingPoint()) {
      throw new UnsupportedOperationException(
          op + ": expected a floating-point input, got " + x.dtype());
    }
    int k = normalizedShape.length;
    boolean ok = k >= 1 && x.dim() >= k;
    int cols = 1;
    for (int i = 0; ok && i < k; i++) {
      ok = x.size(x.dim() - k + i) == normalizedShape[i];
      cols *= normalizedShape[i];
    }
    if (!ok) {
      throw new ShapeMismatchException(op + ": given normalized shape "
          + Arrays.toString(normalizedShape) + ", expected input of shape [*, "
          + Arrays.toString(normalizedShape).replace("[", "") + ", got " + x.shape());
    }
    for (Tensor p : new Tensor[] {weight, bias}) {
      if (p == null) {
        continue;
      }
      if (!Arrays.equals(p.shape().toArray(), normalizedShape)) {
        throw new ShapeMismatchException(op + ": expected weight and bias of shape "
            + Arrays.toString(normalizedShape) + ", got " + p.shape());
      }
      if (p.dtype() != x.dtype()) {
        throw new UnsupportedOperationException(op + ": expected weight and bias of the input's"
            + " dtype " + x.dtype() + ", got " + p.dtype() + " (convert the layer with to(dtype))");
      }
    }
    return cols;
  }

  // ================================================================== activations

  /** max(x, 0). */
  public static Tensor relu(Tensor x) {
    return x.relu();
  }

  /** x where x &gt; 0, else negativeSlope·x. */
  public static Tensor leakyRelu(Tensor x, double negativeSlope) {
    return Tensor.where(x.gt(0), x, x.mul(negativeSlope));
  }

  /** Exact GELU: x·Φ(x). Hendrycks &amp; Gimpel, arXiv:1606.08415. */
  public static Tensor gelu(Tensor x) {
    return x.gelu();
  }

  /** GELU, exact or with the tanh approximation. */
  public static Tensor gelu(Tensor x, GELU.Approximation approximation) {
    return approximation == GELU.Approximation.TANH ? x.geluTanh() : x.gelu();
  }

  /** x·σ(x) (swish). */
  public static Tensor silu(Tensor x) {
    return x.silu();
  }

  /** 1/(1 + e^(−x)). */
  public static Tensor sigmoid(Tensor x) {
    return x.sigmoid();
  }

  /** tanh(x). */
  public static Tensor tanh(Tensor x) {
    return x.tanh();
  }

  /** exp(x)/Σexp(x) along {@code dim}. */
  public static Tensor softmax(Tensor x, int dim) {
    return x.softmax(dim);
  }

  /** x − log Σ exp(x) along {@code dim}. */
  public static Tensor logSoftmax(Tensor x, int dim) {
    return x.logSoftmax(dim);
  }

  /** The SwiGLU gate: silu(gate)·up (Shazeer, arXiv:2002.05202). Shapes must broadcast. */
  public static Tensor swiglu(Tensor gate, Tensor up) {
    return gate.silu().mul(up);
  }
}
