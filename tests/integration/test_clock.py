#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The planner's clock: with `clock = database` a run plans as of PostgreSQL's
now() (runs.planned_at, the horizon from 00:00 UTC of that day); a fixed
`clock` set by a reload moves the next run to that instant, horizon and all;
and runs.shortage_minutes counts only the intervals from planned_at on, the
rest being runs.past_shortage_minutes."""
import os
import signal
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402

# A Sunday night in Europe's spring-forward weekend: the week, the month and the
# UTC offsets of the fixture's zones all change within the horizon.
FIXED = "2027-03-28T00:50:00Z"


def main():
    t = harness.Tests()
    h = harness.Harness("clock", horizon_days=2)
    h.settings["clock"] = "database"
    h.settings["plan_iterations"] = 3000

    def body():
        def start():
            h.setup_database()
            h.load_fixture(days=3)
            h.start()
            h.wait_succeeded_runs(1, timeout=60)
        t.case("clock_daemon_plans", start)

        def database_clock():
            row = h.sql("""SELECT extract(epoch FROM now() - planned_at),
                                  horizon_start = date_trunc('day', planned_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC',
                                  horizon_end - horizon_start = interval '2 days'
                           FROM staffd.runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1""")[0]
            age = float(row[0])
            # planned_at is whole seconds: up to a second "after" now() is rounding.
            require(-1 <= age < harness.scaled(120),
                    "with clock = database, planned_at is %.1f s before the database's now()" % age)
            require(row[1] == "t", "the horizon does not start at 00:00 UTC of planned_at's day")
            require(row[2] == "t", "the horizon is not horizon_days long")
        t.case("clock_database_is_postgresql_now", database_clock, after=["clock_daemon_plans"])

        def fixed_by_reload():
            before = h.wait_quiet(quiet=0.5, timeout=60)
            h.write_config(clock=FIXED)
            h.signal(signal.SIGHUP)
            rid = h.wait_run_after(before, timeout=60)
            row = h.sql("""SELECT planned_at = %(f)s::timestamptz,
                                  horizon_start = '2027-03-28T00:00:00Z'::timestamptz,
                                  horizon_end = '2027-03-30T00:00:00Z'::timestamptz
                           FROM staffd.runs WHERE id = %(r)d""" % {"f": harness.lit(FIXED), "r": rid})[0]
            require(row == ["t", "t", "t"], "after a reload with clock = %s the run says %r "
                    "(planned_at, horizon start, horizon end as expected)" % (FIXED, row))
            n = int(h.scalar("SELECT count(*) FROM staffd.coverage WHERE run_id = %d" % rid))
            require(n == 3 * 2 * 96, "the run covers %d queue-intervals, want 3 queues x 2 days x 96" % n)
        t.case("clock_fixed_instant_set_by_reload", fixed_by_reload, after=["clock_daemon_plans"])

        def shortage_split():
            # Demand everywhere on the fixed day, so past and future are both short.
            # The run's row exists from its start: read the last id before the change.
            before = h.max_run_id()
            h.sql("""INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds)
                     SELECT q.id, '2027-03-28T00:00:00Z'::timestamptz + g * interval '15 minutes', 15, 5, 300
                     FROM staffd.queues q CROSS JOIN generate_series(0, 191) g
                     WHERE q.name = 'voice-fi'
                     -- The fixture's own demand is there already when the tests' clock is this day.
                     ON CONFLICT (queue_id, interval_start) DO UPDATE
                     SET interval_minutes = 15, contacts = 5, aht_seconds = 300""")
            rid = h.wait_run_after(before, timeout=60)
            row = h.sql("""SELECT r.shortage_minutes, r.past_shortage_minutes,
                                  (SELECT sum(shortage) * 15 FROM staffd.coverage c
                                    WHERE c.run_id = r.id AND c.interval_start >= r.planned_at),
                                  (SELECT sum(shortage) * 15 FROM staffd.coverage c
                                    WHERE c.run_id = r.id AND c.interval_start < r.planned_at)
                           FROM staffd.runs r WHERE r.id = %d""" % rid)[0]
            fut, past, cov_fut, cov_past = (float(x) for x in row)
            # 00:50 lies inside the interval from 00:45: the four intervals to 01:00 are history.
            require(past > 0, "no past shortage reported, though nobody covers voice-fi")
            require(abs(fut - cov_fut) < 0.01 and abs(past - cov_past) < 0.01,
                    "runs says %.0f future + %.0f past agent-minutes short; coverage says %.0f + %.0f"
                    % (fut, past, cov_fut, cov_past))
        t.case("clock_shortage_counts_the_future_only", shortage_split,
               after=["clock_fixed_instant_set_by_reload"])

        def stop():
            h.stop(timeout=5)
        t.case("clock_daemon_stops_cleanly", stop, after=["clock_daemon_plans"])

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
