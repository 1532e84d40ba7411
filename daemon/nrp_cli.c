/* SPDX-License-Identifier: ISC */
/*
 * nrp_cli.c — `staffd nrp`: solve, check or export a Curtois & Qu instance.
 *
 *   staffd nrp FILE [--seconds S] [--seed N] [--iterations N] [--threads N]
 *                   [--lp-share X] [--no-branch] [--solution-out F] [--trace]
 *                                             solve, print objective + breakdown
 *   staffd nrp FILE --lp [--seconds S]        LP bound by column generation, dived
 *                                             roster, then branch and price
 *   staffd nrp FILE --check SOLUTION          judge a solution file independently
 *   staffd nrp FILE --write-lp F              the instance as an integer program
 *   staffd nrp --help                         every option
 *
 * main.c calls nrp_main() with argv[0] == "nrp". Exit status: 0 success (and
 * for --check: no hard violation), 1 hard violations, 2 usage or input error.
 * Every solution the engine produces is also judged by nrp_check(), and the
 * two evaluations must agree.
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "colgen.h"
#include "engine.h"
#include "nrp.h"
#include "util.h"

static void usage(FILE *f)
{
    fprintf(f, "usage: staffd nrp FILE [--seconds S] [--seed N] [--iterations N] "
               "[--threads N] [--lp-share X] [--no-branch] [--solution-out F] [--trace]\n"
               "       staffd nrp FILE --lp [--seconds S] [--solution-out F]\n"
               "       staffd nrp FILE --check SOLUTION\n"
               "       staffd nrp FILE --write-lp F\n"
               "\n"
               "Solves a Curtois & Qu rostering instance (FILE, the benchmark's text format)\n"
               "with staffd's scheduling engine and prints the objective, its parts and the\n"
               "hard violations as an independent checker recomputes them from FILE.\n"
               "\n"
               "  --seconds S       wall-clock budget (default 10 when no --iterations)\n"
               "  --iterations N    iteration budget per thread instead: reproducible\n"
               "  --seed N          random seed (default 1)\n"
               "  --threads N       search threads, 1-64 (default 2)\n"
               "  --lp-share X      share of the time the last thread spends on the LP\n"
               "                    relaxation and its dives before searching (default 0.5;\n"
               "                    0: off). Under --seconds that thread then branches and\n"
               "                    prices from the best roster any thread holds, and again\n"
               "                    after recombining the threads' bests at 3/4 of the time;\n"
               "                    a roster it proves optimal ends the run early\n"
               "                    (\"branch and price: N nodes, optimal\"). With one\n"
               "                    thread it builds a first roster before the LP; where\n"
               "                    even the narrowest first roster would take more than\n"
               "                    a tenth of the time, it skips the LP and works by\n"
               "                    windows of days instead\n"
               "  --no-branch       the LP thread without branch and price (to measure it)\n"
               "  --solution-out F  write the roster in the benchmark's solution format (with\n"
               "                    --lp: the dive's, or branch and price's if better)\n"
               "  --trace           print every improvement: time since the command started,\n"
               "                    thread, objective\n"
               "  --lp              only the LP: its value, lower bound, the dived roster,\n"
               "                    then branch and price from it for the rest of the time\n"
               "                    (\"optimal\" when it exhausts its tree). The lower bound\n"
               "                    is the LP value once nothing prices out; where pricing\n"
               "                    is a beam (large instances), the best bound of a\n"
               "                    relaxed pricing (\"relaxed-pricing bound\"; -inf: none).\n"
               "                    Far from the LP's optimum that bound is weak.\n"
               "  --check SOLUTION  judge a solution file: objective and hard violations\n"
               "  --write-lp F      write the instance as an integer program (CPLEX LP format)\n"
               "  -h, --help        this text\n"
               "\n"
               "Exit status: 0 solved (for --check: no hard violation), 1 hard violations,\n"
               "2 usage or input error.\n");
}

static void print_result(const struct nrp_result *r)
{
    printf("objective %ld\n", r->objective);
    printf("  shift-on requests  %ld\n", r->on);
    printf("  shift-off requests %ld\n", r->off);
    printf("  cover under        %ld\n", r->under);
    printf("  cover over         %ld\n", r->over);
    printf("hard violations %d\n", r->violations);
    static const char *names[NRP_RULES] = {
        "",
        "one shift per day",
        "forbidden succession",
        "max shifts per type",
        "total minutes",
        "max consecutive shifts",
        "min consecutive shifts",
        "min consecutive days off",
        "max weekends",
        "days off",
    };
    for (int i = 1; i < NRP_RULES; i++)
        if (r->by_rule[i])
            printf("  rule %d (%s): %d\n", i, names[i], r->by_rule[i]);
    if (r->violations)
        printf("  first: %s\n", r->first);
}

/*
 * --trace: the anytime curve on stderr, one line per new best of a thread,
 * at most one per 0.1 s per thread so the first second does not flood it;
 * what was held back is printed when the solve ends (trace_flush).
 */
