#!/bin/sh
# SPDX-License-Identifier: ISC
# make demo: build staffd, give it a database with demo data, print three agents'
# calendar feed URLs and run the daemon in the foreground. Ctrl-C stops the
# daemon, then the PostgreSQL cluster this script started. Running it again
# reuses the cluster and reloads the demo data.
#
# Database, in order of precedence:
#   STAFFD_CONFIG=FILE       use that configuration file as it is (its `database`
#                            key, or libpq's environment when that is empty)
#   PGHOST or PGDATABASE set use libpq's environment (var/staffd.conf has no
#                            `database` key)
#   otherwise                a throwaway cluster under var/pg (tools/pg.sh),
#                            Unix socket only, port $STAFFD_DEMO_PG_PORT (54329)
# The demo data replaces everything in the staffd schema; a database whose
# agents are not demo agents is refused unless STAFFD_DEMO_FORCE=1.
#
# Other knobs: STAFFD_DEMO_PORT (HTTP port, 8080), STAFFD_DEMO_ADDRESS (listen
# address, 127.0.0.1), STAFFD_DEMO_PUBLIC_URL (base of the feed URLs, default
# http://127.0.0.1:PORT), MAKE (make), STAFFD_BIN (build/staffd).
#
# DAEMONS=N (make demo DAEMONS=2): two sites (demo/sites.sql: the German voice
# team becomes a site of its own) and N daemons on one database, on ports
# PORT, PORT+1, ...; they share the sites and each serves every feed.
set -eu

# A relative STAFFD_CONFIG is relative to where the script was started.
case ${STAFFD_CONFIG:-} in
"" | /*) ;;
*) STAFFD_CONFIG=$(pwd)/$STAFFD_CONFIG ;;
esac
cd "$(dirname "$0")/.."
root=$(pwd)

http_port=${STAFFD_DEMO_PORT:-8080}
http_address=${STAFFD_DEMO_ADDRESS:-127.0.0.1}
pg_port=${STAFFD_DEMO_PG_PORT:-54329}
pg_dir=$root/var/pg
staffd=${STAFFD_BIN:-build/staffd}

say() { printf '%s\n' "demo: $*"; }
# A connection string for display: passwords masked.
shown() { printf '%s' "$1" | sed 's/password=[^[:space:]]*/password=***/g; s|\(://[^:/@]*:\)[^@]*@|\1***@|'; }
die() { printf '%s\n' "demo: $*" >&2; exit 1; }

# --- cleanup: daemon first, then the cluster we started -------------------------
daemons=${DAEMONS:-1}
case $daemons in
[1-9]) ;;
*) die "DAEMONS must be 1 to 9, not '$daemons'" ;;
esac
daemon_pids=
own_cluster=no
# shellcheck disable=SC2317 # called from the traps below
cleanup() {
    trap - INT TERM EXIT
    for daemon_pid in $daemon_pids; do
        kill -0 "$daemon_pid" 2>/dev/null || continue
        say "stopping staffd (pid $daemon_pid)"
        kill -TERM "$daemon_pid" 2>/dev/null || true
        # staffd's unit gives it 10 s (TimeoutStopSec); so do we.
        n=0
        while kill -0 "$daemon_pid" 2>/dev/null && [ "$n" -lt 50 ]; do
            sleep 0.2 2>/dev/null || sleep 1
            n=$((n + 1))
        done
        if kill -0 "$daemon_pid" 2>/dev/null; then
            say "staffd did not stop within 10 s; killing it"
            kill -KILL "$daemon_pid" 2>/dev/null || true
        fi
        wait "$daemon_pid" 2>/dev/null || true
    done
    if [ "$own_cluster" = yes ]; then
        say "stopping PostgreSQL in var/pg"
        sh tools/pg.sh stop "$pg_dir" "$pg_port" || true
    fi
}
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM
trap 'status=$?; cleanup; exit $status' EXIT

# --- dependencies and build ------------------------------------------------------
sh tools/deps.sh
say "building $staffd"
${MAKE:-make} --no-print-directory all
[ -x "$staffd" ] || die "$staffd was not built"

