package dev.nabla.nn.init;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.nn.init.Init.FanMode;
import dev.nabla.nn.init.Init.Nonlinearity;
import org.junit.jupiter.api.Test;

/**
 * Statistical checks on large tensors: with n samples the sample mean has standard error
 * σ/√n, so tolerances are a few of those; bounds are exact.
 */
class InitTest {
  private static final int N = 200_000;

  private static double mean(double[] v) {
    double s = 0;
    for (double x : v) {
      s += x;
    }
    return s / v.length;
  }

  private static double std(double[] v) {
    double m = mean(v);
    double s = 0;
    for (double x : v) {
      s += (x - m) * (x - m);
    }
    return Math.sqrt(s / (v.length - 1));
  }

  private static double min(double[] v) {
    double m = Double.POSITIVE_INFINITY;
    for (double x : v) {
      m = Math.min(m, x);
    }
    return m;
  }

  private static double max(double[] v) {
    double m = Double.NEGATIVE_INFINITY;
    for (double x : v) {
      m = Math.max(m, x);
    }
    return m;
  }

  /** Mean within 5 standard errors, std within 1%, for N samples. */
  private static void assertMoments(double[] v, double mean, double std) {
    assertEquals(mean, mean(v), 5 * std / Math.sqrt(v.length), "mean");
    assertEquals(std, std(v), 0.01 * std, "std");
  }

  // ------------------------------------------------------------------ gains and fans

  @Test void gainsAreTorchs() {
    assertEquals(1.0, Init.calculateGain(Nonlinearity.LINEAR));
    assertEquals(1.0, Init.calculateGain(Nonlinearity.CONV2D));
    assertEquals(1.0, Init.calculateGain(Nonlinearity.SIGMOID));
    assertEquals(5.0 / 3, Init.calculateGain(Nonlinearity.TANH), 1e-15);
    assertEquals(Math.sqrt(2), Init.calculateGain(Nonlinearity.RELU), 1e-15);
    assertEquals(0.75, Init.calculateGain(Nonlinearity.SELU));
    // torch.nn.init.calculate_gain('leaky_relu') = 1.4141428569978354
    assertEquals(1.4141428569978354, Init.calculateGain(Nonlinearity.LEAKY_RELU), 1e-15);
    assertEquals(Math.sqrt(2.0 / 6), Init.calculateGain(Nonlinearity.LEAKY_RELU, Math.sqrt(5)),
        1e-15);
    assertEquals(Math.sqrt(2), Init.calculateGain(Nonlinearity.LEAKY_RELU, 0), 1e-15);
  }

  @Test void fansOfLinearAndConvWeights() {
    assertEquals(new Init.Fans(64, 10), Init.fans(10, 64));
    assertEquals(new Init.Fans(8 * 9, 16 * 9), Init.fans(16, 8, 3, 3));
    assertEquals(new Init.Fans(3 * 5, 4 * 5), Init.fans(Tensor.zeros(4, 3, 5)));
    var e = assertThrows(IllegalArgumentException.class, () -> Init.fans(5));
    assertTrue(e.getMessage().contains("fewer than 2 dimensions"), e.getMessage());
  }

  // ------------------------------------------------------------------ plain distributions

  @Test void uniformMomentsAndBounds() {
    double[] v = Init.uniform(new Rng(1), Tensor.zeros(N), -2, 3).toDoubleArray();
    assertTrue(min(v) >= -2 && max(v) <= 3);
    assertMoments(v, 0.5, 5 / Math.sqrt(12));
  }

  @Test void normalMoments() {
    double[] v = Init.normal(new Rng(2), Tensor.zeros(DType.F64, N), 1.5, 0.25).toDoubleArray();
    assertMoments(v, 1.5, 0.25);
  }

  @Test void normalWithUnitStdIsRandn() {
    Tensor a = Init.normal(new Rng(3), Tensor.zeros(5, 7));
    Tensor b = Tensor.randn(new Rng(3), 5, 7);
    assertArrayEquals(b.toFloatArray(), a.toFloatArray());
  }

  @Test void constants() {
    assertArrayEquals(new float[] {2.5f, 2.5f}, Init.constant(Tensor.zeros(2), 2.5).toFloatArray());
    assertArrayEquals(new float[] {1, 1, 1}, Init.ones(Tensor.zeros(3)).toFloatArray());
    assertArrayEquals(new double[] {0, 0}, Init.zeros(Tensor.ones(DType.F64, 2)).toDoubleArray());
  }

