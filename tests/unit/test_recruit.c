/* SPDX-License-Identifier: ISC */
/*
 * Tests of recruitment (recruit.c): hiring needs from a plan's shortage and
 * the greedy ranking of candidates, on small snapshots built by hand. The
 * shortage is written straight into a plan (what plan_run leaves), except for
 * the what-if test, which plans for real.
 */
#include <errno.h>
#include <math.h>
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
#include "recruit.h"
#include "recruit_report.h"
#include "text.h"

#define DAY   86400LL
#define DAYS  14
#define CELLS (DAYS * 96)
#define NQ    2
#define NC    8

/*
 * Two queues (chat-sv in Europe/Stockholm, voice-en in UTC), 14 days from
 * Monday 1 June 2026 (summer time all along: Stockholm is UTC+2 throughout).
 */
struct fx {
    struct snapshot s;
    struct tz_table tz[2];
    sd_time from[2];
    int32_t off[2];
    struct queue q[NQ];
    struct candidate c[NC];
    int skills[NC][NQ];
    struct window w[NC][8];
    struct plan p;
    double shortage[NQ * CELLS];
    double contacts[NQ * CELLS], aht[NQ * CELLS];
};

static void fx_init(struct fx *f)
{
    memset(f, 0, sizeof *f);
    f->from[0] = f->from[1] = INT64_MIN / 2;
    f->off[0] = 7200;
    f->off[1] = 0;
    f->tz[0] = (struct tz_table){(char *)"Europe/Stockholm", 1, &f->from[0], &f->off[0]};
    f->tz[1] = (struct tz_table){(char *)"UTC", 1, &f->from[1], &f->off[1]};
    f->q[0] = (struct queue){.id = 11,
                             .name = (char *)"chat-sv",
                             .tz = 0,
                             .service_level = 0.8,
                             .target_seconds = 20,
                             .max_occupancy = 1,
                             .concurrency = 1};
    f->q[1] = f->q[0];
    f->q[1].id = 12;
    f->q[1].name = (char *)"voice-en";
    f->q[1].tz = 1;
    f->s.horizon_start = (sd_time)test_civil_days(2026, 6, 1) * DAY;
    f->s.now = f->s.horizon_start - DAY;
    f->s.horizon_days = DAYS;
    f->s.n_cells = CELLS;
    f->s.n_tzs = 2;
    f->s.tzs = f->tz;
    f->s.n_queues = NQ;
    f->s.queues = f->q;
    f->s.contacts = f->contacts;
    f->s.aht = f->aht;
    f->s.candidates = f->c;
    f->p.shortage = f->shortage;
}

/* Local weekday (1..7) and minute of the day of cell c in zone tz. */
static void local_of(const struct fx *f, int tz, int c, int *wd, int *minute)
{
    sd_time local = f->s.horizon_start + (sd_time)c * 900 + f->off[tz];
    int32_t day = (int32_t)(local / DAY);
    *wd = day_weekday(day);
    *minute = (int)(local % DAY) / 60;
}

/*
 * Sets `value` agents short on queue q in the block start..end (local time of
 * the queue; end <= start runs past midnight) on the weekdays in mask (bit
 * d - 1 for ISO day d).
 */
static void set_short(struct fx *f, int q, unsigned mask, int start, int end, double value)
{
    for (int c = 0; c < CELLS; c++) {
        int wd, m;
        local_of(f, f->q[q].tz, c, &wd, &m);
        int prev = wd == 1 ? 7 : wd - 1;
        bool in;
        if (end > start)
            in = (mask & (1u << (wd - 1))) && m >= start && m < end;
        else
            in = ((mask & (1u << (wd - 1))) && m >= start) ||
                 ((mask & (1u << (prev - 1))) && m < end);
        if (in)
            f->shortage[q * CELLS + c] = value;
    }
}

/* A candidate with one queue skill and the same window on every day in mask. */
static struct candidate *add_candidate(struct fx *f, int64_t id, int skill, unsigned mask,
                                       int start, int end, int minutes, double score)
{
    int i = f->s.n_candidates++;
    struct candidate *c = &f->c[i];
    *c = (struct candidate){.id = id,
                            .name = (char *)"cand",
                            .source = (char *)"student",
                            .tz = 0,
                            .minutes_per_week = minutes,
                            .score = score,
                            .skills = f->skills[i],
                            .windows = f->w[i]};
    if (skill >= 0)
        f->skills[i][c->n_skills++] = skill;
    for (int d = 1; d <= 7; d++)
        if (mask & (1u << (d - 1)))
            f->w[i][c->n_windows++] = (struct window){d, start, end, INT32_MIN, INT32_MAX};
    return c;
}

#define WEEKDAYS 0x1Fu
#define WEEKEND  0x60u

static void test_evening_student_outranks_daytime_candidate(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    set_short(&f, 0, WEEKDAYS, 17 * 60, 22 * 60, 2);
    /* The daytime applicant has the better assessment; the gap is in the evening. */
    add_candidate(&f, 1, 0, WEEKDAYS, 8 * 60, 16 * 60, 1200, 95);
    add_candidate(&f, 2, 0, WEEKDAYS, 16 * 60, 23 * 60, 1200, 60);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_ranked *r;
    int n;
    assert_int_equal(recruit_rank(&f.s, &f.p, &rp, &r, &n), 0);
    assert_int_equal(n, 2);
    assert_int_equal(f.c[r[0].candidate].id, 2);
    assert_int_equal(r[0].rank, 1);
    /* 20 h wanted, five 5-hour evenings short: four of them, 20 h a week. */
    assert_gt(r[0].minutes_per_week, 1199);
    assert_lt(r[0].minutes_per_week, 1201);
    assert_gt(r[0].queue_minutes[0], 1199);
    assert_non_null(strstr(r[0].explanation, "could cover 20 h/week of chat-sv shortage"));
    assert_non_null(strstr(r[0].explanation, "evenings 17:00–22:00 Europe/Stockholm"));
    assert_int_equal(r[0].n_shifts, 8);
    assert_int_equal(f.c[r[1].candidate].id, 1);
    assert_eq(r[1].minutes_per_week, 0);
    assert_non_null(strstr(r[1].explanation, "covers nothing"));
    recruit_ranked_free(r, n);
}

/*
 * Issue #12, finding 3: a queue called repeat('å', 80) once cut the labels,
 * reasons and explanations inside a UTF-8 sequence, and PostgreSQL refused
 * the whole run's JSON. Every text recruitment makes from long non-ASCII
 * names must be valid UTF-8.
 */
