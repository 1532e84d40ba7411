/* SPDX-License-Identifier: ISC */
/*
 * recruit.c — hiring needs and applicant ranking from a plan's shortage (see
 * include/recruit.h; the model is explained in docs/recruitment.md).
 *
 * Owns: the greedy ranking of snapshot.candidates, the --what-if re-plans
 * (applicants hired, another assistant's share), the one-line explanations
 * that go with them, and running the hiring profiles (hiring.c, the needs)
 * with the ranking. Pure: no I/O. Their JSON and text renderings are
 * recruit_report.c's.
 *
 * What a candidate "could cover" is never computed by rules of our own: the
 * candidate becomes the only agent of a shallow copy of the snapshot, under a
 * default contract, and greedy_build() plans them against the shortage that
 * is still uncovered. Its shifts are their pattern; the shortage they remove is
 * their value.
 */
#include "recruit.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "greedy.h"
#include "hiring.h"
#include "text.h"
#include "util.h"

#define SLOT_MINUTES (SD_CELL_SECONDS / 60)

/* The default contract a candidate is judged under (docs/recruitment.md). */
static const int default_lengths[RECRUIT_MAX_LENGTHS] = {240, 300, 360, 480};
#define DEFAULT_STEP       30
#define DEFAULT_MAX_DAYS   5
#define DEFAULT_MAX_CONSEC 5
#define DEFAULT_REST       660

void recruit_params_default(struct recruit_params *p)
{
    *p = (struct recruit_params){
        .attrition_per_month = 0.03,
        .weeks_to_productive = 4,
        .hours_per_hire = 20,
        .contract = -1,
        .min_hours_per_hire = 0,
        .window_slack_minutes = 120,
        .min_cell_shortage = 0.5,
        .max_gap_minutes = 30,
        .group_tolerance_minutes = 60,
        .score_weight = 0.4,
        .unscored_score = 50,
        .seed = 1,
        .cancel = NULL,
    };
}

/* One-line messages: cut short on a character boundary ("…") when they do not fit. */
__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* ---- horizon ------------------------------------------------------------- */

/* Cells before `now` cannot be staffed any more by anyone: they are not a need. */
static int first_future_cell(const struct snapshot *s)
{
    return snapshot_first_future_cell(s);
}

static double future_weeks(const struct snapshot *s)
{
    return (double)(s->n_cells - first_future_cell(s)) * SD_CELL_SECONDS / (7.0 * 86400);
}

static size_t cell_index(const struct snapshot *s, int queue, int cell)
{
    return (size_t)queue * (size_t)s->n_cells + (size_t)cell;
}

static const struct tz_table *tz_of(const struct snapshot *s, int tz)
{
    return tz >= 0 && tz < s->n_tzs ? &s->tzs[tz] : NULL;
}

static int32_t offset_at(const struct tz_table *tz, sd_time t)
{
    return tz != NULL ? tz_offset_at(tz, t) : 0;
}

/* ---- hiring needs: the profiles of hiring.c ------------------------------ */

static void hiring_params_from(const struct recruit_params *p, struct hiring_params *hp)
{
    hiring_params_default(hp);
    hp->attrition_per_month = p->attrition_per_month;
    hp->weeks_to_productive = p->weeks_to_productive;
    hp->contract = p->contract;
    hp->min_hours_per_hire = p->min_hours_per_hire;
    hp->builtin_hours = p->hours_per_hire;
    hp->window_slack_minutes = p->window_slack_minutes;
    hp->group_tolerance_minutes = p->group_tolerance_minutes;
    hp->min_cell_shortage = p->min_cell_shortage;
    hp->max_gap_minutes = p->max_gap_minutes;
    hp->seed = p->seed;
    hp->cancel = p->cancel;
}

int recruit_needs(const struct snapshot *s, const struct plan *plan, const struct recruit_params *p,
                  struct hiring_result *out)
{
    struct hiring_params hp;
    hiring_params_from(p, &hp);
    return hiring_size(s, plan, &hp, out);
}

int recruit_check_profiles(const struct snapshot *s, const struct plan *base,
                           const struct recruit_result *rr, int top, const struct recruit_params *p,
                           struct hiring_check *out)
{
    struct plan_params pp = {.seed = p->seed, .cancel = p->cancel, .freeze_until = p->freeze_until};
    return hiring_what_if(s, base, &rr->hiring, top, &pp, out);
}

/* ---- candidates as agents --------------------------------------------- */

