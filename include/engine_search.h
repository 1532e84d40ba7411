/* SPDX-License-Identifier: ISC */
/*
 * engine_search.h — the engine's local search (engine_search.c) as the
 * orchestration (engine_solve.c) drives it: one struct search per thread,
 * holding that thread's roster, coverage, best and annealing state.
 *
 *   search_init(S, inst, params, thread);  then engine_solve.c sets the run's
 *                                          shared fields (t0, best_mu, ...)
 *   search_construct(S, phase);            a first roster, agent by agent by DP
 *   while (!search_should_stop(S)) {
 *       double u = rng_unit(&S->rng);
 *       search_cool(S, share of the schedule done);
 *       search_step(S, u);                 one neighbourhood, annealing decides
 *       search_note_best(S);
 *       S->iter++;
 *   }
 *   search_free(S);                        also after a failed search_init
 *
 * The LP thread also puts rosters of its own in place (search_set_row,
 * search_row_ok, search_reopt_agent). Functions returning int give 0 or a
 * negative errno. Not thread safe: a search belongs to its thread, except
 * its best (best_mu).
 *
 * Include order: engine_dp.h <- engine_search.h <- engine_solve.c.
 */
#ifndef STAFFD_ENGINE_SEARCH_H
#define STAFFD_ENGINE_SEARCH_H

#include "engine.h"
#include "engine_dp.h"
#include "engine_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "util.h"

struct colgen; /* the LP thread's master: engine_solve.c's, the search never touches it */

/*
 * One search thread. The search's own state comes first; from cg on, the
 * fields belong to the orchestration (engine_solve.c sets them), of which
 * the search reads snap, n_snap, seg_cost and segments (search_note_best
 * keeps the current segment's best), optimal (search_should_stop), best_any
 * (lowered with each new best) and best_mu (held while its best changes).
 */
struct search {
    const struct engine_instance *I;
    const struct engine_params *P;
    int thread;
    uint64_t rng;
    struct dp_work w;
    int *cur, *best, *cov, *mins, *row, *row2, *save, *order;
    double *offc;
    double cur_cost, best_cost;
    long iter;
    int passes;
    double temp, temp0, temp1, p_rr, p_win, p_sw;
    bool cancelled;
    int rc;
    int infeasible_agent;
    const struct engine_clock *clk; /* the run's clock (engine_solve.c's) */
    struct engine_clock clk_grace;  /* the same, its deadline moved by the construction's grace */
    int cap_construct; /* the DP's labels per day in a construction (see search_init) */
    bool hurried;      /* ... even its narrowest beam overruns its share of the budget */
    int cap_search;    /* ... and in the search's neighbourhoods */
    /* The LP thread: its master, kept for one recombination late in the run. */
    struct colgen *cg;
    bool recombined;
    bool windows;      /* the LP thread solves the LP by windows (lp_windows) */
    bool windows_paid; /* ... and some window improved the roster */
    int window_days;   /* ... the width they had reached (0: none yet) */
    int pooled;        /* rosters the recombination had */
    long nodes;        /* branch and price nodes */
    int *snap; /* [(RECOMBINE_SNAPS + 1) * A * D]: bests of finished segments, then the current */
    int n_snap;
    double seg_cost;          /* best of the current segment */
    bool segments;            /* annealing in segments (RECOMBINE_SNAPS, engine_solve.c) */
    double seg_base;          /* progress when the segments began; -1: not (yet) */
    atomic_bool *lp_root;     /* the LP thread's root converged */
    atomic_bool *lp_gone;     /* ... but it has no master left to recombine with */
    atomic_bool *optimal;     /* branch and price proved the run's best optimal: all stop */
    _Atomic double *best_any; /* the best objective of any thread */
    struct search *all;       /* every thread's search, [nt] */
    int nt;
    pthread_mutex_t *best_mu; /* guards each thread's best against the LP thread's reads */
};

int search_init(struct search *S, const struct engine_instance *I, const struct engine_params *P,
                int thread) STAFFD_MUSTCHECK;
void search_free(struct search *S);

/*
 * The first roster: every agent in random order by the DP against those
 * before it, each DP a beam of S->cap_construct labels a day, widened for an
 * agent where it finds nothing. Cancellation interrupts it (-ECANCELED);
 * past the deadline it finishes with the narrowest beam, and gives up
 * (-ETIMEDOUT) once the grace after the deadline is spent too. -EDOM when an
 * agent has no feasible horizon (S->infeasible_agent).
 */
int search_construct(struct search *S, enum engine_phase phase) STAFFD_MUSTCHECK;

int search_step(struct search *S, double u) STAFFD_MUSTCHECK;
void search_cool(struct search *S, double t);

/* Keeps the current roster as the thread's best (and its segment's) when it is better. */
void search_note_best(struct search *S);
bool search_should_stop(struct search *S);
double search_elapsed(const struct search *S); /* seconds since the run's start */
double search_now(const struct search *S, enum engine_phase phase); /* ditto, for a phase */

/*
 * Agent a's whole horizon by DP against the others, as in a construction
 * (the beam widened until it finds one): -EDOM when it has none.
 */
int search_place_agent(struct search *S, int a);
/* Agent a's whole row becomes row (unchecked); returns the cost change. */
double search_set_row(struct search *S, int a, const int *row);
/*
 * An agent who works, on day d, the shift agent a wishes for there and does
 * not have (drawn uniformly among those of up to 512 agents from a random
 * one on), or -1: the partner of the trades
 * aimed at an unmet wish (docs/engine.md, Method 4).
 */
int search_wish_partner(struct search *S, int a, int d);
/* Whether row breaks none of agent a's hard rules. */
bool search_row_ok(const struct search *S, int a, const int *row);
/* Agent a's horizon re-optimised by DP against the others (days pinned by restrict_). */
int search_reopt_agent(struct search *S, int a, const int *restrict_,
                       double *delta) STAFFD_MUSTCHECK;

#endif
