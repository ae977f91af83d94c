package dev.nabla.attention;

import static dev.nabla.attention.AttentionTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.nabla.attention.MultiHeadLatentAttention.Config;
import dev.nabla.attention.MultiHeadLatentAttention.Form;
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

class MlaTest {

  /** d 16, 2 heads, q rank 12 (or 0), kv rank 8, nope 6, rope 4, v 5: every size distinct. */
  private static Config small(int qLoraRank) {
    return MultiHeadLatentAttention.config(16, 2, qLoraRank, 8, 6, 4, 5);
  }

  private static MultiHeadLatentAttention layer(Config c, long seed, DType dtype) {
    var m = new MultiHeadLatentAttention(c, new Rng(seed));
    // RMSNorm weights start at one and biases at torch's values; perturb them so they matter
    try (var off = GradMode.disabled()) {
      m.namedParameters().forEach((name, p) -> {
        if (name.endsWith("layernorm.weight") || name.endsWith("bias")) {
          p.copyFrom(Tensor.rand(new Rng(seed + name.hashCode()), p.shape().toArray()).add(0.5));
        }
      });
    }
    m.to(dtype);
    return m;
  }

  /** A weight as rows of doubles. */
  private static double[][] matrix(Tensor w) {
    double[] a = w.toDoubleArray();
    double[][] m = new double[w.size(0)][w.size(1)];
    for (int i = 0; i < m.length; i++) {
      System.arraycopy(a, i * m[i].length, m[i], 0, m[i].length);
    }
    return m;
  }

  private static double[] mul(double[][] w, double[] x, Tensor bias) {
    double[] y = new double[w.length];
    double[] b = bias == null ? null : bias.toDoubleArray();
    for (int i = 0; i < w.length; i++) {
      double s = b == null ? 0 : b[i];
      for (int j = 0; j < x.length; j++) {
        s += w[i][j] * x[j];
      }
      y[i] = s;
    }
    return y;
  }

