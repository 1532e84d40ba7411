/* SPDX-License-Identifier: ISC */
/*
 * colgen_internal.h — the column generation's master as its four files
 * share it (include/colgen.h is the API): struct colgen (the GLPK problem,
 * its columns, the dive's fixes and pins, branch and price's decisions),
 * the clock helpers, and the operations one file lends the others.
 *
 *   colgen_master.c  the master: slacks and columns, the LP solve, pricing
 *                    by the DP (price_round, generate), a column per agent
 *                    to start from, rosters of columns; colgen_new/free
 *   colgen_dive.c    the dives and the restricted MIP from the root LP:
 *                    colgen_run/solve, colgen_recombine
 *   colgen_branch.c  branch and price: colgen_branch, colgen_branch_window
 *   colgen_bound.c   the root's lower bound while pricing is a beam: cg_bound
 *
 * Include order: engine_internal.h, engine_dp.h, colgen.h <-
 * colgen_internal.h <- colgen_*.c. Not an API: nothing outside those four
 * files includes this but test_colgen.c (which checks cg_bound agent by
 * agent against the exact DP). A struct colgen belongs to one thread (GLPK's state
 * is per thread).
 */
#ifndef STAFFD_COLGEN_INTERNAL_H
#define STAFFD_COLGEN_INTERNAL_H

#include "colgen.h"
#include "engine.h"
#include "engine_dp.h"
#include "engine_internal.h"

#include <glpk.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* A generated horizon; its option per day is in col_row. */
struct column {
    int agent;
    bool dead;     /* fixed to 0 by the dive */
    uint64_t hash; /* of (agent, row): duplicates are refused */
};

struct colgen {
    const struct engine_instance *I;
    struct colgen_params P;
    double mip_deadline;           /* for the branch and bound callback; 0: none */
    double t0;                     /* G->P.clock's reading when the master was made */
    enum engine_phase phase;       /* the public call under way: what the clock is told */
    bool round_trunc;              /* the last pricing round had a beam DP (no proof from it) */
    struct engine_clock own_clock; /* the clock when the caller gives none */
    glp_prob *lp;
    glp_smcp smcp;
    struct dp_work w;
    double *offc;  /* [D] */
    double *dual;  /* [n_cells] */
    double *mu;    /* [A] */
    double *acc;   /* [n_cells] scratch */
    int *touched;  /* [n_cells] scratch */
    int *ind;      /* [2 + n_cells] scratch, GLPK is 1-based */
    double *val;   /* [2 + n_cells] */
    int *row;      /* [D] */
    int per_agent; /* columns added per agent and round */
    int *more;     /* [per_agent * D] */
    double more_cost[16];
    int *fix_col;  /* [A]: the column an agent is fixed to, -1 */
    double *bestx; /* [A] */
    int *bestc;    /* [A] */
    int *restr;    /* [A*D]: the option the dive pinned agent-day to, NO_FIX */
    double *ysum;  /* [1 + max options of an agent-day]: scratch of the dive */
    int n_slack;   /* GLPK columns before the first horizon */
    int n_col, cap_col;
    struct column *col; /* [cap_col] */
    int *col_row;       /* [cap_col * D] */
    int rounds, lp_solves;
    bool late;     /* the last dive ran out of time and fixed the rest as they stood */
    bool integral; /* every cost is a whole number: so is every roster's objective */
    /* Branch and price: the decisions from the root to the current node. */
    struct bdec *dec;
    int n_dec, cap_dec;
    int *dhead;   /* [A]: first decision of an agent at this node, -1 */
    double *ypo;  /* [options]: the LP's value on each option of each agent-day */
    double *yoff; /* [A*D]: and on each day off */
    long nodes;
    double price_deadline; /* branch and price's: a pricing round stops there; 0: none */
    bool inexact;          /* an integral node's LP value differed from its roster's objective */
    /* The root's Lagrangian bound under beam pricing (colgen_bound.c). */
    size_t *bound_off;     /* [A + 1]: an agent's prices in bound_v */
    double *bound_v;       /* every agent's best prices of the last call */
    int *bound_rows;       /* [A]: horizons kept so far (the last BOUND_ROWS stay) */
    int *bound_row;        /* [A * BOUND_ROWS * D]: the horizons whose planes make the LP */
    double *bound_try;     /* [3 + most bounded types of an agent]: scratch, the LP's prices */
    double *bound_up;      /* [A]: the pricing round's cheapest horizon (INFINITY: none) */
    double *bound_lb;      /* [A]: the last call's bound on each agent's cheapest horizon */
    double *bound_base;    /* [options of an agent]: scratch, the options' reduced costs */
    uint8_t *bound_priced; /* [A]: the agent's minutes are priced, not tracked (they cut its DP) */
    double *bound_g;       /* [3 + most bounded types of an agent]: scratch, a plane */
    int *bound_ind;        /* [5 + most bounded types]: scratch, a plane's row (1-based) */
    double *bound_val;     /* [5 + most bounded types] */
    double bound_seconds;  /* spent on it so far */
};

