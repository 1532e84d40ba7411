/* SPDX-License-Identifier: ISC */
/*
 * Tests of local-time arithmetic (model.c), shift options (shift_options.c),
 * the greedy scheduler (greedy.c) and the rule checker (rule_check.c): DST in
 * Europe/Stockholm, every rule, and random instances judged by the checker.
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
#include "roster_fixture.h"
#include "testutil.h"
#include "plan.h"
#include "shift_options.h"
#include "greedy.h"
#include "rule_check.h"

/* 2026-03-29 01:00 UTC: Stockholm goes from +01:00 to +02:00. */
#define SPRING_2026 1774746000LL
/* 2026-10-25 01:00 UTC: back from +02:00 to +01:00. */
#define AUTUMN_2026 1792890000LL
#define DAY         86400LL

static void tz_stockholm(struct tz_table *tz)
{
    static sd_time from[3];
    static int32_t off[3];
    from[0] = INT64_MIN / 2;
    off[0] = 7200;          /* summer 2025 */
    from[1] = 1761440400LL; /* 2025-10-26 01:00 UTC */
    off[1] = 3600;
    from[2] = SPRING_2026;
    off[2] = 7200;
    static sd_time from2[5];
    static int32_t off2[5];
    memcpy(from2, from, sizeof from);
    memcpy(off2, off, sizeof off);
    from2[3] = AUTUMN_2026;
    off2[3] = 3600;
    tz->name = (char *)"Europe/Stockholm";
    tz->n = 4;
    tz->from = from2;
    tz->offset = off2;
}

static void tz_utc(struct tz_table *tz)
{
    static sd_time from[1] = {INT64_MIN / 2};
    static int32_t off[1] = {0};
    tz->name = (char *)"UTC";
    tz->n = 1;
    tz->from = from;
    tz->offset = off;
}

static void test_tz_offsets_and_days(void **state)
{
    (void)state;
    struct tz_table tz;
    tz_stockholm(&tz);
    assert_int_equal(tz_offset_at(&tz, SPRING_2026 - 1), 3600);
    assert_int_equal(tz_offset_at(&tz, SPRING_2026), 7200);
    assert_int_equal(tz_offset_at(&tz, AUTUMN_2026 - 1), 7200);
    assert_int_equal(tz_offset_at(&tz, AUTUMN_2026), 3600);
    /* 2026-03-29 is a Sunday; 1970-01-01 a Thursday. */
    assert_int_equal(day_weekday(test_civil_days(2026, 3, 29)), 7);
    assert_int_equal(day_weekday(0), 4);
    assert_int_equal(day_weekday(-1), 3);
    /* 23:30 UTC on 28 March is already 29 March in Stockholm. */
    sd_time t = (sd_time)test_civil_days(2026, 3, 28) * DAY + 23 * 3600 + 1800;
    assert_int_equal(tz_local_day(&tz, t), test_civil_days(2026, 3, 29));
}

static void test_tz_local_to_utc_across_dst(void **state)
{
    (void)state;
    struct tz_table tz;
    tz_stockholm(&tz);
    int32_t spring = test_civil_days(2026, 3, 29), autumn = test_civil_days(2026, 10, 25);
    /* 01:00 local on the spring day is still winter time: 00:00 UTC. */
    assert_int_equal(tz_local_to_utc(&tz, spring, 60), (sd_time)spring * DAY);
    /* 02:30 does not exist: the gap ends at 03:00 local = 01:00 UTC. */
    assert_int_equal(tz_local_to_utc(&tz, spring, 150), SPRING_2026);
    /* 09:00 local after the change is 07:00 UTC. */
    assert_int_equal(tz_local_to_utc(&tz, spring, 540), (sd_time)spring * DAY + 7 * 3600);
    /* 02:30 in autumn happens twice: the first (summer time, 00:30 UTC) is taken. */
    assert_int_equal(tz_local_to_utc(&tz, autumn, 150), (sd_time)autumn * DAY + 1800);
    /* 09:00 local after autumn's change is 08:00 UTC. */
    assert_int_equal(tz_local_to_utc(&tz, autumn, 540), (sd_time)autumn * DAY + 8 * 3600);
}

/* A one-agent, one-queue snapshot built by hand; the test fills in the rest. */
struct fixture {
    struct snapshot s;
    struct tz_table tz[2];
    struct queue q[2];
    struct contract c[2];
    int lengths[4];
    struct agent a[8];
    int skills[8][2];
    struct window w[8][8];
    struct span off[8][2];
};

