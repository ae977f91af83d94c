package dev.nabla.core;

import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;
import dev.nabla.core.internal.kernel.BinaryOp;
import java.util.function.DoubleBinaryOperator;
import java.util.function.DoubleUnaryOperator;

/** The built-in differentiable ops, forward and backward side by side. */
final class Ops {
  private Ops() {}

  /** Gradient of a broadcast operand: sums {@code g} back down to {@code shape}. */
  static Tensor sumTo(Tensor g, Shape shape) {
    if (g.shape().equals(shape)) {
      return g;
    }
    int extra = g.dim() - shape.rank();
    boolean[] reduce = new boolean[g.dim()];
    boolean any = false;
    for (int d = 0; d < g.dim(); d++) {
      reduce[d] = d < extra || (shape.dim(d - extra) == 1 && g.size(d) != 1);
      any |= reduce[d];
    }
    Tensor s = any ? Reductions.sum(g, reduce, true) : g;
    return s.reshape(shape.toArray());
  }

  // ---------------------------------------------------------------- elementwise

  /** y = f(x) with a gradient rule in terms of x, y and dy. */
  static final class Unary extends Op {
    interface Grad {
      Tensor apply(Tensor x, Tensor y, Tensor dy);
    }

    private final String name;
    private final DoubleUnaryOperator f;
    private final Grad grad;
    private final boolean keepsIntegral;
    private final Fast.FloatLoop fast;

    Unary(String name, DoubleUnaryOperator f, Grad grad, boolean keepsIntegral) {
      this(name, f, grad, keepsIntegral, null);
    }

    /** With {@code fast}, contiguous F32 inputs run the kernel loop instead of {@code f}. */
    Unary(String name, DoubleUnaryOperator f, Grad grad, boolean keepsIntegral,
        Fast.FloatLoop fast) {
      this.name = name;
      this.f = f;
      this.grad = grad;
      this.keepsIntegral = keepsIntegral;
      this.fast = fast;
    }

    @Override public String name() {
      return name;
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      Tensor x = in[0];
      DType t = x.dtype().isFloatingPoint() || (keepsIntegral && x.dtype().isIntegral())
          ? x.dtype() : DType.F32;
      Tensor y = Compute.map(x, t, f, fast);
      ctx.save(x, y);
      return y;
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      if (grad == null) {
        return new Tensor[] {Tensor.zeros(ctx.saved(0).dtype(), ctx.saved(0).shape().toArray())};
      }
      return new Tensor[] {grad.apply(ctx.saved(0), ctx.saved(1), dy)};
    }
  }

  /** y = f(a, b) with broadcasting; each gradient is summed back to its operand's shape. */
  static final class Binary extends Op {
    interface Grad {
      Tensor apply(Tensor a, Tensor b, Tensor y, Tensor dy);
    }

    private final String name;
    private final DoubleBinaryOperator f;
    private final Grad ga;
    private final Grad gb;
    private final boolean floatResult;
    private final BinaryOp kernel;

    Binary(String name, DoubleBinaryOperator f, Grad ga, Grad gb, boolean floatResult) {
      this(name, f, ga, gb, floatResult, null);
    }

    /** With {@code kernel}, F32 operands in common layouts run the kernel loop. */
    Binary(String name, DoubleBinaryOperator f, Grad ga, Grad gb, boolean floatResult,
        BinaryOp kernel) {
      this.name = name;
      this.f = f;
      this.ga = ga;
      this.gb = gb;
      this.floatResult = floatResult;
      this.kernel = kernel;
    }

    @Override public String name() {
      return name;
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      Tensor a = in[0];
      Tensor b = in[1];
      Shape out = broadcastShape(name, a, b);
      DType t = resultType(a, b);
      if (floatResult && !t.isFloatingPoint()) {
        t = DType.F32;
      }
      Tensor y = t == DType.F32 ? Fast.zip(a, b, out, kernel) : null;
      if (y == null) {
        y = Compute.zip(a, b, t, f);
      }
      ctx.save(a, b, y);
      return y;
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor a = ctx.saved(0);
      Tensor b = ctx.saved(1);
      Tensor y = ctx.saved(2);
      Tensor da = ctx.needsInputGrad(0) ? sumTo(ga.apply(a, b, y, dy), a.shape()) : null;
      Tensor db = ctx.needsInputGrad(1) ? sumTo(gb.apply(a, b, y, dy), b.shape()) : null;
      return new Tensor[] {da, db};
    }
  }

