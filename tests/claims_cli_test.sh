#!/usr/bin/env bash
# The claims commands end to end on a real SQLite file: an exploit reported with a signed message
# and verified from recorded evidence, a claim submitted, rejections printed with their reason (exit
# non-zero, nothing written), the incident confirmed, the payout made once, and the journal verified.
# Usage: claims_cli_test.sh PATH_TO_BULWARK
set -u
B=${1:?usage: claims_cli_test.sh PATH_TO_BULWARK}
CLI_BIN=$B
CLI_NAME=claims-cli
# shellcheck source=support/cli.sh
source "$(dirname "${BASH_SOURCE[0]}")/support/cli.sh"
# A rejection also leaves every claims table's row count as it was.
fingerprint() { counts_and_journal incidents claims payouts signatures votes accounts journal; }

for sub in "incident open" "incident report" "incident verify" "incident show" "incident list" "incident resolve" \
  "incident vote" "assessor register" "assessor list" "claim submit" "claim show" "claim list" "payout run" \
  "payout list" "payout show" "payout settle" "payout retry" "incident challenge" "assessor slash" \
  "assessor withdraw" "product terms"; do
  # shellcheck disable=SC2086
  expect_ok "$sub --help" "$B" $sub --help
done

# Keys: the holder and a reporter (test keys, not used anywhere else).
HOLDER_KEY=0x0000000000000000000000000000000000000000000000000000000000001001
REPORTER_KEY=0x0000000000000000000000000000000000000000000000000000000000001007
OTHER_KEY=0x0000000000000000000000000000000000000000000000000000000000001002
VAULT=0x0000000000000000000000000000000000000011
ATTACK=0x0000000000000000000000000000000000000002
EOA=0x0000000000000000000000000000000000000001
TX=0x0000000000000000000000000000000000000000000000000000000000abc001

# Evidence: the attack contract re-enters the vault's withdraw four times, 1 ETH each.
mkdir -p "$WORK/evidence"
E18=0xde0b6b3a7640000
inner="{\"type\":\"CALL\",\"from\":\"$VAULT\",\"to\":\"$ATTACK\",\"value\":\"$E18\",\"input\":\"0x\"}"
for _ in 1 2 3; do
  inner="{\"type\":\"CALL\",\"from\":\"$VAULT\",\"to\":\"$ATTACK\",\"value\":\"$E18\",\"input\":\"0x\",\"calls\":[{\"type\":\"CALL\",\"from\":\"$ATTACK\",\"to\":\"$VAULT\",\"value\":\"0x0\",\"input\":\"0x3ccfd60b\",\"calls\":[$inner]}]}"
done
echo "{\"type\":\"CALL\",\"from\":\"$EOA\",\"to\":\"$ATTACK\",\"value\":\"0x0\",\"input\":\"0xdeadbeef\",\"calls\":[{\"type\":\"CALL\",\"from\":\"$ATTACK\",\"to\":\"$VAULT\",\"value\":\"0x0\",\"input\":\"0x3ccfd60b\",\"calls\":[$inner]}]}" >"$WORK/evidence/$TX.json"
echo '{"block": 101, "time": 1700172800}' >"$WORK/evidence/$TX.meta.json"

