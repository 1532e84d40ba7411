/* SPDX-License-Identifier: ISC */
/*
 * daemon.c — the loop of `staffd run` (see include/daemon.h).
 *
 * Owns the process's parts and their wiring: the configuration and its
 * reloads, the signals, the two database connections, the HTTP server, the
 * feed cache and how it is kept current, and the watchdog. Planning is
 * runs.c's (the runs of the sites this daemon leads) and leadership is
 * leader.c's (which sites those are); /healthz and /metrics are written by
 * health.c from figures gathered here.
 *
 * Everything here runs on the loop thread except the work callbacks
 * (migrate_work, render_work), which touch only their job struct. Feed
 * rendering is a one-at-a-time pipeline: query (db) -> render (thread pool)
 * -> install (loop); a request that arrives meanwhile is folded into one
 * more full pass.
 *
 * Every daemon serves every feed: a run that lands anywhere notifies
 * 'published:<site>:<run>' on staffd_changed, and each daemon renders the
 * feeds of the agents that run changed (the one that landed it already has
 * the list). The systemd watchdog is fed while the loop runs, unless a query
 * or a planning job is stuck far past its limits; a PostgreSQL outage only
 * degrades /healthz (a restart would not bring the database back).
 *
 * Two database connections: `db` runs every query, holds the leadership
 * locks and hears staffd_changed; `revocations` runs none and only LISTENs on
 * staffd_revoked, so that a revoked feed URL is dropped the moment PostgreSQL
 * announces it, even while `db` is busy with a long statement or waits on a
 * lock (a busy session hears nothing until its statement ends).
 */
#include "daemon.h"

#include <cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <uv.h>

#include "calendar.h"
#include "config.h"
#include "console.h"
#include "db.h"
#include "feeds.h"
#include "health.h"
#include "http.h"
#include "http_internal.h"
#include "leader.h"
#include "load.h"
#include "log.h"
#include "migrate.h"
#include "runs.h"
#include "text.h"
#include "util.h"

#define NOTIFY_CHANNEL      "staffd_changed"
#define REVOKE_CHANNEL      "staffd_revoked" /* payload: a revoked token's SHA-256, hex */
#define REPLAN_INTERVAL_MS  (60 * 60 * 1000)
#define REFRESH_INTERVAL_MS (10 * 60 * 1000)
#define MIGRATE_RETRY_MS    2000
/* Every CHECK_MS the daemon looks for notifications that never came (runs.c). */
#define CHECK_MS 10000
/* A change still unplanned this long after it was heard makes /healthz "degraded". */
#define PENDING_LIMIT_MS 60000
/* A query out this long stalls the watchdog (db.c drops one after 11 minutes). */
#define STALL_LIMIT_MS (12 * 60 * 1000)
/*
 * Descriptors kept out of the HTTP server's reach: PostgreSQL's socket (and
 * the one a reconnect opens before the old one is gone), the journal, the
 * listener, libuv's own, the thread pool's. Generous: running out is what
 * the cap exists to prevent.
 */
#define FD_RESERVE 64
/* Runs this daemon landed itself, whose 'published' notification it skips. */
#define OWN_RUNS 8

struct daemon {
    uv_loop_t loop;
    const char *config_path;
    struct config cfg;
    struct db *db;
    struct db *revocations; /* LISTEN only, see the top of the file */
    struct http_server *http;
    struct feeds *feeds;
    struct runs *runs;
    struct leader *leader;
    struct console *console; /* its own connection; NULL until migrations are done */

    uv_signal_t sig_term, sig_int, sig_hup;
    uv_timer_t watchdog, replan, refresh, migrate_retry, check;
    uv_work_t migrate_req;
    bool migrate_busy;
    int migrate_rc;
    char migrate_err[512];

    atomic_bool cancel; /* set when stopping: work on the thread pool gives up */
    bool stopping;
    bool ready_sent;
    bool db_stopping;
    int exit_code;

    bool feeds_busy;
    bool feeds_pending;
    bool tokens_busy;
    bool tokens_pending;
    bool tokens_stale; /* a URL was revoked while a token query was out */
    int64_t own_runs[OWN_RUNS];
    int n_own;

