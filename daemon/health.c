/* SPDX-License-Identifier: ISC */
/*
 * health.c — /healthz and /metrics bodies (see include/health.h).
 *
 * "degraded" means planning cannot be trusted right now, for one of these:
 * the database is away or its session is in a bad state; a site this daemon
 * leads had its last run fail; a change to such a site has waited too long
 * for a plan; changes were committed without a notification reaching the
 * daemon. Feeds are served in every case. A site another daemon leads is
 * reported (its last plan's age) but is not this daemon's to be degraded by.
 */
#include "health.h"

#include <cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int health_reasons(const struct health_input *in, char reasons[][192], int max)
{
    int n = 0;
    if (!in->db_connected) {
        if (n < max)
            snprintf(reasons[n++], 192, "the database is not connected");
    } else {
        if (in->db.in_transaction && n < max)
            snprintf(reasons[n++], 192, "the database session is inside a transaction");
        if (in->db.busy_ms > 60000 && n < max)
            snprintf(reasons[n++], 192, "a database query has been running for %llu s",
                     in->db.busy_ms / 1000);
    }
    for (int i = 0; i < in->n_sites; i++) {
        const struct runs_site_view *s = &in->sites[i];
        if (!s->led)
            continue;
        if (strcmp(s->last_status, "failed") == 0 && n < max)
            text_printf(reasons[n++], 192, "site %s: the last run failed: %s", s->name,
                        s->last_message);
        if (s->pending && s->waiting_ms > in->pending_limit_ms && n < max)
            text_printf(reasons[n++], 192,
                        "site %s: a change heard %llu s ago has not been planned", s->name,
                        (unsigned long long)(s->waiting_ms / 1000));
    }
    if (in->feeds_loading && n < max)
        snprintf(reasons[n++], 192,
                 "the calendar feeds are still loading; feed URLs answer 503 until they are");
    if (in->runs.unheard && n < max)
        snprintf(reasons[n++], 192,
                 "changes were committed without a notification reaching staffd; re-planning");
    return n;
}

/* The site whose last attempt is the latest among those this daemon leads (or any). */
static const struct runs_site_view *latest(const struct health_input *in)
{
    const struct runs_site_view *best = NULL;
    for (int i = 0; i < in->n_sites; i++) {
        const struct runs_site_view *s = &in->sites[i];
        if (s->last_run_id == 0)
            continue;
        if (best == NULL || s->last_finished > best->last_finished)
            best = s;
    }
    return best;
}

