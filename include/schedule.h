/*
 * schedule.h — the first scheduler: shift options and a greedy builder.
 *
 * Pure (no I/O). schedule_options_for_agent() enumerates every shift an agent
 * may work: a contract length, starting on the contract's step after local
 * midnight, wholly inside one availability window (local time, DST-correct via
 * the snapshot's offset tables), outside time off, inside the horizon and not
 * in the past, on a queue the agent is skilled for. schedule_build() picks at
 * most one option per agent and local day, greedily where the requirement is
 * least covered, and never breaks a rule: minimum rest, maximum minutes and
 * days per ISO week (agent's local time), maximum consecutive days.
 * schedule_check() re-verifies a finished schedule from scratch, with code
 * separate from the builder's incremental checks, so each can catch the other.
 */
#ifndef STAFFD_SCHEDULE_H
#define STAFFD_SCHEDULE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct shift_option {
    int32_t day; /* agent's local date (days since epoch) on which it starts */
    int queue;
    sd_time start, end;
};

struct schedule_params {
    uint64_t seed;
    const atomic_bool *cancel; /* may be NULL; checked between agents */
    sd_time freeze_until;      /* as plan_params.freeze_until */
};

/* *out is malloc'd (NULL when *n == 0). 0 or -ENOMEM. */
int schedule_options_for_agent(const struct snapshot *s, int agent, struct shift_option **out,
                               int *n);

/*
 * Reads plan->required (n_queues * n_cells) and fills plan->shifts and
 * plan->scheduled. Shifts already started (published, not cancelled, start <
 * s->now) are kept as they are. 0, -ECANCELED or -ENOMEM.
 */
int schedule_build(const struct snapshot *s, const struct schedule_params *p, struct plan *plan);

/* Whether the agent may still work this shift: length, skill, availability, time off. */
bool schedule_shift_valid(const struct snapshot *s, int agent, int queue, sd_time start,
                          sd_time end);

/*
 * Checks shifts against every rule. Returns 0 when all hold, else -EINVAL
 * with the first broken rule described in why (may be NULL).
 */
int schedule_check(const struct snapshot *s, const struct planned_shift *shifts, int n, char *why,
                   size_t why_len);

#endif
