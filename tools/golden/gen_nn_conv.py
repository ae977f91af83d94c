#!/usr/bin/python3
"""Golden outputs and gradients for Nabla's convolutions, computed with PyTorch.

Run from anywhere (Debian's python3 with torch 1.13; only torch and the stdlib):

    /usr/bin/python3 tools/golden/gen_nn_conv.py

It rewrites nn/src/test/resources/golden/nn_conv.json, which
nn/src/test/java/dev/nabla/nn/conv/ConvGoldenTest.java replays. The build never runs this.

Each case names a layer kind (Conv1d, Conv2d, ConvTranspose2d) and its configuration under
Nabla's names, torch's state dict (weight, bias; Nabla loads it strictly), an input, the output,
and the gradients of L = sum(y * upstream) with respect to the input, the weight and the bias.
The upstream gradient is not stored: both sides compute upstream[i] = sin(0.37 i + 0.1) over the
flat output (float64, then rounded to the case's dtype), which keeps the file small.

Most cases are float32 (Nabla's im2col + GEMM path, compared to a relative tolerance); the
"f64" cases run torch in float64 and check Nabla's direct-loop F64 path tightly. Nabla's
paddingSides has no torch equivalent in nn.Conv2d; it is F.pad followed by an unpadded conv.
"""

import json
import math
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "nn", "src", "test", "resources", "golden", "nn_conv.json")


def tensor(t):
    t = t.detach()
    if t.dtype == torch.float64:
        return {"dtype": "f64", "shape": list(t.shape),
                "values": [float(v) for v in t.reshape(-1).tolist()]}
    # 9 significant digits identify a float32 exactly
    return {"dtype": "f32", "shape": list(t.shape),
            "values": [float("%.9g" % v) for v in t.to(torch.float64).reshape(-1).tolist()]}


def upstream(shape, dtype):
    n = math.prod(shape)
    v = torch.tensor([math.sin(0.37 * i + 0.1) for i in range(n)], dtype=torch.float64)
    return v.to(dtype).reshape(shape)


def pair(v, dims):
    return list(v) if isinstance(v, (tuple, list)) else [v] * dims


class Padded(nn.Module):
    """F.pad then a convolution without padding: Nabla's paddingSides."""

    def __init__(self, conv, sides):
        super().__init__()
        self.conv = conv
        # torch pads the last dimension first: (left, right, top, bottom)
        self.pads = sides[2:] + sides[:2] if len(sides) == 4 else sides

    def forward(self, x):
        return self.conv(F.pad(x, self.pads))