void recruit_default_contract(const struct candidate *c, int *lengths, struct contract *out)
{
    int n = 0;
    for (int i = 0; i < RECRUIT_MAX_LENGTHS; i++)
        if (default_lengths[i] <= c->minutes_per_week)
            lengths[n++] = default_lengths[i];
    /* Someone who wants less than 4 h a week works one shorter shift. */
    if (n == 0 && c->minutes_per_week >= 15)
        lengths[n++] = c->minutes_per_week / 15 * 15;
    *out = (struct contract){
        .id = 0,
        .name = (char *)"recruitment default",
        .min_minutes_per_week = 0,
        .max_minutes_per_week = c->minutes_per_week,
        .max_days_per_week = DEFAULT_MAX_DAYS,
        .max_consecutive_days = DEFAULT_MAX_CONSEC,
        .min_rest_minutes = DEFAULT_REST,
        .shift_start_step_minutes = DEFAULT_STEP,
        .n_lengths = n,
        .shift_lengths_minutes = lengths,
    };
}

void recruit_candidate_agent(const struct candidate *c, int contract, struct agent *out)
{
    /* A negative id: never mistaken for a real agent in a message or a check. */
    *out = (struct agent){
        .id = -c->id,
        .name = c->name,
        .tz = c->tz,
        .contract = contract,
        .n_skills = c->n_skills,
        .skills = c->skills,
        .n_windows = c->n_windows,
        .windows = c->windows,
    };
}

int recruit_find_candidate(const struct snapshot *s, int64_t id)
{
    for (int i = 0; i < s->n_candidates; i++)
        if (s->candidates[i].id == id)
            return i;
    return -1;
}

/* ---- ranking -------------------------------------------------------------- */

struct ranker {
    const struct snapshot *s;
    const struct recruit_params *p;
    double *residual;    /* shortage not yet covered, per queue cell */
    double *queue_left;  /* per queue: sum of residual */
    const double *left0; /* per queue: the plan's shortage, before anyone was ranked */
    double weeks;
};

/*
 * The pattern greedy_build() finds for candidate c alone against the
 * residual shortage, and the agent-minutes of it that the residual needs.
 */
static int evaluate(const struct ranker *r, const struct candidate *c, double *minutes,
                    struct planned_shift **shifts, int *n_shifts)
{
    const struct snapshot *s = r->s;
    int rc = 0;
    *minutes = 0;
    *shifts = NULL;
    *n_shifts = 0;
    bool useful = false;
    for (int k = 0; k < c->n_skills; k++)
        useful |=
            c->skills[k] >= 0 && c->skills[k] < s->n_queues && r->queue_left[c->skills[k]] > 0;
    if (!useful || c->n_windows == 0 || c->tz < 0 || c->tz >= s->n_tzs)
        return 0;

    int lengths[RECRUIT_MAX_LENGTHS];
    struct contract ct;
    struct agent ag;
    recruit_default_contract(c, lengths, &ct);
    if (ct.n_lengths == 0)
        return 0;
    recruit_candidate_agent(c, 0, &ag);
    struct snapshot one = *s;
    one.n_agents = 1;
    one.agents = &ag;
    one.n_contracts = 1;
    one.contracts = &ct;
    one.n_published = 0;
    one.published = NULL;
    one.n_candidates = 0;
    one.candidates = NULL;

    struct plan tmp = {.required = r->residual};
    struct greedy_params sp = {.seed = r->p->seed, .cancel = NULL};
    rc = greedy_build(&one, &sp, &tmp);
    if (rc < 0)
        goto out;
    double covered = 0;
    for (int i = 0; i < tmp.n_shifts; i++) {
        int c0, c1;
        snapshot_span_cells(s, tmp.shifts[i].start, tmp.shifts[i].end, &c0, &c1);
        for (int cell = c0; cell < c1; cell++) {
            double left = r->residual[cell_index(s, tmp.shifts[i].queue, cell)];
            covered += left < 1 ? (left > 0 ? left : 0) : 1;
        }
    }
    *minutes = covered * SLOT_MINUTES;
    *shifts = tmp.shifts;
    *n_shifts = tmp.n_shifts;
    tmp.shifts = NULL;
out:
    free(tmp.shifts);
    free(tmp.scheduled);
    return rc;
}

static double score_of(const struct recruit_params *p, const struct candidate *c)
{
    return c->score >= 0 ? c->score : p->unscored_score;
}

/* Horizon minutes to per-week minutes, never above what the person wants to work. */
static double per_week(const struct ranker *r, const struct candidate *c, double minutes)
{
    if (r->weeks <= 0)
        return 0;
    double w = minutes / r->weeks;
    return w > c->minutes_per_week ? c->minutes_per_week : w;
}

