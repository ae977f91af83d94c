#!/usr/bin/python3
"""Golden fixtures for Nabla's tensor core, computed with PyTorch.

Run from the repository root (Debian's python3 with torch 1.13; only torch and the stdlib):

    /usr/bin/python3 tools/golden/gen_core.py

It rewrites core/src/test/resources/golden/*.json, which
core/src/test/java/dev/nabla/core/GoldenTest.java reads. The Maven build never runs this
script: the JSON files are committed, and rerunning it only matters when cases change.

Every case has a name (GoldenTest maps it to the same computation in Nabla), a dtype, a
description of the op, its inputs (shape + flat row-major values; float inputs in the case's
dtype, index inputs "i64", masks "bool"), the output, a random upstream gradient dy of the
output's shape, and the gradient of every input that requires grad after out.backward(dy).
Each op is generated twice: "f64" (the reference for gradients, tight tolerance) and "f32"
(the float path, forward and backward); integer-only cases once. Inputs are seeded per case
(crc32 of the name) and rounded to a few decimals, so the stored values are exactly what both
sides compute with and a rerun rewrites identical files. A new case needs its twin in
GoldenTest's op map: a fixture name the Java side does not know fails the test.
"""

import json
import math
import os
import struct
import zlib

import torch
import torch.nn.functional as F

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "..", "core", "src", "test", "resources", "golden")

DTYPES = {"f64": torch.float64, "f32": torch.float32}


# ------------------------------------------------------------------ input generators
# Each generator returns float64 values (or int64/bool) from the seeded global generator.

def randn(*shape, scale=1.0, shift=0.0):
    return ("float", lambda: torch.randn(shape, dtype=torch.float64) * scale + shift)


def pos(*shape, low=0.5, high=2.0):
    """Uniform in [low, high): for log, sqrt, rsqrt, fractional powers."""
    return ("float", lambda: torch.rand(shape, dtype=torch.float64) * (high - low) + low)


def away(*shape, kinks=(0.0,), margin=0.1):
    """Normal samples kept at least `margin` from every kink (relu, abs, clamp, divisors)."""
    def gen():
        x = torch.randn(shape, dtype=torch.float64)
        for k in kinks:
            d = x - k
            close = d.abs() < margin
            side = (d >= 0).to(torch.float64) * 2 - 1
            x = torch.where(close, k + side * (margin + d.abs()), x)
        return x
    return ("float", gen)


def exact(values, *shape):
    """Fixed float values (exact in float32 too): kinks, ties, zeros."""
    return ("float", lambda: torch.tensor(values, dtype=torch.float64).reshape(*shape))


def as_f64(gen):
    """A float input that stays float64 in the f32 variant too (type promotion cases)."""
    return ("float64", gen[1])


def index(values, *shape):
    return ("i64", lambda: torch.tensor(values, dtype=torch.int64).reshape(*shape))


def ints(values, *shape):
    """An integer operand (not an index): promotion cases."""
    return index(values, *shape)


def mask(values, *shape):
    return ("bool", lambda: torch.tensor(values, dtype=torch.bool).reshape(*shape))


def nograd(gen):
    """A float input that does not require grad."""
    return (gen[0], gen[1], False)


# ------------------------------------------------------------------ case registry

CASES = {}  # file -> list of (name, op, inputs, fn, dtypes)


def case(file, name, op, inputs, fn, dtypes=("f64", "f32")):
    CASES.setdefault(file, []).append((name, op, inputs, fn, dtypes))


E = "elementwise"
case(E, "add_3x1x4_2x4", "a + b", [randn(3, 1, 4), randn(2, 4)], lambda a, b: a + b)
case(E, "sub_5_2x3x5", "a - b", [randn(5), randn(2, 3, 5)], lambda a, b: a - b)
case(E, "mul_2x1x5_3x1", "a * b", [randn(2, 1, 5), randn(3, 1)], lambda a, b: a * b)
case(E, "div_3x1x4_2x4", "a / b", [randn(3, 1, 4), away(2, 4, margin=0.3)], lambda a, b: a / b)
case(E, "pow_3x1x4_2x4", "a ** b, a > 0", [pos(3, 1, 4), randn(2, 4)], lambda a, b: a ** b)
case(E, "add_scalar_tensor", "a + b, a 0-d", [randn(), randn(2, 3)], lambda a, b: a + b)
case(E, "mul_tensor_scalar", "a * b, b 0-d", [randn(2, 3), randn()], lambda a, b: a * b)
case(E, "div_scalar_tensor", "a / b, a 0-d", [randn(), away(2, 3, margin=0.3)],
     lambda a, b: a / b)
