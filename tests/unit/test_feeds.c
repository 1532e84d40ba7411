/* SPDX-License-Identifier: ISC */
/*
 * test_feeds.c — daemon/feeds.c without a database: the results of
 * feeds_tokens_sql and feeds_shifts_sql are built in memory (PQsetvalue), so
 * rendering, installing, looking up and revoking run as in the daemon. Checks
 * that long names are cut on a character with "…" (the calendar name keeps its
 * ": shifts"), that a feed without shifts still renders, and that
 * feeds_revoke() kills exactly one URL at once; and that a lookup before the
 * tokens are loaded, or before a live token's feed is rendered, says "not yet"
 * (-EAGAIN, a 503) rather than "no such feed".
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
#include <libical/ical.h>
#include <libpq-fe.h>

#include "calendar.h"
#include "feeds.h"
#include "text.h"
#include "testutil.h"

#define SHIFT_COLUMNS 11
#define UID_A         "0b6f7d2e-3c1a-4e59-9a7b-2f1d5c8e6a40"
#define T0            "1796400000" /* 2026-12-05T00:00:00Z */
#define T0_END        "1796428800"

/* A text-typed result with `rows` rows of `cols` values each (NULL: SQL NULL). */
static PGresult *result_of(int cols, int rows, const char *const *values)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    assert_non_null(r);
    PGresAttDesc attrs[SHIFT_COLUMNS];
    char names[SHIFT_COLUMNS][8];
    assert_le(cols, SHIFT_COLUMNS);
    for (int c = 0; c < cols; c++) {
        snprintf(names[c], sizeof names[c], "c%d", c);
        attrs[c] = (PGresAttDesc){.name = names[c], .typid = 25, .typlen = -1, .atttypmod = -1};
    }
    assert_int_equal(PQsetResultAttrs(r, cols, attrs), 1);
    for (int i = 0; i < rows; i++) {
        for (int c = 0; c < cols; c++) {
            const char *v = values[i * cols + c];
            char *copy = v ? strdup(v) : NULL;
            assert_int_equal(PQsetvalue(r, i, c, copy, v ? (int)strlen(v) : -1), 1);
            free(copy);
        }
    }
    return r;
}

/* "\x<hex of sha256(token)>", the text form of a bytea, and the bare hex. */
static void token_hash(const char *token, char bytea[67], char hex[65])
{
    unsigned char h[32];
    feeds_hash_token(token, strlen(token), h);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", h[i]);
    snprintf(bytea, 67, "\\x%s", hex);
}

static void set_tokens(struct feeds *f, const char *const *tokens, const char *const *agents, int n)
{
    char bytea[8][67], hex[65];
    const char *values[16];
    assert_le(n, 8);
    for (int i = 0; i < n; i++) {
        token_hash(tokens[i], bytea[i], hex);
        values[2 * i] = bytea[i];
        values[2 * i + 1] = agents[i];
    }
    PGresult *r = result_of(2, n, values);
    assert_int_equal(feeds_set_tokens(f, r), 0);
    PQclear(r);
}

static void render_install(struct feeds *f, int rows, const char *const *values)
{
    PGresult *r = result_of(SHIFT_COLUMNS, rows, values);
    struct feeds_batch *b = NULL;
    assert_int_equal(feeds_render(r, &b), 0);
    PQclear(r);
    assert_ge(feeds_install(f, b, 0), 0);
}

/* The value of the first content line named `name`, unfolded, malloc'd. */
static char *line_value(const char *body, const char *name)
{
    char *u = malloc(strlen(body) + 1), *d = u;
    assert_non_null(u);
    for (const char *s = body; *s;) {
        if (s[0] == '\r' && s[1] == '\n' && s[2] == ' ')
            s += 3;
        else
            *d++ = *s++;
    }
    *d = '\0';
    size_t n = strlen(name);
    for (char *p = u; (p = strstr(p, name)) != NULL; p++) {
        if ((p == u || p[-1] == '\n') && p[n] == ':') {
            char *end = strstr(p, "\r\n");
            assert_non_null(end);
            *end = '\0';
            char *v = strdup(p + n + 1);
            free(u);
            return v;
        }
    }
    free(u);
    return NULL;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t a = strlen(s), b = strlen(tail);
    return a >= b && strcmp(s + a - b, tail) == 0;
}

