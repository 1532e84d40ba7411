/* SPDX-License-Identifier: ISC */
/*
 * test_calendar.c — calendar_render(): what it writes is read back with libical
 * (event count, UIDs, instants, SEQUENCE, STATUS, text), and the text itself is
 * checked octet by octet: CRLF only, lines of at most 75 octets, no fold inside
 * a UTF-8 sequence, escaping (X-WR-CALNAME too), byte stability, bad input.
 */
#include "calendar.h"

#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmocka.h>
#include <libical/ical.h>
#include "testutil.h"

#define T0    ((sd_time)1700042400) /* 2023-11-15T10:00:00Z */
#define HOUR  ((sd_time)3600)
#define DAY   ((sd_time)86400)
#define UID_A "0b6f7d2e-3c1a-4e59-9a7b-2f1d5c8e6a40"
#define UID_B "9f3c1e77-52ad-4b0e-8d6a-1c2b3a4d5e6f"

static struct cal_event event_at(const char *uid, sd_time start)
{
    return (struct cal_event){
        .uid = uid,
        .start = start,
        .end = start + 8 * HOUR,
        .last_modified = start - 3 * DAY,
        .sequence = 1,
        .summary = "Shift: chat-sv",
    };
}

/* Renders, checking the success contract: rc 0, NUL-terminated, out_len = strlen. */
static char *render(const struct cal_feed *feed, size_t *len_out)
{
    char *text = NULL;
    size_t len = 0;
    assert_int_equal(calendar_render(feed, &text, &len), 0);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    if (len_out)
        *len_out = len;
    return text;
}

static icalcomponent *parse(const char *text)
{
    icalcomponent *cal = icalparser_parse_string(text);
    assert_non_null(cal);
    assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
    /* The parser records anything it could not read as X-LIC-ERROR properties. */
    assert_int_equal(icalcomponent_count_errors(cal), 0);
    return cal;
}

/* RFC 5545 3.1: a CRLF followed by one space or tab is removed. */
static char *unfold(const char *text)
{
    char *u = malloc(strlen(text) + 1);
    assert_non_null(u);
    char *d = u;
    for (const char *s = text; *s;) {
        if (s[0] == '\r' && s[1] == '\n' && (s[2] == ' ' || s[2] == '\t'))
            s += 3;
        else
            *d++ = *s++;
    }
    *d = '\0';
    return u;
}

/* Whether the unfolded text holds exactly this content line. */
static bool has_line(const char *unfolded, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = unfolded; (p = strstr(p, line)) != NULL; p++)
        if ((p == unfolded || (p >= unfolded + 2 && p[-2] == '\r' && p[-1] == '\n')) &&
            strncmp(p + n, "\r\n", 2) == 0)
            return true;
    return false;
}

static bool utf8_valid(const char *s, size_t n)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    while (n > 0) {
        size_t k = mbrtowc(NULL, s, n, &st);
        if (k == (size_t)-1 || k == (size_t)-2)
            return false;
        if (k == 0)
            k = 1;
        s += k;
        n -= k;
    }
    return true;
}

/*
 * The octet-level rules every client relies on: CRLF and nothing else ends a
 * line, the body ends with CRLF, no physical line exceeds 75 octets, each
 * physical line is valid UTF-8 on its own (so no fold split a character), and
 * no control character other than TAB appears inside a line.
 */
static void assert_wellformed(const char *text)
{
    size_t n = strlen(text);
    assert_ge(n, 2);
    assert_memory_equal(text + n - 2, "\r\n", 2);
    assert_null(strstr(text, "X-LIC-"));
    const char *line = text;
    while (*line) {
        const char *end = strstr(line, "\r\n");
        assert_non_null(end);
        size_t len = (size_t)(end - line);
        if (len > 75)
            fail_msg("line of %zu octets: %.*s", len, (int)len, line);
        if (!utf8_valid(line, len))
            fail_msg("line not valid UTF-8 on its own: %.*s", (int)len, line);
        for (size_t i = 0; i < len; i++) {
            unsigned char c = (unsigned char)line[i];
            if ((c < 0x20 && c != '\t') || c == 0x7F)
                fail_msg("control 0x%02x in line: %.*s", c, (int)len, line);
        }
        line = end + 2;
    }
}

static const char *x_value(icalcomponent *cal, const char *name)
{
    const char *found = NULL;
    int count = 0;
    for (icalproperty *p = icalcomponent_get_first_property(cal, ICAL_X_PROPERTY); p;
         p = icalcomponent_get_next_property(cal, ICAL_X_PROPERTY)) {
        if (strcmp(icalproperty_get_x_name(p), name) == 0) {
            found = icalproperty_get_x(p);
            count++;
        }
    }
    assert_le(count, 1);
    return found;
}

static const char *cal_name(icalcomponent *cal)
{
    icalproperty *p = icalcomponent_get_first_property(cal, ICAL_NAME_PROPERTY);
    assert_non_null(p);
    return icalproperty_get_name(p);
}

static int count_events(icalcomponent *cal)
{
    return icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT);
}

static icalcomponent *event_by_uid(icalcomponent *cal, const char *uid)
{
    for (icalcomponent *e = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); e;
         e = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT))
        if (strcmp(icalcomponent_get_uid(e), uid) == 0)
            return e;
    fail_msg("no VEVENT with UID %s", uid);
    return NULL;
}

