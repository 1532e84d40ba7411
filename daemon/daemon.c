/*
 * daemon.c — the loop of `staffd run` (see include/daemon.h).
 *
 * Everything here runs on the loop thread except the three work callbacks
 * (migrate_work, plan_work, render_work), which touch only their job struct.
 * A planning run is a small state machine: BEGINNING (its runs row, as
 * 'running') -> LOADING (snapshot query) -> PLANNING (thread pool) -> STORING
 * (publish statement) -> IDLE, or -> FINISHING (the row says 'failed' or
 * 'abandoned' and why) -> IDLE. A change that arrives meanwhile sets
 * run_pending, so a burst of any size costs at most one more run. A failed
 * run is retried with a growing delay, so a transient fault (a lock timeout, a
 * cancelled statement) never leaves the daemon waiting for the next change.
 * Feed rendering has its own, similar, one-at-a-time pipeline.
 *
 * Nothing may fail silently: every attempt has a runs row, /healthz says
 * "degraded" with the reasons while planning cannot be trusted (database
 * away, last run failed, changes waiting without a plan, notifications that
 * never came), and the systemd watchdog is fed only while the loop and the
 * database pipeline move (a PostgreSQL outage degrades; it does not restart
 * the daemon, which would not help).
 *
 * Two database connections: `db` runs every query and hears staffd_changed;
 * `revocations` runs none and only LISTENs on staffd_revoked, so that a
 * revoked feed URL is dropped the moment PostgreSQL announces it, even while
 * `db` is busy with a long statement or waits on a lock (a busy session hears
 * nothing until its statement ends).
 */
#include "daemon.h"

#include <cJSON.h>
#include <stdarg.h>
#include <errno.h>
#include <inttypes.h>
#include <libical/ical.h>
#include <openssl/crypto.h>
#include <strings.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <uv.h>

#include "config.h"
#include "console.h"
#include "db.h"
#include "feeds.h"
#include "http.h"
#include "load.h"
#include "log.h"
#include "migrate.h"
#include "plan.h"
#include "publish.h"
#include "recruit.h"
#include "recruit_report.h"
#include "store.h"
#include "text.h"

#define NOTIFY_CHANNEL      "staffd_changed"
#define REVOKE_CHANNEL      "staffd_revoked" /* payload: a revoked token's SHA-256, hex */
#define REPLAN_INTERVAL_MS  (60 * 60 * 1000)
#define REFRESH_INTERVAL_MS (10 * 60 * 1000)
#define MIGRATE_RETRY_MS    2000
#define RETRY_MIN_MS        5000
#define RETRY_MAX_MS        (5 * 60 * 1000)
/* Every CHECK_MS the daemon compares the database's change counter with what it planned. */
#define CHECK_MS 10000
/* A change still unplanned this long after it was heard makes /healthz "degraded". */
#define PENDING_LIMIT_MS 60000
/* A query out this long, or a run in the planner this long past its budget, stalls the watchdog. */
#define STALL_LIMIT_MS (12 * 60 * 1000)
/*
 * Descriptors kept out of the HTTP server's reach: PostgreSQL's socket (and
 * the one a reconnect opens before the old one is gone), the journal, the
 * listener, libuv's own, the thread pool's. Generous: running out is what
 * the cap exists to prevent.
 */
#define FD_RESERVE 64

enum run_state { RUN_IDLE, RUN_BEGINNING, RUN_LOADING, RUN_PLANNING, RUN_STORING, RUN_FINISHING };

/* Where a run failed: a label of staffd_run_failures_total. */
enum run_stage { STAGE_BEGIN, STAGE_SNAPSHOT, STAGE_PLANNING, STAGE_STORE, STAGE_COUNT };
static const char *const stage_names[STAGE_COUNT] = {"begin", "snapshot", "planning", "store"};

struct daemon {
    uv_loop_t loop;
    const char *config_path;
    struct config cfg;
    struct db *db;
    struct db *revocations; /* LISTEN only, see the top of the file */
    struct http_server *http;
    struct feeds *feeds;
    struct console *console; /* its own connection; NULL until migrations are done */

    uv_signal_t sig_term, sig_int, sig_hup;
    uv_timer_t debounce, watchdog, replan, refresh, migrate_retry, retry, check, stop_wait;
    uv_work_t migrate_req;
    bool migrate_busy;
    int migrate_rc;
    char migrate_err[512];

    atomic_bool cancel;
    bool stopping;
    bool ready_sent;
    int exit_code;

    enum run_state run_state;
    bool run_pending;
    char pending_reason[64];
    uint64_t burst_started_ms; /* 0: no burst being debounced */
    uint64_t waiting_since_ms; /* 0: no change heard that no run has started on */
    uint64_t stage_since_ms;   /* when run_state last changed */
    uint64_t retry_ms;         /* the next retry's delay after a failed run */

    /* The run in flight. */
    int64_t run_id; /* its runs row; 0 before store_begin_sql answered */
    double run_started_at;
    char run_reason[64];

    /* The database's change counter (staffd.change_seq) against what was planned. */
    long long change_seq_planned; /* read by the last snapshot; -1 before */
    bool check_busy;
    uint64_t unheard_since_ms; /* 0: every committed change was heard */
    long long suspect_seq;     /* an unplanned counter value seen once, -1: none */
    uint64_t missed_notifications;
    int64_t abandoning; /* the run recorded as abandoned at shutdown */
    bool db_stopping;

    bool feeds_busy;
    bool feeds_pending;
    bool tokens_busy;
    bool tokens_pending;
    bool tokens_stale; /* a URL was revoked while a token query was out */

    /* What /healthz and /metrics report. */
    uint64_t runs_succeeded, runs_failed, runs_abandoned, notifications;
    uint64_t failures[STAGE_COUNT];
    /* The last run attempt, whatever its end. */
    int64_t last_run_id;
    char last_run_status[16];
    char last_run_message[256];
    char last_run_reason[64];
    double last_run_finished;
    /* The last run that landed. */
    int64_t last_good_id;
    double last_good_finished;
    double last_run_shortage;
    double last_plan_seconds;
    int last_agents, last_shifts, last_input_errors;
    uint64_t db_reconnects;
    char *recruitment; /* JSON of the last stored run's hiring needs and ranking */
};

struct plan_job {
    uv_work_t req;
    struct daemon *d;
    PGresult **results;
    int n_results;
    int horizon_days;
    uint64_t seed;
    long iterations;
    double budget_seconds;
    int threads;
    int freeze_hours;
    int64_t run_id;
    double started_at;
    char reason[64];
    /* Filled by the worker. */
    int rc;
    enum run_stage stage; /* where rc < 0 came from */
    char err[512];
    struct snapshot snap;
    struct plan plan;
    int n_ops;
    char *params[STORE_NPARAMS];
    char *recruitment; /* JSON, also served by GET /api/recruitment once stored */
    double seconds;
};

struct render_job {
    uv_work_t req;
    struct daemon *d;
    PGresult *result;
    bool full;
    int rc;
    struct feeds_batch *batch;
};

static void run_start(struct daemon *d, const char *reason);
static void job_free(struct plan_job *j);
static void feeds_refresh(struct daemon *d, const char *agents);
static void tokens_refresh(struct daemon *d);

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void notify_status(const char *fmt, ...)
{
    char msg[256], line[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "STATUS=%s", msg);
    sd_notify(0, line);
}

