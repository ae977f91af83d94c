package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.core.internal.kernel.Parallel;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * LayerNorm and RMSNorm: the fused ops against the composite formulas built from tensor ops
 * (forward and every gradient, F32), GradCheck of the F64 path, shapes and errors.
 */
class NormTest {

  private static void assign(Tensor p, Tensor value) {
    try (var off = GradMode.disabled()) {
      p.copyFrom(value);
    }
  }

  private static Tensor randomized(Tensor p, long seed) {
    return Tensor.randn(new Rng(seed), p.shape().toArray()).mul(0.5).add(1.0);
  }

  /** max |a − b| ≤ tol·(1 + max|b|). */
  private static void assertClose(Tensor expected, Tensor actual, double tol, String what) {
    assertArrayEquals(expected.shape().toArray(), actual.shape().toArray(), what + " shape");
    double[] e = expected.toDoubleArray();
    double[] a = actual.toDoubleArray();
    double scale = 0;
    double diff = 0;
    for (int i = 0; i < e.length; i++) {
      scale = Math.max(scale, Math.abs(e[i]));
      diff = Math.max(diff, Math.abs(e[i] - a[i]));
    }
    assertTrue(diff <= tol * (1 + scale), what + ": max |diff| " + diff + " (scale " + scale + ")");
  }

  /** Runs f on x (and the layer's parameters), returns output and all gradients. */
  private static Tensor[] forwardBackward(Layer layer, UnaryOperator<Tensor> f, Tensor x,
      Tensor upstream) {
    layer.zeroGrad();
    Tensor xi = x.detach().copy().requiresGrad();
    Tensor y = f.apply(xi);
    y.backward(upstream);
    List<Parameter> ps = layer.parameters();
    Tensor[] out = new Tensor[2 + ps.size()];
    out[0] = y;
    out[1] = xi.grad();
    for (int i = 0; i < ps.size(); i++) {
      out[2 + i] = ps.get(i).grad();
    }
    return out;
  }

  private static Tensor compositeLayerNorm(LayerNorm ln, Tensor x) {
    int[] ns = ln.normalizedShape();
    int[] dims = new int[ns.length];
    for (int i = 0; i < ns.length; i++) {
      dims[i] = x.dim() - ns.length + i;
    }
    Tensor centered = x.sub(x.mean(dims, true));
    Tensor y = centered.mul(centered.square().mean(dims, true).add(ln.eps()).rsqrt());
    if (ln.weight() != null) {
      y = y.mul(ln.weight());
    }
    return ln.bias() != null ? y.add(ln.bias()) : y;
  }

  private static Tensor compositeRmsNorm(RMSNorm n, Tensor x) {
    return x.mul(x.square().mean(-1, true).add(n.eps()).rsqrt()).mul(n.weight());
  }

  private static void assertFusedMatchesComposite(Layer layer, UnaryOperator<Tensor> composite,
      Tensor x, double tol) {
    Tensor up = Tensor.randn(new Rng(99), x.shape().toArray());
    Tensor[] fused = forwardBackward(layer, layer::forward, x, up);
    Tensor[] ref = forwardBackward(layer, composite, x, up);
    String[] names = new String[fused.length];
    names[0] = "output";
    names[1] = "grad of input";
    List<String> pn = List.copyOf(layer.namedParameters().keySet());
    for (int i = 0; i < pn.size(); i++) {
      names[2 + i] = "grad of " + pn.get(i);
    }
    for (int i = 0; i < fused.length; i++) {
      assertClose(ref[i], fused[i], tol, layer + " " + names[i]);
    }
  }

  // ------------------------------------------------------------------ LayerNorm

