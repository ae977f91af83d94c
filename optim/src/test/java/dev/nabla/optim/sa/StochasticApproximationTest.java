package dev.nabla.optim.sa;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Behaviour of the stochastic-approximation API: exact cases, tensors vs scalars, validation. */
class StochasticApproximationTest {

  @Test
  void gains() {
    assertEquals(0.25, GainSequence.harmonic().at(4), 0.0);
    assertEquals(0.3, GainSequence.constant(0.3).at(1000), 0.0);
    assertEquals(2 / Math.pow(7, 0.602), GainSequence.power(2, 3, 0.602).at(4), 1e-15);
    assertEquals(1.0 / 3, GainSequence.robbinsMonro(1, 2, 1).at(1), 1e-15);
  }

  @Test
  void harmonicGainGivesTheExactSampleMean() {
    IncrementalMean mean = new IncrementalMean();
    double[] xs = {1, 2, 6, -3, 4.5};
    double sum = 0;
    for (int i = 0; i < xs.length; i++) {
      mean.update(xs[i]);
      sum += xs[i];
      assertEquals(sum / (i + 1), mean.value(), 1e-14);
    }
    assertEquals(5, mean.count());
  }

  @Test
  void constantGainIsAnExponentialMovingAverage() {
    IncrementalMean ema = new IncrementalMean(GainSequence.constant(0.5));
    ema.update(4); // 0 → 2
    ema.update(4); // 2 → 3
    assertEquals(3.0, ema.value(), 0.0);
  }

  @Test
  void tensorMeanMatchesScalarMeanElementwise() {
    Rng rng = new Rng(5);
    IncrementalMean.OfTensor tensorMean = new IncrementalMean.OfTensor();
    IncrementalMean[] scalar = {new IncrementalMean(), new IncrementalMean(), new IncrementalMean()};
    for (int k = 0; k < 50; k++) {
      Tensor x = Tensor.randn(rng, DType.F64, 3);
      tensorMean.update(x);
      for (int i = 0; i < 3; i++) {
        scalar[i].update(x.getDouble(i));
      }
    }
    for (int i = 0; i < 3; i++) {
      assertEquals(scalar[i].value(), tensorMean.value().getDouble(i), 1e-14);
    }
    assertEquals(50, tensorMean.count());
    message(IllegalStateException.class, "IncrementalMean: no sample yet", () -> new IncrementalMean.OfTensor().value());
    message(IllegalArgumentException.class, "IncrementalMean: sample shape [2] does not match",
        () -> tensorMean.update(Tensor.zeros(DType.F64, 2)));
  }

  @Test
  void robbinsMonroTensorFollowsTheScalarRecursion() {
    GainSequence gain = GainSequence.robbinsMonro(0.8, 1, 0.75);
    RobbinsMonro scalar = new RobbinsMonro(2.0, gain);
    RobbinsMonro.OfTensor tensor = new RobbinsMonro.OfTensor(Tensor.full(2.0, DType.F64, 2), gain);
    Rng a = new Rng(9);
    Rng b = new Rng(9);
    for (int i = 0; i < 200; i++) {
      scalar.step(w -> w * w * w - 1 + a.nextGaussian()); // root at 1
      double noise = b.nextGaussian();
      tensor.step(w -> w.pow(3).sub(1).add(noise));
    }
    assertEquals(scalar.value(), tensor.value().getDouble(0), 1e-12);
    assertEquals(scalar.value(), tensor.value().getDouble(1), 1e-12);
    assertEquals(200, tensor.iteration());
    assertEquals(1.0, scalar.value(), 0.2);
  }

  @Test
  void noiseFreeSpsaAndKieferWolfowitzReachTheMinimum() {
    Tensor target = Tensor.of(new double[] {1, -2, 0.5, 3, -1, 2}, 2, 3);
    Tensor theta = Tensor.zeros(DType.F64, 2, 3);
    Supplier<Tensor> loss = () -> theta.sub(target).square().sum();
    SPSA spsa = new SPSA(List.of(theta), GainSequence.constant(0.05), GainSequence.constant(0.1), new Rng(1));
    for (int i = 0; i < 500; i++) {
      spsa.step(loss);
    }
    assertTrue(loss.get().item() < 1e-12, "SPSA residual " + loss.get().item());

    Tensor phi = Tensor.zeros(DType.F64, 2, 3);
    KieferWolfowitz kw = new KieferWolfowitz(List.of(phi), GainSequence.constant(0.25), GainSequence.constant(0.01));
    for (int i = 0; i < 100; i++) {
      kw.step(() -> phi.sub(target).square().sum());
    }
    assertArrayEquals(target.toDoubleArray(), phi.toDoubleArray(), 1e-9);
  }

