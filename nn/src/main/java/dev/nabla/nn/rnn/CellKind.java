package dev.nabla.nn.rnn;

/** The four recurrences, with the number of gate blocks stacked in their weights. */
enum CellKind {
  RNN_TANH(1, "RNN"),
  RNN_RELU(1, "RNN"),
  LSTM(4, "LSTM"),
  GRU(3, "GRU");

  /** Gate blocks: W_ih is [gates·hidden, input]. */
  final int gates;
  final String layerName;

  CellKind(int gates, String layerName) {
    this.gates = gates;
    this.layerName = layerName;
  }

  static CellKind rnn(Nonlinearity nonlinearity) {
    return nonlinearity == Nonlinearity.RELU ? RNN_RELU : RNN_TANH;
  }
}
