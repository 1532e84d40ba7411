/* SPDX-License-Identifier: ISC */
/*
 * console_svg.h — the console's pictures, drawn on the server as inline SVG
 * (no chart library, no script): the coverage heatmap of a queue and the
 * time line of an agent's day. Pure: values in, markup out through the
 * template module's escaping builder (struct html), so every text in a
 * picture is escaped like any other value.
 */
#ifndef STAFFD_CONSOLE_SVG_H
#define STAFFD_CONSOLE_SVG_H

#include <stdbool.h>

#include "template.h"

/* One 15-minute interval of a queue, in the queue's time zone. */
struct console_cell {
    char day[11];   /* local date, YYYY-MM-DD */
    char label[16]; /* "Tue 15 Dec" */
    int minute;     /* local minute of the day it starts at */
    double required, scheduled, shortage, service_level;
    /*
     * Of the shortage, the part no roster can fix: fewer skilled agents could
     * work the interval at all (`available`) than it requires; the rest is
     * fixable by rostering. Both < 0 when not known (a row written before
     * migration 0013).
     */
    double unfixable;
    int available;
    bool future; /* starts at or after the run's planned_at */
};

/*
 * Rows are local days, columns the 96 quarters of an hour in `tz`; a cell's
 * colour says agents short (one hue) or over (another), darker for more; past
 * intervals are faded. The unfixable part of a future cell's shortage is
 * hatched, from the bottom of the cell up to its share of the shortage (all of
 * the cell when no roster could fix any of it); history has no split. Each drawn cell carries a
 * <title> with its figures (hover, or tap on a touch screen); the picture's <desc> summarises it,
 * and the page's tables are its text alternative. Cells must be in time order.
 */
void console_svg_heatmap(struct html *out, const struct console_cell *cells, int n,
                         const char *queue, const char *tz);

/* A shift on a day's time line, minutes after local midnight. */
struct console_bar {
    int start, length;
    int breaks[8][2]; /* start, end */
    int n_breaks;
};

/* A 24-hour time line (decorative: the cell's text says the same). */
void console_svg_day(struct html *out, const struct console_bar *bars, int n);

#endif