/* ---- feeds and tokens -------------------------------------------------- */

static void render_work(uv_work_t *req)
{
    struct render_job *j = req->data;
    j->rc = feeds_render(j->result, &j->batch);
    PQclear(j->result);
    j->result = NULL;
}

static void render_after(uv_work_t *req, int status)
{
    struct render_job *j = req->data;
    struct daemon *d = j->d;
    d->feeds_busy = false;
    if (status == 0 && j->rc == 0 && !d->stopping) {
        int full = j->full;
        int changed = feeds_install(d->feeds, j->batch, full);
        j->batch = NULL;
        log_debug("feeds: %d rendered, %d changed", feeds_count(d->feeds), changed);
    } else if (j->rc < 0) {
        log_err("feeds: rendering failed: %s", strerror(-j->rc));
    }
    feeds_batch_free(j->batch);
    PQclear(j->result);
    free(j);
    if (d->feeds_pending && !d->stopping) {
        d->feeds_pending = false;
        feeds_refresh(d, NULL);
    }
}

struct feeds_query {
    struct daemon *d;
    bool full;
};

static void feeds_queried(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct feeds_query *q = arg;
    struct daemon *d = q->d;
    bool full = q->full;
    free(q);
    if (status < 0 || n != 1 || d->stopping) {
        if (status < 0)
            log_warn("feeds: query failed: %s", error ? error : "?");
        d->feeds_busy = false;
        return;
    }
    struct render_job *j = calloc(1, sizeof *j);
    if (j == NULL) {
        d->feeds_busy = false;
        return;
    }
    j->d = d;
    j->full = full;
    j->result = res[0];
    res[0] = NULL;
    j->req.data = j;
    if (uv_queue_work(&d->loop, &j->req, render_work, render_after) != 0) {
        PQclear(j->result);
        free(j);
        d->feeds_busy = false;
    }
}

/* agents: a bigint[] literal of the agents to re-render, or NULL for all. */
static void feeds_refresh(struct daemon *d, const char *agents)
{
    if (d->stopping || d->db == NULL)
        return;
    if (d->feeds_busy) {
        /* Whatever was asked for meanwhile is covered by one full pass after. */
        d->feeds_pending = true;
        return;
    }
    struct feeds_query *q = malloc(sizeof *q);
    if (q == NULL)
        return;
    q->d = d;
    q->full = agents == NULL;
    char grace[16], clock[32];
    snprintf(grace, sizeof grace, "%d", d->cfg.cancelled_grace_days);
    snprintf(clock, sizeof clock, "%lld", d->cfg.clock_at);
    /* The feed's window (30 days back, the cancelled grace) runs on the planner's clock. */
    const char *params[3] = {agents, grace, d->cfg.clock_fixed ? clock : NULL};
    if (db_exec(d->db, feeds_shifts_sql, 3, params, feeds_queried, q) < 0) {
        free(q);
        return;
    }
    d->feeds_busy = true;
}

static void tokens_queried(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct daemon *d = arg;
    bool stale = d->tokens_stale;
    d->tokens_busy = false;
    d->tokens_stale = false;
    if (d->stopping)
        return;
    if (status < 0 || n != 1) {
        log_warn("feeds: token query failed: %s", error ? error : "?");
        return;
    }
    if (stale) {
        /*
         * Its snapshot may predate a revocation already applied: installing it
         * would bring that URL back until the next read. Read again: a query
         * sent now sees every revocation we have heard of.
         */
        d->tokens_pending = false;
        tokens_refresh(d);
        return;
    }
    if (feeds_set_tokens(d->feeds, res[0]) < 0)
        log_err("feeds: out of memory loading tokens");
    log_debug("feeds: %d live feed tokens", feeds_token_count(d->feeds));
    /* New tokens may name agents whose feed was never rendered. */
    feeds_refresh(d, NULL);
    if (d->tokens_pending) {
        d->tokens_pending = false;
        tokens_refresh(d);
    }
}

static void tokens_refresh(struct daemon *d)
{
    if (d->stopping || d->db == NULL)
        return;
    if (d->tokens_busy) {
        d->tokens_pending = true;
        return;
    }
    if (db_exec(d->db, feeds_tokens_sql, 0, NULL, tokens_queried, d) == 0)
        d->tokens_busy = true;
}

/* ---- planning runs ----------------------------------------------------- */

static void run_set_state(struct daemon *d, enum run_state st)
{
    d->run_state = st;
    d->stage_since_ms = uv_now(&d->loop);
}

static void run_finish(struct daemon *d)
{
    run_set_state(d, RUN_IDLE);
    d->run_id = 0;
    if (d->run_pending && !d->stopping) {
        d->run_pending = false;
        run_start(d, d->pending_reason);
    }
}

static void on_retry(uv_timer_t *t)
{
    run_start(t->data, "retry");
}

/* What /healthz shows of an attempt that did not land. */
static void note_attempt(struct daemon *d, const char *status, const char *message)
{
    d->last_run_id = d->run_id;
    snprintf(d->last_run_status, sizeof d->last_run_status, "%s", status);
    text_printf(d->last_run_message, sizeof d->last_run_message, "%s", message ? message : "");
    snprintf(d->last_run_reason, sizeof d->last_run_reason, "%s", d->run_reason);
    d->last_run_finished = wall_now();
}

static void finish_recorded(void *arg, int status, PGresult **res, int n, const char *error)
{
    (void)res;
    (void)n;
    struct daemon *d = arg;
    if (status < 0)
        log_warn("run %" PRId64 ": could not record how it ended: %s", d->run_id,
                 error ? error : "?");
    run_finish(d);
}

/*
 * A run that will not land: count it, say why, record it in its runs row and
 * try again later (unless shutting down). The row is recorded even when the
 * failure was the database's: the retry finds the session usable again, and
 * if the connection is gone the next begin_run marks the row abandoned.
 */
static void run_fail(struct daemon *d, enum run_stage stage, const char *why)
{
    char msg[512];
    text_printf(msg, sizeof msg, "%s failed: %s", stage_names[stage], why ? why : "?");
    log_err("run %" PRId64 " (%s): %s", d->run_id, d->run_reason, msg);
    d->runs_failed++;
    d->failures[stage]++;
    note_attempt(d, "failed", msg);
    if (!d->stopping) {
        uv_timer_start(&d->retry, on_retry, d->retry_ms, 0);
        log_notice("run: retrying in %.0f s", d->retry_ms / 1000.0);
        d->retry_ms = d->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : d->retry_ms * 2;
    }
    if (d->run_id > 0 && d->db != NULL && db_connected(d->db)) {
        char id[32];
        snprintf(id, sizeof id, "%" PRId64, d->run_id);
        const char *params[3] = {id, "failed", msg};
        run_set_state(d, RUN_FINISHING);
        if (db_exec(d->db, store_finish_sql, 3, params, finish_recorded, d) == 0)
            return;
    }
    run_finish(d);
}

