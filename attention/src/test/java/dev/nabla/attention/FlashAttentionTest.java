package dev.nabla.attention;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import dev.nabla.core.internal.kernel.Parallel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * FLASH against the REFERENCE oracle: outputs and the gradients of q, k and v across head
 * dimensions, lengths that are not multiples of the tile, Tq ≠ Tk, causal and masked attention,
 * GQA groups, fully masked rows; determinism across thread counts; F64 gradcheck; dropout.
 */
class FlashAttentionTest {

  enum MaskKind { NONE, BOOL, BOOL_PADDING, BOOL_ROWS, ADDITIVE, ADDITIVE_HEAD_KEYS, ADDITIVE_ROWS }

  /** One comparison: shapes, options and tile sizes (0 = the defaults). */
  record Case(String name, int b, int hq, int hkv, int tq, int tk, int d, int dv, boolean causal,
      MaskKind mask, int br, int bc) {
    @Override public String toString() {
      return name + " [B=" + b + ", Hq=" + hq + ", Hkv=" + hkv + ", Tq=" + tq + ", Tk=" + tk
          + ", D=" + d + ", Dv=" + dv + (causal ? ", causal" : "") + ", mask " + mask
          + (br > 0 ? ", tiles " + br + "x" + bc : "") + "]";
    }
  }

  private static Case c(String name, int b, int hq, int hkv, int tq, int tk, int d,
      boolean causal, MaskKind mask) {
    return new Case(name, b, hq, hkv, tq, tk, d, d, causal, mask, 0, 0);
  }

  static List<Case> cases() {
    List<Case> all = new ArrayList<>();
    // head dimensions, T not a multiple of the 128-row tile
    all.add(c("D16", 1, 2, 2, 150, 150, 16, false, MaskKind.NONE));
    all.add(c("D32 causal", 1, 2, 2, 150, 150, 32, true, MaskKind.NONE));
    all.add(c("D64 causal bool", 1, 2, 1, 200, 200, 64, true, MaskKind.BOOL));
    all.add(c("D80 additive", 1, 2, 2, 130, 140, 80, false, MaskKind.ADDITIVE));
    // GQA groups 1, 2, 4, 8
    for (int hkv : new int[] {8, 4, 2, 1}) {
      all.add(c("GQA group " + 8 / hkv, 1, 8, hkv, 40, 70, 16, hkv % 2 == 0, MaskKind.NONE));
    }
    // Tq ≠ Tk, both ways, causal (offset Tk − Tq; Tq > Tk leaves the first rows empty)
    all.add(c("decode Tq=1", 2, 4, 2, 1, 200, 32, true, MaskKind.NONE));
    all.add(c("chunk Tq<Tk", 1, 2, 2, 37, 150, 16, true, MaskKind.BOOL_PADDING));
    all.add(c("Tq>Tk causal", 1, 2, 2, 70, 40, 16, true, MaskKind.NONE));
    // masks in every broadcast layout
    all.add(c("padding mask", 2, 2, 2, 50, 60, 16, false, MaskKind.BOOL_PADDING));
    all.add(c("bool rows (some empty)", 2, 2, 1, 33, 45, 16, false, MaskKind.BOOL_ROWS));
    all.add(c("additive per head/key", 2, 4, 2, 33, 45, 16, true, MaskKind.ADDITIVE_HEAD_KEYS));
    all.add(c("additive per row", 1, 2, 2, 33, 45, 16, false, MaskKind.ADDITIVE_ROWS));
    all.add(new Case("Dv ≠ D", 1, 2, 1, 45, 45, 24, 8, true, MaskKind.BOOL, 0, 0));
    // small tiles: many tile edges, partial diagonal tiles, skipped tiles
    all.add(new Case("small tiles", 2, 4, 2, 37, 53, 16, 16, true, MaskKind.BOOL, 16, 8));
    all.add(new Case("small tiles Tq>Tk", 1, 2, 1, 29, 17, 8, 8, true, MaskKind.ADDITIVE, 5, 7));
    all.add(new Case("small tiles non-causal", 1, 3, 3, 31, 31, 8, 8, false, MaskKind.BOOL, 4,
        16));
    return all;
  }

