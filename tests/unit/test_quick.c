/* SPDX-License-Identifier: ISC */
/*
 * Tests of quick plans (roster.c with roster_params.quick_agents, docs/engine.md
 * "Quick plans"): a week, two queues, six agents; a roster is planned in full
 * and published, then one agent takes a day off. The quick plan must move only
 * that agent and the agents skilled for the queue it leaves short, those only
 * on the day of the hole and three days either side, keep every other published
 * shift exactly, respect the time off and break no rule; an agent the change
 * did not name and no hole needs is not touched; and the full plan that follows
 * with improve_only keeps a published roster no worse than what it finds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "roster.h"
#include "rule_check.h"
#include "roster_fixture.h"
#include "testutil.h"

#define DAY    86400LL
#define MONDAY 19723 /* 2024-01-01 */
#define HS     ((sd_time)MONDAY * DAY)
#define NDAYS  7
#define NCELLS (NDAYS * 96)
#define NAG    6
#define NQ     2

struct qf {
    struct snapshot s;
    struct tz_table tz;
    sd_time from;
    int32_t off;
    struct queue q[NQ];
    struct contract c;
    int lengths[1];
    struct agent ag[NAG];
    struct window win[NAG][7];
    int skills[NQ];
    struct span off_span;
    double contacts[NQ * NCELLS], aht[NQ * NCELLS];
    double required[NQ * NCELLS];
    struct published_shift pub[NAG * NDAYS + 8];
};

/* Agents 0-2 on queue 0, 3-5 on queue 1, every day 07:00-23:00, 8-hour shifts. */
static void qf_init(struct qf *f)
{
    memset(f, 0, sizeof *f);
    fixture_utc(&f->tz, &f->from, &f->off);
    for (int q = 0; q < NQ; q++) {
        f->q[q] = (struct queue){.id = q + 1, .name = (char *)(q ? "q1" : "q0"), .concurrency = 1};
        f->skills[q] = q;
    }
    f->lengths[0] = 480;
    f->c = fixture_contract("c", 60, f->lengths, 1);
    for (int a = 0; a < NAG; a++) {
        fixture_week(f->win[a], 7 * 60, 23 * 60);
        f->ag[a] = (struct agent){.id = 100 + a,
                                  .name = (char *)"agent",
                                  .n_skills = 1,
                                  .skills = &f->skills[a < 3 ? 0 : 1],
                                  .n_windows = 7,
                                  .windows = f->win[a]};
    }
    /* Two agents wanted on each queue 08:00-22:00 every day: more than three can give. */
    for (int q = 0; q < NQ; q++)
        for (int d = 0; d < NDAYS; d++)
            for (int c = 8 * 4; c < 22 * 4; c++)
                f->required[q * NCELLS + d * 96 + c] = 2;
    f->s = fixture_snapshot(HS, NDAYS, &f->tz, f->q, NQ, f->contacts, f->aht, &f->c, f->ag, NAG);
    f->s.published = f->pub;
}

static void build(struct qf *f, const int64_t *quick, int n_quick, bool improve_only,
                  struct plan *p)
{
    *p = (struct plan){0};
    p->required = f->required;
    struct roster_params rp = {.seed = 7,
                               .iterations = 4000,
                               .threads = 1,
                               .quick_agents = quick,
                               .n_quick_agents = n_quick,
                               .improve_only = improve_only};
    assert_int_equal(roster_build(&f->s, &rp, p), 0);
    fixture_check_rules(&f->s, p);
}

/* The plan becomes the published roster. */
static void publish(struct qf *f, const struct plan *p)
{
    assert_true(p->n_shifts <= (int)(sizeof f->pub / sizeof f->pub[0]));
    for (int k = 0; k < p->n_shifts; k++) {
        const struct planned_shift *ps = &p->shifts[k];
        f->pub[k] = (struct published_shift){.agent = ps->agent,
                                             .queue = ps->queue,
                                             .agent_id = f->ag[ps->agent].id,
                                             .queue_id = f->q[ps->queue].id,
                                             .start = ps->start,
                                             .end = ps->end};
        snprintf(f->pub[k].uuid, sizeof f->pub[k].uuid, "00000000-0000-0000-0000-%012d", k);
    }
    f->s.n_published = p->n_shifts;
}