static void test_long_non_ascii_names_stay_valid_utf8(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    char qname[161], cname[400];
    for (int i = 0; i < 80; i++)
        memcpy(qname + 2 * i, "\xc3\xa5", 2);
    qname[160] = '\0';
    for (int i = 0; i < 133; i++)
        memcpy(cname + 3 * i, "\xe2\x82\xac", 3);
    cname[399] = '\0';
    f.q[0].name = qname;
    f.q[1].name = qname;
    set_short(&f, 0, WEEKDAYS, 17 * 60, 22 * 60, 2);
    set_short(&f, 1, WEEKDAYS, 17 * 60, 22 * 60, 2);
    struct candidate *c = add_candidate(&f, 7, 0, WEEKDAYS, 16 * 60, 23 * 60, 1200, 60);
    c->name = cname;
    f.skills[0][c->n_skills++] = 1;
    /* One candidate without the skills, for the "lacks the skills of" explanation. */
    add_candidate(&f, 8, -1, WEEKDAYS, 16 * 60, 23 * 60, 1200, 60)->name = cname;
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_result rr = {0};
    assert_int_equal(recruit_run(&f.s, &f.p, &rp, &rr), 0);
    assert_gt(rr.hiring.n_profiles, 0);
    assert_int_equal(rr.n_ranked, 2);
    for (int i = 0; i < rr.hiring.n_profiles; i++) {
        const struct hiring_profile *pf = &rr.hiring.profiles[i];
        assert_true(text_utf8_valid(pf->label, strlen(pf->label)));
        assert_true(text_utf8_valid(pf->reason, strlen(pf->reason)));
        assert_true(text_utf8_valid(pf->ad, strlen(pf->ad)));
    }
    for (int q = 0; q < rr.hiring.n_queues; q++)
        assert_true(text_utf8_valid(rr.hiring.queues[q].left_reason,
                                    strlen(rr.hiring.queues[q].left_reason)));
    for (int i = 0; i < rr.n_ranked; i++) {
        const char *e = rr.ranked[i].explanation;
        if (!text_utf8_valid(e, strlen(e)))
            fail_msg("explanation %d is not valid UTF-8: %s", i, e);
    }
    /* The whole JSON the store sends, and the text report. */
    cJSON *j = recruit_to_json(&f.s, &rr);
    char *json = cJSON_PrintUnformatted(j);
    assert_non_null(json);
    assert_true(text_utf8_valid(json, strlen(json)));
    free(json);
    cJSON_Delete(j);
    recruit_result_free(&rr);
}

static void test_candidate_without_skill_covers_nothing(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    set_short(&f, 0, WEEKDAYS, 17 * 60, 22 * 60, 2);
    add_candidate(&f, 7, 1, WEEKDAYS, 16 * 60, 23 * 60, 1200, -1);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_ranked *r;
    int n;
    assert_int_equal(recruit_rank(&f.s, &f.p, &rp, &r, &n), 0);
    assert_int_equal(n, 1);
    assert_eq(r[0].minutes_per_week, 0);
    assert_eq(r[0].queue_minutes[0], 0);
    assert_int_equal(r[0].n_shifts, 0);
    assert_non_null(strstr(r[0].explanation, "lacks the skills of the short queues (chat-sv)"));
    assert_non_null(strstr(r[0].explanation, "not assessed"));
    recruit_ranked_free(r, n);
}

static void test_second_candidate_ranked_by_what_is_left(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    /* One agent short five evenings a week: 25 h; one person can give 20. */
    set_short(&f, 0, WEEKDAYS, 17 * 60, 22 * 60, 1);
    add_candidate(&f, 1, 0, WEEKDAYS, 16 * 60, 23 * 60, 1200, -1);
    add_candidate(&f, 2, 0, WEEKDAYS, 16 * 60, 23 * 60, 1200, -1);
    add_candidate(&f, 3, 0, WEEKDAYS, 16 * 60, 23 * 60, 1200, -1);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_ranked *r;
    int n;
    assert_int_equal(recruit_rank(&f.s, &f.p, &rp, &r, &n), 0);
    assert_int_equal(n, 3);
    /* Equal people, equal (missing) scores: the lower id first. */
    assert_int_equal(f.c[r[0].candidate].id, 1);
    assert_int_equal(f.c[r[1].candidate].id, 2);
    assert_int_equal(f.c[r[2].candidate].id, 3);
    assert_gt(r[0].minutes_per_week, 1199);
    assert_lt(r[0].minutes_per_week, 1201);
    /* The second adds only the evening left: 5 h a week. */
    assert_gt(r[1].minutes_per_week, 299);
    assert_lt(r[1].minutes_per_week, 301);
    assert_non_null(strstr(r[1].explanation, "before those ranked above"));
    assert_eq(r[2].minutes_per_week, 0);
    assert_non_null(strstr(r[2].explanation, "covered by those ranked above"));
    recruit_ranked_free(r, n);

    /* A better score puts an otherwise equal candidate first. */
    f.c[2].score = 80;
    assert_int_equal(recruit_rank(&f.s, &f.p, &rp, &r, &n), 0);
    assert_int_equal(f.c[r[0].candidate].id, 3);
    assert_gt(r[0].value, r[0].minutes_per_week);
    recruit_ranked_free(r, n);
}

static void test_score_weighs_in_but_coverage_leads(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    set_short(&f, 0, WEEKDAYS, 17 * 60, 22 * 60, 1);
    /* 10 h at score 100 (value 12 h) against 20 h at score 0 (value 16 h). */
    add_candidate(&f, 1, 0, WEEKDAYS, 16 * 60, 23 * 60, 600, 100);
    add_candidate(&f, 2, 0, WEEKDAYS, 16 * 60, 23 * 60, 1200, 0);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_ranked *r;
    int n;
    assert_int_equal(recruit_rank(&f.s, &f.p, &rp, &r, &n), 0);
    assert_int_equal(f.c[r[0].candidate].id, 2);
    assert_gt(r[0].value, 0.79 * 1200);
    assert_lt(r[0].value, 0.81 * 1200);
    recruit_ranked_free(r, n);
}

static void big_fixture(struct fx *f)
{
    fx_init(f);
    set_short(f, 0, WEEKDAYS, 17 * 60, 22 * 60, 2);
    set_short(f, 0, WEEKEND, 9 * 60, 13 * 60, 1);
    set_short(f, 1, 0x7F, 22 * 60, 2 * 60, 1);
    add_candidate(f, 10, 0, WEEKDAYS, 17 * 60, 22 * 60, 900, 70);
    add_candidate(f, 11, 0, WEEKEND, 8 * 60, 14 * 60, 600, -1);
    add_candidate(f, 12, 1, 0x7F, 20 * 60, 4 * 60, 1500, 40);
    add_candidate(f, 13, 0, 0x7F, 8 * 60, 23 * 60, 2400, 55);
    add_candidate(f, 14, 1, WEEKDAYS, 6 * 60, 12 * 60, 1200, 90);
    add_candidate(f, 15, 0, 0x15, 18 * 60, 22 * 60, 480, -1);
    f->skills[3][f->c[3].n_skills++] = 1; /* 13 speaks both */
}

