#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The console in a real browser (Debian's headless chromium over the DevTools
protocol, tests/integration/cdp.py) on the demo data, planned as of the tests'
fixed clock: the figures on the pages against the same figures computed
independently in SQL, every page loaded and screenshotted (the artefacts'
directory is printed), the HTML validated by tidy, keyboard-only sign-in,
what-if, hire and sign-out, and the refusals: no session, a forged CSRF token,
a revoked link; then the demo's second site (demo/sites.sql): the selector,
chosen with the keyboard, and each site's figures against SQL. With one site
there is no selector."""
import http.client
import os
import re
import subprocess
import sys
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import REPO, require  # noqa: E402
from cdp import Browser  # noqa: E402

ARTEFACTS = os.environ.get("STAFFD_TEST_ARTEFACTS") or os.path.join(REPO, "var", "test-artefacts", "console")

def thousands(v):
    return "{:,.1f}".format(v)


def tidy_errors(html):
    """tidy's errors (not its warnings) for a page; [] when it is valid enough for tidy."""
    p = subprocess.run(["tidy", "-errors", "-quiet", "-utf8", "--show-warnings", "no"],
                       input=html.encode(), capture_output=True)
    lines = p.stderr.decode("utf-8", "replace").splitlines()
    return [line for line in lines if "Error:" in line] if p.returncode >= 2 else []


