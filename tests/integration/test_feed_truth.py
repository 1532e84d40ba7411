#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Feeds that tell the whole truth (issue #12, finding 7): renames reach the
feeds at once with SEQUENCE + 1 and a later Last-Modified; Last-Modified is
never later than Date; long names are cut on a character with "…" and keep
the ": shifts" suffix; a cancelled event says so and does not block busy
time; a feed without shifts still holds a component; a revoked URL answers
404 even while the daemon's database session waits on a lock (and how long
it takes, measured); bidi controls never reach the calendar; every status
line carries its reason phrase.
"""

import email.utils
import hashlib
import http.client
import os
import select
import signal
import socket
import statistics
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import TestFailure, lit, require  # noqa: E402

TOKEN = "truth-admin-token"
ELLIPSIS = "\u2026"
BIDI = ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
        "\u200e", "\u200f", "\u061c"]
# At least 50; STAFFD_TEST_REVOKE_TRIALS=500 for the figures in the README.
REVOKE_TRIALS = max(50, int(os.environ.get("STAFFD_TEST_REVOKE_TRIALS") or 50))
PACE = float(os.environ.get("STAFFD_TEST_PACE") or 0)


def http_time(value):
    require(value, "no date header")
    return email.utils.parsedate_to_datetime(value).timestamp()


def calendar(body):
    """(calendar name, X-WR-CALNAME, {uid: event fields}) of a feed body."""
    cal = harness.parse_feed(body)
    events = {}
    for ev in cal.walk("VEVENT"):
        lm = ev.get("LAST-MODIFIED")
        events[str(ev.get("UID"))] = {
            "summary": str(ev.get("SUMMARY")),
            "sequence": int(ev.get("SEQUENCE")),
            "last_modified": lm.dt.timestamp() if lm is not None else None,
            "start": ev.get("DTSTART").dt.timestamp(),
            "end": ev.get("DTEND").dt.timestamp(),
            "status": str(ev.get("STATUS", "")).upper(),
            "transp": str(ev.get("TRANSP", "")).upper(),
        }
    name = cal.get("NAME")
    xname = cal.get("X-WR-CALNAME")
    return (str(name) if name is not None else None, str(xname) if xname is not None else None, events)


def wait_second_after(instant):
    """Waits until the wall clock is a whole second past `instant` (Unix seconds), so
    that an HTTP date (whole seconds) taken after a change can differ from it."""
    while time.time() < instant + 1.05:
        time.sleep(0.05)


def status_line(port, method, path, headers=None):
    """The first line of the response, as sent (http.client hides a wrong reason)."""
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: t", "Connection: close"]
    if method == "POST":
        lines.append("Content-Length: 0")
    for k, v in (headers or {}).items():
        lines.append("%s: %s" % (k, v))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
    return data.split(b"\r\n", 1)[0].decode("latin-1")


class Psql:
    """One psql session kept open, for a lock held across steps and for timing a
    statement's return without the cost of starting psql."""

    def __init__(self, db):
        self.p = subprocess.Popen(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=harness.psql_env(db))
        self.buf = b""
        self.n = 0

    def send(self, sql):
        """Sends statements followed by a marker; returns the marker to wait for."""
        self.n += 1
        mark = "__mark_%d__" % self.n
        self.p.stdin.write(("%s\n\\echo %s\n" % (sql, mark)).encode())
        self.p.stdin.flush()
        return mark

    def poll(self, mark):
        """The output before `mark` once it arrived, else None; never blocks."""
        fd = self.p.stdout.fileno()
        while select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                raise TestFailure("psql exited: %s" % self.p.stderr.read().decode()[-300:])
            self.buf += chunk
        tag = (mark + "\n").encode()
        if tag in self.buf:
            out, self.buf = self.buf.split(tag, 1)
            return out.decode()
        return None

    def run(self, sql, timeout=10):
        mark = self.send(sql)
        deadline = time.monotonic() + harness.scaled(timeout)
        while True:
            out = self.poll(mark)
            if out is not None:
                return out.strip()
            if time.monotonic() > deadline:
                raise TestFailure("psql did not answer %r within %.0f s" % (sql[:60], harness.scaled(timeout)))
            select.select([self.p.stdout.fileno()], [], [], 0.05)

    def close(self):
        try:
            self.p.stdin.write(b"\\q\n")
            self.p.stdin.flush()
            self.p.wait(5)
        except (OSError, subprocess.TimeoutExpired):
            self.p.kill()
            self.p.wait()


