/* SPDX-License-Identifier: ISC */
/*
 * console_data.c — the console's SQL and the shaping of its results into
 * template values (see include/console_data.h). Nothing here does I/O: the
 * statements are sent by console.c, and the results come back here.
 *
 * Definitions the pages rely on (docs/console.md says them to planners):
 * - every statement is about one site, its $1: rows are the site's through
 *   their own site_id (queues, agents, contracts, candidates, runs,
 *   input_errors) or their parent's (coverage and hiring needs through the
 *   queue, shifts, availability and time off through the agent, the ranking
 *   through the candidate);
 * - the last published run is the site's last 'succeeded' row of
 *   staffd.runs; its planned_at splits history from the future: an interval
 *   is future when it starts at or after planned_at, as in
 *   runs.shortage_minutes (sites are planned apart, each as of its own run);
 * - an interval "meets the goal" when it has demand (required > 0) and its
 *   expected_service_level is at least the queue's service_level; the share is
 *   over the intervals with demand;
 * - shortage and surplus are agent-hours: 15 minutes of one agent missing
 *   (shortage) or scheduled above the requirement (surplus) is 0.25;
 * - shortage splits in two (migration 0013, docs/engine.md): the part that
 *   needs hiring (coverage.unfixable_shortage: fewer skilled agents could work
 *   the interval at all than it requires, so no roster can fix it) and the rest,
 *   fixable by rostering (agents were available but not scheduled there); a
 *   row written before that migration has no split (NULL), shown as "–";
 * - sums of agent-hours are rounded to 4 decimals in SQL, so that a figure of
 *   whole quarters (0.25, 1.75) is shown the same however the rows were added;
 * - a queue's day is the date in the queue's own time zone; an agent's day
 *   is the date in the agent's time zone (the day a shift belongs to).
 */
#include "console_data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_svg.h"
#include "text.h"

#define STAFFD_STR_(x) #x
#define STAFFD_STR(x)  STAFFD_STR_(x)

/* ---- the sites ---- */

static const char sql_sites[] =
    "SELECT s.id, s.name, s.active, coalesce(s.horizon_days, -1), coalesce(s.freeze_hours, -1),"
    " EXISTS (SELECT 1 FROM staffd.agents a WHERE a.id = $1::bigint AND a.site_id = s.id)"
    " FROM staffd.sites s ORDER BY s.id";

const char console_sql_foreign_candidate[] =
    "SELECT c.id, c.name, s.name FROM staffd.candidates c JOIN staffd.sites s ON s.id = c.site_id"
    " WHERE c.id = ANY ($2::bigint[]) AND c.site_id <> $1::bigint ORDER BY c.id LIMIT 1";

/* staffd.console_hire checks the session, the role and the site in the hire's own statement. */
const char console_sql_hire[] =
    "SELECT staffd.console_hire(decode($1, 'hex'), $2::bigint, $3::bigint, $4::bigint)";

/*
 * Every site at a glance, for the overview: its latest run whatever its end,
 * its last plan (when it landed, how long ago) and that plan's future
 * intervals meeting the goal and shortage. No row with a single site, where
 * the page's own figures say it all.
 */
static const char sql_site_summary[] =
    "SELECT s.id, s.name, s.active, lr.id, lr.status, r.id,"
    " to_char(r.finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),"
    " extract(epoch FROM now() - r.finished_at)::bigint, f.n, f.met, f.short, f.unfixable"
    " FROM staffd.sites s"
    " LEFT JOIN LATERAL (SELECT id, status FROM staffd.runs WHERE site_id = s.id"
    "  ORDER BY id DESC LIMIT 1) lr ON true"
    " LEFT JOIN LATERAL (SELECT id, planned_at, finished_at, horizon_end FROM staffd.runs"
    "  WHERE site_id = s.id AND status = 'succeeded' ORDER BY id DESC LIMIT 1) r ON true"
    " LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE c.required > 0) AS n,"
    "  count(*) FILTER (WHERE c.required > 0 AND c.expected_service_level >= q.service_level)"
    "  AS met, coalesce(sum(c.shortage), 0) * 0.25 AS short,"
    "  round((sum(c.unfixable_shortage) * 0.25)::numeric, 4) AS unfixable"
    "  FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id"
    "  WHERE q.site_id = s.id AND c.interval_start >= r.planned_at"
    "  AND c.interval_start < r.horizon_end) f ON r.id IS NOT NULL"
    " WHERE (SELECT count(*) FROM staffd.sites) > 1 ORDER BY s.id";

/* ---- pages: $1 is the chosen site in every statement ---- */

/* The run every page reads: the last one of the site that landed. */
#define LAST_RUN                                                                                   \
    "(SELECT id, planned_at, horizon_start, horizon_end FROM staffd.runs"                          \
    " WHERE status = 'succeeded' AND site_id = $1::bigint ORDER BY id DESC LIMIT 1)"

static const char sql_last_run[] =
    "SELECT id, to_char(planned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),"
    " to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
    " coalesce(round((shortage_minutes / 60)::numeric, 1), 0),"
    " (horizon_start AT TIME ZONE 'UTC')::date, (horizon_end AT TIME ZONE 'UTC')::date,"
    " to_char(planned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    " FROM staffd.runs WHERE status = 'succeeded' AND site_id = $1::bigint"
    " ORDER BY id DESC LIMIT 1";

static const char sql_runs[] =
    "SELECT id, status, reason, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
    " coalesce(round(extract(epoch FROM finished_at - started_at)::numeric, 1)::text, ''),"
    " coalesce(message, ''), coalesce(round((shortage_minutes / 60)::numeric, 1)::text, '')"
    " FROM staffd.runs WHERE site_id = $1::bigint ORDER BY id DESC LIMIT 10";

/* Per queue of the site and local day, future intervals only; $2 one queue or NULL. */
static const char sql_queue_days[] =
    "SELECT q.id, q.name, q.time_zone, to_char((c.interval_start AT TIME ZONE q.time_zone)::date,"
    " 'YYYY-MM-DD'), to_char((c.interval_start AT TIME ZONE q.time_zone)::date, 'Dy DD Mon'),"
    " count(*) FILTER (WHERE c.required > 0),"
    " count(*) FILTER (WHERE c.required > 0 AND c.expected_service_level >= q.service_level),"
    " sum(c.shortage) * 0.25, sum(greatest(c.scheduled - c.required, 0)) * 0.25,"
    " q.service_level, avg(c.expected_service_level) FILTER (WHERE c.required > 0),"
    " round((sum(c.unfixable_shortage) * 0.25)::numeric, 4),"
    " round((sum(c.shortage - c.unfixable_shortage) * 0.25)::numeric, 4)"
    " FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id CROSS JOIN " LAST_RUN " r"
    " WHERE q.site_id = $1 AND c.interval_start >= r.planned_at"
    " AND c.interval_start < r.horizon_end AND ($2::bigint IS NULL OR q.id = $2)"
    " GROUP BY q.id, q.name, q.time_zone, q.service_level, 4, 5 ORDER BY q.name, q.id, 4";

static const char sql_errors[] =
    "SELECT table_name, row_key, message, to_char(last_seen AT TIME ZONE 'UTC', 'YYYY-MM-DD"
    " HH24:MI'), count(*) OVER () FROM staffd.input_errors WHERE site_id = $1::bigint"
    " ORDER BY table_name, row_key, message LIMIT 200";

static const char sql_queues[] = "SELECT id, name, time_zone, channel, service_level,"
                                 " target_seconds FROM staffd.queues WHERE site_id = $1::bigint"
                                 " ORDER BY name, id";

static const char sql_contracts[] =
    "SELECT id, name, min_minutes_per_week, max_minutes_per_week FROM staffd.contracts"
    " WHERE site_id = $1::bigint ORDER BY name, id";

static const char sql_zones[] = "SELECT DISTINCT time_zone FROM staffd.agents"
                                " WHERE active AND site_id = $1::bigint ORDER BY time_zone";

/* Every interval of the horizon for one queue ($2, else the site's first), in the queue's zone. */
static const char sql_cells[] =
    "SELECT to_char(c.interval_start AT TIME ZONE q.time_zone, 'YYYY-MM-DD'),"
    " (extract(hour FROM c.interval_start AT TIME ZONE q.time_zone) * 60"
    "  + extract(minute FROM c.interval_start AT TIME ZONE q.time_zone))::int,"
    " c.required, c.scheduled, c.shortage, coalesce(c.expected_service_level, 1),"
    " c.interval_start >= r.planned_at, to_char(c.interval_start AT TIME ZONE q.time_zone,"
    " 'Dy DD Mon'), coalesce(c.unfixable_shortage, -1), coalesce(c.available, -1)"
    " FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id CROSS JOIN " LAST_RUN " r"
    " WHERE q.site_id = $1 AND c.queue_id = coalesce($2::bigint, (SELECT id FROM staffd.queues"
    " WHERE site_id = $1 ORDER BY name, id LIMIT 1)) AND c.interval_start >= r.horizon_start"
    " AND c.interval_start < r.horizon_end ORDER BY c.interval_start";

