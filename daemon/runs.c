/* SPDX-License-Identifier: ISC */
/*
 * runs.c — the planning runs of the sites this daemon leads (see
 * include/runs.h).
 *
 * Everything here runs on the loop thread except plan_work, which touches
 * only its job. A run is a small state machine: BEGINNING (its runs row, as
 * 'running') -> LOADING (snapshot) -> PLANNING (thread pool) -> STORING
 * (publish) -> IDLE, or -> FINISHING (the row says 'failed' or 'abandoned'
 * and why) -> IDLE. Sites wait their turn: each has its own debounce and
 * retry times, and the scheduler starts the due site that has waited longest
 * whenever the planner is idle, so a burst of changes costs one run per site
 * and a failing site never holds up another.
 */
#include "runs.h"

#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "load.h"
#include "log.h"
#include "plan.h"
#include "publish.h"
#include "recruit.h"
#include "recruit_report.h"
#include "store.h"
#include "text.h"
#include "util.h"

#define RETRY_MIN_MS 5000
#define RETRY_MAX_MS (5 * 60 * 1000)
/* A query out this long, or a planning job this long past its budget, is a stall. */
#define STALL_LIMIT_MS (12 * 60 * 1000)

enum run_state { RUN_IDLE, RUN_BEGINNING, RUN_LOADING, RUN_PLANNING, RUN_STORING, RUN_FINISHING };

static const char *const stage_names[RUNS_STAGES] = {"begin", "snapshot", "planning", "store"};
/* store_begin_sql and store_publish_sql for a quick run (migration 0014). */
static const char begin_quick_sql[] = "SELECT staffd.begin_run($1, $2::bigint, 'quick')";
static const char publish_quick_sql[] =
    "SELECT r.run_id, r.changed_agents, staffd.publish_recruitment(r.run_id, $12::jsonb)"
    " FROM staffd.publish_quick_run($1::jsonb, $2::jsonb, $3::jsonb, $4::jsonb, $5::bigint[],"
    " $6::bigint[], $7::float8[], $8::int[], $9::float8[], $10::float8[], $11::jsonb,"
    " $13::int[], $14::float8[]) AS r";

struct site {
    struct runs_site_info info;
    bool pending;
    bool retrying; /* pending because the last run failed */
    char pending_reason[64];
    uint64_t due_ms;           /* pending: start no earlier */
    uint64_t burst_started_ms; /* 0: no burst being debounced */
    uint64_t waiting_since_ms; /* 0: nothing heard that no run has started on */
    uint64_t retry_ms;
    /*
     * Quick runs: the agents the pending change named (touched_all: it
     * named none, or something else changed too: a full run), when the last
     * change was heard (the debounce), and the full search a quick run owes.
     */
    int64_t touched[RUNS_MAX_AGENTS];
    int n_touched;
    bool touched_all;
    uint64_t last_change_ms;
    bool full_owed;
    uint64_t full_due_ms;
    /* Reporting. */
    int64_t last_run_id;
    char last_status[16], last_reason[64], last_message[256];
    double last_finished;
    int64_t good_run_id;
    double good_finished;
    bool landed;
    double shortage_minutes, surplus_minutes, unfixable_minutes;
    int agents, shifts, input_errors;
    char *recruitment;
    sd_time horizon_start; /* of the last run this daemon landed */
};

struct plan_job {
    uv_work_t req;
    struct runs *r;
    int64_t site;
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
    /* A quick run: the agents it plans, and the recruitment it keeps (may be NULL). */
    bool quick;
    bool owed; /* the full run quick ones owe: it changes the roster only for the better */
    int64_t quick_agents[RUNS_MAX_AGENTS];
    int n_quick;
    char *recruitment_kept;
    sd_time horizon_start; /* of the site's last landed run, 0: not known */
    /* Filled by the worker. */
    int rc;
    enum runs_stage stage; /* where rc < 0 came from */
    char err[512];
    struct snapshot snap;
    struct plan plan;
    int n_ops;
    char *params[STORE_NPARAMS];
    char *recruitment;
    double seconds;
};

struct runs {
    uv_loop_t *loop;
    struct config cfg;
    struct runs_callbacks cb;
    struct db *db;

    struct site *sites;
    int n_sites;
    struct runs_site_view *views;

    uv_timer_t wake, stop_wait;
    int open_handles;

    /* The run in flight. */
    enum run_state state;
    uint64_t stage_since_ms;
    int64_t site;   /* its site */
    int64_t run_id; /* its runs row; 0 before store_begin_sql answered */
    double started_at;
    char reason[64];
    atomic_bool cancel;
    /* Its kind: a quick run and its agents, or a full one owed by a quick run (pre-emptible). */
    bool quick;
    int64_t quick_agents[RUNS_MAX_AGENTS];
    int n_quick;
    bool owed;
    bool preempted; /* a change came: cancelled so that the quick run goes first */

    /* Notifications that never came: see runs_check_counter(). */
    bool check_busy;
    long long heard_seq;   /* the highest change counter value heard; -1: a fresh session */
    long long unheard_seq; /* a counter value seen ahead of it on the last look, -1: none */

