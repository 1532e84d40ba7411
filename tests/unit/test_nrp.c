/* SPDX-License-Identifier: ISC */
/*
 * Tests of the Curtois & Qu benchmark module (nrp.c): the parser on all 12
 * instances, the independent checker on hand-made solutions with known
 * violations and objective, agreement between the checker and the engine's
 * own evaluation, solution files and the LP writer. Data: $STAFFD_TEST_DATA
 * (a directory) or "tests/data", subdirectory nrp/.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "engine.h"
#include "nrp.h"
#include "testutil.h"

static void data_path(char *buf, size_t len, const char *name)
{
    const char *dir = getenv("STAFFD_TEST_DATA");
    snprintf(buf, len, "%s/nrp/%s", dir && *dir ? dir : "tests/data", name);
}

static void load(int n, struct nrp_instance *I)
{
    char path[512], name[64], err[256];
    snprintf(name, sizeof name, "Instance%d.txt", n);
    data_path(path, sizeof path, name);
    int rc = nrp_load(path, I, err, sizeof err);
    if (rc != 0)
        fail_msg("%s: %s", path, err);
}

/* Counts per instance, taken from the files themselves (non-comment lines per section). */
static const struct {
    int days, shifts, staff, days_off, on, off, cover;
} expect[13] = {
    {0, 0, 0, 0, 0, 0, 0},           {14, 1, 8, 8, 21, 5, 14},      {14, 2, 14, 14, 50, 12, 28},
    {14, 3, 20, 20, 39, 25, 42},     {28, 2, 10, 10, 52, 19, 56},   {28, 2, 16, 16, 79, 27, 56},
    {28, 3, 18, 18, 87, 48, 84},     {28, 3, 20, 20, 104, 64, 84},  {28, 4, 30, 30, 139, 86, 112},
    {28, 4, 36, 36, 144, 88, 112},   {28, 5, 40, 40, 210, 74, 140}, {28, 6, 50, 50, 197, 139, 168},
    {28, 10, 60, 60, 294, 128, 280},
};

static void test_parse_all(void **state)
{
    (void)state;
    char path[512];
    data_path(path, sizeof path, "best_known.csv");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[256];
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        int n, days, staff, types, best;
        assert_int_equal(sscanf(line, "%d,%d,%d,%d,%d", &n, &days, &staff, &types, &best), 5);
        assert_ge(n, 1);
        assert_le(n, 12);
        struct nrp_instance I;
        load(n, &I);
        assert_int_equal(I.days, expect[n].days);
        assert_int_equal(I.days, days);
        assert_int_equal(I.n_shifts, expect[n].shifts);
        assert_int_equal(I.n_shifts, types);
        assert_int_equal(I.n_staff, expect[n].staff);
        assert_int_equal(I.n_staff, staff);
        assert_int_equal(I.n_days_off_lines, expect[n].days_off);
        assert_int_equal(I.n_on, expect[n].on);
        assert_int_equal(I.n_off, expect[n].off);
        assert_int_equal(I.n_cover, expect[n].cover);
        /* Every engine translation finalizes. */
        struct engine_instance *E;
        assert_int_equal(nrp_to_engine(&I, &E), 0);
        assert_int_equal(engine_n_agents(E), I.n_staff);
        assert_int_equal(engine_n_cells(E), I.n_cover);
        engine_instance_free(E);
        nrp_free(&I);
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, 12);
}

static void test_parse_details(void **state)
{
    (void)state;
    struct nrp_instance I;
    load(12, &I);
    /* n1 may be followed by nothing but n1 (a1..p3 forbidden). */
    int n1 = -1, a1 = -1;
    for (int t = 0; t < I.n_shifts; t++) {
        if (strcmp(I.shift_id[t], "n1") == 0)
            n1 = t;
        if (strcmp(I.shift_id[t], "a1") == 0)
            a1 = t;
    }
    assert_ge(n1, 0);
    assert_ge(a1, 0);
    assert_int_equal(I.forbid[n1 * I.n_shifts + a1], 1);
    assert_int_equal(I.forbid[n1 * I.n_shifts + n1], 0);
    assert_int_equal(I.forbid[a1 * I.n_shifts + n1], 0);
    /* A,a1=28|...|d3=0|p1=0|...|n1=0,8640,7560,5,2,2,2 */
    assert_string_equal(I.staff[0].id, "A");
    assert_int_equal(I.staff[0].max_shifts[n1], 0);
    assert_int_equal(I.staff[0].max_minutes, 8640);
    assert_int_equal(I.staff[0].min_minutes, 7560);
    assert_int_equal(I.staff[0].max_weekends, 2);
    /* Days off of A: 7 and 24. */
    assert_int_equal(I.day_off[0 * I.days + 7], 1);
    assert_int_equal(I.day_off[0 * I.days + 24], 1);
    assert_int_equal(I.day_off[0 * I.days + 8], 0);
    nrp_free(&I);
}