/*
 * Names longer than their room, made of two-byte characters at an odd offset,
 * so that a byte cut would split one: cut on a character, "…" at the cut, and
 * the calendar name still ends in ": shifts".
 */
static void test_long_names_cut_on_a_character(void **state)
{
    (void)state;
    char agent[512] = "", queue[512] = "x";
    for (int i = 0; i < 150; i++)
        strcat(agent, "\xC3\xA5"); /* å */
    for (int i = 0; i < 100; i++)
        strcat(queue, "\xC3\xA5");
    const char *rows[] = {"7", agent, UID_A, queue, T0, T0_END, "f", "0", T0, T0, NULL};
    struct feeds *f;
    assert_int_equal(feeds_new(&f), 0);
    render_install(f, 1, rows);
    set_tokens(f, (const char *[]){"tok"}, (const char *[]){"7"}, 1);

    struct feeds_rendered feed;
    assert_int_equal(feeds_lookup(f, "tok", 3, &feed), 0);
    assert_true(text_utf8_valid(feed.body, feed.len));
    assert_null(strstr(feed.body, "\xEF\xBF\xBD")); /* no U+FFFD */

    char *xname = line_value(feed.body, "X-WR-CALNAME"), *name = line_value(feed.body, "NAME");
    char *summary = line_value(feed.body, "SUMMARY");
    assert_non_null(xname);
    assert_non_null(name);
    assert_non_null(summary);
    assert_true(ends_with(xname, TEXT_ELLIPSIS ": shifts"));
    assert_string_equal(name, xname);
    assert_memory_equal(xname, agent, 40); /* the start of the name is kept */
    assert_lt(strlen(xname), strlen(agent));
    assert_memory_equal(summary, "Shift: x\xC3\xA5", 10);
    assert_true(ends_with(summary, TEXT_ELLIPSIS));
    assert_true(text_utf8_valid(summary, strlen(summary)));
    free(xname);
    free(name);
    free(summary);
    feeds_free(f);
}

/* A name that fits is left as it is. */
static void test_short_names_unchanged(void **state)
{
    (void)state;
    const char *rows[] = {"7", "\xC3\x85sa", UID_A, "chat-sv", T0, T0_END, "f", "2", T0, T0, NULL};
    struct feeds *f;
    assert_int_equal(feeds_new(&f), 0);
    render_install(f, 1, rows);
    set_tokens(f, (const char *[]){"tok"}, (const char *[]){"7"}, 1);
    struct feeds_rendered feed;
    assert_int_equal(feeds_lookup(f, "tok", 3, &feed), 0);
    char *xname = line_value(feed.body, "X-WR-CALNAME"),
         *summary = line_value(feed.body, "SUMMARY");
    assert_string_equal(xname, "\xC3\x85sa: shifts");
    assert_string_equal(summary, "Shift: chat-sv");
    assert_int_equal(feed.last_modified, 1796400000);
    free(xname);
    free(summary);
    feeds_free(f);
}

/* An agent with a URL and no shift yet (a NULL shift row) gets a valid calendar. */
static void test_feed_without_shifts(void **state)
{
    (void)state;
    const char *rows[] = {"9", "Ines", NULL, NULL, NULL, NULL, NULL, NULL, NULL, T0, NULL};
    struct feeds *f;
    assert_int_equal(feeds_new(&f), 0);
    render_install(f, 1, rows);
    set_tokens(f, (const char *[]){"ines"}, (const char *[]){"9"}, 1);
    struct feeds_rendered feed;
    assert_int_equal(feeds_lookup(f, "ines", 4, &feed), 0);
    assert_null(strstr(feed.body, "BEGIN:VEVENT"));
    assert_non_null(strstr(feed.body, "BEGIN:VTIMEZONE"));
    icalcomponent *cal = icalparser_parse_string(feed.body);
    assert_non_null(cal);
    assert_int_equal(icalcomponent_count_components(cal, ICAL_ANY_COMPONENT), 1);
    icalcomponent_free(cal);
    feeds_free(f);
}

