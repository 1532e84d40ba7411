#!/bin/sh
# SPDX-License-Identifier: ISC
# One agent's change to the agent's feed (issue #17): `make bench` runs it.
# Two sites, each planned by the daemon with its defaults (1 s plans, 14-day
# horizon) in two settings, one after the other on the same database:
#   baseline  quick_plan = no, quick_debounce_ms = 300: the behaviour before
#             quick plans (every change waits 300 ms, then a full plan)
#   quick     the defaults: a quick plan of the agent and its neighbourhood
#             after 20 ms, the full search once the site is quiet
# and per setting and case CHANGE_TRIALS (20) changes (tests/bench/change_latency.py):
#   time_off      a time off over one agent's shift, each trial another agent's
#   availability  a new agent's week of availability, each trial a new agent
# median and p95 from the commit to the changed feed, and the quick plan's
# quality against the full plan after it.
# Sites: the demo (153 agents), and the generated 1,000-agent site
# (tests/bench/gen_site.c, as console.sh) planned as of 2026-03-02 08:00.
#   env: CHANGE_TRIALS (20, after CHANGE_WARMUP = 3 not counted), CHANGE_SITES ("demo 1000"), CHANGE_MODES ("baseline quick"),
#        CHANGE_CASES ("time_off availability"),
#        CHANGE_BUILD (build/plain), CHANGE_VERBOSE (set: every trial), CHANGE_PORT (18193) and
#        CHANGE_PGPORT (54353): the daemon's HTTP port and its throwaway PostgreSQL's
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
trials=${CHANGE_TRIALS:-20}
sites=${CHANGE_SITES:-demo 1000}
port=${CHANGE_PORT:-18193}
pgdir="$top/var/bench-change-pg"
work=$(mktemp -d)
daemon_pid=""

cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    sh tools/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

build=${CHANGE_BUILD:-build/plain}
make --no-print-directory BUILD="$build" all >/dev/null
cc -std=c17 -O2 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags libcjson libpq) \
    -o "$work/site_sql" tests/bench/site_sql.c tests/bench/gen_site.c "$build/libstaffd.a" \
    $(pkg-config --libs libpq libuv libcjson libical libh2o libsystemd libcrypto) -lglpk -lm -lpthread
sh tools/pg.sh start "$pgdir" "${CHANGE_PGPORT:-54353}" >/dev/null
eval "$(sh tools/pg.sh env "$pgdir" "${CHANGE_PGPORT:-54353}")"

for site in $sites; do
    for mode in ${CHANGE_MODES:-baseline quick}; do
        db=staffd_change_${site}_$mode
        psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
        export PGDATABASE=$db
        {
            echo "listen_port = $port"
            echo "log_level = warning"
            if [ "$site" != demo ]; then echo "clock = 2026-03-02T08:00:00Z"; fi
            if [ "$mode" = baseline ]; then
                echo "quick_plan = no"
                echo "quick_debounce_ms = 300"
            fi
        } >"$work/staffd.conf"
        "$build/staffd" migrate -c "$work/staffd.conf" >/dev/null
        if [ "$site" = demo ]; then
            psql -X -q -v ON_ERROR_STOP=1 -f demo/demo.sql >/dev/null
        else
            "$work/site_sql" "$site" 1 demo/anonbank_arrivals_30min.csv >"$work/site.sql" 2>/dev/null
            psql -X -q -v ON_ERROR_STOP=1 -f "$work/site.sql" >/dev/null
        fi
        psql -X -q -c "UPDATE staffd.settings SET value = 'http://127.0.0.1:$port' WHERE key = 'public_base_url'"
        "$build/staffd" run -c "$work/staffd.conf" 2>"$work/staffd-$site-$mode.log" &
        daemon_pid=$!
        i=0
        until [ "$(psql -X -qAt -c "SELECT count(*) FROM staffd.runs WHERE status = 'succeeded'")" -ge 1 ]; do
            i=$((i + 1)); [ $i -lt 3000 ] || { cat "$work/staffd-$site-$mode.log"; exit 1; }; sleep 0.1
        done
        for case in ${CHANGE_CASES:-time_off availability}; do
            echo "== one agent's change ($case) -> feed, site $site, $mode (load average $(cut -d' ' -f1-3 /proc/loadavg))"
            /usr/bin/python3 tests/bench/change_latency.py "http://127.0.0.1:$port" "$trials" "$site $mode" "$case" \
                2>"$work/trials-$site-$mode-$case.txt" || { cat "$work/trials-$site-$mode-$case.txt"; exit 1; }
            [ -z "${CHANGE_VERBOSE:-}" ] || cat "$work/trials-$site-$mode-$case.txt"
        done
        kill "$daemon_pid"; wait "$daemon_pid" 2>/dev/null || true; daemon_pid=""
        psql -X -q -d postgres -c "DROP DATABASE $db"
    done
done
