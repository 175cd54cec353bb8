#!/usr/bin/env bash
# Two `bulwark monitor` processes sharing one PostgreSQL store (a private cluster) and two anvil
# chains (ids 31337 and 31338), with 3-second leases. Checks:
#  - the first monitor takes both chains, and gives one back when the second one joins;
#  - exploits on both chains are found once each;
#  - after the holder of chain 31338 is killed (SIGKILL), the other monitor takes its lease over
#    within the lease period, not before the lease ran out, and continues from the checkpoint: every
#    block of the chain is in chain_blocks exactly once, those up to the checkpoint committed by the
#    killed monitor and the later ones under the new lease epoch; nothing is skipped or repeated;
#  - an exploit mined after the kill is found by the surviving monitor; across both monitors' output
#    every finding is printed once, and the store holds exactly the findings printed.
#
#   devnet_lease_test.sh BULWARK_BINARY PG_RUN_BINARY
# shellcheck source=support/devnet.sh
source "$(dirname "${BASH_SOURCE[0]}")/support/devnet.sh"
PG_RUN="$(realpath "$2")"
LEASE_S=3
LEASE_MS=$((LEASE_S * 1000))
SLACK_MS=1000 # scheduling on a loaded machine, on top of the lease period

PID2="" MON_A="" MON_B=""
lease_cleanup() {
  local rc=$?
  for p in $MON_A $MON_B; do kill -KILL "$p" 2>/dev/null || true; done
  [ -n "$PID2" ] && "$DEVNET/run-anvil.sh" stop "$PID2" || true
  if [ -n "${PGRUN_PID:-}" ]; then
    eval "exec ${PGRUN[1]}>&-" 2>/dev/null || true # end of input: pg_run stops its cluster
    wait "$PGRUN_PID" 2>/dev/null || true
  fi
  if [ "$rc" != 0 ]; then
    for f in a.err b.err pg.err anvil.log anvil2.log; do [ -f "$WORK/$f" ] && { echo "--- $f" >&2; tail -n 30 "$WORK/$f" >&2; }; done
  fi
  (exit "$rc")
  devnet_cleanup
}
trap lease_cleanup EXIT
die() { echo "FAIL $*" >&2; exit 1; }
now_ms() { date +%s%3N; }
exited() { # PID: gone, or a zombie not yet waited for
  local st
  st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
  [[ $st == Z* ]]
}

coproc PGRUN { exec "$PG_RUN" lease 2>"$WORK/pg.err"; }
read -r -t 120 PGURL <&"${PGRUN[0]}" || die "the private PostgreSQL cluster did not start: $(cat "$WORK/pg.err")"
# Every step is bounded, so that a stuck part fails the test with its logs instead of hanging it.
q() { PGCONNECT_TIMEOUT=10 timeout 30 psql "$PGURL" -XAtq -c "$1"; }
play() { # RPC OUT: the reentrancy drain, played on the chain at RPC
  timeout 120 node play.js --rpc "$1" --out "$2" --scenario reentrancy_drain >"$2.log" 2>&1 ||
    die "play.js on $1 failed (rc $?): $(tail -n 5 "$2.log")"
}

read -r PORT2 PID2 < <(ANVIL_CHAIN_ID=31338 ANVIL_LOG="$WORK/anvil2.log" ./run-anvil.sh start)
URL2="http://127.0.0.1:$PORT2"
head_of() {
  curl -sS --fail -m 10 -H 'Content-Type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber","params":[]}' "$1" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(Number(JSON.parse(s).result)))'
}
# wait_for SECONDS DESCRIPTION COMMAND...: until the command succeeds.
wait_for() {
  local secs=$1 what=$2
  shift 2
  local until=$(($(now_ms) + secs * 1000))
  until "$@"; do
    [ "$(now_ms)" -lt "$until" ] || die "timed out after ${secs}s waiting for $what"
    sleep 0.1
  done
}
start_monitor() { # OWNER; run in this shell (not in $(...)), so that it can be waited for; sets $!
  "$BULWARK" --db "$PGURL" monitor --rpc "31337=$URL" --rpc "31338=$URL2" --from 1 --poll-ms 50 \
    --lease-seconds "$LEASE_S" --owner "$1" >"$WORK/$1.jsonl" 2>"$WORK/$1.err" &
}
held_by() { [ "$(q "select count(*) from monitor_leases where owner = '$1' and expires_ms > $(now_ms)" 2>/dev/null)" = "$2" ]; } # the schema may not exist yet
caught_up() { # CHAIN URL
  local h
  h=$(head_of "$2")
  [ "$(q "select number from chain_checkpoints where chain_id = $1")" = "$h" ]
}

