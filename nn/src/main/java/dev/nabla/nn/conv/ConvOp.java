package dev.nabla.nn.conv;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.Context;
import dev.nabla.core.autograd.Op;

/**
 * A (transposed) convolution as one differentiable op (internal): inputs x, weight and an
 * optional bias (null), geometry resolved by {@link ConvGeometry}. F32 runs {@link ConvEngine}
 * (im2col + GEMM), F64 {@link ConvReference} (direct loops).
 *
 * <p>Convolution: y = W ⊛ x + b; dx = Wᵀ ⊛ dy, dW = Σ dy·col(x)ᵀ, db = Σ dy. Transposed: y =
 * Wᵀ ⊛ x + b; dx = W ⊛ dy, dW = Σ x·col(dy)ᵀ, db = Σ dy. Saves x and W; the column matrices are
 * recomputed in backward (they are kh·kw times the input).
 */
final class ConvOp extends Op {
  private final ConvGeometry g;

  ConvOp(ConvGeometry g) {
    this.g = g;
  }

  @Override public String name() {
    return (g.transposed ? "ConvTranspose" : "Conv") + g.dims + "d";
  }

  @Override protected Tensor forward(Context ctx, Tensor... in) {
    Tensor x = in[0].contiguous();
    Tensor w = in[1].contiguous();
    Tensor b = in[2] == null ? null : in[2].contiguous();
    ctx.save(x, w);
    int[] shape = g.outputShape();
    if (x.dtype() == DType.F32) {
      float[] out = g.transposed
          ? ConvEngine.adjoint(g, x.dataF32(), x.storageOffset(), w.dataF32(), w.storageOffset(),
              b == null ? null : b.dataF32(), b == null ? 0 : b.storageOffset())
          : ConvEngine.forward(g, x.dataF32(), x.storageOffset(), w.dataF32(), w.storageOffset(),
              b == null ? null : b.dataF32(), b == null ? 0 : b.storageOffset());
      return Tensor.wrap(out, shape);
    }
    double[] xd = x.toDoubleArray();
    double[] wd = w.toDoubleArray();
    double[] bd = b == null ? null : b.toDoubleArray();
    double[] out = g.transposed ? ConvReference.adjoint(g, xd, wd, bd)
        : ConvReference.forward(g, xd, wd, bd);
    return Tensor.wrap(out, shape);
  }

  @Override protected Tensor[] backward(Context ctx, Tensor gradOutput) {
    Tensor x = ctx.saved(0);
    Tensor w = ctx.saved(1);
    Tensor dy = gradOutput.to(x.dtype()).contiguous();
    boolean needX = ctx.needsInputGrad(0);
    boolean needW = ctx.needsInputGrad(1);
    boolean needB = ctx.needsInputGrad(2);
    int outChannels = g.transposed ? g.ca : g.cb;
    int outPixels = g.transposed ? g.la() : g.lb();
    Tensor[] grads = new Tensor[3];
    if (x.dtype() == DType.F32) {
      float[] dyd = dy.dataF32();
      int dyOff = dy.storageOffset();
      if (needX || needW) {
        ConvEngine.Grads r = ConvEngine.backward(g, x.dataF32(), x.storageOffset(), w.dataF32(),
            w.storageOffset(), dyd, dyOff, needX, needW);
        grads[0] = needX ? Tensor.wrap(r.input(), x.shape().toArray()) : null;
        grads[1] = needW ? Tensor.wrap(r.weight(), w.shape().toArray()) : null;
      }
      if (needB) {
        grads[2] = Tensor.wrap(ConvEngine.biasGrad(dyd, dyOff, g.n, outChannels, outPixels),
            outChannels);
      }
      return grads;
    }
    double[] xd = x.toDoubleArray();
    double[] wd = w.toDoubleArray();
    double[] dyd = dy.toDoubleArray();
    if (needX) {
      double[] dx = g.transposed ? ConvReference.forward(g, dyd, wd, null)
          : ConvReference.adjoint(g, dyd, wd, null);
      grads[0] = Tensor.wrap(dx, x.shape().toArray());
    }
    if (needW) {
      double[] dw = g.transposed ? ConvReference.weightGrad(g, dyd, xd)
          : ConvReference.weightGrad(g, xd, dyd);
      grads[1] = Tensor.wrap(dw, w.shape().toArray());
    }
    if (needB) {
      grads[2] = Tensor.wrap(ConvReference.biasGrad(dyd, g.n, outChannels, outPixels),
          outChannels);
    }
    return grads;
  }
}
