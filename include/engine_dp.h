/* SPDX-License-Identifier: ISC */
/*
 * engine_dp.h — the engine's per-agent dynamic programme (engine_dp.c): the
 * cheapest horizon of one agent that breaks none of its hard rules, under
 * option and day-off costs the caller gives, with some days pinned if asked.
 * A resource-constrained shortest path over days, pruned by dominance, by a
 * bound and by what the run rules leave reachable, all exact; where the
 * state space is still too large (long horizons, many counted types) it
 * keeps the cap_layer most promising labels of each day and says so
 * (truncated): every horizon it returns still keeps every hard rule.
 *
 * Two users: the local search (engine_search.c: construction, re-optimising
 * an agent, ruin and recreate, repair), with costs against everybody else's
 * coverage from engine_dp_costs(); and the column generation (colgen_*.c),
 * with the LP's duals as costs and the agent's convexity dual as ub, so only
 * horizons that price out survive. A truncated answer is a column but no
 * proof (colgen_master.c then claims no bound from it).
 *
 *   struct dp_work w;                     one per thread: scratch, not shared
 *   engine_dp_init(&w, inst);
 *   w.cap_layer = 64; w.clk = &clock;     optional: beam width, deadline
 *   engine_dp_costs(inst, &w, a, cov, offc, NULL);     or fill w.ocost, offc
 *   engine_dp_agent(inst, &w, a, offc, NULL, INFINITY, choice, &cost);
 *   engine_dp_more(inst, &w, a, ub, 4, choices, costs);  optional: runners-up
 *   engine_dp_free(&w);
 *
 * The DP is three files behind this header: engine_dp.c (the labels, the
 * recursion over days), engine_dp_prune.c (dominance, the beam, the pinned
 * suffix) and engine_dp_tables.c (costs, bounds, reachability); the end of
 * this header is theirs alone.
 *
 * Include order: engine_internal.h <- engine_dp.h <- engine_search.h, colgen_internal.h.
 */
#ifndef STAFFD_ENGINE_DP_H
#define STAFFD_ENGINE_DP_H

#include "engine_internal.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/*
 * Labels the DP keeps per day when the caller sets no cap_layer: a budget of
 * about DP_LABELS labels over the whole horizon, at least 256 and at most
 * 200,000 a day (instances 1-12 never reach it, so their DP stays exact).
 */
#define DP_LABELS       4000000
#define DP_OPT_KEEP_MAX 16

struct dp_node;    /* a label: state, cost, parent (below) */
struct dp_sortent; /* dominance filter scratch (engine_dp_prune.c) */
struct dp_rank;    /* the cap's selection scratch (engine_dp_prune.c) */

/* One thread's DP scratch: the layers of labels, their hash table, the bound's tables. */
struct dp_work {
    int D;
    struct dp_node **layer;
    uint16_t **cnt; /* [D+1]: per layer, n_cnt counters per label */
    int *n, *cap, *ccap;
    int32_t *hash;
    int hcap;
    int32_t *used; /* slots of hash in use (cleared one by one when few) */
    int n_used, used_cap;
    uint8_t *alive;
    int alive_cap;
    double *ocost;         /* per option of the agent, index relative to its first option */
    struct dp_sortent *se; /* dominance filter scratch */
    int se_cap;
    struct dp_rank *rk; /* cap scratch */
    int rk_cap;
    int *rep; /* [run states]: the cap's best label of each */
    int rep_cap;
    double *lb;        /* [(D+1)*(D+1)] bound: cost from day d on when k more days must be worked */
    double *tmp;       /* [3 * D + 1] */
    int *itmp;         /* [3 * (D + 1)] */
    long *rmax, *rmin; /* [4 (D+1) * run states]: minutes still reachable / unavoidable */
    int rcap;
    long *ctlen; /* [counted types]: the longest option of each; then the cuts (dp_reach) */
    int ctlen_cap, ncut;
    int *tcnt; /* [counted types]: what the pinned tail adds (dp_suffix) */
    int tcnt_cap;
    long *wsum, *wmax; /* [D]: this week's rest: sum and largest of the days' longest options */
    /* Set by the caller (engine_dp_init: 0 and NULL). */
    int cap_layer;                  /* labels kept per day; 0: from budget */
    long budget;                    /* labels a call may make (the cap follows); 0: DP_LABELS */
    const struct engine_clock *clk; /* checked once a day: -ETIMEDOUT, -ECANCELED */
    bool cancel_only;               /* ... but only its cancel flag (a construction) */
    /*
     * The beam keeps, per run state, besides its cheapest label the one with
     * the fewest weekends used and the one with the most minutes: where a
     * narrow beam lost every horizon, what it lacked was slack, not cost.
     */
    bool diverse;
    /*
     * A free day extends each label by the day's opt_keep cheapest options
     * only (by ocost; the day off always): a construction in a hurry, where
     * most of a DP's time goes in pushing labels nobody keeps. 0: every one.
     * At most DP_OPT_KEEP_MAX; what it leaves out marks the answer truncated.
     * Its reachability bound is then the coarser one (engine_dp_reach).
     */
    int opt_keep;
    /*
     * What the DP tracks for the agent instead of I->ap[a] (NULL: that): a
     * relaxation of the agent's rules that the caller builds for the agent
     * it asks about (colgen_bound.c leaves out minutes, weekends, weekly
     * limits and bounded types, and prices them instead). The cheapest
     * horizon it returns is then a lower bound, and may break those rules.
     */
    const struct aprep *prep;
    /* Set by engine_dp_agent. */
    bool truncated; /* labels were dropped beyond the cap: the answer is a heuristic one */
    long labels;    /* labels the last call created */
};

