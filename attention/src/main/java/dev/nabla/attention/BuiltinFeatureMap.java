package dev.nabla.attention;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;
import dev.nabla.core.internal.kernel.Kernels;
import dev.nabla.core.internal.kernel.UnaryOp;

/**
 * The feature maps {@link LinearAttention}'s fused kernel knows: applied on arrays in one pass
 * (and their derivative in backward) instead of a chain of elementwise tensor ops.
 */
enum BuiltinFeatureMap implements FeatureMap {
  /** φ(x) = elu(x) + 1; φ'(x) = 1 for x &gt; 0, else φ(x). */
  ELU_PLUS_ONE,
  /** φ(x) = max(x, 0); φ'(x) = 1 for x &gt; 0, else 0. */
  RELU;

  private static final Kernels K = Kernels.get();

  /**
   * y[yo + i] = φ(x[xo + i]) for i &lt; n, branch-free (signs are random): elu(x) + 1 =
   * e^(x − max(x, 0)) + max(x, 0), with max and exp from the kernels and plain loops (which the
   * JIT vectorises) for the rest.
   */
  void apply(int n, float[] x, int xo, float[] y, int yo) {
    if (this == RELU) {
      K.unary(UnaryOp.RELU, n, x, xo, y, yo);
      return;
    }
    float[] t = scratch(n);
    K.unary(UnaryOp.RELU, n, x, xo, t, 0);
    for (int i = 0; i < n; i++) {
      y[yo + i] = x[xo + i] - t[i];                  // min(x, 0)
    }
    K.unary(UnaryOp.EXP, n, y, yo, y, yo);
    for (int i = 0; i < n; i++) {
      y[yo + i] += t[i];
    }
  }

  /** g[i] *= φ'(x[i]) given y = φ(x): elu+1 has φ' = φ − max(x, 0) (1 for x &gt; 0, else eˣ). */
  void chain(int n, float[] x, int xo, float[] y, int yo, float[] g, int go) {
    if (this == RELU) {
      for (int i = 0; i < n; i++) {
        g[go + i] = x[xo + i] > 0 ? g[go + i] : 0f;
      }
      return;
    }
    float[] t = scratch(n);
    K.unary(UnaryOp.RELU, n, x, xo, t, 0);
    for (int i = 0; i < n; i++) {
      g[go + i] *= y[yo + i] - t[i];
    }
  }

  private static final ThreadLocal<float[][]> SCRATCH =
      ThreadLocal.withInitial(() -> new float[][] {new float[0]});

  private static float[] scratch(int n) {
    float[][] s = SCRATCH.get();
    if (s[0].length < n) {
      s[0] = new float[n];
    }
    return s[0];
  }

  double apply(double x) {
    return x > 0 ? (this == RELU ? x : x + 1) : (this == RELU ? 0 : Math.exp(x));
  }

  double derivative(double x, double y) {
    return x > 0 ? 1 : (this == RELU ? 0 : y);
  }

  @Override
  public Tensor apply(Tensor x) {
    return new Map(this).apply(x);
  }

  @Override
  public String toString() {
    return this == RELU ? "relu" : "elu+1";
  }

  /** φ as one differentiable op. */
  private static final class Map extends Op {
    private final BuiltinFeatureMap phi;

    Map(BuiltinFeatureMap phi) {
      this.phi = phi;
    }

    @Override public String name() {
      return "featureMap(" + phi + ")";
    }

    @Override protected Tensor forward(Context ctx, Tensor... in) {
      Tensor x = in[0].contiguous();
      int[] shape = x.shape().toArray();
      Tensor y;
      if (x.dtype() == DType.F32) {
        float[] out = new float[x.numel()];
        phi.apply(x.numel(), x.dataF32(), x.storageOffset(), out, 0);
        y = Tensor.wrap(out, shape);
      } else if (x.dtype() == DType.F64) {
        double[] xs = x.toDoubleArray();
        for (int i = 0; i < xs.length; i++) {
          xs[i] = phi.apply(xs[i]);
        }
        y = Tensor.wrap(xs, shape);
      } else {
        throw new UnsupportedOperationException(name() + ": expected F32 or F64, got "
            + x.dtype());
      }
      ctx.save(x, y);
      return y;
    }

    @Override protected Tensor[] backward(Context ctx, Tensor dy) {
      Tensor x = ctx.saved(0);
      Tensor y = ctx.saved(1);
      if (x.dtype() == DType.F32) {
        float[] g = dy.to(DType.F32).toFloatArray();
        phi.chain(g.length, x.dataF32(), x.storageOffset(), y.dataF32(), y.storageOffset(), g, 0);
        return new Tensor[] {Tensor.wrap(g, x.shape().toArray())};
      }
      double[] g = dy.to(DType.F64).toDoubleArray();
      double[] xs = x.toDoubleArray();
      double[] ys = y.toDoubleArray();
      for (int i = 0; i < g.length; i++) {
        g[i] *= phi.derivative(xs[i], ys[i]);
      }
      return new Tensor[] {Tensor.wrap(g, x.shape().toArray())};
    }
  }
}
