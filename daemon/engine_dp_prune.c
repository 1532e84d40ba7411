/* SPDX-License-Identifier: ISC */
/*
 * engine_dp_prune.c — what thins a layer of the per-agent DP (engine_dp.c)
 * before the next day is built from it (see include/engine_dp.h):
 *
 *  - dominance (dp_dominance): of labels that agree on everything but
 *    maxima-only resources (weekends, bounded type counts, and minutes where
 *    they can no longer matter), the dearer one that has no less of each
 *    goes; exact;
 *  - the beam (dp_cap): where a layer is still larger than the cap, the best
 *    label of each run state and then the cheapest by cost plus the bound to
 *    go are kept, and the answer is marked truncated;
 *  - the pinned suffix (dp_suffix): at the day from which every day is
 *    pinned, labels with the same future keep only the cheapest; exact.
 *
 * engine_dp_agent() calls each once per day where it pays; each removes
 * labels of one layer with dp_compact() and keeps the survivors' order, so
 * the result does not depend on the libc.
 */
#include "engine_dp.h"

#include "engine.h"
#include "engine_internal.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct dp_sortent {
    int32_t last, mins, wmin;
    int16_t run;
    uint8_t flag, wdays;
    double cost;
    int idx;
    int32_t mv;     /* the label's minutes (mins is 0 when they do not group) */
    int16_t wk;     /* its weekends */
    uint8_t hi, lo; /* it can no longer exceed the maximum, miss the minimum */
};

struct dp_rank {
    double score;
    int idx;
};

/* The order of the dominance filter: the state without its maxima-only resources, then cost. */
static inline bool sortent_less(const struct dp_sortent *a, const struct dp_sortent *b)
{
    if (a->last != b->last)
        return a->last < b->last;
    if (a->mins != b->mins)
        return a->mins < b->mins;
    if (a->wmin != b->wmin)
        return a->wmin < b->wmin;
    if (a->run != b->run)
        return a->run < b->run;
    if (a->flag != b->flag)
        return a->flag < b->flag;
    if (a->wdays != b->wdays)
        return a->wdays < b->wdays;
    if (a->cost != b->cost)
        return a->cost < b->cost;
    return a->idx < b->idx;
}

static inline bool sortent_group(const struct dp_sortent *a, const struct dp_sortent *b)
{
    return a->last == b->last && a->mins == b->mins && a->wmin == b->wmin && a->run == b->run &&
           a->flag == b->flag && a->wdays == b->wdays;
}

/*
 * Sorts by a total order, so the result is the same on every libc. A typed
 * quicksort: qsort's callback was a fifth of the search's time on instance
 * 8. Recurses into the smaller part only.
 */
static void sortent_sort(struct dp_sortent *v, int n)
{
    while (n > 16) {
        struct dp_sortent *a = &v[0], *b = &v[n / 2], *c = &v[n - 1], t;
        /* Median of three as pivot. */
        struct dp_sortent *m = sortent_less(a, b) ? (sortent_less(b, c)   ? b
                                                     : sortent_less(a, c) ? c
                                                                          : a)
                                                  : (sortent_less(a, c)   ? a
                                                     : sortent_less(b, c) ? c
                                                                          : b);
        struct dp_sortent piv = *m;
        int i = 0, j = n - 1;
        for (;;) {
            while (sortent_less(&v[i], &piv))
                i++;
            while (sortent_less(&piv, &v[j]))
                j--;
            if (i >= j)
                break;
            t = v[i];
            v[i] = v[j];
            v[j] = t;
            i++;
            j--;
        }
        /* v[0..j] <= pivot <= v[j+1..n-1] */
        int left = j + 1, right = n - left;
        if (left < right) {
            sortent_sort(v, left);
            v += left;
            n = right;
        } else {
            sortent_sort(v + left, right);
            n = left;
        }
    }
    for (int i = 1; i < n; i++) {
        struct dp_sortent x = v[i];
        int j = i - 1;
        while (j >= 0 && sortent_less(&x, &v[j])) {
            v[j + 1] = v[j];
            j--;
        }
        v[j + 1] = x;
    }
}

