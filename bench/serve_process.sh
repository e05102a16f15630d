# shellcheck shell=bash
# Sourced by bench/serve_load.sh and bench/serve_faults.sh as `source "$root/bench/serve_process.sh"
# "${1:-}"` (the optional BUILD_DIR argument): sets $build, $kompress, $client (the load client),
# $tmp (a scratch folder), and starts and stops `kompress serve` on a free loopback port with the
# embedded default model ($server_pid, $port).
build="${1:-$root/build}"
kompress="$build/bin/kompress"
client="$build/bin/serve_load"
for bin in "$kompress" "$client"; do
  [[ -x "$bin" ]] || {
    echo "$(basename "$0" .sh): $bin not built (ninja -C $build kompress_cli serve_load)" >&2
    exit 1
  }
done
tmp="$(mktemp -d)"
server_pid=""
port=""

# start_server [kompress serve options...]: returns once /readyz answers 200 (exits the script
# after 120 s, showing the server's log).
start_server() {
  : >"$tmp/serve.log"
  env -u KOMPRESS_MODEL OMP_WAIT_POLICY=PASSIVE "$kompress" serve --host 127.0.0.1 --port 0 "$@" \
    2>"$tmp/serve.log" &
  server_pid=$!
  port=""
  local i
  for ((i = 0; i < 1200; i++)); do
    port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/serve.log")
    if [[ -n "$port" ]] &&
      [[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz")" == 200 ]]; then
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "kompress serve did not become ready; its log:" >&2
  cat "$tmp/serve.log" >&2
  exit 1
}

# stop_server [SIGNAL]: default TERM (a clean stop); KILL for a crash.
stop_server() {
  if [[ -n "$server_pid" ]]; then
    kill "-${1:-TERM}" "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
