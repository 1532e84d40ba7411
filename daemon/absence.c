/* SPDX-License-Identifier: ISC */
/*
 * absence.c — what an absence takes from the published roster and who may
 * fill it (see include/absence.h).
 *
 * A shift cut by time off keeps its longest part that is itself a shift the
 * agent's contract allows: a 4-hour absence at the start of an 8-hour shift
 * leaves the last 4 hours when the contract has a 4-hour length, nothing when
 * it has only 8. The part must start on the shift's own local day, so that it
 * stays that day's shift for the roster (one a day) and keeps the shift's
 * identity when published (publish_diff() pairs by overlap on the same day).
 * The rest is a hole; others may extend a frozen shift into it, and only into
 * it, so the freeze still holds everywhere else.
 */
#include "absence.h"

#include <stdint.h>
#include <stdlib.h>

/* A contract length is at most 12 hours (migration 0001): how far an extension can reach. */
#define LONGEST_SHIFT_SECONDS (12 * 3600)

struct best {
    sd_time start, end;
};

/* Tries the parts of p starting at t, one per contract length; keeps the longest, then earliest. */
static void try_start(const struct snapshot *s, const struct published_shift *p, sd_time t,
                      struct best *b)
{
    const struct agent *ag = &s->agents[p->agent];
    const struct contract *c = &s->contracts[ag->contract];
    sd_time he = snapshot_horizon_end(s);
    for (int l = 0; l < c->n_lengths; l++) {
        sd_time e = t + (sd_time)c->shift_lengths_minutes[l] * 60;
        if (t < s->now || e > p->end || e > he || (t == p->start && e == p->end))
            continue;
        sd_time len = e - t, best = b->end - b->start;
        if (len < best || (len == best && t >= b->start))
            continue;
        if (agent_off_during(ag, t, e) || !agent_available_during(s, ag, t, e))
            continue;
        b->start = t;
        b->end = e;
    }
}

enum absence_keep absence_kept_part(const struct snapshot *s, const struct published_shift *p,
                                    struct span *kept)
{
    *kept = (struct span){0, 0};
    if (p->cancelled || p->agent < 0 || p->agent >= s->n_agents || p->queue < 0 ||
        p->queue >= s->n_queues)
        return ABSENCE_NONE;
    if (shift_options_valid(s, p->agent, p->queue, p->start, p->end)) {
        *kept = (struct span){p->start, p->end};
        return ABSENCE_WHOLE;
    }
    const struct agent *ag = &s->agents[p->agent];
    if (p->start < s->now || !agent_has_skill(ag, p->queue))
        return ABSENCE_NONE;
    const struct contract *c = &s->contracts[ag->contract];
    const struct tz_table *tz = &s->tzs[ag->tz];
    int step = c->shift_start_step_minutes > 0 ? c->shift_start_step_minutes : 15;
    int32_t day = tz_local_day(tz, p->start);
    struct best b = {0, 0};
    try_start(s, p, p->start, &b);
    for (int m = 0; m < 1440; m += step) {
        sd_time t = tz_local_to_utc(tz, day, m);
        /* A wall-clock time skipped by the spring-forward gap does not exist. */
        if (t <= p->start || t >= p->end ||
            t + tz_offset_at(tz, t) != (sd_time)day * 86400 + (sd_time)m * 60)
            continue;
        try_start(s, p, t, &b);
    }
    if (b.end <= b.start)
        return ABSENCE_NONE;
    *kept = (struct span){b.start, b.end};
    return ABSENCE_PART;
}

static int push_hole(struct absence_hole **v, int *n, int *cap, struct absence_hole h)
{
    if (h.end <= h.start)
        return 0;
    int rc = util_grow((void **)v, cap, *n + 1, sizeof **v);
    if (rc < 0)
        return rc;
    (*v)[(*n)++] = h;
    return 0;
}

int absence_holes(const struct snapshot *s, struct absence_hole **out, int *n)
{
    struct absence_hole *v = NULL;
    int nv = 0, cap = 0, rc = 0;
    sd_time he = snapshot_horizon_end(s);
    for (int k = 0; k < s->n_published && rc == 0; k++) {
        const struct published_shift *p = &s->published[k];
        if (p->cancelled || p->queue < 0 || p->start < s->now || p->start >= he)
            continue;
        struct span part;
        enum absence_keep keep = absence_kept_part(s, p, &part);
        if (keep == ABSENCE_WHOLE)
            continue;
        struct absence_hole h = {k, p->agent, p->queue, p->start, p->end};
        if (keep == ABSENCE_PART) {
            h.end = part.start;
            rc = push_hole(&v, &nv, &cap, h);
            h.start = part.end;
            h.end = p->end;
        }
        if (rc == 0)
            rc = push_hole(&v, &nv, &cap, h);
    }
    if (rc < 0) {
        free(v);
        v = NULL;
        nv = 0;
    }
    *out = v;
    *n = nv;
    return rc;
}