expect_ok "asset add" "$B" asset add --chain 1 --symbol ETH --decimals 18
expect_ok "pool create" "$B" pool create --name main --asset ETH
expect_ok "deposit" "$B" pool deposit 1 --owner 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266 --amount 100
expect_ok "product add" "$B" product add --name vault --contract $VAULT --asset ETH --rate-bps 200
expect_ok "product add (unrelated)" "$B" product add --name other --contract 0x0000000000000000000000000000000000000019 --asset ETH --rate-bps 200
expect_ok "pool back" "$B" pool back 1 --product 1 --weight 100
expect_ok "pool back" "$B" pool back 1 --product 2 --weight 100
address_of() {  # the address of a key, from the report message it would sign
  "$B" incident report --product 1 --tx $TX --key "$1" --print-message 2>/dev/null | sed -n 's/^reporter: //p'
}
HOLDER=$(address_of $HOLDER_KEY)
OTHER=$(address_of $OTHER_KEY)
[ -n "$HOLDER" ] && [ -n "$OTHER" ] && ok || bad "no address from --print-message"
expect_ok "buy" "$B" buy --holder "$HOLDER" --product 1 --amount 3 --asset ETH --days 365 --max-premium 1
expect_ok "buy (other holder)" "$B" buy --holder "$OTHER" --product 1 --amount 3 --asset ETH --days 365 --max-premium 1
export BULWARK_NOW=1700176400
expect_ok "report" "$B" --json incident report --product 1 --tx $TX --description "vault drained" --key $REPORTER_KEY --traces "$WORK/evidence"
echo "$out" | grep -q '"status":"verified"' && ok || bad "report not verified: $out"
# A report whose evidence shows no loss to the product: exit non-zero with the reason, recorded as rejected.
if "$B" incident report --product 2 --tx $TX --key $REPORTER_KEY --description other --traces "$WORK/evidence" >"$WORK/out" 2>"$WORK/err"; then
  bad "report on an untouched product accepted"
else
  grep -q "no loss to the product's contracts" "$WORK/err" && ok || bad "rejected report reason: $(cat "$WORK/err")"
fi
expect_ok "incident show" "$B" --json incident show 2
echo "$out" | grep -q '"status":"rejected"' && ok || bad "incident 2 not stored as rejected: $out"
expect_rejected "replayed report" "replay" "$B" incident report --product 1 --tx $TX --description "vault drained" --key $REPORTER_KEY --traces "$WORK/evidence"
expect_rejected "report without evidence source" "evidence source" "$B" incident report --product 1 --tx $TX --key $REPORTER_KEY --description x

CLAIM=("$B" claim submit --policy 1 --incident 1 --tx $TX)
expect_rejected "claim above the proven loss" "more than the proven loss" "${CLAIM[@]}" --claimed 5 --address $VAULT --key $HOLDER_KEY
expect_rejected "claim by the attacker's address" "is an attacker" "${CLAIM[@]}" --claimed 1 --address $ATTACK --key $HOLDER_KEY
expect_rejected "claim by another holder" "only the holder" "${CLAIM[@]}" --claimed 1 --address $VAULT --key $OTHER_KEY
SIG=0x$(printf '%0130d' 0)
expect_rejected "claim with a junk signature" "signature" "${CLAIM[@]}" --claimed 1 --address $VAULT --holder "$HOLDER" --signature "$SIG"
expect_rejected "claimed amount with too many decimals" "decimal" "${CLAIM[@]}" --claimed 1.0000000000000000001 --address $VAULT --key $HOLDER_KEY
expect_ok "claim" "$B" --json claim submit --policy 1 --incident 1 --tx $TX --claimed 4 --address $VAULT --key $HOLDER_KEY
echo "$out" | grep -q '"status":"pending"' && ok || bad "claim not pending: $out"
echo "$out" | grep -q '"payable":"3000000000000000000"' && ok || bad "payable is not min(4, cover 3) - deductible 0: $out"
expect_rejected "second claim on the policy" "already has an open claim" "${CLAIM[@]}" --claimed 1 --address $VAULT --key $HOLDER_KEY
expect_ok "claim list" "$B" --json claim list --incident 1
expect_ok "payout before confirmation" "$B" --json payout run
echo "$out" | grep -q '"count":0' && ok || bad "paid before the incident was confirmed: $out"
expect_rejected "resolve without a decision" "give .*accept" "$B" incident resolve 1 --reason x
expect_ok "resolve" "$B" incident resolve 1 --accept --reason "the chain proves the drain"
expect_ok "payout" "$B" --json payout run
echo "$out" | grep -q '"count":1' && ok || bad "payout run: $out"
echo "$out" | grep -q '"amount":"3000000000000000000"' && ok || bad "payout amount: $out"
expect_ok "payout again" "$B" --json payout run
echo "$out" | grep -q '"count":0' && ok || bad "paid twice: $out"
expect_ok "claim show" "$B" --json claim show 1
echo "$out" | grep -q '"status":"paid"' && ok || bad "claim not paid: $out"
expect_ok "payout list" "$B" payout list
expect_ok "incident list" "$B" incident list --status confirmed
# A parametric product on the same vault: its incident is challenged inside the window with a bond.
expect_ok "parametric product" "$B" product add --name "vault (parametric)" --contract $VAULT --asset ETH --parametric --payout fixed
expect_ok "pool back" "$B" pool back 1 --product 3 --weight 100
expect_ok "report (parametric)" "$B" --json incident report --product 3 --tx $TX --description "vault drained" --key $OTHER_KEY --traces "$WORK/evidence"
PID3=$(echo "$out" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).id))')
expect_rejected "challenge without a bond" "bond above zero" "$B" incident challenge "$PID3" --bond 0 --reason "no exploit" --key $REPORTER_KEY
expect_rejected "challenge of a discretionary incident" "discretionary" "$B" incident challenge 1 --bond 1 --reason x --key $REPORTER_KEY
expect_ok "challenge" "$B" --json incident challenge "$PID3" --bond 0.5 --reason "the loss was a planned migration" --key $REPORTER_KEY
echo "$out" | grep -q '"challenge_ends":0' && ok || bad "challenge did not stop the automatic confirmation: $out"
expect_rejected "second challenge" "already challenged" "$B" incident challenge "$PID3" --bond 1 --reason again --key $OTHER_KEY