case(E, "add_alpha", "torch.add(a, b, alpha=-0.5)", [randn(4), randn(3, 4)],
     lambda a, b: torch.add(a, b, alpha=-0.5))
case(E, "scalar_arith", "(x * 2.5 + 1.5 - 0.25) / 3", [randn(2, 3)],
     lambda x: (x * 2.5 + 1.5 - 0.25) / 3)
case(E, "rsub", "2 - x", [randn(2, 3)], lambda x: 2 - x)
case(E, "neg", "-x", [randn(2, 3)], lambda x: -x)
case(E, "pow_int", "x ** 3", [randn(2, 3)], lambda x: x ** 3)
case(E, "pow_frac", "x ** 2.5, x > 0", [pos(2, 3)], lambda x: x ** 2.5)
case(E, "pow_neg", "x ** -1.5, x > 0", [pos(2, 3)], lambda x: x ** -1.5)
case(E, "square", "x.square()", [randn(2, 3)], lambda x: x.square())
case(E, "reciprocal", "x.reciprocal()", [away(2, 3, margin=0.3)], lambda x: x.reciprocal())
case(E, "exp", "x.exp()", [randn(2, 4)], torch.exp)
case(E, "log", "x.log(), x > 0", [pos(2, 4, low=0.1, high=3.0)], torch.log)
case(E, "log1p", "x.log1p(), x > -1", [pos(2, 4, low=-0.5, high=2.0)], torch.log1p)
case(E, "sqrt", "x.sqrt(), x > 0", [pos(2, 4, low=0.1, high=3.0)], torch.sqrt)
case(E, "rsqrt", "x.rsqrt(), x > 0", [pos(2, 4, low=0.1, high=3.0)], torch.rsqrt)
case(E, "tanh", "x.tanh(), x ~ 2N(0,1)", [randn(2, 4, scale=2.0)], torch.tanh)
case(E, "sigmoid", "x.sigmoid(), x ~ 5N(0,1)", [randn(2, 5, scale=5.0)], torch.sigmoid)
case(E, "silu", "F.silu(x), x ~ 3N(0,1)", [randn(2, 5, scale=3.0)], F.silu)
case(E, "relu", "x.relu()", [away(2, 5)], torch.relu)
case(E, "abs", "x.abs()", [away(2, 5)], torch.abs)
case(E, "clamp", "x.clamp(-0.5, 0.7)", [away(3, 4, kinks=(-0.5, 0.7), margin=0.05)],
     lambda x: x.clamp(-0.5, 0.7))
case(E, "clamp_min", "x.clamp(min=0.1)", [away(3, 4, kinks=(0.1,), margin=0.05)],
     lambda x: x.clamp(min=0.1))
case(E, "clamp_max", "x.clamp(max=-0.2)", [away(3, 4, kinks=(-0.2,), margin=0.05)],
     lambda x: x.clamp(max=-0.2))
case(E, "sin", "x.sin()", [randn(2, 4, scale=2.0)], torch.sin)
case(E, "cos", "x.cos()", [randn(2, 4, scale=2.0)], torch.cos)
case(E, "erf", "torch.erf(x)", [randn(2, 5, scale=1.5)], torch.erf)
case(E, "gelu", "F.gelu(x) (exact, erf)", [randn(3, 5, scale=2.0)], F.gelu)
case(E, "gelu_tanh", "F.gelu(x, approximate='tanh')", [randn(3, 5, scale=2.0)],
     lambda x: F.gelu(x, approximate="tanh"))