/* The instant a parsed DATE-TIME names; it must have been written as UTC. */
static sd_time instant(struct icaltimetype t)
{
    assert_false(icaltime_is_null_time(t));
    assert_false(t.is_date);
    assert_true(icaltime_is_utc(t));
    return (sd_time)icaltime_as_timet(t);
}

static sd_time prop_instant(icalcomponent *ev, icalproperty_kind kind)
{
    icalproperty *p = icalcomponent_get_first_property(ev, kind);
    assert_non_null(p);
    return instant(icalvalue_get_datetime(icalproperty_get_value(p)));
}

static const char *event_description(icalcomponent *ev)
{
    icalproperty *p = icalcomponent_get_first_property(ev, ICAL_DESCRIPTION_PROPERTY);
    return p ? icalproperty_get_description(p) : NULL;
}

static void assert_event_matches(icalcomponent *cal, const struct cal_event *in)
{
    icalcomponent *ev = event_by_uid(cal, in->uid);
    assert_int_equal(prop_instant(ev, ICAL_DTSTART_PROPERTY), in->start);
    assert_int_equal(prop_instant(ev, ICAL_DTEND_PROPERTY), in->end);
    assert_int_equal(prop_instant(ev, ICAL_DTSTAMP_PROPERTY), in->last_modified);
    assert_int_equal(prop_instant(ev, ICAL_LASTMODIFIED_PROPERTY), in->last_modified);
    assert_int_equal(icalcomponent_get_sequence(ev), in->sequence);
    assert_int_equal(icalcomponent_get_status(ev),
                     in->cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED);
    /* A cancelled event says so in its title and leaves the time free. */
    const char *summary = icalcomponent_get_summary(ev);
    if (in->cancelled) {
        assert_memory_equal(summary, "Cancelled: ", 11);
        summary += 11;
    }
    assert_string_equal(summary, in->summary);
    icalproperty *transp = icalcomponent_get_first_property(ev, ICAL_TRANSP_PROPERTY);
    assert_non_null(transp);
    assert_int_equal(icalproperty_get_transp(transp),
                     in->cancelled ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE);
}

static void assert_calendar_props(icalcomponent *cal, const char *name)
{
    icalproperty *p;
    p = icalcomponent_get_first_property(cal, ICAL_VERSION_PROPERTY);
    assert_non_null(p);
    assert_string_equal(icalproperty_get_version(p), "2.0");
    p = icalcomponent_get_first_property(cal, ICAL_PRODID_PROPERTY);
    assert_non_null(p);
    assert_gt(strlen(icalproperty_get_prodid(p)), 0);
    p = icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY);
    assert_non_null(p);
    assert_int_equal(icalproperty_get_method(p), ICAL_METHOD_PUBLISH);
    p = icalcomponent_get_first_property(cal, ICAL_CALSCALE_PROPERTY);
    assert_non_null(p);
    assert_string_equal(icalproperty_get_calscale(p), "GREGORIAN");
    p = icalcomponent_get_first_property(cal, ICAL_REFRESHINTERVAL_PROPERTY);
    assert_non_null(p);
    assert_int_equal(icaldurationtype_as_int(icalproperty_get_refreshinterval(p)), 3600);
    assert_string_equal(cal_name(cal), name);
    assert_non_null(x_value(cal, "X-WR-CALNAME"));
    assert_string_equal(x_value(cal, "X-WR-CALNAME"), name);
    assert_non_null(x_value(cal, "X-PUBLISHED-TTL"));
    assert_string_equal(x_value(cal, "X-PUBLISHED-TTL"), "PT1H");
    /* Times are UTC: a VTIMEZONE only stands in for the events of an empty feed. */
    assert_int_equal(icalcomponent_count_components(cal, ICAL_VTIMEZONE_COMPONENT),
                     count_events(cal) == 0);
}

static void test_events_parse_back(void **state)
{
    (void)state;
    struct cal_event ev[3] = {event_at(UID_A, T0), event_at(UID_B, T0 + DAY),
                              event_at("c4a9e0b2-7d15-4f3e-b6a8-0e9d8c7b6a51", T0 + 2 * DAY)};
    ev[0].sequence = 0;
    ev[1].sequence = 7;
    ev[1].cancelled = true;
    ev[1].summary = "Shift: voice-en";
    ev[2].end = ev[2].start + 9 * HOUR + 17 * 60 + 5; /* not on a minute */
    ev[2].last_modified = T0 + 2 * DAY - 1;
    struct cal_feed feed = {.name = "Ana's shifts", .events = ev, .n_events = 3};

    char *text = render(&feed, NULL);
    assert_wellformed(text);
    icalcomponent *cal = parse(text);
    assert_int_equal(count_events(cal), 3);
    for (int i = 0; i < 3; i++)
        assert_event_matches(cal, &ev[i]);
    /* Rendered in the order given. */
    icalcomponent *first = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    assert_string_equal(icalcomponent_get_uid(first), UID_A);
    /* Plain UTC, written as such. */
    char *u = unfold(text);
    assert_true(has_line(u, "DTSTART:20231115T100000Z"));
    assert_true(has_line(u, "DTEND:20231115T180000Z"));
    assert_true(has_line(u, "DTSTAMP:20231112T100000Z"));
    assert_true(has_line(u, "LAST-MODIFIED:20231112T100000Z"));
    assert_true(has_line(u, "DTEND:20231117T191705Z"));
    assert_null(strstr(u, "TZID"));
    free(u);
    icalcomponent_free(cal);
    free(text);
}

