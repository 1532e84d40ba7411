/* SPDX-License-Identifier: ISC */
/*
 * load.h — reading a planning snapshot from PostgreSQL.
 *
 * load_snapshot_sql() gives one multi-statement query (a REPEATABLE READ, READ
 * ONLY transaction, so every table is seen at the same instant) for
 * db_exec(); load_snapshot() turns its results into a `struct snapshot`.
 * Parsing is pure and may run on a worker thread (PGresults are read-only).
 * Rows the planner cannot use are skipped and listed in snapshot.errors. The
 * snapshot includes each contract's break rules, the agents' preferences, the
 * breaks of the published shifts, and each agent's weekend and late shifts of
 * the 28 days before the horizon.
 */
#ifndef STAFFD_LOAD_H
#define STAFFD_LOAD_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "util.h"

/*
 * The largest values a demand row or a queue may hold (docs/interfaces.md,
 * "Limits"); the schema refuses more, and the loader reports and skips an
 * older row that has more.
 */
#define LOAD_MAX_CONTACTS       1000000.0 /* per interval */
#define LOAD_MAX_AHT_SECONDS    86400.0
#define LOAD_MAX_ERLANGS        50000.0  /* contacts x aht_seconds / interval seconds */
#define LOAD_MAX_TARGET_SECONDS 604800.0 /* a week: an e-mail queue's answer goal */
#define LOAD_MAX_PATIENCE       86400.0

/*
 * The database's change counter (migration 0005): every statement that changes
 * an input table advances it, whether or not its notification reaches us.
 */
extern const char load_change_counter_sql[];

/*
 * malloc'd SQL text: the snapshot of one site (staffd.sites; 1 is the default
 * site, which holds every row of a single-site installation). Its clock
 * (snapshot.now, and the horizon's first day) is PostgreSQL's now(), or
 * clock_at when clock_fixed.
 */
char *load_snapshot_sql(int horizon_days, bool clock_fixed, sd_time clock_at,
                        int64_t site) STAFFD_MUSTCHECK;
/* 0, -EINVAL (unexpected result shape: err says where) or -ENOMEM. */
int load_snapshot(PGresult *const *results, int n, int horizon_days, struct snapshot *out,
                  char *err, size_t err_len) STAFFD_MUSTCHECK;

#endif