case(E, "maximum_3x4_4", "torch.maximum(a, b), no ties", [randn(3, 4), randn(4)], torch.maximum)
case(E, "minimum_3x4_4", "torch.minimum(a, b), no ties", [randn(3, 4), randn(4)], torch.minimum)
case(E, "where_3x4_4", "torch.where(cond, a, b)",
     [mask([1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], 3, 4), randn(3, 4), randn(4)], torch.where)
case(E, "where_bcast_cond", "torch.where(cond[4], a[3,1], b[3,4])",
     [mask([1, 0, 1, 0], 4), randn(3, 1), randn(3, 4)], torch.where)
case(E, "masked_fill_3x4", "x.masked_fill(mask[4], -1.5)",
     [randn(3, 4), mask([0, 1, 1, 0], 4)], lambda x, m: x.masked_fill(m, -1.5))
case(E, "div_int", "a / b for int64 a, b: true division to float32",
     [ints([1, -7, 9, 4, 0, 3], 2, 3), ints([2, -3, 4], 3)], lambda a, b: a / b, dtypes=("f32",))
case(E, "add_int_float", "a + b for int64 a[3], float b[2,3]",
     [ints([1, -2, 3], 3), randn(2, 3)], lambda a, b: a + b)
# PyTorch's conventions at kinks, ties and zeros
ZEROS = [-1.0, 0.0, 0.5, 0.0, 2.0, -0.25]
case(E, "relu_at_zero", "x.relu(), x has zeros (grad 0 there)", [exact(ZEROS, 2, 3)], torch.relu)
case(E, "abs_at_zero", "x.abs(), x has zeros (grad 0 there)", [exact(ZEROS, 2, 3)], torch.abs)
case(E, "clamp_at_bounds", "x.clamp(-0.5, 0.75), x on the bounds (grad passes)",
     [exact([-0.5, 0.75, -1.0, 1.0, 0.0, 0.25], 2, 3)], lambda x: x.clamp(-0.5, 0.75))
case(E, "maximum_ties", "torch.maximum(a, b) with ties (grad split in half)",
     [exact([1.0, -2.0, 0.5, 3.0, 0.25, -1.0], 2, 3), exact([1.0, 0.25, -1.0], 3)],
     torch.maximum)
case(E, "minimum_ties", "torch.minimum(a, b) with ties (grad split in half)",
     [exact([1.0, -2.0, 0.5, 3.0, 0.25, -1.0], 2, 3), exact([1.0, 0.25, -1.0], 3)],
     torch.minimum)
case(E, "pow_zero_base", "a ** b with a = 0 (0 ** 0 = 1; both grads 0 there)",
     [exact([0.0, 0.0, 0.0, 1.5, 2.0, 0.5], 6), exact([2.0, 1.5, 0.0, 0.0, -1.0, 3.0], 6)],
     lambda a, b: a ** b)
case(E, "erf_tails", "torch.erf(x), |x| up to 6",
     [exact([-6.0, -3.5, -3.0, -0.5, 2.75, 3.0, 3.25, 4.5], 8)], torch.erf)
case(E, "gelu_tails", "F.gelu(x), |x| up to 6",
     [exact([-6.0, -4.0, -2.5, -0.125, 2.5, 4.0, 6.0], 7)], F.gelu)
case(E, "sigmoid_tails", "x.sigmoid(), |x| up to 30",
     [exact([-30.0, -12.0, -5.0, 5.0, 12.0, 30.0], 6)], torch.sigmoid)
case(E, "where_cond_largest", "torch.where(cond[3,4], a[4], b 0-d)",
     [mask([1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1], 3, 4), randn(4), randn()], torch.where)
case(E, "mul_tensor_f64_scalar", "a * b, b a float64 0-d tensor (a's dtype wins, as torch)",
     [randn(2, 3), as_f64(randn())], lambda a, b: a * b)

R = "reductions"
X234 = lambda: randn(2, 3, 4)  # noqa: E731
case(R, "sum_all", "x.sum()", [X234()], lambda x: x.sum())
case(R, "sum_dim1", "x.sum(1)", [X234()], lambda x: x.sum(1))
case(R, "sum_dims02_keep", "x.sum([0, 2], keepdim=True)", [X234()],
     lambda x: x.sum([0, 2], keepdim=True))
