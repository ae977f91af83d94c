package dev.nabla.benchmarks;

import dev.nabla.attention.MultiHeadAttention;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import java.util.Locale;

/**
 * Workload W2 of WORKLOADS.md, {@code W2_mha_fwd_bwd}: PyTorch's {@code nn.MultiheadAttention(256,
 * 8, bias=True, batch_first=True)} as {@link MultiHeadAttention} in its packed-projection mode
 * (torch's layout and init: Xavier-uniform {@code in_proj_weight [768, 256]}, zero biases,
 * {@code out_proj.weight} ~ U(±1/16)), self-attention on a fixed x {@code [4, 512, 256]} ~ N(0, 1)
 * that requires grad, no mask, no dropout: zero the gradients, out = MHA(x), loss = out.sum(),
 * backward to every parameter and x; no optimizer step. About 6.4 GFLOP per step.
 *
 * <pre>{@code
 * W2MhaFwdBwd w = new W2MhaFwdBwd();
 * w.setup();            // untimed
 * double loss = w.step();
 * }</pre>
 */
public final class W2MhaFwdBwd {
  static final int BATCH = 4;
  static final int SEQ = 512;
  static final int D_MODEL = 256;
  static final int HEADS = 8;
  /** Approximate FLOP per step from WORKLOADS.md. */
  static final double FLOP = 6.4e9;

  private MultiHeadAttention mha;
  private Tensor x;

  /** Builds the layer and the input (not timed). */
  public void setup() {
    Rng rng = new Rng(0);
    mha = new MultiHeadAttention(D_MODEL, HEADS, HEADS,
        MultiHeadAttention.options().packedInProjection(true), rng);
    x = Tensor.randn(rng.split(), BATCH, SEQ, D_MODEL).requiresGrad();
  }

  /** One timed step; returns the loss (so nothing is optimised away). */
  public double step() {
    mha.zeroGrad();
    x.zeroGrad();
    Tensor loss = mha.forward(x).sum();
    loss.backward();
    return loss.item();
  }

  /** The layer, for tests. */
  MultiHeadAttention model() {
    return mha;
  }

  /** The input, for tests. */
  Tensor input() {
    return x;
  }

  static Workloads.Workload workload() {
    return new Workloads.Workload("W2_mha_fwd_bwd", () -> {
      W2MhaFwdBwd w = new W2MhaFwdBwd();
      w.setup();
      return new Workloads.Prepared(w::step,
          ms -> String.format(Locale.ROOT, "%.1f GFLOP/s", FLOP / ms / 1e6), null);
    });
  }
}
