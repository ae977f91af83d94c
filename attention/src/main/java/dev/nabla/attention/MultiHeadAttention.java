package dev.nabla.attention;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.Linear;
import dev.nabla.nn.Parameter;
import dev.nabla.nn.functional.Functional;
import dev.nabla.nn.init.Init;
import java.util.random.RandomGenerator;

/**
 * Multi-head attention (Vaswani et al., arXiv:1706.03762) with grouped key/value heads:
 * {@code numKvHeads = numHeads} is MHA, {@code 1 < numKvHeads < numHeads} is GQA (Ainslie et
 * al., arXiv:2305.13245) and {@code numKvHeads = 1} is MQA (Shazeer, arXiv:1911.02150); query
 * head h uses key/value head {@code h / (numHeads / numKvHeads)}, and k/v are never copied per
 * query head.
 *
 * <p>out = o_proj(concat_h softmax(q_h·k_hᵀ/√D + mask)·v_h), through
 * {@link ScaledDotProductAttention}. Shapes: x {@code [B, T, dModel]} → {@code [B, T, dModel]};
 * cross-attention takes the query {@code [B, Tq, dModel]} and the key/value source
 * {@code [B, Tk, crossAttentionDim]}.
 *
 * <p>Parameters: {@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj} (Hugging Face
 * names), or with {@link Options#packedInProjection} PyTorch {@code nn.MultiheadAttention}'s
 * {@code in_proj_weight [3d, d]}, {@code in_proj_bias [3d]}, {@code out_proj.weight},
 * {@code out_proj.bias}, so its state dicts load by name. Initialised as torch's module:
 * Xavier-uniform input projections, zero biases, the output projection as {@code nn.Linear}'s
 * weight.
 *
 * <p>Masks: BOOL (true = may attend) or additive float, shaped {@code [Tq, Tk]},
 * {@code [B, Tq, Tk]} or broadcastable to {@code [B, heads, Tq, Tk]} (see
 * {@link #keyPaddingMask}). With a {@link KVCache}, the new keys/values are appended and the
 * queries attend to every cached position; RoPE then starts at the cache length.
 *
 * <pre>{@code
 * var attn = new MultiHeadAttention(256, 8, 2,
 *     MultiHeadAttention.options().bias(false).causal(true).rope(RotaryEmbedding.config(32)), rng);
 * Tensor y = attn.forward(x, null);              // [B, T, 256], GQA with 2 key/value heads
 * }</pre>
 */
public final class MultiHeadAttention extends Layer {

  /**
   * Options: head dimension (0 = dModel / numHeads), biases of the q/k/v and of the output
   * projections, RoPE (null = none; self-attention only), dropout on the attention weights
   * (training mode only), the default causal flag, the attention implementation, PyTorch's packed
   * input projection, and the feature size of cross-attention sources (0 = dModel).
   */
  public record Options(int headDim, boolean bias, boolean outputBias, RotaryEmbedding.Config rope,
      double dropout, boolean causal, AttentionImpl impl, boolean packedInProjection,
      int crossAttentionDim) {
    public Options {
      if (headDim < 0) {
        throw new IllegalArgumentException(
            "MultiHeadAttention: headDim must be >= 0 (0 = dModel / numHeads), got " + headDim);
      }
      if (!(dropout >= 0 && dropout < 1)) {
        throw new IllegalArgumentException(
            "MultiHeadAttention: dropout must be in [0, 1), got " + dropout);
      }
      if (crossAttentionDim < 0) {
        throw new IllegalArgumentException(
            "MultiHeadAttention: crossAttentionDim must be >= 0 (0 = dModel), got "
                + crossAttentionDim);
      }
      if (impl == null) {
        impl = AttentionImpl.AUTO;
      }
    }

    public Options headDim(int d) {
      return new Options(d, bias, outputBias, rope, dropout, causal, impl, packedInProjection,
          crossAttentionDim);
    }

    /** Biases on all four projections (on or off). */
    public Options bias(boolean on) {
      return new Options(headDim, on, on, rope, dropout, causal, impl, packedInProjection,
          crossAttentionDim);
    }

    /** Bias of the output projection alone (after {@link #bias(boolean)}: Qwen2 has q/k/v only). */
    public Options outputBias(boolean on) {
      return new Options(headDim, bias, on, rope, dropout, causal, impl, packedInProjection,
          crossAttentionDim);
    }

    public Options rope(RotaryEmbedding.Config r) {
      return new Options(headDim, bias, outputBias, r, dropout, causal, impl, packedInProjection,
          crossAttentionDim);
    }

    public Options dropout(double p) {
      return new Options(headDim, bias, outputBias, rope, p, causal, impl, packedInProjection,
          crossAttentionDim);
    }

    public Options causal(boolean c) {
      return new Options(headDim, bias, outputBias, rope, dropout, c, impl, packedInProjection,
          crossAttentionDim);
    }

    public Options impl(AttentionImpl i) {
      return new Options(headDim, bias, outputBias, rope, dropout, causal, i, packedInProjection,
          crossAttentionDim);
    }

    /** PyTorch {@code nn.MultiheadAttention}'s parameter layout (needs numKvHeads = numHeads). */
    public Options packedInProjection(boolean packed) {
      return new Options(headDim, bias, outputBias, rope, dropout, causal, impl, packed,
          crossAttentionDim);
    }

    public Options crossAttentionDim(int d) {
      return new Options(headDim, bias, outputBias, rope, dropout, causal, impl,
          packedInProjection, d);
    }
  }

