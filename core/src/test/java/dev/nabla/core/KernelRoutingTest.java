package dev.nabla.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * F32 ops run on the kernel layer when the layout allows; F64 ops run the generic loops. Each
 * case computes the same expression both ways (values and input gradients) and compares, so
 * every routing decision (transposed GEMM operands, folded batches, bias broadcasts, prefix and
 * suffix sums) is checked against the reference path.
 */
class KernelRoutingTest {
  private final Rng rng = new Rng(11);

  /** Runs f on F32 and on F64 copies of the inputs and compares outputs and gradients. */
  private void same(Function<Tensor[], Tensor> f, int[]... shapes) {
    Tensor[] f64 = new Tensor[shapes.length];
    Tensor[] f32 = new Tensor[shapes.length];
    for (int i = 0; i < shapes.length; i++) {
      f64[i] = Tensor.randn(rng, DType.F64, shapes[i]).requiresGrad();
      f32[i] = f64[i].detach().to(DType.F32).requiresGrad();
    }
    Tensor y64 = f.apply(f64);
    Tensor y32 = f.apply(f32);
    assertEquals(DType.F32, y32.dtype());
    assertArrayEquals(y64.shape().toArray(), y32.shape().toArray());
    close(y64.toDoubleArray(), y32.toDoubleArray(), "output");
    Tensor g = Tensor.randn(rng, DType.F64, y64.shape().toArray());
    y64.backward(g);
    y32.backward(g.to(DType.F32));
    for (int i = 0; i < shapes.length; i++) {
      close(f64[i].grad().toDoubleArray(), f32[i].grad().toDoubleArray(), "grad of input " + i);
    }
  }

  private static void close(double[] expected, double[] actual, String what) {
    assertEquals(expected.length, actual.length, what + " length");
    for (int i = 0; i < expected.length; i++) {
      double tol = 1e-4 * (1 + Math.abs(expected[i]));
      if (Math.abs(expected[i] - actual[i]) > tol) {
        throw new AssertionError(what + " differs at " + i + ": expected " + expected[i]
            + ", got " + actual[i]);
      }
    }
  }

  @Test void matmulPlainAndTransposedOperands() {
    same(t -> t[0].matmul(t[1]), new int[] {5, 7}, new int[] {7, 3});
    same(t -> t[0].t().matmul(t[1]), new int[] {7, 5}, new int[] {7, 3});
    same(t -> t[0].matmul(t[1].t()), new int[] {5, 7}, new int[] {3, 7});
    same(t -> t[0].t().matmul(t[1].t()), new int[] {7, 5}, new int[] {3, 7});
  }

  @Test void matmulBatchedAndBroadcast() {
    same(t -> t[0].matmul(t[1]), new int[] {2, 3, 4, 5}, new int[] {5, 6});      // Linear-like fold
    same(t -> t[0].matmul(t[1]), new int[] {4, 5}, new int[] {2, 5, 6});         // 2-D · batched
    same(t -> t[0].matmul(t[1]), new int[] {2, 1, 3, 4}, new int[] {3, 4, 2});   // broadcast batch
    same(t -> t[0].matmul(t[1].transpose(-1, -2)), new int[] {2, 3, 4, 8},
        new int[] {2, 3, 6, 8});                                                 // q·kᵀ
    same(t -> t[0].permute(1, 0, 2).matmul(t[1]), new int[] {4, 3, 5},
        new int[] {3, 5, 2});                                                    // uneven batch strides
    same(t -> t[0].expand(3, 4, 5).matmul(t[1]), new int[] {1, 4, 5}, new int[] {3, 5, 2});
    same(t -> t[0].matmul(t[1]), new int[] {1, 9}, new int[] {9, 1});            // skinny
    same(t -> t[0].matmul(t[1]), new int[] {6}, new int[] {6});                  // dot
    same(t -> t[0].narrow(1, 1, 4).matmul(t[1]), new int[] {3, 6}, new int[] {4, 2}); // ld > k
  }

  @Test void elementwiseLayouts() {
    same(t -> t[0].add(t[1]), new int[] {3, 4}, new int[] {3, 4});
    same(t -> t[0].mul(t[1]), new int[] {2, 3, 4}, new int[] {4});               // bias-like
    same(t -> t[0].sub(t[1]), new int[] {2, 3, 4}, new int[] {1, 3, 4});
    same(t -> t[0].div(t[1].abs().add(1.0)), new int[] {5}, new int[] {1});      // scalar operand
    same(t -> t[1].mul(t[0]), new int[] {2, 3}, new int[] {1});
    same(t -> t[0].add(t[1]), new int[] {4, 1}, new int[] {1, 3});               // generic
    same(t -> t[0].mul(2.5).add(-0.5).div(3.0), new int[] {7, 3});
    same(t -> t[0].exp().add(t[0].tanh()).add(t[0].sigmoid()).add(t[0].silu()).add(t[0].relu())
        .add(t[0].square()).add(t[0].abs().add(0.5).sqrt()).add(t[0].abs().add(0.5).rsqrt())
        .add(t[0].abs().add(0.5).log()).add(t[0].abs().add(0.5).reciprocal()).neg(),
        new int[] {33});
  }

  @Test void reductionsAndSoftmax() {
    same(t -> t[0].sum(), new int[] {4, 5});
    same(t -> t[0].sum(-1, false), new int[] {3, 4, 5});                          // suffix
    same(t -> t[0].sum(new int[] {0, 1}, true), new int[] {3, 4, 5});             // prefix
    same(t -> t[0].sum(1, false), new int[] {3, 4, 5});                           // generic
    same(t -> t[0].mean(new int[] {-1, -2}, false), new int[] {2, 3, 4});
    same(t -> t[0].softmax(-1), new int[] {3, 7});
    same(t -> t[0].logSoftmax(-1), new int[] {2, 3, 7});
    same(t -> t[0].softmax(0), new int[] {3, 7});
    same(t -> t[0].transpose(0, 1).softmax(-1), new int[] {3, 7});                // non-contiguous
  }
}
