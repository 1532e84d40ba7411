/* SPDX-License-Identifier: ISC */
/*
 * console.c — the planners' console: sign-in and sessions, CSRF, the
 * sign-in rate limit, and the what-if and hire actions (see
 * include/console.h; what a request's path, query, cookies and form say is
 * read by console_parse.c, the SQL is in console_data.c, the escaping in
 * template.c).
 *
 * A request is a small state machine on the loop thread: parsed and checked
 * (method, route, parameters, peer) -> its session read -> its statements
 * sent back to back on the console's connection -> rendered and answered
 * from the last statement's callback. Every path ends in exactly one
 * http_reply() and one creq_free(). Security, in order of the checks:
 *  - loopback peers only unless console_allow_remote;
 *  - every page but the sign-in form and the stylesheet needs a session: a
 *    cookie of 256 random bits (HttpOnly, SameSite=Strict, Secure with
 *    console_secure_cookie, Max-Age), known to the database only as its
 *    SHA-256, and dead as soon as its sign-in link is revoked or replaced;
 *  - every POST carries a CSRF token derived from the session's secret
 *    (SHA-256 of a label and the cookie's value), compared in constant time;
 *    the sign-in form, which has no session yet, uses a cookie of its own
 *    (double submit);
 *  - sign-in attempts are rate-limited per peer and in all (429);
 *  - hiring is re-checked by the database in the same statement
 *    (staffd.console_hire), so a link revoked a moment before cannot hire;
 *  - pages carry a Content-Security-Policy without script or inline style.
 */
#include "console.h"

#include <errno.h>
#include <inttypes.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_data.h"
#include "console_parse.h"
#include "db.h"
#include "load.h"
#include "log.h"
#include "plan.h"
#include "recruit.h"
#include "template.h"
#include "text.h"

extern const struct embedded_file console_files[];
extern const int console_files_count;

#define SESSION_COOKIE CONSOLE_SESSION_COOKIE
#define SIGNIN_COOKIE  CONSOLE_SIGNIN_COOKIE
#define MAX_WHAT_IF    CONSOLE_MAX_WHAT_IF
#define PEER_BUCKETS   128
#define HTML_TYPE      "text/html; charset=utf-8"
#define CSP                                                                                        \
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "                   \
    "frame-ancestors 'none'; base-uri 'none'"

struct bucket {
    char peer[48];
    double tokens;
    uint64_t at_ms;
};

struct console {
    uv_loop_t *loop;
    struct db *db;
    struct tpl_set *templates;
    struct console_config cfg;
    const atomic_bool *cancel;
    bool stopping, db_closed;
    int jobs; /* what-if jobs on the pool (at most one) */
    struct bucket peers[PEER_BUCKETS];
    struct bucket all;
    void (*on_closed)(void *arg);
    void *on_closed_arg;
};

struct creq {
    struct console *c;
    struct http_request *http;
    enum console_route route;
    enum console_page page;
    enum console_csv csv;
    struct console_args args;
    char token[CONSOLE_COOKIE_BUF]; /* the session cookie's value (kept for the CSRF check) */
    char session_hex[65];           /* its SHA-256 */
    char user[256], role[16];
    struct console_form form; /* a POST's */
    char peer[48];
    int64_t hired; /* ?hired=ID: a hire just made, to say so */
    /* Every site, and the one the request is about (console_site_pick). */
    PGresult *sites;
    struct console_site site;
    /* The page's statements. */
    PGresult *res[CONSOLE_MAX_QUERIES];
    int expected, received;
    bool failed;
    char error[512];
};

static void creq_free(struct creq *q)
{
    PQclear(q->sites);
    for (int i = 0; i < CONSOLE_MAX_QUERIES; i++)
        PQclear(q->res[i]);
    free(q);
}

/* ---- small helpers ---- */

static void sha256_hex(const char *s, size_t len, char out[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)s, len, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* 256 random bits, base64url without padding (43 characters). */
static int random_token(char out[64])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char b[33];
    if (RAND_bytes(b, 32) != 1)
        return -EIO;
    b[32] = 0;
    int o = 0;
    for (int i = 0; i < 33; i += 3) {
        unsigned v = (unsigned)b[i] << 16 | (unsigned)(i + 1 < 33 ? b[i + 1] : 0) << 8 |
                     (unsigned)(i + 2 < 33 ? b[i + 2] : 0);
        for (int k = 3; k >= 0 && o < 43; k--)
            out[o++] = alphabet[(v >> (6 * k)) & 63];
    }
    out[43] = '\0';
    return 0;
}

/* The CSRF token of a session: SHA-256 of a label and the session's secret. */
static void csrf_of(const char *session_token, char out[65])
{
    char buf[128];
    int n = snprintf(buf, sizeof buf, "staffd console csrf:%s", session_token);
    sha256_hex(buf, (size_t)n, out);
}

/* ---- rate limit ---- */

static bool bucket_take(struct bucket *b, uint64_t now, double per_minute)
{
    if (b->at_ms == 0) {
        b->tokens = per_minute;
    } else {
        b->tokens += (double)(now - b->at_ms) * per_minute / 60000.0;
        if (b->tokens > per_minute)
            b->tokens = per_minute;
    }
    b->at_ms = now;
    if (b->tokens < 1)
        return false;
    b->tokens -= 1;
    return true;
}

