/* SPDX-License-Identifier: ISC */
/*
 * greedy.c — the first scheduler, a greedy builder (see include/greedy.h).
 *
 * The builder works in rounds: in each round every agent, in a seeded order
 * that changes from round to round (so no agent is always served first), adds
 * the one feasible shift that most reduces the squared shortage left. The
 * square makes one agent in a badly short interval worth more than one in a
 * nearly covered interval, which is what a caller in the queue experiences.
 * Rounds stop when nobody can add anything useful. Feasibility is checked
 * incrementally against a per-agent array of local days.
 */
#include "greedy.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "absence.h"
#include "shift_options.h"
#include "util.h"

/* A published shift that is offered again keeps its place unless a change helps. */
#define STABILITY_BONUS 0.5
/* Each overstaffed cell costs a little, so a shift does not run on for nothing. */
#define OVERSTAFF_COST 0.01

/* Per-agent view of local days: which shift (index into the plan) sits on each. */
struct agent_days {
    int32_t d0; /* local date of slot 0 */
    int nd;
    int *slot; /* index into shifts or -1 */
};

struct builder {
    const struct snapshot *s;
    struct plan *plan;
    int cap, cap_day;   /* of plan->shifts and of shift_day */
    int32_t *shift_day; /* local day of each plan shift */
    struct agent_days *days;
    int *cov; /* scheduled per queue cell */
};

static int builder_add(struct builder *b, int agent, int queue, sd_time st, sd_time en, int32_t day)
{
    struct plan *p = b->plan;
    int rc = util_grow((void **)&p->shifts, &b->cap, p->n_shifts + 1, sizeof *p->shifts);
    if (rc == 0)
        rc = util_grow((void **)&b->shift_day, &b->cap_day, p->n_shifts + 1, sizeof *b->shift_day);
    if (rc < 0)
        return rc;
    int idx = p->n_shifts++;
    p->shifts[idx] = (struct planned_shift){agent, queue, st, en};
    b->shift_day[idx] = day;
    struct agent_days *ad = &b->days[agent];
    int si = day - ad->d0;
    if (si >= 0 && si < ad->nd && ad->slot[si] < 0)
        ad->slot[si] = idx;

    const struct snapshot *s = b->s;
    int c0, c1;
    snapshot_span_cells(s, st, en, &c0, &c1);
    for (int c = c0; c < c1; c++)
        b->cov[(size_t)queue * (size_t)s->n_cells + (size_t)c]++;
    return 0;
}

static bool builder_can_add(const struct builder *b, int agent, const struct shift_option *o)
{
    const struct snapshot *s = b->s;
    const struct contract *c = &s->contracts[s->agents[agent].contract];
    const struct agent_days *ad = &b->days[agent];
    const struct planned_shift *sh = b->plan->shifts;
    int idx = o->day - ad->d0;
    if (idx < 0 || idx >= ad->nd || ad->slot[idx] >= 0)
        return false;

    /* A shift lasts at most 12 h and rest at most 24 h: two days either side suffice. */
    sd_time rest = (sd_time)c->min_rest_minutes * 60;
    for (int k = 1; k <= 2; k++) {
        if (idx - k >= 0 && ad->slot[idx - k] >= 0 && sh[ad->slot[idx - k]].end + rest > o->start)
            return false;
        if (idx + k < ad->nd && ad->slot[idx + k] >= 0 &&
            o->end + rest > sh[ad->slot[idx + k]].start)
            return false;
    }

    int32_t monday = day_iso_week(o->day) * 7 - 3;
    int64_t minutes = (o->end - o->start) / 60;
    int days = 1;
    for (int32_t d = monday; d < monday + 7; d++) {
        int i = d - ad->d0;
        if (i >= 0 && i < ad->nd && ad->slot[i] >= 0) {
            minutes += (sh[ad->slot[i]].end - sh[ad->slot[i]].start) / 60;
            days++;
        }
    }
    if (minutes > c->max_minutes_per_week || days > c->max_days_per_week)
        return false;

    int run = 1;
    for (int i = idx - 1; i >= 0 && ad->slot[i] >= 0; i--)
        run++;
    for (int i = idx + 1; i < ad->nd && ad->slot[i] >= 0; i++)
        run++;
    return run <= c->max_consecutive_days;
}

