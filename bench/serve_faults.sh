#!/usr/bin/env bash
# Fault checks of `kompress serve` (docs/serving.md), loopback only, every call with a timeout:
#   (a) kill -9 during a burst of /v1/compress with CCR on a SQLite file: the file passes
#       `PRAGMA integrity_check` and, after a restart on it, every key whose response arrived is
#       retrieved with its original;
#   (b) malformed and wrongly typed bodies, invalid UTF-8, a body over --max-body-mb, slow
#       clients that send headers then stall, invalid hashes: clear errors, others still served;
#   (c) a Redis store stopped under the server: compression answers 200 without CCR, retrieval
#       a clear 503; after Redis restarts, CCR works again.
# Each check prints PASS or FAIL with the status and message seen; exits 1 if any check failed.
# Usage: bench/serve_faults.sh [BUILD_DIR]   (needs kompress_cli and serve_load; curl, sqlite3,
#        redis-server, python3)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/bench/serve_process.sh" "${1:-}"
redis_pid=""
stop_redis() {
  if [[ -n "$redis_pid" ]]; then
    kill "$redis_pid" 2>/dev/null || true
    wait "$redis_pid" 2>/dev/null || true
    redis_pid=""
  fi
}
trap 'stop_server KILL; stop_redis; rm -rf "$tmp"' EXIT

passed=0
failed=0
# check NAME OK DETAIL: OK is "true" or "false".
check() {
  if [[ "$2" == true ]]; then
    passed=$((passed + 1))
    echo "PASS $1: $3"
  else
    failed=$((failed + 1))
    echo "FAIL $1: $3"
  fi
}

