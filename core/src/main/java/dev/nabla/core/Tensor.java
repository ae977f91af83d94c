package dev.nabla.core;

import dev.nabla.core.autograd.Engine;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.core.autograd.Node;
import dev.nabla.core.internal.TensorAccess;
import dev.nabla.core.internal.kernel.BinaryOp;
import dev.nabla.core.internal.kernel.UnaryOp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * A dense, row-major, strided n-dimensional array with reverse-mode autograd.
 *
 * <p>Ops are out-of-place and chainable and keep PyTorch's names and semantics (broadcasting,
 * negative dimensions, keepDim). Views ({@link #transpose}, {@link #permute}, {@link #narrow},
 * {@link #expand}, …) share storage with their base; {@link #contiguous()} copies when needed.
 *
 * <pre>{@code
 * Rng rng = new Rng(0);
 * Tensor w = Tensor.randn(rng, 3, 2).requiresGrad();
 * Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
 * Tensor loss = x.matmul(w).relu().sum();
 * loss.backward();
 * Tensor dw = w.grad();          // shape [3, 2]
 * }</pre>
 */
public class Tensor {
  static {
    TensorAccess.install(new Access());
  }

  // Not final only so that a Parameter can be re-bound to new data (Layer.to(dtype)); nothing
  // else assigns them after construction.
  Storage storage;
  Shape shape;
  int[] strides;
  int offset;

  private boolean requiresGrad;
  private Tensor grad;
  private Node gradFn;

  Tensor(Storage storage, Shape shape, int[] strides, int offset) {
    this.storage = storage;
    this.shape = shape;
    this.strides = strides;
    this.offset = offset;
  }

  /**
   * For subclasses such as {@code nn.Parameter}: a new leaf tensor sharing {@code source}'s
   * storage, shape and strides (no copy, no autograd history).
   */
  protected Tensor(Tensor source) {
    this(source.storage, source.shape, source.strides, source.offset);
  }

  /**
   * For subclasses: points this leaf at {@code source}'s data (shape and dtype may change) and
   * clears its gradient, as PyTorch's {@code param.data = ...}. Views taken earlier keep the old
   * data.
   */
  protected final void rebind(Tensor source) {
    if (gradFn != null) {
      throw new IllegalStateException("rebind: only leaf tensors can be re-bound");
    }
    if (requiresGrad && !source.dtype().isFloatingPoint()) {
      throw new UnsupportedOperationException(
          "rebind: a tensor that requires grad needs floating-point data, got " + source.dtype());
    }
    this.storage = source.storage;
    this.shape = source.shape;
    this.strides = source.strides;
    this.offset = source.offset;
    this.grad = null;
  }

  static Tensor empty(DType dtype, Shape shape) {
    return new Tensor(Storage.allocate(dtype, shape.numel()), shape, shape.contiguousStrides(), 0);
  }

  // ================================================================== creation

  /** F32 zeros of the given shape. */
  public static Tensor zeros(int... shape) {
    return zeros(DType.F32, shape);
  }

  /** Zeros of the given dtype and shape. */
  public static Tensor zeros(DType dtype, int... shape) {
    return empty(dtype, Shape.of(shape));
  }

  /** F32 ones of the given shape. */
  public static Tensor ones(int... shape) {
    return full(1.0, DType.F32, shape);
  }

  /** Ones of the given dtype and shape. */
  public static Tensor ones(DType dtype, int... shape) {
    return full(1.0, dtype, shape);
  }

  /** A tensor filled with {@code value}. */
  public static Tensor full(double value, DType dtype, int... shape) {
    Tensor t = empty(dtype, Shape.of(shape));
    if (value != 0) {
      switch (dtype) {
        case F32 -> Arrays.fill(((Storage.F32) t.storage).a, (float) value);
        case F64 -> Arrays.fill(((Storage.F64) t.storage).a, value);
        case I32 -> Arrays.fill(((Storage.I32) t.storage).a, (int) value);
        case I64 -> Arrays.fill(((Storage.I64) t.storage).a, (long) value);
        case BOOL -> Arrays.fill(((Storage.Bool) t.storage).a, (byte) 1);
      }
    }
    return t;
  }

  /** Zeros shaped and typed like {@code t}. */
  public static Tensor zerosLike(Tensor t) {
    return empty(t.dtype(), t.shape);
  }

  /** Ones shaped and typed like {@code t}. */
  public static Tensor onesLike(Tensor t) {
    return full(1.0, t.dtype(), t.shape.toArray());
  }

  /** A rank-0 F32 tensor. */
  public static Tensor scalar(double value) {
    return scalar(value, DType.F32);
  }

  /** A rank-0 tensor of the given dtype. */
  public static Tensor scalar(double value, DType dtype) {
    return full(value, dtype);
  }

  /** {@code 0, 1, …, end-1} as I64 (as {@code torch.arange(int)}). */
  public static Tensor arange(long end) {
    return arange(0, end, 1, DType.I64);
  }

  /** {@code start, start+step, …} below {@code end} in the given dtype. */
  public static Tensor arange(double start, double end, double step, DType dtype) {
    Checks.argument(step != 0, "arange: step must be nonzero");
    Checks.argument((end - start) / step >= 0 || end == start,
        "arange: upper bound and larger bound inconsistent with step sign (start=%s, end=%s, step=%s)",
        start, end, step);
    int n = (int) Math.ceil((end - start) / step);
    Tensor t = empty(dtype, Shape.of(n));
    for (int i = 0; i < n; i++) {
      if (dtype == DType.I64) {
        t.storage.setLong(i, (long) start + (long) step * i);
      } else {
        t.storage.set(i, start + step * i);
      }
    }
    return t;
  }

  /** {@code steps} evenly spaced F32 values from {@code start} to {@code end} inclusive. */
  public static Tensor linspace(double start, double end, int steps) {
    return linspace(start, end, steps, DType.F32);
  }

  /** {@code steps} evenly spaced values from {@code start} to {@code end} inclusive. */
  public static Tensor linspace(double start, double end, int steps, DType dtype) {
    Checks.argument(steps >= 0, "linspace: number of steps must be non-negative, got %s", steps);
    Tensor t = empty(dtype, Shape.of(steps));
    double step = steps > 1 ? (end - start) / (steps - 1) : 0;
    for (int i = 0; i < steps; i++) {
      // fill from both ends (as torch) so the last value is exactly end
      boolean front = steps == 1 || i < steps / 2; // one step: start, as torch
      t.storage.set(i, front ? start + step * i : end - step * (steps - 1 - i));
    }
    return t;
  }

  /** The n×n F32 identity. */
  public static Tensor eye(int n) {
    return eye(n, n, DType.F32);
  }

  /** An n×m matrix with ones on the diagonal. */
  public static Tensor eye(int n, int m, DType dtype) {
    Tensor t = empty(dtype, Shape.of(n, m));
    for (int i = 0; i < Math.min(n, m); i++) {
      t.storage.set(i * m + i, 1);
    }
    return t;
  }

  /** An F32 tensor over a copy of {@code data}; an empty {@code shape} means 1-D. */
  public static Tensor of(float[] data, int... shape) {
    Shape s = shapeFor("of", data.length, shape);
    return new Tensor(new Storage.F32(data.clone()), s, s.contiguousStrides(), 0);
  }

  /** An F64 tensor over a copy of {@code data}. */
  public static Tensor of(double[] data, int... shape) {
    Shape s = shapeFor("of", data.length, shape);
    return new Tensor(new Storage.F64(data.clone()), s, s.contiguousStrides(), 0);
  }

  /** An I32 tensor over a copy of {@code data}. */
  public static Tensor of(int[] data, int... shape) {
    Shape s = shapeFor("of", data.length, shape);
    return new Tensor(new Storage.I32(data.clone()), s, s.contiguousStrides(), 0);
  }

  /** An I64 tensor over a copy of {@code data}. */
  public static Tensor of(long[] data, int... shape) {
    Shape s = shapeFor("of", data.length, shape);
    return new Tensor(new Storage.I64(data.clone()), s, s.contiguousStrides(), 0);
  }

  /** A BOOL tensor over a copy of {@code data}. */
  public static Tensor of(boolean[] data, int... shape) {
    Shape s = shapeFor("of", data.length, shape);
    byte[] b = new byte[data.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (data[i] ? 1 : 0);
    }
    return new Tensor(new Storage.Bool(b), s, s.contiguousStrides(), 0);
  }

  /** An F32 tensor over {@code data} itself (no copy: later writes to the array are visible). */
  public static Tensor wrap(float[] data, int... shape) {
    Shape s = shapeFor("wrap", data.length, shape);
    return new Tensor(new Storage.F32(data), s, s.contiguousStrides(), 0);
  }

  /** An F64 tensor over {@code data} itself (no copy). */
  public static Tensor wrap(double[] data, int... shape) {
    Shape s = shapeFor("wrap", data.length, shape);
    return new Tensor(new Storage.F64(data), s, s.contiguousStrides(), 0);
  }

  /** An I32 tensor over {@code data} itself (no copy). */
  public static Tensor wrap(int[] data, int... shape) {
    Shape s = shapeFor("wrap", data.length, shape);
    return new Tensor(new Storage.I32(data), s, s.contiguousStrides(), 0);
  }

  /** An I64 tensor over {@code data} itself (no copy). */
  public static Tensor wrap(long[] data, int... shape) {
    Shape s = shapeFor("wrap", data.length, shape);
    return new Tensor(new Storage.I64(data), s, s.contiguousStrides(), 0);
  }

  private static Shape shapeFor(String op, int length, int[] shape) {
    Shape s = shape.length == 0 ? Shape.of(length) : Shape.of(shape);
    if (s.numel() != length) {
      throw new ShapeMismatchException(
          op + ": shape " + s + " is invalid for input of size " + length);
    }
    return s;
  }

  /** Standard normal F32 samples. */
  public static Tensor randn(RandomGenerator rng, int... shape) {
    return randn(rng, DType.F32, shape);
  }

  /** Standard normal samples (Box–Muller, filled in order: the same for a seed everywhere). */
  public static Tensor randn(RandomGenerator rng, DType dtype, int... shape) {
    checkFloat("randn", dtype);
    Tensor t = empty(dtype, Shape.of(shape));
    int n = t.numel();
    for (int i = 0; i < n; i += 2) {
      double[] pair = Rng.boxMuller(rng);
      t.storage.set(i, pair[0]);
      if (i + 1 < n) {
        t.storage.set(i + 1, pair[1]);
      }
    }
    return t;
  }

  /** Uniform F32 samples in [0, 1). */
  public static Tensor rand(RandomGenerator rng, int... shape) {
    return rand(rng, DType.F32, shape);
  }

  /** Uniform samples in [0, 1). */
  public static Tensor rand(RandomGenerator rng, DType dtype, int... shape) {
    checkFloat("rand", dtype);
    Tensor t = empty(dtype, Shape.of(shape));
    for (int i = 0; i < t.numel(); i++) {
      t.storage.set(i, rng.nextDouble());
    }
    if (dtype == DType.F32) { // rounding to float may give 1.0f: keep the interval half-open
      float[] a = ((Storage.F32) t.storage).a;
      for (int i = 0; i < a.length; i++) {
        if (a[i] >= 1f) {
          a[i] = Math.nextDown(1f);
        }
      }
    }
    return t;
  }

  /** Uniform I64 integers in [low, high). */
  public static Tensor randint(RandomGenerator rng, long low, long high, int... shape) {
    Checks.argument(low < high, "randint: expected low < high, got low=%s, high=%s", low, high);
    Tensor t = empty(DType.I64, Shape.of(shape));
    for (int i = 0; i < t.numel(); i++) {
      t.storage.setLong(i, rng.nextLong(low, high));
    }
    return t;
  }

  /** A random permutation of {@code 0 … n-1} as I64 (Fisher–Yates). */
  public static Tensor randperm(RandomGenerator rng, int n) {
    long[] p = new long[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      long tmp = p[i];
      p[i] = p[j];
      p[j] = tmp;
    }
    return of(p);
  }

  private static void checkFloat(String op, DType dtype) {
    if (!dtype.isFloatingPoint()) {
      throw new UnsupportedOperationException(op + ": expected a floating-point dtype, got " + dtype);
    }
  }

  // ================================================================== properties

  public Shape shape() {
    return shape;
  }

  public DType dtype() {
    return storage.dtype();
  }

  /** Number of dimensions (rank). */
  public int dim() {
    return shape.rank();
  }

  /** Size of dimension {@code d}; negative {@code d} counts from the end. */
  public int size(int d) {
    return shape.dim(d);
  }

  public int numel() {
    return shape.numel();
  }

  /** A copy of the strides, in elements. */
  public int[] strides() {
    return strides.clone();
  }

  /** True when the elements lie in row-major order without gaps. */
  public boolean isContiguous() {
    int expected = 1;
    int[] d = shape.dimsUnsafe();
    for (int i = d.length - 1; i >= 0; i--) {
      if (d[i] != 1 && strides[i] != expected) {
        return false;
      }
      expected *= d[i];
    }
    return true;
  }

  /**
   * Internal: the backing array of a contiguous F32 tensor, whose {@link #numel()} elements start
   * at {@link #storageOffset()}. For fused loops (optimizer updates, gradient clipping); writes
   * bypass autograd and are seen by every view of the storage.
   */
  public float[] dataF32() {
    if (dtype() != DType.F32 || !isContiguous()) {
      throw new UnsupportedOperationException("dataF32: expected a contiguous F32 tensor, got "
          + dtype() + (isContiguous() ? "" : " (non-contiguous)") + " of shape " + shape);
    }
    return ((Storage.F32) storage).a;
  }

  /** Internal: the index of this tensor's first element in its backing array. */
  public int storageOffset() {
    return offset;
  }

  // ================================================================== autograd

  /** Marks this tensor as a leaf whose gradient is wanted; returns {@code this}. */
  public Tensor requiresGrad() {
    return requiresGrad(true);
  }

  /** Sets whether this leaf's gradient is wanted; returns {@code this}. */
  public Tensor requiresGrad(boolean on) {
    if (gradFn != null && !on) {
      throw new IllegalStateException(
          "requiresGrad: you can only change requiresGrad flags of leaf tensors; use detach()");
    }
    if (on && !dtype().isFloatingPoint()) {
      throw new UnsupportedOperationException(
          "requiresGrad: only floating-point tensors can require gradients, got " + dtype());
    }
    requiresGrad = on;
    return this;
  }

  /** True when this tensor is a leaf that requires grad or the result of a recorded op. */
  public boolean isRequiresGrad() {
    return requiresGrad;
  }

  /** True for tensors not produced by a recorded op (user-created or detached). */
  public boolean isLeaf() {
    return gradFn == null;
  }

  /** The accumulated gradient, or null before the first backward. */
  public Tensor grad() {
    return grad;
  }

  /** Replaces the gradient (null clears it). */
  public void setGrad(Tensor g) {
    if (g != null && !g.shape.equals(shape)) {
      throw new ShapeMismatchException(
          "setGrad: assigned grad has shape " + g.shape + " but the tensor has shape " + shape);
    }
    grad = g;
  }

  /** Clears the gradient (sets it to null, as PyTorch's {@code zero_grad(set_to_none=True)}). */
  public void zeroGrad() {
    grad = null;
  }

  /** The node that produced this tensor, or null for a leaf. */
  public Node gradFn() {
    return gradFn;
  }

  /** Keeps this non-leaf tensor's gradient in {@link #grad()} after backward. */
  public Tensor retainGrad() {
    Engine.retainGrad(this);
    return this;
  }

  /** A tensor sharing storage with this one, cut from the graph. */
  public Tensor detach() {
    return new Tensor(storage, shape, strides, offset);
  }

  /** Back-propagates from this scalar (gradient 1). Frees the graph. */
  public void backward() {
    backward(false);
  }

  /** Back-propagates from this scalar; keeps the graph for a second call if asked. */
  public void backward(boolean retainGraph) {
    if (numel() != 1) {
      throw new IllegalStateException(
          "backward: grad can be implicitly created only for scalar outputs, got shape " + shape
              + "; pass a gradient: backward(gradOutput)");
    }
    backward(onesLike(this), retainGraph);
  }

  /** Back-propagates {@code gradOutput}, the gradient of the loss w.r.t. this tensor. */
  public void backward(Tensor gradOutput) {
    backward(gradOutput, false);
  }

  /** Back-propagates {@code gradOutput}; keeps the graph for a second call if asked. */
  public void backward(Tensor gradOutput, boolean retainGraph) {
    Engine.backward(this, gradOutput, retainGraph);
  }

  private static final class Access extends TensorAccess {
    @Override
    public void setGradFn(Tensor t, Node node) {
      t.gradFn = node;
      t.requiresGrad = true;
    }

    @Override
    public void accumulateGrad(Tensor leaf, Tensor g) {
      if (leaf.grad == null) {
        leaf.grad = Compute.copy(g, leaf.dtype());
      } else {
        leaf.grad = leaf.grad.add(g);
      }
    }
  }

  // ================================================================== views

  /** A tensor with the same elements in a new shape; one size may be -1 (inferred). */
  public Tensor reshape(int... newShape) {
    Shape s = inferShape("reshape", newShape);
    if (s.equals(shape)) {
      return this;
    }
    return new Ops.Reshape(s).apply(this);
  }

  /** Like {@link #reshape} but never copies: the tensor must be contiguous. */
  public Tensor view(int... newShape) {
    if (!isContiguous()) {
      throw new IllegalStateException(
          "view: view size is not compatible with input tensor's size and stride (shape " + shape
              + ", strides " + Arrays.toString(strides) + "); use reshape(...) instead");
    }
    return new Ops.Reshape(inferShape("view", newShape)).apply(this);
  }

  private Shape inferShape(String op, int[] dims) {
    int[] d = dims.clone();
    int infer = -1;
    long known = 1;
    for (int i = 0; i < d.length; i++) {
      if (d[i] == -1) {
        if (infer >= 0) {
          throw new IllegalArgumentException(op + ": only one dimension can be inferred in "
              + Arrays.toString(dims));
        }
        infer = i;
      } else if (d[i] < 0) {
        throw new IllegalArgumentException(op + ": invalid shape dimension " + d[i]);
      } else {
        known *= d[i];
      }
    }
    if (infer >= 0) {
      if (known == 0 || numel() % known != 0) {
        throw new ShapeMismatchException(
            op + ": shape " + Arrays.toString(dims) + " is invalid for input of size " + numel());
      }
      d[infer] = (int) (numel() / known);
    } else if (known != numel()) {
      throw new ShapeMismatchException(
          op + ": shape " + Arrays.toString(dims) + " is invalid for input of size " + numel());
    }
    return Shape.of(d);
  }

  /** A 1-D view (or copy) of all elements. */
  public Tensor flatten() {
    return reshape(-1);
  }

  /** Merges dimensions {@code start … end} (inclusive) into one. */
  public Tensor flatten(int start, int end) {
    if (dim() == 0) {
      return reshape(1);
    }
    int s = shape.normalize(start);
    int e = shape.normalize(end);
    Checks.argument(s <= e, "flatten: start dim %s cannot come after end dim %s", start, end);
    int[] d = new int[dim() - (e - s)];
    int k = 0;
    for (int i = 0; i < s; i++) {
      d[k++] = size(i);
    }
    int merged = 1;
    for (int i = s; i <= e; i++) {
      merged *= size(i);
    }
    d[k++] = merged;
    for (int i = e + 1; i < dim(); i++) {
      d[k++] = size(i);
    }
    return reshape(d);
  }

  /** Swaps two dimensions (a view). */
  public Tensor transpose(int d0, int d1) {
    int[] perm = identityPerm();
    if (dim() == 0) {
      return this;
    }
    int a = shape.normalize(d0);
    int b = shape.normalize(d1);
    perm[a] = b;
    perm[b] = a;
    return new Ops.Permute(perm).apply(this);
  }

  /** Transpose of a matrix (rank ≤ 2). */
  public Tensor t() {
    if (dim() > 2) {
      throw new IllegalArgumentException(
          "t: expects a tensor with <= 2 dimensions, but got shape " + shape
              + "; use transpose(d0, d1)");
    }
    return dim() < 2 ? this : transpose(0, 1);
  }

  /** Reorders dimensions: output dimension i is input dimension {@code perm[i]} (a view). */
  public Tensor permute(int... perm) {
    if (perm.length != dim()) {
      throw new IllegalArgumentException(
          "permute: number of dims don't match (got " + perm.length + " dims for shape " + shape
              + ")");
    }
    int[] p = new int[perm.length];
    boolean[] seen = new boolean[perm.length];
    for (int i = 0; i < perm.length; i++) {
      p[i] = shape.normalize(perm[i]);
      if (seen[p[i]]) {
        throw new IllegalArgumentException("permute: repeated dim in " + Arrays.toString(perm)
            + " for shape " + shape);
      }
      seen[p[i]] = true;
    }
    return new Ops.Permute(p).apply(this);
  }

  private int[] identityPerm() {
    int[] p = new int[dim()];
    for (int i = 0; i < p.length; i++) {
      p[i] = i;
    }
    return p;
  }

  Tensor permuteView(int[] perm) {
    int[] d = new int[perm.length];
    int[] s = new int[perm.length];
    for (int i = 0; i < perm.length; i++) {
      d[i] = size(perm[i]);
      s[i] = strides[perm[i]];
    }
    return new Tensor(storage, Shape.of(d), s, offset);
  }

  Tensor transposeView(int d0, int d1) {
    if (dim() == 0) {
      return this;
    }
    int[] perm = identityPerm();
    int a = shape.normalize(d0);
    int b = shape.normalize(d1);
    perm[a] = b;
    perm[b] = a;
    return permuteView(perm);
  }

  Tensor sliceView(int d, int start, int end, int step) {
    int[] dims = shape.toArray();
    int[] s = strides.clone();
    dims[d] = Math.max(0, (end - start + step - 1) / step);
    s[d] = strides[d] * step;
    return new Tensor(storage, Shape.of(dims), s, offset + start * strides[d]);
  }

  /** Inserts a dimension of size 1 at {@code d} (a view). */
  public Tensor unsqueeze(int d) {
    int r = Shape.normalizeDim(d, dim() + 1);
    int[] dims = new int[dim() + 1];
    int[] s = new int[dim() + 1];
    for (int i = 0, k = 0; i < dims.length; i++) {
      if (i == r) {
        dims[i] = 1;
        s[i] = k < dim() ? strides[k] * size(k) : 1;
      } else {
        dims[i] = size(k);
        s[i] = strides[k];
        k++;
      }
    }
    return new Ops.Restride("unsqueeze", Shape.of(dims), s).apply(this);
  }

  /** Removes all dimensions of size 1 (a view). */
  public Tensor squeeze() {
    int n = 0;
    for (int i = 0; i < dim(); i++) {
      if (size(i) != 1) {
        n++;
      }
    }
    int[] dims = new int[n];
    int[] s = new int[n];
    for (int i = 0, k = 0; i < dim(); i++) {
      if (size(i) != 1) {
        dims[k] = size(i);
        s[k++] = strides[i];
      }
    }
    return new Ops.Restride("squeeze", Shape.of(dims), s).apply(this);
  }

  /** Removes dimension {@code d} if its size is 1 (otherwise returns an alias, as PyTorch). */
  public Tensor squeeze(int d) {
    if (dim() == 0) {
      return new Ops.Restride("squeeze", shape, strides).apply(this);
    }
    int r = shape.normalize(d);
    if (size(r) != 1) {
      return new Ops.Restride("squeeze", shape, strides).apply(this);
    }
    int[] dims = new int[dim() - 1];
    int[] s = new int[dim() - 1];
    for (int i = 0, k = 0; i < dim(); i++) {
      if (i != r) {
        dims[k] = size(i);
        s[k++] = strides[i];
      }
    }
    return new Ops.Restride("squeeze", Shape.of(dims), s).apply(this);
  }

  /** Broadcasts to a larger shape without copying; -1 keeps a size. */
  public Tensor expand(int... sizes) {
    int[] target = sizes.clone();
    int shift = target.length - dim();
    if (shift < 0) {
      throw new IllegalArgumentException(
          "expand: the number of sizes provided (" + target.length + ") must be greater or equal"
              + " to the number of dimensions in the tensor (" + dim() + ")");
    }
    for (int i = 0; i < target.length; i++) {
      if (target[i] == -1) {
        if (i < shift) {
          throw new IllegalArgumentException(
              "expand: -1 is not allowed in a leading, non-existing dimension " + i);
        }
        target[i] = size(i - shift);
      }
    }
    Shape s = Shape.of(target);
    Compute.broadcastView(this, s); // validates
    return new Ops.Expand(s).apply(this);
  }

  /** Expands to {@code other}'s shape. */
  public Tensor expandAs(Tensor other) {
    return expand(other.shape.toArray());
  }

  /** Elements {@code start … start+length-1} along {@code d} (a view). */
  public Tensor narrow(int d, int start, int length) {
    int r = shape.normalize(d);
    int s = start < 0 ? start + size(r) : start;
    if (s < 0 || length < 0 || s + length > size(r)) {
      throw new IndexOutOfBoundsException(
          "narrow: start (" + start + ") + length (" + length + ") exceeds dimension size ("
              + size(r) + ") of dimension " + d + " in shape " + shape);
    }
    return new Ops.Slice(r, s, s + length, 1).apply(this);
  }

  /** Python's {@code x[start:end:step]} along {@code d}; bounds clamp, negatives count back. */
  public Tensor slice(int d, int start, int end, int step) {
    int r = shape.normalize(d);
    Checks.argument(step > 0, "slice: step must be positive, got %s", step);
    int n = size(r);
    int s = clampIndex(start, n);
    int e = Math.max(s, clampIndex(end, n));
    return new Ops.Slice(r, s, e, step).apply(this);
  }

  /** {@code x[start:end]} along {@code d}. */
  public Tensor slice(int d, int start, int end) {
    return slice(d, start, end, 1);
  }

  private static int clampIndex(int i, int n) {
    int r = i < 0 ? i + n : i;
    return Math.max(0, Math.min(n, r));
  }

  /** The slice at {@code index} along {@code d}, with that dimension removed (a view). */
  public Tensor select(int d, int index) {
    int r = shape.normalize(d);
    int i = index < 0 ? index + size(r) : index;
    if (i < 0 || i >= size(r)) {
      throw new IndexOutOfBoundsException(
          "select: index " + index + " out of range for tensor of size " + shape + " at dimension "
              + d);
    }
    return new Ops.Slice(r, i, i + 1, 1).apply(this).squeeze(r);
  }

  /** This tensor if contiguous, else a contiguous copy (differentiable). */
  public Tensor contiguous() {
    return isContiguous() ? this : new Ops.Clone().apply(this);
  }

  /** A contiguous copy (differentiable). */
  public Tensor copy() {
    return new Ops.Clone().apply(this);
  }

  // ================================================================== elementwise

  public Tensor add(Tensor other) {
    return new Ops.Binary("add", Double::sum, (a, b, y, dy) -> dy, (a, b, y, dy) -> dy, false,
        BinaryOp.ADD).apply(this, other);
  }

  /** this + alpha·other. */
  public Tensor add(Tensor other, double alpha) {
    return add(other.mul(alpha));
  }

  public Tensor add(double value) {
    return unaryScalar("add", value, x -> x + value, (x, y, dy) -> dy);
  }

  public Tensor sub(Tensor other) {
    return new Ops.Binary("sub", (a, b) -> a - b, (a, b, y, dy) -> dy, (a, b, y, dy) -> dy.neg(),
        false, BinaryOp.SUB).apply(this, other);
  }

  public Tensor sub(double value) {
    return add(-value);
  }

  /** value − this. */
  public Tensor rsub(double value) {
    return unaryScalar("rsub", value, x -> value - x, (x, y, dy) -> dy.neg());
  }

  public Tensor mul(Tensor other) {
    return new Ops.Binary("mul", (a, b) -> a * b, (a, b, y, dy) -> dy.mul(b),
        (a, b, y, dy) -> dy.mul(a), false, BinaryOp.MUL).apply(this, other);
  }

  public Tensor mul(double value) {
    return unaryScalar("mul", value, x -> x * value, (x, y, dy) -> dy.mul(value));
  }

  /** True division (integer inputs give F32, as PyTorch). */
  public Tensor div(Tensor other) {
    return new Ops.Binary("div", (a, b) -> a / b, (a, b, y, dy) -> dy.div(b),
        (a, b, y, dy) -> dy.mul(y).div(b).neg(), true, BinaryOp.DIV).apply(this, other);
  }

  public Tensor div(double value) {
    return new Ops.Unary("div", x -> x / value, (x, y, dy) -> dy.div(value), false,
        Fast.scalar(BinaryOp.DIV, value)).apply(this);
  }

  public Tensor neg() {
    return unaryKeep("neg", UnaryOp.NEG, x -> -x, (x, y, dy) -> dy.neg());
  }

  /** this^exponent. */
  public Tensor pow(double exponent) {
    return unaryFloat("pow", x -> Math.pow(x, exponent),
        (x, y, dy) -> exponent == 0 ? zerosLike(dy) : dy.mul(x.pow(exponent - 1).mul(exponent)));
  }

  /** this^exponent elementwise, broadcasting. */
  public Tensor pow(Tensor exponent) {
    return new Ops.Binary("pow", Math::pow,
        // b = 0 gives 0 (as torch), not 0·0^(−1) = NaN at a = 0
        (a, b, y, dy) -> dy.mul(b).mul(a.pow(b.sub(1.0))).maskedFill(b.eq(0), 0),
        (a, b, y, dy) -> dy.mul(y).mul(a.log()).maskedFill(a.eq(0).logicalAnd(b.ge(0)), 0), true)
        .apply(this, exponent);
  }

  public Tensor square() {
    return unaryKeep("square", UnaryOp.SQUARE, x -> x * x, (x, y, dy) -> dy.mul(x).mul(2.0));
  }

  public Tensor reciprocal() {
    return unaryFloat("reciprocal", UnaryOp.RECIPROCAL, x -> 1.0 / x, (x, y, dy) -> dy.mul(y).mul(y).neg());
  }

  public Tensor exp() {
    return unaryFloat("exp", UnaryOp.EXP, Math::exp, (x, y, dy) -> dy.mul(y));
  }

  public Tensor log() {
    return unaryFloat("log", UnaryOp.LOG, Math::log, (x, y, dy) -> dy.div(x));
  }

  public Tensor log1p() {
    return unaryFloat("log1p", Math::log1p, (x, y, dy) -> dy.div(x.add(1.0)));
  }

  public Tensor sqrt() {
    return unaryFloat("sqrt", UnaryOp.SQRT, Math::sqrt, (x, y, dy) -> dy.div(y.mul(2.0)));
  }

  /** 1/√x. */
  public Tensor rsqrt() {
    return unaryFloat("rsqrt", UnaryOp.RSQRT, x -> 1.0 / Math.sqrt(x),
        (x, y, dy) -> dy.mul(y.pow(3)).mul(-0.5));
  }

  public Tensor abs() {
    return unaryKeep("abs", UnaryOp.ABS, Math::abs, (x, y, dy) -> dy.mul(x.sign()));
  }

  /** −1, 0 or 1 (gradient zero). */
  public Tensor sign() {
    return unaryKeep("sign", Math::signum, null);
  }

  /** Limits values to [min, max]; the gradient passes where the input is inside. */
  public Tensor clamp(double min, double max) {
    Checks.argument(!(min > max), "clamp: min (%s) must not exceed max (%s)", min, max);
    return unaryKeep("clamp", x -> Double.isNaN(x) ? x : Math.min(max, Math.max(min, x)),
        (x, y, dy) -> dy.mul(x.ge(min).logicalAnd(x.le(max)).to(dy.dtype())));
  }

  public Tensor clampMin(double min) {
    return clamp(min, Double.POSITIVE_INFINITY);
  }

  public Tensor clampMax(double max) {
    return clamp(Double.NEGATIVE_INFINITY, max);
  }

  public Tensor sin() {
    return unaryFloat("sin", Math::sin, (x, y, dy) -> dy.mul(x.cos()));
  }

  public Tensor cos() {
    return unaryFloat("cos", Math::cos, (x, y, dy) -> dy.mul(x.sin()).neg());
  }

  public Tensor tanh() {
    return unaryFloat("tanh", UnaryOp.TANH, Math::tanh, (x, y, dy) -> dy.mul(y.square().rsub(1.0)));
  }

  public Tensor sigmoid() {
    return unaryFloat("sigmoid", UnaryOp.SIGMOID, Tensor::sigmoid, (x, y, dy) -> dy.mul(y).mul(y.rsub(1.0)));
  }

  private static double sigmoid(double x) {
    return x >= 0 ? 1.0 / (1.0 + Math.exp(-x)) : Math.exp(x) / (1.0 + Math.exp(x));
  }

  public Tensor relu() {
    return unaryKeep("relu", UnaryOp.RELU, x -> x > 0 ? x : (Double.isNaN(x) ? x : 0.0),
        (x, y, dy) -> dy.mul(x.gt(0).to(dy.dtype())));
  }

  /** x·σ(x) (swish). */
  public Tensor silu() {
    return unaryFloat("silu", UnaryOp.SILU, x -> x * sigmoid(x), (x, y, dy) -> {
      Tensor s = x.sigmoid();
      return dy.mul(s.mul(x.mul(s.rsub(1.0)).add(1.0)));
    });
  }

  private static final double INV_SQRT2 = 0.7071067811865476;
  private static final double INV_SQRT_2PI = 0.3989422804014327;
  private static final double SQRT_2_OVER_PI = 0.7978845608028654;

  /** Exact GELU: x·Φ(x) = x/2·(1 + erf(x/√2)). */
  public Tensor gelu() {
    return unaryFloat("gelu", x -> 0.5 * x * (1.0 + SpecialFunctions.erf(x * INV_SQRT2)),
        (x, y, dy) -> {
          // d/dx = Φ(x) + x·φ(x)
          Tensor cdf = x.mul(INV_SQRT2).erf().add(1.0).mul(0.5);
          Tensor pdf = x.square().mul(-0.5).exp().mul(INV_SQRT_2PI);
          return dy.mul(cdf.add(x.mul(pdf)));
        });
  }

  /** GELU with the tanh approximation: x/2·(1 + tanh(√(2/π)(x + 0.044715x³))). */
  public Tensor geluTanh() {
    return unaryFloat("geluTanh",
        x -> 0.5 * x * (1.0 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x))),
        (x, y, dy) -> {
          Tensor inner = x.add(x.pow(3).mul(0.044715)).mul(SQRT_2_OVER_PI);
          Tensor th = inner.tanh();
          Tensor dInner = x.square().mul(3 * 0.044715).add(1.0).mul(SQRT_2_OVER_PI);
          Tensor d = th.add(1.0).mul(0.5)
              .add(x.mul(0.5).mul(th.square().rsub(1.0)).mul(dInner));
          return dy.mul(d);
        });
  }

  /** The error function. */
  public Tensor erf() {
    return unaryFloat("erf", SpecialFunctions::erf,
        (x, y, dy) -> dy.mul(x.square().neg().exp().mul(2.0 / Math.sqrt(Math.PI))));
  }

  /** Elementwise maximum (NaN propagates; ties share the gradient equally, as PyTorch). */
  public Tensor maximum(Tensor other) {
    return new Ops.Binary("maximum",
        (a, b) -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b),
        (a, b, y, dy) -> dy.mul(tieWeights(a, b)), (a, b, y, dy) -> dy.mul(tieWeights(b, a)), false)
        .apply(this, other);
  }

  /** Elementwise minimum (NaN propagates; ties share the gradient equally). */
  public Tensor minimum(Tensor other) {
    return new Ops.Binary("minimum",
        (a, b) -> Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.min(a, b),
        (a, b, y, dy) -> dy.mul(tieWeights(b, a)), (a, b, y, dy) -> dy.mul(tieWeights(a, b)), false)
        .apply(this, other);
  }

  /** 1 where a &gt; b, 0.5 where equal, 0 elsewhere. */
  private static Tensor tieWeights(Tensor a, Tensor b) {
    DType t = DType.promote(a.dtype(), b.dtype());
    return Compute.zip(a, b, t, (x, y) -> x > y ? 1.0 : (x == y ? 0.5 : 0.0));
  }

  /** {@code cond ? a : b} elementwise with broadcasting; differentiable in a and b. */
  public static Tensor where(Tensor cond, Tensor a, Tensor b) {
    checkMask("where", cond);
    return new Ops.Where(cond).apply(a, b);
  }

  /** This tensor with {@code value} where {@code mask} is true. */
  public Tensor maskedFill(Tensor mask, double value) {
    checkMask("maskedFill", mask);
    Shape out = Shape.broadcast(shape, mask.shape);
    if (!out.equals(shape)) {
      throw new ShapeMismatchException(
          "maskedFill: mask of shape " + mask.shape + " is not broadcastable to " + shape);
    }
    return where(mask, scalar(value, dtype()), this);
  }

  private static void checkMask(String op, Tensor mask) {
    if (mask.dtype() != DType.BOOL) {
      throw new IllegalArgumentException(op + ": expected a BOOL mask, got " + mask.dtype());
    }
  }

  private Tensor unaryKeep(String name, java.util.function.DoubleUnaryOperator f,
      Ops.Unary.Grad grad) {
    return new Ops.Unary(name, f, grad, true).apply(this);
  }

  private Tensor unaryKeep(String name, UnaryOp kernel, java.util.function.DoubleUnaryOperator f,
      Ops.Unary.Grad grad) {
    return new Ops.Unary(name, f, grad, true, Fast.unary(kernel)).apply(this);
  }

  private Tensor unaryFloat(String name, java.util.function.DoubleUnaryOperator f,
      Ops.Unary.Grad grad) {
    return new Ops.Unary(name, f, grad, false).apply(this);
  }

  private Tensor unaryFloat(String name, UnaryOp kernel, java.util.function.DoubleUnaryOperator f,
      Ops.Unary.Grad grad) {
    return new Ops.Unary(name, f, grad, false, Fast.unary(kernel)).apply(this);
  }

  /** Tensor–scalar op: integer tensors stay integral only for a whole scalar (as PyTorch). */
  private Tensor unaryScalar(String name, double value, java.util.function.DoubleUnaryOperator f,
      Ops.Unary.Grad grad) {
    boolean whole = Double.isFinite(value) && value == Math.rint(value);
    BinaryOp kernel = switch (name) {
      case "add" -> BinaryOp.ADD;
      case "mul" -> BinaryOp.MUL;
      default -> null;
    };
    return new Ops.Unary(name, f, grad, whole, kernel == null ? null : Fast.scalar(kernel, value))
        .apply(this);
  }

  // ---------------------------------------------------------------- comparisons (masks)

  public Tensor eq(Tensor other) {
    return compare("eq", other, (a, b) -> a == b);
  }

  public Tensor ne(Tensor other) {
    return compare("ne", other, (a, b) -> a != b);
  }

  public Tensor gt(Tensor other) {
    return compare("gt", other, (a, b) -> a > b);
  }

  public Tensor ge(Tensor other) {
    return compare("ge", other, (a, b) -> a >= b);
  }

  public Tensor lt(Tensor other) {
    return compare("lt", other, (a, b) -> a < b);
  }

  public Tensor le(Tensor other) {
    return compare("le", other, (a, b) -> a <= b);
  }

  public Tensor eq(double v) {
    return eq(scalarOperand(v));
  }

  public Tensor ne(double v) {
    return ne(scalarOperand(v));
  }

  public Tensor gt(double v) {
    return gt(scalarOperand(v));
  }

  public Tensor ge(double v) {
    return ge(scalarOperand(v));
  }

  public Tensor lt(double v) {
    return lt(scalarOperand(v));
  }

  public Tensor le(double v) {
    return le(scalarOperand(v));
  }

  /** A scalar compared in this tensor's float type, as PyTorch: {@code x.eq(0.1)} for F32 x. */
  private Tensor scalarOperand(double v) {
    return scalar(v, dtype() == DType.F32 ? DType.F32 : DType.F64);
  }

  public Tensor logicalAnd(Tensor other) {
    return compare("logicalAnd", other, (a, b) -> a != 0 && b != 0);
  }

  public Tensor logicalOr(Tensor other) {
    return compare("logicalOr", other, (a, b) -> a != 0 || b != 0);
  }

  public Tensor logicalNot() {
    return Compute.map(this, DType.BOOL, x -> x == 0 ? 1 : 0);
  }

  private interface DoublePredicate2 {
    boolean test(double a, double b);
  }

  private Tensor compare(String op, Tensor other, DoublePredicate2 p) {
    Ops.broadcastShape(op, this, other);
    return Compute.zip(this, other, DType.BOOL, (a, b) -> p.test(a, b) ? 1 : 0);
  }

  // ================================================================== reductions

  private boolean[] reduceMask(int[] dims) {
    boolean[] r = new boolean[dim()];
    if (dims.length == 0) {
      Arrays.fill(r, true);
    }
    for (int d : dims) {
      int n = shape.normalize(d);
      if (r[n] && dims.length > 0) {
        boolean dup = false;
        for (int e : dims) {
          dup |= e != d && shape.normalize(e) == n;
        }
        if (dup) {
          throw new IllegalArgumentException(
              "reduction: dim " + n + " appears multiple times in the list of dims");
        }
      }
      r[n] = true;
    }
    return r;
  }

  /** Sum of all elements (a scalar). */
  public Tensor sum() {
    return new Ops.Sum(reduceMask(new int[0]), false).apply(this);
  }

  /** Sum over one dimension. */
  public Tensor sum(int d, boolean keepDim) {
    return sum(new int[] {d}, keepDim);
  }

  /** Sum over the given dimensions (all when empty). */
  public Tensor sum(int[] dims, boolean keepDim) {
    return new Ops.Sum(reduceMask(dims), keepDim).apply(this);
  }

  public Tensor mean() {
    return mean(new int[0], false);
  }

  public Tensor mean(int d, boolean keepDim) {
    return mean(new int[] {d}, keepDim);
  }

  /** Mean over the given dimensions (all when empty); floating-point inputs only. */
  public Tensor mean(int[] dims, boolean keepDim) {
    if (!dtype().isFloatingPoint()) {
      throw new UnsupportedOperationException(
          "mean: could not infer output dtype; input dtype must be floating point, got " + dtype());
    }
    int count = count(reduceMask(dims));
    return sum(dims, keepDim).div(count);
  }

  private int count(boolean[] reduce) {
    int n = 1;
    for (int i = 0; i < reduce.length; i++) {
      if (reduce[i]) {
        n *= size(i);
      }
    }
    return n;
  }

  /** Largest element (a scalar). */
  public Tensor max() {
    return amax(new int[0], false);
  }

  /** Smallest element (a scalar). */
  public Tensor min() {
    return amin(new int[0], false);
  }

  /** Max over dims; ties share the gradient evenly. */
  public Tensor amax(int[] dims, boolean keepDim) {
    return new Ops.Extreme(reduceMask(dims), keepDim, true).apply(this);
  }

  /** Min over dims; ties share the gradient evenly. */
  public Tensor amin(int[] dims, boolean keepDim) {
    return new Ops.Extreme(reduceMask(dims), keepDim, false).apply(this);
  }

  /** Max along {@code d}: values (differentiable) and the I64 index of the first maximum. */
  public ValuesIndices max(int d, boolean keepDim) {
    return extremeWithIndex(d, keepDim, true);
  }

  /** Min along {@code d}: values and the I64 index of the first minimum. */
  public ValuesIndices min(int d, boolean keepDim) {
    return extremeWithIndex(d, keepDim, false);
  }

  private ValuesIndices extremeWithIndex(int d, boolean keepDim, boolean max) {
    Tensor idx = argExtreme(d, true, max);
    Tensor values = gather(shape.normalize(d), idx);
    if (!keepDim) {
      values = values.squeeze(d);
      idx = idx.squeeze(d);
    }
    return new ValuesIndices(values, idx);
  }

  /** Index of the first maximum along {@code d} (I64). */
  public Tensor argmax(int d, boolean keepDim) {
    return argExtreme(d, keepDim, true);
  }

  /** Index of the first maximum of the flattened tensor (I64 scalar). */
  public Tensor argmax() {
    return flatten().argExtreme(0, false, true);
  }

  /** Index of the first minimum along {@code d} (I64). */
  public Tensor argmin(int d, boolean keepDim) {
    return argExtreme(d, keepDim, false);
  }

  private Tensor argExtreme(int d, boolean keepDim, boolean max) {
    if (dim() == 0) {
      return scalar(0, DType.I64);
    }
    boolean[] r = new boolean[dim()];
    r[shape.normalize(d)] = true;
    Shape out = Reductions.outShape(shape, r, keepDim);
    long[] idx = new long[out.numel()];
    Reductions.extreme(this.detach(), r, keepDim, max, idx);
    return of(idx).reshape(out.toArray());
  }

  /** Variance over dims (all when empty); {@code unbiased} divides by n−1. */
  public Tensor var(int[] dims, boolean unbiased, boolean keepDim) {
    requireFloat("var");
    int n = count(reduceMask(dims));
    Tensor mu = mean(dims, true);
    Tensor ss = sub(mu).square().sum(dims, keepDim);
    return ss.div(Math.max(0, n - (unbiased ? 1 : 0)));
  }

  public Tensor var(int d, boolean unbiased, boolean keepDim) {
    return var(new int[] {d}, unbiased, keepDim);
  }

  /** Standard deviation over dims; {@code unbiased} divides by n−1. */
  public Tensor std(int[] dims, boolean unbiased, boolean keepDim) {
    return var(dims, unbiased, keepDim).sqrt();
  }

  public Tensor std(int d, boolean unbiased, boolean keepDim) {
    return std(new int[] {d}, unbiased, keepDim);
  }

  /** log Σ exp(x) over dims, computed stably. */
  public Tensor logsumexp(int[] dims, boolean keepDim) {
    Tensor m = amax(dims, true).detach();
    Tensor finiteM = m.maskedFill(m.abs().eq(Double.POSITIVE_INFINITY), 0);
    Tensor r = sub(finiteM).exp().sum(dims, true).log().add(finiteM);
    return keepDim ? r : r.reshape(Reductions.droppedShape(shape, reduceMask(dims)).toArray());
  }

  public Tensor logsumexp(int d, boolean keepDim) {
    return logsumexp(new int[] {d}, keepDim);
  }

  /** Running sum along {@code d}. */
  public Tensor cumsum(int d) {
    return new Ops.CumSum(dim() == 0 ? 0 : shape.normalize(d)).apply(this);
  }

  /** exp(x)/Σexp(x) along {@code d}. */
  public Tensor softmax(int d) {
    requireFloat("softmax");
    return new Ops.Softmax(dim() == 0 ? 0 : shape.normalize(d), false).apply(this);
  }

  /** x − logΣexp(x) along {@code d}. */
  public Tensor logSoftmax(int d) {
    requireFloat("logSoftmax");
    return new Ops.Softmax(dim() == 0 ? 0 : shape.normalize(d), true).apply(this);
  }

  /** The Euclidean (Frobenius) norm of all elements. */
  public Tensor norm() {
    return square().sum().sqrt();
  }

  private void requireFloat(String op) {
    if (!dtype().isFloatingPoint()) {
      throw new UnsupportedOperationException(
          op + ": expected a floating-point tensor, got " + dtype());
    }
  }

  // ================================================================== linear algebra

  /**
   * Matrix product with PyTorch's rules: 1-D·1-D is a dot product, a 1-D operand is treated as a
   * row (left) or column (right) vector and its dimension removed afterwards, and leading (batch)
   * dimensions broadcast.
   */
  public Tensor matmul(Tensor other) {
    if (dim() == 0 || other.dim() == 0) {
      throw new IllegalArgumentException(
          "matmul: both arguments need at least 1 dimension, got shapes " + shape + " and "
              + other.shape);
    }
    if (!dtype().isFloatingPoint() || dtype() != other.dtype()) {
      throw new UnsupportedOperationException(
          "matmul: expected both operands to have the same floating-point dtype, got " + dtype()
              + " and " + other.dtype());
    }
    Tensor a = dim() == 1 ? unsqueeze(0) : this;
    Tensor b = other.dim() == 1 ? other.unsqueeze(1) : other;
    int k = a.size(-1);
    if (b.size(-2) != k) {
      throw new ShapeMismatchException(
          "matmul: shapes " + shape + " and " + other.shape + " cannot be multiplied (" + k + " != "
              + b.size(-2) + ")");
    }
    int[] ab = Arrays.copyOf(a.shape.toArray(), a.dim() - 2);
    int[] bb = Arrays.copyOf(b.shape.toArray(), b.dim() - 2);
    Shape batch;
    try {
      batch = Shape.broadcast(Shape.of(ab), Shape.of(bb));
    } catch (ShapeMismatchException e) {
      throw new ShapeMismatchException(
          "matmul: batch dimensions of " + shape + " and " + other.shape + " do not broadcast");
    }
    Tensor out = new Ops.MatMul(batch).apply(a, b);
    if (other.dim() == 1) {
      out = out.squeeze(-1);
    }
    if (dim() == 1) {
      out = out.squeeze(other.dim() == 1 ? -1 : -2);
    }
    return out;
  }

  private static int[] concat(int[] head, int... tail) {
    int[] r = Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, r, head.length, tail.length);
    return r;
  }

  // ================================================================== indexing

  /** Rows (slices along {@code d}) picked by a 1-D integer {@code index}. */
  public Tensor indexSelect(int d, Tensor index) {
    return new Ops.IndexSelect(shape.normalize(d), index).apply(this);
  }

  /** {@code out[i][j] = this[i][index[i][j]]} for {@code d = 1}; out is shaped like index. */
  public Tensor gather(int d, Tensor index) {
    return new Ops.Gather(shape.normalize(d), index).apply(this);
  }

  /** A copy with {@code src} added at {@code index} along {@code d} (out-of-place scatter_add). */
  public Tensor scatterAdd(int d, Tensor index, Tensor src) {
    return new Ops.ScatterAdd(shape.normalize(d), index).apply(this, src);
  }

  /** Looks up rows of {@code weight [V, D]} for integer {@code ids} of any shape → [..., D]. */
  public static Tensor embedding(Tensor weight, Tensor ids) {
    if (weight.dim() != 2) {
      throw new IllegalArgumentException(
          "embedding: weight must be 2-D [numEmbeddings, dim], got shape " + weight.shape);
    }
    Indexing.checkIndexType("embedding", ids);
    for (long id : ids.toLongArray()) {
      if (id < 0 || id >= weight.size(0)) {
        throw new IndexOutOfBoundsException("embedding: index " + id + " is out of range for "
            + weight.size(0) + " embeddings (weight shape " + weight.shape + ")");
      }
    }
    Tensor rows = weight.indexSelect(0, ids.reshape(-1));
    return rows.reshape(concat(ids.shape.toArray(), weight.size(1)));
  }

  /** One-hot encoding of integer classes into a new last dimension (I64, as PyTorch). */
  public Tensor oneHot(int numClasses) {
    Indexing.checkIndexType("oneHot", this);
    long[] idx = Compute.toLongs(this);
    Tensor out = empty(DType.I64, Shape.of(concat(shape.toArray(), numClasses)));
    for (int i = 0; i < idx.length; i++) {
      if (idx[i] < 0 || idx[i] >= numClasses) {
        throw new IndexOutOfBoundsException(
            "oneHot: class value " + idx[i] + " is outside [0, " + numClasses + ")");
      }
      out.storage.setLong(i * numClasses + (int) idx[i], 1);
    }
    return out;
  }

  /** Concatenates along {@code d}; all other sizes must match. */
  public static Tensor cat(int d, Tensor... tensors) {
    Checks.argument(tensors.length > 0, "cat: expected a non-empty list of tensors");
    int r = tensors[0].shape.normalize(d);
    return new Ops.Cat(r).withSizes(tensors).apply(tensors);
  }

  /** Concatenates along {@code d}. */
  public static Tensor cat(List<Tensor> tensors, int d) {
    return cat(d, tensors.toArray(new Tensor[0]));
  }

  /** Stacks equally shaped tensors along a new dimension {@code d}. */
  public static Tensor stack(int d, Tensor... tensors) {
    Checks.argument(tensors.length > 0, "stack: expected a non-empty list of tensors");
    Tensor[] u = new Tensor[tensors.length];
    for (int i = 0; i < tensors.length; i++) {
      if (!tensors[i].shape.equals(tensors[0].shape)) {
        throw new ShapeMismatchException(
            "stack: expects each tensor to be equal size, but got " + tensors[0].shape
                + " at entry 0 and " + tensors[i].shape + " at entry " + i);
      }
      u[i] = tensors[i].unsqueeze(d);
    }
    return cat(Shape.normalizeDim(d, tensors[0].dim() + 1), u);
  }

  /** Stacks along a new dimension {@code d}. */
  public static Tensor stack(List<Tensor> tensors, int d) {
    return stack(d, tensors.toArray(new Tensor[0]));
  }

  /** Views of {@code splitSize} along {@code d} (the last may be smaller). */
  public List<Tensor> split(int splitSize, int d) {
    Checks.argument(splitSize > 0, "split: split size must be positive, got %s", splitSize);
    int r = shape.normalize(d);
    List<Tensor> parts = new ArrayList<>();
    for (int at = 0; at < size(r) || (at == 0 && size(r) == 0); at += splitSize) {
      parts.add(narrow(r, at, Math.min(splitSize, size(r) - at)));
      if (size(r) == 0) {
        break;
      }
    }
    return parts;
  }

  /** Views with the given sizes along {@code d}; the sizes must add up to the dimension. */
  public List<Tensor> split(int[] sizes, int d) {
    int r = shape.normalize(d);
    int total = 0;
    for (int s : sizes) {
      total += s;
    }
    if (total != size(r)) {
      throw new ShapeMismatchException(
          "split: split sizes " + Arrays.toString(sizes) + " must sum to the size of dimension "
              + r + " (" + size(r) + ") of shape " + shape);
    }
    List<Tensor> parts = new ArrayList<>();
    int at = 0;
    for (int s : sizes) {
      parts.add(narrow(r, at, s));
      at += s;
    }
    return parts;
  }

  /** Up to {@code chunks} views of equal size (the last may be smaller), as torch.chunk. */
  public List<Tensor> chunk(int chunks, int d) {
    Checks.argument(chunks > 0, "chunk: number of chunks must be positive, got %s", chunks);
    int n = size(d);
    return split(Math.max(1, (n + chunks - 1) / chunks), d);
  }

  /** Lower triangle of the last two dimensions (j − i ≤ diagonal), zeros elsewhere. */
  public Tensor tril(int diagonal) {
    requireMatrix("tril");
    return new Ops.Triangle(diagonal, false).apply(this);
  }

  /** Upper triangle of the last two dimensions (j − i ≥ diagonal), zeros elsewhere. */
  public Tensor triu(int diagonal) {
    requireMatrix("triu");
    return new Ops.Triangle(diagonal, true).apply(this);
  }

  private void requireMatrix(String op) {
    if (dim() < 2) {
      throw new IllegalArgumentException(
          op + ": input tensor must have at least 2 dimensions, got shape " + shape);
    }
  }

  /**
   * Constant padding, as {@code torch.nn.functional.pad}: {@code pads} holds (before, after)
   * pairs starting from the last dimension.
   */
  public Tensor pad(int[] pads, double value) {
    if (pads.length % 2 != 0 || pads.length / 2 > dim()) {
      throw new IllegalArgumentException(
          "pad: padding length must be even and at most 2 × rank (" + 2 * dim() + "), got "
              + pads.length);
    }
    for (int p : pads) {
      if (p < 0) {
        throw new IllegalArgumentException(
            "pad: negative padding is not supported, got " + Arrays.toString(pads)
                + " for shape " + shape);
      }
    }
    return new Ops.Pad(pads.clone(), value).apply(this);
  }

  // ================================================================== in-place (no autograd)

  private void checkInPlace(String op) {
    if (GradMode.isEnabled() && requiresGrad) {
      throw new IllegalStateException(
          op + ": a tensor that requires grad is being used in an in-place operation; wrap it in"
              + " GradMode.disabled() or use the out-of-place op");
    }
  }

  /** Fills with {@code value} in place; returns {@code this}. */
  public Tensor fill(double value) {
    checkInPlace("fill");
    Compute.copyInto(this, scalar(value, dtype()));
    return this;
  }

  /** Copies {@code src} (broadcast to this shape) into this tensor in place; returns {@code this}. */
  public Tensor copyFrom(Tensor src) {
    checkInPlace("copyFrom");
    Shape s = Shape.broadcast(shape, src.shape);
    if (!s.equals(shape)) {
      throw new ShapeMismatchException(
          "copyFrom: source of shape " + src.shape + " cannot be broadcast to " + shape);
    }
    Compute.copyInto(this, src);
    return this;
  }

  /** this += alpha·other in place; returns {@code this}. */
  public Tensor addInPlace(Tensor other, double alpha) {
    checkInPlace("addInPlace");
    if (!Ops.broadcastShape("addInPlace", this, other).equals(shape)) {
      throw new ShapeMismatchException("addInPlace: output with shape " + shape
          + " doesn't match the broadcast shape " + Shape.broadcast(shape, other.shape));
    }
    Compute.addInto(this, other, alpha);
    return this;
  }

  /** this += other in place; returns {@code this}. */
  public Tensor addInPlace(Tensor other) {
    return addInPlace(other, 1.0);
  }

  /** this *= value in place; returns {@code this}. */
  public Tensor mulInPlace(double value) {
    checkInPlace("mulInPlace");
    Compute.copyInto(this, Compute.map(this, dtype(), x -> x * value));
    return this;
  }

  /** Sets one element, addressed by its full index. */
  public void set(double value, int... index) {
    checkInPlace("set");
    storage.set(position(index), value);
  }

  // ================================================================== conversions

  /** A copy converted to {@code dtype} (differentiable between float types). */
  public Tensor to(DType dtype) {
    if (dtype == dtype()) {
      return this;
    }
    if (requiresGrad && !dtype.isFloatingPoint()) {
      return Compute.copy(this, dtype);
    }
    return new Ops.Cast(dtype).apply(this);
  }

  /** The value of a one-element tensor. */
  public double item() {
    if (numel() != 1) {
      throw new IllegalStateException(
          "item: a Tensor with " + numel() + " elements cannot be converted to a scalar (shape "
              + shape + ")");
    }
    return storage.get(offset);
  }

  /** The element at {@code index} (one entry per dimension) as a double. */
  public double getDouble(int... index) {
    return storage.get(position(index));
  }

  /** The element at {@code index} as a long (exact for I64). */
  public long getLong(int... index) {
    return storage.getLong(position(index));
  }

  private int position(int[] index) {
    if (index.length != dim()) {
      throw new IllegalArgumentException(
          "index: expected " + dim() + " indices for shape " + shape + ", got " + index.length);
    }
    int pos = offset;
    for (int d = 0; d < index.length; d++) {
      int i = index[d] < 0 ? index[d] + size(d) : index[d];
      if (i < 0 || i >= size(d)) {
        throw new IndexOutOfBoundsException(
            "index " + index[d] + " is out of bounds for dimension " + d + " with size " + size(d));
      }
      pos += i * strides[d];
    }
    return pos;
  }

  /** All elements in row-major order as floats. */
  public float[] toFloatArray() {
    if (dtype() == DType.F32 && isContiguous()) {
      return Arrays.copyOfRange(((Storage.F32) storage).a, offset, offset + numel());
    }
    double[] d = Compute.toDoubles(this);
    float[] f = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      f[i] = (float) d[i];
    }
    return f;
  }

  /** All elements in row-major order as doubles. */
  public double[] toDoubleArray() {
    return Compute.toDoubles(this);
  }

  /** All elements in row-major order as longs (exact for I64). */
  public long[] toLongArray() {
    return Compute.toLongs(this);
  }

  /** All elements in row-major order as ints. */
  public int[] toIntArray() {
    long[] l = Compute.toLongs(this);
    int[] r = new int[l.length];
    for (int i = 0; i < l.length; i++) {
      r[i] = (int) l[i];
    }
    return r;
  }

  /** All elements in row-major order as booleans (non-zero is true). */
  public boolean[] toBooleanArray() {
    double[] d = Compute.toDoubles(this);
    boolean[] r = new boolean[d.length];
    for (int i = 0; i < d.length; i++) {
      r[i] = d[i] != 0;
    }
    return r;
  }

  /** Prints like PyTorch: values (summarised beyond 1000 elements), then shape and dtype. */
  @Override
  public String toString() {
    return TensorFormat.format(this);
  }
}
