/* SPDX-License-Identifier: ISC */
/*
 * hiring.c — hiring profiles from a plan's shortage (see include/hiring.h; the
 * method is explained in docs/recruitment.md).
 *
 * Owns: the contract template hires are sized in, the simulation of whole
 * hires of it against the shortage left, their grouping into profiles (a
 * queue, a local window on some weekdays, a number of hires, the hours each
 * works), what is left after them and why, and the what-if that plans again
 * with the profiles' hires; plus the words for weekly time blocks, which
 * recruit.c's explanations share. Pure: no I/O.
 *
 * Two passes. The first finds the windows: hypothetical hires available every
 * day in a window as long as the template's longest shift plus some slack,
 * starting on every hour, are planned one at a time by greedy_build() against
 * what is still short; the best one is hired if it covers at least the
 * template's minimum hours a week; hires whose shifts fall in nearly the same
 * local window join one profile, whose window becomes the envelope of their
 * shifts. The second pass sizes the profiles in order, largest first, each
 * against what the ones before it left: hypothetical hires available exactly
 * in the profile's window, one after another, while the next one still covers
 * the minimum. So each profile's prediction is what it adds to those above it,
 * which is what hiring_what_if() measures by planning again.
 *
 * The template is hiring_template.c's, the words hiring_words.c's; the three
 * share include/hiring_internal.h.
 */
#include "hiring.h"
#include "hiring_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "breaks.h"
#include "greedy.h"
#include "text.h"
#include "util.h"

#define DAYS_PER_MONTH 30.4375
#define REFILL_ROUNDS  4 /* rounds of looking for windows again after sizing */

void hiring_params_default(struct hiring_params *p)
{
    *p = (struct hiring_params){
        .attrition_per_month = 0.03,
        .weeks_to_productive = 4,
        .contract = -1,
        .min_hours_per_hire = 0,
        .builtin_hours = 20,
        .window_slack_minutes = 120,
        .window_step_minutes = 60,
        .group_tolerance_minutes = 60,
        .min_cell_shortage = 0.5,
        .max_gap_minutes = 30,
        .max_hires = 2000,
        .seed = 1,
        .cancel = NULL,
    };
}

/* ---- one hypothetical hire ------------------------------------------------ */

struct sim {
    const struct snapshot *s;
    const struct hiring_params *p;
    const struct hiring_template *tpl;
    struct contract ct;
    int lengths[HIRING_MAX_LENGTHS];
    double *residual; /* [n_queues * n_cells]: shortage not yet covered; 0 before now */
    double weeks;
    int c0;
    double min_minutes; /* a hire must cover this many agent-minutes a week */
    int hires;          /* placed so far (both passes count against max_hires) */
};

/* What one hypothetical hire would work and cover against the residual. */
struct eval {
    struct plan tmp; /* their shifts; scheduled less breaks; tmp.required is the residual */
    double covered;  /* agent-minutes a week of shortage covered */
    double minutes;  /* minutes a week worked */
};

static void eval_free(struct eval *e)
{
    free(e->tmp.shifts);
    free(e->tmp.scheduled);
    free(e->tmp.breaks);
    free(e->tmp.warnings);
    *e = (struct eval){0};
}

/* The same window on every weekday in mask (bit d - 1 for ISO day d). */
static int windows_for(unsigned mask, int start_min, int minutes, struct window *out)
{
    int n = 0;
    for (int d = 1; d <= 7; d++)
        if (mask & (1u << (d - 1)))
            out[n++] = (struct window){.weekday = d,
                                       .start_min = start_min % 1440,
                                       .end_min = (start_min + minutes) % 1440,
                                       .valid_from = INT32_MIN,
                                       .valid_until = INT32_MAX};
    return n;
}

/* The agent a hire of the template for queue q would be (skills: q only). */
static void hire_agent(const struct snapshot *s, int *q, int contract, struct window *w, int nw,
                       int64_t id, struct agent *out)
{
    *out = (struct agent){
        .id = id,
        .name = (char *)"hypothetical hire",
        .tz = s->queues[*q].tz,
        .contract = contract,
        .n_skills = 1,
        .skills = q,
        .n_windows = nw,
        .windows = w,
    };
}

/*
 * Plans one hire of the template for queue q, available in windows w, alone
 * against the residual, exactly as the scheduler would (greedy_build, then
 * breaks_place when the template has break rules).
 */
