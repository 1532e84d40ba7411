/* SPDX-License-Identifier: ISC */
/*
 * load.c — the snapshot query and its parsing (see include/load.h).
 *
 * Time zones are resolved by PostgreSQL: for every zone in use the query
 * samples the UTC offset each 15 minutes across the horizon (plus margins)
 * and keeps the instants where it changes. The planner then converts local
 * times with that table alone, so it uses exactly the zone rules the database
 * uses to check HR's rows.
 */
#include "load.h"
#include "text.h"
#include "util.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The snapshot's clock is %1$s in the query text: now(), or the instant the
 * configuration fixes (config.h, `clock`). Every other argument is positional
 * too, because HS repeats it.
 */
#define NOW  "%1$s"
#define SITE "%6$lld"
#define HS   "(date_trunc('day', " NOW " AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"

enum {
    R_BEGIN,
    R_CLOCK,
    R_TZ,
    R_QUEUES,
    R_DEMAND,
    R_CONTRACTS,
    R_AGENTS,
    R_SKILLS,
    R_AVAIL,
    R_TIME_OFF,
    R_SHIFTS,
    R_CANDIDATES,
    R_CAND_SKILLS,
    R_CAND_AVAIL,
    R_PREFS,
    R_BREAKS,
    R_RECENT,
    R_COMMIT,
    R_COUNT
};

const char load_change_counter_sql[] = "SELECT last_value FROM staffd.change_seq";