static void test_calendar_properties(void **state)
{
    (void)state;
    struct cal_event ev = event_at(UID_A, T0);
    struct cal_feed feed = {.name = "Ana's shifts", .events = &ev, .n_events = 1};
    char *text = render(&feed, NULL);
    assert_memory_equal(text, "BEGIN:VCALENDAR\r\n", 17);
    size_t n = strlen(text);
    assert_string_equal(text + n - 15, "END:VCALENDAR\r\n");
    char *u = unfold(text);
    assert_true(has_line(u, "VERSION:2.0"));
    assert_true(has_line(u, "METHOD:PUBLISH"));
    assert_true(has_line(u, "CALSCALE:GREGORIAN"));
    assert_true(has_line(u, "NAME:Ana's shifts"));
    assert_true(has_line(u, "X-WR-CALNAME:Ana's shifts"));
    assert_true(has_line(u, "REFRESH-INTERVAL;VALUE=DURATION:PT1H"));
    assert_true(has_line(u, "X-PUBLISHED-TTL:PT1H"));
    assert_true(has_line(u, "STATUS:CONFIRMED"));
    assert_true(has_line(u, "TRANSP:OPAQUE"));
    assert_null(strstr(u, "VTIMEZONE"));
    icalcomponent *cal = parse(text);
    assert_calendar_props(cal, "Ana's shifts");
    icalcomponent_free(cal);
    free(u);
    free(text);
}

static void test_byte_stable(void **state)
{
    (void)state;
    struct cal_break br = {T0 + HOUR, T0 + HOUR + 900, true};
    struct cal_event ev[2] = {event_at(UID_A, T0), event_at(UID_B, T0 + DAY)};
    ev[0].n_breaks = 1;
    ev[0].breaks = &br;
    ev[0].description = "Desk 4";
    struct cal_feed feed = {.name = "Åsa, kundtjänst", .events = ev, .n_events = 2};
    size_t len1, len2;
    char *a = render(&feed, &len1);
    char *b = render(&feed, &len2);
    assert_int_equal(len1, len2);
    assert_memory_equal(a, b, len1);

    /* Equal content at other addresses renders the same bytes. */
    struct cal_event copy[2] = {ev[0], ev[1]};
    char *uid = strdup(UID_A), *name = strdup(feed.name);
    assert_non_null(uid);
    assert_non_null(name);
    copy[0].uid = uid;
    struct cal_feed feed2 = {.name = name, .events = copy, .n_events = 2};
    char *c = render(&feed2, NULL);
    assert_string_equal(a, c);

    /* A change of the row shows, in DTSTAMP and LAST-MODIFIED only. */
    copy[1].last_modified += 60;
    char *d = render(&feed2, NULL);
    assert_string_not_equal(a, d);
    char *ud = unfold(d);
    assert_true(has_line(ud, "DTSTAMP:20231113T100100Z"));
    assert_true(has_line(ud, "LAST-MODIFIED:20231113T100100Z"));
    free(ud);

    copy[1].last_modified -= 60;
    copy[1].sequence++;
    char *e = render(&feed2, NULL);
    assert_string_not_equal(a, e);

    free(a);
    free(b);
    free(c);
    free(d);
    free(e);
    free(uid);
    free(name);
}

static void test_escape_text(void **state)
{
    (void)state;
    struct cal_event ev = event_at(UID_A, T0);
    ev.summary = "Shift, chat; a\\b\nline 2";
    ev.description = "Desk 4, row 2; bring \\ headset\nand a pen";
    struct cal_feed feed = {.name = "x", .events = &ev, .n_events = 1};
    char *text = render(&feed, NULL);
    assert_wellformed(text);
    char *u = unfold(text);
    assert_true(has_line(u, "SUMMARY:Shift\\, chat\\; a\\\\b\\nline 2"));
    assert_true(has_line(u, "DESCRIPTION:Desk 4\\, row 2\\; bring \\\\ headset\\nand a pen"));
    icalcomponent *cal = parse(text);
    icalcomponent *e = event_by_uid(cal, UID_A);
    assert_string_equal(icalcomponent_get_summary(e), ev.summary);
    assert_string_equal(event_description(e), ev.description);
    icalcomponent_free(cal);
    free(u);
    free(text);
}

static void test_escape_calendar_name(void **state)
{
    (void)state;
    const char *name = "Ana, Bo; C\\D\nE";
    struct cal_feed feed = {.name = name};
    char *text = render(&feed, NULL);
    assert_wellformed(text);
    char *u = unfold(text);
    assert_true(has_line(u, "NAME:Ana\\, Bo\\; C\\\\D\\nE"));
    /* libical 3.0.16 would write "X-WR-CALNAME:Ana, Bo; C\\D\nE". */
    assert_true(has_line(u, "X-WR-CALNAME:Ana\\, Bo\\; C\\\\D\\nE"));
    assert_null(strstr(u, "Ana, Bo"));
    icalcomponent *cal = parse(text);
    assert_string_equal(cal_name(cal), name);
    assert_string_equal(x_value(cal, "X-WR-CALNAME"), name);
    icalcomponent_free(cal);
    free(u);
    free(text);
}