static int sim_eval(const struct sim *m, int q, struct window *w, int nw, struct eval *e)
{
    const struct snapshot *s = m->s;
    *e = (struct eval){0};
    int qq = q;
    struct agent ag;
    struct contract ct = m->ct;
    hire_agent(s, &qq, 0, w, nw, -1, &ag);
    struct snapshot one = *s;
    one.n_agents = 1;
    one.agents = &ag;
    one.n_contracts = 1;
    one.contracts = &ct;
    one.n_published = 0;
    one.published = NULL;
    one.n_published_breaks = 0;
    one.published_breaks = NULL;
    one.n_candidates = 0;
    one.candidates = NULL;

    e->tmp.required = m->residual;
    struct greedy_params gp = {.seed = m->p->seed};
    int rc = greedy_build(&one, &gp, &e->tmp);
    if (rc == 0 && ct.n_break_rules > 0 && e->tmp.n_shifts > 0)
        rc = breaks_place(&one, &e->tmp);
    if (rc < 0) {
        eval_free(e);
        return rc;
    }
    double cells = 0, minutes = 0;
    for (int c = m->c0; c < s->n_cells; c++) {
        size_t k = cell_index(s, q, c);
        int n = e->tmp.scheduled[k];
        if (n > 0 && m->residual[k] > 0)
            cells += m->residual[k] < n ? m->residual[k] : n;
    }
    for (int i = 0; i < e->tmp.n_shifts; i++)
        minutes += (double)(e->tmp.shifts[i].end - e->tmp.shifts[i].start) / 60;
    e->covered = m->weeks > 0 ? cells * SLOT_MINUTES / m->weeks : 0;
    e->minutes = m->weeks > 0 ? minutes / m->weeks : 0;
    return 0;
}

/* The hire of e is made: what it covers leaves the residual. */
static void sim_apply(struct sim *m, int q, const struct eval *e)
{
    for (int c = m->c0; c < m->s->n_cells; c++) {
        size_t k = cell_index(m->s, q, c);
        int n = e->tmp.scheduled[k];
        if (n > 0 && m->residual[k] > 0)
            m->residual[k] -= m->residual[k] < n ? m->residual[k] : n;
    }
    m->hires++;
}

static bool cancelled(const struct sim *m)
{
    return m->p->cancel != NULL && atomic_load(m->p->cancel);
}

/* ---- pass 1: the windows ------------------------------------------------- */

/*
 * A profile in the making. Its shifts are placed in a frame whose days begin
 * at minute `ref` of the local day, half a day before the middle of the window
 * that started it, so that a window across midnight stays in one piece.
 */
struct draft {
    int queue;
    int ref;
    unsigned fdays; /* frame days (bit d - 1: ISO weekday d) a shift of it started on */
    int lo, hi;     /* envelope of its shifts, minutes after the frame day's start */
    int count;
    double covered;
    int seq;
};

struct draft_vec {
    struct draft *v;
    int n, cap;
};

/* Frame day, weekday bit and envelope of e's shifts in the frame starting at ref. */
static void frame_of(const struct sim *m, int q, const struct eval *e, int ref, unsigned *days,
                     int *lo, int *hi)
{
    const struct tz_table *tz = queue_tz(m->s, q);
    *days = 0;
    *lo = 1440 * 2;
    *hi = -1;
    for (int i = 0; i < e->tmp.n_shifts; i++) {
        const struct planned_shift *sh = &e->tmp.shifts[i];
        sd_time local = sh->start + (tz != NULL ? tz_offset_at(tz, sh->start) : 0);
        int64_t x = local - (int64_t)ref * 60;
        int64_t day = util_floor_div(x, 86400);
        int rel = (int)((x - day * 86400) / 60);
        int len = (int)((sh->end - sh->start) / 60);
        *days |= 1u << (day_weekday((int32_t)day) - 1);
        if (rel < *lo)
            *lo = rel;
        if (rel + len > *hi)
            *hi = rel + len;
    }
}

/*
 * Joins the hire e, found in the window starting at ws, to the draft of queue
 * q whose window it widens least (by at most the tolerance, and to at most the
 * window length plus the tolerance), else starts a draft of its own.
 */
