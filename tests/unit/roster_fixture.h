/* SPDX-License-Identifier: ISC */
/*
 * roster_fixture.h — what the roster tests (test_roster.c, test_quick.c,
 * test_absence.c, test_breaks.c; the contract also test_plan.c,
 * test_recruit.c, test_shifts.c) share: the UTC time-zone table, the
 * snapshot, the contract and the weekly availability their sites are built
 * from; about a plan once built, its rules checked by the independent
 * checker, its release when the fixture owns `required`, and the shift an
 * agent works on a day. Include after <cmocka.h>.
 */
#ifndef STAFFD_ROSTER_FIXTURE_H
#define STAFFD_ROSTER_FIXTURE_H

#include <stdint.h>

#include "model.h"
#include "rule_check.h"

/* One time zone, UTC for all time: *from and *off are what tz points at. */
static inline void fixture_utc(struct tz_table *tz, sd_time *from, int32_t *off)
{
    *from = INT64_MIN / 2;
    *off = 0;
    *tz = (struct tz_table){.name = (char *)"UTC", .n = 1, .from = from, .offset = off};
}

/*
 * A site of `days` days of 15-minute cells from `start` (also its clock),
 * in time zone tz: its queues with their contacts and handling times, one
 * contract, its agents. Nothing published, no time off, no hiring.
 */
static inline struct snapshot fixture_snapshot(sd_time start, int days, struct tz_table *tz,
                                               struct queue *queues, int n_queues, double *contacts,
                                               double *aht, struct contract *c,
                                               struct agent *agents, int n_agents)
{
    return (struct snapshot){.now = start,
                             .horizon_start = start,
                             .horizon_days = days,
                             .n_cells = days * 96,
                             .n_tzs = 1,
                             .tzs = tz,
                             .n_queues = n_queues,
                             .queues = queues,
                             .contacts = contacts,
                             .aht = aht,
                             .n_contracts = 1,
                             .contracts = c,
                             .n_agents = n_agents,
                             .agents = agents};
}

/*
 * The tests' full-time contract (id 1): 40 h and 5 days a week, at most 5
 * in a row, 11 h of rest, starts every step minutes, shifts of the given
 * lengths.
 */
static inline struct contract fixture_contract(char *name, int step, int *lengths, int n_lengths)
{
    return (struct contract){.id = 1,
                             .name = name,
                             .max_minutes_per_week = 2400,
                             .max_days_per_week = 5,
                             .max_consecutive_days = 5,
                             .min_rest_minutes = 660,
                             .shift_start_step_minutes = step,
                             .n_lengths = n_lengths,
                             .shift_lengths_minutes = lengths};
}

/* Availability every weekday from `from` to `to` (minutes of the local day), always valid. */
static inline void fixture_week(struct window w[7], int from, int to)
{
    for (int d = 0; d < 7; d++)
        w[d] = (struct window){.weekday = d + 1,
                               .start_min = from,
                               .end_min = to,
                               .valid_from = INT32_MIN,
                               .valid_until = INT32_MAX};
}

/* Fails the test, naming the rule, when plan p breaks one on snapshot s. */
static inline void fixture_check_rules(const struct snapshot *s, const struct plan *p)
{
    char why[256] = "";
    int rc = rule_check(s, p->shifts, p->n_shifts, why, sizeof why);
    if (rc != 0)
        fail_msg("a rule is broken: %s", why);
}

/* Frees a plan whose `required` is the fixture's. */
static inline void fixture_release(struct plan *p)
{
    p->required = NULL;
    plan_free(p);
}

/* Agent a's shift starting on day d (counted from day0, 0:00 UTC), or NULL. */
static inline const struct planned_shift *fixture_shift_on(const struct plan *p, int a,
                                                           sd_time day0, int d)
{
    for (int k = 0; k < p->n_shifts; k++)
        if (p->shifts[k].agent == a && (p->shifts[k].start - day0) / 86400 == d)
            return &p->shifts[k];
    return NULL;
}

#endif
