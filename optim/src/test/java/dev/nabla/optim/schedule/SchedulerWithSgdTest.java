package dev.nabla.optim.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.optim.SGD;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scheduler driving a real optimizer, and a checkpoint round trip through it. */
class SchedulerWithSgdTest {

  @Test
  void sgdStepsUseTheScheduledLearningRate() {
    Tensor w = Tensor.zeros(DType.F64, 1).requiresGrad();
    SGD opt = new SGD(List.of(w), SGD.options().lr(1.0));
    Scheduler sched = new Scheduler(opt, new StepLR(1, 0.5)); // lr 1, 0.5, 0.25, …
    double expected = 0;
    for (int i = 0; i < 4; i++) {
      opt.zeroGrad();
      w.sum().backward(); // gradient 1
      opt.step();
      expected -= Math.pow(0.5, i);
      sched.step();
      assertEquals(expected, w.item(), 1e-15);
    }
  }

  @Test
  void checkpointRoundTripKeepsTheSchedule() {
    Tensor w = Tensor.zeros(DType.F64, 1).requiresGrad();
    SGD opt = new SGD(List.of(w), SGD.options().lr(0.1).momentum(0.9));
    Scheduler sched = new Scheduler(opt, Warmup.linear(4, 0.25).then(new CosineAnnealingLR(10)));
    for (int i = 0; i < 6; i++) {
      opt.zeroGrad();
      w.sum().backward();
      opt.step();
      sched.step();
    }
    var saved = opt.stateDict();

    Tensor w2 = Tensor.zeros(DType.F64, 1).requiresGrad();
    SGD fresh = new SGD(List.of(w2), SGD.options().lr(0.1).momentum(0.9));
    Scheduler resumed = new Scheduler(fresh, Warmup.linear(4, 0.25).then(new CosineAnnealingLR(10)));
    fresh.loadStateDict(saved); // schedulers add no group options, so loading accepts them
    resumed.setStep(sched.lastStep());
    assertEquals(sched.lastLr(), resumed.lastLr());
    assertEquals(List.of(0.1), resumed.baseLrs());
  }
}