/* Whether a sign-in attempt from `peer` may go on; the least recently seen peer gives way. */
static bool signin_allowed(struct console *c, const char *peer)
{
    uint64_t now = uv_now(c->loop) + 1; /* 0 marks an unused bucket */
    struct bucket *b = NULL, *oldest = &c->peers[0];
    for (int i = 0; i < PEER_BUCKETS; i++) {
        if (c->peers[i].at_ms != 0 && strcmp(c->peers[i].peer, peer) == 0) {
            b = &c->peers[i];
            break;
        }
        if (c->peers[i].at_ms < oldest->at_ms)
            oldest = &c->peers[i];
    }
    if (b == NULL) {
        b = oldest;
        memset(b, 0, sizeof *b);
        snprintf(b->peer, sizeof b->peer, "%s", peer);
    }
    bool ok = bucket_take(b, now, CONSOLE_SIGNIN_PER_PEER_PER_MINUTE);
    /* The global bucket is charged only for attempts a peer was allowed. */
    return ok && bucket_take(&c->all, now, CONSOLE_SIGNIN_PER_MINUTE);
}

/* ---- replies ---- */

static void reply_raw(struct creq *q, int status, const char *type, const char *body, size_t len,
                      const char *const *headers)
{
    struct http_reply rep = {
        .status = status, .content_type = type, .headers = headers, .body = body, .len = len};
    http_reply(q->http, &rep);
    q->http = NULL;
    creq_free(q);
}

/* Headers of every HTML page, with up to 4 more pairs (a cookie, a Retry-After ...). */
static void reply_html(struct creq *q, int status, const char *html, size_t len,
                       const char *const *more)
{
    const char *h[20] = {"content-security-policy",    CSP,          "x-frame-options", "DENY",
                         "cross-origin-opener-policy", "same-origin"};
    int n = 6;
    for (int i = 0; more != NULL && more[i] != NULL && n < 18; i += 2) {
        h[n++] = more[i];
        h[n++] = more[i + 1];
    }
    h[n] = NULL;
    reply_raw(q, status, HTML_TYPE, html, len, h);
}

/*
 * Where the site selector leads: the same page for the other site. An agent
 * belongs to one site, so from an agent's page it leads to the schedule; from
 * an action's answer, to the hiring page.
 */
static const char *site_action(const struct creq *q)
{
    static const char *const paths[] = {
        [CP_OVERVIEW] = "/console/",         [CP_COVERAGE] = "/console/coverage",
        [CP_SCHEDULE] = "/console/schedule", [CP_AGENT] = "/console/schedule",
        [CP_FAIRNESS] = "/console/fairness", [CP_HIRING] = "/console/hiring",
    };
    switch (q->route) {
    case CR_PAGE:
        return paths[q->page];
    case CR_HIRE:
    case CR_WHAT_IF:
        return "/console/hiring";
    default:
        return "/console/";
    }
}

/* Values every page's layout uses. */
static void page_common(struct creq *q, struct tpl_obj *page, const char *title, const char *nav)
{
    tpl_set(page, "title", title);
    tpl_flag(page, nav, true);
    if (q->user[0] != '\0') {
        char csrf[65];
        csrf_of(q->token, csrf);
        tpl_set(page, "user", q->user);
        tpl_set(page, "role", q->role);
        tpl_set(page, "csrf", csrf);
        tpl_flag(page, "planner", strcmp(q->role, "planner") == 0);
    }
    /* Once the site is known, every link and form carries it, and the selector shows it. */
    if (q->sites != NULL) {
        console_site_shape(q->sites, &q->site, page);
        tpl_set(page, "site_action", site_action(q));
    }
}

static void render_and_reply(struct creq *q, int status, const char *tpl, struct tpl_obj *page,
                             const char *const *more)
{
    size_t len = 0;
    char *html = tpl_render(q->c->templates, tpl, page, &len);
    tpl_arena_free(tpl_obj_arena(page));
    if (html == NULL) {
        log_err("console: rendering %s failed (out of memory?)", tpl);
        reply_raw(q, 500, "text/plain; charset=utf-8", "Internal Server Error\n", 22, NULL);
        return;
    }
    reply_html(q, status, html, len, more);
    free(html);
}

/* A page that only says something: errors, refusals, "signed out". */
static void reply_message(struct creq *q, int status, const char *title, const char *message,
                          const char *const *more)
{
    struct tpl_arena *a = tpl_arena_new();
    struct tpl_obj *page = a != NULL ? tpl_obj_new(a) : NULL;
    if (page == NULL) {
        tpl_arena_free(a);
        reply_raw(q, 503, "text/plain; charset=utf-8", "Service Unavailable\n", 20, NULL);
        return;
    }
    page_common(q, page, title, "nav_none");
    tpl_set(page, "message", message);
    tpl_flag(page, "signin_hint", status == 401);
    render_and_reply(q, status, "message", page, more);
}

static void reply_signin_required(struct creq *q)
{
    char cookie[160];
    /* A cookie that no longer opens anything is cleared, so the browser stops sending it. */
    snprintf(cookie, sizeof cookie,
             SESSION_COOKIE "=; Path=/console; Max-Age=0; HttpOnly; "
                            "SameSite=Strict");
    const char *more[] = {"set-cookie", cookie, NULL};
    q->user[0] = '\0';
    reply_message(q, 401, "Sign-in required",
                  "This page needs a signed-in session. Open the sign-in link you were given; "
                  "if it no longer works, ask for a new one.",
                  q->token[0] != '\0' ? more : NULL);
}

static void reply_db_error(struct creq *q, const char *what, const char *error)
{
    log_warn("console: %s: %s", what, error != NULL ? error : "?");
    const char *more[] = {"retry-after", "5", NULL};
    reply_message(q, 503, "Database unavailable",
                  "The database did not answer this page; try again in a moment.", more);
}

/* ---- pages ---- */