  static Tensor mask(MaskKind kind, Rng rng, int b, int hq, int tq, int tk) {
    return switch (kind) {
      case NONE -> null;
      case BOOL -> Tensor.rand(rng, tq, tk).gt(0.3);
      case BOOL_PADDING -> {
        boolean[] keep = new boolean[b * tk];
        for (int i = 0; i < b; i++) {
          for (int j = 0; j < tk; j++) {
            keep[i * tk + j] = j < tk - 3 * i; // batch i pads its last 3·i keys
          }
        }
        yield Tensor.of(keep, b, 1, 1, tk);
      }
      case BOOL_ROWS -> {
        Tensor m = Tensor.rand(rng, b, 1, tq, 1).gt(0.25); // whole rows masked: empty rows
        yield m;
      }
      case ADDITIVE -> Tensor.randn(rng, b, hq, tq, tk).mul(2);
      case ADDITIVE_HEAD_KEYS -> Tensor.randn(rng, 1, hq, 1, tk).mul(2);
      case ADDITIVE_ROWS -> Tensor.randn(rng, tq, 1).mul(3);
    };
  }

  private static AttentionOptions options(Case c, Tensor mask) {
    return AttentionOptions.defaults().causal(c.causal()).mask(mask);
  }

  private static Tensor flash(Case c, Tensor q, Tensor k, Tensor v, Tensor mask) {
    if (c.br() == 0) {
      return ScaledDotProductAttention.apply(q, k, v, options(c, mask).impl(AttentionImpl.FLASH));
    }
    return new FlashAttention(c.br(), c.bc(), mask, c.causal(), 1 / Math.sqrt(c.d()), 0, 0)
        .apply(q, k, v);
  }

  /** Output and input gradients of sum(y ∘ upstream). */
  private static Tensor[] run(java.util.function.Function<Tensor[], Tensor> f, Tensor q, Tensor k,
      Tensor v, Tensor up) {
    Tensor[] in = {q.detach().requiresGrad(), k.detach().requiresGrad(),
        v.detach().requiresGrad()};
    Tensor y = f.apply(in);
    y.mul(up.to(y.dtype())).sum().backward();
    return new Tensor[] {y, in[0].grad(), in[1].grad(), in[2].grad()};
  }

