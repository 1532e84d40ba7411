/* SPDX-License-Identifier: ISC */
/*
 * engine_solve.c — engine_solve() (see include/engine.h, docs/engine.md,
 * Method 6-10): one run's orchestration on top of the local search
 * (engine_search.c) and the LP relaxation (colgen.h).
 *
 * Threads search independently with two settings (a portfolio); the best
 * roster wins. Each thread runs search_main: a first roster, then search
 * steps until the iteration budget, the clock, a cancel or a proof ends it.
 * With P->lp_share the last thread starts from a roster dived from the LP
 * relaxation (colgen.h) and branches and prices from the best roster of any
 * thread, and solves the LP by windows where its root or that tree is too
 * slow; late in the run it recombines every thread's best (and the other threads' segment
 * bests) with the LP's columns by branch and bound. A roster that branch
 * and price proves optimal ends every thread at once.
 *
 * The only engine file that calls colgen.h: the model, the DP and the search
 * do not. Layout: the run's constants; the LP thread (lp_start, lp_branch,
 * lp_windows, recombine); segments; a thread's loop; engine_solve.
 */
#include "engine.h"

#include "colgen.h"
#include "engine_internal.h"
#include "engine_rng.h"
#include "engine_search.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

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
#define RECOMBINE_AT    0.75
/*
 * The LP thread's first branch and price, from its dive or the best roster
 * of any thread, ends at this share of the run, and gets at most
 * BRANCH_EARLY_MAX of it: where the tree over the whole horizon closes, it
 * closed within 1.5 s on 1-12 (5, 6, 10, 11), and where it does not, trees
 * over windows of the horizon pay at once (lp_windows). If it has not
 * proved a roster optimal, the thread goes on by windows and recombines.
 */
#define BRANCH_EARLY_END 0.5
#define BRANCH_EARLY_MAX 0.1

/* The LP thread takes roster (better than its best) as its current one. */
static int adopt_roster(struct search *S, const int *roster)
{
    const struct engine_instance *I = S->I;
    for (int a = 0; a < I->A; a++)
        search_set_row(S, a, roster + (size_t)a * (size_t)I->D);
    struct engine_report rep;
    int rc = engine_check(I, S->cur, &rep);
    if (rc == 0) {
        S->cur_cost = rep.objective;
        search_note_best(S);
    }
    return rc;
}

/* The thread with the best roster (S's own on a tie); the caller holds best_mu. */
static int leader(const struct search *S)
{
    int lead = S->thread;
    for (int t = 0; t < S->nt; t++)
        if (S->all[t].best_cost < S->all[lead].best_cost - 1e-9)
            lead = t;
    return lead;
}

/* Copies the best roster any thread holds into roster; returns that thread. */
static int best_of_all(struct search *S, int *roster)
{
    pthread_mutex_lock(S->best_mu);
    int from = leader(S);
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
    double left = end * S->P->seconds - search_now(S, ENGINE_PHASE_BRANCH);
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
     * An instance so large for its budget that even a construction runs at
     * its narrowest: the root's first columns alone are a construction at a
     * wider beam, its pricing rounds more, so it cannot converge in time
     * (150 x 364 x 32 at 2 s: it only delayed the other thread's first
     * roster). The thread constructs, then solves by windows.
     */
    if (S->hurried && P->seconds > 0) {
        atomic_store(S->lp_gone, true);
        S->windows = !P->no_branch;
        return 0;
    }
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
                               .cancel = P->cancel,
                               .clock = S->clk};
    struct colgen_result cr;
    int rc = colgen_run(I, &cp, P->seconds > 0 ? &S->cg : NULL, &cr);
    /*
     * -EDOM: some agent has no horizon; the construction finds and names it.
     * -ERANGE: none found within the DP's memory bound; the thread searches.
     */
    if (rc == -ECANCELED || rc == -ENOMEM) {
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
        if (search_row_ok(S, a, row)) {
            search_set_row(S, a, row);
        } else {
            rc = search_place_agent(S, a);
            if (rc < 0)
                break;
        }
    }
    colgen_result_free(&cr);
    if (rc < 0)
        return rc;
    struct engine_report rep;
    rc = engine_check(I, S->cur, &rep);
    if (rc < 0)
        return rc;
    S->cur_cost = rep.objective;
    search_note_best(S);
    double now = P->seconds > 0 ? search_now(S, ENGINE_PHASE_BRANCH) / P->seconds : 0;
    rc = lp_branch(S, fmin(BRANCH_EARLY_END, now + BRANCH_EARLY_MAX));
    /*
     * Not proved: the tree over the whole horizon is too big for now, but
     * trees over windows of it are not, and the master has the root's
     * columns. Windows until the recombination, then the thread anneals.
     */
    if (rc == 0 && S->cg && P->seconds > 0 && !P->no_branch && !atomic_load(S->optimal) &&
        !S->cancelled)
        S->windows = true;
    return rc < 0 ? rc : 1;
}

