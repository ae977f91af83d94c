#!/usr/bin/python3
"""Golden fixtures for Nabla's LLaMA (dev.nabla.models.llama), computed with plain PyTorch.

Run from the repository root (Debian's python3 with torch 1.13; only torch and the stdlib):

    /usr/bin/python3 tools/golden/gen_llama.py

It rewrites models/src/test/resources/llama/{tiny,tied}/ (config.json, model.safetensors,
golden.safetensors, golden.json), which LlamaGoldenTest replays. The build never runs this.

The model is Hugging Face's LlamaForCausalLM written out here as functions over a state dict
with HF's names (transformers is not installed; nothing is imported from it):
  h = embed_tokens[ids]
  per layer: h = h + o_proj(attn(input_layernorm(h)));  h = h + mlp(post_attention_layernorm(h))
  logits = lm_head(norm(h))            (lm_head = embed_tokens when tie_word_embeddings)
  RMSNorm:   w * x * rsqrt(mean(x^2) + eps)           (eps inside the square root)
  RoPE:      "rotate half": inv_freq_i = theta^(-2i/D), emb = cat(freqs, freqs),
             x*cos + rotate_half(x)*sin with rotate_half(x) = cat(-x[D/2:], x[:D/2])
  GQA:       repeat_kv: query head h reads key/value head h // (heads / kv_heads)
  attention: softmax(q k^T / sqrt(D) + causal mask) v
  MLP:       down_proj(silu(gate_proj(x)) * up_proj(x))

Fixtures:
  tiny  W3's dimensions with 2 layers instead of 4 (vocab 512, hidden 256, 8 heads / 4 KV heads,
        head dim 32, intermediate 688, eps 1e-5, theta 1e4, max positions 128, separate lm_head),
        weights stored as BF16 (3.4 MB; F32 would be 6.8 MB) as many HF checkpoints are; every
        value below is computed from the BF16-rounded weights.
  tied  a smaller MQA model with tied embeddings (vocab 96, hidden 64, 4 heads / 1 KV head,
        intermediate 128, eps 1e-6, theta 5e5), F32, without lm_head.weight in the file
        (as save_pretrained writes tied checkpoints), and a config.json with HF's extra keys.

golden.safetensors holds the token ids and logits of a few sequences (torch computes in float64
from the stored weights: the exact math, stored as F32), and for "tiny" one AdamW step (W3's
hyper-parameters) on a [2, 17] batch: the loss, a few gradients and the updated weights, and a
greedy continuation (argmax margins are checked to be far above float32 noise).

Weights are drawn with larger spreads than HF's N(0, 0.02) init so that attention is far from
uniform: the script checks that Meta's interleaved RoPE pairing and a wrong GQA head mapping
change the logits by far more than the 1e-4 tolerance, so the test can tell them apart.
"""

import json
import math
import os
import struct

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "models", "src", "test", "resources", "llama")

# --------------------------------------------------------------------------- safetensors

ST_DTYPE = {torch.float32: "F32", torch.float64: "F64", torch.bfloat16: "BF16",
            torch.int64: "I64", torch.int32: "I32"}


def write_safetensors(path, tensors, metadata=None):
    """The format: u64 LE header length, JSON header padded with spaces to 8, raw LE data."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in tensors.items():
        t = t.detach().contiguous()
        if t.dtype == torch.bfloat16:
            data = t.view(torch.int16).numpy().tobytes()
        else:
            data = t.numpy().tobytes()
        header[name] = {"dtype": ST_DTYPE[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


# --------------------------------------------------------------------------- the model

def rms_norm(x, w, eps):
    return w * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps))


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def rope_tables(positions, head_dim, theta):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    freqs = torch.outer(positions.to(torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)                   # [T, D]
    return emb.cos(), emb.sin()


def apply_rope_half(x, cos, sin):
    return x * cos + rotate_half(x) * sin


def apply_rope_interleaved(x, cos, sin):
    """Meta's pairing (x0, x1), (x2, x3), ...: used only to show the test can tell the two apart."""
    half = x.shape[-1] // 2
    c, s = cos[..., :half], sin[..., :half]
    a, b = x[..., 0::2], x[..., 1::2]
    return torch.stack((a * c - b * s, a * s + b * c), dim=-1).flatten(-2)


def repeat_kv(x, n_rep):
    """[B, Hkv, T, D] -> [B, Hkv*n_rep, T, D]; query head h reads kv head h // n_rep."""
    if n_rep == 1:
        return x
    b, hkv, t, d = x.shape
    return x[:, :, None].expand(b, hkv, n_rep, t, d).reshape(b, hkv * n_rep, t, d)


