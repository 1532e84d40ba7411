/* SPDX-License-Identifier: ISC */
/*
 * db.c — the daemon's one PostgreSQL connection, driven by libpq in
 * non-blocking mode on the loop thread (see include/db.h).
 *
 * It owns the PGconn, the one uv_poll_t watching libpq's socket, the reconnect
 * timer and the FIFO of queries. Use: db_start() once, db_exec() whenever
 * db_connected() (each query's callback runs exactly once, later, on the loop),
 * and db_stop() at shutdown; on_closed then says every handle is closed and the
 * struct db is gone, so uv_loop_close() can succeed. No callback ever runs
 * synchronously inside a db_* call, and after db_stop() only the pending
 * queries' callbacks (status -ECANCELED) and on_closed run. A NULL or empty
 * listen channel means no LISTEN.
 *
 * Nothing here blocks: no PQexec, PQconnectdb, or PQgetResult while
 * PQisBusy(). PQconnectStart resolves host names with getaddrinfo(), which can
 * stall; production should connect through a Unix socket or hostaddr=.
 * The conninfo may hold a password, so it is never logged.
 */
#include "db.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Reconnect backoff: 250 ms, doubling, at most 2 s. A change committed once
 * PostgreSQL is back must be planned within seconds; with a 30 s ceiling an
 * outage of more than a few seconds left it waiting up to 30 s for the next
 * attempt (found by the chaos run). An attempt at a server that is down costs
 * a refused connect; at the ceiling only one failure in DB_LOG_EVERY is logged.
 */
#define DB_BACKOFF_MIN_MS 250
#define DB_BACKOFF_MAX_MS 2000
#define DB_LOG_EVERY      15
/*
 * The session's guards, set once per connection with the LISTEN: a statement
 * waits at most 30 s for a lock (HR's open transaction must not hold planning
 * hostage), runs at most 10 minutes, and the server ends the session if it
 * ever sits in a transaction for 5 minutes. A query not answered within the
 * statement limit plus a minute (a silent network) counts as a lost
 * connection.
 */
#define DB_SESSION_GUARDS                                                                          \
    "SET lock_timeout = '30s'; SET statement_timeout = '10min';"                                   \
    " SET idle_in_transaction_session_timeout = '5min';"                                           \
    " SELECT set_config('application_name', 'staffd', false)"                                      \
    " WHERE current_setting('application_name') = ''"
#define DB_QUERY_DEADLINE_MS (11 * 60 * 1000)
#define DB_GUARD_EVERY_MS    1000
/* PostgreSQL's protocol counts parameters in 16 bits. */
#define DB_MAX_PARAMS 65535

enum db_state {
    DB_IDLE,       /* no connection: waiting for the reconnect timer */
    DB_CONNECTING, /* PQconnectPoll phase */
    DB_OPEN,       /* CONNECTION_OK; `connected` once LISTEN has succeeded */
};

struct db_query {
    struct db_query *next;
    char *sql;
    bool internal; /* the module's own (ROLLBACK): not counted as the caller's */
    int nparams;
    char **params; /* NULL entries are SQL NULLs */
    db_result_cb cb;
    void *arg;
};

struct db {
    uv_loop_t *loop;
    char *conninfo;
    char *channel; /* NULL: no LISTEN */
    struct db_callbacks cb;

    PGconn *conn;
    enum db_state state;
    bool connected; /* on_connected was called for this connection */
    bool stopping;

    /* The one poll handle on PQsocket(); heap-allocated because a closing
     * handle outlives its replacement (uv_close completes later). */
    uv_poll_t *poll;
    int poll_fd;
    int poll_events; /* what poll is started with, 0 when stopped */

    uv_timer_t timer; /* reconnect backoff */
    uint64_t backoff_ms;
    unsigned failed_attempts; /* connection attempts failed since the last success */
    uv_timer_t guard;         /* checks the running query's deadline */
    uint64_t sent_at_ms;      /* uv_now() when the running query was sent */
    struct db_stats stats;
    int open_handles; /* initialised handles whose close callback has not run */

    /* FIFO of queries; the head is running when `sent` is set. */
    struct db_query *head, *tail;
    bool sent;
    bool flushing;      /* PQflush returned 1: output still queued in libpq */
    PGresult **results; /* results of the running query so far */
    int nresults, results_cap;

    void (*on_closed)(void *arg);
    void *on_closed_arg;
};

