#!/usr/bin/python3
"""Golden fixtures for Nabla's recurrent layers (dev.nabla.nn.rnn), computed with PyTorch.

Run from the repository root (Debian's python3 with torch 1.13; only torch and the stdlib):

    /usr/bin/python3 tools/golden/gen_nn_rnn.py

It rewrites nn/src/test/resources/golden/nn_rnn.json, which
nn/src/test/java/dev/nabla/nn/rnn/RNNGoldenTest.java replays. The build never runs this.

Cases: nn.RNN (tanh, relu), nn.LSTM and nn.GRU, each
  - "stacked": 2 layers, bidirectional, time-major, h0 (and c0) given;
  - "packed": 2 layers, bidirectional, batch_first, h0 (and c0) given, unsorted lengths through
    pack_padded_sequence(enforce_sorted=False) -> pad_packed_sequence(total_length=T);
  - "nobias": 1 layer, one direction, bias=False, zero initial state, with lengths.
Each case stores torch's state dict under torch's names (the Java side loads it through
loadStateDict, which doubles as the naming test), the input, the initial states, a fixed
upstream gradient for output, h_n and c_n, torch's output/h_n/c_n, and the gradients of the
loss sum(output*gy) + sum(h_n*ghn) + sum(c_n*gcn) w.r.t. the input, the initial states and every
parameter.

Precision: weights, inputs and upstream gradients are float32 numbers (torch's default init and
randn in float32, written with 9 significant digits, which round-trip float32), and torch runs
in float64 from them. So the stored results are the exact math on the stored inputs (12 digits),
Nabla's F64 run must agree to ~1e-10, and Nabla's F32 run only differs by its own rounding.
"""

import json
import os

import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                   "..", "..", "nn", "src", "test", "resources", "golden", "nn_rnn.json")

INPUT, HIDDEN, STEPS, BATCH = 3, 4, 5, 3
LENGTHS = [5, 2, 4]  # unsorted on purpose; the longest equals STEPS


def f32(t):
    return [float(f"{v:.9g}") for v in t.detach().to(torch.float32).reshape(-1).tolist()]


def f64(t):
    return [float(f"{v:.12g}") for v in t.detach().reshape(-1).tolist()]


def tensor(t, fmt):
    return {"shape": list(t.shape), "data": fmt(t)}


def build(mode, num_layers, bias, batch_first, bidirectional):
    kw = dict(input_size=INPUT, hidden_size=HIDDEN, num_layers=num_layers, bias=bias,
              batch_first=batch_first, bidirectional=bidirectional)
    if mode == "lstm":
        return nn.LSTM(**kw)
    if mode == "gru":
        return nn.GRU(**kw)
    return nn.RNN(nonlinearity=mode.split("_")[1], **kw)


def case(name, mode, num_layers, bias, batch_first, bidirectional, with_h0, lengths):
    torch.manual_seed(sum(map(ord, name)))
    m = build(mode, num_layers, bias, batch_first, bidirectional)  # float32 torch init
    dirs = 2 if bidirectional else 1
    x_shape = (BATCH, STEPS, INPUT) if batch_first else (STEPS, BATCH, INPUT)
    x32 = torch.randn(x_shape)
    h32 = torch.randn(num_layers * dirs, BATCH, HIDDEN)
    c32 = torch.randn(num_layers * dirs, BATCH, HIDDEN)
    out_shape = (BATCH, STEPS, dirs * HIDDEN) if batch_first else (STEPS, BATCH, dirs * HIDDEN)
    gy32 = torch.randn(out_shape)
    ghn32 = torch.randn(num_layers * dirs, BATCH, HIDDEN)
    gcn32 = torch.randn(num_layers * dirs, BATCH, HIDDEN)
    state32 = {k: v.detach().clone() for k, v in m.state_dict().items()}

    m = m.double()
    x = x32.double().requires_grad_()
    h0 = h32.double().requires_grad_() if with_h0 else None
    c0 = c32.double().requires_grad_() if with_h0 else None
    hx = None
    if with_h0:
        hx = (h0, c0) if mode == "lstm" else h0
    if lengths is None:
        out, hn = m(x, hx)
    else:
        packed = pack_padded_sequence(x, torch.tensor(lengths), batch_first=batch_first,
                                      enforce_sorted=False)
        out_packed, hn = m(packed, hx)
        out, _ = pad_packed_sequence(out_packed, batch_first=batch_first, total_length=STEPS)
    cn = None
    if mode == "lstm":
        hn, cn = hn
    loss = (out * gy32.double()).sum() + (hn * ghn32.double()).sum()
    if cn is not None:
        loss = loss + (cn * gcn32.double()).sum()
    loss.backward()

    c = {
        "name": name, "mode": mode, "input_size": INPUT, "hidden_size": HIDDEN,
        "num_layers": num_layers, "bias": bias, "batch_first": batch_first,
        "bidirectional": bidirectional, "lengths": lengths,
        "state_dict": {k: tensor(v, f32) for k, v in state32.items()},
        "x": tensor(x32, f32),
        "h0": tensor(h32, f32) if with_h0 else None,
        "c0": tensor(c32, f32) if with_h0 and mode == "lstm" else None,
        "grad_output": tensor(gy32, f32),
        "grad_hn": tensor(ghn32, f32),
        "grad_cn": tensor(gcn32, f32) if mode == "lstm" else None,
        "output": tensor(out, f64),
        "hn": tensor(hn, f64),
        "cn": tensor(cn, f64) if cn is not None else None,
        "grad_x": tensor(x.grad, f64),
        "grad_h0": tensor(h0.grad, f64) if with_h0 else None,
        "grad_c0": tensor(c0.grad, f64) if with_h0 and mode == "lstm" else None,
        "grad_params": {k: tensor(p.grad, f64) for k, p in m.named_parameters()},
    }
    return c


def main():
    cases = []
    for mode in ["rnn_tanh", "rnn_relu", "lstm", "gru"]:
        cases.append(case(mode + "_stacked", mode, 2, True, False, True, True, None))
        cases.append(case(mode + "_packed", mode, 2, True, True, True, True, LENGTHS))
        cases.append(case(mode + "_nobias", mode, 1, False, False, False, False, LENGTHS))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"generator": "tools/golden/gen_nn_rnn.py", "torch": torch.__version__,
                   "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {OUT}: {len(cases)} cases, {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