static double rank_value(const struct recruit_params *p, const struct candidate *c, double mpw)
{
    double w = p->score_weight;
    return mpw * (1 - w / 2 + w * score_of(p, c) / 100);
}

/* Lazy greedy: a max-heap of values, each computed against the residual of some round. */
struct entry {
    double value;
    double score;
    int64_t id;
    int idx;
};

static bool entry_before(const struct entry *a, const struct entry *b)
{
    if (a->value != b->value)
        return a->value > b->value;
    if (a->score != b->score)
        return a->score > b->score;
    return a->id < b->id;
}

static bool entry_first(const void *a, const void *b)
{
    return entry_before(a, b);
}

/* The ranking's heap of entries (util_heap_push: room for *n + 1). */
static void heap_push(struct entry *h, int *n, struct entry e)
{
    util_heap_push(h, n, sizeof *h, &e, entry_first);
}

static struct entry heap_pop(struct entry *h, int *n)
{
    struct entry top;
    util_heap_pop(h, n, sizeof *h, &top, entry_first);
    return top;
}

/* Per-candidate bookkeeping of the greedy. */
struct cand_state {
    double first_minutes; /* per week against the plan's whole shortage */
    double minutes;       /* per week at the last evaluation */
    int stamp;            /* round of the last evaluation */
    int n_shifts;
    struct planned_shift *shifts;
};

/* "11 h/week" or "2.5 h/week". */
static void hours_words(double minutes, char *buf, size_t len)
{
    double h = minutes / 60;
    if (h >= 9.95)
        snprintf(buf, len, "%.0f h/week", h);
    else
        snprintf(buf, len, "%.1f h/week", h);
}

/* Weekdays and local hours of a candidate's pattern, in their own zone. */
static void pattern_words(const struct snapshot *s, const struct candidate *c,
                          const struct planned_shift *sh, int n, char *buf, size_t len)
{
    const struct tz_table *tz = tz_of(s, c->tz);
    unsigned mask = 0;
    int lo = 1440 * 2, hi = -1;
    for (int i = 0; i < n; i++) {
        sd_time local = sh[i].start + offset_at(tz, sh[i].start);
        int64_t day = util_floor_div(local, 86400);
        int st = (int)((local - day * 86400) / 60);
        int en = st + (int)((sh[i].end - sh[i].start) / 60);
        mask |= 1u << (day_weekday((int32_t)day) - 1);
        if (st < lo)
            lo = st;
        if (en > hi)
            hi = en;
    }
    if (hi - lo >= 1440)
        hi = lo + 1440;
    hiring_block_label(mask, lo, hi, hiring_tz_name(s, c->tz), buf, len);
}

/* The short queues (up to three) c has no skill for. */
static void skills_words(const struct snapshot *s, const struct candidate *c, const double *left0,
                         char *buf, size_t len)
{
    int listed = 0;
    buf[0] = '\0';
    for (int q = 0; q < s->n_queues && listed < 3; q++) {
        if (left0[q] <= 0)
            continue;
        bool has = false;
        for (int k = 0; k < c->n_skills; k++)
            has |= c->skills[k] == q;
        if (has)
            continue;
        if (text_append(buf, len, "%s%s", listed ? ", " : "", s->queues[q].name) != 0)
            break;
        listed++;
    }
}

static void explain(const struct ranker *r, const struct candidate *c, const struct cand_state *cs,
                    struct recruit_ranked *out)
{
    const struct snapshot *s = r->s;
    const struct recruit_params *p = r->p;
    char h[32], pattern[160], tail[96];
    if (c->score >= 0)
        snprintf(tail, sizeof tail, "; assessment %.0f", c->score);
    else
        snprintf(tail, sizeof tail, "; not assessed yet (counted as %.0f)", p->unscored_score);

