/* SPDX-License-Identifier: ISC */
/*
 * http.h — the HTTP front end: h2o (libuv build) on the daemon's loop.
 *
 * Routes: GET /feeds/<token>.ics, GET /healthz, GET /metrics, /api/<name>,
 * and everything under /console (any method) to an asynchronous handler. The
 * server owns nothing of the daemon's state; it asks the callbacks in `struct
 * http_handlers` for content on the loop thread and copies what it sends into
 * the request's memory pool, so the caller may replace its data at any time.
 *
 * Asynchronous requests (the console): the handler gets a `struct
 * http_request *` and must call http_reply() on it exactly once, at once or
 * later from any loop callback (a query's result, a worker job's after
 * callback). The handle stays valid until then even when the client went
 * away meanwhile: http_request_alive() says whether anyone still waits, and
 * http_reply() on a dead request only frees the handle.
 *
 * Use:
 *   struct http_server *srv;
 *   http_start(loop, "127.0.0.1", 8080, &handlers, &srv);   // listening now
 *   ...
 *   http_stop(srv, on_closed, arg);   // closes the listener and every connection;
 *                                     // on_closed runs once all handles are closed
 */
#ifndef STAFFD_HTTP_H
#define STAFFD_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "util.h"

struct http_feed {
    const char *body; /* valid until the callback's caller returns */
    size_t len;
    const char *etag;      /* strong ETag including quotes, e.g. "\"3f2a...\"" */
    int64_t last_modified; /* Unix seconds */
};

/*
 * What an asynchronous handler is told about its request. Every pointer is
 * valid only during the handler's call (copy what a later step needs); strings
 * are NUL-terminated, NULL when the header is absent.
 */
struct http_request_info {
    const char *method; /* "GET", "HEAD", "POST", ... */
    const char *path;   /* raw, without the query (not percent-decoded) */
    const char *query;  /* after '?', "" when none */
    const char *cookie; /* every Cookie header, joined with "; " */
    const char *origin; /* Origin */
    const char *content_type;
    const char *body; /* the request entity (at most 16 kB); "" when none */
    size_t body_len;
    int loopback;  /* the peer is 127.0.0.0/8 or ::1 */
    char peer[48]; /* the peer's address as text, for rate limits and logs */
};

struct http_request;

/* One response. Extra headers are name/value pairs, NULL-terminated (names lower case). */
struct http_reply {
    int status;
    const char *content_type;  /* NULL: none (e.g. a 303) */
    const char *cache_control; /* NULL: "no-store" */
    const char *const *headers;
    const char *body; /* copied before http_reply() returns */
    size_t len;
};

/* Sends the response (or, when the client went away, only frees the request). */
void http_reply(struct http_request *r, const struct http_reply *reply);
/* Whether the client still waits for this request (its connection is open). */
int http_request_alive(const struct http_request *r);

struct http_handlers {
    void *ctx;
    /*
     * Looks a feed up by its token (the path segment between "/feeds/" and
     * ".ics", already checked to be 1..128 characters of [A-Za-z0-9_-]).
     * Returns 0 and fills *out, -ENOENT for an unknown or revoked token (404),
     * or -EAGAIN when it cannot tell yet (503 with Retry-After: nothing loaded).
     */
    int (*feed)(void *ctx, const char *token, size_t token_len, struct http_feed *out);
    /* Returns a malloc'd JSON body and sets *status (200 or 503). */
    char *(*healthz)(void *ctx, int *status);
    /* Returns a malloc'd Prometheus text-format body. */
    char *(*metrics)(void *ctx);
    /*
     * Optional (NULL: 404). GET /api/<name>: `authorization` is the request's
     * Authorization header (NULL if absent), `loopback` whether the peer is on
     * 127.0.0.0/8 or ::1. Returns a malloc'd JSON body and sets *status (200,
     * 401, 403, 404, 503); on 401 the server adds WWW-Authenticate: Bearer.
     */
    char *(*api)(void *ctx, const char *name, size_t name_len, const char *authorization,
                 int loopback, int *status);
    /*
     * Optional (NULL: 404). Any method on "/console" and "/console/...": the
     * handler must http_reply() to `r` exactly once, now or later.
     */
    void (*console)(void *ctx, struct http_request *r, const struct http_request_info *info);
};

struct http_stats {
    uint64_t requests;
    uint64_t feed_hits, feed_not_modified, feed_not_found;
    uint64_t connections;         /* open now */
    uint64_t connections_refused; /* closed at accept: the cap was reached */
    uint64_t async_pending;       /* asynchronous requests not yet answered */
    uint64_t async_abandoned;     /* ... whose client went away before the answer */
};

struct http_server;

int http_start(uv_loop_t *loop, const char *address, int port, const struct http_handlers *h,
               struct http_server **out) STAFFD_MUSTCHECK;
void http_get_stats(const struct http_server *srv, struct http_stats *out);
/*
 * Caps the connections held at once (default 1024). One more is accepted and
 * closed at once, so that idle clients can never take the descriptors the
 * daemon needs for PostgreSQL; the caller sizes the cap below the process's
 * descriptor limit.
 */
void http_set_max_connections(struct http_server *srv, size_t max);
/* The TCP port actually bound (useful after asking for port 0). */
int http_port(const struct http_server *srv);
void http_stop(struct http_server *srv, void (*on_closed)(void *arg), void *arg);

#endif
