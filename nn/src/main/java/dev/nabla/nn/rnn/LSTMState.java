package dev.nabla.nn.rnn;

import dev.nabla.core.Tensor;

/**
 * The (h, c) pair of an LSTM: {@code [layers·directions, B, hidden]} each for {@link LSTM}, and
 * {@code [B, hidden]} (or {@code [hidden]}) for {@link LSTMCell}.
 */
public record LSTMState(Tensor h, Tensor c) {
  public LSTMState {
    if (h == null || c == null) {
      throw new IllegalArgumentException("LSTMState: h and c must both be given (or pass a null"
          + " state for zeros)");
    }
  }
}
