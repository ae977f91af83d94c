package dev.nabla.attention;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Linear;
import dev.nabla.nn.RMSNorm;
import java.util.random.RandomGenerator;

/**
 * Multi-head latent attention (MLA) of DeepSeek-V2 (arXiv:2405.04434): keys and values come from
 * a small per-token latent, so the decoding cache holds only that latent and one shared rotary
 * key.
 *
 * <p>With h the input of one token and n the head (the paper's §2.1, with the reference code's
 * RMSNorms):
 * <pre>
 * c_Q = RMSNorm(W_DQ·h)                      q_a_proj, q_a_layernorm   (or q_proj: q = W_Q·h)
 * [q^C_n; q^R_n] = W_UQ·c_Q                  q_b_proj
 * [c_KV; k^R_raw] = W_DKV·h                  kv_a_proj_with_mqa
 * [k^C_n; v^C_n] = W_UKV·RMSNorm(c_KV)       kv_a_layernorm, kv_b_proj
 * q_n = [q^C_n; RoPE(q^R_n)], k_n = [k^C_n; RoPE(k^R_raw)]   (k^R shared by all heads)
 * o_n = softmax(q_n·k_nᵀ/√(d_nope + d_rope))·v^C_n,  u = W_O·[o_1; …; o_H]   o_proj
 * </pre>
 *
 * <p>Two equal forms: {@link Form#EXPANDED} up-projects every cached latent to per-head k and v
 * (training); {@link Form#ABSORBED} folds W_UK into the query (q̃_n = W_UKₙᵀ·q^C_n, so
 * q^C_n·k^C_n = q̃_n·c_KV) and W_UV into the output (o_n = W_UVₙ·(attention over c_KV)), which
 * is multi-query attention over the {@code kvLoraRank + qkRopeHeadDim} wide latent: no per-head
 * keys or values ever exist. Both use {@link ScaledDotProductAttention}.
 *
 * <p>Parameter names follow the DeepSeek-V2 reference ({@code q_a_proj}, {@code q_a_layernorm},
 * {@code q_b_proj} or {@code q_proj}, {@code kv_a_proj_with_mqa}, {@code kv_a_layernorm},
 * {@code kv_b_proj}, {@code o_proj}). RoPE pairs interleaved features, as the reference's
 * permuted rotate_half does. Shape: {@code [B, T, dModel] → [B, T, dModel]}.
 *
 * <pre>{@code
 * var mla = new MultiHeadLatentAttention(
 *     MultiHeadLatentAttention.config(256, 4, 96, 64, 32, 16, 32), rng);
 * LatentKVCache cache = mla.newCache(1, 128);          // 64 + 16 numbers per token
 * Tensor y = mla.forward(prompt, cache, null);         // absorbed form
 * }</pre>
 */
public final class MultiHeadLatentAttention extends Layer {

  /** How attention is computed: per-head keys/values, or absorbed into the latent. */
  public enum Form {
    /** k and v up-projected per head from the latent (the training form). */
    EXPANDED,
    /** W_UK folded into the queries and W_UV into the output; attention over the latent. */
    ABSORBED
  }

  /**
   * Hyper-parameters, named as DeepSeek-V2's config: {@code qLoraRank} 0 means a direct query
   * projection ({@code q_proj}, as DeepSeek-V2-Lite). The rope config's dimension must equal
   * {@code qkRopeHeadDim}.
   */
  public record Config(int dModel, int numHeads, int qLoraRank, int kvLoraRank, int qkNopeHeadDim,
      int qkRopeHeadDim, int vHeadDim, RotaryEmbedding.Config rope, boolean attentionBias,
      double rmsNormEps, boolean causal, double dropout, AttentionImpl impl) {
    public Config {
      if (dModel <= 0 || numHeads <= 0 || kvLoraRank <= 0 || qkRopeHeadDim <= 0
          || vHeadDim <= 0 || qLoraRank < 0 || qkNopeHeadDim < 0) {
        throw new IllegalArgumentException("MultiHeadLatentAttention: sizes must be positive"
            + " (qLoraRank and qkNopeHeadDim may be 0), got dModel=" + dModel + ", numHeads="
            + numHeads + ", qLoraRank=" + qLoraRank + ", kvLoraRank=" + kvLoraRank
            + ", qkNopeHeadDim=" + qkNopeHeadDim + ", qkRopeHeadDim=" + qkRopeHeadDim
            + ", vHeadDim=" + vHeadDim);
      }
      if (rope == null) {
        rope = RotaryEmbedding.config(qkRopeHeadDim).pairing(RotaryEmbedding.Pairing.INTERLEAVED);
      }
      if (rope.rotaryDim() != qkRopeHeadDim) {
        throw new IllegalArgumentException("MultiHeadLatentAttention: the rope dimension ("
            + rope.rotaryDim() + ") must equal qkRopeHeadDim (" + qkRopeHeadDim + ")");
      }
      if (!(rmsNormEps >= 0)) {
        throw new IllegalArgumentException(
            "MultiHeadLatentAttention: rmsNormEps must be >= 0, got " + rmsNormEps);
      }
      if (!(dropout >= 0 && dropout < 1)) {
        throw new IllegalArgumentException(
            "MultiHeadLatentAttention: dropout must be in [0, 1), got " + dropout);
      }
      if (impl == null) {
        impl = AttentionImpl.AUTO;
      }
    }

    public Config rope(RotaryEmbedding.Config r) {
      return new Config(dModel, numHeads, qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim,
          vHeadDim, r, attentionBias, rmsNormEps, causal, dropout, impl);
    }

    public Config attentionBias(boolean on) {
      return new Config(dModel, numHeads, qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim,
          vHeadDim, rope, on, rmsNormEps, causal, dropout, impl);
    }

    public Config rmsNormEps(double eps) {
      return new Config(dModel, numHeads, qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim,
          vHeadDim, rope, attentionBias, eps, causal, dropout, impl);
    }

    public Config causal(boolean c) {
      return new Config(dModel, numHeads, qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim,
          vHeadDim, rope, attentionBias, rmsNormEps, c, dropout, impl);
    }

    public Config dropout(double p) {
      return new Config(dModel, numHeads, qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim,
          vHeadDim, rope, attentionBias, rmsNormEps, causal, p, impl);
    }

    public Config impl(AttentionImpl i) {
      return new Config(dModel, numHeads, qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim,
          vHeadDim, rope, attentionBias, rmsNormEps, causal, dropout, i);
    }

    /** Query/key head dimension: qkNopeHeadDim + qkRopeHeadDim. */
    public int qkHeadDim() {
      return qkNopeHeadDim + qkRopeHeadDim;
    }
  }

