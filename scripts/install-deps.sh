#!/usr/bin/env bash
# Installs every Debian 12 package kompress needs to build, test and benchmark.
# Idempotent: when everything is present it installs nothing and touches no package list.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git
  # libraries (oneDNN's CMake package looks for OpenCL, which Debian only recommends)
  libdnnl-dev ocl-icd-opencl-dev libpcre2-dev libutf8proc-dev nlohmann-json3-dev libcli11-dev
  libsqlite3-dev libssl-dev zlib1g-dev
  # the Redis CCR backend (hiredis) and the server its tests start on a loopback port
  libhiredis-dev redis-server
  # models from the Hugging Face hub (libcurl); HTTP for `kompress serve` and the tests' fake hub
  libcurl4-openssl-dev libcpp-httplib-dev
  # tests, sanitizers, fuzzers, benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev libomp-14-dev
  # bench/serve_load.sh and serve_faults.sh: HTTP probes, the CCR file's integrity check
  curl sqlite3
  # the independent references (tools/reference): PyTorch 1.13, ONNX (the benchmark's export)
  # and the tokenizer oracle
  python3-torch python3-numpy python3-onnx
  # the trainer (tools/train): Debian's torch calls the system BLAS; OpenBLAS makes it ~20x faster
  libopenblas0-pthread
)
# The tokenizer oracle needs node and npm; any install of them will do (some ship npm inside nodejs).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then packages+=(nodejs npm); fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: run as root (missing: ${missing[*]})" >&2; exit 1; }
  sudo=(sudo)
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
