#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Nothing stops planning silently (issue #12, findings 1 and 4).

- A snapshot read cancelled while it waits on a lock (pg_cancel_backend, as a
  DBA would) fails that run, which is recorded as failed; the daemon does not
  go deaf: a revoked feed URL stops answering, the run is retried and a later
  change is planned.
- A store that fails is recorded as a failed run with the reason; /healthz
  says "degraded", names that run (not the previous one) and why; the retry
  lands once the fault is gone, and /healthz is "ok" again.
- A run cut short by SIGTERM is recorded as abandoned; one cut short by kill -9
  is marked abandoned by the next daemon's first run.
- A change whose notification never arrives is noticed through the change
  counter and planned.
- A change heard while a run plans starts the next run, and that run's row
  says 'change' (it said nothing: found by the chaos run).
- A run that another run's publish overtook (a killed daemon's statement,
  still running in its server session, commits after the next daemon has
  read its snapshot) is refused by the database, recorded as abandoned and
  planned again at once, and the feeds show what the other run changed
  (found by the chaos run: overlapping shifts, a stale feed).
"""
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402


def run_row(h, rid):
    r = h.sql("SELECT status, coalesce(message, ''), reason FROM staffd.runs WHERE id = %d" % rid)
    return tuple(r[0]) if r else None


def wait_run_status(h, before, statuses, timeout=60):
    """The first run after `before` whose status is in `statuses`: (id, status, message)."""
    deadline = time.monotonic() + harness.scaled(timeout)
    while True:
        rows = h.sql("SELECT id, status, coalesce(message, '') FROM staffd.runs WHERE id > %d"
                     " AND status IN (%s) ORDER BY id LIMIT 1"
                     % (before, ",".join(harness.lit(s) for s in statuses)))
        if rows:
            return int(rows[0][0]), rows[0][1], rows[0][2]
        require(h.alive(), "the daemon exited: %s" % h.log_tail(5, joined=True))
        require(time.monotonic() < deadline, "no run %s after run %d within %.0f s (runs: %r)"
                % ("/".join(statuses), before, harness.scaled(timeout), h.runs_after(before)[:5]))
        time.sleep(0.05)


def main():
    t = harness.Tests()
    h = harness.Harness("trust", horizon_days=3, debounce_ms=50)
    h.settings["plan_iterations"] = 3000
    st = {}

    def body():
        def start():
            h.setup_database()
            fx = h.load_fixture(days=3)
            st["fx"] = fx
            st["feed"] = h.issue_feed(fx.agents["Astrid Lind"])
            st["feed2"] = h.issue_feed(fx.agents["Sam Okafor"])
            h.start()
            h.wait_succeeded_runs(1, timeout=60)
            h.wait_quiet(quiet=0.5, timeout=60)
            require(h.get(st["feed"]).status == 200, "the feed does not answer")
        t.case("trust_daemon_plans", start)

        def cancelled_read():
            # A DBA's transaction holds a lock the snapshot needs...
            locker = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                      env=harness.psql_env(h.db))
            try:
                locker.stdin.write("BEGIN; LOCK TABLE staffd.agents IN ACCESS EXCLUSIVE MODE;\n")
                locker.stdin.flush()
                ok, _ = harness.wait_until(lambda: h.scalar(
                    "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
                    " WHERE c.relname = 'agents' AND l.mode = 'AccessExclusiveLock' AND l.granted") == "1",
                    harness.scaled(10))
                require(ok, "the test could not take its lock")
                before = h.max_run_id()
                h.sql("UPDATE staffd.demand SET contacts = contacts + 1 WHERE contacts < 10")
                # ...the daemon's read waits on it, and is cancelled.
                pid, _ = harness.wait_until(lambda: h.scalar(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = 'staffd'"
                    " AND wait_event_type = 'Lock'"), harness.scaled(10))
                require(pid, "the daemon's snapshot read never waited on the lock")
                h.sql("SELECT pg_cancel_backend(%s)" % pid)
                rid, status, message = wait_run_status(h, before, ("failed",))
                require("cancel" in message and "snapshot" in message,
                        "run %d failed, but says %r" % (rid, message))
                hz = h.healthz()
                require(hz.status == 503 and hz.json()["status"] == "degraded",
                        "/healthz after a failed run: %d %s" % (hz.status, hz.body[:200]))
                lr = hz.json()["last_run"]
                require(lr["id"] == rid and lr["status"] == "failed",
                        "/healthz last_run is %r, want the failed run %d" % (lr, rid))
            finally:
                locker.stdin.write("ROLLBACK;\n")
                locker.stdin.close()
                locker.wait(timeout=30)
            # Not deaf: a revocation is heard at once...
            h.sql("SELECT staffd.revoke_feed_url(id) FROM staffd.agents WHERE name = 'Astrid Lind'")
            ok, _ = harness.wait_until(lambda: h.get(st["feed"]).status == 404, harness.scaled(5))
            require(ok, "a revoked feed URL still answers 200 after a failed snapshot read")
            # ...and the failed run is retried without any further change.
            rid2, status, message = wait_run_status(h, rid, ("succeeded",), timeout=30)
            require(run_row(h, rid2)[2] == "retry", "the run after the failure was %r, not a retry"
                    % (run_row(h, rid2),))
            ok, _ = harness.wait_until(lambda: h.healthz().status == 200, harness.scaled(5))
            require(ok, "/healthz stays degraded after a successful run: %s" % h.healthz().body[:200])
            metrics = h.get("/metrics").body.decode()
            require('staffd_run_failures_total{stage="snapshot"} 1' in metrics,
                    "the snapshot failure is not counted in /metrics")
            require("staffd_db_rollbacks_total 1" in metrics, "the rollback is not counted in /metrics")
        t.case("trust_cancelled_snapshot_read_is_recorded_and_daemon_hears_on", cancelled_read,
               after=["trust_daemon_plans"])

        def failed_store():
            h.sql("""
