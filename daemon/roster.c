/* SPDX-License-Identifier: ISC */
/*
 * roster.c — a contact centre's planning problem as an engine instance
 * (see include/roster.h and include/engine.h).
 *
 * Engine days are local dates counted from the UTC date before the horizon,
 * so every agent's local days, whatever its zone, fall on the same grid, and
 * 7-day blocks starting on a Monday are local ISO weeks. Cells are (queue,
 * 15-minute interval). A cell's shortage costs 1, 3, 5, ... for the first,
 * second, third agent missing (the square of the shortage), so one missing
 * agent in a thin interval hurts more than in a well covered one. An agent
 * above the requirement costs a little (OVER_COST), more where nobody is
 * needed (IDLE_COST), less for the first agents above it where they add
 * most to the expected service level (add_buffer_cell): hours a contract
 * forces beyond the need go to thin intervals.
 *
 * Stability: a published shift that is offered again carries a wish to keep
 * it, worth more the sooner it starts; inside the freeze window it is fixed,
 * unless the agent can no longer work it: then the longest part the agent can
 * still work stays in its place (absence.h), or it is cancelled, and another
 * agent's frozen shift next to the hole may grow into it. A published
 * day off costs a little to fill in the same way; the freeze does not forbid
 * it, since offering work in a gap does not move anything an agent was told. An agent whose
 * contract minimum cannot be met (too little availability) gets the minimum relaxed, with a warning
 * that names the agent, so everybody else is still planned.
 *
 * Preferences are wishes on options or days off (add_preferences); fairness is
 * a target of minutes per agent (add_fair_shares) and wishes against weekend
 * and late options for agents who had more of them lately (add_unpopular).
 * Breaks are placed once the roster is chosen (breaks.c).
 *
 * A quick plan's neighbourhood and the published roster's standing under
 * improve_only are roster_quick.c's; both files share struct build
 * (include/roster_internal.h).
 */
#include "roster.h"
#include "roster_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "absence.h"
#include "breaks.h"
#include "engine.h"
#include "shift_options.h"
#include "text.h"
#include "util.h"

/* Marginal costs of the 1st, 2nd, ... agent short in a cell: the squares' steps. */
#define CURVE_LEN 16
/* Each agent over the requirement in a cell costs a little: no shift runs on for nothing. */
#define OVER_COST 0.01
/*
 * ... and ten times that where nobody is needed at all: an agent there is
 * idle, while one over the need in a busy interval is a buffer against the
 * forecast's error. So a shift runs on into empty hours only to cover a
 * shortage worth it (a tenth of the first agent missing per idle quarter
 * hour). Measured on the demo (docs/engine.md, "Surplus and shortage").
 */
#define IDLE_COST 0.1
/*
 * Forced hours (docs/engine.md, "Forced hours"): each of the first
 * ROSTER_BUFFER_LEVELS agents above a cell's requirement costs OVER_COST less
 * a rebate for what it adds to the cell's expected service level
 * (roster_params.buffer_gain): nothing up to BUFFER_GAIN_FLOOR, then in
 * proportion up to the whole rebate from BUFFER_GAIN_FULL on. So the hours a
 * contract's minimum or a shift's length force beyond the need land where
 * one more agent lowers the risk most: thin intervals. The rebate stays below
 * OVER_COST less what fairness pays an agent under its share for a quarter
 * hour (15 * FAIR_UNDER): a surplus agent still costs something, so no hour
 * is added for a buffer alone, and shortage (1 and up) comes first.
 */
#define BUFFER_REBATE    (0.8 * (OVER_COST - 15 * FAIR_UNDER))
#define BUFFER_GAIN_FULL 0.10
/*
 * Most intervals' first agent above the need adds 4-6 points of service
 * level: a rebate they all had would change no choice and cost the engine's
 * time, for each rebate is a cell every option over the interval covers
 * (add_buffer_cell), and the cells an option covers are the engine's main
 * work. Measured (docs/engine.md): from a floor of 0 about 28 % more work per
 * search step, from this one 9 %, for most of the gain in service.
 */
#define BUFFER_GAIN_FLOOR 0.06
/* Smaller rebates are not worth a cell either. */
#define BUFFER_MIN_REBATE (0.1 * BUFFER_REBATE)
/* Changing a published shift: this much, plus up to STABILITY_NEAR for one about to start. */
#define STABILITY_BASE 16.0
#define STABILITY_NEAR 100.0
/* A preference of weight 1 costs like an hour of the first agent missing (4 cells at 1). */
#define PREF_UNIT 4.0
/*
 * Fairness, per minute away from the agent's fair share over the horizon. Below
 * OVER_COST per cell's minutes (0.01 / 15), so no shift is added only to reach a
 * share, and far below a shortage, so no cell is left short for it.
 */
#define FAIR_UNDER 0.0005
#define FAIR_OVER  0.002
/*
 * A target makes the engine's DP carry each agent's total minutes, about four
 * times the work per agent (10,000 agents over 28 days: 34 s before the search
 * starts). Under a wall-clock budget, fair shares are set only while the site
 * is at most this many agent-days per second of budget; with an iteration
 * budget always.
 */
#define FAIR_AGENT_DAYS_PER_SECOND 3000.0
/*
 * Weekend and late shifts: per shift more than the site's average an agent
 * worked of them in the four weeks before the horizon, this much against each
 * such option.
 */
#define UNPOPULAR_UNIT 0.5
/*
 * Filling a published day off costs this share of the stability weight: it
 * moves nothing an agent was told, but asks for work at short notice.
 */
