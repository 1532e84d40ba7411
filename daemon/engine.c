/*
 * engine.c — the rostering engine's solver (see include/engine.h,
 * docs/engine.md); the model it solves (builder, finalize, checker) is in
 * engine_model.c, the per-agent DP it calls in engine_dp.c.
 *
 * Owns the local search around the DP and the threads. Layout of this file:
 * search; solve.
 *
 * The search keeps every agent feasible at all times: the initial roster is
 * built agent by agent by the DP (a resource-constrained shortest path over
 * days), and each move re-checks the whole horizon of every agent it touches
 * (O(days)) before it is scored. Cell penalties are updated incrementally from
 * a coverage array. Moves: change one agent-day, swap agent-days or blocks of
 * days between two agents, swap two days of one agent, re-optimise one agent
 * (whole horizon or a window of days) by DP, ruin-and-recreate several
 * agents by DP, and swap a block between two agents then repair both by DP.
 * The windowed ruin is aimed: its window holds an agent-day that costs
 * something now (an unmet wish) or where the agent could cover a short cell,
 * and its other agents are drawn from those working that day.
 * The DP prunes labels by dominance (weekends and bounded type counts) and
 * by a lower bound against the cost of a known feasible row, which keeps it
 * exact and makes a re-optimisation cost a few hundred labels, not 10^5. Acceptance is simulated
 * annealing with a geometric schedule over the budget (iterations if given, else seconds);
 * equal-cost moves are always taken, so the search walks plateaus. DP costs carry a tiny random
 * nudge that picks a random optimum among equals. Threads search independently with two
 * settings (a portfolio); the best roster wins. With P->lp_share the last thread starts from a
 * roster dived from the LP relaxation (colgen.c) and, late in the run, recombines every
 * thread's best with the LP's columns by branch and bound.
 */
#include "engine.h"

#include "colgen.h"
#include "engine_dp.h"
#include "engine_internal.h"
#include "engine_rng.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- search */

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
    long step; /* moves tried */
    int passes;
    long n_dp, n_rr, n_rr_acc, n_sw, n_sw_acc;
    double temp, temp0, temp1, p_rr, p_win, p_sw;
    bool cancelled;
    int rc;
    int infeasible_agent;
    struct timespec t0;
    /* The LP thread: its master, kept for one recombination late in the run. */
    struct colgen *cg;
    bool recombined;
    bool windows; /* the LP thread solves the LP by windows (lp_windows) */
    int pooled;   /* rosters the recombination had */
    long nodes;   /* branch and price nodes */
    int *snap; /* [(RECOMBINE_SNAPS + 1) * A * D]: bests of finished segments, then the current */
    int n_snap;
    double seg_cost;          /* best of the current segment */
    bool segments;            /* annealing in segments (see RECOMBINE_SNAPS) */
    double seg_base;          /* progress when the segments began; -1: not (yet) */
    atomic_bool *lp_root;     /* the LP thread's root converged */
    atomic_bool *lp_gone;     /* ... but it has no master left to recombine with */
    atomic_bool *optimal;     /* branch and price proved the run's best optimal: all stop */
    _Atomic double *best_any; /* the best objective of any thread */
    struct search *all;       /* every thread's search, [nt] */
    int nt;
    pthread_mutex_t *best_mu; /* guards each thread's best against the LP thread's reads */
};

/*
 * While the LP thread's root has converged (it will recombine at 3/4 of the
 * run), the other threads run RECOMBINE_SNAPS short annealings of SEGMENT of
 * the run each from fresh constructions, not one long one: the recombination
 * needs rosters that differ, and independent runs hold different good
 * horizons of an agent where one trajectory's bests hold much the same.
 * Instance 5 at 60 s reached its optimum in 5 of 9 runs with eight of 7.5 %,
 * 3 of 6 with four of 15 %, 0 of 6 without segments (docs/engine.md).
 */
#define RECOMBINE_SNAPS 8
#define SEGMENT         0.075
#define SEGMENTS_END    0.7  /* the recombination comes at 0.75 */
#define RECOMBINE_MIP   0.05 /* of the run for branch and bound over the pool */
/*
 * The LP thread's first branch and price, from its dive or the best roster
 * of any thread, ends at this share of the run; if it has not proved a
 * roster optimal by then, the thread anneals and tries again after the
 * recombination with a better roster to cut the tree with.
 */
#define BRANCH_EARLY_END 0.5

static double now_s(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) * 1e-9;
}

/* Sets S->cur[a][d] to nc, updating coverage and minutes; returns the cost change. */
static double set_day(struct search *S, int a, int d, int nc)
{
    const struct engine_instance *I = S->I;
    int D = I->D, ix = a * D + d, oc = S->cur[ix];
    if (oc == nc)
        return 0;
    double delta = 0;
    int m0 = S->mins[a], m1 = m0;
    if (oc >= 0) {
        const struct popt *o = opt_of(I, a, d, oc);
        delta -= o->cost;
        m1 -= o->minutes;
        for (int k = 0; k < o->n_cover; k++) {
            int c = I->cov_cell[o->cover_off + k], amt = I->cov_amt[o->cover_off + k];
            delta += cell_pen(I, c, S->cov[c] - amt) - cell_pen(I, c, S->cov[c]);
            S->cov[c] -= amt;
        }
    } else {
        delta -= I->offcost[ix];
    }
    if (nc >= 0) {
        const struct popt *o = opt_of(I, a, d, nc);
        delta += o->cost;
        m1 += o->minutes;
        for (int k = 0; k < o->n_cover; k++) {
            int c = I->cov_cell[o->cover_off + k], amt = I->cov_amt[o->cover_off + k];
            delta += cell_pen(I, c, S->cov[c] + amt) - cell_pen(I, c, S->cov[c]);
            S->cov[c] += amt;
        }
    } else {
        delta += I->offcost[ix];
    }
    if (m1 != m0)
        delta += fair_pen(I, a, m1) - fair_pen(I, a, m0);
    S->mins[a] = m1;
    S->cur[ix] = nc;
    return delta;
}

