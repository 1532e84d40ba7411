/* SPDX-License-Identifier: ISC */
/*
 * text.h — UTF-8-safe text in fixed buffers.
 *
 * Names come from HR (queues, agents, contracts, applicants) and may hold any
 * character PostgreSQL accepts. Wherever one is formatted into a buffer of a
 * fixed size, snprintf() would cut it at a byte, possibly inside a multi-byte
 * character, and the invalid UTF-8 that results is refused by PostgreSQL
 * (jsonb, text) and shown as U+FFFD by calendars. text_printf() is the one way
 * to format into such a buffer: when the text does not fit it is cut on a
 * character boundary and ends with "…", so a reader sees that something was
 * left out.
 *
 * Use:
 *   char msg[256];
 *   if (text_printf(msg, sizeof msg, "contract '%s' ...", name) > 0)
 *       ... // it was shortened; msg is still valid UTF-8 and ends in "…"
 */
#ifndef STAFFD_TEXT_H
#define STAFFD_TEXT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define TEXT_ELLIPSIS "\xe2\x80\xa6" /* U+2026, three bytes */

/*
 * Formats into buf[size] (size >= 4 for the ellipsis to fit). Returns 0 when
 * the whole text fits, 1 when it was shortened, -EINVAL on a format error
 * (buf is then ""). Invalid UTF-8 in the arguments is passed through; only the
 * cut is made safe.
 */
int text_printf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int text_vprintf(char *buf, size_t size, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

/*
 * Appends to the text already in buf[size] (NUL-terminated), with the same
 * cut. Returns 0, 1 when the text is now shortened, or -EINVAL. Once a call
 * returned 1, further appends leave buf as it is and return 1.
 */
int text_append(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * A growing string for text built piece by piece (reports, SQL array
 * literals). Start from `struct text_buf b = {0}`; after the first failure
 * further calls do nothing; text_buf_finish() hands over the malloc'd string,
 * or frees it and returns NULL if any call failed.
 */
struct text_buf {
    char *p;
    size_t n, cap;
    bool failed;
};
void text_buf_printf(struct text_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
char *text_buf_finish(struct text_buf *b) STAFFD_MUSTCHECK;

/* The longest prefix of s[0..len) that does not end inside a UTF-8 sequence. */
size_t text_utf8_prefix(const char *s, size_t len);

/* Whether s[0..len) is well-formed UTF-8 (no overlongs, surrogates or > U+10FFFF). */
bool text_utf8_valid(const char *s, size_t len);

#endif
