/* SPDX-License-Identifier: ISC */
/*
 * engine.h — the rostering engine: one generic model for contact centres and
 * the Curtois rostering benchmark (docs/nrp.md), solved by dynamic
 * programming per agent plus local search (docs/engine.md).
 *
 * Pure (no I/O), deterministic for a given seed and iteration budget, thread
 * safe: a finalized instance is read-only and may be solved from several
 * threads at once.
 *
 * Use: engine_instance_new(); add cells (engine_cell_add), options per agent
 * and day (engine_option_add), per-agent rules, soft wishes; then
 * engine_instance_finalize(). engine_solve() returns one option (or -1, the
 * day off) per agent and day that breaks no hard rule; demand that cannot be
 * met shows up as cell shortage. engine_check() re-evaluates any assignment
 * from scratch. engine_best_pattern() asks the per-agent DP for the best
 * horizon of one agent against a given coverage (recruitment: "what could this
 * candidate cover").
 *
 * Implementation (docs/engine.md, "Files"): engine_model.c (builder,
 * finalize, engine_check), engine_dp.c, engine_dp_prune.c and
 * engine_dp_tables.c (the per-agent DP, engine_best_pattern),
 * engine_search.c (one thread's local search) and
 * engine_solve.c (engine_solve: the threads, and the LP thread by way of
 * colgen.h); their shared internals are in engine_internal.h, engine_dp.h,
 * engine_rng.h and engine_search.h.
 *
 * Conventions: days are 0..n_days-1; instants are seconds (any epoch, only
 * differences matter); every function returns 0 (or an index) on success and
 * a negative errno on failure.
 */
#ifndef STAFFD_ENGINE_H
#define STAFFD_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define ENGINE_UNLIMITED INT32_MAX

/* What a soft penalty is reported as (the breakdown of the objective). */
enum engine_kind {
    ENGINE_KIND_UNDER = 0,   /* cell shortage */
    ENGINE_KIND_OVER,        /* cell surplus */
    ENGINE_KIND_REQUEST_ON,  /* a wish to work something that was not granted */
    ENGINE_KIND_REQUEST_OFF, /* a wish not to work something that was not granted */
    ENGINE_KIND_PREFERENCE,
    ENGINE_KIND_STABILITY, /* differs from the published roster */
    ENGINE_KIND_FAIRNESS,  /* minutes away from the agent's target */
    ENGINE_KIND_COUNT
};

/* Hard rules, as counted by engine_check(). */
enum engine_rule {
    ENGINE_RULE_CHOICE = 0,   /* option index out of range */
    ENGINE_RULE_DAY_OFF,      /* works on a fixed day off */
    ENGINE_RULE_FIXED,        /* differs from a frozen choice */
    ENGINE_RULE_SUCCESSION,   /* forbidden type pair on consecutive days */
    ENGINE_RULE_REST,         /* less than the minimum rest, or overlap */
    ENGINE_RULE_TYPE_MAX,     /* too many options of one type */
    ENGINE_RULE_MINUTES,      /* total minutes outside [min, max] */
    ENGINE_RULE_WEEK_MINUTES, /* minutes of a week outside [min, max] */
    ENGINE_RULE_WEEK_DAYS,    /* too many days in a week */
    ENGINE_RULE_MAX_CONSECUTIVE,
    ENGINE_RULE_MIN_CONSECUTIVE,
    ENGINE_RULE_MIN_DAYS_OFF,
    ENGINE_RULE_WEEKENDS,
    ENGINE_RULE_COUNT
};

/*
 * Per-agent hard rules; engine_rules_default() sets "no limit" everywhere.
 * Minimum run lengths (work and off) exempt runs touching the first or the
 * last day. Weeks are 7-day blocks: day 0 lies week_offset days after the
 * start of its week (0 when day 0 is the first day of a week); the minimum per
 * week binds only weeks wholly inside the horizon, the maximum binds all.
 */
struct engine_agent_rules {
    int min_rest_minutes; /* between the end of one day's option and the next day's start */
    int min_minutes, max_minutes;
    int min_week_minutes, max_week_minutes;
    int max_week_days;
    int week_offset;
    int min_consecutive, max_consecutive; /* working days */
    int min_consecutive_off;
    int max_weekends; /* see engine_agent_set_weekend() */
};

/* A concrete shift one agent may work on one day. */
struct engine_option {
    int type;           /* 0..n_types-1: successions, counts, wishes by type */
    int64_t start, end; /* instants for rest and overlap checks */
    int minutes;        /* paid minutes counted against the limits */
    int n_cover;        /* demand cells it covers */
    const int *cells;   /* [n_cover] cell indexes */
    const int *amounts; /* [n_cover] or NULL for 1 each */
};

