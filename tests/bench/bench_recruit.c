/* SPDX-License-Identifier: ISC */
/*
 * bench_recruit.c — how long ranking 5,000 candidates takes against the
 * shortage a 1,000-agent site leaves (target: 10 s on the project's 2-core
 * machine). A synthetic snapshot: 8 queues in four zones, 14 days of demand
 * with a daytime peak and busy evenings and weekends, 1,000 agents mostly on
 * daytime windows (so evenings and weekends stay short), 5,000 applicants with
 * every kind of availability. plan_run() makes the real shortage; then
 * recruit_needs() (the hiring profiles) and recruit_rank() are timed, best of BENCH_RUNS runs.
 *
 * Build and run (after `make BUILD=build/plain all`):
 *   cc -std=c17 -O2 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags libcjson libpq) \
 *      -o /tmp/bench_recruit tests/bench/bench_recruit.c build/plain/libstaffd.a \
 *      $(pkg-config --libs libpq libuv libcjson libical libh2o libsystemd libcrypto) -lm -lpthread
 *   /tmp/bench_recruit [agents] [candidates]
 * BENCH_DEMAND=4 multiplies the demand: then the candidates hardly compete for
 * the same shortage, which is the lazy greedy's hardest case.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model.h"
#include "plan.h"
#include "recruit.h"
#include "util.h"

#define DAYS    14
#define QUEUES  8
#define ZONES   4
#define DAY_SEC 86400LL

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int rnd_below(int n)
{
    return (int)(rnd() % (uint64_t)n);
}

static char *dup_name(const char *prefix, int i)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%s %d", prefix, i);
    return strdup(buf);
}

/* A window on each day in mask (bit d - 1 for ISO day d). */
static void add_windows(struct window **w, int *n, unsigned mask, int start, int end)
{
    for (int d = 1; d <= 7; d++) {
        if (!(mask & (1u << (d - 1))))
            continue;
        struct window *nw = util_push((void **)w, n, sizeof *nw);
        if (nw == NULL)
            abort();
        *nw = (struct window){d, start, end, INT32_MIN, INT32_MAX};
    }
}

/* Availability shapes: day shifts, evenings, weekends, nights, mixed. */
static void random_availability(struct window **w, int *n, bool agent)
{
    int kind = rnd_below(agent ? 10 : 6);
    switch (kind) {
    case 0: /* evenings on weekdays (students) */
        add_windows(w, n, 0x1F, 16 * 60 + 30 * rnd_below(4), 22 * 60 + 30 * rnd_below(3));
        break;
    case 1: /* weekends */
        add_windows(w, n, 0x60, 8 * 60 + 60 * rnd_below(4), 18 * 60 + 60 * rnd_below(5));
        break;
    case 2: /* nights */
        add_windows(w, n, 0x7F, 21 * 60 + 60 * rnd_below(2), 5 * 60 + 60 * rnd_below(3));
        break;
    case 3: /* some days, long windows */
        add_windows(w, n, (unsigned)(1 + rnd_below(127)), 7 * 60 + 30 * rnd_below(6),
                    19 * 60 + 30 * rnd_below(8));
        break;
    default: /* office hours */
        add_windows(w, n, 0x1F, 7 * 60 + 30 * rnd_below(5), 16 * 60 + 30 * rnd_below(5));
        break;
    }
}

static void random_skills(int **skills, int *n)
{
    int a = rnd_below(QUEUES), b = rnd_below(QUEUES);
    *skills = malloc(2 * sizeof **skills);
    (*skills)[0] = a < b ? a : b;
    *n = 1;
    if (a != b && rnd_below(3) == 0)
        (*skills)[(*n)++] = a < b ? b : a;
}

