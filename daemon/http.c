/* SPDX-License-Identifier: ISC */
/*
 * http.c — the HTTP front end: h2o 2.2.5 (libuv build) serving calendar feeds,
 * /healthz and /metrics on the daemon's loop (see include/http.h).
 *
 * The module owns the listening socket, one h2o context and every accepted
 * connection. Content comes from the caller's callbacks, on the loop thread,
 * and is copied into the request's memory pool before anything is sent, so the
 * caller may replace or free its data as soon as a callback returns.
 * http_stop() tears everything down asynchronously and reports through
 * on_closed, after which the caller's loop holds no handle of ours.
 *
 * Routing, conditional requests (RFC 7232) and HTTP dates are done here; h2o
 * only parses HTTP/1.x and writes responses. /console is answered
 * asynchronously (struct http_request, see include/http.h): the handle is
 * ours (malloc'd) and a pointer to it lives in h2o's request pool, whose
 * dispose callback cuts the link when h2o drops the request (the client went
 * away), so a late answer never touches freed memory. h2c upgrades, compression and
 * redirects are deliberately off (docs/feeds.md).
 */
#include "http.h"

#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <h2o.h>

#include "http_internal.h"
#include "log.h"

#define MAX_BODY_BYTES (16 * 1024) /* we accept no request bodies; bound what h2o buffers */
#define IMF_DATE_LEN   29          /* "Sun, 06 Nov 1994 08:49:37 GMT" */

struct http_conn {
    uv_tcp_t tcp; /* handed to h2o; h2o's socket owns handle->data */
    struct http_server *srv;
    struct http_conn *prev, *next;
};

/* What h2o_create_handler() allocates for us; h2o_config_dispose() frees it. */
struct http_route {
    h2o_handler_t super;
    struct http_server *srv;
};

struct http_server {
    uv_loop_t *loop;
    struct http_handlers handlers;
    struct http_stats stats;
    int port;

    h2o_globalconf_t config;
    h2o_context_t ctx;
    h2o_accept_ctx_t accept_ctx;

    uv_tcp_t listener;
    struct http_conn *conns; /* every accepted connection not yet closed */
    size_t n_conns;
    size_t max_conns;

    /* Shutdown state, see http_stop(). */
    bool stopping, listener_closed, disposed;
    uv_idle_t reaper;
    void (*on_closed)(void *arg);
    void *on_closed_arg;
};

static const char *const day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const long_day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                             "Thursday", "Friday", "Saturday"};
static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const int days_before_month[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};

/* ---- HTTP dates (RFC 7231 section 7.1.1.1) ---- */

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days from 0001-01-01 to January 1st of year y (y >= 1), proleptic Gregorian. */
static int64_t days_before_year(int64_t y)
{
    int64_t p = y - 1;
    return p * 365 + p / 4 - p / 100 + p / 400;
}

static int days_in_month(int64_t y, int month)
{
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return len[month - 1] + (month == 2 && is_leap(y));
}

/* Reads exactly n ASCII digits; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int lookup_name(const char *s, size_t len, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (strlen(names[i]) == len && memcmp(s, names[i], len) == 0)
            return i;
    return -1;
}

/* "HH:MM:SS" into seconds after midnight, or -1. A leap second (60) is accepted. */
static int parse_time_of_day(const char *s)
{
    if (s[2] != ':' || s[5] != ':')
        return -1;
    int h = digits(s, 2), m = digits(s + 3, 2), sec = digits(s + 6, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 60)
        return -1;
    return h * 3600 + m * 60 + sec;
}

static int make_time(int64_t year, int month, int day, int tod, int64_t *out)
{
    if (year < 1 || year > 9999 || month < 1 || month > 12 || day < 1 ||
        day > days_in_month(year, month) || tod < 0)
        return -EINVAL;
    int64_t days = days_before_year(year) - days_before_year(1970) + days_before_month[month - 1] +
                   (month > 2 && is_leap(year)) + day - 1;
    /* A leap second on 9999-12-31 would name an instant no HTTP-date can spell. */
    if (days * 86400 + tod > HTTP_DATE_MAX)
        return -EINVAL;
    *out = days * 86400 + tod;
    return 0;
}

/*
 * Parses an HTTP-date in any of its three forms; recipients must accept all
 * three (RFC 7231 7.1.1.1). HTTP-date is case-sensitive, and anything that is
 * not exactly one of the forms is rejected: a garbage If-Modified-Since must
 * lead to a full response, never to a 304.
 */