/*
 * The phases of a run that read the clock (engine_params.clock): each one
 * stops at the deadline (or the cancel flag) by itself, so that no phase can
 * hold a run past its budget.
 */
enum engine_phase {
    ENGINE_PHASE_CONSTRUCT = 0, /* the first roster, agent by agent */
    ENGINE_PHASE_DP,            /* inside one per-agent DP, layer by layer */
    ENGINE_PHASE_SEARCH,        /* between search steps */
    ENGINE_PHASE_LP,            /* column generation: LP solves and pricing rounds */
    ENGINE_PHASE_BRANCH,        /* branch and price, and the MIPs over columns */
    ENGINE_PHASE_RECOMBINE,     /* the late recombination of every thread's best */
    ENGINE_PHASE_SEGMENT,       /* the segments' fresh constructions */
    ENGINE_PHASE_WINDOW,        /* branch and price by windows of days */
    ENGINE_PHASE_COUNT
};

struct engine_params {
    uint64_t seed;
    long iterations;           /* per thread; <= 0: no iteration limit */
    double seconds;            /* wall clock; <= 0: no time limit (then iterations must be > 0) */
    int threads;               /* independent searches with different seeds; 0 means 1 */
    const atomic_bool *cancel; /* may be NULL; see engine_solve() */
    /*
     * May be NULL. Called from the searching thread each time that thread
     * finds a new best (after construction, then on every improvement):
     * anytime curves for benchmarks. Must be thread-safe and quick.
     */
    void (*progress)(void *ctx, int thread, double seconds, double best);
    void *progress_ctx;
    /*
     * 0: off. Else the last thread first spends this share of the time budget (all
     * of what it needs under an iteration budget) on the LP relaxation by
     * column generation and a roster dived from it (colgen.h), and searches
     * from that roster instead of a greedy one. Strong where the LP is tight
     * (the benchmark); costly on sites with very many options per agent.
     * Under a time budget the LP thread then branches and prices (colgen_branch)
     * from the best roster of any thread; a roster it proves optimal ends the
     * run at once (engine_solution.optimal).
     */
    double lp_share;
    bool no_branch; /* with lp_share: no branch and price (to measure what it adds) */
    /*
     * May be NULL (CLOCK_MONOTONIC). The clock every phase reads, in seconds
     * from any origin; `seconds` counts from its value when engine_solve()
     * starts. Tests inject one to see that each phase consults it and stops
     * once it says the budget is spent. Must be thread-safe.
     */
    double (*clock)(void *ctx, enum engine_phase phase);
    void *clock_ctx;
};

struct engine_report {
    double objective;
    double by_kind[ENGINE_KIND_COUNT];
    int violations; /* hard violations, 0 for any solution engine_solve() returns */
    int by_rule[ENGINE_RULE_COUNT];
    char first[160]; /* the first violation, for a log line */
};

struct engine_solution {
    int n_agents, n_days;
    int *choice; /* [agent * n_days + day]: option index for that agent-day, or -1 */
    struct engine_report report; /* engine_check() of choice */
    long iterations;             /* done by the winning thread */
    int thread;                  /* which search won */
    int pooled;   /* rosters the LP thread's recombination had (lp_share), 0 if none */
    long nodes;   /* branch and price nodes */
    bool optimal; /* branch and price proved the roster optimal (and the run ended early) */
    bool cancelled;
    int infeasible_agent; /* -1, or the agent with no feasible horizon (-EDOM) */
};

struct engine_instance;

struct engine_instance *engine_instance_new(int n_days, int n_agents, int n_types) STAFFD_MUSTCHECK;
void engine_instance_free(struct engine_instance *inst);
void engine_rules_default(struct engine_agent_rules *r);

/* Returns the new cell's index. Penalty: under * shortage + over * surplus. */
int engine_cell_add(struct engine_instance *inst, int requirement, double under,
                    double over) STAFFD_MUSTCHECK;
/*
 * Convex shortage: the k-th agent missing (k = 0, 1, ...) costs marginal[k]
 * (the last entry repeats), replacing the linear under weight. Marginals
 * should not decrease, or the model is no longer convex.
 */
int engine_cell_set_shortage_curve(struct engine_instance *inst, int cell, const double *marginal,
                                   int n) STAFFD_MUSTCHECK;
/* Returns the option's index within (agent, day): 0, 1, ... in the order added. */
int engine_option_add(struct engine_instance *inst, int agent, int day,
                      const struct engine_option *o) STAFFD_MUSTCHECK;