static void db_on_poll(uv_poll_t *handle, int status, int events);
static void db_lost(struct db *db, const char *why);

/* A copy of msg without trailing whitespace (libpq ends messages with '\n'). */
static char *db_trim_dup(const char *msg)
{
    size_t len = msg ? strlen(msg) : 0;
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == ' ' || msg[len - 1] == '\t' ||
                       msg[len - 1] == '\r'))
        len--;
    char *out = malloc(len + 1);
    if (out) {
        if (len)
            memcpy(out, msg, len);
        out[len] = '\0';
    }
    return out;
}

static void db_query_free(struct db_query *q)
{
    if (!q)
        return;
    for (int i = 0; q->params && i < q->nparams; i++)
        free(q->params[i]);
    free(q->params);
    free(q->sql);
    free(q);
}

static struct db_query *db_query_new(const char *sql, int nparams, const char *const *params,
                                     db_result_cb cb, void *arg)
{
    struct db_query *q = calloc(1, sizeof *q);
    if (!q)
        return NULL;
    q->cb = cb;
    q->arg = arg;
    q->sql = strdup(sql);
    if (!q->sql)
        goto fail;
    if (nparams > 0) {
        q->params = calloc((size_t)nparams, sizeof *q->params);
        if (!q->params)
            goto fail;
        q->nparams = nparams;
        for (int i = 0; i < nparams; i++) {
            if (params[i] && !(q->params[i] = strdup(params[i])))
                goto fail;
        }
    }
    return q;
fail:
    db_query_free(q);
    return NULL;
}

static void db_results_clear(struct db *db)
{
    for (int i = 0; i < db->nresults; i++)
        PQclear(db->results[i]);
    free(db->results);
    db->results = NULL;
    db->nresults = db->results_cap = 0;
}

/* The connection `conn` is still the live one: no callback tore it down. */
static bool db_alive(const struct db *db, const PGconn *conn)
{
    return !db->stopping && db->conn == conn && conn != NULL;
}

static void db_on_handle_closed(struct db *db);

static void db_on_poll_closed(uv_handle_t *handle)
{
    struct db *db = handle->data;
    free(handle);
    db_on_handle_closed(db);
}

/* Closes the poll handle. Must come before anything that may close libpq's
 * socket (PQfinish): libuv must stop watching an fd before it is closed. */
static void db_poll_close(struct db *db)
{
    if (!db->poll)
        return;
    uv_close((uv_handle_t *)db->poll, db_on_poll_closed);
    db->poll = NULL;
    db->poll_fd = -1;
    db->poll_events = 0;
}

/*
 * Watches libpq's current socket for `events`. The socket can change between
 * connect steps; a different fd gets a new poll handle (libuv allows one per
 * fd). The same fd number may also be a new socket, which is safe because the
 * handle was stopped (removed from epoll) before libpq could close the old one.
 */
static int db_watch(struct db *db, int events)
{
    int fd = PQsocket(db->conn);
    int rc;

    if (fd < 0)
        return -EBADF;
    if (db->poll && db->poll_fd != fd)
        db_poll_close(db);
    if (!db->poll) {
        uv_poll_t *p = malloc(sizeof *p);
        if (!p)
            return -ENOMEM;
        rc = uv_poll_init_socket(db->loop, p, fd);
        if (rc < 0) {
            free(p);
            return rc;
        }
        p->data = db;
        db->open_handles++;
        db->poll = p;
        db->poll_fd = fd;
        db->poll_events = 0;
    }
    if (db->poll_events == events)
        return 0;
    rc = uv_poll_start(db->poll, events, db_on_poll);
    if (rc < 0)
        return rc;
    db->poll_events = events;
    return 0;
}

/* Stops watching without closing: libpq may close the socket next. */
static void db_unwatch(struct db *db)
{
    if (db->poll && db->poll_events) {
        uv_poll_stop(db->poll);
        db->poll_events = 0;
    }
}

/* Drops the connection and its handle; calls nothing. */
static void db_teardown(struct db *db)
{
    db_poll_close(db);
    if (db->conn) {
        /* Sends Terminate only on an established connection, and that
         * connection is non-blocking by then, so this does not wait. */
        PQfinish(db->conn);
        db->conn = NULL;
    }
    db_results_clear(db);
    db->sent = false;
    db->flushing = false;
    db->connected = false;
    db->state = DB_IDLE;
}

/* Fails every queued query, the running one first. Callbacks may call db_exec
 * (refused: not connected) or db_stop, so the list is detached first. */
