package dev.nabla.nn.init;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.core.linalg.Linalg;
import java.util.function.DoubleSupplier;
import java.util.random.RandomGenerator;

/**
 * Weight initialisers with the formulas and defaults of {@code torch.nn.init}. Each one fills a
 * floating-point tensor in place (without recording a gradient, so parameters may be passed)
 * and returns it; the shape-only overloads return a new F32 tensor. Randomness comes only from
 * the generator passed in, so a seed fixes the result.
 *
 * <pre>{@code
 * Rng rng = new Rng(0);
 * Tensor w = Init.kaimingUniform(rng, Tensor.zeros(256, 784), Math.sqrt(5), FanMode.FAN_IN,
 *     Nonlinearity.LEAKY_RELU);                 // nn.Linear's default: U(±1/√784)
 * Tensor q = Init.orthogonal(rng, 64, 64);      // qᵀq = I
 * }</pre>
 *
 * <p>Fans follow PyTorch's {@code _calculate_fan_in_and_fan_out}: for a weight of shape
 * {@code [out, in, k1, k2, …]}, fan in = in·k1·k2·… and fan out = out·k1·k2·….
 */
public final class Init {
  private Init() {}

  /** Which fan scales a Kaiming initialiser: in preserves forward variance, out backward. */
  public enum FanMode { FAN_IN, FAN_OUT }

  /** The activation after a weight, for {@link #calculateGain}. Names as in PyTorch. */
  public enum Nonlinearity {
    LINEAR, CONV1D, CONV2D, CONV3D, CONV_TRANSPOSE1D, CONV_TRANSPOSE2D, CONV_TRANSPOSE3D,
    SIGMOID, TANH, RELU, LEAKY_RELU, SELU
  }

  /** Fan in and fan out of a weight shape. */
  public record Fans(int fanIn, int fanOut) {}

  // ================================================================== gains and fans

  /**
   * The recommended gain for an activation, as {@code torch.nn.init.calculate_gain}: 1 for
   * linear, convolutions and sigmoid; 5/3 for tanh; √2 for ReLU; √(2/(1+0.01²)) for leaky ReLU
   * with its default slope; 3/4 for SELU.
   */
  public static double calculateGain(Nonlinearity nonlinearity) {
    return calculateGain(nonlinearity, 0.01);
  }

  /**
   * The recommended gain; {@code param} is the negative slope of {@link Nonlinearity#LEAKY_RELU}
   * (√(2/(1+slope²))) and is ignored for the others.
   */
  public static double calculateGain(Nonlinearity nonlinearity, double param) {
    return switch (nonlinearity) {
      case LINEAR, CONV1D, CONV2D, CONV3D, CONV_TRANSPOSE1D, CONV_TRANSPOSE2D, CONV_TRANSPOSE3D,
          SIGMOID -> 1.0;
      case TANH -> 5.0 / 3.0;
      case RELU -> Math.sqrt(2.0);
      case LEAKY_RELU -> Math.sqrt(2.0 / (1.0 + param * param));
      case SELU -> 3.0 / 4.0;
    };
  }

  /** Fans of a weight of shape {@code [out, in, *kernel]} (at least 2-D). */
  public static Fans fans(int... shape) {
    if (shape.length < 2) {
      throw new IllegalArgumentException(
          "Init.fans: fan in and fan out can not be computed for a tensor with fewer than 2"
              + " dimensions, got shape " + java.util.Arrays.toString(shape));
    }
    long receptive = 1;
    for (int d = 2; d < shape.length; d++) {
      receptive *= shape[d];
    }
    return new Fans(Math.toIntExact(shape[1] * receptive), Math.toIntExact(shape[0] * receptive));
  }

  /** Fans of {@code t}'s shape. */
  public static Fans fans(Tensor t) {
    return fans(t.shape().toArray());
  }

  // ================================================================== plain distributions

  /** Fills {@code t} with U(low, high); returns it. */
  public static Tensor uniform(RandomGenerator rng, Tensor t, double low, double high) {
    if (!(low <= high)) {
      throw new IllegalArgumentException(
          "Init.uniform: expected low <= high, got low=" + low + ", high=" + high);
    }
    double width = high - low;
    return fill("uniform", t, () -> low + width * rng.nextDouble());
  }

  /** Fills {@code t} with U(0, 1); returns it. */
  public static Tensor uniform(RandomGenerator rng, Tensor t) {
    return uniform(rng, t, 0, 1);
  }

