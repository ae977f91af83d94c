#!/usr/bin/python3
"""Golden learning-rate schedules for dev.nabla.optim.schedule, computed with PyTorch.

Run from the repository root (Debian's python3 with torch 1.13; only torch and the stdlib):

    /usr/bin/python3 tools/golden/gen_schedules.py

It rewrites optim/src/test/resources/golden/schedules.json, which
optim/src/test/java/dev/nabla/optim/schedule/ScheduleGoldenTest.java reads (the build never runs
this script). Each case drives a real torch scheduler attached to an SGD optimizer with two
parameter groups (base lrs 0.1 and 0.025) and records every group's lr right after the
scheduler is built (step 0) and after each of the following optimizer.step(); scheduler.step()
pairs, STEPS values in all. The "schedule" entry is a spec (type + Nabla's parameter names) from
which the Java test builds the same schedule.

Torch has no Robbins-Monro scheduler: that case uses LambdaLR with the documented formula.
A Warmup is torch's LinearLR (end_factor 1); Warmup.then(x) is SequentialLR([LinearLR, x]).
"""

import json
import os
import warnings

import torch
from torch.optim import lr_scheduler as L

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "..", "..", "optim", "src", "test", "resources", "golden", "schedules.json")
STEPS = 100
BASE_LRS = [0.1, 0.025]


def make_optimizer():
    w1 = torch.zeros(2, requires_grad=True)
    w2 = torch.zeros(3, requires_grad=True)
    return torch.optim.SGD([{"params": [w1], "lr": BASE_LRS[0]},
                            {"params": [w2], "lr": BASE_LRS[1]}], lr=1.0)


# ------------------------------------------------------------ specs → torch schedulers
def build(opt, spec):
    t = spec["type"]
    if t == "StepLR":
        return L.StepLR(opt, step_size=spec["stepSize"], gamma=spec["gamma"])
    if t == "MultiStepLR":
        return L.MultiStepLR(opt, milestones=spec["milestones"], gamma=spec["gamma"])
    if t == "ExponentialLR":
        return L.ExponentialLR(opt, gamma=spec["gamma"])
    if t == "CosineAnnealingLR":
        return L.CosineAnnealingLR(opt, T_max=spec["tMax"], eta_min=spec["etaMin"])
    if t == "CosineAnnealingWarmRestarts":
        return L.CosineAnnealingWarmRestarts(opt, T_0=spec["t0"], T_mult=spec["tMult"],
                                             eta_min=spec["etaMin"])
    if t == "OneCycleLR":
        # max_lr = each group's own lr: Nabla's OneCycleLR scales the group's base lr
        return L.OneCycleLR(opt, max_lr=[g["lr"] for g in opt.param_groups],
                            total_steps=spec["totalSteps"], pct_start=spec["pctStart"],
                            anneal_strategy=spec["anneal"].lower(), div_factor=spec["divFactor"],
                            final_div_factor=spec["finalDivFactor"],
                            three_phase=spec["threePhase"], cycle_momentum=False)
    if t == "RobbinsMonroLR":
        a, b = spec["alpha"], spec["b"]
        return L.LambdaLR(opt, lambda step: ((1 + b) / (step + 1 + b)) ** a)
    if t == "Warmup":
        return L.LinearLR(opt, start_factor=spec["startFactor"], end_factor=1.0,
                          total_iters=spec["steps"])
    if t == "SequentialLR":
        inner = [build(opt, s) for s in spec["schedules"]]
        return L.SequentialLR(opt, schedulers=inner, milestones=spec["milestones"])
    raise ValueError(t)


def record(spec):
    opt = make_optimizer()
    sched = build(opt, spec)
    lrs = [[g["lr"] for g in opt.param_groups]]
    for _ in range(STEPS - 1):
        opt.step()
        sched.step()
        lrs.append([g["lr"] for g in opt.param_groups])
    return lrs


def warmup_then(steps, start, after):
    return {"type": "SequentialLR", "milestones": [steps],
            "schedules": [{"type": "Warmup", "steps": steps, "startFactor": start}, after]}


def one_cycle(total, pct=0.3, anneal="COS", div=25.0, final_div=1e4, three=False):
    return {"type": "OneCycleLR", "totalSteps": total, "pctStart": pct, "anneal": anneal,
            "divFactor": div, "finalDivFactor": final_div, "threePhase": three}


