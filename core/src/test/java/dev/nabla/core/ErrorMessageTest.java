package dev.nabla.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.autograd.GradCheck;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Bad input fails fast, with the exception type of the Nabla convention and a PyTorch-style
 * message that names the op and the shapes involved.
 */
class ErrorMessageTest {

  /** Asserts the exception type and that the message contains every fragment. */
  private static <T extends Throwable> T assertFails(Class<T> type, Executable call,
      String... fragments) {
    T e = assertThrows(type, call);
    String message = e.getMessage();
    for (String f : fragments) {
      assertTrue(message != null && message.contains(f),
          () -> "message \"" + message + "\" lacks \"" + f + "\"");
    }
    return e;
  }

  private static Tensor z(int... shape) {
    return Tensor.zeros(shape);
  }

  private static Tensor longs(int[] shape, long... values) {
    return Tensor.of(values, shape);
  }

  // ---------------------------------------------------------------- shapes

  @Nested class Shapes {
    @Test void matmulInnerDimensions() {
      assertFails(ShapeMismatchException.class, () -> z(8, 64).matmul(z(32, 10)),
          "matmul: shapes [8, 64] and [32, 10] cannot be multiplied (64 != 32)");
      assertFails(ShapeMismatchException.class, () -> z(3).matmul(z(4)),
          "matmul: shapes [3] and [4] cannot be multiplied (3 != 4)");
      assertFails(ShapeMismatchException.class, () -> z(2, 5, 3).matmul(z(4)),
          "matmul: shapes [2, 5, 3] and [4]");
    }

    @Test void matmulBatchDimensions() {
      assertFails(ShapeMismatchException.class, () -> z(2, 3, 4).matmul(z(3, 4, 5)),
          "matmul: batch dimensions of [2, 3, 4] and [3, 4, 5] do not broadcast");
    }

    @Test void matmulScalarOperand() {
      assertFails(IllegalArgumentException.class, () -> Tensor.scalar(2).matmul(z(2)),
          "matmul: both arguments need at least 1 dimension", "[] and [2]");
    }

    @Test void broadcastingInBinaryOps() {
      assertFails(ShapeMismatchException.class, () -> z(2, 3).add(z(2, 4)),
          "add: the size of tensor a (3) must match the size of tensor b (4) at non-singleton"
              + " dimension 1", "[2, 3] and [2, 4]");
      assertFails(ShapeMismatchException.class, () -> z(5, 3).mul(z(4, 1, 2)),
          "mul: the size of tensor a (3) must match the size of tensor b (2) at non-singleton"
              + " dimension 2", "[5, 3] and [4, 1, 2]");
      assertFails(ShapeMismatchException.class, () -> z(3).sub(z(4)), "sub:", "[3] and [4]");
      assertFails(ShapeMismatchException.class, () -> z(3).div(z(4)), "div:", "[3] and [4]");
      assertFails(ShapeMismatchException.class, () -> z(3).lt(z(2)), "lt:", "[3] and [2]");
      assertFails(ShapeMismatchException.class, () -> z(3).maximum(z(2)), "maximum:",
          "[3] and [2]");
    }

    @Test void reshapeToWrongSize() {
      assertFails(ShapeMismatchException.class, () -> z(2, 3).reshape(4, 2),
          "reshape: shape [4, 2] is invalid for input of size 6");
      assertFails(ShapeMismatchException.class, () -> z(2, 3).reshape(4, -1),
          "reshape: shape [4, -1] is invalid for input of size 6");
      assertFails(IllegalArgumentException.class, () -> z(2, 3).reshape(-1, -1),
          "reshape: only one dimension can be inferred in [-1, -1]");
      assertFails(ShapeMismatchException.class, () -> z(2, 3).view(5),
          "view: shape [5] is invalid for input of size 6");
      assertFails(ShapeMismatchException.class, () -> Tensor.of(new float[] {1, 2, 3}, 2, 2),
          "of: shape [2, 2] is invalid for input of size 3");
    }