  /** Fills {@code t} with N(mean, std²); returns it. */
  public static Tensor normal(RandomGenerator rng, Tensor t, double mean, double std) {
    if (!(std >= 0)) {
      throw new IllegalArgumentException("Init.normal: expected std >= 0, got " + std);
    }
    requireFloat("normal", t);
    // The same Box–Muller stream as Tensor.randn, so normal(rng, t, 0, 1) equals randn(rng, …).
    double[] z = Tensor.randn(rng, DType.F64, t.numel()).toDoubleArray();
    for (int i = 0; i < z.length; i++) {
      z[i] = mean + std * z[i];
    }
    return copyInto(t, z);
  }

  /** Fills {@code t} with N(0, 1); returns it. */
  public static Tensor normal(RandomGenerator rng, Tensor t) {
    return normal(rng, t, 0, 1);
  }

  /** Fills {@code t} with {@code value}; returns it. */
  public static Tensor constant(Tensor t, double value) {
    requireFloat("constant", t);
    try (var off = GradMode.disabled()) {
      return t.fill(value);
    }
  }

  /** Fills {@code t} with zeros; returns it. */
  public static Tensor zeros(Tensor t) {
    return constant(t, 0);
  }

  /** Fills {@code t} with ones; returns it. */
  public static Tensor ones(Tensor t) {
    return constant(t, 1);
  }

  // ================================================================== Xavier / Glorot

  /**
   * Xavier/Glorot uniform: U(±a) with a = gain·√(6/(fan in + fan out)). Glorot &amp; Bengio,
   * "Understanding the difficulty of training deep feedforward neural networks" (2010).
   */
  public static Tensor xavierUniform(RandomGenerator rng, Tensor t, double gain) {
    Fans f = fans(t);
    double a = gain * Math.sqrt(6.0 / (f.fanIn() + f.fanOut()));
    return uniform(rng, t, -a, a);
  }

  /** Xavier uniform with gain 1. */
  public static Tensor xavierUniform(RandomGenerator rng, Tensor t) {
    return xavierUniform(rng, t, 1.0);
  }

  /** A new F32 tensor of {@code shape}, Xavier uniform with gain 1. */
  public static Tensor xavierUniform(RandomGenerator rng, int... shape) {
    return xavierUniform(rng, Tensor.zeros(shape));
  }

  /** Xavier/Glorot normal: N(0, std²) with std = gain·√(2/(fan in + fan out)). */
  public static Tensor xavierNormal(RandomGenerator rng, Tensor t, double gain) {
    Fans f = fans(t);
    return normal(rng, t, 0, gain * Math.sqrt(2.0 / (f.fanIn() + f.fanOut())));
  }

  /** Xavier normal with gain 1. */
  public static Tensor xavierNormal(RandomGenerator rng, Tensor t) {
    return xavierNormal(rng, t, 1.0);
  }

  /** A new F32 tensor of {@code shape}, Xavier normal with gain 1. */
  public static Tensor xavierNormal(RandomGenerator rng, int... shape) {
    return xavierNormal(rng, Tensor.zeros(shape));
  }

  // ================================================================== Kaiming / He

  /**
   * Kaiming/He uniform: U(±bound) with bound = gain·√(3/fan), gain =
   * {@code calculateGain(nonlinearity, a)}. He et al., "Delving Deep into Rectifiers" (2015).
   * {@code a} is the negative slope of the leaky ReLU that follows (PyTorch's nn.Linear uses
   * a = √5 with LEAKY_RELU, giving U(±1/√fan in)).
   */
  public static Tensor kaimingUniform(RandomGenerator rng, Tensor t, double a, FanMode mode,
      Nonlinearity nonlinearity) {
    double std = kaimingStd(t, a, mode, nonlinearity);
    double bound = Math.sqrt(3.0) * std;
    return uniform(rng, t, -bound, bound);
  }

  /** Kaiming uniform with PyTorch's defaults: a = 0, fan in, leaky ReLU (gain √2). */
  public static Tensor kaimingUniform(RandomGenerator rng, Tensor t) {
    return kaimingUniform(rng, t, 0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU);
  }

  /** A new F32 tensor of {@code shape}, Kaiming uniform with PyTorch's defaults. */
  public static Tensor kaimingUniform(RandomGenerator rng, int... shape) {
    return kaimingUniform(rng, Tensor.zeros(shape));
  }