static void stored(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct plan_job *j = arg;
    struct daemon *d = j->d;
    if (status < 0 || n != 1 || PQntuples(res[0]) != 1) {
        job_free(j);
        if (d->stopping) {
            d->runs_abandoned++;
            note_attempt(d, "abandoned", "the daemon was stopping");
            run_finish(d);
            return;
        }
        run_fail(d, STAGE_STORE, error ? error : "no result");
        return;
    }
    /* It landed, even if the daemon is stopping meanwhile. */
    d->runs_succeeded++;
    d->retry_ms = RETRY_MIN_MS;
    uv_timer_stop(&d->retry);
    d->run_id = strtoll(PQgetvalue(res[0], 0, 0), NULL, 10);
    note_attempt(d, "succeeded", "");
    d->last_good_id = d->run_id;
    d->last_good_finished = d->last_run_finished;
    d->last_run_shortage = j->plan.shortage_minutes;
    d->last_agents = j->snap.n_agents;
    d->last_shifts = j->plan.n_shifts;
    d->last_input_errors = j->snap.n_errors;
    if (d->unheard_since_ms != 0 && d->change_seq_planned >= 0)
        d->unheard_since_ms = 0;
    const char *changed = PQgetvalue(res[0], 0, 1);
    log_info("run %" PRId64 " (%s): %d agents, %d shifts, %d changes, shortage %.0f "
             "agent-minutes from now on, %d input errors, planned in %.2f s",
             d->run_id, j->reason, j->snap.n_agents, j->plan.n_shifts, j->n_ops,
             j->plan.shortage_minutes, d->last_input_errors, j->seconds);
    notify_status("run %" PRId64 ": %d shifts, shortage %.0f agent-minutes", d->run_id,
                  j->plan.n_shifts, j->plan.shortage_minutes);
    if (strcmp(changed, "{}") != 0 && !d->stopping)
        feeds_refresh(d, changed);
    /* What GET /api/recruitment serves: the recruitment of the last run that landed. */
    free(d->recruitment);
    d->recruitment = j->recruitment;
    j->recruitment = NULL;
    job_free(j);
    run_finish(d);
}

static void plan_work(uv_work_t *req)
{
    struct plan_job *j = req->data;
    double t0 = mono_now();
    struct publish_op *ops = NULL;
    j->rc =
        load_snapshot(j->results, j->n_results, j->horizon_days, &j->snap, j->err, sizeof j->err);
    for (int i = 0; i < j->n_results; i++)
        PQclear(j->results[i]);
    free(j->results);
    j->results = NULL;
    if (j->rc < 0) {
        j->stage = STAGE_SNAPSHOT;
        return;
    }
    j->stage = STAGE_PLANNING;
    struct plan_params pp = {.seed = j->seed,
                             .iterations = j->iterations,
                             .seconds = j->budget_seconds,
                             .threads = j->threads,
                             .cancel = &j->d->cancel,
                             .freeze_until = j->snap.now + (sd_time)j->freeze_hours * 3600};
    j->rc = plan_run(&j->snap, &pp, &j->plan);
    if (j->rc < 0) {
        text_printf(j->err, sizeof j->err, "planning: %s", strerror(-j->rc));
        return;
    }
    /* Recruitment reads the shortage this plan leaves. */
    struct recruit_params rp;
    struct recruit_result rr = {0};
    recruit_params_default(&rp);
    rp.seed = j->seed;
    rp.cancel = &j->d->cancel;
    j->rc = recruit_run(&j->snap, &j->plan, &rp, &rr);
    if (j->rc < 0) {
        text_printf(j->err, sizeof j->err, "recruitment: %s", strerror(-j->rc));
        return;
    }
    cJSON *rj = recruit_to_json(&j->snap, &rr);
    j->recruitment = rj != NULL ? cJSON_PrintUnformatted(rj) : NULL;
    cJSON_Delete(rj);
    recruit_result_free(&rr);
    if (j->recruitment == NULL) {
        j->rc = -ENOMEM;
        text_printf(j->err, sizeof j->err, "recruitment: %s", strerror(ENOMEM));
        return;
    }
    j->rc = publish_diff(&j->snap, &j->plan, &ops, &j->n_ops);
    if (j->rc == 0) {
        struct store_run_info info = {.run_id = j->run_id,
                                      .started_at = j->started_at,
                                      .reason = j->reason,
                                      .recruitment = j->recruitment};
        j->rc = store_build_params(&j->snap, &j->plan, ops, j->n_ops, &info, j->params);
    }
    if (j->rc < 0)
        text_printf(j->err, sizeof j->err, "preparing the write: %s", strerror(-j->rc));
    free(ops);
    j->seconds = mono_now() - t0;
}

static void job_free(struct plan_job *j)
{
    if (j->results != NULL) {
        for (int i = 0; i < j->n_results; i++)
            PQclear(j->results[i]);
        free(j->results);
    }
    snapshot_free(&j->snap);
    plan_free(&j->plan);
    store_free_params(j->params);
    free(j->recruitment);
    free(j);
}

static void plan_after(uv_work_t *req, int status)
{
    struct plan_job *j = req->data;
    struct daemon *d = j->d;
    if (status == UV_ECANCELED || d->stopping || j->rc == -ECANCELED) {
        d->runs_abandoned++;
        log_notice("run %" PRId64 " (%s) abandoned: shutting down", d->run_id, j->reason);
        note_attempt(d, "abandoned", "the daemon was stopping");
        job_free(j);
        run_finish(d);
        return;
    }
    for (int i = 0; i < j->snap.n_errors && i < 50; i++)
        log_warn("input error: %s %s: %s", j->snap.errors[i].table, j->snap.errors[i].key,
                 j->snap.errors[i].message);
    for (int i = 0; i < j->plan.n_warnings && i < 50; i++)
        log_warn("planning: %s %s: %s", j->plan.warnings[i].table, j->plan.warnings[i].key,
                 j->plan.warnings[i].message);
    if (j->rc < 0) {
        char err[sizeof j->err];
        enum run_stage stage = j->stage;
        memcpy(err, j->err, sizeof err);
        job_free(j);
        run_fail(d, stage, err);
        return;
    }
    run_set_state(d, RUN_STORING);
    d->last_plan_seconds = j->seconds;
    if (db_exec(d->db, store_publish_sql, STORE_NPARAMS, (const char *const *)j->params, stored,
                j) < 0) {
        job_free(j);
        run_fail(d, STAGE_STORE, "the database connection went away before the plan was stored");
    }
}

static void snapshot_loaded(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct daemon *d = arg;
    if (d->stopping) {
        run_finish(d);
        return;
    }
    if (status < 0) {
        run_fail(d, STAGE_SNAPSHOT, error);
        return;
    }
    struct plan_job *j = calloc(1, sizeof *j);
    if (j == NULL || (j->results = calloc((size_t)n, sizeof *j->results)) == NULL) {
        free(j);
        run_fail(d, STAGE_SNAPSHOT, strerror(ENOMEM));
        return;
    }
    j->d = d;
    j->req.data = j;
    j->n_results = n;
    for (int i = 0; i < n; i++) {
        j->results[i] = res[i];
        res[i] = NULL;
    }
    j->horizon_days = d->cfg.horizon_days;
    j->seed = (uint64_t)d->cfg.plan_seed;
    j->iterations = (long)d->cfg.plan_iterations;
    j->budget_seconds = d->cfg.plan_iterations > 0 ? 0 : d->cfg.plan_seconds;
    j->threads = d->cfg.plan_threads;
    j->freeze_hours = d->cfg.freeze_hours;
    j->run_id = d->run_id;
    j->started_at = d->run_started_at;
    snprintf(j->reason, sizeof j->reason, "%s", d->run_reason);
    run_set_state(d, RUN_PLANNING);
    if (uv_queue_work(&d->loop, &j->req, plan_work, plan_after) != 0) {
        job_free(j);
        run_fail(d, STAGE_PLANNING, "the thread pool refused the job");
    }
}