case(R, "sum_dimneg1", "x.sum(-1)", [X234()], lambda x: x.sum(-1))
case(R, "mean_all", "x.mean()", [X234()], lambda x: x.mean())
case(R, "mean_dimneg1_keep", "x.mean(-1, keepdim=True)", [X234()],
     lambda x: x.mean(-1, keepdim=True))
case(R, "mean_dims02", "x.mean([0, 2])", [X234()], lambda x: x.mean([0, 2]))
case(R, "amax_dim1", "x.amax(1)", [X234()], lambda x: x.amax(1))
case(R, "amax_all", "x.amax()", [X234()], lambda x: x.amax())
case(R, "amax_dims02_keep", "x.amax([0, 2], keepdim=True)", [X234()],
     lambda x: x.amax([0, 2], keepdim=True))
case(R, "amin_dim0", "x.amin(0)", [X234()], lambda x: x.amin(0))
case(R, "max_dim1_values", "x.max(1).values", [X234()], lambda x: x.max(1).values)
case(R, "max_dim1_indices", "x.max(1).indices", [nograd(X234())], lambda x: x.max(1).indices)
case(R, "min_dimneg1_keep_values", "x.min(-1, keepdim=True).values", [X234()],
     lambda x: x.min(-1, keepdim=True).values)
case(R, "argmax_dim0", "x.argmax(0)", [nograd(X234())], lambda x: x.argmax(0))
case(R, "argmax_all", "x.argmax()", [nograd(X234())], lambda x: x.argmax())
for unbiased in (True, False):
    u = "unbiased" if unbiased else "biased"
    for fname, f in (("var", torch.var), ("std", torch.std)):
        case(R, f"{fname}_dim1_{u}", f"torch.{fname}(x, 1, unbiased={unbiased})", [X234()],
             lambda x, f=f, ub=unbiased: f(x, 1, unbiased=ub))
        case(R, f"{fname}_dims02_keep_{u}",
             f"torch.{fname}(x, [0, 2], unbiased={unbiased}, keepdim=True)", [X234()],
             lambda x, f=f, ub=unbiased: f(x, [0, 2], unbiased=ub, keepdim=True))
        case(R, f"{fname}_all_{u}", f"torch.{fname}(x, unbiased={unbiased})", [X234()],
             lambda x, f=f, ub=unbiased: f(x, unbiased=ub))
        case(R, f"{fname}_dimneg1_keep_{u}",
             f"torch.{fname}(x, -1, unbiased={unbiased}, keepdim=True)", [X234()],
             lambda x, f=f, ub=unbiased: f(x, -1, unbiased=ub, keepdim=True))
case(R, "amax_ties", "x.amax(1), ties (grad shared evenly)",
     [exact([1.0, 3.0, 3.0, 2.0, 5.0, 5.0, 5.0, 0.0], 2, 4)], lambda x: x.amax(1))
case(R, "max_all_ties", "x.max(), ties (grad shared evenly)",
     [exact([1.0, 3.0, 3.0, 2.0, -5.0, 3.0, 0.5, 0.0], 2, 4)], lambda x: x.max())
case(R, "max_dim1_ties_values", "x.max(1).values, ties (grad to the first maximum)",
     [exact([1.0, 3.0, 3.0, 2.0, 5.0, 5.0, 1.0, 0.0], 2, 4)], lambda x: x.max(1).values)
case(R, "max_dim1_ties_indices", "x.max(1).indices, ties (first maximum)",
     [nograd(exact([1.0, 3.0, 3.0, 2.0, 5.0, 5.0, 1.0, 0.0], 2, 4))],
     lambda x: x.max(1).indices)
case(R, "argmin_dim0_ties", "x.argmin(0), ties (first minimum)",
     [nograd(exact([1.0, 3.0, 0.0, 2.0, 1.0, 0.0, 0.0, 2.0], 2, 4))], lambda x: x.argmin(0))