/*
 * A branching decision on one agent-day: work option o there (o = -1: the
 * day off), or never (pin false). Depth first: `second` marks a decision
 * whose other branch is being explored.
 */
struct bdec {
    int a, d, o;
    bool pin, second;
    int next; /* the agent's next decision (dhead's list) */
};

static inline double elapsed(const struct colgen *G)
{
    return engine_clock_read(G->P.clock, G->phase) - G->t0;
}

/* GLPK's time limits are int milliseconds: at least 50, at most INT_MAX. */
static inline int ms_of(double seconds)
{
    double ms = seconds * 1000;
    return ms < 50 ? 50 : ms >= (double)INT_MAX ? INT_MAX : (int)ms;
}

static inline bool cancelled(const struct colgen *G)
{
    return (G->P.cancel && atomic_load(G->P.cancel)) || engine_clock_cancelled(G->P.clock);
}

/* colgen_master.c */

/* Adds agent a's horizon row as a column: 0, or 1 if the master has it; *col its index. */
int cg_add_column_at(struct colgen *G, int a, const int *row, int *col);
/* cg_add_column_at() without the index. */
int cg_add_column(struct colgen *G, int a, const int *row);
/* A cheap horizon of agent a into G->row under the current costs and pins restr. */
int cg_dp_any(struct colgen *G, int a, const int *restr, double ub, double *cost);
/* Solves the master (until deadline; 0: none) and reads its duals. 0, -ETIMEDOUT, -EIO. */
int cg_solve_lp(struct colgen *G, double deadline);
/* Agent a's options' reduced costs under the duals (their own cost less the cover's duals). */
void cg_reduced_costs(const struct colgen *G, int a, double *rc);
/* The branch's forbidden options of agent a, priced out of its DP. */
void cg_apply_forbids(struct colgen *G, int a);
/* Columns until none prices out (1), deadline or max_rounds (0), cutoff (2), a beam's end (3). */
int cg_generate(struct colgen *G, double deadline, int max_rounds, double cutoff,
                struct colgen_result *out);
/* For every agent, its live column of largest value in the LP (bestx, bestc). */
void cg_largest_columns(struct colgen *G);
/* The roster of a column per agent into choice and its objective (INFINITY: breaks a rule). */
int cg_roster_of(struct colgen *G, const int *cols, int *choice, double *objective);
/* A master with one column per agent (its cheapest horizon), nothing solved yet. */
int cg_new(const struct engine_instance *I, const struct colgen_params *P, struct colgen **out);

/* colgen_bound.c */

#define BOUND_STEPS_ROUND 2  /* relaxed DPs per agent for the bound after a pricing round */
#define BOUND_STEPS_END   50 /* ... and where pricing found nothing more */

/* The bound's prices and scratch, with a master whose P.lagrange is set. 0 or -ENOMEM
 * (cg_bound_free frees). */
int cg_bound_init(struct colgen *G);
void cg_bound_free(struct colgen *G);
/*
 * At the duals of the last LP solve (no agent fixed, no decision, no pin):
 * *sum, a lower bound on the sum over agents of min(0, cheapest reduced
 * cost), from up to `iterations` relaxed DPs per agent (the later ones stop
 * at deadline, elapsed on G's clock; 0: none), and each agent's bound on its
 * cheapest horizon in G->bound_lb. The LP value plus *sum bounds every
 * roster. 0; -EAGAIN (its share of the time is spent: no bound this
 * time), -ERANGE (a relaxed DP was cut), -ENOMEM, -ETIMEDOUT, -ECANCELED.
 */
int cg_bound(struct colgen *G, int iterations, double deadline, double *sum);

/* colgen_dive.c */

/* Undoes a dive's fixes (the columns stay) and solves the master again. */
int cg_undo_dive(struct colgen *G, double deadline);

/* colgen_branch.c */

/* Whether agent a's horizon row keeps every decision on the agent at this node. */
bool cg_row_fits(const struct colgen *G, int a, const int *row);

#endif