static int draft_attach(const struct sim *m, struct draft_vec *dv, int q, int ws,
                        const struct eval *e)
{
    int W = m->tpl->window_minutes, tol = m->p->group_tolerance_minutes;
    int best = -1, best_widen = 0;
    unsigned best_days = 0;
    int best_lo = 0, best_hi = 0;
    for (int i = 0; i < dv->n; i++) {
        struct draft *d = &dv->v[i];
        if (d->queue != q)
            continue;
        unsigned days;
        int lo, hi;
        frame_of(m, q, e, d->ref, &days, &lo, &hi);
        int ulo = lo < d->lo ? lo : d->lo, uhi = hi > d->hi ? hi : d->hi;
        int own = d->hi - d->lo > hi - lo ? d->hi - d->lo : hi - lo;
        int widen = (uhi - ulo) - own;
        if (uhi - ulo > W + tol || widen > tol)
            continue;
        if (best < 0 || widen < best_widen) {
            best = i;
            best_widen = widen;
            best_days = days;
            best_lo = ulo;
            best_hi = uhi;
        }
    }
    if (best >= 0) {
        struct draft *d = &dv->v[best];
        d->fdays |= best_days;
        d->lo = best_lo;
        d->hi = best_hi;
        d->count++;
        d->covered += e->covered;
        return 0;
    }
    int rc = util_grow((void **)&dv->v, &dv->cap, dv->n + 1, sizeof *dv->v);
    if (rc < 0)
        return rc;
    struct draft d = {.queue = q, .count = 1, .covered = e->covered, .seq = dv->n};
    d.ref = ((ws + W / 2 - 720) % 1440 + 1440) % 1440;
    frame_of(m, q, e, d.ref, &d.fdays, &d.lo, &d.hi);
    dv->v[dv->n++] = d;
    return 0;
}

/* A window to try in pass 1: a queue and a start, every day; value as last computed. */
struct trial {
    double value; /* agent-minutes a week one more hire covers (an upper bound when stale) */
    double room;  /* what the window could take at one agent a cell (window_bound) */
    int queue, start, stamp;
};

/*
 * Best value first; among equals the window with more short cells in it, so
 * that a hire whose weekly hours run out before the evening does is placed
 * where a longer shift reaches its end (17:00-22:00 in five-hour shifts, not
 * 17:00-21:00 in four-hour ones, which would leave an hour no hire can take).
 */
static bool trial_before(const struct trial *a, const struct trial *b)
{
    if (a->value != b->value)
        return a->value > b->value;
    if (a->room != b->room)
        return a->room > b->room;
    if (a->queue != b->queue)
        return a->queue < b->queue;
    return a->start < b->start;
}

static bool trial_first(const void *a, const void *b)
{
    return trial_before(a, b);
}

/* The pass's heap of trials (util_heap_push: room for *n + 1). */
static void trial_push(struct trial *h, int *n, struct trial t)
{
    util_heap_push(h, n, sizeof *h, &t, trial_first);
}

static struct trial trial_pop(struct trial *h, int *n)
{
    struct trial top;
    util_heap_pop(h, n, sizeof *h, &top, trial_first);
    return top;
}

/* Evaluates one hire in the every-day window starting at `start` on queue q. */
static int trial_eval(const struct sim *m, int q, int start, struct eval *e)
{
    struct window w[7];
    int nw = windows_for(MASK_ALL, start, m->tpl->window_minutes, w);
    return sim_eval(m, q, w, nw, e);
}

/*
 * The most one hire in the every-day window at `start` could cover: one agent
 * in each short cell of the window (minutes a week). Windows below the
 * minimum are not tried at all.
 */
static double window_bound(const struct sim *m, int q, int start)
{
    const struct snapshot *s = m->s;
    const struct tz_table *tz = queue_tz(s, q);
    double cells = 0;
    for (int c = m->c0; c < s->n_cells; c++) {
        double r = m->residual[cell_index(s, q, c)];
        if (r <= 0)
            continue;
        sd_time t = s->horizon_start + (sd_time)c * SD_CELL_SECONDS;
        sd_time local = t + (tz != NULL ? tz_offset_at(tz, t) : 0);
        int minute = (int)((local - util_floor_div(local, 86400) * 86400) / 60);
        if (((minute - start) % 1440 + 1440) % 1440 < m->tpl->window_minutes)
            cells += r < 1 ? r : 1;
    }
    return m->weeks > 0 ? cells * SLOT_MINUTES / m->weeks : 0;
}

