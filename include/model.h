/* SPDX-License-Identifier: ISC */
/*
 * model.h — the immutable planning snapshot and the plan computed from it.
 *
 * load.c builds a `struct snapshot` from one REPEATABLE READ transaction; the
 * planner reads it from a worker thread and never changes it; store.c turns
 * the resulting `struct plan` into one write transaction. The planner, top
 * down:
 *
 *   plan.c           one planning run: requirements, shifts, breaks, coverage
 *   staffing.c       requirements per queue and cell (Erlang C / A, chat, email)
 *   roster.c         the contact centre as a rostering problem for the engine
 *                    (roster_quick.c: a quick plan's neighbourhood)
 *   engine_solve.c   the rostering engine (engine_search.c, engine_dp.c,
 *                    engine_dp_prune.c, engine_dp_tables.c, engine_model.c,
 *                    colgen_master.c, colgen_dive.c, colgen_branch.c;
 *                    engine.h is its API)
 *   greedy.c         the greedy scheduler (no engine budget; recruitment's what-if)
 *   shift_options.c  the shifts an agent may work, which both pick from
 *   breaks.c         breaks inside the chosen shifts
 *   rule_check.c     the independent checker of a finished schedule
 *
 * All instants are UTC seconds since the Unix epoch; local
 * wall-clock times are resolved through `struct tz_table`, whose offsets come
 * from PostgreSQL's own time-zone database, so the planner does no I/O.
 *
 * Arrays are owned by the struct that holds them; snapshot_free() and
 * plan_free() release everything.
 */
#ifndef STAFFD_MODEL_H
#define STAFFD_MODEL_H

#include <stdbool.h>
#include <stdint.h>

typedef int64_t sd_time; /* seconds since 1970-01-01T00:00:00Z */

#define SD_CELL_SECONDS 900       /* demand is planned on a 15-minute grid */
#define SD_LATE_MINUTE  (18 * 60) /* a shift starting at or after 18:00 local time is "late" */
#define SD_UUID_LEN     36

enum channel { CHANNEL_VOICE = 0, CHANNEL_CHAT = 1, CHANNEL_EMAIL = 2 };

/* UTC offset history of one IANA zone across the horizon (plus margins). */
struct tz_table {
    char *name;
    int n;           /* >= 1 */
    sd_time *from;   /* offset[i] is in force from from[i]; from[0] is before the horizon */
    int32_t *offset; /* seconds east of UTC */
};

struct queue {
    int64_t id;
    char *name;
    int tz; /* index into snapshot.tzs: where its hiring needs are expressed */
    enum channel channel;
    double service_level; /* fraction answered within target_seconds */
    double target_seconds;
    double max_occupancy;    /* (0, 1]; 1 = no cap */
    int concurrency;         /* contacts an agent handles at once (chat) */
    double patience_seconds; /* > 0: Erlang A with abandonment; 0: Erlang C */
    double shrinkage;        /* [0, 1): share of paid time not on queue */
    double assistant_share;  /* [0, 1): contacts an AI assistant resolves without an agent */
    double escalated_aht; /* > 0: seconds an escalated contact takes a person; 0: the forecast's */
};

/*
 * One element of contracts.break_rules (format: docs/interfaces.md). A shift of
 * min_shift_minutes..max_shift_minutes gets a break of `minutes`, starting
 * earliest_after..latest_after minutes after the start of the shift (or of
 * each half of it, with in_each_half). -1 in earliest/latest_after: the
 * default, the middle half of the shift (or half).
 */
struct break_rule {
    int min_shift_minutes;
    int max_shift_minutes; /* INT32_MAX when open */
    int minutes;           /* a multiple of 15 */
    bool paid;
    int earliest_after; /* -1: default */
    int latest_after;   /* -1: default */
    bool in_each_half;
};

