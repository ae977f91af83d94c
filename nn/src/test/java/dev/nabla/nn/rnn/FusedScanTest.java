package dev.nabla.nn.rnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.core.internal.kernel.Parallel;
import dev.nabla.nn.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fused F32 time loop (hand-written BPTT) against the tensor-op composite in F32: outputs,
 * h_n, c_n and every gradient (input, initial states, all parameters) for each cell, stacked,
 * bidirectional, batch-first, with and without biases and lengths. Both run the same float
 * arithmetic up to summation order, so they agree to ~1e-6; we allow 2e-5 relative to 1 + |b|.
 */
class FusedScanTest {
  static final double TOL = 2e-5;

  static Stream<Arguments> configs() {
    List<Arguments> a = new ArrayList<>();
    int[] lengths = {5, 2, 4};
    for (String mode : List.of("rnn_tanh", "rnn_relu", "lstm", "gru")) {
      a.add(Arguments.of(mode, RNNOptions.of(3, 4), false, null));
      a.add(Arguments.of(mode, RNNOptions.of(3, 4).numLayers(2).bidirectional(true), true, null));
      a.add(Arguments.of(mode, RNNOptions.of(3, 4).numLayers(2).bidirectional(true)
          .batchFirst(true), true, lengths));
      a.add(Arguments.of(mode, RNNOptions.of(3, 5).bias(false).bidirectional(true), false,
          lengths));
    }
    return a.stream();
  }

  @ParameterizedTest(name = "{0} {1} h0={2}")
  @MethodSource("configs")
  void fusedMatchesComposite(String mode, RNNOptions options, boolean withH0, int[] lengths) {
    int steps = 5;
    int batch = 3;
    Tensor[] fused = runWithGrads(mode, options, withH0, lengths, RNNBase.Impl.FUSED, steps, batch);
    Tensor[] ref = runWithGrads(mode, options, withH0, lengths, RNNBase.Impl.COMPOSITE, steps,
        batch);
    for (int i = 0; i < ref.length; i++) {
      if (ref[i] == null) {
        continue;
      }
      assertArrayEquals(ref[i].shape().toArray(), fused[i].shape().toArray(), "result " + i);
      double d = RnnTesting.maxRelDiff(fused[i], ref[i]);
      assertTrue(d < TOL, "result " + i + " differs by " + d);
    }
  }

  /** The per-step products split over threads: results must not depend on the thread count. */
  @Test
  void sameBitsAtAnyThreadCount() {
    // [64, 64]·[64, 256] per step: large enough for the kernels to split it
    String mode = "lstm";
    RNNOptions options = RNNOptions.of(4, 64).bidirectional(true);
    int[] lengths = new int[64];
    for (int b = 0; b < lengths.length; b++) {
      lengths[b] = 1 + b % 2;
    }
    Tensor[] one = Parallel.withThreads(1, () -> runWithGrads(mode, options, true, lengths,
        RNNBase.Impl.FUSED, 2, 64));
    Tensor[] two = Parallel.withThreads(2, () -> runWithGrads(mode, options, true, lengths,
        RNNBase.Impl.FUSED, 2, 64));
    for (int i = 0; i < one.length; i++) {
      if (one[i] != null) {
        assertArrayEquals(one[i].toFloatArray(), two[i].toFloatArray(), "result " + i);
      }
    }
  }

  /** {output, h_n, c_n, dx, dh0, dc0, d params...}. */
  static Tensor[] runWithGrads(String mode, RNNOptions options, boolean withH0, int[] lengths,
      RNNBase.Impl impl, int steps, int batch) {
    RNNBase layer = RnnTesting.build(mode, options, 7);
    layer.impl(impl);
    int[] xShape = options.batchFirst() ? new int[] {batch, steps, options.inputSize()}
        : new int[] {steps, batch, options.inputSize()};
    Tensor x = RnnTesting.randn(1, DType.F32, xShape).requiresGrad();
    int ld = options.numLayers() * options.numDirections();
    Tensor h0 = withH0 ? RnnTesting.randn(2, DType.F32, ld, batch, options.hiddenSize())
        .requiresGrad() : null;
    Tensor c0 = withH0 ? RnnTesting.randn(3, DType.F32, ld, batch, options.hiddenSize())
        .requiresGrad() : null;
    Tensor[] r = RnnTesting.run(layer, x, h0, c0, lengths);
    Tensor y = RnnTesting.flat(r);
    Tensor up = RnnTesting.randn(4, DType.F32, y.numel());
    y.mul(up).sum().backward();
    List<Tensor> out = new ArrayList<>(List.of(r[0], r[1]));
    out.add(r[2]);
    out.add(x.grad());
    out.add(h0 == null ? null : h0.grad());
    out.add(c0 == null || !(layer instanceof LSTM) ? null : c0.grad());
    for (Parameter p : layer.parameters()) {
      out.add(p.grad());
    }
    return out.toArray(new Tensor[0]);
  }
}
