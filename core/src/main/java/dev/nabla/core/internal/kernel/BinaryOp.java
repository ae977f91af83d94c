package dev.nabla.core.internal.kernel;

/** Elementwise binary operations with a kernel fast path. */
public enum BinaryOp {
  ADD, SUB, MUL, DIV, MAX, MIN;

  /** The reference value. MAX/MIN propagate NaN. */
  public float apply(float a, float b) {
    return switch (this) {
      case ADD -> a + b;
      case SUB -> a - b;
      case MUL -> a * b;
      case DIV -> a / b;
      case MAX -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.max(a, b);
      case MIN -> Float.isNaN(a) || Float.isNaN(b) ? Float.NaN : Math.min(a, b);
    };
  }
}