struct trace {
    pthread_mutex_t mu;
    double offset;     /* seconds from the command's start to the engine's */
    double last[64];   /* time of the last printed line, -1 */
    double held_t[64]; /* a held-back report: time, best; held_t < 0: none */
    double held_best[64];
};

static void trace_progress(void *ctx, int thread, double seconds, double best)
{
    struct trace *t = ctx;
    seconds += t->offset; /* since the command started: the budget's clock */
    pthread_mutex_lock(&t->mu);
    if (thread >= 0 && thread < 64) {
        if (seconds - t->last[thread] >= 0.1) {
            t->last[thread] = seconds;
            t->held_t[thread] = -1;
            fprintf(stderr, "trace %.3f s thread %d best %.0f\n", seconds, thread, best);
        } else {
            t->held_t[thread] = seconds;
            t->held_best[thread] = best;
        }
    }
    pthread_mutex_unlock(&t->mu);
}

static void trace_flush(struct trace *t)
{
    for (int i = 0; i < 64; i++)
        if (t->held_t[i] >= 0)
            fprintf(stderr, "trace %.3f s thread %d best %.0f\n", t->held_t[i], i, t->held_best[i]);
}

/* --solution-out: the roster in the benchmark's solution format; says why not. */
static int write_solution(const struct nrp_instance *inst, const int *assign, const char *path)
{
    FILE *f = fopen(path, "w");
    int rc = f ? nrp_solution_write(inst, assign, f) : -errno;
    if (f && fclose(f) != 0 && rc == 0)
        rc = -EIO;
    if (rc < 0)
        fprintf(stderr, "staffd nrp: %s: %s\n", path, strerror(-rc));
    return rc;
}

static int parse_num(const char *s, double *v)
{
    char *end;
    errno = 0;
    *v = strtod(s, &end);
    return (end == s || *end || errno) ? -EINVAL : 0;
}

