#!/usr/bin/python3
"""Golden fixtures for Nabla's pooling, norm and upsampling layers (dev.nabla.nn.conv).

Run from anywhere (Debian's python3 with torch 1.13; only torch and the stdlib):

    /usr/bin/python3 tools/golden/gen_nn_pool_norm_upsample.py

It rewrites nn/src/test/resources/golden/nn_pool_norm_upsample.json, which
nn/src/test/java/dev/nabla/nn/conv/PoolNormUpsampleGoldenTest.java replays. The build never
runs this.

Each case names a layer and its torch arguments and stores the input x, a fixed upstream
gradient gy, torch's output y and the gradients of sum(y * gy) w.r.t. x and (for the norms)
weight and bias. Max pooling also stores torch's argmax indices. BatchNorm cases are a sequence
of steps (train/eval) on one module, each storing the running statistics and
num_batches_tracked after the step.

Grid: max pooling with stride > 1, padding, dilation, ceil mode and non-square kernels; average
pooling with count_include_pad both ways, ceil mode, divisor_override; adaptive average pooling
to sizes that do not divide (and that exceed) the input; BatchNorm2d train → eval with momentum
0.1 and None (cumulative), affine off, track_running_stats off; GroupNorm with 1, 2 and C groups,
affine off, a 3-D input; PixelShuffle/PixelUnshuffle with r = 2 and 3; nearest and bilinear
(align_corners both ways) upsampling by scale factors 2, 3, 1.5 and to explicit sizes with
non-integer ratios (and a downscale). Inputs are odd-sized and non-square.

Precision: inputs, weights and gy are float32 numbers (9 significant digits round-trip them) and
torch computes in float64 from them, so results (12 digits) are the exact math on the stored
inputs.
"""

import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "nn", "src", "test",
                   "resources", "golden", "nn_pool_norm_upsample.json")


