#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs the whole suite: every unit test binary, each fuzz harness over its
# corpus and a few seconds more (one test each), then the integration tests
# against a throwaway PostgreSQL that this script starts and stops. Prints a
# last line "N passed, N failed" and exits non-zero on any failure.
#   tests/run.sh SANITIZER_BUILD_DIR PLAIN_BUILD_DIR [FUZZ_BUILD_DIR]
# Without FUZZ_BUILD_DIR (or with STAFFD_TEST_SKIP_UNIT) the harnesses are
# skipped; STAFFD_TEST_FUZZ_SECONDS (default 3) is each harness's time.
# STAFFD_TEST_NOW=2026-12-14T00:05:00Z runs the integration tests as of another
# instant (default: harness.py's fixed one); STAFFD_TEST_SKIP_UNIT=1 skips the
# unit tests, which read no clock (tests/run_at_times.sh uses both).
set -u
asan=${1:-build/asan}
plain=${2:-build/plain}
fuzz=${3:-}
fuzz_seconds=${STAFFD_TEST_FUZZ_SECONDS:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
passed=0
failed=0
failures=""
out=$(mktemp -d)
pgdir="$top/var/test-pg"
pgport=${STAFFD_TEST_PGPORT:-54339}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$top/tests/lsan.supp:print_suppressions=0}

note_fail() {
    failed=$((failed + 1))
    failures="$failures $1"
}

cleanup() {
    sh tools/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$out"
}
trap cleanup EXIT INT TERM

echo "== starting PostgreSQL for the tests"
rm -rf "$pgdir"
if ! sh tools/pg.sh start "$pgdir" "$pgport"; then
    echo "cannot start PostgreSQL"; echo "0 passed, 1 failed"; exit 1
fi
eval "$(sh tools/pg.sh env "$pgdir" "$pgport")"
export STAFFD_BIN="$top/$asan/staffd" STAFFD_VALGRIND_BIN="$top/$plain/staffd" STAFFD_PG_DIR="$pgdir"
export STAFFD_TEST_DATA="$top/tests/data"

echo "== unit tests ($asan)"
[ -n "${STAFFD_TEST_SKIP_UNIT:-}" ] && echo "(skipped: STAFFD_TEST_SKIP_UNIT)"
for t in "$asan"/tests/test_*; do
    [ -n "${STAFFD_TEST_SKIP_UNIT:-}" ] && break
    [ -x "$t" ] || continue
    name=$(basename "$t")
    log="$out/$name.log"
    "$t" >"$log" 2>&1
    rc=$?
    # cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)..."
    p=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    f=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
    p=${p:-0}; f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        failures="$failures $name"
        echo "FAIL: $name (exit $rc)"; tail -n 40 "$log"
    else
        echo "ok: $name ($p tests)"
    fi
done

# Each harness runs its committed corpus (tests/fuzz/corpus/NAME: seeds and the
# inputs of bugs found before), then fuzzes until fuzz_seconds have passed. New
# inputs go to a scratch directory; a crash is kept in FUZZ_BUILD_DIR/crashes.
echo "== fuzz harnesses (${fuzz:-none}): corpus, then fuzzing to ${fuzz_seconds} s each"
if [ -n "${STAFFD_TEST_SKIP_UNIT:-}" ] || [ -z "$fuzz" ]; then
    echo "(skipped)"
else
    mkdir -p "$fuzz/crashes"
    any=no
    for f in "$fuzz"/fuzzers/fuzz_*; do
        [ -x "$f" ] || continue
        any=yes
        name=$(basename "$f")
        log="$out/$name.log"
        mkdir -p "$out/$name.corpus"
        "$f" -max_total_time="$fuzz_seconds" -timeout=10 -print_final_stats=1 \
            -artifact_prefix="$fuzz/crashes/$name-" "$out/$name.corpus" "tests/fuzz/corpus/$name" \
            >"$log" 2>&1
        rc=$?
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
        if [ "$rc" -eq 0 ]; then
            passed=$((passed + 1))
            echo "ok: $name (${execs:-?} inputs)"
        else
            note_fail "$name"
            echo "FAIL: $name (exit $rc)"
            grep -E -A 12 'oracle failed|ERROR:|runtime error' "$log" | head -n 30
            grep 'Test unit written' "$log"
        fi
    done
    if [ "$any" = no ]; then
        note_fail "fuzz-harnesses"
        echo "FAIL: no fuzz harnesses in $fuzz/fuzzers (make fuzz-build)"
    fi
fi

echo "== integration tests"
for t in tests/integration/test_*.py; do
    [ -f "$t" ] || continue
    name=$(basename "$t" .py)
    log="$out/$name.log"
    timeout 600 /usr/bin/python3 "$t" >"$log" 2>&1
    rc=$?
    p=$(grep -c '^PASS: ' "$log")
    f=$(grep -c '^FAIL: ' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$f" -ne 0 ]; then
        failures="$failures $name"
        echo "FAIL: $name (exit $rc)"; grep -v '^PASS: ' "$log" | tail -n 60
    else
        echo "ok: $name ($p tests)"
    fi
done

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