  /**
   * The dtype of a binary op's result, as PyTorch: a 0-d operand does not widen a dimensioned one
   * of the same or a higher category (bool &lt; integer &lt; float), so f32[3]·f64[] is F32.
   */
  static DType resultType(Tensor a, Tensor b) {
    if ((a.dim() == 0) != (b.dim() == 0)) {
      DType dimensioned = a.dim() == 0 ? b.dtype() : a.dtype();
      DType zeroDim = a.dim() == 0 ? a.dtype() : b.dtype();
      if (category(zeroDim) <= category(dimensioned)) {
        return dimensioned;
      }
    }
    return DType.promote(a.dtype(), b.dtype());
  }

  private static int category(DType t) {
    return t.isFloatingPoint() ? 2 : t.isIntegral() ? 1 : 0;
  }

  static Shape broadcastShape(String op, Tensor a, Tensor b) {
    try {
      return Shape.broadcast(a.shape(), b.shape());
    } catch (ShapeMismatchException e) {
      throw new ShapeMismatchException(
          op + ": " + Character.toLowerCase(e.getMessage().charAt(0)) + e.getMessage().substring(1)
              + " (shapes " + a.shape() + " and " + b.shape() + ")");
    }
  }

  /** cond ? a : b; cond is not differentiable. */
  static final class Where extends Op {
    private final Tensor cond;

    Where(Tensor cond) {
      this.cond = cond;
    }

    @Override public String name() {
      return "where";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      Tensor a = in[0];
      Tensor b = in[1];
      Shape ab = broadcastShape("where", a, b);
      try {
        Shape.broadcast(cond.shape(), ab);
      } catch (ShapeMismatchException e) {
        throw new ShapeMismatchException(
            "where: condition of shape " + cond.shape() + " cannot be broadcast with " + ab);
      }
      ctx.save(a, b);
      return Compute.where(cond, a, b, resultType(a, b));
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor a = ctx.saved(0);
      Tensor b = ctx.saved(1);
      Tensor zero = Tensor.zeros(dy.dtype());
      Tensor da = ctx.needsInputGrad(0)
          ? sumTo(Compute.where(cond, dy, zero, dy.dtype()), a.shape()) : null;
      Tensor db = ctx.needsInputGrad(1)
          ? sumTo(Compute.where(cond, zero, dy, dy.dtype()), b.shape()) : null;
      return new Tensor[] {da, db};
    }
  }

  static final class Cast extends Op {
    private final DType target;

    Cast(DType target) {
      this.target = target;
    }

    @Override public String name() {
      return "to";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      ctx.save(in[0]);
      return Compute.copy(in[0], target);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      return new Tensor[] {dy.to(ctx.saved(0).dtype())};
    }
  }

  static final class Clone extends Op {
    @Override public String name() {
      return "clone";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      return Compute.copy(in[0], in[0].dtype());
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      return new Tensor[] {dy};
    }
  }

  // ---------------------------------------------------------------- views

  /** A view with a new shape and strides over the same elements in the same logical order. */
  static final class Restride extends Op {
    private final String name;
    private final Shape shape;
    private final int[] strides;
    private Shape inShape;

    Restride(String name, Shape shape, int[] strides) {
      this.name = name;
      this.shape = shape;
      this.strides = strides;
    }

    @Override public String name() {
      return name;
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      inShape = in[0].shape();
      return new Tensor(in[0].storage, shape, strides, in[0].offset);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      return new Tensor[] {dy.reshape(inShape.toArray())};
    }
  }

  /** reshape: a view when the input is contiguous, otherwise a contiguous copy. */
  static final class Reshape extends Op {
    private final Shape shape;
    private Shape inShape;

    Reshape(Shape shape) {
      this.shape = shape;
    }

