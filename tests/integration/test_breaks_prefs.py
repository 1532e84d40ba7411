#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Breaks and preferences against a real PostgreSQL and the real daemon.

contracts.break_rules and staffd.preferences refuse bad rows with messages
that say what is wrong (migration 0004); the daemon places every shift's
breaks inside the windows its contract's rules give, in the same run that
publishes the shift; coverage counts an agent on a break as not there; feeds
list the breaks; a re-plan with nothing changed moves no break and no byte of
a feed; changed rules replace the breaks of the shifts ahead (SEQUENCE + 1);
a cancelled shift has no breaks; an agent who avoids a day does not work it
when a colleague can.
"""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import lit, require  # noqa: E402

EXAMPLE_RULES = ('[{"min_shift_minutes": 360, "minutes": 30, "paid": false, "earliest_after": 180,'
                 ' "latest_after": 300}, {"min_shift_minutes": 240, "minutes": 15, "paid": true,'
                 ' "in_each_half": true}]')
PART_TIME_RULES = '[{"min_shift_minutes": 240, "minutes": 15, "paid": true}]'

BAD_RULES = [
    ('{"minutes": 30}', "must be a JSON array"),
    ('[{"min_shift_minutes": 360, "minutes": 30, "paid": false, "earliest_afer": 180}]',
     'unknown key "earliest_afer"'),
    ('[{"min_shift_minutes": 360, "minutes": 20, "paid": false}]', '"minutes" must be 15, 30'),
    ('[{"min_shift_minutes": 360, "minutes": 30}]', 'no "paid"'),
    ('[{"min_shift_minutes": 360, "minutes": 30, "paid": "no"}]', '"paid" must be true or false'),
    ('[{"min_shift_minutes": 360, "minutes": 30.5, "paid": true}]', "whole number of minutes"),
    ('[{"min_shift_minutes": 240, "minutes": 30, "paid": false, "earliest_after": 180, "latest_after": 300}]',
     "does not fit"),
    ('[{"min_shift_minutes": 360, "minutes": 30, "paid": false, "earliest_after": 300, "latest_after": 180}]',
     "is after"),
    ('[{"min_shift_minutes": 100, "minutes": 60, "paid": true, "in_each_half": true}]', "leaves no work"),
    ('[1]', "not a JSON object"),
]

BAD_PREFS = [
    ("weekday, kind) VALUES (%(a)d, 8, 'avoid')", "preference_weekday_is_iso_1_to_7"),
    ("kind) VALUES (%(a)d, 'avoid')", "preference_has_a_weekday_or_a_date_not_both"),
    ("weekday, on_date, kind) VALUES (%(a)d, 1, test_today(), 'avoid')",
     "preference_has_a_weekday_or_a_date_not_both"),
    ("weekday, start_time, kind) VALUES (%(a)d, 1, '18:00', 'prefer')",
     "preference_start_time_and_end_time_both_or_neither"),
    ("weekday, start_time, end_time, kind) VALUES (%(a)d, 1, '18:00', '18:00', 'prefer')",
     "preference_window_not_empty"),
    ("weekday, kind) VALUES (%(a)d, 1, 'maybe')", "preference_kind_is_prefer_or_avoid"),
    ("weekday, kind, weight) VALUES (%(a)d, 1, 'avoid', 0)", "preference_weight_above_0_and_at_most_100"),
    ("weekday, kind, weight) VALUES (%(a)d, 1, 'avoid', 101)", "preference_weight_above_0_and_at_most_100"),
]

# Two identical agents on a queue of their own, with one agent needed 09:00-17:00 UTC every day.
PREF_SQL = """
INSERT INTO staffd.queues (name, channel, time_zone, shrinkage) VALUES ('voice-pref', 'voice', 'UTC', 0);
INSERT INTO staffd.agents (name, time_zone, contract_id)
SELECT n, 'UTC', (SELECT id FROM staffd.contracts WHERE name = 'full-time')
FROM (VALUES ('Pref A'), ('Pref B')) AS v(n);
INSERT INTO staffd.agent_skills (agent_id, queue_id)
SELECT a.id, q.id FROM staffd.agents a, staffd.queues q WHERE a.name LIKE 'Pref %%' AND q.name = 'voice-pref';
INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time)
SELECT a.id, wd, '08:00', '20:00' FROM staffd.agents a, generate_series(1, 7) wd WHERE a.name LIKE 'Pref %%';
INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds)
SELECT q.id, d + h * interval '15 minutes', 15, 0.5, 60
FROM staffd.queues q,
     generate_series(%(hs)s, %(hs)s + interval '3 days', interval '1 day') AS d,
     generate_series(36, 67) AS h
