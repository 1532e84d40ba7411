/* SPDX-License-Identifier: ISC */
/*
 * Tests of break placement (breaks.c): the windows a contract's rules give a
 * shift, placements that respect them, less shortage than breaks in the middle
 * of their windows, determinism, published breaks kept while they fit, and a
 * warning for a break that fits nowhere.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "breaks.h"
#include "model.h"
#include "roster_fixture.h"
#include "testutil.h"

#define DAY  86400LL
#define HS   (19723LL * DAY) /* 2024-01-01, a Monday, 00:00 UTC */
#define H(h) (HS + (sd_time)((h)*3600.0))

/* The brief's example: lunch 30 unpaid 3-5 h in (shifts >= 6 h), 15 paid in each half (>= 4 h). */
static struct break_rule example_rules[2] = {
    {.min_shift_minutes = 360,
     .max_shift_minutes = INT32_MAX,
     .minutes = 30,
     .paid = false,
     .earliest_after = 180,
     .latest_after = 300},
    {.min_shift_minutes = 240,
     .max_shift_minutes = INT32_MAX,
     .minutes = 15,
     .paid = true,
     .earliest_after = -1,
     .latest_after = -1,
     .in_each_half = true},
};

struct fixture {
    struct snapshot s;
    struct tz_table tz;
    sd_time from;
    int32_t off;
    struct queue q;
    struct contract c;
    struct agent agents[16];
    double contacts[96], aht[96];
    struct plan p;
    double required[96];
    int scheduled[96];
};

static void fixture_init(struct fixture *f, int n_agents)
{
    memset(f, 0, sizeof *f);
    fixture_utc(&f->tz, &f->from, &f->off);
    f->q = (struct queue){.id = 1, .name = (char *)"q", .concurrency = 1};
    f->c = (struct contract){.id = 7,
                             .name = (char *)"c",
                             .max_minutes_per_week = 2400,
                             .n_break_rules = 2,
                             .break_rules = example_rules};
    for (int a = 0; a < n_agents; a++)
        f->agents[a] = (struct agent){.id = a + 1, .name = (char *)"agent", .contract = 0};
    f->s =
        fixture_snapshot(HS, 1, &f->tz, &f->q, 1, f->contacts, f->aht, &f->c, f->agents, n_agents);
}

/* A plan of the given shifts (agent a works shifts[a]); scheduled counts them in full. */
static void plan_shifts(struct fixture *f, const struct planned_shift *shifts, int n)
{
    f->p = (struct plan){0};
    f->p.shifts = malloc((size_t)n * sizeof *f->p.shifts);
    assert_non_null(f->p.shifts);
    memcpy(f->p.shifts, shifts, (size_t)n * sizeof *shifts);
    f->p.n_shifts = n;
    f->p.required = f->required;
    f->p.scheduled = f->scheduled;
    memset(f->scheduled, 0, sizeof f->scheduled);
    for (int k = 0; k < n; k++)
        for (sd_time t = shifts[k].start; t < shifts[k].end; t += SD_CELL_SECONDS)
            f->scheduled[(t - HS) / SD_CELL_SECONDS]++;
}

static void plan_release(struct fixture *f)
{
    free(f->p.shifts);
    free(f->p.breaks);
    free(f->p.warnings);
    f->p = (struct plan){0};
}

static double sum_sq_shortage(const double *req, const int *sched)
{
    double t = 0;
    for (int c = 0; c < 96; c++)
        if (req[c] > sched[c])
            t += (req[c] - sched[c]) * (req[c] - sched[c]);
    return t;
}

static double sum_shortage(const double *req, const int *sched)
{
    double t = 0;
    for (int c = 0; c < 96; c++)
        if (req[c] > sched[c])
            t += req[c] - sched[c];
    return t;
}