  /** Biases on, no RoPE, no dropout, not causal, automatic implementation, separate projections. */
  public static Options options() {
    return new Options(0, true, true, null, 0, false, AttentionImpl.AUTO, false, 0);
  }

  private final int dModel;
  private final int numHeads;
  private final int numKvHeads;
  private final int headDim;
  private final int kvInputDim;
  private final Options options;
  private final RandomGenerator dropoutRng;
  // separate projections (HF names) or the packed torch layout
  private final Linear qProj;
  private final Linear kProj;
  private final Linear vProj;
  private final Linear oProj;
  private final Parameter inProjWeight;
  private final Parameter inProjBias;
  private final RotaryEmbedding rope;

  /** Standard multi-head attention (numKvHeads = numHeads) with default options. */
  public MultiHeadAttention(int dModel, int numHeads, RandomGenerator rng) {
    this(dModel, numHeads, numHeads, options(), rng);
  }

  /** MHA, GQA or MQA with default options. */
  public MultiHeadAttention(int dModel, int numHeads, int numKvHeads, RandomGenerator rng) {
    this(dModel, numHeads, numKvHeads, options(), rng);
  }

  public MultiHeadAttention(int dModel, int numHeads, int numKvHeads, Options options,
      RandomGenerator rng) {
    String who = "MultiHeadAttention(d=" + dModel + ", heads=" + numHeads + ", kvHeads="
        + numKvHeads + ")";
    if (dModel <= 0 || numHeads <= 0 || numKvHeads <= 0) {
      throw new IllegalArgumentException(who + ": sizes must be positive");
    }
    if (options == null) {
      throw new IllegalArgumentException(who + ": options must not be null");
    }
    if (options.headDim() == 0 && dModel % numHeads != 0) {
      throw new IllegalArgumentException(who + ": dModel (" + dModel
          + ") must be divisible by numHeads (" + numHeads + "), or set headDim explicitly");
    }
    if (numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException(who + ": numKvHeads (" + numKvHeads
          + ") must divide numHeads (" + numHeads + ")");
    }
    this.dModel = dModel;
    this.numHeads = numHeads;
    this.numKvHeads = numKvHeads;
    this.headDim = options.headDim() == 0 ? dModel / numHeads : options.headDim();
    this.kvInputDim = options.crossAttentionDim() == 0 ? dModel : options.crossAttentionDim();
    this.options = options;
    this.dropoutRng = rng instanceof Rng r ? r.split() : rng;
    if (options.rope() != null && options.rope().rotaryDim() > headDim) {
      throw new IllegalArgumentException(who + ": the rotary dimension ("
          + options.rope().rotaryDim() + ") exceeds the head dimension (" + headDim + ")");
    }
    int qOut = numHeads * headDim;
    int kvOut = numKvHeads * headDim;
    if (options.packedInProjection()) {
      if (numKvHeads != numHeads || qOut != dModel || kvInputDim != dModel) {
        throw new IllegalArgumentException(who + ": packedInProjection (PyTorch's layout) needs"
            + " numKvHeads = numHeads, headDim = dModel / numHeads and no crossAttentionDim");
      }
      if (options.bias() != options.outputBias()) {
        throw new IllegalArgumentException(
            who + ": packedInProjection has one bias flag for both projections");
      }
      this.qProj = null;
      this.kProj = null;
      this.vProj = null;
      this.inProjWeight = registerParameter("in_proj_weight",
          Init.xavierUniform(rng, Tensor.zeros(3 * dModel, dModel)));
      this.inProjBias = options.bias()
          ? registerParameter("in_proj_bias", Tensor.zeros(3 * dModel)) : null;
      this.oProj = register("out_proj", new Linear(dModel, dModel, options.bias(), rng));
    } else {
      this.inProjWeight = null;
      this.inProjBias = null;
      this.qProj = register("q_proj", projection(dModel, qOut, options.bias(), rng));
      this.kProj = register("k_proj", projection(kvInputDim, kvOut, options.bias(), rng));
      this.vProj = register("v_proj", projection(kvInputDim, kvOut, options.bias(), rng));
      this.oProj = register("o_proj", new Linear(qOut, dModel, options.outputBias(), rng));
    }
    if (oProj.bias() != null) {
      Init.zeros(oProj.bias());
    }
    this.rope = options.rope() == null ? null
        : register("rotary_emb", new RotaryEmbedding(options.rope()));
  }