int engine_agent_set_rules(struct engine_instance *inst, int agent,
                           const struct engine_agent_rules *r) STAFFD_MUSTCHECK;
/* At most max options of this type over the horizon (0 forbids the type). */
int engine_agent_set_type_max(struct engine_instance *inst, int agent, int type,
                              int max) STAFFD_MUSTCHECK;
/* type `next` may not follow `first` on the next day; agent -1 = every agent. */
int engine_forbid_succession(struct engine_instance *inst, int agent, int first,
                             int next) STAFFD_MUSTCHECK;
/* Marks day as part of weekend number `weekend` (0..n_days-1; its days must be consecutive). */
int engine_agent_set_weekend(struct engine_instance *inst, int agent, int day,
                             int weekend) STAFFD_MUSTCHECK;
/* Hard: the agent does not work that day. */
int engine_agent_day_off(struct engine_instance *inst, int agent, int day) STAFFD_MUSTCHECK;
/* Hard (frozen): the agent-day keeps `option` (-1: off). */
int engine_agent_fix(struct engine_instance *inst, int agent, int day, int option) STAFFD_MUSTCHECK;

/*
 * Soft wishes. want: penalty `weight` unless the agent-day gets it; !want:
 * penalty if it does. type or option -1 means the day off. Reported under `kind`.
 */
int engine_wish_type(struct engine_instance *inst, int agent, int day, int type, bool want,
                     double weight, enum engine_kind kind) STAFFD_MUSTCHECK;
int engine_wish_option(struct engine_instance *inst, int agent, int day, int option, bool want,
                       double weight, enum engine_kind kind) STAFFD_MUSTCHECK;
/* Fairness: penalty per minute below / above target over the horizon (ENGINE_KIND_FAIRNESS). */
int engine_agent_target_minutes(struct engine_instance *inst, int agent, int target, double under,
                                double over) STAFFD_MUSTCHECK;

/* Freezes the instance; nothing can be added afterwards. -EINVAL, -ERANGE, -ENOMEM. */
int engine_instance_finalize(struct engine_instance *inst) STAFFD_MUSTCHECK;

int engine_n_agents(const struct engine_instance *inst);
int engine_n_cells(const struct engine_instance *inst);
/* Number of options of (agent, day); -EINVAL when out of range. */
int engine_n_options(const struct engine_instance *inst, int agent, int day);
/* The type of option `option` of (agent, day), or -EINVAL. */
int engine_option_type(const struct engine_instance *inst, int agent, int day, int option);

/*
 * Solves. On success (0) *out owns a choice array (engine_solution_free()).
 * -EDOM when some agent has no feasible horizon at all (out->infeasible_agent
 * says which), -ERANGE when over a horizon too long for the exact DP
 * (more than two months) no thread placed some agent even with the widest
 * beam, -ETIMEDOUT when no roster was complete in time, -EINVAL for bad
 * parameters, -ENOMEM. Cancellation after the
 * first complete roster is not an error: the best solution found so far comes
 * back with out->cancelled set. Cancelled while the first roster is still
 * being built (which takes seconds on very large sites): -ECANCELED, with
 * out->cancelled set and no choice array.
 */
int engine_solve(const struct engine_instance *inst, const struct engine_params *p,
                 struct engine_solution *out) STAFFD_MUSTCHECK;
void engine_solution_free(struct engine_solution *s);

/* Recomputes objective, breakdown and hard violations of choice from scratch. */
int engine_check(const struct engine_instance *inst, const int *choice,
                 struct engine_report *rep) STAFFD_MUSTCHECK;

/*
 * The best horizon for one agent given the coverage of every cell by the
 * others (coverage[n_cells]; NULL = nobody), exactly by DP. choice[n_days] is
 * filled; *cost is the objective change the agent brings (negative: gain).
 * -ENOENT when the agent has no feasible horizon.
 */
int engine_best_pattern(const struct engine_instance *inst, int agent, const int *coverage,
                        int *choice, double *cost) STAFFD_MUSTCHECK;

/*
 * Whether each agent with which[a] set (which NULL: every agent) has any
 * horizon that keeps its hard rules: feasible[a] (left alone for the
 * others). Any horizon will do, so the DP runs as a narrow beam and widens
 * only where it finds none: a proof of infeasibility costs the exact DP, a
 * feasible agent a few thousand labels. 0, -ECANCELED (cancel raised
 * between agents), -ENOMEM.
 */
int engine_feasible_agents(const struct engine_instance *inst, const bool *which,
                           const atomic_bool *cancel, bool *feasible) STAFFD_MUSTCHECK;

#endif