    struct runs_stats stats;
    bool stopping;
    void (*stop_done)(void *arg);
    void *stop_arg;
};

static void schedule(struct runs *r);
static void job_free(struct plan_job *j);

static struct site *site_of(struct runs *r, int64_t id)
{
    for (int i = 0; i < r->n_sites; i++)
        if (r->sites[i].info.id == id)
            return &r->sites[i];
    return NULL;
}

static bool leads(struct runs *r, int64_t id)
{
    struct site *s = site_of(r, id);
    return s != NULL && s->info.led;
}

static bool connected(const struct runs *r)
{
    return r->db != NULL && db_connected(r->db);
}

/* ---- the state machine -------------------------------------------------- */

static void set_state(struct runs *r, enum run_state st)
{
    r->state = st;
    r->stage_since_ms = uv_now(r->loop);
}

/* The shutdown's last step: the abandoned run is recorded, or the second is up. */
static void stop_complete(struct runs *r)
{
    if (r->stop_done == NULL)
        return;
    void (*done)(void *) = r->stop_done;
    r->stop_done = NULL;
    uv_timer_stop(&r->stop_wait);
    if (!uv_is_closing((uv_handle_t *)&r->stop_wait))
        uv_close((uv_handle_t *)&r->stop_wait, NULL);
    done(r->stop_arg);
}

static void finish(struct runs *r)
{
    set_state(r, RUN_IDLE);
    r->run_id = 0;
    r->site = 0;
    if (r->stopping) {
        stop_complete(r);
        return;
    }
    schedule(r);
}

/* What /healthz shows of an attempt. */
static void note_attempt(struct runs *r, const char *status, const char *message)
{
    struct site *s = site_of(r, r->site);
    if (s == NULL)
        return;
    s->last_run_id = r->run_id;
    snprintf(s->last_status, sizeof s->last_status, "%s", status);
    text_printf(s->last_message, sizeof s->last_message, "%s", message ? message : "");
    snprintf(s->last_reason, sizeof s->last_reason, "%s", r->reason);
    s->last_finished = util_wall_seconds();
}

static void finish_recorded(void *arg, int status, PGresult **res, int n, const char *error)
{
    (void)res;
    (void)n;
    struct runs *r = arg;
    if (status < 0)
        log_warn("run %" PRId64 ": could not record how it ended: %s", r->run_id,
                 error ? error : "?");
    finish(r);
}

/* Records the run's end in its row (when it has one and the session is up), then finishes. */
static void record_end(struct runs *r, const char *status, const char *why)
{
    if (r->run_id > 0 && connected(r)) {
        char id[32];
        snprintf(id, sizeof id, "%" PRId64, r->run_id);
        const char *params[3] = {id, status, why};
        set_state(r, RUN_FINISHING);
        if (db_exec(r->db, store_finish_sql, 3, params, finish_recorded, r) == 0)
            return;
    }
    finish(r);
}

/*
 * A run that will not land: count it, say why, record it and try the site
 * again later. The row is recorded even when the failure was the database's:
 * the retry finds the session usable again, and if the connection is gone the
 * next begin_run marks the row abandoned.
 */
static void fail(struct runs *r, enum runs_stage stage, const char *why)
{
    char msg[512];
    text_printf(msg, sizeof msg, "%s failed: %s", stage_names[stage], why ? why : "?");
    log_err("run %" PRId64 " of site %" PRId64 " (%s): %s", r->run_id, r->site, r->reason, msg);
    r->stats.failed++;
    r->stats.failures[stage]++;
    note_attempt(r, "failed", msg);
    struct site *s = site_of(r, r->site);
    if (s != NULL && !r->stopping) {
        s->pending = true;
        s->retrying = true;
        s->touched_all = true;
        snprintf(s->pending_reason, sizeof s->pending_reason, "retry");
        s->due_ms = uv_now(r->loop) + s->retry_ms;
        log_notice("run: site %" PRId64 " is tried again in %.0f s", s->info.id,
                   s->retry_ms / 1000.0);
        s->retry_ms = s->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : s->retry_ms * 2;
    }
    record_end(r, "failed", msg);
}

/* A run that ends without failing: the daemon stops, or another daemon leads the site now. */
static void abandon(struct runs *r, const char *why)
{
    log_notice("run %" PRId64 " of site %" PRId64 " (%s) abandoned: %s", r->run_id, r->site,
               r->reason, why);
    r->stats.abandoned++;
    note_attempt(r, "abandoned", why);
    record_end(r, "abandoned", why);
}

/* The SQLSTATE of the first result that has one. */
static const char *sqlstate(PGresult **res, int n)
{
    for (int i = 0; res != NULL && i < n; i++) {
        const char *code = res[i] != NULL ? PQresultErrorField(res[i], PG_DIAG_SQLSTATE) : NULL;
        if (code != NULL)
            return code;
    }
    return "";
}

