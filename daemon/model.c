/* SPDX-License-Identifier: ISC */
/*
 * model.c — lifetime of snapshots and plans, and local-time arithmetic over
 * the offset tables that PostgreSQL computed for the snapshot (see model.h).
 * Keeping time-zone rules in the snapshot means the planner never reads zone
 * files and two planners on two threads cannot race on a zone cache.
 */
#include "model.h"

#include "util.h"

#include <stdlib.h>

void snapshot_free(struct snapshot *s)
{
    if (s == NULL)
        return;
    for (int i = 0; i < s->n_tzs; i++) {
        free(s->tzs[i].name);
        free(s->tzs[i].from);
        free(s->tzs[i].offset);
    }
    free(s->tzs);
    for (int i = 0; i < s->n_queues; i++)
        free(s->queues[i].name);
    free(s->queues);
    free(s->contacts);
    free(s->aht);
    free(s->offered);
    for (int i = 0; i < s->n_contracts; i++) {
        free(s->contracts[i].name);
        free(s->contracts[i].shift_lengths_minutes);
        free(s->contracts[i].break_rules);
    }
    free(s->contracts);
    for (int i = 0; i < s->n_agents; i++) {
        free(s->agents[i].name);
        free(s->agents[i].skills);
        free(s->agents[i].windows);
        free(s->agents[i].time_off);
        free(s->agents[i].prefs);
    }
    free(s->agents);
    free(s->published);
    free(s->published_breaks);
    for (int i = 0; i < s->n_candidates; i++) {
        free(s->candidates[i].name);
        free(s->candidates[i].source);
        free(s->candidates[i].skills);
        free(s->candidates[i].windows);
    }
    free(s->candidates);
    free(s->errors);
    *s = (struct snapshot){0};
}

void plan_free(struct plan *p)
{
    if (p == NULL)
        return;
    free(p->shifts);
    free(p->breaks);
    free(p->required);
    free(p->scheduled);
    free(p->shortage);
    free(p->surplus);
    free(p->available);
    free(p->unfixable);
    free(p->service_level);
    free(p->warnings);
    *p = (struct plan){0};
}

void snapshot_span_cells(const struct snapshot *s, sd_time start, sd_time end, int *c0, int *c1)
{
    sd_time hs = s->horizon_start;
    int64_t a = start < hs ? 0 : (start - hs) / SD_CELL_SECONDS;
    int64_t b = end <= hs ? 0 : (end - hs + SD_CELL_SECONDS - 1) / SD_CELL_SECONDS;
    if (a > s->n_cells)
        a = s->n_cells;
    if (b > s->n_cells)
        b = s->n_cells;
    if (b < a)
        b = a;
    *c0 = (int)a;
    *c1 = (int)b;
}

int snapshot_first_future_cell(const struct snapshot *s)
{
    if (s->now <= s->horizon_start)
        return 0;
    int64_t c = (s->now - s->horizon_start + SD_CELL_SECONDS - 1) / SD_CELL_SECONDS;
    return c > s->n_cells ? s->n_cells : (int)c;
}

sd_time snapshot_horizon_end(const struct snapshot *s)
{
    return s->horizon_start + (sd_time)s->horizon_days * 86400;
}

bool agent_has_skill(const struct agent *a, int queue)
{
    for (int i = 0; i < a->n_skills; i++)
        if (a->skills[i] == queue)
            return true;
    return false;
}

bool agent_off_during(const struct agent *a, sd_time start, sd_time end)
{
    for (int i = 0; i < a->n_time_off; i++)
        if (a->time_off[i].start < end && start < a->time_off[i].end)
            return true;
    return false;
}

bool agent_available_during(const struct snapshot *s, const struct agent *a, sd_time st, sd_time en)
{
    const struct tz_table *tz = &s->tzs[a->tz];
    int32_t day = tz_local_day(tz, st);
    /* The window may have opened on the same local day or the one before. */
    for (int32_t d = day - 1; d <= day; d++) {
        for (int w = 0; w < a->n_windows; w++) {
            const struct window *win = &a->windows[w];
            if (win->weekday != day_weekday(d) || d < win->valid_from || d > win->valid_until)
                continue;
            int we = win->end_min <= win->start_min ? win->end_min + 1440 : win->end_min;
            if (st >= tz_local_to_utc(tz, d, win->start_min) && en <= tz_local_to_utc(tz, d, we))
                return true;
        }
    }
    return false;
}

int32_t tz_offset_at(const struct tz_table *tz, sd_time t)
{
    /* Binary search for the last transition at or before t. */
    int lo = 0, hi = tz->n - 1;
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (tz->from[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return tz->offset[lo];
}

sd_time tz_local_to_utc(const struct tz_table *tz, int32_t day, int minute)
{
    sd_time local = (sd_time)day * 86400 + (sd_time)minute * 60;
    /*
     * Try each offset in force around that wall-clock time, earliest instant
     * first: the first candidate whose offset is really in force at that
     * instant is the answer (the first occurrence when the clock falls back).
     */
    sd_time best = 0;
    int found = 0;
    for (int i = 0; i < tz->n; i++) {
        sd_time cand = local - tz->offset[i];
        if (tz_offset_at(tz, cand) == tz->offset[i] && (!found || cand < best)) {
            best = cand;
            found = 1;
        }
    }
    if (found)
        return best;
    /*
     * In a spring-forward gap no offset fits: the wall-clock time does not
     * exist, and the instant the gap ends is the first valid one after it.
     */
    for (int i = 1; i < tz->n; i++) {
        if (tz->offset[i] > tz->offset[i - 1] && local >= tz->from[i] + tz->offset[i - 1] &&
            local < tz->from[i] + tz->offset[i])
            return tz->from[i];
    }
    return local - tz->offset[0];
}

int32_t tz_local_day(const struct tz_table *tz, sd_time t)
{
    sd_time local = t + tz_offset_at(tz, t);
    sd_time d = local / 86400;
    if (local % 86400 < 0)
        d--;
    return (int32_t)d;
}

int day_weekday(int32_t day)
{
    /* 1970-01-01 was a Thursday (ISO 4). */
    int w = (int)(((int64_t)day + 3) % 7);
    if (w < 0)
        w += 7;
    return w + 1;
}

int32_t day_iso_week(int32_t day)
{
    return (int32_t)util_floor_div((int64_t)day + 3, 7);
}