/* Long names in several scripts: folded, never inside a character, unfold to the original. */
static void test_fold_utf8_name(void **state)
{
    (void)state;
    char aring[128] = "";
    for (int i = 0; i < 60; i++)
        strcat(aring, "\xC3\xA5"); /* å */
    const char *names[] = {
        aring,
        "Schema f\xC3\xB6r \xC3\x85sa \xC3\x96"
        "berg \xE2\x80\x93 kundtj\xC3\xA4nst G\xC3\xB6teborg, "
        "h\xC3\xB6gsommar och v\xC3\xA4xelv\xC3\xA5rd",
        /* 勤務表・東京コンタクトセンター・夜勤シフトの予定です (3-byte sequences) */
        "\xE5\x8B\xA4\xE5\x8B\x99\xE8\xA1\xA8\xE3\x83\xBB\xE6\x9D\xB1\xE4\xBA\xAC\xE3\x82\xB3"
        "\xE3\x83\xB3\xE3\x82\xBF\xE3\x82\xAF\xE3\x83\x88\xE3\x82\xBB\xE3\x83\xB3\xE3\x82\xBF"
        "\xE3\x83\xBC\xE3\x83\xBB\xE5\xA4\x9C\xE5\x8B\xA4\xE3\x82\xB7\xE3\x83\x95\xE3\x83\x88"
        "\xE3\x81\xAE\xE4\xBA\x88\xE5\xAE\x9A\xE3\x81\xA7\xE3\x81\x99",
        /* 4-byte sequences (emoji), odd offset */
        "x\xF0\x9F\x93\x85\xF0\x9F\x93\x85\xF0\x9F\x93\x85\xF0\x9F\x93\x85\xF0\x9F\x93\x85"
        "\xF0\x9F\x93\x85\xF0\x9F\x93\x85\xF0\x9F\x93\x85\xF0\x9F\x93\x85\xF0\x9F\x93\x85"
        "\xF0\x9F\x93\x85\xF0\x9F\x93\x85\xF0\x9F\x93\x85\xF0\x9F\x93\x85\xF0\x9F\x93\x85"
        "\xF0\x9F\x93\x85\xF0\x9F\x93\x85\xF0\x9F\x93\x85\xF0\x9F\x93\x85\xF0\x9F\x93\x85",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct cal_event ev = event_at(UID_A, T0);
        ev.summary = names[i];
        struct cal_feed feed = {.name = names[i], .events = &ev, .n_events = 1};
        char *text = render(&feed, NULL);
        assert_wellformed(text);
        /* It was folded (the whole line is not there as one physical line)... */
        char line[512];
        snprintf(line, sizeof line, "X-WR-CALNAME:%s\r\n", names[i]);
        assert_null(strstr(text, line));
        /* ...and unfolding gives back the original. */
        char *u = unfold(text);
        line[strlen(line) - 2] = '\0';
        if (strchr(names[i], ',') == NULL)
            assert_true(has_line(u, line));
        icalcomponent *cal = parse(text);
        assert_string_equal(cal_name(cal), names[i]);
        assert_string_equal(x_value(cal, "X-WR-CALNAME"), names[i]);
        assert_string_equal(icalcomponent_get_summary(event_by_uid(cal, UID_A)), names[i]);
        icalcomponent_free(cal);
        free(u);
        free(text);
    }
}

/*
 * Shifts a mix of multi-byte characters and escaped characters across every
 * fold position, for the hand-folded X-WR-CALNAME and libical's NAME, SUMMARY
 * and DESCRIPTION alike.
 */
static void test_fold_every_offset(void **state)
{
    (void)state;
    static const char mix[] = "\xC3\xA5,\xE6\x97\xA5;\\\xF0\x9F\x98\x80\n a\xC3\xA4";
    for (int k = 0; k <= 80; k++) {
        char value[512];
        memset(value, 'x', (size_t)k);
        value[k] = '\0';
        for (int r = 0; r < 12; r++)
            strcat(value, mix);
        strcat(value, "end");
        struct cal_event ev = event_at(UID_A, T0);
        ev.summary = value + k / 2;
        ev.description = value;
        struct cal_feed feed = {.name = value, .events = &ev, .n_events = 1};
        char *text = render(&feed, NULL);
        assert_wellformed(text);
        icalcomponent *cal = parse(text);
        assert_string_equal(cal_name(cal), value);
        assert_string_equal(x_value(cal, "X-WR-CALNAME"), value);
        icalcomponent *e = event_by_uid(cal, UID_A);
        assert_string_equal(icalcomponent_get_summary(e), value + k / 2);
        assert_string_equal(event_description(e), value);
        icalcomponent_free(cal);
        free(text);
    }
}