case(R, "sum_int", "x.sum(1) for int64 x (stays int64)",
     [ints([1, -2, 3, 4, 5, -6], 2, 3)], lambda x: x.sum(1), dtypes=("f32",))
case(R, "cumsum_int", "x.cumsum(1) for int64 x", [ints([1, -2, 3, 4, 5, -6], 2, 3)],
     lambda x: x.cumsum(1), dtypes=("f32",))
MASK35 = [0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1]
case(R, "masked_softmax", "x.masked_fill(mask, -inf).softmax(-1)",
     [randn(3, 5), mask(MASK35, 3, 5)],
     lambda x, m: x.masked_fill(m, float("-inf")).softmax(-1))
case(R, "masked_logsumexp", "torch.logsumexp(x.masked_fill(mask, -inf), -1)",
     [randn(3, 5), mask(MASK35, 3, 5)],
     lambda x, m: torch.logsumexp(x.masked_fill(m, float("-inf")), -1))
case(R, "logsumexp_dim0", "torch.logsumexp(x, 0)", [X234()], lambda x: torch.logsumexp(x, 0))
case(R, "logsumexp_dimneg1_keep", "torch.logsumexp(x, -1, keepdim=True)", [X234()],
     lambda x: torch.logsumexp(x, -1, keepdim=True))
case(R, "logsumexp_dims02", "torch.logsumexp(x, [0, 2])", [X234()],
     lambda x: torch.logsumexp(x, [0, 2]))
case(R, "logsumexp_large", "torch.logsumexp(x, 1), x ~ 10N(0,1) + 50",
     [randn(2, 3, 4, scale=10.0, shift=50.0)], lambda x: torch.logsumexp(x, 1))
for d in (0, 1, -1):
    case(R, f"softmax_dim{d}".replace("-", "neg"), f"x.softmax({d})", [X234()],
         lambda x, d=d: x.softmax(d))
    case(R, f"log_softmax_dim{d}".replace("-", "neg"), f"x.log_softmax({d})", [X234()],
         lambda x, d=d: x.log_softmax(d))
case(R, "softmax_large", "x.softmax(-1), x ~ 30N(0,1)", [randn(3, 5, scale=30.0)],
     lambda x: x.softmax(-1))
case(R, "log_softmax_large", "x.log_softmax(-1), x ~ 30N(0,1)", [randn(3, 5, scale=30.0)],
     lambda x: x.log_softmax(-1))
case(R, "cumsum_dim0", "x.cumsum(0)", [X234()], lambda x: x.cumsum(0))
case(R, "cumsum_dimneg1", "x.cumsum(-1)", [X234()], lambda x: x.cumsum(-1))
case(R, "norm_all", "x.norm()", [X234()], lambda x: x.norm())
case(R, "layer_norm_composite",
     "(x - x.mean(-1, keepdim=True)) / (x.var(-1, unbiased=False, keepdim=True) + 1e-5).sqrt()"
     " * w + b", [randn(3, 5), randn(5), randn(5)],
     lambda x, w, b: (x - x.mean(-1, keepdim=True))
     / (x.var(-1, unbiased=False, keepdim=True) + 1e-5).sqrt() * w + b)
case(R, "cross_entropy_composite", "-x.log_softmax(1).gather(1, target).mean()",
     [randn(4, 5), index([3, 0, 4, 3], 4, 1)],
     lambda x, t: -x.log_softmax(1).gather(1, t).mean())

L = "matmul"
case(L, "matmul_3x4_4x5", "a @ b", [randn(3, 4), randn(4, 5)], torch.matmul)
case(L, "matmul_4_4", "a @ b (dot)", [randn(4), randn(4)], torch.matmul)
case(L, "matmul_4_4x3", "a @ b (vector-matrix)", [randn(4), randn(4, 3)], torch.matmul)
case(L, "matmul_3x4_4", "a @ b (matrix-vector)", [randn(3, 4), randn(4)], torch.matmul)
case(L, "matmul_2x3x4x5_5x6", "a @ b (batched · matrix)", [randn(2, 3, 4, 5), randn(5, 6)],
     torch.matmul)
