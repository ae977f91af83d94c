package dev.nabla.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

class GradClipTest {

  static Tensor withGrad(float... grad) {
    Tensor p = Tensor.zeros(grad.length).requiresGrad();
    p.setGrad(Tensor.of(grad));
    return p;
  }

  @Test
  void clipsToMaxNorm() {
    Tensor a = withGrad(3, 0);
    Tensor b = withGrad(0, 4);
    Tensor none = Tensor.zeros(2).requiresGrad();
    double total = GradClip.clipGradNorm(List.of(a, none, b), 1.0);
    assertEquals(5.0, total, 0);
    double c = 1.0 / (5.0 + 1e-6);
    assertArrayEquals(new float[] {(float) (3 * c), 0}, a.grad().toFloatArray());
    assertArrayEquals(new float[] {0, (float) (4 * c)}, b.grad().toFloatArray());
    assertNull(none.grad());
  }

  @Test
  void leavesSmallGradientsAlone() {
    Tensor a = withGrad(0.3f, -0.4f);
    assertEquals(0.7, GradClip.clipGradNorm(List.of(a), 1.0, 1.0), 1e-7);
    assertArrayEquals(new float[] {0.3f, -0.4f}, a.grad().toFloatArray());
  }

  @Test
  void normTypes() {
    assertEquals(4.0, GradClip.clipGradNorm(List.of(withGrad(1, -4, 2)), 100,
        Double.POSITIVE_INFINITY));
    assertEquals(7.0, GradClip.clipGradNorm(List.of(withGrad(1, -4, 2)), 100, 1));
    assertEquals(Math.pow(1 + 64 + 8, 1 / 3.0),
        GradClip.clipGradNorm(List.of(withGrad(1, -4, 2)), 100, 3), 1e-12);
    // large p does not overflow: ‖x‖_p → max|x|
    assertEquals(4.0, GradClip.clipGradNorm(List.of(withGrad(1, -4, 2)), 100, 1000), 1e-2);
    assertEquals(0.0, GradClip.clipGradNorm(List.of(withGrad(0, 0)), 1, 3));
  }

  @Test
  void noGradientsGiveZero() {
    assertEquals(0.0, GradClip.clipGradNorm(List.of(Tensor.zeros(3).requiresGrad()), 1.0));
    assertEquals(0.0, GradClip.clipGradNorm(List.<Tensor>of(), 1.0));
  }

  @Test
  void nonFiniteNormsFollowPyTorchByDefault() {
    Tensor a = withGrad(1, Float.NaN);
    Tensor b = withGrad(2, 3);
    assertTrue(Double.isNaN(GradClip.clipGradNorm(List.of(a, b), 1.0)));
    for (float v : b.grad().toFloatArray()) {
      assertTrue(Float.isNaN(v));       // scaled by NaN, as torch 1.13
    }
    Tensor c = withGrad(1, Float.POSITIVE_INFINITY);
    assertEquals(Double.POSITIVE_INFINITY, GradClip.clipGradNorm(List.of(c), 1.0));
    float[] g = c.grad().toFloatArray();
    assertEquals(0f, g[0]);             // × 0
    assertTrue(Float.isNaN(g[1]));      // ∞ × 0
  }

  @Test
  void errorIfNonfinite() {
    Tensor a = withGrad(1, Float.POSITIVE_INFINITY);
    var e = assertThrows(IllegalStateException.class,
        () -> GradClip.clipGradNorm(List.of(a), 1.0, 2.0, true));
    assertTrue(e.getMessage().contains("non-finite (Infinity)"), e.getMessage());
    assertArrayEquals(new float[] {1, Float.POSITIVE_INFINITY}, a.grad().toFloatArray());
    Tensor b = withGrad(1, Float.NaN);
    assertThrows(IllegalStateException.class,
        () -> GradClip.clipGradNorm(List.of(b), 1.0, Double.POSITIVE_INFINITY, true));
    assertEquals(5.0, GradClip.clipGradNorm(List.of(withGrad(3, 4)), 10, 2, true), 0);
  }

  @Test
  void f64AndStridedGradients() {
    Tensor p = Tensor.zeros(DType.F64, 2, 2).requiresGrad();
    p.setGrad(Tensor.of(new double[] {3, 0, 0, 4}, 2, 2).transpose(0, 1));
    assertEquals(5.0, GradClip.clipGradNorm(List.of(p), 2.5));
    assertArrayEquals(new double[] {1.5, 0, 0, 2}, p.grad().toDoubleArray(), 1e-6);
    GradClip.clipGradValue(List.of(p), 1.0);
    assertArrayEquals(new double[] {1, 0, 0, 1}, p.grad().toDoubleArray(), 1e-6);
  }

  @Test
  void clipGradValue() {
    Tensor a = withGrad(-3, 0.5f, 2, Float.NaN);
    Tensor none = Tensor.zeros(1).requiresGrad();
    GradClip.clipGradValue(List.of(a, none), 1.0);
    assertArrayEquals(new float[] {-1, 0.5f, 1, Float.NaN}, a.grad().toFloatArray());
    assertNull(none.grad());
  }

  @Test
  void invalidArguments() {
    List<Tensor> ps = List.of(withGrad(1));
    var e = assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(ps, -1));
    assertTrue(e.getMessage().contains("maxNorm must be >= 0, got -1.0"));
    e = assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(ps, 1, 0));
    assertTrue(e.getMessage().contains("normType must be a positive number"));
    assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradNorm(ps, 1, Double.NaN));
    e = assertThrows(IllegalArgumentException.class, () -> GradClip.clipGradValue(ps, -0.5));
    assertTrue(e.getMessage().contains("clipValue must be >= 0, got -0.5"));
  }
}
