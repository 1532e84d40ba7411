/* SPDX-License-Identifier: ISC */
/*
 * test_db.c — daemon/db.c against a real PostgreSQL (no mocks).
 *
 * The server comes from libpq's environment (PGHOST, PGPORT, ...), which
 * `make check` sets up with tools/pg.sh. Every test runs its own uv loop with
 * a watchdog timer, so a bug fails the test instead of hanging it, and ends by
 * asserting that uv_loop_close() succeeds (no handle leaked).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "db.h"
#include "log.h"
#include "testutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TIMEOUT   10000 /* ms per wait */
#define MAX_RES   8
#define MAX_QUERY 32

/*
 * The LISTEN channel needs quoting (space, quote, capitals) and is unique per
 * process, so that test runs sharing one server do not see each other's
 * notifications.
 */
static char test_channel[64];
static char test_channel_quoted[80];

struct fx;

struct q {
    struct fx *fx;
    bool done;
    int status;
    int n;
    int order; /* completion order, from 0 */
    PGresult *res[MAX_RES];
    char error[1024];
};

struct fx {
    uv_loop_t loop;
    uv_timer_t watchdog;
    bool timed_out;
    struct db *db;
    int connected;
    int disconnected;
    int closed;
    int completed;
    int notifies;
    char channel[128];
    char payload[128];
    /* what on_disconnected saw, to check its order against the queries */
    int completed_at_disconnect;
    int query_on_notify; /* > 0: on_notify queues query slot q[query_on_notify] */
    struct q q[MAX_QUERY];
};

static void fx_exec(struct fx *fx, int i, const char *sql, int nparams, const char *const *params);

static void on_connected(void *ctx)
{
    struct fx *fx = ctx;
    fx->connected++;
}

static void on_disconnected(void *ctx)
{
    struct fx *fx = ctx;
    fx->disconnected++;
    fx->completed_at_disconnect = fx->completed;
}

static void on_notify(void *ctx, const char *channel, const char *payload)
{
    struct fx *fx = ctx;
    fx->notifies++;
    snprintf(fx->channel, sizeof fx->channel, "%s", channel);
    snprintf(fx->payload, sizeof fx->payload, "%s", payload);
    if (fx->query_on_notify > 0)
        fx_exec(fx, fx->query_on_notify, "SELECT 'queued from on_notify'", 0, NULL);
}

static void on_closed(void *arg)
{
    struct fx *fx = arg;
    fx->closed++;
    fx->db = NULL;
}

/* Keeps the results (slots set to NULL) so the test can look at them. */
static void q_cb(void *arg, int status, PGresult **results, int n, const char *error)
{
    struct q *q = arg;
    assert_false(q->done);
    q->done = true;
    q->status = status;
    q->n = n;
    q->order = q->fx->completed++;
    for (int i = 0; i < n && i < MAX_RES; i++) {
        q->res[i] = results[i];
        results[i] = NULL;
    }
    if (status < 0)
        assert_non_null(error);
    else
        assert_null(error);
    snprintf(q->error, sizeof q->error, "%s", error ? error : "");
}

static void on_watchdog(uv_timer_t *t)
{
    struct fx *fx = t->data;
    fx->timed_out = true;
}

/* Runs the loop until *counter >= want, or fails after `ms`. */
static void run_until(struct fx *fx, const int *counter, int want, uint64_t ms)
{
    fx->timed_out = false;
    uv_timer_start(&fx->watchdog, on_watchdog, ms, 0);
    while (*counter < want && !fx->timed_out)
        uv_run(&fx->loop, UV_RUN_ONCE);
    uv_timer_stop(&fx->watchdog);
    if (*counter < want)
        fail_msg("timed out after %llu ms waiting for %d events (have %d)", (unsigned long long)ms,
                 want, *counter);
}

/* Runs the loop for `ms` regardless (to see that nothing more happens). */
static void run_for(struct fx *fx, uint64_t ms)
{
    fx->timed_out = false;
    uv_timer_start(&fx->watchdog, on_watchdog, ms, 0);
    while (!fx->timed_out)
        uv_run(&fx->loop, UV_RUN_ONCE);
    uv_timer_stop(&fx->watchdog);
}

