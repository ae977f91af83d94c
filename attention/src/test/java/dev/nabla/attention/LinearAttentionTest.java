package dev.nabla.attention;

import static dev.nabla.attention.FlashAttentionTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import dev.nabla.core.autograd.GradMode;
import org.junit.jupiter.api.Test;

/**
 * Linear attention: the three causal forms (parallel, chunked, recurrent) agree, the non-causal
 * form matches the paper's formula written as plain loops, gradients pass gradcheck, and the
 * contract's options it cannot honour are rejected.
 */
class LinearAttentionTest {

  /** out_i = Σ_{j visible} φ(q_i)·φ(k_j) v_j / (Σ_{j visible} φ(q_i)·φ(k_j) + ε), by loops. */
  private static double[] naive(Tensor q, Tensor k, Tensor v, boolean causal, FeatureMap phi) {
    int b = q.size(0);
    int hq = q.size(1);
    int tq = q.size(2);
    int hkv = k.size(1);
    int tk = k.size(2);
    int dv = v.size(3);
    double[] fq = phi.apply(q.to(DType.F64)).toDoubleArray();
    double[] fk = phi.apply(k.to(DType.F64)).toDoubleArray();
    double[] vv = v.to(DType.F64).toDoubleArray();
    int f = fq.length / (b * hq * tq);
    double[] out = new double[b * hq * tq * dv];
    for (int bi = 0; bi < b; bi++) {
      for (int h = 0; h < hq; h++) {
        int kh = bi * hkv + h / (hq / hkv);
        for (int i = 0; i < tq; i++) {
          int row = (bi * hq + h) * tq + i;
          double den = 0;
          double[] num = new double[dv];
          for (int j = 0; j < tk; j++) {
            if (causal && j > i + tk - tq) {
              continue;
            }
            double s = 0;
            for (int e = 0; e < f; e++) {
              s += fq[row * f + e] * fk[(kh * tk + j) * f + e];
            }
            den += s;
            for (int e = 0; e < dv; e++) {
              num[e] += s * vv[(kh * tk + j) * dv + e];
            }
          }
          for (int e = 0; e < dv; e++) {
            out[row * dv + e] = num[e] / (den + LinearAttention.EPS);
          }
        }
      }
    }
    return out;
  }

  private static Tensor[] qkv(Rng rng, DType dt, int b, int hq, int hkv, int tq, int tk, int d,
      int dv) {
    return new Tensor[] {Tensor.randn(rng, dt, b, hq, tq, d), Tensor.randn(rng, dt, b, hkv, tk, d),
        Tensor.randn(rng, dt, b, hkv, tk, dv)};
  }

  @Test void nonCausalMatchesTheFormula() {
    Rng rng = new Rng(1);
    Tensor[] t = qkv(rng, DType.F64, 2, 4, 2, 7, 11, 5, 3);
    for (FeatureMap phi : new FeatureMap[] {FeatureMap.ELU_PLUS_ONE, FeatureMap.RELU}) {
      Tensor y = LinearAttention.nonCausal(t[0], t[1], t[2], phi);
      assertClose(Tensor.wrap(naive(t[0], t[1], t[2], false, phi), 2, 4, 7, 3), y, 1e-12, 1e-10,
          "non-causal");
    }
  }

  @Test void parallelChunkedAndRecurrentAgree() {
    Rng rng = new Rng(2);
    int[][] shapes = { // b, hq, hkv, tq, tk, d, dv
        {2, 4, 2, 13, 13, 4, 3}, {1, 8, 1, 20, 20, 6, 6}, {1, 2, 2, 5, 17, 4, 4},
        {1, 2, 1, 17, 6, 4, 2}, {1, 1, 1, 1, 9, 3, 3}};
    for (int[] s : shapes) {
      for (DType dt : new DType[] {DType.F64, DType.F32}) {
        Tensor[] t = qkv(rng, dt, s[0], s[1], s[2], s[3], s[4], s[5], s[6]);
        Tensor want = Tensor.wrap(naive(t[0], t[1], t[2], true, FeatureMap.ELU_PLUS_ONE), s[0],
            s[1], s[3], s[6]);
        double atol = dt == DType.F64 ? 1e-12 : 2e-6;
        double rtol = dt == DType.F64 ? 1e-10 : 2e-5;
        String what = java.util.Arrays.toString(s) + " " + dt;
        FeatureMap phi = FeatureMap.ELU_PLUS_ONE;
        assertClose(want, LinearAttention.causalParallel(t[0], t[1], t[2], phi), atol, rtol,
            what + " parallel");
        for (int chunk : new int[] {1, 3, 4, 64}) {
          assertClose(want, LinearAttention.causalChunked(t[0], t[1], t[2], phi, chunk), atol,
              rtol, what + " chunked " + chunk);
        }
        assertClose(want, LinearAttention.causalRecurrent(t[0], t[1], t[2], phi), atol, rtol,
            what + " recurrent");
        assertClose(want, ScaledDotProductAttention.apply(t[0], t[1], t[2],
            AttentionOptions.defaults().causal(true).impl(AttentionImpl.LINEAR)), atol, rtol,
            what + " through the contract");
      }
    }
  }

