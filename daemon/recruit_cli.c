/* SPDX-License-Identifier: ISC */
/*
 * recruit_cli.c — `staffd recruit`: hiring needs and the best candidates for
 * what the current data leaves short, --what-if a few were hired,
 * --what-if-profiles the hiring profiles were, and --what-if-containment the
 * AI assistant resolved another share of contacts.
 *
 * Owns the command line only: it reads the configuration, loads one snapshot
 * with blocking libpq (a CLI may block; the daemon never does), runs
 * plan_run() and recruit_run() exactly as a planning run would, and prints
 * recruit_format_text() / recruit_format_what_if() (or JSON with --json). It
 * writes nothing to the database. main.c calls recruit_main(argc - 1, argv + 1).
 */
#include <errno.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "load.h"
#include "plan.h"
#include "recruit.h"
#include "recruit_report.h"
#include "util.h"

#define EXIT_RUNTIME 1
#define EXIT_USAGE   2

static const char recruit_usage[] =
    "usage: staffd recruit [-c FILE] [--site ID] [--top N] [--json] [--what-if ID...]\n"
    "                      [--contract NAME] [--min-hours H] [--what-if-profiles N]\n"
    "                      [--what-if-containment SHARE [--queue NAME]]\n"
    "\n"
    "Plans the current data once (as the daemon would, without writing anything) and\n"
    "prints the hiring needs left by the shortage and the open candidates ranked by\n"
    "the shortage each would add on top of those ranked above.\n"
    "\n"
    "  -c, --config FILE  configuration file (default: $STAFFD_CONFIG, else\n"
    "                     /etc/staffd/staffd.conf if it exists, else built-in defaults)\n"
    "  --site ID          the site to plan (staffd.sites; default 1, the default site)\n"
    "  --top N            candidates to list (default 10; 0 lists none)\n"
    "  --json             print the result as JSON (the shape of GET /api/recruitment)\n"
    "  --contract NAME    size the hiring needs in hires of this contract of the site\n"
    "                     (its name or id; default: the contract marked hiring_template,\n"
    "                     else the part-time contract most agents have)\n"
    "  --min-hours H      a hire must cover at least H hours of shortage a week\n"
    "                     (default: the contract's weekly minimum, else two of its\n"
    "                     shortest shifts)\n"
    "  --what-if-profiles N\n"
    "                     plan again with the productive hires of the first N hiring\n"
    "                     profiles added one profile after another, then all of them,\n"
    "                     and print each one's predicted and realised shortage drop\n"
    "  --what-if ID...    plan again with these candidates hired under the default\n"
    "                     contract and print the change in shortage (agent-minutes a\n"
    "                     week) and in expected service level per queue\n"
    "  --what-if-containment SHARE\n"
    "                     plan again as if the AI assistant in front of the agents\n"
    "                     resolved SHARE of the contacts (0 to below 1, e.g. 0.4 or\n"
    "                     40%; people get the rest at the queue's escalated handle\n"
    "                     time) and print, per queue, the agent-hours a week\n"
    "                     required and short, the service level and the hires the\n"
    "                     needs ask for, before and after\n"
    "  --queue NAME       with --what-if-containment: change only this queue's share\n"
    "                     (its name or id; default: every queue of the site)\n"
    "  -h, --help         this help\n";

struct options {
    const char *config;
    bool config_given;
    int top;
    long long site;
    bool json;
    int n_ids;
    long long *ids;
    double containment;   /* < 0: no --what-if-containment */
    const char *queue;    /* --queue, or NULL */
    const char *contract; /* --contract, or NULL */
    double min_hours;     /* --min-hours, or 0 */
    int profiles;         /* --what-if-profiles, or -1 */
};