    uint64_t notifications;
    uint64_t db_reconnects;
};

struct render_job {
    uv_work_t req;
    struct daemon *d;
    PGresult *result;
    bool full;
    int rc;
    struct feeds_batch *batch;
};

static void feeds_refresh(struct daemon *d, const char *agents);
static void tokens_refresh(struct daemon *d);

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
        if (changed < 0)
            log_err("feeds: installing the rendered feeds failed (%s); the previous ones are "
                    "served",
                    strerror(-changed));
        else
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

/* ---- what the runs tell -------------------------------------------------- */

static void on_landed(void *ctx, int64_t site, int64_t run_id, const char *changed)
{
    struct daemon *d = ctx;
    d->own_runs[d->n_own++ % OWN_RUNS] = run_id;
    notify_status("run %" PRId64 " of site %" PRId64 " landed", run_id, site);
    if (strcmp(changed, "{}") != 0 && !d->stopping)
        feeds_refresh(d, changed);
}

static void on_stale(void *ctx)
{
    /* Another daemon's run changed agents this one was never told about. */
    feeds_refresh(ctx, NULL);
}

static void on_sites(void *ctx, const struct runs_site_info *sites, int n)
{
    struct daemon *d = ctx;
    runs_set_sites(d->runs, sites, n);
}

/* The agents a run changed, to render their feeds: 'published:<site>:<run>' from elsewhere. */
static void published_agents(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct daemon *d = arg;
    if (d->stopping || status == -ECANCELED)
        return;
    if (status < 0 || n != 1 || PQntuples(res[0]) != 1) {
        log_warn("feeds: reading what another daemon's run changed failed (%s); rendering all",
                 error ? error : "no result");
        feeds_refresh(d, NULL);
        return;
    }
    const char *agents = PQgetvalue(res[0], 0, 0);
    if (strcmp(agents, "{}") != 0)
        feeds_refresh(d, agents);
}

static void on_published(struct daemon *d, const char *what)
{
    long long site = 0, run = 0;
    int used = 0;
    if (sscanf(what, "%lld:%lld%n", &site, &run, &used) != 2 || what[used] != '\0' || run <= 0) {
        log_warn("ignoring a malformed 'published' notification");
        return;
    }
    for (int i = 0; i < OWN_RUNS; i++)
        if (d->own_runs[i] == run)
            return; /* ours: its feeds are being rendered already */
    char id[32];
    snprintf(id, sizeof id, "%lld", run);
    const char *params[1] = {id};
    if (d->db == NULL ||
        db_exec(d->db,
                "SELECT coalesce(array_agg(DISTINCT agent_id ORDER BY agent_id), '{}')"
                " FROM staffd.shifts WHERE run_id = $1::bigint",
                1, params, published_agents, d) < 0)
        feeds_refresh(d, NULL);
}

/* ---- database events --------------------------------------------------- */

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

static void on_notify(void *ctx, const char *channel, const char *text)
{
    struct daemon *d = ctx;
    d->notifications++;
    log_debug("notification on %s: %s", channel, text);
    /* A counted change ends in "#<n>", the change counter's value (0005). */
    char payload[256];
    text_printf(payload, sizeof payload, "%s", text);
    char *hash = strrchr(payload, '#');
    if (hash != NULL) {
        char *end = NULL;
        long long n = strtoll(hash + 1, &end, 10);
        if (end != hash + 1 && *end == '\0' && n > 0)
            runs_heard(d->runs, n);
        *hash = '\0';
    }
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
    if (strncmp(payload, "published:", 10) == 0) {
        on_published(d, payload + 10);
        return;
    }
    if (strcmp(payload, "settings") == 0)
        return;
    /*
     * "<table>@<site>": a change of that site; a bare table name: of every
     * site. "<table>@<site>:{3,5}": of those agents' inputs only (0014), which
     * a quick run can plan.
     */
    const char *at = strchr(payload, '@');
    long long site = 0;
    int64_t agents[RUNS_MAX_AGENTS];
    int n_agents = -1;
    if (at != NULL) {
        char *end = NULL;
        site = strtoll(at + 1, &end, 10);
        if (end != at + 1 && *end == ':' && agent_list_valid(end + 1)) {
            n_agents = 0;
            for (char *p = end + 2; n_agents >= 0 && *p != '\0';) {
                long long id = strtoll(p, &p, 10);
                if (n_agents == RUNS_MAX_AGENTS)
                    n_agents = -1; /* more than a quick run takes: plan in full */
                else
                    agents[n_agents++] = id;
                if (*p == ',' || *p == '}')
                    p++;
            }
            *end = '\0';
        }
        if (end == at + 1 || *end != '\0' || site <= 0) {
            log_warn("ignoring a malformed change notification");
            return;
        }
    }
    runs_changed(d->runs, site, "change", agents, n_agents);
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
    /*
     * Notifications sent while disconnected are lost: resynchronise every
     * feed; the sites this daemon leads again plan at once (runs.c plans a
     * site the moment it is gained).
     */
    runs_set_db(d->runs, d->db);
    leader_set_db(d->leader, d->db);
    tokens_refresh(d);
}

