#!/usr/bin/env bash
# Claims end to end on a real local chain (anvil): cover is bought on the devnet's EtherVault (one
# parametric fixed-sum policy, one discretionary policy), the vault is drained by re-entrancy, and
#  - `bulwark monitor --respond --settle` finds the exploit, opens and verifies an incident for each
#    product from the chain, confirms the parametric one (challenge window 0), pays it on the ledger
#    and sends the payout from the treasury: the parametric holder's on-chain balance is its cover,
#    without a claim;
#  - the discretionary holder claims; assessors vote with signed messages; after the vote and the
#    cooldown (a pinned clock) the payout is made and settled on-chain;
#  - rejections print their reason and change nothing (the journal export is byte-identical): a
#    claim naming the attacker, a claim above the proven loss, a claim on cover bought inside the
#    cooling-off window, a vote by a conflicted assessor, a replayed vote, an expired vote;
#  - a stablecoin depeg pays a parametric depeg cover in an ERC-20; ordinary volatility pays nothing;
#  - a governance takeover with flash-borrowed votes pays a parametric governance cover, under the
#    loss trigger frozen in each policy; an ordinary vote pays nothing;
#  - the journal verifies at the end, and on-chain balances match the payouts.
#
#   devnet_payout_test.sh BULWARK_BINARY
# shellcheck source=support/devnet.sh
source "$(dirname "${BASH_SOURCE[0]}")/support/devnet.sh"
rpc() { curl -sS --fail -m 30 -H 'Content-Type: application/json' -d "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$URL"; }
result() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s).result;console.log(typeof r==="string"&&r.startsWith("0x")?BigInt(r).toString():JSON.stringify(r))})'; }
balance() { rpc eth_getBalance "[\"$1\",\"latest\"]" | result; }
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() {
  failed=$((failed + 1))
  echo "FAIL $*" >&2
}

