/* SPDX-License-Identifier: ISC */
/*
 * fuzz_http_headers.c — libFuzzer harness for the request headers staffd
 * reads itself (daemon/http.c; h2o parses the HTTP syntax around them):
 * If-Modified-Since (http_date_parse), If-None-Match (http_if_none_match,
 * with http_etag_valid) and Authorization (http_bearer_token).
 *
 * Input: one selector byte (low two bits: which header; the next two: which
 * "now" the date is read at), then the field value; for If-None-Match the
 * resource's ETag comes first, ended by a LF. Oracles:
 *  - dates: an accepted date lies in 0001..9999, formats as an IMF-fixdate
 *    that parses back to the same instant, and names the same fields as the
 *    input (gmtime_r as the second opinion; the day name is not checked);
 *  - If-None-Match: a hit needs "*" or the ETag's quoted part in the value;
 *    the comparison is weak (W/ on our ETag changes nothing); a well-formed
 *    element before the value changes nothing; a valid ETag matches itself;
 *  - Authorization: accepted exactly when a second reading written here from
 *    RFC 6750 2.1 (as narrowed in http_internal.h) accepts, with the same
 *    token. Seeds: corpus/fuzz_http_headers/.
 */
#include <errno.h>
#include <stdbool.h>
#include <strings.h>
#include <time.h>

#include "fuzz.h"
#include "http_internal.h"

static const char *const day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const int64_t nows[] = {0, 1796832300, 4102444800LL, 253402300799LL};

