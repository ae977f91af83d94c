package dev.nabla.nn.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import dev.nabla.core.autograd.GradMode;
import org.junit.jupiter.api.Test;

/**
 * Float64 GradCheck (eps 1e-6, atol 1e-5, rtol 1e-3) of every convolution with respect to the
 * input, the weight and the bias, on small shapes covering stride, padding kinds, dilation,
 * groups and output padding; and the adjoint identity ⟨conv(x), y⟩ = ⟨x, convT(y)⟩ that ties
 * ConvTranspose2d to Conv2d.
 */
class ConvGradientTest {

  private static Tensor randn(Rng rng, int... shape) {
    return Tensor.randn(rng, DType.F64, shape).requiresGrad();
  }

  private static void check2d(ConvOptions o, int[] x, int[] w, boolean bias) {
    Rng rng = new Rng(7);
    Tensor xt = randn(rng, x);
    Tensor wt = randn(rng, w);
    Tensor bt = bias ? randn(rng, w[0]) : null;
    if (bias) {
      GradCheck.assertGradientsMatch(in -> Conv.conv2d(in[0], in[1], in[2], o), xt, wt, bt);
    } else {
      GradCheck.assertGradientsMatch(in -> Conv.conv2d(in[0], in[1], null, o), xt, wt);
    }
  }

  private static void checkTransposed(ConvOptions o, int[] x, int[] w, int out) {
    Rng rng = new Rng(11);
    Tensor xt = randn(rng, x);
    Tensor wt = randn(rng, w);
    Tensor bt = randn(rng, out);
    GradCheck.assertGradientsMatch(in -> Conv.convTranspose2d(in[0], in[1], in[2], o), xt, wt,
        bt);
  }

  @Test void conv2dBasic() {
    check2d(ConvOptions.defaults(), new int[] {2, 3, 5, 4}, new int[] {2, 3, 3, 2}, true);
  }

  @Test void conv2dStridePaddingDilation() {
    check2d(ConvOptions.defaults().stride(2, 1).padding(1, 2).dilation(1, 2),
        new int[] {1, 2, 6, 5}, new int[] {3, 2, 3, 2}, true);
  }

  @Test void conv2dGroupsNoBias() {
    check2d(ConvOptions.defaults().groups(2).padding(1), new int[] {2, 4, 4, 3},
        new int[] {4, 2, 2, 3}, false);
  }

  @Test void conv2dDepthwiseSame() {
    check2d(ConvOptions.defaults().groups(3).paddingSame(), new int[] {1, 3, 4, 5},
        new int[] {3, 1, 2, 4}, true);
  }

  @Test void conv2dPaddingSides() {
    check2d(ConvOptions.defaults().paddingSides(2, 0, 1, 3).stride(2), new int[] {1, 2, 4, 4},
        new int[] {2, 2, 3, 3}, true);
  }

  @Test void conv2dOneByOne() {
    check2d(ConvOptions.defaults(), new int[] {2, 3, 3, 2}, new int[] {2, 3, 1, 1}, true);
  }

  @Test void conv1d() {
    Rng rng = new Rng(3);
    Tensor x = randn(rng, 2, 4, 9);
    Tensor w = randn(rng, 6, 2, 3);
    Tensor b = randn(rng, 6);
    ConvOptions o = ConvOptions.defaults().stride(2).padding(2).dilation(2).groups(2);
    GradCheck.assertGradientsMatch(in -> Conv.conv1d(in[0], in[1], in[2], o), x, w, b);
  }

  @Test void convTranspose2dStrideOutputPadding() {
    checkTransposed(ConvOptions.defaults().stride(2, 3).padding(1, 0).outputPadding(1, 2),
        new int[] {2, 2, 3, 2}, new int[] {2, 3, 3, 4}, 3);
  }

  @Test void convTranspose2dGroupsDilation() {
    checkTransposed(ConvOptions.defaults().groups(2).dilation(2).padding(1).outputPadding(1),
        new int[] {1, 4, 3, 3}, new int[] {4, 1, 2, 3}, 2);
  }

  @Test void convTranspose2dOneByOne() {
    checkTransposed(ConvOptions.defaults(), new int[] {2, 3, 2, 3}, new int[] {3, 2, 1, 1}, 2);
  }

  @Test void convTranspose2dOutputSize() {
    Rng rng = new Rng(5);
    Tensor x = randn(rng, 1, 2, 3, 3);
    Tensor w = randn(rng, 2, 2, 3, 3);
    ConvOptions o = ConvOptions.defaults().stride(2).padding(1);
    GradCheck.assertGradientsMatch(
        in -> Conv.convTranspose2d(in[0], in[1], null, o, 6, 5), x, w);
  }

  @Test void layersInF64() {
    Rng rng = new Rng(1);
    Conv2d conv = new Conv2d(2, 3, 3, ConvOptions.defaults().padding(1).stride(2), rng);
    conv.to(DType.F64);
    GradCheck.assertGradientsMatch(conv::forward, randn(rng, 1, 2, 5, 4));
    Conv1d conv1 = new Conv1d(2, 2, 3, ConvOptions.defaults().paddingSame(), rng);
    conv1.to(DType.F64);
    GradCheck.assertGradientsMatch(conv1::forward, randn(rng, 2, 2, 6));
    ConvTranspose2d up = new ConvTranspose2d(3, 2, 4,
        ConvOptions.defaults().stride(2).padding(1), rng);
    up.to(DType.F64);
    GradCheck.assertGradientsMatch(up::forward, randn(rng, 1, 3, 2, 3));
  }

  @Test void unbatchedInput() {
    Rng rng = new Rng(9);
    Tensor x = randn(rng, 2, 4, 3);
    Tensor w = randn(rng, 3, 2, 2, 2);
    GradCheck.assertGradientsMatch(in -> Conv.conv2d(in[0], in[1], null,
        ConvOptions.defaults().padding(1)), x, w);
  }

  /** ⟨conv2d(x, W), y⟩ = ⟨x, convTranspose2d(y, W)⟩: the transposed convolution is the adjoint. */
  @Test void transposedIsTheAdjoint() {
    Rng rng = new Rng(2);
    ConvOptions o = ConvOptions.defaults().stride(2, 3).padding(1, 2).dilation(2, 1).groups(2);
    for (DType dtype : new DType[] {DType.F64, DType.F32}) {
      Tensor x = Tensor.randn(rng, dtype, 2, 4, 9, 11);
      Tensor w = Tensor.randn(rng, dtype, 6, 2, 3, 4);
      try (var off = GradMode.disabled()) {
        Tensor y = Conv.conv2d(x, w, null, o);
        Tensor v = Tensor.randn(rng, dtype, y.shape().toArray());
        // the output padding that maps y's size back onto x's
        Tensor back = Conv.convTranspose2d(v, w, null, o, 9, 11);
        assertArrayEquals(x.shape().toArray(), back.shape().toArray());
        double lhs = y.mul(v).sum().item();
        double rhs = x.mul(back).sum().item();
        assertEquals(lhs, rhs, (dtype == DType.F64 ? 1e-10 : 1e-3) * Math.abs(lhs), dtype
            + ": adjoint identity");
      }
    }
  }
}