static void test_crlf_only(void **state)
{
    (void)state;
    struct cal_event ev = event_at(UID_A, T0);
    ev.summary = "a\r\nb\rc\nd";
    ev.description = "one\r\ntwo\rthree";
    struct cal_feed feed = {.name = "n\r\no\rp", .events = &ev, .n_events = 1};
    char *text = render(&feed, NULL);
    assert_wellformed(text); /* no bare CR or LF anywhere */
    icalcomponent *cal = parse(text);
    icalcomponent *e = event_by_uid(cal, UID_A);
    /* libical alone would drop a lone CR and glue "b" and "c" together. */
    assert_string_equal(icalcomponent_get_summary(e), "a\nb\nc\nd");
    assert_string_equal(event_description(e), "one\ntwo\nthree");
    assert_string_equal(x_value(cal, "X-WR-CALNAME"), "n\no\np");
    icalcomponent_free(cal);
    free(text);
}

static void test_controls_and_bad_utf8(void **state)
{
    (void)state;
    struct cal_event ev = event_at(UID_A, T0);
    ev.summary = "ok\x01\x1b[1m\x7f tab\there bad\xFF\xC0\xAF\xED\xA0\x80\xE6\x97"
                 "end";
    struct cal_feed feed = {.name = "N\x02\xFE", .events = &ev, .n_events = 1};
    char *text = render(&feed, NULL);
    assert_wellformed(text);
    icalcomponent *cal = parse(text);
    /* Controls but TAB dropped; each byte that is not UTF-8 becomes U+FFFD. */
    assert_string_equal(icalcomponent_get_summary(event_by_uid(cal, UID_A)),
                        "ok[1m tab\there bad\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                        "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
                        "end");
    assert_string_equal(x_value(cal, "X-WR-CALNAME"), "N\xEF\xBF\xBD");
    assert_string_equal(cal_name(cal), "N\xEF\xBF\xBD");
    icalcomponent_free(cal);
    free(text);
}

static void test_cancelled(void **state)
{
    (void)state;
    struct cal_event ev[2] = {event_at(UID_A, T0), event_at(UID_B, T0 + DAY)};
    ev[0].cancelled = true;
    ev[0].sequence = 4;
    struct cal_feed feed = {.name = "x", .events = ev, .n_events = 2};
    char *text = render(&feed, NULL);
    char *u = unfold(text);
    assert_true(has_line(u, "STATUS:CANCELLED"));
    assert_true(has_line(u, "SEQUENCE:4"));
    /* Clients that ignore STATUS still show the cancellation and free the time. */
    assert_true(has_line(u, "SUMMARY:Cancelled: Shift: chat-sv"));
    assert_true(has_line(u, "TRANSP:TRANSPARENT"));
    assert_true(has_line(u, "SUMMARY:Shift: chat-sv"));
    assert_true(has_line(u, "TRANSP:OPAQUE"));
    icalcomponent *cal = parse(text);
    assert_int_equal(count_events(cal), 2);
    assert_event_matches(cal, &ev[0]);
    assert_event_matches(cal, &ev[1]);
    assert_int_equal(icalcomponent_get_status(event_by_uid(cal, UID_B)), ICAL_STATUS_CONFIRMED);
    icalcomponent_free(cal);
    free(u);
    free(text);
}

static void test_breaks_description(void **state)
{
    (void)state;
    struct cal_break br[2] = {{T0 + HOUR, T0 + HOUR + 900, true},
                              {T0 + 3 * HOUR, T0 + 3 * HOUR + 1800, false}};
    /* A night shift whose break spans midnight UTC. */
    struct cal_break night = {T0 + 13 * HOUR + 50 * 60, T0 + 14 * HOUR + 10 * 60, true};
    struct cal_event ev[4] = {event_at(UID_A, T0), event_at(UID_B, T0 + DAY),
                              event_at("11111111-2222-4333-8444-555555555555", T0 + 2 * DAY),
                              event_at("66666666-7777-4888-9999-aaaaaaaaaaaa", T0 + 12 * HOUR)};
    ev[0].n_breaks = 2;
    ev[0].breaks = br;
    ev[0].description = "Team Nord, desk 4";
    ev[1].description = "Team Nord, desk 4";
    ev[3].n_breaks = 1;
    ev[3].breaks = &night;
    struct cal_feed feed = {.name = "x", .events = ev, .n_events = 4};
    char *text = render(&feed, NULL);
    assert_wellformed(text);
    icalcomponent *cal = parse(text);
    assert_string_equal(event_description(event_by_uid(cal, UID_A)),
                        "Breaks: 11:00\xE2\x80\x93"
                        "11:15 UTC (paid), 13:00\xE2\x80\x93"
                        "13:30 UTC (unpaid)\n\nTeam Nord, desk 4");
    assert_string_equal(event_description(event_by_uid(cal, UID_B)), "Team Nord, desk 4");
    assert_null(event_description(event_by_uid(cal, "11111111-2222-4333-8444-555555555555")));
    assert_string_equal(
        event_description(event_by_uid(cal, "66666666-7777-4888-9999-aaaaaaaaaaaa")),
        "Breaks: 23:50\xE2\x80\x93"
        "00:10 UTC (paid)");
    for (int i = 0; i < 4; i++)
        assert_event_matches(cal, &ev[i]);
    icalcomponent_free(cal);
    free(text);
}

/*
 * RFC 5545's icalbody needs a component: a feed without events carries a
 * VTIMEZONE for UTC that no event refers to, the same bytes for every feed.
 */
