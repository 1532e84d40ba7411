/* SPDX-License-Identifier: ISC */
/*
 * testutil.h — small helpers shared by the unit tests (header-only).
 */
#ifndef STAFFD_TESTUTIL_H
#define STAFFD_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Comparisons that say what they compared (issue #13). On failure they print
 * both expressions and their values through fail_msg, e.g.
 *
 *     ERROR: x = 3.5 is not <= y = 3
 *
 * and cmocka adds the file and line of the assertion. A side that is a plain
 * number is printed once ("n = 0 is not > 0").
 *
 * assert_lt/le/gt/ge/eq(a, b): a < b, a <= b, a > b, a >= b, a == b, each
 * operand evaluated once. The common type of a and b (C's usual arithmetic
 * conversions) decides how: if either is floating, as doubles, exactly as
 * C compares them (printed to the shortest digits that read back as the same
 * double); otherwise as intmax_t or uintmax_t by the signedness of that type,
 * printed in decimal, negative numbers as such (C's result too, except where
 * a negative number meets an unsigned one).
 * Any other type does not compile.
 * For integer equality prefer cmocka's assert_int_equal; assert_eq is for
 * doubles compared exactly.
 *
 * assert_near(a, b, eps): fabs(a - b) <= eps in double precision (cmocka
 * 1.1.5's assert_float_equal converts to float, which loses both the values
 * and any eps below float precision). NaN is never near anything.
 */
enum test_cmp_op { TEST_LT, TEST_LE, TEST_GT, TEST_GE, TEST_EQ };

