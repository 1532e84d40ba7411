/* SPDX-License-Identifier: ISC */
/*
 * breaks.c — break windows from contract rules, and their placement against
 * the queue's coverage (see include/breaks.h).
 *
 * Cost of taking an agent off a cell for a break: the rise of the cell's
 * squared shortage, (r - s + 1)^2 - (r - s)^2 where the cell is short or
 * exactly covered, 0 where it has a surplus; the same convex shortage the
 * roster is optimised for. Among equally costly starts the one with the most
 * surplus wins, then the one nearest the middle of the window.
 *
 * Two breaks of one shift never overlap, and keep at least BREAK_GAP minutes
 * of work between them whenever their windows allow it.
 */
#include "breaks.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRID      (SD_CELL_SECONDS / 60) /* minutes */
#define BREAK_GAP 30                     /* minutes of work wanted between two breaks */
#define SWEEPS    2
#define EPS       1e-9

static int floor_grid(int minutes)
{
    return minutes >= 0 ? minutes / GRID * GRID : -((-minutes + GRID - 1) / GRID * GRID);
}

static int ceil_grid(int minutes)
{
    return -floor_grid(-minutes);
}

int breaks_needed(const struct break_rule *rules, int n_rules, sd_time start, sd_time end,
                  struct break_need *out, int max)
{
    int len = (int)((end - start) / 60), n = 0;
    for (int r = 0; r < n_rules; r++) {
        const struct break_rule *br = &rules[r];
        if (br->minutes <= 0 || len < br->min_shift_minutes || len > br->max_shift_minutes)
            continue;
        int half = floor_grid(len / 2);
        for (int h = 0; h < (br->in_each_half ? 2 : 1); h++) {
            sd_time seg_start = start;
            int seg = len;
            if (br->in_each_half) {
                seg = h == 0 ? half : len - half;
                seg_start = h == 0 ? start : start + (sd_time)half * 60;
            }
            /* Default: starts in the middle half of the segment. */
            int room = seg - br->minutes;
            int lo = br->earliest_after >= 0 ? br->earliest_after : ceil_grid(seg / 4);
            int hi =
                br->latest_after >= 0 ? br->latest_after : floor_grid(seg - seg / 4 - br->minutes);
            if (hi > room)
                hi = floor_grid(room);
            if (lo < 0)
                lo = 0;
            if (lo > hi) {
                /* The window does not fit this shift: the middle of what does. */
                lo = hi = room >= 0 ? floor_grid(room / 2) : 0;
            }
            if (n < max) {
                out[n] = (struct break_need){
                    .rule = r,
                    .minutes = br->minutes,
                    .paid = br->paid,
                    .earliest = seg_start + (sd_time)lo * 60,
                    /* A break longer than its segment fits nowhere: an empty window. */
                    .latest = room >= 0 ? seg_start + (sd_time)hi * 60 : seg_start - 1,
                };
            }
            n++;
        }
    }
    return n;
}

static bool need_takes(const struct break_need *nd, const struct shift_break *b)
{
    return b->end - b->start == (sd_time)nd->minutes * 60 && b->paid == nd->paid &&
           b->start >= nd->earliest && b->start <= nd->latest;
}

/* Whether needs[k..n) can each take a distinct unused break (small backtracking). */
static bool match_from(const struct break_need *needs, int k, int n, const struct shift_break *b,
                       bool *used)
{
    if (k == n)
        return true;
    for (int i = 0; i < n; i++) {
        if (used[i] || !need_takes(&needs[k], &b[i]))
            continue;
        used[i] = true;
        if (match_from(needs, k + 1, n, b, used))
            return true;
        used[i] = false;
    }
    return false;
}

