/*
 * test_feeds.c — daemon/feeds.c: the cache of tokens and rendered feeds, on
 * results made with libpq's own constructors (no server).
 *
 * A daemon serves HTTP before it has read anything from PostgreSQL (just
 * started, or started while the database is away), so a lookup must work on a
 * cache with no tokens yet, and on one with tokens but no feed rendered yet.
 * The chaos run (tests/integration/test_chaos.py) found the first: bsearch()
 * was handed the NULL array, which is undefined even for zero elements, and
 * the sanitizer build stopped on the first feed request after a restart.
 * Until tokens and feed are loaded the answer is -EAGAIN (503), not -ENOENT.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "feeds.h"
#include "http.h"

#define TOKEN "tok_live-1"

/* A tuples result with text columns `names` and no rows yet. */
static PGresult *result_with(int n, char *const *names)
{
    PGresult *r = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
    assert_non_null(r);
    PGresAttDesc attrs[16];
    assert_true(n <= 16);
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
    struct http_feed out = {0};
    assert_int_equal(feeds_new(&f), 0);
    /* Nothing read yet: it cannot say the token is unknown. */
    assert_int_equal(feeds_lookup(f, TOKEN, strlen(TOKEN), &out), -EAGAIN);
    assert_null(out.body);
    feeds_free(f);
}

static void test_lookup_with_tokens_but_no_feed_rendered(void **state)
{
    (void)state;
    struct feeds *f = NULL;
    struct http_feed out = {0};
    assert_int_equal(feeds_new(&f), 0);
    load_token(f);
    /* A live token whose feed is not rendered yet: not "gone" either. */
    assert_int_equal(feeds_lookup(f, TOKEN, strlen(TOKEN), &out), -EAGAIN);
    assert_int_equal(feeds_lookup(f, "other", 5, &out), -ENOENT);
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
    struct http_feed out = {0};
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
    assert_int_equal(feeds_install(f, b, 1), 1);
    assert_int_equal(feeds_lookup(f, TOKEN, strlen(TOKEN), &out), 0);
    assert_non_null(out.body);
    assert_non_null(strstr(out.body, "BEGIN:VCALENDAR"));
    assert_int_equal(feeds_lookup(f, "other", 5, &out), -ENOENT);
    feeds_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_before_anything_is_loaded),
        cmocka_unit_test(test_lookup_with_tokens_but_no_feed_rendered),
        cmocka_unit_test(test_lookup_after_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
