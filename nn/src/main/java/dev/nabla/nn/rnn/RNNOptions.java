package dev.nabla.nn.rnn;

/**
 * The hyper-parameters of {@link RNN}, {@link LSTM} and {@link GRU}, with PyTorch's defaults: one
 * layer, biases on, time-major input ({@code [T, B, input]}), no dropout, one direction, tanh.
 * Start from {@code LSTM.options(input, hidden)} (or {@code RNN.}/{@code GRU.options}) and change
 * what you need; every change returns a new, validated record.
 *
 * <pre>{@code
 * LSTM lstm = new LSTM(
 *     LSTM.options(128, 256).numLayers(2).bidirectional(true).batchFirst(true), rng);
 * }</pre>
 *
 * @param inputSize features per time step of the input
 * @param hiddenSize features of the hidden state h (and of the cell state c of an LSTM)
 * @param numLayers stacked layers; layer k &gt; 0 reads layer k − 1's output
 * @param bias whether the layers have {@code bias_ih} and {@code bias_hh}
 * @param batchFirst input and output are {@code [B, T, features]} instead of {@code [T, B, …]}
 *     (the states h0/h_n stay {@code [layers·directions, B, hidden]}, as in PyTorch)
 * @param dropout probability of zeroing an output of each layer but the last, in training
 * @param bidirectional a second, reversed direction per layer; outputs are concatenated
 * @param nonlinearity the activation of a plain RNN (LSTM and GRU require TANH, the default)
 */
public record RNNOptions(int inputSize, int hiddenSize, int numLayers, boolean bias,
    boolean batchFirst, double dropout, boolean bidirectional, Nonlinearity nonlinearity) {

  public RNNOptions {
    if (inputSize <= 0 || hiddenSize <= 0) {
      throw new IllegalArgumentException(
          "RNNOptions: inputSize and hiddenSize must be positive, got " + inputSize + " and "
              + hiddenSize);
    }
    if (numLayers < 1) {
      throw new IllegalArgumentException(
          "RNNOptions: numLayers must be at least 1, got " + numLayers);
    }
    if (!(dropout >= 0 && dropout < 1)) {
      throw new IllegalArgumentException(
          "RNNOptions: dropout must be a probability in [0, 1), got " + dropout);
    }
    if (nonlinearity == null) {
      throw new IllegalArgumentException("RNNOptions: nonlinearity must not be null");
    }
  }

  /** PyTorch's defaults for the given sizes. */
  public static RNNOptions of(int inputSize, int hiddenSize) {
    return new RNNOptions(inputSize, hiddenSize, 1, true, false, 0.0, false, Nonlinearity.TANH);
  }

  public RNNOptions numLayers(int numLayers) {
    return new RNNOptions(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout,
        bidirectional, nonlinearity);
  }

  public RNNOptions bias(boolean bias) {
    return new RNNOptions(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout,
        bidirectional, nonlinearity);
  }

  public RNNOptions batchFirst(boolean batchFirst) {
    return new RNNOptions(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout,
        bidirectional, nonlinearity);
  }

  public RNNOptions dropout(double dropout) {
    return new RNNOptions(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout,
        bidirectional, nonlinearity);
  }

  public RNNOptions bidirectional(boolean bidirectional) {
    return new RNNOptions(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout,
        bidirectional, nonlinearity);
  }

  public RNNOptions nonlinearity(Nonlinearity nonlinearity) {
    return new RNNOptions(inputSize, hiddenSize, numLayers, bias, batchFirst, dropout,
        bidirectional, nonlinearity);
  }

  /** 2 when bidirectional, else 1. */
  public int numDirections() {
    return bidirectional ? 2 : 1;
  }
}