bool breaks_valid(const struct break_rule *rules, int n_rules, sd_time start, sd_time end,
                  const struct shift_break *breaks, int n)
{
    struct break_need needs[BREAKS_MAX_PER_SHIFT];
    bool used[BREAKS_MAX_PER_SHIFT] = {false};
    int k = breaks_needed(rules, n_rules, start, end, needs, BREAKS_MAX_PER_SHIFT);
    if (k != n || k > BREAKS_MAX_PER_SHIFT)
        return false;
    for (int i = 0; i < n; i++) {
        if (breaks[i].start < start || breaks[i].end > end || breaks[i].end <= breaks[i].start)
            return false;
        for (int j = 0; j < i; j++)
            if (breaks[j].start < breaks[i].end && breaks[i].start < breaks[j].end)
                return false;
    }
    return match_from(needs, 0, n, breaks, used);
}

int breaks_published_twins(const struct snapshot *s, const struct plan *plan, int *twin)
{
    int na = s->n_agents, np = s->n_published;
    int *first = malloc((size_t)(na ? na : 1) * sizeof *first);
    int *next = malloc((size_t)(np ? np : 1) * sizeof *next);
    if (first == NULL || next == NULL) {
        free(first);
        free(next);
        return -ENOMEM;
    }
    for (int a = 0; a < na; a++)
        first[a] = -1;
    for (int i = np - 1; i >= 0; i--) {
        int a = s->published[i].agent;
        next[i] = -1;
        if (a >= 0 && a < na && !s->published[i].cancelled) {
            next[i] = first[a];
            first[a] = i;
        }
    }
    for (int k = 0; k < plan->n_shifts; k++) {
        const struct planned_shift *ps = &plan->shifts[k];
        twin[k] = -1;
        if (ps->agent < 0 || ps->agent >= na)
            continue;
        for (int i = first[ps->agent]; i >= 0; i = next[i]) {
            const struct published_shift *p = &s->published[i];
            if (p->queue == ps->queue && p->start == ps->start && p->end == ps->end) {
                twin[k] = i;
                break;
            }
        }
    }
    free(first);
    free(next);
    return 0;
}

/* ---- placement ------------------------------------------------------------- */

/* One break to place: what it needs and, once placed, where it starts. */
struct slot {
    int shift;
    struct break_need need;
    bool placed;
    sd_time at;
};

struct placer {
    const struct snapshot *s;
    struct plan *plan;
    struct slot *slots;
    int n_slots, cap_slots;
    int *first, *count;       /* per shift: its slots */
    struct shift_break *kept; /* published breaks kept as they are, by shift */
    int n_kept, cap_kept;
    bool *warned; /* per contract and rule, flattened */
    int *warn_base;
};

/* The cells [c0, c1) of a break in its shift's queue, clipped to the horizon. */
static void break_cells(const struct snapshot *s, sd_time t, int minutes, int64_t *c0, int64_t *c1)
{
    sd_time hs = s->horizon_start;
    int64_t a = (t - hs) / SD_CELL_SECONDS;
    if (t < hs)
        a = 0;
    int64_t b = (t + (sd_time)minutes * 60 - hs + SD_CELL_SECONDS - 1) / SD_CELL_SECONDS;
    if (b > s->n_cells)
        b = s->n_cells;
    *c0 = a;
    *c1 = b;
}

static void cover(struct placer *P, int queue, sd_time t, int minutes, int delta)
{
    const struct snapshot *s = P->s;
    int64_t c0, c1;
    break_cells(s, t, minutes, &c0, &c1);
    for (int64_t c = c0; c < c1; c++)
        P->plan->scheduled[(size_t)queue * (size_t)s->n_cells + (size_t)c] += delta;
}

static double sq_short(double x)
{
    return x > 0 ? x * x : 0;
}

struct score {
    double cost;    /* rise of the squared shortage */
    double surplus; /* agents over the requirement in the break's cells, before it */
};

/* What taking the shift's agent off the queue for [t, t + minutes) costs. */
static struct score score_at(const struct placer *P, int queue, sd_time t, int minutes)
{
    const struct snapshot *s = P->s;
    struct score sc = {0, 0};
    int64_t c0, c1;
    break_cells(s, t, minutes, &c0, &c1);
    for (int64_t c = c0; c < c1; c++) {
        size_t i = (size_t)queue * (size_t)s->n_cells + (size_t)c;
        double r = P->plan->required[i], on = P->plan->scheduled[i];
        sc.cost += sq_short(r - on + 1) - sq_short(r - on);
        sc.surplus += on - r;
    }
    return sc;
}

