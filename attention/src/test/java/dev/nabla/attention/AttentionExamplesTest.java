package dev.nabla.attention;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.nabla.core.DType;
import dev.nabla.core.Rng;
import dev.nabla.core.Tensor;
import dev.nabla.core.autograd.GradMode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The examples of docs/attention.md (RoPE, KV cache, MultiHeadAttention, MLA), kept running. */
class AttentionExamplesTest {

  @Test void rope() {
    Rng rng = new Rng(0);
    var rope = new RotaryEmbedding(RotaryEmbedding.config(64)      // rotary dim 64
        .theta(500_000).pairing(RotaryEmbedding.Pairing.INTERLEAVED).linearScaling(2));
    Tensor q = Tensor.randn(rng, 1, 8, 16, 64);                     // [B, H, T, D]
    Tensor q0 = rope.forward(q);                                    // positions 0..15
    Tensor q1 = rope.apply(q.narrow(2, 15, 1), 15);                 // the last one alone
    AttentionTesting.assertClose(q0.narrow(2, 15, 1), q1, 1e-6, "decoding position");
  }

  @Test void kvCache() {
    Rng rng = new Rng(1);
    Tensor prompt = Tensor.randn(rng, 1, 16, 256);
    Tensor next = Tensor.randn(rng, 1, 1, 256);
    var attn = new MultiHeadAttention(256, 8, 2, MultiHeadAttention.options().causal(true)
        .bias(false).rope(RotaryEmbedding.config(32)), rng);
    KVCache cache = attn.newCache(1, 512);                  // stores 2 heads, not 8
    try (var off = GradMode.disabled()) {
      Tensor y = attn.forward(prompt, cache, null);         // prefill: [1, 16, 256]
      for (int i = 0; i < 4; i++) {
        y = attn.forward(next, cache, null);                // one token: [1, 1, 256]
      }
      assertEquals(1, y.size(1));
    }
    assertEquals(20, cache.length());
    assertEquals(2, cache.numKvHeads());
  }

  @Test void multiHeadAttention() {
    Rng rng = new Rng(2);
    Tensor x = Tensor.randn(rng, 2, 10, 256);
    Tensor context = Tensor.randn(rng, 2, 77, 768);
    // GQA self-attention, causal, no biases: LLaMA-style
    var gqa = new MultiHeadAttention(256, 8, 2,
        MultiHeadAttention.options().bias(false).causal(true), rng);
    Tensor y = gqa.forward(x, null);                                // [B, T, 256]

    // PyTorch nn.MultiheadAttention weights, loaded by name
    var torchLike = new MultiHeadAttention(256, 8, 8,
        MultiHeadAttention.options().packedInProjection(true), rng);
    Map<String, Tensor> torchState = new MultiHeadAttention(256, 8, 8,
        MultiHeadAttention.options().packedInProjection(true), new Rng(3)).stateDict();
    torchLike.loadStateDict(torchState, true);                      // in_proj_weight, …
    Tensor keep = Tensor.ones(DType.BOOL, 2, 10);                   // = ~key_padding_mask
    Tensor z = torchLike.forward(x, MultiHeadAttention.keyPaddingMask(keep));

    // cross-attention to a 768-wide text context
    var cross = new MultiHeadAttention(256, 8, 8,
        MultiHeadAttention.options().crossAttentionDim(768), rng);
    Tensor c = cross.forward(x, context, null);                     // context [B, 77, 768]
    assertEquals("GQA", gqa.variant());
    for (Tensor t : new Tensor[] {y, z, c}) {
      assertEquals(java.util.List.of(2, 10, 256), java.util.List.of(t.size(0), t.size(1),
          t.size(2)));
    }
  }

  @Test void latentAttention() {
    Rng rng = new Rng(4);
    Tensor x = Tensor.randn(rng, 2, 12, 256);
    Tensor prompt = Tensor.randn(rng, 1, 5, 256);
    var config = MultiHeadLatentAttention.config(256, 4, 96, 64, 32, 16, 32);  // d, heads,
        // qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim
    var mla = new MultiHeadLatentAttention(config, rng);
    Tensor train = mla.forward(x);                            // expanded form, causal
    LatentKVCache latent = mla.newCache(1, 128);              // 64 + 16 numbers per token
    try (var off = GradMode.disabled()) {
      Tensor y0 = mla.forward(prompt, latent, null);          // absorbed form
      assertEquals(5, y0.size(1));
    }
    assertEquals(80, latent.elementsPerToken());
    assertEquals(12, train.size(1));
  }
}
