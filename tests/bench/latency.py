#!/usr/bin/python3
"""From a committed availability INSERT to the changed feed being served.

Each trial removes one of the agent's availability windows on a day it works
(its shift there is cancelled), waits for that to reach the feed, then puts
the window back and measures from the INSERT's commit until the feed served
over HTTP has changed again. Prints median and p95 over the trials.

Usage: latency.py FEED_URL AGENT_ID [TRIALS]   (libpq environment names the database)
"""
import statistics
import subprocess
import sys
import time
import urllib.request


def psql(sql):
    out = subprocess.run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def etag(url):
    with urllib.request.urlopen(url, timeout=5) as r:
        return r.headers["ETag"]


def wait_change(url, old, deadline_s=30.0):
    start = time.monotonic()
    while time.monotonic() - start < deadline_s:
        e = etag(url)
        if e != old:
            return time.monotonic()
        time.sleep(0.005)
    raise SystemExit("feed did not change within %.0f s" % deadline_s)


def main():
    url, agent = sys.argv[1], int(sys.argv[2])
    trials = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    ins, dels = [], []
    for _ in range(trials):
        # A future weekday on which the agent has a scheduled shift.
        row = psql(
            "SELECT a.id, a.weekday, a.start_time, a.end_time, coalesce(a.valid_from::text, ''),"
            " coalesce(a.valid_until::text, '') FROM staffd.availability a"
            f" JOIN staffd.agents g ON g.id = a.agent_id WHERE a.agent_id = {agent}"
            " AND EXISTS (SELECT 1 FROM staffd.shifts s WHERE s.agent_id = a.agent_id"
            "  AND s.status = 'scheduled' AND s.starts > now() + interval '1 day'"
            "  AND extract(isodow FROM s.starts AT TIME ZONE g.time_zone) = a.weekday)"
            " ORDER BY a.weekday LIMIT 1")
        if not row:
            raise SystemExit("agent %d has no window with a future shift" % agent)
        wid, wd, st, en, vf, vu = row.split("|")
        before = etag(url)
        t0 = time.monotonic()
        psql(f"DELETE FROM staffd.availability WHERE id = {wid}")
        t_commit = time.monotonic()
        t1 = wait_change(url, before)
        dels.append(t1 - t_commit)
        mid = etag(url)
        vf = f"'{vf}'" if vf else "NULL"
        vu = f"'{vu}'" if vu else "NULL"
        psql("INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time,"
             f" valid_from, valid_until) VALUES ({agent}, {wd}, '{st}', '{en}', {vf}, {vu})")
        t_commit = time.monotonic()
        t2 = wait_change(url, mid)
        ins.append(t2 - t_commit)
        del t0
        time.sleep(0.2)
    q = lambda v, p: sorted(v)[min(len(v) - 1, int(round(p * (len(v) - 1))))]
    print("availability INSERT -> feed changed: median %.3f s, p95 %.3f s, max %.3f s (%d trials)"
          % (statistics.median(ins), q(ins, 0.95), max(ins), len(ins)))
    print("availability DELETE -> feed changed: median %.3f s, p95 %.3f s, max %.3f s (%d trials)"
          % (statistics.median(dels), q(dels, 0.95), max(dels), len(dels)))


if __name__ == "__main__":
    main()