    @Override public String name() {
      return "reshape";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      Tensor x = in[0];
      inShape = x.shape();
      Tensor c = x.isContiguous() ? x : Compute.copy(x, x.dtype());
      return new Tensor(c.storage, shape, shape.contiguousStrides(), c.offset);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      return new Tensor[] {dy.reshape(inShape.toArray())};
    }
  }

  static final class Permute extends Op {
    private final int[] perm;

    Permute(int[] perm) {
      this.perm = perm;
    }

    @Override public String name() {
      return "permute";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      return in[0].permuteView(perm);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      int[] inverse = new int[perm.length];
      for (int i = 0; i < perm.length; i++) {
        inverse[perm[i]] = i;
      }
      return new Tensor[] {dy.permute(inverse)};
    }
  }

  static final class Expand extends Op {
    private final Shape shape;
    private Shape inShape;

    Expand(Shape shape) {
      this.shape = shape;
    }

    @Override public String name() {
      return "expand";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      inShape = in[0].shape();
      return Compute.broadcastView(in[0], shape);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      return new Tensor[] {sumTo(dy, inShape)};
    }
  }

  /** Elements {@code start, start+step, …} below {@code end} along {@code dim}: a view. */
  static final class Slice extends Op {
    private final int dim;
    private final int start;
    private final int end;
    private final int step;
    private Shape inShape;
    private DType inType;

    Slice(int dim, int start, int end, int step) {
      this.dim = dim;
      this.start = start;
      this.end = end;
      this.step = step;
    }

    @Override public String name() {
      return "slice";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      inShape = in[0].shape();
      inType = in[0].dtype();
      return in[0].sliceView(dim, start, end, step);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor dx = Tensor.zeros(inType, inShape.toArray());
      Compute.copyInto(dx.sliceView(dim, start, end, step), dy);
      return new Tensor[] {dx};
    }
  }

  // ---------------------------------------------------------------- reductions

  static final class Sum extends Op {
    private final boolean[] reduce;
    private final boolean keepDim;
    private Shape inShape;

    Sum(boolean[] reduce, boolean keepDim) {
      this.reduce = reduce;
      this.keepDim = keepDim;
    }

    @Override public String name() {
      return "sum";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      inShape = in[0].shape();
      return Reductions.sum(in[0], reduce, keepDim);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor g = dy.reshape(Reductions.keptShape(inShape, reduce).toArray());
      return new Tensor[] {Compute.broadcastView(g, inShape)};
    }
  }

  /** amax / amin: the gradient is shared evenly among tied extreme elements (as PyTorch). */
  static final class Extreme extends Op {
    private final boolean[] reduce;
    private final boolean keepDim;
    private final boolean max;

    Extreme(boolean[] reduce, boolean keepDim, boolean max) {
      this.reduce = reduce;
      this.keepDim = keepDim;
      this.max = max;
    }

    @Override public String name() {
      return max ? "amax" : "amin";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      Tensor y = Reductions.extreme(in[0], reduce, true, max, null);
      ctx.save(in[0], y);
      return keepDim ? y : y.reshape(Reductions.droppedShape(in[0].shape(), reduce).toArray());
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor x = ctx.saved(0);
      Tensor y = ctx.saved(1);
      Tensor mask = x.eq(y).to(x.dtype());
      Tensor count = Reductions.sum(mask, reduce, true);
      Tensor g = dy.reshape(y.shape().toArray());
      return new Tensor[] {mask.mul(g).div(count)};
    }
  }

  static final class Softmax extends Op {
    private final int dim;
    private final boolean log;

    Softmax(int dim, boolean log) {
      this.dim = dim;
      this.log = log;
    }

    @Override public String name() {
      return log ? "logSoftmax" : "softmax";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      Tensor y = Reductions.softmax(in[0], dim, log);
      ctx.save(y);
      return y;
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor y = ctx.saved(0);
      if (log) {
        return new Tensor[] {dy.sub(y.exp().mul(dy.sum(new int[] {dim}, true)))};
      }
      return new Tensor[] {y.mul(dy.sub(dy.mul(y).sum(new int[] {dim}, true)))};
    }
  }

  static final class CumSum extends Op {
    private final int dim;

    CumSum(int dim) {
      this.dim = dim;
    }

