package dev.nabla.attention;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;

/** Mask checks shared by the attention layers, with the layer's name in the message. */
final class Masks {
  private Masks() {}

  /**
   * Brings a user mask ({@code [Tq, Tk]}, {@code [B, Tq, Tk]} or 4-D) to a form broadcastable to
   * {@code [B, heads, Tq, Tk]}; float masks are converted to {@code dtype}.
   */
  static Tensor normalize(String who, Tensor mask, int b, int heads, int tq, int tk,
      DType dtype) {
    Tensor m = switch (mask.dim()) {
      case 2, 4 -> mask;
      case 3 -> mask.unsqueeze(1);
      default -> null;
    };
    boolean ok = m != null;
    for (int i = 0; ok && i < m.dim(); i++) {
      int want = new int[] {b, heads, tq, tk}[4 - m.dim() + i];
      ok = m.size(i) == want || m.size(i) == 1;
    }
    if (!ok) {
      throw new IllegalArgumentException(who + ": mask of shape " + mask.shape()
          + " does not fit [Tq, Tk], [B, Tq, Tk] or [B, heads, Tq, Tk] = [" + b + ", " + heads
          + ", " + tq + ", " + tk + "]");
    }
    if (!m.dtype().isFloatingPoint() && m.dtype() != DType.BOOL) {
      throw new IllegalArgumentException(
          who + ": mask must be BOOL (true = may attend) or floating point, got " + m.dtype());
    }
    return m.dtype() == DType.BOOL || m.dtype() == dtype ? m : m.to(dtype);
  }
}