def forward(w, cfg, ids, rope=apply_rope_half, kv_map="hf"):
    b, t = ids.shape
    hidden = cfg["hidden_size"]
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = hidden // nh
    eps = cfg["rms_norm_eps"]
    cos, sin = rope_tables(torch.arange(t), hd, cfg["rope_theta"])
    mask = torch.full((t, t), float("-inf"), dtype=torch.float64).triu(1)
    h = w["model.embed_tokens.weight"][ids]
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        x = rms_norm(h, w[p + "input_layernorm.weight"], eps)
        q = (x @ w[p + "self_attn.q_proj.weight"].T).view(b, t, nh, hd).transpose(1, 2)
        k = (x @ w[p + "self_attn.k_proj.weight"].T).view(b, t, nkv, hd).transpose(1, 2)
        v = (x @ w[p + "self_attn.v_proj.weight"].T).view(b, t, nkv, hd).transpose(1, 2)
        q, k = rope(q, cos, sin), rope(k, cos, sin)
        if kv_map == "hf":
            k, v = repeat_kv(k, nh // nkv), repeat_kv(v, nh // nkv)
        else:  # the wrong mapping h % nkv, only for the sensitivity check
            k, v = k.repeat(1, nh // nkv, 1, 1), v.repeat(1, nh // nkv, 1, 1)
        scores = q @ k.transpose(2, 3) / math.sqrt(hd) + mask
        attn = torch.softmax(scores, dim=-1) @ v                 # [B, H, T, D]
        attn = attn.transpose(1, 2).reshape(b, t, nh * hd)
        h = h + attn @ w[p + "self_attn.o_proj.weight"].T
        x = rms_norm(h, w[p + "post_attention_layernorm.weight"], eps)
        gate = x @ w[p + "mlp.gate_proj.weight"].T
        up = x @ w[p + "mlp.up_proj.weight"].T
        h = h + (torch.nn.functional.silu(gate) * up) @ w[p + "mlp.down_proj.weight"].T
    h = rms_norm(h, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if cfg["tie_word_embeddings"] else w["lm_head.weight"]
    return h @ head.T


def make_weights(cfg, gen):
    """HF names and shapes, in HF's order; spreads chosen to make attention non-uniform."""
    hidden, inter = cfg["hidden_size"], cfg["intermediate_size"]
    nh, nkv = cfg["num_attention_heads"], cfg["num_key_value_heads"]
    hd = hidden // nh

    def normal(shape, std):
        return torch.randn(*shape, generator=gen, dtype=torch.float32) * std

    def norm_weight():
        return 1.0 + 0.1 * torch.randn(hidden, generator=gen, dtype=torch.float32)

    s = 1.0 / math.sqrt(hidden)
    # a tied table is also the output head: keep its logits O(1)
    w = {"model.embed_tokens.weight":
         normal((cfg["vocab_size"], hidden), 2 * s if cfg["tie_word_embeddings"] else 1.0)}
    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        w[p + "self_attn.q_proj.weight"] = normal((nh * hd, hidden), 1.5 * s)
        w[p + "self_attn.k_proj.weight"] = normal((nkv * hd, hidden), 1.5 * s)
        w[p + "self_attn.v_proj.weight"] = normal((nkv * hd, hidden), s)
        w[p + "self_attn.o_proj.weight"] = normal((hidden, nh * hd), 1.0 / math.sqrt(nh * hd))
        w[p + "mlp.gate_proj.weight"] = normal((inter, hidden), s)
        w[p + "mlp.up_proj.weight"] = normal((inter, hidden), s)
        w[p + "mlp.down_proj.weight"] = normal((hidden, inter), 1.0 / math.sqrt(inter))
        w[p + "input_layernorm.weight"] = norm_weight()
        w[p + "post_attention_layernorm.weight"] = norm_weight()
    w["model.norm.weight"] = norm_weight()
    if not cfg["tie_word_embeddings"]:
        w["lm_head.weight"] = normal((cfg["vocab_size"], hidden), s)
    return w


def hf_config(cfg, torch_dtype):
    """config.json as transformers writes it for LlamaForCausalLM (extra keys included)."""
    out = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        "initializer_range": 0.02,
        "model_type": "llama",
        "pretraining_tp": 1,
        "rope_scaling": None,
        "torch_dtype": torch_dtype,
        "transformers_version": "4.40.0",
        "use_cache": True,
    }
    out.update(cfg)
    return dict(sorted(out.items()))


def check_sensitivity(w64, cfg, ids):
    ref = forward(w64, cfg, ids)
    d_rope = (forward(w64, cfg, ids, rope=apply_rope_interleaved) - ref).abs().max().item()
    msg = f"  sensitivity: interleaved RoPE changes logits by {d_rope:.3g}"
    assert d_rope > 1e-2, msg
    if cfg["num_key_value_heads"] not in (1, cfg["num_attention_heads"]):
        d_kv = (forward(w64, cfg, ids, kv_map="tiled") - ref).abs().max().item()
        msg += f", GQA head mapping h % kv by {d_kv:.3g}"
        assert d_kv > 1e-2, msg
    print(msg)


def greedy(w64, cfg, prompt, n):
    """Greedy continuation recomputing the whole sequence; returns tokens and the smallest margin."""
    ids = prompt.clone()
    out, margin = [], float("inf")
    for _ in range(n):
        last = forward(w64, cfg, ids)[0, -1]
        top2 = torch.topk(last, 2).values
        margin = min(margin, (top2[0] - top2[1]).item())
        nxt = int(last.argmax())
        out.append(nxt)
        ids = torch.cat((ids, torch.tensor([[nxt]])), dim=1)
    return out, margin


def build(name, cfg, store_dtype, seed, cases, train=None, greedy_case=None):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    gen = torch.Generator().manual_seed(seed)
    w32 = make_weights(cfg, gen)
    stored = {k: v.to(store_dtype) for k, v in w32.items()}
    w64 = {k: v.to(torch.float64) for k, v in stored.items()}   # exactly what the file holds

    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(hf_config(cfg, "bfloat16" if store_dtype == torch.bfloat16 else "float32"),
                  f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(d, "model.safetensors"), stored, {"format": "pt"})

    golden = {}
    meta = {"cases": []}
    for case, shape in cases:
        ids = torch.randint(0, cfg["vocab_size"], shape, generator=gen)
        logits = forward(w64, cfg, ids)
        golden[case + ".ids"] = ids
        golden[case + ".logits"] = logits.to(torch.float32)
        meta["cases"].append(case)
        print(f"  {case}: ids {list(shape)}, logits max |x| {logits.abs().max().item():.3g}")
    check_sensitivity(w64, cfg, golden[cases[0][0] + ".ids"])

    if greedy_case is not None:
        prompt = torch.randint(0, cfg["vocab_size"], (1, greedy_case[0]), generator=gen)
        tokens, margin = greedy(w64, cfg, prompt, greedy_case[1])
        assert margin > 1e-3, f"greedy margin {margin} too small for a float32 comparison"
        golden["greedy.prompt"] = prompt
        golden["greedy.tokens"] = torch.tensor(tokens, dtype=torch.int64)
        meta["greedy_min_margin"] = margin
        print(f"  greedy: prompt {greedy_case[0]}, {greedy_case[1]} tokens, min top-2 margin "
              f"{margin:.3g}")

    if train is not None:
        batch = torch.randint(0, cfg["vocab_size"], train["shape"], generator=gen)
        params = {k: v.clone().requires_grad_(True) for k, v in w64.items()}
        opt = torch.optim.AdamW(list(params.values()), lr=train["lr"], betas=train["betas"],
                                eps=train["eps"], weight_decay=train["weight_decay"],
                                foreach=False)
        opt.zero_grad(set_to_none=True)
        logits = forward(params, cfg, batch[:, :-1])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, cfg["vocab_size"]),
                                                 batch[:, 1:].reshape(-1))
        loss.backward()
        golden["train.tokens"] = batch
        # a few rows of each checked tensor (all of a 1-D one): rows 0-3, and for the
        # vocabulary-sized ones also the rows of the first tokens of the batch
        rows = {}
        for k in train["check"]:
            n = params[k].shape[0]
            r = list(range(4)) if params[k].dim() == 2 else list(range(n))
            if params[k].dim() == 2 and n == cfg["vocab_size"]:
                r += [int(t) for t in batch[0, :4]]
            rows[k] = torch.tensor(sorted(set(r)), dtype=torch.int64)
            golden["train.rows." + k] = rows[k]
            golden["train.grad." + k] = params[k].grad[rows[k]].to(torch.float32)
        opt.step()
        for k in train["check"]:
            golden["train.updated." + k] = params[k].detach()[rows[k]].to(torch.float32)
        meta["train"] = {"lr": train["lr"], "betas": list(train["betas"]), "eps": train["eps"],
                         "weight_decay": train["weight_decay"], "loss": loss.item(),
                         "check": train["check"]}
        print(f"  train: loss {loss.item():.6f}")

    write_safetensors(os.path.join(d, "golden.safetensors"), golden)
    with open(os.path.join(d, "golden.json"), "w") as f:
        json.dump(meta, f, indent=2)
        f.write("\n")
    size = os.path.getsize(os.path.join(d, "model.safetensors"))
    print(f"  wrote {d} (model.safetensors {size / 1e6:.2f} MB)")


