/* SPDX-License-Identifier: ISC */
/*
 * engine_search.c — the engine's local search (see include/engine_search.h,
 * docs/engine.md, Method 2-5): one thread's roster, improved by moves that
 * annealing accepts or rejects. engine_solve.c runs it on each thread.
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
 * and its other agents are drawn from those working that day, first those
 * who work the shift the agent wishes for; swaps aimed at such a day take
 * such a partner too (search_wish_partner). Acceptance is
 * simulated annealing with a geometric schedule over the budget (iterations
 * if given, else seconds); equal-cost moves are always taken, so the search
 * walks plateaus.
 */
#include "engine_search.h"

#include "engine.h"
#include "engine_dp.h"
#include "engine_internal.h"
#include "engine_rng.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>

#define SMALL_MOVES 16 /* a batch of small moves: one step (see search_init) */
#define CAP_NARROW  8  /* the DP's beam for a construction that runs past the deadline */
#define OPT_KEEP    8  /* ... and the options a day it tries (engine_dp.h opt_keep) */
/*
 * The most days a neighbourhood re-optimises at once: the whole horizon of
 * instances 1-12 (28 days) and a little more, a window of it beyond. With
 * the rest pinned, a DP over a year then costs about what it costs over a
 * month (engine_dp.c's pinned tail).
 */
#define MAX_SPAN 35
/*
 * How many labels a construction's DPs may create in all, and how many one
 * DP of the search may: the beam widths follow from these (search_init).
 * A construction at CONSTRUCT_RATE labels a second gets at most
 * CONSTRUCT_SHARE of the budget, so that a roster exists early (a quarter of
 * the budget, docs/engine.md). The DP makes 2-10 million labels a second on
 * this machine under its usual load (reachability and dominance included):
 * the rate is the low end.
 */
#define CONSTRUCT_LABELS 40000000.0
#define CONSTRUCT_RATE   2000000.0
#define CONSTRUCT_SHARE  0.1
#define SEARCH_LABELS    30000.0
#define EXACT_DAYS       62 /* the longest horizon a construction proves infeasible (place_agent) */
#define PARTNER_SCAN     512 /* agents search_wish_partner looks at */

double search_now(const struct search *S, enum engine_phase phase)
{
    return engine_clock_read(S->clk, phase) - (S->clk ? S->clk->t0 : 0);
}

double search_elapsed(const struct search *S)
{
    return search_now(S, ENGINE_PHASE_SEARCH);
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
double search_set_row(struct search *S, int a, const int *row)
{
    double delta = 0;
    for (int d = 0; d < S->I->D; d++)
        delta += set_day(S, a, d, row[d]);
    return delta;
}

bool search_row_ok(const struct search *S, int a, const int *row)
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

void search_note_best(struct search *S)
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
            S->P->progress(S->P->progress_ctx, S->thread, search_elapsed(S), S->best_cost);
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
    if (!search_row_ok(S, a, row))
        return INFINITY;
    if (I->ap[a].track_mins)
        c += fair_pen(I, a, m);
    return c;
}

static int place_agent(struct search *S, int a, int cap);

/* Removes agent a from the coverage, DPs its horizon (restricted), puts it back. */
int search_reopt_agent(struct search *S, int a, const int *restrict_, double *delta)
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
        d1 += search_set_row(S, a, S->save);
        *delta = d1;
        return rc;
    }
    d1 += search_set_row(S, a, S->row);
    *delta = d1;
    return 0;
}

/*
 * One agent of a construction: the DP as a beam of cap labels a day; where
 * the beam lost every horizon, eight times wider and keeping slack
 * (w.diverse), then the default width, then unbounded (exact: only then is
 * -ENOENT a proof, -EDOM) up to EXACT_DAYS; beyond, -ERANGE.
 */
static int construct_agent(struct search *S, int a, int cap)
{
    long budget = S->w.budget;
    S->w.budget = 0; /* a construction's width is cap's alone */
    int rc = place_agent(S, a, cap);
    S->w.opt_keep = 0;
    S->w.cap_layer = S->cap_search;
    S->w.budget = budget;
    return rc;
}

int search_place_agent(struct search *S, int a)
{
    return construct_agent(S, a, S->cap_construct);
}