CREATE TABLE public.fault (on_coverage boolean);
CREATE FUNCTION public.inject_fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM public.fault WHERE on_coverage) THEN
        RAISE EXCEPTION 'injected fault: the coverage write fails';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER inject_fault AFTER INSERT ON staffd.coverage
    FOR EACH STATEMENT EXECUTE FUNCTION public.inject_fault();
INSERT INTO public.fault VALUES (true);""")
            good = int(h.scalar("SELECT max(id) FROM staffd.runs WHERE status = 'succeeded'"))
            before = h.max_run_id()
            h.sql("UPDATE staffd.demand SET contacts = contacts + 1 WHERE contacts < 10")
            rid, status, message = wait_run_status(h, before, ("failed",))
            require("store" in message and "injected fault" in message,
                    "run %d failed, but says %r" % (rid, message))
            hz = h.healthz().json()
            require(hz["status"] == "degraded" and any("last run failed" in r for r in hz["reasons"]),
                    "/healthz does not say the last run failed: %r" % hz)
            require(hz["last_run"]["id"] == rid, "/healthz shows run %r as the last run, not the failed %d"
                    % (hz["last_run"]["id"], rid))
            require(hz["last_success"]["id"] >= good, "/healthz lost the last run that landed")
            # Nothing of the failed run landed: no shift or coverage row names it.
            n = int(h.scalar("SELECT (SELECT count(*) FROM staffd.shifts WHERE run_id = %d)"
                             " + (SELECT count(*) FROM staffd.coverage WHERE run_id = %d)" % (rid, rid)))
            require(n == 0, "a failed run left %d rows behind" % n)
            h.sql("DELETE FROM public.fault")
            rid2, _, _ = wait_run_status(h, rid, ("succeeded",), timeout=30)
            ok, _ = harness.wait_until(lambda: h.healthz().json().get("status") == "ok", harness.scaled(5))
            require(ok, "/healthz not ok after run %d landed: %s" % (rid2, h.healthz().body[:300]))
        t.case("trust_failed_store_is_recorded_and_reported", failed_store,
               after=["trust_daemon_plans"])

        def missed_notification():
            # A change that sends no notification (triggers off, as a bulk load
            # with session_replication_role = replica does), but is counted.
            before = h.wait_quiet(quiet=0.5, timeout=60)
            h.sql("SET session_replication_role = replica;"
                  " UPDATE staffd.demand SET contacts = contacts + 3 WHERE contacts < 10;"
                  " SELECT staffd.count_change();")
            rid, status, _ = wait_run_status(h, before, ("succeeded", "failed"), timeout=60)
            require(status == "succeeded", "the run after the missed notification did not succeed")
            require(run_row(h, rid)[2] == "missed notification",
                    "run %d was started by %r, not by the change counter" % (rid, run_row(h, rid)[2]))
            metrics = h.get("/metrics").body.decode()
            require("staffd_missed_notifications_total 1" in metrics,
                    "the missed notification is not counted in /metrics")
        t.case("trust_missed_notification_is_noticed_and_planned", missed_notification,
               after=["trust_daemon_plans"])

        def waiting_run_keeps_its_reason():
            # A change heard while a run plans waits for it; the run it then
            # starts says why (it was recorded with an empty reason).
            h.wait_quiet(quiet=0.5, timeout=60)
            h.write_config(plan_iterations=0, plan_seconds=2)
            h.signal(signal.SIGHUP)
            busy, _ = harness.wait_until(lambda: h.scalar(
                "SELECT max(id) FROM staffd.runs WHERE status = 'running' AND reason = 'reload'"),
                harness.scaled(10))
            require(busy, "no run started after the reload")
            h.sql("UPDATE staffd.demand SET contacts = contacts + 1 WHERE contacts < 10")
            rid, status, _ = wait_run_status(h, int(busy), ("succeeded", "failed"), timeout=60)
            require(status == "succeeded", "the run after the busy one did not succeed")
            require(run_row(h, rid)[2] == "change", "the run that waited for run %s is recorded with reason %r"
                    % (busy, run_row(h, rid)[2]))
            h.write_config(plan_iterations=3000, plan_seconds=1)
            h.signal(signal.SIGHUP)
            h.wait_quiet(quiet=0.5, timeout=60)
        t.case("trust_run_that_waited_keeps_its_reason", waiting_run_keeps_its_reason,
               after=["trust_daemon_plans"])

        def stale_plan_is_refused():
            # A publish that lands while the daemon plans (what a killed daemon's
            # statement, still running in its server session, does): here one
            # that raises a shift's SEQUENCE and changes nothing else.
            h.wait_quiet(quiet=0.5, timeout=60)
            # Sam's night shifts, or Astrid's days where the clock leaves Sam none 3 h
            # ahead (at 23:50 his next night runs into his training): both have feeds.
            sam, astrid = st["fx"].agents["Sam Okafor"], st["fx"].agents["Astrid Lind"]
            feed = st["feed2"]
            try:
                uid, agent, seq = harness.future_shift(h, [sam])
            except harness.TestFailure:
                uid, agent, seq = harness.future_shift(h, [astrid])
                feed = h.issue_feed(astrid)  # her first one was revoked above
            h.write_config(plan_iterations=0, plan_seconds=2)
            h.signal(signal.SIGHUP)
            busy, _ = harness.wait_until(lambda: h.scalar(
                "SELECT max(id) FROM staffd.runs WHERE status = 'running' AND reason = 'reload'"),
                harness.scaled(10))
            require(busy, "no run started after the reload")
            # Leadership would refuse it (a late publish can only come from the
            # session that leads the site, and a killed daemon's session keeps
            # the site until its statement ends): bypass the fence here, to see
            # the second line hold, the site's generation.
            fence = h.scalar("SELECT pg_get_functiondef('staffd.session_leads(bigint)'::regprocedure)")
            h.sql("CREATE OR REPLACE FUNCTION staffd.session_leads(p_site bigint) RETURNS boolean"
                  " LANGUAGE sql STABLE AS 'SELECT true'")
            late = h.scalar("""
