package dev.nabla.nn.rnn;

import dev.nabla.core.Tensor;
import java.util.random.RandomGenerator;

/**
 * Gated recurrent unit (Cho et al. 2014, arXiv:1406.1078), stacked and optionally
 * bidirectional, as {@code torch.nn.GRU}. Gate order r, z, n:
 * <pre>
 * r = σ(W_ir x + b_ir + W_hr h + b_hr)
 * z = σ(W_iz x + b_iz + W_hz h + b_hz)
 * n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 * h′ = (1 − z) ⊙ n + z ⊙ h
 * </pre>
 *
 * <p>Shape: input {@code [T, B, input]} ({@code [B, T, input]} with batchFirst, or unbatched
 * {@code [T, input]}); h0 {@code [layers·directions, B, hidden]} → output
 * {@code [T, B, directions·hidden]}, h_n like h0. Parameters ({@code [3·hidden, …]}) and init: see
 * {@link RNNBase}.
 */
public final class GRU extends RNNBase {

  /** PyTorch's defaults (1 layer, biases, time-major, no dropout, one direction). */
  public static RNNOptions options(int inputSize, int hiddenSize) {
    return RNNOptions.of(inputSize, hiddenSize);
  }

  /** A one-layer GRU with biases. */
  public GRU(int inputSize, int hiddenSize, RandomGenerator rng) {
    this(options(inputSize, hiddenSize), rng);
  }

  /** Parameters ~ U(−1/√hidden, 1/√hidden) from {@code rng}; dropout masks from a split of it. */
  public GRU(RNNOptions options, RandomGenerator rng) {
    super(CellKind.GRU, options, rng);
  }

  /** Runs the sequence from {@code h0} (null: zeros). */
  public RNNOutput forward(Tensor x, Tensor h0) {
    return forward(x, h0, (int[]) null);
  }

  /** Runs a padded batch whose sequence b has {@code lengths[b]} valid steps (null: all T). */
  public RNNOutput forward(Tensor x, Tensor h0, int[] lengths) {
    Result r = run(x, h0, null, lengths);
    return new RNNOutput(r.output(), r.hN());
  }

  /** As {@link #forward(Tensor, Tensor, int[])} with lengths as a 1-D I64/I32 tensor. */
  public RNNOutput forward(Tensor x, Tensor h0, Tensor lengths) {
    return forward(x, h0, lengths(lengths));
  }
}
