/* SPDX-License-Identifier: ISC */
/*
 * Tests of the snapshot loader (load.c) without a server: the query text
 * load_snapshot_sql() builds, and load_snapshot() over results made in memory
 * with libpq's own PQmakeEmptyPGresult/PQsetResultAttrs/PQsetvalue, shaped
 * like the server's answer to that text. The integration tests cover the
 * query against PostgreSQL and the hostile rows; these pin what they cannot
 * reach: that the text has as many statements as the parser takes results,
 * what a result of the wrong shape is told as, and how rows become the
 * snapshot (arrays that grow row by row, a wish left out with its reason).
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
#include <libpq-fe.h>

#include "load.h"
#include "model.h"
#include "testutil.h"

/* The statements of the snapshot query, in order (load.c's R_*). */
enum {
    BEGIN_,
    CLOCK,
    TZ,
    QUEUES,
    DEMAND,
    CONTRACTS,
    AGENTS,
    SKILLS,
    AVAIL,
    TIME_OFF,
    SHIFTS,
    CANDIDATES,
    CAND_SKILLS,
    CAND_AVAIL,
    PREFS,
    BREAKS,
    RECENT,
    COMMIT_,
    N_RESULTS
};

static const int columns[N_RESULTS] = {
    [CLOCK] = 2,      [TZ] = 3,     [QUEUES] = 12,    [DEMAND] = 7,
    [CONTRACTS] = 12, [AGENTS] = 4, [SKILLS] = 2,     [AVAIL] = 7,
    [TIME_OFF] = 4,   [SHIFTS] = 7, [CANDIDATES] = 6, [CAND_SKILLS] = 2,
    [CAND_AVAIL] = 5, [PREFS] = 8,  [BREAKS] = 4,     [RECENT] = 3,
};

static PGresult *result(int ncols)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, ncols ? PGRES_TUPLES_OK : PGRES_COMMAND_OK);
    assert_non_null(r);
    if (ncols == 0)
        return r;
    PGresAttDesc att[16];
    char names[16][16];
    assert_in_range(ncols, 1, 16);
    for (int c = 0; c < ncols; c++) {
        snprintf(names[c], sizeof names[c], "c%d", c);
        att[c] =
            (PGresAttDesc){.name = names[c], .typid = 25 /* text */, .typlen = -1, .atttypmod = -1};
    }
    assert_int_equal(PQsetResultAttrs(r, ncols, att), 1);
    return r;
}

/* Appends a row; NULL cells are SQL NULLs. */
static void row(PGresult *r, const char *const *cells)
{
    int t = PQntuples(r);
    for (int c = 0; c < PQnfields(r); c++) {
        char cell[64] = ""; /* PQsetvalue copies it, but takes it as char * */
        if (cells[c] != NULL) {
            assert_in_range(strlen(cells[c]), 0, sizeof cell - 1);
            memcpy(cell, cells[c], strlen(cells[c]) + 1);
        }
        assert_int_equal(PQsetvalue(r, t, c, cell, cells[c] ? (int)strlen(cell) : -1), 1);
    }
}

#define ROW(r, ...) row((r), (const char *const[]){__VA_ARGS__})

/* Every result empty but the clock and the time zone: a site with nothing in it. */
static void empty_site(PGresult **res)
{
    for (int i = 0; i < N_RESULTS; i++)
        res[i] = result(columns[i]);
    ROW(res[CLOCK], "1700000000", "1699920000");
    ROW(res[TZ], "UTC", "1699660800", "0");
}

static void free_results(PGresult **res, int n)
{
    for (int i = 0; i < n; i++)
        PQclear(res[i]);
}

