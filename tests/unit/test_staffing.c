/* SPDX-License-Identifier: ISC */
/*
 * test_staffing.c — tests for daemon/staffing.c.
 *
 * The published figures in tests/data/erlang_reference.csv (directory from
 * STAFFD_TEST_DATA, else tests/data relative to the repository root) and the
 * README's worked examples are reproduced to the digits given. Everything
 * else is checked against independent computations written here from the
 * definitions, by different methods than the module uses: Erlang B/C from
 * log-sum-exp Poisson sums, Erlang A from its birth-death chain with the
 * waiting-time law as negative-binomial sums, plus property tests
 * (monotonicity, limits, minimality of every requirement, no NaN anywhere in
 * 0 .. 10,000 Erlangs) and hand-worked chat and email cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "staffing.h"
#include "testutil.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ----------------------------------------------------------- */

/* 100 calls per 30 minutes at 180 s: 10 Erlangs, 80 % within 20 s. */
static struct staffing_params voice(double contacts, double aht_seconds)
{
    return (struct staffing_params){
        .contacts = contacts,
        .interval_seconds = 1800.0,
        .aht_seconds = aht_seconds,
        .service_level = 0.8,
        .target_seconds = 20.0,
        .max_occupancy = 1.0,
        .shrinkage = 0.0,
        .concurrency = 1,
    };
}

/* Params whose traffic is exactly `erlangs` (AHT 180 s, 30-minute interval). */
static struct staffing_params traffic(double erlangs)
{
    return voice(erlangs * 10.0, 180.0);
}

static struct staffing_prediction predict(const struct staffing_params *p, double agents)
{
    struct staffing_prediction out;
    int rc = staffing_predict(p, agents, &out);
    assert_int_equal(rc, 0);
    return out;
}

static struct staffing_requirement require(const struct staffing_params *p)
{
    struct staffing_requirement out;
    int rc = staffing_required(p, &out);
    assert_int_equal(rc, 0);
    return out;
}

static void assert_sane(const struct staffing_prediction *x, bool erlang_a)
{
    assert_ge(x->wait_probability, 0.0);
    assert_le(x->wait_probability, 1.0);
    assert_ge(x->service_level, 0.0);
    assert_le(x->service_level, 1.0);
    assert_ge(x->occupancy, 0.0);
    assert_le(x->occupancy, 1.0);
    assert_ge(x->abandonment, 0.0);
    assert_le(x->abandonment, 1.0);
    assert_false(isnan(x->asa_seconds));
    assert_ge(x->asa_seconds, 0.0);
    if (erlang_a)
        assert_true(isfinite(x->asa_seconds));
}

/* ---- independent references ------------------------------------------- */

static double log_add(double x, double y)
{
    if (x < y) {
        double t = x;
        x = y;
        y = t;
    }
    return y == -INFINITY ? x : x + log1p(exp(y - x));
}

/* ln a^k / k! */
static double log_poisson_term(double a, long k)
{
    return (double)k * log(a) - lgamma((double)k + 1.0);
}

/* Erlang C from its textbook definition, summed in log space:
 * C = T / (sum_{k<n} a^k/k! + T), T = a^n/n! * n/(n-a). Also SL and ASA. */
static void ref_erlang_c(double a, long n, double aht, double t, double *pw, double *sl,
                         double *asa)
{
    double head = -INFINITY;
    for (long k = 0; k < n; k++)
        head = log_add(head, log_poisson_term(a, k));
    double tail = log_poisson_term(a, n) + log((double)n / ((double)n - a));
    double c = exp(tail - log_add(head, tail));
    *pw = c;
    *sl = 1.0 - c * exp(-((double)n - a) * t / aht);
    *asa = c * aht / ((double)n - a);
}

struct ref_a {
    double pw, sl, abandonment, occupancy;
};

/*
 * Erlang A (M/M/n+M) straight from its birth-death chain: pi_k ~ a^k/k! up to
 * n, then pi_{n+j} = pi_{n+j-1} * lambda / (n mu + j theta). An arrival that
 * finds j waiting is served within T iff its (patience-independent) virtual
 * wait, a sum of exponentials with rates n mu + i theta (i = 0..j), ends before
 * both T and its patience: probability x/(x+j+1) * I_z(j+1, x+1) with
 * x = n mu/theta, z = 1 - exp(-theta T), the incomplete beta written as a
 * negative-binomial sum. Abandonment = theta E[queue] / lambda.
 */
static struct ref_a ref_erlang_a(double a, long n, double aht, double patience, double t)
{
    double lambda = a / aht, mu = 1.0 / aht, theta = 1.0 / patience;
    double x = (double)n * mu / theta, z = -expm1(-theta * t);
    double log_norm = -INFINITY, log_idle = -INFINITY, log_busy = -INFINITY;
    static double log_q[200000]; /* ln pi_{n+j} */
    long jmax = 0;

    for (long k = 0; k <= n; k++) {
        double lp = log_poisson_term(a, k);
        log_norm = log_add(log_norm, lp);
        if (k < n)
            log_idle = log_add(log_idle, lp);
        if (k > 0)
            log_busy = log_add(log_busy, lp + log((double)k));
    }
    log_q[0] = log_poisson_term(a, n);
    for (long j = 1; j < 200000; j++) {
        log_q[j] = log_q[j - 1] + log(lambda / ((double)n * mu + (double)j * theta));
        log_norm = log_add(log_norm, log_q[j]);
        log_busy = log_add(log_busy, log_q[j] + log((double)n));
        jmax = j;
        if (log_q[j] < log_norm - 60.0 && (double)j * theta > lambda)
            break;
    }