/* Sets agent a's whole row; returns the cost change. */
static double set_row(struct search *S, int a, const int *row)
{
    double delta = 0;
    for (int d = 0; d < S->I->D; d++)
        delta += set_day(S, a, d, row[d]);
    return delta;
}

static bool row_ok(const struct search *S, int a, const int *row)
{
    return engine_agent_scan(S->I, a, row, true, NULL, NULL, 0) == 0;
}

/* Simulated annealing: accept a candidate of cost c at the current temperature? */
static bool accept_move(struct search *S, double c)
{
    double delta = c - S->cur_cost;
    if (delta <= 1e-9)
        return true;
    if (S->temp <= 0)
        return false;
    return rng_unit(&S->rng) < exp(-delta / S->temp);
}

static void note_best(struct search *S)
{
    if (S->cur_cost < S->best_cost - 1e-9) {
        if (S->best_mu)
            pthread_mutex_lock(S->best_mu);
        S->best_cost = S->cur_cost;
        /* The run's best, for the LP thread's branch and price to cut with. */
        double b = S->best_any ? atomic_load_explicit(S->best_any, memory_order_relaxed) : 0;
        while (S->best_cost < b && !atomic_compare_exchange_weak(S->best_any, &b, S->best_cost))
            ;
        memcpy(S->best, S->cur, (size_t)S->I->A * (size_t)S->I->D * sizeof *S->best);
        if (S->best_mu)
            pthread_mutex_unlock(S->best_mu);
        if (S->P->progress)
            S->P->progress(S->P->progress_ctx, S->thread, now_s(&S->t0), S->best_cost);
    }
    if (S->segments && S->cur_cost < S->seg_cost - 1e-9) {
        size_t ad = (size_t)S->I->A * (size_t)S->I->D;
        S->seg_cost = S->cur_cost;
        memcpy(S->snap + (size_t)S->n_snap * ad, S->cur, ad * sizeof *S->snap);
    }
}

/*
 * The DP cost of row (agent a, costs just filled by engine_dp_costs) if it
 * is a feasible horizon that respects restrict_, else INFINITY: an upper
 * bound for engine_dp_agent.
 */
static double row_bound(const struct search *S, int a, const int *row, const int *restrict_)
{
    const struct engine_instance *I = S->I;
    int D = I->D, base = I->ad_start[a * D], m = 0;
    double c = 0;
    for (int d = 0; d < D; d++) {
        if (restrict_ && restrict_[d] != NO_FIX && restrict_[d] != row[d])
            return INFINITY;
        if (row[d] < 0) {
            c += S->offc[d];
        } else {
            int j = I->ad_start[a * D + d] + row[d];
            c += S->w.ocost[j - base];
            m += I->po[j].minutes;
        }
    }
    if (!row_ok(S, a, row))
        return INFINITY;
    if (I->ap[a].track_mins)
        c += fair_pen(I, a, m);
    return c;
}

/* Removes agent a from the coverage, DPs its horizon (restricted), puts it back. */
static int reopt_agent(struct search *S, int a, const int *restrict_, double *delta)
{
    const struct engine_instance *I = S->I;
    int D = I->D;
    int *row = S->cur + (size_t)a * (size_t)D;
    memcpy(S->save, row, (size_t)D * sizeof *row);
    double d1 = 0;
    for (int d = 0; d < D; d++)
        d1 += set_day(S, a, d, -1);
    engine_dp_costs(I, &S->w, a, S->cov, S->offc, &S->rng);
    double dc;
    int rc = engine_dp_agent(I, &S->w, a, S->offc, restrict_, row_bound(S, a, S->save, restrict_),
                             S->row, &dc);
    if (rc < 0) {
        /* Put back what was there (infeasible only before construction ends). */
        d1 += set_row(S, a, S->save);
        *delta = d1;
        return rc;
    }
    d1 += set_row(S, a, S->row);
    *delta = d1;
    return 0;
}

static int construct(struct search *S)
{
    const struct engine_instance *I = S->I;
    int A = I->A;
    for (int i = 0; i < A; i++)
        S->order[i] = i;
    for (int i = A - 1; i > 0; i--) {
        int j = rng_int(&S->rng, i + 1), t = S->order[i];
        S->order[i] = S->order[j];
        S->order[j] = t;
    }
    for (int i = 0; i < A; i++) {
        /*
         * Only cancellation stops a construction: without a complete roster
         * there is nothing to return, so the clock does not.
         */
        if (S->P->cancel && atomic_load(S->P->cancel)) {
            S->cancelled = true;
            return -ECANCELED;
        }
        double dl;
        int rc = reopt_agent(S, S->order[i], NULL, &dl);
        if (rc == -ENOENT) {
            S->infeasible_agent = S->order[i];
            return -EDOM;
        }
        if (rc < 0)
            return rc;
    }
    /* Costs from scratch once everybody is feasible. */
    struct engine_report rep;
    int rc = engine_check(I, S->cur, &rep);
    if (rc < 0)
        return rc;
    S->cur_cost = rep.objective;
    note_best(S);
    return 0;
}

/* Option of agent b on day d with the same slot as option oa of agent a, or -2. */
static int same_slot(const struct engine_instance *I, int a, int b, int d, int oa)
{
    if (oa < 0)
        return -1;
    int s = opt_of(I, a, d, oa)->slot, ix = b * I->D + d;
    for (int j = I->ad_start[ix]; j < I->ad_start[ix + 1]; j++)
        if (I->po[j].slot == s && !I->po[j].banned)
            return j - I->ad_start[ix];
    return -2;
}