static const char *const page_templates[] = {
    [CP_OVERVIEW] = "overview", [CP_COVERAGE] = "coverage", [CP_SCHEDULE] = "schedule",
    [CP_AGENT] = "agent",       [CP_FAIRNESS] = "fairness", [CP_HIRING] = "hiring",
};
static const char *const page_titles[] = {
    [CP_OVERVIEW] = "Overview", [CP_COVERAGE] = "Coverage", [CP_SCHEDULE] = "Schedule",
    [CP_AGENT] = "Agent",       [CP_FAIRNESS] = "Fairness", [CP_HIRING] = "Hiring",
};
static const char *const page_navs[] = {
    [CP_OVERVIEW] = "nav_overview", [CP_COVERAGE] = "nav_coverage", [CP_SCHEDULE] = "nav_schedule",
    [CP_AGENT] = "nav_schedule",    [CP_FAIRNESS] = "nav_fairness", [CP_HIRING] = "nav_hiring",
};

static void page_render(struct creq *q)
{
    struct tpl_arena *a = tpl_arena_new();
    struct tpl_obj *page = a != NULL ? tpl_obj_new(a) : NULL;
    if (page == NULL) {
        tpl_arena_free(a);
        reply_message(q, 503, "Busy", "The server is short of memory; try again.", NULL);
        return;
    }
    int rc = console_data_shape(q->page, &q->args, q->res, q->received, page);
    if (rc == -ENOENT) {
        char msg[700];
        text_printf(msg, sizeof msg, "There is no %s with that id at site %s.",
                    q->page == CP_AGENT ? "agent" : "queue", q->site.name);
        tpl_arena_free(a);
        reply_message(q, 404, "Not found", msg, NULL);
        return;
    }
    if (rc < 0) {
        tpl_arena_free(a);
        log_err("console: shaping %s failed: %s", page_templates[q->page], strerror(-rc));
        reply_message(q, 500, "Internal error", "This page could not be built.", NULL);
        return;
    }
    page_common(q, page, page_titles[q->page], page_navs[q->page]);
    /* The filters as they were asked, for the forms and links that keep them. */
    struct tpl_obj *f = tpl_child(page, "filter");
    if (q->args.queue > 0)
        tpl_setf(f, "queue", "%" PRId64, q->args.queue);
    if (q->args.contract > 0)
        tpl_setf(f, "contract", "%" PRId64, q->args.contract);
    tpl_set(f, "tz", q->args.tz);
    /* A zone such as Etc/GMT+1 in a link: '+' would read as a space. */
    char tz_q[3 * sizeof q->args.tz], *o = tz_q;
    for (const char *p = q->args.tz; *p != '\0'; p++)
        o += *p == '+' ? sprintf(o, "%%2B") : sprintf(o, "%c", *p);
    *o = '\0';
    tpl_set(f, "tz_q", tz_q);
    tpl_flag(f, "working", q->args.working);
    if (q->hired > 0)
        tpl_setf(page, "hired", "%" PRId64, q->hired);
    render_and_reply(q, 200, page_templates[q->page], page, NULL);
}

static void page_result(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct creq *q = arg;
    int k = q->received++;
    if (status < 0 || n != 1) {
        if (!q->failed)
            text_printf(q->error, sizeof q->error, "%s", error != NULL ? error : "no result");
        q->failed = true;
    } else if (k < CONSOLE_MAX_QUERIES) {
        q->res[k] = res[0];
        res[0] = NULL;
    }
    if (q->received < q->expected)
        return;
    if (q->failed || q->c->stopping) {
        reply_db_error(q, page_templates[q->page], q->error);
        return;
    }
    page_render(q);
}

static void page_start(struct creq *q)
{
    struct console_query qs[CONSOLE_MAX_QUERIES];
    int n = console_data_queries(q->page, &q->args, qs);
    q->expected = n;
    for (int i = 0; i < n; i++) {
        if (db_exec(q->c->db, qs[i].sql, qs[i].nparams, qs[i].params, page_result, q) < 0) {
            /* The earlier statements' callbacks still come and finish the request. */
            q->expected = i;
            q->failed = true;
            text_printf(q->error, sizeof q->error, "the database connection went away");
            if (i == 0)
                reply_db_error(q, page_templates[q->page], q->error);
            return;
        }
    }
}

/* ---- CSV ---- */

static void csv_result(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct creq *q = arg;
    if (status < 0 || n != 1) {
        reply_db_error(q, console_csv_names[q->csv], error);
        return;
    }
    size_t len = 0;
    char *body = console_csv_render(res[0], &len);
    if (body == NULL) {
        reply_message(q, 503, "Busy", "The server is short of memory; try again.", NULL);
        return;
    }
    char disposition[96];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s.csv\"",
             console_csv_names[q->csv]);
    const char *h[] = {"content-disposition", disposition, NULL};
    reply_raw(q, 200, "text/csv; charset=utf-8; header=present", body, len, h);
    free(body);
}

static void csv_start(struct creq *q)
{
    struct console_query cq;
    console_csv_query(q->csv, &q->args, &cq);
    if (db_exec(q->c->db, cq.sql, cq.nparams, cq.params, csv_result, q) < 0)
        reply_db_error(q, console_csv_names[q->csv], "not connected");
}

/* ---- sign-in and sign-out ---- */

