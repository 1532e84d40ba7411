/* SPDX-License-Identifier: ISC */
/*
 * runs.h — the planning runs of the sites this daemon leads.
 *
 * A site with a change heard waits for a quiet moment (debounce), then gets
 * a run: its staffd.runs row ('running', store_begin_sql), its snapshot (one
 * REPEATABLE READ transaction, load.c), the plan and recruitment on the thread
 * pool (plan.c, recruit.c, publish.c, store.c: pure), and the one statement
 * that lands it (store_publish_sql), which the database refuses unless this
 * daemon's session still leads the site and no other run of the site landed
 * since this one began. Any other end is recorded in the run's row ('failed'
 * with the stage and the reason, or 'abandoned') and a failed site is tried
 * again after 5 s, doubling up to 5 minutes. One run at a time across the
 * sites: each one already plans on plan_threads cores.
 *
 * Owns the runs' state, the per-site figures /healthz and /metrics show, and
 * the change counter check (staffd.change_seq against what was planned),
 * which notices notifications that never came. Loop thread only.
 *
 * Use:
 *   runs_new(loop, &cfg, &callbacks, &r);
 *   runs_set_db(r, db);               // when connected; NULL when not
 *   runs_set_sites(r, sites, n);      // after each leadership tick (leader.c)
 *   runs_changed(r, site, "change");  // a notification named the site (0: every site)
 *   runs_stop(r, done, arg);          // shutdown: cancels, records the run as abandoned
 *   runs_free(r);                     // after done
 */
#ifndef STAFFD_RUNS_H
#define STAFFD_RUNS_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "config.h"
#include "util.h"

struct db;
struct runs;

/* A site as the leadership tick reads it (staffd.sites), with this daemon's part in it. */
struct runs_site_info {
    int64_t id;
    char name[128];
    /* The site's own settings; < 0 where it takes the configuration's. */
    int horizon_days, freeze_hours;
    double plan_seconds;
    long long plan_iterations;
    bool led;              /* this daemon holds its leadership lock */
    double last_published; /* staffd.site_state.published_at (Unix seconds), 0 if never */
    int64_t last_run_id;   /* staffd.site_state.last_run_id, 0 if none */
};

/* How one site's planning stands, for /healthz and /metrics. */
struct runs_site_view {
    int64_t id;
    const char *name;
    bool led;
    bool pending; /* a change heard, no run started on it yet */
    uint64_t waiting_ms;
    /* The last attempt, whatever its end ("" before any). */
    int64_t last_run_id;
    const char *last_status; /* succeeded, failed, abandoned */
    const char *last_reason;
    const char *last_message;
    double last_finished;
    /* The last run that landed, by this daemon or another. */
    int64_t good_run_id;
    double good_finished;
    /* Of the last run this daemon landed (landed: there is one), from its clock on (plan.h). */
    bool landed;
    double shortage_minutes, surplus_minutes, unfixable_minutes;
    int agents, shifts, input_errors;
};

enum runs_stage { RUNS_BEGIN, RUNS_SNAPSHOT, RUNS_PLANNING, RUNS_STORE, RUNS_STAGES };

struct runs_stats {
    uint64_t succeeded, failed, abandoned;
    uint64_t failures[RUNS_STAGES];
    uint64_t missed_notifications;
    bool unheard; /* changes committed without a notification, not yet planned */
    double last_plan_seconds;
};

struct runs_callbacks {
    void *ctx;
    /* A run landed; changed_agents is a bigint[] literal ("{3,5}", "{}"). */
    void (*on_landed)(void *ctx, int64_t site, int64_t run_id, const char *changed_agents);
    /* Another run landed while one of ours was planning: feeds may be stale. */
    void (*on_stale)(void *ctx);
};

int runs_new(uv_loop_t *loop, const struct config *cfg, const struct runs_callbacks *cb,
             struct runs **out) __attribute__((warn_unused_result)) STAFFD_MUSTCHECK;
void runs_set_config(struct runs *r, const struct config *cfg);
void runs_set_db(struct runs *r, struct db *db);
/* The active sites and which of them this daemon leads now; gained ones plan at once. */
void runs_set_sites(struct runs *r, const struct runs_site_info *sites, int n);
/* A counted change was heard: the change counter's value it carried (runs_check_counter). */
void runs_heard(struct runs *r, long long seq);
/* The most agents one notification names for a quick run (migration 0014). */
#define RUNS_MAX_AGENTS 32
/*
 * A change heard for a site (0: every led site), planned after the debounce.
 * agents[0..n_agents): the agents (ids) whose inputs it changed, all of them;
 * n_agents < 0: not known, or more than agents' inputs (a full run).
 */
void runs_changed(struct runs *r, int64_t site, const char *reason, const int64_t *agents,
                  int n_agents);
/* Plan a site (0: every led site) as soon as the planner is free, without debounce. */
void runs_now(struct runs *r, int64_t site, const char *reason);
/* Every few seconds: compares staffd.change_seq with what was planned. */
void runs_check_counter(struct runs *r);
/* Why planning is stuck for good (the watchdog stops), or NULL. */
const char *runs_stalled(const struct runs *r);
/* Per site, for reporting; valid until the next call into runs. n: how many. */
const struct runs_site_view *runs_sites(struct runs *r, int *n);
void runs_get_stats(const struct runs *r, struct runs_stats *out);
/* The recruitment JSON of the last run this daemon landed for the site, or NULL. */
const char *runs_recruitment(const struct runs *r, int64_t site);
/* Cancels what is in flight, records it as abandoned (at most 1 s), then done(arg). */
void runs_stop(struct runs *r, void (*done)(void *arg), void *arg);
void runs_free(struct runs *r);

#endif