    @Override public String name() {
      return "cumsum";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      return Reductions.cumsum(in[0], dim);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      // dx_i = Σ_{j ≥ i} dy_j = total − cumsum(dy)_i + dy_i
      Tensor total = dy.sum(new int[] {dim}, true);
      return new Tensor[] {total.sub(Reductions.cumsum(dy, dim)).add(dy)};
    }
  }

  // ---------------------------------------------------------------- linear algebra

  /**
   * Matrix product of operands of rank ≥ 2 whose batch dimensions broadcast; F32 runs the
   * kernels' GEMM on plain or transposed views without copying them.
   */
  static final class MatMul extends Op {
    private final Shape batch;

    MatMul(Shape batch) {
      this.batch = batch;
    }

    @Override public String name() {
      return "matmul";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      ctx.save(in[0], in[1]);
      return product(in[0], in[1], batch);
    }

    static Tensor product(Tensor a, Tensor b, Shape batch) {
      Tensor y = Fast.matmul(a, b, batch);
      if (y != null) {
        return y;
      }
      int m = a.size(-2);
      int k = a.size(-1);
      int n = b.size(-1);
      int count = batch.numel();
      int[] bd = batch.toArray();
      Tensor a3 = Compute.copy(Compute.broadcastView(a, Shape.of(append(bd, m, k))), a.dtype());
      Tensor b3 = Compute.copy(Compute.broadcastView(b, Shape.of(append(bd, k, n))), b.dtype());
      Tensor c = Compute.bmm(reshape3(a3, count, m, k), reshape3(b3, count, k, n));
      return new Tensor(c.storage, Shape.of(append(bd, m, n)),
          Shape.of(append(bd, m, n)).contiguousStrides(), 0);
    }

    private static Tensor reshape3(Tensor t, int p, int r, int c) {
      return new Tensor(t.storage, Shape.of(p, r, c), Shape.of(p, r, c).contiguousStrides(),
          t.offset);
    }

    private static int[] append(int[] head, int r, int c) {
      int[] d = java.util.Arrays.copyOf(head, head.length + 2);
      d[head.length] = r;
      d[head.length + 1] = c;
      return d;
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor a = ctx.saved(0);
      Tensor b = ctx.saved(1);
      Tensor da = null;
      Tensor db = null;
      if (ctx.needsInputGrad(0)) {
        // dA = dY·Bᵀ, summed over the batch dimensions A was broadcast along
        Tensor bt = b.transposeView(-1, -2);
        da = sumTo(product(dy, bt, batchOf(dy, bt)), a.shape());
      }
      if (ctx.needsInputGrad(1)) {
        if (b.dim() == 2 && a.dim() > 2 && dy.isContiguous()) {
          // B shared by every batch element: one GEMM with K = batch·rows, Aᵀ as a view
          int k = a.size(-1);
          Tensor a2 = a.reshape(-1, k);
          Tensor dy2 = dy.reshape(-1, dy.size(-1));
          db = product(a2.transposeView(0, 1), dy2, Shape.scalar());
        } else {
          Tensor at = a.transposeView(-1, -2);
          db = sumTo(product(at, dy, batchOf(at, dy)), b.shape());
        }
      }
      return new Tensor[] {da, db};
    }

    static Shape batchOf(Tensor a, Tensor b) {
      int[] ab = java.util.Arrays.copyOf(a.shape().toArray(), a.dim() - 2);
      int[] bb = java.util.Arrays.copyOf(b.shape().toArray(), b.dim() - 2);
      return Shape.broadcast(Shape.of(ab), Shape.of(bb));
    }
  }

  // ---------------------------------------------------------------- indexing

  static final class IndexSelect extends Op {
    private final int dim;
    private final Tensor index;
    private Shape inShape;

    IndexSelect(int dim, Tensor index) {
      this.dim = dim;
      this.index = index;
    }

    @Override public String name() {
      return "indexSelect";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      inShape = in[0].shape();
      return Indexing.indexSelect(in[0], dim, index);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor dx = Tensor.zeros(dy.dtype(), inShape.toArray());
      Indexing.indexAddInto(dx, dim, index, dy);
      return new Tensor[] {dx};
    }
  }

