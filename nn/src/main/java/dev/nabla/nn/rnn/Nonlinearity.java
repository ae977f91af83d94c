package dev.nabla.nn.rnn;

/**
 * The activation of a plain {@link RNN} or {@link RNNCell}: h′ = act(W_ih x + b_ih + W_hh h +
 * b_hh).
 */
public enum Nonlinearity {
  /** tanh, PyTorch's default. */
  TANH,
  /** max(0, x). */
  RELU
}