/* Applies a tentative change of rows a (row) and b (row2, b may be -1); annealing decides. */
static void try_rows(struct search *S, int a, int b, int d0, int d1)
{
    const struct engine_instance *I = S->I;
    int D = I->D;
    if (!row_ok(S, a, S->row) || (b >= 0 && !row_ok(S, b, S->row2)))
        return;
    int *ra = S->cur + (size_t)a * (size_t)D;
    int *rb = b >= 0 ? S->cur + (size_t)b * (size_t)D : NULL;
    int olda[64], oldb[64];
    double delta = 0;
    for (int d = d0; d <= d1; d++) {
        olda[d - d0] = ra[d];
        if (rb)
            oldb[d - d0] = rb[d];
    }
    for (int d = d0; d <= d1; d++) {
        delta += set_day(S, a, d, S->row[d]);
        if (rb)
            delta += set_day(S, b, d, S->row2[d]);
    }
    if (accept_move(S, S->cur_cost + delta)) {
        S->cur_cost += delta;
        return;
    }
    for (int d = d1; d >= d0; d--) {
        if (rb)
            set_day(S, b, d, oldb[d - d0]);
        set_day(S, a, d, olda[d - d0]);
    }
}

static bool pick_focus(struct search *S, int *fa, int *fd);

/* One small move: change one day, swap days or blocks between agents, swap two days. */
static void small_move(struct search *S)
{
    const struct engine_instance *I = S->I;
    int D = I->D, A = I->A;
    /* 30 % of the small moves start from a focus (see pick_focus). */
    int a = rng_int(&S->rng, A), fd = -1;
    if (rng_unit(&S->rng) < 0.3) {
        int fa;
        if (pick_focus(S, &fa, &fd))
            a = fa;
        else
            fd = -1;
    }
    int *ra = S->cur + (size_t)a * (size_t)D;
    memcpy(S->row, ra, (size_t)D * sizeof *ra);
    int kind = rng_int(&S->rng, 10);
    if (kind < 3) {
        int d = fd >= 0 ? fd : rng_int(&S->rng, D), n = I->n_per_ad[a * D + d];
        int nc = rng_int(&S->rng, n + 1) - 1;
        if (nc == ra[d] || (nc >= 0 && opt_of(I, a, d, nc)->banned))
            return;
        S->row[d] = nc;
        try_rows(S, a, -1, d, d);
    } else if (kind < 8) {
        if (A < 2)
            return;
        int b = rng_int(&S->rng, A - 1);
        b += b >= a;
        int *rb = S->cur + (size_t)b * (size_t)D;
        memcpy(S->row2, rb, (size_t)D * sizeof *rb);
        int len = kind < 5 ? 1 : 1 + rng_int(&S->rng, D < 7 ? D : 7);
        int d0 = rng_int(&S->rng, D - len + 1), d1 = d0 + len - 1;
        bool diff = false;
        for (int d = d0; d <= d1; d++) {
            int x = same_slot(I, b, a, d, rb[d]), y = same_slot(I, a, b, d, ra[d]);
            if (x == -2 || y == -2)
                return;
            S->row[d] = x;
            S->row2[d] = y;
            diff |= x != ra[d];
        }
        if (!diff)
            return;
        try_rows(S, a, b, d0, d1);
    } else {
        /* Swap two days of one agent (moves a work day along its run structure). */
        int d = rng_int(&S->rng, D), e = d + 1 + rng_int(&S->rng, 3);
        if (e >= D || ra[d] == ra[e])
            return;
        S->row[d] = ra[e];
        S->row[e] = ra[d];
        /* Same option index on another day need not be the same shift; match by type. */
        if (S->row[d] >= 0) {
            int t = opt_of(I, a, e, ra[e])->type, f = -2;
            for (int j = 0; j < I->n_per_ad[a * D + d]; j++)
                if (opt_of(I, a, d, j)->type == t && !opt_of(I, a, d, j)->banned) {
                    f = j;
                    break;
                }
            if (f == -2)
                return;
            S->row[d] = f;
        }
        if (S->row[e] >= 0) {
            int t = opt_of(I, a, d, ra[d])->type, f = -2;
            for (int j = 0; j < I->n_per_ad[a * D + e]; j++)
                if (opt_of(I, a, e, j)->type == t && !opt_of(I, a, e, j)->banned) {
                    f = j;
                    break;
                }
            if (f == -2)
                return;
            S->row[e] = f;
        }
        try_rows(S, a, -1, d, e);
    }
}

static bool covers_short(const struct search *S, int a, int d, int o);

/*
 * A focus for a neighbourhood: an agent-day that costs something now (an
 * unmet wish) or where the agent could cover a short cell. Sampled, so it is
 * cheap on any size; false when 64 samples find nothing.
 */
static bool pick_focus(struct search *S, int *fa, int *fd)
{
    const struct engine_instance *I = S->I;
    int A = I->A, D = I->D;
    for (int t = 0; t < 64; t++) {
        int a = rng_int(&S->rng, A), d = rng_int(&S->rng, D), ix = a * D + d;
        int o = S->cur[ix], n = I->n_per_ad[ix];
        if (I->fixed[ix] != NO_FIX || I->dayoff[ix])
            continue; /* nothing any move may change there */
        double c = o >= 0 ? opt_of(I, a, d, o)->cost : I->offcost[ix];
        bool hit = c > 0;
        if (!hit && n > 0) {
            int j = rng_int(&S->rng, n);
            hit = j != o && !opt_of(I, a, d, j)->banned && covers_short(S, a, d, j);
        }
        if (hit) {
            *fa = a;
            *fd = d;
            return true;
        }
    }
    return false;
}

/*
 * Ruin k agents (whole horizon or a window), recreate them one by one by DP.
 * focus >= 0: that agent is one of the k, and the others are drawn first
 * from the agents working on day focus_day (who could trade with it).
 */