int http_date_parse(const char *s, size_t len, int64_t now, int64_t *out)
{
    if (s == NULL || len == 0)
        return -EINVAL;
    const char *comma = memchr(s, ',', len);
    if (len == IMF_DATE_LEN && comma == s + 3) {
        /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
        if (lookup_name(s, 3, day_names, 7) < 0 || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
            s[16] != ' ' || memcmp(s + 25, " GMT", 4) != 0)
            return -EINVAL;
        int day = digits(s + 5, 2), month = lookup_name(s + 8, 3, month_names, 12) + 1;
        int year = digits(s + 12, 4);
        return make_time(year, month, day, parse_time_of_day(s + 17), out);
    }
    if (comma != NULL) {
        /* rfc850-date: "Sunday, 06-Nov-94 08:49:37 GMT" */
        size_t name_len = (size_t)(comma - s);
        if (lookup_name(s, name_len, long_day_names, 7) < 0 || len != name_len + 24)
            return -EINVAL;
        const char *p = comma + 1;
        if (p[0] != ' ' || p[3] != '-' || p[7] != '-' || p[10] != ' ' ||
            memcmp(p + 19, " GMT", 4) != 0)
            return -EINVAL;
        int day = digits(p + 1, 2), month = lookup_name(p + 4, 3, month_names, 12) + 1;
        int yy = digits(p + 8, 2);
        if (yy < 0)
            return -EINVAL;
        /*
         * A two-digit year more than 50 years ahead means the most recent past
         * such year (RFC 9110 5.6.7); so the year is within (now - 50, now + 50],
         * which can be in the next century too (read in 2070, "01" is 2101).
         */
        struct tm tm;
        time_t t = (time_t)now;
        int64_t this_year = gmtime_r(&t, &tm) != NULL ? tm.tm_year + 1900 : 1970;
        int64_t year = this_year - this_year % 100 + yy;
        if (year > this_year + 50)
            year -= 100;
        else if (year <= this_year - 50)
            year += 100;
        return make_time(year, month, day, parse_time_of_day(p + 11), out);
    }
    if (len == 24) {
        /* asctime-date: "Sun Nov  6 08:49:37 1994" */
        if (lookup_name(s, 3, day_names, 7) < 0 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' ||
            s[19] != ' ')
            return -EINVAL;
        int month = lookup_name(s + 4, 3, month_names, 12) + 1;
        int day = s[8] == ' ' ? digits(s + 9, 1) : digits(s + 8, 2);
        return make_time(digits(s + 20, 4), month, day, parse_time_of_day(s + 11), out);
    }
    return -EINVAL;
}

/* Formats t as an IMF-fixdate into buf; fixed names, no locale. */
int http_date_format(int64_t t, char buf[HTTP_DATE_BUF])
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (t < HTTP_DATE_MIN || t > HTTP_DATE_MAX || gmtime_r(&tt, &tm) == NULL)
        return -EINVAL;
    int n = snprintf(buf, HTTP_DATE_BUF, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                     day_names[tm.tm_wday], tm.tm_mday, month_names[tm.tm_mon], tm.tm_year + 1900,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
    return n == IMF_DATE_LEN ? 0 : -EINVAL;
}

/* ---- conditional requests (RFC 7232) ---- */

/* The opaque-tag of an entity-tag, i.e. without a leading "W/". */
static h2o_iovec_t opaque_tag(const char *tag, size_t len)
{
    if (len >= 2 && tag[0] == 'W' && tag[1] == '/')
        return h2o_iovec_init(tag + 2, len - 2);
    return h2o_iovec_init(tag, len);
}

/*
 * Whether one If-None-Match field value matches `etag`. The comparison is the
 * weak one, as RFC 7232 3.2 requires for If-None-Match: "W/\"x\"" matches our
 * "\"x\"". A malformed list stops the scan: what was not understood never
 * turns a 200 into a 304.
 */
bool http_if_none_match(const char *v, size_t len, const char *etag_in, size_t etag_len)
{
    /* Without an ETag only "*" can match. */
    h2o_iovec_t etag = etag_in != NULL ? opaque_tag(etag_in, etag_len) : h2o_iovec_init(NULL, 0);
    const char *p = v, *end = v + len;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
            p++;
        if (p == end)
            return false;
        if (*p == '*') {
            /* "*": any current representation; only ever called when one exists */
            return true;
        }
        const char *start = p;
        if (end - p >= 2 && p[0] == 'W' && p[1] == '/')
            p += 2;
        if (p == end || *p != '"')
            return false;
        const char *close = memchr(p + 1, '"', (size_t)(end - p - 1));
        if (close == NULL)
            return false;
        h2o_iovec_t tag = opaque_tag(start, (size_t)(close + 1 - start));
        if (etag.len != 0 && h2o_memis(tag.base, tag.len, etag.base, etag.len))
            return true;
        p = close + 1;
        if (p < end && *p != ',' && *p != ' ' && *p != '\t')
            return false;
    }
}

/*
 * Whether `tag` is one entity-tag ([W/]"etagc*"), so that it can go into a
 * header as is: h2o writes header values verbatim, CR and LF included.
 */
bool http_etag_valid(const char *tag)
{
    size_t len = strlen(tag);
    h2o_iovec_t t = opaque_tag(tag, len);
    if (t.len < 2 || t.base[0] != '"' || t.base[t.len - 1] != '"')
        return false;
    for (size_t i = 1; i + 1 < t.len; i++) {
        unsigned char c = (unsigned char)t.base[i];
        if (c < 0x21 || c == '"' || c == 0x7f)
            return false;
    }
    return true;
}