/* The change counter as the snapshot read it: what this run has planned. */
static void snapshot_counter(void *arg, int status, PGresult **res, int n, const char *error)
{
    (void)error;
    struct daemon *d = arg;
    if (status == 0 && n == 1 && PQntuples(res[0]) == 1)
        d->change_seq_planned = strtoll(PQgetvalue(res[0], 0, 0), NULL, 10);
}

static void run_begun(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct daemon *d = arg;
    if (d->stopping) {
        run_finish(d);
        return;
    }
    if (status < 0 || n != 1 || PQntuples(res[0]) != 1) {
        run_fail(d, STAGE_BEGIN, status < 0 ? error : "begin_run returned no row");
        return;
    }
    d->run_id = strtoll(PQgetvalue(res[0], 0, 0), NULL, 10);
    char *sql =
        load_snapshot_sql(d->cfg.horizon_days, d->cfg.clock_fixed, (sd_time)d->cfg.clock_at);
    if (sql == NULL) {
        run_fail(d, STAGE_SNAPSHOT, strerror(ENOMEM));
        return;
    }
    run_set_state(d, RUN_LOADING);
    /*
     * The counter first: a change committed after it is read but before the
     * snapshot starts is planned and also notified, which costs one more run
     * at most; read after, a change could be counted as planned and never be.
     */
    int rc = db_exec(d->db, load_change_counter_sql, 0, NULL, snapshot_counter, d);
    if (rc == 0)
        rc = db_exec(d->db, sql, 0, NULL, snapshot_loaded, d);
    free(sql);
    if (rc < 0)
        run_fail(d, STAGE_SNAPSHOT, "the database connection went away");
}

static void run_start(struct daemon *d, const char *reason)
{
    if (d->stopping)
        return;
    snprintf(d->pending_reason, sizeof d->pending_reason, "%s", reason);
    if (d->run_state != RUN_IDLE || d->db == NULL || !db_connected(d->db)) {
        d->run_pending = true;
        return;
    }
    uv_timer_stop(&d->retry);
    d->waiting_since_ms = 0;
    d->run_id = 0;
    d->run_started_at = wall_now();
    snprintf(d->run_reason, sizeof d->run_reason, "%s", reason);
    const char *params[1] = {reason};
    run_set_state(d, RUN_BEGINNING);
    if (db_exec(d->db, store_begin_sql, 1, params, run_begun, d) < 0) {
        run_set_state(d, RUN_IDLE);
        d->run_pending = true;
    }
}

/* ---- database events --------------------------------------------------- */

static void on_debounce(uv_timer_t *t)
{
    struct daemon *d = t->data;
    d->burst_started_ms = 0;
    run_start(d, "change");
}

/* Whether s is a bigint[] literal of agent ids such as "{3,5}" (what notify_feeds sends). */
static bool agent_list_valid(const char *s)
{
    if (*s++ != '{')
        return false;
    for (;;) {
        if (*s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
        if (*s == '}')
            return s[1] == '\0';
        if (*s++ != ',')
            return false;
    }
}

static void on_notify(void *ctx, const char *channel, const char *payload)
{
    struct daemon *d = ctx;
    d->notifications++;
    log_debug("notification on %s: %s", channel, payload);
    if (strcmp(payload, "feed_tokens") == 0) {
        tokens_refresh(d);
        return;
    }
    /* A rename (0006_feed_truth): these feeds show other text now; no run is needed for it. */
    if (strcmp(payload, "feeds") == 0) {
        feeds_refresh(d, NULL);
        return;
    }
    if (strncmp(payload, "feeds:", 6) == 0) {
        if (agent_list_valid(payload + 6))
            feeds_refresh(d, payload + 6);
        else
            log_warn("ignoring a malformed feeds notification");
        return;
    }
    if (strcmp(payload, "settings") == 0)
        return;
    if (d->waiting_since_ms == 0)
        d->waiting_since_ms = uv_now(&d->loop);
    /*
     * Debounce: wait for debounce_ms of quiet, but never more than
     * max_debounce_ms after the first change of the burst.
     */
    uint64_t now = uv_now(&d->loop);
    if (d->burst_started_ms == 0)
        d->burst_started_ms = now;
    uint64_t deadline = d->burst_started_ms + (uint64_t)d->cfg.max_debounce_ms;
    uint64_t wait = (uint64_t)d->cfg.debounce_ms;
    if (now + wait > deadline)
        wait = deadline > now ? deadline - now : 0;
    uv_timer_start(&d->debounce, on_debounce, wait, 0);
}

static void on_connected(void *ctx)
{
    struct daemon *d = ctx;
    log_info("database connected; listening for changes");
    if (!d->ready_sent) {
        d->ready_sent = true;
        sd_notify(0, "READY=1\nSTATUS=connected to PostgreSQL, planning");
    } else {
        d->db_reconnects++;
        notify_status("reconnected to PostgreSQL, resynchronising");
    }
    /* Notifications sent while disconnected are lost: resynchronise everything. */
    tokens_refresh(d);
    run_start(d, d->db_reconnects ? "reconnect" : "start");
}

static void on_disconnected(void *ctx)
{
    struct daemon *d = ctx;
    log_warn("database connection lost; serving the last feeds and reconnecting");
    notify_status("PostgreSQL unreachable; serving the last feeds");
    d->tokens_busy = false;
    d->tokens_stale = false;
}

/* ---- revocations (the second connection) ------------------------------ */

static void on_revoked(void *ctx, const char *channel, const char *payload)
{
    struct daemon *d = ctx;
    (void)channel;
    /* The payload is a hash, not a token, but it still is not worth a log line. */
    int rc = feeds_revoke(d->feeds, payload);
    if (rc == -EINVAL) {
        log_warn("feeds: ignoring a malformed revocation notification");
        return;
    }
    /* Even a hash we do not hold: the query out may be about to bring it in. */
    if (d->tokens_busy)
        d->tokens_stale = true;
    log_debug("feeds: a feed URL was revoked%s", rc == 0 ? "" : " (it was not live here)");
}

static void on_revocations_connected(void *ctx)
{
    struct daemon *d = ctx;
    log_info("database: listening for feed URL revocations");
    /* What was revoked while this connection was away was not heard: read the tokens. */
    tokens_refresh(d);
}

static void on_revocations_disconnected(void *ctx)
{
    (void)ctx;
    log_warn("database: the revocation listener lost its connection; reconnecting (meanwhile "
             "a revoked URL dies when the token table is read again)");
}

/* ---- HTTP content ------------------------------------------------------ */

static int http_feed_cb(void *ctx, const char *token, size_t len, struct http_feed *out)
{
    struct daemon *d = ctx;
    return feeds_lookup(d->feeds, token, len, out);
}

/*
 * Why planning cannot be trusted right now, in words for /healthz; empty
 * when all is well. Each reason is one short sentence.
 */
static int health_reasons(struct daemon *d, char reasons[][160], int max)
{
    int n = 0;
    uint64_t now = uv_now(&d->loop);
    if (d->db == NULL || !db_connected(d->db)) {
        snprintf(reasons[n++], 160, "the database is not connected");
    } else {
        struct db_stats st;
        db_get_stats(d->db, &st);
        if (st.in_transaction && n < max)
            snprintf(reasons[n++], 160, "the database session is inside a transaction");
        if (st.busy_ms > 60000 && n < max)
            snprintf(reasons[n++], 160, "a database query has been running for %llu s",
                     st.busy_ms / 1000);
    }
    if (strcmp(d->last_run_status, "failed") == 0 && n < max)
        text_printf(reasons[n++], 160, "the last run failed: %s", d->last_run_message);
    uint64_t limit = PENDING_LIMIT_MS + (uint64_t)d->cfg.max_debounce_ms +
                     (uint64_t)(2000 * d->cfg.plan_seconds);
    if (d->waiting_since_ms != 0 && now - d->waiting_since_ms > limit && n < max)
        snprintf(reasons[n++], 160, "a change heard %llu s ago has not been planned",
                 (unsigned long long)((now - d->waiting_since_ms) / 1000));
    if (d->unheard_since_ms != 0 && n < max)
        snprintf(reasons[n++], 160,
                 "changes were committed without a notification reaching staffd; re-planning");
    return n;
}

static char *http_healthz_cb(void *ctx, int *status)
{
    struct daemon *d = ctx;
    bool up = d->db != NULL && db_connected(d->db);
    char reasons[8][160];
    int nr = health_reasons(d, reasons, 8);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "status", nr == 0 ? "ok" : "degraded");
    cJSON *rs = cJSON_AddArrayToObject(j, "reasons");
    for (int i = 0; i < nr; i++)
        cJSON_AddItemToArray(rs, cJSON_CreateString(reasons[i]));
    cJSON_AddStringToObject(j, "database", up ? "connected" : "disconnected");
    if (d->last_run_id > 0 || d->last_run_status[0] != '\0') {
        cJSON *r = cJSON_AddObjectToObject(j, "last_run");
        cJSON_AddNumberToObject(r, "id", (double)d->last_run_id);
        cJSON_AddStringToObject(r, "status", d->last_run_status);
        cJSON_AddStringToObject(r, "reason", d->last_run_reason);
        cJSON_AddNumberToObject(r, "finished_at", d->last_run_finished);
        if (d->last_run_message[0] != '\0')
            cJSON_AddStringToObject(r, "message", d->last_run_message);
        /* The shortage of the plan being served: the last run that landed. */
        cJSON_AddNumberToObject(r, "shortage_minutes", d->last_run_shortage);
    } else {
        cJSON_AddNullToObject(j, "last_run");
    }
    if (d->last_good_id > 0) {
        cJSON *g = cJSON_AddObjectToObject(j, "last_success");
        cJSON_AddNumberToObject(g, "id", (double)d->last_good_id);
        cJSON_AddNumberToObject(g, "finished_at", d->last_good_finished);
        cJSON_AddNumberToObject(g, "shortage_minutes", d->last_run_shortage);
    } else {
        cJSON_AddNullToObject(j, "last_success");
    }
    cJSON_AddNumberToObject(j, "agents", d->last_agents);
    cJSON_AddNumberToObject(j, "feeds", feeds_count(d->feeds));
    cJSON_AddNumberToObject(j, "shifts", d->last_shifts);
    cJSON_AddNumberToObject(j, "input_errors", d->last_input_errors);
    char *body = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    *status = nr == 0 ? 200 : 503;
    return body;
}