  private static double[] rmsNorm(double[] x, Tensor weight, double eps) {
    double ms = 0;
    for (double v : x) {
      ms += v * v;
    }
    double r = 1 / Math.sqrt(ms / x.length + eps);
    double[] w = weight.toDoubleArray();
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      y[i] = x[i] * r * w[i];
    }
    return y;
  }

  /** RoPE with interleaved pairs at position p, θᵢ = 10000^(−2i/d), written out. */
  private static double[] rope(double[] x, int p) {
    int d = x.length;
    double[] y = new double[d];
    for (int i = 0; i < d / 2; i++) {
      double a = p * Math.pow(10_000, -2.0 * i / d);
      y[2 * i] = x[2 * i] * Math.cos(a) - x[2 * i + 1] * Math.sin(a);
      y[2 * i + 1] = x[2 * i] * Math.sin(a) + x[2 * i + 1] * Math.cos(a);
    }
    return y;
  }

  private static double[] part(double[] x, int from, int len) {
    double[] y = new double[len];
    System.arraycopy(x, from, y, 0, len);
    return y;
  }

  private static double dot(double[] a, double[] b) {
    double s = 0;
    for (int i = 0; i < a.length; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /**
   * MLA from the equations of DeepSeek-V2 §2.1 (with the reference code's RMSNorms), token by
   * token and head by head on plain arrays, causal, for x [B, T, d].
   */
  static Tensor naive(MultiHeadLatentAttention mla, Tensor x) {
    Config c = mla.config();
    Map<String, Tensor> w = mla.stateDict();
    int b = x.size(0);
    int t = x.size(1);
    int h = c.numHeads();
    int nope = c.qkNopeHeadDim();
    int dr = c.qkRopeHeadDim();
    int r = c.kvLoraRank();
    int dv = c.vHeadDim();
    double eps = c.rmsNormEps();
    double[][] wDkv = matrix(w.get("kv_a_proj_with_mqa.weight"));     // [W_DKV; W_KR]
    double[][] wUkv = matrix(w.get("kv_b_proj.weight"));              // per head [W_UK; W_UV]
    double[][] wO = matrix(w.get("o_proj.weight"));
    double[] out = new double[b * t * c.dModel()];
    for (int bi = 0; bi < b; bi++) {
      double[][][] qC = new double[t][h][];
      double[][][] qR = new double[t][h][];
      double[][][] kC = new double[t][h][];
      double[][][] vC = new double[t][h][];
      double[][] kR = new double[t][];
      for (int ti = 0; ti < t; ti++) {
        double[] ht = part(x.select(0, bi).select(0, ti).toDoubleArray(), 0, c.dModel());
        double[] q;
        if (c.qLoraRank() > 0) {
          double[] cQ = rmsNorm(mul(matrix(w.get("q_a_proj.weight")), ht, w.get("q_a_proj.bias")),
              w.get("q_a_layernorm.weight"), eps);                   // c_Q = W_DQ h
          q = mul(matrix(w.get("q_b_proj.weight")), cQ, null);       // [q^C; q^R] = W_UQ c_Q
        } else {
          q = mul(matrix(w.get("q_proj.weight")), ht, null);
        }
        double[] a = mul(wDkv, ht, w.get("kv_a_proj_with_mqa.bias"));
        double[] cKv = rmsNorm(part(a, 0, r), w.get("kv_a_layernorm.weight"), eps);
        kR[ti] = rope(part(a, r, dr), ti);                           // k^R = RoPE(W_KR h)
        double[] kv = mul(wUkv, cKv, null);                  // k^C = W_UK c_KV, v^C = W_UV c_KV
        for (int n = 0; n < h; n++) {
          qC[ti][n] = part(q, n * (nope + dr), nope);
          qR[ti][n] = rope(part(q, n * (nope + dr) + nope, dr), ti);
          kC[ti][n] = part(kv, n * (nope + dv), nope);
          vC[ti][n] = part(kv, n * (nope + dv) + nope, dv);
        }
      }
      for (int ti = 0; ti < t; ti++) {
        double[] o = new double[h * dv];
        for (int n = 0; n < h; n++) {
          double[] s = new double[ti + 1];
          double max = Double.NEGATIVE_INFINITY;
          for (int j = 0; j <= ti; j++) {                              // causal
            s[j] = (dot(qC[ti][n], kC[j][n]) + dot(qR[ti][n], kR[j])) / Math.sqrt(nope + dr);
            max = Math.max(max, s[j]);
          }
          double z = 0;
          for (int j = 0; j <= ti; j++) {
            s[j] = Math.exp(s[j] - max);
            z += s[j];
          }
          for (int j = 0; j <= ti; j++) {
            for (int e = 0; e < dv; e++) {
              o[n * dv + e] += s[j] / z * vC[j][n][e];
            }
          }
        }
        double[] u = mul(wO, o, w.get("o_proj.bias"));               // u = W_O [o_1; …; o_H]
        System.arraycopy(u, 0, out, (bi * t + ti) * c.dModel(), c.dModel());
      }
    }
    return Tensor.of(out, b, t, c.dModel());
  }

  @Test void equalsTheEquationsOfThePaper() {
    for (Config c : new Config[] {small(12), small(0), small(12).attentionBias(true)}) {
      var mla = layer(c, 1, DType.F64);
      Tensor x = Tensor.randn(new Rng(2), DType.F64, 2, 5, 16);
      Tensor want = naive(mla, x);
      assertClose(want, mla.forward(x), 1e-12, "expanded, qLoraRank " + c.qLoraRank());
      assertClose(want, mla.forward(x, null, null, Form.ABSORBED), 1e-12,
          "absorbed, qLoraRank " + c.qLoraRank());
    }
  }

  @Test void absorbedEqualsExpanded() {
    var mla = layer(small(12), 3, DType.F32);
    Tensor x = Tensor.randn(new Rng(4), 3, 9, 16);
    Tensor mask = Tensor.rand(new Rng(5), 3, 9, 9).gt(0.3);
    assertClose(mla.forward(x, mask), mla.forward(x, null, mask, Form.ABSORBED), 1e-5,
        "F32 with a [B, Tq, Tk] mask");
  }

  @Test void cachedDecodingEqualsFullForward() {
    for (DType dtype : new DType[] {DType.F64, DType.F32}) {
      var mla = layer(small(12), 6, dtype);
      Tensor x = Tensor.randn(new Rng(7), dtype, 2, 8, 16);
      double tol = dtype == DType.F64 ? 1e-12 : 1e-5;
      try (var off = GradMode.disabled()) {
        Tensor full = mla.forward(x);
        for (Form form : Form.values()) {
          LatentKVCache cache = mla.newCache(2, 8);
          List<Tensor> steps = new ArrayList<>();
          steps.add(mla.forward(x.narrow(1, 0, 4), cache, null, form));
          for (int t = 4; t < 8; t++) {
            steps.add(mla.forward(x.narrow(1, t, 1), cache, null, form));
          }
          assertClose(full, Tensor.cat(1, steps.toArray(new Tensor[0])), tol,
              form + " " + dtype + " decoding");
        }
      }
    }
  }

  @Test void cacheHoldsOnlyTheLatentAndTheRotaryKey() {
    Config c = small(12);
    var mla = layer(c, 8, DType.F32);
    LatentKVCache cache = mla.newCache(2, 10);
    assertEquals(c.kvLoraRank() + c.qkRopeHeadDim(), cache.elementsPerToken());   // 8 + 4
    assertEquals(2L * 10 * (8 + 4) * 4, cache.bytesAllocated(), "all the memory it holds");
    assertEquals(12 * 4, mla.cacheBytesPerToken(DType.F32));
    Tensor x = Tensor.randn(new Rng(9), 2, 3, 16);
    try (var off = GradMode.disabled()) {
      mla.forward(x, cache, null);
      Map<String, Tensor> w = mla.stateDict();
      Tensor a = x.matmul(w.get("kv_a_proj_with_mqa.weight").t());
      Tensor ms = a.narrow(2, 0, 8).square().mean(-1, true);
      Tensor latent = a.narrow(2, 0, 8).div(ms.add(c.rmsNormEps()).sqrt())
          .mul(w.get("kv_a_layernorm.weight"));
      assertClose(latent.unsqueeze(1), cache.get().latent(), 1e-5, "c_KV");
      assertClose(mla.rotaryEmbedding().apply(a.narrow(2, 8, 4).unsqueeze(1), 0),
          cache.get().ropeKeys(), 1e-5, "k^R");
    }
    // DeepSeek-V2's dimensions: 512 + 64 numbers per token and layer
    assertEquals(576 * 4, LatentKVCache.bytesPerToken(512, 64, DType.F32));
    assertEquals(5120, MultiHeadLatentAttention.deepSeekV2().dModel());
  }

  @Test void parameterNamesFollowDeepSeekV2() {
    Map<String, List<Integer>> shapes = new LinkedHashMap<>();
    new MultiHeadLatentAttention(small(12), new Rng(0)).stateDict().forEach((k, v) ->
        shapes.put(k, java.util.Arrays.stream(v.shape().toArray()).boxed().toList()));
    Map<String, List<Integer>> want = new LinkedHashMap<>();
    want.put("q_a_proj.weight", List.of(12, 16));
    want.put("q_a_layernorm.weight", List.of(12));
    want.put("q_b_proj.weight", List.of(2 * 10, 12));
    want.put("kv_a_proj_with_mqa.weight", List.of(8 + 4, 16));
    want.put("kv_a_layernorm.weight", List.of(8));
    want.put("kv_b_proj.weight", List.of(2 * (6 + 5), 8));
    want.put("o_proj.weight", List.of(16, 2 * 5));
    assertEquals(want, shapes);
    var direct = new MultiHeadLatentAttention(small(0), new Rng(0));
    assertEquals(List.of("q_proj.weight", "kv_a_proj_with_mqa.weight", "kv_a_layernorm.weight",
        "kv_b_proj.weight", "o_proj.weight"), List.copyOf(direct.stateDict().keySet()));
  }

  @Test void gradientsF64() {
    var mla = layer(MultiHeadLatentAttention.config(6, 2, 4, 3, 2, 2, 3), 10, DType.F64);
    Tensor x = Tensor.randn(new Rng(11), DType.F64, 1, 3, 6).requiresGrad();
    Map<String, Tensor> w = mla.stateDict();
    Tensor[] in = {x, w.get("q_b_proj.weight"), w.get("kv_b_proj.weight"),
        w.get("kv_a_layernorm.weight"), w.get("kv_a_proj_with_mqa.weight")};
    for (Form form : Form.values()) {
      GradCheck.assertGradientsMatch(t -> mla.forward(t[0], null, null, form), in);
    }
  }

  @Test void badInput() {
    var mla = new MultiHeadLatentAttention(small(12), new Rng(0));
    var e = assertThrows(IllegalArgumentException.class, () -> mla.forward(Tensor.zeros(2, 3, 8)));
    assertEquals("MultiHeadLatentAttention(d=16, heads=2, kvLoraRank=8): expected input"
        + " [B, T, 16], got [2, 3, 8]", e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> mla.forward(Tensor.zeros(2, 3, 16), new LatentKVCache(2, 8, 4, 4, DType.F32), null));
    assertTrue(e.getMessage().contains("does not match kvLoraRank 8"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> small(12).rope(RotaryEmbedding.config(8)));
    assertTrue(e.getMessage().contains("the rope dimension (8) must equal qkRopeHeadDim (4)"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> mla.forward(Tensor.zeros(2, 3, 16), Tensor.ones(DType.BOOL, 3, 4)));
    assertTrue(e.getMessage().contains("mask of shape [3, 4] does not fit"), e.getMessage());
  }
}
