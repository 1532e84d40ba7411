/* SPDX-License-Identifier: ISC */
/*
 * lp_bound.c — writes the roster problem's linear relaxation (see lp_bound.h).
 * Terms are written a few per line: CPLEX LP readers accept a row spread over
 * several lines, not always a very long one.
 */
#include "lp_bound.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "roster.h"
#include "shift_options.h"
#include "util.h"

struct xopt {
    int agent;
    int32_t day; /* local date */
    int queue;
    sd_time start, end;
    int minutes;
};

struct rowbuf {
    FILE *f;
    int on_line;
    long nnz;
};

static void term(struct rowbuf *r, double coef, char kind, long index)
{
    if (r->on_line == 8) {
        fputs("\n   ", r->f);
        r->on_line = 0;
    }
    if (coef == 1)
        fprintf(r->f, " + %c%ld", kind, index);
    else
        fprintf(r->f, " + %g %c%ld", coef, kind, index);
    r->on_line++;
    r->nnz++;
}

static void row_start(struct rowbuf *r, const char *name, long index)
{
    fprintf(r->f, " %s%ld:", name, index);
    r->on_line = 0;
}

static int cmp_xopt(const void *x, const void *y)
{
    const struct xopt *a = x, *b = y;
    if (a->agent != b->agent)
        return a->agent < b->agent ? -1 : 1;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->queue - b->queue;
}

int lp_bound_write(const struct snapshot *s, const double *required, const bool *relaxed, FILE *f,
                   struct lp_stats *st)
{
    struct xopt *x = NULL;
    long nx = 0, cap = 0;
    long *cell_first = NULL, *cell_list = NULL, *fill = NULL;
    int rc = -ENOMEM;
    size_t ncells = (size_t)s->n_queues * (size_t)s->n_cells;
    sd_time hs = s->horizon_start;
    int32_t base;
    int n_days;
    roster_days(s, &base, &n_days); /* the planner's days */
    struct lp_stats stats = {0};

    for (int a = 0; a < s->n_agents; a++) {
        struct shift_option *o = NULL;
        int n = 0;
        rc = roster_agent_options(s, a, 0, &o, &n);
        if (rc < 0)
            goto out;
        if (nx + n > cap) {
            long nc = cap ? cap * 2 : 4096;
            while (nc < nx + n)
                nc *= 2;
            struct xopt *nv = realloc(x, (size_t)nc * sizeof *nv);
            if (nv == NULL) {
                free(o);
                rc = -ENOMEM;
                goto out;
            }
            x = nv;
            cap = nc;
        }
        for (int i = 0; i < n; i++)
            x[nx++] = (struct xopt){a,          o[i].day, o[i].queue,
                                    o[i].start, o[i].end, (int)((o[i].end - o[i].start) / 60)};
        free(o);
    }
    if (nx > 1)
        qsort(x, (size_t)nx, sizeof *x, cmp_xopt);
    stats.options = nx;

    /* Which options cover each cell. */
    rc = -ENOMEM;
    cell_first = calloc(ncells + 1, sizeof *cell_first);
    fill = calloc(ncells + 1, sizeof *fill);
    if (!cell_first || !fill)
        goto out;
    for (int pass = 0; pass < 2; pass++) {
        for (long i = 0; i < nx; i++) {
            int64_t c0 = (x[i].start - hs) / SD_CELL_SECONDS;
            int64_t c1 = (x[i].end - hs + SD_CELL_SECONDS - 1) / SD_CELL_SECONDS;
            for (int64_t c = c0 < 0 ? 0 : c0; c < c1 && c < s->n_cells; c++) {
                size_t k = (size_t)x[i].queue * (size_t)s->n_cells + (size_t)c;
                if (pass == 0)
                    cell_first[k + 1]++;
                else
                    cell_list[fill[k]++] = i;
            }
        }
        if (pass == 0) {
            for (size_t k = 0; k < ncells; k++)
                cell_first[k + 1] += cell_first[k];
            cell_list =
                malloc((size_t)(cell_first[ncells] ? cell_first[ncells] : 1) * sizeof *cell_list);
            if (cell_list == NULL)
                goto out;
            memcpy(fill, cell_first, ncells * sizeof *fill);
        }
    }

    struct rowbuf r = {.f = f};
    fprintf(f, "\\ staffd roster LP relaxation: %d agents, %d queues, %d days, %ld options\n",
            s->n_agents, s->n_queues, s->horizon_days, nx);
    fputs("Minimize\n obj:", f);
    r.on_line = 0;
    long n_short = 0;
    for (size_t k = 0; k < ncells; k++)
        if (ceil(required[k] - 1e-9) > 0) {
            term(&r, SD_CELL_SECONDS / 60, 's', (long)k);
            n_short++;
        }
    if (n_short == 0)
        fputs(" 0 x0", f);
    fputs("\nSubject To\n", f);

