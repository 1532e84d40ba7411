/* SPDX-License-Identifier: ISC */
/*
 * calendar.h — renders one agent's schedule as an iCalendar (RFC 5545) feed.
 *
 * Pure: no I/O, no clock, no time-zone files. All times are written in UTC
 * ("...Z"), so no VTIMEZONE is needed. Output is byte-identical for identical
 * input (DTSTAMP and LAST-MODIFIED come from the event, never from "now"), which
 * keeps the feed's ETag stable. Serialisation, escaping and folding are
 * libical's; X- properties are sanitised here because libical does not escape
 * them. Text is made safe here: invalid UTF-8, control characters and bidi
 * controls never reach a client. See docs/feeds.md.
 *
 * Use:
 *   struct cal_feed f = {.name = "Ana's shifts", .events = ev, .n_events = n};
 *   char *body; size_t len;
 *   if (calendar_render(&f, &body, &len) == 0) { ...; free(body); }
 *   calendar_shutdown();   // at exit
 */
#ifndef STAFFD_CALENDAR_H
#define STAFFD_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "util.h"

struct cal_break {
    sd_time start, end;
    bool paid;
};

struct cal_event {
    const char *uid; /* the shift's UUID, minted once */
    sd_time start, end;
    sd_time last_modified; /* the row's last change: DTSTAMP and LAST-MODIFIED */
    int sequence;
    bool cancelled;          /* STATUS:CANCELLED, "Cancelled: " + summary, TRANSP:TRANSPARENT */
    const char *summary;     /* e.g. "Shift: chat-sv" */
    const char *description; /* may be NULL */
    int n_breaks;
    const struct cal_break *breaks; /* listed in DESCRIPTION */
};

struct cal_feed {
    const char *name; /* NAME and X-WR-CALNAME; any UTF-8 */
    int n_events;
    /* Rendered in the order given; with none, a VTIMEZONE for UTC stands in (RFC 5545). */
    const struct cal_event *events;
};

/*
 * Renders the feed into a malloc'd NUL-terminated buffer (CRLF line ends). 0 or
 * -errno; -EINVAL for a NULL name or summary, a UID that is empty, starts or
 * ends with a blank, or holds a control character or bytes that are not UTF-8
 * (what libical would not read back the same), a negative sequence, end not
 * after start, breaks outside their event, or an instant outside
 * 1970-01-01T00:00:00Z .. 3000-12-31T23:59:59Z (the last year libical writes).
 */
int calendar_render(const struct cal_feed *feed, char **out, size_t *out_len) STAFFD_MUSTCHECK;

/*
 * Gives back what libical keeps for the life of the process (its index of
 * built-in zones, read by the first render), so that a clean exit leaks
 * nothing. Call once at exit, when no render runs; a later render reads the
 * index again.
 */
void calendar_shutdown(void);

#endif
