/*
 * roster.c — a contact centre's planning problem as an engine instance
 * (see include/roster.h and include/engine.h).
 *
 * Engine days are local dates counted from the UTC date before the horizon,
 * so every agent's local days, whatever its zone, fall on the same grid, and
 * 7-day blocks starting on a Monday are local ISO weeks. Cells are (queue,
 * 15-minute interval). A cell's shortage costs 1, 3, 5, ... for the first,
 * second, third agent missing (the square of the shortage), so one missing
 * agent in a thin interval hurts more than in a well covered one.
 *
 * Stability: a published shift that is offered again carries a wish to keep
 * it, worth more the sooner it starts; inside the freeze window it is fixed,
 * unless the agent can no longer work it (then it is cancelled). A published
 * day off costs a little to fill in the same way; the freeze does not forbid
 * it, since offering work in a gap does not move anything an agent was told. An agent whose
 * contract minimum cannot be met (too little availability) gets the minimum relaxed, with a warning
 * that names the agent, so everybody else is still planned.
 */
#include "roster.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "schedule.h"

/* Marginal costs of the 1st, 2nd, ... agent short in a cell: the squares' steps. */
#define CURVE_LEN 16
/* Each agent over the requirement in a cell costs a little: no shift runs on for nothing. */
#define OVER_COST 0.01
/* Changing a published shift: this much, plus up to STABILITY_NEAR for one about to start. */
#define STABILITY_BASE 16.0
#define STABILITY_NEAR 100.0

struct build {
    const struct snapshot *s;
    const struct roster_params *p;
    struct engine_instance *inst;
    int32_t base; /* local date of engine day 0 */
    int n_days;
    /* Per agent: its options in engine order, to map a choice back to a shift. */
    struct shift_option **opts;
    int **day_first; /* [agent][day]: index into opts[agent] of the day's option 0 */
    int *n_opts;
    bool *relax_min; /* agents whose weekly minimum is not applied */
};

static int32_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return (int32_t)q;
}

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
    sd_time hs = s->horizon_start;
    int64_t c0 = (o->start - hs) / SD_CELL_SECONDS;
    int64_t c1 = (o->end - hs + SD_CELL_SECONDS - 1) / SD_CELL_SECONDS;
    int n = 0;
    for (int64_t c = c0 < 0 ? 0 : c0; c < c1 && c < s->n_cells; c++)
        cells[n++] = o->queue * s->n_cells + (int)c;
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

