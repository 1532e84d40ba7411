/* SPDX-License-Identifier: ISC */
/*
 * bench_scale.c — plans a generated contact-centre site (gen_site.c) with
 * plan_run() under a wall-clock budget and prints what came out: shortage,
 * shifts, time, memory. One size and one budget per process, so that the
 * caller (tests/bench/scale.sh) can read each run's peak memory from
 * `/usr/bin/time -v`.
 *
 *   bench_scale --agents N --csv arrivals_30min.csv [--seconds B | --iterations I]
 *               [--seed S] [--plan-seed P] [--threads T] [--load X] [--step M]
 *               [--queues Q] [--infeasible K] [--lp FILE] [--no-plan] [--options]
 *               [--cancel-after S]
 *
 * Output: `key value` lines (site_*, options_*, plan_*, lp_*), for scripts.
 * --options counts the shift options the planner will be offered (without
 * planning cost) so that instance size can be told apart from search time.
 * --lp writes the site's LP relaxation (lp_bound.h) after planning.
 * --cancel-after S raises the plan's cancel flag S seconds into plan_run (what
 * the daemon does on SIGTERM) and prints how long plan_run took to return.
 *
 * Build (after `make BUILD=build/plain all`):
 *   cc -std=c17 -O2 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags libcjson libpq) \
 *      -o /tmp/bench_scale tests/bench/bench_scale.c tests/bench/gen_site.c \
 *      tests/bench/lp_bound.c build/plain/libstaffd.a \
 *      $(pkg-config --libs libpq libuv libcjson libical libh2o libsystemd libcrypto) -lm -lpthread
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen_site.h"
#include "lp_bound.h"
#include "model.h"
#include "plan.h"
#include "shift_options.h"
#include "rule_check.h"
#include "util.h"

/* Peak and current resident set of this process, in MiB (from /proc). */
static void rss_mib(double *peak, double *cur)
{
    *peak = *cur = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        long kb;
        if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
            *peak = (double)kb / 1024.0;
        else if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            *cur = (double)kb / 1024.0;
    }
    fclose(f);
}

struct canceller {
    atomic_bool flag; /* the plan's cancel flag */
    atomic_bool done; /* plan_run returned first: stop waiting */
    double after, start, raised_at;
};

/* Raises the flag `after` seconds past `start`, in 10 ms naps (EINTR-proof). */
static void *cancel_later(void *arg)
{
    struct canceller *c = arg;
    while (!atomic_load(&c->done) && util_mono_seconds() - c->start < c->after) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (!atomic_load(&c->done)) {
        c->raised_at = util_mono_seconds();
        atomic_store(&c->flag, true);
    }
    return NULL;
}

static void usage(void)
{
    fputs("usage: bench_scale --agents N --csv FILE [--seconds B | --iterations I] [--seed S]\n"
          "       [--plan-seed P] [--threads T] [--load X] [--step M] [--queues Q]\n"
          "       [--infeasible K] [--lp FILE] [--no-plan] [--options] [--cancel-after S]\n",
          stderr);
}