static void db_fail_queries(struct db *db, int status, const char *msg)
{
    struct db_query *q = db->head;
    db->head = db->tail = NULL;
    db->sent = false;
    while (q) {
        struct db_query *next = q->next;
        q->cb(q->arg, status, NULL, 0, msg);
        db_query_free(q);
        q = next;
    }
}

static void db_on_timer(uv_timer_t *timer);

/*
 * The connection failed or was lost: fail the queries, tell the owner if it
 * had been connected, and try again after the backoff.
 */
static void db_lost(struct db *db, const char *why)
{
    bool was_connected = db->connected;
    /* `why` often points into the PGconn that teardown frees. */
    char *msg = db_trim_dup(why && *why ? why : "unknown error");
    const char *text = msg ? msg : "connection failed";
    uint64_t delay = db->backoff_ms;

    db_teardown(db);
    if (was_connected) {
        db->failed_attempts = 0;
        log_warn("db: connection lost: %s; reconnecting in %llu ms", text,
                 (unsigned long long)delay);
    } else if (++db->failed_attempts % DB_LOG_EVERY == 0 || delay < DB_BACKOFF_MAX_MS) {
        log_warn("db: cannot connect (attempt %u): %s; retrying in %llu ms", db->failed_attempts,
                 text, (unsigned long long)delay);
    }
    db_fail_queries(db, -ECONNRESET, text);
    free(msg);
    if (db->stopping)
        return;
    if (was_connected && db->cb.on_disconnected) {
        db->cb.on_disconnected(db->cb.ctx);
        if (db->stopping)
            return;
    }
    uv_timer_start(&db->timer, db_on_timer, delay, 0);
    db->backoff_ms = delay * 2 > DB_BACKOFF_MAX_MS ? DB_BACKOFF_MAX_MS : delay * 2;
}

static void db_on_notice(void *arg, const char *message)
{
    (void)arg;
    size_t len = strlen(message);
    while (len > 0 && message[len - 1] == '\n')
        len--;
    log_notice("db: server: %.*s", (int)len, message);
}

static void db_connect(struct db *db)
{
    db->conn = PQconnectStart(db->conninfo);
    if (!db->conn) {
        db_lost(db, "out of memory");
        return;
    }
    PQsetNoticeProcessor(db->conn, db_on_notice, db);
    if (PQstatus(db->conn) == CONNECTION_BAD) {
        db_lost(db, PQerrorMessage(db->conn));
        return;
    }
    db->state = DB_CONNECTING;
    /* Before the first PQconnectPoll, libpq says to wait for writable. */
    int rc = db_watch(db, UV_WRITABLE);
    if (rc < 0)
        db_lost(db, uv_strerror(rc));
}

static void db_on_timer(uv_timer_t *timer)
{
    struct db *db = timer->data;
    if (!db->stopping && !db->conn)
        db_connect(db);
}

static void db_ready(struct db *db)
{
    db->connected = true;
    db->backoff_ms = DB_BACKOFF_MIN_MS;
    db->failed_attempts = 0;
    const char *host = PQhost(db->conn);
    const char *name = PQdb(db->conn);
    log_info("db: connected to database %s on %s", name ? name : "?", host ? host : "?");
    if (db->cb.on_connected)
        db->cb.on_connected(db->cb.ctx);
}

static void db_listen_done(void *arg, int status, PGresult **results, int n, const char *error)
{
    struct db *db = arg;
    (void)results;
    (void)n;
    if (status == 0)
        db_ready(db);
    else if (status == -EIO) /* e.g. a hot standby refuses LISTEN: retry later */
        db_lost(db, error);
    /* Other failures come from db_lost/db_stop, which handle the connection. */
}

static int db_results_push(struct db *db, PGresult *res)
{
    if (util_grow((void **)&db->results, &db->results_cap, db->nresults + 1, sizeof *db->results) <
        0)
        return -ENOMEM;
    db->results[db->nresults++] = res;
    return 0;
}

static void db_rollback_done(void *arg, int status, PGresult **results, int n, const char *error)
{
    struct db *db = arg;
    (void)results;
    (void)n;
    if (status == -EIO)
        db_lost(db, error); /* a session that cannot roll back is not one to keep */
}

/*
 * Every query the daemon sends is a whole transaction (or none). One that ends
 * inside a transaction, usually an aborted one (a statement of a BEGIN ...
 * COMMIT string failed, or was cancelled), would leave the session deaf: an
 * aborted transaction refuses every later statement, and notifications wait
 * until it ends. So the module rolls it back before anything else is sent.
 */
