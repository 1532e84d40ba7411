/*
 * schedule.c — shift options, the greedy first scheduler and the independent
 * rule checker (see include/schedule.h).
 *
 * The builder works in rounds: in each round every agent, in a seeded order
 * that changes from round to round (so no agent is always served first), adds
 * the one feasible shift that most reduces the squared shortage left. The
 * square makes one agent in a badly short interval worth more than one in a
 * nearly covered interval, which is what a caller in the queue experiences.
 * Rounds stop when nobody can add anything useful. Feasibility is checked
 * incrementally against a per-agent array of local days.
 */
#include "schedule.h"
#include "text.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A published shift that is offered again keeps its place unless a change helps. */
#define STABILITY_BONUS 0.5
/* Each overstaffed cell costs a little, so a shift does not run on for nothing. */
#define OVERSTAFF_COST 0.01

static sd_time horizon_end(const struct snapshot *s)
{
    return s->horizon_start + (sd_time)s->horizon_days * 86400;
}

/* ISO week number counted from the Monday 1969-12-29. */
static int32_t week_of(int32_t day)
{
    return (int32_t)util_floor_div((int64_t)day + 3, 7);
}

static bool agent_skilled(const struct agent *a, int queue)
{
    for (int i = 0; i < a->n_skills; i++)
        if (a->skills[i] == queue)
            return true;
    return false;
}

static bool overlaps_time_off(const struct agent *a, sd_time start, sd_time end)
{
    for (int i = 0; i < a->n_time_off; i++)
        if (a->time_off[i].start < end && start < a->time_off[i].end)
            return true;
    return false;
}

/* Local minutes after local midnight of instant t. */
static int local_minute(const struct tz_table *tz, sd_time t)
{
    sd_time local = t + tz_offset_at(tz, t);
    int64_t m = (local % 86400 + 86400) % 86400;
    return (int)(m / 60);
}

struct option_vec {
    struct shift_option *v;
    int n, cap;
};

static int option_push(struct option_vec *ov, struct shift_option o)
{
    int rc = util_grow((void **)&ov->v, &ov->cap, ov->n + 1, sizeof *ov->v);
    if (rc < 0)
        return rc;
    ov->v[ov->n++] = o;
    return 0;
}

int schedule_options_for_agent(const struct snapshot *s, int agent, struct shift_option **out,
                               int *n)
{
    const struct agent *a = &s->agents[agent];
    const struct tz_table *tz = &s->tzs[a->tz];
    const struct contract *c = &s->contracts[a->contract];
    sd_time hs = s->horizon_start, he = horizon_end(s);
    sd_time earliest = s->now > hs ? s->now : hs;
    struct option_vec ov = {0};
    int rc = 0;

    int32_t first = tz_local_day(tz, hs) - 1, last = tz_local_day(tz, he);
    int step = c->shift_start_step_minutes > 0 ? c->shift_start_step_minutes : 15;
    for (int32_t d = first; d <= last; d++) {
        int wd = day_weekday(d);
        for (int w = 0; w < a->n_windows; w++) {
            const struct window *win = &a->windows[w];
            if (win->weekday != wd || d < win->valid_from || d > win->valid_until)
                continue;
            int ws = win->start_min;
            int we = win->end_min <= ws ? win->end_min + 1440 : win->end_min;
            sd_time win_end = tz_local_to_utc(tz, d, we);
            for (int m = (ws + step - 1) / step * step; m < we; m += step) {
                sd_time st = tz_local_to_utc(tz, d, m);
                /* A wall-clock time skipped by the spring-forward gap does not exist. */
                if (st + tz_offset_at(tz, st) != (sd_time)d * 86400 + (sd_time)m * 60)
                    continue;
                if (st < earliest)
                    continue;
                for (int l = 0; l < c->n_lengths; l++) {
                    sd_time en = st + (sd_time)c->shift_lengths_minutes[l] * 60;
                    if (en > win_end || en > he || overlaps_time_off(a, st, en))
                        continue;
                    for (int k = 0; k < a->n_skills; k++) {
                        struct shift_option o = {tz_local_day(tz, st), a->skills[k], st, en};
                        rc = option_push(&ov, o);
                        if (rc < 0)
                            goto out;
                    }
                }
            }
        }
    }
out:
    if (rc < 0) {
        free(ov.v);
        ov.v = NULL;
        ov.n = 0;
    }
    *out = ov.v;
    *n = ov.n;
    return rc;
}

