/* SPDX-License-Identifier: ISC */
/*
 * requirements_cli.c — `staffd requirements`: the staffing maths, one line per
 * interval, so a planner can check any figure by hand.
 *
 * Input is either a queue's forecast from the database (--queue NAME) or a CSV
 * of intervals (--csv FILE, columns interval_start,contacts,aht_seconds with an
 * optional header). Output is CSV on stdout. With --agents N the prediction
 * columns describe N productive agents instead of the requirement (the
 * inverse question: what service level does this many give?).
 *
 * The model is the daemon's for the queue's channel (plan.c): Erlang C or A
 * per interval for voice and chat, the workload spread over the response goal
 * for email (staffing_email_load()), for the contacts that reach people (the
 * assistant's share taken off, at the escalated handle time). A queue's email
 * forecast is printed per 15-minute cell, as the daemon plans it.
 */
#include "requirements_cli.h"

#include <errno.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config.h"
#include "model.h"
#include "staffing.h"

struct req_opts {
    const char *config;
    const char *queue;
    const char *csv;
    const char *from, *to;
    const char *site; /* --site, or NULL */
    double agents;    /* < 0: not given */
    int interval_minutes;
    enum channel channel;
    struct staffing_params p;
};

/* Intervals read before any is printed (email needs the whole series). */
struct series {
    int n, cap;
    char **start;
    double *contacts, *aht;
};

static const char req_usage[] =
    "usage: staffd requirements [-c FILE] --queue NAME [--site ID] [--from TIME] [--to TIME]\n"
    "              [--agents N]\n"
    "       staffd requirements --csv FILE [--channel voice|chat|email] [--interval-minutes M]\n"
    "              [--service-level F] [--target-seconds S] [--asa S] [--patience S]\n"
    "              [--concurrency N] [--max-occupancy F] [--shrinkage F] [--agents N]\n"
    "\n"
    "Prints CSV: interval_start, contacts, aht_seconds, traffic_erlangs, agents,\n"
    "agents_fractional, scheduled (agents after shrinkage, rounded once),\n"
    "service_level, asa_seconds, occupancy, abandonment, wait_probability.\n"
    "Predictions are for the whole number of agents in the agents column; with\n"
    "--agents N they are for N productive agents (fractions interpolate).\n"
    "\n"
    "The model is the daemon's for the channel: Erlang C per interval (Erlang A\n"
    "with --patience), chat with --concurrency contacts an agent at once, and for\n"
    "email the work of each interval spread over the response goal that follows\n"
    "it (--target-seconds, e.g. 14400), so the agents column clears the work due;\n"
    "for email, service_level is the share of that work the agents clear and the\n"
    "queueing columns (asa_seconds, abandonment, wait_probability) are empty.\n"
    "With --queue the queue's own parameters, channel and assistant share are used\n"
    "(contacts printed are those that reach people), and an email queue is printed\n"
    "per 15-minute cell as the daemon plans it. --site ID picks the site when two\n"
    "sites have a queue of that name. Defaults for --csv: voice, 15-minute\n"
    "intervals, 80 %% in 20 s, occupancy cap 0.85 (a queue's default), no shrinkage.\n"
    "Definitions: docs/staffing.md (service level counts abandoners as not answered\n"
    "in time; ASA is averaged over all arrivals).\n";

static int print_row(const char *start, double contacts, double aht, const struct req_opts *o)
{
    struct staffing_params p = o->p;
    struct staffing_requirement r = {0};
    struct staffing_prediction pr = {0};
    p.contacts = contacts;
    p.aht_seconds = aht > 0 ? aht : 1;
    p.interval_seconds = o->interval_minutes * 60.0;
    int rc = staffing_required(&p, &r);
    if (rc < 0) {
        fprintf(stderr, "staffd: interval %s: cannot compute the requirement: %s\n", start,
                strerror(-rc));
        return rc;
    }
    /* Predictions are for whole agents, as calculators show them, unless asked otherwise. */
    double n = o->agents >= 0 ? o->agents : (double)r.agents;
    int scheduled = r.scheduled_rounded;
    if (o->agents >= 0 && staffing_round(o->agents / (1 - p.shrinkage), &scheduled) < 0)
        scheduled = -1;
    rc = staffing_predict(&p, n, &pr);
    if (rc < 0) {
        fprintf(stderr, "staffd: interval %s: cannot predict: %s\n", start, strerror(-rc));
        return rc;
    }
    printf("%s,%.4f,%.1f,%.4f,%d,%.4f,%d,%.4f,%.2f,%.4f,%.4f,%.4f\n", start, contacts, aht,
           contacts * aht / p.interval_seconds, o->agents >= 0 ? (int)ceil(o->agents) : r.agents,
           o->agents >= 0 ? o->agents : r.agents_fractional, scheduled, pr.service_level,
           pr.asa_seconds, pr.occupancy, pr.abandonment, pr.wait_probability);
    return 0;
}

