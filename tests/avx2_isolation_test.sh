#!/usr/bin/env bash
# chain/trace's AVX2 kernels are chosen at run time; the build targets baseline x86-64. Checks that in
# the object file only those kernels hold AVX (VEX-encoded or ymm) instructions, and that they have
# internal linkage: no AVX2-compiled copy of a shared inline or template function (a std::vector<Frame>
# member, a simdjson helper) is there for the linker to pick for the whole program.
# Usage: avx2_isolation_test.sh OBJECT...
set -euo pipefail
kernels='all_hex_avx2|all_hex_avx512|hex_run_avx2|hex_run_avx512|hex_mask32|not_hex_mask64'
status=0
for obj in "$@"; do
  outside=$(objdump -d --no-show-raw-insn -C "$obj" |
    awk -v k="$kernels" '/^[0-9a-f]+ <.*>:$/ { fn = $0 } /:\t(v[a-z0-9]+) |%ymm/ { if (fn !~ k) print fn }' | sort -u)
  if [ -n "$outside" ]; then
    echo "FAIL: $obj: AVX instructions outside the dispatched kernels:" >&2
    echo "$outside" >&2
    status=1
  fi
  symbols=$(nm -C "$obj")
  exported=$(echo "$symbols" | grep -E "$kernels" | awk '$2 != "t"' || true)
  if [ -n "$exported" ]; then
    echo "FAIL: $obj: a kernel is not local:" >&2
    echo "$exported" >&2
    status=1
  fi
  if ! echo "$symbols" | grep 'all_hex_avx2' >/dev/null; then
    echo "FAIL: $obj: no AVX2 kernel (all_hex_avx2) at all" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] && echo "avx2 isolation: only the local kernels use AVX in $*"
exit "$status"
