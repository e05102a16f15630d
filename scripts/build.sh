#!/usr/bin/env bash
# Configures and builds kompress into build/ (the command lands at build/bin/kompress).
# Extra arguments go to cmake's configure step, e.g. -DKOMPRESS_WERROR=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
ninja -C build
