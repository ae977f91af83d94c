#!/usr/bin/env python3
"""FP32 GEMM GFLOP/s of numpy (its bundled OpenBLAS) - the native BLAS reference for the Java baselines.

Usage: python3 numpy_gemm.py [--rounds 7] [--min-sec 0.25] [--label numpy] [--threads 1 2] [shapes...]
Shapes are 'n' (n x n x n) or 'MxKxN' (C[MxN] = A[MxK] @ B[KxN]); the default list is the one of
Nabla's GemmBenchmark (dev.nabla.benchmarks.GemmBenchmark), so the two join by shape.
A and B ~ N(0,1), as in the Java benchmark.
Threads are pinned with threadpoolctl (1 and 2). Prints one line per (shape, threads):
  label shape threads median_GFLOPs min max n median_ms
To benchmark without the workplace's OpenBLAS overrides, run it as
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python3 numpy_gemm.py
(the script prints which OpenBLAS kernel ('architecture') is active).
With Debian's OpenMP OpenBLAS, one process per thread count with OMP_NUM_THREADS set is the safest:
  for t in 1 2; do OMP_NUM_THREADS=$t env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
      /usr/bin/python3 numpy_gemm.py --threads $t; done
(Copied into Nabla's benchmarks/reference/ from the shared benchmark folder; adapted: default shapes,
N(0,1) inputs, --threads.)
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

try:
    from threadpoolctl import threadpool_info, threadpool_limits
except ImportError:  # pragma: no cover
    threadpool_info = threadpool_limits = None

SHAPES = ["256", "512", "1024", "2048", "4096x512x512", "4096x512x2048"]  # = GemmBenchmark


def parse(s):
    p = [int(x) for x in s.split("x")]
    return (p[0], p[0], p[0]) if len(p) == 1 else tuple(p)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--min-sec", type=float, default=0.25)
    ap.add_argument("--label", default="numpy-openblas")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("shapes", nargs="*", default=SHAPES)
    a = ap.parse_args()
    print(f"# numpy {np.__version__} python {sys.version.split()[0]}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '<unset>')} "
          f"OPENBLAS_L2_SIZE={os.environ.get('OPENBLAS_L2_SIZE', '<unset>')}")
    if threadpool_info is None:
        sys.exit("threadpoolctl is required to pin the BLAS thread count")
    for info in threadpool_info():
        print(f"# threadpool: {info.get('internal_api')} {info.get('version')} "
              f"architecture={info.get('architecture')} threading={info.get('threading_layer')} "
              f"num_threads={info.get('num_threads')}")
    print("# impl shape threads median_GFLOPs min max n median_ms")
    rng = np.random.default_rng(0)
    for shape in a.shapes:
        M, K, N = parse(shape)
        A = rng.standard_normal((M, K), dtype=np.float32)
        B = rng.standard_normal((K, N), dtype=np.float32)
        C = np.empty((M, N), dtype=np.float32)
        flop = 2.0 * M * N * K
        for threads in a.threads:
            with threadpool_limits(limits=threads, user_api="blas"):
                reps = 1
                res = []
                for r in range(-2, a.rounds):  # 2 warm-up rounds
                    t0 = time.perf_counter()
                    for _ in range(reps):
                        np.matmul(A, B, out=C)
                    dt = time.perf_counter() - t0
                    if r >= 0:
                        res.append(flop * reps / dt / 1e9)
                    reps = max(1, int(a.min_sec / (dt / reps) + 0.999))
            med = statistics.median(res)
            print(f"{a.label} {shape} {threads} {med:.2f} {min(res):.2f} {max(res):.2f} {len(res)} {flop / med / 1e6:.3f}",
                  flush=True)


if __name__ == "__main__":
    main()
