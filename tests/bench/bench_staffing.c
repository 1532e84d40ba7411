/* SPDX-License-Identifier: ISC */
/*
 * bench_staffing.c — time 1,000,000 staffing_required() calls per model.
 *
 * Traffic is spread uniformly over 0.1 .. 5,000 Erlangs (mean 2,500: the
 * expensive end dominates, unlike a log-uniform spread) with varied AHT,
 * targets and patience, from a fixed-seed generator so runs are comparable.
 * Each model is timed RUNS times and the median printed. Build without
 * sanitizers, e.g.
 *   cc -std=c17 -D_GNU_SOURCE -O2 -Iinclude -o /tmp/bench_staffing \
 *      tests/bench/bench_staffing.c daemon/staffing.c -lm
 * Usage: bench_staffing [calls] (default 1000000). Exits non-zero only if a
 * computation fails; a median over the budget is flagged "OVER BUDGET" (the
 * machine may be shared, so `make bench` reports rather than aborts).
 */
#include "staffing.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RUNS 5

/* Targets from the README: Erlang C within 2 s, Erlang A within 20 s per 1e6. */
static const double budget_seconds[] = {2.0, 20.0};

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static double rng_uniform(void)
{
    /* xorshift64*: plenty for spreading inputs. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (double)((rng_state * 0x2545f4914f6cdd1dULL) >> 11) * 0x1.0p-53;
}

static void params_fill(struct staffing_params *ps, long n, bool erlang_a)
{
    static const double levels[] = {0.7, 0.8, 0.9};
    static const double targets[] = {10.0, 20.0, 30.0};

    for (long i = 0; i < n; i++) {
        double traffic = 0.1 + rng_uniform() * (5000.0 - 0.1);
        double aht = 120.0 + rng_uniform() * 480.0;
        ps[i] = (struct staffing_params){
            .contacts = traffic * 1800.0 / aht,
            .interval_seconds = 1800.0,
            .aht_seconds = aht,
            .service_level = levels[i % 3],
            .target_seconds = targets[(i / 3) % 3],
            .patience_seconds = erlang_a ? 60.0 + rng_uniform() * 540.0 : 0.0,
            .max_occupancy = 1.0,
            .shrinkage = 0.3,
            .concurrency = 1,
        };
    }
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
    struct staffing_params *ps = n > 0 ? malloc((size_t)n * sizeof *ps) : NULL;
    int status = 0;

    if (ps == NULL) {
        fprintf(stderr, "bench_staffing: bad count or out of memory\n");
        return 2;
    }
    for (int model = 0; model < 2; model++) {
        double times[RUNS];
        long long checksum = 0;

        params_fill(ps, n, model == 1);
        for (int run = 0; run < RUNS; run++) {
            long long sum = 0;
            double t0 = util_mono_seconds();
            for (long i = 0; i < n; i++) {
                struct staffing_requirement r;
                if (staffing_required(&ps[i], &r) != 0) {
                    fprintf(stderr, "bench_staffing: call %ld failed\n", i);
                    status = 1;
                    goto out;
                }
                sum += r.agents;
            }
            times[run] = util_mono_seconds() - t0;
            checksum = sum;
        }
        qsort(times, RUNS, sizeof times[0], compare_double);
        double median = times[RUNS / 2];
        bool over = n == 1000000 && median > budget_seconds[model];
        printf("%s: %ld requirements, traffic 0.1..5000 Erlangs: median %.3f s "
               "(min %.3f, max %.3f, %d runs; %.2f us/call) budget %.0f s%s; agents sum %lld\n",
               model == 0 ? "erlang_c" : "erlang_a", n, median, times[0], times[RUNS - 1], RUNS,
               median / (double)n * 1e6, budget_seconds[model], over ? " OVER BUDGET" : "",
               checksum);
    }
out:
    free(ps);
    return status;
}
