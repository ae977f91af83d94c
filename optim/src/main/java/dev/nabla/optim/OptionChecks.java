package dev.nabla.optim;

import java.util.Set;

/** Validation of a parameter group's options, with PyTorch-like messages naming the group. */
final class OptionChecks {
  private final String optimizer;
  private final ParamGroup group;
  private final int index;

  OptionChecks(String optimizer, ParamGroup group, int index, Set<String> known) {
    this.optimizer = optimizer;
    this.group = group;
    this.index = index;
    for (String option : group.options().keySet()) {
      if (!known.contains(option)) {
        throw new IllegalArgumentException(optimizer + ": unknown option '" + option
            + "' in parameter group " + index + " (known: " + known + ")");
      }
    }
  }

  /** The option's value; throws if the group has none (a required option such as SGD's lr). */
  double required(String option) {
    if (!group.has(option)) {
      throw new IllegalArgumentException(optimizer + ": parameter group " + index
          + " didn't specify a value of required option " + option
          + " (set it in the options or on the group)");
    }
    return group.get(option);
  }

  /** Checks value >= 0 (NaN fails); returns it. */
  double nonNegative(String option, String label) {
    double v = required(option);
    if (!(v >= 0)) {
      throw invalid(label, v, "must be >= 0");
    }
    return v;
  }

  /** Checks 0 <= value < 1; returns it. */
  double unitInterval(String option, String label) {
    double v = required(option);
    if (!(v >= 0 && v < 1)) {
      throw invalid(label, v, "must be in [0, 1)");
    }
    return v;
  }

  /** Checks that a boolean option is 0 or 1; returns it. */
  boolean flag(String option) {
    double v = required(option);
    if (v != 0 && v != 1) {
      throw invalid(option, v, "a boolean option must be 1 (true) or 0 (false)");
    }
    return v != 0;
  }

  IllegalArgumentException invalid(String label, double value, String rule) {
    return new IllegalArgumentException(optimizer + ": invalid " + label + " " + value
        + " in parameter group " + index + ": " + rule);
  }
}
