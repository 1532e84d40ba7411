#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""A chaos run (issue #12): bounded, self-stopping, reproducible by its seed.

The test starts its own PostgreSQL cluster (tools/pg.sh in a temporary
directory, on a port of its own, synchronous_commit on), because it stops and
kills it; the suite's shared cluster is never touched. On that cluster: the
small fixture over 7 days, a feed URL for every agent, the daemon (the
sanitizer build under make check), and a client thread that fetches four
agents' feeds continuously (one request every 10 ms or so).

Then, for STAFFD_CHAOS_SECONDS (default 30; `make chaos`: 300), steps drawn at
random from a seeded deck that holds every kind of step (so a short run sees
each kind early). The seed, printed first, is STAFFD_CHAOS_SEED (or CHAOS_SEED)
or a random one; the same seed gives the same steps with the same parameters
(the daemon's timing, and so the exact interleaving, is not reproducible).
STAFFD_CHAOS_KINDS=kill_publish,change limits the deck to some kinds.

  change        an ordinary change: demand scaled, an availability window added
                or removed, a time off added on the local day of a scheduled
                shift (the shift must be cancelled in the feed) or removed
  pg_stop       pg_ctl stop -m fast, down for 0-2 s or 4-12 s, started again
  pg_crash      pg_ctl stop -m immediate or kill -9 of the postmaster, down as
                long, started again (crash recovery)
  kill_publish  the daemon killed with -9 while its publish statement runs (the
                publish is slowed by 0.5-2 s by a trigger on staffd.coverage,
                and seen in pg_stat_activity), then started again; the killed
                statement goes on in its server session and may still commit
  kill_random   the daemon killed with -9 at a random moment after a change
                (runs in flight), then started again
  sighup        the configuration changed (plan_seed) and SIGHUP sent
  hostile       a row of tests/integration/hostile_rows.txt that must be
                refused is tried; one that gets in (as test_hostile_rows.py
                lets it in) is inserted, planned, and later removed again

After every fault a time off is added on the day of a scheduled shift and the
time from its commit until the agent's feed shows that shift cancelled is
measured. After every step the invariants are checked; each failure names the
step, the seed and the evidence:

  no two scheduled shifts of one agent overlap (staffd.shifts and the feeds)
  a UID's SEQUENCE rises on every change of its content (the last start, end,
      queue, status and sequence seen per UID, in staffd.shifts and in feeds)
  every run attempt is recorded: every run the daemon logs has its row, a run
      logged as landed is 'succeeded', and no row stays 'running' once its
      session is gone and a later run has begun
  a change committed after a fault ends reaches the feed within 5 s; every
      change is planned (a run that began after its commit lands)
  the feeds answer throughout: no non-2xx answer or connection error from a
      running daemon (answers while the daemon is being restarted after kill -9,
      until it has loaded its feeds again, are counted apart: connection errors
      and 503 there are expected, a 404 for a live URL is not)
  refused hostile rows are refused by their named rule
  the daemon never exits unless killed, and no sanitizer report