static void test_ranking_is_deterministic(void **state)
{
    (void)state;
    static struct fx f, g;
    big_fixture(&f);
    big_fixture(&g);
    /* Same people listed in the opposite order: same ranking. */
    for (int i = 0; i < g.s.n_candidates; i++) {
        int j = g.s.n_candidates - 1 - i;
        if (i >= j)
            break;
        struct candidate t = g.c[i];
        g.c[i] = g.c[j];
        g.c[j] = t;
    }
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_ranked *a, *b, *c;
    int na, nb, nc;
    assert_int_equal(recruit_rank(&f.s, &f.p, &rp, &a, &na), 0);
    assert_int_equal(recruit_rank(&f.s, &f.p, &rp, &b, &nb), 0);
    assert_int_equal(recruit_rank(&g.s, &g.p, &rp, &c, &nc), 0);
    assert_int_equal(na, 6);
    assert_int_equal(nb, na);
    assert_int_equal(nc, na);
    int covering = 0;
    for (int i = 0; i < na; i++) {
        assert_int_equal(a[i].candidate, b[i].candidate);
        assert_eq(a[i].minutes_per_week, b[i].minutes_per_week);
        assert_string_equal(a[i].explanation, b[i].explanation);
        assert_int_equal(f.c[a[i].candidate].id, g.c[c[i].candidate].id);
        assert_eq(a[i].minutes_per_week, c[i].minutes_per_week);
        assert_string_equal(a[i].explanation, c[i].explanation);
        covering += a[i].minutes_per_week > 0;
        /* Ranks follow value. */
        if (i > 0)
            assert_ge(a[i - 1].value, a[i].value);
    }
    assert_ge(covering, 4);
    recruit_ranked_free(a, na);
    recruit_ranked_free(b, nb);
    recruit_ranked_free(c, nc);
}

/*
 * The fixture has no contracts: hires are of the built-in template (4, 5, 6
 * and 8 h shifts, 20 h and 5 days a week, 11 h rest), each covering at least
 * two shortest shifts (8 h) of shortage a week. The horizon is two whole
 * weeks, so per-week figures are exact.
 */
static void test_needs_are_whole_hires_of_the_template(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    set_short(&f, 0, WEEKDAYS, 17 * 60, 22 * 60, 2);
    set_short(&f, 1, WEEKEND, 9 * 60, 13 * 60, 1);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct hiring_result h;
    assert_int_equal(recruit_needs(&f.s, &f.p, &rp, &h), 0);
    assert_int_equal(h.tpl.contract, -1);
    assert_string_equal(h.tpl.c.name, "built-in template");
    assert_near(h.tpl.min_hours, 8, 1e-9);
    assert_int_equal(h.n_profiles, 2);

    /* 2 agents x 5 h x 5 evenings = 50 h: two hires of 20 h and one of 10 h, in 5 h shifts. */
    const struct hiring_profile *sv = &h.profiles[0];
    assert_int_equal(sv->queue, 0);
    assert_int_equal(sv->weekdays, WEEKDAYS);
    assert_int_equal(sv->start_min, 17 * 60);
    assert_int_equal(sv->end_min, 22 * 60);
    assert_int_equal(sv->productive, 3);
    assert_int_equal(sv->hires, 3);
    assert_near(sv->covered, 50 * 60, 1e-6);
    assert_near(sv->window_short, 50 * 60, 1e-6);
    assert_near(sv->peak_agents, 2, 1e-9);
    assert_near(sv->minutes_min, 10 * 60, 1e-6);
    assert_near(sv->minutes_max, 20 * 60, 1e-6);
    assert_string_equal(sv->label, "weekday evenings 17:00–22:00 Europe/Stockholm");
    assert_string_equal(sv->ad, "3 hires for chat-sv, weekday evenings 17:00–22:00 "
                                "Europe/Stockholm, 10–20 h a week ('built-in template')");
    assert_non_null(strstr(sv->reason, "so 3"));

    /* voice-en, in UTC: weekend mornings, 1 agent x 4 h x 2 days = 8 h, just one hire's worth. */
    const struct hiring_profile *en = &h.profiles[1];
    assert_int_equal(en->queue, 1);
    assert_int_equal(en->weekdays, WEEKEND);
    assert_string_equal(en->label, "weekend mornings 09:00–13:00 UTC");
    assert_int_equal(en->productive, 1);
    assert_near(en->covered, 8 * 60, 1e-6);

    /* One total, and nothing left. */
    assert_int_equal(h.hires, 4);
    assert_int_equal(h.productive, 4);
    assert_near(h.shortage, 58 * 60, 1e-6);
    assert_near(h.covered, 58 * 60, 1e-6);
    assert_near(h.left, 0, 1e-6);
    assert_int_equal(h.queues[0].hires, 3);
    assert_int_equal(h.queues[1].hires, 1);
    assert_string_equal(h.queues[0].left_reason, "");

    /* The windows a hypothetical hire of the first profile gets: 17:00-22:00, Monday to Friday. */
    struct window w[7];
    assert_int_equal(hiring_profile_windows(sv, w), 5);
    assert_int_equal(w[0].weekday, 1);
    assert_int_equal(w[4].weekday, 5);
    assert_int_equal(w[4].start_min, 17 * 60);
    assert_int_equal(w[4].end_min, 22 * 60);
    hiring_result_free(&h);
}

/*
 * Two one-hour gaps of an evening are one 4-hour shift a hire can work
 * (17:00-21:00, 10 h of shortage a week); three agents short for one hour
 * on Wednesdays are no job for anyone (3 h, 1 h for each): dropped, and the
 * queue says why.
 */
