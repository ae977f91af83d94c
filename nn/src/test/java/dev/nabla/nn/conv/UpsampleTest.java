package dev.nabla.nn.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import dev.nabla.nn.Layer;
import org.junit.jupiter.api.Test;

/** PixelShuffle, PixelUnshuffle and Upsample: layouts, edge rules, GradCheck, errors. */
class UpsampleTest {

  static Tensor randn64(long seed, int... shape) {
    return Tensor.randn(new Rng(seed), DType.F64, shape).requiresGrad();
  }

  @Test void pixelShuffleChannelOrder() {
    // 4 channels of one pixel each → one 2x2 channel: channel i·2 + j lands at (i, j)
    Tensor x = Tensor.of(new float[] {0, 1, 2, 3}, 1, 4, 1, 1);
    Tensor y = new PixelShuffle(2).forward(x);
    assertArrayEquals(new int[] {1, 1, 2, 2}, y.shape().toArray());
    assertArrayEquals(new float[] {0, 1, 2, 3}, y.toFloatArray());
    Tensor x2 = Tensor.arange(8).to(DType.F32).reshape(2, 4, 1, 1); // leading dims kept
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 6, 7},
        new PixelShuffle(2).forward(x2).toFloatArray());
  }

  @Test void pixelShuffleMatchesReshapePermute() {
    Tensor x = Tensor.randn(new Rng(1), 2, 18, 3, 4);
    Tensor viaViews = x.reshape(2, 2, 3, 3, 3, 4).permute(0, 1, 4, 2, 5, 3).reshape(2, 2, 9, 12);
    assertArrayEquals(viaViews.toFloatArray(), Resampling.pixelShuffle(x, 3).toFloatArray());
    Tensor back = Resampling.pixelUnshuffle(Resampling.pixelShuffle(x, 3), 3);
    assertArrayEquals(x.toFloatArray(), back.toFloatArray());
    assertArrayEquals(x.shape().toArray(), back.shape().toArray());
  }

  @Test void shuffleGradients() {
    GradCheck.assertGradientsMatch(new PixelShuffle(2)::forward, randn64(2, 2, 8, 2, 3));
    GradCheck.assertGradientsMatch(new PixelUnshuffle(3)::forward, randn64(3, 1, 2, 3, 6));
  }

  @Test void nearestRules() {
    Tensor x = Tensor.arange(3).to(DType.F32).reshape(1, 1, 1, 3);
    assertArrayEquals(new float[] {0, 0, 1, 1, 2, 2},
        Resampling.interpolate(x, new int[] {1, 6}, null, Upsample.Mode.NEAREST, null)
            .toFloatArray());
    // size 3 → 7: ⌊o·3/7⌋
    assertArrayEquals(new float[] {0, 0, 0, 1, 1, 2, 2},
        Resampling.interpolate(x, 1, 7, Upsample.Mode.NEAREST).toFloatArray());
    // scale 2.5 → 7 outputs, ⌊o/2.5⌋
    assertArrayEquals(new float[] {0, 0, 0, 1, 1, 2, 2},
        Resampling.interpolate(x, null, new double[] {1, 2.5}, Upsample.Mode.NEAREST, null)
            .toFloatArray());
  }

  @Test void bilinearHalfPixelAndAlignCorners() {
    Tensor x = Tensor.of(new float[] {0, 4}, 1, 1, 1, 2);
    // half-pixel: src = (o + ½)/2 − ½ → −¼ (clamped to 0), ¼, ¾, 5/4 (edge)
    assertArrayEquals(new float[] {0, 1, 3, 4},
        Upsample.withScale(2, Upsample.Mode.BILINEAR).forward(x.expand(1, 1, 2, 2).contiguous())
            .select(2, 0).toFloatArray(), 1e-6f);
    // align corners: src = o·(2 − 1)/(4 − 1)
    Tensor y = Resampling.interpolate(x, new int[] {1, 4}, null, Upsample.Mode.BILINEAR, true);
    assertArrayEquals(new float[] {0, 4f / 3, 8f / 3, 4}, y.toFloatArray(), 1e-6f);
  }

  @Test void upsampleGradients() {
    for (boolean align : new boolean[] {false, true}) {
      GradCheck.assertGradientsMatch(Upsample.withScale(2, Upsample.Mode.BILINEAR, align)::forward,
          randn64(4, 1, 2, 3, 4));
      GradCheck.assertGradientsMatch(
          Upsample.withSize(5, 7, Upsample.Mode.BILINEAR, align)::forward, randn64(5, 2, 1, 3, 4));
      GradCheck.assertGradientsMatch(
          Upsample.withSize(2, 3, Upsample.Mode.BILINEAR, align)::forward, randn64(6, 1, 1, 5, 4));
    }
    GradCheck.assertGradientsMatch(Upsample.withScale(3, Upsample.Mode.NEAREST)::forward,
        randn64(7, 1, 2, 2, 3));
    GradCheck.assertGradientsMatch(Upsample.withSize(5, 4, Upsample.Mode.NEAREST)::forward,
        randn64(8, 2, 1, 3, 3));
  }

  @Test void sameResultsAtAnyThreadCount() {
    Tensor x = Tensor.randn(new Rng(9), 4, 16, 31, 29);
    Layer[] layers = {Upsample.withScale(2, Upsample.Mode.BILINEAR),
        Upsample.withSize(45, 50, Upsample.Mode.NEAREST), new PixelUnshuffle(1),
        new PixelShuffle(2)};
    for (Layer layer : layers) {
      float[][] one = PoolTest.run(layer, x, 1);
      float[][] four = PoolTest.run(layer, x, 4);
      assertArrayEquals(one[0], four[0], layer + " forward");
      assertArrayEquals(one[1], four[1], layer + " backward");
    }
  }

  @Test void printsLikeTorch() {
    assertEquals("Upsample(scale_factor=2.0, mode=bilinear, align_corners=true)",
        Upsample.withScale(2, Upsample.Mode.BILINEAR, true).toString());
    assertEquals("Upsample(size=[4, 6], mode=nearest)",
        Upsample.withSize(4, 6, Upsample.Mode.NEAREST).toString());
    assertEquals("PixelShuffle(upscale_factor=3)", new PixelShuffle(3).toString());
  }

  @Test void badInputNamesLayerAndShape() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new PixelShuffle(2).forward(Tensor.zeros(1, 7, 2, 2)));
    assertTrue(e.getMessage().startsWith("PixelShuffle(upscale_factor=2)")
        && e.getMessage().contains("input.size(-3)=7 is not divisible by 4")
        && e.getMessage().contains("[1, 7, 2, 2]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new PixelUnshuffle(2).forward(Tensor.zeros(1, 1, 5, 4)));
    assertTrue(e.getMessage().contains("height") && e.getMessage().contains("[1, 1, 5, 4]"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> new PixelShuffle(2).forward(Tensor.zeros(4, 2)));
    assertThrows(IllegalArgumentException.class, () -> new PixelShuffle(0));
    e = assertThrows(IllegalArgumentException.class,
        () -> new Upsample(null, null, Upsample.Mode.NEAREST, null));
    assertTrue(e.getMessage().contains("either size or scale_factor"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new Upsample(new int[] {4}, new double[] {2}, Upsample.Mode.NEAREST, null));
    assertTrue(e.getMessage().contains("only one of size or scale_factor"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Upsample.withSize(0, 3, Upsample.Mode.BILINEAR));
    assertTrue(e.getMessage().startsWith("Upsample") && e.getMessage().contains("[0, 3]"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Upsample.withScale(-2, Upsample.Mode.BILINEAR));
    assertThrows(IllegalArgumentException.class,
        () -> Upsample.withScale(2, Upsample.Mode.NEAREST, true));
    e = assertThrows(IllegalArgumentException.class,
        () -> Upsample.withScale(0.1, Upsample.Mode.NEAREST).forward(Tensor.zeros(1, 1, 4, 4)));
    assertTrue(e.getMessage().contains("output (H: 0, W: 0)")
        && e.getMessage().contains("[1, 1, 4, 4]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> Upsample.withScale(2, Upsample.Mode.NEAREST).forward(Tensor.zeros(1, 4, 4)));
    assertTrue(e.getMessage().contains("4-D") && e.getMessage().contains("[1, 4, 4]"),
        e.getMessage());
  }
}