/*
 * Decides whether a GET/HEAD for a feed gets 304. If-Modified-Since counts only
 * when the request has no If-None-Match (RFC 7232 6), and is ignored unless it
 * parses and is not in the future: a server that answered 304 to any IMS froze
 * Apple clients (docs/feeds.md).
 */
static bool not_modified(h2o_req_t *req, const struct http_feed *feed)
{
    bool has_inm = false;
    size_t etag_len = feed->etag != NULL ? strlen(feed->etag) : 0;
    for (ssize_t i = -1; (i = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, i)) != -1;) {
        has_inm = true;
        h2o_iovec_t v = req->headers.entries[i].value;
        if (http_if_none_match(v.base, v.len, feed->etag, etag_len))
            return true;
    }
    if (has_inm)
        return false;

    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_IF_MODIFIED_SINCE, -1);
    if (i == -1 || feed->last_modified < HTTP_DATE_MIN || feed->last_modified > HTTP_DATE_MAX)
        return false;
    h2o_iovec_t v = req->headers.entries[i].value;
    int64_t now = (int64_t)time(NULL), since;
    if (http_date_parse(v.base, v.len, now, &since) != 0 || since > now)
        return false;
    return since >= feed->last_modified;
}

/* ---- responses ---- */

static bool is_head(const h2o_req_t *req)
{
    return h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"));
}

static void add_header(h2o_req_t *req, const h2o_token_t *token, const char *value)
{
    h2o_add_header(&req->pool, &req->res.headers, token, NULL, value, strlen(value));
}

static void add_custom_header(h2o_req_t *req, const char *name, const char *value)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 0, NULL, value,
                          strlen(value));
}

/*
 * Headers on every response: feed URLs are capabilities, so nothing may leak
 * them through a Referer or an index, and no client may sniff a type.
 */
static void add_policy_headers(h2o_req_t *req, const char *cache_control)
{
    add_header(req, H2O_TOKEN_CACHE_CONTROL, cache_control);
    add_custom_header(req, "referrer-policy", "no-referrer");
    add_custom_header(req, "x-robots-tag", "noindex");
    add_custom_header(req, "x-content-type-options", "nosniff");
}

/*
 * The reason phrase of every status this module sends (RFC 9110 section 15),
 * or NULL for one it does not know. Clients ignore the phrase, but people and
 * logs read it; "HTTP/1.1 401 Status" told them nothing.
 */
static const char *reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 303:
        return "See Other";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 503:
        return "Service Unavailable";
    default:
        return NULL;
    }
}

/*
 * Sends status with its reason phrase, the headers already set and `body`
 * (copied into the request's pool first, so the caller's buffer may go away at
 * once). HEAD and 304 get the headers only; HEAD still announces the length a
 * GET would have. status must be one reason_phrase() knows.
 */
static void send_response(h2o_req_t *req, int status, const char *type, const char *body,
                          size_t len)
{
    /* Everything is sent in one go, so h2o never needs proceed() or stop(). */
    static h2o_generator_t generator = {NULL, NULL};
    h2o_iovec_t buf = h2o_iovec_init(NULL, 0);

    req->res.status = status;
    req->res.reason = reason_phrase(status);
    if (type != NULL)
        add_header(req, H2O_TOKEN_CONTENT_TYPE, type);
    if (status != 304)
        req->res.content_length = len;
    if (status != 304 && !is_head(req) && len > 0) {
        buf.base = h2o_mem_alloc_pool(&req->pool, len);
        memcpy(buf.base, body, len);
        buf.len = len;
    }
    h2o_start_response(req, &generator);
    h2o_send(req, buf.len > 0 ? &buf : NULL, buf.len > 0 ? 1 : 0, H2O_SEND_STATE_FINAL);
}

/* A plain-text body that is the reason phrase itself. */
static void send_status(h2o_req_t *req, int status)
{
    char text[64];
    snprintf(text, sizeof text, "%s\n", reason_phrase(status));
    add_policy_headers(req, "no-store");
    send_response(req, status, "text/plain; charset=utf-8", text, strlen(text));
}

static void send_not_found(h2o_req_t *req)
{
    send_status(req, 404);
}

static void send_not_allowed(h2o_req_t *req)
{
    add_header(req, H2O_TOKEN_ALLOW, "GET, HEAD");
    send_status(req, 405);
}

/* Copies a string into the request's pool (NUL-terminated), for header values. */
static const char *pool_strdup(h2o_req_t *req, const char *s)
{
    return h2o_strdup(&req->pool, s, strlen(s)).base;
}

/* ---- routes ---- */

static bool token_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
}

