/* SPDX-License-Identifier: ISC */
/*
 * feeds.h — the in-memory cache of every agent's rendered calendar.
 *
 * The loop thread owns the cache: it installs token tables and rendered
 * feeds, and answers lookups for the HTTP server. Rendering (calendar.c) runs
 * on a worker thread from a PGresult of feeds_shifts_sql: feeds_render()
 * touches nothing shared. Tokens are known only by their SHA-256, like in
 * the database; a lookup hashes the presented token and searches the table,
 * the same work for a hit and a miss.
 *
 * Use:
 *   db_exec(feeds_tokens_sql)       -> feeds_set_tokens(cache, result)
 *   db_exec(feeds_shifts_sql, ids)  -> worker: feeds_render(result, &batch)
 *                                   -> loop:   feeds_install(cache, batch)
 *   http: feeds_lookup(cache, token, len, &feed)   // daemon.c hands it to http.c
 *   a revocation notification: feeds_revoke(cache, hex_sha256)
 */
#ifndef STAFFD_FEEDS_H
#define STAFFD_FEEDS_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct feeds;
struct feeds_batch;

/* One agent's rendered feed, as the cache holds it: valid until the cache next changes. */
struct feeds_rendered {
    const char *body;
    size_t len;
    const char *etag;      /* strong ETag including quotes */
    int64_t last_modified; /* Unix seconds */
};

extern const char feeds_tokens_sql[];
/*
 * $1: bigint[] of agent ids, or NULL for every agent with a live token; $2: grace
 * days; $3: the clock (Unix seconds) when the configuration fixes one, else NULL.
 */
extern const char feeds_shifts_sql[];

int feeds_new(struct feeds **out) STAFFD_MUSTCHECK;
void feeds_free(struct feeds *f);

/* Replaces the token table from a feeds_tokens_sql result. 0, -EINVAL or -ENOMEM. */
int feeds_set_tokens(struct feeds *f, const PGresult *r) STAFFD_MUSTCHECK;
/* Renders every agent in a feeds_shifts_sql result. Thread-safe. 0 or -errno. */
int feeds_render(const PGresult *r, struct feeds_batch **out) STAFFD_MUSTCHECK;
/*
 * Installs a batch (taking ownership). With `full`, agents absent from the
 * batch are dropped from the cache. Returns how many feeds changed bytes, or
 * -ENOMEM with the cache as it was (the batch is freed either way).
 */
int feeds_install(struct feeds *f, struct feeds_batch *b, int full) STAFFD_MUSTCHECK;
void feeds_batch_free(struct feeds_batch *b);

/*
 * Forgets the token whose SHA-256 is `hex` (64 hex digits, as the revocation
 * notification carries it), so that its URL answers 404 from now on, before
 * the token table is read again. 0, -ENOENT when no live token has that hash,
 * -EINVAL when hex is not a SHA-256.
 */
int feeds_revoke(struct feeds *f, const char *hex) STAFFD_MUSTCHECK;

/*
 * 0 and *out; -ENOENT: no live token; -EAGAIN: the tokens were never loaded,
 * or the token's feed is not rendered yet (a daemon that has just started).
 */
int feeds_lookup(const struct feeds *f, const char *token, size_t len,
                 struct feeds_rendered *out) STAFFD_MUSTCHECK;
/*
 * The tokens have been read and a full render installed since the start:
 * from then on a lookup answers -EAGAIN only for a feed rendered since.
 */
bool feeds_ready(const struct feeds *f);
int feeds_count(const struct feeds *f);
int feeds_token_count(const struct feeds *f);

/* The SHA-256 of a token, as the database stores it. */
void feeds_hash_token(const char *token, size_t len, unsigned char out[32]);

#endif
