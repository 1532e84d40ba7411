/* SPDX-License-Identifier: ISC */
/*
 * test_console_data.c — the console's choice of site without a database: the
 * sites statement's result is built in memory (PQsetvalue) and given to
 * console_site_pick() and console_site_shape(); and every statement of every
 * page and download is checked to take the chosen site as $1, so that no page
 * can mix sites.
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

#include "console_data.h"
#include "template.h"
#include "testutil.h"

/* Rows of the sites statement: id, name, active, horizon_days, freeze_hours, the agent's site. */
static PGresult *sites_of(int rows, const char *const (*values)[6])
{
    static char *const names[6] = {"id", "name", "active", "horizon", "freeze", "agent"};
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    assert_non_null(r);
    PGresAttDesc attrs[6];
    for (int c = 0; c < 6; c++)
        attrs[c] = (PGresAttDesc){.name = names[c], .typid = 25, .typlen = -1, .atttypmod = -1};
    assert_int_equal(PQsetResultAttrs(r, 6, attrs), 1);
    for (int i = 0; i < rows; i++)
        for (int c = 0; c < 6; c++) {
            char *copy = strdup(values[i][c]);
            assert_int_equal(PQsetvalue(r, i, c, copy, (int)strlen(copy)), 1);
            free(copy);
        }
    return r;
}

static const char *const three[][6] = {
    {"1", "paused", "f", "-1", "-1", "f"},
    {"2", "berlin", "t", "14", "-1", "f"},
    {"5", "dach", "t", "-1", "48", "t"},
};

static void test_pick_asked_agent_first_active(void **state)
{
    (void)state;
    PGresult *r = sites_of(3, three);
    struct console_site s;
    /* Asked: that site, active or not. */
    assert_int_equal(console_site_pick(r, 1, 0, &s), 0);
    assert_int_equal(s.id, 1);
    assert_string_equal(s.name, "paused");
    assert_false(s.active);
    assert_int_equal(s.count, 3);
    /* Asked for a site that is not there: nothing else is shown instead. */
    assert_int_equal(console_site_pick(r, 3, 0, &s), -ENOENT);
    assert_int_equal(console_site_pick(r, 3, 77, &s), -ENOENT);
    /* Not asked, an agent named: the agent's site (the last column says which). */
    assert_int_equal(console_site_pick(r, 0, 77, &s), 0);
    assert_int_equal(s.id, 5);
    assert_int_equal(s.freeze_hours, 48);
    assert_int_equal(s.horizon_days, -1);
    /* Asked wins over the agent: the page then finds no such agent there (a 404). */
    assert_int_equal(console_site_pick(r, 2, 77, &s), 0);
    assert_int_equal(s.id, 2);
    /* Neither: the first active site, not the first. */
    assert_int_equal(console_site_pick(r, 0, 0, &s), 0);
    assert_int_equal(s.id, 2);
    assert_int_equal(s.horizon_days, 14);
    assert_true(s.active);
    PQclear(r);
}

static void test_pick_without_an_active_site_or_any(void **state)
{
    (void)state;
    static const char *const idle[][6] = {
        {"3", "old", "f", "-1", "-1", "f"},
        {"4", "older", "f", "-1", "-1", "f"},
    };
    PGresult *r = sites_of(2, idle);
    struct console_site s;
    assert_int_equal(console_site_pick(r, 0, 0, &s), 0);
    assert_int_equal(s.id, 3);
    PQclear(r);
    r = sites_of(0, idle);
    assert_int_equal(console_site_pick(r, 0, 0, &s), -ENOENT);
    assert_int_equal(console_site_pick(r, 1, 0, &s), -ENOENT);
    PQclear(r);
}

/* Renders `tpl` over the values console_site_shape() sets for site `id` of `sites`. */
static char *shaped(const PGresult *sites, int64_t id, const char *tpl)
{
    struct embedded_file f = {"templates/t.html", tpl, strlen(tpl)};
    struct tpl_set *ts = NULL;
    char err[128];
    assert_int_equal(tpl_load(&f, 1, &ts, err, sizeof err), 0);
    struct console_site s;
    assert_int_equal(console_site_pick(sites, id, 0, &s), 0);
    struct tpl_arena *a = tpl_arena_new();
    struct tpl_obj *page = tpl_obj_new(a);
    console_site_shape(sites, &s, page);
    size_t len = 0;
    char *out = tpl_render(ts, "t", page, &len);
    assert_non_null(out);
    tpl_arena_free(a);
    tpl_set_free(ts);
    return out;
}

static void test_shape_selector_only_with_several_sites(void **state)
{
    (void)state;
    static const char tpl[] = "{{site}} {{site_name}}{{#site_inactive}} idle{{/site_inactive}}"
                              "{{#sites_many}}:{{#sites}} {{id}}{{#selected}}*{{/selected}}"
                              "{{#inactive}}-{{/inactive}}{{/sites}}{{/sites_many}}";
    PGresult *r = sites_of(3, three);
    char *out = shaped(r, 0, tpl);
    assert_string_equal(out, "2 berlin: 1- 2* 5");
    free(out);
    out = shaped(r, 1, tpl);
    assert_string_equal(out, "1 paused idle: 1*- 2 5");
    free(out);
    PQclear(r);
    /* One site: its id for the links, no selector, no name to repeat. */
    r = sites_of(1, &three[1]);
    out = shaped(r, 0, tpl);
    assert_string_equal(out, "2 berlin");
    free(out);
    PQclear(r);
}

/* A statement takes the site as its first parameter and uses it. */
static void assert_of_site(const struct console_query *q, const char *site)
{
    assert_ge(q->nparams, 1);
    if (site == NULL)
        assert_null(q->params[0]);
    else
        assert_string_equal(q->params[0], site);
    assert_non_null(strstr(q->sql, "$1"));
}

static void test_every_statement_is_of_the_site(void **state)
{
    (void)state;
    static const enum console_page pages[] = {CP_OVERVIEW, CP_COVERAGE, CP_SCHEDULE,
                                              CP_AGENT,    CP_FAIRNESS, CP_HIRING};
    struct console_args a = {.site = 42, .agent = 7, .queue = 3, .days = 7};
    snprintf(a.tz, sizeof a.tz, "Europe/Berlin");
    struct console_query q[CONSOLE_MAX_QUERIES];
    for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
        int n = console_data_queries(pages[p], &a, q);
        assert_ge(n, 2);
        assert_le(n, CONSOLE_MAX_QUERIES);
        for (int i = 0; i < n; i++) {
            /* The overview's every-site summary is the one statement about all sites. */
            if (pages[p] == CP_OVERVIEW && i == n - 1) {
                assert_int_equal(q[i].nparams, 0);
                continue;
            }
            assert_of_site(&q[i], "42");
        }
    }
    for (int k = 0; k < CC_COUNT; k++) {
        console_csv_query((enum console_csv)k, &a, &q[0]);
        assert_of_site(&q[0], "42");
    }
    /* No site chosen: NULL, which matches no row, rather than every site. */
    a.site = 0;
    console_csv_query(CC_SHIFTS, &a, &q[0]);
    assert_of_site(&q[0], NULL);
    /* The sites statement names the agent, to find its site. */
    a.agent = 9;
    console_sites_query(&a, &q[0]);
    assert_int_equal(q[0].nparams, 1);
    assert_string_equal(q[0].params[0], "9");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pick_asked_agent_first_active),
        cmocka_unit_test(test_pick_without_an_active_site_or_any),
        cmocka_unit_test(test_shape_selector_only_with_several_sites),
        cmocka_unit_test(test_every_statement_is_of_the_site),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