/*
 * An email interval: `load` agent-seconds of work due (staffing_email_load()),
 * cleared by agents working at the occupancy cap. The service level is the
 * share of the due work the agents clear.
 */
static int print_email_row(const char *start, double contacts, double aht, double load,
                           const struct req_opts *o)
{
    double interval = o->interval_minutes * 60.0;
    struct staffing_requirement r = {0};
    int rc = staffing_email(load, 1, interval, o->p.max_occupancy, o->p.shrinkage, &r);
    if (rc < 0) {
        fprintf(stderr, "staffd: interval %s: cannot compute the requirement: %s\n", start,
                strerror(-rc));
        return rc;
    }
    double n = o->agents >= 0 ? o->agents : (double)r.agents;
    int scheduled = r.scheduled_rounded;
    if (o->agents >= 0 && staffing_round(o->agents / (1 - o->p.shrinkage), &scheduled) < 0)
        scheduled = -1;
    double capacity = n * interval * o->p.max_occupancy;
    double cleared = load > 0 ? fmin(1.0, capacity / load) : 1.0;
    double occupancy = n > 0 ? fmin(1.0, load / (n * interval)) : 0.0;
    printf("%s,%.4f,%.1f,%.4f,%d,%.4f,%d,%.4f,,%.4f,,\n", start, contacts, aht,
           contacts * aht / interval, o->agents >= 0 ? (int)ceil(o->agents) : r.agents,
           o->agents >= 0 ? o->agents : r.agents_fractional, scheduled, cleared, occupancy);
    return 0;
}

static void series_free(struct series *v)
{
    for (int i = 0; i < v->n; i++)
        free(v->start[i]);
    free(v->start);
    free(v->contacts);
    free(v->aht);
    *v = (struct series){0};
}

static int series_push(struct series *v, const char *start, double contacts, double aht)
{
    if (v->n == v->cap) {
        int cap = v->cap ? 2 * v->cap : 256;
        char **ns = realloc(v->start, (size_t)cap * sizeof *ns);
        if (ns != NULL)
            v->start = ns;
        double *nc = realloc(v->contacts, (size_t)cap * sizeof *nc);
        if (nc != NULL)
            v->contacts = nc;
        double *na = realloc(v->aht, (size_t)cap * sizeof *na);
        if (na != NULL)
            v->aht = na;
        if (ns == NULL || nc == NULL || na == NULL)
            return -ENOMEM;
        v->cap = cap;
    }
    v->start[v->n] = strdup(start);
    if (v->start[v->n] == NULL)
        return -ENOMEM;
    v->contacts[v->n] = contacts;
    v->aht[v->n] = aht;
    v->n++;
    return 0;
}

/* Every interval of the series, by the channel's model. 0, or 1 if any failed. */
static int print_series(const struct series *v, const struct req_opts *o)
{
    int rc = 0;
    if (o->channel != CHANNEL_EMAIL) {
        for (int i = 0; i < v->n; i++)
            if (print_row(v->start[i], v->contacts[i], v->aht[i], o) < 0)
                rc = 1;
        return rc;
    }
    double *load = malloc((size_t)(v->n ? v->n : 1) * sizeof *load);
    if (load == NULL) {
        fprintf(stderr, "staffd: out of memory\n");
        return 1;
    }
    /* The daemon's window: whole intervals of the response goal, at least one. */
    int window = (int)(o->p.target_seconds / (o->interval_minutes * 60.0));
    staffing_email_load(v->contacts, v->aht, v->n, window, load);
    for (int i = 0; i < v->n; i++)
        if (print_email_row(v->start[i], v->contacts[i], v->aht[i], load[i], o) < 0)
            rc = 1;
    free(load);
    return rc;
}

