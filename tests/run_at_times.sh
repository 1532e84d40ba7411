#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs the integration tests as of several fixed instants spread over a day,
# across a week boundary (Sunday to Monday, UTC) and across a daylight-saving
# change, to show that no test depends on the hour or the date it runs at.
#   tests/run_at_times.sh [INSTANT...]     (make check-times; builds first)
# Each instant is the tests' clock (STAFFD_TEST_NOW, harness.py); one summary
# line per instant, then "N instants passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
if [ $# -eq 0 ]; then
    set -- 2026-12-13T23:50:00Z 2026-12-14T00:05:00Z 2026-12-14T06:00:00Z \
        2026-12-14T12:00:00Z 2026-12-14T16:05:00Z 2026-12-14T20:30:00Z 2027-03-28T00:50:00Z
fi
ok=0
bad=0
for at in "$@"; do
    log=$(mktemp)
    STAFFD_TEST_NOW=$at STAFFD_TEST_SKIP_UNIT=1 sh tests/run.sh build/asan build/plain >"$log" 2>&1
    rc=$?
    summary=$(tail -n 1 "$log")
    echo "$at: $summary"
    if [ "$rc" -eq 0 ]; then
        ok=$((ok + 1))
    else
        bad=$((bad + 1))
        grep '^FAIL' "$log" | head -n 20
    fi
    rm -f "$log"
done
echo "$ok instants passed, $bad failed"
[ "$bad" -eq 0 ]
