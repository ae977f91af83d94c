/**
 * Recurrent layers with PyTorch's semantics, parameter names and init: {@link
 * dev.nabla.nn.rnn.RNN} (tanh or ReLU), {@link dev.nabla.nn.rnn.LSTM} and {@link
 * dev.nabla.nn.rnn.GRU} over whole sequences (stacked, bidirectional, variable lengths), and the
 * single-step {@link dev.nabla.nn.rnn.RNNCell}, {@link dev.nabla.nn.rnn.LSTMCell} and {@link
 * dev.nabla.nn.rnn.GRUCell}.
 *
 * @see dev.nabla.nn.Layer
 */
package dev.nabla.nn.rnn;