static int ruin_recreate(struct search *S, int k, int win0, int win1, int focus, int focus_day)
{
    const struct engine_instance *I = S->I;
    int A = I->A, D = I->D;
    if (k > A)
        k = A;
    /* Choose k distinct agents. */
    for (int i = 0; i < A; i++)
        S->order[i] = i;
    int i0 = 0;
    if (focus >= 0) {
        S->order[0] = focus;
        S->order[focus] = 0;
        i0 = 1;
        /* Agents working on the focus day go to the front, in random order. */
        int nw = 1;
        for (int i = 1; i < A; i++)
            if (S->cur[S->order[i] * D + focus_day] >= 0) {
                int t = S->order[nw];
                S->order[nw++] = S->order[i];
                S->order[i] = t;
            }
        for (int i = 1; i < k && i < nw; i++) {
            int j = i + rng_int(&S->rng, nw - i), t = S->order[i];
            S->order[i] = S->order[j];
            S->order[j] = t;
        }
        i0 = k < nw ? k : nw;
    }
    for (int i = i0; i < k; i++) {
        int j = i + rng_int(&S->rng, A - i), t = S->order[i];
        S->order[i] = S->order[j];
        S->order[j] = t;
    }
    int *saved = S->order + A; /* k * D choices */
    int *restr = saved + (size_t)A * (size_t)D;
    double delta = 0;
    for (int i = 0; i < k; i++) {
        int a = S->order[i];
        memcpy(saved + (size_t)i * (size_t)D, S->cur + (size_t)a * (size_t)D,
               (size_t)D * sizeof *saved);
    }
    /* Ruin: the agents leave the window (their other days stay as they are). */
    for (int i = 0; i < k; i++) {
        int a = S->order[i];
        for (int d = win0; d <= win1; d++)
            delta += set_day(S, a, d, -1);
    }
    int rc = 0;
    /*
     * Recreate one agent at a time, each against all the others; then repeat
     * over the same agents (block coordinate descent) while it still helps:
     * the first agents rebuilt could not see the later ones.
     */
    for (int pass = 0; pass < S->passes && rc == 0; pass++) {
        double pass_delta = 0;
        for (int i = 0; i < k; i++) {
            int a = S->order[i];
            for (int d = 0; d < D; d++)
                restr[d] = (d >= win0 && d <= win1) ? NO_FIX : saved[(size_t)i * (size_t)D + d];
            double d1 = 0;
            memcpy(S->save, S->cur + (size_t)a * (size_t)D, (size_t)D * sizeof *S->save);
            for (int d = win0; d <= win1; d++)
                d1 += set_day(S, a, d, -1);
            engine_dp_costs(I, &S->w, a, S->cov, S->offc, &S->rng);
            double dc;
            /* Bound: the better of the agent's row before the ruin and before this pass. */
            double ub = row_bound(S, a, saved + (size_t)i * (size_t)D, restr);
            if (pass > 0) {
                double ub2 = row_bound(S, a, S->save, restr);
                ub = ub2 < ub ? ub2 : ub;
            }
            rc = engine_dp_agent(I, &S->w, a, S->offc, restr, ub, S->row, &dc);
            S->n_dp++;
            if (rc < 0)
                d1 += set_row(S, a, pass ? S->save : saved + (size_t)i * (size_t)D);
            else
                d1 += set_row(S, a, S->row);
            pass_delta += d1;
            if (rc == -ENOENT)
                rc = 0;
            if (rc < 0)
                break;
        }
        delta += pass_delta;
        if (pass > 0 && pass_delta > -1e-9)
            break;
    }
    S->n_rr++;
    if (rc == 0 && accept_move(S, S->cur_cost + delta)) {
        S->n_rr_acc++;
        S->cur_cost += delta;
        return 0;
    }
    for (int i = k - 1; i >= 0; i--)
        set_row(S, S->order[i], saved + (size_t)i * (size_t)D);
    return rc;
}

/*
 * Swap a block of days between two agents (same shifts, so the cover of the
 * block is unchanged), then repair the rest of both horizons by DP with the
 * block pinned. The DP of each agent is bounded by its old row's cost plus
 * some slack (what annealing could still accept), so hopeless repairs stop
 * early; -ENOENT from the DP just rejects the move.
 */
static int swap_repair(struct search *S)
{
    const struct engine_instance *I = S->I;
    int A = I->A, D = I->D;
    if (A < 2)
        return 0;
    int ag[2];
    ag[0] = rng_int(&S->rng, A);
    ag[1] = rng_int(&S->rng, A - 1);
    ag[1] += ag[1] >= ag[0];
    int len = 1 + rng_int(&S->rng, D < 14 ? D : 14);
    int d0 = rng_int(&S->rng, D - len + 1), d1 = d0 + len - 1;
    /* Aimed like the windowed ruin: the first agent and the block hold a focus. */
    int fa, fd;
    if (pick_focus(S, &fa, &fd)) {
        ag[0] = fa;
        ag[1] = rng_int(&S->rng, A - 1);
        ag[1] += ag[1] >= ag[0];
        d0 = fd - rng_int(&S->rng, len);
        d0 = d0 < 0 ? 0 : d0 + len > D ? D - len : d0;
        d1 = d0 + len - 1;
    }
    int *saved = S->order + A; /* 2 * D */
    int *restr = saved + 2 * (size_t)D;
    int *nw = restr + D; /* the other agent's block, per agent: 2 * D */
    bool diff = false;
    for (int x = 0; x < 2; x++)
        memcpy(saved + (size_t)x * (size_t)D, S->cur + (size_t)ag[x] * (size_t)D,
               (size_t)D * sizeof *saved);
    for (int d = d0; d <= d1; d++) {
        for (int x = 0; x < 2; x++) {
            int v = same_slot(I, ag[1 - x], ag[x], d, saved[(size_t)(1 - x) * (size_t)D + d]);
            if (v == -2 ||
                (v >= 0 && I->fixed[ag[x] * D + d] != NO_FIX && I->fixed[ag[x] * D + d] != v) ||
                (v < 0 && I->fixed[ag[x] * D + d] >= 0))
                return 0;
            nw[(size_t)x * (size_t)D + d] = v;
            diff |= v != saved[(size_t)x * (size_t)D + d];
        }
    }
    if (!diff)
        return 0;
    double delta = 0, slack = 3 * S->temp + 1e-6;
    for (int d = d0; d <= d1; d++)
        for (int x = 0; x < 2; x++)
            delta += set_day(S, ag[x], d, nw[(size_t)x * (size_t)D + d]);
    int rc = 0;
    for (int x = 0; x < 2 && rc == 0; x++) {
        int a = ag[x];
        for (int d = 0; d < D; d++)
            restr[d] = (d >= d0 && d <= d1) ? nw[(size_t)x * (size_t)D + d] : NO_FIX;
        for (int d = 0; d < D; d++)
            if (d < d0 || d > d1)
                delta += set_day(S, a, d, -1);
        engine_dp_costs(I, &S->w, a, S->cov, S->offc, &S->rng);
        double ub = row_bound(S, a, saved + (size_t)x * (size_t)D, NULL) + slack, dc;
        rc = engine_dp_agent(I, &S->w, a, S->offc, restr, ub, S->row, &dc);
        S->n_dp++;
        if (rc == 0)
            delta += set_row(S, a, S->row);
    }
    S->n_sw++;
    if (rc == 0 && accept_move(S, S->cur_cost + delta)) {
        S->n_sw_acc++;
        S->cur_cost += delta;
        return 0;
    }
    for (int x = 1; x >= 0; x--)
        set_row(S, ag[x], saved + (size_t)x * (size_t)D);
    return rc == -ENOENT ? 0 : rc;
}

