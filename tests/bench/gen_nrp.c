/* SPDX-License-Identifier: ISC */
/*
 * gen_nrp.c — hard rostering instances in the Curtois & Qu format
 * (docs/nrp.md), with the published family's structure, at any size: the
 * engine's own test cases where the published larger instances are kept out
 * of the project (they are its blind test).
 *
 *   gen_nrp --staff S --days D --types T [--seed N] [--load X] [--contracts K]
 *           [--step M] [-o FILE]
 *
 * Deterministic for (S, D, T, seed, load, contracts, step). D is rounded up
 * to whole weeks (day 0 is a Monday). Written to stdout unless -o.
 *
 * What an instance holds, and why:
 *  - shift types in four bands (early, day, late, night) with start times
 *    and lengths of 6-12 h on a grid of `step` minutes (60 by default; 15
 *    makes the minute counters of an exact DP four times finer); a type may
 *    not follow another when the rest between them would be under 11 h, so
 *    successions look like the published ones (late -> early forbidden);
 *  - K contracts (default 1 + S / 40, at most 4): full time and part time
 *    fractions, max/min consecutive shifts, min consecutive days off, max
 *    weekends per four weeks;
 *  - per staff: the types it may work (some types 0), per-type maxima that
 *    bind (nights, and a few others, at a share of the horizon), total
 *    minutes between a min and a max;
 *  - every staff member gets a planted witness row first, built under the
 *    contract's rules, and its limits are then widened just enough for the
 *    witness to keep them: every instance has a roster with no hard
 *    violation, whatever its size (the engine is judged on finding it);
 *  - fixed days off (on the witness's days off, about one in 14), on and off
 *    requests in runs of 1-5 days (weights 1-3), about five on and two off
 *    per staff and four weeks, as in instances 1-12;
 *  - cover per day and type: the staff's capacity times `load` (default 1),
 *    split over the types by random shares, weekends lighter, +-15 % noise;
 *    under 100 and over 1, the published weights.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rng {
    uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/* Uniform in lo..hi (inclusive). */
