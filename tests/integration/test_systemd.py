#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""The shipped unit file: `systemd-analyze verify` is clean and
`systemd-analyze security --offline=true --threshold=20` passes (exposure <= 2.0)."""
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
UNIT = os.path.join(REPO, "systemd", "staffd.service")
failed = 0


def report(name, ok, why=""):
    global failed
    if ok:
        print("PASS: %s" % name)
    else:
        failed += 1
        print("FAIL: %s: %s" % (name, why))


def main():
    with tempfile.TemporaryDirectory() as tmp:
        # verify needs the ExecStart binary to exist: point a copy at /bin/true.
        copy = os.path.join(tmp, "staffd.service")
        with open(UNIT) as f:
            text = f.read()
        with open(copy, "w") as f:
            f.write(text.replace("/usr/local/bin/staffd", "/bin/true"))
        p = subprocess.run(["systemd-analyze", "verify", copy], capture_output=True, text=True)
        report("systemd_unit_verifies", p.returncode == 0 and not p.stderr.strip(),
               (p.stdout + p.stderr).strip()[-500:])
    p = subprocess.run(["systemd-analyze", "security", "--offline=true", "--threshold=20", UNIT],
                       capture_output=True, text=True)
    m = re.search(r"Overall exposure level for staffd.service: ([0-9.]+)", p.stdout + p.stderr)
    report("systemd_unit_exposure_at_most_2", p.returncode == 0 and m is not None and float(m.group(1)) <= 2.0,
           "exit %d, %s" % (p.returncode, m.group(0) if m else (p.stdout + p.stderr)[-300:]))
    report("systemd_unit_is_type_notify_with_watchdog_and_reload",
           re.search(r"^Type=notify$", text, re.M) is not None
           and re.search(r"^WatchdogSec=", text, re.M) is not None
           and re.search(r"^ExecReload=/bin/kill -HUP \$MAINPID$", text, re.M) is not None,
           "Type=notify, WatchdogSec= and ExecReload= expected")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