/*
 * A page of the site's agents under the filters ($2 queue, $3 contract, $4
 * zone, $5 first day, $6 days, $7 only working, $8 offset) with their shifts
 * on those local days, breaks as "start-end" minutes after local midnight.
 */
#define SCHEDULE_SHIFT_DAYS                                                                        \
    "s.status = 'scheduled' AND s.starts >= (d.first - 1)::timestamp AT TIME ZONE 'UTC'"           \
    " AND s.starts < (d.first + d.days + 1)::timestamp AT TIME ZONE 'UTC'"

static const char sql_schedule[] =
    "WITH d AS (SELECT coalesce($5::date, (SELECT (planned_at AT TIME ZONE 'UTC')::date"
    "  FROM staffd.runs WHERE status = 'succeeded' AND site_id = $1::bigint"
    "  ORDER BY id DESC LIMIT 1), current_date) AS first, $6::int AS days),"
    " f AS (SELECT a.id, a.name, a.time_zone, ct.name AS contract FROM staffd.agents a"
    "  JOIN staffd.contracts ct ON ct.id = a.contract_id CROSS JOIN d"
    "  WHERE a.active AND a.site_id = $1 AND ($2::bigint IS NULL OR EXISTS (SELECT 1"
    "   FROM staffd.agent_skills k WHERE k.agent_id = a.id AND k.queue_id = $2))"
    "  AND ($3::bigint IS NULL OR a.contract_id = $3) AND ($4::text IS NULL OR a.time_zone = $4)"
    "  AND (NOT $7::boolean OR EXISTS (SELECT 1 FROM staffd.shifts s WHERE s.agent_id = a.id"
    "   AND " SCHEDULE_SHIFT_DAYS " AND (s.starts AT TIME ZONE a.time_zone)::date"
    "   BETWEEN d.first AND d.first + d.days - 1))),"
    " p AS (SELECT f.*, count(*) OVER () AS total FROM f ORDER BY name, id"
    "  LIMIT " STAFFD_STR(
        CONSOLE_PAGE_AGENTS) " OFFSET $8::int)"
                             " SELECT p.id, p.name, p.time_zone, p.contract, p.total,"
                             " to_char((s.starts AT TIME ZONE p.time_zone)::date, 'YYYY-MM-DD'),"
                             " (extract(epoch FROM (s.starts AT TIME ZONE p.time_zone)"
                             "  - (s.starts AT TIME ZONE p.time_zone)::date) / 60)::int,"
                             " (extract(epoch FROM s.ends - s.starts) / 60)::int, q.name,"
                             " (SELECT string_agg((extract(epoch FROM (b.starts AT TIME ZONE "
                             "p.time_zone)"
                             "  - (s.starts AT TIME ZONE p.time_zone)::date) / 60)::int || '-' ||"
                             "  (extract(epoch FROM (b.ends AT TIME ZONE p.time_zone)"
                             "  - (s.starts AT TIME ZONE p.time_zone)::date) / 60)::int, ',' ORDER "
                             "BY b.starts)"
                             "  FROM staffd.shift_breaks b WHERE b.shift_id = s.id),"
                             " to_char(d.first, 'YYYY-MM-DD')"
                             " FROM p CROSS JOIN d LEFT JOIN staffd.shifts s ON s.agent_id = p.id"
                             "  AND " SCHEDULE_SHIFT_DAYS
                             " AND (s.starts AT TIME ZONE p.time_zone)::date"
                             "  BETWEEN d.first AND d.first + d.days - 1"
                             " LEFT JOIN staffd.queues q ON q.id = s.queue_id ORDER BY p.name, "
                             "p.id, s.starts";

/* One agent ($2) of the site: an agent of another site is not found here (404). */
static const char sql_agent[] =
    "SELECT a.id, a.name, coalesce(a.email, ''), a.time_zone, ct.name, ct.min_minutes_per_week,"
    " ct.max_minutes_per_week, a.active, a.hired_on, coalesce((SELECT string_agg(q.name, ', '"
    " ORDER BY q.name) FROM staffd.agent_skills k JOIN staffd.queues q ON q.id = k.queue_id"
    " WHERE k.agent_id = a.id), '') FROM staffd.agents a JOIN staffd.contracts ct"
    " ON ct.id = a.contract_id WHERE a.id = $2::bigint AND a.site_id = $1::bigint";

static const char sql_agent_shifts[] =
    "SELECT to_char(s.starts AT TIME ZONE a.time_zone, 'Dy DD Mon'),"
    " to_char(s.starts AT TIME ZONE a.time_zone, 'HH24:MI'),"
    " to_char(s.ends AT TIME ZONE a.time_zone, 'HH24:MI'), q.name, s.status,"
    " coalesce((SELECT string_agg(to_char(b.starts AT TIME ZONE a.time_zone, 'HH24:MI') || '–' ||"
    "  to_char(b.ends AT TIME ZONE a.time_zone, 'HH24:MI') || CASE WHEN b.paid THEN ' (paid)'"
    "  ELSE ' (unpaid)' END, ', ' ORDER BY b.starts) FROM staffd.shift_breaks b"
    "  WHERE b.shift_id = s.id), ''), s.starts >= r.planned_at"
    " FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id"
    " JOIN staffd.queues q ON q.id = s.queue_id CROSS JOIN " LAST_RUN " r"
    " WHERE s.agent_id = $2::bigint AND a.site_id = $1 AND s.ends > r.horizon_start"
    " AND s.starts < r.horizon_end ORDER BY s.starts";

static const char sql_agent_availability[] =
    "SELECT v.weekday, to_char(v.start_time, 'HH24:MI'), to_char(v.end_time, 'HH24:MI'),"
    " coalesce(v.valid_from::text, ''), coalesce(v.valid_until::text, '')"
    " FROM staffd.availability v JOIN staffd.agents a ON a.id = v.agent_id"
    " WHERE v.agent_id = $2::bigint AND a.site_id = $1::bigint"
    " ORDER BY v.weekday, v.start_time, v.id";

static const char sql_agent_time_off[] =
    "SELECT to_char(t.starts AT TIME ZONE a.time_zone, 'YYYY-MM-DD HH24:MI'),"
    " to_char(t.ends AT TIME ZONE a.time_zone, 'YYYY-MM-DD HH24:MI'), coalesce(t.reason, '')"
    " FROM staffd.time_off t JOIN staffd.agents a ON a.id = t.agent_id CROSS JOIN " LAST_RUN " r"
    " WHERE t.agent_id = $2::bigint AND a.site_id = $1"
    " AND t.ends > r.horizon_start - interval '28 days' ORDER BY t.starts LIMIT 100";

/*
 * Per agent of the site over its last run's horizon: hours, weekend and late
 * shifts (start at or after 18:00 local, as the planner counts them), against
 * the contract; $2 queue (skill) and $3 contract filter. The page and its CSV
 * share the counting and differ in what they show.
 */
#define FAIRNESS_FROM                                                                              \
    "WITH s AS (SELECT s.agent_id, sum(extract(epoch FROM s.ends - s.starts)) / 3600 AS hours,"    \
    "  count(*) AS shifts,"                                                                        \
    "  count(*) FILTER (WHERE extract(isodow FROM s.starts AT TIME ZONE a.time_zone) >= 6) AS wk," \
    "  count(*) FILTER (WHERE (s.starts AT TIME ZONE a.time_zone)::time >= time '18:00') AS late"  \
    "  FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id CROSS JOIN " LAST_RUN " r"   \
    "  WHERE a.site_id = $1 AND s.status = 'scheduled' AND s.starts >= r.horizon_start"            \
    "  AND s.starts < r.horizon_end GROUP BY s.agent_id)"
#define FAIRNESS_WHERE                                                                             \
    " FROM staffd.agents a JOIN staffd.contracts ct ON ct.id = a.contract_id"                      \
    " CROSS JOIN " LAST_RUN " r LEFT JOIN s ON s.agent_id = a.id"                                  \
    " WHERE a.active AND a.site_id = $1 AND ($2::bigint IS NULL OR EXISTS (SELECT 1"               \
    "  FROM staffd.agent_skills k WHERE k.agent_id = a.id AND k.queue_id = $2))"                   \
    " AND ($3::bigint IS NULL OR a.contract_id = $3) ORDER BY a.name, a.id"

