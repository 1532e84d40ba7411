#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Sites and several daemons, measured (issue #14): `make bench-sites` (or
BENCH_SITES=1 make bench) runs it; about 30 minutes on 2 cores.

On a PostgreSQL of its own, run as in production (fsync, synchronous_commit and
full_page_writes on), with the plain build. Seeded (--seed, default 1): the
daemons' plan_seed, the site hit in each trial and the demand cell changed.

1. Failover. Three daemons share SITES sites (6: two each). TRIALS times per
   kind, the leader of a site drawn from the seed is killed with -9, loses its
   database session (pg_terminate_backend of its lock connection) or is
   stopped with SIGSTOP; a change to that site is committed at once. Measured
   from the fault: until another session holds the site's lock (new leader),
   and until a run of the site lands (planned; by another daemon, but after a
   lost session, where the victim may win it back on its new session). Median
   and max per kind; failover_seconds is the default (5). After every trial
   (once the killed daemon is back and the sites spread again) the invariants
   of tests/integration/sites_check.py: one leader per site and the daemons'
   /healthz agree, no ex-leader's run landed after its successor's, SEQUENCE
   rose on every change, no overlapping shifts, and a feed of every site
   answered 200 by every daemon up, polled all along.
2. Throughput. SITES sites of AGENTS agents (one queue, three days, demand of
   different shapes), planned by 1, 2 and 3 daemons with plan_threads = 1,
   while every site gets a change every 0.5 s (the planners never run out of
   work): runs landed per minute over SECONDS, ROUNDS rounds of 1, 2, 3
   daemons; medians, and ratios against 1 daemon. Twice: with a fixed amount
   of work per plan (plan_iterations = ITERATIONS; the capacity of the
   machine) and with a fixed time per plan (plan_seconds = 1, as an operator
   sets it: a plan stops after 1 s whatever it got of a core). The invariants
   are checked before and after each window.
3. Rows per publish. What one landed run writes, from pg_stat_user_tables
   (rows inserted + updated + deleted per table) and the WAL it adds: on a
   bench site of (2), and, given --big-site FILE (SQL of tests/bench/site_sql.c,
   a 1,000-agent, 7-queue site planned over 28 days), on that one; each time the
   first publish (every shift new) and one after a change of one demand cell.
4. Notifications. Notifying commits per second PostgreSQL takes with three
   daemons listening (pgbench, 4 clients, 10 s, pg_notify on staffd_changed
   for a site no daemon leads), against the same commits without the notify.

    tests/bench/sites.py [--trials N] [--seconds S] [--rounds R] [--sites K]
                         [--agents A] [--iterations I] [--big-site FILE]
                         [--only failover,throughput,rows,notify] [--seed N]
