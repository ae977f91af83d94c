package dev.nabla.optim.sa;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Convergence rates of stochastic approximation, measured: each test runs independent seeded
 * replications, takes the root-mean-square error over them at n = 2<sup>k</sup>, fits the slope
 * of log RMS against log n by least squares and compares it with the theory. Everything is
 * seeded, so the numbers are the same on every run; the tolerances are sized so that another
 * seed would pass too.
 *
 * <p>How the tolerances were set: the fitted slopes were measured over 8 master seeds per test
 * (these settings, these windows). Their seed-to-seed standard deviation was ≈ 0.005 for the
 * mean and Robbins–Monro (400 replications), ≈ 0.014 for Kiefer–Wolfowitz (100) and ≈ 0.010
 * for SPSA (200; its ±1 directions add multiplicative noise); the exact second-moment
 * recursion of the quadratic problem puts the pre-asymptotic bias of the fitted windows at
 * ≤ 0.01 (gains a/(n + A) with small A), Robbins–Monro's start at w* + 3 at ≈ 0.007.
 * Tolerances: 0.03 (mean, RM) and 0.05 (KW, SPSA), each above bias + 3 standard deviations
 * (worst of the 8 seeds: 0.009, 0.014, 0.026, 0.016 off). Levels are checked against the
 * asymptotic constants too.
 */
class ConvergenceRateTest {

  /** One replication: the squared error after each checkpoint's number of steps. */
  private interface Replication {
    double[] run(Rng rng, int[] checkpoints);
  }

  /** RMS error at each checkpoint over {@code reps} replications with split streams of {@code seed}. */
  private static double[] rms(long seed, int reps, int[] checkpoints, Replication replication) {
    Rng master = new Rng(seed);
    double[] sum = new double[checkpoints.length];
    for (int r = 0; r < reps; r++) {
      double[] sq = replication.run(master.split(), checkpoints);
      for (int i = 0; i < sum.length; i++) {
        sum[i] += sq[i];
      }
    }
    double[] rms = new double[sum.length];
    for (int i = 0; i < sum.length; i++) {
      rms[i] = Math.sqrt(sum[i] / reps);
    }
    return rms;
  }

