#!/usr/bin/python3
"""Golden fixtures for Nabla's losses (dev.nabla.nn.loss), computed with PyTorch.

Run from anywhere (Debian's python3 with torch 1.13; only torch and the stdlib):

    /usr/bin/python3 tools/golden/gen_nn_losses.py

It rewrites nn/src/test/resources/golden/nn_losses.json, which
nn/src/test/java/dev/nabla/nn/loss/GoldenLossTest.java reads; the Maven build never runs it.

Each case names a loss ("cross_entropy", "nll", "mse", "l1", "smooth_l1", "huber", "bce",
"bce_with_logits", "kl_div"), its options (reduction, weight, ignore_index, label_smoothing,
pos_weight, beta, delta, log_target; absent means torch's default), a dtype ("f64" for the grid,
"f32" for a few float paths), the input (which requires grad), the target, the loss, the
upstream gradient dy (1 for a reduced loss, random for reduction "none") and the gradient of
the input after loss.backward(dy). Every case is seeded by the crc32 of its name, and stored
values are exactly the ones both sides compute with (F32 values are float32-representable), so
a rerun rewrites an identical file.
"""

import json
import os
import warnings
import zlib

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "nn", "src", "test",
                   "resources", "golden", "nn_losses.json")

DTYPES = {"f64": torch.float64, "f32": torch.float32}
REDUCTIONS = ("mean", "sum", "none")


def enc(t):
    """A tensor as {"shape", "dtype", "values"} (flat, row-major)."""
    if t.dtype in (torch.int64, torch.int32):
        dt, vals = "i64", [int(v) for v in t.reshape(-1).tolist()]
    elif t.dtype == torch.float32:
        dt, vals = "f32", [float(v) for v in t.reshape(-1).tolist()]
    else:
        dt, vals = "f64", [float(v) for v in t.reshape(-1).tolist()]
    return {"shape": list(t.shape), "dtype": dt, "values": vals}


def seeded(name):
    torch.manual_seed(zlib.crc32(name.encode()))


# ------------------------------------------------------------------ input generators
# Each takes the case dtype and returns (input, target) in that dtype (targets i64 for class
# losses); called right after seeding, so a case's values depend only on its name.

def logits(*shape, scale=1.0):
    return lambda dt: (torch.randn(shape, dtype=torch.float64) * scale).to(dt)


def class_targets(shape, classes, ignore=None, ignore_every=3):
    def gen():
        t = torch.randint(0, classes, shape)
        if ignore is not None:
            flat = t.reshape(-1)
            flat[::ignore_every] = ignore  # a fixed share of positions ignored
        return t
    return gen


def cls_case(in_shape, scale=1.0, ignore=None, ignore_every=3):
    c = in_shape[1] if len(in_shape) > 1 else in_shape[0]
    t_shape = tuple(in_shape[:1] + in_shape[2:]) if len(in_shape) > 1 else ()
    def gen(dt):
        x = logits(*in_shape, scale=scale)(dt)
        return x, class_targets(t_shape, c, ignore, ignore_every)()
    return gen


def prob_case(*shape):
    def gen(dt):
        x = torch.randn(shape, dtype=torch.float64).to(dt)
        p = torch.rand(shape, dtype=torch.float64).softmax(1).to(dt)
        return x, p
    return gen


def logprob_case(in_shape, ignore=None):
    base = cls_case(in_shape, ignore=ignore)
    def gen(dt):
        x, t = base(dt)
        return x.log_softmax(1 if x.dim() > 1 else 0), t
    return gen


def pair(*shape, away_from=(), margin=0.05):
    """Random input and target whose differences keep `margin` from each kink in away_from."""
    def gen(dt):
        x = torch.randn(shape, dtype=torch.float64)
        y = torch.randn(shape, dtype=torch.float64)
        d = x - y
        for k in away_from:
            for s in (k, -k):
                close = (d - s).abs() < margin
                d = torch.where(close, s + torch.sign(d - s + 1e-300) * margin * 2, d)
        x = y + d
        return x.to(dt), y.to(dt)
    return gen


