#!/usr/bin/env bash
# The model benchmark with the standard inputs: `kompress bench` on the ModernBERT-base shape
# (seeded random weights), real ids from the ModernBERT tokenizer over this repository's prose,
# code and tool output. Extra arguments go to `kompress bench` (e.g. --json, --precision int8).
# Usage: bench/model_bench.sh [BUILD_DIR] [kompress bench options...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
shift || true
tokenizer="$root/../shared/models/modernbert-base/tokenizer.json"
args=()
if [[ -f "$tokenizer" ]]; then
  args+=(--tokenizer "$tokenizer")
  for f in README.md docs/architecture.md samples/tool-output.txt samples/broken.c; do
    args+=(--text "$root/$f")
  done
else
  echo "model_bench: $tokenizer is absent; measuring on pseudo-random ids" >&2
fi
exec "$build/bin/kompress" bench "${args[@]}" "$@"
