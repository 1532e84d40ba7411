/* SPDX-License-Identifier: ISC */
/*
 * colgen_bound.c — a lower bound on the root LP while its pricing is a beam.
 *
 * Why: the LP value bounds every roster only once nothing prices out, and on
 * large instances pricing is a beam (colgen_master.c) whose "nothing prices
 * out" proves nothing: the root gave no bound where one was needed most
 * (the bench's references, issue #15). Any lower bound lb_a on each agent's
 * cheapest horizon under the duals gives one: z + sum_a min(0, lb_a - mu_a),
 * z the master's value and mu_a the agent's convexity dual.
 *
 * lb_a is a Lagrangian relaxation of the agent's pricing problem: the same
 * DP (w.prep) keeps the rules that keep its state small (runs of work and of
 * days off, successions, rest, weekends, pins, and the total minutes while
 * they fit) and leaves out those that make it large (bounded shift types,
 * weekly limits; the total minutes of an agent whose relaxed DP they would
 * cut). What it leaves out comes back as prices: x >= 0 per unit of each
 * limit's excess is added to the options and x times the limit taken off
 * the total. A horizon that keeps the limits pays no more than its true
 * cost, so the relaxed minimum L(x) is a lower bound for any x; x only
 * decides how tight. L is the lower envelope of one plane per horizon, so
 * its maximum is found by Kelley's cutting planes: the planes of the
 * horizons seen so far (kept from round to round, the duals move little)
 * make a small LP whose optimum is the next x to try, until L(x) meets the
 * LP's value.
 *
 * Measured on the generated family at converged duals (where the exact
 * bound is known): pricing minutes and weekends too gave 85 and 68.3
 * against LP values of 125.8 and 71 (30 x 28 x 3, 60 x 28 x 6); weekends in
 * the DP 104 and 70.2; minutes in the DP as well 124.2 and 71.0.
 * Subgradient steps instead of Kelley's: the minutes' price flipped the
 * relaxed horizon between too many and too few minutes, the steps shrank
 * to nothing and left stale prices from early rounds (100 x 28 x 12 stayed
 * near -900 against an LP of 189). Weekly limits get no price (the
 * benchmark has none).
 *
 *   cg_bound_init(G);                   with the master (cg_new)
 *   G->bound_up[a] = ...;               the pricing round's cheapest, or INFINITY
 *   cg_bound(G, iterations, deadline, &s);  after a pricing round, at its duals
 *   cg_bound_free(G);
 */
#include "colgen.h"
#include "colgen_internal.h"

#include "engine.h"
#include "engine_dp.h"
#include "engine_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * An agent's prices x: of its maximum and minimum minutes (0 while its DP
 * tracks them), then one per bounded type (ap[a].n_cnt); G->bound_v holds the
 * best x of each agent from bound_off[a]. Each horizon seen is a plane
 * L(x) <= c + g.x (c its cost under the duals, g how far it oversteps each
 * limit); G->bound_row keeps the last BOUND_ROWS horizons of each agent.
 */
enum { LG_MAX, LG_MIN, LG_FIXED };

#define BOUND_ROWS 48
#define BOUND_CAP  4096

/*
 * The bound's share of the root's time: a round's bound costs a few relaxed
 * DPs per agent, far less than a beam's pricing, but on a year's horizon
 * they are not free.
 */
#define BOUND_SHARE 0.1