Prints one line per figure, with the 1-minute load average beside it (the
machine is shared: the load says how much else wanted its cores meanwhile).
Exits 1 if an invariant was violated.
"""
import argparse
import os
import random
import shutil
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
import sites_check  # noqa: E402
from sites_check import SHAPES, leaders, site_sql  # noqa: E402

BINARY = os.path.join(REPO, "build", "plain", "staffd")
SEED = 1  # --seed: the daemons' plan_seed and every choice the bench draws


def load():
    return os.getloadavg()[0]


def median_max(v):
    return "median %5.2f s, max %5.2f s" % (statistics.median(v), max(v)) if v else "no value"


class Cluster:
    """n daemons on one fresh database (the first harness owns it)."""

    def __init__(self, n_daemons, name, **settings):
        self.hs = []
        for i in range(n_daemons):
            h = harness.Harness("bench-%s-%d" % (name, i), horizon_days=3, debounce_ms=100, binary=BINARY)
            h.settings.update({"plan_seconds": 1, "plan_iterations": 0, "plan_threads": 1,
                               "log_level": "notice", "plan_seed": SEED})
            h.settings.update(settings)
            self.hs.append(h)
        self.a = self.hs[0]

    def start(self, sql):
        a = self.a
        a.setup_database()
        a.sql(sql, single_transaction=True)
        for h in self.hs[1:]:
            h.db = a.db
            h.write_config()
        for h in self.hs:
            h.start()
        return a

    def stop(self):
        for h in self.hs[1:]:
            h.kill()
            h.cleanup()
        self.a.cleanup()


def wait_spread(c, n_sites, timeout=60):
    """Every daemon joined, every site led, none leads more than its share."""
    if not sites_check.wait_spread(c.a, n_sites, len(c.hs), timeout):
        raise SystemExit("sites bench: %d sites not spread over %d daemons within %d s: %r"
                         % (n_sites, len(c.hs), timeout, leaders(c.a)))


# ---------------------------------------------------------------------------
# 1. Failover
# ---------------------------------------------------------------------------

def failover(trials, sites, agents):
    """TRIALS faults of each kind, each of the leader of a site drawn from the seed.
    Returns {kind: (seconds to a new leader, seconds to a landed run)} and the
    invariants' problems (sites_check, after every trial)."""
    rng = random.Random(SEED)
    c = Cluster(3, "failover")
    out = {}
    problems = []
    try:
        a = c.start("".join(site_sql(s, agents + 5 * (s % 3)) for s in range(1, sites + 1)))
        wait_spread(c, sites)
        a.wait_quiet(quiet=1.0, timeout=120)
        check = sites_check.SitesCheck(a)
        problems += ["before the trials: " + p for p in check.step(c.hs)]
        poller = sites_check.FeedPoller(c.hs, sites_check.site_feeds(a)).start()
        cell = 0
        try:
            for kind in ("kill", "session", "stop"):
                lead_t, plan_t, loads = [], [], []
                for trial in range(trials):
                    site = rng.randint(1, sites)
                    cell = (cell + rng.randint(1, 3 * 96 - 1)) % (3 * 96)
                    lead = leaders(a)
                    old = lead[site]
                    i = next((k for k, h in enumerate(c.hs) if sites_check.session_of(h) == old), None)
                    if i is None:
                        raise SystemExit("sites bench: no daemon's session %d leads site %d" % (old, site))
                    victim = c.hs[i]
                    before = a.max_run_id()
                    check.fault(old)
                    if kind != "session":
                        poller.down(i)
                    t0 = time.monotonic()
                    if kind == "kill":
                        victim.proc.kill()
                        victim.proc.wait()
                    elif kind == "stop":
                        victim.proc.send_signal(signal.SIGSTOP)
                    else:
                        a.sql("SELECT pg_terminate_backend(%d)" % old)
                    a.sql(sites_check.change_sql(site, cell))
                    t_lead = t_plan = None
                    while time.monotonic() - t0 < 30 and t_plan is None:
                        now = time.monotonic()
                        if t_lead is None and leaders(a).get(site, old) != old:
                            t_lead = now - t0
                        landed = a.sql("SELECT backend_pid FROM staffd.runs WHERE site_id = %d AND id > %d"
                                       " AND status = 'succeeded'" % (site, before))
                        if landed:
                            if kind != "session" and int(landed[0][0]) == old:
                                problems.append("%s trial %d: a run of the stopped leader of site %d landed"
                                                % (kind, trial, site))
                            t_plan = now - t0
                            if t_lead is None:
                                t_lead = t_plan
                        time.sleep(0.02)
                    lead_t.append(t_lead if t_lead is not None else float("inf"))
                    plan_t.append(t_plan if t_plan is not None else float("inf"))
                    loads.append(load())
                    if kind == "stop":
                        victim.proc.send_signal(signal.SIGCONT)
                        victim.wait_connected(30)
                        poller.up(i)
                    elif kind == "kill":
                        victim.start()
                        poller.up(i)
                    wait_spread(c, sites)
                    a.wait_quiet(quiet=0.5, timeout=120)
                    found = check.step(c.hs) + poller.take_failures()
                    problems += ["%s trial %d (site %d): %s" % (kind, trial, site, p) for p in found]
                over = sum(1 for x in plan_t if x > 10)
                print("failover after %-7s %2d trials (3 daemons, %d sites): new leader %s; planned %s;"
                      " over 10 s: %d (load %.1f-%.1f)"
                      % (kind, len(plan_t), sites, median_max(lead_t), median_max(plan_t), over,
                         min(loads), max(loads)), flush=True)
                out[kind] = (lead_t, plan_t)
        finally:
            poller.stop()
        print("failover invariants, checked after each of %d trials (one leader per site, no ex-leader's run"
              " after its successor's, SEQUENCE rises on every change, no overlaps, %d feed answers from every"
              " daemon up): %s" % (3 * trials, poller.answers,
                                   "all held" if not problems else "VIOLATED"), flush=True)
        # A violation stays in the tables: each is reported at the first trial that saw it.
        seen = set()
        for p in problems:
            what = p.split(": ", 1)[-1]
            if what not in seen:
                seen.add(what)
                print("    " + p, flush=True)
        return out, problems
    finally:
        c.stop()


# ---------------------------------------------------------------------------
# 2. Throughput
# ---------------------------------------------------------------------------

