/* SPDX-License-Identifier: ISC */
/*
 * daemon.h — `staffd run`: the event loop that ties the modules together.
 *
 * One libuv loop owns the database connection (db.c), the HTTP server
 * (http.c) and the feed cache (feeds.c). Change notifications are coalesced
 * by a debounce timer into planning runs; each run reads a snapshot, plans
 * on the thread pool (load.c, plan.c, publish.c, store.c), lands in one
 * statement and re-renders the feeds that changed, also on the pool. Signals:
 * SIGHUP reloads the configuration (a bad file keeps the old one), SIGTERM and
 * SIGINT stop cleanly, abandoning a run in progress. systemd is told READY,
 * STATUS, WATCHDOG and STOPPING when NOTIFY_SOCKET is set.
 */
#ifndef STAFFD_DAEMON_H
#define STAFFD_DAEMON_H

#include "util.h"

/* Runs until stopped by a signal. Returns the process exit status. */
int daemon_run(const char *config_path) STAFFD_MUSTCHECK;

#endif
