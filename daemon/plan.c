/* SPDX-License-Identifier: ISC */
/*
 * plan.c — a planning run from snapshot to plan (see include/plan.h).
 * Requirements are computed per cell and rounded per queue (one queue, one
 * group of agents in this first version); coverage is counted from the
 * shifts less their breaks (breaks.c), and the service level expected in each
 * cell is predicted for the agents actually scheduled, after shrinkage. Each
 * cell's shortage and surplus are reported, and the shortage split by what the
 * agents could work at all (model.h, struct plan).
 */
#include "plan.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "breaks.h"
#include "greedy.h"
#include "roster.h"
#include "staffing.h"
#include "text.h"
#include "util.h"

static struct staffing_params cell_params(const struct queue *q, double contacts, double aht)
{
    struct staffing_params p = {
        .contacts = contacts,
        .interval_seconds = SD_CELL_SECONDS,
        .aht_seconds = aht > 0 ? aht : 1,
        .service_level = q->service_level,
        .target_seconds = q->target_seconds,
        .patience_seconds = q->patience_seconds,
        .max_occupancy = q->max_occupancy,
        .shrinkage = q->shrinkage,
        .concurrency = q->concurrency > 0 ? q->concurrency : 1,
    };
    return p;
}

/*
 * Email is deferrable: each message's work may be done any time within the
 * response goal (target_seconds, e.g. 4 h) after it arrives. Spreading every
 * cell's work evenly over the goal that follows gives, per cell, the workload
 * to clear; agents = workload / (cell * occupancy), then shrinkage, rounded once.
 */
static int email_requirements(const struct snapshot *s, int q, double *out)
{
    const struct queue *qu = &s->queues[q];
    int window = (int)(qu->target_seconds / SD_CELL_SECONDS);
    double occupancy = qu->max_occupancy > 0 ? qu->max_occupancy : 1;
    size_t base = (size_t)q * (size_t)s->n_cells;
    double *load = malloc((size_t)(s->n_cells ? s->n_cells : 1) * sizeof *load);
    if (load == NULL)
        return -ENOMEM;
    staffing_email_load(&s->contacts[base], &s->aht[base], s->n_cells, window, load);
    for (int c = 0; c < s->n_cells; c++) {
        struct staffing_requirement r;
        int rc = staffing_email(load[c], 1, SD_CELL_SECONDS, occupancy, qu->shrinkage, &r);
        if (rc == -ENOMEM) {
            free(load);
            return rc;
        }
        if (rc < 0) {
            /* Beyond the model's scale: the workload's worth of agents, finite. */
            double need = ceil(load[c] / SD_CELL_SECONDS / occupancy / (1 - qu->shrinkage));
            out[base + (size_t)c] = isfinite(need) && need < 1e7 ? need : 1e7;
            continue;
        }
        out[base + (size_t)c] = r.scheduled_rounded;
    }
    free(load);
    return 0;
}

/*
 * The agents a cell needs when the queueing models cannot say (traffic beyond
 * their scale): its traffic's worth of agents at the occupancy cap, after
 * shrinkage. Never fewer than the models would ask for, and finite.
 */
static double fallback_requirement(const struct queue *qu, double contacts, double aht)
{
    double a = contacts * (aht > 0 ? aht : 1) / SD_CELL_SECONDS;
    int conc = qu->concurrency > 0 ? qu->concurrency : 1;
    double occ = qu->max_occupancy > 0 ? qu->max_occupancy : 1;
    double need = ceil(a / conc / occ / (1 - qu->shrinkage) + 1);
    return isfinite(need) && need < 1e7 ? need : 1e7;
}

/* A queue some of whose cells the models could not compute, said once per queue. */
static int warn_uncomputed(const struct snapshot *s, int q, int cells, int first, struct plan *p)
{
    struct input_error *w = util_push((void **)&p->warnings, &p->n_warnings, sizeof *w);
    if (w == NULL)
        return -ENOMEM;
    text_printf(w->table, sizeof w->table, "demand");
    text_printf(w->key, sizeof w->key, "queue_id=%lld interval_start=%lld",
                (long long)s->queues[q].id,
                (long long)(s->horizon_start + (sd_time)first * SD_CELL_SECONDS));
    text_printf(w->message, sizeof w->message,
                "queue '%s': %d interval(s) from here offer more traffic than the staffing "
                "models compute; each is planned at its traffic's worth of agents",
                s->queues[q].name, cells);
    return 0;
}

