package dev.nabla.nn.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.ValuesIndices;
import dev.nabla.core.autograd.GradCheck;
import dev.nabla.core.internal.kernel.Parallel;
import org.junit.jupiter.api.Test;

/** MaxPool2d, AvgPool2d, AdaptiveAvgPool2d: known values, F64 GradCheck, threads, errors. */
class PoolTest {

  /** Distinct values ≥ 0.05 apart in random order: max pooling has no ties to straddle. */
  static Tensor distinct(long seed, int... shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return Tensor.randperm(new Rng(seed), n).to(DType.F64).mul(0.05).sub(1.0).reshape(shape)
        .copy().requiresGrad();
  }

  static Tensor randn64(long seed, int... shape) {
    return Tensor.randn(new Rng(seed), DType.F64, shape).requiresGrad();
  }

  @Test void maxPoolKnownValuesAndIndices() {
    Tensor x = Tensor.arange(16).to(DType.F32).reshape(1, 1, 4, 4);
    ValuesIndices r = new MaxPool2d(2).forwardWithIndices(x);
    assertArrayEquals(new float[] {5, 7, 13, 15}, r.values().toFloatArray());
    assertArrayEquals(new long[] {5, 7, 13, 15}, r.indices().toLongArray());
    assertArrayEquals(new int[] {1, 1, 2, 2}, r.values().shape().toArray());
  }

  @Test void maxPoolBackwardRoutesToArgmax() {
    Tensor x = Tensor.of(new float[] {1, 9, 2, 3, 4, 5, 6, 7, 8}, 1, 1, 3, 3).requiresGrad();
    // 2x2 windows, stride 1: all four windows contain the 9 at (0, 1) or not
    Tensor y = new MaxPool2d(2, 1).forward(x);
    assertArrayEquals(new float[] {9, 9, 7, 8}, y.toFloatArray());
    y.sum().backward();
    assertArrayEquals(new float[] {0, 2, 0, 0, 0, 0, 0, 1, 1}, x.grad().toFloatArray());
  }

  @Test void maxPoolPropagatesNaN() {
    Tensor x = Tensor.of(new float[] {1, Float.NaN, 2, 3}, 1, 1, 2, 2);
    assertTrue(Double.isNaN(Pooling.maxPool2d(x, 2).item()));
  }

  @Test void maxPoolGradients() {
    GradCheck.assertGradientsMatch(
        t -> Pooling.maxPool2d(t, new int[] {3}, new int[] {2}, new int[] {1}, null, false),
        distinct(1, 2, 2, 5, 7));
    GradCheck.assertGradientsMatch(
        t -> Pooling.maxPool2d(t, new int[] {3, 2}, new int[] {2, 1}, new int[] {1, 0},
            new int[] {1, 2}, true),
        distinct(2, 1, 2, 6, 5));
    GradCheck.assertGradientsMatch(new MaxPool2d(2)::forward, distinct(3, 3, 5, 4));
  }

  @Test void avgPoolKnownValues() {
    Tensor ones = Tensor.ones(1, 1, 5, 5);
    Tensor inc = Pooling.avgPool2d(ones, new int[] {3}, new int[] {2}, new int[] {1}, true, true,
        null);
    float f = 4f / 9;
    float h = 6f / 9;
    assertArrayEquals(new float[] {f, h, f, h, 1, h, f, h, f}, inc.toFloatArray(), 1e-7f);
    Tensor exc = Pooling.avgPool2d(ones, new int[] {3}, new int[] {2}, new int[] {1}, true, false,
        null);
    assertArrayEquals(new float[] {1, 1, 1, 1, 1, 1, 1, 1, 1}, exc.toFloatArray(), 1e-7f);
    Tensor div = Pooling.avgPool2d(ones, new int[] {2}, null, null, false, true, 2);
    assertArrayEquals(new float[] {2, 2, 2, 2}, div.toFloatArray());
  }

  @Test void avgPoolGradients() {
    GradCheck.assertGradientsMatch(
        t -> Pooling.avgPool2d(t, new int[] {3}, new int[] {2}, new int[] {1}, true, false, null),
        randn64(4, 2, 2, 6, 7));
    GradCheck.assertGradientsMatch(
        t -> Pooling.avgPool2d(t, new int[] {3, 2}, new int[] {1, 2}, new int[] {1, 1}, false,
            true, 3),
        randn64(5, 1, 2, 5, 4));
    GradCheck.assertGradientsMatch(new AvgPool2d(2)::forward, randn64(6, 2, 5, 5));
  }

