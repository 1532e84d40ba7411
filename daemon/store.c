/*
 * store.c — parameters for staffd.publish_run (see include/store.h).
 * Shift changes and errors go as JSON (cJSON); coverage, the bulk of the
 * data, goes as PostgreSQL array literals, which the server unnests without
 * a JSON parse per cell.
 */
#include "store.h"

#include <cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One statement, so the run, its shifts, coverage and recruitment land together or not at all. */
const char store_publish_sql[] =
    "SELECT r.run_id, r.changed_agents, staffd.publish_recruitment(r.run_id, $12::jsonb)"
    " FROM staffd.publish_run($1::jsonb, $2::jsonb, $3::jsonb, $4::jsonb, $5::bigint[],"
    " $6::bigint[], $7::float8[], $8::int[], $9::float8[], $10::float8[], $11::jsonb) AS r";

const char store_failed_sql[] = "SELECT staffd.record_failed_run($1::float8, $2, $3, $4)";

/* A growing string for array literals. */
struct sbuf {
    char *p;
    size_t len, cap;
    int err;
};

static void sb_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_addf(struct sbuf *b, const char *fmt, ...)
{
    if (b->err)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->err = -EINVAL;
            return;
        }
        if (b->p != NULL && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + (size_t)n + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (np == NULL) {
            b->err = -ENOMEM;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
}

static char *json_take(cJSON *j)
{
    char *s = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    return s;
}

static void json_num(cJSON *o, const char *k, double v)
{
    cJSON_AddItemToObject(o, k, cJSON_CreateNumber(v));
}

int store_build_params(const struct snapshot *s, const struct plan *p, const struct publish_op *ops,
                       int n_ops, const struct store_run_info *info, char **params)
{
    int rc = 0;
    memset(params, 0, STORE_NPARAMS * sizeof *params);

    cJSON *run = cJSON_CreateObject();
    if (run != NULL) {
        json_num(run, "started_at", info->started_at);
        cJSON_AddStringToObject(run, "reason", info->reason ? info->reason : "");
        json_num(run, "horizon_start", (double)s->horizon_start);
        json_num(run, "horizon_end", (double)(s->horizon_start + (sd_time)s->horizon_days * 86400));
        json_num(run, "objective", p->objective);
        json_num(run, "shortage_minutes", p->shortage_minutes);
        json_num(run, "shifts_scheduled", p->n_shifts);
        if (info->message != NULL)
            cJSON_AddStringToObject(run, "message", info->message);
    }
    params[0] = json_take(run);

    cJSON *ins = cJSON_CreateArray(), *upd = cJSON_CreateArray(), *can = cJSON_CreateArray();
    for (int i = 0; ins && upd && can && i < n_ops; i++) {
        const struct publish_op *op = &ops[i];
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        if (op->kind == PUBLISH_CANCEL) {
            cJSON_AddStringToObject(o, "id", s->published[op->published].uuid);
            json_num(o, "seq", op->sequence);
            cJSON_AddItemToArray(can, o);
            continue;
        }
        const struct planned_shift *ps = &p->shifts[op->shift];
        json_num(o, "q", (double)s->queues[ps->queue].id);
        json_num(o, "s", (double)ps->start);
        json_num(o, "e", (double)ps->end);
        if (op->kind == PUBLISH_INSERT) {
            json_num(o, "a", (double)s->agents[ps->agent].id);
            cJSON_AddItemToArray(ins, o);
        } else {
            cJSON_AddStringToObject(o, "id", s->published[op->published].uuid);
            json_num(o, "seq", op->sequence);
            cJSON_AddItemToArray(upd, o);
        }
    }
    params[1] = json_take(ins);
    params[2] = json_take(upd);
    params[3] = json_take(can);

    struct sbuf b[6] = {{0}};
    for (int k = 0; k < 6; k++)
        sb_addf(&b[k], "{");
    for (int q = 0; q < s->n_queues; q++) {
        for (int c = 0; c < s->n_cells; c++) {
            size_t i = (size_t)q * (size_t)s->n_cells + (size_t)c;
            const char *sep = (q == 0 && c == 0) ? "" : ",";
            sb_addf(&b[0], "%s%lld", sep, (long long)s->queues[q].id);
            sb_addf(&b[1], "%s%lld", sep,
                    (long long)(s->horizon_start + (sd_time)c * SD_CELL_SECONDS));
            sb_addf(&b[2], "%s%.6g", sep, p->required[i]);
            sb_addf(&b[3], "%s%d", sep, p->scheduled[i]);
            sb_addf(&b[4], "%s%.6g", sep, p->shortage[i]);
            sb_addf(&b[5], "%s%.4f", sep, p->service_level[i]);
        }
    }
    for (int k = 0; k < 6; k++) {
        sb_addf(&b[k], "}");
        if (b[k].err) {
            free(b[k].p);
            b[k].p = NULL;
        }
        params[4 + k] = b[k].p;
    }

    /* Rows the loader could not use and rules the planner had to relax, alike. */
    cJSON *errs = cJSON_CreateArray();
    for (int i = 0; errs && i < s->n_errors + p->n_warnings; i++) {
        const struct input_error *e =
            i < s->n_errors ? &s->errors[i] : &p->warnings[i - s->n_errors];
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        cJSON_AddStringToObject(o, "t", e->table);
        cJSON_AddStringToObject(o, "k", e->key);
        cJSON_AddStringToObject(o, "m", e->message);
        cJSON_AddItemToArray(errs, o);
    }
    params[10] = json_take(errs);
    params[11] = strdup(info->recruitment != NULL ? info->recruitment : "{}");

    for (int k = 0; k < STORE_NPARAMS; k++)
        if (params[k] == NULL)
            rc = -ENOMEM;
    if (rc < 0)
        store_free_params(params);
    return rc;
}

void store_free_params(char **params)
{
    for (int k = 0; k < STORE_NPARAMS; k++) {
        free(params[k]);
        params[k] = NULL;
    }
}