node play.js --rpc "$URL" --out "$WORK/manifest.json" --scenario reentrancy_drain,vault_ordinary_use >/dev/null 2>&1
read -r VAULT ATTACKER EXPLOIT_TX LAST < <(node -e '
const m = require(process.argv[1]);
const s = m.scenarios.find((x) => x.name === "reentrancy_drain");
console.log(s.victims[0], s.attackers[0], s.txs[s.txs.length - 1], m.last_block);' "$WORK/manifest.json")
EXPLOIT_BLOCK=$(rpc eth_getTransactionReceipt "[\"$EXPLOIT_TX\"]" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(Number(JSON.parse(s).result.blockNumber)))')
EXPLOIT_TIME=$(rpc eth_getBlockByNumber "[\"0x$(printf %x "$EXPLOIT_BLOCK")\",false]" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(Number(JSON.parse(s).result.timestamp)))')
[ -n "$VAULT" ] && [ "$EXPLOIT_TIME" -gt 0 ] && ok || bad "no exploit in the manifest"

# Keys: the treasury is anvil's first development account; holders and assessors are fresh keys.
TREASURY_KEY=0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80
echo "$TREASURY_KEY" >"$WORK/treasury.key"
P_KEY=0x$(printf '%064x' 0x51001)  # parametric holder
D_KEY=0x$(printf '%064x' 0x51002)  # discretionary holder
L_KEY=0x$(printf '%064x' 0x51003)  # bought too late (inside the cooling-off window)
A1_KEY=0x$(printf '%064x' 0x52001)
A2_KEY=0x$(printf '%064x' 0x52002)
cat >"$WORK/config.json" <<EOF
{"claims": {"challenge_window": 0, "voting_period": 3600, "silent_extension": 600, "cooldown": 3600},
 "settlement": {"confirmations": 1}}
EOF
B=("$BULWARK" --db "$WORK/bulwark.db" --config "$WORK/config.json")
address_of() { "${B[@]}" incident report --product 1 --tx "$EXPLOIT_TX" --key "$1" --print-message 2>/dev/null | sed -n 's/^reporter: //p'; }
expect_ok() {
  local what=$1
  shift
  if out=$("$@" 2>"$WORK/err"); then ok; else bad "$what: $(cat "$WORK/err")"; fi
}
# A rejection: non-zero exit, the reason on stderr, and the journal exactly as before.
expect_rejected() {
  local what=$1 reason=$2
  shift 2
  "${B[@]}" ledger export --out "$WORK/before.jsonl" >/dev/null
  if "$@" >"$WORK/out" 2>"$WORK/err"; then
    bad "$what: accepted"
  elif ! grep -q -- "$reason" "$WORK/err"; then
    bad "$what: reason '$(cat "$WORK/err")' lacks '$reason'"
  else
    ok
  fi
  "${B[@]}" ledger export --out "$WORK/after.jsonl" >/dev/null
  cmp -s "$WORK/before.jsonl" "$WORK/after.jsonl" && ok || bad "$what: the journal changed"
}

# The book, three days before the exploit.
export BULWARK_NOW=$((EXPLOIT_TIME - 3 * 86400))
expect_ok "asset" "${B[@]}" asset add --chain 31337 --symbol ETH --decimals 18
expect_ok "pool" "${B[@]}" pool create --name main --asset ETH
expect_ok "deposit" "${B[@]}" pool deposit 1 --owner 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --amount 1000
expect_ok "parametric product" "${B[@]}" product add --name "vault (parametric)" --chain 31337 --contract "$VAULT" \
  --asset ETH --parametric --payout fixed
expect_ok "discretionary product" "${B[@]}" product add --name "vault" --chain 31337 --contract "$VAULT" --asset ETH
expect_ok "back 1" "${B[@]}" pool back 1 --product 1 --weight 100
expect_ok "back 2" "${B[@]}" pool back 1 --product 2 --weight 100
P=$(address_of "$P_KEY")
D=$(address_of "$D_KEY")
L=$(address_of "$L_KEY")
A1=$(address_of "$A1_KEY")
A2=$(address_of "$A2_KEY")
expect_ok "buy parametric" "${B[@]}" buy --holder "$P" --product 1 --amount 2 --asset ETH --days 365 --max-premium 1
expect_ok "buy discretionary" "${B[@]}" buy --holder "$D" --product 2 --amount 3 --asset ETH --days 365 --max-premium 1
export BULWARK_NOW=$((EXPLOIT_TIME - 3600))
expect_ok "buy late" "${B[@]}" buy --holder "$L" --product 2 --amount 1 --asset ETH --days 365 --max-premium 1
expect_ok "assessor 1" "${B[@]}" assessor register --address "$A1" --stake 100
expect_ok "assessor 2" "${B[@]}" assessor register --address "$A2" --stake 50
expect_ok "conflicted assessor" "${B[@]}" assessor register --address "$D" --stake 500

# The monitor finds the exploit and responds; the parametric holder is paid on-chain.
export BULWARK_NOW=$((EXPLOIT_TIME + 60))
"${B[@]}" monitor --rpc "31337=$URL" --from 1 --to "$LAST" --respond --settle --treasury-key-file "$WORK/treasury.key" \
  --poll-ms 20 >"$WORK/monitor.jsonl" 2>"$WORK/monitor.err" || bad "monitor failed: $(tail -3 "$WORK/monitor.err")"
grep -q '"kind":"reentrancy"' "$WORK/monitor.jsonl" && ok || bad "no reentrancy finding"
grep -q '"incident":{' "$WORK/monitor.jsonl" && ok || bad "no incident opened: $(cat "$WORK/monitor.jsonl")"
grep -q '"payout":{' "$WORK/monitor.jsonl" && ok || bad "no payout made"
grep -q '"confirmed":1' "$WORK/monitor.jsonl" && ok || bad "no settlement confirmed: $(grep settlement "$WORK/monitor.jsonl")"
[ "$(balance "$P")" = "2000000000000000000" ] && ok || bad "parametric holder holds $(balance "$P") wei, not its 2 ETH cover"
expect_ok "incident 2" "${B[@]}" --json incident show 2
echo "$out" | grep -q '"status":"verified"' && ok || bad "discretionary incident not verified: $out"

# The discretionary claim: rejections first, each with its reason and nothing written.
CLAIM=("${B[@]}" claim submit --incident 2 --tx "$EXPLOIT_TX")
expect_rejected "claim naming the attacker" "attacker" "${CLAIM[@]}" --policy 2 --claimed 1 --address "$ATTACKER" --key "$D_KEY"
expect_rejected "claim above the proven loss" "more than the proven loss" "${CLAIM[@]}" --policy 2 --claimed 1000000 --address "$VAULT" --key "$D_KEY"
expect_rejected "claim inside the cooling-off window" "cooling-off" "${CLAIM[@]}" --policy 3 --claimed 1 --address "$VAULT" --key "$L_KEY"
expect_ok "claim" "${B[@]}" --json claim submit --incident 2 --tx "$EXPLOIT_TX" --policy 2 --claimed 3 --address "$VAULT" --key "$D_KEY"
echo "$out" | grep -q '"status":"pending"' && ok || bad "claim not pending: $out"
EXPIRY=$((BULWARK_NOW + 600))
VOTE=("${B[@]}" incident vote 2 --accept --expiry "$EXPIRY")
expect_rejected "conflicted assessor" "conflicted" "${VOTE[@]}" --nonce 1 --key "$D_KEY"
expect_rejected "expired vote" "expired" "${B[@]}" incident vote 2 --accept --expiry $((BULWARK_NOW - 1)) --nonce 1 --key "$A1_KEY"
"${B[@]}" incident vote 2 --accept --expiry "$EXPIRY" --nonce 7 --assessor "$A1" --print-message >"$WORK/vote.txt" 2>/dev/null
expect_ok "vote 1" "${VOTE[@]}" --nonce 7 --key "$A1_KEY"
SIG=$(node -e 'const {Wallet}=require("ethers");const fs=require("fs");new Wallet(process.argv[1]).signMessage(fs.readFileSync(process.argv[2],"utf8").replace(/\n$/,"")).then(console.log)' "$A1_KEY" "$WORK/vote.txt")
expect_rejected "replayed vote" "replay\|already" "${VOTE[@]}" --nonce 7 --assessor "$A1" --signature "$SIG"
expect_ok "vote 2" "${VOTE[@]}" --nonce 8 --key "$A2_KEY"
expect_ok "payout before the vote ends" "${B[@]}" --json payout run
echo "$out" | grep -q '"count":0' && ok || bad "paid before the vote ended: $out"

# After the vote and the cooldown: paid on the ledger and on-chain.
export BULWARK_NOW=$((EXPLOIT_TIME + 60 + 3600 + 3600 + 60))
expect_ok "payout" "${B[@]}" --json payout run
echo "$out" | grep -q '"count":1' && ok || bad "payout run: $out"
expect_ok "settle" "${B[@]}" --json payout settle --rpc "$URL" --treasury-key-file "$WORK/treasury.key" --wait 30 --poll-ms 50
echo "$out" | grep -q '"pending":0' && ok || bad "settlement still pending: $out"
[ "$(balance "$D")" = "3000000000000000000" ] && ok || bad "discretionary holder holds $(balance "$D") wei, not its 3 ETH payout"
[ "$(balance "$L")" = "0" ] && ok || bad "the late buyer was paid"
expect_ok "settle again" "${B[@]}" --json payout settle --rpc "$URL" --treasury-key-file "$WORK/treasury.key"
echo "$out" | grep -q '"signed":0' && ok || bad "a second settle signed again: $out"
[ "$(balance "$D")" = "3000000000000000000" ] && ok || bad "paid twice on-chain"
expect_ok "payout show" "${B[@]}" --json payout show --incident 2 --policy 2
echo "$out" | grep -q '"status":"confirmed"' && ok || bad "settlement not confirmed: $out"

# Part 2: a stablecoin depeg pays a parametric depeg cover (in another stablecoin, an ERC-20 transfer
# from the treasury); ordinary volatility inside the band pays nothing.
pad() { printf '%064s' "${1#0x}" | tr ' ' 0; }
token_balance() { rpc eth_call "[{\"to\":\"$1\",\"data\":\"0x70a08231$(pad "$2")\"},\"latest\"]" | result; }
FROM2=$(($(rpc eth_blockNumber '[]' | result) + 1))
node play.js --rpc "$URL" --out "$WORK/manifest2.json" --scenario stable_volatility,stable_depeg >/dev/null 2>&1
read -r USDX USDY LAST2 < <(node -e '
const m = require(process.argv[1]);
console.log(m.contracts.USDX, m.contracts.USDY, m.last_block);' "$WORK/manifest2.json")
T2=$(rpc eth_getBlockByNumber "[\"0x$(printf %x "$FROM2")\",false]" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(Number(JSON.parse(s).result.timestamp)))')
TLAST=$(rpc eth_getBlockByNumber "[\"0x$(printf %x "$LAST2")\",false]" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(Number(JSON.parse(s).result.timestamp)))')
export BULWARK_NOW=$((T2 - 3 * 86400))
Q_KEY=0x$(printf '%064x' 0x51004)
Q=$(address_of "$Q_KEY")
expect_ok "asset USDX" "${B[@]}" asset add --chain 31337 --token "$USDX" --symbol USDX --decimals 6
expect_ok "pool USDX" "${B[@]}" pool create --name dollars --asset USDX
expect_ok "deposit USDX" "${B[@]}" pool deposit 2 --owner 0x70997970C51812dc3A010C7d01b50e0d17dc79C8 --amount 100000
expect_ok "depeg product" "${B[@]}" product add --name "USDY depeg" --type depeg --chain 31337 --contract "$USDY" \
  --asset USDX --parametric
expect_ok "back 3" "${B[@]}" pool back 2 --product 3 --weight 100
expect_ok "buy depeg cover" "${B[@]}" buy --holder "$P" --product 3 --amount 5000 --asset USDX --days 365 --max-premium 500
expect_ok "buy depeg cover 2" "${B[@]}" buy --holder "$Q" --product 3 --amount 1000 --asset USDX --days 365 --max-premium 500
# The treasury holds USDX (it is the devnet's deployer, the token's minter).
TREASURY=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
rpc eth_sendTransaction "[{\"from\":\"$TREASURY\",\"to\":\"$USDX\",\"data\":\"0x40c10f19$(pad "$TREASURY")$(pad "$(printf '%x' 1000000000000)")\"}]" >/dev/null
export BULWARK_NOW=$((TLAST + 60))
"${B[@]}" monitor --rpc "31337=$URL" --from "$FROM2" --to "$LAST2" --watch "$WORK/manifest2.json" --depeg-duration 60 \
  --respond --settle --treasury-key-file "$WORK/treasury.key" --poll-ms 20 >"$WORK/monitor2.jsonl" 2>"$WORK/monitor2.err" ||
  bad "monitor (depeg) failed: $(tail -3 "$WORK/monitor2.err")"
n=$(grep -c '"kind":"depeg","opened_at"\|"source":"watch"' "$WORK/monitor2.jsonl" || true)
[ "$n" = "1" ] && ok || bad "expected one depeg incident, got $n: $(grep incident "$WORK/monitor2.jsonl" | cut -c1-300)"
[ "$(token_balance "$USDX" "$P")" = "5000000000" ] && ok || bad "depeg holder P holds $(token_balance "$USDX" "$P") USDX units, not 5000 USDX"
[ "$(token_balance "$USDX" "$Q")" = "1000000000" ] && ok || bad "depeg holder Q holds $(token_balance "$USDX" "$Q") USDX units, not 1000 USDX"
expect_ok "incidents" "${B[@]}" --json incident list
echo "$out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);const d=(j.incidents||[]).filter(i=>i.kind==="depeg");process.exit(d.length===1&&d[0].status==="confirmed"?0:1)})' &&
  ok || bad "the depeg incident is not the one confirmed incident of its kind: $out"

# Part 3: a governance takeover with flash-borrowed votes pays a parametric governance cover on the
# governor; the loss trigger is frozen per policy (the policy bought before the product's trigger was
# raised past the proven loss is paid, the one bought after is not); an ordinary vote on another
# governor pays nothing.
block_time() { rpc eth_getBlockByNumber "[\"0x$(printf %x "$1")\",false]" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(Number(JSON.parse(s).result.timestamp)))'; }
FROM3=$(($(rpc eth_blockNumber '[]' | result) + 1))
node play.js --rpc "$URL" --out "$WORK/manifest3.json" --scenario governance_ordinary_vote,governance_flash_takeover >/dev/null 2>&1
read -r GOVERNOR ORDINARY_GOVERNOR LAST3 < <(node -e '
const m = require(process.argv[1]);
const by = (n) => m.scenarios.find((x) => x.name === n);
console.log(by("governance_flash_takeover").contracts.governor, by("governance_ordinary_vote").contracts.governor, m.last_block);' "$WORK/manifest3.json")
[ -n "$GOVERNOR" ] && [ -n "$ORDINARY_GOVERNOR" ] && ok || bad "no governors in the manifest"
T3=$(block_time "$FROM3")
TLAST3=$(block_time "$LAST3")
export BULWARK_NOW=$((T3 - 3 * 86400))
G1=$(address_of 0x$(printf '%064x' 0x51005))
G2=$(address_of 0x$(printf '%064x' 0x51006))
G3=$(address_of 0x$(printf '%064x' 0x51007))
expect_ok "governance product" "${B[@]}" product add --name "DAO treasury" --type governance --chain 31337 \
  --contract "$GOVERNOR" --asset ETH --parametric --trigger-min-loss 1
expect_ok "ordinary governance product" "${B[@]}" product add --name "other DAO" --type governance --chain 31337 \
  --contract "$ORDINARY_GOVERNOR" --asset ETH --parametric
expect_ok "back 4" "${B[@]}" pool back 1 --product 4 --weight 100
expect_ok "back 5" "${B[@]}" pool back 1 --product 5 --weight 100
expect_ok "buy governance cover" "${B[@]}" buy --holder "$G1" --product 4 --amount 4 --asset ETH --days 365 --max-premium 1
expect_rejected "trigger on depeg cover" "smart_contract and governance" "${B[@]}" product terms 3 --trigger-min-loss 1
expect_rejected "no change" "no term to change" "${B[@]}" product terms 4
expect_ok "raise the trigger" "${B[@]}" --json product terms 4 --trigger-min-loss 1000000000
echo "$out" | grep -q '"trigger_min_loss":{' && ok || bad "product terms output: $out"
expect_ok "buy under the raised trigger" "${B[@]}" buy --holder "$G2" --product 4 --amount 4 --asset ETH --days 365 --max-premium 1
expect_ok "buy on the ordinary governor" "${B[@]}" buy --holder "$G3" --product 5 --amount 4 --asset ETH --days 365 --max-premium 1
export BULWARK_NOW=$((TLAST3 + 60))
"${B[@]}" monitor --rpc "31337=$URL" --from "$FROM3" --to "$LAST3" --respond --settle --treasury-key-file "$WORK/treasury.key" \
  --poll-ms 20 >"$WORK/monitor3.jsonl" 2>"$WORK/monitor3.err" || bad "monitor (governance) failed: $(tail -3 "$WORK/monitor3.err")"
grep -q '"kind":"governance"' "$WORK/monitor3.jsonl" && ok || bad "no governance finding: $(head -c 600 "$WORK/monitor3.jsonl")"
[ "$(balance "$G1")" = "4000000000000000000" ] && ok || bad "governance holder G1 holds $(balance "$G1") wei, not its 4 ETH cover"
[ "$(balance "$G2")" = "0" ] && ok || bad "G2, sold under a trigger above the proven loss, was paid $(balance "$G2") wei"
[ "$(balance "$G3")" = "0" ] && ok || bad "the ordinary vote's cover paid $(balance "$G3") wei"
expect_ok "incidents after governance" "${B[@]}" --json incident list
echo "$out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);const g=(j.incidents||[]).filter(i=>i.product_id===4||i.product===4);const o=(j.incidents||[]).filter(i=>i.product_id===5||i.product===5);process.exit(g.length===1&&g[0].status==="confirmed"&&o.length===0?0:1)})' &&
  ok || bad "expected one confirmed incident on product 4 and none on 5: $out"
expect_ok "ledger verify" "${B[@]}" ledger verify

echo "devnet payout: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
