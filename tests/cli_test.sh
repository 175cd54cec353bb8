#!/usr/bin/env bash
# CLI behaviour: help and version, a full purchase through the command line, and every kind of bad
# input rejected with a clear message, a non-zero exit code and nothing written.
# Usage: cli_test.sh PATH_TO_BULWARK SHARED_DATA_DIR
set -u
BULWARK=${1:?usage: cli_test.sh PATH_TO_BULWARK SHARED_DATA_DIR}
DATA=${2:?usage: cli_test.sh PATH_TO_BULWARK SHARED_DATA_DIR}
CLI_BIN=$BULWARK
CLI_NAME=cli
# shellcheck source=support/cli.sh
source "$(dirname "${BASH_SOURCE[0]}")/support/cli.sh"

# A rejection also leaves every ledger table's row count as it was.
fingerprint() { counts_and_journal assets products pools backings holdings policies allocations accounts journal; }

B="$BULWARK"
# Help and version.
expect_ok "--help" "$B" --help
echo "$out" | grep -q "pool" && ok || bad "--help does not list the pool command"
expect_ok "version" "$B" version
echo "$out" | grep -qE "^bulwark [0-9]+\.[0-9]+\.[0-9]+" && ok || bad "version output: $out"
for sub in "asset add" "pool create" "pool deposit" "pool withdraw" "pool back" "pool show" "product add" \
  "product list" "product show" "quote" "buy" "policy list" "policy show" "policy cancel" "ledger verify" \
  "ledger export" "ledger books" "demo"; do
  # shellcheck disable=SC2086
  expect_ok "$sub --help" "$B" $sub --help
done

# A full purchase.
USDC=0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48
ALICE=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
BOB=0x70997970C51812dc3A010C7d01b50e0d17dc79C8
VAULT=0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed
expect_ok "asset add USDC" "$B" asset add --chain 1 --token $USDC --symbol USDC --decimals 6
expect_ok "asset add ETH" "$B" asset add --chain 1 --symbol ETH --decimals 18
expect_ok "pool create" "$B" pool create --name main --asset USDC
expect_ok "deposit" "$B" pool deposit 1 --owner $ALICE --amount 1000000
expect_ok "product add" "$B" product add --name vault --contract $VAULT --asset USDC --rate-bps 200
expect_ok "pool back" "$B" pool back 1 --product 1 --weight 50
expect_ok "quote" "$B" --json quote --product 1 --amount 10000 --asset USDC --days 365
echo "$out" | grep -q '"raw":"200000000"' && ok || bad "quote premium is not 200 USDC: $out"
expect_ok "buy" "$B" --json buy --holder $BOB --product 1 --amount 10000 --asset USDC --days 365 --max-premium 200
echo "$out" | grep -q '"status":"active"' && ok || bad "buy output: $out"
expect_ok "policy show" "$B" policy show 1
expect_ok "ledger verify" "$B" ledger verify

# Bad input: each rejected, with its reason, changing nothing.
BUY=("$B" buy --holder $BOB --product 1 --asset USDC --max-premium 1000000)
expect_rejected "negative amount" "negative" "${BUY[@]}" --amount -5 --days 30
expect_rejected "zero amount" "greater than zero" "${BUY[@]}" --amount 0 --days 30
expect_rejected "overflowing amount" "overflow|too large|range|exceeds" "${BUY[@]}" --amount "$(printf '9%.0s' {1..90})" --days 30
expect_rejected "too many decimals" "decimal" "${BUY[@]}" --amount 1.0000001 --days 30
expect_rejected "junk amount" "amount" "${BUY[@]}" --amount 12abc --days 30
expect_rejected "unknown product" "product 99 does not exist" "$B" buy --holder $BOB --product 99 --asset USDC --max-premium 1 --amount 1 --days 30
expect_rejected "period too short" "period" "${BUY[@]}" --amount 100 --days 27
expect_rejected "period too long" "period" "${BUY[@]}" --amount 100 --days 366
expect_rejected "malformed address" "address|hex" "$B" buy --holder 0x1234 --product 1 --asset USDC --max-premium 1 --amount 1 --days 30
expect_rejected "bad checksum" "checksum" "$B" buy --holder 0x70997970c51812dc3A010C7d01b50e0d17dc79C8 --product 1 --asset USDC --max-premium 1 --amount 1 --days 30
expect_rejected "wrong asset" "sold in" "${BUY[@]/USDC/ETH}" --amount 1 --days 30
expect_rejected "premium not paid" "premium" "$B" buy --holder $BOB --product 1 --asset USDC --max-premium 0.5 --amount 10000 --days 365
expect_rejected "over capacity" "capacity" "${BUY[@]}" --amount 990001 --days 30
expect_rejected "unknown asset" "asset" "$B" pool create --name x --asset DAI
expect_rejected "deposit negative" "negative" "$B" pool deposit 1 --owner $ALICE --amount -1
expect_rejected "withdraw locked stake" "free" "$B" pool withdraw 1 --owner $ALICE --amount 999999
expect_rejected "withdraw by a stranger" "holds" "$B" pool withdraw 1 --owner $BOB --amount 1
expect_rejected "cancel by another" "belongs to" "$B" policy cancel 1 --holder $ALICE
expect_rejected "weight out of range" "weight" "$B" pool back 1 --product 1 --weight 101
expect_rejected "missing option" "required" "$B" buy --product 1
expect_rejected "unknown subcommand" "not expected|extras|unknown|following argument|subcommand is required" "$B" pool frobnicate

# Time passes: the cover expires and frees the stake.
BULWARK_NOW=$((1700000000 + 366 * 86400)) expect_ok "expire" "$B" --json policy show 1
echo "$out" | grep -q '"status":"expired"' && ok || bad "policy did not expire: $out"
expect_ok "verify after expiry" "$B" ledger verify

# Export verifies on its own; tampering is caught.
expect_ok "export" "$B" ledger export --out "$WORK/journal.jsonl"
expect_ok "verify export" "$B" ledger verify --file "$WORK/journal.jsonl"
sqlite3 "$BULWARK_DB" "UPDATE accounts SET balance = '1' WHERE key = 'pool:1:capital'"
"$B" ledger verify >/dev/null 2>&1
rc=$?
[ "$rc" -eq 9 ] && ok || bad "ledger verify on a tampered store exited $rc, expected 9"

# Risk calibration on the real incident record.
expect_ok "risk calibrate" "$B" --json risk calibrate --incidents "$DATA/incidents/defi-incidents.json"
echo "$out" | grep -q '"incidents":912' && ok || bad "risk calibrate did not read 912 incidents: $out"
expect_rejected "risk calibrate on a missing file" "cannot read" "$B" risk calibrate --incidents "$WORK/none.json"
echo '[{"date":"yesterday"}]' >"$WORK/bad.json"
expect_rejected "risk calibrate on a bad date" "YYYYMMDD" "$B" risk calibrate --incidents "$WORK/bad.json"

finish
