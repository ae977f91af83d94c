package dev.nabla.nn.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.nn.Linear;
import dev.nabla.nn.functional.Functional;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoRALinearTest {

  /** Gives B random values so that the adapter contributes (B starts at zero). */
  static void randomize(Tensor t, long seed) {
    try (var off = GradMode.disabled()) {
      t.copyFrom(Tensor.randn(new Rng(seed), t.dtype(), t.shape().toArray()).mul(0.5));
    }
  }

  static void assertClose(Tensor expected, Tensor actual, double tol) {
    assertEquals(expected.shape(), actual.shape());
    double[] e = expected.toDoubleArray();
    double[] a = actual.toDoubleArray();
    double max = 0;
    for (int i = 0; i < e.length; i++) {
      max = Math.max(max, Math.abs(e[i] - a[i]));
    }
    assertTrue(max <= tol, "max |diff| " + max + " > " + tol + "; first values expected "
        + e[0] + ", actual " + a[0]);
  }

  @Test void startsEqualToBaseWithPeftInitAndNames() {
    Rng rng = new Rng(0);
    Linear base = new Linear(12, 6, rng);
    Tensor x = Tensor.randn(new Rng(1), 5, 12);
    Tensor before = base.forward(x);
    LoRALinear lora = new LoRALinear(base, 4, 8, 0.0, rng);
    assertArrayEquals(before.toFloatArray(), lora.forward(x).toFloatArray());
    assertArrayEquals(before.toFloatArray(), base.forward(x).toFloatArray());
    assertEquals(List.of("base_layer.weight", "base_layer.bias", "lora_A.weight", "lora_B.weight"),
        List.copyOf(lora.stateDict().keySet()));
    assertArrayEquals(new int[] {4, 12}, lora.loraA().shape().toArray());
    assertArrayEquals(new int[] {6, 4}, lora.loraB().shape().toArray());
    for (float v : lora.loraB().toFloatArray()) {
      assertEquals(0f, v);
    }
    double bound = 1 / Math.sqrt(12); // kaiming_uniform(a=√5) over fan_in 12
    double maxAbs = 0;
    for (float v : lora.loraA().toFloatArray()) {
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    assertTrue(maxAbs <= bound && maxAbs > bound / 2, "A range " + maxAbs);
    assertEquals(2.0, lora.scaling());
    assertFalse(base.weight().isRequiresGrad());
    assertFalse(base.bias().isRequiresGrad());
    assertTrue(lora.loraA().isRequiresGrad());
    assertTrue(lora.toString().startsWith("LoRALinear(r=4, alpha=8.0, dropout=0.0"));
  }

  @Test void adaptedOutputIsBasePlusScaledLowRankExactly() {
    Rng rng = new Rng(2);
    Linear base = new Linear(10, 7, rng);
    LoRALinear lora = new LoRALinear(base, 3, 6, 0.0, rng);
    randomize(lora.loraB(), 3);
    Tensor x = Tensor.randn(new Rng(4), 9, 10);
    Tensor expected = Functional.linear(x, base.weight(), base.bias())
        .add(x.matmul(lora.loraA().t()).mul(6.0 / 3).matmul(lora.loraB().t()));
    assertArrayEquals(expected.toFloatArray(), lora.forward(x).toFloatArray());
    // The base Linear itself (as a parent's field would call it) gives the same output.
    assertArrayEquals(expected.toFloatArray(), base.forward(x).toFloatArray());
    // Batched input (*, in).
    Tensor x3 = Tensor.randn(new Rng(5), 2, 3, 10);
    Tensor e3 = Functional.linear(x3, base.weight(), base.bias()).add(
        x3.matmul(lora.loraA().t()).mul(2.0).matmul(lora.loraB().t()));
    assertClose(e3, lora.forward(x3), 1e-6);
  }

  @Test void mergeMatchesUnmergedAndUnmergeRestoresWeight() {
    Rng rng = new Rng(6);
    Linear base = new Linear(16, 8, rng);
    LoRALinear lora = new LoRALinear(base, 4, 16, 0.0, rng);
    randomize(lora.loraB(), 7);
    Tensor w0 = base.weight().copy();
    Tensor x = Tensor.randn(new Rng(8), 5, 16);
    Tensor unmerged = lora.forward(x);
    lora.merge();
    assertTrue(lora.isMerged());
    Tensor merged = lora.forward(x);
    assertClose(unmerged, merged, 1e-5);
    assertClose(w0.add(lora.deltaWeight()), base.weight(), 0);
    // Merged: the layer is the plain Linear with the folded weight.
    assertArrayEquals(Functional.linear(x, base.weight(), base.bias()).toFloatArray(),
        merged.toFloatArray());
    lora.unmerge();
    assertFalse(lora.isMerged());
    assertClose(w0, base.weight(), 1e-6);
    assertClose(unmerged, lora.forward(x), 1e-5);
  }

  @Test void onlyAdapterGetsGradients() {
    Rng rng = new Rng(9);
    Linear base = new Linear(6, 5, rng);
    LoRALinear lora = new LoRALinear(base, 2, 4, 0.0, rng);
    randomize(lora.loraB(), 10);
    Tensor x = Tensor.randn(new Rng(11), 3, 6).requiresGrad();
    lora.forward(x).square().sum().backward();
    assertNull(base.weight().grad());
    assertNull(base.bias().grad());
    assertNotNull(lora.loraA().grad());
    assertNotNull(lora.loraB().grad());
    assertNotNull(x.grad());
    assertEquals(List.of(lora.loraA(), lora.loraB()), lora.trainableParameters());
  }

  @Test void disabledIsExactlyTheBase() {
    Rng rng = new Rng(12);
    Linear base = new Linear(8, 8, rng);
    Tensor x = Tensor.randn(new Rng(13), 4, 8);
    Tensor plain = base.forward(x);
    LoRALinear lora = new LoRALinear(base, 2, 2, 0.0, rng);
    randomize(lora.loraB(), 14);
    Tensor adapted = lora.forward(x);
    lora.enabled(false);
    assertFalse(lora.isEnabled());
    assertArrayEquals(plain.toFloatArray(), lora.forward(x).toFloatArray());
    lora.enabled(true);
    assertArrayEquals(adapted.toFloatArray(), lora.forward(x).toFloatArray());
  }

  @Test void dropoutActsOnTheAdapterInputOnly() {
    Rng rng = new Rng(15);
    Linear base = new Linear(32, 16, rng);
    Tensor x = Tensor.randn(new Rng(16), 8, 32);
    Tensor plain = base.forward(x);
    LoRALinear lora = new LoRALinear(base, 4, 4, 0.5, rng);
    assertEquals(0.5, lora.dropout());
    lora.train();
    // B = 0: whatever the mask, the output is the base's.
    assertArrayEquals(plain.toFloatArray(), lora.forward(x).toFloatArray());
    randomize(lora.loraB(), 17);
    Tensor train1 = lora.forward(x);
    lora.eval();
    Tensor eval = lora.forward(x);
    Tensor expected = plain.add(x.matmul(lora.loraA().t()).matmul(lora.loraB().t()));
    assertArrayEquals(expected.toFloatArray(), eval.toFloatArray());
    assertFalse(java.util.Arrays.equals(train1.toFloatArray(), eval.toFloatArray()));
  }

  @Test void badRankAndStateErrors() {
    Rng rng = new Rng(18);
    var e = assertThrows(IllegalArgumentException.class,
        () -> new LoRALinear(new Linear(8, 4, rng), 0, 1, 0, rng));
    assertTrue(e.getMessage().contains("rank must be in [1, min(in, out)] = [1, 4], got 0"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new LoRALinear(new Linear(8, 4, rng), -2, 1, 0, rng));
    e = assertThrows(IllegalArgumentException.class,
        () -> new LoRALinear(new Linear(8, 4, rng), 5, 1, 0, rng));
    assertTrue(e.getMessage().contains("got 5"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new LoRALinear(new Linear(8, 4, rng), 2, 0, 0, rng));
    assertThrows(IllegalArgumentException.class,
        () -> new LoRALinear(new Linear(8, 4, rng), 2, 1, 1.0, rng));
    Linear base = new Linear(8, 4, rng);
    LoRALinear lora = new LoRALinear(base, 2, 2, 0, rng);
    assertThrows(IllegalStateException.class, () -> new LoRALinear(base, 2, 2, 0, rng));
    assertThrows(IllegalStateException.class, lora::unmerge);
    lora.merge();
    assertThrows(IllegalStateException.class, lora::merge);
    assertThrows(IllegalStateException.class, () -> lora.enabled(false));
    lora.unmerge();
    lora.enabled(false);
    assertThrows(IllegalStateException.class, lora::merge);
  }

  @Test void gradientsMatchFiniteDifferencesInF64() {
    Rng rng = new Rng(19);
    LoRALinear lora = new LoRALinear(new Linear(5, 4, rng), 2, 3, 0.0, rng);
    lora.to(DType.F64);
    assertSame(DType.F64, lora.loraA().dtype());
    randomize(lora.loraB(), 20);
    Tensor x = Tensor.randn(new Rng(21), DType.F64, 3, 5).requiresGrad();
    GradCheck.assertGradientsMatch(in -> lora.forward(in[0]), x, lora.loraA(), lora.loraB());
    Tensor x3 = Tensor.randn(new Rng(22), DType.F64, 2, 2, 5).requiresGrad();
    GradCheck.assertGradientsMatch(in -> lora.forward(in[0]), x3, lora.loraA(), lora.loraB());
  }

  @Test void f64BaseGivesF64Adapter() {
    Rng rng = new Rng(23);
    Linear base = new Linear(4, 4, rng);
    base.to(DType.F64);
    LoRALinear lora = new LoRALinear(base, 2, 2, 0, rng);
    assertSame(DType.F64, lora.loraA().dtype());
    assertSame(DType.F64, lora.loraB().dtype());
    assertSame(DType.F64, lora.forward(Tensor.randn(rng, DType.F64, 2, 4)).dtype());
  }
}
