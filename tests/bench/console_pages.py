#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""Times the console's pages (tests/bench/console.sh): signs in with a link,
then requests each page ROUNDS times over one keep-alive connection and prints
per page the median time to the first byte (the server builds a page whole
before it sends a byte, so this is its server time plus a loopback round
trip), the median time to the last byte, and the page's weight.

    console_pages.py PORT SIGN_IN_LINK ROUNDS AGENT_ID
"""
import http.client
import re
import statistics
import sys
import time
import urllib.parse

port, link = int(sys.argv[1]), sys.argv[2]
rounds, agent = int(sys.argv[3]), int(sys.argv[4])
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)


def get(path, headers=None, body=None, method="GET"):
    t0 = time.perf_counter()
    conn.request(method, path, body=body, headers=headers or {})
    r = conn.getresponse()
    t1 = time.perf_counter()
    data = r.read()
    t2 = time.perf_counter()
    return r, data, t1 - t0, t2 - t0


r, data, _, _ = get(urllib.parse.urlsplit(link).path)
pre = r.getheader("set-cookie").split(";")[0]
html = data.decode()
form = urllib.parse.urlencode({"token": re.search(r'name="token" value="([^"]+)"', html).group(1),
                               "csrf": re.search(r'name="csrf" value="([^"]+)"', html).group(1)})
r, data, _, _ = get("/console/signin", {"Cookie": pre, "Content-Type": "application/x-www-form-urlencoded"},
                    form, "POST")
assert r.status == 303, r.status
cookie = [v for k, v in r.getheaders() if k.lower() == "set-cookie"][0].split(";")[0]
pages = [("overview", "/console/"), ("coverage", "/console/coverage?queue=1"),
         ("coverage, one day", "/console/coverage?queue=1&day=2026-03-10"),
         ("schedule, 7 days x 50 agents", "/console/schedule?day=2026-03-09&days=7"),
         ("schedule, who works Sunday", "/console/schedule?day=2026-03-08&days=1&working=1"),
         ("agent", "/console/agents/%d" % agent), ("fairness, 1,000 agents", "/console/fairness"),
         ("hiring", "/console/hiring"), ("shifts.csv (download)", "/console/csv/shifts.csv")]
print("%-30s %10s %10s %10s" % ("page", "first byte", "last byte", "weight"))
worst = 0
for name, path in pages:
    ttfb, ttlb = [], []
    for i in range(rounds + 1):
        r, data, a, b = get(path, {"Cookie": cookie})
        assert r.status == 200, (path, r.status)
        if i > 0:  # the first one warms PostgreSQL's caches
            ttfb.append(a)
            ttlb.append(b)
    print("%-30s %7.1f ms %7.1f ms %7.1f kB" % (name, 1000 * statistics.median(ttfb),
                                                1000 * statistics.median(ttlb), len(data) / 1000))
    if not path.endswith(".csv"):
        worst = max(worst, statistics.median(ttfb))
print("slowest page (median to first byte): %.1f ms" % (1000 * worst))
