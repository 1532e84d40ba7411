/* SPDX-License-Identifier: ISC */
/*
 * colgen_master.c — the master LP of the column generation and its pricing
 * (see include/colgen.h; the files share include/colgen_internal.h).
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
 *
 * Here: the master built (build_master, cg_new) and freed, columns added
 * (duplicates refused), the LP solved for its duals, pricing rounds and
 * the loop of them (generate), rosters read back from columns. The dives
 * (colgen_dive.c) and branch and price (colgen_branch.c) drive it.
 */
#include "colgen.h"
#include "colgen_internal.h"

#include "engine.h"
#include "engine_dp.h"
#include "engine_internal.h"

#include <errno.h>
#include <glpk.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define RC_EPS       1e-6  /* a column prices out below this reduced cost */
#define PRICE_LABELS 50000 /* labels of a beam pricing DP (generate) */

/*
 * A forbidden option costs this much in the pricing DP: more than any
 * reduced cost bound, so the bounded DP prunes it, and a horizon that needs
 * it (ub = INFINITY) shows itself by its cost. Finite because the DP's
 * bound subtracts costs, and INFINITY - INFINITY would be NaN.
 */
#define FORBID_COST 1e9

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
int cg_add_column_at(struct colgen *G, int a, const int *row, int *col)
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

int cg_add_column(struct colgen *G, int a, const int *row)
{
    return cg_add_column_at(G, a, row, NULL);
}

/*
 * A cheap horizon of agent a under the current costs (w.ocost, offc) and
 * pins, with ub, for a first column: any will do, so the DP starts as a
 * narrow beam and widens only where it finds nothing. The widest beam keeps
 * about DP_LABELS labels over the horizon: past that its layers outgrow
 * memory (a generated 150 x 364 x 32 instance: 2.6 GiB 15 s into a beam of
 * 32,768 labels a day, 4.8 GiB at its peak, no horizon found). -ENOENT with
 * w.truncated then says that none was found, not that none exists; without
 * it, it is a proof.
 */
int cg_dp_any(struct colgen *G, int a, const int *restr, double ub, double *cost)
{
    long most = DP_LABELS / (G->I->D > 0 ? G->I->D : 1);
    int rc, cap = 64;
    for (;;) {
        G->w.cap_layer = cap;
        rc = engine_dp_agent(G->I, &G->w, a, G->offc, restr, ub, G->row, cost);
        if (rc != -ENOENT || !G->w.truncated || cap == INT_MAX || (long)cap * 8 > most)
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
        int rc = cg_dp_any(G, a, NULL, INFINITY, &cost);
        if (rc == -ENOENT)
            return G->w.truncated ? -ERANGE : -EDOM;
        if (rc < 0)
            return rc;
        rc = cg_add_column(G, a, G->row);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int cg_solve_lp(struct colgen *G, double deadline)
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

/* The branch's forbidden options of agent a, priced out of its DP. */
void cg_apply_forbids(struct colgen *G, int a)
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

void cg_reduced_costs(const struct colgen *G, int a, double *rc)
{
    const struct engine_instance *I = G->I;
    int D = I->D, base = I->ad_start[a * D];
    for (int j = base; j < I->ad_start[(a + 1) * D]; j++) {
        const struct popt *o = &I->po[j];
        double c = o->cost;
        for (int k = 0; k < o->n_cover; k++)
            c -= G->dual[I->cov_cell[o->cover_off + k]] * I->cov_amt[o->cover_off + k];
        rc[j - base] = c;
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
        cg_reduced_costs(G, a, G->w.ocost);
        for (int d = 0; d < D; d++)
            G->offc[d] = I->offcost[a * D + d];
        cg_apply_forbids(G, a);
        double cost;
        int rc = engine_dp_agent(I, &G->w, a, G->offc, G->restr + (size_t)a * (size_t)D,
                                 G->mu[a] - RC_EPS, G->row, &cost);
        /* A beam's "nothing prices out" is no proof: the round bounds nothing. */
        G->round_trunc |= G->w.truncated;
        if (G->bound_up)
            G->bound_up[a] = rc == 0 ? cost : INFINITY; /* the relaxed bound's aim */
        if (rc == -ENOENT)
            continue; /* nothing prices out: the best reduced cost is >= 0 */
        if (rc < 0)
            return rc;
        *sum_neg += cost - G->mu[a];
        int n = engine_dp_more(I, &G->w, a, G->mu[a] - RC_EPS, G->per_agent, G->more, G->more_cost);
        for (int j = 0; j < n; j++) {
            /* FORBID_COST outweighs any sane cost, but a forbidden row must never live. */
            if (G->n_dec > 0 && !cg_row_fits(G, a, G->more + (size_t)j * (size_t)D))
                continue;
            rc = cg_add_column(G, a, G->more + (size_t)j * (size_t)D);
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
int cg_generate(struct colgen *G, double deadline, int max_rounds, double cutoff,
                struct colgen_result *out)
{
    for (int r = 0; max_rounds <= 0 || r < max_rounds; r++) {
        int rc = cg_solve_lp(G, deadline);
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
            /*
             * A beam's round proves nothing: the relaxed pricing bounds it
             * (out: the root only; after an exact round the bound above is
             * already the best there is). Where pricing found nothing more,
             * the duals stay: the relaxation's prices get more steps there.
             */
            double lag;
            rc = G->P.lagrange && G->round_trunc
                     ? cg_bound(G, added == 0 ? BOUND_STEPS_END : BOUND_STEPS_ROUND, deadline, &lag)
                     : -EAGAIN;
            if (rc == 0 && z + lag > out->lagrange_bound)
                out->lagrange_bound = z + lag;
            if (out->lagrange_bound > out->lp_bound)
                out->lp_bound = out->lagrange_bound;
            if (rc == -ENOMEM || rc == -ECANCELED)
                return rc;
        }
        /* Less the pricing's tolerance per agent: an agent reported at >= 0 may be at -RC_EPS. */
        if (!G->round_trunc && z + neg - G->I->A * RC_EPS > cutoff)
            return 2;
        if (added == 0)
            return G->round_trunc ? 3 : 1;
        if (deadline > 0 && elapsed(G) >= deadline)
            return 0;
    }
    return cg_solve_lp(G, deadline) < 0 ? -EIO : 0;
}

/* For every agent, its live column of largest value in the LP. */
void cg_largest_columns(struct colgen *G)
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

/*
 * The roster of a column per agent (cols[A]) into choice (A*D) and its
 * objective; INFINITY if it breaks a hard rule (a pooled row could).
 */
int cg_roster_of(struct colgen *G, const int *cols, int *choice, double *objective)
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

static void cg_free(struct colgen *G)
{
    if (G->lp)
        glp_delete_prob(G->lp);
    engine_dp_free(&G->w);
    cg_bound_free(G);
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
int cg_new(const struct engine_instance *I, const struct colgen_params *P, struct colgen **out)
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
        !G->dhead || !G->ypo || !G->yoff || engine_dp_init(&G->w, I) < 0 ||
        (P->lagrange && cg_bound_init(G) < 0))
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

void colgen_free(struct colgen *G)
{
    if (G == NULL)
        return;
    cg_free(G);
    free(G);
    /* GLPK keeps a per-thread environment; give it back so no thread leaks it. */
    glp_free_env();
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
