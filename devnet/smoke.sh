#!/usr/bin/env bash
# Smoke test of the local chain: starts anvil on a free port, compiles the contracts, plays every
# scenario, checks the manifest, traces every scenario transaction with curl (debug_traceTransaction,
# callTracer with logs) and checks the traces against the manifest, then stops anvil.
# Exit status 0 only when every step passed.
#
#   smoke.sh [--keep DIR] [--samples DIR]
#     --keep DIR     keep the manifest, the traces and the anvil log in DIR
#     --samples DIR  write each scenario's main call trace to DIR/<scenario>.json
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
KEEP=""
SAMPLES=""
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) KEEP="$2"; shift 2 ;;
    --samples) SAMPLES="$2"; shift 2 ;;
    *) echo "smoke: unknown argument $1" >&2; exit 2 ;;
  esac
done

started=$(date +%s%N)
if [ ! -d node_modules/solc ] || [ ! -d node_modules/ethers ] || [ ! -d node_modules/@foundry-rs ]; then
  echo "smoke: devnet/node_modules is incomplete: run scripts/setup (npm ci in devnet/)" >&2
  exit 1
fi

WORK="${KEEP:-$(mktemp -d "${TMPDIR:-/tmp}/devnet-smoke.XXXXXX")}"
mkdir -p "$WORK/traces"
ANVIL_PID=""
cleanup() {
  local rc=$?
  if [ -n "$ANVIL_PID" ]; then "$HERE/run-anvil.sh" stop "$ANVIL_PID"; fi
  if [ $rc -ne 0 ] && [ -f "$WORK/anvil.log" ]; then
    echo "smoke: last lines of the anvil log:" >&2
    tail -n 20 "$WORK/anvil.log" >&2
  fi
  [ -n "$KEEP" ] || rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT

node compile.js

read -r PORT ANVIL_PID < <(ANVIL_LOG="$WORK/anvil.log" "$HERE/run-anvil.sh" start)
[ -n "${ANVIL_PID:-}" ] || { echo "smoke: anvil did not start" >&2; exit 1; }
URL="http://127.0.0.1:$PORT"
echo "smoke: anvil pid $ANVIL_PID on $URL" >&2

node play.js --rpc "$URL" --out "$WORK/manifest.json"

# Trace every scenario transaction with plain HTTP, as any client would.
count=0
while read -r hash; do
  curl -sS --fail -m 30 -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"debug_traceTransaction\",\"params\":[\"$hash\",{\"tracer\":\"callTracer\",\"tracerConfig\":{\"withLog\":true}}]}" \
    -o "$WORK/traces/$hash.json" "$URL"
  count=$((count + 1))
done < <(node -e 'const m=require(process.argv[1]); for (const s of m.scenarios) for (const h of s.txs) console.log(h);' "$WORK/manifest.json")
echo "smoke: traced $count transactions" >&2

check_args=("$WORK/manifest.json" --traces "$WORK/traces")
[ -z "$SAMPLES" ] || check_args+=(--samples "$SAMPLES")
node check.js "${check_args[@]}"

echo "smoke: passed in $((($(date +%s%N) - started) / 1000000)) ms" >&2
