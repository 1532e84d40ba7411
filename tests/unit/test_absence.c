/* SPDX-License-Identifier: ISC */
/*
 * Tests of absences (absence.c, and roster.c's use of it; docs/engine.md,
 * "Absences"): the part of a published shift an absence leaves, by the
 * contract's lengths and start step, with the numbers worked out by hand; the
 * holes; which options extend a frozen shift into a hole and nowhere else;
 * and, through roster_build(), that a frozen shift cut by time off keeps its
 * part (the whole shift went before), that another agent's frozen shift grows
 * into the hole when the shortage is worth its change cost and not when it is
 * not, and that a quick plan finds that agent. No plan breaks a rule
 * (rule_check).
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

#include "absence.h"
#include "greedy.h"
#include "model.h"
#include "roster.h"
#include "rule_check.h"
#include "roster_fixture.h"
#include "testutil.h"

#define DAY    86400LL
#define HOUR   3600LL
#define MONDAY 19723 /* 2024-01-01 */
#define HS     ((sd_time)MONDAY * DAY)
#define TUE    (HS + DAY)
#define NDAYS  7
#define NCELLS (NDAYS * 96)
#define NAG    3

struct af {
    struct snapshot s;
    struct tz_table tz;
    sd_time from;
    int32_t off;
    struct queue q;
    struct contract c;
    int lengths[4];
    struct agent ag[NAG];
    struct window win[NAG][7];
    int skills[1];
    struct span time_off[NAG][2];
    struct published_shift pub[8];
    double contacts[NCELLS], aht[NCELLS];
    double required[NCELLS];
    sd_time freeze_until;
};

/*
 * Three agents on one queue (UTC), available every day 08:00-23:00, shifts of
 * 8 or 4 hours on the hour; the clock at Monday 00:00; nothing published.
 */
static void af_init(struct af *f)
{
    memset(f, 0, sizeof *f);
    fixture_utc(&f->tz, &f->from, &f->off);
    f->q = (struct queue){.id = 1, .name = (char *)"q", .concurrency = 1};
    f->lengths[0] = 480;
    f->lengths[1] = 240;
    f->c = fixture_contract("c", 60, f->lengths, 2);
    for (int a = 0; a < NAG; a++) {
        fixture_week(f->win[a], 8 * 60, 23 * 60);
        f->ag[a] = (struct agent){.id = 100 + a,
                                  .name = (char *)"agent",
                                  .n_skills = 1,
                                  .skills = f->skills,
                                  .n_windows = 7,
                                  .windows = f->win[a],
                                  .time_off = f->time_off[a]};
    }
    f->s = fixture_snapshot(HS, NDAYS, &f->tz, &f->q, 1, f->contacts, f->aht, &f->c, f->ag, NAG);
    f->s.published = f->pub;
}

/* Publishes [start, end) for agent a; returns its index. */
static int publish(struct af *f, int a, sd_time start, sd_time end)
{
    int k = f->s.n_published++;
    f->pub[k] = (struct published_shift){
        .agent = a, .queue = 0, .agent_id = f->ag[a].id, .queue_id = 1, .start = start, .end = end};
    snprintf(f->pub[k].uuid, sizeof f->pub[k].uuid, "00000000-0000-4000-8000-%012d", k);
    return k;
}

static void take_off(struct af *f, int a, sd_time start, sd_time end)
{
    f->time_off[a][f->ag[a].n_time_off++] = (struct span){start, end};
}

/* `agents` needed on day d (0 = Monday) from hour h0 to h1. */
static void need(struct af *f, int d, double h0, double h1, double agents)
{
    for (int c = (int)(h0 * 4); c < (int)(h1 * 4); c++)
        f->required[d * 96 + c] = agents;
}

/* absence_kept_part() of published shift k: checks the verdict and the part. */
static void expect_part(struct af *f, int k, enum absence_keep want, sd_time start, sd_time end)
{
    struct span part;
    assert_int_equal(absence_kept_part(&f->s, &f->pub[k], &part), want);
    assert_int_equal(part.start, start);
    assert_int_equal(part.end, end);
}

