#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Surplus beside shortage, and the shortage no roster can fix (migration 0013).

On the small fixture under the tests' fixed clock (voice-sv needs far more than
its three agents, chat-en is moderate, nobody is skilled for voice-fi; voice-x,
added here, is busy this morning, before the clock, and for one quarter of an
hour tomorrow that only a 6-hour shift can cover):
runs.shortage_minutes, past_shortage_minutes and surplus_minutes equal what SQL
computes from coverage.required and scheduled on either side of planned_at,
and /healthz and /metrics say the future figure; coverage.surplus is what is
scheduled above the requirement; coverage.available counts the agents who could
work an interval at all and is never below what is scheduled; the unfixable
shortage is min(shortage, required - available), all of voice-fi's shortage and
part of voice-sv's; runs.surplus_minutes and runs.unfixable_shortage_minutes
are the future sums of coverage; staffd.coverage_days adds up to them per queue
and day; /metrics and /healthz say the same figures, and the run's log line
names them."""
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402


# Where the past spell starts: two hours before the clock's quarter hour, or at midnight
# (at 00:05 the spell is the one quarter hour that has begun).
PAST_START = "greatest(%s, %s - interval '2 hours')" % (harness.HORIZON_START, harness.NOW_15)


def main():
    t = harness.Tests()
    h = harness.Harness("surplus", horizon_days=3)
    h.settings["plan_iterations"] = 3000
    st = {}

    def body():
        def start():
            h.setup_database()
            st["fx"] = h.load_fixture(days=3)
            # One busy quarter of an hour tomorrow on a queue of its own, which only a
            # full-time agent (6 or 8 h shifts) could cover, and a busy spell today
            # that has passed: the two hours before the tests' clock (08:00-10:00 UTC
            # at the usual 16:05), as much of them as today holds: history.
            h.sql("""INSERT INTO staffd.queues (name, channel, time_zone, service_level, target_seconds)
                         VALUES ('voice-x', 'voice', 'UTC', 0.8, 20);
                     INSERT INTO staffd.agents (name, email, time_zone, contract_id)
                         SELECT 'Xavier Extra', 'xavier@example.com', 'UTC', id FROM staffd.contracts
                         WHERE name = 'full-time';
                     INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time)
                         SELECT a.id, d, '06:00', '22:00' FROM staffd.agents a, generate_series(1, 7) d
                         WHERE a.name = 'Xavier Extra';
                     INSERT INTO staffd.agent_skills (agent_id, queue_id)
                         SELECT a.id, q.id FROM staffd.agents a, staffd.queues q
                         WHERE a.name = 'Xavier Extra' AND q.name = 'voice-x';
                     INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds)
                         SELECT id, %(hs)s + interval '1 day 12 hours', 15, 2, 300 FROM staffd.queues
                         WHERE name = 'voice-x';
                     INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds)
                         SELECT q.id, %(past)s + g * interval '15 minutes', 15, 20, 300
                         FROM staffd.queues q CROSS JOIN generate_series(0, 7) g
                         WHERE q.name = 'voice-x' AND %(past)s + g * interval '15 minutes' < test_now();"""
                  % {"hs": harness.HORIZON_START, "past": PAST_START},
                  single_transaction=True)
            h.start()
            st["run"] = h.wait_succeeded_runs(1, timeout=60)
            st["run"] = h.wait_quiet(quiet=1.0, timeout=60)
        t.case("surplus_daemon_plans", start)
        up = ["surplus_daemon_plans"]

        def headline_is_the_future():
            # Computed from required and scheduled alone, on either side of the tests' clock.
            row = h.sql("""SELECT r.planned_at = test_now(), r.shortage_minutes, r.past_shortage_minutes,
                                  r.surplus_minutes,
                                  sum(greatest(c.required - c.scheduled, 0)) FILTER (WHERE c.interval_start >= test_now()) * 15,
                                  sum(greatest(c.required - c.scheduled, 0)) FILTER (WHERE c.interval_start < test_now()) * 15,
                                  sum(greatest(c.scheduled - c.required, 0)) FILTER (WHERE c.interval_start >= test_now()) * 15,
                                  count(*) FILTER (WHERE c.interval_start < test_now())
                           FROM staffd.runs r JOIN staffd.coverage c ON c.run_id = r.id
                           WHERE r.id = %d GROUP BY r.id""" % st["run"])[0]
            require(row[0] == "t", "the run did not plan as of the tests' clock")
            short, past, sur, sql_short, sql_past, sql_sur = (float(x) for x in row[1:7])
            # Every queue's intervals from midnight to the clock (65 a queue at 16:05).
            before = int(h.scalar("SELECT ceil(extract(epoch FROM test_now() - %s) / 900)"
                                  % harness.HORIZON_START))
            spell = int(h.scalar("SELECT count(*) FROM staffd.demand d JOIN staffd.queues q ON q.id = d.queue_id "
                                 "WHERE q.name = 'voice-x' AND d.interval_start < test_now()"))
            require(int(row[7]) == 4 * before, "%s intervals before the clock, want 4 queues x %d"
                    % (row[7], before))
            require(spell >= 1 and sql_past >= spell * 15,
                    "the past spell of voice-x demand (%d intervals) left %.0f agent-minutes short"
                    % (spell, sql_past))
            require(abs(short - sql_short) < 0.01 and abs(past - sql_past) < 0.01
                    and abs(sur - sql_sur) < 0.01,
                    "runs says %.0f short from now on, %.0f before, %.0f over; SQL on coverage says %.0f, %.0f, %.0f"
                    % (short, past, sur, sql_short, sql_past, sql_sur))
            j = h.healthz().json()
            for key in ("last_run", "last_success"):
                got = float((j.get(key) or {}).get("shortage_minutes", -1))
                require(abs(got - sql_short) < 0.1, "/healthz %s.shortage_minutes is %.1f, want the future's %.1f"
                        % (key, got, sql_short))
            m = re.search(r"^staffd_last_run_shortage_minutes (\S+)$", h.get("/metrics").body.decode(), re.M)
            require(m and abs(float(m.group(1)) - sql_short) < 0.1,
                    "staffd_last_run_shortage_minutes is %s, want the future's %.1f"
                    % (m.group(1) if m else None, sql_short))
        t.case("surplus_headline_counts_the_future_only", headline_is_the_future, after=up)

        def run_totals():
            row = h.sql("""SELECT r.surplus_minutes, r.unfixable_shortage_minutes, r.shortage_minutes,
                                  (SELECT sum(c.surplus) * 15 FROM staffd.coverage c
                                    WHERE c.run_id = r.id AND c.interval_start >= r.planned_at),
                                  (SELECT sum(c.unfixable_shortage) * 15 FROM staffd.coverage c
                                    WHERE c.run_id = r.id AND c.interval_start >= r.planned_at)
                           FROM staffd.runs r WHERE r.id = %d""" % st["run"])[0]
            sur, unf, short, cov_sur, cov_unf = (float(x) for x in row)
            require(sur > 0, "no surplus reported (%r)" % row)
            require(0 < unf < short, "unfixable %.0f of %.0f short: want a part of it" % (unf, short))
            require(abs(sur - cov_sur) < 0.01 and abs(unf - cov_unf) < 0.01,
                    "runs says surplus %.0f, unfixable %.0f; coverage says %.0f, %.0f"
                    % (sur, unf, cov_sur, cov_unf))
            st["totals"] = (short, unf, sur)
        t.case("surplus_run_totals_are_coverage_sums", run_totals, after=up)

        def per_interval():
            bad = h.sql("""SELECT q.name, c.interval_start, c.required, c.scheduled, c.shortage, c.surplus,
                                  c.available, c.unfixable_shortage
                           FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id
                           WHERE c.run_id = %d AND (
                                 c.surplus IS DISTINCT FROM greatest(c.scheduled - c.required, 0)
                              OR c.available IS NULL OR c.unfixable_shortage IS NULL
                              OR c.available < c.scheduled
                              OR abs(c.unfixable_shortage
                                     - least(c.shortage, greatest(c.required - c.available, 0))) > 1e-9)
                           LIMIT 3""" % st["run"])
            require(not bad, "coverage rows that break the definitions: %r" % bad)
            fi = h.sql("""SELECT count(*), count(*) FILTER (WHERE available <> 0 OR unfixable_shortage <> shortage),
                                 sum(shortage)
                          FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id
                          WHERE q.name = 'voice-fi' AND c.run_id = %d""" % st["run"])[0]
            require(int(fi[0]) == 3 * 96 and int(fi[1]) == 0 and float(fi[2]) > 0,
                    "voice-fi (nobody skilled): %r intervals, %r with someone available or a "
                    "fixable shortage, %r short" % tuple(fi))
            # voice-sv: at most Astrid, Björn and Sam (Ines is inactive).
            sv = h.sql("""SELECT max(available), count(*) FILTER (WHERE unfixable_shortage > 0),
                                 count(*) FILTER (WHERE available > 0)
                          FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id
                          WHERE q.name = 'voice-sv' AND c.run_id = %d""" % st["run"])[0]
            require(1 <= int(sv[0]) <= 3 and int(sv[1]) > 0 and int(sv[2]) > 0,
                    "voice-sv: at most %s agents available (want 1-3), %s intervals unfixable, %s with "
                    "someone available" % tuple(sv))
        t.case("surplus_and_unfixable_per_interval", per_interval, after=up)

        def days_view():
            rows = h.sql("""SELECT sum(shortage_minutes), sum(unfixable_shortage_minutes), sum(surplus_minutes),
                                   count(DISTINCT queue_id), bool_and(run_id = %d),
                                   bool_and(intervals_at_goal <= intervals_with_demand)
                            FROM staffd.coverage_days WHERE site_id = 1""" % st["run"])[0]
            short, unf, sur = st["totals"]
            require(abs(float(rows[0]) - short) < 0.01 and abs(float(rows[1]) - unf) < 0.01
                    and abs(float(rows[2]) - sur) < 0.01,
                    "coverage_days sums to %s short, %s unfixable, %s over; the run says %.0f, %.0f, %.0f"
                    % (rows[0], rows[1], rows[2], short, unf, sur))
            require(rows[3] == "4" and rows[4] == "t" and rows[5] == "t",
                    "coverage_days: %s queues, of the latest run: %s, at goal <= with demand: %s"
                    % (rows[3], rows[4], rows[5]))
        t.case("surplus_coverage_days_view", days_view, after=up)

        def reported():
            short, unf, sur = st["totals"]
            text = h.get("/metrics").body.decode()

            def gauge(name):
                m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
                require(m, "no %s in /metrics" % name)
                return float(m.group(1))
            for name, want in (("staffd_last_run_surplus_minutes", sur),
                               ("staffd_last_run_unfixable_shortage_minutes", unf),
                               ('staffd_site_surplus_minutes{site="1"}', sur),
                               ('staffd_site_unfixable_shortage_minutes{site="1"}', unf),
                               ('staffd_site_shortage_minutes{site="1"}', short)):
                got = gauge(name)
                require(abs(got - want) < 0.1, "%s is %.1f, the run says %.1f" % (name, got, want))
            j = h.healthz().json()
            ls = j.get("last_success") or {}
            require(abs(float(ls.get("surplus_minutes", -1)) - sur) < 0.1
                    and abs(float(ls.get("unfixable_shortage_minutes", -1)) - unf) < 0.1,
                    "/healthz last_success %r" % ls)
            lines = [l for l in h.log_text().splitlines() if "run %d of site" % st["run"] in l]
            require(lines and re.search(r"shortage %.0f agent-minutes from now on \(%.0f of them unfixable"
                                        % (short, unf), lines[-1]) and ("surplus %.0f," % sur) in lines[-1],
                    "the run's summary line does not name shortage, unfixable and surplus: %r" % lines[-1:])
        t.case("surplus_metrics_healthz_and_log", reported, after=up)

        def stop():
            h.stop(timeout=5)
        t.case("surplus_daemon_stops_cleanly", stop, after=up)

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