static void on_disconnected(void *ctx)
{
    struct daemon *d = ctx;
    log_warn("database connection lost; serving the last feeds and reconnecting");
    notify_status("PostgreSQL unreachable; serving the last feeds");
    d->tokens_busy = false;
    d->tokens_stale = false;
    /* The session held the leadership locks: this daemon leads nothing now. */
    leader_set_db(d->leader, NULL);
    runs_set_db(d->runs, NULL);
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

/* The cache and the server know nothing of each other; the feed passes through here. */
static int http_feed_cb(void *ctx, const char *token, size_t len, struct http_feed *out)
{
    struct daemon *d = ctx;
    struct feeds_rendered f;
    int rc = feeds_lookup(d->feeds, token, len, &f);
    if (rc == 0)
        *out = (struct http_feed){
            .body = f.body, .len = f.len, .etag = f.etag, .last_modified = f.last_modified};
    return rc;
}

static void health_gather(struct daemon *d, struct health_input *in)
{
    *in = (struct health_input){0};
    in->now = util_wall_seconds();
    in->db_connected = d->db != NULL && db_connected(d->db);
    if (d->db != NULL)
        db_get_stats(d->db, &in->db);
    in->db_reconnects = d->db_reconnects;
    in->notifications = d->notifications;
    in->sites = runs_sites(d->runs, &in->n_sites);
    runs_get_stats(d->runs, &in->runs);
    leader_get_stats(d->leader, &in->leader);
    if (d->http != NULL)
        http_get_stats(d->http, &in->http);
    in->feeds = feeds_count(d->feeds);
    in->feeds_loading = !feeds_ready(d->feeds);
    in->pending_limit_ms = PENDING_LIMIT_MS + (uint64_t)d->cfg.max_debounce_ms +
                           (uint64_t)(2000 * d->cfg.plan_seconds);
}

static char *http_healthz_cb(void *ctx, int *status)
{
    struct daemon *d = ctx;
    struct health_input in;
    health_gather(d, &in);
    return health_json(&in, status);
}

static char *http_metrics_cb(void *ctx)
{
    struct daemon *d = ctx;
    struct health_input in;
    health_gather(d, &in);
    return health_metrics(&in);
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
    /*
     * The recruitment of the first site this daemon plans that has one (the
     * default site on a single-site installation). A site another daemon plans
     * is served by that daemon.
     */
    const char *rec = NULL;
    int n = 0;
    const struct runs_site_view *sites = runs_sites(d->runs, &n);
    for (int i = 0; i < n && rec == NULL; i++)
        if (sites[i].led)
            rec = runs_recruitment(d->runs, sites[i].id);
    if (rec == NULL)
        return api_error(status, 503,
                         "no planning run of a site this daemon plans has landed yet (a site "
                         "another daemon plans is served by that daemon)");
    *status = 200;
    return strdup(rec);
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
    runs_set_db(d->runs, NULL);
    leader_set_db(d->leader, NULL);
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
    runs_set_config(d->runs, &nc);
    leader_set_failover(d->leader, nc.failover_seconds);
    if (strcmp(old.listen_address, nc.listen_address) != 0 || old.listen_port != nc.listen_port) {
        if (d->http != NULL)
            http_stop(d->http, http_restarted, d);
        else
            start_http(d);
    }
    if (strcmp(old.database, nc.database) != 0 && d->db != NULL && !d->db_stopping) {
        d->db_stopping = true;
        runs_set_db(d->runs, NULL);
        leader_set_db(d->leader, NULL);
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
    runs_now(d->runs, 0, "reload");
}

static void daemon_stop(struct daemon *d, int code);

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
 * or a planning job far beyond its time budget (runs.c). A lost database is
 * not a stall: the loop goes on serving feeds and reconnecting, and a restart
 * would not bring PostgreSQL back.
 */
static const char *stalled(struct daemon *d)
{
    if (d->db != NULL && db_connected(d->db)) {
        struct db_stats st;
        db_get_stats(d->db, &st);
        if (st.busy_ms > STALL_LIMIT_MS)
            return "a database query has not ended";
    }
    return runs_stalled(d->runs);
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

static void on_check(uv_timer_t *t)
{
    struct daemon *d = t->data;
    runs_check_counter(d->runs);
}

static void on_replan(uv_timer_t *t)
{
    struct daemon *d = t->data;
    runs_now(d->runs, 0, "periodic");
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
    runs_set_db(d->runs, NULL);
    leader_set_db(d->leader, NULL);
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

static void stop_db(void *arg)
{
    struct daemon *d = arg;
    if (d->leader != NULL)
        leader_stop(d->leader);
    if (d->db != NULL && !d->db_stopping) {
        d->db_stopping = true;
        db_stop(d->db, on_closed_db, d);
    }
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
        (uv_handle_t *)&d->watchdog, (uv_handle_t *)&d->replan,        (uv_handle_t *)&d->refresh,
        (uv_handle_t *)&d->check,    (uv_handle_t *)&d->migrate_retry,
    };
    for (size_t i = 0; i < sizeof handles / sizeof handles[0]; i++)
        if (!uv_is_closing(handles[i]))
            uv_close(handles[i], NULL);
    if (d->http != NULL)
        http_stop(d->http, on_closed_http, d);
    if (d->revocations != NULL)
        db_stop(d->revocations, on_closed_revocations, d);
    if (d->console != NULL)
        console_stop(d->console, on_closed_console, d);
    /* The run in flight is recorded as abandoned first (at most a second), then the session goes.
     */
    runs_stop(d->runs, stop_db, d);
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
    if (rc < 0) {
        log_err("cannot initialise the event loop");
        free(d);
        return 1;
    }
    atomic_init(&d->cancel, false);
    struct runs_callbacks rcb = {.ctx = d, .on_landed = on_landed, .on_stale = on_stale};
    struct leader_callbacks lcb = {.ctx = d, .on_sites = on_sites};
    if (feeds_new(&d->feeds) < 0 || runs_new(&d->loop, &d->cfg, &rcb, &d->runs) < 0 ||
        leader_new(&d->loop, d->cfg.failover_seconds, &lcb, &d->leader) < 0) {
        log_err("cannot start: out of memory");
        /* Nothing has run yet: the handles made so far close with the loop. */
        if (d->runs != NULL)
            runs_stop(d->runs, stop_db, d);
        uv_run(&d->loop, UV_RUN_DEFAULT);
        (void)uv_loop_close(&d->loop);
        runs_free(d->runs);
        feeds_free(d->feeds);
        free(d);
        return 1;
    }

    uv_signal_init(&d->loop, &d->sig_term);
    uv_signal_init(&d->loop, &d->sig_int);
    uv_signal_init(&d->loop, &d->sig_hup);
    d->sig_term.data = d->sig_int.data = d->sig_hup.data = d;
    uv_signal_start(&d->sig_term, on_signal, SIGTERM);
    uv_signal_start(&d->sig_int, on_signal, SIGINT);
    uv_signal_start(&d->sig_hup, on_signal, SIGHUP);
    signal(SIGPIPE, SIG_IGN);

    uv_timer_t *timers[] = {&d->watchdog, &d->replan, &d->refresh, &d->check, &d->migrate_retry};
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
    runs_free(d->runs);
    leader_free(d->leader);
    feeds_free(d->feeds);
    free(d);
    calendar_shutdown();
    log_info("stopped");
    return code;
}