static void db_after_query(struct db *db)
{
    PGTransactionStatusType ts = PQtransactionStatus(db->conn);
    if (ts != PQTRANS_INTRANS && ts != PQTRANS_INERROR)
        return;
    struct db_query *q = db_query_new("ROLLBACK", 0, NULL, db_rollback_done, db);
    if (q == NULL) {
        db_lost(db, "out of memory");
        return;
    }
    q->internal = true;
    db->stats.rollbacks++;
    log_warn("db: a query left the session %s; rolling it back",
             ts == PQTRANS_INERROR ? "in a failed transaction" : "inside a transaction");
    q->next = db->head;
    db->head = q;
    if (!db->tail)
        db->tail = q;
}

/* The running query got its last result: hand the results to its callback. */
static void db_complete(struct db *db)
{
    struct db_query *q = db->head;
    PGresult **results = db->results;
    int n = db->nresults;
    int status = 0;
    char *error = NULL;

    db->head = q->next;
    if (!db->head)
        db->tail = NULL;
    db->sent = false;
    db->results = NULL;
    db->nresults = db->results_cap = 0;

    for (int i = 0; i < n && status == 0; i++) {
        ExecStatusType st = PQresultStatus(results[i]);
        if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE) {
            status = -EIO;
            error = db_trim_dup(PQresultErrorMessage(results[i]));
        }
    }
    if (status < 0 && !q->internal)
        db->stats.failed_queries++;
    /* Before the callback, which may queue the next query. */
    PGconn *conn = db->conn;
    db_after_query(db);
    if (db_alive(db, conn))
        q->cb(q->arg, status, results, n, status ? (error ? error : "query failed") : NULL);
    else
        q->cb(q->arg, -ECONNRESET, NULL, 0, "connection lost");
    for (int i = 0; i < n; i++)
        PQclear(results[i]);
    free(results);
    free(error);
    db_query_free(q);
}

/* Sends the head of the queue. Returns false if the connection was dropped. */
static bool db_send(struct db *db)
{
    struct db_query *q = db->head;
    int ok;

    if (q->nparams > 0)
        ok = PQsendQueryParams(db->conn, q->sql, q->nparams, NULL, (const char *const *)q->params,
                               NULL, NULL, 0);
    else
        ok = PQsendQuery(db->conn, q->sql);
    if (!ok) {
        /* Arguments were checked in db_exec, so this is a dead connection or
         * no memory; a half-written message must not stay on the wire. */
        db_lost(db, PQerrorMessage(db->conn));
        return false;
    }
    db->sent = true;
    db->flushing = true;
    db->sent_at_ms = uv_now(db->loop);
    return true;
}

/* Delivers the notifications libpq has parsed. False if the connection went. */
static bool db_notifies(struct db *db)
{
    PGconn *conn = db->conn;
    PGnotify *n;
    while (db_alive(db, conn) && (n = PQnotifies(conn)) != NULL) {
        if (db->cb.on_notify)
            db->cb.on_notify(db->cb.ctx, n->relname, n->extra);
        PQfreemem(n);
    }
    return db_alive(db, conn);
}

/*
 * Moves an open connection forward as far as it can go without waiting: send
 * the next query, flush, read results while libpq has whole ones, deliver
 * them, repeat; then watch for what is needed next (writable only while
 * output is queued).
 */
static void db_pump(struct db *db)
{
    PGconn *conn = db->conn;
    int rc;

    for (;;) {
        if (!db->sent && db->head && !db_send(db))
            return;
        if (db->flushing) {
            rc = PQflush(conn);
            if (rc < 0) {
                db_lost(db, PQerrorMessage(conn));
                return;
            }
            db->flushing = rc == 1;
        }
        if (PQstatus(conn) == CONNECTION_BAD) {
            db_lost(db, PQerrorMessage(conn));
            return;
        }
        if (!db_notifies(db))
            return;
        /* A notification handler may have queued a query: send it now, or the
         * watch below (readable only) would leave it waiting for other input. */
        if (!db->sent && db->head)
            continue;
        if (!db->sent || PQisBusy(conn))
            break;
        PGresult *res = PQgetResult(conn);
        if (res) {
            ExecStatusType st = PQresultStatus(res);
            if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
                PQclear(res);
                db_lost(db, "COPY is not supported by db_exec");
                return;
            }
            if (db_results_push(db, res) < 0) {
                PQclear(res);
                db_lost(db, "out of memory");
                return;
            }
            continue;
        }
        db_complete(db);
        if (!db_alive(db, conn))
            return;
    }
    rc = db_watch(db, UV_READABLE | (db->flushing ? UV_WRITABLE : 0));
    if (rc < 0)
        db_lost(db, uv_strerror(rc));
}

