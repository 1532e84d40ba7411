#!/bin/sh
# SPDX-License-Identifier: ISC
# Throwaway PostgreSQL for tests and the demo.
#   tools/pg.sh start DIR [PORT]   initdb (once) and start a cluster in DIR, socket in DIR
#   tools/pg.sh stop DIR [MODE]    pg_ctl stop -m MODE: fast (default) or immediate (a crash:
#                                  the next start recovers from the WAL)
#   tools/pg.sh env DIR            prints PGHOST/PGPORT/PGUSER/PGDATABASE exports
# initdb refuses to run as root, so as root the cluster runs as user "postgres"
# (or $PG_RUN_AS). Listens only on a Unix socket inside DIR. The server runs
# without fsync and with synchronous_commit off (fast, and an OS crash is not
# what tests simulate); $PG_SERVER_OPTS is appended to its options, so
# PG_SERVER_OPTS="-c synchronous_commit=on" makes every acknowledged commit
# survive a server crash (tests/integration/test_chaos.py kills the server).
set -eu
cmd=${1:?usage: pg.sh start|stop|env DIR [PORT]}
dir=${2:?usage: pg.sh start|stop|env DIR [PORT]}
port=${3:-54329}
bindir=${PG_BINDIR:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bindir/initdb" ] || { echo "pg.sh: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

run() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "${PG_RUN_AS:-postgres}" -- "$@"
    else
        "$@"
    fi
}

case "$cmd" in
start)
    if [ "$(id -u)" = 0 ]; then
        chown "${PG_RUN_AS:-postgres}" "$dir"
        # The postgres user must be able to reach DIR.
        d=$dir; while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
    fi
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        run "$bindir/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if run "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
        exit 0
    fi
    run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-k $dir -p $port -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off ${PG_SERVER_OPTS:-}" start >/dev/null \
        || { tail -n 20 "$dir/server.log" >&2; exit 1; }
    ;;
stop)
    mode=${3:-fast}
    case "$mode" in fast|immediate) ;; *) echo "pg.sh: stop mode must be fast or immediate" >&2; exit 2 ;; esac
    if [ -f "$dir/data/PG_VERSION" ]; then
        run "$bindir/pg_ctl" -D "$dir/data" -m "$mode" -w stop >/dev/null 2>&1 || true
    fi
    ;;
env)
    echo "export PGHOST='$dir' PGPORT='$port' PGUSER=postgres PGDATABASE=postgres"
    ;;
*)
    echo "pg.sh: unknown command $cmd" >&2; exit 2 ;;
esac
