#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""One agent's time off, from the commit to the changed feed, and what it costs in plan quality.

Each trial takes another agent with a scheduled shift past the freeze, INSERTs
one time_off row over that shift (a single agent's change, as an agent or a
team lead enters it) and measures from the commit until the agent's feed,
served over HTTP, has changed. Then it waits until the site is quiet again (no
run pending or running for QUIET seconds) and reads the runs the change caused:
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

Usage: change_latency.py BASE_URL TRIALS LABEL   (libpq environment names the database)
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


def main():
    base = sys.argv[1].rstrip("/")
    warmup = int(os.environ.get("CHANGE_WARMUP", "3"))
    trials = int(sys.argv[2]) + warmup
    label = sys.argv[3]
    has_kind = psql("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'staffd'"
                    " AND table_name = 'runs' AND column_name = 'kind'") == "1"
    kind = "kind" if has_kind else "'full'"
    # Agents with a shift that starts three days or more after the planner's clock (past any
    # freeze), one per trial, spread over the site; their shift of that day is the one cut.
    now = psql("SELECT coalesce(max(planned_at), now()) FROM staffd.runs WHERE status = 'succeeded'")
    rows = psql(f"""
        SELECT agent_id || ' ' || extract(epoch FROM starts)::bigint || ' ' || extract(epoch FROM ends)::bigint
        FROM (SELECT DISTINCT ON (agent_id) agent_id, starts, ends FROM staffd.shifts
              WHERE status = 'scheduled' AND starts >= '{now}'::timestamptz + interval '3 days'
                AND NOT EXISTS (SELECT 1 FROM staffd.time_off t WHERE t.agent_id = shifts.agent_id
                                AND t.reason = 'bench')
              ORDER BY agent_id, starts) s
        ORDER BY md5(agent_id::text || '{label}') LIMIT {trials}""").splitlines()
    if len(rows) < trials:
        raise SystemExit("only %d agents with a shift to cut" % len(rows))
    urls = {}
    for r in rows:
        agent = r.split()[0]
        u = psql(f"SELECT staffd.issue_feed_url({agent})")
        urls[agent] = base + u[u.index("/feeds/"):]
    for agent, url in urls.items():
        wait_for(lambda: etag(url), "feed of agent %s" % agent)
    settle()
    times, obj_ratio, short_ratio, quick = [], [], [], 0
    for i, r in enumerate(rows):
        agent = r.split()[0]
        # The agent's shift as it stands now: the full runs of the trials before may have moved it.
        r = psql(f"""SELECT extract(epoch FROM starts)::bigint || ' ' || extract(epoch FROM ends)::bigint
                     FROM staffd.shifts WHERE agent_id = {agent} AND status = 'scheduled'
                       AND starts >= '{now}'::timestamptz + interval '3 days' ORDER BY starts LIMIT 1""")
        if not r:
            raise SystemExit("trial %d: agent %s has no shift to cut any more" % (i, agent))
        starts, ends = r.split()
        url = urls[agent]
        before = etag(url)
        first_run = last_run()
        psql("INSERT INTO staffd.time_off (agent_id, starts, ends, reason) VALUES"
             f" ({agent}, to_timestamp({starts}), to_timestamp({ends}), 'bench')")
        t_commit = time.monotonic()
        t_changed, _ = wait_for(lambda: etag(url) != before, "feed change after the INSERT")
        times.append(t_changed - t_commit)
        settle()
        runs = psql(f"SELECT id || ' ' || {kind} || ' ' || objective || ' ' || shortage_minutes"
                    f" FROM staffd.runs WHERE id > {first_run} AND status = 'succeeded'"
                    " ORDER BY id").splitlines()
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
    print("%s: time off INSERT -> feed changed: median %.3f s, p95 %.3f s, max %.3f s (%d trials,"
          " %d served by a quick run); quality first/last run: objective median %.4f p95 %.4f"
          " max %.4f mean %.4f, shortage median %.4f p95 %.4f max %.4f"
          % (label, statistics.median(times), pct(times, 0.95), max(times), len(times), quick,
             statistics.median(obj_ratio), pct(obj_ratio, 0.95), max(obj_ratio),
             statistics.mean(obj_ratio), statistics.median(short_ratio), pct(short_ratio, 0.95),
             max(short_ratio)), flush=True)


if __name__ == "__main__":
    main()
