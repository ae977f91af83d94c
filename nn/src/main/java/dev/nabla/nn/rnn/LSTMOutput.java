package dev.nabla.nn.rnn;

import dev.nabla.core.Tensor;

/**
 * What {@link LSTM} returns.
 *
 * @param output the last layer's h at every step: {@code [T, B, directions·hidden]} (or
 *     {@code [B, T, …]} with batchFirst); 0 at padded steps
 * @param hN final hidden states, {@code [layers·directions, B, hidden]}
 * @param cN final cell states, {@code [layers·directions, B, hidden]}
 */
public record LSTMOutput(Tensor output, Tensor hN, Tensor cN) {
  /** (hN, cN), ready to be passed as the initial state of the next chunk of a sequence. */
  public LSTMState state() {
    return new LSTMState(hN, cN);
  }
}
