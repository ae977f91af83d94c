package dev.nabla.optim.schedule;

import dev.nabla.core.Checks;
import java.util.List;

/**
 * Runs schedules one after another, PyTorch's {@code SequentialLR}: schedule {@code i} is in
 * charge from {@code milestones[i-1]} (inclusive) and sees the steps counted from there, so
 * each one starts at its own step 0 with the group's base learning rate.
 *
 * <pre>{@code
 * // 5 steps of linear warm-up, 45 of exponential decay, then cosine annealing over 50 steps
 * var s = new SequentialLR(List.of(Warmup.linear(5, 0.1), new ExponentialLR(0.95),
 *     new CosineAnnealingLR(50, 0.0)), List.of(5, 50));
 * }</pre>
 *
 * @param schedules the schedules, in order (at least one)
 * @param milestones strictly increasing steps ≥ 1 at which the next schedule takes over;
 *     one fewer than {@code schedules}
 */
public record SequentialLR(List<LrSchedule> schedules, List<Integer> milestones) implements LrSchedule {

  public SequentialLR {
    Checks.argument(schedules != null && !schedules.isEmpty(), "SequentialLR: need at least one schedule");
    Checks.argument(milestones != null && milestones.size() == schedules.size() - 1,
        "SequentialLR: expected %s milestones (one fewer than the %s schedules), got %s",
        schedules.size() - 1, schedules.size(), milestones == null ? "null" : milestones.size());
    schedules = List.copyOf(schedules);
    milestones = List.copyOf(milestones);
    for (int i = 0; i < milestones.size(); i++) {
      int m = milestones.get(i);
      Checks.argument(m > 0, "SequentialLR: milestones must be > 0, got %s at index %s", m, i);
      Checks.argument(i == 0 || m > milestones.get(i - 1),
          "SequentialLR: milestones must be strictly increasing, got %s", milestones);
    }
  }

  @Override
  public double lr(int step, double baseLr) {
    Steps.check("SequentialLR", step);
    int i = 0;
    while (i < milestones.size() && milestones.get(i) <= step) {
      i++;
    }
    int local = i == 0 ? step : step - milestones.get(i - 1);
    return schedules.get(i).lr(local, baseLr);
  }
}