static int usage_error(const char *fmt, const char *arg)
{
    fputs("staffd recruit: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs("\nTry 'staffd recruit --help'.\n", stderr);
    return EXIT_USAGE;
}

/* A share: "0.4", "40%" or "40 %"; [0, 1). */
static bool parse_share(const char *t, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(t, &end);
    if (errno != 0 || end == t)
        return false;
    while (*end == ' ')
        end++;
    if (*end == '%') {
        v /= 100;
        end++;
    }
    if (*end != '\0' || !(v >= 0 && v < 1))
        return false;
    *out = v;
    return true;
}

static bool parse_number(const char *t, long long min, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (errno != 0 || end == t || *end != '\0' || v < min)
        return false;
    *out = v;
    return true;
}

/* 0 to go on, -1 when --help was printed, else an exit status. */
static int parse_args(int argc, char **argv, struct options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        long long v;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(recruit_usage, stdout);
            return -1;
        } else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            if (i + 1 >= argc)
                return usage_error("%s needs a file", a);
            o->config = argv[++i];
            o->config_given = true;
        } else if (strncmp(a, "--config=", 9) == 0) {
            o->config = a + 9;
            o->config_given = true;
        } else if (strcmp(a, "--top") == 0 || strncmp(a, "--top=", 6) == 0) {
            const char *n = a[5] == '=' ? a + 6 : (i + 1 < argc ? argv[++i] : NULL);
            if (n == NULL || !parse_number(n, 0, &v) || v > 1000000)
                return usage_error("--top needs a number of candidates (0 or more), not '%s'",
                                   n ? n : "");
            o->top = (int)v;
        } else if (strcmp(a, "--site") == 0 || strncmp(a, "--site=", 7) == 0) {
            const char *n = a[6] == '=' ? a + 7 : (i + 1 < argc ? argv[++i] : NULL);
            if (n == NULL || !parse_number(n, 1, &v) || v > 2147483647)
                return usage_error("--site needs a site id (a positive whole number), not '%s'",
                                   n ? n : "");
            o->site = v;
        } else if (strcmp(a, "--json") == 0) {
            o->json = true;
        } else if (strcmp(a, "--contract") == 0 || strncmp(a, "--contract=", 11) == 0) {
            const char *n = a[10] == '=' ? a + 11 : (i + 1 < argc ? argv[++i] : NULL);
            if (n == NULL || *n == '\0')
                return usage_error("%s needs a contract name or id", a);
            o->contract = n;
        } else if (strcmp(a, "--min-hours") == 0 || strncmp(a, "--min-hours=", 12) == 0) {
            const char *n = a[11] == '=' ? a + 12 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            double h = n != NULL ? strtod(n, &end) : 0;
            if (n == NULL || end == n || *end != '\0' || !(h > 0 && h <= 168))
                return usage_error("--min-hours needs hours a week (more than 0, at most 168), "
                                   "not '%s'",
                                   n ? n : "");
            o->min_hours = h;
        } else if (strcmp(a, "--what-if-profiles") == 0 ||
                   strncmp(a, "--what-if-profiles=", 19) == 0) {
            const char *n = a[18] == '=' ? a + 19 : (i + 1 < argc ? argv[++i] : NULL);
            if (n == NULL || !parse_number(n, 0, &v) || v > 1000)
                return usage_error("--what-if-profiles needs a number of profiles (0 to 1000), "
                                   "not '%s'",
                                   n ? n : "");
            o->profiles = (int)v;
        } else if (strcmp(a, "--what-if-containment") == 0 ||
                   strncmp(a, "--what-if-containment=", 22) == 0) {
            const char *n = a[21] == '=' ? a + 22 : (i + 1 < argc ? argv[++i] : NULL);
            if (n == NULL || !parse_share(n, &o->containment))
                return usage_error("--what-if-containment needs the assistant's share, from 0 "
                                   "to below 1 (0.4 or 40%%), not '%s'",
                                   n ? n : "");
        } else if (strcmp(a, "--queue") == 0 || strncmp(a, "--queue=", 8) == 0) {
            const char *n = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
            if (n == NULL || *n == '\0')
                return usage_error("%s needs a queue name or id", a);
            o->queue = n;
        } else if (strcmp(a, "--what-if") == 0) {
            int first = i + 1;
            while (i + 1 < argc && argv[i + 1][0] != '-')
                i++;
            if (i + 1 == first)
                return usage_error("%s needs at least one candidate id", a);
            long long *ids = realloc(o->ids, (size_t)(o->n_ids + i + 1 - first) * sizeof *ids);
            if (ids == NULL)
                return usage_error("%s", "out of memory");
            o->ids = ids;
            for (int k = first; k <= i; k++) {
                if (!parse_number(argv[k], 1, &v))
                    return usage_error("--what-if takes candidate ids (positive integers), not "
                                       "'%s'",
                                       argv[k]);
                bool dup = false;
                for (int j = 0; j < o->n_ids; j++)
                    dup |= o->ids[j] == v;
                if (!dup)
                    o->ids[o->n_ids++] = v;
            }
        } else {
            return usage_error("unknown argument '%s'", a);
        }
    }
    if (o->queue != NULL && o->containment < 0)
        return usage_error("%s", "--queue goes with --what-if-containment");
    return 0;
}

