/* SPDX-License-Identifier: ISC */
/*
 * leader.h — which sites this daemon plans, decided through PostgreSQL.
 *
 * Several daemons may run against one database; each site is planned by one
 * of them, its leader, which holds the session advisory lock
 * (LEADER_SITE_LOCK, site id) on its database session. Every daemon also
 * holds (LEADER_MEMBER_LOCK, its backend pid), so that the live daemons can
 * be counted from pg_locks. Once a second, each daemon reads the active
 * sites, who holds each one and how many daemons live; it takes free sites
 * until it holds its share (the number of sites divided by the live daemons,
 * rounded up) and lets go of one it holds beyond its share. So sites spread
 * over the daemons, and re-spread when one joins or leaves.
 *
 * The session is told to end when it has been idle for failover_seconds
 * (idle_session_timeout): a daemon that stops answering (SIGSTOP, a network
 * cut) loses its session and with it its locks, and another daemon takes its
 * sites within about failover_seconds plus a tick. A lost connection loses
 * every site at once. A publish lands only while its session holds the
 * site's lock (migrations: staffd.session_leads), so an ex-leader that wakes
 * up cannot overwrite its successor's plan.
 *
 * Use (loop thread only):
 *   leader_new(loop, failover_seconds, &callbacks, &l);
 *   leader_set_db(l, db);      // connected: joins; NULL: lost, leads nothing
 *   ... callbacks.on_sites(ctx, sites, n) after every change of the picture
 *   leader_stop(l);            // closes its timer; leader_free(l) after the loop ends
 */
#ifndef STAFFD_LEADER_H
#define STAFFD_LEADER_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "runs.h"
#include "util.h"

#define LEADER_SITE_LOCK   21332 /* 'S','T': pg_try_advisory_lock(21332, site id) */
#define LEADER_MEMBER_LOCK 21333 /* pg_try_advisory_lock(21333, backend pid) */

struct db;
struct leader;

struct leader_callbacks {
    void *ctx;
    /* The active sites, with led set for those this daemon holds. */
    void (*on_sites)(void *ctx, const struct runs_site_info *sites, int n);
};

struct leader_stats {
    int sites;   /* active sites */
    int led;     /* held by this daemon */
    int daemons; /* live daemons, this one included */
    int session; /* this daemon's database session (backend pid), 0 when none */
    uint64_t taken, released;
};

int leader_new(uv_loop_t *loop, int failover_seconds, const struct leader_callbacks *cb,
               struct leader **out) __attribute__((warn_unused_result)) STAFFD_MUSTCHECK;
void leader_set_failover(struct leader *l, int failover_seconds);
void leader_set_db(struct leader *l, struct db *db);
void leader_get_stats(const struct leader *l, struct leader_stats *out);
void leader_stop(struct leader *l);
void leader_free(struct leader *l);

/*
 * The decision, pure (for tests): given the active sites (ascending), each
 * one's holder (0: free) and the live daemons' pids, which free sites `me`
 * should try to take and which of its own to let go. take/release hold at
 * least n entries; returns 0.
 */
int leader_decide(const int64_t *sites, const int *holder, int n, int me, const int *live,
                  int n_live, int64_t *take, int *n_take, int64_t *release, int *n_release);

#endif
