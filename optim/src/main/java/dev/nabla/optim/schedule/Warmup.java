package dev.nabla.optim.schedule;

import dev.nabla.core.Checks;
import java.util.List;

/**
 * Linear warm-up: lr = baseLr · (startFactor + (1 − startFactor)·min(step, steps)/steps), from
 * startFactor·baseLr at step 0 to baseLr at step {@code steps} (PyTorch's {@code LinearLR}
 * with {@code end_factor = 1}). On its own it then stays at baseLr; {@link #then} hands over to
 * any schedule, which starts from its own step 0 at step {@code steps} (PyTorch's
 * {@code SequentialLR([LinearLR(…), after], milestones=[steps])}).
 *
 * <pre>{@code
 * LrSchedule s = Warmup.linear(100, 0.01).then(new CosineAnnealingLR(900, 1e-5));
 * }</pre>
 *
 * @param steps the length of the warm-up (≥ 1)
 * @param startFactor the fraction of the base learning rate at step 0, in [0, 1]
 */
public record Warmup(int steps, double startFactor) implements LrSchedule {

  public Warmup {
    Checks.argument(steps > 0, "Warmup: steps must be > 0, got %s", steps);
    Checks.argument(startFactor >= 0 && startFactor <= 1, "Warmup: startFactor must be in [0, 1], got %s", startFactor);
  }

  /** A linear warm-up over {@code steps} steps starting at {@code startFactor}·baseLr. */
  public static Warmup linear(int steps, double startFactor) {
    return new Warmup(steps, startFactor);
  }

  /** This warm-up, then {@code after} from step {@code steps} on. */
  public LrSchedule then(LrSchedule after) {
    Checks.argument(after != null, "Warmup.then: schedule must not be null");
    return new SequentialLR(List.of(this, after), List.of(steps));
  }

  @Override
  public double lr(int step, double baseLr) {
    Steps.check("Warmup", step);
    return baseLr * (startFactor + (1.0 - startFactor) * Math.min(steps, step) / steps);
  }
}