/*
 * A run whose plan went stale before it could land: another run of the site
 * landed after it began (a publish still running in the server session of a
 * daemon that was killed, or of this one before it lost its connection). The
 * database refused it and nothing of it was written. It is abandoned, not
 * failed; every feed is rendered again, because the other run changed agents
 * this daemon was never told about; and the site is planned again at once.
 */
static void superseded(struct runs *r)
{
    static const char why[] = "another run landed after it began; planned again";
    struct site *s = site_of(r, r->site);
    if (s != NULL) {
        s->pending = true;
        s->retrying = false;
        s->touched_all = true;
        s->due_ms = uv_now(r->loop);
        snprintf(s->pending_reason, sizeof s->pending_reason, "stale snapshot");
    }
    if (r->cb.on_stale != NULL)
        r->cb.on_stale(r->cb.ctx);
    abandon(r, why);
}

static void stored(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct plan_job *j = arg;
    struct runs *r = j->r;
    if (status < 0 || n != 1 || PQntuples(res[0]) != 1) {
        const char *code = sqlstate(res, n);
        job_free(j);
        if (r->stopping) {
            abandon(r, "the daemon was stopping");
        } else if (status == -EIO && strcmp(code, "40001") == 0) {
            superseded(r);
        } else if (status == -EIO && strcmp(code, "55P03") == 0) {
            /* Fenced: this session no longer leads the site (leader.c will notice too). */
            abandon(r, "this daemon no longer leads the site; nothing of the run was written");
        } else {
            fail(r, RUNS_STORE, error ? error : "no result");
        }
        return;
    }
    /* It landed, even if the daemon is stopping meanwhile. */
    r->stats.succeeded++;
    r->run_id = strtoll(PQgetvalue(res[0], 0, 0), NULL, 10);
    note_attempt(r, "succeeded", "");
    struct site *s = site_of(r, r->site);
    if (s != NULL) {
        s->retry_ms = RETRY_MIN_MS;
        s->good_run_id = r->run_id;
        s->good_finished = s->last_finished;
        s->landed = true;
        s->shortage_minutes = j->plan.shortage_minutes;
        s->surplus_minutes = j->plan.surplus_minutes;
        s->unfixable_minutes = j->plan.unfixable_minutes;
        s->agents = j->snap.n_agents;
        s->shifts = j->plan.n_shifts;
        s->input_errors = j->snap.n_errors;
        free(s->recruitment);
        s->recruitment = j->recruitment;
        j->recruitment = NULL;
        /* A quick run owes the site the full search, once it is quiet; a full one pays it. */
        s->full_owed = j->quick;
        s->horizon_start = j->snap.horizon_start;
        s->full_due_ms = uv_now(r->loop) + (uint64_t)r->cfg.full_plan_after_ms;
    }
    log_info("run %" PRId64 " of site %" PRId64 " (%s%s): %d agents, %d shifts, %d changes, "
             "shortage %.0f agent-minutes from now on (%.0f of them unfixable: too few agents "
             "could work), surplus %.0f, %d input errors, planned in %.2f s",
             r->run_id, r->site, j->reason, j->quick ? ", quick" : "", j->snap.n_agents,
             j->plan.n_shifts, j->n_ops, j->plan.shortage_minutes, j->plan.unfixable_minutes,
             j->plan.surplus_minutes, j->snap.n_errors, j->seconds);
    if (r->cb.on_landed != NULL)
        r->cb.on_landed(r->cb.ctx, r->site, r->run_id, PQgetvalue(res[0], 0, 1));
    job_free(j);
    finish(r);
}

static void mark_span(const struct snapshot *s, int queue, sd_time start, sd_time end, bool *cells)
{
    int c0, c1;
    if (queue < 0 || queue >= s->n_queues)
        return;
    snapshot_span_cells(s, start, end, &c0, &c1);
    for (int c = c0; c < c1; c++)
        cells[(size_t)queue * (size_t)s->n_cells + (size_t)c] = true;
}

/*
 * The coverage cells a quick run changes (*out, malloc'd): those of every
 * shift it inserts, moves or cancels, and wherever its agents on the queue
 * differ from the published roster's (shifts less breaks), which also catches
 * breaks that moved. NULL (every cell) when the horizon moved since the last
 * run landed: the new cells have no row yet. 0 or -ENOMEM.
 */