def main():
    torch.set_num_threads(1)
    tiny = {"vocab_size": 512, "hidden_size": 256, "intermediate_size": 688,
            "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 4,
            "rms_norm_eps": 1e-5, "rope_theta": 10000.0, "max_position_embeddings": 128,
            "tie_word_embeddings": False}
    print("tiny")
    build("tiny", tiny, torch.bfloat16, 1234,
          [("batch2", (2, 16)), ("single", (1, 1)), ("long", (1, 64))],
          train={"shape": (2, 17), "lr": 3e-4, "betas": (0.9, 0.95), "eps": 1e-8,
                 "weight_decay": 0.1,
                 "check": ["model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight",
                           "model.layers.0.self_attn.k_proj.weight",
                           "model.layers.1.mlp.down_proj.weight",
                           "model.layers.1.post_attention_layernorm.weight",
                           "model.norm.weight", "lm_head.weight"]},
          greedy_case=(8, 12))
    tied = {"vocab_size": 96, "hidden_size": 64, "intermediate_size": 128,
            "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 1,
            "rms_norm_eps": 1e-6, "rope_theta": 500000.0, "max_position_embeddings": 64,
            "tie_word_embeddings": True}
    print("tied")
    build("tied", tied, torch.float32, 99, [("batch3", (3, 10)), ("long", (1, 40))])


if __name__ == "__main__":
    main()