# Rewards: an assessor holding none cannot withdraw; the message to sign is printed on request.
ASSESSOR_KEY=0x0000000000000000000000000000000000000000000000000000000000001010
expect_ok "withdrawal message" "$B" assessor withdraw --asset ETH --amount 0.1 --nonce 1 --expiry "$((BULWARK_NOW + 600))" --key $ASSESSOR_KEY --print-message
echo "$out" | grep -q "^Bulwark assessor reward withdrawal" && echo "$out" | grep -q "^amount: 100000000000000000$" && ok ||
  bad "withdrawal message: $out"
expect_rejected "withdrawal of rewards not held" "holds 0" "$B" assessor withdraw --asset ETH --amount 0.1 --nonce 1 --expiry "$((BULWARK_NOW + 600))" --key $ASSESSOR_KEY
expect_rejected "withdrawal of nothing" "above zero" "$B" assessor withdraw --asset ETH --nonce 1 --expiry "$((BULWARK_NOW + 600))" --key $ASSESSOR_KEY
expect_rejected "expired withdrawal" "expired" "$B" assessor withdraw --asset ETH --amount 0.1 --nonce 1 --expiry 1600000000 --key $ASSESSOR_KEY

# Product terms change for later sales only; bad values are refused and change nothing.
expect_rejected "cooling-off out of range" "0..8760" "$B" product terms 1 --cooling-off-hours 9000
expect_rejected "no term given" "no term to change" "$B" product terms 1
expect_rejected "loss trigger on discretionary cover" "parametric cover only" "$B" product terms 1 --trigger-min-loss 1
echo '{"claims": {"cooling_off": 40000000}}' >"$WORK/long_cooling.json"
expect_rejected "deployment cooling-off over a year" "at most 365 days" "$B" --config "$WORK/long_cooling.json" product add --name Long --contract 0x00000000000000000000000000000000000000aa --asset ETH
expect_ok "product terms" "$B" --json product terms 1 --cooling-off-hours 72 --deductible 0.2
echo "$out" | grep -q '"cooling_off":259200' && ok || bad "product terms: $out"
expect_ok "policy keeps its terms" "$B" --json policy show 1
echo "$out" | grep -q '"cooling_off":86400' && ok || bad "policy 1 lost its frozen cooling-off: $out"
expect_ok "ledger verify" "$B" ledger verify

finish
