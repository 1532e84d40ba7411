#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Clean stop on SIGTERM: while idle, and right after a change that starts a
planning run on larger data (300 agents, 3 queues, 14 days). The daemon must exit
0 within 5 s and leave no half-written run: every run row succeeded, failed or
abandoned, and the published shifts those of a whole run.
"""

import os
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402

SHIFTS_SNAPSHOT = """SELECT id, agent_id, queue_id, extract(epoch FROM starts), extract(epoch FROM ends), status,
                            sequence, run_id FROM staffd.shifts ORDER BY id"""

CONSISTENCY = {
    "run rows left 'running' (or unknown status)":
        "SELECT format('run %s is %s', id, status) FROM staffd.runs "
        "WHERE status NOT IN ('succeeded', 'failed', 'abandoned')",
    "finished runs without finished_at":
        "SELECT format('run %s %s has no finished_at', id, status) FROM staffd.runs "
        "WHERE status = 'succeeded' AND finished_at IS NULL",
    "shifts written by a run that did not succeed":
        "SELECT format('shift %s belongs to run %s (%s)', s.id, s.run_id, coalesce(r.status, 'missing')) "
        "FROM staffd.shifts s LEFT JOIN staffd.runs r ON r.id = s.run_id "
        "WHERE s.run_id IS NOT NULL AND r.status IS DISTINCT FROM 'succeeded'",
    "coverage written by a run that did not succeed":
        "SELECT format('coverage %s %s belongs to run %s (%s)', c.queue_id, c.interval_start, c.run_id, "
        "coalesce(r.status, 'missing')) FROM staffd.coverage c LEFT JOIN staffd.runs r ON r.id = c.run_id "
        "WHERE r.status IS DISTINCT FROM 'succeeded'",
    "two scheduled shifts on one agent's local day":
        "SELECT format('agent %s has %s shifts on %s', s.agent_id, count(*), (s.starts AT TIME ZONE a.time_zone)::date) "
        "FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id WHERE s.status = 'scheduled' "
        "GROUP BY s.agent_id, (s.starts AT TIME ZONE a.time_zone)::date HAVING count(*) > 1",
    "overlapping scheduled shifts":
        "SELECT format('shifts %s and %s overlap', x.id, y.id) FROM staffd.shifts x JOIN staffd.shifts y "
        "ON x.agent_id = y.agent_id AND x.id < y.id AND x.starts < y.ends AND y.starts < x.ends "
        "WHERE x.status = 'scheduled' AND y.status = 'scheduled'",
}


def consistency_problems(h):
    problems = []
    for what, sql in CONSISTENCY.items():
        rows = h.sql(sql)
        if rows:
            problems.append("%s: %s" % (what, "; ".join(r[0] for r in rows[:3])))
    return problems


def main():
    t = harness.Tests()
    h = harness.Harness("shutdown", horizon_days=14, debounce_ms=100)
    st = {}

    def body():
        def setup():
            h.setup_database()
            st["fx"] = h.load_fixture(days=2)
            h.start()
            h.wait_succeeded_runs(1, timeout=15)
        t.case("shutdown_daemon_starts_and_plans", setup)
        up = ["shutdown_daemon_starts_and_plans"]

        def idle_stop():
            h.wait_quiet(quiet=0.5, timeout=20)
            t0 = time.monotonic()
            h.stop(timeout=5)
            st["idle_stop_s"] = time.monotonic() - t0
        t.case("shutdown_sigterm_idle_exits_0_within_5s", idle_stop, after=up)

        def restart_then_change_and_stop():
            before = h.max_run_id()  # read first: the run at start may land at once
            h.start()
            h.wait_run_after(before, timeout=20)  # the run at start
            h.wait_quiet(quiet=0.5, timeout=30)
            st["before_change"] = h.max_run_id()
            st["shifts_before"] = h.sql(SHIFTS_SNAPSHOT)
            st["last_ok_before"] = h.scalar("SELECT max(id) FROM staffd.runs WHERE status = 'succeeded'")
            h.sql(harness.large_fixture_sql(300, 3, 14), single_transaction=True)
            # SIGTERM as soon as the run has started: a 'running' row, or the
            # debounce time (plus a little) after the commit, whichever comes first.
            debounce = h.settings["debounce_ms"] / 1000.0
            harness.wait_until(
                lambda: h.sql("SELECT 1 FROM staffd.runs WHERE id > %d" % st["before_change"]),
                debounce + 0.3, interval=0.01)
            st["sigterm_runs"] = h.runs_after(st["before_change"])
            h.stop(timeout=5)
        t.case("shutdown_sigterm_during_large_run_exits_0_within_5s", restart_then_change_and_stop, after=up)

        def no_half_run():
            problems = consistency_problems(h)
            require(not problems, "; ".join(problems))
        t.case("shutdown_no_half_written_run", no_half_run, after=up)

        def shifts_whole():
            require(not h.alive(), "the daemon is still running")
            require("shifts_before" in st, "the change was not made")
            last_ok = h.scalar("SELECT max(id) FROM staffd.runs WHERE status = 'succeeded'")
            now = h.sql(SHIFTS_SNAPSHOT)
            if last_ok == st["last_ok_before"]:
                require(now == st["shifts_before"],
                        "no new run succeeded, yet the shifts changed (%d rows before, %d after)"
                        % (len(st["shifts_before"]), len(now)))
            else:
                # The large run landed before SIGTERM: it must have landed whole.
                big = h.scalar("SELECT count(DISTINCT s.agent_id) FROM staffd.shifts s JOIN staffd.agents a "
                               "ON a.id = s.agent_id WHERE a.name LIKE 'Big Agent %' AND s.status = 'scheduled'")
                require(int(big) > 0, "run %s succeeded but no Big Agent has a shift" % last_ok)
                stale = h.scalar("SELECT count(*) FROM staffd.coverage WHERE run_id IS DISTINCT FROM %s" % last_ok)
                cov_q = h.scalar("SELECT count(DISTINCT queue_id) FROM staffd.coverage c JOIN staffd.queues q "
                                 "ON q.id = c.queue_id WHERE q.name LIKE 'big-q%'")
                require(int(cov_q) == 3, "run %s succeeded but coverage covers %s of the 3 new queues (%s rows "
                                         "from other runs)" % (last_ok, cov_q, stale))
        t.case("shutdown_published_schedule_is_one_whole_run", shifts_whole, after=up)

        def restart_plans():
            before = h.max_run_id()
            h.start()
            h.wait_run_after(before, timeout=90)
            problems = consistency_problems(h)
            require(not problems, "; ".join(problems))
            big = h.scalar("SELECT count(DISTINCT s.agent_id) FROM staffd.shifts s JOIN staffd.agents a "
                           "ON a.id = s.agent_id WHERE a.name LIKE 'Big Agent %' AND s.status = 'scheduled'")
            require(int(big) >= 30, "after a restart only %s of 300 new agents have shifts" % big)
            h.stop(timeout=5)
        t.case("shutdown_restart_after_interrupted_run_plans", restart_plans, after=up)

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