static void reply_signin_form(struct creq *q, const char *token)
{
    char pre[64], cookie[200];
    if (random_token(pre) < 0) {
        reply_message(q, 503, "Busy", "No random numbers to be had; try again.", NULL);
        return;
    }
    snprintf(cookie, sizeof cookie,
             SIGNIN_COOKIE "=%s; Path=/console; Max-Age=900; HttpOnly; SameSite=Strict%s", pre,
             q->c->cfg.secure_cookie ? "; Secure" : "");
    struct tpl_arena *a = tpl_arena_new();
    struct tpl_obj *page = a != NULL ? tpl_obj_new(a) : NULL;
    if (page == NULL) {
        tpl_arena_free(a);
        reply_message(q, 503, "Busy", "The server is short of memory; try again.", NULL);
        return;
    }
    page_common(q, page, "Sign in", "nav_none");
    tpl_set(page, "token", token);
    tpl_set(page, "signin_csrf", pre);
    const char *more[] = {"set-cookie", cookie, NULL};
    render_and_reply(q, 200, "signin", page, more);
}

static void signed_in(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct creq *q = arg;
    if (status < 0 || n != 1) {
        reply_db_error(q, "sign-in", error);
        return;
    }
    if (PQntuples(res[0]) != 1) {
        log_notice("console: a sign-in with an unknown, revoked or expired link from %s", q->peer);
        reply_message(q, 403, "Sign-in link not valid",
                      "This sign-in link is not valid: it was revoked, replaced by a newer one, "
                      "has expired, or was mistyped. Ask for a new one.",
                      NULL);
        return;
    }
    log_info("console: %s signed in as %s from %s", PQgetvalue(res[0], 0, 0),
             PQgetvalue(res[0], 0, 1), q->peer);
    char cookie[256], clear[128];
    snprintf(cookie, sizeof cookie,
             SESSION_COOKIE "=%s; Path=/console; Max-Age=%d; HttpOnly; SameSite=Strict%s", q->token,
             q->c->cfg.session_hours * 3600, q->c->cfg.secure_cookie ? "; Secure" : "");
    snprintf(clear, sizeof clear,
             SIGNIN_COOKIE "=; Path=/console; Max-Age=0; HttpOnly; "
                           "SameSite=Strict");
    /* Two Set-Cookie headers: h2o sends each pair as its own header line. */
    const char *h[] = {"set-cookie", cookie, "set-cookie", clear, "location", "/console/", NULL};
    reply_raw(q, 303, NULL, NULL, 0, h);
}

static void signin_start(struct creq *q, const char *cookie_header)
{
    char pre[64], link_hex[65];
    console_cookie_value(cookie_header, SIGNIN_COOKIE, pre, sizeof pre);
    if (!signin_allowed(q->c, q->peer)) {
        log_warn("console: sign-in attempts from %s over the limit", q->peer);
        const char *more[] = {"retry-after", "60", NULL};
        reply_message(q, 429, "Too many sign-in attempts",
                      "Too many sign-in attempts from here; wait a minute and try again.", more);
        return;
    }
    if (!console_secret_equal(pre, q->form.csrf)) {
        reply_message(q, 403, "Sign-in refused",
                      "The sign-in form has expired or did not come from this site. Open your "
                      "sign-in link again.",
                      NULL);
        return;
    }
    if (!console_token_valid(q->form.token, 20, 90)) {
        reply_message(q, 403, "Sign-in link not valid",
                      "This sign-in link is not valid. Ask for a new one.", NULL);
        return;
    }
    if (random_token(q->token) < 0) {
        reply_message(q, 503, "Busy", "No random numbers to be had; try again.", NULL);
        return;
    }
    sha256_hex(q->form.token, strlen(q->form.token), link_hex);
    sha256_hex(q->token, strlen(q->token), q->session_hex);
    char hours[16];
    snprintf(hours, sizeof hours, "%d", q->c->cfg.session_hours);
    const char *params[4] = {link_hex, q->session_hex, hours, q->peer};
    if (db_exec(q->c->db,
                "SELECT user_name, role FROM staffd.console_sign_in(decode($1, 'hex'),"
                " decode($2, 'hex'), $3::int, $4)",
                4, params, signed_in, q) < 0)
        reply_db_error(q, "sign-in", "not connected");
}

static void signed_out(void *arg, int status, PGresult **res, int n, const char *error)
{
    (void)res;
    (void)n;
    struct creq *q = arg;
    if (status < 0) {
        reply_db_error(q, "sign-out", error);
        return;
    }
    char clear[128];
    snprintf(clear, sizeof clear,
             SESSION_COOKIE "=; Path=/console; Max-Age=0; HttpOnly; "
                            "SameSite=Strict");
    const char *more[] = {"set-cookie", clear, NULL};
    log_info("console: %s signed out", q->user);
    q->user[0] = '\0';
    reply_message(q, 200, "Signed out",
                  "You are signed out. Your sign-in link still works until it is revoked or "
                  "expires.",
                  more);
}

/* ---- hire ---- */

static void hired(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct creq *q = arg;
    if (status < 0 || n != 1 || PQntuples(res[0]) != 1) {
        /* PostgreSQL's words: already hired, no such contract, not a planner ... */
        /* PostgreSQL's primary message only: no "ERROR:" prefix, no CONTEXT lines. */
        const char *e = error != NULL ? error : "no result";
        if (strncmp(e, "ERROR:", 6) == 0)
            e += 6;
        e += strspn(e, " ");
        char msg[600];
        text_printf(msg, sizeof msg, "The hire did not happen: %.*s", (int)strcspn(e, "\n"), e);
        reply_message(q, 409, "Not hired", msg, NULL);
        return;
    }
    char location[128];
    snprintf(location, sizeof location, "/console/hiring?hired=%s&site=%" PRId64,
             PQgetvalue(res[0], 0, 0), q->site.id);
    log_info("console: %s hired candidate %" PRId64 " as agent %s", q->user, q->form.candidates[0],
             PQgetvalue(res[0], 0, 0));
    const char *h[] = {"location", location, NULL};
    reply_raw(q, 303, NULL, NULL, 0, h);
}