    @Test void viewOfNonContiguousTensor() {
      assertFails(IllegalStateException.class, () -> z(2, 3).t().view(6),
          "view: view size is not compatible with input tensor's size and stride",
          "shape [3, 2]", "strides [1, 3]", "use reshape(...)");
    }

    @Test void expandAndBroadcastTargets() {
      assertFails(ShapeMismatchException.class, () -> z(2, 3).expand(2, 4),
          "expand: the expanded size of the tensor (4) must match the existing size (3) at"
              + " non-singleton dimension 1", "Target sizes: [2, 4]", "Tensor sizes: [2, 3]");
      assertFails(IllegalArgumentException.class, () -> z(2, 3).expand(3),
          "expand: the number of sizes provided (1)", "dimensions in the tensor (2)");
      assertFails(ShapeMismatchException.class, () -> z(2).copyFrom(z(3, 2)),
          "copyFrom: source of shape [3, 2] cannot be broadcast to [2]");
      assertFails(ShapeMismatchException.class, () -> z(2).addInPlace(z(3, 2)),
          "addInPlace: output with shape [2] doesn't match the broadcast shape [3, 2]");
      assertFails(ShapeMismatchException.class, () -> z(2).addInPlace(z(3)),
          "addInPlace: the size of tensor a (2) must match the size of tensor b (3)");
    }

    @Test void catWithMismatchedShapes() {
      assertFails(ShapeMismatchException.class, () -> Tensor.cat(0, z(2, 3), z(2, 4)),
          "cat: sizes of tensors must match except in dimension 0. Expected size 3 but got size"
              + " 4 for tensor number 1", "[2, 3] and [2, 4]");
      assertFails(ShapeMismatchException.class, () -> Tensor.cat(0, z(2, 3), z(3)),
          "cat: tensors must have the same number of dimensions: got 2 and 1 (tensor 1)");
      assertFails(ShapeMismatchException.class, () -> Tensor.cat(1, z(2, 3), z(2)),
          "cat: tensors must have the same number of dimensions: got 2 and 1 (tensor 1)");
      assertFails(IllegalArgumentException.class, () -> Tensor.cat(0),
          "cat: expected a non-empty list of tensors");
      assertFails(ShapeMismatchException.class, () -> Tensor.stack(0, z(2, 3), z(3, 2)),
          "stack: expects each tensor to be equal size, but got [2, 3] at entry 0 and [3, 2] at"
              + " entry 1");
    }

    @Test void splitSizes() {
      assertFails(ShapeMismatchException.class, () -> z(2, 3).split(new int[] {1, 1}, 1),
          "split: split sizes [1, 1] must sum to the size of dimension 1 (3) of shape [2, 3]");
      assertFails(IllegalArgumentException.class, () -> z(3).split(0, 0),
          "split: split size must be positive, got 0");
      assertFails(IllegalArgumentException.class, () -> z(3).chunk(0, 0),
          "chunk: number of chunks must be positive, got 0");
    }

    @Test void permuteWithRepeatedDims() {
      assertFails(IllegalArgumentException.class, () -> z(2, 3).permute(0, 0),
          "permute: repeated dim in [0, 0] for shape [2, 3]");
      assertFails(IllegalArgumentException.class, () -> z(2, 3).permute(1, -1),
          "permute: repeated dim in [1, -1]");
      assertFails(IllegalArgumentException.class, () -> z(2, 3).permute(0),
          "permute: number of dims don't match (got 1 dims for shape [2, 3])");
    }

    @Test void padding() {
      assertFails(IllegalArgumentException.class, () -> z(2, 3).pad(new int[] {-1, 1}, 0),
          "pad: negative padding is not supported, got [-1, 1] for shape [2, 3]");
      assertFails(IllegalArgumentException.class, () -> z(2, 3).pad(new int[] {1}, 0),
          "pad: padding length must be even and at most 2 × rank (4), got 1");
      assertFails(IllegalArgumentException.class, () -> z(3).pad(new int[] {1, 1, 1, 1}, 0),
          "pad: padding length must be even and at most 2 × rank (2), got 4");
    }

