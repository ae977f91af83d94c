package dev.nabla.core;

/** Special functions the JDK lacks, accurate to double precision. */
final class SpecialFunctions {
  private SpecialFunctions() {}

  private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
  private static final double ONE_OVER_SQRT_PI = 0.5641895835477563;

  /**
   * The error function. For |x| &lt; 3 the everywhere-positive series
   * erf(x) = (2/√π)·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)) (no cancellation); beyond, the
   * continued fraction for erfc evaluated with the modified Lentz method.
   */
  static double erf(double x) {
    if (Double.isNaN(x)) {
      return x;
    }
    double ax = Math.abs(x);
    double r;
    if (ax < 3.0) {
      double x2 = ax * ax;
      double term = ax;
      double sum = ax;
      for (int n = 1; n < 200; n++) {
        term *= 2.0 * x2 / (2 * n + 1);
        sum += term;
        if (term < 1e-17 * sum) {
          break;
        }
      }
      r = TWO_OVER_SQRT_PI * Math.exp(-x2) * sum;
    } else if (ax < 27.0) {
      r = 1.0 - erfcLarge(ax);
    } else {
      r = 1.0;
    }
    return x < 0 ? -r : r;
  }

  /** erfc(x) for x ≥ 3: e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))). */
  private static double erfcLarge(double x) {
    double tiny = 1e-300;
    double f = x;
    double c = x;
    double d = 0;
    for (int k = 1; k < 300; k++) {
      double a = k / 2.0;
      d = x + a * d;
      d = Math.abs(d) < tiny ? tiny : d;
      c = x + a / c;
      c = Math.abs(c) < tiny ? tiny : c;
      d = 1.0 / d;
      double delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1.0) < 1e-16) {
        break;
      }
    }
    return ONE_OVER_SQRT_PI * Math.exp(-x * x) / f;
  }
}