CASES = {
    "step_10_0.5": {"type": "StepLR", "stepSize": 10, "gamma": 0.5},
    "step_7_0.1": {"type": "StepLR", "stepSize": 7, "gamma": 0.1},
    "step_1_0.97": {"type": "StepLR", "stepSize": 1, "gamma": 0.97},
    "multistep_30_80": {"type": "MultiStepLR", "milestones": [30, 80], "gamma": 0.1},
    "multistep_5_6_50_99": {"type": "MultiStepLR", "milestones": [5, 6, 50, 99], "gamma": 0.5},
    "exponential_0.95": {"type": "ExponentialLR", "gamma": 0.95},
    "exponential_0.99": {"type": "ExponentialLR", "gamma": 0.99},
    "cosine_100": {"type": "CosineAnnealingLR", "tMax": 100, "etaMin": 0.0},
    "cosine_30_min": {"type": "CosineAnnealingLR", "tMax": 30, "etaMin": 0.001},
    "cosine_7": {"type": "CosineAnnealingLR", "tMax": 7, "etaMin": 0.0},
    "cosine_1_min": {"type": "CosineAnnealingLR", "tMax": 1, "etaMin": 0.01},
    "restarts_10": {"type": "CosineAnnealingWarmRestarts", "t0": 10, "tMult": 1, "etaMin": 0.0},
    "restarts_5_x2_min": {"type": "CosineAnnealingWarmRestarts", "t0": 5, "tMult": 2, "etaMin": 0.001},
    "restarts_3_x3": {"type": "CosineAnnealingWarmRestarts", "t0": 3, "tMult": 3, "etaMin": 0.0},
    "onecycle_cos": one_cycle(100),
    "onecycle_linear": one_cycle(100, pct=0.25, anneal="LINEAR"),
    "onecycle_three_cos": one_cycle(100, three=True),
    "onecycle_three_linear": one_cycle(120, pct=0.35, anneal="LINEAR", div=10.0, final_div=100.0,
                                       three=True),
    "onecycle_last_step": one_cycle(99, pct=0.123),
    "robbins_monro_1": {"type": "RobbinsMonroLR", "alpha": 1.0, "b": 0.0},
    "robbins_monro_0.6_10": {"type": "RobbinsMonroLR", "alpha": 0.6, "b": 10.0},
    "robbins_monro_0.75_4.5": {"type": "RobbinsMonroLR", "alpha": 0.75, "b": 4.5},
    "warmup_only": {"type": "Warmup", "steps": 5, "startFactor": 0.1},
    "warmup_cosine": warmup_then(5, 0.1, {"type": "CosineAnnealingLR", "tMax": 50, "etaMin": 0.001}),
    "warmup_step": warmup_then(10, 0.25, {"type": "StepLR", "stepSize": 20, "gamma": 0.5}),
    "warmup_exponential": warmup_then(3, 0.5, {"type": "ExponentialLR", "gamma": 0.97}),
    "warmup_restarts": warmup_then(5, 0.2, {"type": "CosineAnnealingWarmRestarts", "t0": 10,
                                            "tMult": 2, "etaMin": 0.0}),
    "warmup_multistep": warmup_then(8, 0.3, {"type": "MultiStepLR", "milestones": [10, 30],
                                             "gamma": 0.3}),
    "sequential_three": {"type": "SequentialLR", "milestones": [4, 40], "schedules": [
        {"type": "Warmup", "steps": 4, "startFactor": 0.2},
        {"type": "ExponentialLR", "gamma": 0.9},
        {"type": "CosineAnnealingLR", "tMax": 30, "etaMin": 0.0}]},
}


def main():
    warnings.simplefilter("ignore")  # torch's "call optimizer.step() first" chatter
    cases = [{"name": name, "schedule": spec, "lr": record(spec)} for name, spec in CASES.items()]
    doc = {"generator": "tools/golden/gen_schedules.py", "torch": torch.__version__,
           "steps": STEPS, "baseLrs": BASE_LRS, "cases": None}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    # one case per line: small diffs when a case changes
    body = json.dumps(doc, indent=1).split('\n "cases"')[0]
    with open(OUT, "w") as f:
        f.write(body + '\n "cases": [\n')
        f.write(",\n".join("  " + json.dumps(c) for c in cases))
        f.write("\n ]\n}\n")
    print("wrote", os.path.normpath(OUT), len(cases), "cases")


if __name__ == "__main__":
    main()
