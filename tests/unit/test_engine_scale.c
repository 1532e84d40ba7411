/* SPDX-License-Identifier: ISC */
/*
 * Tests of the engine on instances of sizes instances 1-12 never had (issue
 * 15): 64 shift types with many bounded types per agent, a horizon of 364
 * days, both read through the benchmark's parser and solved with 0 hard
 * violations by the independent checker; and the run's clock: every phase
 * reads the injectable clock (engine_params.clock) and the run ends once it
 * says the budget is spent, a construction past the deadline still returns
 * a roster within its grace and gives up after it. The clock is virtual
 * (ticks advanced by each read), so no assertion depends on real time.
 *
 * The instances are written as benchmark text here, each staff member's
 * limits set around a planted roster that keeps them (so a roster with no
 * hard violation exists, as in tests/bench/gen_nrp.c, which the bench uses
 * at full size).
 *
 * And the per-agent DP's beam on a year-long contract whose cheapest labels
 * run out of slack (tests/data/gen/slack_364x8.txt).
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine.h"
#include "engine_dp.h"
#include "nrp.h"
#include "testutil.h"

static uint64_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 33;
}

static int rint_(uint64_t *s, int n)
{
    return (int)(rnd(s) % (uint64_t)n);
}

/* A growing text buffer. */
struct buf {
    char *p;
    size_t n, cap;
};

