#!/bin/sh
# SPDX-License-Identifier: ISC
# Contact-centre scale: plans generated sites of 100, 1,000 and 10,000 agents
# (tests/bench/gen_site.c, 28 days of 15-minute cells) with growing wall-clock
# budgets, one process per run under /usr/bin/time -v, and reports where the
# shortage stops improving (the plateau), the shortage, shifts and peak memory;
# then the LP lower bound on the 100-agent site's shortage (CBC) beside
# staffd's shortage. Figures and their reading: docs/scale.md.
#
#   sh tests/bench/scale.sh
# env:
#   SCALE_SIZES="100 1000 10000"
#   SCALE_BUDGETS_100="1 2 5 10 30"  SCALE_BUDGETS_1000="1 2 5 10 30 60"
#   SCALE_BUDGETS_10000="10 30 60 120 300"   (seconds of engine budget)
#   SCALE_RUNS_100=3 SCALE_RUNS_1000=3 SCALE_RUNS_10000=1  (plan seeds 1..R; medians)
#   SCALE_THREADS=1      engine search threads
#   SCALE_FULL=1         run every budget, not only until the plateau
#   SCALE_LP=0           skip the LP bound (needs cbc: apt-get install coinor-cbc)
#   SCALE_SEED=1         site seed
#   ARRIVALS=demo/anonbank_arrivals_30min.csv (the bank arrivals; demo/README.md)
#   SCALE_OUT=dir        keep every run's output there (default: a temporary dir)
# Plateau: the first budget whose (median) shortage the next budget improves by
# no more than 0.5 %.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
sizes=${SCALE_SIZES:-100 1000 10000}
threads=${SCALE_THREADS:-1}
seed=${SCALE_SEED:-1}
arrivals=${ARRIVALS:-$top/demo/anonbank_arrivals_30min.csv}
[ -r "$arrivals" ] || { echo "scale: arrivals CSV not found: $arrivals (set ARRIVALS)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "scale: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }
if [ -n "${SCALE_OUT:-}" ]; then
    work=$SCALE_OUT
    mkdir -p "$work"
else
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT INT TERM
fi

make --no-print-directory BUILD=build/plain all >/dev/null
cc -std=c17 -O2 -g -D_GNU_SOURCE -Iinclude $(pkg-config --cflags libcjson libpq) \
    -o "$work/bench_scale" tests/bench/bench_scale.c tests/bench/gen_site.c \
    tests/bench/lp_bound.c build/plain/libstaffd.a \
    $(pkg-config --libs libpq libuv libcjson libical libh2o libsystemd libcrypto) -lglpk -lm -lpthread