    struct ref_a r = {0};
    double nb_cum = 0.0; /* sum_{i<=j} of the negative-binomial terms */
    double served_in_time = exp(log_idle - log_norm);
    double queue = 0.0;
    for (long j = 0; j <= jmax; j++) {
        double pj = exp(log_q[j] - log_norm);
        r.pw += pj;
        queue += (double)j * pj;
        if (t > 0.0) {
            double log_d = lgamma(x + 1.0 + (double)j) - lgamma(x + 1.0) - lgamma((double)j + 1.0) +
                           (double)j * log(z) + (x + 1.0) * log1p(-z);
            nb_cum += exp(log_d);
            served_in_time += pj * x / (x + (double)j + 1.0) * fmax(0.0, 1.0 - nb_cum);
        }
    }
    r.sl = served_in_time;
    r.abandonment = theta * queue / lambda;
    r.occupancy = exp(log_busy - log_norm) / (double)n;
    return r;
}

/* ---- published figures ------------------------------------------------- */

/* Half a unit in the last digit shown: "0.1741319336" -> 5e-11. */
static double digits_tolerance(const char *text)
{
    const char *dot = strchr(text, '.');
    size_t decimals = dot ? strlen(dot + 1) : 0;
    return 0.5 * pow(10.0, -(double)decimals) + 1e-15;
}

static void check_figure(double got, const char *text, const char *what, int row)
{
    if (text[0] == '\0')
        return;
    double want = strtod(text, NULL);
    double tol = digits_tolerance(text);
    if (!(fabs(got - want) <= tol)) {
        print_error("row %d %s: got %.12g, published %s\n", row, what, got, text);
        fail();
    }
}

static void test_reference_csv(void **state)
{
    (void)state;
    const char *dir = getenv("STAFFD_TEST_DATA");
    char path[4096];
    snprintf(path, sizeof path, "%s/erlang_reference.csv", dir ? dir : "tests/data");
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        print_error("cannot open %s (run from the repository root or set STAFFD_TEST_DATA)\n",
                    path);
        fail();
    }

    char line[2048];
    int rows = 0, erlang_a_rows = 0;
    assert_non_null(fgets(line, sizeof line, f)); /* header */
    assert_non_null(strstr(line, "wait_probability"));
    while (fgets(line, sizeof line, f)) {
        char *field[13] = {0};
        int nf = 0;
        char *cursor = line;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0')
            continue;
        while (nf < 13) {
            field[nf++] = cursor;
            char *comma = strchr(cursor, ',');
            if (comma == NULL)
                break;
            *comma = '\0';
            cursor = comma + 1;
        }
        assert_ge(nf, 12);
        rows++;

        bool erlang_a = strcmp(field[0], "erlang_a") == 0;
        if (!erlang_a)
            assert_string_equal(field[0], "erlang_c");
        erlang_a_rows += erlang_a;
        struct staffing_params p = voice(strtod(field[1], NULL), strtod(field[3], NULL));
        p.interval_seconds = strtod(field[2], NULL);
        p.target_seconds = strtod(field[4], NULL);
        p.patience_seconds = field[5][0] ? strtod(field[5], NULL) : 0.0;
        assert_int_equal(erlang_a, p.patience_seconds > 0.0);

        struct staffing_prediction x = predict(&p, strtod(field[6], NULL));
        check_figure(x.wait_probability, field[7], "wait_probability", rows);
        check_figure(x.service_level, field[8], "service_level", rows);
        check_figure(x.asa_seconds, field[9], "asa_seconds", rows);
        check_figure(x.occupancy, field[10], "occupancy", rows);
        check_figure(x.abandonment, field[11], "abandon_probability", rows);
    }
    fclose(f);
    assert_ge(rows, 2);
    assert_ge(erlang_a_rows, 1);
}

/* README: 10 Erlangs, 80/20 -> 14 agents; 30 % shrinkage -> 20 scheduled. */
static void test_worked_example_shrinkage(void **state)
{
    (void)state;
    struct staffing_params p = voice(100.0, 180.0);
    p.shrinkage = 0.3;
    struct staffing_requirement r = require(&p);
    assert_int_equal(r.agents, 14);
    assert_gt(r.agents_fractional, 13.0);
    assert_le(r.agents_fractional, 14.0);
    assert_near(r.scheduled, 14.0 / 0.7, 1e-12);
    assert_int_equal(r.scheduled_rounded, 20);
    /* 21 / (1 - 0.3) is 30.000000000000004 in binary: no 31st agent for that. */
    struct staffing_requirement part = {.agents = 21, .agents_fractional = 21.0}, all;
    assert_int_equal(staffing_combine(&part, 1, 0.3, &all), 0);
    assert_gt(all.scheduled, 30.0);
    assert_int_equal(all.scheduled_rounded, 30);

    p.shrinkage = 0.0;
    r = require(&p);
    assert_int_equal(r.scheduled_rounded, 14);
}

/* README: capping occupancy at 0.70 -> 15 agents, 22 scheduled. */
static void test_worked_example_occupancy(void **state)
{
    (void)state;
    struct staffing_params p = voice(100.0, 180.0);
    p.shrinkage = 0.3;
    p.max_occupancy = 0.7;
    struct staffing_requirement r = require(&p);
    assert_int_equal(r.agents, 15);
    assert_int_equal(r.scheduled_rounded, 22);
    assert_le(predict(&p, 15).occupancy, 0.7);
    assert_gt(predict(&p, 14).occupancy, 0.7);
    /* Fractional: where the interpolated occupancy reaches the cap. */
    assert_near(predict(&p, r.agents_fractional).occupancy, 0.7, 1e-12);
}