def probs(*shape, soft=False, edges=False):
    def gen(dt):
        x = torch.rand(shape, dtype=torch.float64) * 0.96 + 0.02
        y = torch.rand(shape, dtype=torch.float64) if soft else torch.randint(0, 2, shape).double()
        if edges:  # exact 0 and 1 probabilities: torch clamps log at -100, grad uses eps 1e-12
            x.view(-1)[:4] = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=torch.float64)
            y.view(-1)[:4] = torch.tensor([0.0, 1.0, 1.0, 0.0], dtype=torch.float64)
        return x.to(dt), y.to(dt)
    return gen


def logit_pairs(*shape, scale=2.0, soft=False, special=()):
    def gen(dt):
        x = torch.randn(shape, dtype=torch.float64) * scale
        if special:
            x.view(-1)[:len(special)] = torch.tensor(special, dtype=torch.float64)
        y = torch.rand(shape, dtype=torch.float64) if soft else torch.randint(0, 2, shape).double()
        return x.to(dt), y.to(dt)
    return gen


def kl_case(*shape, log_target=False, zeros=False):
    def gen(dt):
        q = torch.randn(shape, dtype=torch.float64).log_softmax(-1)
        p = torch.randn(shape, dtype=torch.float64).softmax(-1)
        if zeros:
            p.view(-1)[::4] = 0.0
        t = p.log() if log_target else p
        return q.to(dt), t.to(dt)
    return gen


def weight(*values):
    return torch.tensor(values, dtype=torch.float64)


# ------------------------------------------------------------------ the torch side

def run(loss, x, t, o):
    red = o.get("reduction", "mean")
    w = o.get("weight")
    if loss == "cross_entropy":
        return F.cross_entropy(x, t, weight=w, ignore_index=o.get("ignore_index", -100),
                               reduction=red, label_smoothing=o.get("label_smoothing", 0.0))
    if loss == "nll":
        return F.nll_loss(x, t, weight=w, ignore_index=o.get("ignore_index", -100),
                          reduction=red)
    if loss == "mse":
        return F.mse_loss(x, t, reduction=red)
    if loss == "l1":
        return F.l1_loss(x, t, reduction=red)
    if loss == "smooth_l1":
        return F.smooth_l1_loss(x, t, reduction=red, beta=o.get("beta", 1.0))
    if loss == "huber":
        return F.huber_loss(x, t, reduction=red, delta=o.get("delta", 1.0))
    if loss == "bce":
        return F.binary_cross_entropy(x, t, weight=w, reduction=red)
    if loss == "bce_with_logits":
        return F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=o.get("pos_weight"),
                                                  reduction=red)
    if loss == "kl_div":
        return F.kl_div(x, t, reduction=red, log_target=o.get("log_target", False))
    raise ValueError(loss)


CASES = []


def case(name, loss, gen, dtypes=("f64",), **options):
    CASES.append((name, loss, gen, dtypes, options))


def build(name, loss, gen, dt, options):
    full = name + "_" + dt
    seeded(full)
    dtype = DTYPES[dt]
    x, t = gen(dtype)
    x = x.detach().clone().requires_grad_(True)
    o = {k: (v.to(dtype) if torch.is_tensor(v) else v) for k, v in options.items()}
    out = run(loss, x, t, o)
    if out.dim() == 0:
        dy = torch.ones((), dtype=dtype)
    else:
        dy = torch.randn(out.shape, dtype=torch.float64).round(decimals=4).to(dtype)
    out.backward(dy)
    assert torch.isfinite(x.grad).all() or loss == "kl_div", full
    enc_opts = {k: (enc(v) if torch.is_tensor(v) else v) for k, v in o.items()}
    return {"name": full, "loss": loss, "dtype": dt, "options": enc_opts,
            "input": enc(x.detach()), "target": enc(t), "output": enc(out.detach()),
            "upstream": enc(dy), "grad": enc(x.grad)}