static void build(struct snapshot *s, int n_agents, int n_candidates, double demand)
{
    static const char *zones[ZONES] = {"Europe/Stockholm", "Europe/Helsinki", "America/New_York",
                                       "UTC"};
    static const int32_t offsets[ZONES] = {7200, 10800, -14400, 0};
    memset(s, 0, sizeof *s);
    s->horizon_start = (sd_time)20605 * DAY_SEC; /* Monday 2026-06-01 */
    s->now = s->horizon_start;
    s->horizon_days = DAYS;
    s->n_cells = DAYS * 96;
    s->n_tzs = ZONES;
    s->tzs = calloc(ZONES, sizeof *s->tzs);
    for (int z = 0; z < ZONES; z++) {
        s->tzs[z].name = strdup(zones[z]);
        s->tzs[z].n = 1;
        s->tzs[z].from = malloc(sizeof(sd_time));
        s->tzs[z].offset = malloc(sizeof(int32_t));
        s->tzs[z].from[0] = INT64_MIN / 2;
        s->tzs[z].offset[0] = offsets[z];
    }
    s->n_queues = QUEUES;
    s->queues = calloc(QUEUES, sizeof *s->queues);
    size_t ncov = (size_t)QUEUES * (size_t)s->n_cells;
    s->contacts = calloc(ncov, sizeof *s->contacts);
    s->aht = calloc(ncov, sizeof *s->aht);
    for (int q = 0; q < QUEUES; q++) {
        struct queue *qu = &s->queues[q];
        *qu = (struct queue){.id = q + 1,
                             .name = dup_name("queue", q + 1),
                             .tz = q % 2, /* Stockholm and Helsinki */
                             .channel = q % 3 == 2 ? CHANNEL_CHAT : CHANNEL_VOICE,
                             .service_level = 0.8,
                             .target_seconds = 20,
                             .max_occupancy = 0.85,
                             .concurrency = q % 3 == 2 ? 2 : 1,
                             .shrinkage = 0.3};
        for (int c = 0; c < s->n_cells; c++) {
            sd_time local = s->horizon_start + (sd_time)c * 900 + offsets[qu->tz];
            int minute = (int)(local % DAY_SEC) / 60;
            int wd = day_weekday((int32_t)(local / DAY_SEC));
            double level;
            if (minute >= 8 * 60 && minute < 17 * 60)
                level = 60;
            else if (minute >= 17 * 60 && minute < 23 * 60)
                level = 45;
            else if (minute >= 6 * 60)
                level = 15;
            else
                level = 6;
            if (wd >= 6)
                level *= 0.7;
            size_t k = (size_t)q * (size_t)s->n_cells + (size_t)c;
            s->contacts[k] = demand * level * (0.9 + 0.2 * (double)rnd_below(100) / 100);
            s->aht[k] = 300;
        }
    }
    static int lengths_ft[2] = {480, 360}, lengths_pt[2] = {240, 300};
    s->n_contracts = 2;
    s->contracts = calloc(2, sizeof *s->contracts);
    s->contracts[0] = (struct contract){.id = 1,
                                        .name = strdup("full-time"),
                                        .max_minutes_per_week = 2400,
                                        .max_days_per_week = 5,
                                        .max_consecutive_days = 5,
                                        .min_rest_minutes = 660,
                                        .shift_start_step_minutes = 30,
                                        .n_lengths = 2,
                                        .shift_lengths_minutes = NULL};
    s->contracts[1] = s->contracts[0];
    s->contracts[1].id = 2;
    s->contracts[1].name = strdup("part-time");
    s->contracts[1].max_minutes_per_week = 1200;
    s->contracts[0].shift_lengths_minutes = malloc(sizeof lengths_ft);
    memcpy(s->contracts[0].shift_lengths_minutes, lengths_ft, sizeof lengths_ft);
    s->contracts[1].shift_lengths_minutes = malloc(sizeof lengths_pt);
    memcpy(s->contracts[1].shift_lengths_minutes, lengths_pt, sizeof lengths_pt);

    s->n_agents = n_agents;
    s->agents = calloc((size_t)n_agents, sizeof *s->agents);
    for (int i = 0; i < n_agents; i++) {
        struct agent *a = &s->agents[i];
        a->id = i + 1;
        a->name = dup_name("agent", i + 1);
        a->tz = rnd_below(2);
        a->contract = rnd_below(3) == 0 ? 1 : 0;
        random_skills(&a->skills, &a->n_skills);
        random_availability(&a->windows, &a->n_windows, true);
    }
    s->n_candidates = n_candidates;
    s->candidates = calloc((size_t)n_candidates, sizeof *s->candidates);
    static const char *sources[5] = {"student", "rural", "customer", "referral", "other"};
    for (int i = 0; i < n_candidates; i++) {
        struct candidate *c = &s->candidates[i];
        c->id = 100000 + i;
        c->name = dup_name("candidate", i + 1);
        c->source = strdup(sources[rnd_below(5)]);
        c->tz = rnd_below(ZONES);
        c->minutes_per_week = 600 + 60 * rnd_below(31);
        c->score = rnd_below(3) == 0 ? -1 : rnd_below(101);
        random_skills(&c->skills, &c->n_skills);
        random_availability(&c->windows, &c->n_windows, false);
        if (rnd_below(4) == 0)
            random_availability(&c->windows, &c->n_windows, false);
    }
}

