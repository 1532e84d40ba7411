/* SPDX-License-Identifier: ISC */
/*
 * fuzz_calendar.c — libFuzzer harness for calendar rendering
 * (calendar_render() in daemon/calendar.c) of arbitrary agent and queue
 * names, descriptions, UIDs, times, sequences and breaks.
 *
 * Input: a flags byte, the calendar's name, then per event a mode byte, its
 * UID (or a fixed valid one), queue name, description, times and breaks (see
 * take_event()). Oracle, written here without calendar.c's code:
 *  - calendar_render() refuses exactly the feeds include/calendar.h rules out
 *    (times outside 1970..3000, end not after start, negative sequence, a
 *    UID that is empty, not clean or blank at an end, breaks outside their
 *    shift);
 *  - what it renders is valid UTF-8, every line ends in CRLF, holds at most
 *    75 octets and no control character but TAB;
 *  - libical parses it back with no error, and finds the name (NAME and
 *    X-WR-CALNAME), every event's UID, instants, SEQUENCE, STATUS, SUMMARY
 *    and DESCRIPTION as given, texts after the documented cleaning (CR and
 *    CRLF become LF, other controls but TAB go, bytes that are not UTF-8
 *    become U+FFFD).
 * Tolerated, because renderers may do them on purpose: a text shortened with
 * "…" (kept prefix and suffix must match), a "Cancelled: " title prefix on a
 * cancelled event, dropped invisible format characters (bidi controls, zero
 * widths, C1 controls) and blanks trimmed at the ends. Seeds:
 * corpus/fuzz_calendar/ (names in many scripts, boundary instants).
 */
#include <errno.h>
#include <stdbool.h>
#include <time.h>

#include <libical/ical.h>

#include "calendar.h"
#include "fuzz.h"
#include "text.h"

#define MAX_EVENTS   3
#define MAX_BREAKS   3
#define TIME_MAX     ((sd_time)32535215999) /* 3000-12-31T23:59:59Z (calendar.h) */
#define ELLIPSIS     0x2026
#define CANCELLED    "Cancelled: "
#define SUMMARY_HEAD "Shift: "

struct fuzz_event {
    struct cal_event ev;
    struct cal_break breaks[MAX_BREAKS];
    char *uid, *summary, *description;
};

/* ---- an independent UTF-8 reading ---- */

