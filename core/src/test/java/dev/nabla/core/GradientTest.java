package dev.nabla.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.autograd.GradCheck;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A float64 finite-difference gradient check for every differentiable op of {@link Tensor},
 * including broadcast operands and non-contiguous (transposed, sliced) leaf inputs.
 */
class GradientTest {

  // ---------------------------------------------------------------- inputs

  /** Standard normal F64 leaf. */
  private static Tensor randn(long seed, int... shape) {
    return Tensor.randn(new Rng(seed), DType.F64, shape).requiresGrad();
  }

  /** Normal F64 leaf with standard deviation {@code scale}. */
  private static Tensor scaled(long seed, double scale, int... shape) {
    return Tensor.randn(new Rng(seed), DType.F64, shape).mul(scale).requiresGrad();
  }

  /** F64 leaf with values in [0.5, 2): safe for log, sqrt, pow, reciprocal. */
  private static Tensor positive(long seed, int... shape) {
    return Tensor.rand(new Rng(seed), DType.F64, shape).mul(1.5).add(0.5).requiresGrad();
  }

  /** F64 leaf with |x| ≥ 0.2: away from the kinks of abs and relu. */
  private static Tensor awayFromZero(long seed, int... shape) {
    Tensor x = Tensor.randn(new Rng(seed), DType.F64, shape);
    return x.add(x.sign().mul(0.2)).requiresGrad();
  }

  /** A non-contiguous leaf of shape [rows, cols]: the transpose of a [cols, rows] tensor. */
  private static Tensor transposedLeaf(long seed, int rows, int cols) {
    Tensor t = Tensor.randn(new Rng(seed), DType.F64, cols, rows).transpose(0, 1).requiresGrad();
    assertFalse(t.isContiguous());
    assertTrue(t.isLeaf());
    return t;
  }

  /** A non-contiguous leaf of shape [rows, cols]: every other row of a [2·rows, cols] tensor. */
  private static Tensor slicedLeaf(long seed, int rows, int cols) {
    Tensor t = Tensor.randn(new Rng(seed), DType.F64, 2 * rows, cols + 1)
        .slice(0, 0, 2 * rows, 2).narrow(1, 1, cols).requiresGrad();
    assertFalse(t.isContiguous());
    assertArrayEquals(new int[] {rows, cols}, t.shape().toArray());
    return t;
  }

  private static void check(UnaryOperator<Tensor> f, Tensor x) {
    GradCheck.assertGradientsMatch(f, x);
  }

  private static void check(Function<Tensor[], Tensor> f, Tensor... inputs) {
    GradCheck.assertGradientsMatch(f, inputs);
  }

  private static Tensor longs(int[] shape, long... values) {
    return Tensor.of(values, shape);
  }

  // ---------------------------------------------------------------- arithmetic

  @Nested class Arithmetic {
    @Test void addSameShape() {
      check(in -> in[0].add(in[1]), randn(1, 3, 4), randn(2, 3, 4));
    }

    @Test void addBroadcastColumnAndRow() {
      check(in -> in[0].add(in[1]), randn(1, 3, 1), randn(2, 1, 4));
    }

    @Test void addBroadcastLowerRank() {
      check(in -> in[0].add(in[1]), randn(1, 4), randn(2, 2, 3, 4));
    }

    @Test void addWithAlpha() {
      check(in -> in[0].add(in[1], -2.5), randn(1, 2, 3), randn(2, 3));
    }

    @Test void addTransposedLeaf() {
      check(in -> in[0].add(in[1]), transposedLeaf(1, 3, 4), randn(2, 3, 4));
    }

    @Test void subTensor() {
      check(in -> in[0].sub(in[1]), randn(1, 3, 1), randn(2, 1, 4));
      check(in -> in[0].sub(in[1]), randn(3, 4), randn(4, 2, 3, 4));
    }

    @Test void mulTensor() {
      check(in -> in[0].mul(in[1]), randn(1, 3, 1), randn(2, 1, 4));
      check(in -> in[0].mul(in[1]), randn(3, 2, 3, 4), randn(4, 4));
      check(in -> in[0].mul(in[1]), slicedLeaf(5, 3, 2), transposedLeaf(6, 3, 2));
    }