WHERE q.name = 'voice-pref';
-- Pref A would rather not work tomorrow (UTC), whatever the weekday is.
INSERT INTO staffd.preferences (agent_id, weekday, kind, weight, note)
SELECT id, extract(isodow FROM (test_now() AT TIME ZONE 'UTC')::date + 1)::int, 'avoid', 10,
       'test: a day off tomorrow'
FROM staffd.agents WHERE name = 'Pref A';
""" % {"hs": harness.HORIZON_START}

# Each query returns one text row per problem with the breaks of shifts ahead.
BREAK_CHECKS = {
    "full-time": """
WITH s AS (
    SELECT s.id, s.starts, s.ends, extract(epoch FROM s.ends - s.starts)::int / 60 AS len
    FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id
    JOIN staffd.contracts c ON c.id = a.contract_id
    WHERE c.name = 'full-time' AND s.status = 'scheduled' AND s.starts > test_now()
), k AS (
    SELECT s.*, s.starts + (s.len / 2 / 15 * 15) * interval '1 minute' AS mid,
        (SELECT count(*) FROM staffd.shift_breaks b WHERE b.shift_id = s.id AND NOT b.paid
           AND b.ends - b.starts = interval '30 minutes'
           AND b.starts BETWEEN s.starts + interval '180 minutes' AND s.starts + interval '300 minutes') AS lunch,
        (SELECT count(*) FROM staffd.shift_breaks b WHERE b.shift_id = s.id AND b.paid
           AND b.ends - b.starts = interval '15 minutes'
           AND b.ends <= s.starts + (s.len / 2 / 15 * 15) * interval '1 minute') AS first_half,
        (SELECT count(*) FROM staffd.shift_breaks b WHERE b.shift_id = s.id AND b.paid
           AND b.ends - b.starts = interval '15 minutes'
           AND b.starts >= s.starts + (s.len / 2 / 15 * 15) * interval '1 minute') AS second_half,
        (SELECT count(*) FROM staffd.shift_breaks b WHERE b.shift_id = s.id) AS total
    FROM s
)
SELECT format('shift %s (%s min from %s): lunch %s, first half %s, second half %s, %s breaks in all',
              id, len, starts, lunch, first_half, second_half, total)
FROM k
WHERE lunch <> (CASE WHEN len >= 360 THEN 1 ELSE 0 END) OR first_half <> 1 OR second_half <> 1
   OR total <> (CASE WHEN len >= 360 THEN 3 ELSE 2 END)
""",
    "part-time": """
SELECT format('part-time shift %s (%s..%s) has %s breaks, want one paid 15-minute break', s.id, s.starts, s.ends,
              (SELECT count(*) FROM staffd.shift_breaks b WHERE b.shift_id = s.id))
FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id JOIN staffd.contracts c ON c.id = a.contract_id
WHERE c.name = 'part-time' AND s.status = 'scheduled' AND s.starts > test_now()
  AND (SELECT count(*) FROM staffd.shift_breaks b WHERE b.shift_id = s.id AND b.paid
         AND b.ends - b.starts = interval '15 minutes') <> 1
""",
    "student": """
SELECT format('student shift %s has a break', b.shift_id)
FROM staffd.shift_breaks b JOIN staffd.shifts s ON s.id = b.shift_id JOIN staffd.agents a ON a.id = s.agent_id
JOIN staffd.contracts c ON c.id = a.contract_id WHERE c.name = 'student'
""",
    "inside the shift, on the grid, apart": """
SELECT format('break %s..%s of shift %s (%s..%s)', b.starts, b.ends, s.id, s.starts, s.ends)
FROM staffd.shift_breaks b JOIN staffd.shifts s ON s.id = b.shift_id
WHERE b.starts < s.starts OR b.ends > s.ends OR extract(epoch FROM b.starts)::bigint % 900 <> 0
   OR EXISTS (SELECT 1 FROM staffd.shift_breaks o WHERE o.shift_id = b.shift_id AND o.starts <> b.starts
              AND o.starts < b.ends AND b.starts < o.ends)
