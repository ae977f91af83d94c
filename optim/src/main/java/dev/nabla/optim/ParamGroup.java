package dev.nabla.optim;

import dev.nabla.core.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters that share hyper-parameters. Options set on a group (e.g. {@code weightDecay(0)}
 * for biases and norms) override the optimizer's defaults for that group only.
 *
 * <pre>{@code
 * var opt = new AdamW(List.of(ParamGroup.of(weights).weightDecay(0.1), ParamGroup.of(norms).weightDecay(0)),
 *     AdamW.options().lr(3e-4));
 * }</pre>
 */
public final class ParamGroup {
  private final List<Tensor> params;
  private final Map<String, Double> options = new LinkedHashMap<>();

  private ParamGroup(Collection<? extends Tensor> params) {
    int i = 0;
    for (Tensor p : params) {
      if (p == null) {
        throw new IllegalArgumentException("ParamGroup: parameter " + i + " is null");
      }
      i++;
    }
    this.params = List.copyOf(params);
  }

  /**
   * A group of these parameters, in iteration order (order matters: it keys the optimizer state,
   * so a resumed run must list them in the same order).
   */
  public static ParamGroup of(Iterable<? extends Tensor> params) {
    List<Tensor> list = new ArrayList<>();
    params.forEach(list::add);
    return new ParamGroup(list);
  }

  /** A group of these parameters. */
  public static ParamGroup of(Tensor... params) {
    return new ParamGroup(Arrays.asList(params));
  }

  /** The parameters, in order. */
  public List<Tensor> params() {
    return params;
  }

  /** Sets an option for this group, e.g. {@code set("weightDecay", 0.0)}; returns this. */
  public ParamGroup set(String option, double value) {
    options.put(option, value);
    return this;
  }

  /** Sets a boolean option (stored as 1 or 0), e.g. {@code set("nesterov", true)}; returns this. */
  public ParamGroup set(String option, boolean value) {
    return set(option, value ? 1.0 : 0.0);
  }

  /** This group's learning rate override; returns this. */
  public ParamGroup lr(double lr) {
    return set("lr", lr);
  }

  /** This group's weight decay override; returns this. */
  public ParamGroup weightDecay(double weightDecay) {
    return set("weightDecay", weightDecay);
  }

  /** True when the option is set on this group (after construction every option is). */
  public boolean has(String option) {
    return options.containsKey(option);
  }

  /** The option's value; throws if unknown. */
  public double get(String option) {
    Double v = options.get(option);
    if (v == null) {
      throw new IllegalArgumentException("ParamGroup: no option '" + option + "' (have "
          + options.keySet() + ")");
    }
    return v;
  }

  /** A boolean option: true when its value is non-zero; throws if unknown. */
  public boolean flag(String option) {
    return get(option) != 0.0;
  }

  /** The learning rate (read by schedules). */
  public double lr() {
    return get("lr");
  }

  /** Sets the learning rate (written by schedules). */
  public void setLr(double lr) {
    options.put("lr", lr);
  }

  /** All options of this group, in insertion order (read-only). */
  public Map<String, Double> options() {
    return Collections.unmodifiableMap(options);
  }
}