/* The connection is up: make it non-blocking and LISTEN before reporting it. */
static void db_opened(struct db *db)
{
    if (PQsetnonblocking(db->conn, 1) != 0) {
        db_lost(db, PQerrorMessage(db->conn));
        return;
    }
    db->state = DB_OPEN;
    if (!db->channel) {
        struct db_query *g = db_query_new(DB_SESSION_GUARDS, 0, NULL, db_listen_done, db);
        if (!g) {
            db_lost(db, "out of memory");
            return;
        }
        g->internal = true;
        db->head = db->tail = g;
        db_pump(db);
        return;
    }

    char *ident = PQescapeIdentifier(db->conn, db->channel, strlen(db->channel));
    if (!ident) {
        db_lost(db, PQerrorMessage(db->conn));
        return;
    }
    size_t len = strlen(DB_SESSION_GUARDS) + strlen("; LISTEN ") + strlen(ident) + 1;
    char *sql = malloc(len);
    struct db_query *q = NULL;
    if (sql) {
        snprintf(sql, len, "%s; LISTEN %s", DB_SESSION_GUARDS, ident);
        q = db_query_new(sql, 0, NULL, db_listen_done, db);
        if (q)
            q->internal = true;
    }
    free(sql);
    PQfreemem(ident);
    if (!q) {
        db_lost(db, "out of memory");
        return;
    }
    /* The queue is empty here: queries are refused until connected. */
    q->next = db->head;
    db->head = q;
    if (!db->tail)
        db->tail = q;
    db_pump(db);
}

static void db_connect_step(struct db *db)
{
    int rc;

    /* libpq may close the socket and open another one (next host or
     * address): libuv must not be watching an fd that gets closed. */
    db_unwatch(db);
    switch (PQconnectPoll(db->conn)) {
    case PGRES_POLLING_READING:
        rc = db_watch(db, UV_READABLE);
        break;
    case PGRES_POLLING_WRITING:
        rc = db_watch(db, UV_WRITABLE);
        break;
    case PGRES_POLLING_OK:
        db_opened(db);
        return;
    default:
        db_lost(db, PQerrorMessage(db->conn));
        return;
    }
    if (rc < 0)
        db_lost(db, uv_strerror(rc));
}

static void db_on_poll(uv_poll_t *handle, int status, int events)
{
    struct db *db = handle->data;

    if (handle != db->poll || !db->conn)
        return;
    if (status < 0) {
        /* libuv reports a socket error (POLLERR, e.g. a refused connect) as
         * UV_EBADF and stops the handle. libpq must see the error itself: it
         * then names the real cause, and while connecting it moves on to the
         * next address or host. */
        db->poll_events = 0;
        events = UV_READABLE;
    }
    if (db->state == DB_CONNECTING) {
        db_connect_step(db);
        return;
    }
    /* On EOF libpq closes the socket inside PQconsumeInput; db_lost then
     * closes the handle at once, before any new fd can be registered. */
    if ((events & UV_READABLE) && !PQconsumeInput(db->conn)) {
        db_lost(db, PQerrorMessage(db->conn));
        return;
    }
    if (status < 0) {
        db_lost(db, uv_strerror(status));
        return;
    }
    db_pump(db);
}

static void db_finish_stop(struct db *db)
{
    void (*on_closed)(void *) = db->on_closed;
    void *arg = db->on_closed_arg;

    db_fail_queries(db, -ECANCELED, "database connection closed");
    free(db->conninfo);
    free(db->channel);
    free(db);
    if (on_closed)
        on_closed(arg);
}

static void db_on_handle_closed(struct db *db)
{
    db->open_handles--;
    if (db->stopping && db->open_handles == 0)
        db_finish_stop(db);
}

static void db_on_timer_closed(uv_handle_t *handle)
{
    db_on_handle_closed(handle->data);
}

