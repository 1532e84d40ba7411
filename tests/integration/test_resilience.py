#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Resilience: debounce of change bursts, PostgreSQL going away and coming back
under the running daemon, SIGHUP with a broken and a valid configuration,
`staffd check-config`, and `staffd migrate` (idempotent, safe when concurrent).
"""

import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import REPO, TestFailure, require  # noqa: E402


def pg_ctl(action):
    pg_dir = os.environ.get("STAFFD_PG_DIR")
    require(pg_dir, "STAFFD_PG_DIR is not set")
    args = ["sh", os.path.join(REPO, "tools", "pg.sh"), action, pg_dir]
    if action == "start":
        args.append(os.environ["PGPORT"])
    p = subprocess.run(args, capture_output=True, text=True, timeout=120, cwd=REPO)
    require(p.returncode == 0, "pg.sh %s failed (%d): %s" % (action, p.returncode, p.stderr.strip()[-300:]))


def pg_up():
    rc, _, _ = harness.psql_raw("SELECT 1", "postgres", timeout=10)
    return rc == 0


def schema_snapshot(h, db):
    """Relations, functions, and every table's row count and content hash in non-system schemas."""
    rels = h.sql("""SELECT n.nspname || '.' || c.relname || ':' || c.relkind::text FROM pg_class c
                    JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'
                    ORDER BY 1""", db=db)
    procs = h.sql("""SELECT n.nspname || '.' || p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1""", db=db)
    tables = h.sql("""SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c
                      JOIN pg_namespace n ON n.oid = c.relnamespace
                      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                        AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1""", db=db)
    content = {}
    for (tbl,) in tables:
        row = h.sql("SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM %s t"
                    % tbl, db=db)[0]
        content[tbl] = (int(row[0]), row[1])
    return {"relations": [r[0] for r in rels], "functions": [r[0] for r in procs], "tables": content}


def migration_tables(snapshot):
    return {k: v for k, v in snapshot["tables"].items() if "migration" in k.lower()}


