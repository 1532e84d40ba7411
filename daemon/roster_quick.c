/* SPDX-License-Identifier: ISC */
/*
 * roster_quick.c — the parts of roster_build() (roster.c) that plan around a
 * published roster (docs/engine.md, "Quick plans"):
 *
 *  - a quick plan's neighbourhood (roster_quick_neighbourhood): the agents whose
 *    inputs changed, the holes they leave, and the few others who could fill
 *    them, on the days they may change; everybody else keeps the published
 *    roster (roster_kept_published), whose cover is taken off the requirement;
 *  - the full run a quick plan owes runs with improve_only: the published
 *    roster stays unless the solver's is better by the engine's own measure
 *    (roster_keep_published_unless_better).
 *
 * Pure, like roster.c; called by roster.c alone through
 * include/roster_internal.h.
 */
#include "roster.h"
#include "roster_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "absence.h"
#include "engine.h"
#include "model.h"
#include "shift_options.h"

/*
 * A quick plan re-plans the changed agents and at most this many others, the
 * ones who could fill most of what the change leaves open: enough to backfill
 * a day's absence on the bench sites, small enough to plan in a tenth of a
 * second on 1,000 agents.
 */
#define QUICK_NEIGHBOURS 48
/*
 * ... free over the hole's days and this many either side: a neighbour who
 * already works its most days that week can take the hole only by giving up
 * another day of it.
 */
#define QUICK_MARGIN_DAYS 3

/*
 * Whether published shift ps stands as it is in a quick plan: its agent is
 * not in the engine and it starts on one of the engine's days (*day).
 */
bool roster_kept_published(const struct build *b, const struct published_shift *ps, int *day)
{
    const struct snapshot *s = b->s;
    if (ps->cancelled || ps->queue < 0 || ps->agent < 0 || ps->agent >= s->n_agents ||
        b->eng_of[ps->agent] >= 0)
        return false;
    *day = tz_local_day(&s->tzs[s->agents[ps->agent].tz], ps->start) - b->base;
    /* Past the horizon it belongs to a later plan, as for publish_diff(). */
    return *day >= 0 && *day < b->n_days && ps->start < snapshot_horizon_end(s);
}

/* Whether id is among the quick plan's changed agents. */
static bool changed_id(const struct roster_params *p, int64_t id)
{
    for (int i = 0; i < p->n_quick_agents; i++)
        if (p->quick_agents[i] == id)
            return true;
    return false;
}

static bool has_skill(const struct agent *ag, int queue)
{
    for (int k = 0; k < ag->n_skills; k++)
        if (ag->skills[k] == queue)
            return true;
    return false;
}

struct neighbour {
    int agent, score;
};

static int cmp_neighbour(const void *x, const void *y)
{
    const struct neighbour *a = x, *b = y;
    if (a->score != b->score)
        return a->score > b->score ? -1 : 1;
    return a->agent - b->agent;
}

/*
 * A quick plan's agents (docs/engine.md, "Quick plans"): the changed agents
 * over their whole horizon, then the holes they leave (what their published
 * shifts from now on lose: all of a shift they can no longer work, or all but
 * the part an absence leaves, absence_holes()), and up to QUICK_NEIGHBOURS
 * agents skilled for a hole's queue who could fill most of its cells
 * (absence_cover_score(): on a frozen day only by extending that day's shift),
 * over the hole's local days and QUICK_MARGIN_DAYS either side. Fills
 * b->n_eng, agent_of, eng_of, free_day, kept_cov. 0 or -ENOMEM.
 */