# --- database -------------------------------------------------------------------
mkdir -p var
conninfo=
if [ -n "${STAFFD_CONFIG:-}" ]; then
    config=$STAFFD_CONFIG
    [ -r "$config" ] || die "STAFFD_CONFIG=$config is not readable"
    # The last `key = value` line wins; surrounding double quotes are dropped.
    conf_value() {
        sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$config" | tail -n 1 |
            sed 's/[[:space:]]*$//; s/^"\(.*\)"$/\1/'
    }
    conninfo=$(conf_value database)
    v=$(conf_value listen_port); [ -z "$v" ] || http_port=$v
    v=$(conf_value listen_address); [ -z "$v" ] || http_address=$v
    say "using $config (database: $(shown "${conninfo:-libpq environment}"))"
else
    config=var/staffd.conf
    if [ -n "${PGHOST:-}" ] || [ -n "${PGDATABASE:-}" ]; then
        say "using libpq's environment (PGHOST=${PGHOST:-} PGDATABASE=${PGDATABASE:-})"
        database_line="# database: empty, so staffd uses libpq's environment (PGHOST, PGDATABASE, ...)"
    else
        say "starting PostgreSQL in var/pg (port $pg_port)"
        own_cluster=yes
        sh tools/pg.sh start "$pg_dir" "$pg_port"
        case $pg_dir in
        *[[:space:]\'\\]*)  # quote for libpq: '...' with \ and ' escaped
            host="'$(printf '%s' "$pg_dir" | sed "s/[\\\\']/\\\\&/g")'" ;;
        *) host=$pg_dir ;;
        esac
        conninfo="host=$host port=$pg_port user=postgres dbname=postgres"
        database_line="database = $conninfo"
    fi
    old_umask=$(umask)
    umask 077
    cat >"$config" <<EOF
# Written by tools/demo.sh on every run; edit tools/demo.sh instead.
$database_line
listen_address = $http_address
listen_port = $http_port
horizon_days = 14
migrate_on_start = yes
log_level = info
EOF
    umask "$old_umask"
fi

# psql with the demo's connection: the conninfo when there is one, else libpq's environment.
demo_psql() {
    psql -X -q -v ON_ERROR_STOP=1 ${conninfo:+"$conninfo"} "$@"
}

say "applying migrations"
"$staffd" migrate -c "$config"

# Refuse to wipe a database that holds anything but demo agents.
foreign=$(demo_psql -At -c "SELECT count(*) FROM staffd.agents WHERE email IS NULL OR email NOT LIKE '%@example.com'")
if [ "$foreign" != 0 ] && [ "${STAFFD_DEMO_FORCE:-}" != 1 ]; then
    die "the database has $foreign agents that are not demo agents; demo/demo.sql would delete them (STAFFD_DEMO_FORCE=1 to do it anyway)"
fi

say "loading demo/demo.sql"
demo_psql -f demo/demo.sql
if [ "$daemons" -gt 1 ]; then
    say "two sites (demo/sites.sql), $daemons daemons"
    demo_psql -f demo/sites.sql
fi

case $http_address in
0.0.0.0) local_host=127.0.0.1 ;;
::) local_host='[::1]' ;;
*:*) local_host="[$http_address]" ;;
*) local_host=$http_address ;;
esac
local_url="http://$local_host:$http_port"
public_url=${STAFFD_DEMO_PUBLIC_URL:-$local_url}

demo_psql -v base="$public_url" <<'EOF'
INSERT INTO staffd.settings (key, value) VALUES ('public_base_url', :'base')
ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value;
EOF