/* < 0 when a is the better place for a break. */
static int score_cmp(struct score a, struct score b)
{
    if (a.cost < b.cost - EPS)
        return -1;
    if (a.cost > b.cost + EPS)
        return 1;
    if (a.surplus > b.surplus + EPS)
        return -1;
    if (a.surplus < b.surplus - EPS)
        return 1;
    return 0;
}

/* Whether [t, t + minutes) keeps `gap` minutes away from the shift's other placed breaks. */
static bool clear_of_siblings(const struct placer *P, int si, sd_time t, int minutes, int gap)
{
    const struct slot *me = &P->slots[si];
    int k = me->shift;
    sd_time g = (sd_time)gap * 60, end = t + (sd_time)minutes * 60;
    for (int j = P->first[k]; j < P->first[k] + P->count[k]; j++) {
        const struct slot *o = &P->slots[j];
        if (j == si || !o->placed)
            continue;
        sd_time oe = o->at + (sd_time)o->need.minutes * 60;
        if (!(end + g <= o->at || oe + g <= t))
            return false;
    }
    return true;
}

/*
 * The best start for slot si given everything else placed; false if none. With
 * keep (the slot is placed at *at), another start wins only if strictly better.
 */
static bool best_start(const struct placer *P, int si, bool keep, sd_time *at)
{
    const struct slot *sl = &P->slots[si];
    const struct planned_shift *ps = &P->plan->shifts[sl->shift];
    const struct break_need *nd = &sl->need;
    sd_time mid = nd->earliest + (nd->latest - nd->earliest) / 2;
    mid -= (mid - nd->earliest) % SD_CELL_SECONDS;
    bool found = false;
    struct score best = {0, 0};
    sd_time best_t = 0;
    if (keep) {
        best = score_at(P, ps->queue, *at, nd->minutes);
        best_t = *at;
        found = true;
    }
    for (int pass = 0; pass < 2 && !(found && !keep); pass++) {
        int gap = pass == 0 ? BREAK_GAP : 0;
        for (sd_time t = nd->earliest; t <= nd->latest; t += SD_CELL_SECONDS) {
            if (t < ps->start || t + (sd_time)nd->minutes * 60 > ps->end)
                continue;
            if (!clear_of_siblings(P, si, t, nd->minutes, gap))
                continue;
            if (keep && t == *at)
                continue;
            struct score sc = score_at(P, ps->queue, t, nd->minutes);
            int c = found ? score_cmp(sc, best) : -1;
            if (c == 0 && !keep) {
                sd_time dt = t > mid ? t - mid : mid - t;
                sd_time db = best_t > mid ? best_t - mid : mid - best_t;
                c = dt < db ? -1 : 1; /* equal distance: the earlier (already best) stays */
            }
            if (c < 0) {
                best = sc;
                best_t = t;
                found = true;
            }
        }
        if (keep)
            break; /* a re-placement must not come closer to a sibling than before */
    }
    if (found)
        *at = best_t;
    return found;
}

static int warn_unplaced(struct placer *P, const struct slot *sl)
{
    const struct snapshot *s = P->s;
    const struct planned_shift *ps = &P->plan->shifts[sl->shift];
    const struct agent *ag = &s->agents[ps->agent];
    const struct contract *c = &s->contracts[ag->contract];
    bool *w = &P->warned[P->warn_base[ag->contract] + sl->need.rule];
    if (*w)
        return 0;
    *w = true;
    struct plan *plan = P->plan;
    struct input_error *e = util_push((void **)&plan->warnings, &plan->n_warnings, sizeof *e);
    if (e == NULL)
        return -ENOMEM;
    text_printf(e->table, sizeof e->table, "contracts");
    text_printf(e->key, sizeof e->key, "id=%lld", (long long)c->id);
    text_printf(
        e->message, sizeof e->message,
        "contract '%s': break rule %d (%d minutes) fits nowhere in a %d-minute shift beside "
        "the other breaks; such shifts are published without it",
        c->name, sl->need.rule + 1, sl->need.minutes, (int)((ps->end - ps->start) / 60));
    return 0;
}

