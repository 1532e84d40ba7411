#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""One agent's change, from the commit to the changed feed, and what it costs in plan quality.

Two cases (CASE, default time_off):

time_off
    Each trial takes another agent with a scheduled shift past the freeze,
    INSERTs one time_off row over that shift (a single agent's change, as an
    agent or a team lead enters it) and measures from the commit until the
    agent's feed, served over HTTP, has changed.
availability
    A new agent's week of availability (the README's "a new agent's
    availability -> feed"): each trial adds an agent (the contract with the
    largest weekly maximum, skilled for the queue with the most shortage, in
    its zone, a feed URL, no availability yet: an empty calendar), waits until
    the site is quiet, INSERTs the agent's availability for every day
    (08:00-22:00 local) in one statement and measures from the commit until the
    feed served over HTTP has changed (the agent now has shifts); the probe is
    deleted again after the trial, so every trial starts from the same schedule.

Then it waits until the site is quiet again (no run pending or running for
QUIET seconds) and reads the runs the change caused:
the first one that landed (what the agent saw) and the last (what stands once
the daemon is idle). The quality figure is the ratio of the first run's
objective (the sum of squared shortage, staffd.runs.objective) to the last
one's, and the same for shortage_minutes: 1.00 when the first plan was as good
as the full re-plan that followed it. Where only one run landed (a daemon that
plans in full every time), the ratio is 1 by construction.

The first WARMUP trials (env CHANGE_WARMUP, default 3) are not counted: a site
planned once for 1 s is far from the engine's plateau, and the first full runs
after it improve the whole site whatever the change (14 % and 8 % on the first
two trials at 1,000 agents), which says nothing about the quick plan.

Usage: change_latency.py BASE_URL TRIALS LABEL [CASE]   (libpq environment names the database)
Prints one line per trial on stderr and a summary line on stdout.
"""
import os
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

QUIET = 3.0  # seconds without a run pending, running or landing: the site is settled


def psql(sql):
    out = subprocess.run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def etag(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.headers["ETag"]
    except urllib.error.HTTPError as e:
        if e.code in (404, 503):
            return None
        raise


def wait_for(pred, what, deadline_s=120.0, step=0.005):
    start = time.monotonic()
    while time.monotonic() - start < deadline_s:
        v = pred()
        if v:
            return time.monotonic(), v
        time.sleep(step)
    raise SystemExit("%s: not within %.0f s" % (what, deadline_s))


def last_run():
    return int(psql("SELECT coalesce(max(id), 0) FROM staffd.runs"))


def settle():
    """Waits until no run has started or ended for QUIET seconds and none is running."""
    seen, since = None, time.monotonic()
    while True:
        state = psql("SELECT count(*) FILTER (WHERE status = 'running') || ':' || coalesce(max(id), 0)"
                     " || ':' || coalesce(max(finished_at)::text, '') FROM staffd.runs")
        now = time.monotonic()
        if state != seen:
            seen, since = state, now
        elif state.startswith("0:") and now - since >= QUIET:
            return
        time.sleep(0.1)


def pct(v, p):
    return sorted(v)[min(len(v) - 1, int(round(p * (len(v) - 1))))]


class TimeOff:
    """Each trial cuts another agent's shift (three days or more after the clock) by a time off."""

    def __init__(self, base, trials, label):
        # Agents with a shift that starts three days or more after the planner's clock (past any
        # freeze), one per trial, spread over the site; their shift of that day is the one cut.
        self.now = psql("SELECT coalesce(max(planned_at), now()) FROM staffd.runs WHERE status = 'succeeded'")
        rows = psql(f"""
            SELECT agent_id FROM (SELECT DISTINCT ON (agent_id) agent_id FROM staffd.shifts
                  WHERE status = 'scheduled' AND starts >= '{self.now}'::timestamptz + interval '3 days'
                    AND NOT EXISTS (SELECT 1 FROM staffd.time_off t WHERE t.agent_id = shifts.agent_id
                                    AND t.reason = 'bench')
                  ORDER BY agent_id, starts) s
            ORDER BY md5(agent_id::text || '{label}') LIMIT {trials}""").splitlines()
        if len(rows) < trials:
            raise SystemExit("only %d agents with a shift to cut" % len(rows))
        self.agents = rows
        self.urls = {}
        for agent in rows:
            u = psql(f"SELECT staffd.issue_feed_url({agent})")
            self.urls[agent] = base + u[u.index("/feeds/"):]
        for agent, url in self.urls.items():
            wait_for(lambda: etag(url), "feed of agent %s" % agent)

    def trial(self, i):
        """(agent, feed URL, the change's SQL) of trial i."""
        agent = self.agents[i]
        # The agent's shift as it stands now: the full runs of the trials before may have moved it.
        r = psql(f"""SELECT extract(epoch FROM starts)::bigint || ' ' || extract(epoch FROM ends)::bigint
                     FROM staffd.shifts WHERE agent_id = {agent} AND status = 'scheduled'
                       AND starts >= '{self.now}'::timestamptz + interval '3 days' ORDER BY starts LIMIT 1""")
        if not r:
            raise SystemExit("trial %d: agent %s has no shift to cut any more" % (i, agent))
        starts, ends = r.split()
        return agent, self.urls[agent], ("INSERT INTO staffd.time_off (agent_id, starts, ends, reason) VALUES"
                                         f" ({agent}, to_timestamp({starts}), to_timestamp({ends}), 'bench')")

    def done(self, agent):
        pass


