package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import dev.nabla.nn.init.Init;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinearTest {

  /** GradCheck of a layer in F64 with respect to its input and every parameter. */
  static void gradCheck(Layer layer, Tensor x) {
    layer.to(DType.F64);
    List<Tensor> inputs = new ArrayList<>();
    inputs.add(x);
    inputs.addAll(layer.parameters());
    GradCheck.assertGradientsMatch(in -> layer.forward(in[0]), inputs.toArray(new Tensor[0]));
  }

  @Test void shapesNamesAndPrint() {
    Linear fc = new Linear(64, 10, new Rng(0));
    assertEquals(64, fc.inFeatures());
    assertEquals(10, fc.outFeatures());
    assertEquals(List.of("weight", "bias"), new ArrayList<>(fc.stateDict().keySet()));
    assertArrayEquals(new int[] {10, 64}, fc.weight().shape().toArray());
    assertArrayEquals(new int[] {10}, fc.bias().shape().toArray());
    assertEquals("Linear(in_features=64, out_features=10, bias=true)", fc.toString());
    assertArrayEquals(new int[] {8, 10}, fc.forward(Tensor.randn(new Rng(1), 8, 64)).shape()
        .toArray());
    assertArrayEquals(new int[] {2, 3, 10},
        fc.forward(Tensor.randn(new Rng(1), 2, 3, 64)).shape().toArray());
    assertArrayEquals(new int[] {10}, fc.forward(Tensor.randn(new Rng(1), 64)).shape().toArray());
  }

  @Test void withoutBias() {
    Linear fc = new Linear(3, 2, false, new Rng(0));
    assertNull(fc.bias());
    assertEquals(List.of("weight"), new ArrayList<>(fc.stateDict().keySet()));
    assertEquals("Linear(in_features=3, out_features=2, bias=false)", fc.toString());
  }

  @Test void defaultInitIsUniformOneOverSqrtIn() {
    Linear fc = new Linear(256, 512, new Rng(2));
    double bound = 1 / 16.0;
    double[] w = fc.weight().toDoubleArray();
    double maxAbs = 0;
    double ss = 0;
    for (double v : w) {
      maxAbs = Math.max(maxAbs, Math.abs(v));
      ss += v * v;
    }
    assertTrue(maxAbs <= bound && maxAbs > 0.99 * bound, "max |w| " + maxAbs);
    assertEquals(bound / Math.sqrt(3), Math.sqrt(ss / w.length), 0.01 * bound);
    for (double v : fc.bias().toDoubleArray()) {
      assertTrue(Math.abs(v) <= bound);
    }
  }

  @Test void computesXWtPlusB() {
    Linear fc = new Linear(2, 2, new Rng(0));
    fc.loadStateDict(java.util.Map.of("weight", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2),
        "bias", Tensor.of(new float[] {0.5f, -1}, 2)), true);
    Tensor y = fc.forward(Tensor.of(new float[] {1, 1, 2, 0}, 2, 2));
    assertArrayEquals(new float[] {3.5f, 6, 2.5f, 5}, y.toFloatArray());
  }

  @Test void wrongFeatureSizeNamesLayerAndShape() {
    Linear fc = new Linear(64, 10, new Rng(0));
    var e = assertThrows(IllegalArgumentException.class,
        () -> fc.forward(Tensor.zeros(8, 32)));
    assertEquals("Linear(in=64, out=10): expected last dimension 64, got shape [8, 32]",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> fc.forward(Tensor.scalar(1)));
  }

  @Test void gradientsInF64() {
    gradCheck(new Linear(4, 3, new Rng(3)), Tensor.randn(new Rng(4), DType.F64, 2, 4)
        .requiresGrad());
    gradCheck(new Linear(3, 2, false, new Rng(5)), Tensor.randn(new Rng(6), DType.F64, 2, 2, 3)
        .requiresGrad());
  }

  @Test void saveAndLoadRoundTrip(@TempDir Path dir) throws Exception {
    Sequential model = new Sequential(new Linear(4, 8, new Rng(0)), new GELU(),
        new LayerNorm(8), new Linear(8, 2, new Rng(1)));
    assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "3.weight", "3.bias"),
        new ArrayList<>(model.stateDict().keySet()));
    Path file = dir.resolve("model.safetensors");
    model.save(file);
    assertTrue(Files.size(file) > 0);
    Sequential copy = new Sequential(new Linear(4, 8, new Rng(9)), new GELU(),
        new LayerNorm(8), new Linear(8, 2, new Rng(9)));
    copy.load(file);
    Tensor x = Tensor.randn(new Rng(2), 3, 4);
    assertArrayEquals(model.forward(x).toFloatArray(), copy.forward(x).toFloatArray());
  }

  @Test void printsATree() {
    Sequential model = new Sequential(new Linear(4, 8, new Rng(0)), new GELU(
        GELU.Approximation.TANH), new Dropout(0.1, new Rng(0)));
    assertEquals("Sequential(\n"
        + "  (0): Linear(in_features=4, out_features=8, bias=true)\n"
        + "  (1): GELU(approximate='tanh')\n"
        + "  (2): Dropout(p=0.1)\n"
        + ")", model.toString());
  }

  /** The user layer of docs/nn.md, kept compiling here. */
  static final class LoRALinear extends Layer {
    private final Linear base;
    private final Parameter a;
    private final Parameter b;
    private final double scaling;

    LoRALinear(Linear base, int rank, double alpha, RandomGenerator rng) {
      this.base = register("base", base);
      base.freeze();
      this.a = registerParameter("a", Init.kaimingUniform(rng, rank, base.inFeatures()));
      this.b = registerParameter("b", Tensor.zeros(base.outFeatures(), rank));
      this.scaling = alpha / rank;
    }

    @Override public Tensor forward(Tensor x) {
      return base.forward(x).add(x.matmul(a.t()).matmul(b.t()).mul(scaling));
    }

    @Override protected String extraRepr() {
      return "rank=" + a.size(0) + ", scaling=" + scaling;
    }
  }

  @Test void userLayerFromTheDocs() {
    Linear base = new Linear(6, 4, new Rng(0));
    LoRALinear lora = new LoRALinear(base, 2, 4, new Rng(1));
    assertEquals(List.of("a", "b", "base.weight", "base.bias"), // own first, as PyTorch
        new ArrayList<>(lora.stateDict().keySet()));
    assertEquals(2 * 6 + 4 * 2, lora.numParameters(true));
    Tensor x = Tensor.randn(new Rng(2), 3, 6);
    assertArrayEquals(base.forward(x).toFloatArray(), lora.forward(x).toFloatArray());
    lora.forward(x).sum().backward();
    assertNull(base.weight().grad());
    assertTrue(lora.b.grad() != null);
    assertTrue(lora.toString().startsWith("LoRALinear(rank=2, scaling=2.0\n  (base): Linear("));
  }
}