/* The token in "/feeds/<token>.ics", or NULL if the path is not one. */
static const char *feed_token(const char *path, size_t len, size_t *token_len)
{
    const size_t pre = sizeof(HTTP_FEED_PREFIX) - 1, suf = sizeof(HTTP_FEED_SUFFIX) - 1;
    if (len <= pre + suf || memcmp(path, HTTP_FEED_PREFIX, pre) != 0 ||
        memcmp(path + len - suf, HTTP_FEED_SUFFIX, suf) != 0)
        return NULL;
    size_t n = len - pre - suf;
    if (n > HTTP_TOKEN_MAX)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!token_char(path[pre + i]))
            return NULL;
    *token_len = n;
    return path + pre;
}

enum http_resource http_route_path(const char *path, size_t len, const char **arg, size_t *arg_len)
{
    const size_t api = sizeof(HTTP_API_PREFIX) - 1, feeds = sizeof(HTTP_FEED_PREFIX) - 1;
    *arg = NULL;
    *arg_len = 0;
    if (h2o_memis(path, len, H2O_STRLIT("/healthz")))
        return HTTP_RES_HEALTHZ;
    if (h2o_memis(path, len, H2O_STRLIT("/metrics")))
        return HTTP_RES_METRICS;
    if (len > api && memcmp(path, HTTP_API_PREFIX, api) == 0) {
        *arg = path + api;
        *arg_len = len - api;
        return HTTP_RES_API;
    }
    const size_t console = sizeof(HTTP_CONSOLE_PREFIX) - 1;
    if (len >= console && memcmp(path, HTTP_CONSOLE_PREFIX, console) == 0 &&
        (len == console || path[console] == '/'))
        return HTTP_RES_CONSOLE;
    const char *token = feed_token(path, len, arg_len);
    if (token != NULL) {
        *arg = token;
        return HTTP_RES_FEED;
    }
    if (len >= feeds && memcmp(path, HTTP_FEED_PREFIX, feeds) == 0)
        return HTTP_RES_BAD_FEED;
    return HTTP_RES_NONE;
}

int http_bearer_token(const char *value, size_t len, const char **token, size_t *token_len)
{
    static const char scheme[] = "bearer";
    const size_t n = sizeof scheme - 1;
    if (len <= n || value[n] != ' ')
        return -EINVAL;
    /*
     * The scheme in any case, read only within len (value need not end in a
     * NUL): for a lowercase letter c, (x | 0x20) == c only for x = c or its capital.
     */
    for (size_t i = 0; i < n; i++)
        if ((value[i] | 0x20) != scheme[i])
            return -EINVAL;
    size_t at = n;
    while (at < len && value[at] == ' ')
        at++;
    while (len > at && (value[len - 1] == ' ' || value[len - 1] == '\t'))
        len--;
    if (at == len)
        return -EINVAL;
    /* b64token is narrower; visible ASCII keeps any token an operator may have chosen. */
    for (size_t i = at; i < len; i++)
        if ((unsigned char)value[i] <= 0x20 || (unsigned char)value[i] >= 0x7f)
            return -EINVAL;
    *token = value + at;
    *token_len = len - at;
    return 0;
}

static void serve_feed(struct http_server *srv, h2o_req_t *req, h2o_iovec_t token)
{
    /* A copy on the pool: the callback gets a NUL-terminated token and h2o's buffer stays ours. */
    h2o_iovec_t tok = h2o_strdup(&req->pool, token.base, token.len);
    struct http_feed feed = {0};
    char last_modified[HTTP_DATE_BUF];

    /*
     * Hits and misses take the same path through the caller's lookup (which
     * should itself compare in constant time), so a 404 comes no faster than a
     * hit and timing does not reveal which tokens exist. Never log the token.
     */
    int rc = srv->handlers.feed(srv->handlers.ctx, tok.base, tok.len, &feed);
    if (rc == -ENOENT) {
        srv->stats.feed_not_found++;
        send_not_found(req);
        return;
    }
    if (rc == -EAGAIN) {
        /* Not loaded yet (the daemon has just started): a moment, not "gone". */
        add_header(req, H2O_TOKEN_RETRY_AFTER, "5");
        send_status(req, 503);
        return;
    }
    if (rc != 0 || (feed.body == NULL && feed.len > 0)) {
        log_warn("http: feed lookup failed: %s", strerror(rc < 0 ? -rc : EINVAL));
        send_status(req, 503);
        return;
    }

    if (feed.etag != NULL && !http_etag_valid(feed.etag)) {
        log_warn("http: feed callback gave a malformed ETag; sending none");
        feed.etag = NULL;
    }
    add_policy_headers(req, "private, max-age=0");
    if (feed.etag != NULL)
        add_header(req, H2O_TOKEN_ETAG, pool_strdup(req, feed.etag));
    /*
     * Last-Modified may not be later than Date (RFC 9110 8.8.2.1), and a change
     * stamped by a database whose clock runs ahead would be. Clamp it to the
     * instant h2o writes as Date: its timestamp is cached per loop turn, so
     * time(NULL) could already be a second past it. not_modified() still
     * compares with the real instant, so the clamped value never earns a 304.
     */
    h2o_timestamp_t date;
    h2o_get_timestamp(req->conn->ctx, &req->pool, &date);
    int64_t shown = feed.last_modified;
    if (shown > (int64_t)date.at.tv_sec)
        shown = (int64_t)date.at.tv_sec;
    if (http_date_format(shown, last_modified) == 0)
        add_header(req, H2O_TOKEN_LAST_MODIFIED, pool_strdup(req, last_modified));

    if (not_modified(req, &feed)) {
        srv->stats.feed_not_modified++;
        send_response(req, 304, NULL, NULL, 0);
        return;
    }
    srv->stats.feed_hits++;
    send_response(req, 200, "text/calendar; charset=utf-8", feed.body, feed.len);
}

