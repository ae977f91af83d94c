package dev.nabla.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The README's quick start, verbatim: if this stops compiling or working, fix the README too. */
class QuickStartTest {
  @Test void readmeQuickStartRuns() {
    Rng rng = new Rng(42);                                  // explicit, seeded: no global state
    Tensor x = Tensor.randn(rng, 8, 64);                    // [8, 64] F32
    Tensor w = Tensor.randn(rng, 64, 10).mul(0.1).requiresGrad();
    Tensor b = Tensor.zeros(10).requiresGrad();
    Tensor labels = Tensor.randint(rng, 0, 10, 8);          // I64 class ids

    Tensor logits = x.matmul(w).add(b);                     // broadcasting add: [8, 10]
    Tensor loss = logits.logSoftmax(-1)
        .gather(1, labels.unsqueeze(1)).mean().neg();       // cross-entropy
    loss.backward();                                        // reverse-mode autograd

    assertTrue(loss.item() > 0 && Double.isFinite(loss.item()));
    assertArrayEquals(new int[] {64, 10}, w.grad().shape().toArray());
    assertArrayEquals(new int[] {10}, b.grad().shape().toArray());
  }
}
