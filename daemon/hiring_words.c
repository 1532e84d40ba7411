/* SPDX-License-Identifier: ISC */
/*
 * hiring_words.c — the words of the hiring profiles (see include/hiring.h):
 * weekly time blocks ("weekday evenings 17:00–22:00 Europe/Stockholm",
 * hiring_block_label, hiring_hhmm, hiring_tz_name: recruit.c's explanations
 * use them too), a template's shift lengths and a range of weekly hours,
 * and the weekly blocks of what a queue is still short ("Wednesday evenings
 * 16:15–18:30 (7.9 h)", hiring_left_blocks_words) that hiring.c's "what is left"
 * names.
 *
 * Pure: text from numbers, cut short on a character boundary when it does
 * not fit the caller's buffer.
 */
#include "hiring.h"
#include "hiring_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "text.h"
#include "util.h"

static const char *const wd_abbr[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const wd_name[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday"};

static int popcount7(unsigned m)
{
    int n = 0;
    for (int d = 0; d < 7; d++)
        n += (m >> d) & 1u;
    return n;
}

const char *hiring_tz_name(const struct snapshot *s, int tz)
{
    return tz >= 0 && tz < s->n_tzs && s->tzs[tz].name != NULL ? s->tzs[tz].name : "UTC";
}

/*
 * "weekday", "weekend", "daily", "Monday", "Mon–Thu", "Mon, Wed", "Mon–Fri,
 * Sun" (plural: "weekdays", "weekends", "every day", "Mondays").
 */
static void days_words(unsigned mask, bool plural, char *buf, size_t len)
{
    if (mask == MASK_WEEKDAYS) {
        say(buf, len, "%s", plural ? "weekdays" : "weekday");
        return;
    }
    if (mask == MASK_WEEKEND) {
        say(buf, len, "%s", plural ? "weekends" : "weekend");
        return;
    }
    if (mask == MASK_ALL) {
        say(buf, len, "%s", plural ? "every day" : "daily");
        return;
    }
    if (popcount7(mask) == 1) {
        for (int d = 0; d < 7; d++)
            if (mask & (1u << d))
                say(buf, len, "%s%s", wd_name[d], plural ? "s" : "");
        return;
    }
    /* Three or more days in a row read as a range. */
    buf[0] = '\0';
    for (int d = 0; d < 7;) {
        if (!(mask & (1u << d))) {
            d++;
            continue;
        }
        int e = d;
        while (e + 1 < 7 && (mask & (1u << (e + 1))))
            e++;
        const char *sep = buf[0] ? ", " : "";
        int w;
        if (e - d >= 2)
            w = text_append(buf, len, "%s%s–%s", sep, wd_abbr[d], wd_abbr[e]);
        else if (e > d)
            w = text_append(buf, len, "%s%s, %s", sep, wd_abbr[d], wd_abbr[e]);
        else
            w = text_append(buf, len, "%s%s", sep, wd_abbr[d]);
        if (w != 0)
            break;
        d = e + 1;
    }
}

/* Part of the day a block mostly lies in; NULL for blocks of 10 h or more. */
static const char *part_of_day(int start_min, int end_min)
{
    int len = end_min - start_min;
    if (len >= 600)
        return NULL;
    int mid = (start_min + len / 2) % 1440;
    /* 20:00-24:00 is an evening; 22:00-02:00 a night. */
    if (mid >= 22 * 60 + 30 || mid < 5 * 60)
        return "nights";
    if (mid >= 17 * 60)
        return "evenings";
    if (len >= 360)
        return "daytime";
    return mid < 12 * 60 ? "mornings" : "afternoons";
}

void hiring_hhmm(int minute, char *buf, size_t len)
{
    if (minute != 1440)
        minute = ((minute % 1440) + 1440) % 1440;
    snprintf(buf, len, "%02d:%02d", minute / 60, minute % 60);
}

void hiring_block_label(unsigned mask, int start_min, int end_min, const char *zone, char *buf,
                        size_t len)
{
    char days[64], a[8], b[8];
    const char *part = part_of_day(start_min, end_min);
    const char *sp = zone != NULL && zone[0] ? " " : "";
    if (zone == NULL)
        zone = "";
    hiring_hhmm(start_min, a, sizeof a);
    hiring_hhmm(stored_end(end_min), b, sizeof b);
    if (part == NULL) {
        days_words(mask, true, days, sizeof days);
        say(buf, len, "%s %s–%s%s%s", days, a, b, sp, zone);
    } else if (mask == MASK_ALL) {
        say(buf, len, "%s every day %s–%s%s%s", part, a, b, sp, zone);
    } else {
        days_words(mask, false, days, sizeof days);
        say(buf, len, "%s %s %s–%s%s%s", days, part, a, b, sp, zone);
    }
}

/* "4–6 h", "8 h", "4.5–5 h": the template's shift lengths. */
void hiring_lengths_words(const struct hiring_template *t, char *buf, size_t len)
{
    int lo = 0, hi = 0;
    for (int i = 0; i < t->c.n_lengths; i++) {
        int l = t->lengths[i];
        if (lo == 0 || l < lo)
            lo = l;
        if (l > hi)
            hi = l;
    }
    if (lo == hi)
        say(buf, len, "%g h", lo / 60.0);
    else
        say(buf, len, "%g–%g h", lo / 60.0, hi / 60.0);
}

/* "12–16 h a week" or "about 16 h a week". */
void hiring_hours_range_words(double min_minutes, double max_minutes, char *buf, size_t len)
{
    long lo = lround(min_minutes / 60), hi = lround(max_minutes / 60);
    if (lo == hi)
        say(buf, len, "about %ld h a week", hi);
    else
        say(buf, len, "%ld–%ld h a week", lo, hi);
}

/* ---- weekly blocks of what is short -------------------------------------- */

#define LEFT_BLOCKS 3 /* blocks named in a queue's "what is left" */

/*
 * Weekly average of values[] (per queue cell) of one queue per local weekday x
 * 15-minute slot: each future cell lands on the slot its start has in the
 * queue's zone, and each slot is averaged over the times the horizon saw it.
 */
void hiring_weekly_average(const struct snapshot *s, const double *values, int q, double *avg)
{
    double sum[WEEK_SLOTS] = {0};
    int seen[WEEK_SLOTS] = {0};
    const struct tz_table *tz = queue_tz(s, q);
    for (int c = first_future_cell(s); c < s->n_cells; c++) {
        sd_time t = s->horizon_start + (sd_time)c * SD_CELL_SECONDS;
        sd_time local = t + (tz != NULL ? tz_offset_at(tz, t) : 0);
        int64_t day = util_floor_div(local, 86400);
        int slot = (int)((local - day * 86400) / SD_CELL_SECONDS);
        int k = (day_weekday((int32_t)day) - 1) * SLOTS_PER_DAY + slot;
        sum[k] += values[cell_index(s, q, c)];
        seen[k]++;
    }
    for (int k = 0; k < WEEK_SLOTS; k++)
        avg[k] = seen[k] ? sum[k] / seen[k] : 0;
}

/* A run of short slots in one queue's local week; e may pass midnight (e > 96). */
struct block {
    int wd; /* 0 = Monday */
    int s, e;
    double hours;
    bool taken;
};

struct block_vec {
    struct block *v;
    int n, cap;
};

static int block_push(struct block_vec *bv, struct block b)
{
    int rc = util_grow((void **)&bv->v, &bv->cap, bv->n + 1, sizeof *bv->v);
    if (rc < 0)
        return rc;
    bv->v[bv->n++] = b;
    return 0;
}

/* Short slots merged into runs per local day (a short calm stretch does not split one). */
static int day_runs(const bool *is_short, int max_gap_slots, struct block_vec *out)
{
    for (int d = 0; d < 7; d++) {
        const bool *sh = is_short + d * SLOTS_PER_DAY;
        int i = 0;
        while (i < SLOTS_PER_DAY) {
            if (!sh[i]) {
                i++;
                continue;
            }
            int st = i, en = i + 1, j = i + 1;
            while (j < SLOTS_PER_DAY) {
                if (sh[j]) {
                    en = ++j;
                    continue;
                }
                int g = j;
                while (g < SLOTS_PER_DAY && !sh[g])
                    g++;
                if (g < SLOTS_PER_DAY && g - j <= max_gap_slots) {
                    j = g;
                    continue;
                }
                break;
            }
            int rc = block_push(out, (struct block){.wd = d, .s = st, .e = en});
            if (rc < 0)
                return rc;
            i = en;
        }
    }
    return 0;
}

/*
 * An evening that runs on past midnight is one block ("17:00–02:00"), not two:
 * a run reaching 24:00 takes the next day's run from 00:00, unless either is a
 * whole day or the two would overlap.
 */
static void join_midnight(struct block_vec *bv)
{
    for (int i = 0; i < bv->n; i++) {
        struct block *a = &bv->v[i];
        if (a->taken || a->e != SLOTS_PER_DAY || a->s == 0)
            continue;
        for (int j = 0; j < bv->n; j++) {
            struct block *b = &bv->v[j];
            if (j == i || b->taken || b->wd != (a->wd + 1) % 7 || b->s != 0 ||
                b->e >= SLOTS_PER_DAY || b->e >= a->s)
                continue;
            a->e = SLOTS_PER_DAY + b->e;
            b->taken = true; /* consumed */
            break;
        }
    }
    int n = 0;
    for (int i = 0; i < bv->n; i++)
        if (!bv->v[i].taken)
            bv->v[n++] = bv->v[i];
    bv->n = n;
}

static int cmp_block_hours(const void *x, const void *y)
{
    const struct block *a = x, *b = y;
    if (a->hours != b->hours)
        return a->hours > b->hours ? -1 : 1;
    if (a->wd != b->wd)
        return a->wd < b->wd ? -1 : 1;
    return (a->s > b->s) - (a->s < b->s);
}

/*
 * "Wednesday evenings 16:15–18:30 (7.9 h), Sunday mornings 06:00–11:30 (6.0
 * h)": the largest blocks of what is left on queue q, weekly averages.
 */
int hiring_left_blocks_words(const struct snapshot *s, const struct hiring_params *p,
                             const double *residual, int q, char *buf, size_t len)
{
    double avg[WEEK_SLOTS];
    bool is_short[WEEK_SLOTS];
    struct block_vec bv = {0};
    hiring_weekly_average(s, residual, q, avg);
    for (int k = 0; k < WEEK_SLOTS; k++)
        is_short[k] = avg[k] > 0 && avg[k] >= p->min_cell_shortage;
    buf[0] = '\0';
    int rc = day_runs(is_short, p->max_gap_minutes / SLOT_MINUTES, &bv);
    if (rc < 0)
        goto out;
    join_midnight(&bv);
    for (int i = 0; i < bv.n; i++) {
        struct block *b = &bv.v[i];
        b->hours = 0;
        for (int k = b->s; k < b->e; k++)
            b->hours += avg[(b->wd * SLOTS_PER_DAY + k) % WEEK_SLOTS] * SLOT_MINUTES / 60.0;
    }
    if (bv.n > 1)
        qsort(bv.v, (size_t)bv.n, sizeof *bv.v, cmp_block_hours);
    for (int i = 0; i < bv.n && i < LEFT_BLOCKS; i++) {
        char label[96];
        hiring_block_label(1u << bv.v[i].wd, bv.v[i].s * SLOT_MINUTES, bv.v[i].e * SLOT_MINUTES,
                           NULL, label, sizeof label);
        if (text_append(buf, len, "%s%s (%.1f h)", i ? ", " : "", label, bv.v[i].hours) != 0)
            break;
    }
out:
    free(bv.v);
    return rc;
}