int main(int argc, char **argv)
{
    int n_agents = argc > 1 ? atoi(argv[1]) : 1000;
    int n_candidates = argc > 2 ? atoi(argv[2]) : 5000;
    int runs = getenv("BENCH_RUNS") ? atoi(getenv("BENCH_RUNS")) : 3;
    /* BENCH_DEMAND=4: so much shortage that candidates hardly compete (greedy's worst case). */
    double demand = getenv("BENCH_DEMAND") ? atof(getenv("BENCH_DEMAND")) : 1;
    struct snapshot s;
    build(&s, n_agents, n_candidates, demand);

    double t0 = util_mono_seconds();
    struct plan plan;
    struct plan_params pp = {.seed = 1};
    if (plan_run(&s, &pp, &plan) != 0) {
        fprintf(stderr, "plan_run failed\n");
        return 1;
    }
    double t_plan = util_mono_seconds() - t0;

    struct recruit_params rp;
    recruit_params_default(&rp);
    double best_rank = 1e9, best_needs = 1e9;
    struct recruit_result keep = {0};
    for (int r = 0; r < runs; r++) {
        struct recruit_result rr = {.params = rp};
        t0 = util_mono_seconds();
        if (recruit_needs(&s, &plan, &rp, &rr.hiring) != 0)
            return 1;
        double tn = util_mono_seconds() - t0;
        t0 = util_mono_seconds();
        if (recruit_rank(&s, &plan, &rp, &rr.ranked, &rr.n_ranked) != 0)
            return 1;
        double tr = util_mono_seconds() - t0;
        if (tn < best_needs)
            best_needs = tn;
        if (tr < best_rank)
            best_rank = tr;
        printf("run %d: needs %.3f s, ranking %.2f s\n", r + 1, tn, tr);
        if (r == 0) {
            keep = rr;
        } else {
            /* Same input, same ranking. */
            for (int i = 0; i < rr.n_ranked; i++) {
                if (rr.ranked[i].candidate != keep.ranked[i].candidate ||
                    rr.ranked[i].minutes_per_week != keep.ranked[i].minutes_per_week) {
                    fprintf(stderr, "ranking differs between runs at rank %d\n", i + 1);
                    return 1;
                }
            }
            recruit_result_free(&rr);
        }
    }
    int covering = 0;
    for (int i = 0; i < keep.n_ranked; i++)
        covering += keep.ranked[i].minutes_per_week > 0;
    double shortage = 0;
    for (size_t k = 0; k < (size_t)s.n_queues * (size_t)s.n_cells; k++)
        shortage += plan.shortage[k];
    printf("%d agents, %d queues, %d days: plan_run %.2f s, %d shifts, shortage %.0f "
           "agent-hours/week\n",
           n_agents, QUEUES, DAYS, t_plan, plan.n_shifts, shortage * 15 / 60 / (DAYS / 7.0));
    printf("%d hiring profiles, %d hires covering %.0f of %.0f agent-hours a week; %d of %d "
           "candidates add coverage\n",
           keep.hiring.n_profiles, keep.hiring.hires, keep.hiring.covered / 60,
           keep.hiring.shortage / 60, covering, keep.n_ranked);
    printf("ranking %d candidates: best of %d runs %.2f s (target <= 10 s); needs %.3f s\n",
           n_candidates, runs, best_rank, best_needs);
    recruit_result_free(&keep);
    plan_free(&plan);
    snapshot_free(&s);
    return 0;
}
