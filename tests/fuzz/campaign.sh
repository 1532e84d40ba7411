#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs the libFuzzer harnesses of tests/fuzz/ (built by `make fuzz-build` into
# build/fuzz/fuzzers/) for a given time each, at nice 19, and prints one line
# per harness: seconds run, executions, coverage (cov: edges, ft: features,
# from libFuzzer's last status line), corpus size and crashes.
#   tests/fuzz/campaign.sh [-j JOBS] [-b BUILD_DIR] SECONDS [HARNESS...]
# -j 2 runs two harnesses at a time (the machine has 2 cores; other work
# shares them). Each harness starts from its committed seeds
# (tests/fuzz/corpus/NAME) plus what earlier campaigns found
# (BUILD_DIR/corpus/NAME, where new inputs go); crashes, leaks, timeouts and
# failed oracles are saved as BUILD_DIR/crashes/NAME-*. The table is also
# appended to BUILD_DIR/campaigns.txt. `make fuzz FUZZ_SECONDS=N` is
# `campaign.sh N` over every harness. Exit status 1 if any harness crashed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
jobs=1
build=build/fuzz
# The sanitizer options of tests/run.sh, so a campaign and make check judge alike.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# One harness, in the background of the main invocation (see the xargs below).
if [ "${1:-}" = "--one" ]; then
    name=$2 seconds=$3 build=$4
    bin="$build/fuzzers/$name"
    work="$build/corpus/$name"
    crashes="$build/crashes"
    log="$build/logs/$name.log"
    mkdir -p "$work" "$crashes" "$build/logs"
    start=$(date +%s)
    nice -n 19 "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$crashes/$name-" "$work" "tests/fuzz/corpus/$name" \
        >"$log" 2>&1
    rc=$?
    end=$(date +%s)
    found=$(grep -c 'Test unit written to' "$log")
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    status=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -n 1)
    cov=$(echo "$status" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(echo "$status" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corpus=$(echo "$status" | sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p')
    printf '%-24s %8s %12s %7s %7s %7s %8s\n' "$name" "$((end - start))" "${execs:-?}" \
        "${cov:-?}" "${ft:-?}" "${corpus:-?}" "$found"
    if [ "$rc" -ne 0 ]; then
        echo "  $name exited $rc; see $log" >&2
        grep -E 'ERROR|oracle failed|SUMMARY|Test unit written' "$log" | head -n 8 >&2
        exit 1
    fi
    exit 0
fi

while getopts j:b: opt; do
    case $opt in
    j) jobs=$OPTARG ;;
    b) build=$OPTARG ;;
    *) echo "usage: tests/fuzz/campaign.sh [-j JOBS] [-b BUILD_DIR] SECONDS [HARNESS...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -lt 1 ]; then
    echo "usage: tests/fuzz/campaign.sh [-j JOBS] [-b BUILD_DIR] SECONDS [HARNESS...]" >&2
    exit 2
fi
seconds=$1
shift
if [ $# -eq 0 ]; then
    for b in "$build"/fuzzers/fuzz_*; do
        [ -x "$b" ] && set -- "$@" "$(basename "$b")"
    done
fi
if [ $# -eq 0 ]; then
    echo "no harnesses in $build/fuzzers: run make fuzz-build first" >&2
    exit 2
fi
for name in "$@"; do
    if [ ! -x "$build/fuzzers/$name" ]; then
        echo "no harness $build/fuzzers/$name" >&2
        exit 2
    fi
done

mkdir -p "$build"
# The code fuzzed: the commit at the start, marked when sources differ from it.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- daemon include tests/fuzz 2>/dev/null || commit="$commit+changes"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)
table=$(mktemp)
header=$(printf '%-24s %8s %12s %7s %7s %7s %8s' harness seconds execs cov ft corpus crashes)
echo "$header"
# xargs exits 123 when any run failed; the pipe into tee would hide that, so it goes to a file.
{
    printf '%s\n' "$@" | xargs -P "$jobs" -I NAME sh "$0" --one NAME "$seconds" "$build"
    echo $? >"$table.rc"
} | tee "$table"
rc=$(cat "$table.rc")
failed=$(awk '$7 != 0 { n++ } END { print n + 0 }' "$table")
{
    echo "# $started $commit -j $jobs, $seconds s each"
    echo "$header"
    cat "$table"
} >>"$build/campaigns.txt"
rm -f "$table" "$table.rc"
[ "$failed" -eq 0 ] && [ "$rc" -eq 0 ]
