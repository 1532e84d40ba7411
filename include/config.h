/* SPDX-License-Identifier: ISC */
/*
 * config.h — the `key = value` configuration file (see docs/interfaces.md).
 *
 * One table describes every key: name, type, default, bounds, and whether a
 * reload can change it without a restart of a component. config_load()
 * either fills a whole new struct or leaves the caller's untouched and says
 * which line is wrong, so a failed SIGHUP reload keeps the old configuration.
 */
#ifndef STAFFD_CONFIG_H
#define STAFFD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

#define CONFIG_STR_MAX 1024

struct config {
    char database[CONFIG_STR_MAX];
    char listen_address[64];
    int listen_port;
    int max_connections;  /* HTTP connections held at once (capped by the descriptor limit) */
    int failover_seconds; /* a daemon silent this long loses its sites (leader.c) */
    int horizon_days;
    int debounce_ms;     /* quiet time after a change while changes keep arriving */
    int max_debounce_ms; /* longest wait after the first change of a burst */
    /*
     * Quick plans (docs/engine.md, "Quick plans"): a change that names its
     * agents (time off, availability, skills, preferences, an agent row) is
     * planned first for those agents and their neighbourhood only, on a small
     * budget, after quick_debounce_ms when it came alone; the full search
     * follows once no change has come for full_plan_after_ms.
     */
    bool quick_plan;
    int quick_debounce_ms;
    double quick_plan_seconds;
    long long quick_plan_iterations; /* > 0: instead of seconds (tests) */
    int full_plan_after_ms;
    int cancelled_grace_days;
    bool migrate_on_start;
    char log_level[16];
    long long plan_seed;
    double plan_seconds;       /* engine wall-clock budget per run */
    long long plan_iterations; /* engine iteration budget per thread; 0: by time (reproducible when
                                  > 0) */
    int plan_threads;
    int freeze_hours;            /* no shift starting within this many hours changes */
    char admin_token_sha256[65]; /* hex SHA-256 of the admin API token; empty: API off */
    bool api_allow_remote;       /* answer /api/ from other hosts than loopback */
    /*
     * clock = database (the default): every run plans as of PostgreSQL's now().
     * clock = 2026-12-09T16:05:00Z: every run plans as of that instant, which
     * stays still until a reload sets another; for tests and rehearsals.
     */
    bool clock_fixed;
    long long clock_at; /* seconds since the epoch, when clock_fixed */
    /* The planners' console (docs/console.md). */
    bool console;               /* serve /console */
    bool console_allow_remote;  /* answer /console from other hosts than loopback */
    bool console_secure_cookie; /* its cookies carry Secure: it is served over TLS (a proxy) */
    int console_session_hours;  /* how long a sign-in lasts */
};

/* The longest line, and the largest file, the parser takes. */
#define CONFIG_LINE_MAX (CONFIG_STR_MAX + 126)
#define CONFIG_FILE_MAX (1024 * 1024)

/* Built-in defaults. */
void config_defaults(struct config *c);
/*
 * Reads `path` over the defaults into *out. Returns 0, or -EINVAL / -errno with
 * "FILE:LINE: what is wrong" in err. *out is written only on success.
 */
int config_load(const char *path, struct config *out, char *err, size_t err_len) STAFFD_MUSTCHECK;
/*
 * The parser config_load() uses, on text[0..len) (no NUL needed; NUL bytes in
 * a line are errors); `name` (the file, or NULL for "defaults") starts every
 * message. Pure: reads no file, no environment. Same results as config_load().
 */
int config_parse(const char *text, size_t len, const char *name, struct config *out, char *err,
                 size_t err_len) STAFFD_MUSTCHECK;
/* The file to use: $STAFFD_CONFIG, else /etc/staffd/staffd.conf if it exists, else NULL. */
const char *config_default_path(void);

#endif