char *health_json(const struct health_input *in, int *status)
{
    char reasons[16][192];
    int nr = health_reasons(in, reasons, 16);
    cJSON *j = cJSON_CreateObject();
    if (j == NULL)
        return NULL;
    cJSON_AddStringToObject(j, "status", nr == 0 ? "ok" : "degraded");
    cJSON *rs = cJSON_AddArrayToObject(j, "reasons");
    for (int i = 0; i < nr; i++)
        cJSON_AddItemToArray(rs, cJSON_CreateString(reasons[i]));
    cJSON_AddStringToObject(j, "database", in->db_connected ? "connected" : "disconnected");
    /*
     * last_run / last_success: the latest attempt and landed run among this
     * daemon's sites, as before sites existed (one site: that site's).
     */
    const struct runs_site_view *l = latest(in);
    if (l != NULL) {
        cJSON *r = cJSON_AddObjectToObject(j, "last_run");
        cJSON_AddNumberToObject(r, "id", (double)l->last_run_id);
        cJSON_AddNumberToObject(r, "site", (double)l->id);
        cJSON_AddStringToObject(r, "status", l->last_status);
        cJSON_AddStringToObject(r, "reason", l->last_reason);
        cJSON_AddNumberToObject(r, "finished_at", l->last_finished);
        if (l->last_message[0] != '\0')
            cJSON_AddStringToObject(r, "message", l->last_message);
        cJSON_AddNumberToObject(r, "shortage_minutes", l->shortage_minutes);
        cJSON_AddNumberToObject(r, "unfixable_shortage_minutes", l->unfixable_minutes);
        cJSON_AddNumberToObject(r, "surplus_minutes", l->surplus_minutes);
    } else {
        cJSON_AddNullToObject(j, "last_run");
    }
    /* The latest landed run of a site this daemon leads (of any site when it leads none). */
    const struct runs_site_view *g = NULL;
    for (int pass = 0; pass < 2 && g == NULL; pass++)
        for (int i = 0; i < in->n_sites; i++)
            if (in->sites[i].good_run_id > 0 && (pass == 1 || in->sites[i].led) &&
                (g == NULL || in->sites[i].good_finished > g->good_finished))
                g = &in->sites[i];
    if (g != NULL) {
        cJSON *o = cJSON_AddObjectToObject(j, "last_success");
        cJSON_AddNumberToObject(o, "id", (double)g->good_run_id);
        cJSON_AddNumberToObject(o, "site", (double)g->id);
        cJSON_AddNumberToObject(o, "finished_at", g->good_finished);
        cJSON_AddNumberToObject(o, "shortage_minutes", g->shortage_minutes);
        cJSON_AddNumberToObject(o, "unfixable_shortage_minutes", g->unfixable_minutes);
        cJSON_AddNumberToObject(o, "surplus_minutes", g->surplus_minutes);
    } else {
        cJSON_AddNullToObject(j, "last_success");
    }
    cJSON *sites = cJSON_AddArrayToObject(j, "sites");
    int agents = 0, shifts = 0, errors = 0;
    for (int i = 0; i < in->n_sites; i++) {
        const struct runs_site_view *s = &in->sites[i];
        cJSON *o = cJSON_CreateObject();
        if (o == NULL)
            break;
        cJSON_AddNumberToObject(o, "id", (double)s->id);
        cJSON_AddStringToObject(o, "name", s->name);
        cJSON_AddBoolToObject(o, "led_here", s->led);
        if (s->good_finished > 0)
            cJSON_AddNumberToObject(o, "last_plan_age_seconds",
                                    in->now > s->good_finished ? in->now - s->good_finished : 0);
        else
            cJSON_AddNullToObject(o, "last_plan_age_seconds");
        if (s->led && s->last_status[0] != '\0')
            cJSON_AddStringToObject(o, "last_run_status", s->last_status);
        cJSON_AddItemToArray(sites, o);
        if (s->led) {
            agents += s->agents;
            shifts += s->shifts;
            errors += s->input_errors;
        }
    }
    cJSON_AddNumberToObject(j, "daemons", in->leader.daemons);
    /* The database session that holds this daemon's leadership locks (pg_locks.pid). */
    cJSON_AddNumberToObject(j, "backend_pid", in->leader.session);
    cJSON_AddNumberToObject(j, "agents", agents);
    cJSON_AddNumberToObject(j, "feeds", in->feeds);
    cJSON_AddNumberToObject(j, "shifts", shifts);
    cJSON_AddNumberToObject(j, "input_errors", errors);
    char *body = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    *status = nr == 0 ? 200 : 503;
    return body;
}