static void test_parse_errors(void **state)
{
    (void)state;
    struct nrp_instance I;
    char err[256];
    const char *bad[] = {
        "SECTION_HORIZON\n-3\n\n",
        "SECTION_HORIZON\n7\n\nSECTION_SHIFTS\nD,480,X\n\n",
        "SECTION_HORIZON\n7\n\nSECTION_SHIFTS\nD,480,\n\nSECTION_STAFF\nA,D=7,1,0,5,1\n\n",
        "SECTION_HORIZON\n7\n\nSECTION_SHIFTS\nD,480,\n\nSECTION_STAFF\nA,D=7,960,0,5,1,1,"
        "1\n\nSECTION_COVER\n9,D,1,100,1\n\n",
        "SECTION_NOPE\n\n",
        "7\n",
        /* A staff ID before any staff (fuzz_nrp): the empty ID map was read at a wild index. */
        "SECTION_HORIZON\n7\n\nSECTION_SHIFTS\nD,480,\n\nSECTION_DAYS_OFF\nA,3\n\n",
        "SECTION_HORIZON\n7\n\nSECTION_SHIFTS\nD,480,\n\nSECTION_SHIFT_ON_REQUESTS\nA,0,D,1\n\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        assert_int_equal(nrp_parse(bad[i], strlen(bad[i]), &I, err, sizeof err), -EINVAL);
        assert_gt(strlen(err), 0);
    }
}

/*
 * Issue 12, finding 6 (found by a fuzzer): a second SECTION_SHIFTS after the
 * staff were read added a shift type that no staff member's MaxShifts array
 * had room for, and nrp_to_engine() read past it. Each section may appear once.
 */
static void test_repeated_section_after_staff(void **state)
{
    (void)state;
    char path[512], err[256];
    data_path(path, sizeof path, "Instance1.txt");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *text = malloc(1 << 16);
    assert_non_null(text);
    size_t len = fread(text, 1, (1 << 16) - 64, f);
    fclose(f);
    static const char tail[] = "\r\nSECTION_SHIFTS\r\nX,480,\r\n\r\n";
    memcpy(text + len, tail, sizeof tail - 1);
    len += sizeof tail - 1;

    struct nrp_instance I;
    int rc = nrp_parse(text, len, &I, err, sizeof err);
    if (rc == 0) {
        /* The old parser accepted it; this is where it read out of bounds. */
        struct engine_instance *E = NULL;
        assert_int_equal(nrp_to_engine(&I, &E), 0);
        engine_instance_free(E);
        nrp_free(&I);
        fail_msg("a repeated SECTION_SHIFTS was accepted");
    }
    assert_int_equal(rc, -EINVAL);
    assert_non_null(strstr(err, "SECTION_SHIFTS"));
    free(text);
}

/*
 * The same finding's leak: a repeated section before the staff replaced the
 * successions table without freeing it (LeakSanitizer fails the test binary
 * on the old code). Every section, repeated, is refused and frees everything.
 */
static void test_repeated_section_refused(void **state)
{
    (void)state;
    /* Each section, and a second one that would be valid on its own (new IDs, other days). */
    static const char *const sections[][2] = {
        {"SECTION_HORIZON\n14\n\n", "SECTION_HORIZON\n14\n\n"},
        {"SECTION_SHIFTS\nD,480,\n\n", "SECTION_SHIFTS\nN,480,D\n\n"},
        {"SECTION_STAFF\nA,D=14,4320,0,5,1,1,2\n\n", "SECTION_STAFF\nB,D=14,4320,0,5,1,1,2\n\n"},
        {"SECTION_DAYS_OFF\nA,1\n\n", "SECTION_DAYS_OFF\nA,2\n\n"},
        {"SECTION_SHIFT_ON_REQUESTS\nA,2,D,1\n\n", "SECTION_SHIFT_ON_REQUESTS\nA,4,D,1\n\n"},
        {"SECTION_SHIFT_OFF_REQUESTS\nA,3,D,1\n\n", "SECTION_SHIFT_OFF_REQUESTS\nA,5,D,1\n\n"},
        {"SECTION_COVER\n0,D,1,100,1\n\n", "SECTION_COVER\n1,D,1,100,1\n\n"},
    };
    const int n = (int)(sizeof sections / sizeof *sections);
    for (int twice = 0; twice < n; twice++) {
        char text[1024] = "", err[256] = "";
        for (int i = 0; i < n; i++) {
            strcat(text, sections[i][0]);
            if (i == twice)
                strcat(text, sections[i][1]);
        }
        struct nrp_instance I;
        if (nrp_parse(text, strlen(text), &I, err, sizeof err) == 0) {
            nrp_free(&I);
            fail_msg("section %d twice was accepted", twice);
        }
        if (strstr(err, "twice") == NULL)
            fail_msg("section %d twice: %s", twice, err);
    }
}