def main():
    t = harness.Tests()
    h = harness.Harness("truth", horizon_days=7)
    h.settings["admin_token_sha256"] = hashlib.sha256(TOKEN.encode()).hexdigest()
    st = {}

    def get_ok(path, headers=None):
        r = h.get(path, headers)
        require(r.status == 200, "%s answered HTTP %d" % (path[:20], r.status))
        return r

    def fresh_path(agent_id):
        """Issues a new URL for the agent (the old one dies) and waits until it answers 200."""
        path = h.issue_feed(agent_id)
        ok, exc = harness.wait_until(lambda: h.get(path).status == 200, harness.scaled(5))
        require(ok, "the newly issued URL does not answer 200 (%s)" % exc)
        st["fx"].feeds[{v: k for k, v in st["fx"].agents.items()}[agent_id]] = path
        return path

    def touch_token(agent_id):
        """A change of feed_tokens: every daemon re-reads the tokens and re-renders every feed."""
        h.sql("UPDATE staffd.feed_tokens SET issued_at = issued_at - interval '1 second' "
              "WHERE agent_id = %d AND revoked_at IS NULL" % agent_id)

    def agent_on_queue(exclude=()):
        """(agent id, feed path, queue id) of a fixture agent with a feed and a future shift."""
        rows = h.sql("""SELECT s.agent_id, s.queue_id, count(*) FROM staffd.shifts s
                        WHERE s.status = 'scheduled' AND s.starts > test_now() + interval '3 hours'
                        GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2""")
        names = {v: k for k, v in st["fx"].agents.items()}
        for agent_id, queue_id, _ in rows:
            agent_id, queue_id = int(agent_id), int(queue_id)
            if agent_id in exclude or names.get(agent_id) not in st["fx"].feeds:
                continue
            return agent_id, st["fx"].feeds[names[agent_id]], queue_id
        raise TestFailure("no agent with a feed has a future shift (excluding %s)" % (exclude,))

    def body():
        def setup():
            h.setup_database()
            fx = h.load_fixture(days=4)
            h.issue_feeds(fx)
            st["fx"] = fx
            h.start()
            h.wait_succeeded_runs(1, timeout=15)
            h.wait_quiet(quiet=0.5, timeout=20)
        t.case("truth_daemon_starts_and_plans", setup)
        up = ["truth_daemon_starts_and_plans"]

        # -- 1. renames -------------------------------------------------------

        def queue_rename():
            agent_id, path, queue_id = agent_on_queue()
            st["renamed_agent"] = agent_id
            old_name = h.scalar("SELECT name FROM staffd.queues WHERE id = %d" % queue_id)
            new_name = "renamed-" + old_name
            r0 = get_ok(path)
            _, _, ev0 = calendar(r0.body)
            on_queue = {r[0] for r in h.sql("SELECT id FROM staffd.shifts WHERE agent_id = %d AND queue_id = %d"
                                            % (agent_id, queue_id))}
            require(on_queue & set(ev0), "no event of queue %s in the feed" % old_name)
            wait_second_after(http_time(r0.header("last-modified")))
            h.sql("UPDATE staffd.queues SET name = %s WHERE id = %d" % (lit(new_name), queue_id))
            t0 = time.monotonic()

            def renamed():
                r = get_ok(path)
                _, _, ev = calendar(r.body)
                return (r, ev) if all(ev[u]["summary"].endswith(new_name) for u in on_queue if u in ev) else None
            got, exc = harness.wait_until(renamed, harness.scaled(2))
            if not got:
                raise TestFailure("2 s after the rename the feed still shows the old queue name (%s)"
                                  % (exc or "old SUMMARY"))
            harness.note("queue rename reached the feed in %.0f ms" % ((time.monotonic() - t0) * 1000))
            r1, ev1 = got
            problems = []
            for uid, old in ev0.items():
                new = ev1.get(uid)
                if new is None:
                    continue
                moved = (new["start"], new["end"]) != (old["start"], old["end"])
                if uid in on_queue and not moved:
                    if new["sequence"] != old["sequence"] + 1:
                        problems.append("%s: SEQUENCE %d -> %d (want +1)" % (uid, old["sequence"], new["sequence"]))
                    if not new["last_modified"] > old["last_modified"]:
                        problems.append("%s: LAST-MODIFIED did not move" % uid)
                elif uid not in on_queue and not moved and new["sequence"] != old["sequence"]:
                    problems.append("%s (another queue): SEQUENCE %d -> %d" % (uid, old["sequence"], new["sequence"]))
            require(not problems, "; ".join(problems[:4]))
            lm0, lm1 = r0.header("last-modified"), r1.header("last-modified")
            require(http_time(lm1) > http_time(lm0), "Last-Modified did not move: %s -> %s" % (lm0, lm1))
            require(r1.header("etag") != r0.header("etag"), "ETag did not change")
            for hdr in ({"If-Modified-Since": lm0}, {"If-None-Match": r0.header("etag")}):
                r = h.get(path, hdr)
                require(r.status == 200, "%s from before the rename gave HTTP %d" % (hdr, r.status))
                require(new_name.encode() in r.body, "%s: the 200 does not carry the new name" % hdr)
            require(h.get(path, {"If-Modified-Since": lm1}).status == 304, "the new Last-Modified gives no 304")
            problems = harness.compare_feed_with_db(r1.body, harness.db_shifts(h, agent_id))
            require(not problems, "; ".join(problems[:3]))
        t.case("truth_queue_rename_reaches_feed_with_sequence_and_last_modified", queue_rename, after=up)

        def agent_rename():
            h.wait_quiet(quiet=0.5, timeout=20)
            names = {v: k for k, v in st["fx"].agents.items()}
            with_shifts = st.get("renamed_agent") or agent_on_queue()[0]
            # An agent with shifts, and one without (inactive): a feed with no event must move too.
            for agent_id, new_name in ((with_shifts, "Renamed Agent"), (st["fx"].agents["Ines Inactive"], "Ines Renamed")):
                path = st["fx"].feeds[names[agent_id]]
                r0 = get_ok(path)
                _, _, ev0 = calendar(r0.body)
                wait_second_after(http_time(r0.header("last-modified")))
                h.sql("UPDATE staffd.agents SET name = %s WHERE id = %d" % (lit(new_name), agent_id))
                want = new_name + ": shifts"

                def renamed():
                    r = get_ok(path)
                    name, xname, ev = calendar(r.body)
                    return (r, ev) if name == want and xname == want else None
                got, exc = harness.wait_until(renamed, harness.scaled(2))
                if not got:
                    raise TestFailure("2 s after renaming agent %d the feed is not named %r (%s)"
                                      % (agent_id, want, exc or "old name"))
                r1, ev1 = got
                lm0, lm1 = r0.header("last-modified"), r1.header("last-modified")
                require(http_time(lm1) > http_time(lm0),
                        "agent %d: Last-Modified did not move: %s -> %s" % (agent_id, lm0, lm1))
                for hdr in ({"If-Modified-Since": lm0}, {"If-None-Match": r0.header("etag")}):
                    r = h.get(path, hdr)
                    require(r.status == 200, "agent %d: %s from before the rename gave HTTP %d" % (agent_id, hdr, r.status))
                    require(want.encode() in r.body, "agent %d: the 200 does not carry the new name" % agent_id)
                # The name is the calendar's, not an event's: no event changed.
                changed = [u for u in ev0 if u in ev1 and ev1[u]["sequence"] != ev0[u]["sequence"]
                           and (ev1[u]["start"], ev1[u]["end"]) == (ev0[u]["start"], ev0[u]["end"])]
                require(not changed, "agent %d: SEQUENCE moved on %s, whose text did not change" % (agent_id, changed[:2]))
        t.case("truth_agent_rename_reaches_feed_and_moves_last_modified", agent_rename, after=up)

        # -- 2. Last-Modified ---------------------------------------------------

        def not_rounded_up():
            h.wait_quiet(quiet=0.5, timeout=20)
            agent_id, path, _ = agent_on_queue(exclude=(st.get("renamed_agent"),))
            st["lm_agent"] = (agent_id, path)
            # A change 0.6 s into a second, an hour ago (real time: updated_at is a real-time record).
            at = int(float(h.scalar("SELECT floor(extract(epoch FROM now())) - 3600")))
            h.sql("""BEGIN;
SET LOCAL staffd.writer = 'on';
UPDATE staffd.shifts SET updated_at = to_timestamp(%d.6) WHERE agent_id = %d;
UPDATE staffd.feed_tokens SET issued_at = to_timestamp(%d) - interval '1 hour' WHERE agent_id = %d;
COMMIT;""" % (at, agent_id, at, agent_id))
            want = email.utils.formatdate(at, usegmt=True)

            def rendered():
                r = get_ok(path)
                return r if r.header("last-modified") in (want, email.utils.formatdate(at + 1, usegmt=True)) else None
            r, exc = harness.wait_until(rendered, harness.scaled(3))
            if not r:
                raise TestFailure("the feed was not re-rendered with the changed rows (%s)" % (exc or "old Last-Modified"))
            require(r.header("last-modified") == want,
                    "updated_at %d.6 gave Last-Modified %s, want %s (rounded up, not down)"
                    % (at, r.header("last-modified"), want))
            lms = {ev["last_modified"] for ev in calendar(r.body)[2].values()}
            require(lms == {at}, "LAST-MODIFIED in the body %s, want %d" % (sorted(lms), at))
        t.case("truth_last_modified_not_rounded_up", not_rounded_up, after=up)

        def never_after_date():
            h.wait_quiet(quiet=0.5, timeout=20)
            agent_id, path = st.get("lm_agent") or agent_on_queue()[:2]
            # A database clock an hour ahead of this host's.
            h.sql("""BEGIN;
SET LOCAL staffd.writer = 'on';
UPDATE staffd.shifts SET updated_at = now() + interval '1 hour'
WHERE id = (SELECT id FROM staffd.shifts WHERE agent_id = %d ORDER BY starts DESC LIMIT 1);
COMMIT;""" % agent_id)
            touch_token(agent_id)

            def rendered():
                r = get_ok(path)
                evs = calendar(r.body)[2].values()
                return r if any(ev["last_modified"] > time.time() + 600 for ev in evs) else None
            r, exc = harness.wait_until(rendered, harness.scaled(3))
            if not r:
                raise TestFailure("the feed was not re-rendered with the changed row (%s)" % (exc or "no future row"))
            for _ in range(5):
                r = get_ok(path)
                lm, date = r.header("last-modified"), r.header("date")
                require(http_time(lm) <= http_time(date), "Last-Modified %s is later than Date %s" % (lm, date))
            # The data did change later than that, so it is not a reason for a 304.
            r = h.get(path, {"If-Modified-Since": lm})
            require(r.status == 200, "If-Modified-Since = the clamped Last-Modified gave HTTP %d" % r.status)
            h.sql("""BEGIN; SET LOCAL staffd.writer = 'on';
UPDATE staffd.shifts SET updated_at = now() WHERE agent_id = %d AND updated_at > now(); COMMIT;""" % agent_id)
        t.case("truth_last_modified_never_after_date", never_after_date, after=up)

        # -- 3. long names ------------------------------------------------------

        def long_names():
            h.wait_quiet(quiet=0.5, timeout=20)
            agent_id, path, queue_id = agent_on_queue(exclude=(st.get("renamed_agent"),))
            # Cuts that fall inside a two-byte character in a buffer of any even size.
            queue_name = "x" + "\u00e5" * 99  # the longest name the schema takes (100 characters)
            agent_name = "y" + "\u00e5" * 199  # ditto, 200
            h.sql("UPDATE staffd.queues SET name = %s WHERE id = %d" % (lit(queue_name), queue_id))
            h.sql("UPDATE staffd.agents SET name = %s WHERE id = %d" % (lit(agent_name), agent_id))
            touch_token(agent_id)

            def rendered():
                r = get_ok(path)
                return r if b"Shift: x\xc3\xa5" in r.body.replace(b"\r\n ", b"") and b"y\xc3\xa5" in r.body else None
            r, exc = harness.wait_until(rendered, harness.scaled(3))
            if not r:
                raise TestFailure("the feed does not show the long names (%s)" % (exc or "old names"))
            text = r.body.decode("utf-8")  # strict: no invalid sequence
            require("\ufffd" not in text, "U+FFFD in the feed: a name was cut inside a character")
            name, xname, ev = calendar(r.body)
            for what, value in (("NAME", name), ("X-WR-CALNAME", xname)):
                require(value and value.endswith(ELLIPSIS + ": shifts"),
                        "%s %r does not end in '…: shifts'" % (what, (value or "")[-20:]))
                require(value.startswith("y\u00e5"), "%s %r" % (what, (value or "")[:20]))
            on_queue = {r[0] for r in h.sql("SELECT id FROM staffd.shifts WHERE queue_id = %d AND agent_id = %d"
                                            % (queue_id, agent_id))}
            summaries = [ev[u]["summary"] for u in on_queue if u in ev]
            require(summaries, "no event of the renamed queue")
            for s in summaries:
                require(s.startswith("Shift: x\u00e5") or s.startswith("Cancelled: Shift: x\u00e5"),
                        "SUMMARY %r" % s[:30])
                require(s.endswith(ELLIPSIS), "SUMMARY %r was cut without an ellipsis" % s[-10:])
        t.case("truth_long_names_cut_on_a_character_with_ellipsis", long_names, after=up)

        # -- 4. cancelled events ------------------------------------------------

        def cancelled():
            h.wait_quiet(quiet=0.5, timeout=20)
            agent_id, path, _ = agent_on_queue()
            uid, _, seq = harness.future_shift(h, [agent_id], min_hours=3)
            before = h.max_run_id()
            h.sql(harness.local_day_time_off_sql(uid))
            h.wait_run_after(before, timeout=10)
            harness.wait_cancelled_in_feed(h, path, uid, seq, timeout=5)
            ev = calendar(get_ok(path).body)[2][uid]
            require(ev["summary"].startswith("Cancelled: Shift: "), "cancelled event's SUMMARY is %r" % ev["summary"])
            require(ev["transp"] == "TRANSPARENT", "cancelled event's TRANSP is %r (it blocks busy time)" % ev["transp"])
            others = [e for u, e in calendar(get_ok(path).body)[2].items() if e["status"] != "CANCELLED"]
            require(all(e["transp"] == "OPAQUE" and not e["summary"].startswith("Cancelled") for e in others),
                    "a scheduled event is transparent or says cancelled")
        t.case("truth_cancelled_event_says_so_and_is_transparent", cancelled, after=up)

        # -- 5. a feed with no shifts ---------------------------------------------

        def empty_feed():
            path = st["fx"].feeds["Ines Inactive"]
            r = get_ok(path)
            require(h.scalar("SELECT count(*) FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id "
                             "WHERE a.id = %d" % st["fx"].agents["Ines Inactive"]) == "0", "the agent has shifts")
            lines = r.body.decode("utf-8").split("\r\n")
            begins = [l for l in lines if l.startswith("BEGIN:") and l != "BEGIN:VCALENDAR"]
            require(begins, "no component in the calendar (RFC 5545 icalbody needs one)")
            cal = harness.parse_feed(r.body)
            require(cal.subcomponents, "python3-icalendar sees no component")
            require(not cal.walk("VEVENT"), "a VEVENT in a feed with no shifts")
            require(h.get(path).body == r.body, "the empty feed is not byte-stable")
        t.case("truth_feed_without_shifts_has_a_component", empty_feed, after=up)

        # -- 6. revocation ------------------------------------------------------

        def revoked_while_locked():
            h.wait_quiet(quiet=0.5, timeout=20)
            agent_id, path, _ = agent_on_queue()
            get_ok(path)
            lock = Psql(h.db)
            try:
                lock.run("BEGIN; LOCK TABLE staffd.demand IN ACCESS EXCLUSIVE MODE;")
                h.sql("NOTIFY staffd_changed, 'demand'")

                def waiting():
                    return int(h.scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"))
                ok, exc = harness.wait_until(waiting, harness.scaled(5))
                require(ok, "the daemon's snapshot read is not waiting on the lock (%s)" % exc)
                require(h.scalar("SELECT staffd.revoke_feed_url(%d)" % agent_id) == "t", "revoke_feed_url failed")
                t0 = time.monotonic()
                gone, exc = harness.wait_until(lambda: h.get(path).status == 404, harness.scaled(1), interval=0.005)
                if not gone:
                    raise TestFailure("the revoked URL still answers %s while the daemon's session waits on a lock"
                                      % (exc or h.get(path).status))
                harness.note("revoked URL 404 after %.1f ms while the daemon waited on a lock"
                             % ((time.monotonic() - t0) * 1000))
            finally:
                lock.run("ROLLBACK;")
                lock.close()
            try:
                # Once the session is free again, nothing it reads brings the URL back.
                h.wait_quiet(quiet=0.5, timeout=20)
                for _ in range(5):
                    require(h.get(path).status == 404, "the revoked URL answers again after the lock")
            finally:
                fresh_path(agent_id)
        t.case("truth_revoked_url_404_while_daemon_waits_on_a_lock", revoked_while_locked, after=up)

        def revocation_latency():
            """REVOKE_TRIALS times: revoke through a psql session kept open, while one
            keep-alive client fetches the URL back to back (STAFFD_TEST_PACE seconds apart).
            The window is from the moment the revoke returned to its caller (its commit is
            done by then) to the arrival of the last 200 to a request sent after that moment:
            an upper bound of how long the URL still worked (0 when the first such request
            got 404); the send time of that request gives a lower bound."""
            h.wait_quiet(quiet=0.5, timeout=20)
            agent_id, _, _ = agent_on_queue()
            path = fresh_path(agent_id)
            s = Psql(h.db)
            windows, sends, hits = [], [], []
            conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=5)

            def fetch(p):
                conn.request("GET", p)
                r = conn.getresponse()
                r.read()
                return r.status
            try:
                for trial in range(REVOKE_TRIALS):
                    ok, _ = harness.wait_until(lambda: fetch(path) == 200, harness.scaled(5), interval=0.01)
                    require(ok, "trial %d: the feed URL does not answer 200" % trial)
                    mark = s.send("SELECT staffd.revoke_feed_url(%d);" % agent_id)
                    returned, log = None, []
                    deadline = time.monotonic() + harness.scaled(5)
                    while True:
                        sent = time.monotonic()
                        status = fetch(path)
                        if PACE:
                            time.sleep(PACE)
                        log.append((sent, time.monotonic(), status))
                        if returned is None and s.poll(mark) is not None:
                            returned = time.monotonic()
                        if returned is not None and status == 404 and sent > returned:
                            break
                        require(time.monotonic() < deadline, "trial %d: still 200 after 5 s" % trial)
                    late = [(sent, got) for sent, got, status in log if status == 200 and sent > returned]
                    windows.append((max(g for _, g in late) - returned) * 1000 if late else 0.0)
                    sends.append((max(x for x, _ in late) - returned) * 1000 if late else 0.0)
                    hits.append(len(late))
                    url = s.run("SELECT staffd.issue_feed_url(%d);" % agent_id)
                    path = harness.feed_path(url.splitlines()[-1])
                    st["fx"].feeds[{v: k for k, v in st["fx"].agents.items()}[agent_id]] = path
            finally:
                conn.close()
                s.close()
            windows.sort()
            sends.sort()
            pct = lambda v, q: v[max(0, int(q * len(v)) - 1)]  # noqa: E731
            harness.note("revoke committed -> last 200, %d trials: median %.2f ms, p90 %.2f ms, p99 %.2f ms, "
                         "max %.2f ms (by send times: p99 %.2f ms, max %.2f ms); trials with a 200 after the "
                         "revoke returned: %d (over 1 ms: %d, over 10 ms: %d)"
                         % (len(windows), statistics.median(windows), pct(windows, 0.9), pct(windows, 0.99),
                            windows[-1], pct(sends, 0.99), sends[-1], sum(1 for n in hits if n),
                            sum(1 for w in windows if w > 1), sum(1 for w in windows if w > 10)))
            require(windows[-1] < 1000, "a revoked URL answered 200 for %.0f ms" % windows[-1])
        t.case("truth_revocation_latency_measured", revocation_latency, after=up)

        # -- 7. bidi controls ------------------------------------------------------

        def bidi():
            h.wait_quiet(quiet=0.5, timeout=20)
            agent_id, path, queue_id = agent_on_queue()
            h.sql("UPDATE staffd.agents SET name = %s WHERE id = %d"
                  % (lit("Eve\u202egnp.exe\u202c " + "".join(BIDI)), agent_id))
            h.sql("UPDATE staffd.queues SET name = %s WHERE id = %d" % (lit("q\u2066x\u2069\u200f\u061c"), queue_id))
            touch_token(agent_id)

            def rendered():
                r = get_ok(path)
                return r if b"gnp.exe" in r.body and b"Shift: q" in r.body else None
            r, exc = harness.wait_until(rendered, harness.scaled(3))
            if not r:
                raise TestFailure("the feed does not show the new names (%s)" % (exc or "old names"))
            text = r.body.decode("utf-8")
            found = sorted({"U+%04X" % ord(c) for c in text if c in BIDI})
            require(not found, "bidi controls in the feed: %s" % ", ".join(found))
            name, xname, ev = calendar(r.body)
            require(name == xname == "Evegnp.exe : shifts", "calendar name %r / %r" % (name, xname))
            require(any(e["summary"] in ("Shift: qx", "Cancelled: Shift: qx") for e in ev.values()),
                    "no SUMMARY 'Shift: qx' in %s" % sorted({e["summary"] for e in ev.values()})[:3])
        t.case("truth_bidi_controls_stripped", bidi, after=up)

        # -- 8. reason phrases --------------------------------------------------------

        def reasons():
            path = st["fx"].feeds["Ines Inactive"]
            etag = get_ok(path).header("etag")
            auth = {"Authorization": "Bearer " + TOKEN}
            want = [
                (("GET", path, None), "200 OK"),
                (("GET", path, {"If-None-Match": etag}), "304 Not Modified"),
                (("GET", "/feeds/nobody.ics", None), "404 Not Found"),
                (("POST", "/healthz", None), "405 Method Not Allowed"),
                (("GET", "/healthz", None), "200 OK"),
                (("GET", "/api/recruitment", None), "401 Unauthorized"),
                (("GET", "/api/recruitment", {"Authorization": "Bearer wrong"}), "401 Unauthorized"),
                (("GET", "/api/nothing", auth), "404 Not Found"),
                (("GET", "/api/recruitment", auth), "200 OK"),
            ]
            bad = []
            for (method, p, hdrs), reason in want:
                line = status_line(h.port, method, p, hdrs)
                if line != "HTTP/1.1 " + reason:
                    bad.append("%s %s -> %r (want %r)" % (method, p[:20], line, "HTTP/1.1 " + reason))
            # Without an admin token the API is forbidden; without a database /healthz is unavailable.
            h.write_config(admin_token_sha256=None)
            h.signal(signal.SIGHUP)
            ok, _ = harness.wait_until(lambda: h.get("/api/recruitment", auth).status == 403, harness.scaled(5))
            require(ok, "the API did not answer 403 after its token was removed")
            line = status_line(h.port, "GET", "/api/recruitment", auth)
            if line != "HTTP/1.1 403 Forbidden":
                bad.append("403 -> %r" % line)
            h.write_config(admin_token_sha256=None, database="host=/nonexistent-staffd-test")
            h.signal(signal.SIGHUP)
            ok, _ = harness.wait_until(lambda: h.healthz().status == 503, harness.scaled(5))
            require(ok, "/healthz did not answer 503 without a database")
            line = status_line(h.port, "GET", "/healthz")
            if line != "HTTP/1.1 503 Service Unavailable":
                bad.append("503 -> %r" % line)
            h.write_config()
            h.signal(signal.SIGHUP)
            h.wait_connected(timeout=10)
            require(not bad, "; ".join(bad))
        t.case("truth_status_lines_carry_their_reason_phrase", reasons, after=up)

        t.case("truth_daemon_stops_cleanly", h.stop, after=up)

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
