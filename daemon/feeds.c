/* SPDX-License-Identifier: ISC */
/*
 * feeds.c — rendered calendars by agent, and tokens by hash (see
 * include/feeds.h). Both tables are sorted arrays searched by bsearch: they
 * change only when a run lands or a token is issued, and are read on every
 * request. Each shift's breaks come with it, in order, as one text column
 * ("start:end:paid,..." in Unix seconds), and are listed in its DESCRIPTION.
 * Names are cut here to the room a title has (text_printf: on a character,
 * ending in "…"); calendar.c makes the text safe.
 */
#include "feeds.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "text.h"

const char feeds_tokens_sql[] =
    "SELECT token_sha256, agent_id FROM staffd.feed_tokens WHERE revoked_at IS NULL";

/*
 * Change instants are rounded down to the second (floor): a cast to bigint
 * rounds half up, and a change at 12:00:00.6 stamped 12:00:01 may lie in the
 * future, a Last-Modified later than the response's Date. A feed changed when
 * a shift did, when its URL was issued, or when the agent was renamed (the
 * calendar's name; a queue rename changes its shifts, see 0006_feed_truth).
 * The 30 days of history are also the window 0006 bumps on a queue rename.
 */
const char feeds_shifts_sql[] =
    "SELECT a.id, a.name, s.id, q.name, extract(epoch FROM s.starts)::bigint,"
    " extract(epoch FROM s.ends)::bigint, s.status = 'cancelled', s.sequence,"
    " floor(extract(epoch FROM s.updated_at))::bigint,"
    " floor(extract(epoch FROM greatest(a.name_changed_at,"
    "   (SELECT max(t.issued_at) FROM staffd.feed_tokens t WHERE t.agent_id = a.id))))::bigint,"
    " (SELECT string_agg(extract(epoch FROM b.starts)::bigint || ':'"
    "   || extract(epoch FROM b.ends)::bigint || ':' || b.paid::int, ',' ORDER BY b.starts)"
    "   FROM staffd.shift_breaks b WHERE b.shift_id = s.id)"
    " FROM staffd.agents a"
    " LEFT JOIN staffd.shifts s ON s.agent_id = a.id"
    "  AND s.ends > coalesce(to_timestamp($3::bigint), now()) - interval '30 days'"
    "  AND (s.status = 'scheduled'"
    "   OR s.starts > coalesce(to_timestamp($3::bigint), now()) - $2::int * interval '1 day')"
    " LEFT JOIN staffd.queues q ON q.id = s.queue_id"
    " WHERE EXISTS (SELECT 1 FROM staffd.feed_tokens t WHERE t.agent_id = a.id"
    "   AND t.revoked_at IS NULL)"
    "  AND ($1::bigint[] IS NULL OR a.id = ANY ($1::bigint[]))"
    " ORDER BY a.id, s.starts, s.id";

struct feed_entry {
    int64_t agent_id;
    char *body;
    size_t len;
    char etag[40];
    sd_time last_modified;
};

struct token_entry {
    unsigned char hash[32];
    int64_t agent_id;
};

struct feeds {
    struct feed_entry *feeds;
    int n_feeds;
    struct token_entry *tokens;
    int n_tokens;
    bool tokens_loaded; /* the tokens have been read once: an unknown one is unknown */
    bool rendered;      /* a full render is installed: every live token's feed is here */
};

struct feeds_batch {
    struct feed_entry *v;
    int n;
};

int feeds_new(struct feeds **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : -ENOMEM;
}

static void entries_free(struct feed_entry *v, int n)
{
    for (int i = 0; i < n; i++)
        free(v[i].body);
    free(v);
}

void feeds_free(struct feeds *f)
{
    if (f == NULL)
        return;
    entries_free(f->feeds, f->n_feeds);
    free(f->tokens);
    free(f);
}

void feeds_batch_free(struct feeds_batch *b)
{
    if (b == NULL)
        return;
    entries_free(b->v, b->n);
    free(b);
}

void feeds_hash_token(const char *token, size_t len, unsigned char out[32])
{
    unsigned int n = 32;
    EVP_Digest(token, len, out, &n, EVP_sha256(), NULL);
}

static int cmp_token(const void *a, const void *b)
{
    return memcmp(((const struct token_entry *)a)->hash, ((const struct token_entry *)b)->hash, 32);
}

static int cmp_feed(const void *a, const void *b)
{
    int64_t x = ((const struct feed_entry *)a)->agent_id,
            y = ((const struct feed_entry *)b)->agent_id;
    return x < y ? -1 : x > y;
}

