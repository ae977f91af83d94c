package dev.nabla.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import dev.nabla.nn.Parameter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Names, shapes, init, semantics (lengths, layouts, dropout, states) and error messages. */
class RNNBaseTest {

  @Test
  void parameterNamesAndShapesFollowTorch() {
    LSTM lstm = new LSTM(LSTM.options(10, 20).numLayers(2).bidirectional(true), new Rng(0));
    Map<String, Parameter> p = lstm.namedParameters();
    assertEquals(List.of(
        "weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0",
        "weight_ih_l0_reverse", "weight_hh_l0_reverse", "bias_ih_l0_reverse", "bias_hh_l0_reverse",
        "weight_ih_l1", "weight_hh_l1", "bias_ih_l1", "bias_hh_l1",
        "weight_ih_l1_reverse", "weight_hh_l1_reverse", "bias_ih_l1_reverse", "bias_hh_l1_reverse"),
        List.copyOf(p.keySet()));
    assertArrayEquals(new int[] {80, 10}, p.get("weight_ih_l0").shape().toArray());
    assertArrayEquals(new int[] {80, 20}, p.get("weight_hh_l0").shape().toArray());
    assertArrayEquals(new int[] {80, 40}, p.get("weight_ih_l1_reverse").shape().toArray());
    assertArrayEquals(new int[] {80}, p.get("bias_hh_l1").shape().toArray());
    assertEquals(2 * (80 * 10 + 80 * 20 + 160) + 2 * (80 * 40 + 80 * 20 + 160),
        lstm.numParameters(false));
    assertEquals(List.of("weight_ih_l0", "weight_hh_l0"), List.copyOf(
        new GRU(GRU.options(3, 4).bias(false), new Rng(0)).namedParameters().keySet()));
    assertArrayEquals(new int[] {12, 3},
        new GRU(3, 4, new Rng(0)).weightIh(0, false).shape().toArray());
    assertEquals(List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh"),
        List.copyOf(new LSTMCell(3, 4, new Rng(0)).namedParameters().keySet()));
    assertArrayEquals(new int[] {16, 4},
        new LSTMCell(3, 4, new Rng(0)).weightHh().shape().toArray());
    assertNull(new RNNCell(3, 4, false, Nonlinearity.TANH, new Rng(0)).biasIh());
  }