#define FILL_SHARE 0.5
/*
 * ... and this share where the new work fills a hole an absence left inside
 * the freeze (a new shift over it, or a frozen shift grown into it): the call
 * to cover an absence. Measured on the demo and a bench site
 * (docs/engine.md, "Absences").
 */
#define BACKFILL_SHARE 0.05
/*
 * A frozen shift that may grow into a hole is no longer fixed, so the engine
 * could drop it: a day off there costs this much, far beyond anything a day
 * off could gain (surplus, fairness, a preference of weight 100 costs 400).
 */
#define FROZEN_STAYS 1e5

static int cmp_option(const void *x, const void *y)
{
    const struct shift_option *a = x, *b = y;
    if (a->day != b->day)
        return a->day < b->day ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->queue - b->queue;
}

static int add_option(struct build *b, int agent, const struct shift_option *o, int *cells)
{
    const struct snapshot *s = b->s;
    int c0, c1, n = 0;
    snapshot_span_cells(s, o->start, o->end, &c0, &c1);
    for (int c = c0; c < c1; c++)
        cells[n++] = o->queue * s->n_cells + c;
    for (int c = c0; c < c1; c++) {
        int bc = b->buffer_cell[o->queue * s->n_cells + c];
        if (bc >= 0)
            cells[n++] = bc;
    }
    struct engine_option eo = {
        .type = 0,
        .start = o->start,
        .end = o->end,
        .minutes = (int)((o->end - o->start) / 60),
        .n_cover = n,
        .cells = cells,
    };
    return engine_option_add(b->inst, agent, o->day - b->base, &eo);
}

static double stability_weight(const struct snapshot *s, sd_time start)
{
    double days = (double)(start - s->now) / 86400.0;
    if (days < 0)
        days = 0;
    return STABILITY_BASE + STABILITY_NEAR * exp(-days / 2.0);
}

static bool pref_on(const struct preference *p, int32_t day)
{
    return p->date != INT32_MIN ? p->date == day : p->weekday == day_weekday(day);
}

/* The preference's window on local date `day`, as instants. */
static struct span pref_window(const struct tz_table *tz, const struct preference *p, int32_t day)
{
    sd_time from = tz_local_to_utc(tz, day, p->start_min);
    sd_time to = p->end_min > p->start_min ? tz_local_to_utc(tz, day, p->end_min)
                                           : tz_local_to_utc(tz, day + 1, p->end_min);
    return (struct span){from, to};
}

static bool overlaps(const struct shift_option *o, struct span w)
{
    return o->start < w.end && w.start < o->end;
}

static double pref_weight(const struct preference *p)
{
    double w = PREF_UNIT * p->weight;
    /* The engine's annealing is scaled by its smallest weight: keep wishes above OVER_COST. */
    return w > OVER_COST ? w : OVER_COST;
}

/*
 * Preferences as wishes (docs/interfaces.md). Whole day: avoid = a penalty for
 * working that day, prefer = a penalty for the day off. With a window: avoid =
 * a penalty on every option that overlaps the window (of that day, or of the
 * day before or after, for windows past midnight); prefer = a penalty on the
 * day's options that do not overlap it, when some option of the day does.
 */
static int add_preferences(struct build *b, int a, int ea)
{
    const struct snapshot *s = b->s;
    const struct agent *ag = &s->agents[a];
    const struct tz_table *tz = &s->tzs[ag->tz];
    const struct shift_option *o = b->opts[a];
    int n = b->n_opts[a], rc = 0;
    if (ag->n_prefs == 0)
        return 0;
    for (int i = 0; i < n && rc == 0;) {
        int j = i;
        while (j < n && o[j].day == o[i].day)
            j++;
        int32_t day = o[i].day;
        int eday = day - b->base;
        for (int k = 0; k < ag->n_prefs && rc == 0; k++) {
            const struct preference *p = &ag->prefs[k];
            if (p->start_min < 0 && pref_on(p, day))
                rc = engine_wish_type(b->inst, ea, eday, -1, p->avoid, pref_weight(p),
                                      ENGINE_KIND_PREFERENCE);
        }
        for (int x = i; x < j && rc == 0; x++) {
            double w = 0;
            for (int k = 0; k < ag->n_prefs; k++) {
                const struct preference *p = &ag->prefs[k];
                if (p->start_min < 0)
                    continue;
                if (p->avoid) {
                    for (int32_t dd = day - 1; dd <= day + 1; dd++) {
                        if (pref_on(p, dd) && overlaps(&o[x], pref_window(tz, p, dd))) {
                            w += pref_weight(p);
                            break;
                        }
                    }
                } else if (pref_on(p, day)) {
                    struct span win = pref_window(tz, p, day);
                    bool some = false;
                    for (int y = i; y < j && !some; y++)
                        some = overlaps(&o[y], win);
                    if (some && !overlaps(&o[x], win))
                        w += pref_weight(p);
                }
            }
            if (w > 0)
                rc = engine_wish_option(b->inst, ea, eday, x - i, false, w, ENGINE_KIND_PREFERENCE);
        }
        i = j;
    }
    return rc;
}

void roster_days(const struct snapshot *s, int32_t *base, int *n_days)
{
    /* The UTC date before the horizon, and horizon_days + 3 dates: every local day it touches. */
    *base = (int32_t)util_floor_div(s->horizon_start, 86400) - 1;
    *n_days = s->horizon_days + 3;
}