static void test_empty_calendar(void **state)
{
    (void)state;
    struct cal_feed feed = {.name = "Nobody's shifts"};
    char *text = render(&feed, NULL);
    assert_wellformed(text);
    assert_null(strstr(text, "BEGIN:VEVENT"));
    assert_string_equal(text + strlen(text) - 15, "END:VCALENDAR\r\n");
    static const char marker[] = "BEGIN:VTIMEZONE\r\nTZID:UTC\r\nBEGIN:STANDARD\r\n"
                                 "TZNAME:UTC\r\nDTSTART:19700101T000000\r\n"
                                 "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\n"
                                 "END:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n";
    assert_string_equal(text + strlen(text) - (sizeof marker - 1), marker);
    icalcomponent *cal = parse(text);
    assert_int_equal(count_events(cal), 0);
    assert_calendar_props(cal, "Nobody's shifts");
    icalcomponent *tz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
    assert_non_null(tz);
    assert_string_equal(
        icalproperty_get_tzid(icalcomponent_get_first_property(tz, ICAL_TZID_PROPERTY)), "UTC");
    icalcomponent_free(cal);

    /* Byte-stable, and the same whatever the name. */
    char *again = render(&feed, NULL);
    assert_string_equal(text, again);
    struct cal_feed other = {.name = "Ana"};
    char *ana = render(&other, NULL);
    assert_string_equal(strstr(text, "BEGIN:VTIMEZONE"), strstr(ana, "BEGIN:VTIMEZONE"));
    free(ana);
    free(again);
    free(text);
}

/*
 * Bidi controls (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) are
 * dropped from every text: the calendar name, SUMMARY and DESCRIPTION; their
 * neighbours (U+2065, U+202F, U+200D) are kept.
 */
static void test_bidi_controls_dropped(void **state)
{
    (void)state;
    static const char *const bidi[] = {
        "\xD8\x9C",     "\xE2\x80\x8E", "\xE2\x80\x8F", "\xE2\x80\xAA",
        "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD", "\xE2\x80\xAE",
        "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9",
    };
    for (size_t i = 0; i < sizeof bidi / sizeof bidi[0]; i++) {
        char name[64], summary[64], desc[64];
        snprintf(name, sizeof name, "Eve%sgnp.exe", bidi[i]);
        snprintf(summary, sizeof summary, "Shift: %schat", bidi[i]);
        snprintf(desc, sizeof desc, "Desk%s 4", bidi[i]);
        struct cal_event ev = event_at(UID_A, T0);
        ev.summary = summary;
        ev.description = desc;
        struct cal_feed feed = {.name = name, .events = &ev, .n_events = 1};
        char *text = render(&feed, NULL);
        assert_wellformed(text);
        assert_null(strstr(text, bidi[i]));
        icalcomponent *cal = parse(text);
        assert_string_equal(cal_name(cal), "Evegnp.exe");
        assert_string_equal(x_value(cal, "X-WR-CALNAME"), "Evegnp.exe");
        icalcomponent *e = event_by_uid(cal, UID_A);
        assert_string_equal(icalcomponent_get_summary(e), "Shift: chat");
        assert_string_equal(event_description(e), "Desk 4");
        icalcomponent_free(cal);
        free(text);
    }
    /* Neighbours of the controls are ordinary characters. */
    struct cal_feed feed = {.name = "a\xE2\x81\xA5"
                                    "b\xE2\x80\xAF"
                                    "c\xE2\x80\x8D"
                                    "d\xD8\x9B"};
    char *text = render(&feed, NULL);
    icalcomponent *cal = parse(text);
    assert_string_equal(x_value(cal, "X-WR-CALNAME"), feed.name);
    icalcomponent_free(cal);
    free(text);
}

/*
 * Found by tests/fuzz/fuzz_calendar: a text that is empty, or empty once
 * cleaned (only control characters), or only blanks (an agent name of tabs)
 * was written as "NAME:" or "NAME:<tabs>", which libical refuses ("No value
 * for NAME property", X-LIC-ERROR) and drops. Such a text is left out instead.
 */
static void test_empty_texts(void **state)
{
    (void)state;
    static const char *const empty[] = {"", "\x01\x02", "\x1b\x7f", "\t\t\t", "  \t "};
    for (size_t i = 0; i < sizeof empty / sizeof *empty; i++) {
        struct cal_event ev = event_at(UID_A, T0);
        ev.summary = empty[i];
        ev.description = empty[i];
        struct cal_feed feed = {.name = empty[i], .events = &ev, .n_events = 1};
        char *text = render(&feed, NULL);
        assert_wellformed(text);
        icalcomponent *cal = parse(text);
        assert_int_equal(count_events(cal), 1);
        assert_null(icalcomponent_get_first_property(cal, ICAL_NAME_PROPERTY));
        assert_null(x_value(cal, "X-WR-CALNAME"));
        icalcomponent *e = event_by_uid(cal, UID_A);
        assert_null(icalcomponent_get_first_property(e, ICAL_SUMMARY_PROPERTY));
        assert_null(event_description(e));
        icalcomponent_free(cal);
        free(text);
    }
}

/*
 * Found by tests/fuzz/fuzz_calendar: libical 3.0.16 folds a property together
 * with its closing CRLF, so a value whose last line is just long enough
 * ("NAME:" then 24 three-byte characters and one more octet) was folded
 * between CR and LF: "...\r" "\r\n " "\n", a bare CR and an empty
 * continuation line that strict clients refuse.
 */