int cg_bound_init(struct colgen *G)
{
    const struct engine_instance *I = G->I;
    int A = I->A, D = I->D, nc = 1, maxo = 1;
    size_t nv = 0;
    G->bound_off = malloc(((size_t)A + 1) * sizeof *G->bound_off);
    if (G->bound_off == NULL)
        return -ENOMEM;
    for (int a = 0; a < A; a++) {
        G->bound_off[a] = nv;
        nv += LG_FIXED + (size_t)I->ap[a].n_cnt;
        nc = I->ap[a].n_cnt > nc ? I->ap[a].n_cnt : nc;
        int n = I->ad_start[(a + 1) * D] - I->ad_start[a * D];
        maxo = n > maxo ? n : maxo;
    }
    G->bound_off[A] = nv;
    G->bound_v = calloc(nv > 0 ? nv : 1, sizeof *G->bound_v);
    G->bound_rows = calloc((size_t)A, sizeof *G->bound_rows);
    G->bound_row = malloc((size_t)A * BOUND_ROWS * (size_t)D * sizeof *G->bound_row);
    G->bound_up = malloc((size_t)A * sizeof *G->bound_up);
    G->bound_lb = malloc((size_t)A * sizeof *G->bound_lb);
    G->bound_base = malloc((size_t)maxo * sizeof *G->bound_base);
    G->bound_priced = calloc((size_t)A, sizeof *G->bound_priced);
    G->bound_g = malloc(((size_t)LG_FIXED + (size_t)nc + 2) * sizeof *G->bound_g);
    G->bound_ind = malloc(((size_t)LG_FIXED + (size_t)nc + 2) * sizeof *G->bound_ind);
    G->bound_val = malloc(((size_t)LG_FIXED + (size_t)nc + 2) * sizeof *G->bound_val);
    G->bound_try = malloc(((size_t)LG_FIXED + (size_t)nc) * sizeof *G->bound_try);
    if (!G->bound_v || !G->bound_rows || !G->bound_row || !G->bound_up || !G->bound_lb ||
        !G->bound_base || !G->bound_priced || !G->bound_g || !G->bound_ind || !G->bound_val ||
        !G->bound_try)
        return -ENOMEM;
    for (int a = 0; a < A; a++)
        G->bound_up[a] = INFINITY;
    return 0;
}

void cg_bound_free(struct colgen *G)
{
    free(G->bound_off);
    free(G->bound_v);
    free(G->bound_rows);
    free(G->bound_row);
    free(G->bound_up);
    free(G->bound_lb);
    free(G->bound_base);
    free(G->bound_priced);
    free(G->bound_g);
    free(G->bound_ind);
    free(G->bound_val);
    free(G->bound_try);
}

/* What the relaxation prices for agent a: the limits that bind, as finalize found them. */
struct limits {
    bool mins, max; /* minutes are priced (the agent's DP does not track them) */
    double unit;    /* ... per unit of the agent's longest option */
    double max_m, min_m;
};

static void limits_of(const struct colgen *G, int a, struct limits *L)
{
    const struct engine_instance *I = G->I;
    const struct engine_agent_rules *r = &I->rules[a];
    int D = I->D, unit = 1;
    for (int d = 0; d < D; d++)
        unit = I->maxmin[a * D + d] > unit ? I->maxmin[a * D + d] : unit;
    L->mins = I->ap[a].track_mins && G->bound_priced[a];
    L->max = L->mins && r->max_minutes < ENGINE_UNLIMITED;
    L->unit = unit;
    L->max_m = L->max ? (double)r->max_minutes / unit : 0;
    L->min_m = (double)r->min_minutes / unit;
}

/*
 * The plane of agent a's horizon row: its cost c under the duals
 * (G->bound_base, offcost) and g[n], how far it oversteps each limit.
 */
static double plane(const struct colgen *G, int a, const struct limits *L, const int *row,
                    double *g)
{
    const struct engine_instance *I = G->I;
    const struct aprep *p = &I->ap[a];
    int D = I->D, T = I->T, nc = p->n_cnt, base = I->ad_start[a * D];
    const int *cmax = I->cnt_max + p->cnt_off;
    double c = 0, minutes = 0;
    for (int k = 0; k < nc; k++)
        g[LG_FIXED + k] = -cmax[k];
    for (int d = 0; d < D; d++) {
        if (row[d] < 0) {
            c += I->offcost[a * D + d];
            continue;
        }
        int j = I->ad_start[a * D + d] + row[d];
        const struct popt *o = &I->po[j];
        c += G->bound_base[j - base];
        minutes += o->minutes / L->unit;
        int ci = I->cnt_index[a * T + o->type];
        if (ci >= 0)
            g[LG_FIXED + ci] += 1;
    }
    g[LG_MAX] = L->max ? minutes - L->max_m : 0;
    g[LG_MIN] = L->mins ? L->min_m - minutes : 0;
    return c;
}

/*
 * L(x) for agent a: the relaxed DP under prices x (G->bound_base holds its
 * options' reduced costs); the horizon into G->row. 0 or negative errno
 * (-ERANGE: the DP was cut, which would be no bound).
 */
