#!/bin/sh
# SPDX-License-Identifier: ISC
# The chaos run on its own (`make chaos`): tests/integration/test_chaos.py with
# the daemon of BUILD_DIR (default build/asan), for $CHAOS_SECONDS (default
# 300) of faults. The test starts, kills and removes a PostgreSQL cluster of
# its own; no other cluster is touched. $CHAOS_SEED repeats the steps of an
# earlier run (its seed is the first line printed).
#   tools/chaos.sh [BUILD_DIR]
set -u
build=${1:-build/asan}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
[ -x "$build/staffd" ] || { echo "chaos.sh: $build/staffd is not built" >&2; exit 2; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}
export STAFFD_BIN="$top/$build/staffd"
export STAFFD_CHAOS_SECONDS=${CHAOS_SECONDS:-${STAFFD_CHAOS_SECONDS:-300}}
if [ -n "${CHAOS_SEED:-}" ]; then
    export STAFFD_CHAOS_SEED="$CHAOS_SEED"
fi

log=$(mktemp)
/usr/bin/python3 tests/integration/test_chaos.py 2>"$log"
rc=$?
if [ "$rc" -ne 0 ]; then
    echo "== diagnostics (stderr)"
    tail -n 80 "$log"
fi
rm -f "$log"
exit "$rc"