    if (out->minutes_per_week > 0) {
        hours_words(out->minutes_per_week, h, sizeof h);
        pattern_words(s, c, out->shifts, out->n_shifts, pattern, sizeof pattern);
        int main_q = -1, others = 0;
        for (int q = 0; q < s->n_queues; q++) {
            if (out->queue_minutes[q] <= 0)
                continue;
            others++;
            if (main_q < 0 || out->queue_minutes[q] > out->queue_minutes[main_q])
                main_q = q;
        }
        char what[160];
        if (others <= 1) {
            say(what, sizeof what, "%s of %s shortage", h, s->queues[main_q].name);
        } else {
            int cut = text_printf(what, sizeof what, "%s of shortage (", h);
            int listed = 0;
            for (int q = 0; q < s->n_queues && cut == 0; q++) {
                if (out->queue_minutes[q] <= 0)
                    continue;
                char qh[32];
                hours_words(out->queue_minutes[q], qh, sizeof qh);
                qh[strcspn(qh, "/")] = '\0';
                cut = text_append(what, sizeof what, "%s%s %s", listed ? ", " : "",
                                  s->queues[q].name, qh);
                listed++;
            }
            text_append(what, sizeof what, ")");
        }
        char before[80] = "";
        if (cs->first_minutes - out->minutes_per_week >= 30) {
            char fh[32];
            hours_words(cs->first_minutes, fh, sizeof fh);
            say(before, sizeof before, " (%s before those ranked above)", fh);
        }
        say(out->explanation, sizeof out->explanation, "could cover %s, %s%s%s", what, pattern,
            before, tail);
        return;
    }

    /* Nothing to add: say which of the usual reasons it is. */
    if (c->n_windows == 0) {
        say(out->explanation, sizeof out->explanation, "covers nothing: gave no availability%s",
            tail);
        return;
    }
    if (cs->first_minutes > 0) {
        hours_words(cs->first_minutes, h, sizeof h);
        say(out->explanation, sizeof out->explanation,
            "covers nothing more: the %s this person could cover is covered by those "
            "ranked above%s",
            h, tail);
        return;
    }
    bool any_skill_short = false;
    for (int k = 0; k < c->n_skills; k++)
        any_skill_short |=
            c->skills[k] >= 0 && c->skills[k] < s->n_queues && r->left0[c->skills[k]] > 0;
    if (any_skill_short) {
        say(out->explanation, sizeof out->explanation,
            "covers nothing: no shift inside this person's availability meets a shortage on "
            "their queues%s",
            tail);
        return;
    }
    char missing[160];
    skills_words(s, c, r->left0, missing, sizeof missing);
    if (missing[0] != '\0')
        say(out->explanation, sizeof out->explanation,
            "covers nothing: lacks the skills of the short queues (%s)%s", missing, tail);
    else
        say(out->explanation, sizeof out->explanation, "covers nothing: no queue is short%s", tail);
}

void recruit_ranked_free(struct recruit_ranked *r, int n)
{
    if (r == NULL)
        return;
    for (int i = 0; i < n; i++) {
        free(r[i].queue_minutes);
        free(r[i].shifts);
    }
    free(r);
}

