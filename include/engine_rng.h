/* SPDX-License-Identifier: ISC */
/*
 * engine_rng.h — the engine's seeded random numbers (splitmix64): the
 * search's moves and the DP's tie-breaking nudge (engine_dp_costs) draw from
 * one stream per search thread, so a run is a function of its seed and its
 * iteration budget. The state is a uint64_t the caller owns and seeds.
 *
 * A leaf of the engine's include order, included by engine_dp.c,
 * engine_search.c and engine_solve.c.
 */
#ifndef STAFFD_ENGINE_RNG_H
#define STAFFD_ENGINE_RNG_H

#include <stdint.h>

static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in 0..n-1; n > 0. */
static inline int rng_int(uint64_t *s, int n)
{
    return (int)(rng_next(s) % (uint64_t)n);
}

/* Uniform in [0, 1), 53 bits. */
static inline double rng_unit(uint64_t *s)
{
    return (double)(rng_next(s) >> 11) * (1.0 / 9007199254740992.0);
}

#endif