    @Test void divTensor() {
      check(in -> in[0].div(in[1]), randn(1, 3, 1), positive(2, 1, 4));
      check(in -> in[0].div(in[1]), randn(3, 4), positive(4, 2, 3, 4));
    }

    @Test void sameInputTwice() {
      // both paths into x accumulate: d(x·x)/dx = 2x
      check(t -> t.mul(t).add(t), randn(1, 3, 2));
    }

    @Test void scalarForms() {
      check(t -> t.add(1.5), randn(1, 2, 3));
      check(t -> t.sub(0.7), randn(2, 2, 3));
      check(t -> t.mul(-3.0), randn(3, 2, 3));
      check(t -> t.div(4.0), randn(4, 2, 3));
      check(t -> t.rsub(2.0), randn(5, 2, 3));
      check(t -> t.rsub(2.0).mul(1.5), transposedLeaf(6, 2, 3));
    }

    @Test void neg() {
      check(Tensor::neg, randn(1, 2, 3));
    }

    @Test void powScalar() {
      check(t -> t.pow(3.0), randn(1, 2, 3));
      check(t -> t.pow(-1.5), positive(2, 2, 3));
      check(t -> t.pow(0.5), positive(3, 4));
      check(t -> t.pow(0.0), positive(4, 3));
    }

    @Test void powTensor() {
      check(in -> in[0].pow(in[1]), positive(1, 2, 3), randn(2, 2, 3));
      check(in -> in[0].pow(in[1]), positive(3, 3, 1), randn(4, 1, 4));
      check(in -> in[0].pow(in[1]), positive(5, 4), randn(6, 2, 3, 4));
    }

    @Test void squareAndReciprocal() {
      check(Tensor::square, randn(1, 2, 3));
      check(Tensor::reciprocal, positive(2, 2, 3));
      check(t -> t.neg().reciprocal(), positive(3, 4));
    }
  }

  // ---------------------------------------------------------------- unary functions

  @Nested class UnaryFunctions {
    @Test void expAndLogs() {
      check(Tensor::exp, randn(1, 2, 3));
      check(Tensor::log, positive(2, 2, 3));
      check(Tensor::log1p, positive(3, 2, 3));
      check(t -> t.log1p(), scaled(4, 0.3, 3));
    }

    @Test void roots() {
      check(Tensor::sqrt, positive(1, 2, 3));
      check(Tensor::rsqrt, positive(2, 2, 3));
    }

    @Test void absAwayFromZero() {
      check(Tensor::abs, awayFromZero(1, 3, 4));
    }

    @Test void signHasZeroGradient() {
      check(t -> t.sign().add(t), awayFromZero(1, 3, 4));
    }

    @Test void clampAwayFromBounds() {
      // values in (-2, -0.6] ∪ [-0.4, 0.4] ∪ [0.6, 2): none within 0.1 of ±0.5
      Tensor x = Tensor.of(new double[] {-1.9, -0.8, -0.6, -0.4, -0.1, 0.0, 0.3, 0.4, 0.6, 0.9,
          1.5, -1.2}, 3, 4).requiresGrad();
      check(t -> t.clamp(-0.5, 0.5), x);
      check(t -> t.clampMin(0.5), x);
      check(t -> t.clampMax(-0.5), x);
      check(t -> t.clampMin(-0.5).mul(t), x);
    }

    @Test void trigonometric() {
      check(Tensor::sin, randn(1, 2, 3));
      check(Tensor::cos, randn(2, 2, 3));
      check(Tensor::tanh, randn(3, 2, 3));
    }

    @Test void activations() {
      check(Tensor::sigmoid, scaled(1, 3, 2, 3));
      check(Tensor::relu, awayFromZero(2, 3, 4));
      check(Tensor::silu, scaled(3, 3, 2, 3));
      check(Tensor::gelu, scaled(4, 2, 2, 3));
      check(Tensor::geluTanh, scaled(5, 2, 2, 3));
      check(Tensor::erf, randn(6, 2, 3));
    }