static char *http_metrics_cb(void *ctx)
{
    struct daemon *d = ctx;
    struct http_stats hs = {0};
    struct db_stats ds = {0};
    if (d->http != NULL)
        http_get_stats(d->http, &hs);
    if (d->db != NULL)
        db_get_stats(d->db, &ds);
    char reasons[8][160];
    int nr = health_reasons(d, reasons, 8);
    char *body = NULL;
    int n = asprintf(
        &body,
        "# HELP staffd_healthy 1 when /healthz says ok, 0 when degraded.\n"
        "# TYPE staffd_healthy gauge\n"
        "staffd_healthy %d\n"
        "# HELP staffd_db_connected Whether the PostgreSQL connection is up.\n"
        "# TYPE staffd_db_connected gauge\n"
        "staffd_db_connected %d\n"
        "# HELP staffd_db_reconnects_total Reconnections after a lost connection.\n"
        "# TYPE staffd_db_reconnects_total counter\n"
        "staffd_db_reconnects_total %" PRIu64 "\n"
        "# HELP staffd_db_rollbacks_total Queries that left the session in a transaction, rolled "
        "back.\n"
        "# TYPE staffd_db_rollbacks_total counter\n"
        "staffd_db_rollbacks_total %llu\n"
        "# HELP staffd_db_query_deadlines_total Queries unanswered past their deadline (connection "
        "dropped).\n"
        "# TYPE staffd_db_query_deadlines_total counter\n"
        "staffd_db_query_deadlines_total %llu\n"
        "# HELP staffd_notifications_total Change notifications received.\n"
        "# TYPE staffd_notifications_total counter\n"
        "staffd_notifications_total %" PRIu64 "\n"
        "# HELP staffd_missed_notifications_total Times the change counter moved with no "
        "notification heard.\n"
        "# TYPE staffd_missed_notifications_total counter\n"
        "staffd_missed_notifications_total %" PRIu64 "\n"
        "# HELP staffd_runs_total Planning runs by outcome.\n"
        "# TYPE staffd_runs_total counter\n"
        "staffd_runs_total{status=\"succeeded\"} %" PRIu64 "\n"
        "staffd_runs_total{status=\"failed\"} %" PRIu64 "\n"
        "staffd_runs_total{status=\"abandoned\"} %" PRIu64 "\n"
        "# HELP staffd_run_failures_total Failed runs by the stage that failed.\n"
        "# TYPE staffd_run_failures_total counter\n"
        "staffd_run_failures_total{stage=\"begin\"} %" PRIu64 "\n"
        "staffd_run_failures_total{stage=\"snapshot\"} %" PRIu64 "\n"
        "staffd_run_failures_total{stage=\"planning\"} %" PRIu64 "\n"
        "staffd_run_failures_total{stage=\"store\"} %" PRIu64 "\n"
        "# HELP staffd_last_success_timestamp_seconds When the last run that landed finished.\n"
        "# TYPE staffd_last_success_timestamp_seconds gauge\n"
        "staffd_last_success_timestamp_seconds %.0f\n"
        "# HELP staffd_last_run_shortage_minutes Agent-minutes left uncovered from now on by the "
        "plan being served.\n"
        "# TYPE staffd_last_run_shortage_minutes gauge\n"
        "staffd_last_run_shortage_minutes %.1f\n"
        "# HELP staffd_last_plan_seconds Time the last run spent planning.\n"
        "# TYPE staffd_last_plan_seconds gauge\n"
        "staffd_last_plan_seconds %.3f\n"
        "# HELP staffd_agents Agents in the last run.\n"
        "# TYPE staffd_agents gauge\n"
        "staffd_agents %d\n"
        "# HELP staffd_shifts Shifts in the last run.\n"
        "# TYPE staffd_shifts gauge\n"
        "staffd_shifts %d\n"
        "# HELP staffd_input_errors Input rows the last run could not use.\n"
        "# TYPE staffd_input_errors gauge\n"
        "staffd_input_errors %d\n"
        "# HELP staffd_feeds Calendar feeds rendered and cached.\n"
        "# TYPE staffd_feeds gauge\n"
        "staffd_feeds %d\n"
        "# HELP staffd_http_connections Open HTTP connections.\n"
        "# TYPE staffd_http_connections gauge\n"
        "staffd_http_connections %" PRIu64 "\n"
        "# HELP staffd_http_connections_refused_total Connections closed at accept: the cap was "
        "reached.\n"
        "# TYPE staffd_http_connections_refused_total counter\n"
        "staffd_http_connections_refused_total %" PRIu64 "\n"
        "# HELP staffd_http_requests_total HTTP requests served.\n"
        "# TYPE staffd_http_requests_total counter\n"
        "staffd_http_requests_total %" PRIu64 "\n"
        "# HELP staffd_feed_requests_total Feed requests by outcome.\n"
        "# TYPE staffd_feed_requests_total counter\n"
        "staffd_feed_requests_total{outcome=\"hit\"} %" PRIu64 "\n"
        "staffd_feed_requests_total{outcome=\"not_modified\"} %" PRIu64 "\n"
        "staffd_feed_requests_total{outcome=\"not_found\"} %" PRIu64 "\n",
        nr == 0, d->db != NULL && db_connected(d->db), d->db_reconnects, ds.rollbacks, ds.deadlines,
        d->notifications, d->missed_notifications, d->runs_succeeded, d->runs_failed,
        d->runs_abandoned, d->failures[STAGE_BEGIN], d->failures[STAGE_SNAPSHOT],
        d->failures[STAGE_PLANNING], d->failures[STAGE_STORE], d->last_good_finished,
        d->last_run_shortage, d->last_plan_seconds, d->last_agents, d->last_shifts,
        d->last_input_errors, feeds_count(d->feeds), hs.connections, hs.connections_refused,
        hs.requests, hs.feed_hits, hs.feed_not_modified, hs.feed_not_found);
    return n < 0 ? NULL : body;
}