/* README: patience 300 s -> Erlang A needs fewer agents than Erlang C. */
static void test_worked_example_erlang_a_fewer(void **state)
{
    (void)state;
    struct staffing_params p = voice(100.0, 180.0);
    struct staffing_requirement c = require(&p);
    p.patience_seconds = 300.0;
    struct staffing_requirement a = require(&p);
    assert_int_equal(c.agents, 14);
    assert_lt(a.agents, c.agents);
    assert_lt(a.agents_fractional, c.agents_fractional);
    /* And the Erlang A count is right by the independent chain. */
    struct ref_a at = ref_erlang_a(10.0, a.agents, 180.0, 300.0, 20.0);
    struct ref_a below = ref_erlang_a(10.0, a.agents - 1, 180.0, 300.0, 20.0);
    assert_ge(at.sl, 0.8);
    assert_lt(below.sl, 0.8);
}

/* README: Erlang A -> Erlang C as patience grows without bound. */
static void test_erlang_a_converges_to_c(void **state)
{
    (void)state;
    static const double loads[] = {1.0, 10.0, 250.0};
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
        struct staffing_params p = traffic(loads[i]);
        struct staffing_requirement rc = require(&p);
        double n = (double)rc.agents;
        struct staffing_prediction c = predict(&p, n);
        double prev = INFINITY;
        for (double ratio = 1.0; ratio <= 1e5; ratio *= 10.0) {
            p.patience_seconds = ratio * p.aht_seconds;
            struct staffing_prediction x = predict(&p, n);
            double gap = fabs(x.service_level - c.service_level) +
                         fabs(x.wait_probability - c.wait_probability) +
                         fabs(x.asa_seconds - c.asa_seconds) / p.aht_seconds +
                         fabs(x.occupancy - c.occupancy) + x.abandonment;
            assert_lt(gap, prev);
            prev = gap;
        }
        /* The gap shrinks like 1 / patience. */
        assert_lt(prev, 1e-4);
        struct staffing_requirement ra = require(&p);
        assert_int_equal(ra.agents, rc.agents);
        assert_near(ra.agents_fractional, rc.agents_fractional, 1e-3);
    }
}

/* ---- independent cross-checks ------------------------------------------ */

static void test_erlang_c_matches_definition(void **state)
{
    (void)state;
    static const double loads[] = {0.05, 0.7, 3.0, 10.0, 42.5, 333.3, 2500.0, 10000.0};
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
        double a = loads[i];
        struct staffing_params p = traffic(a);
        long first = (long)floor(a) + 1;
        long ns[] = {first, first + 1, (long)(a + sqrt(a)) + 1, (long)(a + 3.0 * sqrt(a)) + 2};
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++) {
            double pw, sl, asa;
            ref_erlang_c(a, ns[j], 180.0, 20.0, &pw, &sl, &asa);
            struct staffing_prediction x = predict(&p, (double)ns[j]);
            assert_near(x.wait_probability, pw, 1e-11 + 1e-9 * pw);
            assert_near(x.service_level, sl, 1e-11);
            assert_near(x.asa_seconds, asa, 1e-9 * (1.0 + asa));
            assert_near(x.occupancy, a / (double)ns[j], 1e-15);
            assert_near(x.abandonment, 0.0, 0.0);
        }
    }
}

/* The requirement equals a plain scan over the textbook formula, from a
 * fraction of an Erlang to 10,000: no rounding or overflow changes an answer. */
static void test_erlang_c_requirement_scan(void **state)
{
    (void)state;
    static const double loads[] = {0.1,   0.5,   1.0,    2.0,    7.3,    20.0,   55.0,
                                   100.0, 480.0, 1000.0, 3100.0, 5000.0, 10000.0};
    static const double levels[] = {0.5, 0.8, 0.95};
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
        for (size_t j = 0; j < sizeof levels / sizeof levels[0]; j++) {
            double a = loads[i];
            struct staffing_params p = traffic(a);
            p.service_level = levels[j];
            /* Scan n = floor(a)+1, ... keeping the Poisson head sum incrementally. */
            double head = -INFINITY;
            long n = 0;
            for (; (double)n <= a; n++)
                head = log_add(head, log_poisson_term(a, n));
            for (;; n++) {
                double tail = log_poisson_term(a, n) + log((double)n / ((double)n - a));
                double c = exp(tail - log_add(head, tail));
                if (1.0 - c * exp(-((double)n - a) * 20.0 / 180.0) >= levels[j])
                    break;
                head = log_add(head, log_poisson_term(a, n));
            }
            struct staffing_requirement r = require(&p);
            if (r.agents != n)
                print_error("a=%g sl=%g: got %d, scan %ld\n", a, levels[j], r.agents, n);
            assert_int_equal(r.agents, n);
        }
    }
}