  @Test void layerNormParametersAndPrint() {
    LayerNorm ln = new LayerNorm(6);
    assertEquals(List.of("weight", "bias"), List.copyOf(ln.stateDict().keySet()));
    assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1}, ln.weight().toFloatArray());
    assertArrayEquals(new float[6], ln.bias().toFloatArray());
    assertEquals("LayerNorm([6], eps=1.0E-5, elementwise_affine=true)", ln.toString());
    LayerNorm noBias = new LayerNorm(new int[] {6}, 1e-6, true, false);
    assertEquals(List.of("weight"), List.copyOf(noBias.stateDict().keySet()));
    assertNull(noBias.bias());
    LayerNorm plain = new LayerNorm(new int[] {2, 3}, 1e-5, false, true);
    assertTrue(plain.stateDict().isEmpty());
  }

  @Test void layerNormNormalisesRows() {
    Tensor x = Tensor.randn(new Rng(1), 5, 16).mul(3).add(2);
    Tensor y = new LayerNorm(16).forward(x);
    assertClose(Tensor.zeros(5, 1), y.mean(-1, true), 1e-6, "row means");
    assertClose(Tensor.ones(5, 1), y.var(-1, false, true), 1e-4, "row variances");
  }

  @Test void layerNormFusedMatchesComposite() {
    for (LayerNorm ln : new LayerNorm[] {new LayerNorm(33),
        new LayerNorm(new int[] {33}, 1e-5, false, false),
        new LayerNorm(new int[] {33}, 1e-5, true, false)}) {
      for (Parameter p : ln.parameters()) {
        assign(p, randomized(p, 7));
      }
      assertFusedMatchesComposite(ln, x -> compositeLayerNorm(ln, x),
          Tensor.randn(new Rng(2), 4, 7, 33).mul(2).add(0.3), 2e-5);
    }
    LayerNorm ln2 = new LayerNorm(3, 5);
    assign(ln2.weight(), randomized(ln2.weight(), 8));
    assign(ln2.bias(), randomized(ln2.bias(), 9));
    assertFusedMatchesComposite(ln2, x -> compositeLayerNorm(ln2, x),
        Tensor.randn(new Rng(3), 2, 4, 3, 5), 2e-5);
  }

  @Test void layerNormTakesStridedInput() {
    LayerNorm ln = new LayerNorm(6);
    Tensor base = Tensor.randn(new Rng(4), 6, 5);
    Tensor x = base.t(); // [5, 6], not contiguous
    assertClose(compositeLayerNorm(ln, x.contiguous()), ln.forward(x), 1e-6, "strided");
  }

  @Test void layerNormGradientsInF64() {
    LayerNorm ln = new LayerNorm(5);
    ln.to(DType.F64);
    assign(ln.weight(), randomized(ln.weight(), 1).to(DType.F64));
    assign(ln.bias(), randomized(ln.bias(), 2).to(DType.F64));
    LinearTest.gradCheck(ln, Tensor.randn(new Rng(3), DType.F64, 3, 5).requiresGrad());
    LinearTest.gradCheck(new LayerNorm(new int[] {2, 3}, 1e-5, true, true),
        Tensor.randn(new Rng(4), DType.F64, 2, 2, 3).requiresGrad());
    LinearTest.gradCheck(new LayerNorm(new int[] {4}, 1e-5, false, false),
        Tensor.randn(new Rng(5), DType.F64, 3, 4).requiresGrad());
  }

  @Test void layerNormF64MatchesF32() {
    LayerNorm a = new LayerNorm(9);
    assign(a.weight(), randomized(a.weight(), 3));
    Tensor x = Tensor.randn(new Rng(6), 4, 9);
    Tensor y32 = a.forward(x);
    a.to(DType.F64);
    assertClose(a.forward(x.to(DType.F64)), y32, 1e-5, "F64 vs F32");
  }

  @Test void layerNormWrongShape() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new LayerNorm(4, 5).forward(Tensor.zeros(2, 3, 4)));
    assertEquals("LayerNorm([4, 5]): expected input of shape [*, 4, 5], got [2, 3, 4]",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new LayerNorm(new int[0], 1e-5, true,
        true));
  }

  // ------------------------------------------------------------------ RMSNorm

  @Test void rmsNormParametersAndPrint() {
    RMSNorm n = new RMSNorm(8, 1e-5);
    assertEquals(List.of("weight"), List.copyOf(n.stateDict().keySet()));
    assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1}, n.weight().toFloatArray());
    assertEquals("RMSNorm(8, eps=1.0E-5)", n.toString());
    assertEquals(1e-6, new RMSNorm(8).eps());
  }

  @Test void rmsNormGivesUnitRootMeanSquare() {
    Tensor y = new RMSNorm(64).forward(Tensor.randn(new Rng(1), 3, 64).mul(5));
    assertClose(Tensor.ones(3, 1), y.square().mean(-1, true), 1e-5, "row mean squares");
  }

  @Test void rmsNormFusedMatchesComposite() {
    RMSNorm n = new RMSNorm(37, 1e-5);
    assign(n.weight(), randomized(n.weight(), 11));
    assertFusedMatchesComposite(n, x -> compositeRmsNorm(n, x),
        Tensor.randn(new Rng(12), 3, 5, 37).mul(3), 2e-5);
    RMSNorm big = new RMSNorm(256);
    assertFusedMatchesComposite(big, x -> compositeRmsNorm(big, x),
        Tensor.randn(new Rng(13), 300, 256), 2e-5);
  }

  @Test void rmsNormGradientsInF64() {
    RMSNorm n = new RMSNorm(6, 1e-5);
    n.to(DType.F64);
    assign(n.weight(), randomized(n.weight(), 4).to(DType.F64));
    LinearTest.gradCheck(n, Tensor.randn(new Rng(5), DType.F64, 2, 3, 6).requiresGrad());
  }

  @Test void rmsNormWrongShape() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new RMSNorm(8).forward(Tensor.zeros(2, 7)));
    assertEquals("RMSNorm(8): expected last dimension 8, got shape [2, 7]", e.getMessage());
  }

  // ------------------------------------------------------------------ determinism

  @Test void fusedBackwardIgnoresThreadCount() {
    LayerNorm ln = new LayerNorm(64);
    RMSNorm rms = new RMSNorm(64);
    Tensor x = Tensor.randn(new Rng(20), 512, 64);
    Tensor up = Tensor.randn(new Rng(21), 512, 64);
    for (Layer layer : new Layer[] {ln, rms}) {
      Tensor[] one = Parallel.withThreads(1, () -> forwardBackward(layer, layer::forward, x, up));
      Tensor[] four = Parallel.withThreads(4, () -> forwardBackward(layer, layer::forward, x, up));
      for (int i = 0; i < one.length; i++) {
        assertArrayEquals(one[i].toFloatArray(), four[i].toFloatArray(), layer + " #" + i);
      }
    }
  }
}
