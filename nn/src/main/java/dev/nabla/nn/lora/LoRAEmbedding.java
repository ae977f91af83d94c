package dev.nabla.nn.lora;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.nn.Embedding;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Parameter;
import dev.nabla.nn.functional.Functional;
import dev.nabla.nn.init.Init;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * E[ids] + (α/r)·Aᵀ[ids]·Bᵀ: a frozen {@link Embedding} (num, dim) plus a trained low-rank update
 * ΔW = (α/r)·(B·A)ᵀ. LoRA, arXiv:2106.09685. Shape: (*) ids → (*, dim); A (r, num), B (dim, r).
 *
 * <p>Initialisation follows PEFT (and Microsoft's loralib) for embeddings, the reverse of
 * {@link LoRALinear}: A (the per-token factor, looked up by id) zeros and B (the shared factor)
 * N(0, 1) as {@code nn.Embedding}. ΔW is zero at the start either way; this way round a token's
 * update stays exactly zero until that token appears in training (its column of A gets no
 * gradient otherwise), so tokens absent from the fine-tuning data keep their base embedding, and
 * A's looked-up columns get a non-zero gradient (s·Bᵀg) from the first step. Parameters carry
 * PEFT's names {@code lora_embedding_A} and {@code lora_embedding_B}; the base is
 * {@code base_layer}.
 *
 * <p>There is no dropout (ids cannot be dropped; PEFT ignores it for embeddings too). A padding
 * index of the base applies to the adapter as well: its column of A gets no gradient. With a max
 * norm, the base table alone is renormalised (after {@link #merge()}: W + ΔW).
 *
 * <pre>{@code
 * var lora = new LoRAEmbedding(new Embedding(1000, 64, rng), 8, 16, rng);
 * Tensor h = lora.forward(ids);   // [*, 64], equal to the base until A is trained
 * }</pre>
 */
public final class LoRAEmbedding extends Layer implements LoRALayer {
  private final Embedding base;
  private final Parameter a;
  private final Parameter b;
  private final int rank;
  private final double alpha;
  private final double scaling;
  private final UnaryOperator<Tensor> hook = this::delta;
  private final AdapterState state = new AdapterState("LoRAEmbedding");

  /**
   * Wraps {@code base} with a rank-{@code rank} adapter; freezes the base and installs the
   * adapter in it ({@link Embedding#setAdapter}). {@code rng} draws B.
   *
   * @throws IllegalArgumentException if rank ≤ 0 or rank > min(num, dim), or alpha is not finite
   *     and positive
   * @throws IllegalStateException if {@code base} already has an adapter
   */
  public LoRAEmbedding(Embedding base, int rank, double alpha, RandomGenerator rng) {
    if (base == null) {
      throw new IllegalArgumentException("LoRAEmbedding: base layer is null");
    }
    int num = base.numEmbeddings();
    int dim = base.embeddingDim();
    String where = "LoRAEmbedding(" + num + ", " + dim + ")";
    if (rank <= 0 || rank > Math.min(num, dim)) {
      throw new IllegalArgumentException(where + ": rank must be in [1, min(num, dim)] = [1, "
          + Math.min(num, dim) + "], got " + rank);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException(where + ": alpha must be finite and > 0, got " + alpha);
    }
    if (rng == null) {
      throw new IllegalArgumentException(where + ": rng must not be null");
    }
    if (base.adapter() != null) {
      throw new IllegalStateException(where + ": the base layer already has an adapter");
    }
    this.rank = rank;
    this.alpha = alpha;
    this.scaling = alpha / rank;
    this.base = register("base_layer", base);
    DType dtype = base.weight().dtype();
    this.a = registerParameter("lora_embedding_A", Tensor.zeros(dtype, rank, num));
    this.b = registerParameter("lora_embedding_B",
        Init.normal(rng, Tensor.zeros(dtype, dim, rank)));
    base.freeze();
    base.setAdapter(hook);
  }

  /** The adapted lookup: the base Embedding's forward, which adds the adapter's term. */
  @Override public Tensor forward(Tensor ids) {
    if (base.adapter() != hook) {
      throw new IllegalStateException(
          "LoRAEmbedding: the adapter was removed from its base layer (LoRA.unload); use the base");
    }
    return base.forward(ids);
  }

  /** (α/r)·Aᵀ[ids]·Bᵀ, or null when merged or disabled. The base has checked the ids. */
  private Tensor delta(Tensor ids) {
    if (!state.active()) {
      return null;
    }
    Tensor at = a.t(); // (num, r): the lookup table of the adapter
    Integer pad = base.paddingIdx();
    Tensor h = pad == null ? Functional.embedding(ids, at) : Functional.embedding(ids, at, pad);
    return (scaling == 1 ? h : h.mul(scaling)).matmul(b.t()); // scale the small (*, r) side
  }

  /** ΔW = (α/r)·(B·A)ᵀ = (α/r)·Aᵀ·Bᵀ, shaped as the base weight (num, dim). */
  @Override public Tensor deltaWeight() {
    try (var off = GradMode.disabled()) {
      return a.t().matmul(b.t()).mul(scaling);
    }
  }

  @Override public void merge() {
    state.merge(base.weight(), this::deltaWeight);
  }

  @Override public void unmerge() {
    state.unmerge(base.weight(), this::deltaWeight);
  }

  @Override public boolean isMerged() {
    return state.merged();
  }

  @Override public LoRAEmbedding enabled(boolean on) {
    state.enable(on);
    return this;
  }

  @Override public boolean isEnabled() {
    return state.enabled();
  }

  @Override public Embedding base() {
    return base;
  }

  /** A (r, num). */
  public Parameter loraA() {
    return a;
  }

  /** B (dim, r). */
  public Parameter loraB() {
    return b;
  }

  @Override public Map<String, Parameter> adapterParameters() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    out.put("lora_embedding_A", a);
    out.put("lora_embedding_B", b);
    return out;
  }

  @Override public int rank() {
    return rank;
  }

  @Override public double alpha() {
    return alpha;
  }

  @Override public double scaling() {
    return scaling;
  }

  /** Removes the adapter from the base layer. */
  void detach() {
    if (base.adapter() == hook) {
      base.setAdapter(null);
    }
  }

  @Override protected String extraRepr() {
    return "r=" + rank + ", alpha=" + alpha + state.describe();
  }
}
