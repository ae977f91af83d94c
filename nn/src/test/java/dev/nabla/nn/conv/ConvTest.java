package dev.nabla.nn.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The layers' API: shapes, init, state dicts, functional forms, options and error messages. */
class ConvTest {
  private final Rng rng = new Rng(0);

  private static String message(Executable e) {
    return assertThrows(IllegalArgumentException.class, e).getMessage();
  }

  // ------------------------------------------------------------------ shapes and parameters

  @Test void conv2dShapesAndStateDict() {
    Conv2d conv = new Conv2d(3, 8, new int[] {3, 5},
        ConvOptions.defaults().stride(2).padding(1, 2), rng);
    assertEquals(List.of("weight", "bias"), List.copyOf(conv.stateDict().keySet()));
    assertArrayEquals(new int[] {8, 3, 3, 5}, conv.weight().shape().toArray());
    assertArrayEquals(new int[] {8}, conv.bias().shape().toArray());
    Tensor y = conv.forward(Tensor.randn(rng, 2, 3, 9, 10));
    assertArrayEquals(new int[] {2, 8, 5, 5}, y.shape().toArray());
    assertArrayEquals(new int[] {3, 5}, conv.kernelSize());
    assertEquals(3, conv.inChannels());
    assertEquals(8, conv.outChannels());
  }

  @Test void conv1dAndUnbatched() {
    Conv1d conv = new Conv1d(4, 6, 3, ConvOptions.defaults().paddingSame().bias(false), rng);
    assertNull(conv.bias());
    assertEquals(List.of("weight"), List.copyOf(conv.stateDict().keySet()));
    assertArrayEquals(new int[] {6, 4, 3}, conv.weight().shape().toArray());
    Tensor x = Tensor.randn(rng, 4, 11);
    Tensor y = conv.forward(x);
    assertArrayEquals(new int[] {6, 11}, y.shape().toArray());
    Tensor batched = conv.forward(x.unsqueeze(0));
    assertArrayEquals(batched.squeeze(0).toFloatArray(), y.toFloatArray());
  }

  @Test void convTransposeShapesAndOutputSize() {
    ConvTranspose2d up = new ConvTranspose2d(64, 32, 4,
        ConvOptions.defaults().stride(2).padding(1), rng);
    assertArrayEquals(new int[] {64, 32, 4, 4}, up.weight().shape().toArray());
    Tensor x = Tensor.randn(rng, 2, 64, 5, 7);
    assertArrayEquals(new int[] {2, 32, 10, 14}, up.forward(x).shape().toArray());
    ConvTranspose2d odd = new ConvTranspose2d(2, 3, 3,
        ConvOptions.defaults().stride(2).padding(1), rng);
    Tensor small = Tensor.randn(rng, 1, 2, 4, 4);
    assertArrayEquals(new int[] {1, 3, 7, 7}, odd.forward(small).shape().toArray());
    assertArrayEquals(new int[] {1, 3, 8, 7}, odd.forward(small, 8, 7).shape().toArray());
    assertArrayEquals(new int[] {1, 3, 8, 8},
        odd.forward(small, 1, 3, 8, 8).shape().toArray());
    // outputSize gives the same values as the equivalent output padding
    ConvTranspose2d padded = new ConvTranspose2d(2, 3, 3,
        ConvOptions.defaults().stride(2).padding(1).outputPadding(1, 0), rng);
    padded.loadStateDict(odd.stateDict(), true);
    assertArrayEquals(padded.forward(small).toFloatArray(), odd.forward(small, 8, 7)
        .toFloatArray());
  }

  @Test void defaultInitIsPyTorchs() {
    Conv2d conv = new Conv2d(16, 32, 3, ConvOptions.defaults().groups(4), rng);
    double bound = 1 / Math.sqrt(16 / 4 * 9);
    assertWithin(conv.weight(), bound);
    assertWithin(conv.bias(), bound);
    // transposed: fan_in is weight.size(1)·k·k = out/groups·k·k, as PyTorch computes it
    ConvTranspose2d up = new ConvTranspose2d(64, 32, 4, rng);
    double upBound = 1 / Math.sqrt(32 * 16);
    assertWithin(up.weight(), upBound);
    assertWithin(up.bias(), upBound);
    // same seed, same weights
    Conv2d again = new Conv2d(16, 32, 3, ConvOptions.defaults().groups(4), new Rng(0));
    Conv2d first = new Conv2d(16, 32, 3, ConvOptions.defaults().groups(4), new Rng(0));
    assertArrayEquals(first.weight().toFloatArray(), again.weight().toFloatArray());
  }

