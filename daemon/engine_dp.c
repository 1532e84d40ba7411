/* SPDX-License-Identifier: ISC */
/*
 * engine_dp.c — the per-agent dynamic programme (see include/engine_dp.h,
 * docs/engine.md, Method 1): the cheapest horizon of one agent, every hard
 * rule of the agent kept, by a resource-constrained shortest path over days.
 *
 * A label's state holds only what the agent's rules can tell apart
 * (yesterday's class, run lengths, minutes, week counters, weekends, the
 * counts of any number of bounded types: struct aprep, decided by
 * finalize); a layer is a hash table of labels. Exact prunings: dominance
 * (weekends and bounded type counts), a lower bound against the cost of a
 * known feasible row, and what the run rules leave reachable (minutes a
 * label can still work, or must still work, from its run state on; the
 * week's minimum). Where that still leaves too many labels (a year of days,
 * many counted types), each day keeps only the cap_layer labels whose cost
 * plus the bound to go is lowest: a beam, and the answer is then marked
 * truncated. Every label still obeys every rule, so whatever the DP returns
 * is feasible; a beam can only miss the optimum, or every horizon (then
 * -ENOENT with truncated set, and the caller widens it).
 *
 * DP costs carry a tiny random nudge (engine_dp_costs) that picks a random
 * optimum among equals. Also engine_best_pattern() (engine.h): the DP on
 * its own, for recruitment.
 *
 * This file holds the labels (their hash table per layer: dp_push,
 * dp_compact), the recursion over days (engine_dp_agent) and what reads
 * its last layer (engine_dp_more, engine_best_pattern,
 * engine_feasible_agents). What thins a layer (dominance, the beam's cap,
 * the pinned suffix) is engine_dp_prune.c; what a call prepares (costs,
 * bounds, reachability) is engine_dp_tables.c.
 */
#include "engine_dp.h"

#include "engine.h"
#include "engine_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void engine_dp_free(struct dp_work *w)
{
    if (w->layer)
        for (int d = 0; d <= w->D; d++)
            free(w->layer[d]);
    if (w->cnt)
        for (int d = 0; d <= w->D; d++)
            free(w->cnt[d]);
    free(w->layer);
    free(w->cnt);
    free(w->n);
    free(w->cap);
    free(w->ccap);
    free(w->hash);
    free(w->used);
    free(w->alive);
    free(w->ocost);
    free(w->se);
    free(w->rk);
    free(w->rep);
    free(w->lb);
    free(w->tmp);
    free(w->itmp);
    free(w->rmax);
    free(w->rmin);
    free(w->ctlen);
    free(w->tcnt);
    free(w->wsum);
    free(w->wmax);
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
    size_t D1 = (size_t)I->D + 1;
    w->layer = calloc(D1, sizeof *w->layer);
    w->cnt = calloc(D1, sizeof *w->cnt);
    w->n = calloc(D1, sizeof *w->n);
    w->cap = calloc(D1, sizeof *w->cap);
    w->ccap = calloc(D1, sizeof *w->ccap);
    w->ocost = malloc((size_t)maxopts * sizeof *w->ocost);
    w->wsum = malloc(D1 * sizeof *w->wsum);
    w->wmax = malloc(D1 * sizeof *w->wmax);
    w->hcap = 1024;
    w->hash = malloc((size_t)w->hcap * sizeof *w->hash);
    if (w->hash)
        memset(w->hash, 0xff, (size_t)w->hcap * sizeof *w->hash);
    w->tmp = malloc((3 * (size_t)I->D + 1) * sizeof *w->tmp);
    w->itmp = malloc(3 * D1 * sizeof *w->itmp);
    /* The bound's table is quadratic in the horizon: up to 400 days (1.3 MB). */
    if (I->D <= 400)
        w->lb = malloc(D1 * D1 * sizeof *w->lb);
    if (!w->layer || !w->cnt || !w->n || !w->cap || !w->ccap || !w->ocost || !w->wsum || !w->wmax ||
        !w->hash || !w->tmp || !w->itmp || (I->D <= 400 && !w->lb)) {
        engine_dp_free(w);
        return -ENOMEM;
    }
    return 0;
}

