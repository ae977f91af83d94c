package dev.nabla.optim.schedule;

import dev.nabla.core.Checks;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.ParamGroup;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Drives an optimizer's learning rates with {@link LrSchedule}s, like PyTorch's
 * {@code lr_scheduler}: at construction it records each group's base learning rate and sets
 * step 0's learning rate; each {@link #step()} (call it after {@code optimizer.step()}) moves
 * to the next step and sets every group's {@code lr}.
 *
 * <p>The base learning rates are the groups' {@code lr} when the scheduler is attached, kept
 * by the scheduler (not written into the groups: the optimizers reject options they do not
 * know, and a group's options are what a checkpoint saves). To resume, build the optimizer with
 * its original options, attach the scheduler, then load the optimizer's state and call
 * {@link #setStep} with the saved {@link #lastStep()}.
 *
 * <pre>{@code
 * var scheduler = new Scheduler(opt, Warmup.linear(5, 0.1).then(new CosineAnnealingLR(95)));
 * for (int i = 0; i < 100; i++) {
 *   opt.zeroGrad(); loss().backward(); opt.step();
 *   scheduler.step();
 * }
 * }</pre>
 */
public final class Scheduler {
  private final Optimizer optimizer;
  private final List<LrSchedule> schedules;
  private final List<Double> baseLrs;
  private int step;

  /** Applies {@code schedule} to every parameter group. */
  public Scheduler(Optimizer optimizer, LrSchedule schedule) {
    this(optimizer, Collections.nCopies(checkedGroups(optimizer).size(), nonNull(schedule)));
  }

  /** Applies {@code schedules.get(i)} to parameter group {@code i} (PyTorch's list of lambdas). */
  public Scheduler(Optimizer optimizer, List<LrSchedule> schedules) {
    List<ParamGroup> groups = checkedGroups(optimizer);
    Checks.argument(schedules != null && schedules.size() == groups.size(),
        "Scheduler: expected %s schedules (one per parameter group), got %s", groups.size(),
        schedules == null ? "null" : schedules.size());
    for (LrSchedule s : schedules) {
      nonNull(s);
    }
    this.optimizer = optimizer;
    this.schedules = List.copyOf(schedules);
    List<Double> bases = new ArrayList<>(groups.size());
    for (ParamGroup g : groups) {
      bases.add(g.lr());
    }
    this.baseLrs = List.copyOf(bases);
    apply();
  }

  private static List<ParamGroup> checkedGroups(Optimizer optimizer) {
    Checks.argument(optimizer != null, "Scheduler: optimizer must not be null");
    return optimizer.paramGroups();
  }

  private static LrSchedule nonNull(LrSchedule schedule) {
    Checks.argument(schedule != null, "Scheduler: schedule must not be null");
    return schedule;
  }

  /** Moves to the next step and sets every group's learning rate; call after {@code optimizer.step()}. */
  public void step() {
    Checks.state(step < Integer.MAX_VALUE, "Scheduler: step counter overflow");
    step++;
    apply();
  }

  /** Jumps to {@code step} (e.g. when resuming) and sets every group's learning rate. */
  public void setStep(int step) {
    Checks.argument(step >= 0, "Scheduler: step must be >= 0, got %s", step);
    this.step = step;
    apply();
  }

  /** The number of {@link #step()} calls so far (PyTorch's {@code last_epoch}). */
  public int lastStep() {
    return step;
  }

  /** Each group's base learning rate, in group order. */
  public List<Double> baseLrs() {
    return baseLrs;
  }

  /** The learning rates set by the last step, in group order (PyTorch's {@code get_last_lr()}). */
  public List<Double> lastLr() {
    List<Double> lrs = new ArrayList<>();
    for (ParamGroup g : optimizer.paramGroups()) {
      lrs.add(g.lr());
    }
    return Collections.unmodifiableList(lrs);
  }

  private void apply() {
    List<ParamGroup> groups = optimizer.paramGroups();
    for (int i = 0; i < groups.size(); i++) {
      groups.get(i).setLr(schedules.get(i).lr(step, baseLrs.get(i)));
    }
  }
}
