/* SPDX-License-Identifier: ISC */
/*
 * colgen.c — the LP relaxation of an engine instance by column generation,
 * and a roster dived from it (see include/colgen.h).
 *
 * Why: on the benchmark the LP over whole horizons is very tight (CBC's
 * bound equals the best known value on several instances), so its solution
 * says which horizon each agent should work far better than a greedy
 * construction does, and a dive that follows it lands close to the optimum.
 * The pricing problem is exactly the engine's per-agent DP (every hard rule
 * of the agent) with duals as option costs; its bound prunes every label
 * that cannot price out, which keeps a pricing round cheap.
 *
 * GLPK columns: per cell, a surplus slack and one shortage slack per piece
 * of its (convex) shortage curve; then one column per generated horizon.
 * Rows: agents' convexity rows (1..A), then one row per cell.
 */
#include "colgen.h"

#include "engine.h"
#include "engine_dp.h"
#include "engine_internal.h"

#include <errno.h>
#include <limits.h>
#include <glpk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RC_EPS       1e-6  /* a column prices out below this reduced cost */
#define PRICE_LABELS 50000 /* labels of a beam pricing DP (generate) */

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

/*
 * A forbidden option costs this much in the pricing DP: more than any
 * reduced cost bound, so the bounded DP prunes it, and a horizon that needs
 * it (ub = INFINITY) shows itself by its cost. Finite because the DP's
 * bound subtracts costs, and INFINITY - INFINITY would be NaN.
 */
#define FORBID_COST 1e9

static double elapsed(const struct colgen *G)
{
    return engine_clock_read(G->P.clock, G->phase) - G->t0;
}

/* GLPK's time limits are int milliseconds: at least 50, at most INT_MAX. */
static int ms_of(double seconds)
{
    double ms = seconds * 1000;
    return ms < 50 ? 50 : ms >= (double)INT_MAX ? INT_MAX : (int)ms;
}

static bool cancelled(const struct colgen *G)
{
    return (G->P.cancel && atomic_load(G->P.cancel)) || engine_clock_cancelled(G->P.clock);
}

/* The cost of agent a's horizon row that no cell sees: wishes, hours against target. */
static double own_cost(const struct engine_instance *I, int a, const int *row)
{
    int D = I->D;
    long minutes = 0;
    double c = 0;
    for (int d = 0; d < D; d++) {
        int ix = a * D + d;
        if (row[d] < 0) {
            c += I->offcost[ix];
        } else {
            const struct popt *o = &I->po[I->ad_start[ix] + row[d]];
            c += o->cost;
            minutes += o->minutes;
        }
    }
    return c + fair_pen(I, a, (int)minutes);
}

static uint64_t row_hash(int a, const int *row, int D)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL * (uint64_t)(a + 1);
    for (int d = 0; d < D; d++)
        h = (h ^ (uint64_t)(row[d] + 2)) * 0x100000001B3ULL;
    return h;
}

/*
 * Adds agent a's horizon row as a column: 0, or 1 if the master has it
 * already; *col (may be NULL) gets its index. Exact pricing never returns a
 * column already in the master, but rounding in the simplex can; refusing
 * it keeps the loop finite.
 */
static int add_column_at(struct colgen *G, int a, const int *row, int *col)
{
    const struct engine_instance *I = G->I;
    int D = I->D;
    uint64_t h = row_hash(a, row, D);
    for (int j = 0; j < G->n_col; j++)
        if (G->col[j].hash == h && G->col[j].agent == a &&
            memcmp(G->col_row + (size_t)j * (size_t)D, row, (size_t)D * sizeof *row) == 0) {
            if (col)
                *col = j;
            return 1;
        }
    if (col)
        *col = G->n_col;
    if (G->n_col == G->cap_col) {
        int cap = G->cap_col ? 2 * G->cap_col : 256;
        struct column *nc = realloc(G->col, (size_t)cap * sizeof *nc);
        if (nc == NULL)
            return -ENOMEM;
        G->col = nc;
        int *cr = realloc(G->col_row, (size_t)cap * (size_t)D * sizeof *cr);
        if (cr == NULL)
            return -ENOMEM;
        G->col_row = cr;
        G->cap_col = cap;
    }
    int n = 0, len = 1;
    for (int d = 0; d < D; d++) {
        if (row[d] < 0)
            continue;
        const struct popt *o = &I->po[I->ad_start[a * D + d] + row[d]];
        for (int k = 0; k < o->n_cover; k++) {
            int c = I->cov_cell[o->cover_off + k];
            if (G->acc[c] == 0)
                G->touched[n++] = c;
            G->acc[c] += I->cov_amt[o->cover_off + k];
        }
    }
    G->ind[1] = 1 + a;
    G->val[1] = 1;
    for (int i = 0; i < n; i++) {
        int c = G->touched[i];
        if (G->acc[c] != 0) {
            len++;
            G->ind[len] = 1 + I->A + c;
            G->val[len] = G->acc[c];
        }
        G->acc[c] = 0;
    }
    int j = glp_add_cols(G->lp, 1);
    glp_set_col_bnds(G->lp, j, GLP_LO, 0, 0);
    glp_set_obj_coef(G->lp, j, own_cost(I, a, row));
    glp_set_mat_col(G->lp, j, len, G->ind, G->val);
    G->col[G->n_col] = (struct column){.agent = a, .dead = false, .hash = h};
    memcpy(G->col_row + (size_t)G->n_col * (size_t)D, row, (size_t)D * sizeof *row);
    G->n_col++;
    return 0;
}

static int add_column(struct colgen *G, int a, const int *row)
{
    return add_column_at(G, a, row, NULL);
}

/*
 * A cheap horizon of agent a under the current costs (w.ocost, offc) and
 * pins, with ub, for a first column: any will do, so the DP starts as a
 * narrow beam and widens only where it finds nothing, up to unbounded,
 * where -ENOENT is a proof.
 */
static int dp_any(struct colgen *G, int a, const int *restr, double ub, double *cost)
{
    int rc, cap = 64;
    for (;;) {
        G->w.cap_layer = cap;
        rc = engine_dp_agent(G->I, &G->w, a, G->offc, restr, ub, G->row, cost);
        if (rc != -ENOENT || !G->w.truncated || cap == INT_MAX)
            break;
        cap = cap >= 1 << 20 ? INT_MAX : cap * 8;
    }
    G->w.cap_layer = 0;
    return rc;
}