  private static void assertWithin(Tensor t, double bound) {
    double max = 0;
    for (float v : t.toFloatArray()) {
      max = Math.max(max, Math.abs(v));
    }
    assertTrue(max <= bound, "max |value| " + max + " above " + bound);
    assertTrue(max > 0.8 * bound, "values do not fill U(±" + bound + "): max " + max);
  }

  @Test void printsLikePyTorch() {
    assertEquals("Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)",
        new Conv2d(3, 8, 3, ConvOptions.defaults().stride(2).padding(1).bias(false), rng)
            .toString());
    assertEquals("Conv1d(4, 4, kernel_size=(5,), stride=(1,), padding=same, groups=4)",
        new Conv1d(4, 4, 5, ConvOptions.defaults().paddingSame().groups(4), rng).toString());
    assertEquals("ConvTranspose2d(8, 4, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1),"
            + " output_padding=(1, 1))",
        new ConvTranspose2d(8, 4, 3, ConvOptions.defaults().stride(2).padding(1)
            .outputPadding(1), rng).toString());
  }

  // ------------------------------------------------------------------ functional forms

  @Test void functionalMatchesLayer() {
    Conv2d conv = new Conv2d(4, 6, 3, ConvOptions.defaults().groups(2).dilation(2), rng);
    Tensor x = Tensor.randn(rng, 2, 4, 9, 8);
    assertArrayEquals(conv.forward(x).toFloatArray(), Conv.conv2d(x, conv.weight(), conv.bias(),
        ConvOptions.defaults().groups(2).dilation(2)).toFloatArray());
    Tensor plain = Conv.conv2d(x, conv.weight(), null, ConvOptions.defaults().groups(2)
        .dilation(2));
    Tensor withBias = conv.forward(x);
    Tensor diff = withBias.sub(plain).sub(conv.bias().reshape(1, 6, 1, 1));
    assertTrue(diff.abs().max().item() < 1e-6);
  }

  @Test void samePaddingKeepsTheSize() {
    for (int k = 1; k <= 4; k++) {
      for (int d = 1; d <= 3; d++) {
        Tensor y = Conv.conv2d(Tensor.randn(rng, 1, 2, 7, 6), Tensor.randn(rng, 3, 2, k, k + 1),
            null, ConvOptions.defaults().paddingSame().dilation(d));
        assertArrayEquals(new int[] {1, 3, 7, 6}, y.shape().toArray(), "k " + k + " d " + d);
      }
    }
  }

  /** Sides (1, 0, 2, 1) equal an explicit zero pad followed by an unpadded convolution. */
  @Test void paddingSidesIsPadThenConvolve() {
    Tensor x = Tensor.randn(rng, 2, 3, 5, 6);
    Tensor w = Tensor.randn(rng, 4, 3, 3, 2);
    Tensor sides = Conv.conv2d(x, w, null, ConvOptions.defaults().paddingSides(1, 0, 2, 1));
    // Tensor.pad takes the last dimension first, as F.pad
    Tensor manual = Conv.conv2d(x.pad(new int[] {2, 1, 1, 0}, 0), w, null);
    assertArrayEquals(manual.shape().toArray(), sides.shape().toArray());
    assertTrue(manual.sub(sides).abs().max().item() < 1e-5);
  }

  @Test void nonContiguousInputAndNoGrad() {
    Tensor w = Tensor.randn(rng, 2, 3, 2, 2);
    Tensor x = Tensor.randn(rng, 2, 5, 4, 3).permute(0, 3, 2, 1); // [2, 3, 4, 5] strided
    assertFalse(x.isContiguous());
    Tensor y = Conv.conv2d(x, w, null);
    assertArrayEquals(Conv.conv2d(x.contiguous(), w, null).toFloatArray(), y.toFloatArray());
    try (var off = GradMode.disabled()) {
      Tensor wr = w.detach().requiresGrad();
      assertNull(Conv.conv2d(x, wr, null).gradFn());
    }
  }

  @Test void onlyTheWeightNeedsAGradient() {
    Conv2d conv = new Conv2d(2, 3, 3, rng);
    Tensor x = Tensor.randn(rng, 2, 2, 5, 5);
    conv.forward(x).sum().backward();
    assertNull(x.grad());
    assertArrayEquals(new int[] {3, 2, 3, 3}, conv.weight().grad().shape().toArray());
    // dL/db of a sum: the number of output pixels per channel
    assertArrayEquals(new float[] {18, 18, 18}, conv.bias().grad().toFloatArray());
  }