int roster_quick_neighbourhood(struct build *b)
{
    const struct snapshot *s = b->s;
    const struct roster_params *p = b->p;
    int na = s->n_agents, D = b->n_days, rc = 0, n_nb = 0;
    size_t ncov = (size_t)s->n_queues * (size_t)s->n_cells;
    struct absence_hole *holes = malloc((size_t)(b->n_holes ? b->n_holes : 1) * sizeof *holes);
    struct neighbour *nb = malloc((size_t)(na ? na : 1) * sizeof *nb);
    b->kept_cov = calloc(ncov ? ncov : 1, sizeof *b->kept_cov);
    if (holes == NULL || nb == NULL || b->kept_cov == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    int n_holes = 0;
    /* The changed agents' holes: what their published shifts lose (absence_holes()). */
    for (int k = 0; k < b->n_holes; k++)
        if (changed_id(p, s->published[b->holes[k].published].agent_id))
            holes[n_holes++] = b->holes[k];
    b->n_eng = 0;
    for (int a = 0; a < na; a++) {
        b->eng_of[a] = -1;
        if (changed_id(p, s->agents[a].id)) {
            b->eng_of[a] = b->n_eng;
            b->agent_of[b->n_eng++] = a;
        }
    }
    b->n_changed = b->n_eng;
    /* Candidates: how many hole cells their options around the hole could cover. */
    for (int a = 0; a < na && n_holes > 0; a++) {
        const struct agent *ag = &s->agents[a];
        if (b->eng_of[a] >= 0)
            continue;
        bool skilled = false;
        for (int h = 0; h < n_holes && !skilled; h++)
            skilled = has_skill(ag, holes[h].queue);
        if (!skilled)
            continue;
        rc = roster_agent_options(s, a, p->freeze_until, &b->opts[a], &b->n_opts[a]);
        if (rc < 0)
            goto out;
        int score = absence_cover_score(s, a, p->freeze_until, b->pub + b->pub_first[a],
                                        b->pub_first[a + 1] - b->pub_first[a], b->opts[a],
                                        b->n_opts[a], holes, n_holes);
        if (score > 0)
            nb[n_nb++] = (struct neighbour){a, score};
    }
    if (n_nb > 1)
        qsort(nb, (size_t)n_nb, sizeof *nb, cmp_neighbour);
    if (n_nb > QUICK_NEIGHBOURS)
        n_nb = QUICK_NEIGHBOURS;
    for (int i = 0; i < n_nb; i++) {
        b->eng_of[nb[i].agent] = b->n_eng;
        b->agent_of[b->n_eng++] = nb[i].agent;
    }
    b->free_day = calloc((size_t)(b->n_eng ? b->n_eng : 1) * (size_t)D, sizeof *b->free_day);
    if (b->free_day == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < b->n_eng; i++) {
        int a = b->agent_of[i];
        bool *fd = b->free_day + (size_t)i * (size_t)D;
        const struct tz_table *tz = &s->tzs[s->agents[a].tz];
        for (int d = 0; d < D; d++)
            fd[d] = i < b->n_changed;
        for (int h = 0; h < n_holes && i >= b->n_changed; h++) {
            const struct absence_hole *hs = &holes[h];
            int d0 = tz_local_day(tz, hs->start) - b->base,
                d1 = tz_local_day(tz, hs->end) - b->base;
            for (int d = d0 - QUICK_MARGIN_DAYS; d <= d1 + QUICK_MARGIN_DAYS; d++)
                if (d >= 0 && d < D)
                    fd[d] = true;
        }
    }
    /* What everybody else keeps: their published shifts on the engine's days. */
    for (int k = 0; k < s->n_published; k++) {
        const struct published_shift *ps = &s->published[k];
        int day;
        if (!roster_kept_published(b, ps, &day))
            continue;
        int c0, c1;
        snapshot_span_cells(s, ps->start, ps->end, &c0, &c1);
        for (int c = c0; c < c1; c++)
            b->kept_cov[(size_t)ps->queue * (size_t)s->n_cells + (size_t)c]++;
    }
out:
    free(holes);
    free(nb);
    return rc;
}

/*
 * The published roster as the engine's choice (into choice[n_eng * n_days]):
 * per agent and day its published shift's option, or -1. False when some
 * published shift is not an option any more (the roster no longer stands).
 */
static bool published_choice(const struct build *b, int *choice)
{
    const struct snapshot *s = b->s;
    for (int i = 0; i < b->n_eng; i++) {
        int a = b->agent_of[i];
        const struct tz_table *tz = &s->tzs[s->agents[a].tz];
        int *row = choice + (size_t)i * (size_t)b->n_days;
        for (int d = 0; d < b->n_days; d++)
            row[d] = -1;
        for (int k = b->pub_first[a]; k < b->pub_first[a + 1]; k++) {
            const struct published_shift *ps = &s->published[b->pub[k]];
            int d = tz_local_day(tz, ps->start) - b->base, found = -1;
            if (ps->cancelled || ps->queue < 0 || d < 0 || d >= b->n_days ||
                ps->start >= snapshot_horizon_end(s))
                continue;
            const struct shift_option *o = b->opts[a] + b->day_first[a][d];
            int n = engine_n_options(b->inst, i, d);
            for (int x = 0; x < n && found < 0; x++)
                if (o[x].start == ps->start && o[x].end == ps->end && o[x].queue == ps->queue)
                    found = x;
            if (found < 0 || row[d] >= 0)
                return false;
            row[d] = found;
        }
    }
    return true;
}

/*
 * p->improve_only: the solver's roster replaces the published one only if it
 * is better by the engine's own measure (which counts every change against
 * it); else sol->choice becomes the published roster. 0 or -ENOMEM.
 */
int roster_keep_published_unless_better(const struct build *b, struct engine_solution *sol)
{
    size_t n = (size_t)b->n_eng * (size_t)b->n_days;
    int *choice = malloc((n ? n : 1) * sizeof *choice);
    if (choice == NULL)
        return -ENOMEM;
    struct engine_report rep;
    if (published_choice(b, choice) && engine_check(b->inst, choice, &rep) == 0 &&
        rep.violations == 0 && rep.objective <= sol->report.objective + 1e-9) {
        memcpy(sol->choice, choice, n * sizeof *choice);
        sol->report = rep;
    }
    free(choice);
    return 0;
}