/* Per-agent view of local days: which shift (index into the plan) sits on each. */
struct agent_days {
    int32_t d0; /* local date of slot 0 */
    int nd;
    int *slot; /* index into shifts or -1 */
};

struct builder {
    const struct snapshot *s;
    struct plan *plan;
    int cap, cap_day;   /* of plan->shifts and of shift_day */
    int32_t *shift_day; /* local day of each plan shift */
    struct agent_days *days;
    int *cov; /* scheduled per queue cell */
};

static int builder_add(struct builder *b, int agent, int queue, sd_time st, sd_time en, int32_t day)
{
    struct plan *p = b->plan;
    int rc = util_grow((void **)&p->shifts, &b->cap, p->n_shifts + 1, sizeof *p->shifts);
    if (rc == 0)
        rc = util_grow((void **)&b->shift_day, &b->cap_day, p->n_shifts + 1, sizeof *b->shift_day);
    if (rc < 0)
        return rc;
    int idx = p->n_shifts++;
    p->shifts[idx] = (struct planned_shift){agent, queue, st, en};
    b->shift_day[idx] = day;
    struct agent_days *ad = &b->days[agent];
    int si = day - ad->d0;
    if (si >= 0 && si < ad->nd && ad->slot[si] < 0)
        ad->slot[si] = idx;

    const struct snapshot *s = b->s;
    int c0, c1;
    snapshot_span_cells(s, st, en, &c0, &c1);
    for (int c = c0; c < c1; c++)
        b->cov[(size_t)queue * (size_t)s->n_cells + (size_t)c]++;
    return 0;
}

static bool builder_can_add(const struct builder *b, int agent, const struct shift_option *o)
{
    const struct snapshot *s = b->s;
    const struct contract *c = &s->contracts[s->agents[agent].contract];
    const struct agent_days *ad = &b->days[agent];
    const struct planned_shift *sh = b->plan->shifts;
    int idx = o->day - ad->d0;
    if (idx < 0 || idx >= ad->nd || ad->slot[idx] >= 0)
        return false;

    /* A shift lasts at most 12 h and rest at most 24 h: two days either side suffice. */
    sd_time rest = (sd_time)c->min_rest_minutes * 60;
    for (int k = 1; k <= 2; k++) {
        if (idx - k >= 0 && ad->slot[idx - k] >= 0 && sh[ad->slot[idx - k]].end + rest > o->start)
            return false;
        if (idx + k < ad->nd && ad->slot[idx + k] >= 0 &&
            o->end + rest > sh[ad->slot[idx + k]].start)
            return false;
    }

    int32_t monday = week_of(o->day) * 7 - 3;
    int64_t minutes = (o->end - o->start) / 60;
    int days = 1;
    for (int32_t d = monday; d < monday + 7; d++) {
        int i = d - ad->d0;
        if (i >= 0 && i < ad->nd && ad->slot[i] >= 0) {
            minutes += (sh[ad->slot[i]].end - sh[ad->slot[i]].start) / 60;
            days++;
        }
    }
    if (minutes > c->max_minutes_per_week || days > c->max_days_per_week)
        return false;

    int run = 1;
    for (int i = idx - 1; i >= 0 && ad->slot[i] >= 0; i--)
        run++;
    for (int i = idx + 1; i < ad->nd && ad->slot[i] >= 0; i++)
        run++;
    return run <= c->max_consecutive_days;
}

