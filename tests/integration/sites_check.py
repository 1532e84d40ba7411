# SPDX-License-Identifier: ISC
"""The invariants of several daemons sharing sites (issue #14), checked from
outside: by tests/integration/test_sites_chaos.py after every step of its
faults, and by tests/bench/sites.py after every failover trial. Not a test of
its own (tests/run.sh runs test_*.py only).

    check = SitesCheck(h)           # h: a Harness on the shared database
    poller = FeedPoller(daemons, paths).start()
    ...
    poller.down(i) / poller.up(i)   # around a fault of daemon i
    problems = check.step(daemons_up) + poller.take_failures()

What step() checks, each time:
- every active site has exactly one leader (a session holding its advisory
  lock), and that session is a live daemon's (it holds a member lock); the
  daemons' /healthz agree: no site led_here on two daemons, and each daemon's
  led sites are the ones its session holds;
- no run of an ex-leader landed after its successor's: no two runs of a site
  landed on the same generation (none planned on a stale snapshot), and a
  session a fault ended (fault()) lands no run of a site after another
  session landed one after the fault (a live daemon may lead a site again
  after giving it back to even out the sites: that is no ex-leader);
- a shift's SEQUENCE rises on every change of its content (agent, queue,
  start, end, status), never falls, and no shift vanishes;
- no two scheduled shifts of one agent overlap.
FeedPoller fetches one feed per site from every daemon that is up, all the
time, and counts an answer other than a 200 calendar as a failure unless the
daemon was taken down while it was asked.
"""
import http.client
import threading
import time

import harness

THIS_DB = "(SELECT oid FROM pg_database WHERE datname = current_database())"


# Demand shapes (base, amplitude, waves a day) of the sites site_sql makes.
SHAPES = [(10, 8, 1), (20, 15, 2), (6, 5, 3), (30, 10, 1), (15, 12, 2), (8, 8, 1)]


def site_sql(site, agents, shape=None, days=3):
    """One site (id `site`, 'site N'): a contract, a queue 'qN', `agents` agents 'Agent N-k'
    available on one of three day spans, and `days` days of sine-shaped demand
    (shape: (base, amplitude, waves a day); SHAPES by site id if None)."""
    shape = shape or SHAPES[(site - 1) % len(SHAPES)]
    return """
INSERT INTO staffd.sites (id, name) VALUES (%(s)d, 'site %(s)d') ON CONFLICT (id) DO NOTHING;
INSERT INTO staffd.contracts (name, site_id, max_minutes_per_week, shift_lengths_minutes)
    VALUES ('c%(s)d', %(s)d, 2400, '{240,360,480}');
INSERT INTO staffd.queues (name, channel, site_id) VALUES ('q%(s)d', 'voice', %(s)d);
INSERT INTO staffd.agents (name, time_zone, contract_id, site_id)
SELECT 'Agent %(s)d-' || g, 'UTC', (SELECT id FROM staffd.contracts WHERE name = 'c%(s)d'), %(s)d
FROM generate_series(1, %(n)d) g;
INSERT INTO staffd.agent_skills (agent_id, queue_id)
SELECT a.id, q.id FROM staffd.agents a, staffd.queues q WHERE a.site_id = %(s)d AND q.name = 'q%(s)d';
INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time)
SELECT a.id, wd, (ARRAY[time '06:00', time '10:00', time '14:00'])[1 + a.id %% 3],
       (ARRAY[time '16:00', time '20:00', time '23:00'])[1 + a.id %% 3]
FROM staffd.agents a CROSS JOIN generate_series(1, 7) wd WHERE a.site_id = %(s)d;
INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds)
SELECT q.id, %(hs)s + g * interval '15 minutes', 15,
       greatest(0, %(base)d + %(amp)d * sin((g %% 96) / 96.0 * 2 * pi() * %(waves)d)), 300
FROM staffd.queues q CROSS JOIN generate_series(0, %(days)d * 96 - 1) g WHERE q.name = 'q%(s)d';
""" % {"s": site, "n": agents, "hs": harness.HORIZON_START, "base": shape[0], "amp": shape[1],
       "waves": shape[2], "days": days}


def change_sql(site, cell):
    """A change of one demand cell (0 .. days * 96 - 1) of site_sql's site: +5 contacts, or -5 above 40."""
    return ("UPDATE staffd.demand SET contacts = CASE WHEN contacts > 40 THEN contacts - 5 ELSE contacts + 5 END"
            " WHERE queue_id = (SELECT id FROM staffd.queues WHERE name = 'q%d')"
            " AND interval_start = %s + interval '%d minutes'" % (site, harness.HORIZON_START, cell * 15))


