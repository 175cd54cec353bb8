#!/usr/bin/env bash
# What the command-line test scripts share: a temporary store and a pinned clock, pass and fail
# counts, and the expect_ok / expect_rejected checks.
#
# Set CLI_BIN (the bulwark binary) and CLI_NAME (a short name: the store file and the summary line)
# before sourcing this file. A script whose rejections must leave more than the journal unchanged
# redefines fingerprint() after sourcing.
WORK=$(mktemp -d "/tmp/bulwark-$CLI_NAME-XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export BULWARK_DB="$WORK/$CLI_NAME.db"
export BULWARK_NOW=1700000000
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() {
  failed=$((failed + 1))
  echo "FAIL: $*" >&2
}

# expect_ok DESCRIPTION CMD...: the command succeeds; its stdout is left in $out.
expect_ok() {
  local what=$1
  shift
  if out=$("$@" 2>"$WORK/err"); then ok; else bad "$what: exit $? ($(cat "$WORK/err"))"; fi
}

# The row counts of the tables named (in the SQLite store) and the journal export's hash.
counts_and_journal() {
  for t in "$@"; do
    printf '%s=%s ' "$t" "$(sqlite3 "$BULWARK_DB" "SELECT COUNT(*) FROM $t")"
  done
  "$CLI_BIN" ledger export 2>/dev/null | sha256sum | cut -c1-16
}

# The state a rejected command must leave as it was: by default the journal.
fingerprint() { counts_and_journal; }

# expect_rejected DESCRIPTION PATTERN CMD...: non-zero exit, stderr matches PATTERN (extended
# regular expression, any case), and fingerprint() unchanged.
expect_rejected() {
  local what=$1 pattern=$2
  shift 2
  local before after rc
  before=$(fingerprint)
  "$@" >"$WORK/out" 2>"$WORK/err"
  rc=$?
  after=$(fingerprint)
  if [ "$rc" -eq 0 ]; then
    bad "$what: accepted (exit 0)"
  elif ! grep -qiE "$pattern" "$WORK/err"; then
    bad "$what: message '$(cat "$WORK/err")' does not match /$pattern/"
  elif [ "$before" != "$after" ]; then
    bad "$what: state changed ($before -> $after)"
  else
    ok
  fi
}

# Prints the summary line; fails when any check failed.
finish() {
  echo "$CLI_NAME: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