static int quick_cells(const struct plan_job *j, const struct publish_op *ops, bool **out)
{
    const struct snapshot *s = &j->snap;
    const struct plan *p = &j->plan;
    size_t n = (size_t)s->n_queues * (size_t)s->n_cells;
    *out = NULL;
    if (j->horizon_start != s->horizon_start)
        return 0;
    bool *cells = calloc(n ? n : 1, sizeof *cells);
    int *pub = calloc(n ? n : 1, sizeof *pub);
    if (cells == NULL || pub == NULL) {
        free(cells);
        free(pub);
        return -ENOMEM;
    }
    for (int k = 0; k < j->n_ops; k++) {
        const struct publish_op *op = &ops[k];
        if (op->shift >= 0 && op->shift < p->n_shifts)
            mark_span(s, p->shifts[op->shift].queue, p->shifts[op->shift].start,
                      p->shifts[op->shift].end, cells);
        if (op->published >= 0 && op->published < s->n_published)
            mark_span(s, s->published[op->published].queue, s->published[op->published].start,
                      s->published[op->published].end, cells);
    }
    for (int k = 0; k < s->n_published; k++) {
        const struct published_shift *ps = &s->published[k];
        int c0, c1, d = 1;
        if (ps->cancelled || ps->queue < 0 || ps->queue >= s->n_queues)
            continue;
        for (int b = -1; b < ps->n_breaks; b++, d = -1) {
            const struct shift_break *br =
                b >= 0 ? &s->published_breaks[ps->first_break + b] : NULL;
            snapshot_span_cells(s, br ? br->start : ps->start, br ? br->end : ps->end, &c0, &c1);
            for (int c = c0; c < c1; c++)
                pub[(size_t)ps->queue * (size_t)s->n_cells + (size_t)c] += d;
        }
    }
    for (size_t i = 0; i < n; i++)
        cells[i] |= pub[i] != p->scheduled[i];
    free(pub);
    *out = cells;
    return 0;
}

static void plan_work(uv_work_t *req)
{
    struct plan_job *j = req->data;
    double t0 = util_mono_seconds();
    struct publish_op *ops = NULL;
    j->rc =
        load_snapshot(j->results, j->n_results, j->horizon_days, &j->snap, j->err, sizeof j->err);
    for (int i = 0; i < j->n_results; i++)
        PQclear(j->results[i]);
    free(j->results);
    j->results = NULL;
    if (j->rc < 0) {
        j->stage = RUNS_SNAPSHOT;
        return;
    }
    j->stage = RUNS_PLANNING;
    struct plan_params pp = {.seed = j->seed,
                             .iterations = j->iterations,
                             .seconds = j->budget_seconds,
                             .threads = j->threads,
                             .cancel = &j->r->cancel,
                             .freeze_until = j->snap.now + (sd_time)j->freeze_hours * 3600,
                             .quick_agents = j->quick ? j->quick_agents : NULL,
                             .n_quick_agents = j->quick ? j->n_quick : 0,
                             .improve_only = j->owed};
    j->rc = plan_run(&j->snap, &pp, &j->plan);
    if (j->rc < 0) {
        text_printf(j->err, sizeof j->err, "planning: %s", strerror(-j->rc));
        return;
    }
    if (j->quick && j->recruitment_kept != NULL) {
        /* Hiring needs a few agents' change barely moves: the full run that follows redoes them. */
        j->recruitment = j->recruitment_kept;
        j->recruitment_kept = NULL;
    } else {
        /* Recruitment reads the shortage this plan leaves. */
        struct recruit_params rp;
        struct recruit_result rr = {0};
        recruit_params_default(&rp);
        rp.seed = j->seed;
        rp.cancel = &j->r->cancel;
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
    }
    bool *cells = NULL;
    j->rc = publish_diff(&j->snap, &j->plan, &ops, &j->n_ops);
    if (j->rc == 0 && j->quick)
        j->rc = quick_cells(j, ops, &cells);
    if (j->rc == 0) {
        struct store_run_info info = {.run_id = j->run_id,
                                      .started_at = j->started_at,
                                      .reason = j->reason,
                                      .recruitment = j->recruitment,
                                      .cov_cells = cells};
        j->rc = store_build_params(&j->snap, &j->plan, ops, j->n_ops, &info, j->params);
    }
    free(cells);
    if (j->rc < 0)
        text_printf(j->err, sizeof j->err, "preparing the write: %s", strerror(-j->rc));
    free(ops);
    j->seconds = util_mono_seconds() - t0;
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
    free(j->recruitment_kept);
    free(j);
}

static void plan_after(uv_work_t *req, int status)
{
    struct plan_job *j = req->data;
    struct runs *r = j->r;
    if (status == UV_ECANCELED || r->stopping || j->rc == -ECANCELED) {
        job_free(j);
        abandon(r, r->stopping    ? "the daemon was stopping"
                   : r->preempted ? "a change came: its quick run goes first, the full one after"
                                  : "this daemon no longer leads the site");
        return;
    }
    if (j->quick && j->rc == -EAGAIN) {
        /* The neighbourhood has no feasible horizon around its published days: plan in full. */
        struct site *s = site_of(r, j->site);
        job_free(j);
        if (s != NULL) {
            s->pending = true;
            s->retrying = false;
            s->touched_all = true;
            s->due_ms = uv_now(r->loop);
            snprintf(s->pending_reason, sizeof s->pending_reason, "%s", r->reason);
        }
        abandon(r, "a quick plan was not possible here; planned in full");
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
        enum runs_stage stage = j->stage;
        memcpy(err, j->err, sizeof err);
        job_free(j);
        fail(r, stage, err);
        return;
    }
    if (!leads(r, j->site)) {
        job_free(j);
        abandon(r, "this daemon no longer leads the site");
        return;
    }
    set_state(r, RUN_STORING);
    r->stats.last_plan_seconds = j->seconds;
    if (!connected(r) || db_exec(r->db, j->quick ? publish_quick_sql : store_publish_sql,
                                 STORE_NPARAMS, (const char *const *)j->params, stored, j) < 0) {
        job_free(j);
        fail(r, RUNS_STORE, "the database connection went away before the plan was stored");
    }
}

