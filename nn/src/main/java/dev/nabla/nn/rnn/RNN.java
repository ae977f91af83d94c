package dev.nabla.nn.rnn;

import dev.nabla.core.Tensor;
import java.util.random.RandomGenerator;

/**
 * Elman RNN, stacked and optionally bidirectional, as {@code torch.nn.RNN}:
 * h_t = act(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh) with act = tanh (default) or ReLU.
 *
 * <p>Shape: input {@code [T, B, input]} ({@code [B, T, input]} with batchFirst, or unbatched
 * {@code [T, input]}); h0 {@code [layers·directions, B, hidden]} → output
 * {@code [T, B, directions·hidden]}, h_n like h0. Parameters and init: see {@link RNNBase}.
 *
 * <pre>{@code
 * RNN rnn = new RNN(RNN.options(10, 20).numLayers(2).nonlinearity(Nonlinearity.RELU), new Rng(0));
 * RNNOutput out = rnn.forward(Tensor.randn(rng, 5, 3, 10), null);
 * // out.output() [5, 3, 20], out.hN() [2, 3, 20]
 * }</pre>
 */
public final class RNN extends RNNBase {

  /** PyTorch's defaults (1 layer, tanh, biases, time-major, no dropout, one direction). */
  public static RNNOptions options(int inputSize, int hiddenSize) {
    return RNNOptions.of(inputSize, hiddenSize);
  }

  /** A one-layer tanh RNN with biases. */
  public RNN(int inputSize, int hiddenSize, RandomGenerator rng) {
    this(options(inputSize, hiddenSize), rng);
  }

  /** Parameters ~ U(−1/√hidden, 1/√hidden) from {@code rng}; dropout masks from a split of it. */
  public RNN(RNNOptions options, RandomGenerator rng) {
    super(CellKind.rnn(options == null ? Nonlinearity.TANH : options.nonlinearity()), options, rng);
  }

  /** Runs the sequence from {@code h0} (null: zeros). */
  public RNNOutput forward(Tensor x, Tensor h0) {
    return forward(x, h0, (int[]) null);
  }

  /** Runs a padded batch whose sequence b has {@code lengths[b]} valid steps (null: all T). */
  public RNNOutput forward(Tensor x, Tensor h0, int[] lengths) {
    Result r = run(x, h0, null, lengths);
    return new RNNOutput(r.output(), r.hN());
  }

  /** As {@link #forward(Tensor, Tensor, int[])} with lengths as a 1-D I64/I32 tensor. */
  public RNNOutput forward(Tensor x, Tensor h0, Tensor lengths) {
    return forward(x, h0, lengths(lengths));
  }
}
