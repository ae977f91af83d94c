#!/usr/bin/env bash
# Runs the reference workloads of BENCHMARKS.md on Nabla, one JVM per thread count, and prints
# what benchmarks/reference/torch_ref.py prints, so the two outputs join line by line:
#   name threads median_ms        (lines starting with '#' are comments)
#
# Usage: bash benchmarks/run-workloads.sh [--threads 1 2] [--workloads W1 W2 … W6 | W6_mm_1024 …]
#            [--warmup 3] [--min-iters 7] [--max-iters 50] [--target-sec 3] [--no-build]
# Environment: JAVA (default: $JAVA_HOME/bin/java, else java on PATH), JAVA_OPTS (extra JVM flags).
# Builds benchmarks/target/benchmarks.jar first when it is missing or older than the sources.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
jar="$here/target/benchmarks.jar"

threads=(1 2)
pass=()
build=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --threads)
      threads=()
      shift
      while [[ $# -gt 0 && "$1" != --* ]]; do threads+=("$1"); shift; done
      ;;
    --workloads)
      pass+=("$1")
      shift
      while [[ $# -gt 0 && "$1" != --* ]]; do pass+=("$1"); shift; done
      ;;
    --warmup|--min-iters|--max-iters|--target-sec)
      [[ $# -ge 2 ]] || { echo "run-workloads.sh: $1 needs a value" >&2; exit 2; }
      pass+=("$1" "$2")
      shift 2
      ;;
    --no-build) build=0; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "run-workloads.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[[ ${#threads[@]} -gt 0 ]] || { echo "run-workloads.sh: --threads needs at least one count" >&2; exit 2; }

if [[ -n "${JAVA:-}" ]]; then
  java="$JAVA"
elif [[ -n "${JAVA_HOME:-}" ]]; then
  java="$JAVA_HOME/bin/java"
else
  java="java"
fi

stale() {
  [[ ! -f "$jar" ]] && return 0
  [[ -n "$(find "$root/pom.xml" "$root"/{core,nn,attention,optim,models,benchmarks}/pom.xml \
    "$root"/{core,nn,attention,optim,models,benchmarks}/src/main \
    -newer "$jar" -type f -print -quit 2>/dev/null)" ]]
}
if [[ $build -eq 1 ]] && stale; then
  echo "# building $jar (mvn -q -pl benchmarks -am package -DskipTests)" >&2
  (cd "$root" && mvn -q -pl benchmarks -am package -DskipTests) >&2
fi
[[ -f "$jar" ]] || { echo "run-workloads.sh: $jar is missing" >&2; exit 1; }

for t in "${threads[@]}"; do
  # shellcheck disable=SC2086  # JAVA_OPTS is a list of flags
  "$java" --add-modules=jdk.incubator.vector -Dnabla.threads="$t" -Xss4m ${JAVA_OPTS:-} \
    -cp "$jar" dev.nabla.benchmarks.Workloads ${pass[@]+"${pass[@]}"}
done
