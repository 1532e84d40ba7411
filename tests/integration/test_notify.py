#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The systemd notify protocol, as systemd sees it: a datagram socket named by
NOTIFY_SOCKET receives READY=1 once the database is connected, STATUS= lines,
WATCHDOG=1 at half of WATCHDOG_USEC, RELOADING=1 then READY=1 on SIGHUP, and
STOPPING=1 on SIGTERM."""
import os
import signal
import socket
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402


def main():
    t = harness.Tests()
    h = harness.Harness("notify", horizon_days=3, debounce_ms=100)
    st = {"msgs": []}

    def drain(sock, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            sock.settimeout(max(0.01, end - time.monotonic()))
            try:
                data = sock.recv(4096)
            except socket.timeout:
                break
            st["msgs"].append((time.monotonic(), data.decode(errors="replace")))

    def body():
        path = os.path.join(h.tmp, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        st["sock"] = sock

        def start():
            h.setup_database()
            h.load_fixture(days=2)
            # 400 ms watchdog: pings expected every 200 ms.
            h.start(prefix=("env", "NOTIFY_SOCKET=" + path, "WATCHDOG_USEC=400000"))
            h.wait_succeeded_runs(1, timeout=15)
            drain(sock, 1.5)
            text = [m for _, m in st["msgs"]]
            require(any("READY=1" in m for m in text), "no READY=1 in %r" % text[:5])
            require(any(m.startswith("STATUS=") or "\nSTATUS=" in m for m in text), "no STATUS= line")
        t.case("notify_ready_and_status_after_connect", start)

        def watchdog():
            pings = [ts for ts, m in st["msgs"] if "WATCHDOG=1" in m]
            require(len(pings) >= 4, "%d WATCHDOG=1 pings in about 1.5 s (expected every 200 ms)" % len(pings))
            gaps = [b - a for a, b in zip(pings, pings[1:])]
            require(max(gaps) < 0.4, "a watchdog gap of %.2f s exceeds WATCHDOG_USEC" % max(gaps))
        t.case("notify_watchdog_at_half_the_interval", watchdog, after=["notify_ready_and_status_after_connect"])

        def reload():
            st["msgs"].clear()
            h.signal(signal.SIGHUP)
            drain(sock, 1.0)
            text = [m for _, m in st["msgs"] if "WATCHDOG=1" not in m]
            i = next((k for k, m in enumerate(text) if "RELOADING=1" in m), None)
            require(i is not None, "no RELOADING=1 after SIGHUP: %r" % text)
            require(any("READY=1" in m for m in text[i:]), "no READY=1 after RELOADING=1: %r" % text)
        t.case("notify_reloading_then_ready_on_sighup", reload, after=["notify_ready_and_status_after_connect"])

        def stopping():
            st["msgs"].clear()
            h.stop(timeout=5)  # SIGTERM; the datagrams stay queued on our socket
            drain(sock, 0.3)
            require(any("STOPPING=1" in m for _, m in st["msgs"]), "no STOPPING=1 on SIGTERM")
        t.case("notify_stopping_on_sigterm", stopping, after=["notify_ready_and_status_after_connect"])

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
