/* SPDX-License-Identifier: ISC */
/*
 * console.h — the planners' web console: routes, sign-in, sessions, CSRF,
 * rate limits, and the jobs behind its two actions (what-if, hire).
 *
 * The console owns its own PostgreSQL connection (a page never waits behind
 * a planning run's snapshot or store on the daemon's), the templates parsed
 * at start, the sign-in rate limiter, and at most one what-if job on the
 * thread pool. It is driven by the HTTP server's asynchronous handler for
 * everything under /console: each request is answered later, from the
 * callback of its last query or from the what-if job's after callback; the
 * loop thread never blocks. The SQL is console_data.c's; the escaping
 * template.c's. docs/console.md has the routes, roles and configuration.
 *
 * Use:
 *   struct console *c;
 *   console_start(loop, conninfo, &cfg, &cancel, &c);   // connects in the background
 *   http handler:  console_handle(c, request, info);
 *   on reload:     console_configure(c, &cfg);
 *   console_stop(c, on_closed, arg);  // answers what is pending, closes, then on_closed
 */
#ifndef STAFFD_CONSOLE_H
#define STAFFD_CONSOLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "http.h"
#include "util.h"

struct console_config {
    bool enabled;       /* console = yes */
    bool allow_remote;  /* console_allow_remote: answer hosts other than loopback */
    bool secure_cookie; /* console_secure_cookie: cookies carry Secure (served over TLS) */
    int session_hours;  /* console_session_hours: a session's life */
    /* What a what-if plans with: the daemon's own settings. */
    int horizon_days;
    bool clock_fixed;
    long long clock_at;
    int freeze_hours;
    long long seed;
};

struct console;

/* Sign-in attempts: per peer address and in all (per minute, with a burst of the same size). */
#define CONSOLE_SIGNIN_PER_PEER_PER_MINUTE 10
#define CONSOLE_SIGNIN_PER_MINUTE          60

int console_start(uv_loop_t *loop, const char *conninfo, const struct console_config *cfg,
                  const atomic_bool *cancel, struct console **out) STAFFD_MUSTCHECK;
void console_configure(struct console *c, const struct console_config *cfg);
/* The HTTP server's asynchronous handler; c is never NULL (the daemon answers 503 while it has
 * none). */
void console_handle(struct console *c, struct http_request *r,
                    const struct http_request_info *info);
void console_stop(struct console *c, void (*on_closed)(void *arg), void *arg);

#endif