static void snapshot_loaded(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct runs *r = arg;
    if (r->stopping) {
        abandon(r, "the daemon was stopping");
        return;
    }
    if (r->preempted) {
        abandon(r, "a change came: its quick run goes first, the full one after");
        return;
    }
    if (status < 0) {
        fail(r, RUNS_SNAPSHOT, error);
        return;
    }
    if (!leads(r, r->site)) {
        abandon(r, "this daemon no longer leads the site");
        return;
    }
    struct site *s = site_of(r, r->site);
    struct plan_job *j = calloc(1, sizeof *j);
    if (j == NULL || (j->results = calloc((size_t)n, sizeof *j->results)) == NULL) {
        free(j);
        fail(r, RUNS_SNAPSHOT, strerror(ENOMEM));
        return;
    }
    j->r = r;
    j->site = r->site;
    j->req.data = j;
    j->n_results = n;
    for (int i = 0; i < n; i++) {
        j->results[i] = res[i];
        res[i] = NULL;
    }
    const struct runs_site_info *in = &s->info;
    j->horizon_days = in->horizon_days > 0 ? in->horizon_days : r->cfg.horizon_days;
    j->seed = (uint64_t)r->cfg.plan_seed;
    long long iterations = in->plan_iterations >= 0 ? in->plan_iterations : r->cfg.plan_iterations;
    double seconds = in->plan_seconds > 0 ? in->plan_seconds : r->cfg.plan_seconds;
    j->iterations = (long)iterations;
    j->budget_seconds = iterations > 0 ? 0 : seconds;
    j->threads = r->cfg.plan_threads;
    j->freeze_hours = in->freeze_hours >= 0 ? in->freeze_hours : r->cfg.freeze_hours;
    j->run_id = r->run_id;
    j->started_at = r->started_at;
    snprintf(j->reason, sizeof j->reason, "%s", r->reason);
    j->owed = r->owed;
    j->horizon_start = s->horizon_start;
    if (r->quick) {
        /* One thread: the other core is the database's, which lands the run. */
        j->quick = true;
        j->n_quick = r->n_quick;
        memcpy(j->quick_agents, r->quick_agents, sizeof j->quick_agents);
        j->threads = 1;
        long long qi = r->cfg.quick_plan_iterations > 0 ? r->cfg.quick_plan_iterations
                       : iterations > 0                 ? (iterations + 9) / 10
                                                        : 0;
        j->iterations = (long)qi;
        j->budget_seconds = qi > 0 ? 0 : r->cfg.quick_plan_seconds;
        if (s->recruitment != NULL && (j->recruitment_kept = strdup(s->recruitment)) == NULL) {
            job_free(j);
            fail(r, RUNS_SNAPSHOT, strerror(ENOMEM));
            return;
        }
    }
    set_state(r, RUN_PLANNING);
    if (uv_queue_work(r->loop, &j->req, plan_work, plan_after) != 0) {
        job_free(j);
        fail(r, RUNS_PLANNING, "the thread pool refused the job");
    }
}

static void run_begun(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct runs *r = arg;
    if (r->stopping) {
        finish(r);
        return;
    }
    if (status < 0 || n != 1 || PQntuples(res[0]) != 1) {
        fail(r, RUNS_BEGIN, status < 0 ? error : "begin_run returned no row");
        return;
    }
    r->run_id = strtoll(PQgetvalue(res[0], 0, 0), NULL, 10);
    struct site *s = site_of(r, r->site);
    if (s == NULL || !s->info.led) {
        abandon(r, "this daemon no longer leads the site");
        return;
    }
    int days = s->info.horizon_days > 0 ? s->info.horizon_days : r->cfg.horizon_days;
    char *sql = load_snapshot_sql(days, r->cfg.clock_fixed, (sd_time)r->cfg.clock_at, r->site);
    if (sql == NULL) {
        fail(r, RUNS_SNAPSHOT, strerror(ENOMEM));
        return;
    }
    set_state(r, RUN_LOADING);
    int rc = db_exec(r->db, sql, 0, NULL, snapshot_loaded, r);
    free(sql);
    if (rc < 0)
        fail(r, RUNS_SNAPSHOT, "the database connection went away");
}