class Driver:
    """One psql session that changes every site's demand every `every` seconds."""

    def __init__(self, db, every=0.5):
        self.p = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                                  env=harness.psql_env(db))
        self.every = every
        self.k = 0

    def tick(self):
        # A cell of the second or third day, one per queue (so one change of every site).
        cell = 96 + (self.k * 7) % 192
        self.k += 1
        self.p.stdin.write("UPDATE staffd.demand SET contacts = CASE WHEN contacts > 40 THEN contacts - 5"
                           " ELSE contacts + 5 END WHERE interval_start = %s + interval '%d minutes';\n"
                           % (harness.HORIZON_START, cell * 15))
        self.p.stdin.flush()

    def close(self):
        self.p.stdin.close()
        self.p.wait(30)


def throughput(n_daemons, sites, seconds, agents, mode, iterations):
    settings = ({"plan_iterations": iterations} if mode == "work" else {"plan_seconds": 1, "plan_iterations": 0})
    c = Cluster(n_daemons, "tp%d" % n_daemons, **settings)
    try:
        a = c.start("".join(site_sql(s, agents, SHAPES[(s - 1) % len(SHAPES)]) for s in range(1, sites + 1)))
        wait_spread(c, sites)
        a.wait_quiet(quiet=1.0, timeout=300)
        check = sites_check.SitesCheck(a)
        problems = check.step(c.hs)
        d = Driver(a.db)
        try:
            # A few seconds of changes before the window: every planner busy.
            t_end = time.monotonic() + 3
            while time.monotonic() < t_end:
                d.tick()
                time.sleep(d.every)
            l0 = load()
            t0 = a.scalar("SELECT clock_timestamp()")
            m0 = time.monotonic()
            while time.monotonic() - m0 < seconds:
                d.tick()
                time.sleep(d.every)
            t1 = a.scalar("SELECT clock_timestamp()")
            l1 = load()
        finally:
            d.close()
        a.wait_quiet(quiet=1.0, timeout=300)
        problems += check.step(c.hs)
        for p in problems:
            print("    throughput, %d daemon(s): INVARIANT VIOLATED: %s" % (n_daemons, p), flush=True)
        window = "status = 'succeeded' AND finished_at > %s AND finished_at <= %s" % (harness.lit(t0),
                                                                                      harness.lit(t1))
        elapsed = float(a.scalar("SELECT extract(epoch FROM %s::timestamptz - %s::timestamptz)"
                                 % (harness.lit(t1), harness.lit(t0))))
        n = int(a.scalar("SELECT count(*) FROM staffd.runs WHERE " + window))
        per_site = a.sql("SELECT site_id, count(*) FROM staffd.runs WHERE %s GROUP BY 1 ORDER BY 1" % window)
        took = [float(r[0]) for r in a.sql("SELECT extract(epoch FROM finished_at - started_at)"
                                           " FROM staffd.runs WHERE " + window)]
        other = a.sql("SELECT status, count(*) FROM staffd.runs WHERE status NOT IN ('succeeded', 'running')"
                      " GROUP BY 1 ORDER BY 1")
        rate = n * 60.0 / elapsed
        print("throughput, fixed %-4s: %d daemon(s), %d sites: %6.1f sites planned per minute, a run"
              " taking median %.2f s (runs per site: %s%s) (load %.1f-%.1f)"
              % ("work" if mode == "work" else "time", n_daemons, sites, rate,
                 statistics.median(took) if took else float("nan"),
                 " ".join(r[1] for r in per_site),
                 "; not landed: " + ", ".join("%s %s" % (r[0], r[1]) for r in other) if other else "",
                 l0, l1), flush=True)
        return rate, problems
    finally:
        c.stop()


# ---------------------------------------------------------------------------
# 3. Rows per publish
# ---------------------------------------------------------------------------

STAT_SQL = ("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables"
            " WHERE schemaname = 'staffd' ORDER BY relname")


def stats(a):
    """Rows written per staffd table, once the daemon's backend has flushed its counters
    (it does when idle, at most a second apart: wait until two reads a second apart agree)."""
    last = None
    for _ in range(30):
        now = {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in a.sql(STAT_SQL)}
        if now == last:
            return now
        last = now
        time.sleep(1.2)
    return last


def wal(a):
    return int(a.scalar("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn"))