static int rng_range(struct rng *r, int lo, int hi)
{
    if (hi <= lo)
        return lo;
    return lo + (int)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static double rng_unit(struct rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

struct type {
    char id[16];
    int start, len; /* minutes from midnight, minutes */
    int band;       /* 0 early, 1 day, 2 late, 3 night */
};

struct contract {
    double frac; /* of a full-time workload */
    int max_cons, min_cons, min_off, weekends_per4;
};

struct staff {
    char id[8];
    int contract;
    int *max_t;   /* [T]: -1 unbounded */
    int *row;     /* [D]: witness, type or -1 */
    bool *dayoff; /* [D] */
    long min_min, max_min;
    int max_cons, min_cons, min_off, max_wk;
};

struct gen {
    int S, D, T, K, step;
    double load;
    struct rng r;
    struct type *ty;
    unsigned char *forbid; /* [T*T] */
    struct contract *ct;
    struct staff *st;
};

/* Bijective base-26 names as in the published files: A..Z, AA, AB, ... */
static void staff_name(int i, char *out)
{
    char tmp[8];
    int n = 0;
    for (i++; i > 0 && n < 7; i = (i - 1) / 26)
        tmp[n++] = (char)('A' + (i - 1) % 26);
    for (int k = 0; k < n; k++)
        out[k] = tmp[n - 1 - k];
    out[n] = '\0';
}

static void make_types(struct gen *g)
{
    static const char band_letter[4] = {'E', 'D', 'L', 'N'};
    static const int band_start[4] = {6 * 60, 8 * 60, 14 * 60, 21 * 60};
    int count[4] = {0, 0, 0, 0};
    for (int t = 0; t < g->T; t++) {
        struct type *y = &g->ty[t];
        /* Every band appears once before any repeats (three types: E, D, L as in 6). */
        y->band = t < 4 ? (t == 3 ? 3 : t) : rng_range(&g->r, 0, 3);
        if (g->T == 3)
            y->band = t == 2 ? 3 : t * 2; /* early, late, night */
        int jitter = rng_range(&g->r, -2, 2) * g->step;
        y->start = band_start[y->band] + jitter;
        if (y->start < 0)
            y->start = 0;
        int lo = 360 / g->step, hi = 720 / g->step;
        y->len = (y->band == 3 ? rng_range(&g->r, (480 / g->step), hi)
                               : rng_range(&g->r, lo, (600 / g->step))) *
                 g->step;
        if (t == 0)
            y->len = 480; /* a common length keeps the family's 480-minute flavour */
        snprintf(y->id, sizeof y->id, "%c%d", band_letter[y->band], ++count[y->band] % 10000);
    }
    /* Less than 11 h between the end of t and the start of u the next day: forbidden. */
    for (int t = 0; t < g->T; t++)
        for (int u = 0; u < g->T; u++) {
            int rest = 24 * 60 + g->ty[u].start - (g->ty[t].start + g->ty[t].len);
            g->forbid[t * g->T + u] = rest < 11 * 60;
        }
}

static void make_contracts(struct gen *g)
{
    static const double fracs[4] = {1.0, 0.75, 0.5, 0.9};
    for (int k = 0; k < g->K; k++) {
        struct contract *c = &g->ct[k];
        c->frac = fracs[k % 4];
        c->max_cons = rng_range(&g->r, 4, 7);
        c->min_cons = rng_range(&g->r, 1, 3);
        if (c->min_cons > c->max_cons)
            c->min_cons = c->max_cons;
        c->min_off = rng_range(&g->r, 1, 3);
        c->weekends_per4 = rng_range(&g->r, 1, 3);
    }
}

/*
 * Shifts per day: 4.5 a week at full time, as in instances 1-12, but no
 * more than nine tenths of what the run rules allow.
 */
static double contract_density(const struct contract *c)
{
    double d = 4.5 / 7 * c->frac, most = (double)c->max_cons / (c->max_cons + c->min_off);
    return d < 0.9 * most ? d : 0.9 * most;
}

/* May type u follow yesterday's choice y (-1 off)? */
static bool may_follow(const struct gen *g, int y, int u)
{
    return y < 0 || !g->forbid[y * g->T + u];
}

/*
 * A witness row under the contract: work runs of min_cons..max_cons days,
 * off runs of at least min_off, density near the contract's share, weekends
 * within the limit where the run structure allows, types among those the
 * staff may work with no forbidden succession.
 */
static void make_witness(struct gen *g, struct staff *s, const int *allowed, int n_allowed)
{
    const struct contract *c = &g->ct[s->contract];
    int D = g->D, wk_left = c->weekends_per4 * D / 28;
    double density = contract_density(c);
    int d = 0;
    for (int x = 0; x < D; x++)
        s->row[x] = -1;
    /* Start off or on at random: runs touching day 0 are exempt from minimums. */
    bool work = rng_unit(&g->r) < density;
    while (d < D) {
        if (work) {
            int len = rng_range(&g->r, c->min_cons, c->max_cons);
            /* A run that would start on a weekend with none left is moved past it. */
            int prev = -1;
            for (int k = 0; k < len && d < D; k++, d++) {
                bool wkend = d % 7 >= 5;
                if (wkend && d % 7 == 5 && wk_left <= 0 && k >= c->min_cons)
                    break;
                if (wkend && (d % 7 == 5 || k == 0))
                    wk_left--;
                int u = -1;
                for (int tries = 0; tries < 8 && u < 0; tries++) {
                    int cand = allowed[rng_range(&g->r, 0, n_allowed - 1)];
                    if (may_follow(g, prev, cand))
                        u = cand;
                }
                for (int j = 0; j < n_allowed && u < 0; j++)
                    if (may_follow(g, prev, allowed[j]))
                        u = allowed[j];
                if (u < 0)
                    break; /* nothing may follow: end the run here */
                s->row[d] = u;
                prev = u;
            }
        } else {
            /* Off runs sized so that the share of worked days comes near density. */
            double mean_work = (c->min_cons + c->max_cons) / 2.0;
            double mean_off = mean_work * (1 - density) / density;
            int len = (int)(mean_off * (0.5 + rng_unit(&g->r)) + 0.5);
            if (len < c->min_off)
                len = c->min_off;
            d += len;
        }
        work = !work;
    }
}

static int make_staff(struct gen *g)
{
    int D = g->D, T = g->T;
    int *allowed = malloc((size_t)T * sizeof *allowed);
    if (allowed == NULL)
        return -ENOMEM;
    double avg_len = 0;
    for (int t = 0; t < T; t++)
        avg_len += g->ty[t].len;
    avg_len /= T;
    for (int i = 0; i < g->S; i++) {
        struct staff *s = &g->st[i];
        staff_name(i, s->id);
        s->contract = rng_range(&g->r, 0, g->K - 1);
        const struct contract *c = &g->ct[s->contract];
        s->max_t = malloc((size_t)T * sizeof *s->max_t);
        s->row = malloc((size_t)D * sizeof *s->row);
        s->dayoff = calloc((size_t)D, sizeof *s->dayoff);
        if (!s->max_t || !s->row || !s->dayoff) {
            free(allowed);
            return -ENOMEM;
        }
        /* Skills: each type with probability 0.6 (nights 0.4), at least one. */
        int n_allowed = 0;
        for (int t = 0; t < T; t++) {
            double p = g->ty[t].band == 3 ? 0.4 : 0.6;
            s->max_t[t] = rng_unit(&g->r) < p ? -1 : 0;
            if (s->max_t[t] < 0)
                allowed[n_allowed++] = t;
        }
        if (n_allowed == 0) {
            int t = rng_range(&g->r, 0, T - 1);
            s->max_t[t] = -1;
            allowed[n_allowed++] = t;
        }
        /* The witness nearest the contract's workload out of a few tries. */
        long nominal = (long)(contract_density(c) * D * avg_len), minutes = 0, best = -1;
        int *keep = malloc((size_t)D * sizeof *keep);
        if (keep == NULL) {
            free(allowed);
            return -ENOMEM;
        }
        for (int tries = 0; tries < 16; tries++) {
            make_witness(g, s, allowed, n_allowed);
            long m = 0;
            for (int d = 0; d < D; d++)
                m += s->row[d] >= 0 ? g->ty[s->row[d]].len : 0;
            if (best < 0 || labs(m - nominal) < labs(minutes - nominal)) {
                best = tries;
                minutes = m;
                memcpy(keep, s->row, (size_t)D * sizeof *keep);
            }
        }
        memcpy(s->row, keep, (size_t)D * sizeof *keep);
        free(keep);
        int *cnt = calloc((size_t)T, sizeof *cnt);
        if (cnt == NULL) {
            free(allowed);
            return -ENOMEM;
        }
        for (int d = 0; d < D; d++)
            if (s->row[d] >= 0)
                cnt[s->row[d]]++;
        /* Bounded types: nights at about one in seven days, others now and then. */
        for (int t = 0; t < T; t++) {
            if (s->max_t[t] == 0)
                continue;
            bool bound = g->ty[t].band == 3 ? rng_unit(&g->r) < 0.8 : rng_unit(&g->r) < 0.25;
            if (!bound)
                continue;
            int m = (int)(D * (g->ty[t].band == 3 ? 1.0 / 7 : 0.1 + 0.3 * rng_unit(&g->r)));
            s->max_t[t] = m > cnt[t] ? m : cnt[t];
        }
        free(cnt);
        /* Minutes: the contract's band, widened to the witness. */
        s->max_min = nominal + (long)(0.05 * (double)nominal);
        s->min_min = nominal - (long)(0.12 * (double)nominal);
        s->max_min -= s->max_min % g->step;
        s->min_min -= s->min_min % g->step;
        if (s->max_min < minutes)
            s->max_min = minutes;
        if (s->min_min > minutes)
            s->min_min = minutes;
        s->max_cons = c->max_cons;
        s->min_cons = c->min_cons;
        s->min_off = c->min_off;
        /* Runs and weekends: the contract's, widened to the witness. */
        int wk = 0;
        for (int w = 0; w * 7 + 6 < D; w++)
            wk += s->row[w * 7 + 5] >= 0 || s->row[w * 7 + 6] >= 0;
        s->max_wk = c->weekends_per4 * D / 28;
        if (s->max_wk < wk)
            s->max_wk = wk;
        for (int d = 0; d < D;) {
            bool w = s->row[d] >= 0;
            int e = d;
            while (e < D && (s->row[e] >= 0) == w)
                e++;
            bool edge = d == 0 || e == D;
            if (w && e - d > s->max_cons)
                s->max_cons = e - d;
            if (w && !edge && e - d < s->min_cons)
                s->min_cons = e - d;
            if (!w && !edge && e - d < s->min_off)
                s->min_off = e - d;
            d = e;
        }
        /* Fixed days off on the witness's days off, about one in 14. */
        for (int k = 0; k < D / 14 + rng_range(&g->r, 0, 1); k++) {
            int d = rng_range(&g->r, 0, D - 1);
            if (s->row[d] < 0)
                s->dayoff[d] = true;
        }
    }
    free(allowed);
    return 0;
}

/* Cover: capacity per day split over types by random shares, weekends lighter, noise. */
static int make_cover(struct gen *g, int *req)
{
    int D = g->D, T = g->T;
    double *share = malloc((size_t)T * sizeof *share), cap = 0, tot = 0;
    if (share == NULL)
        return -ENOMEM;
    for (int i = 0; i < g->S; i++) {
        const struct staff *s = &g->st[i];
        cap += (double)(s->min_min + s->max_min) / 2;
    }
    double avg_len = 0;
    for (int t = 0; t < T; t++) {
        avg_len += g->ty[t].len;
        share[t] = 0.3 + rng_unit(&g->r);
        /* A type nobody may work gets no cover (it would only be a constant). */
        bool anyone = false;
        for (int i = 0; i < g->S && !anyone; i++)
            anyone = g->st[i].max_t[t] != 0;
        if (!anyone)
            share[t] = 0;
        tot += share[t];
    }
    avg_len /= T;
    /* Shifts per day the staff can give, on average: weekdays weigh 1.1, weekends 0.75. */
    double per_day = cap / avg_len / D * g->load, norm = (5 * 1.1 + 2 * 0.75) / 7;
    for (int d = 0; d < D; d++) {
        double f = (d % 7 >= 5 ? 0.75 : 1.1) / norm;
        for (int t = 0; t < T; t++) {
            double x = per_day * f * (tot > 0 ? share[t] / tot : 0);
            x *= 0.85 + 0.3 * rng_unit(&g->r);
            int v = (int)x;
            v += rng_unit(&g->r) < x - v; /* randomised rounding keeps the total */
            req[d * T + t] = v;
        }
    }
    free(share);
    return 0;
}

static void write_instance(struct gen *g, const int *req, uint64_t seed, FILE *f)
{
    int D = g->D, T = g->T;
    fprintf(f,
            "# Generated by staffd tests/bench/gen_nrp.c --staff %d --days %d --types %d "
            "--seed %llu --load %g --contracts %d --step %d\n",
            g->S, D, T, (unsigned long long)seed, g->load, g->K, g->step);
    fprintf(f,
            "SECTION_HORIZON\n# All instances start on a Monday\n# The horizon length in "
            "days:\n%d\n\n",
            D);
    fprintf(f, "SECTION_SHIFTS\n# ShiftID, Length in mins, Shifts which cannot follow this "
               "shift | separated\n");
    for (int t = 0; t < T; t++) {
        fprintf(f, "%s,%d,", g->ty[t].id, g->ty[t].len);
        bool first = true;
        for (int u = 0; u < T; u++)
            if (g->forbid[t * T + u]) {
                fprintf(f, "%s%s", first ? "" : "|", g->ty[u].id);
                first = false;
            }
        fputc('\n', f);
    }
    fprintf(f, "\nSECTION_STAFF\n# ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, "
               "MaxConsecutiveShifts, MinConsecutiveShifts, MinConsecutiveDaysOff, "
               "MaxWeekends\n");
    for (int i = 0; i < g->S; i++) {
        const struct staff *s = &g->st[i];
        fprintf(f, "%s,", s->id);
        for (int t = 0; t < T; t++)
            fprintf(f, "%s%s=%d", t ? "|" : "", g->ty[t].id, s->max_t[t] < 0 ? D : s->max_t[t]);
        fprintf(f, ",%ld,%ld,%d,%d,%d,%d\n", s->max_min, s->min_min, s->max_cons, s->min_cons,
                s->min_off, s->max_wk);
    }
    fprintf(f, "\nSECTION_DAYS_OFF\n# EmployeeID, DayIndexes (start at zero)\n");
    for (int i = 0; i < g->S; i++) {
        const struct staff *s = &g->st[i];
        fprintf(f, "%s", s->id);
        for (int d = 0; d < D; d++)
            if (s->dayoff[d])
                fprintf(f, ",%d", d);
        fputc('\n', f);
    }
    /*
     * Requests in runs of 1-5 days, one type per run, weight 1-3: on requests
     * for types the staff may work, off requests for any of its types; at
     * most one request per staff and day.
     */
    unsigned char *asked = calloc((size_t)g->S * (size_t)D, 1);
    if (asked == NULL)
        return;
    for (int kind = 0; kind < 2; kind++) {
        fprintf(f, "\nSECTION_SHIFT_%s_REQUESTS\n# EmployeeID, Day, ShiftID, Weight\n",
                kind ? "OFF" : "ON");
        double per4 = kind ? 1.0 : 2.0; /* runs per staff and four weeks: ~5 on, ~2 off days */
        for (int i = 0; i < g->S; i++) {
            const struct staff *s = &g->st[i];
            int runs = (int)(per4 * D / 28 * (0.5 + rng_unit(&g->r)) + 0.5);
            for (int k = 0; k < runs; k++) {
                int t = rng_range(&g->r, 0, T - 1);
                for (int tries = 0; tries < 8 && s->max_t[t] == 0; tries++)
                    t = rng_range(&g->r, 0, T - 1);
                if (s->max_t[t] == 0)
                    continue;
                int len = rng_range(&g->r, 1, 5), d0 = rng_range(&g->r, 0, D - 1);
                int w = rng_range(&g->r, 1, 3);
                for (int d = d0; d < d0 + len && d < D; d++)
                    if (!asked[(size_t)i * (size_t)D + (size_t)d]++)
                        fprintf(f, "%s,%d,%s,%d\n", s->id, d, g->ty[t].id, w);
            }
        }
    }
    free(asked);
    fprintf(f, "\nSECTION_COVER\n# Day, ShiftID, Requirement, Weight for under, Weight for "
               "over\n");
    for (int d = 0; d < D; d++)
        for (int t = 0; t < T; t++)
            fprintf(f, "%d,%s,%d,100,1\n", d, g->ty[t].id, req[d * T + t]);
}

static void gen_free(struct gen *g)
{
    if (g->st)
        for (int i = 0; i < g->S; i++) {
            free(g->st[i].max_t);
            free(g->st[i].row);
            free(g->st[i].dayoff);
        }
    free(g->st);
    free(g->ty);
    free(g->forbid);
    free(g->ct);
}

static void usage(FILE *f)
{
    fputs("usage: gen_nrp --staff S --days D --types T [--seed N] [--load X] [--contracts K]\n"
          "               [--step M] [-o FILE]\n",
          f);
}

int main(int argc, char **argv)
{
    struct gen g = {.S = 30, .D = 28, .T = 3, .K = 0, .step = 60, .load = 1.05};
    uint64_t seed = 1;
    const char *out = NULL;
    int status = 2;
    int *req = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (v && strcmp(a, "--staff") == 0)
            g.S = atoi(v);
        else if (v && strcmp(a, "--days") == 0)
            g.D = atoi(v);
        else if (v && strcmp(a, "--types") == 0)
            g.T = atoi(v);
        else if (v && strcmp(a, "--seed") == 0)
            seed = strtoull(v, NULL, 10);
        else if (v && strcmp(a, "--load") == 0)
            g.load = atof(v);
        else if (v && strcmp(a, "--contracts") == 0)
            g.K = atoi(v);
        else if (v && strcmp(a, "--step") == 0)
            g.step = atoi(v);
        else if (v && strcmp(a, "-o") == 0)
            out = v;
        else {
            usage(stderr);
            return 2;
        }
        i++;
    }
    g.D = (g.D + 6) / 7 * 7;
    if (g.S < 1 || g.S > 100000 || g.D < 7 || g.D > 3660 || g.T < 1 || g.T > 999 || g.K < 0 ||
        g.K > 16 || !(g.load > 0) || (g.step != 15 && g.step != 30 && g.step != 60)) {
        usage(stderr);
        return 2;
    }
    if (g.K == 0)
        g.K = 1 + g.S / 40 < 4 ? 1 + g.S / 40 : 4;
    g.r.s = seed * 0x2545F4914F6CDD1DULL + 0x1234567ULL;
    g.ty = calloc((size_t)g.T, sizeof *g.ty);
    g.forbid = calloc((size_t)g.T * (size_t)g.T, 1);
    g.ct = calloc((size_t)g.K, sizeof *g.ct);
    g.st = calloc((size_t)g.S, sizeof *g.st);
    req = malloc((size_t)g.D * (size_t)g.T * sizeof *req);
    FILE *f = NULL;
    if (!g.ty || !g.forbid || !g.ct || !g.st || !req)
        goto out;
    make_types(&g);
    make_contracts(&g);
    if (make_staff(&g) < 0 || make_cover(&g, req) < 0)
        goto out;
    f = out ? fopen(out, "w") : stdout;
    if (f == NULL) {
        perror(out);
        goto out;
    }
    write_instance(&g, req, seed, f);
    status = ferror(f) ? 1 : 0;
    if (out && fclose(f) != 0)
        status = 1;
out:
    gen_free(&g);
    free(req);
    return status;
}
