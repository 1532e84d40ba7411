/* SPDX-License-Identifier: ISC */
/*
 * Tests of UTF-8-safe formatting (text.c): every cut of names made of one-,
 * two-, three- and four-byte characters, at every buffer size, leaves valid
 * UTF-8 that ends in "…" exactly when something was left out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "text.h"

static void test_fits_unchanged(void **state)
{
    (void)state;
    char buf[16];
    assert_int_equal(text_printf(buf, sizeof buf, "%s-%d", "chat", 7), 0);
    assert_string_equal(buf, "chat-7");
    /* Exactly full: 15 bytes and the NUL. */
    assert_int_equal(text_printf(buf, sizeof buf, "%s", "abcdefghijklmno"), 0);
    assert_string_equal(buf, "abcdefghijklmno");
    assert_int_equal(text_printf(buf, sizeof buf, "%s", "abcdefghijklmnop"), 1);
    assert_string_equal(buf, "abcdefghijkl" TEXT_ELLIPSIS);
}

static void test_every_cut_is_valid(void **state)
{
    (void)state;
    const char *names[] = {
        "queue",
        "k\xc3\xb6"
        "-\xc3\xa5\xc3\xa4\xc3\xb6",                           /* kö-åäö */
        "\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac",    /* €€€€ */
        "\xf0\x9f\x93\x9e\xf0\x9f\x93\x9e x \xf0\x9f\x93\x9e", /* 📞📞 x 📞 */
        "a\xc3\xa5"
        "b\xe2\x82\xac"
        "c\xf0\x9f\x93\x9e"
        "d", /* mixed */
    };
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char full[256];
        snprintf(full, sizeof full, "queue '%s' is short", names[k]);
        for (size_t size = 1; size <= strlen(full) + 2; size++) {
            char buf[256];
            memset(buf, 'X', sizeof buf);
            int rc = text_printf(buf, size, "queue '%s' is short", names[k]);
            size_t len = strlen(buf);
            assert_lt(len, size);
            assert_true(text_utf8_valid(buf, len));
            if (size > strlen(full)) {
                assert_int_equal(rc, 0);
                assert_string_equal(buf, full);
                continue;
            }
            assert_int_equal(rc, 1);
            if (size >= 4) {
                /* A prefix of the whole text, then the ellipsis. */
                assert_ge(len, 3);
                assert_memory_equal(buf + len - 3, TEXT_ELLIPSIS, 3);
                assert_memory_equal(buf, full, len - 3);
            } else {
                assert_memory_equal(buf, full, len);
            }
        }
    }
}

static void test_long_name_into_a_key(void **state)
{
    (void)state;
    /* The trigger: repeat('å', 80) in a 64-byte key. */
    char name[161];
    for (int i = 0; i < 80; i++)
        memcpy(name + 2 * i, "\xc3\xa5", 2);
    name[160] = '\0';
    char key[64];
    assert_int_equal(text_printf(key, sizeof key, "queue %s", name), 1);
    assert_true(text_utf8_valid(key, strlen(key)));
    assert_int_equal(strlen(key), 6 + 27 * 2 + 3); /* "queue " + 27 å + … = 63 bytes */
}

static void test_append_cuts_like_one_printf(void **state)
{
    (void)state;
    const char *parts[] = {"voice-sv 3 h", "chat-\xc3\xa5\xc3\xa4 2 h", "\xe2\x82\xac-queue 1 h",
                           "\xf0\x9f\x93\x9e 4 h"};
    char whole[256] = "";
    for (size_t i = 0; i < 4; i++)
        strcat(strcat(whole, i ? ", " : ""), parts[i]);
    for (size_t size = 1; size < sizeof whole; size++) {
        char a[256], b[256];
        a[0] = '\0';
        int last = 0;
        for (size_t i = 0; i < 4; i++)
            last = text_append(a, size, "%s%s", i ? ", " : "", parts[i]);
        int one = text_printf(b, size, "%s", whole);
        assert_string_equal(a, b);
        assert_int_equal(last, one);
        assert_true(text_utf8_valid(a, strlen(a)));
        /* Appending to a cut text changes nothing. */
        if (one == 1) {
            assert_int_equal(text_append(a, size, "%s", "more"), 1);
            assert_string_equal(a, b);
        }
    }
}

static void test_utf8_validator(void **state)
{
    (void)state;
    assert_true(text_utf8_valid("", 0));
    assert_true(text_utf8_valid("\xc3\xa5\xe2\x82\xac\xf0\x9f\x93\x9e", 9));
    assert_false(text_utf8_valid("\xc3", 1));             /* cut */
    assert_false(text_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
    assert_false(text_utf8_valid("\xe0\x80\xaf", 3));     /* overlong */
    assert_false(text_utf8_valid("\xed\xa0\x80", 3));     /* surrogate U+D800 */
    assert_false(text_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(text_utf8_valid("\xa5", 1));             /* lone continuation */
    assert_false(text_utf8_valid("a\xe2\x82z", 4));       /* broken sequence */
    assert_int_equal(text_utf8_prefix("ab\xe2\x82", 4), 2);
    assert_int_equal(text_utf8_prefix("ab\xe2\x82\xac", 5), 5);
    assert_int_equal(text_utf8_prefix("ab\xf0\x9f\x93", 5), 2);
    assert_int_equal(text_utf8_prefix("ab\xc3", 3), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fits_unchanged),
        cmocka_unit_test(test_every_cut_is_valid),
        cmocka_unit_test(test_long_name_into_a_key),
        cmocka_unit_test(test_append_cuts_like_one_printf),
        cmocka_unit_test(test_utf8_validator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