/* Would option o of agent a on day d cover a cell that is short now? */
static bool covers_short(const struct search *S, int a, int d, int o)
{
    const struct engine_instance *I = S->I;
    const struct popt *p = opt_of(I, a, d, o);
    for (int k = 0; k < p->n_cover; k++) {
        int c = I->cov_cell[p->cover_off + k];
        if (S->cov[c] < I->req[c] && I->cov_amt[p->cover_off + k] > 0)
            return true;
    }
    return false;
}

static bool should_stop(struct search *S)
{
    const struct engine_params *P = S->P;
    if (P->iterations > 0 && S->iter >= P->iterations)
        return true;
    if (P->cancel && atomic_load(P->cancel)) {
        S->cancelled = true;
        return true;
    }
    if (P->seconds > 0 && now_s(&S->t0) >= P->seconds)
        return true;
    return atomic_load_explicit(S->optimal, memory_order_relaxed);
}

/* The LP thread takes roster (better than its best) as its current one. */
static int adopt_roster(struct search *S, const int *roster)
{
    const struct engine_instance *I = S->I;
    for (int a = 0; a < I->A; a++)
        set_row(S, a, roster + (size_t)a * (size_t)I->D);
    struct engine_report rep;
    int rc = engine_check(I, S->cur, &rep);
    if (rc == 0) {
        S->cur_cost = rep.objective;
        note_best(S);
    }
    return rc;
}

/* Copies the best roster any thread holds into roster; returns that thread. */
static int best_of_all(struct search *S, int *roster)
{
    int from = S->thread;
    pthread_mutex_lock(S->best_mu);
    for (int t = 0; t < S->nt; t++)
        if (S->all[t].best_cost < S->all[from].best_cost - 1e-9)
            from = t;
    memcpy(roster, S->all[from].best, (size_t)S->I->A * (size_t)S->I->D * sizeof *roster);
    pthread_mutex_unlock(S->best_mu);
    return from;
}

/*
 * Branch and price (colgen_branch) from the best roster any thread holds,
 * until `end` of the run. When it exhausts its tree, that roster is optimal
 * and every thread stops. The LP thread takes the roster only if branch and
 * price improved it: otherwise it goes on from its own (two trajectories
 * are worth more than one).
 */
static int lp_branch(struct search *S, double end)
{
    const struct engine_instance *I = S->I;
    size_t ad = (size_t)I->A * (size_t)I->D;
    double left = end * S->P->seconds - now_s(&S->t0);
    if (S->cg == NULL || S->P->seconds <= 0 || S->P->no_branch || left < 0.05)
        return 0;
    int *start = malloc(ad * sizeof *start);
    if (start == NULL)
        return -ENOMEM;
    int rc = 0, from = best_of_all(S, start);
    bool proved = false;
    double obj = INFINITY;
    rc = colgen_branch(S->cg, start, left, start, &obj, &proved);
    S->nodes = colgen_nodes(S->cg);
    if (rc == -ECANCELED) {
        S->cancelled = true; /* the thread's best is a whole roster: it stands */
        rc = 0;
    }
    if (rc == 1 && obj < S->best_cost - 1e-9)
        rc = adopt_roster(S, start);
    else if (rc == 0 && proved && from != S->thread)
        rc = adopt_roster(S, start); /* the optimum is another thread's: all the same */
    if (rc >= 0 && proved)
        atomic_store(S->optimal, true);
    free(start);
    return rc < 0 ? rc : 0;
}

/*
 * The last thread's start when P->lp_share is set: the roster dived from the LP
 * relaxation. 1 if it is in place, 0 to construct instead (the LP failed or
 * ran out of time before its first solution), or a negative error.
 */
static int lp_start(struct search *S)
{
    const struct engine_instance *I = S->I;
    const struct engine_params *P = S->P;
    /*
     * The LP pays where it converges fast (instances 5-11: 0.1-5 s); where
     * it does not (8 and 12 need 8 s to minutes), the thread is worth more
     * searching, so it gives up after a quarter of its share.
     */
    struct colgen_params cp = {.seconds = P->seconds > 0 ? P->seconds * P->lp_share : 0,
                               .root_share = 0.25,
                               .converged_only = true,
                               .root_done = S->lp_root,
                               .elsewhere = S->best_any,
                               .cancel = P->cancel};
    struct colgen_result cr;
    int rc = colgen_run(I, &cp, P->seconds > 0 ? &S->cg : NULL, &cr);
    if (rc == -ECANCELED || rc == -ENOMEM || rc == -EDOM) {
        if (rc == -ECANCELED)
            S->cancelled = true;
        atomic_store(S->lp_gone, true);
        return rc;
    }
    /* A dive cut short by the clock fixes agents blindly: worse than a construction. */
    if (rc < 0 || cr.choice == NULL || !cr.complete) {
        colgen_result_free(&cr);
        colgen_free(S->cg);
        S->cg = NULL;
        atomic_store(S->lp_gone, true);
        /* The whole LP is too slow here: windows of it are not (lp_windows). */
        S->windows = P->seconds > 0 && !P->no_branch && (rc == -ETIMEDOUT || rc == 0);
        return 0;
    }
    int D = I->D;
    for (int a = 0; a < I->A; a++) {
        const int *row = cr.choice + (size_t)a * (size_t)D;
        if (row_ok(S, a, row)) {
            set_row(S, a, row);
        } else {
            double dl;
            rc = reopt_agent(S, a, NULL, &dl);
            if (rc < 0)
                break;
        }
    }
    colgen_result_free(&cr);
    if (rc < 0)
        return rc == -ENOENT ? -EDOM : rc;
    struct engine_report rep;
    rc = engine_check(I, S->cur, &rep);
    if (rc < 0)
        return rc;
    S->cur_cost = rep.objective;
    note_best(S);
    rc = lp_branch(S, BRANCH_EARLY_END);
    return rc < 0 ? rc : 1;
}