case(L, "matmul_2x1x3x4_3x4x2", "a @ b (broadcast batch)", [randn(2, 1, 3, 4), randn(3, 4, 2)],
     torch.matmul)
case(L, "matmul_4_2x4x3", "a @ b (vector · batch)", [randn(4), randn(2, 4, 3)], torch.matmul)
case(L, "matmul_2x3x4_4", "a @ b (batch · vector)", [randn(2, 3, 4), randn(4)], torch.matmul)
case(L, "matmul_batched_transposed", "a.transpose(1, 2) @ b, a [2,4,3], b [2,4,5]",
     [randn(2, 4, 3), randn(2, 4, 5)], lambda a, b: a.transpose(1, 2) @ b)
case(L, "matmul_transposed", "a.t() @ b, a [4,3] (non-contiguous operand)",
     [randn(4, 3), randn(4, 2)], lambda a, b: a.t() @ b)

I = "indexing"
case(I, "gather_dim0", "x.gather(0, idx), repeated indices",
     [randn(4, 3), index([0, 3, 3, 1, 1, 1, 2, 0, 3, 3, 2, 0, 0, 0, 1], 5, 3)],
     lambda x, i: x.gather(0, i))
case(I, "gather_dim1", "x.gather(1, idx), repeated indices",
     [randn(3, 5), index([4, 4, 0, 2, 1, 1, 1, 3, 0, 2, 2, 4], 3, 4)],
     lambda x, i: x.gather(1, i))
case(I, "gather_dim1_small", "x.gather(1, idx), index smaller than x",
     [randn(3, 5), index([2, 0, 2, 4, 1, 4], 2, 3)], lambda x, i: x.gather(1, i))
case(I, "gather_dimneg1_3d", "x.gather(-1, idx)",
     [randn(2, 3, 4), index([3, 0, 1, 1, 2, 3, 0, 0, 3, 2, 1, 3], 2, 3, 2)],
     lambda x, i: x.gather(-1, i))
case(I, "scatter_add_dim0", "x.scatter_add(0, idx, src), repeated indices",
     [randn(4, 3), index([0, 3, 3, 1, 1, 1, 2, 0, 3, 3, 2, 0, 0, 0, 1], 5, 3), randn(5, 3)],
     lambda x, i, s: x.scatter_add(0, i, s))
case(I, "scatter_add_dim1", "x.scatter_add(1, idx, src), repeated indices",
     [randn(3, 4), index([3, 3, 0, 1, 3, 2, 1, 1, 1, 0, 2, 0, 2, 2, 3, 0, 0, 0], 3, 6),
      randn(3, 6)],
     lambda x, i, s: x.scatter_add(1, i, s))
case(I, "scatter_add_partial", "x.scatter_add(0, idx[2,2], src[3,5]) (src not differentiated)",
     [randn(3, 4), index([2, 0, 2, 2], 2, 2), nograd(randn(3, 5))],
     lambda x, i, s: x.scatter_add(0, i, s))
# torch 1.13 cannot differentiate src when index is smaller than src; slicing src to the index
# shape first is the same computation and gives the reference gradient (zeros outside)
case(I, "scatter_add_partial_src_grad",
     "x.scatter_add(0, idx[2,2], src[3,5]) (src grad via src[:2, :2])",
     [randn(3, 4), index([2, 0, 2, 2], 2, 2), randn(3, 5)],
     lambda x, i, s: x.scatter_add(0, i, s[:2, :2]))
case(I, "index_select_dim0", "x.index_select(0, idx), repeated indices",
     [randn(4, 3), index([3, 0, 3, 1, 1, 2], 6)], lambda x, i: x.index_select(0, i))
case(I, "index_select_dim1", "x.index_select(1, idx)",
     [randn(2, 5, 3), index([4, 0, 4, 2], 4)], lambda x, i: x.index_select(1, i))
case(I, "embedding", "F.embedding(ids, weight), repeated ids",
     [index([5, 1, 1, 0, 5, 3], 2, 3), randn(6, 4)], lambda i, w: F.embedding(i, w))
case(I, "one_hot", "F.one_hot(ids, 4)", [index([3, 0, 1, 3, 2], 5)],
     lambda i: F.one_hot(i, 4), dtypes=("f32",))