# 1. a alone takes both chains; b joins and gets one.
start_monitor a
MON_A=$!
wait_for 30 "monitor a to take both chains" held_by a 2
start_monitor b
MON_B=$!
wait_for 30 "the chains to be split between a and b" eval 'held_by a 1 && held_by b 1'
echo "ok   split: a holds $(q "select chain_id from monitor_leases where owner='a'"), b holds $(q "select chain_id from monitor_leases where owner='b'")"

# 2. An exploit on each chain, found by whichever monitor holds it.
play "$URL" "$WORK/c1.json"
play "$URL2" "$WORK/c2.json"
wait_for 60 "both chains to be followed to their heads" eval 'caught_up 31337 "$URL" && caught_up 31338 "$URL2"'

# 3. Kill the holder of chain 31338.
VICTIM=$(q "select owner from monitor_leases where chain_id = 31338")
if [ "$VICTIM" = a ]; then VPID=$MON_A SURV=b; else VPID=$MON_B SURV=a; fi
kill -KILL "$VPID"
KILL_MS=$(now_ms)
wait "$VPID" 2>/dev/null || true
IFS='|' read -r OLD_EPOCH OLD_EXPIRES < <(q "select epoch, expires_ms from monitor_leases where chain_id = 31338")
CP_KILL=$(q "select number from chain_checkpoints where chain_id = 31338")
echo "ok   killed $VICTIM (chain 31338 at block $CP_KILL, lease epoch $OLD_EPOCH, expiring $((OLD_EXPIRES - KILL_MS)) ms after the kill)"
# More blocks and another exploit while nobody follows the chain.
play "$URL2" "$WORK/c2b.json"

# 4. The survivor takes the lease over within the lease period, from the checkpoint.
wait_for $((LEASE_S * 3 + 10)) "$SURV to take chain 31338 over" held_by "$SURV" 2
IFS='|' read -r NEW_EPOCH ACQUIRED < <(q "select epoch, acquired_ms from monitor_leases where chain_id = 31338")
[ "$NEW_EPOCH" -gt "$OLD_EPOCH" ] || die "the lease epoch did not move ($OLD_EPOCH -> $NEW_EPOCH)"
[ "$ACQUIRED" -ge "$OLD_EXPIRES" ] || die "$SURV took the lease $((OLD_EXPIRES - ACQUIRED)) ms before it ran out"
TAKEOVER=$((ACQUIRED - KILL_MS))
[ "$TAKEOVER" -le $((LEASE_MS + SLACK_MS)) ] || die "$SURV took chain 31338 over ${TAKEOVER} ms after the kill (lease ${LEASE_MS} ms)"
echo "ok   $SURV took chain 31338 over ${TAKEOVER} ms after the kill (lease ${LEASE_MS} ms), epoch $OLD_EPOCH -> $NEW_EPOCH"
wait_for 60 "$SURV to follow chain 31338 to its head" caught_up 31338 "$URL2"
wait_for 30 "$SURV to keep following chain 31337" caught_up 31337 "$URL"
TOP=$(head_of "$URL2")
[ "$TOP" -gt "$CP_KILL" ] || die "no blocks were mined after the kill"

# 5. Every block once, from the checkpoint on under the new epoch.
[ "$(q "select count(*) from chain_blocks where chain_id = 31338")" = "$TOP" ] || die "chain_blocks of 31338: $(q "select count(*) from chain_blocks where chain_id = 31338") rows for $TOP blocks"
[ "$(q "select count(*) from chain_blocks where chain_id = 31338 and number between 1 and $TOP and status = 'canonical'")" = "$TOP" ] ||
  die "chain 31338 has blocks missing or not canonical in 1..$TOP"