/* feeds_revoke() kills the one URL whose hash it is given, and nothing else. */
static void test_revoke(void **state)
{
    (void)state;
    const char *rows[] = {
        "7", "Ana", UID_A, "chat-sv", T0,   T0_END, "f",  "0",  T0,   T0, NULL,
        "8", "Bo",  NULL,  NULL,      NULL, NULL,   NULL, NULL, NULL, T0, NULL,
    };
    struct feeds *f;
    assert_int_equal(feeds_new(&f), 0);
    render_install(f, 2, rows);
    set_tokens(f, (const char *[]){"tok-a", "tok-b", "tok-c"}, (const char *[]){"7", "8", "8"}, 3);
    assert_int_equal(feeds_token_count(f), 3);

    char bytea[67], hex[65];
    token_hash("tok-a", bytea, hex);
    struct feeds_rendered feed;
    assert_int_equal(feeds_lookup(f, "tok-a", 5, &feed), 0);
    assert_int_equal(feeds_revoke(f, hex), 0);
    assert_int_equal(feeds_lookup(f, "tok-a", 5, &feed), -ENOENT);
    assert_int_equal(feeds_lookup(f, "tok-b", 5, &feed), 0);
    assert_int_equal(feeds_lookup(f, "tok-c", 5, &feed), 0);
    assert_int_equal(feeds_token_count(f), 2);
    /* Once only; the cached feed itself stays (another URL of the agent may come). */
    assert_int_equal(feeds_revoke(f, hex), -ENOENT);
    assert_int_equal(feeds_count(f), 2);

    /* Upper-case hex is the same hash; the last entry of the table goes too. */
    token_hash("tok-c", bytea, hex);
    for (char *p = hex; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    assert_int_equal(feeds_revoke(f, hex), 0);
    assert_int_equal(feeds_lookup(f, "tok-c", 5, &feed), -ENOENT);
    assert_int_equal(feeds_lookup(f, "tok-b", 5, &feed), 0);

    /* What is not a SHA-256 in hex changes nothing. */
    assert_int_equal(feeds_revoke(f, ""), -EINVAL);
    assert_int_equal(feeds_revoke(f, "feed_tokens"), -EINVAL);
    assert_int_equal(feeds_revoke(f, NULL), -EINVAL);
    memset(hex, 'g', 64);
    assert_int_equal(feeds_revoke(f, hex), -EINVAL);
    token_hash("tok-b", bytea, hex);
    char longer[80];
    snprintf(longer, sizeof longer, "%s00", hex);
    assert_int_equal(feeds_revoke(f, longer), -EINVAL);
    assert_int_equal(feeds_token_count(f), 1);
    assert_int_equal(feeds_revoke(f, hex), 0);
    assert_int_equal(feeds_token_count(f), 0);
    assert_int_equal(feeds_revoke(f, hex), -ENOENT);
    feeds_free(f);
}

/* Lookups before and after the daemon has loaded its tokens and rendered (the chaos run). */

#define TOKEN "tok_live-1"

/* A tuples result with text columns `names` and no rows yet. */
static PGresult *result_with(int n, char *const *names)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    assert_non_null(r);
    PGresAttDesc attrs[16];
    assert_le(n, 16);
    memset(attrs, 0, sizeof attrs);
    for (int i = 0; i < n; i++) {
        attrs[i].name = names[i];
        attrs[i].typid = 25; /* text: feeds.c reads every column as text */
        attrs[i].typlen = -1;
        attrs[i].atttypmod = -1;
    }
    assert_int_equal(PQsetResultAttrs(r, n, attrs), 1);
    return r;
}

