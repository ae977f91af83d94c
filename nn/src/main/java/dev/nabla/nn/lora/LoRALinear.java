package dev.nabla.nn.lora;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.nn.Dropout;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * y = x·Wᵀ + b + (α/r)·dropout(x)·Aᵀ·Bᵀ: a frozen {@link Linear} plus a trained low-rank
 * update.
 * LoRA, Hu et al., arXiv:2106.09685. Shape: (*, in) → (*, out); A (r, in), B (out, r).
 *
 * <p>Initialised as PEFT: A Kaiming-uniform with a = √5 (as {@code nn.Linear}), B zeros, so the
 * layer starts exactly equal to its base. Children carry PEFT's names: {@code base_layer},
 * {@code lora_dropout}, {@code lora_A} (weight (r, in)), {@code lora_B} (weight (out, r)).
 *
 * <p>Construction freezes the base and installs this adapter in it ({@link Linear#setAdapter}):
 * from then on the base Linear's own {@code forward} returns the adapted output too, so a parent
 * that keeps the Linear in a field runs the adapter without change. {@link LoRA#apply} does this
 * for every target of a model and also puts the wrapper in the parent's registry
 * ({@link Layer#replaceChild}) so that names, state dicts and parameter lists see it.
 *
 * <pre>{@code
 * var lora = new LoRALinear(new Linear(64, 32, rng), 8, 16, 0.0, rng);
 * Tensor y = lora.forward(x);    // equals the base output until B is trained
 * lora.merge();                  // W += (α/r)·B·A: plain-Linear speed at inference
 * }</pre>
 */
public final class LoRALinear extends Layer implements LoRALayer {
  private final Linear base;
  private final Dropout dropout;
  private final Linear loraA;
  private final Linear loraB;
  private final int rank;
  private final double alpha;
  private final double scaling;
  private final UnaryOperator<Tensor> hook = this::delta;
  private final AdapterState state = new AdapterState("LoRALinear");

  /**
   * Wraps {@code base} with a rank-{@code rank} adapter; freezes the base and installs the
   * adapter in it. {@code rng} draws A (and seeds the dropout mask stream).
   *
   * @throws IllegalArgumentException if rank ≤ 0 or rank > min(in, out), alpha is not finite
   *     and positive, or dropout is outside [0, 1)
   * @throws IllegalStateException if {@code base} already has an adapter
   */
  public LoRALinear(Linear base, int rank, double alpha, double dropout, RandomGenerator rng) {
    if (base == null) {
      throw new IllegalArgumentException("LoRALinear: base layer is null");
    }
    int in = base.inFeatures();
    int out = base.outFeatures();
    String where = "LoRALinear(in=" + in + ", out=" + out + ")";
    if (rank <= 0 || rank > Math.min(in, out)) {
      throw new IllegalArgumentException(where + ": rank must be in [1, min(in, out)] = [1, "
          + Math.min(in, out) + "], got " + rank);
    }
    if (!(alpha > 0) || Double.isInfinite(alpha)) {
      throw new IllegalArgumentException(where + ": alpha must be finite and > 0, got " + alpha);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException(where + ": dropout must be in [0, 1), got " + dropout);
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
    this.dropout = register("lora_dropout",
        new Dropout(dropout, rng instanceof Rng r ? r.split() : rng));
    this.loraA = register("lora_A", new Linear(in, rank, false, rng)); // kaiming_uniform(a=√5)
    this.loraB = register("lora_B", new Linear(rank, out, false, rng));
    DType dtype = base.weight().dtype();
    loraA.to(dtype);
    loraB.to(dtype);
    try (var off = GradMode.disabled()) {
      loraB.weight().fill(0);
    }
    base.freeze();
    base.setAdapter(hook);
  }

  /** The adapted output: the base Linear's forward, which adds the adapter's term. */
  @Override public Tensor forward(Tensor x) {
    if (base.adapter() != hook) {
      throw new IllegalStateException(
          "LoRALinear: the adapter was removed from its base layer (LoRA.unload); use the base");
    }
    return base.forward(x);
  }

  /**
   * ((dropout(x)·Aᵀ)·(α/r))·Bᵀ, or null when merged or disabled: what the base Linear adds. The
   * scaling multiplies the (*, r) intermediate, r/out times fewer elements than the output.
   */
  private Tensor delta(Tensor x) {
    if (!state.active()) {
      return null;
    }
    Tensor h = loraA.forward(dropout.forward(x));
    return loraB.forward(scaling == 1 ? h : h.mul(scaling));
  }

  @Override public Tensor deltaWeight() {
    try (var off = GradMode.disabled()) {
      return loraB.weight().matmul(loraA.weight()).mul(scaling);
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

  @Override public LoRALinear enabled(boolean on) {
    state.enable(on);
    return this;
  }

  @Override public boolean isEnabled() {
    return state.enabled();
  }

  /**
   * Copies an extracted update into this adapter: after it, ΔW = e.b()·e.a() whatever this
   * layer's α (B is stored divided by α/r).
   *
   * @throws IllegalArgumentException if the extraction's shapes do not fit this layer
   */
  public LoRALinear load(LoRA.Extraction e) {
    if (!e.a().shape().equals(loraA.weight().shape())
        || !e.b().shape().equals(loraB.weight().shape())) {
      throw new IllegalArgumentException("LoRALinear.load: extraction A " + e.a().shape()
          + " and B " + e.b().shape() + " do not fit A " + loraA.weight().shape() + " and B "
          + loraB.weight().shape());
    }
    try (var off = GradMode.disabled()) {
      loraA.weight().copyFrom(e.a());
      loraB.weight().copyFrom(e.b().div(scaling));
    }
    return this;
  }

  @Override public Linear base() {
    return base;
  }

  /** A (r, in). */
  public Parameter loraA() {
    return loraA.weight();
  }

  /** B (out, r). */
  public Parameter loraB() {
    return loraB.weight();
  }

  @Override public Map<String, Parameter> adapterParameters() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    out.put("lora_A.weight", loraA.weight());
    out.put("lora_B.weight", loraB.weight());
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

  /** The dropout probability on the adapter's input. */
  public double dropout() {
    return dropout.p();
  }

  /** Removes the adapter from the base layer (the base then computes x·Wᵀ + b only). */
  void detach() {
    if (base.adapter() == hook) {
      base.setAdapter(null);
    }
  }

  @Override protected String extraRepr() {
    return "r=" + rank + ", alpha=" + alpha + ", dropout=" + dropout.p()
        + state.describe();
  }
}