char *health_metrics(const struct health_input *in)
{
    char reasons[16][192];
    int nr = health_reasons(in, reasons, 16);
    struct text_buf b = {0};
    double shortage = 0, surplus = 0, unfixable = 0;
    int agents = 0, shifts = 0, errors = 0;
    for (int i = 0; i < in->n_sites; i++)
        if (in->sites[i].led) {
            shortage += in->sites[i].shortage_minutes;
            surplus += in->sites[i].surplus_minutes;
            unfixable += in->sites[i].unfixable_minutes;
            agents += in->sites[i].agents;
            shifts += in->sites[i].shifts;
            errors += in->sites[i].input_errors;
        }
    double last_success = 0;
    for (int i = 0; i < in->n_sites; i++)
        if (in->sites[i].led && in->sites[i].good_finished > last_success)
            last_success = in->sites[i].good_finished;
    text_buf_printf(
        &b,
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
        "# HELP staffd_db_query_deadlines_total Queries unanswered past their deadline "
        "(connection dropped).\n"
        "# TYPE staffd_db_query_deadlines_total counter\n"
        "staffd_db_query_deadlines_total %llu\n"
        "# HELP staffd_notifications_total Change notifications received.\n"
        "# TYPE staffd_notifications_total counter\n"
        "staffd_notifications_total %" PRIu64 "\n"
        "# HELP staffd_missed_notifications_total Times changes were committed with no "
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
        "# HELP staffd_daemons Daemons sharing this database's sites, this one included.\n"
        "# TYPE staffd_daemons gauge\n"
        "staffd_daemons %d\n"
        "# HELP staffd_sites Active sites.\n"
        "# TYPE staffd_sites gauge\n"
        "staffd_sites %d\n"
        "# HELP staffd_sites_led Sites this daemon plans.\n"
        "# TYPE staffd_sites_led gauge\n"
        "staffd_sites_led %d\n"
        "# HELP staffd_last_success_timestamp_seconds When the last run this daemon landed "
        "finished.\n"
        "# TYPE staffd_last_success_timestamp_seconds gauge\n"
        "staffd_last_success_timestamp_seconds %.0f\n"
        "# HELP staffd_last_run_shortage_minutes Agent-minutes left uncovered from now on by the "
        "plans this daemon serves.\n"
        "# TYPE staffd_last_run_shortage_minutes gauge\n"
        "staffd_last_run_shortage_minutes %.1f\n"
        "# HELP staffd_last_run_unfixable_shortage_minutes Of that shortage, the agent-minutes no "
        "roster could fix (fewer agents could work than required).\n"
        "# TYPE staffd_last_run_unfixable_shortage_minutes gauge\n"
        "staffd_last_run_unfixable_shortage_minutes %.1f\n"
        "# HELP staffd_last_run_surplus_minutes Agent-minutes scheduled above the requirement from "
        "now on by the plans this daemon serves.\n"
        "# TYPE staffd_last_run_surplus_minutes gauge\n"
        "staffd_last_run_surplus_minutes %.1f\n"
        "# HELP staffd_last_plan_seconds Time the last run spent planning.\n"
        "# TYPE staffd_last_plan_seconds gauge\n"
        "staffd_last_plan_seconds %.3f\n"
        "# HELP staffd_agents Agents in the sites this daemon plans.\n"
        "# TYPE staffd_agents gauge\n"
        "staffd_agents %d\n"
        "# HELP staffd_shifts Shifts in the sites this daemon plans.\n"
        "# TYPE staffd_shifts gauge\n"
        "staffd_shifts %d\n"
        "# HELP staffd_input_errors Input rows the last runs could not use.\n"
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
        nr == 0, in->db_connected, in->db_reconnects, in->db.rollbacks, in->db.deadlines,
        in->notifications, in->runs.missed_notifications, in->runs.succeeded, in->runs.failed,
        in->runs.abandoned, in->runs.failures[RUNS_BEGIN], in->runs.failures[RUNS_SNAPSHOT],
        in->runs.failures[RUNS_PLANNING], in->runs.failures[RUNS_STORE], in->leader.daemons,
        in->leader.sites, in->leader.led, last_success, shortage, unfixable, surplus,
        in->runs.last_plan_seconds, agents, shifts, errors, in->feeds, in->http.connections,
        in->http.connections_refused, in->http.requests, in->http.feed_hits,
        in->http.feed_not_modified, in->http.feed_not_found);
    text_buf_printf(&b, "# HELP staffd_site_led Whether this daemon plans the site.\n"
                        "# TYPE staffd_site_led gauge\n");
    for (int i = 0; i < in->n_sites; i++)
        text_buf_printf(&b, "staffd_site_led{site=\"%" PRId64 "\"} %d\n", in->sites[i].id,
                        in->sites[i].led);
    /* Per site, the plan this daemon last landed for it. */
    static const char *const per_site[3][2] = {
        {"shortage", "Agent-minutes left uncovered from now on by the site's plan."},
        {"unfixable_shortage", "Of that shortage, the agent-minutes no roster could fix."},
        {"surplus", "Agent-minutes scheduled above the requirement from now on."}};
    for (int k = 0; k < 3; k++) {
        text_buf_printf(&b,
                        "# HELP staffd_site_%s_minutes %s\n"
                        "# TYPE staffd_site_%s_minutes gauge\n",
                        per_site[k][0], per_site[k][1], per_site[k][0]);
        for (int i = 0; i < in->n_sites; i++) {
            const struct runs_site_view *v = &in->sites[i];
            double x = k == 0   ? v->shortage_minutes
                       : k == 1 ? v->unfixable_minutes
                                : v->surplus_minutes;
            if (v->led && v->landed)
                text_buf_printf(&b, "staffd_site_%s_minutes{site=\"%" PRId64 "\"} %.1f\n",
                                per_site[k][0], v->id, x);
        }
    }
    text_buf_printf(&b, "# HELP staffd_site_plan_age_seconds Age of the site's last plan, "
                        "whoever landed it.\n"
                        "# TYPE staffd_site_plan_age_seconds gauge\n");
    for (int i = 0; i < in->n_sites; i++)
        if (in->sites[i].good_finished > 0)
            text_buf_printf(
                &b, "staffd_site_plan_age_seconds{site=\"%" PRId64 "\"} %.0f\n", in->sites[i].id,
                in->now > in->sites[i].good_finished ? in->now - in->sites[i].good_finished : 0);
    return text_buf_finish(&b);
}