static void test_fold_at_line_end(void **state)
{
    (void)state;
    char text24[128] = "";
    for (int i = 0; i < 24; i++)
        strcat(text24, "\xE6\x97\xA5"); /* 日 */
    strcat(text24, "_");
    struct cal_event ev = event_at(UID_A, T0);
    ev.summary = text24;
    ev.description = text24;
    struct cal_feed feed = {.name = text24, .events = &ev, .n_events = 1};
    char *text = render(&feed, NULL);
    assert_null(strstr(text, "\r\r"));
    assert_wellformed(text);
    icalcomponent *cal = parse(text);
    assert_string_equal(cal_name(cal), text24);
    assert_event_matches(cal, &ev);
    assert_string_equal(event_description(event_by_uid(cal, UID_A)), text24);
    icalcomponent_free(cal);
    free(text);
}

static void expect_einval(const struct cal_feed *feed)
{
    char sentinel = 0;
    char *out = &sentinel;
    size_t len = 99;
    assert_int_equal(calendar_render(feed, &out, &len), -EINVAL);
    assert_null(out);
    assert_int_equal(len, 0);
}

/*
 * Found by tests/fuzz/fuzz_calendar: libical 3.0.16 holds no year after 3000
 * (icaltime_is_valid_time), so an instant in 3001..9999 was written as
 * "DTSTART:00000000T000000", which no client reads. The last instant a feed
 * takes is 3000-12-31T23:59:59Z; later ones are refused like any bad time.
 */
static void test_last_instant(void **state)
{
    (void)state;
    const sd_time last = 32535215999; /* 3000-12-31T23:59:59Z */
    struct cal_event ev = event_at(UID_A, last - 8 * HOUR);
    ev.end = last;
    ev.last_modified = last;
    struct cal_feed feed = {.name = "Far", .events = &ev, .n_events = 1};
    char *text = render(&feed, NULL);
    assert_wellformed(text);
    icalcomponent *cal = parse(text);
    assert_event_matches(cal, &ev);
    icalcomponent_free(cal);
    free(text);
    for (int c = 0; c < 3; c++) {
        struct cal_event late = ev;
        if (c == 0)
            late.end = last + 1;
        else if (c == 1)
            late.last_modified = last + 1;
        else
            late.start = late.end = (sd_time)100000000000; /* year 5138 */
        if (c == 2)
            late.end += HOUR;
        expect_einval(&(struct cal_feed){.name = "Far", .events = &late, .n_events = 1});
    }
}

static void test_invalid_input(void **state)
{
    (void)state;
    char *out = NULL;
    size_t len = 0;
    struct cal_event good = event_at(UID_A, T0);
    struct cal_feed ok = {.name = "x", .events = &good, .n_events = 1};
    assert_int_equal(calendar_render(NULL, &out, &len), -EINVAL);
    assert_int_equal(calendar_render(&ok, NULL, &len), -EINVAL);
    assert_int_equal(calendar_render(&ok, &out, NULL), -EINVAL);
    assert_null(out);

    expect_einval(&(struct cal_feed){.name = NULL});
    expect_einval(&(struct cal_feed){.name = "x", .n_events = -1});
    expect_einval(&(struct cal_feed){.name = "x", .n_events = 1, .events = NULL});

    struct cal_break inside = {T0 + HOUR, T0 + 2 * HOUR, true};
    for (int c = 0;; c++) {
        struct cal_event ev = event_at(UID_A, T0);
        struct cal_break br = inside;
        ev.breaks = &br;
        switch (c) {
        case 0:
            ev.uid = NULL;
            break;
        case 1:
            ev.uid = "";
            break;
        case 2:
            ev.uid = "abc\ndef";
            break;
        case 3:
            ev.uid = "abc\xFF";
            break;
        case 4:
            ev.end = ev.start;
            break;
        case 5:
            ev.end = ev.start - 1;
            break;
        case 6:
            ev.start = -HOUR;
            ev.end = HOUR;
            break;
        case 7:
            ev.start = (sd_time)253402300800; /* year 10000 */
            ev.end = ev.start + HOUR;
            break;
        case 8:
            ev.last_modified = -1;
            break;
        case 9:
            ev.sequence = -1;
            break;
        case 10:
            ev.summary = NULL;
            break;
        case 11:
            ev.n_breaks = -1;
            break;
        case 12:
            ev.n_breaks = 1;
            ev.breaks = NULL;
            break;
        case 13:
            ev.n_breaks = 1;
            br.end = br.start;
            break;
        case 14:
            ev.n_breaks = 1;
            br.start = ev.start - 60;
            break;
        case 15:
            ev.n_breaks = 1;
            br.end = ev.end + 60;
            break;
        case 16:
            /* Found by tests/fuzz/fuzz_calendar: libical reads "UID:abc " back as "abc". */
            ev.uid = "abc ";
            break;
        case 17:
            ev.uid = "\tabc";
            break;
        default:
            return;
        }
        /* The bad event is second, so a good first one does not hide it. */
        struct cal_event evs[2] = {good, ev};
        struct cal_feed feed = {.name = "x", .events = evs, .n_events = 2};
        expect_einval(&feed);
    }
}