# One student, one rural part-timer and one full-timer, in three time zones.
feeds=$(demo_psql -At -F ' | ' <<'EOF'
WITH wanted (ord, contract_prefix, time_zone) AS (
    VALUES (1, 'Student', 'Europe/Stockholm'),
           (2, 'Rural', 'Europe/Berlin'),
           (3, 'Full-time', 'Europe/London')
), picked AS (
    SELECT DISTINCT ON (w.ord) w.ord, a.id, a.name, a.time_zone, c.name AS contract
    FROM wanted w
    JOIN staffd.agents a ON a.time_zone = w.time_zone AND a.active
    JOIN staffd.contracts c ON c.id = a.contract_id AND c.name LIKE w.contract_prefix || '%'
    WHERE NOT EXISTS (SELECT 1 FROM staffd.time_off t
                      WHERE t.agent_id = a.id AND t.ends > now() AND t.starts < now() + interval '14 days')
    ORDER BY w.ord, a.id
)
SELECT name, contract, time_zone, staffd.issue_feed_url(id) FROM picked ORDER BY ord;
EOF
)
[ -n "$feeds" ] || die "found no demo agents to issue feed URLs for"
# A planner's sign-in link for the console (a new run issues a new one; the old one dies).
console_link=$(demo_psql -At -c "SELECT staffd.issue_console_link('Demo Planner', 'planner')")
old_umask=$(umask)
umask 077
printf '%s\n' "$feeds" >var/demo-feeds.txt
printf '%s\n' "$console_link" >var/demo-console.txt
umask "$old_umask"

cat <<EOF

================================================================================
staffd demo

Private calendar feeds (anyone with a URL can read that agent's shifts; the
URLs are also in var/demo-feeds.txt; a new run issues new ones):
EOF
printf '%s\n' "$feeds" | while IFS= read -r line; do
    printf '  %s\n' "${line% | *}"
    printf '      %s\n' "${line##* | }"
done
cat <<EOF

Planners' console (sign in as "Demo Planner", role planner; private, also in
var/demo-console.txt; revoke with SELECT staffd.revoke_console_link('Demo Planner')):
  $console_link
  (answers on loopback only unless console_allow_remote = yes)

Health:   $local_url/healthz$( [ "$daemons" -gt 1 ] && printf '%s' " (and ports $((http_port + 1))..$((http_port + daemons - 1)): $daemons daemons share the two sites; each serves every feed)")
Metrics:  $local_url/metrics
Database: $(shown "${conninfo:-libpq environment}")
          (try SELECT * FROM staffd.runs; staffd.coverage, staffd.hiring_needs,
          staffd.candidate_ranking)

Subscribe to a feed URL from a calendar app:
  Google Calendar  Settings > Other calendars (+) > From URL > paste > Add calendar
  Outlook          Calendar > Add calendar > Subscribe from web > paste > Import
  Apple Calendar   File > New Calendar Subscription... > paste > Subscribe
                   (set Auto-refresh, e.g. every hour)
  Thunderbird      New Calendar... > On the Network > paste as Location > Find
                   Calendars > Subscribe
Google and Outlook.com fetch feeds from their own servers, so they need a URL
reachable from the internet (e.g. STAFFD_DEMO_PUBLIC_URL=https://your-tunnel
STAFFD_DEMO_ADDRESS=0.0.0.0); Google refreshes every 8-24 h whatever the feed
says. Apple Calendar and Thunderbird on this machine can use the URLs as they are.

Starting staffd in the foreground; Ctrl-C stops it and the demo database.
================================================================================

EOF

# Started as a background job so that Ctrl-C reaches this script (which then
# stops the daemon with SIGTERM, as systemd would) rather than racing it.
# The other daemons get a copy of the configuration with their own port.
i=1
while [ "$i" -lt "$daemons" ]; do
    sed "s/^listen_port = .*/listen_port = $((http_port + i))/" "$config" >"var/staffd-$i.conf"
    grep -q '^listen_port' "var/staffd-$i.conf" || echo "listen_port = $((http_port + i))" >>"var/staffd-$i.conf"
    "$staffd" run -c "var/staffd-$i.conf" &
    daemon_pids="$daemon_pids $!"
    i=$((i + 1))
done
"$staffd" run -c "$config" &
first=$!
daemon_pids="$daemon_pids $first"
status=0
wait "$first" || status=$?
if [ "$status" != 0 ]; then
    say "staffd exited with status $status"
fi
exit "$status"