  /**
   * A causal configuration with interleaved RoPE (theta 10000), no biases, RMSNorm eps 1e-6, no
   * dropout.
   */
  public static Config config(int dModel, int numHeads, int qLoraRank, int kvLoraRank,
      int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim) {
    return new Config(dModel, numHeads, qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim,
        vHeadDim, null, false, 1e-6, true, 0, AttentionImpl.AUTO);
  }

  /** DeepSeek-V2's attention: d 5120, 128 heads, q rank 1536, kv rank 512, 128 + 64, v 128. */
  public static Config deepSeekV2() {
    return config(5120, 128, 1536, 512, 128, 64, 128);
  }

  private final Config config;
  private final String who;
  private final RandomGenerator dropoutRng;
  private final Linear qProj;
  private final Linear qAProj;
  private final RMSNorm qALayerNorm;
  private final Linear qBProj;
  private final Linear kvAProjWithMqa;
  private final RMSNorm kvALayerNorm;
  private final Linear kvBProj;
  private final Linear oProj;
  private final RotaryEmbedding rope;

  public MultiHeadLatentAttention(Config config, RandomGenerator rng) {
    if (config == null) {
      throw new IllegalArgumentException("MultiHeadLatentAttention: config must not be null");
    }
    this.config = config;
    this.who = "MultiHeadLatentAttention(d=" + config.dModel() + ", heads=" + config.numHeads()
        + ", kvLoraRank=" + config.kvLoraRank() + ")";
    this.dropoutRng = rng instanceof Rng r ? r.split() : rng;
    int d = config.dModel();
    int h = config.numHeads();
    boolean bias = config.attentionBias();
    if (config.qLoraRank() > 0) {
      this.qProj = null;
      this.qAProj = register("q_a_proj", new Linear(d, config.qLoraRank(), bias, rng));
      this.qALayerNorm = register("q_a_layernorm",
          new RMSNorm(config.qLoraRank(), config.rmsNormEps()));
      this.qBProj = register("q_b_proj",
          new Linear(config.qLoraRank(), h * config.qkHeadDim(), false, rng));
    } else {
      this.qAProj = null;
      this.qALayerNorm = null;
      this.qBProj = null;
      this.qProj = register("q_proj", new Linear(d, h * config.qkHeadDim(), false, rng));
    }
    this.kvAProjWithMqa = register("kv_a_proj_with_mqa",
        new Linear(d, config.kvLoraRank() + config.qkRopeHeadDim(), bias, rng));
    this.kvALayerNorm = register("kv_a_layernorm",
        new RMSNorm(config.kvLoraRank(), config.rmsNormEps()));
    this.kvBProj = register("kv_b_proj", new Linear(config.kvLoraRank(),
        h * (config.qkNopeHeadDim() + config.vHeadDim()), false, rng));
    this.oProj = register("o_proj", new Linear(h * config.vHeadDim(), d, bias, rng));
    this.rope = register("rotary_emb", new RotaryEmbedding(config.rope()));
  }

  /** Causal (per the config) self-attention in the expanded form. */
  @Override public Tensor forward(Tensor x) {
    return forward(x, null, null, Form.EXPANDED);
  }

  /** Self-attention with an optional mask, in the expanded form. */
  public Tensor forward(Tensor x, Tensor mask) {
    return forward(x, null, mask, Form.EXPANDED);
  }

  /** Decoding: appends to the latent cache and attends to all of it, in the absorbed form. */
  public Tensor forward(Tensor x, LatentKVCache cache, Tensor mask) {
    return forward(x, cache, mask, Form.ABSORBED);
  }