/* /healthz and /metrics: the callbacks return malloc'd bodies that we copy and free. */
static void serve_generated(h2o_req_t *req, char *body, int status, const char *type)
{
    if (body == NULL) {
        send_status(req, 500);
        return;
    }
    if (reason_phrase(status) == NULL) {
        log_warn("http: a handler answered status %d, which has no reason phrase here; sending 500",
                 status);
        status = 500;
    }
    add_policy_headers(req, "no-store");
    send_response(req, status, type, body, strlen(body));
    free(body);
}

/* Whether the request comes from this machine (127.0.0.0/8 or ::1). */
static int peer_is_loopback(h2o_req_t *req)
{
    struct sockaddr_storage ss;
    socklen_t len = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    if (len == 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss.ss_family == AF_INET6) {
        const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
        if (IN6_IS_ADDR_LOOPBACK(a))
            return 1;
        return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
    }
    return 0;
}

/* /api/<name>: access control is the callback's; the header is passed as sent. */
static void serve_api(struct http_server *srv, h2o_req_t *req, h2o_iovec_t name)
{
    char *auth = NULL;
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    if (i != -1) {
        h2o_iovec_t v = req->headers.entries[i].value;
        auth = h2o_mem_alloc_pool(&req->pool, v.len + 1);
        memcpy(auth, v.base, v.len);
        auth[v.len] = '\0';
    }
    int status = 500;
    char *body = srv->handlers.api(srv->handlers.ctx, name.base, name.len, auth,
                                   peer_is_loopback(req), &status);
    if (status == 401)
        add_header(req, H2O_TOKEN_WWW_AUTHENTICATE, "Bearer realm=\"staffd\"");
    serve_generated(req, body, status, "application/json");
}

/* ---- asynchronous requests (the console) ---- */

struct http_request {
    h2o_req_t *req; /* NULL once h2o disposed of the request: the client went away */
    struct http_server *srv;
    struct http_request **slot; /* in req's pool, pointing back here */
};

/* The request's pool is being cleared before we answered: the client is gone. */
static void on_request_disposed(void *p)
{
    struct http_request **slot = p;
    struct http_request *r = *slot;
    if (r == NULL)
        return;
    r->srv->stats.async_pending--;
    r->srv->stats.async_abandoned++;
    r->req = NULL;
    r->slot = NULL;
}

int http_request_alive(const struct http_request *r)
{
    return r != NULL && r->req != NULL;
}

/* Whether a header value can go out as is: h2o writes values verbatim. */
static bool header_value_safe(const char *v)
{
    for (; *v != '\0'; v++)
        if ((unsigned char)*v < 0x20 && *v != '\t')
            return false;
    return true;
}

void http_reply(struct http_request *r, const struct http_reply *rep)
{
    if (r == NULL)
        return;
    h2o_req_t *req = r->req;
    if (req != NULL) {
        int status = rep->status;
        *r->slot = NULL;
        r->srv->stats.async_pending--;
        if (reason_phrase(status) == NULL) {
            log_warn("http: the console answered status %d, which has no reason phrase here; "
                     "sending 500",
                     status);
            status = 500;
        }
        add_policy_headers(req, rep->cache_control != NULL ? rep->cache_control : "no-store");
        for (const char *const *h = rep->headers; h != NULL && h[0] != NULL; h += 2) {
            if (h[1] == NULL || !header_value_safe(h[1])) {
                log_warn("http: dropping header %s: its value holds a control character", h[0]);
                continue;
            }
            add_custom_header(req, pool_strdup(req, h[0]), pool_strdup(req, h[1]));
        }
        send_response(req, status, rep->content_type, rep->body, rep->len);
    }
    free(r);
}

/* A header's values joined with "; " (Cookie may come split, as HTTP/2 does), or NULL. */
static const char *joined_header(h2o_req_t *req, const char *name)
{
    size_t nl = strlen(name);
    size_t total = 0;
    int count = 0;
    for (ssize_t i = -1; (i = h2o_find_header_by_str(&req->headers, name, nl, i)) != -1; count++)
        total += req->headers.entries[i].value.len + 2;
    if (count == 0)
        return NULL;
    char *out = h2o_mem_alloc_pool(&req->pool, total + 1), *p = out;
    for (ssize_t i = -1; (i = h2o_find_header_by_str(&req->headers, name, nl, i)) != -1;) {
        h2o_iovec_t v = req->headers.entries[i].value;
        if (p != out) {
            memcpy(p, "; ", 2);
            p += 2;
        }
        memcpy(p, v.base, v.len);
        p += v.len;
    }
    *p = '\0';
    return out;
}

