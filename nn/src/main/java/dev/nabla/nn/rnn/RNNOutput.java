package dev.nabla.nn.rnn;

import dev.nabla.core.Tensor;

/**
 * What {@link RNN} and {@link GRU} return.
 *
 * @param output the last layer's h at every step: {@code [T, B, directions·hidden]} (or
 *     {@code [B, T, …]} with batchFirst; {@code [T, …]} for unbatched input); 0 at padded steps
 * @param hN the final state of every layer and direction, {@code [layers·directions, B, hidden]}:
 *     for sequences with lengths, the state at each sequence's last valid step
 */
public record RNNOutput(Tensor output, Tensor hN) {}
