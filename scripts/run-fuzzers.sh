#!/usr/bin/env bash
# Builds the libFuzzer configuration into build-fuzz/ (clang++, ASan + UBSan) and runs every fuzz
# target for a bounded time: KOMPRESS_FUZZ_SECONDS each (default 15). Exits non-zero when a target
# fails to build or finds a crash; crash inputs are kept under build-fuzz/crashes/<target>/.
# For a target <base>_fuzz, seeds come from fuzz/<base>_seeds.py <dir> (run with python3) and
# fuzz/corpus/<base>/ when present, and fuzz/<base>.dict is passed as a dictionary when present.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${KOMPRESS_FUZZ_SECONDS:-15}
build=build-fuzz

# The same configuration as scripts/test.sh's sanitizer stage, so after it this builds nothing.
cmake -S . -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKOMPRESS_FUZZ=ON -DKOMPRESS_BUILD_BENCH=OFF >/dev/null
ninja -C "$build" kompress_fuzzers

shopt -s nullglob
targets=("$build"/bin/*_fuzz)
if [ ${#targets[@]} -eq 0 ]; then
  echo "run-fuzzers: no fuzz targets in $build/bin" >&2
  exit 1
fi

status=0
for bin in "${targets[@]}"; do
  name=$(basename "$bin")
  base=${name%_fuzz}
  corpus="$build/corpus/$name"   # grows across runs; seeds are re-added each time
  crashes="$build/crashes/$name"
  mkdir -p "$corpus" "$crashes"
  if [ -f "fuzz/${base}_seeds.py" ]; then python3 "fuzz/${base}_seeds.py" "$corpus"; fi
  dirs=("$corpus")
  if [ -d "fuzz/corpus/$base" ]; then dirs+=("fuzz/corpus/$base"); fi
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$crashes/")
  if [ -f "fuzz/$base.dict" ]; then args+=(-dict="fuzz/$base.dict"); fi
  echo "== $name (${seconds}s)"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
      "$bin" "${args[@]}" "${dirs[@]}" 2>"$build/$name.log"; then
    tail -n 60 "$build/$name.log" >&2
    echo "run-fuzzers: $name FAILED; inputs in $crashes" >&2
    status=1
  else
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$build/$name.log" || true
  fi
done
exit $status