  /** A Linear with torch MultiheadAttention's input-projection init: Xavier weight, zero bias. */
  private static Linear projection(int in, int out, boolean bias, RandomGenerator rng) {
    Linear l = new Linear(in, out, bias, rng);
    Init.xavierUniform(rng, l.weight());
    if (bias) {
      Init.zeros(l.bias());
    }
    return l;
  }

  // ------------------------------------------------------------------ forward

  /** Self-attention without a mask: {@code [B, T, dModel] → [B, T, dModel]}. */
  @Override public Tensor forward(Tensor x) {
    return forward(x, (Tensor) null);
  }

  /** Self-attention with an optional mask (null = none). */
  public Tensor forward(Tensor x, Tensor mask) {
    return attend(x, x, mask, null, true);
  }

  /**
   * Cross-attention: queries from {@code query [B, Tq, dModel]}, keys and values from
   * {@code keyValueSource [B, Tk, crossAttentionDim]} (an encoder output, a text context).
   */
  public Tensor forward(Tensor query, Tensor keyValueSource, Tensor mask) {
    return attend(query, keyValueSource, mask, null, false);
  }

  /**
   * Self-attention for decoding: the keys and values of {@code x [B, Tnew, dModel]} are appended
   * to {@code cache}, RoPE positions start at the cache length, and the queries attend to every
   * cached position (causally when the layer is causal).
   */
  public Tensor forward(Tensor x, KVCache cache, Tensor mask) {
    if (cache == null) {
      throw new IllegalArgumentException(describe() + ": cache must not be null");
    }
    if (cache.numKvHeads() != numKvHeads || cache.headDim() != headDim
        || cache.valueDim() != headDim) {
      throw new IllegalArgumentException(describe() + ": the cache " + cache
          + " does not match " + numKvHeads + " key/value heads of dimension " + headDim);
    }
    return attend(x, x, mask, cache, true);
  }

  /** A cache sized for this layer, in its parameters' dtype. */
  public KVCache newCache(int maxBatch, int maxLen) {
    return new KVCache(maxBatch, numKvHeads, maxLen, headDim, headDim, dtype());
  }

  private DType dtype() {
    return oProj.weight().dtype();
  }