static void test_kept_part_by_lengths_and_step(void **state)
{
    (void)state;
    struct af f;
    af_init(&f);
    int k = publish(&f, 0, TUE + 9 * HOUR, TUE + 17 * HOUR);
    /* Still valid: all of it. */
    expect_part(&f, k, ABSENCE_WHOLE, TUE + 9 * HOUR, TUE + 17 * HOUR);
    /* Off 09-13: the 4-hour length fits after it. */
    take_off(&f, 0, TUE + 9 * HOUR, TUE + 13 * HOUR);
    expect_part(&f, k, ABSENCE_PART, TUE + 13 * HOUR, TUE + 17 * HOUR);
    /* Off 13-17 instead: the part before it, from the shift's own start. */
    f.ag[0].n_time_off = 0;
    take_off(&f, 0, TUE + 13 * HOUR, TUE + 17 * HOUR);
    expect_part(&f, k, ABSENCE_PART, TUE + 9 * HOUR, TUE + 13 * HOUR);
    /* Off 11-12: 09-11 is no length; of 12-16 and 13-17, the earlier. */
    f.ag[0].n_time_off = 0;
    take_off(&f, 0, TUE + 11 * HOUR, TUE + 12 * HOUR);
    expect_part(&f, k, ABSENCE_PART, TUE + 12 * HOUR, TUE + 16 * HOUR);
    /* Off until 12:30: on the hourly step the part starts at 13:00, not 12:30 ... */
    f.ag[0].n_time_off = 0;
    take_off(&f, 0, TUE + 9 * HOUR, TUE + 12 * HOUR + 1800);
    expect_part(&f, k, ABSENCE_PART, TUE + 13 * HOUR, TUE + 17 * HOUR);
    /* ... and with a 4.5-hour length and a half-hour step, 12:30-17:00 is longer still. */
    f.lengths[2] = 270;
    f.c.n_lengths = 3;
    f.c.shift_start_step_minutes = 30;
    expect_part(&f, k, ABSENCE_PART, TUE + 12 * HOUR + 1800, TUE + 17 * HOUR);
    f.c.n_lengths = 2;
    f.c.shift_start_step_minutes = 60;
    /* Two absences: 09-10 and 15-17 leave 10-15, in which 10-14 is the earliest 4 hours. */
    f.ag[0].n_time_off = 0;
    take_off(&f, 0, TUE + 9 * HOUR, TUE + 10 * HOUR);
    take_off(&f, 0, TUE + 15 * HOUR, TUE + 17 * HOUR);
    expect_part(&f, k, ABSENCE_PART, TUE + 10 * HOUR, TUE + 14 * HOUR);
    /* A contract of 8-hour shifts only: nothing is left. */
    f.c.n_lengths = 1;
    expect_part(&f, k, ABSENCE_NONE, 0, 0);
    f.c.n_lengths = 2;
    /* Availability narrowed to 08:00-12:00 on Tuesdays: 13-17 is outside it. */
    f.ag[0].n_time_off = 0;
    take_off(&f, 0, TUE + 9 * HOUR, TUE + 13 * HOUR);
    f.win[0][1].end_min = 12 * 60;
    expect_part(&f, k, ABSENCE_NONE, 0, 0);
    f.win[0][1].end_min = 23 * 60;
    /* Not before the clock: at 14:00 on Tuesday the shift has begun; under way, no part. */
    f.s.now = TUE + 14 * HOUR;
    expect_part(&f, k, ABSENCE_NONE, 0, 0);
    /* At 08:30 the 13-17 part is still ahead. */
    f.s.now = TUE + 8 * HOUR + 1800;
    expect_part(&f, k, ABSENCE_PART, TUE + 13 * HOUR, TUE + 17 * HOUR);
    /* The skill gone, or the agent: nothing. */
    f.ag[0].n_skills = 0;
    expect_part(&f, k, ABSENCE_NONE, 0, 0);
    f.ag[0].n_skills = 1;
    f.pub[k].agent = -1;
    expect_part(&f, k, ABSENCE_NONE, 0, 0);
}

static void test_kept_part_stays_on_its_local_day(void **state)
{
    (void)state;
    struct af f;
    af_init(&f);
    /* A night shift Tuesday 20:00 - Wednesday 04:00 (a window 20:00-06:00), off until 00:00. */
    for (int d = 0; d < 7; d++) {
        f.win[0][d].start_min = 20 * 60;
        f.win[0][d].end_min = 6 * 60;
    }
    int k = publish(&f, 0, TUE + 20 * HOUR, TUE + 28 * HOUR);
    take_off(&f, 0, TUE + 20 * HOUR, TUE + 24 * HOUR);
    /* 00:00-04:00 would be Wednesday's shift: not a part of Tuesday's. */
    expect_part(&f, k, ABSENCE_NONE, 0, 0);
    /* Off 00:00-04:00 instead: 20:00-24:00 is Tuesday's. */
    f.time_off[0][0] = (struct span){TUE + 24 * HOUR, TUE + 28 * HOUR};
    expect_part(&f, k, ABSENCE_PART, TUE + 20 * HOUR, TUE + 24 * HOUR);
}

