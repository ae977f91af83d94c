#!/usr/bin/python3
"""Golden outputs and gradients of scaled dot-product attention, computed with PyTorch.

Run from anywhere (Debian's python3 with torch 1.13; only torch and the stdlib):

    /usr/bin/python3 tools/golden/gen_attention_sdpa.py

It rewrites attention/src/test/resources/golden/sdpa.json, which
attention/src/test/java/dev/nabla/attention/SdpaGoldenTest.java replays against every softmax
implementation (REFERENCE, FLASH, AUTO). The build never runs this.

torch 1.13 has no F.scaled_dot_product_attention, so attention is written out by hand:
softmax(Q Kᵀ · scale + additive mask) V with masked scores set to -inf, grouped-query heads by
repeat_interleave of k and v over the head dimension (query head h reads kv head h // G), a
causal mask aligned to the bottom right (query i sees keys j <= i + Tk - Tq), and a row that may
attend to nothing giving a zero output (Nabla's contract; torch's softmax would give NaN there).

Each case records the inputs q [B, Hq, Tq, D], k and v [B, Hkv, Tk, D(v)], the mask (bool:
true = may attend, or additive float, in its own broadcastable shape), an upstream gradient dL/dy,
the output and the gradients of L = sum(y * upstream) for q, k and v. Everything is float32,
computed in float64 and rounded once.
"""

import json
import math
import os

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "attention", "src", "test", "resources", "golden", "sdpa.json")


def tensor(t):
    t = t.detach()
    if t.dtype == torch.bool:
        return {"dtype": "bool", "shape": list(t.shape), "values": [bool(v) for v in t.reshape(-1)]}
    return {"dtype": "f32", "shape": list(t.shape),
            "values": [float(v) for v in t.to(torch.float32).to(torch.float64).reshape(-1)]}


def attention(q, k, v, mask, causal, scale):
    """softmax(q kᵀ scale + mask) v, by hand, in the inputs' dtype."""
    b, hq, tq, d = q.shape
    hkv, tk = k.shape[1], k.shape[2]
    g = hq // hkv
    k = k.repeat_interleave(g, dim=1)
    v = v.repeat_interleave(g, dim=1)
    scores = q @ k.transpose(-1, -2) * scale
    allowed = torch.ones(b, hq, tq, tk, dtype=torch.bool)
    if causal:
        allowed = allowed & torch.ones(tq, tk, dtype=torch.bool).tril(tk - tq)
    if mask is not None:
        if mask.dtype == torch.bool:
            allowed = allowed & mask
        else:
            scores = scores + mask.to(scores.dtype)
    scores = scores.masked_fill(~allowed, float("-inf"))
    empty = ~allowed.any(-1, keepdim=True)
    # a row with nothing allowed: softmax of a finite row, then zeroed (no NaN anywhere)
    weights = torch.softmax(scores.masked_fill(empty, 0.0), dim=-1).masked_fill(empty, 0.0)
    return weights @ v


def case(name, gen, b, hq, hkv, tq, tk, d, dv=None, causal=False, mask=None, scale=None):
    dv = d if dv is None else dv
    q = torch.randn(b, hq, tq, d, generator=gen, dtype=torch.float32)
    k = torch.randn(b, hkv, tk, d, generator=gen, dtype=torch.float32)
    v = torch.randn(b, hkv, tk, dv, generator=gen, dtype=torch.float32)
    up = torch.randn(b, hq, tq, dv, generator=gen, dtype=torch.float32)
    s = 1.0 / math.sqrt(d) if scale is None else scale
    q64, k64, v64 = (t.to(torch.float64).requires_grad_() for t in (q, k, v))
    m64 = None if mask is None or mask.dtype == torch.bool else mask.to(torch.float64)
    y = attention(q64, k64, v64, mask if m64 is None else m64, causal, s)
    (y * up.to(torch.float64)).sum().backward()
    c = {"name": name, "causal": causal, "q": tensor(q), "k": tensor(k), "v": tensor(v),
         "upstream": tensor(up), "out": tensor(y), "dq": tensor(q64.grad),
         "dk": tensor(k64.grad), "dv": tensor(v64.grad)}
    if scale is not None:
        c["scale"] = scale
    if mask is not None:
        c["mask"] = tensor(mask)
    return c


def main():
    gen = torch.Generator().manual_seed(20240606)
    cases = [
        case("plain", gen, 2, 2, 2, 5, 7, 8),
        case("causal_square", gen, 1, 2, 2, 6, 6, 4, causal=True),
        case("causal_decode_offset", gen, 1, 2, 2, 3, 8, 4, causal=True),
        case("gqa4_causal", gen, 1, 4, 1, 5, 9, 8, causal=True),
        case("gqa2_scale_dv", gen, 2, 4, 2, 4, 6, 6, dv=3, scale=0.3),
    ]
    bool_mask = torch.rand(5, 7, generator=gen) > 0.35
    bool_mask[2] = False  # a row that may attend to nothing
    cases.append(case("bool_mask_empty_row", gen, 2, 2, 1, 5, 7, 8, mask=bool_mask))
    padding = torch.ones(2, 1, 1, 7, dtype=torch.bool)
    padding[1, :, :, 5:] = False
    cases.append(case("padding_mask_causal", gen, 2, 2, 2, 7, 7, 4, causal=True, mask=padding))
    additive = torch.randn(2, 1, 4, 6, generator=gen) * 2
    cases.append(case("additive_mask", gen, 2, 2, 2, 4, 6, 8, mask=additive))
    with open(OUT, "w") as f:
        json.dump({"generator": "tools/golden/gen_attention_sdpa.py", "torch": torch.__version__,
                   "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT, ROOT)} "
          f"({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
