#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The planners' console over plain HTTP: sign-in links and sessions, cookies,
CSRF, roles, revocation, the sign-in rate limit, security headers, escaping,
CSV downloads and bad requests (docs/console.md). The fixture has three
sites: the usual fixture in site 1, 'berlin' (site 2, a horizon of its own)
and 'paused' (site 3, inactive, empty); every page, download and action is
checked to be about the chosen site only. test_console_browser.py drives the
same console with a real browser on the demo data."""
import hashlib
import html as htmlmod
import http.client
import os
import re
import signal
import socket
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import lit, require  # noqa: E402

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PAGES = ["/console/", "/console/coverage", "/console/schedule", "/console/fairness",
         "/console/hiring"]
CSVS = ["overview", "coverage", "shifts", "fairness", "needs", "ranking", "runs", "errors",
        "availability", "time_off"]
HOSTILE = '<script>alert("x")</script> & \'Eve\''
# Names that belong to one site only: none may show on the other site's pages.
SITE_NAMES = {1: ["voice-sv", "chat-en", "Astrid Lind", "Maria Lopez", "Cleo Candidate"],
              2: ["voice-de", "Berlin 1", "de full-time", "Berta Berliner"]}
SITE2_SQL = harness.second_site_sql(days=3) + """
UPDATE staffd.sites SET horizon_days = 2 WHERE id = 2;
INSERT INTO staffd.sites (id, name, time_zone, active) VALUES (3, 'paused', 'UTC', false);
INSERT INTO staffd.candidates (name, source, time_zone, minutes_per_week_wanted, site_id)
VALUES ('Berta Berliner', 'student', 'Europe/Berlin', 1200, 2);
INSERT INTO staffd.candidate_availability (candidate_id, weekday, start_time, end_time)
SELECT c.id, wd, '06:00', '22:00' FROM staffd.candidates c CROSS JOIN generate_series(1, 7) wd
WHERE c.site_id = 2;
INSERT INTO staffd.candidate_skills (candidate_id, queue_id)
SELECT c.id, q.id FROM staffd.candidates c JOIN staffd.queues q ON q.site_id = c.site_id WHERE c.site_id = 2;
"""


def request(port, method, path, body=None, headers=None, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        data = r.read()
        cookies = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
        hdrs = {k.lower(): v for k, v in r.getheaders()}
        return r.status, hdrs, data, cookies
    finally:
        conn.close()


def cookie_pair(set_cookie):
    return set_cookie.split(";", 1)[0]


def sign_in(port, link):
    """Follows a sign-in link as a browser would; returns (status, session cookie or None, set-cookie)."""
    path = urllib.parse.urlsplit(link).path
    st, h, body, cookies = request(port, "GET", path)
    require(st == 200, "sign-in form: HTTP %d" % st)
    pre = cookie_pair(cookies[0])
    html = body.decode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    st, h, body, cookies = request(port, "POST", "/console/signin",
                                   urllib.parse.urlencode({"token": token, "csrf": csrf}),
                                   dict(FORM, Cookie=pre))
    session = [c for c in cookies if c.startswith("staffd_session=") and "Max-Age=0" not in c]
    return st, (cookie_pair(session[0]) if session else None), (session[0] if session else None), body


def csrf_of(port, cookie):
    st, h, body, _ = request(port, "GET", "/console/hiring", headers={"Cookie": cookie})
    require(st == 200, "hiring page: HTTP %d" % st)
    return re.search(r'name="csrf" value="([0-9a-f]{64})"', body.decode()).group(1)


def console_links(page):
    """(path, {param: value}) of every link to a console page or download."""
    out = []
    for href in re.findall(r'href="(/console/[^"]*)"', page):
        parts = urllib.parse.urlsplit(htmlmod.unescape(href))
        if not parts.path.startswith("/console/static/"):
            out.append((parts.path, dict(urllib.parse.parse_qsl(parts.query))))
    return out


def console_forms(page):
    """(method, action, {name: value} of hidden inputs, names of selects) of every form."""
    out = []
    for attrs, inner in re.findall(r"<form([^>]*)>(.*?)</form>", page, re.S):
        method = re.search(r'method="([^"]+)"', attrs).group(1)
        action = re.search(r'action="([^"]+)"', attrs).group(1)
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', inner))
        out.append((method, action, hidden, re.findall(r'<select id="[^"]*" name="([^"]+)"', inner)))
    return out


def overview_figures(page):
    """{(queue, day): (share, short)} of the overview's per-queue tables."""
    out = {}
    for queue, table in re.findall(r'<table class="data" data-queue="([^"]*)">(.*?)</table>', page, re.S):
        for day, row in re.findall(r'<tr data-day="([^"]+)">(.*?)</tr>', table, re.S):
            share = re.search(r'data-k="share">([^<]*)<', row).group(1)
            short = re.search(r'data-k="short">([^<]*)<', row).group(1)
            out[(htmlmod.unescape(queue), day)] = (share, short)
    return out


def overview_split(page):
    """{(queue, day): (short, needing hiring, fixable by rostering, over)} of the overview."""
    out = {}
    for queue, table in re.findall(r'<table class="data" data-queue="([^"]*)">(.*?)</table>', page, re.S):
        for day, row in re.findall(r'<tr data-day="([^"]+)">(.*?)</tr>', table, re.S):
            out[(htmlmod.unescape(queue), day)] = tuple(
                re.search(r'data-k="%s">([^<]*)<' % k, row).group(1) for k in ("short", "unfixable", "fixable", "surplus"))
    return out


def thousands(v):
    return "{:,.1f}".format(v)


def split_want(expected):
    """overview_split()'s values from harness.console_queue_days_sql() rows."""
    return {(r[0], r[1]): (thousands(float(r[4])),
                           thousands(float(r[5])) if r[5] is not None else "–",
                           thousands(float(r[6])) if r[6] is not None else "–",
                           thousands(float(r[7])))
            for r in expected}


def number(text):
    return float(text.replace(",", ""))