/*
 * Where the LP root does not converge in time (instance 12 and, under
 * load, 8), or the tree over the whole horizon does not close within
 * BRANCH_EARLY_MAX (7, 8, 9), the LP thread solves it by windows: the best
 * roster of any thread with every agent-day outside WINDOW days fixed, and branch and
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
    struct colgen_params cp = {.elsewhere = S->best_any, .cancel = P->cancel, .clock = S->clk};
    /*
     * After an unproved branch (lp_start), on its master: until the
     * recombination, which keeps the master, and after it to the end.
     */
    bool own = S->cg == NULL;
    double end = (own || S->recombined ? 1 : RECOMBINE_AT) * P->seconds;
    int *start = malloc(ad * sizeof *start);
    if (start == NULL)
        return -ENOMEM;
    if (own)
        rc = colgen_new(I, &cp, &S->cg);
    if (rc == -EDOM || rc == -ERANGE) {
        rc = 0; /* an agent without a first horizon (or none found in memory): search on */
        goto out;
    }
    bool paid = S->windows_paid; /* some window improved the roster (before a recombination too) */
    /* After the recombination, from the width reached before it. */
    for (int w = S->window_days > 0 ? S->window_days : WINDOW_DAYS; rc == 0; w += WINDOW_STEP) {
        int len = w < D ? w : D;
        S->window_days = w;
        bool better = false;
        for (int d0 = 0; rc == 0; d0 += WINDOW_STEP) {
            int d1 = d0 + len - 1 < D ? d0 + len - 1 : D - 1;
            double left = end - search_now(S, ENGINE_PHASE_WINDOW);
            if (left < 0.05 || search_should_stop(S))
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
                better = paid = S->windows_paid = true;
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
    if (own || S->recombined) {
        colgen_free(S->cg);
        S->cg = NULL;
    }
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
    /*
     * Then from the best roster of any thread (a thread's best is as good
     * as its segments'): by windows where they paid before (they grow to
     * the whole horizon, which proves as the whole tree does), else by one
     * tree over the horizon.
     */
    if (S->windows_paid)
        S->windows = true;
    else
        rc = lp_branch(S, 1);
out:
    free(ros);
    free(choice);
    if (!S->windows) {
        colgen_free(S->cg);
        S->cg = NULL;
    }
    return rc < 0 ? rc : 0;
}

/*
 * Room for the bests of a thread's segments (see RECOMBINE_SNAPS): only on
 * the threads whose rosters the LP thread recombines, which happens only
 * under a time budget. 0 or -ENOMEM.
 */
static int segments_alloc(struct search *S)
{
    const struct engine_params *P = S->P;
    size_t ad = (size_t)S->I->A * (size_t)S->I->D;
    if (P->lp_share > 0 && P->seconds > 0 && P->threads > 1 && S->thread != P->threads - 1 &&
        (S->snap = malloc((RECOMBINE_SNAPS + 1) * ad * sizeof *S->snap)) == NULL)
        return -ENOMEM;
    return 0;
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
            search_set_row(S, a, S->save);
        S->seg_cost = INFINITY;
        return search_construct(S, ENGINE_PHASE_SEGMENT);
    }
    S->segments = false;
    for (int a = 0; a < I->A; a++)
        search_set_row(S, a, S->best + (size_t)a * (size_t)I->D);
    S->cur_cost = S->best_cost;
    return 0;
}

/*
 * Halfway through a timed run, a thread whose best is behind another's
 * takes that thread's final temperature for the rest of its annealing: the
 * portfolio's two settings race, and the one ahead decides how cold the run
 * ends. On the generated 100 x 28 x 12 (docs/engine.md, "Session 14") the
 * warm end lost by 30 to the cold one at 60 s; on instance 8 neither thread's
 * annealing is the one that finds its best (the LP thread's windows are).
 * Not under an iteration budget: who is ahead at half time depends on the
 * threads' pace, and a run on an iteration budget must be reproducible.
 */
#define RACE_AT 0.5

