package dev.nabla.optim.schedule;

/**
 * A learning-rate schedule: the learning rate as a pure function of the step, for a parameter
 * group whose base learning rate is {@code baseLr}. Step 0 is the learning rate of the first
 * optimizer step; a {@link Scheduler} applies step {@code t} after its {@code t}-th
 * {@code step()}, as PyTorch's {@code scheduler.step()} does.
 *
 * <p>Being pure, a schedule can be composed ({@link Warmup#then}, {@link SequentialLR}),
 * evaluated ahead of time (plots) and resumed from a step count alone.
 *
 * <pre>{@code
 * LrSchedule s = Warmup.linear(5, 0.1).then(new CosineAnnealingLR(95, 1e-5));
 * double lr = s.lr(10, 3e-4);
 * }</pre>
 */
@FunctionalInterface
public interface LrSchedule {

  /**
   * The learning rate at {@code step}.
   *
   * @param step the number of scheduler steps taken so far (0 before the first one)
   * @param baseLr the group's learning rate when the scheduler was attached
   */
  double lr(int step, double baseLr);
}
