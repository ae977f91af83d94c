package dev.nabla.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.nabla.core.autograd.GradCheck;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test void basics() {
    Rng rng = new Rng(0);
    Tensor w = Tensor.randn(rng, DType.F64, 3, 2).requiresGrad();
    Tensor x = Tensor.of(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
    Tensor loss = x.matmul(w).tanh().sum();
    loss.backward();
    System.out.println(w.grad());
    System.out.println(Tensor.randn(rng, 40, 40));
    GradCheck.assertGradientsMatch(t -> x.matmul(t).softmax(-1).logsumexp(0, false), w);
    Tensor b = Tensor.randn(rng, DType.F64, 3).requiresGrad();
    GradCheck.assertGradientsMatch(in -> in[0].transpose(0, 1).add(in[1].unsqueeze(0)).gelu().max(), w, b);
    assertArrayEquals(new long[] {0, 1, 2}, Tensor.arange(3).toLongArray());
  }
}