static char *api_error(int *status, int code, const char *message)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "error", message);
    char *body = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    *status = code;
    return body;
}

/*
 * The admin API (GET /api/recruitment): applicants' data, so it answers only
 * with the admin token, and by default only on loopback. The token is known
 * by its SHA-256 alone and compared in constant time.
 */
static char *http_api_cb(void *ctx, const char *name, size_t name_len, const char *authorization,
                         int loopback, int *status)
{
    struct daemon *d = ctx;
    if (!(name_len == 11 && memcmp(name, "recruitment", 11) == 0))
        return api_error(status, 404, "no such API; try /api/recruitment");
    if (!loopback && !d->cfg.api_allow_remote)
        return api_error(status, 403, "the API answers only on loopback (api_allow_remote = no)");
    if (d->cfg.admin_token_sha256[0] == '\0')
        return api_error(status, 403,
                         "the API is off: set admin_token_sha256 in the configuration");
    static const char bearer[] = "Bearer ";
    if (authorization == NULL || strncasecmp(authorization, bearer, sizeof bearer - 1) != 0)
        return api_error(status, 401, "an admin token is required (Authorization: Bearer TOKEN)");
    const char *token = authorization + sizeof bearer - 1;
    unsigned char got[32], want[32];
    feeds_hash_token(token, strlen(token), got);
    for (int i = 0; i < 32; i++) {
        unsigned int byte = 0;
        sscanf(d->cfg.admin_token_sha256 + 2 * i, "%2x", &byte);
        want[i] = (unsigned char)byte;
    }
    if (CRYPTO_memcmp(got, want, 32) != 0)
        return api_error(status, 401, "the admin token is not valid");
    if (d->recruitment == NULL)
        return api_error(status, 503, "no planning run has landed yet");
    *status = 200;
    return strdup(d->recruitment);
}

static void http_console_cb(void *ctx, struct http_request *r, const struct http_request_info *info)
{
    struct daemon *d = ctx;
    if (d->console == NULL) {
        static const char body[] = "The console is starting or off; try again in a moment.\n";
        const char *h[] = {"retry-after", "2", NULL};
        struct http_reply rep = {.status = 503,
                                 .content_type = "text/plain; charset=utf-8",
                                 .headers = h,
                                 .body = body,
                                 .len = sizeof body - 1};
        http_reply(r, &rep);
        return;
    }
    console_handle(d->console, r, info);
}

static const struct http_handlers http_handlers_tmpl = {
    .feed = http_feed_cb,
    .healthz = http_healthz_cb,
    .metrics = http_metrics_cb,
    .api = http_api_cb,
    .console = http_console_cb,
};

static void console_config_from(const struct config *cfg, struct console_config *out)
{
    *out = (struct console_config){.enabled = cfg->console,
                                   .allow_remote = cfg->console_allow_remote,
                                   .secure_cookie = cfg->console_secure_cookie,
                                   .session_hours = cfg->console_session_hours,
                                   .horizon_days = cfg->horizon_days,
                                   .clock_fixed = cfg->clock_fixed,
                                   .clock_at = cfg->clock_at,
                                   .freeze_hours = cfg->freeze_hours,
                                   .seed = cfg->plan_seed};
}

static void start_console(struct daemon *d)
{
    struct console_config cc;
    console_config_from(&d->cfg, &cc);
    int rc = console_start(&d->loop, d->cfg.database, &cc, &d->cancel, &d->console);
    if (rc < 0) {
        log_err("cannot start the console: %s", strerror(-rc));
        d->console = NULL;
    }
}

/* ---- start, reload, stop ----------------------------------------------- */

static void start_revocations(struct daemon *d)
{
    struct db_callbacks cb = {
        .ctx = d,
        .on_connected = on_revocations_connected,
        .on_disconnected = on_revocations_disconnected,
        .on_notify = on_revoked,
    };
    int rc = db_start(&d->loop, d->cfg.database, REVOKE_CHANNEL, &cb, &d->revocations);
    if (rc < 0) {
        log_err("cannot start the revocation listener: %s", strerror(-rc));
        d->revocations = NULL;
    }
}

static void start_db(struct daemon *d)
{
    struct db_callbacks cb = {
        .ctx = d,
        .on_connected = on_connected,
        .on_disconnected = on_disconnected,
        .on_notify = on_notify,
    };
    int rc = db_start(&d->loop, d->cfg.database, NOTIFY_CHANNEL, &cb, &d->db);
    if (rc < 0) {
        log_err("cannot start the database connection: %s", strerror(-rc));
        d->db = NULL;
    }
}

/*
 * The connection cap: the configured one, but never so many that HTTP clients
 * could take the descriptors PostgreSQL needs. The soft limit is raised to
 * the hard one first (the unit sets both with LimitNOFILE=; where the sandbox
 * forbids setrlimit, the soft limit stands).
 */
static size_t connection_cap(const struct config *cfg)
{
    struct rlimit rl;
    size_t cap = (size_t)cfg->max_connections;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return cap;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit want = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &want) == 0)
            rl = want;
    }
    if (rl.rlim_cur == RLIM_INFINITY)
        return cap;
    size_t room = rl.rlim_cur > 2 * FD_RESERVE ? (size_t)rl.rlim_cur - FD_RESERVE : FD_RESERVE;
    if (room < cap) {
        log_notice("http: at most %zu connections (max_connections = %d, but the descriptor "
                   "limit is %llu and %d are kept for the database)",
                   room, cfg->max_connections, (unsigned long long)rl.rlim_cur, FD_RESERVE);
        cap = room;
    }
    return cap;
}