static void hire_start(struct creq *q)
{
    if (q->form.n_candidates != 1 || q->form.contract <= 0) {
        reply_message(q, 400, "Bad request", "A hire needs one candidate and one contract.", NULL);
        return;
    }
    char cand[32], contract[32], site[32];
    snprintf(cand, sizeof cand, "%" PRId64, q->form.candidates[0]);
    snprintf(contract, sizeof contract, "%" PRId64, q->form.contract);
    snprintf(site, sizeof site, "%" PRId64, q->site.id);
    /* The database refuses an applicant or contract of another site, in the hire's statement. */
    const char *params[4] = {q->session_hex, cand, contract, site};
    if (db_exec(q->c->db, console_sql_hire, 4, params, hired, q) < 0)
        reply_db_error(q, "hire", "not connected");
}

/* ---- what-if (on the thread pool) ---- */

struct what_if_job {
    uv_work_t work;
    struct creq *q;
    PGresult **results;
    int n_results;
    struct console_config cfg;
    const atomic_bool *cancel;
    int rc;
    char err[256];
    int n_queues;
    char (*queue_names)[128];
    double (*figures)[4]; /* shortage before, after (h/week); service level before, after */
    int n_candidates;
    char (*candidate_names)[128];
    double *minutes;
};

static void what_if_job_free(struct what_if_job *j)
{
    for (int i = 0; j->results != NULL && i < j->n_results; i++)
        PQclear(j->results[i]);
    free(j->results);
    free(j->queue_names);
    free(j->figures);
    free(j->candidate_names);
    free(j->minutes);
    free(j);
}

static void what_if_work(uv_work_t *w)
{
    struct what_if_job *j = w->data;
    struct snapshot snap = {0};
    struct plan plan = {0};
    struct recruit_what_if wi = {0};
    int idx[MAX_WHAT_IF];
    j->rc =
        load_snapshot(j->results, j->n_results, j->cfg.horizon_days, &snap, j->err, sizeof j->err);
    for (int i = 0; i < j->n_results; i++)
        PQclear(j->results[i]);
    free(j->results);
    j->results = NULL;
    if (j->rc < 0)
        goto out;
    for (int i = 0; i < j->q->form.n_candidates; i++) {
        idx[i] = recruit_find_candidate(&snap, j->q->form.candidates[i]);
        if (idx[i] < 0) {
            text_printf(j->err, sizeof j->err,
                        "candidate %" PRId64 " is not an open applicant (applied, screening, "
                        "interview or offer)",
                        j->q->form.candidates[i]);
            j->rc = -ENOENT;
            goto out;
        }
    }
    /* As `staffd recruit --what-if` plans: the same seed and freeze as the daemon. */
    sd_time freeze_until = snap.now + (sd_time)j->cfg.freeze_hours * 3600;
    struct plan_params pp = {
        .seed = (uint64_t)j->cfg.seed, .cancel = j->cancel, .freeze_until = freeze_until};
    struct recruit_params rp;
    recruit_params_default(&rp);
    rp.seed = (uint64_t)j->cfg.seed;
    rp.cancel = j->cancel;
    rp.freeze_until = freeze_until;
    j->rc = plan_run(&snap, &pp, &plan);
    if (j->rc == 0)
        j->rc = recruit_what_if(&snap, &plan, idx, j->q->form.n_candidates, &rp, &wi);
    if (j->rc < 0) {
        text_printf(j->err, sizeof j->err, "planning failed: %s", strerror(-j->rc));
        goto out;
    }
    j->n_queues = wi.n_queues;
    j->n_candidates = wi.n_candidates;
    j->queue_names = calloc((size_t)wi.n_queues + 1, sizeof *j->queue_names);
    j->figures = calloc((size_t)wi.n_queues + 1, sizeof *j->figures);
    j->candidate_names = calloc((size_t)wi.n_candidates + 1, sizeof *j->candidate_names);
    j->minutes = calloc((size_t)wi.n_candidates + 1, sizeof *j->minutes);
    if (!j->queue_names || !j->figures || !j->candidate_names || !j->minutes) {
        j->rc = -ENOMEM;
        snprintf(j->err, sizeof j->err, "out of memory");
        goto out;
    }
    for (int k = 0; k < wi.n_queues; k++) {
        text_printf(j->queue_names[k], sizeof j->queue_names[k], "%s", snap.queues[k].name);
        j->figures[k][0] = wi.queues[k].shortage_before / 60;
        j->figures[k][1] = wi.queues[k].shortage_after / 60;
        j->figures[k][2] = wi.queues[k].sl_before;
        j->figures[k][3] = wi.queues[k].sl_after;
    }
    for (int k = 0; k < wi.n_candidates; k++) {
        const char *name = snap.candidates[wi.candidates[k]].name;
        text_printf(j->candidate_names[k], sizeof j->candidate_names[k], "%s",
                    name != NULL ? name : "");
        j->minutes[k] = wi.minutes_per_week[k];
    }
out:
    recruit_what_if_free(&wi);
    plan_free(&plan);
    snapshot_free(&snap);
}

static void console_maybe_closed(struct console *c);

static void sl_text(char *buf, size_t len, double sl)
{
    if (sl < 0)
        snprintf(buf, len, "–");
    else
        snprintf(buf, len, "%.1f %%", 100 * sl);
}