case(I, "cat_dim0", "torch.cat([a, b, c], 0)", [randn(2, 3), randn(1, 3), randn(3, 3)],
     lambda a, b, c: torch.cat([a, b, c], 0))
case(I, "cat_dim1", "torch.cat([a, b], 1)", [randn(2, 1, 3), randn(2, 2, 3)],
     lambda a, b: torch.cat([a, b], 1))
case(I, "cat_dimneg1", "torch.cat([a, b], -1)", [randn(2, 2), randn(2, 3)],
     lambda a, b: torch.cat([a, b], -1))
for d in (0, 1, -1):
    case(I, f"stack_dim{d}".replace("-", "neg"), f"torch.stack([a, b, c], {d})",
         [randn(2, 3), randn(2, 3), randn(2, 3)], lambda a, b, c, d=d: torch.stack([a, b, c], d))
case(I, "tril_0", "x.tril()", [randn(4, 5)], lambda x: x.tril())
case(I, "tril_neg1_batched", "x.tril(-1)", [randn(2, 3, 4)], lambda x: x.tril(-1))
case(I, "tril_2", "x.tril(2)", [randn(3, 5)], lambda x: x.tril(2))
case(I, "triu_1_batched", "x.triu(1)", [randn(2, 3, 4)], lambda x: x.triu(1))
case(I, "triu_0", "x.triu()", [randn(5, 3)], lambda x: x.triu())
case(I, "pad_last", "F.pad(x, (1, 2))", [randn(2, 3)], lambda x: F.pad(x, (1, 2)))
case(I, "pad_two", "F.pad(x, (1, 0, 2, 1), value=-1)", [randn(2, 3, 4)],
     lambda x: F.pad(x, (1, 0, 2, 1), value=-1.0))
case(I, "pad_all", "F.pad(x, (1, 1, 0, 2, 1, 0), value=0.5)", [randn(2, 2, 2)],
     lambda x: F.pad(x, (1, 1, 0, 2, 1, 0), value=0.5))
case(I, "transpose_contiguous", "x.transpose(0, 2).contiguous()", [X234()],
     lambda x: x.transpose(0, 2).contiguous())
case(I, "permute_contiguous", "x.permute(2, 0, 1).contiguous()", [X234()],
     lambda x: x.permute(2, 0, 1).contiguous())
case(I, "transpose_reshape", "x.transpose(1, 2).reshape(2, 12)", [X234()],
     lambda x: x.transpose(1, 2).reshape(2, 12))
case(I, "permute_exp", "x.permute(1, 2, 0).exp()", [X234()], lambda x: x.permute(1, 2, 0).exp())
case(I, "slice_step", "x[:, 1:6:2]", [randn(5, 6)], lambda x: x[:, 1:6:2])
case(I, "select_narrow", "x.select(1, 2).narrow(-1, 1, 3)", [randn(3, 4, 5)],
     lambda x: x.select(1, 2).narrow(-1, 1, 3))
case(I, "expand_mul", "x.expand(3, 4) * y", [randn(3, 1), randn(3, 4)],
     lambda x, y: x.expand(3, 4) * y)
case(I, "unsqueeze_add_squeeze", "(x.unsqueeze(1) + y).squeeze()", [randn(3, 4), randn(1, 4)],
     lambda x, y: (x.unsqueeze(1) + y).squeeze())
case(I, "chunk_cat", "c = x.chunk(3, 1); torch.cat([c[2], c[0], c[1]], 1)", [randn(2, 6)],
     lambda x: torch.cat([x.chunk(3, 1)[2], x.chunk(3, 1)[0], x.chunk(3, 1)[1]], 1))
case(I, "split_sizes_cat", "p = x.split([2, 3], 0); torch.cat([p[1], p[0] * 2], 0)",
     [randn(5, 3)], lambda x: torch.cat([x.split([2, 3], 0)[1], x.split([2, 3], 0)[0] * 2], 0))