static void fuzz_date(const char *v, size_t n, int64_t now)
{
    int64_t t = 12345;
    int rc = http_date_parse(v, n, now, &t);
    if (rc != 0) {
        FUZZ_CHECK(rc == -EINVAL && t == 12345, "refused date wrote its output");
        return;
    }
    FUZZ_CHECK(t >= HTTP_DATE_MIN && t <= HTTP_DATE_MAX, "instant %lld out of range", (long long)t);
    char imf[HTTP_DATE_BUF];
    int64_t back;
    FUZZ_CHECK(http_date_format(t, imf) == 0, "cannot format %lld", (long long)t);
    FUZZ_CHECK(http_date_parse(imf, strlen(imf), now, &back) == 0 && back == t,
               "'%s' does not parse back to %lld", imf, (long long)t);
    /* A leap second (:60) names the next minute's :00; its fields cannot agree. */
    if (memmem(v, n, ":60", 3) != NULL)
        return;
    struct tm tm;
    time_t tt = (time_t)t;
    FUZZ_CHECK(gmtime_r(&tt, &tm) != NULL, "gmtime_r");
    char want[HTTP_DATE_BUF];
    const char *after_day; /* the input without its day name */
    if (n == 29 && v[3] == ',') {
        snprintf(want, sizeof want, ", %02d %s %04d %02d:%02d:%02d GMT", tm.tm_mday,
                 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
        after_day = v + 3;
    } else if (n == 24 && v[3] == ' ') {
        snprintf(want, sizeof want, " %s %2d %02d:%02d:%02d %04d", months[tm.tm_mon], tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
        after_day = v + 3;
    } else {
        const char *comma = memchr(v, ',', n);
        FUZZ_CHECK(comma != NULL, "accepted a date of no known form");
        snprintf(want, sizeof want, ", %02d-%s-%02d %02d:%02d:%02d GMT", tm.tm_mday,
                 months[tm.tm_mon], (tm.tm_year + 1900) % 100, tm.tm_hour, tm.tm_min, tm.tm_sec);
        after_day = comma;
        /* The century: the year is at most 50 years after now's. */
        struct tm nt;
        time_t ntt = (time_t)now;
        FUZZ_CHECK(gmtime_r(&ntt, &nt) != NULL, "gmtime_r");
        FUZZ_CHECK(tm.tm_year <= nt.tm_year + 50 && tm.tm_year > nt.tm_year - 50,
                   "rfc850 year %d read at %d", tm.tm_year + 1900, nt.tm_year + 1900);
    }
    size_t rest = n - (size_t)(after_day - v);
    bool same = rest == strlen(want) && memcmp(after_day, want, rest) == 0;
    if (!same && n == 24 && tm.tm_mday < 10) {
        /* asctime's date3 is "Nov  6" or "Nov 06" (RFC 9110 5.6.7). */
        snprintf(want, sizeof want, " %s %02d %02d:%02d:%02d %04d", months[tm.tm_mon], tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
        same = rest == strlen(want) && memcmp(after_day, want, rest) == 0;
    }
    FUZZ_CHECK(same, "'%.*s' read as %s", (int)n, v, imf);
    (void)day_names;
}

/* The opaque part of an entity tag: without a leading W/. */
static const char *opaque(const char *tag, size_t *len)
{
    if (*len >= 2 && tag[0] == 'W' && tag[1] == '/') {
        *len -= 2;
        return tag + 2;
    }
    return tag;
}

static void fuzz_if_none_match(const char *v, size_t n)
{
    const char *lf = memchr(v, '\n', n), *etag = NULL, *value = v;
    size_t etag_len = 0, len = n;
    char *etag_z = NULL;
    if (lf != NULL) {
        etag = v;
        etag_len = (size_t)(lf - v);
        value = lf + 1;
        len = n - etag_len - 1;
        etag_z = fuzz_copy((const uint8_t *)etag, etag_len);
        if (strlen(etag_z) == etag_len && http_etag_valid(etag_z))
            for (size_t i = 0; i < etag_len; i++)
                FUZZ_CHECK((unsigned char)etag[i] > 0x20 && etag[i] != 0x7f,
                           "a valid ETag with byte 0x%02x", (unsigned char)etag[i]);
    }
    bool hit = http_if_none_match(value, len, etag, etag_len);
    if (hit && memchr(value, '*', len) == NULL) {
        size_t olen = etag_len;
        const char *o = etag ? opaque(etag, &olen) : NULL;
        FUZZ_CHECK(o != NULL && olen > 0 && memmem(value, len, o, olen) != NULL,
                   "a hit without '*' or the ETag in the value");
    }
    if (etag != NULL && !(etag_len >= 2 && etag[0] == 'W' && etag[1] == '/')) {
        /* Weak comparison: W/ on our own tag does not matter. */
        char *weak = malloc(etag_len + 2);
        FUZZ_CHECK(weak != NULL, "malloc");
        memcpy(weak, "W/", 2);
        memcpy(weak + 2, etag, etag_len);
        FUZZ_CHECK(http_if_none_match(value, len, weak, etag_len + 2) == hit, "W/ changed it");
        free(weak);
        if (etag_z != NULL && strlen(etag_z) == etag_len && http_etag_valid(etag_z))
            FUZZ_CHECK(http_if_none_match(etag, etag_len, etag, etag_len),
                       "a valid ETag does not match itself");
    }
    /* A well-formed element in front changes nothing (unless it is our tag). */
    static const char front[] = "\"~fuzz~\", ";
    size_t olen = etag_len;
    const char *o = etag ? opaque(etag, &olen) : NULL;
    if (o == NULL || olen != 8 || memcmp(o, front, 8) != 0) {
        char *longer = malloc(len + sizeof front);
        FUZZ_CHECK(longer != NULL, "malloc");
        memcpy(longer, front, sizeof front - 1);
        if (len > 0)
            memcpy(longer + sizeof front - 1, value, len);
        FUZZ_CHECK(http_if_none_match(longer, len + sizeof front - 1, etag, etag_len) == hit,
                   "an element in front changed the answer");
        free(longer);
    }
    free(etag_z);
}

static void fuzz_authorization(const char *v, size_t n)
{
    const char *token = NULL;
    size_t token_len = 0;
    int rc = http_bearer_token(v, n, &token, &token_len);
    /* The second reading: "Bearer", 1*SP, visible ASCII without spaces, trailing SP/HTAB. */
    size_t end = n;
    while (end > 0 && (v[end - 1] == ' ' || v[end - 1] == '\t'))
        end--;
    size_t at = 6;
    bool ok = n > 6 && strncasecmp(v, "bearer", 6) == 0 && v[6] == ' ';
    while (ok && at < end && v[at] == ' ')
        at++;
    ok = ok && at < end;
    for (size_t i = at; ok && i < end; i++)
        ok = (unsigned char)v[i] >= 0x21 && (unsigned char)v[i] <= 0x7e;
    FUZZ_CHECK((rc == 0) == ok, "http_bearer_token %d, expected %s", rc, ok ? "a token" : "none");
    if (ok)
        FUZZ_CHECK(token == v + at && token_len == end - at, "token at %td (%zu), expected %zu",
                   token - v, token_len, at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    unsigned sel = data[0];
    /* An exact-size copy of the value, so AddressSanitizer sees any read past it. */
    size_t n = size - 1;
    char *v = malloc(n ? n : 1);
    FUZZ_CHECK(v != NULL, "malloc");
    if (n > 0)
        memcpy(v, data + 1, n);
    switch (sel & 3) {
    case 0:
    case 3:
        fuzz_date(v, n, nows[(sel >> 2) & 3]);
        break;
    case 1:
        fuzz_if_none_match(v, n);
        break;
    case 2:
        fuzz_authorization(v, n);
        break;
    }
    free(v);
    return 0;
}