static int requirements(const struct snapshot *s, double *out, struct plan *warn)
{
    for (int q = 0; q < s->n_queues; q++) {
        const struct queue *qu = &s->queues[q];
        if (qu->channel == CHANNEL_EMAIL) {
            int rc = email_requirements(s, q, out);
            if (rc < 0)
                return rc;
            continue;
        }
        int uncomputed = 0, first = -1;
        for (int c = 0; c < s->n_cells; c++) {
            size_t i = (size_t)q * (size_t)s->n_cells + (size_t)c;
            double contacts = s->contacts[i];
            out[i] = 0;
            if (contacts <= 0)
                continue;
            struct staffing_params p = cell_params(qu, contacts, s->aht[i]);
            struct staffing_requirement r;
            int rc = staffing_required(&p, &r);
            if (rc == -ENOMEM)
                return rc;
            if (rc < 0) {
                /* One cell out of the models' reach must not stop the plan. */
                out[i] = fallback_requirement(qu, contacts, s->aht[i]);
                if (uncomputed++ == 0)
                    first = c;
                continue;
            }
            out[i] = r.scheduled_rounded;
        }
        if (uncomputed > 0 && warn != NULL) {
            int rc = warn_uncomputed(s, q, uncomputed, first, warn);
            if (rc < 0)
                return rc;
        }
    }
    return 0;
}

static int cmp_span(const void *x, const void *y)
{
    const int *a = x, *b = y;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return (a[1] > b[1]) - (a[1] < b[1]);
}

/*
 * Per queue and cell, the agents who could work it at all: what the roster
 * may give each agent (roster_agent_options(): its shift options and the
 * published shifts that stand) covers the cell, on a queue it is skilled
 * for. Per agent the covered cells are merged into disjoint spans (a shift
 * is offered once per skill and in several lengths), and each span goes into
 * a difference array of each of its queues: the cost is the options', not
 * the cells they cover.
 */
static int count_available(const struct snapshot *s, sd_time freeze_until, int *avail)
{
    size_t ncov = (size_t)s->n_queues * (size_t)s->n_cells;
    int *diff = calloc(ncov ? ncov : 1, sizeof *diff);
    int *span = NULL, cap = 0, rc = 0;
    if (diff == NULL)
        return -ENOMEM;
    for (int a = 0; a < s->n_agents && rc == 0; a++) {
        struct shift_option *o = NULL;
        int n = 0;
        rc = roster_agent_options(s, a, freeze_until, &o, &n);
        for (int q = 0; rc == 0 && q < s->n_queues; q++) {
            int k = 0;
            for (int i = 0; rc == 0 && i < n; i++) {
                if (o[i].queue != q)
                    continue;
                rc = util_grow((void **)&span, &cap, 2 * k + 2, sizeof *span);
                if (rc < 0)
                    break;
                snapshot_span_cells(s, o[i].start, o[i].end, &span[2 * k], &span[2 * k + 1]);
                if (span[2 * k] < span[2 * k + 1])
                    k++;
            }
            if (k > 1)
                qsort(span, (size_t)k, 2 * sizeof *span, cmp_span);
            size_t base = (size_t)q * (size_t)s->n_cells;
            for (int i = 0; i < k;) {
                int c0 = span[2 * i], c1 = span[2 * i + 1];
                for (i++; i < k && span[2 * i] <= c1; i++)
                    if (span[2 * i + 1] > c1)
                        c1 = span[2 * i + 1];
                diff[base + (size_t)c0]++;
                if (c1 < s->n_cells)
                    diff[base + (size_t)c1]--;
            }
        }
        free(o);
    }
    for (int q = 0; q < s->n_queues && rc == 0; q++) {
        size_t base = (size_t)q * (size_t)s->n_cells;
        int run = 0;
        for (int c = 0; c < s->n_cells; c++) {
            run += diff[base + (size_t)c];
            avail[base + (size_t)c] = run;
        }
    }
    free(span);
    free(diff);
    return rc;
}

int plan_requirements(const struct snapshot *s, double *out)
{
    return requirements(s, out, NULL);
}

double plan_service_level(const struct snapshot *s, int q, int cell, double scheduled,
                          double required)
{
    const struct queue *qu = &s->queues[q];
    size_t i = (size_t)q * (size_t)s->n_cells + (size_t)cell;
    if (qu->channel == CHANNEL_EMAIL) /* no queueing model: the share of the workload covered */
        return required > 0 ? fmax(0, fmin(1.0, scheduled / required)) : 1;
    if (s->contacts[i] <= 0)
        return 1;
    struct staffing_params sp = cell_params(qu, s->contacts[i], s->aht[i]);
    struct staffing_prediction pr;
    double productive = fmax(0, scheduled) * (1 - qu->shrinkage);
    if (staffing_predict(&sp, productive, &pr) == 0 && isfinite(pr.service_level))
        return pr.service_level;
    return 0;
}

/*
 * Forced hours (docs/engine.md): per voice and chat cell with demand, what
 * the 1st, 2nd, ... agent above the requirement adds to its expected service
 * level, made non-increasing (roster_params.buffer_gain): the mean of two
 * cases, every scheduled agent there and one of them missing (absent, late,
 * called away). The second is the risk of a thin interval: where two agents
 * are needed, one missing costs far more service than one of thirty. Email
 * stays 0: its service level is the share of the workload covered, complete
 * at the requirement. Only cells from now on: the roster changes nothing before.
 */
