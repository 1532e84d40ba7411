# SPDX-License-Identifier: ISC
"""Shared helpers for the staffd integration tests.

Every test file runs as `/usr/bin/python3 tests/integration/test_x.py` from the
repository root, against a real PostgreSQL cluster (PGHOST, PGPORT, PGUSER: a
superuser) and the real daemon binary ($STAFFD_BIN). Nothing is mocked.

What this module gives a test file:
  Tests      runs named cases; prints exactly one `PASS: name` or
             `FAIL: name: reason` line per case on stdout (diagnostics such as
             log tails go to stderr) and exits 1 if any case failed.
  Harness    one fresh database per test file (dropped at the end), `staffd
             migrate`, a configuration file, the daemon as a subprocess with its
             output captured to a file, HTTP helpers, polling helpers over
             staffd.runs, and the small fixture (load_fixture).
  feed helpers parse a served feed with python3-icalendar and compare it with
             staffd.shifts.

Timeouts can be stretched for slow machines with STAFFD_TEST_TIMEOUT_SCALE
(a factor, default 1). Time: every daemon plans as of TEST_NOW ($STAFFD_TEST_NOW,
default a fixed instant) through its `clock` setting, and test SQL says
test_now() / test_today() where it would say now() / current_date, so no test
depends on the date or the hour it runs at. Nothing here sleeps to make an assertion: every wait
polls for a condition until a deadline.
"""

import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The instant every test plans as of: the daemon's `clock` and the SQL function
# test_now() in every test database. Fixed, so that the suite behaves the same
# at any hour of any day; tests/run_at_times.sh runs it at other instants.
TEST_NOW = os.environ.get("STAFFD_TEST_NOW") or "2026-12-09T16:05:00Z"
SCALE = float(os.environ.get("STAFFD_TEST_TIMEOUT_SCALE") or "1")
SANITIZER_PATTERNS = ("ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer")
POLL = 0.05


def scaled(seconds):
    return seconds * SCALE


def note(text):
    """Diagnostics for humans: stderr, indented, never a PASS/FAIL line."""
    for line in str(text).splitlines() or [""]:
        sys.stderr.write("    | " + line + "\n")
    sys.stderr.flush()


class TestFailure(Exception):
    """An assertion about the daemon did not hold."""


def require(cond, message):
    if not cond:
        raise TestFailure(message)