  @Test void adaptiveAvgPoolBinsAndGradients() {
    Tensor x = Tensor.arange(5).to(DType.F32).reshape(1, 1, 1, 5);
    // bins over 5 → 3: [0, 2), [1, 4), [3, 5)
    Tensor y = new AdaptiveAvgPool2d(1, 3).forward(x);
    assertArrayEquals(new float[] {0.5f, 2f, 3.5f}, y.toFloatArray(), 1e-7f);
    GradCheck.assertGradientsMatch(t -> Pooling.adaptiveAvgPool2d(t, 3, 4),
        randn64(7, 2, 2, 7, 5));
    GradCheck.assertGradientsMatch(new AdaptiveAvgPool2d(4, 6)::forward, randn64(8, 1, 2, 3, 4));
  }

  @Test void sameResultsAtAnyThreadCount() {
    Tensor x = Tensor.randn(new Rng(9), 4, 16, 33, 31);
    MaxPool2d max = new MaxPool2d(3, 2, 1);
    AvgPool2d avg = new AvgPool2d(new int[] {3}, new int[] {2}, new int[] {1}, true, false, null);
    for (var layer : new dev.nabla.nn.Layer[] {max, avg, new AdaptiveAvgPool2d(5, 7)}) {
      float[][] one = run(layer, x, 1);
      float[][] four = run(layer, x, 4);
      assertArrayEquals(one[0], four[0], layer + " forward");
      assertArrayEquals(one[1], four[1], layer + " backward");
    }
  }

  static float[][] run(dev.nabla.nn.Layer layer, Tensor x, int threads) {
    return Parallel.withThreads(threads, () -> {
      Tensor xi = x.detach().copy().requiresGrad();
      Tensor y = layer.forward(xi);
      y.mul(y).sum().backward();
      return new float[][] {y.toFloatArray(), xi.grad().toFloatArray()};
    });
  }

  @Test void printsLikeTorch() {
    assertEquals("MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=false)",
        new MaxPool2d(3, 2, 1).toString());
    assertEquals("AvgPool2d(kernel_size=(3, 2), stride=(3, 2), padding=0, ceil_mode=true,"
        + " count_include_pad=false)",
        new AvgPool2d(new int[] {3, 2}, null, null, true, false, null).toString());
    assertEquals("AdaptiveAvgPool2d(output_size=(2, 3))", new AdaptiveAvgPool2d(2, 3).toString());
    assertTrue(new MaxPool2d(2).parameters().isEmpty());
  }

  @Test void kernelLargerThanPaddedInputIsRejected() {
    Tensor x = Tensor.zeros(1, 1, 5, 5);
    var e = assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(7).forward(x));
    assertTrue(e.getMessage().startsWith("MaxPool2d(kernel_size=7"), e.getMessage());
    assertTrue(e.getMessage().contains("[1, 1, 5, 5]") && e.getMessage().contains("too small"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(6, 1, 0).forward(x));
    assertTrue(e.getMessage().contains("AvgPool2d") && e.getMessage().contains("0x0"),
        e.getMessage());
  }

  @Test void badArgumentsAreRejected() {
    var e = assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(3, 1, 2));
    assertTrue(e.getMessage().contains("MaxPool2d: pad should be at most half of kernel size"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(2, 1, 2));
    assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(0));
    assertThrows(IllegalArgumentException.class, () -> new MaxPool2d(2, 0));
    assertThrows(IllegalArgumentException.class,
        () -> new AvgPool2d(new int[] {2}, null, null, false, true, 0));
    e = assertThrows(IllegalArgumentException.class, () -> new AdaptiveAvgPool2d(0, 3));
    assertTrue(e.getMessage().contains("AdaptiveAvgPool2d"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Pooling.adaptiveAvgPool2d(Tensor.zeros(1, 1, 4, 4), -1, 2));
    e = assertThrows(IllegalArgumentException.class,
        () -> new MaxPool2d(2).forward(Tensor.zeros(1, 1, 1, 4, 4)));
    assertTrue(e.getMessage().contains("[1, 1, 1, 4, 4]"), e.getMessage());
    assertThrows(UnsupportedOperationException.class,
        () -> new MaxPool2d(2).forward(Tensor.zeros(DType.I64, 1, 1, 4, 4)));
  }
}
