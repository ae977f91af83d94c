package dev.nabla.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Typed option builder shared by the optimizers: {@code Adam.options().lr(3e-4).betas(0.9, 0.95)}.
 * Values are the optimizer-wide defaults; a {@link ParamGroup} overrides them per group under
 * the same names ({@code ParamGroup.of(biases).weightDecay(0)}). Booleans are stored as 1 or 0.
 *
 * @param <O> the concrete options type, returned by every setter
 */
public abstract class OptimizerOptions<O extends OptimizerOptions<O>> {
  private final Map<String, Double> values = new LinkedHashMap<>();

  /** Starts empty: subclasses {@link #set} their defaults in their constructor, in order. */
  protected OptimizerOptions() {}

  /** Sets an option by name; returns this. */
  protected final O set(String option, double value) {
    values.put(option, value);
    return self();
  }

  /** Sets a boolean option (1 or 0); returns this. */
  protected final O set(String option, boolean value) {
    return set(option, value ? 1.0 : 0.0);
  }

  @SuppressWarnings("unchecked")
  private O self() {
    return (O) this;
  }

  /** Learning rate. */
  public O lr(double lr) {
    return set("lr", lr);
  }

  /** Weight decay (see each optimizer for whether it is L2 on the gradient or decoupled). */
  public O weightDecay(double weightDecay) {
    return set("weightDecay", weightDecay);
  }

  /** Maximizes the objective instead of minimizing it (the gradient's sign is flipped). */
  public O maximize(boolean maximize) {
    return set("maximize", maximize);
  }

  /** The option values, in insertion order (read-only). */
  public Map<String, Double> values() {
    return Collections.unmodifiableMap(new LinkedHashMap<>(values));
  }

  @Override
  public String toString() {
    Class<?> outer = getClass().getEnclosingClass();
    return (outer != null ? outer.getSimpleName() + ".options()" : getClass().getSimpleName())
        + values;
  }
}
