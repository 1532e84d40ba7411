#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Absences cut only what they must (issue #17, docs/engine.md "Absences").

Two agents in UTC, both available every day 17:00-01:00 on one voice queue, with
shifts of 8 or 4 hours on the hour (8 hours get a 30-minute break); Ben would
rather not work before 21:00. Today (the tests' clock: 16:05 UTC; tomorrow when
the clock is past 16:00, see TODAY) the queue
needs one agent 17:00-21:00 and two 21:00-01:00, so the first run tells Ann
17:00-01:00 and Ben 21:00-01:00, both inside the 48-hour freeze. Then the demand
changes (three needed 17:00-21:00, one after): both shifts are frozen and stay.
Then Ann takes 17:00-21:00 off. The quick run of that change must keep what Ann
can still work, 21:00-01:00, as her shift (the same calendar UID, SEQUENCE + 1,
no break at 4 hours), although nobody needs her then; and fill the hole from
Ben: his frozen 21:00-01:00 grows to 17:00-01:00 (same UID, with a break now),
since three are short there and his 4 more hours are worth the change. The full
run that follows keeps it all. On the old code Ann's shift was cancelled whole
and Ben's stood as it was. Iteration budgets and the fixed clock: deterministic.
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402

# The day whose evening the test plans: today while 17:00 is an hour ahead of the
# tests' clock (at the usual 16:05 it is), else tomorrow, so that the evening is
# always ahead and inside the 48-hour freeze (make check-times runs it at 23:50).
MIDNIGHT = "(date_trunc('day', test_now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
TODAY = ("(CASE WHEN test_now() <= %s + interval '16 hours' THEN %s ELSE %s + interval '1 day' END)"
         % (MIDNIGHT, MIDNIGHT, MIDNIGHT))

FIXTURE = """
INSERT INTO staffd.contracts (name, max_minutes_per_week, max_days_per_week, max_consecutive_days,
                              min_rest_minutes, shift_lengths_minutes, shift_start_step_minutes,
                              break_rules)
VALUES ('flex', 2400, 5, 5, 660, '{480,240}', 60,
        '[{"min_shift_minutes": 420, "minutes": 30, "paid": false}]');
INSERT INTO staffd.queues (name, channel, time_zone, service_level, target_seconds, max_occupancy,
                           shrinkage)
VALUES ('voice-a', 'voice', 'UTC', 0.8, 20, 1, 0);
INSERT INTO staffd.agents (name, email, time_zone, contract_id)
SELECT n, lower(n) || '@example.com', 'UTC', c.id FROM staffd.contracts c, unnest('{Ann,Ben}'::text[]) n;
INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time)
SELECT a.id, d, '17:00', '01:00' FROM staffd.agents a, generate_series(1, 7) d;
INSERT INTO staffd.agent_skills (agent_id, queue_id) SELECT a.id, q.id FROM staffd.agents a, staffd.queues q;
INSERT INTO staffd.preferences (agent_id, weekday, start_time, end_time, kind, weight)
SELECT a.id, d, '17:00', '21:00', 'avoid', 0.1 FROM staffd.agents a, generate_series(1, 7) d
WHERE a.name = 'Ben';
"""

# Contacts per quarter hour today: 1 of 60 s needs one agent, 5 of 90 s two, 15 of 90 s three
# (Erlang C, 80 % in 20 s, no shrinkage); checked below on coverage.required.
DEMAND = """
DELETE FROM staffd.demand;
INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds)
SELECT q.id, %(today)s + interval '17 hours' + g * interval '15 minutes', 15,
       CASE WHEN g < 16 THEN %(early)s ELSE %(late)s END,
       CASE WHEN g < 16 THEN %(early_aht)s ELSE %(late_aht)s END
FROM staffd.queues q CROSS JOIN generate_series(0, 31) g;
"""