def fetch(port, path, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": cookie})
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8")
    finally:
        conn.close()


def main():
    t = harness.Tests()
    h = harness.Harness("consolebrowser", horizon_days=14, debounce_ms=100)
    h.settings["plan_iterations"] = 200000
    st = {}
    os.makedirs(ARTEFACTS, exist_ok=True)

    def body():
        def start():
            h.setup_database()
            h.load_demo()
            h.start()
            h.wait_succeeded_runs(1, timeout=120)
            h.wait_quiet(quiet=1.0, timeout=120)
            st["base"] = "http://127.0.0.1:%d" % h.port
            st["browser"] = Browser()
            harness.note("screenshots and pages: %s" % ARTEFACTS)
        t.case("browser_demo_planned_and_chromium_started", start)

        def no_session():
            b = st["browser"]
            status = b.navigate(st["base"] + "/console/")
            require(status == 401, "/console/ without a session: HTTP %s" % status)
            require(b.text("h1") == "Sign-in required", "h1 is %r" % b.text("h1"))
            b.screenshot(os.path.join(ARTEFACTS, "signin-required.png"))
        t.case("browser_page_without_session_refused", no_session, after=["browser_demo_planned_and_chromium_started"])

        def sign_in():
            b = st["browser"]
            link = h.scalar("SELECT staffd.issue_console_link('Pat Planner', 'planner')")
            st["link"] = link.replace("http://127.0.0.1:%d" % h.port, st["base"])
            require(b.navigate(st["link"]) == 200, "the sign-in link did not load")
            b.screenshot(os.path.join(ARTEFACTS, "signin.png"))
            # The keyboard alone: Tab until the button has focus, then Enter.
            for _ in range(10):
                b.key("Tab")
                if b.active().startswith("button#signin-button"):
                    break
            require(b.active().startswith("button#signin-button"), "Tab never reached the button: %s" % b.active())
            b.key("Enter")
            status = b.wait_load()
            require(status == 200 and b.text("h1") == "Overview", "after sign-in: %s %r" % (status, b.text("h1")))
            cookies = {c["name"]: c for c in b.cookies(st["base"] + "/console/")}
            c = cookies.get("staffd_session")
            require(c is not None, "no session cookie in the browser: %s" % sorted(cookies))
            require(c["httpOnly"] and c.get("sameSite") == "Strict" and not c["session"], "cookie %s" % c)
            require("staffd_session" not in (b.evaluate("document.cookie") or ""), "the session is readable by script")
            st["cookie"] = "staffd_session=" + c["value"]
        t.case("browser_signs_in_with_the_keyboard", sign_in, after=["browser_page_without_session_refused"])

        def keyboard_nav():
            b = st["browser"]
            b.navigate(st["base"] + "/console/")
            seen = []
            for _ in range(8):
                b.key("Tab")
                seen.append(b.active())
            require(seen[0].startswith("a Skip to content"), "first Tab stop: %s" % seen[0])
            names = [s.split(" ", 1)[1] for s in seen]
            for want in ("Overview", "Coverage", "Schedule", "Fairness", "Hiring"):
                require(want in names, "Tab never reached %s: %s" % (want, seen))
        t.case("browser_keyboard_reaches_skip_link_and_navigation", keyboard_nav, after=["browser_signs_in_with_the_keyboard"])

        def figures():
            b = st["browser"]
            b.navigate(st["base"] + "/console/")
            expected = h.sql(harness.console_queue_days_sql(1))
            require(len(expected) >= 30, "only %d queue-days expected" % len(expected))
            rows = b.evaluate("""Array.from(document.querySelectorAll('table[data-queue] tbody tr')).map(tr =>
                [tr.closest('table').dataset.queue, tr.dataset.day].concat(
                 ['share', 'short', 'unfixable', 'fixable', 'surplus'].map(
                  k => tr.querySelector('[data-k=' + k + ']').textContent)))""")
            shown = {(r[0], r[1]): tuple(r[2:]) for r in rows}
            problems = []
            for name, day, n, met, short, unfixable, fixable, surplus in expected:
                n, met, short = int(n), int(met), float(short)
                want = ("%.0f %%" % (100.0 * met / n) if n else "–", thousands(short),
                        thousands(float(unfixable)), thousands(float(fixable)), thousands(float(surplus)))
                got = shown.get((name, day))
                if got is None:
                    problems.append("%s %s missing" % (name, day))
                elif got != want:
                    problems.append("%s %s: page %s, SQL %s" % (name, day, got, want))
            require(not problems, "; ".join(problems[:5]))
            harness.note("demo, future intervals: %.1f agent-hours short, %.1f needing hiring, %.1f fixable by "
                         "rostering, %.1f over (page: %s needing hiring, %s fixable)" % (
                             sum(float(r[4]) for r in expected), sum(float(r[5]) for r in expected),
                             sum(float(r[6]) for r in expected), sum(float(r[7]) for r in expected),
                             b.text("#all-unfixable"), b.text("#all-fixable")))
            # The example: voice-de, its worst day.
            worst = max((r for r in expected if r[0] == "voice-de"), key=lambda r: float(r[4]))
            harness.note("voice-de worst day %s: %s short, goal met in %s/%s intervals (page: %s)"
                         % (worst[1], thousands(float(worst[4])), worst[3], worst[2], shown[(worst[0], worst[1])]))
            b.screenshot(os.path.join(ARTEFACTS, "overview.png"))
            st["worst_day"] = worst[1]
        t.case("browser_overview_figures_match_sql", figures, after=["browser_signs_in_with_the_keyboard"])

        def heatmap():
            b = st["browser"]
            qid, tz = h.sql("SELECT id, time_zone FROM staffd.queues WHERE name = 'voice-de'")[0]
            require(b.navigate(st["base"] + "/console/coverage?queue=%s" % qid) == 200, "coverage page")
            require(b.text("svg.heatmap .tz") == tz, "axis zone %r, want %s" % (b.text("svg.heatmap .tz"), tz))
            rects = b.count("svg.heatmap rect")
            titled = b.count("svg.heatmap rect > title")
            want = int(h.scalar("SELECT count(*) FROM staffd.coverage c, (SELECT horizon_start, horizon_end FROM "
                                "staffd.runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1) r WHERE "
                                "c.queue_id = %s AND c.interval_start >= r.horizon_start AND c.interval_start < "
                                "r.horizon_end AND (c.required > 0 OR c.scheduled > 0)" % qid))
            require(rects == want and titled == rects, "%d cells drawn, %d titled, %d expected" % (rects, titled, want))
            require(b.count("svg.heatmap rect[class^=s]") > 0 and b.count("svg.heatmap rect[class^=u]") > 0,
                    "the heatmap shows no shortage or no surplus")
            # The part of the future shortage that needs hiring is hatched, cell by cell.
            hatched = int(h.scalar("SELECT count(*) FROM staffd.coverage c, (SELECT planned_at, horizon_end FROM "
                                   "staffd.runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1) r WHERE "
                                   "c.queue_id = %s AND c.interval_start >= r.planned_at AND c.interval_start < "
                                   "r.horizon_end AND (c.required > 0 OR c.scheduled > 0) AND c.shortage > 0.05 "
                                   "AND c.unfixable_shortage > 0.05" % qid))
            require(hatched > 0 and b.count("svg.heatmap path.uf") == hatched,
                    "%d cells hatched, %d expected" % (b.count("svg.heatmap path.uf"), hatched))
            require(b.evaluate("getComputedStyle(document.querySelector('svg.heatmap path.uf')).pointerEvents")
                    == "none", "the hatching hides the cells' titles from the pointer")
            require(b.count(".legend li") >= 9, "legend")
            require(b.evaluate("document.querySelector('svg.heatmap').getAttribute('role')") == "img", "svg role")
            # The first local day of the horizon: 01:00-24:00 in Berlin, 92 intervals; 88 on the
            # day the clocks go forward (make check-times runs it there).
            first_day = int(h.scalar("SELECT count(*) FROM staffd.coverage c, (SELECT horizon_start, horizon_end "
                                     "FROM staffd.runs WHERE status = 'succeeded' ORDER BY id DESC LIMIT 1) r "
                                     "WHERE c.queue_id = %s AND c.interval_start >= r.horizon_start AND "
                                     "c.interval_start < r.horizon_end AND (c.interval_start AT TIME ZONE %s)::date "
                                     "= (r.horizon_start AT TIME ZONE %s)::date" % (qid, harness.lit(tz), harness.lit(tz))))
            require(first_day >= 88 and b.count("#coverage-intervals tbody tr") >= first_day,
                    "no interval table (text alternative): %d rows, the first day has %d intervals"
                    % (b.count("#coverage-intervals tbody tr"), first_day))
            b.screenshot(os.path.join(ARTEFACTS, "coverage.png"), full_page=False)
        t.case("browser_heatmap_drawn_with_titles_legend_and_table", heatmap, after=["browser_signs_in_with_the_keyboard"])

        def pages():
            b = st["browser"]
            # The coming Sunday, never today: at 23:50 on a Sunday its shifts are over.
            sunday = h.scalar("SELECT to_char(d, 'YYYY-MM-DD') FROM generate_series(test_today() + 1, test_today() + 7, "
                              "interval '1 day') d WHERE extract(isodow FROM d) = 7")
            working = int(h.scalar("SELECT count(DISTINCT a.id) FROM staffd.shifts s JOIN staffd.agents a ON a.id = "
                                   "s.agent_id WHERE s.status = 'scheduled' AND a.active AND "
                                   "(s.starts AT TIME ZONE a.time_zone)::date = date %s" % harness.lit(sunday)))
            agent = h.scalar("SELECT a.id FROM staffd.agents a JOIN staffd.time_off t ON t.agent_id = a.id "
                             "ORDER BY a.id LIMIT 1")
            checks = [
                ("/console/schedule?day=%s&days=1&working=1" % sunday, "Schedule", "#schedule tbody tr", 1),
                ("/console/schedule", "Schedule", "#schedule tbody tr svg.tl", 20),
                ("/console/agents/%s" % agent, "Agent", "#agent-availability tbody tr", 1),
                ("/console/fairness", "Fairness", "#fairness tbody tr", 150),
                ("/console/hiring", "Hiring", "#ranking tbody tr", 3),
            ]
            for path, h1, selector, least in checks:
                status = b.navigate(st["base"] + path)
                require(status == 200 and b.text("h1") == h1, "%s: %s %r" % (path, status, b.text("h1")))
                n = b.count(selector)
                require(n >= least, "%s: %d × %s, want at least %d" % (path, n, selector, least))
                require(b.count("#site-select") == 0, "%s offers a choice of sites with one site" % path)
                name = re.sub(r"[^a-z0-9]+", "-", path.split("?")[0].strip("/"))
                b.screenshot(os.path.join(ARTEFACTS, name + ".png"), full_page=False)
            b.navigate(st["base"] + "/console/schedule?day=%s&days=1&working=1" % sunday)
            pager = b.text(".pager") or ""
            require(re.search(r"\b%d agents\b" % working, pager), "who works on Sunday %s: page says %r, SQL %d"
                    % (sunday, pager.strip()[-60:], working))
            b.navigate(st["base"] + "/console/agents/%s" % agent)
            require(b.count("#agent-shifts") == 1 and b.count("#agent-availability") == 1 and
                    b.count("#agent-time-off tbody tr") >= 1, "the agent page lacks shifts, availability or time off")
            b.navigate(st["base"] + "/console/fairness")
            require(b.count("#spread tbody tr") == 4, "fairness spread rows: %d" % b.count("#spread tbody tr"))
        t.case("browser_every_page_loads", pages, after=["browser_signs_in_with_the_keyboard"])

        def valid_html():
            problems = []
            agent = h.scalar("SELECT min(id) FROM staffd.agents")
            for path in ("/console/", "/console/coverage", "/console/coverage?day=%s" % st.get("worst_day", ""),
                         "/console/schedule", "/console/schedule?days=1&working=1", "/console/agents/%s" % agent,
                         "/console/fairness?sort=late", "/console/hiring"):
                status, html = fetch(h.port, path, st["cookie"])
                require(status == 200, "%s: HTTP %d" % (path, status))
                errors = tidy_errors(html)
                if errors:
                    problems.append("%s: %s" % (path, errors[:3]))
                with open(os.path.join(ARTEFACTS, re.sub(r"[^a-z0-9]+", "-", path) + ".html"), "w") as f:
                    f.write(html)
            require(not problems, "; ".join(problems))
        t.case("browser_pages_pass_tidy", valid_html, after=["browser_signs_in_with_the_keyboard"])

        def phone():
            with Browser(width=390, height=844, mobile=True) as m:
                m.navigate(st["link"])
                m.focus("#signin-button")
                m.key("Enter")
                m.wait_load()
                for path in ("/console/", "/console/coverage", "/console/schedule"):
                    m.navigate(st["base"] + path)
                    overflow = m.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                    require(overflow <= 1, "%s is %d px wider than a phone's screen" % (path, overflow))
                    m.screenshot(os.path.join(ARTEFACTS, "phone-%s.png" % (path.strip("/").replace("/", "-") or "overview")),
                                 full_page=False)
        t.case("browser_readable_on_a_phone", phone, after=["browser_signs_in_with_the_keyboard"])

        def forged_csrf():
            cand = h.scalar("SELECT candidate_id FROM staffd.candidate_ranking ORDER BY rank LIMIT 1")
            conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=30)
            conn.request("POST", "/console/hiring/hire",
                         urllib.parse.urlencode({"csrf": "f" * 64, "candidate": cand, "contract": 1}),
                         {"Cookie": st["cookie"], "Content-Type": "application/x-www-form-urlencoded"})
            r = conn.getresponse()
            data = r.read()
            conn.close()
            require(r.status == 403 and b"CSRF" in data, "a hire with a forged CSRF token: HTTP %d" % r.status)
            require(h.scalar("SELECT status FROM staffd.candidates WHERE id = %s" % cand) != "hired", "it hired")
        t.case("browser_session_with_forged_csrf_refused", forged_csrf, after=["browser_signs_in_with_the_keyboard"])

        def what_if_and_hire():
            b = st["browser"]
            b.navigate(st["base"] + "/console/hiring")
            first = b.evaluate("document.querySelector('#ranking tbody input[type=checkbox]').value")
            b.focus("#ranking tbody input[type=checkbox]")
            b.key("Space")
            require(b.evaluate("document.querySelector('#ranking tbody input[type=checkbox]').checked"),
                    "Space did not tick the applicant")
            b.focus("#what-if-button")
            b.key("Enter")
            status = b.wait_load(timeout=180)
            require(status == 200 and b.text("h1") == "What-if", "what-if: %s %r" % (status, b.text("h1")))
            queues = int(h.scalar("SELECT count(*) FROM staffd.queues"))
            require(b.count("#what-if tbody tr") == queues, "what-if rows: %d" % b.count("#what-if tbody tr"))
            change = float(b.text("#what-if-change"))
            require(change <= 0, "hiring the top applicant would add shortage: %+.1f" % change)
            b.screenshot(os.path.join(ARTEFACTS, "what-if.png"), full_page=False)
            b.navigate(st["base"] + "/console/hiring")
            b.focus("#hire-button")
            b.key("Enter")
            status = b.wait_load()
            require(status == 200 and b.count(".flash") == 1, "after the hire: %s" % status)
            url = b.evaluate("location.href")
            agent = int(urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)["hired"][0])
            row = h.sql("SELECT status, hired_agent_id FROM staffd.candidates WHERE id = %s" % first)[0]
            require(row == ["hired", str(agent)], "candidate %s after the hire: %s" % (first, row))
            b.screenshot(os.path.join(ARTEFACTS, "hired.png"), full_page=False)
        t.case("browser_what_if_and_hire_with_the_keyboard", what_if_and_hire,
               after=["browser_signs_in_with_the_keyboard"])

        def sign_out():
            b = st["browser"]
            b.navigate(st["base"] + "/console/")
            b.focus(".signout button")
            b.key("Enter")
            status = b.wait_load()
            require(status == 200 and b.text("h1") == "Signed out", "sign-out: %s %r" % (status, b.text("h1")))
            require(b.navigate(st["base"] + "/console/fairness") == 401, "a page after sign-out is served")
        t.case("browser_signs_out", sign_out, after=["browser_what_if_and_hire_with_the_keyboard"])

        def revoked():
            b = st["browser"]
            b.navigate(st["link"])
            b.focus("#signin-button")
            b.key("Enter")
            require(b.wait_load() == 200 and b.text("h1") == "Overview", "signing in again")
            h.sql("SELECT staffd.revoke_console_link('Pat Planner')")
            require(b.navigate(st["base"] + "/console/") == 401, "a session of a revoked link is served")
            b.navigate(st["link"])
            b.focus("#signin-button")
            b.key("Enter")
            status = b.wait_load()
            require(status == 403 and "not valid" in (b.text(".message") or ""),
                    "the revoked link: %s %r" % (status, b.text(".message")))
            b.screenshot(os.path.join(ARTEFACTS, "revoked.png"), full_page=False)
        t.case("browser_revoked_link_refused", revoked, after=["browser_signs_out"])

        def sites():
            b = st["browser"]
            before = h.max_run_id()
            env = harness.psql_env(h.db)
            p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", os.path.join(REPO, "demo", "sites.sql")],
                               env=env, capture_output=True, text=True, cwd=REPO, timeout=300)
            require(p.returncode == 0, "sites.sql failed: %s" % p.stderr[-500:])
            for site in (1, 2):
                harness.wait_until(lambda s=site: int(h.scalar(
                    "SELECT count(*) FROM staffd.runs WHERE site_id = %d AND status = 'succeeded' AND id > %d"
                    % (s, before))) > 0, harness.scaled(180))
            h.wait_quiet(quiet=1.0, timeout=180)
            link = h.scalar("SELECT staffd.issue_console_link('Sol Sites', 'planner')")
            b.navigate(link.replace("http://127.0.0.1:%d" % h.port, st["base"]))
            b.focus("#signin-button")
            b.key("Enter")
            require(b.wait_load() == 200 and b.text("h1") == "Overview", "signing in")
            require(b.count("#site-select option") == 2, "the selector offers %d sites" % b.count("#site-select option"))
            require("voice-de" not in [b.evaluate("document.querySelectorAll('table[data-queue]')[%d].dataset.queue" % i)
                                       for i in range(b.count("table[data-queue]"))], "site 1 still shows voice-de")
            # The keyboard alone: the selector, the next site, Show.
            b.focus("#site-select")
            b.key("ArrowDown")
            b.focus("#site-button")
            b.key("Enter")
            require(b.wait_load() == 200 and "site=2" in b.evaluate("location.search"),
                    "after choosing the second site: %s" % b.evaluate("location.href"))
            require("of site dach" in (b.text(".runline") or ""), "runline: %r" % b.text(".runline"))
            expected = h.sql(harness.console_queue_days_sql(2))
            rows = b.evaluate("""Array.from(document.querySelectorAll('table[data-queue] tbody tr')).map(tr =>
                [tr.closest('table').dataset.queue, tr.dataset.day,
                 tr.querySelector('[data-k=share]').textContent, tr.querySelector('[data-k=short]').textContent])""")
            shown = {(r[0], r[1]): (r[2], r[3]) for r in rows}
            want = {(name, day): ("%.0f %%" % (100.0 * int(met) / int(n)) if int(n) else "–", thousands(float(short)))
                    for name, day, n, met, short, *_ in expected}
            require(want and shown == want, "site 2's overview %s, SQL %s" % (sorted(shown.items())[:3], sorted(want.items())[:3]))
            require(b.count("#sites tbody tr") == 2, "every site at a glance: %d rows" % b.count("#sites tbody tr"))
            b.screenshot(os.path.join(ARTEFACTS, "overview-site-2.png"))
            agent = h.scalar("SELECT min(id) FROM staffd.agents WHERE site_id = 2")
            problems = []
            for path in ("/console/?site=2", "/console/coverage?site=2", "/console/schedule?site=2",
                         "/console/agents/%s?site=2" % agent, "/console/fairness?site=2", "/console/hiring?site=2",
                         "/console/?site=9"):
                status, page = fetch(h.port, path, "staffd_session=" + {c["name"]: c for c in b.cookies(st["base"] + "/console/")}["staffd_session"]["value"])
                require(status == (404 if path.endswith("site=9") else 200), "%s: HTTP %d" % (path, status))
                errors = tidy_errors(page)
                if errors:
                    problems.append("%s: %s" % (path, errors[:3]))
                with open(os.path.join(ARTEFACTS, "sites" + re.sub(r"[^a-z0-9]+", "-", path) + ".html"), "w") as f:
                    f.write(page)
            require(not problems, "; ".join(problems))
        t.case("browser_second_site_chosen_with_the_keyboard_and_its_figures", sites,
               after=["browser_revoked_link_refused"])

        def stop():
            if st.get("browser"):
                st["browser"].close()
            h.stop(timeout=10)
            harness.note("screenshots and pages kept in %s" % ARTEFACTS)
        t.case("browser_daemon_stops_cleanly", stop, after=["browser_demo_planned_and_chromium_started"])

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