static void set(PGresult *r, int row, int col, const char *v)
{
    char buf[128] = "";
    if (v != NULL)
        snprintf(buf, sizeof buf, "%s", v);
    assert_int_equal(PQsetvalue(r, row, col, v ? buf : NULL, v ? (int)strlen(buf) : -1), 1);
}

/* Tokens as feeds_tokens_sql returns them: TOKEN's SHA-256 (bytea, hex) for agent 7. */
static void load_token(struct feeds *f)
{
    static char *const cols[] = {"token_sha256", "agent_id"};
    unsigned char h[32];
    char hex[2 + 64 + 1] = "\\x";
    feeds_hash_token(TOKEN, strlen(TOKEN), h);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 + 2 * i, 3, "%02x", h[i]);
    PGresult *r = result_with(2, cols);
    set(r, 0, 0, hex);
    set(r, 0, 1, "7");
    assert_int_equal(feeds_set_tokens(f, r), 0);
    PQclear(r);
    assert_int_equal(feeds_token_count(f), 1);
}

static void test_lookup_before_anything_is_loaded(void **state)
{
    (void)state;
    struct feeds *f = NULL;
    struct feeds_rendered out = {0};
    assert_int_equal(feeds_new(&f), 0);
    /* Nothing read yet: it cannot say the token is unknown. */
    assert_int_equal(feeds_lookup(f, TOKEN, strlen(TOKEN), &out), -EAGAIN);
    assert_null(out.body);
    assert_false(feeds_ready(f));
    feeds_free(f);
}

static void test_lookup_with_tokens_but_no_feed_rendered(void **state)
{
    (void)state;
    struct feeds *f = NULL;
    struct feeds_rendered out = {0};
    assert_int_equal(feeds_new(&f), 0);
    load_token(f);
    /* A live token whose feed is not rendered yet: not "gone" either. */
    assert_int_equal(feeds_lookup(f, TOKEN, strlen(TOKEN), &out), -EAGAIN);
    assert_int_equal(feeds_lookup(f, "other", 5, &out), -ENOENT);
    assert_false(feeds_ready(f)); /* /healthz says so (health.c) */
    feeds_free(f);
}

static void test_lookup_after_render(void **state)
{
    (void)state;
    /* feeds_shifts_sql's columns: agent 7 with a feed and no shifts yet (shift columns NULL). */
    static char *const cols[] = {"agent",     "name",     "shift",   "queue",  "starts", "ends",
                                 "cancelled", "sequence", "updated", "issued", "breaks"};
    struct feeds *f = NULL;
    struct feeds_batch *b = NULL;
    struct feeds_rendered out = {0};
    assert_int_equal(feeds_new(&f), 0);
    load_token(f);
    PGresult *r = result_with(11, cols);
    set(r, 0, 0, "7");
    set(r, 0, 1, "Ada Agent");
    for (int c = 2; c < 9; c++)
        set(r, 0, c, NULL);
    set(r, 0, 9, "1700000000");
    set(r, 0, 10, NULL);
    assert_int_equal(feeds_render(r, &b), 0);
    PQclear(r);
    assert_false(feeds_ready(f));
    assert_int_equal(feeds_install(f, b, 1), 1);
    assert_true(feeds_ready(f));
    assert_int_equal(feeds_lookup(f, TOKEN, strlen(TOKEN), &out), 0);
    assert_non_null(out.body);
    assert_non_null(strstr(out.body, "BEGIN:VCALENDAR"));
    assert_int_equal(feeds_lookup(f, "other", 5, &out), -ENOENT);
    feeds_free(f);
}

static int release_libical(void **state)
{
    (void)state;
    calendar_shutdown();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_names_cut_on_a_character),
        cmocka_unit_test(test_short_names_unchanged),
        cmocka_unit_test(test_feed_without_shifts),
        cmocka_unit_test(test_revoke),
        cmocka_unit_test(test_lookup_before_anything_is_loaded),
        cmocka_unit_test(test_lookup_with_tokens_but_no_feed_rendered),
        cmocka_unit_test(test_lookup_after_render),
    };
    return cmocka_run_group_tests(tests, NULL, release_libical);
}
