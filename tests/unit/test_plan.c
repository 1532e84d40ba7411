/* SPDX-License-Identifier: ISC */
/*
 * Tests of a planning run's requirements and coverage (plan.c): Erlang C with
 * shrinkage per 15-minute cell, email by workload over its response goal, and
 * the coverage and expected service level of what was scheduled (with and
 * without agents, the latter against an Erlang C written out in this file),
 * surplus, and the shortage no roster can fix.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "roster_fixture.h"
#include "plan.h"
#include "testutil.h"

struct one_queue {
    struct snapshot s;
    struct queue q;
    struct tz_table tz;
    sd_time from;
    int32_t off;
    double contacts[96], aht[96];
};

static void one_queue_init(struct one_queue *f, enum channel ch)
{
    memset(f, 0, sizeof *f);
    f->from = INT64_MIN / 2;
    f->tz = (struct tz_table){.name = (char *)"UTC", .n = 1, .from = &f->from, .offset = &f->off};
    f->q = (struct queue){.id = 1,
                          .name = (char *)"q",
                          .channel = ch,
                          .service_level = 0.8,
                          .target_seconds = 20,
                          .max_occupancy = 1,
                          .concurrency = 1,
                          .shrinkage = 0.3};
    f->s = (struct snapshot){.horizon_start = 86400 * 20000,
                             .horizon_days = 1,
                             .n_cells = 96,
                             .n_tzs = 1,
                             .tzs = &f->tz,
                             .n_queues = 1,
                             .queues = &f->q,
                             .contacts = f->contacts,
                             .aht = f->aht};
    f->s.now = f->s.horizon_start;
}

static void test_erlang_c_with_shrinkage_per_cell(void **state)
{
    (void)state;
    struct one_queue f;
    one_queue_init(&f, CHANNEL_VOICE);
    /* 100 calls per 30 minutes at 180 s = 10 Erlangs: 14 agents for 80/20, 20 with 30 %
     * shrinkage (ceil(14 / 0.7)). In 15-minute cells that is 50 calls per cell. */
    f.contacts[40] = f.contacts[41] = 50;
    f.aht[40] = f.aht[41] = 180;
    double req[96];
    assert_int_equal(plan_requirements(&f.s, req), 0);
    assert_eq(req[40], 20);
    assert_eq(req[41], 20);
    assert_eq(req[39], 0);
    assert_eq(req[42], 0);
    f.q.max_occupancy = 0.7;
    assert_int_equal(plan_requirements(&f.s, req), 0);
    assert_eq(req[40], 22);
}

static void test_email_by_workload_over_the_goal(void **state)
{
    (void)state;
    struct one_queue f;
    one_queue_init(&f, CHANNEL_EMAIL);
    f.q.target_seconds = 4 * 3600; /* answer within 4 h: 16 cells */
    f.q.shrinkage = 0;
    f.contacts[0] = 40;
    f.aht[0] = 450;
    double req[96];
    assert_int_equal(plan_requirements(&f.s, req), 0);
    /* 40 * 450 s = 5 agent-hours over 4 h = 1.25 agents, rounded once: 2, for 16 cells. */
    for (int c = 0; c < 16; c++)
        assert_eq(req[c], 2);
    assert_eq(req[16], 0);
}

static void test_coverage_and_expected_service_level(void **state)
{
    (void)state;
    struct one_queue f;
    one_queue_init(&f, CHANNEL_VOICE);
    f.q.shrinkage = 0;
    for (int c = 36; c < 44; c++) {
        f.contacts[c] = 50;
        f.aht[c] = 180;
    }
    /* Nobody to schedule: everything required is short, and the service level is nil. */
    struct plan p;
    assert_int_equal(plan_run(&f.s, &(struct plan_params){.seed = 1}, &p), 0);
    assert_eq(p.required[36], 14);
    assert_int_equal(p.scheduled[36], 0);
    assert_eq(p.shortage[36], 14);
    assert_lt(p.service_level[36], 0.01);
    assert_eq(p.service_level[10], 1); /* no demand: nothing to miss */
    assert_eq(p.shortage_minutes, 14.0 * 8 * 15);
    assert_eq(p.past_shortage_minutes, 0);
    plan_free(&p);

    /*
     * Half past the busy hours: the headline counts only what is still to come
     * (cells 40..43); the four cells already begun are history, kept apart. The
     * cell under way (now inside cell 39) is history too.
     */
    f.s.now = f.s.horizon_start + 39 * SD_CELL_SECONDS + 60;
    assert_int_equal(plan_run(&f.s, &(struct plan_params){.seed = 1}, &p), 0);
    assert_int_equal(snapshot_first_future_cell(&f.s), 40);
    assert_near(p.shortage_minutes, 14.0 * 4 * 15, 1e-9);
    assert_near(p.past_shortage_minutes, 14.0 * 4 * 15, 1e-9);
    plan_free(&p);

    /*
     * The same with an engine budget (how the daemon plans): a site with demand
     * but no agent yet is planned, every cell short. The engine refuses an
     * empty instance, and every run of such a site used to fail with ENOMEM.
     */
    f.s.now = f.s.horizon_start;
    assert_int_equal(plan_run(&f.s, &(struct plan_params){.seed = 1, .iterations = 100}, &p), 0);
    assert_int_equal(p.n_shifts, 0);
    assert_eq(p.shortage[36], 14);
    assert_eq(p.shortage_minutes, 14.0 * 8 * 15);
    plan_free(&p);
}