static void fixture_init(struct fixture *f, int32_t first_day, int days)
{
    memset(f, 0, sizeof *f);
    tz_stockholm(&f->tz[0]);
    tz_utc(&f->tz[1]);
    f->q[0] = (struct queue){.id = 1,
                             .name = (char *)"chat-sv",
                             .service_level = 0.8,
                             .target_seconds = 20,
                             .max_occupancy = 1,
                             .concurrency = 1};
    f->lengths[0] = 240;
    f->lengths[1] = 480;
    f->c[0] = fixture_contract("ft", 30, f->lengths, 2);
    for (int i = 0; i < 8; i++) {
        f->skills[i][0] = 0;
        f->a[i] = (struct agent){.id = 100 + i,
                                 .name = (char *)"agent",
                                 .tz = 0,
                                 .contract = 0,
                                 .n_skills = 1,
                                 .skills = f->skills[i],
                                 .windows = f->w[i],
                                 .time_off = f->off[i]};
    }
    f->s.horizon_start = (sd_time)first_day * DAY;
    f->s.now = f->s.horizon_start - DAY;
    f->s.horizon_days = days;
    f->s.n_cells = days * 96;
    f->s.n_tzs = 2;
    f->s.tzs = f->tz;
    f->s.n_queues = 1;
    f->s.queues = f->q;
    f->s.n_contracts = 1;
    f->s.contracts = f->c;
    f->s.n_agents = 1;
    f->s.agents = f->a;
}

static void add_window(struct agent *a, int weekday, int start_min, int end_min)
{
    a->windows[a->n_windows++] = (struct window){weekday, start_min, end_min, INT32_MIN, INT32_MAX};
}

static void test_options_inside_availability_across_dst(void **state)
{
    (void)state;
    struct fixture f;
    /* Horizon: Friday 27 March .. Monday 30 March 2026 (spring change on Sunday 29). */
    int32_t d0 = test_civil_days(2026, 3, 27);
    fixture_init(&f, d0, 4);
    for (int wd = 1; wd <= 7; wd++)
        add_window(&f.a[0], wd, 9 * 60, 17 * 60);
    struct shift_option *o;
    int n;
    assert_int_equal(shift_options_for_agent(&f.s, 0, &o, &n), 0);
    assert_gt(n, 0);
    int on_sunday = 0;
    for (int i = 0; i < n; i++) {
        /* Every option starts and ends inside 09:00..17:00 local, whatever the offset. */
        int32_t day = tz_local_day(&f.tz[0], o[i].start);
        sd_time open = tz_local_to_utc(&f.tz[0], day, 9 * 60);
        sd_time close = tz_local_to_utc(&f.tz[0], day, 17 * 60);
        assert_ge(o[i].start, open);
        assert_le(o[i].end, close);
        assert_int_equal(o[i].day, day);
        if (day == test_civil_days(2026, 3, 29)) {
            on_sunday++;
            /* After the change 09:00 local is 07:00 UTC, not 08:00. */
            assert_ge(o[i].start, (sd_time)day * DAY + 7 * 3600);
        }
        if (day == test_civil_days(2026, 3, 27))
            assert_ge(o[i].start, (sd_time)day * DAY + 8 * 3600);
    }
    /* 8-hour shifts fit only at 09:00; 4-hour ones at 09:00..13:00 in steps of 30 min. */
    assert_int_equal(on_sunday, 1 + 9);
    free(o);
}

static void test_options_autumn_night_window(void **state)
{
    (void)state;
    struct fixture f;
    /* A window 22:00..06:00 on Saturday 24 October, across the autumn change. */
    int32_t d0 = test_civil_days(2026, 10, 24);
    fixture_init(&f, d0, 2);
    add_window(&f.a[0], 6, 22 * 60, 6 * 60);
    struct shift_option *o;
    int n;
    assert_int_equal(shift_options_for_agent(&f.s, 0, &o, &n), 0);
    /* The night lasts 9 real hours: 22:00 +02:00 = 20:00 UTC to 06:00 +01:00 = 05:00 UTC. */
    sd_time open = (sd_time)d0 * DAY + 20 * 3600, close = (sd_time)(d0 + 1) * DAY + 5 * 3600;
    int eight = 0;
    for (int i = 0; i < n; i++) {
        assert_ge(o[i].start, open);
        assert_le(o[i].end, close);
        eight += (o[i].end - o[i].start) == 8 * 3600;
    }
    /* 8 h shifts may start at 20:00, 20:30 and 21:00 UTC. */
    assert_int_equal(eight, 3);
    free(o);
}