  // ------------------------------------------------------------------ Xavier and Kaiming

  @Test void xavier() {
    Tensor w = Tensor.zeros(400, 500);
    double a = Math.sqrt(6.0 / 900);
    double[] v = Init.xavierUniform(new Rng(4), w, 2.0).toDoubleArray();
    assertTrue(max(Math.abs(min(v)), max(v)) <= 2 * a);
    assertMoments(v, 0, 2 * a / Math.sqrt(3));
    double[] n = Init.xavierNormal(new Rng(5), 400, 500).toDoubleArray();
    assertMoments(n, 0, Math.sqrt(2.0 / 900));
  }

  private static double max(double a, double b) {
    return Math.max(a, b);
  }

  @Test void kaimingDefaultsAreTorchs() {
    // a = 0, fan in, leaky ReLU: bound √2·√(3/fanIn) = √(6/fanIn)
    double[] v = Init.kaimingUniform(new Rng(6), 500, 400).toDoubleArray();
    double bound = Math.sqrt(6.0 / 400);
    assertTrue(max(-min(v), max(v)) <= bound);
    assertTrue(max(-min(v), max(v)) > 0.99 * bound);
    assertMoments(v, 0, Math.sqrt(2.0 / 400));
    double[] n = Init.kaimingNormal(new Rng(7), 500, 400).toDoubleArray();
    assertMoments(n, 0, Math.sqrt(2.0 / 400));
  }

  @Test void kaimingOfNnLinearIsOneOverSqrtFanIn() {
    double[] v = Init.kaimingUniform(new Rng(8), Tensor.zeros(400, 256), Math.sqrt(5),
        FanMode.FAN_IN, Nonlinearity.LEAKY_RELU).toDoubleArray();
    assertTrue(max(-min(v), max(v)) <= 1 / 16.0);
    assertMoments(v, 0, 1 / 16.0 / Math.sqrt(3));
  }

  @Test void kaimingFanOutOfConvWeight() {
    // [out 32, in 16, 5, 5]: fan out = 32·25 = 800
    double[] v = Init.kaimingNormal(new Rng(9), Tensor.zeros(32, 16, 5, 5), 0, FanMode.FAN_OUT,
        Nonlinearity.RELU).toDoubleArray();
    assertMoments(v, 0, Math.sqrt(2.0 / 800));
  }

  // ------------------------------------------------------------------ orthogonal

  private static void assertIdentity(Tensor m, double tol) {
    int n = m.size(0);
    Tensor d = m.sub(Tensor.eye(n, n, m.dtype())).abs();
    assertTrue(d.max().item() < tol, "not orthogonal: max |MᵀM − I| = " + d.max().item());
  }

  @Test void orthogonalSquareTallAndWide() {
    Tensor sq = Init.orthogonal(new Rng(10), 32, 32);
    assertIdentity(sq.t().matmul(sq), 1e-5);
    assertIdentity(sq.matmul(sq.t()), 1e-5);
    Tensor tall = Init.orthogonal(new Rng(11), Tensor.zeros(DType.F64, 40, 12));
    assertIdentity(tall.t().matmul(tall), 1e-12); // orthonormal columns
    Tensor wide = Init.orthogonal(new Rng(12), Tensor.zeros(DType.F64, 12, 40));
    assertIdentity(wide.matmul(wide.t()), 1e-12); // orthonormal rows
  }

  @Test void orthogonalConvShapedAndGain() {
    Tensor w = Init.orthogonal(new Rng(13), Tensor.zeros(DType.F64, 6, 2, 3), 2.0);
    Tensor flat = w.reshape(6, 6).div(2.0);
    assertIdentity(flat.matmul(flat.t()), 1e-12);
    var e = assertThrows(IllegalArgumentException.class,
        () -> Init.orthogonal(new Rng(0), Tensor.zeros(5)));
    assertTrue(e.getMessage().contains("2 or more dimensions"), e.getMessage());
  }

  @Test void orthogonalIsSeeded() {
    assertArrayEquals(Init.orthogonal(new Rng(14), 8, 5).toFloatArray(),
        Init.orthogonal(new Rng(14), 8, 5).toFloatArray());
  }

  // ------------------------------------------------------------------ truncated normal

  private static double pdf(double x) {
    return Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
  }