  @Test void emptyBatch() {
    Conv2d conv = new Conv2d(2, 3, 3, rng);
    Tensor x = Tensor.zeros(0, 2, 5, 5).requiresGrad();
    Tensor y = conv.forward(x);
    assertArrayEquals(new int[] {0, 3, 3, 3}, y.shape().toArray());
    y.sum().backward();
    assertArrayEquals(new float[3], conv.bias().grad().toFloatArray());
    assertArrayEquals(new float[54], conv.weight().grad().toFloatArray());
  }

  // ------------------------------------------------------------------ bad input

  @Test void wrongChannelCountNamesLayerAndShape() {
    Conv2d conv = new Conv2d(3, 8, 3, rng);
    assertEquals("Conv2d(in=3, out=8, kernel=[3, 3]): expected input with 3 channels, got"
        + " [2, 4, 32, 32]", message(() -> conv.forward(Tensor.zeros(2, 4, 32, 32))));
    assertEquals("Conv1d(in=2, out=4, kernel=[3]): expected input with 2 channels, got [5, 7]",
        message(() -> new Conv1d(2, 4, 3, rng).forward(Tensor.zeros(5, 7))));
    assertEquals("conv2d: expected input with 6 channels (weight [4, 3, 3, 3], groups 2), got"
        + " [1, 5, 8, 8]", message(() -> Conv.conv2d(Tensor.zeros(1, 5, 8, 8),
        Tensor.zeros(4, 3, 3, 3), null, ConvOptions.defaults().groups(2))));
    assertEquals("ConvTranspose2d(in=4, out=2, kernel=[2, 2]): expected input with 4 channels,"
        + " got [1, 2, 3, 3]", message(() -> new ConvTranspose2d(4, 2, 2, rng)
        .forward(Tensor.zeros(1, 2, 3, 3))));
  }

  @Test void wrongRank() {
    assertEquals("Conv2d(in=3, out=8, kernel=[3, 3]): expected a 3-D (unbatched) or 4-D"
        + " (batched) input, got [3, 32]",
        message(() -> new Conv2d(3, 8, 3, rng).forward(Tensor.zeros(3, 32))));
    assertEquals("conv2d: expected a 4-D weight [out, in/groups, kH, kW], got [4, 3, 3]",
        message(() -> Conv.conv2d(Tensor.zeros(1, 3, 5, 5), Tensor.zeros(4, 3, 3), null)));
  }

  @Test void kernelLargerThanPaddedInput() {
    Conv2d conv = new Conv2d(3, 8, 5, ConvOptions.defaults().padding(1), rng);
    assertEquals("Conv2d(in=3, out=8, kernel=[5, 5]): kernel size [5, 5] is larger than the"
        + " padded input [4, 8] of input [1, 3, 2, 6]",
        message(() -> conv.forward(Tensor.zeros(1, 3, 2, 6))));
    assertEquals("conv1d: kernel size [3] (dilated [7]) is larger than the padded input [6] of"
        + " input [1, 1, 6]", message(() -> Conv.conv1d(Tensor.zeros(1, 1, 6),
        Tensor.zeros(1, 1, 3), null, ConvOptions.defaults().dilation(3))));
  }

  @Test void transposedOutputSizeNotPositive() {
    ConvTranspose2d up = new ConvTranspose2d(2, 2, 3, ConvOptions.defaults().padding(2), rng);
    assertEquals("ConvTranspose2d(in=2, out=2, kernel=[3, 3]): the output size [-1, 1] is not"
        + " positive for input [1, 2, 1, 3] (kernel [3, 3], stride [1, 1], padding [2, 2]/[2, 2],"
        + " dilation [1, 1])", message(() -> up.forward(Tensor.zeros(1, 2, 1, 3))));
    String m = message(() -> new ConvTranspose2d(2, 2, 3,
        ConvOptions.defaults().stride(2).padding(1), rng).forward(Tensor.zeros(1, 2, 4, 4), 9, 7));
    assertEquals("ConvTranspose2d(in=2, out=2, kernel=[3, 3]): requested an output size of"
        + " [9, 7], but valid sizes for input [1, 2, 4, 4] range from [7, 7] to [8, 8]", m);
    assertTrue(message(() -> new ConvTranspose2d(2, 2, 3, rng)
        .forward(Tensor.zeros(1, 2, 4, 4), 1, 2, 3)).contains("outputSize must have 2 or 4"));
  }