  @Test void chunkedAgreesAtLength() {
    // many chunks, a ragged last one, GQA: the default chunked path against the quadratic form
    Rng rng = new Rng(3);
    Tensor[] t = qkv(rng, DType.F32, 1, 4, 2, 150, 150, 16, 16);
    assertClose(LinearAttention.causalParallel(t[0], t[1], t[2], FeatureMap.ELU_PLUS_ONE),
        LinearAttention.apply(t[0], t[1], t[2], true), 1e-5, 1e-4, "T=150");
  }

  /** Output and input gradients of sum(y ∘ upstream). */
  private static Tensor[] run(java.util.function.Function<Tensor[], Tensor> f, Tensor[] t,
      Tensor up) {
    Tensor[] in = {t[0].detach().requiresGrad(), t[1].detach().requiresGrad(),
        t[2].detach().requiresGrad()};
    Tensor y = f.apply(in);
    y.mul(up.to(y.dtype())).sum().backward();
    return new Tensor[] {y, in[0].grad(), in[1].grad(), in[2].grad()};
  }

  @Test void fusedKernelMatchesTheComposite() {
    Rng rng = new Rng(7);
    int[][] shapes = { // b, hq, hkv, tq, tk, d, dv, chunk
        {2, 4, 2, 13, 13, 4, 3, 4}, {1, 8, 1, 20, 20, 6, 6, 64}, {1, 2, 2, 5, 17, 4, 4, 2},
        {1, 2, 1, 17, 6, 4, 2, 3}, {1, 4, 4, 1, 9, 3, 3, 64}, {1, 4, 2, 70, 90, 16, 8, 16}};
    FeatureMap custom = x -> x.square().add(0.5);
    for (int[] s : shapes) {
      FeatureMap third = s[3] % 2 == 1 ? custom : FeatureMap.RELU; // relu or a custom map
      for (FeatureMap phi : new FeatureMap[] {FeatureMap.ELU_PLUS_ONE, third}) {
        for (boolean causal : new boolean[] {true, false}) {
          Tensor[] t = qkv(rng, DType.F32, s[0], s[1], s[2], s[3], s[4], s[5], s[6]);
          Tensor up = Tensor.randn(rng, s[0], s[1], s[3], s[6]);
          int chunk = s[7];
          Tensor[] t64 = {t[0].to(DType.F64), t[1].to(DType.F64), t[2].to(DType.F64)};
          Tensor[] want = run(in -> causal
              ? LinearAttention.causalChunkedComposite(in[0], in[1], in[2], phi, chunk)
              : LinearAttention.nonCausalComposite(in[0], in[1], in[2], phi), t64, up);
          Tensor[] got = run(in -> causal
              ? LinearAttention.causalChunked(in[0], in[1], in[2], phi, chunk)
              : LinearAttention.nonCausal(in[0], in[1], in[2], phi), t, up);
          String what = java.util.Arrays.toString(s) + " " + phi + (causal ? " causal" : "");
          String[] names = {"output", "dq", "dk", "dv"};
          for (int i = 0; i < 4; i++) {
            assertClose(want[i], got[i], 2e-5, 2e-4, what + " " + names[i]);
          }
        }
      }
    }
  }

  @Test void gradcheckF64() {
    Rng rng = new Rng(4);
    Tensor q = Tensor.randn(rng, DType.F64, 1, 4, 5, 3).requiresGrad();
    Tensor k = Tensor.randn(rng, DType.F64, 1, 2, 6, 3).requiresGrad();
    Tensor v = Tensor.randn(rng, DType.F64, 1, 2, 6, 2).requiresGrad();
    FeatureMap elu = FeatureMap.ELU_PLUS_ONE;
    GradCheck.assertGradientsMatch(in -> LinearAttention.nonCausal(in[0], in[1], in[2], elu),
        q, k, v);
    GradCheck.assertGradientsMatch(in -> LinearAttention.causalChunked(in[0], in[1], in[2], elu,
        2), q, k, v);
    GradCheck.assertGradientsMatch(in -> LinearAttention.causalRecurrent(in[0], in[1], in[2],
        elu), q, k, v);
    GradCheck.assertGradientsMatch(in -> LinearAttention.causalParallel(in[0], in[1], in[2],
        x -> x.square().add(0.1)), q, k, v);
  }

