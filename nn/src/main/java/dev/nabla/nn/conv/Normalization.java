package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;

/**
 * Functional batch and group normalisation over (N, C, *), as {@code torch.nn.functional}'s
 * {@code batch_norm} and {@code group_norm}. Statistics use the biased variance; batch norm's
 * running variance is updated with the unbiased one, as torch does.
 *
 * <pre>{@code
 * Tensor y = Normalization.groupNorm(x, 8, gamma, beta, 1e-5);
 * Tensor z = Normalization.batchNorm(x, runMean, runVar, gamma, beta, true, 0.1, 1e-5);
 * }</pre>
 *
 * @see BatchNorm2d
 * @see GroupNorm
 */
public final class Normalization {
  private Normalization() {}

  /**
   * Batch normalisation: y = (x − μ)/√(σ² + eps)·weight + bias per channel (dimension 1).
   * With {@code training} μ, σ² are the batch mean and biased variance over N and the spatial
   * dimensions, and the running statistics, when given, are updated in place:
   * running = (1 − momentum)·running + momentum·batch (the variance term unbiased, ×M/(M−1)).
   * Without it the running statistics are used (and required). Weight and bias may be null.
   */
  public static Tensor batchNorm(Tensor x, Tensor runningMean, Tensor runningVar, Tensor weight,
      Tensor bias, boolean training, double momentum, double eps) {
    return batchNorm("batchNorm", x, runningMean, runningVar, weight, bias, training, momentum,
        eps);
  }

  static Tensor batchNorm(String who, Tensor x, Tensor runningMean, Tensor runningVar,
      Tensor weight, Tensor bias, boolean training, double momentum, double eps) {
    if (x.dim() < 2) {
      throw new IllegalArgumentException(who + ": expected an input of at least 2 dimensions"
          + " (N, C, *), got shape " + x.shape());
    }
    int c = x.size(1);
    checkPerChannel(who, "weight", weight, c, x);
    checkPerChannel(who, "bias", bias, c, x);
    checkPerChannel(who, "running_mean", runningMean, c, x);
    checkPerChannel(who, "running_var", runningVar, c, x);
    if ((runningMean == null) != (runningVar == null)) {
      throw new IllegalArgumentException(
          who + ": running_mean and running_var must both be given or both be null");
    }
    if (!training && runningMean == null) {
      throw new IllegalArgumentException(
          who + ": running_mean and running_var are required when not training");
    }
    long perChannel = c == 0 ? 0 : x.numel() / c;
    if (training && perChannel <= 1) {
      throw new IllegalArgumentException(who + ": expected more than 1 value per channel when"
          + " training, got input of shape " + x.shape());
    }
    if (!(eps >= 0)) {
      throw new IllegalArgumentException(who + ": eps must be >= 0, got " + eps);
    }
    BatchNormOp op = training ? new BatchNormOp(true, eps, null, null)
        : new BatchNormOp(false, eps, runningMean.toDoubleArray(), runningVar.toDoubleArray());
    Tensor y = op.apply(x, weight, bias);
    if (training && runningMean != null) {
      double m = op.countPerChannel();
      double[] mean = runningMean.toDoubleArray();
      double[] var = runningVar.toDoubleArray();
      for (int i = 0; i < c; i++) {
        mean[i] = (1 - momentum) * mean[i] + momentum * op.mean[i];
        var[i] = (1 - momentum) * var[i] + momentum * op.var[i] * m / (m - 1);
      }
      try (var off = GradMode.disabled()) {
        runningMean.copyFrom(Tensor.of(mean, runningMean.shape().toArray()));
        runningVar.copyFrom(Tensor.of(var, runningVar.shape().toArray()));
      }
    }
    return y;
  }

  /**
   * Group normalisation (Wu &amp; He, arXiv:1803.08494): the channels of (N, C, *) split into
   * {@code numGroups} groups, each (sample, group) normalised by its own mean and biased
   * variance, then y = x̂·weight_c + bias_c (both nullable, shaped (C)).
   */
  public static Tensor groupNorm(Tensor x, int numGroups, Tensor weight, Tensor bias,
      double eps) {
    return groupNorm("groupNorm", x, numGroups, weight, bias, eps);
  }

  static Tensor groupNorm(String who, Tensor x, int numGroups, Tensor weight, Tensor bias,
      double eps) {
    if (x.dim() < 2) {
      throw new IllegalArgumentException(who + ": expected an input of at least 2 dimensions"
          + " (N, C, *), got shape " + x.shape());
    }
    int c = x.size(1);
    if (numGroups <= 0 || c % numGroups != 0) {
      throw new IllegalArgumentException(who + ": expected the number of channels " + c
          + " to be divisible by num_groups=" + numGroups + ", got input of shape " + x.shape());
    }
    checkPerChannel(who, "weight", weight, c, x);
    checkPerChannel(who, "bias", bias, c, x);
    if (!(eps >= 0)) {
      throw new IllegalArgumentException(who + ": eps must be >= 0, got " + eps);
    }
    return new GroupNormOp(numGroups, eps).apply(x, weight, bias);
  }

  private static void checkPerChannel(String who, String what, Tensor t, int c, Tensor x) {
    if (t != null && (t.dim() != 1 || t.size(0) != c)) {
      throw new IllegalArgumentException(who + ": expected " + what + " to be a vector of size "
          + c + " (the channels of input " + x.shape() + "), got shape " + t.shape());
    }
  }
}