static bool queue_usable(const struct snapshot *s, int q)
{
    return queue_tz(s, q) != NULL;
}

static int pass_windows(struct sim *m, struct draft_vec *dv, bool *capped)
{
    const struct snapshot *s = m->s;
    int step = m->p->window_step_minutes > 0 ? m->p->window_step_minutes : 60;
    int per_queue = (1440 + step - 1) / step;
    int cap = s->n_queues * per_queue, n = 0, rc = 0;
    struct trial *heap = malloc((size_t)(cap ? cap : 1) * sizeof *heap);
    if (heap == NULL)
        return -ENOMEM;
    for (int q = 0; q < s->n_queues; q++) {
        if (!queue_usable(s, q))
            continue;
        for (int st = 0; st < 1440; st += step) {
            double room = window_bound(m, q, st);
            if (room < m->min_minutes)
                continue;
            trial_push(heap, &n,
                       (struct trial){
                           .value = INFINITY, .room = room, .queue = q, .start = st, .stamp = -1});
        }
    }
    /*
     * Lazy greedy: a value computed before the last hire is an upper bound
     * (what is left only shrinks), so only the top is recomputed until the top
     * is current; a current top is the best hire to make now.
     */
    while (n > 0) {
        if (cancelled(m)) {
            rc = -ECANCELED;
            break;
        }
        struct trial t = trial_pop(heap, &n);
        struct eval e;
        if (t.stamp != m->hires) {
            rc = trial_eval(m, t.queue, t.start, &e);
            if (rc < 0)
                break;
            t.value = e.covered;
            t.room = window_bound(m, t.queue, t.start);
            t.stamp = m->hires;
            eval_free(&e);
            if (t.value >= m->min_minutes)
                trial_push(heap, &n, t);
            continue;
        }
        if (m->hires >= m->p->max_hires) {
            *capped = true;
            break;
        }
        rc = trial_eval(m, t.queue, t.start, &e);
        if (rc == 0)
            rc = draft_attach(m, dv, t.queue, t.start, &e);
        if (rc == 0)
            sim_apply(m, t.queue, &e);
        eval_free(&e);
        if (rc < 0)
            break;
        trial_push(heap, &n, t); /* stale now: recomputed when it comes up again */
    }
    free(heap);
    return rc;
}

/* ---- pass 2: the profiles, sized in order ------------------------------- */

static int cmp_draft(const void *x, const void *y)
{
    const struct draft *a = x, *b = y;
    if (a->covered != b->covered)
        return a->covered > b->covered ? -1 : 1;
    return (a->seq > b->seq) - (a->seq < b->seq);
}

static unsigned rotate_days(unsigned mask)
{
    return ((mask << 1) | (mask >> 6)) & MASK_ALL;
}

/* The profile's window from a draft's frame. */
static void draft_window(const struct draft *d, struct hiring_profile *f)
{
    int abs_start = d->ref + d->lo, dur = d->hi - d->lo;
    f->queue = d->queue;
    f->weekdays = abs_start >= 1440 ? rotate_days(d->fdays) : d->fdays;
    f->start_min = abs_start % 1440;
    f->end_min = stored_end(f->start_min + dur);
    if (dur >= 1440)
        f->end_min = f->start_min;
}

static int profile_minutes(const struct hiring_profile *f)
{
    int end = f->end_min <= f->start_min ? f->end_min + 1440 : f->end_min;
    return end - f->start_min;
}

int hiring_profile_windows(const struct hiring_profile *f, struct window *out)
{
    return windows_for(f->weekdays, f->start_min, profile_minutes(f), out);
}

/* Agent-minutes a week short in the profile's window, and the most agents short at once. */
static void window_shortage(const struct sim *m, const struct hiring_profile *f, double *minutes,
                            double *peak)
{
    double avg[WEEK_SLOTS];
    hiring_weekly_average(m->s, m->residual, f->queue, avg);
    int s0 = f->start_min / SLOT_MINUTES,
        ns = (profile_minutes(f) + SLOT_MINUTES - 1) / SLOT_MINUTES;
    *minutes = *peak = 0;
    for (int d = 0; d < 7; d++) {
        if (!(f->weekdays & (1u << d)))
            continue;
        for (int i = 0; i < ns; i++) {
            double v = avg[(d * SLOTS_PER_DAY + s0 + i) % WEEK_SLOTS];
            *minutes += v * SLOT_MINUTES;
            if (v > *peak)
                *peak = v;
        }
    }
}