static int place_agent(struct search *S, int a, int cap)
{
    /* The narrowest beam keeps few labels a day: it tries as few options first. */
    int keep = cap > 0 && cap <= CAP_NARROW ? OPT_KEEP : 0;
    for (;;) {
        double dl;
        S->w.cap_layer = cap;
        S->w.opt_keep = keep;
        int rc = search_reopt_agent(S, a, NULL, &dl);
        S->w.diverse = false;
        if (rc != -ENOENT)
            return rc;
        S->w.diverse = true; /* the wider beams keep slack too (engine_dp.h) */
        if (!S->w.truncated) {
            S->infeasible_agent = a;
            return -EDOM;
        }
        if (keep > 0) {
            keep = 0; /* every option before a wider beam: the cheaper retry */
            continue;
        }
        if (cap == INT_MAX)
            return -EDOM; /* not reached: an uncapped DP truncates nothing */
        /*
         * The exact DP, the only proof, fits in memory over a few weeks; over
         * a year its layers reached 4 GiB without an answer (150 x 364 x 8).
         */
        if (cap == 0 && S->I->D > EXACT_DAYS)
            return -ERANGE;
        cap = cap == 0 ? INT_MAX : (long)cap * 8 >= DP_LABELS / S->I->D ? 0 : cap * 8;
    }
}