int recruit_rank(const struct snapshot *s, const struct plan *plan, const struct recruit_params *p,
                 struct recruit_ranked **out, int *n_out)
{
    int nc = s->n_candidates, rc = 0, heap_n = 0, next_rank = 0;
    size_t ncov = (size_t)s->n_queues * (size_t)s->n_cells;
    struct ranker r = {.s = s, .p = p, .weeks = future_weeks(s)};
    r.residual = malloc((ncov ? ncov : 1) * sizeof *r.residual);
    r.queue_left = calloc((size_t)(s->n_queues ? s->n_queues : 1), sizeof *r.queue_left);
    double *left0 = calloc((size_t)(s->n_queues ? s->n_queues : 1), sizeof *left0);
    struct cand_state *cs = calloc((size_t)(nc ? nc : 1), sizeof *cs);
    struct entry *heap = malloc((size_t)(nc ? nc : 1) * sizeof *heap);
    struct recruit_ranked *res = calloc((size_t)(nc ? nc : 1), sizeof *res);
    *out = NULL;
    *n_out = 0;
    if (!r.residual || !r.queue_left || !left0 || !cs || !heap || !res) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < nc; i++) {
        res[i].queue_minutes = calloc((size_t)(s->n_queues ? s->n_queues : 1), sizeof(double));
        if (res[i].queue_minutes == NULL) {
            rc = -ENOMEM;
            goto out;
        }
    }

    int c0 = first_future_cell(s);
    for (int q = 0; q < s->n_queues; q++) {
        for (int c = 0; c < s->n_cells; c++) {
            size_t k = cell_index(s, q, c);
            r.residual[k] = c < c0 ? 0 : plan->shortage[k];
            r.queue_left[q] += r.residual[k];
        }
        left0[q] = r.queue_left[q];
    }
    r.left0 = left0;

    /* Round 0: everyone against the whole shortage. */
    for (int i = 0; i < nc; i++) {
        if (p->cancel != NULL && atomic_load(p->cancel)) {
            rc = -ECANCELED;
            goto out;
        }
        const struct candidate *c = &s->candidates[i];
        double m;
        rc = evaluate(&r, c, &m, &cs[i].shifts, &cs[i].n_shifts);
        if (rc < 0)
            goto out;
        cs[i].first_minutes = cs[i].minutes = per_week(&r, c, m);
        cs[i].stamp = 0;
        heap_push(heap, &heap_n,
                  (struct entry){rank_value(p, c, cs[i].minutes), score_of(p, c), c->id, i});
    }

    /*
     * Take the best value computed against the current residual. A value from
     * an earlier round is an upper bound (what is left only shrinks), so it is
     * recomputed and pushed back; zero stays zero.
     */
    while (heap_n > 0) {
        struct entry e = heap_pop(heap, &heap_n);
        int i = e.idx;
        const struct candidate *c = &s->candidates[i];
        if (cs[i].stamp != next_rank && e.value > 0) {
            if (p->cancel != NULL && atomic_load(p->cancel)) {
                rc = -ECANCELED;
                goto out;
            }
            free(cs[i].shifts);
            cs[i].shifts = NULL;
            double m;
            rc = evaluate(&r, c, &m, &cs[i].shifts, &cs[i].n_shifts);
            if (rc < 0)
                goto out;
            cs[i].minutes = per_week(&r, c, m);
            cs[i].stamp = next_rank;
            double v = rank_value(p, c, cs[i].minutes);
            /*
             * Unchanged, it is still ahead of everything in the heap (their
             * values are upper bounds, ties were ordered before): take it now
             * rather than recompute every equal rival first. Where shortage is
             * plentiful, that keeps the greedy at about 2 evaluations each.
             */
            if (v != e.value) {
                e.value = v;
                heap_push(heap, &heap_n, e);
                continue;
            }
        }

        struct recruit_ranked *rk = &res[next_rank++];
        rk->candidate = i;
        rk->rank = next_rank;
        rk->value = e.value;
        if (e.value > 0) {
            /* Attribute the per-week figure to queues, then take it off the residual. */
            double raw = 0;
            for (int k = 0; k < cs[i].n_shifts; k++) {
                const struct planned_shift *sh = &cs[i].shifts[k];
                int a, b;
                snapshot_span_cells(s, sh->start, sh->end, &a, &b);
                for (int cell = a; cell < b; cell++) {
                    size_t x = cell_index(s, sh->queue, cell);
                    double take = r.residual[x] < 1 ? r.residual[x] : 1;
                    if (take <= 0)
                        continue;
                    rk->queue_minutes[sh->queue] += take * SLOT_MINUTES;
                    raw += take * SLOT_MINUTES;
                    r.residual[x] -= take;
                    r.queue_left[sh->queue] -= take;
                }
            }
            rk->minutes_per_week = cs[i].minutes;
            double scale = raw > 0 ? cs[i].minutes / raw : 0;
            for (int q = 0; q < s->n_queues; q++)
                rk->queue_minutes[q] *= scale;
            rk->n_shifts = cs[i].n_shifts;
            rk->shifts = cs[i].shifts;
            cs[i].shifts = NULL;
            cs[i].n_shifts = 0;
        } else {
            rk->value = 0;
            rk->minutes_per_week = 0;
        }
        explain(&r, c, &cs[i], rk);
        free(cs[i].shifts);
        cs[i].shifts = NULL;
    }
    *out = res;
    *n_out = nc;
    res = NULL;
out:
    if (cs != NULL)
        for (int i = 0; i < nc; i++)
            free(cs[i].shifts);
    recruit_ranked_free(res, nc);
    free(cs);
    free(heap);
    free(left0);
    free(r.residual);
    free(r.queue_left);
    return rc;
}

void recruit_result_free(struct recruit_result *r)
{
    if (r == NULL)
        return;
    hiring_result_free(&r->hiring);
    free(r->queue_split);
    recruit_ranked_free(r->ranked, r->n_ranked);
    *r = (struct recruit_result){0};
}

/*
 * Whether most of the minutes an applicant could work on their main queue lie
 * inside a profile's window (in the queue's zone, on its weekdays): then the
 * ranking says which job ad the person answers.
 */
static bool fits_profile(const struct snapshot *s, const struct recruit_ranked *rk, int q,
                         const struct hiring_profile *f)
{
    const struct tz_table *tz = tz_of(s, s->queues[q].tz);
    int end = f->end_min <= f->start_min ? f->end_min + 1440 : f->end_min;
    int64_t dur = end - f->start_min, inside = 0, all = 0;
    for (int i = 0; i < rk->n_shifts; i++) {
        const struct planned_shift *sh = &rk->shifts[i];
        if (sh->queue != q)
            continue;
        int64_t local = (sh->start + offset_at(tz, sh->start)) / 60,
                len = (sh->end - sh->start) / 60;
        int64_t day = util_floor_div(local - f->start_min, 1440);
        int64_t from = local - (day * 1440 + f->start_min);
        all += len;
        if ((f->weekdays & (1u << (day_weekday((int32_t)day) - 1))) && from + len <= dur)
            inside += len;
    }
    return all > 0 && 2 * inside >= all;
}