  private Tensor attend(Tensor query, Tensor source, Tensor mask, KVCache cache, boolean self) {
    checkInput("input", query, dModel);
    if (!self) {
      checkInput("key/value source", source, kvInputDim);
      if (source.size(0) != query.size(0)) {
        throw new IllegalArgumentException(describe() + ": query " + query.shape()
            + " and key/value source " + source.shape() + " have different batch sizes");
      }
    }
    int b = query.size(0);
    int tq = query.size(1);
    int tk = source.size(1);
    // q [B, Hq, Tq, D]; k, v [B, Hkv, Tk, D]. The packed weight is used as three row blocks:
    // three products cost the same as one and leave no [B, T, 3d] gradient to scatter into.
    boolean p = inProjWeight != null;
    Tensor q = heads(p ? packed(query, 0) : qProj.forward(query), b, tq, numHeads);
    Tensor k = heads(p ? packed(source, 1) : kProj.forward(source), b, tk, numKvHeads);
    Tensor v = heads(p ? packed(source, 2) : vProj.forward(source), b, tk, numKvHeads);
    int offset = cache == null ? 0 : cache.length();
    if (rope != null && self) {
      q = rope.apply(q, offset);
      k = rope.apply(k, offset);
    }
    if (cache != null) {
      KVCache.Entry e = cache.append(k, v);
      k = e.keys();
      v = e.values();
    }
    Tensor m = mask == null ? null
        : Masks.normalize(describe(), mask, b, numHeads, tq, k.size(2), dtype());
    AttentionOptions o = AttentionOptions.defaults().causal(options.causal()).impl(options.impl())
        .mask(m);
    if (options.dropout() > 0 && isTraining()) {
      o = o.dropout(options.dropout(), true, dropoutRng);
    }
    Tensor out = ScaledDotProductAttention.apply(q, k, v, o);              // [B, Hq, Tq, D]
    out = out.transpose(1, 2).reshape(b, tq, numHeads * headDim);
    return oProj.forward(out);
  }

  /** Rows {@code part·d … (part+1)·d − 1} of the packed projection applied to x. */
  private Tensor packed(Tensor x, int part) {
    Tensor w = inProjWeight.narrow(0, part * dModel, dModel);
    Tensor bias = inProjBias == null ? null : inProjBias.narrow(0, part * dModel, dModel);
    return Functional.linear(x, w, bias);
  }

  /** [B, T, H·D] → [B, H, T, D] (a view). */
  private Tensor heads(Tensor x, int b, int t, int h) {
    return x.reshape(b, t, h, headDim).transpose(1, 2);
  }

  private void checkInput(String what, Tensor x, int features) {
    if (x.dim() != 3 || x.size(2) != features) {
      throw new IllegalArgumentException(describe() + ": expected " + what + " [B, T, "
          + features + "], got " + x.shape());
    }
  }

  /**
   * A BOOL mask {@code [B, 1, 1, Tk]} from {@code keep [B, Tk]} (true = a real token, false =
   * padding), for {@link #forward(Tensor, Tensor)}. PyTorch's {@code key_padding_mask} is the
   * negation.
   */
  public static Tensor keyPaddingMask(Tensor keep) {
    if (keep.dim() != 2 || keep.dtype() != DType.BOOL) {
      throw new IllegalArgumentException(
          "keyPaddingMask: expected a BOOL tensor [B, Tk], got " + keep.dtype() + " "
              + keep.shape());
    }
    return keep.unsqueeze(1).unsqueeze(1);
  }

  // ------------------------------------------------------------------ accessors

  public int dModel() {
    return dModel;
  }

  public int numHeads() {
    return numHeads;
  }

  public int numKvHeads() {
    return numKvHeads;
  }

  public int headDim() {
    return headDim;
  }

  /** The options this layer was built with. */
  public Options layerOptions() {
    return options;
  }

  /** The RoPE module, or null. */
  public RotaryEmbedding rotaryEmbedding() {
    return rope;
  }

  /** "MHA", "GQA" or "MQA". */
  public String variant() {
    return numKvHeads == numHeads ? "MHA" : numKvHeads == 1 ? "MQA" : "GQA";
  }

  /** Bytes per token per layer of this layer's KV cache in {@code dtype}. */
  public long cacheBytesPerToken(DType dtype) {
    return KVCache.bytesPerToken(numKvHeads, headDim, dtype);
  }

  private String describe() {
    return "MultiHeadAttention(d=" + dModel + ", heads=" + numHeads + ", kvHeads=" + numKvHeads
        + ")";
  }

  @Override protected String extraRepr() {
    return "d=" + dModel + ", heads=" + numHeads + ", kvHeads=" + numKvHeads + ", headDim="
        + headDim + (options.causal() ? ", causal" : "")
        + (options.packedInProjection() ? ", packed" : "")
        + (options.dropout() > 0 ? ", dropout=" + options.dropout() : "");
  }
}
