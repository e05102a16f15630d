#!/usr/bin/env bash
# Installs ONNX Runtime 1.30 for the model benchmark's side-by-side rows, from npm, pinned by
# tools/reference/onnxruntime/package-lock.json, into tools/reference/onnxruntime/node_modules:
# - onnxruntime-node: the CPU library (bin/napi-v6/linux/x64/libonnxruntime.so.1) that
#   `kompress bench` opens at run time, and the Node binding check_onnx_export.py runs graphs with;
# - com.github.asus4.onnxruntime: ONNX Runtime's C API headers, which the build looks for
#   (configure the build again after installing).
# ONNXRUNTIME_NODE_INSTALL=skip and --ignore-scripts: no install script downloads anything more
# (onnxruntime-node's would fetch GPU providers). Idempotent.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/tools/reference/onnxruntime"
if [ -f "$dir/node_modules/onnxruntime-node/package.json" ] &&
  [ -f "$dir/node_modules/com.github.asus4.onnxruntime/package.json" ]; then
  echo "install-onnxruntime: present in $dir/node_modules"
  exit 0
fi
command -v npm >/dev/null || { echo "install-onnxruntime: npm is missing (scripts/install-deps.sh)" >&2; exit 1; }
cd "$dir"
ONNXRUNTIME_NODE_INSTALL=skip npm ci --ignore-scripts --no-audit --no-fund
