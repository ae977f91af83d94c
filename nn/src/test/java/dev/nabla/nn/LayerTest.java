package dev.nabla.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.ShapeMismatchException;
import dev.nabla.core.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayerTest {
  /** y = x·wᵀ + b, a minimal user layer. */
  static final class Affine extends Layer {
    final Parameter weight;
    final Parameter bias;

    Affine(int in, int out, Rng rng) {
      weight = registerParameter("weight", Tensor.randn(rng, out, in));
      bias = registerParameter("bias", Tensor.zeros(out));
      registerBuffer("calls", Tensor.zeros(1));
      registerBuffer("scratch", Tensor.zeros(2), false);
    }

    @Override public Tensor forward(Tensor x) {
      return x.matmul(weight.t()).add(bias);
    }

    @Override protected String extraRepr() {
      return "in=" + weight.size(1) + ", out=" + weight.size(0);
    }
  }

  static final class Block extends Layer {
    final Affine first;
    final LayerList<Affine> rest = new LayerList<>();

    Block(Rng rng) {
      first = register("first", new Affine(3, 4, rng));
      register("rest", rest);
      rest.add(new Affine(4, 4, rng));
      rest.add(new Affine(4, 2, rng));
    }

    @Override public Tensor forward(Tensor x) {
      Tensor h = first.forward(x).relu();
      for (Affine a : rest) {
        h = a.forward(h);
      }
      return h;
    }
  }

  @Test void namesAreDottedAndOrdered() {
    Block b = new Block(new Rng(0));
    assertEquals(List.of("first.weight", "first.bias", "rest.0.weight", "rest.0.bias",
        "rest.1.weight", "rest.1.bias"), new ArrayList<>(b.namedParameters().keySet()));
    assertEquals(List.of("first.weight", "first.bias", "first.calls", "rest.0.weight",
        "rest.0.bias", "rest.0.calls", "rest.1.weight", "rest.1.bias", "rest.1.calls"),
        new ArrayList<>(b.stateDict().keySet()));
    assertEquals(3 * 4 + 4 + 16 + 4 + 8 + 2, b.numParameters(false));
    assertEquals(List.of("", "first", "rest", "rest.0", "rest.1"),
        new ArrayList<>(b.namedLayers().keySet()));
  }

  @Test void parametersReceiveGradients() {
    Block b = new Block(new Rng(1));
    b.forward(Tensor.randn(new Rng(2), 5, 3)).sum().backward();
    for (Parameter p : b.parameters()) {
      assertArrayEquals(p.shape().toArray(), p.grad().shape().toArray());
    }
    b.zeroGrad();
    assertNull(b.first.weight.grad());
  }

  @Test void freezeStopsGradientsAndCounts() {
    Block b = new Block(new Rng(1));
    b.first.freeze();
    assertEquals(16 + 4 + 8 + 2, b.numParameters(true));
    b.forward(Tensor.randn(new Rng(2), 5, 3)).sum().backward();
    assertNull(b.first.weight.grad());
    assertTrue(b.rest.get(0).weight.grad() != null);
    assertEquals(4, b.trainableParameters().size());
    b.unfreeze();
    assertEquals(6, b.trainableParameters().size());
  }

  @Test void trainEvalIsRecursive() {
    Block b = new Block(new Rng(1));
    b.eval();
    assertFalse(b.rest.get(1).isTraining());
    b.train();
    assertTrue(b.first.isTraining());
    List<String> visited = new ArrayList<>();
    b.apply(l -> visited.add(l.name()));
    assertEquals(List.of("Affine", "Affine", "Affine", "LayerList", "Block"), visited);
  }

  @Test void stateDictRoundTripAndStrictErrorsLoadNothing() {
    Block a = new Block(new Rng(1));
    Block b = new Block(new Rng(2));
    b.loadStateDict(a.stateDict(), true);
    Tensor x = Tensor.randn(new Rng(3), 2, 3);
    assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray());

    Block c = new Block(new Rng(4));
    float[] before = c.first.weight.toFloatArray();
    Map<String, Tensor> bad = new LinkedHashMap<>(a.stateDict());
    bad.remove("rest.1.bias");
    bad.put("extra.weight", Tensor.zeros(1));
    bad.put("rest.0.weight", Tensor.zeros(3, 3));
    ShapeMismatchException e = assertThrows(ShapeMismatchException.class,
        () -> c.loadStateDict(bad, true));
    assertTrue(e.getMessage().contains("Missing key(s): rest.1.bias"), e.getMessage());
    assertTrue(e.getMessage().contains("Unexpected key(s): extra.weight"), e.getMessage());
    assertTrue(e.getMessage().contains("rest.0.weight: checkpoint [3, 3] vs model [4, 4]"),
        e.getMessage());
    assertArrayEquals(before, c.first.weight.toFloatArray(), "nothing may be half-loaded");

    bad.put("rest.0.weight", a.stateDict().get("rest.0.weight"));
    Layer.LoadResult r = c.loadStateDict(bad, false);
    assertEquals(List.of("rest.1.bias"), r.missingKeys());
    assertEquals(List.of("extra.weight"), r.unexpectedKeys());
    assertArrayEquals(a.first.weight.toFloatArray(), c.first.weight.toFloatArray());
  }

  @Test void saveAndLoadThroughSafetensors(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws java.io.IOException {
    Block a = new Block(new Rng(1));
    java.nio.file.Path file = dir.resolve("block.safetensors");
    a.save(file);
    Block b = new Block(new Rng(2));
    b.load(file);
    Tensor x = Tensor.randn(new Rng(3), 2, 3);
    assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray());
  }

  @Test void toDoubleConvertsParametersAndBuffers() {
    Block b = new Block(new Rng(1));
    float[] w = b.first.weight.toFloatArray();
    b.to(DType.F64);
    assertEquals(DType.F64, b.first.weight.dtype());
    assertEquals(DType.F64, b.stateDict().get("first.calls").dtype());
    assertTrue(b.first.weight.isRequiresGrad());
    double[] wd = b.first.weight.toDoubleArray();
    for (int i = 0; i < w.length; i++) {
      assertEquals(w[i], wd[i], 0.0);
    }
    Tensor y = b.forward(Tensor.randn(new Rng(5), DType.F64, 2, 3));
    assertEquals(DType.F64, y.dtype());
  }

  @Test void printsATreeLikePyTorch() {
    Block b = new Block(new Rng(1));
    assertEquals("Block(\n"
        + "  (first): Affine(in=3, out=4)\n"
        + "  (rest): LayerList(\n"
        + "    (0): Affine(in=4, out=4)\n"
        + "    (1): Affine(in=4, out=2)\n"
        + "  )\n"
        + ")", b.toString());
  }

  @Test void sequentialChainsLayers() {
    Rng rng = new Rng(9);
    Affine a = new Affine(3, 5, rng);
    Affine c = new Affine(5, 2, rng);
    Sequential s = new Sequential(a, c);
    Tensor x = Tensor.randn(rng, 4, 3);
    assertArrayEquals(c.forward(a.forward(x)).toFloatArray(), s.forward(x).toFloatArray());
    assertSame(c, s.get(1));
    assertTrue(s.stateDict().containsKey("1.weight"));
  }

  @Test void badRegistrationsFailClearly() {
    Layer l = new Layer() {
      {
        registerParameter("w", Tensor.zeros(2));
      }
    };
    IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
        () -> new Layer() {
          {
            registerParameter("w", Tensor.zeros(2));
            registerParameter("w", Tensor.zeros(2));
          }
        });
    assertTrue(dup.getMessage().contains("already registered"), dup.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new Layer() {
      {
        registerParameter("a.b", Tensor.zeros(2));
      }
    });
    assertThrows(IllegalArgumentException.class, () -> new Parameter(Tensor.arange(3)));
    UnsupportedOperationException noForward = assertThrows(UnsupportedOperationException.class,
        () -> l.forward(Tensor.zeros(2)));
    assertTrue(noForward.getMessage().contains("single tensor"), noForward.getMessage());
    LayerDict<Affine> d = new LayerDict<>();
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
        () -> d.get("q"));
    assertTrue(missing.getMessage().contains("no layer named 'q'"), missing.getMessage());
  }
}