int nrp_main(int argc, char **argv)
{
    /* --seconds is the whole run's: reading, building and writing come out of it. */
    double t_start = util_mono_seconds();
    const char *file = NULL, *check = NULL, *lp = NULL, *sol_out = NULL;
    struct engine_params p = {
        .seed = 1, .iterations = 0, .seconds = 0, .threads = 2, .lp_share = 0.5};
    bool seconds_given = false, lp_only = false;
    struct trace tr;
    pthread_mutex_init(&tr.mu, NULL);
    tr.offset = 0;
    for (int t = 0; t < 64; t++)
        tr.last[t] = tr.held_t[t] = -1;
    int status = 2;
    struct nrp_instance inst;
    struct engine_instance *E = NULL;
    struct engine_solution sol = {0};
    int *assign = NULL;
    char err[256] = "";
    memset(&inst, 0, sizeof inst);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        double v;
        bool has = i + 1 < argc;
        if (strcmp(a, "--seconds") == 0 && has && parse_num(argv[i + 1], &v) == 0 && v >= 0) {
            p.seconds = v;
            seconds_given = true;
            i++;
        } else if (strcmp(a, "--seed") == 0 && has && parse_num(argv[i + 1], &v) == 0 && v >= 0) {
            p.seed = (uint64_t)v;
            i++;
        } else if (strcmp(a, "--iterations") == 0 && has && parse_num(argv[i + 1], &v) == 0 &&
                   v >= 0) {
            p.iterations = (long)v;
            i++;
        } else if (strcmp(a, "--threads") == 0 && has && parse_num(argv[i + 1], &v) == 0 &&
                   v >= 1 && v <= 64) {
            p.threads = (int)v;
            i++;
        } else if (strcmp(a, "--lp-share") == 0 && has && parse_num(argv[i + 1], &v) == 0 &&
                   v >= 0 && v <= 1) {
            p.lp_share = v;
            i++;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            status = 0;
            goto out;
        } else if (strcmp(a, "--lp") == 0) {
            lp_only = true;
        } else if (strcmp(a, "--no-branch") == 0) {
            p.no_branch = true;
        } else if (strcmp(a, "--trace") == 0) {
            p.progress = trace_progress;
            p.progress_ctx = &tr;
        } else if (strcmp(a, "--solution-out") == 0 && has) {
            sol_out = argv[++i];
        } else if (strcmp(a, "--check") == 0 && has) {
            check = argv[++i];
        } else if (strcmp(a, "--write-lp") == 0 && has) {
            lp = argv[++i];
        } else if (a[0] != '-' && file == NULL) {
            file = a;
        } else {
            if (a[0] == '-')
                fprintf(stderr,
                        "staffd nrp: %s: unknown option, or its value is missing or out of range\n",
                        a);
            else
                fprintf(stderr, "staffd nrp: %s: only one instance file is taken\n", a);
            usage(stderr);
            goto out;
        }
    }
    if (file == NULL) {
        usage(stderr);
        goto out;
    }
    if (nrp_load(file, &inst, err, sizeof err) < 0) {
        fprintf(stderr, "staffd nrp: %s\n", err);
        goto out;
    }
    printf("instance %s: %d staff, %d shift types, %d days, %d on / %d off requests, "
           "%d cover lines\n",
           file, inst.n_staff, inst.n_shifts, inst.days, inst.n_on, inst.n_off, inst.n_cover);
    assign = malloc((size_t)inst.n_staff * (size_t)inst.days * sizeof *assign);
    if (assign == NULL)
        goto out;
    if (lp) {
        FILE *f = fopen(lp, "w");
        int rc = f ? nrp_write_lp(&inst, f) : -errno;
        if (f && fclose(f) != 0 && rc == 0)
            rc = -EIO;
        if (rc < 0) {
            fprintf(stderr, "staffd nrp: %s: %s\n", lp, strerror(-rc));
            goto out;
        }
        printf("wrote %s\n", lp);
        status = 0;
        goto out;
    }
    if (check) {
        int extra;
        struct nrp_result r;
        if (nrp_solution_load(&inst, check, assign, &extra, err, sizeof err) < 0) {
            fprintf(stderr, "staffd nrp: %s: %s\n", check, err);
            goto out;
        }
        nrp_check(&inst, assign, extra, &r);
        print_result(&r);
        status = r.violations ? 1 : 0;
        goto out;
    }
    if (!seconds_given && p.iterations <= 0)
        p.seconds = 10;
    int rc = nrp_to_engine(&inst, &E);
    if (rc < 0) {
        fprintf(stderr, "staffd nrp: cannot build the model: %s\n", strerror(-rc));
        goto out;
    }
    if (lp_only) {
        struct colgen_params cp = {.seconds = p.seconds, .lagrange = true};
        struct colgen_result cr;
        struct colgen *g = NULL;
        rc = colgen_run(E, &cp, &g, &cr);
        if (rc == -ERANGE || rc == -EDOM) {
            fprintf(stderr, "staffd nrp: column generation: %s\n",
                    rc == -EDOM ? "some staff member has no horizon that keeps every hard rule"
                                : "for some staff member no first horizon was found within the "
                                  "DP's memory bound, so the LP cannot start (the engine without "
                                  "--lp still solves the instance)");
            goto out;
        }
        if (rc < 0) {
            fprintf(stderr, "staffd nrp: column generation: %s\n", strerror(-rc));
            goto out;
        }
        printf("lp value %.2f, lower bound %.2f%s, %d columns, %d rounds, %d LP solves, root %.2f "
               "s, relaxed-pricing bound %.2f\n",
               cr.lp_value, cr.lp_bound, cr.converged ? " (converged)" : "", cr.columns, cr.rounds,
               cr.lp_solves, cr.root_seconds, cr.lagrange_bound);
        printf("dive objective %.0f%s, %.2f s\n", cr.objective,
               cr.complete ? "" : " (cut short by the clock)", cr.seconds);
        /* The rest of the time: branch and price from the dived roster. */
        double left = p.seconds > 0 ? p.seconds - cr.seconds : 0, obj = cr.objective;
        bool proved = false;
        /* Under --iterations there is no clock to stop the tree: no branching. */
        if (g && p.seconds > 0 && left > 0) {
            rc = colgen_branch(g, cr.choice, left, cr.choice, &obj, &proved);
            if (rc < 0) {
                fprintf(stderr, "staffd nrp: branch and price: %s\n", strerror(-rc));
                colgen_free(g);
                colgen_result_free(&cr);
                goto out;
            }
            printf("branch and price objective %.0f, %ld nodes, %s\n", obj, colgen_nodes(g),
                   proved ? "optimal" : "stopped by the clock");
        }
        /* The best roster (the dive's, or branch and price's where it found better). */
        if (sol_out && cr.choice) {
            for (int i = 0; i < inst.n_staff * inst.days; i++)
                assign[i] = cr.choice[i];
            if (write_solution(&inst, assign, sol_out) < 0) {
                colgen_free(g);
                colgen_result_free(&cr);
                goto out;
            }
        }
        colgen_free(g);
        colgen_result_free(&cr);
        status = 0;
        goto out;
    }
    double budget = p.seconds;
    if (budget > 0) {
        /*
         * What is left for the engine: the budget less what reading and
         * building took, and less a reserve for checking, writing and
         * freeing the roster afterwards (tens of ms on a year of 150 staff).
         */
        double left = budget - (util_mono_seconds() - t_start) - (0.05 + 0.01 * budget);
        p.seconds = left > 0.01 ? left : 0.01;
    }
    double t0 = util_mono_seconds();
    tr.offset = t0 - t_start;
    rc = engine_solve(E, &p, &sol);
    double t1 = util_mono_seconds();
    if (p.progress)
        trace_flush(&tr);
    if (rc < 0) {
        if (rc == -EDOM && sol.infeasible_agent >= 0 && sol.infeasible_agent < inst.n_staff)
            fprintf(stderr, "staffd nrp: staff %s has no feasible roster\n",
                    inst.staff[sol.infeasible_agent].id);
        else if (rc == -ETIMEDOUT)
            fprintf(stderr, "staffd nrp: no roster without hard violations was found within "
                            "the budget\n");
        else if (rc == -ERANGE)
            fprintf(stderr, "staffd nrp: for some staff member no horizon that keeps every hard "
                            "rule was found within the DP's memory bound\n");
        else
            fprintf(stderr, "staffd nrp: engine: %s\n", strerror(-rc));
        goto out;
    }
    for (int i = 0; i < inst.n_staff * inst.days; i++)
        assign[i] = sol.choice[i]; /* option j of every agent-day is shift type j */
    struct nrp_result r;
    nrp_check(&inst, assign, 0, &r);
    print_result(&r);
    printf("engine objective %.0f (violations %d), %ld iterations, thread %d, %.2f s\n",
           sol.report.objective, sol.report.violations, sol.iterations, sol.thread, t1 - t0);
    if (sol.pooled > 0)
        printf("recombined %d rosters with the LP's columns\n", sol.pooled);
    if (sol.nodes > 0)
        printf("branch and price: %ld nodes, %s\n", sol.nodes,
               sol.optimal ? "optimal (the run ended early)" : "stopped by the clock");
    if (fabs(sol.report.objective - (double)r.objective) > 0.5 || sol.report.violations) {
        fprintf(stderr, "staffd nrp: engine and checker disagree\n");
        status = 1;
        goto out;
    }
    if (sol_out && write_solution(&inst, assign, sol_out) < 0)
        goto out;
    status = r.violations ? 1 : 0;
out:
    engine_solution_free(&sol);
    engine_instance_free(E);
    nrp_free(&inst);
    free(assign);
    pthread_mutex_destroy(&tr.mu);
    return status;
}