/*
 * Where the LP root does not converge in time (instances 8 and 12: 20-42 s
 * and 9 s), the LP thread solves it by windows instead: the best roster of
 * any thread with every agent-day outside WINDOW days fixed, and branch and
 * price (colgen_branch_window) over the rest, which finds the best roster
 * that differs only inside the window, or proves there is none. Windows
 * step by a week over the horizon; when a whole pass improves nothing, the
 * window grows by a week. On instance 8 from a 1367 roster: 14-day windows
 * reach 1335 in 8 s (then every window is proved), 21-day ones 1309 in 80 s.
 */
#define WINDOW_DAYS  14
#define WINDOW_STEP  7
#define WINDOW_SHARE 0.15 /* of the run, at most, per window */
#define WINDOW_FIRST 0.05 /* ... until one has improved the roster */

static int lp_windows(struct search *S)
{
    const struct engine_instance *I = S->I;
    const struct engine_params *P = S->P;
    int D = I->D, rc = 0;
    size_t ad = (size_t)I->A * (size_t)D;
    struct colgen_params cp = {.elsewhere = S->best_any, .cancel = P->cancel};
    int *start = malloc(ad * sizeof *start);
    if (start == NULL)
        return -ENOMEM;
    rc = colgen_new(I, &cp, &S->cg);
    bool paid = false; /* some window improved the roster */
    for (int w = WINDOW_DAYS; rc == 0; w += WINDOW_STEP) {
        int len = w < D ? w : D;
        bool better = false;
        for (int d0 = 0; rc == 0; d0 += WINDOW_STEP) {
            int d1 = d0 + len - 1 < D ? d0 + len - 1 : D - 1;
            double left = P->seconds - now_s(&S->t0);
            if (left < 0.05 || should_stop(S))
                goto out;
            best_of_all(S, start);
            /* A short first try: where windows do not pay (12), the thread anneals instead. */
            double obj = INFINITY, lim = (paid ? WINDOW_SHARE : WINDOW_FIRST) * P->seconds;
            bool proved;
            rc = colgen_branch_window(S->cg, start, d1 - len + 1, d1, lim < left ? lim : left,
                                      start, &obj, &proved);
            S->nodes = colgen_nodes(S->cg);
            if (rc == -ECANCELED) {
                S->cancelled = true;
                rc = 0;
                goto out;
            }
            if (rc == 1) {
                better = paid = true;
                rc = obj < S->best_cost - 1e-9 ? adopt_roster(S, start) : 0;
            } else if (rc == 0 && proved && len == D) {
                atomic_store(S->optimal, true); /* the whole horizon's tree, exhausted */
                goto out;
            } else if (rc == 0 && !proved && !paid) {
                /*
                 * The clock ended the first window before it found anything:
                 * windows are too slow here (instance 12: 4137 at 60 s with
                 * them, 4080 without), and the thread is worth more annealing.
                 */
                goto out;
            }
            if (d1 == D - 1)
                break;
        }
        if (len == D && !better)
            break; /* the whole horizon, and nothing better: as good as it gets */
        if (better)
            w -= WINDOW_STEP; /* the same width again */
    }
out:
    free(start);
    colgen_free(S->cg);
    S->cg = NULL;
    return rc;
}

/*
 * Late in the run (three quarters of the budget), the LP thread adds every
 * thread's best roster to its master and lets branch and bound recombine
 * agents' horizons from all of them and from the LP's columns: two searches
 * often hold the better half of a roster each. Then branch and price from
 * the best roster known until the end of the run: it prices horizons nobody
 * has generated yet (instance 6 needs one for its optimum), and when it
 * exhausts its tree, that roster is optimal and every thread stops. The
 * master is freed after.
 */
static int recombine(struct search *S)
{
    const struct engine_instance *I = S->I;
    size_t ad = (size_t)I->A * (size_t)I->D;
    int n = 0, rc = -ENOMEM;
    int *ros = malloc((size_t)S->nt * (2 + RECOMBINE_SNAPS) * ad * sizeof *ros);
    int *choice = malloc(ad * sizeof *choice);
    if (ros == NULL || choice == NULL)
        goto out;
    pthread_mutex_lock(S->best_mu);
    for (int t = 0; t < S->nt; t++)
        if (S->all[t].best_cost < INFINITY) {
            memcpy(ros + (size_t)n++ * ad, S->all[t].best, ad * sizeof *ros);
            for (int k = 0; k < S->all[t].n_snap; k++)
                memcpy(ros + (size_t)n++ * ad, S->all[t].snap + (size_t)k * ad, ad * sizeof *ros);
        }
    pthread_mutex_unlock(S->best_mu);
    double obj = INFINITY;
    S->pooled = n;
    rc = colgen_recombine(S->cg, ros, n, RECOMBINE_MIP * S->P->seconds, choice, &obj);
    if (rc == 1 && obj < S->cur_cost - 1e-9)
        rc = adopt_roster(S, choice);
    if (rc < 0)
        goto out;
    /* Then from the best roster of any thread (a thread's best is as good as its segments'). */
    rc = lp_branch(S, 1);
out:
    free(ros);
    free(choice);
    colgen_free(S->cg);
    S->cg = NULL;
    return rc < 0 ? rc : 0;
}