static void test_erlang_a_matches_birth_death(void **state)
{
    (void)state;
    static const double loads[] = {0.5, 3.0, 10.0, 24.0};
    static const double patience[] = {20.0, 300.0, 3000.0};
    static const double targets[] = {0.0, 20.0, 150.0};
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
        double a = loads[i];
        long ns[] = {1, (long)(0.6 * a) + 1, (long)a, (long)a + 1, (long)(a + 2.0 * sqrt(a)) + 2};
        for (size_t j = 0; j < sizeof patience / sizeof patience[0]; j++) {
            for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++) {
                struct staffing_params p = traffic(a);
                p.patience_seconds = patience[j];
                p.target_seconds = targets[k];
                for (size_t m = 0; m < sizeof ns / sizeof ns[0]; m++) {
                    if (ns[m] < 1)
                        continue;
                    struct ref_a want = ref_erlang_a(a, ns[m], 180.0, patience[j], targets[k]);
                    struct staffing_prediction x = predict(&p, (double)ns[m]);
                    assert_near(x.wait_probability, want.pw, 1e-10);
                    assert_near(x.service_level, want.sl, 1e-9);
                    assert_near(x.abandonment, want.abandonment, 1e-10);
                    assert_near(x.occupancy, want.occupancy, 1e-10);
                    /* ASA over all arrivals, abandoners' time included: by
                     * Little's law E[queue] / lambda = abandonment * patience. */
                    assert_near(x.asa_seconds, want.abandonment * patience[j], 1e-7);
                }
            }
        }
    }
}

/* Patience -> 0: callers who find everyone busy leave at once, so Erlang A
 * becomes the loss system: P(wait) = ErlangB, SL = 1 - ErlangB. */
static void test_erlang_a_short_patience_is_erlang_b(void **state)
{
    (void)state;
    static const double loads[] = {2.0, 10.0, 80.0};
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
        double a = loads[i];
        long n = (long)a;
        double head = -INFINITY;
        for (long k = 0; k <= n; k++)
            head = log_add(head, log_poisson_term(a, k));
        double b = exp(log_poisson_term(a, n) - head);
        struct staffing_params p = traffic(a);
        p.patience_seconds = 1e-4;
        struct staffing_prediction x = predict(&p, (double)n);
        assert_near(x.wait_probability, b, 1e-5);
        assert_near(x.service_level, 1.0 - b, 1e-5);
        assert_near(x.abandonment, b, 1e-5);
    }
}

/* ---- properties -------------------------------------------------------- */

static void test_zero_demand(void **state)
{
    (void)state;
    struct staffing_params cases[6];
    cases[0] = voice(0.0, 180.0);
    cases[1] = voice(0.0, 0.0); /* no contacts, no measured AHT */
    cases[2] = voice(0.0, 180.0);
    cases[2].patience_seconds = 120.0;
    cases[3] = voice(0.0, 300.0);
    cases[3].concurrency = 3;
    cases[3].max_occupancy = 0.8;
    cases[4] = voice(0.0, 180.0);
    cases[4].target_asa = 15.0;
    cases[5] = voice(0.0, 180.0);
    cases[5].patience_seconds = 60.0;
    cases[5].target_asa = 15.0;
    cases[5].shrinkage = 0.35;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct staffing_requirement r = require(&cases[i]);
        assert_int_equal(r.agents, 0);
        assert_eq(r.agents_fractional, 0.0);
        assert_eq(r.scheduled, 0.0);
        assert_int_equal(r.scheduled_rounded, 0);
        struct staffing_prediction x = predict(&cases[i], 0.0);
        assert_eq(x.service_level, 1.0);
        assert_eq(x.wait_probability, 0.0);
        assert_eq(x.asa_seconds, 0.0);
        assert_eq(x.occupancy, 0.0);
        assert_eq(x.abandonment, 0.0);
        x = predict(&cases[i], 3.5);
        assert_eq(x.service_level, 1.0);
        assert_eq(x.occupancy, 0.0);
    }
}

/* Every figure moves the right way as agents are added, fractional counts
 * included, for Erlang C, Erlang A and chat, at small and large traffic
 * (to within 1e-12: floating-point rounding, not the model). */
static void test_monotone_in_agents(void **state)
{
    (void)state;
    static const double loads[] = {0.3, 10.0, 600.0, 9000.0};
    static const double patience[] = {0.0, 60.0, 900.0};
    static const int concurrency[] = {1, 3};
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
        for (size_t j = 0; j < sizeof patience / sizeof patience[0]; j++) {
            for (size_t k = 0; k < sizeof concurrency / sizeof concurrency[0]; k++) {
                double a = loads[i];
                struct staffing_params p = traffic(a);
                p.patience_seconds = patience[j];
                p.concurrency = concurrency[k];
                double per_agent = (double)concurrency[k];
                double top = (a + 6.0 * sqrt(a) + 4.0) / per_agent;
                double stride = fmax(0.25, top / 160.0);
                struct staffing_prediction prev = predict(&p, 0.0);
                assert_sane(&prev, patience[j] > 0.0);
                for (double n = stride; n <= top; n += stride) {
                    struct staffing_prediction x = predict(&p, n);
                    assert_sane(&x, patience[j] > 0.0);
                    /* To rounding: deep in overload SL is ~1e-15 noise around 0. */
                    assert_ge(x.service_level, prev.service_level - 1e-12);
                    assert_le(x.wait_probability, prev.wait_probability + 1e-12);
                    assert_le(x.asa_seconds, prev.asa_seconds * (1.0 + 1e-12) + 1e-12);
                    assert_le(x.occupancy, prev.occupancy + 1e-12);
                    assert_le(x.abandonment, prev.abandonment + 1e-12);
                    prev = x;
                }
            }
        }
    }
}