  static final class Gather extends Op {
    private final int dim;
    private final Tensor index;
    private Shape inShape;

    Gather(int dim, Tensor index) {
      this.dim = dim;
      this.index = index;
    }

    @Override public String name() {
      return "gather";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      inShape = in[0].shape();
      return Indexing.gather(in[0], dim, index);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor dx = Tensor.zeros(dy.dtype(), inShape.toArray());
      Indexing.scatterAddInto(dx, dim, index, dy);
      return new Tensor[] {dx};
    }
  }

  static final class ScatterAdd extends Op {
    private final int dim;
    private final Tensor index;

    ScatterAdd(int dim, Tensor index) {
      this.dim = dim;
      this.index = index;
    }

    @Override public String name() {
      return "scatterAdd";
    }

    private Shape srcShape;

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      srcShape = in[1].shape();
      Tensor out = Compute.copy(in[0], DType.promote(in[0].dtype(), in[1].dtype()));
      Indexing.scatterAddInto(out, dim, index, in[1]);
      return out;
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      if (!ctx.needsInputGrad(1)) {
        return new Tensor[] {dy, null};
      }
      Tensor dsrc = Indexing.gather(dy, dim, index);
      if (!dsrc.shape().equals(srcShape)) { // src may be larger than index: only its front is used
        Tensor full = Tensor.zeros(dsrc.dtype(), srcShape.toArray());
        Tensor front = full;
        for (int d = 0; d < index.dim(); d++) {
          front = front.sliceView(d, 0, index.size(d), 1);
        }
        Compute.copyInto(front, dsrc);
        dsrc = full;
      }
      return new Tensor[] {dy, dsrc};
    }
  }

  static final class Cat extends Op {
    private final int dim;

    Cat(int dim) {
      this.dim = dim;
    }

    @Override public String name() {
      return "cat";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      return Indexing.cat(in, dim);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      // the sizes along dim are recovered from the inputs' shapes, kept by the node
      Tensor[] grads = new Tensor[sizes.length];
      int at = 0;
      for (int i = 0; i < sizes.length; i++) {
        grads[i] = ctx.needsInputGrad(i) ? dy.sliceView(dim, at, at + sizes[i], 1) : null;
        at += sizes[i];
      }
      return grads;
    }

    private int[] sizes = new int[0];

    Cat withSizes(Tensor[] in) {
      sizes = new int[in.length];
      for (int i = 0; i < in.length; i++) {
        sizes[i] = dim < in[i].dim() ? in[i].size(dim) : 0; // a rank mismatch fails in forward
      }
      return this;
    }
  }

  /** Keeps the lower (or upper) triangle of the last two dimensions, zeroing the rest. */
  static final class Triangle extends Op {
    private final int diagonal;
    private final boolean upper;

    Triangle(int diagonal, boolean upper) {
      this.diagonal = diagonal;
      this.upper = upper;
    }

    @Override public String name() {
      return upper ? "triu" : "tril";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      return Indexing.triangle(in[0], diagonal, upper);
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      return new Tensor[] {Indexing.triangle(dy, diagonal, upper)};
    }
  }

  /** Constant padding; {@code pads} pairs (before, after) from the last dimension backwards. */
  static final class Pad extends Op {
    private final int[] pads;
    private final double value;
    private Shape inShape;

    Pad(int[] pads, double value) {
      this.pads = pads;
      this.value = value;
    }

    @Override public String name() {
      return "pad";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      Tensor x = in[0];
      inShape = x.shape();
      int[] dims = x.shape().toArray();
      for (int p = 0; p < pads.length / 2; p++) {
        int d = dims.length - 1 - p;
        dims[d] += pads[2 * p] + pads[2 * p + 1];
      }
      Tensor out = Tensor.full(value, x.dtype(), dims);
      Compute.copyInto(interior(out), x);
      return out;
    }

    private Tensor interior(Tensor padded) {
      Tensor v = padded;
      for (int p = 0; p < pads.length / 2; p++) {
        int d = padded.dim() - 1 - p;
        v = v.sliceView(d, pads[2 * p], pads[2 * p] + inShape.dim(d), 1);
      }
      return v;
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      return new Tensor[] {interior(dy)};
    }
  }
}
