/*
 * engine_dp.h — the engine's exact per-agent dynamic programme
 * (engine_dp.c): the cheapest horizon of one agent that breaks none of its
 * hard rules, under option and day-off costs the caller gives, with some
 * days pinned if asked. A resource-constrained shortest path over days,
 * pruned by dominance and by a bound, so it stays exact.
 *
 * Two users: the local search (engine_search.c: construction, re-optimising
 * an agent, ruin and recreate, repair), with costs against everybody else's
 * coverage from engine_dp_costs(); and the column generation (colgen.c),
 * with the LP's duals as costs and the agent's convexity dual as ub, so only
 * horizons that price out survive.
 *
 *   struct dp_work w;                     one per thread: scratch, not shared
 *   engine_dp_init(&w, inst);
 *   engine_dp_costs(inst, &w, a, cov, offc, NULL);     or fill w.ocost, offc
 *   engine_dp_agent(inst, &w, a, offc, NULL, INFINITY, choice, &cost);
 *   engine_dp_more(inst, &w, a, ub, 4, choices, costs);  optional: runners-up
 *   engine_dp_free(&w);
 *
 * Include order: engine_internal.h <- engine_dp.h <- engine_search.h, colgen.c.
 */
#ifndef STAFFD_ENGINE_DP_H
#define STAFFD_ENGINE_DP_H

#include "engine_internal.h"

#include <stdint.h>

#include "util.h"

struct dp_node;    /* a label: state, cost, parent (engine_dp.c) */
struct dp_sortent; /* dominance filter scratch (engine_dp.c) */

/* One thread's DP scratch: the layers of labels, their hash table, the bound's tables. */
struct dp_work {
    int D;
    struct dp_node **layer;
    int *n, *cap;
    int32_t *hash;
    int hcap;
    int32_t *used; /* slots of hash in use (cleared one by one when few) */
    int n_used, used_cap;
    uint8_t *alive;
    int alive_cap;
    double *ocost;         /* per option of the agent, index relative to its first option */
    long *maxrem;          /* [D+1] minutes still reachable from day d on */
    struct dp_sortent *se; /* dominance filter scratch */
    int se_cap;
    double *lb;  /* [(D+1)*(D+1)] bound: cost from day d on when k more days must be worked */
    double *tmp; /* [3 * D + 1] */
    int *itmp;   /* [3 * (D + 1)] */
};

/* Scratch for any agent of I (finalized). 0, or -ENOMEM and w holds nothing. */
int engine_dp_init(struct dp_work *w, const struct engine_instance *I) STAFFD_MUSTCHECK;
void engine_dp_free(struct dp_work *w);

/*
 * The cheapest feasible horizon of agent a. w->ocost[j] is the cost of its
 * j-th option (relative to the agent's first), offc[d] the cost of a day off;
 * restrict_ (may be NULL) pins day d to restrict_[d] unless it is NO_FIX.
 * ub: labels that cannot end below it are pruned (INFINITY: none).
 * Fills choice[D] and *cost (fairness included). 0, -ENOENT, -ENOMEM.
 */
int engine_dp_agent(const struct engine_instance *I, struct dp_work *w, int a, const double *offc,
                    const int *restrict_, double ub, int *choice, double *cost) STAFFD_MUSTCHECK;

/*
 * After engine_dp_agent() on w: up to k (at most 16) horizons of the last
 * layer that cost less than ub, cheapest first, into choices[j * D] and
 * costs[j]. Returns how many. Column generation adds them all at once.
 */
int engine_dp_more(const struct engine_instance *I, const struct dp_work *w, int a, double ub,
                   int k, int *choices, double *costs) STAFFD_MUSTCHECK;

/*
 * Fills w->ocost and offc[n_days] for agent a against coverage cov[n_cells]
 * (which excludes a; NULL: nobody), each option's and day off's soft cost
 * plus the change in cell penalties it brings. rng (may be NULL) adds the
 * tie-breaking nudge (see engine_dp.c) and advances it.
 */
void engine_dp_costs(const struct engine_instance *I, struct dp_work *w, int a, const int *cov,
                     double *offc, uint64_t *rng);

#endif
