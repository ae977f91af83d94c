#!/bin/bash
# Runs torch_ref.py once per thread count, with OMP_NUM_THREADS matching (needed for the OpenMP BLAS).
# Usage: bash benchmarks/reference/run_torch_ref.sh [extra torch_ref.py args]   (uses Debian's /usr/bin/python3 with python3-torch)
# For a benchmark, unset the workplace's OpenBLAS overrides: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE bash …
set -e
cd "$(dirname "$0")"
for t in 1 2; do
  OMP_NUM_THREADS=$t /usr/bin/python3 torch_ref.py --threads $t "$@"
done
