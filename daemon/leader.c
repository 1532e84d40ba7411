/* SPDX-License-Identifier: ISC */
/*
 * leader.c — which sites this daemon plans (see include/leader.h).
 *
 * One timer, one query a second on the daemon's database session: the
 * picture (sites, their lock holders, the live daemons), then the locks it
 * decides to take or give back. The locks live in that same session, which
 * also publishes: a publish is fenced by the lock its own session holds.
 */
#include "leader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "text.h"

#define TICK_MS 1000

/* Where this database's advisory locks are, for pg_locks.database. */
#define THIS_DB "(SELECT oid FROM pg_database WHERE datname = current_database())"

static const char picture_sql[] =
    "SELECT s.id, s.name, coalesce(s.horizon_days, -1), coalesce(s.freeze_hours, -1),"
    " coalesce(s.plan_seconds, -1), coalesce(s.plan_iterations, -1),"
    " coalesce(extract(epoch FROM st.published_at), 0), coalesce(st.last_run_id, 0),"
    " coalesce(l.pid, 0)"
    " FROM staffd.sites s LEFT JOIN staffd.site_state st ON st.site_id = s.id"
    " LEFT JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 2"
    "  AND l.classid::bigint = 21332 AND l.objid::bigint = s.id AND l.database = " THIS_DB
    " WHERE s.active AND s.id BETWEEN 1 AND 2147483647 ORDER BY s.id;"
    "SELECT pg_backend_pid(), pid FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND objsubid = 2 AND classid::bigint = 21333 AND database = " THIS_DB " ORDER BY pid";

struct leader {
    uv_loop_t *loop;
    struct leader_callbacks cb;
    struct db *db;
    int failover_seconds;
    uv_timer_t tick;
    bool busy;   /* a picture or lock query is out */
    bool joined; /* this session holds its member lock and its idle timeout */
    int me;      /* this session's backend pid */
    struct runs_site_info *sites;
    int n_sites;
    struct leader_stats stats;
};

/* ---- the decision ---------------------------------------------------------- */

int leader_decide(const int64_t *sites, const int *holder, int n, int me, const int *live,
                  int n_live, int64_t *take, int *n_take, int64_t *release, int *n_release)
{
    *n_take = *n_release = 0;
    if (n_live < 1)
        n_live = 1;
    int share = (n + n_live - 1) / n_live, mine = 0;
    for (int i = 0; i < n; i++)
        mine += holder[i] == me;
    if (mine < share) {
        /*
         * Free sites, and sites whose holder is no daemon (a session that
         * took the lock by hand cannot be taken from: pg_try fails, no harm).
         */
        for (int i = 0; i < n && mine + *n_take < share; i++) {
            bool held_by_daemon = false;
            for (int k = 0; k < n_live; k++)
                held_by_daemon |= holder[i] != 0 && holder[i] == live[k];
            if (holder[i] == 0 || !held_by_daemon)
                take[(*n_take)++] = sites[i];
        }
    } else if (mine > share) {
        /* The highest first: the lowest stay where they are, which spreads fewer moves. */
        for (int i = n - 1; i >= 0 && mine - *n_release > share; i--)
            if (holder[i] == me)
                release[(*n_release)++] = sites[i];
    }
    return 0;
}

/* ---- the queries ------------------------------------------------------------- */

static void tell(struct leader *l)
{
    int led = 0;
    for (int i = 0; i < l->n_sites; i++)
        led += l->sites[i].led;
    l->stats.sites = l->n_sites;
    l->stats.led = led;
    if (l->cb.on_sites != NULL)
        l->cb.on_sites(l->cb.ctx, l->sites, l->n_sites);
}

struct lock_query {
    struct leader *l;
    int64_t site;
    bool take;
};

static void locked(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct lock_query *q = arg;
    struct leader *l = q->l;
    bool ok = status == 0 && n == 1 && PQntuples(res[0]) == 1 && PQgetvalue(res[0], 0, 0)[0] == 't';
    if (status < 0 && status != -ECANCELED)
        log_warn("leader: %s site %" PRId64 ": %s", q->take ? "taking" : "giving back", q->site,
                 error ? error : "?");
    if (q->take && ok && l->db != NULL) {
        for (int i = 0; i < l->n_sites; i++) {
            if (l->sites[i].id == q->site && !l->sites[i].led) {
                l->sites[i].led = true;
                l->stats.taken++;
                tell(l); /* at once: a failover should not wait for the next tick */
            }
        }
    } else if (!q->take && ok) {
        l->stats.released++;
    }
    free(q);
}

static void lock_query(struct leader *l, int64_t site, bool take)
{
    struct lock_query *q = malloc(sizeof *q);
    if (q == NULL)
        return;
    *q = (struct lock_query){.l = l, .site = site, .take = take};
    char id[32];
    snprintf(id, sizeof id, "%" PRId64, site);
    const char *params[1] = {id};
    const char *sql = take ? "SELECT pg_try_advisory_lock(21332, $1::int)"
                           : "SELECT pg_advisory_unlock(21332, $1::int)";
    if (db_exec(l->db, sql, 1, params, locked, q) < 0)
        free(q);
}