""",
}

COVERAGE_CHECK = """
SELECT format('%s %s: coverage says %s scheduled, shifts less breaks give %s', c.queue_id, c.interval_start,
              c.scheduled, n.on_queue)
FROM staffd.coverage c
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE NOT EXISTS (
               SELECT 1 FROM staffd.shift_breaks b
               WHERE b.shift_id = s.id AND b.starts <= c.interval_start AND c.interval_start < b.ends)) AS on_queue
    FROM staffd.shifts s
    WHERE s.queue_id = c.queue_id AND s.status = 'scheduled'
      AND s.starts <= c.interval_start AND c.interval_start < s.ends
) n
WHERE n.on_queue <> c.scheduled
LIMIT 5
"""


def hhmm(epoch):
    import datetime
    return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).strftime("%H:%M")


def main():
    t = harness.Tests()
    h = harness.Harness("breaks_prefs", horizon_days=7)
    st = {}

    def snapshot_breaks():
        return h.sql("SELECT b.shift_id, extract(epoch FROM b.starts)::bigint, extract(epoch FROM b.ends)::bigint,"
                     " b.paid FROM staffd.shift_breaks b ORDER BY 1, 2")

    def body():
        def setup():
            h.setup_database()
            fx = h.load_fixture(days=4)
            h.sql("UPDATE staffd.contracts SET break_rules = %s WHERE name = 'full-time'" % lit(EXAMPLE_RULES))
            h.sql("UPDATE staffd.contracts SET break_rules = %s WHERE name = 'part-time'" % lit(PART_TIME_RULES))
            h.sql(PREF_SQL, single_transaction=True)
            fx = h.fixture_ids()
            h.issue_feeds(fx)
            st["fx"] = fx
        t.case("breaks_prefs_setup", setup)
        up = ["breaks_prefs_setup"]

        def bad_rules():
            problems = []
            for value, want in BAD_RULES:
                err = h.sql_error("UPDATE staffd.contracts SET break_rules = %s WHERE name = 'student'" % lit(value))
                if err is None:
                    problems.append("%s was accepted" % value)
                elif want not in err.error_line or 'contract "student"' not in err.error_line:
                    problems.append("%s: message %r lacks %r" % (value, err.error_line, want))
            require(not problems, "; ".join(problems))
            rules = h.scalar("SELECT break_rules::text FROM staffd.contracts WHERE name = 'student'")
            require(rules == "[]", "student's break_rules changed to %s" % rules)
            # The documented example is fine, in a new contract too.
            h.sql("INSERT INTO staffd.contracts (name, max_minutes_per_week, shift_lengths_minutes, break_rules)"
                  " VALUES ('example', 2400, '{480}', %s)" % lit(EXAMPLE_RULES))
            h.sql("DELETE FROM staffd.contracts WHERE name = 'example'")
        t.case("break_rules_refused_with_a_reason", bad_rules, after=up)

        def bad_prefs():
            a = st["fx"].agents["Ines Inactive"]
            problems = []
            for cols, want in BAD_PREFS:
                err = h.sql_error("INSERT INTO staffd.preferences (agent_id, " + cols % {"a": a})
                if err is None:
                    problems.append("%s was accepted" % cols)
                elif want not in err.error_line:
                    problems.append("%s: message %r lacks %s" % (cols, err.error_line, want))
            require(not problems, "; ".join(problems))
            w = h.scalar("INSERT INTO staffd.preferences (agent_id, on_date, start_time, end_time, kind)"
                         " VALUES (%d, test_today() + 2, '22:00', '02:00', 'prefer') RETURNING weight" % a)
            require(float(w) == 1.0, "default weight is %s, want 1" % w)
        t.case("preferences_refused_with_named_constraints", bad_prefs, after=up)

        def first_run():
            h.start()
            st["run"] = h.wait_succeeded_runs(1, timeout=20)
            h.wait_quiet(quiet=0.5, timeout=30)
            st["run"] = h.max_run_id()
            errs = h.sql("SELECT table_name, row_key, message FROM staffd.input_errors"
                         " WHERE table_name IN ('contracts', 'preferences')")
            require(not errs, "input errors about breaks or preferences: %s" % errs)
            n = int(h.scalar("SELECT count(*) FROM staffd.shift_breaks"))
            require(n > 0, "no breaks were published")
        t.case("breaks_prefs_first_run_publishes_breaks", first_run, after=up)
        ran = ["breaks_prefs_first_run_publishes_breaks"]

        def rules_hold():
            problems = []
            for name, q in BREAK_CHECKS.items():
                rows = h.sql(q)
                problems += ["%s: %s" % (name, r[0]) for r in rows[:3]]
            require(not problems, "; ".join(problems))
            n = int(h.scalar("SELECT count(*) FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id"
                             " JOIN staffd.contracts c ON c.id = a.contract_id"
                             " WHERE c.name = 'full-time' AND s.status = 'scheduled' AND s.starts > test_now()"))
            require(n > 0, "no full-time shift ahead to check")
        t.case("breaks_follow_the_contract_rules", rules_hold, after=ran)

        def coverage():
            rows = h.sql(COVERAGE_CHECK)
            require(not rows, "; ".join(r[0] for r in rows))
        t.case("coverage_counts_agents_on_break_as_away", coverage, after=ran)

        def feed_lists_breaks():
            fx = st["fx"]
            rows = h.sql("""