def grid():
    # ---------------------------------------------------------------- cross-entropy
    for red in REDUCTIONS:
        case("ce_" + red, "cross_entropy", cls_case([6, 5]), ("f64", "f32"), reduction=red)
        case("ce_ignore_" + red, "cross_entropy", cls_case([6, 5], ignore=-100), reduction=red)
        case("ce_ignore_in_range_" + red, "cross_entropy", cls_case([7, 4]), reduction=red,
             ignore_index=2)
        case("ce_weight_" + red, "cross_entropy", cls_case([6, 5]), reduction=red,
             weight=weight(0.5, 2.0, 1.0, 0.25, 3.0))
        case("ce_weight_ignore_" + red, "cross_entropy", cls_case([6, 5], ignore=-1),
             reduction=red, ignore_index=-1, weight=weight(0.5, 2.0, 1.0, 0.25, 3.0))
        case("ce_smooth_" + red, "cross_entropy", cls_case([6, 5]), ("f64", "f32"),
             reduction=red, label_smoothing=0.1)
        case("ce_smooth_ignore_" + red, "cross_entropy", cls_case([6, 5], ignore=-100),
             reduction=red, label_smoothing=0.2)
        case("ce_smooth_weight_ignore_" + red, "cross_entropy", cls_case([6, 5], ignore=-100),
             reduction=red, label_smoothing=0.3, weight=weight(0.5, 2.0, 1.0, 0.25, 3.0))
        case("ce_kdim1_" + red, "cross_entropy", cls_case([2, 4, 3], ignore=-100),
             reduction=red, label_smoothing=0.15, weight=weight(1.5, 0.5, 1.0, 2.0))
        case("ce_kdim2_" + red, "cross_entropy", cls_case([2, 3, 2, 2], ignore=-100,
                                                          ignore_every=5),
             reduction=red, label_smoothing=0.05, weight=weight(0.7, 1.3, 2.0))
        case("ce_kdim2_plain_" + red, "cross_entropy", cls_case([3, 4, 2, 3]), reduction=red)
        case("ce_probs_" + red, "cross_entropy", prob_case(4, 5), reduction=red)
        case("ce_probs_smooth_weight_" + red, "cross_entropy", prob_case(4, 5, 3), reduction=red,
             label_smoothing=0.2, weight=weight(0.5, 2.0, 1.0, 0.25, 3.0))
    case("ce_unbatched", "cross_entropy", cls_case([7]), label_smoothing=0.1)
    case("ce_full_smoothing", "cross_entropy", cls_case([5, 4]), label_smoothing=1.0)
    case("ce_huge_logits", "cross_entropy", cls_case([6, 5], scale=1e4), ("f64", "f32"))
    case("ce_huge_logits_smooth", "cross_entropy", cls_case([6, 5], scale=1e4), ("f64", "f32"),
         label_smoothing=0.1)
    case("ce_tiny_logits", "cross_entropy", cls_case([6, 5], scale=1e-8), ("f64", "f32"),
         label_smoothing=0.1)
    case("ce_single_class", "cross_entropy", cls_case([3, 1]))

    # ---------------------------------------------------------------- NLL
    for red in REDUCTIONS:
        case("nll_" + red, "nll", logprob_case([6, 5]), ("f64", "f32"), reduction=red)
        case("nll_weight_ignore_" + red, "nll", logprob_case([6, 5], ignore=-100), reduction=red,
             weight=weight(0.5, 2.0, 1.0, 0.25, 3.0))
        case("nll_kdim_" + red, "nll", logprob_case([2, 3, 4], ignore=-100), reduction=red,
             weight=weight(2.0, 1.0, 0.5))
    case("nll_ignore_in_range", "nll", logprob_case([8, 3]), ignore_index=0)
    case("nll_unbatched", "nll", logprob_case([5]))

    # ---------------------------------------------------------------- regression
    for red in REDUCTIONS:
        case("mse_" + red, "mse", pair(3, 4), ("f64", "f32"), reduction=red)
        case("l1_" + red, "l1", pair(3, 4, away_from=(0.0,)), ("f64", "f32"), reduction=red)
        for beta in (1.0, 0.5, 2.0):
            case("smooth_l1_beta%g_%s" % (beta, red), "smooth_l1",
                 pair(4, 5, away_from=(0.0, beta)), reduction=red, beta=beta)
        for delta in (1.0, 0.3, 2.5):
            case("huber_delta%g_%s" % (delta, red), "huber",
                 pair(4, 5, away_from=(0.0, delta)), reduction=red, delta=delta)
    case("smooth_l1_beta0", "smooth_l1", pair(3, 4, away_from=(0.0,)), beta=0.0)
    case("smooth_l1_default", "smooth_l1", pair(2, 3, 4, away_from=(0.0, 1.0)), ("f64", "f32"))
    case("huber_default", "huber", pair(2, 3, 4, away_from=(0.0, 1.0)), ("f64", "f32"))
    case("mse_scalar", "mse", pair())

    # ---------------------------------------------------------------- binary
    for red in REDUCTIONS:
        case("bce_" + red, "bce", probs(4, 3), ("f64", "f32"), reduction=red)
        case("bce_soft_weight_" + red, "bce", probs(4, 3, soft=True), reduction=red,
             weight=weight(0.5, 2.0, 1.5))
        case("bce_logits_" + red, "bce_with_logits", logit_pairs(4, 3), ("f64", "f32"),
             reduction=red)
        case("bce_logits_pos_weight_" + red, "bce_with_logits", logit_pairs(5, 3, soft=True),
             reduction=red, pos_weight=weight(3.0, 0.5, 1.0))
        case("bce_logits_both_" + red, "bce_with_logits", logit_pairs(2, 4, 3), reduction=red,
             weight=weight(0.5, 2.0, 1.5), pos_weight=weight(2.0, 1.0, 0.25))
    full_weight = torch.rand(3, 4, dtype=torch.float64,
                             generator=torch.Generator().manual_seed(4)) + 0.5
    case("bce_full_weight", "bce", probs(3, 4), weight=full_weight)
    case("bce_edges", "bce", probs(3, 4, edges=True), reduction="none")
    case("bce_logits_extremes", "bce_with_logits",
         logit_pairs(3, 4, special=(0.0, 1e4, -1e4, 30.0, -30.0, 0.0, 745.0, -745.0)),
         ("f64", "f32"), reduction="none")
    case("bce_logits_extremes_pos", "bce_with_logits",
         logit_pairs(3, 4, soft=True, special=(0.0, 1e4, -1e4, 40.0, -40.0)), ("f64", "f32"),
         pos_weight=weight(2.0, 0.5, 1.0, 4.0))

    # ---------------------------------------------------------------- KL divergence
    for red in ("mean", "sum", "none", "batchmean"):
        case("kl_" + red, "kl_div", kl_case(4, 5, zeros=True), ("f64", "f32"), reduction=red)
        case("kl_log_target_" + red, "kl_div", kl_case(4, 5, log_target=True), reduction=red,
             log_target=True)
    case("kl_3d_batchmean", "kl_div", kl_case(2, 3, 4), reduction="batchmean")


def main():
    warnings.filterwarnings("ignore", message="reduction: 'mean' divides")  # kl_div's own note
    grid()
    names = [c[0] for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    built = [build(n, loss, gen, dt, opts) for n, loss, gen, dts, opts in CASES for dt in dts]
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        f.write('{"generator": "tools/golden/gen_nn_losses.py", "torch": "%s", "cases": [\n'
                % torch.__version__)
        f.write(",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in built))
        f.write("\n]}\n")
    print("%s: %d cases, %d bytes" % (os.path.relpath(OUT), len(built), os.path.getsize(OUT)))


if __name__ == "__main__":
    main()