/* Scratch for any agent of I (finalized). 0, or -ENOMEM and w holds nothing. */
int engine_dp_init(struct dp_work *w, const struct engine_instance *I) STAFFD_MUSTCHECK;
void engine_dp_free(struct dp_work *w);

/*
 * The cheapest feasible horizon of agent a. w->ocost[j] is the cost of its
 * j-th option (relative to the agent's first), offc[d] the cost of a day off;
 * restrict_ (may be NULL) pins day d to restrict_[d] unless it is NO_FIX.
 * ub: labels that cannot end below it are pruned (INFINITY: none).
 * Fills choice[D] and *cost (fairness included). 0, -ENOENT (no horizon, or
 * none among the labels the cap kept: w->truncated), -ENOMEM, -ETIMEDOUT,
 * -ECANCELED (w->clk).
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
 * tie-breaking nudge (see engine_dp_tables.c) and advances it. d0..d1: only
 * those days' costs are needed (the rest are pinned); the others are left
 * as they were. engine_dp_costs is the whole horizon.
 */
void engine_dp_costs(const struct engine_instance *I, struct dp_work *w, int a, const int *cov,
                     double *offc, uint64_t *rng);
void engine_dp_costs_days(const struct engine_instance *I, struct dp_work *w, int a, const int *cov,
                          double *offc, uint64_t *rng, int d0, int d1);

/*
 * What one DP call prepares before it runs (engine_dp_tables.c), for
 * engine_dp.c and engine_dp_prune.c alone.
 */
#define DP_NO_REACH (LONG_MIN / 4) /* a run state with no feasible continuation */

/*
 * Lower bounds for pruning. For the days d..D-1: offsuf[d] is the cost if
 * every free day is off and every pinned day as pinned; the free days that
 * may be worked have extra costs (working's cheapest option minus the day
 * off) and pre[d * (D + 1) + k] is the sum of the k smallest of them. If
 * between lo and hi more free days must be worked, no horizon costs less than
 * offsuf[d] + pre[d][j] with j = clamp(number of negative extras, lo, hi).
 */
struct dp_bound {
    double *offsuf, *pre;
    int *neg, *nfree, *pinw;
    long maxm, minm; /* largest and smallest option minutes of the agent */
};

void engine_dp_bounds(const struct engine_instance *I, struct dp_work *w, int a, const double *offc,
                      const int *restrict_, struct dp_bound *b);

/*
 * The pinned rest of the horizon, from day P on (every day pinned): the
 * minutes, bounded type counts and weekends it adds to any label.
 */
struct dp_tail {
    long minutes;
    int weekends;           /* counted by the DP's rule from P + 1 on */
    bool work_p;            /* day P is worked */
    bool p_weekend, p_cont; /* day P is a weekend day, the rest of P - 1's weekend */
};

int engine_dp_tail(const struct engine_instance *I, struct dp_work *w, int a, const int *restrict_,
                   int P, struct dp_tail *t);

/*
 * The reachability tables w->rmax, w->rmin for agent a over days F..P
 * (engine_dp_tables.c says how they are laid out); SM is what the pinned
 * days from P on add. 0 or -ENOMEM.
 */
int engine_dp_reach(const struct engine_instance *I, struct dp_work *w, int a, const int *restrict_,
                    int F, int P, long SM);

/*
 * Whether day d of agent a is pinned (by the caller or frozen), and to what.
 */
static inline int engine_dp_pinned(const struct engine_instance *I, int a, int d,
                                   const int *restrict_)
{
    if (restrict_ && restrict_[d] != NO_FIX)
        return restrict_[d];
    return I->fixed[a * I->D + d];
}

/*
 * The labels and the layer operations shared by engine_dp.c (the labels, the
 * recursion) and engine_dp_prune.c (what thins a layer), for those two alone.
 */

/* The rules the DP tracks for agent a: its own, or the caller's relaxation. */
static inline const struct aprep *dp_prep(const struct engine_instance *I, const struct dp_work *w,
                                          int a)
{
    return w->prep ? w->prep : &I->ap[a];
}

/* The DP's counter of type t for agent a under p; -1: not counted (or p counts none). */
static inline int dp_counter(const struct engine_instance *I, const struct aprep *p, int a, int t)
{
    return p->n_cnt > 0 ? I->cnt_index[a * I->T + t] : -1;
}