/* libpq messages end in a newline; ours do not. */
static const char *trimmed(const char *msg, char *buf, size_t len)
{
    snprintf(buf, len, "%s", msg != NULL ? msg : "");
    size_t l = strlen(buf);
    while (l > 0 && (buf[l - 1] == '\n' || buf[l - 1] == ' '))
        buf[--l] = '\0';
    return buf;
}

/*
 * Why a --what-if id is not in the snapshot: no such row, or not an open
 * applicant. Writes the message; returns the exit status.
 */
static int explain_unusable(PGconn *conn, long long id)
{
    char idtext[32], msg[256];
    snprintf(idtext, sizeof idtext, "%lld", id);
    const char *params[1] = {idtext};
    PGresult *r = PQexecParams(conn, "SELECT status FROM staffd.candidates WHERE id = $1::bigint",
                               1, NULL, params, NULL, NULL, 0);
    int rc = EXIT_USAGE;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "staffd recruit: looking up candidate %lld: %s\n", id,
                trimmed(PQerrorMessage(conn), msg, sizeof msg));
        rc = EXIT_RUNTIME;
    } else if (PQntuples(r) == 0) {
        fprintf(stderr, "staffd recruit: there is no candidate with id %lld\n", id);
    } else {
        fprintf(stderr,
                "staffd recruit: candidate %lld is '%s'; only open applicants (applied, "
                "screening, interview, offer) can be tried with --what-if\n",
                id, PQgetvalue(r, 0, 0));
    }
    PQclear(r);
    return rc;
}

/* Sends the snapshot query and keeps every result; 0 or an exit status. */
static int read_snapshot(PGconn *conn, const struct config *cfg, long long site,
                         struct snapshot *snap)
{
    char err[512];
    int rc = 0, n = 0, cap = 0;
    PGresult **res = NULL;
    int horizon_days = cfg->horizon_days;
    char *sql = load_snapshot_sql(horizon_days, cfg->clock_fixed, (sd_time)cfg->clock_at, site);
    if (sql == NULL || !PQsendQuery(conn, sql)) {
        fprintf(stderr, "staffd recruit: sending the snapshot query: %s\n",
                sql == NULL ? "out of memory" : trimmed(PQerrorMessage(conn), err, sizeof err));
        rc = EXIT_RUNTIME;
        goto out;
    }
    PGresult *r;
    while ((r = PQgetResult(conn)) != NULL) {
        ExecStatusType st = PQresultStatus(r);
        if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK && rc == 0) {
            fprintf(stderr, "staffd recruit: reading the snapshot: %s\n",
                    trimmed(PQresultErrorMessage(r), err, sizeof err));
            rc = EXIT_RUNTIME;
        }
        if (util_grow((void **)&res, &cap, n + 1, sizeof *res) < 0) {
            PQclear(r);
            rc = EXIT_RUNTIME;
            continue; /* drain the connection all the same */
        }
        res[n++] = r;
    }
    if (rc != 0)
        goto out;
    if (load_snapshot(res, n, horizon_days, snap, err, sizeof err) < 0) {
        fprintf(stderr, "staffd recruit: %s\n", err);
        rc = EXIT_RUNTIME;
    }
out:
    for (int i = 0; i < n; i++)
        PQclear(res[i]);
    free(res);
    free(sql);
    return rc;
}

/* The contract --contract names (a name, else an id) in the snapshot; -1 if none. */
static int find_contract(const struct snapshot *s, const char *name)
{
    for (int k = 0; k < s->n_contracts; k++)
        if (s->contracts[k].name != NULL && strcmp(s->contracts[k].name, name) == 0)
            return k;
    long long id;
    if (parse_number(name, 1, &id))
        for (int k = 0; k < s->n_contracts; k++)
            if (s->contracts[k].id == id)
                return k;
    return -1;
}

