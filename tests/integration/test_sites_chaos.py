#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Three daemons, six sites with different demand, and their leaders hit again
and again (issue #14; the short version make check keeps, tests/bench/sites.py
is the long one that measures).

STEPS steps (STAFFD_TEST_SITES_STEPS, default 6), each on the leader of a site
drawn by a seeded generator (STAFFD_TEST_SITES_SEED, default 1): mostly kill -9
and restart, and once each a lost database session (pg_terminate_backend) and
SIGSTOP / SIGCONT. After each fault a change of that site is committed and
another daemon must plan it (for a lost session any daemon may, the victim
included, on its new session). After every step, once the sites are spread
again, sites_check.SitesCheck: one leader per site and the daemons agree, no
ex-leader's run landed after its successor's, SEQUENCE rises on every change,
no overlapping shifts; and sites_check.FeedPoller: one feed per site fetched
from every daemon that is up (a daemon whose session was cut included), all
the time, each answer a 200 calendar.
"""
import os
import random
import signal
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import sites_check  # noqa: E402
from harness import require  # noqa: E402

SITES = 6
STEPS = int(os.environ.get("STAFFD_TEST_SITES_STEPS") or "6")
SEED = int(os.environ.get("STAFFD_TEST_SITES_SEED") or "1")
KINDS = ["kill", "session", "kill", "stop", "kill", "kill"]


def main():
    t = harness.Tests()
    ds = [harness.Harness("sites-chaos-%d" % i, horizon_days=3, debounce_ms=100) for i in range(3)]
    for d in ds:
        d.settings["plan_iterations"] = 1500
        d.settings["plan_threads"] = 1
        d.settings["failover_seconds"] = 3
    a = ds[0]
    rng = random.Random(SEED)
    st = {}

    def body():
        def start():
            a.setup_database()
            a.sql("".join(sites_check.site_sql(s, 8 + 2 * s) for s in range(1, SITES + 1)),
                  single_transaction=True)
            for d in ds[1:]:
                d.db = a.db
                d.write_config()
            for d in ds:
                d.start()
            require(sites_check.wait_spread(a, SITES, len(ds)),
                    "6 sites not spread over 3 daemons: %r" % sites_check.leaders(a))
            for s in range(1, SITES + 1):
                got, _ = harness.wait_until(lambda s=s: int(a.scalar(
                    "SELECT count(*) FROM staffd.runs WHERE site_id = %d AND status = 'succeeded'" % s)) > 0,
                    harness.scaled(60))
                require(got, "site %d never planned" % s)
            a.wait_quiet(quiet=1.0, timeout=120)
            st["check"] = sites_check.SitesCheck(a)
            problems = st["check"].step(ds)
            require(not problems, "before any fault: " + "; ".join(problems))
            st["poller"] = sites_check.FeedPoller(ds, sites_check.site_feeds(a)).start()
        t.case("sites_chaos_three_daemons_share_six_sites", start)

        def steps():
            check, poller = st["check"], st["poller"]
            cell = 0
            for step in range(STEPS):
                kind = KINDS[step % len(KINDS)]
                site = rng.randint(1, SITES)
                lead = sites_check.leaders(a)
                old = lead.get(site)
                i = next((k for k, d in enumerate(ds) if sites_check.session_of(d) == old), None)
                require(i is not None, "step %d: no daemon's session %s leads site %d" % (step, old, site))
                victim = ds[i]
                before = a.max_run_id()
                check.fault(old)
                if kind == "kill":
                    poller.down(i)
                    victim.proc.kill()
                    victim.proc.wait()
                elif kind == "stop":
                    poller.down(i)
                    victim.signal(signal.SIGSTOP)
                else:
                    a.sql("SELECT pg_terminate_backend(%d)" % old)
                cell = (cell + 37) % (3 * 96)
                a.sql(sites_check.change_sql(site, cell))

                def planned():
                    rows = a.sql("SELECT backend_pid FROM staffd.runs WHERE site_id = %d AND id > %d"
                                 " AND status = 'succeeded'" % (site, before))
                    return rows[0][0] if rows else None
                by, _ = harness.wait_until(planned, harness.scaled(40), interval=0.1)
                require(by, "step %d: site %d not planned again after %s of its leader" % (step, site, kind))
                if kind != "session":
                    require(int(by) != old, "step %d: site %d planned by the %s leader's session %s"
                            % (step, site, kind, by))
                if kind == "stop":
                    victim.signal(signal.SIGCONT)
                    victim.wait_connected(30)
                    poller.up(i)
                elif kind == "kill":
                    victim.start()
                    poller.up(i)
                require(sites_check.wait_spread(a, SITES, len(ds), timeout=40),
                        "step %d: 6 sites not spread over 3 daemons again: %r" % (step, sites_check.leaders(a)))
                a.wait_quiet(quiet=1.0, timeout=120)
                problems = check.step(ds) + poller.take_failures()
                harness.note("step %d: %s of the leader of site %d (%s); planned again by session %s; %d feed"
                             " answers so far" % (step, kind, site, victim.name, by, poller.answers))
                require(not problems, "step %d (%s of site %d's leader): %s"
                        % (step, kind, site, "; ".join(problems[:8])))
            bad = a.sql("SELECT id, site_id, message FROM staffd.runs WHERE status = 'failed'")
            require(not bad, "failed runs: %r" % bad)
        t.case("sites_chaos_leaders_killed_invariants_hold_after_every_step", steps,
               after=["sites_chaos_three_daemons_share_six_sites"])

        def stop():
            st["poller"].stop()
            for d in ds:
                d.stop(timeout=10)
        t.case("sites_chaos_daemons_stop_cleanly", stop, after=["sites_chaos_three_daemons_share_six_sites"])

    try:
        harness.main_guard(t, a, body)
    finally:
        if "poller" in st:
            st["poller"].stop()
        for d in ds[1:]:
            d.cleanup()


if __name__ == "__main__":
    main()