  @Test
  void initIsUniformWithinOneOverSqrtHidden() {
    LSTM lstm = new LSTM(64, 100, new Rng(1));
    double bound = 0.1;
    double lo = 1;
    double hi = -1;
    for (Parameter p : lstm.parameters()) {
      for (double v : p.toDoubleArray()) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
    assertTrue(lo >= -bound && hi <= bound, lo + " " + hi);
    assertTrue(lo < -0.099 && hi > 0.099, "covers the interval: " + lo + " " + hi);
    double mean = lstm.weightHh(0, false).mean().item();
    assertEquals(0, mean, 2e-3);
  }

  @Test
  void toStringShowsOptions() {
    assertEquals("LSTM(10, 20, numLayers=2, batchFirst=true, bidirectional=true)",
        new LSTM(LSTM.options(10, 20).numLayers(2).batchFirst(true).bidirectional(true),
            new Rng(0)).toString());
    assertEquals("RNN(3, 4, nonlinearity=relu, bias=false)",
        new RNN(RNN.options(3, 4).nonlinearity(Nonlinearity.RELU).bias(false), new Rng(0))
            .toString());
    assertEquals("GRUCell(3, 4)", new GRUCell(3, 4, new Rng(0)).toString());
  }

  /**
   * Every sequence of a padded batch gives exactly what it gives alone (outputs, h_n, c_n), in
   * both directions; outputs at padded steps are 0, and padded inputs get no gradient.
   */
  @ParameterizedTest
  @ValueSource(strings = {"rnn_tanh", "lstm", "gru"})
  void paddedBatchEqualsSequencesAlone(String mode) {
    RNNOptions options = RNNOptions.of(3, 4).numLayers(2).bidirectional(true);
    RNNBase layer = RnnTesting.build(mode, options, 3);
    int steps = 6;
    int[] lengths = {3, 6, 1, 4};
    Tensor x = RnnTesting.randn(5, DType.F32, steps, 4, 3).requiresGrad();
    Tensor h0 = RnnTesting.randn(6, DType.F32, 4, 4, 4);
    Tensor c0 = RnnTesting.randn(7, DType.F32, 4, 4, 4);
    Tensor[] all = RnnTesting.run(layer, x, h0, c0, lengths);
    all[0].sum().backward();
    for (int b = 0; b < lengths.length; b++) {
      int len = lengths[b];
      Tensor xb = x.detach().narrow(1, b, 1).narrow(0, 0, len);
      Tensor[] alone = RnnTesting.run(layer, xb, h0.narrow(1, b, 1),
          c0.narrow(1, b, 1), null);
      Tensor outB = all[0].detach().narrow(1, b, 1);
      assertClose(alone[0], outB.narrow(0, 0, len), "output of sequence " + b);
      assertClose(alone[1], all[1].narrow(1, b, 1), "h_n of sequence " + b);
      if (all[2] != null) {
        assertClose(alone[2], all[2].narrow(1, b, 1), "c_n of sequence " + b);
      }
      if (len < steps) {
        Tensor pad = outB.narrow(0, len, steps - len);
        assertEquals(0.0, pad.abs().max().item(), "padded output of sequence " + b);
        Tensor dpad = x.grad().narrow(1, b, 1).narrow(0, len, steps - len);
        assertEquals(0.0, dpad.abs().max().item(), "gradient of padded input " + b);
      }
    }
  }

  @Test
  void nonFinitePaddingIsNeverRead() {
    LSTM lstm = new LSTM(LSTM.options(3, 4).bidirectional(true), new Rng(2));
    Tensor x = RnnTesting.randn(1, DType.F32, 4, 2, 3);
    int[] lengths = {4, 2};
    LSTMOutput clean = lstm.forward(x, null, lengths);
    Tensor nan = Tensor.full(Double.NaN, DType.F32, 2, 1, 3);
    Tensor dirty = Tensor.cat(1, x.narrow(1, 0, 1), Tensor.cat(0, x.narrow(0, 0, 2).narrow(1, 1, 1),
        nan)).requiresGrad();
    LSTMOutput out = lstm.forward(dirty, null, lengths);
    assertClose(clean.output(), out.output(), "output");
    assertClose(clean.hN(), out.hN(), "h_n");
    out.output().sum().add(out.cN().sum()).backward();
    for (var p : lstm.parameters()) {
      for (double g : p.grad().toDoubleArray()) {
        assertTrue(Double.isFinite(g), "finite gradients");
      }
    }
  }

  @Test
  void lengthsAsTensorAndAllFullLengthsAreAccepted() {
    GRU gru = new GRU(GRU.options(3, 4).bidirectional(true), new Rng(2));
    Tensor x = RnnTesting.randn(1, DType.F32, 5, 2, 3);
    RNNOutput a = gru.forward(x, null, new int[] {5, 3});
    RNNOutput b = gru.forward(x, null, Tensor.of(new long[] {5, 3}, 2));
    assertClose(a.output(), b.output(), "I64 lengths");
    assertClose(gru.forward(x, null, new int[] {5, 5}).output(), gru.forward(x), "full lengths");
  }

  @ParameterizedTest
  @ValueSource(strings = {"rnn_relu", "lstm", "gru"})
  void batchFirstIsATranspose(String mode) {
    RNNOptions options = RNNOptions.of(3, 4).numLayers(2).bidirectional(true);
    RNNBase timeMajor = RnnTesting.build(mode, options, 4);
    RNNBase batchFirst = RnnTesting.build(mode, options.batchFirst(true), 4);
    Tensor x = RnnTesting.randn(2, DType.F32, 5, 2, 3);
    Tensor[] a = RnnTesting.run(timeMajor, x, null, null, new int[] {5, 2});
    Tensor[] b = RnnTesting.run(batchFirst, x.transpose(0, 1), null, null, new int[] {5, 2});
    assertArrayEquals(new int[] {2, 5, 8}, b[0].shape().toArray());
    assertClose(a[0], b[0].transpose(0, 1), "output");
    assertClose(a[1], b[1], "h_n (not batch-first, as torch)");
  }

  @Test
  void unbatchedInputIsABatchOfOne() {
    LSTM lstm = new LSTM(LSTM.options(3, 4).numLayers(2), new Rng(5));
    Tensor x = RnnTesting.randn(3, DType.F32, 5, 3);
    LSTMState s = new LSTMState(RnnTesting.randn(1, DType.F32, 2, 4),
        RnnTesting.randn(2, DType.F32, 2, 4));
    LSTMOutput one = lstm.forward(x, s);
    LSTMOutput batched = lstm.forward(x.unsqueeze(1),
        new LSTMState(s.h().unsqueeze(1), s.c().unsqueeze(1)));
    assertArrayEquals(new int[] {5, 4}, one.output().shape().toArray());
    assertArrayEquals(new int[] {2, 4}, one.hN().shape().toArray());
    assertClose(batched.output().squeeze(1), one.output(), "output");
    assertClose(batched.cN().squeeze(1), one.cN(), "c_n");
  }

  @Test
  void stateCarriesAcrossChunks() {
    LSTM lstm = new LSTM(LSTM.options(3, 4).numLayers(2), new Rng(6));
    Tensor x = RnnTesting.randn(4, DType.F32, 8, 2, 3);
    LSTMOutput whole = lstm.forward(x, null);
    LSTMOutput first = lstm.forward(x.narrow(0, 0, 5), null);
    LSTMOutput second = lstm.forward(x.narrow(0, 5, 3), first.state());
    assertClose(whole.output().narrow(0, 5, 3), second.output(), "output");
    assertClose(whole.hN(), second.hN(), "h_n");
    assertClose(whole.cN(), second.cN(), "c_n");
  }

  @Test
  void cellsMatchOneStepOfTheLayers() {
    Tensor x = RnnTesting.randn(8, DType.F32, 2, 3);
    Tensor h = RnnTesting.randn(9, DType.F32, 2, 4);
    Tensor c = RnnTesting.randn(10, DType.F32, 2, 4);

    LSTMCell lc = new LSTMCell(3, 4, new Rng(1));
    LSTM l = new LSTM(3, 4, new Rng(1)); // same draws in the same order: same weights
    LSTMState s = lc.forward(x, new LSTMState(h, c));
    LSTMOutput o = l.forward(x.unsqueeze(0), new LSTMState(h.unsqueeze(0), c.unsqueeze(0)));
    assertClose(o.hN().squeeze(0), s.h(), "LSTMCell h");
    assertClose(o.cN().squeeze(0), s.c(), "LSTMCell c");

    GRUCell gc = new GRUCell(3, 4, new Rng(2));
    GRU g = new GRU(3, 4, new Rng(2));
    assertClose(g.forward(x.unsqueeze(0), h.unsqueeze(0)).hN().squeeze(0), gc.forward(x, h),
        "GRUCell");

    RNNCell rc = new RNNCell(3, 4, true, Nonlinearity.RELU, new Rng(3));
    RNN r = new RNN(RNN.options(3, 4).nonlinearity(Nonlinearity.RELU), new Rng(3));
    assertClose(r.forward(x.unsqueeze(0), h.unsqueeze(0)).hN().squeeze(0), rc.forward(x, h),
        "RNNCell");
    assertClose(lc.forward(x), lc.forward(x, null).h(), "zero state");
  }

  @Test
  void dropoutActsBetweenLayersInTrainingOnly() {
    RNNOptions options = LSTM.options(3, 8).numLayers(3).dropout(0.5);
    LSTM a = new LSTM(options, new Rng(7));
    LSTM b = new LSTM(options, new Rng(7));
    LSTM none = new LSTM(options.dropout(0), new Rng(7));
    Tensor x = RnnTesting.randn(1, DType.F32, 4, 2, 3);
    Tensor ya = a.forward(x);
    assertClose(ya, b.forward(x), "same seed, same masks");
    assertFalse(RnnTesting.maxRelDiff(ya, none.forward(x)) < 1e-3, "dropout changes training");
    assertFalse(RnnTesting.maxRelDiff(ya, a.forward(x)) < 1e-6, "fresh masks per call");
    a.eval();
    assertClose(none.forward(x), a.forward(x), "eval: no dropout");
    LSTM single = new LSTM(LSTM.options(3, 8).dropout(0.5), new Rng(7));
    LSTM plain = new LSTM(LSTM.options(3, 8), new Rng(7));
    assertClose(plain.forward(x), single.forward(x), "nothing after the last layer");
  }

  @Test
  void inferenceWithoutGradRecordsNothing() {
    LSTM lstm = new LSTM(LSTM.options(3, 4).bidirectional(true), new Rng(8));
    Tensor x = RnnTesting.randn(1, DType.F32, 5, 2, 3);
    Tensor y;
    try (var off = GradMode.disabled()) {
      y = lstm.forward(x);
    }
    assertFalse(y.isRequiresGrad());
    assertClose(lstm.forward(x).detach(), y, "same values");
  }

  @Test
  void longSequencesBackpropagateOnBothPaths() {
    // thousands of steps: the fused path is one node, the tensor-op path ~10⁴ nodes (iterative
    // backward, no recursion)
    for (RNNBase.Impl impl : new RNNBase.Impl[] {RNNBase.Impl.FUSED, RNNBase.Impl.COMPOSITE}) {
      GRU gru = new GRU(2, 3, new Rng(9));
      gru.impl(impl);
      Tensor x = RnnTesting.randn(2, DType.F32, 2000, 1, 2).requiresGrad();
      gru.forward(x).sum().backward();
      assertTrue(x.grad().narrow(0, 0, 1).abs().sum().item() >= 0);
      assertTrue(gru.weightHh(0, false).grad().abs().sum().item() > 0, impl.name());
    }
  }

  // ------------------------------------------------------------------ errors

  @Test
  void wrongFeatureSizeNamesTheLayer() {
    LSTM lstm = new LSTM(128, 256, new Rng(0));
    var e = assertThrows(IllegalArgumentException.class,
        () -> lstm.forward(Tensor.zeros(32, 64, 100)));
    assertEquals("LSTM(input=128, hidden=256): expected input feature size 128, got [32, 64, 100]",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> lstm.forward(Tensor.zeros(128)));
    assertEquals("LSTM(input=128, hidden=256): expected a 3-D input [T, B, 128] (or 2-D"
        + " unbatched [T, 128]), got [128]", e.getMessage());
  }

  @Test
  void wrongStateShapesAreNamed() {
    LSTM lstm = new LSTM(LSTM.options(3, 4).numLayers(2).batchFirst(true), new Rng(0));
    Tensor x = Tensor.zeros(5, 7, 3); // batch 5
    var e = assertThrows(IllegalArgumentException.class, () -> lstm.forward(x,
        new LSTMState(Tensor.zeros(1, 5, 4), Tensor.zeros(2, 5, 4))));
    assertEquals("LSTM(input=3, hidden=4): expected h0 of shape [2, 5, 4] ([layers·directions,"
        + " batch, hidden]), got [1, 5, 4]", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> lstm.forward(x,
        new LSTMState(Tensor.zeros(2, 5, 4), Tensor.zeros(2, 7, 4))));
    assertTrue(e.getMessage().contains("expected c0 of shape [2, 5, 4]"), e.getMessage());
    GRU gru = new GRU(3, 4, new Rng(0));
    e = assertThrows(IllegalArgumentException.class,
        () -> gru.forward(Tensor.zeros(7, 5, 3), Tensor.zeros(1, 5, 5)));
    assertTrue(e.getMessage().startsWith("GRU(input=3, hidden=4): expected h0"), e.getMessage());
  }

  @Test
  void badLengthsAreRejected() {
    RNN rnn = new RNN(3, 4, new Rng(0));
    Tensor x = Tensor.zeros(6, 2, 3);
    var e = assertThrows(IllegalArgumentException.class,
        () -> rnn.forward(x, null, new int[] {6, 2, 3}));
    assertEquals("RNN(input=3, hidden=4): lengths has 3 entries but the batch size is 2",
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> rnn.forward(x, null, new int[] {7, 2}));
    assertEquals("RNN(input=3, hidden=4): lengths[0] = 7 is out of range [1, 6] (the sequence"
        + " length)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> rnn.forward(x, null, new int[] {0, 2}));
    e = assertThrows(IllegalArgumentException.class,
        () -> rnn.forward(x, null, Tensor.of(new float[] {1, 2}, 2)));
    assertTrue(e.getMessage().contains("lengths must be a 1-D integer tensor"), e.getMessage());
  }

  @Test
  void dtypeMismatchAndBadOptionsAreRejected() {
    GRU gru = new GRU(3, 4, new Rng(0));
    var e = assertThrows(IllegalArgumentException.class,
        () -> gru.forward(Tensor.zeros(DType.F64, 2, 1, 3)));
    assertTrue(e.getMessage().contains("input dtype F64 does not match the parameters' F32"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> LSTM.options(3, 4).numLayers(0));
    assertThrows(IllegalArgumentException.class, () -> LSTM.options(3, 4).dropout(1.0));
    assertThrows(IllegalArgumentException.class, () -> LSTM.options(0, 4));
    e = assertThrows(IllegalArgumentException.class,
        () -> new LSTM(LSTM.options(3, 4).nonlinearity(Nonlinearity.RELU), new Rng(0)));
    assertTrue(e.getMessage().startsWith("LSTM: nonlinearity applies to RNN only"), e.getMessage());
    RNN rnn = new RNN(3, 4, new Rng(0));
    assertThrows(IllegalArgumentException.class, () -> rnn.weightIh(0, true));
    assertThrows(IllegalArgumentException.class, () -> rnn.forward(Tensor.zeros(0, 2, 3)));
  }

  @Test
  void cellErrorsNameTheCell() {
    LSTMCell cell = new LSTMCell(3, 4, new Rng(0));
    var e = assertThrows(IllegalArgumentException.class, () -> cell.forward(Tensor.zeros(2, 5)));
    assertEquals("LSTMCell(input=3, hidden=4): expected input feature size 3 in a [B, 3] (or"
        + " unbatched [3]) input, got [2, 5]", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> cell.forward(Tensor.zeros(2, 3),
        new LSTMState(Tensor.zeros(2, 4), Tensor.zeros(3, 4))));
    assertEquals("LSTMCell(input=3, hidden=4): expected c of shape [2, 4], got [3, 4]",
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new GRUCell(0, 4, new Rng(0)));
  }

  static void assertClose(Tensor expected, Tensor actual, String what) {
    assertArrayEquals(expected.shape().toArray(), actual.shape().toArray(), what + " shape");
    double d = RnnTesting.maxRelDiff(actual, expected);
    assertTrue(d < 1e-5, what + " differs by " + d);
  }
}