  @Test void stateDecodesStepByStep() {
    Rng rng = new Rng(5);
    Tensor[] t = qkv(rng, DType.F64, 2, 4, 2, 6, 6, 4, 3);
    LinearAttentionState state = new LinearAttentionState(FeatureMap.ELU_PLUS_ONE);
    Tensor full = LinearAttention.causalChunked(t[0], t[1], t[2], FeatureMap.ELU_PLUS_ONE, 4);
    for (int i = 0; i < 6; i++) {
      Tensor y = state.step(t[0].narrow(2, i, 1), t[1].narrow(2, i, 1), t[2].narrow(2, i, 1));
      assertClose(full.narrow(2, i, 1), y, 1e-12, 1e-10, "step " + i);
    }
    assertEquals(6, state.length());
    assertEquals(java.util.List.of(2, 2, 4, 3), java.util.List.of(state.s().size(0),
        state.s().size(1), state.s().size(2), state.s().size(3)));
    state.reset();
    assertEquals(0, state.length());
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> state.read(t[0]));
    assertTrue(e.getMessage().contains("no keys"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> state.step(t[0], t[1], t[2]));
  }

  @Test void optionsItCannotHonourAreRejected() {
    Rng rng = new Rng(6);
    Tensor[] t = qkv(rng, DType.F32, 1, 2, 2, 4, 4, 3, 3);
    AttentionOptions linear = AttentionOptions.defaults().impl(AttentionImpl.LINEAR);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScaledDotProductAttention.apply(t[0], t[1], t[2],
            linear.mask(Tensor.ones(DType.BOOL, 4, 4))));
    assertTrue(e.getMessage().contains("LINEAR supports no mask"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ScaledDotProductAttention.apply(t[0],
        t[1], t[2], linear.dropout(0.1, true, new Rng(0))));
    assertTrue(e.getMessage().contains("dropout"), e.getMessage());
    // dropout outside training is a no-op, as for the softmax implementations
    assertClose(LinearAttention.apply(t[0], t[1], t[2], false), ScaledDotProductAttention
        .apply(t[0], t[1], t[2], linear.dropout(0.1, false, new Rng(0))), 0, 0, "eval dropout");
    assertThrows(IllegalArgumentException.class,
        () -> LinearAttention.causalChunked(t[0], t[1], t[2], FeatureMap.RELU, 0));
  }

  @Test void docsExample() { // docs/attention.md, "LINEAR"
    Rng rng = new Rng(14);
    Tensor q = Tensor.randn(rng, 2, 8, 64, 32);
    Tensor k = Tensor.randn(rng, 2, 2, 64, 32);
    Tensor v = Tensor.randn(rng, 2, 2, 64, 32);
    Tensor y = LinearAttention.apply(q, k, v, true);                       // causal, elu+1, chunked
    Tensor r = LinearAttention.apply(q, k, v, false, x -> x.relu().square()); // custom φ
    var state = new LinearAttentionState(FeatureMap.ELU_PLUS_ONE);         // decoding
    try (var off = GradMode.disabled()) {
      for (int t = 0; t < 64; t++) {
        Tensor yt = state.step(q.narrow(2, t, 1), k.narrow(2, t, 1), v.narrow(2, t, 1));
        if (t % 21 == 0) {
          assertClose(y.narrow(2, t, 1), yt, 1e-5, 1e-4, "step " + t);
        }
      }
    }
    assertEquals(64, r.size(2));
  }

  @Test void eluPlusOneIsPositiveAndContinuous() {
    Tensor x = Tensor.of(new double[] {-30, -1, -1e-9, 0, 1e-9, 2}, 6);
    double[] y = FeatureMap.ELU_PLUS_ONE.apply(x).toDoubleArray();
    double[] want = {Math.exp(-30), Math.exp(-1), Math.exp(-1e-9), 1, 1 + 1e-9, 3};
    for (int i = 0; i < y.length; i++) {
      assertTrue(y[i] > 0);
      assertEquals(want[i], y[i], 1e-15);
    }
  }
}
