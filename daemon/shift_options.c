/* SPDX-License-Identifier: ISC */
/*
 * shift_options.c — the shifts an agent may work (see include/shift_options.h):
 * every contract length from every start step inside an availability window,
 * outside time off, inside the horizon and not in the past, once per queue
 * the agent is skilled for. Wall-clock times skipped by a spring-forward gap
 * are left out rather than moved.
 */
#include "shift_options.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "util.h"

struct option_vec {
    struct shift_option *v;
    int n, cap;
};

static int option_push(struct option_vec *ov, struct shift_option o)
{
    int rc = util_grow((void **)&ov->v, &ov->cap, ov->n + 1, sizeof *ov->v);
    if (rc < 0)
        return rc;
    ov->v[ov->n++] = o;
    return 0;
}

int shift_options_for_agent(const struct snapshot *s, int agent, struct shift_option **out, int *n)
{
    const struct agent *a = &s->agents[agent];
    const struct tz_table *tz = &s->tzs[a->tz];
    const struct contract *c = &s->contracts[a->contract];
    sd_time hs = s->horizon_start, he = snapshot_horizon_end(s);
    sd_time earliest = s->now > hs ? s->now : hs;
    struct option_vec ov = {0};
    int rc = 0;

    int32_t first = tz_local_day(tz, hs) - 1, last = tz_local_day(tz, he);
    int step = c->shift_start_step_minutes > 0 ? c->shift_start_step_minutes : 15;
    for (int32_t d = first; d <= last; d++) {
        int wd = day_weekday(d);
        for (int w = 0; w < a->n_windows; w++) {
            const struct window *win = &a->windows[w];
            if (win->weekday != wd || d < win->valid_from || d > win->valid_until)
                continue;
            int ws = win->start_min;
            int we = win->end_min <= ws ? win->end_min + 1440 : win->end_min;
            sd_time win_end = tz_local_to_utc(tz, d, we);
            for (int m = (ws + step - 1) / step * step; m < we; m += step) {
                sd_time st = tz_local_to_utc(tz, d, m);
                /* A wall-clock time skipped by the spring-forward gap does not exist. */
                if (st + tz_offset_at(tz, st) != (sd_time)d * 86400 + (sd_time)m * 60)
                    continue;
                if (st < earliest)
                    continue;
                for (int l = 0; l < c->n_lengths; l++) {
                    sd_time en = st + (sd_time)c->shift_lengths_minutes[l] * 60;
                    if (en > win_end || en > he || agent_off_during(a, st, en))
                        continue;
                    for (int k = 0; k < a->n_skills; k++) {
                        struct shift_option o = {tz_local_day(tz, st), a->skills[k], st, en};
                        rc = option_push(&ov, o);
                        if (rc < 0)
                            goto out;
                    }
                }
            }
        }
    }
out:
    if (rc < 0) {
        free(ov.v);
        ov.v = NULL;
        ov.n = 0;
    }
    *out = ov.v;
    *n = ov.n;
    return rc;
}

bool shift_options_valid(const struct snapshot *s, int agent, int queue, sd_time start, sd_time end)
{
    const struct agent *a = &s->agents[agent];
    const struct contract *c = &s->contracts[a->contract];
    bool len_ok = false;
    for (int l = 0; l < c->n_lengths; l++)
        len_ok |= end - start == (sd_time)c->shift_lengths_minutes[l] * 60;
    return len_ok && agent_has_skill(a, queue) && !agent_off_during(a, start, end) &&
           agent_available_during(s, a, start, end);
}