  @TestFactory Stream<DynamicTest> flashEqualsReference() {
    return cases().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
      Rng rng = new Rng(c.hashCode());
      Tensor q = Tensor.randn(rng, c.b(), c.hq(), c.tq(), c.d());
      Tensor k = Tensor.randn(rng, c.b(), c.hkv(), c.tk(), c.d());
      Tensor v = Tensor.randn(rng, c.b(), c.hkv(), c.tk(), c.dv());
      Tensor up = Tensor.randn(rng, c.b(), c.hq(), c.tq(), c.dv());
      Tensor m = mask(c.mask(), rng, c.b(), c.hq(), c.tq(), c.tk());
      // the oracle in F64, flash in F32
      Tensor m64 = m == null || m.dtype() == DType.BOOL ? m : m.to(DType.F64);
      Tensor[] want = run(in -> ScaledDotProductAttention.apply(in[0], in[1], in[2],
          options(c, m64).impl(AttentionImpl.REFERENCE)), q.to(DType.F64), k.to(DType.F64),
          v.to(DType.F64), up);
      Tensor[] got = run(in -> flash(c, in[0], in[1], in[2], m), q, k, v, up);
      String[] names = {"output", "dq", "dk", "dv"};
      for (int i = 0; i < 4; i++) {
        assertClose(want[i], got[i], 3e-5, 1e-4, c + " " + names[i]);
      }
      // and flash in F64 agrees with the oracle to rounding
      Tensor[] got64 = run(in -> flash(c, in[0], in[1], in[2], m64), q.to(DType.F64),
          k.to(DType.F64), v.to(DType.F64), up);
      for (int i = 0; i < 4; i++) {
        assertClose(want[i], got64[i], 1e-11, 1e-9, c + " F64 " + names[i]);
      }
    }));
  }

  @Test void stridedViewsAreReadInPlace() {
    // a KV-cache view (a prefix of a longer buffer) and heads transposed out of [B, T, H, D]
    Rng rng = new Rng(4);
    Tensor cache = Tensor.randn(rng, 2, 2, 300, 16);
    Tensor vcache = Tensor.randn(rng, 2, 2, 300, 16);
    Tensor qt = Tensor.randn(rng, 2, 140, 4, 16);               // [B, T, H, D]
    Tensor up = Tensor.randn(rng, 2, 4, 140, 16);
    AttentionOptions o = AttentionOptions.defaults().causal(true).impl(AttentionImpl.FLASH);
    Tensor[] want = run(in -> ScaledDotProductAttention.apply(in[0].contiguous(),
        in[1].contiguous(), in[2].contiguous(), o), qt.transpose(1, 2), cache.narrow(2, 0, 150),
        vcache.narrow(2, 0, 150), up);
    Tensor[] got = run(in -> ScaledDotProductAttention.apply(in[0].transpose(1, 2),
        in[1].narrow(2, 0, 150), in[2].narrow(2, 0, 150), o), qt, cache, vcache, up);
    assertArrayEquals(want[0].toFloatArray(), got[0].toFloatArray(), "output");
    assertArrayEquals(want[1].transpose(1, 2).contiguous().toFloatArray(),
        got[1].toFloatArray(), "dq");
    assertArrayEquals(want[2].toFloatArray(), got[2].narrow(2, 0, 150).toFloatArray(), "dk");
    assertEquals(0.0, got[2].narrow(2, 150, 150).abs().sum().item(), "no gradient past the view");
    // the last dimension strided (transposed D and T) is copied first, with the same result
    Tensor kt = cache.narrow(2, 0, 16).transpose(2, 3);         // [2, 2, 16, 16], D strided
    Tensor y1 = ScaledDotProductAttention.apply(qt.transpose(1, 2).narrow(2, 0, 16), kt, kt, o);
    Tensor y2 = ScaledDotProductAttention.apply(qt.transpose(1, 2).narrow(2, 0, 16).contiguous(),
        kt.contiguous(), kt.contiguous(), o);
    assertArrayEquals(y2.toFloatArray(), y1.toFloatArray(), "strided last dimension");
  }

  @Test void fullyMaskedRowsGiveZeroOutputAndGradient() {
    Rng rng = new Rng(3);
    int tq = 9;
    int tk = 11;
    Tensor q = Tensor.randn(rng, 1, 2, tq, 8);
    Tensor k = Tensor.randn(rng, 1, 2, tk, 8);
    Tensor v = Tensor.randn(rng, 1, 2, tk, 8);
    boolean[] allowed = new boolean[tq * tk];
    Arrays.fill(allowed, true);
    Arrays.fill(allowed, 4 * tk, 5 * tk, false); // row 4 attends to nothing
    Tensor mask = Tensor.of(allowed, tq, tk);
    Tensor[] got = run(in -> ScaledDotProductAttention.apply(in[0], in[1], in[2],
        AttentionOptions.defaults().mask(mask).impl(AttentionImpl.FLASH)), q, k, v,
        Tensor.ones(1, 2, tq, 8));
    for (Tensor t : got) {
      for (float x : t.toFloatArray()) {
        assertFalse(Float.isNaN(x), "NaN in flash output or gradient");
      }
    }
    for (int h = 0; h < 2; h++) {
      for (int e = 0; e < 8; e++) {
        assertEquals(0.0, got[0].getDouble(0, h, 4, e), "output of the empty row");
        assertEquals(0.0, got[1].getDouble(0, h, 4, e), "dq of the empty row");
      }
    }
    // an additive −∞ row is empty too (the reference would give NaN there)
    Tensor additive = Tensor.zeros(tq, tk).maskedFill(mask.logicalNot(), Double.NEGATIVE_INFINITY);
    Tensor y = ScaledDotProductAttention.apply(q, k, v,
        AttentionOptions.defaults().mask(additive).impl(AttentionImpl.FLASH));
    assertClose(got[0], y, 1e-6, 1e-5, "additive −∞ row");
  }

  @Test void causalTilesAboveTheDiagonalAreSkippedNotMasked() {
    // keys and values of the second key tile are NaN: masking them would give 0·NaN = NaN in
    // the first query tile; skipping never reads them
    Rng rng = new Rng(5);
    int t = 32;
    Tensor q = Tensor.randn(rng, DType.F64, 1, 1, t, 4);
    double[] kd = Tensor.randn(rng, DType.F64, 1, 1, t, 4).toDoubleArray();
    double[] vd = Tensor.randn(rng, DType.F64, 1, 1, t, 4).toDoubleArray();
    Arrays.fill(kd, 16 * 4, t * 4, Double.NaN);
    Arrays.fill(vd, 16 * 4, t * 4, Double.NaN);
    Tensor k = Tensor.wrap(kd, 1, 1, t, 4);
    Tensor v = Tensor.wrap(vd, 1, 1, t, 4);
    for (DType dt : new DType[] {DType.F64, DType.F32}) {
      Tensor y = new FlashAttention(16, 16, null, true, 0.5, 0, 0)
          .apply(q.to(dt), k.to(dt), v.to(dt));
      for (int i = 0; i < 16; i++) {
        for (int e = 0; e < 4; e++) {
          assertFalse(Double.isNaN(y.getDouble(0, 0, i, e)), dt + ": row " + i + " read a key"
              + " tile above the diagonal");
        }
      }
      assertTrue(Double.isNaN(y.getDouble(0, 0, 20, 0)), "row 20 does see the NaN keys");
    }
  }

  @Test void bitwiseIdenticalAtAnyThreadCount() {
    Rng rng = new Rng(11);
    int b = 2;
    int tq = 140; // two query tiles of 128, the last partial
    int tk = 150;
    Tensor q = Tensor.randn(rng, b, 4, tq, 16);
    Tensor k = Tensor.randn(rng, b, 2, tk, 16);
    Tensor v = Tensor.randn(rng, b, 2, tk, 16);
    Tensor up = Tensor.randn(rng, b, 4, tq, 16);
    Tensor mask = Tensor.rand(rng, tq, tk).gt(0.1);
    List<float[][]> results = new ArrayList<>();
    for (int threads : new int[] {1, 2, 3}) {
      results.add(Parallel.withThreads(threads, () -> {
        Tensor[] r = run(in -> ScaledDotProductAttention.apply(in[0], in[1], in[2],
            AttentionOptions.defaults().causal(true).mask(mask)
                .dropout(0.1, true, new Rng(99)).impl(AttentionImpl.FLASH)), q, k, v, up);
        float[][] flat = new float[4][];
        for (int i = 0; i < 4; i++) {
          flat[i] = r[i].toFloatArray();
        }
        return flat;
      }));
    }
    for (int t = 1; t < results.size(); t++) {
      for (int i = 0; i < 4; i++) {
        assertArrayEquals(results.get(0)[i], results.get(t)[i],
            "tensor " + i + " differs between 1 and " + (t + 1) + " threads");
      }
    }
  }

  @Test void gradcheckF64() {
    Rng rng = new Rng(7);
    Tensor q = Tensor.randn(rng, DType.F64, 1, 4, 5, 3).requiresGrad();
    Tensor k = Tensor.randn(rng, DType.F64, 1, 2, 7, 3).requiresGrad();
    Tensor v = Tensor.randn(rng, DType.F64, 1, 2, 7, 2).requiresGrad();
    Tensor bool = Tensor.rand(rng, 5, 7).gt(0.2);
    Tensor additive = Tensor.randn(rng, DType.F64, 1, 4, 1, 7);
    GradCheck.assertGradientsMatch(in -> new FlashAttention(2, 3, bool, true, 0.7, 0, 0)
        .apply(in[0], in[1], in[2]), q, k, v);
    GradCheck.assertGradientsMatch(in -> new FlashAttention(3, 2, additive, false, 0.5, 0, 0)
        .apply(in[0], in[1], in[2]), q, k, v);
    GradCheck.assertGradientsMatch(in -> new FlashAttention(4, 4, null, false, 0.5, 0.3, 1234)
        .apply(in[0], in[1], in[2]), q, k, v);
    GradCheck.assertGradientsMatch(in -> ScaledDotProductAttention.apply(in[0], in[1], in[2],
        AttentionOptions.defaults().causal(true).impl(AttentionImpl.FLASH)), q, k, v);
  }

  @Test void dropoutIsSoftmaxTimesTheHashedMask() {
    Rng rng = new Rng(8);
    int tq = 6;
    int tk = 9;
    double p = 0.4;
    long seed = 42;
    Tensor q = Tensor.randn(rng, DType.F64, 2, 2, tq, 4);
    Tensor k = Tensor.randn(rng, DType.F64, 2, 1, tk, 4);
    Tensor v = Tensor.randn(rng, DType.F64, 2, 1, tk, 4);
    Tensor up = Tensor.randn(rng, DType.F64, 2, 2, tq, 4);
    Tensor z = FlashAttention.dropoutMultipliers(seed, p, 2, 2, tq, tk);
    Tensor[] want = run(in -> {
      Tensor kk = Tensor.cat(1, in[1], in[1]);
      Tensor vv = Tensor.cat(1, in[2], in[2]);
      Tensor w = in[0].matmul(kk.transpose(-1, -2)).mul(0.5).softmax(-1);
      return w.mul(z).matmul(vv);
    }, q, k, v, up);
    Tensor[] got = run(in -> new FlashAttention(4, 4, null, false, 0.5, p, seed)
        .apply(in[0], in[1], in[2]), q, k, v, up);
    for (int i = 0; i < 4; i++) {
      assertClose(want[i], got[i], 1e-12, 1e-10, "dropout tensor " + i);
    }
    // the keep rate
    Tensor big = FlashAttention.dropoutMultipliers(7, 0.25, 1, 4, 100, 100);
    double kept = big.gt(0).to(DType.F64).mean().item();
    assertEquals(0.75, kept, 0.02, "keep rate");
    assertEquals(1 / 0.75, big.max().item(), 1e-12, "kept weights are scaled by 1/(1 − p)");
  }

  @Test void dropoutOnlyInTrainingAndReproducibleWithTheGenerator() {
    Rng rng = new Rng(9);
    Tensor q = Tensor.randn(rng, 1, 2, 20, 8);
    Tensor k = Tensor.randn(rng, 1, 2, 20, 8);
    Tensor v = Tensor.randn(rng, 1, 2, 20, 8);
    AttentionOptions base = AttentionOptions.defaults().impl(AttentionImpl.FLASH);
    Tensor plain = ScaledDotProductAttention.apply(q, k, v, base);
    Tensor eval = ScaledDotProductAttention.apply(q, k, v, base.dropout(0.5, false, new Rng(1)));
    assertArrayEquals(plain.toFloatArray(), eval.toFloatArray(), "dropout outside training");
    Tensor a = ScaledDotProductAttention.apply(q, k, v, base.dropout(0.5, true, new Rng(1)));
    Tensor b = ScaledDotProductAttention.apply(q, k, v, base.dropout(0.5, true, new Rng(1)));
    Tensor c = ScaledDotProductAttention.apply(q, k, v, base.dropout(0.5, true, new Rng(2)));
    assertArrayEquals(a.toFloatArray(), b.toFloatArray(), "same generator, same mask");
    assertFalse(Arrays.equals(a.toFloatArray(), c.toFloatArray()), "another seed, another mask");
  }

  @Test void autoChoosesFlash() {
    Rng rng = new Rng(10);
    Tensor q = Tensor.randn(rng, 1, 4, 30, 16);
    Tensor k = Tensor.randn(rng, 1, 2, 30, 16);
    Tensor v = Tensor.randn(rng, 1, 2, 30, 16);
    AttentionOptions o = AttentionOptions.defaults().causal(true);
    assertSame(AttentionImpl.FLASH, ScaledDotProductAttention.choose(o));
    assertArrayEquals(ScaledDotProductAttention.apply(q, k, v, o.impl(AttentionImpl.FLASH))
        .toFloatArray(), ScaledDotProductAttention.apply(q, k, v, o).toFloatArray());
    // a learned additive bias needs its gradient: only the reference gives it
    Tensor bias = Tensor.randn(rng, 1, 4, 30, 30).requiresGrad();
    assertSame(AttentionImpl.REFERENCE, ScaledDotProductAttention.choose(o.mask(bias)));
    ScaledDotProductAttention.apply(q, k, v, o.mask(bias)).sum().backward();
    assertNotNull(bias.grad());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ScaledDotProductAttention.apply(q, k, v, o.mask(bias).impl(AttentionImpl.FLASH)));
    assertTrue(e.getMessage().contains("REFERENCE"), e.getMessage());
  }

  @Test void docsExample() { // docs/attention.md, "Scaled dot-product attention"
    Rng rng = new Rng(13);
    Tensor q = Tensor.randn(rng, 2, 8, 256, 64);                  // [B, Hq, Tq, D]
    Tensor k = Tensor.randn(rng, 2, 2, 256, 64);                  // [B, Hkv, Tk, D]
    Tensor v = Tensor.randn(rng, 2, 2, 256, 64);
    Tensor y = ScaledDotProductAttention.apply(q, k, v,
        AttentionOptions.defaults().causal(true));                // AUTO: runs FLASH
    Tensor keep = Tensor.ones(DType.BOOL, 2, 1, 1, 256);          // key padding, true = attend
    Tensor z = ScaledDotProductAttention.apply(q, k, v, AttentionOptions.defaults()
        .mask(keep).dropout(0.1, true, rng).impl(AttentionImpl.FLASH));
    assertArrayEquals(new int[] {2, 8, 256, 64}, y.shape().toArray());
    assertArrayEquals(new int[] {2, 8, 256, 64}, z.shape().toArray());
  }

  @Test void badShapesAreRejectedBeforeFlash() {
    Rng rng = new Rng(12);
    Tensor q = Tensor.randn(rng, 1, 3, 5, 8);
    Tensor k = Tensor.randn(rng, 1, 2, 5, 8);
    AttentionOptions flash = AttentionOptions.defaults().impl(AttentionImpl.FLASH);
    Exception e = assertThrows(IllegalArgumentException.class,
        () -> ScaledDotProductAttention.apply(q, k, k, flash));
    assertTrue(e.getMessage().contains("multiple"), e.getMessage());
    Tensor q2 = Tensor.randn(rng, 1, 2, 5, 8);
    e = assertThrows(IllegalArgumentException.class, () -> ScaledDotProductAttention.apply(q2, k,
        k, flash.mask(Tensor.ones(DType.BOOL, 4, 5))));
    assertTrue(e.getMessage().contains("mask"), e.getMessage());
  }

  /** |want − got| ≤ atol + rtol·|want| everywhere; the message shows the worst element. */
  static void assertClose(Tensor want, Tensor got, double atol, double rtol, String what) {
    assertNotNull(got, what + ": missing");
    assertArrayEquals(want.shape().toArray(), got.shape().toArray(), what + ": shape");
    double[] w = want.toDoubleArray();
    double[] g = got.toDoubleArray();
    int worst = -1;
    double worstExcess = 0;
    double maxDiff = 0;
    for (int i = 0; i < w.length; i++) {
      double diff = Math.abs(w[i] - g[i]);
      double excess = diff - (atol + rtol * Math.abs(w[i]));
      if (Double.isNaN(g[i]) != Double.isNaN(w[i]) || excess > worstExcess) {
        worstExcess = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
        worst = i;
      }
      if (!Double.isNaN(diff)) {
        maxDiff = Math.max(maxDiff, diff);
      }
    }
    if (worst >= 0) {
      fail(what + ": element " + worst + " expected " + w[worst] + " got " + g[worst]
          + " (max |diff| " + maxDiff + "); first values expected "
          + Arrays.toString(Arrays.copyOf(w, Math.min(4, w.length))) + " got "
          + Arrays.toString(Arrays.copyOf(g, Math.min(4, g.length))));
    }
  }
}