/* More demand never needs fewer agents; a stricter target never fewer. */
static void test_monotone_requirement(void **state)
{
    (void)state;
    static const double patience[] = {0.0, 240.0};
    for (size_t j = 0; j < sizeof patience / sizeof patience[0]; j++) {
        double prev = 0.0;
        for (double a = 0.05; a < 12000.0; a *= 1.37) {
            struct staffing_params p = traffic(a);
            p.patience_seconds = patience[j];
            struct staffing_requirement r = require(&p);
            assert_ge(r.agents_fractional, prev);
            prev = r.agents_fractional;
        }
        prev = 0.0;
        for (double level = 0.05; level < 0.999; level += 0.05) {
            struct staffing_params p = traffic(37.0);
            p.patience_seconds = patience[j];
            p.service_level = level;
            struct staffing_requirement r = require(&p);
            assert_ge(r.agents_fractional, prev);
            prev = r.agents_fractional;
        }
    }
}

/* Over a spread of queues, every requirement is the least count that meets
 * every target, and its fractional count meets the target exactly. */
static void test_requirement_is_minimal(void **state)
{
    (void)state;
    uint64_t seed = 0x5eed5eedu;
    for (int i = 0; i < 600; i++) {
        double u[8];
        for (int k = 0; k < 8; k++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            u[k] = (double)(seed >> 11) * 0x1.0p-53;
        }
        struct staffing_params p =
            traffic(exp(log(0.02) + u[0] * log(5e5)) > 10000.0 ? 10000.0 * u[0]
                                                               : exp(log(0.02) + u[0] * log(5e5)));
        p.aht_seconds = 30.0 + 600.0 * u[1];
        p.contacts *= 180.0 / p.aht_seconds; /* keep the traffic */
        p.service_level = 0.05 + 0.94 * u[2];
        p.target_seconds = u[3] < 0.1 ? 0.0 : 120.0 * u[3];
        p.patience_seconds = u[4] < 0.5 ? 0.0 : 5.0 + 1200.0 * u[4];
        p.concurrency = u[5] < 0.7 ? 1 : 1 + (int)(4.0 * u[5]);
        p.max_occupancy = u[6] < 0.7 ? 1.0 : 0.5 + 0.5 * u[6];
        if (u[7] < 0.3)
            p.target_asa = p.patience_seconds > 0.0 ? p.patience_seconds * u[7] : 60.0 * u[7];

        struct staffing_requirement r = require(&p);
        assert_ge(r.agents, 1);
        assert_gt(r.agents_fractional, r.agents - 1);
        assert_le(r.agents_fractional, r.agents);

        struct staffing_prediction at = predict(&p, r.agents);
        struct staffing_prediction below = predict(&p, r.agents - 1);
        struct staffing_prediction frac = predict(&p, r.agents_fractional);
        bool asa = p.target_asa > 0.0;
        bool met_at = asa ? at.asa_seconds <= p.target_asa : at.service_level >= p.service_level;
        bool met_below =
            asa ? below.asa_seconds <= p.target_asa : below.service_level >= p.service_level;
        if (p.max_occupancy < 1.0) {
            met_at = met_at && at.occupancy <= p.max_occupancy * (1.0 + 1e-9);
            met_below = met_below && below.occupancy <= p.max_occupancy;
        }
        assert_true(met_at);
        assert_false(met_below);

        /* The binding target is met exactly at the fractional count (or the
         * fractional count is the integer, when the metric below is infinite). */
        double gap_sl = asa ? fabs(frac.asa_seconds - p.target_asa) / p.target_asa
                            : fabs(frac.service_level - p.service_level);
        double gap_occ = p.max_occupancy < 1.0 ? fabs(frac.occupancy - p.max_occupancy) : 1.0;
        bool infinite_below = asa && isinf(below.asa_seconds);
        if (!(infinite_below && r.agents_fractional == r.agents))
            assert_lt(fmin(gap_sl, gap_occ), 1e-9);
    }
}

/* No overflow, NaN or infinity (except Erlang C's unstable ASA) anywhere from
 * zero to 10,000 Erlangs, at any agent count, up to the supported limits. */
static void test_robust_extremes(void **state)
{
    (void)state;
    static const double loads[] = {1e-9, 1e-3, 0.5, 99.5, 1000.0, 9999.5, 10000.0, 100000.0};
    static const double ratios[] = {0.0, 1e-6, 0.2, 5.0, 1e3, 1e5};
    for (size_t i = 0; i < sizeof loads / sizeof loads[0]; i++) {
        for (size_t j = 0; j < sizeof ratios / sizeof ratios[0]; j++) {
            double a = loads[i];
            struct staffing_params p = traffic(a);
            p.patience_seconds = ratios[j] * p.aht_seconds;
            bool erlang_a = ratios[j] > 0.0;
            double counts[] = {0.0,     1.0,         floor(a * 0.5), floor(a), a,
                               ceil(a), a + sqrt(a), 2.0 * a + 10.0, 1e7};
            for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
                struct staffing_prediction x = predict(&p, counts[k]);
                assert_sane(&x, erlang_a);
                if (counts[k] > a + 50.0 * sqrt(a) + 50.0) {
                    assert_eq(x.service_level, 1.0);
                    assert_eq(x.wait_probability, 0.0);
                    if (a >= 1e-6)
                        assert_gt(x.occupancy, 0.0);
                }
            }
            if (a <= 10000.0 && (ratios[j] == 0.0 || ratios[j] >= 0.2)) {
                struct staffing_requirement r = require(&p);
                assert_true(isfinite(r.agents_fractional));
                if (!erlang_a)
                    assert_gt((double)r.agents, a);
                p.target_asa = erlang_a ? 0.5 * p.patience_seconds : 5.0;
                if (!erlang_a || p.target_asa > 0.0) {
                    r = require(&p);
                    assert_true(isfinite(r.agents_fractional));
                }
            }
        }
    }
    /* Just inside and outside the supported traffic. */
    struct staffing_params p = traffic(STAFFING_MAX_ERLANGS);
    struct staffing_requirement r;
    assert_int_equal(staffing_required(&p, &r), 0);
    p = traffic(STAFFING_MAX_ERLANGS * 1.0001);
    assert_int_equal(staffing_required(&p, &r), -ERANGE);
}