static int build_master(struct colgen *G)
{
    const struct engine_instance *I = G->I;
    int A = I->A, C = I->n_cells;
    glp_add_rows(G->lp, A + C);
    for (int a = 0; a < A; a++)
        glp_set_row_bnds(G->lp, 1 + a, GLP_FX, 1, 1);
    for (int c = 0; c < C; c++) {
        int r = 1 + A + c;
        glp_set_row_bnds(G->lp, r, GLP_FX, I->req[c], I->req[c]);
        int ind[2] = {0, r};
        double minus[2] = {0, -1}, plus[2] = {0, 1};
        int j = glp_add_cols(G->lp, 1);
        glp_set_col_bnds(G->lp, j, GLP_LO, 0, 0);
        glp_set_obj_coef(G->lp, j, I->over[c]);
        glp_set_mat_col(G->lp, j, 1, ind, minus);
        int n = I->curve_n[c];
        const double *cum = I->curve + I->curve_off[c];
        /* Convex pieces: the LP fills the cheaper ones first, as cell_pen does. */
        for (int k = 1; k <= n; k++) {
            j = glp_add_cols(G->lp, 1);
            glp_set_col_bnds(G->lp, j, GLP_DB, 0, 1);
            glp_set_obj_coef(G->lp, j, cum[k] - cum[k - 1]);
            glp_set_mat_col(G->lp, j, 1, ind, plus);
        }
        j = glp_add_cols(G->lp, 1);
        glp_set_col_bnds(G->lp, j, GLP_LO, 0, 0);
        glp_set_obj_coef(G->lp, j, n == 0 ? I->under[c] : cum[n] - cum[n - 1]);
        glp_set_mat_col(G->lp, j, 1, ind, plus);
    }
    G->n_slack = glp_get_num_cols(G->lp);
    /* A first horizon per agent: its cheapest one with nobody's demand counted. */
    for (int c = 0; c < C; c++)
        G->dual[c] = 0;
    int D = I->D, base;
    for (int a = 0; a < A; a++) {
        base = I->ad_start[a * D];
        for (int j = base; j < I->ad_start[(a + 1) * D]; j++)
            G->w.ocost[j - base] = I->po[j].cost;
        for (int d = 0; d < D; d++)
            G->offc[d] = I->offcost[a * D + d];
        double cost;
        int rc = dp_any(G, a, NULL, INFINITY, &cost);
        if (rc == -ENOENT)
            return -EDOM;
        if (rc < 0)
            return rc;
        rc = add_column(G, a, G->row);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int solve_lp(struct colgen *G, double deadline)
{
    G->smcp.tm_lim = INT_MAX;
    if (deadline > 0) {
        double left = deadline - elapsed(G);
        G->smcp.tm_lim = ms_of(left);
    }
    G->lp_solves++;
    int rc = glp_simplex(G->lp, &G->smcp);
    if (rc == GLP_EBADB || rc == GLP_ESING || rc == GLP_ECOND) {
        glp_adv_basis(G->lp, 0);
        rc = glp_simplex(G->lp, &G->smcp);
    }
    if (rc == GLP_ETMLIM)
        return -ETIMEDOUT;
    if (rc != 0 || glp_get_status(G->lp) != GLP_OPT)
        return -EIO;
    const struct engine_instance *I = G->I;
    for (int a = 0; a < I->A; a++)
        G->mu[a] = glp_get_row_dual(G->lp, 1 + a);
    for (int c = 0; c < I->n_cells; c++)
        G->dual[c] = glp_get_row_dual(G->lp, 1 + I->A + c);
    return 0;
}

static bool row_fits(const struct colgen *G, int a, const int *row);

/* The branch's forbidden options of agent a, priced out of its DP. */
static void apply_forbids(struct colgen *G, int a)
{
    if (G->dhead == NULL)
        return;
    const struct engine_instance *I = G->I;
    int D = I->D, base = I->ad_start[a * D];
    for (int i = G->dhead[a]; i >= 0; i = G->dec[i].next) {
        const struct bdec *b = &G->dec[i];
        if (b->pin)
            continue;
        if (b->o < 0)
            G->offc[b->d] = FORBID_COST;
        else
            G->w.ocost[I->ad_start[a * D + b->d] + b->o - base] = FORBID_COST;
    }
}

/*
 * One pricing round over the agents not fixed yet: adds every horizon with
 * negative reduced cost. *sum_neg gets the sum of the (negative) best reduced
 * costs, for the Lagrangian bound. Returns the number of columns added.
 */
static int price_round(struct colgen *G, double *sum_neg)
{
    const struct engine_instance *I = G->I;
    int D = I->D, added = 0;
    *sum_neg = 0;
    G->rounds++;
    G->round_trunc = false;
    for (int a = 0; a < I->A; a++) {
        if (G->fix_col[a] >= 0)
            continue;
        if (cancelled(G))
            return -ECANCELED;
        /* A round prices every agent: on instance 8 that is most of a second. */
        if (G->price_deadline > 0 && elapsed(G) >= G->price_deadline)
            return -ETIMEDOUT;
        int base = I->ad_start[a * D];
        for (int j = base; j < I->ad_start[(a + 1) * D]; j++) {
            const struct popt *o = &I->po[j];
            double c = o->cost;
            for (int k = 0; k < o->n_cover; k++)
                c -= G->dual[I->cov_cell[o->cover_off + k]] * I->cov_amt[o->cover_off + k];
            G->w.ocost[j - base] = c;
        }
        for (int d = 0; d < D; d++)
            G->offc[d] = I->offcost[a * D + d];
        apply_forbids(G, a);
        double cost;
        int rc = engine_dp_agent(I, &G->w, a, G->offc, G->restr + (size_t)a * (size_t)D,
                                 G->mu[a] - RC_EPS, G->row, &cost);
        /* A beam's "nothing prices out" is no proof: the round bounds nothing. */
        G->round_trunc |= G->w.truncated;
        if (rc == -ENOENT)
            continue; /* nothing prices out: the best reduced cost is >= 0 */
        if (rc < 0)
            return rc;
        *sum_neg += cost - G->mu[a];
        int n = engine_dp_more(I, &G->w, a, G->mu[a] - RC_EPS, G->per_agent, G->more, G->more_cost);
        for (int j = 0; j < n; j++) {
            /* FORBID_COST outweighs any sane cost, but a forbidden row must never live. */
            if (G->n_dec > 0 && !row_fits(G, a, G->more + (size_t)j * (size_t)D))
                continue;
            rc = add_column(G, a, G->more + (size_t)j * (size_t)D);
            if (rc < 0)
                return rc;
            added += rc == 0;
        }
    }
    return added;
}

/*
 * Columns until none prices out (1), the deadline or max_rounds (0), or a
 * lower bound above cutoff (2; INFINITY: never), or none priced out of a
 * beam DP (3: as far as it can go, but no proof). The restricted master's
 * value bounds the LP from above, not below: only the Lagrangian bound (the
 * LP value once nothing prices out) may cut a branch-and-price node off,
 * and only from a round whose pricing was exact.
 */
static int generate(struct colgen *G, double deadline, int max_rounds, double cutoff,
                    struct colgen_result *out)
{
    for (int r = 0; max_rounds <= 0 || r < max_rounds; r++) {
        int rc = solve_lp(G, deadline);
        if (rc < 0)
            return rc;
        double z = glp_get_obj_val(G->lp), neg;
        /*
         * Price with a beam (PRICE_LABELS a DP) first: far from the optimal
         * duals almost every horizon prices out and the exact DP explodes
         * (a generated 60 x 28 x 6 instance: 3 rounds in 57 s). Only when
         * the beam finds nothing does the exact DP run, which then proves
         * convergence or finds what the beam missed. 5,000 labels a DP
         * converged that instance fastest (5 s), 50,000 instance 12 (12 s;
         * 5,000 did not in 15 s): the middle of the road.
         */
        G->w.budget = PRICE_LABELS;
        int added = price_round(G, &neg);
        if (added == 0 && G->round_trunc && G->w.budget > 0) {
            G->w.budget = 0;
            added = price_round(G, &neg);
        }
        G->w.budget = 0;
        if (added < 0)
            return added;
        if (out) {
            out->lp_value = z;
            if (!G->round_trunc && z + neg > out->lp_bound)
                out->lp_bound = z + neg;
        }
        /* Less the pricing's tolerance per agent: an agent reported at >= 0 may be at -RC_EPS. */
        if (!G->round_trunc && z + neg - G->I->A * RC_EPS > cutoff)
            return 2;
        if (added == 0)
            return G->round_trunc ? 3 : 1;
        if (deadline > 0 && elapsed(G) >= deadline)
            return 0;
    }
    return solve_lp(G, deadline) < 0 ? -EIO : 0;
}

/* For every agent, its live column of largest value in the LP. */
static void largest_columns(struct colgen *G)
{
    int A = G->I->A;
    for (int a = 0; a < A; a++) {
        G->bestx[a] = -1;
        G->bestc[a] = -1;
    }
    for (int j = 0; j < G->n_col; j++) {
        int a = G->col[j].agent;
        if (G->col[j].dead)
            continue;
        double x = glp_get_col_prim(G->lp, G->n_slack + 1 + j);
        if (x > G->bestx[a]) {
            G->bestx[a] = x;
            G->bestc[a] = j;
        }
    }
}

static void kill_column(struct colgen *G, int j)
{
    G->col[j].dead = true;
    glp_set_col_bnds(G->lp, G->n_slack + 1 + j, GLP_FX, 0, 0);
}

/* Pins agent a's day d to option o (-1: off) unless no live column allows it. */
static bool pin(struct colgen *G, int a, int d, int o)
{
    int D = G->I->D;
    bool any = false;
    for (int j = 0; j < G->n_col && !any; j++)
        any = !G->col[j].dead && G->col[j].agent == a && G->col_row[(size_t)j * (size_t)D + d] == o;
    if (!any)
        return false;
    G->restr[a * D + d] = o;
    for (int j = 0; j < G->n_col; j++)
        if (!G->col[j].dead && G->col[j].agent == a && G->col_row[(size_t)j * (size_t)D + d] != o)
            kill_column(G, j);
    return true;
}

/*
 * Fixes whole horizons: every agent whose best column is all but integral,
 * else the one closest to integral; columns for the others after each step.
 * Best where the LP mixes few horizons per agent (instances 5-9).
 */
static int dive_columns(struct colgen *G, double deadline)
{
    int A = G->I->A, left = A;
    while (left > 0) {
        largest_columns(G);
        bool late = deadline > 0 && elapsed(G) >= deadline;
        G->late |= late;
        int pick = -1, n_fixed = 0;
        for (int a = 0; a < A; a++) {
            if (G->fix_col[a] >= 0)
                continue;
            if (late || G->bestx[a] >= 0.999) {
                G->fix_col[a] = G->bestc[a];
                n_fixed++;
            } else if (pick < 0 || G->bestx[a] > G->bestx[pick]) {
                pick = a;
            }
        }
        if (n_fixed == 0 && pick >= 0) {
            G->fix_col[pick] = G->bestc[pick];
            n_fixed = 1;
        }
        for (int j = 0; j < G->n_col; j++) {
            int f = G->fix_col[G->col[j].agent];
            if (f >= 0 && f != j && !G->col[j].dead)
                kill_column(G, j);
        }
        left -= n_fixed;
        if (left == 0 || late)
            break;
        /* Fewer rounds per step (5) cost 7 and 9 dearly (1066 -> 1187, 439 -> 539). */
        int rc = generate(G, deadline, 20, INFINITY, NULL);
        if (rc == -ETIMEDOUT)
            continue; /* the next pass fixes the rest as they stand */
        if (rc < 0)
            return rc;
    }
    for (int a = 0; a < A; a++)
        if (G->fix_col[a] < 0)
            return -EIO;
    return 0;
}

/*
 * Pins agent-days, not whole horizons: each step pins every
 * agent-day the LP already decides (an option carrying all of its value)
 * and the undecided one whose best option carries the most, then generates
 * columns under the pins. Gentler than fixing columns: an agent keeps every
 * horizon that agrees with its pins. Ends when each agent has one column at
 * 1; when the clock runs out, each agent takes its largest live column.
 */
static int dive_days(struct colgen *G, double deadline)
{
    const struct engine_instance *I = G->I;
    int A = I->A, D = I->D;
    for (;;) {
        largest_columns(G);
        bool integral = true;
        for (int a = 0; a < A; a++)
            integral &= G->bestx[a] >= 0.999;
        if (integral)
            break;
        if (deadline > 0 && elapsed(G) >= deadline) {
            G->late = true;
            break;
        }
        int pa = -1, pd = -1, po = 0, n_pinned = 0;
        double py = -1;
        for (int a = 0; a < A; a++)
            for (int d = 0; d < D; d++) {
                if (G->restr[a * D + d] != NO_FIX || I->fixed[a * D + d] != NO_FIX)
                    continue;
                int nopt = I->ad_start[a * D + d + 1] - I->ad_start[a * D + d];
                for (int o = 0; o <= nopt; o++)
                    G->ysum[o] = 0;
                for (int j = 0; j < G->n_col; j++) {
                    if (G->col[j].dead || G->col[j].agent != a)
                        continue;
                    double x = glp_get_col_prim(G->lp, G->n_slack + 1 + j);
                    if (x > 1e-9)
                        G->ysum[1 + G->col_row[(size_t)j * (size_t)D + d]] += x;
                }
                int bo = 0;
                for (int o = 1; o <= nopt; o++)
                    if (G->ysum[o] > G->ysum[bo])
                        bo = o;
                if (G->ysum[bo] >= 0.999) {
                    n_pinned += pin(G, a, d, bo - 1);
                } else if (G->ysum[bo] > py) {
                    py = G->ysum[bo];
                    pa = a;
                    pd = d;
                    po = bo - 1;
                }
            }
        if (pa >= 0)
            n_pinned += pin(G, pa, pd, po);
        if (n_pinned == 0)
            break; /* nothing left to decide */
        int rc = generate(G, deadline, 20, INFINITY, NULL);
        if (rc == -ETIMEDOUT) {
            G->late = true;
            break;
        }
        if (rc < 0)
            return rc;
    }
    /* Whatever is still open takes its largest live column. */
    largest_columns(G);
    for (int a = 0; a < A; a++) {
        if (G->bestc[a] < 0)
            return -EIO;
        G->fix_col[a] = G->bestc[a];
    }
    return 0;
}

/*
 * Undoes a dive's fixes; the columns it generated stay (a larger pool for
 * the next dive and the MIP).
 */
static int undo_dive(struct colgen *G, double deadline)
{
    const struct engine_instance *I = G->I;
    for (int j = 0; j < G->n_col; j++)
        if (G->col[j].dead) {
            G->col[j].dead = false;
            glp_set_col_bnds(G->lp, G->n_slack + 1 + j, GLP_LO, 0, 0);
        }
    for (int a = 0; a < I->A; a++)
        G->fix_col[a] = -1;
    for (int i = 0; i < I->A * I->D; i++)
        G->restr[i] = NO_FIX;
    return solve_lp(G, deadline);
}

struct mip_cb {
    struct colgen *G;
    const int *inc; /* incumbent: a column per agent */
    bool given;
    long calls;
};

/*
 * Without a clock (an iteration budget: the run must be reproducible) the
 * branch and bound stops after this many callbacks, a few thousand nodes.
 */
#define MIP_CALLS_WITHOUT_CLOCK 20000

/* GLPK's branch and bound asks for heuristic solutions: the dived roster, once. */
static void mip_callback(glp_tree *T, void *info)
{
    struct mip_cb *cb = info;
    struct colgen *G = cb->G;
    const struct engine_instance *I = G->I;
    cb->calls++;
    if (cancelled(G) || (G->mip_deadline > 0 && elapsed(G) >= G->mip_deadline) ||
        (G->mip_deadline <= 0 && cb->calls > MIP_CALLS_WITHOUT_CLOCK)) {
        glp_ios_terminate(T);
        return;
    }
    if (glp_ios_reason(T) != GLP_IHEUR || cb->given)
        return;
    cb->given = true;
    int n = glp_get_num_cols(G->lp), D = I->D;
    double *x = calloc((size_t)n + 1, sizeof *x);
    int *cov = calloc((size_t)(I->n_cells ? I->n_cells : 1), sizeof *cov);
    if (x && cov) {
        for (int a = 0; a < I->A; a++) {
            int j = cb->inc[a];
            x[G->n_slack + 1 + j] = 1;
            for (int d = 0; d < D; d++) {
                int o = G->col_row[(size_t)j * (size_t)D + d];
                if (o < 0)
                    continue;
                const struct popt *po = &I->po[I->ad_start[a * D + d] + o];
                for (int k = 0; k < po->n_cover; k++)
                    cov[I->cov_cell[po->cover_off + k]] += I->cov_amt[po->cover_off + k];
            }
        }
        /* Slacks as build_master laid them out: surplus, curve pieces, tail. */
        for (int c = 0, col = 1; c < I->n_cells; c++) {
            int miss = I->req[c] - cov[c], pieces = I->curve_n[c];
            x[col++] = miss < 0 ? -miss : 0;
            for (int k = 0; k < pieces; k++, miss--)
                x[col++] = miss > 0 ? 1 : 0;
            x[col++] = miss > 0 ? miss : 0;
        }
        glp_ios_heur_sol(T, x);
    }
    free(x);
    free(cov);
}

/*
 * Branch and bound over every column generated so far (price and branch,
 * no pricing in the tree) from the best dived roster, until the deadline.
 * Improves inc (a column per agent) when it finds better. 1 if it did.
 */
static int restricted_mip(struct colgen *G, int *inc, double deadline)
{
    const struct engine_instance *I = G->I;
    int n = glp_get_num_cols(G->lp);
    for (int j = G->n_slack + 1; j <= n; j++)
        glp_set_col_kind(G->lp, j, GLP_BV);
    glp_iocp iocp;
    glp_init_iocp(&iocp);
    iocp.msg_lev = GLP_MSG_OFF;
    iocp.presolve = GLP_OFF; /* the LP relaxation is solved: its basis is the root's */

    struct mip_cb cb = {.G = G, .inc = inc};
    iocp.cb_func = mip_callback;
    iocp.cb_info = &cb;
    G->mip_deadline = deadline;
    if (deadline > 0) {
        double left = deadline - elapsed(G);
        if (left < 0.05)
            return 0;
        iocp.tm_lim = ms_of(left);
    }
    int rc = glp_intopt(G->lp, &iocp);
    int st = glp_mip_status(G->lp);
    if ((rc != 0 && rc != GLP_ETMLIM && rc != GLP_ESTOP) || (st != GLP_OPT && st != GLP_FEAS))
        return 0;
    int found = 0;
    for (int a = 0; a < I->A; a++)
        G->bestc[a] = -1;
    for (int j = 0; j < G->n_col; j++)
        if (glp_mip_col_val(G->lp, G->n_slack + 1 + j) > 0.5)
            G->bestc[G->col[j].agent] = j;
    for (int a = 0; a < I->A; a++)
        if (G->bestc[a] < 0)
            return 0;
    for (int a = 0; a < I->A; a++) {
        found |= inc[a] != G->bestc[a];
        inc[a] = G->bestc[a];
    }
    return found;
}

/*
 * The roster of a column per agent (cols[A]) into choice (A*D) and its
 * objective; INFINITY if it breaks a hard rule (a pooled row could).
 */
static int roster_of(struct colgen *G, const int *cols, int *choice, double *objective)
{
    const struct engine_instance *I = G->I;
    size_t D = (size_t)I->D;
    for (int a = 0; a < I->A; a++)
        memcpy(choice + (size_t)a * D, G->col_row + (size_t)cols[a] * D, D * sizeof *choice);
    struct engine_report rep;
    int rc = engine_check(I, choice, &rep);
    *objective = rep.violations ? INFINITY : rep.objective;
    return rc;
}

/* The dive's roster into choice (A*D) and its objective. */
static int take_roster(struct colgen *G, int *choice, double *objective)
{
    return roster_of(G, G->fix_col, choice, objective);
}

/* Whether agent a's horizon row keeps every decision on the agent at this node. */
static bool row_fits(const struct colgen *G, int a, const int *row)
{
    for (int i = G->dhead[a]; i >= 0; i = G->dec[i].next) {
        const struct bdec *b = &G->dec[i];
        if ((row[b->d] == b->o) != b->pin)
            return false;
    }
    return true;
}

static bool column_fits(const struct colgen *G, int j)
{
    return row_fits(G, G->col[j].agent, G->col_row + (size_t)j * (size_t)G->I->D);
}

/* Lays out the node's decisions: per-agent lists, the pins, which columns live. */
static void node_apply(struct colgen *G)
{
    const struct engine_instance *I = G->I;
    int A = I->A, D = I->D;
    for (int a = 0; a < A; a++)
        G->dhead[a] = -1;
    for (int i = 0; i < A * D; i++)
        G->restr[i] = NO_FIX;
    for (int i = 0; i < G->n_dec; i++) {
        struct bdec *b = &G->dec[i];
        b->next = G->dhead[b->a];
        G->dhead[b->a] = i;
        if (b->pin)
            G->restr[b->a * D + b->d] = b->o;
    }
    for (int j = 0; j < G->n_col; j++) {
        bool dead = !column_fits(G, j);
        if (dead != G->col[j].dead) {
            G->col[j].dead = dead;
            glp_set_col_bnds(G->lp, G->n_slack + 1 + j, dead ? GLP_FX : GLP_LO, 0, 0);
        }
    }
}

/*
 * The master needs a live column per agent to be feasible: for an agent
 * without one, its cheapest horizon under the node's decisions. -ENOENT if
 * some agent has none (the node is infeasible).
 */
static int node_seed(struct colgen *G)
{
    const struct engine_instance *I = G->I;
    int A = I->A, D = I->D;
    for (int a = 0; a < A; a++)
        G->bestc[a] = -1;
    for (int j = 0; j < G->n_col; j++)
        if (!G->col[j].dead)
            G->bestc[G->col[j].agent] = j;
    for (int a = 0; a < A; a++) {
        if (G->bestc[a] >= 0)
            continue;
        int base = I->ad_start[a * D];
        for (int j = base; j < I->ad_start[(a + 1) * D]; j++)
            G->w.ocost[j - base] = I->po[j].cost;
        for (int d = 0; d < D; d++)
            G->offc[d] = I->offcost[a * D + d];
        apply_forbids(G, a);
        double cost;
        int rc = dp_any(G, a, G->restr + (size_t)a * (size_t)D, INFINITY, &cost);
        if (rc < 0)
            return rc;
        if (!row_fits(G, a, G->row))
            return -ENOENT; /* its cheapest horizon needs a forbidden option: none is allowed */
        rc = add_column(G, a, G->row);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/*
 * Columns at a node until none prices out: 0 (the node's LP is solved), 1
 * if its bound passes the cutoff, negative errno (-ETIMEDOUT at the deadline).
 */
static int node_lp(struct colgen *G, double cutoff, double deadline)
{
    int rc = generate(G, deadline, 0, cutoff, NULL);
    if (rc == 3)
        G->inexact = true; /* its LP as far as a beam prices it: branch on, prove nothing */
    return rc < 0 ? rc : rc == 2 ? 1 : rc == 1 || rc == 3 ? 0 : -ETIMEDOUT;
}

/*
 * What to branch on. First whether an agent works a day at all: of the
 * agent-days the LP works in part, the one nearest half. Only when every
 * day off is decided, which option: again the most fractional. The branch
 * the LP leans to (value >= 1/2) is explored first. Measured from rosters
 * one above the optimum (docs/engine.md): this finds and proves the optima
 * of instances 5, 6 and 7 in 11-51 nodes (0.3-1.7 s); branching on options
 * alone, pin first, did not finish on 6 in 40 s (1,800 nodes).
 * false when the LP solution is integral.
 */
static bool node_branch(struct colgen *G, struct bdec *out)
{
    const struct engine_instance *I = G->I;
    int A = I->A, D = I->D;
    size_t n_po = (size_t)I->ad_start[A * D];
    memset(G->ypo, 0, n_po * sizeof *G->ypo);
    memset(G->yoff, 0, (size_t)A * (size_t)D * sizeof *G->yoff);
    for (int j = 0; j < G->n_col; j++) {
        if (G->col[j].dead)
            continue;
        double x = glp_get_col_prim(G->lp, G->n_slack + 1 + j);
        if (x <= 1e-9)
            continue;
        int a = G->col[j].agent;
        const int *row = G->col_row + (size_t)j * (size_t)D;
        for (int d = 0; d < D; d++) {
            if (row[d] < 0)
                G->yoff[a * D + d] += x;
            else
                G->ypo[I->ad_start[a * D + d] + row[d]] += x;
        }
    }
    double best = -1, by = 0;
    for (int ad = 0; ad < A * D; ad++) {
        if (G->restr[ad] != NO_FIX)
            continue;
        for (int o = -1; o < I->ad_start[ad + 1] - I->ad_start[ad]; o++) {
            double y = o < 0 ? G->yoff[ad] : G->ypo[I->ad_start[ad] + o];
            if (y <= 1e-6 || y >= 1 - 1e-6)
                continue;
            double score = (o < 0 ? 1 : 0) + 0.5 - fabs(y - 0.5);
            if (score > best) {
                best = score;
                by = y;
                *out = (struct bdec){.a = ad / D, .d = ad % D, .o = o};
            }
        }
    }
    out->pin = by >= 0.5;
    return best >= 0;
}

/*
 * Branch and price from incumbent inc (a column per agent, objective
 * *inc_obj): depth first over agent-day decisions, columns priced at every
 * node under its decisions, nodes cut off by their LP or Lagrangian bound.
 * Unlike restricted_mip, a node may need a horizon nobody generated yet.
 * Improves inc and *inc_obj (*improved) even when it then fails: 0 or
 * negative errno (-ETIMEDOUT, -ECANCELED, ...). *proved: the tree was
 * exhausted, so *inc_obj is optimal.
 */
static int branch_price(struct colgen *G, int base, int *inc, double *inc_obj, double deadline,
                        bool *proved, bool *improved)
{
    const struct engine_instance *I = G->I;
    int A = I->A, D = I->D, rc = 0;
    bool found = false;
    *proved = false;
    *improved = false;
    int *choice = malloc((size_t)A * (size_t)D * sizeof *choice);
    if (choice == NULL)
        return -ENOMEM;
    for (int a = 0; a < A; a++)
        G->fix_col[a] = -1;
    G->n_dec = base;
    G->inexact = false;
    G->price_deadline = deadline;
    for (;;) {
        /*
         * Integral costs: a better roster is at least 1 better. The margins
         * cover the simplex's tolerances.
         */
        double best = *inc_obj;
        if (G->P.elsewhere) {
            double e = atomic_load_explicit(G->P.elsewhere, memory_order_relaxed);
            best = e < best ? e : best;
        }
        double cutoff = G->integral ? best - 1 + 1e-3 : best - 1e-6;
        if (cancelled(G)) {
            rc = -ECANCELED;
            break;
        }
        if (deadline > 0 && elapsed(G) >= deadline)
            break;
        G->nodes++;
        node_apply(G);
        rc = node_seed(G);
        if (rc == 0)
            rc = node_lp(G, cutoff, deadline);
        if (rc < 0 && rc != -ENOENT)
            break; /* -ETIMEDOUT: the clock; the best roster so far stands */
        bool leaf = rc != 0;
        if (!leaf) {
            struct bdec b;
            if (node_branch(G, &b)) {
                if (util_grow((void **)&G->dec, &G->cap_dec, G->n_dec + 1, sizeof *G->dec) < 0) {
                    rc = -ENOMEM;
                    break;
                }
                G->dec[G->n_dec++] = b;
            } else {
                largest_columns(G);
                double obj, z = glp_get_obj_val(G->lp);
                rc = roster_of(G, G->bestc, choice, &obj);
                if (rc < 0)
                    break;
                /* The proof needs the master to score rosters as the engine does. */
                if (!isfinite(obj) || fabs(z - obj) > 1e-6 * (1 + fabs(obj)))
                    G->inexact = true;
                if (obj < *inc_obj - 1e-9) {
                    memcpy(inc, G->bestc, (size_t)A * sizeof *inc);
                    *inc_obj = obj;
                    found = true;
                }
                leaf = true;
            }
        }
        rc = 0;
        if (leaf) {
            while (G->n_dec > 0 && G->dec[G->n_dec - 1].second)
                G->n_dec--;
            if (G->n_dec == 0) {
                /* A roster is known (here or elsewhere) and nothing beats it. */
                *proved = !G->inexact && (isfinite(*inc_obj) || isfinite(best));
                break;
            }
            G->dec[G->n_dec - 1].second = true;
            G->dec[G->n_dec - 1].pin = !G->dec[G->n_dec - 1].pin;
        }
    }
    G->n_dec = 0;
    G->price_deadline = 0;
    node_apply(G);
    free(choice);
    *improved = found;
    return rc;
}

static void cg_free(struct colgen *G)
{
    if (G->lp)
        glp_delete_prob(G->lp);
    engine_dp_free(&G->w);
    free(G->offc);
    free(G->dual);
    free(G->mu);
    free(G->acc);
    free(G->touched);
    free(G->ind);
    free(G->val);
    free(G->row);
    free(G->more);
    free(G->fix_col);
    free(G->bestx);
    free(G->bestc);
    free(G->col);
    free(G->col_row);
    free(G->restr);
    free(G->ysum);
    free(G->dec);
    free(G->dhead);
    free(G->ypo);
    free(G->yoff);
}

static bool whole(double x)
{
    return isfinite(x) && fabs(x - nearbyint(x)) < 1e-9;
}

/* Whether every cost of the instance is a whole number (the benchmark's are). */
static bool costs_integral(const struct engine_instance *I)
{
    int A = I->A, D = I->D;
    for (int j = 0; j < I->ad_start[A * D]; j++)
        if (!whole(I->po[j].cost))
            return false;
    for (int i = 0; i < A * D; i++)
        if (!whole(I->offcost[i]))
            return false;
    for (int c = 0; c < I->n_cells; c++) {
        if (!whole(I->over[c]) || !whole(I->under[c]))
            return false;
        for (int k = 0; I->curve_n[c] > 0 && k <= I->curve_n[c]; k++)
            if (!whole(I->curve[I->curve_off[c] + k]))
                return false;
    }
    for (int a = 0; a < A; a++)
        if (!whole(I->t_under[a]) || !whole(I->t_over[a]))
            return false;
    return true;
}

/* A master with one column per agent (its cheapest horizon), nothing solved yet. */
static int cg_new(const struct engine_instance *I, const struct colgen_params *P,
                  struct colgen **out)
{
    struct colgen *G = calloc(1, sizeof *G);
    *out = G;
    if (G == NULL)
        return -ENOMEM;
    G->I = I;
    G->P = *P;
    G->phase = ENGINE_PHASE_LP;
    G->t0 = engine_clock_read(P->clock, G->phase);
    if (P->clock == NULL) {
        /* On its own (staffd nrp --lp): seconds is the whole budget, the DPs' too. */
        G->own_clock = (struct engine_clock){.t0 = G->t0, .cancel = P->cancel};
        G->own_clock.deadline = P->seconds > 0 ? G->t0 + P->seconds : 0;
        G->P.clock = &G->own_clock;
    }
    int A = I->A, D = I->D, C = I->n_cells, rc = -ENOMEM;
    size_t nc = (size_t)(C > 0 ? C : 1);
    glp_term_out(GLP_OFF);
    G->lp = glp_create_prob();
    G->offc = malloc((size_t)D * sizeof *G->offc);
    G->dual = calloc(nc, sizeof *G->dual);
    G->mu = calloc((size_t)A, sizeof *G->mu);
    G->acc = calloc(nc, sizeof *G->acc);
    G->touched = malloc(nc * sizeof *G->touched);
    G->ind = malloc((nc + 2) * sizeof *G->ind);
    G->val = malloc((nc + 2) * sizeof *G->val);
    G->row = malloc((size_t)D * sizeof *G->row);
    /*
     * Four columns per agent and round: the root of instance 10 in 3.6 s
     * instead of 4.8 (one) and a pool from which 7 dives lower; eight made
     * the master of 12 slow to re-solve.
     */
    G->per_agent = 4;
    G->more = malloc((size_t)G->per_agent * (size_t)D * sizeof *G->more);
    G->fix_col = malloc((size_t)A * sizeof *G->fix_col);
    G->bestx = malloc((size_t)A * sizeof *G->bestx);
    G->bestc = malloc((size_t)A * sizeof *G->bestc);
    G->restr = malloc((size_t)A * (size_t)D * sizeof *G->restr);
    int maxo = 1;
    for (int i = 0; i < A * D; i++)
        if (I->ad_start[i + 1] - I->ad_start[i] > maxo)
            maxo = I->ad_start[i + 1] - I->ad_start[i];
    G->ysum = malloc(((size_t)maxo + 1) * sizeof *G->ysum);
    G->dhead = malloc((size_t)A * sizeof *G->dhead);
    G->ypo = malloc(((size_t)I->ad_start[A * D] + 1) * sizeof *G->ypo);
    G->yoff = malloc((size_t)A * (size_t)D * sizeof *G->yoff);
    if (!G->lp || !G->offc || !G->dual || !G->mu || !G->acc || !G->touched || !G->ind || !G->val ||
        !G->row || !G->more || !G->fix_col || !G->bestx || !G->bestc || !G->restr || !G->ysum ||
        !G->dhead || !G->ypo || !G->yoff || engine_dp_init(&G->w, I) < 0)
        goto out;
    G->w.clk = G->P.clock; /* the run's deadline stops a pricing DP too */
    G->integral = costs_integral(I);
    for (int a = 0; a < A; a++) {
        G->fix_col[a] = -1;
        G->dhead[a] = -1;
    }
    for (int i = 0; i < A * D; i++)
        G->restr[i] = NO_FIX;
    glp_init_smcp(&G->smcp);
    G->smcp.msg_lev = GLP_MSG_OFF;
    G->smcp.presolve = GLP_OFF; /* keep the basis between solves */
    glp_set_obj_dir(G->lp, GLP_MIN);
    rc = build_master(G);
out:
    return rc;
}

int colgen_run(const struct engine_instance *I, const struct colgen_params *P, struct colgen **keep,
               struct colgen_result *out)
{
    if (keep)
        *keep = NULL;
    if (I == NULL || P == NULL || out == NULL || !I->final)
        return -EINVAL;
    memset(out, 0, sizeof *out);
    out->lp_bound = -INFINITY;
    struct colgen *G;
    int A = I->A, D = I->D;
    int rc = cg_new(I, P, &G);
    if (G == NULL)
        return rc;
    P = &G->P;
    if (rc < 0)
        goto out;
    G->phase = ENGINE_PHASE_LP;
    double total = P->seconds > 0 ? P->seconds : 0;
    double share = P->root_share > 0 && P->root_share <= 1 ? P->root_share : 0.5;
    rc = generate(G, total > 0 ? total * share : 0, 0, INFINITY, out);
    if (rc == -ETIMEDOUT && G->lp_solves > 1)
        rc = 0; /* a basis from an earlier solve stands: dive from it */
    if (rc < 0)
        goto out;
    out->converged = rc == 1;
    if (out->converged && P->root_done)
        atomic_store(P->root_done, true);
    out->root_seconds = elapsed(G);
    if (!out->converged && P->converged_only) {
        rc = -ETIMEDOUT;
        goto out;
    }
    if (out->converged)
        out->lp_bound = out->lp_value;
    /*
     * Two dives from the same root, the better roster wins: pinning
     * agent-days reaches the optimum where the LP is integral in most
     * agent-days (10, 11); fixing columns is better where it is not (5-9).
     * Then branch and bound over all columns seen, from that roster.
     */
    size_t ad = (size_t)A * (size_t)D;
    out->choice = malloc(ad * sizeof *out->choice);
    int *other = malloc(ad * sizeof *other);
    int *inc = malloc((size_t)A * sizeof *inc);
    if (out->choice == NULL || other == NULL || inc == NULL) {
        free(other);
        free(inc);
        rc = -ENOMEM;
        goto out;
    }
    double left = total > 0 ? total - elapsed(G) : 0, second;
    rc = dive_columns(G, total > 0 ? elapsed(G) + left / 3 : 0);
    if (rc == 0) {
        memcpy(inc, G->fix_col, (size_t)A * sizeof *inc);
        rc = take_roster(G, out->choice, &out->objective);
        out->complete = !G->late;
    }
    /* Past the first dive, running out of time only ends the improving. */
    int r2 = rc;
    G->late = false;
    if (r2 == 0 && (total <= 0 || elapsed(G) < total) && (r2 = undo_dive(G, total)) == 0 &&
        (r2 = dive_days(G, total > 0 ? elapsed(G) + (total - elapsed(G)) / 2 : 0)) == 0 &&
        (r2 = take_roster(G, other, &second)) == 0 && second < out->objective) {
        memcpy(out->choice, other, ad * sizeof *other);
        memcpy(inc, G->fix_col, (size_t)A * sizeof *inc);
        out->objective = second;
        out->complete = !G->late;
    }
    if (r2 == -ENOMEM || r2 == -ECANCELED)
        rc = r2;
    r2 = rc;
    /*
     * A short look (a quarter of what is left, at most 5 % of the budget):
     * branch and price (colgen_branch) uses the time better.
     */
    double mip = total - elapsed(G);
    mip = mip / 4 < total / 20 ? mip / 4 : total / 20;
    if (r2 == 0 && out->objective > out->lp_bound + 1e-6 && (total <= 0 || elapsed(G) < total) &&
        (r2 = undo_dive(G, total)) == 0 &&
        restricted_mip(G, inc, total > 0 ? elapsed(G) + mip : 0) == 1) {
        memcpy(G->fix_col, inc, (size_t)A * sizeof *inc);
        if ((r2 = take_roster(G, other, &second)) == 0 && second < out->objective) {
            memcpy(out->choice, other, ad * sizeof *other);
            out->objective = second;
            out->complete = true;
        }
    }
    if (r2 == -ENOMEM || r2 == -ECANCELED)
        rc = r2;
    r2 = rc;
    free(other);
    free(inc);
    if (rc < 0)
        goto out;
    rc = 0;
out:
    out->columns = G->n_col;
    out->rounds = G->rounds;
    out->lp_solves = G->lp_solves;
    out->seconds = elapsed(G);
    if (rc < 0) {
        free(out->choice);
        out->choice = NULL;
    }
    if (rc == 0 && keep)
        *keep = G;
    else
        colgen_free(G);
    return rc;
}

int colgen_solve(const struct engine_instance *I, const struct colgen_params *P,
                 struct colgen_result *out)
{
    return colgen_run(I, P, NULL, out);
}

void colgen_free(struct colgen *G)
{
    if (G == NULL)
        return;
    cg_free(G);
    free(G);
    /* GLPK keeps a per-thread environment; give it back so no thread leaks it. */
    glp_free_env();
}

int colgen_recombine(struct colgen *G, const int *rosters, int n, double seconds, int *choice,
                     double *objective)
{
    const struct engine_instance *I = G->I;
    int A = I->A, D = I->D, best = -1, rc = 0;
    double best_obj = INFINITY;
    size_t ad = (size_t)A * (size_t)D;
    int *inc = malloc((size_t)A * sizeof *inc);
    if (inc == NULL)
        return -ENOMEM;
    for (int r = 0; r < n; r++) {
        struct engine_report rep;
        rc = engine_check(I, rosters + (size_t)r * ad, &rep);
        if (rc < 0)
            goto out;
        if (rep.violations == 0 && rep.objective < best_obj) {
            best_obj = rep.objective;
            best = r;
        }
    }
    rc = 0;
    if (best < 0)
        goto out;
    for (int r = 0; r < n; r++)
        for (int a = 0; a < A; a++) {
            int col;
            rc = add_column_at(G, a, rosters + (size_t)r * ad + (size_t)a * (size_t)D, &col);
            if (rc < 0)
                goto out;
            if (r == best)
                inc[a] = col;
        }
    G->phase = ENGINE_PHASE_RECOMBINE;
    double deadline = elapsed(G) + seconds;
    rc = undo_dive(G, deadline);
    if (rc < 0)
        goto out;
    rc = restricted_mip(G, inc, deadline);
    if (rc == 1) {
        double obj;
        rc = roster_of(G, inc, choice, &obj);
        if (rc == 0 && obj < best_obj - 1e-9) {
            *objective = obj;
            rc = 1;
        }
    }
out:
    free(inc);
    return rc == -ETIMEDOUT || rc == -EIO ? 0 : rc;
}

/*
 * Pins every agent-day outside days d0..d1 to start's option as decisions
 * that are never undone (the base of the stack, already `second`). 0 or
 * -ENOMEM.
 */
static int pin_outside(struct colgen *G, const int *start, int d0, int d1)
{
    const struct engine_instance *I = G->I;
    int A = I->A, D = I->D, n = A * (D - (d1 - d0 + 1));
    if (util_grow((void **)&G->dec, &G->cap_dec, n, sizeof *G->dec) < 0)
        return -ENOMEM;
    G->n_dec = 0;
    for (int a = 0; a < A; a++)
        for (int d = 0; d < D; d++)
            if (d < d0 || d > d1)
                G->dec[G->n_dec++] = (struct bdec){
                    .a = a, .d = d, .o = start[a * D + d], .pin = true, .second = true};
    return 0;
}

int colgen_branch_window(struct colgen *G, const int *start, int d0, int d1, double seconds,
                         int *choice, double *objective, bool *proved)
{
    const struct engine_instance *I = G->I;
    int A = I->A, D = I->D, rc = 0, base = 0;
    *proved = false;
    if (d0 < 0)
        d0 = 0;
    if (d1 > D - 1)
        d1 = D - 1;
    if (d0 > d1 || (start == NULL && (d0 > 0 || d1 < D - 1)))
        return -EINVAL;
    int *inc = malloc((size_t)A * sizeof *inc);
    if (inc == NULL)
        return -ENOMEM;
    G->phase = d0 > 0 || d1 < D - 1 ? ENGINE_PHASE_WINDOW : ENGINE_PHASE_BRANCH;
    double obj = INFINITY, deadline = seconds > 0 ? elapsed(G) + seconds : 0;
    for (int a = 0; a < A; a++)
        inc[a] = -1;
    if (start) {
        struct engine_report rep;
        rc = engine_check(I, start, &rep);
        if (rc < 0)
            goto out;
        for (int a = 0; rep.violations == 0 && a < A; a++) {
            rc = add_column_at(G, a, start + (size_t)a * (size_t)D, &inc[a]);
            if (rc < 0)
                goto out;
        }
        if (rep.violations == 0) {
            obj = rep.objective;
        } else if (d0 > 0 || d1 < D - 1) {
            rc = -EINVAL; /* nothing to pin the rest of the horizon to */
            goto out;
        }
    }
    double first = obj;
    bool improved = false;
    rc = undo_dive(G, deadline);
    if (rc == 0 && (d0 > 0 || d1 < D - 1)) {
        rc = pin_outside(G, start, d0, d1);
        base = G->n_dec;
    }
    if (rc == 0)
        rc = branch_price(G, base, inc, &obj, deadline, proved, &improved);
    if (improved && obj < first) {
        int r2 = roster_of(G, inc, choice, objective);
        if (r2 < 0)
            rc = r2;
        else if (rc == 0 || rc == -ETIMEDOUT || rc == -EIO || rc == -ECANCELED)
            rc = 1; /* what it found stands; a cancel is the caller's to see */
    }
out:
    free(inc);
    return rc == -ETIMEDOUT || rc == -EIO ? 0 : rc;
}

int colgen_branch(struct colgen *G, const int *start, double seconds, int *choice,
                  double *objective, bool *proved)
{
    return colgen_branch_window(G, start, 0, G->I->D - 1, seconds, choice, objective, proved);
}

int colgen_new(const struct engine_instance *I, const struct colgen_params *P, struct colgen **out)
{
    *out = NULL;
    if (I == NULL || P == NULL || !I->final)
        return -EINVAL;
    struct colgen *G;
    int rc = cg_new(I, P, &G);
    if (rc < 0) {
        colgen_free(G);
        return rc;
    }
    *out = G;
    return 0;
}

long colgen_nodes(const struct colgen *G)
{
    return G->nodes;
}

void colgen_result_free(struct colgen_result *r)
{
    if (r == NULL)
        return;
    free(r->choice);
    r->choice = NULL;
}