/* Whether [from, to) lies wholly inside holes of queue q (one after another). */
static bool inside_holes(sd_time from, sd_time to, int q, const struct absence_hole *h, int nh)
{
    while (from < to) {
        bool moved = false;
        for (int i = 0; i < nh && !moved; i++) {
            if (h[i].queue == q && h[i].start <= from && from < h[i].end) {
                from = h[i].end;
                moved = true;
            }
        }
        if (!moved)
            return false;
    }
    return true;
}

bool absence_extends_into_holes(const struct shift_option *o, sd_time f_start, sd_time f_end,
                                int f_queue, const struct absence_hole *h, int nh)
{
    if (o->queue != f_queue || o->start > f_start || o->end < f_end ||
        (o->start == f_start && o->end == f_end))
        return false;
    return inside_holes(o->start, f_start, f_queue, h, nh) &&
           inside_holes(f_end, o->end, f_queue, h, nh);
}

bool absence_fills_hole(const struct shift_option *o, const struct absence_hole *h, int nh)
{
    bool near = false;
    for (int i = 0; i < nh && !near; i++)
        near = h[i].queue == o->queue && h[i].start < o->end && o->start < h[i].end;
    if (!near)
        return false;
    /* Quarter hour by quarter hour: holes of two absences may overlap. */
    sd_time inside = 0;
    for (sd_time t = o->start; t < o->end; t += SD_CELL_SECONDS) {
        sd_time e = t + SD_CELL_SECONDS < o->end ? t + SD_CELL_SECONDS : o->end;
        if (inside_holes(t, e, o->queue, h, nh))
            inside += e - t;
    }
    return 2 * inside >= o->end - o->start;
}

/* Whether a hole of queue q lies within an extension's reach of [start, end). */
static bool hole_near(sd_time start, sd_time end, int q, const struct absence_hole *h, int nh)
{
    for (int i = 0; i < nh; i++)
        if (h[i].queue == q && h[i].start < end + LONGEST_SHIFT_SECONDS &&
            start - LONGEST_SHIFT_SECONDS < h[i].end)
            return true;
    return false;
}

int absence_keep_extensions(const struct snapshot *s, int a, sd_time freeze_until, const int *mine,
                            int n_mine, const struct absence_hole *h, int nh,
                            struct shift_option *o, int *n)
{
    const struct tz_table *tz = &s->tzs[s->agents[a].tz];
    int days = 0;
    for (int k = 0; k < n_mine && nh > 0; k++) {
        const struct published_shift *p = &s->published[mine[k]];
        if (p->cancelled || p->queue < 0 || p->start < s->now || p->start >= freeze_until ||
            !hole_near(p->start, p->end, p->queue, h, nh) ||
            !shift_options_valid(s, a, p->queue, p->start, p->end))
            continue;
        int32_t day = tz_local_day(tz, p->start);
        bool any = false;
        for (int i = 0; i < *n && !any; i++)
            any = o[i].day == day &&
                  absence_extends_into_holes(&o[i], p->start, p->end, p->queue, h, nh);
        if (!any)
            continue;
        int kept = 0;
        for (int i = 0; i < *n; i++) {
            bool same = o[i].start == p->start && o[i].end == p->end && o[i].queue == p->queue;
            if (o[i].day != day || same ||
                absence_extends_into_holes(&o[i], p->start, p->end, p->queue, h, nh))
                o[kept++] = o[i];
        }
        *n = kept;
        days++;
    }
    return days;
}

/* Whether a's shift mine[k] stands whole inside the freeze on local day `day`. */
static bool frozen_on(const struct snapshot *s, int a, sd_time freeze_until, const int *mine,
                      int n_mine, int32_t day, const struct published_shift **out)
{
    const struct tz_table *tz = &s->tzs[s->agents[a].tz];
    for (int k = 0; k < n_mine; k++) {
        const struct published_shift *p = &s->published[mine[k]];
        if (p->cancelled || p->queue < 0 || p->start < s->now || p->start >= freeze_until ||
            tz_local_day(tz, p->start) != day ||
            !shift_options_valid(s, a, p->queue, p->start, p->end))
            continue;
        *out = p;
        return true;
    }
    return false;
}

int absence_cover_score(const struct snapshot *s, int a, sd_time freeze_until, const int *mine,
                        int n_mine, const struct shift_option *o, int n,
                        const struct absence_hole *h, int nh)
{
    int score = 0;
    int32_t day = INT32_MIN;
    bool frozen = false;
    const struct published_shift *f = NULL;
    for (int i = 0; i < n; i++) {
        if (o[i].day != day) {
            day = o[i].day;
            frozen = frozen_on(s, a, freeze_until, mine, n_mine, day, &f);
        }
        if (frozen && !absence_extends_into_holes(&o[i], f->start, f->end, f->queue, h, nh))
            continue;
        for (int k = 0; k < nh; k++) {
            if (o[i].queue != h[k].queue || o[i].start >= h[k].end || h[k].start >= o[i].end)
                continue;
            sd_time from = o[i].start > h[k].start ? o[i].start : h[k].start;
            sd_time to = o[i].end < h[k].end ? o[i].end : h[k].end;
            score += (int)((to - from) / SD_CELL_SECONDS);
        }
    }
    return score;
}
