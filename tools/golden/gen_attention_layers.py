#!/usr/bin/python3
"""Golden fixtures for Nabla's attention layers (dev.nabla.attention), computed with PyTorch.

Run from the repository root (Debian's python3 with torch 1.13; only torch and the stdlib):

    /usr/bin/python3 tools/golden/gen_attention_layers.py

It rewrites attention/src/test/resources/golden/attention_layers.json, which
attention/src/test/java/dev/nabla/attention/MhaGoldenTest.java and RotaryEmbeddingTest.java
replay. The build never runs this.

"mha" cases: torch.nn.MultiheadAttention(embed_dim=8, num_heads=2, batch_first=True), with its
own init, and Nabla's MultiHeadAttention in packedInProjection mode loading torch's state dict by
name (in_proj_weight, in_proj_bias, out_proj.weight, out_proj.bias). Self-attention (q = k = v =
x) without a mask, with a boolean attn_mask, with a key_padding_mask, with both, with an additive
float mask; cross-attention (query and key/value source of different lengths) with a
key_padding_mask; no biases. Torch's boolean masks mean "NOT allowed"; the fixture stores
Nabla's convention, "allowed" = the negation, as 0/1. Stored: state dict, inputs, a fixed upstream
gradient gy, torch's output and the gradients of sum(out * gy) w.r.t. the inputs and every
parameter.

"rope" cases: RoPE written here twice, as Meta's LLaMA code does it (pairs (x0, x1), (x2, x3), ...
rotated through complex multiplication, view_as_complex) and as Hugging Face does it
(rotate_half: pairs (x_i, x_{i+d/2})), with partial rotary (the first rotary_dim features
rotated, the rest passed through), a position offset, explicit [B, T] position ids, linear
scaling (positions / factor) and NTK-aware scaling (base = theta * factor^(d/(d-2))). Stored: x
[B, H, T, D], gy, the output and the gradient of sum(out * gy) w.r.t. x.

Precision: weights, inputs and upstream gradients are float32 numbers (9 significant digits,
which round-trip float32) and torch computes in float64 from them, so the results are the exact
math on the stored inputs to 12 digits.
"""

import json
import os

import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "..", "..", "attention", "src", "test", "resources", "golden",
                   "attention_layers.json")