static void test_holes(void **state)
{
    (void)state;
    struct af f;
    af_init(&f);
    publish(&f, 0, TUE + 9 * HOUR, TUE + 17 * HOUR); /* cut in the middle */
    publish(&f, 1, TUE + 9 * HOUR, TUE + 17 * HOUR); /* untouched */
    publish(&f, 2, TUE + 9 * HOUR, TUE + 17 * HOUR); /* off all day */
    int c = publish(&f, 0, TUE + DAY + 9 * HOUR, TUE + DAY + 17 * HOUR);
    f.pub[c].cancelled = true; /* cancelled: no hole */
    take_off(&f, 0, TUE + 11 * HOUR, TUE + 12 * HOUR);
    take_off(&f, 2, TUE, TUE + DAY);
    struct absence_hole *h = NULL;
    int n = -1;
    assert_int_equal(absence_holes(&f.s, &h, &n), 0);
    assert_int_equal(n, 3);
    /* Agent 0 keeps 12-16: loses 09-12 and 16-17. */
    assert_int_equal(h[0].published, 0);
    assert_int_equal(h[0].agent, 0);
    assert_int_equal(h[0].start, TUE + 9 * HOUR);
    assert_int_equal(h[0].end, TUE + 12 * HOUR);
    assert_int_equal(h[1].start, TUE + 16 * HOUR);
    assert_int_equal(h[1].end, TUE + 17 * HOUR);
    /* Agent 2 loses all of it. */
    assert_int_equal(h[2].published, 2);
    assert_int_equal(h[2].start, TUE + 9 * HOUR);
    assert_int_equal(h[2].end, TUE + 17 * HOUR);
    free(h);
    /* Once the clock passes the shifts' start they are history: no holes. */
    f.s.now = TUE + 10 * HOUR;
    assert_int_equal(absence_holes(&f.s, &h, &n), 0);
    assert_int_equal(n, 0);
    assert_null(h);
}

static void test_extensions_reach_only_into_holes(void **state)
{
    (void)state;
    struct absence_hole h[2] = {{0, 0, 0, TUE + 13 * HOUR, TUE + 15 * HOUR},
                                {1, 1, 0, TUE + 15 * HOUR, TUE + 17 * HOUR}};
    sd_time fs = TUE + 9 * HOUR, fe = TUE + 13 * HOUR;
    struct shift_option o = {MONDAY + 1, 0, TUE + 9 * HOUR, TUE + 17 * HOUR};
    /* 09-17 adds 13-17: two holes end to end. */
    assert_true(absence_extends_into_holes(&o, fs, fe, 0, h, 2));
    /* ... but not with only the first. */
    assert_false(absence_extends_into_holes(&o, fs, fe, 0, h, 1));
    /* 09-18 reaches past the holes; 08-17 begins before the shift outside any hole. */
    o.end = TUE + 18 * HOUR;
    assert_false(absence_extends_into_holes(&o, fs, fe, 0, h, 2));
    o = (struct shift_option){MONDAY + 1, 0, TUE + 8 * HOUR, TUE + 17 * HOUR};
    assert_false(absence_extends_into_holes(&o, fs, fe, 0, h, 2));
    /* Another queue, the shift itself, or an option that does not contain it: no. */
    o = (struct shift_option){MONDAY + 1, 1, TUE + 9 * HOUR, TUE + 17 * HOUR};
    assert_false(absence_extends_into_holes(&o, fs, fe, 0, h, 2));
    o = (struct shift_option){MONDAY + 1, 0, fs, fe};
    assert_false(absence_extends_into_holes(&o, fs, fe, 0, h, 2));
    o = (struct shift_option){MONDAY + 1, 0, TUE + 13 * HOUR, TUE + 17 * HOUR};
    assert_false(absence_extends_into_holes(&o, fs, fe, 0, h, 2));
    /* An extension before the shift: hole 05-09 (none here), so 05-13 is not one. */
    o = (struct shift_option){MONDAY + 1, 0, TUE + 5 * HOUR, TUE + 13 * HOUR};
    assert_false(absence_extends_into_holes(&o, fs, fe, 0, h, 2));
    struct absence_hole early = {0, 0, 0, TUE + 5 * HOUR, TUE + 9 * HOUR};
    assert_true(absence_extends_into_holes(&o, fs, fe, 0, &early, 1));
}

