package dev.nabla.nn.conv;

import dev.nabla.core.DType;
import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Parameter;

/**
 * Batch normalisation over the channels of NCHW input (Ioffe &amp; Szegedy, arXiv:1502.03167):
 * y = (x − μ)/√(σ² + eps)·weight + bias. Training uses the batch mean and biased variance over
 * (N, H, W) and updates the buffers {@code running_mean} and {@code running_var} (with the
 * unbiased variance) as running = (1 − momentum)·running + momentum·batch, or as a cumulative
 * average (factor 1/num_batches_tracked) when momentum is null; eval uses the running
 * statistics. State dict: {@code weight}, {@code bias}, {@code running_mean},
 * {@code running_var}, {@code num_batches_tracked} (I64), as torch. Without
 * {@code trackRunningStats} there are no buffers and batch statistics are used in both modes.
 * Shape: (N, C, H, W) → same.
 *
 * <pre>{@code
 * var bn = new BatchNorm2d(64);                  // eps 1e-5, momentum 0.1
 * Tensor y = bn.forward(x);                      // training: batch statistics
 * bn.eval();                                     // now: running statistics
 * }</pre>
 *
 * @see Normalization#batchNorm
 */
public final class BatchNorm2d extends Layer {
  private final int numFeatures;
  private final double eps;
  private final Double momentum;
  private final boolean trackRunningStats;
  private final Parameter weight;
  private final Parameter bias;
  private final String label;

  /** eps 1e-5, momentum 0.1, affine, tracking running statistics. */
  public BatchNorm2d(int numFeatures) {
    this(numFeatures, 1e-5, 0.1, true, true);
  }

  /**
   * @param momentum the running-average factor, or null for a cumulative moving average
   * @param affine whether to learn a per-channel weight (ones) and bias (zeros)
   * @param trackRunningStats whether to keep running statistics (and use them in eval)
   */
  public BatchNorm2d(int numFeatures, double eps, Double momentum, boolean affine,
      boolean trackRunningStats) {
    if (numFeatures <= 0) {
      throw new IllegalArgumentException("BatchNorm2d: num_features must be positive, got "
          + numFeatures);
    }
    if (!(eps >= 0)) {
      throw new IllegalArgumentException("BatchNorm2d: eps must be >= 0, got " + eps);
    }
    if (momentum != null && !(momentum >= 0 && momentum <= 1)) {
      throw new IllegalArgumentException("BatchNorm2d: momentum must be in [0, 1] or null, got "
          + momentum);
    }
    this.numFeatures = numFeatures;
    this.eps = eps;
    this.momentum = momentum;
    this.trackRunningStats = trackRunningStats;
    this.weight = affine ? registerParameter("weight", Tensor.ones(numFeatures)) : null;
    this.bias = affine ? registerParameter("bias", Tensor.zeros(numFeatures)) : null;
    if (trackRunningStats) {
      registerBuffer("running_mean", Tensor.zeros(numFeatures));
      registerBuffer("running_var", Tensor.ones(numFeatures));
      registerBuffer("num_batches_tracked", Tensor.scalar(0, DType.I64));
    }
    this.label = name() + "(" + extraRepr() + ")";
  }

  @Override public Tensor forward(Tensor x) {
    if (x.dim() != 4) {
      throw new IllegalArgumentException(label + ": expected 4D input (N, C, H, W), got shape "
          + x.shape());
    }
    if (x.size(1) != numFeatures) {
      throw new IllegalArgumentException(label + ": expected input with " + numFeatures
          + " channels, got shape " + x.shape());
    }
    if (isTraining() && x.numel() / numFeatures <= 1) {
      throw new IllegalArgumentException(label + ": expected more than 1 value per channel when"
          + " training, got input of shape " + x.shape());
    }
    double factor = momentum == null ? 0.0 : momentum;
    if (isTraining() && trackRunningStats) {
      Tensor count = buffer("num_batches_tracked");
      long n = count.getLong() + 1;
      count.set(n);
      if (momentum == null) {
        factor = 1.0 / n;
      }
    }
    boolean useBatchStats = isTraining() || !trackRunningStats;
    Tensor mean = trackRunningStats ? buffer("running_mean") : null;
    Tensor var = trackRunningStats ? buffer("running_var") : null;
    return Normalization.batchNorm(label, x, mean, var, weight, bias, useBatchStats, factor, eps);
  }

  /** Resets the running statistics to mean 0, variance 1 and the batch count to 0. */
  public void resetRunningStats() {
    if (trackRunningStats) {
      buffer("running_mean").fill(0);
      buffer("running_var").fill(1);
      buffer("num_batches_tracked").fill(0);
    }
  }

  /** The running mean (a live buffer), or null without tracking. */
  public Tensor runningMean() {
    return trackRunningStats ? buffer("running_mean") : null;
  }

  /** The running variance (a live buffer), or null without tracking. */
  public Tensor runningVar() {
    return trackRunningStats ? buffer("running_var") : null;
  }

  /** Training batches seen since construction (or the last reset); 0 without tracking. */
  public long numBatchesTracked() {
    return trackRunningStats ? buffer("num_batches_tracked").getLong() : 0;
  }

  public int numFeatures() {
    return numFeatures;
  }

  public double eps() {
    return eps;
  }

  /** The momentum, or null for a cumulative average. */
  public Double momentum() {
    return momentum;
  }

  public boolean trackRunningStats() {
    return trackRunningStats;
  }

  /** The weight, or null when not affine. */
  public Parameter weight() {
    return weight;
  }

  /** The bias, or null when not affine. */
  public Parameter bias() {
    return bias;
  }

  @Override protected String extraRepr() {
    return numFeatures + ", eps=" + eps + ", momentum=" + momentum + ", affine=" + (weight != null)
        + ", track_running_stats=" + trackRunningStats;
  }
}