def f32(t):
    return [float(f"{v:.9g}") for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def f64(t):
    return [float(f"{v:.12g}") for v in t.detach().reshape(-1).tolist()]


def tensor(t, fmt):
    return {"shape": list(t.shape), "data": fmt(t)}


def r32(t):
    """Rounds to float32 and back to float64: the values the fixture stores exactly."""
    return t.to(torch.float32).to(torch.float64)


# ---------------------------------------------------------------- MultiheadAttention

D_MODEL, HEADS = 8, 2


def mha_case(name, seed, cross=False, bias=True, attn_mask=None, key_padding=False,
             float_mask=False):
    torch.manual_seed(seed)
    mha = nn.MultiheadAttention(D_MODEL, HEADS, bias=bias, batch_first=True)
    if bias:  # torch starts biases at zero; make them non-zero so they are tested
        with torch.no_grad():
            mha.in_proj_bias.uniform_(-0.5, 0.5)
            mha.out_proj.bias.uniform_(-0.5, 0.5)
    mha = mha.double()
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(r32(p))
    B, TQ = 2, 5
    TK = 6 if cross else TQ
    q = r32(torch.randn(B, TQ, D_MODEL, dtype=torch.float64)).requires_grad_()
    kv = r32(torch.randn(B, TK, D_MODEL, dtype=torch.float64)).requires_grad_() if cross else q
    case = {"name": name, "cross": cross, "bias": bias}
    kwargs = {"need_weights": False}
    if attn_mask == "bool":
        not_allowed = torch.rand(TQ, TK) < 0.3
        not_allowed[:, 0] = False  # every row may attend to something
        kwargs["attn_mask"] = not_allowed
        case["attn_mask_allowed"] = tensor((~not_allowed).to(torch.float64), f64)
    if float_mask:
        m = r32(torch.randn(TQ, TK, dtype=torch.float64))
        kwargs["attn_mask"] = m
        case["attn_mask_additive"] = tensor(m, f32)
    if key_padding:
        lengths = [TK, TK - 2]
        pad = torch.zeros(B, TK, dtype=torch.bool)
        for i, n in enumerate(lengths):
            pad[i, n:] = True
        kwargs["key_padding_mask"] = pad
        case["key_keep"] = tensor((~pad).to(torch.float64), f64)
    out, _ = mha(q, kv, kv, **kwargs)
    gy = r32(torch.randn(out.shape, dtype=torch.float64))
    (out * gy).sum().backward()
    case["state"] = {k: tensor(v, f32) for k, v in mha.state_dict().items()}
    case["query"] = tensor(q, f32)
    if cross:
        case["source"] = tensor(kv, f32)
    case["gy"] = tensor(gy, f32)
    case["out"] = tensor(out, f64)
    case["grad_query"] = tensor(q.grad, f64)
    if cross:
        case["grad_source"] = tensor(kv.grad, f64)
    case["grad_params"] = {k: tensor(p.grad, f64) for k, p in mha.named_parameters()}
    return case


# ---------------------------------------------------------------- RoPE, written two ways

def inv_freq(rotary_dim, theta, ntk):
    base = theta * ntk ** (rotary_dim / (rotary_dim - 2)) if ntk != 1 else theta
    return 1.0 / (base ** (torch.arange(0, rotary_dim, 2, dtype=torch.float64) / rotary_dim))


def angles(positions, rotary_dim, theta, linear, ntk):
    """positions [P, T] -> angles [P, T, rotary_dim / 2]."""
    return (positions.to(torch.float64) / linear)[..., None] * inv_freq(rotary_dim, theta, ntk)


def rope_meta(x, ang):
    """Meta's LLaMA: consecutive pairs as complex numbers times e^{i angle}."""
    freqs_cis = torch.polar(torch.ones_like(ang), ang)  # [P, T, d/2]
    xc = torch.view_as_complex(x.reshape(*x.shape[:-1], -1, 2))  # [B, H, T, d/2]
    if freqs_cis.shape[0] > 1:
        freqs_cis = freqs_cis[:, None]  # [B, 1, T, d/2]
    return torch.view_as_real(xc * freqs_cis).flatten(-2)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rope_hf(x, ang):
    """Hugging Face: emb = cat(freqs, freqs); x*cos + rotate_half(x)*sin."""
    emb = torch.cat((ang, ang), dim=-1)  # [P, T, d]
    cos, sin = emb.cos(), emb.sin()
    if cos.shape[0] > 1:
        cos, sin = cos[:, None], sin[:, None]
    return x * cos + rotate_half(x) * sin


def rope_case(name, seed, pairing, rotary_dim, head_dim=8, theta=10000.0, offset=0,
              position_ids=False, linear=1.0, ntk=1.0):
    torch.manual_seed(seed)
    B, H, T = 2, 3, 5
    x = r32(torch.randn(B, H, T, head_dim, dtype=torch.float64)).requires_grad_()
    if position_ids:
        pos = torch.randint(0, 40, (B, T))
    else:
        pos = (torch.arange(T) + offset)[None]
    ang = angles(pos, rotary_dim, theta, linear, ntk)
    rot, rest = x[..., :rotary_dim], x[..., rotary_dim:]
    fn = rope_meta if pairing == "INTERLEAVED" else rope_hf
    out = torch.cat((fn(rot, ang), rest), dim=-1)
    gy = r32(torch.randn(out.shape, dtype=torch.float64))
    (out * gy).sum().backward()
    case = {"name": name, "pairing": pairing, "rotary_dim": rotary_dim, "theta": theta,
            "offset": offset, "linear": linear, "ntk": ntk, "x": tensor(x, f32),
            "gy": tensor(gy, f32), "out": tensor(out, f64), "grad_x": tensor(x.grad, f64)}
    if position_ids:
        case["position_ids"] = {"shape": list(pos.shape), "data": pos.reshape(-1).tolist()}
    return case


def main():
    torch.set_default_dtype(torch.float64)
    mha = [
        mha_case("self_nomask", 1),
        mha_case("self_bool_mask", 2, attn_mask="bool"),
        mha_case("self_key_padding", 3, key_padding=True),
        mha_case("self_bool_mask_and_padding", 4, attn_mask="bool", key_padding=True),
        mha_case("self_float_mask", 5, float_mask=True),
        mha_case("cross_key_padding", 6, cross=True, key_padding=True),
        mha_case("self_nobias", 7, bias=False),
    ]
    rope = [
        rope_case("interleaved_full", 11, "INTERLEAVED", 8),
        rope_case("half_full_offset", 12, "HALF", 8, offset=7),
        rope_case("interleaved_partial_offset", 13, "INTERLEAVED", 4, offset=3, theta=500.0),
        rope_case("half_partial", 14, "HALF", 4, head_dim=10),
        rope_case("interleaved_position_ids", 15, "INTERLEAVED", 8, position_ids=True),
        rope_case("half_position_ids", 16, "HALF", 6, position_ids=True),
        rope_case("half_linear", 17, "HALF", 8, offset=2, linear=4.0),
        rope_case("interleaved_ntk", 18, "INTERLEAVED", 8, offset=20, ntk=8.0),
        rope_case("half_ntk_linear", 19, "HALF", 8, offset=9, ntk=2.0, linear=2.0),
    ]
    doc = {"generator": "tools/golden/gen_attention_layers.py", "torch": torch.__version__,
           "mha": mha, "rope": rope}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes): "
          f"{len(mha)} mha cases, {len(rope)} rope cases")


if __name__ == "__main__":
    main()
