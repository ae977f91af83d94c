package dev.nabla.benchmarks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The runner's protocol and statistics (fast: no workload is run). */
class WorkloadsTest {

  @Test
  void medianMatchesPythonStatistics() {
    assertEquals(2.0, Workloads.median(new double[] {3, 1, 2}));
    assertEquals(2.5, Workloads.median(new double[] {4, 1, 3, 2}));
  }

  @Test
  void protocolRunsWarmupsThenAtLeastMinIters() {
    AtomicInteger calls = new AtomicInteger();
    Workloads.Stats s = Workloads.measure(calls::incrementAndGet, 3, 7, 50, 0.0);
    assertEquals(7, s.n());
    assertEquals(10, calls.get());
  }

  @Test
  void protocolStopsAtMaxIters() {
    AtomicInteger calls = new AtomicInteger();
    Workloads.Stats s = Workloads.measure(calls::incrementAndGet, 0, 7, 50, 60.0);
    assertEquals(50, s.n());
  }

  @Test
  void gemmShapesUseNumpyNotation() {
    assertEquals(new GemmShape(4096, 512, 2048), GemmShape.parse("4096x512x2048"));
    assertEquals(new GemmShape(256, 256, 256), GemmShape.parse("256"));
    assertEquals(2.0 * 4096 * 2048 * 512, GemmShape.parse("4096x512x2048").flop());
    assertThrows(IllegalArgumentException.class, () -> GemmShape.parse("12x3"));
  }

  @Test
  void catalogueNamesMatchTorchRef() {
    assertEquals("W6_mm_1024", Workloads.catalogue().get("W6").get(0).name());
    assertEquals("W6_mm_2048", Workloads.catalogue().get("W6").get(1).name());
  }
}
