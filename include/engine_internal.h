/* SPDX-License-Identifier: ISC */
/*
 * engine_internal.h — the engine's prepared model: struct engine_instance as
 * engine_model.c builds and finalizes it (options sorted by agent and day,
 * wishes folded into costs, what the DP must track per agent), the cell and
 * fairness penalties every evaluator shares, and the from-scratch scan of one
 * agent's hard rules.
 *
 * The bottom of the engine's include order (docs/engine.md):
 *   engine.h <- engine_internal.h, engine_rng.h <- engine_dp.h <- engine_search.h,
 *   colgen_internal.h <- engine_solve.c
 * Included by the engine's files (engine_model.c, engine_dp*.c,
 * engine_search.c, engine_solve.c) and by the column generation
 * (colgen_internal.h, colgen_*.c), which prices rosters against the same
 * model. Not an API: nothing outside the engine includes
 * this. A finalized instance is read-only (shared by the search threads).
 */
#ifndef STAFFD_ENGINE_INTERNAL_H
#define STAFFD_ENGINE_INTERNAL_H

#include "engine.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "util.h"

#define NO_FIX (-2)

enum wish_what { WISH_TYPE = 0, WISH_OPTION = 1 };

struct wish {
    int agent, day, what, x;
    bool want;
    double weight;
    enum engine_kind kind;
};

/* An option after finalize, sorted by (agent, day). */
struct popt { /* 56 bytes, not 64: a year of 150 staff x 32 types holds 1.7 M of them */
    int64_t start, end;
    double cost; /* soft wishes that hit this option */
    int type;
    int minutes;
    int cover_off, n_cover;
    int cls;     /* DP class within its agent-day: equal (type, end) as far as rules care */
    int slot;    /* same (day, type, start, end, cells) across agents: swap partner */
    bool banned; /* day off, frozen elsewhere, or type forbidden for the agent */
};

/* Where an option was added: sorted into (agent, day, seq) order by finalize. */
struct addkey {
    int agent, day, seq;
};

/* What the DP must track for one agent (only rules that can bind). */
struct aprep {
    int g; /* gcd of the agent's option minutes: the DP counts minutes in units of g */
    bool track_mins, track_wmin, track_wdays, track_wk, track_type, track_end;
    int n_cnt;   /* bounded types the DP counts (any number) */
    int cnt_off; /* their maxima: I->cnt_max[cnt_off .. cnt_off + n_cnt) */
    int cap_work, cap_off;
};

/*
 * A run's clock: every phase reads it (engine_params.clock, or
 * CLOCK_MONOTONIC) and stops at `deadline` (seconds on that clock; 0: none)
 * or when `cancel` is raised. Shared read-only by the run's threads.
 */
struct engine_clock {
    double (*now)(void *ctx, enum engine_phase phase);
    void *ctx;
    double t0;       /* the run's start */
    double deadline; /* 0: no deadline */
    const atomic_bool *cancel;
};

double engine_clock_read(const struct engine_clock *c, enum engine_phase phase);
/* The deadline has passed or the run was cancelled. NULL: never. */
bool engine_clock_expired(const struct engine_clock *c, enum engine_phase phase);
bool engine_clock_cancelled(const struct engine_clock *c);

struct engine_instance {
    int D, A, T;
    bool final;
    /* cells */
    int n_cells, cap_cells;
    int *req;
    double *under, *over;
    int *curve_off, *curve_n; /* into curve: cumulative shortage penalty, n + 1 entries */
    double *curve;
    int n_curve, cap_curve;
    /*
     * Options as added go straight into po (keys in add, freed by
     * finalize): callers add them in agent and day order, and then po needs
     * no second copy, which halves the model's peak on large instances.
     */
    int n_add, cap_add;
    struct addkey *add;
    int n_cov, cap_cov;
    int *cov_cell, *cov_amt;
    int *n_per_ad; /* [A*D] */
    /* agents */
    struct engine_agent_rules *rules;
    int *type_max; /* [A*T] */
    /*
     * Successions: forbid[a] is agent a's [T*T] matrix, the shared
     * forbid_all unless the agent has rules of its own (then a copy), so that
     * many agents and many types cost T*T once.
     */
    uint8_t *forbid_all;
    uint8_t **forbid;
    int *weekend;    /* [A*D], -1 */
    uint8_t *dayoff; /* [A*D] */
    int *fixed;      /* [A*D], NO_FIX */
    int *target;
    double *t_under, *t_over;
    int n_wish, cap_wish;
    struct wish *wish;
    /* prepared */
    int *ad_start; /* [A*D+1] into po */
    struct popt *po;
    double *offcost; /* [A*D] */
    int *maxmin;     /* [A*D] largest allowed option minutes that day */
    int *cls_start;  /* [A*D+1] into cls_type / cls_end */
    int *cls_type;
    int64_t *cls_end;
    struct aprep *ap;
    int *cnt_index; /* [A*T]: which DP counter tracks the type, -1 */
    int *cnt_max;   /* the counted types' maxima, per agent from ap[a].cnt_off */
    double noise;   /* tie-breaking noise per DP cost (see engine_dp_costs) */
    double minw;    /* smallest positive weight: the unit of the annealing temperature */
};

static inline bool forbid_at(const struct engine_instance *I, int a, int first, int next)
{
    return I->forbid[a][(size_t)first * (size_t)I->T + (size_t)next] != 0;
}

static inline double cell_pen(const struct engine_instance *I, int c, int cov)
{
    int r = I->req[c];
    if (cov >= r)
        return I->over[c] * (double)(cov - r);
    int s = r - cov, n = I->curve_n[c];
    if (n == 0)
        return I->under[c] * (double)s;
    const double *cum = I->curve + I->curve_off[c];
    if (s <= n)
        return cum[s];
    return cum[n] + (double)(s - n) * (cum[n] - cum[n - 1]);
}

static inline double fair_pen(const struct engine_instance *I, int a, int minutes)
{
    int t = I->target[a];
    if (minutes < t)
        return I->t_under[a] * (double)(t - minutes);
    return I->t_over[a] * (double)(minutes - t);
}

/* Option o (index within its agent-day) of agent a on day d; finalized instances only. */
static inline const struct popt *opt_of(const struct engine_instance *I, int a, int d, int o)
{
    return &I->po[I->ad_start[a * I->D + d] + o];
}

/*
 * Every hard rule over agent a's horizon row[n_days], from scratch
 * (engine_model.c). Counts violations per rule into by_rule (may be NULL)
 * and describes the first in why (may be NULL). With stop, returns at the
 * first violation and skips the rules finalize proved cannot bind: the
 * search's feasibility test. The number of violations, or -ENOMEM.
 */
int engine_agent_scan(const struct engine_instance *I, int a, const int *row, bool stop,
                      int *by_rule, char *why, size_t why_len) STAFFD_MUSTCHECK;

#endif
