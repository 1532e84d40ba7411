/* SPDX-License-Identifier: ISC */
/*
 * db.h — the daemon's one PostgreSQL connection, driven without blocking.
 *
 * libpq runs in non-blocking mode on exactly one uv_poll_t (PQconnectStart /
 * PQconnectPoll, PQsendQuery[Params], PQflush, PQconsumeInput); the socket is
 * re-read with PQsocket() after every connect step and the poll handle is
 * re-created when it changes. After each (re)connect the module LISTENs on the
 * configured channel and calls on_connected. When the server goes away, queued
 * and running queries fail (their callback gets status < 0), on_disconnected
 * runs, and the module reconnects with exponential backoff (250 ms .. 30 s).
 *
 * Queries run one at a time in submission order. Only the loop thread may call
 * these functions.
 *
 * The session can never stay inside a transaction: a query that ends in one
 * (an error inside BEGIN ... COMMIT, a cancelled statement) is rolled back by
 * the module before anything else is sent. Every session waits at most 30 s
 * for a lock and runs a statement at most 10 minutes; a query without an
 * answer for 11 minutes drops the connection (and a reconnect follows).
 */
#ifndef STAFFD_DB_H
#define STAFFD_DB_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <uv.h>

#include "util.h"

struct db;

/*
 * What the module has seen, for /healthz and /metrics. Counters run from
 * db_start(); the rest is the state now.
 */
struct db_stats {
    unsigned long long rollbacks;      /* queries that left a transaction open, rolled back */
    unsigned long long failed_queries; /* callers' queries that ended in an error */
    unsigned long long deadlines;      /* queries with no answer in time: connection dropped */
    unsigned long long busy_ms;        /* how long the running query has been out, 0 if none */
    bool in_transaction;               /* the session is inside a transaction between queries */
};

struct db_callbacks {
    void *ctx;
    void (*on_connected)(void *ctx);
    void (*on_disconnected)(void *ctx);
    void (*on_notify)(void *ctx, const char *channel, const char *payload);
};

/*
 * Called once per query on the loop thread. status is 0 when every statement
 * succeeded, else negative with `error` saying why (PostgreSQL's message).
 * results[0..n-1] are the PGresults in order (one per statement of a
 * multi-statement query); the db module PQclear()s them after the callback
 * returns unless the callback set the slot to NULL to keep it.
 */
typedef void (*db_result_cb)(void *arg, int status, PGresult **results, int n, const char *error);

/* Starts connecting at once. conninfo may be "" (libpq's environment). */
int db_start(uv_loop_t *loop, const char *conninfo, const char *listen_channel,
             const struct db_callbacks *cb, struct db **out) STAFFD_MUSTCHECK;
bool db_connected(const struct db *db);
void db_get_stats(const struct db *db, struct db_stats *out);
/*
 * Queues a query. With nparams == 0 the text may hold several statements
 * (PQsendQuery); otherwise it is one statement with text parameters
 * (PQsendQueryParams; NULL means SQL NULL). Strings are copied. Returns 0, or
 * -ENOTCONN when not connected (cb is then not called).
 */
int db_exec(struct db *db, const char *sql, int nparams, const char *const *params, db_result_cb cb,
            void *arg) STAFFD_MUSTCHECK;
/* Disconnects and closes the poll/timer handles; queued queries fail; then on_closed(arg). */
void db_stop(struct db *db, void (*on_closed)(void *arg), void *arg);

#endif