def main():
    t = harness.Tests()
    h = harness.Harness("absence", horizon_days=3)
    h.settings.update({"quick_plan": "yes", "quick_debounce_ms": 10, "plan_iterations": 3000,
                       "quick_plan_iterations": 3000, "full_plan_after_ms": 1000,
                       "freeze_hours": 48})
    st = {}

    def shift(agent):
        """The agent's scheduled shift starting today: (id, starts, ends, sequence) as UTC 'HH:MM'."""
        rows = h.sql("""SELECT s.id, to_char(s.starts AT TIME ZONE 'UTC', 'HH24:MI'),
                               to_char(s.ends AT TIME ZONE 'UTC', 'HH24:MI'), s.sequence
                        FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id
                        WHERE a.name = '%s' AND s.status = 'scheduled'
                          AND s.starts >= %s AND s.starts < %s + interval '1 day'""" % (agent, TODAY, TODAY))
        require(len(rows) <= 1, "%s has %d shifts today" % (agent, len(rows)))
        return (rows[0][0], rows[0][1], rows[0][2], int(rows[0][3])) if rows else None

    def required(hour):
        return float(h.scalar("""SELECT max(c.required) FROM staffd.coverage c
                                 WHERE c.interval_start = %s + interval '%d hours'""" % (TODAY, hour)))

    def breaks(shift_id):
        return int(h.scalar("SELECT count(*) FROM staffd.shift_breaks WHERE shift_id = '%s'" % shift_id))

    def body():
        def start():
            h.setup_database()
            h.sql(FIXTURE, single_transaction=True)
            h.sql(DEMAND % {"today": TODAY, "early": 1, "early_aht": 60, "late": 5, "late_aht": 90},
                  single_transaction=True)
            h.start()
            h.wait_succeeded_runs(1, timeout=60)
            st["run"] = h.wait_quiet(quiet=1.5, timeout=60)
            require(required(17) == 1 and required(21) == 2,
                    "the fixture's demand needs %s at 17:00 and %s at 21:00, not 1 and 2"
                    % (required(17), required(21)))
            ann, ben = shift("Ann"), shift("Ben")
            require(ann and ann[1:3] == ("17:00", "01:00"), "Ann was told %s, not 17:00-01:00" % (ann,))
            require(ben and ben[1:3] == ("21:00", "01:00"), "Ben was told %s, not 21:00-01:00" % (ben,))
            st["ann"], st["ben"] = ann, ben
        t.case("absence_first_roster", start)

        def demand_moves():
            h.sql(DEMAND % {"today": TODAY, "early": 15, "early_aht": 90, "late": 1, "late_aht": 60},
                  single_transaction=True)
            h.wait_run_after(st["run"], timeout=60)
            st["run"] = h.wait_quiet(quiet=1.5, timeout=60)
            require(required(17) == 3 and required(21) == 1,
                    "the new demand needs %s at 17:00 and %s at 21:00, not 3 and 1"
                    % (required(17), required(21)))
            require(shift("Ann") == st["ann"] and shift("Ben") == st["ben"],
                    "frozen shifts moved on a change of demand: Ann %s, Ben %s" % (shift("Ann"), shift("Ben")))
        t.case("absence_frozen_shifts_stay", demand_moves, after=["absence_first_roster"])

        def time_off():
            h.sql("""INSERT INTO staffd.time_off (agent_id, starts, ends, reason)
                     SELECT id, %s + interval '17 hours', %s + interval '21 hours', 'dentist'
                     FROM staffd.agents WHERE name = 'Ann'""" % (TODAY, TODAY))
            quick = h.wait_run_after(st["run"], timeout=60)
            kind = h.scalar("SELECT kind FROM staffd.runs WHERE id = %d" % quick)
            require(kind == "quick", "the run after Ann's time off is %s, not quick" % kind)
            ann, ben = shift("Ann"), shift("Ben")
            status = h.scalar("SELECT status FROM staffd.shifts WHERE id = '%s'" % st["ann"][0])
            require(ann is not None,
                    "Ann's shift went whole (now %s), though 21:00-01:00 is a shift she can still work"
                    % status)
            require(ann[0] == st["ann"][0], "Ann's kept part is a new shift %s, not her shift %s"
                    % (ann[0], st["ann"][0]))
            require(ann[1:3] == ("21:00", "01:00"), "Ann keeps %s-%s, not 21:00-01:00" % ann[1:3])
            require(ann[3] == st["ann"][3] + 1, "Ann's shift has SEQUENCE %d, not %d"
                    % (ann[3], st["ann"][3] + 1))
            require(breaks(ann[0]) == 0, "Ann's 4-hour part kept the 8-hour shift's break")
            require(ben is not None and ben[0] == st["ben"][0], "Ben's shift is now %s" % (ben,))
            require(ben[1:3] == ("17:00", "01:00"),
                    "Ben's frozen 21:00-01:00 did not grow into Ann's hole: %s-%s" % ben[1:3])
            require(breaks(ben[0]) == 1, "Ben's 8-hour shift has %d breaks, not 1" % breaks(ben[0]))
            short = h.scalar("""SELECT sum(c.scheduled) FROM staffd.coverage c
                                WHERE c.interval_start >= %s + interval '17 hours'
                                  AND c.interval_start < %s + interval '21 hours'""" % (TODAY, TODAY))
            require(int(short) >= 14, "the hole is covered in %s of its 16 quarter hours" % short)
            st["quick"] = quick
        t.case("absence_keeps_the_part_and_backfills_the_hole", time_off,
               after=["absence_frozen_shifts_stay"])

        def full_after():
            full = h.wait_run_after(st["quick"], timeout=60)
            kind, reason = h.sql("SELECT kind, reason FROM staffd.runs WHERE id = %d" % full)[0]
            require(kind == "full" and reason == "after quick runs",
                    "the run after the quick one is %s (%s)" % (kind, reason))
            h.wait_quiet(quiet=1.5, timeout=60)
            ann, ben = shift("Ann"), shift("Ben")
            require(ann and ann[1:3] == ("21:00", "01:00") and ben and ben[1:3] == ("17:00", "01:00"),
                    "the full run changed the backfilled roster: Ann %s, Ben %s" % (ann, ben))
        t.case("absence_full_run_keeps_it", full_after,
               after=["absence_keeps_the_part_and_backfills_the_hole"])

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