class Availability:
    """Each trial gives a new agent, with a skill and a feed but no availability yet, a week of it."""

    def __init__(self, base, trials, label):
        self.base = base
        # The queue with the most future shortage, and the contract with the most hours.
        self.queue = psql("SELECT q.id FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id"
                          " JOIN staffd.runs r ON r.id = (SELECT max(id) FROM staffd.runs WHERE status = 'succeeded')"
                          " WHERE c.interval_start >= r.planned_at GROUP BY q.id ORDER BY sum(c.shortage) DESC, q.id"
                          " LIMIT 1")
        self.zone = psql(f"SELECT time_zone FROM staffd.queues WHERE id = {self.queue}")
        self.contract = psql("SELECT id FROM staffd.contracts ORDER BY max_minutes_per_week DESC, id LIMIT 1")

    def trial(self, i):
        agent = psql(f"INSERT INTO staffd.agents (name, email, time_zone, contract_id)"
                     f" VALUES ('Latency Probe {i}', 'probe{i}@example.com', '{self.zone}', {self.contract})"
                     f" RETURNING id")
        psql(f"INSERT INTO staffd.agent_skills (agent_id, queue_id) VALUES ({agent}, {self.queue})")
        u = psql(f"SELECT staffd.issue_feed_url({agent})")
        url = self.base + u[u.index("/feeds/"):]
        wait_for(lambda: etag(url), "feed of the new agent")
        # Let the runs the new agent caused land: the change measured is its availability alone.
        settle()
        return agent, url, ("INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time)"
                            f" SELECT {agent}, d, '08:00', '22:00' FROM generate_series(1, 7) AS d")

    def done(self, agent):
        # Remove the probe, so every trial starts from the same schedule and shortage.
        psql(f"DELETE FROM staffd.agents WHERE id = {agent}")
        settle()


def main():
    base = sys.argv[1].rstrip("/")
    warmup = int(os.environ.get("CHANGE_WARMUP", "3"))
    trials = int(sys.argv[2]) + warmup
    label = sys.argv[3]
    case = sys.argv[4] if len(sys.argv) > 4 else "time_off"
    cases = {"time_off": TimeOff, "availability": Availability}
    if case not in cases:
        raise SystemExit("case %r: time_off or availability" % case)
    has_kind = psql("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'staffd'"
                    " AND table_name = 'runs' AND column_name = 'kind'") == "1"
    kind = "kind" if has_kind else "'full'"
    c = cases[case](base, trials, label)
    settle()
    what = {"time_off": "time off INSERT", "availability": "a new agent's availability INSERT"}[case]
    times, obj_ratio, short_ratio, quick = [], [], [], 0
    for i in range(trials):
        agent, url, change = c.trial(i)
        before = etag(url)
        first_run = last_run()
        psql(change)
        t_commit = time.monotonic()
        t_changed, _ = wait_for(lambda: etag(url) != before, "feed change after the INSERT")
        times.append(t_changed - t_commit)
        settle()
        runs = psql(f"SELECT id || ' ' || {kind} || ' ' || objective || ' ' || shortage_minutes"
                    f" FROM staffd.runs WHERE id > {first_run} AND status = 'succeeded'"
                    " ORDER BY id").splitlines()
        c.done(agent)
        if not runs:
            raise SystemExit("trial %d: no run landed" % i)
        f, l = runs[0].split(), runs[-1].split()
        if i < warmup:
            times.pop()
            print("%s warm-up %d agent %s: runs %s" % (label, i, agent, "+".join(x.split()[1] for x in runs)),
                  file=sys.stderr, flush=True)
            continue
        quick += f[1] == "quick"
        ro = float(f[2]) / float(l[2]) if float(l[2]) > 0 else 1.0
        rs = float(f[3]) / float(l[3]) if float(l[3]) > 0 else 1.0
        obj_ratio.append(ro)
        short_ratio.append(rs)
        print("%s trial %2d agent %s: %.3f s, runs %s, first/last objective %.4f, shortage %.4f"
              % (label, i, agent, times[-1], "+".join(x.split()[1] for x in runs), ro, rs),
              file=sys.stderr, flush=True)
    print("%s: %s -> feed changed: median %.3f s, p95 %.3f s, max %.3f s (%d trials,"
          " %d served by a quick run); quality first/last run: objective median %.4f p95 %.4f"
          " max %.4f mean %.4f, shortage median %.4f p95 %.4f max %.4f"
          % (label, what, statistics.median(times), pct(times, 0.95), max(times), len(times), quick,
             statistics.median(obj_ratio), pct(obj_ratio, 0.95), max(obj_ratio),
             statistics.mean(obj_ratio), statistics.median(short_ratio), pct(short_ratio, 0.95),
             max(short_ratio)), flush=True)


if __name__ == "__main__":
    main()
