/* SPDX-License-Identifier: ISC */
/*
 * rule_check.c — the independent rule checker (see include/rule_check.h). It
 * re-verifies a finished set of shifts from scratch, sorted per agent, with
 * none of the builders' incremental bookkeeping, so that a bug in either shows
 * up as a disagreement in the tests.
 */
#include "rule_check.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Local minutes after local midnight of instant t. */
static int local_minute(const struct tz_table *tz, sd_time t)
{
    sd_time local = t + tz_offset_at(tz, t);
    int64_t m = (local % 86400 + 86400) % 86400;
    return (int)(m / 60);
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

#define FAIL(...)                                                                                  \
    do {                                                                                           \
        if (why != NULL)                                                                           \
            text_printf(why, why_len, __VA_ARGS__);                                                \
        rc = -EINVAL;                                                                              \
        goto out;                                                                                  \
    } while (0)

int rule_check(const struct snapshot *s, const struct planned_shift *shifts, int n, char *why,
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
        if (!agent_has_skill(a, p->queue))
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
            if (!agent_available_during(s, a, p->start, p->end))
                FAIL("agent %lld: shift outside availability", (long long)a->id);
            if (agent_off_during(a, p->start, p->end))
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
                if (day_iso_week(tz_local_day(tz, v[m].start)) == day_iso_week(d)) {
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