static void pictured(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct leader *l = arg;
    l->busy = false;
    if (l->db == NULL || status == -ECANCELED || status == -ECONNRESET)
        return;
    if (status < 0 || n != 2) {
        log_warn("leader: reading the sites failed: %s", error ? error : "unexpected result");
        return;
    }
    int rows = PQntuples(res[0]);
    struct runs_site_info *sites = calloc((size_t)(rows ? rows : 1), sizeof *sites);
    int64_t *ids = calloc((size_t)(rows ? rows : 1), sizeof *ids);
    int *holder = calloc((size_t)(rows ? rows : 1), sizeof *holder);
    int n_live = PQntuples(res[1]);
    int *live = calloc((size_t)(n_live ? n_live : 1), sizeof *live);
    int64_t *take = calloc((size_t)(rows ? rows : 1), sizeof *take);
    int64_t *release = calloc((size_t)(rows ? rows : 1), sizeof *release);
    if (!sites || !ids || !holder || !live || !take || !release) {
        log_err("leader: out of memory");
        goto out;
    }
    l->me = n_live > 0 ? atoi(PQgetvalue(res[1], 0, 0)) : l->me;
    for (int i = 0; i < n_live; i++)
        live[i] = atoi(PQgetvalue(res[1], i, 1));
    for (int i = 0; i < rows; i++) {
        struct runs_site_info *s = &sites[i];
        s->id = ids[i] = strtoll(PQgetvalue(res[0], i, 0), NULL, 10);
        text_printf(s->name, sizeof s->name, "%s", PQgetvalue(res[0], i, 1));
        s->horizon_days = atoi(PQgetvalue(res[0], i, 2));
        s->freeze_hours = atoi(PQgetvalue(res[0], i, 3));
        s->plan_seconds = strtod(PQgetvalue(res[0], i, 4), NULL);
        s->plan_iterations = strtoll(PQgetvalue(res[0], i, 5), NULL, 10);
        s->last_published = strtod(PQgetvalue(res[0], i, 6), NULL);
        s->last_run_id = strtoll(PQgetvalue(res[0], i, 7), NULL, 10);
        holder[i] = atoi(PQgetvalue(res[0], i, 8));
        /* Not ours while a give-back is still on its way: the picture says it is. */
        s->led = l->joined && holder[i] == l->me && l->me != 0;
    }
    l->stats.daemons = n_live;
    int n_take = 0, n_release = 0;
    if (l->joined)
        leader_decide(ids, holder, rows, l->me, live, n_live, take, &n_take, release, &n_release);
    for (int k = 0; k < n_release; k++)
        for (int i = 0; i < rows; i++)
            if (sites[i].id == release[k])
                sites[i].led = false;
    free(l->sites);
    l->sites = sites;
    l->n_sites = rows;
    sites = NULL;
    /* Runs hear of a lost site before its lock goes, so they stop first. */
    tell(l);
    for (int k = 0; k < n_release; k++) {
        log_notice("leader: giving back site %" PRId64 " (%d daemons share %d sites)", release[k],
                   n_live, rows);
        lock_query(l, release[k], false);
    }
    for (int k = 0; k < n_take; k++)
        lock_query(l, take[k], true);
out:
    free(sites);
    free(ids);
    free(holder);
    free(live);
    free(take);
    free(release);
}

static void on_tick(uv_timer_t *t)
{
    struct leader *l = t->data;
    if (l->db == NULL || !db_connected(l->db) || l->busy || !l->joined)
        return;
    if (db_exec(l->db, picture_sql, 0, NULL, pictured, l) == 0)
        l->busy = true;
}

static void joined(void *arg, int status, PGresult **res, int n, const char *error)
{
    (void)res;
    (void)n;
    struct leader *l = arg;
    if (l->db == NULL || status == -ECANCELED || status == -ECONNRESET)
        return;
    if (status < 0) {
        log_err("leader: cannot join the daemons of this database: %s", error ? error : "?");
        return;
    }
    l->joined = true;
    on_tick(&l->tick);
}

void leader_set_db(struct leader *l, struct db *db)
{
    l->db = db;
    l->busy = false;
    l->joined = false;
    l->me = 0;
    if (db == NULL) {
        /* The session is gone, and with it every lock: lead nothing, at once. */
        for (int i = 0; i < l->n_sites; i++)
            l->sites[i].led = false;
        tell(l);
        return;
    }
    /*
     * The member lock counts this daemon among the live ones; the idle timeout
     * makes the server end the session, and free its locks, when the daemon
     * stops answering (it queries every second when well).
     */
    char sql[160];
    snprintf(sql, sizeof sql,
             "SELECT pg_try_advisory_lock(21333, pg_backend_pid());"
             " SET idle_session_timeout = '%ds'",
             l->failover_seconds);
    if (db_exec(db, sql, 0, NULL, joined, l) < 0)
        log_warn("leader: the database went away before this daemon could join");
}

void leader_set_failover(struct leader *l, int failover_seconds)
{
    l->failover_seconds = failover_seconds;
}

void leader_get_stats(const struct leader *l, struct leader_stats *out)
{
    *out = l->stats;
    out->session = l->joined ? l->me : 0;
}

int leader_new(uv_loop_t *loop, int failover_seconds, const struct leader_callbacks *cb,
               struct leader **out)
{
    struct leader *l = calloc(1, sizeof *l);
    if (l == NULL)
        return -ENOMEM;
    l->loop = loop;
    l->failover_seconds = failover_seconds;
    if (cb != NULL)
        l->cb = *cb;
    /* uv_timer_init() only links a handle into the loop: it does not fail. */
    (void)uv_timer_init(loop, &l->tick);
    l->tick.data = l;
    uv_timer_start(&l->tick, on_tick, TICK_MS, TICK_MS);
    *out = l;
    return 0;
}

void leader_stop(struct leader *l)
{
    l->db = NULL;
    uv_timer_stop(&l->tick);
    uv_close((uv_handle_t *)&l->tick, NULL);
}

void leader_free(struct leader *l)
{
    if (l == NULL)
        return;
    free(l->sites);
    free(l);
}