/*
 * A tiny instance with every rule: 14 days, shifts E and L (E may not follow L),
 * staff A: at most 2 L, minutes in [1440, 3360], 2..4 consecutive, 2 days off,
 * 1 weekend, day 3 off. Staff B has no limits to speak of.
 */
static const char tiny[] = "# tiny\r\nSECTION_HORIZON\r\n14\r\n\r\n"
                           "SECTION_SHIFTS\r\nE,480,\r\nL,480,E\r\n\r\n"
                           "SECTION_STAFF\r\nA,E=14|L=2,3360,1440,4,2,2,1\r\n"
                           "B,E=14|L=14,6720,0,14,1,1,2\r\n\r\n"
                           "SECTION_DAYS_OFF\r\nA,3\r\nB\r\n\r\n"
                           "SECTION_SHIFT_ON_REQUESTS\r\nA,0,E,2\r\n\r\n"
                           "SECTION_SHIFT_OFF_REQUESTS\r\nA,1,L,3\r\n\r\n"
                           "SECTION_COVER\r\n0,E,1,100,1\r\n1,E,2,100,1\r\n1,L,1,100,1\r\n\r\n";

static void check_sol(const struct nrp_instance *I, const char *sol, long objective, int violations,
                      int rule)
{
    int assign[28], extra;
    char err[256];
    struct nrp_result r;
    assert_int_equal(nrp_solution_parse(I, sol, strlen(sol), assign, &extra, err, sizeof err), 0);
    assert_int_equal(nrp_check(I, assign, extra, &r), 0);
    if (r.objective != objective || r.violations != violations ||
        (rule && r.by_rule[rule] != violations))
        fail_msg("solution [%s]: objective %ld violations %d (rule %d: %d), first: %s", sol,
                 r.objective, r.violations, rule, rule ? r.by_rule[rule] : 0, r.first);
}

static void test_checker(void **state)
{
    (void)state;
    struct nrp_instance I;
    char err[256];
    assert_int_equal(nrp_parse(tiny, strlen(tiny), &I, err, sizeof err), 0);
    const char *ok = "A,0,E\nA,1,E\nA,2,E\nB,1,E\nB,1,L\n";
    /* B,1,L is a second shift on day 1: rule 1. Objective: cover day0 E 1/1, day1 E 2/2, L 0/1 */
    check_sol(&I, ok, 100, 1, 1);
    const char *good = "A,0,E\nA,1,E\nA,2,E\nB,1,E\nB,2,L\n";
    /* A: 1440 min, run 0-2 touches day 0; B fine. Cover: L day 1 missing: 100. */
    check_sol(&I, good, 100, 0, 0);
    /* Shift-on request A,0,E unmet (2), off request A,1,L hit (3); L then E on 2: rule 2 */
    check_sol(&I, "A,0,L\nA,1,L\nA,2,E\nB,0,E\nB,1,E\nB,2,E\n", 2 + 3 + 100, 1, 2);
    /* Three L for A: rule 3 (and rule 2 never: L after L is fine). */
    check_sol(&I, "A,0,E\nA,4,L\nA,5,L\nA,6,L\n", 2 * 100 + 100, 1, 3);
    /* Too few minutes (rule 4): one shift. */
    check_sol(&I, "A,0,E\nA,1,E\n", 100 + 100, 1, 4);
    /* Five in a row (rule 5), also the weekend 5/6 is worked, once. */
    check_sol(&I, "A,4,E\nA,5,E\nA,6,E\nA,7,E\nA,8,E\n", 2 + 100 + 200 + 100, 1, 5);
    /* A run of one inside the horizon (rule 6). */
    check_sol(&I, "A,0,E\nA,1,E\nA,5,E\nA,8,E\nA,9,E\n", 100 + 100, 1, 6);
    /* Day off 3 worked (9), one day off before it (7), a run of one (6). */
    check_sol(&I, "A,0,E\nA,1,E\nA,3,E\n", 100 + 100, 3, 0);
    /* One day off between runs (rule 7): off on 6 only. */
    check_sol(&I, "A,0,E\nA,1,E\nA,4,E\nA,5,E\nA,7,E\nA,8,E\n", 100 + 100, 1, 7);
    /* Two weekends (rule 8). */
    check_sol(&I, "A,0,E\nA,1,E\nA,5,E\nA,6,E\nA,12,E\nA,13,E\n", 100 + 100, 1, 8);
    /* Day off 3 worked (rule 9). */
    check_sol(&I, "A,0,E\nA,1,E\nA,2,E\nA,3,E\n", 100 + 100, 1, 9);
    /* Unknown employee: a parse error, not a violation. */
    int assign[28], extra;
    const char *bad = "Z,0,E\n";
    assert_int_equal(nrp_solution_parse(&I, bad, strlen(bad), assign, &extra, err, sizeof err),
                     -EINVAL);
    nrp_free(&I);
}