int roster_agent_options(const struct snapshot *s, int a, sd_time freeze_until,
                         struct shift_option **out, int *count)
{
    const struct tz_table *tz = &s->tzs[s->agents[a].tz];
    struct shift_option *o = NULL;
    int n = 0, cap = 0, base_days;
    int32_t base;
    roster_days(s, &base, &base_days);
    int rc = shift_options_for_agent(s, a, &o, &n);
    if (rc < 0)
        return rc;
    cap = n;
    /*
     * Published shifts that stand whatever happens: under way, or frozen and
     * still workable; and the part of one cut by an absence that the agent
     * can still work (absence_kept_part()), frozen or not, so that it can be
     * kept in the shift's place.
     */
    for (int i = 0; i < s->n_published; i++) {
        const struct published_shift *p = &s->published[i];
        if (p->agent != a || p->cancelled || p->queue < 0)
            continue;
        struct span part = {p->start, p->end};
        enum absence_keep keep = ABSENCE_WHOLE;
        if (p->start >= s->now)
            keep = absence_kept_part(s, p, &part);
        bool offer = p->start < s->now || (p->start < freeze_until && keep == ABSENCE_WHOLE) ||
                     keep == ABSENCE_PART;
        int32_t day = tz_local_day(tz, part.start);
        if (!offer || day < base || day >= base + base_days)
            continue; /* shifts before the horizon only ever matter as history */
        rc = util_grow((void **)&o, &cap, n + 1, sizeof *o);
        if (rc < 0) {
            free(o);
            return rc;
        }
        o[n++] = (struct shift_option){day, p->queue, part.start, part.end};
    }
    if (n > 1)
        qsort(o, (size_t)n, sizeof *o, cmp_option);
    /* Overlapping availability windows offer the same shift twice: keep one. */
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (kept == 0 || cmp_option(&o[kept - 1], &o[i]) != 0)
            o[kept++] = o[i];
    *out = o;
    *count = kept;
    return 0;
}

/* Whether the published shift p is among the options o[0..n). */
static bool offered(const struct published_shift *p, const struct shift_option *o, int n)
{
    for (int i = 0; i < n; i++)
        if (o[i].start == p->start && o[i].end == p->end && o[i].queue == p->queue)
            return true;
    return false;
}

/*
 * A quick plan: on the days engine agent ea may not change, only its published
 * shift stays on offer (fixed below), or nothing. A published shift that is no
 * longer an option frees its day. Filters o[0..*n) in place.
 */
static void keep_published_days(struct build *b, int a, int ea, struct shift_option *o, int *n)
{
    const struct snapshot *s = b->s;
    const struct tz_table *tz = &s->tzs[s->agents[a].tz];
    bool *free_day = b->free_day + (size_t)ea * (size_t)b->n_days;
    const int *mine = b->pub + b->pub_first[a];
    int n_mine = b->pub_first[a + 1] - b->pub_first[a];
    for (int k = 0; k < n_mine; k++) {
        const struct published_shift *p = &s->published[mine[k]];
        int day = tz_local_day(tz, p->start) - b->base;
        if (!p->cancelled && p->queue >= 0 && day >= 0 && day < b->n_days && !free_day[day] &&
            !offered(p, o, *n))
            free_day[day] = true;
    }
    int kept = 0;
    for (int i = 0; i < *n; i++) {
        int day = o[i].day - b->base;
        bool keep = day < 0 || day >= b->n_days || free_day[day];
        for (int k = 0; k < n_mine && !keep; k++) {
            const struct published_shift *p = &s->published[mine[k]];
            keep = !p->cancelled && p->start == o[i].start && p->end == o[i].end &&
                   p->queue == o[i].queue;
        }
        if (keep)
            o[kept++] = o[i];
    }
    *n = kept;
}