/* Every field is set explicitly (padding included) so that keys compare with memcmp. */
struct dp_key {
    int32_t last;  /* 0: off yesterday (or nothing yet); else class + 1 of yesterday's option */
    int32_t mins;  /* minutes so far / g */
    int32_t wmin;  /* minutes this week / g */
    int16_t run;   /* length of the current run (work if last > 0, else off), capped */
    int16_t wk;    /* weekends used */
    uint8_t flag;  /* the current run started on day 0 */
    uint8_t wdays; /* days worked this week */
    uint16_t zero;
};

struct dp_node {
    double cost;
    struct dp_key k;
    int32_t parent;
    int32_t choice;
};

static inline uint16_t *cnt_of(const struct dp_work *w, int d, int i, int n_cnt)
{
    return w->cnt[d] + (size_t)i * (size_t)n_cnt;
}

/* The index of a label's run state in the reachability tables (see dp_reach). */
static inline int run_state(const struct aprep *p, const struct dp_key *k)
{
    int r = k->last > 0 ? k->run - 1 : p->cap_work + k->run;
    return r * 2 + k->flag;
}

/*
 * The most minutes a label in run state st can still add from tomorrow on
 * (rx0: the tables at tomorrow, tab apart; dp_reach). For every cut q, the
 * table that shortens every bounded type to cut q minutes, plus what the
 * label's own bounded types can add beyond that cut: each one left times
 * the minutes its longest option exceeds the cut by. Every q gives an upper
 * bound, the smallest is kept: a label with one long night shift left can
 * no longer count on a night shift every day (a beam that spent its long
 * shifts early used to learn only days before the end that it could not
 * reach its minimum).
 */
static inline long reach_max(const struct dp_work *w, const struct aprep *p, const int *cmax,
                             const uint16_t *kc, bool spent, const long *rx0, size_t tab, int st)
{
    int nc = p->n_cnt, ncut = w->ncut;
    const long *cut = w->ctlen + nc + 1;
    long best = rx0[(size_t)(2 * (ncut - 1) + spent) * tab + (size_t)st];
    if (best == DP_NO_REACH || ncut <= 1)
        return best;
    for (int q = 0; q + 1 < ncut; q++) {
        long v = rx0[(size_t)(2 * q + spent) * tab + (size_t)st];
        for (int i = 0; i < nc && v < best; i++)
            if (w->ctlen[i] > cut[q])
                v += (long)(cmax[i] - kc[i]) * (w->ctlen[i] - cut[q]);
        best = v < best ? v : best;
    }
    return best;
}

/*
 * Minutes in dominance (dp_dominance): a label that can no longer exceed
 * the maximum (its minutes plus all it can still reach stay below it), or
 * can no longer miss the minimum (plus what it must still work reach it),
 * is as good as one with fewer, or more, minutes that costs no less. The
 * generated instances' shifts of 6-12 h make the minutes a label carries
 * take hundreds of values a day where 8-hour shifts take tens; without
 * this the exact DP kept them all. Off where the agent has a fairness
 * target (minutes have a price then).
 */
struct dom_ctx {
    bool on;
    const struct aprep *p;
    const struct engine_agent_rules *r;
    const int *cmax;
    const long *rx0, *rn0; /* the reachability tables at this layer (dp_reach) */
    size_t tab;
};

/* The bound from day d on when mins minutes are already worked. */
static inline double dp_lb(const struct dp_bound *b, const struct engine_agent_rules *r,
                           bool track_mins, int D, int d, long mins)
{
    long lo = 0, hi = b->nfree[d];
    if (track_mins) {
        if (mins < r->min_minutes) {
            lo = (r->min_minutes - mins + b->maxm - 1) / b->maxm - b->pinw[d];
            if (lo < 0)
                lo = 0;
        }
        if (b->minm > 0 && r->max_minutes < ENGINE_UNLIMITED) {
            long h = (r->max_minutes - mins) / b->minm;
            if (h < hi)
                hi = h;
        }
    }
    if (lo > hi)
        return INFINITY;
    long j = b->neg[d];
    if (j < lo)
        j = lo;
    if (j > hi)
        j = hi;
    return b->offsuf[d] + b->pre[(size_t)d * (size_t)(D + 1) + (size_t)j];
}

/* Empties the hash table (for the next layer). engine_dp.c */
void dp_hash_clear(struct dp_work *w);
/* Keeps the labels of layer d with alive[i] set, in their order; returns how many. engine_dp.c */
int dp_compact(struct dp_work *w, int d, int n_cnt);
/* Removes the dominated labels of layer d (engine_dp_prune.c). 0 or -ENOMEM. */
int dp_dominance(struct dp_work *w, int d, int n_cnt, const struct dom_ctx *mc);
/* Keeps the cap best labels of layer d (engine_dp_prune.c): the beam. 0 or -ENOMEM. */
int dp_cap(const struct engine_instance *I, struct dp_work *w, int a, int d, int cap,
           const struct dp_bound *bd);
/* Layer P when every day from P on is pinned (engine_dp_prune.c). 0 or -ENOMEM. */
int dp_suffix(const struct engine_instance *I, struct dp_work *w, int a, int P,
              const struct dp_tail *t);

#endif
