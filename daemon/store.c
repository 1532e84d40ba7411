/* SPDX-License-Identifier: ISC */
/*
 * store.c — parameters for staffd.publish_run (see include/store.h).
 * Shift changes and errors go as JSON (cJSON); coverage, the bulk of the
 * data, goes as PostgreSQL array literals, which the server unnests without
 * a JSON parse per cell.
 *
 * Breaks travel inside the shift they belong to ("b" of each insert and
 * update, migrations/0004_breaks_preferences.sql). A shift that publish_diff()
 * leaves alone but whose breaks the plan moved (its published breaks no longer
 * fit the contract's rules, or predate them) is sent as an update too, with
 * SEQUENCE + 1, so calendars pick up the new breaks.
 */
#include "store.h"

#include <cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breaks.h"
#include "text.h"

/* One statement, so the run, its shifts, coverage and recruitment land together or not at all. */
const char store_publish_sql[] =
    "SELECT r.run_id, r.changed_agents, staffd.publish_recruitment(r.run_id, $12::jsonb)"
    " FROM staffd.publish_run($1::jsonb, $2::jsonb, $3::jsonb, $4::jsonb, $5::bigint[],"
    " $6::bigint[], $7::float8[], $8::int[], $9::float8[], $10::float8[], $11::jsonb,"
    " $13::int[], $14::float8[]) AS r";

const char store_begin_sql[] = "SELECT staffd.begin_run($1, $2::bigint)";
const char store_finish_sql[] = "SELECT staffd.finish_run($1::bigint, $2, $3)";

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

/* Where each planned shift's breaks are in p->breaks (ordered by shift). */
static int break_ranges(const struct plan *p, int **first, int **count)
{
    int n = p->n_shifts ? p->n_shifts : 1;
    *first = calloc((size_t)n, sizeof **first);
    *count = calloc((size_t)n, sizeof **count);
    if (*first == NULL || *count == NULL)
        return -ENOMEM;
    for (int i = p->n_breaks - 1; i >= 0; i--) {
        int k = p->breaks[i].shift;
        if (k < 0 || k >= p->n_shifts)
            continue;
        (*first)[k] = i;
        (*count)[k]++;
    }
    return 0;
}

static const struct shift_break *breaks_of(const struct plan *p, const int *first, const int *count,
                                           int k)
{
    return count[k] > 0 ? &p->breaks[first[k]] : NULL;
}

static void json_breaks(cJSON *o, const struct shift_break *b, int n)
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; arr && i < n; i++) {
        cJSON *x = cJSON_CreateObject();
        if (x == NULL)
            break;
        json_num(x, "s", (double)b[i].start);
        json_num(x, "e", (double)b[i].end);
        cJSON_AddBoolToObject(x, "p", b[i].paid);
        cJSON_AddItemToArray(arr, x);
    }
    cJSON_AddItemToObject(o, "b", arr);
}

static bool same_breaks(const struct shift_break *a, int na, const struct shift_break *b, int nb)
{
    if (na != nb)
        return false;
    for (int i = 0; i < na; i++)
        if (a[i].start != b[i].start || a[i].end != b[i].end || a[i].paid != b[i].paid)
            return false;
    return true;
}

