package dev.nabla.nn.lora;

import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Parameter;
import java.util.Map;

/**
 * What {@link LoRALinear} and {@link LoRAEmbedding} share: a frozen base layer plus a low-rank
 * update ΔW = (α/r)·B·A that can be folded into the base weight ({@link #merge()}) or switched
 * off ({@link #enabled(boolean)}).
 */
public sealed interface LoRALayer permits LoRALinear, LoRAEmbedding {

  /** The wrapped layer (frozen; registered as {@code base_layer}). */
  Layer base();

  /** The rank r. */
  int rank();

  /** The numerator α of the scaling α/r. */
  double alpha();

  /** α/r: the factor applied to the low-rank product. */
  double scaling();

  /** The adapter's parameters under their local PEFT names (e.g. {@code lora_A.weight}). */
  Map<String, Parameter> adapterParameters();

  /** ΔW = (α/r)·B·A in the base weight's layout, without a gradient (a new tensor). */
  Tensor deltaWeight();

  /**
   * Adds ΔW to the base weight so that inference runs the plain layer; the adapter then adds
   * nothing (and receives no gradient) until {@link #unmerge()}.
   *
   * @throws IllegalStateException if already merged or disabled
   */
  void merge();

  /**
   * Subtracts ΔW from the base weight again (equal to the original up to float rounding).
   *
   * @throws IllegalStateException if not merged
   */
  void unmerge();

  boolean isMerged();

  /**
   * Turns the adapter on or off; off, the layer is exactly its frozen base (the reference model
   * of DPO). Returns this.
   *
   * @throws IllegalStateException when turning off a merged adapter (unmerge first)
   */
  LoRALayer enabled(boolean on);

  boolean isEnabled();
}
