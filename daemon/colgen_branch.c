/* SPDX-License-Identifier: ISC */
/*
 * colgen_branch.c — branch and price over the column generation's master
 * (see include/colgen.h): colgen_branch() and colgen_branch_window().
 *
 * Depth first over agent-day decisions (work this option there, or never);
 * at every node the decisions pin or price out options in the DP
 * (node_apply, apply_forbids), the master gets a live column per agent
 * (node_seed) and columns until none prices out (node_lp), and the node is
 * cut off as soon as its LP or Lagrangian bound cannot beat the best roster
 * known, here or elsewhere (colgen_params.elsewhere). Unlike the restricted
 * MIP of colgen_dive.c it reaches horizons no search produced; an exhausted
 * tree is a proof of optimality. A window pins every day outside it to the
 * start roster: a large neighbourhood solved exactly.
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

/* Whether agent a's horizon row keeps every decision on the agent at this node. */
bool cg_row_fits(const struct colgen *G, int a, const int *row)
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
    return cg_row_fits(G, G->col[j].agent, G->col_row + (size_t)j * (size_t)G->I->D);
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
        cg_apply_forbids(G, a);
        double cost;
        int rc = cg_dp_any(G, a, G->restr + (size_t)a * (size_t)D, INFINITY, &cost);
        if (rc == -ENOENT && G->w.truncated)
            G->inexact = true; /* the node is left, but nothing is proved by it */
        if (rc < 0)
            return rc;
        if (!cg_row_fits(G, a, G->row))
            return -ENOENT; /* its cheapest horizon needs a forbidden option: none is allowed */
        rc = cg_add_column(G, a, G->row);
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
    int rc = cg_generate(G, deadline, 0, cutoff, NULL);
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
                cg_largest_columns(G);
                double obj, z = glp_get_obj_val(G->lp);
                rc = cg_roster_of(G, G->bestc, choice, &obj);
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
            rc = cg_add_column_at(G, a, start + (size_t)a * (size_t)D, &inc[a]);
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
    rc = cg_undo_dive(G, deadline);
    if (rc == 0 && (d0 > 0 || d1 < D - 1)) {
        rc = pin_outside(G, start, d0, d1);
        base = G->n_dec;
    }
    if (rc == 0)
        rc = branch_price(G, base, inc, &obj, deadline, proved, &improved);
    if (improved && obj < first) {
        int r2 = cg_roster_of(G, inc, choice, objective);
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

long colgen_nodes(const struct colgen *G)
{
    return G->nodes;
}