[ "$(q "select owner || ':' || epoch from chain_blocks where chain_id = 31338 and number = $CP_KILL")" = "$VICTIM:$OLD_EPOCH" ] ||
  die "block $CP_KILL (the checkpoint at the kill) was committed again: $(q "select owner || ':' || epoch from chain_blocks where chain_id = 31338 and number = $CP_KILL")"
[ "$(q "select count(*) from chain_blocks where chain_id = 31338 and number <= $CP_KILL and epoch >= $NEW_EPOCH")" = 0 ] ||
  die "blocks up to the checkpoint were processed again after the takeover"
[ "$(q "select count(*) from chain_blocks where chain_id = 31338 and number > $CP_KILL and (owner <> '$SURV' or epoch <> $NEW_EPOCH)")" = 0 ] ||
  die "blocks after the checkpoint were not committed by $SURV under epoch $NEW_EPOCH"
echo "ok   chain 31338: blocks 1..$TOP once each; 1..$CP_KILL before the kill, $((CP_KILL + 1))..$TOP by $SURV (epoch $NEW_EPOCH)"

# 6. Findings: each exploit once, the one after the kill by the survivor; printed == stored.
node - "$WORK" "$SURV" "$CP_KILL" <<'JS'
const fs = require('fs');
const [dir, surv, cpKill] = [process.argv[2], process.argv[3], Number(process.argv[4])];
const lines = (who) => fs.readFileSync(`${dir}/${who}.jsonl`, 'utf8').split('\n').filter(Boolean).map((l) => ({ who, ...JSON.parse(l) }));
const all = [...lines('a'), ...lines('b')].filter((l) => l.findings);
const seen = new Map();
let failures = 0;
const fail = (m) => { failures++; console.error('FAIL ' + m); };
for (const l of all)
  for (const f of l.findings) {
    const key = `${l.chain_id}/${l.tx}/${f.kind}`;
    if (seen.has(key)) fail(`${key} printed twice (by ${seen.get(key).who} and ${l.who})`);
    seen.set(key, l);
  }
const exploit = (file, chain) => {
  const s = JSON.parse(fs.readFileSync(`${dir}/${file}`)).scenarios[0];
  const hit = s.txs.map((tx) => seen.get(`${chain}/${tx}/reentrancy`)).find(Boolean);
  if (!hit) fail(`${file}: the exploit on chain ${chain} (${s.txs.join(', ')}) was not found`);
  return hit;
};
exploit('c1.json', 31337);
exploit('c2.json', 31338);
const after = exploit('c2b.json', 31338);
if (after && (after.who !== surv || after.block <= cpKill))
  fail(`the exploit after the kill was printed by ${after.who} at block ${after.block} (checkpoint ${cpKill})`);
fs.writeFileSync(`${dir}/printed.count`, String(seen.size));
if (failures) process.exit(1);
console.log(`ok   findings: ${seen.size} printed once each; the exploit after the kill found by ${surv} at block ${after.block}`);
JS
STORED=$(q "select count(*) from findings where status = 'active'")
[ "$STORED" = "$(cat "$WORK/printed.count")" ] || die "the store holds $STORED findings, the monitors printed $(cat "$WORK/printed.count")"
echo "ok   store: $STORED findings, as printed"

# 7. A clean stop gives the lease back at once.
if [ "$SURV" = a ]; then SPID=$MON_A; else SPID=$MON_B; fi
kill -TERM "$SPID"
wait_for 30 "$SURV to exit on SIGTERM" exited "$SPID"
wait "$SPID" || die "$SURV did not exit cleanly on SIGTERM"
[ "$(q "select count(*) from monitor_leases where expires_ms > $(now_ms)")" = 0 ] || die "$SURV kept its leases after SIGTERM"
echo "ok   SIGTERM: $SURV gave its leases back"
