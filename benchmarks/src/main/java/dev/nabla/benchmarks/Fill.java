package dev.nabla.benchmarks;

import java.util.SplittableRandom;

/** Benchmark inputs: fixed-seed N(0,1) floats (no denormals, magnitudes as in the workloads). */
final class Fill {
  private Fill() {}

  static float[] gaussian(int length, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[length];
    for (int i = 0; i < length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    return x;
  }
}