static void profile_words(const struct sim *m, struct hiring_profile *f)
{
    const struct snapshot *s = m->s;
    const struct hiring_template *t = m->tpl;
    const struct hiring_params *p = m->p;
    const char *qn = s->queues[f->queue].name;
    char hours[48], lens[32];
    hiring_block_label(f->weekdays, f->start_min, f->start_min + profile_minutes(f),
                       hiring_tz_name(s, s->queues[f->queue].tz), f->label, sizeof f->label);
    hiring_hours_range_words(f->minutes_min, f->minutes_max, hours, sizeof hours);
    hiring_lengths_words(t, lens, sizeof lens);
    say(f->ad, sizeof f->ad, "%d %s for %s, %s, %s ('%s')", f->hires,
        f->hires == 1 ? "hire" : "hires", qn, f->label, hours, t->c.name);
    double factor = f->productive > 0 ? f->hires_exact / f->productive : 1;
    say(f->reason, sizeof f->reason,
        "%s is short %.1f agent-hours a week %s, up to %.1f agents at once; %d %s of '%s' "
        "(%s shifts) available then would work %s and cover %.1f h of that shortage, each "
        "at least %.1f h; +%.1f %% for attrition (%.0f %%/month over %.0f weeks to "
        "productive): %.2f, so %d",
        qn, f->window_short / 60, f->label, f->peak_agents, f->productive,
        f->productive == 1 ? "hire" : "hires", t->c.name, lens, hours, f->covered / 60,
        t->min_hours, (factor - 1) * 100, p->attrition_per_month * 100, p->weeks_to_productive,
        f->hires_exact, f->hires);
}

/* Hires in the profile's window, one after another, while the next one covers the minimum. */
static int size_profile(struct sim *m, struct hiring_profile *f, bool *capped)
{
    struct window w[7];
    int nw = hiring_profile_windows(f, w);
    int rc = 0;
    double total = 0;
    window_shortage(m, f, &f->window_short, &f->peak_agents);
    for (;;) {
        if (cancelled(m))
            return -ECANCELED;
        if (m->hires >= m->p->max_hires) {
            *capped = true;
            break;
        }
        struct eval e;
        rc = sim_eval(m, f->queue, w, nw, &e);
        if (rc < 0)
            return rc;
        if (e.covered < m->min_minutes || e.covered <= 0) {
            eval_free(&e);
            break;
        }
        sim_apply(m, f->queue, &e);
        /* Partial ISO weeks at the horizon's ends allow more than a week's maximum. */
        double worked =
            e.minutes < m->ct.max_minutes_per_week ? e.minutes : m->ct.max_minutes_per_week;
        if (f->productive == 0 || worked < f->minutes_min)
            f->minutes_min = worked;
        if (worked > f->minutes_max)
            f->minutes_max = worked;
        total += worked;
        f->covered += e.covered;
        f->productive++;
        eval_free(&e);
    }
    f->minutes_mean = f->productive > 0 ? total / f->productive : 0;
    return rc;
}

/* ---- what is left ------------------------------------------------------- */