static void what_if_after(uv_work_t *w, int status)
{
    struct what_if_job *j = w->data;
    struct creq *q = j->q;
    struct console *c = q->c;
    c->jobs--;
    if (status == UV_ECANCELED || j->rc == -ECANCELED) {
        reply_message(q, 503, "Stopped", "The daemon is stopping; the what-if was abandoned.",
                      NULL);
    } else if (j->rc < 0) {
        char msg[400];
        text_printf(msg, sizeof msg, "The what-if could not be planned: %s", j->err);
        reply_message(q, j->rc == -ENOENT ? 409 : 500, "What-if failed", msg, NULL);
    } else if (!http_request_alive(q->http)) {
        /* Nobody waits for it any more: answer into the void, which only frees. */
        reply_raw(q, 200, NULL, NULL, 0, NULL);
    } else {
        struct tpl_arena *a = tpl_arena_new();
        struct tpl_obj *page = a != NULL ? tpl_obj_new(a) : NULL;
        if (page == NULL) {
            tpl_arena_free(a);
            reply_message(q, 503, "Busy", "The server is short of memory; try again.", NULL);
        } else {
            page_common(q, page, "What-if", "nav_hiring");
            double before = 0, after = 0;
            for (int k = 0; k < j->n_queues; k++) {
                struct tpl_obj *o = tpl_add(page, "queues");
                char b[32], af[32];
                tpl_set(o, "queue", j->queue_names[k]);
                tpl_setf(o, "short_before", "%.1f", j->figures[k][0]);
                tpl_setf(o, "short_after", "%.1f", j->figures[k][1]);
                tpl_setf(o, "short_change", "%+.1f", j->figures[k][1] - j->figures[k][0]);
                sl_text(b, sizeof b, j->figures[k][2]);
                sl_text(af, sizeof af, j->figures[k][3]);
                tpl_set(o, "sl_before", b);
                tpl_set(o, "sl_after", af);
                before += j->figures[k][0];
                after += j->figures[k][1];
            }
            tpl_setf(page, "short_before", "%.1f", before);
            tpl_setf(page, "short_after", "%.1f", after);
            tpl_setf(page, "short_change", "%+.1f", after - before);
            for (int k = 0; k < j->n_candidates; k++) {
                struct tpl_obj *o = tpl_add(page, "candidates");
                tpl_setf(o, "id", "%" PRId64, q->form.candidates[k]);
                tpl_set(o, "name", j->candidate_names[k]);
                tpl_setf(o, "hours", "%.1f", j->minutes[k] / 60);
            }
            render_and_reply(q, 200, "whatif", page, NULL);
        }
    }
    what_if_job_free(j);
    console_maybe_closed(c);
}

static void what_if_snapshot(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct what_if_job *j = arg;
    struct creq *q = j->q;
    struct console *c = q->c;
    if (status < 0 || c->stopping) {
        c->jobs--;
        what_if_job_free(j);
        reply_db_error(q, "what-if snapshot", error != NULL ? error : "stopping");
        console_maybe_closed(c);
        return;
    }
    j->results = calloc((size_t)n + 1, sizeof *j->results);
    if (j->results == NULL) {
        c->jobs--;
        what_if_job_free(j);
        reply_message(q, 503, "Busy", "The server is short of memory; try again.", NULL);
        console_maybe_closed(c);
        return;
    }
    for (int i = 0; i < n; i++) {
        j->results[i] = res[i];
        res[i] = NULL;
    }
    j->n_results = n;
    j->work.data = j;
    if (uv_queue_work(c->loop, &j->work, what_if_work, what_if_after) != 0) {
        c->jobs--;
        what_if_job_free(j);
        reply_message(q, 503, "Busy", "The thread pool refused the what-if; try again.", NULL);
        console_maybe_closed(c);
    }
}

/* Reads the chosen site's data and plans on the pool (the applicants are the site's). */
static void what_if_plan(struct creq *q)
{
    struct console *c = q->c;
    if (c->jobs > 0) {
        const char *more[] = {"retry-after", "10", NULL};
        reply_message(q, 503, "A what-if is running",
                      "Another what-if is being planned; try again in a few seconds.", more);
        return;
    }
    /* The site is planned as the daemon plans it: its own horizon and freeze where it sets them. */
    struct console_config cfg = c->cfg;
    if (q->site.horizon_days > 0)
        cfg.horizon_days = q->site.horizon_days;
    if (q->site.freeze_hours >= 0)
        cfg.freeze_hours = q->site.freeze_hours;
    struct what_if_job *j = calloc(1, sizeof *j);
    char *sql =
        load_snapshot_sql(cfg.horizon_days, cfg.clock_fixed, (sd_time)cfg.clock_at, q->site.id);
    if (j == NULL || sql == NULL) {
        free(j);
        free(sql);
        reply_message(q, 503, "Busy", "The server is short of memory; try again.", NULL);
        return;
    }
    j->q = q;
    j->cfg = cfg;
    j->cancel = c->cancel;
    int rc = db_exec(c->db, sql, 0, NULL, what_if_snapshot, j);
    free(sql);
    if (rc < 0) {
        free(j);
        reply_db_error(q, "what-if", "not connected");
        return;
    }
    c->jobs++;
}

static void what_if_checked(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct creq *q = arg;
    if (status < 0 || n != 1) {
        reply_db_error(q, "what-if applicants", error);
        return;
    }
    if (PQntuples(res[0]) > 0) {
        char msg[1400];
        text_printf(msg, sizeof msg,
                    "Applicant %s (%s) applied to site %s, not %s: a what-if tries applicants of "
                    "the site it plans. Choose them on %s's hiring page.",
                    PQgetvalue(res[0], 0, 0), PQgetvalue(res[0], 0, 1), PQgetvalue(res[0], 0, 2),
                    q->site.name, PQgetvalue(res[0], 0, 2));
        reply_message(q, 409, "Applicant of another site", msg, NULL);
        return;
    }
    what_if_plan(q);
}