    @Test void unaryOnNonContiguousLeaves() {
      check(Tensor::exp, transposedLeaf(1, 3, 4));
      check(Tensor::tanh, slicedLeaf(2, 3, 4));
      check(Tensor::gelu, transposedLeaf(3, 2, 5));
    }

    @Test void maximumAndMinimum() {
      check(in -> in[0].maximum(in[1]), randn(1, 3, 4), randn(2, 3, 4));
      check(in -> in[0].minimum(in[1]), randn(3, 3, 4), randn(4, 3, 4));
      check(in -> in[0].maximum(in[1]), randn(5, 3, 1), randn(6, 1, 4));
      check(in -> in[0].minimum(in[1]), randn(7, 4), randn(8, 2, 3, 4));
    }

    @Test void where() {
      Tensor cond = Tensor.randn(new Rng(9), 3, 4).gt(0);
      check(in -> Tensor.where(cond, in[0], in[1]), randn(1, 3, 4), randn(2, 3, 4));
      // condition, a and b broadcast to [3, 4]
      Tensor rowCond = Tensor.of(new boolean[] {true, false, false, true}, 4);
      check(in -> Tensor.where(rowCond, in[0], in[1]), randn(3, 3, 1), randn(4, 4));
    }

    @Test void maskedFill() {
      Tensor mask = Tensor.of(new boolean[] {true, false, true, false}, 1, 4);
      check(t -> t.maskedFill(mask, -7.0).mul(t), randn(1, 3, 4));
    }
  }

  // ---------------------------------------------------------------- reductions

  @Nested class ReductionOps {
    @Test void sum() {
      check(t -> t.sum(), randn(1, 2, 3, 4));
      check(t -> t.sum(1, false), randn(2, 2, 3, 4));
      check(t -> t.sum(-1, true), randn(3, 2, 3, 4));
      check(t -> t.sum(new int[] {0, 2}, false), randn(4, 2, 3, 4));
      check(t -> t.sum(new int[] {0, 2}, true), randn(5, 2, 3, 4));
      check(t -> t.sum(0, false), transposedLeaf(6, 3, 4));
    }

    @Test void mean() {
      check(t -> t.mean(), randn(1, 2, 3, 4));
      check(t -> t.mean(1, false), randn(2, 2, 3, 4));
      check(t -> t.mean(0, true), randn(3, 2, 3, 4));
      check(t -> t.mean(new int[] {1, 2}, false), randn(4, 2, 3, 4));
      check(t -> t.mean(new int[] {-1, 0}, true), randn(5, 2, 3, 4));
      check(t -> t.mean(1, true), slicedLeaf(6, 3, 4));
    }

    @Test void amaxAndAmin() {
      check(t -> t.max(), randn(1, 3, 4));
      check(t -> t.min(), randn(2, 3, 4));
      check(t -> t.amax(new int[] {1}, false), randn(3, 2, 3, 4));
      check(t -> t.amin(new int[] {0, 2}, true), randn(4, 2, 3, 4));
      check(t -> t.amax(new int[] {0}, true), transposedLeaf(5, 3, 4));
    }

    @Test void maxAndMinAlongDimValues() {
      check(t -> t.max(1, false).values(), randn(1, 3, 4));
      check(t -> t.max(0, true).values(), randn(2, 3, 4));
      check(t -> t.min(-1, false).values(), randn(3, 2, 3, 4));
      check(t -> t.min(0, true).values(), transposedLeaf(4, 3, 4));
    }

    @Test void varAndStd() {
      for (boolean unbiased : new boolean[] {true, false}) {
        check(t -> t.var(new int[0], unbiased, false), randn(1, 3, 4));
        check(t -> t.var(1, unbiased, false), randn(2, 3, 4));
        check(t -> t.var(new int[] {0, 2}, unbiased, true), randn(3, 2, 3, 4));
        check(t -> t.std(0, unbiased, true), randn(4, 3, 4));
        check(t -> t.std(new int[] {-1}, unbiased, false), transposedLeaf(5, 3, 4));
      }
    }

