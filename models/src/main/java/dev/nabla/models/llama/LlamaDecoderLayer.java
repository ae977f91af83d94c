package dev.nabla.models.llama;

import dev.nabla.attention.KVCache;
import dev.nabla.attention.MultiHeadAttention;
import dev.nabla.attention.RotaryEmbedding;
import dev.nabla.core.Tensor;
import dev.nabla.nn.Layer;
import dev.nabla.nn.RMSNorm;
import dev.nabla.nn.SwiGLU;
import java.util.random.RandomGenerator;

/**
 * One pre-norm LLaMA block: h = x + attn(RMSNorm(x)); out = h + SwiGLU(RMSNorm(h)). The attention
 * is causal, without biases, with rotate-half RoPE (Hugging Face's pairing) and
 * {@code numKeyValueHeads} key/value heads. Children, as HF's {@code LlamaDecoderLayer}:
 * {@code self_attn} (q_proj, k_proj, v_proj, o_proj), {@code mlp} (gate_proj, up_proj,
 * down_proj), {@code input_layernorm}, {@code post_attention_layernorm}.
 * Shape: {@code [B, T, hidden] → [B, T, hidden]}.
 */
public final class LlamaDecoderLayer extends Layer {
  private final MultiHeadAttention selfAttn;
  private final SwiGLU mlp;
  private final RMSNorm inputLayernorm;
  private final RMSNorm postAttentionLayernorm;

  public LlamaDecoderLayer(LlamaConfig config, RandomGenerator rng) {
    RotaryEmbedding.Config rope = RotaryEmbedding.config(config.headDim())
        .theta(config.ropeTheta()).pairing(RotaryEmbedding.Pairing.HALF);
    this.selfAttn = register("self_attn", new MultiHeadAttention(config.hiddenSize(),
        config.numAttentionHeads(), config.numKeyValueHeads(),
        MultiHeadAttention.options().bias(false).causal(true).rope(rope), rng));
    this.mlp = register("mlp",
        new SwiGLU(config.hiddenSize(), config.intermediateSize(), false, rng));
    this.inputLayernorm = register("input_layernorm",
        new RMSNorm(config.hiddenSize(), config.rmsNormEps()));
    this.postAttentionLayernorm = register("post_attention_layernorm",
        new RMSNorm(config.hiddenSize(), config.rmsNormEps()));
  }

  /** The block over a whole sequence (positions 0 … T−1). */
  @Override public Tensor forward(Tensor x) {
    return forward(x, null);
  }

  /**
   * The block for decoding: with a cache, the new keys and values are appended and RoPE
   * positions start at the cache length; null runs the whole sequence from position 0.
   */
  public Tensor forward(Tensor x, KVCache cache) {
    Tensor n = inputLayernorm.forward(x);
    Tensor h = x.add(cache == null ? selfAttn.forward(n, (Tensor) null)
        : selfAttn.forward(n, cache, null));                                   // [B, T, C]
    return h.add(mlp.forward(postAttentionLayernorm.forward(h)));
  }

  public MultiHeadAttention selfAttn() {
    return selfAttn;
  }

  public SwiGLU mlp() {
    return mlp;
  }

  public RMSNorm inputLayernorm() {
    return inputLayernorm;
  }

  public RMSNorm postAttentionLayernorm() {
    return postAttentionLayernorm;
  }
}
