/* SPDX-License-Identifier: ISC */
/*
 * colgen_dive.c — rosters from the root LP of the column generation (see
 * include/colgen.h): colgen_run() solves the root (colgen_master.c), then
 * dives twice, pinning agent-days (dive_days) and fixing whole columns
 * (dive_columns), each generating columns for the rest after every step, and
 * ends with a short branch and bound over every column seen
 * (restricted_mip). colgen_recombine() runs that branch and bound over the
 * rows of rosters found elsewhere.
 *
 * A dive follows the LP where the LP is tight: on the benchmark it lands
 * close to the optimum, far better than a greedy construction. When the
 * clock runs out mid-dive the rest is fixed as it stands (result.complete
 * false).
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
        cg_largest_columns(G);
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
        int rc = cg_generate(G, deadline, 20, INFINITY, NULL);
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
        cg_largest_columns(G);
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
        int rc = cg_generate(G, deadline, 20, INFINITY, NULL);
        if (rc == -ETIMEDOUT) {
            G->late = true;
            break;
        }
        if (rc < 0)
            return rc;
    }
    /* Whatever is still open takes its largest live column. */
    cg_largest_columns(G);
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
int cg_undo_dive(struct colgen *G, double deadline)
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
    return cg_solve_lp(G, deadline);
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

/* The dive's roster into choice (A*D) and its objective. */
static int take_roster(struct colgen *G, int *choice, double *objective)
{
    return cg_roster_of(G, G->fix_col, choice, objective);
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
    out->lagrange_bound = -INFINITY;
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
    rc = cg_generate(G, total > 0 ? total * share : 0, 0, INFINITY, out);
    if (rc == -ETIMEDOUT && G->lp_solves > 1)
        rc = 0; /* a basis from an earlier solve stands: dive from it */
    if (rc < 0)
        goto out;
    out->converged = rc == 1;
    if (out->converged && P->root_done)
        atomic_store(P->root_done, true);
    out->root_seconds = elapsed(G);
    /*
     * A root whose pricing found nothing, even where the exact DP hit its
     * memory bound (3: generated 100 x 28 x 12, seed 2), has the duals a dive
     * needs; a proof is not what a dive is for.
     */
    if (rc != 1 && rc != 3 && P->converged_only) {
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
     * Pinning agent-days goes first, with half the time: it pins every day
     * the LP decides at once, where fixing columns fixes one agent a step
     * while the LP mixes horizons, so it is the faster of the two (7: 0.3 s
     * against 1.0 s; 12: 30 s against more than 35 s; generated seed 2 of
     * 100 x 28 x 12: its roster of 154, the LP's value, in 25 s, where
     * fixing columns first had not ended in minutes).
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
    double root_end = elapsed(G), left = total > 0 ? total - root_end : 0, second;
    rc = dive_days(G, total > 0 ? root_end + left / 2 : 0);
    if (rc == 0) {
        memcpy(inc, G->fix_col, (size_t)A * sizeof *inc);
        rc = take_roster(G, out->choice, &out->objective);
        out->complete = !G->late;
    }
    /* Past the first dive, running out of time only ends the improving. */
    int r2 = rc;
    G->late = false;
    /*
     * The second dive gets half of what is left, but never more than a
     * third of what the root left: where it does not finish (instance 8:
     * fixing columns was cut short after 4.6 s of a 20 s --lp run, where
     * pinning agent-days took 1.8 s), the time is branch and price's and
     * the windows', which find 8's best rosters.
     */
    double end2 = elapsed(G) + (total - elapsed(G)) / 2;
    end2 = end2 < root_end + left / 3 ? end2 : root_end + left / 3;
    if (r2 == 0 && (total <= 0 || elapsed(G) < end2) && (r2 = cg_undo_dive(G, total)) == 0 &&
        (r2 = dive_columns(G, total > 0 ? end2 : 0)) == 0 &&
        (r2 = take_roster(G, other, &second)) == 0 && second < out->objective) {
        memcpy(out->choice, other, ad * sizeof *other);
        memcpy(inc, G->fix_col, (size_t)A * sizeof *inc);
        out->objective = second;
        out->complete |= !G->late; /* better than a finished dive's: not blind */
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
        (r2 = cg_undo_dive(G, total)) == 0 &&
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
            rc = cg_add_column_at(G, a, rosters + (size_t)r * ad + (size_t)a * (size_t)D, &col);
            if (rc < 0)
                goto out;
            if (r == best)
                inc[a] = col;
        }
    G->phase = ENGINE_PHASE_RECOMBINE;
    double deadline = elapsed(G) + seconds;
    rc = cg_undo_dive(G, deadline);
    if (rc < 0)
        goto out;
    rc = restricted_mip(G, inc, deadline);
    if (rc == 1) {
        double obj;
        rc = cg_roster_of(G, inc, choice, &obj);
        if (rc == 0 && obj < best_obj - 1e-9) {
            *objective = obj;
            rc = 1;
        }
    }
out:
    free(inc);
    return rc == -ETIMEDOUT || rc == -EIO ? 0 : rc;
}

void colgen_result_free(struct colgen_result *r)
{
    if (r == NULL)
        return;
    free(r->choice);
    r->choice = NULL;
}
