package dev.nabla.benchmarks;

import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Sequential;
import dev.nabla.nn.conv.Conv2d;
import dev.nabla.nn.conv.ConvOptions;
import dev.nabla.nn.conv.ConvTranspose2d;
import dev.nabla.nn.conv.PixelShuffle;
import java.util.Locale;

/**
 * Workload W5 of WORKLOADS.md, {@code W5_conv_upsample_fwd_bwd}: forward and backward through
 * Conv2d(32→64, k3, s1, p1) → ConvTranspose2d(64→32, k4, s2, p1) → PixelShuffle(2), no
 * activations, on a fixed x {@code [16, 32, 32, 32]} ~ N(0, 1) that requires grad; PyTorch's
 * default init (weights and biases ~ U(±1/√fan_in)). Step: zero the gradients, loss =
 * net(x).sum(), backward to the weights, the biases and x; no optimizer step. Shapes: [16, 32,
 * 32, 32] → [16, 64, 32, 32] → [16, 32, 64, 64] → [16, 8, 128, 128]. About 5 GFLOP per step.
 *
 * <pre>{@code
 * W5ConvUpsample w = new W5ConvUpsample();
 * w.setup();            // untimed
 * double loss = w.step();
 * }</pre>
 */
public final class W5ConvUpsample {
  static final int BATCH = 16;
  static final int CHANNELS = 32;
  static final int SIZE = 32;
  /** Approximate FLOP per step from WORKLOADS.md. */
  static final double FLOP = 5.03e9;

  private Layer net;
  private Tensor x;

  /** Builds the net and the input (not timed). */
  public void setup() {
    Rng rng = new Rng(0);
    net = new Sequential(
        new Conv2d(CHANNELS, 64, 3, ConvOptions.defaults().padding(1), rng),
        new ConvTranspose2d(64, 32, 4, ConvOptions.defaults().stride(2).padding(1), rng),
        new PixelShuffle(2));
    x = Tensor.randn(rng.split(), BATCH, CHANNELS, SIZE, SIZE).requiresGrad();
  }

  /** One timed step; returns the loss (so nothing is optimised away). */
  public double step() {
    net.zeroGrad();
    x.zeroGrad();
    Tensor loss = net.forward(x).sum();
    loss.backward();
    return loss.item();
  }

  /** The net, for tests. */
  Layer model() {
    return net;
  }

  /** The input, for tests. */
  Tensor input() {
    return x;
  }

  /** W5 for {@link Workloads}: untimed setup, the timed step, and GFLOP/s from WORKLOADS.md. */
  static Workloads.Workload workload() {
    return new Workloads.Workload("W5_conv_upsample_fwd_bwd", () -> {
      W5ConvUpsample w = new W5ConvUpsample();
      w.setup();
      return new Workloads.Prepared(w::step,
          ms -> String.format(Locale.ROOT, "%.1f GFLOP/s", FLOP / ms / 1e6), null);
    });
  }
}
