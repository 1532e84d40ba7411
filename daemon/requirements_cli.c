/*
 * requirements_cli.c — `staffd requirements`: the staffing maths, one line per
 * interval, so a planner can check any figure by hand.
 *
 * Input is either a queue's forecast from the database (--queue NAME) or a CSV
 * of intervals (--csv FILE, columns interval_start,contacts,aht_seconds with an
 * optional header). Output is CSV on stdout. With --agents N the prediction
 * columns describe N productive agents instead of the requirement (the
 * inverse question: what service level does this many give?).
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
#include "staffing.h"

struct req_opts {
    const char *config;
    const char *queue;
    const char *csv;
    const char *from, *to;
    double agents; /* < 0: not given */
    int interval_minutes;
    struct staffing_params p;
};

static const char req_usage[] =
    "usage: staffd requirements [-c FILE] --queue NAME [--from TIME] [--to TIME] [--agents N]\n"
    "       staffd requirements --csv FILE [--interval-minutes M] [--service-level F]\n"
    "              [--target-seconds S] [--asa S] [--patience S] [--concurrency N]\n"
    "              [--max-occupancy F] [--shrinkage F] [--agents N]\n"
    "\n"
    "Prints CSV: interval_start, contacts, aht_seconds, traffic_erlangs, agents,\n"
    "agents_fractional, scheduled (agents after shrinkage, rounded once),\n"
    "service_level, asa_seconds, occupancy, abandonment, wait_probability.\n"
    "Predictions are for the whole number of agents in the agents column; with\n"
    "--agents N they are for N productive agents (fractions interpolate).\n"
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
    print_header();
    struct requirements_csv r;
    struct requirements_row row;
    const char *why;
    requirements_csv_init(&r, text, len);
    while ((err = requirements_csv_next(&r, &row, &why)) != 0) {
        if (err < 0) {
            fprintf(stderr, "staffd: %s:%d: %s\n", o->csv, row.line, why);
            rc = 1;
        } else if (print_row(row.start, row.contacts, row.aht_seconds, o) < 0) {
            rc = 1;
        }
    }
out:
    if (f != NULL && f != stdin)
        fclose(f);
    free(text);
    return rc;
}

static int from_db(const struct req_opts *o)
{
    struct config cfg;
    char err[512];
    int rc = 1;
    PGresult *q = NULL, *d = NULL;
    if (config_load(o->config, &cfg, err, sizeof err) < 0) {
        fprintf(stderr, "staffd: %s\n", err);
        return 2;
    }
    PGconn *conn = PQconnectdb(cfg.database);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "staffd: connecting to PostgreSQL: %s", PQerrorMessage(conn));
        goto out;
    }
    const char *qp[1] = {o->queue};
    q = PQexecParams(conn,
                     "SELECT service_level, target_seconds, coalesce(patience_seconds, 0),"
                     " concurrency, max_occupancy, shrinkage FROM staffd.queues WHERE name = $1",
                     1, NULL, qp, NULL, NULL, 0);
    if (PQresultStatus(q) != PGRES_TUPLES_OK) {
        fprintf(stderr, "staffd: %s", PQresultErrorMessage(q));
        goto out;
    }
    if (PQntuples(q) != 1) {
        fprintf(stderr, "staffd: no queue named '%s'\n", o->queue);
        goto out;
    }
    struct req_opts eff = *o;
    eff.p.service_level = strtod(PQgetvalue(q, 0, 0), NULL);
    eff.p.target_seconds = strtod(PQgetvalue(q, 0, 1), NULL);
    eff.p.patience_seconds = strtod(PQgetvalue(q, 0, 2), NULL);
    eff.p.concurrency = atoi(PQgetvalue(q, 0, 3));
    eff.p.max_occupancy = strtod(PQgetvalue(q, 0, 4), NULL);
    eff.p.shrinkage = strtod(PQgetvalue(q, 0, 5), NULL);
    const char *dp[3] = {o->queue, o->from, o->to};
    d = PQexecParams(conn,
                     "SELECT to_char(d.interval_start AT TIME ZONE 'UTC',"
                     " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), d.interval_minutes, d.contacts,"
                     " d.aht_seconds FROM staffd.demand d JOIN staffd.queues q ON q.id = d.queue_id"
                     " WHERE q.name = $1 AND ($2::timestamptz IS NULL OR d.interval_start >= $2)"
                     " AND ($3::timestamptz IS NULL OR d.interval_start < $3)"
                     " ORDER BY d.interval_start",
                     3, NULL, dp, NULL, NULL, 0);
    if (PQresultStatus(d) != PGRES_TUPLES_OK) {
        fprintf(stderr, "staffd: %s", PQresultErrorMessage(d));
        goto out;
    }
    print_header();
    rc = 0;
    for (int i = 0; i < PQntuples(d); i++) {
        eff.interval_minutes = atoi(PQgetvalue(d, i, 1));
        if (print_row(PQgetvalue(d, i, 0), strtod(PQgetvalue(d, i, 2), NULL),
                      strtod(PQgetvalue(d, i, 3), NULL), &eff) < 0)
            rc = 1;
    }
out:
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
        .p = {.service_level = 0.8, .target_seconds = 20, .max_occupancy = 1, .concurrency = 1},
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
    if (o.config == NULL)
        o.config = config_default_path();
    return o.csv ? from_csv(&o) : from_db(&o);
}
