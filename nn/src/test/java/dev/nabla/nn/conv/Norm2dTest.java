package dev.nabla.nn.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import dev.nabla.core.internal.kernel.Parallel;
import dev.nabla.nn.Layer;
import java.util.List;
import org.junit.jupiter.api.Test;

/** BatchNorm2d and GroupNorm: statistics, state dicts, F64 GradCheck, threads, errors. */
class Norm2dTest {

  static Tensor randn64(long seed, int... shape) {
    return Tensor.randn(new Rng(seed), DType.F64, shape).requiresGrad();
  }

  @Test void batchNormStateDictMatchesTorch() {
    BatchNorm2d bn = new BatchNorm2d(4);
    assertEquals(List.of("weight", "bias", "running_mean", "running_var", "num_batches_tracked"),
        List.copyOf(bn.stateDict().keySet()));
    Tensor count = bn.stateDict().get("num_batches_tracked");
    assertEquals(DType.I64, count.dtype());
    assertEquals(0, count.dim());
    bn.to(DType.F64);
    assertEquals(DType.F64, bn.runningVar().dtype());
    assertEquals(DType.I64, bn.stateDict().get("num_batches_tracked").dtype());
    assertEquals(List.of("weight", "bias"),
        List.copyOf(new BatchNorm2d(4, 1e-5, 0.1, true, false).stateDict().keySet()));
    assertTrue(new BatchNorm2d(4, 1e-5, 0.1, false, true).parameters().isEmpty());
  }

  @Test void batchNormTrainingNormalisesAndUpdatesRunningStats() {
    BatchNorm2d bn = new BatchNorm2d(2);
    Tensor x = Tensor.randn(new Rng(1), 4, 2, 3, 5).mul(3).add(2);
    Tensor y = bn.forward(x);
    Tensor mean = y.mean(new int[] {0, 2, 3}, false);
    Tensor var = y.var(new int[] {0, 2, 3}, false, false);
    assertArrayEquals(new double[] {0, 0}, mean.toDoubleArray(), 1e-6);
    assertArrayEquals(new double[] {1, 1}, var.toDoubleArray(), 1e-4);
    Tensor batchMean = x.mean(new int[] {0, 2, 3}, false);
    Tensor unbiased = x.var(new int[] {0, 2, 3}, true, false);
    assertArrayEquals(batchMean.mul(0.1).toDoubleArray(), bn.runningMean().toDoubleArray(), 1e-6);
    assertArrayEquals(unbiased.mul(0.1).add(0.9).toDoubleArray(), bn.runningVar().toDoubleArray(),
        1e-5);
    assertEquals(1, bn.numBatchesTracked());

    bn.eval();
    Tensor before = bn.runningMean().copy();
    Tensor z = bn.forward(x);
    assertArrayEquals(before.toFloatArray(), bn.runningMean().toFloatArray());
    assertEquals(1, bn.numBatchesTracked());
    Tensor expected = x.sub(bn.runningMean().reshape(1, 2, 1, 1))
        .div(bn.runningVar().add(1e-5).sqrt().reshape(1, 2, 1, 1));
    assertArrayEquals(expected.toFloatArray(), z.toFloatArray(), 1e-5f);
  }

  @Test void cumulativeAverageWithoutMomentum() {
    BatchNorm2d bn = new BatchNorm2d(1, 1e-5, null, false, true);
    Tensor a = Tensor.of(new float[] {1, 3}, 2, 1, 1, 1);
    Tensor b = Tensor.of(new float[] {5, 9}, 2, 1, 1, 1);
    bn.forward(a);
    bn.forward(b);
    // plain averages of the batch means (2, 7) and unbiased variances (2, 8)
    assertEquals(4.5, bn.runningMean().item(), 1e-6);
    assertEquals(5.0, bn.runningVar().item(), 1e-6);
    assertEquals(2, bn.numBatchesTracked());
    bn.resetRunningStats();
    assertEquals(0, bn.numBatchesTracked());
    assertEquals(1.0, bn.runningVar().item());
  }

  @Test void withoutRunningStatsEvalUsesBatchStatistics() {
    BatchNorm2d bn = new BatchNorm2d(3, 1e-5, 0.1, true, false);
    bn.eval();
    Tensor y = bn.forward(Tensor.randn(new Rng(2), 2, 3, 4, 4).add(5));
    assertArrayEquals(new double[] {0, 0, 0}, y.mean(new int[] {0, 2, 3}, false).toDoubleArray(),
        1e-5);
    assertNull(bn.runningMean());
  }

