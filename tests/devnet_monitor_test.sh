#!/usr/bin/env bash
# The monitor end to end on a real local chain (anvil): every devnet scenario played, then
# `bulwark monitor` over all their blocks with the stablecoin feeds watched. Checks:
#  - every exploit (the depeg included) is found with the right kind and victim, in the exploit's
#    block (the depeg: within the scenario's blocks, once it has lasted --depeg-duration);
#  - no benign look-alike gives an incident-grade finding;
#  - the findings and the checkpoint are in the store, and a second run from the checkpoint adds nothing;
#  - a reorg (evm_snapshot / evm_revert, then other blocks mined) retracts the orphaned block's finding
#    in the store and on stdout, and the follower continues on the new chain.
#
#   devnet_monitor_test.sh BULWARK_BINARY
# shellcheck source=support/devnet.sh
source "$(dirname "${BASH_SOURCE[0]}")/support/devnet.sh"
rpc() { curl -sS --fail -m 30 -H 'Content-Type: application/json' -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$URL"; }
json_field() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];console.log(typeof v==="object"?JSON.stringify(v):v)})' "$1"; }

node play.js --rpc "$URL" --out "$WORK/manifest.json" >/dev/null 2>&1
LAST=$(json_field last_block <"$WORK/manifest.json")
DB="$WORK/monitor.db"

# 1. Everything, to the last scenario block.
"$BULWARK" --db "$DB" monitor --rpc "31337=$URL" --from 1 --to "$LAST" --watch "$WORK/manifest.json" \
  --depeg-duration 60 --poll-ms 20 >"$WORK/run1.jsonl" 2>"$WORK/run1.err"
node - "$WORK" <<'JS'
const fs = require('fs');
const dir = process.argv[2];
const m = require(dir + '/manifest.json');
const lines = fs.readFileSync(`${dir}/run1.jsonl`, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const incident = (f) => f.severity === 'high' || f.severity === 'critical';
const found = lines.flatMap((l) => (l.findings || []).map((f) => ({ block: l.block, tx: l.tx, f })));
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };
const coins = new Set(m.stablecoins.map((c) => c.address.toLowerCase()));
for (const s of m.scenarios) {
  const [lo, hi] = s.block_range || [Math.min(...s.blocks), Math.max(...s.blocks)];
  const here = found.filter((x) => x.block >= lo && x.block <= hi && incident(x.f));
  if (!s.exploit) {
    if (here.length) fail(`${s.name} (benign): ${here.map((x) => x.f.kind).join(', ')} at ${here.map((x) => x.block)}`);
    else console.log(`ok   ${s.name}: benign, nothing incident-grade`);
    continue;
  }
  const hit = here.find((x) => x.f.kind === s.kind);
  if (!hit) { fail(`${s.name}: no ${s.kind} finding in blocks ${lo}..${hi}`); continue; }
  if (s.kind === 'depeg') {
    if (!hit.f.victims.some((v) => coins.has(v.toLowerCase()))) fail(`${s.name}: the depeg names no watched stablecoin`);
  } else {
    const last = Math.max(...s.blocks);
    if (hit.block > last + 1) fail(`${s.name}: found at block ${hit.block}, exploit at ${last}`);
    const v = new Set(hit.f.victims.map((x) => x.toLowerCase()));
    for (const want of s.victims) if (!v.has(want.toLowerCase())) fail(`${s.name}: victim ${want} not named`);
  }
  console.log(`ok   ${s.name}: ${hit.f.kind}/${hit.f.severity} at block ${hit.block}`);
}
fs.writeFileSync(`${dir}/run1.count`, String(found.length));
if (failures) process.exit(1);
JS
count=$(sqlite3 "$DB" "select count(*) from findings where status='active'")
[ "$count" = "$(cat "$WORK/run1.count")" ] || { echo "FAIL store holds $count findings, run printed $(cat "$WORK/run1.count")" >&2; exit 1; }
[ "$(sqlite3 "$DB" "select number from chain_checkpoints where chain_id=31337")" = "$LAST" ] || { echo "FAIL checkpoint" >&2; exit 1; }
echo "ok   store: $count findings, checkpoint at $LAST"

# 2. A second run from the checkpoint adds nothing.
"$BULWARK" --db "$DB" monitor --rpc "$URL" --to "$LAST" --quiet >"$WORK/run2.jsonl"
[ ! -s "$WORK/run2.jsonl" ] || { echo "FAIL a second run printed findings again" >&2; exit 1; }
[ "$(sqlite3 "$DB" "select count(*) from findings")" = "$count" ] || { echo "FAIL a second run changed the store" >&2; exit 1; }
echo "ok   restart from the checkpoint: nothing processed twice"

# 3. A reorg: an exploit mined after a snapshot, then the snapshot restored and other blocks mined.
SNAP=$(rpc evm_snapshot '[]' | json_field result)
node play.js --rpc "$URL" --out "$WORK/manifest2.json" --scenario reentrancy_drain >/dev/null 2>&1
TOP=$(rpc eth_blockNumber '[]' | json_field result)
TOP=$((TOP))
"$BULWARK" --db "$DB" monitor --rpc "$URL" --to "$TOP" --quiet >"$WORK/run3.jsonl"
grep -q '"kind":"reentrancy"' "$WORK/run3.jsonl" || { echo "FAIL the replayed exploit was not found before the reorg" >&2; exit 1; }
rpc evm_revert "[\"$SNAP\"]" | grep -q true || { echo "FAIL evm_revert" >&2; exit 1; }
for _ in $(seq 1 $((TOP - LAST + 2))); do rpc evm_mine '[]' >/dev/null; done
NEWTOP=$((TOP + 2))
"$BULWARK" --db "$DB" monitor --rpc "$URL" --to "$NEWTOP" --quiet >"$WORK/run4.jsonl"
grep -q '"retracted":true' "$WORK/run4.jsonl" || { echo "FAIL no retraction printed after the reorg" >&2; cat "$WORK/run4.jsonl" >&2; exit 1; }
retracted=$(sqlite3 "$DB" "select count(*) from findings where status='retracted' and kind='reentrancy'")
[ "$retracted" -ge 1 ] || { echo "FAIL the orphaned finding is not retracted in the store" >&2; exit 1; }
[ "$(sqlite3 "$DB" "select number from chain_checkpoints where chain_id=31337")" = "$NEWTOP" ] || { echo "FAIL checkpoint after the reorg" >&2; exit 1; }
canon=$(sqlite3 "$DB" "select hash from chain_blocks where chain_id=31337 and number=$NEWTOP and status='canonical'")
chainhash=$(rpc eth_getBlockByNumber "[\"$(printf '0x%x' "$NEWTOP")\",false]" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).result.hash))')
[ "$canon" = "$chainhash" ] || { echo "FAIL the store follows $canon, the chain is at $chainhash" >&2; exit 1; }
echo "ok   reorg: $retracted finding(s) retracted, following the new chain at $NEWTOP"