static void test_blocks_shorter_than_a_shift_are_merged_or_dropped(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    set_short(&f, 0, WEEKDAYS, 17 * 60, 18 * 60, 1);
    set_short(&f, 0, WEEKDAYS, 20 * 60, 21 * 60, 1);
    set_short(&f, 1, 0x04, 10 * 60, 11 * 60, 3);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct hiring_result h;
    assert_int_equal(recruit_needs(&f.s, &f.p, &rp, &h), 0);
    assert_int_equal(h.n_profiles, 1);
    const struct hiring_profile *sv = &h.profiles[0];
    assert_int_equal(sv->queue, 0);
    assert_int_equal(sv->productive, 1);
    assert_int_equal(sv->start_min, 17 * 60);
    assert_int_equal(sv->end_min, 21 * 60);
    assert_near(sv->covered, 10 * 60, 1e-6);
    assert_near(sv->minutes_max, 20 * 60, 1e-6); /* works 4 h to cover 2 h, five times */
    assert_near(h.queues[0].left, 0, 1e-6);

    assert_near(h.queues[1].shortage, 3 * 60, 1e-6);
    assert_near(h.queues[1].left, 3 * 60, 1e-6);
    assert_int_equal(h.queues[1].hires, 0);
    assert_near(h.queues[1].next_best, 60, 1e-6);
    const char *why = h.queues[1].left_reason;
    if (strstr(why, "Wednesday mornings 10:00–11:00 (3.0 h)") == NULL ||
        strstr(why, "at most 1.0 h a week") == NULL || strstr(why, "below the 8.0 h") == NULL)
        fail_msg("left_reason does not say where and why: %s", why);
    hiring_result_free(&h);
}

static void test_needs_scale_with_attrition_and_ramp_up(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    set_short(&f, 0, WEEKDAYS, 17 * 60, 22 * 60, 4);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct hiring_result a, b, c;
    assert_int_equal(recruit_needs(&f.s, &f.p, &rp, &a), 0);
    rp.attrition_per_month = 0.10;
    assert_int_equal(recruit_needs(&f.s, &f.p, &rp, &b), 0);
    rp.weeks_to_productive = 12;
    assert_int_equal(recruit_needs(&f.s, &f.p, &rp, &c), 0);
    assert_int_equal(a.n_profiles, 1);
    assert_int_equal(b.n_profiles, 1);
    assert_int_equal(c.n_profiles, 1);
    /* 100 h: five whole hires of 20 h, whatever the attrition. */
    assert_int_equal(a.profiles[0].productive, 5);
    assert_int_equal(c.profiles[0].productive, 5);
    double months4 = 4 * 7 / 30.4375, months12 = 12 * 7 / 30.4375;
    assert_near(a.profiles[0].hires_exact, 5 * (1 + 0.03 * months4), 1e-6);
    assert_near(b.profiles[0].hires_exact, 5 * (1 + 0.10 * months4), 1e-6);
    assert_near(c.profiles[0].hires_exact, 5 * (1 + 0.10 * months12), 1e-6);
    /* The allowance to the nearest person: 5.14 and 5.46 stay 5, 6.38 is 6. */
    assert_int_equal(a.profiles[0].hires, 5);
    assert_int_equal(b.profiles[0].hires, 5);
    assert_int_equal(c.profiles[0].hires, 6);
    assert_int_equal(c.hires, 6);
    assert_int_equal(c.productive, 5);
    hiring_result_free(&a);
    hiring_result_free(&b);
    hiring_result_free(&c);
}

/*
 * A night that runs past midnight is one window ("22:00–02:00", starting on
 * every day); three agents short at noon on three days (6 h for anyone who
 * takes them) is left, with the reason.
 */
static void test_needs_across_midnight_and_what_is_left(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    set_short(&f, 0, 0x7F, 22 * 60, 2 * 60, 1);
    set_short(&f, 0, 0x01, 12 * 60, 14 * 60, 3);
    set_short(&f, 0, 0x04, 12 * 60 + 15, 14 * 60, 3);
    set_short(&f, 0, 0x10, 12 * 60, 14 * 60 + 15, 3);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct hiring_result h;
    assert_int_equal(recruit_needs(&f.s, &f.p, &rp, &h), 0);
    assert_int_equal(h.n_profiles, 1);
    const struct hiring_profile *n = &h.profiles[0];
    assert_int_equal(n->weekdays, 0x7F);
    assert_int_equal(n->start_min, 22 * 60);
    assert_int_equal(n->end_min, 2 * 60);
    assert_string_equal(n->label, "nights every day 22:00–02:00 Europe/Stockholm");
    /* 28 h a week of nights: 20 h, then 8 h. */
    assert_int_equal(n->productive, 2);
    assert_near(n->covered, 28 * 60, 1e-6);
    struct window w[7];
    assert_int_equal(hiring_profile_windows(n, w), 7);
    assert_int_equal(w[6].weekday, 7);
    assert_int_equal(w[6].start_min, 22 * 60);
    assert_int_equal(w[6].end_min, 2 * 60);
    /* Noon: 6 h a week for whoever takes it, below the minimum. */
    assert_near(h.queues[0].left, 18 * 60, 1e-6);
    assert_near(h.queues[0].next_best, 6 * 60, 1e-6);
    assert_non_null(strstr(h.queues[0].left_reason, "Monday afternoons 12:00–14:00 (6.0 h)"));

    /* Asked for 6 h a week, one hire takes the noons. */
    rp.min_hours_per_hire = 6;
    hiring_result_free(&h);
    assert_int_equal(recruit_needs(&f.s, &f.p, &rp, &h), 0);
    assert_near(h.tpl.min_hours, 6, 1e-9);
    assert_int_equal(h.n_profiles, 2);
    assert_near(h.left, 0, 1e-6);
    hiring_result_free(&h);
}

