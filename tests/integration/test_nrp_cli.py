#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""`staffd nrp` end to end on the real binary: a benchmark instance solved to its
known optimum and written out, the written solution judged by the independent
checker (and a broken one refused), the LP relaxation's bound, and clear errors
for bad options. No database is involved."""
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402

INSTANCE = os.path.join(harness.REPO, "tests", "data", "nrp", "Instance3.txt")


def staffd(args, timeout=120):
    binary = os.environ.get("STAFFD_BIN") or os.path.join(harness.REPO, "build", "staffd")
    return subprocess.run([binary, "nrp"] + args, capture_output=True, text=True, timeout=timeout)


def field(out, prefix):
    for line in out.splitlines():
        if line.startswith(prefix):
            return line[len(prefix):].strip()
    raise harness.TestFailure("no line starting %r in %r" % (prefix, out))


def main():
    t = harness.Tests()
    tmp = tempfile.mkdtemp(prefix="staffd-nrp-")
    sol = os.path.join(tmp, "solution.txt")

    def solve():
        # Instance 3's LP bound equals its best known value, 1001: the LP thread's dive reaches it.
        p = staffd([INSTANCE, "--seconds", "8", "--seed", "5", "--solution-out", sol])
        require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
        require(field(p.stdout, "objective ") == "1001", "objective: %s" % p.stdout)
        require(field(p.stdout, "hard violations ") == "0", p.stdout)
        require(os.path.getsize(sol) > 0, "no solution written")
        # Branch and price proves 1001 optimal at its root and the run ends there, not at 8 s.
        bp = field(p.stdout, "branch and price: ")
        require(bp.endswith("optimal (the run ended early)"), bp)
        seconds = float(field(p.stdout, "engine objective ").split(",")[-1].split()[0])
        require(seconds < 8, "the run went on for %.2f s after the proof" % seconds)
    t.case("nrp_solves_instance3_to_its_optimum", solve)

    def no_branch():
        p = staffd([INSTANCE, "--seconds", "4", "--seed", "5", "--no-branch"])
        require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
        require(field(p.stdout, "objective ") == "1001", "objective: %s" % p.stdout)
        require("branch and price" not in p.stdout, p.stdout)
        # The root converges at once: the other thread's segment bests join the two threads' bests.
        pooled = field(p.stdout, "recombined ").split()[0]
        require(int(pooled) > 2, "recombined only %s rosters" % pooled)
    t.case("nrp_no_branch_recombines_the_pool", no_branch)

    def check():
        p = staffd([INSTANCE, "--check", sol])
        require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
        require(field(p.stdout, "objective ") == "1001", p.stdout)
        # Two shifts on one staff member's first day break rule 1 (one shift per day).
        with open(sol) as f:
            lines = f.read().splitlines()
        broken = os.path.join(tmp, "broken.txt")
        with open(broken, "w") as f:
            f.write("\n".join(lines + lines[-1:]) + "\n")
        p = staffd([INSTANCE, "--check", broken])
        require(p.returncode in (1, 2), "a duplicated line was accepted: exit %d %s" % (p.returncode, p.stdout))
    t.case("nrp_check_judges_the_written_solution", check, after=["nrp_solves_instance3_to_its_optimum"])

    def lp():
        lp_sol = os.path.join(tmp, "lp_solution.txt")
        p = staffd([INSTANCE, "--lp", "--seconds", "10", "--solution-out", lp_sol])
        require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
        line = field(p.stdout, "lp value ")
        require("lower bound 1001.00 (converged)" in line, line)
        require(field(p.stdout, "dive objective ").startswith("1001,"), p.stdout)
        bp = field(p.stdout, "branch and price objective ")
        require(bp.startswith("1001,") and bp.endswith("optimal"), bp)
        # The LP's roster is written too, and the checker judges it as the LP said.
        p = staffd([INSTANCE, "--check", lp_sol])
        require(p.returncode == 0 and field(p.stdout, "objective ") == "1001", p.stdout + p.stderr)
    t.case("nrp_lp_bound_and_dive", lp)

    def errors():
        p = staffd([INSTANCE, "--lp-share", "2"])
        require(p.returncode == 2 and "--lp-share" in p.stderr, "exit %d: %r" % (p.returncode, p.stderr))
        p = staffd([os.path.join(tmp, "missing.txt")])
        require(p.returncode == 2 and "missing.txt" in p.stderr, "exit %d: %r" % (p.returncode, p.stderr))
    t.case("nrp_bad_options_and_files_named", errors)

    def help_text():
        p = staffd(["--help"])
        require(p.returncode == 0 and p.stderr == "", "exit %d: %r" % (p.returncode, p.stderr))
        for opt in ("--seconds", "--iterations", "--seed", "--threads", "--lp-share", "--no-branch",
                    "--solution-out",
                    "--trace", "--lp ", "--check", "--write-lp", "Exit status"):
            require(opt in p.stdout, "%s not in --help" % opt)
    t.case("nrp_help", help_text)

    t.finish()


if __name__ == "__main__":
    main()