# request METHOD PATH [BODY_FILE]: sets $code (000 on a transport error) and $body.
request() {
  local args=(-s -m 20 -o "$tmp/body" -w '%{http_code}' -X "$1" "http://127.0.0.1:$port$2")
  [[ $# -ge 3 ]] && args+=(-H 'Content-Type: application/json' --data-binary "@$3")
  code="$(curl "${args[@]}" || true)"
  body="$(cat "$tmp/body" 2>/dev/null || true)"
  rm -f "$tmp/body"
}
# post PATH JSON
post() {
  printf '%s' "$2" >"$tmp/request"
  request POST "$1" "$tmp/request"
}
# field NAME: the JSON field NAME of $body (results[0].NAME for /v1/compress answers), or "".
field() {
  python3 -c 'import json, sys
try:
    v = json.loads(sys.argv[1])
except ValueError:
    sys.exit(0)
if "results" in v: v = v["results"][0]
x = v.get(sys.argv[2]) if isinstance(v, dict) else None
print("" if x is None else x)' "$body" "$1"
}
# expect NAME STATUS: passes when $code is STATUS and the body has an "error" message (for
# 4xx/5xx) or is 2xx; prints both.
expect() {
  local message
  message="$(field error)"
  local ok=false
  if [[ "$code" == "$2" ]] && { [[ "$2" == 2* ]] || [[ -n "$message" ]]; }; then ok=true; fi
  check "$1" "$ok" "expected $2, got $code ${message:+(error: $message)}"
}
# A paragraph of this repository's README, as JSON, that a ratio of 0.5 compresses (stored in
# CCR); SEED makes it distinct.
compress_body() {
  python3 -c 'import json, sys
words = open(sys.argv[1]).read().split()[:150]
print(json.dumps({"texts": [sys.argv[2] + " " + " ".join(words)], "ratio": 0.5}))' \
    "$root/README.md" "$1"
}
# still_serving NAME: /healthz and a real compression answer 200.
still_serving() {
  request GET /healthz
  local health="$code"
  post /v1/compress "$(compress_body "still serving $RANDOM")"
  check "$1" "$([[ $health == 200 && $code == 200 ]] && echo true || echo false)" \
    "/healthz $health, /v1/compress $code"
}

echo "kompress serve fault checks, $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== (a) kill -9 during a burst of compress + store (SQLite)"
db="$tmp/ccr.sqlite3"
start_server --cache-mb 0 --ccr-db "$db"
timeout 120 "$client" --port "$port" --clients 16 --requests 2000 --ratio 0.5 --timeout-s 10 \
  --keys-out "$tmp/keys" >"$tmp/burst.out" 2>&1 &
burst_pid=$!
for ((i = 0; i < 600; i++)); do
  [[ -f "$tmp/keys" && "$(wc -l <"$tmp/keys")" -ge 40 ]] && break
  sleep 0.1
done
burst_running="$(kill -0 "$burst_pid" 2>/dev/null && echo true || echo false)"
stop_server KILL
wait "$burst_pid" 2>/dev/null || true
keys="$(wc -l <"$tmp/keys" 2>/dev/null || echo 0)"
check "kill -9 mid-burst" "$([[ $burst_running == true && $keys -gt 0 ]] && echo true || echo false)" \
  "killed while 16 clients were sending; $keys responses with a CCR key had arrived"
integrity="$(timeout 30 sqlite3 "$db" 'PRAGMA integrity_check' 2>&1 || true)"
check "SQLite integrity after kill -9" "$([[ $integrity == ok ]] && echo true || echo false)" \
  "PRAGMA integrity_check: $integrity"
start_server --cache-mb 0 --ccr-db "$db" --max-body-mb 1
verified="$(timeout 120 "$client" --port "$port" --verify-keys "$tmp/keys" 2>&1 || true)"
check "every stored key retrievable after restart" \
  "$([[ $verified == *", 0 not"* ]] && echo true || echo false)" "$(echo "$verified" | tail -1)"

echo "== (b) bad requests on the restarted server (--max-body-mb 1)"
post /v1/compress '{"texts": ["unterminated'
expect "malformed JSON on /v1/compress" 400
post /compress 'content=not json'
expect "malformed JSON on /compress" 400
post /v1/compress '{"texts": 5}'
expect "texts not an array" 400
post /v1/compress '{"texts": ["some text"], "ratio": "high"}'
expect "ratio a string" 400
post /v1/compress '{"texts": ["some text"], "ratoi": 0.5}'
expect "unknown field" 400
post /compress '{"content": 42}'
expect "content a number" 400
printf '{"texts": ["caf\xe9 au lait"]}' >"$tmp/request"
request POST /v1/compress "$tmp/request"
expect "invalid UTF-8" 400
head -c $((2 << 20)) /dev/zero | tr '\0' 'a' | sed 's/^/{"content": "/; s/$/"}/' >"$tmp/huge"
request POST /compress "$tmp/huge"
expect "2 MB body over --max-body-mb 1" 413
request GET /v1/retrieve/abc
expect "hash too short" 400
request GET /v1/retrieve/zzzzzzzzzzzzzzzzzzzzzzzz
expect "hash not hex" 400
request GET /v1/retrieve/0123456789abcdef0123456789
expect "hash too long" 400
post /v1/retrieve '{}'
expect "POST retrieve without hash" 400
request GET /v1/retrieve/000000000000000000000000
expect "unknown hash" 404

# Slow clients: 4 connections send a request's headers and part of its body, then stall.
slow_start=$SECONDS
for fd in 5 6 7 8; do
  eval "exec $fd<>/dev/tcp/127.0.0.1/$port"
  printf 'POST /v1/compress HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"texts": [' >&"$fd"
done
still_serving "others served while 4 clients stall"
dropped=0
for fd in 5 6 7 8; do
  if timeout 20 cat <&"$fd" >"$tmp/slow.$fd"; then dropped=$((dropped + 1)); fi
  eval "exec $fd<&-"
done
check "stalled clients dropped" "$([[ $dropped == 4 ]] && echo true || echo false)" \
  "$dropped of 4 closed by the server after $((SECONDS - slow_start)) s (read timeout 5 s); it sent: $(head -c 40 "$tmp/slow.5" | head -1 | tr -d '\r')"
still_serving "still serving after the bad requests"
stop_server

echo "== (c) a Redis store stopped under the server"
redis_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
start_redis() {
  redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no >"$tmp/redis.log" 2>&1 &
  redis_pid=$!
  for ((i = 0; i < 100; i++)); do
    [[ "$(timeout 2 redis-cli -p "$redis_port" ping 2>/dev/null)" == PONG ]] && return 0
    sleep 0.1
  done
  echo "redis-server did not start:" >&2
  cat "$tmp/redis.log" >&2
  exit 1
}
start_redis
start_server --cache-mb 0 --ccr-db "redis://127.0.0.1:$redis_port/0"
post /v1/compress "$(compress_body "redis up")"
key="$(field cache_key)"
check "compress with Redis up stores" "$([[ $code == 200 && -n $key ]] && echo true || echo false)" \
  "status $code, cache_key ${key:-null}"
stop_redis
post /v1/compress "$(compress_body "redis down")"
check "compress with Redis stopped: 200 without CCR" \
  "$([[ $code == 200 && -z "$(field cache_key)" && -n "$(field ccr_error)" ]] && echo true || echo false)" \
  "status $code, cache_key $(field cache_key), ccr_error: $(field ccr_error)"
request GET "/v1/retrieve/$key"
expect "retrieve with Redis stopped" 503
start_redis
for ((try = 1; try <= 3; try++)); do
  post /v1/compress "$(compress_body "redis back $try")"
  key="$(field cache_key)"
  [[ -n "$key" ]] && break
done
check "compress after Redis restarts stores again" \
  "$([[ $code == 200 && -n $key ]] && echo true || echo false)" \
  "status $code, cache_key ${key:-null} on try $try"
request GET "/v1/retrieve/$key"
expect "retrieve after Redis restarts" 200
still_serving "still serving after the Redis outage"
stop_server

echo "== $passed passed, $failed failed"
[[ $failed == 0 ]]