/* Which contract hires are sized in: chosen, marked, the part-time one most have, built-in. */
static void test_template_by_the_rule(void **state)
{
    (void)state;
    static struct fx f;
    static int ft_len[1] = {480}, st_len[2] = {240, 300}, ru_len[3] = {240, 300, 360};
    static int none_len[1] = {600};
    static struct contract ct[4];
    static struct agent ag[5];
    fx_init(&f);
    ct[0] = (struct contract){.id = 1,
                              .name = (char *)"full",
                              .max_minutes_per_week = 2400,
                              .max_days_per_week = 5,
                              .shift_start_step_minutes = 30,
                              .n_lengths = 1,
                              .shift_lengths_minutes = ft_len};
    ct[1] = ct[0];
    ct[1].id = 2;
    ct[1].name = (char *)"student";
    ct[1].max_minutes_per_week = 1200;
    ct[1].n_lengths = 2;
    ct[1].shift_lengths_minutes = st_len;
    ct[2] = ct[1];
    ct[2].id = 3;
    ct[2].name = (char *)"rural";
    ct[2].max_minutes_per_week = 1500;
    ct[2].n_lengths = 3;
    ct[2].shift_lengths_minutes = ru_len;
    ct[3] = ct[1];
    ct[3].id = 4;
    ct[3].name = (char *)"no shift fits";
    ct[3].max_minutes_per_week = 480; /* its only shift is 10 h */
    ct[3].shift_lengths_minutes = none_len;
    ct[3].n_lengths = 1;
    int contract_of[5] = {0, 0, 0, 1, 2}; /* three full-time, one student, one rural */
    for (int i = 0; i < 5; i++)
        ag[i] = (struct agent){.id = i + 1, .tz = 0, .contract = contract_of[i]};
    f.s.contracts = ct;
    f.s.n_contracts = 4;
    f.s.agents = ag;
    f.s.n_agents = 5;
    struct hiring_params hp;
    hiring_params_default(&hp);
    struct hiring_template t;

    /* A tie among part-time contracts goes to the first; full-time has the most agents. */
    assert_int_equal(hiring_template_pick(&f.s, &hp, &t), 0);
    assert_int_equal(t.contract, 1);
    assert_string_equal(t.how, "the part-time contract most agents have");
    assert_near(t.min_hours, 8, 1e-9); /* two shifts of 4 h */
    assert_int_equal(t.window_minutes, 300 + 120);
    ag[0].contract = 2;
    assert_int_equal(hiring_template_pick(&f.s, &hp, &t), 0);
    assert_int_equal(t.contract, 2);
    assert_int_equal(t.c.n_lengths, 3);
    assert_int_equal(t.lengths[2], 360);
    /* The contract's own minimum, or the one asked for. */
    ct[2].min_minutes_per_week = 600;
    assert_int_equal(hiring_template_pick(&f.s, &hp, &t), 0);
    assert_near(t.min_hours, 10, 1e-9);
    hp.min_hours_per_hire = 12;
    assert_int_equal(hiring_template_pick(&f.s, &hp, &t), 0);
    assert_near(t.min_hours, 12, 1e-9);
    hp.min_hours_per_hire = 0;
    /* Marked beats the rule; chosen beats marked. */
    ct[0].hiring_template = true;
    assert_int_equal(hiring_template_pick(&f.s, &hp, &t), 0);
    assert_int_equal(t.contract, 0);
    assert_string_equal(t.how, "marked for hiring");
    hp.contract = 1;
    assert_int_equal(hiring_template_pick(&f.s, &hp, &t), 0);
    assert_int_equal(t.contract, 1);
    assert_string_equal(t.how, "chosen");
    /* A contract nobody could work a shift of is refused, asked for or not. */
    hp.contract = 3;
    assert_int_equal(hiring_template_pick(&f.s, &hp, &t), -EINVAL);
    hp.contract = 4;
    assert_int_equal(hiring_template_pick(&f.s, &hp, &t), -EINVAL);
    hp.contract = -1;
    ct[0].hiring_template = false;
    /* Only full-time contracts: the one most agents have. */
    f.s.n_contracts = 1;
    assert_int_equal(hiring_template_pick(&f.s, &hp, &t), 0);
    assert_int_equal(t.contract, 0);
    assert_string_equal(t.how, "the contract most agents have");
    assert_near(t.min_hours, 16, 1e-9);
    /* None usable: the built-in template. */
    f.s.contracts = &ct[3];
    f.s.n_agents = 0;
    assert_int_equal(hiring_template_pick(&f.s, &hp, &t), 0);
    assert_int_equal(t.contract, -1);
    assert_int_equal(t.c.max_minutes_per_week, 1200);
    assert_int_equal(t.c.n_lengths, 4);
}

static void test_no_shortage_no_needs_and_zero_ranking(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    add_candidate(&f, 1, 0, WEEKDAYS, 16 * 60, 23 * 60, 1200, 50);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_result rr;
    assert_int_equal(recruit_run(&f.s, &f.p, &rp, &rr), 0);
    assert_int_equal(rr.hiring.n_profiles, 0);
    assert_int_equal(rr.hiring.hires, 0);
    assert_int_equal(rr.n_ranked, 1);
    assert_eq(rr.ranked[0].minutes_per_week, 0);
    assert_non_null(strstr(rr.ranked[0].explanation, "no queue is short"));
    char *t = recruit_format_text(&f.s, &rr, 5);
    assert_non_null(t);
    assert_non_null(strstr(t, "Hiring needs"));
    free(t);
    recruit_result_free(&rr);
}

static void test_json_and_text(void **state)
{
    (void)state;
    static struct fx f;
    big_fixture(&f);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_result rr;
    assert_int_equal(recruit_run(&f.s, &f.p, &rp, &rr), 0);
    cJSON *j = recruit_to_json(&f.s, &rr);
    assert_non_null(j);
    cJSON *needs = cJSON_GetObjectItem(j, "needs");
    cJSON *cands = cJSON_GetObjectItem(j, "candidates");
    assert_int_equal(cJSON_GetArraySize(needs), rr.hiring.n_profiles);
    assert_int_equal(cJSON_GetArraySize(cands), 6);
    cJSON *n0 = cJSON_GetArrayItem(needs, 0);
    assert_string_equal(cJSON_GetObjectItem(n0, "queue")->valuestring, "chat-sv");
    assert_string_equal(cJSON_GetObjectItem(n0, "start")->valuestring, "17:00");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(n0, "weekdays")), 5);
    /* What the console and publish_recruitment() read, old and new. */
    static const char *const keys[] = {"queue_id",
                                       "queue",
                                       "time_zone",
                                       "weekdays",
                                       "start",
                                       "end",
                                       "agents_needed",
                                       "agents_exact",
                                       "hours_per_hire",
                                       "shortage_hours_per_week",
                                       "peak_agents_short",
                                       "label",
                                       "reason",
                                       "contract_id",
                                       "contract",
                                       "hires_productive",
                                       "hours_per_hire_min",
                                       "hours_per_hire_max",
                                       "window_shortage_hours_per_week",
                                       "ad"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
        if (cJSON_GetObjectItem(n0, keys[k]) == NULL)
            fail_msg("need 0 has no \"%s\"", keys[k]);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(n0, "contract_id"))); /* the built-in template */
    assert_int_equal((int)cJSON_GetObjectItem(n0, "agents_needed")->valuedouble,
                     rr.hiring.profiles[0].hires);
    cJSON *h = cJSON_GetObjectItem(j, "hiring");
    assert_non_null(h);
    assert_int_equal((int)cJSON_GetObjectItem(h, "hires")->valuedouble, rr.hiring.hires);
    assert_near(cJSON_GetObjectItem(h, "shortage_hours_per_week")->valuedouble, 50 + 8 + 28, 0.05);
    assert_near(cJSON_GetObjectItem(h, "covered_hours_per_week")->valuedouble +
                    cJSON_GetObjectItem(h, "left_hours_per_week")->valuedouble,
                50 + 8 + 28, 0.11);
    assert_string_equal(cJSON_GetObjectItem(h, "contract")->valuestring, "built-in template");
    /* A plan without the split (built by hand here; plan_run always has it): null, not 0. */
    assert_false(rr.split_known);
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(h, "unfixable_hours_per_week")));
    assert_true(cJSON_IsNull(cJSON_GetObjectItem(h, "left_fixable_hours_per_week")));
    cJSON *hq = cJSON_GetObjectItem(h, "queues");
    assert_int_equal(cJSON_GetArraySize(hq), 2);
    assert_non_null(cJSON_GetObjectItem(cJSON_GetArrayItem(hq, 1), "left_reason"));
    cJSON *c0 = cJSON_GetArrayItem(cands, 0);
    assert_int_equal((int)cJSON_GetObjectItem(c0, "rank")->valuedouble, 1);
    assert_null(cJSON_GetObjectItem(c0, "name")); /* no personal data in the API */
    assert_non_null(cJSON_GetObjectItem(c0, "explanation"));
    /* The evening applicant answers the evening ad. */
    bool told = false;
    for (int i = 0; i < rr.n_ranked; i++)
        if (f.c[rr.ranked[i].candidate].id == 10)
            told = strstr(rr.ranked[i].explanation,
                          "fits hiring profile 1 (chat-sv weekday evenings 17:00–22:00 "
                          "Europe/Stockholm)") != NULL;
    assert_true(told);
    char *txt = recruit_format_text(&f.s, &rr, 3);
    assert_non_null(txt);
    assert_non_null(strstr(txt, "weekday evenings 17:00–22:00 Europe/Stockholm"));
    assert_non_null(strstr(txt, "ad: 3 hires for chat-sv"));
    assert_non_null(strstr(txt, "In all: "));
    assert_non_null(strstr(txt, "3 more (--top N)"));
    assert_null(strstr(txt, "needs hiring"));
    free(txt);
    cJSON_Delete(j);
    recruit_result_free(&rr);
}