SELECT a.name, s.id, string_agg(extract(epoch FROM b.starts)::bigint || ' ' || extract(epoch FROM b.ends)::bigint
                                 || ' ' || b.paid::int, ',' ORDER BY b.starts)
FROM staffd.shift_breaks b JOIN staffd.shifts s ON s.id = b.shift_id JOIN staffd.agents a ON a.id = s.agent_id
WHERE s.status = 'scheduled' GROUP BY a.name, s.id ORDER BY a.name, s.id""")
            require(rows, "no shift with breaks")
            st["feed_agent"] = sorted({r[0] for r in rows if r[0] in fx.feeds})[0]
            checked = 0
            for name in sorted({r[0] for r in rows}):
                if name not in fx.feeds:
                    continue
                body = harness.wait_feed_matches_db(h, fx.feeds[name], fx.agents[name], timeout=5)
                cal = harness.parse_feed(body)
                desc = {str(ev.get("UID")): str(ev.get("DESCRIPTION", "")) for ev in cal.walk("VEVENT")}
                for _, sid, brk in (r for r in rows if r[0] == name):
                    text = desc.get(sid)
                    require(text is not None, "shift %s of %s is not in the feed" % (sid, name))
                    for item in brk.split(","):
                        s, e, paid = item.split(" ")
                        want = "%s\u2013%s UTC (%s)" % (hhmm(s), hhmm(e), "paid" if paid == "1" else "unpaid")
                        require(want in text, "%s's shift %s: DESCRIPTION %r lacks %r" % (name, sid, text, want))
                    checked += 1
            require(checked > 0, "no feed with breaks to check")
        t.case("feed_lists_each_shifts_breaks", feed_lists_breaks, after=ran)

        def avoided():
            rows = h.sql("""
SELECT a.name, count(*) FILTER (WHERE (s.starts AT TIME ZONE 'UTC')::date = (test_now() AT TIME ZONE 'UTC')::date + 1
                                 AND s.status = 'scheduled')