    @Test void matrixOnlyOps() {
      assertFails(IllegalArgumentException.class, () -> z(2, 3, 4).t(),
          "t: expects a tensor with <= 2 dimensions, but got shape [2, 3, 4]");
      assertFails(IllegalArgumentException.class, () -> z(3).tril(0),
          "tril: input tensor must have at least 2 dimensions, got shape [3]");
      assertFails(IllegalArgumentException.class, () -> z(3).triu(0), "triu:", "[3]");
    }

    @Test void maskShapes() {
      assertFails(ShapeMismatchException.class,
          () -> z(2, 3).maskedFill(Tensor.zeros(DType.BOOL, 4, 2, 3), 1),
          "maskedFill: mask of shape [4, 2, 3] is not broadcastable to [2, 3]");
      assertFails(ShapeMismatchException.class,
          () -> Tensor.where(Tensor.zeros(DType.BOOL, 5), z(2, 3), z(3)),
          "where: condition of shape [5] cannot be broadcast with [2, 3]");
      assertFails(ShapeMismatchException.class,
          () -> Tensor.where(Tensor.zeros(DType.BOOL, 2), z(2), z(3)), "where:", "[2] and [3]");
    }
  }

  // ---------------------------------------------------------------- indexing and dims

  @Nested class Indices {
    @Test void dimensionOutOfRange() {
      assertFails(IndexOutOfBoundsException.class, () -> z(2, 3).sum(2, false),
          "Dimension out of range (expected to be in range of [-2, 1], but got 2)",
          "shape [2, 3]");
      assertFails(IndexOutOfBoundsException.class, () -> z(2, 3).softmax(-3),
          "Dimension out of range (expected to be in range of [-2, 1], but got -3)");
      assertFails(IndexOutOfBoundsException.class, () -> z(2, 3).transpose(0, 2),
          "but got 2)", "[2, 3]");
      assertFails(IndexOutOfBoundsException.class, () -> z(2, 3).unsqueeze(4),
          "expected to be in range of [-3, 2], but got 4");
      assertFails(IndexOutOfBoundsException.class, () -> z(2, 3).cumsum(5), "but got 5)");
      assertFails(IllegalArgumentException.class, () -> z(2, 3).sum(new int[] {0, -2}, false),
          "dim 0 appears multiple times in the list of dims");
    }

    @Test void gatherWithWrongRank() {
      assertFails(ShapeMismatchException.class, () -> z(2, 3).gather(1, longs(new int[] {2}, 0, 1)),
          "gather: index tensor must have the same number of dimensions as the input tensor",
          "index [2], input [2, 3]");
      assertFails(ShapeMismatchException.class,
          () -> z(2, 3).gather(1, Tensor.zeros(DType.I64, 3, 1)),
          "gather: size does not match at dimension 0", "[3, 1]", "[2, 3]");
      assertFails(IllegalArgumentException.class, () -> z(2).gather(0, z(2)),
          "gather: expected an I64 or I32 index tensor, got F32");
    }

    @Test void scatterAddShapes() {
      assertFails(ShapeMismatchException.class,
          () -> z(2, 3).scatterAdd(1, Tensor.zeros(DType.I64, 2, 2), z(2, 1)),
          "scatterAdd: expected index [2, 2] to be no larger than src [2, 1]");
      assertFails(ShapeMismatchException.class,
          () -> z(2, 3).scatterAdd(0, Tensor.zeros(DType.I64, 2), z(2)),
          "scatterAdd: index tensor must have the same number of dimensions");
    }

