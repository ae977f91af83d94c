package dev.nabla.nn.rnn;

import dev.nabla.core.Tensor;
import java.util.random.RandomGenerator;

/**
 * One step of an LSTM, as {@code torch.nn.LSTMCell} (gate order i, f, g, o; c′ = f ⊙ c + i ⊙ g;
 * h′ = o ⊙ tanh(c′)). Shape: x {@code [B, input]}, h and c {@code [B, hidden]} → (h′, c′) of the
 * same shape (or unbatched {@code [input]} → {@code [hidden]}).
 *
 * <pre>{@code
 * LSTMCell cell = new LSTMCell(10, 20, rng);
 * LSTMState s = null;                         // zeros
 * for (Tensor xt : x.split(1, 0)) s = cell.forward(xt.squeeze(0), s);
 * }</pre>
 */
public final class LSTMCell extends RNNCellBase {

  /** A cell with biases. */
  public LSTMCell(int inputSize, int hiddenSize, RandomGenerator rng) {
    this(inputSize, hiddenSize, true, rng);
  }

  public LSTMCell(int inputSize, int hiddenSize, boolean bias, RandomGenerator rng) {
    super(CellKind.LSTM, inputSize, hiddenSize, bias, rng);
  }

  /** h′ from a zero state (use {@link #forward(Tensor, LSTMState)} for c′ too). */
  @Override
  public Tensor forward(Tensor x) {
    return forward(x, null).h();
  }

  /** (h′, c′) from {@code state} (null: zeros). */
  public LSTMState forward(Tensor x, LSTMState state) {
    Tensor xg = inputProjection(x);
    Tensor h = state("h", state == null ? null : state.h(), x);
    Tensor c = state("c", state == null ? null : state.c(), x);
    Tensor[] hc = CellMath.lstm(xg, h, c, weightHh, biasHh);
    return new LSTMState(hc[0], hc[1]);
  }
}
