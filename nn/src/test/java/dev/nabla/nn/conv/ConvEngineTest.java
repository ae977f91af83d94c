package dev.nabla.nn.conv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.internal.kernel.Parallel;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The F32 im2col + GEMM path against the F64 direct loops over random geometries (the batch
 * sizes reach the chunked weight-gradient reduction), and determinism: the same bits at 1, 2 and
 * 3 threads.
 */
class ConvEngineTest {

  /** A random convolution: x, weight, bias, options; transposed or not. */
  private record Case(boolean transposed, int dims, Tensor x, Tensor w, Tensor b, ConvOptions o,
      String label) {

    Tensor apply(Tensor xx, Tensor ww, Tensor bb) {
      if (transposed) {
        return Conv.convTranspose2d(xx, ww, bb, o);
      }
      return dims == 1 ? Conv.conv1d(xx, ww, bb, o) : Conv.conv2d(xx, ww, bb, o);
    }
  }

  private static Case randomCase(SplittableRandom r, int index) {
    boolean transposed = r.nextInt(3) == 0;
    int dims = transposed ? 2 : 1 + r.nextInt(2);
    int groups = 1 + r.nextInt(3);
    int cin = groups * (1 + r.nextInt(3));
    int cout = groups * (1 + r.nextInt(3));
    int n = r.nextInt(12) == 0 ? 67 : 1 + r.nextInt(3);
    int[] k = new int[dims];
    int[] s = new int[dims];
    int[] d = new int[dims];
    int[] p = new int[dims];
    int[] op = new int[dims];
    int[] size = new int[dims];
    for (int i = 0; i < dims; i++) {
      k[i] = 1 + r.nextInt(4);
      s[i] = 1 + r.nextInt(3);
      d[i] = 1 + r.nextInt(2);
      p[i] = r.nextInt(3);
      op[i] = transposed ? r.nextInt(Math.max(s[i], d[i])) : 0;
      size[i] = (transposed ? 1 : d[i] * (k[i] - 1) + 1) + r.nextInt(7);
    }
    if (transposed) {
      // keep the output size positive: padding below the un-padded output size
      for (int i = 0; i < dims; i++) {
        int full = (size[i] - 1) * s[i] + d[i] * (k[i] - 1) + op[i] + 1;
        p[i] = Math.min(p[i], (full - 1) / 2);
      }
    }
    ConvOptions o = ConvOptions.defaults().stride(s).dilation(d).groups(groups);
    o = transposed ? o.padding(p).outputPadding(op) : o.padding(p);
    if (!transposed && r.nextInt(4) == 0) {
      o = ConvOptions.defaults().dilation(d).groups(groups).paddingSame();
    }
    Rng rng = new Rng(index);
    int[] xs = new int[dims + 2];
    xs[0] = n;
    xs[1] = cin;
    System.arraycopy(size, 0, xs, 2, dims);
    int[] ws = new int[dims + 2];
    ws[0] = transposed ? cin : cout;
    ws[1] = (transposed ? cout : cin) / groups;
    System.arraycopy(k, 0, ws, 2, dims);
    Tensor x = Tensor.randn(rng, DType.F64, xs);
    Tensor w = Tensor.randn(rng, DType.F64, ws);
    Tensor b = r.nextBoolean() ? Tensor.randn(rng, DType.F64, cout) : null;
    String label = "case " + index + (transposed ? " transposed" : " conv" + dims + "d") + " x "
        + x.shape() + " w " + w.shape() + " " + o;
    return new Case(transposed, dims, x, w, b, o, label);
  }

  private static List<Tensor> run(Case c, DType dtype) {
    Tensor x = c.x().to(dtype).detach().requiresGrad();
    Tensor w = c.w().to(dtype).detach().requiresGrad();
    Tensor b = c.b() == null ? null : c.b().to(dtype).detach().requiresGrad();
    Tensor y = c.apply(x, w, b);
    Tensor up = Tensor.randn(new Rng(99), DType.F64, y.shape().toArray()).to(dtype);
    y.backward(up);
    List<Tensor> out = new ArrayList<>(List.of(y, x.grad(), w.grad()));
    if (b != null) {
      out.add(b.grad());
    }
    return out;
  }

