/* SPDX-License-Identifier: ISC */
/*
 * lp_bound.h — the linear relaxation of a site's roster problem, written as a
 * CPLEX-format LP file for an outside solver (CBC or GLPK), so that staffd's
 * shortage can be compared with a lower bound on any roster's shortage.
 *
 * Variables: x in [0, 1] per agent and shift option (exactly the options the
 * planner offers: shift_options_for_agent(), deduplicated as roster.c
 * does), s >= 0 per (queue, cell) with a requirement. Rows:
 *   cover      s[c] + sum of x covering c >= ceil(required[c])   per cell
 *   one        sum of x of one agent and local day <= 1
 *   wmax/wmin  minutes in a local ISO week <= contract max, >= contract min
 *              (the minimum only for weeks wholly inside the planner's
 *              days, and not for agents the planner relaxed)
 *   wdays      days worked in a local ISO week <= contract max
 *   consec     in every max_consecutive + 1 consecutive days, <= max_consecutive
 * Objective: minimise 15 * sum s, the linear shortage in agent-minutes (the
 * planner's `shortage_minutes`). Minimum rest between days is left out: the
 * LP stays a relaxation, so its optimum is a lower bound.
 */
#ifndef STAFFD_BENCH_LP_BOUND_H
#define STAFFD_BENCH_LP_BOUND_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"

struct lp_stats {
    long vars, rows, nonzeros;
    long options; /* agent options (x variables) */
};

/*
 * required[n_queues * n_cells] as from plan_requirements(); relaxed[n_agents]
 * (may be NULL) marks agents whose weekly minimum the planner dropped.
 * 0 or -errno.
 */
int lp_bound_write(const struct snapshot *s, const double *required, const bool *relaxed, FILE *f,
                   struct lp_stats *st);

#endif