static void print_header(void)
{
    printf("interval_start,contacts,aht_seconds,traffic_erlangs,agents,agents_fractional,"
           "scheduled,service_level,asa_seconds,occupancy,abandonment,wait_probability\n");
}

void requirements_csv_init(struct requirements_csv *r, char *text, size_t len)
{
    *r = (struct requirements_csv){.text = text, .len = len};
}

/* A number filling the whole field, as strtod() reads it (leading blanks allowed). */
static int csv_number(const char *field, double *out)
{
    char *end;
    double x = strtod(field, &end);
    if (end == field || *end != '\0')
        return -EINVAL;
    *out = x;
    return 0;
}

int requirements_csv_next(struct requirements_csv *r, struct requirements_row *row,
                          const char **why)
{
    while (r->pos < r->len) {
        char *line = r->text + r->pos;
        size_t n = 0;
        while (r->pos + n < r->len && line[n] != '\r' && line[n] != '\n')
            n++;
        /* A NUL inside a line would hide what follows it: refuse the line, do not read part. */
        bool nul = memchr(line, '\0', n) != NULL;
        size_t next = r->pos + n;
        if (next < r->len)
            next += line[n] == '\r' && next + 1 < r->len && line[n + 1] == '\n' ? 2 : 1;
        line[n] = '\0';
        r->pos = next;
        r->line++;
        *row = (struct requirements_row){.line = r->line};
        if (nul) {
            *why = "a NUL byte in the line";
            return -EINVAL;
        }
        if (line[0] == '\0' || line[0] == '#')
            continue;
        char *c1 = strchr(line, ',');
        char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (c1 == NULL || c2 == NULL) {
            *why = "expected interval_start,contacts,aht_seconds";
            return -EINVAL;
        }
        *c1 = *c2 = '\0';
        double contacts, aht;
        if (csv_number(c1 + 1, &contacts) < 0 || csv_number(c2 + 1, &aht) < 0) {
            if (r->line == 1)
                continue; /* a header line */
            *why = "contacts and aht_seconds must be numbers";
            return -EINVAL;
        }
        if (!(contacts >= 0) || !(aht > 0) || !isfinite(contacts) || !isfinite(aht)) {
            *why = "contacts must be >= 0 and aht_seconds > 0";
            return -EINVAL;
        }
        row->start = line;
        row->contacts = contacts;
        row->aht_seconds = aht;
        return 1;
    }
    return 0;
}