int search_construct(struct search *S, enum engine_phase phase)
{
    const struct engine_instance *I = S->I;
    int A = I->A, rc = 0;
    for (int i = 0; i < A; i++)
        S->order[i] = i;
    for (int i = A - 1; i > 0; i--) {
        int j = rng_int(&S->rng, i + 1), t = S->order[i];
        S->order[i] = S->order[j];
        S->order[j] = t;
    }
    /*
     * Without a complete roster there is nothing to return, so the deadline
     * does not stop a construction at once: past it, the rest of the agents
     * get the narrowest beam, and only past the grace after it (the DP's
     * clock, clk_grace) does the construction give up.
     */
    const struct engine_clock *clk = S->clk;
    double deadline = clk ? clk->deadline : 0;
    S->w.clk = &S->clk_grace;
    for (int i = 0; i < A; i++) {
        if (engine_clock_cancelled(clk)) {
            S->cancelled = true;
            rc = -ECANCELED;
            goto out;
        }
        double now = deadline > 0 ? engine_clock_read(clk, phase) : 0;
        if (S->clk_grace.deadline > 0 && now >= S->clk_grace.deadline) {
            rc = -ETIMEDOUT;
            goto out;
        }
        rc = construct_agent(S, S->order[i],
                             deadline > 0 && now >= deadline ? CAP_NARROW : S->cap_construct);
        if (rc == -ECANCELED)
            S->cancelled = true;
        if (rc < 0)
            goto out;
    }
    /* Costs from scratch once everybody is feasible. */
    struct engine_report rep;
    rc = engine_check(I, S->cur, &rep);
    if (rc < 0)
        goto out;
    S->cur_cost = rep.objective;
    search_note_best(S);
out:
    S->w.clk = S->clk;
    S->w.cap_layer = S->cap_search;
    return rc;
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

/* The first day of a window of len days that holds day fd, placed at random, within the horizon. */
static int window_at(struct search *S, int fd, int len)
{
    int d0 = fd - rng_int(&S->rng, len), D = S->I->D;
    return d0 < 0 ? 0 : d0 + len > D ? D - len : d0;
}

/* Applies a tentative change of rows a (row) and b (row2, b may be -1); annealing decides. */
static void try_rows(struct search *S, int a, int b, int d0, int d1)
{
    const struct engine_instance *I = S->I;
    int D = I->D;
    if (!search_row_ok(S, a, S->row) || (b >= 0 && !search_row_ok(S, b, S->row2)))
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
        /* From a focus: the swap grants the wish there, with the agent who has it. */
        int b = fd >= 0 ? search_wish_partner(S, a, fd) : -1;
        bool aimed = b >= 0;
        if (!aimed) {
            b = rng_int(&S->rng, A - 1);
            b += b >= a;
        }
        int *rb = S->cur + (size_t)b * (size_t)D;
        memcpy(S->row2, rb, (size_t)D * sizeof *rb);
        int len = kind < 5 ? 1 : 1 + rng_int(&S->rng, D < 7 ? D : 7);
        int d0 = aimed ? window_at(S, fd, len) : rng_int(&S->rng, D - len + 1), d1 = d0 + len - 1;
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
 * The slot of the shift agent a wishes for on day d: that of its cheapest
 * option there, when that costs less than what a has now and less than a
 * day off; -1 when no shift is wished for.
 */
static int wished_slot(const struct search *S, int a, int d)
{
    const struct engine_instance *I = S->I;
    int ix = a * I->D + d, o = S->cur[ix], slot = -1;
    double c = o >= 0 ? opt_of(I, a, d, o)->cost : I->offcost[ix];
    if (I->offcost[ix] < c)
        c = I->offcost[ix];
    for (int j = 0; j < I->n_per_ad[ix]; j++) {
        const struct popt *p = opt_of(I, a, d, j);
        if (!p->banned && p->cost < c - 1e-9) {
            c = p->cost;
            slot = p->slot;
        }
    }
    return slot;
}

/*
 * A partner for agent a's wish on day d: one of the agents who work the
 * wished shift there, drawn uniformly (one pass, reservoir) among the
 * PARTNER_SCAN agents from a random one on (all of them up to that size: a
 * site of 10,000 agents with stability wishes would otherwise scan them all
 * for every aimed move); -1 when a wishes for no shift or none is found.
 * On 100 x 28 x 12 about 3.4 agents work a shift on a day, so a random
 * partner held it one time in thirty; and where cover can be met, unmet
 * wishes are the cost that is left (docs/engine.md, Session 13).
 */
int search_wish_partner(struct search *S, int a, int d)
{
    const struct engine_instance *I = S->I;
    int s = wished_slot(S, a, d), n = 0, pick = -1;
    if (s < 0)
        return -1;
    int A = I->A, b = rng_int(&S->rng, A), m = A < PARTNER_SCAN ? A : PARTNER_SCAN;
    for (int i = 0; i < m; i++, b = b + 1 == A ? 0 : b + 1) {
        int o = S->cur[b * I->D + d];
        if (b != a && o >= 0 && opt_of(I, b, d, o)->slot == s && rng_int(&S->rng, ++n) == 0)
            pick = b;
    }
    return pick;
}

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
        /* Those who work the shift the focus agent wishes for come first. */
        int ns = 1, ws = wished_slot(S, focus, focus_day);
        for (int i = 1; ws >= 0 && i < nw; i++) {
            int b = S->order[i];
            if (opt_of(I, b, focus_day, S->cur[b * D + focus_day])->slot == ws) {
                int t = S->order[ns];
                S->order[ns++] = b;
                S->order[i] = t;
            }
        }
        for (int i = 1; i < k && i < nw; i++) {
            int j = i + rng_int(&S->rng, (i < ns ? ns : nw) - i), t = S->order[i];
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
            engine_dp_costs_days(I, &S->w, a, S->cov, S->offc, &S->rng, win0, win1);
            double dc;
            /* Bound: the better of the agent's row before the ruin and before this pass. */
            double ub = row_bound(S, a, saved + (size_t)i * (size_t)D, restr);
            if (pass > 0) {
                double ub2 = row_bound(S, a, S->save, restr);
                ub = ub2 < ub ? ub2 : ub;
            }
            rc = engine_dp_agent(I, &S->w, a, S->offc, restr, ub, S->row, &dc);
            if (rc < 0)
                d1 += search_set_row(S, a, pass ? S->save : saved + (size_t)i * (size_t)D);
            else
                d1 += search_set_row(S, a, S->row);
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
    if (rc == 0 && accept_move(S, S->cur_cost + delta)) {
        S->cur_cost += delta;
        return 0;
    }
    for (int i = k - 1; i >= 0; i--)
        search_set_row(S, S->order[i], saved + (size_t)i * (size_t)D);
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
        ag[1] = search_wish_partner(S, fa, fd);
        if (ag[1] < 0) {
            ag[1] = rng_int(&S->rng, A - 1);
            ag[1] += ag[1] >= ag[0];
        }
        d0 = window_at(S, fd, len);
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
    /* The repair's reach: the whole horizon, or MAX_SPAN days around the block. */
    int lo = 0, hi = D - 1;
    if (D > MAX_SPAN) {
        int extra = (MAX_SPAN - len) / 2;
        lo = d0 - extra < 0 ? 0 : d0 - extra;
        hi = d1 + extra > D - 1 ? D - 1 : d1 + extra;
    }
    int rc = 0;
    for (int x = 0; x < 2 && rc == 0; x++) {
        int a = ag[x];
        for (int d = 0; d < D; d++)
            restr[d] = (d >= d0 && d <= d1) ? nw[(size_t)x * (size_t)D + d]
                       : (d < lo || d > hi) ? saved[(size_t)x * (size_t)D + d]
                                            : NO_FIX;
        for (int d = lo; d <= hi; d++)
            if (d < d0 || d > d1)
                delta += set_day(S, a, d, -1);
        engine_dp_costs_days(I, &S->w, a, S->cov, S->offc, &S->rng, lo, hi);
        double ub = row_bound(S, a, saved + (size_t)x * (size_t)D, NULL) + slack, dc;
        rc = engine_dp_agent(I, &S->w, a, S->offc, restr, ub, S->row, &dc);
        if (rc == 0)
            delta += search_set_row(S, a, S->row);
    }
    if (rc == 0 && accept_move(S, S->cur_cost + delta)) {
        S->cur_cost += delta;
        return 0;
    }
    for (int x = 1; x >= 0; x--)
        search_set_row(S, ag[x], saved + (size_t)x * (size_t)D);
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

bool search_should_stop(struct search *S)
{
    const struct engine_params *P = S->P;
    if (P->iterations > 0 && S->iter >= P->iterations)
        return true;
    if (engine_clock_cancelled(S->clk)) {
        S->cancelled = true;
        return true;
    }
    if (engine_clock_expired(S->clk, ENGINE_PHASE_SEARCH))
        return true;
    return atomic_load_explicit(S->optimal, memory_order_relaxed);
}

/*
 * One step of the search, chosen by u (uniform in [0, 1), drawn by the
 * caller): ruin and recreate whole horizons (p_rr), a block swap and repair
 * (p_sw), a focused window ruined and recreated (p_win), else a batch of
 * SMALL_MOVES small moves. 0 or a negative errno.
 */
int search_step(struct search *S, double u)
{
    const struct engine_instance *I = S->I;
    int D = I->D, A = I->A, rc = 0;
    if (u < S->p_rr) {
        /* Whole horizons, up to MAX_SPAN days: a year's DP is no small move. */
        int k = 1 + rng_int(&S->rng, A < 4 ? A : 4);
        int d0 = D > MAX_SPAN ? rng_int(&S->rng, D - MAX_SPAN + 1) : 0;
        rc = ruin_recreate(S, k, d0, D > MAX_SPAN ? d0 + MAX_SPAN - 1 : D - 1, -1, -1);
    } else if (u < S->p_rr + S->p_sw) {
        rc = swap_repair(S);
    } else if (u < S->p_rr + S->p_sw + S->p_win) {
        /* rng_int(0) would divide by zero: tiny sites (one agent, 1-2 days) exist. */
        int len = D <= 3 ? D : 3 + rng_int(&S->rng, D < 11 ? D - 2 : 9);
        int k = A < 2 ? A : 2 + rng_int(&S->rng, A < 8 ? A - 1 : 7);
        int fa = -1, fd = -1, d0;
        if (pick_focus(S, &fa, &fd)) {
            d0 = window_at(S, fd, len);
        } else {
            fa = -1;
            d0 = rng_int(&S->rng, D - len + 1);
        }
        rc = ruin_recreate(S, k, d0, d0 + len - 1, fa, fd);
    } else {
        for (int i = 0; i < SMALL_MOVES - 1; i++) {
            small_move(S);
            search_note_best(S);
        }
        small_move(S);
    }
    return rc;
}

/* The temperature at t in [0, 1] of the schedule: geometric from temp0 to temp1. */
void search_cool(struct search *S, double t)
{
    S->temp = S->temp0 * pow(S->temp1 / S->temp0, t);
}

void search_free(struct search *S)
{
    engine_dp_free(&S->w);
    free(S->cur);
    free(S->best);
    free(S->cov);
    free(S->mins);
    free(S->row);
    free(S->row2);
    free(S->save);
    free(S->order);
    free(S->offc);
}

int search_init(struct search *S, const struct engine_instance *I, const struct engine_params *P,
                int thread)
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
    /*
     * Beam widths. A construction's DPs share CONSTRUCT_LABELS (fewer under a
     * short time budget): a DP creates about days x (options a day + 1)
     * labels per label kept a day. Where that allows more than the DP's
     * default, it runs exact as before (instances 1-12).
     */
    double branch = (double)I->ad_start[I->A * I->D] / ((double)I->A * I->D) + 1;
    double labels = CONSTRUCT_LABELS;
    if (P->seconds > 0 && CONSTRUCT_RATE * CONSTRUCT_SHARE * P->seconds < labels)
        labels = CONSTRUCT_RATE * CONSTRUCT_SHARE * P->seconds;
    double per_day = (double)I->D * branch, dflt = DP_LABELS / (double)I->D;
    dflt = dflt < 256 ? 256 : dflt > 200000 ? 200000 : dflt; /* engine_dp.c's default */
    double c = labels / I->A / per_day;
    S->cap_construct = c >= dflt ? 0 : c < CAP_NARROW ? CAP_NARROW : (int)c;
    S->hurried = c < CAP_NARROW;
    /* The search's DPs: a budget per call, whatever the window (engine_dp.c's layer_cap). */
    S->cap_search = 0;
    S->w.cap_layer = 0;
    S->w.budget = (long)SEARCH_LABELS;
    return 0;
}
