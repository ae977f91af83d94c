package dev.nabla.attention;

import static dev.nabla.attention.AttentionTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.attention.RotaryEmbedding.Pairing;
import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradCheck;
import dev.nabla.core.autograd.GradMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MultiHeadAttentionTest {

  /**
   * Attention written out per query head with plain ops from the layer's weights: head h reads
   * key/value head h / (H / Hkv); causal keys j ≤ i + (Tk − Tq); {@code allowed [B, Tq, Tk]}.
   */
  static Tensor naive(MultiHeadAttention m, Tensor x, Tensor src, boolean causal,
      Tensor allowed) {
    Map<String, Tensor> w = m.stateDict();
    int h = m.numHeads();
    int hkv = m.numKvHeads();
    int d = m.headDim();
    Tensor q = linear(x, w.get("q_proj.weight"), w.get("q_proj.bias"));
    Tensor k = linear(src, w.get("k_proj.weight"), w.get("k_proj.bias"));
    Tensor v = linear(src, w.get("v_proj.weight"), w.get("v_proj.bias"));
    int b = x.size(0);
    int tq = x.size(1);
    int tk = src.size(1);
    List<Tensor> batches = new ArrayList<>();
    for (int bi = 0; bi < b; bi++) {
      List<Tensor> heads = new ArrayList<>();
      for (int hi = 0; hi < h; hi++) {
        int kv = hi / (h / hkv);
        Tensor qh = q.select(0, bi).narrow(1, hi * d, d);           // [Tq, D]
        Tensor kh = k.select(0, bi).narrow(1, kv * d, d);           // [Tk, D]
        Tensor vh = v.select(0, bi).narrow(1, kv * d, d);
        if (m.rotaryEmbedding() != null) {
          qh = m.rotaryEmbedding().apply(qh, tk - tq);
          kh = m.rotaryEmbedding().apply(kh, 0);
        }
        double[] s = qh.matmul(kh.t()).div(Math.sqrt(d)).toDoubleArray();
        for (int i = 0; i < tq; i++) {
          for (int j = 0; j < tk; j++) {
            boolean ok = (!causal || j <= i + tk - tq)
                && (allowed == null || allowed.getDouble(bi, i, j) != 0);
            if (!ok) {
              s[i * tk + j] = Double.NEGATIVE_INFINITY;
            }
          }
        }
        Tensor p = Tensor.of(s, tq, tk).to(x.dtype()).softmax(-1);
        heads.add(p.matmul(vh));
      }
      batches.add(Tensor.cat(1, heads.toArray(new Tensor[0])));
    }
    return linear(Tensor.stack(batches, 0), w.get("o_proj.weight"), w.get("o_proj.bias"));
  }

  private static Tensor linear(Tensor x, Tensor w, Tensor b) {
    Tensor y = x.matmul(w.t());
    return b == null ? y : y.add(b);
  }

  private static MultiHeadAttention layer(int d, int h, int hkv, MultiHeadAttention.Options o,
      long seed) {
    MultiHeadAttention m = new MultiHeadAttention(d, h, hkv, o, new Rng(seed));
    // torch's init zeroes biases; make them non-zero so they are tested
    try (var off = GradMode.disabled()) {
      m.namedParameters().forEach((name, p) -> {
        if (name.endsWith("bias")) {
          p.copyFrom(Tensor.randn(new Rng(seed + name.hashCode()), p.shape().toArray()));
        }
      });
    }
    return m;
  }

  @Test void mhaGqaMqaFromOneClass() {
    Rng rng = new Rng(0);
    Tensor x = Tensor.randn(rng, DType.F64, 2, 5, 16);
    for (int hkv : new int[] {4, 2, 1}) {
      MultiHeadAttention m = layer(16, 4, hkv, MultiHeadAttention.options(), 10 + hkv);
      m.to(DType.F64);
      assertEquals(hkv == 4 ? "MHA" : hkv == 1 ? "MQA" : "GQA", m.variant());
      assertEquals(List.of(hkv * 4, 16), List.of(m.stateDict().get("k_proj.weight").size(0),
          m.stateDict().get("k_proj.weight").size(1)));
      assertClose(naive(m, x, x, false, null), m.forward(x, null), 1e-12, m.variant());
      MultiHeadAttention c = layer(16, 4, hkv, MultiHeadAttention.options().causal(true), 10);
      c.to(DType.F64);
      assertClose(naive(c, x, x, true, null), c.forward(x), 1e-12, m.variant() + " causal");
    }
  }

  @Test void gqaEqualsMhaWithRepeatedKvHeads() {
    MultiHeadAttention gqa = layer(16, 4, 2, MultiHeadAttention.options(), 1);
    gqa.to(DType.F64);
    MultiHeadAttention mha = new MultiHeadAttention(16, 4, 4, new Rng(2));
    mha.to(DType.F64);
    Map<String, Tensor> s = new LinkedHashMap<>(gqa.stateDict());
    for (String p : new String[] {"k_proj", "v_proj"}) {
      Tensor w = s.get(p + ".weight");     // [2·4, 16]: kv head j = rows 4j … 4j+3
      Tensor b = s.get(p + ".bias");
      Tensor idx = Tensor.of(new long[] {0, 1, 2, 3, 0, 1, 2, 3, 4, 5, 6, 7, 4, 5, 6, 7}, 16);
      s.put(p + ".weight", w.indexSelect(0, idx));
      s.put(p + ".bias", b.indexSelect(0, idx));
    }
    mha.loadStateDict(s, true);
    Tensor x = Tensor.randn(new Rng(3), DType.F64, 2, 6, 16);
    assertClose(mha.forward(x), gqa.forward(x), 1e-12, "query heads 2j, 2j+1 share kv head j");
  }

  @Test void cachedDecodingEqualsFullCausalForward() {
    var base = MultiHeadAttention.options().causal(true);
    Object[][] cases = {
        {4, base},
        {2, base.rope(RotaryEmbedding.config(4).pairing(Pairing.HALF))},
        {1, base.rope(RotaryEmbedding.config(4).pairing(Pairing.INTERLEAVED)).bias(false)},
    };
    for (Object[] c : cases) {
      for (DType dtype : new DType[] {DType.F64, DType.F32}) {
        MultiHeadAttention m = layer(16, 4, (int) c[0], (MultiHeadAttention.Options) c[1], 5);
        m.to(dtype);
        Tensor x = Tensor.randn(new Rng(6), dtype, 2, 7, 16);
        try (var off = GradMode.disabled()) {
          Tensor full = m.forward(x);
          KVCache cache = m.newCache(3, 16);
          List<Tensor> steps = new ArrayList<>();
          steps.add(m.forward(x.narrow(1, 0, 3), cache, null));        // prefill 3
          for (int t = 3; t < 7; t++) {
            steps.add(m.forward(x.narrow(1, t, 1), cache, null));      // then one at a time
          }
          assertEquals(7, cache.length());
          assertClose(full, Tensor.cat(1, steps.toArray(new Tensor[0])),
              dtype == DType.F64 ? 1e-12 : 1e-5, m.variant() + " " + dtype + " decoding");
        }
      }
    }
  }

  @Test void crossAttention() {
    MultiHeadAttention m = layer(8, 2, 2, MultiHeadAttention.options().crossAttentionDim(6), 7);
    m.to(DType.F64);
    Rng rng = new Rng(8);
    Tensor q = Tensor.randn(rng, DType.F64, 2, 3, 8);
    Tensor ctx = Tensor.randn(rng, DType.F64, 2, 5, 6);
    assertEquals(List.of(8, 6), List.of(m.stateDict().get("k_proj.weight").size(0),
        m.stateDict().get("k_proj.weight").size(1)));
    assertClose(naive(m, q, ctx, false, null), m.forward(q, ctx, null), 1e-12, "cross");
    // key padding: the second context has 3 real tokens
    Tensor keep = Tensor.of(new boolean[] {true, true, true, true, true,
        true, true, true, false, false}, 2, 5);
    Tensor allowed = keep.unsqueeze(1).expand(2, 3, 5);
    assertClose(naive(m, q, ctx, false, allowed),
        m.forward(q, ctx, MultiHeadAttention.keyPaddingMask(keep)), 1e-12, "cross, padded");
    assertClose(naive(m, q, ctx, false, allowed), m.forward(q, ctx, allowed), 1e-12,
        "cross, [B, Tq, Tk] mask");
  }

  @Test void boolAndAdditiveMasksAgree() {
    MultiHeadAttention m = layer(8, 2, 1, MultiHeadAttention.options(), 9);
    m.to(DType.F64);
    Tensor x = Tensor.randn(new Rng(10), DType.F64, 2, 4, 8);
    Tensor allowed = Tensor.ones(DType.BOOL, 4, 4).tril(0);
    Tensor additive = Tensor.zeros(DType.F32, 4, 4).maskedFill(allowed.logicalNot(),
        Double.NEGATIVE_INFINITY);
    MultiHeadAttention c = layer(8, 2, 1, MultiHeadAttention.options().causal(true), 9);
    c.to(DType.F64);
    Tensor causal = c.forward(x);
    assertClose(causal, m.forward(x, allowed), 1e-12, "BOOL [Tq, Tk]");
    assertClose(causal, m.forward(x, additive), 1e-12, "additive F32 mask on an F64 layer");
    assertClose(causal, m.forward(x, allowed.reshape(1, 1, 4, 4)), 1e-12, "4-D");
  }

  @Test void parameterNamesAndShapes() {
    var gqa = new MultiHeadAttention(32, 8, 2,
        MultiHeadAttention.options().bias(true).outputBias(false), new Rng(0));
    Map<String, List<Integer>> shapes = new LinkedHashMap<>();
    gqa.stateDict().forEach((k, v) -> shapes.put(k, List.of(v.size(0),
        v.dim() > 1 ? v.size(1) : -1)));
    assertEquals(Map.of("q_proj.weight", List.of(32, 32), "q_proj.bias", List.of(32, -1),
        "k_proj.weight", List.of(8, 32), "k_proj.bias", List.of(8, -1),
        "v_proj.weight", List.of(8, 32), "v_proj.bias", List.of(8, -1),
        "o_proj.weight", List.of(32, 32)), shapes);
    assertEquals(List.of("q_proj.weight", "q_proj.bias", "k_proj.weight", "k_proj.bias",
        "v_proj.weight", "v_proj.bias", "o_proj.weight"), List.copyOf(shapes.keySet()));

    var packed = new MultiHeadAttention(32, 4, 4,
        MultiHeadAttention.options().packedInProjection(true), new Rng(0));
    assertEquals(List.of("in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"),
        List.copyOf(packed.stateDict().keySet()));
    var explicit = new MultiHeadAttention(10, 4, 2, MultiHeadAttention.options().headDim(3)
        .bias(false), new Rng(0));
    assertEquals(12, explicit.stateDict().get("q_proj.weight").size(0));
    assertEquals(6, explicit.stateDict().get("k_proj.weight").size(0));
    assertEquals(12, explicit.stateDict().get("o_proj.weight").size(1));
    assertEquals(3, explicit.forward(Tensor.zeros(1, 3, 10)).size(1));
  }

  @Test void torchInit() {
    var m = new MultiHeadAttention(256, 8, 8,
        MultiHeadAttention.options().packedInProjection(true), new Rng(0));
    Map<String, Tensor> s = m.stateDict();
    double a = Math.sqrt(6.0 / (256 + 768));
    assertTrue(s.get("in_proj_weight").abs().max().item() <= a);
    assertTrue(s.get("in_proj_weight").abs().max().item() > 0.95 * a);
    assertEquals(0, s.get("in_proj_bias").abs().max().item());
    assertEquals(0, s.get("out_proj.bias").abs().max().item());
    assertTrue(s.get("out_proj.weight").abs().max().item() <= 1 / 16.0);
    assertTrue(s.get("out_proj.weight").abs().max().item() > 0.95 / 16.0);
  }

  @Test void dropoutOnlyInTraining() {
    var m = new MultiHeadAttention(8, 2, 2, MultiHeadAttention.options().dropout(0.5),
        new Rng(1));
    var plain = new MultiHeadAttention(8, 2, 2, new Rng(1));
    plain.loadStateDict(m.stateDict(), true);
    Tensor x = Tensor.randn(new Rng(2), 2, 4, 8);
    assertTrue(m.isTraining());
    Tensor trained = m.forward(x);
    assertFalse(trained.sub(plain.forward(x)).abs().max().item() < 1e-6, "dropout active");
    m.eval();
    assertClose(plain.forward(x), m.forward(x), 0, "eval: no dropout");
  }

  @Test void gradientsF64() {
    Rng rng = new Rng(11);
    var gqa = layer(8, 4, 2, MultiHeadAttention.options().causal(true)
        .rope(RotaryEmbedding.config(2).pairing(Pairing.HALF)), 12);
    gqa.to(DType.F64);
    Tensor x = Tensor.randn(rng, DType.F64, 2, 3, 8).requiresGrad();
    Tensor wq = gqa.stateDict().get("q_proj.weight");
    Tensor bk = gqa.stateDict().get("k_proj.bias");
    Tensor wv = gqa.stateDict().get("v_proj.weight");
    GradCheck.assertGradientsMatch(in -> gqa.forward(in[0]), x, wq, bk, wv);

    var packed = layer(8, 2, 2, MultiHeadAttention.options().packedInProjection(true), 13);
    packed.to(DType.F64);
    Tensor mask = Tensor.of(new boolean[] {true, false, true, true, true, false, true, true,
        true}, 3, 3);
    Tensor w = packed.stateDict().get("in_proj_weight");
    GradCheck.assertGradientsMatch(in -> packed.forward(in[0], mask), x, w);

    var cross = layer(8, 2, 1, MultiHeadAttention.options().crossAttentionDim(4), 14);
    cross.to(DType.F64);
    Tensor src = Tensor.randn(rng, DType.F64, 2, 4, 4).requiresGrad();
    GradCheck.assertGradientsMatch(in -> cross.forward(in[0], in[1], null), x, src);
  }

  @Test void badInput() {
    var e = assertThrows(IllegalArgumentException.class,
        () -> new MultiHeadAttention(100, 8, 8, new Rng(0)));
    assertEquals("MultiHeadAttention(d=100, heads=8, kvHeads=8): dModel (100) must be divisible"
        + " by numHeads (8), or set headDim explicitly", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> new MultiHeadAttention(256, 8, 3, new Rng(0)));
    assertEquals("MultiHeadAttention(d=256, heads=8, kvHeads=3): numKvHeads (3) must divide"
        + " numHeads (8)", e.getMessage());
    var m = new MultiHeadAttention(256, 8, 2, new Rng(0));
    e = assertThrows(IllegalArgumentException.class, () -> m.forward(Tensor.zeros(4, 10, 128)));
    assertEquals("MultiHeadAttention(d=256, heads=8, kvHeads=2): expected input [B, T, 256],"
        + " got [4, 10, 128]", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> m.forward(Tensor.zeros(2, 10, 256), Tensor.ones(DType.BOOL, 10, 9)));
    assertEquals("MultiHeadAttention(d=256, heads=8, kvHeads=2): mask of shape [10, 9] does not"
        + " fit [Tq, Tk], [B, Tq, Tk] or [B, heads, Tq, Tk] = [2, 8, 10, 10]", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> m.forward(Tensor.zeros(2, 10, 256), new KVCache(2, 8, 16, 32), null));
    assertTrue(e.getMessage().contains("does not match 2 key/value heads of dimension 32"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention(16, 4, 2,
        MultiHeadAttention.options().packedInProjection(true), new Rng(0)));
    assertTrue(e.getMessage().contains("packedInProjection (PyTorch's layout) needs"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> new MultiHeadAttention(16, 4, 2,
        MultiHeadAttention.options().rope(RotaryEmbedding.config(8)), new Rng(0)));
    assertTrue(e.getMessage().contains("rotary dimension (8) exceeds the head dimension (4)"),
        e.getMessage());
    var cross = new MultiHeadAttention(16, 4, 2, new Rng(0));
    e = assertThrows(IllegalArgumentException.class,
        () -> cross.forward(Tensor.zeros(2, 3, 16), Tensor.zeros(2, 5, 8), null));
    assertEquals("MultiHeadAttention(d=16, heads=4, kvHeads=2): expected key/value source"
        + " [B, T, 16], got [2, 5, 8]", e.getMessage());
    KVCache small = cross.newCache(1, 4);
    cross.forward(Tensor.zeros(1, 3, 16), small, null);
    var full = assertThrows(IllegalStateException.class,
        () -> cross.forward(Tensor.zeros(1, 2, 16), small, null));
    assertEquals("KVCache: cannot append 2 positions at length 3 of 4", full.getMessage());
    assertNull(cross.rotaryEmbedding());
  }
}