def main():
    t = harness.Tests()
    h = harness.Harness("resilience", horizon_days=14, debounce_ms=100, max_debounce_ms=2000)
    st = {"pg_stopped": False}

    def body():
        def setup():
            h.setup_database()
            fx = h.load_fixture(days=4)
            h.issue_feeds(fx)
            st["fx"] = fx
            h.start()
            h.wait_succeeded_runs(1, timeout=15)
            h.wait_quiet(quiet=1.0, timeout=30)
        t.case("resilience_daemon_starts_and_plans", setup)
        up = ["resilience_daemon_starts_and_plans"]

        def bulk_insert():
            before = h.wait_quiet(quiet=1.0, timeout=30)
            h.sql("""
INSERT INTO staffd.queues (name, channel) SELECT 'bulk-' || g, 'voice' FROM generate_series(1, 20) g;
""")
            before = h.wait_quiet(quiet=1.0, timeout=30)
            h.sql("""
INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds)
SELECT q.id, %s + g * interval '15 minutes', 15, 3, 240
FROM staffd.queues q CROSS JOIN generate_series(0, 499) g WHERE q.name LIKE 'bulk-%%'
""" % harness.HORIZON_START)
            n = int(h.scalar("SELECT count(*) FROM staffd.demand d JOIN staffd.queues q ON q.id = d.queue_id "
                             "WHERE q.name LIKE 'bulk-%'"))
            require(n == 10000, "bulk insert wrote %d rows, want 10000" % n)
            h.wait_run_after(before, timeout=30)
            h.wait_quiet(quiet=1.0, timeout=60)
            runs = h.runs_after(before)
            require(1 <= len(runs) <= 2, "%d planning runs after one 10,000-row INSERT (want 1 or 2): %s"
                    % (len(runs), [(r[0], r[1]) for r in runs][:10]))
        t.case("resilience_bulk_insert_10000_rows_at_most_2_runs", bulk_insert, after=up)

        def many_inserts():
            before = h.wait_quiet(quiet=1.0, timeout=30)
            stmts = []
            for i in range(200):
                stmts.append("INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds) "
                             "SELECT id, %s + interval '%d minutes', 15, 2, 200 FROM staffd.queues WHERE name = 'bulk-1';"
                             % (harness.HORIZON_START, (500 + i) * 15))
            t0 = time.monotonic()
            h.sql("\n".join(stmts))  # autocommit: 200 transactions, 200 notifications
            took = time.monotonic() - t0
            h.wait_run_after(before, timeout=30)
            h.wait_quiet(quiet=1.0, timeout=60)
            runs = h.runs_after(before)
            require(1 <= len(runs) <= 2, "%d planning runs after 200 single-row INSERTs in %.2f s (want 1 or 2)"
                    % (len(runs), took))
        t.case("resilience_200_single_inserts_at_most_2_runs", many_inserts, after=up)

        # -- PostgreSQL stopped and started under the running daemon ---------------
        def db_down():
            h.wait_quiet(quiet=1.0, timeout=30)
            fx = st["fx"]
            st["agent"] = harness.agent_with_future_shift(h, fx, 4)[0]
            r = h.get(fx.feeds[st["agent"]])
            require(r.status == 200, "feed HTTP %d before stopping PostgreSQL" % r.status)
            st["body"] = r.body
            pg_ctl("stop")
            st["pg_stopped"] = True
            st["stopped_at"] = time.monotonic()

            def disconnected():
                r = h.healthz()
                return r.status == 503 and r.json().get("database") == "disconnected"
            ok, exc = harness.wait_until(disconnected, harness.scaled(10), interval=0.1)
            last = h.healthz()
            require(ok, "/healthz says HTTP %d %s 10 s after PostgreSQL stopped (%s)"
                    % (last.status, last.body[:200], exc))
        t.case("resilience_healthz_503_disconnected_while_db_down", db_down, after=up)

        def feeds_while_down():
            require(st["pg_stopped"], "PostgreSQL was not stopped")
            for _ in range(3):
                r = h.get(st["fx"].feeds[st["agent"]])
                require(r.status == 200, "feed HTTP %d while PostgreSQL is down" % r.status)
                require(r.body == st["body"], "feed body changed while PostgreSQL is down")
            require(h.alive(), "daemon exited while PostgreSQL is down")
        t.case("resilience_feeds_served_while_db_down", feeds_while_down, after=["resilience_healthz_503_disconnected_while_db_down"])

        def db_back():
            require(st["pg_stopped"], "PostgreSQL was not stopped")
            # An outage long enough for the reconnect backoff to reach its ceiling
            # (the stimulus, not an assertion): with a 30 s ceiling the next attempt
            # came up to 8 s after PostgreSQL was back (found by the chaos run).
            down = time.monotonic() - st["stopped_at"]
            if down < 8:
                time.sleep(8 - down)
            pg_ctl("start")
            st["pg_stopped"] = False
            t0 = time.monotonic()
            h.wait_connected(timeout=10)
            took = time.monotonic() - t0
            require(took <= harness.scaled(3), "reconnect took %.1f s after an 8 s outage" % took)
        t.case("resilience_reconnects_within_3s_after_an_8s_outage", db_back, after=up)

        def change_after_restart():
            fx = st["fx"]
            agent_id = fx.agents[st["agent"]]
            h.wait_quiet(quiet=1.0, timeout=30)
            uid, _, _ = harness.future_shift(h, [agent_id], min_hours=3)
            ev = harness.feed_events(h.get(fx.feeds[st["agent"]]).body).get(uid)
            require(ev is not None, "shift %s not in the feed" % uid)
            h.sql(harness.local_day_time_off_sql(uid, "after the database restart"))
            harness.wait_cancelled_in_feed(h, fx.feeds[st["agent"]], uid, ev["sequence"], timeout=10)
        t.case("resilience_change_after_db_restart_reaches_feed", change_after_restart,
               after=["resilience_reconnects_within_3s_after_an_8s_outage"])

        # -- SIGHUP -------------------------------------------------------------
        def hup_broken():
            good = h.config_text()
            lines = good.splitlines()
            lines = [("listen_port = banana" if l.startswith("listen_port") else l) for l in lines]
            h.write_config(text="\n".join(lines) + "\n")
            mark = h.log_size()
            h.signal(signal.SIGHUP)
            ok, _ = harness.wait_until(
                lambda: re.search(r"listen_port|banana", h.log_text(mark), re.I), harness.scaled(5))
            try:
                require(ok, "no log line about the bad listen_port after SIGHUP (log since: %r)" % h.log_text(mark)[-300:])
                require(h.alive(), "daemon exited after SIGHUP with a broken configuration (%s)" % h.proc.returncode)
                r = h.healthz()
                require(r.status == 200, "/healthz on the old port: HTTP %d" % r.status)
                r = h.get(st["fx"].feeds["Maria Lopez"])
                require(r.status == 200, "feed on the old port: HTTP %d" % r.status)
            finally:
                h.write_config(text=good)
        t.case("resilience_sighup_broken_config_keeps_old", hup_broken, after=up)

        def hup_valid():
            new_port = harness.free_port()
            h.write_config(listen_port=new_port)
            h.signal(signal.SIGHUP)
            h.wait_connected(timeout=5, port=new_port)
            h.settings["listen_port"] = new_port
            h.write_config()
            r = h.get(st["fx"].feeds["Maria Lopez"])
            require(r.status == 200, "feed on the new port: HTTP %d" % r.status)
            require(h.alive(), "daemon exited")
        t.case("resilience_sighup_valid_config_applies", hup_valid, after=up)

        # -- check-config -------------------------------------------------------
        def check_good():
            path = os.path.join(h.tmp, "good.conf")
            h.write_config(path)
            p = h.command(["check-config", "-c", path], timeout=30)
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, (p.stdout + p.stderr).strip()[-300:]))
            require("configuration OK" in p.stdout + p.stderr, "output %r lacks 'configuration OK'"
                    % (p.stdout + p.stderr)[-300:])
            harness.require_no_sanitizer_report(p.stdout + p.stderr, "check-config")
        t.case("resilience_check_config_good_ok", check_good)

        def check_bad():
            path = os.path.join(h.tmp, "bad.conf")
            text = h.config_text()
            lines = text.splitlines()
            idx = next(i for i, l in enumerate(lines) if l.startswith("listen_port"))
            lines[idx] = "listen_port = banana"
            h.write_config(path, text="\n".join(lines) + "\n")
            p = h.command(["check-config", "-c", path], timeout=30)
            out = (p.stdout + p.stderr).strip()
            require(p.returncode != 0, "exit 0 for listen_port = banana: %r" % out[-300:])
            require("configuration OK" not in out, "says 'configuration OK' for a bad file")
            harness.require_no_sanitizer_report(out, "check-config")
            require(re.search(r"listen_port|line\s*%d\b|:%d\b" % (idx + 1, idx + 1), out),
                    "message names neither the key nor line %d: %r" % (idx + 1, out[-300:]))
        t.case("resilience_check_config_bad_fails_naming_key", check_bad)

        # -- migrate ----------------------------------------------------------------
        def migrate_twice():
            db = "%s_m1" % h.db
            h.create_database(db)
            p = h.migrate(db=db)
            require(p.returncode == 0, "first migrate exit %d: %s" % (p.returncode, (p.stderr + p.stdout)[-300:]))
            s1 = schema_snapshot(h, db)
            require("staffd.runs:r" in s1["relations"], "first migrate did not create staffd.runs")
            require(migration_tables(s1), "no table recording applied migrations (name containing 'migration')")
            p = h.migrate(db=db)
            require(p.returncode == 0, "second migrate exit %d: %s" % (p.returncode, (p.stderr + p.stdout)[-300:]))
            harness.require_no_sanitizer_report(p.stderr + p.stdout, "second migrate")
            s2 = schema_snapshot(h, db)
            require(s1["relations"] == s2["relations"] and s1["functions"] == s2["functions"],
                    "second migrate changed the schema objects")
            changed = [k for k in s1["tables"] if s1["tables"][k] != s2["tables"].get(k)]
            require(not changed, "second migrate changed tables %s" % changed)
            st["migrated"] = s1
        t.case("resilience_migrate_twice_idempotent", migrate_twice)

        def migrate_concurrent():
            db = "%s_m2" % h.db
            h.create_database(db)
            env = h.daemon_env(db)
            procs = [subprocess.Popen([h.binary, "migrate", "-c", h.conf], env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True, cwd=REPO) for _ in range(2)]
            outs = []
            for p in procs:
                try:
                    out, _ = p.communicate(timeout=harness.scaled(60))
                except subprocess.TimeoutExpired:
                    p.kill()
                    out, _ = p.communicate()
                outs.append((p.returncode, out))
            bad = [o for o in outs if o[0] != 0]
            if bad:
                raise TestFailure("concurrent migrate exit codes %s: %s" % ([o[0] for o in outs], bad[0][1][-300:]))
            for rc, out in outs:
                harness.require_no_sanitizer_report(out, "concurrent migrate")
            s = schema_snapshot(h, db)
            require("staffd.runs:r" in s["relations"], "schema not applied")
            ref = st.get("migrated")
            if ref:
                require(s["relations"] == ref["relations"], "schema objects differ from a single migrate")
                counts = {k: v[0] for k, v in s["tables"].items()}
                ref_counts = {k: v[0] for k, v in ref["tables"].items()}
                require(counts == ref_counts, "row counts differ from a single migrate: %s"
                        % {k: (ref_counts.get(k), counts.get(k)) for k in counts if counts[k] != ref_counts.get(k)})
            n = h.scalar("SELECT count(*) FROM staffd.settings WHERE key = 'public_base_url'", db=db)
            require(n == "1", "%s public_base_url rows" % n)
        t.case("resilience_concurrent_migrate_applies_once", migrate_concurrent)

        t.case("resilience_daemon_stops_cleanly", h.stop, after=up)

    def guarded():
        try:
            body()
        finally:
            if st["pg_stopped"] or not pg_up():
                try:
                    pg_ctl("start")
                except TestFailure as exc:
                    harness.note("could not restart PostgreSQL: %s" % exc)

    harness.main_guard(t, h, guarded)


if __name__ == "__main__":
    main()
