/* SPDX-License-Identifier: ISC */
/*
 * http_internal.h — the pure parsers behind http.c: request paths and feed
 * tokens, HTTP dates, entity tags and If-None-Match, the Authorization
 * header. They read only their arguments (no h2o, no socket, no clock), so
 * http.c, daemon.c's API callback, the unit tests and the fuzz harnesses
 * (tests/fuzz/) call the same code. Not an interface for other modules.
 */
#ifndef STAFFD_HTTP_INTERNAL_H
#define STAFFD_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

#define HTTP_FEED_PREFIX    "/feeds/"
#define HTTP_FEED_SUFFIX    ".ics"
#define HTTP_API_PREFIX     "/api/"
#define HTTP_CONSOLE_PREFIX "/console" /* the path itself, or anything under "/console/" */
#define HTTP_TOKEN_MAX      128        /* a feed token: 1..128 characters of [A-Za-z0-9_-] */
#define HTTP_DATE_BUF       64         /* room for any int fields, so snprintf cannot truncate */
/* 0001-01-01 .. 9999-12-31T23:59:59Z: what an HTTP-date can spell. */
#define HTTP_DATE_MIN ((int64_t)-62135596800)
#define HTTP_DATE_MAX ((int64_t)253402300799)

enum http_resource {
    HTTP_RES_NONE,     /* no such resource */
    HTTP_RES_BAD_FEED, /* under /feeds/ but not a well-formed feed URL */
    HTTP_RES_HEALTHZ,
    HTTP_RES_METRICS,
    HTTP_RES_API,     /* *arg: the name after /api/ (never empty) */
    HTTP_RES_FEED,    /* *arg: the token of /feeds/<token>.ics */
    HTTP_RES_CONSOLE, /* /console or /console/...: the planners' console (console.c) */
};

/*
 * Routes a request path as sent, without its query: no decoding and no
 * normalisation, so "/feeds/%41.ics" is not "/feeds/A.ics". *arg points into
 * path; it and *arg_len are set (NULL, 0) for routes without an argument.
 */
enum http_resource http_route_path(const char *path, size_t len, const char **arg, size_t *arg_len);

/*
 * Parses an HTTP-date in any of its three forms (IMF-fixdate, rfc850-date,
 * asctime-date; RFC 9110 5.6.7); `now` places rfc850's two-digit year. The
 * day name must be a day name but is not checked against the date. 0 or
 * -EINVAL; *out is written only on success.
 */
int http_date_parse(const char *s, size_t len, int64_t now, int64_t *out) STAFFD_MUSTCHECK;
/* t as an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"). 0, or -EINVAL outside the range. */
int http_date_format(int64_t t, char buf[HTTP_DATE_BUF]) STAFFD_MUSTCHECK;

/* Whether tag is one entity-tag ([W/]"etagc*") that may go into a header as it is. */
bool http_etag_valid(const char *tag);
/*
 * Whether an If-None-Match field value matches etag (weak comparison, RFC
 * 9110 13.1.2): "*", or a listed tag whose opaque part equals etag's. A
 * malformed list stops the scan, so what is not understood never gives a 304.
 * etag may be NULL (the resource has none): then only "*" matches.
 */
bool http_if_none_match(const char *value, size_t len, const char *etag, size_t etag_len);

/*
 * The token of an "Authorization: Bearer <token>" field value (RFC 6750
 * 2.1): the scheme in any case, one or more spaces, then a token of visible
 * ASCII with no space; trailing blanks are ignored. 0 with *token pointing
 * into value, or -EINVAL for another scheme or a malformed value.
 */
int http_bearer_token(const char *value, size_t len, const char **token,
                      size_t *token_len) STAFFD_MUSTCHECK;

#endif
