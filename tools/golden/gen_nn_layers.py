#!/usr/bin/python3
"""Golden outputs and gradients for Nabla's core layers, computed with PyTorch.

Run from anywhere (Debian's python3 with torch 1.13; only torch and the stdlib):

    /usr/bin/python3 tools/golden/gen_nn_layers.py

It rewrites nn/src/test/resources/golden/nn_layers.json, which
nn/src/test/java/dev/nabla/nn/GoldenLayersTest.java replays. The build never runs this.

Each case names a layer kind and its constructor arguments under Nabla's names, the layer's
state dict under PyTorch's names (Nabla loads it strictly, so the case is also a naming test),
an input, the output, a fixed upstream gradient dL/dy, and the gradients of
L = sum(y * upstream) with respect to the input (when it is a float tensor) and to every
parameter. Everything is float32, as Nabla's default dtype; with a max norm, the state after
the forward (rows renormalised in place) is recorded too.

torch 1.13 has no RMSNorm and no SwiGLU: both are written out below in a few lines.
"""

import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "nn", "src", "test", "resources", "golden", "nn_layers.json")


def tensor(t):
    t = t.detach()
    if t.dtype == torch.int64:
        return {"dtype": "i64", "shape": list(t.shape), "values": t.reshape(-1).tolist()}
    # float32 values widened to float64 print exactly
    return {"dtype": "f32", "shape": list(t.shape),
            "values": [float(v) for v in t.to(torch.float64).reshape(-1).tolist()]}


class RMSNorm(nn.Module):
    """y = x * rsqrt(mean(x^2, -1) + eps) * weight (LLaMA's)."""

    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class SwiGLU(nn.Module):
    """down(silu(gate(x)) * up(x)), as Hugging Face's LlamaMLP."""

    def __init__(self, dim, hidden):
        super().__init__()
        self.gate_proj = nn.Linear(dim, hidden, bias=False)
        self.up_proj = nn.Linear(dim, hidden, bias=False)
        self.down_proj = nn.Linear(hidden, dim, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Fn(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.f = f

    def forward(self, x):
        return self.f(x)


def randomize(module, gen):
    """Non-trivial values for parameters that start as ones/zeros (norm weights and biases)."""
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5 + 1.0)


def case(name, kind, config, module, x, gen, keep_after=False):
    float_input = x.is_floating_point()
    if float_input:
        x = x.clone().requires_grad_(True)
    state = {k: tensor(v) for k, v in module.state_dict().items()}
    y = module(x)
    upstream = torch.randn(y.shape, generator=gen)
    (y * upstream).sum().backward()
    grads = {}
    if float_input:
        grads["input"] = tensor(x.grad)
    for k, p in module.named_parameters():
        grads[k] = tensor(p.grad if p.grad is not None else torch.zeros_like(p))
    out = {"name": name, "kind": kind, "config": config, "state": state, "input": tensor(x),
           "output": tensor(y), "upstream": tensor(upstream), "grads": grads}
    if keep_after:
        out["state_after"] = {k: tensor(v) for k, v in module.state_dict().items()}
    return out


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)

    def randn(*shape):
        return torch.randn(shape, generator=gen)

    cases = []
    cases.append(case("linear", "Linear", {"in": 5, "out": 4, "bias": True},
                      nn.Linear(5, 4), randn(3, 5), gen))
    cases.append(case("linear_no_bias_3d", "Linear", {"in": 5, "out": 4, "bias": False},
                      nn.Linear(5, 4, bias=False), randn(2, 3, 5), gen))
    cases.append(case("linear_bias_3d", "Linear", {"in": 6, "out": 3, "bias": True},
                      nn.Linear(6, 3), randn(2, 2, 6), gen))

    cases.append(case("embedding", "Embedding", {"num": 6, "dim": 3},
                      nn.Embedding(6, 3), torch.tensor([[1, 4, 1], [5, 0, 4]]), gen))
    cases.append(case("embedding_padding", "Embedding", {"num": 7, "dim": 4, "paddingIdx": 0},
                      nn.Embedding(7, 4, padding_idx=0),
                      torch.tensor([[0, 3, 6, 0], [2, 3, 0, 1]]), gen))
    emb = nn.Embedding(5, 3, max_norm=1.0)
    with torch.no_grad():
        emb.weight.mul_(2.0)  # most rows above the max norm
    cases.append(case("embedding_max_norm", "Embedding", {"num": 5, "dim": 3, "maxNorm": 1.0},
                      emb, torch.tensor([3, 1, 3, 4]), gen, keep_after=True))

    ln = nn.LayerNorm(6)
    randomize(ln, gen)
    cases.append(case("layer_norm", "LayerNorm",
                      {"shape": [6], "eps": 1e-5, "affine": True, "bias": True},
                      ln, randn(2, 3, 6) * 2 + 0.5, gen))
    cases.append(case("layer_norm_no_affine", "LayerNorm",
                      {"shape": [6], "eps": 1e-5, "affine": False, "bias": False},
                      nn.LayerNorm(6, elementwise_affine=False), randn(4, 6), gen))
    ln2 = nn.LayerNorm([3, 4], eps=1e-6)
    randomize(ln2, gen)
    cases.append(case("layer_norm_2d", "LayerNorm",
                      {"shape": [3, 4], "eps": 1e-6, "affine": True, "bias": True},
                      ln2, randn(2, 3, 4), gen))

    rms = RMSNorm(8, 1e-6)
    randomize(rms, gen)
    cases.append(case("rms_norm", "RMSNorm", {"dim": 8, "eps": 1e-6}, rms, randn(2, 3, 8), gen))
    rms2 = RMSNorm(5, 1e-5)
    randomize(rms2, gen)
    cases.append(case("rms_norm_2d", "RMSNorm", {"dim": 5, "eps": 1e-5}, rms2, randn(4, 5) * 3,
                      gen))

    x = randn(3, 7) * 2.5
    cases.append(case("relu", "ReLU", {}, nn.ReLU(), x, gen))
    cases.append(case("leaky_relu", "LeakyReLU", {"negativeSlope": 0.2}, nn.LeakyReLU(0.2), x,
                      gen))
    cases.append(case("gelu", "GELU", {"approximation": "NONE"}, nn.GELU(), x, gen))
    cases.append(case("gelu_tanh", "GELU", {"approximation": "TANH"}, nn.GELU("tanh"), x, gen))
    cases.append(case("silu", "SiLU", {}, nn.SiLU(), x, gen))
    cases.append(case("sigmoid", "Sigmoid", {}, nn.Sigmoid(), x, gen))
    cases.append(case("tanh", "Tanh", {}, nn.Tanh(), x, gen))
    cases.append(case("softmax", "Softmax", {"dim": -1}, nn.Softmax(dim=-1), randn(2, 3, 5),
                      gen))
    cases.append(case("log_softmax", "LogSoftmax", {"dim": 1}, nn.LogSoftmax(dim=1),
                      randn(2, 3, 5), gen))

    cases.append(case("swiglu", "SwiGLU", {"dim": 6, "hidden": 10}, SwiGLU(6, 10),
                      randn(2, 3, 6), gen))

    with open(OUT, "w") as f:
        json.dump({"generator": "tools/golden/gen_nn_layers.py", "torch": torch.__version__,
                   "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT, ROOT)} "
          f"({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
