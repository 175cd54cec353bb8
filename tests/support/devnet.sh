# Sourced by the anvil tests: the binary under test ($1), a work folder removed at exit, the devnet
# contracts compiled, and anvil started on a free port (ANVIL_STEPS_TRACING passes through). Sets
# BULWARK, ROOT, DEVNET, WORK, PID, URL; the caller's cwd becomes devnet/.
set -euo pipefail
BULWARK="$(realpath "$1")"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DEVNET="$ROOT/devnet"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/bulwark-devnet.XXXXXX")"
PID=""
devnet_cleanup() {
  local rc=$?
  [ -n "$PID" ] && "$DEVNET/run-anvil.sh" stop "$PID" || true
  rm -rf "$WORK"
  exit $rc
}
trap devnet_cleanup EXIT
cd "$DEVNET"
node compile.js >/dev/null
read -r PORT PID < <(ANVIL_LOG="$WORK/anvil.log" ./run-anvil.sh start)
URL="http://127.0.0.1:$PORT"