/*
 * A label is compared with at most this many cheaper labels of its group:
 * skipping a comparison only keeps a label that might have been dominated,
 * so the DP stays exact, and a group of thousands stays linear.
 */
#define DOMINANCE_TRIES 64

/*
 * Dominance between labels of one layer: weekends used and the bounded type
 * counts only have maxima, and nothing later depends on them otherwise, so
 * a label with the same other fields, no more of each of those and no higher
 * cost can do whatever the other can, at least as cheaply (and minutes,
 * struct dom_ctx). Removes the dominated labels of layer d (order of the
 * survivors kept). 0 or -ENOMEM.
 */
int dp_dominance(struct dp_work *w, int d, int n_cnt, const struct dom_ctx *mc)
{
    int n = w->n[d];
    if (n <= 0)
        return 0;
    if (util_grow((void **)&w->se, &w->se_cap, n, sizeof *w->se) < 0)
        return -ENOMEM;
    struct dp_node *L = w->layer[d];
    for (int i = 0; i < n; i++) {
        const struct dp_key *k = &L[i].k;
        struct dp_sortent *e = &w->se[i];
        *e = (struct dp_sortent){.last = k->last,
                                 .mins = mc->on ? 0 : k->mins,
                                 .wmin = k->wmin,
                                 .run = k->run,
                                 .flag = k->flag,
                                 .wdays = k->wdays,
                                 .cost = L[i].cost,
                                 .idx = i,
                                 .mv = k->mins,
                                 .wk = k->wk};
        if (mc->on) {
            const struct aprep *p = mc->p;
            int st = run_state(p, k);
            bool spent = p->track_wk && k->wk >= mc->r->max_weekends;
            long m = (long)k->mins * p->g;
            long rx =
                reach_max(w, p, mc->cmax, cnt_of(w, d, i, n_cnt), spent, mc->rx0, mc->tab, st);
            e->hi = rx != DP_NO_REACH && m + rx <= mc->r->max_minutes;
            e->lo = m + mc->rn0[st] >= mc->r->min_minutes;
        }
    }
    sortent_sort(w->se, n);
    /* se[g0..kept) holds the kept labels of the current group (in cost order). */
    int g0 = 0, kept = 0;
    for (int i = 0; i < n; i++) {
        if (i == 0 || !sortent_group(&w->se[i], &w->se[i - 1]))
            g0 = kept;
        int x = w->se[i].idx;
        const uint16_t *kc = cnt_of(w, d, x, n_cnt);
        bool dom = false;
        int end = kept < g0 + DOMINANCE_TRIES ? kept : g0 + DOMINANCE_TRIES;
        const struct dp_sortent *e = &w->se[i];
        for (int j = g0; j < end && !dom; j++) {
            /* Everything but the counts is in se: no trip to the labels unless needed. */
            const struct dp_sortent *q = &w->se[j];
            if (q->wk > e->wk || (q->mv != e->mv && !(q->mv > e->mv ? q->hi : q->lo)))
                continue;
            const uint16_t *qc = cnt_of(w, d, q->idx, n_cnt);
            int c = 0;
            while (c < n_cnt && qc[c] <= kc[c])
                c++;
            dom = c == n_cnt;
        }
        if (!dom)
            w->se[kept++] = w->se[i];
    }
    if (kept == n)
        return 0;
    /* Keep the survivors in their original order (stable, deterministic). */
    if (util_grow((void **)&w->alive, &w->alive_cap, n, 1) < 0)
        return -ENOMEM;
    memset(w->alive, 0, (size_t)n);
    for (int i = 0; i < kept; i++)
        w->alive[w->se[i].idx] = 1;
    dp_compact(w, d, n_cnt);
    return 0;
}

static inline bool rank_less(const struct dp_rank *a, const struct dp_rank *b)
{
    return a->score < b->score || (a->score == b->score && a->idx < b->idx);
}