  /** Kaiming/He normal: N(0, std²) with std = gain/√fan. */
  public static Tensor kaimingNormal(RandomGenerator rng, Tensor t, double a, FanMode mode,
      Nonlinearity nonlinearity) {
    return normal(rng, t, 0, kaimingStd(t, a, mode, nonlinearity));
  }

  /** Kaiming normal with PyTorch's defaults: a = 0, fan in, leaky ReLU (gain √2). */
  public static Tensor kaimingNormal(RandomGenerator rng, Tensor t) {
    return kaimingNormal(rng, t, 0, FanMode.FAN_IN, Nonlinearity.LEAKY_RELU);
  }

  /** A new F32 tensor of {@code shape}, Kaiming normal with PyTorch's defaults. */
  public static Tensor kaimingNormal(RandomGenerator rng, int... shape) {
    return kaimingNormal(rng, Tensor.zeros(shape));
  }

  private static double kaimingStd(Tensor t, double a, FanMode mode, Nonlinearity nonlinearity) {
    Fans f = fans(t);
    int fan = mode == FanMode.FAN_IN ? f.fanIn() : f.fanOut();
    return calculateGain(nonlinearity, a) / Math.sqrt(fan);
  }

  // ================================================================== orthogonal

  /**
   * A (semi-)orthogonal matrix times {@code gain}, as {@code torch.nn.init.orthogonal_}: the
   * tensor is viewed as rows = size(0) by cols = numel/rows; the Q factor of the QR
   * decomposition of a standard normal matrix (transposed when rows &lt; cols), with the signs
   * fixed so that diag(R) ≥ 0, has orthonormal columns (or rows). Saxe et al., "Exact solutions
   * to the nonlinear dynamics of learning in deep linear neural networks" (2013).
   */
  public static Tensor orthogonal(RandomGenerator rng, Tensor t, double gain) {
    requireFloat("orthogonal", t);
    if (t.dim() < 2) {
      throw new IllegalArgumentException(
          "Init.orthogonal: only tensors with 2 or more dimensions are supported, got shape "
              + t.shape());
    }
    if (t.numel() == 0) {
      return t;
    }
    int rows = t.size(0);
    int cols = t.numel() / rows;
    Tensor flat = Tensor.randn(rng, DType.F64, rows, cols);
    if (rows < cols) {
      flat = flat.t();
    }
    Tensor q = Linalg.qr(flat).q(); // diag(R) ≥ 0 already: no sign correction left to do
    if (rows < cols) {
      q = q.t();
    }
    double[] v = q.toDoubleArray();
    for (int i = 0; i < v.length; i++) {
      v[i] *= gain;
    }
    return copyInto(t, v);
  }

  /** Orthogonal with gain 1. */
  public static Tensor orthogonal(RandomGenerator rng, Tensor t) {
    return orthogonal(rng, t, 1.0);
  }

  /** A new F32 tensor of {@code shape}, orthogonal with gain 1. */
  public static Tensor orthogonal(RandomGenerator rng, int... shape) {
    return orthogonal(rng, Tensor.zeros(shape));
  }

  // ================================================================== truncated normal

  /**
   * N(mean, std²) restricted to [a, b] ({@code a} and {@code b} are absolute bounds, as in
   * {@code torch.nn.init.trunc_normal_}). Sampled by the inverse CDF: u uniform between Φ(α)
   * and Φ(β) for the standardised bounds, z = Φ⁻¹(u). The tail nearer the interval is used so
   * that bounds far out (a = 5σ, say) keep full precision.
   */
  public static Tensor truncNormal(RandomGenerator rng, Tensor t, double mean, double std,
      double a, double b) {
    if (!(std > 0) || !(a < b)) {
      throw new IllegalArgumentException(
          "Init.truncNormal: expected std > 0 and a < b, got std=" + std + ", a=" + a + ", b=" + b);
    }
    double alpha = (a - mean) / std;
    double beta = (b - mean) / std;
    // Work where Φ is small (the lower tail) when the whole interval lies above the mean.
    boolean flip = alpha > 0;
    double lo = flip ? -beta : alpha;
    double hi = flip ? -alpha : beta;
    double pLo = normalCdf(lo);
    double pHi = normalCdf(hi);
    double width = pHi - pLo;
    return fill("truncNormal", t, () -> {
      double p = pLo + width * rng.nextDouble();
      double z = normalQuantile(p);
      z = Math.min(hi, Math.max(lo, z)); // rounding may step just outside
      double x = mean + std * (flip ? -z : z);
      return Math.min(b, Math.max(a, x));
    });
  }

