#!/usr/bin/python3
"""Golden trajectories for Nabla's optimizers and gradient clipping, computed with PyTorch.

Run from the repository root (Debian's python3 with torch 1.13; only torch and the stdlib):

    /usr/bin/python3 tools/golden/gen_optim.py

It rewrites optim/src/test/resources/golden/optim_trajectories.json and optim_clip.json, which
optim/src/test/java/dev/nabla/optim/GoldenOptimTest.java replays. The build never runs this.

Optimizers: two parameters (shapes [3, 4] and [5]) start from fixed values and receive a fixed
sequence of 10 gradients (the second parameter gets none at step 5, so it must be skipped and
its step count must lag). Each case names the optimizer, its options under Nabla's names, its
parameter groups (indices into the two parameters plus per-group overrides) and the parameters
after every step. Initial values and gradients are float32 numbers (rounded once), so Nabla's
F32 run sees exactly the inputs torch saw; torch runs in float64, so the reference is the
exact update rule and Nabla's distance from it is only its own float32 rounding.

Clipping: a few gradient sets, each clipped with clip_grad_norm_ for several norm types and
max norms, again float32 inputs and float64 arithmetic.
"""

import json
import math
import os

import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT_DIR = os.path.join(ROOT, "optim", "src", "test", "resources", "golden")
SHAPES = [[3, 4], [5]]
STEPS = 10
SKIP = (4, 1)  # (step index, parameter index) without a gradient


def f32(t):
    """float32-representable float64 tensor."""
    return t.to(torch.float32).to(torch.float64)


def flat(t):
    return [float(f"{v:.12g}") for v in t.reshape(-1).tolist()]


def exact(t):
    # float32 values print exactly with repr of the float64 they were widened to.
    return [float(v) for v in t.reshape(-1).tolist()]


# Nabla option name -> torch keyword (betas are joined below).
TORCH_NAMES = {
    "lr": "lr", "momentum": "momentum", "dampening": "dampening",
    "weightDecay": "weight_decay", "nesterov": "nesterov", "maximize": "maximize",
    "eps": "eps", "amsgrad": "amsgrad", "alpha": "alpha", "centered": "centered",
    "lrDecay": "lr_decay", "initialAccumulatorValue": "initial_accumulator_value",
}
BOOLEAN = {"nesterov", "maximize", "amsgrad", "centered"}
TORCH_CLASSES = {
    "SGD": torch.optim.SGD, "Adam": torch.optim.Adam, "AdamW": torch.optim.AdamW,
    "RMSprop": torch.optim.RMSprop, "Adagrad": torch.optim.Adagrad,
}


def torch_kwargs(options):
    kw = {}
    for k, v in options.items():
        if k in ("beta1", "beta2"):
            continue
        kw[TORCH_NAMES[k]] = bool(v) if k in BOOLEAN else v
    if "beta1" in options or "beta2" in options:
        kw["betas"] = (options.get("beta1", 0.9), options.get("beta2", 0.999))
    return kw


def case(name, optimizer, options, groups=None):
    return {"name": name, "optimizer": optimizer, "options": options,
            "groups": groups or [{"params": [0, 1], "options": {}}]}


