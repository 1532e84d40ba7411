/*
 * Tests of recruitment (recruit.c): hiring needs from a plan's shortage and
 * the greedy ranking of candidates, on small snapshots built by hand. The
 * shortage is written straight into a plan (what plan_run leaves), except for
 * the what-if test, which plans for real.
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
    assert_gt(rr.n_needs, 0);
    assert_int_equal(rr.n_ranked, 2);
    for (int i = 0; i < rr.n_needs; i++) {
        assert_true(text_utf8_valid(rr.needs[i].label, strlen(rr.needs[i].label)));
        assert_true(text_utf8_valid(rr.needs[i].reason, strlen(rr.needs[i].reason)));
    }
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

static void test_needs_name_queue_weekdays_and_block(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    set_short(&f, 0, WEEKDAYS, 17 * 60, 22 * 60, 2);
    set_short(&f, 1, WEEKEND, 9 * 60, 13 * 60, 1);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_need *nd;
    int n;
    assert_int_equal(recruit_needs(&f.s, &f.p, &rp, &nd, &n), 0);
    assert_int_equal(n, 2);
    /* Largest first: 2 agents x 5 h x 5 evenings = 50 h a week on chat-sv. */
    assert_int_equal(nd[0].queue, 0);
    assert_int_equal(nd[0].weekdays, WEEKDAYS);
    assert_int_equal(nd[0].start_min, 17 * 60);
    assert_int_equal(nd[0].end_min, 22 * 60);
    assert_gt(nd[0].shortage_hours, 49.99);
    assert_lt(nd[0].shortage_hours, 50.01);
    assert_gt(nd[0].peak_agents, 1.99);
    assert_lt(nd[0].peak_agents, 2.01);
    assert_string_equal(nd[0].label, "weekday evenings 17:00–22:00 Europe/Stockholm");
    assert_non_null(strstr(nd[0].reason, "chat-sv"));
    assert_gt(nd[0].hours_per_hire, 19.99);
    assert_lt(nd[0].hours_per_hire, 20.01);
    /* 50 / 20 = 2.5 hires, +2.76 % for 3 %/month over 4 weeks: 2.57, so 3. */
    assert_gt(nd[0].agents_exact, 2.56);
    assert_lt(nd[0].agents_exact, 2.58);
    assert_int_equal(nd[0].agents, 3);

    /* voice-en, in UTC: weekend mornings, 1 agent x 4 h x 2 days; a hire gives at most 8 h. */
    assert_int_equal(nd[1].queue, 1);
    assert_int_equal(nd[1].weekdays, WEEKEND);
    assert_string_equal(nd[1].label, "weekend mornings 09:00–13:00 UTC");
    assert_gt(nd[1].hours_per_hire, 7.99);
    assert_lt(nd[1].hours_per_hire, 8.01);
    assert_int_equal(nd[1].agents, 1);
    free(nd);
}

static void test_needs_scale_with_attrition_and_ramp_up(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    set_short(&f, 0, WEEKDAYS, 17 * 60, 22 * 60, 4);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_need *a, *b, *c;
    int na, nb, nc;
    assert_int_equal(recruit_needs(&f.s, &f.p, &rp, &a, &na), 0);
    rp.attrition_per_month = 0.10;
    assert_int_equal(recruit_needs(&f.s, &f.p, &rp, &b, &nb), 0);
    rp.weeks_to_productive = 12;
    assert_int_equal(recruit_needs(&f.s, &f.p, &rp, &c, &nc), 0);
    assert_int_equal(na, 1);
    assert_int_equal(nb, 1);
    assert_int_equal(nc, 1);
    /* 100 h / 20 h = 5 hires before attrition. */
    double months4 = 4 * 7 / 30.4375, months12 = 12 * 7 / 30.4375;
    assert_gt(a[0].agents_exact, 5 * (1 + 0.03 * months4) - 1e-6);
    assert_lt(a[0].agents_exact, 5 * (1 + 0.03 * months4) + 1e-6);
    assert_gt(b[0].agents_exact, 5 * (1 + 0.10 * months4) - 1e-6);
    assert_gt(c[0].agents_exact, 5 * (1 + 0.10 * months12) - 1e-6);
    assert_lt(c[0].agents_exact, 5 * (1 + 0.10 * months12) + 1e-6);
    /* Whole people: the shortage rounded up, the allowance to the nearest person. */
    assert_int_equal(a[0].agents, 5);
    assert_int_equal(c[0].agents, 6);
    assert_le(a[0].agents, b[0].agents);
    assert_le(b[0].agents, c[0].agents);
    free(a);
    free(b);
    free(c);
}