FROM staffd.agents a LEFT JOIN staffd.shifts s ON s.agent_id = a.id
WHERE a.name LIKE 'Pref %' GROUP BY a.name ORDER BY a.name""")
            got = {r[0]: int(r[1]) for r in rows}
            require(got.get("Pref A") == 0, "Pref A, who avoids tomorrow, works it: %s" % got)
            require(got.get("Pref B") == 1, "Pref B does not cover tomorrow: %s" % got)
        t.case("avoided_day_goes_to_a_colleague", avoided, after=ran)

        def stable():
            name = st["feed_agent"]
            path = st["fx"].feeds[name]
            before_breaks = snapshot_breaks()
            before_seq = h.sql("SELECT id, sequence FROM staffd.shifts ORDER BY id")
            body0 = harness.wait_feed_matches_db(h, path, st["fx"].agents[name])
            rid = h.max_run_id()
            # An input change that changes nothing: a preference of an inactive agent.
            h.sql("INSERT INTO staffd.preferences (agent_id, weekday, kind) VALUES (%d, 3, 'avoid')"
                  % st["fx"].agents["Ines Inactive"])
            st["run"] = h.wait_run_after(rid, timeout=20)
            h.wait_quiet(quiet=0.5, timeout=30)
            after_breaks = snapshot_breaks()
            require(after_breaks == before_breaks, "breaks moved in a re-plan with nothing changed")
            after_seq = h.sql("SELECT id, sequence FROM staffd.shifts ORDER BY id")
            require(after_seq == before_seq, "shift sequences changed in a re-plan with nothing changed")
            r = h.get(path)
            require(r.status == 200 and r.body == body0, "%s's feed bytes changed" % name)
        t.case("replan_without_change_moves_no_break_and_no_feed_byte", stable, after=ran)

        def rules_change():
            ahead = "s.starts > test_now() + interval '1 minute'"
            before = {r[0]: int(r[1]) for r in h.sql(
                "SELECT s.id, s.sequence FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id"
                " JOIN staffd.contracts c ON c.id = a.contract_id"
                " WHERE c.name = 'part-time' AND s.status = 'scheduled' AND " + ahead)}
            require(before, "no part-time shift ahead")
            rid = h.max_run_id()
            h.sql("UPDATE staffd.contracts SET break_rules = '[{\"min_shift_minutes\": 240, \"minutes\": 30,"
                  " \"paid\": false}]' WHERE name = 'part-time'")
            h.wait_run_after(rid, timeout=20)
            h.wait_quiet(quiet=0.5, timeout=30)
            rows = h.sql("""
SELECT s.id, s.sequence, s.status,
       (SELECT count(*) FROM staffd.shift_breaks b WHERE b.shift_id = s.id),
       (SELECT count(*) FROM staffd.shift_breaks b WHERE b.shift_id = s.id AND NOT b.paid
          AND b.ends - b.starts = interval '30 minutes')
FROM staffd.shifts s WHERE s.id IN (%s)""" % ",".join(lit(i) for i in before))
            problems = []
            for sid, seq, status, n, unpaid in rows:
                if status != "scheduled":
                    continue
                if int(n) != 1 or int(unpaid) != 1:
                    problems.append("shift %s has %s breaks (%s unpaid 30-minute)" % (sid, n, unpaid))
                if int(seq) <= before[sid]:
                    problems.append("shift %s kept SEQUENCE %s although its breaks changed" % (sid, seq))
            require(not problems, "; ".join(problems[:4]))
            name = "Björn Berg"
            body = harness.wait_feed_matches_db(h, st["fx"].feeds[name], st["fx"].agents[name])
            text = body.decode("utf-8").replace("\r\n ", "")
            require(re.search(r"UTC \(unpaid\)", text), "%s's feed shows no unpaid break" % name)
        t.case("changed_rules_replace_breaks_with_sequence_bump", rules_change, after=ran)

        def cancelled():
            fx = st["fx"]
            rows = h.sql("""
SELECT s.id FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id
WHERE s.status = 'scheduled' AND s.starts > test_now() + interval '3 hours' AND a.name NOT LIKE 'Pref %'
  AND EXISTS (SELECT 1 FROM staffd.shift_breaks b WHERE b.shift_id = s.id)
ORDER BY s.starts DESC LIMIT 1""")
            require(rows, "no shift with breaks ahead")
            sid = rows[0][0]
            rid = h.max_run_id()
            h.sql(harness.local_day_time_off_sql(sid))
            h.wait_run_after(rid, timeout=20)
            h.wait_quiet(quiet=0.5, timeout=30)
            status = h.scalar("SELECT status FROM staffd.shifts WHERE id = %s" % lit(sid))
            n = int(h.scalar("SELECT count(*) FROM staffd.shift_breaks WHERE shift_id = %s" % lit(sid)))
            require(status == "cancelled", "shift %s is %s after a day off, want cancelled" % (sid, status))
            require(n == 0, "cancelled shift %s still has %d breaks" % (sid, n))
            del fx
        t.case("cancelled_shift_has_no_breaks", cancelled, after=ran)

        t.case("breaks_prefs_daemon_stops_cleanly", h.stop, after=up)

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
