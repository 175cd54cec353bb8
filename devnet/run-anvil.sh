#!/usr/bin/env bash
# Starts or stops a local anvil chain for the scenarios: 127.0.0.1 only, headless, deterministic
# (fixed mnemonic, chain id 31337, fixed genesis timestamp, 20 funded accounts).
#
#   run-anvil.sh start [PORT]   start on PORT (a free port when omitted); waits until the node answers,
#                               then prints "PORT PID" on stdout. Log: $ANVIL_LOG (default
#                               ${TMPDIR:-/tmp}/anvil-PORT.log).
#   run-anvil.sh PORT           the same as "start PORT"
#   run-anvil.sh stop PID       stop the node started with that PID (TERM, then KILL after 5 s)
#   run-anvil.sh bin            print the path of the anvil binary
#
# ANVIL_STEPS_TRACING=1 records every opcode step, so that debug_traceTransaction without a tracer
# returns structLogs (without it anvil answers with an empty structLogs list). ANVIL_CHAIN_ID gives
# another chain id (tests that follow several chains at once).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MNEMONIC="test test test test test test test test test test test junk"
CHAIN_ID="${ANVIL_CHAIN_ID:-31337}"
GENESIS_TIMESTAMP=1767225600 # 2026-01-01T00:00:00Z

die() { echo "run-anvil: $*" >&2; exit 1; }

anvil_bin() {
  # The npm package ships the binary in a per-platform package; its own launcher is a node wrapper.
  local c
  for c in "$HERE"/node_modules/@foundry-rs/anvil-*/bin/anvil "$HERE/node_modules/.bin/anvil"; do
    if [ -x "$c" ] && "$c" --version >/dev/null 2>&1; then
      echo "$c"
      return 0
    fi
  done
  die "no working anvil under $HERE/node_modules (run scripts/setup, or npm ci in devnet/)"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# answers PORT PID LOG: the node started here (PID still running, its log saying it listens on PORT)
# answers on PORT with this chain id. Another node that took the port in between answers too, with
# its own chain, and the one started here then exits: both are told apart from a node that is ours.
answers() {
  kill -0 "$2" 2>/dev/null || return 1
  grep -q "Listening on 127.0.0.1:$1\$" "$3" 2>/dev/null || return 1
  curl -s -m 1 -H 'Content-Type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' "http://127.0.0.1:$1" 2>/dev/null |
    grep -q "\"result\":\"$(printf '0x%x' "$CHAIN_ID")\""
}

start() {
  local want="${1:-}" bin port pid log tries=0 extra=()
  bin="$(anvil_bin)"
  [ "${ANVIL_STEPS_TRACING:-0}" = 0 ] || extra+=(--steps-tracing)
  while :; do
    tries=$((tries + 1))
    port="${want:-$(free_port)}"
    log="${ANVIL_LOG:-${TMPDIR:-/tmp}/anvil-$port.log}"
    "$bin" --host 127.0.0.1 --port "$port" --chain-id "$CHAIN_ID" --mnemonic "$MNEMONIC" \
      --accounts 20 --balance 1000000 --timestamp "$GENESIS_TIMESTAMP" --hardfork prague "${extra[@]}" \
      >"$log" 2>&1 </dev/null &
    pid=$!
    for _ in $(seq 1 100); do
      if answers "$port" "$pid" "$log"; then
        echo "$port $pid"
        return 0
      fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # A port chosen here may have been taken in between; try another unless one was asked for.
    if [ -n "$want" ] || [ "$tries" -ge 5 ]; then
      die "anvil did not come up on 127.0.0.1:$port (log: $log): $(tail -n 5 "$log" 2>/dev/null)"
    fi
  done
}

stop() {
  local pid="${1:?usage: run-anvil.sh stop PID}"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  bin) anvil_bin ;;
  '' ) start ;;
  *[!0-9]*) die "unknown command '$1' (start [PORT] | stop PID | bin | PORT)" ;;
  *) start "$1" ;;
esac
