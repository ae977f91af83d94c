package dev.nabla.optim.schedule;

import dev.nabla.core.Checks;
import java.util.List;

/**
 * Multiplies the learning rate by {@code gamma} at each milestone:
 * lr = baseLr · gamma<sup>#{m ∈ milestones : m ≤ step}</sup>. PyTorch's {@code MultiStepLR}
 * (milestones must be strictly increasing here; PyTorch would also count repeats).
 *
 * <pre>{@code
 * new MultiStepLR(0.1, 30, 80).lr(50, 0.05);   // 0.005
 * }</pre>
 *
 * @param milestones strictly increasing steps ≥ 1 at which the learning rate decays
 * @param gamma the multiplicative decay (> 0)
 */
public record MultiStepLR(List<Integer> milestones, double gamma) implements LrSchedule {

  public MultiStepLR {
    Checks.argument(milestones != null && !milestones.isEmpty(), "MultiStepLR: need at least one milestone");
    milestones = List.copyOf(milestones);
    for (int i = 0; i < milestones.size(); i++) {
      int m = milestones.get(i);
      Checks.argument(m > 0, "MultiStepLR: milestones must be > 0, got %s at index %s", m, i);
      Checks.argument(i == 0 || m > milestones.get(i - 1),
          "MultiStepLR: milestones must be strictly increasing, got %s", milestones);
    }
    Checks.argument(gamma > 0 && Double.isFinite(gamma), "MultiStepLR: gamma must be > 0 and finite, got %s", gamma);
  }

  /** Decays by {@code gamma} at each of {@code milestones}. */
  public MultiStepLR(double gamma, int... milestones) {
    this(java.util.Arrays.stream(milestones).boxed().toList(), gamma);
  }

  @Override
  public double lr(int step, double baseLr) {
    Steps.check("MultiStepLR", step);
    int passed = 0;
    while (passed < milestones.size() && milestones.get(passed) <= step) {
      passed++;
    }
    return baseLr * Math.pow(gamma, passed);
  }
}
