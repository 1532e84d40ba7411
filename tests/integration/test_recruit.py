#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Recruitment against a real PostgreSQL and the real daemon.

Bad applicant rows are refused with a message naming the rule; staffd.hire()
turns an open applicant into an agent (availability and skills copied) with
clear errors for unknown, closed or already hired applicants and unknown
contracts, and the next planning run schedules the new agent; `staffd
recruit` ranks only open applicants (an evening student where the fixture is
short in the evening), answers --what-if, and refuses closed or unknown ids;
the daemon's run writes hiring_needs and candidate_ranking without rejected or
withdrawn applicants. The shortage split (needs hiring / fixable by rostering,
before and after the hiring profiles' hires) in the daemon's recruitment (GET
/api/recruitment) matches what its run wrote to staffd.coverage and
staffd.runs, and `staffd recruit` prints it consistently.
"""

import hashlib
import json
import os
import re
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import lit, require  # noqa: E402

OPEN = ("applied", "screening", "interview", "offer")
TOKEN = "recruit-test-admin-token"

# name, source, status, score, minutes wanted, queue skills, (weekdays, start, end)
CANDIDATES = [
    ("Evening Student", "student", "applied", 70, 1200, ["voice-sv"], (range(1, 8), "16:00", "23:00")),
    ("Second Student", "student", "interview", None, 900, ["voice-sv"], (range(1, 8), "16:00", "23:00")),
    ("Night Owl", "rural", "screening", 55, 1200, ["voice-sv", "chat-en"], (range(1, 8), "22:00", "06:00")),
    ("Finnish Speaker", "customer", "offer", 80, 1200, ["voice-fi"], (range(1, 6), "08:00", "16:00")),
    ("No Skills", "other", "applied", None, 600, [], (range(1, 6), "09:00", "17:00")),
    ("Rejected Person", "student", "rejected", 99, 1200, ["voice-sv"], (range(1, 8), "16:00", "23:00")),
    ("Withdrawn Person", "student", "withdrawn", 99, 1200, ["voice-sv"], (range(1, 8), "16:00", "23:00")),
]

# (case, SQL that must fail, regex the ERROR line must match). {c} is an open candidate id.
BAD_ROWS = [
    ("recruit_bad_candidate_unknown_time_zone_refused",
     "INSERT INTO staffd.candidates (name, time_zone, minutes_per_week_wanted) VALUES ('X', 'Mars/Olympus', 600)",
     r"time_zone_must_be_an_iana_name"),
    ("recruit_bad_candidate_status_bogus_refused",
     "INSERT INTO staffd.candidates (name, time_zone, minutes_per_week_wanted, status) "
     "VALUES ('X', 'Europe/Stockholm', 600, 'bogus')",
     r"candidate_status_is_known"),
    ("recruit_bad_candidate_minutes_too_few_refused",
     "INSERT INTO staffd.candidates (name, time_zone, minutes_per_week_wanted) VALUES ('X', 'UTC', 30)",
     r"candidate_minutes_per_week_wanted_between_60_and_3600"),
    ("recruit_bad_candidate_minutes_too_many_refused",
     "INSERT INTO staffd.candidates (name, time_zone, minutes_per_week_wanted) VALUES ('X', 'UTC', 5000)",
     r"candidate_minutes_per_week_wanted_between_60_and_3600"),
    ("recruit_bad_candidate_weekday_8_refused",
     "INSERT INTO staffd.candidate_availability (candidate_id, weekday, start_time, end_time) "
     "VALUES ({c}, 8, '08:00', '12:00')",
     r"candidate_availability_weekday_is_iso_1_to_7"),
    ("recruit_bad_candidate_empty_window_refused",
     "INSERT INTO staffd.candidate_availability (candidate_id, weekday, start_time, end_time) "
     "VALUES ({c}, 1, '08:00', '08:00')",
     r"candidate_availability_window_not_empty"),
    ("recruit_bad_candidate_score_above_100_refused",
     "UPDATE staffd.candidates SET assessment_score = 101 WHERE id = {c}",
     r"candidate_assessment_score_between_0_and_100"),
    ("recruit_bad_candidate_source_unknown_refused",
     "INSERT INTO staffd.candidates (name, time_zone, minutes_per_week_wanted, source) "
     "VALUES ('X', 'UTC', 600, 'headhunter')",
     r"candidate_source_is_known"),
    ("recruit_bad_candidate_unknown_queue_skill_refused",
     "INSERT INTO staffd.candidate_skills (candidate_id, queue_id) VALUES ({c}, 987654321)",
     r"foreign key"),
    ("recruit_bad_candidate_hired_agent_on_open_status_refused",
     "UPDATE staffd.candidates SET hired_agent_id = (SELECT min(id) FROM staffd.agents) WHERE id = {c}",
     r"candidate_hired_agent_only_when_hired"),
]


def candidates_sql():
    out = []
    for name, source, status, score, minutes, skills, (days, st, et) in CANDIDATES:
        email = name.lower().replace(" ", ".") + "@example.com"
        out.append("INSERT INTO staffd.candidates (name, email, source, time_zone, minutes_per_week_wanted, "
                   "status, assessment_score) VALUES (%s, %s, %s, 'Europe/Stockholm', %d, %s, %s);"
                   % (lit(name), lit(email), lit(source), minutes, lit(status), lit(score)))
        for q in skills:
            out.append("INSERT INTO staffd.candidate_skills (candidate_id, queue_id) SELECT c.id, q.id "
                       "FROM staffd.candidates c, staffd.queues q WHERE c.name = %s AND q.name = %s;"
                       % (lit(name), lit(q)))
        for d in days:
            out.append("INSERT INTO staffd.candidate_availability (candidate_id, weekday, start_time, end_time) "
                       "SELECT id, %d, %s, %s FROM staffd.candidates WHERE name = %s;"
                       % (d, lit(st), lit(et), lit(name)))
    return "\n".join(out)


def main():
    t = harness.Tests()
    h = harness.Harness("recruit", horizon_days=7)
    # GET /api/recruitment: the recruitment the daemon's own run made, beside its coverage.
    h.settings["admin_token_sha256"] = hashlib.sha256(TOKEN.encode()).hexdigest()
    st = {}

    def body():
        def setup():
            h.setup_database()
            fx = h.load_fixture(days=7)
            h.sql(candidates_sql(), single_transaction=True)
            st["fx"] = fx
            st["cand"] = {r[0]: int(r[1]) for r in h.sql("SELECT name, id FROM staffd.candidates")}
            h.start()
            h.wait_succeeded_runs(1, timeout=30)
            h.wait_quiet(quiet=0.5, timeout=30)
        t.case("recruit_setup_daemon_plans_with_candidates", setup)
        up = ["recruit_setup_daemon_plans_with_candidates"]

        def refused(sql, pattern):
            text = sql.format(c=st["cand"]["Evening Student"])
            err = h.sql_error(text)
            require(err is not None, "accepted: %s" % text)
            require(re.search(pattern, err.error_line, re.I),
                    "refused, but the message does not name the rule (/%s/): %s" % (pattern, err.error_line))
        for name, sql, pattern in BAD_ROWS:
            t.case(name, refused, sql, pattern, after=up)

        # -- staffd recruit (the CLI) -------------------------------------------

        def recruit(*args):
            p = h.command(["recruit", "-c", h.conf] + list(args), timeout=120)
            harness.require_no_sanitizer_report(p.stderr, "staffd recruit")
            if p.returncode == 2 and "unknown command" in p.stderr:
                raise harness.TestFailure("`staffd recruit` is not wired in main.c yet: %s" % p.stderr.strip())
            return p

        def cli_json():
            p = recruit("--json", "--top", "3")
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.strip()[-400:]))
            j = json.loads(p.stdout)
            ranked = {c["candidate_id"]: c for c in j["candidates"]}
            cand = st["cand"]
            for closed in ("Rejected Person", "Withdrawn Person"):
                require(cand[closed] not in ranked, "%s is ranked: %s" % (closed, ranked.get(cand[closed])))
            n_open = int(h.scalar("SELECT count(*) FROM staffd.candidates WHERE status IN %s" % (OPEN,)))
            require(len(j["candidates"]) == n_open, "%d ranked, %d open" % (len(j["candidates"]), n_open))
            require([c["rank"] for c in j["candidates"]] == list(range(1, n_open + 1)), "ranks not 1..N")
            ev = ranked[cand["Evening Student"]]
            require(ev["minutes_per_week"] > 0, "the evening student covers nothing: %s" % ev)
            require("voice-sv" in ev["explanation"], "explanation: %s" % ev["explanation"])
            ns = ranked[cand["No Skills"]]
            require(ns["minutes_per_week"] == 0 and "covers nothing" in ns["explanation"],
                    "the applicant without skills: %s" % ns)
            # The second student, same window, is ranked by what is left after the first.
            second = ranked[cand["Second Student"]]
            require(second["rank"] > ev["rank"] or second["minutes_per_week"] <= ev["minutes_per_week"],
                    "second student %s vs first %s" % (second, ev))
            queues = {n["queue"] for n in j["needs"]}
            require("voice-sv" in queues, "no hiring need for voice-sv (far short): %s" % sorted(queues))
            for n in j["needs"]:
                require(n["agents_needed"] >= 1 and n["reason"], "need without agents or reason: %s" % n)
                require(all(1 <= d <= 7 for d in n["weekdays"]), "weekdays %s" % n["weekdays"])
            st["json"] = j
        t.case("recruit_cli_ranks_only_open_candidates", cli_json, after=up)

        def cli_text():
            p = recruit("--top", "2")
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.strip()[-400:]))
            require("Hiring needs" in p.stdout and "Candidates" in p.stdout, p.stdout[:400])
            require("Evening Student" in p.stdout or "Night Owl" in p.stdout,
                    "neither student nor night owl among the top two: %s" % p.stdout[-800:])
            require("more (--top N)" in p.stdout, "no note about the rest")
        t.case("recruit_cli_text_table", cli_text, after=up)

        def daemon_split():
            h.wait_quiet(quiet=0.5, timeout=30)
            r = harness.http_get(h.port, "/api/recruitment", {"Authorization": "Bearer " + TOKEN})
            require(r.status == 200, "GET /api/recruitment: HTTP %d" % r.status)
            hi = r.json()["hiring"]
            rid, kind, unf_minutes = h.sql("SELECT id, kind, unfixable_shortage_minutes FROM staffd.runs"
                                           " WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1")[0]
            require(kind == "full", "the last run is %s, not the full run that made the recruitment" % kind)
            # The weeks recruitment counts: the whole 15-minute intervals from the run's clock on.
            weeks = float(h.scalar("SELECT (extract(epoch FROM horizon_end) - ceil(extract(epoch FROM planned_at)"
                                   " / 900) * 900) / 604800 FROM staffd.runs WHERE id = %s" % rid))
            db = {row[0]: (float(row[1]) / weeks, float(row[2]) / weeks) for row in h.sql("""
SELECT q.name, sum(c.shortage) / 4, sum(c.unfixable_shortage) / 4
FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id JOIN staffd.runs r ON r.id = c.run_id
WHERE r.id = %s AND c.interval_start >= r.planned_at GROUP BY q.name""" % rid)}
            close = lambda a, b, tol=0.051: abs(a - b) <= tol
            for q in hi["queues"]:
                short, unf = db[q["queue"]]
                got = (q["shortage_hours_per_week"], q["unfixable_hours_per_week"], q["fixable_hours_per_week"])
                require(close(got[0], short) and close(got[1], unf) and close(got[2], short - unf),
                        "%s: short, needing hiring, fixable %s h a week; coverage says %.2f, %.2f, %.2f"
                        % (q["queue"], got, short, unf, short - unf))
                require(close(q["covered_unfixable_hours_per_week"] + q["covered_fixable_hours_per_week"],
                              q["covered_hours_per_week"], 0.11)
                        and close(q["left_unfixable_hours_per_week"] + q["left_fixable_hours_per_week"],
                                  q["left_hours_per_week"], 0.11)
                        and close(q["covered_unfixable_hours_per_week"] + q["left_unfixable_hours_per_week"],
                                  q["unfixable_hours_per_week"], 0.11),
                        "%s: the split does not add up: %s" % (q["queue"], q))
            total_unf = sum(u for _, u in db.values())
            require(close(hi["unfixable_hours_per_week"], total_unf, 0.11) and
                    close(hi["unfixable_hours_per_week"], float(unf_minutes) / 60 / weeks, 0.11),
                    "needing hiring in all: %s h a week; coverage %.2f, runs.unfixable_shortage_minutes %.2f"
                    % (hi["unfixable_hours_per_week"], total_unf, float(unf_minutes) / 60 / weeks))
            # Nobody is skilled for voice-fi: none of its shortage is the roster's, before or after.
            fi = [q for q in hi["queues"] if q["queue"] == "voice-fi"][0]
            require(fi["unfixable_hours_per_week"] > 0 and fi["fixable_hours_per_week"] == 0
                    and fi["left_fixable_hours_per_week"] == 0 and fi["covered_fixable_hours_per_week"] == 0,
                    "voice-fi: %s" % fi)
            harness.note("short %.1f h a week: %.1f needing hiring, %.1f fixable; the hires cover %.1f + %.1f;"
                         " left %.1f: %.1f needing hiring, %.1f fixable" % (
                             hi["shortage_hours_per_week"], hi["unfixable_hours_per_week"],
                             hi["fixable_hours_per_week"], hi["covered_unfixable_hours_per_week"],
                             hi["covered_fixable_hours_per_week"], hi["left_hours_per_week"],
                             hi["left_unfixable_hours_per_week"], hi["left_fixable_hours_per_week"]))
            # The text report: the split of the whole and per queue, each adding up.
            p = recruit("--top", "0")
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.strip()[-400:]))
            m = re.search(r"Shortage left after planning: ([\d.]+) agent-hours a week.*\n"
                          r"  ([\d.]+) of it needs hiring: .*\n  ([\d.]+) of it is fixable by rostering", p.stdout)
            require(m and close(float(m.group(2)) + float(m.group(3)), float(m.group(1)), 0.11),
                    "no split of the shortage in: %s" % p.stdout[:600])
            lines = re.findall(r"^    (\S+): short ([\d.]+), covered ([\d.]+), left ([\d.]+) h a week, \d+ hires?; "
                               r"needs hiring ([\d.]+) before the hires, ([\d.]+) after; fixable by rostering "
                               r"([\d.]+) before, ([\d.]+) after$", p.stdout, re.M)
            require(len(lines) == sum(1 for q in hi["queues"] if q["shortage_hours_per_week"] > 0),
                    "per-queue split lines %s in: %s" % (lines, p.stdout[-1500:]))
            for name, short, covered, left, unf, unf_after, fix, fix_after in lines:
                require(close(float(unf) + float(fix), float(short), 0.11) and
                        close(float(unf_after) + float(fix_after), float(left), 0.11),
                        "%s's split does not add up: %s" % (name, (short, covered, left, unf, unf_after, fix, fix_after)))
            require("still needs hiring (beyond the skilled agents available, the hires counted)" in p.stdout,
                    "no split of what is left after the hires: %s" % p.stdout[-1500:])
        t.case("recruit_shortage_split_matches_the_runs_coverage", daemon_split, after=up)

        def what_if():
            before = h.sql("SELECT count(*), coalesce(sum(sequence), 0) FROM staffd.shifts")[0]
            p = recruit("--top", "0", "--what-if", str(st["cand"]["Evening Student"]))
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.strip()[-400:]))
            m = re.search(r"^\s+voice-sv\s+(\d+)\s+(\d+)\s+([+-]\d+)", p.stdout, re.M)
            require(m, "no voice-sv row in: %s" % p.stdout[-600:])
            require(int(m.group(2)) < int(m.group(1)), "voice-sv shortage did not fall: %s" % m.group(0))
            require(h.sql("SELECT count(*), coalesce(sum(sequence), 0) FROM staffd.shifts")[0] == before,
                    "--what-if wrote to the database")
            p = recruit("--what-if", str(st["cand"]["Rejected Person"]))
            require(p.returncode == 2 and "rejected" in p.stderr, "closed id: exit %d, %s" % (p.returncode, p.stderr))
            p = recruit("--what-if", "987654321")
            require(p.returncode == 2 and "no candidate with id 987654321" in p.stderr,
                    "unknown id: exit %d, %s" % (p.returncode, p.stderr))
        t.case("recruit_cli_what_if", what_if, after=up)

        def what_if_containment():
            before = h.sql("SELECT count(*), coalesce(sum(sequence), 0) FROM staffd.shifts")[0]
            p = recruit("--json", "--top", "0", "--what-if-containment", "0.4")
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.strip()[-400:]))
            w = json.loads(p.stdout)["what_if_containment"]
            require(w["assistant_share"] == 0.4 and w["queue_id"] is None, "header: %s" % w)
            qs = {q["queue"]: q for q in w["queues"]}
            vs = qs["voice-sv"]
            require(vs["assistant_share_before"] == 0 and vs["assistant_share_after"] == 0.4, "shares: %s" % vs)
            # Fewer contacts reach people: fewer agent-hours required (Erlang is not
            # linear, so the drop is less than 40 % but more than nothing), less short.
            for q in w["queues"]:
                if q["required_hours_per_week_before"] > 0:
                    ratio = q["required_hours_per_week_after"] / q["required_hours_per_week_before"]
                    require(0.45 < ratio < 0.95, "%s: required %s -> %s" % (
                        q["queue"], q["required_hours_per_week_before"], q["required_hours_per_week_after"]))
            require(vs["shortage_hours_per_week_after"] < vs["shortage_hours_per_week_before"],
                    "voice-sv shortage did not fall: %s" % vs)
            require(w["hires_after"] < w["hires_before"], "hires did not fall: %s" % w)
            require(sum(q["hires_after"] for q in w["queues"]) == w["hires_after"], "hires do not add up: %s" % w)
            # One queue only: the others keep their share and their requirement.
            p = recruit("--top", "0", "--what-if-containment", "40%", "--queue", "voice-sv")
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr.strip()[-400:]))
            require("40 % of voice-sv's contacts" in p.stdout, p.stdout[-800:])
            rows = {m.group(1): m.groups() for m in re.finditer(
                r"^\s+(\S+)\s+(\d+)%\s+(\d+)%\s+([\d.]+)\s+([\d.]+)", p.stdout, re.M)}
            require(set(rows) >= {"voice-sv"}, "no table: %s" % p.stdout[-800:])
            for name, g in rows.items():
                if name == "voice-sv":
                    require(g[1:3] == ("0", "40"), "voice-sv shares: %s" % (g,))
                else:
                    require(g[1:3] == ("0", "0") and g[3] == g[4], "%s changed: %s" % (name, g))
            require(h.sql("SELECT count(*), coalesce(sum(sequence), 0) FROM staffd.shifts")[0] == before,
                    "--what-if-containment wrote to the database")
            for args, pattern in ((["--what-if-containment", "1"], "from 0 to below 1"),
                                  (["--what-if-containment", "-0.1"], "from 0 to below 1"),
                                  (["--what-if-containment", "abc"], "not 'abc'"),
                                  (["--queue", "voice-sv"], "--queue goes with --what-if-containment"),
                                  (["--what-if-containment", "0.2", "--queue", "nope"],
                                   "site 1 has no queue named 'nope'")):
                p = recruit("--top", "0", *args)
                require(p.returncode == 2 and pattern in p.stderr,
                        "%s: exit %d, %s" % (args, p.returncode, p.stderr.strip()))
        t.case("recruit_cli_what_if_containment", what_if_containment, after=up)

        # -- staffd.hire ------------------------------------------------------

        def hire_errors():
            cand = st["cand"]
            c = st["fx"].contracts["part-time"]
            cases = [
                ("SELECT staffd.hire(987654321, %d)" % c, r"no candidate with id 987654321"),
                ("SELECT staffd.hire(%d, %d)" % (cand["Rejected Person"], c), r"is rejected"),
                ("SELECT staffd.hire(%d, %d)" % (cand["Withdrawn Person"], c), r"is withdrawn"),
                ("SELECT staffd.hire(%d, 987654321)" % cand["Evening Student"], r"no contract with id 987654321"),
                ("SELECT staffd.hire(NULL, %d)" % c, r"needs both ids"),
            ]
            for sql, pattern in cases:
                err = h.sql_error(sql)
                require(err is not None, "accepted: %s" % sql)
                require(re.search(pattern, err.error_line), "%s: %s" % (sql, err.error_line))
            require(h.scalar("SELECT status FROM staffd.candidates WHERE id = %d" % cand["Evening Student"])
                    == "applied", "a failed hire changed the candidate")
        t.case("recruit_hire_refuses_with_clear_errors", hire_errors, after=up)

        def hire():
            cand = st["cand"]["Evening Student"]
            contract = st["fx"].contracts["part-time"]
            st["run_before_hire"] = h.wait_quiet(quiet=0.3, timeout=30)
            agent = int(h.scalar("SELECT staffd.hire(%d, %d)" % (cand, contract)))
            st["agent"] = agent
            row = h.sql("SELECT a.name, a.email, a.time_zone, a.contract_id, a.active, a.hired_on = current_date "
                        "FROM staffd.agents a WHERE a.id = %d" % agent)[0]
            require(row == ["Evening Student", "evening.student@example.com", "Europe/Stockholm", str(contract),
                            "t", "t"], "agent row %s" % row)
            same = h.sql("""
SELECT (SELECT array_agg(ARRAY[weekday::text, start_time::text, end_time::text] ORDER BY weekday, start_time)
          FROM staffd.availability WHERE agent_id = %(a)d)
     = (SELECT array_agg(ARRAY[weekday::text, start_time::text, end_time::text] ORDER BY weekday, start_time)
          FROM staffd.candidate_availability WHERE candidate_id = %(c)d),
       (SELECT array_agg(queue_id ORDER BY queue_id) FROM staffd.agent_skills WHERE agent_id = %(a)d)
     = (SELECT array_agg(queue_id ORDER BY queue_id) FROM staffd.candidate_skills WHERE candidate_id = %(c)d)
""" % {"a": agent, "c": cand})[0]
            require(same == ["t", "t"], "availability/skills copied: %s" % same)
            require(h.sql("SELECT status, hired_agent_id FROM staffd.candidates WHERE id = %d" % cand)[0]
                    == ["hired", str(agent)], "candidate not marked hired")
            err = h.sql_error("SELECT staffd.hire(%d, %d)" % (cand, contract))
            require(err is not None and "already hired" in err.error_line,
                    "second hire: %s" % (err.error_line if err else "accepted"))
        t.case("recruit_hire_makes_an_agent", hire, after=up)

        def scheduled():
            rid = h.wait_run_after(st["run_before_hire"], timeout=20)
            n = int(h.scalar("SELECT count(*) FROM staffd.shifts WHERE agent_id = %d AND status = 'scheduled'"
                             % st["agent"]))
            require(n > 0, "run #%d scheduled no shift for the hired agent %d" % (rid, st["agent"]))
        t.case("recruit_next_run_schedules_the_hired_agent", scheduled, after=["recruit_hire_makes_an_agent"])

        # -- what the daemon writes (needs the lead's wiring of publish_recruitment) --

        def daemon_outputs():
            h.wait_quiet(quiet=0.5, timeout=30)
            ranked = h.sql("SELECT r.candidate_id, c.status FROM staffd.candidate_ranking r "
                           "JOIN staffd.candidates c ON c.id = r.candidate_id")
            require(ranked, "staffd.candidate_ranking is empty after a run (publish_recruitment not wired yet?)")
            statuses = {row[1] for row in ranked}
            require(statuses <= set(OPEN), "closed applicants ranked by the daemon: %s" % statuses)
            n_open = int(h.scalar("SELECT count(*) FROM staffd.candidates WHERE status IN %s" % (OPEN,)))
            require(len(ranked) == n_open, "%d ranked, %d open" % (len(ranked), n_open))
            needs = int(h.scalar("SELECT count(*) FROM staffd.hiring_needs"))
            require(needs > 0, "staffd.hiring_needs is empty although voice-sv is far short")
            view = h.sql("SELECT rank, name FROM staffd.current_candidate_ranking ORDER BY rank")
            require(len(view) == n_open and view[0][0] == "1", "current_candidate_ranking: %s" % view[:3])
        t.case("recruit_daemon_writes_needs_and_ranking_of_open_candidates", daemon_outputs, after=up)

        # -- the assistant's share in the daemon's requirement --------------------

        def required_sum(queue):
            return float(h.scalar("SELECT coalesce(sum(required), 0) FROM staffd.coverage WHERE queue_id = %d"
                                  % st["fx"].queues[queue]))

        def replanned(sql):
            h.wait_quiet(quiet=0.5, timeout=30)
            rid = int(h.scalar("SELECT coalesce(max(id), 0) FROM staffd.runs"))
            h.sql(sql)
            h.wait_run_after(rid, timeout=30)
            h.wait_quiet(quiet=0.5, timeout=30)

        def daemon_share():
            q = st["fx"].queues["voice-sv"]
            base = required_sum("voice-sv")
            require(base > 0, "no requirement on voice-sv")
            replanned("UPDATE staffd.queues SET assistant_share = 0.5 WHERE id = %d" % q)
            half = required_sum("voice-sv")
            require(0.3 * base < half < 0.8 * base, "share 0.5: required %.1f -> %.1f" % (base, half))
            # Escalated contacts that take twice as long bring the requirement back up.
            aht = float(h.scalar("SELECT max(aht_seconds) FROM staffd.demand WHERE queue_id = %d" % q))
            replanned("UPDATE staffd.queues SET escalated_aht_seconds = %f WHERE id = %d" % (2 * aht, q))
            longer = required_sum("voice-sv")
            require(longer > 1.5 * half, "escalated AHT x2: required %.1f -> %.1f" % (half, longer))
            # A demand row's own share wins over the queue's: 0.99 leaves almost nobody required.
            replanned("UPDATE staffd.demand SET assistant_share = 0.99 WHERE queue_id = %d" % q)
            nearly = required_sum("voice-sv")
            require(nearly < 0.2 * longer, "demand share 0.99: required %.1f -> %.1f" % (longer, nearly))
            replanned("UPDATE staffd.demand SET assistant_share = NULL WHERE queue_id = %d;"
                      "UPDATE staffd.queues SET assistant_share = 0, escalated_aht_seconds = NULL WHERE id = %d"
                      % (q, q))
            again = required_sum("voice-sv")
            require(abs(again - base) < 1e-6 * max(1, base), "back to share 0: %.3f, first %.3f" % (again, base))
            for sql, pattern in (("UPDATE staffd.queues SET assistant_share = 1 WHERE id = %d" % q,
                                  "queue_assistant_share_from_0_below_1"),
                                 ("UPDATE staffd.queues SET escalated_aht_seconds = 0 WHERE id = %d" % q,
                                  "queue_escalated_aht_seconds_above_0_at_most_a_day"),
                                 ("UPDATE staffd.demand SET assistant_share = -0.1 WHERE queue_id = %d" % q,
                                  "demand_assistant_share_from_0_below_1")):
                err = h.sql_error(sql)
                require(err is not None and pattern in err.error_line, "%s: %s" % (sql, err and err.error_line))
        t.case("recruit_daemon_staffs_what_the_assistant_leaves", daemon_share,
               after=["recruit_daemon_writes_needs_and_ranking_of_open_candidates",
                      "recruit_next_run_schedules_the_hired_agent"])

        t.case("recruit_daemon_stops_cleanly", h.stop, after=up)

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
