#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""GET /api/recruitment: hiring needs and the applicant ranking as JSON, behind
the admin token (only its SHA-256 in the configuration) and off by default."""
import hashlib
import http.client
import json
import os
import signal
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402

TOKEN = "s3cret-admin-token-for-tests"


def main():
    t = harness.Tests()
    h = harness.Harness("api", horizon_days=3, debounce_ms=100)

    def body():
        def start_off():
            h.setup_database()
            h.load_fixture(days=3)
            h.start()
            h.wait_succeeded_runs(1, timeout=15)
            r = harness.http_get(h.port, "/api/recruitment", {"Authorization": "Bearer " + TOKEN})
            require(r.status == 403, "API without admin_token_sha256 answered %d" % r.status)
            require("admin_token_sha256" in r.json().get("error", ""), "error does not say how to enable it")
        t.case("api_off_without_a_configured_token", start_off)

        def enable():
            h.write_config(admin_token_sha256=hashlib.sha256(TOKEN.encode()).hexdigest())
            h.signal(signal.SIGHUP)
            def on():
                r = harness.http_get(h.port, "/api/recruitment", {"Authorization": "Bearer " + TOKEN})
                require(r.status == 200, "HTTP %d" % r.status)
                return r
            r, exc = harness.wait_until(on, harness.scaled(5), interval=0.1)
            require(r, "API not enabled by reload: %s" % exc)
            require(r.header("content-type").startswith("application/json"), "content type %s" % r.header("content-type"))
            doc = r.json()
            require("needs" in doc and "candidates" in doc, "keys %s" % sorted(doc))
            require(TOKEN not in h.log_text(), "the admin token appears in the log")
        t.case("api_answers_with_the_admin_token", enable, after=["api_off_without_a_configured_token"])

        def refused():
            r = harness.http_get(h.port, "/api/recruitment")
            require(r.status == 401, "no token: HTTP %d" % r.status)
            require("bearer" in (r.header("www-authenticate") or "").lower(), "no WWW-Authenticate: Bearer")
            r = harness.http_get(h.port, "/api/recruitment", {"Authorization": "Bearer wrong"})
            require(r.status == 401, "wrong token: HTTP %d" % r.status)
            r = harness.http_get(h.port, "/api/recruitment", {"Authorization": "Basic " + TOKEN})
            require(r.status == 401, "Basic scheme: HTTP %d" % r.status)
            r = harness.http_get(h.port, "/api/nothing", {"Authorization": "Bearer " + TOKEN})
            require(r.status == 404, "unknown API: HTTP %d" % r.status)
            conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=5)
            conn.request("POST", "/api/recruitment", body=b"{}", headers={"Authorization": "Bearer " + TOKEN})
            status = conn.getresponse().status
            conn.close()
            require(status == 405, "POST: HTTP %d" % status)
            require(h.alive(), "the daemon died")
        t.case("api_refuses_without_a_valid_token", refused, after=["api_answers_with_the_admin_token"])

        def stop():
            h.stop(timeout=5)
        t.case("api_daemon_stops_cleanly", stop, after=["api_off_without_a_configured_token"])

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