static int build_agent(struct build *b, int a, int *cells)
{
    const struct snapshot *s = b->s;
    const struct agent *ag = &s->agents[a];
    const struct contract *c = &s->contracts[ag->contract];
    const struct tz_table *tz = &s->tzs[ag->tz];
    struct shift_option *o = b->opts[a];
    int n = b->n_opts[a], rc, ea = b->eng_of[a];

    if (o == NULL) {
        rc = roster_agent_options(s, a, b->p->freeze_until, &o, &n);
        if (rc < 0)
            return rc;
        b->opts[a] = o;
    }
    if (b->free_day != NULL)
        keep_published_days(b, a, ea, o, &n);
    const int *mine = b->pub + b->pub_first[a];
    int n_mine = b->pub_first[a + 1] - b->pub_first[a];
    /* A frozen day next to a hole: its shift, or the shift extended into the hole. */
    absence_keep_extensions(s, a, b->p->freeze_until, mine, n_mine, b->holes, b->n_holes, o, &n);
    b->n_opts[a] = n;
    b->day_first[a] = calloc((size_t)b->n_days, sizeof **b->day_first);
    if (b->day_first[a] == NULL)
        return -ENOMEM;

    for (int i = 0; i < n; i++) {
        int day = o[i].day - b->base;
        if (day < 0 || day >= b->n_days)
            return -ERANGE;
        if (i == 0 || o[i - 1].day != o[i].day)
            b->day_first[a][day] = i;
        rc = add_option(b, ea, &o[i], cells);
        if (rc < 0)
            return rc;
        /* A day it may not change: its one option, fixed (without one the day is off anyway). */
        if (b->free_day != NULL && !b->free_day[(size_t)ea * (size_t)b->n_days + (size_t)day]) {
            rc = engine_agent_fix(b->inst, ea, day, i - b->day_first[a][day]);
            if (rc < 0)
                return rc;
        }
    }

    /*
     * An agent who already has a published schedule is not given new work at
     * short notice lightly: a day off that was published costs a little to
     * fill, more the sooner it is. (New agents start with a clean slate.)
     */
    bool has_schedule = n_mine > 0;
    for (int i = 0; has_schedule && i < n; i++) {
        if (i > 0 && o[i - 1].day == o[i].day)
            continue;
        int day = o[i].day - b->base;
        bool published_day = false;
        for (int k = 0; k < n_mine && !published_day; k++) {
            const struct published_shift *p = &s->published[mine[k]];
            published_day = !p->cancelled && tz_local_day(tz, p->start) == o[i].day;
        }
        if (published_day || o[i].start < s->now)
            continue;
        /*
         * Inside the freeze, a shift that fills a hole an absence left is a
         * backfill: it costs only BACKFILL_SHARE of the weight, any other the
         * rest on top.
         */
        double w = stability_weight(s, o[i].start), fill = FILL_SHARE;
        int j = i;
        bool backfill = false;
        for (; j < n && o[j].day == o[i].day; j++)
            backfill |=
                o[j].start < b->p->freeze_until && absence_fills_hole(&o[j], b->holes, b->n_holes);
        if (backfill)
            fill = BACKFILL_SHARE;
        rc = engine_wish_type(b->inst, ea, day, -1, true, fill * w, ENGINE_KIND_STABILITY);
        for (int x = i; backfill && FILL_SHARE > BACKFILL_SHARE && x < j && rc == 0; x++)
            if (o[x].start >= b->p->freeze_until ||
                !absence_fills_hole(&o[x], b->holes, b->n_holes))
                rc = engine_wish_option(b->inst, ea, day, x - i, false,
                                        (FILL_SHARE - BACKFILL_SHARE) * w, ENGINE_KIND_STABILITY);
        if (rc < 0)
            return rc;
    }

    /*
     * Stability and the freeze, shift by shift: what stands of a published
     * shift (all of it, or the part an absence leaves, absence_kept_part();
     * a shift under way as it is) is fixed inside the freeze and wished for
     * outside it. A frozen shift next to a hole may grow into it
     * (absence_keep_extensions() left only those options that day): at the
     * cost of filling a day off, and never dropped.
     */
    for (int k = 0; k < n_mine; k++) {
        const struct published_shift *p = &s->published[mine[k]];
        struct span st = {p->start, p->end};
        enum absence_keep keep = ABSENCE_WHOLE;
        if (p->cancelled || p->queue < 0 ||
            (p->start >= s->now && (keep = absence_kept_part(s, p, &st)) == ABSENCE_NONE))
            continue;
        for (int i = 0; i < n; i++) {
            if (st.start != o[i].start || st.end != o[i].end || p->queue != o[i].queue)
                continue;
            int day = o[i].day - b->base;
            int idx = i - b->day_first[a][day];
            /* As absence_keep_extensions() found it: a frozen shift, whole, next to a hole. */
            bool grows = false, may_grow = p->start >= s->now && p->start < b->p->freeze_until &&
                                           keep == ABSENCE_WHOLE;
            for (int j = b->day_first[a][day]; may_grow && j < n && o[j].day == o[i].day; j++)
                grows |= absence_extends_into_holes(&o[j], st.start, st.end, p->queue, b->holes,
                                                    b->n_holes);
            if (p->start >= b->p->freeze_until)
                rc = engine_wish_option(b->inst, ea, day, idx, true, stability_weight(s, p->start),
                                        ENGINE_KIND_STABILITY);
            else if (!grows)
                rc = engine_agent_fix(b->inst, ea, day, idx);
            else if ((rc = engine_wish_option(b->inst, ea, day, idx, true,
                                              BACKFILL_SHARE * stability_weight(s, p->start),
                                              ENGINE_KIND_STABILITY)) == 0)
                rc = engine_wish_type(b->inst, ea, day, -1, false, FROZEN_STAYS,
                                      ENGINE_KIND_STABILITY);
            if (rc < 0)
                return rc;
        }
    }

    struct engine_agent_rules r;
    engine_rules_default(&r);
    r.min_rest_minutes = c->min_rest_minutes;
    r.max_week_minutes = c->max_minutes_per_week;
    r.min_week_minutes = b->relax_min[a] ? 0 : c->min_minutes_per_week;
    r.max_week_days = c->max_days_per_week;
    r.max_consecutive = c->max_consecutive_days;
    /* Day 0's offset into its ISO week: 1969-12-29 (day -3) was a Monday. */
    r.week_offset = (int)((b->base + 3) - util_floor_div((int64_t)b->base + 3, 7) * 7);
    b->week_offset[a] = r.week_offset;
    rc = engine_agent_set_rules(b->inst, ea, &r);
    if (rc == 0)
        rc = add_preferences(b, a, ea);
    return rc;
}

/*
 * The most an agent could work over the horizon: per ISO week, the longest
 * option of each day, at most max_days_per_week of them, at most the weekly
 * maximum.
 */