def one_publish(a, change_sql):
    """Runs change_sql (None: nothing, the first run comes by itself), waits for the run
    it causes, returns (run row, {table: rows written}, WAL bytes)."""
    before = a.max_run_id()
    s0, w0 = stats(a), wal(a)
    if change_sql:
        a.sql(change_sql)
    a.wait_run_after(before, timeout=600)
    a.wait_quiet(quiet=1.5, timeout=600)
    s1, w1 = stats(a), wal(a)
    run = a.sql("SELECT id, shifts_scheduled, shifts_changed FROM staffd.runs WHERE id > %d"
                " AND status = 'succeeded' ORDER BY id LIMIT 1" % before)[0]
    rows = {}
    for t, v in s1.items():
        o = s0.get(t, (0, 0, 0))
        n = sum(v) - sum(o)
        if n and t != "demand":  # the change itself
            rows[t] = n
    return run, rows, w1 - w0


def rows_line(what, run, rows, walb):
    total = sum(rows.values())
    return ("rows per publish, %s: run %s (%s shifts, %s changed): %d rows written (%s), WAL %.1f MB"
            " (load %.1f)" % (what, run[0], run[1], run[2], total,
                              ", ".join("%s %d" % kv for kv in sorted(rows.items(), key=lambda kv: -kv[1])),
                              walb / 1e6, load()))


def rows_per_publish(agents, big_site):
    c = Cluster(1, "rows", log_level="warning")
    try:
        a = c.a
        a.setup_database()
        a.sql(site_sql(1, agents, SHAPES[0]), single_transaction=True)
        # Not started yet: the first run is measured too.
        s0 = stats(a)
        w0 = wal(a)
        a.start()
        a.wait_run_after(0, timeout=120)
        a.wait_quiet(quiet=1.5, timeout=120)
        s1, w1 = stats(a), wal(a)
        run = a.sql("SELECT id, shifts_scheduled, shifts_changed FROM staffd.runs WHERE status = 'succeeded'"
                    " ORDER BY id LIMIT 1")[0]
        rows = {t: sum(v) - sum(s0.get(t, (0, 0, 0))) for t, v in s1.items()}
        print(rows_line("bench site (%d agents, 1 queue, 3 days), first" % agents, run,
                        {t: n for t, n in rows.items() if n}, w1 - w0), flush=True)
        change = ("UPDATE staffd.demand SET contacts = contacts + 5 WHERE interval_start = %s"
                  " + interval '1 day 12 hours'" % harness.HORIZON_START)
        print(rows_line("bench site, after one demand cell changed", *one_publish(a, change)), flush=True)
    finally:
        c.stop()
    if not big_site:
        return
    # The generated site starts on Monday 2 March 2026, planned as of 08:00 that day (as console.sh).
    c = Cluster(1, "rows-big", log_level="warning", horizon_days=28, clock="2026-03-02T08:00:00Z",
                plan_seconds=5, plan_threads=2)
    try:
        a = c.a
        a.setup_database()
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", big_site], check=True,
                       env=harness.psql_env(a.db), stdout=subprocess.DEVNULL)
        desc = a.sql("SELECT (SELECT count(*) FROM staffd.agents), (SELECT count(*) FROM staffd.queues)")[0]
        s0, w0 = stats(a), wal(a)
        a.start()
        a.wait_run_after(0, timeout=600)
        a.wait_quiet(quiet=1.5, timeout=600)
        s1, w1 = stats(a), wal(a)
        run = a.sql("SELECT id, shifts_scheduled, shifts_changed FROM staffd.runs WHERE status = 'succeeded'"
                    " ORDER BY id LIMIT 1")[0]
        rows = {t: sum(v) - sum(s0.get(t, (0, 0, 0))) for t, v in s1.items()}
        what = "%s-agent site (%s queues, 28 days)" % tuple(desc)
        print(rows_line(what + ", first", run, {t: n for t, n in rows.items() if n}, w1 - w0), flush=True)
        change = ("UPDATE staffd.demand SET contacts = contacts + 5 WHERE queue_id = (SELECT min(id)"
                  " FROM staffd.queues) AND interval_start = timestamptz '2026-03-05 12:00:00+00'")
        print(rows_line(what + ", after one demand cell changed", *one_publish(a, change)), flush=True)
    finally:
        c.stop()


# ---------------------------------------------------------------------------
# 4. Notifications
# ---------------------------------------------------------------------------

