package dev.nabla.core;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;

/**
 * A seeded, splittable random source (SplitMix64 through {@link SplittableRandom}). Nabla has no
 * global random state: everything random takes an explicit generator, so a seed fixes a run.
 * {@link #split()} hands independent streams to sub-tasks (data loader, dropout, init) without
 * the order of their use changing each other's numbers.
 *
 * <p>Normal samples use the Box–Muller transform over {@link #nextDouble()}, so they are the same
 * on every JDK.
 */
public final class Rng implements RandomGenerator {
  private final SplittableRandom random;
  private double spare;
  private boolean hasSpare;

  /** A generator whose stream is fixed by {@code seed}. */
  public Rng(long seed) {
    this(new SplittableRandom(seed));
  }

  private Rng(SplittableRandom random) {
    this.random = random;
  }

  /** A new generator with a stream independent of this one's remaining stream. */
  public Rng split() {
    return new Rng(random.split());
  }

  @Override
  public long nextLong() {
    return random.nextLong();
  }

  @Override
  public double nextDouble() {
    return random.nextDouble();
  }

  /** A standard normal sample (Box–Muller; the second value of each pair is kept for later). */
  @Override
  public double nextGaussian() {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    double[] pair = boxMuller(this);
    spare = pair[1];
    hasSpare = true;
    return pair[0];
  }

  /** Two independent standard normal samples from two uniforms of {@code rng}. */
  static double[] boxMuller(RandomGenerator rng) {
    double u1 = 1.0 - rng.nextDouble(); // (0, 1]: log is finite
    double u2 = rng.nextDouble();
    double r = Math.sqrt(-2.0 * Math.log(u1));
    double theta = 2.0 * Math.PI * u2;
    return new double[] {r * Math.cos(theta), r * Math.sin(theta)};
  }
}
