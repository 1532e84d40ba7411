/*
 * daemon.c — the loop of `staffd run` (see include/daemon.h).
 *
 * Everything here runs on the loop thread except the three work callbacks
 * (migrate_work, plan_work, render_work), which touch only their job struct.
 * A planning run is a small state machine: LOADING (snapshot query) ->
 * PLANNING (thread pool) -> STORING (publish statement) -> IDLE. A change that
 * arrives meanwhile sets run_pending, so a burst of any size costs at most one
 * more run. Feed rendering has its own, similar, one-at-a-time pipeline.
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
#include <systemd/sd-daemon.h>
#include <time.h>
#include <uv.h>

#include "config.h"
#include "db.h"
#include "feeds.h"
#include "http.h"
#include "http_internal.h"
#include "load.h"
#include "log.h"
#include "migrate.h"
#include "plan.h"
#include "publish.h"
#include "recruit.h"
#include "store.h"

#define NOTIFY_CHANNEL      "staffd_changed"
#define REPLAN_INTERVAL_MS  (60 * 60 * 1000)
#define REFRESH_INTERVAL_MS (10 * 60 * 1000)
#define MIGRATE_RETRY_MS    2000

enum run_state { RUN_IDLE, RUN_LOADING, RUN_PLANNING, RUN_STORING };

struct daemon {
    uv_loop_t loop;
    const char *config_path;
    struct config cfg;
    struct db *db;
    struct http_server *http;
    struct feeds *feeds;

    uv_signal_t sig_term, sig_int, sig_hup;
    uv_timer_t debounce, watchdog, replan, refresh, migrate_retry;
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

    bool feeds_busy;
    bool feeds_pending;
    bool tokens_busy;
    bool tokens_pending;

    /* What /healthz and /metrics report. */
    uint64_t runs_succeeded, runs_failed, runs_abandoned, notifications;
    int64_t last_run_id;
    char last_run_status[16];
    double last_run_finished;
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
    double started_at;
    char reason[64];
    /* Filled by the worker. */
    int rc;
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
    d->tokens_busy = false;
    if (d->stopping)
        return;
    if (status < 0 || n != 1) {
        log_warn("feeds: token query failed: %s", error ? error : "?");
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

static void run_finish(struct daemon *d)
{
    d->run_state = RUN_IDLE;
    if (d->run_pending && !d->stopping) {
        d->run_pending = false;
        run_start(d, d->pending_reason);
    }
}

static void failed_recorded(void *arg, int status, PGresult **res, int n, const char *error)
{
    (void)res;
    (void)n;
    struct daemon *d = arg;
    if (status < 0)
        log_warn("run: could not record the failed run: %s", error ? error : "?");
    run_finish(d);
}

static void stored(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct plan_job *j = arg;
    struct daemon *d = j->d;
    if (d->stopping) {
        d->runs_abandoned++;
    } else if (status < 0 || n != 1 || PQntuples(res[0]) != 1) {
        log_err("run: storing the plan failed: %s", error ? error : "no result");
        d->runs_failed++;
        snprintf(d->last_run_status, sizeof d->last_run_status, "failed");
        /* A lost connection re-plans on reconnect; anything else on the next change. */
    } else {
        d->runs_succeeded++;
        d->last_run_id = strtoll(PQgetvalue(res[0], 0, 0), NULL, 10);
        snprintf(d->last_run_status, sizeof d->last_run_status, "succeeded");
        d->last_run_finished = wall_now();
        d->last_run_shortage = j->plan.shortage_minutes;
        d->last_agents = j->snap.n_agents;
        d->last_shifts = j->plan.n_shifts;
        d->last_input_errors = j->snap.n_errors;
        const char *changed = PQgetvalue(res[0], 0, 1);
        log_info("run %" PRId64 " (%s): %d agents, %d shifts, %d changes, shortage %.0f "
                 "agent-minutes, planned in %.2f s",
                 d->last_run_id, j->reason, j->snap.n_agents, j->plan.n_shifts, j->n_ops,
                 j->plan.shortage_minutes, j->seconds);
        notify_status("run %" PRId64 ": %d shifts, shortage %.0f agent-minutes", d->last_run_id,
                      j->plan.n_shifts, j->plan.shortage_minutes);
        if (strcmp(changed, "{}") != 0)
            feeds_refresh(d, changed);
        /* What GET /api/recruitment serves: the recruitment of the last run that landed. */
        free(d->recruitment);
        d->recruitment = j->recruitment;
        j->recruitment = NULL;
    }
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
    if (j->rc < 0)
        return;
    j->snap.freeze_until = j->snap.now + (sd_time)j->freeze_hours * 3600;
    struct plan_params pp = {.seed = j->seed,
                             .iterations = j->iterations,
                             .seconds = j->budget_seconds,
                             .threads = j->threads,
                             .cancel = &j->d->cancel};
    j->rc = plan_run(&j->snap, &pp, &j->plan);
    if (j->rc < 0) {
        snprintf(j->err, sizeof j->err, "planning: %s", strerror(-j->rc));
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
        snprintf(j->err, sizeof j->err, "recruitment: %s", strerror(-j->rc));
        return;
    }
    cJSON *rj = recruit_to_json(&j->snap, &rr);
    j->recruitment = rj != NULL ? cJSON_PrintUnformatted(rj) : NULL;
    cJSON_Delete(rj);
    recruit_result_free(&rr);
    if (j->recruitment == NULL) {
        j->rc = -ENOMEM;
        snprintf(j->err, sizeof j->err, "recruitment: %s", strerror(ENOMEM));
        return;
    }
    j->rc = publish_diff(&j->snap, &j->plan, &ops, &j->n_ops);
    if (j->rc == 0) {
        struct store_run_info info = {
            .started_at = j->started_at, .reason = j->reason, .recruitment = j->recruitment};
        j->rc = store_build_params(&j->snap, &j->plan, ops, j->n_ops, &info, j->params);
    }
    if (j->rc < 0)
        snprintf(j->err, sizeof j->err, "preparing the write: %s", strerror(-j->rc));
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
    int rc;
    if (status == UV_ECANCELED || d->stopping || j->rc == -ECANCELED) {
        d->runs_abandoned++;
        log_notice("run (%s) abandoned: shutting down", j->reason);
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
        log_err("run (%s) failed: %s", j->reason, j->err);
        d->runs_failed++;
        snprintf(d->last_run_status, sizeof d->last_run_status, "failed");
        char started[32];
        snprintf(started, sizeof started, "%.3f", j->started_at);
        const char *params[4] = {started, j->reason, "failed", j->err};
        d->run_state = RUN_STORING;
        rc = db_exec(d->db, store_failed_sql, 4, params, failed_recorded, d);
        job_free(j);
        if (rc < 0)
            run_finish(d);
        return;
    }
    d->run_state = RUN_STORING;
    d->last_plan_seconds = j->seconds;
    if (db_exec(d->db, store_publish_sql, STORE_NPARAMS, (const char *const *)j->params, stored,
                j) < 0) {
        log_warn("run (%s): database gone before the plan could be stored", j->reason);
        job_free(j);
        d->run_pending = true;
        run_finish(d);
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
        log_err("run: reading the snapshot failed: %s", error ? error : "?");
        d->runs_failed++;
        run_finish(d);
        return;
    }
    struct plan_job *j = calloc(1, sizeof *j);
    if (j == NULL || (j->results = calloc((size_t)n, sizeof *j->results)) == NULL) {
        free(j);
        run_finish(d);
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
    j->started_at = wall_now();
    snprintf(j->reason, sizeof j->reason, "%s", d->pending_reason);
    d->run_state = RUN_PLANNING;
    if (uv_queue_work(&d->loop, &j->req, plan_work, plan_after) != 0) {
        job_free(j);
        run_finish(d);
    }
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
    char *sql =
        load_snapshot_sql(d->cfg.horizon_days, d->cfg.clock_fixed, (sd_time)d->cfg.clock_at);
    if (sql == NULL)
        return;
    d->run_state = RUN_LOADING;
    if (db_exec(d->db, sql, 0, NULL, snapshot_loaded, d) < 0) {
        d->run_state = RUN_IDLE;
        d->run_pending = true;
    }
    free(sql);
}

/* ---- database events --------------------------------------------------- */

static void on_debounce(uv_timer_t *t)
{
    struct daemon *d = t->data;
    d->burst_started_ms = 0;
    run_start(d, "change");
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
    if (strcmp(payload, "settings") == 0)
        return;
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
}

/* ---- HTTP content ------------------------------------------------------ */

static int http_feed_cb(void *ctx, const char *token, size_t len, struct http_feed *out)
{
    struct daemon *d = ctx;
    return feeds_lookup(d->feeds, token, len, out);
}

static char *http_healthz_cb(void *ctx, int *status)
{
    struct daemon *d = ctx;
    bool up = d->db != NULL && db_connected(d->db);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "status", up ? "ok" : "degraded");
    cJSON_AddStringToObject(j, "database", up ? "connected" : "disconnected");
    if (d->last_run_id > 0) {
        cJSON *r = cJSON_AddObjectToObject(j, "last_run");
        cJSON_AddNumberToObject(r, "id", (double)d->last_run_id);
        cJSON_AddStringToObject(r, "status", d->last_run_status);
        cJSON_AddNumberToObject(r, "finished_at", d->last_run_finished);
        cJSON_AddNumberToObject(r, "shortage_minutes", d->last_run_shortage);
    } else {
        cJSON_AddNullToObject(j, "last_run");
    }
    cJSON_AddNumberToObject(j, "agents", d->last_agents);
    cJSON_AddNumberToObject(j, "feeds", feeds_count(d->feeds));
    cJSON_AddNumberToObject(j, "shifts", d->last_shifts);
    cJSON_AddNumberToObject(j, "input_errors", d->last_input_errors);
    char *body = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    *status = up ? 200 : 503;
    return body;
}

static char *http_metrics_cb(void *ctx)
{
    struct daemon *d = ctx;
    struct http_stats hs = {0};
    if (d->http != NULL)
        http_get_stats(d->http, &hs);
    char *body = NULL;
    int n = asprintf(
        &body,
        "# HELP staffd_db_connected Whether the PostgreSQL connection is up.\n"
        "# TYPE staffd_db_connected gauge\n"
        "staffd_db_connected %d\n"
        "# HELP staffd_db_reconnects_total Reconnections after a lost connection.\n"
        "# TYPE staffd_db_reconnects_total counter\n"
        "staffd_db_reconnects_total %" PRIu64 "\n"
        "# HELP staffd_notifications_total Change notifications received.\n"
        "# TYPE staffd_notifications_total counter\n"
        "staffd_notifications_total %" PRIu64 "\n"
        "# HELP staffd_runs_total Planning runs by outcome.\n"
        "# TYPE staffd_runs_total counter\n"
        "staffd_runs_total{status=\"succeeded\"} %" PRIu64 "\n"
        "staffd_runs_total{status=\"failed\"} %" PRIu64 "\n"
        "staffd_runs_total{status=\"abandoned\"} %" PRIu64 "\n"
        "# HELP staffd_last_run_shortage_minutes Agent-minutes left uncovered by the last run.\n"
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
        "# HELP staffd_http_requests_total HTTP requests served.\n"
        "# TYPE staffd_http_requests_total counter\n"
        "staffd_http_requests_total %" PRIu64 "\n"
        "# HELP staffd_feed_requests_total Feed requests by outcome.\n"
        "# TYPE staffd_feed_requests_total counter\n"
        "staffd_feed_requests_total{outcome=\"hit\"} %" PRIu64 "\n"
        "staffd_feed_requests_total{outcome=\"not_modified\"} %" PRIu64 "\n"
        "staffd_feed_requests_total{outcome=\"not_found\"} %" PRIu64 "\n",
        d->db != NULL && db_connected(d->db), d->db_reconnects, d->notifications, d->runs_succeeded,
        d->runs_failed, d->runs_abandoned, d->last_run_shortage, d->last_plan_seconds,
        d->last_agents, d->last_shifts, d->last_input_errors, feeds_count(d->feeds), hs.requests,
        hs.feed_hits, hs.feed_not_modified, hs.feed_not_found);
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
    const char *token;
    size_t token_len;
    if (authorization == NULL ||
        http_bearer_token(authorization, strlen(authorization), &token, &token_len) < 0)
        return api_error(status, 401, "an admin token is required (Authorization: Bearer TOKEN)");
    unsigned char got[32], want[32];
    feeds_hash_token(token, token_len, got);
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

static const struct http_handlers http_handlers_tmpl = {
    .feed = http_feed_cb,
    .healthz = http_healthz_cb,
    .metrics = http_metrics_cb,
    .api = http_api_cb,
};

/* ---- start, reload, stop ----------------------------------------------- */

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
}

static void migrate_begin(struct daemon *d)
{
    d->migrate_req.data = d;
    if (uv_queue_work(&d->loop, &d->migrate_req, migrate_work, migrate_after) == 0)
        d->migrate_busy = true;
}

struct restart_ctx {
    struct daemon *d;
};

static void db_restarted(void *arg)
{
    struct daemon *d = arg;
    d->db = NULL;
    if (!d->stopping)
        start_db(d);
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
    if (strcmp(old.database, nc.database) != 0 && d->db != NULL)
        db_stop(d->db, db_restarted, d);
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

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    sd_notify(0, "WATCHDOG=1");
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
}

static void on_closed_http(void *arg)
{
    struct daemon *d = arg;
    d->http = NULL;
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
        (uv_handle_t *)&d->sig_term, (uv_handle_t *)&d->sig_int,       (uv_handle_t *)&d->sig_hup,
        (uv_handle_t *)&d->debounce, (uv_handle_t *)&d->watchdog,      (uv_handle_t *)&d->replan,
        (uv_handle_t *)&d->refresh,  (uv_handle_t *)&d->migrate_retry,
    };
    for (size_t i = 0; i < sizeof handles / sizeof handles[0]; i++)
        if (!uv_is_closing(handles[i]))
            uv_close(handles[i], NULL);
    if (d->http != NULL)
        http_stop(d->http, on_closed_http, d);
    if (d->db != NULL)
        db_stop(d->db, on_closed_db, d);
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

    uv_timer_t *timers[] = {&d->debounce, &d->watchdog, &d->replan, &d->refresh, &d->migrate_retry};
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