    @Test void logsumexp() {
      check(t -> t.logsumexp(1, false), randn(1, 3, 4));
      check(t -> t.logsumexp(0, true), randn(2, 3, 4));
      check(t -> t.logsumexp(new int[] {0, 2}, false), randn(3, 2, 3, 4));
      check(t -> t.mul(5).logsumexp(-1, true), transposedLeaf(4, 3, 4));
    }

    @Test void cumsum() {
      check(t -> t.cumsum(0), randn(1, 3, 4));
      check(t -> t.cumsum(1), randn(2, 3, 4));
      check(t -> t.cumsum(-1), randn(3, 2, 3, 4));
      check(t -> t.cumsum(1), transposedLeaf(4, 3, 4));
    }

    @Test void softmax() {
      check(t -> t.softmax(-1), randn(1, 3, 5));
      check(t -> t.softmax(0), randn(2, 3, 5));
      check(t -> t.softmax(1), randn(3, 2, 3, 4));
      check(t -> t.softmax(-1), transposedLeaf(4, 3, 4));
    }

    @Test void logSoftmax() {
      check(t -> t.logSoftmax(-1), randn(1, 3, 5));
      check(t -> t.logSoftmax(0), randn(2, 3, 5));
      check(t -> t.logSoftmax(1), randn(3, 2, 3, 4));
      check(t -> t.logSoftmax(0), slicedLeaf(4, 3, 4));
    }

    @Test void norm() {
      check(Tensor::norm, randn(1, 3, 4));
      check(Tensor::norm, transposedLeaf(2, 3, 4));
    }
  }

  // ---------------------------------------------------------------- matmul

  @Nested class MatMul {
    @Test void vectorVector() {
      check(in -> in[0].matmul(in[1]), randn(1, 4), randn(2, 4));
    }

    @Test void vectorMatrix() {
      check(in -> in[0].matmul(in[1]), randn(1, 3), randn(2, 3, 4));
    }

    @Test void matrixVector() {
      check(in -> in[0].matmul(in[1]), randn(1, 2, 3), randn(2, 3));
    }

    @Test void matrixMatrix() {
      check(in -> in[0].matmul(in[1]), randn(1, 2, 3), randn(2, 3, 4));
    }

    @Test void transposedOperands() {
      check(in -> in[0].matmul(in[1]), transposedLeaf(1, 2, 3), transposedLeaf(2, 3, 4));
      check(in -> in[0].matmul(in[1].t()), randn(3, 2, 3), randn(4, 4, 3));
    }

    @Test void batched() {
      check(in -> in[0].matmul(in[1]), randn(1, 2, 2, 3), randn(2, 2, 3, 2));
    }

    @Test void batchedWithMatrix() {
      check(in -> in[0].matmul(in[1]), randn(1, 2, 2, 3), randn(2, 3, 4));
      check(in -> in[0].matmul(in[1]), randn(3, 2, 3), randn(4, 2, 3, 2));
    }

    @Test void batchedWithVector() {
      check(in -> in[0].matmul(in[1]), randn(1, 3), randn(2, 2, 3, 2));
      check(in -> in[0].matmul(in[1]), randn(3, 2, 2, 3), randn(4, 3));
    }

    @Test void broadcastBatchDims4d() {
      // [2, 1, 2, 3] @ [3, 3, 2] → batch [2, 3]
      check(in -> in[0].matmul(in[1]), randn(1, 2, 1, 2, 3), randn(2, 3, 3, 2));
      check(in -> in[0].matmul(in[1]), randn(3, 1, 2, 2, 3), randn(4, 2, 1, 3, 2));
    }
  }

  // ---------------------------------------------------------------- shapes and views

