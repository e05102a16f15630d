#!/usr/bin/env bash
# Load benchmark of `kompress serve` (docs/serving.md): the embedded default model on a free
# loopback port, OMP_WAIT_POLICY=PASSIVE, result cache off (--cache-mb 0), CCR on a temporary
# SQLite file. bench/serve_load (keep-alive clients, distinct slices of this repository's docs,
# 100-400 words, POST /v1/compress with CCR) runs at 8, 32 and 128 clients with batching, and on
# short texts (20-40 words) at 8; then 8 clients against servers with and without batching
# (--no-batching), alternated over two rounds on the same texts, 300 long then 3,000 short
# requests each, each followed by a sixth as many from one client (a light load). Prints the
# tables, the batch-size histograms of /metrics and the batching / no-batching throughput ratios
# at 8 clients against the 1.5x goal. A benchmark: it exits non-zero only when it cannot run.
# Usage: bench/serve_load.sh [BUILD_DIR [SERVE_OPTION...]]   (targets kompress_cli, serve_load)
# SERVE_OPTIONs go to both servers, e.g. `bench/serve_load.sh build --precision int8`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bench/serve_process.sh" "${1:-}"
trap 'stop_server KILL; rm -rf "$tmp"' EXIT
shift $(($# > 0 ? 1 : 0))
serve_options=("$@")

# The server's CPU time so far (user + system), in milliseconds.
server_cpu_ms() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f", ($14 + $15) * 1000 / hz }' "/proc/$server_pid/stat"
}

# load CLIENTS REQUESTS FIRST_TEXT [WORDS]: one table row, with the server's CPU milliseconds per
# request (failed requests are in the row, not an exit). WORDS: the texts' length range
# (default 100-400).
load() {
  local cpu0
  cpu0="$(server_cpu_ms)"
  timeout 300 "$client" --port "$port" --clients "$1" --requests "$2" --first "$3" --timeout-s 60 \
    --words "${4:-100-400}" >"$tmp/row" || true
  awk -v row="$(cat "$tmp/row")" -v ms="$(($(server_cpu_ms) - cpu0))" -v n="$2" \
    'BEGIN { printf "%s %11.1f\n", row, ms / n }'
}
# The req/s of the last row.
last_throughput() { awk '{print $4}' "$tmp/row"; }
header() {
  printf '%8s %9s %7s %10s %10s %9s %9s %11s\n' clients requests failed req/s words/s 'p50 ms' \
    'p99 ms' 'cpu ms/req'
}
short_words=20-40  # the short-text rows: about 60 tokens a request

# The batch-size histograms as "mean (count of passes): bucket counts".
batch_summary() {
  curl -s -m 5 "http://127.0.0.1:$port/metrics" | awk '
    /^kompress_batch_(sequences|requests)_bucket/ {
      name = $1; sub(/_bucket.*/, "", name); le = $1; gsub(/.*le="|"}/, "", le)
      buckets[name] = buckets[name] sprintf(" <=%s:%d", le, $2) }
    /^kompress_batch_(sequences|requests)_(sum|count)/ {
      name = $1; sub(/_(sum|count)$/, "", name)
      if ($1 ~ /_sum$/) sum[name] = $2; else count[name] = $2 }
    /^kompress_model_tokens_per_second / { printf "  forward-pass throughput: %.0f tokens/s of pass\n", $2 }
    END { for (n in count) printf "  %s: %d passes, mean %.2f;%s\n", n, count[n],
                                  count[n] ? sum[n] / count[n] : 0, buckets[n] }'
}

echo "kompress serve load benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg), server options: ${serve_options[*]:-none}"
echo "== batching (default options, --cache-mb 0)"
start_server --cache-mb 0 --ccr-db "$tmp/batching.sqlite3" ${serve_options[@]+"${serve_options[@]}"}
"$client" --port "$port" --clients 8 --requests 16 --first 5000 >/dev/null || true  # warm-up
header
load 8 200 0
load 32 400 1000
load 128 800 2000
echo "short texts ($short_words words):"
load 8 1000 3000 "$short_words"
echo "/metrics (warm-up included):"
batch_summary
stop_server

# Batching against --no-batching at 8 clients, alternated (a fresh server each time) so that the
# machine's drift falls on both alike: rounds x (long texts, then short ones).
rounds=2 long_requests=300 short_requests=3000
echo "== batching vs --no-batching, 8 clients, $rounds alternated rounds (--cache-mb 0)"
printf '%-12s %5s ' server round
header
declare -A total=()
for ((r = 1; r <= rounds; r++)); do
  for mode in batching no-batching; do
    flags=()
    [[ $mode == no-batching ]] && flags=(--no-batching)
    start_server --cache-mb 0 --ccr-db "$tmp/$mode-$r.sqlite3" ${flags[@]+"${flags[@]}"} \
      ${serve_options[@]+"${serve_options[@]}"}
    "$client" --port "$port" --clients 8 --requests 16 --first 5000 >/dev/null || true  # warm-up
    for words in 100-400 "$short_words"; do
      n=$long_requests
      [[ $words == "$short_words" ]] && n=$short_requests
      printf '%-12s %5s ' "$mode" "$r"
      load 8 "$n" $((r * 7000)) "$words"
      total[$mode $words]=$(awk -v a="${total[$mode $words]:-0}" -v b="$(last_throughput)" \
        'BEGIN { print a + b }')
      # One client: a light load, where batching should cost nothing.
      printf '%-12s %5s ' "$mode" "$r"
      load 1 $((n / 6)) $((r * 7000 + 3000)) "$words"
    done
    stop_server
  done
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
ratio() {
  awk -v what="$1" -v b="$2" -v s="$3" -v n="$rounds" 'BEGIN {
    r = s > 0 ? b / s : 0
    verdict = r >= 1.5 ? "holds" : "does not hold"
    printf "throughput at 8 clients, %s: batching %.1f req/s, no batching %.1f req/s (means of %d rounds), ratio %.2fx;", what, b / n, s / n, n, r
    printf " goal >= 1.5x %s\n", verdict }'
}
for words in 100-400 "$short_words"; do
  ratio "$words words" "${total[batching $words]}" "${total[no-batching $words]}"
done
