package dev.nabla.core.internal.kernel;

/** Elementwise functions with a kernel fast path. {@link #apply} is the scalar specification. */
public enum UnaryOp {
  NEG, ABS, RELU, SQUARE, SQRT, RSQRT, RECIPROCAL, EXP, LOG, TANH, SIGMOID, SILU;

  /** The reference value, computed in double and rounded once. */
  public float apply(float v) {
    double x = v;
    return (float) switch (this) {
      case NEG -> -x;
      case ABS -> Math.abs(x);
      case RELU -> x > 0 || Double.isNaN(x) ? x : 0.0;
      case SQUARE -> x * x;
      case SQRT -> Math.sqrt(x);
      case RSQRT -> 1.0 / Math.sqrt(x);
      case RECIPROCAL -> 1.0 / x;
      case EXP -> Math.exp(x);
      case LOG -> Math.log(x);
      case TANH -> Math.tanh(x);
      case SIGMOID -> x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
      case SILU -> x * (x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x)));
    };
  }
}