  @Test void batchNormGradients() {
    Tensor w = randn64(3, 3);
    Tensor b = randn64(4, 3);
    GradCheck.assertGradientsMatch(
        in -> Normalization.batchNorm(in[0], null, null, in[1], in[2], true, 0.1, 1e-5),
        randn64(5, 2, 3, 3, 2), w, b);
    Tensor rm = Tensor.randn(new Rng(6), DType.F64, 3);
    Tensor rv = Tensor.rand(new Rng(7), DType.F64, 3).add(0.5);
    GradCheck.assertGradientsMatch(
        in -> Normalization.batchNorm(in[0], rm, rv, in[1], in[2], false, 0.1, 1e-5),
        randn64(8, 2, 3, 2, 3), w, b);
    BatchNorm2d bn = new BatchNorm2d(2, 1e-5, 0.1, false, true);
    bn.to(DType.F64);
    GradCheck.assertGradientsMatch(bn::forward, randn64(9, 3, 2, 2, 2));
  }

  @Test void groupNormMatchesDefinition() {
    Tensor x = Tensor.randn(new Rng(10), 2, 6, 3, 4);
    GroupNorm gn = new GroupNorm(2, 6, 1e-5, false);
    Tensor y = gn.forward(x);
    Tensor g = x.reshape(2, 2, 36);
    Tensor expected = g.sub(g.mean(2, true)).div(g.var(2, false, true).add(1e-5).sqrt())
        .reshape(2, 6, 3, 4);
    assertArrayEquals(expected.toFloatArray(), y.toFloatArray(), 1e-5f);
  }

  @Test void groupNormGradients() {
    for (int groups : new int[] {1, 2, 4}) {
      GradCheck.assertGradientsMatch(
          in -> Normalization.groupNorm(in[0], groups, in[1], in[2], 1e-5),
          randn64(11 + groups, 2, 4, 3, 2), randn64(20, 4), randn64(21, 4));
    }
    GradCheck.assertGradientsMatch(
        t -> Normalization.groupNorm(t, 3, null, null, 1e-5), randn64(22, 2, 6, 5));
  }

  @Test void sameResultsAtAnyThreadCount() {
    Tensor x = Tensor.randn(new Rng(23), 8, 32, 17, 19);
    BatchNorm2d bn = new BatchNorm2d(32, 1e-5, 0.1, true, false);
    GroupNorm gn = new GroupNorm(8, 32);
    for (Layer layer : new Layer[] {bn, gn}) {
      float[][] one = PoolTest.run(layer, x, 1);
      float[][] four = PoolTest.run(layer, x, 4);
      assertArrayEquals(one[0], four[0], layer + " forward");
      assertArrayEquals(one[1], four[1], layer + " backward");
    }
  }

  @Test void wrongChannelCountNamesLayerAndShape() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new BatchNorm2d(16).forward(Tensor.zeros(2, 8, 5, 5)));
    assertTrue(e.getMessage().startsWith("BatchNorm2d(16") && e.getMessage().contains("16 channels")
        && e.getMessage().contains("[2, 8, 5, 5]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new BatchNorm2d(8).forward(Tensor.zeros(2, 8, 5)));
    assertTrue(e.getMessage().contains("4D") && e.getMessage().contains("[2, 8, 5]"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new GroupNorm(2, 4).forward(Tensor.zeros(2, 6, 3)));
    assertTrue(e.getMessage().startsWith("GroupNorm(2, 4") && e.getMessage().contains("[2, 6, 3]"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new GroupNorm(3, 4));
    assertTrue(e.getMessage().contains("divisible"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new BatchNorm2d(3).forward(Tensor.zeros(1, 3, 1, 1)));
    assertTrue(e.getMessage().contains("more than 1 value per channel"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Normalization.batchNorm(Tensor.zeros(2, 3, 2), null, null, null, null, false, 0.1,
            1e-5));
    assertThrows(IllegalArgumentException.class,
        () -> Normalization.groupNorm(Tensor.zeros(2, 4, 2), 2, Tensor.ones(3), null, 1e-5));
  }
}
