#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Bad input rows are refused by PostgreSQL at insert time with a message that
names the rule; output tables refuse writes from anyone but the daemon; the
daemon keeps running and planning after all of it.
"""

import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402

FUTURE_SLOT = "(%s + interval '1 day 2 hours')" % harness.HORIZON_START

# (case name, SQL that must fail, regex the ERROR line must match: the rule's name)
# {q}, {a}, {c} are a queue id, an agent id and a contract id from the fixture.
BAD_ROWS = [
    ("bad_input_negative_contacts_refused",
     "INSERT INTO staffd.demand (queue_id, interval_start, contacts, aht_seconds) VALUES ({q}, %s, -1, 300)" % FUTURE_SLOT,
     r"contacts"),
    ("bad_input_aht_zero_refused",
     "INSERT INTO staffd.demand (queue_id, interval_start, contacts, aht_seconds) VALUES ({q}, %s, 5, 0)" % FUTURE_SLOT,
     r"aht"),
    ("bad_input_aht_negative_refused",
     "INSERT INTO staffd.demand (queue_id, interval_start, contacts, aht_seconds) VALUES ({q}, %s, 5, -30)" % FUTURE_SLOT,
     r"aht"),
    ("bad_input_time_off_end_not_after_start_refused",
     "INSERT INTO staffd.time_off (agent_id, starts, ends) VALUES ({a}, test_now() + interval '1 day', test_now() + interval '1 day')",
     r"time_off.*end|end.*after.*start"),
    ("bad_input_unknown_time_zone_refused",
     "INSERT INTO staffd.agents (name, time_zone, contract_id) VALUES ('Zed', 'Mars/Olympus', {c})",
     r"time.?zone"),
    ("bad_input_unknown_queue_refused",
     "INSERT INTO staffd.agent_skills (agent_id, queue_id) VALUES ({a}, 987654321)",
     r"foreign key.*queue|queue.*foreign key"),
    ("bad_input_unknown_agent_refused",
     "INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time) VALUES (987654321, 1, '08:00', '16:00')",
     r"foreign key.*agent|agent.*foreign key"),
    ("bad_input_weekday_8_refused",
     "INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time) VALUES ({a}, 8, '08:00', '16:00')",
     r"weekday"),
    ("bad_input_shrinkage_1_5_refused",
     "UPDATE staffd.queues SET shrinkage = 1.5 WHERE id = {q}",
     r"shrinkage"),
    ("bad_input_service_level_0_refused",
     "INSERT INTO staffd.queues (name, channel, service_level) VALUES ('sl-zero', 'voice', 0)",
     r"service.?level"),
    ("bad_input_misaligned_interval_start_refused",
     "INSERT INTO staffd.demand (queue_id, interval_start, contacts, aht_seconds) "
     "VALUES ({q}, %s + interval '7 minutes', 5, 300)" % FUTURE_SLOT,
     r"interval|grid|align"),
    ("bad_input_shift_length_not_multiple_of_15_refused",
     "INSERT INTO staffd.contracts (name, max_minutes_per_week, shift_lengths_minutes) VALUES ('odd', 2400, '{{240,100}}')",
     r"shift_length|15"),
    ("bad_input_candidate_status_bogus_refused",
     "INSERT INTO staffd.candidates (name, time_zone, minutes_per_week_wanted, status) "
     "VALUES ('Cand', 'Europe/Stockholm', 600, 'bogus')",
     r"status"),
]

# Writes to output tables: refused with "written only by the staffd daemon".
OUTPUT_WRITES = [
    ("bad_input_insert_into_shifts_refused",
     "INSERT INTO staffd.shifts (agent_id, queue_id, starts, ends) VALUES ({a}, {q}, test_now() + interval '1 day', "
     "test_now() + interval '1 day 8 hours')"),
    ("bad_input_update_shifts_refused", "UPDATE staffd.shifts SET sequence = sequence + 1"),
    ("bad_input_delete_from_coverage_refused", "DELETE FROM staffd.coverage"),
    ("bad_input_insert_into_runs_refused",
     "INSERT INTO staffd.runs (started_at, reason, status) VALUES (now(), 'manual', 'succeeded')"),
    ("bad_input_delete_from_hiring_needs_refused", "DELETE FROM staffd.hiring_needs"),
    ("bad_input_truncate_input_errors_refused", "TRUNCATE staffd.input_errors"),
    ("bad_input_update_site_state_refused", "UPDATE staffd.site_state SET generation = generation + 1"),
]

COUNTS = "SELECT (SELECT count(*) FROM staffd.shifts), (SELECT count(*) FROM staffd.coverage), " \
         "(SELECT count(*) FROM staffd.runs), (SELECT coalesce(sum(sequence), 0) FROM staffd.shifts)"


def main():
    t = harness.Tests()
    h = harness.Harness("bad_input", horizon_days=7)
    st = {}

    def body():
        def setup():
            h.setup_database()
            fx = h.load_fixture(days=2)
            h.start()
            h.wait_succeeded_runs(1, timeout=15)
            h.wait_quiet(quiet=0.5, timeout=20)
            st["ids"] = {"q": fx.queues["voice-sv"], "a": fx.agents["Astrid Lind"], "c": fx.contracts["full-time"]}
            st["counts"] = h.sql(COUNTS)[0]
            st["runs_before"] = h.max_run_id()
        t.case("bad_input_daemon_starts_and_plans", setup)
        up = ["bad_input_daemon_starts_and_plans"]

        def refused(sql, pattern):
            err = h.sql_error(sql.format(**st["ids"]))
            require(err is not None, "accepted: %s" % sql.format(**st["ids"]))
            line = err.error_line
            require(re.search(pattern, line, re.I), "refused, but the message does not name the rule (/%s/): %s"
                    % (pattern, line))
        for name, sql, pattern in BAD_ROWS:
            t.case(name, refused, sql, pattern, after=up)

        def output_refused(sql):
            err = h.sql_error(sql.format(**st["ids"]))
            require(err is not None, "accepted: %s" % sql.format(**st["ids"]))
            require("written only by the staffd daemon" in err.stderr,
                    "refused, but not with 'written only by the staffd daemon': %s" % err.error_line)
        for name, sql in OUTPUT_WRITES:
            t.case(name, output_refused, sql, after=up)

        def unchanged():
            now = h.sql(COUNTS)[0]
            require(now[:2] == st["counts"][:2] and now[3] == st["counts"][3],
                    "output tables changed by refused writes: shifts/coverage/runs/seq %s -> %s" % (st["counts"], now))
        t.case("bad_input_output_tables_unchanged", unchanged, after=up)

        def still_planning():
            require(h.alive(), "daemon exited (%s)" % h.proc.returncode)
            r = h.healthz()
            require(r.status == 200 and r.json().get("database") == "connected", "healthz %d %s" % (r.status, r.body[:200]))
            before = h.max_run_id()
            h.sql("INSERT INTO staffd.demand (queue_id, interval_start, contacts, aht_seconds) "
                  "VALUES (%d, %s + interval '15 minutes', 7, 300) ON CONFLICT (queue_id, interval_start) "
                  "DO UPDATE SET contacts = staffd.demand.contacts + 1" % (st["ids"]["q"], FUTURE_SLOT))
            h.wait_run_after(before, timeout=10)
        t.case("bad_input_daemon_keeps_running_and_planning", still_planning, after=up)

        t.case("bad_input_daemon_stops_cleanly", h.stop, after=up)

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