char *load_snapshot_sql(int days, bool clock_fixed, sd_time clock_at, int64_t site)
{
    char *sql = NULL, now[64];
    if (clock_fixed)
        snprintf(now, sizeof now, "to_timestamp(%lld)", (long long)clock_at);
    else
        snprintf(now, sizeof now, "now()");
    int n = asprintf(
        &sql,
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;"
        "SELECT extract(epoch FROM " NOW ")::bigint, extract(epoch FROM " HS ")::bigint;"
        "WITH z AS (SELECT DISTINCT time_zone::text AS tz FROM staffd.agents"
        "           WHERE active AND site_id = " SITE
        "           UNION SELECT time_zone::text FROM staffd.queues WHERE site_id = " SITE
        "           UNION SELECT 'UTC'"
        "           UNION SELECT time_zone::text FROM staffd.candidates WHERE site_id = " SITE
        "           AND status IN ('applied', 'screening', 'interview', 'offer')),"
        " t AS (SELECT generate_series(" HS " - interval '3 days', " HS
        " + interval '%2$d days', interval '15 minutes') AS at),"
        " o AS (SELECT z.tz, t.at, extract(epoch FROM (t.at AT TIME ZONE z.tz) - (t.at AT TIME "
        "ZONE 'UTC'))::int AS off FROM z CROSS JOIN t),"
        " l AS (SELECT tz, at, off, lag(off) OVER (PARTITION BY tz ORDER BY at) AS prev FROM o)"
        " SELECT tz, extract(epoch FROM at)::bigint, off FROM l"
        " WHERE prev IS NULL OR prev <> off ORDER BY tz, at;"
        "SELECT id, name, channel, service_level, target_seconds, max_occupancy, concurrency,"
        " coalesce(patience_seconds, 0), shrinkage, time_zone, assistant_share,"
        " coalesce(escalated_aht_seconds, 0) FROM staffd.queues"
        " WHERE site_id = " SITE " ORDER BY id;"
        "SELECT queue_id, extract(epoch FROM interval_start)::bigint, interval_minutes, contacts,"
        " aht_seconds, assistant_share IS NOT NULL, coalesce(assistant_share, 0) FROM "
        "staffd.demand WHERE interval_start < " HS " + interval '%3$d days'"
        " AND queue_id IN (SELECT id FROM staffd.queues WHERE site_id = " SITE ")"
        " AND interval_start + interval_minutes * interval '1 minute' > " HS
        " ORDER BY queue_id, interval_start;"
        "SELECT id, name, min_minutes_per_week, max_minutes_per_week, max_days_per_week,"
        " max_consecutive_days, min_rest_minutes, shift_start_step_minutes,"
        " array_to_string(shift_lengths_minutes, ','), break_rules::text,"
        " staffd.break_rules_problem(break_rules), hiring_template FROM staffd.contracts"
        " WHERE site_id = " SITE " ORDER BY id;"
        "SELECT id, name, time_zone, contract_id FROM staffd.agents WHERE active AND site_id "
        "= " SITE " ORDER BY id;"
        "SELECT agent_id, queue_id FROM staffd.agent_skills"
        " WHERE agent_id IN (SELECT id FROM staffd.agents WHERE site_id = " SITE ")"
        " ORDER BY agent_id, queue_id;"
        /*
         * Infinite dates and instants predate the rules that refuse them (0005)
         * and would make the whole query fail ("cannot convert infinity"): an
         * open end means what NULL means; a window valid only from +infinity
         * (or until -infinity) never applies; time off is clipped to the days
         * the snapshot needs, which also bounds an infinite end.
         */
        "SELECT id, agent_id, weekday, extract(epoch FROM start_time)::int / 60,"
        " extract(epoch FROM end_time)::int / 60,"
        " CASE WHEN valid_from = '-infinity' THEN NULL WHEN valid_from = 'infinity'"
        "  THEN 2147483647 ELSE valid_from - date '1970-01-01' END,"
        " CASE WHEN valid_until = 'infinity' THEN NULL WHEN valid_until = '-infinity'"
        "  THEN -2147483647 ELSE valid_until - date '1970-01-01' END"
        " FROM staffd.availability"
        " WHERE agent_id IN (SELECT id FROM staffd.agents WHERE site_id = " SITE ")"
        " ORDER BY agent_id, id;"
        "SELECT id, agent_id, extract(epoch FROM greatest(starts, " HS
        " - interval '9 days'))::bigint,"
        " extract(epoch FROM least(ends, " HS " + interval '%4$d days'))::bigint"
        " FROM staffd.time_off WHERE ends > " HS " - interval '8 days' AND starts < " HS
        " + interval '%3$d days'"
        " AND agent_id IN (SELECT id FROM staffd.agents WHERE site_id = " SITE ")"
        " ORDER BY agent_id, starts;"
        "SELECT id, agent_id, queue_id, extract(epoch FROM starts)::bigint,"
        " extract(epoch FROM ends)::bigint, status = 'cancelled', sequence FROM staffd.shifts"
        " WHERE ends > " HS " - interval '8 days'"
        " AND agent_id IN (SELECT id FROM staffd.agents WHERE site_id = " SITE ")"
        " ORDER BY agent_id, starts;"
        "SELECT id, name, source, time_zone, minutes_per_week_wanted, coalesce(assessment_score, "
        "-1)"
        " FROM staffd.candidates WHERE status IN ('applied', 'screening', 'interview', 'offer')"
        " AND site_id = " SITE " ORDER BY id;"
        "SELECT candidate_id, queue_id FROM staffd.candidate_skills"
        " WHERE candidate_id IN (SELECT id FROM staffd.candidates WHERE site_id = " SITE ")"
        " ORDER BY candidate_id, queue_id;"
        "SELECT id, candidate_id, weekday, extract(epoch FROM start_time)::int / 60,"
        " extract(epoch FROM end_time)::int / 60 FROM staffd.candidate_availability"
        " WHERE candidate_id IN (SELECT id FROM staffd.candidates WHERE site_id = " SITE ")"
        " ORDER BY candidate_id, id;"
        "SELECT id, agent_id, coalesce(weekday, 0), on_date - date '1970-01-01',"
        " extract(epoch FROM start_time)::int / 60, extract(epoch FROM end_time)::int / 60,"
        " kind = 'avoid', weight FROM staffd.preferences"
        " WHERE (on_date IS NULL OR (on_date >= (" HS " AT TIME ZONE 'UTC')::date - 2"
        " AND on_date <= (" HS " AT TIME ZONE 'UTC')::date + %4$d))"
        " AND agent_id IN (SELECT id FROM staffd.agents WHERE site_id = " SITE ")"
        " ORDER BY agent_id, id;"
        "SELECT b.shift_id, extract(epoch FROM b.starts)::bigint,"
        " extract(epoch FROM b.ends)::bigint, b.paid"
        " FROM staffd.shift_breaks b JOIN staffd.shifts s ON s.id = b.shift_id"
        " JOIN staffd.agents a ON a.id = s.agent_id AND a.site_id = " SITE " WHERE s.ends > " HS
        " - interval '8 days' ORDER BY b.shift_id, b.starts;"
        "SELECT s.agent_id,"
        " count(*) FILTER (WHERE extract(isodow FROM s.starts AT TIME ZONE a.time_zone) >= 6),"
        " count(*) FILTER (WHERE (s.starts AT TIME ZONE a.time_zone)::time >= time '00:00'"
        "  + %5$d * interval '1 minute')"
        " FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id"
        " WHERE a.active AND a.site_id = " SITE " AND s.status = 'scheduled' AND s.starts >= " HS
        " - interval '28 days'"
        " AND s.starts < " HS " GROUP BY s.agent_id ORDER BY s.agent_id;"
        "COMMIT",
        now, days + 3, days, days + 2, SD_LATE_MINUTE, (long long)site);
    return n < 0 ? NULL : sql;
}