static void test_windows_from_rules(void **state)
{
    (void)state;
    struct break_need nd[8];
    /* 6 h from 08:00: lunch 11:00-13:00 (starts), 15 min in the middle half of each 3 h half. */
    int n = breaks_needed(example_rules, 2, H(8), H(14), nd, 8);
    assert_int_equal(n, 3);
    assert_int_equal(nd[0].minutes, 30);
    assert_false(nd[0].paid);
    assert_int_equal(nd[0].earliest, H(11));
    assert_int_equal(nd[0].latest, H(13));
    assert_int_equal(nd[1].minutes, 15);
    assert_true(nd[1].paid);
    assert_int_equal(nd[1].earliest, H(8.75));
    assert_int_equal(nd[1].latest, H(10));
    assert_int_equal(nd[2].earliest, H(11.75));
    assert_int_equal(nd[2].latest, H(13));
    /* 4 h: no lunch; halves of 2 h, breaks starting 30-75 minutes into each. */
    n = breaks_needed(example_rules, 2, H(8), H(12), nd, 8);
    assert_int_equal(n, 2);
    assert_int_equal(nd[0].earliest, H(8.5));
    assert_int_equal(nd[0].latest, H(9.25));
    assert_int_equal(nd[1].earliest, H(10.5));
    assert_int_equal(nd[1].latest, H(11.25));
    /* 3 h: nothing; and the count is returned even when it does not fit in out. */
    assert_int_equal(breaks_needed(example_rules, 2, H(8), H(11), nd, 8), 0);
    assert_int_equal(breaks_needed(example_rules, 2, H(8), H(16), nd, 1), 3);
    /* max_shift_minutes bounds a rule. */
    struct break_rule r = example_rules[1];
    r.max_shift_minutes = 300;
    assert_int_equal(breaks_needed(&r, 1, H(8), H(14), nd, 8), 0);
    assert_int_equal(breaks_needed(&r, 1, H(8), H(13), nd, 8), 2);
}

static void test_valid_placements(void **state)
{
    (void)state;
    struct shift_break ok[3] = {
        {0, H(9), H(9.25), true}, {0, H(11), H(11.5), false}, {0, H(12.5), H(12.75), true}};
    assert_true(breaks_valid(example_rules, 2, H(8), H(14), ok, 3));
    /* Lunch too early, a paid break unpaid, overlap, one missing. */
    struct shift_break early[3] = {
        {0, H(9), H(9.25), true}, {0, H(10.5), H(11), false}, {0, H(12.5), H(12.75), true}};
    assert_false(breaks_valid(example_rules, 2, H(8), H(14), early, 3));
    struct shift_break unpaid[3] = {
        {0, H(9), H(9.25), false}, {0, H(11), H(11.5), false}, {0, H(12.5), H(12.75), true}};
    assert_false(breaks_valid(example_rules, 2, H(8), H(14), unpaid, 3));
    struct shift_break overlap[3] = {
        {0, H(9), H(9.25), true}, {0, H(12), H(12.5), false}, {0, H(12.25), H(12.5), true}};
    assert_false(breaks_valid(example_rules, 2, H(8), H(14), overlap, 3));
    assert_false(breaks_valid(example_rules, 2, H(8), H(14), ok, 2));
    /* No rules, no breaks. */
    assert_true(breaks_valid(example_rules, 2, H(8), H(11), NULL, 0));
}

/* Every shift's breaks are valid, on the grid, and scheduled lost exactly their cells. */
static void check_placement(const struct fixture *f, const int *full)
{
    int expect[96];
    memcpy(expect, full, sizeof expect);
    for (int k = 0; k < f->p.n_shifts; k++) {
        const struct planned_shift *ps = &f->p.shifts[k];
        struct shift_break b[BREAKS_MAX_PER_SHIFT];
        int n = 0;
        for (int i = 0; i < f->p.n_breaks; i++) {
            if (f->p.breaks[i].shift != k)
                continue;
            assert_lt(n, BREAKS_MAX_PER_SHIFT);
            b[n++] = f->p.breaks[i];
        }
        assert_true(breaks_valid(f->c.break_rules, f->c.n_break_rules, ps->start, ps->end, b, n));
        for (int i = 0; i < n; i++) {
            assert_int_equal((b[i].start - HS) % SD_CELL_SECONDS, 0);
            for (sd_time t = b[i].start; t < b[i].end; t += SD_CELL_SECONDS)
                expect[(t - HS) / SD_CELL_SECONDS]--;
        }
    }
    /* Sorted by shift, then by start. */
    for (int i = 1; i < f->p.n_breaks; i++) {
        assert_le(f->p.breaks[i - 1].shift, f->p.breaks[i].shift);
        if (f->p.breaks[i - 1].shift == f->p.breaks[i].shift)
            assert_lt(f->p.breaks[i - 1].start, f->p.breaks[i].start);
    }
    assert_memory_equal(expect, f->scheduled, sizeof expect);
}