CASES = [
    case("sgd_plain", "SGD", {"lr": 0.1}),
    case("sgd_weight_decay", "SGD", {"lr": 0.1, "weightDecay": 0.1}),
    case("sgd_momentum", "SGD", {"lr": 0.05, "momentum": 0.9}),
    case("sgd_momentum_dampening", "SGD",
         {"lr": 0.05, "momentum": 0.9, "dampening": 0.5, "weightDecay": 0.05}),
    case("sgd_nesterov", "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": 1, "weightDecay": 0.1}),
    case("sgd_maximize", "SGD", {"lr": 0.05, "momentum": 0.5, "maximize": 1}),
    case("sgd_groups", "SGD", {"lr": 0.1, "momentum": 0.9},
         [{"params": [0], "options": {"weightDecay": 0.1}},
          {"params": [1], "options": {"lr": 0.01, "momentum": 0.0}}]),
    case("adam_default", "Adam", {"lr": 0.05}),
    case("adam_weight_decay", "Adam", {"lr": 0.05, "weightDecay": 0.1}),
    case("adam_amsgrad", "Adam", {"lr": 0.05, "beta1": 0.8, "beta2": 0.95, "amsgrad": 1}),
    case("adam_maximize", "Adam", {"lr": 0.05, "maximize": 1}),
    case("adam_all", "Adam",
         {"lr": 0.02, "beta1": 0.5, "beta2": 0.9, "eps": 1e-3, "weightDecay": 0.1,
          "amsgrad": 1, "maximize": 1}),
    case("adam_groups", "Adam", {"lr": 0.05},
         [{"params": [1], "options": {"amsgrad": 1}},
          {"params": [0], "options": {"lr": 0.01, "weightDecay": 0.2}}]),
    case("adamw_default", "AdamW", {"lr": 0.05}),
    case("adamw_weight_decay_amsgrad", "AdamW", {"lr": 0.05, "weightDecay": 0.1, "amsgrad": 1}),
    case("adamw_maximize", "AdamW", {"lr": 0.05, "beta1": 0.8, "beta2": 0.99, "maximize": 1}),
    case("rmsprop_default", "RMSprop", {}),
    case("rmsprop_centered", "RMSprop", {"lr": 0.01, "centered": 1}),
    case("rmsprop_momentum", "RMSprop", {"lr": 0.01, "momentum": 0.9}),
    case("rmsprop_centered_momentum_weight_decay", "RMSprop",
         {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": 1, "weightDecay": 0.1}),
    case("rmsprop_maximize", "RMSprop", {"lr": 0.01, "eps": 1e-4, "maximize": 1}),
    case("adagrad_default", "Adagrad", {"lr": 0.1}),
    case("adagrad_lr_decay_weight_decay", "Adagrad",
         {"lr": 0.1, "lrDecay": 0.1, "weightDecay": 0.1}),
    case("adagrad_initial_accumulator", "Adagrad",
         {"lr": 0.1, "initialAccumulatorValue": 0.5, "eps": 1e-3}),
    case("adagrad_maximize", "Adagrad", {"lr": 0.1, "maximize": 1}),
]


def make_inputs():
    gen = torch.Generator().manual_seed(20240601)
    params = [f32(torch.randn(s, generator=gen, dtype=torch.float64)) for s in SHAPES]
    grads = []
    for step in range(STEPS):
        scale = 1.0 if step % 3 else 0.3   # some smaller steps
        row = []
        for i, s in enumerate(SHAPES):
            if (step, i) == SKIP:
                row.append(None)
            else:
                row.append(f32(torch.randn(s, generator=gen, dtype=torch.float64) * scale))
        grads.append(row)
    return params, grads


def run_case(c, params0, grads):
    params = [p.clone().requires_grad_(True) for p in params0]
    groups = []
    for g in c["groups"]:
        d = {"params": [params[i] for i in g["params"]]}
        d.update(torch_kwargs(g["options"]))
        groups.append(d)
    opt = TORCH_CLASSES[c["optimizer"]](groups, **torch_kwargs(c["options"]))
    trajectory = []
    for row in grads:
        for p, g in zip(params, row):
            p.grad = None if g is None else g.clone()
        opt.step()
        trajectory.append([flat(p.detach()) for p in params])
    return trajectory


def clip_cases():
    gen = torch.Generator().manual_seed(7)
    sets = {
        "mixed": [f32(torch.randn(3, 4, generator=gen, dtype=torch.float64)),
                  None,
                  f32(torch.randn(5, generator=gen, dtype=torch.float64) * 3)],
        "small": [f32(torch.randn(2, 2, generator=gen, dtype=torch.float64) * 1e-3),
                  f32(torch.randn(3, generator=gen, dtype=torch.float64) * 1e-3)],
    }
    out = []
    for set_name, grads in sets.items():
        for norm_type in (2.0, 1.0, "inf", 3.0, 0.5):
            for max_norm in (0.5, 1e3):
                params = []
                for g in grads:
                    shape = g.shape if g is not None else (2,)
                    p = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
                    p.grad = None if g is None else g.clone()
                    params.append(p)
                nt = math.inf if norm_type == "inf" else norm_type
                total = torch.nn.utils.clip_grad_norm_(params, max_norm, nt)
                out.append({
                    "name": f"{set_name}_p{norm_type}_max{max_norm:g}",
                    "normType": norm_type, "maxNorm": max_norm,
                    "shapes": [list(p.shape) for p in params],
                    "grads": [None if g is None else exact(g) for g in grads],
                    "total": float(total),
                    "clipped": [None if p.grad is None else flat(p.grad) for p in params],
                })
    return out


def main():
    torch.set_default_dtype(torch.float64)
    params0, grads = make_inputs()
    cases = []
    for c in CASES:
        cc = dict(c)
        cc["trajectory"] = run_case(c, params0, grads)
        cases.append(cc)
    doc = {
        "torch": torch.__version__,
        "shapes": SHAPES,
        "params": [exact(p) for p in params0],
        "grads": [[None if g is None else exact(g) for g in row] for row in grads],
        "cases": cases,
    }
    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "optim_trajectories.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(OUT_DIR, "optim_clip.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": clip_cases()}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} optimizer cases and {len(clip_cases())} clipping cases to {OUT_DIR}")


if __name__ == "__main__":
    main()