static void what_if_start(struct creq *q)
{
    if (q->form.n_candidates == 0) {
        reply_message(q, 400, "Nothing to try", "Choose at least one applicant for a what-if.",
                      NULL);
        return;
    }
    if (!q->site.active) {
        char msg[700];
        text_printf(msg, sizeof msg,
                    "Site %s is not active: staffd does not plan it, so there is no plan to "
                    "try applicants against.",
                    q->site.name);
        reply_message(q, 409, "Site not planned", msg, NULL);
        return;
    }
    /* "{1,2,...}": the applicants as a bigint[] literal. */
    char ids[MAX_WHAT_IF * 21 + 3] = "{", site[32];
    for (int i = 0; i < q->form.n_candidates; i++)
        text_append(ids, sizeof ids, "%s%" PRId64, i > 0 ? "," : "", q->form.candidates[i]);
    text_append(ids, sizeof ids, "}");
    snprintf(site, sizeof site, "%" PRId64, q->site.id);
    const char *params[2] = {site, ids};
    if (db_exec(q->c->db, console_sql_foreign_candidate, 2, params, what_if_checked, q) < 0)
        reply_db_error(q, "what-if", "not connected");
}

/* ---- sessions and dispatch ---- */

/* The site is known: on to the page, the download or the action. */
static void site_read(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct creq *q = arg;
    if (status < 0 || n != 1) {
        reply_db_error(q, "sites", error);
        return;
    }
    if (console_site_pick(res[0], q->args.site, q->args.agent, &q->site) < 0) {
        char msg[160];
        if (q->args.site > 0)
            snprintf(msg, sizeof msg, "There is no site with id %" PRId64 ".", q->args.site);
        else
            snprintf(msg, sizeof msg, "No site is set up (staffd.sites is empty).");
        reply_message(q, 404, "Not found", msg, NULL);
        return;
    }
    q->sites = res[0];
    res[0] = NULL;
    q->args.site = q->site.id;
    switch (q->route) {
    case CR_PAGE:
        page_start(q);
        return;
    case CR_CSV:
        csv_start(q);
        return;
    case CR_HIRE:
        hire_start(q);
        return;
    default:
        what_if_start(q);
        return;
    }
}

/* Every page, download and action is about one site, read before anything else. */
static void site_start(struct creq *q)
{
    struct console_query sq;
    console_sites_query(&q->args, &sq);
    if (db_exec(q->c->db, sq.sql, sq.nparams, sq.params, site_read, q) < 0)
        reply_db_error(q, "sites", "not connected");
}

static void dispatch(struct creq *q)
{
    bool planner = strcmp(q->role, "planner") == 0;
    if (q->route == CR_PAGE || q->route == CR_CSV) {
        site_start(q);
        return;
    }
    /* Writes: the CSRF token first, then the role, then the site. */
    char want[65];
    csrf_of(q->token, want);
    if (!console_secret_equal(want, q->form.csrf)) {
        log_warn("console: a %s from %s without a valid CSRF token refused",
                 q->route == CR_SIGNOUT ? "sign-out" : "write", q->peer);
        reply_message(q, 403, "Refused",
                      "This form did not come from a page of this console (its CSRF token is "
                      "missing or wrong). Reload the page and try again.",
                      NULL);
        return;
    }
    if (q->route == CR_SIGNOUT) {
        const char *params[1] = {q->session_hex};
        if (db_exec(q->c->db, "SELECT staffd.console_sign_out(decode($1, 'hex'))", 1, params,
                    signed_out, q) < 0)
            reply_db_error(q, "sign-out", "not connected");
        return;
    }
    if (!planner) {
        reply_message(q, 403, "Planners only",
                      "Only planners can run what-ifs and hire; you are signed in as a viewer.",
                      NULL);
        return;
    }
    site_start(q);
}

static void session_read(void *arg, int status, PGresult **res, int n, const char *error)
{
    struct creq *q = arg;
    if (status < 0 || n != 1) {
        reply_db_error(q, "session", error);
        return;
    }
    if (PQntuples(res[0]) != 1) {
        reply_signin_required(q);
        return;
    }
    text_printf(q->user, sizeof q->user, "%s", PQgetvalue(res[0], 0, 0));
    snprintf(q->role, sizeof q->role, "%s", PQgetvalue(res[0], 0, 1));
    dispatch(q);
}

static void session_start(struct creq *q, const char *cookie_header)
{
    console_cookie_value(cookie_header, SESSION_COOKIE, q->token, sizeof q->token);
    if (q->token[0] == '\0') {
        reply_signin_required(q);
        return;
    }
    sha256_hex(q->token, strlen(q->token), q->session_hex);
    const char *params[1] = {q->session_hex};
    if (db_exec(q->c->db, "SELECT user_name, role FROM staffd.console_session(decode($1, 'hex'))",
                1, params, session_read, q) < 0)
        reply_db_error(q, "session", "not connected");
}

static void serve_static(struct creq *q)
{
    for (int i = 0; i < console_files_count; i++)
        if (strcmp(console_files[i].name, "static/console.css") == 0) {
            reply_raw(q, 200, "text/css; charset=utf-8", console_files[i].data,
                      console_files[i].len, NULL);
            return;
        }
    reply_message(q, 404, "Not found", "No such file.", NULL);
}