/* Decodes one well-formed sequence at s (NUL-terminated); its length, or 0 if none. */
static size_t decode(const unsigned char *s, uint32_t *cp)
{
    size_t n;
    uint32_t v, min;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xE0) == 0xC0) {
        n = 2, v = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        n = 3, v = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        n = 4, v = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0; /* also stops at the NUL */
        v = v << 6 | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

/* Code points of text after the documented cleaning. *n is the count; free the result. */
static uint32_t *cleaned(const char *text, size_t *n)
{
    size_t len = strlen(text), k = 0;
    uint32_t *out = malloc((len + 1) * sizeof *out);
    FUZZ_CHECK(out != NULL, "malloc");
    for (const unsigned char *s = (const unsigned char *)text; *s;) {
        uint32_t cp;
        size_t step = decode(s, &cp);
        if (step == 0) {
            out[k++] = 0xFFFD;
            s++;
        } else if (cp == '\r') {
            out[k++] = '\n';
            s += s[1] == '\n' ? 2 : 1;
        } else if ((cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F) {
            s++;
        } else {
            out[k++] = cp;
            s += step;
        }
    }
    *n = k;
    return out;
}

/* Invisible characters a renderer may drop: C1 controls, bidi controls, zero widths. */
static bool droppable(uint32_t c)
{
    return (c >= 0x80 && c <= 0x9F) || c == 0xAD || c == 0x61C || (c >= 0x200B && c <= 0x200F) ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
           (c >= 0x2066 && c <= 0x2069) || c == 0xFEFF;
}

static bool blank(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

/* Drops the droppable characters and trims blanks, in place; returns the new count. */
static size_t normalise(uint32_t *v, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!droppable(v[i]))
            v[k++] = v[i];
    size_t start = 0;
    while (start < k && blank(v[start]))
        start++;
    while (k > start && blank(v[k - 1]))
        k--;
    memmove(v, v + start, (k - start) * sizeof *v);
    return k - start;
}

/* How many characters of text are left after cleaning and normalise(). */
static size_t visible(const char *text)
{
    size_t n = 0;
    uint32_t *v = cleaned(text, &n);
    n = normalise(v, n);
    free(v);
    return n;
}

/*
 * Whether `shown` (what libical read back) says `given` (what the caller
 * passed): equal after cleaning, or shortened around one "…".
 */
static bool says(const char *shown, const char *given)
{
    size_t ns = 0, ng = 0;
    FUZZ_CHECK(text_utf8_valid(shown, strlen(shown)), "libical gave invalid UTF-8");
    uint32_t *s = cleaned(shown, &ns), *g = cleaned(given, &ng);
    ns = normalise(s, ns);
    ng = normalise(g, ng);
    bool ok = ns == ng && memcmp(s, g, ns * sizeof *s) == 0;
    for (size_t k = 0; !ok && k < ns; k++) {
        if (s[k] != ELLIPSIS)
            continue;
        size_t tail = ns - k - 1;
        ok = k + tail <= ng && memcmp(s, g, k * sizeof *s) == 0 &&
             memcmp(s + k + 1, g + ng - tail, tail * sizeof *s) == 0;
    }
    free(s);
    free(g);
    return ok;
}

/* ---- the input ---- */

static sd_time take_time(struct fuzz_reader *r, bool raw)
{
    /* Mostly a minute in 1970..10135: past the last instant libical writes (3000) and RFC 5545's.
     */
    return raw ? (sd_time)fuzz_take_uint(r, 8) : (sd_time)fuzz_take_uint(r, 4) * 60;
}

static void take_event(struct fuzz_reader *r, int i, struct fuzz_event *fe)
{
    unsigned mode = (unsigned)fuzz_take_uint(r, 1);
    bool raw = mode & 0x40;
    char fixed[64];
    memset(fe, 0, sizeof *fe);
    if (mode & 1) {
        fe->uid = fuzz_take_string(r, 80, NULL);
    } else {
        snprintf(fixed, sizeof fixed, "0b6f7d2e-3c1a-4e59-9a7b-2f1d5c8e6a4%d", i);
        fe->uid = strdup(fixed);
    }
    char *queue = fuzz_take_string(r, 600, NULL);
    fe->summary = malloc(strlen(SUMMARY_HEAD) + strlen(queue) + 1);
    FUZZ_CHECK(fe->uid != NULL && fe->summary != NULL, "malloc");
    strcpy(fe->summary, SUMMARY_HEAD);
    strcat(fe->summary, queue);
    free(queue);
    if (mode & 2)
        fe->description = fuzz_take_string(r, 600, NULL);
    struct cal_event *ev = &fe->ev;
    ev->uid = fe->uid;
    ev->summary = fe->summary;
    ev->description = fe->description;
    ev->cancelled = mode & 4;
    ev->start = take_time(r, raw);
    ev->end = raw ? (sd_time)fuzz_take_uint(r, 8)
                  : (sd_time)((uint64_t)ev->start + fuzz_take_uint(r, 2) * 60);
    ev->last_modified = take_time(r, raw);
    ev->sequence = (int)(int32_t)fuzz_take_uint(r, 4);
    ev->n_breaks = (int)(mode >> 3) & 3;
    for (int b = 0; b < ev->n_breaks; b++) {
        /* In unsigned arithmetic: a raw start may be near INT64_MAX, and wrapping is no UB. */
        uint64_t at = (uint64_t)ev->start + fuzz_take_uint(r, 2) * 60;
        uint64_t end = at + fuzz_take_uint(r, 1) * 60;
        fe->breaks[b] =
            (struct cal_break){.start = (sd_time)at, .end = (sd_time)end, .paid = mode & 0x80};
    }
    ev->breaks = ev->n_breaks > 0 ? fe->breaks : NULL;
}

/* What include/calendar.h accepts, read from the header rather than calendar.c. */
static bool acceptable(const struct cal_event *ev)
{
    size_t n = strlen(ev->uid);
    bool ok =
        n > 0 && !strchr(" \t", ev->uid[0]) && !strchr(" \t", ev->uid[n - 1]) && ev->sequence >= 0;
    for (const unsigned char *s = (const unsigned char *)ev->uid; ok && *s;) {
        uint32_t cp;
        size_t k = decode(s, &cp);
        ok = k > 0 && cp >= 0x20 && cp != 0x7F;
        s += k;
    }
    ok = ok && ev->start >= 0 && ev->start <= TIME_MAX && ev->end >= 0 && ev->end <= TIME_MAX &&
         ev->end > ev->start && ev->last_modified >= 0 && ev->last_modified <= TIME_MAX;
    for (int b = 0; ok && b < ev->n_breaks; b++)
        ok = ev->breaks[b].end > ev->breaks[b].start && ev->breaks[b].start >= ev->start &&
             ev->breaks[b].end <= ev->end;
    return ok;
}

/* ---- what was rendered ---- */

static void check_lines(const char *text, size_t len)
{
    FUZZ_CHECK(len == strlen(text), "length %zu but %zu before the NUL", len, strlen(text));
    FUZZ_CHECK(text_utf8_valid(text, len), "not valid UTF-8");
    FUZZ_CHECK(len >= 2 && memcmp(text + len - 2, "\r\n", 2) == 0, "does not end in CRLF");
    for (const char *line = text; *line;) {
        const char *end = strstr(line, "\r\n");
        FUZZ_CHECK(end != NULL, "a line without CRLF");
        size_t n = (size_t)(end - line);
        FUZZ_CHECK(n <= 75, "a line of %zu octets: %.*s", n, (int)n, line);
        FUZZ_CHECK(text_utf8_valid(line, n), "a fold inside a character: %.*s", (int)n, line);
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)line[i];
            FUZZ_CHECK((c >= 0x20 || c == '\t') && c != 0x7F, "control 0x%02x in: %.*s", c, (int)n,
                       line);
        }
        line = end + 2;
    }
}

