/* SPDX-License-Identifier: ISC */
/*
 * shift_options.h — every shift an agent may work, the choices every planner
 * (greedy.c, roster.c) picks from.
 *
 * Pure (no I/O). shift_options_for_agent() enumerates, per queue the agent is
 * skilled for, a contract length starting on the contract's step after local
 * midnight, wholly inside one availability window (local time, DST-correct via
 * the snapshot's offset tables), outside time off, inside the horizon and not
 * in the past. shift_options_valid() answers the same for one given shift
 * (whether a published shift may stay).
 *
 *     struct shift_option *o; int n;
 *     if (shift_options_for_agent(&snap, agent, &o, &n) == 0) { ...; free(o); }
 */
#ifndef STAFFD_SHIFT_OPTIONS_H
#define STAFFD_SHIFT_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "util.h"

struct shift_option {
    int32_t day; /* agent's local date (days since epoch) on which it starts */
    int queue;
    sd_time start, end;
};

/* *out is malloc'd (NULL when *n == 0). 0 or -ENOMEM. */
int shift_options_for_agent(const struct snapshot *s, int agent, struct shift_option **out,
                            int *n) STAFFD_MUSTCHECK;

/* Whether the agent may still work this shift: length, skill, availability, time off. */
bool shift_options_valid(const struct snapshot *s, int agent, int queue, sd_time start,
                         sd_time end);

#endif