int main(int argc, char **argv)
{
    struct gen_site_params gp = {.agents = 100, .seed = 1};
    struct plan_params pp = {.seed = 1, .threads = 1};
    const char *lp_path = NULL;
    bool do_plan = true, count_options = false;
    struct canceller canc = {.after = -1, .raised_at = -1};
    atomic_init(&canc.flag, false);
    atomic_init(&canc.done, false);
    static const struct option longopts[] = {GEN_SITE_LONGOPTS("seed"),
                                             {"seconds", required_argument, NULL, 'b'},
                                             {"iterations", required_argument, NULL, 'i'},
                                             {"plan-seed", required_argument, NULL, 'p'},
                                             {"threads", required_argument, NULL, 't'},
                                             {"lp", required_argument, NULL, 'L'},
                                             {"no-plan", no_argument, NULL, 'N'},
                                             {"options", no_argument, NULL, 'O'},
                                             {"cancel-after", required_argument, NULL, 'C'},
                                             {NULL, 0, NULL, 0}};
    int ch;
    char err[256] = "";
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int site_opt = gen_site_option(&gp, ch, optarg, err, sizeof err);
        if (site_opt < 0) {
            fprintf(stderr, "bench_scale: %s\n", err);
            return 2;
        }
        if (site_opt > 0)
            continue;
        switch (ch) {
        case 'b':
            pp.seconds = atof(optarg);
            break;
        case 'i':
            pp.iterations = atol(optarg);
            break;
        case 'p':
            pp.seed = strtoull(optarg, NULL, 10);
            break;
        case 't':
            pp.threads = atoi(optarg);
            break;
        case 'L':
            lp_path = optarg;
            break;
        case 'N':
            do_plan = false;
            break;
        case 'O':
            count_options = true;
            break;
        case 'C': {
            char *end;
            canc.after = strtod(optarg, &end);
            if (end == optarg || *end || !(canc.after >= 0 && canc.after < 1e6)) {
                fprintf(stderr, "bench_scale: --cancel-after wants seconds in [0, 1e6)\n");
                return 2;
            }
            break;
        }
        default:
            usage();
            return 2;
        }
    }
    if (gp.arrivals_csv == NULL || gp.agents <= 0) {
        usage();
        return 2;
    }
    if (do_plan && pp.seconds <= 0 && pp.iterations <= 0)
        pp.seconds = 10;

    double pk, cur, t0 = util_mono_seconds();
    struct snapshot s;
    struct gen_site_info info;
    int rc = gen_site(&gp, &s, &info, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "bench_scale: %s\n", err);
        return 1;
    }
    double t_gen = util_mono_seconds() - t0;
    rss_mib(&pk, &cur);
    printf("site_agents %d\nsite_queues %d\nsite_zones %d\n", info.agents, info.queues, info.zones);
    printf("site_mix full_time=%d part_time=%d students=%d two_skills=%d\n", info.full_time,
           info.part_time, info.students, info.two_skills);
    printf("site_time_off_spans %d\nsite_night_windows %d\n", info.time_off_spans,
           info.night_windows);
    printf("site_capacity_min %.0f\nsite_required_min %.0f\n", info.capacity_min,
           info.required_min);
    printf("site_scale");
    for (int q = 0; q < info.queues && q < 16; q++)
        printf(" %s=%.2f", s.queues[q].name, info.scale[q]);
    printf("\nsite_gen_s %.3f\nsite_rss_mib %.1f\n", t_gen, cur);

    if (count_options) {
        /* What roster.c will hand the engine: options and covered cells. */
        double t1 = util_mono_seconds();
        long n_opt = 0, n_cov = 0, max_agent = 0;
        for (int a = 0; a < s.n_agents; a++) {
            struct shift_option *o = NULL;
            int n = 0;
            if (shift_options_for_agent(&s, a, &o, &n) < 0) {
                fprintf(stderr, "bench_scale: out of memory counting options\n");
                return 1;
            }
            n_opt += n;
            if (n > max_agent)
                max_agent = n;
            for (int i = 0; i < n; i++)
                n_cov += (long)((o[i].end - o[i].start + SD_CELL_SECONDS - 1) / SD_CELL_SECONDS);
            free(o);
        }
        printf("options_total %ld\noptions_per_agent %.1f\noptions_max_agent %ld\n", n_opt,
               (double)n_opt / s.n_agents, max_agent);
        printf("options_covered_cells %ld\noptions_enum_s %.3f\n", n_cov, util_mono_seconds() - t1);
    }

    struct plan plan = {0};
    if (do_plan) {
        pthread_t cth;
        bool canceller = canc.after >= 0;
        if (canceller) {
            pp.cancel = &canc.flag;
            canc.start = util_mono_seconds();
            if (pthread_create(&cth, NULL, cancel_later, &canc) != 0) {
                fprintf(stderr, "bench_scale: cannot start the canceller thread\n");
                return 1;
            }
        }
        double t1 = util_mono_seconds();
        rc = plan_run(&s, &pp, &plan);
        double t_end = util_mono_seconds(), t_plan = t_end - t1;
        if (canceller) {
            atomic_store(&canc.done, true);
            pthread_join(cth, NULL);
            printf("plan_cancel_after_s %g\nplan_rc %s\nplan_wall_s %.3f\n", canc.after,
                   rc == -ECANCELED ? "cancelled"
                   : rc < 0         ? strerror(-rc)
                                    : "finished",
                   t_plan);
            if (canc.raised_at >= 0)
                printf("plan_cancel_latency_s %.3f\n", t_end - canc.raised_at);
            plan_free(&plan);
            snapshot_free(&s);
            return rc == -ECANCELED || rc == 0 ? 0 : 1;
        }
        if (rc < 0) {
            fprintf(stderr, "bench_scale: plan_run: %s\n", strerror(-rc));
            snapshot_free(&s);
            return 1;
        }
        rss_mib(&pk, &cur);
        double req = 0, shifts_min = 0;
        for (size_t i = 0; i < (size_t)s.n_queues * (size_t)s.n_cells; i++)
            req += plan.required[i] * (SD_CELL_SECONDS / 60);
        for (int i = 0; i < plan.n_shifts; i++)
            shifts_min += (double)(plan.shifts[i].end - plan.shifts[i].start) / 60.0;
        char why[256] = "";
        int chk = rule_check(&s, plan.shifts, plan.n_shifts, why, sizeof why);
        printf("plan_budget_s %g\nplan_iterations %ld\nplan_threads %d\n", pp.seconds,
               pp.iterations, pp.threads);
        printf("plan_wall_s %.3f\n", t_plan);
        printf("plan_required_min %.0f\n", req);
        printf("plan_shortage_min %.0f\n", plan.shortage_minutes);
        printf("plan_shortage_pct %.2f\n", req > 0 ? 100.0 * plan.shortage_minutes / req : 0);
        printf("plan_objective %.0f\n", plan.objective);
        printf("plan_shifts %d\nplan_shift_hours %.0f\n", plan.n_shifts, shifts_min / 60);
        printf("plan_warnings %d\n", plan.n_warnings);
        printf("plan_check %s\n", chk == 0 ? "ok" : why);
        printf("plan_peak_rss_mib %.1f\n", pk);
    }

    if (lp_path) {
        bool *relaxed = calloc((size_t)s.n_agents, sizeof *relaxed);
        double *req = plan.required;
        double *own = NULL;
        if (req == NULL) {
            own = calloc((size_t)s.n_queues * (size_t)s.n_cells, sizeof *own);
            if (own == NULL || plan_requirements(&s, own) < 0) {
                fprintf(stderr, "bench_scale: requirements failed\n");
                return 1;
            }
            req = own;
        }
        /* Agents the planner named in a warning were planned without their minimum. */
        for (int w = 0; relaxed && w < plan.n_warnings; w++) {
            long long id;
            if (sscanf(plan.warnings[w].key, "id=%lld", &id) == 1)
                for (int a = 0; a < s.n_agents; a++)
                    if (s.agents[a].id == id)
                        relaxed[a] = true;
        }
        FILE *f = fopen(lp_path, "w");
        if (f == NULL || relaxed == NULL) {
            fprintf(stderr, "bench_scale: %s: %s\n", lp_path, strerror(errno));
            return 1;
        }
        struct lp_stats st;
        double t1 = util_mono_seconds();
        rc = lp_bound_write(&s, req, relaxed, f, &st);
        if (fclose(f) != 0 && rc == 0)
            rc = -EIO;
        if (rc < 0) {
            fprintf(stderr, "bench_scale: writing %s: %s\n", lp_path, strerror(-rc));
            return 1;
        }
        printf("lp_file %s\nlp_options %ld\nlp_vars %ld\nlp_rows %ld\nlp_nonzeros %ld\n"
               "lp_write_s %.3f\n",
               lp_path, st.options, st.vars, st.rows, st.nonzeros, util_mono_seconds() - t1);
        free(own);
        free(relaxed);
    }

    rss_mib(&pk, &cur);
    printf("peak_rss_mib %.1f\n", pk);
    plan_free(&plan);
    snapshot_free(&s);
    return 0;
}
