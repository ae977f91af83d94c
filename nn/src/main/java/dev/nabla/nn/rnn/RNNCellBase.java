package dev.nabla.nn.rnn;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Parameter;
import java.util.random.RandomGenerator;

/**
 * What {@link RNNCell}, {@link LSTMCell} and {@link GRUCell} share: PyTorch's parameters
 * {@code weight_ih [gates·hidden, input]}, {@code weight_hh [gates·hidden, hidden]},
 * {@code bias_ih}, {@code bias_hh [gates·hidden]}, all ~ U(−1/√hidden, 1/√hidden). A cell runs
 * one time step on {@code [B, input]} (or unbatched {@code [input]}); loop over time yourself, or
 * use the sequence layers, which hoist the input projection out of the loop.
 */
public abstract sealed class RNNCellBase extends Layer permits RNNCell, LSTMCell, GRUCell {
  final CellKind kind;
  private final int inputSize;
  private final int hiddenSize;
  final Parameter weightIh;
  final Parameter weightHh;
  final Parameter biasIh;
  final Parameter biasHh;

  RNNCellBase(CellKind kind, int inputSize, int hiddenSize, boolean bias, RandomGenerator rng) {
    String n = kind.layerName + "Cell";
    if (inputSize <= 0 || hiddenSize <= 0) {
      throw new IllegalArgumentException(n + ": inputSize and hiddenSize must be positive, got "
          + inputSize + " and " + hiddenSize);
    }
    if (rng == null) {
      throw new IllegalArgumentException(n + ": rng must not be null");
    }
    this.kind = kind;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    int gh = kind.gates * hiddenSize;
    double bound = 1.0 / Math.sqrt(hiddenSize);
    weightIh = registerParameter("weight_ih", RNNBase.uniform(rng, bound, gh, inputSize));
    weightHh = registerParameter("weight_hh", RNNBase.uniform(rng, bound, gh, hiddenSize));
    biasIh = bias ? registerParameter("bias_ih", RNNBase.uniform(rng, bound, gh)) : null;
    biasHh = bias ? registerParameter("bias_hh", RNNBase.uniform(rng, bound, gh)) : null;
  }

  public final int inputSize() {
    return inputSize;
  }

  public final int hiddenSize() {
    return hiddenSize;
  }

  /** {@code weight_ih}: {@code [gates·hidden, input]}. */
  public final Parameter weightIh() {
    return weightIh;
  }

  /** {@code weight_hh}: {@code [gates·hidden, hidden]}. */
  public final Parameter weightHh() {
    return weightHh;
  }

  /** {@code bias_ih}, or null without biases. */
  public final Parameter biasIh() {
    return biasIh;
  }

  /** {@code bias_hh}, or null without biases. */
  public final Parameter biasHh() {
    return biasHh;
  }

  /** E.g. {@code LSTMCell(input=10, hidden=20)}: the prefix of every error message. */
  final String describe() {
    return name() + "(input=" + inputSize + ", hidden=" + hiddenSize + ")";
  }

  @Override
  protected String extraRepr() {
    return inputSize + ", " + hiddenSize + (biasIh == null ? ", bias=false" : "")
        + (kind == CellKind.RNN_RELU ? ", nonlinearity=relu" : "");
  }

  /** Checks x ([B, input] or [input]) and returns W_ih·x + b_ih. */
  final Tensor inputProjection(Tensor x) {
    if (x == null) {
      throw new IllegalArgumentException(describe() + ": input must not be null");
    }
    if ((x.dim() != 1 && x.dim() != 2) || x.size(-1) != inputSize) {
      throw new IllegalArgumentException(describe() + ": expected input feature size " + inputSize
          + " in a [B, " + inputSize + "] (or unbatched [" + inputSize + "]) input, got "
          + x.shape());
    }
    DType dtype = weightIh.dtype();
    if (x.dtype() != dtype) {
      throw new IllegalArgumentException(describe() + ": input dtype " + x.dtype()
          + " does not match the parameters' " + dtype);
    }
    Tensor xg = x.matmul(weightIh.t());
    return biasIh == null ? xg : xg.add(biasIh);
  }

  /** The state {@code what} for input x: zeros when null, else checked to be [B, H] or [H]. */
  final Tensor state(String what, Tensor s, Tensor x) {
    int[] expected = x.dim() == 2 ? new int[] {x.size(0), hiddenSize} : new int[] {hiddenSize};
    if (s == null) {
      return Tensor.zeros(weightIh.dtype(), expected);
    }
    if (!java.util.Arrays.equals(s.shape().toArray(), expected)) {
      throw new IllegalArgumentException(describe() + ": expected " + what + " of shape "
          + java.util.Arrays.toString(expected) + ", got " + s.shape());
    }
    if (s.dtype() != weightIh.dtype()) {
      throw new IllegalArgumentException(describe() + ": " + what + " dtype " + s.dtype()
          + " does not match the parameters' " + weightIh.dtype());
    }
    return s;
  }
}