  /**
   * Self-attention of {@code x [B, T, dModel]} in the given form; with a cache (may be null) the
   * new latents are appended and RoPE positions start at the cache length.
   */
  public Tensor forward(Tensor x, LatentKVCache cache, Tensor mask, Form form) {
    int dm = config.dModel();
    if (x.dim() != 3 || x.size(2) != dm) {
      throw new IllegalArgumentException(
          who + ": expected input [B, T, " + dm + "], got " + x.shape());
    }
    if (cache != null && (cache.kvLoraRank() != config.kvLoraRank()
        || cache.ropeDim() != config.qkRopeHeadDim())) {
      throw new IllegalArgumentException(who + ": the cache " + cache + " does not match"
          + " kvLoraRank " + config.kvLoraRank() + " and qkRopeHeadDim "
          + config.qkRopeHeadDim());
    }
    int b = x.size(0);
    int t = x.size(1);
    int h = config.numHeads();
    int nope = config.qkNopeHeadDim();
    int dr = config.qkRopeHeadDim();
    int r = config.kvLoraRank();
    int dv = config.vHeadDim();
    int offset = cache == null ? 0 : cache.length();

    // queries [B, H, T, nope + rope]
    Tensor q = qProj != null ? qProj.forward(x)
        : qBProj.forward(qALayerNorm.forward(qAProj.forward(x)));
    q = q.reshape(b, t, h, config.qkHeadDim()).transpose(1, 2);
    Tensor qNope = q.narrow(3, 0, nope);
    Tensor qRope = rope.apply(q.narrow(3, nope, dr), offset);

    // the latent c_KV [B, 1, T, r] and the shared rotary key [B, 1, T, dr]
    Tensor ckv = kvAProjWithMqa.forward(x);
    Tensor latent = kvALayerNorm.forward(ckv.narrow(2, 0, r)).unsqueeze(1);
    Tensor kRope = rope.apply(ckv.narrow(2, r, dr).unsqueeze(1), offset);
    Tensor joined = null;
    if (cache != null) {
      LatentKVCache.Entry e = cache.append(latent, kRope);
      latent = e.latent();
      kRope = e.ropeKeys();
      joined = e.joined();
    }
    int tk = latent.size(2);
    Tensor m = mask == null ? null
        : Masks.normalize(who, mask, b, h, t, tk, oProj.weight().dtype());
    AttentionOptions o = AttentionOptions.defaults().causal(config.causal()).impl(config.impl())
        .mask(m).scale(1.0 / Math.sqrt(config.qkHeadDim()));
    if (config.dropout() > 0 && isTraining()) {
      o = o.dropout(config.dropout(), true, dropoutRng);
    }

    Tensor out;                                   // [B, H, T, dv]
    if (form == Form.EXPANDED) {
      Tensor kv = kvBProj.forward(latent.squeeze(1))             // [B, Tk, H·(nope + dv)]
          .reshape(b, tk, h, nope + dv).transpose(1, 2);
      Tensor k = Tensor.cat(3, kv.narrow(3, 0, nope), kRope.expand(b, h, tk, dr));
      Tensor v = kv.narrow(3, nope, dv);
      out = ScaledDotProductAttention.apply(Tensor.cat(3, qNope, qRope), k, v, o);
    } else {
      Tensor w = kvBProj.weight().reshape(h, nope + dv, r);
      Tensor wUK = w.narrow(1, 0, nope);                         // [H, nope, r]
      Tensor wUV = w.narrow(1, nope, dv);                        // [H, dv, r]
      Tensor qLatent = qNope.matmul(wUK);                        // [B, H, T, r]
      if (joined == null) {
        joined = Tensor.cat(3, latent, kRope);
      }
      Tensor oLatent = ScaledDotProductAttention.apply(Tensor.cat(3, qLatent, qRope), joined,
          latent, o);                                            // MQA: [B, H, T, r]
      out = oLatent.matmul(wUV.transpose(1, 2));
    }
    return oProj.forward(out.transpose(1, 2).reshape(b, t, h * dv));
  }

  /** A latent cache sized for this layer, in its parameters' dtype. */
  public LatentKVCache newCache(int maxBatch, int maxLen) {
    return new LatentKVCache(maxBatch, maxLen, config.kvLoraRank(), config.qkRopeHeadDim(),
        oProj.weight().dtype());
  }

  public Config config() {
    return config;
  }

  public RotaryEmbedding rotaryEmbedding() {
    return rope;
  }

  /** Bytes per token per layer of the latent cache in {@code dtype}. */
  public long cacheBytesPerToken(DType dtype) {
    return LatentKVCache.bytesPerToken(config.kvLoraRank(), config.qkRopeHeadDim(), dtype);
  }

  @Override protected String extraRepr() {
    return "d=" + config.dModel() + ", heads=" + config.numHeads() + ", qLoraRank="
        + config.qLoraRank() + ", kvLoraRank=" + config.kvLoraRank() + ", qkNope="
        + config.qkNopeHeadDim() + ", qkRope=" + config.qkRopeHeadDim() + ", v="
        + config.vHeadDim() + (config.causal() ? ", causal" : "");
  }
}
