#!/usr/bin/env python3
"""Writes the safetensors interop fixture for dev.nabla.core.io.SafeTensorsTorchFixtureTest.

Outputs (committed; the build never runs Python):
  core/src/test/resources/safetensors/torch_fixture.safetensors
  core/src/test/resources/safetensors/torch_fixture_expected.json

Every tensor's bytes come from PyTorch itself: F16 from t.half(), BF16 from t.bfloat16() (NumPy
has no bfloat16, so its bits are read through an int16 view). The `safetensors` package is not
needed: the file is assembled here byte by byte, following the format:

  8 bytes   N, unsigned little-endian: the header length
  N bytes   UTF-8 JSON {"name": {"dtype", "shape", "data_offsets": [begin, end]}, ...,
            "__metadata__": {str: str}}, padded with spaces to a multiple of 8
  rest      raw little-endian data; offsets count from the first byte after the header

Tensors are laid out as the reference writer does: widest dtype first, then by name.
The JSON records, per tensor, the values PyTorch gets back as float32/float64/int64 and, for
F16/BF16, the raw 16-bit patterns and the float32 source values they were converted from.

Run from the repository root with Debian's PyTorch:  /usr/bin/python3 tools/golden/make_safetensors_fixture.py
"""
import json
import math
import os
import struct
import sys

import torch

OUT_DIR = os.path.join("core", "src", "test", "resources", "safetensors")

# The reference implementation's dtype order (ascending alignment); the writer sorts descending.
DTYPE_ORDER = ["BOOL", "U8", "I8", "F8_E5M2", "F8_E4M3", "F8_E8M0", "I16", "U16", "F16",
               "BF16", "I32", "U32", "F32", "C64", "F64", "I64", "U64"]


def special_values():
    """float32 inputs that exercise rounding: ties, subnormals, overflow, inf and NaN."""
    return [
        0.0, -0.0, 1.0, -1.0, 0.1, 1.0 / 3.0, 3.14159265, -123.456, 1e4,
        65504.0, 65519.0, 65520.0, 70000.0, -70000.0,          # F16 max, just below/at overflow
        2.0 ** -14, 6.0e-5, 2.0 ** -24, 2.0 ** -25, 1.5 * 2.0 ** -24, 4.5e-8, 1e-8,
        1.0 + 2.0 ** -11, 1.0 + 3 * 2.0 ** -11,                 # F16 ties: to even, down/up
        2049.0, 2051.0, 2048.5,
        1.0 + 2.0 ** -8, 1.0 + 3 * 2.0 ** -8, 1.0 + 2.0 ** -8 + 2.0 ** -20,   # BF16 ties
        3.0e38, 3.3961e38, 3.4028234663852886e38,              # BF16 max / overflow region
        1.401298464324817e-45, 1.1754943508222875e-38,          # float32 subnormal, min normal
        float("inf"), float("-inf"), float("nan"),
    ]


def le_bytes(t):
    """Raw little-endian bytes of a contiguous tensor, as PyTorch stores it."""
    assert sys.byteorder == "little"
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().tobytes()
    return t.numpy().tobytes()


def jsonable(x):
    if isinstance(x, float):
        if math.isnan(x):
            return "NaN"
        if math.isinf(x):
            return "Infinity" if x > 0 else "-Infinity"
    return x


def flat(t):
    return [jsonable(v) for v in t.reshape(-1).tolist()]


def bits16(t):
    return [v & 0xFFFF for v in t.contiguous().view(torch.int16).reshape(-1).tolist()]


def main():
    torch.manual_seed(0)
    src = torch.tensor(special_values(), dtype=torch.float32)
    randn16 = torch.randn(4, 5) * 3
    randn_bf = torch.randn(4, 5) * 1000
    tensors = {
        "arange_f32": (torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.25 - 1, "F32"),
        "randn_f32": (torch.randn(2, 3, 4), "F32"),
        "scalar_f32": (torch.tensor(3.5, dtype=torch.float32), "F32"),
        "empty_f32": (torch.zeros(0, 3, dtype=torch.float32), "F32"),
        "f64": (torch.randn(3, 3, dtype=torch.float64), "F64"),
        "i64": (torch.tensor([0, 1, -1, 2 ** 53 + 1, -(2 ** 62) - 7, 2 ** 63 - 1, -(2 ** 63)],
                             dtype=torch.int64), "I64"),
        "src_f16": (src.half(), "F16"),
        "src_bf16": (src.bfloat16(), "BF16"),
        "randn_f16": (randn16.half().reshape(2, 10), "F16"),
        "randn_bf16": (randn_bf.bfloat16().reshape(5, 4), "BF16"),
    }
    sources = {"src_f16": src, "src_bf16": src, "randn_f16": randn16, "randn_bf16": randn_bf}

    names = sorted(tensors, key=lambda n: (-DTYPE_ORDER.index(tensors[n][1]), n.encode("utf-8")))
    header = {"__metadata__": {"format": "pt", "generator": "tools/golden/make_safetensors_fixture.py",
                               "torch": torch.__version__}}
    data = bytearray()
    expected = {}
    for name in names:
        t, dtype = tensors[name]
        raw = le_bytes(t)
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
        entry = {"dtype": dtype, "shape": list(t.shape)}
        if dtype in ("F16", "BF16"):
            entry["values"] = flat(t.float())           # PyTorch's own widening back to float32
            entry["bits"] = bits16(t)
            entry["source"] = flat(sources[name])
        else:
            entry["values"] = flat(t)
        expected[name] = entry

    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    blob = struct.pack("<Q", len(text)) + text + bytes(data)

    os.makedirs(OUT_DIR, exist_ok=True)
    with open(os.path.join(OUT_DIR, "torch_fixture.safetensors"), "wb") as f:
        f.write(blob)
    with open(os.path.join(OUT_DIR, "torch_fixture_expected.json"), "w") as f:
        lines = ["  %s: %s" % (json.dumps(k), json.dumps(v, allow_nan=False)) for k, v in expected.items()]
        f.write("{\n" + ",\n".join(lines) + "\n}\n")
    print("wrote %d bytes, %d tensors" % (len(blob), len(names)))


if __name__ == "__main__":
    main()
