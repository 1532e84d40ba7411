/* SPDX-License-Identifier: ISC */
/*
 * Tests of the shared small helpers (util.c): the two ways an array grows,
 * division rounded down, and the clocks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util.h"
#include "testutil.h"

struct item {
    int64_t id;
    char name[12];
};

/* Pushed one by one from NULL: each element starts zeroed, and none is lost on a move. */
static void test_push_keeps_and_zeroes(void **state)
{
    (void)state;
    struct item *v = NULL;
    int n = 0;
    for (int i = 0; i < 1000; i++) {
        struct item *e = util_push((void **)&v, &n, sizeof *e);
        assert_non_null(e);
        assert_int_equal(n, i + 1);
        assert_ptr_equal(e, &v[i]);
        assert_int_equal(e->id, 0);
        assert_int_equal(e->name[0], 0);
        e->id = i * 7;
        /* Dirty the room past the element: the next push must zero it all the same. */
        memset(e->name, 'x', sizeof e->name);
    }
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(v[i].id, i * 7);
        assert_memory_equal(v[i].name, "xxxxxxxxxxxx", sizeof v[i].name);
    }
    free(v);
}

/* Refused, not overflowed: a negative count or a zero size leaves the array as it was. */
static void test_push_refuses_nonsense(void **state)
{
    (void)state;
    int *v = NULL, n = -1;
    assert_null(util_push((void **)&v, &n, sizeof *v));
    assert_null(v);
    assert_int_equal(n, -1);
    n = 0;
    assert_null(util_push((void **)&v, &n, 0));
    assert_int_equal(n, 0);
}

static void test_grow(void **state)
{
    (void)state;
    int *v = NULL, cap = 0;
    assert_int_equal(util_grow((void **)&v, &cap, 1, sizeof *v), 0);
    assert_int_equal(cap, 16); /* the first room */
    v[0] = 5;
    assert_int_equal(util_grow((void **)&v, &cap, 16, sizeof *v), 0);
    assert_int_equal(cap, 16); /* enough already: unchanged */
    assert_int_equal(util_grow((void **)&v, &cap, 17, sizeof *v), 0);
    assert_int_equal(cap, 32); /* doubled */
    assert_int_equal(util_grow((void **)&v, &cap, 100, sizeof *v), 0);
    assert_int_equal(cap, 128);
    assert_int_equal(v[0], 5);
    int *before = v;
    assert_int_equal(util_grow((void **)&v, &cap, INT32_MAX, sizeof *v), -ENOMEM);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, 128);
    free(v);
}

static void test_floor_div(void **state)
{
    (void)state;
    assert_int_equal(util_floor_div(7, 7), 1);
    assert_int_equal(util_floor_div(6, 7), 0);
    assert_int_equal(util_floor_div(0, 7), 0);
    /* Before 1970: C's division rounds towards zero, the calendar towards minus infinity. */
    assert_int_equal(util_floor_div(-1, 7), -1);
    assert_int_equal(util_floor_div(-7, 7), -1);
    assert_int_equal(util_floor_div(-8, 7), -2);
    assert_int_equal(util_floor_div(-86399, 86400), -1);
    assert_int_equal(util_floor_div(-86400, 86400), -1);
}

/* The monotonic clock never goes back; the wall clock is the epoch's, as time() says. */
static void test_clocks(void **state)
{
    (void)state;
    double a = util_mono_seconds(), b = util_mono_seconds();
    assert_ge(b, a);
    time_t before = time(NULL);
    double wall = util_wall_seconds();
    time_t after = time(NULL);
    assert_ge(wall, (double)before);
    assert_lt(wall, (double)after + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_keeps_and_zeroes),
        cmocka_unit_test(test_push_refuses_nonsense),
        cmocka_unit_test(test_grow),
        cmocka_unit_test(test_floor_div),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