/* Whether agent a has exactly shift (start, end, queue) in the plan. */
static bool planned(const struct plan *p, int a, sd_time start, sd_time end, int queue)
{
    for (int k = 0; k < p->n_shifts; k++)
        if (p->shifts[k].agent == a && p->shifts[k].start == start && p->shifts[k].end == end &&
            p->shifts[k].queue == queue)
            return true;
    return false;
}

/* Whether agent a's shifts in the plan and the published roster are the same, on day d or all. */
static bool unchanged(const struct qf *f, const struct plan *p, int a, int day)
{
    int n_pub = 0, n_plan = 0;
    for (int k = 0; k < f->s.n_published; k++) {
        const struct published_shift *ps = &f->pub[k];
        if (ps->agent != a || (day >= 0 && (ps->start - HS) / DAY != day))
            continue;
        n_pub++;
        if (!planned(p, a, ps->start, ps->end, ps->queue))
            return false;
    }
    for (int k = 0; k < p->n_shifts; k++)
        n_plan += p->shifts[k].agent == a && (day < 0 || (p->shifts[k].start - HS) / DAY == day);
    return n_pub == n_plan;
}

static void test_quick_moves_only_the_neighbourhood(void **state)
{
    (void)state;
    struct qf *f = calloc(1, sizeof *f);
    struct plan full, quick;
    qf_init(f);
    build(f, NULL, 0, false, &full);
    publish(f, &full);
    /* Agent 0's first published shift from Wednesday on becomes time off. */
    int hole = -1;
    for (int k = 0; k < f->s.n_published && hole < 0; k++)
        if (f->pub[k].agent == 0 && f->pub[k].start >= HS + 2 * DAY)
            hole = k;
    assert_true(hole >= 0);
    int hole_day = (int)((f->pub[hole].start - HS) / DAY);
    f->off_span = (struct span){f->pub[hole].start, f->pub[hole].end};
    f->ag[0].time_off = &f->off_span;
    f->ag[0].n_time_off = 1;

    int64_t changed[1] = {100};
    build(f, changed, 1, false, &quick);
    /* The time off holds: the shift is gone. */
    assert_false(planned(&quick, 0, f->pub[hole].start, f->pub[hole].end, f->pub[hole].queue));
    /* The other queue's agents are not touched at all. */
    for (int a = 3; a < NAG; a++)
        assert_true(unchanged(f, &quick, a, -1));
    /* Agent 0's neighbours change only around the hole. */
    for (int a = 1; a < 3; a++)
        for (int d = 0; d < NDAYS; d++)
            if (d < hole_day - 3 || d > hole_day + 3)
                assert_true(unchanged(f, &quick, a, d));
    /* Same inputs, same quick plan. */
    struct plan again;
    build(f, changed, 1, false, &again);
    assert_int_equal(again.n_shifts, quick.n_shifts);
    for (int k = 0; k < quick.n_shifts; k++)
        assert_true(planned(&again, quick.shifts[k].agent, quick.shifts[k].start,
                            quick.shifts[k].end, quick.shifts[k].queue));
    fixture_release(&again);
    fixture_release(&quick);
    fixture_release(&full);
    free(f);
}

/* A change that leaves no hole (an agent named, nothing it can no longer work): nobody else moves.
 */
static void test_quick_without_hole_touches_only_the_agent(void **state)
{
    (void)state;
    struct qf *f = calloc(1, sizeof *f);
    struct plan full, quick;
    qf_init(f);
    build(f, NULL, 0, false, &full);
    publish(f, &full);
    int64_t changed[1] = {104};
    build(f, changed, 1, false, &quick);
    for (int a = 0; a < NAG; a++)
        if (a != 4)
            assert_true(unchanged(f, &quick, a, -1));
    fixture_release(&quick);
    fixture_release(&full);
    free(f);
}

/* improve_only: planning again from a published roster changes it only for the better. */
static void test_improve_only_keeps_a_good_roster(void **state)
{
    (void)state;
    struct qf *f = calloc(1, sizeof *f);
    struct plan full, again;
    qf_init(f);
    build(f, NULL, 0, false, &full);
    publish(f, &full);
    build(f, NULL, 0, true, &again);
    /* The roster just planned is as good as any the same search finds from it. */
    for (int a = 0; a < NAG; a++)
        assert_true(unchanged(f, &again, a, -1));
    fixture_release(&again);
    fixture_release(&full);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quick_moves_only_the_neighbourhood),
        cmocka_unit_test(test_quick_without_hole_touches_only_the_agent),
        cmocka_unit_test(test_improve_only_keeps_a_good_roster),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
