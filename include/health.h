/* SPDX-License-Identifier: ISC */
/*
 * health.h — what /healthz and /metrics say, from figures the daemon gathers.
 *
 * The daemon fills a struct health_input from its parts (database session,
 * runs, leadership, HTTP, feeds) and asks for the body; nothing here reads
 * state of its own, so what makes the daemon "degraded" is written once.
 *
 *   struct health_input in = {...};
 *   char *json = health_json(&in, &status);  // 200 ok, 503 degraded
 *   char *text = health_metrics(&in);
 */
#ifndef STAFFD_HEALTH_H
#define STAFFD_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"
#include "http.h"
#include "leader.h"
#include "runs.h"
#include "util.h"

struct health_input {
    double now; /* Unix seconds */
    bool db_connected;
    struct db_stats db;
    uint64_t db_reconnects;
    uint64_t notifications;
    const struct runs_site_view *sites;
    int n_sites;
    struct runs_stats runs;
    struct leader_stats leader;
    struct http_stats http;
    int feeds;
    /* The feed cache is not filled yet (feeds_ready): feed URLs answer 503 until it is. */
    bool feeds_loading;
    /* A change waiting this long (ms) without a plan is a reason to say "degraded". */
    uint64_t pending_limit_ms;
};

/* malloc'd JSON; *status 200 or 503. NULL on allocation failure. */
char *health_json(const struct health_input *in, int *status) STAFFD_MUSTCHECK;
/* malloc'd Prometheus text. NULL on allocation failure. */
char *health_metrics(const struct health_input *in) STAFFD_MUSTCHECK;
/* How many reasons there are to say "degraded" (0: healthy). */
int health_reasons(const struct health_input *in, char reasons[][192], int max);

#endif
