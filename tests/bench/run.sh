#!/bin/sh
# SPDX-License-Identifier: ISC
# `make bench`: the measurements quoted in the README, each against a
# baseline measured in the same run.
#   1. Feed serving: wrk against one demo agent's feed from staffd, and against
#      nginx serving the same bytes from a file; same concurrency, same run.
#   2. Staffing maths: 1,000,000 requirement computations (Erlang C and A).
#   3. The console's pages on a 1,000-agent, 28-day site (tests/bench/console.sh).
#   4. One agent's change to its feed (a time off; a new agent's week of
#      availability), quick plans against full ones (change_latency.sh).
#   5. Absences on the demo: what 20 injected absences lose, keep and get backfilled,
#      quick plans against full ones (bench_surplus --absences, docs/engine.md "Absences").
#   6, 7 on request: BENCH_SCALE=1 (docs/scale.md), BENCH_SITES=1 (docs/sites.md).
# Uses the demo data on a throwaway PostgreSQL under var/bench-pg.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
runs=${BENCH_RUNS:-3}
secs=${BENCH_SECONDS:-10}
conns=${BENCH_CONNECTIONS:-50}
port=18181
nport=18182
pgdir="$top/var/bench-pg"
work=$(mktemp -d)
daemon_pid=""
nginx_pid=""

cleanup() {
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
    sh tools/pg.sh stop "$pgdir" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

for tool in wrk nginx; do
    command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || {
        echo "bench: $tool is missing (make deps)" >&2; exit 1; }
done

make --no-print-directory BUILD=build/plain all >/dev/null
cc -std=c17 -O2 -D_GNU_SOURCE -Iinclude -o "$work/bench_staffing" tests/bench/bench_staffing.c \
    daemon/staffing.c daemon/util.c -lm

sh tools/pg.sh start "$pgdir" 54349
eval "$(sh tools/pg.sh env "$pgdir" 54349)"
psql -X -q -c "DROP DATABASE IF EXISTS staffd_bench" -c "CREATE DATABASE staffd_bench"
export PGDATABASE=staffd_bench
cat >"$work/staffd.conf" <<CONF
listen_port = $port
log_level = warning
CONF
build/plain/staffd migrate -c "$work/staffd.conf" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 -f demo/demo.sql >/dev/null
psql -X -q -c "UPDATE staffd.settings SET value = 'http://127.0.0.1:$port' WHERE key = 'public_base_url'"
build/plain/staffd run -c "$work/staffd.conf" 2>"$work/staffd.log" &
daemon_pid=$!

# Wait for the first run to land.
i=0
until [ "$(psql -X -qAt -c "SELECT count(*) FROM staffd.runs WHERE status = 'succeeded'")" -ge 1 ]; do
    i=$((i + 1)); [ $i -lt 300 ] || { cat "$work/staffd.log"; exit 1; }; sleep 0.1
done
agent=$(psql -X -qAt -c "SELECT agent_id FROM staffd.shifts WHERE status = 'scheduled' GROUP BY agent_id ORDER BY count(*) DESC, agent_id LIMIT 1")
url=$(psql -X -qAt -c "SELECT staffd.issue_feed_url($agent)")
sleep 1
curl -sf "$url" -o "$work/feed.ics"
bytes=$(wc -c <"$work/feed.ics")
path=${url#http://127.0.0.1:$port}

# nginx serving the same bytes, one worker like staffd's one loop thread.
mkdir -p "$work/www$(dirname "$path")"
cp "$work/feed.ics" "$work/www$path"
# As root, nginx's worker runs unprivileged: let it read the file.
chmod 755 "$work"
chmod -R a+rX "$work/www"
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    types { text/calendar ics; }
    server {
        listen 127.0.0.1:$nport;
        root $work/www;
        location /feeds/ { add_header Cache-Control "private, max-age=0"; }
    }
}
NGINX
nginx -c "$work/nginx.conf" -p "$work" &
nginx_pid=$!
sleep 0.5
curl -sf "http://127.0.0.1:$nport$path" | cmp -s - "$work/feed.ics" || { echo "nginx does not serve the same bytes" >&2; exit 1; }

rps() { wrk -t1 -c"$conns" -d"${secs}s" "$1" | awk '/Requests\/sec/ {print $2}'; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo "== feed serving: wrk -t1 -c$conns -d${secs}s, $runs runs each, body $bytes bytes"
: >"$work/s.txt"; : >"$work/n.txt"
for r in $(seq "$runs"); do
    rps "$url" >>"$work/s.txt"
    rps "http://127.0.0.1:$nport$path" >>"$work/n.txt"
done
s=$(median <"$work/s.txt"); n=$(median <"$work/n.txt")
echo "staffd: $(tr '\n' ' ' <"$work/s.txt")-> median $s req/s"
echo "nginx:  $(tr '\n' ' ' <"$work/n.txt")-> median $n req/s"
awk -v s="$s" -v n="$n" 'BEGIN {printf "ratio staffd/nginx: %.2f (target >= 0.80)\n", s / n}'

echo "== staffing maths"
"$work/bench_staffing"

echo "== recruitment: 5,000 applicants ranked against a 1,000-agent site"
cc -std=c17 -O2 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags libcjson libpq) \
    -o "$work/bench_recruit" tests/bench/bench_recruit.c build/plain/libstaffd.a \
    $(pkg-config --libs libpq libuv libcjson libical libh2o libsystemd libcrypto) -lglpk -lm -lpthread
"$work/bench_recruit"

# 3. The planners' console on a 1,000-agent, 28-day site: server time and
#    weight per page (tests/bench/console.sh, its own PostgreSQL and daemon).
sh tests/bench/console.sh

# 4. One agent's change to the agent's feed on the demo and a 1,000-agent
#    site, a time off and a new agent's week of availability: quick plans
#    against the full plan of before (change_latency.sh).
sh tests/bench/change_latency.sh

# 5. Absences on the demo, as of now (it was loaded relative to now): 20
#    seeded absences of 2-6 hours on shifts of today and tomorrow, each planned
#    as the daemon plans one agent's change (a quick plan), and in full.
echo "== absences on the demo: backfill rate and kept share (docs/engine.md, Absences)"
cc -std=c17 -O2 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags libcjson libpq) \
    -o "$work/bench_surplus" tests/bench/bench_surplus.c tests/bench/gen_site.c build/plain/libstaffd.a \
    $(pkg-config --libs libpq libuv libcjson libical libh2o libsystemd libcrypto) -lglpk -lm -lpthread
clock=$(psql -X -qAt -c "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
for mode in quick full; do
    "$work/bench_surplus" --db "dbname=staffd_bench" --clock "$clock" --iterations 20000 --threads 2 \
        --seeds 1 --absences 20 --absence-seed 1 --absence-plan "$mode" | grep -E '^backfill'
done

# 6. Contact-centre scale (100 / 1,000 / 10,000 agents, 28 days) and the LP
#    bound on the 100-agent site: long (about 20 minutes), so only on request.
# 7. Sites and several daemons (tests/bench/sites.py, about 30 minutes, its
#    own PostgreSQL): failover and throughput with 1, 2, 3 daemons, on request.
if [ "${BENCH_SITES:-0}" = 1 ]; then
    echo "== sites: failover and throughput with several daemons (docs/sites.md)"
    /usr/bin/python3 tests/bench/sites.py
fi

if [ "${BENCH_SCALE:-0}" = 1 ]; then
    echo "== scale: time to the quality plateau, shortage, memory (docs/scale.md)"
    sh tests/bench/scale.sh
fi