static int start_http(struct daemon *d)
{
    struct http_handlers h = http_handlers_tmpl;
    h.ctx = d;
    int rc = http_start(&d->loop, d->cfg.listen_address, d->cfg.listen_port, &h, &d->http);
    if (rc < 0) {
        log_err("cannot listen on %s port %d: %s", d->cfg.listen_address, d->cfg.listen_port,
                strerror(-rc));
        d->http = NULL;
        return rc;
    }
    http_set_max_connections(d->http, connection_cap(&d->cfg));
    log_info("serving feeds on http://%s:%d/", d->cfg.listen_address, d->cfg.listen_port);
    return 0;
}

static void migrate_work(uv_work_t *req)
{
    struct daemon *d = req->data;
    int count = 0;
    d->migrate_rc = migrate_run(d->cfg.database, d->cfg.migrate_on_start, &count, d->migrate_err,
                                sizeof d->migrate_err);
    if (d->migrate_rc == 0 && d->cfg.migrate_on_start && count > 0)
        snprintf(d->migrate_err, sizeof d->migrate_err, "applied %d migration(s)", count);
    else if (d->migrate_rc == 0 && !d->cfg.migrate_on_start && count > 0) {
        snprintf(d->migrate_err, sizeof d->migrate_err,
                 "%d migration(s) pending and migrate_on_start = no: run `staffd migrate`", count);
        d->migrate_rc = -EPERM;
    } else if (d->migrate_rc == 0) {
        d->migrate_err[0] = '\0';
    }
}

static void daemon_stop(struct daemon *d, int code);
static void migrate_begin(struct daemon *d);

static void on_migrate_retry(uv_timer_t *t)
{
    migrate_begin(t->data);
}

static void migrate_after(uv_work_t *req, int status)
{
    struct daemon *d = req->data;
    d->migrate_busy = false;
    if (d->stopping || status == UV_ECANCELED)
        return;
    if (d->migrate_rc == -ECONNREFUSED) {
        log_warn("%s; retrying", d->migrate_err);
        uv_timer_start(&d->migrate_retry, on_migrate_retry, MIGRATE_RETRY_MS, 0);
        return;
    }
    if (d->migrate_rc < 0) {
        log_err("%s", d->migrate_err);
        daemon_stop(d, 1);
        return;
    }
    if (d->migrate_err[0] != '\0')
        log_notice("%s", d->migrate_err);
    start_db(d);
    start_revocations(d);
    start_console(d);
}

static void migrate_begin(struct daemon *d)
{
    d->migrate_req.data = d;
    if (uv_queue_work(&d->loop, &d->migrate_req, migrate_work, migrate_after) == 0)
        d->migrate_busy = true;
}

static void db_restarted(void *arg)
{
    struct daemon *d = arg;
    d->db = NULL;
    d->db_stopping = false;
    if (!d->stopping)
        start_db(d);
}

static void revocations_restarted(void *arg)
{
    struct daemon *d = arg;
    d->revocations = NULL;
    if (!d->stopping)
        start_revocations(d);
}

static void http_restarted(void *arg)
{
    struct daemon *d = arg;
    d->http = NULL;
    if (!d->stopping)
        start_http(d);
}

static void reload(struct daemon *d)
{
    struct config nc;
    char err[512];
    sd_notify(0, "RELOADING=1");
    if (config_load(d->config_path, &nc, err, sizeof err) < 0) {
        log_err("reload failed, keeping the running configuration: %s", err);
        sd_notify(0, "READY=1");
        return;
    }
    struct config old = d->cfg;
    d->cfg = nc;
    enum log_level lvl;
    if (log_parse_level(nc.log_level, &lvl) == 0)
        log_set_level(lvl);
    if (strcmp(old.listen_address, nc.listen_address) != 0 || old.listen_port != nc.listen_port) {
        if (d->http != NULL)
            http_stop(d->http, http_restarted, d);
        else
            start_http(d);
    }
    if (strcmp(old.database, nc.database) != 0 && d->db != NULL && !d->db_stopping) {
        d->db_stopping = true;
        db_stop(d->db, db_restarted, d);
    }
    if (strcmp(old.database, nc.database) != 0 && d->revocations != NULL)
        db_stop(d->revocations, revocations_restarted, d);
    if (d->console != NULL && strcmp(old.database, nc.database) != 0) {
        /* The old console finishes what it holds and frees itself; a new one connects. */
        console_stop(d->console, NULL, NULL);
        d->console = NULL;
        start_console(d);
    } else if (d->console != NULL) {
        struct console_config cc;
        console_config_from(&d->cfg, &cc);
        console_configure(d->console, &cc);
    }
    log_info("configuration reloaded");
    sd_notify(0, "READY=1\nSTATUS=configuration reloaded");
    run_start(d, "reload");
}

static void on_signal(uv_signal_t *s, int signum)
{
    struct daemon *d = s->data;
    if (signum == SIGHUP) {
        reload(d);
        return;
    }
    log_notice("%s received, stopping", signum == SIGTERM ? "SIGTERM" : "SIGINT");
    daemon_stop(d, 0);
}

/*
 * What would stall the daemon for good, as opposed to degrade it: a query
 * that never ends (db.c drops one after 11 minutes, so this is a second line)
 * or a planning job far beyond its time budget. A lost database is not a
 * stall: the loop goes on serving feeds and reconnecting, and a restart would
 * not bring PostgreSQL back.
 */
static const char *stalled(struct daemon *d)
{
    uint64_t now = uv_now(&d->loop);
    if (d->db != NULL && db_connected(d->db)) {
        struct db_stats st;
        db_get_stats(d->db, &st);
        if (st.busy_ms > STALL_LIMIT_MS)
            return "a database query has not ended";
    }
    if (d->run_state == RUN_PLANNING && d->cfg.plan_iterations == 0) {
        uint64_t budget = (uint64_t)(d->cfg.plan_seconds * 1000);
        uint64_t limit = STALL_LIMIT_MS > 20 * budget ? STALL_LIMIT_MS : 20 * budget;
        if (now - d->stage_since_ms > limit)
            return "the planning job has run far past its budget";
    }
    return NULL;
}

static void on_watchdog(uv_timer_t *t)
{
    struct daemon *d = t->data;
    const char *why = stalled(d);
    if (why == NULL) {
        sd_notify(0, "WATCHDOG=1");
        return;
    }
    /* systemd restarts the daemon when the watchdog interval passes unfed. */
    log_err("watchdog: %s; no longer telling systemd all is well", why);
}

/* The change counter against what was planned: were notifications lost? */
static void counter_read(void *arg, int status, PGresult **res, int n, const char *error)
{
    (void)error;
    struct daemon *d = arg;
    d->check_busy = false;
    if (d->stopping || status < 0 || n != 1 || PQntuples(res[0]) != 1)
        return;
    long long now_seq = strtoll(PQgetvalue(res[0], 0, 0), NULL, 10);
    /*
     * Only an idle daemon with nothing heard and nothing pending can have
     * missed something; the counter also moves for a transaction still open
     * (its notification comes at commit), so one look is not enough: the
     * same unplanned value on two looks in a row is.
     */
    bool quiet = d->run_state == RUN_IDLE && !d->run_pending && d->waiting_since_ms == 0 &&
                 d->burst_started_ms == 0;
    if (!quiet || d->change_seq_planned < 0 || now_seq <= d->change_seq_planned) {
        d->suspect_seq = -1;
        return;
    }
    if (d->suspect_seq != now_seq) {
        d->suspect_seq = now_seq;
        return;
    }
    d->suspect_seq = -1;
    d->missed_notifications++;
    if (d->unheard_since_ms == 0)
        d->unheard_since_ms = uv_now(&d->loop);
    log_warn("changes were committed (counter %lld, planned %lld) but no notification came; "
             "re-planning",
             now_seq, d->change_seq_planned);
    run_start(d, "missed notification");
}