/* Ten staggered shifts against a requirement with a dip and a peak. */
static void staggered(struct fixture *f)
{
    fixture_init(f, 10);
    struct planned_shift sh[10];
    for (int a = 0; a < 10; a++) {
        double start = 7 + 0.5 * a;
        sh[a] = (struct planned_shift){a, 0, H(start), H(start + (a % 3 == 0 ? 4 : 8))};
    }
    for (int c = 0; c < 96; c++) {
        double h = c / 4.0;
        f->required[c] = h < 7 || h >= 19 ? 0 : h >= 11 && h < 13 ? 9 : h >= 15 && h < 16 ? 4 : 6;
    }
    plan_shifts(f, sh, 10);
}

static void test_placement_respects_rules_and_lowers_shortage(void **state)
{
    (void)state;
    struct fixture f;
    staggered(&f);
    int full[96];
    memcpy(full, f.scheduled, sizeof full);
    assert_int_equal(breaks_place(&f.s, &f.p), 0);
    assert_int_equal(f.p.n_warnings, 0);
    /* 8 h shifts: lunch and two paid breaks; 4 h shifts: two paid breaks. 6 long, 4 short. */
    assert_int_equal(f.p.n_breaks, 6 * 3 + 4 * 2);
    check_placement(&f, full);
    double greedy_sq = sum_sq_shortage(f.required, f.scheduled);
    double greedy = sum_shortage(f.required, f.scheduled);

    /* Naive: every break at the middle of its window (no overlaps arise here). */
    int naive[96];
    memcpy(naive, full, sizeof naive);
    for (int k = 0; k < f.p.n_shifts; k++) {
        struct break_need nd[8];
        int n = breaks_needed(example_rules, 2, f.p.shifts[k].start, f.p.shifts[k].end, nd, 8);
        for (int i = 0; i < n; i++) {
            sd_time mid = nd[i].earliest + (nd[i].latest - nd[i].earliest) / 2;
            mid -= (mid - HS) % SD_CELL_SECONDS;
            for (sd_time t = mid; t < mid + nd[i].minutes * 60; t += SD_CELL_SECONDS)
                naive[(t - HS) / SD_CELL_SECONDS]--;
        }
    }
    double naive_sq = sum_sq_shortage(f.required, naive);
    double naive_lin = sum_shortage(f.required, naive);
    assert_lt(greedy_sq, naive_sq);
    assert_le(greedy, naive_lin);
    plan_release(&f);
}

static void test_deterministic(void **state)
{
    (void)state;
    struct fixture f1, f2;
    staggered(&f1);
    staggered(&f2);
    assert_int_equal(breaks_place(&f1.s, &f1.p), 0);
    assert_int_equal(breaks_place(&f2.s, &f2.p), 0);
    assert_int_equal(f1.p.n_breaks, f2.p.n_breaks);
    for (int i = 0; i < f1.p.n_breaks; i++) {
        assert_int_equal(f1.p.breaks[i].shift, f2.p.breaks[i].shift);
        assert_int_equal(f1.p.breaks[i].start, f2.p.breaks[i].start);
        assert_int_equal(f1.p.breaks[i].end, f2.p.breaks[i].end);
        assert_int_equal(f1.p.breaks[i].paid, f2.p.breaks[i].paid);
    }
    assert_memory_equal(f1.scheduled, f2.scheduled, sizeof f1.scheduled);
    plan_release(&f1);
    plan_release(&f2);
}