#define assert_lt(a, b) TEST_CMP_(a, TEST_LT, b)
#define assert_le(a, b) TEST_CMP_(a, TEST_LE, b)
#define assert_gt(a, b) TEST_CMP_(a, TEST_GT, b)
#define assert_ge(a, b) TEST_CMP_(a, TEST_GE, b)
#define assert_eq(a, b) TEST_CMP_(a, TEST_EQ, b)
#define assert_near(a, b, eps)                                                                     \
    do {                                                                                           \
        char test_msg_[1024];                                                                      \
        if (!test_near_((a), (b), (eps), #a, #b, #eps, test_msg_, sizeof test_msg_))               \
            fail_msg("%s", test_msg_);                                                             \
    } while (0)

/* The common type of a and b picks the comparison; (a) + (b) itself is not evaluated. */
/* clang-format off */
#define TEST_CMP_(a, op, b)                                                                        \
    do {                                                                                           \
        char test_msg_[1024];                                                                      \
        if (!_Generic((a) + (b),                                                                   \
                      int: test_cmp_i_, long: test_cmp_i_, long long: test_cmp_i_,                 \
                      unsigned int: test_cmp_u_, unsigned long: test_cmp_u_,                       \
                      unsigned long long: test_cmp_u_,                                             \
                      float: test_cmp_d_, double: test_cmp_d_)                                     \
                ((a), (b), op, #a, #b, test_msg_, sizeof test_msg_))                               \
            fail_msg("%s", test_msg_);                                                             \
    } while (0)
/* clang-format on */

static inline const char *test_op_text_(enum test_cmp_op op)
{
    static const char *const text[] = {"<", "<=", ">", ">=", "=="};
    return text[op];
}

/* "expr = value", or only the expression when it is a plain number (a literal). */
static inline void test_side_(char *out, size_t size, const char *expr, const char *value)
{
    char *end;
    (void)strtod(expr, &end);
    if (end != expr && *end == '\0')
        snprintf(out, size, "%s", expr);
    else
        snprintf(out, size, "%s = %s", expr, value);
}

static inline void test_explain_(char *msg, size_t size, const char *ea, const char *va,
                                 enum test_cmp_op op, const char *eb, const char *vb)
{
    char left[224], right[224];
    test_side_(left, sizeof left, ea, va);
    test_side_(right, sizeof right, eb, vb);
    snprintf(msg, size, "%s is not %s %s", left, test_op_text_(op), right);
}

/*
 * The shortest %g that reads back as x (17 significant digits always do),
 * written out in full when that is no longer than 17 digits: 240, not 2.4e+02.
 */
static inline void test_fmt_double_(char *out, size_t size, double x)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(out, size, "%.*g", digits, x);
        if (strtod(out, NULL) == x) {
            const char *e = strchr(out, 'e');
            int exponent = e ? atoi(e + 1) : 0;
            if (exponent >= digits && exponent < 17)
                snprintf(out, size, "%.*g", exponent + 1, x);
            return;
        }
    }
}

static inline bool test_holds_(enum test_cmp_op op, int cmp)
{
    switch (op) {
    case TEST_LT:
        return cmp < 0;
    case TEST_LE:
        return cmp <= 0;
    case TEST_GT:
        return cmp > 0;
    case TEST_GE:
        return cmp >= 0;
    case TEST_EQ:
        return cmp == 0;
    }
    return false;
}

static inline bool test_cmp_i_(intmax_t a, intmax_t b, enum test_cmp_op op, const char *ea,
                               const char *eb, char *msg, size_t size)
{
    if (test_holds_(op, (a > b) - (a < b)))
        return true;
    char va[32], vb[32];
    snprintf(va, sizeof va, "%" PRIdMAX, a);
    snprintf(vb, sizeof vb, "%" PRIdMAX, b);
    test_explain_(msg, size, ea, va, op, eb, vb);
    return false;
}

static inline bool test_cmp_u_(uintmax_t a, uintmax_t b, enum test_cmp_op op, const char *ea,
                               const char *eb, char *msg, size_t size)
{
    if (test_holds_(op, (a > b) - (a < b)))
        return true;
    char va[32], vb[32];
    snprintf(va, sizeof va, "%" PRIuMAX, a);
    snprintf(vb, sizeof vb, "%" PRIuMAX, b);
    test_explain_(msg, size, ea, va, op, eb, vb);
    return false;
}

static inline bool test_cmp_d_(double a, double b, enum test_cmp_op op, const char *ea,
                               const char *eb, char *msg, size_t size)
{
    /* Spelled out rather than through a three-way result: NaN satisfies none of them. */
    bool ok = op == TEST_LT   ? a < b
              : op == TEST_LE ? a <= b
              : op == TEST_GT ? a > b
              : op == TEST_GE ? a >= b
                              : a == b;
    if (ok)
        return true;
    char va[32], vb[32];
    test_fmt_double_(va, sizeof va, a);
    test_fmt_double_(vb, sizeof vb, b);
    test_explain_(msg, size, ea, va, op, eb, vb);
    return false;
}

static inline bool test_near_(double a, double b, double eps, const char *ea, const char *eb,
                              const char *eeps, char *msg, size_t size)
{
    if (fabs(a - b) <= eps)
        return true;
    char va[32], vb[32], veps[32], vd[32], left[160], right[160], within[160];
    test_fmt_double_(va, sizeof va, a);
    test_fmt_double_(vb, sizeof vb, b);
    test_fmt_double_(veps, sizeof veps, eps);
    test_fmt_double_(vd, sizeof vd, a - b);
    test_side_(left, sizeof left, ea, va);
    test_side_(right, sizeof right, eb, vb);
    test_side_(within, sizeof within, eeps, veps);
    snprintf(msg, size, "%s is not within %s of %s (difference %s)", left, within, right, vd);
    return false;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's well-known formula). */
static inline int32_t test_civil_days(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

#ifdef STAFFD_NRP_H
#include <stdio.h>
#include <stdlib.h>
/*
 * Benchmark instance n (tests/data/nrp, or $STAFFD_TEST_DATA/nrp) as parsed and
 * as an engine model. Include cmocka.h and nrp.h before this header.
 */
static inline void test_load_benchmark(int n, struct nrp_instance *I, struct engine_instance **E)
{
    char path[512], err[256];
    const char *dir = getenv("STAFFD_TEST_DATA");
    snprintf(path, sizeof path, "%s/nrp/Instance%d.txt", dir && *dir ? dir : "tests/data", n);
    assert_int_equal(nrp_load(path, I, err, sizeof err), 0);
    assert_int_equal(nrp_to_engine(I, E), 0);
}
#endif

#ifdef STAFFD_ENGINE_H
#include <pthread.h>
#include <stdatomic.h>
/*
 * A virtual clock in microseconds: each read advances it by inc[phase]
 * ticks, and records the phase; threads share it. With lp_paced, reads from
 * the test's own thread (engine_solve runs thread 0 on it) advance it by a
 * single tick: the LP thread (the other one) then sets the pace, so that
 * its column generation, which reads the clock seldom, is not overtaken by
 * thread 0's many cheap steps (the recombination at three quarters of the
 * run must come after the LP's dive, as in real time).
 */
struct vclock {
    atomic_long ticks;
    long inc[ENGINE_PHASE_COUNT];
    atomic_int seen[ENGINE_PHASE_COUNT];
    bool lp_paced;
    pthread_t self;
};

static inline double vclock_read(void *ctx, enum engine_phase phase)
{
    struct vclock *c = ctx;
    atomic_fetch_add(&c->seen[phase], 1);
    long inc = c->lp_paced && pthread_equal(pthread_self(), c->self) ? 1 : c->inc[phase];
    return (double)atomic_fetch_add(&c->ticks, inc) * 1e-6;
}

/*
 * inc ms a read, but nothing for the DP's (one a day: its loops end by
 * themselves, and the virtual time is for the phases' own loops).
 */
static inline void vclock_init(struct vclock *c, long inc_ms, bool lp_paced)
{
    atomic_store(&c->ticks, 0);
    for (int i = 0; i < ENGINE_PHASE_COUNT; i++) {
        c->inc[i] = i == ENGINE_PHASE_DP ? 0 : 1000 * inc_ms;
        atomic_store(&c->seen[i], 0);
    }
    c->lp_paced = lp_paced;
    c->self = pthread_self();
}

/* How often phase read the clock (a function, so that a failed assertion names the phase). */
static inline int vclock_reads(struct vclock *c, enum engine_phase phase)
{
    return atomic_load(&c->seen[phase]);
}
#endif

#endif
