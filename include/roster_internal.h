/* SPDX-License-Identifier: ISC */
/*
 * roster_internal.h — one roster_build() call's state (struct build) as
 * roster.c and roster_quick.c share it, and what roster_quick.c lends
 * roster.c: a quick plan's neighbourhood and the published roster's
 * standing. Not an API (include/roster.h is): nothing else includes this.
 *
 * roster.c fills the build (options, the published shifts by agent, the
 * engine's agents), calls roster_quick_neighbourhood() for a quick plan before it
 * builds the instance, and after the solve roster_keep_published_unless_better()
 * under improve_only and roster_kept_published() for a quick plan's other shifts.
 */
#ifndef STAFFD_ROSTER_INTERNAL_H
#define STAFFD_ROSTER_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "model.h"
#include "shift_options.h"

struct roster_params;

struct absence_hole;

struct build {
    const struct snapshot *s;
    const struct roster_params *p;
    struct engine_instance *inst;
    int32_t base; /* local date of engine day 0 */
    int n_days;
    /* Per agent: its options in engine order, to map a choice back to a shift. */
    struct shift_option **opts;
    int **day_first; /* [agent][day]: index into opts[agent] of the day's option 0 */
    int *n_opts;
    bool *relax_min;  /* agents whose weekly minimum is not applied */
    int *week_offset; /* per agent: engine day 0's offset into its ISO week */
    bool fair;        /* set fair shares of hours (FAIR_AGENT_DAYS_PER_SECOND) */
    /*
     * The published shifts by agent: pub[pub_first[a] .. pub_first[a + 1]) index
     * snapshot.published, in its order. Without it, matching every option
     * against every published shift is quadratic in the site (1,000 agents
     * with a published roster: 15-25 s before the search starts).
     */
    int *pub_first, *pub;
    /*
     * The engine's agents: every agent, or a quick plan's neighbourhood
     * (roster_quick_neighbourhood). agent_of[i] is engine agent i's snapshot agent,
     * eng_of[a] the other way (-1: keeps its published roster).
     */
    int n_eng;
    int *agent_of, *eng_of;
    /* A quick plan: [engine agent * n_days + day], the days it may change (NULL: all of them). */
    bool *free_day;
    /* A quick plan: [queue * n_cells + cell], the coverage of the agents kept as published. */
    int *kept_cov;
    int n_changed; /* a quick plan: engine agents 0..n_changed-1 are the ones whose inputs changed
                    */
    /* [queue * n_cells + cell]: the engine cell of its buffer rebate (add_buffer_cell), or -1. */
    int *buffer_cell;
    /* What published shifts lose to absences (absence_holes()): others may fill it. */
    struct absence_hole *holes;
    int n_holes;
};

/* roster_quick.c */

/*
 * A quick plan's agents (docs/engine.md, "Quick plans"): fills b->n_eng,
 * agent_of, eng_of, free_day, kept_cov. 0 or -ENOMEM.
 */
int roster_quick_neighbourhood(struct build *b);
/* Whether published shift ps stands as it is in a quick plan, and on which engine *day. */
bool roster_kept_published(const struct build *b, const struct published_shift *ps, int *day);
/* improve_only: sol->choice becomes the published roster unless the solver's is better. */
int roster_keep_published_unless_better(const struct build *b, struct engine_solution *sol);

#endif