/* The engine's evaluation and the checker agree on random assignments. */
static void test_engine_agrees(void **state)
{
    (void)state;
    uint64_t seed = 12345;
    for (int n = 1; n <= 12; n++) {
        struct nrp_instance I;
        struct engine_instance *E;
        load(n, &I);
        assert_int_equal(nrp_to_engine(&I, &E), 0);
        int *assign = malloc((size_t)I.n_staff * (size_t)I.days * sizeof *assign);
        assert_non_null(assign);
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < I.n_staff * I.days; i++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                int r = (int)((seed >> 33) % (uint64_t)(I.n_shifts * 2 + 1));
                assign[i] = r < I.n_shifts ? r : -1;
            }
            struct nrp_result r;
            struct engine_report rep;
            assert_int_equal(nrp_check(&I, assign, 0, &r), 0);
            assert_int_equal(engine_check(E, assign, &rep), 0);
            assert_int_equal((long)(rep.objective + 0.5), r.objective);
            assert_int_equal((long)(rep.by_kind[ENGINE_KIND_UNDER] + 0.5), r.under);
            assert_int_equal((long)(rep.by_kind[ENGINE_KIND_OVER] + 0.5), r.over);
            assert_int_equal((long)(rep.by_kind[ENGINE_KIND_REQUEST_ON] + 0.5), r.on);
            assert_int_equal((long)(rep.by_kind[ENGINE_KIND_REQUEST_OFF] + 0.5), r.off);
            assert_int_equal(rep.violations == 0, r.violations == 0);
            assert_int_equal(rep.by_rule[ENGINE_RULE_WEEKENDS] > 0, r.by_rule[8] > 0);
            assert_int_equal(rep.by_rule[ENGINE_RULE_DAY_OFF] > 0, r.by_rule[9] > 0);
            assert_int_equal(rep.by_rule[ENGINE_RULE_SUCCESSION] > 0, r.by_rule[2] > 0);
            assert_int_equal(rep.by_rule[ENGINE_RULE_MINUTES] > 0, r.by_rule[4] > 0);
        }
        free(assign);
        engine_instance_free(E);
        nrp_free(&I);
    }
}

/*
 * Weights and requirements up to INT_MAX are valid input; the checker's sums
 * of a few such cells pass LONG_MAX, and must stop there rather than wrap
 * (found running fuzz_nrp on inputs made in a review of the harnesses:
 * UndefinedBehaviorSanitizer calls it).
 */
static void test_check_saturates(void **state)
{
    (void)state;
    const char *text = "SECTION_HORIZON\n3\n\nSECTION_SHIFTS\nE,0,\n\n"
                       "SECTION_STAFF\nA,,0,0,0,0,0,0\n\nSECTION_COVER\n"
                       "0,E,2147483647,2147483647,0\n1,E,2147483647,2147483647,0\n"
                       "2,E,2147483647,2147483647,0\n";
    struct nrp_instance I;
    char err[256];
    assert_int_equal(nrp_parse(text, strlen(text), &I, err, sizeof err), 0);
    int assign[3] = {-1, -1, -1};
    struct nrp_result res;
    assert_int_equal(nrp_check(&I, assign, 0, &res), 0);
    assert_true(res.under == LONG_MAX);
    assert_true(res.objective == LONG_MAX);
    nrp_free(&I);
    /* Two such cells fit, just: they sum exactly. */
    const char *two = "SECTION_HORIZON\n2\n\nSECTION_SHIFTS\nE,0,\n\n"
                      "SECTION_STAFF\nA,,0,0,0,0,0,0\n\nSECTION_COVER\n"
                      "0,E,2147483647,2147483647,0\n1,E,2147483647,2147483647,0\n";
    assert_int_equal(nrp_parse(two, strlen(two), &I, err, sizeof err), 0);
    assert_int_equal(nrp_check(&I, assign, 0, &res), 0);
    assert_true(res.under == 2 * (2147483647L * 2147483647L));
    assert_true(res.under < LONG_MAX && res.objective == res.under);
    nrp_free(&I);
}

