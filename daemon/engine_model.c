/* SPDX-License-Identifier: ISC */
/*
 * engine_model.c — the engine's model (see include/engine.h, docs/engine.md):
 * the builder (engine_instance_new, cells, options, rules, wishes, the
 * accessors), engine_instance_finalize, which prepares what every solver
 * reads (include/engine_internal.h), and engine_check, the from-scratch
 * judge of a roster against it.
 *
 * Use: build an instance with the engine_* setters, then finalize it once;
 * afterwards it is read-only and the DP, the search and colgen_*.c share it
 * across threads. engine_check() and engine_agent_scan() recount every hard
 * rule from the instance alone: the search uses the scan as its feasibility
 * test and engine_check to resynchronise its running cost, and every roster
 * the engine returns is judged by engine_check.
 *
 * Layout: builder; preparation (finalize); checker; the run's clock, which
 * every phase of a solve reads (engine_clock_*: the deadline and the cancel
 * flag in one place, with a clock tests can inject).
 */
#include "engine.h"

#include "engine_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void engine_rules_default(struct engine_agent_rules *r)
{
    memset(r, 0, sizeof *r);
    r->max_minutes = ENGINE_UNLIMITED;
    r->max_week_minutes = ENGINE_UNLIMITED;
    r->max_week_days = 7;
    r->min_consecutive = 1;
    r->max_consecutive = ENGINE_UNLIMITED;
    r->min_consecutive_off = 1;
    r->max_weekends = ENGINE_UNLIMITED;
}

struct engine_instance *engine_instance_new(int n_days, int n_agents, int n_types)
{
    if (n_days <= 0 || n_agents <= 0 || n_types <= 0 || n_days > 4000 || n_types > 4000)
        return NULL;
    struct engine_instance *I = calloc(1, sizeof *I);
    if (I == NULL)
        return NULL;
    I->D = n_days;
    I->A = n_agents;
    I->T = n_types;
    size_t ad = (size_t)n_agents * (size_t)n_days;
    I->n_per_ad = calloc(ad, sizeof *I->n_per_ad);
    I->rules = calloc((size_t)n_agents, sizeof *I->rules);
    I->type_max = malloc((size_t)n_agents * (size_t)n_types * sizeof *I->type_max);
    I->forbid_all = calloc((size_t)n_types * (size_t)n_types, 1);
    I->forbid = malloc((size_t)n_agents * sizeof *I->forbid);
    I->weekend = malloc(ad * sizeof *I->weekend);
    I->dayoff = calloc(ad, 1);
    I->fixed = malloc(ad * sizeof *I->fixed);
    I->target = calloc((size_t)n_agents, sizeof *I->target);
    I->t_under = calloc((size_t)n_agents, sizeof *I->t_under);
    I->t_over = calloc((size_t)n_agents, sizeof *I->t_over);
    if (!I->n_per_ad || !I->rules || !I->type_max || !I->forbid_all || !I->forbid || !I->weekend ||
        !I->dayoff || !I->fixed || !I->target || !I->t_under || !I->t_over) {
        free(I->forbid);
        I->forbid = NULL;
        engine_instance_free(I);
        return NULL;
    }
    for (int a = 0; a < n_agents; a++) {
        engine_rules_default(&I->rules[a]);
        I->forbid[a] = I->forbid_all;
    }
    for (size_t i = 0; i < (size_t)n_agents * (size_t)n_types; i++)
        I->type_max[i] = ENGINE_UNLIMITED;
    for (size_t i = 0; i < ad; i++) {
        I->weekend[i] = -1;
        I->fixed[i] = NO_FIX;
    }
    return I;
}

void engine_instance_free(struct engine_instance *I)
{
    if (I == NULL)
        return;
    free(I->req);
    free(I->under);
    free(I->over);
    free(I->curve_off);
    free(I->curve_n);
    free(I->curve);
    free(I->add);
    free(I->cov_cell);
    free(I->cov_amt);
    free(I->n_per_ad);
    free(I->rules);
    free(I->type_max);
    if (I->forbid)
        for (int a = 0; a < I->A; a++)
            if (I->forbid[a] != I->forbid_all)
                free(I->forbid[a]);
    free(I->forbid);
    free(I->forbid_all);
    free(I->weekend);
    free(I->dayoff);
    free(I->fixed);
    free(I->target);
    free(I->t_under);
    free(I->t_over);
    free(I->wish);
    free(I->ad_start);
    free(I->po);
    free(I->offcost);
    free(I->maxmin);
    free(I->cls_start);
    free(I->cls_type);
    free(I->cls_end);
    free(I->ap);
    free(I->cnt_index);
    free(I->cnt_max);
    free(I);
}

static bool agent_day_ok(const struct engine_instance *I, int a, int d)
{
    return I && !I->final && a >= 0 && a < I->A && d >= 0 && d < I->D;
}