/* The parser takes one result per statement: the text must have exactly that many. */
static void test_sql_has_one_statement_per_result(void **state)
{
    (void)state;
    char *sql = load_snapshot_sql(14, true, 1700000000, 7);
    assert_non_null(sql);
    int statements = 1;
    for (const char *p = sql; *p; p++)
        statements += *p == ';';
    assert_int_equal(statements, N_RESULTS);
    /* The fixed clock and the site are in the text; the server's clock is not. */
    assert_non_null(strstr(sql, "to_timestamp(1700000000)"));
    assert_null(strstr(sql, "now()"));
    assert_non_null(strstr(sql, "site_id = 7 "));
    assert_null(strstr(sql, "%"));             /* every positional argument was used */
    assert_non_null(strstr(sql, "'17 days'")); /* the zones' samples: 14 + 3 days */
    assert_non_null(strstr(sql, "'16 days'")); /* time off and wishes: 14 + 2 */
    assert_non_null(strstr(sql, "+ 1080 * ")); /* late shifts: from 18:00 */
    assert_int_equal(strncmp(sql, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;", 48), 0);
    free(sql);
    sql = load_snapshot_sql(14, false, 0, 1);
    assert_non_null(sql);
    assert_non_null(strstr(sql, "now()"));
    assert_null(strstr(sql, "to_timestamp"));
    free(sql);
}

static void test_wrong_shape_is_named(void **state)
{
    (void)state;
    PGresult *res[N_RESULTS];
    empty_site(res);
    struct snapshot s;
    char err[128] = "";
    assert_int_equal(load_snapshot(res, 3, 14, &s, err, sizeof err), -EINVAL);
    assert_string_equal(err, "snapshot query returned 3 results, expected 18");

    /* The agents' statement lost a column: its result is named by its place. */
    PQclear(res[AGENTS]);
    res[AGENTS] = result(3);
    assert_int_equal(load_snapshot(res, N_RESULTS, 14, &s, err, sizeof err), -EINVAL);
    assert_string_equal(err, "snapshot result 6 has an unexpected shape");

    /* An error where rows were expected is a wrong shape too. */
    PQclear(res[AGENTS]);
    res[AGENTS] = PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
    assert_int_equal(load_snapshot(res, N_RESULTS, 14, &s, err, sizeof err), -EINVAL);
    assert_string_equal(err, "snapshot result 6 has an unexpected shape");

    /* No clock row. */
    PQclear(res[AGENTS]);
    res[AGENTS] = result(columns[AGENTS]);
    PQclear(res[CLOCK]);
    res[CLOCK] = result(columns[CLOCK]);
    assert_int_equal(load_snapshot(res, N_RESULTS, 14, &s, err, sizeof err), -EINVAL);
    assert_string_equal(err, "snapshot clock row missing");
    free_results(res, N_RESULTS);
}

/*
 * Two agents, one with 40 availability windows (the arrays grow row by row:
 * none may be lost or reordered), three wishes of which one has a weight the
 * planner cannot use: it is left out and reported with its row, the others
 * stand.
 */
static void test_rows_become_the_snapshot(void **state)
{
    (void)state;
    PGresult *res[N_RESULTS];
    empty_site(res);
    ROW(res[QUEUES], "1", "voice-en", "voice", "0.8", "20", "0.85", "1", "0", "0.3", "UTC", "0",
        "0");
    ROW(res[QUEUES], "2", "chat-en", "chat", "0.9", "60", "0.85", "2", "0", "0.3", "UTC", "0", "0");
    ROW(res[CONTRACTS], "5", "full time", "0", "2400", "5", "5", "660", "30", "480,360", "[]", NULL,
        "t");
    ROW(res[AGENTS], "10", "Ana", "UTC", "5");
    ROW(res[AGENTS], "11", "Bo", "UTC", "5");
    ROW(res[SKILLS], "10", "1");
    ROW(res[SKILLS], "10", "2");
    ROW(res[SKILLS], "11", "2");
    ROW(res[AVAIL], "100", "10", "1", "540", "1020", NULL, NULL);
    for (int i = 0; i < 40; i++) {
        char id[16], wd[4], start[8];
        snprintf(id, sizeof id, "%d", 200 + i);
        snprintf(wd, sizeof wd, "%d", 1 + i % 7);
        snprintf(start, sizeof start, "%d", i * 10);
        ROW(res[AVAIL], id, "11", wd, start, "1380", "19000", NULL);
    }
    ROW(res[TIME_OFF], "7", "11", "1700006400", "1700092800");
    ROW(res[PREFS], "1", "10", "6", NULL, NULL, NULL, "t", "2");
    ROW(res[PREFS], "2", "10", "7", NULL, NULL, NULL, "t", "0");
    ROW(res[PREFS], "3", "10", "0", "19680", "540", "600", "f", "1.5");
    ROW(res[RECENT], "10", "2", "1");

    struct snapshot s;
    char err[128] = "";
    assert_int_equal(load_snapshot(res, N_RESULTS, 14, &s, err, sizeof err), 0);
    assert_int_equal(s.now, 1700000000);
    assert_int_equal(s.horizon_start, 1699920000);
    assert_int_equal(s.n_cells, 14 * 96);
    assert_int_equal(s.n_queues, 2);
    assert_int_equal(s.queues[1].channel, CHANNEL_CHAT);
    assert_int_equal(s.queues[1].concurrency, 2);
    assert_int_equal(s.n_contracts, 1);
    assert_int_equal(s.contracts[0].n_lengths, 2);
    assert_int_equal(s.contracts[0].shift_lengths_minutes[1], 360);
    assert_true(s.contracts[0].hiring_template); /* the last column (migration 0012) */
    assert_int_equal(s.n_agents, 2);

    const struct agent *ana = &s.agents[0], *bo = &s.agents[1];
    assert_int_equal(ana->id, 10);
    assert_int_equal(ana->n_skills, 2);
    assert_int_equal(ana->skills[0], 0);
    assert_int_equal(ana->skills[1], 1);
    assert_int_equal(ana->n_windows, 1);
    assert_int_equal(ana->windows[0].valid_from, INT32_MIN);
    assert_int_equal(ana->windows[0].valid_until, INT32_MAX);
    assert_int_equal(ana->recent_weekend_shifts, 2);
    assert_int_equal(ana->recent_late_shifts, 1);
    assert_int_equal(bo->n_windows, 40);
    for (int i = 0; i < 40; i++) {
        assert_int_equal(bo->windows[i].weekday, 1 + i % 7);
        assert_int_equal(bo->windows[i].start_min, i * 10);
        assert_int_equal(bo->windows[i].valid_from, 19000);
    }
    assert_int_equal(bo->n_time_off, 1);
    assert_int_equal(bo->time_off[0].end, 1700092800);

    /* Wishes 1 and 3 stand, in order; 2 (weight 0) is reported with its row. */
    assert_int_equal(ana->n_prefs, 2);
    assert_int_equal(ana->prefs[0].id, 1);
    assert_true(ana->prefs[0].avoid);
    assert_int_equal(ana->prefs[0].start_min, -1); /* all day */
    assert_int_equal(ana->prefs[1].id, 3);
    assert_int_equal(ana->prefs[1].date, 19680);
    assert_int_equal(ana->prefs[1].start_min, 540);
    assert_near(ana->prefs[1].weight, 1.5, 0);
    assert_int_equal(s.n_errors, 1);
    assert_string_equal(s.errors[0].table, "preferences");
    assert_string_equal(s.errors[0].key, "id=2");
    assert_string_equal(s.errors[0].message,
                        "weight 0 is not above 0 and at most 100; this wish is ignored");
    snapshot_free(&s);
    free_results(res, N_RESULTS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sql_has_one_statement_per_result),
        cmocka_unit_test(test_wrong_shape_is_named),
        cmocka_unit_test(test_rows_become_the_snapshot),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
