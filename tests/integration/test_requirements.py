#!/usr/bin/python3
"""`staffd requirements`: the published worked examples from a CSV, the inverse
question (--agents), clear errors for bad rows, and a queue's forecast read from
the database with the queue's own parameters."""
import csv
import io
import os
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402


def rows(out):
    return list(csv.DictReader(io.StringIO(out)))


def main():
    t = harness.Tests()
    h = harness.Harness("requirements", horizon_days=2, debounce_ms=100)

    def body():
        tmp = tempfile.mkdtemp(prefix="staffd-req-")
        path = os.path.join(tmp, "intervals.csv")
        with open(path, "w") as f:
            f.write("interval_start,contacts,aht_seconds\n09:00,100,180\n09:30,0,180\n")

        def worked():
            # 100 calls per 30 min at 180 s = 10 Erlangs; 80 % in 20 s: 14 agents, 20 with 30 % shrinkage.
            p = h.command(["requirements", "--csv", path, "--interval-minutes", "30", "--shrinkage", "0.3"])
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
            r = rows(p.stdout)
            require(len(r) == 2, "%d rows" % len(r))
            require(r[0]["agents"] == "14" and r[0]["scheduled"] == "20", "got %s" % r[0])
            require(abs(float(r[0]["traffic_erlangs"]) - 10) < 1e-9, "traffic %s" % r[0]["traffic_erlangs"])
            require(float(r[0]["service_level"]) >= 0.8, "service level %s below target" % r[0]["service_level"])
            require(r[1]["agents"] == "0" and r[1]["scheduled"] == "0", "zero demand needs %s" % r[1])
            p = h.command(["requirements", "--csv", path, "--interval-minutes", "30", "--shrinkage", "0.3",
                           "--max-occupancy", "0.7"])
            r = rows(p.stdout)
            require(r[0]["agents"] == "15" and r[0]["scheduled"] == "22", "with the 0.70 cap got %s" % r[0])
        t.case("requirements_csv_worked_examples", worked)

        def inverse():
            p = h.command(["requirements", "--csv", path, "--interval-minutes", "30", "--agents", "13"])
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
            r = rows(p.stdout)
            sl13 = float(r[0]["service_level"])
            p = h.command(["requirements", "--csv", path, "--interval-minutes", "30", "--agents", "14"])
            sl14 = float(rows(p.stdout)[0]["service_level"])
            require(sl13 < 0.8 <= sl14, "13 agents give %.4f, 14 give %.4f" % (sl13, sl14))
        t.case("requirements_inverse_service_level_for_n_agents", inverse)

        def bad():
            bad_path = os.path.join(tmp, "bad.csv")
            with open(bad_path, "w") as f:
                f.write("interval_start,contacts,aht_seconds\n09:00,-5,180\n09:15,ten,180\n09:30,10,180\n")
            p = h.command(["requirements", "--csv", bad_path])
            require(p.returncode != 0, "bad rows accepted")
            require(":2:" in p.stderr and ":3:" in p.stderr, "errors do not name the lines: %r" % p.stderr)
            require(len(rows(p.stdout)) == 1, "the good row was not still computed: %r" % p.stdout)
            p = h.command(["requirements"])
            require(p.returncode == 2 and "--queue" in p.stderr, "usage error expected: %r" % p.stderr)
        t.case("requirements_bad_rows_named_and_skipped", bad)

        def line_ends_and_long_lines():
            # A file saved with CR line ends: every row, not only the first
            # (the old reader cut each line at its first CR and dropped the rest).
            cr_path = os.path.join(tmp, "cr.csv")
            with open(cr_path, "w", newline="") as f:
                f.write("interval_start,contacts,aht_seconds\r09:00,100,180\r09:30,0,180\r")
            p = h.command(["requirements", "--csv", cr_path, "--interval-minutes", "30"])
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
            r = rows(p.stdout)
            require([x["interval_start"] for x in r] == ["09:00", "09:30"], "rows %r" % r)
            # A long bad line is one bad line: the old reader read 1,023 bytes at a
            # time and took the line's tail for a row of its own.
            long_path = os.path.join(tmp, "long.csv")
            junk = "x" * 1019 + ",1,60" + "x" * 3000 + ",7,60"
            with open(long_path, "w") as f:
                f.write("09:00,1,60\n" + junk + "\n09:30,2,60\n")
            p = h.command(["requirements", "--csv", long_path])
            require(p.returncode == 1 and ":2:" in p.stderr, "exit %d: %r" % (p.returncode, p.stderr))
            r = rows(p.stdout)
            require([x["interval_start"] for x in r] == ["09:00", "09:30"], "rows %r" % r)
        t.case("requirements_csv_line_ends_and_long_lines", line_ends_and_long_lines)

        def from_db():
            h.setup_database()
            h.sql("""INSERT INTO staffd.queues (name, channel, service_level, target_seconds, shrinkage)
                     VALUES ('voice-x', 'voice', 0.8, 20, 0.3);
                     INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds)
                     SELECT id, '2030-01-07 09:00+00', 30, 100, 180 FROM staffd.queues WHERE name = 'voice-x'""")
            p = h.command(["requirements", "-c", h.conf, "--queue", "voice-x"])
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
            r = rows(p.stdout)
            require(len(r) == 1 and r[0]["agents"] == "14" and r[0]["scheduled"] == "20", "got %s" % r)
            require(r[0]["interval_start"] == "2030-01-07T09:00:00Z", "interval %s" % r[0]["interval_start"])
            p = h.command(["requirements", "-c", h.conf, "--queue", "nope"])
            require(p.returncode != 0 and "no queue named 'nope'" in p.stderr, "got %r" % p.stderr)
        t.case("requirements_from_database_queue", from_db)

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