/* Puts the k smallest of v[0..n) (by score, then index) first, in no order. O(n). */
static void rank_select(struct dp_rank *v, int n, int k)
{
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        struct dp_rank piv = v[lo + (hi - lo) / 2], t;
        int i = lo, j = hi;
        while (i <= j) {
            while (rank_less(&v[i], &piv))
                i++;
            while (rank_less(&piv, &v[j]))
                j--;
            if (i <= j) {
                t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        }
        if (k - 1 <= j)
            hi = j;
        else if (k - 1 >= i)
            lo = i;
        else
            break;
    }
}

/*
 * The beam: layer d keeps its cap best labels by cost plus the bound to go
 * (cost alone without a bound table), in their order; first the best label
 * of each run state, then the best of the rest. Without that diversity a
 * beam's labels tend to share one run, and a run the rules cannot end in
 * time (a minimum of consecutive days running into a forbidden day) takes
 * the whole beam with it. 0 or -ENOMEM.
 */
int dp_cap(const struct engine_instance *I, struct dp_work *w, int a, int d, int cap,
           const struct dp_bound *bd)
{
    const struct engine_agent_rules *r = &I->rules[a];
    const struct aprep *p = dp_prep(I, w, a);
    int n = w->n[d], S = 2 * (p->cap_work + p->cap_off + 1), kept = 0;
    if (n <= 0)
        return 0;
    int R = w->diverse ? 3 : 1; /* representatives per run state */
    if (util_grow((void **)&w->rk, &w->rk_cap, n, sizeof *w->rk) < 0 ||
        util_grow((void **)&w->alive, &w->alive_cap, n, 1) < 0 ||
        util_grow((void **)&w->rep, &w->rep_cap, R * S, sizeof *w->rep) < 0)
        return -ENOMEM;
    for (int st = 0; st < R * S; st++)
        w->rep[st] = -1;
    for (int i = 0; i < n; i++) {
        const struct dp_node *nd = &w->layer[d][i];
        double sc = nd->cost;
        if (bd)
            sc += dp_lb(bd, r, p->track_mins, I->D, d, (long)nd->k.mins * p->g);
        w->rk[i] = (struct dp_rank){sc, i};
        int st = run_state(p, &nd->k);
        if (w->rep[st] < 0 || rank_less(&w->rk[i], &w->rk[w->rep[st]]))
            w->rep[st] = i;
        if (R == 1)
            continue;
        int *fw = &w->rep[S + st], *mm = &w->rep[2 * S + st];
        const struct dp_node *o;
        if (*fw < 0 || nd->k.wk < (o = &w->layer[d][*fw])->k.wk ||
            (nd->k.wk == o->k.wk && rank_less(&w->rk[i], &w->rk[*fw])))
            *fw = i;
        if (*mm < 0 || nd->k.mins > (o = &w->layer[d][*mm])->k.mins ||
            (nd->k.mins == o->k.mins && rank_less(&w->rk[i], &w->rk[*mm])))
            *mm = i;
    }
    memset(w->alive, 0, (size_t)n);
    /* The best of each run state first (the cap's best of them if they are more). */
    int nrep = 0;
    if (util_grow((void **)&w->rk, &w->rk_cap, n + R * S, sizeof *w->rk) < 0)
        return -ENOMEM;
    struct dp_rank *reps = w->rk + n; /* scratch past the scores */
    for (int st = 0; st < R * S; st++)
        if (w->rep[st] >= 0 && !w->alive[w->rep[st]]) {
            w->alive[w->rep[st]] = 1; /* marks it listed: one label may stand for several */
            reps[nrep++] = w->rk[w->rep[st]];
        }
    memset(w->alive, 0, (size_t)n);
    if (nrep > cap)
        rank_select(reps, nrep, cap);
    for (int i = 0; i < nrep && kept < cap; i++, kept++)
        w->alive[reps[i].idx] = 1;
    /* Then the best of the rest. */
    int m = 0;
    for (int i = 0; i < n; i++)
        if (!w->alive[i])
            w->rk[m++] = w->rk[i];
    if (cap - kept < m)
        rank_select(w->rk, m, cap - kept);
    for (int i = 0; i < m && kept < cap; i++, kept++)
        w->alive[w->rk[i].idx] = 1;
    dp_compact(w, d, p->n_cnt);
    w->truncated = true;
    return 0;
}

