package dev.nabla.nn.lora;

import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.function.Supplier;

/**
 * The merged/enabled state machine shared by {@link LoRALinear} and {@link LoRAEmbedding}:
 * merging folds ΔW into the frozen base weight, unmerging takes it out again, and a merged
 * adapter cannot be disabled (its update lives in W).
 */
final class AdapterState {
  private final String layer;
  private boolean merged;
  private boolean enabled = true;

  AdapterState(String layer) {
    this.layer = layer;
  }

  /** True when the adapter's own path must run (not merged, enabled). */
  boolean active() {
    return !merged && enabled;
  }

  boolean merged() {
    return merged;
  }

  boolean enabled() {
    return enabled;
  }

  void merge(Tensor baseWeight, Supplier<Tensor> deltaWeight) {
    if (merged) {
      throw new IllegalStateException(layer + ": already merged; call unmerge() first");
    }
    if (!enabled) {
      throw new IllegalStateException(layer + ": the adapter is disabled; enable it to merge");
    }
    try (var off = GradMode.disabled()) {
      baseWeight.addInPlace(deltaWeight.get());
    }
    merged = true;
  }

  void unmerge(Tensor baseWeight, Supplier<Tensor> deltaWeight) {
    if (!merged) {
      throw new IllegalStateException(layer + ": not merged; nothing to unmerge");
    }
    try (var off = GradMode.disabled()) {
      baseWeight.addInPlace(deltaWeight.get(), -1);
    }
    merged = false;
  }

  void enable(boolean on) {
    if (!on && merged) {
      throw new IllegalStateException(
          layer + ": cannot disable a merged adapter (its update is in W); unmerge() first");
    }
    enabled = on;
  }

  /** The ", merged" / ", disabled" suffix of the layer's printout. */
  String describe() {
    return (merged ? ", merged" : "") + (enabled ? "" : ", disabled");
  }
}