static const char sql_fairness[] =
    FAIRNESS_FROM " SELECT a.id, a.name, ct.name, coalesce(s.hours, 0), coalesce(s.shifts, 0),"
                  " coalesce(s.wk, 0), coalesce(s.late, 0),"
                  " ct.max_minutes_per_week / 60.0 * extract(epoch FROM r.horizon_end"
                  "  - r.horizon_start) / 604800, ct.min_minutes_per_week / 60.0"
                  "  * extract(epoch FROM r.horizon_end - r.horizon_start) / 604800" FAIRNESS_WHERE;

static const char sql_needs[] =
    "SELECT q.name, n.label, n.agents_needed, round(n.hours_per_week::numeric, 1),"
    " round(n.shortage_hours_per_week::numeric, 1), n.reason, n.time_zone"
    " FROM staffd.hiring_needs n JOIN staffd.queues q ON q.id = n.queue_id"
    " WHERE q.site_id = $1::bigint ORDER BY n.shortage_hours_per_week DESC, n.id";

static const char sql_ranking[] =
    "SELECT r.rank, c.id, c.name, c.source, c.status, c.time_zone, c.minutes_per_week_wanted,"
    " coalesce(c.assessment_score::text, ''), round((r.shortage_minutes_per_week / 60)::numeric,"
    " 1), r.explanation FROM staffd.candidate_ranking r JOIN staffd.candidates c"
    " ON c.id = r.candidate_id WHERE c.site_id = $1::bigint"
    " AND c.status IN ('applied', 'screening', 'interview', 'offer') ORDER BY r.rank LIMIT 200";

/* ---- CSV statements (whole tables of the site, no paging) ---- */

static const char csv_overview[] =
    "SELECT q.name AS queue, q.time_zone, to_char((c.interval_start AT TIME ZONE"
    " q.time_zone)::date, 'YYYY-MM-DD') AS day,"
    " count(*) FILTER (WHERE c.required > 0) AS intervals_with_demand,"
    " count(*) FILTER (WHERE c.required > 0 AND c.expected_service_level >= q.service_level)"
    "  AS intervals_meeting_goal,"
    " round(sum(c.shortage)::numeric * 0.25, 2) AS shortage_agent_hours,"
    " round(sum(c.shortage - c.unfixable_shortage)::numeric * 0.25, 2)"
    "  AS fixable_shortage_agent_hours,"
    " round(sum(c.unfixable_shortage)::numeric * 0.25, 2) AS unfixable_shortage_agent_hours,"
    " round(sum(greatest(c.scheduled - c.required, 0))::numeric * 0.25, 2)"
    "  AS surplus_agent_hours"
    " FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id CROSS JOIN " LAST_RUN " r"
    " WHERE q.site_id = $1 AND c.interval_start >= r.planned_at"
    " AND c.interval_start < r.horizon_end AND ($2::bigint IS NULL OR q.id = $2)"
    " GROUP BY q.id, q.name, q.time_zone, 3 ORDER BY 1, 3";

static const char csv_coverage[] =
    "SELECT q.name AS queue, to_char(c.interval_start AT TIME ZONE 'UTC',"
    " 'YYYY-MM-DD\"T\"HH24:MI\"Z\"') AS interval_start_utc, to_char(c.interval_start AT TIME ZONE"
    " q.time_zone, 'YYYY-MM-DD HH24:MI') AS local_time, q.time_zone,"
    " round(c.required::numeric, 2) AS required, c.scheduled,"
    " round(c.shortage::numeric, 2) AS shortage, c.available,"
    " round(c.unfixable_shortage::numeric, 2) AS unfixable_shortage,"
    " round(greatest(c.scheduled - c.required, 0)::numeric, 2) AS surplus,"
    " round(c.expected_service_level::numeric, 4) AS expected_service_level,"
    " c.interval_start >= r.planned_at AS future"
    " FROM staffd.coverage c JOIN staffd.queues q ON q.id = c.queue_id CROSS JOIN " LAST_RUN " r"
    " WHERE q.site_id = $1 AND c.interval_start >= r.horizon_start"
    " AND c.interval_start < r.horizon_end AND ($2::bigint IS NULL OR q.id = $2)"
    " ORDER BY q.name, c.interval_start";

static const char csv_shifts[] =
    "SELECT a.id AS agent_id, a.name AS agent, a.time_zone, ct.name AS contract, q.name AS queue,"
    " to_char(s.starts AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI\"Z\"') AS starts_utc,"
    " to_char(s.ends AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI\"Z\"') AS ends_utc,"
    " to_char(s.starts AT TIME ZONE a.time_zone, 'YYYY-MM-DD HH24:MI') AS local_start,"
    " to_char(s.ends AT TIME ZONE a.time_zone, 'YYYY-MM-DD HH24:MI') AS local_end,"
    " coalesce((SELECT string_agg(to_char(b.starts AT TIME ZONE a.time_zone, 'HH24:MI') || '-' ||"
    "  to_char(b.ends AT TIME ZONE a.time_zone, 'HH24:MI') || CASE WHEN b.paid THEN ' paid'"
    "  ELSE ' unpaid' END, '; ' ORDER BY b.starts) FROM staffd.shift_breaks b"
    "  WHERE b.shift_id = s.id), '') AS breaks, s.id AS shift_id"
    " FROM staffd.shifts s JOIN staffd.agents a ON a.id = s.agent_id"
    " JOIN staffd.contracts ct ON ct.id = a.contract_id JOIN staffd.queues q ON q.id = s.queue_id"
    " CROSS JOIN " LAST_RUN " r"
    " WHERE a.site_id = $1 AND s.status = 'scheduled' AND s.ends > r.horizon_start"
    " AND s.starts < r.horizon_end AND ($2::bigint IS NULL OR EXISTS (SELECT 1"
    "  FROM staffd.agent_skills k WHERE k.agent_id = a.id AND k.queue_id = $2))"
    " AND ($3::bigint IS NULL OR a.contract_id = $3) AND ($4::text IS NULL OR a.time_zone = $4)"
    " AND ($5::bigint IS NULL OR a.id = $5) ORDER BY a.name, a.id, s.starts";

static const char csv_fairness[] =
    FAIRNESS_FROM " SELECT a.id AS agent_id, a.name AS agent, ct.name AS contract,"
                  " round(coalesce(s.hours, 0)::numeric, 2) AS hours,"
                  " coalesce(s.shifts, 0) AS shifts,"
                  " round((ct.max_minutes_per_week / 60.0 * extract(epoch FROM r.horizon_end -"
                  "  r.horizon_start) / 604800)::numeric, 2) AS contract_max_hours,"
                  " coalesce(s.wk, 0) AS weekend_shifts,"
                  " coalesce(s.late, 0) AS late_shifts" FAIRNESS_WHERE;

static const char csv_needs[] =
    "SELECT q.name AS queue, n.label, n.weekdays, to_char(n.start_time, 'HH24:MI') AS start_time,"
    " to_char(n.end_time, 'HH24:MI') AS end_time, n.time_zone, n.agents_needed,"
    " round(n.hours_per_week::numeric, 1) AS hours_per_week_each,"
    " round(n.shortage_hours_per_week::numeric, 1) AS shortage_hours_per_week, n.reason"
    " FROM staffd.hiring_needs n JOIN staffd.queues q ON q.id = n.queue_id"
    " WHERE q.site_id = $1::bigint ORDER BY n.shortage_hours_per_week DESC, n.id";

static const char csv_ranking[] =
    "SELECT r.rank, c.id AS candidate_id, c.name, c.source, c.status, c.time_zone,"
    " c.minutes_per_week_wanted, c.assessment_score,"
    " round((r.shortage_minutes_per_week / 60)::numeric, 2) AS shortage_hours_per_week_covered,"
    " r.explanation FROM staffd.candidate_ranking r JOIN staffd.candidates c"
    " ON c.id = r.candidate_id WHERE c.site_id = $1::bigint ORDER BY r.rank";

static const char csv_runs[] =
    "SELECT id, status, reason, started_at, finished_at, planned_at, shortage_minutes,"
    " unfixable_shortage_minutes, surplus_minutes, past_shortage_minutes, shifts_scheduled,"
    " shifts_changed, message FROM staffd.runs"
    " WHERE site_id = $1::bigint ORDER BY id DESC LIMIT 1000";