static void note_profile(const struct snapshot *s, const struct hiring_result *hr,
                         struct recruit_ranked *rk)
{
    int q = -1;
    for (int k = 0; k < s->n_queues && rk->minutes_per_week > 0; k++)
        if (rk->queue_minutes[k] > 0 && (q < 0 || rk->queue_minutes[k] > rk->queue_minutes[q]))
            q = k;
    for (int i = 0; q >= 0 && i < hr->n_profiles; i++) {
        if (hr->profiles[i].queue != q || !fits_profile(s, rk, q, &hr->profiles[i]))
            continue;
        text_append(rk->explanation, sizeof rk->explanation, "; fits hiring profile %d (%s %s)",
                    i + 1, s->queues[q].name, hr->profiles[i].label);
        return;
    }
}

static double shortage_per_week(const struct snapshot *s, const struct plan *plan, int queue)
{
    double weeks = future_weeks(s), sum = 0;
    if (weeks <= 0)
        return 0;
    for (int c = first_future_cell(s); c < s->n_cells; c++)
        sum += plan->shortage[cell_index(s, queue, c)];
    return sum * SLOT_MINUTES / weeks;
}

/* The row of queue q (struct recruit_split, in recruit.h), added to *all as well. */
static void split_queue(const struct snapshot *s, const struct plan *plan,
                        const struct hiring_result *h, int q, struct recruit_split *out,
                        struct recruit_split *all)
{
    double weeks = future_weeks(s);
    *out = (struct recruit_split){0};
    if (weeks <= 0)
        return;
    for (int c = first_future_cell(s); c < s->n_cells; c++) {
        size_t k = cell_index(s, q, c);
        double sh = plan->shortage[k] > 0 ? plan->shortage[k] : 0;
        double un = plan->unfixable != NULL ? fmin(fmax(plan->unfixable[k], 0), sh) : 0;
        double left = h->residual != NULL ? fmin(fmax(h->residual[k], 0), sh) : sh;
        double left_un = fmin(left, fmax(0, un - (sh - left)));
        out->shortage += sh;
        out->unfixable += un;
        out->left += left;
        out->left_unfixable += left_un;
    }
    double f = SLOT_MINUTES / weeks;
    out->shortage *= f;
    out->unfixable *= f;
    out->left *= f;
    out->left_unfixable *= f;
    out->fixable = out->shortage - out->unfixable;
    out->covered = out->shortage - out->left;
    out->covered_unfixable = out->unfixable - out->left_unfixable;
    out->covered_fixable = out->covered - out->covered_unfixable;
    out->left_fixable = out->left - out->left_unfixable;
    all->shortage += out->shortage;
    all->unfixable += out->unfixable;
    all->fixable += out->fixable;
    all->covered += out->covered;
    all->covered_unfixable += out->covered_unfixable;
    all->covered_fixable += out->covered_fixable;
    all->left += out->left;
    all->left_unfixable += out->left_unfixable;
    all->left_fixable += out->left_fixable;
}

int recruit_run(const struct snapshot *s, const struct plan *plan, const struct recruit_params *p,
                struct recruit_result *out)
{
    int rc;
    *out = (struct recruit_result){.params = *p, .weeks = future_weeks(s)};
    out->params.cancel = NULL;
    for (int q = 0; q < s->n_queues; q++)
        out->shortage_per_week += shortage_per_week(s, plan, q);
    rc = recruit_needs(s, plan, p, &out->hiring);
    if (rc == 0) {
        out->queue_split = calloc((size_t)(s->n_queues + 1), sizeof *out->queue_split);
        if (out->queue_split == NULL)
            rc = -ENOMEM;
    }
    if (rc == 0) {
        out->split_known = plan->unfixable != NULL;
        for (int q = 0; q < s->n_queues; q++)
            split_queue(s, plan, &out->hiring, q, &out->queue_split[q], &out->split);
    }
    if (rc == 0)
        rc = recruit_rank(s, plan, p, &out->ranked, &out->n_ranked);
    if (rc < 0) {
        recruit_result_free(out);
        return rc;
    }
    for (int i = 0; i < out->n_ranked; i++)
        note_profile(s, &out->hiring, &out->ranked[i]);
    return 0;
}