/*
 * A segment ends: its best joins the pool. The next starts from a fresh
 * construction; after the last, or when the LP thread will not recombine
 * after all (its dive failed), the thread goes on from its best on the run's
 * own schedule.
 */
static int next_segment(struct search *S)
{
    const struct engine_instance *I = S->I;
    pthread_mutex_lock(S->best_mu);
    S->n_snap++;
    pthread_mutex_unlock(S->best_mu);
    if (S->n_snap < RECOMBINE_SNAPS && S->seg_base + SEGMENT * (S->n_snap + 1) <= SEGMENTS_END &&
        !atomic_load(S->lp_gone)) {
        for (int d = 0; d < I->D; d++)
            S->save[d] = -1;
        for (int a = 0; a < I->A; a++)
            set_row(S, a, S->save);
        S->seg_cost = INFINITY;
        return construct(S);
    }
    S->segments = false;
    for (int a = 0; a < I->A; a++)
        set_row(S, a, S->best + (size_t)a * (size_t)I->D);
    S->cur_cost = S->best_cost;
    return 0;
}

static void search_main(struct search *S);

static void *search_run(void *arg)
{
    struct search *S = arg;
    search_main(S);
    colgen_free(S->cg); /* on this thread: GLPK's state is per thread */
    S->cg = NULL;
    return NULL;
}

static void search_main(struct search *S)
{
    const struct engine_instance *I = S->I;
    int D = I->D, A = I->A;
    /*
     * The LP thread is the last one: with two threads, thread 0 keeps the
     * warmer annealing that instance 8 wants, and the LP thread anneals from
     * the dive with the colder setting that 5, 9 and 12 want.
     */
    int nt = S->P->threads <= 0 ? 1 : S->P->threads;
    S->seg_base = -1;
    S->seg_cost = INFINITY;
    S->rc = S->thread == nt - 1 && S->P->lp_share > 0 ? lp_start(S) : 0;
    if (S->rc == 0)
        S->rc = construct(S);
    if (S->rc < 0)
        return;
    S->rc = 0;
    /*
     * Measured on the benchmark (docs/engine.md): simulated annealing from 10
     * to 0.5 (in units of the smallest weight, 1 there) beat late acceptance
     * by a wide margin; about 2 % of the steps are DP neighbourhoods, the rest
     * batches of 16 small moves. The threads are a portfolio: no one setting
     * was best everywhere (instance 8, still improving at the end, wants the
     * warmer end; 5, 9 and 12 gain from a colder end and twice the window
     * neighbourhoods), and sharing rosters between threads lost more
     * diversity than it gained, so odd threads run the second setting.
     */
    bool odd = S->thread % 2 == 1;
    S->temp0 = 10 * S->I->minw;
    S->temp1 = (odd ? 0.1 : 0.5) * S->I->minw;
    S->p_rr = 0.002;
    S->p_win = odd ? 0.04 : 0.02;
    S->p_sw = 0.005;
    S->passes = 3;
    int nsmall = 16;
    /* Recompute the true cost now and then so rounding never drifts. */
    long next_resync = 100000;
    while (!should_stop(S)) {
        double u = rng_unit(&S->rng);
        int rc = 0;
        double prog = S->P->iterations > 0 ? (double)S->iter / (double)S->P->iterations
                                           : now_s(&S->t0) / S->P->seconds;
        if (prog > 1)
            prog = 1;
        double tprog = prog;
        if (S->snap && S->seg_base < 0 && prog + SEGMENT <= SEGMENTS_END &&
            atomic_load_explicit(S->lp_root, memory_order_relaxed)) {
            S->segments = true;
            S->seg_base = prog;
        }
        if (S->segments) {
            double seg0 = S->seg_base + SEGMENT * S->n_snap;
            if (prog >= seg0 + SEGMENT || atomic_load_explicit(S->lp_gone, memory_order_relaxed)) {
                rc = next_segment(S);
                if (rc == -ECANCELED)
                    return; /* the thread's best is a whole roster: it stands */
                if (rc < 0) {
                    S->rc = rc;
                    return;
                }
                continue;
            }
            tprog = (prog - seg0) / SEGMENT;
        }
        S->temp = S->temp0 * pow(S->temp1 / S->temp0, tprog);
        if (S->windows) {
            S->windows = false;
            rc = lp_windows(S);
        } else if (S->cg && !S->recombined && S->P->seconds > 0 && prog >= 0.75) {
            S->recombined = true;
            rc = recombine(S);
        } else if (u < S->p_rr) {
            int k = 1 + rng_int(&S->rng, A < 4 ? A : 4);
            rc = ruin_recreate(S, k, 0, D - 1, -1, -1);
        } else if (u < S->p_rr + S->p_sw) {
            rc = swap_repair(S);
        } else if (u < S->p_rr + S->p_sw + S->p_win) {
            /* rng_int(0) would divide by zero: tiny sites (one agent, 1-2 days) exist. */
            int len = D <= 3 ? D : 3 + rng_int(&S->rng, D < 11 ? D - 2 : 9);
            int k = A < 2 ? A : 2 + rng_int(&S->rng, A < 8 ? A - 1 : 7);
            int fa = -1, fd = -1, d0;
            if (pick_focus(S, &fa, &fd)) {
                d0 = fd - rng_int(&S->rng, len);
                d0 = d0 < 0 ? 0 : d0 + len > D ? D - len : d0;
            } else {
                fa = -1;
                d0 = rng_int(&S->rng, D - len + 1);
            }
            rc = ruin_recreate(S, k, d0, d0 + len - 1, fa, fd);
        } else {
            for (int i = 0; i < nsmall - 1; i++) {
                small_move(S);
                note_best(S);
                S->step++;
            }
            small_move(S);
        }
        if (rc < 0) {
            S->rc = rc;
            return;
        }
        note_best(S);
        S->step++;
        S->iter++;
        if (S->iter >= next_resync) {
            next_resync += 100000;
            struct engine_report rep;
            if (engine_check(I, S->cur, &rep) == 0)
                S->cur_cost = rep.objective;
        }
    }
    return;
}