static void test_needs_join_midnight_and_group_days(void **state)
{
    (void)state;
    static struct fx f;
    fx_init(&f);
    /* Every night 22:00-02:00 on chat-sv; Mon, Wed, Fri also 12:00-14:00 (+-15 min). */
    set_short(&f, 0, 0x7F, 22 * 60, 2 * 60, 1);
    set_short(&f, 0, 0x01, 12 * 60, 14 * 60, 3);
    set_short(&f, 0, 0x04, 12 * 60 + 15, 14 * 60, 3);
    set_short(&f, 0, 0x10, 12 * 60, 14 * 60 + 15, 3);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_need *nd;
    int n;
    assert_int_equal(recruit_needs(&f.s, &f.p, &rp, &nd, &n), 0);
    assert_int_equal(n, 2);
    int night = nd[0].start_min == 22 * 60 ? 0 : 1, noon = 1 - night;
    assert_int_equal(nd[night].weekdays, 0x7F);
    assert_int_equal(nd[night].end_min, 2 * 60);
    assert_string_equal(nd[night].label, "nights every day 22:00–02:00 Europe/Stockholm");
    assert_int_equal(nd[noon].weekdays, 0x15);
    assert_int_equal(nd[noon].start_min, 12 * 60);
    assert_int_equal(nd[noon].end_min, 14 * 60 + 15);
    assert_non_null(strstr(nd[noon].label, "Mon, Wed, Fri"));
    /* Three agents short at once: at least three hires, though 17 h would fit one. */
    assert_ge(nd[noon].agents, 3);
    free(nd);
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
    assert_int_equal(rr.n_needs, 0);
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
    assert_int_equal(cJSON_GetArraySize(needs), rr.n_needs);
    assert_int_equal(cJSON_GetArraySize(cands), 6);
    cJSON *n0 = cJSON_GetArrayItem(needs, 0);
    assert_string_equal(cJSON_GetObjectItem(n0, "queue")->valuestring, "chat-sv");
    assert_string_equal(cJSON_GetObjectItem(n0, "start")->valuestring, "17:00");
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(n0, "weekdays")), 5);
    cJSON *c0 = cJSON_GetArrayItem(cands, 0);
    assert_int_equal((int)cJSON_GetObjectItem(c0, "rank")->valuedouble, 1);
    assert_null(cJSON_GetObjectItem(c0, "name")); /* no personal data in the API */
    assert_non_null(cJSON_GetObjectItem(c0, "explanation"));
    char *txt = recruit_format_text(&f.s, &rr, 3);
    assert_non_null(txt);
    assert_non_null(strstr(txt, "weekday evenings 17:00–22:00 Europe/Stockholm"));
    assert_non_null(strstr(txt, "3 more (--top N)"));
    free(txt);
    cJSON_Delete(j);
    recruit_result_free(&rr);
}

static void test_what_if_adds_the_candidate_as_an_agent(void **state)
{
    (void)state;
    static struct fx f;
    static struct contract ct;
    static int lengths[2] = {240, 480};
    static struct agent ag;
    static int ag_skill = 0;
    static struct window ag_w[5];
    fx_init(&f);
    /* Demand on chat-sv all day on weekdays; the one agent works days only. */
    for (int c = 0; c < CELLS; c++) {
        int wd, m;
        local_of(&f, 0, c, &wd, &m);
        if (wd <= 5 && m >= 8 * 60 && m < 22 * 60) {
            f.contacts[c] = 4;
            f.aht[c] = 180;
        }
    }
    ct = (struct contract){.id = 1,
                           .name = (char *)"ft",
                           .max_minutes_per_week = 2400,
                           .max_days_per_week = 5,
                           .max_consecutive_days = 5,
                           .min_rest_minutes = 660,
                           .shift_start_step_minutes = 30,
                           .n_lengths = 2,
                           .shift_lengths_minutes = lengths};
    for (int d = 0; d < 5; d++)
        ag_w[d] = (struct window){d + 1, 8 * 60, 16 * 60, INT32_MIN, INT32_MAX};
    ag = (struct agent){.id = 1,
                        .name = (char *)"day",
                        .tz = 0,
                        .contract = 0,
                        .n_skills = 1,
                        .skills = &ag_skill,
                        .n_windows = 5,
                        .windows = ag_w};
    f.s.n_contracts = 1;
    f.s.contracts = &ct;
    f.s.n_agents = 1;
    f.s.agents = &ag;
    add_candidate(&f, 5, 0, WEEKDAYS, 16 * 60, 22 * 60, 1500, -1);

    struct plan_params pp = {.seed = 1};
    struct plan base;
    assert_int_equal(plan_run(&f.s, &pp, &base), 0);
    struct recruit_params rp;
    recruit_params_default(&rp);
    struct recruit_result rr;
    assert_int_equal(recruit_run(&f.s, &base, &rp, &rr), 0);
    assert_ge(rr.n_needs, 1);
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
    ct = (struct contract){.id = 1,
                           .name = (char *)"ft",
                           .max_minutes_per_week = 2400,
                           .max_days_per_week = 5,
                           .max_consecutive_days = 5,
                           .min_rest_minutes = 660,
                           .shift_start_step_minutes = 30,
                           .n_lengths = 1,
                           .shift_lengths_minutes = lengths};
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
    for (int i = 0; i < rr.n_needs; i++)
        hires += rr.needs[i].agents;
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
        cmocka_unit_test(test_needs_name_queue_weekdays_and_block),
        cmocka_unit_test(test_needs_scale_with_attrition_and_ramp_up),
        cmocka_unit_test(test_needs_join_midnight_and_group_days),
        cmocka_unit_test(test_no_shortage_no_needs_and_zero_ranking),
        cmocka_unit_test(test_json_and_text),
        cmocka_unit_test(test_what_if_adds_the_candidate_as_an_agent),
        cmocka_unit_test(test_default_contract_fits_wanted_minutes),
        cmocka_unit_test(test_containment_what_if_plans_for_what_reaches_people),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
