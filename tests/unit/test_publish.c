/* SPDX-License-Identifier: ISC */
/*
 * Tests of stable identities across runs (publish.c).
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

#define H 3600

static struct snapshot snap_with(struct published_shift *pub, int n, sd_time now)
{
    static sd_time from[1] = {INT64_MIN / 2};
    static int32_t off[1] = {0};
    static struct tz_table utc = {.name = (char *)"UTC", .n = 1, .from = from, .offset = off};
    static struct agent agents[2] = {{.id = 1}, {.id = 2}};
    struct snapshot s = {.now = now,
                         .horizon_start = 0,
                         .horizon_days = 14,
                         .n_agents = 2,
                         .agents = agents,
                         .n_published = n,
                         .published = pub,
                         .n_tzs = 1,
                         .tzs = &utc};
    return s;
}

static struct published_shift pub(const char *uuid, int agent, sd_time start, sd_time end,
                                  bool cancelled, int seq)
{
    struct published_shift p = {.agent = agent,
                                .queue = 0,
                                .start = start,
                                .end = end,
                                .cancelled = cancelled,
                                .sequence = seq};
    snprintf(p.uuid, sizeof p.uuid, "%s", uuid);
    return p;
}

static int count(const struct publish_op *ops, int n, enum publish_kind k)
{
    int c = 0;
    for (int i = 0; i < n; i++)
        c += ops[i].kind == k;
    return c;
}

static void test_unchanged_plan_writes_nothing(void **state)
{
    (void)state;
    struct published_shift p[2] = {pub("a", 0, 10 * H, 18 * H, false, 0),
                                   pub("b", 1, 34 * H, 42 * H, false, 3)};
    struct snapshot s = snap_with(p, 2, 0);
    struct planned_shift sh[2] = {{1, 0, 34 * H, 42 * H}, {0, 0, 10 * H, 18 * H}};
    struct plan pl = {.n_shifts = 2, .shifts = sh};
    struct publish_op *ops;
    int n;
    assert_int_equal(publish_diff(&s, &pl, &ops, &n), 0);
    assert_int_equal(n, 0);
    free(ops);
}

static void test_moved_shift_keeps_uid_and_bumps_sequence(void **state)
{
    (void)state;
    struct published_shift p[1] = {pub("a", 0, 10 * H, 18 * H, false, 4)};
    struct snapshot s = snap_with(p, 1, 0);
    struct planned_shift sh[1] = {{0, 0, 12 * H, 20 * H}};
    struct plan pl = {.n_shifts = 1, .shifts = sh};
    struct publish_op *ops;
    int n;
    assert_int_equal(publish_diff(&s, &pl, &ops, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ops[0].kind, PUBLISH_UPDATE);
    assert_int_equal(ops[0].published, 0);
    assert_int_equal(ops[0].sequence, 5);
    free(ops);
}

static void test_removed_shift_is_cancelled_not_deleted(void **state)
{
    (void)state;
    struct published_shift p[2] = {pub("a", 0, 10 * H, 18 * H, false, 0),
                                   pub("b", 0, 34 * H, 42 * H, false, 1)};
    struct snapshot s = snap_with(p, 2, 0);
    /* The agent now works only the evening of day 1, which does not overlap "a". */
    struct planned_shift sh[2] = {{0, 0, 19 * H, 23 * H}, {0, 0, 34 * H, 42 * H}};
    struct plan pl = {.n_shifts = 2, .shifts = sh};
    struct publish_op *ops;
    int n;
    assert_int_equal(publish_diff(&s, &pl, &ops, &n), 0);
    assert_int_equal(count(ops, n, PUBLISH_CANCEL), 1);
    assert_int_equal(count(ops, n, PUBLISH_INSERT), 1);
    assert_int_equal(count(ops, n, PUBLISH_UPDATE), 0);
    for (int i = 0; i < n; i++)
        if (ops[i].kind == PUBLISH_CANCEL) {
            assert_int_equal(ops[i].published, 0);
            assert_int_equal(ops[i].sequence, 1);
        }
    free(ops);
}