static void search_free(struct search *S)
{
    engine_dp_free(&S->w);
    free(S->cur);
    free(S->best);
    free(S->snap);
    free(S->cov);
    free(S->mins);
    free(S->row);
    free(S->row2);
    free(S->save);
    free(S->order);
    free(S->offc);
}

static int search_init(struct search *S, const struct engine_instance *I,
                       const struct engine_params *P, int thread)
{
    memset(S, 0, sizeof *S);
    S->I = I;
    S->P = P;
    S->thread = thread;
    S->infeasible_agent = -1;
    S->rng = P->seed * 0x2545F4914F6CDD1DULL + (uint64_t)thread * 0x9E3779B97F4A7C15ULL + 1;
    rng_next(&S->rng);
    size_t ad = (size_t)I->A * (size_t)I->D;
    S->best_cost = INFINITY;
    S->cur = malloc(ad * sizeof *S->cur);
    S->best = malloc(ad * sizeof *S->best);
    S->cov = calloc((size_t)(I->n_cells ? I->n_cells : 1), sizeof *S->cov);
    S->mins = calloc((size_t)I->A, sizeof *S->mins);
    S->row = malloc((size_t)I->D * sizeof *S->row);
    S->row2 = malloc((size_t)I->D * sizeof *S->row2);
    S->save = malloc((size_t)I->D * sizeof *S->save);
    S->order = malloc(((size_t)I->A + 2 * ad + 4 * (size_t)I->D) * sizeof *S->order);
    S->offc = malloc((size_t)I->D * sizeof *S->offc);
    if (!S->cur || !S->best || !S->cov || !S->mins || !S->row || !S->row2 || !S->save ||
        !S->order || !S->offc || engine_dp_init(&S->w, I) < 0)
        return -ENOMEM;
    for (size_t i = 0; i < ad; i++)
        S->cur[i] = -1;
    if (P->lp_share > 0 && P->seconds > 0 && P->threads > 1 && thread != P->threads - 1 &&
        (S->snap = malloc((RECOMBINE_SNAPS + 1) * ad * sizeof *S->snap)) == NULL)
        return -ENOMEM;
    return 0;
}

/* ----------------------------------------------------------------- solve */

int engine_solve(const struct engine_instance *I, const struct engine_params *P,
                 struct engine_solution *out)
{
    if (I == NULL || P == NULL || out == NULL || !I->final)
        return -EINVAL;
    memset(out, 0, sizeof *out);
    out->infeasible_agent = -1;
    if (P->iterations <= 0 && !(P->seconds > 0))
        return -EINVAL;
    int nt = P->threads <= 0 ? 1 : P->threads;
    if (nt > 64)
        return -EINVAL;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pthread_mutex_t best_mu;
    pthread_mutex_init(&best_mu, NULL);
    atomic_bool lp_root = false, lp_gone = false, optimal = false;
    _Atomic double best_any = INFINITY;
    struct search *S = calloc((size_t)nt, sizeof *S);
    pthread_t *th = calloc((size_t)nt, sizeof *th);
    bool *started = calloc((size_t)nt, sizeof *started);
    int rc = -ENOMEM, win = -1;
    if (!S || !th || !started)
        goto out;
    for (int t = 0; t < nt; t++) {
        rc = search_init(&S[t], I, P, t);
        S[t].t0 = t0;
        S[t].all = S;
        S[t].nt = nt;
        S[t].best_mu = &best_mu;
        S[t].lp_root = &lp_root;
        S[t].lp_gone = &lp_gone;
        S[t].optimal = &optimal;
        S[t].best_any = &best_any;
        if (rc < 0)
            goto out;
    }
    for (int t = 1; t < nt; t++)
        started[t] = pthread_create(&th[t], NULL, search_run, &S[t]) == 0;
    search_run(&S[0]);
    for (int t = 1; t < nt; t++)
        if (started[t])
            pthread_join(th[t], NULL);
        else
            search_run(&S[t]); /* no thread: run it here, the result is the same */
    for (int t = 0; t < nt; t++) {
        if (S[t].rc == -ECANCELED)
            continue; /* another thread may have a roster */
        if (S[t].rc < 0) {
            rc = S[t].rc;
            out->infeasible_agent = S[t].infeasible_agent;
            goto out;
        }
        if (win < 0 || S[t].best_cost < S[win].best_cost - 1e-9)
            win = t;
    }
    if (win < 0) {
        rc = -ECANCELED;
        out->cancelled = true;
        goto out;
    }
    size_t ad = (size_t)I->A * (size_t)I->D;
    out->choice = malloc(ad * sizeof *out->choice);
    if (out->choice == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    memcpy(out->choice, S[win].best, ad * sizeof *out->choice);
    out->n_agents = I->A;
    out->n_days = I->D;
    out->thread = win;
    out->iterations = S[win].iter;
    for (int t = 0; t < nt; t++) {
        out->cancelled |= S[t].cancelled;
        if (S[t].pooled > out->pooled)
            out->pooled = S[t].pooled;
        out->nodes += S[t].nodes;
    }
    out->optimal = atomic_load(&optimal);
    rc = engine_check(I, out->choice, &out->report);
out:
    if (S)
        for (int t = 0; t < nt; t++)
            search_free(&S[t]);
    free(S);
    free(th);
    free(started);
    pthread_mutex_destroy(&best_mu);
    if (rc < 0) {
        free(out->choice);
        out->choice = NULL;
    }
    return rc;
}

void engine_solution_free(struct engine_solution *s)
{
    if (s == NULL)
        return;
    free(s->choice);
    s->choice = NULL;
}