static sd_time instant_of(icalcomponent *ev, icalproperty_kind kind)
{
    icalproperty *p = icalcomponent_get_first_property(ev, kind);
    FUZZ_CHECK(p != NULL, "no %s", icalproperty_kind_to_string(kind));
    struct icaltimetype t = icalvalue_get_datetime(icalproperty_get_value(p));
    FUZZ_CHECK(!icaltime_is_null_time(t) && !t.is_date && icaltime_is_utc(t), "%s not UTC",
               icalproperty_kind_to_string(kind));
    return (sd_time)icaltime_as_timet(t);
}

static const char *x_value(icalcomponent *cal, const char *name)
{
    for (icalproperty *p = icalcomponent_get_first_property(cal, ICAL_X_PROPERTY); p;
         p = icalcomponent_get_next_property(cal, ICAL_X_PROPERTY))
        if (strcmp(icalproperty_get_x_name(p), name) == 0)
            return icalproperty_get_x(p);
    return NULL;
}

static void check_event(icalcomponent *vev, const struct cal_event *ev, int i)
{
    const char *uid = icalcomponent_get_uid(vev);
    FUZZ_CHECK(uid != NULL && strcmp(uid, ev->uid) == 0, "event %d: UID '%s' for '%s'", i,
               uid ? uid : "(none)", ev->uid);
    FUZZ_CHECK(instant_of(vev, ICAL_DTSTART_PROPERTY) == ev->start, "event %d: DTSTART", i);
    FUZZ_CHECK(instant_of(vev, ICAL_DTEND_PROPERTY) == ev->end, "event %d: DTEND", i);
    FUZZ_CHECK(instant_of(vev, ICAL_DTSTAMP_PROPERTY) == ev->last_modified, "event %d: DTSTAMP", i);
    FUZZ_CHECK(icalcomponent_get_sequence(vev) == ev->sequence, "event %d: SEQUENCE", i);
    FUZZ_CHECK(icalcomponent_get_status(vev) ==
                   (ev->cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED),
               "event %d: STATUS", i);
    const char *summary = icalcomponent_get_summary(vev);
    FUZZ_CHECK(summary != NULL || visible(ev->summary) == 0, "event %d: no SUMMARY", i);
    if (summary == NULL)
        summary = "";
    if (ev->cancelled && strncmp(summary, CANCELLED, strlen(CANCELLED)) == 0)
        summary += strlen(CANCELLED);
    FUZZ_CHECK(says(summary, ev->summary), "event %d: SUMMARY '%s' for '%s'", i, summary,
               ev->summary);
    const char *desc = icalcomponent_get_description(vev);
    for (int b = 0; b < ev->n_breaks; b++) {
        char hhmm[8];
        int s = (int)(ev->breaks[b].start % 86400);
        snprintf(hhmm, sizeof hhmm, "%02d:%02d", s / 3600, s / 60 % 60);
        FUZZ_CHECK(desc != NULL && strstr(desc, hhmm) != NULL, "event %d: break at %s not listed",
                   i, hhmm);
    }
    if (ev->description != NULL) {
        if (visible(ev->description) == 0)
            return;
        FUZZ_CHECK(desc != NULL, "event %d: no DESCRIPTION", i);
        /* After the list of breaks, if any, and a blank line. */
        const char *own = ev->n_breaks > 0 ? strstr(desc, "\n\n") : desc;
        FUZZ_CHECK(own != NULL && says(own, ev->description), "event %d: DESCRIPTION '%s'", i,
                   desc);
    }
}

