/* SPDX-License-Identifier: ISC */
/*
 * bench_surplus.c — what a plan leaves short and over, which part of the
 * shortage no roster can fix, and how much of an absence the next run covers
 * again (docs/engine.md, "Contact-centre plans: shortage and surplus").
 *
 *   bench_surplus (--db CONNINFO [--clock 2026-12-09T16:05:00Z] [--days 14] [--site 1]
 *                  | --agents N --csv arrivals_30min.csv [--site-seed S] [--load X]
 *                    [--step M] [--queues Q] [--infeasible K])
 *                 (--iterations I | --seconds B) [--threads T] [--seeds "1 2 3"]
 *                 [--absences K [--absence-seed S] [--absence-hours 48] [--absence-length 2-6]
 *                  [--absence-plan quick|full] [--quick-iterations Q]] [--freeze-hours 48]
 *                 [--forced]
 *
 * The site is the database's (the demo: demo/demo.sql loaded under the same
 * fixed clock) or a generated one (gen_site.h: the generator's options, as
 * bench_scale takes them but with the seed named --site-seed). Each plan
 * seed plans the site from scratch (plan_run(), as the daemon's first run)
 * and prints, over the
 * future intervals (snapshot_first_future_cell()), the agent-minutes short,
 * unfixable (short beyond what the agents could work at all), over, and over
 * where nobody is needed (idle); the share of intervals with demand whose
 * expected service level meets the queue's goal, the share that would still
 * have enough agents with 10 % more contacts than forecast (how much of the
 * surplus is a buffer), and the share at goal among the intervals without
 * unfixable shortage; in all and per queue; then the medians over the seeds.
 *
 * --absences K (docs/engine.md, "Absences"): the seed's plan is published
 * (its shifts and breaks become the snapshot's published ones) and K
 * absences are drawn from --absence-seed, each on another published shift
 * starting between half an hour and --absence-hours (48: the default freeze,
 * today and tomorrow) after the clock: --absence-length (2 to 6) whole hours
 * of it, from the shift's start or a half hour after (the whole shift when it
 * is shorter).
 * Each is added to the agent's time off alone and planned again from the
 * published plan, as the daemon plans one agent's change: a quick plan of
 * that agent (--quick-iterations, default a tenth of --iterations as the
 * daemon's quick_plan_iterations; 0.1 s with --seconds), in full when the
 * quick plan is not possible; with --absence-plan full, a full plan of the
 * same budget (a daemon with quick_plan = no). Reported per absence and in
 * all: the agent-minutes the absence took (the agent on the queue, not on a
 * break), the share of them backfilled (the new plan schedules as many on
 * the queue in that interval as the published one), the same over the
 * intervals that losing the agent leaves short ("needed"), the share of the
 * shift's time outside the absence the agent still works (kept), the share
 * of the whole shift's working time that stays as well covered (kept or
 * backfilled), how many
 * absences leave a stretch of the shift as long as the agent's shortest
 * contract length (where a part could be kept at all), how many absent agents
 * keep a shorter shift, how many other agents' shifts changed,
 * and the shortage the new plans add.
 *
 * --load L: the generated site's requirement is L times what its skilled
 * agents could work (gen_site.h; below 1 the contracts' weekly minimums force
 * hours beyond the need). --forced: where the surplus lands (docs/engine.md,
 * "Forced hours"): of the surplus agent-minutes in intervals with demand, the
 * share in thin intervals (requirement at most the queue's median over its
 * future intervals with demand, which are `thin_intervals_pct` of them) and
 * in intervals where a first agent above the requirement adds more than the
 * median (plan.c's buffer gain, `high_gain_pct`); the mean expected service
 * level over the intervals with demand, and the same with one scheduled agent
 * missing in each (the risk a buffer lowers); and the agent-minutes worked
 * (more would mean hours added for a buffer). It needs plan_service_level():
 * its "before" was this library with main's roster.o put in its place
 * (ar rcs libstaffd.a roster.o).
 *
 * Built against the library of a commit (both sides of a comparison use the
 * same source of this file; -DBENCH_BEFORE for a library without the
 * unfixable split of migration 0013):
 *   cc -std=c17 -O2 -D_GNU_SOURCE -Iinclude $(pkg-config --cflags libcjson libpq) \
 *      -o /tmp/bench_surplus tests/bench/bench_surplus.c tests/bench/gen_site.c \
 *      build/plain/libstaffd.a \
 *      $(pkg-config --libs libpq libuv libcjson libical libh2o libsystemd libcrypto) \
 *      -lglpk -lm -lpthread
 */
