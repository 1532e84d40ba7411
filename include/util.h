/* SPDX-License-Identifier: ISC */
/*
 * util.h — the small helpers every module needs, written once.
 *
 *   if (util_grow((void **)&v, &cap, n + 1, sizeof *v) < 0) goto out;  // room for n + 1
 *   v[n++] = x;
 *   struct window *w = util_push((void **)&ag->windows, &ag->n_windows, sizeof *w);
 *   if (w == NULL) goto out;                     // an array with a count and no capacity
 *   *w = x;                                      // (*w was zeroed; n_windows is one more)
 *   int64_t week = util_floor_div(day + 3, 7);  // rounds towards minus infinity
 *   double t0 = util_mono_seconds();             // for durations
 *   double at = util_wall_seconds();             // for what is recorded
 *   util_heap_push(h, &n, sizeof *h, &x, x_first);  // a binary heap in h[]
 *   util_heap_pop(h, &n, sizeof *h, &x, x_first);   // its first element into x
 *
 * STAFFD_MUSTCHECK marks a result the caller must look at (it is an error
 * code, or the only way to know what happened), after the declaration:
 *   int db_exec(...) STAFFD_MUSTCHECK;
 * It is on every int status a failure can hide in and on every function that
 * hands over memory (a dropped result leaks). Not on counts and getters, nor
 * on text_printf(), whose "it was shortened" is safe to ignore.
 */
#ifndef STAFFD_UTIL_H
#define STAFFD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STAFFD_MUSTCHECK __attribute__((warn_unused_result))

/*
 * Makes *p hold at least `need` elements of `size` bytes, doubling from 16,
 * so that pushing n elements one by one copies O(n) bytes in all. 0, or
 * -ENOMEM with *p and *cap unchanged.
 */
int util_grow(void **p, int *cap, int need, size_t size) STAFFD_MUSTCHECK;

/*
 * Appends one zeroed element of `size` bytes to *p, which holds *n, and
 * returns it (*n is then one more), or NULL (-ENOMEM) with *p and *n
 * unchanged. For arrays that keep a count but no capacity: the room doubles
 * whenever *n reaches a power of two, so such an array must grow only through
 * util_push, from NULL and 0 (never after an allocation of another size).
 */
void *util_push(void **p, int *n, size_t size) STAFFD_MUSTCHECK;

/* a / b rounded towards minus infinity (b > 0): days and weeks before 1970 too. */
int64_t util_floor_div(int64_t a, int64_t b);

/*
 * A binary heap in an array the caller owns: base holds *n elements of `size`
 * bytes, and before(a, b) is true when a must come out before b (a strict
 * order; elements it cannot tell apart come out in no set order). Push copies
 * *elem in (base needs room for *n + 1 elements); pop copies the first
 * element out to *out and removes it (*n > 0). Neither elem nor out may point
 * into base. O(log n), no allocation. The lazy greedy searches of hiring.c
 * and recruit.c keep their candidates in one.
 */
typedef bool (*util_before_fn)(const void *a, const void *b);
void util_heap_push(void *base, int *n, size_t size, const void *elem, util_before_fn before);
void util_heap_pop(void *base, int *n, size_t size, void *out, util_before_fn before);

/* Seconds on a clock that never jumps (durations, deadlines). */
double util_mono_seconds(void);
/* Seconds since the epoch (what is recorded and shown). */
double util_wall_seconds(void);

#endif
