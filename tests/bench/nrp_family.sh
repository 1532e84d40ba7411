#!/bin/sh
# SPDX-License-Identifier: ISC
# The engine on generated rostering instances of the Curtois & Qu family
# (tests/bench/gen_nrp.c), from 30 staff x 28 days x 3 types to 150 x 364 x 32,
# beside two references: the LP bound of staffd's own column generation
# (`staffd nrp F --lp`: the LP value when its root converged with exact
# pricing, else the best Lagrangian bound of an exact round or of the relaxed
# pricing of daemon/colgen_bound.c, or none) and COIN-OR CBC
# on the instance as an integer program (`--write-lp`, CBC 2.10, 2 threads,
# the same seconds as staffd, killed at 3x that plus a minute when it is still
# reading the file; its incumbent and its bound). staffd runs each
# instance with seeds 1..3, 2 threads; every roster is re-judged by the
# independent checker (a hard violation fails the bench). Per run: the
# objective, wall time from process start to exit and peak memory
# (/usr/bin/time -v), and when the first roster existed (--trace). Then the
# largest instance with a 2 s budget, SHORT_RUNS times (seeds 1..N): the
# medians of its first roster and objective, the worst wall time and memory.
#   tests/bench/nrp_family.sh [STAFFD_BINARY]
#   env: SECONDS=60 SEEDS="1 2 3" THREADS=2 LP_SECONDS=120 GEN_SEED=1
#        FAMILY="30x28x3 60x28x6 100x28x12 150x28x32 50x84x6 100x182x16 150x364x32"
#        NO_CBC=1 NO_LP=1: skip a reference; SHORT_RUNS=5
# Takes about len(FAMILY) x (LP_SECONDS + SECONDS x (1 + len(SEEDS))) seconds.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-$top/build/plain/staffd}
secs=${SECONDS:-60}
seeds=${SEEDS:-1 2 3}
threads=${THREADS:-2}
lp_secs=${LP_SECONDS:-120}
gseed=${GEN_SEED:-1}
family=${FAMILY:-30x28x3 60x28x6 100x28x12 150x28x32 50x84x6 100x182x16 150x364x32}
[ -x /usr/bin/time ] || { echo "nrp_family: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
cc -std=c17 -O2 -o "$tmp/gen_nrp" "$top/tests/bench/gen_nrp.c"

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else print v[int((NR + 1) / 2)] }'; }
maxof() { sort -n | tail -n 1; }
# gap A B: (A - B) / B in percent, "-" without a reference
gap() { awk -v a="$1" -v b="$2" 'BEGIN { if (b == "" || b == "-" || b == "none" || b + 0 <= 0) print "-"; else printf "%.1f%%", 100 * (a - b) / b }'; }
# Every weight of the format is an integer, so is every roster's objective:
# the LP bound rounded up is a bound too (125.82 -> 126).
ceil() { awk -v b="$1" 'BEGIN { if (b == "-") print "-"; else { c = int(b); if (c < b - 1e-6) c++; print c } }'; }

