/* SPDX-License-Identifier: ISC */
/*
 * test_console_parse.c — the console's readers of outside input
 * (include/console_parse.h) without a server: key=value pairs and their
 * percent-encoding, the page's query parameters, forms, the Cookie header,
 * the form's Content-Type, the secret comparison and routing. The
 * integration tests (tests/integration/test_console*.py) cover the same
 * through a browser; tests/fuzz/fuzz_console_*.c drive these functions with
 * arbitrary bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "console_parse.h"
#include "testutil.h"
#include "text.h"

/* Every pair of s as "key=value;" (or "ERR" after the last good one), into out. */
static int pairs(const char *s, size_t len, char *out, size_t out_len)
{
    const char *p = s, *end = s + len;
    char key[CONSOLE_KEY_BUF], val[CONSOLE_VALUE_BUF];
    int rc;
    out[0] = '\0';
    while ((rc = console_next_pair(&p, end, key, sizeof key, val, sizeof val)) > 0) {
        size_t n = strlen(out);
        snprintf(out + n, out_len - n, "%s=%s;", key, val);
    }
    if (rc < 0) {
        size_t n = strlen(out);
        snprintf(out + n, out_len - n, "ERR");
    }
    return rc;
}

static void check_pairs(const char *s, const char *want)
{
    char got[1024];
    pairs(s, strlen(s), got, sizeof got);
    if (strcmp(got, want) != 0)
        fail_msg("pairs of \"%s\": \"%s\", expected \"%s\"", s, got, want);
}

static void test_pairs(void **state)
{
    (void)state;
    check_pairs("", "");
    check_pairs("&&&", "");
    check_pairs("a=1&b=2", "a=1;b=2;");
    check_pairs("&a=1&&b=2&", "a=1;b=2;");
    /* '+' is a space, %2B a plus; hex digits in either case. */
    check_pairs("q=a+b%2Bc%2bd", "q=a b+c+d;");
    check_pairs("k%3Dx=v%26w", "k=x=v&w;");
    check_pairs("a=b=c", "a=b=c;");
    /* Empty values and keys. */
    check_pairs("a=&b", "a=;b=;");
    check_pairs("=v", "=v;");
    check_pairs("=", "=;");
    /* Duplicate keys come out one by one, in order. */
    check_pairs("a=1&a=2", "a=1;a=2;");
    /* Bad escapes: not hex, cut short, at the very end, %00. */
    check_pairs("a=%zz", "ERR");
    check_pairs("a=%2", "ERR");
    check_pairs("a=1&b=%", "a=1;ERR");
    check_pairs("a=%g0", "ERR");
    check_pairs("a=%00", "ERR");
    check_pairs("%00=a", "ERR");
    /* Bytes that are not UTF-8 are passed through: only NUL cannot be held. */
    check_pairs("a=%FF%C3", "a=\xff\xc3;");
    /* A raw NUL is refused rather than ending the input early. */
    char got[256];
    assert_int_equal(pairs("a=1\0b=2", 7, got, sizeof got), -EINVAL);
    assert_string_equal(got, "ERR");
    assert_int_equal(pairs("a=1&\0", 5, got, sizeof got), -EINVAL);
    assert_string_equal(got, "a=1;ERR");
    /* The end given is the end: nothing past it is read, even a '%' cut in two. */
    assert_int_equal(pairs("a=12345", 3, got, sizeof got), 0);
    assert_string_equal(got, "a=1;");
    assert_int_equal(pairs("a=%41", 4, got, sizeof got), -EINVAL);
}

static void test_pair_lengths(void **state)
{
    (void)state;
    char s[1024], got[1024];
    /* The longest key and value that fit; one more byte does not. */
    memset(s, 'k', 31);
    snprintf(s + 31, sizeof s - 31, "=v");
    assert_int_equal(pairs(s, strlen(s), got, sizeof got), 0);
    memset(s, 'k', 32);
    snprintf(s + 32, sizeof s - 32, "=v");
    assert_int_equal(pairs(s, strlen(s), got, sizeof got), -EINVAL);
    snprintf(s, sizeof s, "k=");
    memset(s + 2, 'v', 127);
    s[129] = '\0';
    assert_int_equal(pairs(s, strlen(s), got, sizeof got), 0);
    snprintf(s, sizeof s, "k=");
    memset(s + 2, 'v', 128);
    s[130] = '\0';
    assert_int_equal(pairs(s, strlen(s), got, sizeof got), -EINVAL);
    /* Lengths count decoded bytes: 127 × "%41" is 381 bytes of input and fits. */
    snprintf(s, sizeof s, "k=");
    for (int i = 0; i < 127; i++)
        memcpy(s + 2 + 3 * i, "%41", 4);
    assert_int_equal(pairs(s, strlen(s), got, sizeof got), 0);
}

