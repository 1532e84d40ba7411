/* SPDX-License-Identifier: ISC */
/*
 * Tests of the shared small helpers (util.c): the two ways an array grows,
 * division rounded down, the binary heap, and the clocks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
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

/* An element wider than a word, so that the heap's copies must move all of it. */
struct heap_item {
    int key;
    int64_t id;
    char name[12];
};

/* Smaller key first, then smaller id: a strict total order. */
static bool item_first(const void *x, const void *y)
{
    const struct heap_item *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key;
    return a->id < b->id;
}

static int item_cmp(const void *x, const void *y)
{
    return item_first(x, y) ? -1 : item_first(y, x) ? 1 : 0;
}

static struct heap_item item_make(int key, int64_t id)
{
    struct heap_item it = {.key = key, .id = id};
    snprintf(it.name, sizeof it.name, "n%lld", (long long)id);
    return it;
}

static void assert_item_equal(const struct heap_item *a, const struct heap_item *b)
{
    assert_int_equal(a->key, b->key);
    assert_int_equal(a->id, b->id);
    assert_string_equal(a->name, b->name);
}

/*
 * Pushed in a scrambled order with many equal keys, popped: every element
 * comes out once, whole, in the order of item_first (what qsort says).
 */
static void test_heap_sorts(void **state)
{
    (void)state;
    enum { N = 1000 };
    struct heap_item *h = malloc(N * sizeof *h), *ref = malloc(N * sizeof *ref);
    assert_non_null(h);
    assert_non_null(ref);
    uint64_t x = 88172645463325252ULL;
    int n = 0;
    for (int i = 0; i < N; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        ref[i] = item_make((int)(x % 50), i);
        util_heap_push(h, &n, sizeof *h, &ref[i], item_first);
        assert_int_equal(n, i + 1);
    }
    qsort(ref, N, sizeof *ref, item_cmp);
    for (int i = 0; i < N; i++) {
        struct heap_item out;
        util_heap_pop(h, &n, sizeof *h, &out, item_first);
        assert_int_equal(n, N - 1 - i);
        assert_item_equal(&out, &ref[i]);
    }
    free(h);
    free(ref);
}

/*
 * Pushes and pops mixed, as the lazy greedy searches use it (pop the top,
 * push it back with a lower value): each pop is the smallest element held,
 * checked against a plain scan of what should be in the heap.
 */
static void test_heap_mixed(void **state)
{
    (void)state;
    enum { N = 300 };
    struct heap_item h[N], held[N], out;
    int n = 0, n_held = 0;
    uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (int step = 0; step < 3000; step++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bool push = n == 0 || (n < N && x % 3 != 0);
        if (push) {
            struct heap_item it = item_make((int)(x >> 40) % 97, step);
            util_heap_push(h, &n, sizeof *h, &it, item_first);
            held[n_held++] = it;
        } else {
            int m = 0;
            for (int i = 1; i < n_held; i++)
                if (item_first(&held[i], &held[m]))
                    m = i;
            util_heap_pop(h, &n, sizeof *h, &out, item_first);
            assert_item_equal(&out, &held[m]);
            held[m] = held[--n_held];
        }
        assert_int_equal(n, n_held);
    }
    /* Down to one element and empty, then in use again. */
    while (n > 0)
        util_heap_pop(h, &n, sizeof *h, &out, item_first);
    struct heap_item one = item_make(5, 1);
    util_heap_push(h, &n, sizeof *h, &one, item_first);
    util_heap_pop(h, &n, sizeof *h, &out, item_first);
    assert_int_equal(n, 0);
    assert_item_equal(&out, &one);
}

/* The monotonic clock never goes back; the wall clock is the epoch's, as time() says. */
static void test_clocks(void **state)
{
    (void)state;
    double a = util_mono_seconds(), b = util_mono_seconds();
    assert_ge(b, a);
    /*
     * The bounds from CLOCK_REALTIME itself: time() reads the coarse clock,
     * which may be a tick behind across a second's boundary.
     */
    struct timespec t0, t1;
    assert_int_equal(clock_gettime(CLOCK_REALTIME, &t0), 0);
    double wall = util_wall_seconds();
    assert_int_equal(clock_gettime(CLOCK_REALTIME, &t1), 0);
    assert_ge(wall, (double)t0.tv_sec + (double)t0.tv_nsec / 1e9 - 1e-6);
    assert_le(wall, (double)t1.tv_sec + (double)t1.tv_nsec / 1e9 + 1e-6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_keeps_and_zeroes),
        cmocka_unit_test(test_push_refuses_nonsense),
        cmocka_unit_test(test_grow),
        cmocka_unit_test(test_floor_div),
        cmocka_unit_test(test_heap_sorts),
        cmocka_unit_test(test_heap_mixed),
        cmocka_unit_test(test_clocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
