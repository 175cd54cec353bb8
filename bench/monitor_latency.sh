#!/usr/bin/env bash
# Block mined -> finding printed, on anvil: starts anvil, deploys the devnet scenarios, starts
# `bulwark monitor` following the head (--poll-ms, default 10), replays the re-entrancy exploit N times
# (default 5) and, for each, takes the time from the exploit block's first sight by a 1 ms poller of
# eth_blockNumber to the monitor printing its finding. Prints one JSON object with each latency (ms).
#   bench/monitor_latency.sh [BULWARK_BINARY] [ROUNDS] [POLL_MS]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BULWARK="$(realpath "${1:-$ROOT/build/release/bulwark}")"
ROUNDS=${2:-5}
POLL=${3:-10}
WORK="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-latency.XXXXXX")"
PID=""; MON=""
cleanup() {
  [ -n "$MON" ] && kill "$MON" 2>/dev/null || true
  [ -n "$PID" ] && "$ROOT/devnet/run-anvil.sh" stop "$PID" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
cd "$ROOT/devnet"
node compile.js >/dev/null
read -r PORT PID < <(ANVIL_LOG="$WORK/anvil.log" ./run-anvil.sh start)
URL="http://127.0.0.1:$PORT"
node play.js --rpc "$URL" --out "$WORK/setup.json" --scenario vault_ordinary_use >/dev/null 2>&1
# The monitor from the current head, each output line stamped with the wall clock (ms) on arrival.
HEAD=$(curl -sS -H 'Content-Type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' "$URL" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(Number(JSON.parse(s).result)))')
"$BULWARK" --db "$WORK/m.db" monitor --rpc "$URL" --from $((HEAD + 1)) --poll-ms "$POLL" --quiet |
  node -e 'require("readline").createInterface({input:process.stdin}).on("line",l=>{process.stdout.write(JSON.stringify({t:Date.now(),line:JSON.parse(l)})+"\n")})' \
  >"$WORK/stamped.jsonl" &
MON=$!
node - "$URL" "$WORK" "$ROUNDS" <<'JS'
const { execFileSync } = require('child_process');
const fs = require('fs');
const [url, dir, rounds] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const call = async (method, params = []) =>
  (await (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })).json()).result;
(async () => {
  const seen = new Map();
  let stop = false;
  const poller = (async () => {
    while (!stop) {
      const n = Number(await call('eth_blockNumber'));
      if (!seen.has(n)) seen.set(n, Date.now());
      await new Promise((r) => setTimeout(r, 1));
    }
  })();
  const out = [];
  for (let i = 0; i < rounds; i++) {
    execFileSync('node', ['play.js', '--rpc', url, '--out', `${dir}/r${i}.json`, '--scenario', 'reentrancy_drain'],
                 { stdio: 'ignore' });
    const s = JSON.parse(fs.readFileSync(`${dir}/r${i}.json`)).scenarios[0];
    const block = Math.max(...s.blocks);
    let found;
    for (let t = 0; t < 5000 && !found; t += 5) {
      const lines = fs.readFileSync(`${dir}/stamped.jsonl`, 'utf8').trim().split('\n').filter(Boolean).map(JSON.parse);
      found = lines.find((l) => l.line.block === block && (l.line.findings || []).some((f) => f.kind === 'reentrancy'));
      if (!found) await new Promise((r) => setTimeout(r, 5));
    }
    if (!found || !seen.has(block)) { console.error(`round ${i}: no finding for block ${block}`); process.exit(1); }
    out.push(found.t - seen.get(block));
  }
  stop = true;
  await poller;
  const sorted = [...out].sort((a, b) => a - b);
  console.log(JSON.stringify({ rounds, latencies_ms: out,
                               median_ms: sorted[Math.floor(sorted.length / 2)], max_ms: sorted[sorted.length - 1] }));
})();
JS
