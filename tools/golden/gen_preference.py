#!/usr/bin/python3
"""Golden fixtures for dev.nabla.optim.preference (sequence log-probs and the DPO family).

Run from the repository root (Debian's python3 with torch 1.13; only torch and the stdlib):

    /usr/bin/python3 tools/golden/gen_preference.py

It rewrites optim/src/test/resources/golden/preference.json, which
optim/src/test/java/dev/nabla/optim/preference/PreferenceGoldenTest.java reads. The Maven
build never runs this script. Everything is float64; values are written with repr, so the
Java side parses exactly the numbers used here.

Definitions (written from the papers; TRL's DPOTrainer was read only to confirm conventions):
  h        = (pi_c - ref_c) - (pi_r - ref_r)              log-ratio difference
  sigmoid  = -logsigmoid(beta h)                           DPO, Rafailov et al. 2023
  cdpo     = -(1-eps) logsigmoid(beta h) - eps logsigmoid(-beta h)   conservative DPO
  ipo      = (h - 1/(2 beta))^2                            IPO, Azar et al. 2023 (beta = tau)
  hinge    = relu(1 - beta h)                              SLiC-style hinge
  loss     = mean over the batch
  rewards  = beta (pi - ref), detached; accuracy = mean(chosen reward > rejected reward)
"""

import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "..", "..", "optim", "src", "test", "resources", "golden", "preference.json")

torch.manual_seed(1234)
D = torch.float64


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def tensor_json(t):
    kind = "bool" if t.dtype == torch.bool else ("i64" if t.dtype == torch.int64 else "f64")
    values = t.reshape(-1).tolist()
    if kind == "f64":
        values = [float(v) for v in values]
    return {"shape": list(t.shape), "dtype": kind, "values": values}


# ----------------------------------------------------------------- sequence log-probs

def sequence_case(name, B, T, V, mask_rows, pad_target=-100, scale=2.0):
    logits = (torch.randn(B, T, V, dtype=D) * scale).requires_grad_()
    targets = torch.randint(0, V, (B, T), dtype=torch.int64)
    mask = torch.tensor(mask_rows, dtype=torch.bool)
    # masked positions hold an id outside the vocabulary (like HF's -100): they must be ignored
    targets = torch.where(mask, targets, torch.full_like(targets, pad_target))
    safe = torch.where(mask, targets, torch.zeros_like(targets))
    token_logp = torch.gather(logits.log_softmax(-1), 2, safe.unsqueeze(2)).squeeze(2)
    token_logp = torch.where(mask, token_logp, torch.zeros_like(token_logp))
    total = token_logp.sum(1)
    count = mask.sum(1)
    mean = total / count.clamp(min=1).to(D)
    dy_sum = torch.randn(B, dtype=D)
    dy_mean = torch.randn(B, dtype=D)
    (total * dy_sum + mean * dy_mean).sum().backward()
    return {
        "name": name,
        "logits": tensor_json(logits.detach()),
        "targets": tensor_json(targets),
        "mask": tensor_json(mask),
        "sum": flat(total),
        "mean": flat(mean),
        "count": [int(c) for c in count.tolist()],
        "dy_sum": flat(dy_sum),
        "dy_mean": flat(dy_mean),
        "grad_logits": flat(logits.grad),
    }


sequences = [
    sequence_case("b3_t5_v7", 3, 5, 7, [[0, 0, 1, 1, 1],
                                         [0, 1, 1, 1, 0],
                                         [1, 1, 1, 1, 1]]),
    sequence_case("b2_t4_v11_empty_row", 2, 4, 11, [[0, 0, 0, 0],
                                                    [0, 0, 1, 1]]),
]


# ----------------------------------------------------------------- DPO family

def dpo_loss(variant, beta, eps, pc, pr, rc, rr):
    h = (pc - rc) - (pr - rr)
    if variant == "SIGMOID":
        losses = -F.logsigmoid(beta * h)
    elif variant == "CONSERVATIVE":
        losses = -(1 - eps) * F.logsigmoid(beta * h) - eps * F.logsigmoid(-beta * h)
    elif variant == "IPO":
        losses = (h - 1 / (2 * beta)) ** 2
    elif variant == "HINGE":
        losses = torch.relu(1 - beta * h)
    else:
        raise ValueError(variant)
    return losses


