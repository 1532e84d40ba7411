#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Calendar feeds over HTTP, as subscribing clients see them (docs/interfaces.md
"HTTP", docs/feeds.md): headers, conditional requests, byte-stable bodies,
cancellations, revocation and re-issue of private URLs, /healthz and /metrics.
"""

import email.utils
import os
import re
import secrets
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import TestFailure, lit, require  # noqa: E402

METRIC_LINE = re.compile(
    r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})?'
    r'[ \t]+([-+]?([0-9]*\.?[0-9]+([eE][-+]?[0-9]+)?|NaN|Inf))([ \t]+-?[0-9]+)?$')


def main():
    t = harness.Tests()
    h = harness.Harness("feed", horizon_days=7)
    st = {}

    def body():
        def setup():
            h.setup_database()
            fx = h.load_fixture(days=4)
            h.issue_feeds(fx)
            st["fx"] = fx
            h.start()
            h.wait_succeeded_runs(1, timeout=15)
            h.wait_quiet(quiet=0.5, timeout=20)
            # The feed of the agent with the most shifts that start later than 3 h from now.
            st["agent"], st["agent_id"], st["path"] = harness.agent_with_future_shift(h, fx, 3)
        t.case("feed_daemon_starts_and_plans", setup)
        up = ["feed_daemon_starts_and_plans"]

        def headers():
            r = h.get(st["path"])
            require(r.status == 200, "HTTP %d %r" % (r.status, r.body[:200]))
            problems = []
            ct = (r.header("content-type") or "").replace(" ", "").lower()
            if ct != "text/calendar;charset=utf-8":
                problems.append("Content-Type %r" % r.header("content-type"))
            etag = r.header("etag")
            if not etag or not re.fullmatch(r'"[^"]+"', etag):
                problems.append("ETag %r is not a strong entity tag" % etag)
            lm = r.header("last-modified")
            try:
                if not lm or email.utils.parsedate_to_datetime(lm) is None:
                    raise ValueError
            except (TypeError, ValueError):
                problems.append("Last-Modified %r is not an HTTP date" % lm)
            if "private" not in (r.header("cache-control") or "").lower():
                problems.append("Cache-Control %r lacks private" % r.header("cache-control"))
            if (r.header("referrer-policy") or "").strip().lower() != "no-referrer":
                problems.append("Referrer-Policy %r" % r.header("referrer-policy"))
            if "noindex" not in (r.header("x-robots-tag") or "").lower():
                problems.append("X-Robots-Tag %r" % r.header("x-robots-tag"))
            if r.header("content-encoding") not in (None, "identity"):
                problems.append("Content-Encoding %r (no gzip for feeds)" % r.header("content-encoding"))
            require(not problems, "; ".join(problems))
            text = r.body.decode("utf-8")
            require(text.startswith("BEGIN:VCALENDAR\r\n"), "body does not start with BEGIN:VCALENDAR CRLF")
            require("VERSION:2.0\r\n" in text and "BEGIN:VEVENT\r\n" in text, "no VERSION:2.0 or no VEVENT")
            harness.parse_feed(r.body)
            st["etag"], st["lm"], st["body"] = etag, lm, r.body
        t.case("feed_200_with_calendar_and_privacy_headers", headers, after=up)
        got = ["feed_200_with_calendar_and_privacy_headers"]

        def content():
            raw = st["body"]
            require(b"\n" not in raw.replace(b"\r\n", b""), "bare LF line ends (RFC 5545 wants CRLF)")
            lines = raw.split(b"\r\n")
            long = [l for l in lines if len(l) > 75]
            require(not long, "%d line(s) longer than 75 octets (not folded): %r" % (len(long), long[:1]))
            text = raw.decode("utf-8").replace("\r\n ", "").replace("\r\n\t", "")
            props = [l.split(":", 1)[0].split(";", 1)[0] for l in text.split("\r\n") if l]
            for want in ("VERSION", "PRODID", "METHOD"):
                require(want in props, "calendar has no %s" % want)
            require("METHOD:PUBLISH" in text.split("\r\n"), "METHOD is not PUBLISH")
            require("X-LIC-ERROR" not in text, "X-LIC-ERROR in the served feed")
            cal = harness.parse_feed(raw)
            events = cal.walk("VEVENT")
            require(events, "no VEVENT")
            for ev in events:
                missing = [p for p in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "SEQUENCE", "STATUS",
                                       "LAST-MODIFIED") if ev.get(p) is None]
                require(not missing, "VEVENT %s lacks %s" % (ev.get("UID"), missing))
                uid = str(ev.get("UID"))
                require(re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", uid, re.I),
                        "UID %r is not a bare UUID (no host or personal data)" % uid)
        t.case("feed_content_rfc5545_properties", content, after=got)

        def if_none_match():
            r = h.get(st["path"], {"If-None-Match": st["etag"]})
            require(r.status == 304, "If-None-Match with the current ETag gave HTTP %d" % r.status)
            require(r.body == b"", "304 carries a body of %d bytes" % len(r.body))
            r = h.get(st["path"], {"If-None-Match": '"not-the-etag"'})
            require(r.status == 200, "If-None-Match with another ETag gave HTTP %d" % r.status)
        t.case("feed_if_none_match_304", if_none_match, after=got)

        def ims_garbage():
            for value in ("banana", "Tue, 99 Foo 20xx 99:99:99 GMT", ""):
                r = h.get(st["path"], {"If-Modified-Since": value})
                require(r.status == 200, "If-Modified-Since %r gave HTTP %d" % (value, r.status))
                require(r.body == st["body"], "If-Modified-Since %r: body differs" % value)
        t.case("feed_if_modified_since_garbage_200", ims_garbage, after=got)

        def ims_stale():
            r = h.get(st["path"], {"If-Modified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"})
            require(r.status == 200, "a stale If-Modified-Since gave HTTP %d" % r.status)
        t.case("feed_if_modified_since_stale_200", ims_stale, after=got)

        def ims_current():
            r = h.get(st["path"], {"If-Modified-Since": st["lm"]})
            require(r.status == 304, "If-Modified-Since = Last-Modified (%s) gave HTTP %d" % (st["lm"], r.status))
        t.case("feed_if_modified_since_current_304", ims_current, after=got)

        def byte_identical():
            r1 = h.get(st["path"])
            r2 = h.get(st["path"])
            require(r1.status == r2.status == 200, "HTTP %d / %d" % (r1.status, r2.status))
            require(r1.body == r2.body, "two GETs gave different bodies")
            require(r1.header("etag") == r2.header("etag") == st["etag"], "ETag changed between GETs")
        t.case("feed_body_byte_identical_across_gets", byte_identical, after=got)

        def noop_change():
            before = h.max_run_id()
            h.sql("UPDATE staffd.agents SET name = name WHERE id = %d" % st["agent_id"])
            # The UPDATE notifies staffd_changed, so a run is expected; a daemon that
            # skips an identical snapshot is not wrong, so only the feed is asserted.
            try:
                h.wait_run_after(before, timeout=5)
            except TestFailure as exc:
                harness.note("no planning run after the no-op UPDATE: %s" % exc)
            h.wait_quiet(quiet=0.5, timeout=20)
            r = h.get(st["path"])
            require(r.status == 200, "HTTP %d" % r.status)
            require(r.header("etag") == st["etag"],
                    "ETag changed from %s to %s after a change that alters nothing" % (st["etag"], r.header("etag")))
            require(r.body == st["body"], "body changed after a change that alters nothing")
        t.case("feed_unchanged_after_noop_change_run", noop_change, after=got)

        def cancel():
            uid, agent_id, seq_db = harness.future_shift(h, [st["agent_id"]], min_hours=3)
            r = h.get(st["path"])
            require(r.status == 200, "HTTP %d" % r.status)
            ev = harness.feed_events(r.body).get(uid)
            require(ev is not None, "shift %s is not in the feed before the change" % uid)
            require(ev["status"] != "CANCELLED", "shift %s already cancelled" % uid)
            seq_before = ev["sequence"]
            require(seq_before == seq_db, "feed SEQUENCE %s != shifts.sequence %d" % (seq_before, seq_db))
            before = h.max_run_id()
            h.sql(harness.local_day_time_off_sql(uid))
            h.wait_run_after(before, timeout=10)
            ev = harness.wait_cancelled_in_feed(h, st["path"], uid, seq_before, timeout=5)
            row = h.sql("SELECT status, sequence, agent_id FROM staffd.shifts WHERE id = %s" % lit(uid))
            require(row, "shift row %s is gone (it must stay, cancelled)" % uid)
            require(row[0][0] == "cancelled", "shift row status is %s" % row[0][0])
            require(int(row[0][1]) > seq_before, "shifts.sequence %s not above %d" % (row[0][1], seq_before))
            require(int(row[0][1]) == ev["sequence"], "feed SEQUENCE %s != shifts.sequence %s" % (ev["sequence"], row[0][1]))
            require(int(row[0][2]) == agent_id, "shift changed agent")
            st["body_after_cancel"] = h.get(st["path"]).body
        t.case("feed_time_off_cancels_shift_same_uid_higher_sequence", cancel, after=got)

        def revoke():
            old = st["path"]
            require(h.get(old).status == 200, "feed not served before revoking")
            ok = h.scalar("SELECT staffd.revoke_feed_url(%d)" % st["agent_id"])
            require(ok == "t", "revoke_feed_url returned %r" % ok)
            t0 = time.monotonic()
            r, exc = harness.wait_until(lambda: h.get(old).status == 404, harness.scaled(2))
            if not r:
                raise TestFailure("revoked URL still answers %s after %.1f s"
                                  % (exc or h.get(old).status, time.monotonic() - t0))
        t.case("feed_revoked_url_404_within_2s", revoke, after=got)

        def reissue():
            old = st["path"]
            new = h.issue_feed(st["agent_id"])
            require(new != old, "re-issue returned the same URL")
            r, exc = harness.wait_until(lambda: h.get(new).status == 200, harness.scaled(5))
            if not r:
                raise TestFailure("the re-issued URL does not answer 200 within 5 s (%s)" % (exc or h.get(new).status))
            body_new = h.get(new).body
            require(harness.feed_events(body_new), "the re-issued feed has no events")
            for _ in range(3):
                s = h.get(old).status
                require(s == 404, "the old URL answers %d after re-issue" % s)
            st["path"] = new
        t.case("feed_reissued_url_works_old_stays_404", reissue, after=got)

        def unknown():
            token = secrets.token_urlsafe(32)
            r = h.get("/feeds/%s.ics" % token)
            require(r.status == 404, "unknown token gave HTTP %d" % r.status)
        t.case("feed_unknown_token_404", unknown, after=up)

        def bad_chars():
            real = st["path"][len("/feeds/"):-len(".ics")] if st.get("path") else "x"
            paths = [
                "/feeds/abc$def.ics",
                "/feeds/%2e%2e%2f%2e%2e%2fetc%2fpasswd.ics",
                "/feeds/../healthz.ics",
                "/feeds/" + real + "%00.ics",
                "/feeds/" + real + "'.ics",
                "/feeds/" + real[:-1] + "!.ics",
                "/feeds/" + "A" * 300 + ".ics",
                "/feeds/.ics",
                "/feeds/" + real + ".ics.bak",
            ]
            bad = []
            for p in paths:
                r = h.get(p)
                if r.status != 404:
                    bad.append("%s -> %d" % (p[:60], r.status))
            require(not bad, "; ".join(bad))
            require(h.alive(), "daemon died")
        t.case("feed_token_with_bad_characters_404", bad_chars, after=up)

        def healthz():
            r = h.healthz()
            require(r.status == 200, "HTTP %d" % r.status)
            require("json" in (r.header("content-type") or ""), "Content-Type %r" % r.header("content-type"))
            j = r.json()
            problems = []
            if j.get("status") not in ("ok", "degraded"):
                problems.append("status %r" % j.get("status"))
            if j.get("database") != "connected":
                problems.append("database %r" % j.get("database"))
            for k in ("agents", "feeds", "shifts"):
                if not isinstance(j.get(k), int) or isinstance(j.get(k), bool) or j[k] < 0:
                    problems.append("%s %r is not a count" % (k, j.get(k)))
            lr = j.get("last_run")
            if not isinstance(lr, dict):
                problems.append("last_run %r (a run has succeeded)" % lr)
            else:
                for k in ("id", "status", "finished_at", "shortage_minutes"):
                    if k not in lr:
                        problems.append("last_run lacks %s" % k)
                if isinstance(lr.get("id"), int):
                    row = h.sql("SELECT status FROM staffd.runs WHERE id = %d" % lr["id"])
                    if not row or row[0][0] != lr.get("status"):
                        problems.append("last_run %r does not match staffd.runs (%s)" % (lr, row))
                else:
                    problems.append("last_run.id %r" % lr.get("id"))
                if not isinstance(lr.get("shortage_minutes"), (int, float)):
                    problems.append("last_run.shortage_minutes %r" % lr.get("shortage_minutes"))
            if isinstance(j.get("shifts"), int) and j["shifts"] <= 0:
                problems.append("shifts %r while the schedule has shifts" % j["shifts"])
            require(not problems, "; ".join(problems) + " in " + r.body.decode()[:300])
        t.case("feed_healthz_json_fields", healthz, after=up)

        def metrics():
            r = h.get("/metrics")
            require(r.status == 200, "HTTP %d" % r.status)
            ct = r.header("content-type") or ""
            require(ct.startswith("text/plain"), "Content-Type %r" % ct)
            text = r.body.decode("utf-8")
            names, bad = {}, []
            for line in text.splitlines():
                if not line.strip():
                    continue
                if line.startswith("#"):
                    if line.startswith(("# HELP", "# TYPE")) and not re.match(
                            r"^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* "
                            r"(counter|gauge|histogram|summary|untyped))$", line):
                        bad.append(line)
                    continue
                if not METRIC_LINE.match(line):
                    bad.append(line)
                    continue
                name = re.match(r"[a-zA-Z_:][a-zA-Z0-9_:]*", line).group(0)
                names.setdefault(name, []).append(line)
            require(not bad, "lines not in Prometheus text format: %s" % bad[:3])
            want = ["staffd_runs_total", "staffd_db_connected", "staffd_last_run_shortage_minutes",
                    "staffd_feeds", "staffd_http_requests_total"]
            missing = [w for w in want if w not in names]
            require(not missing, "missing metrics %s (have %s)" % (missing, sorted(names)[:20]))
            db = names["staffd_db_connected"][0].split()[-1]
            require(float(db) == 1, "staffd_db_connected is %s while connected" % db)
            ok = [l for l in names["staffd_runs_total"] if 'status="succeeded"' in l]
            require(ok and float(ok[0].split()[-1]) >= 1, "staffd_runs_total{status=\"succeeded\"} missing or 0: %s"
                    % names["staffd_runs_total"])
        t.case("feed_metrics_prometheus_text", metrics, after=up)

        def tokens_not_logged():
            log = h.log_text()
            tokens = [p[len("/feeds/"):-len(".ics")] for p in st["fx"].feeds.values()]
            if st.get("path"):
                tokens.append(st["path"][len("/feeds/"):-len(".ics")])
            leaked = [tok for tok in tokens if tok and tok in log]
            require(not leaked, "%d feed token(s) appear whole in the daemon log" % len(leaked))
        t.case("feed_tokens_not_in_log", tokens_not_logged, after=up)

        t.case("feed_daemon_stops_cleanly", h.stop, after=up)

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