/* ---- what if ------------------------------------------------------------ */

static double service_level(const struct snapshot *s, const struct plan *plan, int queue)
{
    double w = 0, sum = 0;
    for (int c = first_future_cell(s); c < s->n_cells; c++) {
        size_t k = cell_index(s, queue, c);
        if (s->contacts[k] <= 0)
            continue;
        w += s->contacts[k];
        sum += s->contacts[k] * plan->service_level[k];
    }
    return w > 0 ? sum / w : -1;
}

void recruit_what_if_free(struct recruit_what_if *w)
{
    if (w == NULL)
        return;
    free(w->queues);
    free(w->candidates);
    free(w->minutes_per_week);
    *w = (struct recruit_what_if){0};
}

int recruit_what_if(const struct snapshot *s, const struct plan *base, const int *candidates, int n,
                    const struct recruit_params *p, struct recruit_what_if *out)
{
    int rc = 0;
    struct plan after = {0};
    struct snapshot ext = *s;
    int na = s->n_agents, nk = s->n_contracts;
    *out = (struct recruit_what_if){0};
    for (int i = 0; i < n; i++)
        if (candidates[i] < 0 || candidates[i] >= s->n_candidates)
            return -EINVAL;

    struct agent *agents = malloc((size_t)(na + n + 1) * sizeof *agents);
    struct contract *contracts = malloc((size_t)(nk + n + 1) * sizeof *contracts);
    int *lengths = malloc((size_t)(n + 1) * RECRUIT_MAX_LENGTHS * sizeof *lengths);
    struct published_shift *pub = malloc((size_t)(base->n_shifts + 1) * sizeof *pub);
    out->n_queues = s->n_queues;
    out->queues = calloc((size_t)(s->n_queues + 1), sizeof *out->queues);
    out->n_candidates = n;
    out->candidates = malloc((size_t)(n + 1) * sizeof *out->candidates);
    out->minutes_per_week = calloc((size_t)(n + 1), sizeof *out->minutes_per_week);
    if (!agents || !contracts || !lengths || !pub || !out->queues || !out->candidates ||
        !out->minutes_per_week) {
        rc = -ENOMEM;
        goto out;
    }
    if (na > 0)
        memcpy(agents, s->agents, (size_t)na * sizeof *agents);
    if (nk > 0)
        memcpy(contracts, s->contracts, (size_t)nk * sizeof *contracts);
    for (int i = 0; i < n; i++) {
        const struct candidate *c = &s->candidates[candidates[i]];
        recruit_default_contract(c, &lengths[i * RECRUIT_MAX_LENGTHS], &contracts[nk + i]);
        recruit_candidate_agent(c, nk + i, &agents[na + i]);
        out->candidates[i] = candidates[i];
    }
    ext.agents = agents;
    ext.n_agents = na + n;
    ext.contracts = contracts;
    ext.n_contracts = nk + n;
    /*
     * The base plan stands in for the published schedule, so the builder's
     * warm start keeps today's shifts and the hires fill what is left: the
     * difference is then the hires' doing, not a reshuffle of everyone.
     */
    int np = 0;
    for (int i = 0; i < base->n_shifts; i++) {
        const struct planned_shift *sh = &base->shifts[i];
        if (sh->agent < 0 || sh->agent >= na || sh->queue < 0 || sh->queue >= s->n_queues)
            continue;
        pub[np++] = (struct published_shift){.agent = sh->agent,
                                             .queue = sh->queue,
                                             .agent_id = s->agents[sh->agent].id,
                                             .queue_id = s->queues[sh->queue].id,
                                             .start = sh->start,
                                             .end = sh->end};
    }
    ext.published = pub;
    ext.n_published = np;

    struct plan_params pp = {.seed = p->seed, .cancel = p->cancel, .freeze_until = p->freeze_until};
    rc = plan_run(&ext, &pp, &after);
    if (rc < 0)
        goto out;
    for (int q = 0; q < s->n_queues; q++) {
        out->queues[q] = (struct recruit_queue_change){
            .shortage_before = shortage_per_week(s, base, q),
            .shortage_after = shortage_per_week(s, &after, q),
            .sl_before = service_level(s, base, q),
            .sl_after = service_level(s, &after, q),
        };
    }
    double weeks = future_weeks(s);
    for (int i = 0; i < after.n_shifts; i++) {
        const struct planned_shift *sh = &after.shifts[i];
        if (sh->agent >= na && sh->agent < na + n && weeks > 0 && sh->start >= s->now)
            out->minutes_per_week[sh->agent - na] += (double)(sh->end - sh->start) / 60 / weeks;
    }
    /* Partial ISO weeks at the horizon's ends allow a full week's minutes in a few days. */
    for (int i = 0; i < n; i++) {
        double wanted = s->candidates[candidates[i]].minutes_per_week;
        if (out->minutes_per_week[i] > wanted)
            out->minutes_per_week[i] = wanted;
    }
out:
    plan_free(&after);
    free(agents);
    free(contracts);
    free(lengths);
    free(pub);
    if (rc < 0)
        recruit_what_if_free(out);
    return rc;
}