static void test_ids(void **state)
{
    (void)state;
    int64_t v = -1;
    assert_true(console_parse_id("1", &v));
    assert_int_equal(v, 1);
    assert_true(console_parse_id("9223372036854775807", &v));
    assert_int_equal(v, INT64_MAX);
    assert_true(console_parse_id("007", &v));
    assert_int_equal(v, 7);
    v = 42;
    const char *bad[] = {"",
                         "0",
                         "-1",
                         "+1",
                         " 1",
                         "1 ",
                         "1e3",
                         "0x10",
                         "1a",
                         "1.0",
                         "9223372036854775808",
                         "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (console_parse_id(bad[i], &v))
            fail_msg("\"%s\" taken for an id", bad[i]);
    assert_int_equal(v, 42); /* a refused id leaves the output alone */
}

static void test_days_and_zones(void **state)
{
    (void)state;
    const char *good[] = {"2026-12-06", "2024-02-29", "2000-02-29",
                          "1900-01-01", "9999-12-31", "2026-04-30"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        if (!console_day_valid(good[i]))
            fail_msg("day \"%s\" refused", good[i]);
    /* Days that do not exist would reach PostgreSQL as $5::date and fail there. */
    const char *bad[] = {"2026-02-29", "1900-02-29", "2026-02-31", "2026-04-31", "2026-13-01",
                         "2026-00-10", "2026-01-00", "1899-12-31", "2026- 1-01", "2026-+1-01",
                         "+026-01-01", "2026-1-01",  "2026-01-1",  "2026/01/01", "20260101",
                         "",           "2026-01-011"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (console_day_valid(bad[i]))
            fail_msg("day \"%s\" taken", bad[i]);
    assert_true(console_zone_valid("Europe/Berlin"));
    assert_true(console_zone_valid("Etc/GMT+5"));
    assert_true(console_zone_valid("America/Port-au-Prince"));
    assert_false(console_zone_valid(""));
    assert_false(console_zone_valid("Europe/Berlin "));
    assert_false(console_zone_valid("Europe/Berlin'"));
    char long_zone[65];
    memset(long_zone, 'A', 64);
    long_zone[64] = '\0';
    assert_false(console_zone_valid(long_zone));
    long_zone[63] = '\0';
    assert_true(console_zone_valid(long_zone));
}

static int args(const char *q, struct console_args *a, int64_t *hired, char *err, size_t n)
{
    err[0] = '\0';
    return console_parse_args(q, strlen(q), a, hired, err, n);
}

static void test_args(void **state)
{
    (void)state;
    struct console_args a;
    int64_t hired = -1;
    char err[300];
    assert_int_equal(args("", &a, &hired, err, sizeof err), 0);
    assert_int_equal(a.days, 7);
    assert_int_equal(a.site, 0);
    assert_int_equal(hired, 0);
    assert_int_equal(args("site=3&queue=4&contract=5&agent=6&tz=Europe%2FParis&day=2026-12-07"
                          "&days=14&page=2&working=1&sort=late&hired=99",
                          &a, &hired, err, sizeof err),
                     0);
    assert_int_equal(a.site, 3);
    assert_int_equal(a.queue, 4);
    assert_int_equal(a.contract, 5);
    assert_int_equal(a.agent, 6);
    assert_string_equal(a.tz, "Europe/Paris");
    assert_string_equal(a.day, "2026-12-07");
    assert_int_equal(a.days, 14);
    assert_int_equal(a.page, 2);
    assert_true(a.working);
    assert_string_equal(a.sort, "late");
    assert_int_equal(hired, 99);
    /* An empty value is "any" (a form's empty select), an unknown key is ignored. */
    assert_int_equal(
        args("site=&queue=&tz=&days=&utm_source=x&working=", &a, &hired, err, sizeof err), 0);
    assert_int_equal(a.site, 0);
    assert_int_equal(a.days, 7);
    assert_false(a.working);
    /* A repeated key: the last value counts. */
    assert_int_equal(args("queue=1&queue=2&sort=name&sort=share", &a, &hired, err, sizeof err), 0);
    assert_int_equal(a.queue, 2);
    assert_string_equal(a.sort, "share");
    assert_int_equal(args("working=0", &a, &hired, err, sizeof err), 0);
    assert_false(a.working);
    assert_int_equal(args("page=100000", &a, &hired, err, sizeof err), 0);
    assert_int_equal(a.page, 100000);

    struct {
        const char *q, *err;
    } bad[] = {
        {"site=abc", "The parameter site=abc is not valid here."},
        {"site=%2B1", "The parameter site=+1 is not valid here."},
        {"days=5", "The parameter days=5 is not valid here."},
        {"days=7abc", "The parameter days=7abc is not valid here."},
        {"days=%2B7", "The parameter days=+7 is not valid here."},
        {"days=+7", "The parameter days= 7 is not valid here."},
        {"days=99999999999999999999", "The parameter days=99999999999999999999 is not valid here."},
        {"page=-1", "The parameter page=-1 is not valid here."},
        {"page=100001", "The parameter page=100001 is not valid here."},
        {"page=1e3", "The parameter page=1e3 is not valid here."},
        {"sort=random", "The parameter sort=random is not valid here."},
        {"day=2026-02-30", "The parameter day=2026-02-30 is not valid here."},
        {"tz=Europe/Berlin%27%3B", "The parameter tz=Europe/Berlin'; is not valid here."},
        {"hired=0", "The parameter hired=0 is not valid here."},
        /* A value that is not printable text is not repeated. */
        {"tz=%1B%5B31m", "The parameter tz (its value is not printable text) is not valid here."},
        {"tz=%FF", "The parameter tz (its value is not printable text) is not valid here."},
        {"site=1&tz=%", "The address's query is malformed (bad percent-encoding or too long a "
                        "value)."},
        {"tz=%00", "The address's query is malformed (bad percent-encoding or too long a "
                   "value)."},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (args(bad[i].q, &a, &hired, err, sizeof err) != -EINVAL)
            fail_msg("query \"%s\" taken", bad[i].q);
        if (strcmp(err, bad[i].err) != 0)
            fail_msg("query \"%s\": \"%s\"", bad[i].q, err);
    }
    /* A long value in a short buffer: cut on a character, still UTF-8. */
    char q[300] = "sort=", small[40];
    for (int i = 0; i < 40; i++)
        strcat(q, "%C3%A5"); /* å */
    assert_int_equal(args(q, &a, &hired, small, sizeof small), -EINVAL);
    assert_true(text_utf8_valid(small, strlen(small)));
    assert_non_null(strstr(small, TEXT_ELLIPSIS));
}

static int form(const char *body, struct console_form *f, char *err, size_t n)
{
    err[0] = '\0';
    return console_parse_form(body, strlen(body), f, err, n);
}

static void test_forms(void **state)
{
    (void)state;
    struct console_form f;
    char err[300];
    assert_int_equal(form("csrf=abc&token=t-_1&candidate=3&candidate=5&candidate=3&contract=2"
                          "&site=9&other=x",
                          &f, err, sizeof err),
                     0);
    assert_string_equal(f.csrf, "abc");
    assert_string_equal(f.token, "t-_1");
    assert_int_equal(f.n_candidates, 2); /* the repeated 3 is dropped */
    assert_int_equal(f.candidates[0], 3);
    assert_int_equal(f.candidates[1], 5);
    assert_int_equal(f.contract, 2);
    assert_int_equal(f.site, 9);
    /* An empty form; a repeated csrf: the last counts. */
    assert_int_equal(form("", &f, err, sizeof err), 0);
    assert_int_equal(f.n_candidates, 0);
    assert_string_equal(f.csrf, "");
    assert_int_equal(form("csrf=a&csrf=b", &f, err, sizeof err), 0);
    assert_string_equal(f.csrf, "b");
    assert_int_equal(form("csrf=a+b%2Bc", &f, err, sizeof err), 0);
    assert_string_equal(f.csrf, "a b+c");
    /* Twenty distinct applicants, each twice, are twenty; a twenty-first is refused. */
    char body[2048] = "";
    for (int i = 1; i <= 20; i++)
        text_append(body, sizeof body, "candidate=%d&candidate=%d&", i, i);
    assert_int_equal(form(body, &f, err, sizeof err), 0);
    assert_int_equal(f.n_candidates, 20);
    text_append(body, sizeof body, "candidate=21");
    assert_int_equal(form(body, &f, err, sizeof err), -EINVAL);
    assert_string_equal(err, "Choose at most 20 applicants at once.");

    struct {
        const char *body, *err;
    } bad[] = {
        {"candidate=", "candidate= is not a candidate id."},
        {"candidate=x", "candidate=x is not a candidate id."},
        {"candidate=0", "candidate=0 is not a candidate id."},
        {"contract=-2", "contract=-2 is not a contract id."},
        {"site=1+", "site=1  is not a site id."},
        {"site=%0A", "site (its value is not printable text) is not a site id."},
        {"csrf=%", "The form is malformed (bad percent-encoding or too long a value)."},
        {"csrf=a%00b", "The form is malformed (bad percent-encoding or too long a value)."},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        if (form(bad[i].body, &f, err, sizeof err) != -EINVAL)
            fail_msg("form \"%s\" taken", bad[i].body);
        if (strcmp(err, bad[i].err) != 0)
            fail_msg("form \"%s\": \"%s\"", bad[i].body, err);
    }
    /* A raw NUL in the body: refused, not a form that ends there. */
    assert_int_equal(console_parse_form("csrf=a\0candidate=1", 18, &f, err, sizeof err), -EINVAL);
    /* An overlong value (a token of 200 characters) is refused, not cut. */
    char longbody[300] = "token=";
    memset(longbody + 6, 'x', 200);
    longbody[206] = '\0';
    assert_int_equal(form(longbody, &f, err, sizeof err), -EINVAL);
}

static void check_cookie(const char *header, const char *want)
{
    char out[CONSOLE_COOKIE_BUF] = "junk";
    console_cookie_value(header, CONSOLE_SESSION_COOKIE, out, sizeof out);
    if (strcmp(out, want) != 0)
        fail_msg("cookie of \"%s\": \"%s\", expected \"%s\"", header ? header : "(null)", out,
                 want);
}

static void test_cookies(void **state)
{
    (void)state;
    check_cookie(NULL, "");
    check_cookie("", "");
    check_cookie("staffd_session=abc", "abc");
    check_cookie("a=1; staffd_session=abc-_9; b=2", "abc-_9");
    check_cookie("a=1;staffd_session=abc", "abc");
    check_cookie(";;  ;staffd_session=abc;", "abc");
    /* Only that exact name, followed by '=' at once. */
    check_cookie("xstaffd_session=abc", "");
    check_cookie("staffd_sessionx=abc", "");
    check_cookie("staffd_session", "");
    check_cookie("staffd_session =abc", "");
    check_cookie("staffd_signin=abc", "");
    /* Empty, quoted, blanks inside or after, characters a token never holds: refused. */
    check_cookie("staffd_session=", "");
    check_cookie("staffd_session=\"abc\"", "");
    check_cookie("staffd_session=ab c", "");
    check_cookie("staffd_session=abc ; x=1", "");
    check_cookie("staffd_session=abc\t", "");
    check_cookie("staffd_session=a=b", "");
    check_cookie("staffd_session=%41", "");
    /* The first of that name decides, good or bad. */
    check_cookie("staffd_session=one; staffd_session=two", "one");
    check_cookie("staffd_session=b@d; staffd_session=two", "");
    check_cookie("staffd_session=; staffd_session=two", "");
    /* 63 characters fit the buffer, 64 do not (and are not cut). */
    char header[400] = "staffd_session=", want[64];
    memset(want, 'A', 63);
    want[63] = '\0';
    strcat(header, want);
    check_cookie(header, want);
    strcat(header, "A");
    check_cookie(header, "");
    /* Many pairs before it. */
    char many[4096] = "";
    for (int i = 0; i < 200; i++)
        text_append(many, sizeof many, "c%d=v%d; ", i, i);
    text_append(many, sizeof many, "staffd_session=last");
    check_cookie(many, "last");
    /* The sign-in form's cookie is read the same way. */
    char out[CONSOLE_COOKIE_BUF];
    console_cookie_value("staffd_session=a; staffd_signin=pre", CONSOLE_SIGNIN_COOKIE, out,
                         sizeof out);
    assert_string_equal(out, "pre");
}

static void test_tokens_and_secrets(void **state)
{
    (void)state;
    assert_true(console_token_valid("aZ09-_", 1, 6));
    assert_false(console_token_valid("aZ09-_", 1, 5));
    assert_false(console_token_valid("", 1, 5));
    assert_true(console_token_valid("", 0, 5));
    assert_false(console_token_valid("a.b", 1, 5));
    assert_false(console_token_valid("a+b", 1, 5));
    assert_true(console_secret_equal("abc", "abc"));
    assert_false(console_secret_equal("abc", "abd"));
    assert_false(console_secret_equal("abc", "abcd"));
    assert_false(console_secret_equal("abcd", "abc"));
    assert_false(console_secret_equal("", "")); /* no secret is no match */
    assert_false(console_secret_equal("abc", ""));
}

static void test_form_type(void **state)
{
    (void)state;
    assert_true(console_form_type("application/x-www-form-urlencoded"));
    assert_true(console_form_type("Application/X-WWW-Form-Urlencoded; charset=UTF-8"));
    assert_false(console_form_type(NULL));
    assert_false(console_form_type(""));
    assert_false(console_form_type("multipart/form-data; boundary=x"));
    assert_false(console_form_type("application/x-www-form"));
    assert_false(console_form_type("text/plain"));
}

static void test_routes(void **state)
{
    (void)state;
    struct console_target t;
    struct {
        const char *path;
        enum console_route route;
        int page, post;
    } good[] = {
        {"/console", CR_PAGE, CP_OVERVIEW, 0},
        {"/console/", CR_PAGE, CP_OVERVIEW, 0},
        {"/console/coverage", CR_PAGE, CP_COVERAGE, 0},
        {"/console/schedule", CR_PAGE, CP_SCHEDULE, 0},
        {"/console/fairness", CR_PAGE, CP_FAIRNESS, 0},
        {"/console/hiring", CR_PAGE, CP_HIRING, 0},
        {"/console/agents/12", CR_PAGE, CP_AGENT, 0},
        {"/console/static/console.css", CR_STATIC, 0, 0},
        {"/console/signin/abc-_D9", CR_SIGNIN_FORM, 0, 0},
        {"/console/signin", CR_SIGNIN, 0, 1},
        {"/console/signout", CR_SIGNOUT, 0, 1},
        {"/console/hiring/hire", CR_HIRE, 0, 1},
        {"/console/hiring/what-if", CR_WHAT_IF, 0, 1},
    };
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        if (!console_parse_route(good[i].path, &t))
            fail_msg("%s: not found", good[i].path);
        assert_int_equal(t.route, good[i].route);
        if (t.route == CR_PAGE)
            assert_int_equal(t.page, good[i].page);
        assert_int_equal(t.post, good[i].post);
    }
    assert_true(console_parse_route("/console/agents/12", &t));
    assert_int_equal(t.agent, 12);
    assert_true(console_parse_route("/console/signin/abc-_D9", &t));
    assert_string_equal(t.token, "abc-_D9");
    for (int k = 0; k < CC_COUNT; k++) {
        char path[64];
        snprintf(path, sizeof path, "/console/csv/%s.csv", console_csv_names[k]);
        assert_true(console_parse_route(path, &t));
        assert_int_equal(t.route, CR_CSV);
        assert_int_equal(t.csv, k);
        assert_false(t.post);
    }
    char longest[128] = "/console/signin/";
    memset(longest + 16, 'x', CONSOLE_LINK_TOKEN_MAX);
    longest[16 + CONSOLE_LINK_TOKEN_MAX] = '\0';
    assert_true(console_parse_route(longest, &t));
    assert_int_equal(strlen(t.token), CONSOLE_LINK_TOKEN_MAX);
    strcat(longest, "x");
    assert_false(console_parse_route(longest, &t));
    const char *none[] = {"",
                          "/",
                          "/consolex",
                          "/console//",
                          "/console/coverage/",
                          "/Console/coverage",
                          "/console/agents/",
                          "/console/agents/0",
                          "/console/agents/+1",
                          "/console/agents/1x",
                          "/console/agents/99999999999999999999",
                          "/console/csv/coverage",
                          "/console/csv/coverage.csv/",
                          "/console/csv/nothing.csv",
                          "/console/csv/",
                          "/console/static/other.css",
                          "/console/signin/",
                          "/console/signin/a.b",
                          "/console/signin/a%20b",
                          "/console/hiring/hire/",
                          "/console/signout/x!"};
    for (size_t i = 0; i < sizeof none / sizeof *none; i++)
        if (console_parse_route(none[i], &t))
            fail_msg("\"%s\" routed to %d", none[i], t.route);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pairs),     cmocka_unit_test(test_pair_lengths),
        cmocka_unit_test(test_ids),       cmocka_unit_test(test_days_and_zones),
        cmocka_unit_test(test_args),      cmocka_unit_test(test_forms),
        cmocka_unit_test(test_cookies),   cmocka_unit_test(test_tokens_and_secrets),
        cmocka_unit_test(test_form_type), cmocka_unit_test(test_routes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