def main():
    t = harness.Tests()
    h = harness.Harness("console", horizon_days=3, debounce_ms=100)
    st = {}

    def body():
        def start():
            h.setup_database()
            h.load_fixture(days=3)
            h.sql("INSERT INTO staffd.agents (name, time_zone, contract_id) SELECT %s, 'UTC', id "
                  "FROM staffd.contracts ORDER BY id LIMIT 1" % lit(HOSTILE))
            h.sql("""
INSERT INTO staffd.candidates (name, source, time_zone, minutes_per_week_wanted)
VALUES ('Cleo Candidate', 'student', 'UTC', 1200), ('Dan Dropout', 'rural', 'UTC', 900);
INSERT INTO staffd.candidate_availability (candidate_id, weekday, start_time, end_time)
SELECT c.id, wd, '06:00', '23:00' FROM staffd.candidates c CROSS JOIN generate_series(1, 7) wd;
INSERT INTO staffd.candidate_skills (candidate_id, queue_id)
SELECT c.id, q.id FROM staffd.candidates c CROSS JOIN staffd.queues q;
""")
            h.sql(SITE2_SQL)
            h.start()
            for site in (1, 2):
                harness.wait_until(lambda s=site: int(h.scalar(
                    "SELECT count(*) FROM staffd.runs WHERE site_id = %d AND status = 'succeeded'" % s)) > 0,
                    harness.scaled(30))
            h.wait_quiet(quiet=0.5, timeout=30)
        t.case("console_fixture_planned", start)

        def no_session():
            for p in PAGES + ["/console/agents/1"] + ["/console/csv/%s.csv" % c for c in CSVS]:
                code, hd, data, _ = request(h.port, "GET", p)
                require(code == 401, "%s without a session: HTTP %d" % (p, code))
                require(b"Sign-in required" in data, "%s: the 401 page does not say why" % p)
            code, hd, data, _ = request(h.port, "GET", "/console/", headers={"Cookie": "staffd_session=" + "A" * 43})
            require(code == 401, "a made-up session cookie: HTTP %d" % code)
            code, hd, data, _ = request(h.port, "GET", "/console/static/console.css")
            require(code == 200 and hd["content-type"].startswith("text/css"), "stylesheet: %d" % code)
        t.case("console_refuses_pages_without_a_session", no_session, after=["console_fixture_planned"])

        def signin():
            link = h.scalar("SELECT staffd.issue_console_link('Pia Planner', 'planner')")
            require("/console/signin/" in link, "link %s" % link)
            token = link.rsplit("/", 1)[1]
            stored = h.scalar("SELECT encode(token_sha256, 'hex') FROM staffd.console_links "
                              "WHERE user_name = 'Pia Planner' AND revoked_at IS NULL")
            require(stored == hashlib.sha256(token.encode()).hexdigest(), "the link is not stored as its SHA-256")
            # The form's own CSRF cookie is required (a forged cross-site sign-in has none).
            code, hd, data, _ = request(h.port, "POST", "/console/signin",
                                        urllib.parse.urlencode({"token": token, "csrf": "x" * 43}), FORM)
            require(code == 403, "sign-in without the form's cookie: HTTP %d" % code)
            code, cookie, raw, _ = sign_in(h.port, link)
            require(code == 303 and cookie, "sign-in: HTTP %d" % code)
            attrs = [a.strip().lower() for a in raw.split(";")[1:]]
            for want in ("httponly", "samesite=strict", "path=/console"):
                require(want in attrs, "session cookie lacks %s: %s" % (want, raw))
            require(any(a.startswith("max-age=") and int(a[8:]) > 0 for a in attrs), "no expiry: %s" % raw)
            require("secure" not in attrs, "Secure without console_secure_cookie: %s" % raw)
            value = cookie.split("=", 1)[1]
            require(len(value) >= 43, "session token too short: %d" % len(value))
            rows = h.sql("SELECT encode(token_sha256, 'hex') FROM staffd.console_sessions")
            require([hashlib.sha256(value.encode()).hexdigest()] == [r[0] for r in rows],
                    "the session is not stored as the SHA-256 of its cookie: %s" % rows)
            dump = h.sql("SELECT string_agg(t::text, ' ') FROM staffd.console_sessions t")[0][0]
            require(value not in dump, "the session token itself is in the database")
            require(value not in h.log_text() and token not in h.log_text(), "a token is in the log")
            st["planner"] = cookie
            st["planner_link"] = link
            for p in PAGES + ["/console/agents/1"]:
                code, hd, data, _ = request(h.port, "GET", p, headers={"Cookie": cookie})
                require(code == 200, "%s signed in: HTTP %d" % (p, code))
                st.setdefault("html", {})[p] = data.decode()
                st.setdefault("headers", {})[p] = hd
        t.case("console_sign_in_sets_a_hashed_httponly_strict_session", signin, after=["console_fixture_planned"])

        def headers():
            for p, hd in st["headers"].items():
                csp = hd.get("content-security-policy", "")
                require("default-src 'none'" in csp and "style-src 'self'" in csp and "script-src" not in csp,
                        "%s: CSP %r" % (p, csp))
                require("frame-ancestors 'none'" in csp and hd.get("x-frame-options") == "DENY", "%s: framing allowed" % p)
                require(hd.get("cache-control") == "no-store", "%s: cache-control %s" % (p, hd.get("cache-control")))
                require(hd.get("referrer-policy") == "no-referrer", "%s: referrer policy" % p)
                html = st["html"][p]
                require("<script" not in html.lower(), "%s holds a script element" % p)
                require(not re.search(r"\sstyle\s*=", html), "%s holds a style attribute" % p)
                require(not re.search(r"\son[a-z]+\s*=", html), "%s holds an event handler attribute" % p)
        t.case("console_pages_carry_csp_without_script_or_inline_style", headers,
               after=["console_sign_in_sets_a_hashed_httponly_strict_session"])

        def escaping():
            html = st["html"]["/console/fairness"]
            require("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Eve&#39;" in html,
                    "the hostile agent name is not escaped on the fairness page")
            require("<script>alert" not in html, "the hostile name came out raw")
            code, hd, data, _ = request(h.port, "GET", "/console/csv/fairness.csv", headers={"Cookie": st["planner"]})
            require(code == 200 and hd["content-type"].startswith("text/csv"), "fairness.csv: %d" % code)
            require(HOSTILE.replace('"', '""') in data.decode(), "the CSV does not carry the name as data")
        t.case("console_escapes_every_value", escaping, after=["console_sign_in_sets_a_hashed_httponly_strict_session"])

        def csvs():
            for c in CSVS:
                code, hd, data, _ = request(h.port, "GET", "/console/csv/%s.csv" % c, headers={"Cookie": st["planner"]})
                require(code == 200, "%s.csv: HTTP %d" % (c, code))
                require('filename="%s.csv"' % c in hd.get("content-disposition", ""), "%s.csv: disposition" % c)
                require(data.endswith(b"\r\n") and b"," in data.split(b"\r\n")[0], "%s.csv: no header line" % c)
            code, hd, data, _ = request(h.port, "GET", "/console/csv/coverage.csv", headers={"Cookie": st["planner"]})
            # The default site's intervals: site 1 is the first active one.
            n = int(h.scalar("SELECT count(*) FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id"
                             " JOIN staffd.runs r ON true WHERE r.id = (SELECT max(id) FROM staffd.runs"
                             " WHERE status = 'succeeded' AND site_id = 1) AND q.site_id = 1 AND"
                             " c.interval_start >= r.horizon_start AND c.interval_start < r.horizon_end"))
            require(data.count(b"\r\n") == n + 1, "coverage.csv has %d lines for %d intervals" % (data.count(b"\r\n"), n))
        t.case("console_csv_downloads", csvs, after=["console_sign_in_sets_a_hashed_httponly_strict_session"])

        def site_pages():
            cookie = st["planner"]
            agents = {s: h.scalar("SELECT min(id) FROM staffd.agents WHERE site_id = %d AND active" % s) for s in (1, 2)}
            for site, other in ((1, 2), (2, 1)):
                paths = PAGES + ["/console/agents/%s" % agents[site]] + ["/console/csv/%s.csv" % c for c in CSVS]
                for p in paths:
                    url = p + ("&" if "?" in p else "?") + "site=%d" % site
                    code, hd, data, _ = request(h.port, "GET", url, headers={"Cookie": cookie})
                    require(code == 200, "%s: HTTP %d" % (url, code))
                    text = htmlmod.unescape(data.decode())
                    leaked = [n for n in SITE_NAMES[other] if n in text]
                    require(not leaked, "%s shows %s of site %d" % (url, leaked, other))
                    st.setdefault("site_html", {})[(site, p)] = data.decode()
                overview = st["site_html"][(site, "/console/")]
                require(SITE_NAMES[site][0] in overview, "site %d's overview lacks its queue" % site)
            # Without ?site the first active site (1) is shown, as before sites.
            require(st["html"]["/console/"].count("voice-sv") > 0 and "voice-de" not in st["html"]["/console/"],
                    "the overview without ?site is not site 1's")
            # Every run listed is the site's own.
            for site in (1, 2):
                ids = re.findall(r'<tr><th scope="row">(\d+)</th><td><span class="status',
                                 st["site_html"][(site, "/console/")])
                want = [r[0] for r in h.sql("SELECT id FROM staffd.runs WHERE site_id = %d ORDER BY id DESC LIMIT 10" % site)]
                require(ids == want, "site %d's overview lists runs %s, SQL %s" % (site, ids, want))
                csv_ids = [line.split(",")[0] for line in st["site_html"][(site, "/console/csv/runs.csv")].split("\r\n")[1:] if line]
                all_ids = [r[0] for r in h.sql("SELECT id FROM staffd.runs WHERE site_id = %d ORDER BY id DESC" % site)]
                require(csv_ids == all_ids, "runs.csv of site %d: %s, SQL %s" % (site, csv_ids, all_ids))
        t.case("console_every_page_and_download_is_of_the_chosen_site", site_pages,
               after=["console_sign_in_sets_a_hashed_httponly_strict_session"])

        def site_links():
            for (site, p), page in st["site_html"].items():
                if "/csv/" in p:
                    continue
                for path, params in console_links(page):
                    if path.startswith("/console/signin"):
                        continue
                    require("site" in params, "%s of site %d links to %s without its site" % (p, site, path))
                    # Only the overview's table of every site links elsewhere, to that site's overview.
                    require(params["site"] == str(site) or (path == "/console/" and list(params) == ["site"]),
                            "%s of site %d links to %s?%s" % (p, site, path, params))
                for method, action, hidden, selects in console_forms(page):
                    if action == "/console/signout":
                        continue
                    require(hidden.get("site") == str(site) or "site" in selects,
                            "%s of site %d: the form to %s does not carry the site" % (p, site, action))
                options = re.findall(r'<option value="(\d+)"( selected)?>([^<]*)</option>',
                                     page.split('id="site-select"')[1].split("</select>")[0])
                require([(o[0], o[2]) for o in options] == [("1", "default"), ("2", "berlin"), ("3", "paused (inactive)")],
                        "%s: the selector offers %s" % (p, options))
                require([o[0] for o in options if o[1]] == [str(site)], "%s: selected %s, want %d" % (p, options, site))
            # The selector of an agent's page leads to the schedule (an agent is of one site).
            agent_page = [v for (s, p), v in st["site_html"].items() if s == 2 and p.startswith("/console/agents/")][0]
            require('<form class="site" method="get" action="/console/schedule">' in agent_page,
                    "the selector on an agent's page does not lead to the schedule")
        t.case("console_every_link_and_form_carries_the_site", site_links,
               after=["console_every_page_and_download_is_of_the_chosen_site"])

        def site_figures():
            cookie = st["planner"]
            totals = {}
            for site in (1, 2):
                page = st["site_html"][(site, "/console/")]
                run = h.scalar("SELECT max(id) FROM staffd.runs WHERE site_id = %d AND status = 'succeeded'" % site)
                require("Plan of run <strong>%s</strong> of site" % run in page,
                        "site %d's overview does not show its run %s: %s" % (site, run, re.findall(r"Plan of run.{0,80}", page)))
                expected = h.sql(harness.console_queue_days_sql(site))
                require(expected, "no queue-day of site %d in SQL" % site)
                shown = overview_figures(page)
                want = {}
                n_all = met_all = 0
                short_all = 0.0
                for name, day, n, met, short, *_ in expected:
                    n, met, short = int(n), int(met), float(short)
                    want[(name, day)] = ("%.0f %%" % (100.0 * met / n) if n else "–", thousands(short))
                    n_all, met_all, short_all = n_all + n, met_all + met, short_all + short
                require(shown == want, "site %d's overview %s, SQL %s" % (site, sorted(shown.items())[:4], sorted(want.items())[:4]))
                totals[site] = ("%.0f %%" % (100.0 * met_all / n_all) if n_all else "–", thousands(short_all))
                # The coverage page: the site's first queue, cells of the site's own horizon.
                cov = st["site_html"][(site, "/console/coverage")]
                cells = len(re.findall(r"<rect [^>]*><title>", cov))
                want_cells = int(h.scalar("""
SELECT count(*) FROM staffd.coverage c JOIN staffd.runs r ON r.id = (SELECT max(id) FROM staffd.runs
    WHERE status = 'succeeded' AND site_id = %d)
WHERE c.queue_id = (SELECT id FROM staffd.queues WHERE site_id = %d ORDER BY name, id LIMIT 1)
  AND c.interval_start >= r.horizon_start AND c.interval_start < r.horizon_end
  AND (c.required > 0 OR c.scheduled > 0)""" % (site, site)))
                require(cells == want_cells, "site %d's heatmap: %d cells, SQL %d" % (site, cells, want_cells))
                csv = st["site_html"][(site, "/console/csv/coverage.csv")]
                want_lines = int(h.scalar("""
SELECT count(*) FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id
JOIN staffd.runs r ON r.id = (SELECT max(id) FROM staffd.runs WHERE status = 'succeeded' AND site_id = %d)
WHERE q.site_id = %d AND c.interval_start >= r.horizon_start AND c.interval_start < r.horizon_end""" % (site, site)))
                require(csv.count("\r\n") == want_lines + 1, "coverage.csv of site %d: %d lines, SQL %d intervals"
                        % (site, csv.count("\r\n"), want_lines))
                agents = int(h.scalar("SELECT count(*) FROM staffd.agents WHERE active AND site_id = %d" % site))
                pager = re.search(r"(\d+) agents, page", st["site_html"][(site, "/console/schedule")])
                require(pager and int(pager.group(1)) == agents, "site %d's schedule: %s agents, SQL %d"
                        % (site, pager and pager.group(1), agents))
                fair = st["site_html"][(site, "/console/fairness")].split('id="fairness"')[1]
                require(fair.count('<tr><th scope="row"><a href="/console/agents/') == agents,
                        "site %d's fairness does not list its %d agents" % (site, agents))
                cands = set(re.findall(r'<tr data-candidate="(\d+)">', st["site_html"][(site, "/console/hiring")]))
                ours = {r[0] for r in h.sql("SELECT id FROM staffd.candidates WHERE site_id = %d" % site)}
                require(cands <= ours, "site %d's hiring page ranks applicants %s of another site" % (site, cands - ours))
            # Site 2 plans two days, site 1 three: each page reads its own site's run.
            days = {s: {d for (_, d) in overview_figures(st["site_html"][(s, "/console/")])} for s in (1, 2)}
            require(len(days[2]) < len(days[1]), "days shown: site 1 %s, site 2 %s" % (sorted(days[1]), sorted(days[2])))
            # Every site at a glance, on either site's overview.
            for page_site in (1, 2):
                page = st["site_html"][(page_site, "/console/")]
                for site in (1, 2):
                    row = re.search(r'<tr data-site="%d">(.*?)</tr>' % site, page, re.S)
                    require(row, "the overview of site %d has no row for site %d" % (page_site, site))
                    got = (re.search(r'data-k="share">([^<]*)<', row.group(1)).group(1),
                           re.search(r'data-k="short">([^<]*)<', row.group(1)).group(1))
                    require(got == totals[site], "site %d at a glance: %s, SQL %s" % (site, got, totals[site]))
                paused = re.search(r'<tr data-site="3">(.*?)</tr>', page, re.S)
                require(paused and "(inactive)" in paused.group(1) and "no plan yet" in paused.group(1),
                        "the inactive site's row: %s" % (paused and paused.group(1)))
            # With one site there is nothing to choose: test_console_browser.py (the demo) checks that.
            code, hd, data, _ = request(h.port, "GET", "/console/?site=3", headers={"Cookie": cookie})
            require(code == 200 and b"is not active" in data and b"No planning run of site paused" in data,
                    "the inactive site's overview: HTTP %d" % code)
        t.case("console_figures_of_each_site_match_sql", site_figures,
               after=["console_every_page_and_download_is_of_the_chosen_site"])

        def split_figures():
            """The shortage split (needs hiring / fixable by rostering) and surplus on the overview
            and the coverage pages, against what staffd.coverage holds (migration 0013)."""
            cookie = st["planner"]
            for site in (1, 2):
                page = st["site_html"][(site, "/console/")]
                expected = h.sql(harness.console_queue_days_sql(site))
                shown, want = overview_split(page), split_want(expected)
                require(shown == want, "site %d's split per queue and day: page %s, SQL %s" % (
                    site, sorted(shown.items())[:3], sorted(want.items())[:3]))
                for key, total in (("all-unfixable", sum(float(r[5]) for r in expected)),
                                   ("all-fixable", sum(float(r[6]) for r in expected))):
                    got = number(re.search(r'id="%s">([^<]*)<' % key, page).group(1))
                    require(abs(got - total) <= 0.05 + 1e-9, "site %d's %s: %s, SQL %.4f" % (site, key, got, total))
                for name, unf, fix in re.findall(r'<h3 id="queue-\d+">([^<]*) <span.*?data-k="queue-unfixable">([^<]*)<'
                                                 r'.*?data-k="queue-fixable">([^<]*)<', page, re.S):
                    rows = [r for r in expected if r[0] == htmlmod.unescape(name)]
                    for got, col in ((unf, 5), (fix, 6)):
                        total = sum(float(r[col]) for r in rows)
                        require(abs(number(got) - total) <= 0.05 + 1e-9,
                                "site %d, %s: %s, SQL %.4f" % (site, name, got, total))
                # Every site at a glance: the part needing hiring, from either site's overview.
                for other in (1, 2):
                    row = re.search(r'<tr data-site="%d">(.*?)</tr>' % site, st["site_html"][(other, "/console/")], re.S)
                    got = number(re.search(r'data-k="unfixable">([^<]*)<', row.group(1)).group(1))
                    total = sum(float(r[5]) for r in expected)
                    require(abs(got - total) <= 0.05 + 1e-9, "site %d at a glance: %s needing hiring, SQL %.4f"
                            % (site, got, total))
            # The fixture: nobody is skilled for voice-fi, so all of its shortage needs hiring;
            # voice-sv, far short with three agents, has some that needs hiring too.
            expected = h.sql(harness.console_queue_days_sql(1))
            fi = [r for r in expected if r[0] == "voice-fi"]
            require(fi and sum(float(r[4]) for r in fi) > 1, "voice-fi is not short: %s" % fi)
            require(all(float(r[6]) == 0 and abs(float(r[5]) - float(r[4])) < 1e-3 for r in fi),
                    "voice-fi's shortage is not all unfixable: %s" % fi)
            require(sum(float(r[5]) for r in expected if r[0] == "voice-sv") > 0, "voice-sv has no unfixable shortage")
            harness.note("site 1 short %.1f agent-h: %.1f needing hiring, %.1f fixable by rostering" % (
                sum(float(r[4]) for r in expected), sum(float(r[5]) for r in expected),
                sum(float(r[6]) for r in expected)))

            # The coverage page of every queue of site 1: its days, the hatching and a day's intervals.
            for qid, name, tz in h.sql("SELECT id, name, time_zone FROM staffd.queues WHERE site_id = 1 ORDER BY id"):
                # The clock's day: its intervals are part history, part future.
                today = h.scalar("SELECT to_char((planned_at AT TIME ZONE %s)::date, 'YYYY-MM-DD') FROM staffd.runs"
                                 " WHERE status = 'succeeded' AND site_id = 1 ORDER BY id DESC LIMIT 1" % lit(tz))
                code, hd, data, _ = request(h.port, "GET", "/console/coverage?site=1&queue=%s&day=%s" % (qid, today),
                                            headers={"Cookie": cookie})
                require(code == 200, "coverage of %s: HTTP %d" % (name, code))
                page = data.decode()
                days = page.split('id="coverage-days"')[1].split("</table>")[0]
                shown = {day: tuple(re.search(r'data-k="%s">([^<]*)<' % k, row).group(1)
                                    for k in ("short", "unfixable", "fixable", "surplus"))
                         for day, row in re.findall(r'<tr data-day="([^"]+)">(.*?)</tr>', days, re.S)}
                want = {d: v for (q, d), v in split_want(expected).items() if q == name}
                require(want and {d: shown.get(d) for d in want} == want,
                        "coverage of %s per day: page %s, SQL %s" % (name, shown, want))
                hatched = page.count('<path fill="url(#hm-uf)" class="uf')
                want_hatched = int(h.scalar("""
SELECT count(*) FROM staffd.coverage c JOIN staffd.runs r ON r.id = (SELECT max(id) FROM staffd.runs
    WHERE status = 'succeeded' AND site_id = 1)
WHERE c.queue_id = %s AND c.interval_start >= r.planned_at AND c.interval_start < r.horizon_end
  AND (c.required > 0 OR c.scheduled > 0) AND c.shortage > 0.05 AND c.unfixable_shortage > 0.05""" % qid))
                require(hatched == want_hatched, "%s's heatmap hatches %d cells, SQL %d" % (name, hatched, want_hatched))
                require(page.count(" needs hiring: ") == int(h.scalar("""
SELECT count(*) FROM staffd.coverage c JOIN staffd.runs r ON r.id = (SELECT max(id) FROM staffd.runs
    WHERE status = 'succeeded' AND site_id = 1)
WHERE c.queue_id = %s AND c.interval_start >= r.planned_at AND c.interval_start < r.horizon_end
  AND (c.required > 0 OR c.scheduled > 0) AND c.shortage > 0.05""" % qid)),
                        "%s: not every future short cell's title has its split" % name)
                day = re.search(r'<h2 id="intervals-h">Intervals of ([0-9-]+)</h2>', page).group(1)
                rows = re.findall(r'<th scope="row">(\d\d:\d\d)(?: <span class="sub">\(past\)</span>)?</th>'
                                  r'.*?data-k="available">([^<]*)<.*?data-k="short">([^<]*)<'
                                  r'.*?data-k="unfixable">([^<]*)<.*?data-k="fixable">([^<]*)<',
                                  page.split('id="coverage-intervals"')[1].split("</table>")[0], re.S)
                db = h.sql("""
SELECT to_char(c.interval_start AT TIME ZONE %s, 'HH24:MI'), c.available, c.shortage, c.unfixable_shortage,
       c.interval_start >= r.planned_at
FROM staffd.coverage c JOIN staffd.runs r ON r.id = (SELECT max(id) FROM staffd.runs
    WHERE status = 'succeeded' AND site_id = 1)
WHERE c.queue_id = %s AND (c.interval_start AT TIME ZONE %s)::date = date %s
  AND c.interval_start >= r.horizon_start AND c.interval_start < r.horizon_end ORDER BY c.interval_start"""
                           % (lit(tz), qid, lit(tz), lit(day)))
                # History has no split: nobody can be hired or rostered for it any more.
                want_rows = [(t, a, "%.1f" % float(sh), "%.1f" % float(u), "%.1f" % max(0.0, float(sh) - float(u)))
                             if future == "t" else (t, "–", "%.1f" % float(sh), "–", "–")
                             for t, a, sh, u, future in db]
                require(day == today and any(r[1] == "–" for r in rows) and any(r[1] != "–" for r in rows),
                        "%s on %s: want the clock's day %s, part history and part future" % (name, day, today))
                require(rows == want_rows, "%s on %s: page %s, SQL %s" % (name, day, rows[:3], want_rows[:3]))
        t.case("console_shortage_split_on_overview_and_coverage_matches_sql", split_figures,
               after=["console_every_page_and_download_is_of_the_chosen_site"])

        def unknown_site():
            hdr = {"Cookie": st["planner"]}
            for p in PAGES + ["/console/agents/1"] + ["/console/csv/%s.csv" % c for c in CSVS]:
                code, hd, data, _ = request(h.port, "GET", p + "?site=99", headers=hdr)
                require(code == 404 and b"no site with id 99" in data and hd["content-type"].startswith("text/html"),
                        "%s?site=99: HTTP %d" % (p, code))
                for bad in ("abc", "0", "-2"):
                    code, hd, data, _ = request(h.port, "GET", p + "?site=" + bad, headers=hdr)
                    require(code == 400, "%s?site=%s: HTTP %d" % (p, bad, code))
            berlin = h.scalar("SELECT min(id) FROM staffd.agents WHERE site_id = 2")
            code, hd, data, _ = request(h.port, "GET", "/console/agents/%s?site=1" % berlin, headers=hdr)
            require(code == 404 and b"no agent with that id at site default" in data,
                    "an agent of site 2 asked at site 1: HTTP %d" % code)
            # An address that names an agent but no site is about the agent's site.
            code, hd, data, _ = request(h.port, "GET", "/console/agents/%s" % berlin, headers=hdr)
            require(code == 200 and re.search(rb'<option value="2" selected>berlin</option>', data),
                    "an agent of site 2 without ?site: HTTP %d" % code)
            queue = h.scalar("SELECT id FROM staffd.queues WHERE name = 'voice-de'")
            code, hd, data, _ = request(h.port, "GET", "/console/coverage?queue=%s&site=1" % queue, headers=hdr)
            require(code == 404 and b"no queue with that id at site default" in data,
                    "a queue of site 2 asked at site 1: HTTP %d" % code)
        t.case("console_unknown_site_is_a_404", unknown_site, after=["console_sign_in_sets_a_hashed_httponly_strict_session"])

        def site_what_if():
            cookie = st["planner"]
            csrf = csrf_of(h.port, cookie)
            berta = h.scalar("SELECT id FROM staffd.candidates WHERE name = 'Berta Berliner'")
            cleo = h.scalar("SELECT id FROM staffd.candidates WHERE name = 'Cleo Candidate'")
            st["berta"] = berta

            def post(path, form, timeout=30):
                return request(h.port, "POST", path, urllib.parse.urlencode(dict(form, csrf=csrf), doseq=True),
                               dict(FORM, Cookie=cookie), timeout=timeout)
            code, hd, data, _ = post("/console/hiring/what-if", {"site": 2, "candidate": berta}, timeout=120)
            require(code == 200 and b'id="what-if"' in data, "what-if at site 2: HTTP %d %s" % (code, data[-300:]))
            rows = re.findall(r'<tr><th scope="row">([^<]*)</th><td class="num">', data.decode().split('id="what-if"')[1].split("</tbody>")[0])
            require(rows == ["voice-de"], "the what-if of site 2 planned queues %s" % rows)
            require(b"at site berlin" in data and b'href="/console/hiring?site=2"' in data,
                    "the what-if does not name its site")
            code, hd, data, _ = post("/console/hiring/what-if", {"site": 2, "candidate": [berta, cleo]})
            require(code == 409 and b"applied to site default, not berlin" in data,
                    "a what-if at site 2 with an applicant of site 1: HTTP %d %s" % (code, data[-300:]))
            code, hd, data, _ = post("/console/hiring/what-if", {"site": 3, "candidate": berta})
            require(code == 409 and b"Site paused is not active" in data, "a what-if at the inactive site: HTTP %d" % code)
            code, hd, data, _ = post("/console/hiring/what-if", {"site": 99, "candidate": berta})
            require(code == 404 and b"no site with id 99" in data, "a what-if at no site: HTTP %d" % code)
            require(h.alive(), "the daemon died")
        t.case("console_what_if_plans_the_chosen_site_only", site_what_if,
               after=["console_figures_of_each_site_match_sql"])

        def site_hire():
            cookie = st["planner"]
            csrf = csrf_of(h.port, cookie)
            berta = st["berta"]
            c1 = h.scalar("SELECT id FROM staffd.contracts WHERE site_id = 1 ORDER BY id LIMIT 1")
            c2 = h.scalar("SELECT id FROM staffd.contracts WHERE site_id = 2 ORDER BY id LIMIT 1")
            agents_before = h.scalar("SELECT count(*) FROM staffd.agents")

            def hire(site, cand, contract):
                return request(h.port, "POST", "/console/hiring/hire",
                               urllib.parse.urlencode({"csrf": csrf, "site": site, "candidate": cand, "contract": contract}),
                               dict(FORM, Cookie=cookie))
            code, hd, data, _ = hire(1, berta, c1)
            require(code == 409 and b"applied to site berlin, not to site default" in data,
                    "hiring an applicant of site 2 at site 1: HTTP %d %s" % (code, data[-300:]))
            code, hd, data, _ = hire(2, berta, c1)
            require(code == 409 and b"is of site default, not of site berlin" in data,
                    "hiring at site 2 under a contract of site 1: HTTP %d %s" % (code, data[-300:]))
            code, hd, data, _ = hire(99, berta, c2)
            require(code == 404, "hiring at no site: HTTP %d" % code)
            require(h.scalar("SELECT count(*) FROM staffd.agents") == agents_before, "a refused hire made an agent")
            # The database's own rule refuses it too, whoever asks.
            err = h.sql_error("SELECT staffd.hire(%s, %s)" % (berta, c1))
            require(err and "cannot have contract" in err.error_line, "staffd.hire across sites: %s" % err)
            code, hd, data, _ = hire(2, berta, c2)
            require(code == 303, "hiring at site 2: HTTP %d %s" % (code, data[-300:]))
            loc = urllib.parse.urlsplit(hd["location"])
            q = dict(urllib.parse.parse_qsl(loc.query))
            require(loc.path == "/console/hiring" and q.get("site") == "2", "after the hire: %s" % hd["location"])
            require(h.scalar("SELECT site_id FROM staffd.agents WHERE id = %s" % q["hired"]) == "2",
                    "the new agent is not of site 2")
            audit = h.scalar("SELECT detail FROM staffd.console_audit WHERE action = 'hire' ORDER BY id DESC LIMIT 1")
            require(audit.endswith("at site 2"), "audit: %s" % audit)
            h.wait_quiet(quiet=0.5, timeout=60)
        t.case("console_hire_refuses_another_sites_applicant_or_contract", site_hire,
               after=["console_what_if_plans_the_chosen_site_only"])

        def forged():
            cookie = st["planner"]
            cand = h.scalar("SELECT id FROM staffd.candidates WHERE status = 'applied' ORDER BY id LIMIT 1")
            contract = h.scalar("SELECT id FROM staffd.contracts ORDER BY id LIMIT 1")
            for path, form in (("/console/hiring/hire", {"candidate": cand, "contract": contract}),
                               ("/console/hiring/what-if", {"candidate": cand}),
                               ("/console/signout", {})):
                for bad in ("", "0" * 64, csrf_of(h.port, cookie)[::-1]):
                    f = dict(form, csrf=bad) if bad else dict(form)
                    code, hd, data, _ = request(h.port, "POST", path, urllib.parse.urlencode(f),
                                                dict(FORM, Cookie=cookie))
                    require(code == 403, "%s with CSRF %r: HTTP %d" % (path, bad[:8], code))
                    require(b"CSRF" in data, "%s: the refusal does not say why" % path)
            require(h.scalar("SELECT status FROM staffd.candidates WHERE id = %s" % cand) == "applied",
                    "a forged hire happened")
            code, hd, data, _ = request(h.port, "GET", "/console/", headers={"Cookie": cookie})
            require(code == 200, "a forged sign-out ended the session")
            st["candidate"], st["contract"] = cand, contract
        t.case("console_refuses_writes_with_a_forged_csrf_token", forged,
               after=["console_sign_in_sets_a_hashed_httponly_strict_session"])

        def viewer():
            link = h.scalar("SELECT staffd.issue_console_link('Vic Viewer', 'viewer')")
            code, cookie, raw, _ = sign_in(h.port, link)
            require(code == 303 and cookie, "viewer sign-in: HTTP %d" % code)
            code, hd, data, _ = request(h.port, "GET", "/console/hiring", headers={"Cookie": cookie})
            require(code == 200, "viewer reads hiring: HTTP %d" % code)
            require(b"hire-button" not in data and b"what-if-button" not in data, "a viewer is offered the actions")
            csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', data.decode()).group(1)
            for path, form in (("/console/hiring/hire", {"candidate": st["candidate"], "contract": st["contract"]}),
                               ("/console/hiring/what-if", {"candidate": st["candidate"]})):
                code, hd, data, _ = request(h.port, "POST", path, urllib.parse.urlencode(dict(form, csrf=csrf)),
                                            dict(FORM, Cookie=cookie))
                require(code == 403 and b"Only planners" in data, "viewer %s: HTTP %d" % (path, code))
            require(h.scalar("SELECT status FROM staffd.candidates WHERE id = %s" % st["candidate"]) == "applied",
                    "a viewer hired")
            st["viewer"] = cookie
        t.case("console_viewers_cannot_hire_or_run_what_ifs", viewer, after=["console_refuses_writes_with_a_forged_csrf_token"])

        def what_if_and_hire():
            cookie = st["planner"]
            csrf = csrf_of(h.port, cookie)
            code, hd, data, _ = request(h.port, "POST", "/console/hiring/what-if",
                                        urllib.parse.urlencode({"csrf": csrf, "candidate": st["candidate"]}),
                                        dict(FORM, Cookie=cookie), timeout=120)
            require(code == 200 and b'id="what-if"' in data, "what-if: HTTP %d %s" % (code, data[-300:]))
            code, hd, data, _ = request(h.port, "POST", "/console/hiring/hire",
                                        urllib.parse.urlencode({"csrf": csrf, "candidate": st["candidate"],
                                                                "contract": st["contract"]}),
                                        dict(FORM, Cookie=cookie))
            require(code == 303 and hd.get("location", "").startswith("/console/hiring?hired="),
                    "hire: HTTP %d %s" % (code, hd.get("location")))
            agent = int(urllib.parse.parse_qs(urllib.parse.urlsplit(hd["location"]).query)["hired"][0])
            row = h.sql("SELECT status, hired_agent_id FROM staffd.candidates WHERE id = %s" % st["candidate"])[0]
            require(row == ["hired", str(agent)], "candidate row after the hire: %s" % row)
            audit = h.sql("SELECT user_name, action FROM staffd.console_audit WHERE action = 'hire'"
                          " AND detail LIKE 'candidate %s as %%'" % st["candidate"])
            require(audit == [["Pia Planner", "hire"]], "audit: %s" % audit)
            code, hd, data, _ = request(h.port, "POST", "/console/hiring/hire",
                                        urllib.parse.urlencode({"csrf": csrf, "candidate": st["candidate"],
                                                                "contract": st["contract"]}),
                                        dict(FORM, Cookie=cookie))
            require(code == 409 and b"already hired" in data, "hiring twice: HTTP %d" % code)
        t.case("console_planner_runs_a_what_if_and_hires", what_if_and_hire,
               after=["console_refuses_writes_with_a_forged_csrf_token"])

        def revoked():
            h.sql("SELECT staffd.revoke_console_link('Vic Viewer')")
            code, hd, data, cookies = request(h.port, "GET", "/console/", headers={"Cookie": st["viewer"]})
            require(code == 401, "a session of a revoked link: HTTP %d" % code)
            require(any("Max-Age=0" in c for c in cookies), "the dead cookie is not cleared")
            # Replacing a link ends the old link's sessions too.
            old = st["planner"]
            new_link = h.scalar("SELECT staffd.issue_console_link('Pia Planner', 'planner')")
            code, hd, data, _ = request(h.port, "GET", "/console/", headers={"Cookie": old})
            require(code == 401, "a session of a replaced link: HTTP %d" % code)
            code, cookie, raw, data = sign_in(h.port, st["planner_link"])
            require(code == 403 and cookie is None and b"not valid" in data, "the replaced link signs in: HTTP %d" % code)
            code, cookie, raw, _ = sign_in(h.port, new_link)
            require(code == 303 and cookie, "the new link: HTTP %d" % code)
            st["planner"] = cookie
        t.case("console_revoked_link_and_its_sessions_are_refused", revoked,
               after=["console_viewers_cannot_hire_or_run_what_ifs"])

        def signout():
            cookie = st["planner"]
            csrf = csrf_of(h.port, cookie)
            code, hd, data, cookies = request(h.port, "POST", "/console/signout",
                                              urllib.parse.urlencode({"csrf": csrf}), dict(FORM, Cookie=cookie))
            require(code == 200 and b"signed out" in data, "sign-out: HTTP %d" % code)
            require(any(c.startswith("staffd_session=;") and "Max-Age=0" in c for c in cookies), "cookie not cleared")
            code, hd, data, _ = request(h.port, "GET", "/console/", headers={"Cookie": cookie})
            require(code == 401, "the session after sign-out: HTTP %d" % code)
        t.case("console_sign_out_ends_the_session", signout, after=["console_revoked_link_and_its_sessions_are_refused"])

        def bad_requests():
            link = h.scalar("SELECT staffd.issue_console_link('Bo Bad', 'planner')")
            code, cookie, raw, _ = sign_in(h.port, link)
            hdr = {"Cookie": cookie}
            cases = [("GET", "/console/coverage?queue=abc", None, {}, 400),
                     ("GET", "/console/schedule?day=2026-13-45", None, {}, 400),
                     ("GET", "/console/schedule?tz=%3Cb%3E", None, {}, 400),
                     ("GET", "/console/schedule?page=-1", None, {}, 400),
                     ("GET", "/console/coverage?queue=%zz", None, {}, 400),
                     # Days that do not exist reached PostgreSQL as $5::date and failed the page;
                     # numbers with a tail or a sign were read as numbers (console_parse.c).
                     ("GET", "/console/schedule?day=2026-02-31", None, {}, 400),
                     ("GET", "/console/schedule?day=2026-02-29", None, {}, 400),
                     ("GET", "/console/schedule?days=7abc", None, {}, 400),
                     ("GET", "/console/coverage?queue=%2B1", None, {}, 400),
                     ("GET", "/console/agents/+1", None, {}, 404),
                     ("GET", "/console/coverage?queue=999999", None, {}, 404),
                     ("GET", "/console/agents/999999", None, {}, 404),
                     ("GET", "/console/agents/x", None, {}, 404),
                     ("GET", "/console/nowhere", None, {}, 404),
                     ("GET", "/console/csv/secrets.csv", None, {}, 404),
                     ("PUT", "/console/", "x", {}, 405),
                     ("GET", "/console/hiring/hire", None, {}, 405),
                     ("POST", "/console/hiring/hire", "{}", {"Content-Type": "application/json"}, 415),
                     ("POST", "/console/hiring/what-if", "csrf=x&candidate=-3", FORM, 400),
                     ("POST", "/console/hiring/what-if", "csrf=x\x00&candidate=1", FORM, 400),
                     ("POST", "/console/hiring/what-if", "x" * 20000, FORM, 413)]
            for method, path, body_, extra, want in cases:
                code, hd, data, _ = request(h.port, method, path, body_, dict(hdr, **extra))
                require(code == want, "%s %s: HTTP %d, want %d" % (method, path, code, want))
                if want != 413:
                    require(hd.get("content-type", "").startswith("text/html"), "%s %s: not an HTML page" % (method, path))
            require(h.alive(), "the daemon died")
        t.case("console_bad_requests_get_4xx", bad_requests, after=["console_fixture_planned"])

        def client_goes_away():
            link = h.scalar("SELECT staffd.issue_console_link('Gone Girl', 'planner')")
            code, cookie, raw, _ = sign_in(h.port, link)
            csrf = csrf_of(h.port, cookie)
            cand = h.scalar("SELECT id FROM staffd.candidates WHERE status = 'applied' ORDER BY id LIMIT 1")
            form = urllib.parse.urlencode({"csrf": csrf, "candidate": cand}).encode()
            for path in ("/console/hiring/what-if", "/console/schedule", "/console/csv/shifts.csv"):
                for _ in range(5):
                    s = socket.create_connection(("127.0.0.1", h.port))
                    if path.endswith("what-if"):
                        s.sendall(b"POST %s HTTP/1.1\r\nHost: x\r\nCookie: %s\r\nContent-Type: "
                                  b"application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s"
                                  % (path.encode(), cookie.encode(), len(form), form))
                    else:
                        s.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nCookie: %s\r\n\r\n" % (path.encode(), cookie.encode()))
                    s.close()
            time.sleep(harness.scaled(2))
            require(h.alive(), "the daemon died when clients went away")
            code, hd, data, _ = request(h.port, "GET", "/console/", headers={"Cookie": cookie})
            require(code == 200, "the console after clients went away: HTTP %d" % code)
        t.case("console_survives_clients_that_go_away", client_goes_away, after=["console_fixture_planned"])

        def rate_limit():
            link = h.scalar("SELECT staffd.issue_console_link('Rita Rate', 'viewer')")
            token = link.rsplit("/", 1)[1]
            codes = []
            for _ in range(14):
                code, hd, data, cookies = request(h.port, "GET", "/console/signin/" + token)
                pre = cookie_pair(cookies[0])
                csrf = re.search(r'name="csrf" value="([^"]+)"', data.decode()).group(1)
                code, hd, data, _ = request(h.port, "POST", "/console/signin",
                                            urllib.parse.urlencode({"token": "wrong" + token[5:], "csrf": csrf}),
                                            dict(FORM, Cookie=pre))
                codes.append(code)
                if code == 429:
                    require(hd.get("retry-after") == "60", "429 without Retry-After")
            # Earlier cases signed in from this address too: the limit (10 a minute) may come sooner.
            require(429 in codes and codes.index(429) <= 10, "sign-in attempts: %s" % codes)
            require(all(c == 429 for c in codes[codes.index(429):]), "the limit let attempts through: %s" % codes)
            require(all(c == 403 for c in codes[:codes.index(429)]), "wrong links were not refused: %s" % codes)
            # The right link is refused too while the limit holds: guessing gains nothing.
            code, cookie, raw, _ = sign_in(h.port, link)
            require(code == 429, "the right link during the limit: HTTP %d" % code)
        t.case("console_sign_in_attempts_are_rate_limited", rate_limit, after=["console_fixture_planned"])

        def secure_cookie():
            h.write_config(console_secure_cookie="yes", console_session_hours=2)
            h.signal(signal.SIGHUP)
            link = h.scalar("SELECT staffd.issue_console_link('Sue Secure', 'viewer')")

            def secure():
                # The rate limit above may still hold for a moment.
                code, cookie, raw, _ = sign_in(h.port, link)
                if code != 303:
                    return None
                return raw
            raw, exc = harness.wait_until(secure, harness.scaled(70), interval=2)
            require(raw, "no sign-in after the reload: %s" % exc)
            attrs = [a.strip().lower() for a in raw.split(";")[1:]]
            require("secure" in attrs and "max-age=7200" in attrs, "cookie after console_secure_cookie = yes: %s" % raw)
        t.case("console_secure_cookie_by_configuration", secure_cookie,
               after=["console_sign_in_attempts_are_rate_limited"])

        def stop():
            h.stop(timeout=10)
        t.case("console_daemon_stops_cleanly", stop, after=["console_fixture_planned"])

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