def dpo_case(name, variant, beta, eps, pc, pr, rc, rr):
    pc = torch.tensor(pc, dtype=D, requires_grad=True)
    pr = torch.tensor(pr, dtype=D, requires_grad=True)
    rc = torch.tensor(rc, dtype=D)
    rr = torch.tensor(rr, dtype=D)
    losses = dpo_loss(variant, beta, eps, pc, pr, rc, rr)
    if variant == "HINGE":
        z = 1 - beta * ((pc - rc) - (pr - rr))
        assert bool((z.abs() > 1e-3).all()), "hinge case sits on the kink"
    loss = losses.mean()
    loss.backward()
    chosen = (beta * (pc - rc)).detach()
    rejected = (beta * (pr - rr)).detach()
    return {
        "name": name,
        "variant": variant,
        "beta": beta,
        "label_smoothing": eps,
        "policy_chosen": flat(pc),
        "policy_rejected": flat(pr),
        "reference_chosen": flat(rc),
        "reference_rejected": flat(rr),
        "losses": flat(losses),
        "loss": float(loss),
        "grad_policy_chosen": flat(pc.grad),
        "grad_policy_rejected": flat(pr.grad),
        "chosen_rewards": flat(chosen),
        "rejected_rewards": flat(rejected),
        "reward_margins": flat(chosen - rejected),
        "reward_accuracy": float((chosen > rejected).to(D).mean()),
    }


def summed_logps(n):
    # summed log-probabilities of a few dozen tokens: negative, tens in size
    return [round(float(v), 6) for v in (-torch.rand(n, dtype=D) * 40 - 5).tolist()]


B = 6
pc, pr = summed_logps(B), summed_logps(B)
rc = [round(v + float(d), 6) for v, d in zip(pc, torch.randn(B, dtype=D).tolist())]
rr = [round(v + float(d), 6) for v, d in zip(pr, torch.randn(B, dtype=D).tolist())]
# example 0: policy equals the reference (h = 0, the first step of training)
rc[0], rr[0] = pc[0], pr[0]

# large log-ratio differences: log sigma must not overflow (|beta h| in the hundreds)
big_pc = [-10.0, -900.0, -20.0]
big_pr = [-900.0, -10.0, -20.0]
big_rc = [-10.0, -10.0, -20.0]
big_rr = [-10.0, -10.0, -20.5]

dpo = [
    dpo_case("sigmoid_b0.1", "SIGMOID", 0.1, 0.0, pc, pr, rc, rr),
    dpo_case("sigmoid_b0.5", "SIGMOID", 0.5, 0.0, pc, pr, rc, rr),
    dpo_case("conservative_b0.1_e0.2", "CONSERVATIVE", 0.1, 0.2, pc, pr, rc, rr),
    dpo_case("conservative_b0.3_e0.0", "CONSERVATIVE", 0.3, 0.0, pc, pr, rc, rr),
    dpo_case("ipo_b0.1", "IPO", 0.1, 0.0, pc, pr, rc, rr),
    dpo_case("ipo_b1", "IPO", 1.0, 0.0, pc, pr, rc, rr),
    dpo_case("hinge_b0.1", "HINGE", 0.1, 0.0, pc, pr, rc, rr),
    dpo_case("hinge_b0.7", "HINGE", 0.7, 0.0, pc, pr, rc, rr),
    dpo_case("sigmoid_extreme", "SIGMOID", 1.0, 0.0, big_pc, big_pr, big_rc, big_rr),
    dpo_case("conservative_extreme", "CONSERVATIVE", 1.0, 0.1, big_pc, big_pr, big_rc, big_rr),
]

with open(OUT, "w") as f:
    json.dump({"generator": "tools/golden/gen_preference.py",
               "torch": torch.__version__,
               "sequence_log_probs": sequences,
               "dpo": dpo}, f, indent=1)
    f.write("\n")
print("wrote", os.path.normpath(OUT))