static int relaxed(struct colgen *G, int a, const struct limits *L, const double *x, double *lb)
{
    const struct engine_instance *I = G->I;
    const struct aprep *p = &I->ap[a];
    int D = I->D, T = I->T, nc = p->n_cnt, base = I->ad_start[a * D];
    const int *cmax = I->cnt_max + p->cnt_off;
    const double *kap = x + LG_FIXED;
    double per_unit = ((L->max ? x[LG_MAX] : 0) - (L->mins ? x[LG_MIN] : 0)) / L->unit;
    for (int d = 0; d < D; d++) {
        G->offc[d] = I->offcost[a * D + d];
        for (int j = I->ad_start[a * D + d]; j < I->ad_start[a * D + d + 1]; j++) {
            const struct popt *o = &I->po[j];
            double c = G->bound_base[j - base] + per_unit * o->minutes;
            int ci = I->cnt_index[a * T + o->type];
            G->w.ocost[j - base] = ci >= 0 ? c + kap[ci] : c;
        }
    }
    double k0 = 0;
    if (L->max)
        k0 -= x[LG_MAX] * L->max_m;
    if (L->mins)
        k0 += x[LG_MIN] * L->min_m;
    for (int k = 0; k < nc; k++)
        k0 -= kap[k] * cmax[k];
    struct aprep rp = *p;
    rp.track_mins = p->track_mins && !L->mins;
    rp.track_wmin = rp.track_wdays = false;
    rp.n_cnt = 0;
    G->w.prep = &rp;
    /*
     * Exact where the state is small. Tracked minutes may not keep it small:
     * past BOUND_CAP labels a day the caller prices them instead (a DP of
     * the default width over 84 days took a second).
     */
    G->w.cap_layer = rp.track_mins ? BOUND_CAP : INT_MAX;
    double cost;
    int rc = engine_dp_agent(I, &G->w, a, G->offc, NULL, INFINITY, G->row, &cost);
    bool cut = G->w.truncated;
    G->w.prep = NULL;
    G->w.cap_layer = 0;
    if (rc == 0 && cut)
        rc = -ERANGE;
    if (rc < 0)
        return rc == -ENOENT ? -ERANGE : rc;
    *lb = cost + k0;
    return 0;
}

/* Keeps G->row as one of agent a's planes (the oldest goes when BOUND_ROWS are kept). */
static void keep_row(struct colgen *G, int a)
{
    size_t D = (size_t)G->I->D;
    int k = G->bound_rows[a]++ % BOUND_ROWS;
    memcpy(G->bound_row + ((size_t)a * BOUND_ROWS + (size_t)k) * D, G->row, D * sizeof *G->row);
}

/* Adds the plane t <= c + g.x as a row of the cutting-plane LP (columns x_1..x_n, t). */
static void add_plane(struct colgen *G, glp_prob *lp, int n, double c, const double *g)
{
    int r = glp_add_rows(lp, 1), k = 0;
    for (int i = 0; i < n; i++)
        if (g[i] != 0) {
            G->bound_ind[k + 1] = i + 1;
            G->bound_val[k + 1] = -g[i];
            k++;
        }
    G->bound_ind[k + 1] = n + 1;
    G->bound_val[k + 1] = 1;
    glp_set_mat_row(lp, r, k + 1, G->bound_ind, G->bound_val);
    glp_set_row_bnds(lp, r, GLP_UP, 0, c);
}

/*
 * Agent a's bound at the duals: the best L(x) of up to `iterations` relaxed
 * DPs, from its best x of the last call, then Kelley's steps. *lb, or
 * negative errno.
 */
