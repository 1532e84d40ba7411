/* SPDX-License-Identifier: ISC */
/*
 * greedy.h — the first scheduler: a greedy builder over the shift options
 * (shift_options.h), used when a run has no engine budget and as the what-if
 * planner of recruitment.
 *
 * Pure (no I/O). greedy_build() picks at most one option per agent and local
 * day, greedily where the requirement is least covered, and never breaks a
 * rule: minimum rest, maximum minutes and days per ISO week (agent's local
 * time), maximum consecutive days. rule_check.h verifies what it built.
 */
#ifndef STAFFD_GREEDY_H
#define STAFFD_GREEDY_H

#include <stdatomic.h>
#include <stdint.h>

#include "model.h"
#include "util.h"

struct greedy_params {
    uint64_t seed;
    const atomic_bool *cancel; /* may be NULL; checked between agents */
    sd_time freeze_until;      /* as plan_params.freeze_until */
};

/*
 * Reads plan->required (n_queues * n_cells) and fills plan->shifts and
 * plan->scheduled. Shifts already started (published, not cancelled, start <
 * s->now) are kept as they are. 0, -ECANCELED or -ENOMEM.
 */
int greedy_build(const struct snapshot *s, const struct greedy_params *p,
                 struct plan *plan) STAFFD_MUSTCHECK;

#endif