static int explain_left(struct sim *m, int q, struct hiring_queue *hq, bool capped)
{
    const struct snapshot *s = m->s;
    const struct hiring_template *t = m->tpl;
    char blocks[200];
    hq->next_best = 0;
    hq->left_reason[0] = '\0';
    if (hq->left <= 0)
        return 0;
    int step = m->p->window_step_minutes > 0 ? m->p->window_step_minutes : 60;
    for (int st = 0; st < 1440 && queue_usable(s, q); st += step) {
        if (window_bound(m, q, st) <= hq->next_best)
            continue;
        struct eval e;
        int rc = trial_eval(m, q, st, &e);
        if (rc < 0)
            return rc;
        if (e.covered > hq->next_best)
            hq->next_best = e.covered;
        eval_free(&e);
    }
    int rc = hiring_left_blocks_words(s, m->p, m->residual, q, blocks, sizeof blocks);
    if (rc < 0)
        return rc;
    const char *qn = s->queues[q].name;
    if (capped)
        say(hq->left_reason, sizeof hq->left_reason,
            "%s: %.1f agent-hours a week left: sizing stopped at %d hires in all", qn,
            hq->left / 60, m->p->max_hires);
    else if (hq->next_best >= m->min_minutes)
        say(hq->left_reason, sizeof hq->left_reason,
            "%s: %.1f agent-hours a week left%s%s: one more hire of '%s' available every day "
            "would cover %.1f h a week of it, but the sizing found no window of the template "
            "where a hire keeps covering %.1f h; left to re-planning and the current team",
            qn, hq->left / 60, blocks[0] ? ", mostly " : "", blocks, t->c.name, hq->next_best / 60,
            t->min_hours);
    else if (blocks[0] != '\0')
        say(hq->left_reason, sizeof hq->left_reason,
            "%s: %.1f agent-hours a week left, mostly %s: one more hire of '%s' would cover "
            "at most %.1f h a week of it, below the %.1f h a hire must cover; left to "
            "re-planning and the current team",
            qn, hq->left / 60, blocks, t->c.name, hq->next_best / 60, t->min_hours);
    else
        say(hq->left_reason, sizeof hq->left_reason,
            "%s: %.1f agent-hours a week left, spread thinly (no slot is %.1f agents short in "
            "an average week): one more hire of '%s' would cover at most %.1f h a week of it, "
            "below the %.1f h a hire must cover",
            qn, hq->left / 60, m->p->min_cell_shortage, t->c.name, hq->next_best / 60,
            t->min_hours);
    return 0;
}

/* ---- the whole sizing --------------------------------------------------- */

void hiring_result_free(struct hiring_result *r)
{
    if (r == NULL)
        return;
    free(r->profiles);
    free(r->queues);
    free(r->residual);
    *r = (struct hiring_result){0};
}

static double queue_sum(const struct sim *m, const double *v, int q)
{
    double sum = 0;
    for (int c = m->c0; c < m->s->n_cells; c++)
        sum += v[cell_index(m->s, q, c)];
    return m->weeks > 0 ? sum * SLOT_MINUTES / m->weeks : 0;
}

/* Sizes the drafts in dv, largest first, appending the profiles that get hires to out. */
static int size_drafts(struct sim *m, struct draft_vec *dv, struct hiring_result *out, bool *capped)
{
    const struct hiring_params *p = m->p;
    if (dv->n > 1)
        qsort(dv->v, (size_t)dv->n, sizeof *dv->v, cmp_draft);
    struct hiring_profile *grown =
        realloc(out->profiles, (size_t)(out->n_profiles + dv->n + 1) * sizeof *out->profiles);
    if (grown == NULL)
        return -ENOMEM;
    out->profiles = grown;
    double factor = 1 + p->attrition_per_month * p->weeks_to_productive * 7.0 / DAYS_PER_MONTH;
    for (int i = 0; i < dv->n && !*capped; i++) {
        struct hiring_profile *f = &out->profiles[out->n_profiles];
        *f = (struct hiring_profile){0};
        draft_window(&dv->v[i], f);
        int rc = size_profile(m, f, capped);
        if (rc < 0)
            return rc;
        if (f->productive == 0)
            continue; /* what it would have covered went to the profiles above */
        f->hires_exact = f->productive * factor;
        /* Whole people: the productive hires, the allowance to the nearest person. */
        long allowed = lround(f->hires_exact);
        f->hires = allowed > f->productive ? (int)allowed : f->productive;
        profile_words(m, f);
        out->n_profiles++;
        out->hires += f->hires;
        out->productive += f->productive;
        out->queues[f->queue].hires += f->hires;
    }
    return 0;
}

int hiring_size(const struct snapshot *s, const struct plan *plan, const struct hiring_params *p,
                struct hiring_result *out)
{
    struct sim m = {.s = s, .p = p, .weeks = future_weeks(s), .c0 = first_future_cell(s)};
    struct draft_vec dv = {0};
    size_t ncov = (size_t)s->n_queues * (size_t)s->n_cells;
    double *saved = NULL;
    bool capped = false;
    int rc;
    *out = (struct hiring_result){.weeks = m.weeks};
    rc = hiring_template_pick(s, p, &out->tpl);
    if (rc < 0)
        return rc;
    m.tpl = &out->tpl;
    hiring_template_contract(&out->tpl, m.lengths, &m.ct);
    m.min_minutes = out->tpl.min_hours * 60;
    if (m.min_minutes < SLOT_MINUTES)
        m.min_minutes = SLOT_MINUTES;