static void on_check(uv_timer_t *t)
{
    struct daemon *d = t->data;
    if (d->stopping || d->check_busy || d->db == NULL || !db_connected(d->db))
        return;
    if (db_exec(d->db, load_change_counter_sql, 0, NULL, counter_read, d) == 0)
        d->check_busy = true;
}

static void on_replan(uv_timer_t *t)
{
    run_start(t->data, "periodic");
}

static void on_refresh(uv_timer_t *t)
{
    /* Cancelled shifts leave the feed when their grace period ends. */
    feeds_refresh(t->data, NULL);
}

static void on_closed_db(void *arg)
{
    struct daemon *d = arg;
    d->db = NULL;
    d->db_stopping = false;
}

static void on_closed_revocations(void *arg)
{
    struct daemon *d = arg;
    d->revocations = NULL;
}

static void on_closed_console(void *arg)
{
    struct daemon *d = arg;
    d->console = NULL;
}

static void on_closed_http(void *arg)
{
    struct daemon *d = arg;
    d->http = NULL;
}

static void stop_db(struct daemon *d)
{
    if (!uv_is_closing((uv_handle_t *)&d->stop_wait))
        uv_close((uv_handle_t *)&d->stop_wait, NULL);
    if (d->db != NULL && !d->db_stopping) {
        d->db_stopping = true;
        db_stop(d->db, on_closed_db, d);
    }
}

static void abandon_recorded(void *arg, int status, PGresult **res, int n, const char *error)
{
    (void)res;
    (void)n;
    (void)error;
    struct daemon *d = arg;
    if (status == 0)
        log_info("run %" PRId64 " recorded as abandoned", d->abandoning);
    stop_db(d);
}

static void on_stop_wait(uv_timer_t *t)
{
    stop_db(t->data);
}

static void daemon_stop(struct daemon *d, int code)
{
    if (d->stopping)
        return;
    d->stopping = true;
    d->exit_code = code;
    atomic_store(&d->cancel, true);
    sd_notify(0, "STOPPING=1");
    uv_handle_t *handles[] = {
        (uv_handle_t *)&d->sig_term,      (uv_handle_t *)&d->sig_int,  (uv_handle_t *)&d->sig_hup,
        (uv_handle_t *)&d->debounce,      (uv_handle_t *)&d->watchdog, (uv_handle_t *)&d->replan,
        (uv_handle_t *)&d->refresh,       (uv_handle_t *)&d->retry,    (uv_handle_t *)&d->check,
        (uv_handle_t *)&d->migrate_retry,
    };
    for (size_t i = 0; i < sizeof handles / sizeof handles[0]; i++)
        if (!uv_is_closing(handles[i]))
            uv_close(handles[i], NULL);
    if (d->http != NULL)
        http_stop(d->http, on_closed_http, d);
    if (d->revocations != NULL)
        db_stop(d->revocations, on_closed_revocations, d);
    if (d->console != NULL) {
        console_stop(d->console, on_closed_console, d);
    }
    /*
     * A run in flight will not land: its row says so before the connection
     * closes (a run being stored still lands; the row then stays
     * 'succeeded'). At most a second: a shutdown must not wait on a database.
     */
    if (d->run_id > 0 && d->run_state != RUN_FINISHING && d->db != NULL && db_connected(d->db)) {
        char id[32];
        snprintf(id, sizeof id, "%" PRId64, d->run_id);
        const char *params[3] = {id, "abandoned", "the daemon was stopped during the run"};
        if (db_exec(d->db, store_finish_sql, 3, params, abandon_recorded, d) == 0) {
            d->abandoning = d->run_id;
            uv_timer_start(&d->stop_wait, on_stop_wait, 1000, 0);
            return;
        }
    }
    stop_db(d);
}

int daemon_run(const char *config_path)
{
    struct daemon *d = calloc(1, sizeof *d);
    char err[512];
    int rc;
    if (d == NULL)
        return 1;
    d->config_path = config_path;
    if (config_load(config_path, &d->cfg, err, sizeof err) < 0) {
        log_err("%s", err);
        free(d);
        return 2;
    }
    enum log_level lvl;
    if (log_parse_level(d->cfg.log_level, &lvl) == 0)
        log_set_level(lvl);
    rc = uv_loop_init(&d->loop);
    if (rc < 0 || feeds_new(&d->feeds) < 0) {
        log_err("cannot initialise the event loop");
        free(d);
        return 1;
    }
    atomic_init(&d->cancel, false);

    uv_signal_init(&d->loop, &d->sig_term);
    uv_signal_init(&d->loop, &d->sig_int);
    uv_signal_init(&d->loop, &d->sig_hup);
    d->sig_term.data = d->sig_int.data = d->sig_hup.data = d;
    uv_signal_start(&d->sig_term, on_signal, SIGTERM);
    uv_signal_start(&d->sig_int, on_signal, SIGINT);
    uv_signal_start(&d->sig_hup, on_signal, SIGHUP);
    signal(SIGPIPE, SIG_IGN);

    uv_timer_t *timers[] = {&d->debounce, &d->watchdog, &d->replan,    &d->refresh,
                            &d->retry,    &d->check,    &d->stop_wait, &d->migrate_retry};
    for (size_t i = 0; i < sizeof timers / sizeof timers[0]; i++) {
        uv_timer_init(&d->loop, timers[i]);
        timers[i]->data = d;
    }
    uint64_t wd_usec = 0;
    if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0) {
        uint64_t every = wd_usec / 2000;
        uv_timer_start(&d->watchdog, on_watchdog, every ? every : 1, every ? every : 1);
    }
    uv_timer_start(&d->replan, on_replan, REPLAN_INTERVAL_MS, REPLAN_INTERVAL_MS);
    uv_timer_start(&d->refresh, on_refresh, REFRESH_INTERVAL_MS, REFRESH_INTERVAL_MS);
    uv_timer_start(&d->check, on_check, CHECK_MS, CHECK_MS);
    d->retry_ms = RETRY_MIN_MS;
    d->change_seq_planned = -1;
    d->suspect_seq = -1;

    if (start_http(d) < 0) {
        daemon_stop(d, 1);
    } else {
        log_info("staffd starting; applying migrations");
        migrate_begin(d);
    }

    uv_run(&d->loop, UV_RUN_DEFAULT);
    rc = uv_loop_close(&d->loop);
    if (rc != 0) {
        log_err("event loop did not close cleanly: %s", uv_strerror(rc));
        if (d->exit_code == 0)
            d->exit_code = 1;
    }
    int code = d->exit_code;
    feeds_free(d->feeds);
    free(d->recruitment);
    free(d);
    /* libical keeps its zone index for the life of the process; give it back. */
    icaltimezone_free_builtin_timezones();
    log_info("stopped");
    return code;
}
