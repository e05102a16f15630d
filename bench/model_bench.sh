#!/usr/bin/env bash
# The model benchmark with the standard inputs: `kompress bench` on the ModernBERT-base shape
# (seeded random weights), real ids from the ModernBERT tokenizer over this repository's prose,
# code and tool output, kompress beside ONNX Runtime 1.30 (fp32 and dynamic int8 ONNX exports of
# the same weights) and PyTorch eager fp32. Extra arguments go to `kompress bench` (e.g. --json,
# --precision int8, --engine kompress).
# The checkpoints, the ONNX export (made once per seed, about a minute) and the ids stay in
# $KOMPRESS_BENCH_DIR (default .cache/model-bench); ONNX Runtime is installed from npm when absent
# (scripts/install-onnxruntime.sh; configure the build again afterwards so it finds the headers).
# Usage: bench/model_bench.sh [BUILD_DIR] [kompress bench options...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
shift || true
tokenizer="$root/../shared/models/modernbert-base/tokenizer.json"
work="${KOMPRESS_BENCH_DIR:-$root/.cache/model-bench}"
"$root/scripts/install-onnxruntime.sh" >&2 ||
  echo "model_bench: ONNX Runtime could not be installed; its rows will be skipped" >&2
args=(--work-dir "$work")
if [[ -f "$tokenizer" ]]; then
  args+=(--tokenizer "$tokenizer")
  for f in README.md docs/architecture.md samples/tool-output.txt samples/broken.c; do
    args+=(--text "$root/$f")
  done
else
  echo "model_bench: $tokenizer is absent; measuring on pseudo-random ids" >&2
fi
exec "$build/bin/kompress" bench "${args[@]}" "$@"