static void test_keep_extensions_and_score(void **state)
{
    (void)state;
    struct af f;
    af_init(&f);
    /* Agent 1's frozen Tuesday 09-13; agent 0's 09-17 is cut by time off 13-17. */
    int mine = publish(&f, 1, TUE + 9 * HOUR, TUE + 13 * HOUR);
    publish(&f, 0, TUE + 9 * HOUR, TUE + 17 * HOUR);
    take_off(&f, 0, TUE + 13 * HOUR, TUE + 17 * HOUR);
    struct absence_hole *h = NULL;
    int nh = 0;
    assert_int_equal(absence_holes(&f.s, &h, &nh), 0);
    assert_int_equal(nh, 1);
    struct shift_option o[] = {
        {MONDAY, 0, HS + 9 * HOUR, HS + 17 * HOUR},        /* Monday: untouched */
        {MONDAY + 1, 0, TUE + 8 * HOUR, TUE + 12 * HOUR},  /* not containing 09-13 */
        {MONDAY + 1, 0, TUE + 9 * HOUR, TUE + 13 * HOUR},  /* the shift */
        {MONDAY + 1, 0, TUE + 9 * HOUR, TUE + 17 * HOUR},  /* 09-17: into the hole */
        {MONDAY + 1, 0, TUE + 13 * HOUR, TUE + 17 * HOUR}, /* the hole, not an extension */
        {MONDAY + 2, 0, TUE + DAY + 13 * HOUR, TUE + DAY + 17 * HOUR}, /* Wednesday */
    };
    int n = 6;
    /* Scored before filtering: on the frozen Tuesday only 09-17 counts (16 cells of the hole). */
    assert_int_equal(absence_cover_score(&f.s, 1, TUE + DAY, &mine, 1, o, n, h, nh), 16);
    /* Outside the freeze every option counts: 09-17 and 13-17, 16 cells each. */
    assert_int_equal(absence_cover_score(&f.s, 1, HS, &mine, 1, o, n, h, nh), 32);
    /* Outside the freeze nothing is filtered. */
    assert_int_equal(absence_keep_extensions(&f.s, 1, HS, &mine, 1, h, nh, o, &n), 0);
    assert_int_equal(n, 6);
    /* Inside: Tuesday keeps 09-13 and 09-17; Monday and Wednesday as they were. */
    assert_int_equal(absence_keep_extensions(&f.s, 1, TUE + DAY, &mine, 1, h, nh, o, &n), 1);
    assert_int_equal(n, 4);
    assert_int_equal(o[0].day, MONDAY);
    assert_int_equal(o[1].end, TUE + 13 * HOUR);
    assert_int_equal(o[2].end, TUE + 17 * HOUR);
    assert_int_equal(o[3].day, MONDAY + 2);
    free(h);
}

static void solve(struct af *f, const int64_t *quick, int n_quick, struct plan *p)
{
    *p = (struct plan){0};
    p->required = f->required;
    struct roster_params rp = {.seed = 3,
                               .iterations = 3000,
                               .threads = 1,
                               .freeze_until = f->freeze_until,
                               .quick_agents = quick,
                               .n_quick_agents = n_quick};
    assert_int_equal(roster_build(&f->s, &rp, p), 0);
    fixture_check_rules(&f->s, p);
}

static void test_frozen_shift_keeps_its_part(void **state)
{
    (void)state;
    /*
     * Ana (the only one available) was told Tuesday 09:00-17:00, inside the
     * freeze; the demand has moved to the evening, and she takes 09:00-13:00
     * off. Before: the shift went whole and she got an evening shift instead
     * (the freeze did not hold). Now 13:00-17:00 stands as it was told.
     */
    struct af f;
    struct plan p;
    af_init(&f);
    f.s.n_agents = 1;
    need(&f, 1, 15, 23, 3);
    publish(&f, 0, TUE + 9 * HOUR, TUE + 17 * HOUR);
    take_off(&f, 0, TUE + 9 * HOUR, TUE + 13 * HOUR);
    f.freeze_until = HS + 48 * HOUR;
    solve(&f, NULL, 0, &p);
    const struct planned_shift *mine = fixture_shift_on(&p, 0, HS, 1);
    assert_non_null(mine);
    assert_int_equal(mine->start, TUE + 13 * HOUR);
    assert_int_equal(mine->end, TUE + 17 * HOUR);
    fixture_release(&p);
    /* Outside the freeze it is wished for, not fixed: the evening wins. */
    f.freeze_until = 0;
    solve(&f, NULL, 0, &p);
    mine = fixture_shift_on(&p, 0, HS, 1);
    assert_non_null(mine);
    assert_int_not_equal(mine->start, TUE + 13 * HOUR);
    fixture_release(&p);
    /* Demand 09:00-17:00 instead, outside the freeze: the part that was told wins a tie. */
    memset(f.required, 0, sizeof f.required);
    need(&f, 1, 9, 17, 1);
    solve(&f, NULL, 0, &p);
    mine = fixture_shift_on(&p, 0, HS, 1);
    assert_non_null(mine);
    assert_int_equal(mine->start, TUE + 13 * HOUR);
    assert_int_equal(mine->end, TUE + 17 * HOUR);
    fixture_release(&p);
}