# value KEY FILE: the value of a `key value` line of bench_scale's output.
value() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }
median() { sort -n | awk '{v[NR]=$1} END {if (NR == 0) print "-"; else print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
maxof() { sort -n | tail -n 1; }

# run N BUDGET PLANSEED: one process; leaves $work/r-N-B-P.{out,time}.
run() {
    f="$work/r-$1-$2-$3"
    /usr/bin/time -v "$work/bench_scale" --agents "$1" --csv "$arrivals" --seed "$seed" \
        --seconds "$2" --plan-seed "$3" --threads "$threads" >"$f.out" 2>"$f.time" || {
        echo "scale: bench_scale failed (agents $1, budget $2 s):" >&2; tail -n 5 "$f.time" >&2; exit 1; }
    [ "$(value plan_check "$f.out")" = ok ] || {
        echo "scale: the plan breaks a rule (agents $1, budget $2 s): $(grep plan_check "$f.out")" >&2; exit 1; }
}

summary="$work/summary.txt"
: >"$summary"
printf "%-7s %-8s %-4s %-13s %-9s %-8s %-9s %-9s %-9s\n" agents budget_s runs shortage_min short_% shifts wall_s rss_MiB warnings
for n in $sizes; do
    eval "budgets=\${SCALE_BUDGETS_$n:-}"
    eval "runs=\${SCALE_RUNS_$n:-}"
    if [ -z "$budgets" ]; then
        case $n in
        100) budgets="1 2 5 10 30" ;;
        1000) budgets="1 2 5 10 30 60" ;;
        *) budgets="10 30 60 120 300" ;;
        esac
    fi
    if [ -z "$runs" ]; then
        if [ "$n" -ge 10000 ]; then runs=1; else runs=3; fi
    fi
    prev=""
    prev_b=""
    plateau=""
    for b in $budgets; do
        : >"$work/sh.txt"; : >"$work/wall.txt"; : >"$work/rss.txt"; : >"$work/shifts.txt"; : >"$work/pct.txt"
        warn=0
        for p in $(seq "$runs"); do
            run "$n" "$b" "$p"
            f="$work/r-$n-$b-$p"
            value plan_shortage_min "$f.out" >>"$work/sh.txt"
            value plan_shortage_pct "$f.out" >>"$work/pct.txt"
            value plan_wall_s "$f.out" >>"$work/wall.txt"
            value plan_shifts "$f.out" >>"$work/shifts.txt"
            awk '/Maximum resident set size/ { printf "%.0f\n", $NF / 1024 }' "$f.time" >>"$work/rss.txt"
            warn=$(value plan_warnings "$f.out")
        done
        sh=$(median <"$work/sh.txt")
        printf "%-7s %-8s %-4s %-13s %-9s %-8s %-9s %-9s %-9s\n" "$n" "$b" "$runs" "$sh" \
            "$(median <"$work/pct.txt")" "$(median <"$work/shifts.txt")" \
            "$(median <"$work/wall.txt")" "$(maxof <"$work/rss.txt")" "$warn"
        echo "$n $b $sh $(median <"$work/wall.txt") $(maxof <"$work/rss.txt") $(median <"$work/shifts.txt") $(median <"$work/pct.txt")" >>"$work/series-$n.txt"
        if [ -n "$prev" ] && [ -z "$plateau" ]; then
            if awk -v a="$prev" -v c="$sh" 'BEGIN { exit !((a - c) <= 0.005 * a) }'; then
                plateau=$prev_b
                [ -n "${SCALE_FULL:-}" ] || break
            fi
        fi
        prev=$sh
        prev_b=$b
    done
    [ -n "$plateau" ] || plateau="> $prev_b"
    echo "$n $plateau" >>"$summary"
done

echo
echo "== plateau (first budget the next one improves by <= 0.5 %)"
printf "%-7s %-10s %-13s %-9s %-8s %-9s %-9s\n" agents plateau_s shortage_min short_% shifts wall_s rss_MiB
while read -r n pl; do
    case $pl in
    ">"*) line=$(tail -n 1 "$work/series-$n.txt") ;;
    *) line=$(awk -v b="$pl" '$2 == b' "$work/series-$n.txt") ;;
    esac
    echo "$line" | awk -v pl="$pl" '{ printf "%-7s %-10s %-13s %-9s %-8s %-9s %-9s\n", $1, pl, $3, $7, $6, $4, $5 }'
done <"$summary"

if [ "${SCALE_LP:-1}" != 0 ]; then
    echo
    echo "== LP lower bound, 100 agents (CBC), against staffd"
    if ! command -v cbc >/dev/null 2>&1; then
        echo "cbc not found: apt-get install coinor-cbc (skipped)"
    else
        "$work/bench_scale" --agents 100 --csv "$arrivals" --seed "$seed" --no-plan \
            --lp "$work/site100.lp" >"$work/lp.out"
        cbc "$work/site100.lp" solve solu "$work/site100.sol" >"$work/cbc.log" 2>&1 || true
        head1=$(head -n 1 "$work/site100.sol" 2>/dev/null || echo "no solution")
        bound=$(echo "$head1" | sed -n 's/^Optimal - objective value *\([-0-9.e+]*\).*/\1/p')
        cbc_s=$(sed -n 's/.*Wallclock seconds): *\([0-9.]*\).*/\1/p' "$work/cbc.log" | tail -n 1)
        echo "LP: $(value lp_vars "$work/lp.out") variables, $(value lp_rows "$work/lp.out") rows," \
            "$(value lp_nonzeros "$work/lp.out") nonzeros; CBC: $head1 (${cbc_s:-?} s)"
        if [ -n "$bound" ] && [ -f "$work/series-100.txt" ]; then
            printf "%-10s %-14s %-13s %-8s\n" budget_s staffd_min lp_bound_min gap_%
            while read -r n b sh rest; do
                awk -v b="$b" -v s="$sh" -v l="$bound" \
                    'BEGIN { printf "%-10s %-14s %-13.0f %-8.2f\n", b, s, l, (l > 0 ? 100 * (s - l) / l : 0) }'
            done <"$work/series-100.txt"
            echo "(gap = (staffd - bound) / bound; target <= 5 %)"
        fi
    fi
fi