/* staffing_predict between integers is the documented linear interpolation. */
static void test_fractional_interpolation(void **state)
{
    (void)state;
    static const double patience[] = {0.0, 300.0};
    for (size_t j = 0; j < sizeof patience / sizeof patience[0]; j++) {
        struct staffing_params p = traffic(10.0);
        p.patience_seconds = patience[j];
        struct staffing_prediction lo = predict(&p, 12.0), hi = predict(&p, 13.0);
        struct staffing_prediction mid = predict(&p, 12.25);
        assert_near(mid.service_level, 0.75 * lo.service_level + 0.25 * hi.service_level, 1e-15);
        assert_near(mid.wait_probability, 0.75 * lo.wait_probability + 0.25 * hi.wait_probability,
                    1e-15);
        assert_near(mid.asa_seconds, 0.75 * lo.asa_seconds + 0.25 * hi.asa_seconds, 1e-13);
        assert_near(mid.occupancy, 0.75 * lo.occupancy + 0.25 * hi.occupancy, 1e-15);
        assert_near(mid.abandonment, 0.75 * lo.abandonment + 0.25 * hi.abandonment, 1e-15);
    }
    /* Below the traffic Erlang C's ASA is infinite, and stays so part-way. */
    struct staffing_params p = traffic(10.0);
    assert_true(isinf(predict(&p, 9.5).asa_seconds));
    assert_true(isinf(predict(&p, 10.5).asa_seconds));
    assert_true(isfinite(predict(&p, 11.0).asa_seconds));
}

/* ---- chat -------------------------------------------------------------- */

/*
 * Hand-worked slot model: 20 chats per 30 minutes at 180 s is a = 2 chats in
 * progress. Erlang B by B(k) = a B(k-1) / (k + a B(k-1)):
 *   B(0)=1, B(1)=2/3, B(2)=2/5, B(3)=4/19, B(4)=2/21.
 * Erlang C = s B / (s - a (1 - B)).
 *   Concurrency 2, 2 agents = 4 slots: C = (8/21) / (4 - 38/21) = 4/23,
 *   ASA = C * 180 / (4 - 2) = 360/23 s, occupancy 2/4, SL = 1 - 4/23 e^(-2*20/180).
 *   Concurrency 3, 1 agent = 3 slots: C = (12/19) / (3 - 30/19) = 4/9,
 *   ASA = 4/9 * 180 / 1 = 80 s, occupancy 2/3.
 *   Concurrency 2, 1 agent = 2 slots = a: unstable, nobody answered.
 */
static void test_chat_hand_worked(void **state)
{
    (void)state;
    struct staffing_params p = voice(20.0, 180.0);
    p.concurrency = 2;
    struct staffing_prediction x = predict(&p, 2.0);
    assert_near(x.wait_probability, 4.0 / 23.0, 1e-14);
    assert_near(x.asa_seconds, 360.0 / 23.0, 1e-12);
    assert_near(x.occupancy, 0.5, 1e-15);
    assert_near(x.service_level, 1.0 - 4.0 / 23.0 * exp(-40.0 / 180.0), 1e-14);
    x = predict(&p, 1.0);
    assert_eq(x.service_level, 0.0);
    assert_eq(x.wait_probability, 1.0);
    assert_true(isinf(x.asa_seconds));
    assert_int_equal(require(&p).agents, 2);

    p.concurrency = 3;
    x = predict(&p, 1.0);
    assert_near(x.wait_probability, 4.0 / 9.0, 1e-14);
    assert_near(x.asa_seconds, 80.0, 1e-12);
    assert_near(x.occupancy, 2.0 / 3.0, 1e-15);
    p.target_asa = 100.0; /* 80 s with one agent is enough */
    assert_int_equal(require(&p).agents, 1);
    p.target_asa = 60.0; /* not with one */
    assert_int_equal(require(&p).agents, 2);
}

/* The README case as chat: 10 chats in progress need 14 slots, so 7 agents at
 * two chats each (prediction identical to 14 voice agents), 5 at three. */
static void test_chat_slots(void **state)
{
    (void)state;
    static const double patience[] = {0.0, 300.0};
    for (size_t j = 0; j < sizeof patience / sizeof patience[0]; j++) {
        struct staffing_params voice_p = voice(100.0, 180.0);
        voice_p.patience_seconds = patience[j];
        for (int c = 1; c <= 4; c++) {
            struct staffing_params chat = voice_p;
            chat.concurrency = c;
            for (int n = 1; n <= 16; n++) {
                struct staffing_prediction a = predict(&chat, n), b = predict(&voice_p, n * c);
                assert_near(a.service_level, b.service_level, 1e-15);
                assert_near(a.wait_probability, b.wait_probability, 1e-15);
                assert_near(a.occupancy, b.occupancy, 1e-15);
            }
            /* Agents = the voice (slot) requirement divided by c, rounded up. */
            int slots = require(&voice_p).agents;
            assert_int_equal(require(&chat).agents, (slots + c - 1) / c);
        }
    }
    struct staffing_params chat = voice(100.0, 180.0);
    chat.concurrency = 2;
    assert_int_equal(require(&chat).agents, 7);
    assert_near(predict(&chat, 7).wait_probability, 0.1741319336, 5e-11);
}

