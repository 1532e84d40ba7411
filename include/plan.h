/* SPDX-License-Identifier: ISC */
/*
 * plan.h — one planning run over an immutable snapshot: requirements per
 * queue and 15-minute cell (staffing.c), shifts (roster.c with a search
 * budget, else greedy.c), their breaks (breaks.c), then
 * coverage, shortage and the service level expected for what was scheduled.
 *
 * Pure and thread-safe: run it on the thread pool. Same snapshot and seed,
 * same plan.
 */
#ifndef STAFFD_PLAN_H
#define STAFFD_PLAN_H

#include <stdatomic.h>
#include <stdint.h>

#include "model.h"
#include "util.h"

struct plan_params {
    uint64_t seed;
    long iterations;           /* engine budget per search thread; <= 0: by time only */
    double seconds;            /* engine wall-clock budget; <= 0: by iterations only */
    int threads;               /* independent searches (0: 1) */
    const atomic_bool *cancel; /* may be NULL */
    /*
     * The freeze: a published shift starting before this instant stays as it is
     * unless its agent can no longer work it, and no new one is placed there.
     * Before s->now (0, say) it changes nothing: what has started stays anyway.
     */
    sd_time freeze_until;
    /*
     * A quick plan: the agents (by id) whose inputs changed since the
     * published roster was planned. They are planned again over the whole
     * horizon, the agents who could fill what they leave over the days around
     * it, and everybody else keeps the published roster (roster.h). NULL: a
     * full plan. Needs a search budget; -EAGAIN when not possible.
     */
    const int64_t *quick_agents;
    int n_quick_agents;
    /*
     * The full plan that follows quick ones: the published roster stays
     * unless the search found a better one by the engine's measure (stability
     * included), so an idle site's roster changes only for the better.
     */
    bool improve_only;
};

/* Fills *out (plan_free() it). 0, -ECANCELED, -ENOMEM. */
int plan_run(const struct snapshot *s, const struct plan_params *p,
             struct plan *out) STAFFD_MUSTCHECK;

/*
 * The service level expected in cell `cell` of queue q with `scheduled` agents
 * (shrinkage taken off) as coverage reports it: the queueing model's for
 * voice and chat (1 without demand, 0 where the models cannot say), the share
 * of the `required` agents for email.
 */
double plan_service_level(const struct snapshot *s, int q, int cell, double scheduled,
                          double required);

/* Fills out[queue * n_cells + cell] with agents to schedule. 0 or -errno. */
int plan_requirements(const struct snapshot *s, double *out) STAFFD_MUSTCHECK;

#endif