struct contract {
    int64_t id;
    char *name;
    int min_minutes_per_week;
    int max_minutes_per_week;
    int max_days_per_week;
    int max_consecutive_days;
    int min_rest_minutes;
    int shift_start_step_minutes;
    int n_lengths;
    int *shift_lengths_minutes;
    int n_break_rules;
    struct break_rule *break_rules;
    bool hiring_template; /* contracts.hiring_template: hires are sized in this one (hiring.h) */
};

/* A recurring weekly window in the owner's local time. */
struct window {
    int weekday;         /* ISO 1 (Monday) .. 7 (Sunday), the day the window starts */
    int start_min;       /* minutes after local midnight */
    int end_min;         /* <= start_min: the window runs past midnight */
    int32_t valid_from;  /* local date as days since 1970-01-01, INT32_MIN if open */
    int32_t valid_until; /* inclusive, INT32_MAX if open */
};

struct span {
    sd_time start, end; /* [start, end) */
};

/*
 * A wish of an agent's (table staffd.preferences) about a weekday or a date,
 * optionally narrowed to a local window; semantics in docs/interfaces.md.
 */
struct preference {
    int64_t id;
    int weekday;   /* ISO 1..7, or 0 when `date` is set */
    int32_t date;  /* local date (days since epoch), INT32_MIN when `weekday` is set */
    int start_min; /* local window, minutes after midnight; -1: the whole day */
    int end_min;   /* <= start_min: the window runs past midnight */
    bool avoid;    /* avoid, else prefer */
    double weight; /* > 0; 1 = an hour of one missing agent */
};

struct agent {
    int64_t id;
    char *name;
    int tz;       /* index into snapshot.tzs */
    int contract; /* index into snapshot.contracts */
    int n_skills;
    int *skills; /* queue indices, ascending */
    int n_windows;
    struct window *windows;
    int n_time_off;
    struct span *time_off;
    int n_prefs;
    struct preference *prefs; /* ordered by id */
    /* Shifts worked in the 28 days before the horizon on a local Saturday or Sunday, and late. */
    int recent_weekend_shifts, recent_late_shifts;
};

/* An applicant in an open status (applied, screening, interview, offer). */
struct candidate {
    int64_t id;
    char *name;
    char *source;         /* student, rural, customer, referral, other */
    int tz;               /* index into snapshot.tzs */
    int minutes_per_week; /* wanted */
    double score;         /* assessment score 0..100, or -1 when not assessed */
    int n_skills;
    int *skills; /* queue indices, ascending */
    int n_windows;
    struct window *windows;
};

/* A shift as currently published (table staffd.shifts). */
struct published_shift {
    char uuid[SD_UUID_LEN + 1];
    int agent; /* index into snapshot.agents, -1 if the agent is gone or inactive */
    int queue; /* index into snapshot.queues, -1 if the queue is gone */
    int64_t agent_id, queue_id;
    sd_time start, end;
    bool cancelled;
    int sequence;
    int first_break, n_breaks; /* its rows in snapshot.published_breaks */
};

/*
 * A break inside a shift (table staffd.shift_breaks). `shift` indexes
 * snapshot.published (published breaks) or plan.shifts (planned breaks);
 * arrays of breaks are ordered by shift, then start.
 */
struct shift_break {
    int shift;
    sd_time start, end;
    bool paid;
};

/* An input row the planner cannot use; reported to staffd.input_errors and the log. */
struct input_error {
    char table[32];
    char key[64];
    char message[256];
};

struct snapshot {
    sd_time now;           /* the database's clock when the snapshot was taken */
    sd_time horizon_start; /* first planned instant, a multiple of SD_CELL_SECONDS */
    int horizon_days;
    int n_cells; /* per queue: horizon_days * 96 */

    int n_tzs;
    struct tz_table *tzs;
    int n_queues;
    struct queue *queues;
    double
        *contacts; /* [queue * n_cells + cell], arrivals that reach people in the 15-minute cell */
    double *aht;   /* seconds a person spends on one (the escalated handle time); 0: no demand */
    double *offered; /* arrivals before the assistant took its share */
    int n_contracts;
    struct contract *contracts;
    int n_agents;
    struct agent *agents;
    int n_published;
    struct published_shift *published;
    int n_published_breaks;
    struct shift_break *published_breaks;
    int n_candidates;
    struct candidate *candidates;
    int n_errors;
    struct input_error *errors;
};

