package dev.nabla.optim.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.optim.Optimizer;
import dev.nabla.optim.ParamGroup;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Hand-checked values, composition, the {@link Scheduler} and validation messages. */
class ScheduleTest {
  private static final double EPS = 1e-15;

  @Test
  void handValues() {
    assertEquals(0.05 * 0.01, new StepLR(30, 0.1).lr(65, 0.05), EPS);
    assertEquals(0.05, new StepLR(30).lr(29, 0.05), EPS);
    assertEquals(0.005, new MultiStepLR(0.1, 30, 80).lr(50, 0.05), EPS);
    assertEquals(0.0005, new MultiStepLR(0.1, 30, 80).lr(80, 0.05), EPS);
    assertEquals(0.81, new ExponentialLR(0.9).lr(2, 1.0), EPS);
    assertEquals(0.05, new CosineAnnealingLR(100).lr(50, 0.1), EPS);
    assertEquals(0.01, new CosineAnnealingLR(10, 0.01).lr(10, 0.1), EPS);
    assertEquals(0.1, new CosineAnnealingWarmRestarts(10, 2, 0.0).lr(10, 0.1), EPS);
    assertEquals(0.1, new CosineAnnealingWarmRestarts(10, 2, 0.0).lr(30, 0.1), EPS);
    assertEquals(0.05, new CosineAnnealingWarmRestarts(10, 2, 0.0).lr(20, 0.1), EPS);
    assertEquals(0.05, new RobbinsMonroLR(1.0).lr(9, 0.5), EPS);
    assertEquals(0.5, new RobbinsMonroLR(0.7, 3).lr(0, 0.5), EPS);
    assertEquals(0.5 * Math.pow(4.0 / 13, 0.7), new RobbinsMonroLR(0.7, 3).lr(9, 0.5), EPS);
  }

  @Test
  void oneCyclePeaksAndEnds() {
    OneCycleLR s = OneCycleLR.of(1000).pctStart(0.25);
    assertEquals(0.004, s.lr(0, 0.1), EPS);
    assertEquals(0.1, s.lr(249, 0.1), EPS);
    assertEquals(0.004 / 1e4, s.lr(999, 0.1), 1e-18);
    OneCycleLR three = s.threePhase(true).anneal(OneCycleLR.Anneal.LINEAR);
    assertEquals(0.004, three.lr(498, 0.1), EPS); // back at the start value after 2·pctStart
    assertThrows(IllegalArgumentException.class, () -> s.lr(1001, 0.1));
  }

  @Test
  void warmupThenAnySchedule() {
    LrSchedule after = (step, base) -> base / (step + 1);
    LrSchedule s = Warmup.linear(4, 0.2).then(after);
    assertEquals(0.2, s.lr(0, 1.0), EPS);
    assertEquals(0.8, s.lr(3, 1.0), EPS);
    assertEquals(1.0, s.lr(4, 1.0), EPS); // the next schedule's step 0
    assertEquals(0.5, s.lr(5, 1.0), EPS);
    assertEquals(1.0, Warmup.linear(4, 0.2).lr(100, 1.0), EPS); // alone: constant after warm-up
    assertEquals(0.0, Warmup.linear(3, 0.0).lr(0, 1.0), 0.0);    // start at 0 is allowed here
  }

  @Test
  void schedulerAppliesPerGroupAndResumes() {
    Optimizer opt = ScheduleGoldenTest.fakeOptimizer(List.of(1.0, 0.5));
    Scheduler sched = new Scheduler(opt, new ExponentialLR(0.5));
    assertEquals(List.of(1.0, 0.5), sched.baseLrs());
    sched.step();
    sched.step();
    assertEquals(List.of(0.25, 0.125), sched.lastLr());
    assertEquals(2, sched.lastStep());
    assertEquals(Set.of("lr"), opt.paramGroups().get(0).options().keySet()); // groups keep only their options

    // Resume: fresh optimizer with the original options, attach, (load state: lr is overwritten), setStep.
    Optimizer fresh = ScheduleGoldenTest.fakeOptimizer(List.of(1.0, 0.5));
    Scheduler resumed = new Scheduler(fresh, new ExponentialLR(0.5));
    fresh.paramGroups().get(0).setLr(0.25); // what loading the saved optimizer state does
    resumed.setStep(3);
    assertEquals(List.of(0.125, 0.0625), resumed.lastLr());

    Optimizer two = ScheduleGoldenTest.fakeOptimizer(List.of(1.0, 1.0));
    new Scheduler(two, List.of(new StepLR(1, 0.5), new ExponentialLR(0.1))).step();
    assertEquals(0.5, two.paramGroups().get(0).lr(), EPS);
    assertEquals(0.1, two.paramGroups().get(1).lr(), EPS);
  }