#include <errno.h>
#include <getopt.h>
#include <libpq-fe.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gen_site.h"
#include "load.h"
#include "model.h"
#include "plan.h"

#define MAX_SEEDS 32

struct figures {
    double shortage, unfixable, surplus, idle, required;
    int with_demand, at_goal, at_goal_10; /* at_goal_10: still with 10 % more contacts */
    int fixable, fixable_at_goal;         /* intervals with demand and no unfixable shortage */
};

static int load_from_db(const char *conninfo, int days, bool fixed, sd_time at, int64_t site,
                        struct snapshot *out)
{
    PGconn *c = PQconnectdb(conninfo);
    int rc = -EIO, n = 0;
    PGresult *res[64];
    char err[512] = "";
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "bench_surplus: %s", PQerrorMessage(c));
        goto out;
    }
    char *sql = load_snapshot_sql(days, fixed, at, site);
    if (sql == NULL || !PQsendQuery(c, sql)) {
        fprintf(stderr, "bench_surplus: %s", PQerrorMessage(c));
        free(sql);
        goto out;
    }
    free(sql);
    PGresult *r;
    while ((r = PQgetResult(c)) != NULL) {
        if (n < 64)
            res[n++] = r;
        else
            PQclear(r);
    }
    rc = load_snapshot(res, n, days, out, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "bench_surplus: snapshot: %s\n", err);
    for (int i = 0; i < n; i++)
        PQclear(res[i]);
out:
    PQfinish(c);
    return rc;
}