SELECT r.run_id FROM staffd.shifts s, LATERAL staffd.publish_run(
    jsonb_build_object('run_id', staffd.begin_run('late publish', 1), 'horizon_start', 4102444800),
    '[]', jsonb_build_array(jsonb_build_object('id', s.id, 'q', s.queue_id,
                                               's', extract(epoch FROM s.starts)::bigint,
                                               'e', extract(epoch FROM s.ends)::bigint)),
    '[]', '{}', '{}', '{}', '{}', '{}', '{}', '[]') AS r
WHERE s.id = %s""" % harness.lit(uid))
            h.sql(fence)
            require(late, "the late publish did not land")
            ok, _ = harness.wait_until(lambda: run_row(h, int(busy))[0] != "running", harness.scaled(30))
            status, message, _ = run_row(h, int(busy))
            require(status == "abandoned" and "another run landed" in message,
                    "the run planned before the late publish ended as %s %r, not abandoned" % (status, message))
            rid2, status, _ = wait_run_status(h, int(late), ("succeeded", "failed"), timeout=30)
            require(status == "succeeded" and run_row(h, rid2)[2] == "stale snapshot",
                    "no new plan after the stale one: #%d %s %r" % (rid2, status, run_row(h, rid2)))
            # The agent's feed shows what the late publish did, though the new plan changed nothing of theirs.
            harness.wait_feed_matches_db(h, feed, agent, timeout=5)
            require(int(h.scalar("SELECT sequence FROM staffd.shifts WHERE id = %s" % harness.lit(uid))) == seq + 1,
                    "the late publish did not raise the SEQUENCE")
            n = int(h.scalar("SELECT count(*) FROM staffd.runs WHERE status = 'failed' AND id > %d" % (int(busy) - 1)))
            require(n == 0, "%d runs failed around the late publish" % n)
            h.write_config(plan_iterations=3000, plan_seconds=1)
            h.signal(signal.SIGHUP)
            h.wait_quiet(quiet=0.5, timeout=60)
        t.case("trust_stale_plan_is_refused_and_planned_again", stale_plan_is_refused,
               after=["trust_daemon_plans"])

        def abandoned_by_sigterm():
            # A long run (time budget), then SIGTERM while it plans.
            h.write_config(plan_iterations=0, plan_seconds=30)
            h.signal(signal.SIGHUP)
            rid, _ = harness.wait_until(lambda: h.scalar(
                "SELECT max(id) FROM staffd.runs WHERE status = 'running' AND reason = 'reload'"),
                harness.scaled(10))
            require(rid, "no run started after the reload")
            time.sleep(0.5)
            h.stop(timeout=5)
            row = run_row(h, int(rid))
            require(row[0] == "abandoned" and "stopped" in row[1],
                    "the run cut short by SIGTERM is %r" % (row,))
        t.case("trust_sigterm_run_is_abandoned", abandoned_by_sigterm, after=["trust_daemon_plans"])

        def abandoned_by_kill():
            h.start()
            rid, _ = harness.wait_until(lambda: h.scalar(
                "SELECT max(id) FROM staffd.runs WHERE status = 'running' AND reason = 'leading'"),
                harness.scaled(10))
            require(rid, "no run started")
            time.sleep(0.5)
            h.proc.kill()
            h.proc.wait()
            require(run_row(h, int(rid))[0] == "running", "the killed run is not left running")
            h.write_config(plan_iterations=3000, plan_seconds=1)
            h.start()
            ok, _ = harness.wait_until(lambda: run_row(h, int(rid))[0] == "abandoned", harness.scaled(10))
            require(ok, "the run of the killed daemon is %r, not abandoned" % (run_row(h, int(rid)),))
            require("session ended" in run_row(h, int(rid))[1], "the abandoned run does not say why")
            h.stop(timeout=5)
        t.case("trust_killed_run_is_abandoned_by_the_next_daemon", abandoned_by_kill,
               after=["trust_sigterm_run_is_abandoned"])

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