  /** Truncated normal with PyTorch's defaults: mean 0, std 1, bounds [−2, 2]. */
  public static Tensor truncNormal(RandomGenerator rng, Tensor t) {
    return truncNormal(rng, t, 0, 1, -2, 2);
  }

  /** A new F32 tensor of {@code shape}, truncated normal with PyTorch's defaults. */
  public static Tensor truncNormal(RandomGenerator rng, int... shape) {
    return truncNormal(rng, Tensor.zeros(shape));
  }

  // ================================================================== helpers

  private static void requireFloat(String op, Tensor t) {
    if (!t.dtype().isFloatingPoint()) {
      throw new UnsupportedOperationException(
          "Init." + op + ": expected a floating-point tensor, got " + t.dtype() + " of shape "
              + t.shape());
    }
  }

  private static Tensor fill(String op, Tensor t, DoubleSupplier sample) {
    requireFloat(op, t);
    double[] v = new double[t.numel()];
    for (int i = 0; i < v.length; i++) {
      v[i] = sample.getAsDouble();
    }
    return copyInto(t, v);
  }

  /** Writes {@code values} (row-major) into {@code t} without recording a gradient. */
  private static Tensor copyInto(Tensor t, double[] values) {
    try (var off = GradMode.disabled()) {
      t.copyFrom(Tensor.wrap(values).reshape(t.shape().toArray()));
    }
    return t;
  }

  /** Φ(x), the standard normal CDF, with full relative precision in the lower tail. */
  static double normalCdf(double x) {
    return 0.5 * erfc(-x / Math.sqrt(2.0));
  }

  /**
   * erfc(z): for |z| &lt; 2, 1 − erf(z) with erf from the everywhere-positive series
   * (2/√π)·e^(−z²)·Σ 2ⁿz^(2n+1)/(1·3·…·(2n+1)); for z ≥ 2, the continued fraction
   * e^(−z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + …)))), evaluated by modified Lentz.
   */
  static double erfc(double z) {
    if (Double.isNaN(z)) {
      return z;
    }
    if (z < -2) {
      return 2 - erfc(-z);
    }
    if (z < 2) {
      double az = Math.abs(z);
      double z2 = az * az;
      double term = az;
      double sum = az;
      for (int n = 1; n < 100 && term > 1e-17 * sum; n++) {
        term *= 2.0 * z2 / (2 * n + 1);
        sum += term;
      }
      double erf = 2.0 / Math.sqrt(Math.PI) * Math.exp(-z2) * sum;
      return z < 0 ? 1 + erf : 1 - erf;
    }
    if (z > 27) {
      return 0;
    }
    // K = 1/(z + a1/(z + a2/(z + …))) with a_n = n/2, by modified Lentz
    double tiny = 1e-300;
    double f = z;
    double c = z;
    double d = 0;
    for (int n = 1; n < 500; n++) {
      double an = n / 2.0;
      d = z + an * d;
      d = Math.abs(d) < tiny ? tiny : d;
      c = z + an / c;
      c = Math.abs(c) < tiny ? tiny : c;
      d = 1 / d;
      double delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) {
        break;
      }
    }
    return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
  }

  /**
   * Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error below 1.2e-9),
   * refined by one Halley step on the accurate {@link #normalCdf}.
   */
  static double normalQuantile(double p) {
    if (p <= 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (p >= 1) {
      return Double.POSITIVE_INFINITY;
    }
    double x;
    double pLow = 0.02425;
    if (p < pLow) {
      double q = Math.sqrt(-2 * Math.log(p));
      x = tail(q);
    } else if (p > 1 - pLow) {
      double q = Math.sqrt(-2 * Math.log1p(-p));
      x = -tail(q);
    } else {
      double q = p - 0.5;
      double r = q * q;
      x = (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02)
          * r + 1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00)
          * q / (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r
          - 1.556989798598866e+02) * r + 6.680131188771972e+01) * r - 1.328068155288572e+01) * r
          + 1);
    }
    if (Double.isFinite(x)) {
      double e = normalCdf(x) - p;
      double u = e * Math.sqrt(2 * Math.PI) * Math.exp(x * x / 2);
      x = x - u / (1 + x * u / 2);
    }
    return x;
  }

  private static double tail(double q) {
    return (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00)
        * q - 2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00)
        / ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q
        + 3.754408661907416e+00) * q + 1);
  }
}