int feeds_set_tokens(struct feeds *f, const PGresult *r)
{
    int n = PQntuples(r);
    struct token_entry *t = calloc((size_t)(n ? n : 1), sizeof *t);
    if (t == NULL)
        return -ENOMEM;
    int k = 0;
    for (int i = 0; i < n; i++) {
        size_t blen = 0;
        unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, i, 0), &blen);
        if (raw != NULL && blen == 32) {
            memcpy(t[k].hash, raw, 32);
            t[k].agent_id = strtoll(PQgetvalue(r, i, 1), NULL, 10);
            k++;
        }
        PQfreemem(raw);
    }
    qsort(t, (size_t)k, sizeof *t, cmp_token);
    free(f->tokens);
    f->tokens = t;
    f->n_tokens = k;
    f->tokens_loaded = true;
    return 0;
}

static void etag_of(const char *body, size_t len, char out[40])
{
    unsigned char h[32];
    unsigned int n = 32;
    EVP_Digest(body, len, h, &n, EVP_sha256(), NULL);
    out[0] = '"';
    for (int i = 0; i < 16; i++)
        snprintf(out + 1 + 2 * i, 3, "%02x", h[i]);
    out[33] = '"';
    out[34] = '\0';
}

/*
 * Parses a breaks column ("start:end:paid,...") into br[0..max); keeps only
 * breaks inside [start, end), so that a stray row cannot make the feed fail.
 */
static int parse_breaks(const char *text, sd_time start, sd_time end, struct cal_break *br, int max)
{
    int n = 0;
    const char *p = text;
    while (*p && n < max) {
        char *q;
        long long bs = strtoll(p, &q, 10);
        if (*q != ':')
            break;
        long long be = strtoll(q + 1, &q, 10);
        if (*q != ':')
            break;
        long paid = strtol(q + 1, &q, 10);
        if (bs >= start && be <= end && be > bs)
            br[n++] = (struct cal_break){.start = bs, .end = be, .paid = paid != 0};
        if (*q != ',')
            break;
        p = q + 1;
    }
    return n;
}

/*
 * The calendar's name, "<agent>: shifts". A name too long for the buffer is cut
 * on a character and ends in "…", and the suffix always follows it.
 */
static void feed_name(char *buf, size_t size, const char *agent)
{
    static const char suffix[] = ": shifts";
    text_printf(buf, size - (sizeof suffix - 1), "%s", agent);
    size_t len = strlen(buf);
    memcpy(buf + len, suffix, sizeof suffix); /* len <= size - sizeof suffix */
}

