#!/usr/bin/env bash
# The whole test suite, as CI runs it: install what is missing, build with warnings as errors,
# run every test; then the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer
# (clang, in build-fuzz/, the tree that also builds the libFuzzer targets: one sanitizer build
# instead of two); then a short bounded run of every libFuzzer target.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

scripts/install-deps.sh

echo "== build (Release, -Werror) and test"
scripts/build.sh -DKOMPRESS_WERROR=ON
ctest --test-dir build -j "$jobs" --output-on-failure --timeout 900

echo "== tests under ASan + UBSan (clang; the same tree builds the libFuzzer targets)"
cmake -S . -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKOMPRESS_WERROR=ON -DKOMPRESS_FUZZ=ON \
  -DKOMPRESS_BUILD_BENCH=OFF >/dev/null
ninja -C build-fuzz
# PrecisionBaseShape* score ~3,000 tokens with two full-size models at three precisions: they test
# numerics (already run above), and their kernels run under the sanitizers in the kernel,
# golden and quantize tests; leaving them out here saves several minutes of CI.
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir build-fuzz -j "$jobs" --output-on-failure --timeout 1800 -E PrecisionBaseShape

echo "== fuzzers (bounded)"
KOMPRESS_FUZZ_SECONDS=${KOMPRESS_FUZZ_SECONDS:-20} scripts/run-fuzzers.sh