    @Test void indexOutOfRange() {
      assertFails(IndexOutOfBoundsException.class,
          () -> z(3, 2).indexSelect(0, longs(new int[] {2}, 0, 5)),
          "indexSelect: index 5 is out of bounds for dimension 0 with size 3");
      assertFails(IndexOutOfBoundsException.class,
          () -> z(2, 3).gather(1, longs(new int[] {2, 1}, 0, 3)),
          "gather: index 3 is out of bounds for dimension 1 with size 3");
      assertFails(IndexOutOfBoundsException.class,
          () -> z(2, 3).scatterAdd(1, longs(new int[] {1, 1}, -4), z(1, 1)),
          "scatterAdd: index -4 is out of bounds for dimension 1 with size 3");
      assertFails(IndexOutOfBoundsException.class,
          () -> Tensor.embedding(z(4, 2), longs(new int[] {2}, 1, 7)),
          "embedding: index 7 is out of range for 4 embeddings (weight shape [4, 2])");
      assertFails(IndexOutOfBoundsException.class, () -> longs(new int[] {2}, 0, 3).oneHot(3),
          "oneHot: class value 3 is outside [0, 3)");
      assertFails(IndexOutOfBoundsException.class, () -> z(2, 3).select(1, 5),
          "select: index 5 out of range for tensor of size [2, 3] at dimension 1");
      assertFails(IndexOutOfBoundsException.class, () -> z(2, 3).narrow(1, 2, 2),
          "narrow: start (2) + length (2) exceeds dimension size (3) of dimension 1 in shape"
              + " [2, 3]");
      assertFails(IndexOutOfBoundsException.class, () -> z(2, 3).getDouble(1, 3),
          "index 3 is out of bounds for dimension 1 with size 3");
      assertFails(IllegalArgumentException.class, () -> z(2, 3).getDouble(1),
          "index: expected 2 indices for shape [2, 3], got 1");
    }

    @Test void indexTensorsMustBeIntegral() {
      assertFails(IllegalArgumentException.class, () -> z(3).indexSelect(0, z(2)),
          "indexSelect: expected an I64 or I32 index tensor, got F32");
      assertFails(IllegalArgumentException.class,
          () -> z(3).indexSelect(0, Tensor.zeros(DType.I64, 1, 1)),
          "indexSelect: index must be 0-D or 1-D, got shape [1, 1]");
      assertFails(IllegalArgumentException.class, () -> Tensor.embedding(z(4, 2), z(3)),
          "embedding: expected an I64 or I32 index tensor, got F32");
      assertFails(IllegalArgumentException.class,
          () -> Tensor.embedding(z(4), longs(new int[] {1}, 0)),
          "embedding: weight must be 2-D [numEmbeddings, dim], got shape [4]");
      assertFails(IllegalArgumentException.class,
          () -> Tensor.where(z(2), z(2), z(2)), "where: expected a BOOL mask, got F32");
      assertFails(IllegalArgumentException.class, () -> z(2).maskedFill(z(2), 0),
          "maskedFill: expected a BOOL mask, got F32");
    }
  }

  // ---------------------------------------------------------------- autograd and dtypes

  @Nested class AutogradAndTypes {
    @Test void backwardOnNonScalarWithoutGradient() {
      Tensor y = Tensor.zeros(DType.F64, 2, 3).requiresGrad().mul(2);
      assertFails(IllegalStateException.class, y::backward,
          "backward: grad can be implicitly created only for scalar outputs, got shape [2, 3]",
          "backward(gradOutput)");
      assertFails(IllegalArgumentException.class, () -> y.backward(Tensor.zeros(DType.F64, 3)),
          "backward: gradient shape [3] does not match tensor shape [2, 3]");
    }

    @Test void backwardWithoutGraph() {
      assertFails(IllegalStateException.class, () -> z(2).sum().backward(),
          "backward: the tensor does not require grad and has no gradFn");
      Tensor w = Tensor.ones(DType.F64, 2).requiresGrad();
      Tensor loss = w.exp().sum();
      loss.backward();
      assertFails(IllegalStateException.class, loss::backward,
          "sum: trying to backward through the graph a second time", "backward(true)");
    }

    @Test void itemOnMultiElementTensor() {
      assertFails(IllegalStateException.class, () -> z(2, 3).item(),
          "item: a Tensor with 6 elements cannot be converted to a scalar (shape [2, 3])");
    }