static void peer_text(h2o_req_t *req, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    const void *addr = NULL;
    if (sl != 0 && ss.ss_family == AF_INET)
        addr = &((struct sockaddr_in *)&ss)->sin_addr;
    else if (sl != 0 && ss.ss_family == AF_INET6)
        addr = &((struct sockaddr_in6 *)&ss)->sin6_addr;
    if (addr == NULL || inet_ntop(ss.ss_family, addr, buf, (socklen_t)len) == NULL)
        snprintf(buf, len, "unknown");
}

static void serve_console(struct http_server *srv, h2o_req_t *req, h2o_iovec_t path)
{
    struct http_request *r = calloc(1, sizeof *r);
    if (r == NULL) {
        send_status(req, 503);
        return;
    }
    /* Linked to the pool: h2o_mem_alloc_shared() aborts rather than fail. */
    struct http_request **slot =
        h2o_mem_alloc_shared(&req->pool, sizeof *slot, on_request_disposed);
    *slot = r;
    r->req = req;
    r->srv = srv;
    r->slot = slot;
    srv->stats.async_pending++;

    struct http_request_info info = {0};
    info.method = h2o_strdup(&req->pool, req->method.base, req->method.len).base;
    info.path = h2o_strdup(&req->pool, path.base, path.len).base;
    info.query = req->query_at != SIZE_MAX
                     ? h2o_strdup(&req->pool, req->path.base + req->query_at + 1,
                                  req->path.len - req->query_at - 1)
                           .base
                     : "";
    info.cookie = joined_header(req, "cookie");
    info.origin = joined_header(req, "origin");
    info.content_type = joined_header(req, "content-type");
    if (req->entity.base != NULL) {
        info.body = h2o_strdup(&req->pool, req->entity.base, req->entity.len).base;
        info.body_len = req->entity.len;
    } else {
        info.body = "";
    }
    info.loopback = peer_is_loopback(req);
    peer_text(req, info.peer, sizeof info.peer);
    srv->handlers.console(srv->handlers.ctx, r, &info);
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    struct http_server *srv = ((struct http_route *)self)->srv;
    bool get_or_head =
        h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) || is_head(req);
    /* Route on the raw path without its query: no decoding, no normalisation surprises. */
    h2o_iovec_t path =
        h2o_iovec_init(req->path.base, req->query_at != SIZE_MAX ? req->query_at : req->path.len);

    const char *arg;
    size_t arg_len;
    enum http_resource route = http_route_path(path.base, path.len, &arg, &arg_len);

    srv->stats.requests++;
    if ((route == HTTP_RES_API && srv->handlers.api == NULL) ||
        (route == HTTP_RES_CONSOLE && srv->handlers.console == NULL))
        route = HTTP_RES_NONE;
    if (route == HTTP_RES_CONSOLE) { /* the console answers its own methods (forms POST) */
        serve_console(srv, req, path);
        return 0;
    }
    if (route == HTTP_RES_NONE || route == HTTP_RES_BAD_FEED) {
        if (route == HTTP_RES_BAD_FEED)
            srv->stats.feed_not_found++;
        send_not_found(req);
        return 0;
    }
    if (!get_or_head) {
        send_not_allowed(req);
        return 0;
    }
    switch (route) {
    case HTTP_RES_HEALTHZ: {
        int status = 500;
        char *body = srv->handlers.healthz(srv->handlers.ctx, &status);
        serve_generated(req, body, status, "application/json");
        break;
    }
    case HTTP_RES_METRICS:
        serve_generated(req, srv->handlers.metrics(srv->handlers.ctx), 200,
                        "text/plain; version=0.0.4; charset=utf-8");
        break;
    case HTTP_RES_API:
        serve_api(srv, req, h2o_iovec_init(arg, arg_len));
        break;
    case HTTP_RES_FEED:
        serve_feed(srv, req, h2o_iovec_init(arg, arg_len));
        break;
    case HTTP_RES_NONE:
    case HTTP_RES_BAD_FEED:
    case HTTP_RES_CONSOLE:
        break; /* answered above */
    }
    return 0;
}

/* ---- connections ---- */

static void maybe_finish(struct http_server *srv);

static void on_conn_closed(uv_handle_t *handle)
{
    struct http_conn *c = H2O_STRUCT_FROM_MEMBER(struct http_conn, tcp, handle);
    struct http_server *srv = c->srv;

    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    srv->n_conns--;
    free(c);
    if (srv->stopping)
        maybe_finish(srv);
}

static void on_refused_closed(uv_handle_t *handle)
{
    free(handle);
}

