#!/usr/bin/env bash
# CLI behaviour of `bulwark risk ...` and the quote breakdown: scoring a product changes its price
# to max(floor, market) with a breakdown that adds up, live signals suspend and raise prices,
# simulate/stress/report run on the book, and bad input is rejected with nothing written.
# Usage: risk_cli_test.sh PATH_TO_BULWARK SHARED_DATA_DIR
set -u
B=${1:?usage: risk_cli_test.sh PATH_TO_BULWARK SHARED_DATA_DIR}
DATA=${2:?usage: risk_cli_test.sh PATH_TO_BULWARK SHARED_DATA_DIR}
INCIDENTS="$DATA/incidents/defi-incidents.json"
CLI_BIN=$B
CLI_NAME=risk-cli
# shellcheck source=support/cli.sh
source "$(dirname "${BASH_SOURCE[0]}")/support/cli.sh"
# jq-free JSON field reads through python3.
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval('d'+sys.argv[1]))" "$1"; }

for sub in "risk calibrate" "risk set" "risk signal" "risk review" "risk score" "risk simulate" "risk stress" "risk report"; do
  # shellcheck disable=SC2086
  expect_ok "$sub --help" "$B" $sub --help
done

USDC=0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48
ALICE=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
BOB=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
VAULT=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed
expect_ok "asset" "$B" asset add --chain 1 --token $USDC --symbol USDC --decimals 6
expect_ok "pool" "$B" pool create --name main --asset USDC
expect_ok "deposit" "$B" pool deposit 1 --owner $ALICE --amount 1000000
expect_ok "product 1" "$B" product add --name vault --contract $VAULT --asset USDC
expect_ok "product 2" "$B" product add --name lender --contract $VAULT --asset USDC
expect_ok "back 1" "$B" pool back 1 --product 1 --weight 50
expect_ok "back 2" "$B" pool back 1 --product 2 --weight 50

# Unscored: the market price, with its breakdown.
expect_ok "quote unscored" "$B" --json quote --product 1 --amount 10000 --asset USDC --days 365
[ "$(echo "$out" | field '["breakdown"]["binding"]')" = market ] && ok || bad "unscored quote not at the market price: $out"
expect_ok "score unscored" "$B" risk score 1
echo "$out" | grep -q "unscored" && ok || bad "risk score does not say unscored: $out"

# Scored: the floor binds for a risky profile, and the breakdown adds up to the premium exactly.
expect_ok "risk set" "$B" risk set 1 --tvl 2e7 --audits 0 --oracle spot --upgradeability admin_key --dependency bridge:wormhole
echo "$out" | grep -q "bridge:wormhole" && ok || bad "risk set does not list the dependency: $out"
expect_ok "quote scored" "$B" --json quote --product 1 --amount 10000 --asset USDC --days 365
q=$out
[ "$(echo "$q" | field '["breakdown"]["binding"]')" = floor ] && ok || bad "risky product not priced at its floor: $q"
sum=$(echo "$q" | python3 -c "import json,sys; b=json.load(sys.stdin)['breakdown']; print(sum(int(b[k]['raw']) for k in ('pure_premium','capital_cost','fees','market_loading')))")
[ "$sum" = "$(echo "$q" | field '["premium"]["raw"]')" ] && ok || bad "breakdown sums to $sum, not the premium: $q"
echo "$q" | grep -q '"factors"' && ok || bad "scored quote lists no risk factors"
expect_ok "quote text" "$B" quote --product 1 --amount 10000 --asset USDC --days 365
echo "$out" | grep -q "pure premium" && echo "$out" | grep -q "utilisation bump" && echo "$out" | grep -q "capital cost" && ok || bad "quote text lacks the breakdown: $out"
premium=$(echo "$q" | field '["premium"]["value"]')
expect_ok "buy scored" "$B" --json buy --holder $BOB --product 1 --amount 10000 --asset USDC --days 365 --max-premium "$premium"
[ "$(echo "$out" | field '["premium"]["value"]')" = "$premium" ] && ok || bad "bought at a different premium: $out"
expect_ok "buy unscored" "$B" buy --holder $BOB --product 2 --amount 200000 --asset USDC --days 365 --max-premium 100000
expect_ok "score scored" "$B" --json risk score 1
[ "$(echo "$out" | field '["scored"]')" = True ] && ok || bad "risk score: $out"

# Live signals: an incident suspends sales until reviewed; a lesser finding raises the price.
expect_ok "signal incident" "$B" risk signal 2 --severity incident --kind exploit_in_progress
expect_rejected "buy while suspended" "suspended" "$B" buy --holder $BOB --product 2 --amount 10 --asset USDC --days 30 --max-premium 10
expect_ok "review" "$B" risk review 2 1
expect_ok "signal medium" "$B" risk signal 2 --severity medium --kind oracle_deviation
expect_ok "quote flagged" "$B" --json quote --product 2 --amount 10000 --asset USDC --days 365
[ "$(echo "$out" | field '["breakdown"]["target_price_bps"]')" = 300 ] && ok || bad "medium finding did not raise the target to 300 bps: $out"
expect_rejected "review unknown signal" "no open signal" "$B" risk review 2 9
expect_rejected "bad severity" "severity" "$B" risk signal 2 --severity dire --kind x
expect_rejected "bad oracle" "oracle" "$B" risk set 1 --oracle magic
expect_rejected "bad tvl" "tvl" "$B" risk set 1 --tvl -5
expect_rejected "bad dependency" "kind:name" "$B" risk set 1 --dependency wormhole
expect_rejected "unknown product" "product 9 does not exist" "$B" risk set 9 --tvl 1e6
expect_ok "verify" "$B" ledger verify

# The capital model on the book, the stress years and the report.
expect_ok "simulate" "$B" --json risk simulate --paths 20000 --seed 3
s1=$out
python3 -c "import json,sys; b=json.loads(sys.argv[1])['books'][0]; assert b['years']==20000 and b['tvar']>=b['var']>0 and abs(sum(p['marginal_capital'] for p in b['products'])-b['tvar'])<1e-6*b['tvar'], b" "$s1" && ok || bad "simulate output: $s1"
expect_ok "simulate again" "$B" --json risk simulate --paths 20000 --seed 3 --threads 1
[ "$out" = "$s1" ] && ok || bad "simulate is not deterministic for a seed across thread counts"
expect_ok "simulate text" "$B" risk simulate --paths 20000
echo "$out" | grep -q "VaR 99.5%" && echo "$out" | grep -q "solvency ratio" && ok || bad "simulate text: $out"
expect_ok "stress" "$B" --json risk stress --incidents "$INCIDENTS" --paths 5000
python3 -c "import json,sys; y=json.loads(sys.argv[1])['books'][0]['years']; assert [r['year'] for r in y]==[2021,2022,2023,2024,2025] and all(r['mean_loss']>0 for r in y), y" "$out" && ok || bad "stress output: $out"
expect_ok "report" "$B" risk report --out "$WORK/report.html" --incidents "$INCIDENTS" --paths 5000
[ "$(grep -c '<svg' "$WORK/report.html")" -eq 3 ] && grep -q "VaR 99.5%" "$WORK/report.html" && grep -q "TVaR" "$WORK/report.html" && ok || bad "report lacks its three plots"
expect_rejected "report without --out" "required" "$B" risk report --incidents "$INCIDENTS"
expect_rejected "stress on a missing file" "cannot read" "$B" risk stress --incidents "$WORK/none.json"
expect_rejected "zero paths" "paths" "$B" risk simulate --paths 0

finish
