#!/usr/bin/env python3
"""PyTorch CPU reference timings for the side-by-side Java benchmark spec (see WORKLOADS.md).

Copied unchanged into Nabla's benchmarks/reference/ from the shared benchmark folder (WORKLOADS.md lives there;
a summary is in benchmarks/reference/README.md). The Java side is benchmarks/run-workloads.sh.

Written for Debian's python3-torch 1.13.1 (run with /usr/bin/python3). fp32 everywhere.
Usage:
  /usr/bin/python3 torch_ref.py [--threads 1 2] [--workloads W1 W2 W3 W4 W5 W6] [--warmup 3]
                                [--min-iters 7] [--max-iters 50] [--target-sec 3]
Output: one line per workload and thread count:  name threads median_ms
Lines starting with '#' are comments (environment, extra metrics such as GFLOP/s or tokens/s).

Thread count: run one process per thread count with OMP_NUM_THREADS set to it as well (run_torch_ref.sh does
this). torch.set_num_threads(n) alone is not enough with Debian's OpenMP OpenBLAS: torch 1.13 starts with
1 thread on this machine, and a 2-thread torch.mm then reached only ~100-115 instead of ~135 GFLOP/s.
"""
import os
import argparse
import math
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---------------------------------------------------------------- tiny LLaMA-like model (W3, W4)
class Cfg:
    vocab = 512
    dim = 256
    n_layers = 4
    n_heads = 8
    n_kv_heads = 4
    hidden = 688
    max_seq = 256
    norm_eps = 1e-5
    rope_theta = 10000.0


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(head_dim, max_seq, theta):
    inv = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))  # (hd/2)
    ang = torch.outer(torch.arange(max_seq, dtype=torch.float32), inv)  # (T, hd/2)
    return torch.cos(ang), torch.sin(ang)