/* The slots of shift k, tightest window first, then the longest break (insertion sort). */
static int order_slots(const struct placer *P, int k, int *idx)
{
    int n = P->count[k];
    for (int i = 0; i < n; i++)
        idx[i] = P->first[k] + i;
    for (int i = 1; i < n; i++) {
        int v = idx[i], j = i;
        while (j > 0) {
            const struct slot *a = &P->slots[idx[j - 1]], *b = &P->slots[v];
            sd_time wa = a->need.latest - a->need.earliest, wb = b->need.latest - b->need.earliest;
            bool after = wa > wb || (wa == wb && a->need.minutes < b->need.minutes);
            if (!after)
                break;
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = v;
    }
    return n;
}

struct shift_key {
    sd_time start;
    int agent, k;
};

static int cmp_shift_key(const void *x, const void *y)
{
    const struct shift_key *a = x, *b = y;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->agent != b->agent)
        return a->agent < b->agent ? -1 : 1;
    return a->k - b->k;
}

static int cmp_break(const void *x, const void *y)
{
    const struct shift_break *a = x, *b = y;
    if (a->shift != b->shift)
        return a->shift < b->shift ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return 0;
}

/* Collects the needs of every shift; keeps published breaks where they stand. */
static int collect(struct placer *P)
{
    const struct snapshot *s = P->s;
    struct plan *plan = P->plan;
    struct break_need needs[BREAKS_MAX_PER_SHIFT];
    int *twins = malloc((size_t)(plan->n_shifts ? plan->n_shifts : 1) * sizeof *twins);
    if (twins == NULL || breaks_published_twins(s, plan, twins) < 0) {
        free(twins);
        return -ENOMEM;
    }
    int rc = 0;
    for (int k = 0; k < plan->n_shifts && rc == 0; k++) {
        const struct planned_shift *ps = &plan->shifts[k];
        P->first[k] = P->n_slots;
        P->count[k] = 0;
        if (ps->agent < 0 || ps->agent >= s->n_agents || ps->queue < 0 || ps->queue >= s->n_queues)
            continue;
        const struct contract *c = &s->contracts[s->agents[ps->agent].contract];
        int twin = twins[k];
        if (twin >= 0) {
            const struct published_shift *pub = &s->published[twin];
            const struct shift_break *pb =
                pub->n_breaks > 0 ? &s->published_breaks[pub->first_break] : NULL;
            /* Under way: history. Otherwise kept while the rules still accept them. */
            if (ps->start < s->now || breaks_valid(c->break_rules, c->n_break_rules, ps->start,
                                                   ps->end, pb, pub->n_breaks)) {
                for (int i = 0; i < pub->n_breaks && rc == 0; i++) {
                    rc = util_grow((void **)&P->kept, &P->cap_kept, P->n_kept + 1, sizeof *P->kept);
                    if (rc < 0)
                        break;
                    P->kept[P->n_kept] = pb[i];
                    P->kept[P->n_kept++].shift = k;
                    cover(P, ps->queue, pb[i].start, (int)((pb[i].end - pb[i].start) / 60), -1);
                }
                continue;
            }
        }
        if (ps->start < s->now)
            continue; /* never add breaks to the past */
        int n = breaks_needed(c->break_rules, c->n_break_rules, ps->start, ps->end, needs,
                              BREAKS_MAX_PER_SHIFT);
        if (n > BREAKS_MAX_PER_SHIFT)
            n = BREAKS_MAX_PER_SHIFT;
        rc = util_grow((void **)&P->slots, &P->cap_slots, P->n_slots + n, sizeof *P->slots);
        if (rc < 0)
            break;
        for (int i = 0; i < n; i++)
            P->slots[P->n_slots++] = (struct slot){.shift = k, .need = needs[i]};
        P->count[k] = n;
    }
    free(twins);
    return rc;
}