/* At the cap: take the connection off the backlog and close it, so it costs nothing. */
static void refuse_one(struct http_server *srv, uv_stream_t *listener)
{
    uv_tcp_t *t = malloc(sizeof *t);
    if (t == NULL || uv_tcp_init(srv->loop, t) < 0) {
        free(t);
        return;
    }
    if (uv_accept(listener, (uv_stream_t *)t) == 0)
        srv->stats.connections_refused++;
    uv_close((uv_handle_t *)t, on_refused_closed);
}

static void on_accept(uv_stream_t *listener, int status)
{
    struct http_server *srv = listener->data;
    struct http_conn *c = NULL;
    int rc = status;

    if (rc < 0)
        goto fail;
    if (srv->n_conns >= srv->max_conns) {
        refuse_one(srv, listener);
        return;
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        rc = -ENOMEM;
        goto fail;
    }
    rc = uv_tcp_init(srv->loop, &c->tcp);
    if (rc < 0)
        goto fail;
    c->srv = srv;
    c->next = srv->conns;
    if (srv->conns != NULL)
        srv->conns->prev = c;
    srv->conns = c;
    srv->n_conns++;
    rc = uv_accept(listener, (uv_stream_t *)&c->tcp);
    if (rc < 0) {
        log_warn("http: accept: %s", uv_strerror(rc));
        uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
        return;
    }
    /* Responses are written whole; do not let Nagle hold back their last segment. */
    uv_tcp_nodelay(&c->tcp, 1);
    /* From here on h2o owns the handle and closes it through on_conn_closed. */
    h2o_accept(&srv->accept_ctx, h2o_uv_socket_create((uv_stream_t *)&c->tcp, on_conn_closed));
    return;

fail:
    log_warn("http: accept: %s", uv_strerror(rc));
    free(c);
}

/* ---- lifecycle ---- */

/* Opens, binds and listens synchronously, so that a bad address or a busy port
 * fails http_start() before any libuv handle exists (nothing left to close). */