  @Test void f32MatchesF64Reference() {
    SplittableRandom r = new SplittableRandom(2024);
    String[] names = {"output", "grad input", "grad weight", "grad bias"};
    for (int i = 0; i < 40; i++) {
      Case c = randomCase(r, i);
      List<Tensor> f32 = run(c, DType.F32);
      List<Tensor> f64 = run(c, DType.F64);
      for (int t = 0; t < f32.size(); t++) {
        assertClose(c.label() + ": " + names[t], f64.get(t), f32.get(t));
      }
    }
  }

  /** Column matrices cut into bands of one or a few rows give the F64 results too. */
  @Test void bandedColumnsMatch() {
    SplittableRandom r = new SplittableRandom(77);
    String[] names = {"output", "grad input", "grad weight", "grad bias"};
    int saved = ConvEngine.colBudget;
    try {
      for (int i = 0; i < 12; i++) {
        Case c = randomCase(r, 200 + i);
        ConvEngine.colBudget = 1 + r.nextInt(200);
        List<Tensor> f32 = run(c, DType.F32);
        List<Tensor> f64 = run(c, DType.F64);
        for (int t = 0; t < f32.size(); t++) {
          assertClose(c.label() + " (band budget " + ConvEngine.colBudget + "): " + names[t],
              f64.get(t), f32.get(t));
        }
      }
    } finally {
      ConvEngine.colBudget = saved;
    }
  }

  /** |a − e| ≤ 1e-5·(max|e| + 1)·√terms-ish: F32 accumulation against exact F64. */
  private static void assertClose(String label, Tensor expected, Tensor actual) {
    assertArrayEquals(expected.shape().toArray(), actual.shape().toArray(), label + " shape");
    assertEquals(DType.F32, actual.dtype(), label);
    double[] e = expected.toDoubleArray();
    double[] a = actual.toDoubleArray();
    double scale = 1;
    for (double v : e) {
      scale = Math.max(scale, Math.abs(v));
    }
    for (int i = 0; i < e.length; i++) {
      double diff = Math.abs(a[i] - e[i]);
      assertTrue(diff <= 2e-5 * scale + 1e-5 * Math.abs(e[i]), label + " at " + i
          + ": expected " + e[i] + ", got " + a[i]);
    }
  }

  @Test void sameBitsAtAnyThreadCount() {
    SplittableRandom r = new SplittableRandom(5);
    List<Case> cases = new ArrayList<>();
    // W5-like layers at a small size, a batch above the partial limit, and random ones
    Rng rng = new Rng(1);
    cases.add(new Case(false, 2, Tensor.randn(rng, DType.F64, 6, 8, 12, 12),
        Tensor.randn(rng, DType.F64, 16, 8, 3, 3), Tensor.randn(rng, DType.F64, 16),
        ConvOptions.defaults().padding(1), "conv 3x3"));
    cases.add(new Case(true, 2, Tensor.randn(rng, DType.F64, 5, 16, 12, 12),
        Tensor.randn(rng, DType.F64, 16, 8, 4, 4), Tensor.randn(rng, DType.F64, 8),
        ConvOptions.defaults().stride(2).padding(1), "convT k4 s2"));
    cases.add(new Case(false, 2, Tensor.randn(rng, DType.F64, 70, 3, 12, 12),
        Tensor.randn(rng, DType.F64, 4, 3, 3, 3), null, ConvOptions.defaults(), "batch 70"));
    for (int i = 0; i < 6; i++) {
      cases.add(randomCase(r, 100 + i));
    }
    for (Case c : cases) {
      List<Tensor> one = Parallel.withThreads(1, () -> run(c, DType.F32));
      for (int threads : new int[] {2, 3}) {
        List<Tensor> many = Parallel.withThreads(threads, () -> run(c, DType.F32));
        for (int t = 0; t < one.size(); t++) {
          assertArrayEquals(one.get(t).toFloatArray(), many.get(t).toFloatArray(),
              c.label() + ": tensor " + t + " differs at " + threads + " threads");
        }
      }
    }
  }
}
