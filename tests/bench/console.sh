#!/bin/sh
# SPDX-License-Identifier: ISC
# The console on a large site (make bench, or alone): a 1,000-agent, 28-day
# site from tests/bench/gen_site.c written as SQL (site_sql.c), planned by the
# daemon itself, then every page timed (console_pages.py): median time to the
# first and last byte over 21 requests, and the page's weight. Targets: 100 ms
# and 500 kB per page.
#   env: CONSOLE_AGENTS (1000), CONSOLE_ROUNDS (21), CONSOLE_PLAN_SECONDS (5)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
agents=${CONSOLE_AGENTS:-1000}
rounds=${CONSOLE_ROUNDS:-21}
plan_seconds=${CONSOLE_PLAN_SECONDS:-5}
port=18191
pgdir="$top/var/bench-console-pg"
work=$(mktemp -d)
daemon_pid=""

cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    sh tools/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

make --no-print-directory BUILD=build/plain all >/dev/null
cc -std=c17 -O2 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags libcjson libpq) \
    -o "$work/site_sql" tests/bench/site_sql.c tests/bench/gen_site.c build/plain/libstaffd.a \
    $(pkg-config --libs libpq libuv libcjson libical libh2o libsystemd libcrypto) -lglpk -lm -lpthread
"$work/site_sql" "$agents" 1 demo/anonbank_arrivals_30min.csv >"$work/site.sql"

sh tools/pg.sh start "$pgdir" 54351 >/dev/null
eval "$(sh tools/pg.sh env "$pgdir" 54351)"
psql -X -q -c "DROP DATABASE IF EXISTS staffd_console_bench" -c "CREATE DATABASE staffd_console_bench"
export PGDATABASE=staffd_console_bench
# The generated site starts on Monday 2 March 2026; plan it as of 08:00 that day.
cat >"$work/staffd.conf" <<CONF
listen_port = $port
log_level = warning
horizon_days = 28
clock = 2026-03-02T08:00:00Z
plan_seconds = $plan_seconds
CONF
build/plain/staffd migrate -c "$work/staffd.conf" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -f "$work/site.sql" >/dev/null
psql -X -q -c "UPDATE staffd.settings SET value = 'http://127.0.0.1:$port' WHERE key = 'public_base_url'"
build/plain/staffd run -c "$work/staffd.conf" 2>"$work/staffd.log" &
daemon_pid=$!
i=0
until [ "$(psql -X -qAt -c "SELECT count(*) FROM staffd.runs WHERE status = 'succeeded'")" -ge 1 ]; do
    i=$((i + 1)); [ $i -lt 3000 ] || { cat "$work/staffd.log"; exit 1; }; sleep 0.1
done
psql -X -qAt -F ' ' -c "SELECT 'planned: run ' || id || ', ' || shifts_scheduled || ' shifts, ' || round((shortage_minutes / 60)::numeric) || ' agent-hours short' FROM staffd.runs WHERE status = 'succeeded'"
link=$(psql -X -qAt -c "SELECT staffd.issue_console_link('bench', 'planner')")
agent=$(psql -X -qAt -c "SELECT id FROM staffd.agents ORDER BY id OFFSET 499 LIMIT 1")
echo "== console pages, $agents agents, 28 days (median of $rounds requests)"
/usr/bin/python3 tests/bench/console_pages.py "$port" "$link" "$rounds" "$agent"
