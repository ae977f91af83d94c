package dev.nabla.nn;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.nn.functional.Functional;
import dev.nabla.nn.init.Init;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * A lookup table: integer ids of any shape → their rows of weight. Shape: (*) → (*, dim);
 * weight (num, dim) initialised N(0, 1) as PyTorch's {@code nn.Embedding}.
 *
 * <p>Options: a padding index whose row starts at zero and never receives a gradient, and a
 * max norm: rows looked up with a larger norm are rescaled in place before the lookup.
 *
 * <pre>{@code
 * var emb = new Embedding(1000, 64, Embedding.options().paddingIdx(0), rng);
 * Tensor h = emb.forward(Tensor.of(new long[] {5, 0, 7}, 1, 3));   // [1, 3, 64]
 * }</pre>
 */
public final class Embedding extends Layer {

  /**
   * Embedding options; {@code paddingIdx} and {@code maxNorm} are null when unused (negative
   * padding indices count from the end, as PyTorch's).
   */
  public record Options(Integer paddingIdx, Double maxNorm, double normType) {
    public Options {
      if (maxNorm != null && !(maxNorm > 0)) {
        throw new IllegalArgumentException("Embedding: maxNorm must be > 0, got " + maxNorm);
      }
      if (!(normType > 0)) {
        throw new IllegalArgumentException("Embedding: normType must be > 0, got " + normType);
      }
    }

    /** The row that stays zero and gets no gradient. */
    public Options paddingIdx(int index) {
      return new Options(index, maxNorm, normType);
    }

    /** Rows looked up are renormalised to at most this norm. */
    public Options maxNorm(double norm) {
      return new Options(paddingIdx, norm, normType);
    }

    /** The p of the p-norm for {@link #maxNorm} (default 2). */
    public Options normType(double p) {
      return new Options(paddingIdx, maxNorm, p);
    }
  }

  /** No padding index, no max norm. */
  public static Options options() {
    return new Options(null, null, 2.0);
  }

  private final int numEmbeddings;
  private final int embeddingDim;
  private final Integer paddingIdx; // normalised to [0, num)
  private final Options options;
  private final Parameter weight;
  private UnaryOperator<Tensor> adapter; // null: a plain lookup

  /** A table of {@code numEmbeddings} rows of size {@code embeddingDim}, N(0, 1). */
  public Embedding(int numEmbeddings, int embeddingDim, RandomGenerator rng) {
    this(numEmbeddings, embeddingDim, options(), rng);
  }

  /** A table with options; the padding row is zeroed after the N(0, 1) draw. */
  public Embedding(int numEmbeddings, int embeddingDim, Options options, RandomGenerator rng) {
    this(numEmbeddings, embeddingDim, options,
        Init.normal(rng, Tensor.zeros(checkSizes(numEmbeddings, embeddingDim), embeddingDim)),
        true);
  }

  private Embedding(int numEmbeddings, int embeddingDim, Options options, Tensor w,
      boolean zeroPadding) {
    this.numEmbeddings = numEmbeddings;
    this.embeddingDim = embeddingDim;
    this.options = options;
    Integer pad = options.paddingIdx();
    if (pad != null) {
      if (pad < -numEmbeddings || pad >= numEmbeddings) {
        throw new IllegalArgumentException("Embedding(" + numEmbeddings + ", " + embeddingDim
            + "): paddingIdx must be within [-" + numEmbeddings + ", " + numEmbeddings
            + "), got " + pad);
      }
      pad = pad < 0 ? pad + numEmbeddings : pad;
    }
    this.paddingIdx = pad;
    this.weight = registerParameter("weight", w);
    if (pad != null && zeroPadding) {
      try (var off = GradMode.disabled()) {
        weight.select(0, pad).fill(0);
      }
    }
  }

  /**
   * A table holding a copy of {@code weights} (num, dim), trainable unless {@code freeze}; the
   * padding row keeps its values (as PyTorch's {@code from_pretrained}).
   */
  public static Embedding fromPretrained(Tensor weights, boolean freeze, Options options) {
    if (weights.dim() != 2) {
      throw new IllegalArgumentException(
          "Embedding.fromPretrained: expected 2-D weights (num, dim), got " + weights.shape());
    }
    Embedding e = new Embedding(weights.size(0), weights.size(1), options,
        weights.detach().copy(), false);
    if (freeze) {
      e.freeze();
    }
    return e;
  }

  private static int checkSizes(int num, int dim) {
    if (num < 0 || dim < 0) {
      throw new IllegalArgumentException(
          "Embedding: sizes must be non-negative, got num=" + num + ", dim=" + dim);
    }
    return num;
  }

  @Override public Tensor forward(Tensor ids) {
    if (ids.dtype() != DType.I64 && ids.dtype() != DType.I32) {
      throw new IllegalArgumentException(describe() + ": expected integer (I64 or I32) indices,"
          + " got " + ids.dtype() + " of shape " + ids.shape());
    }
    for (long id : ids.toLongArray()) {
      if (id < 0 || id >= numEmbeddings) {
        throw new IndexOutOfBoundsException(describe() + ": index " + id
            + " is out of range [0, " + numEmbeddings + ") in ids of shape " + ids.shape());
      }
    }
    if (options.maxNorm() != null) {
      Functional.embeddingRenorm(weight, ids, options.maxNorm(), options.normType());
    }
    Tensor y = paddingIdx == null ? Functional.embedding(ids, weight)
        : Functional.embedding(ids, weight, paddingIdx);
    Tensor delta = adapter == null ? null : adapter.apply(ids);
    return delta == null ? y : y.add(delta);
  }

  /**
   * Installs a hook from the ids to a (*ids, dim) tensor added to every lookup (null from the hook
   * adds nothing; a null hook removes it). LoRA ({@code dev.nabla.nn.lora.LoRAEmbedding}) uses it
   * so that a parent keeping this layer in a field runs the adapted layer (see
   * {@link Layer#replaceChild}).
   *
   * @throws IllegalStateException if another adapter is installed (remove it first)
   */
  public void setAdapter(UnaryOperator<Tensor> adapter) {
    if (adapter != null && this.adapter != null && adapter != this.adapter) {
      throw new IllegalStateException(
          describe() + ": an adapter is already installed; remove it with setAdapter(null) first");
    }
    this.adapter = adapter;
  }

  /** The installed adapter hook, or null. */
  public UnaryOperator<Tensor> adapter() {
    return adapter;
  }

  private String describe() {
    return "Embedding(" + numEmbeddings + ", " + embeddingDim + ")";
  }

  public int numEmbeddings() {
    return numEmbeddings;
  }

  public int embeddingDim() {
    return embeddingDim;
  }

  /** The padding index in [0, num), or null. */
  public Integer paddingIdx() {
    return paddingIdx;
  }

  public Parameter weight() {
    return weight;
  }

  @Override protected String extraRepr() {
    StringBuilder sb = new StringBuilder(numEmbeddings + ", " + embeddingDim);
    if (paddingIdx != null) {
      sb.append(", padding_idx=").append(paddingIdx);
    }
    if (options.maxNorm() != null) {
      sb.append(", max_norm=").append(options.maxNorm());
      if (options.normType() != 2) {
        sb.append(", norm_type=").append(options.normType());
      }
    }
    return sb.toString();
  }
}
