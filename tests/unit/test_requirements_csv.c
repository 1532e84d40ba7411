/* SPDX-License-Identifier: ISC */
/*
 * Tests of the requirements CSV reader (requirements_csv_next() in
 * requirements_cli.c): rows, the header, comments, every line end, lines of
 * any length, and the errors that name a line and let the reader go on.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "requirements_cli.h"
#include "testutil.h"

struct outcome {
    int rc, line;
    char start[64];
    double contacts, aht;
};

/* Reads all of text (a copy: the reader cuts in place); up to max outcomes, rc 0 ends. */
static int read_csv(const char *text, size_t len, struct outcome *out, int max)
{
    char *copy = malloc(len + 1);
    assert_non_null(copy);
    memcpy(copy, text, len);
    copy[len] = '\0';
    struct requirements_csv r;
    struct requirements_row row;
    const char *why = NULL;
    int n = 0, rc;
    requirements_csv_init(&r, copy, len);
    while ((rc = requirements_csv_next(&r, &row, &why)) != 0) {
        assert_lt(n, max);
        out[n] = (struct outcome){.rc = rc, .line = row.line};
        if (rc > 0) {
            assert_lt(strlen(row.start), sizeof out[n].start);
            strcpy(out[n].start, row.start);
            out[n].contacts = row.contacts;
            out[n].aht = row.aht_seconds;
        } else {
            assert_int_equal(rc, -EINVAL);
            assert_non_null(why);
        }
        n++;
    }
    free(copy);
    return n;
}

static void test_rows_header_comments(void **state)
{
    (void)state;
    static const char text[] = "interval_start,contacts,aht_seconds\n"
                               "# a comment\n"
                               "\n"
                               "09:00,100,180\n"
                               "09:30, 0 ,180\n"
                               "10:00,2.5e1,1e2";
    struct outcome o[8];
    int n = read_csv(text, sizeof text - 1, o, 8);
    assert_int_equal(n, 3);
    assert_int_equal(o[0].rc, 1);
    assert_int_equal(o[0].line, 4);
    assert_string_equal(o[0].start, "09:00");
    assert_eq(o[0].contacts, 100);
    assert_eq(o[0].aht, 180);
    /* strtod() skips leading blanks but a trailing one is not part of a number. */
    assert_int_equal(o[1].rc, -EINVAL);
    assert_int_equal(o[1].line, 5);
    assert_int_equal(o[2].rc, 1);
    assert_eq(o[2].contacts, 25);
    assert_eq(o[2].aht, 100);
}

/*
 * LF, CRLF and a lone CR all end a line. The old reader cut each line at its
 * first CR, so a file saved with CR line ends gave its first row and silently
 * dropped the rest.
 */
static void test_line_ends(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "a,1,60\nb,2,60\nc,3,60\n",
        "a,1,60\r\nb,2,60\r\nc,3,60\r\n",
        "a,1,60\rb,2,60\rc,3,60\r",
        "a,1,60\r\nb,2,60\rc,3,60",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        struct outcome o[8];
        int n = read_csv(texts[i], strlen(texts[i]), o, 8);
        assert_int_equal(n, 3);
        for (int k = 0; k < 3; k++) {
            assert_int_equal(o[k].rc, 1);
            assert_int_equal(o[k].line, k + 1);
            assert_eq(o[k].contacts, k + 1);
        }
    }
}

/*
 * A line of any length is one line. The old reader read 1,023 bytes at a
 * time, so the tail of a long line came back as a row of its own.
 */
static void test_long_line(void **state)
{
    (void)state;
    size_t pad = 5000;
    char *text = malloc(pad + 64);
    assert_non_null(text);
    strcpy(text, "08:45,1,60\n");
    size_t at = strlen(text);
    memset(text + at, 'x', pad);
    strcpy(text + at + pad, "x,7,60\n09:00,1,60\n");
    /* Where the old reader's second piece began: it would have read ",1,60x..." on. */
    memcpy(text + at + 1019, ",1,60", 5);
    struct outcome o[8];
    int n = read_csv(text, strlen(text), o, 8);
    free(text);
    assert_int_equal(n, 3);
    assert_int_equal(o[0].rc, 1);
    assert_int_equal(o[1].rc, -EINVAL); /* aht_seconds would be "60xxx...x,7,60" */
    assert_int_equal(o[1].line, 2);
    assert_int_equal(o[2].rc, 1);
    assert_int_equal(o[2].line, 3);
}

/* Bad lines are named and skipped; NUL, NaN, infinities and negatives never pass. */
static void test_bad_lines(void **state)
{
    (void)state;
    static const char text[] = "09:00,1,60\n"
                               "09:15,-1,60\n"
                               "09:30,nan,60\n"
                               "09:45,1,inf\n"
                               "10:00,1,0\n"
                               "10:15,1\n"
                               "10:30,1,6\0"
                               "0\n"
                               "10:45,1e400,60\n"
                               "11:00,2,60\n";
    struct outcome o[16];
    int n = read_csv(text, sizeof text - 1, o, 16);
    assert_int_equal(n, 9);
    assert_int_equal(o[0].rc, 1);
    for (int k = 1; k < 8; k++) {
        assert_int_equal(o[k].rc, -EINVAL);
        assert_int_equal(o[k].line, k + 1);
    }
    assert_int_equal(o[8].rc, 1);
    assert_int_equal(o[8].line, 9);
    assert_eq(o[8].contacts, 2);

    /* Only line 1 can be a header. */
    static const char late[] = "09:00,1,60\nstart,contacts,aht\n";
    n = read_csv(late, sizeof late - 1, o, 16);
    assert_int_equal(n, 2);
    assert_int_equal(o[1].rc, -EINVAL);

    /* Nothing at all, or only a header: no rows, no errors. */
    assert_int_equal(read_csv("", 0, o, 16), 0);
    assert_int_equal(read_csv("a,b,c", 5, o, 16), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_header_comments),
        cmocka_unit_test(test_line_ends),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_bad_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
