package dev.nabla.nn.rnn;

import dev.nabla.core.Tensor;
import java.util.random.RandomGenerator;

/**
 * Long short-term memory (Hochreiter &amp; Schmidhuber 1997), stacked and optionally
 * bidirectional, as {@code torch.nn.LSTM}. Gate order i, f, g, o:
 * <pre>
 * i, f, g, o = σ, σ, tanh, σ of (W_ih x + b_ih + W_hh h + b_hh), split in four
 * c′ = f ⊙ c + i ⊙ g
 * h′ = o ⊙ tanh(c′)
 * </pre>
 *
 * <p>Shape: input {@code [T, B, input]} ({@code [B, T, input]} with batchFirst, or unbatched
 * {@code [T, input]}); h0, c0 {@code [layers·directions, B, hidden]} → output
 * {@code [T, B, directions·hidden]}, h_n and c_n like h0. Parameters ({@code [4·hidden, …]}) and
 * init: see {@link RNNBase}.
 *
 * <pre>{@code
 * LSTM lstm = new LSTM(LSTM.options(128, 256).numLayers(2).batchFirst(true), new Rng(0));
 * LSTMOutput out = lstm.forward(x, null, lengths);   // x [B, T, 128], lengths int[B]
 * Tensor last = out.hN().select(0, 1);                // [B, 256]: top layer at each last step
 * }</pre>
 */
public final class LSTM extends RNNBase {

  /** PyTorch's defaults (1 layer, biases, time-major, no dropout, one direction). */
  public static RNNOptions options(int inputSize, int hiddenSize) {
    return RNNOptions.of(inputSize, hiddenSize);
  }

  /** A one-layer LSTM with biases. */
  public LSTM(int inputSize, int hiddenSize, RandomGenerator rng) {
    this(options(inputSize, hiddenSize), rng);
  }

  /** Parameters ~ U(−1/√hidden, 1/√hidden) from {@code rng}; dropout masks from a split of it. */
  public LSTM(RNNOptions options, RandomGenerator rng) {
    super(CellKind.LSTM, options, rng);
  }

  /** Runs the sequence from {@code state} (null: zeros). */
  public LSTMOutput forward(Tensor x, LSTMState state) {
    return forward(x, state, (int[]) null);
  }

  /** Runs a padded batch whose sequence b has {@code lengths[b]} valid steps (null: all T). */
  public LSTMOutput forward(Tensor x, LSTMState state, int[] lengths) {
    Result r = run(x, state == null ? null : state.h(), state == null ? null : state.c(), lengths);
    return new LSTMOutput(r.output(), r.hN(), r.cN());
  }

  /** As {@link #forward(Tensor, LSTMState, int[])} with lengths as a 1-D I64/I32 tensor. */
  public LSTMOutput forward(Tensor x, LSTMState state, Tensor lengths) {
    return forward(x, state, lengths(lengths));
  }
}
