/* SPDX-License-Identifier: ISC */
/*
 * Tests of the publish statement's parameters (store.c), without a server:
 * the statement takes every parameter store_build_params() fills, and a
 * published shift that the plan keeps but whose breaks it moved goes out as
 * an update with SEQUENCE + 1 (the calendars' only way to see new breaks),
 * while one whose breaks stayed, or that has begun, is left alone. Landing
 * the parameters in PostgreSQL is the integration tests'.
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
#include "publish.h"
#include "store.h"
#include "testutil.h"

/* Whether "$k" stands in sql as a whole parameter number (not the start of $k0). */
static bool uses_param(const char *sql, int k)
{
    char want[16];
    snprintf(want, sizeof want, "$%d", k);
    for (const char *p = strstr(sql, want); p != NULL; p = strstr(p + 1, want))
        if (p[strlen(want)] < '0' || p[strlen(want)] > '9')
            return true;
    return false;
}

static void test_statements_take_every_parameter(void **state)
{
    (void)state;
    for (int k = 1; k <= STORE_NPARAMS; k++)
        if (!uses_param(store_publish_sql, k))
            fail_msg("store_publish_sql does not use $%d of its %d parameters", k, STORE_NPARAMS);
    assert_false(uses_param(store_publish_sql, STORE_NPARAMS + 1));
    assert_true(uses_param(store_begin_sql, 2));
    assert_false(uses_param(store_begin_sql, 3));
    assert_true(uses_param(store_finish_sql, 3));
    assert_false(uses_param(store_finish_sql, 4));
}

/*
 * One agent, one queue, one day; two published shifts the plan keeps as they
 * are (their twins), 09:00-17:00 tomorrow with a break moved from 12:00 to
 * 12:30, and 09:00-17:00 the day after with its break where it was.
 */
struct fixture {
    struct snapshot s;
    struct queue q;
    struct agent a;
    struct published_shift pub[2];
    struct shift_break pub_breaks[2];
    struct plan p;
    struct planned_shift shifts[2];
    struct shift_break breaks[2];
    double required[96], shortage[96], sl[96];
    int scheduled[96];
};

#define DAY  86400
#define HOUR 3600

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    sd_time day0 = (sd_time)20000 * DAY;
    f->q = (struct queue){.id = 7, .name = (char *)"voice"};
    f->a = (struct agent){.id = 42, .name = (char *)"Ana"};
    for (int i = 0; i < 2; i++) {
        sd_time start = day0 + (sd_time)(i + 1) * DAY + 9 * HOUR;
        f->pub[i] = (struct published_shift){.agent = 0,
                                             .queue = 0,
                                             .agent_id = 42,
                                             .queue_id = 7,
                                             .start = start,
                                             .end = start + 8 * HOUR,
                                             .sequence = 3,
                                             .first_break = i,
                                             .n_breaks = 1};
        snprintf(f->pub[i].uuid, sizeof f->pub[i].uuid, "00000000-0000-0000-0000-00000000000%d",
                 i + 1);
        f->pub_breaks[i] = (struct shift_break){i, start + 3 * HOUR, start + 3 * HOUR + 1800, 0};
        f->shifts[i] = (struct planned_shift){0, 0, start, start + 8 * HOUR};
        f->breaks[i] = f->pub_breaks[i];
    }
    f->breaks[0].start += 1800; /* the first shift's break moves by half an hour */
    f->breaks[0].end += 1800;
    f->s = (struct snapshot){.now = day0 + 8 * HOUR,
                             .horizon_start = day0,
                             .horizon_days = 1,
                             .n_cells = 96,
                             .n_queues = 1,
                             .queues = &f->q,
                             .n_agents = 1,
                             .agents = &f->a,
                             .n_published = 2,
                             .published = f->pub,
                             .n_published_breaks = 2,
                             .published_breaks = f->pub_breaks};
    f->p = (struct plan){.n_shifts = 2,
                         .shifts = f->shifts,
                         .n_breaks = 2,
                         .breaks = f->breaks,
                         .required = f->required,
                         .scheduled = f->scheduled,
                         .shortage = f->shortage,
                         .service_level = f->sl};
}

static void test_moved_breaks_are_an_update(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    char *params[STORE_NPARAMS];
    struct store_run_info info = {.run_id = 5, .started_at = 1, .reason = "test"};
    assert_int_equal(store_build_params(&f.s, &f.p, NULL, 0, &info, params), 0);
    assert_string_equal(params[1], "[]"); /* nothing inserted */
    assert_string_equal(params[3], "[]"); /* nothing cancelled */
    /* The first shift only: its break moved; its sequence goes up; its breaks are the plan's. */
    char want[512];
    snprintf(
        want, sizeof want,
        "[{\"id\":\"%s\",\"q\":7,\"s\":%lld,\"e\":%lld,\"seq\":4,\"b\":[{\"s\":%lld,\"e\":%lld,"
        "\"p\":false}]}]",
        f.pub[0].uuid, (long long)f.shifts[0].start, (long long)f.shifts[0].end,
        (long long)f.breaks[0].start, (long long)f.breaks[0].end);
    assert_string_equal(params[2], want);
    store_free_params(params);

    /* Once the shift has begun, its breaks are history: no update. */
    f.s.now = f.shifts[0].start + 60;
    assert_int_equal(store_build_params(&f.s, &f.p, NULL, 0, &info, params), 0);
    assert_string_equal(params[2], "[]");
    store_free_params(params);
}

/* A shift the diff already updates is sent once, with the diff's sequence. */
static void test_diff_update_is_sent_once(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f);
    struct publish_op op = {.kind = PUBLISH_UPDATE, .shift = 0, .published = 0, .sequence = 9};
    char *params[STORE_NPARAMS];
    struct store_run_info info = {.started_at = 1, .reason = "test"};
    assert_int_equal(store_build_params(&f.s, &f.p, &op, 1, &info, params), 0);
    assert_non_null(strstr(params[2], "\"seq\":9"));
    assert_null(strstr(params[2], "\"seq\":4"));
    assert_null(strstr(params[0], "run_id")); /* no row yet: the publish inserts one */
    store_free_params(params);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statements_take_every_parameter),
        cmocka_unit_test(test_moved_breaks_are_an_update),
        cmocka_unit_test(test_diff_update_is_sent_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