static double builder_value(const struct builder *b, const struct shift_option *o)
{
    const struct snapshot *s = b->s;
    int c0, c1;
    snapshot_span_cells(s, o->start, o->end, &c0, &c1);
    size_t base = (size_t)o->queue * (size_t)s->n_cells;
    const double *req = b->plan->required;
    double v = 0;
    for (int c = c0; c < c1; c++) {
        double x = req[base + (size_t)c] - b->cov[base + (size_t)c];
        if (x > 0) {
            double x1 = x - 1 > 0 ? x - 1 : 0;
            v += x * x - x1 * x1;
        } else {
            v -= OVERSTAFF_COST;
        }
    }
    return v;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static bool published_match(const struct snapshot *s, const int *pub_first, const int *pub_next,
                            int agent, const struct shift_option *o)
{
    for (int i = pub_first[agent]; i >= 0; i = pub_next[i]) {
        const struct published_shift *p = &s->published[i];
        if (p->start == o->start && p->end == o->end && p->queue == o->queue)
            return true;
    }
    return false;
}

int greedy_build(const struct snapshot *s, const struct greedy_params *params, struct plan *plan)
{
    int rc = 0;
    int na = s->n_agents;
    struct builder b = {.s = s, .plan = plan};
    struct shift_option **opts = calloc((size_t)(na ? na : 1), sizeof *opts);
    int *nopts = calloc((size_t)(na ? na : 1), sizeof *nopts);
    int *order = calloc((size_t)(na ? na : 1), sizeof *order);
    int *pub_first = malloc((size_t)(na ? na : 1) * sizeof *pub_first);
    int *pub_next = malloc((size_t)(s->n_published ? s->n_published : 1) * sizeof *pub_next);
    size_t ncov = (size_t)s->n_queues * (size_t)s->n_cells;
    b.days = calloc((size_t)(na ? na : 1), sizeof *b.days);
    b.cov = calloc(ncov ? ncov : 1, sizeof *b.cov);
    plan->scheduled = calloc(ncov ? ncov : 1, sizeof *plan->scheduled);
    if (!opts || !nopts || !order || !pub_first || !pub_next || !b.days || !b.cov ||
        !plan->scheduled) {
        rc = -ENOMEM;
        goto out;
    }

    for (int a = 0; a < na; a++) {
        const struct tz_table *tz = &s->tzs[s->agents[a].tz];
        struct agent_days *ad = &b.days[a];
        ad->d0 = tz_local_day(tz, s->horizon_start) - 8;
        ad->nd = tz_local_day(tz, snapshot_horizon_end(s)) - ad->d0 + 9;
        ad->slot = malloc((size_t)ad->nd * sizeof *ad->slot);
        if (ad->slot == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        for (int i = 0; i < ad->nd; i++)
            ad->slot[i] = -1;
        pub_first[a] = -1;
    }

    /*
     * Shifts already under way are facts, not choices; so are those inside the
     * freeze window, unless the agent can no longer work them.
     */
    for (int i = s->n_published - 1; i >= 0; i--) {
        const struct published_shift *p = &s->published[i];
        pub_next[i] = -1;
        if (p->cancelled || p->agent < 0 || p->queue < 0)
            continue;
        /* ... or, cut by an absence, the part the agent can still work (absence.h). */
        struct span part = {p->start, p->end};
        enum absence_keep keep = p->start < s->now ? ABSENCE_WHOLE : ABSENCE_NONE;
        if (p->start >= s->now && p->start < params->freeze_until)
            keep = absence_kept_part(s, p, &part);
        if (keep != ABSENCE_NONE) {
            int32_t day = tz_local_day(&s->tzs[s->agents[p->agent].tz], part.start);
            rc = builder_add(&b, p->agent, p->queue, part.start, part.end, day);
            if (rc < 0)
                goto out;
        } else {
            pub_next[i] = pub_first[p->agent];
            pub_first[p->agent] = i;
        }
    }

    for (int a = 0; a < na; a++) {
        rc = shift_options_for_agent(s, a, &opts[a], &nopts[a]);
        if (rc < 0)
            goto out;
        order[a] = a;
    }

    /*
     * Warm start: a published shift that is still a valid option and still
     * covers demand is kept before anything else is considered, so a change
     * for one agent does not ripple through everybody's calendar.
     */
    for (int a = 0; a < na; a++) {
        for (int i = pub_first[a]; i >= 0; i = pub_next[i]) {
            const struct published_shift *p = &s->published[i];
            for (int k = 0; k < nopts[a]; k++) {
                const struct shift_option *o = &opts[a][k];
                if (o->start != p->start || o->end != p->end || o->queue != p->queue)
                    continue;
                if (builder_can_add(&b, a, o) && builder_value(&b, o) > 0) {
                    rc = builder_add(&b, a, o->queue, o->start, o->end, o->day);
                    if (rc < 0)
                        goto out;
                }
                break;
            }
        }
    }

    uint64_t rng = params->seed;
    for (;;) {
        for (int i = na - 1; i > 0; i--) {
            int j = (int)(splitmix64(&rng) % (uint64_t)(i + 1));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int added = 0;
        for (int k = 0; k < na; k++) {
            if (params->cancel != NULL && atomic_load(params->cancel)) {
                rc = -ECANCELED;
                goto out;
            }
            int a = order[k];
            int best = -1;
            double best_v = 1e-9;
            for (int i = 0; i < nopts[a]; i++) {
                const struct shift_option *o = &opts[a][i];
                if (!builder_can_add(&b, a, o))
                    continue;
                double v = builder_value(&b, o);
                if (v > 0 && published_match(s, pub_first, pub_next, a, o))
                    v += STABILITY_BONUS;
                if (v > best_v) {
                    best_v = v;
                    best = i;
                }
            }
            if (best >= 0) {
                const struct shift_option *o = &opts[a][best];
                rc = builder_add(&b, a, o->queue, o->start, o->end, o->day);
                if (rc < 0)
                    goto out;
                added++;
            }
        }
        if (added == 0)
            break;
    }
    memcpy(plan->scheduled, b.cov, ncov * sizeof *b.cov);

out:
    if (opts != NULL)
        for (int a = 0; a < na; a++)
            free(opts[a]);
    if (b.days != NULL)
        for (int a = 0; a < na; a++)
            free(b.days[a].slot);
    free(opts);
    free(nopts);
    free(order);
    free(pub_first);
    free(pub_next);
    free(b.days);
    free(b.cov);
    free(b.shift_day);
    return rc;
}
