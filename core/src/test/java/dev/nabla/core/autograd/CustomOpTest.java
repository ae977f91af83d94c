package dev.nabla.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.Checks;
import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import org.junit.jupiter.api.Test;

/** The worked example of docs/custom-ops.md: a user-defined Smooth L1 op. */
class CustomOpTest {

  /**
   * Elementwise Smooth L1 between an input and a target of the same shape, with d = x − t:
   * y = d²/(2β) where |d| is below β, else |d| − β/2. Gradients: ∂y/∂x = clamp(d/β, −1, 1) and
   * ∂y/∂t = −∂y/∂x.
   */
  static class SmoothL1 extends Op {
    private final double beta;

    SmoothL1(double beta) {
      Checks.argument(beta > 0, "SmoothL1: beta must be > 0, got %s", beta);
      this.beta = beta;
    }

    @Override
    protected Tensor forward(Context ctx, Tensor... in) {
      Tensor x = in[0];
      Tensor t = in[1];
      Checks.shape(x.shape().equals(t.shape()),
          "SmoothL1: input and target must have the same shape, got %s and %s",
          x.shape(), t.shape());
      Tensor d = x.sub(t);                        // recording is off inside forward
      Tensor absD = d.abs();
      Tensor quadratic = d.square().mul(0.5 / beta);
      Tensor linear = absD.sub(0.5 * beta);
      ctx.save(d);                                // all backward needs
      return Tensor.where(absD.lt(beta), quadratic, linear);
    }

    @Override
    protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor slope = dy.mul(ctx.saved(0).div(beta).clamp(-1, 1));
      Tensor dx = ctx.needsInputGrad(0) ? slope : null;
      Tensor dt = ctx.needsInputGrad(1) ? slope.neg() : null;
      return new Tensor[] {dx, dt};
    }
  }

  static Tensor smoothL1(Tensor input, Tensor target, double beta) {
    return new SmoothL1(beta).apply(input, target);
  }

  @Test void forwardValues() {
    Tensor x = Tensor.of(new double[] {0, 0.5, 2, -3});
    Tensor t = Tensor.zeros(DType.F64, 4);
    assertArrayEquals(new double[] {0, 0.125, 1.5, 2.5},
        smoothL1(x, t, 1.0).toDoubleArray(), 1e-15);
    // beta scales the quadratic zone: |d| = 0.5 < 2 → 0.25 / 4
    assertArrayEquals(new double[] {0, 0.0625, 1.0, 2.0},
        smoothL1(x, t, 2.0).toDoubleArray(), 1e-15);
    // F32 in, F32 out
    Tensor y = smoothL1(Tensor.of(new float[] {0.5f, 2f}), Tensor.zeros(2), 1.0);
    assertEquals(DType.F32, y.dtype());
    assertArrayEquals(new float[] {0.125f, 1.5f}, y.toFloatArray());
  }

  @Test void backwardGivesTheClampedSlope() {
    Tensor x = Tensor.of(new double[] {0, 0.5, 2, -3}).requiresGrad();
    Tensor t = Tensor.zeros(DType.F64, 4);
    smoothL1(x, t, 1.0).sum().backward();
    assertArrayEquals(new double[] {0, 0.5, 1, -1}, x.grad().toDoubleArray(), 1e-15);
    assertNull(t.grad());
  }

  @Test void passesGradCheckInF64() {
    Rng rng = new Rng(3);
    Tensor x = Tensor.randn(rng, DType.F64, 3, 4).mul(2).requiresGrad();
    Tensor t = Tensor.randn(rng, DType.F64, 3, 4).requiresGrad();
    GradCheck.assertGradientsMatch(in -> smoothL1(in[0], in[1], 1.0), x, t);
    GradCheck.assertGradientsMatch(in -> smoothL1(in[0], in[1], 0.3).mean(), x, t);
    // composed with built-in ops, one differentiable input
    Tensor target = Tensor.randn(rng, DType.F64, 3, 4);
    GradCheck.assertGradientsMatch(v -> smoothL1(v.tanh().mul(3), target, 0.5).sum(), x);
  }

  @Test void needsInputGradIsFalseForATargetWithoutGrad() {
    boolean[] seen = new boolean[2];
    class Spy extends SmoothL1 {
      Spy() {
        super(1.0);
      }

      @Override
      protected Tensor[] backward(Context ctx, Tensor dy) {
        seen[0] = ctx.needsInputGrad(0);
        seen[1] = ctx.needsInputGrad(1);
        return super.backward(ctx, dy);
      }
    }
    Tensor x = Tensor.of(new double[] {1, -2}).requiresGrad();
    Tensor t = Tensor.of(new double[] {0, 0});
    new Spy().apply(x, t).sum().backward();
    assertTrue(seen[0]);
    assertFalse(seen[1]);
    assertNull(t.grad());
  }

  @Test void noGraphWithoutGradOrUnderDisabledGradMode() {
    Tensor x = Tensor.of(new double[] {1, -2}).requiresGrad();
    Tensor t = Tensor.of(new double[] {0, 0});
    assertTrue(smoothL1(x, t, 1.0).gradFn() != null);
    assertEquals("SmoothL1", smoothL1(x, t, 1.0).gradFn().name());
    assertNull(smoothL1(x.detach(), t, 1.0).gradFn());
    try (var off = GradMode.disabled()) {
      assertNull(smoothL1(x, t, 1.0).gradFn());
    }
  }

  @Test void badInputsFailWithTheOpName() {
    ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
        () -> smoothL1(Tensor.zeros(2, 3), Tensor.zeros(3), 1.0));
    assertEquals("SmoothL1: input and target must have the same shape, got [2, 3] and [3]",
        e.getMessage());
    IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
        () -> new SmoothL1(0));
    assertEquals("SmoothL1: beta must be > 0, got 0.0", b.getMessage());
  }
}