def site_feeds(h):
    """One feed path per site (its first agent's)."""
    return [harness.feed_path(r[0]) for r in h.sql(
        "SELECT staffd.issue_feed_url(min(id)) FROM staffd.agents GROUP BY site_id ORDER BY site_id")]


def leaders(h):
    """{site: backend pid of the session holding its lock}, from pg_locks."""
    rows = h.sql("SELECT objid::bigint, pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                 " AND classid::bigint = 21332 AND objsubid = 2 AND database = " + THIS_DB)
    return {int(s): int(p) for s, p in rows}


def members(h):
    """Backend pids of the live daemons' sessions (each holds (21333, its pid))."""
    rows = h.sql("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                 " AND classid::bigint = 21333 AND objsubid = 2 AND database = " + THIS_DB)
    return {int(r[0]) for r in rows}


def session_of(d):
    """The backend pid of daemon d's session, from its /healthz."""
    return int(d.healthz().json().get("backend_pid") or 0)


def spread(h, n_sites, n_daemons):
    """The leaders if every daemon joined, every site is led and none leads more
    than its share (sites / daemons, rounded up); None otherwise."""
    share = (n_sites + n_daemons - 1) // n_daemons
    if len(members(h)) != n_daemons:
        return None
    lead = leaders(h)
    counts = {}
    for p in lead.values():
        counts[p] = counts.get(p, 0) + 1
    if len(lead) != n_sites or max(counts.values()) > share:
        return None
    return lead


class SitesCheck:
    def __init__(self, h):
        self.h = h
        self.uids = {}  # uid -> ((agent, queue, starts, ends, status), sequence)
        self.faulted = []  # (backend pid, backend start, instant of the fault) of sessions a fault ended

    def fault(self, pid):
        """Call just before a fault that ends the session `pid` (kill -9 of its daemon,
        pg_terminate_backend, SIGSTOP past failover_seconds): that session is an
        ex-leader from then on and must land nothing after its successor has."""
        rows = self.h.sql("SELECT backend_start, clock_timestamp() FROM pg_stat_activity WHERE pid = %d" % pid)
        if rows:
            self.faulted.append((pid, rows[0][0], rows[0][1]))

    def leadership(self, daemons_up):
        h = self.h
        out = []
        sites = {int(r[0]) for r in h.sql("SELECT id FROM staffd.sites WHERE active")}
        lead = leaders(h)
        live = members(h)
        for s in sorted(sites):
            if s not in lead:
                out.append("site %d has no leader" % s)
            elif lead[s] not in live:
                out.append("site %d is led by session %d, which is no daemon's" % (s, lead[s]))
        led_by = {}
        for d in daemons_up:
            try:
                j = d.healthz().json()
            except (OSError, http.client.HTTPException, ValueError) as exc:
                out.append("%s: /healthz did not answer: %s" % (d.name, exc))
                continue
            pid = int(j.get("backend_pid") or 0)
            mine = {int(x["id"]) for x in j.get("sites", []) if x.get("led_here")}
            held = {s for s, p in lead.items() if p == pid}
            if mine != held:
                out.append("%s (session %d) says it leads %s, its session holds %s"
                           % (d.name, pid, sorted(mine), sorted(held)))
            for s in mine:
                if s in led_by:
                    out.append("site %d led_here on %s and on %s" % (s, led_by[s], d.name))
                led_by[s] = d.name
        return out

    def step(self, daemons_up):
        """Problems found now, as strings (empty: all invariants hold). daemons_up:
        the Harness of every daemon that should be running and answering."""
        h = self.h
        out = []
        # Leadership moves at most once a second per daemon: read the locks and
        # the daemons' views again (a few times) before calling a difference one.
        for attempt in range(4):
            lead_out = self.leadership(daemons_up)
            if not lead_out:
                break
            time.sleep(0.5)
        out += lead_out
        # Landing order per site: the generation each landed run began at. Two runs
        # landed on one generation: one was planned on a stale snapshot.
        for site, gen, runs in h.sql(
                "SELECT site_id, generation, string_agg(id::text, ', ' ORDER BY id) FROM staffd.runs"
                " WHERE status = 'succeeded' GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 1, 2 LIMIT 5"):
            out.append("site %s: runs %s all landed on generation %s" % (site, runs, gen))
        # A session a fault ended lands nothing after another session's run landed
        # after the fault (its run in flight at the fault may still land before).
        for pid, bstart, t0 in self.faulted:
            for row in h.sql(
                    "SELECT r.site_id, r.id, s.id, s.backend_pid FROM staffd.runs r JOIN staffd.runs s"
                    " ON s.site_id = r.site_id AND s.status = 'succeeded' AND s.generation < r.generation"
                    " AND s.finished_at > %(t0)s AND (s.backend_pid, s.backend_start) IS DISTINCT FROM"
                    " (r.backend_pid, r.backend_start)"
                    " WHERE r.status = 'succeeded' AND r.backend_pid = %(pid)d AND r.backend_start = %(bs)s"
                    " AND r.finished_at > %(t0)s LIMIT 3"
                    % {"pid": pid, "bs": harness.lit(bstart), "t0": harness.lit(t0)}):
                out.append("site %s: run %s of ex-leader session %d landed after run %s of its successor %s"
                           " (the fault was at %s)" % (row[0], row[1], pid, row[2], row[3], t0))
        # SEQUENCE against content, per UID.
        seen = set()
        for uid, agent, queue, starts, ends, status, seq in h.sql(
                "SELECT id, agent_id, queue_id, starts, ends, status, sequence FROM staffd.shifts"):
            seen.add(uid)
            seq = int(seq)
            content = (agent, queue, starts, ends, status)
            old = self.uids.get(uid)
            if old is not None:
                if seq < old[1]:
                    out.append("shift %s: SEQUENCE went from %d to %d" % (uid, old[1], seq))
                elif content != old[0] and seq <= old[1]:
                    out.append("shift %s changed (%s) -> (%s) with SEQUENCE %d -> %d"
                               % (uid, "/".join(old[0]), "/".join(content), old[1], seq))
            self.uids[uid] = (content, seq)
        for uid in set(self.uids) - seen:
            out.append("shift %s vanished from staffd.shifts" % uid)
            del self.uids[uid]
        for row in h.sql("""
SELECT a.agent_id, a.id, b.id FROM staffd.shifts a JOIN staffd.shifts b ON b.agent_id = a.agent_id
 AND a.id < b.id AND a.starts < b.ends AND b.starts < a.ends
WHERE a.status = 'scheduled' AND b.status = 'scheduled' LIMIT 3"""):
            out.append("agent %s: shifts %s and %s overlap" % tuple(row))
        return out


class FeedPoller:
    """Fetches every path from every daemon that is up, round after round, in a
    thread of its own. down(i) before a fault of daemon i, up(i) once it is back:
    an answer that failed while its daemon was (or went) down does not count."""

    def __init__(self, daemons, paths, pause=0.05):
        self.daemons = daemons
        self.paths = paths
        self.pause = pause
        self.lock = threading.Lock()
        self.gen = [0] * len(daemons)
        self.is_up = [True] * len(daemons)
        self.failures = []
        self.answers = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def start(self, timeout=30):
        """Waits until every daemon serves every path (a token just issued is 404,
        its feed not rendered yet 503, until the daemon has heard of it), then polls."""
        for i in range(len(self.daemons)):
            self.up(i, timeout)
        self.thread.start()
        return self

    def down(self, i):
        with self.lock:
            self.is_up[i] = False
            self.gen[i] += 1

    def up(self, i, timeout=30):
        """Daemon i is back: once it serves every path (a daemon just started answers
        503 with Retry-After until it has read the feeds), its answers count again."""
        def ready():
            for path in self.paths:
                r = self.daemons[i].get(path, timeout=5.0)
                if r.status != 200:
                    return False
            return True
        ok, _ = harness.wait_until(ready, harness.scaled(timeout), interval=0.1)
        if not ok:
            self.failures.append("%s did not serve its feeds within %d s of coming back"
                                 % (self.daemons[i].name, timeout))
        with self.lock:
            self.is_up[i] = True
            self.gen[i] += 1

    def run(self):
        while not self.stopping.is_set():
            for i, d in enumerate(self.daemons):
                for path in self.paths:
                    with self.lock:
                        if not self.is_up[i]:
                            continue
                        g = self.gen[i]
                    try:
                        r = d.get(path, timeout=5.0)
                        ok = r.status == 200 and b"BEGIN:VCALENDAR" in r.body
                        why = "HTTP %d" % r.status
                    except (OSError, http.client.HTTPException) as exc:
                        ok, why = False, "%s: %s" % (type(exc).__name__, exc)
                    with self.lock:
                        if g != self.gen[i]:
                            continue
                        self.answers += 1
                        if not ok:
                            self.failures.append("%s %s at %.1f: %s" % (d.name, path, time.monotonic(), why))
            self.stopping.wait(self.pause)

    def take_failures(self):
        with self.lock:
            f, self.failures = self.failures, []
            return f

    def stop(self):
        self.stopping.set()
        self.thread.join(10)


def wait_spread(h, n_sites, n_daemons, timeout=30):
    lead, _ = harness.wait_until(lambda: spread(h, n_sites, n_daemons), harness.scaled(timeout), interval=0.1)
    return lead