static sd_time parse_utc(const char *text)
{
    struct tm tm = {0};
    if (strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
        return -1;
    return (sd_time)timegm(&tm);
}

/* Over the future intervals, per queue (q >= 0) or in all (q < 0). */
static struct figures figures_of(const struct snapshot *s, const struct plan *p,
                                 const double *req10, int q)
{
    struct figures f = {0};
    int first = snapshot_first_future_cell(s);
    for (int k = 0; k < s->n_queues; k++) {
        if (q >= 0 && k != q)
            continue;
        for (int c = first; c < s->n_cells; c++) {
            size_t i = (size_t)k * (size_t)s->n_cells + (size_t)c;
            double over = p->scheduled[i] - p->required[i];
            f.shortage += p->shortage[i] * 15;
            f.surplus += over > 0 ? over * 15 : 0;
            f.idle += over > 0 && p->required[i] <= 0 ? over * 15 : 0;
            f.required += p->required[i] * 15;
#ifndef BENCH_BEFORE
            f.unfixable += p->unfixable[i] * 15;
#endif
            if (p->required[i] > 0) {
                f.with_demand++;
                f.at_goal += p->service_level[i] >= s->queues[k].service_level;
                f.at_goal_10 += p->scheduled[i] >= req10[i] - 1e-9;
#ifndef BENCH_BEFORE
                if (p->unfixable[i] <= 0) {
                    f.fixable++;
                    f.fixable_at_goal += p->service_level[i] >= s->queues[k].service_level;
                }
#endif
            }
        }
    }
    return f;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n == 0 ? 0 : n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* --forced: where the surplus of intervals with demand lands (see the top of the file). */
struct forced {
    double surplus, thin_surplus, gain_surplus, worked, sl_sum, sl1_sum;
    int with_demand, thin;
};

/* What a 1st agent above the requirement adds in cell c of queue q: plan.c's buffer gain. */
static double first_gain(const struct snapshot *s, int q, int c, double required)
{
    double need = ceil(required - 1e-9);
    return 0.5 * (plan_service_level(s, q, c, need + 1, need) -
                  plan_service_level(s, q, c, need - 1, need));
}

/*
 * Per queue, the median requirement of its future intervals with demand
 * (med[q]); over all of them, the median first_gain() (*gmed).
 */
static int thin_medians(const struct snapshot *s, const double *required, double *med, double *gmed)
{
    int first = snapshot_first_future_cell(s), ng = 0;
    size_t ncov = (size_t)s->n_queues * (size_t)s->n_cells;
    double *v = malloc((size_t)(s->n_cells ? s->n_cells : 1) * sizeof *v);
    double *g = malloc((ncov ? ncov : 1) * sizeof *g);
    if (v == NULL || g == NULL) {
        free(v);
        free(g);
        return -ENOMEM;
    }
    for (int q = 0; q < s->n_queues; q++) {
        int n = 0;
        for (int c = first; c < s->n_cells; c++) {
            double r = required[(size_t)q * (size_t)s->n_cells + (size_t)c];
            if (r > 0) {
                v[n++] = r;
                g[ng++] = first_gain(s, q, c, r);
            }
        }
        med[q] = median(v, n);
    }
    *gmed = median(g, ng);
    free(v);
    free(g);
    return 0;
}

static struct forced forced_of(const struct snapshot *s, const struct plan *p, const double *med,
                               double gmed)
{
    struct forced f = {0};
    int first = snapshot_first_future_cell(s);
    for (int q = 0; q < s->n_queues; q++) {
        for (int c = first; c < s->n_cells; c++) {
            size_t i = (size_t)q * (size_t)s->n_cells + (size_t)c;
            double over = p->scheduled[i] - p->required[i];
            f.worked += p->scheduled[i] * 15;
            if (p->required[i] <= 0)
                continue;
            bool thin = p->required[i] <= med[q];
            f.with_demand++;
            f.thin += thin;
            f.sl_sum += p->service_level[i];
            f.sl1_sum += plan_service_level(s, q, c, p->scheduled[i] - 1, p->required[i]);
            if (over > 0) {
                f.surplus += over * 15;
                f.thin_surplus += thin ? over * 15 : 0;
                f.gain_surplus += first_gain(s, q, c, p->required[i]) > gmed ? over * 15 : 0;
            }
        }
    }
    return f;
}

static void print_figures(const char *what, const struct figures *f)
{
    printf("%s shortage_min %.0f unfixable_min %.0f surplus_min %.0f idle_min %.0f required_min "
           "%.0f at_goal_pct %.1f (%d of %d) at_goal_plus10_pct %.1f fixable_at_goal_pct %.1f "
           "(%d of %d)\n",
           what, f->shortage, f->unfixable, f->surplus, f->idle, f->required,
           f->with_demand ? 100.0 * f->at_goal / f->with_demand : 100.0, f->at_goal, f->with_demand,
           f->with_demand ? 100.0 * f->at_goal_10 / f->with_demand : 100.0,
           f->fixable ? 100.0 * f->fixable_at_goal / f->fixable : 100.0, f->fixable_at_goal,
           f->fixable);
}

/* The plan's shifts and breaks as the snapshot's published ones (the daemon's next run sees them
 * so). */
static int publish(struct snapshot *s, const struct plan *p)
{
    free(s->published);
    free(s->published_breaks);
    s->published = calloc((size_t)(p->n_shifts ? p->n_shifts : 1), sizeof *s->published);
    s->published_breaks =
        calloc((size_t)(p->n_breaks ? p->n_breaks : 1), sizeof *s->published_breaks);
    if (s->published == NULL || s->published_breaks == NULL)
        return -ENOMEM;
    s->n_published = p->n_shifts;
    s->n_published_breaks = p->n_breaks;
    for (int i = 0; i < p->n_shifts; i++) {
        const struct planned_shift *ps = &p->shifts[i];
        struct published_shift *o = &s->published[i];
        snprintf(o->uuid, sizeof o->uuid, "00000000-0000-4000-8000-%012d", i);
        o->agent = ps->agent;
        o->queue = ps->queue;
        o->agent_id = s->agents[ps->agent].id;
        o->queue_id = s->queues[ps->queue].id;
        o->start = ps->start;
        o->end = ps->end;
        o->first_break = 0;
        o->n_breaks = 0;
    }
    /* plan.breaks are ordered by shift, as snapshot.published_breaks must be. */
    for (int b = p->n_breaks - 1; b >= 0; b--) {
        s->published_breaks[b] = p->breaks[b];
        struct published_shift *o = &s->published[p->breaks[b].shift];
        o->first_break = b;
        o->n_breaks++;
    }
    return 0;
}

static bool same_shift(const struct planned_shift *a, const struct planned_shift *b)
{
    return a->agent == b->agent && a->queue == b->queue && a->start == b->start && a->end == b->end;
}

/* Whether agent-cell c of shift k of plan p is on the queue (not on a break). */
static bool working(const struct snapshot *s, const struct plan *p, int k, int c)
{
    sd_time t0 = s->horizon_start + (sd_time)c * SD_CELL_SECONDS, t1 = t0 + SD_CELL_SECONDS;
    if (p->shifts[k].start > t0 || p->shifts[k].end < t1)
        return false;
    for (int b = 0; b < p->n_breaks; b++)
        if (p->breaks[b].shift == k && p->breaks[b].start < t1 && t0 < p->breaks[b].end)
            return false;
    return true;
}

/* Seconds of [a0, a1) that [b0, b1) covers. */
static sd_time overlap(sd_time a0, sd_time a1, sd_time b0, sd_time b1)
{
    sd_time from = a0 > b0 ? a0 : b0, to = a1 < b1 ? a1 : b1;
    return to > from ? to - from : 0;
}

/*
 * What the injected absences did (docs/engine.md, "Absences"). Agent-minutes:
 * `lost` is what the absence took (the absent agent on the queue, not on a
 * break, from the clock on), `backfilled` the part of it where the new plan
 * schedules as many on the queue as before (somebody else works it); `needed`
 * and `needed_back` the same over the cells that losing the agent leaves
 * short. `keepable` is the shift's time outside the absence from the clock
 * on, `kept` what of it the agent still works. `worked` is every minute of
 * the shift the agent worked, `still` those that stay as well covered (kept
 * or backfilled).
 */
struct backfill {
    double lost, backfilled, needed, needed_back, keepable, kept;
    double worked, still;  /* the whole shift: worked before, and as well covered after */
    double added_shortage; /* future shortage minutes of the new plans over the published one */
    int kept_shorter, others_changed, fallbacks, n;
    int part_fits; /* absences that leave a stretch as long as the contract's shortest length */
};

/* One absence on shift k of the published plan p0: plans again and adds up what was covered. */
static int one_absence(struct snapshot *s, const struct plan_params *pa,
                       const struct plan_params *pf, const struct plan *p0, int k, struct span off,
                       struct backfill *bf)
{
    const struct planned_shift *sh = &p0->shifts[k];
    struct agent *ag = &s->agents[sh->agent];
    struct span *old = ag->time_off, *nt = malloc((size_t)(ag->n_time_off + 1) * sizeof *nt);
    if (nt == NULL)
        return -ENOMEM;
    if (ag->n_time_off > 0)
        memcpy(nt, old, (size_t)ag->n_time_off * sizeof *nt);
    nt[ag->n_time_off] = off;
    ag->time_off = nt;
    ag->n_time_off++;
    /* As the daemon plans one agent's change: a quick plan, in full when it cannot be one. */
    struct plan_params pq = *pa;
    int64_t id = ag->id;
    if (pq.quick_agents != NULL) {
        pq.quick_agents = &id;
        pq.n_quick_agents = 1;
    }
    struct plan p1;
    int rc = plan_run(s, &pq, &p1), fallback = 0;
    if (rc == -EAGAIN) {
        fallback = 1;
        rc = plan_run(s, pf, &p1);
    }
    ag->n_time_off--;
    ag->time_off = old;
    free(nt);
    if (rc < 0)
        return rc;
    int c0, c1, first = snapshot_first_future_cell(s);
    snapshot_span_cells(s, sh->start, sh->end, &c0, &c1);
    double lost = 0, back = 0, need = 0, need_back = 0, worked = 0, still = 0;
    for (int c = c0 > first ? c0 : first; c < c1; c++) {
        sd_time t0 = s->horizon_start + (sd_time)c * SD_CELL_SECONDS;
        if (!working(s, p0, k, c))
            continue;
        size_t i = (size_t)sh->queue * (size_t)s->n_cells + (size_t)c;
        bool covered = p1.scheduled[i] >= p0->scheduled[i];
        worked += 15;
        still += covered ? 15 : 0;
        if (!(t0 < off.end && off.start < t0 + SD_CELL_SECONDS))
            continue;
        lost += 15;
        back += covered ? 15 : 0;
        if (p0->scheduled[i] - 1 < p0->required[i] - 1e-9) {
            need += 15;
            need_back += covered ? 15 : 0;
        }
    }
    /* The shift's time outside the absence, from the clock on, and what of it the agent works. */
    sd_time from = sh->start > s->now ? sh->start : s->now;
    sd_time a0 = from, a1 = off.start < sh->end ? off.start : sh->end;
    sd_time b0 = off.end > from ? off.end : from, b1 = sh->end;
    double keepable = (double)(overlap(a0, a1, a0, a1) + overlap(b0, b1, b0, b1)) / 60.0, kept = 0;
    bool shorter = false;
    int changed = 0;
    for (int i = 0; i < p1.n_shifts; i++) {
        const struct planned_shift *x = &p1.shifts[i];
        if (x->agent == sh->agent) {
            if (x->queue == sh->queue) {
                kept += (double)(overlap(x->start, x->end, a0, a1) +
                                 overlap(x->start, x->end, b0, b1)) /
                        60.0;
                shorter |= x->start >= sh->start && x->end <= sh->end && !same_shift(x, sh) &&
                           overlap(x->start, x->end, sh->start, sh->end) > 0;
            }
            continue;
        }
        bool found = false;
        for (int j = 0; j < p0->n_shifts && !found; j++)
            found = same_shift(x, &p0->shifts[j]);
        changed += !found;
    }
    for (int j = 0; j < p0->n_shifts; j++) {
        if (p0->shifts[j].agent == sh->agent)
            continue;
        bool found = false;
        for (int i = 0; i < p1.n_shifts && !found; i++)
            found = same_shift(&p1.shifts[i], &p0->shifts[j]);
        changed += !found;
    }
    printf("absence agent=%lld shift=%lld+%lldmin off=%lld+%lldmin lost_min %.0f backfilled %.0f "
           "needed_min %.0f backfilled %.0f keepable_min %.0f kept %.0f kept_shorter %d "
           "others_changed %d added_shortage_min %.0f%s\n",
           (long long)ag->id, (long long)sh->start, (long long)(sh->end - sh->start) / 60,
           (long long)off.start, (long long)(off.end - off.start) / 60, lost, back, need, need_back,
           keepable, kept, shorter, changed, p1.shortage_minutes - p0->shortage_minutes,
           fallback ? " (planned in full)" : "");
    bf->lost += lost;
    bf->backfilled += back;
    bf->needed += need;
    bf->needed_back += need_back;
    bf->keepable += keepable;
    bf->worked += worked;
    bf->still += still;
    bf->kept += kept;
    bf->added_shortage += p1.shortage_minutes - p0->shortage_minutes;
    bf->kept_shorter += shorter;
    /* Whether a contract length fits beside the absence at all (the step aside). */
    const struct contract *ct = &s->contracts[ag->contract];
    int shortest = ct->n_lengths > 0 ? ct->shift_lengths_minutes[0] : 0;
    for (int l = 1; l < ct->n_lengths; l++)
        if (ct->shift_lengths_minutes[l] < shortest)
            shortest = ct->shift_lengths_minutes[l];
    sd_time side = a1 - a0 > b1 - b0 ? a1 - a0 : b1 - b0;
    bf->part_fits += shortest > 0 && side >= (sd_time)shortest * 60;
    bf->others_changed += changed;
    bf->fallbacks += fallback;
    bf->n++;
    plan_free(&p1);
    return 0;
}

/*
 * `count` absences drawn from `seed`, each on its own published shift that
 * starts between half an hour and `window` after the clock (the default
 * window, 48 hours, is the daemon's freeze: today and tomorrow): min_hours to
 * max_hours whole hours of it, starting on the half hour (the whole shift when it is
 * shorter). Each is planned alone from the published plan p0 by pa (by pf
 * when pa is a quick plan that is not possible).
 */
static int absences(struct snapshot *s, const struct plan_params *pa, const struct plan_params *pf,
                    const struct plan *p0, int count, uint64_t seed, sd_time window, int min_hours,
                    int max_hours, struct backfill *bf)
{
    int rc = publish(s, p0);
    int *pick = malloc((size_t)(p0->n_shifts ? p0->n_shifts : 1) * sizeof *pick), n = 0;
    if (rc < 0 || pick == NULL) {
        free(pick);
        return -ENOMEM;
    }
    for (int i = 0; i < p0->n_shifts; i++)
        if (p0->shifts[i].start >= s->now + 1800 && p0->shifts[i].start < s->now + window)
            pick[n++] = i;
    uint64_t rng = seed;
    for (int a = 0; a < count && n > 0 && rc == 0; a++) {
        int x = (int)(gen_splitmix64(&rng) % (uint64_t)n), k = pick[x];
        pick[x] = pick[--n]; /* each shift once */
        const struct planned_shift *sh = &p0->shifts[k];
        int len = (int)((sh->end - sh->start) / 60);
        int want =
            60 * (min_hours + (int)(gen_splitmix64(&rng) % (uint64_t)(max_hours - min_hours + 1)));
        if (want > len)
            want = len;
        int slots = (len - want) / 30 + 1;
        sd_time from = sh->start + (sd_time)(gen_splitmix64(&rng) % (uint64_t)slots) * 1800;
        rc = one_absence(s, pa, pf, p0, k, (struct span){from, from + (sd_time)want * 60}, bf);
    }
    free(pick);
    free(s->published);
    free(s->published_breaks);
    s->published = NULL;
    s->published_breaks = NULL;
    s->n_published = 0;
    s->n_published_breaks = 0;
    return rc;
}

static double pct(double part, double whole)
{
    return whole > 0 ? 100.0 * part / whole : 100.0;
}

int main(int argc, char **argv)
{
    const char *conninfo = NULL, *clock = "2026-12-09T16:05:00Z";
    struct gen_site_params gp = {.agents = 0, .seed = 1};
    struct plan_params pp = {.threads = 1};
    int days = 14, n_seeds = 0, n_absences = 0, freeze_hours = 48, absence_hours = 48;
    int min_hours = 2, max_hours = 6;
    long quick_iterations = -1;
    bool absence_full = false;
    bool forced = false;
    int64_t site = 1;
    uint64_t seeds[MAX_SEEDS], absence_seed = 1;
    static const struct option longopts[] = {{"db", required_argument, NULL, 'd'},
                                             {"clock", required_argument, NULL, 'k'},
                                             {"days", required_argument, NULL, 'D'},
                                             {"site", required_argument, NULL, 'S'},
                                             GEN_SITE_LONGOPTS("site-seed"),
                                             {"iterations", required_argument, NULL, 'i'},
                                             {"seconds", required_argument, NULL, 'b'},
                                             {"threads", required_argument, NULL, 't'},
                                             {"seeds", required_argument, NULL, 's'},
                                             {"absences", required_argument, NULL, 'a'},
                                             {"absence-seed", required_argument, NULL, 'A'},
                                             {"freeze-hours", required_argument, NULL, 'f'},
                                             {"absence-hours", required_argument, NULL, 'H'},
                                             {"absence-length", required_argument, NULL, 'L'},
                                             {"absence-plan", required_argument, NULL, 'P'},
                                             {"quick-iterations", required_argument, NULL, 'q'},
                                             {"forced", no_argument, NULL, 'F'},
                                             {NULL, 0, NULL, 0}};
    int ch;
    char err[256] = "";
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        int site_opt = gen_site_option(&gp, ch, optarg, err, sizeof err);
        if (site_opt < 0) {
            fprintf(stderr, "bench_surplus: %s\n", err);
            return 2;
        }
        if (site_opt > 0)
            continue;
        switch (ch) {
        case 'd':
            conninfo = optarg;
            break;
        case 'k':
            clock = optarg;
            break;
        case 'D':
            days = atoi(optarg);
            break;
        case 'S':
            site = atoll(optarg);
            break;
        case 'i':
            pp.iterations = atol(optarg);
            break;
        case 'b':
            pp.seconds = atof(optarg);
            break;
        case 't':
            pp.threads = atoi(optarg);
            break;
        case 's':
            for (char *tok = strtok(optarg, " ,"); tok && n_seeds < MAX_SEEDS;
                 tok = strtok(NULL, " ,"))
                seeds[n_seeds++] = strtoull(tok, NULL, 10);
            break;
        case 'a':
            n_absences = atoi(optarg);
            break;
        case 'A':
            absence_seed = strtoull(optarg, NULL, 10);
            break;
        case 'f':
            freeze_hours = atoi(optarg);
            break;
        case 'H':
            absence_hours = atoi(optarg);
            break;
        case 'L':
            if (sscanf(optarg, "%d-%d", &min_hours, &max_hours) != 2 || min_hours < 1 ||
                max_hours < min_hours) {
                fprintf(stderr, "bench_surplus: --absence-length wants hours like 2-6\n");
                return 2;
            }
            break;
        case 'P':
            if (strcmp(optarg, "quick") != 0 && strcmp(optarg, "full") != 0) {
                fprintf(stderr, "bench_surplus: --absence-plan is quick or full\n");
                return 2;
            }
            absence_full = strcmp(optarg, "full") == 0;
            break;
        case 'q':
            quick_iterations = atol(optarg);
            break;
        case 'F':
            forced = true;
            break;
        default:
            fprintf(stderr, "bench_surplus: see the comment at the top of the file\n");
            return 2;
        }
    }
    if ((conninfo == NULL) == (gp.agents <= 0 || gp.arrivals_csv == NULL) ||
        (pp.iterations <= 0 && pp.seconds <= 0)) {
        fprintf(stderr, "bench_surplus: --db or --agents with --csv, and a budget, please\n");
        return 2;
    }
    if (n_seeds == 0)
        seeds[n_seeds++] = 1;

    struct snapshot s = {0};
    int rc;
    if (conninfo != NULL) {
        sd_time at = parse_utc(clock);
        if (at < 0) {
            fprintf(stderr, "bench_surplus: --clock wants 2026-12-09T16:05:00Z\n");
            return 2;
        }
        rc = load_from_db(conninfo, days, true, at, site, &s);
    } else {
        struct gen_site_info info;
        rc = gen_site(&gp, &s, &info, err, sizeof err);
        if (rc < 0)
            fprintf(stderr, "bench_surplus: %s\n", err);
    }
    if (rc < 0)
        return 1;
    printf("site agents %d queues %d days %d now %lld\n", s.n_agents, s.n_queues, s.horizon_days,
           (long long)s.now);
    pp.freeze_until = s.now + (sd_time)freeze_hours * 3600;

    /* What each cell would need with 10 % more contacts than forecast: how robust a plan is. */
    size_t ncov = (size_t)s.n_queues * (size_t)s.n_cells;
    double *req10 = calloc(ncov ? ncov : 1, sizeof *req10);
    if (req10 == NULL)
        return 1;
    for (size_t i = 0; i < ncov; i++)
        s.contacts[i] *= 1.1;
    rc = plan_requirements(&s, req10);
    for (size_t i = 0; i < ncov; i++)
        s.contacts[i] /= 1.1;
    if (rc < 0) {
        fprintf(stderr, "bench_surplus: plan_requirements: %s\n", strerror(-rc));
        return 1;
    }

    double m_short[MAX_SEEDS], m_unfix[MAX_SEEDS], m_over[MAX_SEEDS], m_idle[MAX_SEEDS],
        m_goal[MAX_SEEDS];
    double m_goal10[MAX_SEEDS], m_fixgoal[MAX_SEEDS];
    double m_thin[MAX_SEEDS], m_sl[MAX_SEEDS], m_sl1[MAX_SEEDS], m_worked[MAX_SEEDS];
    double *med = calloc((size_t)(s.n_queues ? s.n_queues : 1), sizeof *med), gmed = 0;
    double m_gain[MAX_SEEDS];
    if (med == NULL)
        return 1;
    double m_back[MAX_SEEDS], m_need[MAX_SEEDS], m_kept[MAX_SEEDS], m_still[MAX_SEEDS];
    /* How the daemon plans one agent's change (runs.c): a quick plan of a tenth of the budget. */
    struct plan_params pa = pp;
    if (!absence_full) {
        static const int64_t placeholder = 0; /* one_absence() names the agent */
        pa.quick_agents = &placeholder;
        pa.n_quick_agents = 1;
        pa.threads = 1;
        pa.iterations = quick_iterations >= 0 ? quick_iterations
                        : pp.iterations > 0   ? (pp.iterations + 9) / 10
                                              : 0;
        pa.seconds = pa.iterations > 0 ? 0 : 0.1;
    }
    for (int k = 0; k < n_seeds; k++) {
        struct plan p;
        pp.seed = seeds[k];
        rc = plan_run(&s, &pp, &p);
        if (rc < 0) {
            fprintf(stderr, "bench_surplus: plan_run: %s\n", strerror(-rc));
            return 1;
        }
        struct figures all = figures_of(&s, &p, req10, -1);
        char what[160];
        snprintf(what, sizeof what, "plan seed=%llu", (unsigned long long)seeds[k]);
        print_figures(what, &all);
        for (int q = 0; q < s.n_queues; q++) {
            struct figures f = figures_of(&s, &p, req10, q);
            snprintf(what, sizeof what, "queue seed=%llu %s", (unsigned long long)seeds[k],
                     s.queues[q].name);
            print_figures(what, &f);
        }
        m_short[k] = all.shortage;
        m_unfix[k] = all.unfixable;
        m_over[k] = all.surplus;
        m_idle[k] = all.idle;
        m_goal10[k] = all.with_demand ? 100.0 * all.at_goal_10 / all.with_demand : 100;
        m_fixgoal[k] = all.fixable ? 100.0 * all.fixable_at_goal / all.fixable : 100;
        m_goal[k] = all.with_demand ? 100.0 * all.at_goal / all.with_demand : 100;
        if (forced) {
            if (k == 0 && thin_medians(&s, p.required, med, &gmed) < 0)
                return 1;
            struct forced fo = forced_of(&s, &p, med, gmed);
            m_thin[k] = fo.surplus > 0 ? 100 * fo.thin_surplus / fo.surplus : 0;
            m_gain[k] = fo.surplus > 0 ? 100 * fo.gain_surplus / fo.surplus : 0;
            m_sl[k] = fo.with_demand ? fo.sl_sum / fo.with_demand : 1;
            m_sl1[k] = fo.with_demand ? fo.sl1_sum / fo.with_demand : 1;
            m_worked[k] = fo.worked;
            printf("forced seed=%llu surplus_demand_min %.0f thin_min %.0f thin_pct %.1f "
                   "thin_intervals_pct %.1f high_gain_pct %.1f mean_sl %.4f mean_sl_one_missing "
                   "%.4f worked_min %.0f\n",
                   (unsigned long long)seeds[k], fo.surplus, fo.thin_surplus, m_thin[k],
                   fo.with_demand ? 100.0 * fo.thin / fo.with_demand : 0, m_gain[k], m_sl[k],
                   m_sl1[k], fo.worked);
        }
        if (n_absences > 0) {
            struct backfill bf = {0};
            rc = absences(&s, &pa, &pp, &p, n_absences, absence_seed, (sd_time)absence_hours * 3600,
                          min_hours, max_hours, &bf);
            if (rc < 0) {
                fprintf(stderr, "bench_surplus: absences: %s\n", strerror(-rc));
                return 1;
            }
            m_back[k] = pct(bf.backfilled, bf.lost);
            m_need[k] = pct(bf.needed_back, bf.needed);
            m_kept[k] = pct(bf.kept, bf.keepable);
            m_still[k] = pct(bf.still, bf.worked);
            printf("backfill seed=%llu plan %s absences %d lost_min %.0f backfilled_pct %.1f "
                   "needed_min %.0f needed_backfilled_pct %.1f keepable_min %.0f kept_pct %.1f "
                   "shift_min %.0f shift_covered_pct %.1f part_fits %d kept_shorter %d "
                   "others_changed %d added_shortage_min %.0f planned_in_full %d\n",
                   (unsigned long long)seeds[k], absence_full ? "full" : "quick", bf.n, bf.lost,
                   m_back[k], bf.needed, m_need[k], bf.keepable, m_kept[k], bf.worked, m_still[k],
                   bf.part_fits, bf.kept_shorter, bf.others_changed, bf.added_shortage,
                   bf.fallbacks);
        }
        plan_free(&p);
    }
    printf("median seeds %d shortage_min %.0f unfixable_min %.0f surplus_min %.0f idle_min %.0f "
           "at_goal_pct %.1f at_goal_plus10_pct %.1f fixable_at_goal_pct %.1f",
           n_seeds, median(m_short, n_seeds), median(m_unfix, n_seeds), median(m_over, n_seeds),
           median(m_idle, n_seeds), median(m_goal, n_seeds), median(m_goal10, n_seeds),
           median(m_fixgoal, n_seeds));
    if (n_absences > 0)
        printf(
            " backfilled_pct %.1f needed_backfilled_pct %.1f kept_pct %.1f shift_covered_pct %.1f",
            median(m_back, n_seeds), median(m_need, n_seeds), median(m_kept, n_seeds),
            median(m_still, n_seeds));
    if (forced)
        printf(" thin_pct %.1f high_gain_pct %.1f mean_sl %.4f mean_sl_one_missing %.4f "
               "worked_min %.0f",
               median(m_thin, n_seeds), median(m_gain, n_seeds), median(m_sl, n_seeds),
               median(m_sl1, n_seeds), median(m_worked, n_seeds));
    printf("\n");
    free(req10);
    free(med);
    snapshot_free(&s);
    return 0;
}
