/* SPDX-License-Identifier: ISC */
/*
 * roster.h — plans a contact centre with the rostering engine (engine.h).
 *
 * Pure. Builds one engine instance from a snapshot and a requirement (options
 * from shift_options_for_agent(), cells per queue and 15 minutes, contract
 * rules per agent in its local weeks, stability wishes, the freeze window,
 * the agents' preferences as wishes, a fair share of hours per agent, wishes
 * that rotate weekend and late shifts), solves it, places the breaks
 * (breaks_place()) and writes plan->shifts, plan->breaks and plan->scheduled
 * (agents on a break not counted). Same snapshot, seed and iteration budget
 * give the same plan; a wall-clock budget gives the best plan found in that
 * time. docs/interfaces.md ("Breaks", "Preferences", "Fairness") has the rules.
 */
#ifndef STAFFD_ROSTER_H
#define STAFFD_ROSTER_H

#include <stdatomic.h>
#include <stdint.h>

#include "model.h"
#include "shift_options.h"
#include "util.h"

/* How many agents above a cell's requirement roster_params.buffer_gain rates. */
#define ROSTER_BUFFER_LEVELS 2

struct roster_params {
    uint64_t seed;
    long iterations; /* per search thread; <= 0: none (seconds must be > 0) */
    double seconds;  /* wall clock for the whole run, building included; <= 0: none */
    double started;  /* CLOCK_MONOTONIC seconds when the run began (plan_run); 0: now */
    int threads;
    const atomic_bool *cancel; /* may be NULL */
    sd_time freeze_until;      /* as plan_params.freeze_until */
    /* A quick plan (plan_params.quick_agents): the agents whose inputs changed, by id. */
    const int64_t *quick_agents;
    int n_quick_agents;
    bool improve_only; /* as plan_params.improve_only */
    /*
     * May be NULL (no cell gains from a buffer). Else, at
     * [(queue * n_cells + cell) * ROSTER_BUFFER_LEVELS + j]: what the (j+1)-th
     * agent above the cell's requirement adds to its expected service level (a
     * share, non-increasing in j; plan.c). Hours a contract forces beyond the
     * need go where this is largest (docs/engine.md, "Forced hours").
     */
    const double *buffer_gain;
};

/*
 * Reads plan->required; fills plan->shifts, plan->breaks, plan->scheduled, plan->warnings. 0 or
 * -errno. With p->quick_agents, a quick plan (docs/engine.md, "Quick plans"): only those agents
 * and their neighbourhood are planned, everybody else keeps the published roster; -EAGAIN when
 * that is not possible (an agent of the neighbourhood has no feasible horizon around its
 * published days), and the caller plans in full.
 */
int roster_build(const struct snapshot *s, const struct roster_params *p,
                 struct plan *plan) STAFFD_MUSTCHECK;

/* The engine's days: *base is the local date of day 0, *n_days how many (the horizon and a margin).
 */
void roster_days(const struct snapshot *s, int32_t *base, int *n_days);

/*
 * What agent a may be given, as the engine sees it: its shift options
 * (shift_options_for_agent()) and the published shifts that stand (under
 * way, or before freeze_until and still workable), by day, without
 * duplicates. *out is malloc'd. 0 or -ENOMEM. The LP bound of the benchmark
 * uses it too, so both see the same choices.
 */
int roster_agent_options(const struct snapshot *s, int a, sd_time freeze_until,
                         struct shift_option **out, int *n) STAFFD_MUSTCHECK;

#endif