static void start(struct runs *r, struct site *s)
{
    char site[32];
    snprintf(site, sizeof site, "%" PRId64, s->info.id);
    r->site = s->info.id;
    r->run_id = 0;
    r->started_at = util_wall_seconds();
    /*
     * A change that named its agents, on a site with a roster to keep: a quick
     * run. No change pending: the full run a quick one owes.
     */
    r->owed = !s->pending;
    r->quick = s->pending && !s->touched_all && s->n_touched > 0 && r->cfg.quick_plan &&
               s->good_run_id > 0;
    r->preempted = false;
    r->n_quick = r->quick ? s->n_touched : 0;
    memcpy(r->quick_agents, s->touched, sizeof r->quick_agents);
    snprintf(r->reason, sizeof r->reason, "%s", r->owed ? "after quick runs" : s->pending_reason);
    atomic_store(&r->cancel, false);
    bool was_pending = s->pending, was_all = s->touched_all;
    int was_n = s->n_touched;
    s->pending = false;
    s->retrying = false;
    s->burst_started_ms = 0;
    s->waiting_since_ms = 0;
    s->n_touched = 0;
    s->touched_all = false;
    const char *params[2] = {r->reason, site};
    set_state(r, RUN_BEGINNING);
    if (db_exec(r->db, r->quick ? begin_quick_sql : store_begin_sql, 2, params, run_begun, r) < 0) {
        /* Not connected after all: the site waits for the connection. */
        s->pending = was_pending;
        s->touched_all = was_all;
        s->n_touched = was_n;
        snprintf(s->pending_reason, sizeof s->pending_reason, "%s", r->reason);
        set_state(r, RUN_IDLE);
        r->site = 0;
    }
}

static void on_wake(uv_timer_t *t)
{
    schedule(t->data);
}

/*
 * Starts the due site that has waited longest, if the planner is free; else
 * sets the wake timer for the next one that will be due.
 */
static void schedule(struct runs *r)
{
    if (r->stopping || r->state != RUN_IDLE || !connected(r))
        return;
    uint64_t now = uv_now(r->loop), next = UINT64_MAX;
    struct site *best = NULL;
    uint64_t best_since = UINT64_MAX;
    for (int i = 0; i < r->n_sites; i++) {
        struct site *s = &r->sites[i];
        if ((!s->pending && !s->full_owed) || !s->info.led)
            continue;
        /* A change first; the full run a quick one owes when no change waits. */
        uint64_t due = s->pending ? s->due_ms : s->full_due_ms;
        if (due > now) {
            if (due < next)
                next = due;
            continue;
        }
        uint64_t since = s->pending && s->waiting_since_ms ? s->waiting_since_ms : due;
        if (best == NULL || since < best_since) {
            best = s;
            best_since = since;
        }
    }
    if (best != NULL) {
        uv_timer_stop(&r->wake);
        start(r, best);
        return;
    }
    if (next != UINT64_MAX)
        uv_timer_start(&r->wake, on_wake, next - now, 0);
}

/* ---- what the daemon tells us --------------------------------------------- */

static void mark(struct runs *r, struct site *s, const char *reason, bool debounce,
                 const int64_t *agents, int n_agents)
{
    uint64_t now = uv_now(r->loop);
    if (s->waiting_since_ms == 0)
        s->waiting_since_ms = now;
    snprintf(s->pending_reason, sizeof s->pending_reason, "%s", reason);
    /* What the changes pending touched: the agents they named, or everything. */
    if (!s->pending) {
        s->n_touched = 0;
        s->touched_all = false;
    }
    if (n_agents < 0)
        s->touched_all = true;
    for (int i = 0; i < n_agents && !s->touched_all; i++) {
        bool known = false;
        for (int k = 0; k < s->n_touched && !known; k++)
            known = s->touched[k] == agents[i];
        if (known)
            continue;
        if (s->n_touched == RUNS_MAX_AGENTS)
            s->touched_all = true;
        else
            s->touched[s->n_touched++] = agents[i];
    }
    /* The full run a quick one owes waits for quiet. */
    s->full_due_ms = now + (uint64_t)r->cfg.full_plan_after_ms;
    if (!debounce) {
        s->pending = true;
        s->retrying = false;
        s->due_ms = now;
        return;
    }
    /*
     * Debounce: a change that comes alone (none heard for debounce_ms) waits
     * quick_debounce_ms, long enough for the other notifications of its
     * transaction; while changes keep coming, wait for debounce_ms of quiet,
     * but never more than max_debounce_ms after the first change of the
     * burst. A change also cuts a retry's wait short: it may be the fix.
     */
    bool alone = s->last_change_ms == 0 || now - s->last_change_ms >= (uint64_t)r->cfg.debounce_ms;
    s->last_change_ms = now;
    if (!s->pending || s->retrying || s->burst_started_ms == 0)
        s->burst_started_ms = now;
    uint64_t due = now + (uint64_t)(alone ? r->cfg.quick_debounce_ms : r->cfg.debounce_ms);
    uint64_t deadline = s->burst_started_ms + (uint64_t)r->cfg.max_debounce_ms;
    s->due_ms = due < deadline ? due : deadline;
    s->pending = true;
    s->retrying = false;
}

void runs_changed(struct runs *r, int64_t site, const char *reason, const int64_t *agents,
                  int n_agents)
{
    for (int i = 0; i < r->n_sites; i++)
        if (r->sites[i].info.led && (site == 0 || r->sites[i].info.id == site))
            mark(r, &r->sites[i], reason, true, agents, n_agents);
    /*
     * The full run a quick one owed, still planning, gives way to a change a
     * quick run can take: the agent waits for that, not for the full search.
     */
    struct site *s = r->site != 0 ? site_of(r, r->site) : NULL;
    if (s != NULL && r->owed && s->pending && !s->touched_all && r->cfg.quick_plan &&
        (r->state == RUN_BEGINNING || r->state == RUN_LOADING || r->state == RUN_PLANNING)) {
        r->preempted = true;
        atomic_store(&r->cancel, true);
    }
    schedule(r);
}