/*
 * Layer P when every day from P on is pinned: every label follows the same
 * days, so its minutes, counts and weekends at the end are its own plus the
 * tail's. Labels that would break a maximum or miss the minimum of minutes
 * go now; of the rest, those in the same state for what the rules still
 * look at (yesterday, the run, the week) have the same future, and only the
 * cheapest at the end (fairness on its final minutes included) is kept.
 * Exact, and a window in a year-long horizon then carries a handful of
 * labels through the pinned days instead of thousands. 0 or -ENOMEM.
 */
int dp_suffix(const struct engine_instance *I, struct dp_work *w, int a, int P,
              const struct dp_tail *t)
{
    const struct engine_agent_rules *r = &I->rules[a];
    const struct aprep *p = dp_prep(I, w, a);
    int n = w->n[P], nc = p->n_cnt, g = p->g;
    const int *cmax = I->cnt_max + p->cnt_off;
    if (n <= 1)
        return 0;
    if (util_grow((void **)&w->alive, &w->alive_cap, n, 1) < 0 ||
        util_grow((void **)&w->rk, &w->rk_cap, n, sizeof *w->rk) < 0)
        return -ENOMEM;
    dp_hash_clear(w);
    for (int i = 0; i < n; i++) {
        const struct dp_node *nd = &w->layer[P][i];
        const uint16_t *kc = cnt_of(w, P, i, nc);
        long m = (long)nd->k.mins * g + t->minutes;
        bool ok = !p->track_mins || (m >= r->min_minutes && m <= r->max_minutes);
        for (int k = 0; k < nc && ok; k++)
            ok = kc[k] + w->tcnt[k] <= cmax[k];
        if (ok && p->track_wk) {
            int wk = nd->k.wk + t->weekends +
                     (t->work_p && t->p_weekend && !(t->p_cont && nd->k.last > 0));
            ok = wk <= r->max_weekends;
        }
        w->alive[i] = 0;
        w->rk[i].score = nd->cost + (p->track_mins ? fair_pen(I, a, (int)m) : 0);
        w->rk[i].idx = ok;
    }
    /* The cheapest per state: open addressing on (last, run, flag, week). */
    int hmask = w->hcap - 1;
    for (int i = 0; i < n; i++) {
        if (!w->rk[i].idx)
            continue;
        const struct dp_key *k = &w->layer[P][i].k;
        uint64_t h = ((uint64_t)(uint32_t)k->last * 0x9E3779B97F4A7C15ULL) ^
                     ((uint64_t)(uint16_t)k->run << 40) ^ ((uint64_t)k->flag << 56) ^
                     ((uint64_t)(uint32_t)k->wmin * 0xC2B2AE3D27D4EB4FULL) ^ k->wdays;
        uint64_t q = (h ^ (h >> 29)) & (uint64_t)hmask;
        for (;;) {
            int j = w->hash[q];
            if (j < 0) {
                w->hash[q] = i;
                w->used[w->n_used++] = (int32_t)q;
                w->alive[i] = 1;
                break;
            }
            const struct dp_key *o = &w->layer[P][j].k;
            if (o->last == k->last && o->run == k->run && o->flag == k->flag &&
                o->wmin == k->wmin && o->wdays == k->wdays) {
                if (w->rk[i].score < w->rk[j].score) {
                    w->alive[j] = 0;
                    w->alive[i] = 1;
                    w->hash[q] = i;
                }
                break;
            }
            q = (q + 1) & (uint64_t)hmask;
        }
    }
    dp_hash_clear(w);
    dp_compact(w, P, nc);
    return 0;
}