def notifications(agents):
    pgbench = shutil.which("pgbench")
    if pgbench is None:
        print("notifications: pgbench is missing (postgresql-client), not measured", flush=True)
        return
    c = Cluster(3, "notify", log_level="warning")
    tmp = tempfile.mkdtemp(prefix="staffd-bench-notify-")
    try:
        a = c.start(site_sql(1, agents, SHAPES[0]))
        wait_spread(c, 1)
        a.wait_quiet(quiet=1.0, timeout=120)
        a.sql("CREATE TABLE public.bench_commits (id int PRIMARY KEY, n bigint NOT NULL);"
              " INSERT INTO public.bench_commits SELECT g, 0 FROM generate_series(1, 4) g")
        # The same write with and without a notification: a notifying commit takes a
        # database-wide lock on the notification queue, so those commits line up.
        scripts = {
            "plain": "\\set id random(1, 4)\nUPDATE public.bench_commits SET n = n + 1 WHERE id = :id;\n",
            "notify": "\\set id random(1, 4)\nUPDATE public.bench_commits SET n = n + 1 WHERE id = :id;\n"
                      "SELECT pg_notify('staffd_changed', 'bench@999999#0');\n",
        }
        tps = {}
        for name, text in scripts.items():
            path = os.path.join(tmp, name + ".sql")
            with open(path, "w") as f:
                f.write(text)
            p = subprocess.run([pgbench, "-n", "-c", "4", "-j", "2", "-T", "10", "-f", path, a.db],
                               env=harness.psql_env(a.db), capture_output=True, text=True)
            line = [x for x in p.stdout.splitlines() if x.startswith("tps")]
            tps[name] = float(line[0].split()[2]) if line else float("nan")
        alive = all(h.alive() for h in c.hs)
        print("notifications: %.0f notifying commits per second with 3 daemons listening, against %.0f"
              " commits of the same write without a notification (ratio %.2f)%s (load %.1f)"
              % (tps["notify"], tps["plain"], tps["notify"] / tps["plain"],
                 "" if alive else "; A DAEMON DIED", load()), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        c.stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--trials", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sites", type=int, default=6)
    ap.add_argument("--agents", type=int, default=60)
    ap.add_argument("--iterations", type=int, default=30000)
    ap.add_argument("--big-site", default="")
    ap.add_argument("--only", default="failover,throughput,rows,notify")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    global SEED
    SEED = args.seed
    parts = set(args.only.split(","))
    if not os.access(BINARY, os.X_OK):
        raise SystemExit("sites bench: %s is not built (make)" % BINARY)
    pgdir = tempfile.mkdtemp(prefix="staffd-bench-sites-pg-")
    port = harness.free_port()
    env = dict(os.environ, PG_SERVER_OPTS="-c fsync=on -c synchronous_commit=on -c full_page_writes=on")
    subprocess.run(["sh", os.path.join(REPO, "tools", "pg.sh"), "start", pgdir, str(port)], check=True, env=env)
    os.environ.update({"PGHOST": pgdir, "PGPORT": str(port), "PGUSER": "postgres", "PGDATABASE": "postgres"})
    print("sites bench: %d cores, PostgreSQL with fsync on; load %.1f at the start" % (os.cpu_count(), load()),
          flush=True)
    try:
        problems = []
        if "failover" in parts:
            _, problems = failover(args.trials, args.sites, args.agents)
        if "throughput" in parts:
            for mode in ("work", "time"):
                rates = {1: [], 2: [], 3: []}
                # Rounds of 1, 2, 3 daemons one after the other: what else loads the
                # machine meanwhile falls on all three alike.
                for r in range(args.rounds):
                    for n in (1, 2, 3):
                        rate, found = throughput(n, args.sites, args.seconds, args.agents, mode, args.iterations)
                        rates[n].append(rate)
                        problems += found
                med = {n: statistics.median(v) for n, v in rates.items()}
                print("throughput, fixed %s, median of %d rounds: %.1f / %.1f / %.1f sites planned per minute"
                      " with 1 / 2 / 3 daemons; 2 daemons / 1: %.2f, 3 daemons / 1: %.2f, 3 / 2: %.2f"
                      " (per round 3 / 1: %s)"
                      % (mode, args.rounds, med[1], med[2], med[3], med[2] / med[1], med[3] / med[1],
                         med[3] / med[2], " ".join("%.2f" % (c / b) for b, c in zip(rates[1], rates[3]))),
                      flush=True)
        if "rows" in parts:
            rows_per_publish(args.agents, args.big_site)
        if "notify" in parts:
            notifications(args.agents)
        if problems:
            raise SystemExit("sites bench: %d invariant violations (above)" % len(problems))
    finally:
        subprocess.run(["sh", os.path.join(REPO, "tools", "pg.sh"), "stop", pgdir])
        shutil.rmtree(pgdir, ignore_errors=True)


if __name__ == "__main__":
    main()
