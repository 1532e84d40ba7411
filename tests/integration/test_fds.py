#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Idle clients cannot starve the database connection (issue #12, finding 5).

The daemon runs with a descriptor limit of 256 (as if the unit's LimitNOFILE
were small) and 400 clients open connections and keep them busy, sending a
header line each second (so the HTTP server's own timeouts do not free them).
The daemon caps its connections below the limit, so while they are held
PostgreSQL can drop the daemon's session and the daemon reconnects at its
first attempt (within 4 s, where the old daemon had no descriptor until the
clients left); the connections over the cap are closed at once and counted;
once the clients go, feeds answer again.
"""
import os
import resource
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402

LIMIT = 256
CLIENTS = 400


def main():
    t = harness.Tests()
    h = harness.Harness("fds", horizon_days=2)
    h.settings["plan_iterations"] = 2000
    st = {"socks": []}

    def body():
        def start():
            soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
            if soft < CLIENTS + 100:
                resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
            h.setup_database()
            fx = h.load_fixture(days=2)
            st["feed"] = h.issue_feed(fx.agents["Astrid Lind"])
            h.start(prefix=["prlimit", "--nofile=%d:%d" % (LIMIT, LIMIT), "--"])
            h.wait_succeeded_runs(1, timeout=60)
            require("at most 192 connections" in h.log_text(),
                    "the daemon did not size its cap from the limit: %s" % h.log_tail(10, joined=True))
        t.case("fds_daemon_starts_with_a_small_limit", start)

        def trickle(stop):
            while not stop.wait(1.0):
                for s in list(st["socks"]):
                    try:
                        s.send(b"X-Slow: 1\r\n")
                    except OSError:
                        pass

        def knock(stop):
            # New clients keep coming: each would take any descriptor that frees up.
            knocks = []
            while not stop.wait(0.005):
                try:
                    knocks.append(socket.create_connection(("127.0.0.1", h.port), timeout=1))
                except OSError:
                    pass
                while len(knocks) > 50:
                    knocks.pop(0).close()
            for k in knocks:
                k.close()

        def hold_and_reconnect():
            for _ in range(CLIENTS):
                s = socket.create_connection(("127.0.0.1", h.port), timeout=5)
                s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                st["socks"].append(s)
            st["stop"] = threading.Event()
            st["thread"] = threading.Thread(target=trickle, args=(st["stop"],), daemon=True)
            st["thread"].start()
            st["knocker"] = threading.Thread(target=knock, args=(st["stop"],), daemon=True)
            st["knocker"].start()
            time.sleep(0.5)
            require(h.alive(), "the daemon died under %d idle connections" % CLIENTS)
            before = h.max_run_id()
            # The session that plans (the daemon also holds a revocation listener and the
            # console's connection): the one that began the last run.
            old = h.scalar("SELECT backend_pid FROM staffd.runs WHERE status = 'succeeded'"
                           " ORDER BY id DESC LIMIT 1")
            require(old, "no database session of the daemon")
            h.sql("SELECT pg_terminate_backend(%s)" % old)
            # A new session, and a run on it, while every idle client still holds on.
            new, _ = harness.wait_until(lambda: h.scalar(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'staffd' AND pid <> %s" % old),
                harness.scaled(4))
            require(new, "the daemon did not reconnect to PostgreSQL with %d busy clients: %s"
                    % (CLIENTS, h.log_tail(5, joined=True)))
            rid = h.wait_run_after(before, timeout=30)
            require(rid > before, "no run after the reconnect")
            require("Too many open files" not in h.log_text(), "the daemon ran out of descriptors")
        t.case("fds_database_reconnects_while_idle_clients_hold_on", hold_and_reconnect,
               after=["fds_daemon_starts_with_a_small_limit"])

        def served_again():
            st["stop"].set()
            st["thread"].join()
            st["knocker"].join()
            for s in st["socks"]:
                s.close()
            st["socks"] = []
            ok, _ = harness.wait_until(lambda: h.get(st["feed"]).status == 200, harness.scaled(10))
            require(ok, "the feed does not answer once the idle clients are gone")
            m = h.get("/metrics").body.decode()
            refused = [line for line in m.splitlines() if line.startswith("staffd_http_connections_refused_total ")]
            require(refused and int(refused[0].split()[1]) >= CLIENTS - 192,
                    "connections over the cap not counted: %r" % refused)
        t.case("fds_feeds_answer_again_and_refusals_are_counted", served_again,
               after=["fds_database_reconnects_while_idle_clients_hold_on"])

        def stop():
            if "stop" in st:
                st["stop"].set()
            for s in st["socks"]:
                s.close()
            h.stop(timeout=10)
        t.case("fds_daemon_stops_cleanly", stop, after=["fds_daemon_starts_with_a_small_limit"])

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
