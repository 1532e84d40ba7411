#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""On the demo data: hiring the top-ranked applicant lowers the shortage the next
run realises by the amount the ranking predicted, within 10 %.

Both sides count only the intervals from the run's clock on (runs.planned_at):
the ranking's minutes a week are over the weeks still to come, and
runs.shortage_minutes leaves out the intervals already past, which no hire can
change. The daemon and demo.sql plan as of the tests' fixed clock."""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402


def main():
    t = harness.Tests()
    h = harness.Harness("recruitdemo", horizon_days=14, debounce_ms=100)
    # A reproducible engine budget: the comparison is between plans, not between timings.
    h.settings["plan_iterations"] = 200000
    st = {}

    def body():
        def start():
            h.setup_database()
            h.load_demo()
            h.start()
            h.wait_succeeded_runs(1, timeout=120)
            h.wait_quiet(quiet=1.0, timeout=120)
        t.case("recruit_demo_planned", start)

        def hire_top():
            rows = h.sql("""SELECT r.candidate_id, r.shortage_minutes_per_week, r.run_id, x.shortage_minutes,
                                   x.horizon_start, x.horizon_end
                            FROM staffd.candidate_ranking r JOIN staffd.runs x ON x.id = r.run_id
                            WHERE r.rank = 1""")
            require(rows, "no ranked candidate on the demo data")
            cand, per_week, run_id, shortage_before = int(rows[0][0]), float(rows[0][1]), int(rows[0][2]), float(rows[0][3])
            require(per_week > 0, "the top candidate covers nothing")
            # The weeks the ranking spread its minutes over: from the first whole
            # 15-minute interval after the run's clock to the end of the horizon.
            weeks = float(h.scalar(
                "SELECT (extract(epoch FROM horizon_end) - ceil(extract(epoch FROM planned_at) / 900) * 900)"
                " / 604800 FROM staffd.runs WHERE id = %d" % run_id))
            # Hire under the default contract the ranking assumes (docs/recruitment.md): the
            # lengths of 4, 5, 6 and 8 h up to the hours wanted, a 30-minute step, at most the
            # minutes wanted and 5 days a week, 5 in a row, 11 h of rest.
            wanted = int(h.scalar("SELECT minutes_per_week_wanted FROM staffd.candidates WHERE id = %d" % cand))
            lengths = [m for m in (240, 300, 360, 480) if m <= wanted] or [wanted // 15 * 15]
            contract = h.scalar(
                "INSERT INTO staffd.contracts (name, min_minutes_per_week, max_minutes_per_week,"
                " max_days_per_week, max_consecutive_days, min_rest_minutes, shift_lengths_minutes,"
                " shift_start_step_minutes) VALUES ('as ranked', 0, %d, 5, 5, 660, '{%s}', 30)"
                " RETURNING id" % (wanted, ",".join(str(m) for m in lengths)))
            # The new contract is a change too: let the run it causes land first.
            h.wait_run_after(run_id, timeout=60)
            h.wait_quiet(quiet=1.0, timeout=60)
            before = h.max_run_id()
            shortage_before = float(h.scalar("SELECT shortage_minutes FROM staffd.runs WHERE id = %d" % before))
            h.sql("SELECT staffd.hire(%d, %s)" % (cand, contract))
            h.wait_run_after(before, timeout=60)
            h.wait_quiet(quiet=1.0, timeout=60)
            after = float(h.scalar("SELECT shortage_minutes FROM staffd.runs WHERE status = 'succeeded' "
                                   "AND id > %d ORDER BY id LIMIT 1" % before))
            predicted = per_week * weeks
            realised = shortage_before - after
            harness.note("top candidate %d: predicted %.0f, realised %.0f agent-minutes over %.1f weeks"
                         % (cand, predicted, realised, weeks))
            require(abs(realised - predicted) <= 0.10 * predicted,
                    "predicted a drop of %.0f agent-minutes, realised %.0f" % (predicted, realised))
        t.case("recruit_demo_hiring_top_candidate_lowers_shortage_as_predicted", hire_top,
               after=["recruit_demo_planned"])

        def stop():
            h.stop(timeout=5)
        t.case("recruit_demo_daemon_stops_cleanly", stop, after=["recruit_demo_planned"])

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