static const char csv_errors[] =
    "SELECT table_name, row_key, message, first_seen, last_seen FROM staffd.input_errors"
    " WHERE site_id = $1::bigint ORDER BY table_name, row_key, message";

static const char csv_availability[] =
    "SELECT a.id AS agent_id, a.name AS agent, a.time_zone, v.weekday,"
    " to_char(v.start_time, 'HH24:MI') AS start_time, to_char(v.end_time, 'HH24:MI') AS end_time,"
    " v.valid_from, v.valid_until FROM staffd.availability v JOIN staffd.agents a"
    " ON a.id = v.agent_id WHERE a.site_id = $1::bigint AND ($2::bigint IS NULL OR a.id = $2)"
    " ORDER BY a.name, a.id, v.weekday, v.start_time";

static const char csv_time_off[] =
    "SELECT a.id AS agent_id, a.name AS agent, a.time_zone,"
    " to_char(t.starts AT TIME ZONE a.time_zone, 'YYYY-MM-DD HH24:MI') AS local_start,"
    " to_char(t.ends AT TIME ZONE a.time_zone, 'YYYY-MM-DD HH24:MI') AS local_end,"
    " coalesce(t.reason, '') AS reason FROM staffd.time_off t JOIN staffd.agents a"
    " ON a.id = t.agent_id WHERE a.site_id = $1::bigint AND ($2::bigint IS NULL OR a.id = $2)"
    " ORDER BY a.name, a.id, t.starts";

/* ---- parameters ---- */

static const char *param_id(struct console_query *q, int i, int64_t v)
{
    if (v <= 0)
        return NULL;
    snprintf(q->store[i], sizeof q->store[i], "%lld", (long long)v);
    return q->store[i];
}

static const char *param_text(struct console_query *q, int i, const char *v)
{
    if (v == NULL || *v == '\0')
        return NULL;
    snprintf(q->store[i], sizeof q->store[i], "%s", v);
    return q->store[i];
}

/* A statement of the site: $1 is the chosen site (none chosen: NULL, which matches no row). */
static struct console_query *query(struct console_query *q, const char *sql,
                                   const struct console_args *a)
{
    memset(q, 0, sizeof *q);
    q->sql = sql;
    q->nparams = 1;
    q->params[0] = param_id(q, 0, a->site);
    return q;
}

/* The statement's next parameter: an id, NULL when not given. */
static void add_id(struct console_query *q, int64_t v)
{
    q->params[q->nparams] = param_id(q, q->nparams, v);
    q->nparams++;
}

static void add_text(struct console_query *q, const char *v)
{
    q->params[q->nparams] = param_text(q, q->nparams, v);
    q->nparams++;
}

static void add_number(struct console_query *q, long long v)
{
    snprintf(q->store[q->nparams], sizeof q->store[q->nparams], "%lld", v);
    q->params[q->nparams] = q->store[q->nparams];
    q->nparams++;
}

void console_sites_query(const struct console_args *a, struct console_query *q)
{
    memset(q, 0, sizeof *q);
    q->sql = sql_sites;
    add_id(q, a->agent);
}

int console_data_queries(enum console_page p, const struct console_args *a,
                         struct console_query *out)
{
    int n = 0;
    query(&out[n++], sql_last_run, a);
    switch (p) {
    case CP_OVERVIEW:
        query(&out[n++], sql_runs, a);
        add_id(query(&out[n++], sql_queue_days, a), 0);
        query(&out[n++], sql_errors, a);
        /* Every site: the only statement without $1. */
        memset(&out[n], 0, sizeof out[n]);
        out[n++].sql = sql_site_summary;
        break;
    case CP_COVERAGE:
        query(&out[n++], sql_queues, a);
        /* No queue chosen: the site's first one by name. */
        add_id(query(&out[n++], sql_cells, a), a->queue);
        break;
    case CP_SCHEDULE: {
        query(&out[n++], sql_queues, a);
        query(&out[n++], sql_contracts, a);
        query(&out[n++], sql_zones, a);
        struct console_query *q = query(&out[n++], sql_schedule, a);
        add_id(q, a->queue);
        add_id(q, a->contract);
        add_text(q, a->tz);
        add_text(q, a->day);
        add_number(q, a->days > 0 ? a->days : 7);
        q->params[q->nparams++] = a->working ? "true" : "false";
        add_number(q, (long long)a->page * CONSOLE_PAGE_AGENTS);
        break;
    }
    case CP_AGENT: {
        const char *sqls[] = {sql_agent, sql_agent_shifts, sql_agent_availability,
                              sql_agent_time_off};
        for (int i = 0; i < 4; i++)
            add_id(query(&out[n++], sqls[i], a), a->agent);
        break;
    }
    case CP_FAIRNESS: {
        query(&out[n++], sql_queues, a);
        query(&out[n++], sql_contracts, a);
        struct console_query *q = query(&out[n++], sql_fairness, a);
        add_id(q, a->queue);
        add_id(q, a->contract);
        break;
    }
    case CP_HIRING:
        query(&out[n++], sql_needs, a);
        query(&out[n++], sql_ranking, a);
        query(&out[n++], sql_contracts, a);
        break;
    }
    return n;
}

void console_csv_query(enum console_csv k, const struct console_args *a, struct console_query *q)
{
    static const char *const sqls[CC_COUNT] = {
        csv_overview, csv_coverage, csv_shifts, csv_fairness,     csv_needs,
        csv_ranking,  csv_runs,     csv_errors, csv_availability, csv_time_off};
    query(q, sqls[k], a);
    switch (k) {
    case CC_OVERVIEW:
    case CC_COVERAGE:
        add_id(q, a->queue);
        break;
    case CC_SHIFTS:
        add_id(q, a->queue);
        add_id(q, a->contract);
        add_text(q, a->tz);
        add_id(q, a->agent);
        break;
    case CC_AVAILABILITY:
    case CC_TIME_OFF:
        add_id(q, a->agent);
        break;
    case CC_FAIRNESS:
        add_id(q, a->queue);
        add_id(q, a->contract);
        break;
    default:
        break;
    }
}

/* ---- shaping helpers ---- */

static const char *val(const PGresult *r, int row, int col)
{
    return PQgetvalue(r, row, col);
}

static double num(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtod(PQgetvalue(r, row, col), NULL);
}

