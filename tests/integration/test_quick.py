#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Quick runs (issue #17, docs/engine.md "Quick plans"): one agent's time off,
committed, reaches that agent's feed by a run marked kind = 'quick' in
staffd.runs, which changes only that agent and the neighbours who fill the
hole, and writes only the coverage rows it changed (all of them still agree
with the shifts); once the site is quiet a full run follows (kind = 'full',
reason 'after quick runs'). A change that names no agent (demand) is planned in full
at once. A change that comes while the full run is still planning cancels
it (abandoned, "its quick run goes first") and gets its quick run. Iteration
budgets and the fixed clock: deterministic."""
import os
import signal
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402


# Coverage rows whose `scheduled` is not the number of scheduled shifts on the queue in
# that 15-minute cell less those on a break then.
COVERAGE_TRUTH = """
SELECT c.queue_id, c.interval_start, c.scheduled, n.agents
FROM staffd.coverage c
CROSS JOIN LATERAL (
    SELECT count(*) AS agents FROM staffd.shifts s
    WHERE s.status = 'scheduled' AND s.queue_id = c.queue_id
      AND s.starts < c.interval_start + interval '15 minutes' AND s.ends > c.interval_start
      AND NOT EXISTS (SELECT 1 FROM staffd.shift_breaks b WHERE b.shift_id = s.id
                      AND b.starts < c.interval_start + interval '15 minutes' AND b.ends > c.interval_start)
) n
WHERE c.scheduled <> n.agents
ORDER BY 1, 2"""


def main():
    t = harness.Tests()
    h = harness.Harness("quick", horizon_days=4, debounce_ms=300)
    h.settings.update({"quick_plan": "yes", "quick_debounce_ms": 10, "plan_iterations": 3000,
                       "quick_plan_iterations": 300, "full_plan_after_ms": 3000, "freeze_hours": 0})
    st = {}

    def body():
        def start():
            h.setup_database()
            st["fx"] = h.load_fixture(days=4)
            h.issue_feeds(st["fx"])
            h.start()
            h.wait_succeeded_runs(1, timeout=30)
            st["base"] = h.wait_quiet(quiet=1.5)
            require(h.scalar("SELECT kind FROM staffd.runs WHERE id = %d" % st["base"]) == "full",
                    "the first run is not a full one")
        t.case("quick_first_run_is_full", start)

        def time_off():
            # Maria's first scheduled shift from tomorrow on becomes time off.
            maria = st["fx"].agents["Maria Lopez"]
            row = h.sql("SELECT id, starts, ends FROM staffd.shifts WHERE agent_id = %d AND status = 'scheduled'"
                        " AND starts >= test_now() + interval '1 day' ORDER BY starts LIMIT 1" % maria)
            require(row, "Maria has no shift from tomorrow on to take off")
            shift_id, starts, ends = row[0]
            before = h.get(st["fx"].feeds["Maria Lopez"]).header("etag")
            pub = {r[0]: r[1:] for r in h.sql(
                "SELECT id, agent_id, starts, ends, queue_id, status FROM staffd.shifts")}
            h.sql("INSERT INTO staffd.time_off (agent_id, starts, ends, reason) VALUES (%d, '%s', '%s', 'test')"
                  % (maria, starts, ends))
            quick = h.wait_run_after(st["base"], timeout=30)
            kind, reason = h.sql("SELECT kind, reason FROM staffd.runs WHERE id = %d" % quick)[0]
            require(kind == "quick", "the run after one agent's time off is %s, not quick" % kind)
            require(reason == "change", "the quick run's reason is %r" % reason)
            require(h.scalar("SELECT status FROM staffd.shifts WHERE id = '%s'" % shift_id) == "cancelled",
                    "the shift under the time off was not cancelled")
            changed, _ = harness.wait_until(
                lambda: h.get(st["fx"].feeds["Maria Lopez"]).header("etag") != before, harness.scaled(10))
            require(changed, "Maria's feed did not change after the quick run")
            # Only Maria and agents skilled for her shift's queue changed.
            changed = h.sql("SELECT DISTINCT s.agent_id FROM staffd.shifts s WHERE s.run_id = %d" % quick)
            skilled = {int(r[0]) for r in h.sql(
                "SELECT agent_id FROM staffd.agent_skills WHERE queue_id = %s" % pub[shift_id][3])}
            for (a,) in changed:
                require(int(a) == maria or int(a) in skilled,
                        "agent %s changed in the quick run but shares no queue with the hole" % a)
            st["quick"] = quick
            # It wrote only the coverage rows it changed, and every row still tells the truth.
            mine, total = (int(x) for x in h.sql(
                "SELECT count(*) FILTER (WHERE run_id = %d), count(*) FROM staffd.coverage" % quick)[0])
            require(0 < mine < total, "the quick run wrote %d of %d coverage rows" % (mine, total))
            wrong = h.sql(COVERAGE_TRUTH)
            require(not wrong, "coverage disagrees with the shifts after the quick run: %s" % wrong[:3])
        t.case("quick_time_off_reaches_the_feed_by_a_quick_run", time_off, after=["quick_first_run_is_full"])

        def full_after():
            full = h.wait_run_after(st["quick"], timeout=30)
            kind, reason = h.sql("SELECT kind, reason FROM staffd.runs WHERE id = %d" % full)[0]
            require(kind == "full" and reason == "after quick runs",
                    "the run after the quick one is %s (%s), not the full one it owes" % (kind, reason))
            st["full"] = h.wait_quiet(quiet=1.5)
            wrong = h.sql(COVERAGE_TRUTH)
            require(not wrong, "coverage disagrees with the shifts after the full run: %s" % wrong[:3])
        t.case("quick_run_is_followed_by_a_full_run", full_after,
               after=["quick_time_off_reaches_the_feed_by_a_quick_run"])

        def demand():
            h.sql("UPDATE staffd.demand SET contacts = contacts * 1.5 WHERE interval_start >= test_now()")
            rid = h.wait_run_after(st["full"], timeout=30)
            kind = h.scalar("SELECT kind FROM staffd.runs WHERE id = %d" % rid)
            require(kind == "full", "a change of demand was planned by a %s run" % kind)
        t.case("quick_demand_change_is_planned_in_full", demand, after=["quick_run_is_followed_by_a_full_run"])

        def preempted():
            # A full search of 5 s (the quick runs keep their iteration budget): the full run a
            # quick one owes is still planning when the next change comes, and gives way to
            # that change's quick run.
            h.write_config(plan_iterations=0, plan_seconds=5)
            h.signal(signal.SIGHUP)
            base = h.wait_quiet(quiet=1.5, timeout=120)
            agents = [st["fx"].agents[n] for n in ("Sam Okafor", "Astrid Lind")]
            rows = []
            for a in agents:
                rows += h.sql("SELECT agent_id, starts, ends FROM staffd.shifts WHERE agent_id = %d"
                              " AND status = 'scheduled' AND starts >= test_now() + interval '1 day'"
                              " ORDER BY starts LIMIT 1" % a)
            require(len(rows) == 2, "Sam and Astrid need a shift from tomorrow on: %r" % rows)
            h.sql("INSERT INTO staffd.time_off (agent_id, starts, ends) VALUES (%s, '%s', '%s')" % tuple(rows[0]))
            quick = h.wait_run_after(base, timeout=30)
            require(h.scalar("SELECT kind FROM staffd.runs WHERE id = %d" % quick) == "quick", "no quick run")
            running, _ = harness.wait_until(lambda: h.scalar(
                "SELECT count(*) FROM staffd.runs WHERE id > %d AND status = 'running'"
                " AND reason = 'after quick runs'" % quick) == "1", harness.scaled(30))
            require(running, "the full run the quick one owes did not start")
            h.sql("INSERT INTO staffd.time_off (agent_id, starts, ends) VALUES (%s, '%s', '%s')" % tuple(rows[1]))
            nxt = h.wait_run_after(quick, timeout=60)
            kind = h.scalar("SELECT kind FROM staffd.runs WHERE id = %d" % nxt)
            owed = h.sql("SELECT status, coalesce(message, '') FROM staffd.runs WHERE id > %d AND id < %d"
                         " AND reason = 'after quick runs'" % (quick, nxt))
            require(kind == "quick", "the change during the full run was planned by a %s run" % kind)
            require(owed and owed[0][0] == "abandoned" and "quick run goes first" in owed[0][1],
                    "the full run in flight was not given up for the quick one: %r" % owed)
        t.case("quick_change_preempts_the_full_run_in_flight", preempted,
               after=["quick_demand_change_is_planned_in_full"])

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