echo "generated family: seed $gseed, staffd $secs s x seeds [$seeds], $threads threads; LP $lp_secs s; CBC $secs s; load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-11s %-9s %-20s %-24s %-8s %-8s %-8s %-8s %-7s %-8s %-9s\n" size lp_bound cbc_incumbent\(bound\) "staffd median [runs]" worst gap_lp gap_cbc wall_s first_s peak_MiB load
bad=0
for size in $family; do
    S=${size%%x*}; rest=${size#*x}; D=${rest%%x*}; T=${rest#*x}
    f=$tmp/g_$size.txt
    "$tmp/gen_nrp" --staff "$S" --days "$D" --types "$T" --seed "$gseed" -o "$f"
    lp=-
    if [ -z "${NO_LP:-}" ]; then
        "$bin" nrp "$f" --lp --seconds "$lp_secs" > "$tmp/lp.out" 2>&1 || true
        # "lp value V, lower bound B (converged), ..."
        lp=$(sed -n 's/^lp value [-0-9.]*, lower bound \([-0-9.]*\).*/\1/p' "$tmp/lp.out")
        case $lp in "" | -inf | inf) lp=- ;; esac
    fi
    cbc=-
    if [ -z "${NO_CBC:-}" ] && command -v cbc > /dev/null; then
        "$bin" nrp "$f" --write-lp "$tmp/i.lp" > /dev/null
        rm -f "$tmp/i.sol"
        # CBC's clock starts after it has read the LP, which on 364-day instances
        # took longer than 24 minutes: the whole call gets a wall limit.
        timeout $((3 * secs + 60)) cbc "$tmp/i.lp" sec "$secs" threads "$threads" solve \
            solu "$tmp/i.sol" > "$tmp/cbc.log" 2>&1 || true
        head1=$(head -n 1 "$tmp/i.sol" 2>/dev/null || echo "no solution")
        inc=$(echo "$head1" | sed -n 's/.*objective value *\([-0-9.e+]*\).*/\1/p')
        case $head1 in *"no integer solution"* | "no solution") inc=none ;; esac
        cb=$(sed -n 's/.*best possible \([-0-9.e+]*\).*/\1/p' "$tmp/cbc.log" | tail -n 1)
        cbc="${inc:-none}(${cb:--})"
    fi
    : > "$tmp/obj"; : > "$tmp/wall"; : > "$tmp/rss"; : > "$tmp/first"
    runs=""
    for seed in $seeds; do
        sol=$tmp/sol.txt
        /usr/bin/time -v "$bin" nrp "$f" --seconds "$secs" --seed "$seed" --threads "$threads" \
            --trace --solution-out "$sol" > "$tmp/out" 2> "$tmp/err" || bad=1
        if ! "$bin" nrp "$f" --check "$sol" > "$tmp/check" 2>&1; then
            echo "$size seed $seed: the checker rejects the roster" >&2
            cat "$tmp/check" "$tmp/err" >&2
            bad=1
        fi
        v=$(awk '/^objective/ { print $2; exit }' "$tmp/check")
        echo "$v" >> "$tmp/obj"
        runs="$runs,$v"
        awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$tmp/err" >> "$tmp/wall"
        awk '/Maximum resident set size/ { printf "%.0f\n", $NF / 1024 }' "$tmp/err" >> "$tmp/rss"
        awk '/^trace/ { print $2; exit }' "$tmp/err" >> "$tmp/first"
    done
    med=$(median < "$tmp/obj")
    cbc_inc=${cbc%%(*}
    printf "%-11s %-9s %-20s %-24s %-8s %-8s %-8s %-8s %-7s %-8s %-9s\n" "$size" "$lp" "$cbc" \
        "$med [${runs#,}]" "$(maxof < "$tmp/obj")" "$(gap "$med" "$(ceil "$lp")")" "$(gap "$med" "$cbc_inc")" \
        "$(maxof < "$tmp/wall")" "$(maxof < "$tmp/first")" "$(maxof < "$tmp/rss")" \
        "$(cut -d' ' -f1 /proc/loadavg)"
done
# The largest instance with a 2 s budget, SHORT_RUNS runs (seeds 1..N): first
# roster, objective, wall time from start to exit, memory; medians and maxima.
last=$(echo "$family" | awk '{ print $NF }')
: > "$tmp/obj2"; : > "$tmp/first2"; : > "$tmp/wall2"; : > "$tmp/rss2"
for s in $(seq "${SHORT_RUNS:-5}"); do
    /usr/bin/time -v "$bin" nrp "$tmp/g_$last.txt" --seconds 2 --seed "$s" --threads "$threads" \
        --trace --solution-out "$tmp/sol2.txt" > "$tmp/out2" 2> "$tmp/err2" || bad=1
    "$bin" nrp "$tmp/g_$last.txt" --check "$tmp/sol2.txt" > "$tmp/check2" 2>&1 || bad=1
    awk '/^objective/ { print $2; exit }' "$tmp/check2" >> "$tmp/obj2"
    awk '/^trace/ { print $2; exit }' "$tmp/err2" >> "$tmp/first2"
    awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s }' "$tmp/err2" >> "$tmp/wall2"
    awk '/Maximum resident set size/ { printf "%.0f\n", $NF / 1024 }' "$tmp/err2" >> "$tmp/rss2"
done
echo "$last, 2 s budget, ${SHORT_RUNS:-5} runs: objective median $(median < "$tmp/obj2")" \
    "[$(tr '\n' ' ' < "$tmp/obj2" | sed 's/ $//')], first roster median $(median < "$tmp/first2") s" \
    "(max $(maxof < "$tmp/first2")), wall max $(maxof < "$tmp/wall2") s, peak max" \
    "$(maxof < "$tmp/rss2") MiB, load $(cut -d' ' -f1 /proc/loadavg)"
exit $bad
