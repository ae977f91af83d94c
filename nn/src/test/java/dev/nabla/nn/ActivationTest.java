package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Activations, SwiGLU, Dropout, Identity and Flatten. */
class ActivationTest {

  private static Tensor x64(long seed, int... shape) {
    return Tensor.randn(new Rng(seed), DType.F64, shape).mul(2).requiresGrad();
  }

  @Test void activationGradientsInF64() {
    Layer[] layers = {new ReLU(), new LeakyReLU(0.2), new GELU(),
        new GELU(GELU.Approximation.TANH), new SiLU(), new Sigmoid(), new Tanh(),
        new Softmax(-1), new Softmax(0), new LogSoftmax(1), new Identity(), new Flatten()};
    long seed = 0;
    for (Layer layer : layers) {
      LinearTest.gradCheck(layer, x64(seed++, 3, 4, 2));
    }
  }

  @Test void activationValues() {
    Tensor x = Tensor.of(new float[] {-2, -0.5f, 0, 1.5f});
    assertArrayEquals(new float[] {0, 0, 0, 1.5f}, new ReLU().forward(x).toFloatArray());
    assertArrayEquals(new float[] {-0.02f, -0.005f, 0, 1.5f},
        new LeakyReLU().forward(x).toFloatArray(), 1e-7f);
    assertArrayEquals(new float[] {-0.6f, -0.15f, 0, 1.5f},
        new LeakyReLU(0.3).forward(x).toFloatArray(), 1e-7f);
    // torch: gelu(1.5) = 1.399789198, with approximate="tanh" 1.399571577
    float exact = new GELU().forward(x).toFloatArray()[3];
    float tanh = new GELU(GELU.Approximation.TANH).forward(x).toFloatArray()[3];
    assertEquals(1.399789198, exact, 1e-6);
    assertEquals(1.399571577, tanh, 1e-6);
    assertEquals(1.5 / (1 + Math.exp(-1.5)), new SiLU().forward(x).toFloatArray()[3], 1e-6);
    Tensor s = new Softmax(-1).forward(Tensor.randn(new Rng(0), 3, 5));
    assertArrayEquals(new float[] {1, 1, 1}, s.sum(-1, false).toFloatArray(), 1e-6f);
    Tensor l = new LogSoftmax(-1).forward(Tensor.randn(new Rng(0), 3, 5));
    assertArrayEquals(s.log().toFloatArray(), l.toFloatArray(), 1e-6f);
  }

  @Test void leakyReluSlopeAtZeroIsTorchs() {
    // torch: grad = slope where x <= 0
    Tensor x = Tensor.of(new double[] {0, -1, 1}).requiresGrad();
    new LeakyReLU(0.1).forward(x).sum().backward();
    assertArrayEquals(new double[] {0.1, 0.1, 1}, x.grad().toDoubleArray(), 1e-15);
  }

  @Test void printsLikePyTorch() {
    assertEquals("ReLU()", new ReLU().toString());
    assertEquals("LeakyReLU(negative_slope=0.01)", new LeakyReLU().toString());
    assertEquals("GELU(approximate='none')", new GELU().toString());
    assertEquals("Softmax(dim=-1)", new Softmax(-1).toString());
    assertEquals("LogSoftmax(dim=1)", new LogSoftmax(1).toString());
    assertEquals("Flatten(start_dim=1, end_dim=-1)", new Flatten().toString());
    assertEquals("Identity()", new Identity().toString());
  }

