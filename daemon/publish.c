/* SPDX-License-Identifier: ISC */
/*
 * publish.c — stable identities across planning runs (see include/publish.h).
 * Exact matches are paired first so that an unchanged shift never loses its
 * UUID to a neighbour that merely overlaps it.
 */
#include "publish.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

struct ops {
    struct publish_op *v;
    int n, cap;
};

static int ops_push(struct ops *o, struct publish_op op)
{
    int rc = util_grow((void **)&o->v, &o->cap, o->n + 1, sizeof *o->v);
    if (rc < 0)
        return rc;
    o->v[o->n++] = op;
    return 0;
}

int publish_diff(const struct snapshot *s, const struct plan *p, struct publish_op **out, int *n)
{
    int rc = 0;
    struct ops ops = {0};
    int na = s->n_agents;
    int *first = malloc((size_t)(na ? na : 1) * sizeof *first);
    int *next = malloc((size_t)(s->n_published ? s->n_published : 1) * sizeof *next);
    bool *taken = calloc((size_t)(s->n_published ? s->n_published : 1), sizeof *taken);
    int *match = malloc((size_t)(p->n_shifts ? p->n_shifts : 1) * sizeof *match);
    if (!first || !next || !taken || !match) {
        rc = -ENOMEM;
        goto out;
    }
    for (int a = 0; a < na; a++)
        first[a] = -1;
    for (int i = s->n_published - 1; i >= 0; i--) {
        int a = s->published[i].agent;
        next[i] = -1;
        if (a >= 0) {
            next[i] = first[a];
            first[a] = i;
        }
    }

    /* Pass 1: exact matches (same agent, instants and queue). */
    for (int k = 0; k < p->n_shifts; k++) {
        const struct planned_shift *ps = &p->shifts[k];
        match[k] = -1;
        for (int i = first[ps->agent]; i >= 0; i = next[i]) {
            const struct published_shift *pub = &s->published[i];
            if (!taken[i] && pub->start == ps->start && pub->end == ps->end &&
                pub->queue == ps->queue) {
                taken[i] = true;
                match[k] = i;
                break;
            }
        }
    }
    /* Pass 2: overlaps take over the identity of what they replace. */
    for (int k = 0; k < p->n_shifts; k++) {
        const struct planned_shift *ps = &p->shifts[k];
        if (match[k] >= 0)
            continue;
        const struct tz_table *tz = &s->tzs[s->agents[ps->agent].tz];
        int32_t day = tz_local_day(tz, ps->start);
        for (int i = first[ps->agent]; i >= 0; i = next[i]) {
            const struct published_shift *pub = &s->published[i];
            /* Same local day too: a shift moved to another day is another event. */
            if (!taken[i] && pub->start < ps->end && ps->start < pub->end && pub->start >= s->now &&
                tz_local_day(tz, pub->start) == day) {
                taken[i] = true;
                match[k] = i;
                break;
            }
        }
    }

    for (int k = 0; k < p->n_shifts; k++) {
        int i = match[k];
        if (i < 0) {
            rc = ops_push(&ops, (struct publish_op){PUBLISH_INSERT, k, -1, 0});
        } else {
            const struct published_shift *pub = &s->published[i];
            const struct planned_shift *ps = &p->shifts[k];
            bool same = pub->start == ps->start && pub->end == ps->end && pub->queue == ps->queue &&
                        !pub->cancelled;
            if (!same)
                rc = ops_push(&ops, (struct publish_op){PUBLISH_UPDATE, k, i, pub->sequence + 1});
        }
        if (rc < 0)
            goto out;
    }
    /*
     * Whatever is left and still ahead is cancelled. Shifts under way are
     * history, and shifts past the horizon belong to a later plan.
     */
    for (int i = 0; i < s->n_published; i++) {
        const struct published_shift *pub = &s->published[i];
        if (taken[i] || pub->cancelled || pub->start < s->now ||
            pub->start >= snapshot_horizon_end(s))
            continue;
        rc = ops_push(&ops, (struct publish_op){PUBLISH_CANCEL, -1, i, pub->sequence + 1});
        if (rc < 0)
            goto out;
    }

out:
    free(first);
    free(next);
    free(taken);
    free(match);
    if (rc < 0) {
        free(ops.v);
        ops.v = NULL;
        ops.n = 0;
    }
    *out = ops.v;
    *n = ops.n;
    return rc;
}