/* Reads all of f into a malloc'd, NUL-terminated *text. 0, -EFBIG, -ENOMEM or -EIO. */
static int read_all(FILE *f, char **text, size_t *len)
{
    size_t cap = 65536, n = 0;
    char *b = NULL;
    int rc = 0;
    for (;;) {
        char *nb = realloc(b, cap + 1);
        if (nb == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        b = nb;
        n += fread(b + n, 1, cap - n, f);
        if (ferror(f)) {
            rc = -EIO;
            goto out;
        }
        if (n < cap)
            break;
        if (cap >= REQUIREMENTS_CSV_MAX) {
            rc = -EFBIG;
            goto out;
        }
        cap *= 2;
    }
    b[n] = '\0';
    *text = b;
    *len = n;
    b = NULL;
out:
    free(b);
    return rc;
}

static int from_csv(const struct req_opts *o)
{
    FILE *f = strcmp(o->csv, "-") == 0 ? stdin : fopen(o->csv, "rb");
    char *text = NULL;
    size_t len = 0;
    struct series v = {0};
    int rc = 1;
    if (f == NULL) {
        fprintf(stderr, "staffd: %s: %s\n", o->csv, strerror(errno));
        goto out;
    }
    int err = read_all(f, &text, &len);
    if (err < 0) {
        fprintf(stderr, "staffd: %s: %s\n", o->csv,
                err == -EFBIG ? "larger than the 64 MiB a CSV may have" : strerror(-err));
        goto out;
    }
    rc = 0;
    struct requirements_csv r;
    struct requirements_row row;
    const char *why;
    requirements_csv_init(&r, text, len);
    while ((err = requirements_csv_next(&r, &row, &why)) != 0) {
        if (err < 0) {
            fprintf(stderr, "staffd: %s:%d: %s\n", o->csv, row.line, why);
            rc = 1;
        } else if (series_push(&v, row.start, row.contacts, row.aht_seconds) < 0) {
            fprintf(stderr, "staffd: out of memory\n");
            rc = 1;
            goto out;
        }
    }
    print_header();
    if (print_series(&v, o) != 0)
        rc = 1;
out:
    if (f != NULL && f != stdin)
        fclose(f);
    free(text);
    series_free(&v);
    return rc;
}

/* The queue's row: its site first, so that a name two sites share can be told apart. */
#define QUEUE_SQL                                                                                  \
    "SELECT id, site_id, channel::text, service_level, target_seconds,"                            \
    " coalesce(patience_seconds, 0), concurrency, max_occupancy, shrinkage"                        \
    " FROM staffd.queues WHERE name = $1 AND ($2::bigint IS NULL OR site_id = $2)"                 \
    " ORDER BY site_id"

/* What reaches people: the assistant's share taken off, at the escalated handle time. */
#define DEMAND_SQL                                                                                 \
    "SELECT d.interval_start, d.interval_minutes,"                                                 \
    " d.contacts * (1 - coalesce(d.assistant_share, q.assistant_share)) AS contacts,"              \
    " coalesce(q.escalated_aht_seconds, d.aht_seconds) AS aht"                                     \
    " FROM staffd.demand d JOIN staffd.queues q ON q.id = d.queue_id"                              \
    " WHERE q.id = $1 AND ($2::timestamptz IS NULL OR d.interval_start >= $2)"                     \
    " AND ($3::timestamptz IS NULL OR d.interval_start < $3)"

/* Voice and chat: the intervals as stored (15, 30 or 60 minutes). */
#define INTERVALS_SQL                                                                              \
    "SELECT to_char(interval_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"         \
    " interval_minutes, contacts, aht FROM (" DEMAND_SQL ") d ORDER BY interval_start"

/* Email: every 15-minute cell until the last interval's work is due ($4: cells of the goal). */
#define EMAIL_CELLS_SQL                                                                            \
    "WITH d AS (" DEMAND_SQL "),"                                                                  \
    " g AS (SELECT generate_series(min(interval_start),"                                           \
    " max(interval_start + interval_minutes * interval '1 minute')"                                \
    " + ($4::int - 2) * interval '15 minutes', interval '15 minutes') AS cell FROM d)"             \
    " SELECT to_char(g.cell AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 15,"            \
    " coalesce(sum(d.contacts * 15 / d.interval_minutes), 0), coalesce(max(d.aht), 0)"             \
    " FROM g LEFT JOIN d ON g.cell >= d.interval_start"                                            \
    " AND g.cell < d.interval_start + d.interval_minutes * interval '1 minute'"                    \
    " GROUP BY g.cell ORDER BY g.cell"

static int from_db(const struct req_opts *o)
{
    struct config cfg;
    char err[512];
    int rc = 1;
    PGresult *q = NULL, *d = NULL;
    struct series v = {0};
    if (config_load(o->config, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, "staffd: %s\n", err);
        return 2;
    }
    PGconn *conn = PQconnectdb(cfg.database);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "staffd: connecting to PostgreSQL: %s", PQerrorMessage(conn));
        goto out;
    }
    const char *qp[2] = {o->queue, o->site};
    q = PQexecParams(conn, QUEUE_SQL, 2, NULL, qp, NULL, NULL, 0);
    if (PQresultStatus(q) != PGRES_TUPLES_OK) {
        fprintf(stderr, "staffd: %s", PQresultErrorMessage(q));
        goto out;
    }
    if (PQntuples(q) == 0) {
        if (o->site != NULL)
            fprintf(stderr, "staffd: site %s has no queue named '%s'\n", o->site, o->queue);
        else
            fprintf(stderr, "staffd: no queue named '%s'\n", o->queue);
        goto out;
    }
    if (PQntuples(q) > 1) {
        fprintf(stderr, "staffd: sites %s and %s both have a queue named '%s': give --site ID\n",
                PQgetvalue(q, 0, 1), PQgetvalue(q, 1, 1), o->queue);
        rc = 2;
        goto out;
    }
    struct req_opts eff = *o;
    const char *channel = PQgetvalue(q, 0, 2);
    eff.channel = strcmp(channel, "email") == 0  ? CHANNEL_EMAIL
                  : strcmp(channel, "chat") == 0 ? CHANNEL_CHAT
                                                 : CHANNEL_VOICE;
    eff.p.service_level = strtod(PQgetvalue(q, 0, 3), NULL);
    eff.p.target_seconds = strtod(PQgetvalue(q, 0, 4), NULL);
    eff.p.patience_seconds = strtod(PQgetvalue(q, 0, 5), NULL);
    eff.p.concurrency = atoi(PQgetvalue(q, 0, 6));
    eff.p.max_occupancy = strtod(PQgetvalue(q, 0, 7), NULL);
    eff.p.shrinkage = strtod(PQgetvalue(q, 0, 8), NULL);
    const char *dp[3] = {PQgetvalue(q, 0, 0), o->from, o->to};
    if (eff.channel == CHANNEL_EMAIL) {
        /*
         * Email's work carries over from one interval to the next, so the
         * series must be whole: every 15-minute cell from the first interval
         * until the work of the last is due ($4 cells of response goal), a
         * row's contacts shared among its cells.
         */
        char window[16];
        snprintf(window, sizeof window, "%d",
                 eff.p.target_seconds >= 1800 ? (int)(eff.p.target_seconds / 900) : 1);
        const char *ep[4] = {dp[0], dp[1], dp[2], window};
        d = PQexecParams(conn, EMAIL_CELLS_SQL, 4, NULL, ep, NULL, NULL, 0);
    } else {
        d = PQexecParams(conn, INTERVALS_SQL, 3, NULL, dp, NULL, NULL, 0);
    }
    if (PQresultStatus(d) != PGRES_TUPLES_OK) {
        fprintf(stderr, "staffd: %s", PQresultErrorMessage(d));
        goto out;
    }
    print_header();
    rc = 0;
    if (eff.channel == CHANNEL_EMAIL) {
        eff.interval_minutes = 15;
        for (int i = 0; i < PQntuples(d); i++) {
            if (series_push(&v, PQgetvalue(d, i, 0), strtod(PQgetvalue(d, i, 2), NULL),
                            strtod(PQgetvalue(d, i, 3), NULL)) < 0) {
                fprintf(stderr, "staffd: out of memory\n");
                rc = 1;
                goto out;
            }
        }
        rc = print_series(&v, &eff);
        goto out;
    }
    /* Voice and chat: each interval alone (intervals of 15, 30 or 60 minutes as stored). */
    for (int i = 0; i < PQntuples(d); i++) {
        eff.interval_minutes = atoi(PQgetvalue(d, i, 1));
        if (print_row(PQgetvalue(d, i, 0), strtod(PQgetvalue(d, i, 2), NULL),
                      strtod(PQgetvalue(d, i, 3), NULL), &eff) < 0)
            rc = 1;
    }
