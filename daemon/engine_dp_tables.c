/* SPDX-License-Identifier: ISC */
/*
 * engine_dp_tables.c — what one call of the per-agent DP (engine_dp.c)
 * prepares before it runs, all from the instance, the caller's costs and
 * pins (see include/engine_dp.h):
 *
 *  - the costs themselves against the others' coverage (engine_dp_costs,
 *    engine_dp_costs_days: the callers fill them);
 *  - the lower bound on the cost of the rest of a horizon (engine_dp_bounds),
 *    which prunes labels against a known feasible row and ranks them in a
 *    beam;
 *  - the minutes a label can still reach or must still add from its run
 *    state on (engine_dp_reach), which prune dead ends exactly;
 *  - the pinned tail of a horizon (engine_dp_tail), which lets the DP judge
 *    the labels entering it at once and carry a handful through it.
 *
 * Nothing here knows a label: the DP's state and its layers stay in
 * engine_dp.c.
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

/*
 * Fills w->ocost and offc for agent a against coverage cov (which excludes
 * a), days d0..d1; the other days cost nothing (the caller pins them, so
 * they add the same to every horizon). With rng, each cost gets a random
 * nudge too small to change which horizons are optimal (I->noise, see
 * finalize) but enough to pick a random one among equally good horizons: the
 * search then walks plateaus instead of rebuilding the same roster.
 */
void engine_dp_costs_days(const struct engine_instance *I, struct dp_work *w, int a, const int *cov,
                          double *offc, uint64_t *rng, int d0, int d1)
{
    int D = I->D, base = I->ad_start[a * D];
    for (int d = 0; d < D; d++) {
        int ix = a * D + d;
        if (d < d0 || d > d1) {
            for (int j = I->ad_start[ix]; j < I->ad_start[ix + 1]; j++)
                w->ocost[j - base] = 0;
            offc[d] = 0;
            continue;
        }
        for (int j = I->ad_start[ix]; j < I->ad_start[ix + 1]; j++) {
            const struct popt *o = &I->po[j];
            double c = o->cost;
            for (int k = 0; k < o->n_cover; k++) {
                int cell = I->cov_cell[o->cover_off + k], amt = I->cov_amt[o->cover_off + k];
                int cv = cov ? cov[cell] : 0;
                c += cell_pen(I, cell, cv + amt) - cell_pen(I, cell, cv);
            }
            w->ocost[j - base] = c + (rng ? I->noise * rng_unit(rng) : 0);
        }
        offc[d] = I->offcost[ix] + (rng ? I->noise * rng_unit(rng) : 0);
    }
}

void engine_dp_costs(const struct engine_instance *I, struct dp_work *w, int a, const int *cov,
                     double *offc, uint64_t *rng)
{
    engine_dp_costs_days(I, w, a, cov, offc, rng, 0, I->D - 1);
}

