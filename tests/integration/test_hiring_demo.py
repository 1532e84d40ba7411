#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Hiring profiles on the demo data (docs/recruitment.md, "Hiring needs").

`staffd recruit` sizes the shortage in whole hires of a contract template and
groups them into profiles; each hire covers at least the template's minimum
hours of shortage a week, the total adds up, and what is left is explained per
queue. --what-if-profiles adds the top profiles' hires as agents of the
template, available in their windows, plans again and compares: the realised
drop in future shortage must be within 10 % of the predicted one, profile by
profile and for all of them. Both sides count only intervals from the run's
clock on; the demo and the daemon plan as of the harness's fixed clock, so
nothing depends on the hour the test runs. --contract picks another template
(an unknown one is refused), and the daemon's run lands the profiles in
staffd.hiring_needs (template, productive hires, hours range, the ad) and the
per-queue totals in staffd.hiring_summary (migration 0012).
"""
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402

TOP = 3


def main():
    t = harness.Tests()
    h = harness.Harness("hiringdemo", horizon_days=14, debounce_ms=100)
    # A reproducible engine budget for the daemon's run; the CLI plans greedily.
    h.settings["plan_iterations"] = 200000
    st = {}

    def recruit(*args):
        return h.command(["recruit", "-c", h.conf] + list(args), timeout=600)

    def body():
        def start():
            h.setup_database()
            h.load_demo()
        t.case("hiring_demo_loaded", start)
        up = ["hiring_demo_loaded"]

        def profiles():
            p = recruit("--json", "--top", "0", "--what-if-profiles", str(TOP))
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.strip()[-400:]))
            harness.require_no_sanitizer_report(p.stderr, "staffd recruit")
            j = json.loads(p.stdout)
            hi, needs = j["hiring"], j["needs"]
            short = j["shortage_minutes_per_week"] / 60
            require(short > 0 and needs, "the demo is short %.1f h a week but has %d profiles"
                    % (short, len(needs)))
            require(abs(hi["shortage_hours_per_week"] - short) < 0.1, "totals: %s vs %.1f" % (hi, short))
            minimum = hi["min_hours_per_hire"]
            require(minimum > 0, "no minimum hours per hire: %s" % hi)
            for n in needs:
                prod = n["hires_productive"]
                require(isinstance(prod, int) and prod >= 1 and n["agents_needed"] >= prod,
                        "hires of %s" % n["ad"])
                # Whole hires, each worth at least the minimum (rounded to 0.1 h in the JSON).
                require(n["shortage_hours_per_week"] >= prod * minimum - 0.05 * prod,
                        "%s covers %.1f h with %d hires, minimum %.1f each"
                        % (n["ad"], n["shortage_hours_per_week"], prod, minimum))
                require(0 < n["hours_per_hire_min"] <= n["hours_per_hire_max"] <= hi["max_hours_per_week"] + 0.05,
                        "hours range of %s" % n["ad"])
                require(n["contract_id"] == hi["contract_id"] and n["ad"].startswith(
                    "%d hire" % n["agents_needed"]), "ad: %s" % n["ad"])
            require(sum(n["agents_needed"] for n in needs) == hi["hires"], "hires do not add up")
            covered = sum(n["shortage_hours_per_week"] for n in needs)
            require(abs(covered - hi["covered_hours_per_week"]) < 0.05 * len(needs) + 0.1,
                    "covered %.1f vs %s" % (covered, hi["covered_hours_per_week"]))
            require(abs(hi["covered_hours_per_week"] + hi["left_hours_per_week"] - short) < 0.2,
                    "covered + left != short: %s" % hi)
            for q in hi["queues"]:
                require(q["left_hours_per_week"] < 0.05 or q["left_reason"],
                        "%s has shortage left and no reason" % q["queue"])
            # HR can act on them: hires are worth hours, not minutes (issue 17: ~3 h a week each).
            require(hi["covered_hours_per_week"] / hi["hires_productive"] >= minimum,
                    "%.1f h of shortage a week per hire" % (hi["covered_hours_per_week"] / hi["hires_productive"]))

            w = j["what_if_profiles"]
            require(abs(w["shortage_hours_per_week_before"] - short) < 0.1, "what-if base: %s" % w)
            steps = w["steps"]
            require(len(steps) == min(TOP, len(needs)) + (1 if len(needs) > TOP else 0),
                    "%d steps for %d profiles" % (len(steps), len(needs)))
            for s in steps:
                harness.note("profiles up to %d (%d agents): predicted %.1f, realised %.1f h a week"
                             % (s["profiles"], s["agents"], s["predicted_hours_per_week"],
                                s["realised_hours_per_week"]))
                require(s["predicted_hours_per_week"] > 0, "step predicts nothing: %s" % s)
                require(abs(s["realised_hours_per_week"] - s["predicted_hours_per_week"])
                        <= 0.10 * s["predicted_hours_per_week"],
                        "profiles up to %d: predicted %.1f, realised %.1f agent-hours a week"
                        % (s["profiles"], s["predicted_hours_per_week"], s["realised_hours_per_week"]))
            predicted = hi["covered_hours_per_week"]
            realised = short - steps[-1]["shortage_hours_per_week_after"]
            require(abs(realised - predicted) <= 0.10 * predicted,
                    "all profiles: predicted %.1f, realised %.1f" % (predicted, realised))
            st["json"] = j
        t.case("hiring_demo_profiles_realise_what_they_predict", profiles, after=up)

        def text():
            p = recruit("--top", "0", "--what-if-profiles", "1")
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.strip()[-400:]))
            for s in ("Hiring needs, in hires of", "ad: ", "In all: ", "left",
                      "What if the profiles' productive hires"):
                require(s in p.stdout, "no %r in: %s" % (s, p.stdout[:1500]))
        t.case("hiring_demo_text", text, after=up)

        def contract():
            name = h.scalar("SELECT name FROM staffd.contracts WHERE name LIKE 'Student%' ORDER BY id LIMIT 1")
            require(name, "the demo has no student contract")
            p = recruit("--json", "--top", "0", "--contract", name, "--min-hours", "10")
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.strip()[-400:]))
            hi = json.loads(p.stdout)["hiring"]
            require(hi["contract"] == name and hi["contract_rule"] == "chosen", "template: %s" % hi)
            require(hi["min_hours_per_hire"] == 10, "minimum: %s" % hi["min_hours_per_hire"])
            p = recruit("--top", "0", "--contract", "No such contract")
            require(p.returncode == 2 and "no contract named 'No such contract'" in p.stderr,
                    "unknown contract: exit %d, %s" % (p.returncode, p.stderr.strip()))
            p = recruit("--top", "0", "--min-hours", "0")
            require(p.returncode == 2 and "--min-hours" in p.stderr,
                    "--min-hours 0: exit %d, %s" % (p.returncode, p.stderr.strip()))
        t.case("hiring_demo_contract_chosen", contract, after=up)

        def daemon():
            h.start()
            h.wait_succeeded_runs(1, timeout=300)
            h.wait_quiet(quiet=1.0, timeout=300)
            rows = h.sql("SELECT n.agents_needed, n.hires_productive, n.hours_per_week_min,"
                         " n.hours_per_week_max, n.ad, n.contract_id, q.name"
                         " FROM staffd.hiring_needs n JOIN staffd.queues q ON q.id = n.queue_id")
            require(rows, "staffd.hiring_needs is empty on the demo")
            for r in rows:
                require(int(r[0]) >= int(r[1]) >= 1 and float(r[2]) <= float(r[3]), "row %s" % (r,))
                require(r[4].endswith(")") and r[6] in r[4] and r[5], "row %s" % (r,))
            summ = h.sql("SELECT q.name, s.shortage_hours_per_week, s.covered_hours_per_week,"
                         " s.left_hours_per_week, s.hires, s.template,"
                         " (SELECT coalesce(sum(agents_needed), 0) FROM staffd.hiring_needs n"
                         "  WHERE n.queue_id = s.queue_id)"
                         " FROM staffd.hiring_summary s JOIN staffd.queues q ON q.id = s.queue_id")
            require(len(summ) == 3, "hiring_summary: %s" % (summ,))
            for r in summ:
                require(abs(float(r[1]) - float(r[2]) - float(r[3])) < 0.2, "summary %s" % (r,))
                require(int(r[4]) == int(r[6]), "summary hires %s vs needs %s" % (r[4], r[6]))
            run = h.scalar("SELECT count(DISTINCT run_id) FROM staffd.hiring_summary")
            require(run == "1", "hiring_summary of %s runs" % run)
        t.case("hiring_demo_daemon_lands_profiles_and_summary", daemon,
               after=["hiring_demo_profiles_realise_what_they_predict", "hiring_demo_text",
                      "hiring_demo_contract_chosen"])

        def marked():
            # A contract marked for hiring is the template of the next run; a second mark on
            # the site is refused; deleting the marked contract deletes what was sized in it
            # (an output table takes no UPDATE from a foreign key) and the rule takes over.
            before = h.max_run_id()
            k = int(h.scalar(
                "INSERT INTO staffd.contracts (name, min_minutes_per_week, max_minutes_per_week,"
                " max_days_per_week, max_consecutive_days, min_rest_minutes, shift_lengths_minutes,"
                " shift_start_step_minutes, hiring_template) VALUES ('Hiring 16 h', 480, 960, 4, 4, 660,"
                " '{240}', 30, true) RETURNING id"))
            h.wait_run_after(before, timeout=300)
            h.wait_quiet(quiet=1.0, timeout=300)
            tpl = h.sql("SELECT DISTINCT template, contract_id, min_hours_per_hire FROM staffd.hiring_summary")
            require(tpl == [["Hiring 16 h", str(k), "8"]], "summary template: %s" % (tpl,))
            bad = h.sql_error("INSERT INTO staffd.contracts (name, max_minutes_per_week, max_days_per_week,"
                              " shift_lengths_minutes, hiring_template) VALUES ('Second mark', 960, 4,"
                              " '{240}', true)")
            require(bad is not None and "contract_one_hiring_template_per_site" in bad.error_line,
                    "second mark: %s" % (bad and bad.error_line))
            before = h.max_run_id()
            err = h.sql_error("DELETE FROM staffd.contracts WHERE id = %d" % k)
            require(err is None, "deleting the marked contract: %s" % (err and err.error_line))
            h.wait_run_after(before, timeout=300)
            h.wait_quiet(quiet=1.0, timeout=300)
            tpl = h.sql("SELECT DISTINCT template FROM staffd.hiring_summary")
            require(tpl == [["Rural part-time, up to 25 h"]], "after the delete: %s" % (tpl,))
        t.case("hiring_demo_marked_contract_is_the_template", marked,
               after=["hiring_demo_daemon_lands_profiles_and_summary"])

        def stop():
            h.stop(timeout=5)
        t.case("hiring_demo_daemon_stops_cleanly", stop, after=["hiring_demo_marked_contract_is_the_template"])

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