    @Test void requiresGradOnIntegerTensor() {
      assertFails(UnsupportedOperationException.class, () -> Tensor.arange(3).requiresGrad(),
          "requiresGrad: only floating-point tensors can require gradients, got I64");
      assertFails(UnsupportedOperationException.class,
          () -> Tensor.zeros(DType.BOOL, 2).requiresGrad(), "got BOOL");
      Tensor y = Tensor.zeros(DType.F64, 2).requiresGrad().mul(2);
      assertFails(IllegalStateException.class, () -> y.requiresGrad(false),
          "requiresGrad: you can only change requiresGrad flags of leaf tensors; use detach()");
    }

    @Test void setGradShape() {
      assertFails(ShapeMismatchException.class, () -> z(2).setGrad(z(3)),
          "setGrad: assigned grad has shape [3] but the tensor has shape [2]");
    }

    @Test void floatOnlyOps() {
      Tensor ints = Tensor.arange(3);
      assertFails(UnsupportedOperationException.class, ints::mean,
          "mean: could not infer output dtype; input dtype must be floating point, got I64");
      assertFails(UnsupportedOperationException.class, () -> ints.var(0, true, false),
          "var: expected a floating-point tensor, got I64");
      assertFails(UnsupportedOperationException.class, () -> ints.softmax(0),
          "softmax: expected a floating-point tensor, got I64");
      assertFails(UnsupportedOperationException.class, () -> ints.logSoftmax(0),
          "logSoftmax: expected a floating-point tensor, got I64");
      assertFails(UnsupportedOperationException.class, () -> ints.matmul(ints),
          "matmul: expected both operands to have the same floating-point dtype, got I64 and I64");
      assertFails(UnsupportedOperationException.class,
          () -> z(2, 3).matmul(Tensor.zeros(DType.F64, 3, 2)), "got F32 and F64");
      assertFails(UnsupportedOperationException.class,
          () -> Tensor.randn(new Rng(0), DType.I64, 3),
          "randn: expected a floating-point dtype, got I64");
      assertFails(UnsupportedOperationException.class,
          () -> Tensor.rand(new Rng(0), DType.I32, 3), "rand: expected a floating-point dtype");
    }

    @Test void gradCheckNeedsF64() {
      Tensor x = Tensor.zeros(2).requiresGrad();
      assertFails(IllegalArgumentException.class,
          () -> GradCheck.assertGradientsMatch(t -> t.exp(), x),
          "GradCheck: input 0 requires grad but is F32");
    }
  }

  // ---------------------------------------------------------------- creation and arguments

  @Nested class Arguments {
    @Test void creation() {
      assertFails(IllegalArgumentException.class, () -> Tensor.arange(0, 5, 0, DType.F32),
          "arange: step must be nonzero");
      assertFails(IllegalArgumentException.class, () -> Tensor.arange(0, 5, -1, DType.F32),
          "arange: upper bound and larger bound inconsistent with step sign");
      assertFails(IllegalArgumentException.class, () -> Tensor.linspace(0, 1, -1),
          "linspace: number of steps must be non-negative, got -1");
      assertFails(IllegalArgumentException.class, () -> Tensor.randint(new Rng(0), 3, 3, 2),
          "randint: expected low < high, got low=3, high=3");
      assertFails(IllegalArgumentException.class, () -> Tensor.zeros(2, -1),
          "negative dimension in [2, -1]");
    }

    @Test void opArguments() {
      assertFails(IllegalArgumentException.class, () -> z(3).clamp(1, 0),
          "clamp: min (1.0) must not exceed max (0.0)");
      assertFails(IllegalArgumentException.class, () -> z(3).slice(0, 0, 3, 0),
          "slice: step must be positive, got 0");
      assertFails(IllegalArgumentException.class, () -> z(2, 3, 4).flatten(2, 0),
          "flatten: start dim 2 cannot come after end dim 0");
      IllegalArgumentException e = assertFails(IllegalArgumentException.class,
          () -> z(0, 3).max(0, false), "max: cannot reduce over a zero-size dimension",
          "[0, 3]");
      assertEquals(IllegalArgumentException.class, e.getClass());
    }
  }
}