static void test_options_skip_time_off_and_past(void **state)
{
    (void)state;
    struct fixture f;
    int32_t d0 = test_civil_days(2026, 6, 1); /* a Monday, summer time */
    fixture_init(&f, d0, 2);
    add_window(&f.a[0], 1, 9 * 60, 13 * 60);
    add_window(&f.a[0], 2, 9 * 60, 13 * 60);
    /* Monday is half over (now = 10:00 local = 08:00 UTC). */
    f.s.now = (sd_time)d0 * DAY + 8 * 3600;
    /* Tuesday 10:00..11:00 local off. */
    f.a[0].time_off[f.a[0].n_time_off++] =
        (struct span){(sd_time)(d0 + 1) * DAY + 8 * 3600, (sd_time)(d0 + 1) * DAY + 9 * 3600};
    struct shift_option *o;
    int n;
    assert_int_equal(shift_options_for_agent(&f.s, 0, &o, &n), 0);
    /* Monday: a 4 h shift would have to start at 09:00, in the past. Tuesday: overlaps. */
    assert_int_equal(n, 0);
    free(o);
}

/* Demand everywhere: the builder schedules as much as the rules allow. */
static void fill_requirement(struct fixture *f, struct plan *p, double value)
{
    size_t n = (size_t)f->s.n_queues * (size_t)f->s.n_cells;
    p->required = calloc(n, sizeof *p->required);
    for (size_t i = 0; i < n; i++)
        p->required[i] = value;
}

static void test_rules_weekly_limits_and_rest(void **state)
{
    (void)state;
    struct fixture f;
    int32_t d0 = test_civil_days(2026, 6, 1); /* Monday */
    fixture_init(&f, d0, 14);
    for (int wd = 1; wd <= 7; wd++)
        add_window(&f.a[0], wd, 0, 0 + 1439);
    f.c[0].max_days_per_week = 4;
    f.c[0].max_minutes_per_week = 1200; /* 20 h: at most two 8 h shifts and a 4 h one */
    f.c[0].max_consecutive_days = 2;
    f.c[0].min_rest_minutes = 720;
    struct plan p = {0};
    fill_requirement(&f, &p, 3);
    struct greedy_params sp = {.seed = 7};
    assert_int_equal(greedy_build(&f.s, &sp, &p), 0);
    char why[256] = "";
    int rc = rule_check(&f.s, p.shifts, p.n_shifts, why, sizeof why);
    assert_int_equal(rc, 0);
    assert_gt(p.n_shifts, 0);
    /* Weekly minutes reached: 20 h each week, no more. */
    for (int w = 0; w < 2; w++) {
        sd_time ws = (sd_time)(d0 + 7 * w) * DAY, we = ws + 7 * DAY;
        long minutes = 0;
        int days = 0;
        for (int i = 0; i < p.n_shifts; i++) {
            if (p.shifts[i].start >= ws - 7200 && p.shifts[i].start < we - 7200) {
                minutes += (long)(p.shifts[i].end - p.shifts[i].start) / 60;
                days++;
            }
        }
        assert_le(minutes, 1200);
        assert_le(days, 4);
        assert_ge(minutes, 960);
    }
    plan_free(&p);
}