int engine_cell_add(struct engine_instance *I, int requirement, double under, double over)
{
    if (I == NULL || I->final || requirement < 0 || under < 0 || over < 0)
        return -EINVAL;
    int c = I->cap_cells;
    if (I->n_cells == INT_MAX - 1)
        return -ENOMEM;
    int need = I->n_cells + 1;
    if (util_grow((void **)&I->req, &c, need, sizeof *I->req) < 0)
        return -ENOMEM;
    c = I->cap_cells;
    if (util_grow((void **)&I->under, &c, need, sizeof *I->under) < 0)
        return -ENOMEM;
    c = I->cap_cells;
    if (util_grow((void **)&I->over, &c, need, sizeof *I->over) < 0)
        return -ENOMEM;
    c = I->cap_cells;
    if (util_grow((void **)&I->curve_off, &c, need, sizeof *I->curve_off) < 0)
        return -ENOMEM;
    c = I->cap_cells;
    if (util_grow((void **)&I->curve_n, &c, need, sizeof *I->curve_n) < 0)
        return -ENOMEM;
    I->cap_cells = c;
    int i = I->n_cells++;
    I->req[i] = requirement;
    I->under[i] = under;
    I->over[i] = over;
    I->curve_off[i] = 0;
    I->curve_n[i] = 0;
    return i;
}

int engine_cell_set_shortage_curve(struct engine_instance *I, int cell, const double *marginal,
                                   int n)
{
    if (I == NULL || I->final || cell < 0 || cell >= I->n_cells || marginal == NULL || n <= 0 ||
        n > 100000)
        return -EINVAL;
    if (util_grow((void **)&I->curve, &I->cap_curve, I->n_curve + n + 1, sizeof *I->curve) < 0)
        return -ENOMEM;
    I->curve_off[cell] = I->n_curve;
    I->curve_n[cell] = n;
    double s = 0;
    I->curve[I->n_curve++] = 0;
    for (int k = 0; k < n; k++) {
        if (marginal[k] < 0)
            return -EINVAL;
        s += marginal[k];
        I->curve[I->n_curve++] = s;
    }
    return 0;
}

int engine_option_add(struct engine_instance *I, int agent, int day, const struct engine_option *o)
{
    if (!agent_day_ok(I, agent, day) || o == NULL || o->type < 0 || o->type >= I->T ||
        o->minutes < 0 || o->end < o->start || o->n_cover < 0 || (o->n_cover > 0 && !o->cells))
        return -EINVAL;
    for (int k = 0; k < o->n_cover; k++)
        if (o->cells[k] < 0 || o->cells[k] >= I->n_cells || (o->amounts && o->amounts[k] < 0))
            return -EINVAL;
    if (I->n_add == INT_MAX - 1 || I->n_cov > INT_MAX - 1 - o->n_cover)
        return -ENOMEM;
    int ca = I->cap_add;
    if (util_grow((void **)&I->add, &ca, I->n_add + 1, sizeof *I->add) < 0)
        return -ENOMEM;
    ca = I->cap_add;
    if (util_grow((void **)&I->po, &ca, I->n_add + 1, sizeof *I->po) < 0)
        return -ENOMEM;
    I->cap_add = ca;
    int c = I->cap_cov;
    if (util_grow((void **)&I->cov_cell, &c, I->n_cov + o->n_cover, sizeof *I->cov_cell) < 0)
        return -ENOMEM;
    c = I->cap_cov;
    if (util_grow((void **)&I->cov_amt, &c, I->n_cov + o->n_cover, sizeof *I->cov_amt) < 0)
        return -ENOMEM;
    I->cap_cov = c;
    struct addkey *ak = &I->add[I->n_add];
    struct popt *po = &I->po[I->n_add++];
    ak->agent = agent;
    ak->day = day;
    ak->seq = I->n_per_ad[agent * I->D + day]++;
    memset(po, 0, sizeof *po);
    po->type = o->type;
    po->start = o->start;
    po->end = o->end;
    po->minutes = o->minutes;
    po->cover_off = I->n_cov;
    po->n_cover = o->n_cover;
    for (int k = 0; k < o->n_cover; k++) {
        I->cov_cell[I->n_cov] = o->cells[k];
        I->cov_amt[I->n_cov] = o->amounts ? o->amounts[k] : 1;
        I->n_cov++;
    }
    return ak->seq;
}

int engine_agent_set_rules(struct engine_instance *I, int agent, const struct engine_agent_rules *r)
{
    if (!agent_day_ok(I, agent, 0) || r == NULL || r->min_rest_minutes < 0 || r->min_minutes < 0 ||
        r->max_minutes < 0 || r->min_week_minutes < 0 || r->max_week_minutes < 0 ||
        r->max_week_days < 0 || r->week_offset < 0 || r->week_offset > 6 ||
        r->min_consecutive < 1 || r->max_consecutive < 1 || r->min_consecutive_off < 1 ||
        r->max_weekends < 0)
        return -EINVAL;
    I->rules[agent] = *r;
    return 0;
}

int engine_agent_set_type_max(struct engine_instance *I, int agent, int type, int max)
{
    if (!agent_day_ok(I, agent, 0) || type < 0 || type >= I->T || max < 0)
        return -EINVAL;
    I->type_max[agent * I->T + type] = max;
    return 0;
}