static int agent_bound(struct colgen *G, int a, int iterations, double up, double *lb)
{
    const struct engine_instance *I = G->I;
    size_t D = (size_t)I->D, o = G->bound_off[a];
    int n = (int)(G->bound_off[a + 1] - o), rc;
    double *x = G->bound_v + o, *g = G->bound_g, v;
    struct limits L;
    limits_of(G, a, &L);
    cg_reduced_costs(G, a, G->bound_base);
    rc = relaxed(G, a, &L, x, lb);
    if (rc == -ERANGE && !L.mins) {
        /* Its minutes cut the DP: from now on they are priced. */
        G->bound_priced[a] = 1;
        limits_of(G, a, &L);
        rc = relaxed(G, a, &L, x, lb);
    }
    if (rc < 0)
        return rc;
    keep_row(G, a);
    if (iterations <= 1 || *lb >= up)
        return 0;
    glp_prob *lp = glp_create_prob();
    glp_add_cols(lp, n + 1);
    /*
     * A box keeps the first LPs bounded; no price beyond the cost of a whole
     * horizon's options can be worth more than it.
     */
    double box = 1;
    for (size_t j = 0; j < (size_t)(I->ad_start[(a + 1) * (int)D] - I->ad_start[a * (int)D]); j++)
        box += fabs(G->bound_base[j]);
    for (int i = 0; i < n; i++) {
        bool on = i >= LG_FIXED || (i == LG_MAX && L.max) || (i == LG_MIN && L.mins);
        if (on)
            glp_set_col_bnds(lp, i + 1, GLP_DB, 0, box);
        else
            glp_set_col_bnds(lp, i + 1, GLP_FX, 0, 0);
    }
    glp_set_col_bnds(lp, n + 1, GLP_FR, 0, 0);
    glp_set_obj_coef(lp, n + 1, 1);
    glp_set_obj_dir(lp, GLP_MAX);
    int kept = G->bound_rows[a] < BOUND_ROWS ? G->bound_rows[a] : BOUND_ROWS;
    for (int k = 0; k < kept; k++) {
        double c = plane(G, a, &L, G->bound_row + ((size_t)a * BOUND_ROWS + (size_t)k) * D, g);
        add_plane(G, lp, n, c, g);
    }
    glp_smcp smcp;
    glp_init_smcp(&smcp);
    smcp.msg_lev = GLP_MSG_OFF;
    for (int it = 1; it < iterations; it++) {
        if (glp_simplex(lp, &smcp) != 0 || glp_get_status(lp) != GLP_OPT)
            break;
        double t = glp_get_obj_val(lp);
        /* The LP's value bounds L from above: nothing better is left to find. */
        if (t <= *lb + 1e-7 * (1 + fabs(t)))
            break;
        for (int i = 0; i < n; i++)
            G->bound_try[i] = glp_get_col_prim(lp, i + 1);
        if ((rc = relaxed(G, a, &L, G->bound_try, &v)) < 0)
            break;
        keep_row(G, a);
        double c = plane(G, a, &L, G->row, g);
        add_plane(G, lp, n, c, g);
        if (v > *lb) {
            *lb = v;
            memcpy(x, G->bound_try, (size_t)n * sizeof *x);
        }
        if (*lb >= up)
            break;
    }
    glp_delete_prob(lp);
    return rc == -ERANGE || rc == -ETIMEDOUT ? 0 : rc;
}

int cg_bound(struct colgen *G, int iterations, double deadline, double *sum)
{
    const struct engine_instance *I = G->I;
    int A = I->A, rc = 0;
    double t0 = elapsed(G);
    /*
     * After a round, a share of the time; where the duals stay (the last
     * call of a root), every step until the deadline.
     */
    bool last = iterations > BOUND_STEPS_ROUND;
    double share = last ? INFINITY : BOUND_SHARE;
    if (G->bound_v == NULL || G->bound_seconds > share * t0 || (deadline > 0 && t0 >= deadline))
        return -EAGAIN;
    long budget = G->w.budget;
    G->w.budget = 0;
    double s = 0;
    for (int a = 0; a < A; a++) {
        if (cancelled(G)) {
            rc = -ECANCELED;
            break;
        }
        /* Past the deadline or the share, each agent gets its one DP (the bound needs it). */
        int it = iterations;
        if ((deadline > 0 && elapsed(G) >= deadline) ||
            G->bound_seconds + (elapsed(G) - t0) > share * elapsed(G))
            it = 1;
        double up = fmin(G->mu[a], G->bound_up[a]), lb;
        if ((rc = agent_bound(G, a, it, up, &lb)) < 0)
            break;
        G->bound_lb[a] = lb;
        s += fmin(0, lb - G->mu[a]);
    }
    G->w.budget = budget;
    G->bound_seconds += elapsed(G) - t0;
    if (rc < 0)
        return rc;
    *sum = s;
    return 0;
}