/* Erlang C's probability of waiting, written out here as an independent oracle. */
static double erlang_c_wait(int n, double a)
{
    double term = 1, sum = 1; /* a^k / k! for k = 0 */
    for (int k = 1; k < n; k++) {
        term *= a / k;
        sum += term;
    }
    double last = term * a / n * n / (n - a); /* a^n / n! * n / (n - a) */
    return last / (sum + last);
}

enum { TWO_HOUR_MAX_AGENTS = 14 };

/* What two_hour_site()'s snapshot points at. */
struct two_hour_agents {
    int lengths[1];
    struct contract con;
    int skill;
    struct window w;
    struct agent ag[TWO_HOUR_MAX_AGENTS];
};

/*
 * A voice queue without shrinkage needing 14 agents (50 contacts of 180 s a
 * cell: 10 Erlangs) from 09:00 until cell demand_end, and n agents (at most
 * TWO_HOUR_MAX_AGENTS) who can each work one 2-hour shift, 09:00-11:00, and no other.
 */
static void two_hour_site(struct one_queue *f, struct two_hour_agents *t, int demand_end, int n)
{
    one_queue_init(f, CHANNEL_VOICE);
    f->q.shrinkage = 0;
    for (int c = 36; c < demand_end; c++) {
        f->contacts[c] = 50;
        f->aht[c] = 180;
    }
    t->lengths[0] = 120;
    t->con = fixture_contract("two hours", 60, t->lengths, 1);
    t->skill = 0;
    int weekday = day_weekday((int32_t)(f->s.horizon_start / 86400));
    t->w = (struct window){weekday, 9 * 60, 11 * 60, INT32_MIN, INT32_MAX};
    assert_in_range(n, 1, TWO_HOUR_MAX_AGENTS);
    for (int a = 0; a < n; a++)
        t->ag[a] = (struct agent){.id = a + 1,
                                  .name = (char *)"agent",
                                  .contract = 0,
                                  .n_skills = 1,
                                  .skills = &t->skill,
                                  .n_windows = 1,
                                  .windows = &t->w};
    f->s.n_contracts = 1;
    f->s.contracts = &t->con;
    f->s.n_agents = n;
    f->s.agents = t->ag;
}

/*
 * The path the coverage test above cannot reach: agents scheduled. Twelve
 * agents who can only work 09:00-11:00 (one 2-hour option each) against 10
 * Erlangs (14 agents required) in those hours: every one of them works, each
 * cell has 12 scheduled and 2 short, and the expected service level is Erlang
 * C's for 12 agents, computed here independently.
 */