void runs_now(struct runs *r, int64_t site, const char *reason)
{
    for (int i = 0; i < r->n_sites; i++)
        if (r->sites[i].info.led && (site == 0 || r->sites[i].info.id == site))
            mark(r, &r->sites[i], reason, false, NULL, -1);
    schedule(r);
}

void runs_set_sites(struct runs *r, const struct runs_site_info *in, int n)
{
    struct site *ns = calloc((size_t)(n > 0 ? n : 1), sizeof *ns);
    struct runs_site_view *nv = calloc((size_t)(n > 0 ? n : 1), sizeof *nv);
    bool *gained = calloc((size_t)(n > 0 ? n : 1), sizeof *gained);
    if (ns == NULL || nv == NULL || gained == NULL) {
        free(ns);
        free(nv);
        free(gained);
        log_err("runs: out of memory keeping the list of sites");
        return;
    }
    for (int i = 0; i < n; i++) {
        struct site *old = site_of(r, in[i].id);
        if (old != NULL) {
            ns[i] = *old;
            old->recruitment = NULL; /* moved */
        } else {
            ns[i].retry_ms = RETRY_MIN_MS;
        }
        bool was_led = old != NULL && old->info.led;
        ns[i].info = in[i];
        if (in[i].last_run_id > ns[i].good_run_id) {
            ns[i].good_run_id = in[i].last_run_id;
            ns[i].good_finished = in[i].last_published;
        }
        if (in[i].led && !was_led) {
            log_notice("leading site %" PRId64 " (%s)", in[i].id, in[i].name);
            ns[i].pending = false;
            ns[i].waiting_since_ms = 0;
            gained[i] = true;
        } else if (!in[i].led && was_led) {
            log_notice("no longer leading site %" PRId64 " (%s)", in[i].id, in[i].name);
            ns[i].pending = false;
            ns[i].waiting_since_ms = 0;
        }
    }
    /* A site gone from the list (deleted, made inactive) or lost: stop its run. */
    if (r->state != RUN_IDLE && r->site != 0) {
        bool still = false;
        for (int i = 0; i < n; i++)
            still |= in[i].id == r->site && in[i].led;
        if (!still)
            atomic_store(&r->cancel, true);
    }
    for (int i = 0; i < r->n_sites; i++)
        free(r->sites[i].recruitment);
    free(r->sites);
    free(r->views);
    r->sites = ns;
    r->views = nv;
    r->n_sites = n;
    /*
     * A site just gained plans at once: what it serves may be another daemon's
     * plan from before a change this daemon never heard, or none at all.
     */
    for (int i = 0; i < n; i++)
        if (gained[i])
            mark(r, &r->sites[i], "leading", false, NULL, -1);
    free(gained);
    schedule(r);
}

void runs_set_db(struct runs *r, struct db *db)
{
    r->db = db;
    r->heard_seq = -1; /* a new session starts with a resync: it has missed nothing yet */
    r->unheard_seq = -1;
    if (db == NULL) {
        r->check_busy = false;
        return;
    }
    schedule(r);
}

void runs_set_config(struct runs *r, const struct config *cfg)
{
    r->cfg = *cfg;
}

/* ---- notifications that never came ----------------------------------------- */

/*
 * Every statement that changes an input advances staffd.change_seq and its
 * notification carries the value. If the counter stays ahead of the highest
 * value heard on two looks in a row (ten seconds or more), notifications are
 * not reaching this daemon (a lost LISTEN, a session in a bad state): every
 * site it leads is planned again. A transaction still open holds its
 * notifications until it commits: two looks give it ten seconds. One rolled
 * back after its statements ran moved the counter for good; it costs one
 * needless run, and the highest value is then taken as heard.
 */
void runs_heard(struct runs *r, long long seq)
{
    if (seq > r->heard_seq)
        r->heard_seq = seq;
}

static void counter_read(void *arg, int status, PGresult **res, int n, const char *error)
{
    (void)error;
    struct runs *r = arg;
    r->check_busy = false;
    if (r->stopping || status < 0 || n != 1 || PQntuples(res[0]) != 1)
        return;
    long long seq = strtoll(PQgetvalue(res[0], 0, 0), NULL, 10);
    if (r->heard_seq < 0) {
        /* A fresh session: what came before was resynchronised when it connected. */
        r->heard_seq = seq;
        return;
    }
    if (seq <= r->heard_seq) {
        r->unheard_seq = -1;
        if (r->stats.unheard)
            r->stats.unheard = false;
        return;
    }
    if (r->unheard_seq < 0) {
        r->unheard_seq = seq;
        return;
    }
    r->stats.missed_notifications++;
    r->stats.unheard = true;
    log_warn("changes were committed (change counter %lld) but the last one heard of was %lld; "
             "planning every site this daemon leads",
             seq, r->heard_seq);
    r->heard_seq = seq;
    r->unheard_seq = -1;
    runs_now(r, 0, "missed notification");
}