    m.residual = malloc((ncov ? ncov : 1) * sizeof *m.residual);
    saved = malloc((ncov ? ncov : 1) * sizeof *saved);
    out->n_queues = s->n_queues;
    out->queues = calloc((size_t)(s->n_queues ? s->n_queues : 1), sizeof *out->queues);
    if (m.residual == NULL || saved == NULL || out->queues == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (int q = 0; q < s->n_queues; q++)
        for (int c = 0; c < s->n_cells; c++) {
            size_t k = cell_index(s, q, c);
            m.residual[k] = c >= m.c0 && plan->shortage[k] > 0 ? plan->shortage[k] : 0;
        }
    for (int q = 0; q < s->n_queues; q++)
        out->queues[q].shortage = queue_sum(&m, m.residual, q);

    rc = pass_windows(&m, &dv, &capped);
    if (rc < 0)
        goto out;

    /* Pass 2 from the plan's shortage again, the largest drafts first. */
    for (size_t k = 0; k < ncov; k++)
        m.residual[k] =
            (int)(k % (size_t)(s->n_cells ? s->n_cells : 1)) >= m.c0 && plan->shortage[k] > 0
                ? plan->shortage[k]
                : 0;
    m.hires = 0;
    capped = false;
    /*
     * Sizing in the profiles' exact windows leaves a residual the first pass
     * never saw, where an every-day window may again be worth a hire: look
     * for windows again from there, a few rounds, until none is.
     */
    for (int round = 0; round < REFILL_ROUNDS && !capped; round++) {
        if (round > 0) {
            int hires = m.hires;
            memcpy(saved, m.residual, ncov * sizeof *saved);
            dv.n = 0;
            rc = pass_windows(&m, &dv, &capped);
            memcpy(m.residual, saved, ncov * sizeof *saved);
            m.hires = hires;
            capped = false;
            if (rc < 0)
                goto out;
            if (dv.n == 0)
                break;
        }
        int before = out->productive;
        rc = size_drafts(&m, &dv, out, &capped);
        if (rc < 0)
            goto out;
        if (out->productive == before)
            break;
    }
    out->capped = capped;
    for (int q = 0; q < s->n_queues; q++) {
        struct hiring_queue *hq = &out->queues[q];
        hq->left = queue_sum(&m, m.residual, q);
        hq->covered = hq->shortage - hq->left;
        out->shortage += hq->shortage;
        out->covered += hq->covered;
        out->left += hq->left;
        if (cancelled(&m)) {
            rc = -ECANCELED;
            goto out;
        }
        rc = explain_left(&m, q, hq, capped);
        if (rc < 0)
            goto out;
    }
    out->residual = m.residual;
    m.residual = NULL;
out:
    free(dv.v);
    free(m.residual);
    free(saved);
    if (rc < 0)
        hiring_result_free(out);
    return rc;
}

/* ---- what if the profiles were hired ---------------------------------------- */

void hiring_check_free(struct hiring_check *c)
{
    if (c == NULL)
        return;
    free(c->steps);
    free(c->queue_after);
    *c = (struct hiring_check){0};
}

static double shortage_per_week(const struct snapshot *s, const struct plan *plan, int q)
{
    double weeks = future_weeks(s), sum = 0;
    if (weeks <= 0)
        return 0;
    for (int c = first_future_cell(s); c < s->n_cells; c++)
        sum += plan->shortage[cell_index(s, q, c)];
    return sum * SLOT_MINUTES / weeks;
}

int hiring_what_if(const struct snapshot *s, const struct plan *base, const struct hiring_result *r,
                   int top, const struct plan_params *pp, struct hiring_check *out)
{
    int rc = 0, na = s->n_agents, nk = s->n_contracts, np = r->n_profiles, total = 0;
    struct plan after = {0};
    struct snapshot ext = *s;
    *out = (struct hiring_check){0};
    if (top < 0 || r->n_queues != s->n_queues)
        return -EINVAL;
    for (int i = 0; i < np; i++) {
        if (r->profiles[i].queue < 0 || r->profiles[i].queue >= s->n_queues)
            return -EINVAL;
        total += r->profiles[i].productive;
    }
    if (r->tpl.contract >= nk)
        return -EINVAL;
    if (top > np)
        top = np;

    struct agent *agents = malloc((size_t)(na + total + 1) * sizeof *agents);
    struct contract *contracts = malloc((size_t)(nk + 1) * sizeof *contracts);
    struct window *windows = malloc((size_t)(np + 1) * 7 * sizeof *windows);
    int *skills = malloc((size_t)(np + 1) * sizeof *skills);
    int *first = malloc((size_t)(np + 2) * sizeof *first); /* agents of profile i from first[i] */
    struct published_shift *pub = malloc((size_t)(base->n_shifts + 1) * sizeof *pub);
    out->steps = calloc((size_t)(top + 2), sizeof *out->steps);
    out->n_queues = s->n_queues;
    out->queue_after = calloc((size_t)(s->n_queues + 1), sizeof *out->queue_after);
    if (!agents || !contracts || !windows || !skills || !first || !pub || !out->steps ||
        !out->queue_after) {
        rc = -ENOMEM;
        goto out;
    }
    if (na > 0)
        memcpy(agents, s->agents, (size_t)na * sizeof *agents);
    if (nk > 0)
        memcpy(contracts, s->contracts, (size_t)nk * sizeof *contracts);
    int tc = r->tpl.contract, lengths[HIRING_MAX_LENGTHS];
    if (tc < 0) {
        hiring_template_contract(&r->tpl, lengths, &contracts[nk]);
        tc = nk;
    }
    int a = na;
    for (int i = 0; i < np; i++) {
        const struct hiring_profile *f = &r->profiles[i];
        skills[i] = f->queue;
        int nw = hiring_profile_windows(f, &windows[i * 7]);
        first[i] = a;
        for (int k = 0; k < f->productive; k++, a++)
            hire_agent(s, &skills[i], tc, &windows[i * 7], nw, -(int64_t)(a - na + 1), &agents[a]);
    }
    first[np] = a;
    ext.agents = agents;
    ext.contracts = contracts;
    ext.n_contracts = r->tpl.contract < 0 ? nk + 1 : nk;
    /* As recruit_what_if: the base plan stands in for the published schedule. */
    int npub = 0;
    for (int i = 0; i < base->n_shifts; i++) {
        const struct planned_shift *sh = &base->shifts[i];
        if (sh->agent < 0 || sh->agent >= na || sh->queue < 0 || sh->queue >= s->n_queues)
            continue;
        pub[npub++] = (struct published_shift){.agent = sh->agent,
                                               .queue = sh->queue,
                                               .agent_id = s->agents[sh->agent].id,
                                               .queue_id = s->queues[sh->queue].id,
                                               .start = sh->start,
                                               .end = sh->end};
    }
    ext.published = pub;
    ext.n_published = npub;
    ext.n_published_breaks = 0;
    ext.published_breaks = NULL;

    for (int q = 0; q < s->n_queues; q++)
        out->shortage_before += shortage_per_week(s, base, q);
    double prev = out->shortage_before;
    int done = 0;
    while (done < np) {
        int upto = out->n_steps < top ? done + 1 : np;
        ext.n_agents = first[upto];
        rc = plan_run(&ext, pp, &after);
        if (rc < 0)
            goto out;
        struct hiring_check_step *st = &out->steps[out->n_steps++];
        st->profiles = upto;
        st->agents = first[upto] - na;
        for (int i = done; i < upto; i++)
            st->predicted += r->profiles[i].covered;
        for (int q = 0; q < s->n_queues; q++) {
            double sh = shortage_per_week(s, &after, q);
            st->shortage_after += sh;
            if (upto == np)
                out->queue_after[q] = sh;
        }
        st->realised = prev - st->shortage_after;
        prev = st->shortage_after;
        done = upto;
        plan_free(&after);
    }
    if (np == 0)
        for (int q = 0; q < s->n_queues; q++)
            out->queue_after[q] = shortage_per_week(s, base, q);
out:
    plan_free(&after);
    free(agents);
    free(contracts);
    free(windows);
    free(skills);
    free(first);
    free(pub);
    if (rc < 0)
        hiring_check_free(out);
    return rc;
}