/* ---- email ------------------------------------------------------------- */

static void test_email(void **state)
{
    (void)state;
    struct staffing_requirement r;
    /* 400 emails of 6 minutes within 4 hours at 85 % occupancy:
     * 400 * 360 / (14400 * 0.85) = 11.76... -> 12 agents; 12 / 0.7 = 17.1 -> 18. */
    assert_int_equal(staffing_email(400.0, 360.0, 14400.0, 0.85, 0.3, &r), 0);
    assert_near(r.agents_fractional, 144000.0 / 12240.0, 1e-12);
    assert_int_equal(r.agents, 12);
    assert_near(r.scheduled, 12.0 / 0.7, 1e-12);
    assert_int_equal(r.scheduled_rounded, 18);
    /* Exactly one agent's worth of work needs exactly one agent. */
    assert_int_equal(staffing_email(8.0, 1800.0, 14400.0, 1.0, 0.0, &r), 0);
    assert_int_equal(r.agents, 1);
    /* A longer window needs proportionally fewer. */
    assert_int_equal(staffing_email(400.0, 360.0, 28800.0, 0.85, 0.3, &r), 0);
    assert_near(r.agents_fractional, 144000.0 / 24480.0, 1e-12);
    assert_int_equal(staffing_email(0.0, 0.0, 3600.0, 0.85, 0.3, &r), 0);
    assert_int_equal(r.agents, 0);

    struct staffing_requirement keep = {.agents = 77};
    r = keep;
    assert_int_equal(staffing_email(-1.0, 360.0, 3600.0, 0.85, 0.3, &r), -EINVAL);
    assert_int_equal(staffing_email(10.0, 0.0, 3600.0, 0.85, 0.3, &r), -EINVAL);
    assert_int_equal(staffing_email(10.0, 360.0, 0.0, 0.85, 0.3, &r), -EINVAL);
    assert_int_equal(staffing_email(10.0, 360.0, 3600.0, 0.0, 0.3, &r), -EINVAL);
    assert_int_equal(staffing_email(10.0, 360.0, 3600.0, 1.5, 0.3, &r), -EINVAL);
    assert_int_equal(staffing_email(10.0, 360.0, 3600.0, 0.85, 1.0, &r), -EINVAL);
    assert_int_equal(staffing_email(10.0, 360.0, 3600.0, 0.85, 0.3, NULL), -EINVAL);
    assert_int_equal(staffing_email(NAN, 360.0, 3600.0, 0.85, 0.3, &r), -EINVAL);
    assert_int_equal(r.agents, 77);
}

/* ---- several queues, one pool of agents -------------------------------- */