  @Test void softmaxDimOutOfRange() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new Softmax(2).forward(Tensor.zeros(3, 4)));
    assertEquals("Softmax(dim=2): dimension out of range for input of shape [3, 4]",
        e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new LogSoftmax(-3).forward(Tensor.zeros(3, 4)));
  }

  // ------------------------------------------------------------------ SwiGLU

  @Test void swiGluNamesShapesAndGradients() {
    SwiGLU mlp = new SwiGLU(6, 10, new Rng(0));
    assertEquals(List.of("gate_proj.weight", "up_proj.weight", "down_proj.weight"),
        List.copyOf(mlp.stateDict().keySet()));
    assertArrayEquals(new int[] {10, 6}, mlp.gateProj().weight().shape().toArray());
    assertArrayEquals(new int[] {6, 10}, mlp.downProj().weight().shape().toArray());
    Tensor x = Tensor.randn(new Rng(1), 2, 3, 6);
    Tensor expected = mlp.downProj().forward(
        mlp.gateProj().forward(x).silu().mul(mlp.upProj().forward(x)));
    assertArrayEquals(expected.toFloatArray(), mlp.forward(x).toFloatArray());
    assertTrue(mlp.toString().startsWith("SwiGLU(dim=6, hidden=10\n  (gate_proj): Linear("));
    LinearTest.gradCheck(new SwiGLU(3, 4, true, new Rng(2)), x64(3, 2, 3));
    var e = assertThrows(IllegalArgumentException.class, () -> mlp.forward(Tensor.zeros(2, 5)));
    assertEquals("SwiGLU(dim=6, hidden=10): expected last dimension 6, got shape [2, 5]",
        e.getMessage());
  }

  // ------------------------------------------------------------------ Dropout

  @Test void dropoutIsInvertedAndSeeded() {
    Tensor x = Tensor.ones(100_000);
    Dropout d = new Dropout(0.3, new Rng(0));
    float[] y = d.forward(x).toFloatArray();
    int zeros = 0;
    double sum = 0;
    for (float v : y) {
      assertTrue(v == 0 || Math.abs(v - 1 / 0.7) < 1e-6, "value " + v);
      zeros += v == 0 ? 1 : 0;
      sum += v;
    }
    // binomial: sd of the zero fraction √(0.3·0.7/n) ≈ 0.0014
    assertEquals(0.3, zeros / 1e5, 0.008);
    assertEquals(1.0, sum / 1e5, 0.012); // expectation preserved
    assertArrayEquals(new Dropout(0.3, new Rng(0)).forward(x).toFloatArray(), y);
  }

  @Test void dropoutGradientIsTheMask() {
    Tensor x = Tensor.randn(new Rng(1), 50).requiresGrad();
    Tensor y = new Dropout(0.5, new Rng(2)).forward(x);
    y.sum().backward();
    float[] g = x.grad().toFloatArray();
    float[] yv = y.toFloatArray();
    float[] xv = x.toFloatArray();
    for (int i = 0; i < g.length; i++) {
      assertEquals(yv[i] == 0 ? 0 : 2f, g[i], 1e-6f);
      assertEquals(g[i] * xv[i], yv[i], 1e-6f);
    }
  }

  @Test void dropoutGradientInF64() {
    // a fresh layer with the same seed per call: the same mask each time GradCheck evaluates
    GradCheck.assertGradientsMatch(t -> new Dropout(0.4, new Rng(7)).forward(t), x64(8, 4, 5));
  }

  @Test void dropoutModesAndEdgeProbabilities() {
    Tensor x = Tensor.randn(new Rng(3), 4, 5);
    Dropout d = new Dropout(0.5, new Rng(0));
    d.eval();
    assertSame(x, d.forward(x));
    assertSame(x, new Dropout(0, new Rng(0)).forward(x));
    assertArrayEquals(new float[20], new Dropout(1, new Rng(0)).forward(x).toFloatArray(), 0f);
    Tensor x64 = Tensor.randn(new Rng(3), DType.F64, 4);
    assertEquals(DType.F64, new Dropout(0.5, new Rng(0)).forward(x64).dtype());
    var e = assertThrows(IllegalArgumentException.class, () -> new Dropout(1.5, new Rng(0)));
    assertEquals("dropout probability has to be between 0 and 1, but got 1.5", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Dropout(-0.1, new Rng(0)));
    assertThrows(IllegalArgumentException.class, () -> new Dropout(Double.NaN, new Rng(0)));
  }

  // ------------------------------------------------------------------ Identity and Flatten

  @Test void identityAndFlatten() {
    Tensor x = Tensor.randn(new Rng(4), 2, 3, 4, 5);
    assertSame(x, new Identity().forward(x));
    assertArrayEquals(new int[] {2, 60}, new Flatten().forward(x).shape().toArray());
    assertArrayEquals(new int[] {2, 12, 5}, new Flatten(1, 2).forward(x).shape().toArray());
    assertArrayEquals(new int[] {120}, new Flatten(0, -1).forward(x).shape().toArray());
    var e = assertThrows(IllegalArgumentException.class,
        () -> new Flatten(2, 5).forward(x));
    assertTrue(e.getMessage().startsWith("Flatten(start_dim=2, end_dim=5)"), e.getMessage());
  }
}