  @Test void groupsMustDivideChannels() {
    assertEquals("Conv2d(in=6, out=4, kernel=[3, 3]): in channels 6 must be divisible by"
        + " groups 4", message(() -> new Conv2d(6, 4, 3, ConvOptions.defaults().groups(4), rng)));
    assertEquals("ConvTranspose2d(in=4, out=6, kernel=[3, 3]): out channels 6 must be divisible"
        + " by groups 4", message(() -> new ConvTranspose2d(4, 6, 3,
        ConvOptions.defaults().groups(4), rng)));
    assertEquals("conv2d: out channels 5 (weight [5, 1, 3, 3]) must be divisible by groups 2",
        message(() -> Conv.conv2d(Tensor.zeros(1, 2, 5, 5), Tensor.zeros(5, 1, 3, 3), null,
            ConvOptions.defaults().groups(2))));
  }

  @Test void geometryRules() {
    assertEquals("Conv2d(in=2, out=2, kernel=[3, 3]): padding 'same' is not supported for"
        + " strided convolutions, got stride [2, 2]", message(() -> new Conv2d(2, 2, 3,
        ConvOptions.defaults().paddingSame().stride(2), rng)));
    assertTrue(message(() -> new ConvTranspose2d(2, 2, 3, ConvOptions.defaults().paddingSame(),
        rng)).contains("padding 'same' is not supported for transposed convolutions"));
    assertEquals("ConvTranspose2d(in=2, out=2, kernel=[3, 3]): output padding must be smaller"
        + " than either stride or dilation, got outputPadding [2, 2], stride [2, 2], dilation"
        + " [1, 1]", message(() -> new ConvTranspose2d(2, 2, 3,
        ConvOptions.defaults().stride(2).outputPadding(2), rng)));
    assertTrue(message(() -> new Conv2d(2, 2, 3, ConvOptions.defaults().outputPadding(1), rng))
        .contains("outputPadding applies to transposed convolutions only"));
    assertEquals("Conv2d(in=2, out=2, kernel=[3, 3]): stride must have 1 or 2 values (one per"
        + " spatial dimension), got [1, 2, 3]", message(() -> new Conv2d(2, 2, 3,
        ConvOptions.defaults().stride(1, 2, 3), rng)));
    assertTrue(message(() -> new Conv1d(2, 2, 3, ConvOptions.defaults().paddingSides(1, 2, 3, 4),
        rng)).contains("paddingSides needs 2 values"));
    assertTrue(message(() -> new Conv2d(2, 2, 0, rng)).contains("kernel sizes must be positive"));
  }

  @Test void optionsValidate() {
    assertEquals("ConvOptions: stride must be positive, got [2, 0]",
        message(() -> ConvOptions.defaults().stride(2, 0)));
    assertEquals("ConvOptions: padding must be non-negative, got [-1]",
        message(() -> ConvOptions.defaults().padding(-1)));
    assertEquals("ConvOptions: dilation must be positive, got [0]",
        message(() -> ConvOptions.defaults().dilation(0)));
    assertEquals("ConvOptions: groups must be a positive integer, got 0",
        message(() -> ConvOptions.defaults().groups(0)));
    assertTrue(message(() -> ConvOptions.defaults().paddingSides(1, 2, 3))
        .contains("two values (before, after)"));
    assertTrue(message(() -> new ConvOptions(new int[0], new int[] {0},
        ConvOptions.PaddingKind.SYMMETRIC, new int[] {1}, 1, new int[] {0}, true))
        .contains("stride needs at least one value"));
    ConvOptions a = ConvOptions.defaults().stride(2).padding(1);
    assertEquals(a, ConvOptions.defaults().padding(1).stride(2));
    assertEquals(a.hashCode(), ConvOptions.defaults().padding(1).stride(2).hashCode());
    assertNotEquals(a, a.paddingSame());
    int[] s = a.stride();
    s[0] = 9;
    assertArrayEquals(new int[] {2}, a.stride(), "records hand out copies");
  }

  @Test void biasAndDtypeChecks() {
    assertEquals("conv2d: expected a bias of shape [4], got [3]",
        message(() -> Conv.conv2d(Tensor.zeros(1, 3, 5, 5), Tensor.zeros(4, 3, 3, 3),
            Tensor.zeros(3))));
    assertEquals("conv2d: input type (F64) and weight type (F32) should be the same",
        message(() -> Conv.conv2d(Tensor.zeros(DType.F64, 1, 3, 5, 5), Tensor.zeros(4, 3, 3, 3),
            null)));
    assertThrows(UnsupportedOperationException.class, () -> Conv.conv2d(
        Tensor.of(new int[75], 1, 3, 5, 5), Tensor.zeros(4, 3, 3, 3), null));
  }
}