static void put(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char line[512];
    int k = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    assert_ge(k, 0);
    assert_lt((size_t)k, sizeof line);
    if (b->n + (size_t)k + 1 > b->cap) {
        b->cap = (b->cap + (size_t)k + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->n, line, (size_t)k + 1);
    b->n += (size_t)k;
}

/*
 * S staff, D days, T types (starts in four rest bands, lengths 360-720 in
 * steps of 30, so minutes are counted in units of 30), successions by an
 * 11-hour rest, nbound of each staff's types bounded. Each staff member's
 * planted row: runs of 2-5 working days and 2-3 days off; its limits
 * (minutes, runs, weekends, per-type maxima) are widened to keep it.
 */
static char *make_instance(int S, int D, int T, int nbound, uint64_t seed, size_t *len)
{
    uint64_t s = seed * 2654435761ULL + 11;
    int *start = malloc((size_t)T * sizeof *start), *mins = malloc((size_t)T * sizeof *mins);
    int *row = malloc((size_t)D * sizeof *row), *cnt = malloc((size_t)T * sizeof *cnt);
    int *mx = malloc((size_t)T * sizeof *mx), *cover = calloc((size_t)D * T, sizeof *cover);
    assert_non_null(start);
    assert_non_null(mins);
    assert_non_null(row);
    assert_non_null(cnt);
    assert_non_null(mx);
    assert_non_null(cover);
    static const int band[4] = {6 * 60, 9 * 60, 14 * 60, 21 * 60};
    for (int t = 0; t < T; t++) {
        start[t] = band[t % 4] + 30 * rint_(&s, 3);
        mins[t] = 360 + 30 * rint_(&s, 13);
    }
    struct buf b = {0};
    put(&b, "SECTION_HORIZON\n%d\n\nSECTION_SHIFTS\n", D);
    for (int t = 0; t < T; t++) {
        put(&b, "T%d,%d,", t, mins[t]);
        bool first = true;
        for (int u = 0; u < T; u++)
            if (24 * 60 + start[u] - start[t] - mins[t] < 11 * 60) {
                put(&b, "%sT%d", first ? "" : "|", u);
                first = false;
            }
        put(&b, "\n");
    }
    put(&b, "\nSECTION_STAFF\n");
    char *days_off = calloc((size_t)S * D, 1);
    assert_non_null(days_off);
    for (int e = 0; e < S; e++) {
        /* The planted row: work runs of 2-5, off runs of 2-3; no succession broken. */
        int d = rint_(&s, 3), prev = -1, runmax = 0, runmin = D, offmin = D;
        for (int x = 0; x < D; x++)
            row[x] = -1;
        while (d < D) {
            int run = 2 + rint_(&s, 4), k = 0;
            prev = -1;
            for (; k < run && d < D; k++, d++) {
                int u = rint_(&s, T);
                for (int tries = 0; tries < 4 * T && prev >= 0 &&
                                    24 * 60 + start[u] - start[prev] - mins[prev] < 11 * 60;
                     tries++)
                    u = rint_(&s, T);
                if (prev >= 0 && 24 * 60 + start[u] - start[prev] - mins[prev] < 11 * 60)
                    u = prev; /* a type may always follow itself */
                row[d] = prev = u;
            }
            runmax = k > runmax ? k : runmax;
            if (d < D && d - k > 0)
                runmin = k < runmin ? k : runmin;
            int off = 2 + rint_(&s, 2);
            if (d + off < D)
                offmin = off < offmin ? off : offmin;
            d += off;
        }
        long total = 0;
        int wk = 0;
        memset(cnt, 0, (size_t)T * sizeof *cnt);
        for (int x = 0; x < D; x++)
            if (row[x] >= 0) {
                cnt[row[x]]++;
                total += mins[row[x]];
                cover[x * T + row[x]]++;
            }
        for (int w = 0; w * 7 + 6 < D; w++)
            wk += row[w * 7 + 5] >= 0 || row[w * 7 + 6] >= 0;
        /* nbound types bounded at what the row uses (+0..2), a few ruled out. */
        for (int t = 0; t < T; t++)
            mx[t] = D;
        for (int k = 0; k < nbound; k++) {
            int t = rint_(&s, T);
            mx[t] = cnt[t] + rint_(&s, 3);
            if (cnt[t] == 0 && rint_(&s, 4) == 0)
                mx[t] = 0;
        }
        put(&b, "S%d,", e);
        for (int t = 0; t < T; t++)
            put(&b, "%sT%d=%d", t ? "|" : "", t, mx[t]);
        put(&b, ",%ld,%ld,%d,%d,%d,%d\n", total + 60 * (D / 7), total - 60 * (D / 7), runmax,
            runmin < 2 ? runmin : 2, offmin < 2 ? offmin : 2, wk);
        for (int x = 0; x < D; x++)
            days_off[(size_t)e * D + x] = row[x] < 0 && rint_(&s, 8) == 0;
    }
    put(&b, "\nSECTION_DAYS_OFF\n");
    for (int e = 0; e < S; e++) {
        put(&b, "S%d", e);
        for (int x = 0; x < D; x++)
            if (days_off[(size_t)e * D + x])
                put(&b, ",%d", x);
        put(&b, "\n");
    }
    put(&b, "\nSECTION_SHIFT_ON_REQUESTS\n");
    for (int e = 0; e < S; e++)
        for (int k = 0; k < D / 7; k++)
            put(&b, "S%d,%d,T%d,%d\n", e, rint_(&s, D), rint_(&s, T), 1 + rint_(&s, 3));
    put(&b, "\nSECTION_SHIFT_OFF_REQUESTS\n");
    for (int e = 0; e < S; e++)
        put(&b, "S%d,%d,T%d,%d\n", e, rint_(&s, D), rint_(&s, T), 1 + rint_(&s, 3));
    put(&b, "\nSECTION_COVER\n");
    for (int x = 0; x < D; x++)
        for (int t = 0; t < T; t++)
            put(&b, "%d,T%d,%d,100,1\n", x, t, cover[x * T + t] + (rint_(&s, 4) == 0));
    free(start);
    free(mins);
    free(row);
    free(cnt);
    free(mx);
    free(cover);
    free(days_off);
    *len = b.n;
    return b.p;
}

/* Solves text with p and judges the roster with the benchmark's own checker. */
static void solve_and_check(const char *text, size_t len, struct engine_params *p)
{
    struct nrp_instance I;
    struct engine_instance *E;
    char err[256];
    assert_int_equal(nrp_parse(text, len, &I, err, sizeof err), 0);
    assert_int_equal(nrp_to_engine(&I, &E), 0);
    struct engine_solution sol;
    assert_int_equal(engine_solve(E, p, &sol), 0);
    struct nrp_result r;
    nrp_check(&I, sol.choice, 0, &r);
    assert_int_equal(r.violations, 0);
    assert_int_equal(sol.report.violations, 0);
    assert_int_equal((long)(sol.report.objective + 0.5), r.objective);
    engine_solution_free(&sol);
    engine_instance_free(E);
    nrp_free(&I);
}

/*
 * 64 shift types, 20 of each staff member's bounded: the model used to
 * refuse more than 6 bounded types per agent ("Numerical result out of
 * range"); the parser to cut successor lists at 64.
 */
static void test_64_types(void **state)
{
    (void)state;
    size_t len;
    char *text = make_instance(16, 28, 64, 20, 1, &len);
    struct engine_params p = {.seed = 1, .iterations = 300, .threads = 2};
    solve_and_check(text, len, &p);
    free(text);
}

/* A year: 364 days, minutes, runs, weekends and bounded types over all of it. */
static void test_year(void **state)
{
    (void)state;
    size_t len;
    char *text = make_instance(10, 364, 6, 3, 2, &len);
    struct engine_params p = {.seed = 2, .iterations = 200, .threads = 2};
    solve_and_check(text, len, &p);
    free(text);
}

/*
 * A staff member whose year (27 of 52 weekends, at least 78,720 minutes,
 * runs of at most 4, days off in threes) a narrow beam ranked by cost
 * alone loses: every kept label runs short of weekends or minutes, at every
 * width up to 4,096 labels a day. Keeping per run state the label with the
 * fewest weekends and the one with the most minutes (w.diverse) finds a
 * horizon at 64 labels a day, and it keeps every hard rule.
 */
static void test_beam_keeps_slack(void **state)
{
    (void)state;
    const char *dir = getenv("STAFFD_TEST_DATA");
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/gen/slack_364x8.txt", dir && *dir ? dir : "tests/data");
    struct nrp_instance I;
    struct engine_instance *E;
    if (nrp_load(path, &I, err, sizeof err) != 0)
        fail_msg("%s: %s", path, err);
    assert_int_equal(I.days, 364);
    assert_int_equal(I.n_staff, 1);
    assert_int_equal(nrp_to_engine(&I, &E), 0);
    struct dp_work w;
    assert_int_equal(engine_dp_init(&w, E), 0);
    int *choice = malloc(364 * sizeof *choice);
    double *offc = calloc(364, sizeof *offc), cost;
    assert_non_null(choice);
    assert_non_null(offc);
    for (int diverse = 0; diverse <= 1; diverse++) {
        engine_dp_costs(E, &w, 0, NULL, offc, NULL);
        w.cap_layer = 64;
        w.diverse = diverse;
        int rc = engine_dp_agent(E, &w, 0, offc, NULL, INFINITY, choice, &cost);
        assert_true(w.truncated);
        assert_int_equal(rc, diverse ? 0 : -ENOENT);
    }
    struct nrp_result r;
    nrp_check(&I, choice, 0, &r);
    assert_int_equal(r.violations, 0);
    free(choice);
    free(offc);
    engine_dp_free(&w);
    engine_instance_free(E);
    nrp_free(&I);
}

/*
 * A construction in a hurry tries a day's opt_keep cheapest options only
 * (engine_dp.h): on 64 types, with every option's cost drawn at random, each
 * free day of the answer holds one of its day's eight cheapest, and the
 * answer is marked truncated (what was left out is not proved absent).
 */
static void test_beam_tries_cheapest_options(void **state)
{
    (void)state;
    size_t len;
    char *text = make_instance(4, 28, 64, 20, 3, &len);
    struct nrp_instance I;
    struct engine_instance *E;
    char err[256];
    assert_int_equal(nrp_parse(text, len, &I, err, sizeof err), 0);
    assert_int_equal(nrp_to_engine(&I, &E), 0);
    struct dp_work w;
    assert_int_equal(engine_dp_init(&w, E), 0);
    int D = 28, *choice = malloc(D * sizeof *choice);
    double *offc = calloc(D, sizeof *offc), cost;
    assert_non_null(choice);
    assert_non_null(offc);
    uint64_t s = 5;
    for (int a = 0; a < 4; a++) {
        engine_dp_costs(E, &w, a, NULL, offc, NULL);
        int base = E->ad_start[a * D], n = E->ad_start[(a + 1) * D] - base;
        for (int j = 0; j < n; j++)
            w.ocost[j] = rint_(&s, 1000) - 2000 + j * 1e-6; /* wanted, no ties */
        w.cap_layer = 256;
        w.diverse = true;
        w.opt_keep = 8;
        assert_int_equal(engine_dp_agent(E, &w, a, offc, NULL, INFINITY, choice, &cost), 0);
        assert_true(w.truncated);
        for (int d = 0; d < D; d++) {
            int ix = a * D + d, j0 = E->ad_start[ix];
            if (choice[d] < 0 || E->fixed[ix] != NO_FIX)
                continue;
            double c = w.ocost[j0 + choice[d] - base];
            int cheaper = 0;
            for (int j = j0; j < E->ad_start[ix + 1]; j++)
                cheaper += !E->po[j].banned && w.ocost[j - base] < c;
            assert_in_range(cheaper, 0, 7);
        }
    }
    free(choice);
    free(offc);
    engine_dp_free(&w);
    engine_instance_free(E);
    nrp_free(&I);
    free(text);
}

/*
 * One staff member, 14 days, nine one-hour shifts each wanted every day and
 * a ten-hour one nobody wants, and at least 3,000 minutes to work: only the
 * unwanted long shift (four of them at least) keeps the minimum. A day's eight
 * cheapest options are all short, so the hurried DP finds nothing and says
 * it may have missed something (truncated), and a run whose budget hurries
 * its construction (5 ms) widens to every option and returns a roster that
 * keeps every hard rule, rather than refuse the staff member as infeasible.
 */
static const char hurried_text[] =
    "SECTION_HORIZON\n14\n\nSECTION_SHIFTS\n"
    "A0,60,\nA1,60,\nA2,60,\nA3,60,\nA4,60,\nA5,60,\nA6,60,\nA7,60,\nA8,60,\nL,600,\n"
    "\nSECTION_STAFF\n"
    "S0,A0=14|A1=14|A2=14|A3=14|A4=14|A5=14|A6=14|A7=14|A8=14|L=14,8400,3000,14,1,1,2\n"
    "\nSECTION_DAYS_OFF\nS0\n";

static void test_hurried_construction_widens(void **state)
{
    (void)state;
    struct buf b = {0};
    put(&b, "%s\nSECTION_COVER\n", hurried_text);
    for (int d = 0; d < 14; d++) {
        for (int t = 0; t < 9; t++)
            put(&b, "%d,A%d,1,100,1\n", d, t);
        put(&b, "%d,L,0,100,1\n", d);
    }
    struct nrp_instance I;
    struct engine_instance *E;
    char err[256];
    if (nrp_parse(b.p, b.n, &I, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_int_equal(nrp_to_engine(&I, &E), 0);
    struct dp_work w;
    assert_int_equal(engine_dp_init(&w, E), 0);
    int choice[14];
    double offc[14], cost;
    for (int keep = 8; keep >= 0; keep -= 8) {
        engine_dp_costs(E, &w, 0, NULL, offc, NULL);
        w.cap_layer = 1000; /* no layer is cut: only the options left out are */
        w.opt_keep = keep;
        int rc = engine_dp_agent(E, &w, 0, offc, NULL, INFINITY, choice, &cost);
        assert_int_equal(rc, keep ? -ENOENT : 0);
        if (keep)
            assert_true(w.truncated);
    }
    engine_dp_free(&w);
    struct vclock c;
    vclock_init(&c, 1, false);
    struct engine_params p = {.seed = 1,
                              .seconds = 0.005,
                              .threads = 2,
                              .lp_share = 0.5,
                              .clock = vclock_read,
                              .clock_ctx = &c};
    struct engine_solution sol;
    assert_int_equal(engine_solve(E, &p, &sol), 0);
    struct nrp_result r;
    nrp_check(&I, sol.choice, 0, &r);
    assert_int_equal(r.violations, 0);
    assert_int_equal(sol.report.violations, 0);
    engine_solution_free(&sol);
    engine_instance_free(E);
    nrp_free(&I);
    free(b.p);
}

/* Instance 3 on the virtual clock: the run must end, with a valid roster. */
static void run_on_vclock(struct vclock *c, double seconds, bool no_branch, double lp_share,
                          int expect_rc)
{
    struct nrp_instance I;
    struct engine_instance *E;
    test_load_benchmark(3, &I, &E);
    struct engine_params p = {.seed = 1,
                              .seconds = seconds,
                              .threads = 2,
                              .lp_share = lp_share,
                              .no_branch = no_branch,
                              .clock = vclock_read,
                              .clock_ctx = c};
    struct engine_solution sol;
    assert_int_equal(engine_solve(E, &p, &sol), expect_rc);
    if (expect_rc == 0) {
        struct nrp_result r;
        nrp_check(&I, sol.choice, 0, &r);
        assert_int_equal(r.violations, 0);
        engine_solution_free(&sol);
    } else {
        assert_null(sol.choice);
    }
    engine_instance_free(E);
    nrp_free(&I);
}

/*
 * Every phase reads the clock, and the run ends once the clock says the
 * budget is spent: if a phase did not read it, its loop would never see the
 * virtual deadline and the test would not end.
 */
static void test_clock_phases(void **state)
{
    (void)state;
    struct vclock c;
    /* Branch and price from the dive: construction, DP, search, LP, branching. */
    vclock_init(&c, 1, true);
    run_on_vclock(&c, 20, false, 0.5, 0);
    assert_gt(vclock_reads(&c, ENGINE_PHASE_CONSTRUCT), 0);
    assert_gt(vclock_reads(&c, ENGINE_PHASE_DP), 0);
    assert_gt(vclock_reads(&c, ENGINE_PHASE_SEARCH), 0);
    assert_gt(vclock_reads(&c, ENGINE_PHASE_LP), 0);
    assert_gt(vclock_reads(&c, ENGINE_PHASE_BRANCH), 0);
    /* Without branching, the run reaches the segments and the recombination. */
    vclock_init(&c, 1, true);
    run_on_vclock(&c, 20, true, 0.5, 0);
    assert_gt(vclock_reads(&c, ENGINE_PHASE_SEGMENT), 0);
    assert_gt(vclock_reads(&c, ENGINE_PHASE_RECOMBINE), 0);
    /* An LP whose root runs out of time: the LP thread turns to windows. */
    vclock_init(&c, 1, true);
    c.inc[ENGINE_PHASE_LP] = 200000;
    run_on_vclock(&c, 20, false, 0.5, 0);
    assert_gt(vclock_reads(&c, ENGINE_PHASE_WINDOW), 0);
}

/*
 * A construction that crosses the deadline finishes within its grace (a
 * roster with no hard violation), and one that would need longer than the
 * grace gives up: -ETIMEDOUT, no roster, rather than overrun the budget.
 */
static void test_clock_construction(void **state)
{
    (void)state;
    struct vclock c;
    /*
     * Instance 3 (20 staff), two threads constructing: each agent reads
     * the construction's clock once, 28 ms an agent here, so the two
     * constructions end near 1.12 s: past the 1 s budget, inside its grace
     * (0.25 s).
     */
    vclock_init(&c, 1, false);
    c.inc[ENGINE_PHASE_CONSTRUCT] = 28000;
    run_on_vclock(&c, 1, false, 0, 0);
    /* A second an agent: past the grace after two. */
    vclock_init(&c, 1, false);
    c.inc[ENGINE_PHASE_CONSTRUCT] = 1000000;
    run_on_vclock(&c, 1, false, 0, -ETIMEDOUT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_64_types),
        cmocka_unit_test(test_year),
        cmocka_unit_test(test_beam_keeps_slack),
        cmocka_unit_test(test_clock_phases),
        cmocka_unit_test(test_clock_construction),
        cmocka_unit_test(test_beam_tries_cheapest_options),
        cmocka_unit_test(test_hurried_construction_widens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
