/* SPDX-License-Identifier: ISC */
/*
 * calendar.c — renders one agent's schedule as an iCalendar feed (include/calendar.h).
 *
 * Owns what a feed says and how its text is made safe. libical builds and
 * serialises the standard properties and the VEVENTs (escaping, CRLF, folding at
 * 75 octets on UTF-8 boundaries; one fold of its is mended, see
 * cal_buf_add_ical); the X- lines are escaped and folded here,
 * because libical 3.0.16 leaves ',' and ';' raw in X- values. All text is first
 * cleaned to well-formed UTF-8 without control characters other than TAB and LF
 * and without bidi controls. A cancelled event says so in its SUMMARY and does
 * not block busy time; a feed without events carries one component no client
 * shows (RFC 5545 wants at least one).
 *
 * calendar_render() may be called from any thread: it reads no clock, and its
 * libical calls are serialised by a lock of this module's (see below). The
 * first render makes libical read zone.tab once; no zone is ever loaded.
 */
#include "calendar.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#define CAL_PRODID          "-//staffd//staffd 0.1//EN"
#define CAL_REFRESH_SECONDS 3600
#define CAL_REFRESH_TEXT    "PT1H"
/* RFC 5545 3.1: a physical line holds at most 75 octets, CRLF not counted. */
#define CAL_LINE_OCTETS 75
/*
 * DATE-TIME has four year digits, but libical 3.0.16 holds no year after 3000
 * (icaltime_is_valid_time) and writes a later one as "00000000T000000", which
 * no client reads: 3000-12-31T23:59:59Z is the last instant a feed can carry.
 */
#define CAL_TIME_MAX ((sd_time)32535215999)

struct cal_buf {
    char *data;
    size_t len, cap;
};

/*
 * libical 3.0.16 has shared state that is not locked: its first
 * icaltimezone_get_utc_timezone() (called for every UTC time) reads zone.tab
 * and sets globals, and each list it allocates bumps a global counter (pvl.c).
 * Rendering costs about 6 us an event, so renders take turns rather than race.
 */
static pthread_mutex_t cal_libical_lock = PTHREAD_MUTEX_INITIALIZER;

static int cal_buf_reserve(struct cal_buf *b, size_t extra)
{
    if (extra < b->cap - b->len)
        return 0;
    if (extra > SIZE_MAX / 2 - b->len)
        return -ENOMEM;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len <= extra)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (p == NULL)
        return -ENOMEM;
    b->data = p;
    b->cap = cap;
    return 0;
}

