package dev.nabla.optim.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nabla.core.Tensor;
import dev.nabla.optim.Optimizer;
import dev.nabla.optim.ParamGroup;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Learning rates against PyTorch 1.13's schedulers. {@code resources/golden/schedules.json} is
 * written by {@code tools/golden/gen_schedules.py} (the build never runs it): per case, a spec
 * of the schedule and every group's lr over 100 steps of a two-group optimizer. Each case runs
 * through a {@link Scheduler} and through the pure {@link LrSchedule#lr}; both must agree with
 * torch to 1e-9 relative (float64; torch's chainable recursions differ from our closed forms
 * by rounding only).
 */
class ScheduleGoldenTest {
  private static final double RTOL = 1e-9;
  private static final double ATOL = 1e-300; // exact zeros must stay zeros

  @TestFactory
  Stream<DynamicTest> matchesTorch() throws IOException {
    JsonNode doc;
    try (InputStream in = getClass().getResourceAsStream("/golden/schedules.json")) {
      assertNotNull(in, "golden/schedules.json is missing: run tools/golden/gen_schedules.py");
      doc = new ObjectMapper().readTree(in);
    }
    List<Double> baseLrs = new ArrayList<>();
    doc.get("baseLrs").forEach(v -> baseLrs.add(v.asDouble()));
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : doc.get("cases")) {
      tests.add(DynamicTest.dynamicTest(c.get("name").asText(),
          () -> check(c.get("name").asText(), build(c.get("schedule")), c.get("lr"), baseLrs)));
    }
    return tests.stream();
  }

  private static void check(String name, LrSchedule schedule, JsonNode expected, List<Double> baseLrs) {
    Optimizer opt = fakeOptimizer(baseLrs);
    Scheduler scheduler = new Scheduler(opt, schedule);
    double maxRel = 0;
    String first = null;
    for (int step = 0; step < expected.size(); step++) {
      if (step > 0) {
        opt.step();
        scheduler.step();
      }
      for (int g = 0; g < baseLrs.size(); g++) {
        double want = expected.get(step).get(g).asDouble();
        double viaScheduler = opt.paramGroups().get(g).lr();
        double pure = schedule.lr(step, baseLrs.get(g));
        for (double got : new double[] {viaScheduler, pure}) {
          double diff = Math.abs(got - want);
          if (diff > ATOL + RTOL * Math.abs(want) && first == null) {
            first = String.format("step %d group %d: got %.17g, torch %.17g", step, g, got, want);
          }
          if (want != 0) {
            maxRel = Math.max(maxRel, diff / Math.abs(want));
          }
        }
      }
    }
    assertEquals(null, first, name + " (" + schedule + ") differs from torch; max rel diff " + maxRel);
  }

  /** An optimizer that only holds parameter groups: schedules never look at the update. */
  static Optimizer fakeOptimizer(List<Double> lrs) {
    List<ParamGroup> groups = new ArrayList<>();
    for (double lr : lrs) {
      groups.add(ParamGroup.of(Tensor.zeros(2)).lr(lr));
    }
    return new Optimizer(groups, Map.of("lr", 1.0)) {
      @Override
      public void step() {}
    };
  }

  /** The Nabla schedule of a fixture spec (the parameter names are ours). */
  static LrSchedule build(JsonNode s) {
    String type = s.get("type").asText();
    switch (type) {
      case "StepLR":
        return new StepLR(s.get("stepSize").asInt(), s.get("gamma").asDouble());
      case "MultiStepLR":
        return new MultiStepLR(ints(s.get("milestones")), s.get("gamma").asDouble());
      case "ExponentialLR":
        return new ExponentialLR(s.get("gamma").asDouble());
      case "CosineAnnealingLR":
        return new CosineAnnealingLR(s.get("tMax").asInt(), s.get("etaMin").asDouble());
      case "CosineAnnealingWarmRestarts":
        return new CosineAnnealingWarmRestarts(s.get("t0").asInt(), s.get("tMult").asInt(),
            s.get("etaMin").asDouble());
      case "OneCycleLR":
        return OneCycleLR.of(s.get("totalSteps").asInt())
            .pctStart(s.get("pctStart").asDouble())
            .anneal(OneCycleLR.Anneal.valueOf(s.get("anneal").asText()))
            .divFactor(s.get("divFactor").asDouble())
            .finalDivFactor(s.get("finalDivFactor").asDouble())
            .threePhase(s.get("threePhase").asBoolean());
      case "RobbinsMonroLR":
        return new RobbinsMonroLR(s.get("alpha").asDouble(), s.get("b").asDouble());
      case "Warmup":
        return Warmup.linear(s.get("steps").asInt(), s.get("startFactor").asDouble());
      case "SequentialLR": {
        List<LrSchedule> inner = new ArrayList<>();
        s.get("schedules").forEach(x -> inner.add(build(x)));
        List<Integer> milestones = ints(s.get("milestones"));
        // Warmup.then is the two-schedule SequentialLR: route that shape through the public sugar
        if (inner.size() == 2 && inner.get(0) instanceof Warmup w && milestones.get(0) == w.steps()) {
          return w.then(inner.get(1));
        }
        return new SequentialLR(inner, milestones);
      }
      default:
        throw new AssertionError("golden schedule type without a Nabla twin: " + type);
    }
  }

  private static List<Integer> ints(JsonNode array) {
    List<Integer> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asInt()));
    return out;
  }
}