int breaks_place(const struct snapshot *s, struct plan *plan)
{
    struct placer P = {.s = s, .plan = plan};
    int rc = 0, n = plan->n_shifts;
    struct shift_key *order = NULL;
    int total_rules = 0;
    for (int c = 0; c < s->n_contracts; c++)
        total_rules += s->contracts[c].n_break_rules;
    P.first = malloc((size_t)(n ? n : 1) * sizeof *P.first);
    P.count = malloc((size_t)(n ? n : 1) * sizeof *P.count);
    P.warned = calloc((size_t)(total_rules ? total_rules : 1), sizeof *P.warned);
    P.warn_base = malloc((size_t)(s->n_contracts ? s->n_contracts : 1) * sizeof *P.warn_base);
    order = malloc((size_t)(n ? n : 1) * sizeof *order);
    if (!P.first || !P.count || !P.warned || !P.warn_base || !order) {
        rc = -ENOMEM;
        goto out;
    }
    for (int c = 0, b = 0; c < s->n_contracts; c++) {
        P.warn_base[c] = b;
        b += s->contracts[c].n_break_rules;
    }
    rc = collect(&P);
    if (rc < 0)
        goto out;

    for (int k = 0; k < n; k++)
        order[k] = (struct shift_key){plan->shifts[k].start, plan->shifts[k].agent, k};
    qsort(order, (size_t)n, sizeof *order, cmp_shift_key);

    /* Greedy, shift by shift in time order, the tightest break of each first. */
    int idx[BREAKS_MAX_PER_SHIFT];
    for (int o = 0; o < n; o++) {
        int k = order[o].k, m = order_slots(&P, k, idx);
        for (int i = 0; i < m; i++) {
            struct slot *sl = &P.slots[idx[i]];
            sd_time at;
            if (!best_start(&P, idx[i], false, &at)) {
                rc = warn_unplaced(&P, sl);
                if (rc < 0)
                    goto out;
                continue;
            }
            sl->placed = true;
            sl->at = at;
            cover(&P, plan->shifts[k].queue, at, sl->need.minutes, -1);
        }
    }
    /* Sweeps: each break moves where it now does strictly better. */
    for (int sweep = 0; sweep < SWEEPS; sweep++) {
        bool moved = false;
        for (int o = 0; o < n; o++) {
            int k = order[o].k, q = plan->shifts[k].queue;
            for (int i = P.first[k]; i < P.first[k] + P.count[k]; i++) {
                struct slot *sl = &P.slots[i];
                if (!sl->placed)
                    continue;
                sd_time at = sl->at;
                cover(&P, q, at, sl->need.minutes, +1);
                best_start(&P, i, true, &at);
                cover(&P, q, at, sl->need.minutes, -1);
                moved |= at != sl->at;
                sl->at = at;
            }
        }
        if (!moved)
            break;
    }

    /* Out: kept and placed breaks, by shift and start. */
    int total = P.n_kept;
    for (int i = 0; i < P.n_slots; i++)
        total += P.slots[i].placed;
    free(plan->breaks);
    plan->breaks = malloc((size_t)(total ? total : 1) * sizeof *plan->breaks);
    plan->n_breaks = 0;
    if (plan->breaks == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < P.n_kept; i++)
        plan->breaks[plan->n_breaks++] = P.kept[i];
    for (int i = 0; i < P.n_slots; i++) {
        const struct slot *sl = &P.slots[i];
        if (sl->placed)
            plan->breaks[plan->n_breaks++] = (struct shift_break){
                sl->shift, sl->at, sl->at + (sd_time)sl->need.minutes * 60, sl->need.paid};
    }
    qsort(plan->breaks, (size_t)plan->n_breaks, sizeof *plan->breaks, cmp_break);
out:
    free(P.slots);
    free(P.first);
    free(P.count);
    free(P.kept);
    free(P.warned);
    free(P.warn_base);
    free(order);
    return rc;
}