int store_build_params(const struct snapshot *s, const struct plan *p, const struct publish_op *ops,
                       int n_ops, const struct store_run_info *info, char **params)
{
    int rc = 0;
    memset(params, 0, STORE_NPARAMS * sizeof *params);

    cJSON *run = cJSON_CreateObject();
    if (run != NULL) {
        if (info->run_id > 0)
            json_num(run, "run_id", (double)info->run_id);
        json_num(run, "started_at", info->started_at);
        cJSON_AddStringToObject(run, "reason", info->reason ? info->reason : "");
        json_num(run, "horizon_start", (double)s->horizon_start);
        json_num(run, "horizon_end", (double)(s->horizon_start + (sd_time)s->horizon_days * 86400));
        json_num(run, "objective", p->objective);
        json_num(run, "planned_at", (double)s->now);
        json_num(run, "shortage_minutes", p->shortage_minutes);
        json_num(run, "past_shortage_minutes", p->past_shortage_minutes);
        json_num(run, "surplus_minutes", p->surplus_minutes);
        json_num(run, "unfixable_shortage_minutes", p->unfixable_minutes);
        json_num(run, "shifts_scheduled", p->n_shifts);
        if (info->message != NULL)
            cJSON_AddStringToObject(run, "message", info->message);
    }
    params[0] = json_take(run);

    int *bfirst = NULL, *bcount = NULL;
    bool *has_op = calloc((size_t)(p->n_shifts ? p->n_shifts : 1), sizeof *has_op);
    bool *pub_op = calloc((size_t)(s->n_published ? s->n_published : 1), sizeof *pub_op);
    int *twins = malloc((size_t)(p->n_shifts ? p->n_shifts : 1) * sizeof *twins);
    if (break_ranges(p, &bfirst, &bcount) < 0 || has_op == NULL || pub_op == NULL ||
        twins == NULL || breaks_published_twins(s, p, twins) < 0)
        rc = -ENOMEM;
    cJSON *ins = cJSON_CreateArray(), *upd = cJSON_CreateArray(), *can = cJSON_CreateArray();
    for (int i = 0; rc == 0 && ins && upd && can && i < n_ops; i++) {
        const struct publish_op *op = &ops[i];
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        if (op->published >= 0 && op->published < s->n_published)
            pub_op[op->published] = true;
        if (op->kind == PUBLISH_CANCEL) {
            cJSON_AddStringToObject(o, "id", s->published[op->published].uuid);
            json_num(o, "seq", op->sequence);
            cJSON_AddItemToArray(can, o);
            continue;
        }
        const struct planned_shift *ps = &p->shifts[op->shift];
        has_op[op->shift] = true;
        json_num(o, "q", (double)s->queues[ps->queue].id);
        json_num(o, "s", (double)ps->start);
        json_num(o, "e", (double)ps->end);
        json_breaks(o, breaks_of(p, bfirst, bcount, op->shift), bcount[op->shift]);
        if (op->kind == PUBLISH_INSERT) {
            json_num(o, "a", (double)s->agents[ps->agent].id);
            cJSON_AddItemToArray(ins, o);
        } else {
            cJSON_AddStringToObject(o, "id", s->published[op->published].uuid);
            json_num(o, "seq", op->sequence);
            cJSON_AddItemToArray(upd, o);
        }
    }
    /* Unchanged shifts whose breaks moved. */
    for (int k = 0; rc == 0 && upd && k < p->n_shifts; k++) {
        const struct planned_shift *ps = &p->shifts[k];
        int twin = has_op[k] ? -1 : twins[k];
        if (twin < 0 || pub_op[twin] || ps->start < s->now)
            continue;
        const struct published_shift *pub = &s->published[twin];
        const struct shift_break *pb =
            pub->n_breaks > 0 ? &s->published_breaks[pub->first_break] : NULL;
        if (same_breaks(pb, pub->n_breaks, breaks_of(p, bfirst, bcount, k), bcount[k]))
            continue;
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        cJSON_AddStringToObject(o, "id", pub->uuid);
        json_num(o, "q", (double)s->queues[ps->queue].id);
        json_num(o, "s", (double)ps->start);
        json_num(o, "e", (double)ps->end);
        json_num(o, "seq", pub->sequence + 1);
        json_breaks(o, breaks_of(p, bfirst, bcount, k), bcount[k]);
        cJSON_AddItemToArray(upd, o);
    }
    free(bfirst);
    free(bcount);
    free(has_op);
    free(pub_op);
    free(twins);
    params[1] = json_take(ins);
    params[2] = json_take(upd);
    params[3] = json_take(can);

    /* Coverage: $5..$10, then $13 (available) and $14 (unfixable shortage). */
    struct text_buf b[8] = {{0}};
    for (int k = 0; k < 8; k++)
        text_buf_printf(&b[k], "{");
    const char *sep = "";
    for (int q = 0; q < s->n_queues; q++) {
        for (int c = 0; c < s->n_cells; c++) {
            size_t i = (size_t)q * (size_t)s->n_cells + (size_t)c;
            if (info->cov_cells != NULL && !info->cov_cells[i])
                continue;
            text_buf_printf(&b[0], "%s%lld", sep, (long long)s->queues[q].id);
            text_buf_printf(&b[1], "%s%lld", sep,
                            (long long)(s->horizon_start + (sd_time)c * SD_CELL_SECONDS));
            text_buf_printf(&b[2], "%s%.6g", sep, p->required[i]);
            text_buf_printf(&b[3], "%s%d", sep, p->scheduled[i]);
            text_buf_printf(&b[4], "%s%.6g", sep, p->shortage[i]);
            text_buf_printf(&b[5], "%s%.4f", sep, p->service_level[i]);
            /* A plan not made by plan_run() may lack the split: NULL, not known. */
            if (p->available != NULL && p->unfixable != NULL) {
                text_buf_printf(&b[6], "%s%d", sep, p->available[i]);
                text_buf_printf(&b[7], "%s%.6g", sep, p->unfixable[i]);
            } else {
                text_buf_printf(&b[6], "%sNULL", sep);
                text_buf_printf(&b[7], "%sNULL", sep);
            }
            sep = ",";
        }
    }
    for (int k = 0; k < 8; k++) {
        text_buf_printf(&b[k], "}");
        /* NULL on failure: -ENOMEM below */
        params[k < 6 ? 4 + k : 12 + (k - 6)] = text_buf_finish(&b[k]);
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