static int build_agent(struct build *b, int a, int *cells)
{
    const struct snapshot *s = b->s;
    const struct agent *ag = &s->agents[a];
    const struct contract *c = &s->contracts[ag->contract];
    const struct tz_table *tz = &s->tzs[ag->tz];
    struct shift_option *o = NULL;
    int n = 0, rc;

    rc = schedule_options_for_agent(s, a, &o, &n);
    if (rc < 0)
        return rc;
    /* Published shifts that stand whatever happens: under way, or frozen and still workable. */
    for (int i = 0; i < s->n_published; i++) {
        const struct published_shift *p = &s->published[i];
        if (p->agent != a || p->cancelled || p->queue < 0)
            continue;
        bool fixed = p->start < s->now || (p->start < s->freeze_until &&
                                           schedule_shift_valid(s, a, p->queue, p->start, p->end));
        int32_t day = tz_local_day(tz, p->start);
        if (!fixed || day < b->base || day >= b->base + b->n_days)
            continue; /* shifts before the horizon only ever matter as history */
        struct shift_option *no = realloc(o, (size_t)(n + 1) * sizeof *no);
        if (no == NULL) {
            free(o);
            return -ENOMEM;
        }
        o = no;
        o[n++] = (struct shift_option){day, p->queue, p->start, p->end};
    }
    if (n > 1)
        qsort(o, (size_t)n, sizeof *o, cmp_option);
    /* Overlapping availability windows offer the same shift twice: keep one. */
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (kept == 0 || cmp_option(&o[kept - 1], &o[i]) != 0)
            o[kept++] = o[i];
    n = kept;
    b->opts[a] = o;
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
        rc = add_option(b, a, &o[i], cells);
        if (rc < 0)
            return rc;
    }

    /*
     * An agent who already has a published schedule is not given new work at
     * short notice lightly: a day off that was published costs a little to
     * fill, more the sooner it is. (New agents start with a clean slate.)
     */
    bool has_schedule = false;
    for (int k = 0; k < s->n_published && !has_schedule; k++)
        has_schedule = s->published[k].agent == a;
    for (int i = 0; has_schedule && i < n; i++) {
        if (i > 0 && o[i - 1].day == o[i].day)
            continue;
        int day = o[i].day - b->base;
        bool published_day = false;
        for (int k = 0; k < s->n_published && !published_day; k++) {
            const struct published_shift *p = &s->published[k];
            published_day =
                p->agent == a && !p->cancelled && tz_local_day(tz, p->start) == o[i].day;
        }
        if (published_day || o[i].start < s->now)
            continue;
        rc = engine_wish_type(b->inst, a, day, -1, true, 0.5 * stability_weight(s, o[i].start),
                              ENGINE_KIND_STABILITY);
        if (rc < 0)
            return rc;
    }

    /* Stability and the freeze, option by option. */
    for (int i = 0; i < n; i++) {
        int day = o[i].day - b->base;
        int idx = i - b->day_first[a][day];
        for (int k = 0; k < s->n_published; k++) {
            const struct published_shift *p = &s->published[k];
            if (p->agent != a || p->cancelled || p->start != o[i].start || p->end != o[i].end ||
                p->queue != o[i].queue)
                continue;
            if (p->start < s->freeze_until)
                rc = engine_agent_fix(b->inst, a, day, idx);
            else
                rc = engine_wish_option(b->inst, a, day, idx, true, stability_weight(s, p->start),
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
    r.week_offset = (int)((b->base + 3) - floor_div((int64_t)b->base + 3, 7) * 7);
    return engine_agent_set_rules(b->inst, a, &r);
}

static int build_instance(struct build *b, const double *required)
{
    const struct snapshot *s = b->s;
    int rc = 0;
    int *cells = malloc((size_t)(s->n_cells > 0 ? s->n_cells : 1) * sizeof *cells);
    double curve[CURVE_LEN];
    if (cells == NULL)
        return -ENOMEM;
    for (int k = 0; k < CURVE_LEN; k++)
        curve[k] = 2.0 * k + 1.0;
    b->inst = engine_instance_new(b->n_days, s->n_agents, 1);
    if (b->inst == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (int q = 0; q < s->n_queues && rc >= 0; q++) {
        for (int c = 0; c < s->n_cells && rc >= 0; c++) {
            double req = required[(size_t)q * (size_t)s->n_cells + (size_t)c];
            int cell = engine_cell_add(b->inst, (int)ceil(req - 1e-9), 1.0, OVER_COST);
            rc = cell;
            if (cell >= 0)
                rc = engine_cell_set_shortage_curve(b->inst, cell, curve, CURVE_LEN);
        }
    }
    for (int a = 0; a < s->n_agents && rc >= 0; a++)
        rc = build_agent(b, a, cells);
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
    struct input_error *nw = realloc(plan->warnings, (size_t)(plan->n_warnings + 1) * sizeof *nw);
    if (nw == NULL)
        return -ENOMEM;
    plan->warnings = nw;
    struct input_error *w = &nw[plan->n_warnings++];
    memset(w, 0, sizeof *w);
    snprintf(w->table, sizeof w->table, "agents");
    snprintf(w->key, sizeof w->key, "id=%lld", (long long)a->id);
    snprintf(w->message, sizeof w->message, fmt, a->name, minutes);
    return 0;
}

int roster_build(const struct snapshot *s, const struct roster_params *p, struct plan *plan)
{
    int rc = 0;
    size_t ncov = (size_t)s->n_queues * (size_t)s->n_cells;
    struct engine_solution sol = {0};
    struct build b = {.s = s, .p = p};
    int na = s->n_agents > 0 ? s->n_agents : 1;
    b.base = floor_div(s->horizon_start, 86400) - 1;
    b.n_days = s->horizon_days + 3;
    b.opts = calloc((size_t)na, sizeof *b.opts);
    b.day_first = calloc((size_t)na, sizeof *b.day_first);
    b.n_opts = calloc((size_t)na, sizeof *b.n_opts);
    b.relax_min = calloc((size_t)na, sizeof *b.relax_min);
    plan->scheduled = calloc(ncov ? ncov : 1, sizeof *plan->scheduled);
    if (!b.opts || !b.day_first || !b.n_opts || !b.relax_min || !plan->scheduled) {
        rc = -ENOMEM;
        goto out;
    }

    /* An agent whose minimum cannot be met is planned without it, and named. */
    for (int attempt = 0; attempt <= s->n_agents; attempt++) {
        rc = build_instance(&b, plan->required);
        if (rc < 0)
            goto out;
        struct engine_params ep = {.seed = p->seed,
                                   .iterations = p->iterations,
                                   .seconds = p->seconds,
                                   .threads = p->threads,
                                   .cancel = p->cancel};
        rc = engine_solve(b.inst, &ep, &sol);
        if (rc != -EDOM)
            break;
        int bad = sol.infeasible_agent;
        engine_solution_free(&sol);
        if (bad < 0 || bad >= s->n_agents || b.relax_min[bad]) {
            rc = -EDOM;
            goto out;
        }
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

    for (int a = 0; a < s->n_agents; a++) {
        for (int d = 0; d < b.n_days; d++) {
            int choice = sol.choice[(size_t)a * (size_t)b.n_days + (size_t)d];
            if (choice < 0)
                continue;
            const struct shift_option *o = &b.opts[a][b.day_first[a][d] + choice];
            struct planned_shift *ns =
                realloc(plan->shifts, (size_t)(plan->n_shifts + 1) * sizeof *ns);
            if (ns == NULL) {
                rc = -ENOMEM;
                goto out;
            }
            plan->shifts = ns;
            plan->shifts[plan->n_shifts++] = (struct planned_shift){a, o->queue, o->start, o->end};
            sd_time hs = s->horizon_start;
            int64_t c0 = (o->start - hs) / SD_CELL_SECONDS;
            int64_t c1 = (o->end - hs + SD_CELL_SECONDS - 1) / SD_CELL_SECONDS;
            for (int64_t c = c0 < 0 ? 0 : c0; c < c1 && c < s->n_cells; c++)
                plan->scheduled[(size_t)o->queue * (size_t)s->n_cells + (size_t)c]++;
        }
    }
out:
    engine_solution_free(&sol);
    if (b.opts != NULL)
        build_free(&b);
    free(b.opts);
    free(b.day_first);
    free(b.n_opts);
    free(b.relax_min);
    return rc;
}