def apply_rope(x, cos, sin):
    """x: (B, T, H, hd); rotates interleaved pairs (x[2i], x[2i+1]) by pos * theta^(-2i/hd) (LLaMA convention)."""
    B, T, H, hd = x.shape
    xp = x.reshape(B, T, H, hd // 2, 2)
    x0, x1 = xp[..., 0], xp[..., 1]
    c = cos.view(1, T, 1, hd // 2)
    s = sin.view(1, T, 1, hd // 2)
    return torch.stack((x0 * c - x1 * s, x0 * s + x1 * c), dim=-1).reshape(B, T, H, hd)


class Attention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.nh, self.nkv = cfg.n_heads, cfg.n_kv_heads
        self.hd = cfg.dim // cfg.n_heads
        self.wq = nn.Linear(cfg.dim, self.nh * self.hd, bias=False)
        self.wk = nn.Linear(cfg.dim, self.nkv * self.hd, bias=False)
        self.wv = nn.Linear(cfg.dim, self.nkv * self.hd, bias=False)
        self.wo = nn.Linear(self.nh * self.hd, cfg.dim, bias=False)
        self.cache_k = self.cache_v = None

    def forward(self, x, cos, sin, start_pos=None):
        B, T, _ = x.shape
        q = self.wq(x).view(B, T, self.nh, self.hd)
        k = self.wk(x).view(B, T, self.nkv, self.hd)
        v = self.wv(x).view(B, T, self.nkv, self.hd)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        if start_pos is not None:  # inference with KV cache
            self.cache_k[:B, start_pos:start_pos + T] = k
            self.cache_v[:B, start_pos:start_pos + T] = v
            k = self.cache_k[:B, :start_pos + T]
            v = self.cache_v[:B, :start_pos + T]
        rep = self.nh // self.nkv  # GQA: each kv head serves `rep` consecutive query heads
        k = k.repeat_interleave(rep, dim=2)
        v = v.repeat_interleave(rep, dim=2)
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # (B, H, T, hd)
        scores = torch.matmul(q, k.transpose(2, 3)) / math.sqrt(self.hd)  # (B, H, T, S)
        S = k.shape[2]
        if T > 1:  # causal mask: query t (absolute position S-T+t) sees keys <= its position
            mask = torch.full((T, S), float("-inf")).triu(S - T + 1)
            scores = scores + mask
        out = torch.matmul(F.softmax(scores.float(), dim=-1), v)  # (B, H, T, hd)
        return self.wo(out.transpose(1, 2).reshape(B, T, -1))


class FeedForward(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.w1 = nn.Linear(cfg.dim, cfg.hidden, bias=False)
        self.w2 = nn.Linear(cfg.hidden, cfg.dim, bias=False)
        self.w3 = nn.Linear(cfg.dim, cfg.hidden, bias=False)

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.attn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attn = Attention(cfg)
        self.ffn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.ffn = FeedForward(cfg)

    def forward(self, x, cos, sin, start_pos=None):
        h = x + self.attn(self.attn_norm(x), cos, sin, start_pos)
        return h + self.ffn(self.ffn_norm(h))


class TinyLlama(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.tok = nn.Embedding(cfg.vocab, cfg.dim)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layers))
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.out = nn.Linear(cfg.dim, cfg.vocab, bias=False)
        cos, sin = rope_tables(cfg.dim // cfg.n_heads, cfg.max_seq, cfg.rope_theta)
        self.register_buffer("cos", cos, persistent=False)
        self.register_buffer("sin", sin, persistent=False)
        for m in self.modules():  # init: all Linear and Embedding weights ~ N(0, 0.02); RMSNorm weights = 1
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def forward(self, tokens, start_pos=None):
        B, T = tokens.shape
        p0 = 0 if start_pos is None else start_pos
        cos, sin = self.cos[p0:p0 + T], self.sin[p0:p0 + T]
        h = self.tok(tokens)
        for layer in self.layers:
            h = layer(h, cos, sin, start_pos)
        return self.out(self.norm(h))  # (B, T, vocab) logits

    def init_cache(self, batch):
        c = self.cfg
        hd = c.dim // c.n_heads
        for layer in self.layers:
            layer.attn.cache_k = torch.zeros(batch, c.max_seq, c.n_kv_heads, hd)
            layer.attn.cache_v = torch.zeros(batch, c.max_seq, c.n_kv_heads, hd)


@torch.no_grad()
def generate(model, prompt, new_tokens):
    """Greedy decoding with KV cache: one prefill call on the prompt, then one call per generated token."""
    model.init_cache(prompt.shape[0])
    logits = model(prompt, start_pos=0)
    nxt = logits[:, -1].argmax(-1, keepdim=True)
    out = [nxt]
    pos = prompt.shape[1]
    for _ in range(new_tokens - 1):
        logits = model(nxt, start_pos=pos)
        pos += 1
        nxt = logits[:, -1].argmax(-1, keepdim=True)
        out.append(nxt)
    return torch.cat(out, dim=1)


# ---------------------------------------------------------------- workloads: each returns (name, step_fn, extra_fn)
def w1_lstm():
    torch.manual_seed(0)
    lstm = nn.LSTM(input_size=128, hidden_size=256, num_layers=1)  # default init U(-1/16, 1/16)
    x = torch.randn(64, 32, 128)  # (seq, batch, input); no grad w.r.t. the input
    opt = torch.optim.SGD(lstm.parameters(), lr=0.01)

    def step():
        opt.zero_grad(set_to_none=True)
        out, _ = lstm(x)  # zero initial (h, c)
        out.sum().backward()
        opt.step()
    return "W1_lstm_train", step, None


def w2_attention():
    torch.manual_seed(0)
    mha = nn.MultiheadAttention(embed_dim=256, num_heads=8, bias=True, batch_first=True)
    x = torch.randn(4, 512, 256, requires_grad=True)  # (batch, seq, d_model); grad w.r.t. the input too

    def step():
        mha.zero_grad(set_to_none=True)
        x.grad = None
        out, _ = mha(x, x, x, need_weights=False)  # no mask, dropout 0
        out.sum().backward()
    return "W2_mha_fwd_bwd", step, None


def w3_llama_train():
    torch.manual_seed(0)
    model = TinyLlama(Cfg())
    g = torch.Generator().manual_seed(1)
    data = torch.randint(0, Cfg.vocab, (8, 129), generator=g)
    inp, tgt = data[:, :-1], data[:, 1:]  # (8, 128) next-token targets
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, betas=(0.9, 0.95), eps=1e-8, weight_decay=0.1,
                            foreach=False)

    def step():
        opt.zero_grad(set_to_none=True)
        logits = model(inp)
        loss = F.cross_entropy(logits.reshape(-1, Cfg.vocab), tgt.reshape(-1))
        loss.backward()
        opt.step()
    nparams = sum(p.numel() for p in model.parameters())
    return "W3_llama_train", step, lambda ms: f"params={nparams} tokens/step=1024 -> {1024 / ms * 1e3:.0f} train tokens/s"


def w4_llama_generate():
    torch.manual_seed(0)
    model = TinyLlama(Cfg()).eval()
    g = torch.Generator().manual_seed(2)
    prompt = torch.randint(0, Cfg.vocab, (1, 16), generator=g)

    def step():
        generate(model, prompt, 128)
    return "W4_llama_generate128", step, lambda ms: f"prompt=16 new=128 -> {128 / ms * 1e3:.1f} tokens/s"


def w5_conv():
    torch.manual_seed(0)
    net = nn.Sequential(
        nn.Conv2d(32, 64, kernel_size=3, padding=1),
        nn.ConvTranspose2d(64, 32, kernel_size=4, stride=2, padding=1),
        nn.PixelShuffle(2),
    )
    x = torch.randn(16, 32, 32, 32, requires_grad=True)  # NCHW; output (16, 8, 128, 128)

    def step():
        net.zero_grad(set_to_none=True)
        x.grad = None
        net(x).sum().backward()
    return "W5_conv_upsample_fwd_bwd", step, None


def w6_mm(n):
    def make():
        torch.manual_seed(0)
        a, b = torch.randn(n, n), torch.randn(n, n)
        c = torch.empty(n, n)

        def step():
            torch.mm(a, b, out=c)
        return f"W6_mm_{n}", step, lambda ms: f"{2 * n ** 3 / ms / 1e6:.1f} GFLOP/s"
    return make


WORKLOADS = {"W1": [w1_lstm], "W2": [w2_attention], "W3": [w3_llama_train], "W4": [w4_llama_generate],
             "W5": [w5_conv], "W6": [w6_mm(1024), w6_mm(2048)], "W6_1024": [w6_mm(1024)]}


def loaded_blas():
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                p = line.split()[-1]
                if any(s in p for s in ("blas", "lapack", "dnnl", "gomp", "mkl")):
                    libs.add(p)
    except OSError:
        pass
    return sorted(libs)


def bench(step, warmup, min_iters, max_iters, target_sec):
    for _ in range(warmup):
        step()
    times = []
    t_end = time.perf_counter() + target_sec
    while len(times) < min_iters or (time.perf_counter() < t_end and len(times) < max_iters):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times), max(times), len(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--workloads", nargs="+", default=["W1", "W2", "W3", "W4", "W5", "W6"])
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--min-iters", type=int, default=7)
    ap.add_argument("--max-iters", type=int, default=50)
    ap.add_argument("--target-sec", type=float, default=3.0)
    a = ap.parse_args()
    torch.set_num_interop_threads(1)
    print(f"# torch {torch.__version__} python {sys.version.split()[0]} ({sys.executable})")
    print(f"# libs: {' '.join(loaded_blas())}")
    omp = os.environ.get("OMP_NUM_THREADS")
    print(f"# OMP_NUM_THREADS={omp if omp is not None else '<unset>'}")
    if omp is None or any(int(omp) != t for t in a.threads):
        print("# WARNING: OMP_NUM_THREADS is not equal to --threads; BLAS threading may be off (see docstring)")
    print(f"# warmup={a.warmup} iters=min {a.min_iters}, until {a.target_sec}s, max {a.max_iters}; stat=median")
    for threads in a.threads:
        torch.set_num_threads(threads)
        for w in a.workloads:
            for make in WORKLOADS[w]:
                name, step, extra = make()
                med, lo, hi, n = bench(step, a.warmup, a.min_iters, a.max_iters, a.target_sec)
                print(f"{name} {threads} {med:.3f}", flush=True)
                msg = f"#   {name} threads={threads} min={lo:.3f} max={hi:.3f} n={n} (get_num_threads={torch.get_num_threads()})"
                if extra:
                    msg += " " + extra(med)
                print(msg, flush=True)


if __name__ == "__main__":
    main()
