/*
 * engine_dp.c — the exact per-agent dynamic programme (see include/engine_dp.h,
 * docs/engine.md, Method 1): the cheapest horizon of one agent, every hard
 * rule of the agent kept, by a resource-constrained shortest path over days.
 *
 * A label's state holds only what the agent's rules can tell apart
 * (yesterday's class, run lengths, minutes, week counters, weekends, bounded
 * type counts: struct aprep, decided by finalize); a layer is a hash table of
 * labels. The DP prunes labels by dominance (weekends and bounded type counts)
 * and by a lower bound against the cost of a known feasible row, which keeps
 * it exact and makes a re-optimisation cost a few hundred labels, not 10^5.
 * DP costs carry a tiny random nudge (engine_dp_costs) that picks a random
 * optimum among equals.
 *
 * Also engine_best_pattern() (engine.h): the DP on its own, for recruitment.
 */
#include "engine_dp.h"

#include "engine.h"
#include "engine_internal.h"
#include "engine_rng.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct dp_key {
    uint16_t last; /* 0: off yesterday (or nothing yet); else class + 1 of yesterday's option */
    uint16_t mins; /* minutes so far / g */
    uint16_t wmin; /* minutes this week / g */
    uint8_t run;   /* length of the current run (work if last > 0, else off), capped */
    uint8_t flag;  /* the current run started on day 0 */
    uint8_t wk;    /* weekends used */
    uint8_t wdays; /* days worked this week */
    uint8_t cnt[ENGINE_MAX_COUNTED];
};

struct dp_node {
    struct dp_key k;
    double cost;
    int32_t parent;
    int16_t choice;
};

struct dp_sortent {
    uint64_t group; /* everything but the resources that only have a maximum */
    double cost;
    int idx;
};

void engine_dp_free(struct dp_work *w)
{
    if (w->layer)
        for (int d = 0; d <= w->D; d++)
            free(w->layer[d]);
    free(w->layer);
    free(w->n);
    free(w->cap);
    free(w->hash);
    free(w->used);
    free(w->alive);
    free(w->ocost);
    free(w->maxrem);
    free(w->se);
    free(w->lb);
    free(w->tmp);
    free(w->itmp);
    memset(w, 0, sizeof *w);
}

int engine_dp_init(struct dp_work *w, const struct engine_instance *I)
{
    memset(w, 0, sizeof *w);
    w->D = I->D;
    int maxopts = 1;
    for (int a = 0; a < I->A; a++) {
        int n = I->ad_start[(a + 1) * I->D] - I->ad_start[a * I->D];
        if (n > maxopts)
            maxopts = n;
    }
    w->layer = calloc((size_t)I->D + 1, sizeof *w->layer);
    w->n = calloc((size_t)I->D + 1, sizeof *w->n);
    w->cap = calloc((size_t)I->D + 1, sizeof *w->cap);
    w->ocost = malloc((size_t)maxopts * sizeof *w->ocost);
    w->maxrem = malloc(((size_t)I->D + 1) * sizeof *w->maxrem);
    w->hcap = 1024;
    w->hash = malloc((size_t)w->hcap * sizeof *w->hash);
    if (w->hash)
        memset(w->hash, 0xff, (size_t)w->hcap * sizeof *w->hash);
    if (I->D <= 400) {
        w->lb = malloc(((size_t)I->D + 1) * ((size_t)I->D + 1) * sizeof *w->lb);
        w->tmp = malloc((3 * (size_t)I->D + 1) * sizeof *w->tmp);
        w->itmp = malloc(3 * ((size_t)I->D + 1) * sizeof *w->itmp);
        if (!w->lb || !w->tmp || !w->itmp) {
            engine_dp_free(w);
            return -ENOMEM;
        }
    }
    if (!w->layer || !w->n || !w->cap || !w->ocost || !w->maxrem || !w->hash) {
        engine_dp_free(w);
        return -ENOMEM;
    }
    return 0;
}