static void test_started_and_far_shifts_are_left_alone(void **state)
{
    (void)state;
    /* "a" is under way (now = 12 h), "z" lies past the 14-day horizon. */
    struct published_shift p[2] = {pub("a", 0, 10 * H, 18 * H, false, 0),
                                   pub("z", 0, 15 * 24 * H, 15 * 24 * H + 8 * H, false, 0)};
    struct snapshot s = snap_with(p, 2, 12 * H);
    struct plan pl = {0};
    struct publish_op *ops;
    int n;
    assert_int_equal(publish_diff(&s, &pl, &ops, &n), 0);
    assert_int_equal(n, 0);
    free(ops);
}

static void test_cancelled_shift_comes_back_with_its_uid(void **state)
{
    (void)state;
    struct published_shift p[1] = {pub("a", 0, 10 * H, 18 * H, true, 2)};
    struct snapshot s = snap_with(p, 1, 0);
    struct planned_shift sh[1] = {{0, 0, 10 * H, 18 * H}};
    struct plan pl = {.n_shifts = 1, .shifts = sh};
    struct publish_op *ops;
    int n;
    assert_int_equal(publish_diff(&s, &pl, &ops, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ops[0].kind, PUBLISH_UPDATE);
    assert_int_equal(ops[0].sequence, 3);
    free(ops);
}

static void test_exact_match_wins_over_overlap(void **state)
{
    (void)state;
    /* Two published shifts of one agent; the plan keeps the second exactly and adds one
     * that overlaps it: the exact one must keep "b", the new one must not steal it. */
    struct published_shift p[1] = {pub("b", 0, 34 * H, 42 * H, false, 0)};
    struct snapshot s = snap_with(p, 1, 0);
    struct planned_shift sh[2] = {{0, 0, 30 * H, 36 * H}, {0, 0, 34 * H, 42 * H}};
    struct plan pl = {.n_shifts = 2, .shifts = sh};
    struct publish_op *ops;
    int n;
    assert_int_equal(publish_diff(&s, &pl, &ops, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ops[0].kind, PUBLISH_INSERT);
    assert_int_equal(ops[0].shift, 0);
    free(ops);
}

static void test_overlap_on_another_local_day_is_a_new_event(void **state)
{
    (void)state;
    /* A night shift 22:00-02:00 replaced by one starting at 00:00 the next day. */
    struct published_shift p[1] = {pub("n", 0, 22 * H, 26 * H, false, 0)};
    struct snapshot s = snap_with(p, 1, 0);
    struct planned_shift sh[1] = {{0, 0, 24 * H, 28 * H}};
    struct plan pl = {.n_shifts = 1, .shifts = sh};
    struct publish_op *ops;
    int n;
    assert_int_equal(publish_diff(&s, &pl, &ops, &n), 0);
    assert_int_equal(count(ops, n, PUBLISH_CANCEL), 1);
    assert_int_equal(count(ops, n, PUBLISH_INSERT), 1);
    free(ops);
}

static void test_gone_agent_shifts_cancelled(void **state)
{
    (void)state;
    struct published_shift p[1] = {pub("a", -1, 10 * H, 18 * H, false, 0)};
    struct snapshot s = snap_with(p, 1, 0);
    struct plan pl = {0};
    struct publish_op *ops;
    int n;
    assert_int_equal(publish_diff(&s, &pl, &ops, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(ops[0].kind, PUBLISH_CANCEL);
    free(ops);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unchanged_plan_writes_nothing),
        cmocka_unit_test(test_moved_shift_keeps_uid_and_bumps_sequence),
        cmocka_unit_test(test_removed_shift_is_cancelled_not_deleted),
        cmocka_unit_test(test_started_and_far_shifts_are_left_alone),
        cmocka_unit_test(test_cancelled_shift_comes_back_with_its_uid),
        cmocka_unit_test(test_exact_match_wins_over_overlap),
        cmocka_unit_test(test_overlap_on_another_local_day_is_a_new_event),
        cmocka_unit_test(test_gone_agent_shifts_cancelled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
