#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (address and undefined-behaviour sanitizers on) in
# build/fuzz and runs each for SECONDS (default 60), starting from the seed corpus in fuzz/corpus.
# Usage: fuzz/run.sh [SECONDS]   (BULWARK_FUZZ_CXX picks the compiler; clang 16 or newer)
# A crash leaves its input in build/fuzz/crashes/ and fails the script.
set -euo pipefail

seconds=${1:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build/fuzz"
cxx=${BULWARK_FUZZ_CXX:-}
if [ -z "$cxx" ]; then
  for c in clang++-19 clang++-18 clang++-17 clang++-16 clang++; do
    if command -v "$c" >/dev/null; then cxx=$(command -v "$c"); break; fi
  done
fi
if [ -z "$cxx" ]; then
  echo "fuzz: no clang++ found; on Debian 12: apt-get install clang-19 libclang-rt-19-dev" >&2
  exit 1
fi
major=$("$cxx" -dumpversion | cut -d. -f1)
if [ "$major" -lt 16 ]; then
  echo "fuzz: $cxx is clang $major; clang 16 or newer is needed (apt-get install clang-19 libclang-rt-19-dev)" >&2
  exit 1
fi

cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBULWARK_FUZZ=ON -DBULWARK_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" --target rpc_response_fuzz trace_parse_fuzz -j "${JOBS:-2}"

mkdir -p "$build/crashes"
for target in rpc_response trace_parse; do
  corpus="$build/corpus/$target"
  mkdir -p "$corpus"
  cp -n "$root/fuzz/corpus/$target/"* "$corpus/" 2>/dev/null || true
  echo "fuzz: $target for ${seconds}s" >&2
  "$build/fuzz/${target}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -dict="$root/fuzz/json.dict" -artifact_prefix="$build/crashes/${target}-" -print_final_stats=1 "$corpus"
done