/*
 * Ana's frozen Tuesday 09-17 is cut to 09-13 by time off 13-17; Bo was told
 * 09-13 that day; Cy is not available on Tuesday. Two are needed 09-13, and
 * `after` from 13:00 for `hours`.
 */
static void backfill_site(struct af *f, double after, double hours)
{
    af_init(f);
    f->win[2][1].start_min = 0;
    f->win[2][1].end_min = 60; /* Cy: Tuesday 00:00-01:00 only, no shift fits */
    need(f, 1, 9, 13, 2);
    need(f, 1, 13, 13 + hours, after);
    publish(f, 0, TUE + 9 * HOUR, TUE + 17 * HOUR);
    publish(f, 1, TUE + 9 * HOUR, TUE + 13 * HOUR);
    take_off(f, 0, TUE + 13 * HOUR, TUE + 17 * HOUR);
    f->freeze_until = HS + 48 * HOUR;
}

static void test_frozen_shift_grows_into_the_hole(void **state)
{
    (void)state;
    struct af f;
    struct plan p;
    /*
     * Two needed 13-17: with Ana gone the cells are 2 short, and Bo's 4 more
     * hours take the second missing agent off 16 cells (3 each, 48) for a
     * backfill's share of the stability weight of a shift 33 hours away
     * (0.05 x (16 + 100 e^-0.69) = 3.3): Bo works 09-17. Before, his frozen
     * 09-13 could not move.
     */
    backfill_site(&f, 2, 4);
    solve(&f, NULL, 0, &p);
    const struct planned_shift *ana = fixture_shift_on(&p, 0, HS, 1),
                               *bo = fixture_shift_on(&p, 1, HS, 1);
    assert_non_null(ana);
    assert_int_equal(ana->start, TUE + 9 * HOUR);
    assert_int_equal(ana->end, TUE + 13 * HOUR);
    assert_non_null(bo);
    assert_int_equal(bo->start, TUE + 9 * HOUR);
    assert_int_equal(bo->end, TUE + 17 * HOUR);
    fixture_release(&p);
    /*
     * The quick plan of Ana's change finds Bo (the only one who can fill it)
     * and does the same.
     */
    int64_t ana_id = f.ag[0].id;
    solve(&f, &ana_id, 1, &p);
    ana = fixture_shift_on(&p, 0, HS, 1);
    bo = fixture_shift_on(&p, 1, HS, 1);
    assert_non_null(ana);
    assert_int_equal(ana->end, TUE + 13 * HOUR);
    assert_non_null(bo);
    assert_int_equal(bo->end, TUE + 17 * HOUR);
    fixture_release(&p);
}

static void test_backfill_respects_the_change_cost(void **state)
{
    (void)state;
    struct af f;
    struct plan p;
    /*
     * One needed 13:00-13:30 only: Bo's 4 more hours would take 2 cells off
     * 1 short (2) and leave 14 idle (0.1 each, 1.4), less than the 3.3 his
     * change costs: his 09-13 stands as told.
     */
    backfill_site(&f, 1, 0.5);
    solve(&f, NULL, 0, &p);
    const struct planned_shift *bo = fixture_shift_on(&p, 1, HS, 1);
    assert_non_null(bo);
    assert_int_equal(bo->start, TUE + 9 * HOUR);
    assert_int_equal(bo->end, TUE + 13 * HOUR);
    fixture_release(&p);
    /* One needed 13:00-15:00: 8 cells (8, less 0.8 idle) are worth it. */
    backfill_site(&f, 1, 2);
    solve(&f, NULL, 0, &p);
    bo = fixture_shift_on(&p, 1, HS, 1);
    assert_non_null(bo);
    assert_int_equal(bo->end, TUE + 17 * HOUR);
    fixture_release(&p);
    /* Bo's weekly maximum reached by his 4 hours (a rule, not a cost): nothing grows. */
    backfill_site(&f, 2, 4);
    f.c.max_minutes_per_week = 240;
    solve(&f, NULL, 0, &p);
    bo = fixture_shift_on(&p, 1, HS, 1);
    assert_non_null(bo);
    assert_int_equal(bo->end, TUE + 13 * HOUR);
    fixture_release(&p);
}

