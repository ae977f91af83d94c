package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OptimizerTest {

  // ------------------------------------------------------------------ fixtures

  /** Builds an optimizer over the given parameters (two groups: [p0], [p1]). */
  interface Factory extends Function<List<Tensor>, Optimizer> {}

  static Stream<Arguments> optimizers() {
    return Stream.of(
        Arguments.of("SGD momentum nesterov", (Factory) ps -> new SGD(groups(ps),
            SGD.options().lr(0.05).momentum(0.9).nesterov(true).weightDecay(0.01))),
        Arguments.of("SGD dampening", (Factory) ps -> new SGD(groups(ps),
            SGD.options().lr(0.05).momentum(0.9).dampening(0.3))),
        Arguments.of("Adam amsgrad", (Factory) ps -> new Adam(groups(ps),
            Adam.options().lr(0.01).amsgrad(true).weightDecay(0.1))),
        Arguments.of("AdamW", (Factory) ps -> new AdamW(groups(ps), AdamW.options().lr(0.01))),
        Arguments.of("RMSprop centered momentum", (Factory) ps -> new RMSprop(groups(ps),
            RMSprop.options().centered(true).momentum(0.5))),
        Arguments.of("Adagrad", (Factory) ps -> new Adagrad(groups(ps),
            Adagrad.options().lrDecay(0.01).initialAccumulatorValue(0.1))));
  }

  static List<ParamGroup> groups(List<Tensor> ps) {
    return List.of(ParamGroup.of(ps.get(0)), ParamGroup.of(ps.get(1)).lr(0.02));
  }

  static List<Tensor> params(long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    return List.of(Tensor.randn(rng, 3, 4).requiresGrad(), Tensor.randn(rng, 5).requiresGrad());
  }

  static List<Tensor> copies(List<Tensor> ps) {
    List<Tensor> r = new ArrayList<>();
    for (Tensor p : ps) {
      r.add(Tensor.of(p.toFloatArray(), p.shape().toArray()).requiresGrad());
    }
    return r;
  }

  /** The gradients of step {@code step}: fixed by the step; the second parameter skips step 2. */
  static void setGrads(List<Tensor> ps, int step) {
    SplittableRandom rng = new SplittableRandom(1000 + step);
    for (int i = 0; i < ps.size(); i++) {
      Tensor g = Tensor.randn(rng, ps.get(i).shape().toArray());
      ps.get(i).setGrad(i == 1 && step == 2 ? null : g);
    }
  }

  static void run(Optimizer opt, List<Tensor> ps, int from, int to) {
    for (int step = from; step < to; step++) {
      setGrads(ps, step);
      opt.step();
    }
  }

  // ------------------------------------------------------------------ resume

  @ParameterizedTest(name = "{0}")
  @MethodSource("optimizers")
  void resumedRunIsBitIdentical(String name, Factory factory) {
    List<Tensor> straight = params(1);
    Optimizer a = factory.apply(straight);
    run(a, straight, 0, 10);

    List<Tensor> first = params(1);
    Optimizer b = factory.apply(first);
    run(b, first, 0, 5);
    Optimizer.StateDict dict = b.stateDict();
    List<Tensor> resumed = copies(first);         // fresh tensors with the step-5 values
    List<Tensor> forgetful = copies(first);
    run(b, first, 5, 7);                          // the snapshot must not follow later steps

    Optimizer c = factory.apply(resumed);         // fresh optimizer, fresh state
    c.loadStateDict(dict);
    run(c, resumed, 5, 10);

    for (int i = 0; i < straight.size(); i++) {
      assertArrayEquals(straight.get(i).toFloatArray(), resumed.get(i).toFloatArray(),
          name + ": parameter " + i);
    }
    // the state matters: restarting without it gives another trajectory
    run(factory.apply(forgetful), forgetful, 5, 10);
    assertFalse(java.util.Arrays.equals(straight.get(0).toFloatArray(),
        forgetful.get(0).toFloatArray()), name);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("optimizers")
  void resumeThroughAFile(String name, Factory factory, @TempDir Path dir) throws IOException {
    List<Tensor> straight = params(2);
    Optimizer a = factory.apply(straight);
    run(a, straight, 0, 10);

    List<Tensor> first = params(2);
    Optimizer b = factory.apply(first);
    run(b, first, 0, 5);
    Path file = dir.resolve("optim.safetensors");
    b.save(file);
    List<Tensor> resumed = copies(first);
    Optimizer c = factory.apply(resumed);
    c.paramGroups().get(0).setLr(123);            // restored from the file
    c.load(file);
    assertEquals(b.paramGroups().get(0).lr(), c.paramGroups().get(0).lr());
    run(c, resumed, 5, 10);
    for (int i = 0; i < straight.size(); i++) {
      assertArrayEquals(straight.get(i).toFloatArray(), resumed.get(i).toFloatArray(),
          name + ": parameter " + i);
    }
  }

  @Test
  void stateDictLayout() {
    List<Tensor> ps = params(3);
    Adam opt = new Adam(groups(ps), Adam.options().amsgrad(true));
    assertNull(opt.state(0, 0));
    run(opt, ps, 0, 3);                          // p1 has no gradient at step 2
    assertEquals(3, opt.state(0, 0).step());
    assertEquals(2, opt.state(1, 0).step());
    Optimizer.StateDict d = opt.stateDict();
    assertEquals(List.of("state.0.0.exp_avg", "state.0.0.exp_avg_sq", "state.0.0.max_exp_avg_sq",
        "state.1.0.exp_avg", "state.1.0.exp_avg_sq", "state.1.0.max_exp_avg_sq"),
        new ArrayList<>(d.tensors().keySet()));
    assertEquals("Adam", d.meta().get("optimizer"));
    @SuppressWarnings("unchecked")
    var groups = (List<Map<String, Object>>) d.meta().get("paramGroups");
    assertEquals(List.of(List.of(3, 4)), groups.get(0).get("shapes"));
    @SuppressWarnings("unchecked")
    var options = (Map<String, Double>) groups.get(1).get("options");
    assertEquals(0.02, options.get("lr"));
    assertEquals(1.0, options.get("amsgrad"));
  }

  // ------------------------------------------------------------------ loadStateDict validation

  private static Optimizer.StateDict withMeta(Optimizer.StateDict d, String key, Object value) {
    Map<String, Object> meta = new LinkedHashMap<>(d.meta());
    meta.put(key, value);
    return new Optimizer.StateDict(d.tensors(), meta);
  }

  @Test
  void loadStateDictValidatesBeforeChangingAnything() {
    List<Tensor> ps = params(4);
    Adam saved = new Adam(groups(ps), Adam.options().lr(0.5));
    run(saved, ps, 0, 2);
    Optimizer.StateDict good = saved.stateDict();

    List<Tensor> qs = params(5);
    Adam target = new Adam(groups(qs), Adam.options().lr(0.1));
    run(target, qs, 0, 1);
    Optimizer.StateDict before = target.stateDict();

    // another optimizer class
    var e = assertThrows(IllegalArgumentException.class,
        () -> target.loadStateDict(new SGD(groups(params(4)), SGD.options().lr(1)).stateDict()));
    assertTrue(e.getMessage().contains("from SGD, not Adam"), e.getMessage());
    // group count
    Adam oneGroup = new Adam(List.of(ParamGroup.of(params(4))), Adam.options());
    e = assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(oneGroup.stateDict()));
    assertTrue(e.getMessage().contains("different number of parameter groups (1)"), e.getMessage());
    // parameter count and shape
    SplittableRandom rng = new SplittableRandom(0);
    Adam moreParams = new Adam(List.of(ParamGroup.of(Tensor.randn(rng, 3, 4), Tensor.randn(rng, 2)),
        ParamGroup.of(Tensor.randn(rng, 5))), Adam.options());
    e = assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(moreParams.stateDict()));
    assertTrue(e.getMessage().contains("group 0 has 1 parameters but the saved group has 2"),
        e.getMessage());
    Adam otherShape = new Adam(List.of(ParamGroup.of(Tensor.randn(rng, 4, 3)),
        ParamGroup.of(Tensor.randn(rng, 5))), Adam.options());
    e = assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(otherShape.stateDict()));
    assertTrue(e.getMessage().contains("has shape [3, 4] but the saved one has [4, 3]"),
        e.getMessage());
    // a buffer of the wrong shape, a missing one, an unexpected one
    Map<String, Tensor> t = new LinkedHashMap<>(good.tensors());
    t.put("state.1.0.exp_avg", Tensor.zeros(4));
    e = assertThrows(IllegalArgumentException.class,
        () -> target.loadStateDict(new Optimizer.StateDict(t, good.meta())));
    assertTrue(e.getMessage().contains("state.1.0.exp_avg has shape [4]"), e.getMessage());
    Map<String, Tensor> missing = new LinkedHashMap<>(good.tensors());
    missing.remove("state.0.0.exp_avg_sq");
    e = assertThrows(IllegalArgumentException.class,
        () -> target.loadStateDict(new Optimizer.StateDict(missing, good.meta())));
    assertTrue(e.getMessage().contains("missing tensor state.0.0.exp_avg_sq"), e.getMessage());
    Map<String, Tensor> extra = new LinkedHashMap<>(good.tensors());
    extra.put("state.0.0.junk", Tensor.zeros(3, 4));
    e = assertThrows(IllegalArgumentException.class,
        () -> target.loadStateDict(new Optimizer.StateDict(extra, good.meta())));
    assertTrue(e.getMessage().contains("unexpected tensor state.0.0.junk"), e.getMessage());
    // invalid options in the file are caught by the same checks as the constructor
    @SuppressWarnings("unchecked")
    var groupsMeta = (List<Map<String, Object>>) good.meta().get("paramGroups");
    Map<String, Object> badGroup = new LinkedHashMap<>(groupsMeta.get(1));
    Map<String, Object> badOptions = new LinkedHashMap<>((Map<String, Object>) badGroup.get("options"));
    badOptions.put("beta1", 1.0);
    badGroup.put("options", badOptions);
    e = assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(
        withMeta(good, "paramGroups", List.of(groupsMeta.get(0), badGroup))));
    assertTrue(e.getMessage().contains("invalid beta parameter at index 0 (beta1) 1.0 in "
        + "parameter group 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> target.loadStateDict(withMeta(good, "state", Map.of("2.0", Map.of("step", 1)))));
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());

    // nothing changed: same options, same state
    Optimizer.StateDict after = target.stateDict();
    assertEquals(before.meta(), after.meta());
    assertEquals(before.tensors().keySet(), after.tensors().keySet());
    for (String k : before.tensors().keySet()) {
      assertArrayEquals(before.tensors().get(k).toFloatArray(), after.tensors().get(k).toFloatArray());
    }
    assertEquals(0.1, target.paramGroups().get(0).lr());

    // and the good one loads
    target.loadStateDict(good);
    assertEquals(0.5, target.paramGroups().get(0).lr());
    assertEquals(2, target.state(0, 0).step());
  }

  @Test
  void loadRejectsAFileWithoutOptimizerMetadata(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("weights.safetensors");
    dev.nabla.core.io.SafeTensors.save(file, Map.of("w", Tensor.zeros(2)));
    Adam opt = new Adam(params(1), Adam.options());
    var e = assertThrows(IOException.class, () -> opt.load(file));
    assertTrue(e.getMessage().contains("not an optimizer state file"), e.getMessage());
    assertTrue(Files.exists(file));
  }

  // ------------------------------------------------------------------ behaviour

  @Test
  void parametersWithoutGradientAreSkipped() {
    List<Tensor> ps = params(6);
    float[] before = ps.get(1).toFloatArray();
    SGD opt = new SGD(ps, SGD.options().lr(0.1).momentum(0.9).weightDecay(0.1));
    ps.get(0).setGrad(Tensor.onesLike(ps.get(0)));
    opt.step();
    assertArrayEquals(before, ps.get(1).toFloatArray());   // weight decay does not touch it either
    assertNull(opt.state(0, 1));
    assertTrue(opt.state(0, 0).has("momentum_buffer"));
  }

  @Test
  void zeroGradClearsGradients() {
    List<Tensor> ps = params(7);
    SGD opt = new SGD(ps, SGD.options().lr(0.1));
    setGrads(ps, 0);
    opt.zeroGrad();
    assertNull(ps.get(0).grad());
    assertNull(ps.get(1).grad());
  }

  @Test
  void groupOverridesAndDefaults() {
    Tensor a = Tensor.ones(2).requiresGrad();
    Tensor b = Tensor.ones(2).requiresGrad();
    SGD opt = new SGD(List.of(ParamGroup.of(a), ParamGroup.of(b).lr(0.5).weightDecay(1)),
        SGD.options().lr(0.1));
    assertEquals(0.1, opt.paramGroups().get(0).lr());
    assertEquals(0.0, opt.paramGroups().get(0).get("weightDecay"));
    assertEquals(0.5, opt.paramGroups().get(1).lr());
    a.setGrad(Tensor.ones(2));
    b.setGrad(Tensor.ones(2));
    opt.step();
    assertArrayEquals(new float[] {0.9f, 0.9f}, a.toFloatArray());
    assertArrayEquals(new float[] {0.0f, 0.0f}, b.toFloatArray());   // 1 − 0.5·(1 + 1·1)
    opt.paramGroups().get(0).setLr(1.0);                               // as a schedule would
    a.setGrad(Tensor.ones(2));
    b.setGrad(null);
    opt.step();
    assertArrayEquals(new float[] {-0.1f, -0.1f}, a.toFloatArray(), 1e-7f);
  }

  @Test
  void defaultsMatchPyTorch() {
    assertEquals(Map.of("lr", 1e-3, "beta1", 0.9, "beta2", 0.999, "eps", 1e-8,
        "weightDecay", 0.0, "amsgrad", 0.0, "maximize", 0.0), Adam.options().values());
    assertEquals(1e-2, AdamW.options().values().get("weightDecay"));
    assertEquals(Map.of("lr", 1e-2, "alpha", 0.99, "eps", 1e-8, "weightDecay", 0.0,
        "momentum", 0.0, "centered", 0.0, "maximize", 0.0), RMSprop.options().values());
    assertEquals(Map.of("lr", 1e-2, "lrDecay", 0.0, "weightDecay", 0.0,
        "initialAccumulatorValue", 0.0, "eps", 1e-10, "maximize", 0.0),
        Adagrad.options().values());
    assertNull(SGD.options().values().get("lr"));
    assertEquals(0.0, SGD.options().values().get("momentum"));
  }

  @Test
  void trainsWithAutograd() {
    // minimise ||w − t||² from w = 0 with each optimizer
    float[] target = {1f, -2f, 3f};
    List<Function<List<Tensor>, Optimizer>> makers = List.of(
        ps -> new SGD(ps, SGD.options().lr(0.1).momentum(0.5)),
        ps -> new Adam(ps, Adam.options().lr(0.1)),
        ps -> new AdamW(ps, AdamW.options().lr(0.1).weightDecay(0)),
        ps -> new RMSprop(ps, RMSprop.options().lr(0.05)),
        ps -> new Adagrad(ps, Adagrad.options().lr(0.5)));
    for (var maker : makers) {
      Tensor w = Tensor.zeros(3).requiresGrad();
      Tensor t = Tensor.of(target);
      Optimizer opt = maker.apply(List.of(w));
      for (int i = 0; i < 300; i++) {
        opt.zeroGrad();
        w.sub(t).square().sum().backward();
        opt.step();
      }
      assertArrayEquals(target, w.toFloatArray(), 0.05f, opt.getClass().getSimpleName());
    }
  }

  @Test
  void stridedAndLargeParametersMatchTheContiguousPath() {
    // a 200k-element parameter runs in parallel chunks; a transposed (non-contiguous) leaf
    // takes the copying path; both must give the contiguous path's floats exactly
    SplittableRandom rng = new SplittableRandom(9);
    int rows = 400;
    int cols = 500;
    Tensor base = Tensor.randn(rng, cols, rows);
    Tensor strided = base.transpose(0, 1);                // [rows, cols], a view, still a leaf
    Tensor contiguous = Tensor.of(strided.toFloatArray(), rows, cols);
    assertTrue(strided.isLeaf());
    Adam a = new Adam(List.of(contiguous), Adam.options().lr(0.01).amsgrad(true).weightDecay(0.1));
    Adam b = new Adam(List.of(strided), Adam.options().lr(0.01).amsgrad(true).weightDecay(0.1));
    for (int step = 0; step < 3; step++) {
      Tensor g = Tensor.randn(rng, rows, cols);
      contiguous.setGrad(g);
      strided.setGrad(g.copy());
      a.step();
      b.step();
    }
    assertArrayEquals(contiguous.toFloatArray(), strided.toFloatArray());
    assertArrayEquals(contiguous.toFloatArray(), base.transpose(0, 1).toFloatArray());
  }

  @Test
  void f64ParametersKeepF64State() {
    Tensor p = Tensor.of(new double[] {1, 2, 3}).requiresGrad();
    RMSprop opt = new RMSprop(List.of(p), RMSprop.options().momentum(0.9).centered(true));
    p.setGrad(Tensor.of(new double[] {0.1, -0.2, 0.3}));
    opt.step();
    assertEquals(DType.F64, opt.state(0, 0).buffer("square_avg").dtype());
    assertEquals(DType.F64, p.dtype());
    assertNotEquals(1.0, p.toDoubleArray()[0]);
  }

  @Test
  void zeroDimensionalAndEmptyParameters() {
    Tensor scalar = Tensor.scalar(2.0).requiresGrad();
    Tensor scalar64 = Tensor.scalar(2.0, DType.F64).requiresGrad();
    Tensor empty = Tensor.zeros(0).requiresGrad();
    SGD opt = new SGD(List.of(scalar, scalar64, empty), SGD.options().lr(0.5).momentum(0.9));
    scalar.setGrad(Tensor.scalar(1.0));
    scalar64.setGrad(Tensor.scalar(1.0, DType.F64));
    empty.setGrad(Tensor.zeros(0));
    opt.step();
    assertEquals(1.5, scalar.item());
    assertEquals(1.5, scalar64.item());
    Adam restored = new Adam(List.of(Tensor.scalar(0.0)), Adam.options());
    assertThrows(IllegalArgumentException.class, () -> restored.loadStateDict(opt.stateDict()));
  }

  @Test
  void stepDoesNotRecordAGraph() {
    Tensor p = Tensor.ones(2).requiresGrad();
    Adam opt = new Adam(List.of(p), Adam.options());
    p.setGrad(Tensor.ones(2));
    opt.step();
    assertTrue(p.isLeaf());
    assertTrue(GradMode.isEnabled());
  }

  // ------------------------------------------------------------------ construction checks

  static void assertRejected(String expected, Runnable construct) {
    var e = assertThrows(IllegalArgumentException.class, construct::run);
    assertTrue(e.getMessage().contains(expected), () -> "message was: " + e.getMessage());
  }

  @Test
  void invalidOptionsAreRejected() {
    List<Tensor> ps = params(8);
    assertRejected("SGD: invalid learning rate (lr) -0.1 in parameter group 0: must be >= 0",
        () -> new SGD(ps, SGD.options().lr(-0.1)));
    assertRejected("didn't specify a value of required option lr",
        () -> new SGD(ps, SGD.options().momentum(0.9)));
    assertRejected("invalid momentum -0.5", () -> new SGD(ps, SGD.options().lr(1).momentum(-0.5)));
    assertRejected("invalid weightDecay -1.0",
        () -> new SGD(ps, SGD.options().lr(1).weightDecay(-1)));
    assertRejected("Nesterov momentum requires a momentum and zero dampening",
        () -> new SGD(ps, SGD.options().lr(1).nesterov(true)));
    assertRejected("Nesterov momentum requires a momentum and zero dampening",
        () -> new SGD(ps, SGD.options().lr(1).momentum(0.9).dampening(0.1).nesterov(true)));
    assertRejected("invalid learning rate (lr) NaN",
        () -> new Adam(ps, Adam.options().lr(Double.NaN)));
    assertRejected("invalid beta parameter at index 0 (beta1) 1.0 in parameter group 0: must be in [0, 1)",
        () -> new Adam(ps, Adam.options().betas(1.0, 0.999)));
    assertRejected("invalid beta parameter at index 1 (beta2) -0.1",
        () -> new AdamW(ps, AdamW.options().betas(0.9, -0.1)));
    assertRejected("invalid epsilon value (eps) -1.0E-8",
        () -> new Adam(ps, Adam.options().eps(-1e-8)));
    assertRejected("AdamW: invalid weightDecay -0.01",
        () -> new AdamW(ps, AdamW.options().weightDecay(-0.01)));
    assertRejected("RMSprop: invalid alpha -0.9", () -> new RMSprop(ps, RMSprop.options().alpha(-0.9)));
    assertRejected("RMSprop: invalid momentum -1.0",
        () -> new RMSprop(ps, RMSprop.options().momentum(-1)));
    assertRejected("Adagrad: invalid lrDecay -0.1",
        () -> new Adagrad(ps, Adagrad.options().lrDecay(-0.1)));
    assertRejected("Adagrad: invalid initialAccumulatorValue -1.0",
        () -> new Adagrad(ps, Adagrad.options().initialAccumulatorValue(-1)));
    assertRejected("Adagrad: invalid epsilon value (eps) -1.0",
        () -> new Adagrad(ps, Adagrad.options().eps(-1)));
    // per-group overrides are checked too, and name the group
    assertRejected("invalid weightDecay -0.1 in parameter group 1",
        () -> new Adam(List.of(ParamGroup.of(ps.get(0)), ParamGroup.of(ps.get(1)).weightDecay(-0.1)),
            Adam.options()));
    assertRejected("unknown option 'momentun' in parameter group 0",
        () -> new SGD(List.of(ParamGroup.of(ps).set("momentun", 0.9)), SGD.options().lr(1)));
    assertRejected("a boolean option must be 1 (true) or 0 (false)",
        () -> new Adam(List.of(ParamGroup.of(ps).set("amsgrad", 2)), Adam.options()));
  }

  @Test
  void invalidParametersAreRejected() {
    List<Tensor> ps = params(9);
    assertRejected("some parameters appear in more than one parameter group (groups 0 and 1)",
        () -> new Adam(List.of(ParamGroup.of(ps), ParamGroup.of(ps.get(1))), Adam.options()));
    assertRejected("parameter group 0 lists the same parameter twice (indices 0 and 2)",
        () -> new Adam(List.of(ps.get(0), ps.get(1), ps.get(0)), Adam.options()));
    Tensor x = Tensor.ones(3).requiresGrad();
    Tensor nonLeaf = x.mul(2);
    assertRejected("can't optimize a non-leaf tensor (parameter 1 of group 0",
        () -> new SGD(List.of(x, nonLeaf), SGD.options().lr(1)));
    var e = assertThrows(UnsupportedOperationException.class,
        () -> new SGD(List.of(Tensor.of(new long[] {1, 2})), SGD.options().lr(1)));
    assertTrue(e.getMessage().contains("can only optimize floating-point tensors, but parameter 0 "
        + "of group 0 is I64"), e.getMessage());
    assertRejected("got an empty parameter list", () -> new Adam(List.<Tensor>of(), Adam.options()));
    assertRejected("got an empty parameter list",
        () -> new Adam(List.<ParamGroup>of(), Adam.options()));
    assertRejected("ParamGroup: parameter 1 is null",
        () -> ParamGroup.of(java.util.Arrays.asList(ps.get(0), null)));
  }
}