void runs_check_counter(struct runs *r)
{
    if (r->stopping || r->check_busy || !connected(r))
        return;
    if (db_exec(r->db, load_change_counter_sql, 0, NULL, counter_read, r) == 0)
        r->check_busy = true;
}

/* ---- reporting ----------------------------------------------------------------- */

const char *runs_stalled(const struct runs *r)
{
    if (r->state == RUN_PLANNING) {
        const struct site *s = NULL;
        for (int i = 0; i < r->n_sites; i++)
            if (r->sites[i].info.id == r->site)
                s = &r->sites[i];
        long long iterations = s != NULL && s->info.plan_iterations >= 0 ? s->info.plan_iterations
                                                                         : r->cfg.plan_iterations;
        double seconds =
            s != NULL && s->info.plan_seconds > 0 ? s->info.plan_seconds : r->cfg.plan_seconds;
        uint64_t budget = (uint64_t)(seconds * 1000);
        uint64_t limit = STALL_LIMIT_MS > 20 * budget ? STALL_LIMIT_MS : 20 * budget;
        if (iterations == 0 && uv_now(r->loop) - r->stage_since_ms > limit)
            return "the planning job has run far past its budget";
    }
    return NULL;
}

const struct runs_site_view *runs_sites(struct runs *r, int *n)
{
    uint64_t now = uv_now(r->loop);
    for (int i = 0; i < r->n_sites; i++) {
        const struct site *s = &r->sites[i];
        r->views[i] = (struct runs_site_view){
            .id = s->info.id,
            .name = s->info.name,
            .led = s->info.led,
            .pending = s->pending && !s->retrying,
            .waiting_ms = s->waiting_since_ms ? now - s->waiting_since_ms : 0,
            .last_run_id = s->last_run_id,
            .last_status = s->last_status,
            .last_reason = s->last_reason,
            .last_message = s->last_message,
            .last_finished = s->last_finished,
            .good_run_id = s->good_run_id,
            .good_finished = s->good_finished,
            .landed = s->landed,
            .shortage_minutes = s->shortage_minutes,
            .surplus_minutes = s->surplus_minutes,
            .unfixable_minutes = s->unfixable_minutes,
            .agents = s->agents,
            .shifts = s->shifts,
            .input_errors = s->input_errors,
        };
    }
    *n = r->n_sites;
    return r->views;
}

void runs_get_stats(const struct runs *r, struct runs_stats *out)
{
    *out = r->stats;
}

const char *runs_recruitment(const struct runs *r, int64_t site)
{
    for (int i = 0; i < r->n_sites; i++)
        if (r->sites[i].info.id == site)
            return r->sites[i].recruitment;
    return NULL;
}

/* ---- lifetime ----------------------------------------------------------------- */

int runs_new(uv_loop_t *loop, const struct config *cfg, const struct runs_callbacks *cb,
             struct runs **out)
{
    struct runs *r = calloc(1, sizeof *r);
    if (r == NULL)
        return -ENOMEM;
    r->loop = loop;
    r->cfg = *cfg;
    if (cb != NULL)
        r->cb = *cb;
    r->heard_seq = -1;
    r->unheard_seq = -1;
    atomic_init(&r->cancel, false);
    /* uv_timer_init() only links a handle into the loop: it does not fail. */
    (void)uv_timer_init(loop, &r->wake);
    (void)uv_timer_init(loop, &r->stop_wait);
    r->wake.data = r->stop_wait.data = r;
    *out = r;
    return 0;
}

static void on_stop_wait(uv_timer_t *t)
{
    stop_complete(t->data);
}

void runs_stop(struct runs *r, void (*done)(void *arg), void *arg)
{
    r->stopping = true;
    atomic_store(&r->cancel, true);
    uv_timer_stop(&r->wake);
    uv_close((uv_handle_t *)&r->wake, NULL);
    r->stop_done = done;
    r->stop_arg = arg;
    /*
     * A run in flight will not land: its row says so before the connection
     * closes (one being stored still lands; its row then stays 'succeeded').
     * At most a second: a shutdown must not wait on a database.
     */
    if (r->state != RUN_IDLE && r->state != RUN_FINISHING && r->run_id > 0 && connected(r)) {
        char id[32];
        snprintf(id, sizeof id, "%" PRId64, r->run_id);
        const char *params[3] = {id, "abandoned", "the daemon was stopped during the run"};
        if (db_exec(r->db, store_finish_sql, 3, params, finish_recorded, r) == 0) {
            uv_timer_start(&r->stop_wait, on_stop_wait, 1000, 0);
            return;
        }
    }
    stop_complete(r);
}

void runs_free(struct runs *r)
{
    if (r == NULL)
        return;
    for (int i = 0; i < r->n_sites; i++)
        free(r->sites[i].recruitment);
    free(r->sites);
    free(r->views);
    free(r);
}