static void buffer_gains(const struct snapshot *s, const double *required, double *gain)
{
    int first = snapshot_first_future_cell(s);
    for (int q = 0; q < s->n_queues; q++) {
        if (s->queues[q].channel == CHANNEL_EMAIL)
            continue;
        for (int c = first; c < s->n_cells; c++) {
            size_t i = (size_t)q * (size_t)s->n_cells + (size_t)c;
            double need = ceil(required[i] - 1e-9), prev = 1;
            if (s->contacts[i] <= 0 || need <= 0)
                continue;
            /* sl[k]: with need - 1 + k agents. */
            double sl[ROSTER_BUFFER_LEVELS + 2];
            for (int k = 0; k < ROSTER_BUFFER_LEVELS + 2; k++)
                sl[k] = plan_service_level(s, q, c, need - 1 + k, need);
            for (int j = 0; j < ROSTER_BUFFER_LEVELS; j++) {
                double g = fmin(fmax(0.5 * (sl[j + 2] - sl[j]), 0), prev);
                gain[i * ROSTER_BUFFER_LEVELS + (size_t)j] = g;
                prev = g;
            }
        }
    }
}

int plan_run(const struct snapshot *s, const struct plan_params *p, struct plan *out)
{
    /* p->seconds is the run's: requirements and the roster's building count too. */
    double t0 = util_mono_seconds();
    int rc;
    size_t n = (size_t)s->n_queues * (size_t)s->n_cells;
    *out = (struct plan){0};
    out->required = calloc(n ? n : 1, sizeof *out->required);
    out->shortage = calloc(n ? n : 1, sizeof *out->shortage);
    out->service_level = calloc(n ? n : 1, sizeof *out->service_level);
    out->surplus = calloc(n ? n : 1, sizeof *out->surplus);
    out->available = calloc(n ? n : 1, sizeof *out->available);
    out->unfixable = calloc(n ? n : 1, sizeof *out->unfixable);
    if (!out->required || !out->shortage || !out->service_level || !out->surplus ||
        !out->available || !out->unfixable) {
        rc = -ENOMEM;
        goto fail;
    }
    rc = requirements(s, out->required, out);
    if (rc < 0)
        goto fail;

    if (p->iterations <= 0 && p->seconds <= 0) {
        /* No search budget: the greedy builder alone (fast, used for what-if estimates). */
        struct greedy_params sp = {
            .seed = p->seed, .cancel = p->cancel, .freeze_until = p->freeze_until};
        rc = greedy_build(s, &sp, out);
        if (rc == 0)
            rc = breaks_place(s, out);
    } else {
        /* The roster places the breaks itself. */
        double *gain = calloc(n * ROSTER_BUFFER_LEVELS + 1, sizeof *gain);
        if (gain == NULL) {
            rc = -ENOMEM;
            goto fail;
        }
        buffer_gains(s, out->required, gain);
        struct roster_params rp = {.seed = p->seed,
                                   .iterations = p->iterations,
                                   .seconds = p->seconds,
                                   .started = t0,
                                   .threads = p->threads,
                                   .cancel = p->cancel,
                                   .freeze_until = p->freeze_until,
                                   .quick_agents = p->quick_agents,
                                   .n_quick_agents = p->n_quick_agents,
                                   .improve_only = p->improve_only,
                                   .buffer_gain = gain};
        rc = roster_build(s, &rp, out);
        free(gain);
    }
    if (rc == 0)
        rc = count_available(s, p->freeze_until, out->available);
    if (rc < 0)
        goto fail;

    double short_sum = 0, past_sum = 0, sq = 0, over_sum = 0, unfix_sum = 0;
    int first_future = snapshot_first_future_cell(s);
    for (int q = 0; q < s->n_queues; q++) {
        for (int c = 0; c < s->n_cells; c++) {
            size_t i = (size_t)q * (size_t)s->n_cells + (size_t)c;
            double sh = out->required[i] - out->scheduled[i];
            out->shortage[i] = sh > 0 ? sh : 0;
            out->surplus[i] = sh < 0 ? -sh : 0;
            double beyond = out->required[i] - out->available[i];
            out->unfixable[i] = beyond <= 0 ? 0 : fmin(beyond, out->shortage[i]);
            if (c >= first_future) {
                short_sum += out->shortage[i];
                over_sum += out->surplus[i];
                unfix_sum += out->unfixable[i];
            } else {
                past_sum += out->shortage[i];
            }
            sq += out->shortage[i] * out->shortage[i];
            out->service_level[i] =
                plan_service_level(s, q, c, out->scheduled[i], out->required[i]);
        }
    }
    out->shortage_minutes = short_sum * (SD_CELL_SECONDS / 60);
    out->past_shortage_minutes = past_sum * (SD_CELL_SECONDS / 60);
    out->surplus_minutes = over_sum * (SD_CELL_SECONDS / 60);
    out->unfixable_minutes = unfix_sum * (SD_CELL_SECONDS / 60);
    out->objective = sq;
    return 0;
fail:
    plan_free(out);
    return rc;
}