static char *dupstr(const char *s)
{
    return strdup(s != NULL ? s : "");
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Index of id in a sorted array of ids, -1 if absent. */
static int find_id(const int64_t *ids, int n, int64_t id)
{
    const int64_t *p = bsearch(&id, ids, (size_t)n, sizeof *ids, cmp_i64);
    return p ? (int)(p - ids) : -1;
}

static int64_t v64(const PGresult *r, int row, int col)
{
    return strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static double vdbl(const PGresult *r, int row, int col)
{
    return strtod(PQgetvalue(r, row, col), NULL);
}

static int add_error(struct snapshot *s, const char *table, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int add_error(struct snapshot *s, const char *table, const char *key, const char *fmt, ...)
{
    struct input_error *e = util_push((void **)&s->errors, &s->n_errors, sizeof *e);
    if (e == NULL)
        return -ENOMEM;
    text_printf(e->table, sizeof e->table, "%s", table);
    text_printf(e->key, sizeof e->key, "%s", key);
    va_list ap;
    va_start(ap, fmt);
    text_vprintf(e->message, sizeof e->message, fmt, ap);
    va_end(ap);
    return 0;
}

static int check_shape(PGresult *const *res, int n, char *err, size_t err_len)
{
    static const int cols[R_COUNT] = {
        [R_CLOCK] = 2,      [R_TZ] = 3,     [R_QUEUES] = 12,    [R_DEMAND] = 7,
        [R_CONTRACTS] = 12, [R_AGENTS] = 4, [R_SKILLS] = 2,     [R_AVAIL] = 7,
        [R_TIME_OFF] = 4,   [R_SHIFTS] = 7, [R_CANDIDATES] = 6, [R_CAND_SKILLS] = 2,
        [R_CAND_AVAIL] = 5, [R_PREFS] = 8,  [R_BREAKS] = 4,     [R_RECENT] = 3,
    };
    if (n != R_COUNT) {
        snprintf(err, err_len, "snapshot query returned %d results, expected %d", n, R_COUNT);
        return -EINVAL;
    }
    for (int i = R_CLOCK; i < R_COMMIT; i++) {
        if (PQresultStatus(res[i]) != PGRES_TUPLES_OK || PQnfields(res[i]) != cols[i]) {
            snprintf(err, err_len, "snapshot result %d has an unexpected shape", i);
            return -EINVAL;
        }
    }
    return 0;
}

static int load_tzs(const PGresult *r, struct snapshot *s)
{
    int rows = PQntuples(r);
    s->tzs = calloc((size_t)(rows ? rows : 1), sizeof *s->tzs);
    if (s->tzs == NULL)
        return -ENOMEM;
    for (int i = 0; i < rows;) {
        int j = i;
        while (j < rows && strcmp(PQgetvalue(r, j, 0), PQgetvalue(r, i, 0)) == 0)
            j++;
        struct tz_table *tz = &s->tzs[s->n_tzs++];
        tz->name = dupstr(PQgetvalue(r, i, 0));
        tz->n = j - i;
        tz->from = malloc((size_t)tz->n * sizeof *tz->from);
        tz->offset = malloc((size_t)tz->n * sizeof *tz->offset);
        if (!tz->name || !tz->from || !tz->offset)
            return -ENOMEM;
        for (int k = 0; k < tz->n; k++) {
            tz->from[k] = v64(r, i + k, 1);
            tz->offset[k] = (int32_t)v64(r, i + k, 2);
        }
        /* The first sample's offset also holds before the sampled range. */
        tz->from[0] = INT64_MIN / 2;
        i = j;
    }
    return 0;
}

static int find_tz(const struct snapshot *s, const char *name)
{
    for (int i = 0; i < s->n_tzs; i++)
        if (strcmp(s->tzs[i].name, name) == 0)
            return i;
    return -1;
}

static enum channel parse_channel(const char *c)
{
    if (strcmp(c, "chat") == 0)
        return CHANNEL_CHAT;
    if (strcmp(c, "email") == 0)
        return CHANNEL_EMAIL;
    return CHANNEL_VOICE;
}

/*
 * Defence in depth behind the schema's rules (0005 refuses new rows like
 * these, but older rows and a DBA's bypass remain): a value no contact centre
 * has is reported with its row and the row is left out, so that one row can
 * never stop planning for everyone. The bounds are docs/interfaces.md's.
 */
static bool in_range(double v, double lo, double hi)
{
    return isfinite(v) && v >= lo && v <= hi;
}

/* What is wrong with a queue's parameters, or NULL. */
static const char *queue_problem(const struct queue *q)
{
    if (!(isfinite(q->service_level) && q->service_level > 0 && q->service_level < 1))
        return "service_level is not between 0 and 1";
    if (!(isfinite(q->target_seconds) && q->target_seconds > 0 &&
          q->target_seconds <= LOAD_MAX_TARGET_SECONDS))
        return "target_seconds is not above 0 and at most 604800 (a week)";
    if (!(isfinite(q->max_occupancy) && q->max_occupancy > 0 && q->max_occupancy <= 1))
        return "max_occupancy is not above 0 and at most 1";
    if (q->concurrency < 1 || q->concurrency > 10)
        return "concurrency is not between 1 and 10";
    if (!in_range(q->patience_seconds, 0, LOAD_MAX_PATIENCE))
        return "patience_seconds is not between 0 and 86400";
    if (!(isfinite(q->shrinkage) && q->shrinkage >= 0 && q->shrinkage < 1))
        return "shrinkage is not at least 0 and below 1";
    if (!(isfinite(q->assistant_share) && q->assistant_share >= 0 && q->assistant_share < 1))
        return "assistant_share is not at least 0 and below 1";
    if (!in_range(q->escalated_aht, 0, LOAD_MAX_AHT_SECONDS))
        return "escalated_aht_seconds is not above 0 and at most 86400";
    return NULL;
}

static int load_queues(const PGresult *r, struct snapshot *s, int64_t **ids, bool **bad)
{
    int rows = PQntuples(r);
    s->queues = calloc((size_t)(rows ? rows : 1), sizeof *s->queues);
    *ids = malloc((size_t)(rows ? rows : 1) * sizeof **ids);
    *bad = calloc((size_t)(rows ? rows : 1), sizeof **bad);
    if (s->queues == NULL || *ids == NULL || *bad == NULL)
        return -ENOMEM;
    for (int i = 0; i < rows; i++) {
        struct queue *q = &s->queues[i];
        q->id = (*ids)[i] = v64(r, i, 0);
        q->name = dupstr(PQgetvalue(r, i, 1));
        if (q->name == NULL)
            return -ENOMEM;
        q->channel = parse_channel(PQgetvalue(r, i, 2));
        q->service_level = vdbl(r, i, 3);
        q->target_seconds = vdbl(r, i, 4);
        q->max_occupancy = vdbl(r, i, 5);
        q->concurrency = (int)v64(r, i, 6);
        q->patience_seconds = vdbl(r, i, 7);
        q->shrinkage = vdbl(r, i, 8);
        q->assistant_share = vdbl(r, i, 10);
        q->escalated_aht = vdbl(r, i, 11);
        q->tz = find_tz(s, PQgetvalue(r, i, 9));
        if (q->tz < 0)
            return -EINVAL;
        s->n_queues++;
        const char *why = queue_problem(q);
        if (why != NULL) {
            char key[64];
            text_printf(key, sizeof key, "id=%lld", (long long)q->id);
            int rc = add_error(s, "queues", key, "queue '%s': %s; its demand is not planned",
                               q->name, why);
            if (rc < 0)
                return rc;
            (*bad)[i] = true;
            /* Harmless values, so that nothing downstream divides by a bad one. */
            *q = (struct queue){.id = q->id,
                                .name = q->name,
                                .tz = q->tz,
                                .channel = q->channel,
                                .service_level = 0.8,
                                .target_seconds = 20,
                                .max_occupancy = 0.85,
                                .concurrency = 1,
                                .patience_seconds = 0,
                                .shrinkage = 0.3};
        }
    }
    return 0;
}

static int load_demand(const PGresult *r, struct snapshot *s, const int64_t *qids, const bool *bad)
{
    size_t n = (size_t)s->n_queues * (size_t)s->n_cells;
    s->contacts = calloc(n ? n : 1, sizeof *s->contacts);
    s->aht = calloc(n ? n : 1, sizeof *s->aht);
    s->offered = calloc(n ? n : 1, sizeof *s->offered);
    unsigned char *filled = calloc(n ? n : 1, 1);
    int rc = 0;
    if (!s->contacts || !s->aht || !s->offered || !filled) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        int q = find_id(qids, s->n_queues, v64(r, i, 0));
        sd_time start = v64(r, i, 1);
        int minutes = (int)v64(r, i, 2);
        int cells = minutes / 15;
        double contacts = vdbl(r, i, 3), aht = vdbl(r, i, 4), share = vdbl(r, i, 6);
        if (q < 0 || bad[q])
            continue;
        const char *why = NULL;
        if (PQgetvalue(r, i, 5)[0] != 't') /* the row says nothing of its own */
            share = s->queues[q].assistant_share;
        if (!(isfinite(share) && share >= 0 && share < 1))
            why = "assistant_share is not at least 0 and below 1";
        else if (!in_range(contacts, 0, LOAD_MAX_CONTACTS))
            why = "contacts is not a number from 0 to 1000000";
        else if (!(isfinite(aht) && aht > 0 && aht <= LOAD_MAX_AHT_SECONDS))
            why = "aht_seconds is not above 0 and at most 86400";
        else if (minutes <= 0 || minutes % 15 != 0)
            why = "interval_minutes is not 15, 30 or 60";
        else if (contacts * aht > LOAD_MAX_ERLANGS * minutes * 60.0)
            why = "the interval offers more than 50000 Erlangs (contacts x aht_seconds / interval)";
        if (why != NULL) {
            char key[64];
            text_printf(key, sizeof key, "queue_id=%lld interval_start=%lld", (long long)qids[q],
                        (long long)start);
            rc =
                add_error(s, "demand", key, "%s (contacts %g, aht_seconds %g); this row is ignored",
                          why, contacts, aht);
            if (rc < 0)
                goto out;
            continue;
        }
        int64_t c0 = (start - s->horizon_start) / SD_CELL_SECONDS;
        bool overlap = false;
        for (int k = 0; k < cells; k++) {
            int64_t c = c0 + k;
            if (c >= 0 && c < s->n_cells && filled[(size_t)q * (size_t)s->n_cells + (size_t)c])
                overlap = true;
        }
        if (overlap) {
            char key[64];
            text_printf(key, sizeof key, "queue_id=%lld interval_start=%lld", (long long)qids[q],
                        (long long)start);
            rc = add_error(s, "demand", key,
                           "overlaps another demand row of the same queue; this row is ignored");
            if (rc < 0)
                goto out;
            continue;
        }
        /* A 30- or 60-minute forecast is spread evenly over its 15-minute cells. */
        for (int k = 0; k < cells; k++) {
            int64_t c = c0 + k;
            if (c < 0 || c >= s->n_cells)
                continue;
            size_t idx = (size_t)q * (size_t)s->n_cells + (size_t)c;
            filled[idx] = 1;
            /* People get what the assistant hands over, at the escalated handle time. */
            s->offered[idx] = contacts / cells;
            s->contacts[idx] = contacts * (1 - share) / cells;
            s->aht[idx] = s->queues[q].escalated_aht > 0 ? s->queues[q].escalated_aht : aht;
        }
    }
out:
    free(filled);
    return rc;
}

/* An integer member of a break rule, or dflt when absent; false if present but not an integer. */
static bool rule_int(const cJSON *o, const char *key, int dflt, int *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = dflt;
    if (v == NULL)
        return true;
    if (!cJSON_IsNumber(v) || v->valuedouble != (double)(int)v->valuedouble)
        return false;
    *out = (int)v->valuedouble;
    return true;
}

static bool rule_bool(const cJSON *o, const char *key, bool *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = false;
    if (v == NULL)
        return true;
    if (!cJSON_IsBool(v))
        return false;
    *out = cJSON_IsTrue(v);
    return true;
}

/*
 * contracts.break_rules (already checked by staffd.break_rules_problem(); a
 * row that predates that check and fails it is reported, and its contract
 * planned without breaks). 0, -EINVAL for rules that do not parse, -ENOMEM.
 */
static int parse_break_rules(const char *text, struct contract *c)
{
    cJSON *j = cJSON_Parse(text);
    int rc = 0;
    if (j == NULL || !cJSON_IsArray(j)) {
        cJSON_Delete(j);
        return -EINVAL;
    }
    int n = cJSON_GetArraySize(j);
    c->break_rules = calloc((size_t)(n ? n : 1), sizeof *c->break_rules);
    if (c->break_rules == NULL) {
        cJSON_Delete(j);
        return -ENOMEM;
    }
    const cJSON *o;
    cJSON_ArrayForEach(o, j)
    {
        struct break_rule *br = &c->break_rules[c->n_break_rules];
        bool ok = cJSON_IsObject(o) &&
                  rule_int(o, "min_shift_minutes", -1, &br->min_shift_minutes) &&
                  rule_int(o, "max_shift_minutes", INT32_MAX, &br->max_shift_minutes) &&
                  rule_int(o, "minutes", -1, &br->minutes) && rule_bool(o, "paid", &br->paid) &&
                  rule_int(o, "earliest_after", -1, &br->earliest_after) &&
                  rule_int(o, "latest_after", -1, &br->latest_after) &&
                  rule_bool(o, "in_each_half", &br->in_each_half);
        if (!ok || br->min_shift_minutes < 0 || br->minutes <= 0 || br->minutes % 15 != 0) {
            rc = -EINVAL;
            break;
        }
        c->n_break_rules++;
    }
    cJSON_Delete(j);
    if (rc < 0) {
        free(c->break_rules);
        c->break_rules = NULL;
        c->n_break_rules = 0;
    }
    return rc;
}

static int load_contracts(const PGresult *r, struct snapshot *s, int64_t **ids)
{
    int rows = PQntuples(r);
    s->contracts = calloc((size_t)(rows ? rows : 1), sizeof *s->contracts);
    *ids = malloc((size_t)(rows ? rows : 1) * sizeof **ids);
    if (s->contracts == NULL || *ids == NULL)
        return -ENOMEM;
    for (int i = 0; i < rows; i++) {
        struct contract *c = &s->contracts[i];
        c->id = (*ids)[i] = v64(r, i, 0);
        c->name = dupstr(PQgetvalue(r, i, 1));
        c->min_minutes_per_week = (int)v64(r, i, 2);
        c->max_minutes_per_week = (int)v64(r, i, 3);
        c->max_days_per_week = (int)v64(r, i, 4);
        c->max_consecutive_days = (int)v64(r, i, 5);
        c->min_rest_minutes = (int)v64(r, i, 6);
        c->shift_start_step_minutes = (int)v64(r, i, 7);
        c->hiring_template = PQgetvalue(r, i, 11)[0] == 't';
        const char *lens = PQgetvalue(r, i, 8);
        int count = 1;
        for (const char *p = lens; *p; p++)
            count += *p == ',';
        c->shift_lengths_minutes = malloc((size_t)count * sizeof *c->shift_lengths_minutes);
        if (c->name == NULL || c->shift_lengths_minutes == NULL)
            return -ENOMEM;
        const char *p = lens;
        while (*p) {
            char *end;
            long v = strtol(p, &end, 10);
            if (end == p)
                break;
            c->shift_lengths_minutes[c->n_lengths++] = (int)v;
            p = *end == ',' ? end + 1 : end;
        }
        s->n_contracts++;
        int brc = PQgetisnull(r, i, 10) ? parse_break_rules(PQgetvalue(r, i, 9), c) : -EINVAL;
        if (brc == -ENOMEM)
            return brc;
        if (brc < 0) {
            char key[64];
            snprintf(key, sizeof key, "id=%lld", (long long)c->id);
            brc = add_error(s, "contracts", key,
                            "break_rules of contract '%s' are invalid (%s): planned without breaks",
                            c->name, PQgetisnull(r, i, 10) ? "unreadable" : PQgetvalue(r, i, 10));
            if (brc < 0)
                return brc;
        }
    }
    return 0;
}

static int load_agents(PGresult *const *res, struct snapshot *s, const int64_t *qids,
                       const int64_t *cids, int64_t **ids)
{
    const PGresult *r = res[R_AGENTS];
    int rows = PQntuples(r);
    int rc = 0;
    char key[64];
    s->agents = calloc((size_t)(rows ? rows : 1), sizeof *s->agents);
    *ids = malloc((size_t)(rows ? rows : 1) * sizeof **ids);
    if (s->agents == NULL || *ids == NULL)
        return -ENOMEM;
    for (int i = 0; i < rows; i++) {
        struct agent *a = &s->agents[i];
        a->id = (*ids)[i] = v64(r, i, 0);
        a->name = dupstr(PQgetvalue(r, i, 1));
        if (a->name == NULL)
            return -ENOMEM;
        a->tz = find_tz(s, PQgetvalue(r, i, 2));
        a->contract = find_id(cids, s->n_contracts, v64(r, i, 3));
        if (a->tz < 0 || a->contract < 0)
            return -EINVAL; /* the schema's constraints make this impossible */
        s->n_agents++;
    }

    const PGresult *sk = res[R_SKILLS];
    for (int i = 0; i < PQntuples(sk); i++) {
        int a = find_id(*ids, s->n_agents, v64(sk, i, 0));
        int q = find_id(qids, s->n_queues, v64(sk, i, 1));
        if (a < 0 || q < 0)
            continue;
        struct agent *ag = &s->agents[a];
        int *ns = util_push((void **)&ag->skills, &ag->n_skills, sizeof *ns);
        if (ns == NULL)
            return -ENOMEM;
        *ns = q;
    }

    const PGresult *av = res[R_AVAIL];
    for (int i = 0; i < PQntuples(av); i++) {
        int a = find_id(*ids, s->n_agents, v64(av, i, 1));
        if (a < 0)
            continue;
        struct agent *ag = &s->agents[a];
        struct window w = {
            .weekday = (int)v64(av, i, 2),
            .start_min = (int)v64(av, i, 3),
            .end_min = (int)v64(av, i, 4),
            .valid_from = PQgetisnull(av, i, 5) ? INT32_MIN : (int32_t)v64(av, i, 5),
            .valid_until = PQgetisnull(av, i, 6) ? INT32_MAX : (int32_t)v64(av, i, 6),
        };
        const struct contract *c = &s->contracts[ag->contract];
        int len = (w.end_min <= w.start_min ? w.end_min + 1440 : w.end_min) - w.start_min;
        int shortest = INT32_MAX;
        for (int l = 0; l < c->n_lengths; l++)
            if (c->shift_lengths_minutes[l] < shortest)
                shortest = c->shift_lengths_minutes[l];
        if (len < shortest) {
            snprintf(key, sizeof key, "id=%s", PQgetvalue(av, i, 0));
            rc = add_error(s, "availability", key,
                           "window of %d minutes is shorter than the shortest shift of contract "
                           "'%s' (%d minutes): no shift fits in it",
                           len, c->name, shortest);
            if (rc < 0)
                return rc;
        }
        struct window *nw = util_push((void **)&ag->windows, &ag->n_windows, sizeof *nw);
        if (nw == NULL)
            return -ENOMEM;
        *nw = w;
    }

    const PGresult *to = res[R_TIME_OFF];
    for (int i = 0; i < PQntuples(to); i++) {
        int a = find_id(*ids, s->n_agents, v64(to, i, 1));
        if (a < 0)
            continue;
        struct agent *ag = &s->agents[a];
        struct span *ns = util_push((void **)&ag->time_off, &ag->n_time_off, sizeof *ns);
        if (ns == NULL)
            return -ENOMEM;
        *ns = (struct span){v64(to, i, 2), v64(to, i, 3)};
    }

    for (int a = 0; a < s->n_agents; a++) {
        const struct agent *ag = &s->agents[a];
        snprintf(key, sizeof key, "id=%lld", (long long)ag->id);
        if (ag->n_skills == 0)
            rc = add_error(s, "agents", key,
                           "agent '%s' has no skills (staffd.agent_skills): not scheduled",
                           ag->name);
        else if (ag->n_windows == 0)
            rc = add_error(s, "agents", key,
                           "agent '%s' has no availability (staffd.availability): not scheduled",
                           ag->name);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static int load_published(const PGresult *r, struct snapshot *s, const int64_t *aids,
                          const int64_t *qids)
{
    int rows = PQntuples(r);
    s->published = calloc((size_t)(rows ? rows : 1), sizeof *s->published);
    if (s->published == NULL)
        return -ENOMEM;
    for (int i = 0; i < rows; i++) {
        struct published_shift *p = &s->published[s->n_published++];
        snprintf(p->uuid, sizeof p->uuid, "%s", PQgetvalue(r, i, 0));
        p->agent_id = v64(r, i, 1);
        p->queue_id = v64(r, i, 2);
        p->agent = find_id(aids, s->n_agents, p->agent_id);
        p->queue = find_id(qids, s->n_queues, p->queue_id);
        p->start = v64(r, i, 3);
        p->end = v64(r, i, 4);
        p->cancelled = PQgetvalue(r, i, 5)[0] == 't';
        p->sequence = (int)v64(r, i, 6);
    }
    return 0;
}

static int load_prefs(const PGresult *r, struct snapshot *s, const int64_t *aids)
{
    for (int i = 0; i < PQntuples(r); i++) {
        int a = find_id(aids, s->n_agents, v64(r, i, 1));
        if (a < 0)
            continue;
        struct agent *ag = &s->agents[a];
        bool window = !PQgetisnull(r, i, 4) && !PQgetisnull(r, i, 5);
        double weight = vdbl(r, i, 7);
        if (!(isfinite(weight) && weight > 0 && weight <= 100)) {
            char key[64];
            text_printf(key, sizeof key, "id=%lld", (long long)v64(r, i, 0));
            int rc =
                add_error(s, "preferences", key,
                          "weight %g is not above 0 and at most 100; this wish is ignored", weight);
            if (rc < 0)
                return rc;
            continue;
        }
        struct preference *np = util_push((void **)&ag->prefs, &ag->n_prefs, sizeof *np);
        if (np == NULL)
            return -ENOMEM;
        *np = (struct preference){
            .id = v64(r, i, 0),
            .weekday = (int)v64(r, i, 2),
            .date = PQgetisnull(r, i, 3) ? INT32_MIN : (int32_t)v64(r, i, 3),
            .start_min = window ? (int)v64(r, i, 4) : -1,
            .end_min = window ? (int)v64(r, i, 5) : -1,
            .avoid = PQgetvalue(r, i, 6)[0] == 't',
            .weight = vdbl(r, i, 7),
        };
    }
    return 0;
}

static void load_recent(const PGresult *r, struct snapshot *s, const int64_t *aids)
{
    for (int i = 0; i < PQntuples(r); i++) {
        int a = find_id(aids, s->n_agents, v64(r, i, 0));
        if (a < 0)
            continue;
        s->agents[a].recent_weekend_shifts = (int)v64(r, i, 1);
        s->agents[a].recent_late_shifts = (int)v64(r, i, 2);
    }
}

struct uuid_index {
    const char *uuid;
    int idx;
};

static int cmp_uuid_index(const void *a, const void *b)
{
    return strcmp(((const struct uuid_index *)a)->uuid, ((const struct uuid_index *)b)->uuid);
}

/* Breaks of the published shifts; rows come ordered by shift, then start. */
static int load_published_breaks(const PGresult *r, struct snapshot *s)
{
    int rows = PQntuples(r), rc = 0;
    struct uuid_index *ix = malloc((size_t)(s->n_published ? s->n_published : 1) * sizeof *ix);
    s->published_breaks = calloc((size_t)(rows ? rows : 1), sizeof *s->published_breaks);
    if (ix == NULL || s->published_breaks == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < s->n_published; i++)
        ix[i] = (struct uuid_index){s->published[i].uuid, i};
    qsort(ix, (size_t)s->n_published, sizeof *ix, cmp_uuid_index);
    for (int i = 0; i < rows; i++) {
        struct uuid_index key = {PQgetvalue(r, i, 0), -1};
        const struct uuid_index *hit =
            bsearch(&key, ix, (size_t)s->n_published, sizeof *ix, cmp_uuid_index);
        if (hit == NULL)
            continue;
        struct published_shift *p = &s->published[hit->idx];
        if (p->n_breaks == 0)
            p->first_break = s->n_published_breaks;
        else if (p->first_break + p->n_breaks != s->n_published_breaks)
            continue; /* not contiguous: cannot happen with the query's order */
        s->published_breaks[s->n_published_breaks++] = (struct shift_break){
            .shift = hit->idx,
            .start = v64(r, i, 1),
            .end = v64(r, i, 2),
            .paid = PQgetvalue(r, i, 3)[0] == 't',
        };
        p->n_breaks++;
    }
out:
    free(ix);
    return rc;
}

static int load_candidates(PGresult *const *res, struct snapshot *s, const int64_t *qids)
{
    const PGresult *r = res[R_CANDIDATES];
    int rows = PQntuples(r);
    s->candidates = calloc((size_t)(rows ? rows : 1), sizeof *s->candidates);
    int64_t *ids = malloc((size_t)(rows ? rows : 1) * sizeof *ids);
    int rc = 0;
    if (s->candidates == NULL || ids == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < rows; i++) {
        struct candidate *c = &s->candidates[s->n_candidates];
        c->id = ids[i] = v64(r, i, 0);
        c->name = dupstr(PQgetvalue(r, i, 1));
        c->source = dupstr(PQgetvalue(r, i, 2));
        c->tz = find_tz(s, PQgetvalue(r, i, 3));
        c->minutes_per_week = (int)v64(r, i, 4);
        c->score = vdbl(r, i, 5);
        if (!isfinite(c->score) || c->score > 100)
            c->score = -1; /* counted as not assessed (the schema refuses such a score now) */
        s->n_candidates++;
        if (c->name == NULL || c->source == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        if (c->tz < 0) {
            rc = -EINVAL;
            goto out;
        }
    }
    const PGresult *sk = res[R_CAND_SKILLS];
    for (int i = 0; i < PQntuples(sk); i++) {
        int c = find_id(ids, s->n_candidates, v64(sk, i, 0));
        int q = find_id(qids, s->n_queues, v64(sk, i, 1));
        if (c < 0 || q < 0)
            continue;
        struct candidate *cd = &s->candidates[c];
        int *ns = util_push((void **)&cd->skills, &cd->n_skills, sizeof *ns);
        if (ns == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        *ns = q;
    }
    const PGresult *av = res[R_CAND_AVAIL];
    for (int i = 0; i < PQntuples(av); i++) {
        int c = find_id(ids, s->n_candidates, v64(av, i, 1));
        if (c < 0)
            continue;
        struct candidate *cd = &s->candidates[c];
        struct window *nw = util_push((void **)&cd->windows, &cd->n_windows, sizeof *nw);
        if (nw == NULL) {
            rc = -ENOMEM;
            goto out;
        }
        *nw = (struct window){
            .weekday = (int)v64(av, i, 2),
            .start_min = (int)v64(av, i, 3),
            .end_min = (int)v64(av, i, 4),
            .valid_from = INT32_MIN,
            .valid_until = INT32_MAX,
        };
    }
out:
    free(ids);
    return rc;
}

int load_snapshot(PGresult *const *res, int n, int horizon_days, struct snapshot *s, char *err,
                  size_t err_len)
{
    int64_t *qids = NULL, *cids = NULL, *aids = NULL;
    bool *qbad = NULL;
    *s = (struct snapshot){0};
    int rc = check_shape(res, n, err, err_len);
    if (rc < 0)
        return rc;
    if (PQntuples(res[R_CLOCK]) != 1) {
        snprintf(err, err_len, "snapshot clock row missing");
        return -EINVAL;
    }
    s->now = v64(res[R_CLOCK], 0, 0);
    s->horizon_start = v64(res[R_CLOCK], 0, 1);
    s->horizon_days = horizon_days;
    s->n_cells = horizon_days * 86400 / SD_CELL_SECONDS;

    rc = load_tzs(res[R_TZ], s);
    if (rc == 0)
        rc = load_queues(res[R_QUEUES], s, &qids, &qbad);
    if (rc == 0)
        rc = load_demand(res[R_DEMAND], s, qids, qbad);
    if (rc == 0)
        rc = load_contracts(res[R_CONTRACTS], s, &cids);
    if (rc == 0)
        rc = load_agents(res, s, qids, cids, &aids);
    if (rc == 0)
        rc = load_prefs(res[R_PREFS], s, aids);
    if (rc == 0)
        load_recent(res[R_RECENT], s, aids);
    if (rc == 0)
        rc = load_published(res[R_SHIFTS], s, aids, qids);
    if (rc == 0)
        rc = load_published_breaks(res[R_BREAKS], s);
    if (rc == 0)
        rc = load_candidates(res, s, qids);
    if (rc < 0) {
        snprintf(err, err_len, "loading the snapshot: %s", strerror(-rc));
        snapshot_free(s);
    }
    free(qids);
    free(qbad);
    free(cids);
    free(aids);
    return rc;
}
