package dev.nabla.nn.rnn;

import dev.nabla.core.Tensor;
import java.util.random.RandomGenerator;

/**
 * One step of a GRU, as {@code torch.nn.GRUCell} (gate order r, z, n; n = tanh(W_in x + b_in +
 * r ⊙ (W_hn h + b_hn)); h′ = (1 − z) ⊙ n + z ⊙ h). Shape: x {@code [B, input]}, h
 * {@code [B, hidden]} → h′ {@code [B, hidden]} (or unbatched {@code [input]} → {@code [hidden]}).
 */
public final class GRUCell extends RNNCellBase {

  /** A cell with biases. */
  public GRUCell(int inputSize, int hiddenSize, RandomGenerator rng) {
    this(inputSize, hiddenSize, true, rng);
  }

  public GRUCell(int inputSize, int hiddenSize, boolean bias, RandomGenerator rng) {
    super(CellKind.GRU, inputSize, hiddenSize, bias, rng);
  }

  /** h′ from a zero state. */
  @Override
  public Tensor forward(Tensor x) {
    return forward(x, null);
  }

  /** h′ from state h (null: zeros). */
  public Tensor forward(Tensor x, Tensor h) {
    Tensor xg = inputProjection(x);
    return CellMath.gru(xg, state("h", h, x), weightHh, biasHh);
  }
}
