package dev.nabla.core.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class AutogradTest {

  @Test void longChainDoesNotOverflowTheStack() {
    Tensor x = Tensor.scalar(1.0, DType.F64).requiresGrad();
    Tensor y = x;
    for (int i = 0; i < 100_000; i++) {
      y = y.add(1.0); // dy/dx stays 1 along the whole chain
    }
    y.backward();
    assertEquals(100_001.0, y.item());
    assertEquals(1.0, x.grad().item());
  }

  @Test void sharedSubexpressionsSumTheirGradients() {
    Tensor x = Tensor.of(new double[] {3.0}).requiresGrad();
    Tensor sq = x.mul(x);        // x used twice by one node
    Tensor y = sq.add(sq).add(x); // sq used twice, x used again: y = 2x² + x
    y.sum().backward();
    assertEquals(4 * 3.0 + 1, x.grad().item(), 1e-12);
  }

  @Test void secondBackwardWithoutRetainGraphFailsClearly() {
    Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad();
    Tensor loss = x.exp().sum();
    loss.backward();
    IllegalStateException e = assertThrows(IllegalStateException.class, loss::backward);
    assertTrue(e.getMessage().contains("backward through the graph a second time"), e.getMessage());
    assertTrue(e.getMessage().contains("backward(true)"), e.getMessage());
  }

  @Test void retainedGraphAllowsASecondBackwardAndGradientsAccumulate() {
    Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad();
    Tensor loss = x.square().sum();
    loss.backward(true);
    assertArrayEquals(new double[] {2, 4}, x.grad().toDoubleArray(), 1e-12);
    loss.backward();
    assertArrayEquals(new double[] {4, 8}, x.grad().toDoubleArray(), 1e-12);
    x.zeroGrad();
    assertNull(x.grad());
  }

  @Test void gradModeDisabledRecordsNothingAndRestores() {
    Tensor x = Tensor.ones(DType.F64, 2).requiresGrad();
    assertTrue(GradMode.isEnabled());
    try (var off = GradMode.disabled()) {
      Tensor y = x.mul(2.0);
      assertFalse(y.isRequiresGrad());
      assertNull(y.gradFn());
      try (var on = GradMode.enabled()) {
        assertTrue(x.mul(2.0).isRequiresGrad());
      }
      assertFalse(GradMode.isEnabled());
    }
    assertTrue(GradMode.isEnabled());
    assertNotNull(x.mul(2.0).gradFn());
  }

  @Test void gradModeIsPerThread() throws InterruptedException {
    AtomicBoolean otherThreadEnabled = new AtomicBoolean();
    try (var off = GradMode.disabled()) {
      Thread t = new Thread(() -> otherThreadEnabled.set(GradMode.isEnabled()));
      t.start();
      t.join();
    }
    assertTrue(otherThreadEnabled.get());
  }

  @Test void detachCutsTheGraph() {
    Tensor x = Tensor.of(new double[] {2.0}).requiresGrad();
    Tensor y = x.mul(x.detach()); // only the first factor carries gradient
    y.sum().backward();
    assertEquals(2.0, x.grad().item(), 1e-12);
    assertTrue(x.detach().isLeaf());
    assertFalse(x.detach().isRequiresGrad());
  }

  @Test void onlyInputsThatRequireGradReceiveOne() {
    Tensor a = Tensor.of(new double[] {1, 2}).requiresGrad();
    Tensor b = Tensor.of(new double[] {3, 4});
    a.mul(b).sum().backward();
    assertArrayEquals(new double[] {3, 4}, a.grad().toDoubleArray(), 1e-12);
    assertNull(b.grad());
  }

  @Test void retainGradKeepsAnIntermediateGradient() {
    Tensor x = Tensor.of(new double[] {1, 2}).requiresGrad();
    Tensor h = x.mul(3.0).retainGrad();
    h.square().sum().backward();
    assertArrayEquals(new double[] {6, 12}, h.grad().toDoubleArray(), 1e-12);
    assertArrayEquals(new double[] {18, 36}, x.grad().toDoubleArray(), 1e-12);
  }

  @Test void backwardWithAnExplicitGradient() {
    Tensor x = Tensor.of(new double[] {1, 2, 3}).requiresGrad();
    Tensor y = x.mul(2.0);
    assertThrows(IllegalStateException.class, y::backward);
    y.backward(Tensor.of(new double[] {1, 10, 100}));
    assertArrayEquals(new double[] {2, 20, 200}, x.grad().toDoubleArray(), 1e-12);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> x.mul(2.0).backward(Tensor.ones(DType.F64, 4)));
    assertTrue(e.getMessage().contains("[4]") && e.getMessage().contains("[3]"), e.getMessage());
  }

  @Test void backwardOnATensorWithoutGradFails() {
    Tensor y = Tensor.ones(2).sum();
    IllegalStateException e = assertThrows(IllegalStateException.class, y::backward);
    assertTrue(e.getMessage().contains("does not require grad"), e.getMessage());
  }

  @Test void leafGradientIsACopyNotAnAliasOfTheUpstreamGradient() {
    Tensor a = Tensor.of(new double[] {1, 2}).requiresGrad();
    Tensor b = Tensor.of(new double[] {3, 4}).requiresGrad();
    a.add(b).sum().backward(); // add passes the same upstream tensor to both inputs
    try (var off = GradMode.disabled()) {
      a.grad().mulInPlace(5.0);
    }
    assertArrayEquals(new double[] {1, 1}, b.grad().toDoubleArray(), 1e-12);
  }

  @Test void gradientsFlowThroughViewsOfAView() {
    Tensor x = Tensor.randn(new Rng(3), DType.F64, 4, 6).requiresGrad();
    Tensor y = x.transpose(0, 1).narrow(0, 1, 3).reshape(12).mul(Tensor.arange(0, 12, 1, DType.F64));
    y.sum().backward();
    double[] g = x.grad().toDoubleArray();
    // element x[i][j] with 1 <= j <= 3 sits at position (j-1)*4 + i of the flattened slice
    for (int i = 0; i < 4; i++) {
      for (int j = 0; j < 6; j++) {
        double expected = j >= 1 && j <= 3 ? (j - 1) * 4 + i : 0;
        assertEquals(expected, g[i * 6 + j], 1e-12, "x.grad[" + i + "][" + j + "]");
      }
    }
  }

  @Test void gradCheckReportsAWrongGradient() {
    Op wrong = new Op() {
      @Override protected Tensor forward(Context ctx, Tensor... in) {
        ctx.save(in[0]);
        return in[0].square();
      }

      @Override protected Tensor[] backward(Context ctx, Tensor dy) {
        return new Tensor[] {dy.mul(ctx.saved(0))}; // should be 2x
      }
    };
    Tensor x = Tensor.randn(new Rng(1), DType.F64, 3).requiresGrad();
    AssertionError e = assertThrows(AssertionError.class,
        () -> GradCheck.assertGradientsMatch(wrong::apply, x));
    assertTrue(e.getMessage().contains("FAILED"), e.getMessage());
  }

  @Test void opReturningAWronglyShapedGradientFailsClearly() {
    Op bad = new Op() {
      @Override protected Tensor forward(Context ctx, Tensor... in) {
        return in[0].sum();
      }

      @Override protected Tensor[] backward(Context ctx, Tensor dy) {
        return new Tensor[] {dy};
      }

      @Override public String name() {
        return "badSum";
      }
    };
    Tensor x = Tensor.ones(DType.F64, 3).requiresGrad();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> bad.apply(x).backward());
    assertTrue(e.getMessage().contains("badSum") && e.getMessage().contains("[3]"),
        e.getMessage());
  }
}