def run_case(name, kind, cfg, x, gen, dtype=torch.float32, output_size=None):
    dims = 1 if kind == "Conv1d" else 2
    k = cfg["kernel"]
    common = dict(stride=cfg.get("stride", 1), dilation=cfg.get("dilation", 1),
                  groups=cfg.get("groups", 1), bias=cfg.get("bias", True))
    padding = cfg.get("padding", 0)
    sides = cfg.get("paddingSides")
    if kind == "ConvTranspose2d":
        m = nn.ConvTranspose2d(cfg["in"], cfg["out"], k, padding=padding,
                               output_padding=cfg.get("outputPadding", 0), **common)
    else:
        cls = nn.Conv1d if dims == 1 else nn.Conv2d
        m = cls(cfg["in"], cfg["out"], k, padding=0 if sides else padding, **common)
    m = m.to(dtype)
    if sides:
        module = Padded(m, sides)
    else:
        module = m
    x = x.to(dtype).clone().requires_grad_(True)
    y = module(x, output_size) if output_size is not None else module(x)
    (y * upstream(tuple(y.shape), dtype)).sum().backward()
    grads = {"input": tensor(x.grad)}
    for pname, p in m.named_parameters():
        grads[pname] = tensor(p.grad)
    config = dict(cfg)
    config["kernel"] = pair(k, dims)
    out = {"name": name, "kind": kind, "config": config,
           "state": {kk: tensor(v) for kk, v in m.state_dict().items()},
           "input": tensor(x), "output": tensor(y), "grads": grads}
    if output_size is not None:
        out["outputSize"] = list(output_size)
    return out


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1234)

    def randn(*shape):
        return torch.randn(shape, generator=gen)

    cases = []

    def add(name, kind, cfg, shape, **kw):
        cases.append(run_case(name, kind, cfg, randn(*shape), gen, **kw))

    # ---------------------------------------------------------------- Conv2d
    add("conv2d_basic_odd", "Conv2d", {"in": 3, "out": 4, "kernel": 3}, (2, 3, 7, 6))
    add("conv2d_stride2_pad1", "Conv2d",
        {"in": 3, "out": 4, "kernel": 3, "stride": 2, "padding": 1}, (1, 3, 9, 8))
    add("conv2d_nonsquare_kernel_tuple_pad_stride", "Conv2d",
        {"in": 2, "out": 3, "kernel": [3, 5], "stride": [2, 1], "padding": [1, 2]}, (1, 2, 8, 7))
    add("conv2d_dilation2", "Conv2d",
        {"in": 2, "out": 3, "kernel": 3, "dilation": 2, "padding": 2}, (1, 2, 7, 7))
    add("conv2d_dilation_stride_mixed", "Conv2d",
        {"in": 2, "out": 2, "kernel": [2, 3], "dilation": [2, 1], "stride": [1, 3],
         "padding": [0, 1]}, (1, 2, 7, 10))
    add("conv2d_groups2", "Conv2d",
        {"in": 4, "out": 6, "kernel": 3, "groups": 2, "padding": 1}, (1, 4, 5, 6))
    add("conv2d_depthwise", "Conv2d",
        {"in": 4, "out": 4, "kernel": 3, "groups": 4, "padding": 1, "stride": 2}, (2, 4, 7, 5))
    add("conv2d_depthwise_multiplier", "Conv2d",
        {"in": 3, "out": 6, "kernel": [3, 2], "groups": 3}, (1, 3, 6, 5))
    add("conv2d_same_odd", "Conv2d",
        {"in": 3, "out": 2, "kernel": 3, "padding": "same"}, (1, 3, 5, 7))
    add("conv2d_same_even_asymmetric", "Conv2d",
        {"in": 2, "out": 3, "kernel": [2, 4], "padding": "same"}, (1, 2, 5, 6))
    add("conv2d_same_dilated", "Conv2d",
        {"in": 2, "out": 2, "kernel": [2, 3], "dilation": [1, 3], "padding": "same"},
        (1, 2, 6, 9))
    add("conv2d_valid", "Conv2d",
        {"in": 2, "out": 2, "kernel": 3, "padding": "valid"}, (1, 2, 5, 4))
    add("conv2d_no_bias", "Conv2d",
        {"in": 3, "out": 2, "kernel": 3, "padding": 1, "bias": False}, (2, 3, 4, 5))
    add("conv2d_1x1", "Conv2d", {"in": 5, "out": 3, "kernel": 1}, (2, 5, 3, 4))
    add("conv2d_1x1_stride2", "Conv2d",
        {"in": 3, "out": 2, "kernel": 1, "stride": 2}, (1, 3, 5, 6))
    add("conv2d_kernel_equals_input", "Conv2d",
        {"in": 2, "out": 3, "kernel": [4, 5]}, (2, 2, 4, 5))
    add("conv2d_large_pad", "Conv2d",
        {"in": 1, "out": 2, "kernel": 2, "padding": 3, "stride": 3}, (1, 1, 3, 4))
    add("conv2d_unbatched", "Conv2d",
        {"in": 2, "out": 3, "kernel": 3, "padding": 1}, (2, 4, 5))
    add("conv2d_padding_sides", "Conv2d",
        {"in": 2, "out": 2, "kernel": 3, "paddingSides": [1, 0, 2, 1]}, (1, 2, 5, 5))

    # ---------------------------------------------------------------- Conv1d
    add("conv1d_basic", "Conv1d", {"in": 3, "out": 4, "kernel": 3}, (2, 3, 11))
    add("conv1d_stride2_pad2_dil2", "Conv1d",
        {"in": 2, "out": 3, "kernel": 3, "stride": 2, "padding": 2, "dilation": 2}, (1, 2, 13))
    add("conv1d_groups_same_even", "Conv1d",
        {"in": 4, "out": 2, "kernel": 4, "groups": 2, "padding": "same"}, (1, 4, 9))
    add("conv1d_no_bias_unbatched", "Conv1d",
        {"in": 2, "out": 3, "kernel": 2, "bias": False}, (2, 7))

    # ---------------------------------------------------------------- ConvTranspose2d
    add("convT_basic", "ConvTranspose2d", {"in": 3, "out": 2, "kernel": 3}, (2, 3, 4, 5))
    add("convT_k4_s2_p1", "ConvTranspose2d",
        {"in": 4, "out": 2, "kernel": 4, "stride": 2, "padding": 1}, (1, 4, 3, 4))
    add("convT_outpad", "ConvTranspose2d",
        {"in": 2, "out": 3, "kernel": 3, "stride": 2, "padding": 1, "outputPadding": 1},
        (1, 2, 4, 3))
    add("convT_nonsquare_mixed", "ConvTranspose2d",
        {"in": 2, "out": 2, "kernel": [3, 4], "stride": [2, 3], "padding": [1, 0],
         "outputPadding": [1, 2]}, (1, 2, 3, 3))
    add("convT_dilation", "ConvTranspose2d",
        {"in": 2, "out": 2, "kernel": 3, "dilation": 2, "padding": 1}, (1, 2, 4, 4))
    add("convT_outpad_below_dilation", "ConvTranspose2d",
        {"in": 2, "out": 2, "kernel": 2, "dilation": 2, "outputPadding": 1}, (1, 2, 3, 4))
    add("convT_groups2", "ConvTranspose2d",
        {"in": 4, "out": 6, "kernel": 3, "groups": 2, "stride": 2}, (1, 4, 3, 3))
    add("convT_depthwise", "ConvTranspose2d",
        {"in": 3, "out": 3, "kernel": 3, "groups": 3, "padding": 1}, (2, 3, 4, 3))
    add("convT_no_bias", "ConvTranspose2d",
        {"in": 3, "out": 2, "kernel": 2, "stride": 2, "bias": False}, (1, 3, 3, 4))
    add("convT_1x1", "ConvTranspose2d", {"in": 4, "out": 3, "kernel": 1}, (2, 4, 3, 3))
    add("convT_unbatched", "ConvTranspose2d",
        {"in": 2, "out": 3, "kernel": 3, "stride": 2}, (2, 3, 2))
    add("convT_output_size", "ConvTranspose2d",
        {"in": 2, "out": 2, "kernel": 3, "stride": 2, "padding": 1}, (1, 2, 4, 5),
        output_size=(8, 10))

    # ---------------------------------------------------------------- float64 (direct loops)
    add("f64_conv2d_groups_stride_dil", "Conv2d",
        {"in": 4, "out": 2, "kernel": [3, 2], "groups": 2, "stride": [2, 1], "dilation": [1, 2],
         "padding": [1, 1]}, (2, 4, 6, 5), dtype=torch.float64)
    add("f64_conv1d_same", "Conv1d",
        {"in": 2, "out": 3, "kernel": 4, "padding": "same"}, (1, 2, 8), dtype=torch.float64)
    add("f64_convT_mixed", "ConvTranspose2d",
        {"in": 2, "out": 4, "kernel": [3, 2], "groups": 2, "stride": [2, 3], "padding": [1, 0],
         "outputPadding": [1, 1], "dilation": [1, 2]}, (1, 2, 3, 3), dtype=torch.float64)

    with open(OUT, "w") as f:
        json.dump({"generator": "tools/golden/gen_nn_conv.py", "torch": torch.__version__,
                   "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT, ROOT)} "
          f"({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