static void test_checker_catches_each_rule(void **state)
{
    (void)state;
    struct fixture f;
    int32_t d0 = test_civil_days(2026, 6, 1);
    fixture_init(&f, d0, 14);
    for (int wd = 1; wd <= 7; wd++)
        add_window(&f.a[0], wd, 6 * 60, 22 * 60);
    f.c[0].max_consecutive_days = 3;
    f.c[0].max_days_per_week = 4;
    char why[256];
    sd_time h8 = 8 * 3600;
    /* Monday 08:00 local (06:00 UTC) 8 h. */
    sd_time mon = (sd_time)d0 * DAY + 6 * 3600;
    struct planned_shift ok[2] = {{0, 0, mon, mon + h8}, {0, 0, mon + DAY, mon + DAY + h8}};
    assert_int_equal(rule_check(&f.s, ok, 2, why, sizeof why), 0);

    struct planned_shift outside[1] = {{0, 0, mon - 3 * 3600, mon - 3 * 3600 + h8}};
    assert_int_equal(rule_check(&f.s, outside, 1, why, sizeof why), -EINVAL);
    assert_non_null(strstr(why, "availability"));

    struct planned_shift badlen[1] = {{0, 0, mon, mon + 5 * 3600}};
    assert_int_equal(rule_check(&f.s, badlen, 1, why, sizeof why), -EINVAL);
    assert_non_null(strstr(why, "length"));

    struct planned_shift offstep[1] = {{0, 0, mon + 900, mon + 900 + h8}};
    assert_int_equal(rule_check(&f.s, offstep, 1, why, sizeof why), -EINVAL);
    assert_non_null(strstr(why, "step"));

    /* 08:00-16:00 local Monday, then 02:00 local Tuesday: 10 h of rest, 11 h needed. */
    for (int i = 0; i < f.a[0].n_windows; i++)
        f.w[0][i].start_min = 0;
    struct planned_shift rest[2] = {{0, 0, mon, mon + h8},
                                    {0, 0, mon + h8 + 10 * 3600, mon + h8 + 14 * 3600}};
    assert_int_equal(rule_check(&f.s, rest, 2, why, sizeof why), -EINVAL);
    assert_non_null(strstr(why, "rest"));

    struct planned_shift consec[4];
    for (int i = 0; i < 4; i++)
        consec[i] = (struct planned_shift){0, 0, mon + i * DAY, mon + i * DAY + 4 * 3600};
    assert_int_equal(rule_check(&f.s, consec, 4, why, sizeof why), -EINVAL);
    assert_non_null(strstr(why, "consecutive"));

    f.c[0].max_consecutive_days = 7;
    struct planned_shift days[5];
    for (int i = 0; i < 5; i++)
        days[i] = (struct planned_shift){0, 0, mon + i * DAY, mon + i * DAY + 4 * 3600};
    assert_int_equal(rule_check(&f.s, days, 5, why, sizeof why), -EINVAL);
    assert_non_null(strstr(why, "days in a week"));

    f.c[0].max_days_per_week = 7;
    f.c[0].max_minutes_per_week = 900;
    assert_int_equal(rule_check(&f.s, days, 2, why, sizeof why), 0);
    struct planned_shift mins[2] = {{0, 0, mon, mon + h8}, {0, 0, mon + DAY, mon + DAY + h8}};
    assert_int_equal(rule_check(&f.s, mins, 2, why, sizeof why), -EINVAL);
    assert_non_null(strstr(why, "minutes in a week"));

    f.a[0].time_off[f.a[0].n_time_off++] = (struct span){mon + 3600, mon + 7200};
    assert_int_equal(rule_check(&f.s, ok, 1, why, sizeof why), -EINVAL);
    assert_non_null(strstr(why, "time off"));

    f.skills[0][0] = 1;
    f.s.n_queues = 2;
    f.q[1] = f.q[0];
    f.a[0].n_time_off = 0;
    assert_int_equal(rule_check(&f.s, ok, 1, why, sizeof why), -EINVAL);
    assert_non_null(strstr(why, "skilled"));
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void random_fixture(struct fixture *f, uint64_t *rng)
{
    int32_t d0 = test_civil_days(2026, 3, 23) + (int32_t)(rng_next(rng) % 220);
    fixture_init(f, d0, 7 + (int)(rng_next(rng) % 8));
    f->s.n_agents = 1 + (int)(rng_next(rng) % 8);
    f->s.n_queues = 1 + (int)(rng_next(rng) % 2);
    f->q[1] = f->q[0];
    f->q[1].id = 2;
    f->c[0].max_days_per_week = 1 + (int)(rng_next(rng) % 6);
    f->c[0].max_consecutive_days = 1 + (int)(rng_next(rng) % 5);
    f->c[0].max_minutes_per_week = 240 + 60 * (int)(rng_next(rng) % 40);
    f->c[0].min_rest_minutes = 60 * (int)(rng_next(rng) % 16);
    f->c[0].shift_start_step_minutes = (rng_next(rng) % 2) ? 30 : 60;
    for (int a = 0; a < f->s.n_agents; a++) {
        struct agent *ag = &f->a[a];
        ag->tz = (int)(rng_next(rng) % 2);
        ag->skills[0] = (int)(rng_next(rng) % (uint64_t)f->s.n_queues);
        int nw = 1 + (int)(rng_next(rng) % 6);
        for (int w = 0; w < nw; w++) {
            int start = 15 * (int)(rng_next(rng) % 96);
            int len = 240 + 15 * (int)(rng_next(rng) % 40);
            add_window(ag, 1 + (int)(rng_next(rng) % 7), start, (start + len) % 1440);
        }
        if (rng_next(rng) % 2) {
            sd_time t =
                f->s.horizon_start + (sd_time)(rng_next(rng) % (uint64_t)(f->s.horizon_days * DAY));
            ag->time_off[ag->n_time_off++] =
                (struct span){t, t + 3600 * (1 + (sd_time)(rng_next(rng) % 48))};
        }
    }
}

static void test_random_instances_never_break_a_rule(void **state)
{
    (void)state;
    uint64_t rng = 0x5eed;
    int scheduled = 0;
    for (int iter = 0; iter < 300; iter++) {
        struct fixture f;
        random_fixture(&f, &rng);
        struct plan p = {0};
        fill_requirement(&f, &p, 1 + (double)(rng_next(&rng) % 4));
        struct greedy_params sp = {.seed = (uint64_t)iter};
        assert_int_equal(greedy_build(&f.s, &sp, &p), 0);
        char why[256] = "";
        int rc = rule_check(&f.s, p.shifts, p.n_shifts, why, sizeof why);
        if (rc != 0)
            fail_msg("instance %d: %s", iter, why);
        scheduled += p.n_shifts;
        plan_free(&p);
    }
    /* The instances are not empty: the builder did schedule. */
    assert_gt(scheduled, 300);
}

static void test_deterministic_per_seed(void **state)
{
    (void)state;
    uint64_t rng = 99;
    struct fixture f;
    random_fixture(&f, &rng);
    f.s.n_agents = 8;
    for (int a = 0; a < 8; a++)
        if (f.a[a].n_windows == 0)
            add_window(&f.a[a], 1, 480, 1200);
    struct plan p1 = {0}, p2 = {0};
    fill_requirement(&f, &p1, 2);
    fill_requirement(&f, &p2, 2);
    struct greedy_params sp = {.seed = 42};
    assert_int_equal(greedy_build(&f.s, &sp, &p1), 0);
    assert_int_equal(greedy_build(&f.s, &sp, &p2), 0);
    assert_int_equal(p1.n_shifts, p2.n_shifts);
    assert_memory_equal(p1.shifts, p2.shifts, (size_t)p1.n_shifts * sizeof *p1.shifts);
    plan_free(&p1);
    plan_free(&p2);
}

static void test_cancellation(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, test_civil_days(2026, 6, 1), 7);
    add_window(&f.a[0], 1, 480, 1200);
    struct plan p = {0};
    fill_requirement(&f, &p, 2);
    atomic_bool cancel;
    atomic_init(&cancel, true);
    struct greedy_params sp = {.seed = 1, .cancel = &cancel};
    assert_int_equal(greedy_build(&f.s, &sp, &p), -ECANCELED);
    plan_free(&p);
}

