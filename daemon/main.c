/* SPDX-License-Identifier: ISC */
/*
 * main.c — the `staffd` command line: picks the subcommand and hands over.
 * Exit status: 0 success, 1 runtime failure, 2 usage or configuration error.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "migrate.h"

#define STAFFD_VERSION "0.1.0"

static const char usage_text[] =
    "NAME\n"
    "    staffd - workforce scheduling daemon for contact centres with remote agents\n"
    "\n"
    "SYNOPSIS\n"
    "    staffd run [-c FILE]\n"
    "    staffd migrate [-c FILE]\n"
    "    staffd check-config [-c FILE]\n"
    "    staffd requirements [-c FILE] --queue NAME | --csv FILE [OPTIONS]\n"
    "    staffd recruit [-c FILE] [--site ID] [--top N] [--json] [--what-if ID...]\n"
    "                   [--what-if-containment SHARE [--queue NAME]]\n"
    "    staffd nrp FILE [--seconds S] [--iterations N] [--seed N] [--threads N]\n"
    "               [--lp-share X] [--solution-out F] [--trace] [--lp] [--check F]\n"
    "               [--write-lp F]\n"
    "    staffd --help | --version\n"
    "\n"
    "DESCRIPTION\n"
    "    staffd reads demand forecasts and agent availability from PostgreSQL (schema\n"
    "    staffd), computes staffing requirements (Erlang C), assigns shifts to named\n"
    "    agents under their contracts, availability and time zones, writes the schedule\n"
    "    back, and serves each agent's schedule as a private iCalendar feed.\n"
    "\n"
    "COMMANDS\n"
    "    run           Run the daemon in the foreground (systemd Type=notify). It applies\n"
    "                  pending migrations (unless migrate_on_start = no), LISTENs for\n"
    "                  changes, re-plans after each burst of changes and serves\n"
    "                  GET /feeds/<token>.ics, /healthz and /metrics.\n"
    "    migrate       Apply pending schema migrations and exit. Safe to run while\n"
    "                  other instances run: an advisory lock serialises migrations.\n"
    "    check-config  Parse the configuration file; print \"configuration OK\" or the\n"
    "                  error with its line number.\n"
    "    requirements  Print, per interval of a queue's forecast (or of a CSV file), the\n"
    "                  agents required, the service level, ASA, occupancy and\n"
    "                  abandonment predicted; --agents N answers the inverse question.\n"
    "                  `staffd requirements --help` lists its options.\n"
    "    recruit       Print the hiring needs (the shortage no agent can cover, as\n"
    "                  profiles to recruit) and the applicants ranked by the shortage\n"
    "                  each could cover; --what-if ID... plans with those applicants\n"
    "                  as hypothetical agents and prints the change, writing nothing;\n"
    "                  --what-if-containment SHARE does the same as if the AI\n"
    "                  assistant resolved SHARE of the contacts.\n"
    "    nrp           Solve a Curtois & Qu rostering benchmark instance with the\n"
    "                  scheduling engine; print the objective and its breakdown and\n"
    "                  write the solution; --check verifies a solution file with an\n"
    "                  independent checker; --write-lp writes the instance as an\n"
    "                  integer program (for CBC); --trace prints each new best\n"
    "                  objective with its time on stderr (the anytime curve).\n"
    "                  One thread first solves the LP relaxation by column\n"
    "                  generation and searches from a roster dived from it\n"
    "                  (--lp-share X: its share of the time, default 0.5, 0 off);\n"
    "                  --lp prints only the LP value, its lower bound and the\n"
    "                  dived roster's objective.\n"
    "\n"
    "OPTIONS\n"
    "    -c, --config FILE  Configuration file. Default: $STAFFD_CONFIG, else\n"
    "                       /etc/staffd/staffd.conf if it exists, else built-in defaults.\n"
    "    -h, --help         Show this help.\n"
    "    -V, --version      Show the version.\n"
    "\n"
    "CONFIGURATION (key = value; # starts a comment line)\n"
    "    database              libpq connection string; empty: libpq environment\n"
    "                          (PGHOST, PGDATABASE, PGUSER, PGPASSFILE, ...)      [\"\"]\n"
    "    listen_address        HTTP address, IPv4 or IPv6 literal           [127.0.0.1]\n"
    "    listen_port           HTTP port                                          [8080]\n"
    "    horizon_days          days planned from 00:00 UTC today                    [14]\n"
    "    debounce_ms           quiet time after a change before re-planning        [300]\n"
    "    max_debounce_ms       longest wait after the first change of a burst     [2000]\n"
    "    quick_plan            plan a change of a few agents first for them and    [yes]\n"
    "                          their neighbourhood, the full search after\n"
    "    quick_debounce_ms     wait after a change that comes alone                  [20]\n"
    "    quick_plan_seconds    engine budget of a quick plan                        [0.1]\n"
    "    quick_plan_iterations iteration budget of a quick plan instead (> 0)         [0]\n"
    "    full_plan_after_ms    full plan after a quick one, once quiet this long   [2000]\n"
    "    cancelled_grace_days  days a cancelled shift stays in the feed              [7]\n"
    "    migrate_on_start      yes: migrate at start; no: refuse if pending         [yes]\n"
    "    log_level             error, warning, notice, info, debug                 [info]\n"
    "    plan_seed             planner seed (same data and seed, same schedule)        [1]\n"
    "\n"
    "SIGNALS\n"
    "    SIGHUP   reload the configuration; a file with an error keeps the old one\n"
    "    SIGTERM  stop cleanly within seconds; a planning run in progress is abandoned\n"
    "             and nothing half-written is left behind\n"
    "\n"
    "EXIT STATUS\n"
    "    0 success, 1 runtime failure, 2 usage or configuration error.\n"
    "\n"
    "FILES\n"
    "    /etc/staffd/staffd.conf, systemd/staffd.service (unit), migrations/ (schema).\n";

static int usage_error(const char *msg)
{
    fprintf(stderr, "staffd: %s\nTry 'staffd --help'.\n", msg);
    return 2;
}

static int cmd_check_config(const char *path)
{
    struct config c;
    char err[512];
    if (config_load(path, &c, err, sizeof err) < 0) {
        fprintf(stderr, "staffd: %s\n", err);
        return 2;
    }
    printf("configuration OK (%s)\n", path ? path : "built-in defaults");
    return 0;
}

static int cmd_migrate(const char *path)
{
    struct config c;
    char err[512];
    int applied = 0;
    if (config_load(path, &c, err, sizeof err) < 0) {
        fprintf(stderr, "staffd: %s\n", err);
        return 2;
    }
    if (migrate_run(c.database, 1, &applied, err, sizeof err) < 0) {
        fprintf(stderr, "staffd: %s\n", err);
        return 1;
    }
    printf("%d migration(s) applied; schema at version %d\n", applied,
           migrations_embedded_count > 0
               ? migrations_embedded[migrations_embedded_count - 1].version
               : 0);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = NULL, *path = NULL;
    bool path_given = false;
    /* Tools with options of their own parse their own arguments. */
    if (argc > 1 && strcmp(argv[1], "requirements") == 0)
        return requirements_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "recruit") == 0)
        return recruit_main(argc - 1, argv + 1);
    if (argc > 1 && strcmp(argv[1], "nrp") == 0)
        return nrp_main(argc - 1, argv + 1);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage_text, stdout);
            return 0;
        }
        if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0) {
            printf("staffd %s\n", STAFFD_VERSION);
            return 0;
        }
        if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            if (i + 1 >= argc)
                return usage_error("-c needs a file");
            path = argv[++i];
            path_given = true;
        } else if (strncmp(a, "--config=", 9) == 0) {
            path = a + 9;
            path_given = true;
        } else if (a[0] == '-') {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown option '%s'", a);
            return usage_error(msg);
        } else if (cmd == NULL) {
            cmd = a;
        } else {
            return usage_error("one command at a time");
        }
    }
    if (!path_given)
        path = config_default_path();
    /*
     * OpenSSL (feed token hashes, ETags) initialises itself on first use; done
     * from a worker thread, that thread's error state is never freed. Do it here.
     */
    OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
    if (cmd == NULL)
        return usage_error("no command given (run, migrate, check-config)");
    if (strcmp(cmd, "run") == 0)
        return daemon_run(path);
    if (strcmp(cmd, "migrate") == 0)
        return cmd_migrate(path);
    if (strcmp(cmd, "check-config") == 0)
        return cmd_check_config(path);
    char msg[128];
    snprintf(msg, sizeof msg, "unknown command '%s'", cmd);
    return usage_error(msg);
}