/* Renders rows [from, to) of one agent. */
static int render_agent(const PGresult *r, int from, int to, struct feed_entry *e)
{
    int n = 0, rc;
    struct cal_event *ev = calloc((size_t)(to - from), sizeof *ev);
    char(*summary)[160] = calloc((size_t)(to - from), sizeof *summary);
    struct cal_break *breaks = NULL;
    int n_breaks = 0, used = 0;
    char name[256];
    if (ev == NULL || summary == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    /* One allocation for every break of the agent: count the fields first. */
    for (int i = from; i < to; i++) {
        if (PQgetisnull(r, i, 10))
            continue;
        n_breaks++;
        for (const char *p = PQgetvalue(r, i, 10); *p; p++)
            n_breaks += *p == ',';
    }
    if (n_breaks > 0 && (breaks = calloc((size_t)n_breaks, sizeof *breaks)) == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    e->agent_id = strtoll(PQgetvalue(r, from, 0), NULL, 10);
    e->last_modified = PQgetisnull(r, from, 9) ? 0 : strtoll(PQgetvalue(r, from, 9), NULL, 10);
    for (int i = from; i < to; i++) {
        if (PQgetisnull(r, i, 2))
            continue; /* an agent with a feed but no shifts yet */
        struct cal_event *c = &ev[n];
        text_printf(summary[n], sizeof summary[n], "Shift: %s", PQgetvalue(r, i, 3));
        c->uid = PQgetvalue(r, i, 2);
        c->start = strtoll(PQgetvalue(r, i, 4), NULL, 10);
        c->end = strtoll(PQgetvalue(r, i, 5), NULL, 10);
        c->cancelled = PQgetvalue(r, i, 6)[0] == 't';
        c->sequence = atoi(PQgetvalue(r, i, 7));
        c->last_modified = strtoll(PQgetvalue(r, i, 8), NULL, 10);
        c->summary = summary[n];
        if (!PQgetisnull(r, i, 10) && !c->cancelled) {
            c->breaks = &breaks[used];
            c->n_breaks = parse_breaks(PQgetvalue(r, i, 10), c->start, c->end, &breaks[used],
                                       n_breaks - used);
            used += c->n_breaks;
        }
        if (c->last_modified > e->last_modified)
            e->last_modified = c->last_modified;
        n++;
    }
    feed_name(name, sizeof name, PQgetvalue(r, from, 1));
    struct cal_feed feed = {.name = name, .n_events = n, .events = ev};
    rc = calendar_render(&feed, &e->body, &e->len);
    if (rc == 0)
        etag_of(e->body, e->len, e->etag);
out:
    free(ev);
    free(summary);
    free(breaks);
    return rc;
}

int feeds_render(const PGresult *r, struct feeds_batch **out)
{
    int rows = PQntuples(r), rc = 0;
    struct feeds_batch *b = calloc(1, sizeof *b);
    if (b == NULL)
        return -ENOMEM;
    b->v = calloc((size_t)(rows ? rows : 1), sizeof *b->v);
    if (b->v == NULL) {
        rc = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < rows;) {
        int j = i;
        while (j < rows && strcmp(PQgetvalue(r, j, 0), PQgetvalue(r, i, 0)) == 0)
            j++;
        rc = render_agent(r, i, j, &b->v[b->n]);
        if (rc < 0)
            goto out;
        b->n++;
        i = j;
    }
out:
    if (rc < 0) {
        feeds_batch_free(b);
        b = NULL;
    }
    *out = b;
    return rc;
}

int feeds_install(struct feeds *f, struct feeds_batch *b, int full)
{
    int changed = 0;
    qsort(b->v, (size_t)b->n, sizeof *b->v, cmp_feed);
    /* Merge the sorted cache with the sorted batch. */
    struct feed_entry *m = calloc((size_t)(f->n_feeds + b->n + 1), sizeof *m);
    if (m == NULL) {
        feeds_batch_free(b);
        return -ENOMEM;
    }
    int i = 0, j = 0, k = 0;
    while (i < f->n_feeds || j < b->n) {
        if (j >= b->n || (i < f->n_feeds && f->feeds[i].agent_id < b->v[j].agent_id)) {
            if (full) {
                free(f->feeds[i].body);
                changed++;
            } else {
                m[k++] = f->feeds[i];
            }
            i++;
        } else if (i >= f->n_feeds || b->v[j].agent_id < f->feeds[i].agent_id) {
            m[k++] = b->v[j++];
            changed++;
        } else {
            if (f->feeds[i].len != b->v[j].len ||
                memcmp(f->feeds[i].body, b->v[j].body, b->v[j].len) != 0)
                changed++;
            free(f->feeds[i++].body);
            m[k++] = b->v[j++];
        }
    }
    free(f->feeds);
    f->feeds = m;
    f->n_feeds = k;
    f->rendered |= full != 0;
    free(b->v);
    free(b);
    return changed;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int feeds_revoke(struct feeds *f, const char *hex)
{
    struct token_entry key;
    if (hex == NULL || strlen(hex) != 64)
        return -EINVAL;
    for (int i = 0; i < 32; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -EINVAL;
        key.hash[i] = (unsigned char)(hi << 4 | lo);
    }
    struct token_entry *t =
        bsearch(&key, f->tokens, (size_t)f->n_tokens, sizeof *f->tokens, cmp_token);
    if (t == NULL)
        return -ENOENT;
    size_t at = (size_t)(t - f->tokens);
    memmove(t, t + 1, ((size_t)f->n_tokens - at - 1) * sizeof *t);
    f->n_tokens--;
    return 0;
}

int feeds_lookup(const struct feeds *f, const char *token, size_t len, struct feeds_rendered *out)
{
    struct token_entry key;
    feeds_hash_token(token, len, key.hash);
    /*
     * Until the first token load and the first render the arrays are NULL, and
     * bsearch's array must never be NULL, even with no elements (the chaos run
     * found it: a request to a daemon just started, or started while
     * PostgreSQL was away, stopped the sanitizer build). Empty is not searched.
     *
     * Nor can a daemon that has not read the tokens yet say that a token does
     * not exist, or one whose feed is not rendered yet that there is no feed:
     * -EAGAIN (503, come back) rather than -ENOENT (404, which tells a
     * calendar the subscription is gone; the chaos run saw it after restarts).
     */
    if (!f->tokens_loaded)
        return -EAGAIN;
    const struct token_entry *t = NULL;
    if (f->n_tokens > 0)
        t = bsearch(&key, f->tokens, (size_t)f->n_tokens, sizeof *f->tokens, cmp_token);
    if (t == NULL)
        return -ENOENT;
    struct feed_entry fk = {.agent_id = t->agent_id};
    const struct feed_entry *e = NULL;
    if (f->n_feeds > 0)
        e = bsearch(&fk, f->feeds, (size_t)f->n_feeds, sizeof *f->feeds, cmp_feed);
    if (e == NULL)
        return -EAGAIN;
    out->body = e->body;
    out->len = e->len;
    out->etag = e->etag;
    out->last_modified = e->last_modified;
    return 0;
}

bool feeds_ready(const struct feeds *f)
{
    return f->tokens_loaded && f->rendered;
}

int feeds_count(const struct feeds *f)
{
    return f->n_feeds;
}

int feeds_token_count(const struct feeds *f)
{
    return f->n_tokens;
}
