#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""From a committed availability INSERT to the changed feed being served.

Each trial adds a new agent (contract, skill, private feed URL, no availability
yet: an empty calendar), waits until that settles, then INSERTs the agent's
weekly availability in one statement and measures from the commit until the
feed served over HTTP has changed (the agent now has shifts); then deletes the
probe again, so every trial starts from the same schedule. Prints median and
p95 over the trials.

Usage: latency.py BASE_URL [TRIALS]   (libpq environment names the database)
"""
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request


def psql(sql):
    out = subprocess.run(["psql", "-X", "-qAt", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def etag(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.headers["ETag"]
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


def wait_for(pred, what, deadline_s=30.0):
    start = time.monotonic()
    while time.monotonic() - start < deadline_s:
        v = pred()
        if v:
            return time.monotonic(), v
        time.sleep(0.005)
    raise SystemExit("%s: not within %.0f s" % (what, deadline_s))


def main():
    base = sys.argv[1].rstrip("/")
    trials = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    # The queue with the most shortage after 17:00 local, and a contract for evenings.
    queue = psql("SELECT q.id FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id"
                 " GROUP BY q.id ORDER BY sum(c.shortage) DESC LIMIT 1")
    zone = psql(f"SELECT time_zone FROM staffd.queues WHERE id = {queue}")
    contract = psql("SELECT id FROM staffd.contracts ORDER BY max_minutes_per_week DESC LIMIT 1")
    times = []
    for i in range(trials):
        agent = psql(f"INSERT INTO staffd.agents (name, email, time_zone, contract_id)"
                     f" VALUES ('Latency Probe {i}', 'probe{i}@example.com', '{zone}', {contract})"
                     f" RETURNING id")
        psql(f"INSERT INTO staffd.agent_skills VALUES ({agent}, {queue})")
        url = psql(f"SELECT staffd.issue_feed_url({agent})")
        url = base + url[url.index("/feeds/"):]
        _, before = wait_for(lambda: etag(url), "feed of the new agent")
        time.sleep(1.5)  # let the run the new agent caused land
        before = etag(url)
        psql("INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time)"
             f" SELECT {agent}, d, '08:00', '22:00' FROM generate_series(1, 7) AS d")
        t_commit = time.monotonic()
        t_changed, _ = wait_for(lambda: etag(url) != before, "feed change after the INSERT")
        times.append(t_changed - t_commit)
        # Remove the probe, so every trial starts from the same schedule and shortage.
        psql(f"DELETE FROM staffd.agents WHERE id = {agent}")
        time.sleep(1.5)
    q = lambda v, p: sorted(v)[min(len(v) - 1, int(round(p * (len(v) - 1))))]
    print("availability INSERT -> feed changed: median %.3f s, p95 %.3f s, max %.3f s (%d trials)"
          % (statistics.median(times), q(times, 0.95), max(times), len(times)))


if __name__ == "__main__":
    main()