/* The first X-LIC-ERROR libical put into c or its components, for the report. */
static const char *first_error(icalcomponent *c)
{
    icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY);
    if (p != NULL)
        return icalproperty_get_xlicerror(p);
    for (icalcomponent *k = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); k != NULL;
         k = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT)) {
        const char *e = first_error(k);
        if (e != NULL)
            return e;
    }
    return NULL;
}

static void check_parsed(const char *text, const char *name, const struct fuzz_event *fe, int n)
{
    icalcomponent *cal = icalparser_parse_string(text);
    FUZZ_CHECK(cal != NULL && icalcomponent_isa(cal) == ICAL_VCALENDAR_COMPONENT,
               "libical does not read a VCALENDAR");
    FUZZ_CHECK(icalcomponent_count_errors(cal) == 0, "libical reports: %s\n%s", first_error(cal),
               text);
    /* A name with nothing visible left once cleaned may be left out (libical refuses "NAME:"). */
    size_t left = visible(name);
    icalproperty *p = icalcomponent_get_first_property(cal, ICAL_NAME_PROPERTY);
    FUZZ_CHECK(p != NULL ? says(icalproperty_get_name(p), name) : left == 0, "NAME '%s' for '%s'",
               p ? icalproperty_get_name(p) : "(none)", name);
    const char *x = x_value(cal, "X-WR-CALNAME");
    FUZZ_CHECK(x != NULL ? says(x, name) : left == 0, "X-WR-CALNAME '%s' for '%s'",
               x ? x : "(none)", name);
    int count = icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT);
    /* An empty feed may carry a placeholder component (RFC 5545 wants one). */
    FUZZ_CHECK(n == 0 || count == n, "%d VEVENTs for %d events", count, n);
    int i = 0;
    for (icalcomponent *vev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
         vev != NULL && i < n; vev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
        check_event(vev, &fe[i].ev, i), i++;
    icalcomponent_free(cal);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_reader r = {data, size};
    unsigned flags = (unsigned)fuzz_take_uint(&r, 1);
    int n = (int)(flags & 3);
    size_t len = 0;
    char *given = fuzz_take_string(&r, 1200, NULL);
    /* feeds.c names a feed "<agent>: shifts"; the bare name is fuzzed too. */
    char *name = malloc(strlen(given) + sizeof ": shifts");
    FUZZ_CHECK(name != NULL, "malloc");
    strcpy(name, given);
    if (flags & 4)
        strcat(name, ": shifts");
    free(given);
    struct fuzz_event fe[MAX_EVENTS];
    struct cal_event evs[MAX_EVENTS];
    bool ok = true;
    for (int i = 0; i < n; i++) {
        take_event(&r, i, &fe[i]);
        evs[i] = fe[i].ev;
        ok = ok && acceptable(&evs[i]);
    }
    struct cal_feed feed = {.name = name, .n_events = n, .events = n > 0 ? evs : NULL};
    char *text = NULL;
    int rc = calendar_render(&feed, &text, &len);
    FUZZ_CHECK(rc == (ok ? 0 : -EINVAL), "calendar_render %d for a feed that is %s", rc,
               ok ? "acceptable" : "not");
    if (rc == 0) {
        check_lines(text, len);
        check_parsed(text, name, fe, n);
    }
    free(text);
    free(name);
    for (int i = 0; i < n; i++) {
        free(fe[i].uid);
        free(fe[i].summary);
        free(fe[i].description);
    }
    return 0;
}