/* The one agent of day_agent_site(), with what its snapshot points at. */
struct day_agent {
    struct contract ct;
    int lengths[2];
    struct agent ag;
    int skill;
    struct window w[5];
};

/*
 * Demand on chat-sv on weekdays from 08:00 to 22:00 local time, 4 contacts an
 * interval until 16:00 and `evening` after; one agent, skilled for it, works
 * weekdays 08:00-16:00 only (full time: 4 or 8 h shifts, 40 h and 5 days a week).
 */
static void day_agent_site(struct fx *f, struct day_agent *d, double evening)
{
    fx_init(f);
    for (int c = 0; c < CELLS; c++) {
        int wd, m;
        local_of(f, 0, c, &wd, &m);
        if (wd <= 5 && m >= 8 * 60 && m < 22 * 60) {
            f->contacts[c] = m >= 16 * 60 ? evening : 4;
            f->aht[c] = 180;
        }
    }
    d->lengths[0] = 240;
    d->lengths[1] = 480;
    d->ct = fixture_contract("ft", 30, d->lengths, 2);
    d->skill = 0;
    for (int k = 0; k < 5; k++)
        d->w[k] = (struct window){k + 1, 8 * 60, 16 * 60, INT32_MIN, INT32_MAX};
    d->ag = (struct agent){.id = 1,
                           .name = (char *)"day",
                           .tz = 0,
                           .contract = 0,
                           .n_skills = 1,
                           .skills = &d->skill,
                           .n_windows = 5,
                           .windows = d->w};
    f->s.n_contracts = 1;
    f->s.contracts = &d->ct;
    f->s.n_agents = 1;
    f->s.agents = &d->ag;
}

/*
 * The shortage split (recruit.h, struct recruit_split): chat-sv is 2 agents
 * short on weekday evenings, 1 of them beyond the agents who could work then
 * (unfixable); voice-en is 1 short for an hour on Sundays, all of it fixable
 * by rostering. Before the hires the split is the plan's; the hires cover the
 * unfixable part of each cell first, and what is left splits the same way.
 */
static void test_split_of_the_shortage_before_and_after_the_hires(void **state)
{
    (void)state;
    static struct fx f;
    static double unfixable[NQ * CELLS];
    fx_init(&f);
    set_short(&f, 0, WEEKDAYS, 17 * 60, 22 * 60, 2);
    set_short(&f, 1, 0x40u, 7 * 60, 8 * 60, 1);
    for (int k = 0; k < NQ * CELLS; k++)
        unfixable[k] = k < CELLS && f.shortage[k] > 0 ? 1 : 0;
    f.p.unfixable = unfixable;
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_result rr;
    assert_int_equal(recruit_run(&f.s, &f.p, &rp, &rr), 0);
    assert_true(rr.split_known);
    const struct recruit_split *sv = &rr.queue_split[0], *en = &rr.queue_split[1];
    /* Per week over the two future weeks: 2 agents x 5 h x 5 days, half of it unfixable. */
    assert_near(sv->shortage, 3000, 1e-6);
    assert_near(sv->unfixable, 1500, 1e-6);
    assert_near(sv->fixable, 1500, 1e-6);
    assert_near(en->shortage, 60, 1e-6);
    assert_near(en->unfixable, 0, 1e-9);
    assert_near(en->fixable, 60, 1e-6);
    assert_gt(rr.hiring.n_profiles, 0);
    for (int q = 0; q < NQ; q++) {
        const struct recruit_split *x = &rr.queue_split[q];
        /* What hiring.c says the hires cover and leave. */
        assert_near(x->covered, rr.hiring.queues[q].covered, 1e-6);
        assert_near(x->left, rr.hiring.queues[q].left, 1e-6);
        assert_near(x->covered_unfixable + x->covered_fixable, x->covered, 1e-6);
        assert_near(x->left_unfixable + x->left_fixable, x->left, 1e-6);
        assert_near(x->covered_unfixable + x->left_unfixable, x->unfixable, 1e-6);
        /* In each cell the hires take the unfixable part first: min(unfixable, covered). */
        double first = 0;
        for (int c = 0; c < CELLS; c++) {
            int k = q * CELLS + c;
            first += fmin(unfixable[k], f.shortage[k] - rr.hiring.residual[k]);
        }
        assert_near(x->covered_unfixable, first * 15 / 2, 1e-6);
    }
    assert_gt(sv->covered_unfixable, 0);
    assert_near(en->covered_unfixable, 0, 1e-9);
    assert_near(rr.split.unfixable, 1500, 1e-6);
    assert_near(rr.split.fixable, 1560, 1e-6);
    assert_near(rr.split.left, rr.hiring.left, 1e-6);

    char *t = recruit_format_text(&f.s, &rr, 0);
    assert_non_null(t);
    assert_non_null(strstr(t, "  25.0 of it needs hiring: fewer skilled agents"));
    assert_non_null(strstr(t, "  26.0 of it is fixable by rostering"));
    char want[200];
    snprintf(want, sizeof want, "of the %.1f h left after them, %.1f still needs hiring",
             rr.split.left / 60, rr.split.left_unfixable / 60);
    assert_non_null(strstr(t, want));
    snprintf(want, sizeof want, "; needs hiring 25.0 before the hires, %.1f after",
             sv->left_unfixable / 60);
    assert_non_null(strstr(t, want));
    free(t);
    cJSON *j = recruit_to_json(&f.s, &rr);
    assert_non_null(j);
    cJSON *h = cJSON_GetObjectItem(j, "hiring");
    assert_near(cJSON_GetObjectItem(h, "unfixable_hours_per_week")->valuedouble, 25, 1e-9);
    assert_near(cJSON_GetObjectItem(h, "fixable_hours_per_week")->valuedouble, 26, 1e-9);
    cJSON *q1 = cJSON_GetArrayItem(cJSON_GetObjectItem(h, "queues"), 1);
    assert_string_equal(cJSON_GetObjectItem(q1, "queue")->valuestring, "voice-en");
    assert_near(cJSON_GetObjectItem(q1, "fixable_hours_per_week")->valuedouble, 1, 1e-9);
    assert_near(cJSON_GetObjectItem(q1, "covered_unfixable_hours_per_week")->valuedouble, 0, 1e-9);
    assert_near(cJSON_GetObjectItem(q1, "left_fixable_hours_per_week")->valuedouble +
                    cJSON_GetObjectItem(q1, "covered_fixable_hours_per_week")->valuedouble,
                1, 0.11);
    cJSON_Delete(j);
    recruit_result_free(&rr);
}

