/* SPDX-License-Identifier: ISC */
/*
 * store.h — turns a finished plan into the one statement that lands it
 * (staffd.publish_run, migrations/0002_publish_run.sql; its parameters are
 * 0013_surplus.sql's, which adds what the agents could work per interval, and
 * its body since 0015_publish_once.sql the one it shares with publish_quick_run).
 *
 * Pure: builds the SQL text and its parameters; the daemon sends them with
 * db_exec() and reads back the run id and the agents whose feeds changed.
 * Each shift's breaks travel inside its insert or update (migration 0004), and
 * a shift whose breaks alone changed is sent as an update with SEQUENCE + 1.
 * Building the parameters is heavy for big sites, so it runs on the worker
 * thread with the plan.
 */
#ifndef STAFFD_STORE_H
#define STAFFD_STORE_H

#include "model.h"
#include "publish.h"
#include "util.h"

#define STORE_NPARAMS 14

extern const char store_publish_sql[];
/*
 * A run's row lives from its start (migration 0005): store_begin_sql ($1
 * reason, $2 site) inserts it as 'running' and returns its id; store_publish_sql turns
 * it into 'succeeded'; store_finish_sql ($1 id, $2 'failed' or 'abandoned',
 * $3 why) records any other end.
 */
extern const char store_begin_sql[];
extern const char store_finish_sql[];

struct store_run_info {
    long long run_id;  /* the row store_begin_sql made; 0: publish inserts one */
    double started_at; /* Unix seconds */
    const char *reason;
    const char *message;     /* may be NULL */
    const char *recruitment; /* JSON of recruit_to_json(), or NULL for none */
    /*
     * NULL: coverage of every cell. Else only the cells [queue * n_cells + cell]
     * set here, for staffd.publish_quick_run (migration 0014), which writes just those.
     */
    const bool *cov_cells;
};

/* Fills params[0..STORE_NPARAMS-1] with malloc'd strings. 0 or -ENOMEM. */
int store_build_params(const struct snapshot *s, const struct plan *p, const struct publish_op *ops,
                       int n_ops, const struct store_run_info *info,
                       char **params) STAFFD_MUSTCHECK;
void store_free_params(char **params);

#endif