static long agent_reach(const struct build *b, int a)
{
    const struct contract *c = &b->s->contracts[b->s->agents[a].contract];
    const struct shift_option *o = b->opts[a];
    int n = b->n_opts[a];
    long total = 0;
    int day_max[7];
    for (int w0 = -b->week_offset[a]; w0 < b->n_days; w0 += 7) {
        for (int k = 0; k < 7; k++)
            day_max[k] = 0;
        for (int i = 0; i < n; i++) {
            int d = o[i].day - b->base - w0;
            int m = (int)((o[i].end - o[i].start) / 60);
            if (d >= 0 && d < 7 && m > day_max[d])
                day_max[d] = m;
        }
        /* The max_days_per_week longest days (insertion sort, descending). */
        for (int k = 1; k < 7; k++)
            for (int m = k; m > 0 && day_max[m] > day_max[m - 1]; m--) {
                int t = day_max[m];
                day_max[m] = day_max[m - 1];
                day_max[m - 1] = t;
            }
        long week = 0;
        for (int k = 0; k < 7 && k < c->max_days_per_week; k++)
            week += day_max[k];
        total += week < c->max_minutes_per_week ? week : c->max_minutes_per_week;
    }
    return total;
}

/*
 * Fairness: each agent's fair share of the work is what it could work at most
 * (agent_reach) times the site's utilisation, the demand the agents could
 * cover (per cell, at most as many agents as have an option there) over
 * everything they could work. Minutes under or over the share cost a little.
 */
static int add_fair_shares(struct build *b, const double *required)
{
    const struct snapshot *s = b->s;
    size_t ncov = (size_t)s->n_queues * (size_t)s->n_cells;
    int *avail = calloc(ncov ? ncov : 1, sizeof *avail);
    int *stamp = calloc(ncov ? ncov : 1, sizeof *stamp);
    long *reach = calloc((size_t)(s->n_agents ? s->n_agents : 1), sizeof *reach);
    int rc = 0;
    if (!avail || !stamp || !reach) {
        rc = -ENOMEM;
        goto out;
    }
    double capacity = 0, coverable = 0;
    for (int a = 0; a < s->n_agents; a++) {
        if (b->n_opts[a] == 0)
            continue;
        for (int i = 0; i < b->n_opts[a]; i++) {
            const struct shift_option *o = &b->opts[a][i];
            int c0, c1;
            snapshot_span_cells(s, o->start, o->end, &c0, &c1);
            for (int c = c0; c < c1; c++) {
                size_t ix = (size_t)o->queue * (size_t)s->n_cells + (size_t)c;
                if (stamp[ix] != a + 1) {
                    stamp[ix] = a + 1;
                    avail[ix]++;
                }
            }
        }
        reach[a] = agent_reach(b, a);
        capacity += (double)reach[a];
    }
    for (size_t i = 0; i < ncov; i++) {
        double need = ceil(required[i] - 1e-9);
        coverable += need < avail[i] ? need : avail[i];
    }
    coverable *= SD_CELL_SECONDS / 60;
    double u = capacity > 0 ? coverable / capacity : 0;
    if (u > 1)
        u = 1;
    for (int a = 0; a < s->n_agents && rc == 0; a++) {
        if (b->n_opts[a] == 0)
            continue;
        rc = engine_agent_target_minutes(b->inst, a, (int)lround(u * (double)reach[a]), FAIR_UNDER,
                                         FAIR_OVER);
    }
out:
    free(avail);
    free(stamp);
    free(reach);
    return rc;
}

static bool is_weekend(const struct shift_option *o)
{
    return day_weekday(o->day) >= 6;
}

static bool is_late(const struct tz_table *tz, const struct shift_option *o)
{
    sd_time local = o->start + tz_offset_at(tz, o->start);
    return (int)((local % 86400 + 86400) % 86400 / 60) >= SD_LATE_MINUTE;
}

/*
 * Spreading weekend and late shifts over time: an agent who worked more of
 * them than the average agent who can work them (in the four weeks before the
 * horizon, agent.recent_*) gets a small wish against each such option,
 * UNPOPULAR_UNIT per shift above the average; so the next ones go to those who
 * had fewer, wherever coverage does not care who works.
 */
static int add_unpopular(struct build *b)
{
    const struct snapshot *s = b->s;
    double sum_w = 0, sum_l = 0;
    int n_w = 0, n_l = 0, rc = 0;
    bool history = false;
    for (int a = 0; a < s->n_agents && !history; a++)
        history = s->agents[a].recent_weekend_shifts > 0 || s->agents[a].recent_late_shifts > 0;
    if (!history)
        return 0;
    for (int a = 0; a < s->n_agents; a++) {
        const struct tz_table *tz = &s->tzs[s->agents[a].tz];
        bool w = false, l = false;
        for (int i = 0; i < b->n_opts[a]; i++) {
            w |= is_weekend(&b->opts[a][i]);
            l |= is_late(tz, &b->opts[a][i]);
        }
        if (w) {
            sum_w += s->agents[a].recent_weekend_shifts;
            n_w++;
        }
        if (l) {
            sum_l += s->agents[a].recent_late_shifts;
            n_l++;
        }
    }
    double avg_w = n_w ? sum_w / n_w : 0, avg_l = n_l ? sum_l / n_l : 0;
    for (int a = 0; a < s->n_agents && rc == 0; a++) {
        const struct agent *ag = &s->agents[a];
        const struct tz_table *tz = &s->tzs[ag->tz];
        double ww = UNPOPULAR_UNIT * (ag->recent_weekend_shifts - avg_w);
        double wl = UNPOPULAR_UNIT * (ag->recent_late_shifts - avg_l);
        /* The engine scales its annealing by its smallest weight: none below OVER_COST. */
        ww = ww > 0 ? fmax(ww, OVER_COST) : 0;
        wl = wl > 0 ? fmax(wl, OVER_COST) : 0;
        for (int i = 0; i < b->n_opts[a] && rc == 0 && (ww > 0 || wl > 0); i++) {
            const struct shift_option *o = &b->opts[a][i];
            double w = (is_weekend(o) ? ww : 0) + (is_late(tz, o) ? wl : 0);
            int day = o->day - b->base;
            if (w > 0)
                rc = engine_wish_option(b->inst, a, day, i - b->day_first[a][day], false, w,
                                        ENGINE_KIND_FAIRNESS);
        }
    }
    return rc;
}

