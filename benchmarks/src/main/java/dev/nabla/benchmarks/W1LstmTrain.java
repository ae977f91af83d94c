package dev.nabla.benchmarks;

import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.nn.rnn.LSTM;
import dev.nabla.optim.SGD;
import java.util.Locale;

/**
 * Workload W1 of WORKLOADS.md, {@code W1_lstm_train}: one training step of a one-layer LSTM
 * (input 128, hidden 256, PyTorch gate order and two bias vectors; every parameter ~
 * U(−1/16, 1/16)) on a fixed x {@code [64, 32, 128]} ~ N(0, 1) from zero states, without a
 * gradient for x: zero the gradients, forward 64 steps, loss = sum of all outputs, full BPTT,
 * SGD with lr 0.01. About 4.3 GFLOP per step.
 *
 * <pre>{@code
 * W1LstmTrain w = new W1LstmTrain();
 * w.setup();            // untimed
 * double loss = w.step();
 * }</pre>
 */
public final class W1LstmTrain {
  static final int SEQ = 64;
  static final int BATCH = 32;
  static final int INPUT = 128;
  static final int HIDDEN = 256;
  /** Approximate FLOP per step from WORKLOADS.md. */
  static final double FLOP = 4.3e9;

  private LSTM lstm;
  private Tensor x;
  private SGD sgd;

  /** Builds the model, the input and the optimizer (not timed). */
  public void setup() {
    Rng rng = new Rng(0);
    lstm = new LSTM(INPUT, HIDDEN, rng);
    x = Tensor.randn(rng.split(), SEQ, BATCH, INPUT);
    sgd = new SGD(lstm.parameters(), SGD.options().lr(0.01));
  }

  /** One timed step; returns the loss (so nothing is optimised away). */
  public double step() {
    sgd.zeroGrad();
    Tensor loss = lstm.forward(x).sum();
    loss.backward();
    sgd.step();
    return loss.item();
  }

  /** The model, for tests. */
  LSTM model() {
    return lstm;
  }

  /** W1 for {@link Workloads}: untimed setup, the timed step, and GFLOP/s from WORKLOADS.md. */
  static Workloads.Workload workload() {
    return new Workloads.Workload("W1_lstm_train", () -> {
      W1LstmTrain w = new W1LstmTrain();
      w.setup();
      return new Workloads.Prepared(w::step,
          ms -> String.format(Locale.ROOT, "%.1f GFLOP/s", FLOP / ms / 1e6), null);
    });
  }
}