def lit(value):
    """SQL literal for a Python value (str, int, float, None, bool)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def ident(name):
    return '"' + name.replace('"', '""') + '"'


def free_port():
    """A TCP port that was free a moment ago (bound to port 0, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_no_sanitizer_report(text, what):
    bad = [line for line in text.splitlines() if any(p in line for p in SANITIZER_PATTERNS)]
    require(not bad, "%s: sanitizer report: %s" % (what, bad[0] if bad else ""))


def wait_until(predicate, timeout, interval=POLL):
    """Polls predicate() until it returns a truthy value or the deadline passes.

    Returns (value, last_exception). value is the last (falsy) result on timeout.
    Exceptions from predicate count as "not yet" and are remembered.
    """
    deadline = time.monotonic() + timeout
    last_exc = None
    value = None
    while True:
        try:
            value = predicate()
            if value:
                return value, None
        except (TestFailure, OSError, http.client.HTTPException, ValueError, KeyError) as exc:
            last_exc = exc
        if time.monotonic() >= deadline:
            return value, last_exc
        time.sleep(interval)


# ---------------------------------------------------------------------------
# Test cases and reporting
# ---------------------------------------------------------------------------

class Tests:
    """Runs named cases in order and reports one line per case."""

    def __init__(self):
        self.results = {}
        self.failed = 0

    def _report(self, name, ok, reason=""):
        self.results[name] = ok
        if ok:
            print("PASS: %s" % name, flush=True)
        else:
            self.failed += 1
            reason = " ".join(str(reason).split()) or "failed"
            if len(reason) > 600:
                reason = reason[:600] + "..."
            print("FAIL: %s: %s" % (name, reason), flush=True)

    def passed(self, name):
        return self.results.get(name) is True

    def case(self, name, fn, *args, after=()):
        """Runs fn(*args) as case `name`; returns (ok, value).

        after: names of earlier cases this one needs; if one of them did not
        pass, this case fails with "not run" instead of running.
        """
        missing = [a for a in after if not self.passed(a)]
        if missing:
            self._report(name, False, "not run: needs %s" % ", ".join(missing))
            return False, None
        try:
            value = fn(*args)
        except TestFailure as exc:
            self._report(name, False, str(exc))
            return False, None
        except Exception as exc:  # a harness or environment problem: still a FAIL line
            self._report(name, False, "%s: %s" % (type(exc).__name__, exc))
            note(traceback.format_exc())
            return False, None
        self._report(name, True)
        return True, value

    def fail(self, name, reason):
        self._report(name, False, reason)

    def finish(self):
        sys.exit(1 if self.failed else 0)


# ---------------------------------------------------------------------------
# PostgreSQL through psql
# ---------------------------------------------------------------------------

class SqlError(Exception):
    def __init__(self, stderr):
        super().__init__(stderr.strip())
        self.stderr = stderr

    @property
    def error_line(self):
        m = re.search(r"ERROR:\s+(.*)", self.stderr)
        return m.group(1).strip() if m else self.stderr.strip()


def psql_env(db):
    env = dict(os.environ)
    env["PGDATABASE"] = db
    env.setdefault("PGAPPNAME", "staffd-integration-test")
    env.pop("PGOPTIONS", None)
    return env


def psql_raw(sql, db, single_transaction=False, timeout=120):
    """Runs SQL text through psql; returns (returncode, stdout, stderr)."""
    cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-A", "-t",
           "-F", "\x1f", "-R", "\x1e", "-P", "null=\\N", "-d", db, "-f", "-"]
    if single_transaction:
        cmd.insert(1, "-1")
    p = subprocess.run(cmd, input=sql, env=psql_env(db), capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def parse_rows(out):
    """Rows of the one result set psql printed (fields '\\x1f', records '\\x1e')."""
    if out.endswith("\n"):
        out = out[:-1]
    if out == "":
        return []
    rows = []
    for rec in out.split("\x1e"):
        rows.append([None if f == "\\N" else f for f in rec.split("\x1f")])
    return rows


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------

class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value (repeats joined by ", ")
        self.body = body

    def header(self, name, default=None):
        return self.headers.get(name.lower(), default)

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return "<HTTP %d, %d bytes>" % (self.status, len(self.body))


def http_get(port, path, headers=None, host="127.0.0.1", timeout=5.0):
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        r = conn.getresponse()
        body = r.read()
        hdrs = {}
        for k, v in r.getheaders():
            k = k.lower()
            hdrs[k] = hdrs[k] + ", " + v if k in hdrs else v
        return Response(r.status, hdrs, body)
    finally:
        conn.close()


def feed_path(url):
    """The path part of a feed URL from staffd.issue_feed_url()."""
    return urllib.parse.urlsplit(url).path


# ---------------------------------------------------------------------------
# The harness: database, configuration, daemon
# ---------------------------------------------------------------------------

class Harness:
    def __init__(self, name, horizon_days=7, debounce_ms=100, max_debounce_ms=2000, binary=None):
        for var in ("PGHOST", "PGPORT", "PGUSER"):
            if not os.environ.get(var):
                raise RuntimeError("%s is not set (run through tests/run.sh)" % var)
        self.name = name
        self.binary = binary or os.environ.get("STAFFD_BIN") or os.path.join(REPO, "build", "staffd")
        self.tmp = tempfile.mkdtemp(prefix="staffd-it-%s-" % name)
        self.db = "staffd_it_%s_%d_%s" % (name, os.getpid(), secrets.token_hex(3))
        self.databases = []
        self.conf = os.path.join(self.tmp, "staffd.conf")
        self.log_path = os.path.join(self.tmp, "staffd.log")
        self.settings = {
            "listen_address": "127.0.0.1",
            "listen_port": free_port(),
            "horizon_days": horizon_days,
            "debounce_ms": debounce_ms,
            "max_debounce_ms": max_debounce_ms,
            "cancelled_grace_days": 7,
            "migrate_on_start": "yes",
            "log_level": "info",
            "plan_seed": 1,
            "clock": TEST_NOW,
            # Most tests assert what one full run does after a change; test_quick.py turns
            # quick runs (a quick run, then a full one) on.
            "quick_plan": "no",
            # ... and wait debounce_ms after every change, as before adaptive debounce: tests
            # that read the last run id right after their change rely on it.
            "quick_debounce_ms": debounce_ms,
        }
        self.proc = None
        self.log_file = None
        self.log_start = 0
        self.keep_tmp = False
        self.starts = 0

    # -- SQL --------------------------------------------------------------

    def sql(self, text, db=None, single_transaction=False, timeout=120):
        """Runs SQL; returns the rows of the (last, only) result set; raises SqlError."""
        rc, out, err = psql_raw(text, db or self.db, single_transaction, timeout)
        if rc != 0:
            raise SqlError(err)
        return parse_rows(out)

    def sql_error(self, text, db=None):
        """Runs SQL that must fail; returns the SqlError, or None if it succeeded."""
        try:
            self.sql(text, db=db)
        except SqlError as exc:
            return exc
        return None

    def scalar(self, text, db=None):
        rows = self.sql(text, db=db)
        return rows[0][0] if rows else None

    def create_database(self, db=None):
        db = db or self.db
        self.sql("CREATE DATABASE %s" % ident(db), db="postgres")
        self.databases.append(db)
        self.sql(test_clock_sql(), db=db)
        return db

    def drop_database(self, db):
        rc, _, err = psql_raw("DROP DATABASE IF EXISTS %s WITH (FORCE)" % ident(db), "postgres")
        if rc == 0 and db in self.databases:
            self.databases.remove(db)
        return rc == 0

    # -- configuration and commands -----------------------------------------

    def config_text(self, **overrides):
        values = dict(self.settings)
        values.update(overrides)
        lines = ["# staffd integration test configuration (%s)" % self.name,
                 "# database: empty, the daemon uses libpq's environment (PGHOST, PGDATABASE, ...)"]
        for k, v in values.items():
            if v is not None:
                lines.append("%s = %s" % (k, v))
        return "\n".join(lines) + "\n"

    def write_config(self, path=None, text=None, **overrides):
        path = path or self.conf
        with open(path, "w") as f:
            f.write(text if text is not None else self.config_text(**overrides))
        return path

    @property
    def port(self):
        return int(self.settings["listen_port"])

    def daemon_env(self, db=None):
        env = psql_env(db or self.db)
        env.pop("NOTIFY_SOCKET", None)
        env.pop("WATCHDOG_USEC", None)
        env.pop("WATCHDOG_PID", None)
        env.pop("STAFFD_CONFIG", None)
        env.pop("PGAPPNAME", None)
        return env

    def command(self, args, db=None, timeout=120, binary=None):
        """Runs `staffd ARGS` to completion; returns CompletedProcess (text)."""
        return subprocess.run([binary or self.binary] + list(args), env=self.daemon_env(db),
                              capture_output=True, text=True, timeout=timeout, cwd=REPO)

    def migrate(self, db=None, conf=None, timeout=120):
        conf = conf or self.conf
        if not os.path.exists(conf):
            self.write_config(conf)
        return self.command(["migrate", "-c", conf], db=db, timeout=timeout)

    def setup_database(self):
        """Fresh database, `staffd migrate`, configuration file. Raises TestFailure."""
        self.create_database()
        self.write_config()
        p = self.migrate()
        require(p.returncode == 0, "staffd migrate exited %d: %s" % (p.returncode, (p.stderr + p.stdout).strip()[-400:]))
        require_no_sanitizer_report(p.stderr + p.stdout, "staffd migrate")
        n = self.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'staffd'")
        require(n is not None and int(n) > 0, "staffd migrate left no tables in schema staffd")
        self.sql("UPDATE staffd.settings SET value = %s WHERE key = 'public_base_url'"
                 % lit("http://127.0.0.1:%d" % self.port))

    # -- the daemon ---------------------------------------------------------

    def start(self, prefix=(), binary=None, timeout=20, wait=True):
        """Starts `staffd run -c CONF` and waits until /healthz says the database is connected."""
        require(self.proc is None or self.proc.poll() is not None, "daemon already running")
        binary = binary or self.binary
        require(os.access(binary, os.X_OK), "daemon binary %s is not executable" % binary)
        if self.log_file:
            self.log_file.close()
        self.starts += 1
        self.log_file = open(self.log_path, "ab")
        self.log_file.write(("==== start %d: %s run -c %s\n" % (self.starts, binary, self.conf)).encode())
        self.log_file.flush()
        self.log_start = self.log_file.tell()
        self.proc = subprocess.Popen(list(prefix) + [binary, "run", "-c", self.conf],
                                     stdin=subprocess.DEVNULL, stdout=self.log_file,
                                     stderr=self.log_file, env=self.daemon_env(), cwd=self.tmp)
        self.started_at = time.monotonic()
        if wait:
            self.wait_connected(timeout)
        return self.proc

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def healthz(self, port=None):
        return http_get(port or self.port, "/healthz")

    def wait_connected(self, timeout=20, port=None):
        """Waits for /healthz: 200 with database "connected"; fails fast if the daemon exits."""
        deadline = time.monotonic() + scaled(timeout)
        last = "no answer"
        while True:
            if not self.alive():
                raise TestFailure("daemon exited with %s before /healthz said connected; log: %s"
                                  % (self.proc.returncode if self.proc else None, self.log_tail(5, joined=True)))
            try:
                r = self.healthz(port)
                last = "HTTP %d %s" % (r.status, r.body[:200].decode("utf-8", "replace"))
                if r.status == 200 and r.json().get("database") == "connected":
                    return r.json()
            except (OSError, http.client.HTTPException, ValueError) as exc:
                last = "%s: %s" % (type(exc).__name__, exc)
            if time.monotonic() >= deadline:
                raise TestFailure("/healthz did not report a connected database within %.0f s (last: %s)"
                                  % (scaled(timeout), last))
            time.sleep(0.1)

    def signal(self, sig):
        require(self.alive(), "daemon is not running")
        self.proc.send_signal(sig)

    def stop(self, timeout=5, expect_rc=0):
        """SIGTERM; asserts exit code expect_rc within timeout and a clean sanitizer log."""
        require(self.proc is not None, "daemon was never started")
        problems = []
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            t0 = time.monotonic()
            try:
                self.proc.wait(scaled(timeout))
            except subprocess.TimeoutExpired:
                problems.append("still running %.1f s after SIGTERM (killed)" % (time.monotonic() - t0))
                self.proc.kill()
                self.proc.wait()
        else:
            problems.append("daemon had already exited before SIGTERM")
        rc = self.proc.returncode
        if rc != expect_rc and not problems:
            if rc < 0:
                problems.append("killed by signal %s" % signal.Signals(-rc).name)
            else:
                problems.append("exit code %d (want %d)" % (rc, expect_rc))
        bad = self.sanitizer_lines(self.log_start)  # this run of the daemon only
        if bad:
            problems.append("sanitizer report in stderr: %s" % bad[0])
        if problems:
            self.print_log_tail()
            raise TestFailure("; ".join(problems))
        return rc

    def kill(self):
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    # -- the log --------------------------------------------------------------

    def log_text(self, since=0):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(since)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except FileNotFoundError:
            return 0

    def sanitizer_lines(self, since=0):
        return [line for line in self.log_text(since).splitlines()
                if any(p in line for p in SANITIZER_PATTERNS)]

    def log_tail(self, n=30, joined=False):
        lines = self.log_text().splitlines()[-n:]
        return " / ".join(lines) if joined else lines

    def print_log_tail(self, n=40):
        note("daemon log tail (%s):" % self.log_path)
        note("\n".join(self.log_tail(n)))
        self.keep_tmp = True

    # -- runs -------------------------------------------------------------

    def max_run_id(self):
        v = self.scalar("SELECT coalesce(max(id), 0) FROM staffd.runs")
        return int(v)

    def runs_after(self, run_id):
        rows = self.sql("SELECT id, status, coalesce(message, ''), reason FROM staffd.runs WHERE id > %d ORDER BY id"
                        % run_id)
        return [(int(r[0]), r[1], r[2], r[3]) for r in rows]

    def wait_run_after(self, run_id, timeout):
        """Waits for a succeeded run with id > run_id; returns its id."""
        deadline = time.monotonic() + scaled(timeout)
        seen = []
        while True:
            seen = self.runs_after(run_id)
            ok = [r for r in seen if r[1] == "succeeded"]
            if ok:
                self.wait_daemon_published(ok[0][0])
                return ok[0][0]
            if not self.alive():
                raise TestFailure("daemon exited (%s) while waiting for a planning run; log: %s"
                                  % (self.proc.returncode, self.log_tail(5, joined=True)))
            if time.monotonic() >= deadline:
                desc = ", ".join("#%d %s %s" % (r[0], r[1], r[2][:120]) for r in seen) or "none"
                raise TestFailure("no succeeded planning run within %.1f s (runs since #%d: %s)"
                                  % (scaled(timeout), run_id, desc))
            time.sleep(POLL)

    def wait_succeeded_runs(self, n, timeout):
        """Waits until staffd.runs holds at least n succeeded runs; returns the n-th one's id."""
        def check():
            rows = self.sql("SELECT id FROM staffd.runs WHERE status = 'succeeded' ORDER BY id")
            return int(rows[n - 1][0]) if len(rows) >= n else None
        deadline = time.monotonic() + scaled(timeout)
        while True:
            rid = check()
            if rid:
                self.wait_daemon_published(rid)
                return rid
            if not self.alive():
                raise TestFailure("daemon exited (%s) while waiting for run %d; log: %s"
                                  % (self.proc.returncode, n, self.log_tail(5, joined=True)))
            if time.monotonic() >= deadline:
                runs = self.runs_after(0)
                desc = ", ".join("#%d %s %s" % (r[0], r[1], r[2][:120]) for r in runs) or "none"
                raise TestFailure("fewer than %d succeeded runs within %.1f s (runs: %s)"
                                  % (n, scaled(timeout), desc))
            time.sleep(POLL)

    def wait_daemon_published(self, run_id, timeout=3):
        """Best effort: waits until /healthz reports run_id (or later) as last_run.

        The run row commits before the daemon re-renders its feeds; this narrows
        that window. Not an assertion: it returns quietly on timeout.
        """
        def seen():
            j = self.healthz().json()
            lr = j.get("last_run") or {}
            return isinstance(lr.get("id"), int) and lr["id"] >= run_id
        wait_until(seen, scaled(timeout))

    def wait_quiet(self, quiet=1.0, timeout=30):
        """Waits until no run is running and no new run row appeared for `quiet` seconds."""
        deadline = time.monotonic() + scaled(timeout)
        last = None
        since = time.monotonic()
        while True:
            row = self.sql("SELECT coalesce(max(id), 0), count(*) FILTER (WHERE status = 'running') FROM staffd.runs")[0]
            state = (int(row[0]), int(row[1]))
            now = time.monotonic()
            if state != last:
                last, since = state, now
            elif state[1] == 0 and now - since >= quiet:
                return state[0]
            if now >= deadline:
                raise TestFailure("planner did not go quiet within %.0f s (max run id %d, %d running)"
                                  % (scaled(timeout), state[0], state[1]))
            time.sleep(0.1)

    # -- fixture ----------------------------------------------------------

    def load_fixture(self, days=4):
        """The small fixture; returns a Fixture with ids and feed paths."""
        self.sql(fixture_sql(days), single_transaction=True)
        return self.fixture_ids()

    def load_demo(self):
        """demo/demo.sql, as of the tests' fixed clock (the demo's own staffd.demo_clock)."""
        env = psql_env(self.db)
        env["PGOPTIONS"] = "-c staffd.demo_clock=" + TEST_NOW
        p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f",
                            os.path.join(REPO, "demo", "demo.sql")],
                           env=env, capture_output=True, text=True, cwd=REPO, timeout=300)
        require(p.returncode == 0, "demo.sql failed: %s" % p.stderr[-500:])

    def fixture_ids(self):
        fx = Fixture()
        for name, i in self.sql("SELECT name, id FROM staffd.queues ORDER BY id"):
            fx.queues[name] = int(i)
        for name, i in self.sql("SELECT name, id FROM staffd.contracts ORDER BY id"):
            fx.contracts[name] = int(i)
        for name, i in self.sql("SELECT name, id FROM staffd.agents ORDER BY id"):
            fx.agents[name] = int(i)
        return fx

    def issue_feed(self, agent_id):
        """staffd.issue_feed_url(agent_id) -> path of the new feed URL (/feeds/<token>.ics)."""
        url = self.scalar("SELECT staffd.issue_feed_url(%d)" % agent_id)
        require(url and url.startswith("http://127.0.0.1:%d/feeds/" % self.port),
                "issue_feed_url returned %r, not a URL on public_base_url" % url)
        return feed_path(url)

    def issue_feeds(self, fx):
        rows = self.sql("SELECT a.name, staffd.issue_feed_url(a.id) FROM staffd.agents a ORDER BY a.id")
        for name, url in rows:
            fx.feeds[name] = feed_path(url)
        return fx

    def get(self, path, headers=None, timeout=5.0):
        return http_get(self.port, path, headers=headers, timeout=timeout)

    # -- cleanup ------------------------------------------------------------

    def cleanup(self, failed=False):
        self.kill()
        if self.log_file:
            self.log_file.close()
            self.log_file = None
        for db in list(self.databases):
            if not self.drop_database(db):
                note("could not drop database %s" % db)
        if failed or self.keep_tmp:
            note("logs kept in %s" % self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


class Fixture:
    def __init__(self):
        self.queues = {}
        self.contracts = {}
        self.agents = {}
        self.feeds = {}  # agent name -> feed path


def test_clock_sql(now=None):
    """test_now() and test_today() (UTC) in schema public: the tests' clock in SQL."""
    return """
CREATE OR REPLACE FUNCTION public.test_now() RETURNS timestamptz LANGUAGE sql IMMUTABLE
    AS $$ SELECT %(now)s::timestamptz $$;
CREATE OR REPLACE FUNCTION public.test_today() RETURNS date LANGUAGE sql IMMUTABLE
    AS $$ SELECT (%(now)s::timestamptz AT TIME ZONE 'UTC')::date $$;
""" % {"now": lit(now or TEST_NOW)}


# Horizon start: 00:00 UTC of the test day. Demand starts at test_now() rounded down to 15 minutes.
HORIZON_START = "(date_trunc('day', test_now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
NOW_15 = "(to_timestamp(floor(extract(epoch FROM test_now()) / 900) * 900))"


def fixture_sql(days=4):
    """Small fixture: 3 contracts, 3 queues (one nobody is skilled for), 8 agents in
    several time zones (one overnight window, one expired window, one inactive
    agent), time off, and demand from test_now() for `days` days."""
    intervals = days * 96
    return """
INSERT INTO staffd.contracts (name, min_minutes_per_week, max_minutes_per_week, max_days_per_week,
                              max_consecutive_days, min_rest_minutes, shift_lengths_minutes,
                              shift_start_step_minutes) VALUES
    ('full-time', 0, 2400, 5, 5, 660, '{480,360}', 30),
    ('part-time', 0, 1200, 4, 3, 720, '{240,300}', 60),
    ('student',   0,  900, 3, 2, 600, '{180,240}', 15);

INSERT INTO staffd.queues (name, channel, time_zone, service_level, target_seconds, concurrency, shrinkage) VALUES
    ('voice-sv', 'voice', 'Europe/Stockholm', 0.80, 20, 1, 0.30),
    ('chat-en',  'chat',  'America/New_York', 0.80, 60, 2, 0.25),
    ('voice-fi', 'voice', 'Europe/Helsinki',  0.80, 20, 1, 0.30);

INSERT INTO staffd.agents (name, email, time_zone, contract_id, active)
SELECT v.name, v.email, v.tz, c.id, v.active
FROM (VALUES
    ('Astrid Lind',   'astrid@example.com', 'Europe/Stockholm', 'full-time', true),
    ('Björn Berg',    'bjorn@example.com',  'Europe/Stockholm', 'part-time', true),
    ('Maria Lopez',   'maria@example.com',  'America/New_York', 'full-time', true),
    ('James Carter',  'james@example.com',  'America/New_York', 'student',   true),
    ('Yuki Tanaka',   'yuki@example.com',   'Asia/Tokyo',       'part-time', true),
    ('Sam Okafor',    'sam@example.com',    'UTC',              'full-time', true),
    ('Olivia Brown',  'olivia@example.com', 'Australia/Sydney', 'student',   true),
    ('Ines Inactive', 'ines@example.com',   'Europe/Stockholm', 'full-time', false)
) AS v(name, email, tz, contract, active)
JOIN staffd.contracts c ON c.name = v.contract;

INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time, valid_from, valid_until)
SELECT a.id, d.wd, w.st::time, w.et::time, w.vf, w.vu
FROM (VALUES
    ('Astrid Lind',   1, 5, '08:00', '18:00', NULL::date, NULL::date),
    ('Astrid Lind',   6, 7, '10:00', '16:00', NULL, NULL),
    ('Björn Berg',    1, 7, '16:00', '22:00', NULL, NULL),
    ('Maria Lopez',   1, 7, '07:00', '19:00', NULL, NULL),
    ('James Carter',  1, 7, '18:00', '02:00', NULL, NULL),
    ('Yuki Tanaka',   1, 6, '09:00', '17:00', NULL, NULL),
    ('Yuki Tanaka',   1, 7, '00:00', '23:45', test_today() - 60, test_today() - 30),
    ('Sam Okafor',    1, 7, '22:00', '08:00', NULL, NULL),
    ('Olivia Brown',  1, 7, '06:00', '12:00', NULL, NULL),
    ('Ines Inactive', 1, 7, '08:00', '20:00', NULL, NULL)
) AS w(name, wd_from, wd_to, st, et, vf, vu)
JOIN staffd.agents a ON a.name = w.name
CROSS JOIN LATERAL generate_series(w.wd_from, w.wd_to) AS d(wd);

INSERT INTO staffd.agent_skills (agent_id, queue_id)
SELECT a.id, q.id
FROM (VALUES
    ('Astrid Lind', 'voice-sv'), ('Astrid Lind', 'chat-en'),
    ('Björn Berg', 'voice-sv'),
    ('Maria Lopez', 'chat-en'),
    ('James Carter', 'chat-en'),
    ('Yuki Tanaka', 'chat-en'),
    ('Sam Okafor', 'voice-sv'), ('Sam Okafor', 'chat-en'),
    ('Olivia Brown', 'chat-en'),
    ('Ines Inactive', 'voice-sv'), ('Ines Inactive', 'chat-en')
) AS s(agent, queue)
JOIN staffd.agents a ON a.name = s.agent
JOIN staffd.queues q ON q.name = s.queue;

-- Maria is off for the whole of tomorrow (her local day); Astrid for a few hours
-- tomorrow; Sam for the first hours of the day after tomorrow (UTC).
INSERT INTO staffd.time_off (agent_id, starts, ends, reason)
SELECT a.id, t.starts, t.ends, t.reason
FROM staffd.agents a
JOIN LATERAL (VALUES
    ('Maria Lopez',
     ((test_now() AT TIME ZONE a.time_zone)::date + 1)::timestamp AT TIME ZONE a.time_zone,
     ((test_now() AT TIME ZONE a.time_zone)::date + 2)::timestamp AT TIME ZONE a.time_zone,
     'dentist and a day off'),
    ('Astrid Lind',
     (((test_now() AT TIME ZONE a.time_zone)::date + 1) + time '12:00') AT TIME ZONE a.time_zone,
     (((test_now() AT TIME ZONE a.time_zone)::date + 1) + time '15:00') AT TIME ZONE a.time_zone,
     'appointment'),
    ('Sam Okafor',
     %(hs)s + interval '2 days',
     %(hs)s + interval '2 days 4 hours',
     'training')
) AS t(agent, starts, ends, reason) ON t.agent = a.name;

-- Demand from test_now() (rounded down to 15 minutes) for %(days)d days: voice-sv far
-- beyond what its three agents can give, chat-en moderate, voice-fi with nobody
-- skilled at all.
INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds)
SELECT q.id, %(now15)s + g * interval '15 minutes', 15,
       CASE q.name WHEN 'voice-sv' THEN 30 + (g %% 8)
                   WHEN 'chat-en' THEN 6 + (g %% 5)
                   ELSE 4 END,
       CASE q.name WHEN 'voice-sv' THEN 300 WHEN 'chat-en' THEN 480 ELSE 240 END
FROM staffd.queues q
CROSS JOIN generate_series(0, %(last)d) AS g
WHERE q.name IN ('voice-sv', 'chat-en', 'voice-fi');
""" % {"hs": HORIZON_START, "now15": NOW_15, "days": days, "last": intervals - 1}


def second_site_sql(days=3):
    """A second site, 'berlin' (id 2, Europe/Berlin), beside the fixture's site 1: a
    contract 'de full-time', a queue 'voice-de', four agents 'Berlin 1'..'Berlin 4'
    skilled for it and available 06:00-22:00 every day, and `days` days of demand
    from the horizon's start."""
    return """
INSERT INTO staffd.sites (id, name, time_zone) VALUES (2, 'berlin', 'Europe/Berlin');
INSERT INTO staffd.contracts (name, site_id, max_minutes_per_week, shift_lengths_minutes)
    VALUES ('de full-time', 2, 2400, '{480}');
INSERT INTO staffd.queues (name, channel, time_zone, site_id) VALUES ('voice-de', 'voice', 'Europe/Berlin', 2);
INSERT INTO staffd.agents (name, time_zone, contract_id, site_id)
SELECT 'Berlin ' || g, 'Europe/Berlin', (SELECT id FROM staffd.contracts WHERE name = 'de full-time'), 2
FROM generate_series(1, 4) g;
INSERT INTO staffd.agent_skills (agent_id, queue_id)
SELECT a.id, q.id FROM staffd.agents a, staffd.queues q WHERE a.site_id = 2 AND q.name = 'voice-de';
INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time)
SELECT a.id, wd, '06:00', '22:00' FROM staffd.agents a CROSS JOIN generate_series(1, 7) wd WHERE a.site_id = 2;
INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds)
SELECT q.id, %(hs)s + g * interval '15 minutes', 15, 20 + g %% 7, 240
FROM staffd.queues q CROSS JOIN generate_series(0, %(last)d) g WHERE q.name = 'voice-de';
""" % {"hs": HORIZON_START, "last": days * 96 - 1}


def console_queue_days_sql(site):
    """Per queue of `site` and local day of the queue, from the clock of the site's last
    plan on: queue name, day, intervals with demand, those meeting the goal, agent-hours
    short, of them needing hiring (coverage.unfixable_shortage) and fixable by rostering
    (the rest), and agent-hours over (coverage.surplus); the last three rounded to 4
    decimals (NULL without the split). Written apart from the console's own SQL
    (daemon/console_data.c): days are generated and bounded by instants, not grouped by a
    cast of each interval."""
    return """
WITH r AS (SELECT planned_at, horizon_end FROM staffd.runs WHERE status = 'succeeded' AND site_id = %(site)d
           ORDER BY id DESC LIMIT 1),
     d AS (SELECT q.id, q.name, q.service_level, g::date AS day,
                  greatest(g::date::timestamp AT TIME ZONE q.time_zone, r.planned_at) AS t0,
                  least((g::date + 1)::timestamp AT TIME ZONE q.time_zone, r.horizon_end) AS t1
           FROM staffd.queues q CROSS JOIN r,
                generate_series((r.planned_at AT TIME ZONE q.time_zone)::date,
                                (r.horizon_end AT TIME ZONE q.time_zone)::date, interval '1 day') g
           WHERE q.site_id = %(site)d)
SELECT d.name, to_char(d.day, 'YYYY-MM-DD'),
       (SELECT count(*) FROM staffd.coverage c WHERE c.queue_id = d.id AND c.interval_start >= d.t0
          AND c.interval_start < d.t1 AND c.required > 0),
       (SELECT count(*) FROM staffd.coverage c WHERE c.queue_id = d.id AND c.interval_start >= d.t0
          AND c.interval_start < d.t1 AND c.required > 0 AND c.expected_service_level >= d.service_level),
       (SELECT coalesce(sum(c.shortage), 0) / 4 FROM staffd.coverage c WHERE c.queue_id = d.id
          AND c.interval_start >= d.t0 AND c.interval_start < d.t1),
       (SELECT round((sum(c.unfixable_shortage) / 4)::numeric, 4) FROM staffd.coverage c
          WHERE c.queue_id = d.id AND c.interval_start >= d.t0 AND c.interval_start < d.t1),
       (SELECT round((sum(c.shortage) / 4 - sum(c.unfixable_shortage) / 4)::numeric, 4)
          FROM staffd.coverage c WHERE c.queue_id = d.id AND c.interval_start >= d.t0
          AND c.interval_start < d.t1),
       (SELECT round((coalesce(sum(c.surplus), 0) / 4)::numeric, 4) FROM staffd.coverage c
          WHERE c.queue_id = d.id AND c.interval_start >= d.t0 AND c.interval_start < d.t1)
FROM d
-- The days the console lists: those with an interval that starts in them from the
-- clock on (at 23:50 UTC a UTC queue's today has none, though t0 < t1).
WHERE EXISTS (SELECT 1 FROM staffd.coverage c WHERE c.queue_id = d.id AND c.interval_start >= d.t0
              AND c.interval_start < d.t1)
ORDER BY 1, 2
""" % {"site": site}


def large_fixture_sql(n_agents=300, n_queues=3, days=14):
    """Larger data for shutdown tests: n_agents agents over n_queues queues, demand
    for `days` days from 00:00 UTC today. Needs the small fixture's contracts."""
    return """
INSERT INTO staffd.queues (name, channel, time_zone)
SELECT 'big-q' || g, 'voice', 'Europe/Stockholm' FROM generate_series(1, %(nq)d) g;

INSERT INTO staffd.agents (name, email, time_zone, contract_id)
SELECT 'Big Agent ' || g, 'big' || g || '@example.com',
       (ARRAY['Europe/Stockholm', 'America/New_York', 'Asia/Tokyo', 'UTC', 'Australia/Sydney'])[1 + g %% 5],
       (SELECT id FROM staffd.contracts WHERE name = (ARRAY['full-time', 'part-time', 'student'])[1 + g %% 3])
FROM generate_series(1, %(na)d) g;

INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time)
SELECT a.id, wd,
       (ARRAY[time '06:00', time '10:00', time '14:00', time '20:00'])[1 + a.id %% 4],
       (ARRAY[time '14:00', time '18:00', time '22:00', time '04:00'])[1 + a.id %% 4]
FROM staffd.agents a CROSS JOIN generate_series(1, 7) wd
WHERE a.name LIKE 'Big Agent %%';

INSERT INTO staffd.agent_skills (agent_id, queue_id)
SELECT a.id, q.id
FROM staffd.agents a JOIN staffd.queues q
  ON q.name = 'big-q' || (1 + a.id %% %(nq)d)
  OR (a.id %% 4 = 0 AND q.name = 'big-q' || (1 + (a.id + 1) %% %(nq)d))
WHERE a.name LIKE 'Big Agent %%';

INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds)
SELECT q.id, %(hs)s + g * interval '15 minutes', 15,
       CASE WHEN (g %% 96) BETWEEN 28 AND 84 THEN 40 + (g %% 7) * 3 ELSE 8 + (g %% 3) END,
       300
FROM staffd.queues q CROSS JOIN generate_series(0, %(last)d) g
WHERE q.name LIKE 'big-q%%';
""" % {"nq": n_queues, "na": n_agents, "hs": HORIZON_START, "last": days * 96 - 1}


# ---------------------------------------------------------------------------
# Feeds against the database
# ---------------------------------------------------------------------------

def parse_feed(body):
    from icalendar import Calendar  # python3-icalendar (Debian)
    return Calendar.from_ical(body)


def feed_events(body):
    """{uid: {"start": datetime, "end": datetime, "sequence": int, "status": str}} of a feed body."""
    cal = parse_feed(body)
    events = {}
    for ev in cal.walk("VEVENT"):
        uid = str(ev.get("UID"))
        if uid in events:
            raise TestFailure("UID %s appears twice in the feed" % uid)
        ds, de = ev.get("DTSTART"), ev.get("DTEND")
        seq = ev.get("SEQUENCE")
        events[uid] = {
            "start": ds.dt if ds is not None else None,
            "end": de.dt if de is not None else None,
            "sequence": int(seq) if seq is not None else None,
            "status": str(ev.get("STATUS", "")).upper(),
        }
    return events


def db_shifts(h, agent_id):
    rows = h.sql("SELECT id, extract(epoch FROM starts), extract(epoch FROM ends), sequence, status "
                 "FROM staffd.shifts WHERE agent_id = %d ORDER BY starts" % agent_id)
    return {r[0]: {"start": float(r[1]), "end": float(r[2]), "sequence": int(r[3]), "status": r[4]}
            for r in rows}


def aware_instant(value, what):
    """Epoch seconds of a timezone-aware datetime; TestFailure otherwise."""
    import datetime as dtm
    if not isinstance(value, dtm.datetime):
        raise TestFailure("%s is %r, not a date-time" % (what, value))
    if value.tzinfo is None or value.utcoffset() is None:
        raise TestFailure("%s %s is floating (no time zone)" % (what, value.isoformat()))
    return value.timestamp()


def compare_feed_with_db(body, shifts):
    """Problems (a list of strings) between a feed body and the agent's shift rows.

    Every VEVENT must be a shift of this agent with the same instants (DTSTART
    and DTEND timezone-aware), UID = shifts.id, SEQUENCE = shifts.sequence and
    STATUS:CANCELLED exactly for cancelled rows; every scheduled shift must be in
    the feed.
    """
    problems = []
    events = feed_events(body)
    for uid, ev in events.items():
        row = shifts.get(uid)
        if row is None:
            # Breaks are listed in their shift's DESCRIPTION (docs/feeds.md); a
            # VEVENT of its own is tolerated only inside one of the agent's shifts.
            try:
                s = aware_instant(ev["start"], "DTSTART of %s" % uid)
                e = aware_instant(ev["end"], "DTEND of %s" % uid)
            except TestFailure as exc:
                problems.append(str(exc))
                continue
            if not any(r["start"] <= s and e <= r["end"] for r in shifts.values()):
                problems.append("VEVENT UID %s is not a shift of this agent (nor inside one)" % uid)
            continue
        try:
            s = aware_instant(ev["start"], "DTSTART of %s" % uid)
            e = aware_instant(ev["end"], "DTEND of %s" % uid)
        except TestFailure as exc:
            problems.append(str(exc))
            continue
        if abs(s - row["start"]) > 0.5:
            problems.append("DTSTART of %s is %s, database says %s" % (uid, ev["start"].isoformat(), row["start"]))
        if abs(e - row["end"]) > 0.5:
            problems.append("DTEND of %s is %s, database says %s" % (uid, ev["end"].isoformat(), row["end"]))
        if ev["sequence"] != row["sequence"]:
            problems.append("SEQUENCE of %s is %s, shifts.sequence is %d" % (uid, ev["sequence"], row["sequence"]))
        if (ev["status"] == "CANCELLED") != (row["status"] == "cancelled"):
            problems.append("STATUS of %s is %r, shifts.status is %s" % (uid, ev["status"], row["status"]))
    for uid, row in shifts.items():
        if row["status"] == "scheduled" and uid not in events:
            problems.append("scheduled shift %s is missing from the feed" % uid)
    return problems


def wait_feed_matches_db(h, path, agent_id, timeout=5, min_events=0):
    """Polls until the served feed agrees with staffd.shifts; returns the body.

    The feed and the table are read a moment apart, so a run landing in between
    can make them differ briefly: retry until they agree or the deadline passes.
    """
    deadline = time.monotonic() + scaled(timeout)
    problems = ["no answer"]
    while True:
        try:
            r = h.get(path)
            if r.status != 200:
                problems = ["feed answered HTTP %d" % r.status]
            else:
                shifts = db_shifts(h, agent_id)
                problems = compare_feed_with_db(r.body, shifts)
                n = len(feed_events(r.body))
                if not problems and n < min_events:
                    problems = ["feed holds %d events, want at least %d" % (n, min_events)]
                if not problems:
                    return r.body
        except (OSError, http.client.HTTPException, ValueError) as exc:
            problems = ["%s: %s" % (type(exc).__name__, exc)]
        if time.monotonic() >= deadline:
            raise TestFailure("; ".join(problems[:4]) + (" (+%d more)" % (len(problems) - 4) if len(problems) > 4 else ""))
        time.sleep(0.1)


def local_day_time_off_sql(shift_id, reason="test: off for the day"):
    """INSERT of a time_off covering the whole local day (agent's zone) a shift starts on."""
    return """
INSERT INTO staffd.time_off (agent_id, starts, ends, reason)
SELECT a.id,
       ((s.starts AT TIME ZONE a.time_zone)::date)::timestamp AT TIME ZONE a.time_zone,
       ((s.starts AT TIME ZONE a.time_zone)::date + 1)::timestamp AT TIME ZONE a.time_zone,
       %s
FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id
WHERE s.id = %s
""" % (lit(reason), lit(shift_id))


def agent_with_future_shift(h, fx, min_hours=3):
    """(name, id, feed path) of the fixture agent with a feed and the most scheduled
    shifts starting at least min_hours from now."""
    rows = h.sql("""SELECT a.name, a.id FROM staffd.agents a JOIN staffd.shifts s ON s.agent_id = a.id
                    WHERE s.status = 'scheduled' AND s.starts > test_now() + interval '%d hours'
                    GROUP BY a.name, a.id ORDER BY count(*) DESC, a.id""" % min_hours)
    for name, agent_id in rows:
        if name in fx.feeds:
            return name, int(agent_id), fx.feeds[name]
    raise TestFailure("no agent with a feed has a scheduled shift starting %d h or more from now" % min_hours)


def future_shift(h, agent_ids, min_hours=3):
    """(shift id, agent id, sequence) of a scheduled shift starting at least min_hours from now."""
    rows = h.sql("""
SELECT s.id, s.agent_id, s.sequence FROM staffd.shifts s
WHERE s.status = 'scheduled' AND s.agent_id IN (%s) AND s.starts > test_now() + interval '%d hours'
ORDER BY s.starts DESC LIMIT 1""" % (",".join(str(a) for a in agent_ids), min_hours))
    require(rows, "no scheduled shift starting %d h or more from now for agents %s" % (min_hours, agent_ids))
    return rows[0][0], int(rows[0][1]), int(rows[0][2])


def wait_cancelled_in_feed(h, path, uid, seq_before, timeout=5):
    """Polls the feed until VEVENT uid is STATUS:CANCELLED with SEQUENCE > seq_before."""
    def check():
        r = h.get(path)
        require(r.status == 200, "feed answered HTTP %d" % r.status)
        events = feed_events(r.body)
        ev = events.get(uid)
        require(ev is not None, "UID %s is no longer in the feed" % uid)
        require(ev["status"] == "CANCELLED", "UID %s has STATUS %r" % (uid, ev["status"]))
        require(ev["sequence"] is not None and ev["sequence"] > seq_before,
                "UID %s is cancelled but SEQUENCE is %s (was %d)" % (uid, ev["sequence"], seq_before))
        return ev
    ev, exc = wait_until(check, scaled(timeout), interval=0.1)
    if not ev:
        raise TestFailure("within %.0f s: %s" % (scaled(timeout), exc or "no cancelled event"))
    return ev


def main_guard(tests, harness_obj, body):
    """Runs body(); a crash in the test script itself still yields a FAIL line."""
    try:
        body()
    except Exception as exc:  # noqa: a bug in the test, not in the daemon
        tests.fail("harness_error", "%s: %s" % (type(exc).__name__, exc))
        note(traceback.format_exc())
    finally:
        if harness_obj is not None:
            try:
                harness_obj.cleanup(failed=tests.failed > 0)
            except Exception as exc:
                note("cleanup: %s" % exc)
    tests.finish()
