package dev.nabla.nn.rnn;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import java.util.ArrayList;
import java.util.List;

/** Shared helpers: build any of the three layers by name and run them through the public API. */
final class RnnTesting {
  private RnnTesting() {}

  /** "rnn_tanh", "rnn_relu", "lstm" or "gru". */
  static RNNBase build(String mode, RNNOptions options, long seed) {
    Rng rng = new Rng(seed);
    return switch (mode) {
      case "rnn_tanh" -> new RNN(options.nonlinearity(Nonlinearity.TANH), rng);
      case "rnn_relu" -> new RNN(options.nonlinearity(Nonlinearity.RELU), rng);
      case "lstm" -> new LSTM(options, rng);
      case "gru" -> new GRU(options, rng);
      default -> throw new IllegalArgumentException(mode);
    };
  }

  /** Output, h_n, c_n (null unless LSTM) through the public forward methods. */
  static Tensor[] run(RNNBase layer, Tensor x, Tensor h0, Tensor c0, int[] lengths) {
    if (layer instanceof LSTM lstm) {
      LSTMOutput o = lstm.forward(x, h0 == null ? null : new LSTMState(h0, c0), lengths);
      return new Tensor[] {o.output(), o.hN(), o.cN()};
    }
    RNNOutput o = layer instanceof RNN rnn ? rnn.forward(x, h0, lengths)
        : ((GRU) layer).forward(x, h0, lengths);
    return new Tensor[] {o.output(), o.hN(), null};
  }

  /** All results flattened and concatenated (a single tensor for GradCheck). */
  static Tensor flat(Tensor[] results) {
    List<Tensor> parts = new ArrayList<>();
    for (Tensor t : results) {
      if (t != null) {
        parts.add(t.reshape(-1));
      }
    }
    return Tensor.cat(parts, 0);
  }

  static Tensor randn(long seed, DType dtype, int... shape) {
    return Tensor.randn(new Rng(seed), dtype, shape);
  }

  /** Largest |a − b| / (1 + |b|) over all elements. */
  static double maxRelDiff(Tensor a, Tensor b) {
    double[] x = a.toDoubleArray();
    double[] y = b.toDoubleArray();
    if (x.length != y.length) {
      throw new AssertionError("sizes differ: " + a.shape() + " vs " + b.shape());
    }
    double worst = 0;
    for (int i = 0; i < x.length; i++) {
      worst = Math.max(worst, Math.abs(x[i] - y[i]) / (1 + Math.abs(y[i])));
    }
    return worst;
  }
}
