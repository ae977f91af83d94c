package dev.nabla.nn;

import dev.nabla.core.Tensor;
import dev.nabla.nn.functional.Functional;
import dev.nabla.nn.init.Init;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

/**
 * y = x·Wᵀ + b. Shape: (*, in) → (*, out); weight (out, in), bias (out).
 *
 * <p>Initialised as PyTorch's {@code nn.Linear}: W ~ U(±1/√in) (Kaiming uniform with a = √5)
 * and b ~ U(±1/√in).
 *
 * <pre>{@code
 * Linear fc = new Linear(64, 10, new Rng(0));
 * Tensor y = fc.forward(Tensor.randn(rng, 8, 64));   // [8, 10]
 * }</pre>
 */
public final class Linear extends Layer {
  private final int inFeatures;
  private final int outFeatures;
  private final Parameter weight;
  private final Parameter bias;
  private UnaryOperator<Tensor> adapter; // null: a plain linear layer

  /** A layer with a bias. */
  public Linear(int inFeatures, int outFeatures, RandomGenerator rng) {
    this(inFeatures, outFeatures, true, rng);
  }

  /** A layer with or without a bias. */
  public Linear(int inFeatures, int outFeatures, boolean bias, RandomGenerator rng) {
    if (inFeatures < 0 || outFeatures < 0) {
      throw new IllegalArgumentException("Linear: feature sizes must be non-negative, got in="
          + inFeatures + ", out=" + outFeatures);
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    Tensor w = Tensor.zeros(outFeatures, inFeatures);
    if (w.numel() > 0) {
      Init.kaimingUniform(rng, w, Math.sqrt(5), Init.FanMode.FAN_IN, Init.Nonlinearity.LEAKY_RELU);
    }
    this.weight = registerParameter("weight", w);
    if (bias) {
      double bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
      this.bias = registerParameter("bias",
          Init.uniform(rng, Tensor.zeros(outFeatures), -bound, bound));
    } else {
      this.bias = null;
    }
  }

  @Override public Tensor forward(Tensor x) {
    if (x.dim() == 0 || x.size(-1) != inFeatures) {
      throw new IllegalArgumentException("Linear(in=" + inFeatures + ", out=" + outFeatures
          + "): expected last dimension " + inFeatures + ", got shape " + x.shape());
    }
    Tensor y = Functional.linear(x, weight, bias);
    Tensor delta = adapter == null ? null : adapter.apply(x);
    return delta == null ? y : y.add(delta);
  }

  /**
   * Installs a hook whose result is added to every output: y = x·Wᵀ + b + adapter(x), where the
   * hook may return null to add nothing (an adapter switched off or merged into W); null removes
   * the hook. LoRA ({@code dev.nabla.nn.lora.LoRALinear}) uses it so that a parent keeping this
   * layer in a field runs the adapted layer without being rewritten (see
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
    return "Linear(in=" + inFeatures + ", out=" + outFeatures + ")";
  }

  public int inFeatures() {
    return inFeatures;
  }

  public int outFeatures() {
    return outFeatures;
  }

  /** The weight (out, in). */
  public Parameter weight() {
    return weight;
  }

  /** The bias (out), or null when the layer has none. */
  public Parameter bias() {
    return bias;
  }

  @Override protected String extraRepr() {
    return "in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias="
        + (bias != null);
  }
}
