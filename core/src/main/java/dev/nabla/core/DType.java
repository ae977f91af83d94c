package dev.nabla.core;

/**
 * Element types. F32 is the compute type; F64 exists so that {@link dev.nabla.core.autograd.GradCheck}
 * can be exact; I32 and I64 carry indices, token ids and labels; BOOL carries masks.
 */
public enum DType {
  F32(4, true, false),
  F64(8, true, false),
  I32(4, false, true),
  I64(8, false, true),
  BOOL(1, false, false);

  private final int byteSize;
  private final boolean floating;
  private final boolean integral;

  DType(int byteSize, boolean floating, boolean integral) {
    this.byteSize = byteSize;
    this.floating = floating;
    this.integral = integral;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** True for F32 and F64: the types that can carry gradients. */
  public boolean isFloatingPoint() {
    return floating;
  }

  /** True for I32 and I64. */
  public boolean isIntegral() {
    return integral;
  }

  /**
   * The result type of a binary op, as PyTorch promotes: bool &lt; integers &lt; floats, and the
   * wider type within a category.
   */
  public static DType promote(DType a, DType b) {
    if (a == b) {
      return a;
    }
    if (a.floating || b.floating) {
      if (a == F64 || b == F64) {
        return F64;
      }
      return F32;
    }
    if (a.integral || b.integral) {
      if (a == I64 || b == I64) {
        return I64;
      }
      return I32;
    }
    return BOOL;
  }
}