static uint64_t key_hash(const struct dp_key *k, const uint16_t *cnt, int n_cnt)
{
    uint64_t x, y;
    uint32_t z;
    memcpy(&x, k, 8);
    memcpy(&y, (const char *)k + 8, 8);
    memcpy(&z, (const char *)k + 16, 4);
    uint64_t h = x * 0x9E3779B97F4A7C15ULL ^ (y + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL;
    h ^= (uint64_t)z * 0x165667B19E3779F9ULL;
    for (int i = 0; i < n_cnt; i++)
        h = (h ^ cnt[i]) * 0x100000001B3ULL;
    return h ^ (h >> 29);
}

/* Empties the hash table (for the next layer). */
void dp_hash_clear(struct dp_work *w)
{
    if (w->n_used > w->hcap / 16)
        memset(w->hash, 0xff, (size_t)w->hcap * sizeof *w->hash);
    else
        for (int i = 0; i < w->n_used; i++)
            w->hash[w->used[i]] = -1;
    w->n_used = 0;
}

/* Inserts or improves a label of layer d; 0 or -ENOMEM. */
static int dp_push(struct dp_work *w, int d, int n_cnt, const struct dp_key *k, const uint16_t *cnt,
                   double cost, int parent, int choice)
{
    if (w->n[d] * 2 >= w->hcap) {
        /* Rehash the layer into a table twice the size. */
        int hc = w->hcap * 2;
        int32_t *h = malloc((size_t)hc * sizeof *h);
        if (h == NULL)
            return -ENOMEM;
        if (util_grow((void **)&w->used, &w->used_cap, w->n[d] + 1, sizeof *w->used) < 0) {
            free(h);
            return -ENOMEM;
        }
        memset(h, 0xff, (size_t)hc * sizeof *h);
        w->n_used = 0;
        for (int i = 0; i < w->n[d]; i++) {
            uint64_t p =
                key_hash(&w->layer[d][i].k, cnt_of(w, d, i, n_cnt), n_cnt) & (uint64_t)(hc - 1);
            while (h[p] >= 0)
                p = (p + 1) & (uint64_t)(hc - 1);
            h[p] = i;
            w->used[w->n_used++] = (int32_t)p;
        }
        free(w->hash);
        w->hash = h;
        w->hcap = hc;
    }
    size_t csz = (size_t)n_cnt * sizeof *cnt;
    uint64_t p = key_hash(k, cnt, n_cnt) & (uint64_t)(w->hcap - 1);
    while (w->hash[p] >= 0) {
        int i = w->hash[p];
        struct dp_node *nd = &w->layer[d][i];
        if (memcmp(&nd->k, k, sizeof *k) == 0 &&
            (n_cnt == 0 || memcmp(cnt_of(w, d, i, n_cnt), cnt, csz) == 0)) {
            if (cost < nd->cost) {
                nd->cost = cost;
                nd->parent = parent;
                nd->choice = choice;
            }
            return 0;
        }
        p = (p + 1) & (uint64_t)(w->hcap - 1);
    }
    if (util_grow((void **)&w->layer[d], &w->cap[d], w->n[d] + 1, sizeof(struct dp_node)) < 0 ||
        util_grow((void **)&w->used, &w->used_cap, w->n_used + 1, sizeof *w->used) < 0)
        return -ENOMEM;
    if (n_cnt > 0) {
        if (w->n[d] >= INT_MAX / n_cnt - 1)
            return -ENOMEM;
        if (util_grow((void **)&w->cnt[d], &w->ccap[d], (w->n[d] + 1) * n_cnt, sizeof *cnt) < 0)
            return -ENOMEM;
        memcpy(cnt_of(w, d, w->n[d], n_cnt), cnt, csz);
    }
    w->used[w->n_used++] = (int32_t)p;
    w->hash[p] = w->n[d];
    w->layer[d][w->n[d]++] = (struct dp_node){cost, *k, parent, choice};
    w->labels++;
    return 0;
}

/* Keeps the labels of layer d with alive[i] set, in their order; returns how many. */
int dp_compact(struct dp_work *w, int d, int n_cnt)
{
    int n = w->n[d], m = 0;
    struct dp_node *L = w->layer[d];
    for (int i = 0; i < n; i++)
        if (w->alive[i]) {
            if (m != i) {
                L[m] = L[i];
                if (n_cnt > 0)
                    memcpy(cnt_of(w, d, m, n_cnt), cnt_of(w, d, i, n_cnt),
                           (size_t)n_cnt * sizeof(uint16_t));
            }
            m++;
        }
    w->n[d] = m;
    return m;
}

/* A last-layer label's total cost (fairness added), INFINITY if it misses a minimum. */
static double dp_final_cost(const struct engine_instance *I, const struct dp_work *w, int a,
                            const struct dp_node *nd)
{
    const struct engine_agent_rules *r = &I->rules[a];
    const struct aprep *p = dp_prep(I, w, a);
    int D = I->D, g = p->g;
    bool lastwhole = (D + r->week_offset) % 7 == 0 && D >= 7;
    if (p->track_mins && (long)nd->k.mins * g < r->min_minutes)
        return INFINITY;
    if (p->track_wmin && lastwhole && (long)nd->k.wmin * g < r->min_week_minutes)
        return INFINITY;
    return nd->cost + (p->track_mins ? fair_pen(I, a, nd->k.mins * g) : 0);
}

/*
 * Labels kept per day: the caller's cap; else its budget of labels for the
 * call spread over the free days (each kept label makes about branch more);
 * else the DP_LABELS budget over the horizon.
 */
static int layer_cap(const struct dp_work *w, int nfree, double branch)
{
    if (w->cap_layer > 0)
        return w->cap_layer;
    long dflt = DP_LABELS / (w->D > 0 ? w->D : 1);
    dflt = dflt < 256 ? 256 : dflt > 200000 ? 200000 : dflt;
    if (w->budget > 0 && nfree > 0) {
        double c = (double)w->budget / ((double)nfree * branch);
        return c >= (double)dflt ? (int)dflt : c < 64 ? 64 : (int)c;
    }
    return (int)dflt;
}

/*
 * The k cheapest seen so far, ascending in cost[0..*n) with their ids: adds
 * (c, id) if it is among them (k at least 1).
 */
static void cheapest_add(double *cost, int *ids, int *n, int k, double c, int id)
{
    if (*n == k && c >= cost[k - 1])
        return;
    int i = *n < k ? (*n)++ : k - 1;
    while (i > 0 && cost[i - 1] > c) {
        cost[i] = cost[i - 1];
        ids[i] = ids[i - 1];
        i--;
    }
    cost[i] = c;
    ids[i] = id;
}

/*
 * Under w->opt_keep: the options of agent-day ix a label tries, the
 * cheapest ones (by ocost, not banned) in kept[], and how many; -1 when the
 * day has no more than that and every option is tried.
 */
static int opt_kept(const struct engine_instance *I, const struct dp_work *w, int ix, int base,
                    int kept[DP_OPT_KEEP_MAX])
{
    int k = w->opt_keep > DP_OPT_KEEP_MAX ? DP_OPT_KEEP_MAX : w->opt_keep;
    int j0 = I->ad_start[ix], j1 = I->ad_start[ix + 1];
    if (k <= 0 || j1 - j0 <= k)
        return -1;
    double best[DP_OPT_KEEP_MAX]; /* kept[]'s costs, ascending */
    int n = 0;
    for (int j = j0; j < j1; j++)
        if (!I->po[j].banned)
            cheapest_add(best, kept, &n, k, w->ocost[j - base], j);
    return n;
}

/*
 * The cheapest feasible horizon of agent a. ocost[j] is the cost of its j-th
 * option (relative to the agent's first), offc[d] the cost of a day off;
 * restrict_ (may be NULL) pins day d to restrict_[d] unless it is NO_FIX.
 * ub: the cost of a horizon known to be feasible (INFINITY if none): labels
 * that cannot end below it are pruned, which keeps the DP exact.
 * Fills choice[D] and *cost (fairness included). 0, -ENOENT, -ENOMEM,
 * -ETIMEDOUT, -ECANCELED.
 */
int engine_dp_agent(const struct engine_instance *I, struct dp_work *w, int a, const double *offc,
                    const int *restrict_, double ub, int *choice, double *cost)
{
    const struct engine_agent_rules *r = &I->rules[a];
    const struct aprep *p = dp_prep(I, w, a);
    int D = I->D, base = I->ad_start[a * D], nc = p->n_cnt;
    int g = p->g, S = 2 * (p->cap_work + p->cap_off + 1);
    const int *cmax = I->cnt_max + p->cnt_off;
    w->truncated = false;
    w->labels = 0;
    /* F: the first free day; P: from P on every day is pinned (dp_suffix). */
    int F = 0, P = D;
    while (F < D && engine_dp_pinned(I, a, F, restrict_) != NO_FIX)
        F++;
    while (P > F && engine_dp_pinned(I, a, P - 1, restrict_) != NO_FIX)
        P--;
    int nfree = 0, nopt = 0;
    for (int d = F; d < P; d++)
        if (engine_dp_pinned(I, a, d, restrict_) == NO_FIX) {
            nfree++;
            nopt += I->ad_start[a * D + d + 1] - I->ad_start[a * D + d];
        }
    int cap = layer_cap(w, nfree, nfree ? (double)nopt / nfree + 1 : 1);
    struct dp_tail tail;
    int rc = engine_dp_tail(I, w, a, restrict_, P, &tail);
    if (rc == 0)
        rc = engine_dp_reach(I, w, a, restrict_, F, P, tail.minutes);
    if (rc < 0)
        return rc;
    uint16_t kc0[64], *kc = kc0;
    if (nc > 64 && (kc = malloc((size_t)nc * sizeof *kc)) == NULL)
        return -ENOMEM;
    struct dp_key k0;
    memset(&k0, 0, sizeof k0);
    k0.flag = 1;
    memset(kc, 0, (size_t)nc * sizeof *kc);
    w->n[0] = 0;
    dp_hash_clear(w);
    rc = -ENOMEM;
    if (dp_push(w, 0, nc, &k0, kc, 0, -1, -1) < 0)
        goto out;
    bool mins_dom = p->track_mins && I->t_under[a] == 0 && I->t_over[a] == 0;
    bool dominance = nc > 0 || p->track_wk || mins_dom;
    bool bound = isfinite(ub) && w->lb != NULL, have_bd = false;
    struct dp_bound bd = {0};
    if (bound) {
        engine_dp_bounds(I, w, a, offc, restrict_, &bd);
        have_bd = true;
    }
    ub += 1e-9;
    for (int d = 0; d < D; d++) {
        if (w->clk && (w->cancel_only ? engine_clock_cancelled(w->clk)
                                      : engine_clock_expired(w->clk, ENGINE_PHASE_DP))) {
            rc = engine_clock_cancelled(w->clk) ? -ECANCELED : -ETIMEDOUT;
            goto out;
        }
        int ix = a * D + d, fx = I->fixed[ix];
        if (restrict_ && restrict_[d] != NO_FIX)
            fx = restrict_[d];
        bool newweek = d > 0 && (d + r->week_offset) % 7 == 0;
        bool whole = d - 7 >= 0;
        int wkd = I->weekend[ix];
        bool wk_cont = d > 0 && wkd >= 0 && I->weekend[ix - 1] == wkd;
        /* The week this day belongs to is whole (its minimum binds) if it ends inside. */
        bool week_binds = p->track_wmin && r->min_week_minutes > 0 &&
                          d - ((d + r->week_offset) % 7) >= 0 &&
                          d - ((d + r->week_offset) % 7) + 7 <= D;
        /*
         * Reachable minutes from tomorrow on: table v of dp_reach at rx0 + v *
         * tab, filled for F..P only (outside, a pinned day prunes nothing).
         */
        size_t tab = (size_t)(D + 1) * S;
        bool reach = d + 1 > F && d + 1 <= P;
        const long *rx0 = w->rmax + (size_t)(reach ? d + 1 : P) * S;
        const long *nx_min = w->rmin + (size_t)(reach ? d + 1 : P) * S;
        rc = -ENOMEM;
        if (d == P && P > F && dp_suffix(I, w, a, P, &tail) < 0)
            goto out;
        /* Only a free day multiplies labels: that is where dominance and the cap pay. */
        bool free_day = fx == NO_FIX;
        /* A layer the cap cuts anyway is cut without the dominance sort first. */
        if (free_day && dominance && w->n[d] > 256 && w->n[d] <= cap) {
            /* Minutes dominate only where the reachability tables hold (F..P). */
            struct dom_ctx mc = {.on = mins_dom && d > F && d <= P,
                                 .p = p,
                                 .r = r,
                                 .cmax = cmax,
                                 .rx0 = w->rmax + (size_t)d * S,
                                 .rn0 = w->rmin + (size_t)d * S,
                                 .tab = (size_t)(D + 1) * S};
            if (dp_dominance(w, d, nc, &mc) < 0)
                goto out;
        }
        if (free_day && w->n[d] > cap) {
            if (!have_bd && w->lb != NULL) {
                engine_dp_bounds(I, w, a, offc, restrict_, &bd);
                have_bd = true;
            }
            if (dp_cap(I, w, a, d, cap, have_bd ? &bd : NULL) < 0)
                goto out;
        }
        w->n[d + 1] = 0;
        dp_hash_clear(w);
        int kept[DP_OPT_KEEP_MAX], n_kept = free_day ? opt_kept(I, w, ix, base, kept) : -1;
        if (n_kept >= 0)
            w->truncated = true; /* what it leaves out might have been the only way */
        int j_lo = n_kept >= 0 ? 0 : I->ad_start[ix],
            j_hi = n_kept >= 0 ? n_kept : I->ad_start[ix + 1];
        for (int i = 0; i < w->n[d]; i++) {
            struct dp_key k = w->layer[d][i].k;
            double c = w->layer[d][i].cost;
            if (nc > 0)
                memcpy(kc, cnt_of(w, d, i, nc), (size_t)nc * sizeof *kc);
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
                int s = run_state(p, &nk);
                long m = (long)nk.mins * g;
                bool spent = p->track_wk && nk.wk >= r->max_weekends;
                long rx = reach ? reach_max(w, p, cmax, kc, spent, rx0, tab, s) : LONG_MAX / 4;
                long rn = reach ? nx_min[s] : 0;
                if (ok && rx == DP_NO_REACH)
                    ok = false;
                if (ok && p->track_mins && (m + rx < r->min_minutes || m + rn > r->max_minutes))
                    ok = false;
                if (ok && week_binds && d + 1 < D && (d + 1 + r->week_offset) % 7 != 0) {
                    /* The week cannot reach its minimum any more. */
                    long left = r->max_week_days - nk.wdays, most = w->wsum[d + 1];
                    if (left * w->wmax[d + 1] < most)
                        most = left * w->wmax[d + 1];
                    ok = (long)nk.wmin * g + most >= r->min_week_minutes;
                }
                if (ok && bound && c + offc[d] + dp_lb(&bd, r, p->track_mins, D, d + 1, m) > ub)
                    ok = false;
                if (ok && dp_push(w, d + 1, nc, &nk, kc, c + offc[d], i, -1) < 0) {
                    rc = -ENOMEM;
                    goto out;
                }
            }
            /* Each option. */
            for (int q = j_lo; q < j_hi; q++) {
                int j = n_kept >= 0 ? kept[q] : q;
                const struct popt *o = &I->po[j];
                int oi = j - I->ad_start[ix];
                if (o->banned && fx != oi)
                    continue;
                if (fx != NO_FIX && fx != oi)
                    continue;
                struct dp_key nk = k;
                if (k.last > 0) {
                    int pc = I->cls_start[ix - 1] + k.last - 1;
                    if (p->track_type && forbid_at(I, a, I->cls_type[pc], o->type))
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
                nk.last = o->cls + 1;
                if (p->track_wk && wkd >= 0 && !(wk_cont && k.last > 0)) {
                    if (k.wk + 1 > r->max_weekends)
                        continue;
                    nk.wk++;
                }
                int s = run_state(p, &nk);
                bool spent = p->track_wk && nk.wk >= r->max_weekends;
                int ci = dp_counter(I, p, a, o->type);
                if (ci >= 0 && kc[ci] + 1 > cmax[ci])
                    continue;
                if (ci >= 0)
                    kc[ci]++;
                long rx = reach ? reach_max(w, p, cmax, kc, spent, rx0, tab, s) : LONG_MAX / 4;
                long rn = reach ? nx_min[s] : 0;
                if (ci >= 0)
                    kc[ci]--;
                if (rx == DP_NO_REACH)
                    continue;
                if (p->track_mins) {
                    long m = ((long)k.mins + o->minutes / g) * g;
                    if (m > r->max_minutes || m + rx < r->min_minutes || m + rn > r->max_minutes)
                        continue;
                    nk.mins = (int32_t)(m / g);
                }
                if (p->track_wmin) {
                    long m = (long)k.wmin + o->minutes / g;
                    if (m * g > r->max_week_minutes)
                        continue;
                    nk.wmin = (int32_t)m;
                }
                if (p->track_wdays) {
                    if (k.wdays + 1 > r->max_week_days)
                        continue;
                    nk.wdays++;
                }
                if (week_binds && d + 1 < D && (d + 1 + r->week_offset) % 7 != 0) {
                    long left = r->max_week_days - nk.wdays, most = w->wsum[d + 1];
                    if (left * w->wmax[d + 1] < most)
                        most = left * w->wmax[d + 1];
                    if ((long)nk.wmin * g + most < r->min_week_minutes)
                        continue;
                }
                double ncost = c + w->ocost[j - base];
                if (bound && ncost + dp_lb(&bd, r, p->track_mins, D, d + 1, (long)nk.mins * g) > ub)
                    continue;
                if (ci >= 0)
                    kc[ci]++;
                rc = dp_push(w, d + 1, nc, &nk, kc, ncost, i, oi);
                if (ci >= 0)
                    kc[ci]--;
                if (rc < 0) {
                    rc = -ENOMEM;
                    goto out;
                }
            }
        }
    }
    int best = -1;
    double bc = INFINITY;
    for (int i = 0; i < w->n[D]; i++) {
        double c = dp_final_cost(I, w, a, &w->layer[D][i]);
        if (c < bc) {
            bc = c;
            best = i;
        }
    }
    rc = -ENOENT;
    if (best < 0)
        goto out;
    for (int d = D, i = best; d > 0; d--) {
        const struct dp_node *nd = &w->layer[d][i];
        choice[d - 1] = nd->choice;
        i = nd->parent;
    }
    *cost = bc;
    rc = 0;
out:
    if (kc != kc0)
        free(kc);
    return rc;
}

int engine_dp_more(const struct engine_instance *I, const struct dp_work *w, int a, double ub,
                   int k, int *choices, double *costs)
{
    int D = I->D, n = 0, idx[16];
    if (k > 16)
        k = 16;
    for (int i = 0; i < w->n[D] && k > 0; i++) {
        double c = dp_final_cost(I, w, a, &w->layer[D][i]);
        if (c < ub)
            cheapest_add(costs, idx, &n, k, c, i);
    }
    for (int j = 0; j < n; j++)
        for (int d = D, i = idx[j]; d > 0; d--) {
            const struct dp_node *nd = &w->layer[d][i];
            choices[(size_t)j * (size_t)D + (size_t)(d - 1)] = nd->choice;
            i = nd->parent;
        }
    return n;
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

int engine_feasible_agents(const struct engine_instance *I, const bool *which,
                           const atomic_bool *cancel, bool *feasible)
{
    if (I == NULL || !I->final || feasible == NULL)
        return -EINVAL;
    struct dp_work w;
    int rc = engine_dp_init(&w, I);
    if (rc < 0)
        return rc;
    int *choice = malloc((size_t)I->D * sizeof *choice);
    double *offc = calloc((size_t)I->D, sizeof *offc);
    rc = -ENOMEM;
    if (choice == NULL || offc == NULL)
        goto out;
    rc = 0;
    for (int a = 0; a < I->A && rc == 0; a++) {
        if (which && !which[a])
            continue;
        if (cancel && atomic_load(cancel)) {
            rc = -ECANCELED;
            break;
        }
        int n = I->ad_start[(a + 1) * I->D] - I->ad_start[a * I->D];
        for (int j = 0; j < n; j++)
            w.ocost[j] = 0;
        double cost;
        for (int cap = 8;; cap = cap >= 1 << 20 ? INT_MAX : cap * 8) {
            w.cap_layer = cap;
            rc = engine_dp_agent(I, &w, a, offc, NULL, INFINITY, choice, &cost);
            if (rc != -ENOENT || !w.truncated || cap == INT_MAX)
                break;
        }
        feasible[a] = rc == 0;
        if (rc == -ENOENT)
            rc = 0;
    }
out:
    free(choice);
    free(offc);
    engine_dp_free(&w);
    return rc;
}