/* A shift the planner wants to exist. */
struct planned_shift {
    int agent;
    int queue;
    sd_time start, end;
};

/*
 * Shortage splits in two: `unfixable` is the part no roster can fix, because
 * fewer agents could work the interval at all than it requires: active,
 * skilled for the queue, a shift of their contract fits their availability
 * there, no time off, inside the horizon and not begun, or a published shift
 * that stands covers it (roster_agent_options()). Hiring or more availability
 * fixes that part; the rest of the shortage is the roster's choice. A
 * bilingual agent counts as available on both of its queues, so the split is
 * per queue.
 */
struct plan {
    int n_shifts;
    struct planned_shift *shifts;
    int n_breaks;
    struct shift_break *breaks; /* breaks.c: by shift (index into shifts), then start */
    /* Per [queue * n_cells + cell]: */
    double *required;             /* agents to schedule, shrinkage included */
    int *scheduled;               /* agents on the queue in that cell, not on a break */
    double *shortage;             /* max(0, required - scheduled) */
    double *surplus;              /* max(0, scheduled - required): agents above the need */
    int *available;               /* agents who could work the cell at all (see below) */
    double *unfixable;            /* min(shortage, max(0, required - available)) */
    double *service_level;        /* predicted for the scheduled agents */
    double shortage_minutes;      /* sum of shortage * 15 over cells from now on */
    double past_shortage_minutes; /* the same over cells that began before now (history) */
    double surplus_minutes;       /* sum of surplus * 15 over cells from now on */
    double unfixable_minutes;     /* sum of unfixable * 15 over cells from now on */
    double objective;
    /* Rules the planner had to relax for an agent (e.g. an unreachable weekly minimum). */
    int n_warnings;
    struct input_error *warnings;
};

void snapshot_free(struct snapshot *s);
void plan_free(struct plan *p);

/*
 * The 15-minute cells [*c0, *c1) that [start, end) touches, clipped to the
 * horizon (an end inside a cell counts that cell). Empty when outside it.
 */
void snapshot_span_cells(const struct snapshot *s, sd_time start, sd_time end, int *c0, int *c1);
/*
 * The first cell that begins at or after s->now: cells before it (today's past
 * and the cell under way) are history that no plan or hire can change, so every
 * headline measure (shortage, recruitment's needs) counts from here.
 */
int snapshot_first_future_cell(const struct snapshot *s);

/* The instant the horizon ends (exclusive). */
sd_time snapshot_horizon_end(const struct snapshot *s);

/* Whether the agent has the queue among its skills. */
bool agent_has_skill(const struct agent *a, int queue);
/* Whether [start, end) overlaps any of the agent's time off. */
bool agent_off_during(const struct agent *a, sd_time start, sd_time end);
/*
 * Whether [start, end) lies wholly inside one of the agent's availability
 * windows (local time; a window may run past midnight into the next day).
 */
bool agent_available_during(const struct snapshot *s, const struct agent *a, sd_time start,
                            sd_time end);

/* Local wall-clock <-> UTC through a tz_table. */
int32_t tz_offset_at(const struct tz_table *tz, sd_time t);
/*
 * UTC instant of local date `day` (days since epoch) at `minute` after local
 * midnight. A local time skipped by a spring-forward gap maps to the instant the
 * gap ends; an ambiguous one (autumn) to its first occurrence.
 */
sd_time tz_local_to_utc(const struct tz_table *tz, int32_t day, int minute);
/* Local date (days since epoch) containing instant t. */
int32_t tz_local_day(const struct tz_table *tz, sd_time t);
/* ISO weekday 1..7 of a date given as days since 1970-01-01 (a Thursday). */
int day_weekday(int32_t day);
/* ISO week of a date, counted from the Monday 1969-12-29 (days 7w - 3 .. 7w + 3). */
int32_t day_iso_week(int32_t day);

#endif