    /* Cover rows. */
    for (size_t k = 0; k < ncells; k++) {
        double req = ceil(required[k] - 1e-9);
        if (req <= 0)
            continue;
        row_start(&r, "cover", (long)k);
        term(&r, 1, 's', (long)k);
        for (long j = cell_first[k]; j < cell_first[k + 1]; j++)
            term(&r, 1, 'x', cell_list[j]);
        fprintf(f, " >= %g\n", req);
        stats.rows++;
    }

    /* Per agent: one option a day, weekly minutes and days, consecutive days. */
    long i = 0;
    long nrow = 0;
    while (i < nx) {
        int a = x[i].agent;
        long j = i;
        while (j < nx && x[j].agent == a)
            j++;
        const struct contract *c = &s->contracts[s->agents[a].contract];
        /* One a day. */
        for (long k = i; k < j;) {
            long e = k;
            while (e < j && x[e].day == x[k].day)
                e++;
            if (e - k > 1) {
                row_start(&r, "one", nrow++);
                for (long m = k; m < e; m++)
                    term(&r, 1, 'x', m);
                fputs(" <= 1\n", f);
                stats.rows++;
            }
            k = e;
        }
        /* Weeks: ISO weeks of the agent's local dates (1969-12-29 was a Monday). */
        int32_t w_first = (int32_t)util_floor_div((int64_t)base + 3, 7),
                w_last = (int32_t)util_floor_div((int64_t)base + n_days - 1 + 3, 7);
        for (int32_t w = w_first; w <= w_last; w++) {
            int32_t mon = w * 7 - 3;
            bool full = mon >= base && mon + 6 <= base + n_days - 1;
            long k0 = -1, k1 = -1;
            for (long k = i; k < j; k++)
                if (x[k].day >= mon && x[k].day <= mon + 6) {
                    if (k0 < 0)
                        k0 = k;
                    k1 = k + 1;
                }
            int minw = (full && !(relaxed && relaxed[a])) ? c->min_minutes_per_week : 0;
            if (k0 < 0) {
                if (minw > 0) {
                    rc = -EDOM; /* nothing to work in a binding week: the planner relaxes it */
                    goto out;
                }
                continue;
            }
            long sum_max = 0;
            for (long k = k0; k < k1; k++)
                sum_max += x[k].minutes;
            if (minw > 0) {
                row_start(&r, "wmin", nrow++);
                for (long k = k0; k < k1; k++)
                    term(&r, x[k].minutes, 'x', k);
                fprintf(f, " >= %d\n", minw);
                stats.rows++;
            }
            if (sum_max > c->max_minutes_per_week) {
                row_start(&r, "wmax", nrow++);
                for (long k = k0; k < k1; k++)
                    term(&r, x[k].minutes, 'x', k);
                fprintf(f, " <= %d\n", c->max_minutes_per_week);
                stats.rows++;
            }
            int ndays = 0;
            for (long k = k0; k < k1; k++)
                ndays += k == k0 || x[k].day != x[k - 1].day;
            if (c->max_days_per_week < 7 && ndays > c->max_days_per_week) {
                row_start(&r, "wdays", nrow++);
                for (long k = k0; k < k1; k++)
                    term(&r, 1, 'x', k);
                fprintf(f, " <= %d\n", c->max_days_per_week);
                stats.rows++;
            }
        }
        /* At most max_consecutive working days in any max_consecutive + 1. */
        int mc = c->max_consecutive_days;
        if (mc > 0 && mc < n_days) {
            for (int32_t d = base; d + mc <= base + n_days - 1; d++) {
                long k0 = -1, k1 = -1;
                int ndays = 0;
                for (long k = i; k < j; k++)
                    if (x[k].day >= d && x[k].day <= d + mc) {
                        if (k0 < 0)
                            k0 = k;
                        k1 = k + 1;
                        ndays += k == k0 || x[k].day != x[k - 1].day;
                    }
                if (k0 < 0 || ndays <= mc)
                    continue;
                row_start(&r, "consec", nrow++);
                for (long k = k0; k < k1; k++)
                    term(&r, 1, 'x', k);
                fprintf(f, " <= %d\n", mc);
                stats.rows++;
            }
        }
        i = j;
    }

    fputs("Bounds\n", f);
    for (long k = 0; k < nx; k++)
        fprintf(f, " 0 <= x%ld <= 1\n", k);
    fputs("End\n", f);
    stats.vars = nx + n_short;
    stats.nonzeros = r.nnz - n_short; /* the objective's terms are not matrix entries */
    if (st)
        *st = stats;
    rc = ferror(f) ? -EIO : 0;
out:
    free(x);
    free(cell_first);
    free(cell_list);
    free(fill);
    return rc;
}
