package dev.nabla.nn.conv;

import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Parameter;

/**
 * Group normalisation (Wu &amp; He, arXiv:1803.08494): the channels are split into
 * {@code numGroups} groups and each (sample, group) is normalised by its own mean and biased
 * variance, then scaled and shifted per channel: y = x̂·weight + bias. Independent of the batch
 * size, which is why UNets and VAEs use it; numGroups = 1 is a LayerNorm over (C, H, W) and
 * numGroups = C an InstanceNorm. Shape: (N, C, *) → same; weight and bias (C).
 *
 * <pre>{@code
 * var norm = new GroupNorm(32, 256);             // eps 1e-5, affine
 * }</pre>
 *
 * @see Normalization#groupNorm
 */
public final class GroupNorm extends Layer {
  private final int numGroups;
  private final int numChannels;
  private final double eps;
  private final Parameter weight;
  private final Parameter bias;
  private final String label;

  /** eps 1e-5, affine. */
  public GroupNorm(int numGroups, int numChannels) {
    this(numGroups, numChannels, 1e-5, true);
  }

  /** @param affine whether to learn a per-channel weight (ones) and bias (zeros) */
  public GroupNorm(int numGroups, int numChannels, double eps, boolean affine) {
    if (numGroups <= 0 || numChannels <= 0 || numChannels % numGroups != 0) {
      throw new IllegalArgumentException("GroupNorm: num_channels must be divisible by num_groups"
          + " (both positive), got num_groups=" + numGroups + ", num_channels=" + numChannels);
    }
    if (!(eps >= 0)) {
      throw new IllegalArgumentException("GroupNorm: eps must be >= 0, got " + eps);
    }
    this.numGroups = numGroups;
    this.numChannels = numChannels;
    this.eps = eps;
    this.weight = affine ? registerParameter("weight", Tensor.ones(numChannels)) : null;
    this.bias = affine ? registerParameter("bias", Tensor.zeros(numChannels)) : null;
    this.label = name() + "(" + extraRepr() + ")";
  }

  @Override public Tensor forward(Tensor x) {
    if (x.dim() < 2 || x.size(1) != numChannels) {
      throw new IllegalArgumentException(label + ": expected input (N, " + numChannels
          + ", *), got shape " + x.shape());
    }
    return Normalization.groupNorm(label, x, numGroups, weight, bias, eps);
  }

  public int numGroups() {
    return numGroups;
  }

  public int numChannels() {
    return numChannels;
  }

  public double eps() {
    return eps;
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
    return numGroups + ", " + numChannels + ", eps=" + eps + ", affine=" + (weight != null);
  }
}
