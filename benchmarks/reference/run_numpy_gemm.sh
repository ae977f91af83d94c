#!/bin/bash
# Runs numpy_gemm.py once per thread count with OMP_NUM_THREADS matching (Debian's OpenMP OpenBLAS needs it)
# and without the workplace's OpenBLAS overrides. Shapes default to GemmBenchmark's.
# Usage: bash benchmarks/reference/run_numpy_gemm.sh [--threads 1 2] [-- numpy_gemm.py args, e.g. --rounds 5 1024 2048]
# (--threads goes last on the python command line: argparse would read shapes after it as thread counts)
set -e
cd "$(dirname "$0")"
threads=(1 2)
if [[ "${1:-}" == "--threads" ]]; then
  shift
  threads=()
  while [[ $# -gt 0 && "$1" != -* ]]; do threads+=("$1"); shift; done
fi
[[ "${1:-}" == "--" ]] && shift
for t in "${threads[@]}"; do
  OMP_NUM_THREADS=$t env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 numpy_gemm.py "$@" --threads "$t"
done