At the end: the feeds agree with staffd.shifts (stale feeds show here), the
daemon stops cleanly (exit 0, no sanitizer report), and
a summary (seed, steps by kind, runs by status, feed requests, latencies,
verdict) is printed. The figures of a 5-minute run are in docs/chaos.md.
"""
import http.client
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import test_hostile_rows  # noqa: E402
from harness import REPO, TestFailure, lit, note, require  # noqa: E402

SECONDS = float(os.environ.get("STAFFD_CHAOS_SECONDS") or "30")
LATENCY_LIMIT = 5.0       # commit -> feed, after a fault has ended (issue #12)
PLANNED_LIMIT = 15.0      # commit -> a run that began after it has landed
# Columns a trigger sets whatever the statement wrote: the hostile rows' removal
# cannot restore them (agent_name_bidi renames an agent; putting the name back
# stamps name_changed_at with the time of the restore).
KEPT_BY_DATABASE = {"agents": ("name_changed_at",)}
READY_LIMIT = 60.0        # a restarted daemon has loaded its feeds again
CLIENT_AGENTS = ("Astrid Lind", "Maria Lopez", "Sam Okafor", "James Carter")
MAX_TIME_OFF = 3          # chaos time offs held at once (each cancels a shift)
DECK = ("change", "change", "pg_stop", "pg_crash", "kill_publish", "kill_random", "sighup", "hostile")
INVARIANTS = (
    ("steps", "chaos_steps_ran_as_planned"),
    ("overlap", "chaos_no_overlapping_shifts"),
    ("sequence", "chaos_sequence_rises_on_every_change"),
    ("runs", "chaos_every_run_attempt_recorded"),
    ("latency", "chaos_change_after_fault_reaches_feed_within_5s"),
    ("planned", "chaos_every_change_planned"),
    ("feeds", "chaos_feeds_answer_throughout"),
    ("hostile", "chaos_hostile_rows_refused_or_planned"),
    ("daemon", "chaos_daemon_never_dies_unasked"),
)
# STAFFD_CHAOS_KINDS=kill_publish,change limits the deck to those kinds (to chase one finding).
KINDS = tuple(k for k in DECK if k in (os.environ.get("STAFFD_CHAOS_KINDS") or ",".join(DECK)).split(","))
LOG_RUN = re.compile(r" staffd \w+: run (\d+) (?:\(([^)]*)\)(: \d+ agents,)?|recorded as abandoned)")


def seed_from_env():
    v = os.environ.get("STAFFD_CHAOS_SEED") or os.environ.get("CHAOS_SEED")
    return int(v) if v else random.SystemRandom().randrange(1, 10 ** 9)


# ---------------------------------------------------------------------------
# The test's own PostgreSQL
# ---------------------------------------------------------------------------

class Cluster:
    """A throwaway cluster of this test alone (tools/pg.sh), which it may stop and kill."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="staffd-chaos-pg-")
        self.port = harness.free_port()  # names the socket; the server listens on no TCP port

    def pg_sh(self, *args, timeout=120):
        env = dict(os.environ)
        # Every acknowledged commit must survive a crash, as in production:
        # otherwise a killed server may forget a run the daemon saw land.
        env["PG_SERVER_OPTS"] = "-c synchronous_commit=on"
        return subprocess.run(["sh", os.path.join(REPO, "tools", "pg.sh")] + list(args), env=env,
                              capture_output=True, text=True, timeout=timeout, cwd=REPO)

    def env(self):
        return {"PGHOST": self.dir, "PGPORT": str(self.port), "PGUSER": "postgres"}

    def up(self):
        rc, _, _ = harness.psql_raw("SELECT 1", "postgres", timeout=10)
        return rc == 0

    def start(self, timeout=60):
        """Starts the cluster; after a kill -9 the old server's processes may hold its
        shared memory for a moment, so a refused start is tried again until the deadline."""
        deadline = time.monotonic() + harness.scaled(timeout)
        while True:
            p = self.pg_sh("start", self.dir, str(self.port))
            if p.returncode == 0 and self.up():
                return
            if time.monotonic() >= deadline:
                raise TestFailure("PostgreSQL did not start within %.0f s: %s"
                                  % (harness.scaled(timeout), (p.stderr or p.stdout).strip()[-300:]))
            time.sleep(0.2)

    def stop(self, mode="fast"):
        p = self.pg_sh("stop", self.dir, mode)
        require(p.returncode == 0, "pg.sh stop %s failed: %s" % (mode, p.stderr.strip()[-300:]))
        require(not self.up(), "PostgreSQL still answers after pg_ctl stop -m %s" % mode)

    def postmaster_pid(self):
        try:
            with open(os.path.join(self.dir, "data", "postmaster.pid")) as f:
                return int(f.readline().strip())
        except (OSError, ValueError):
            return None

    def kill9(self):
        """kill -9 of the postmaster (by the pid it wrote), then waits until it is gone."""
        pid = self.postmaster_pid()
        require(pid, "no postmaster.pid")
        os.kill(pid, signal.SIGKILL)
        ok, _ = harness.wait_until(lambda: not process_alive(pid), harness.scaled(10))
        require(ok, "the postmaster %d survived kill -9" % pid)

    def destroy(self):
        self.pg_sh("stop", self.dir, "immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def process_alive(pid):
    """True while pid runs (a zombie, which nobody may reap here, counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


# ---------------------------------------------------------------------------
# The feed client
# ---------------------------------------------------------------------------

class FeedClient(threading.Thread):
    """Fetches feeds without pause; counts answers; follows every UID it sees.

    An answer counts against the daemon unless it came while the daemon was
    being restarted after kill -9: `window` is set just before the kill and
    cleared once the new daemon has loaded its feeds; a request that began or
    ended inside it, or across a restart (the generation moved), is a window
    answer. Window answers may be connection errors (nothing listening yet) or
    503 (listening, feeds not loaded yet); a 404 for a live URL is a violation.
    """

    def __init__(self, chaos, paths):
        super().__init__(daemon=True)
        self.chaos = chaos
        self.paths = paths  # [(agent name, feed path)]
        self.lock = threading.Lock()
        self.halt = threading.Event()
        self.window = False
        self.generation = 0
        self.total = 0
        self.ok = 0
        self.non2xx = 0        # from a running daemon
        self.errors = 0        # connection errors with a running daemon
        self.bad = []          # (step, agent, status or error) not yet reported
        self.window_answers = {}  # status or "connection error" -> count
        self.last_body = {}
        self.uids = {}         # uid -> (content, sequence, agent)

    def begin_window(self):
        with self.lock:
            self.window = True
            self.generation += 1

    def end_window(self):
        with self.lock:
            self.window = False

    def run(self):
        while not self.halt.is_set():
            for name, path in self.paths:
                if self.halt.is_set():
                    return
                with self.lock:
                    w0, g0 = self.window, self.generation
                status, body = None, None
                try:
                    r = harness.http_get(self.chaos.h.port, path, timeout=5.0)
                    status, body = r.status, r.body
                except (OSError, http.client.HTTPException) as exc:
                    status = "connection error (%s)" % type(exc).__name__
                with self.lock:
                    in_window = w0 or self.window or self.generation != g0
                    self.total += 1
                    if status == 200:
                        self.ok += 1
                    elif in_window:
                        key = status if isinstance(status, int) else "connection error"
                        self.window_answers[key] = self.window_answers.get(key, 0) + 1
                        if isinstance(status, int) and status != 503:
                            # Not listening yet, or "come back" (503): fine. Anything
                            # else from a starting daemon is not ("gone" is a lie).
                            self.bad.append((self.chaos.step_label(), name, "%d while starting" % status))
                    else:
                        if isinstance(status, int):
                            self.non2xx += 1
                        else:
                            self.errors += 1
                        self.bad.append((self.chaos.step_label(), name, "%s from a running daemon" % status))
                if status == 200 and body != self.last_body.get(name):
                    self.last_body[name] = body
                    self.observe(name, body)
                # Continuous, but leaving the two cores to the daemon and PostgreSQL.
                time.sleep(0.01 if status == 200 else 0.02)

    def observe(self, name, body):
        """SEQUENCE against content per UID, and overlaps, in a served feed."""
        label = self.chaos.step_label()
        try:
            events = harness.feed_events(body)
        except Exception as exc:  # an unparsable feed is itself a finding
            self.chaos.violation("feeds", "%s's feed does not parse: %s" % (name, exc), label=label)
            return
        live = []
        for uid, ev in events.items():
            content = (ev["start"], ev["end"], ev["status"])
            seq = ev["sequence"]
            old = self.uids.get(uid)
            if old is not None:
                ocontent, oseq, oname = old
                if oname != name:
                    self.chaos.violation("sequence", "feed: UID %s moved from %s's feed to %s's" % (uid, oname, name),
                                         label=label)
                if seq is None or seq < oseq:
                    self.chaos.violation("sequence", "feed of %s: UID %s SEQUENCE went from %s to %s"
                                         % (name, uid, oseq, seq), label=label)
                elif content != ocontent and seq <= oseq:
                    self.chaos.violation("sequence", "feed of %s: UID %s changed %s -> %s with SEQUENCE %s -> %s"
                                         % (name, uid, fmt_content(ocontent), fmt_content(content), oseq, seq),
                                         label=label)
            self.uids[uid] = (content, seq if seq is not None else -1, name)
            if ev["status"] != "CANCELLED":
                live.append((ev["start"], ev["end"], uid))
        live.sort()
        for a, b in zip(live, live[1:]):
            if b[0] < a[1]:
                self.chaos.violation("overlap", "feed of %s: %s (%s-%s) overlaps %s (%s-%s)"
                                     % (name, a[2], a[0], a[1], b[2], b[0], b[1]), label=label)


def fmt_content(c):
    return "/".join(x.isoformat() if hasattr(x, "isoformat") else str(x) for x in c)


# ---------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------

class Chaos:
    def __init__(self, seed):
        self.seed = seed
        self.rng = random.Random(seed)
        self.cluster = None
        self.h = None
        self.fx = None
        self.client = None
        self.step = 0
        self.kind = "setup"
        self.violations = {k: [] for k, _ in INVARIANTS}
        self.vlock = threading.Lock()
        self.steps_by_kind = {}
        self.latencies = []        # (step label, seconds) commit -> cancelled in feed
        self.planned = []          # (step label, seconds) commit -> a later-begun run landed
        self.time_offs = []        # chaos time off ids, oldest first
        self.windows = []          # chaos availability ids
        self.hostile_cases = test_hostile_rows.read_list()
        self.hostile_live = None   # (name, table) of a hostile row that is in
        self.hostile_counts = {"refused": 0, "inserted": 0, "removed": 0}
        self.uids = {}             # uid -> (agent, queue, starts, ends, status, sequence) from the database
        self.orphans = {}          # run id -> max run id when first seen orphaned
        self.reasonless = set()
        self.killed_runs = []      # (step label, run id in flight or None, publish delay or None)
        self.deck = []
        self.plan_seed = 1
        self.restarts = 0
        self.begin_failures = 0
        self.t_chaos = 0.0
        self.t_setup = 0.0

    # -- bookkeeping ------------------------------------------------------------

    def step_label(self):
        return "step %d (%s)" % (self.step, self.kind)

    def violation(self, what, evidence, label=None):
        text = "%s, seed %d: %s" % (label or self.step_label(), self.seed, evidence)
        with self.vlock:
            self.violations[what].append(text)
        note("VIOLATION [%s] %s" % (what, text))

    def sql(self, text, **kw):
        return self.h.sql(text, **kw)

    def scalar(self, text):
        return self.h.scalar(text)

    def next_kind(self):
        if not self.deck:
            self.deck = list(KINDS)
            self.rng.shuffle(self.deck)
        return self.deck.pop()

    # -- setup --------------------------------------------------------------

    def setup(self):
        t0 = time.monotonic()
        try:
            self.setup_steps()
        finally:
            self.t_setup = time.monotonic() - t0

    def setup_steps(self):
        self.cluster = Cluster()
        os.environ.update(self.cluster.env())
        self.cluster.start()
        h = self.h = harness.Harness("chaos", horizon_days=7, debounce_ms=100, max_debounce_ms=1000)
        h.settings["plan_seconds"] = 0.5
        h.settings["plan_threads"] = 2
        h.setup_database()
        fx = self.fx = h.load_fixture(days=7)
        h.issue_feeds(fx)
        h.sql("INSERT INTO staffd.candidates (name, time_zone, minutes_per_week_wanted)"
              " VALUES ('Applicant Zero', 'UTC', 600)")
        # The fault a kill during publish needs: a publish that takes a while.
        h.sql("""
CREATE TABLE public.chaos_fault (publish_delay double precision NOT NULL);
CREATE FUNCTION public.chaos_slow_publish() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_sleep(coalesce((SELECT max(publish_delay) FROM public.chaos_fault), 0));
    RETURN NULL;
END $$;
CREATE TRIGGER chaos_slow_publish AFTER INSERT ON staffd.coverage
    FOR EACH STATEMENT EXECUTE FUNCTION public.chaos_slow_publish();
CREATE TABLE public.chaos_saved (row jsonb NOT NULL);""")
        self.subs = {
            "agent": str(fx.agents["Sam Okafor"]),
            "agent2": str(fx.agents["Maria Lopez"]),
            "queue": str(fx.queues["chat-en"]),
            "contract": str(fx.contracts["full-time"]),
            "candidate": h.scalar("SELECT id FROM staffd.candidates WHERE name = 'Applicant Zero'"),
            "t": "(to_timestamp(ceil(extract(epoch FROM test_now()) / 900) * 900))",
            "t60": "(to_timestamp(ceil(extract(epoch FROM test_now()) / 3600) * 3600))",
        }
        h.start()
        h.wait_succeeded_runs(1, timeout=60)
        h.wait_quiet(quiet=0.5, timeout=60)
        self.wait_ready()
        for name in CLIENT_AGENTS:
            require(h.get(fx.feeds[name]).status == 200, "%s's feed does not answer" % name)
        self.client = FeedClient(self, [(n, fx.feeds[n]) for n in CLIENT_AGENTS])
        self.client.start()
        self.check_invariants()

    # -- the daemon ------------------------------------------------------------

    def wait_ready(self, timeout=READY_LIMIT):
        """The daemon answers /healthz with the database connected and every feed loaded."""
        want = len(self.fx.feeds)
        t0 = time.monotonic()
        deadline = t0 + harness.scaled(timeout)
        last = "no answer"
        while True:
            if not self.h.alive():
                raise TestFailure("the daemon exited (%s): %s" % (self.h.proc.returncode,
                                                                  self.h.log_tail(5, joined=True)))
            try:
                j = self.h.healthz().json()
                if j.get("database") == "connected" and j.get("feeds") == want:
                    return time.monotonic() - t0
                last = "database %s, %s of %d feeds" % (j.get("database"), j.get("feeds"), want)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                last = "%s: %s" % (type(exc).__name__, exc)
            if time.monotonic() >= deadline:
                raise TestFailure("the daemon did not load its %d feeds within %.0f s (%s)"
                                  % (want, harness.scaled(timeout), last))
            time.sleep(harness.POLL)

    def kill_daemon(self):
        self.client.begin_window()
        self.h.proc.kill()
        self.h.proc.wait()

    def restart_daemon(self):
        self.restarts += 1
        self.h.start(wait=False)
        try:
            self.wait_ready()
        finally:
            self.client.end_window()

    def ensure_up(self):
        """After a step that went wrong: PostgreSQL up, the daemon up, no fault armed."""
        if not self.cluster.up():
            self.cluster.start()
        self.sql("DELETE FROM public.chaos_fault")
        if not self.h.alive():
            self.client.begin_window()
            self.restart_daemon()

    # -- changes ---------------------------------------------------------------

    def commit(self, text):
        """Runs a change (autocommit, or its own BEGIN ... COMMIT) after reading the
        database's clock in the same session: (the change's output, an instant just
        before it). A run that begins after the commit plans the change; one that began
        before it may not. The instant is taken before, not after: the daemon begins a
        run 20 ms after the notification, and a loaded machine can hold psql longer than
        that between the COMMIT and a clock read after it, so that the run that planned
        the change seemed to begin before it and no later one was due (a failure seen
        under CI load, seed 805079118). The price: a run that begins in the milliseconds
        between this instant and the commit counts as planning the change though its
        snapshot may miss it (the daemon plans again when the notification comes; the
        feed checks see the change's effect itself)."""
        rc, out, err = harness.psql_raw("SELECT 'chaos-before', clock_timestamp();\n" + text + ";",
                                        self.h.db)
        if rc != 0:
            raise harness.SqlError(err)
        m = re.search("chaos-before\x1f([^\x1e\n]+)", out)
        require(m, "no instant in psql's output %r" % out[-200:])
        return out, m.group(1)

    def commit_time(self):
        """The database's clock now (nothing to commit)."""
        return self.scalar("SELECT clock_timestamp()")

    def wait_planned(self, ts, what, t0):
        """A run that began after ts must land; records commit -> landed."""
        def landed():
            return self.scalar("SELECT min(id) FROM staffd.runs WHERE status = 'succeeded'"
                               " AND started_at > %s::timestamptz" % lit(ts))
        rid, exc = harness.wait_until(landed, harness.scaled(PLANNED_LIMIT))
        if not rid:
            recent = self.sql("SELECT id, status, reason, coalesce(message, '') FROM staffd.runs"
                              " ORDER BY id DESC LIMIT 4")
            self.violation("planned", "%s committed just after %s: no run that began after that landed within %.0f s"
                           " (last runs: %s; daemon log: %s)"
                           % (what, ts, PLANNED_LIMIT, recent, self.h.log_tail(3, joined=True)))
            return None
        self.planned.append((self.step_label(), time.monotonic() - t0))
        return int(rid)

    def future_shifts(self):
        """Scheduled shifts of agents with feeds, starting 3 h or more after the test clock."""
        return self.sql("""
SELECT s.id, s.agent_id, s.sequence FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id
WHERE s.status = 'scheduled' AND a.active AND s.starts > test_now() + interval '3 hours'
ORDER BY s.agent_id, s.starts, s.id""")

    def add_time_off(self):
        """Time off on the local day of a scheduled future shift, which the next run must
        cancel: (uid, agent name, its sequence, monotonic time before the commit, commit instant)."""
        while len(self.time_offs) >= MAX_TIME_OFF:
            self.remove_time_off()
        shifts = self.future_shifts()
        if not shifts:
            self.remove_time_off()
            shifts = self.future_shifts()
        require(shifts, "no scheduled future shift left to cancel")
        uid, agent_id, seq = self.rng.choice(shifts)
        # By id: a hostile row may have renamed the agent.
        name = next(n for n, i in self.fx.agents.items() if i == int(agent_id))
        t0 = time.monotonic()
        out, ts = self.commit(harness.local_day_time_off_sql(uid, "chaos %s" % self.step_label())
                              + " RETURNING 'chaos-id', id")
        self.time_offs.append(int(re.search("chaos-id\x1f(\\d+)", out).group(1)))
        return uid, name, int(seq), t0, ts

    def cancel_a_shift(self, after_fault):
        """The change whose effect on a feed is certain (add_time_off); measures commit ->
        the agent's feed shows the shift cancelled with a higher SEQUENCE."""
        uid, name, seq, t0, ts = self.add_time_off()
        path = self.fx.feeds[name]

        def cancelled():
            r = self.h.get(path, timeout=2.0)
            if r.status != 200:
                return False
            ev = harness.feed_events(r.body).get(uid)
            return ev is not None and ev["status"] == "CANCELLED" and (ev["sequence"] or 0) > seq
        ok, exc = harness.wait_until(cancelled, harness.scaled(max(LATENCY_LIMIT, 20)), interval=0.02)
        latency = time.monotonic() - t0
        what = "time off on the day of %s's shift %s" % (name, uid)
        if not ok:
            self.violation("latency", "%s committed at %s: not cancelled in the feed within %.0f s (%s)"
                           % (what, ts, harness.scaled(20), exc))
        else:
            self.latencies.append((self.step_label(), latency, after_fault))
            if latency > LATENCY_LIMIT:
                self.violation("latency", "%s reached the feed %.2f s after its commit (limit %.0f s)"
                               % (what, latency, LATENCY_LIMIT))
        self.wait_planned(ts, what, t0)

    def remove_time_off(self):
        if not self.time_offs:
            return
        tid = self.time_offs.pop(0)
        t0 = time.monotonic()
        _, ts = self.commit("DELETE FROM staffd.time_off WHERE id = %d" % tid)
        self.wait_planned(ts, "removal of time off %d" % tid, t0)

    def do_change(self):
        what = self.rng.choice(("demand", "demand", "availability", "time_off", "time_off_removal"))
        if what == "time_off":
            self.cancel_a_shift(after_fault=False)
            return
        if what == "time_off_removal" and self.time_offs:
            self.remove_time_off()
            return
        t0 = time.monotonic()
        if what == "availability" and self.windows and self.rng.random() < 0.5:
            wid = self.windows.pop(0)
            _, ts = self.commit("DELETE FROM staffd.availability WHERE id = %d" % wid)
            desc = "removal of availability window %d" % wid
        elif what == "availability":
            name = self.rng.choice(sorted(n for n in self.fx.agents if n != "Ines Inactive"))
            wd, start = self.rng.randint(1, 7), self.rng.choice(("06:00", "09:00", "13:00", "17:00"))
            hours = self.rng.choice((4, 6, 8))
            out, ts = self.commit("INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time)"
                                  " VALUES (%d, %d, %s, %s::time + interval '%d hours') RETURNING 'chaos-id', id"
                                  % (self.fx.agents[name], wd, lit(start), lit(start), hours))
            self.windows.append(int(re.search("chaos-id\x1f(\\d+)", out).group(1)))
            desc = "availability of %s on weekday %d from %s for %d h" % (name, wd, start, hours)
        else:
            queue = self.rng.choice(("voice-sv", "chat-en"))
            day, hours = self.rng.randint(0, 6), self.rng.choice((2, 4, 8, 24))
            factor = self.rng.choice((0.5, 0.8, 1.25, 1.6))
            out, ts = self.commit(
                "WITH u AS (UPDATE staffd.demand SET contacts = least(greatest(round(contacts * %s), 1), 200)"
                " WHERE queue_id = %d AND interval_start >= %s + interval '%d days 8 hours'"
                " AND interval_start < %s + interval '%d days 8 hours' + interval '%d hours' RETURNING 1)"
                " SELECT 'chaos-n', count(*) FROM u"
                % (factor, self.fx.queues[queue], harness.HORIZON_START, day, harness.HORIZON_START, day, hours))
            desc = "demand of %s x%s on day %d for %d h" % (queue, factor, day, hours)
            if int(re.search("chaos-n\x1f(\\d+)", out).group(1)) == 0:
                return  # no demand there (before the fixture's first interval): nothing to plan
        self.wait_planned(ts, desc, t0)

    # -- steps --------------------------------------------------------------

    def outage(self):
        """How long PostgreSQL stays down: mostly a restart's moment, sometimes long enough
        for the daemon's reconnect backoff to grow."""
        return self.rng.uniform(0, 2) if self.rng.random() < 0.6 else self.rng.uniform(4, 12)

    def do_pg_stop(self):
        down = self.outage()
        self.cluster.stop("fast")
        time.sleep(down)  # the outage itself, not an assertion
        self.cluster.start()
        self.cancel_a_shift(after_fault=True)

    def do_pg_crash(self):
        how, down = self.rng.choice(("immediate", "kill -9")), self.outage()
        if how == "immediate":
            self.cluster.stop("immediate")
        else:
            self.cluster.kill9()
        time.sleep(down)  # the outage itself, not an assertion
        self.cluster.start()
        self.cancel_a_shift(after_fault=True)

    def running_run(self):
        return self.scalar("SELECT max(id) FROM staffd.runs WHERE status = 'running'")

    def do_kill_publish(self):
        delay = self.rng.uniform(0.5, 2.0)
        self.sql("INSERT INTO public.chaos_fault VALUES (%s)" % delay)
        try:
            # The publish to cut short: a small one, or one that cancels a shift and
            # moves others.
            if self.rng.random() < 0.5:
                self.add_time_off()
            else:
                # Not a hostile row let in earlier (NaN, or at the million cap).
                self.sql("UPDATE staffd.demand SET contacts = contacts + 1"
                         " WHERE contacts < 1000"
                         " AND interval_start = (SELECT min(interval_start) FROM staffd.demand"
                         " WHERE interval_start > test_now() + interval '1 day')")
            pid, _ = harness.wait_until(lambda: self.scalar(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'staffd' AND state = 'active'"
                " AND query LIKE '%staffd.publish_run(%'"), harness.scaled(15), interval=0.02)
            require(pid, "no publish statement of the daemon seen within 15 s (log: %s)"
                    % self.h.log_tail(3, joined=True))
            rid = self.running_run()
            self.kill_daemon()
        finally:
            self.sql("DELETE FROM public.chaos_fault")
        self.killed_runs.append((self.step_label(), rid, delay))
        if self.rng.random() < 0.5:
            time.sleep(self.rng.uniform(0, 1))  # the daemon stays down a while
        self.restart_daemon()
        self.cancel_a_shift(after_fault=True)

    def do_kill_random(self):
        self.sql("UPDATE staffd.demand SET contacts = contacts + 1"
                 " WHERE contacts < 1000"
                 " AND interval_start = (SELECT max(interval_start) FROM staffd.demand"
                 " WHERE interval_start < test_now() + interval '5 days')")
        time.sleep(self.rng.uniform(0, 1.5))  # a random moment while that change is planned
        rid = self.running_run()
        self.kill_daemon()
        self.killed_runs.append((self.step_label(), rid, None))
        self.restart_daemon()
        self.cancel_a_shift(after_fault=True)

    def do_sighup(self):
        self.plan_seed = 3 - self.plan_seed
        self.h.write_config(plan_seed=self.plan_seed)
        t0 = time.monotonic()
        ts = self.commit_time()
        self.h.signal(signal.SIGHUP)
        rid, _ = harness.wait_until(lambda: self.scalar(
            "SELECT min(id) FROM staffd.runs WHERE reason = 'reload' AND started_at > %s::timestamptz" % lit(ts)),
            harness.scaled(10))
        if not rid:
            self.violation("planned", "SIGHUP at %s: no run with reason 'reload' began within 10 s" % ts)
        self.wait_planned(ts, "the reload (plan_seed = %d)" % self.plan_seed, t0)

    def do_hostile(self):
        refused = [c for c in self.hostile_cases if c[1] == "refused"]
        name, _, rule, _, text = self.rng.choice(refused)
        err = self.h.sql_error("\\set VERBOSITY verbose\n" + self.substitute(text))
        self.hostile_counts["refused"] += 1
        if err is None:
            self.violation("hostile", "hostile row %s was accepted; expected a refusal by %s" % (name, rule))
            self.ensure_up()
        elif rule not in err.stderr:
            self.violation("hostile", "hostile row %s refused without naming %s: %s" % (name, rule, err.error_line))
        if self.hostile_live is not None:
            self.remove_hostile()
            return
        accepted = [c for c in self.hostile_cases if c[1] != "refused"]
        name, kind, arg, bypass, text = self.rng.choice(accepted)
        text = self.substitute(text)
        table = re.search(r"(?:INSERT INTO|UPDATE)\s+staffd\.(\w+)", text).group(1)
        self.sql("DELETE FROM public.chaos_saved;"
                 " INSERT INTO public.chaos_saved SELECT to_jsonb(t) FROM staffd.%s t" % table)
        pre, post = [], []
        for rule in bypass:
            rel, definition = self.sql("SELECT conrelid::regclass, pg_get_constraintdef(oid) FROM pg_constraint"
                                       " WHERE conname = %s" % lit(rule))[0]
            pre.append("ALTER TABLE %s DROP CONSTRAINT %s;" % (rel, rule))
            post.append("ALTER TABLE %s ADD CONSTRAINT %s %s%s;" % (
                rel, rule, definition, "" if "NOT VALID" in definition else " NOT VALID"))
        t0 = time.monotonic()
        _, ts = self.commit("\n".join(["BEGIN;"] + pre + [text + ";"] + post + ["COMMIT"]))
        self.hostile_live = (name, table)
        self.hostile_counts["inserted"] += 1
        rid = self.wait_planned(ts, "hostile row %s" % name, t0)
        if rid and kind == "reported":
            n = int(self.scalar("SELECT count(*) FROM staffd.input_errors WHERE table_name = %s" % lit(arg)))
            if n == 0:
                self.violation("hostile", "hostile row %s: run %d landed but input_errors names no %s row"
                               % (name, rid, arg))

    def substitute(self, text):
        return re.sub(r"\{(agent2?|queue|contract|candidate|t|t60)\}", lambda m: self.subs[m.group(1)], text)

    def remove_hostile(self):
        """Puts the table the hostile row went into back as it was: rows that changed get
        their old values, rows that were not there go."""
        name, table = self.hostile_live
        rel = "staffd." + table
        pk = [r[0] for r in self.sql(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid"
            " AND a.attnum = ANY (i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary" % lit(rel))]
        cols = [r[0] for r in self.sql(
            "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0"
            " AND NOT attisdropped AND attidentity <> 'a' AND attgenerated = '' ORDER BY attnum" % lit(rel))]
        match = " AND ".join("t.%s = r.%s" % (harness.ident(c), harness.ident(c)) for c in pk)
        saved = ("public.chaos_saved s CROSS JOIN LATERAL jsonb_populate_record(NULL::%s, s.row) AS r" % rel)
        t0 = time.monotonic()
        _, ts = self.commit("""BEGIN;
UPDATE %(rel)s AS t SET (%(cols)s) = ROW(%(vals)s) FROM %(saved)s
WHERE %(match)s AND to_jsonb(t) IS DISTINCT FROM s.row;
DELETE FROM %(rel)s AS t WHERE NOT EXISTS (SELECT 1 FROM %(saved)s WHERE %(match)s);
COMMIT""" % {"rel": rel, "saved": saved, "match": match,
             "cols": ", ".join(harness.ident(c) for c in cols),
             "vals": ", ".join("r." + harness.ident(c) for c in cols)})
        # A column the database keeps by trigger cannot be put back: restoring
        # agents.name stamps name_changed_at anew (migration 0006), as it must, for
        # the feed's Last-Modified. The comparison leaves such columns out.
        kept = "".join(" - %s" % lit(c) for c in KEPT_BY_DATABASE.get(table, ()))
        left = int(self.scalar("SELECT count(*) FROM (SELECT to_jsonb(t)%s AS row FROM %s t EXCEPT"
                               " SELECT row%s FROM public.chaos_saved) x" % (kept, rel, kept)))
        if left:
            self.violation("steps", "hostile row %s: %d rows of %s differ after the removal" % (name, left, rel))
        self.hostile_live = None
        self.hostile_counts["removed"] += 1
        self.wait_planned(ts, "removal of hostile row %s" % name, t0)

    # -- invariants ---------------------------------------------------------------

    def check_invariants(self):
        h = self.h
        if not h.alive():
            self.violation("daemon", "the daemon exited by itself (%s); log: %s"
                           % (h.proc.returncode, h.log_tail(8, joined=True)))
            self.client.begin_window()
            self.restart_daemon()
        bad = h.sanitizer_lines()
        if bad and not any("sanitizer" in v for v in self.violations["daemon"]):
            self.violation("daemon", "sanitizer report in the daemon's log: %s" % bad[0])
        # No two scheduled shifts of one agent overlap.
        for row in self.sql("""
SELECT a.agent_id, a.id, a.starts, a.ends, a.run_id, b.id, b.starts, b.ends, b.run_id
FROM staffd.shifts a JOIN staffd.shifts b ON b.agent_id = a.agent_id AND a.id < b.id
 AND a.starts < b.ends AND b.starts < a.ends
WHERE a.status = 'scheduled' AND b.status = 'scheduled' ORDER BY 1, 3 LIMIT 5"""):
            self.violation("overlap", "agent %s: shift %s (%s-%s, run %s) overlaps %s (%s-%s, run %s)" % tuple(row))
        # A UID's SEQUENCE rises on every change of its content.
        seen = set()
        for uid, agent, queue, starts, ends, status, seq in self.sql(
                "SELECT id, agent_id, queue_id, starts, ends, status, sequence FROM staffd.shifts"):
            seen.add(uid)
            seq = int(seq)
            content = (agent, queue, starts, ends, status)
            old = self.uids.get(uid)
            if old is not None:
                if old[0][0] != agent:
                    self.violation("sequence", "UID %s moved from agent %s to %s" % (uid, old[0][0], agent))
                if seq < old[1]:
                    self.violation("sequence", "UID %s: sequence went from %d to %d" % (uid, old[1], seq))
                elif content != old[0] and seq <= old[1]:
                    self.violation("sequence", "UID %s changed (%s) -> (%s) but sequence %d -> %d"
                                   % (uid, "/".join(old[0][1:]), "/".join(content[1:]), old[1], seq))
            self.uids[uid] = (content, seq)
        for uid in set(self.uids) - seen:
            self.violation("sequence", "UID %s vanished from staffd.shifts (last %s)" % (uid, self.uids[uid]))
            del self.uids[uid]
        self.check_runs()
        # The feeds, as the client saw them.
        bad = []
        if self.client is not None:
            with self.client.lock:
                bad, self.client.bad = self.client.bad, []
        for label, name, status in bad[:5]:
            self.violation("feeds", "%s's feed answered %s" % (name, status), label=label)
        if len(bad) > 5:
            self.violation("feeds", "... and %d more such answers" % (len(bad) - 5))

    def check_runs(self):
        """Every run the daemon logs has its row; no orphan outlives a later begin_run."""
        rows = {}
        for rid, status, reason in self.sql("SELECT id, status, reason FROM staffd.runs"):
            rows[int(rid)] = status
            if not reason and int(rid) not in self.reasonless:
                self.reasonless.add(int(rid))
                self.violation("runs", "run %s (%s) is recorded without a reason" % (rid, status))
        max_id = max(rows) if rows else 0
        zero = 0
        for m in LOG_RUN.finditer(self.h.log_text()):
            rid = int(m.group(1))
            if rid == 0:
                zero += 1
                continue
            if rid not in rows:
                self.violation("runs", "the log names run %d, which has no row in staffd.runs: %s"
                               % (rid, m.group(0).strip()))
            elif m.group(3) and rows[rid] != "succeeded":
                self.violation("runs", "the log says run %d landed, its row says %s" % (rid, rows[rid]))
        self.begin_failures = zero
        orphans = self.sql("""
SELECT r.id FROM staffd.runs r WHERE r.status = 'running' AND NOT EXISTS
  (SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.backend_pid AND a.backend_start = r.backend_start)""")
        now_orphans = {int(r[0]) for r in orphans}
        for rid in now_orphans:
            if rid not in self.orphans:
                self.orphans[rid] = max_id
            elif max_id > self.orphans[rid]:
                self.violation("runs", "run %d stays 'running' after its session ended, though run %d began since"
                               % (rid, max_id))
                self.orphans[rid] = max_id
        for rid in set(self.orphans) - now_orphans:
            del self.orphans[rid]

    # -- the loop and the end ---------------------------------------------------

    def run(self):
        self.t_start = time.monotonic()
        deadline = self.t_start + SECONDS
        try:
            while time.monotonic() < deadline:
                self.step += 1
                self.kind = self.next_kind()
                self.steps_by_kind[self.kind] = self.steps_by_kind.get(self.kind, 0) + 1
                try:
                    getattr(self, "do_" + self.kind)()
                except (TestFailure, harness.SqlError, subprocess.SubprocessError, OSError) as exc:
                    self.violation("steps", "the step could not be carried out: %s: %s"
                                   % (type(exc).__name__, str(exc)[:400]))
                    self.ensure_up()
                self.check_invariants()
        finally:
            self.t_chaos = time.monotonic() - self.t_start

    def finish(self):
        """Faults off, hostile row out, planner quiet, feeds equal to the table."""
        self.kind = "final"
        self.ensure_up()
        if self.hostile_live is not None:
            self.remove_hostile()
        self.h.wait_quiet(quiet=1.0, timeout=60)
        self.check_invariants()
        for name in CLIENT_AGENTS:
            try:
                harness.wait_feed_matches_db(self.h, self.fx.feeds[name], self.fx.agents[name], timeout=10)
            except TestFailure as exc:
                self.violation("feeds", "at the end %s's feed differs from staffd.shifts: %s" % (name, exc))
        self.client.halt.set()
        self.client.join(10)

    def summary(self):
        c = self.client
        runs = dict((r[0], int(r[1])) for r in self.sql("SELECT status, count(*) FROM staffd.runs GROUP BY 1"))
        lat = [x[1] for x in self.latencies]
        lat_fault = [x[1] for x in self.latencies if x[2]]
        plan = [x[1] for x in self.planned]
        held = all(not v for v in self.violations.values())
        killed = {}
        for _, rid, _ in self.killed_runs:
            st = self.scalar("SELECT status FROM staffd.runs WHERE id = %s" % rid) if rid else "none in flight"
            killed[st] = killed.get(st, 0) + 1

        def med_max(v):
            return "median %.2f s, max %.2f s (%d)" % (statistics.median(v), max(v), len(v)) if v else "none"
        lines = [
            "seed %d (STAFFD_CHAOS_SEED=%d repeats the steps); chaos %.0f s of %.0f s, %d steps; setup %.0f s"
            % (self.seed, self.seed, self.t_chaos, SECONDS, self.step, self.t_setup),
            "steps by kind: " + ", ".join("%s %d" % (k, self.steps_by_kind.get(k, 0)) for k in sorted(set(DECK))),
            "daemon killed with -9: %d times (the run in flight then ended %s); started again: %d times" % (
                len(self.killed_runs), ", ".join("%s %d" % kv for kv in sorted(killed.items())) or "-",
                self.restarts),
            "runs by status: " + ", ".join("%s %d" % (k, runs.get(k, 0))
                                           for k in ("succeeded", "failed", "abandoned", "running"))
            + "; attempts logged without a row (begin_run itself failed): %d" % self.begin_failures,
            "runs that did not land, by what they say: " + ("; ".join(
                "%d %s: %s" % (int(n), st, m) for st, m, n in self.sql(
                    "SELECT status, left(regexp_replace(coalesce(message, ''), '\\s+', ' ', 'g'), 100), count(*)"
                    " FROM staffd.runs WHERE status IN ('failed', 'abandoned') GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2"))
                or "none"),
            "feed requests: %d total, %d answered 200, non-2xx from a running daemon %d, connection errors"
            " from a running daemon %d; while the daemon restarted after kill -9: %s"
            % (c.total, c.ok, c.non2xx, c.errors,
               ", ".join("%s %d" % (k, v) for k, v in sorted(c.window_answers.items(), key=str)) or "none"),
            "change -> feed (time off cancels a shift): all %s; after a fault %s" % (med_max(lat), med_max(lat_fault)),
            "slowest change -> feed: " + ", ".join("%.2f s (%s)" % (x[1], x[0]) for x in
                                                   sorted(self.latencies, key=lambda x: -x[1])[:3]),
            "change -> a run that began after it landed: %s" % med_max(plan),
            "hostile rows: %d refused as expected, %d let in, %d removed"
            % (self.hostile_counts["refused"], self.hostile_counts["inserted"], self.hostile_counts["removed"]),
            "invariants: " + ("all held" if held else "VIOLATED: " + ", ".join(
                "%s %d" % (k, len(v)) for k, v in self.violations.items() if v)),
        ]
        for line in lines:
            print("chaos: " + line, flush=True)


def main():
    # Stopped from outside (tests/run.sh's timeout, Ctrl-C): still stop and remove the cluster.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit("chaos: SIGTERM, cleaning up"))
    t = harness.Tests()
    seed = seed_from_env()
    print("chaos: seed %d, %.0f s (STAFFD_CHAOS_SEED, STAFFD_CHAOS_SECONDS)" % (seed, SECONDS), flush=True)
    chaos = Chaos(seed)

    def body():
        ok, _ = t.case("chaos_setup_own_cluster_and_daemon", chaos.setup)
        if not ok:
            return
        t.case("chaos_run", chaos.run)
        t.case("chaos_final_state", chaos.finish, after=["chaos_run"])
        try:
            chaos.summary()
        except Exception as exc:  # the figures are not a verdict; the cases below are
            note("summary: %s: %s" % (type(exc).__name__, exc))
        for key, name in INVARIANTS:
            def verdict(key=key):
                v = chaos.violations[key]
                require(not v, "%d violation(s): %s" % (len(v), " | ".join(v[:3])))
            t.case(name, verdict, after=["chaos_run"])

        def stop():
            chaos.h.stop(timeout=10)
        t.case("chaos_daemon_stops_cleanly", stop, after=["chaos_setup_own_cluster_and_daemon"])

    run_guarded(t, chaos, body)


def run_guarded(t, chaos, body):
    """harness.main_guard, and the test's own cluster destroyed after the harness's cleanup."""
    try:
        body()
    except Exception as exc:  # noqa: a bug in the test, not in the daemon
        t.fail("harness_error", "%s: %s" % (type(exc).__name__, exc))
        note(traceback.format_exc())
    finally:
        if chaos.client is not None:
            chaos.client.halt.set()
        if chaos.h is not None:
            try:
                chaos.h.cleanup(failed=t.failed > 0)
            except Exception as exc:
                note("cleanup: %s" % exc)
        if chaos.cluster is not None:
            chaos.cluster.destroy()
    t.finish()


if __name__ == "__main__":
    main()
