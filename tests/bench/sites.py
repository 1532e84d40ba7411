#!/usr/bin/python3
"""Sites and several daemons, measured (issue #14): `make bench` runs it.

1. Failover: three daemons share three sites; TRIALS times each, the leader of
   site 1 is killed with -9, stopped with SIGSTOP, or loses its database
   session (pg_terminate_backend), a change to site 1 is committed at once,
   and the time until a run of site 1 lands (by another daemon, but for the
   lost session, where any may win) is measured. Median and max per kind.
2. Throughput: SITES sites with demand of different shapes, planned by 1, 2 and
   3 daemons: every site gets a change every few seconds for SECONDS, and the
   landed runs are counted: sites planned per minute.

    tests/bench/sites.py [--trials N] [--seconds S] [--sites K]
Needs the plain build (make) and a PostgreSQL it starts itself (tools/pg.sh).
Prints one line per figure, and the load average beside each.
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.dont_write_bytecode = True
import harness  # noqa: E402


def site_sql(site, agents, shape):
    """One site: a queue, a contract, `agents` agents, three days of demand shaped by `shape`."""
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
FROM staffd.queues q CROSS JOIN generate_series(0, 3 * 96 - 1) g WHERE q.name = 'q%(s)d';
""" % {"s": site, "n": agents, "hs": harness.HORIZON_START, "base": shape[0], "amp": shape[1],
       "waves": shape[2]}


class Cluster:
    def __init__(self, n_daemons, tmp, port_base):
        self.hs = []
        for i in range(n_daemons):
            h = harness.Harness("bench-sites-%d" % i, horizon_days=3, debounce_ms=100,
                                binary=os.path.join(REPO, "build", "plain", "staffd"))
            h.settings["plan_seconds"] = 1
            h.settings["plan_iterations"] = 0
            h.settings["plan_threads"] = 1
            h.settings["failover_seconds"] = 4
            h.settings["log_level"] = "warning"
            self.hs.append(h)

    def start(self, sites, agents):
        a = self.hs[0]
        a.setup_database()
        shapes = [(10, 8, 1), (20, 15, 2), (6, 5, 3), (30, 10, 1), (15, 12, 2), (8, 8, 1)]
        sql = "".join(site_sql(s, agents, shapes[(s - 1) % len(shapes)]) for s in range(1, sites + 1))
        a.sql(sql)
        for h in self.hs[1:]:
            h.db = a.db
            h.write_config()
        for h in self.hs:
            h.start()
        return a

    def stop(self):
        for h in self.hs:
            h.kill()
        self.hs[0].cleanup()
        for h in self.hs[1:]:
            h.cleanup()


def leaders(a):
    rows = a.sql("SELECT objid::bigint, pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
                 " AND classid::bigint = 21332 AND objsubid = 2"
                 " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())")
    return {int(s): int(p) for s, p in rows}


def wait_led(a, n, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(leaders(a)) == n:
            return True
        time.sleep(0.1)
    return False


def load():
    return os.getloadavg()[0]


def failover(trials):
    c = Cluster(3, None, 0)
    try:
        a = c.start(3, 30)
        if not wait_led(a, 3):
            raise SystemExit("sites bench: the sites never got leaders")
        a.wait_quiet(quiet=1.0, timeout=120)
        results = {}
        for kind in ("kill", "stop", "session"):
            times = []
            for trial in range(trials):
                lead = leaders(a)
                victim = None
                for h in c.hs:
                    if h.alive() and int(h.healthz().json().get("backend_pid") or 0) == lead.get(1):
                        victim = h
                if victim is None:
                    wait_led(a, 3)
                    continue
                before = a.max_run_id()
                t0 = time.monotonic()
                if kind == "kill":
                    victim.proc.kill()
                    victim.proc.wait()
                elif kind == "stop":
                    victim.proc.send_signal(signal.SIGSTOP)
                else:
                    a.sql("SELECT pg_terminate_backend(%d)" % lead[1])
                a.sql("UPDATE staffd.demand SET contacts = contacts + 1 WHERE queue_id ="
                      " (SELECT id FROM staffd.queues WHERE site_id = 1) AND contacts < 60")
                took = None
                while time.monotonic() - t0 < 30:
                    if a.scalar("SELECT count(*) FROM staffd.runs WHERE site_id = 1 AND id > %d"
                                " AND status = 'succeeded'" % before) != "0":
                        took = time.monotonic() - t0
                        break
                    time.sleep(0.02)
                times.append(took if took is not None else float("inf"))
                if kind == "stop":
                    victim.proc.send_signal(signal.SIGCONT)
                if kind == "kill":
                    victim.start()
                wait_led(a, 3)
                a.wait_quiet(quiet=0.5, timeout=120)
            finite = [x for x in times if x != float("inf")]
            results[kind] = times
            print("failover after %-7s %2d trials: median %.2f s, max %.2f s, over 10 s: %d (load %.1f)"
                  % (kind, len(times), statistics.median(finite) if finite else float("nan"),
                     max(times), sum(1 for x in times if x > 10), load()), flush=True)
        return results
    finally:
        c.stop()


def throughput(n_daemons, sites, seconds, agents):
    c = Cluster(n_daemons, None, 0)
    try:
        a = c.start(sites, agents)
        if not wait_led(a, sites):
            raise SystemExit("sites bench: the sites never got leaders")
        a.wait_quiet(quiet=1.0, timeout=300)
        before = a.max_run_id()
        t0 = time.monotonic()
        # Every site gets a change every 2 s: always something to plan.
        while time.monotonic() - t0 < seconds:
            a.sql("UPDATE staffd.demand SET contacts = contacts + 1 WHERE contacts < 80"
                  " AND interval_start = (SELECT min(interval_start) FROM staffd.demand)")
            time.sleep(2)
        elapsed = time.monotonic() - t0
        n = int(a.scalar("SELECT count(*) FROM staffd.runs WHERE id > %d AND status = 'succeeded'"
                         " AND finished_at <= now()" % before))
        per_site = a.sql("SELECT site_id, count(*) FROM staffd.runs WHERE id > %d AND status = 'succeeded'"
                         " GROUP BY site_id ORDER BY site_id" % before)
        print("throughput: %d daemon(s), %d sites of %d agents, 1 s plans on 1 thread: %.1f sites "
              "planned per minute (per site: %s) (load %.1f)"
              % (n_daemons, sites, agents, n * 60.0 / elapsed,
                 ", ".join("%s:%s" % (r[0], r[1]) for r in per_site), load()), flush=True)
        return n * 60.0 / elapsed
    finally:
        c.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--sites", type=int, default=6)
    ap.add_argument("--agents", type=int, default=60)
    args = ap.parse_args()
    pgdir = tempfile.mkdtemp(prefix="staffd-bench-sites-pg-")
    port = harness.free_port()
    subprocess.run(["sh", os.path.join(REPO, "tools", "pg.sh"), "start", pgdir, str(port)], check=True)
    os.environ.update({"PGHOST": pgdir, "PGPORT": str(port), "PGUSER": "postgres", "PGDATABASE": "postgres"})
    try:
        failover(args.trials)
        for n in (1, 2, 3):
            throughput(n, args.sites, args.seconds, args.agents)
    finally:
        subprocess.run(["sh", os.path.join(REPO, "tools", "pg.sh"), "stop", pgdir])
        subprocess.run(["rm", "-rf", pgdir])


if __name__ == "__main__":
    main()