  @Nested class Views {
    @Test void reshapeViewFlatten() {
      check(t -> t.reshape(4, 3).mul(t.reshape(4, 3)), randn(1, 2, 6));
      check(t -> t.reshape(-1, 2), randn(2, 2, 3));
      check(t -> t.reshape(6).cumsum(0), transposedLeaf(3, 2, 3));
      check(t -> t.view(3, 2).cumsum(1), randn(4, 2, 3));
      check(t -> t.flatten().cumsum(0), randn(5, 2, 3));
      check(t -> t.flatten(1, 2).cumsum(1), randn(6, 2, 3, 2));
    }

    @Test void transposeAndPermute() {
      check(t -> t.transpose(0, 1).cumsum(1), randn(1, 2, 3));
      check(t -> t.t().cumsum(1), randn(2, 2, 3));
      check(t -> t.permute(2, 0, 1).cumsum(2), randn(3, 2, 3, 4));
      check(t -> t.permute(1, 0).cumsum(1), transposedLeaf(4, 2, 3));
    }

    @Test void unsqueezeAndSqueeze() {
      check(t -> t.unsqueeze(1).add(t.unsqueeze(0)), randn(1, 3));
      check(t -> t.squeeze().cumsum(0), randn(2, 1, 3, 1));
      check(t -> t.squeeze(0).cumsum(0), randn(3, 1, 3));
      check(t -> t.unsqueeze(-1).cumsum(0), transposedLeaf(4, 2, 3));
    }

    @Test void expandAndExpandAs() {
      Tensor w = Tensor.randn(new Rng(9), DType.F64, 2, 3, 4);
      check(t -> t.expand(2, 3, 4).mul(w), randn(1, 3, 1));
      check(t -> t.expand(2, -1, 4).mul(w), randn(2, 3, 1));
      check(t -> t.expandAs(w).mul(w), randn(3, 4));
    }

    @Test void narrowSliceSelect() {
      check(t -> t.narrow(1, 1, 2).square(), randn(1, 3, 4));
      check(t -> t.narrow(0, -2, 2).square(), randn(2, 3, 4));
      check(t -> t.slice(1, 0, 4, 2).square(), randn(3, 3, 4));
      check(t -> t.slice(0, 1, 100, 3).square(), randn(4, 7, 2));
      check(t -> t.select(0, 1).square(), randn(5, 3, 4));
      check(t -> t.select(-1, -1).square(), transposedLeaf(6, 3, 4));
    }

    @Test void contiguousAndCopy() {
      check(t -> t.contiguous().cumsum(1), transposedLeaf(1, 3, 4));
      check(t -> t.copy().mul(t), randn(2, 3, 4));
    }

    @Test void toF64RoundTrips() {
      check(t -> t.to(DType.F64).square(), randn(1, 2, 3));
      // through F32: finite differences need a larger step and looser tolerances
      Tensor x = randn(2, 2, 3);
      Function<Tensor[], Tensor> f = in -> in[0].to(DType.F32).mul(3).to(DType.F64).square();
      GradCheck.Result r = GradCheck.check(f, new GradCheck.Options(1e-3, 1e-3, 1e-2, 42), x);
      assertTrue(r.passed(), r.toString());
    }

    @Test void f32LeafGetsF32GradientThroughF64() {
      Tensor x = Tensor.of(new float[] {1, -2, 3}).requiresGrad();
      x.to(DType.F64).square().sum().backward();
      assertEquals(DType.F32, x.grad().dtype());
      assertArrayEquals(new float[] {2, -4, 6}, x.grad().toFloatArray());
    }
  }

  // ---------------------------------------------------------------- indexing

  @Nested class IndexingOps {
    @Test void indexSelect() {
      Tensor idx = longs(new int[] {4}, 2, 0, 2, 1);
      check(t -> t.indexSelect(0, idx), randn(1, 3, 2));
      check(t -> t.indexSelect(1, idx), randn(2, 2, 3));
      check(t -> t.indexSelect(-1, idx), transposedLeaf(3, 2, 3));
    }

    @Test void gather() {
      Tensor idx = longs(new int[] {2, 3}, 0, 2, 2, 1, 1, 0);
      check(t -> t.gather(1, idx), randn(1, 2, 4));
      Tensor idx0 = longs(new int[] {2, 2}, 1, 0, 1, 1);
      check(t -> t.gather(0, idx0), randn(2, 3, 2));
      check(t -> t.gather(1, idx), transposedLeaf(3, 2, 4));
    }