  /** Mean and std of N(μ, σ²) truncated to [a, b]. */
  private static double[] truncatedMoments(double mu, double sigma, double a, double b) {
    double al = (a - mu) / sigma;
    double be = (b - mu) / sigma;
    double z = Init.normalCdf(be) - Init.normalCdf(al);
    double m = (pdf(al) - pdf(be)) / z;
    double v = 1 + (al * pdf(al) - be * pdf(be)) / z - m * m;
    return new double[] {mu + sigma * m, sigma * Math.sqrt(v)};
  }

  @Test void truncNormalDefaults() {
    double[] v = Init.truncNormal(new Rng(15), N).toDoubleArray();
    assertTrue(min(v) >= -2 && max(v) <= 2);
    double[] mom = truncatedMoments(0, 1, -2, 2);
    assertMoments(v, mom[0], mom[1]);
    assertTrue(min(v) < -1.99 && max(v) > 1.99, "the tails reach the bounds");
  }

  @Test void truncNormalShiftedAndAsymmetric() {
    double[] v = Init.truncNormal(new Rng(16), Tensor.zeros(DType.F64, N), 1, 0.02, 0.99, 1.1)
        .toDoubleArray();
    assertTrue(min(v) >= 0.99 && max(v) <= 1.1);
    double[] mom = truncatedMoments(1, 0.02, 0.99, 1.1);
    assertMoments(v, mom[0], mom[1]);
  }

  @Test void truncNormalFarTailsStayAccurate() {
    // [5σ, 6σ] and [−6σ, −5σ]: mass 2.9e-7, where naive rejection would never finish
    for (double sign : new double[] {1, -1}) {
      double a = sign > 0 ? 5 : -6;
      double b = sign > 0 ? 6 : -5;
      double[] v = Init.truncNormal(new Rng(17), Tensor.zeros(DType.F64, N), 0, 1, a, b)
          .toDoubleArray();
      assertTrue(min(v) >= a && max(v) <= b);
      double[] mom = truncatedMoments(0, 1, a, b);
      assertMoments(v, mom[0], mom[1]);
    }
  }

  @Test void normalCdfAndQuantile() {
    assertEquals(0.5, Init.normalCdf(0), 1e-16);
    assertEquals(0.9750021048517795, Init.normalCdf(1.96), 1e-15);
    assertEquals(2.866515718791946e-07, Init.normalCdf(-5), 1e-21);
    assertEquals(7.619853024160593e-24, Init.normalCdf(-10), 1e-36);
    for (double x : new double[] {-9, -5, -2.5, -1, -0.1, 0, 0.3, 1.7, 4}) {
      assertEquals(x, Init.normalQuantile(Init.normalCdf(x)), 1e-9 * Math.max(1, Math.abs(x)));
    }
  }

  // ------------------------------------------------------------------ contract

  @Test void fillsParametersInPlaceAndReturnsThem() {
    Tensor w = Tensor.zeros(4, 3).requiresGrad();
    assertSame(w, Init.kaimingUniform(new Rng(0), w)); // no "in-place on a leaf" error
    assertTrue(w.isRequiresGrad());
    assertTrue(w.abs().sum().item() > 0);
    assertEquals(null, w.gradFn());
  }

  @Test void sameSeedSameValues() {
    assertArrayEquals(Init.truncNormal(new Rng(5), 3, 4).toFloatArray(),
        Init.truncNormal(new Rng(5), 3, 4).toFloatArray());
    assertArrayEquals(Init.xavierUniform(new Rng(5), 3, 4).toFloatArray(),
        Init.xavierUniform(new Rng(5), 3, 4).toFloatArray());
  }

  @Test void badArguments() {
    assertThrows(UnsupportedOperationException.class,
        () -> Init.normal(new Rng(0), Tensor.zeros(DType.I64, 3)));
    assertThrows(IllegalArgumentException.class,
        () -> Init.uniform(new Rng(0), Tensor.zeros(3), 1, 0));
    assertThrows(IllegalArgumentException.class,
        () -> Init.truncNormal(new Rng(0), Tensor.zeros(3), 0, 1, 2, -2));
    assertThrows(IllegalArgumentException.class,
        () -> Init.normal(new Rng(0), Tensor.zeros(3), 0, -1));
  }

  @Test void emptyTensorsAreANoOp() {
    assertEquals(0, Init.orthogonal(new Rng(0), 0, 3).numel());
    assertEquals(0, Init.uniform(new Rng(0), Tensor.zeros(0, 4)).numel());
  }
}