static uint64_t key_hash(const struct dp_key *k)
{
    uint64_t x, y;
    memcpy(&x, k, 8);
    memcpy(&y, (const char *)k + 8, 8);
    uint64_t h = x * 0x9E3779B97F4A7C15ULL ^ (y + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL;
    return h ^ (h >> 29);
}

/* Empties the hash table (for the next layer). */
static void dp_hash_clear(struct dp_work *w)
{
    if (w->n_used > w->hcap / 16)
        memset(w->hash, 0xff, (size_t)w->hcap * sizeof *w->hash);
    else
        for (int i = 0; i < w->n_used; i++)
            w->hash[w->used[i]] = -1;
    w->n_used = 0;
}

/* Inserts or improves a node of layer d; 0 or -ENOMEM. */
static int dp_push(struct dp_work *w, int d, const struct dp_key *k, double cost, int parent,
                   int choice)
{
    if (w->n[d] * 2 >= w->hcap) {
        /* Rehash the layer into a table twice the size. */
        int hc = w->hcap * 2;
        int32_t *h = malloc((size_t)hc * sizeof *h);
        if (h == NULL)
            return -ENOMEM;
        memset(h, 0xff, (size_t)hc * sizeof *h);
        w->n_used = 0;
        for (int i = 0; i < w->n[d]; i++) {
            uint64_t p = key_hash(&w->layer[d][i].k) & (uint64_t)(hc - 1);
            while (h[p] >= 0)
                p = (p + 1) & (uint64_t)(hc - 1);
            h[p] = i;
            w->used[w->n_used++] = (int32_t)p;
        }
        free(w->hash);
        w->hash = h;
        w->hcap = hc;
    }
    uint64_t p = key_hash(k) & (uint64_t)(w->hcap - 1);
    while (w->hash[p] >= 0) {
        struct dp_node *nd = &w->layer[d][w->hash[p]];
        if (memcmp(&nd->k, k, sizeof *k) == 0) {
            if (cost < nd->cost) {
                nd->cost = cost;
                nd->parent = parent;
                nd->choice = (int16_t)choice;
            }
            return 0;
        }
        p = (p + 1) & (uint64_t)(w->hcap - 1);
    }
    if (engine_grow((void **)&w->layer[d], &w->cap[d], w->n[d] + 1, sizeof(struct dp_node)) < 0 ||
        engine_grow((void **)&w->used, &w->used_cap, w->n_used + 1, sizeof *w->used) < 0)
        return -ENOMEM;
    w->used[w->n_used++] = (int32_t)p;
    w->hash[p] = w->n[d];
    w->layer[d][w->n[d]++] = (struct dp_node){*k, cost, parent, (int16_t)choice};
    return 0;
}

static inline bool sortent_less(const struct dp_sortent *a, const struct dp_sortent *b)
{
    if (a->group != b->group)
        return a->group < b->group;
    if (a->cost != b->cost)
        return a->cost < b->cost;
    return a->idx < b->idx;
}

/*
 * Sorts by (group, cost, idx), a total order, so the result is the same on
 * every libc. A typed quicksort: qsort's callback was a fifth of the
 * search's time on instance 8. Recurses into the smaller part only.
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
 * Dominance between labels of one layer: weekends used and the bounded type
 * counts only have maxima, and nothing later depends on them otherwise, so
 * a label with the same other fields, no more of each of those and no higher
 * cost can do whatever the other can, at least as cheaply. Removes the
 * dominated labels of layer d (order of the survivors kept). 0 or -ENOMEM.
 */
static int dp_dominance(struct dp_work *w, int d, int n_cnt)
{
    int n = w->n[d];
    if (engine_grow((void **)&w->se, &w->se_cap, n, sizeof *w->se) < 0)
        return -ENOMEM;
    struct dp_node *L = w->layer[d];
    for (int i = 0; i < n; i++) {
        const struct dp_key *k = &L[i].k;
        w->se[i].group = (uint64_t)k->last << 48 | (uint64_t)k->mins << 32 |
                         (uint64_t)k->wmin << 16 | (uint64_t)k->run << 4 |
                         (uint64_t)(k->flag & 1) << 3 | (uint64_t)(k->wdays & 7);
        w->se[i].cost = L[i].cost;
        w->se[i].idx = i;
    }
    sortent_sort(w->se, n);
    /* se[g0..kept) holds the kept labels of the current group (in cost order). */
    int g0 = 0, kept = 0;
    for (int i = 0; i < n; i++) {
        if (i == 0 || w->se[i].group != w->se[i - 1].group)
            g0 = kept;
        const struct dp_key *k = &L[w->se[i].idx].k;
        bool dom = false;
        for (int j = g0; j < kept && !dom; j++) {
            const struct dp_key *q = &L[w->se[j].idx].k;
            if (q->wk > k->wk)
                continue;
            int c = 0;
            while (c < n_cnt && q->cnt[c] <= k->cnt[c])
                c++;
            dom = c == n_cnt;
        }
        if (!dom)
            w->se[kept++] = w->se[i];
    }
    if (kept == n)
        return 0;
    /* Keep the survivors in their original order (stable, deterministic). */
    if (engine_grow((void **)&w->alive, &w->alive_cap, n, 1) < 0)
        return -ENOMEM;
    uint8_t *alive = w->alive;
    memset(alive, 0, (size_t)n);
    for (int i = 0; i < kept; i++)
        alive[w->se[i].idx] = 1;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (alive[i])
            L[m++] = L[i];
    w->n[d] = m;
    return 0;
}

/*
 * Lower bounds for pruning. For the days d..D-1: offsuf[d] is the cost if
 * every free day is off and every pinned day as pinned; the free days that
 * may be worked have extra costs (working's cheapest option minus the day
 * off) and pre[d * (D + 1) + k] is the sum of the k smallest of them. If
 * between lo and hi more free days must be worked, no horizon costs less than
 * offsuf[d] + pre[d][j] with j = clamp(number of negative extras, lo, hi).
 */
struct dp_bound {
    double *offsuf, *pre;
    int *neg, *nfree, *pinw;
    long maxm, minm; /* largest and smallest option minutes of the agent */
};

static void dp_bounds(const struct engine_instance *I, struct dp_work *w, int a, const double *offc,
                      const int *restrict_, struct dp_bound *b)
{
    int D = I->D, base = I->ad_start[a * D];
    double *extra = w->tmp, *sorted = w->tmp + D;
    b->pre = w->lb;
    b->offsuf = w->tmp + 2 * D;
    b->neg = w->itmp;
    b->nfree = w->itmp + (D + 1);
    b->pinw = w->itmp + 2 * (D + 1);
    b->maxm = 1;
    b->minm = LONG_MAX;
    b->offsuf[D] = 0;
    b->neg[D] = b->nfree[D] = b->pinw[D] = 0;
    for (int k = 0; k <= D; k++)
        b->pre[(size_t)D * (size_t)(D + 1) + (size_t)k] = k == 0 ? 0 : INFINITY;
    int ns = 0, neg = 0;
    for (int d = D - 1; d >= 0; d--) {
        int ix = a * D + d, fx = I->fixed[ix];
        if (restrict_ && restrict_[d] != NO_FIX)
            fx = restrict_[d];
        double on = INFINITY;
        for (int j = I->ad_start[ix]; j < I->ad_start[ix + 1]; j++) {
            int oi = j - I->ad_start[ix];
            if ((fx != NO_FIX && fx != oi) || (I->po[j].banned && fx != oi))
                continue;
            if (w->ocost[j - base] < on)
                on = w->ocost[j - base];
            if (I->po[j].minutes > b->maxm)
                b->maxm = I->po[j].minutes;
            if (I->po[j].minutes < b->minm)
                b->minm = I->po[j].minutes;
        }
        b->pinw[d] = b->pinw[d + 1];
        if (fx == NO_FIX) {
            b->offsuf[d] = b->offsuf[d + 1] + offc[d];
            extra[d] = on - offc[d];
        } else {
            b->offsuf[d] = b->offsuf[d + 1] + (fx < 0 ? offc[d] : on);
            b->pinw[d] += fx >= 0;
            extra[d] = INFINITY;
        }
        if (isfinite(extra[d])) {
            int q = ns++;
            while (q > 0 && sorted[q - 1] > extra[d]) {
                sorted[q] = sorted[q - 1];
                q--;
            }
            sorted[q] = extra[d];
            neg += extra[d] < 0;
        }
        b->neg[d] = neg;
        b->nfree[d] = ns;
        double *row = b->pre + (size_t)d * (size_t)(D + 1), acc = 0;
        row[0] = 0;
        for (int k = 1; k <= ns; k++) {
            acc += sorted[k - 1];
            row[k] = acc;
        }
    }
    if (b->minm == LONG_MAX || b->minm <= 0)
        b->minm = 0;
}

/* The bound from day d on when mins minutes are already worked. */
static inline double dp_lb(const struct dp_bound *b, const struct engine_agent_rules *r,
                           bool track_mins, int D, int d, long mins)
{
    long lo = 0, hi = b->nfree[d];
    if (track_mins) {
        if (mins < r->min_minutes) {
            lo = (r->min_minutes - mins + b->maxm - 1) / b->maxm - b->pinw[d];
            if (lo < 0)
                lo = 0;
        }
        if (b->minm > 0 && r->max_minutes < ENGINE_UNLIMITED) {
            long h = (r->max_minutes - mins) / b->minm;
            if (h < hi)
                hi = h;
        }
    }
    if (lo > hi)
        return INFINITY;
    long j = b->neg[d];
    if (j < lo)
        j = lo;
    if (j > hi)
        j = hi;
    return b->offsuf[d] + b->pre[(size_t)d * (size_t)(D + 1) + (size_t)j];
}

/* A last-layer label's total cost (fairness added), INFINITY if it misses a minimum. */
static double dp_final_cost(const struct engine_instance *I, int a, const struct dp_node *nd)
{
    const struct engine_agent_rules *r = &I->rules[a];
    const struct aprep *p = &I->ap[a];
    int D = I->D, g = p->g;
    bool lastwhole = (D + r->week_offset) % 7 == 0 && D >= 7;
    if (p->track_mins && (long)nd->k.mins * g < r->min_minutes)
        return INFINITY;
    if (p->track_wmin && lastwhole && (long)nd->k.wmin * g < r->min_week_minutes)
        return INFINITY;
    return nd->cost + (p->track_mins ? fair_pen(I, a, nd->k.mins * g) : 0);
}

/*
 * The cheapest feasible horizon of agent a. ocost[j] is the cost of its j-th
 * option (relative to the agent's first), offc[d] the cost of a day off;
 * restrict_ (may be NULL) pins day d to restrict_[d] unless it is NO_FIX.
 * ub: the cost of a horizon known to be feasible (INFINITY if none): labels
 * that cannot end below it are pruned, which keeps the DP exact.
 * Fills choice[D] and *cost (fairness included). 0, -ENOENT, -ENOMEM.
 */
int engine_dp_agent(const struct engine_instance *I, struct dp_work *w, int a, const double *offc,
                    const int *restrict_, double ub, int *choice, double *cost)
{
    const struct engine_agent_rules *r = &I->rules[a];
    const struct aprep *p = &I->ap[a];
    int D = I->D, T = I->T, base = I->ad_start[a * D];
    int g = p->g;
    w->maxrem[D] = 0;
    for (int d = D - 1; d >= 0; d--) {
        int ix = a * D + d;
        long mm = I->maxmin[ix];
        if (restrict_ && restrict_[d] != NO_FIX)
            mm = restrict_[d] < 0 ? 0 : opt_of(I, a, d, restrict_[d])->minutes;
        w->maxrem[d] = w->maxrem[d + 1] + mm;
    }
    struct dp_key k0;
    memset(&k0, 0, sizeof k0);
    k0.flag = 1;
    w->n[0] = 0;
    dp_hash_clear(w);
    if (dp_push(w, 0, &k0, 0, -1, -1) < 0)
        return -ENOMEM;
    bool dominance = (p->n_cnt > 0 || p->track_wk);
    bool bound = isfinite(ub) && w->lb != NULL;
    struct dp_bound bd = {0};
    if (bound)
        dp_bounds(I, w, a, offc, restrict_, &bd);
    ub += 1e-9;
    for (int d = 0; d < D; d++) {
        int ix = a * D + d, fx = I->fixed[ix];
        if (restrict_ && restrict_[d] != NO_FIX)
            fx = restrict_[d];
        bool newweek = d > 0 && (d + r->week_offset) % 7 == 0;
        bool whole = d - 7 >= 0;
        int wkd = I->weekend[ix];
        bool wk_cont = d > 0 && wkd >= 0 && I->weekend[ix - 1] == wkd;
        if (dominance && w->n[d] > 256 && dp_dominance(w, d, p->n_cnt) < 0)
            return -ENOMEM;
        w->n[d + 1] = 0;
        dp_hash_clear(w);
        for (int i = 0; i < w->n[d]; i++) {
            struct dp_key k = w->layer[d][i].k;
            double c = w->layer[d][i].cost;
            if (newweek) {
                if (p->track_wmin && whole && (long)k.wmin * g < r->min_week_minutes)
                    continue;
                k.wmin = 0;
                k.wdays = 0;
            }
            /* Day off. */
            if (fx == NO_FIX || fx == -1) {
                struct dp_key nk = k;
                bool ok = true;
                if (k.last > 0) {
                    ok = k.flag || k.run >= r->min_consecutive;
                    nk.run = 1;
                    nk.flag = 0;
                } else if (k.run == 0) {
                    nk.run = 1;
                    nk.flag = 1;
                } else if (nk.run < p->cap_off) {
                    nk.run++;
                }
                nk.last = 0;
                if (ok && p->track_mins && (long)k.mins * g + w->maxrem[d + 1] < r->min_minutes)
                    ok = false;
                if (ok && bound &&
                    c + offc[d] + dp_lb(&bd, r, p->track_mins, D, d + 1, (long)nk.mins * g) > ub)
                    ok = false;
                if (ok && dp_push(w, d + 1, &nk, c + offc[d], i, -1) < 0)
                    return -ENOMEM;
            }
            /* Each option. */
            for (int j = I->ad_start[ix]; j < I->ad_start[ix + 1]; j++) {
                const struct popt *o = &I->po[j];
                int oi = j - I->ad_start[ix];
                if (o->banned && fx != oi)
                    continue;
                if (fx != NO_FIX && fx != oi)
                    continue;
                struct dp_key nk = k;
                if (k.last > 0) {
                    int pc = I->cls_start[ix - 1] + k.last - 1;
                    if (p->track_type &&
                        I->forbid[((size_t)a * (size_t)T + (size_t)I->cls_type[pc]) * (size_t)T +
                                  (size_t)o->type])
                        continue;
                    if (p->track_end &&
                        o->start - I->cls_end[pc] < (int64_t)r->min_rest_minutes * 60)
                        continue;
                    if (k.run + 1 > r->max_consecutive)
                        continue;
                    if (nk.run < p->cap_work)
                        nk.run++;
                } else if (k.run == 0) {
                    nk.run = 1;
                    nk.flag = 1;
                } else {
                    if (!k.flag && k.run < r->min_consecutive_off)
                        continue;
                    nk.run = 1;
                    nk.flag = 0;
                }
                nk.last = (uint16_t)(o->cls + 1);
                if (p->track_mins) {
                    long m = (long)k.mins + o->minutes / g;
                    if (m * g > r->max_minutes || m * g + w->maxrem[d + 1] < r->min_minutes)
                        continue;
                    nk.mins = (uint16_t)m;
                }
                if (p->track_wmin) {
                    long m = (long)k.wmin + o->minutes / g;
                    if (m * g > r->max_week_minutes)
                        continue;
                    nk.wmin = (uint16_t)m;
                }
                if (p->track_wdays) {
                    if (k.wdays + 1 > r->max_week_days)
                        continue;
                    nk.wdays++;
                }
                if (p->track_wk && wkd >= 0 && !(wk_cont && k.last > 0)) {
                    if (k.wk + 1 > r->max_weekends)
                        continue;
                    nk.wk++;
                }
                int ci = I->cnt_index[a * T + o->type];
                if (ci >= 0) {
                    if (k.cnt[ci] + 1 > p->cnt_max[ci])
                        continue;
                    nk.cnt[ci]++;
                }
                double nc = c + w->ocost[j - base];
                if (bound && nc + dp_lb(&bd, r, p->track_mins, D, d + 1, (long)nk.mins * g) > ub)
                    continue;
                if (dp_push(w, d + 1, &nk, nc, i, oi) < 0)
                    return -ENOMEM;
            }
        }
    }
    int best = -1;
    double bc = INFINITY;
    for (int i = 0; i < w->n[D]; i++) {
        double c = dp_final_cost(I, a, &w->layer[D][i]);
        if (c < bc) {
            bc = c;
            best = i;
        }
    }
    if (best < 0)
        return -ENOENT;
    for (int d = D, i = best; d > 0; d--) {
        const struct dp_node *nd = &w->layer[d][i];
        choice[d - 1] = nd->choice;
        i = nd->parent;
    }
    *cost = bc;
    return 0;
}

int engine_dp_more(const struct engine_instance *I, const struct dp_work *w, int a, double ub,
                   int k, int *choices, double *costs)
{
    int D = I->D, n = 0, idx[16];
    if (k > 16)
        k = 16;
    for (int i = 0; i < w->n[D]; i++) {
        double c = dp_final_cost(I, a, &w->layer[D][i]);
        if (!(c < ub) || (n == k && c >= costs[n - 1]))
            continue;
        int q = n < k ? n++ : n - 1;
        while (q > 0 && costs[q - 1] > c) {
            costs[q] = costs[q - 1];
            idx[q] = idx[q - 1];
            q--;
        }
        costs[q] = c;
        idx[q] = i;
    }
    for (int j = 0; j < n; j++)
        for (int d = D, i = idx[j]; d > 0; d--) {
            const struct dp_node *nd = &w->layer[d][i];
            choices[(size_t)j * (size_t)D + (size_t)(d - 1)] = nd->choice;
            i = nd->parent;
        }
    return n;
}

/*
 * Fills w->ocost and offc for agent a against coverage cov (which excludes
 * a). With rng, each cost gets a random nudge too small to change which
 * horizons are optimal (I->noise, see finalize) but enough to pick a random
 * one among equally good horizons: the search then walks plateaus instead of
 * rebuilding the same roster.
 */
void engine_dp_costs(const struct engine_instance *I, struct dp_work *w, int a, const int *cov,
                     double *offc, uint64_t *rng)
{
    int D = I->D, base = I->ad_start[a * D];
    for (int j = base; j < I->ad_start[(a + 1) * D]; j++) {
        const struct popt *o = &I->po[j];
        double c = o->cost;
        for (int k = 0; k < o->n_cover; k++) {
            int cell = I->cov_cell[o->cover_off + k], amt = I->cov_amt[o->cover_off + k];
            int cv = cov ? cov[cell] : 0;
            c += cell_pen(I, cell, cv + amt) - cell_pen(I, cell, cv);
        }
        w->ocost[j - base] = c + (rng ? I->noise * rng_unit(rng) : 0);
    }
    for (int d = 0; d < D; d++)
        offc[d] = I->offcost[a * D + d] + (rng ? I->noise * rng_unit(rng) : 0);
}

int engine_best_pattern(const struct engine_instance *I, int agent, const int *coverage,
                        int *choice, double *cost)
{
    if (I == NULL || !I->final || agent < 0 || agent >= I->A || choice == NULL || cost == NULL)
        return -EINVAL;
    struct dp_work w;
    int rc = engine_dp_init(&w, I);
    if (rc < 0)
        return rc;
    double *offc = malloc((size_t)I->D * sizeof *offc);
    if (offc == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    engine_dp_costs(I, &w, agent, coverage, offc, NULL);
    rc = engine_dp_agent(I, &w, agent, offc, NULL, INFINITY, choice, cost);
out:
    free(offc);
    engine_dp_free(&w);
    return rc;
}
