/* SPDX-License-Identifier: ISC */
/*
 * test_http_parse.c — the pure parsers of http.c (include/http_internal.h)
 * without a socket: routing of paths, the Authorization header, HTTP dates in
 * their three forms, entity tags and If-None-Match. test_http.c covers the
 * same behaviour end to end; tests/fuzz/ drives these functions with
 * arbitrary bytes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "http_internal.h"

#define NOW ((int64_t)1796832300) /* 2026-12-09T16:05:00Z */

static enum http_resource route(const char *path, const char **arg, size_t *arg_len)
{
    return http_route_path(path, strlen(path), arg, arg_len);
}

static void test_route_paths(void **state)
{
    (void)state;
    const char *arg;
    size_t n;
    assert_int_equal(route("/healthz", &arg, &n), HTTP_RES_HEALTHZ);
    assert_null(arg);
    assert_int_equal(route("/metrics", &arg, &n), HTTP_RES_METRICS);
    assert_int_equal(route("/api/recruitment", &arg, &n), HTTP_RES_API);
    assert_int_equal(n, 11);
    assert_memory_equal(arg, "recruitment", 11);
    assert_int_equal(route("/api/", &arg, &n), HTTP_RES_NONE);
    assert_int_equal(route("/feeds/Ab-_9.ics", &arg, &n), HTTP_RES_FEED);
    assert_int_equal(n, 5);
    assert_memory_equal(arg, "Ab-_9", 5);
    /* No decoding, no dots, nothing empty, nothing longer than 128. */
    const char *bad[] = {"/feeds/.ics",  "/feeds/%41.ics", "/feeds/a.b.ics", "/feeds/a/b.ics",
                         "/feeds/a.ICS", "/feeds/",        "/feeds/a"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(route(bad[i], &arg, &n), HTTP_RES_BAD_FEED);
    char path[200] = "/feeds/";
    memset(path + 7, 'a', 128);
    strcpy(path + 7 + 128, ".ics");
    assert_int_equal(route(path, &arg, &n), HTTP_RES_FEED);
    assert_int_equal(n, 128);
    memset(path + 7, 'a', 129);
    strcpy(path + 7 + 129, ".ics");
    assert_int_equal(route(path, &arg, &n), HTTP_RES_BAD_FEED);
    assert_int_equal(route("/", &arg, &n), HTTP_RES_NONE);
    assert_int_equal(route("/healthz/", &arg, &n), HTTP_RES_NONE);
    assert_int_equal(route("", &arg, &n), HTTP_RES_NONE);
    /* The console: the path itself and what is under it, not a look-alike. */
    assert_int_equal(route("/console", &arg, &n), HTTP_RES_CONSOLE);
    assert_int_equal(route("/console/", &arg, &n), HTTP_RES_CONSOLE);
    assert_int_equal(route("/console/hiring/what-if", &arg, &n), HTTP_RES_CONSOLE);
    assert_int_equal(route("/consoles", &arg, &n), HTTP_RES_NONE);
    assert_int_equal(route("/Console", &arg, &n), HTTP_RES_NONE);
}

static void test_bearer(void **state)
{
    (void)state;
    static const struct {
        const char *value, *token; /* token NULL: refused */
    } cases[] = {
        {"Bearer abc", "abc"},
        {"bearer abc", "abc"},
        {"BEARER  a.b-c_d~e+f/g==  ", "a.b-c_d~e+f/g=="},
        {"Bearer abc\t", "abc"},
        {"Bearer", NULL},
        {"Bearer ", NULL},
        {"Bearer    ", NULL},
        {"Bearerabc", NULL},
        {"Bearer\tabc", NULL},
        {"Basic abc", NULL},
        {"Bearer a b", NULL},
        {"Bearer a\x7f", NULL},
        {"Bearer \xc3\xa5", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *tok = NULL;
        size_t n = 0;
        int rc = http_bearer_token(cases[i].value, strlen(cases[i].value), &tok, &n);
        if (cases[i].token == NULL) {
            if (rc != -EINVAL)
                fail_msg("'%s' accepted", cases[i].value);
            continue;
        }
        if (rc != 0 || n != strlen(cases[i].token) || memcmp(tok, cases[i].token, n) != 0)
            fail_msg("'%s' gave %d '%.*s'", cases[i].value, rc, (int)n, tok ? tok : "");
    }
}

static void test_dates(void **state)
{
    (void)state;
    static const char *const forms[] = {
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
    };
    for (size_t i = 0; i < 3; i++) {
        int64_t t = 0;
        assert_int_equal(http_date_parse(forms[i], strlen(forms[i]), NOW, &t), 0);
        assert_int_equal(t, 784111777);
    }
    /*
     * Found by tests/fuzz/fuzz_http_headers: rfc850's two-digit year is the one
     * within (now - 50, now + 50]; it was always taken in now's century, so
     * read in 2070 "01" was 2001 (69 years ago) instead of 2101, and read in
     * 1970 "20" was 1920 instead of 2020.
     */
    static const struct {
        int64_t now;
        const char *date;
        int64_t want;
    } years[] = {
        {3155760000, "Saturday, 01-Jan-01 00:00:00 GMT", 4133980800}, /* 2070: 2101 */
        {0, "Sunday, 01-Mar-20 00:00:00 GMT", 1583020800},            /* 1970: 2020 */
        {NOW, "Sunday, 06-Nov-94 08:49:37 GMT", 784111777},           /* 2026: 1994 */
    };
    for (size_t i = 0; i < sizeof years / sizeof *years; i++) {
        int64_t t = 0;
        assert_int_equal(http_date_parse(years[i].date, strlen(years[i].date), years[i].now, &t),
                         0);
        if (t != years[i].want)
            fail_msg("'%s' read at %lld: %lld, expected %lld", years[i].date,
                     (long long)years[i].now, (long long)t, (long long)years[i].want);
    }
    char buf[HTTP_DATE_BUF];
    assert_int_equal(http_date_format(784111777, buf), 0);
    assert_string_equal(buf, forms[0]);
    assert_int_equal(http_date_format(HTTP_DATE_MAX, buf), 0);
    assert_string_equal(buf, "Fri, 31 Dec 9999 23:59:59 GMT");
    assert_int_equal(http_date_format(HTTP_DATE_MAX + 1, buf), -EINVAL);
    static const char *const bad[] = {
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 31 Feb 1994 08:49:37 GMT",
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 0000 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sunday, 06-Nov-94 08:49:37",
        "",
        /* Found by tests/fuzz/fuzz_http_headers: the leap second after the last instant. */
        "Fri, 31 Dec 9999 23:59:60 GMT",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        int64_t t = 0;
        if (http_date_parse(bad[i], strlen(bad[i]), NOW, &t) != -EINVAL)
            fail_msg("'%s' parsed", bad[i]);
    }
}

static void test_if_none_match_values(void **state)
{
    (void)state;
    static const char etag[] = "\"abc\"";
    static const struct {
        const char *value;
        bool hit;
    } cases[] = {
        {"\"abc\"", true},
        {"W/\"abc\"", true},
        {"\"x\", \"abc\"", true},
        {"*", true},
        {"\"x\"", false},
        {"\"abc", false},
        {"abc", false},
        {"\"x\" junk, \"abc\"", false},
        {"\"a,b\", \"abc\"", true},
        {"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *v = cases[i].value;
        if (http_if_none_match(v, strlen(v), etag, strlen(etag)) != cases[i].hit)
            fail_msg("If-None-Match: %s", v);
    }
    assert_true(http_if_none_match("*", 1, NULL, 0));
    assert_false(http_if_none_match("\"abc\"", 5, NULL, 0));
    assert_true(http_etag_valid("\"abc\""));
    assert_true(http_etag_valid("W/\"abc\""));
    assert_false(http_etag_valid("\"a\r\nb\""));
    assert_false(http_etag_valid("abc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_route_paths),
        cmocka_unit_test(test_bearer),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_if_none_match_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
