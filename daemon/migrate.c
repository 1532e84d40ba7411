/* SPDX-License-Identifier: ISC */
/*
 * migrate.c — ordered, transactional, recorded schema migrations under an
 * advisory lock (see include/migrate.h). Blocking by design: it runs before
 * the daemon serves anything, on a worker thread, or from the CLI.
 */
#include "migrate.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Arbitrary but fixed: every staffd instance contends for the same lock. */
#define MIGRATE_LOCK_KEY "7301730101"

static int exec_ok(PGconn *conn, const char *sql, char *err, size_t err_len, const char *what)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        snprintf(err, err_len, "%s: %s", what, PQresultErrorMessage(r));
        size_t l = strlen(err);
        while (l > 0 && (err[l - 1] == '\n' || err[l - 1] == ' '))
            err[--l] = '\0';
        rc = -EIO;
    }
    PQclear(r);
    return rc;
}

static int applied_versions(PGconn *conn, bool *done, char *err, size_t err_len)
{
    PGresult *r = PQexec(conn, "SELECT version FROM staffd.schema_migrations");
    int rc = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        snprintf(err, err_len, "reading staffd.schema_migrations: %s", PQresultErrorMessage(r));
        rc = -EIO;
        goto out;
    }
    for (int i = 0; i < PQntuples(r); i++) {
        int v = atoi(PQgetvalue(r, i, 0));
        for (int m = 0; m < migrations_embedded_count; m++)
            if (migrations_embedded[m].version == v)
                done[m] = true;
    }
out:
    PQclear(r);
    return rc;
}

static int prepare(PGconn *conn, bool *done, char *err, size_t err_len)
{
    int rc = exec_ok(conn, "SET client_min_messages = warning", err, err_len, "session setup");
    if (rc == 0)
        rc = exec_ok(conn, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err, err_len,
                     "taking the migration lock");
    if (rc == 0)
        rc = exec_ok(conn,
                     "CREATE SCHEMA IF NOT EXISTS staffd;"
                     "CREATE TABLE IF NOT EXISTS staffd.schema_migrations ("
                     " version integer PRIMARY KEY, name text NOT NULL,"
                     " applied_at timestamptz NOT NULL DEFAULT now())",
                     err, err_len, "creating staffd.schema_migrations");
    if (rc == 0)
        rc = applied_versions(conn, done, err, err_len);
    return rc;
}

int migrate_pending(PGconn *conn, int *pending, char *err, size_t err_len)
{
    bool *done = calloc((size_t)migrations_embedded_count + 1, sizeof *done);
    *pending = 0;
    if (done == NULL)
        return -ENOMEM;
    int rc = prepare(conn, done, err, err_len);
    if (rc == 0)
        for (int m = 0; m < migrations_embedded_count; m++)
            *pending += !done[m];
    char ignore[256];
    exec_ok(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", ignore, sizeof ignore, "");
    free(done);
    return rc;
}

int migrate_apply(PGconn *conn, int *applied, char *err, size_t err_len)
{
    bool *done = calloc((size_t)migrations_embedded_count + 1, sizeof *done);
    *applied = 0;
    if (done == NULL)
        return -ENOMEM;
    int rc = prepare(conn, done, err, err_len);
    for (int m = 0; rc == 0 && m < migrations_embedded_count; m++) {
        const struct migration *mg = &migrations_embedded[m];
        if (done[m])
            continue;
        char what[128], record[256];
        snprintf(what, sizeof what, "migration %04d_%s", mg->version, mg->name);
        rc = exec_ok(conn, "BEGIN", err, err_len, what);
        if (rc == 0)
            rc = exec_ok(conn, mg->sql, err, err_len, what);
        if (rc == 0) {
            snprintf(record, sizeof record,
                     "INSERT INTO staffd.schema_migrations (version, name) VALUES (%d, '%s')",
                     mg->version, mg->name);
            rc = exec_ok(conn, record, err, err_len, what);
        }
        if (rc == 0)
            rc = exec_ok(conn, "COMMIT", err, err_len, what);
        if (rc != 0) {
            char ignore[256];
            exec_ok(conn, "ROLLBACK", ignore, sizeof ignore, "");
        } else {
            (*applied)++;
        }
    }
    char ignore[256];
    exec_ok(conn, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", ignore, sizeof ignore, "");
    free(done);
    return rc;
}

int migrate_run(const char *conninfo, int apply, int *count, char *err, size_t err_len)
{
    int rc;
    PGconn *conn = PQconnectdb(conninfo != NULL ? conninfo : "");
    if (PQstatus(conn) != CONNECTION_OK) {
        snprintf(err, err_len, "connecting to PostgreSQL: %s", PQerrorMessage(conn));
        size_t l = strlen(err);
        while (l > 0 && (err[l - 1] == '\n' || err[l - 1] == ' '))
            err[--l] = '\0';
        rc = -ECONNREFUSED;
        goto out;
    }
    rc = apply ? migrate_apply(conn, count, err, err_len)
               : migrate_pending(conn, count, err, err_len);
out:
    PQfinish(conn);
    return rc;
}