static void test_round_once(void **state)
{
    (void)state;
    int n = -1;
    assert_int_equal(staffing_round(21.0 / (1.0 - 0.3), &n), 0); /* 30.000000000000004 */
    assert_int_equal(n, 30);
    assert_int_equal(staffing_round(20.5, &n), 0);
    assert_int_equal(n, 21);
    assert_int_equal(staffing_round(20.0000001, &n), 0); /* real excess, not noise */
    assert_int_equal(n, 21);
    assert_int_equal(staffing_round(0.0, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(staffing_round(1e-12, &n), 0);
    assert_int_equal(n, 0);
    assert_int_equal(staffing_round(-0.5, &n), -EINVAL);
    assert_int_equal(staffing_round(NAN, &n), -EINVAL);
    assert_int_equal(staffing_round(INFINITY, &n), -EINVAL);
    assert_int_equal(staffing_round(1e12, &n), -ERANGE);
    assert_int_equal(staffing_round(1.0, NULL), -EINVAL);
    assert_int_equal(n, 0);

    /* Three small queues served by the same agents: sum first, round once. */
    struct staffing_requirement parts[3];
    int separately = 0;
    double sum = 0.0;
    for (int i = 0; i < 3; i++) {
        struct staffing_params p = traffic(0.8 + 0.6 * i);
        p.patience_seconds = i == 1 ? 120.0 : 0.0;
        parts[i] = require(&p);
        separately += parts[i].agents;
        sum += parts[i].agents_fractional;
    }
    struct staffing_requirement all;
    assert_int_equal(staffing_combine(parts, 3, 0.25, &all), 0);
    assert_near(all.agents_fractional, sum, 1e-12);
    assert_int_equal(all.agents, (int)ceil(sum));
    assert_lt(all.agents, separately);
    assert_near(all.scheduled, all.agents / 0.75, 1e-12);
    assert_int_equal(all.scheduled_rounded, (int)ceil(all.agents / 0.75 - 1e-9));

    struct staffing_requirement thirds[3] = {
        {.agents_fractional = 2.3}, {.agents_fractional = 2.3}, {.agents_fractional = 2.3}};
    assert_int_equal(staffing_combine(thirds, 3, 0.0, &all), 0);
    assert_int_equal(all.agents, 7); /* not 3 + 3 + 3 */
    assert_int_equal(staffing_combine(NULL, 0, 0.0, &all), 0);
    assert_int_equal(all.agents, 0);
    assert_int_equal(staffing_combine(NULL, 2, 0.0, &all), -EINVAL);
    thirds[1].agents_fractional = NAN;
    assert_int_equal(staffing_combine(thirds, 3, 0.0, &all), -EINVAL);
    assert_int_equal(staffing_combine(parts, 3, 1.0, &all), -EINVAL);
}

/* ---- validation -------------------------------------------------------- */

static void test_validation(void **state)
{
    (void)state;
    struct staffing_params good = voice(100.0, 180.0);
    struct staffing_requirement r, sentinel = {.agents = 99, .scheduled_rounded = 99};
    struct staffing_prediction x, psentinel = {.service_level = 42.0};

    struct {
        const char *what;
        struct staffing_params p;
        int required_rc, predict_rc;
    } cases[32];
    size_t n = 0;
#define CASE(field, value, rc_required, rc_predict)                                                \
    do {                                                                                           \
        cases[n].what = #field " = " #value;                                                       \
        cases[n].p = good;                                                                         \
        cases[n].p.field = value;                                                                  \
        cases[n].required_rc = rc_required;                                                        \
        cases[n].predict_rc = rc_predict;                                                          \
        n++;                                                                                       \
    } while (0)
    CASE(contacts, -1.0, -EINVAL, -EINVAL);
    CASE(contacts, NAN, -EINVAL, -EINVAL);
    CASE(contacts, INFINITY, -EINVAL, -EINVAL);
    CASE(interval_seconds, 0.0, -EINVAL, -EINVAL);
    CASE(interval_seconds, -1800.0, -EINVAL, -EINVAL);
    CASE(interval_seconds, 1e-300, -ERANGE, -ERANGE);
    CASE(aht_seconds, 0.0, -EINVAL, -EINVAL);
    CASE(aht_seconds, -5.0, -EINVAL, -EINVAL);
    CASE(aht_seconds, NAN, -EINVAL, -EINVAL);
    CASE(service_level, 0.0, -EINVAL, 0);
    CASE(service_level, 1.0, -EINVAL, 0);
    CASE(service_level, NAN, -EINVAL, 0);
    CASE(target_seconds, -1.0, -EINVAL, -EINVAL);
    CASE(target_asa, -1.0, -EINVAL, 0);
    CASE(target_asa, INFINITY, -EINVAL, 0);
    CASE(patience_seconds, -1.0, -EINVAL, -EINVAL);
    CASE(patience_seconds, INFINITY, -EINVAL, -EINVAL);
    CASE(patience_seconds, 180.0 * STAFFING_MAX_PATIENCE * 2.0, -ERANGE, -ERANGE);
    CASE(max_occupancy, 0.0, -EINVAL, 0);
    CASE(max_occupancy, 1.01, -EINVAL, 0);
    CASE(max_occupancy, NAN, -EINVAL, 0);
    CASE(shrinkage, 1.0, -EINVAL, 0);
    CASE(shrinkage, -0.1, -EINVAL, 0);
    CASE(concurrency, 0, -EINVAL, -EINVAL);
    CASE(concurrency, STAFFING_MAX_CONCURRENCY + 1, -ERANGE, -ERANGE);
#undef CASE
    /* An ASA target at or above the mean patience cannot discriminate. */
    cases[n].what = "target_asa >= patience";
    cases[n].p = good;
    cases[n].p.patience_seconds = 60.0;
    cases[n].p.target_asa = 60.0;
    cases[n].required_rc = -EINVAL;
    cases[n].predict_rc = 0;
    n++;

    for (size_t i = 0; i < n; i++) {
        r = sentinel;
        x = psentinel;
        int rc = staffing_required(&cases[i].p, &r);
        if (rc != cases[i].required_rc)
            print_error("staffing_required with %s: %d\n", cases[i].what, rc);
        assert_int_equal(rc, cases[i].required_rc);
        if (rc != 0)
            assert_memory_equal(&r, &sentinel, sizeof r); /* untouched on error */
        rc = staffing_predict(&cases[i].p, 10.0, &x);
        if (rc != cases[i].predict_rc)
            print_error("staffing_predict with %s: %d\n", cases[i].what, rc);
        assert_int_equal(rc, cases[i].predict_rc);
        if (rc != 0)
            assert_eq(x.service_level, 42.0);
    }

    assert_int_equal(staffing_required(NULL, &r), -EINVAL);
    assert_int_equal(staffing_required(&good, NULL), -EINVAL);
    assert_int_equal(staffing_predict(NULL, 1.0, &x), -EINVAL);
    assert_int_equal(staffing_predict(&good, 1.0, NULL), -EINVAL);
    assert_int_equal(staffing_predict(&good, -1.0, &x), -EINVAL);
    assert_int_equal(staffing_predict(&good, NAN, &x), -EINVAL);
    assert_int_equal(staffing_predict(&good, STAFFING_MAX_AGENTS * 2.0, &x), -ERANGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_csv),
        cmocka_unit_test(test_worked_example_shrinkage),
        cmocka_unit_test(test_worked_example_occupancy),
        cmocka_unit_test(test_worked_example_erlang_a_fewer),
        cmocka_unit_test(test_erlang_a_converges_to_c),
        cmocka_unit_test(test_erlang_c_matches_definition),
        cmocka_unit_test(test_erlang_c_requirement_scan),
        cmocka_unit_test(test_erlang_a_matches_birth_death),
        cmocka_unit_test(test_erlang_a_short_patience_is_erlang_b),
        cmocka_unit_test(test_zero_demand),
        cmocka_unit_test(test_monotone_in_agents),
        cmocka_unit_test(test_monotone_requirement),
        cmocka_unit_test(test_requirement_is_minimal),
        cmocka_unit_test(test_robust_extremes),
        cmocka_unit_test(test_fractional_interpolation),
        cmocka_unit_test(test_chat_hand_worked),
        cmocka_unit_test(test_chat_slots),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_round_once),
        cmocka_unit_test(test_validation),
    };
    return cmocka_run_group_tests_name("staffing", tests, NULL, NULL);
}
