/* SPDX-License-Identifier: ISC */
/*
 * gen_site.c — a synthetic contact-centre site for the scale benchmark (see
 * gen_site.h and docs/scale.md). Everything is drawn from one seeded
 * generator, in a fixed order, so a seed and a size always give the same site.
 */
#include "gen_site.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

#define DAY_S       86400LL
#define H_DAYS      28
#define HALF_HOURS  48
#define N_ZONES     5
#define N_TEMPLATES 10

enum zone { Z_STOCKHOLM = 0, Z_LONDON, Z_NEW_YORK, Z_CHICAGO, Z_MANILA };
enum lang { L_SV = 0, L_EN, L_ES };
enum kind { K_FULL = 0, K_PART, K_STUDENT };

/* ------------------------------------------------------------ utilities */

static uint64_t rng_state;

/* splitmix64: every draw depends on the seed and the draw's rank only. */
uint64_t gen_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static uint64_t rnd(void)
{
    return gen_splitmix64(&rng_state);
}

static int rnd_below(int n)
{
    return n <= 1 ? 0 : (int)(rnd() % (uint64_t)n);
}

static double rnd_unit(void)
{
    return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

static void set_err(char *err, size_t len, const char *fmt, ...)
{
    if (err == NULL || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* A whole number in [0, 1,000,000]: sizes and counts of a site. */
static int parse_count(const char *arg, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (end == arg || *end || errno || v < 0 || v > 1000000)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

int gen_site_option(struct gen_site_params *p, int opt, const char *arg, char *err, size_t err_len)
{
    char *end;
    int rc = 0;
    switch (opt) {
    case GEN_OPT_AGENTS:
        rc = parse_count(arg, &p->agents);
        break;
    case GEN_OPT_CSV:
        p->arrivals_csv = arg;
        break;
    case GEN_OPT_SEED:
        errno = 0;
        p->seed = strtoull(arg, &end, 10);
        if (end == arg || *end || errno || arg[0] == '-')
            rc = -EINVAL;
        break;
    case GEN_OPT_LOAD:
        errno = 0;
        p->load = strtod(arg, &end);
        if (end == arg || *end || errno || !isfinite(p->load))
            rc = -EINVAL;
        break;
    case GEN_OPT_STEP:
        rc = parse_count(arg, &p->step_minutes);
        break;
    case GEN_OPT_QUEUES:
        rc = parse_count(arg, &p->queues);
        break;
    case GEN_OPT_INFEASIBLE:
        rc = parse_count(arg, &p->infeasible);
        break;
    default:
        return 0;
    }
    if (rc < 0) {
        static const char *const names[] = {"--agents", "--csv",    "the site seed", "--load",
                                            "--step",   "--queues", "--infeasible"};
        set_err(err, err_len, "%s: '%s' is not a %s", names[opt - GEN_OPT_AGENTS], arg,
                opt == GEN_OPT_LOAD   ? "number"
                : opt == GEN_OPT_SEED ? "whole number of 64 bits"
                                      : "whole number from 0 to 1000000");
        return rc;
    }
    return 1;
}

int32_t gen_days_from_civil(int y, int m, int d)
{
    /* Shift the year to start in March so that leap days come last. */
    if (m <= 2)
        y -= 1;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int mp = m > 2 ? m - 3 : m + 9;
    int doy = (153 * mp + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int days_in_month(int y, int m)
{
    return gen_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) -
           gen_days_from_civil(y, m, 1);
}

/* The last Sunday of a month, as days since the epoch. */
static int32_t last_sunday(int y, int m)
{
    int32_t d = gen_days_from_civil(y, m, days_in_month(y, m));
    while (day_weekday(d) != 7)
        d--;
    return d;
}

/* The n-th Sunday (1-based) of a month. */
static int32_t nth_sunday(int y, int m, int n)
{
    int32_t d = gen_days_from_civil(y, m, 1);
    while (day_weekday(d) != 7)
        d++;
    return d + 7 * (n - 1);
}

/* ---------------------------------------------------------------- zones */

struct zone_def {
    const char *name;
    int32_t std_offset, dst_offset; /* seconds east of UTC */
    int rule;                       /* 0: none, 1: EU, 2: US */
};

static const struct zone_def ZONES[N_ZONES] = {
    {"Europe/Stockholm", 3600, 7200, 1},     {"Europe/London", 0, 3600, 1},
    {"America/New_York", -18000, -14400, 2}, {"America/Chicago", -21600, -18000, 2},
    {"Asia/Manila", 28800, 28800, 0},
};

/*
 * Offset tables from autumn 2025 to spring 2027, computed from the rules in
 * force for those years (they reproduce the tz database for 2025-2027):
 *   EU (Stockholm, London): summer time from the last Sunday of March 01:00
 *     UTC until the last Sunday of October 01:00 UTC. 2026: 29 March, 25 Oct.
 *   US (New York, Chicago): daylight time from the second Sunday of March at
 *     02:00 local standard time until the first Sunday of November at 02:00
 *     local daylight time. 2026: 8 March, 1 November.
 *   Asia/Manila: +08:00 all year, no DST since 1978.
 */
static int make_zone(const struct zone_def *z, struct tz_table *t)
{
    t->name = xstrdup(z->name);
    int n = z->rule == 0 ? 1 : 5;
    t->from = malloc((size_t)n * sizeof *t->from);
    t->offset = malloc((size_t)n * sizeof *t->offset);
    if (!t->name || !t->from || !t->offset)
        return -ENOMEM;
    t->n = n;
    t->from[0] = INT64_MIN / 2;
    if (z->rule == 0) {
        t->offset[0] = z->std_offset;
        return 0;
    }
    /* Summer 2025, then autumn 2025, spring 2026, autumn 2026, spring 2027. */
    t->offset[0] = z->dst_offset;
    for (int i = 1; i < 5; i++) {
        int year = 2025 + i / 2;
        bool autumn = i % 2 == 1;
        sd_time at;
        if (z->rule == 1) {
            at = (sd_time)last_sunday(year, autumn ? 10 : 3) * DAY_S + 3600;
        } else if (autumn) {
            /* 02:00 local daylight time. */
            at = (sd_time)nth_sunday(year, 11, 1) * DAY_S + 7200 - z->dst_offset;
        } else {
            /* 02:00 local standard time. */
            at = (sd_time)nth_sunday(year, 3, 2) * DAY_S + 7200 - z->std_offset;
        }
        t->from[i] = at;
        t->offset[i] = autumn ? z->std_offset : z->dst_offset;
    }
    return 0;
}

/* --------------------------------------------------------------- queues */

struct queue_def {
    const char *name;
    enum channel channel;
    enum zone zone;
    enum lang lang;
};

/* Taken in this order: the first n make a site of n queues. */
static const struct queue_def QUEUES[N_TEMPLATES] = {
    {"voice-sv", CHANNEL_VOICE, Z_STOCKHOLM, L_SV},
    {"chat-sv", CHANNEL_CHAT, Z_STOCKHOLM, L_SV},
    {"voice-en-us", CHANNEL_VOICE, Z_NEW_YORK, L_EN},
    {"email-en", CHANNEL_EMAIL, Z_LONDON, L_EN},
    {"chat-en-gb", CHANNEL_CHAT, Z_LONDON, L_EN},
    {"voice-en-gb", CHANNEL_VOICE, Z_LONDON, L_EN},
    {"voice-es-us", CHANNEL_VOICE, Z_CHICAGO, L_ES},
    {"chat-en-us", CHANNEL_CHAT, Z_NEW_YORK, L_EN},
    {"email-sv", CHANNEL_EMAIL, Z_STOCKHOLM, L_SV},
    {"chat-es-us", CHANNEL_CHAT, Z_CHICAGO, L_ES},
};

/* ---------------------------------------------------- the bank's profile */

struct profile {
    double arrivals[7][HALF_HOURS]; /* mean calls per half-hour, our ISO weekday - 1 */
    double aht[7][HALF_HOURS];      /* seconds */
};

/*
 * The bank's week runs Sunday to Thursday, with a short Friday and a closed
 * Saturday (open again after sunset). Shifted by one day so that its first
 * working day falls on a Monday: Sunday -> Monday, ..., Friday -> Saturday,
 * Saturday (evening only) -> Sunday.
 */
static int read_profile(const char *path, struct profile *pr, char *err, size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        set_err(err, err_len, "%s: %s", path, strerror(errno));
        return -errno;
    }
    double served[7][HALF_HOURS] = {{0}}, talk[7][HALF_HOURS] = {{0}};
    int32_t seen[7][40];
    int n_seen[7] = {0};
    double all_talk = 0, all_served = 0;
    char line[512];
    int lineno = 0, rows = 0;
    memset(pr, 0, sizeof *pr);
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (lineno == 1)
            continue; /* header */
        int y, mo, d, hh, mm;
        double vru, arr, srv, secs, ab;
        if (sscanf(line, "%d-%d-%d,%d:%d,%lf,%lf,%lf,%lf,%lf", &y, &mo, &d, &hh, &mm, &vru, &arr,
                   &srv, &secs, &ab) != 10 ||
            hh < 0 || hh > 23 || (mm != 0 && mm != 30)) {
            fclose(f);
            set_err(err, err_len, "%s:%d: not a row of date,HH:MM and five numbers", path, lineno);
            return -EINVAL;
        }
        int32_t day = gen_days_from_civil(y, mo, d);
        int ours = day_weekday(day) % 7; /* bank Sunday (7) -> index 0 = Monday */
        int h = hh * 2 + mm / 30;
        bool known = false;
        for (int i = 0; i < n_seen[ours]; i++)
            known |= seen[ours][i] == day;
        if (!known && n_seen[ours] < 40)
            seen[ours][n_seen[ours]++] = day;
        pr->arrivals[ours][h] += arr;
        served[ours][h] += srv;
        talk[ours][h] += secs;
        all_served += srv;
        all_talk += secs;
        rows++;
    }
    fclose(f);
    if (rows < 7 * HALF_HOURS || all_served <= 0) {
        set_err(err, err_len, "%s: too few rows (%d) for a weekly profile", path, rows);
        return -EINVAL;
    }
    double mean_aht = all_talk / all_served;
    for (int w = 0; w < 7; w++)
        for (int h = 0; h < HALF_HOURS; h++) {
            if (n_seen[w] > 0)
                pr->arrivals[w][h] /= n_seen[w];
            /* Thin cells borrow the overall mean rather than a noisy ratio. */
            pr->aht[w][h] = served[w][h] >= 20 ? talk[w][h] / served[w][h] : mean_aht;
        }
    return 0;
}

/* --------------------------------------------------------------- agents */

struct agent_plan {
    enum kind kind;
    int primary, second; /* queue indices; second -1 */
    enum zone zone;
};

static const int CONTRACT_OF[3] = {0, 1, 2};

static int pick_queue(int nq, bool student)
{
    /* Voice is the bulk of a contact centre's work, email the least. */
    double w[N_TEMPLATES], sum = 0;
    for (int q = 0; q < nq; q++) {
        switch (QUEUES[q].channel) {
        case CHANNEL_VOICE:
            w[q] = student ? 2 : 3;
            break;
        case CHANNEL_CHAT:
            w[q] = student ? 3 : 2;
            break;
        default:
            w[q] = 1;
        }
        sum += w[q];
    }
    double u = rnd_unit() * sum;
    for (int q = 0; q < nq; q++) {
        if (u < w[q])
            return q;
        u -= w[q];
    }
    return nq - 1;
}

static enum zone pick_zone(int q, bool student)
{
    const struct queue_def *d = &QUEUES[q];
    if (d->lang != L_EN || student)
        return d->zone;
    /* English work is partly done offshore from Manila, and across US zones. */
    int u = rnd_below(100);
    if (u < 18)
        return Z_MANILA;
    if (d->zone == Z_NEW_YORK && u < 28)
        return Z_CHICAGO;
    if (d->zone == Z_LONDON && QUEUES[q].channel == CHANNEL_EMAIL && u < 38)
        return Z_NEW_YORK;
    return d->zone;
}

/* A second queue the agent can serve: same language (Spanish agents also speak English). */
static int pick_second(int nq, int primary, enum zone z)
{
    int cand[N_TEMPLATES], n = 0;
    enum lang l = QUEUES[primary].lang;
    for (int q = 0; q < nq; q++) {
        if (q == primary)
            continue;
        bool ok = QUEUES[q].lang == l ||
                  (l == L_ES && QUEUES[q].lang == L_EN && QUEUES[q].zone != Z_LONDON);
        /* Offshore agents work one market's hours. */
        if (z == Z_MANILA && QUEUES[q].zone != QUEUES[primary].zone &&
            QUEUES[q].channel != CHANNEL_EMAIL)
            ok = false;
        if (ok)
            cand[n++] = q;
    }
    return n ? cand[rnd_below(n)] : -1;
}

/* Standard offset in minutes (at the horizon start). */
static int std_minutes(enum zone z)
{
    return ZONES[z].std_offset / 60;
}

/*
 * A window given in the market's local time (the primary queue's zone), moved
 * into the agent's own local time: agents state availability in their clock.
 */
static struct window to_agent_time(int weekday, int start, int len, enum zone market,
                                   enum zone home, int *nights)
{
    int s = start + std_minutes(home) - std_minutes(market);
    int shift = (int)floor((double)s / 1440.0);
    s -= shift * 1440;
    int wd = ((weekday - 1 + shift) % 7 + 7) % 7 + 1;
    int e = (s + len) % 1440;
    if (s + len > 1440)
        (*nights)++;
    return (struct window){wd, s, e, INT32_MIN, INT32_MAX};
}

struct wvec {
    struct window v[16];
    int n;
    int days[8]; /* ISO weekday -> window minutes that day (market time), 0 if none */
};

static void add_market_window(struct wvec *w, int weekday, int start, int len, enum zone market,
                              enum zone home, int *nights)
{
    if (len > 1440 - start)
        len = 1440 - start;
    w->v[w->n++] = to_agent_time(weekday, start, len, market, home, nights);
    w->days[weekday] = len;
}

static void make_windows(enum kind k, enum zone market, enum zone home, struct wvec *w, int *nights)
{
    memset(w, 0, sizeof *w);
    if (k == K_FULL) {
        int start = 7 * 60 + 30 * rnd_below(15); /* 07:00 .. 14:00 */
        int len = 570 + 30 * rnd_below(4);       /* 9.5 .. 11 h */
        int u = rnd_below(100), first = 1, last = 5;
        if (u >= 70 && u < 90)
            first = 2, last = 6; /* Tuesday to Saturday */
        else if (u >= 90)
            last = 6; /* Monday to Saturday, 5 of the 6 */
        for (int d = first; d <= last; d++)
            add_market_window(w, d, start, len, market, home, nights);
    } else if (k == K_PART) {
        int start = 7 * 60 + 30 * rnd_below(20); /* 07:00 .. 16:30 */
        int len = 360 + 30 * rnd_below(7);       /* 6 .. 9 h */
        int ndays = 4 + rnd_below(3), days[6] = {1, 2, 3, 4, 5, 6};
        for (int i = 5; i > 0; i--) {
            int j = rnd_below(i + 1), t = days[i];
            days[i] = days[j];
            days[j] = t;
        }
        for (int i = 0; i < ndays; i++)
            add_market_window(w, days[i], start, len, market, home, nights);
    } else {
        /* Students: weekday evenings, some Saturdays, a few Sunday nights. */
        int start = 16 * 60 + 30 * rnd_below(5); /* 16:00 .. 18:00 */
        int end = 22 * 60 + 30 * rnd_below(5);   /* 22:00 .. 24:00 */
        int ndays = 3 + rnd_below(3);
        int days[5] = {1, 2, 3, 4, 5};
        for (int i = 4; i > 0; i--) {
            int j = rnd_below(i + 1), t = days[i];
            days[i] = days[j];
            days[j] = t;
        }
        for (int i = 0; i < ndays; i++)
            add_market_window(w, days[i], start, end - start, market, home, nights);
        if (rnd_below(100) < 50)
            add_market_window(w, 6, 9 * 60, 6 * 60, market, home, nights);
        if (rnd_below(100) < 30)
            add_market_window(w, 7, 20 * 60, 4 * 60, market, home, nights);
    }
}

/* ------------------------------------------------------------ contracts */

static int make_contract(struct contract *c, int id, const char *name, int min_w, int max_w,
                         int days, int step, const int *lengths, int n_lengths)
{
    c->id = id;
    c->name = xstrdup(name);
    c->min_minutes_per_week = min_w;
    c->max_minutes_per_week = max_w;
    c->max_days_per_week = days;
    c->max_consecutive_days = 6;
    c->min_rest_minutes = 660; /* 11 h, the EU working-time directive */
    c->shift_start_step_minutes = step;
    c->n_lengths = n_lengths;
    c->shift_lengths_minutes = malloc((size_t)n_lengths * sizeof *c->shift_lengths_minutes);
    if (!c->name || !c->shift_lengths_minutes)
        return -ENOMEM;
    memcpy(c->shift_lengths_minutes, lengths, (size_t)n_lengths * sizeof *lengths);
    return 0;
}

/* ---------------------------------------------------------- calibration */

/* Requirement minutes of queue q when its base demand is multiplied by scale. */
static int queue_required(struct snapshot *s, int q, const double *base, double scale, double *work,
                          double *minutes)
{
    size_t off = (size_t)q * (size_t)s->n_cells;
    for (int c = 0; c < s->n_cells; c++)
        s->contacts[off + (size_t)c] = base[off + (size_t)c] * scale;
    struct snapshot one = *s;
    one.n_queues = 1;
    one.queues = &s->queues[q];
    one.contacts = s->contacts + off;
    one.aht = s->aht + off;
    int rc = plan_requirements(&one, work);
    if (rc < 0)
        return rc;
    double sum = 0;
    for (int c = 0; c < s->n_cells; c++)
        sum += work[c];
    *minutes = sum * (SD_CELL_SECONDS / 60);
    return 0;
}

static int calibrate(struct snapshot *s, int q, const double *base, double target, double *work,
                     double *scale_out)
{
    double lo = 0, hi = 1, m = 0;
    int rc;
    *scale_out = 0;
    if (target <= 0)
        return queue_required(s, q, base, 0, work, &m);
    for (int i = 0; i < 60; i++) {
        if ((rc = queue_required(s, q, base, hi, work, &m)) < 0)
            return rc;
        if (m >= target)
            break;
        lo = hi;
        hi *= 2;
    }
    for (int i = 0; i < 30 && hi - lo > 1e-4 * hi; i++) {
        double mid = 0.5 * (lo + hi);
        if ((rc = queue_required(s, q, base, mid, work, &m)) < 0)
            return rc;
        if (m >= target)
            hi = mid;
        else
            lo = mid;
    }
    *scale_out = hi;
    return queue_required(s, q, base, hi, work, &m);
}

/* ----------------------------------------------------------------- main */

int gen_site(const struct gen_site_params *p, struct snapshot *out, struct gen_site_info *info,
             char *err, size_t err_len)
{
    struct snapshot *s = out;
    struct gen_site_info inf;
    struct profile pr;
    double *base = NULL, *work = NULL, *cap_q = NULL;
    struct agent_plan *ap = NULL;
    int rc;

    memset(s, 0, sizeof *s);
    memset(&inf, 0, sizeof inf);
    if (p->agents <= 0 || p->arrivals_csv == NULL) {
        set_err(err, err_len, "agents must be > 0 and the arrivals CSV given");
        return -EINVAL;
    }
    rc = read_profile(p->arrivals_csv, &pr, err, err_len);
    if (rc < 0)
        return rc;
    rng_state = p->seed * 0xD1B54A32D192ED03ULL + 0x8CB92BA72F3D8DD7ULL;

    double load = p->load > 0 ? p->load : 1.0;
    int step = p->step_minutes > 0 ? p->step_minutes : 30;
    int nq = p->queues;
    if (nq <= 0)
        nq = p->agents < 300 ? 4 : p->agents < 3000 ? 7 : 10;
    if (nq > N_TEMPLATES)
        nq = N_TEMPLATES;

    /* Horizon: Monday 2 March 2026, 00:00 UTC, four weeks. */
    int32_t d0 = gen_days_from_civil(2026, 3, 2);
    s->horizon_start = (sd_time)d0 * DAY_S;
    s->now = s->horizon_start;
    s->horizon_days = H_DAYS;
    s->n_cells = H_DAYS * 96;

    rc = -ENOMEM;
    s->tzs = calloc(N_ZONES, sizeof *s->tzs);
    s->queues = calloc((size_t)nq, sizeof *s->queues);
    s->contracts = calloc(3, sizeof *s->contracts);
    s->agents = calloc((size_t)p->agents, sizeof *s->agents);
    size_t ncq = (size_t)nq * (size_t)s->n_cells;
    s->contacts = calloc(ncq, sizeof *s->contacts);
    s->aht = calloc(ncq, sizeof *s->aht);
    base = calloc(ncq, sizeof *base);
    work = calloc((size_t)s->n_cells, sizeof *work);
    cap_q = calloc((size_t)nq, sizeof *cap_q);
    ap = calloc((size_t)p->agents, sizeof *ap);
    if (!s->tzs || !s->queues || !s->contracts || !s->agents || !s->contacts || !s->aht || !base ||
        !work || !cap_q || !ap)
        goto fail;

    s->n_tzs = N_ZONES;
    for (int z = 0; z < N_ZONES; z++)
        if ((rc = make_zone(&ZONES[z], &s->tzs[z])) < 0)
            goto fail;

    /* Queues. */
    s->n_queues = nq;
    for (int q = 0; q < nq; q++) {
        const struct queue_def *d = &QUEUES[q];
        struct queue *qu = &s->queues[q];
        qu->id = q + 1;
        qu->name = xstrdup(d->name);
        if (qu->name == NULL) {
            rc = -ENOMEM;
            goto fail;
        }
        qu->tz = d->zone;
        qu->channel = d->channel;
        qu->shrinkage = 0.27 + 0.01 * rnd_below(7); /* 0.27 .. 0.33 */
        qu->concurrency = 1;
        qu->max_occupancy = 0.9;
        if (d->channel == CHANNEL_VOICE) {
            qu->service_level = 0.8;
            qu->target_seconds = 20;
            /* Some voice queues are planned with abandonment (Erlang A). */
            qu->patience_seconds = d->lang == L_ES ? 240 : 0;
        } else if (d->channel == CHANNEL_CHAT) {
            qu->service_level = 0.8;
            qu->target_seconds = 60;
            qu->concurrency = 2 + rnd_below(2);
            qu->max_occupancy = 0.85;
        } else {
            qu->service_level = 0.9;
            qu->target_seconds = 4 * 3600; /* answered within 4 hours */
        }
    }

    /* Base demand: the bank's profile in each queue's local time, with cell noise. */
    for (int q = 0; q < nq; q++) {
        const struct tz_table *tz = &s->tzs[s->queues[q].tz];
        enum channel ch = s->queues[q].channel;
        for (int c = 0; c < s->n_cells; c++) {
            sd_time t = s->horizon_start + (sd_time)c * SD_CELL_SECONDS;
            int32_t lday = tz_local_day(tz, t);
            int lmin = (int)((t + tz_offset_at(tz, t) - (sd_time)lday * DAY_S) / 60);
            int w = day_weekday(lday) - 1, h = lmin / 30;
            size_t i = (size_t)q * (size_t)s->n_cells + (size_t)c;
            double noise = 0.9 + 0.2 * rnd_unit();
            base[i] = pr.arrivals[w][h] / 2.0 * noise; /* a half-hour is two cells */
            double aht = pr.aht[w][h];
            s->aht[i] = ch == CHANNEL_VOICE ? aht : ch == CHANNEL_CHAT ? 2.2 * aht : 420;
        }
    }

    /* Contracts. */
    static const int FT_LEN[] = {480}, PT_LEN[] = {240, 300, 360}, ST_LEN[] = {240, 300};
    s->n_contracts = 3;
    if ((rc = make_contract(&s->contracts[0], 1, "full-time 40h", 1920, 2400, 5, step, FT_LEN, 1)) <
            0 ||
        (rc = make_contract(&s->contracts[1], 2, "part-time 12-25h", 720, 1500, 5, step, PT_LEN,
                            3)) < 0 ||
        (rc = make_contract(&s->contracts[2], 3, "student evenings", 0, 1200, 5, step, ST_LEN, 2)) <
            0)
        goto fail;

    /* Agents. */
    s->n_agents = p->agents;
    int infeasible_left = p->infeasible;
    for (int a = 0; a < p->agents; a++) {
        struct agent *ag = &s->agents[a];
        struct agent_plan *pl = &ap[a];
        int u = rnd_below(100);
        pl->kind = u < 55 ? K_FULL : u < 85 ? K_PART : K_STUDENT;
        bool student = pl->kind == K_STUDENT;
        pl->primary = pick_queue(nq, student);
        pl->zone = pick_zone(pl->primary, student);
        pl->second = rnd_below(100) < 50 ? pick_second(nq, pl->primary, pl->zone) : -1;
        char name[32];
        snprintf(name, sizeof name, "agent %d", a + 1);
        ag->id = 1000 + a;
        ag->name = xstrdup(name);
        ag->tz = pl->zone;
        ag->contract = CONTRACT_OF[pl->kind];
        ag->n_skills = pl->second >= 0 ? 2 : 1;
        ag->skills = malloc(2 * sizeof *ag->skills);
        if (!ag->name || !ag->skills) {
            rc = -ENOMEM;
            goto fail;
        }
        ag->skills[0] = pl->primary;
        if (pl->second >= 0) {
            ag->skills[pl->second < pl->primary ? 0 : 1] = pl->second;
            ag->skills[pl->second < pl->primary ? 1 : 0] = pl->primary;
            inf.two_skills++;
        }
        inf.full_time += pl->kind == K_FULL;
        inf.part_time += pl->kind == K_PART;
        inf.students += pl->kind == K_STUDENT;

        struct wvec wv;
        make_windows(pl->kind, QUEUES[pl->primary].zone, pl->zone, &wv, &inf.night_windows);
        ag->n_windows = wv.n;
        ag->windows = malloc((size_t)wv.n * sizeof *ag->windows);
        if (ag->windows == NULL) {
            rc = -ENOMEM;
            goto fail;
        }
        memcpy(ag->windows, wv.v, (size_t)wv.n * sizeof *wv.v);

        /* What this agent can work at most, credited evenly to its queues. */
        const struct contract *c = &s->contracts[ag->contract];
        int maxlen = 0, avail_days = 0;
        double per_day = 0;
        for (int l = 0; l < c->n_lengths; l++)
            if (c->shift_lengths_minutes[l] > maxlen)
                maxlen = c->shift_lengths_minutes[l];
        for (int d = 1; d <= 7; d++)
            if (wv.days[d] > 0) {
                avail_days++;
                per_day += wv.days[d] < maxlen ? wv.days[d] : maxlen;
            }
        per_day = avail_days ? per_day / avail_days : 0;
        int days = avail_days < c->max_days_per_week ? avail_days : c->max_days_per_week;
        double week = days * per_day;
        if (week > c->max_minutes_per_week)
            week = c->max_minutes_per_week;
        double cap = week * (H_DAYS / 7);
        inf.capacity_min += cap;
        for (int k = 0; k < ag->n_skills; k++)
            cap_q[ag->skills[k]] += cap / ag->n_skills;

        /*
         * Time off, in the agent's local days: students may take an exam week;
         * others a day off (one of their working days) or a 2-3 h appointment,
         * never so much that the contract's weekly minimum becomes unreachable.
         * `infeasible` full-timers take a week off all the same (the relaxation path).
         */
        const struct tz_table *tz = &s->tzs[ag->tz];
        struct span off[2];
        int n_off = 0;
        int week_no = rnd_below(4);
        int32_t monday = d0 + 7 * week_no; /* the agent's local Monday of that week */
        int r = rnd_below(100);
        if (pl->kind == K_FULL && infeasible_left > 0) {
            infeasible_left--;
            off[n_off++] =
                (struct span){tz_local_to_utc(tz, d0 + 7, 0), tz_local_to_utc(tz, d0 + 14, 0)};
        } else if (student && r < 10) {
            off[n_off++] =
                (struct span){tz_local_to_utc(tz, monday, 0), tz_local_to_utc(tz, monday + 7, 0)};
        } else if (!student && r < 25) {
            /*
             * One of the agent's working days, counted from the window's start
             * (a night window's day runs past midnight), or an appointment an
             * hour into it.
             */
            const struct window *w0 = &ag->windows[rnd_below(ag->n_windows)];
            int32_t d = monday + w0->weekday - 1;
            if (r < 15) {
                sd_time st = tz_local_to_utc(tz, d, w0->start_min);
                off[n_off++] = (struct span){st, st + 20 * 3600};
            } else {
                sd_time st = tz_local_to_utc(tz, d, w0->start_min + 60);
                off[n_off++] = (struct span){st, st + (sd_time)(120 + 60 * rnd_below(2)) * 60};
            }
        }
        ag->n_time_off = n_off;
        if (n_off > 0) {
            ag->time_off = malloc((size_t)n_off * sizeof *ag->time_off);
            if (ag->time_off == NULL) {
                rc = -ENOMEM;
                goto fail;
            }
            memcpy(ag->time_off, off, (size_t)n_off * sizeof *off);
            inf.time_off_spans += n_off;
        }
    }

    /* Demand scaled per queue to `load` times its skilled capacity. */
    for (int q = 0; q < nq; q++) {
        double scale;
        rc = calibrate(s, q, base, load * cap_q[q], work, &scale);
        if (rc < 0) {
            set_err(err, err_len, "queue %s: requirement failed (%d)", s->queues[q].name, rc);
            goto fail;
        }
        if (q < 16)
            inf.scale[q] = scale;
        for (int c = 0; c < s->n_cells; c++) {
            inf.required_min += work[c] * (SD_CELL_SECONDS / 60);
            if (s->contacts[(size_t)q * (size_t)s->n_cells + (size_t)c] <= 0)
                s->aht[(size_t)q * (size_t)s->n_cells + (size_t)c] = 0;
        }
    }

    inf.zones = N_ZONES;
    inf.queues = nq;
    inf.agents = p->agents;
    if (info)
        *info = inf;
    free(base);
    free(work);
    free(cap_q);
    free(ap);
    return 0;
fail:
    if (rc == -ENOMEM)
        set_err(err, err_len, "out of memory");
    free(base);
    free(work);
    free(cap_q);
    free(ap);
    snapshot_free(s);
    return rc;
}
