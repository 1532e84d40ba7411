/* SPDX-License-Identifier: ISC */
/*
 * util.c — small helpers shared by every module (see include/util.h).
 */
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int util_grow(void **p, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return 0;
    if (need < 0 || size == 0)
        return -ENOMEM;
    int c = *cap > 0 ? *cap : 16;
    while (c < need) {
        if (c > (1 << 29))
            return -ENOMEM; /* beyond what any array here needs: a bug or an attack */
        c *= 2;
    }
    void *np = realloc(*p, (size_t)c * size);
    if (np == NULL)
        return -ENOMEM;
    *p = np;
    *cap = c;
    return 0;
}

void *util_push(void **p, int *n, size_t size)
{
    int k = *n;
    if (k < 0 || size == 0)
        return NULL;
    if (k == 0 || (k & (k - 1)) == 0) { /* full: 0, 1, 2, 4, ... held */
        if (k > (1 << 29))
            return NULL;
        void *np = realloc(*p, (size_t)(k ? 2 * k : 1) * size);
        if (np == NULL)
            return NULL;
        *p = np;
    }
    void *e = (char *)*p + (size_t)k * size;
    memset(e, 0, size);
    *n = k + 1;
    return e;
}

int64_t util_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0))
        q--;
    return q;
}

static void *heap_at(void *base, int i, size_t size)
{
    return (char *)base + (size_t)i * size;
}

/* Moves the hole at the end up past every parent that elem must come out before. */
void util_heap_push(void *base, int *n, size_t size, const void *elem, util_before_fn before)
{
    int i = (*n)++;
    while (i > 0) {
        int up = (i - 1) / 2;
        if (!before(elem, heap_at(base, up, size)))
            break;
        memcpy(heap_at(base, i, size), heap_at(base, up, size), size);
        i = up;
    }
    memcpy(heap_at(base, i, size), elem, size);
}

/*
 * The last element fills the hole at the top, sifted down; it stays where it
 * was (past the new end) until its place is found, so it needs no copy.
 */
void util_heap_pop(void *base, int *n, size_t size, void *out, util_before_fn before)
{
    memcpy(out, base, size);
    const void *last = heap_at(base, --(*n), size);
    int i = 0;
    for (;;) {
        int l = 2 * i + 1, best = i;
        const void *bv = last;
        if (l < *n && before(heap_at(base, l, size), bv)) {
            best = l;
            bv = heap_at(base, l, size);
        }
        if (l + 1 < *n && before(heap_at(base, l + 1, size), bv))
            best = l + 1;
        if (best == i)
            break;
        memcpy(heap_at(base, i, size), heap_at(base, best, size), size);
        i = best;
    }
    if (*n > 0)
        memcpy(heap_at(base, i, size), last, size);
}

double util_mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double util_wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