case(I, "chunk_split_uneven",
     "torch.cat([torch.cat(x.chunk(3, 1)[::-1], 1).flatten(),"
     " torch.cat(x.split(2, 0)[::-1], 0).flatten()])", [randn(3, 5)],
     lambda x: torch.cat([torch.cat(x.chunk(3, 1)[::-1], 1).flatten(),
                          torch.cat(x.split(2, 0)[::-1], 0).flatten()]))
case(I, "expand_new_dims", "x.expand(2, -1, 4) * y", [randn(3, 1), randn(2, 3, 4)],
     lambda x, y: x.expand(2, -1, 4) * y)
case(I, "flatten_mid", "x.flatten(1, 2)", [randn(2, 3, 2, 2)], lambda x: x.flatten(1, 2))


# ------------------------------------------------------------------ serialisation

def f32_repr(v):
    """Shortest decimal that reads back as the same float32."""
    if math.isinf(v) or math.isnan(v):
        raise ValueError("non-finite value in a fixture")
    packed = struct.pack("<f", v)
    for p in range(6, 10):
        s = "%.*g" % (p, v)
        if struct.pack("<f", float(s)) == packed:
            return float(s)
    return float("%.9g" % v)


def encode(t, kind):
    values = t.detach().reshape(-1).tolist()
    if kind == "f32":
        values = [f32_repr(v) for v in values]
    elif kind == "f64":
        if any(math.isinf(v) or math.isnan(v) for v in values):
            raise ValueError("non-finite value in a fixture")
    elif kind == "bool":
        values = [bool(v) for v in values]
    else:
        values = [int(v) for v in values]
    return {"shape": list(t.shape), "dtype": kind, "values": values}


def kind_of(t):
    return {torch.float64: "f64", torch.float32: "f32", torch.int64: "i64",
            torch.bool: "bool"}[t.dtype]


def build(name, op, inputs, fn, dtype_name):
    dtype = DTYPES[dtype_name]
    torch.manual_seed(zlib.crc32(name.encode()))  # same values for the f32 and f64 variants
    tensors, wants = [], []
    for spec in inputs:
        kind, gen = spec[0], spec[1]
        grad = spec[2] if len(spec) > 2 else kind in ("float", "float64")
        raw = gen()
        if kind in ("float", "float64"):
            t = torch.round(raw * 1e5) / 1e5  # short decimals, stored exactly as used
            t = t.to(dtype if kind == "float" else torch.float64).detach().requires_grad_(grad)
        else:
            t = raw
        tensors.append(t)
        wants.append(grad and kind in ("float", "float64"))
    out = fn(*tensors)
    upstream = None
    grads = [None] * len(tensors)
    if out.requires_grad:
        upstream = torch.round(torch.randn(out.shape, dtype=torch.float64) * 1e4) / 1e4
        upstream = upstream.to(out.dtype)
        out.backward(upstream)
        for i, t in enumerate(tensors):
            if wants[i]:
                g = t.grad if t.grad is not None else torch.zeros_like(t)
                grads[i] = encode(g, kind_of(g))
    return {
        "name": name,
        "dtype": dtype_name,
        "op": op,
        "inputs": [dict(encode(t, kind_of(t)), grad=w) for t, w in zip(tensors, wants)],
        "output": encode(out, kind_of(out)),
        "upstream": None if upstream is None else encode(upstream, kind_of(upstream)),
        "grads": grads,
    }


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for file, cases in CASES.items():
        names = [c[0] for c in cases]
        assert len(names) == len(set(names)), "duplicate case names in " + file
        built = [build(n, op, ins, fn, dt) for n, op, ins, fn, dts in cases for dt in dts]
        path = os.path.join(OUT_DIR, file + ".json")
        with open(path, "w") as f:
            f.write('{"generator": "tools/golden/gen_core.py", "torch": "%s", "cases": [\n'
                    % torch.__version__)
            f.write(",\n".join(json.dumps(c, separators=(",", ":")) for c in built))
            f.write("\n]}\n")
        total += len(built)
        print("%-40s %3d cases %7d bytes" % (os.path.relpath(path), len(built),
                                              os.path.getsize(path)))
    print("total", total, "cases")


if __name__ == "__main__":
    main()