/* b->pub_first and b->pub: the published shifts by agent (a counting sort). 0 or -ENOMEM. */
static int index_published(struct build *b)
{
    const struct snapshot *s = b->s;
    b->pub_first = calloc((size_t)s->n_agents + 2, sizeof *b->pub_first);
    b->pub = malloc((size_t)(s->n_published ? s->n_published : 1) * sizeof *b->pub);
    if (b->pub_first == NULL || b->pub == NULL)
        return -ENOMEM;
    for (int k = 0; k < s->n_published; k++)
        if (s->published[k].agent >= 0 && s->published[k].agent < s->n_agents)
            b->pub_first[s->published[k].agent + 2]++;
    for (int a = 0; a < s->n_agents; a++)
        b->pub_first[a + 2] += b->pub_first[a + 1];
    /* pub_first[a + 1] is now agent a's start: fill it, which leaves it at a's end. */
    for (int k = 0; k < s->n_published; k++)
        if (s->published[k].agent >= 0 && s->published[k].agent < s->n_agents)
            b->pub[b->pub_first[s->published[k].agent + 1]++] = k;
    return 0;
}

/*
 * The rebates of cell ix's first agents above its requirement `need`
 * (rebate[0..k), largest first, non-increasing): how many are worth a cell.
 */
static int buffer_rebates(const struct build *b, size_t ix, int need, double *rebate)
{
    int k = 0;
    if (b->p->buffer_gain == NULL || need <= 0)
        return 0;
    const double *g = b->p->buffer_gain + ix * ROSTER_BUFFER_LEVELS;
    for (int j = 0; j < ROSTER_BUFFER_LEVELS; j++) {
        double r = BUFFER_REBATE *
                   fmin(1.0, (g[j] - BUFFER_GAIN_FLOOR) / (BUFFER_GAIN_FULL - BUFFER_GAIN_FLOOR));
        if (!(r >= BUFFER_MIN_REBATE) || (k > 0 && r > rebate[k - 1]))
            break;
        rebate[k++] = r;
    }
    return k;
}

/*
 * The engine's cell has a convex shortage curve below its target and one
 * weight per agent above it, no curve there. So a cell's rebates live in a
 * second engine cell over the same interval, covered by every option that
 * covers the interval (add_option): its target is `need` + k, its shortage
 * curve the k rebates (the smallest first), nothing above. Both cells
 * together: the (need + j)-th agent costs OVER_COST less rebate[j - 1],
 * beyond need + k OVER_COST as before; below need the second cell charges
 * rebate[0] per agent missing, which the first cell's curve gives back
 * (build_instance), so shortage costs exactly what it did. The second cells
 * come after every interval's, whose index is queue * n_cells + cell.
 */
static int add_buffer_cell(struct build *b, size_t ix, int need, int kept)
{
    double rebate[ROSTER_BUFFER_LEVELS], marginal[ROSTER_BUFFER_LEVELS];
    int k = buffer_rebates(b, ix, need, rebate);
    if (k == 0)
        return 0;
    for (int j = 0; j < k; j++)
        marginal[j] = rebate[k - 1 - j];
    int target = need + k > kept ? need + k - kept : 0;
    /* Its `under` only tells the engine's annealing the scale of the instance's weights. */
    int cell = engine_cell_add(b->inst, target, OVER_COST, 0);
    if (cell < 0)
        return cell;
    b->buffer_cell[ix] = cell;
    return engine_cell_set_shortage_curve(b->inst, cell, marginal, k);
}