static void test_started_shift_is_kept(void **state)
{
    (void)state;
    struct fixture f;
    int32_t d0 = test_civil_days(2026, 6, 1);
    fixture_init(&f, d0, 3);
    add_window(&f.a[0], 1, 480, 1200);
    add_window(&f.a[0], 2, 480, 1200);
    /* A published shift under way (even outside today's availability) stays as it is. */
    struct published_shift pub = {.agent = 0,
                                  .queue = 0,
                                  .start = (sd_time)d0 * DAY + 3600,
                                  .end = (sd_time)d0 * DAY + 5 * 3600};
    f.s.now = (sd_time)d0 * DAY + 2 * 3600;
    f.s.n_published = 1;
    f.s.published = &pub;
    struct plan p = {0};
    fill_requirement(&f, &p, 1);
    struct greedy_params sp = {.seed = 1};
    assert_int_equal(greedy_build(&f.s, &sp, &p), 0);
    int found = 0, on_monday = 0;
    for (int i = 0; i < p.n_shifts; i++) {
        found += p.shifts[i].start == pub.start && p.shifts[i].end == pub.end;
        on_monday += tz_local_day(&f.tz[0], p.shifts[i].start) == d0;
    }
    assert_int_equal(found, 1);
    assert_int_equal(on_monday, 1);
    /* The cells it covers count as scheduled. */
    assert_int_equal(p.scheduled[4], 1);
    plan_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tz_offsets_and_days),
        cmocka_unit_test(test_tz_local_to_utc_across_dst),
        cmocka_unit_test(test_options_inside_availability_across_dst),
        cmocka_unit_test(test_options_autumn_night_window),
        cmocka_unit_test(test_options_skip_time_off_and_past),
        cmocka_unit_test(test_rules_weekly_limits_and_rest),
        cmocka_unit_test(test_checker_catches_each_rule),
        cmocka_unit_test(test_random_instances_never_break_a_rule),
        cmocka_unit_test(test_deterministic_per_seed),
        cmocka_unit_test(test_cancellation),
        cmocka_unit_test(test_started_shift_is_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