out:
    series_free(&v);
    PQclear(q);
    PQclear(d);
    PQfinish(conn);
    return rc;
}

static int number_arg(const char *name, const char *v, double lo, double hi, double *out)
{
    char *end;
    double x = v ? strtod(v, &end) : NAN;
    if (v == NULL || end == v || *end != '\0' || !(x >= lo && x <= hi)) {
        fprintf(stderr, "staffd: %s needs a number in [%g, %g]\n", name, lo, hi);
        return -EINVAL;
    }
    *out = x;
    return 0;
}

int requirements_main(int argc, char **argv)
{
    struct req_opts o = {
        .agents = -1,
        .interval_minutes = 15,
        .channel = CHANNEL_VOICE,
        /* A queue's defaults (migrations/0001_schema.sql), so CSV and database agree. */
        .p = {.service_level = 0.8, .target_seconds = 20, .max_occupancy = 0.85, .concurrency = 1},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        double x = 0;
        int rc = 0;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(req_usage, stdout);
            return 0;
        } else if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
            o.config = v;
        } else if (strcmp(a, "--queue") == 0) {
            o.queue = v;
        } else if (strcmp(a, "--csv") == 0) {
            o.csv = v;
        } else if (strcmp(a, "--site") == 0) {
            o.site = v;
            long long id;
            char *end;
            if (v != NULL && (id = strtoll(v, &end, 10), end == v || *end != '\0' || id < 1)) {
                fprintf(stderr,
                        "staffd: --site needs a site id (a positive whole number), not "
                        "'%s'\n",
                        v);
                return 2;
            }
        } else if (strcmp(a, "--channel") == 0) {
            if (v != NULL && strcmp(v, "voice") == 0)
                o.channel = CHANNEL_VOICE;
            else if (v != NULL && strcmp(v, "chat") == 0)
                o.channel = CHANNEL_CHAT;
            else if (v != NULL && strcmp(v, "email") == 0)
                o.channel = CHANNEL_EMAIL;
            else if (v != NULL) {
                fprintf(stderr, "staffd: --channel is voice, chat or email, not '%s'\n", v);
                return 2;
            }
        } else if (strcmp(a, "--from") == 0) {
            o.from = v;
        } else if (strcmp(a, "--to") == 0) {
            o.to = v;
        } else if (strcmp(a, "--agents") == 0) {
            rc = number_arg(a, v, 0, 1e7, &o.agents);
        } else if (strcmp(a, "--interval-minutes") == 0) {
            rc = number_arg(a, v, 1, 1440, &x);
            o.interval_minutes = (int)x;
        } else if (strcmp(a, "--service-level") == 0) {
            rc = number_arg(a, v, 1e-9, 1 - 1e-9, &o.p.service_level);
        } else if (strcmp(a, "--target-seconds") == 0) {
            rc = number_arg(a, v, 0, 1e6, &o.p.target_seconds);
        } else if (strcmp(a, "--asa") == 0) {
            rc = number_arg(a, v, 1e-9, 1e6, &o.p.target_asa);
        } else if (strcmp(a, "--patience") == 0) {
            rc = number_arg(a, v, 0, 1e7, &o.p.patience_seconds);
        } else if (strcmp(a, "--concurrency") == 0) {
            rc = number_arg(a, v, 1, 100, &x);
            o.p.concurrency = (int)x;
        } else if (strcmp(a, "--max-occupancy") == 0) {
            rc = number_arg(a, v, 1e-9, 1, &o.p.max_occupancy);
        } else if (strcmp(a, "--shrinkage") == 0) {
            rc = number_arg(a, v, 0, 1 - 1e-9, &o.p.shrinkage);
        } else {
            fprintf(stderr, "staffd: requirements: unknown argument '%s'\n%s", a, req_usage);
            return 2;
        }
        if (rc < 0)
            return 2;
        if (strcmp(a, "-h") != 0)
            i++;
        if (v == NULL) {
            fprintf(stderr, "staffd: %s needs a value\n", a);
            return 2;
        }
    }
    if ((o.queue == NULL) == (o.csv == NULL)) {
        fprintf(stderr, "staffd: requirements: give exactly one of --queue NAME or --csv FILE\n%s",
                req_usage);
        return 2;
    }
    if (o.csv != NULL && o.site != NULL) {
        fprintf(stderr, "staffd: requirements: --site goes with --queue\n");
        return 2;
    }
    if (o.csv != NULL && o.channel == CHANNEL_EMAIL && !(o.p.target_seconds > 0)) {
        fprintf(stderr, "staffd: requirements: email needs --target-seconds, the response goal "
                        "(e.g. 14400 for 4 h)\n");
        return 2;
    }
    if (o.config == NULL)
        o.config = config_default_path();
    return o.csv ? from_csv(&o) : from_db(&o);
}