static void db_on_guard(uv_timer_t *timer)
{
    struct db *db = timer->data;
    if (db->stopping || !db->conn || !db->sent)
        return;
    if (uv_now(db->loop) - db->sent_at_ms >= DB_QUERY_DEADLINE_MS) {
        db->stats.deadlines++;
        db_lost(db, "a query got no answer within its deadline");
    }
}

int db_start(uv_loop_t *loop, const char *conninfo, const char *listen_channel,
             const struct db_callbacks *cb, struct db **out)
{
    PQconninfoOption *opts = NULL;
    char *err = NULL;
    struct db *db = NULL;
    int rc;

    if (!loop || !out) {
        rc = -EINVAL;
        goto out;
    }
    *out = NULL;
    if (!conninfo)
        conninfo = "";
    /* Refuse a malformed string now rather than retrying it forever. libpq's
     * message may quote part of the string, so it is not logged. */
    opts = PQconninfoParse(conninfo, &err);
    if (!opts) {
        rc = err ? -EINVAL : -ENOMEM;
        if (err)
            log_err("db: invalid connection string (not shown: it may hold a password)");
        goto out;
    }
    db = calloc(1, sizeof *db);
    if (!db) {
        rc = -ENOMEM;
        goto out;
    }
    db->loop = loop;
    db->poll_fd = -1;
    db->backoff_ms = DB_BACKOFF_MIN_MS;
    if (cb)
        db->cb = *cb;
    db->conninfo = strdup(conninfo);
    if (listen_channel && *listen_channel)
        db->channel = strdup(listen_channel);
    if (!db->conninfo || (listen_channel && *listen_channel && !db->channel)) {
        rc = -ENOMEM;
        goto out;
    }
    /*
     * uv_timer_init() only links the handle into the loop and returns 0; were
     * that ever to change, a half-made struct db could not be freed here (an
     * initialised handle must be closed first), so fail before the first.
     */
    rc = uv_timer_init(loop, &db->timer);
    if (rc < 0)
        goto out;
    db->timer.data = db;
    (void)uv_timer_init(loop, &db->guard);
    db->guard.data = db;
    db->open_handles = 2;
    uv_timer_start(&db->guard, db_on_guard, DB_GUARD_EVERY_MS, DB_GUARD_EVERY_MS);

    db_connect(db);
    *out = db;
    db = NULL;
    rc = 0;
out:
    if (db) {
        free(db->conninfo);
        free(db->channel);
        free(db);
    }
    PQconninfoFree(opts);
    PQfreemem(err);
    return rc;
}

bool db_connected(const struct db *db)
{
    return db && db->connected && !db->stopping;
}

void db_get_stats(const struct db *db, struct db_stats *out)
{
    *out = db->stats;
    out->busy_ms = db->sent && db->conn ? uv_now(db->loop) - db->sent_at_ms : 0;
    out->in_transaction = false;
    if (db->conn && db->state == DB_OPEN) {
        PGTransactionStatusType ts = PQtransactionStatus(db->conn);
        out->in_transaction = ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR;
    }
}

int db_exec(struct db *db, const char *sql, int nparams, const char *const *params, db_result_cb cb,
            void *arg)
{
    struct db_query *q;
    int rc;

    if (!db || !sql || !cb || nparams < 0 || nparams > DB_MAX_PARAMS || (nparams > 0 && !params))
        return -EINVAL;
    if (!db_connected(db))
        return -ENOTCONN;
    q = db_query_new(sql, nparams, params, cb, arg);
    if (!q)
        return -ENOMEM;
    /* Sending waits for the next poll callback (the socket is writable at
     * once), so the callback can never run before db_exec returns. */
    if (!db->sent) {
        rc = db_watch(db, UV_READABLE | UV_WRITABLE);
        if (rc < 0) {
            db_query_free(q);
            return rc;
        }
    }
    if (db->tail)
        db->tail->next = q;
    else
        db->head = q;
    db->tail = q;
    return 0;
}

void db_stop(struct db *db, void (*on_closed)(void *arg), void *arg)
{
    if (!db || db->stopping)
        return;
    db->stopping = true;
    db->on_closed = on_closed;
    db->on_closed_arg = arg;
    uv_timer_stop(&db->timer);
    uv_close((uv_handle_t *)&db->timer, db_on_timer_closed);
    uv_timer_stop(&db->guard);
    uv_close((uv_handle_t *)&db->guard, db_on_timer_closed);
    db_teardown(db);
    /* The queries fail in db_finish_stop, from a close callback, so that no
     * callback runs inside db_stop itself. */
}
