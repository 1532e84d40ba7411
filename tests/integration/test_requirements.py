#!/usr/bin/python3
# SPDX-License-Identifier: ISC
"""`staffd requirements`: the published worked examples from a CSV, the inverse
question (--agents), clear errors for bad rows, and a queue's forecast read from
the database with the queue's own parameters."""
import calendar
import csv
import io
import os
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import require  # noqa: E402


def rows(out):
    return list(csv.DictReader(io.StringIO(out)))


def parse_utc(text):
    return calendar.timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ"))


def format_utc(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


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

        # One model per channel: the command and the daemon agree, interval by interval.
        def agrees_with_daemon():
            day = "date_trunc('day', '%s'::timestamptz AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' + interval '1 day'" \
                % harness.TEST_NOW
            h.sql("""
INSERT INTO staffd.queues (name, channel, service_level, target_seconds, shrinkage, assistant_share,
                           escalated_aht_seconds) VALUES ('voice-c', 'voice', 0.8, 20, 0.3, 0.3, 400);
INSERT INTO staffd.queues (name, channel, service_level, target_seconds, patience_seconds, max_occupancy)
    VALUES ('voice-a', 'voice', 0.9, 30, 120, 0.9);
INSERT INTO staffd.queues (name, channel, service_level, target_seconds, concurrency, shrinkage)
    VALUES ('chat', 'chat', 0.8, 60, 2, 0.25);
INSERT INTO staffd.queues (name, channel, target_seconds, max_occupancy, shrinkage)
    VALUES ('email', 'email', 14400, 0.9, 0.2);
INSERT INTO staffd.demand (queue_id, interval_start, interval_minutes, contacts, aht_seconds, assistant_share)
SELECT q.id, %(day)s + v.at * interval '1 minute', v.len, v.contacts, v.aht, v.share
FROM staffd.queues q, (VALUES
    ('voice-c', 480, 15, 40, 300, NULL), ('voice-c', 495, 15, 45, 280, 0.5), ('voice-c', 510, 30, 95, 280, NULL),
    ('voice-c', 540, 60, 230, 310, NULL),
    ('voice-a', 480, 60, 150, 240, NULL), ('voice-a', 540, 15, 12, 200, NULL), ('voice-a', 600, 30, 3, 600, NULL),
    ('chat', 480, 15, 30, 420, NULL), ('chat', 495, 15, 55, 400, 0.2), ('chat', 510, 30, 20, 500, NULL),
    ('email', 480, 15, 60, 360, NULL), ('email', 540, 60, 200, 300, NULL), ('email', 600, 30, 10, 900, 0.4)
) AS v(queue, at, len, contacts, aht, share)
WHERE q.name = v.queue""" % {"day": day}, single_transaction=True)
            h.start()
            h.wait_succeeded_runs(1, timeout=30)
            h.stop()
            daemon = {}
            for name, start, required in h.sql(
                    "SELECT q.name, to_char(c.interval_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                    " c.required FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id"):
                daemon[(name, start)] = float(required)
            compared = 0
            for name, length in (("voice-c", None), ("voice-a", None), ("chat", None), ("email", 15)):
                p = h.command(["requirements", "-c", h.conf, "--queue", name])
                require(p.returncode == 0, "%s: exit %d: %s" % (name, p.returncode, p.stderr))
                out = rows(p.stdout)
                require(out, "%s: no rows" % name)
                lengths = {r[0]: int(r[1]) for r in h.sql(
                    "SELECT to_char(d.interval_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
                    " d.interval_minutes FROM staffd.demand d JOIN staffd.queues q ON q.id = d.queue_id"
                    " WHERE q.name = '%s'" % name)}
                for r in out:
                    start = r["interval_start"]
                    minutes = length or lengths[start]
                    t0 = parse_utc(start)
                    for k in range(minutes // 15):
                        cell = format_utc(t0 + 900 * k)
                        got = daemon.get((name, cell))
                        require(got is not None, "%s %s: no coverage row" % (name, cell))
                        require(abs(got - float(r["scheduled"])) < 1e-9,
                                "%s %s: the daemon requires %s, `staffd requirements` %s (row %s)"
                                % (name, cell, got, r["scheduled"], r))
                        compared += 1
                # Every interval the daemon asks people for is one the command printed.
                printed = set()
                for r in out:
                    t0 = parse_utc(r["interval_start"])
                    printed |= {format_utc(t0 + 900 * k)
                                for k in range((length or lengths[r["interval_start"]]) // 15)}
                extra = sorted(c for (q, c), v in daemon.items() if q == name and v > 0 and c not in printed)
                require(not extra, "%s: the daemon requires agents at %s, which the command does not print"
                        % (name, extra[:3]))
            # The assistant's share and escalated AHT reach the command: 40 x 0.7 at 400 s.
            r = rows(h.command(["requirements", "-c", h.conf, "--queue", "voice-c"]).stdout)[0]
            require(abs(float(r["contacts"]) - 28) < 1e-9 and float(r["aht_seconds"]) == 400, "voice-c: %s" % r)
            # Email: queueing columns empty, the work due cleared.
            r = rows(h.command(["requirements", "-c", h.conf, "--queue", "email"]).stdout)
            require(all(x["asa_seconds"] == "" and float(x["service_level"]) == 1 for x in r), "email: %s" % r[:2])
            require(len(r) == (630 - 480) // 15 + 14400 // 900 - 1,
                    "email: %d cells (first row to the last row's work due)" % len(r))
            harness.note("the command and the daemon agree on %d cells over voice (Erlang C and A), chat "
                         "and email" % compared)
        t.case("requirements_one_model_per_channel_as_the_daemon", agrees_with_daemon,
               after=["requirements_from_database_queue"])

        def csv_email():
            path = os.path.join(tmp, "email.csv")
            with open(path, "w") as f:
                f.write("interval_start,contacts,aht_seconds\n08:00,60,360\n08:15,0,360\n08:30,0,360\n08:45,0,360\n")
            p = h.command(["requirements", "--csv", path, "--channel", "email", "--target-seconds", "3600",
                           "--max-occupancy", "1"])
            require(p.returncode == 0, "exit %d: %s" % (p.returncode, p.stderr))
            r = rows(p.stdout)
            # 60 x 360 s over the hour that follows: 5,400 agent-seconds a cell of 900 s = 6 agents each.
            require([x["agents"] for x in r] == ["6", "6", "6", "6"], "email agents %s" % [x["agents"] for x in r])
            p = h.command(["requirements", "--csv", path, "--channel", "fax"])
            require(p.returncode == 2 and "voice, chat or email" in p.stderr, "got %r" % p.stderr)
            p = h.command(["requirements", "--csv", path, "--site", "1"])
            require(p.returncode == 2 and "--site goes with --queue" in p.stderr, "got %r" % p.stderr)
        t.case("requirements_csv_email_workload", csv_email)

    harness.main_guard(t, h, body)


if __name__ == "__main__":
    main()
