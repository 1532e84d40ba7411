/* SPDX-License-Identifier: ISC */
/*
 * gen_site.h — a synthetic but realistic contact-centre site as an in-memory
 * planning snapshot, for the benches that plan one (tests/bench/bench_scale.c,
 * tests/bench/bench_surplus.c), with the command-line options that describe
 * it, so that every bench takes a generated site the same way.
 *
 * Deterministic for a given seed and parameters. The snapshot is allocated the
 * way load.c allocates one, so snapshot_free() releases it.
 *
 * The site (see docs/scale.md for the reasons behind each number):
 *   - horizon: 28 days from Monday 2026-03-02 00:00 UTC, now = horizon start,
 *     no published shifts; the US (8 March) and EU (29 March) spring changes
 *     fall inside it;
 *   - 5 zones: Europe/Stockholm, Europe/London, America/New_York,
 *     America/Chicago, Asia/Manila (offshore agents on US and UK hours);
 *   - 4 to 10 queues (4 at 100 agents, 7 at 1,000, 10 at 10,000): voice, chat
 *     (concurrency 2 or 3) and email, shrinkage about 0.3;
 *   - demand: the Anonymous Bank weekday x half-hour arrival profile (mean of
 *     agent_queue_arrivals over August), in each queue's local time, scaled per
 *     queue so that the requirement is `load` times what the agents skilled
 *     for it can work at most (an under-staffed site when load > 1);
 *   - agents: full time (8 h shifts, 40 h and 5 days a week), part time
 *     (4-6 h shifts), students (evenings and Saturdays); windows in the
 *     agent's own local time; 1-2 skills; some time off.
 */
#ifndef STAFFD_BENCH_GEN_SITE_H
#define STAFFD_BENCH_GEN_SITE_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

struct gen_site_params {
    int agents;
    uint64_t seed;
    const char *arrivals_csv; /* e.g. demo/anonbank_arrivals_30min.csv */
    double load;              /* requirement / skilled capacity per queue; <= 0: 1.0 */
    int step_minutes;         /* shift start step of every contract; <= 0: 30 */
    int queues;               /* <= 0: by size (4, 7, 10) */
    int infeasible;           /* full-time agents given a week off: weekly minimum unreachable */
};

struct gen_site_info {
    int zones, queues, agents;
    int full_time, part_time, students;
    int two_skills;      /* agents with two queues */
    int time_off_spans;  /* spans of time off in total */
    int night_windows;   /* windows that run past local midnight */
    double capacity_min; /* skilled capacity estimate (agent-minutes over the horizon) */
    double required_min; /* sum of the requirement * 15 over every queue and cell */
    double scale[16];    /* contacts multiplier per queue on the bank's profile */
};

/* Fills *out (snapshot_free() it). 0, or -errno with a message in err. */
int gen_site(const struct gen_site_params *p, struct snapshot *out, struct gen_site_info *info,
             char *err, size_t err_len);

/*
 * The generator's options: --agents N, --csv FILE, the site seed under the
 * name the bench gives it (SEED_NAME, e.g. "seed" or "site-seed"), --load X,
 * --step M, --queues Q and --infeasible K (the fields of gen_site_params).
 * A bench puts GEN_SITE_LONGOPTS(...) in its getopt_long() table and hands
 * each option to gen_site_option() before its own switch.
 */
enum {
    GEN_OPT_AGENTS = 0x100, /* above every short option's character */
    GEN_OPT_CSV,
    GEN_OPT_SEED,
    GEN_OPT_LOAD,
    GEN_OPT_STEP,
    GEN_OPT_QUEUES,
    GEN_OPT_INFEASIBLE,
};

/* clang-format off */
#define GEN_SITE_LONGOPTS(SEED_NAME)                                \
    {"agents", required_argument, NULL, GEN_OPT_AGENTS},            \
    {"csv", required_argument, NULL, GEN_OPT_CSV},                  \
    {SEED_NAME, required_argument, NULL, GEN_OPT_SEED},             \
    {"load", required_argument, NULL, GEN_OPT_LOAD},                \
    {"step", required_argument, NULL, GEN_OPT_STEP},                \
    {"queues", required_argument, NULL, GEN_OPT_QUEUES},            \
    {"infeasible", required_argument, NULL, GEN_OPT_INFEASIBLE}
/* clang-format on */

/* Option OPT of getopt_long() with argument ARG into *p: 1 when it is one of
 * the generator's, 0 when not (the bench's own), -EINVAL when its value is
 * not a number in range (a message naming the option in err). */
int gen_site_option(struct gen_site_params *p, int opt, const char *arg, char *err, size_t err_len);

/* One draw of splitmix64 from *state: the same state sequence always gives the
 * same draws, so a bench's random choices depend on its seed only. */
uint64_t gen_splitmix64(uint64_t *state);

/* Days since 1970-01-01 of a proleptic Gregorian date. */
int32_t gen_days_from_civil(int y, int m, int d);

#endif