static void test_coverage_with_agents(void **state)
{
    (void)state;
    enum { N = 12 };
    struct one_queue f;
    struct two_hour_agents t;
    two_hour_site(&f, &t, 44, N);

    struct plan p;
    assert_int_equal(plan_run(&f.s, &(struct plan_params){.seed = 1}, &p), 0);
    assert_int_equal(p.n_shifts, N);
    double a = 50.0 * 180 / 900; /* 10 Erlangs */
    double sl = 1 - erlang_c_wait(N, a) * exp(-(N - a) * 20.0 / 180);
    for (int c = 0; c < 96; c++) {
        bool busy = c >= 36 && c < 44;
        assert_int_equal(p.scheduled[c], busy ? N : 0);
        assert_near(p.required[c], busy ? 14 : 0, 1e-9);
        assert_near(p.shortage[c], busy ? 2 : 0, 1e-9);
        assert_near(p.service_level[c], busy ? sl : 1, 1e-4);
        /* Twelve could work there at all, fourteen are needed: the 2 short are unfixable. */
        assert_int_equal(p.available[c], busy ? N : 0);
        assert_near(p.unfixable[c], busy ? 2 : 0, 1e-9);
        assert_near(p.surplus[c], 0, 1e-9);
    }
    assert_near(p.shortage_minutes, 2.0 * 8 * 15, 1e-9);
    assert_near(p.unfixable_minutes, 2.0 * 8 * 15, 1e-9);
    assert_near(p.surplus_minutes, 0, 1e-9);
    /* The oracle itself: 12 agents at 10 Erlangs (AHT 180 s) answer about 64 % within 20 s. */
    assert_in_range((int)(sl * 1000), 635, 645);
    plan_free(&p);
}

/*
 * Surplus and the shortage no roster can fix, per cell. Twelve agents may
 * work 09:00-11:00 in one 2-hour shift; demand needs 14 from 09:00 to 10:00
 * and nobody after. Whoever works covers 10:00-11:00 for nothing (surplus),
 * and two of the fourteen could never be there (unfixable). An agent whose
 * only window (09:00-10:00) is shorter than any shift of its contract, and
 * one on time off at 09:30-10:30, are not available where they cannot work;
 * a thirteenth agent's time off does not cut anyone else's availability.
 */
static void test_surplus_and_unfixable_shortage(void **state)
{
    (void)state;
    enum { N = 14 };
    struct one_queue f;
    struct two_hour_agents t;
    two_hour_site(&f, &t, 40, N);
    struct window short_w = t.w;
    short_w.end_min = 10 * 60;
    struct span off = {f.s.horizon_start + 9 * 3600 + 1800, f.s.horizon_start + 10 * 3600 + 1800};
    t.ag[12].windows = &short_w; /* no 2-hour shift fits in an hour */
    t.ag[13].n_time_off = 1;     /* off in the middle of the only shift it could work */
    t.ag[13].time_off = &off;

    struct plan p;
    assert_int_equal(plan_run(&f.s, &(struct plan_params){.seed = 1}, &p), 0);
    assert_int_equal(p.n_shifts, 12);
    for (int c = 0; c < 96; c++) {
        bool demand = c >= 36 && c < 40, shifts = c >= 36 && c < 44;
        assert_int_equal(p.available[c], shifts ? 12 : 0);
        assert_near(p.required[c], demand ? 14 : 0, 1e-9);
        assert_int_equal(p.scheduled[c], shifts ? 12 : 0);
        assert_near(p.shortage[c], demand ? 2 : 0, 1e-9);
        assert_near(p.unfixable[c], demand ? 2 : 0, 1e-9);
        assert_near(p.surplus[c], shifts && !demand ? 12 : 0, 1e-9);
    }
    assert_near(p.shortage_minutes, 2.0 * 4 * 15, 1e-9);
    assert_near(p.unfixable_minutes, 2.0 * 4 * 15, 1e-9);
    assert_near(p.surplus_minutes, 12.0 * 4 * 15, 1e-9);
    plan_free(&p);

    /* Without the time off, the thirteenth could work: one fewer short, none unfixable. */
    t.ag[13].n_time_off = 0;
    assert_int_equal(plan_run(&f.s, &(struct plan_params){.seed = 1}, &p), 0);
    assert_int_equal(p.available[36], 13);
    assert_near(p.shortage[36], 1, 1e-9);
    assert_near(p.unfixable[36], 1, 1e-9);
    plan_free(&p);

    /* Fourteen required, fourteen could work: whatever is short is the roster's doing. */
    t.ag[12].windows = &t.w;
    assert_int_equal(plan_run(&f.s, &(struct plan_params){.seed = 1}, &p), 0);
    assert_int_equal(p.available[36], 14);
    assert_near(p.unfixable_minutes, 0, 1e-9);
    plan_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_erlang_c_with_shrinkage_per_cell),
        cmocka_unit_test(test_email_by_workload_over_the_goal),
        cmocka_unit_test(test_coverage_and_expected_service_level),
        cmocka_unit_test(test_coverage_with_agents),
        cmocka_unit_test(test_surplus_and_unfixable_shortage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
