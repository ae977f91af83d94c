package dev.nabla.nn.rnn;

import dev.nabla.core.Tensor;
import java.util.random.RandomGenerator;

/**
 * One step of an Elman RNN, as {@code torch.nn.RNNCell}: h′ = act(W_ih x + b_ih + W_hh h + b_hh),
 * act = tanh (default) or ReLU. Shape: x {@code [B, input]}, h {@code [B, hidden]} → h′
 * {@code [B, hidden]} (or unbatched {@code [input]} → {@code [hidden]}).
 */
public final class RNNCell extends RNNCellBase {

  /** A tanh cell with biases. */
  public RNNCell(int inputSize, int hiddenSize, RandomGenerator rng) {
    this(inputSize, hiddenSize, true, Nonlinearity.TANH, rng);
  }

  public RNNCell(int inputSize, int hiddenSize, boolean bias, Nonlinearity nonlinearity,
      RandomGenerator rng) {
    super(CellKind.rnn(nonlinearity), inputSize, hiddenSize, bias, rng);
    if (nonlinearity == null) {
      throw new IllegalArgumentException("RNNCell: nonlinearity must not be null");
    }
  }

  /** h′ from a zero state. */
  @Override
  public Tensor forward(Tensor x) {
    return forward(x, null);
  }

  /** h′ from state h (null: zeros). */
  public Tensor forward(Tensor x, Tensor h) {
    Tensor xg = inputProjection(x);
    return CellMath.rnn(xg, state("h", h, x), weightHh, biasHh, kind == CellKind.RNN_RELU);
  }
}
