/* SPDX-License-Identifier: ISC */
/*
 * absence.h — what an absence takes from the published roster, and who may
 * fill it (docs/engine.md, "Absences").
 *
 * Pure (no I/O). A published shift its agent can no longer work as it was
 * published (time off over part of it, say) is not simply dropped:
 * absence_kept_part() finds the longest part of it the agent can still work
 * by the contract's rules (a contract length, on the start step, inside an
 * availability window, outside time off, not begun, starting on the shift's
 * own local day), which the roster keeps in its place, frozen or wished for
 * like the shift itself. What the shift loses beside that part is a *hole*
 * (absence_holes()): the roster may fill it from other agents even inside the
 * freeze, by new shifts on their free days (as before) or by extending a
 * frozen shift of theirs into the hole and nowhere else
 * (absence_extends_into_holes(), absence_keep_extensions()), each at its change
 * cost.
 *
 *     struct absence_hole *h; int nh;
 *     if (absence_holes(s, &h, &nh) < 0) goto out;    // free(h) after use
 *     struct span part;
 *     if (absence_kept_part(s, &s->published[k], &part) == ABSENCE_PART) ...
 */
#ifndef STAFFD_ABSENCE_H
#define STAFFD_ABSENCE_H

#include <stdbool.h>

#include "model.h"
#include "shift_options.h"
#include "util.h"

/* What of a published shift its agent can still work. */
enum absence_keep {
    ABSENCE_NONE = 0, /* nothing: cancelled, agent gone, or no part fits */
    ABSENCE_WHOLE,    /* the shift as published (shift_options_valid()) */
    ABSENCE_PART,     /* a shorter part of it (see absence_kept_part()) */
};

/*
 * A span a published shift loses: its agent worked the queue there and can no
 * longer (the shift less its kept part, so one or two per shift).
 */
struct absence_hole {
    int published; /* index into snapshot.published */
    int agent;     /* its agent (snapshot index), -1 when gone */
    int queue;
    sd_time start, end;
};

/*
 * What of published shift p (of the snapshot s) its agent can still work,
 * in *kept: the whole shift when it is still valid; else, for a shift not yet
 * begun, the longest [start, start + L) inside it with L one of the contract's
 * lengths, start either the shift's own start or on the contract's start step
 * after local midnight (as shift_options_for_agent()) and on the shift's local
 * day, not before s->now, inside the horizon, inside an availability window,
 * outside every time off, on a queue the agent is still skilled for; ties go
 * to the earliest start. A shift under way that is no longer valid, or one
 * with no part that fits, gives ABSENCE_NONE (*kept is then empty).
 */
enum absence_keep absence_kept_part(const struct snapshot *s, const struct published_shift *p,
                                    struct span *kept);

/*
 * Every hole of the published roster: for each published shift, not
 * cancelled, on a known queue, not begun and starting inside the horizon,
 * that is not ABSENCE_WHOLE, the spans it loses. *out is malloc'd (NULL when
 * *n == 0), ordered by published shift, then start. 0 or -ENOMEM.
 */
int absence_holes(const struct snapshot *s, struct absence_hole **out, int *n) STAFFD_MUSTCHECK;

/*
 * Whether option o extends the shift [f_start, f_end) on queue f_queue into
 * holes only: same queue, o contains the shift and is longer, and what it
 * adds before and after lies wholly inside holes h[0..nh) of that queue.
 */
bool absence_extends_into_holes(const struct shift_option *o, sd_time f_start, sd_time f_end,
                                int f_queue, const struct absence_hole *h, int nh);

/*
 * Whether option o is a backfill: at least half of it lies inside holes
 * h[0..nh) of its queue (a 4-hour hole can be backfilled by an 8-hour shift,
 * not by one that only touches it).
 */
bool absence_fills_hole(const struct shift_option *o, const struct absence_hole *h, int nh);

/*
 * The roster's options o[0..*n) of agent a (sorted by day, as
 * roster_agent_options() gives them), filtered in place: on each local day
 * where one of a's published shifts mine[0..n_mine) (indices into
 * s->published) stands whole inside the freeze (not begun, starting before
 * freeze_until) and some option of that day extends it into holes, only that
 * shift and its extensions stay on offer. Other days are left as they are.
 * Returns how many such days there were.
 */
int absence_keep_extensions(const struct snapshot *s, int a, sd_time freeze_until, const int *mine,
                            int n_mine, const struct absence_hole *h, int nh,
                            struct shift_option *o, int *n);

/*
 * How much of holes h[0..nh) agent a could fill, in agent-cells: per option
 * o[0..n) (roster_agent_options()), the 15-minute cells of holes of its queue
 * it overlaps. On a day where one of a's published shifts mine[0..n_mine)
 * stands whole inside the freeze, only options that extend it into holes count
 * (the others are not on offer there). The quick plan's neighbours are the
 * agents who score most.
 */
int absence_cover_score(const struct snapshot *s, int a, sd_time freeze_until, const int *mine,
                        int n_mine, const struct shift_option *o, int n,
                        const struct absence_hole *h, int nh);

#endif
