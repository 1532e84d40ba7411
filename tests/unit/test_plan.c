/*
 * Tests of a planning run's requirements and coverage (plan.c): Erlang C with
 * shrinkage per 15-minute cell, email by workload over its response goal, and
 * the expected service level of what was scheduled.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model.h"
#include "plan.h"

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
    assert_true(req[40] == 20 && req[41] == 20);
    assert_true(req[39] == 0 && req[42] == 0);
    f.q.max_occupancy = 0.7;
    assert_int_equal(plan_requirements(&f.s, req), 0);
    assert_true(req[40] == 22);
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
        assert_true(req[c] == 2);
    assert_true(req[16] == 0);
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
    assert_true(p.required[36] == 14);
    assert_int_equal(p.scheduled[36], 0);
    assert_true(p.shortage[36] == 14);
    assert_true(p.service_level[36] < 0.01);
    assert_true(p.service_level[10] == 1); /* no demand: nothing to miss */
    assert_true(p.shortage_minutes == 14.0 * 8 * 15);
    assert_true(p.past_shortage_minutes == 0);
    plan_free(&p);

    /*
     * Half past the busy hours: the headline counts only what is still to come
     * (cells 40..43); the four cells already begun are history, kept apart. The
     * cell under way (now inside cell 39) is history too.
     */
    f.s.now = f.s.horizon_start + 39 * SD_CELL_SECONDS + 60;
    assert_int_equal(plan_run(&f.s, &(struct plan_params){.seed = 1}, &p), 0);
    assert_int_equal(snapshot_first_future_cell(&f.s), 40);
    assert_float_equal(p.shortage_minutes, 14.0 * 4 * 15, 1e-9);
    assert_float_equal(p.past_shortage_minutes, 14.0 * 4 * 15, 1e-9);
    plan_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_erlang_c_with_shrinkage_per_cell),
        cmocka_unit_test(test_email_by_workload_over_the_goal),
        cmocka_unit_test(test_coverage_and_expected_service_level),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