int engine_forbid_succession(struct engine_instance *I, int agent, int first, int next)
{
    if (I == NULL || I->final || agent < -1 || agent >= I->A || first < 0 || first >= I->T ||
        next < 0 || next >= I->T)
        return -EINVAL;
    size_t tt = (size_t)I->T * (size_t)I->T, at = (size_t)first * (size_t)I->T + (size_t)next;
    if (agent < 0) {
        I->forbid_all[at] = 1;
        for (int a = 0; a < I->A; a++)
            I->forbid[a][at] = 1; /* the agents with a copy of their own too */
        return 0;
    }
    if (I->forbid[agent] == I->forbid_all) {
        uint8_t *own = malloc(tt);
        if (own == NULL)
            return -ENOMEM;
        memcpy(own, I->forbid_all, tt);
        I->forbid[agent] = own;
    }
    I->forbid[agent][at] = 1;
    return 0;
}

int engine_agent_set_weekend(struct engine_instance *I, int agent, int day, int weekend)
{
    if (!agent_day_ok(I, agent, day) || weekend < -1 || weekend >= I->D)
        return -EINVAL;
    I->weekend[agent * I->D + day] = weekend;
    return 0;
}

int engine_agent_day_off(struct engine_instance *I, int agent, int day)
{
    if (!agent_day_ok(I, agent, day))
        return -EINVAL;
    I->dayoff[agent * I->D + day] = 1;
    return 0;
}

int engine_agent_fix(struct engine_instance *I, int agent, int day, int option)
{
    if (!agent_day_ok(I, agent, day) || option < -1)
        return -EINVAL;
    I->fixed[agent * I->D + day] = option;
    return 0;
}

static int wish_add(struct engine_instance *I, int agent, int day, int what, int x, bool want,
                    double weight, enum engine_kind kind)
{
    if (!agent_day_ok(I, agent, day) || x < -1 || !(weight >= 0) || kind < 0 ||
        kind >= ENGINE_KIND_COUNT)
        return -EINVAL;
    if (util_grow((void **)&I->wish, &I->cap_wish, I->n_wish + 1, sizeof *I->wish) < 0)
        return -ENOMEM;
    I->wish[I->n_wish++] = (struct wish){agent, day, what, x, want, weight, kind};
    return 0;
}

int engine_wish_type(struct engine_instance *I, int agent, int day, int type, bool want,
                     double weight, enum engine_kind kind)
{
    if (I && type >= I->T)
        return -EINVAL;
    return wish_add(I, agent, day, WISH_TYPE, type, want, weight, kind);
}

int engine_wish_option(struct engine_instance *I, int agent, int day, int option, bool want,
                       double weight, enum engine_kind kind)
{
    return wish_add(I, agent, day, WISH_OPTION, option, want, weight, kind);
}

int engine_agent_target_minutes(struct engine_instance *I, int agent, int target, double under,
                                double over)
{
    if (!agent_day_ok(I, agent, 0) || target < 0 || !(under >= 0) || !(over >= 0))
        return -EINVAL;
    I->target[agent] = target;
    I->t_under[agent] = under;
    I->t_over[agent] = over;
    return 0;
}

int engine_n_agents(const struct engine_instance *I)
{
    return I->A;
}

int engine_n_cells(const struct engine_instance *I)
{
    return I->n_cells;
}

int engine_n_options(const struct engine_instance *I, int agent, int day)
{
    if (I == NULL || agent < 0 || agent >= I->A || day < 0 || day >= I->D)
        return -EINVAL;
    return I->n_per_ad[agent * I->D + day];
}

int engine_option_type(const struct engine_instance *I, int agent, int day, int option)
{
    if (!I || !I->final || engine_n_options(I, agent, day) <= option || option < 0)
        return -EINVAL;
    return I->po[I->ad_start[agent * I->D + day] + option].type;
}