static void test_what_if_adds_the_candidate_as_an_agent(void **state)
{
    (void)state;
    static struct fx f;
    static struct day_agent da;
    /* Demand on chat-sv all day on weekdays; the one agent works days only. */
    day_agent_site(&f, &da, 4);
    add_candidate(&f, 5, 0, WEEKDAYS, 16 * 60, 22 * 60, 1500, -1);

    struct plan_params pp = {.seed = 1};
    struct plan base;
    assert_int_equal(plan_run(&f.s, &pp, &base), 0);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_result rr;
    assert_int_equal(recruit_run(&f.s, &base, &rp, &rr), 0);
    assert_ge(rr.hiring.n_profiles, 1);
    assert_gt(rr.ranked[0].minutes_per_week, 0);

    int idx = recruit_find_candidate(&f.s, 5);
    assert_int_equal(idx, 0);
    assert_int_equal(recruit_find_candidate(&f.s, 99), -1);
    struct recruit_what_if w;
    assert_int_equal(recruit_what_if(&f.s, &base, &idx, 1, &rp, &w), 0);
    assert_lt(w.queues[0].shortage_after, w.queues[0].shortage_before);
    assert_gt(w.queues[0].sl_after, w.queues[0].sl_before);
    assert_lt(w.queues[1].sl_before, 0); /* no demand on voice-en */
    /* 5 evenings of 6 h would be 30 h; the default contract caps at 25 h. */
    assert_gt(w.minutes_per_week[0], 0);
    assert_le(w.minutes_per_week[0], 1500);
    char *t = recruit_format_what_if(&f.s, &w);
    assert_non_null(t);
    assert_non_null(strstr(t, "chat-sv"));
    free(t);
    int bad = 3;
    struct recruit_what_if w2;
    assert_int_equal(recruit_what_if(&f.s, &base, &bad, 1, &rp, &w2), -EINVAL);
    recruit_what_if_free(&w);
    recruit_result_free(&rr);
    plan_free(&base);
}

/*
 * The what-if of the profiles: chat-sv is short every weekday evening after
 * the one day agent; the profiles' productive hires, added as agents of the
 * template in their windows and planned for real, remove what the sizing
 * predicted (within 10 %), step by step and in all.
 */
static void test_profiles_what_if_realises_the_prediction(void **state)
{
    (void)state;
    static struct fx f;
    static struct day_agent da;
    day_agent_site(&f, &da, 12);

    struct plan_params pp = {.seed = 1};
    struct plan base;
    assert_int_equal(plan_run(&f.s, &pp, &base), 0);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_result rr;
    assert_int_equal(recruit_run(&f.s, &base, &rp, &rr), 0);
    assert_int_equal(rr.hiring.tpl.contract, 0); /* the only contract */
    assert_ge(rr.hiring.n_profiles, 1);
    assert_ge(rr.hiring.profiles[0].productive, 2);

    struct hiring_check c;
    assert_int_equal(recruit_check_profiles(&f.s, &base, &rr, 1, &rp, &c), 0);
    assert_int_equal(c.n_steps, rr.hiring.n_profiles > 1 ? 2 : 1);
    assert_near(c.shortage_before, rr.hiring.shortage, 1e-6);
    for (int i = 0; i < c.n_steps; i++) {
        const struct hiring_check_step *st = &c.steps[i];
        assert_gt(st->predicted, 0);
        if (fabs(st->realised - st->predicted) > 0.10 * st->predicted)
            fail_msg("step %d: predicted %.1f, realised %.1f agent-minutes a week", i,
                     st->predicted, st->realised);
    }
    const struct hiring_check_step *all = &c.steps[c.n_steps - 1];
    assert_int_equal(all->profiles, rr.hiring.n_profiles);
    assert_int_equal(all->agents, rr.hiring.productive);
    assert_near(all->shortage_after, c.queue_after[0] + c.queue_after[1], 1e-6);
    assert_lt(c.queue_after[0], 0.2 * c.shortage_before + rr.hiring.left);
    char *t = recruit_format_check(&f.s, &rr, &c);
    assert_non_null(t);
    assert_non_null(strstr(t, "What if the profiles"));
    free(t);
    cJSON *j = recruit_check_to_json(&f.s, &c);
    assert_non_null(j);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "steps")), c.n_steps);
    cJSON_Delete(j);
    hiring_check_free(&c);
    /* More than there are is all of them; fewer than none is refused. */
    assert_int_equal(recruit_check_profiles(&f.s, &base, &rr, 99, &rp, &c), 0);
    assert_int_equal(c.n_steps, rr.hiring.n_profiles);
    hiring_check_free(&c);
    assert_int_equal(recruit_check_profiles(&f.s, &base, &rr, -1, &rp, &c), -EINVAL);
    recruit_result_free(&rr);
    plan_free(&base);
}

/*
 * The assistant's share: chat-sv has demand on weekday daytimes and two
 * agents; with half the contacts resolved before they reach people, fewer
 * agent-hours are required and fewer are short, and voice-en (no demand, not
 * asked about) keeps its share. Asking for the share a queue already has
 * changes nothing.
 */