static int open_listener(const char *address, int port, int *fd_out)
{
    struct sockaddr_storage ss;
    socklen_t sslen;
    int fd = -1, one = 1, rc;

    memset(&ss, 0, sizeof(ss));
    if (port < 0 || port > 65535 || address == NULL)
        return -EINVAL;
    if (uv_ip4_addr(address, port, (struct sockaddr_in *)&ss) == 0)
        sslen = sizeof(struct sockaddr_in);
    else if (uv_ip6_addr(address, port, (struct sockaddr_in6 *)&ss) == 0)
        sslen = sizeof(struct sockaddr_in6);
    else
        return -EINVAL;

    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    /* Restart while old connections sit in TIME_WAIT. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&ss, sslen) != 0 || listen(fd, SOMAXCONN) != 0) {
        rc = -errno;
        goto out;
    }
    *fd_out = fd;
    fd = -1;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    return rc;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
        return -errno;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void setup_h2o(struct http_server *srv)
{
    h2o_config_init(&srv->config);
    /* We take no uploads, serve HTTP/1.x only (no h2c upgrade) and name no product. */
    srv->config.max_request_entity_size = MAX_BODY_BYTES;
    srv->config.http1.upgrade_to_http2 = 0;
    srv->config.server_name = h2o_iovec_init(H2O_STRLIT("staffd"));

    /* One host (the default for any Host header) and one catch-all path: we route ourselves. */
    h2o_hostconf_t *host =
        h2o_config_register_host(&srv->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    struct http_route *route = (struct http_route *)h2o_create_handler(path, sizeof(*route));
    route->super.on_req = on_req;
    route->srv = srv;

    /* Handlers must exist before the context is initialised: it sets each one up. */
    h2o_context_init(&srv->ctx, srv->loop, &srv->config);
    srv->accept_ctx.ctx = &srv->ctx;
    srv->accept_ctx.hosts = srv->config.hosts;
}

static void free_listener_owner(uv_handle_t *handle)
{
    free(handle->data);
}

int http_start(uv_loop_t *loop, const char *address, int port, const struct http_handlers *h,
               struct http_server **out)
{
    struct http_server *srv = NULL;
    int fd = -1, rc;

    if (loop == NULL || h == NULL || out == NULL || h->feed == NULL || h->healthz == NULL ||
        h->metrics == NULL)
        return -EINVAL;
    rc = open_listener(address, port, &fd);
    if (rc < 0)
        goto out;
    srv = calloc(1, sizeof(*srv));
    if (srv == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    srv->loop = loop;
    srv->max_conns = 1024;
    srv->handlers = *h;
    rc = bound_port(fd);
    if (rc < 0)
        goto out;
    srv->port = rc;

    /*
     * libuv writes with write(2), so a client that vanishes mid-response would
     * otherwise kill the whole daemon with SIGPIPE. Process-wide, idempotent.
     */
    signal(SIGPIPE, SIG_IGN);

    /* uv_tcp_init() on a loop cannot fail in practice; once it succeeded the
     * handle can only be released through the loop, so nothing below may fail. */
    rc = uv_tcp_init(loop, &srv->listener);
    if (rc < 0)
        goto out;
    srv->listener.data = srv;
    rc = uv_tcp_open(&srv->listener, fd);
    if (rc == 0) {
        fd = -1; /* the handle owns it now */
        rc = uv_listen((uv_stream_t *)&srv->listener, SOMAXCONN, on_accept);
    }
    if (rc < 0) {
        /* Not expected on a socket that is already listening; free in the close callback. */
        struct http_server *dead = srv;
        srv = NULL;
        uv_close((uv_handle_t *)&dead->listener, free_listener_owner);
        goto out;
    }
    setup_h2o(srv);
    log_info("http: listening on %s port %d", address, srv->port);
    *out = srv;
    srv = NULL;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(srv);
    return rc;
}

int http_port(const struct http_server *srv)
{
    return srv->port;
}

void http_set_max_connections(struct http_server *srv, size_t max)
{
    srv->max_conns = max > 0 ? max : 1;
}

void http_get_stats(const struct http_server *srv, struct http_stats *out)
{
    *out = srv->stats;
    out->connections = srv->n_conns;
}

/* For uv_walk(): does any handle of the loop still live inside [lo, hi)? */
struct handle_probe {
    uintptr_t lo, hi;
    bool found;
};

static void find_inside(uv_handle_t *handle, void *arg)
{
    struct handle_probe *probe = arg;
    if ((uintptr_t)handle >= probe->lo && (uintptr_t)handle < probe->hi)
        probe->found = true;
}

static void on_reaped(uv_handle_t *handle);

/*
 * Closes a throw-away handle and looks again from its close callback: close
 * callbacks run in one batch per loop iteration, so each round gives libuv a
 * full batch to finish what h2o closed before.
 */
static void reap(struct http_server *srv)
{
    uv_idle_init(srv->loop, &srv->reaper);
    uv_close((uv_handle_t *)&srv->reaper, on_reaped);
}

static void on_reaped(uv_handle_t *handle)
{
    struct http_server *srv = H2O_STRUCT_FROM_MEMBER(struct http_server, reaper, handle);
    struct handle_probe probe = {(uintptr_t)srv, (uintptr_t)(srv + 1), false};

    uv_walk(srv->loop, find_inside, &probe);
    if (probe.found) {
        reap(srv); /* a timer of h2o's context is still closing: its memory is ours */
        return;
    }
    void (*cb)(void *) = srv->on_closed;
    void *arg = srv->on_closed_arg;
    free(srv);
    if (cb != NULL)
        cb(arg);
}

/*
 * Runs once the listener and every connection are closed, always from a close
 * callback. Order matters:
 *  - h2o_context_dispose() asserts that no timeout entry is linked, so it must
 *    come after the last connection is gone;
 *  - it uv_close()s the context's timers with no callback, and those live in
 *    *srv, so srv is freed only once uv_walk() no longer sees them (its queue's
 *    uv_async is closed in the same batch, so it is gone by then too);
 *  - in 2.2.5 it also ends with uv_run(loop, UV_RUN_NOWAIT) to finish those
 *    closes: a nested loop turn. That is harmless in the close phase, where we
 *    are (no I/O poll in progress), but it consumes a pending uv_stop().
 */
static void maybe_finish(struct http_server *srv)
{
    if (!srv->listener_closed || srv->n_conns > 0 || srv->disposed)
        return;
    srv->disposed = true;
    h2o_context_dispose(&srv->ctx);
    h2o_config_dispose(&srv->config);
    reap(srv);
}

static void on_listener_closed(uv_handle_t *handle)
{
    struct http_server *srv = handle->data;
    srv->listener_closed = true;
    maybe_finish(srv);
}

void http_stop(struct http_server *srv, void (*on_closed)(void *arg), void *arg)
{
    if (srv == NULL || srv->stopping)
        return;
    srv->stopping = true;
    srv->on_closed = on_closed;
    srv->on_closed_arg = arg;

    /*
     * No keep-alive from here on: a response in flight ends its connection.
     * Not h2o_context_request_shutdown(): in 2.2.5 it also arms an HTTP/2
     * GOAWAY timer that makes h2o_context_dispose() abort on an assertion.
     */
    srv->ctx.shutdown_requested = 1;
    uv_close((uv_handle_t *)&srv->listener, on_listener_closed);
    /*
     * h2o has no call to close its connections, and closing the socket under it
     * would leave it with a dangling pointer. Shutting the socket down instead
     * makes h2o's own read or write fail, and it closes the connection the
     * normal way, which ends in on_conn_closed().
     */
    for (struct http_conn *c = srv->conns; c != NULL; c = c->next) {
        uv_os_fd_t fd;
        if (!uv_is_closing((uv_handle_t *)&c->tcp) && uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0)
            shutdown(fd, SHUT_RDWR);
    }
}
