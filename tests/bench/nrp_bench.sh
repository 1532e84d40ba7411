#!/bin/sh
# SPDX-License-Identifier: ISC
# Curtois & Qu benchmark: solves instances 1-12 with staffd's engine and prints,
# per instance and time limit, the median objective over the seeds beside the
# best known value (tests/data/nrp/best_known.csv). Every solution is re-judged
# by the independent checker (`staffd nrp FILE --check`); a hard violation
# fails the run. After the runs: how many of them branch and price proved
# optimal, and the median wall time of all of them (a proof ends a run
# early). Takes up to len(SECONDS) * len(SEEDS) * 12 * S seconds: run by hand.
#   tests/bench/nrp_bench.sh [STAFFD_BINARY]
#   env: SECONDS_LIST="10 60" SEEDS="1 2 3" INSTANCES="1 2 ... 12" THREADS=2
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$top/build/staffd}
data=$top/tests/data/nrp
secs=${SECONDS_LIST:-10 60}
seeds=${SEEDS:-1 2 3}
insts=${INSTANCES:-1 2 3 4 5 6 7 8 9 10 11 12}
threads=${THREADS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf "%-9s %-10s" instance best_known
for s in $secs; do printf " %-22s %-16s" "${s}s median [runs]" "proved, time"; done
printf "\n"
bad=0
for i in $insts; do
    best=$(awk -F, -v i="$i" '$1 == i { print $5 }' "$data/best_known.csv")
    printf "%-9s %-10s" "$i" "$best"
    for s in $secs; do
        vals=""
        times=""
        proved=0
        for seed in $seeds; do
            sol=$tmp/sol_${i}_${s}_$seed.txt
            "$bin" nrp "$data/Instance$i.txt" --seconds "$s" --seed "$seed" \
                --threads "$threads" --solution-out "$sol" > "$tmp/out" 2>&1 || bad=1
            if ! "$bin" nrp "$data/Instance$i.txt" --check "$sol" > "$tmp/check" 2>&1; then
                echo "instance $i seed $seed: checker rejects the solution" >&2
                cat "$tmp/check" >&2
                bad=1
            fi
            v=$(awk '/^objective/ { print $2; exit }' "$tmp/check")
            vals="$vals $v"
            times="$times $(awk '/^engine objective/ { print $(NF - 1) }' "$tmp/out")"
            if grep -q '^branch and price: .* optimal' "$tmp/out"; then proved=$((proved + 1)); fi
        done
        med=$(echo $vals | tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
        tmed=$(echo $times | tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
        printf " %-22s %-16s" "$med [$(echo $vals | tr ' ' ',')]" "$proved/$(echo $seeds | wc -w), ${tmed} s"
    done
    printf "\n"
done
exit $bad