/* The complaints icalrestriction_check() adds to a clone of the rendered feed. */
static int restriction_errors(const char *text)
{
    icalcomponent *cal = parse(text);
    icalcomponent *clone = icalcomponent_new_clone(cal);
    assert_non_null(clone);
    (void)icalrestriction_check(clone);
    int seen = 0;
    for (icalcomponent *c = clone; c != NULL;
         c = c == clone ? icalcomponent_get_first_component(clone, ICAL_ANY_COMPONENT)
                        : icalcomponent_get_next_component(clone, ICAL_ANY_COMPONENT)) {
        for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY); p;
             p = icalcomponent_get_next_property(c, ICAL_XLICERROR_PROPERTY)) {
            const char *msg = icalproperty_get_xlicerror(p);
            if (strstr(msg, "ORGANIZER") == NULL)
                fail_msg("libical restriction: %s", msg);
            seen++;
        }
    }
    /* The parsed original was left alone. */
    assert_int_equal(icalcomponent_count_errors(cal), 0);
    icalcomponent_free(clone);
    icalcomponent_free(cal);
    return seen;
}

/*
 * libical's own checker, run on a clone because it inserts X-LIC-ERROR into
 * what it checks. METHOD:PUBLISH makes it apply iTIP (RFC 5546), which wants an
 * ORGANIZER on every VEVENT; feeds carry none (no personal data), so that is
 * the one complaint allowed. It stops at the first VEVENT it finds wanting, so
 * each kind of event is checked in a feed of its own.
 */
static void test_restrictions_on_clone(void **state)
{
    (void)state;
    struct cal_break br = {T0 + HOUR, T0 + HOUR + 900, true};
    struct cal_event ev[3] = {event_at(UID_A, T0), event_at(UID_B, T0 + DAY), event_at(UID_A, T0)};
    ev[0].n_breaks = 1;
    ev[0].breaks = &br;
    ev[0].description = "Desk 4";
    ev[1].cancelled = true;
    ev[1].sequence = 2;
    for (int i = 0; i <= 3; i++) {
        struct cal_feed feed = {
            .name = "Ana, shifts", .events = i < 3 ? &ev[i] : NULL, .n_events = i < 3};
        char *text = render(&feed, NULL);
        /* Exactly the missing ORGANIZER when there is a VEVENT, nothing otherwise. */
        assert_int_equal(restriction_errors(text), i < 3 ? 1 : 0);
        free(text);
    }
}

struct thread_job {
    const struct cal_feed *feed;
    const char *expect;
    int mismatches;
};

static void *render_many(void *arg)
{
    struct thread_job *job = arg;
    for (int i = 0; i < 50; i++) {
        char *text = NULL;
        size_t len = 0;
        if (calendar_render(job->feed, &text, &len) != 0 || strcmp(text, job->expect) != 0)
            job->mismatches++;
        free(text);
    }
    return NULL;
}

static void test_concurrent_renders(void **state)
{
    (void)state;
    struct cal_break br = {T0 + HOUR, T0 + HOUR + 900, false};
    struct cal_event ev[2] = {event_at(UID_A, T0), event_at(UID_B, T0 + DAY)};
    ev[0].n_breaks = 1;
    ev[0].breaks = &br;
    struct cal_feed feed = {.name = "Ana's shifts", .events = ev, .n_events = 2};
    char *expect = render(&feed, NULL);
    pthread_t th[4];
    struct thread_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (struct thread_job){.feed = &feed, .expect = expect};
        assert_int_equal(pthread_create(&th[i], NULL, render_many, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(jobs[i].mismatches, 0);
    }
    free(expect);
}

static int release_libical(void **state)
{
    (void)state;
    /* The zone table libical read on first use is global; per-thread state goes at thread exit. */
    calendar_shutdown();
    return 0;
}

static void *run_suite(void *result)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_parse_back),     cmocka_unit_test(test_calendar_properties),
        cmocka_unit_test(test_byte_stable),           cmocka_unit_test(test_escape_text),
        cmocka_unit_test(test_escape_calendar_name),  cmocka_unit_test(test_fold_utf8_name),
        cmocka_unit_test(test_fold_every_offset),     cmocka_unit_test(test_crlf_only),
        cmocka_unit_test(test_controls_and_bad_utf8), cmocka_unit_test(test_cancelled),
        cmocka_unit_test(test_breaks_description),    cmocka_unit_test(test_empty_calendar),
        cmocka_unit_test(test_bidi_controls_dropped), cmocka_unit_test(test_empty_texts),
        cmocka_unit_test(test_last_instant),          cmocka_unit_test(test_fold_at_line_end),
        cmocka_unit_test(test_invalid_input),         cmocka_unit_test(test_restrictions_on_clone),
        cmocka_unit_test(test_concurrent_renders),
    };
    *(int *)result = cmocka_run_group_tests(tests, NULL, release_libical);
    return NULL;
}

int main(void)
{
    /* mbrtowc() checks UTF-8 in utf8_valid(). */
    if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
        return 1;
    /*
     * libical keeps a per-thread error number that only a thread's exit
     * releases; running the suite on its own thread lets valgrind see every
     * block freed.
     */
    pthread_t th;
    int result = 1;
    if (pthread_create(&th, NULL, run_suite, &result) != 0 || pthread_join(th, NULL) != 0)
        return 1;
    return result;
}