static void test_containment_what_if_plans_for_what_reaches_people(void **state)
{
    (void)state;
    static struct fx f;
    static double offered[NQ * CELLS];
    static struct contract ct;
    static int lengths[1] = {480};
    static struct agent ag[2];
    static int ag_skill = 0;
    static struct window ag_w[5];
    fx_init(&f);
    for (int c = 0; c < CELLS; c++) {
        int wd, m;
        local_of(&f, 0, c, &wd, &m);
        if (wd <= 5 && m >= 8 * 60 && m < 20 * 60) {
            offered[c] = 12;
            f.contacts[c] = 12;
            f.aht[c] = 240;
        }
    }
    f.s.offered = offered;
    ct = fixture_contract("ft", 30, lengths, 1);
    for (int d = 0; d < 5; d++)
        ag_w[d] = (struct window){d + 1, 8 * 60, 20 * 60, INT32_MIN, INT32_MAX};
    for (int i = 0; i < 2; i++)
        ag[i] = (struct agent){.id = i + 1,
                               .name = (char *)"agent",
                               .tz = 0,
                               .contract = 0,
                               .n_skills = 1,
                               .skills = &ag_skill,
                               .n_windows = 5,
                               .windows = ag_w};
    f.s.n_contracts = 1;
    f.s.contracts = &ct;
    f.s.n_agents = 2;
    f.s.agents = ag;

    struct plan_params pp = {.seed = 1};
    struct plan base;
    assert_int_equal(plan_run(&f.s, &pp, &base), 0);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_result rr;
    assert_int_equal(recruit_run(&f.s, &base, &rp, &rr), 0);

    struct recruit_containment w;
    assert_int_equal(recruit_what_if_containment(&f.s, &base, &rr, -1, 0.5, &pp, &rp, &w), 0);
    const struct recruit_containment_queue *sv = &w.queues[0], *en = &w.queues[1];
    assert_near(sv->share_before, 0, 1e-12);
    assert_near(sv->share_after, 0.5, 1e-12);
    assert_gt(sv->required_hours_before, 0);
    /* Erlang C: half the traffic needs less than before but more than half. */
    assert_lt(sv->required_hours_after, sv->required_hours_before);
    assert_gt(sv->required_hours_after, 0.5 * sv->required_hours_before);
    assert_lt(sv->shortage_hours_after, sv->shortage_hours_before);
    assert_ge(sv->sl_after, sv->sl_before);
    assert_le(w.hires_after, w.hires_before);
    int hires = 0;
    for (int i = 0; i < rr.hiring.n_profiles; i++)
        hires += rr.hiring.profiles[i].hires;
    assert_int_equal(w.hires_before, hires);
    assert_near(en->required_hours_after, 0, 1e-12);
    assert_lt(en->sl_after, 0); /* no demand */
    /* The snapshot itself is left as it was. */
    assert_near(f.s.queues[0].assistant_share, 0, 1e-12);
    for (int c = 0; c < CELLS; c++)
        assert_near(f.s.contacts[c], offered[c], 1e-12);
    char *t = recruit_format_containment(&f.s, &w);
    assert_non_null(t);
    assert_non_null(strstr(t, "50 % of every queue"));
    assert_non_null(strstr(t, "chat-sv"));
    free(t);
    recruit_containment_free(&w);

    /* The share chat-sv already has: the same plan, the same needs. */
    assert_int_equal(recruit_what_if_containment(&f.s, &base, &rr, 0, 0, &pp, &rp, &w), 0);
    assert_int_equal(w.queue, 0);
    assert_near(w.queues[0].required_hours_after, w.queues[0].required_hours_before, 1e-9);
    assert_near(w.queues[0].shortage_hours_after, w.queues[0].shortage_hours_before, 1e-9);
    assert_int_equal(w.hires_after, w.hires_before);
    recruit_containment_free(&w);

    assert_int_equal(recruit_what_if_containment(&f.s, &base, &rr, -1, 1.0, &pp, &rp, &w), -EINVAL);
    assert_int_equal(recruit_what_if_containment(&f.s, &base, &rr, 2, 0.1, &pp, &rp, &w), -EINVAL);
    f.s.offered = NULL;
    assert_int_equal(recruit_what_if_containment(&f.s, &base, &rr, -1, 0.1, &pp, &rp, &w), -EINVAL);
    recruit_result_free(&rr);
    plan_free(&base);
}

static void test_default_contract_fits_wanted_minutes(void **state)
{
    (void)state;
    struct candidate c = {.id = 1, .minutes_per_week = 330};
    int lengths[RECRUIT_MAX_LENGTHS];
    struct contract ct;
    recruit_default_contract(&c, lengths, &ct);
    assert_int_equal(ct.n_lengths, 2);
    assert_int_equal(ct.shift_lengths_minutes[0], 240);
    assert_int_equal(ct.shift_lengths_minutes[1], 300);
    assert_int_equal(ct.max_minutes_per_week, 330);
    assert_int_equal(ct.max_days_per_week, 5);
    assert_int_equal(ct.min_rest_minutes, 660);
    c.minutes_per_week = 100;
    recruit_default_contract(&c, lengths, &ct);
    assert_int_equal(ct.n_lengths, 1);
    assert_int_equal(ct.shift_lengths_minutes[0], 90);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evening_student_outranks_daytime_candidate),
        cmocka_unit_test(test_long_non_ascii_names_stay_valid_utf8),
        cmocka_unit_test(test_candidate_without_skill_covers_nothing),
        cmocka_unit_test(test_second_candidate_ranked_by_what_is_left),
        cmocka_unit_test(test_score_weighs_in_but_coverage_leads),
        cmocka_unit_test(test_ranking_is_deterministic),
        cmocka_unit_test(test_needs_are_whole_hires_of_the_template),
        cmocka_unit_test(test_blocks_shorter_than_a_shift_are_merged_or_dropped),
        cmocka_unit_test(test_needs_scale_with_attrition_and_ramp_up),
        cmocka_unit_test(test_needs_across_midnight_and_what_is_left),
        cmocka_unit_test(test_template_by_the_rule),
        cmocka_unit_test(test_no_shortage_no_needs_and_zero_ranking),
        cmocka_unit_test(test_json_and_text),
        cmocka_unit_test(test_split_of_the_shortage_before_and_after_the_hires),
        cmocka_unit_test(test_what_if_adds_the_candidate_as_an_agent),
        cmocka_unit_test(test_profiles_what_if_realises_the_prediction),
        cmocka_unit_test(test_default_contract_fits_wanted_minutes),
        cmocka_unit_test(test_containment_what_if_plans_for_what_reaches_people),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