    @Test void scatterAddBothInputs() {
      Tensor idx = longs(new int[] {2, 3}, 0, 2, 2, 1, 1, 0);
      check(in -> in[0].scatterAdd(1, idx, in[1]), randn(1, 2, 4), randn(2, 2, 3));
      Tensor idx0 = longs(new int[] {2, 2}, 1, 0, 1, 1);
      check(in -> in[0].scatterAdd(0, idx0, in[1]), randn(3, 3, 2), transposedLeaf(4, 2, 2));
    }

    @Test void scatterAddSourceLargerThanIndex() {
      // only src[:, :2] is scattered; the rest of src gets a zero gradient
      Tensor idx = longs(new int[] {2, 2}, 0, 2, 1, 1);
      check(in -> in[0].scatterAdd(1, idx, in[1]).square(), randn(1, 2, 4), randn(2, 3, 3));
    }

    @Test void embedding() {
      Tensor ids = longs(new int[] {2, 3}, 1, 3, 1, 0, 3, 3);
      check(w -> Tensor.embedding(w, ids), randn(1, 4, 2));
      Tensor ids32 = Tensor.of(new int[] {2, 2, 0}, 3);
      check(w -> Tensor.embedding(w, ids32).square(), randn(2, 3, 2));
    }

    @Test void cat() {
      check(in -> Tensor.cat(1, in[0], in[1], in[2]), randn(1, 2, 1), randn(2, 2, 3),
          transposedLeaf(3, 2, 2));
      check(in -> Tensor.cat(List.of(in[0], in[1]), 0).cumsum(0), randn(4, 1, 3), randn(5, 2, 3));
      check(t -> Tensor.cat(0, t, t.square()).cumsum(0), randn(6, 2, 2));
    }

    @Test void stack() {
      check(in -> Tensor.stack(0, in[0], in[1]).cumsum(0), randn(1, 2, 3), randn(2, 2, 3));
      check(in -> Tensor.stack(List.of(in[0], in[1]), -1).cumsum(2), randn(3, 2, 3),
          transposedLeaf(4, 2, 3));
    }

    @Test void splitAndChunk() {
      check(t -> {
        List<Tensor> p = t.split(2, 1);
        return p.get(0).sum().add(p.get(1).square().sum()).add(p.get(2).exp().sum());
      }, randn(1, 2, 5));
      check(t -> {
        List<Tensor> p = t.split(new int[] {1, 3}, 0);
        return p.get(0).sum().mul(p.get(1).sin().sum());
      }, randn(2, 4, 2));
      check(t -> {
        List<Tensor> p = t.chunk(2, -1);
        return p.get(0).mul(p.get(1));
      }, transposedLeaf(3, 3, 4));
    }

    @Test void trilAndTriu() {
      check(t -> t.tril(0), randn(1, 3, 4));
      check(t -> t.triu(1), randn(2, 3, 4));
      check(t -> t.tril(-1), randn(3, 2, 3, 3));
      check(t -> t.triu(0), transposedLeaf(4, 3, 3));
    }

    @Test void pad() {
      check(t -> t.pad(new int[] {1, 2}, 0.5).square(), randn(1, 2, 3));
      check(t -> t.pad(new int[] {0, 1, 2, 0}, -1).square(), randn(2, 2, 3));
      check(t -> t.pad(new int[] {1, 1}, 0).cumsum(1), transposedLeaf(3, 2, 3));
    }
  }

  // ---------------------------------------------------------------- compositions

  @Test void smallNetwork() {
    Tensor x = Tensor.randn(new Rng(0), DType.F64, 4, 3);
    Tensor target = Tensor.of(new long[] {0, 2, 1, 1}, 4, 1);
    check(in -> x.matmul(in[0]).add(in[1]).tanh().logSoftmax(-1).gather(1, target).mean().neg(),
        randn(1, 3, 3), randn(2, 3));
  }
}
