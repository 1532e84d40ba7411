#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Two daemons on one database, one site (issue #14's defect).

Before leadership, both daemons planned and both wrote: each change cost two
runs, shift updates doubled, SEQUENCEs were not raised and runs failed on a
coverage_pkey duplicate. Now exactly one daemon plans: N changes cost N runs,
every one of them succeeds, and every change of a shift raises its SEQUENCE.
Only what every schema since the first has (runs, shifts) is read, so the
test runs against a daemon from before sites too, and fails there.
"""
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402

CHANGES = 6


def main():
    t = harness.Tests()
    a = harness.Harness("two-a", horizon_days=3, debounce_ms=100)
    b = harness.Harness("two-b", horizon_days=3, debounce_ms=100)
    for h in (a, b):
        h.settings["plan_iterations"] = 2000
    st = {}

    def body():
        def start():
            a.setup_database()
            st["fx"] = a.load_fixture(days=3)
            b.db = a.db
            b.write_config()
            a.start()
            b.start()
            a.wait_succeeded_runs(1, timeout=60)
            a.wait_quiet(quiet=1.5, timeout=60)
        t.case("two_daemons_start", start)

        def one_run_per_change():
            before = a.max_run_id()
            seq_before = {r[0]: (int(r[1]), r[2], r[3], r[4]) for r in a.sql(
                "SELECT id, sequence, starts, ends, status FROM staffd.shifts")}
            for i in range(CHANGES):
                a.sql("UPDATE staffd.demand SET contacts = contacts + 1 WHERE queue_id = %d AND contacts < 60"
                      % st["fx"].queues["chat-en"])
                a.wait_quiet(quiet=1.0, timeout=60)
            runs = a.sql("SELECT id, status, coalesce(message, '') FROM staffd.runs WHERE id > %d"
                         " AND status <> 'running' ORDER BY id" % before)
            require(len(runs) == CHANGES, "%d changes gave %d runs (want %d): %r"
                    % (CHANGES, len(runs), CHANGES, runs[:4]))
            bad = [r for r in runs if r[1] != "succeeded"]
            require(not bad, "runs that did not succeed: %r" % bad[:3])
            # Every shift whose content changed has a higher SEQUENCE.
            for sid, seq, starts, ends, status in a.sql(
                    "SELECT id, sequence, starts, ends, status FROM staffd.shifts"):
                old = seq_before.get(sid)
                if old is not None and (old[1], old[2], old[3]) != (starts, ends, status):
                    require(int(seq) > old[0], "shift %s changed without a higher SEQUENCE" % sid)
        t.case("two_daemons_each_change_is_planned_once", one_run_per_change, after=["two_daemons_start"])

        def stop():
            a.stop(timeout=10)
            b.stop(timeout=10)
        t.case("two_daemons_stop_cleanly", stop, after=["two_daemons_start"])

    try:
        harness.main_guard(t, a, body)
    finally:
        b.cleanup()


if __name__ == "__main__":
    main()
