#!/usr/bin/env bash
# End to end on a real local chain: starts anvil, deploys the devnet contracts (compiled with solc-js),
# plays every scenario, then runs `bulwark analyze-tx --rpc` over each scenario's transactions and checks
# the findings against the manifest: each transaction-level exploit gives an incident-grade finding of the
# right kind naming the victim, with its loss within 1% of what the chain's balances show; no benign
# look-alike gives an incident-grade finding. Each exploit is analysed a second time from the default
# struct-log tracer (anvil records steps with ANVIL_STEPS_TRACING=1), which must find the same.
#
#   devnet_detect_test.sh BULWARK_BINARY
export ANVIL_STEPS_TRACING=1
# shellcheck source=support/devnet.sh
source "$(dirname "${BASH_SOURCE[0]}")/support/devnet.sh"
node play.js --rpc "$URL" --out "$WORK/manifest.json" >/dev/null
# One analyze-tx run per scenario: its transactions' findings, one JSON line each.
node -e '
const m = require(process.argv[1]);
for (const s of m.scenarios) console.log(s.name + " " + (s.exploit ? 1 : 0) + " " + s.txs.join(" "));
' "$WORK/manifest.json" | while read -r name exploit txs; do
  # shellcheck disable=SC2086
  "$BULWARK" analyze-tx --rpc "$URL" $txs >"$WORK/$name.jsonl"
  if [ "$exploit" = 1 ]; then
    # shellcheck disable=SC2086
    "$BULWARK" analyze-tx --rpc "$URL" --tracer struct $txs >"$WORK/$name.struct.jsonl"
  fi
done
node - "$WORK" <<'JS'
const fs = require('fs');
const dir = process.argv[2];
const m = require(dir + '/manifest.json');
const incident = (f) => f.severity === 'high' || f.severity === 'critical';
// Rules that judge one transaction; a depeg is a price held off peg across blocks (the monitor's watch).
const TX_LEVEL = new Set(['reentrancy', 'flash_loan', 'price_manipulation', 'drain', 'governance', 'extraction']);
let failures = 0;
const fail = (msg) => { failures++; console.error('FAIL ' + msg); };
for (const s of m.scenarios) {
  const before = failures;
  const lines = fs.readFileSync(`${dir}/${s.name}.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  for (const l of lines) if (l.error) fail(`${s.name}: ${l.tx}: ${l.error.message}`);
  const found = lines.flatMap((l) => l.findings || []).filter(incident);
  if (!s.exploit) {
    if (found.length) fail(`${s.name} (benign) gave ${found.map((f) => f.kind + '/' + f.severity).join(', ')}`);
    else console.log(`ok   ${s.name}: benign, no incident-grade finding`);
    continue;
  }
  if (!TX_LEVEL.has(s.kind) || s.across_blocks) { console.log(`skip ${s.name}: ${s.kind} is judged across blocks`); continue; }
  const f = found.find((x) => x.kind === s.kind);
  if (!f) { fail(`${s.name}: no incident-grade ${s.kind} finding (got ${found.map((x) => x.kind).join(', ') || 'none'})`); continue; }
  const victims = new Set(f.victims.map((v) => v.toLowerCase()));
  for (const v of s.victims) if (!victims.has(v.toLowerCase())) fail(`${s.name}: victim ${v} not named`);
  for (const l of s.loss) {
    const asset = l.asset === 'native' ? 'native' : l.asset.toLowerCase();
    const got = f.loss.filter((x) => x.victim.toLowerCase() === l.victim.toLowerCase() && x.asset === asset)
      .reduce((n, x) => n + BigInt(x.amount), 0n);
    const want = BigInt(l.amount);
    const diff = got > want ? got - want : want - got;
    if (diff * 100n > want) fail(`${s.name}: loss of ${asset} at ${l.victim}: found ${got}, chain shows ${want}`);
  }
  // The same exploit rebuilt from struct logs: the same kind, victims and losses.
  const sl = fs.readFileSync(`${dir}/${s.name}.struct.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  for (const l of sl) if (l.error) fail(`${s.name} (struct logs): ${l.tx}: ${l.error.message}`);
  const g = sl.flatMap((l) => l.findings || []).filter(incident).find((x) => x.kind === s.kind);
  const key = (x) => JSON.stringify([x.kind, [...x.victims].sort(), x.loss.map((y) => [y.victim, y.asset, y.amount]).sort()]);
  if (!g) fail(`${s.name}: no incident-grade ${s.kind} finding from struct logs`);
  else if (key(g) !== key(f)) fail(`${s.name}: struct logs gave ${key(g)}, callTracer ${key(f)}`);
  if (failures === before)
    console.log(`ok   ${s.name}: ${f.kind}/${f.severity}, victims ${f.victims.join(' ')} (struct logs agree)`);
}
if (failures) { console.error(`${failures} check(s) failed`); process.exit(1); }
JS