static void race(struct search *S)
{
    pthread_mutex_lock(S->best_mu);
    S->temp1 = S->all[leader(S)].temp1; /* written under the lock: other threads read it so */
    pthread_mutex_unlock(S->best_mu);
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
    /*
     * The LP thread is the last one: with two threads, thread 0 keeps the
     * warmer annealing that instance 8 wants, and the LP thread anneals from
     * the dive with the colder setting that 5, 9 and 12 want.
     */
    int nt = S->P->threads <= 0 ? 1 : S->P->threads;
    S->seg_base = -1;
    S->seg_cost = INFINITY;
    bool lp = S->thread == nt - 1 && S->P->lp_share > 0, built = false;
    S->rc = 0;
    /*
     * Alone, the LP thread holds the run's only roster: it constructs one
     * before the LP, which on a large instance takes most of the budget
     * before its dive (50 x 84 x 6 on one thread at 2 s: its first roster
     * at 1.03 s, after the LP gave up; 0.02 s so).
     */
    if (lp && nt == 1 && S->P->seconds > 0) {
        S->rc = search_construct(S, ENGINE_PHASE_CONSTRUCT);
        built = S->rc == 0;
    }
    if (lp && S->rc == 0)
        S->rc = lp_start(S);
    if (S->rc == 0 && !built)
        S->rc = search_construct(S, ENGINE_PHASE_CONSTRUCT);
    if (S->rc < 0)
        return;
    S->rc = 0;
    /* Recompute the true cost now and then so rounding never drifts. */
    long next_resync = 100000;
    bool raced = S->nt < 2 || S->P->iterations > 0 || S->P->seconds <= 0;
    while (!search_should_stop(S)) {
        double u = rng_unit(&S->rng);
        int rc = 0;
        double prog = S->P->iterations > 0 ? (double)S->iter / (double)S->P->iterations
                                           : search_elapsed(S) / S->P->seconds;
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
                if (rc == -ECANCELED || rc == -ETIMEDOUT)
                    return; /* the thread's best is a whole roster: it stands */
                if (rc < 0) {
                    S->rc = rc;
                    return;
                }
                continue;
            }
            tprog = (prog - seg0) / SEGMENT;
        }
        if (!raced && prog >= RACE_AT) {
            race(S);
            raced = true;
        }
        search_cool(S, tprog);
        if (S->windows) {
            S->windows = false;
            rc = lp_windows(S);
        } else if (S->cg && !S->recombined && S->P->seconds > 0 && prog >= RECOMBINE_AT) {
            S->recombined = true;
            rc = recombine(S);
        } else {
            rc = search_step(S, u);
        }
        if (rc == -ETIMEDOUT || rc == -ECANCELED) {
            /* A DP stopped by the clock or a cancel: its move was undone, the best stands. */
            S->cancelled |= rc == -ECANCELED;
            return;
        }
        if (rc < 0) {
            S->rc = rc;
            return;
        }
        search_note_best(S);
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
    /*
     * The run's clock. A construction that has not finished by the deadline
     * may take a grace of a quarter of max(1 s, 5 %) more (the budget a
     * caller may overrun; docs/engine.md): without a roster there is nothing
     * to return.
     */
    struct engine_clock clk = {.now = P->clock, .ctx = P->clock_ctx, .cancel = P->cancel};
    clk.t0 = engine_clock_read(&clk, ENGINE_PHASE_CONSTRUCT);
    clk.deadline = P->seconds > 0 ? clk.t0 + P->seconds : 0;
    double grace = 0.25 * (P->seconds * 0.05 > 1 ? P->seconds * 0.05 : 1);
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
        if (rc == 0)
            rc = segments_alloc(&S[t]);
        S[t].clk = &clk;
        S[t].clk_grace = clk;
        S[t].clk_grace.deadline = clk.deadline > 0 ? clk.deadline + grace : 0;
        S[t].w.clk = &clk;
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
    bool timed_out = false, unplaced = false;
    for (int t = 0; t < nt; t++) {
        timed_out |= S[t].rc == -ETIMEDOUT;
        unplaced |= S[t].rc == -ERANGE;
        if (S[t].rc == -ECANCELED || S[t].rc == -ETIMEDOUT || S[t].rc == -ERANGE)
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
        /* No thread finished a first roster: cancelled, or out of time (and grace). */
        rc = P->cancel && atomic_load(P->cancel) ? -ECANCELED
             : unplaced                          ? -ERANGE
             : timed_out                         ? -ETIMEDOUT
                                                 : -ECANCELED;
        out->cancelled = rc == -ECANCELED;
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
        for (int t = 0; t < nt; t++) {
            search_free(&S[t]);
            free(S[t].snap);
        }
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