  @Test
  void schedulerSetsStepZeroAtConstruction() {
    Optimizer opt = ScheduleGoldenTest.fakeOptimizer(List.of(1.0));
    new Scheduler(opt, Warmup.linear(10, 0.1));
    assertEquals(0.1, opt.paramGroups().get(0).lr(), EPS);
  }

  @Test
  void validation() {
    Optimizer opt = ScheduleGoldenTest.fakeOptimizer(List.of(1.0, 0.5));
    message("StepLR: stepSize must be > 0, got 0", () -> new StepLR(0, 0.1));
    message("StepLR: gamma must be > 0", () -> new StepLR(5, 0));
    message("ExponentialLR: gamma must be > 0", () -> new ExponentialLR(-0.5));
    message("MultiStepLR: milestones must be strictly increasing, got [30, 30]", () -> new MultiStepLR(0.1, 30, 30));
    message("MultiStepLR: milestones must be strictly increasing, got [80, 30]", () -> new MultiStepLR(0.1, 80, 30));
    message("MultiStepLR: need at least one milestone", () -> new MultiStepLR(0.1));
    message("MultiStepLR: gamma must be > 0", () -> new MultiStepLR(0.0, 10));
    message("CosineAnnealingLR: tMax must be > 0, got 0", () -> new CosineAnnealingLR(0));
    message("CosineAnnealingLR: etaMin must be >= 0", () -> new CosineAnnealingLR(10, -1));
    message("CosineAnnealingWarmRestarts: t0 must be > 0", () -> new CosineAnnealingWarmRestarts(0));
    message("CosineAnnealingWarmRestarts: tMult must be >= 1", () -> new CosineAnnealingWarmRestarts(5, 0, 0));
    message("OneCycleLR: totalSteps must be > 0", () -> OneCycleLR.of(0));
    message("OneCycleLR: pctStart must be in [0, 1]", () -> OneCycleLR.of(100).pctStart(1.5));
    message("OneCycleLR: the rising phase", () -> OneCycleLR.of(10).pctStart(0.1));
    message("OneCycleLR: phase 3 is empty", () -> OneCycleLR.of(10).pctStart(0.6).threePhase(true));
    message("OneCycleLR: divFactor must be > 0", () -> OneCycleLR.of(100).divFactor(0));
    message("OneCycleLR: tried to step 102 times, but totalSteps is 100", () -> OneCycleLR.of(100).lr(101, 1));
    message("Warmup: steps must be > 0", () -> Warmup.linear(0, 0.1));
    message("Warmup: startFactor must be in [0, 1]", () -> Warmup.linear(5, 1.5));
    message("RobbinsMonroLR: alpha must be in (1/2, 1]", () -> new RobbinsMonroLR(0.5));
    message("RobbinsMonroLR: alpha must be in (1/2, 1]", () -> new RobbinsMonroLR(1.01));
    message("RobbinsMonroLR: b must be > -1", () -> new RobbinsMonroLR(1, -1));
    message("SequentialLR: expected 1 milestones", () -> new SequentialLR(
        List.of(new ExponentialLR(0.9), new StepLR(3)), List.of()));
    message("SequentialLR: milestones must be strictly increasing", () -> new SequentialLR(
        List.of(new ExponentialLR(0.9), new StepLR(3), new StepLR(4)), List.of(5, 5)));
    message("StepLR: step must be >= 0, got -1", () -> new StepLR(3).lr(-1, 1));
    message("Scheduler: expected 2 schedules (one per parameter group), got 1",
        () -> new Scheduler(opt, List.of(new StepLR(3))));
    message("Scheduler: schedule must not be null", () -> new Scheduler(opt, (LrSchedule) null));
    message("Scheduler: step must be >= 0", () -> new Scheduler(opt, new StepLR(3)).setStep(-2));
  }

  private static void message(String expectedPrefix, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().startsWith(expectedPrefix),
        () -> "expected a message starting with \"" + expectedPrefix + "\", got \"" + e.getMessage() + "\"");
  }

  @Test
  void paramGroupLrIsWhatTheSchedulerWrites() {
    ParamGroup g = ParamGroup.of(dev.nabla.core.Tensor.zeros(1)).lr(0.3);
    Optimizer opt = new Optimizer(List.of(g), java.util.Map.of("lr", 1.0)) {
      @Override
      public void step() {}
    };
    new Scheduler(opt, new StepLR(1, 0.5)).step();
    assertEquals(0.15, g.lr(), EPS);
  }
}