static void test_day_off_backfills_the_hole(void **state)
{
    (void)state;
    struct af f;
    struct plan p;
    /*
     * Bo cannot grow (his weekly maximum), Cy is available on Tuesday and was
     * told a day off there (he works Wednesday). One needed 13-17 and one
     * 19-23. The hole is worth 16 (16 cells 1 short): Cy's 13-17 costs a
     * backfill's 3.3 and he comes in; before, a day off cost half the
     * stability weight (33.1) and he did not. 19-23 is no hole: a shift there
     * still costs 33.1, more than its 16, and an 8-hour shift would break
     * the weekly maximum: he works 13-17.
     */
    backfill_site(&f, 1, 4);
    need(&f, 1, 19, 23, 1);
    f.c.max_minutes_per_week = 240 + 480; /* Bo: 09-13 and Wednesday's 8 hours */
    f.win[2][1] = f.win[2][0];
    f.win[2][1].weekday = 2;
    publish(&f, 1, TUE + DAY + 9 * HOUR, TUE + DAY + 17 * HOUR);
    publish(&f, 2, TUE + DAY + 9 * HOUR, TUE + DAY + 17 * HOUR);
    need(&f, 2, 9, 17, 2);
    solve(&f, NULL, 0, &p);
    const struct planned_shift *bo = fixture_shift_on(&p, 1, HS, 1),
                               *cy = fixture_shift_on(&p, 2, HS, 1);
    assert_non_null(bo);
    assert_int_equal(bo->end, TUE + 13 * HOUR);
    assert_non_null(cy);
    assert_int_equal(cy->start, TUE + 13 * HOUR);
    assert_int_equal(cy->end, TUE + 17 * HOUR);
    fixture_release(&p);
    /* The quick plan of Ana's change does the same. */
    int64_t ana_id = f.ag[0].id;
    solve(&f, &ana_id, 1, &p);
    cy = fixture_shift_on(&p, 2, HS, 1);
    assert_non_null(cy);
    assert_int_equal(cy->start, TUE + 13 * HOUR);
    assert_int_equal(cy->end, TUE + 17 * HOUR);
    fixture_release(&p);
}

static void test_greedy_keeps_the_part_too(void **state)
{
    (void)state;
    /* The what-if planner (greedy.c) keeps the same part of a frozen shift. */
    struct af f;
    struct plan p = {0};
    af_init(&f);
    f.s.n_agents = 1;
    need(&f, 1, 15, 23, 3);
    publish(&f, 0, TUE + 9 * HOUR, TUE + 17 * HOUR);
    take_off(&f, 0, TUE + 9 * HOUR, TUE + 13 * HOUR);
    p.required = f.required;
    struct greedy_params gp = {.seed = 1, .freeze_until = HS + 48 * HOUR};
    assert_int_equal(greedy_build(&f.s, &gp, &p), 0);
    const struct planned_shift *mine = fixture_shift_on(&p, 0, HS, 1);
    assert_non_null(mine);
    assert_int_equal(mine->start, TUE + 13 * HOUR);
    assert_int_equal(mine->end, TUE + 17 * HOUR);
    fixture_release(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kept_part_by_lengths_and_step),
        cmocka_unit_test(test_kept_part_stays_on_its_local_day),
        cmocka_unit_test(test_holes),
        cmocka_unit_test(test_extensions_reach_only_into_holes),
        cmocka_unit_test(test_keep_extensions_and_score),
        cmocka_unit_test(test_frozen_shift_keeps_its_part),
        cmocka_unit_test(test_frozen_shift_grows_into_the_hole),
        cmocka_unit_test(test_backfill_respects_the_change_cost),
        cmocka_unit_test(test_day_off_backfills_the_hole),
        cmocka_unit_test(test_greedy_keeps_the_part_too),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
