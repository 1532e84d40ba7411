/* SPDX-License-Identifier: ISC */
/*
 * colgen.h — the LP relaxation of an engine instance by column generation,
 * and a roster dived from it.
 *
 * Master: one column per known horizon of an agent (its own cost: wishes and
 * hours against target), a convexity row per agent, a row per demand cell
 * with shortage and surplus slacks priced by the cell's penalty. Pricing: the
 * engine's exact per-agent DP with each unit of cover earning the cell's
 * dual. When no agent prices out, the LP value is a lower bound on every
 * roster's objective. The dive then fixes agents to their (near-)integral
 * columns one group at a time, generating columns for the rest after each
 * fix, until every agent has one horizon: a feasible roster that the local
 * search can start from.
 *
 *   struct colgen_params p = {.seconds = 5};
 *   struct colgen_result r;
 *   if (colgen_solve(inst, &p, &r) == 0) { ... r.lp_bound, r.choice ...; }
 *   colgen_result_free(&r);
 *
 * Pure computation (GLPK's simplex, no I/O); one call uses one thread.
 *
 * Built on the engine's prepared model (engine_internal.h) and its DP
 * (engine_dp.h), beside the local search and below the orchestration:
 * engine_solve.c (the LP thread) is its caller in the engine, `staffd nrp
 * --lp` (nrp_cli.c) the other. Four files implement it, sharing
 * colgen_internal.h: colgen_master.c (the master and its pricing),
 * colgen_dive.c (colgen_run's dives and restricted MIP, colgen_recombine),
 * colgen_branch.c (branch and price) and colgen_bound.c (the root's bound
 * while pricing is a beam); none includes the search's or the
 * orchestration's headers.
 */
#ifndef STAFFD_COLGEN_H
#define STAFFD_COLGEN_H

#include <stdatomic.h>
#include <stdbool.h>

#include "util.h"

struct engine_instance;
struct engine_clock;

struct colgen_params {
    double seconds;            /* wall clock for everything; <= 0: no limit */
    double root_share;         /* of seconds for the root LP; 0 means 0.5 */
    bool converged_only;       /* no dive unless root pricing ended in time: -ETIMEDOUT */
    const atomic_bool *cancel; /* may be NULL */
    atomic_bool *root_done;    /* may be NULL: set as soon as the root LP converged */
    /*
     * May be NULL: the objective of the best roster known elsewhere (other
     * searches), which may fall while colgen_branch runs; branch and price
     * cuts its tree with it too, and then *proved means that no roster
     * beats min(its own, this one).
     */
    const _Atomic double *elsewhere;
    /*
     * May be NULL (CLOCK_MONOTONIC, no deadline): the run's clock
     * (engine_internal.h). Every phase reads it; its deadline and cancel
     * flag also stop a pricing DP at once.
     */
    const struct engine_clock *clock;
    /*
     * Also bound the root from below by a Lagrangian relaxation of the
     * pricing (colgen_bound.c) after every pricing round that was a beam: the only bound
     * there is while pricing is a beam (large instances), at most 10 % of
     * the root's time (30 % where the beam finds nothing more). `staffd nrp
     * --lp` sets it; the engine's LP thread does not need it.
     */
    bool lagrange;
};

struct colgen_result {
    double lp_value;       /* root master LP value */
    double lp_bound;       /* best Lagrangian lower bound seen at the root */
    double lagrange_bound; /* the best of them from the relaxed pricing (lagrange); -INFINITY */
    bool converged;        /* no column priced out at the root: lp_bound == lp_value */
    int *choice;           /* [agent * n_days + day] dived roster, NULL if time ran out first */
    double objective;      /* engine_check() of choice */
    bool complete;         /* choice from a finished dive, the MIP, or better than those */
    int columns, rounds, lp_solves;
    double root_seconds, seconds;
};

/*
 * 0; -EINVAL, -ENOMEM, -ECANCELED, -EDOM (an agent with no feasible horizon),
 * -ERANGE (an agent for whom no horizon was found within the DP's memory bound),
 * -EIO (LP failed), -ETIMEDOUT (no LP solution in time, or see converged_only).
 */
int colgen_solve(const struct engine_instance *inst, const struct colgen_params *p,
                 struct colgen_result *out) STAFFD_MUSTCHECK;
void colgen_result_free(struct colgen_result *r);

/*
 * colgen_solve() that keeps the master (every column generated) in *keep on
 * success, for colgen_recombine(). GLPK's state is per thread: recombine and
 * free on the thread that ran it.
 */
struct colgen;
int colgen_run(const struct engine_instance *inst, const struct colgen_params *p,
               struct colgen **keep, struct colgen_result *out) STAFFD_MUSTCHECK;
/*
 * Adds every agent's row of n rosters ([n][agents * days]) to the master's
 * columns and runs branch and bound over all of them for at most seconds,
 * from the best of the rosters: agents' horizons from different rosters
 * recombined. 1 and choice, *objective when it found a better roster; 0 if
 * not; negative errno.
 */
int colgen_recombine(struct colgen *g, const int *rosters, int n, double seconds, int *choice,
                     double *objective) STAFFD_MUSTCHECK;
/*
 * Branch and price from start (a roster, or NULL for none): depth first over
 * agent-day decisions (work this option / never this option), the master's
 * columns priced again at every node under its decisions, a node cut off as
 * soon as its LP (or Lagrangian) bound cannot beat the best roster known.
 * Unlike colgen_recombine it reaches horizons no search produced. 1 and
 * choice, *objective when it found a roster better than start (also when
 * the clock or a cancel then stopped it); 0 if not (the clock, or an LP
 * failure, ended it); negative errno. A start that breaks a hard rule is
 * ignored. start and choice may be the same array. *proved: the tree was
 * exhausted within seconds (<= 0: no limit), so the best roster (start or
 * choice) is optimal. Same thread as colgen_run (GLPK's state).
 */
int colgen_branch(struct colgen *g, const int *start, double seconds, int *choice,
                  double *objective, bool *proved) STAFFD_MUSTCHECK;
/*
 * colgen_branch over days d0..d1 only: every agent-day outside them stays
 * as in start (which must break no hard rule: -EINVAL). A large
 * neighbourhood solved exactly where the whole LP is too slow to price.
 * *proved: start's rows outside the window admit nothing better.
 */
int colgen_branch_window(struct colgen *g, const int *start, int d0, int d1, double seconds,
                         int *choice, double *objective, bool *proved) STAFFD_MUSTCHECK;
/*
 * A master with one column per agent and nothing solved (colgen_branch and
 * colgen_branch_window price the rest). 0, -EINVAL, -ENOMEM, -EDOM, -ERANGE.
 */
int colgen_new(const struct engine_instance *inst, const struct colgen_params *p,
               struct colgen **g) STAFFD_MUSTCHECK;
long colgen_nodes(const struct colgen *g); /* branch and price nodes so far */
void colgen_free(struct colgen *g);

#endif