/* Appends n bytes and keeps the buffer NUL-terminated. */
static int cal_buf_add(struct cal_buf *b, const char *s, size_t n)
{
    int rc = cal_buf_reserve(b, n);
    if (rc != 0)
        return rc;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

static int cal_buf_puts(struct cal_buf *b, const char *s)
{
    return cal_buf_add(b, s, strlen(s));
}

/* Length (1..4) of the well-formed UTF-8 sequence at s, or 0 if there is none (RFC 3629). */
static size_t cal_utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    /* The range checks stop at the terminating NUL, so no read passes it. */
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlongs */
        unsigned hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80; /* no overlongs */
        unsigned hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing past U+10FFFF */
        return s[1] >= lo && s[1] <= hi && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

/*
 * Whether the k-byte UTF-8 sequence at s is a bidi control: U+061C, U+200E,
 * U+200F, U+202A..U+202E or U+2066..U+2069. An override inside a name
 * ("Eve<U+202E>gnp.exe") makes a calendar show text that is not what was
 * written, and the names come from anyone who can edit an agent or a queue.
 */
static bool cal_is_bidi_control(const unsigned char *s, size_t k)
{
    if (k == 2)
        return s[0] == 0xD8 && s[1] == 0x9C;
    if (k != 3 || s[0] != 0xE2)
        return false;
    if (s[1] == 0x80)
        return s[2] == 0x8E || s[2] == 0x8F || (s[2] >= 0xAA && s[2] <= 0xAE);
    return s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9;
}

/*
 * Copies text to a malloc'd *out that libical and clients can carry faithfully:
 * CRLF and a lone CR become LF (libical silently drops CR, gluing lines
 * together), other control characters are dropped (they have no escape in
 * RFC 5545 TEXT and libical would emit them raw), bidi controls are dropped
 * (see cal_is_bidi_control), and bytes that are not UTF-8 become U+FFFD, so
 * that folding on character boundaries is well defined.
 */
static int cal_text_clean(const char *in, char **out)
{
    size_t n = strlen(in);
    char *dst = NULL;
    size_t len = 0;
    int rc = -ENOMEM;

    /* Worst case: every byte is invalid and becomes a 3-byte U+FFFD. */
    if (n > (SIZE_MAX - 1) / 3)
        goto out;
    dst = malloc(3 * n + 1);
    if (dst == NULL)
        goto out;
    const unsigned char *s = (const unsigned char *)in;
    while (*s) {
        size_t k = cal_utf8_len(s);
        if (k == 0) {
            memcpy(dst + len, "\xEF\xBF\xBD", 3);
            len += 3;
            s++;
        } else if (*s == '\r') {
            dst[len++] = '\n';
            s += s[1] == '\n' ? 2 : 1;
        } else if ((*s < 0x20 && *s != '\t' && *s != '\n') || *s == 0x7F) {
            s++;
        } else if (cal_is_bidi_control(s, k)) {
            s += k;
        } else {
            memcpy(dst + len, s, k);
            len += k;
            s += k;
        }
    }
    dst[len] = '\0';
    *out = dst;
    dst = NULL;
    rc = 0;
out:
    free(dst);
    return rc;
}

/*
 * Appends text libical serialised. libical 3.0.16 folds a property's line
 * together with its closing CRLF, so a line of just the wrong length is folded
 * between CR and LF ("\r" "\r\n " "\n"): a bare CR, then an empty
 * continuation line. Text has no CR of its own (cal_text_clean), so that
 * sequence can only be this fold, and is put back to the CRLF it was.
 */
static int cal_buf_add_ical(struct cal_buf *b, const char *text)
{
    static const char split[] = "\r\r\n \n";
    const char *p = text, *hit;
    int rc = 0;
    while (rc == 0 && (hit = strstr(p, split)) != NULL) {
        rc = cal_buf_add(b, p, (size_t)(hit - p));
        if (rc == 0)
            rc = cal_buf_add(b, "\r\n", 2);
        p = hit + sizeof split - 1;
    }
    if (rc == 0)
        rc = cal_buf_puts(b, p);
    return rc;
}

/*
 * Appends "name:value" as one content line with value escaped as TEXT
 * (RFC 5545 3.3.11), folded like libical folds: at most 75 octets a line, never
 * inside a UTF-8 sequence. It also keeps each escape pair on one line: the RFC
 * does not ask for that, but a client that unescapes before it unfolds then
 * still reads the value right. value must be clean (cal_text_clean).
 */
static int cal_put_x_line(struct cal_buf *b, const char *name, const char *value)
{
    struct cal_buf line = {0};
    int rc = cal_buf_puts(&line, name);
    if (rc == 0)
        rc = cal_buf_add(&line, ":", 1);
    for (const char *v = value; rc == 0 && *v; v++) {
        switch (*v) {
        case '\\':
            rc = cal_buf_add(&line, "\\\\", 2);
            break;
        case ';':
            rc = cal_buf_add(&line, "\\;", 2);
            break;
        case ',':
            rc = cal_buf_add(&line, "\\,", 2);
            break;
        case '\n':
            rc = cal_buf_add(&line, "\\n", 2);
            break;
        default:
            rc = cal_buf_add(&line, v, 1);
            break;
        }
    }
    if (rc != 0)
        goto out;

    size_t used = 0, room = CAL_LINE_OCTETS;
    const char *p = line.data;
    while (rc == 0 && *p) {
        size_t k = *p == '\\' ? 2 : cal_utf8_len((const unsigned char *)p);
        if (k == 0)
            k = 1; /* unreachable for clean input; never stall */
        if (used + k > room) {
            /* A continuation line starts with a space, which counts. */
            rc = cal_buf_add(b, "\r\n ", 3);
            used = 0;
            room = CAL_LINE_OCTETS - 1;
        }
        if (rc == 0)
            rc = cal_buf_add(b, p, k);
        used += k;
        p += k;
    }
    if (rc == 0)
        rc = cal_buf_add(b, "\r\n", 2);
out:
    free(line.data);
    return rc;
}

/*
 * Serialises prop onto b and frees it. A NULL prop is a libical allocation
 * failure. Calls chain: once rc is non-zero, props are only freed, so a run of
 * calls needs one check at its end.
 */
static int cal_put_prop(struct cal_buf *b, icalproperty *prop, int rc)
{
    char *text = NULL;

    if (rc == 0 && prop == NULL)
        rc = -ENOMEM;
    if (rc == 0) {
        text = icalproperty_as_ical_string_r(prop);
        rc = text ? cal_buf_add_ical(b, text) : -ENOMEM;
    }
    if (text)
        icalmemory_free_buffer(text);
    if (prop)
        icalproperty_free(prop);
    return rc;
}

/* Like cal_put_prop, but comp takes ownership of prop. */
static int cal_add_prop(icalcomponent *comp, icalproperty *prop, int rc)
{
    if (rc == 0 && prop == NULL)
        rc = -ENOMEM;
    if (rc == 0)
        icalcomponent_add_property(comp, prop);
    else if (prop)
        icalproperty_free(prop);
    return rc;
}

static struct icaltimetype cal_time(sd_time t)
{
    /* The UTC zone is built in: this loads no zone and gives a "...Z" time. */
    return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

static int cal_put_hhmm(struct cal_buf *b, sd_time t)
{
    /* Only the UTC time of day; no calendar arithmetic, so no libc time zone state. */
    int s = (int)(t % 86400);
    char hhmm[6] = {(char)('0' + s / 36000),      (char)('0' + s / 3600 % 10), ':',
                    (char)('0' + s % 3600 / 600), (char)('0' + s % 600 / 60),  '\0'};
    return cal_buf_add(b, hhmm, 5);
}

/*
 * Whether a cleaned text has nothing but blanks. libical refuses a TEXT
 * property whose value is empty or only spaces and tabs ("No value for NAME
 * property", X-LIC-ERROR) and drops it, so such a text is left out instead.
 */
static bool cal_blank(const char *s)
{
    return s[strspn(s, " \t")] == '\0';
}

/* The DESCRIPTION text, cleaned, or NULL when there is nothing to say. */
static int cal_describe(const struct cal_event *ev, char **out)
{
    struct cal_buf d = {0};
    int rc = 0;

    *out = NULL;
    if (ev->n_breaks > 0)
        rc = cal_buf_puts(&d, "Breaks: ");
    for (int i = 0; rc == 0 && i < ev->n_breaks; i++) {
        const struct cal_break *br = &ev->breaks[i];
        if (i > 0)
            rc = cal_buf_puts(&d, ", ");
        if (rc == 0)
            rc = cal_put_hhmm(&d, br->start);
        if (rc == 0)
            rc = cal_buf_puts(&d, "\xE2\x80\x93"); /* EN DASH */
        if (rc == 0)
            rc = cal_put_hhmm(&d, br->end);
        if (rc == 0)
            rc = cal_buf_puts(&d, br->paid ? " UTC (paid)" : " UTC (unpaid)");
    }
    if (rc == 0 && ev->description != NULL && ev->description[0] != '\0') {
        if (d.len > 0)
            rc = cal_buf_puts(&d, "\n\n");
        if (rc == 0)
            rc = cal_buf_puts(&d, ev->description);
    }
    if (rc == 0 && d.len > 0)
        rc = cal_text_clean(d.data, out);
    if (rc == 0 && *out != NULL && cal_blank(*out)) {
        free(*out); /* nothing left once cleaned: no DESCRIPTION (see cal_put_event) */
        *out = NULL;
    }
    free(d.data);
    return rc;
}

static bool cal_time_ok(sd_time t)
{
    return t >= 0 && t <= CAL_TIME_MAX;
}

/*
 * A UID is an identifier, not display text: refuse what cleaning would alter,
 * and blanks at either end, which libical drops when it reads the UID back.
 */
static bool cal_uid_ok(const char *uid)
{
    if (uid == NULL || uid[0] == '\0' || uid[0] == ' ' || uid[0] == '\t' ||
        uid[strlen(uid) - 1] == ' ' || uid[strlen(uid) - 1] == '\t')
        return false;
    for (const unsigned char *s = (const unsigned char *)uid; *s;) {
        size_t k = cal_utf8_len(s);
        if (k == 0 || *s < 0x20 || *s == 0x7F)
            return false;
        s += k;
    }
    return true;
}

static int cal_event_check(const struct cal_event *ev)
{
    if (!cal_uid_ok(ev->uid) || ev->summary == NULL || ev->sequence < 0)
        return -EINVAL;
    if (!cal_time_ok(ev->start) || !cal_time_ok(ev->end) || ev->end <= ev->start ||
        !cal_time_ok(ev->last_modified))
        return -EINVAL;
    if (ev->n_breaks < 0 || (ev->n_breaks > 0 && ev->breaks == NULL))
        return -EINVAL;
    for (int i = 0; i < ev->n_breaks; i++) {
        const struct cal_break *br = &ev->breaks[i];
        if (br->end <= br->start || br->start < ev->start || br->end > ev->end)
            return -EINVAL;
    }
    return 0;
}

/*
 * The SUMMARY text, cleaned. Apple strikes a cancelled event through and
 * Google drops it (docs/feeds.md), but a client that ignores STATUS shows it like
 * any other shift: the title itself has to say so.
 */
static int cal_summary(const struct cal_event *ev, char **out)
{
    struct cal_buf s = {0};
    int rc = 0;

    if (ev->cancelled)
        rc = cal_buf_puts(&s, "Cancelled: ");
    if (rc == 0)
        rc = cal_buf_puts(&s, ev->summary);
    if (rc == 0)
        rc = cal_text_clean(s.data, out);
    free(s.data);
    return rc;
}

static int cal_put_event(struct cal_buf *b, const struct cal_event *ev)
{
    icalcomponent *vev = NULL;
    char *summary = NULL, *desc = NULL, *text = NULL;
    int rc = cal_summary(ev, &summary);

    if (rc == 0)
        rc = cal_describe(ev, &desc);
    if (rc != 0)
        goto out;
    vev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    if (vev == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    struct icaltimetype changed = cal_time(ev->last_modified);
    rc = cal_add_prop(vev, icalproperty_new_uid(ev->uid), rc);
    rc = cal_add_prop(vev, icalproperty_new_dtstamp(changed), rc);
    rc = cal_add_prop(vev, icalproperty_new_dtstart(cal_time(ev->start)), rc);
    rc = cal_add_prop(vev, icalproperty_new_dtend(cal_time(ev->end)), rc);
    rc = cal_add_prop(vev, icalproperty_new_sequence(ev->sequence), rc);
    rc = cal_add_prop(
        vev, icalproperty_new_status(ev->cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED),
        rc);
    if (!cal_blank(summary))
        rc = cal_add_prop(vev, icalproperty_new_summary(summary), rc);
    if (desc != NULL)
        rc = cal_add_prop(vev, icalproperty_new_description(desc), rc);
    /* A cancelled shift is time the agent has free again: it must not show as busy. */
    rc = cal_add_prop(
        vev, icalproperty_new_transp(ev->cancelled ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE),
        rc);
    rc = cal_add_prop(vev, icalproperty_new_lastmodified(changed), rc);
    if (rc != 0)
        goto out;
    text = icalcomponent_as_ical_string_r(vev);
    rc = text ? cal_buf_add_ical(b, text) : -ENOMEM;
out:
    if (text)
        icalmemory_free_buffer(text);
    if (vev)
        icalcomponent_free(vev);
    free(desc);
    free(summary);
    return rc;
}

/*
 * RFC 5545's icalbody is the calendar's properties and then at least one
 * component, so a calendar with no events needs one that says nothing. It is
 * a VTIMEZONE for UTC (no DST, offset 0), which no event refers to:
 *  - every client reads VTIMEZONEs, because Outlook and Google exports carry
 *    them, and a VTIMEZONE is never an entry of its own;
 *  - every other standard component means something to a client: a VEVENT is
 *    an entry (a cancelled one Apple still shows, struck through), a VTODO a
 *    task, a VJOURNAL a note, a VFREEBUSY busy time; an X- component is legal,
 *    but what each client makes of an unknown one is untested;
 *  - its TZID "UTC" has no "/" (see docs/feeds.md) and it holds no data, so the
 *    empty body is the same bytes for every agent and every day.
 */
static int cal_put_empty_marker(struct cal_buf *b)
{
    icalcomponent *tz = icalcomponent_new_vtimezone();
    icalcomponent *std = icalcomponent_new_xstandard();
    char *text = NULL;
    int rc = tz != NULL && std != NULL ? 0 : -ENOMEM;

    rc = cal_add_prop(tz, icalproperty_new_tzid("UTC"), rc);
    rc = cal_add_prop(std, icalproperty_new_tzname("UTC"), rc);
    /* DTSTART of an observance is local time without a zone: floating. */
    rc = cal_add_prop(std, icalproperty_new_dtstart(icaltime_from_string("19700101T000000")), rc);
    rc = cal_add_prop(std, icalproperty_new_tzoffsetfrom(0), rc);
    rc = cal_add_prop(std, icalproperty_new_tzoffsetto(0), rc);
    if (rc != 0)
        goto out;
    icalcomponent_add_component(tz, std);
    std = NULL; /* tz owns it now */
    text = icalcomponent_as_ical_string_r(tz);
    rc = text ? cal_buf_puts(b, text) : -ENOMEM;
out:
    if (text)
        icalmemory_free_buffer(text);
    if (std)
        icalcomponent_free(std);
    if (tz)
        icalcomponent_free(tz);
    return rc;
}

static int cal_feed_check(const struct cal_feed *feed)
{
    if (feed->name == NULL || feed->n_events < 0 || (feed->n_events > 0 && feed->events == NULL))
        return -EINVAL;
    for (int i = 0; i < feed->n_events; i++)
        if (cal_event_check(&feed->events[i]) != 0)
            return -EINVAL;
    return 0;
}

int calendar_render(const struct cal_feed *feed, char **out, size_t *out_len)
{
    struct cal_buf b = {0};
    char *name = NULL;
    bool locked = false;
    int rc = -EINVAL;

    if (out == NULL || out_len == NULL)
        goto out;
    *out = NULL;
    *out_len = 0;
    if (feed == NULL || cal_feed_check(feed) != 0)
        goto out;
    rc = cal_text_clean(feed->name, &name);
    if (rc == 0)
        rc = cal_buf_reserve(&b, 512 + (size_t)feed->n_events * 640);
    if (rc == 0)
        rc = -pthread_mutex_lock(&cal_libical_lock);
    if (rc != 0)
        goto out;
    locked = true;

    /*
     * The calendar's own lines are serialised one by one rather than as a
     * VCALENDAR component, so that the hand-escaped X- lines can sit next to
     * the standard properties they mirror.
     */
    rc = cal_buf_puts(&b, "BEGIN:VCALENDAR\r\n");
    rc = cal_put_prop(&b, icalproperty_new_version("2.0"), rc);
    rc = cal_put_prop(&b, icalproperty_new_prodid(CAL_PRODID), rc);
    rc = cal_put_prop(&b, icalproperty_new_calscale("GREGORIAN"), rc);
    rc = cal_put_prop(&b, icalproperty_new_method(ICAL_METHOD_PUBLISH), rc);
    if (!cal_blank(name)) { /* as for SUMMARY: no property rather than an empty one */
        rc = cal_put_prop(&b, icalproperty_new_name(name), rc);
        if (rc == 0)
            rc = cal_put_x_line(&b, "X-WR-CALNAME", name);
    }
    /* libical adds ";VALUE=DURATION", which RFC 7986 requires here. */
    rc = cal_put_prop(
        &b, icalproperty_new_refreshinterval(icaldurationtype_from_int(CAL_REFRESH_SECONDS)), rc);
    if (rc == 0)
        rc = cal_put_x_line(&b, "X-PUBLISHED-TTL", CAL_REFRESH_TEXT);
    for (int i = 0; rc == 0 && i < feed->n_events; i++)
        rc = cal_put_event(&b, &feed->events[i]);
    if (rc == 0 && feed->n_events == 0)
        rc = cal_put_empty_marker(&b);
    if (rc == 0)
        rc = cal_buf_puts(&b, "END:VCALENDAR\r\n");
    if (rc != 0)
        goto out;

    *out = b.data;
    *out_len = b.len;
    b.data = NULL;
out:
    if (locked)
        pthread_mutex_unlock(&cal_libical_lock);
    free(b.data);
    free(name);
    return rc;
}

void calendar_shutdown(void)
{
    pthread_mutex_lock(&cal_libical_lock);
    icaltimezone_free_builtin_timezones();
    pthread_mutex_unlock(&cal_libical_lock);
}