static struct fx *fx_new(void)
{
    struct fx *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(uv_loop_init(&fx->loop), 0);
    assert_int_equal(uv_timer_init(&fx->loop, &fx->watchdog), 0);
    fx->watchdog.data = fx;
    for (int i = 0; i < MAX_QUERY; i++)
        fx->q[i].fx = fx;
    return fx;
}

static void fx_start(struct fx *fx, const char *conninfo)
{
    struct db_callbacks cb = {
        .ctx = fx,
        .on_connected = on_connected,
        .on_disconnected = on_disconnected,
        .on_notify = on_notify,
    };
    assert_int_equal(db_start(&fx->loop, conninfo, test_channel, &cb, &fx->db), 0);
    assert_non_null(fx->db);
}

static void fx_connect(struct fx *fx)
{
    fx_start(fx, "");
    run_until(fx, &fx->connected, 1, TIMEOUT);
    assert_true(db_connected(fx->db));
}

static void fx_exec(struct fx *fx, int i, const char *sql, int nparams, const char *const *params)
{
    assert_int_equal(db_exec(fx->db, sql, nparams, params, q_cb, &fx->q[i]), 0);
}

/* Stops the db (if running), closes the loop, and checks nothing leaked. */
static void fx_free(struct fx *fx)
{
    if (fx->db) {
        db_stop(fx->db, on_closed, fx);
        run_until(fx, &fx->closed, 1, TIMEOUT);
    }
    assert_int_equal(fx->closed, 1);
    assert_null(fx->db);
    uv_close((uv_handle_t *)&fx->watchdog, NULL);
    assert_int_equal(uv_run(&fx->loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(uv_loop_close(&fx->loop), 0);
    for (int i = 0; i < MAX_QUERY; i++)
        for (int j = 0; j < MAX_RES; j++)
            PQclear(fx->q[i].res[j]);
    free(fx);
}

static const char *val(const struct q *q, int res, int row, int col)
{
    assert_lt(res, q->n);
    assert_non_null(q->res[res]);
    assert_int_equal(PQresultStatus(q->res[res]), PGRES_TUPLES_OK);
    assert_lt(row, PQntuples(q->res[res]));
    return PQgetvalue(q->res[res], row, col);
}

static void test_connect(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    assert_int_equal(fx->connected, 1);
    assert_int_equal(fx->disconnected, 0);
    fx_free(fx);
}

static void test_multi_statement(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    fx_exec(fx, 0, "SELECT 1 AS a; SELECT 'two' AS b; CREATE TEMP TABLE t (x int); SELECT 3", 0,
            NULL);
    run_until(fx, &fx->completed, 1, TIMEOUT);
    struct q *q = &fx->q[0];
    assert_int_equal(q->status, 0);
    assert_int_equal(q->n, 4);
    assert_string_equal(val(q, 0, 0, 0), "1");
    assert_string_equal(PQfname(q->res[0], 0), "a");
    assert_string_equal(val(q, 1, 0, 0), "two");
    assert_int_equal(PQresultStatus(q->res[2]), PGRES_COMMAND_OK);
    assert_string_equal(PQcmdStatus(q->res[2]), "CREATE TABLE");
    assert_string_equal(val(q, 3, 0, 0), "3");
    fx_free(fx);
}

static void test_params(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    const char *params[] = {"it's \"quoted\" \\ back; DROP TABLE x; --", NULL, "", "åäö €"};
    fx_exec(fx, 0, "SELECT $1::text, $2::text IS NULL, $2::text, $3::text, $4::text", 4, params);
    run_until(fx, &fx->completed, 1, TIMEOUT);
    struct q *q = &fx->q[0];
    assert_int_equal(q->status, 0);
    assert_int_equal(q->n, 1);
    assert_string_equal(val(q, 0, 0, 0), params[0]);
    assert_string_equal(val(q, 0, 0, 1), "t");
    assert_true(PQgetisnull(q->res[0], 0, 2));
    assert_false(PQgetisnull(q->res[0], 0, 3));
    assert_string_equal(val(q, 0, 0, 3), "");
    assert_string_equal(val(q, 0, 0, 4), params[3]);
    fx_free(fx);
}

static void test_query_error(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    fx_exec(fx, 0, "SELECT 1/0", 0, NULL);
    fx_exec(fx, 1, "SELECT 1; SELECT * FROM no_such_table; SELECT 3", 0, NULL);
    fx_exec(fx, 2, "SELECT 42", 0, NULL);
    run_until(fx, &fx->completed, 3, TIMEOUT);
    assert_int_equal(fx->q[0].status, -EIO);
    assert_non_null(strstr(fx->q[0].error, "division by zero"));
    assert_int_not_equal(fx->q[0].error[strlen(fx->q[0].error) - 1], '\n');
    /* The statements before the error ran and are reported; none after. */
    assert_int_equal(fx->q[1].status, -EIO);
    assert_non_null(strstr(fx->q[1].error, "no_such_table"));
    assert_int_equal(fx->q[1].n, 2);
    assert_string_equal(val(&fx->q[1], 0, 0, 0), "1");
    assert_int_equal(PQresultStatus(fx->q[1].res[1]), PGRES_FATAL_ERROR);
    assert_int_equal(fx->q[2].status, 0);
    assert_string_equal(val(&fx->q[2], 0, 0, 0), "42");
    assert_int_equal(fx->disconnected, 0);
    assert_int_equal(fx->connected, 1);
    fx_free(fx);
}

/*
 * The snapshot's shape: BEGIN ...; a statement that fails; COMMIT, as one
 * string. The failed statement leaves the session in an aborted transaction;
 * the module must roll it back, so that the next query runs and notifications
 * from other sessions still arrive (they wait for the transaction to end).
 */
static void test_failed_transaction_rolled_back(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    fx_exec(fx, 0,
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1;"
            " SELECT 'infinity'::timestamptz::date - date '2000-01-01'; SELECT 2; COMMIT",
            0, NULL);
    fx_exec(fx, 1, "SELECT 'after', current_setting('transaction_isolation')", 0, NULL);
    run_until(fx, &fx->completed, 2, TIMEOUT);
    assert_int_equal(fx->q[0].status, -EIO);
    assert_int_equal(fx->q[1].status, 0);
    assert_string_equal(val(&fx->q[1], 0, 0, 0), "after");
    /* Outside any transaction: the default isolation, not the snapshot's. */
    assert_string_equal(val(&fx->q[1], 0, 0, 1), "read committed");
    struct db_stats st;
    db_get_stats(fx->db, &st);
    assert_int_equal(st.rollbacks, 1);
    assert_false(st.in_transaction);

    PGconn *other = PQconnectdb("");
    assert_int_equal(PQstatus(other), CONNECTION_OK);
    const char *params[] = {test_channel, "heard"};
    PGresult *r = PQexecParams(other, "SELECT pg_notify($1, $2)", 2, NULL, params, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
    run_until(fx, &fx->notifies, 1, TIMEOUT);
    assert_string_equal(fx->payload, "heard");

    /* A query cancelled from elsewhere (pg_cancel_backend) while it waits. */
    fx_exec(fx, 2, "BEGIN; SELECT pg_sleep(30); COMMIT", 0, NULL);
    run_for(fx, 300);
    r = PQexec(other,
               "SELECT pg_cancel_backend(pid) FROM pg_stat_activity"
               " WHERE query LIKE 'BEGIN; SELECT pg_sleep(30)%' AND pid <> pg_backend_pid()");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    assert_int_equal(PQntuples(r), 1);
    PQclear(r);
    fx_exec(fx, 3, "SELECT 'still usable'", 0, NULL);
    run_until(fx, &fx->completed, 4, TIMEOUT);
    assert_int_equal(fx->q[2].status, -EIO);
    assert_non_null(strstr(fx->q[2].error, "cancel"));
    assert_int_equal(fx->q[3].status, 0);
    assert_string_equal(val(&fx->q[3], 0, 0, 0), "still usable");
    db_get_stats(fx->db, &st);
    assert_int_equal(st.rollbacks, 2);
    assert_int_equal(fx->disconnected, 0);
    PQfinish(other);
    fx_free(fx);
}

static void test_notify(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    const char *params[] = {test_channel, "payload 'x'"};
    fx_exec(fx, 0, "SELECT pg_notify($1, $2)", 2, params);
    char sql[128];
    snprintf(sql, sizeof sql, "NOTIFY %s, 'second'", test_channel_quoted);
    fx_exec(fx, 1, sql, 0, NULL);
    fx_exec(fx, 2, "NOTIFY other_channel, 'not for us'", 0, NULL);
    run_until(fx, &fx->completed, 3, TIMEOUT);
    run_until(fx, &fx->notifies, 2, TIMEOUT);
    assert_int_equal(fx->q[0].status, 0);
    assert_int_equal(fx->q[1].status, 0);
    assert_string_equal(fx->channel, test_channel);
    assert_string_equal(fx->payload, "second");
    run_for(fx, 100);
    assert_int_equal(fx->notifies, 2);
    fx_free(fx);
}

/*
 * A handler that queues a query when a notification arrives on an idle
 * connection (what the daemon does): the query must go out at once, not wait
 * for unrelated traffic on the socket. The notification comes from another
 * session, so nothing else will ever wake our socket.
 */
static void test_query_from_notify_handler(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    fx->query_on_notify = 1;
    PGconn *other = PQconnectdb("");
    assert_int_equal(PQstatus(other), CONNECTION_OK);
    const char *params[] = {test_channel, "from elsewhere"};
    PGresult *r = PQexecParams(other, "SELECT pg_notify($1, $2)", 2, NULL, params, NULL, NULL, 0);
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    PQclear(r);
    run_until(fx, &fx->notifies, 1, TIMEOUT);
    run_until(fx, &fx->completed, 1, 2000);
    assert_false(fx->timed_out);
    assert_int_equal(fx->q[1].status, 0);
    assert_string_equal(val(&fx->q[1], 0, 0, 0), "queued from on_notify");
    PQfinish(other);
    fx_free(fx);
}

static void test_fifo(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    char sql[64];
    /* The first is slow, so the rest really wait in the queue. */
    fx_exec(fx, 0, "SELECT 0, pg_sleep(0.2)", 0, NULL);
    for (int i = 1; i < 20; i++) {
        snprintf(sql, sizeof sql, "SELECT %d", i);
        fx_exec(fx, i, sql, 0, NULL);
    }
    run_until(fx, &fx->completed, 20, TIMEOUT);
    for (int i = 0; i < 20; i++) {
        char want[16];
        snprintf(want, sizeof want, "%d", i);
        assert_int_equal(fx->q[i].status, 0);
        assert_int_equal(fx->q[i].order, i);
        assert_string_equal(val(&fx->q[i], 0, 0, 0), want);
    }
    fx_free(fx);
}

static void test_not_connected(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_start(fx, "");
    assert_false(db_connected(fx->db));
    assert_int_equal(db_exec(fx->db, "SELECT 1", 0, NULL, q_cb, &fx->q[0]), -ENOTCONN);
    run_until(fx, &fx->connected, 1, TIMEOUT);
    assert_int_equal(db_exec(fx->db, "SELECT 1", -1, NULL, q_cb, &fx->q[0]), -EINVAL);
    assert_int_equal(db_exec(fx->db, "SELECT $1", 1, NULL, q_cb, &fx->q[0]), -EINVAL);
    run_for(fx, 50);
    assert_false(fx->q[0].done);
    fx_free(fx);
}

static void test_bad_conninfo(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    struct db *db = NULL;
    struct db_callbacks cb = {.ctx = fx};
    assert_int_equal(db_start(&fx->loop, "password=secret oops", NULL, &cb, &db), -EINVAL);
    assert_null(db);
    fx->closed = 1; /* nothing to stop */
    fx_free(fx);
}

/* A server that is not there: retries quietly, never connects, stops clean. */
static void test_unreachable(void **state)
{
    (void)state;
    const char *conninfo[] = {"port=1", "host=127.0.0.1 port=1"};
    for (int i = 0; i < 2; i++) {
        struct fx *fx = fx_new();
        fx_start(fx, conninfo[i]);
        run_for(fx, 900); /* 0, 250, 750 ms: three attempts */
        assert_int_equal(fx->connected, 0);
        assert_int_equal(fx->disconnected, 0);
        assert_false(db_connected(fx->db));
        fx_free(fx);
    }
}

/*
 * libpq closes a socket and opens another inside PQconnectPoll, usually with
 * the same fd number, so the poll handle must follow without libuv ever
 * watching a closed fd. First: the first host refuses (asynchronously, over
 * TCP: libuv reports POLLERR). Second: both hosts are primaries, so
 * prefer-standby rejects each healthy connection after asking, then goes
 * round again accepting any.
 */
static void test_multi_host(void **state)
{
    (void)state;
    const char *host = getenv("PGHOST");
    const char *port = getenv("PGPORT") ? getenv("PGPORT") : "5432";
    char conninfo[2][512];
    snprintf(conninfo[0], sizeof conninfo[0], "host='127.0.0.1,%s' port=1,%s", host, port);
    snprintf(conninfo[1], sizeof conninfo[1],
             "host='%s,%s' port=%s,%s target_session_attrs=prefer-standby", host, host, port, port);
    for (int i = 0; i < 2; i++) {
        struct fx *fx = fx_new();
        fx_start(fx, conninfo[i]);
        run_until(fx, &fx->connected, 1, TIMEOUT);
        fx_exec(fx, 0, "SELECT inet_server_port() IS NULL", 0, NULL); /* Unix socket */
        run_until(fx, &fx->completed, 1, TIMEOUT);
        assert_string_equal(val(&fx->q[0], 0, 0, 0), "t");
        fx_free(fx);
    }
}

static void test_terminate_reconnect(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    fx_exec(fx, 0, "SELECT pg_backend_pid()", 0, NULL);
    fx_exec(fx, 1, "SELECT pg_terminate_backend(pg_backend_pid())", 0, NULL);
    fx_exec(fx, 2, "SELECT 'queued behind'", 0, NULL);
    run_until(fx, &fx->disconnected, 1, TIMEOUT);
    assert_int_equal(fx->completed, 3);
    assert_int_equal(fx->completed_at_disconnect, 3);
    assert_int_equal(fx->q[0].status, 0);
    assert_lt(fx->q[1].status, 0);
    assert_lt(fx->q[2].status, 0);
    assert_int_equal(fx->q[2].status, -ECONNRESET);
    assert_gt(strlen(fx->q[1].error), 0);
    assert_false(db_connected(fx->db));
    assert_int_equal(db_exec(fx->db, "SELECT 1", 0, NULL, q_cb, &fx->q[3]), -ENOTCONN);

    run_until(fx, &fx->connected, 2, TIMEOUT);
    assert_true(db_connected(fx->db));
    const char *params[] = {test_channel, "after reconnect"};
    fx_exec(fx, 4, "SELECT pg_backend_pid()", 0, NULL);
    fx_exec(fx, 5, "SELECT pg_notify($1, $2)", 2, params);
    run_until(fx, &fx->notifies, 1, TIMEOUT);
    assert_string_equal(fx->payload, "after reconnect");
    assert_int_equal(fx->q[4].status, 0);
    assert_string_not_equal(val(&fx->q[4], 0, 0, 0), val(&fx->q[0], 0, 0, 0));
    assert_false(fx->q[3].done);
    fx_free(fx);
}

static void test_large_result(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    fx_exec(fx, 0, "SELECT i, repeat('x', 20) FROM generate_series(1, 200000) AS i", 0, NULL);
    run_until(fx, &fx->completed, 1, TIMEOUT);
    struct q *q = &fx->q[0];
    assert_int_equal(q->status, 0);
    assert_int_equal(PQntuples(q->res[0]), 200000);
    assert_string_equal(val(q, 0, 0, 0), "1");
    assert_string_equal(val(q, 0, 199999, 0), "200000");
    fx_free(fx);
}

static void test_large_param(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    size_t len = 5u * 1024 * 1024;
    char *big = malloc(len + 1);
    assert_non_null(big);
    for (size_t i = 0; i < len; i++)
        big[i] = (char)('a' + i % 26);
    big[len] = '\0';
    const char *params[] = {big};
    fx_exec(fx, 0,
            "SELECT length($1), $1 = left(repeat('abcdefghijklmnopqrstuvwxyz', 201650), "
            "5242880), $1",
            1, params);
    fx_exec(fx, 1, "SELECT 'after'", 0, NULL);
    run_until(fx, &fx->completed, 2, TIMEOUT);
    struct q *q = &fx->q[0];
    assert_int_equal(q->status, 0);
    assert_string_equal(val(q, 0, 0, 0), "5242880");
    assert_string_equal(val(q, 0, 0, 1), "t");
    assert_int_equal(PQgetlength(q->res[0], 0, 2), (int)len);
    assert_memory_equal(PQgetvalue(q->res[0], 0, 2), big, len);
    assert_string_equal(val(&fx->q[1], 0, 0, 0), "after");
    free(big);
    fx_free(fx);
}

static void on_stop_timer(uv_timer_t *t)
{
    struct fx *fx = t->data;
    db_stop(fx->db, on_closed, fx);
    uv_close((uv_handle_t *)t, NULL);
}

static void test_stop_in_flight(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    fx_exec(fx, 0, "SELECT pg_sleep(30)", 0, NULL);
    fx_exec(fx, 1, "SELECT 1", 0, NULL);
    fx_exec(fx, 2, "SELECT 2", 0, NULL);
    /* Stop once the first query is surely on the server. */
    uv_timer_t stop;
    assert_int_equal(uv_timer_init(&fx->loop, &stop), 0);
    stop.data = fx;
    uv_timer_start(&stop, on_stop_timer, 100, 0);
    uint64_t t0 = uv_now(&fx->loop);
    run_until(fx, &fx->closed, 1, TIMEOUT);
    assert_lt(uv_now(&fx->loop) - t0, 5000);
    assert_int_equal(fx->completed, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fx->q[i].status, -ECANCELED);
        assert_int_equal(fx->q[i].order, i);
    }
    assert_int_equal(fx->disconnected, 0);
    fx_free(fx);
}

/* Calls db_stop from inside a query callback, with more queries queued. */
static void stop_cb(void *arg, int status, PGresult **results, int n, const char *error)
{
    struct q *q = arg;
    q_cb(arg, status, results, n, error);
    db_stop(q->fx->db, on_closed, q->fx);
    db_stop(q->fx->db, on_closed, q->fx); /* a second call is harmless */
}

static void test_stop_from_callback(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_connect(fx);
    assert_int_equal(db_exec(fx->db, "SELECT 1", 0, NULL, stop_cb, &fx->q[0]), 0);
    fx_exec(fx, 1, "SELECT 2", 0, NULL);
    fx_exec(fx, 2, "SELECT 3", 0, NULL);
    run_until(fx, &fx->closed, 1, TIMEOUT);
    assert_int_equal(fx->q[0].status, 0);
    assert_int_equal(fx->q[1].status, -ECANCELED);
    assert_int_equal(fx->q[2].status, -ECANCELED);
    assert_int_equal(fx->completed, 3);
    fx_free(fx);
}

/* Stop while the first connection attempt is still in progress. */
static void test_stop_while_connecting(void **state)
{
    (void)state;
    struct fx *fx = fx_new();
    fx_start(fx, "");
    db_stop(fx->db, on_closed, fx);
    run_until(fx, &fx->closed, 1, TIMEOUT);
    assert_int_equal(fx->connected, 0);
    fx_free(fx);
}

static int group_setup(void **state)
{
    (void)state;
    if (!getenv("PGHOST")) {
        fprintf(stderr, "test_db: needs PGHOST (run via make check)\n");
        return -1;
    }
    snprintf(test_channel, sizeof test_channel, "staffd \"test\" Chan %ld", (long)getpid());
    snprintf(test_channel_quoted, sizeof test_channel_quoted, "\"staffd \"\"test\"\" Chan %ld\"",
             (long)getpid());
    log_set_level(getenv("TEST_DB_DEBUG") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect),
        cmocka_unit_test(test_multi_statement),
        cmocka_unit_test(test_params),
        cmocka_unit_test(test_query_error),
        cmocka_unit_test(test_failed_transaction_rolled_back),
        cmocka_unit_test(test_notify),
        cmocka_unit_test(test_query_from_notify_handler),
        cmocka_unit_test(test_fifo),
        cmocka_unit_test(test_not_connected),
        cmocka_unit_test(test_bad_conninfo),
        cmocka_unit_test(test_unreachable),
        cmocka_unit_test(test_multi_host),
        cmocka_unit_test(test_terminate_reconnect),
        cmocka_unit_test(test_large_result),
        cmocka_unit_test(test_large_param),
        cmocka_unit_test(test_stop_in_flight),
        cmocka_unit_test(test_stop_from_callback),
        cmocka_unit_test(test_stop_while_connecting),
    };
    return cmocka_run_group_tests(tests, group_setup, NULL);
}