  @Test
  void spsaEvaluatesAtThetaPlusAndMinusTheSameDirection() {
    Tensor theta = Tensor.of(new double[] {0.5, -0.5}, 2).requiresGrad(); // in-place under GradMode off
    List<double[]> seen = new ArrayList<>();
    SPSA spsa = new SPSA(List.of(theta), GainSequence.constant(0.1), GainSequence.constant(0.01), new Rng(3));
    double mean = spsa.step(() -> {
      seen.add(theta.toDoubleArray());
      return theta.sum();
    });
    assertEquals(2, seen.size());
    for (int i = 0; i < 2; i++) {
      double plus = seen.get(0)[i] - (i == 0 ? 0.5 : -0.5);
      double minus = seen.get(1)[i] - (i == 0 ? 0.5 : -0.5);
      assertEquals(0.01, Math.abs(plus), 1e-15);
      assertEquals(-plus, minus, 1e-15);
    }
    assertEquals(0.0, mean, 1e-15); // (y+ + y−)/2 = sum(θ)
    assertEquals(1, spsa.iteration());
  }

  @Test
  void spsaIsDeterministicForASeed() {
    double[] first = runSpsa(42);
    assertArrayEquals(first, runSpsa(42), 0.0);
    assertTrue(first[0] != runSpsa(43)[0]);
  }

  private static double[] runSpsa(long seed) {
    Tensor theta = Tensor.zeros(DType.F64, 3);
    Rng noise = new Rng(seed + 1000);
    SPSA spsa = SPSA.withSpallGains(List.of(theta), 0.1, 10, 0.2, new Rng(seed));
    for (int i = 0; i < 50; i++) {
      spsa.step(() -> theta.sub(1).square().sum().add(noise.nextGaussian()));
    }
    return theta.toDoubleArray();
  }

  @Test
  void validation() {
    Tensor theta = Tensor.zeros(DType.F64, 2);
    GainSequence g = GainSequence.harmonic();
    message(IllegalArgumentException.class, "GainSequence.robbinsMonro: alpha must be in (1/2, 1]",
        () -> GainSequence.robbinsMonro(1, 0, 0.5));
    message(IllegalArgumentException.class, "GainSequence.robbinsMonro: alpha must be in (1/2, 1]",
        () -> GainSequence.robbinsMonro(1, 0, 1.5));
    message(IllegalArgumentException.class, "GainSequence: a must be > 0", () -> GainSequence.power(0, 0, 1));
    message(IllegalArgumentException.class, "GainSequence: offset must be > -1", () -> GainSequence.power(1, -1, 1));
    message(IllegalArgumentException.class, "GainSequence: n starts at 1, got 0", () -> g.at(0));
    message(IllegalArgumentException.class, "SPSA: got an empty parameter list", () -> new SPSA(List.of(), g, g, new Rng(0)));
    message(IllegalArgumentException.class, "SPSA: parameter 0 must be floating point, got I64",
        () -> new SPSA(List.of(Tensor.zeros(DType.I64, 2)), g, g, new Rng(0)));
    message(IllegalArgumentException.class, "SPSA: stability constant A must be >= 0",
        () -> SPSA.withSpallGains(List.of(theta), 0.1, -1, 0.1, new Rng(0)));
    message(IllegalArgumentException.class, "SPSA: the loss must have one element, got shape [2]",
        () -> new SPSA(List.of(theta), g, g, new Rng(0)).step(() -> theta));
    message(IllegalArgumentException.class, "KieferWolfowitz: the loss is not finite",
        () -> new KieferWolfowitz(List.of(theta), g, g).step(() -> Tensor.scalar(Double.NaN)));
    message(IllegalArgumentException.class, "KieferWolfowitz: parameter 0 must be contiguous",
        () -> new KieferWolfowitz(List.of(Tensor.zeros(DType.F64, 2, 3).transpose(0, 1)), g, g));
    message(IllegalArgumentException.class, "RobbinsMonro: observation of shape [3] does not match w's shape [2]",
        () -> new RobbinsMonro.OfTensor(theta, g).update(Tensor.zeros(DType.F64, 3)));
    message(IllegalArgumentException.class, "RobbinsMonro: w0 must be finite",
        () -> new RobbinsMonro(Double.NaN, g));
  }

  private static void message(Class<? extends RuntimeException> type, String prefix, Executable call) {
    RuntimeException e = assertThrows(type, call);
    assertTrue(e.getMessage().startsWith(prefix),
        () -> "expected a message starting with \"" + prefix + "\", got \"" + e.getMessage() + "\"");
  }
}