/* ---- what if the assistant resolved another share ------------------------- */

/* Agent-hours a week required on the queue in the future cells. */
static double required_hours(const struct snapshot *s, const struct plan *plan, int queue)
{
    double weeks = future_weeks(s), sum = 0;
    if (weeks <= 0)
        return 0;
    for (int c = first_future_cell(s); c < s->n_cells; c++)
        sum += plan->required[cell_index(s, queue, c)];
    return sum * SLOT_MINUTES / 60 / weeks;
}

static int hires_for(const struct recruit_result *rr, int queue)
{
    int n = 0;
    for (int i = 0; i < rr->hiring.n_profiles; i++)
        if (queue < 0 || rr->hiring.profiles[i].queue == queue)
            n += rr->hiring.profiles[i].hires;
    return n;
}

void recruit_containment_free(struct recruit_containment *c)
{
    if (c == NULL)
        return;
    free(c->queues);
    *c = (struct recruit_containment){0};
}

int recruit_what_if_containment(const struct snapshot *s, const struct plan *base,
                                const struct recruit_result *base_rr, int queue, double share,
                                const struct plan_params *pp, const struct recruit_params *p,
                                struct recruit_containment *out)
{
    int rc = 0;
    struct plan after = {0};
    struct recruit_result rr = {0};
    struct snapshot ext = *s;
    size_t n = (size_t)s->n_queues * (size_t)s->n_cells;
    *out = (struct recruit_containment){0};
    if (!(share >= 0 && share < 1) || queue >= s->n_queues || s->offered == NULL)
        return -EINVAL;
    struct queue *queues = malloc((size_t)(s->n_queues + 1) * sizeof *queues);
    double *contacts = malloc((n ? n : 1) * sizeof *contacts);
    out->queues = calloc((size_t)(s->n_queues + 1), sizeof *out->queues);
    if (queues == NULL || contacts == NULL || out->queues == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    out->n_queues = s->n_queues;
    out->queue = queue;
    out->share = share;
    if (s->n_queues > 0)
        memcpy(queues, s->queues, (size_t)s->n_queues * sizeof *queues);
    if (n > 0)
        memcpy(contacts, s->contacts, n * sizeof *contacts);
    /*
     * What reaches people under the new share. The forecast's offered
     * contacts stay as they are; per-interval shares of the demand rows give
     * way to the one asked about.
     */
    for (int q = 0; q < s->n_queues; q++) {
        if (queue >= 0 && q != queue)
            continue;
        queues[q].assistant_share = share;
        for (int c = 0; c < s->n_cells; c++)
            contacts[cell_index(s, q, c)] = s->offered[cell_index(s, q, c)] * (1 - share);
    }
    ext.queues = queues;
    ext.contacts = contacts;
    rc = plan_run(&ext, pp, &after);
    if (rc == 0)
        rc = recruit_run(&ext, &after, p, &rr);
    if (rc < 0)
        goto out;
    for (int q = 0; q < s->n_queues; q++) {
        out->queues[q] = (struct recruit_containment_queue){
            .share_before = s->queues[q].assistant_share,
            .share_after = queues[q].assistant_share,
            .required_hours_before = required_hours(s, base, q),
            .required_hours_after = required_hours(&ext, &after, q),
            .shortage_hours_before = shortage_per_week(s, base, q) / 60,
            .shortage_hours_after = shortage_per_week(&ext, &after, q) / 60,
            .sl_before = service_level(s, base, q),
            .sl_after = service_level(&ext, &after, q),
            .hires_before = hires_for(base_rr, q),
            .hires_after = hires_for(&rr, q),
        };
    }
    out->hires_before = hires_for(base_rr, -1);
    out->hires_after = hires_for(&rr, -1);
out:
    recruit_result_free(&rr);
    plan_free(&after);
    free(queues);
    free(contacts);
    if (rc < 0)
        recruit_containment_free(out);
    return rc;
}