static int build_instance(struct build *b, const double *required)
{
    const struct snapshot *s = b->s;
    int rc = 0;
    size_t ncov = (size_t)s->n_queues * (size_t)s->n_cells;
    /* An option's cells: each interval's, and its buffer cell's. */
    int *cells = malloc((size_t)(s->n_cells > 0 ? 2 * s->n_cells : 1) * sizeof *cells);
    b->buffer_cell = malloc((ncov ? ncov : 1) * sizeof *b->buffer_cell);
    double curve[CURVE_LEN], rebate[ROSTER_BUFFER_LEVELS];
    if (cells == NULL || b->buffer_cell == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    b->inst = engine_instance_new(b->n_days, b->n_eng, 1);
    if (b->inst == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t ix = 0; ix < ncov && rc >= 0; ix++) {
        int need = (int)ceil(required[ix] - 1e-9), kept = b->kept_cov ? b->kept_cov[ix] : 0;
        /* Idle hours weigh more where nobody at all is needed (the whole requirement). */
        double over = need > 0 ? OVER_COST : IDLE_COST;
        double back = buffer_rebates(b, ix, need, rebate) > 0 ? rebate[0] : 0;
        for (int k = 0; k < CURVE_LEN; k++)
            curve[k] = 2.0 * k + 1.0 - back;
        /*
         * What the agents kept as published leave: the same shortage and
         * the same marginal costs as in the whole site's instance.
         */
        need = need > kept ? need - kept : 0;
        int cell = engine_cell_add(b->inst, need, 1.0, over);
        rc = cell;
        if (cell >= 0)
            rc = engine_cell_set_shortage_curve(b->inst, cell, curve, CURVE_LEN);
    }
    for (size_t ix = 0; ix < ncov && rc >= 0; ix++) {
        b->buffer_cell[ix] = -1;
        rc = add_buffer_cell(b, ix, (int)ceil(required[ix] - 1e-9),
                             b->kept_cov ? b->kept_cov[ix] : 0);
    }
    for (int i = 0; i < b->n_eng && rc >= 0; i++) {
        /*
         * Building 10,000 agents takes seconds: a cancel (shutdown, or a change
         * to plan first) must not wait for it.
         */
        if ((i & 63) == 0 && b->p->cancel != NULL && atomic_load(b->p->cancel)) {
            rc = -ECANCELED;
            break;
        }
        rc = build_agent(b, b->agent_of[i], cells);
    }
    /* Both weigh every agent of the site against the others: a quick plan leaves them out. */
    if (rc >= 0 && b->fair && b->free_day == NULL)
        rc = add_fair_shares(b, required);
    if (rc >= 0 && b->free_day == NULL)
        rc = add_unpopular(b);
    if (rc >= 0)
        rc = engine_instance_finalize(b->inst);
out:
    free(cells);
    return rc < 0 ? rc : 0;
}

static void build_free(struct build *b)
{
    engine_instance_free(b->inst);
    b->inst = NULL;
    free(b->buffer_cell);
    b->buffer_cell = NULL;
    for (int a = 0; a < b->s->n_agents; a++) {
        if (b->opts)
            free(b->opts[a]);
        if (b->day_first)
            free(b->day_first[a]);
        if (b->opts)
            b->opts[a] = NULL;
        if (b->day_first)
            b->day_first[a] = NULL;
    }
}

static int add_warning(struct plan *plan, const struct agent *a, const char *fmt, int minutes)
{
    struct input_error *w = util_push((void **)&plan->warnings, &plan->n_warnings, sizeof *w);
    if (w == NULL)
        return -ENOMEM;
    text_printf(w->table, sizeof w->table, "agents");
    text_printf(w->key, sizeof w->key, "id=%lld", (long long)a->id);
    text_printf(w->message, sizeof w->message, fmt, a->name, minutes);
    return 0;
}

/* Marks (and warns about) every agent with no feasible horizon; returns how many. */
static int find_unreachable_minimums(struct build *b, struct plan *plan)
{
    const struct snapshot *s = b->s;
    int found = 0, rc = 0, ne = b->n_eng > 0 ? b->n_eng : 1;
    bool *which = calloc((size_t)ne, sizeof *which), *ok = calloc((size_t)ne, sizeof *ok);
    if (which == NULL || ok == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < b->n_eng; i++) {
        int a = b->agent_of[i];
        which[i] = !b->relax_min[a] && s->contracts[s->agents[a].contract].min_minutes_per_week > 0;
    }
    rc = engine_feasible_agents(b->inst, which, b->p->cancel, ok);
    if (rc == -ECANCELED)
        rc = 0; /* the solve below returns at once and reports the cancellation */
    for (int i = 0; i < b->n_eng && rc == 0; i++) {
        int a = b->agent_of[i];
        if (!which[i] || ok[i])
            continue;
        if (i >= b->n_changed && b->free_day != NULL) {
            /* A neighbour whose published days leave it no horizon: plan in full. */
            rc = -EAGAIN;
            break;
        }
        b->relax_min[a] = true;
        found++;
        rc = add_warning(plan, &s->agents[a],
                         "agent '%s' cannot reach the contract's minimum of %d minutes a week "
                         "within availability, rest and time off: planned without it",
                         s->contracts[s->agents[a].contract].min_minutes_per_week);
    }
out:
    free(which);
    free(ok);
    return rc < 0 ? rc : found;
}

/* Appends a shift to the plan and counts it in plan->scheduled (breaks come later). */
static int plan_add_shift(const struct snapshot *s, struct plan *plan, int a, int queue,
                          sd_time start, sd_time end)
{
    struct planned_shift *ns = realloc(plan->shifts, (size_t)(plan->n_shifts + 1) * sizeof *ns);
    if (ns == NULL)
        return -ENOMEM;
    plan->shifts = ns;
    plan->shifts[plan->n_shifts++] = (struct planned_shift){a, queue, start, end};
    int c0, c1;
    snapshot_span_cells(s, start, end, &c0, &c1);
    for (int c = c0; c < c1; c++)
        plan->scheduled[(size_t)queue * (size_t)s->n_cells + (size_t)c]++;
    return 0;
}

/*
 * The engine's share of the run's budget: what building the instance left,
 * less a reserve for the breaks and the coverage after it (0.05 s at 10,000
 * agents, measured). At least a little: the engine then builds its first
 * roster with its narrowest DP and returns it.
 */
static double engine_seconds(const struct roster_params *p)
{
    if (p->seconds <= 0)
        return 0;
    double reserve = 0.1 + 0.01 * p->seconds;
    if (reserve > 0.25 * p->seconds)
        reserve = 0.25 * p->seconds; /* a quick plan's 0.1 s: small sites, small reserve */
    double left = p->seconds - (util_mono_seconds() - p->started) - reserve;
    return left > 0.01 ? left : 0.01;
}

int roster_build(const struct snapshot *s, const struct roster_params *p_in, struct plan *plan)
{
    struct roster_params pp = *p_in;
    const struct roster_params *p = &pp;
    if (pp.started <= 0)
        pp.started = util_mono_seconds();
    int rc = 0;
    size_t ncov = (size_t)s->n_queues * (size_t)s->n_cells;
    struct engine_solution sol = {0};
    struct build b = {.s = s, .p = p};
    int na = s->n_agents > 0 ? s->n_agents : 1;
    bool quick = p->quick_agents != NULL;
    roster_days(s, &b.base, &b.n_days);
    b.fair = p->seconds <= 0 ||
             (double)s->n_agents * s->horizon_days <= FAIR_AGENT_DAYS_PER_SECOND * p->seconds;
    b.opts = calloc((size_t)na, sizeof *b.opts);
    b.day_first = calloc((size_t)na, sizeof *b.day_first);
    b.n_opts = calloc((size_t)na, sizeof *b.n_opts);
    b.relax_min = calloc((size_t)na, sizeof *b.relax_min);
    b.week_offset = calloc((size_t)na, sizeof *b.week_offset);
    b.agent_of = calloc((size_t)na, sizeof *b.agent_of);
    b.eng_of = calloc((size_t)na, sizeof *b.eng_of);
    plan->scheduled = calloc(ncov ? ncov : 1, sizeof *plan->scheduled);
    if (!b.opts || !b.day_first || !b.n_opts || !b.relax_min || !b.week_offset || !b.agent_of ||
        !b.eng_of || !plan->scheduled) {
        rc = -ENOMEM;
        goto out;
    }
    rc = index_published(&b);
    if (rc == 0)
        rc = absence_holes(s, &b.holes, &b.n_holes);
    if (rc < 0)
        goto out;
    /*
     * A site with demand but no agent yet (HR enters queues and forecasts
     * first) has nothing to roster: every cell is short, which coverage and
     * recruitment then say. The engine takes no empty instance.
     */
    if (s->n_agents == 0)
        goto out;
    if (quick) {
        rc = roster_quick_neighbourhood(&b);
        if (rc < 0)
            goto out;
    } else {
        b.n_eng = b.n_changed = s->n_agents;
        for (int a = 0; a < s->n_agents; a++)
            b.agent_of[a] = b.eng_of[a] = a;
    }

    /*
     * An agent whose minimum cannot be met is planned without it, and named.
     * All such agents are found at once by asking the per-agent DP for any
     * feasible horizon, so the instance is rebuilt at most once for them; the
     * solver's own -EDOM below stays as the backstop.
     */
    for (int attempt = 0; b.n_eng > 0 && attempt <= b.n_eng; attempt++) {
        rc = build_instance(&b, plan->required);
        if (rc < 0)
            goto out;
        if (attempt == 0) {
            rc = find_unreachable_minimums(&b, plan);
            if (rc < 0)
                goto out;
            if (rc > 0) {
                build_free(&b);
                rc = build_instance(&b, plan->required);
                if (rc < 0)
                    goto out;
            }
        }
        struct engine_params ep = {.seed = p->seed,
                                   .iterations = p->iterations,
                                   .seconds = engine_seconds(p),
                                   .threads = p->threads,
                                   .cancel = p->cancel};
        rc = engine_solve(b.inst, &ep, &sol);
        if (rc != -EDOM)
            break;
        int bad = sol.infeasible_agent;
        engine_solution_free(&sol);
        if (bad < 0 || bad >= b.n_eng || b.relax_min[b.agent_of[bad]]) {
            rc = -EDOM;
            goto out;
        }
        if (bad >= b.n_changed) {
            rc = -EAGAIN; /* a quick plan's neighbour: see find_unreachable_minimums */
            goto out;
        }
        bad = b.agent_of[bad];
        b.relax_min[bad] = true;
        rc = add_warning(plan, &s->agents[bad],
                         "agent '%s' cannot reach the contract's minimum of %d minutes a week "
                         "within availability, rest and time off: planned without it",
                         s->contracts[s->agents[bad].contract].min_minutes_per_week);
        build_free(&b);
        if (rc < 0)
            goto out;
    }
    if (rc < 0)
        goto out;
    if (sol.cancelled) {
        rc = -ECANCELED;
        goto out;
    }
    if (p->improve_only && !quick && sol.choice != NULL) {
        rc = roster_keep_published_unless_better(&b, &sol);
        if (rc < 0)
            goto out;
    }

    for (int i = 0; i < b.n_eng && sol.choice != NULL; i++) {
        int a = b.agent_of[i];
        for (int d = 0; d < b.n_days; d++) {
            int choice = sol.choice[(size_t)i * (size_t)b.n_days + (size_t)d];
            if (choice < 0)
                continue;
            const struct shift_option *o = &b.opts[a][b.day_first[a][d] + choice];
            rc = plan_add_shift(s, plan, a, o->queue, o->start, o->end);
            if (rc < 0)
                goto out;
        }
    }
    for (int k = 0; quick && k < s->n_published; k++) {
        const struct published_shift *ps = &s->published[k];
        int day;
        if (!roster_kept_published(&b, ps, &day))
            continue;
        rc = plan_add_shift(s, plan, ps->agent, ps->queue, ps->start, ps->end);
        if (rc < 0)
            goto out;
    }
    rc = breaks_place(s, plan);
out:
    engine_solution_free(&sol);
    if (b.opts != NULL)
        build_free(&b);
    free(b.opts);
    free(b.day_first);
    free(b.n_opts);
    free(b.relax_min);
    free(b.week_offset);
    free(b.pub_first);
    free(b.pub);
    free(b.agent_of);
    free(b.eng_of);
    free(b.free_day);
    free(b.kept_cov);
    free(b.holes);
    return rc;
}
