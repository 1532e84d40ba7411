/* SPDX-License-Identifier: ISC */
/*
 * migrate.h — schema migrations, compiled into the binary from
 * migrations/NNNN_name.sql (tools/embed-migrations.sh).
 *
 * migrate_apply() takes a session advisory lock (so two daemons never migrate
 * at once), creates staffd.schema_migrations if needed, and applies each
 * pending migration in its own transaction, recording it there. It uses
 * blocking libpq: call it from `staffd migrate` or from a thread-pool worker,
 * never from the loop thread.
 */
#ifndef STAFFD_MIGRATE_H
#define STAFFD_MIGRATE_H

#include <libpq-fe.h>
#include <stddef.h>

#include "util.h"

struct migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct migration migrations_embedded[];
extern const int migrations_embedded_count;

/* Applies what is pending; *applied = how many. 0, or -EIO with the reason in err. */
int migrate_apply(PGconn *conn, int *applied, char *err, size_t err_len) STAFFD_MUSTCHECK;
/* Counts migrations not yet applied (without applying). 0 or -EIO. */
int migrate_pending(PGconn *conn, int *pending, char *err, size_t err_len) STAFFD_MUSTCHECK;
/* Connects (blocking), applies or only counts, disconnects. For the CLI and workers.
 * -ECONNREFUSED when the server cannot be reached (worth retrying), -EIO otherwise. */
int migrate_run(const char *conninfo, int apply, int *count, char *err,
                size_t err_len) STAFFD_MUSTCHECK;

#endif