static double builder_value(const struct builder *b, const struct shift_option *o)
{
    const struct snapshot *s = b->s;
    int c0, c1;
    snapshot_span_cells(s, o->start, o->end, &c0, &c1);
    size_t base = (size_t)o->queue * (size_t)s->n_cells;
    const double *req = b->plan->required;
    double v = 0;
    for (int c = c0; c < c1; c++) {
        double x = req[base + (size_t)c] - b->cov[base + (size_t)c];
        if (x > 0) {
            double x1 = x - 1 > 0 ? x - 1 : 0;
            v += x * x - x1 * x1;
        } else {
            v -= OVERSTAFF_COST;
        }
    }
    return v;
}

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static bool published_match(const struct snapshot *s, const int *pub_first, const int *pub_next,
                            int agent, const struct shift_option *o)
{
    for (int i = pub_first[agent]; i >= 0; i = pub_next[i]) {
        const struct published_shift *p = &s->published[i];
        if (p->start == o->start && p->end == o->end && p->queue == o->queue)
            return true;
    }
    return false;
}

int schedule_build(const struct snapshot *s, const struct schedule_params *params,
                   struct plan *plan)
{
    int rc = 0;
    int na = s->n_agents;
    struct builder b = {.s = s, .plan = plan};
    struct shift_option **opts = calloc((size_t)(na ? na : 1), sizeof *opts);
    int *nopts = calloc((size_t)(na ? na : 1), sizeof *nopts);
    int *order = calloc((size_t)(na ? na : 1), sizeof *order);
    int *pub_first = malloc((size_t)(na ? na : 1) * sizeof *pub_first);
    int *pub_next = malloc((size_t)(s->n_published ? s->n_published : 1) * sizeof *pub_next);
    size_t ncov = (size_t)s->n_queues * (size_t)s->n_cells;
    b.days = calloc((size_t)(na ? na : 1), sizeof *b.days);
    b.cov = calloc(ncov ? ncov : 1, sizeof *b.cov);
    plan->scheduled = calloc(ncov ? ncov : 1, sizeof *plan->scheduled);
    if (!opts || !nopts || !order || !pub_first || !pub_next || !b.days || !b.cov ||
        !plan->scheduled) {
        rc = -ENOMEM;
        goto out;
    }