def f32(t):
    return [float(f"{v:.9g}") for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def f64(t):
    return [float(f"{v:.12g}") for v in t.detach().reshape(-1).tolist()]


def tensor(t, fmt=f64):
    return {"shape": list(t.shape), "data": fmt(t)}


def seed(name):
    torch.manual_seed(sum(ord(ch) * (i + 1) for i, ch in enumerate(name)))


def simple(name, layer, args, shape, fn):
    """A parameter-free layer: y = fn(x); gradients of sum(y * gy)."""
    seed(name)
    x32 = torch.randn(shape)
    x = x32.double().requires_grad_()
    y = fn(x)
    indices = None
    if isinstance(y, tuple):
        y, indices = y
    gy32 = torch.randn(y.shape)
    (y * gy32.double()).sum().backward()
    case = {"name": name, "layer": layer, "args": args, "x": tensor(x32, f32),
            "gy": tensor(gy32, f32), "y": tensor(y), "grad_x": tensor(x.grad)}
    if indices is not None:
        case["indices"] = {"shape": list(indices.shape), "data": indices.reshape(-1).tolist()}
    return case


def pools():
    cases = []

    def mp(name, shape, k, s=None, p=0, d=1, ceil=False):
        args = {"kernel_size": k, "stride": s, "padding": p, "dilation": d, "ceil_mode": ceil}
        cases.append(simple(name, "MaxPool2d", args, shape,
                            lambda x: F.max_pool2d(x, k, s, p, d, ceil, return_indices=True)))

    mp("max k3 s2 p1", (2, 1, 7, 9), [3, 3], [2, 2], [1, 1])
    mp("max k2 default stride", (1, 2, 5, 6), [2, 2])
    mp("max k2 ceil", (1, 2, 5, 7), [2, 2], [2, 2], [0, 0], [1, 1], True)
    mp("max k3 s2 p1 ceil", (1, 2, 6, 8), [3, 3], [2, 2], [1, 1], [1, 1], True)
    mp("max k3 dilation 2", (1, 2, 9, 8), [3, 3], [2, 2], [0, 1], [2, 2])
    mp("max k(3,2) s(2,1) p(1,0) ceil", (2, 2, 7, 5), [3, 2], [2, 1], [1, 0], [1, 1], True)
    mp("max 3d input", (2, 5, 5), [2, 2], [1, 1])

    def ap(name, shape, k, s=None, p=0, ceil=False, include=True, div=None):
        args = {"kernel_size": k, "stride": s, "padding": p, "ceil_mode": ceil,
                "count_include_pad": include, "divisor_override": div}
        cases.append(simple(name, "AvgPool2d", args, shape,
                            lambda x: F.avg_pool2d(x, k, s, p, ceil, include, div)))

    ap("avg k3 s2 p1 include pad", (1, 2, 7, 9), [3, 3], [2, 2], [1, 1], False, True)
    ap("avg k3 s2 p1 exclude pad", (1, 2, 7, 9), [3, 3], [2, 2], [1, 1], False, False)
    ap("avg k3 s2 p1 ceil include", (1, 2, 6, 8), [3, 3], [2, 2], [1, 1], True, True)
    ap("avg k3 s2 p1 ceil exclude", (1, 2, 6, 8), [3, 3], [2, 2], [1, 1], True, False)
    ap("avg k2 ceil p1 include", (1, 2, 5, 5), [2, 2], [2, 2], [1, 1], True, True)
    ap("avg k2 default stride", (1, 2, 5, 6), [2, 2])
    ap("avg k(3,2) s(1,2) p(1,1)", (1, 2, 5, 7), [3, 2], [1, 2], [1, 1], False, False)
    ap("avg divisor override", (1, 2, 5, 7), [3, 3], [2, 2], [1, 1], True, True, 5)

    def ad(name, shape, out):
        cases.append(simple(name, "AdaptiveAvgPool2d", {"output_size": out}, shape,
                            lambda x: F.adaptive_avg_pool2d(x, out)))

    ad("adaptive 7x9 to 3x4", (1, 2, 7, 9), [3, 4])
    ad("adaptive 5x6 to 2x4", (1, 2, 5, 6), [2, 4])
    ad("adaptive 3x5 to 4x7 (grow)", (1, 2, 3, 5), [4, 7])
    ad("adaptive global", (2, 1, 6, 5), [1, 1])
    return cases


def shuffles():
    cases = []
    for name, shape, r in [("shuffle r2", (2, 4, 3, 4), 2), ("shuffle r3", (1, 9, 2, 3), 3),
                           ("shuffle r2 5d", (2, 1, 4, 2, 3), 2)]:
        cases.append(simple(name, "PixelShuffle", {"factor": r}, shape,
                            lambda x, r=r: F.pixel_shuffle(x, r)))
    for name, shape, r in [("unshuffle r2", (2, 1, 6, 4), 2), ("unshuffle r3", (1, 1, 6, 9), 3)]:
        cases.append(simple(name, "PixelUnshuffle", {"factor": r}, shape,
                            lambda x, r=r: F.pixel_unshuffle(x, r)))
    return cases


def upsamples():
    cases = []

    def up(name, shape, mode, size=None, scale=None, align=None):
        args = {"size": size, "scale_factor": scale, "mode": mode, "align_corners": align}
        cases.append(simple(name, "Upsample", args, shape,
                            lambda x: F.interpolate(x, size=size, scale_factor=scale, mode=mode,
                                                    align_corners=align)))

    for s in [2.0, 3.0, 1.5]:
        up(f"nearest scale {s}", (1, 1, 4, 5) if s == 3.0 else (1, 1, 5, 7), "nearest", scale=[s, s])
    up("nearest scale (2, 3)", (1, 2, 4, 3), "nearest", scale=[2.0, 3.0])
    up("nearest size 7x10", (1, 1, 5, 7), "nearest", size=[7, 10])
    up("nearest size 9x11", (1, 1, 4, 5), "nearest", size=[9, 11])
    up("nearest size 3x4 (down)", (1, 2, 5, 7), "nearest", size=[3, 4])
    for align in [False, True]:
        for s in [2.0, 3.0, 1.7]:
            up(f"bilinear scale {s} align {align}", (1, 1, 4, 5) if s == 3.0 else (1, 1, 5, 7), "bilinear", scale=[s, s],
               align=align)
        up(f"bilinear size 7x10 align {align}", (2, 1, 5, 7), "bilinear", size=[7, 10],
           align=align)
        up(f"bilinear size 11x13 align {align}", (1, 1, 4, 5), "bilinear", size=[11, 13],
           align=align)
        up(f"bilinear size 3x4 (down) align {align}", (1, 2, 5, 7), "bilinear", size=[3, 4],
           align=align)
    up("bilinear scale (2, 3) default align", (1, 1, 4, 3), "bilinear", scale=[2.0, 3.0])
    return cases


def group_norms():
    cases = []
    for name, shape, groups, affine in [("groupnorm g1", (2, 6, 3, 4), 1, True),
                                        ("groupnorm g2", (2, 6, 4, 3), 2, True),
                                        ("groupnorm gC", (2, 6, 3, 4), 6, True),
                                        ("groupnorm g3 no affine", (2, 6, 3, 2), 3, False),
                                        ("groupnorm 3d input", (3, 4, 7), 2, True)]:
        seed(name)
        m = nn.GroupNorm(groups, shape[1], eps=1e-5, affine=affine)
        if affine:
            with torch.no_grad():
                m.weight.copy_(torch.randn(shape[1]))
                m.bias.copy_(torch.randn(shape[1]))
        state32 = {k: v.detach().clone() for k, v in m.state_dict().items()}
        x32 = torch.randn(shape)
        m = m.double()
        x = x32.double().requires_grad_()
        y = m(x)
        gy32 = torch.randn(y.shape)
        (y * gy32.double()).sum().backward()
        case = {"name": name, "layer": "GroupNorm",
                "args": {"num_groups": groups, "num_channels": shape[1], "eps": 1e-5,
                         "affine": affine},
                "state_dict": {k: tensor(v, f32) for k, v in state32.items()},
                "x": tensor(x32, f32), "gy": tensor(gy32, f32), "y": tensor(y),
                "grad_x": tensor(x.grad)}
        if affine:
            case["grad_weight"] = tensor(m.weight.grad)
            case["grad_bias"] = tensor(m.bias.grad)
        cases.append(case)
    return cases


def batch_norms():
    cases = []
    configs = [("batchnorm momentum 0.1", 3, 0.1, True, True, ["train", "eval"]),
               ("batchnorm cumulative", 3, None, True, True, ["train", "train", "eval"]),
               ("batchnorm no affine", 2, 0.1, False, True, ["train", "eval"]),
               ("batchnorm no running stats", 2, 0.1, True, False, ["train", "eval"])]
    for name, c, momentum, affine, track, modes in configs:
        seed(name)
        m = nn.BatchNorm2d(c, eps=1e-5, momentum=momentum, affine=affine,
                           track_running_stats=track)
        if affine:
            with torch.no_grad():
                m.weight.copy_(torch.randn(c))
                m.bias.copy_(torch.randn(c))
        state32 = {k: v.detach().clone() for k, v in m.state_dict().items()}
        m = m.double()
        steps = []
        for i, mode in enumerate(modes):
            shape = (3, c, 3, 4) if i % 2 == 0 else (2, c, 2, 3)
            x32 = torch.randn(shape) * 2 + 0.5
            gy32 = torch.randn(shape)
            m.train(mode == "train")
            m.zero_grad()
            x = x32.double().requires_grad_()
            y = m(x)
            (y * gy32.double()).sum().backward()
            step = {"mode": mode, "x": tensor(x32, f32), "gy": tensor(gy32, f32),
                    "y": tensor(y), "grad_x": tensor(x.grad)}
            if affine:
                step["grad_weight"] = tensor(m.weight.grad)
                step["grad_bias"] = tensor(m.bias.grad)
            if track:
                step["running_mean"] = tensor(m.running_mean)
                step["running_var"] = tensor(m.running_var)
                step["num_batches_tracked"] = int(m.num_batches_tracked)
            steps.append(step)
        cases.append({"name": name, "layer": "BatchNorm2d",
                      "args": {"num_features": c, "eps": 1e-5, "momentum": momentum,
                               "affine": affine, "track_running_stats": track},
                      "state_dict": {k: (tensor(v, f32) if v.is_floating_point()
                                         else {"shape": [], "data": [int(v)]})
                                     for k, v in state32.items()},
                      "steps": steps})
    return cases


def main():
    cases = pools() + shuffles() + upsamples() + group_norms() + batch_norms()
    with open(OUT, "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"{len(cases)} cases, {os.path.getsize(OUT)} bytes -> {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