static void test_breaks_go_where_there_is_surplus(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, 2);
    f.c.n_break_rules = 1;
    f.c.break_rules = &example_rules[0]; /* the lunch only */
    struct planned_shift sh[2] = {{0, 0, H(8), H(16)}, {1, 0, H(8), H(16)}};
    /* Two needed all day, except 11:30-13:00 where one is enough: the lunches go there. */
    for (int c = 32; c < 64; c++)
        f.required[c] = 2;
    f.required[46] = f.required[47] = 1; /* 11:30-12:00 */
    f.required[48] = f.required[49] = 1; /* 12:00-12:30 */
    f.required[50] = f.required[51] = 1; /* 12:30-13:00 */
    plan_shifts(&f, sh, 2);
    assert_int_equal(breaks_place(&f.s, &f.p), 0);
    assert_int_equal(f.p.n_breaks, 2);
    for (int i = 0; i < 2; i++) {
        assert_ge(f.p.breaks[i].start, H(11.5));
        assert_le(f.p.breaks[i].end, H(13));
        assert_false(f.p.breaks[i].paid);
    }
    /* Not both in the same half hour: no cell is short. */
    assert_int_not_equal(f.p.breaks[0].start, f.p.breaks[1].start);
    assert_eq(sum_shortage(f.required, f.scheduled), 0);
    plan_release(&f);
}

static void test_published_breaks_kept_while_valid(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, 1);
    struct planned_shift sh[1] = {{0, 0, H(8), H(14)}};
    for (int c = 32; c < 56; c++)
        f.required[c] = 1;
    /* Published: the same shift, breaks valid but not where a fresh placement would put them. */
    struct published_shift pub = {.agent = 0, .queue = 0, .start = H(8), .end = H(14)};
    struct shift_break pb[3] = {
        {0, H(8.75), H(9), true}, {0, H(11), H(11.5), false}, {0, H(13), H(13.25), true}};
    pub.first_break = 0;
    pub.n_breaks = 3;
    f.s.published = &pub;
    f.s.n_published = 1;
    f.s.published_breaks = pb;
    f.s.n_published_breaks = 3;
    plan_shifts(&f, sh, 1);
    assert_int_equal(breaks_place(&f.s, &f.p), 0);
    assert_int_equal(f.p.n_breaks, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(f.p.breaks[i].start, pb[i].start);
        assert_int_equal(f.p.breaks[i].end, pb[i].end);
        assert_int_equal(f.p.breaks[i].shift, 0);
    }
    plan_release(&f);

    /* A published lunch outside today's window (the rules changed): placed anew. */
    pb[1] = (struct shift_break){0, H(10.5), H(11), false};
    plan_shifts(&f, sh, 1);
    assert_int_equal(breaks_place(&f.s, &f.p), 0);
    assert_int_equal(f.p.n_breaks, 3);
    struct shift_break got[3];
    memcpy(got, f.p.breaks, sizeof got);
    assert_true(breaks_valid(example_rules, 2, H(8), H(14), got, 3));
    plan_release(&f);

    /* A shift under way keeps what it had, even nothing. */
    f.s.now = H(9);
    pub.n_breaks = 0;
    plan_shifts(&f, sh, 1);
    assert_int_equal(breaks_place(&f.s, &f.p), 0);
    assert_int_equal(f.p.n_breaks, 0);
    plan_release(&f);
}

static void test_unplaceable_break_warns_once(void **state)
{
    (void)state;
    struct fixture f;
    fixture_init(&f, 2);
    /* 2 h in each half of a 3 h shift cannot fit (the database refuses such rules; C copes). */
    struct break_rule bad = {.min_shift_minutes = 180,
                             .max_shift_minutes = INT32_MAX,
                             .minutes = 120,
                             .earliest_after = -1,
                             .latest_after = -1,
                             .in_each_half = true};
    f.c.break_rules = &bad;
    f.c.n_break_rules = 1;
    struct planned_shift sh[2] = {{0, 0, H(8), H(11)}, {1, 0, H(9), H(12)}};
    plan_shifts(&f, sh, 2);
    assert_int_equal(breaks_place(&f.s, &f.p), 0);
    assert_int_equal(f.p.n_breaks, 0);
    assert_int_equal(f.p.n_warnings, 1);
    assert_string_equal(f.p.warnings[0].table, "contracts");
    assert_string_equal(f.p.warnings[0].key, "id=7");
    plan_release(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_windows_from_rules),
        cmocka_unit_test(test_valid_placements),
        cmocka_unit_test(test_placement_respects_rules_and_lowers_shortage),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_breaks_go_where_there_is_surplus),
        cmocka_unit_test(test_published_breaks_kept_while_valid),
        cmocka_unit_test(test_unplaceable_break_warns_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
