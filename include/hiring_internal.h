/* SPDX-License-Identifier: ISC */
/*
 * hiring_internal.h — what the hiring profiles' three files share (the API is
 * include/hiring.h): the 15-minute slots of a local week, weekday masks, the
 * snapshot's cell helpers, and the few functions one file lends another.
 *
 *   hiring.c           the sizing: a hypothetical hire simulated, pass 1
 *                      (the windows), pass 2 (the profiles), what is left,
 *                      hiring_size(), hiring_what_if()
 *   hiring_template.c  the contract template hires are sized in
 *   hiring_words.c     the words for weekly time blocks (shared with
 *                      recruit.c through hiring.h) and the weekly blocks of
 *                      what is left
 *
 * Not an API: nothing outside those three files includes this. It does not
 * include hiring.h (which the three do), so the two form no include cycle.
 */
#ifndef STAFFD_HIRING_INTERNAL_H
#define STAFFD_HIRING_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "text.h"

struct hiring_params;
struct hiring_template;

#define SLOTS_PER_DAY (86400 / SD_CELL_SECONDS)
#define WEEK_SLOTS    (7 * SLOTS_PER_DAY)
#define SLOT_MINUTES  (SD_CELL_SECONDS / 60)

#define MASK_WEEKDAYS 0x1Fu
#define MASK_WEEKEND  0x60u
#define MASK_ALL      0x7Fu

/* One-line messages: cut short on a character boundary ("…") when they do not fit. */
__attribute__((format(printf, 3, 4))) static inline void say(char *buf, size_t len, const char *fmt,
                                                             ...)
{
    va_list ap;
    va_start(ap, fmt);
    text_vprintf(buf, len, fmt, ap);
    va_end(ap);
}

/* end_min as stored: past midnight wraps (end <= start), midnight itself stays 1440. */
static inline int stored_end(int end_min)
{
    return end_min == 1440 ? 1440 : end_min % 1440;
}

static inline int first_future_cell(const struct snapshot *s)
{
    return snapshot_first_future_cell(s);
}

static inline double future_weeks(const struct snapshot *s)
{
    return (double)(s->n_cells - first_future_cell(s)) * SD_CELL_SECONDS / (7.0 * 86400);
}

static inline size_t cell_index(const struct snapshot *s, int queue, int cell)
{
    return (size_t)queue * (size_t)s->n_cells + (size_t)cell;
}

static inline const struct tz_table *queue_tz(const struct snapshot *s, int q)
{
    int tz = s->queues[q].tz;
    return tz >= 0 && tz < s->n_tzs ? &s->tzs[tz] : NULL;
}

/* hiring_template.c */

/*
 * The contract every hypothetical hire works under; its lengths are copied to
 * lengths[HIRING_MAX_LENGTHS], which must outlive *out.
 */
void hiring_template_contract(const struct hiring_template *t, int *lengths, struct contract *out);

/* hiring_words.c */

/* "4–6 h", "8 h", "4.5–5 h": the template's shift lengths. */
void hiring_lengths_words(const struct hiring_template *t, char *buf, size_t len);
/* "12–16 h a week" or "about 16 h a week". */
void hiring_hours_range_words(double min_minutes, double max_minutes, char *buf, size_t len);
/* Weekly average of values[] of queue q per local weekday x slot, into avg[WEEK_SLOTS]. */
void hiring_weekly_average(const struct snapshot *s, const double *values, int q, double *avg);
/* The largest blocks of what is left on queue q, in words. 0 or -ENOMEM. */
int hiring_left_blocks_words(const struct snapshot *s, const struct hiring_params *p,
                             const double *residual, int q, char *buf, size_t len);

#endif