/* The queue --queue names (a name, else an id) in the snapshot; -1 if none. */
static int find_queue(const struct snapshot *s, const char *name)
{
    for (int q = 0; q < s->n_queues; q++)
        if (s->queues[q].name != NULL && strcmp(s->queues[q].name, name) == 0)
            return q;
    long long id;
    if (parse_number(name, 1, &id))
        for (int q = 0; q < s->n_queues; q++)
            if (s->queues[q].id == id)
                return q;
    return -1;
}

static int print_json(cJSON *j)
{
    char *t = j != NULL ? cJSON_Print(j) : NULL;
    if (t == NULL) {
        fprintf(stderr, "staffd recruit: out of memory\n");
        return EXIT_RUNTIME;
    }
    puts(t);
    free(t);
    return 0;
}

int recruit_main(int argc, char **argv)
{
    struct options o = {.top = 10, .site = 1, .containment = -1, .profiles = -1};
    struct config cfg;
    struct snapshot snap = {0};
    struct plan plan = {0};
    struct recruit_result rr = {0};
    struct recruit_what_if wi = {0};
    struct recruit_containment wc = {0};
    struct hiring_check hc = {0};
    bool have_wi = false, have_wc = false, have_hc = false;
    int queue = -1, contract = -1;
    int *idx = NULL;
    cJSON *json = NULL;
    char *text = NULL;
    PGconn *conn = NULL;
    char err[512];
    int rc = parse_args(argc, argv, &o);
    if (rc != 0) {
        rc = rc < 0 ? 0 : rc;
        goto out;
    }
    if (!o.config_given)
        o.config = config_default_path();
    if (config_load(o.config, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, "staffd recruit: %s\n", err);
        rc = EXIT_USAGE;
        goto out;
    }

    conn = PQconnectdb(cfg.database);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "staffd recruit: connecting to PostgreSQL: %s\n",
                trimmed(PQerrorMessage(conn), err, sizeof err));
        rc = EXIT_RUNTIME;
        goto out;
    }
    rc = read_snapshot(conn, &cfg, o.site, &snap);
    if (rc != 0)
        goto out;

    idx = malloc((size_t)(o.n_ids + 1) * sizeof *idx);
    if (idx == NULL) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    for (int i = 0; i < o.n_ids; i++) {
        idx[i] = recruit_find_candidate(&snap, (int64_t)o.ids[i]);
        if (idx[i] < 0) {
            rc = explain_unusable(conn, o.ids[i]);
            goto out;
        }
    }
    if (o.queue != NULL) {
        queue = find_queue(&snap, o.queue);
        if (queue < 0) {
            fprintf(stderr, "staffd recruit: site %lld has no queue named '%s' (staffd.queues)\n",
                    o.site, o.queue);
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (o.contract != NULL) {
        contract = find_contract(&snap, o.contract);
        if (contract < 0) {
            fprintf(stderr,
                    "staffd recruit: site %lld has no contract named '%s' (staffd.contracts)\n",
                    o.site, o.contract);
            rc = EXIT_USAGE;
            goto out;
        }
    }
    /* Everything needed is in memory: do not hold the connection while planning. */
    PQfinish(conn);
    conn = NULL;

    if (snap.n_errors > 0)
        fprintf(stderr,
                "staffd recruit: %d input row(s) skipped as unusable (the daemon lists them in "
                "staffd.input_errors)\n",
                snap.n_errors);
    /* The daemon's freeze, so that the what-if moves only what a run could move. */
    sd_time freeze_until = snap.now + (sd_time)cfg.freeze_hours * 3600;
    struct plan_params pp = {.seed = (uint64_t)cfg.plan_seed, .freeze_until = freeze_until};
    struct recruit_params rp;
    recruit_params_default(&rp);
    rp.seed = (uint64_t)cfg.plan_seed;
    rp.freeze_until = freeze_until;
    rp.contract = contract;
    rp.min_hours_per_hire = o.min_hours;
    int e = plan_run(&snap, &pp, &plan);
    if (e == 0)
        e = recruit_run(&snap, &plan, &rp, &rr);
    if (e == -EINVAL && contract >= 0) {
        fprintf(stderr,
                "staffd recruit: contract '%s' has no shift length that fits its weekly maximum; "
                "no one can be hired in it\n",
                snap.contracts[contract].name);
        rc = EXIT_USAGE;
        goto out;
    }
    if (e == 0 && o.profiles >= 0) {
        e = recruit_check_profiles(&snap, &plan, &rr, o.profiles, &rp, &hc);
        have_hc = e == 0;
    }
    if (e == 0 && o.n_ids > 0) {
        e = recruit_what_if(&snap, &plan, idx, o.n_ids, &rp, &wi);
        have_wi = e == 0;
    }
    if (e == 0 && o.containment >= 0) {
        e = recruit_what_if_containment(&snap, &plan, &rr, queue, o.containment, &pp, &rp, &wc);
        have_wc = e == 0;
    }
    if (e < 0) {
        fprintf(stderr, "staffd recruit: planning failed: %s\n", strerror(-e));
        rc = EXIT_RUNTIME;
        goto out;
    }

    if (o.json) {
        json = recruit_to_json(&snap, &rr);
        if (json != NULL && have_wi) {
            cJSON *w = recruit_what_if_to_json(&snap, &wi);
            if (w == NULL || !cJSON_AddItemToObject(json, "what_if", w)) {
                cJSON_Delete(w);
                cJSON_Delete(json);
                json = NULL;
            }
        }
        if (json != NULL && have_hc) {
            cJSON *w = recruit_check_to_json(&snap, &hc);
            if (w == NULL || !cJSON_AddItemToObject(json, "what_if_profiles", w)) {
                cJSON_Delete(w);
                cJSON_Delete(json);
                json = NULL;
            }
        }
        if (json != NULL && have_wc) {
            cJSON *w = recruit_containment_to_json(&snap, &wc);
            if (w == NULL || !cJSON_AddItemToObject(json, "what_if_containment", w)) {
                cJSON_Delete(w);
                cJSON_Delete(json);
                json = NULL;
            }
        }
        /* The API leaves names out; a person at the terminal may see them. */
        cJSON *cands = json != NULL ? cJSON_GetObjectItem(json, "candidates") : NULL;
        for (int i = 0; cands != NULL && i < rr.n_ranked; i++) {
            cJSON *c = cJSON_GetArrayItem(cands, i);
            const char *name = snap.candidates[rr.ranked[i].candidate].name;
            if (c != NULL && cJSON_AddStringToObject(c, "name", name ? name : "") == NULL) {
                cJSON_Delete(json);
                json = NULL;
                break;
            }
        }
        rc = print_json(json);
        goto out;
    }
    text = recruit_format_text(&snap, &rr, o.top);
    if (text == NULL) {
        fprintf(stderr, "staffd recruit: out of memory\n");
        rc = EXIT_RUNTIME;
        goto out;
    }
    fputs(text, stdout);
    if (have_wi) {
        free(text);
        text = recruit_format_what_if(&snap, &wi);
        if (text == NULL) {
            fprintf(stderr, "staffd recruit: out of memory\n");
            rc = EXIT_RUNTIME;
            goto out;
        }
        fputs("\n", stdout);
        fputs(text, stdout);
    }
    if (have_hc) {
        free(text);
        text = recruit_format_check(&snap, &rr, &hc);
        if (text == NULL) {
            fprintf(stderr, "staffd recruit: out of memory\n");
            rc = EXIT_RUNTIME;
            goto out;
        }
        fputs("\n", stdout);
        fputs(text, stdout);
    }
    if (have_wc) {
        free(text);
        text = recruit_format_containment(&snap, &wc);
        if (text == NULL) {
            fprintf(stderr, "staffd recruit: out of memory\n");
            rc = EXIT_RUNTIME;
            goto out;
        }
        fputs("\n", stdout);
        fputs(text, stdout);
    }
    rc = 0;
out:
    if (fflush(stdout) != 0 && rc == 0)
        rc = EXIT_RUNTIME;
    free(text);
    cJSON_Delete(json);
    recruit_what_if_free(&wi);
    recruit_containment_free(&wc);
    hiring_check_free(&hc);
    recruit_result_free(&rr);
    plan_free(&plan);
    snapshot_free(&snap);
    free(idx);
    free(o.ids);
    if (conn != NULL)
        PQfinish(conn);
    return rc;
}
