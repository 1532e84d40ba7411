#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The plain (non-sanitizer) daemon build under valgrind memcheck: start, one
planning run, a few HTTP requests, SIGTERM. Exit code 0 and no definite leaks.
A missing valgrind or binary is a FAIL, never a silent pass.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import TestFailure, require  # noqa: E402

CASES = ["valgrind_available", "valgrind_daemon_starts_and_connects", "valgrind_planning_run_succeeds",
         "valgrind_serves_feed_healthz_metrics", "valgrind_sigterm_exit_code_0", "valgrind_no_definite_leaks"]


def main():
    t = harness.Tests()
    valgrind = shutil.which("valgrind")
    binary = os.environ.get("STAFFD_VALGRIND_BIN") or ""
    if not valgrind or not binary or not os.access(binary, os.X_OK):
        reason = ("valgrind is not installed" if not valgrind else
                  "STAFFD_VALGRIND_BIN %r is not an executable" % binary)
        for name in CASES:
            t.fail(name, reason)
        t.finish()

    h = harness.Harness("valgrind", horizon_days=3, debounce_ms=100, binary=binary)
    vg_log = os.path.join(h.tmp, "valgrind.log")
    prefix = [valgrind, "--leak-check=full", "--errors-for-leak-kinds=definite", "--error-exitcode=99",
              "--show-leak-kinds=definite", "--num-callers=30", "--log-file=" + vg_log]
    st = {}

    def body():
        t.case(CASES[0], lambda: None)

        def start():
            h.setup_database()
            fx = h.load_fixture(days=2)
            h.issue_feeds(fx)
            st["fx"] = fx
            h.start(prefix=prefix, timeout=120)
        t.case(CASES[1], start)
        up = [CASES[1]]

        def run():
            h.wait_succeeded_runs(1, timeout=180)
        t.case(CASES[2], run, after=up)

        def serve():
            fx = st["fx"]
            name = next((n for n in ("Astrid Lind", "Sam Okafor", "Maria Lopez") if n in fx.feeds), None)
            require(name, "no feed URL issued")
            r = h.get(fx.feeds[name], timeout=30)
            require(r.status == 200, "feed HTTP %d" % r.status)
            r2 = h.get(fx.feeds[name], {"If-None-Match": r.header("etag") or '"x"'}, timeout=30)
            require(r2.status in (200, 304), "conditional feed HTTP %d" % r2.status)
            require(h.get("/feeds/NoSuchTokenAtAll.ics", timeout=30).status == 404, "unknown token not 404")
            require(h.get("/healthz", timeout=30).status == 200, "/healthz not 200")
            require(h.get("/metrics", timeout=30).status == 200, "/metrics not 200")
        t.case(CASES[3], serve, after=up)

        def stop():
            require(h.proc is not None, "daemon not started")
            if h.alive():
                h.proc.send_signal(signal.SIGTERM)
            try:
                h.proc.wait(harness.scaled(90))
            except subprocess.TimeoutExpired:
                h.proc.kill()
                h.proc.wait()
                raise TestFailure("still running 90 s after SIGTERM under valgrind (killed)")
            rc = h.proc.returncode
            if rc != 0:
                h.print_log_tail(20)
                harness.note("valgrind log tail:\n" + "\n".join(read(vg_log).splitlines()[-40:]))
            require(rc != 99, "valgrind reported errors (exit 99); see %s" % vg_log)
            require(rc == 0, "exit code %d" % rc)
        t.case(CASES[4], stop, after=up)

        def leaks():
            require(h.proc is not None and h.proc.poll() is not None, "the daemon did not exit")
            text = read(vg_log)
            require(text, "no valgrind log at %s" % vg_log)
            records = re.findall(r"^==\d+== .* definitely lost in loss record .*$", text, re.M)
            summary = re.findall(r"definitely lost: ([\d,]+) bytes in ([\d,]+) blocks", text)
            clean = (not records) and all(s[0] == "0" for s in summary)
            if not clean:
                h.keep_tmp = True
                harness.note("valgrind definite-leak records:\n" + "\n".join(records[:10]))
            require(clean, "%d definite-leak record(s); summary %s; see %s"
                    % (len(records), ["%s bytes in %s blocks" % s for s in summary], vg_log))
            require("ERROR SUMMARY:" in text, "valgrind log has no ERROR SUMMARY (did the daemon exit?)")
        t.case(CASES[5], leaks, after=up)

    harness.main_guard(t, h, body)


def read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


if __name__ == "__main__":
    main()
