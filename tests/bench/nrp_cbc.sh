#!/bin/sh
# SPDX-License-Identifier: ISC
# The same instances as an integer program (`staffd nrp FILE --write-lp`) solved
# by COIN-OR CBC (apt-get install coinor-cbc) with the same time limit, beside
# staffd's engine (one run, seed 1) and the best known value.
#   tests/bench/nrp_cbc.sh [STAFFD_BINARY]
#   env: SECONDS=60 INSTANCES="1 ... 12" THREADS=2 (CBC threads and staffd threads)
#        NO_STAFFD=1: CBC only (the staffd column is "-"; e.g. take it from nrp_bench.sh)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$top/build/staffd}
data=$top/tests/data/nrp
secs=${SECONDS:-60}
insts=${INSTANCES:-1 2 3 4 5 6 7 8 9 10 11 12}
threads=${THREADS:-2}
command -v cbc > /dev/null || { echo "cbc not found: apt-get install coinor-cbc" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf "%-9s %-10s %-12s %-12s %-12s %s\n" instance best_known staffd cbc cbc_bound cbc_status
for i in $insts; do
    best=$(awk -F, -v i="$i" '$1 == i { print $5 }' "$data/best_known.csv")
    ours=-
    if [ -z "${NO_STAFFD:-}" ]; then
        ours=$("$bin" nrp "$data/Instance$i.txt" --seconds "$secs" --seed 1 --threads "$threads" |
            awk '/^objective/ { print $2; exit }')
    fi
    "$bin" nrp "$data/Instance$i.txt" --write-lp "$tmp/i.lp" > /dev/null
    rm -f "$tmp/i.sol"
    cbc "$tmp/i.lp" sec "$secs" threads "$threads" solve solu "$tmp/i.sol" > "$tmp/cbc.log" 2>&1 || true
    # First line of CBC's solution file: "Optimal - objective value 607.00000000" or
    # "Stopped on time - objective value ..."
    head1=$(head -n 1 "$tmp/i.sol" 2>/dev/null || echo "no solution")
    obj=$(echo "$head1" | sed -n 's/.*objective value *\([-0-9.e+]*\).*/\1/p')
    status=$(echo "$head1" | sed 's/ - objective value.*//')
    # Without an integer solution CBC writes the LP relaxation's value: not a roster.
    case $status in *"no integer solution"*) obj=none ;; esac
    # Lower bound from the log ("Objective value ... best possible ..."), if any.
    bound=$(sed -n 's/.*best possible \([-0-9.e+]*\).*/\1/p' "$tmp/cbc.log" | tail -n 1)
    printf "%-9s %-10s %-12s %-12s %-12s %s\n" "$i" "$best" "$ours" "${obj:-none}" "${bound:--}" "$status"
done