static int gcd(int a, int b)
{
    while (b) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Does wish w hit the choice (option index o of its agent-day, -1 off)? */
static bool wish_hits(const struct engine_instance *I, const struct wish *w, int o)
{
    bool match;
    if (w->what == WISH_OPTION) {
        match = o == w->x;
    } else {
        int t = o < 0 ? -1 : I->po[I->ad_start[w->agent * I->D + w->day] + o].type;
        match = t == w->x;
    }
    return w->want ? !match : match;
}

static int cmp_key(const void *x, const void *y, void *ctx)
{
    const struct addkey *keys = ctx;
    const struct addkey *a = &keys[*(const int *)x], *b = &keys[*(const int *)y];
    if (a->agent != b->agent)
        return a->agent < b->agent ? -1 : 1;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

/*
 * Puts po in (agent, day, seq) order. Options added in that order (nrp.c
 * and roster.c add them so) are left where they are; otherwise a sorted
 * copy replaces po. 0 or -ENOMEM.
 */
static int order_options(struct engine_instance *I)
{
    int n = I->n_add;
    bool sorted = true;
    for (int i = 1; i < n && sorted; i++) {
        const struct addkey *a = &I->add[i - 1], *b = &I->add[i];
        sorted = a->agent < b->agent || (a->agent == b->agent && a->day <= b->day);
    }
    if (sorted)
        return 0;
    int *perm = malloc((size_t)n * sizeof *perm);
    struct popt *po = malloc((size_t)n * sizeof *po);
    if (perm == NULL || po == NULL) {
        free(perm);
        free(po);
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++)
        perm[i] = i;
    qsort_r(perm, (size_t)n, sizeof *perm, cmp_key, I->add);
    for (int i = 0; i < n; i++)
        po[i] = I->po[perm[i]];
    free(perm);
    free(I->po);
    I->po = po;
    I->cap_add = n;
    return 0;
}

/* Options of different agents that are the same shift (for swaps): the slot key. */
static uint64_t slot_hash(const struct engine_instance *I, const struct popt *o)
{
    uint64_t h = (uint64_t)(uint32_t)o->type * 0x9E3779B97F4A7C15ULL;
    h = (h ^ (uint64_t)o->start) * 0x100000001B3ULL;
    h = (h ^ (uint64_t)o->end) * 0x100000001B3ULL;
    for (int k = 0; k < o->n_cover; k++) {
        h = (h ^ (uint32_t)I->cov_cell[o->cover_off + k]) * 0x100000001B3ULL;
        h = (h ^ (uint32_t)I->cov_amt[o->cover_off + k]) * 0x100000001B3ULL;
    }
    return h ^ (h >> 31);
}

static bool slot_same(const struct engine_instance *I, const struct popt *a, const struct popt *b)
{
    if (a->type != b->type || a->start != b->start || a->end != b->end || a->n_cover != b->n_cover)
        return false;
    if (a->n_cover == 0) /* cov_cell is NULL on an instance without cover */
        return true;
    return memcmp(I->cov_cell + a->cover_off, I->cov_cell + b->cover_off,
                  (size_t)a->n_cover * sizeof *I->cov_cell) == 0 &&
           memcmp(I->cov_amt + a->cover_off, I->cov_amt + b->cover_off,
                  (size_t)a->n_cover * sizeof *I->cov_amt) == 0;
}

/*
 * Slots day by day (a slot never spans days), by hashing: each option is
 * compared in full once, with the first of its kind. Sorting them compared
 * a contact centre's 23-cell cover lists again and again: 38 % of a
 * 10,000-agent plan's first seconds. Slots are numbered in the order their
 * first option comes (agent, then option), so the same instance gives the
 * same numbers.
 */
static int prepare_slots(struct engine_instance *I)
{
    int A = I->A, D = I->D, most = 1, s = 0;
    for (int d = 0; d < D; d++) {
        int n = 0;
        for (int a = 0; a < A; a++)
            n += I->n_per_ad[a * D + d];
        most = n > most ? n : most;
    }
    size_t cap = 16;
    while (cap < 2 * (size_t)most)
        cap *= 2;
    int *tab = malloc(cap * sizeof *tab);
    if (tab == NULL)
        return -ENOMEM;
    for (int d = 0; d < D; d++) {
        memset(tab, 0xff, cap * sizeof *tab);
        for (int a = 0; a < A; a++)
            for (int j = I->ad_start[a * D + d]; j < I->ad_start[a * D + d + 1]; j++) {
                struct popt *o = &I->po[j];
                size_t q = (size_t)slot_hash(I, o) & (cap - 1);
                while (tab[q] >= 0 && !slot_same(I, &I->po[tab[q]], o))
                    q = (q + 1) & (cap - 1);
                if (tab[q] < 0) {
                    tab[q] = j;
                    o->slot = s++;
                } else {
                    o->slot = I->po[tab[q]].slot;
                }
            }
    }
    free(tab);
    return 0;
}

/* Cover lists sorted by cell, so that equal shifts compare equal as slots. */
static void sort_covers(struct engine_instance *I)
{
    for (int i = 0; i < I->n_add; i++) {
        struct popt *o = &I->po[i];
        for (int x = 1; x < o->n_cover; x++)
            for (int y = x; y > 0; y--) {
                int p = o->cover_off + y;
                if (I->cov_cell[p - 1] <= I->cov_cell[p])
                    break;
                int t = I->cov_cell[p];
                I->cov_cell[p] = I->cov_cell[p - 1];
                I->cov_cell[p - 1] = t;
                t = I->cov_amt[p];
                I->cov_amt[p] = I->cov_amt[p - 1];
                I->cov_amt[p - 1] = t;
            }
    }
}

/*
 * What the DP tracks for agent a (struct aprep): only the rules that can
 * bind. Nothing is refused for its size: minutes and counters are 32- and
 * 16-bit in a label, any number of types may be counted, and run lengths
 * are capped at what the horizon can tell apart. A state space too large to
 * enumerate is the DP's to handle (it keeps the best labels per layer).
 * stamp[T] is scratch. 0 or -ERANGE (minutes beyond what a label holds).
 */
static int prepare_agent(struct engine_instance *I, int a, int *tcount, int *stamp, int *n_cnt_all)
{
    const struct engine_agent_rules *r = &I->rules[a];
    struct aprep *p = &I->ap[a];
    int D = I->D, T = I->T, g = 0, n_wk = 0;
    int64_t maxsum = 0;
    memset(tcount, 0, (size_t)T * sizeof *tcount);
    for (int t = 0; t < T; t++)
        stamp[t] = -1;
    p->track_type = false;
    for (size_t i = 0; i < (size_t)T * (size_t)T && !p->track_type; i++)
        p->track_type = I->forbid[a][i] != 0;
    for (int d = 0; d < D; d++) {
        int ix = a * D + d, mm = 0;
        for (int j = I->ad_start[ix]; j < I->ad_start[ix + 1]; j++) {
            const struct popt *o = &I->po[j];
            if (o->banned)
                continue;
            g = gcd(g, o->minutes);
            if (o->minutes > mm)
                mm = o->minutes;
            /* A type is counted once per day it is available. */
            if (stamp[o->type] != d) {
                stamp[o->type] = d;
                tcount[o->type]++;
            }
        }
        I->maxmin[ix] = mm;
        maxsum += mm;
        if (d + 1 < D) {
            int64_t maxend = INT64_MIN, minstart = INT64_MAX;
            for (int j = I->ad_start[ix]; j < I->ad_start[ix + 1]; j++)
                if (I->po[j].end > maxend)
                    maxend = I->po[j].end;
            for (int j = I->ad_start[ix + 1]; j < I->ad_start[ix + 2]; j++)
                if (I->po[j].start < minstart)
                    minstart = I->po[j].start;
            if (maxend != INT64_MIN && minstart != INT64_MAX &&
                minstart - maxend < (int64_t)r->min_rest_minutes * 60)
                p->track_end = true;
        }
    }
    p->g = g > 0 ? g : 1;
    p->track_mins =
        r->min_minutes > 0 || (r->max_minutes < maxsum) || I->t_under[a] > 0 || I->t_over[a] > 0;
    if (p->track_mins && maxsum / p->g > INT32_MAX / 4)
        return -ERANGE;
    p->track_wmin = r->min_week_minutes > 0 || r->max_week_minutes < ENGINE_UNLIMITED;
    p->track_wdays = r->max_week_days < 7;
    for (int d = 0; d < D; d++)
        if (I->weekend[a * D + d] >= 0 &&
            (d == 0 || I->weekend[a * D + d - 1] != I->weekend[a * D + d]))
            n_wk++;
    p->track_wk = r->max_weekends < n_wk;
    p->n_cnt = 0;
    p->cnt_off = *n_cnt_all;
    for (int t = 0; t < T; t++) {
        int m = I->type_max[a * T + t];
        I->cnt_index[a * T + t] = -1;
        if (m > 0 && m < tcount[t]) {
            I->cnt_index[a * T + t] = p->n_cnt;
            I->cnt_max[p->cnt_off + p->n_cnt] = m;
            p->n_cnt++;
        }
    }
    *n_cnt_all += p->n_cnt;
    /* A run longer than the horizon cannot happen: such limits do not bind. */
    int maxc = r->max_consecutive < D ? r->max_consecutive : 0;
    int minc = r->min_consecutive < D + 1 ? r->min_consecutive : D + 1;
    p->cap_work = maxc > minc ? maxc : minc;
    p->cap_off = r->min_consecutive_off < D + 1 ? r->min_consecutive_off : D + 1;
    return 0;
}

/*
 * rep[t]: the first type whose row of forbidden successors equals t's. To
 * tomorrow's rules two such types are the same, so the DP's state keeps the
 * representative, not the type: 32 shift types in four rest bands are a
 * handful of classes, and the labels of a day shrink by as much.
 */
static void succession_reps(const struct engine_instance *I, const uint8_t *forbid, int *rep)
{
    int T = I->T;
    for (int t = 0; t < T; t++) {
        rep[t] = t;
        for (int u = 0; u < t && T <= 1024; u++)
            if (rep[u] == u &&
                memcmp(forbid + (size_t)t * T, forbid + (size_t)u * T, (size_t)T) == 0) {
                rep[t] = u;
                break;
            }
    }
}

/* Classes of one agent-day: options that look the same to the next day's rules. */
static int prepare_classes(struct engine_instance *I, int a, int d, int *ncls, int *cls_of_type,
                           const int *rep)
{
    const struct aprep *p = &I->ap[a];
    int ix = a * I->D + d;
    I->cls_start[ix] = *ncls;
    for (int j = I->ad_start[ix]; j < I->ad_start[ix + 1]; j++) {
        struct popt *o = &I->po[j];
        int ty = p->track_type ? rep[o->type] : 0;
        int64_t en = p->track_end ? o->end : 0;
        int c = -1;
        if (!p->track_end) {
            /* By type alone: a table, not a scan (64 types, 1000 staff, a year). */
            c = cls_of_type[ty];
        } else {
            for (c = I->cls_start[ix]; c < *ncls; c++)
                if (I->cls_type[c] == ty && I->cls_end[c] == en)
                    break;
            if (c == *ncls)
                c = -1;
        }
        if (c < 0) {
            c = (*ncls)++;
            I->cls_type[c] = ty;
            I->cls_end[c] = en;
            if (!p->track_end)
                cls_of_type[ty] = c;
        }
        o->cls = c - I->cls_start[ix];
    }
    if (!p->track_end)
        for (int c = I->cls_start[ix]; c < *ncls; c++)
            cls_of_type[I->cls_type[c]] = -1;
    return 0;
}

int engine_instance_finalize(struct engine_instance *I)
{
    if (I == NULL || I->final)
        return -EINVAL;
    int D = I->D, A = I->A, T = I->T, rc = -ENOMEM;
    size_t ad = (size_t)A * (size_t)D, no = (size_t)(I->n_add ? I->n_add : 1);
    int *tcount = NULL, *stamp = NULL, *rep_all = NULL, *rep_own = NULL;
    sort_covers(I);
    rc = order_options(I);
    if (rc < 0)
        goto out;
    rc = -ENOMEM;
    free(I->add);
    I->add = NULL;
    if (I->po == NULL && (I->po = malloc(sizeof *I->po)) == NULL)
        goto out;
    I->ad_start = malloc((ad + 1) * sizeof *I->ad_start);
    I->offcost = calloc(ad, sizeof *I->offcost);
    I->maxmin = calloc(ad, sizeof *I->maxmin);
    I->cls_start = malloc((ad + 1) * sizeof *I->cls_start);
    I->cls_type = malloc(no * sizeof *I->cls_type);
    I->cls_end = malloc(no * sizeof *I->cls_end);
    I->ap = calloc((size_t)A, sizeof *I->ap);
    I->cnt_index = malloc((size_t)A * (size_t)T * sizeof *I->cnt_index);
    I->cnt_max = malloc(((size_t)A * (size_t)T + 1) * sizeof *I->cnt_max);
    tcount = calloc((size_t)T, sizeof *tcount);
    stamp = malloc((size_t)T * sizeof *stamp);
    if (!I->ad_start || !I->offcost || !I->maxmin || !I->cls_start || !I->cls_type || !I->cls_end ||
        !I->ap || !I->cnt_index || !I->cnt_max || !tcount || !stamp)
        goto out;
    {
        size_t j = 0;
        for (size_t i = 0; i < ad; i++) {
            I->ad_start[i] = (int)j;
            j += (size_t)I->n_per_ad[i];
        }
        I->ad_start[ad] = (int)j;
    }
    rc = prepare_slots(I);
    if (rc < 0)
        goto out;
    for (int a = 0; a < A; a++) {
        const struct engine_agent_rules *r = &I->rules[a];
        for (int d = 0; d < D; d++) {
            int ix = a * D + d, fx = I->fixed[ix];
            if (fx >= I->n_per_ad[ix]) {
                rc = -EINVAL;
                goto out;
            }
            for (int j = I->ad_start[ix]; j < I->ad_start[ix + 1]; j++) {
                struct popt *o = &I->po[j];
                o->banned = I->dayoff[ix] || (fx != NO_FIX && fx != j - I->ad_start[ix]) ||
                            I->type_max[a * T + o->type] == 0 || o->minutes > r->max_minutes ||
                            o->minutes > r->max_week_minutes || r->max_week_days == 0;
            }
        }
    }
    /* Wishes become costs per option and per day off. */
    for (int i = 0; i < I->n_wish; i++) {
        const struct wish *w = &I->wish[i];
        int ix = w->agent * D + w->day;
        if (w->what == WISH_OPTION && w->x >= I->n_per_ad[ix]) {
            rc = -EINVAL;
            goto out;
        }
        if (wish_hits(I, w, -1))
            I->offcost[ix] += w->weight;
        for (int j = I->ad_start[ix]; j < I->ad_start[ix + 1]; j++)
            if (wish_hits(I, w, j - I->ad_start[ix]))
                I->po[j].cost += w->weight;
    }
    /* What the DP tracks, per agent, and the classes of each agent-day. */
    int ncls = 0, n_cnt_all = 0;
    for (int t = 0; t < T; t++)
        tcount[t] = 0;
    rc = -ENOMEM;
    if ((rep_all = malloc((size_t)T * sizeof *rep_all)) == NULL ||
        (rep_own = malloc((size_t)T * sizeof *rep_own)) == NULL)
        goto out;
    succession_reps(I, I->forbid_all, rep_all);
    for (int a = 0; a < A; a++) {
        rc = prepare_agent(I, a, tcount, stamp, &n_cnt_all);
        if (rc < 0)
            goto out;
        const int *rep = rep_all;
        if (I->forbid[a] != I->forbid_all) {
            succession_reps(I, I->forbid[a], rep_own);
            rep = rep_own;
        }
        for (int t = 0; t < T; t++)
            stamp[t] = -1;
        for (int d = 0; d < D; d++)
            prepare_classes(I, a, d, &ncls, stamp, rep);
    }
    I->cls_start[ad] = ncls;
    {
        /* Give back what classes and counters did not use. */
        size_t nc = (size_t)(ncls ? ncls : 1), nk = (size_t)(n_cnt_all ? n_cnt_all : 1);
        int *ct = realloc(I->cls_type, nc * sizeof *ct);
        I->cls_type = ct ? ct : I->cls_type;
        int64_t *ce = realloc(I->cls_end, nc * sizeof *ce);
        I->cls_end = ce ? ce : I->cls_end;
        int *cm = realloc(I->cnt_max, nk * sizeof *cm);
        I->cnt_max = cm ? cm : I->cnt_max;
    }
    /*
     * Noise: below the smallest weight spread over a whole horizon (twice:
     * off and on), so with integral weights the DP's optimum is unchanged.
     */
    double minw = INFINITY;
    for (int c = 0; c < I->n_cells; c++) {
        if (I->under[c] > 0 && I->under[c] < minw)
            minw = I->under[c];
        if (I->over[c] > 0 && I->over[c] < minw)
            minw = I->over[c];
    }
    for (int i = 0; i < I->n_wish; i++)
        if (I->wish[i].weight > 0 && I->wish[i].weight < minw)
            minw = I->wish[i].weight;
    I->noise = isfinite(minw) ? 0.4 * minw / (2.0 * D + 1) : 0;
    I->minw = isfinite(minw) ? minw : 1;
    I->final = true;
    rc = 0;
out:
    free(tcount);
    free(stamp);
    free(rep_all);
    free(rep_own);
    return rc;
}

/*
 * Every hard rule over one agent's horizon, from scratch. Counts violations
 * per rule into by_rule (may be NULL) and describes the first in why. With
 * stop, returns at the first violation (the search's feasibility test).
 */
int engine_agent_scan(const struct engine_instance *I, int a, const int *row, bool stop,
                      int *by_rule, char *why, size_t why_len)
{
    const struct engine_agent_rules *r = &I->rules[a];
    int D = I->D, T = I->T, n = 0;
#define VIOL(rule, ...)                                                                            \
    do {                                                                                           \
        if (by_rule)                                                                               \
            by_rule[rule]++;                                                                       \
        if (n == 0 && why && why_len)                                                              \
            snprintf(why, why_len, __VA_ARGS__);                                                   \
        n++;                                                                                       \
        if (stop)                                                                                  \
            goto done;                                                                             \
    } while (0)
    int cnt_small[128];
    int *cnt = T <= 128 ? cnt_small : calloc((size_t)T, sizeof *cnt);
    if (cnt == NULL)
        return -ENOMEM;
    memset(cnt, 0, (size_t)T * sizeof *cnt);
    /*
     * The search (stop) skips the rules finalize proved cannot bind for this
     * agent; engine_check scans everything.
     */
    const struct aprep *ap = stop && I->final ? &I->ap[a] : NULL;
    long total = 0;
    for (int d = 0; d < D; d++) {
        int ix = a * D + d, ch = row[d];
        if (ch < -1 || ch >= I->n_per_ad[ix]) {
            VIOL(ENGINE_RULE_CHOICE, "agent %d day %d: option %d does not exist", a, d, ch);
            continue;
        }
        if (I->fixed[ix] != NO_FIX && I->fixed[ix] != ch)
            VIOL(ENGINE_RULE_FIXED, "agent %d day %d: frozen choice changed", a, d);
        if (ch < 0)
            continue;
        const struct popt *o = opt_of(I, a, d, ch);
        if (I->dayoff[ix])
            VIOL(ENGINE_RULE_DAY_OFF, "agent %d works on day off %d", a, d);
        cnt[o->type]++;
        total += o->minutes;
        if (d > 0 && row[d - 1] >= 0 && row[d - 1] < I->n_per_ad[ix - 1]) {
            const struct popt *p = opt_of(I, a, d - 1, row[d - 1]);
            if (forbid_at(I, a, p->type, o->type))
                VIOL(ENGINE_RULE_SUCCESSION, "agent %d day %d: type %d may not follow %d", a, d,
                     o->type, p->type);
            if (o->start - p->end < (int64_t)r->min_rest_minutes * 60)
                VIOL(ENGINE_RULE_REST, "agent %d day %d: rest too short", a, d);
        }
    }
    for (int t = 0; t < T; t++)
        if (cnt[t] > I->type_max[a * T + t])
            VIOL(ENGINE_RULE_TYPE_MAX, "agent %d: %d of type %d, max %d", a, cnt[t], t,
                 I->type_max[a * T + t]);
    if (total < r->min_minutes || total > r->max_minutes)
        VIOL(ENGINE_RULE_MINUTES, "agent %d: %ld minutes outside [%d, %d]", a, total,
             r->min_minutes, r->max_minutes);
    /* Weeks: [ws, ws + 7) with ws = -week_offset + 7k. */
    for (int ws = -r->week_offset; ws < D && (!ap || ap->track_wmin || ap->track_wdays); ws += 7) {
        long m = 0;
        int days = 0;
        for (int d = ws < 0 ? 0 : ws; d < ws + 7 && d < D; d++) {
            int ch = row[d];
            if (ch >= 0 && ch < I->n_per_ad[a * D + d]) {
                m += opt_of(I, a, d, ch)->minutes;
                days++;
            }
        }
        bool whole = ws >= 0 && ws + 7 <= D;
        if (m > r->max_week_minutes || (whole && m < r->min_week_minutes))
            VIOL(ENGINE_RULE_WEEK_MINUTES, "agent %d: %ld minutes in the week from day %d", a, m,
                 ws);
        if (days > r->max_week_days)
            VIOL(ENGINE_RULE_WEEK_DAYS, "agent %d: %d days in the week from day %d", a, days, ws);
    }
    /* Runs of work and of days off; runs touching an edge are exempt from minimums. */
    for (int d = 0; d < D;) {
        bool w = row[d] >= 0;
        int e = d;
        while (e < D && (row[e] >= 0) == w)
            e++;
        int len = e - d;
        bool edge = d == 0 || e == D;
        if (w && len > r->max_consecutive)
            VIOL(ENGINE_RULE_MAX_CONSECUTIVE, "agent %d: %d days in a row from day %d", a, len, d);
        if (w && !edge && len < r->min_consecutive)
            VIOL(ENGINE_RULE_MIN_CONSECUTIVE, "agent %d: only %d days in a row from day %d", a, len,
                 d);
        if (!w && !edge && len < r->min_consecutive_off)
            VIOL(ENGINE_RULE_MIN_DAYS_OFF, "agent %d: only %d days off from day %d", a, len, d);
        d = e;
    }
    int wk = 0;
    for (int d = 0; d < D && (!ap || ap->track_wk); d++) {
        int w = I->weekend[a * D + d];
        if (w < 0 || row[d] < 0)
            continue;
        /* Count a weekend once: at its first worked day. */
        bool earlier = false;
        for (int e = d - 1; e >= 0 && I->weekend[a * D + e] == w; e--)
            if (row[e] >= 0)
                earlier = true;
        wk += !earlier;
    }
    if (wk > r->max_weekends)
        VIOL(ENGINE_RULE_WEEKENDS, "agent %d: %d weekends, max %d", a, wk, r->max_weekends);
#undef VIOL
done:
    if (cnt != cnt_small)
        free(cnt);
    return n;
}

int engine_check(const struct engine_instance *I, const int *choice, struct engine_report *rep)
{
    if (I == NULL || !I->final || choice == NULL || rep == NULL)
        return -EINVAL;
    memset(rep, 0, sizeof *rep);
    int D = I->D, rc = 0;
    int *cov = calloc((size_t)(I->n_cells ? I->n_cells : 1), sizeof *cov);
    if (cov == NULL)
        return -ENOMEM;
    for (int a = 0; a < I->A; a++) {
        int v = engine_agent_scan(I, a, choice + (size_t)a * (size_t)D, false, rep->by_rule,
                                  rep->violations ? NULL : rep->first, sizeof rep->first);
        if (v < 0) {
            rc = v;
            goto out;
        }
        rep->violations += v;
        int minutes = 0;
        for (int d = 0; d < D; d++) {
            int ch = choice[a * D + d];
            if (ch < -1 || ch >= I->n_per_ad[a * D + d])
                continue;
            if (ch >= 0) {
                const struct popt *o = opt_of(I, a, d, ch);
                minutes += o->minutes;
                for (int k = 0; k < o->n_cover; k++)
                    cov[I->cov_cell[o->cover_off + k]] += I->cov_amt[o->cover_off + k];
            }
        }
        rep->by_kind[ENGINE_KIND_FAIRNESS] += fair_pen(I, a, minutes);
    }
    for (int i = 0; i < I->n_wish; i++) {
        const struct wish *w = &I->wish[i];
        int ch = choice[w->agent * D + w->day];
        if (ch < -1 || ch >= I->n_per_ad[w->agent * D + w->day])
            continue;
        if (wish_hits(I, w, ch))
            rep->by_kind[w->kind] += w->weight;
    }
    for (int c = 0; c < I->n_cells; c++) {
        double p = cell_pen(I, c, cov[c]);
        rep->by_kind[cov[c] < I->req[c] ? ENGINE_KIND_UNDER : ENGINE_KIND_OVER] += p;
    }
    for (int k = 0; k < ENGINE_KIND_COUNT; k++)
        rep->objective += rep->by_kind[k];
out:
    free(cov);
    return rc;
}

/* The run's clock (struct engine_clock, engine_internal.h). */
double engine_clock_read(const struct engine_clock *c, enum engine_phase phase)
{
    if (c && c->now)
        return c->now(c->ctx, phase);
    return util_mono_seconds();
}

bool engine_clock_cancelled(const struct engine_clock *c)
{
    return c && c->cancel && atomic_load_explicit(c->cancel, memory_order_relaxed);
}

bool engine_clock_expired(const struct engine_clock *c, enum engine_phase phase)
{
    if (c == NULL)
        return false;
    if (engine_clock_cancelled(c))
        return true;
    return c->deadline > 0 && engine_clock_read(c, phase) >= c->deadline;
}
