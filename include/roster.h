/*
 * roster.h — plans a contact centre with the rostering engine (engine.h).
 *
 * Pure. Builds one engine instance from a snapshot and a requirement (options
 * from schedule_options_for_agent(), cells per queue and 15 minutes, contract
 * rules per agent in its local weeks, stability wishes, the freeze window),
 * solves it and writes plan->shifts and plan->scheduled. Same snapshot, seed
 * and iteration budget give the same plan; a wall-clock budget gives the best
 * plan found in that time.
 */
#ifndef STAFFD_ROSTER_H
#define STAFFD_ROSTER_H

#include <stdatomic.h>
#include <stdint.h>

#include "model.h"

struct roster_params {
    uint64_t seed;
    long iterations; /* per search thread; <= 0: none (seconds must be > 0) */
    double seconds;  /* wall clock; <= 0: none */
    int threads;
    const atomic_bool *cancel; /* may be NULL */
};

/* Reads plan->required; fills plan->shifts, plan->scheduled, plan->warnings. 0 or -errno. */
int roster_build(const struct snapshot *s, const struct roster_params *p, struct plan *plan);

#endif