void engine_dp_bounds(const struct engine_instance *I, struct dp_work *w, int a, const double *offc,
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

/*
 * Minutes still reachable (rmax) and still unavoidable (rmin) from the start
 * of day d on, per run state (work or off, run length, started on day 0),
 * under the run rules, the pins and the days' options only: what any
 * completion of a label in that state can add. A label whose minutes cannot
 * land in [min, max] this way has no feasible completion (DP_NO_REACH: none at
 * all), which a beam must know before it keeps the label, and which the
 * exact DP prunes for free.
 *
 * rmax comes in variants, table v at rmax + v * (D+1) * S:
 *  - bit 0 (the weekend variants, with track_wk): the label has no weekend
 *    left, so a weekend day may only be worked as the rest of a weekend
 *    already counted (a beam that spent its weekends early died on the first
 *    Saturday its run rules forced it to work);
 *  - v / 2 = i, with the bounded types: the label has used up every bounded
 *    type longer than cut[i] minutes (cut[0] = 0: all of them; the last cut,
 *    none), so a day's longest option among those is at most cut[i] (a beam
 *    that spent its long night shifts early fell behind its minimum for good
 *    and only found out days before the end).
 * rmin ignores both (a lower bound either way). Only days F..P are filled:
 * before F every day is pinned (one label, nothing to prune), and from P
 * on too (dp_suffix judges the labels there exactly; SM is the minutes the
 * pinned days from P on add). O(days x run states x variants). 0 or
 * -ENOMEM.
 */
int engine_dp_reach(const struct engine_instance *I, struct dp_work *w, int a, const int *restrict_,
                    int F, int P, long SM)
{
    const struct engine_agent_rules *r = &I->rules[a];
    const struct aprep *p = dp_prep(I, w, a);
    int D = I->D, S = 2 * (p->cap_work + p->cap_off + 1), nc = p->n_cnt;
    int c = w->ctlen_cap;
    if (util_grow((void **)&w->ctlen, &c, 2 * nc + 2, sizeof *w->ctlen) < 0)
        return -ENOMEM;
    w->ctlen_cap = c;
    /* The longest option of each bounded type, and their distinct lengths: the cuts. */
    long *cut = w->ctlen + nc + 1;
    for (int k = 0; k < nc; k++)
        w->ctlen[k] = 0;
    /*
     * A hurried DP (w->opt_keep) makes do with the table of every bounded
     * type left: a looser bound, never a wrong one, and the cuts' tables were
     * a fifth of its time on 150 x 364 x 32 (a failure is retried with them).
     */
    bool cuts = p->track_mins && w->opt_keep == 0;
    if (cuts)
        for (int j = I->ad_start[a * D]; j < I->ad_start[(a + 1) * D]; j++) {
            int ci = dp_counter(I, p, a, I->po[j].type);
            if (ci >= 0 && I->po[j].minutes > w->ctlen[ci])
                w->ctlen[ci] = I->po[j].minutes;
        }
    int ncut = 1;
    cut[0] = 0;
    for (int k = 0; k < nc && cuts; k++) {
        int q = ncut;
        while (q > 0 && cut[q - 1] > w->ctlen[k])
            q--;
        if (q > 0 && cut[q - 1] == w->ctlen[k])
            continue;
        memmove(cut + q + 1, cut + q, (size_t)(ncut - q) * sizeof *cut);
        cut[q] = w->ctlen[k];
        ncut++;
    }
    w->ncut = ncut;
    int nv = 2 * ncut;
    if ((size_t)(D + 1) * (size_t)S * (size_t)nv > INT_MAX / 2)
        return -ENOMEM;
    int need = nv * (D + 1) * S;
    c = w->rcap;
    if (util_grow((void **)&w->rmax, &c, need, sizeof *w->rmax) < 0)
        return -ENOMEM;
    c = w->rcap;
    if (util_grow((void **)&w->rmin, &c, (D + 1) * S, sizeof *w->rmin) < 0)
        return -ENOMEM;
    w->rcap = c;
    /* The last cut (every bounded type left) first: it is the only one rmin needs. */
    for (int v = nv - 1; v >= 0; v--) {
        bool nowk = v & 1, base = v / 2 == ncut - 1;
        long lim = cut[v / 2];
        if ((nowk && !p->track_wk) || (!base && v / 2 > 0 && !p->track_mins))
            continue;
        long *mx = w->rmax + (size_t)v * (D + 1) * S, *mn = w->rmin;
        bool with_min = v == nv - 2;
        /* From P on every day is pinned: exactly SM more minutes (or none fit). */
        for (int st = 0; st < S; st++) {
            mx[(size_t)P * S + st] = SM;
            if (with_min)
                mn[(size_t)P * S + st] = SM;
        }
        for (int d = P - 1; d >= F; d--) {
            int ix = a * D + d, fx = I->fixed[ix];
            if (restrict_ && restrict_[d] != NO_FIX)
                fx = restrict_[d];
            long hi = -1, lo = LONG_MAX;
            for (int j = I->ad_start[ix]; j < I->ad_start[ix + 1]; j++) {
                int oi = j - I->ad_start[ix];
                if ((fx != NO_FIX && fx != oi) || (I->po[j].banned && fx != oi))
                    continue;
                long m = I->po[j].minutes;
                if (!base && dp_counter(I, p, a, I->po[j].type) >= 0 && m > lim)
                    m = lim; /* a type used up: the day's best is no longer than the cut */
                hi = m > hi ? m : hi;
                lo = I->po[j].minutes < lo ? I->po[j].minutes : lo;
            }
            bool can_off = fx == NO_FIX || fx == -1;
            int wkd = I->weekend[ix];
            bool cont = d > 0 && wkd >= 0 && I->weekend[ix - 1] == wkd;
            const long *nx = mx + (size_t)(d + 1) * S, *nn = mn + (size_t)(d + 1) * S;
            for (int st = 0; st < S; st++) {
                int flag = st & 1, rr = st / 2;
                bool work = rr < p->cap_work;
                int run = work ? rr + 1 : rr - p->cap_work;
                long bmax = DP_NO_REACH, bmin = LONG_MAX;
                if (can_off && (!work || flag || run >= r->min_consecutive)) {
                    int nrun = work ? 1 : run == 0 ? 1 : run < p->cap_off ? run + 1 : run;
                    int nflag = work ? 0 : run == 0 ? 1 : flag;
                    int ns = (p->cap_work + nrun) * 2 + nflag;
                    if (nx[ns] != DP_NO_REACH) {
                        bmax = nx[ns];
                        bmin = with_min ? nn[ns] : 0;
                    }
                }
                /* No weekend left: only the rest of one already worked. */
                bool ok = hi >= 0 && (!nowk || wkd < 0 || (work && cont));
                if (ok && work)
                    ok = run + 1 <= r->max_consecutive;
                else if (ok && run > 0)
                    ok = flag || run >= r->min_consecutive_off;
                if (ok) {
                    int nrun = work ? (run < p->cap_work ? run + 1 : run) : 1;
                    int nflag = work ? flag : run == 0 ? 1 : 0;
                    int ns = (nrun - 1) * 2 + nflag;
                    if (nx[ns] != DP_NO_REACH) {
                        if (nx[ns] + hi > bmax)
                            bmax = nx[ns] + hi;
                        if (with_min && nn[ns] + lo < bmin)
                            bmin = nn[ns] + lo;
                    }
                }
                mx[(size_t)d * S + st] = bmax;
                if (with_min)
                    mn[(size_t)d * S + st] = bmax == DP_NO_REACH ? 0 : bmin;
            }
        }
    }
    /* The week's rest: what the longest option of each day left in the week adds up to. */
    for (int d = D - 1; d >= 0; d--) {
        int ix = a * D + d, fx = I->fixed[ix];
        if (restrict_ && restrict_[d] != NO_FIX)
            fx = restrict_[d];
        long m = fx == NO_FIX ? I->maxmin[ix] : fx < 0 ? 0 : opt_of(I, a, d, fx)->minutes;
        bool last_of_week = d + 1 >= D || (d + 1 + r->week_offset) % 7 == 0;
        w->wsum[d] = m + (last_of_week ? 0 : w->wsum[d + 1]);
        w->wmax[d] = last_of_week ? m : (m > w->wmax[d + 1] ? m : w->wmax[d + 1]);
    }
    return 0;
}

int engine_dp_tail(const struct engine_instance *I, struct dp_work *w, int a, const int *restrict_,
                   int P, struct dp_tail *t)
{
    const struct aprep *p = dp_prep(I, w, a);
    int D = I->D, nc = p->n_cnt;
    memset(t, 0, sizeof *t);
    int c = w->tcnt_cap;
    if (util_grow((void **)&w->tcnt, &c, nc + 1, sizeof *w->tcnt) < 0)
        return -ENOMEM;
    w->tcnt_cap = c;
    for (int k = 0; k < nc; k++)
        w->tcnt[k] = 0;
    if (P >= D)
        return 0;
    for (int d = P; d < D; d++) {
        int o = engine_dp_pinned(I, a, d, restrict_);
        if (o < 0)
            continue;
        const struct popt *po = opt_of(I, a, d, o);
        t->minutes += po->minutes;
        int ci = dp_counter(I, p, a, po->type);
        if (ci >= 0)
            w->tcnt[ci]++;
        int wkd = I->weekend[a * D + d];
        if (d > P && wkd >= 0 &&
            !(I->weekend[a * D + d - 1] == wkd && engine_dp_pinned(I, a, d - 1, restrict_) >= 0))
            t->weekends++;
    }
    int wkp = I->weekend[a * D + P];
    t->work_p = engine_dp_pinned(I, a, P, restrict_) >= 0;
    t->p_weekend = wkp >= 0;
    t->p_cont = P > 0 && wkp >= 0 && I->weekend[a * D + P - 1] == wkp;
    return 0;
}
