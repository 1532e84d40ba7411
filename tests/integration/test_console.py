#!/usr/bin/python3
"""The planners' console over plain HTTP: sign-in links and sessions, cookies,
CSRF, roles, revocation, the sign-in rate limit, security headers, escaping,
CSV downloads and bad requests (docs/console.md). test_console_browser.py
drives the same console with a real browser on the demo data."""
import hashlib
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
            h.start()
            h.wait_succeeded_runs(1, timeout=30)
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
            n = int(h.scalar("SELECT count(*) FROM staffd.coverage c JOIN staffd.runs r ON true WHERE r.id = "
                             "(SELECT max(id) FROM staffd.runs WHERE status = 'succeeded') AND "
                             "c.interval_start >= r.horizon_start AND c.interval_start < r.horizon_end"))
            require(data.count(b"\r\n") == n + 1, "coverage.csv has %d lines for %d intervals" % (data.count(b"\r\n"), n))
        t.case("console_csv_downloads", csvs, after=["console_sign_in_sets_a_hashed_httponly_strict_session"])

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
            agent = int(hd["location"].split("=")[1])
            row = h.sql("SELECT status, hired_agent_id FROM staffd.candidates WHERE id = %s" % st["candidate"])[0]
            require(row == ["hired", str(agent)], "candidate row after the hire: %s" % row)
            audit = h.sql("SELECT user_name, action FROM staffd.console_audit WHERE action = 'hire'")
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
                     ("GET", "/console/coverage?queue=999999", None, {}, 404),
                     ("GET", "/console/agents/999999", None, {}, 404),
                     ("GET", "/console/agents/x", None, {}, 404),
                     ("GET", "/console/nowhere", None, {}, 404),
                     ("GET", "/console/csv/secrets.csv", None, {}, 404),
                     ("PUT", "/console/", "x", {}, 405),
                     ("GET", "/console/hiring/hire", None, {}, 405),
                     ("POST", "/console/hiring/hire", "{}", {"Content-Type": "application/json"}, 415),
                     ("POST", "/console/hiring/what-if", "csrf=x&candidate=-3", FORM, 400),
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