static void test_solution_roundtrip(void **state)
{
    (void)state;
    struct nrp_instance I;
    load(3, &I);
    int n = I.n_staff * I.days;
    int *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b), extra;
    assert_non_null(a);
    assert_non_null(b);
    for (int i = 0; i < n; i++)
        a[i] = (i * 7) % (I.n_shifts + 1) - 1;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(nrp_solution_write(&I, a, f), 0);
    fclose(f);
    char err[256];
    assert_int_equal(nrp_solution_parse(&I, text, len, b, &extra, err, sizeof err), 0);
    assert_int_equal(extra, 0);
    assert_memory_equal(a, b, (size_t)n * sizeof *a);
    free(text);
    free(a);
    free(b);
    nrp_free(&I);
}

static void test_write_lp(void **state)
{
    (void)state;
    struct nrp_instance I;
    load(1, &I);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(nrp_write_lp(&I, f), 0);
    fclose(f);
    assert_non_null(strstr(text, "Minimize"));
    assert_non_null(strstr(text, "Subject To"));
    assert_non_null(strstr(text, "Binaries"));
    assert_non_null(strstr(text, "\nEnd\n"));
    /* One binary per staff-day outside the days off, plus the weekend indicators. */
    int x = 0;
    for (const char *p = strstr(text, "Binaries"); (p = strstr(p, " x_")) != NULL; p++)
        x++;
    assert_int_equal(x, 8 * 14 - 8);
    /* Every line is short enough for any LP reader. */
    size_t longest = 0, cur = 0;
    for (size_t i = 0; i < len; i++) {
        cur = text[i] == '\n' ? 0 : cur + 1;
        if (cur > longest)
            longest = cur;
    }
    assert_lt(longest, 255);
    free(text);
    nrp_free(&I);
}

static char *lp_of(const char *instance, size_t *len)
{
    struct nrp_instance I;
    char err[256], *text = NULL;
    assert_int_equal(nrp_parse(instance, strlen(instance), &I, err, sizeof err), 0);
    FILE *f = open_memstream(&text, len);
    assert_non_null(f);
    assert_int_equal(nrp_write_lp(&I, f), 0);
    fclose(f);
    nrp_free(&I);
    return text;
}

/*
 * Found by tests/fuzz/fuzz_nrp (a timeout): the LP writer looped over every run
 * length below MinConsecutiveShifts and MinConsecutiveDaysOff, so a staff line
 * with 2,000,000,000 there took seconds per staff member writing nothing more
 * than a bound of the horizon does: the rows stop at runs of D - 2 days.
 */
static void test_write_lp_huge_minimums(void **state)
{
    (void)state;
    static const char head[] = "SECTION_HORIZON\n14\n\nSECTION_SHIFTS\nD,480,\n\nSECTION_STAFF\n";
    static const char tail[] = "\n\nSECTION_COVER\n0,D,1,100,1\n\n";
    char huge[512], horizon[512];
    snprintf(huge, sizeof huge,
             "%sA,D=14,4320,0,5,2000000000,2000000000,2\n"
             "B,D=14,4320,0,5,2000000000,2000000000,2%s",
             head, tail);
    snprintf(horizon, sizeof horizon, "%sA,D=14,4320,0,5,14,14,2\nB,D=14,4320,0,5,14,14,2%s", head,
             tail);
    struct timespec t0, t1;
    size_t n_huge = 0, n_horizon = 0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *a = lp_of(huge, &n_huge);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    char *b = lp_of(horizon, &n_horizon);
    double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (seconds > 1.0)
        fail_msg("the LP took %.1f s to write", seconds);
    assert_int_equal(n_huge, n_horizon);
    assert_memory_equal(a, b, n_huge);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_all),
        cmocka_unit_test(test_parse_details),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_repeated_section_after_staff),
        cmocka_unit_test(test_repeated_section_refused),
        cmocka_unit_test(test_checker),
        cmocka_unit_test(test_engine_agrees),
        cmocka_unit_test(test_check_saturates),
        cmocka_unit_test(test_solution_roundtrip),
        cmocka_unit_test(test_write_lp),
        cmocka_unit_test(test_write_lp_huge_minimums),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