static long long integer(const PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

/* "1,234.5": thousands separated, one decimal, for figures a person compares. */
static void hours_text(char *buf, size_t len, double v)
{
    char raw[64];
    /* Whole quarters are exact in binary: 0.2499999 and 0.2500001 both read 0.25. */
    v = round(v * 1e6) / 1e6;
    snprintf(raw, sizeof raw, "%.1f", v);
    char *dot = strchr(raw, '.');
    size_t int_len = dot != NULL ? (size_t)(dot - raw) : strlen(raw);
    size_t start = raw[0] == '-' ? 1 : 0, o = 0;
    for (size_t i = 0; i < strlen(raw) && o + 2 < len; i++) {
        if (i > start && i < int_len && (int_len - i) % 3 == 0)
            buf[o++] = ',';
        buf[o++] = raw[i];
    }
    buf[o] = '\0';
}

static void set_hours(struct tpl_obj *o, const char *key, double v)
{
    char buf[64];
    hours_text(buf, sizeof buf, v);
    tpl_set(o, key, buf);
}

/* A shortage's split: "fixable_hours" by rostering and "unfixable_hours" (needs hiring). */
static void set_split(struct tpl_obj *o, bool known, double fixable, double unfixable)
{
    if (!known) {
        tpl_set(o, "fixable_hours", "–");
        tpl_set(o, "unfixable_hours", "–");
        return;
    }
    set_hours(o, "fixable_hours", fmax(0, fixable));
    set_hours(o, "unfixable_hours", unfixable);
}

/* The run header every page shows; false when no run has landed yet. */
static bool shape_run(const PGresult *r, struct tpl_obj *page)
{
    if (PQntuples(r) != 1) {
        tpl_flag(page, "no_run", true);
        return false;
    }
    struct tpl_obj *run = tpl_child(page, "run");
    tpl_set(run, "run_id", val(r, 0, 0));
    tpl_set(run, "planned_at", val(r, 0, 1));
    tpl_set(run, "finished_at", val(r, 0, 2));
    set_hours(run, "shortage_hours", num(r, 0, 3));
    tpl_set(run, "horizon_first", val(r, 0, 4));
    tpl_set(run, "horizon_end", val(r, 0, 5));
    tpl_set(page, "today", val(r, 0, 6));
    return true;
}

static void shape_selector(const PGresult *r, struct tpl_obj *page, const char *list, int64_t sel)
{
    for (int i = 0; i < PQntuples(r); i++) {
        struct tpl_obj *o = tpl_add(page, list);
        tpl_set(o, "id", val(r, i, 0));
        tpl_set(o, "name", val(r, i, 1));
        tpl_flag(o, "selected", integer(r, i, 0) == sel);
    }
}

/* ---- the site ---- */

int console_site_pick(const PGresult *sites, int64_t asked, int64_t agent, struct console_site *out)
{
    int n = PQntuples(sites), row = -1;
    memset(out, 0, sizeof *out);
    for (int i = 0; i < n && row < 0; i++)
        if (asked > 0 ? integer(sites, i, 0) == asked : agent > 0 && val(sites, i, 5)[0] == 't')
            row = i;
    if (asked > 0 && row < 0)
        return -ENOENT;
    /* An address that names no site: the first site that is planned, else the first. */
    for (int i = 0; i < n && row < 0; i++)
        if (val(sites, i, 2)[0] == 't')
            row = i;
    if (row < 0 && n > 0)
        row = 0;
    if (row < 0)
        return -ENOENT;
    out->id = integer(sites, row, 0);
    snprintf(out->name, sizeof out->name, "%s", val(sites, row, 1));
    out->active = val(sites, row, 2)[0] == 't';
    out->horizon_days = (int)integer(sites, row, 3);
    out->freeze_hours = (int)integer(sites, row, 4);
    out->count = n;
    return 0;
}

void console_site_shape(const PGresult *sites, const struct console_site *s, struct tpl_obj *page)
{
    tpl_setf(page, "site", "%lld", (long long)s->id);
    tpl_set(page, "site_name", s->name);
    tpl_flag(page, "site_inactive", !s->active);
    /* One site: nothing to choose, and its name would only be noise. */
    if (s->count < 2)
        return;
    tpl_flag(page, "sites_many", true);
    for (int i = 0; i < PQntuples(sites); i++) {
        struct tpl_obj *o = tpl_add(page, "sites");
        tpl_set(o, "id", val(sites, i, 0));
        tpl_set(o, "name", val(sites, i, 1));
        tpl_flag(o, "inactive", val(sites, i, 2)[0] != 't');
        tpl_flag(o, "selected", integer(sites, i, 0) == s->id);
    }
}

/* "4 min", "2 h 5 min", "3 d 4 h": how long ago, as a planner reads it. */
static void age_text(char *buf, size_t len, long long seconds)
{
    long long m = seconds / 60, h = m / 60, d = h / 24;
    if (seconds < 60)
        snprintf(buf, len, "under a minute");
    else if (h == 0)
        snprintf(buf, len, "%lld min", m);
    else if (d == 0)
        snprintf(buf, len, "%lld h %lld min", h, m % 60);
    else
        snprintf(buf, len, "%lld d %lld h", d, h % 24);
}

/* Every site at a glance (sql_site_summary; empty with a single site). */
static void shape_site_summary(const PGresult *r, int64_t site, struct tpl_obj *page)
{
    for (int i = 0; i < PQntuples(r); i++) {
        struct tpl_obj *o = tpl_add(page, "site_rows");
        tpl_set(o, "id", val(r, i, 0));
        tpl_set(o, "name", val(r, i, 1));
        tpl_flag(o, "inactive", val(r, i, 2)[0] != 't');
        tpl_flag(o, "selected", integer(r, i, 0) == site);
        if (PQgetisnull(r, i, 3)) {
            tpl_set(o, "last_run", "none yet");
        } else {
            tpl_setf(o, "last_run", "%s, %s", val(r, i, 3), val(r, i, 4));
            tpl_flag(o, "failed",
                     strcmp(val(r, i, 4), "failed") == 0 || strcmp(val(r, i, 4), "abandoned") == 0);
        }
        if (PQgetisnull(r, i, 5)) {
            tpl_set(o, "plan", "no plan yet");
            tpl_set(o, "age", "–");
            tpl_set(o, "share", "–");
            tpl_set(o, "short_hours", "–");
            tpl_set(o, "unfixable_hours", "–");
            continue;
        }
        char age[64];
        age_text(age, sizeof age, integer(r, i, 7));
        tpl_setf(o, "plan", "run %s, %s UTC", val(r, i, 5), val(r, i, 6));
        tpl_set(o, "age", age);
        long long iv = integer(r, i, 8), met = integer(r, i, 9);
        if (iv > 0)
            tpl_setf(o, "share", "%.0f %%", 100.0 * (double)met / (double)iv);
        else
            tpl_set(o, "share", "–");
        set_hours(o, "short_hours", num(r, i, 10));
        if (PQgetisnull(r, i, 11))
            tpl_set(o, "unfixable_hours", "–");
        else
            set_hours(o, "unfixable_hours", num(r, i, 11));
    }
}

/* ---- overview ---- */

struct queue_total {
    int64_t id;
    long intervals, met;
    double short_h, surplus_h, worst_short, fixable_h, unfixable_h;
    bool split; /* a day of it has the split (written since migration 0013) */
    char worst_day[32];
    struct tpl_obj *obj;
};

static void shape_overview(const struct console_args *a, PGresult *const *res, struct tpl_obj *page)
{
    const PGresult *runs = res[1], *days = res[2], *errs = res[3];
    shape_site_summary(res[4], a->site, page);
    for (int i = 0; i < PQntuples(runs); i++) {
        struct tpl_obj *o = tpl_add(page, "runs");
        tpl_set(o, "id", val(runs, i, 0));
        tpl_set(o, "status", val(runs, i, 1));
        tpl_flag(o, "failed",
                 strcmp(val(runs, i, 1), "failed") == 0 ||
                     strcmp(val(runs, i, 1), "abandoned") == 0);
        tpl_set(o, "reason", val(runs, i, 2));
        tpl_set(o, "started", val(runs, i, 3));
        tpl_set(o, "seconds", val(runs, i, 4));
        tpl_set(o, "message", val(runs, i, 5));
        tpl_set(o, "shortage_hours", val(runs, i, 6));
    }
    struct queue_total cur = {0};
    double all_short = 0, all_surplus = 0, all_fixable = 0, all_unfixable = 0;
    bool all_split = false;
    int n = PQntuples(days);
    for (int i = 0; i <= n; i++) {
        if (i == n || integer(days, i, 0) != cur.id) {
            if (cur.obj != NULL) {
                tpl_setf(cur.obj, "share", cur.intervals > 0 ? "%.0f %%" : "–",
                         100.0 * cur.met / (cur.intervals ? cur.intervals : 1));
                tpl_setf(cur.obj, "met_of", "%ld of %ld", cur.met, cur.intervals);
                set_hours(cur.obj, "short_hours", cur.short_h);
                set_hours(cur.obj, "surplus_hours", cur.surplus_h);
                set_split(cur.obj, cur.split, cur.fixable_h, cur.unfixable_h);
                tpl_set(cur.obj, "worst_day", cur.worst_short > 0 ? cur.worst_day : "none");
                set_hours(cur.obj, "worst_short", cur.worst_short);
            }
            if (i == n)
                break;
            memset(&cur, 0, sizeof cur);
            cur.id = integer(days, i, 0);
            cur.obj = tpl_add(page, "queues");
            tpl_set(cur.obj, "queue_id", val(days, i, 0));
            tpl_set(cur.obj, "queue", val(days, i, 1));
            tpl_set(cur.obj, "tz", val(days, i, 2));
            tpl_setf(cur.obj, "goal", "%.0f %%", 100 * num(days, i, 9));
        }
        long iv = integer(days, i, 5), met = integer(days, i, 6);
        double sh = num(days, i, 7), su = num(days, i, 8);
        bool split = !PQgetisnull(days, i, 11);
        double un = num(days, i, 11), fx = num(days, i, 12);
        cur.split = cur.split || split;
        all_split = all_split || split;
        cur.fixable_h += fx;
        cur.unfixable_h += un;
        all_fixable += fx;
        all_unfixable += un;
        cur.intervals += iv;
        cur.met += met;
        cur.short_h += sh;
        cur.surplus_h += su;
        all_short += sh;
        all_surplus += su;
        if (sh > cur.worst_short) {
            cur.worst_short = sh;
            snprintf(cur.worst_day, sizeof cur.worst_day, "%s", val(days, i, 4));
        }
        struct tpl_obj *d = tpl_add(cur.obj, "days");
        tpl_set(d, "date", val(days, i, 3));
        tpl_set(d, "label", val(days, i, 4));
        if (iv > 0)
            tpl_setf(d, "share", "%.0f %%", 100.0 * (double)met / (double)iv);
        else
            tpl_set(d, "share", "–");
        tpl_setf(d, "met_of", "%ld of %ld", met, iv);
        tpl_flag(d, "below", iv > 0 && met < iv);
        set_hours(d, "short_hours", sh);
        set_hours(d, "surplus_hours", su);
        set_split(d, split, fx, un);
        tpl_flag(d, "short", sh > 0.05);
        if (!PQgetisnull(days, i, 10))
            tpl_setf(d, "mean_sl", "%.0f %%", 100 * num(days, i, 10));
        else
            tpl_set(d, "mean_sl", "–");
    }
    set_hours(page, "all_short_hours", all_short);
    set_hours(page, "all_surplus_hours", all_surplus);
    if (all_split) {
        struct tpl_obj *o = tpl_child(page, "split");
        set_split(o, true, all_fixable, all_unfixable);
    }
    int ne = PQntuples(errs);
    tpl_setf(page, "error_count", "%lld", ne > 0 ? integer(errs, 0, 4) : 0LL);
    for (int i = 0; i < ne; i++) {
        struct tpl_obj *o = tpl_add(page, "errors");
        tpl_set(o, "table", val(errs, i, 0));
        tpl_set(o, "row", val(errs, i, 1));
        tpl_set(o, "message", val(errs, i, 2));
        tpl_set(o, "seen", val(errs, i, 3));
    }
    tpl_flag(page, "errors_cut", ne > 0 && integer(errs, 0, 4) > ne);
}

/* ---- coverage ---- */

static int shape_coverage(const struct console_args *a, PGresult *const *res, struct tpl_obj *page)
{
    const PGresult *queues = res[1], *cells = res[2];
    int64_t qid = a->queue > 0 ? a->queue : PQntuples(queues) > 0 ? integer(queues, 0, 0) : 0;
    int qrow = -1;
    for (int i = 0; i < PQntuples(queues); i++)
        if (integer(queues, i, 0) == qid)
            qrow = i;
    if (qrow < 0)
        return -ENOENT;
    shape_selector(queues, page, "queues", qid);
    tpl_set(page, "queue_id", val(queues, qrow, 0));
    tpl_set(page, "queue", val(queues, qrow, 1));
    tpl_set(page, "tz", val(queues, qrow, 2));
    tpl_setf(page, "goal", "%.0f %% in %.0f s", 100 * num(queues, qrow, 4), num(queues, qrow, 5));

    int n = PQntuples(cells);
    struct console_cell *cv = calloc((size_t)(n ? n : 1), sizeof *cv);
    if (cv == NULL)
        return -ENOMEM;
    for (int i = 0; i < n; i++) {
        snprintf(cv[i].day, sizeof cv[i].day, "%s", val(cells, i, 0));
        snprintf(cv[i].label, sizeof cv[i].label, "%s", val(cells, i, 7));
        cv[i].minute = (int)integer(cells, i, 1);
        cv[i].required = num(cells, i, 2);
        cv[i].scheduled = num(cells, i, 3);
        cv[i].shortage = num(cells, i, 4);
        cv[i].service_level = num(cells, i, 5);
        cv[i].future = val(cells, i, 6)[0] == 't';
        cv[i].unfixable = num(cells, i, 8);
        cv[i].available = (int)integer(cells, i, 9);
    }
    struct html svg = {0};
    console_svg_heatmap(&svg, cv, n, val(queues, qrow, 1), val(queues, qrow, 2));
    tpl_set_html(page, "heatmap", &svg);

    /* The day table: the day asked for, else the first future day. */
    const char *day = a->day[0] != '\0' ? a->day : NULL;
    for (int i = 0; i < n && day == NULL; i++)
        if (cv[i].future)
            day = cv[i].day;
    if (day == NULL && n > 0)
        day = cv[0].day;
    double goal = num(queues, qrow, 4);
    char prev_day[16] = "";
    struct tpl_obj *drow = NULL;
    long d_iv = 0, d_met = 0;
    double d_short = 0, d_surplus = 0, d_fixable = 0, d_unfixable = 0;
    bool d_split = false;
    for (int i = 0; i <= n; i++) {
        if (i == n || strcmp(cv[i].day, prev_day) != 0) {
            if (drow != NULL) {
                tpl_setf(drow, "share", d_iv > 0 ? "%.0f %%" : "–",
                         100.0 * (double)d_met / (double)(d_iv ? d_iv : 1));
                tpl_setf(drow, "met_of", "%ld of %ld", d_met, d_iv);
                set_hours(drow, "short_hours", d_short);
                set_hours(drow, "surplus_hours", d_surplus);
                set_split(drow, d_split, d_fixable, d_unfixable);
            }
            if (i == n)
                break;
            snprintf(prev_day, sizeof prev_day, "%s", cv[i].day);
            drow = tpl_add(page, "days");
            tpl_set(drow, "date", cv[i].day);
            tpl_set(drow, "label", cv[i].label);
            tpl_flag(drow, "current", day != NULL && strcmp(cv[i].day, day) == 0);
            d_iv = d_met = 0;
            d_short = d_surplus = d_fixable = d_unfixable = 0;
            d_split = false;
        }
        if (!cv[i].future)
            continue; /* history: the figures are about what can still change */
        if (cv[i].required > 0) {
            d_iv++;
            d_met += cv[i].service_level >= goal;
        }
        d_short += cv[i].shortage * 0.25;
        d_surplus += fmax(cv[i].scheduled - cv[i].required, 0) * 0.25;
        if (cv[i].unfixable >= 0) {
            d_split = true;
            d_unfixable += cv[i].unfixable * 0.25;
            d_fixable += (cv[i].shortage - cv[i].unfixable) * 0.25;
        }
    }
    if (day != NULL) {
        tpl_set(page, "day", day);
        for (int i = 0; i < n; i++) {
            if (strcmp(cv[i].day, day) != 0)
                continue;
            struct tpl_obj *o = tpl_add(page, "intervals");
            tpl_set(o, "label", cv[i].label);
            tpl_setf(o, "time", "%02d:%02d", cv[i].minute / 60, cv[i].minute % 60);
            tpl_setf(o, "required", "%.1f", cv[i].required);
            tpl_setf(o, "scheduled", "%.0f", cv[i].scheduled);
            tpl_setf(o, "short", "%.1f", cv[i].shortage);
            if (cv[i].unfixable >= 0 && cv[i].future) {
                tpl_setf(o, "available", "%d", cv[i].available);
                tpl_setf(o, "unfixable", "%.1f", cv[i].unfixable);
                tpl_setf(o, "fixable", "%.1f", fmax(0, cv[i].shortage - cv[i].unfixable));
            } else {
                tpl_set(o, "available", "–");
                tpl_set(o, "unfixable", "–");
                tpl_set(o, "fixable", "–");
            }
            tpl_setf(o, "surplus", "%.1f", fmax(cv[i].scheduled - cv[i].required, 0));
            tpl_setf(o, "sl", "%.0f %%", 100 * cv[i].service_level);
            tpl_flag(o, "past", !cv[i].future);
            tpl_flag(o, "below", cv[i].required > 0 && cv[i].service_level < goal);
        }
    }
    free(cv);
    return 0;
}

/* ---- schedule ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's civil algorithm). */
static long days_from_civil(long y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(long z, long *y, int *m, int *d)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static long parse_day(const char *s)
{
    long y;
    int m, d;
    if (sscanf(s, "%ld-%d-%d", &y, &m, &d) != 3)
        return 0;
    return days_from_civil(y, m, d);
}

#define SCHEDULE_MAX_DAYS 14

struct day_cell {
    struct console_bar bars[3];
    int n;
    char text[3][160];
};

static void emit_agent_days(struct tpl_obj *row, struct day_cell *cells, int days)
{
    for (int k = 0; k < days; k++) {
        struct tpl_obj *d = tpl_add(row, "cells");
        if (cells[k].n == 0) {
            tpl_flag(d, "off", true);
            continue;
        }
        struct html svg = {0};
        console_svg_day(&svg, cells[k].bars, cells[k].n);
        tpl_set_html(d, "timeline", &svg);
        for (int i = 0; i < cells[k].n; i++)
            tpl_set(tpl_add(d, "shifts"), "text", cells[k].text[i]);
    }
    memset(cells, 0, sizeof(struct day_cell) * SCHEDULE_MAX_DAYS);
}

static void shape_schedule(const struct console_args *a, PGresult *const *res, struct tpl_obj *page)
{
    static const char *const wd[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const PGresult *queues = res[1], *contracts = res[2], *zones = res[3], *rows = res[4];
    struct day_cell cells[SCHEDULE_MAX_DAYS];
    memset(cells, 0, sizeof cells);
    shape_selector(queues, page, "queues", a->queue);
    shape_selector(contracts, page, "contracts", a->contract);
    for (int i = 0; i < PQntuples(zones); i++) {
        struct tpl_obj *o = tpl_add(page, "zones");
        tpl_set(o, "name", val(zones, i, 0));
        tpl_flag(o, "selected", strcmp(a->tz, val(zones, i, 0)) == 0);
    }
    int days = a->days >= 1 && a->days <= SCHEDULE_MAX_DAYS ? a->days : 7;
    int n = PQntuples(rows);
    /* The first day as the statement chose it; with no agent to show, as it would have. */
    const char *first_text = n > 0                    ? val(rows, 0, 10)
                             : a->day[0] != '\0'      ? a->day
                             : PQntuples(res[0]) == 1 ? val(res[0], 0, 6)
                                                      : "2000-01-01";
    long first = parse_day(first_text);
    char iso[16];
    for (int k = 0; k < days; k++) {
        long y;
        int m, d;
        civil_from_days(first + k, &y, &m, &d);
        struct tpl_obj *o = tpl_add(page, "columns");
        long w = ((first + k) % 7 + 7) % 7;
        tpl_setf(o, "label", "%s %d %s", wd[w], d, mon[m - 1]);
        snprintf(iso, sizeof iso, "%04ld-%02d-%02d", y, m, d);
        tpl_set(o, "date", iso);
        if (k == 0)
            tpl_set(page, "first_day", iso);
    }
    for (int sh = -7; sh <= 7; sh += 14) {
        long y;
        int m, d;
        civil_from_days(first + (sh < 0 ? -days : days), &y, &m, &d);
        snprintf(iso, sizeof iso, "%04ld-%02d-%02d", y, m, d);
        tpl_set(page, sh < 0 ? "prev_day" : "next_day", iso);
    }
    tpl_setf(page, "days", "%d", days);
    tpl_flag(page, "one_day", days == 1);
    struct tpl_obj *row = NULL;
    long long cur = -1;
    for (int i = 0; i < n; i++) {
        if (integer(rows, i, 0) != cur) {
            if (row != NULL)
                emit_agent_days(row, cells, days);
            cur = integer(rows, i, 0);
            row = tpl_add(page, "agents");
            tpl_set(row, "id", val(rows, i, 0));
            tpl_set(row, "name", val(rows, i, 1));
            tpl_set(row, "tz", val(rows, i, 2));
            tpl_set(row, "contract", val(rows, i, 3));
        }
        if (PQgetisnull(rows, i, 5))
            continue;
        long k = parse_day(val(rows, i, 5)) - first;
        if (k < 0 || k >= days || cells[k].n >= 3)
            continue;
        struct day_cell *c = &cells[k];
        struct console_bar *b = &c->bars[c->n];
        b->start = (int)integer(rows, i, 6);
        b->length = (int)integer(rows, i, 7);
        const char *br = PQgetisnull(rows, i, 9) ? "" : val(rows, i, 9);
        char breaks_text[96] = "";
        while (*br != '\0' && b->n_breaks < 8) {
            int bs, be, used = 0;
            if (sscanf(br, "%d-%d%n", &bs, &be, &used) != 2)
                break;
            b->breaks[b->n_breaks][0] = bs;
            b->breaks[b->n_breaks][1] = be;
            b->n_breaks++;
            text_append(breaks_text, sizeof breaks_text, "%s%02d:%02d", b->n_breaks > 1 ? ", " : "",
                        (bs / 60) % 24, bs % 60);
            br += used;
            if (*br == ',')
                br++;
        }
        int end = b->start + b->length;
        text_printf(c->text[c->n], sizeof c->text[c->n], "%02d:%02d–%02d:%02d %s%s%s%s",
                    b->start / 60, b->start % 60, (end / 60) % 24, end % 60, val(rows, i, 8),
                    b->n_breaks ? " (break " : "", breaks_text, b->n_breaks ? ")" : "");
        c->n++;
    }
    if (row != NULL)
        emit_agent_days(row, cells, days);
    long long total = n > 0 ? integer(rows, 0, 4) : 0;
    int pages = (int)((total + CONSOLE_PAGE_AGENTS - 1) / CONSOLE_PAGE_AGENTS);
    tpl_setf(page, "total_agents", "%lld", total);
    tpl_setf(page, "page_no", "%d", a->page + 1);
    tpl_setf(page, "pages", "%d", pages > 0 ? pages : 1);
    if (a->page > 0)
        tpl_setf(page, "prev_page", "%d", a->page - 1);
    if (a->page + 1 < pages)
        tpl_setf(page, "next_page", "%d", a->page + 1);
}

/* ---- agent ---- */

static int shape_agent(PGresult *const *res, struct tpl_obj *page)
{
    static const char *const weekdays[] = {"",         "Monday", "Tuesday",  "Wednesday",
                                           "Thursday", "Friday", "Saturday", "Sunday"};
    const PGresult *ag = res[1], *sh = res[2], *av = res[3], *off = res[4];
    if (PQntuples(ag) != 1)
        return -ENOENT;
    struct tpl_obj *o = tpl_child(page, "agent");
    tpl_set(o, "id", val(ag, 0, 0));
    tpl_set(o, "name", val(ag, 0, 1));
    tpl_set(o, "email", val(ag, 0, 2));
    tpl_set(o, "tz", val(ag, 0, 3));
    tpl_set(o, "contract", val(ag, 0, 4));
    tpl_setf(o, "contract_hours", "%.0f–%.0f h a week", num(ag, 0, 5) / 60, num(ag, 0, 6) / 60);
    tpl_flag(o, "inactive", val(ag, 0, 7)[0] != 't');
    tpl_set(o, "hired_on", val(ag, 0, 8));
    tpl_set(o, "skills", val(ag, 0, 9));
    for (int i = 0; i < PQntuples(sh); i++) {
        struct tpl_obj *s = tpl_add(page, "shifts");
        tpl_set(s, "day", val(sh, i, 0));
        tpl_set(s, "start", val(sh, i, 1));
        tpl_set(s, "end", val(sh, i, 2));
        tpl_set(s, "queue", val(sh, i, 3));
        tpl_set(s, "status", val(sh, i, 4));
        tpl_flag(s, "cancelled", strcmp(val(sh, i, 4), "cancelled") == 0);
        tpl_set(s, "breaks", val(sh, i, 5));
        tpl_flag(s, "past", val(sh, i, 6)[0] != 't');
    }
    for (int i = 0; i < PQntuples(av); i++) {
        struct tpl_obj *w = tpl_add(page, "windows");
        long wd = integer(av, i, 0);
        tpl_set(w, "weekday", wd >= 1 && wd <= 7 ? weekdays[wd] : "?");
        tpl_set(w, "start", val(av, i, 1));
        tpl_set(w, "end", val(av, i, 2));
        tpl_set(w, "from", val(av, i, 3));
        tpl_set(w, "until", val(av, i, 4));
    }
    for (int i = 0; i < PQntuples(off); i++) {
        struct tpl_obj *t = tpl_add(page, "time_off");
        tpl_set(t, "starts", val(off, i, 0));
        tpl_set(t, "ends", val(off, i, 1));
        tpl_set(t, "reason", val(off, i, 2));
    }
    return 0;
}

/* ---- fairness ---- */

struct fair_row {
    int row;
    double hours, share, weekend, late;
};

static int fair_sort_key;

static int fair_cmp(const void *pa, const void *pb)
{
    const struct fair_row *x = pa, *y = pb;
    double a = 0, b = 0;
    switch (fair_sort_key) {
    case 1:
        a = x->hours, b = y->hours;
        break;
    case 2:
        a = x->share, b = y->share;
        break;
    case 3:
        a = x->weekend, b = y->weekend;
        break;
    case 4:
        a = x->late, b = y->late;
        break;
    default:
        return x->row - y->row;
    }
    /* Largest first; ties in name order. */
    return a < b ? 1 : a > b ? -1 : x->row - y->row;
}

static int dbl_cmp(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return a < b ? -1 : a > b;
}

/* min, median, max and standard deviation of v[0..n) into a "spread" list item. */
static void spread(struct tpl_obj *page, const char *what, const char *unit, double *v, int n)
{
    struct tpl_obj *o = tpl_add(page, "spread");
    tpl_set(o, "what", what);
    if (n == 0) {
        tpl_set(o, "min", "–");
        tpl_set(o, "median", "–");
        tpl_set(o, "max", "–");
        tpl_set(o, "sd", "–");
        return;
    }
    double mean = 0, var = 0;
    for (int i = 0; i < n; i++)
        mean += v[i];
    mean /= n;
    for (int i = 0; i < n; i++)
        var += (v[i] - mean) * (v[i] - mean);
    qsort(v, (size_t)n, sizeof *v, dbl_cmp);
    double median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    tpl_setf(o, "min", "%.1f%s", v[0], unit);
    tpl_setf(o, "median", "%.1f%s", median, unit);
    tpl_setf(o, "max", "%.1f%s", v[n - 1], unit);
    tpl_setf(o, "sd", "%.1f%s", sqrt(var / n), unit);
}

static int shape_fairness(const struct console_args *a, PGresult *const *res, struct tpl_obj *page)
{
    const PGresult *queues = res[1], *contracts = res[2], *r = res[3];
    shape_selector(queues, page, "queues", a->queue);
    shape_selector(contracts, page, "contracts", a->contract);
    int n = PQntuples(r);
    struct fair_row *rows = calloc((size_t)(n ? n : 1), sizeof *rows);
    double *v = calloc((size_t)(n ? n : 1), sizeof *v);
    if (rows == NULL || v == NULL) {
        free(rows);
        free(v);
        return -ENOMEM;
    }
    for (int i = 0; i < n; i++) {
        double max_h = num(r, i, 7);
        rows[i] = (struct fair_row){i, num(r, i, 3), max_h > 0 ? num(r, i, 3) / max_h : 0,
                                    num(r, i, 5), num(r, i, 6)};
    }
    static const char *const sorts[] = {"name", "hours", "share", "weekend", "late"};
    fair_sort_key = 0;
    for (int k = 0; k < 5; k++)
        if (strcmp(a->sort, sorts[k]) == 0)
            fair_sort_key = k;
    qsort(rows, (size_t)n, sizeof *rows, fair_cmp);
    tpl_set(page, "sort", sorts[fair_sort_key]);
    for (int k = 0; k < n; k++) {
        int i = rows[k].row;
        struct tpl_obj *o = tpl_add(page, "agents");
        tpl_set(o, "id", val(r, i, 0));
        tpl_set(o, "name", val(r, i, 1));
        tpl_set(o, "contract", val(r, i, 2));
        tpl_setf(o, "hours", "%.1f", rows[k].hours);
        tpl_setf(o, "shifts", "%lld", integer(r, i, 4));
        tpl_setf(o, "max_hours", "%.1f", num(r, i, 7));
        tpl_setf(o, "share", "%.0f %%", 100 * rows[k].share);
        tpl_flag(o, "under_min", rows[k].hours + 0.01 < num(r, i, 8));
        tpl_setf(o, "weekend", "%.0f", rows[k].weekend);
        tpl_setf(o, "late", "%.0f", rows[k].late);
    }
    tpl_setf(page, "agent_count", "%d", n);
    for (int i = 0; i < n; i++)
        v[i] = num(r, i, 3);
    spread(page, "Hours scheduled", " h", v, n);
    for (int i = 0; i < n; i++)
        v[i] = 100 * (num(r, i, 7) > 0 ? num(r, i, 3) / num(r, i, 7) : 0);
    spread(page, "Share of contract maximum", " %", v, n);
    for (int i = 0; i < n; i++)
        v[i] = num(r, i, 5);
    spread(page, "Weekend shifts", "", v, n);
    for (int i = 0; i < n; i++)
        v[i] = num(r, i, 6);
    spread(page, "Late shifts (from 18:00)", "", v, n);
    free(rows);
    free(v);
    return 0;
}

/* ---- hiring ---- */

static void shape_hiring(PGresult *const *res, struct tpl_obj *page)
{
    const PGresult *needs = res[1], *rank = res[2], *contracts = res[3];
    double total = 0;
    for (int i = 0; i < PQntuples(needs); i++) {
        struct tpl_obj *o = tpl_add(page, "needs");
        tpl_set(o, "queue", val(needs, i, 0));
        tpl_set(o, "label", val(needs, i, 1));
        tpl_set(o, "agents", val(needs, i, 2));
        tpl_set(o, "hours_each", val(needs, i, 3));
        tpl_set(o, "short_hours", val(needs, i, 4));
        tpl_set(o, "reason", val(needs, i, 5));
        total += num(needs, i, 2);
    }
    tpl_setf(page, "hires_total", "%.0f", total);
    for (int i = 0; i < PQntuples(rank); i++) {
        struct tpl_obj *o = tpl_add(page, "candidates");
        tpl_set(o, "rank", val(rank, i, 0));
        tpl_set(o, "id", val(rank, i, 1));
        tpl_set(o, "name", val(rank, i, 2));
        tpl_set(o, "source", val(rank, i, 3));
        tpl_set(o, "status", val(rank, i, 4));
        tpl_set(o, "tz", val(rank, i, 5));
        tpl_setf(o, "wanted", "%.0f", num(rank, i, 6) / 60);
        tpl_set(o, "score",
                PQgetisnull(rank, i, 7) || val(rank, i, 7)[0] == '\0' ? "–" : val(rank, i, 7));
        tpl_set(o, "covers", val(rank, i, 8));
        tpl_set(o, "explanation", val(rank, i, 9));
    }
    for (int i = 0; i < PQntuples(contracts); i++) {
        struct tpl_obj *o = tpl_add(page, "contracts");
        tpl_set(o, "id", val(contracts, i, 0));
        tpl_setf(o, "name", "%s (%.0f–%.0f h a week)", val(contracts, i, 1),
                 num(contracts, i, 2) / 60, num(contracts, i, 3) / 60);
    }
}

int console_data_shape(enum console_page p, const struct console_args *a, PGresult *const *res,
                       int n, struct tpl_obj *page)
{
    /* As many results as console_data_queries() sent for the page. */
    static const int counts[] = {[CP_OVERVIEW] = 5, [CP_COVERAGE] = 3, [CP_SCHEDULE] = 5,
                                 [CP_AGENT] = 5,    [CP_FAIRNESS] = 4, [CP_HIRING] = 4};
    if (n != counts[p])
        return -EINVAL;
    shape_run(res[0], page);
    switch (p) {
    case CP_OVERVIEW:
        shape_overview(a, res, page);
        return 0;
    case CP_COVERAGE:
        return shape_coverage(a, res, page);
    case CP_SCHEDULE:
        shape_schedule(a, res, page);
        return 0;
    case CP_AGENT:
        return shape_agent(res, page);
    case CP_FAIRNESS:
        return shape_fairness(a, res, page);
    case CP_HIRING:
        shape_hiring(res, page);
        return 0;
    }
    return -EINVAL;
}

/* ---- CSV ---- */

static void csv_field(struct text_buf *out, const char *s)
{
    /* A spreadsheet runs a cell that starts like a formula: make it text. */
    bool formula =
        s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r';
    /* Negative numbers are numbers, not formulas. */
    if (s[0] == '-' && s[1] >= '0' && s[1] <= '9')
        formula = false;
    if (!formula && strpbrk(s, ",\"\r\n") == NULL) {
        text_buf_printf(out, "%s", s);
        return;
    }
    text_buf_printf(out, "\"%s", formula ? "'" : "");
    for (const char *p = s, *q; *p != '\0'; p = q + 1) {
        q = strchr(p, '"');
        if (q == NULL) {
            text_buf_printf(out, "%s", p);
            break;
        }
        text_buf_printf(out, "%.*s\"\"", (int)(q - p), p);
    }
    text_buf_printf(out, "\"");
}

char *console_csv_render(const PGresult *r, size_t *len)
{
    struct text_buf out = {0};
    int cols = PQnfields(r);
    for (int j = 0; j < cols; j++) {
        if (j > 0)
            text_buf_printf(&out, ",");
        csv_field(&out, PQfname(r, j));
    }
    text_buf_printf(&out, "\r\n");
    for (int i = 0; i < PQntuples(r); i++) {
        for (int j = 0; j < cols; j++) {
            if (j > 0)
                text_buf_printf(&out, ",");
            if (!PQgetisnull(r, i, j))
                csv_field(&out, PQgetvalue(r, i, j));
        }
        text_buf_printf(&out, "\r\n");
    }
    size_t n = out.n;
    char *body = text_buf_finish(&out);
    if (body != NULL)
        *len = n;
    return body;
}