void console_handle(struct console *c, struct http_request *r, const struct http_request_info *info)
{
    struct creq *q = calloc(1, sizeof *q);
    if (q == NULL) {
        struct http_reply rep = {.status = 503,
                                 .content_type = "text/plain; charset=utf-8",
                                 .body = "Service Unavailable\n",
                                 .len = 20};
        http_reply(r, &rep);
        return;
    }
    q->c = c;
    q->http = r;
    snprintf(q->peer, sizeof q->peer, "%s", info->peer);
    if (!c->cfg.enabled) {
        reply_message(q, 404, "Not found", "The console is off (console = no).", NULL);
        return;
    }
    if (c->stopping) {
        reply_message(q, 503, "Stopping", "The daemon is stopping.", NULL);
        return;
    }
    if (!info->loopback && !c->cfg.allow_remote) {
        reply_message(q, 403, "Forbidden",
                      "The console answers only on this machine (console_allow_remote = no).",
                      NULL);
        return;
    }
    bool is_get = strcmp(info->method, "GET") == 0 || strcmp(info->method, "HEAD") == 0;
    char err[300];
    struct console_target t;
    if (console_parse_args(info->query, strlen(info->query), &q->args, &q->hired, err, sizeof err) <
        0) {
        reply_message(q, 400, "Bad request", err, NULL);
        return;
    }
    if (!console_parse_route(info->path, &t)) {
        reply_message(q, 404, "Not found", "There is no console page at this address.", NULL);
        return;
    }
    q->route = t.route;
    q->page = t.page;
    q->csv = t.csv;
    if (t.agent > 0) /* /console/agents/ID names the agent, whatever the query says */
        q->args.agent = t.agent;
    if (t.post != (strcmp(info->method, "POST") == 0) || (!t.post && !is_get)) {
        const char *more[] = {"allow", t.post ? "POST" : "GET, HEAD", NULL};
        reply_message(
            q, 405, "Method not allowed",
            t.post ? "This address takes a form (POST)." : "This address is read with GET.", more);
        return;
    }
    if (t.post) {
        if (!console_form_type(info->content_type)) {
            reply_message(q, 415, "Unsupported form",
                          "Forms are sent as application/x-www-form-urlencoded.", NULL);
            return;
        }
        if (console_parse_form(info->body, info->body_len, &q->form, err, sizeof err) < 0) {
            reply_message(q, 400, "Bad request", err, NULL);
            return;
        }
        if (q->form.site > 0) /* the form's site is the action's, whatever the address says */
            q->args.site = q->form.site;
    }
    switch (q->route) {
    case CR_STATIC:
        serve_static(q);
        return;
    case CR_SIGNIN_FORM:
        reply_signin_form(q, t.token);
        return;
    case CR_SIGNIN:
        signin_start(q, info->cookie);
        return;
    default:
        session_start(q, info->cookie);
        return;
    }
}

/* ---- lifecycle ---- */

static void named(void *arg, int status, PGresult **res, int n, const char *error)
{
    (void)arg;
    (void)res;
    (void)n;
    if (status < 0)
        log_debug("console: naming the session: %s", error != NULL ? error : "?");
}

static void on_connected(void *ctx)
{
    struct console *c = ctx;
    log_info("console: database connected");
    /* Which of the daemon's sessions this is, for operators reading pg_stat_activity. */
    int rc = db_exec(c->db,
                     "SELECT set_config('application_name', 'staffd console', false)"
                     " WHERE current_setting('application_name') IN ('', 'staffd')",
                     0, NULL, named, NULL);
    if (rc < 0)
        log_debug("console: naming the session: %s", strerror(-rc));
}

static void on_disconnected(void *ctx)
{
    (void)ctx;
    log_warn("console: database connection lost; reconnecting");
}

static void on_notify(void *ctx, const char *channel, const char *payload)
{
    (void)ctx;
    (void)channel;
    (void)payload;
}

int console_start(uv_loop_t *loop, const char *conninfo, const struct console_config *cfg,
                  const atomic_bool *cancel, struct console **out)
{
    char err[256];
    struct console *c = calloc(1, sizeof *c);
    int rc = -ENOMEM;
    if (c == NULL)
        return rc;
    c->loop = loop;
    c->cfg = *cfg;
    c->cancel = cancel;
    rc = tpl_load(console_files, console_files_count, &c->templates, err, sizeof err);
    if (rc < 0) {
        log_err("console: templates: %s", err);
        goto fail;
    }
    struct db_callbacks cb = {.ctx = c,
                              .on_connected = on_connected,
                              .on_disconnected = on_disconnected,
                              .on_notify = on_notify};
    rc = db_start(loop, conninfo, NULL, &cb, &c->db);
    if (rc < 0)
        goto fail;
    *out = c;
    return 0;
fail:
    tpl_set_free(c->templates);
    free(c);
    return rc;
}

void console_configure(struct console *c, const struct console_config *cfg)
{
    c->cfg = *cfg;
}

static void console_maybe_closed(struct console *c)
{
    if (!c->stopping || !c->db_closed || c->jobs > 0)
        return;
    void (*cb)(void *) = c->on_closed;
    void *arg = c->on_closed_arg;
    tpl_set_free(c->templates);
    free(c);
    if (cb != NULL)
        cb(arg);
}

static void on_db_closed(void *arg)
{
    struct console *c = arg;
    c->db = NULL;
    c->db_closed = true;
    console_maybe_closed(c);
}

void console_stop(struct console *c, void (*on_closed)(void *arg), void *arg)
{
    if (c == NULL || c->stopping)
        return;
    c->stopping = true;
    c->on_closed = on_closed;
    c->on_closed_arg = arg;
    /* Queued statements fail with -ECANCELED: their requests are answered 503. */
    db_stop(c->db, on_db_closed, c);
}