    for (int a = 0; a < na; a++) {
        const struct tz_table *tz = &s->tzs[s->agents[a].tz];
        struct agent_days *ad = &b.days[a];
        ad->d0 = tz_local_day(tz, s->horizon_start) - 8;
        ad->nd = tz_local_day(tz, horizon_end(s)) - ad->d0 + 9;
        ad->slot = malloc((size_t)ad->nd * sizeof *ad->slot);
        if (ad->slot == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        for (int i = 0; i < ad->nd; i++)
            ad->slot[i] = -1;
        pub_first[a] = -1;
    }

    /*
     * Shifts already under way are facts, not choices; so are those inside the
     * freeze window, unless the agent can no longer work them.
     */
    for (int i = s->n_published - 1; i >= 0; i--) {
        const struct published_shift *p = &s->published[i];
        pub_next[i] = -1;
        if (p->cancelled || p->agent < 0 || p->queue < 0)
            continue;
        if (p->start < s->now || (p->start < params->freeze_until &&
                                  schedule_shift_valid(s, p->agent, p->queue, p->start, p->end))) {
            int32_t day = tz_local_day(&s->tzs[s->agents[p->agent].tz], p->start);
            rc = builder_add(&b, p->agent, p->queue, p->start, p->end, day);
            if (rc < 0)
                goto out;
        } else {
            pub_next[i] = pub_first[p->agent];
            pub_first[p->agent] = i;
        }
    }

    for (int a = 0; a < na; a++) {
        rc = schedule_options_for_agent(s, a, &opts[a], &nopts[a]);
        if (rc < 0)
            goto out;
        order[a] = a;
    }

    /*
     * Warm start: a published shift that is still a valid option and still
     * covers demand is kept before anything else is considered, so a change
     * for one agent does not ripple through everybody's calendar.
     */
    for (int a = 0; a < na; a++) {
        for (int i = pub_first[a]; i >= 0; i = pub_next[i]) {
            const struct published_shift *p = &s->published[i];
            for (int k = 0; k < nopts[a]; k++) {
                const struct shift_option *o = &opts[a][k];
                if (o->start != p->start || o->end != p->end || o->queue != p->queue)
                    continue;
                if (builder_can_add(&b, a, o) && builder_value(&b, o) > 0) {
                    rc = builder_add(&b, a, o->queue, o->start, o->end, o->day);
                    if (rc < 0)
                        goto out;
                }
                break;
            }
        }
    }

    uint64_t rng = params->seed;
    for (;;) {
        for (int i = na - 1; i > 0; i--) {
            int j = (int)(splitmix64(&rng) % (uint64_t)(i + 1));
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int added = 0;
        for (int k = 0; k < na; k++) {
            if (params->cancel != NULL && atomic_load(params->cancel)) {
                rc = -ECANCELED;
                goto out;
            }
            int a = order[k];
            int best = -1;
            double best_v = 1e-9;
            for (int i = 0; i < nopts[a]; i++) {
                const struct shift_option *o = &opts[a][i];
                if (!builder_can_add(&b, a, o))
                    continue;
                double v = builder_value(&b, o);
                if (v > 0 && published_match(s, pub_first, pub_next, a, o))
                    v += STABILITY_BONUS;
                if (v > best_v) {
                    best_v = v;
                    best = i;
                }
            }
            if (best >= 0) {
                const struct shift_option *o = &opts[a][best];
                rc = builder_add(&b, a, o->queue, o->start, o->end, o->day);
                if (rc < 0)
                    goto out;
                added++;
            }
        }
        if (added == 0)
            break;
    }
    memcpy(plan->scheduled, b.cov, ncov * sizeof *b.cov);

out:
    if (opts != NULL)
        for (int a = 0; a < na; a++)
            free(opts[a]);
    if (b.days != NULL)
        for (int a = 0; a < na; a++)
            free(b.days[a].slot);
    free(opts);
    free(nopts);
    free(order);
    free(pub_first);
    free(pub_next);
    free(b.days);
    free(b.cov);
    free(b.shift_day);
    return rc;
}

/* ---- independent checker ---------------------------------------------- */

static bool inside_availability(const struct snapshot *s, const struct agent *a, sd_time st,
                                sd_time en);

bool schedule_shift_valid(const struct snapshot *s, int agent, int queue, sd_time start,
                          sd_time end)
{
    const struct agent *a = &s->agents[agent];
    const struct contract *c = &s->contracts[a->contract];
    bool len_ok = false;
    for (int l = 0; l < c->n_lengths; l++)
        len_ok |= end - start == (sd_time)c->shift_lengths_minutes[l] * 60;
    return len_ok && agent_skilled(a, queue) && !overlaps_time_off(a, start, end) &&
           inside_availability(s, a, start, end);
}

static int cmp_by_agent_start(const void *x, const void *y)
{
    const struct planned_shift *a = x, *b = y;
    if (a->agent != b->agent)
        return a->agent < b->agent ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return 0;
}

static bool inside_availability(const struct snapshot *s, const struct agent *a, sd_time st,
                                sd_time en)
{
    const struct tz_table *tz = &s->tzs[a->tz];
    int32_t day = tz_local_day(tz, st);
    /* The window may have opened on the same local day or the one before. */
    for (int32_t d = day - 1; d <= day; d++) {
        for (int w = 0; w < a->n_windows; w++) {
            const struct window *win = &a->windows[w];
            if (win->weekday != day_weekday(d) || d < win->valid_from || d > win->valid_until)
                continue;
            int we = win->end_min <= win->start_min ? win->end_min + 1440 : win->end_min;
            if (st >= tz_local_to_utc(tz, d, win->start_min) && en <= tz_local_to_utc(tz, d, we))
                return true;
        }
    }
    return false;
}

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        if (why != NULL)                                                                           \
            text_printf(why, why_len, __VA_ARGS__);                                                \
        rc = -EINVAL;                                                                              \
        goto out;                                                                                  \
    } while (0)

int schedule_check(const struct snapshot *s, const struct planned_shift *shifts, int n, char *why,
                   size_t why_len)
{
    int rc = 0;
    struct planned_shift *v = malloc((size_t)(n ? n : 1) * sizeof *v);
    if (v == NULL)
        return -ENOMEM;
    memcpy(v, shifts, (size_t)n * sizeof *v);
    qsort(v, (size_t)n, sizeof *v, cmp_by_agent_start);

    for (int i = 0; i < n; i++) {
        const struct planned_shift *p = &v[i];
        if (p->agent < 0 || p->agent >= s->n_agents || p->queue < 0 || p->queue >= s->n_queues)
            FAIL("shift %d: unknown agent or queue", i);
        const struct agent *a = &s->agents[p->agent];
        const struct contract *c = &s->contracts[a->contract];
        const struct tz_table *tz = &s->tzs[a->tz];
        bool started = p->start < s->now;
        if (p->end <= p->start)
            FAIL("agent %lld: shift ends before it starts", (long long)a->id);
        if (!agent_skilled(a, p->queue))
            FAIL("agent %lld: not skilled for queue %s", (long long)a->id,
                 s->queues[p->queue].name);
        if (!started) {
            bool len_ok = false;
            for (int l = 0; l < c->n_lengths; l++)
                len_ok |= (p->end - p->start) == (sd_time)c->shift_lengths_minutes[l] * 60;
            if (!len_ok)
                FAIL("agent %lld: shift length %lld min not in the contract", (long long)a->id,
                     (long long)((p->end - p->start) / 60));
            if (local_minute(tz, p->start) % c->shift_start_step_minutes != 0)
                FAIL("agent %lld: shift start off the %d-minute step", (long long)a->id,
                     c->shift_start_step_minutes);
            if (!inside_availability(s, a, p->start, p->end))
                FAIL("agent %lld: shift outside availability", (long long)a->id);
            if (overlaps_time_off(a, p->start, p->end))
                FAIL("agent %lld: shift overlaps time off", (long long)a->id);
        }
        if (i + 1 < n && v[i + 1].agent == p->agent) {
            const struct planned_shift *q = &v[i + 1];
            if (tz_local_day(tz, q->start) == tz_local_day(tz, p->start))
                FAIL("agent %lld: two shifts on one local day", (long long)a->id);
            if (q->start - p->end < (sd_time)c->min_rest_minutes * 60)
                FAIL("agent %lld: rest of %lld min, less than %d", (long long)a->id,
                     (long long)((q->start - p->end) / 60), c->min_rest_minutes);
        }
    }

    /* Weekly and consecutive-day rules, per agent run of the sorted list. */
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && v[j].agent == v[i].agent)
            j++;
        const struct agent *a = &s->agents[v[i].agent];
        const struct contract *c = &s->contracts[a->contract];
        const struct tz_table *tz = &s->tzs[a->tz];
        int run = 0;
        int32_t prev_day = INT32_MIN;
        for (int k = i; k < j; k++) {
            int32_t d = tz_local_day(tz, v[k].start);
            run = (d == prev_day + 1) ? run + 1 : 1;
            prev_day = d;
            if (run > c->max_consecutive_days)
                FAIL("agent %lld: %d consecutive days, more than %d", (long long)a->id, run,
                     c->max_consecutive_days);
            int64_t minutes = 0;
            int days = 0;
            for (int m = i; m < j; m++) {
                if (week_of(tz_local_day(tz, v[m].start)) == week_of(d)) {
                    minutes += (v[m].end - v[m].start) / 60;
                    days++;
                }
            }
            if (minutes > c->max_minutes_per_week)
                FAIL("agent %lld: %lld minutes in a week, more than %d", (long long)a->id,
                     (long long)minutes, c->max_minutes_per_week);
            if (days > c->max_days_per_week)
                FAIL("agent %lld: %d days in a week, more than %d", (long long)a->id, days,
                     c->max_days_per_week);
        }
        i = j;
    }
out:
    free(v);
    return rc;
}