  /** Least-squares slope of log(rms) against log(n). */
  static double slope(int[] n, double[] rms) {
    double mx = 0;
    double my = 0;
    for (int i = 0; i < n.length; i++) {
      mx += Math.log(n[i]);
      my += Math.log(rms[i]);
    }
    mx /= n.length;
    my /= n.length;
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < n.length; i++) {
      double dx = Math.log(n[i]) - mx;
      sxy += dx * (Math.log(rms[i]) - my);
      sxx += dx * dx;
    }
    return sxy / sxx;
  }

  static int[] powersOfTwo(int fromExponent, int toExponent) {
    int[] n = new int[toExponent - fromExponent + 1];
    for (int k = fromExponent; k <= toExponent; k++) {
      n[k - fromExponent] = 1 << k;
    }
    return n;
  }

  private static void assertRate(String what, double theory, double tolerance, int[] n, double[] rms) {
    double fitted = slope(n, rms);
    assertEquals(theory, fitted, tolerance, () -> String.format(
        "%s: fitted log-log slope %.4f, theory %.4f; RMS error %s at n = %s", what, fitted, theory,
        java.util.Arrays.toString(rms), java.util.Arrays.toString(n)));
  }

  /**
   * The sample mean of N(3, 2²) by w ← w − (1/k)(w − x<sub>k</sub>): its error is exactly
   * σ/√n in RMS, slope −1/2.
   */
  @Test
  void incrementalMeanErrorShrinksLikeInverseSqrtN() {
    double mu = 3;
    double sigma = 2;
    int[] n = powersOfTwo(4, 14);
    double[] rms = rms(11, 400, n, (rng, checkpoints) -> {
      IncrementalMean mean = new IncrementalMean();
      double[] sq = new double[checkpoints.length];
      for (int k = 1, c = 0; c < checkpoints.length; k++) {
        mean.update(mu + sigma * rng.nextGaussian());
        if (k == checkpoints[c]) {
          sq[c++] = (mean.value() - mu) * (mean.value() - mu);
        }
      }
      return sq;
    });
    assertRate("IncrementalMean", -0.5, 0.03, n, rms);
    int last = n.length - 1;
    assertEquals(1.0, rms[last] / (sigma / Math.sqrt(n[last])), 0.15, "RMS error vs σ/√n");
  }

  /**
   * Root of g(w) = tanh(w − w*) + (w − w*)/2 (increasing, g'(w*) = 3/2) observed with N(0, 1)
   * noise, a<sub>n</sub> = 1/n from w* + 3. Since a·g'(w*) = 3/2 &gt; 1/2 the error is
   * asymptotically N(0, a²σ²/((2a·g' − 1)n)) = N(0, 1/(2n)): RMS slope −1/2.
   */
  @Test
  void robbinsMonroErrorShrinksLikeInverseSqrtN() {
    double root = 1.25;
    int[] n = powersOfTwo(4, 14);
    double[] rms = rms(12, 400, n, (rng, checkpoints) -> {
      RobbinsMonro rm = new RobbinsMonro(root + 3, GainSequence.robbinsMonro(1.0, 0.0, 1.0));
      double[] sq = new double[checkpoints.length];
      for (int k = 1, c = 0; c < checkpoints.length; k++) {
        rm.step(w -> Math.tanh(w - root) + 0.5 * (w - root) + rng.nextGaussian());
        if (k == checkpoints[c]) {
          sq[c++] = (rm.value() - root) * (rm.value() - root);
        }
      }
      return sq;
    });
    assertRate("RobbinsMonro", -0.5, 0.03, n, rms);
    int last = n.length - 1;
    assertEquals(1.0, rms[last] / Math.sqrt(1.0 / (2 * n[last])), 0.15, "RMS error vs 1/√(2n)");
  }

  // The noisy quadratic L(θ) = ½ Σ λ_i (θ_i − θ*_i)² + σ·N(0, 1), minimised from θ = 0.
  private static final double[] LAMBDA = {1.0, 1.5, 2.0, 3.0};
  private static final double[] OPTIMUM = {0.5, -1.0, 2.0, 0.25};
  private static final double NOISE = 1.0;
  private static final double A = 1.0;   // a_n = A/(n + offset): A·λ_min = 1
  private static final double C = 0.5;   // c_n = C/n^γ

  private static Tensor noisyQuadratic(Tensor theta, Rng noise) {
    double[] t = theta.toDoubleArray();
    double loss = 0;
    for (int i = 0; i < t.length; i++) {
      double e = t[i] - OPTIMUM[i];
      loss += 0.5 * LAMBDA[i] * e * e;
    }
    return Tensor.scalar(loss + NOISE * noise.nextGaussian(), DType.F64);
  }

  private static double squaredError(Tensor theta) {
    double[] t = theta.toDoubleArray();
    double s = 0;
    for (int i = 0; i < t.length; i++) {
      s += (t[i] - OPTIMUM[i]) * (t[i] - OPTIMUM[i]);
    }
    return s;
  }

  /**
   * Asymptotic RMS error of a finite-difference SA on the quadratic with a<sub>n</sub> ≈ A/n,
   * c<sub>n</sub> = C/n<sup>γ</sup>: the gradient noise per coordinate has variance
   * σ²/(2c<sub>n</sub>²) (two evaluations, difference over 2c<sub>n</sub>; for SPSA times
   * Δ<sub>i</sub>² = 1), so E e<sub>i</sub>² ≈ A²σ²/(2C²) / (2Aλ<sub>i</sub> − β) · n<sup>−β</sup>,
   * β = 1 − 2γ.
   */
  private static double predictedRms(double gamma, int n) {
    double beta = 1 - 2 * gamma;
    double sum = 0;
    for (double lambda : LAMBDA) {
      sum += A * A * NOISE * NOISE / (2 * C * C) / (2 * A * lambda - beta) * Math.pow(n, -beta);
    }
    return Math.sqrt(sum);
  }

  /**
   * SPSA with a<sub>n</sub> = 1/(n + 5), c<sub>n</sub> = 0.5/n<sup>1/6</sup> on the 4-d noisy
   * quadratic. Spall (1992): with α = 1, γ = 1/6 the error is O(n<sup>−β/2</sup>), β = α − 2γ =
   * 2/3 (the optimal rate when third derivatives bias the estimate; a quadratic has no bias, so
   * the noise term alone sets it), provided 2a·λ<sub>min</sub> &gt; β: RMS slope −1/3,
   * MSE n<sup>−2/3</sup>. Fitted on n = 2<sup>7</sup> … 2<sup>12</sup>.
   */
  @Test
  void spsaErrorShrinksLikeNToTheMinusOneThird() {
    double gamma = 1.0 / 6;
    int[] n = powersOfTwo(7, 12);
    double[] rms = rms(13, 200, n, (rng, checkpoints) -> {
      Rng noise = rng.split();
      Tensor theta = Tensor.zeros(DType.F64, 4);
      SPSA spsa = new SPSA(List.of(theta), GainSequence.power(A, 5, 1.0), GainSequence.power(C, 0, gamma), rng);
      double[] sq = new double[checkpoints.length];
      for (int k = 1, c = 0; c < checkpoints.length; k++) {
        spsa.step(() -> noisyQuadratic(theta, noise));
        if (k == checkpoints[c]) {
          sq[c++] = squaredError(theta);
        }
      }
      return sq;
    });
    assertRate("SPSA (alpha = 1, gamma = 1/6)", -1.0 / 3, 0.05, n, rms);
    int last = n.length - 1;
    assertEquals(1.0, rms[last] / predictedRms(gamma, n[last]), 0.25, "SPSA RMS error vs asymptotic constant");
  }

  /**
   * Kiefer–Wolfowitz with a<sub>n</sub> = 1/(n + 2), c<sub>n</sub> = 0.5/n<sup>1/4</sup> on the
   * same problem. Central differences have variance ∝ 1/c<sub>n</sub>² and (here) no bias, so the
   * MSE falls like a<sub>n</sub>/c<sub>n</sub>² = n<sup>−(1−2γ)</sup> = n<sup>−1/2</sup> when
   * 2a·λ<sub>min</sub> &gt; 1/2: RMS slope −1/4. (With third derivatives the squared bias
   * O(c<sub>n</sub>⁴) = O(n<sup>−1</sup>) would still be dominated.) Fitted on n = 2<sup>7</sup> … 2<sup>12</sup>.
   */
  @Test
  void kieferWolfowitzErrorShrinksLikeNToTheMinusOneQuarter() {
    double gamma = 0.25;
    int[] n = powersOfTwo(7, 12);
    double[] rms = rms(14, 100, n, (rng, checkpoints) -> {
      Tensor theta = Tensor.zeros(DType.F64, 4);
      KieferWolfowitz kw = new KieferWolfowitz(List.of(theta), GainSequence.power(A, 2, 1.0),
          GainSequence.power(C, 0, gamma));
      double[] sq = new double[checkpoints.length];
      for (int k = 1, c = 0; c < checkpoints.length; k++) {
        kw.step(() -> noisyQuadratic(theta, rng));
        if (k == checkpoints[c]) {
          sq[c++] = squaredError(theta);
        }
      }
      return sq;
    });
    assertRate("Kiefer-Wolfowitz (a/n, c/n^(1/4))", -0.25, 0.05, n, rms);
    int last = n.length - 1;
    assertEquals(1.0, rms[last] / predictedRms(gamma, n[last]), 0.25, "KW RMS error vs asymptotic constant");
  }
}
