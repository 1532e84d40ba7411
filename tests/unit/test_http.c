/* SPDX-License-Identifier: ISC */
/*
 * test_http.c — daemon/http.c over real sockets.
 *
 * Each test starts the server on 127.0.0.1 port 0 on a fresh uv loop in the
 * main thread; a client thread speaks plain HTTP/1.1 over blocking sockets and
 * only records raw bytes (cmocka must assert on the main thread). When the
 * client is done it wakes the loop, which takes the stats, stops the server and
 * runs until empty; every test then asserts uv_loop_close() == 0 and checks
 * what the client saw. The feed callback is a small table of token -> feed.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <cmocka.h>

#include "http.h"
#include "log.h"
#include "testutil.h"

#define MAX_EXCHANGES 48
#define MAX_HEADERS   32
#define LONG_TOKEN                                                                                 \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"                             \
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ABCDE_"
#define BIG_LEN     (24u * 1024 * 1024)   /* larger than loopback socket buffers */
#define LM_TOK      ((int64_t)1700000000) /* Tue, 14 Nov 2023 22:13:20 GMT */
#define LM_LEAP     ((int64_t)1709208000) /* Thu, 29 Feb 2024 12:00:00 GMT */
#define CAL_BODY    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//staffd//test//EN\r\nEND:VCALENDAR\r\n"
#define CAL_TYPE    "text/calendar; charset=utf-8"
#define TEXT_TYPE   "text/plain; charset=utf-8"
#define PROM_TYPE   "text/plain; version=0.0.4; charset=utf-8"
#define HEALTH_BODY "{\"status\":\"ok\"}"

/* ---- fake handlers ---- */

struct fake_feed {
    const char *token;
    const char *body;
    const char *etag;
    int64_t last_modified;
};

static const struct fake_feed feeds[] = {
    {"tok_A-1", CAL_BODY, "\"v1\"", LM_TOK},
    {"leap", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "\"leap-7\"", LM_LEAP},
    {LONG_TOKEN, "long", "\"long\"", LM_TOK},
    {"injected", "x", "\"a\"\r\nSet-Cookie: x=1", LM_TOK}, /* a broken caller */
};

struct fixture;
typedef void (*client_fn)(struct fixture *f);

struct response {
    int status;
    char reason[64]; /* the status line's reason phrase */
    int n_headers;
    char *names[MAX_HEADERS], *values[MAX_HEADERS];
    char *body;
    size_t body_len;
};

struct fixture {
    uv_loop_t loop;
    struct http_server *srv;
    uv_async_t done;
    pthread_t thread;
    int port;
    client_fn client;
    bool signalled; /* the client woke the loop itself */
    bool closed;    /* on_closed ran */
    struct http_stats stats;

    /* Fake handler state (touched on the loop thread only). */
    int feed_calls;
    size_t last_token_len, last_token_strlen;
    int health_status;
    bool health_null;
    char *big; /* the buffer the "big" feed handed out last */
    int big_calls;

    /* Client thread: requests to send, one connection each, and raw replies. */
    int n;
    const char *requests[MAX_EXCHANGES];
    char *raw[MAX_EXCHANGES];
    size_t raw_len[MAX_EXCHANGES];
    int eof_after_stop; /* 1 if the live connections saw EOF after http_stop */

    /* The asynchronous (console) handler: a request answered later from a timer. */
    int console_calls;
    struct http_request *pending;
    uv_timer_t later;
    int later_alive; /* http_request_alive() when the timer fired: 1, 0, or -1 before */
    char console_method[8], console_query[64], console_cookie[64], console_body[64];

    /* What the fake API callback saw. */
    int api_calls;
    char api_name[64];
    char api_auth[128];
    int api_loopback;
};

static int fake_feed(void *ctx, const char *token, size_t len, struct http_feed *out)
{
    struct fixture *f = ctx;
    f->feed_calls++;
    f->last_token_len = len;
    f->last_token_strlen = strlen(token);
    if (len == 6 && memcmp(token, "future", 6) == 0) {
        /* Changed "an hour from now": a database clock ahead of this host's. */
        out->body = CAL_BODY;
        out->len = strlen(CAL_BODY);
        out->etag = "\"future\"";
        out->last_modified = (int64_t)time(NULL) + 3600;
        return 0;
    }
    if (len == 7 && memcmp(token, "loading", 7) == 0)
        return -EAGAIN; /* the daemon has not loaded its feeds yet */
    if (len == 3 && memcmp(token, "big", 3) == 0) {
        /* A fresh buffer per call, and the previous one freed: the server must have copied it. */
        free(f->big);
        f->big = malloc(BIG_LEN);
        if (f->big == NULL)
            return -ENOMEM;
        memset(f->big, 'A' + f->big_calls++, BIG_LEN);
        out->body = f->big;
        out->len = BIG_LEN;
        out->etag = "\"big\"";
        out->last_modified = LM_TOK;
        return 0;
    }
    for (size_t i = 0; i < sizeof(feeds) / sizeof(feeds[0]); i++) {
        if (strlen(feeds[i].token) == len && memcmp(feeds[i].token, token, len) == 0) {
            out->body = feeds[i].body;
            out->len = strlen(feeds[i].body);
            out->etag = feeds[i].etag;
            out->last_modified = feeds[i].last_modified;
            return 0;
        }
    }
    return -ENOENT;
}

static char *fake_healthz(void *ctx, int *status)
{
    struct fixture *f = ctx;
    *status = f->health_status;
    return f->health_null ? NULL : strdup(HEALTH_BODY);
}

static char *fake_metrics(void *ctx)
{
    (void)ctx;
    return strdup("# TYPE staffd_up gauge\nstaffd_up 1\n");
}

static char *fake_api(void *ctx, const char *name, size_t name_len, const char *authorization,
                      int loopback, int *status)
{
    struct fixture *f = ctx;
    f->api_calls++;
    snprintf(f->api_name, sizeof f->api_name, "%.*s", (int)name_len, name);
    snprintf(f->api_auth, sizeof f->api_auth, "%s", authorization ? authorization : "(none)");
    f->api_loopback = loopback;
    /* "/api/status-N" answers N, whatever N is. */
    if (name_len > 7 && memcmp(name, "status-", 7) == 0) {
        *status = atoi(f->api_name + 7);
        return strdup("{}");
    }
    *status = authorization != NULL ? 200 : 401;
    return strdup(authorization != NULL ? "{\"ok\":true}" : "{\"error\":\"token\"}");
}

/* ---- client side (second thread: no cmocka calls here) ---- */

static int client_connect(int port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    struct timeval tv = {.tv_sec = 10};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* A server bug must fail the test, not hang it. */
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reads until EOF (or error / timeout); returns a malloc'd, NUL-terminated buffer. */
static char *read_all(int fd, size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        ssize_t r = recv(fd, buf + n, cap - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Reads exactly len bytes; returns the number read. */
static size_t read_n(int fd, char *buf, size_t len)
{
    size_t n = 0;
    while (n < len) {
        ssize_t r = recv(fd, buf + n, len - n, 0);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    return n;
}

static void exchange(struct fixture *f, int i)
{
    int fd = client_connect(f->port);
    f->raw[i] = NULL;
    f->raw_len[i] = 0;
    if (fd < 0)
        return;
    if (send_all(fd, f->requests[i], strlen(f->requests[i])) == 0)
        f->raw[i] = read_all(fd, &f->raw_len[i]);
    close(fd);
}

/* The default client: every request on its own connection, in order. */
static void client_sequential(struct fixture *f)
{
    for (int i = 0; i < f->n; i++)
        exchange(f, i);
}

static void wake_loop(struct fixture *f)
{
    f->signalled = true;
    uv_async_send(&f->done);
}

static void *client_main(void *arg)
{
    struct fixture *f = arg;
    f->client(f);
    if (!f->signalled)
        wake_loop(f);
    return NULL;
}

/* ---- loop side ---- */

static void on_closed(void *arg)
{
    struct fixture *f = arg;
    f->closed = true;
}

static void on_done(uv_async_t *a)
{
    struct fixture *f = a->data;
    http_get_stats(f->srv, &f->stats);
    http_stop(f->srv, on_closed, f);
    uv_close((uv_handle_t *)a, NULL);
}

static void on_later(uv_timer_t *t)
{
    struct fixture *f = t->data;
    static const char *const hdrs[] = {"x-later", "yes", "x-bad", "a\r\nSet-Cookie: x=1", NULL};
    f->later_alive = http_request_alive(f->pending);
    struct http_reply rep = {
        .status = 200, .content_type = "text/plain", .headers = hdrs, .body = "later\n", .len = 6};
    http_reply(f->pending, &rep);
    f->pending = NULL;
    uv_close((uv_handle_t *)t, NULL);
}

/* /console/now answers at once; anything else 150 ms later, from a timer. */
static void fake_console(void *ctx, struct http_request *r, const struct http_request_info *info)
{
    struct fixture *f = ctx;
    f->console_calls++;
    snprintf(f->console_method, sizeof f->console_method, "%s", info->method);
    snprintf(f->console_query, sizeof f->console_query, "%s", info->query);
    if (info->cookie != NULL)
        snprintf(f->console_cookie, sizeof f->console_cookie, "%s", info->cookie);
    snprintf(f->console_body, sizeof f->console_body, "%s", info->body);
    if (strcmp(info->path, "/console/now") == 0) {
        struct http_reply rep = {.status = 201, /* no reason phrase here: sent as 500 */
                                 .content_type = "text/plain",
                                 .body = "now\n",
                                 .len = 4};
        http_reply(r, &rep);
        return;
    }
    f->pending = r;
    f->later_alive = -1;
    uv_timer_init(&f->loop, &f->later);
    f->later.data = f;
    uv_timer_start(&f->later, on_later, 150, 0);
}

static void run_server(struct fixture *f, client_fn client)
{
    struct http_handlers h = {.ctx = f,
                              .feed = fake_feed,
                              .healthz = fake_healthz,
                              .metrics = fake_metrics,
                              .api = fake_api,
                              .console = fake_console};

    assert_int_equal(uv_loop_init(&f->loop), 0);
    assert_int_equal(http_start(&f->loop, "127.0.0.1", 0, &h, &f->srv), 0);
    f->port = http_port(f->srv);
    assert_gt(f->port, 0);
    assert_le(f->port, 65535);
    assert_int_equal(uv_async_init(&f->loop, &f->done, on_done), 0);
    f->done.data = f;
    f->client = client;
    assert_int_equal(pthread_create(&f->thread, NULL, client_main, f), 0);
    assert_int_equal(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
    assert_int_equal(pthread_join(f->thread, NULL), 0);
    assert_true(f->closed);
    /* Every handle of the server is gone: the loop closes cleanly. */
    assert_int_equal(uv_loop_close(&f->loop), 0);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    f->health_status = 200;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (int i = 0; i < MAX_EXCHANGES; i++)
        free(f->raw[i]);
    free(f->big);
    free(f);
    return 0;
}

static int add_request(struct fixture *f, const char *req)
{
    assert_lt(f->n, MAX_EXCHANGES);
    f->requests[f->n] = req;
    return f->n++;
}

/* ---- response parsing (main thread) ---- */

static void response_free(struct response *r)
{
    for (int i = 0; i < r->n_headers; i++) {
        free(r->names[i]);
        free(r->values[i]);
    }
    free(r->body);
    memset(r, 0, sizeof(*r));
}

static const char *header(const struct response *r, const char *name)
{
    for (int i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->names[i], name) == 0)
            return r->values[i];
    return NULL;
}

static int header_count(const struct response *r, const char *name)
{
    int n = 0;
    for (int i = 0; i < r->n_headers; i++)
        n += strcasecmp(r->names[i], name) == 0;
    return n;
}

/*
 * Parses one response starting at *off. A HEAD response and a 304 carry no
 * body whatever Content-Length says; any other response must have one. Returns
 * 0, or -1 if the bytes are not a well-framed response.
 */
static int parse_response(const char *buf, size_t len, size_t *off, bool head, struct response *r)
{
    const char *p = buf + *off, *end = buf + len;
    const char *hdr_end = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
    memset(r, 0, sizeof(*r));
    if (hdr_end == NULL || sscanf(p, "HTTP/1.1 %d %63[^\r]", &r->status, r->reason) != 2)
        return -1;
    p = strstr(p, "\r\n") + 2;
    while (p < hdr_end + 2 && r->n_headers < MAX_HEADERS) {
        const char *eol = strstr(p, "\r\n"), *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon == NULL)
            return -1;
        const char *v = colon + 1;
        while (*v == ' ')
            v++;
        r->names[r->n_headers] = strndup(p, (size_t)(colon - p));
        r->values[r->n_headers] = strndup(v, (size_t)(eol - v));
        r->n_headers++;
        p = eol + 2;
    }
    p = hdr_end + 4;
    size_t body_len = 0;
    const char *cl = header(r, "content-length");
    if (!head && r->status != 304) {
        if (cl == NULL)
            return -1;
        body_len = strtoul(cl, NULL, 10);
    }
    if ((size_t)(end - p) < body_len)
        return -1;
    r->body = malloc(body_len + 1);
    memcpy(r->body, p, body_len);
    r->body[body_len] = '\0';
    r->body_len = body_len;
    *off = (size_t)(p + body_len - buf);
    return 0;
}

/* Parses the single response to exchange i, which must end exactly there. */
static void get_response(struct fixture *f, int i, bool head, struct response *r)
{
    size_t off = 0;
    assert_non_null(f->raw[i]);
    assert_int_equal(parse_response(f->raw[i], f->raw_len[i], &off, head, r), 0);
    assert_int_equal(off, f->raw_len[i]);
}

static int status_of(struct fixture *f, int i)
{
    struct response r;
    get_response(f, i, false, &r);
    int status = r.status;
    response_free(&r);
    return status;
}

static void assert_header(const struct response *r, const char *name, const char *value)
{
    const char *v = header(r, name);
    if (v == NULL)
        fail_msg("missing header %s", name);
    assert_string_equal(v, value);
    assert_int_equal(header_count(r, name), 1);
}

static void assert_privacy_headers(const struct response *r)
{
    assert_header(r, "referrer-policy", "no-referrer");
    assert_header(r, "x-robots-tag", "noindex");
    assert_header(r, "x-content-type-options", "nosniff");
    assert_non_null(header(r, "cache-control"));
    assert_null(header(r, "location"));
    assert_null(header(r, "content-encoding"));
}

/* Formats t the way the server must (IMF-fixdate). */
static void imf_date(time_t t, char *buf, size_t len)
{
    static const char *const d[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const m[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d GMT", d[tm.tm_wday], tm.tm_mday,
             m[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

#define GET(path, extra) "GET " path " HTTP/1.1\r\nHost: t\r\n" extra "Connection: close\r\n\r\n"

/* ---- tests ---- */

static void test_feed_hit(void **state)
{
    struct fixture *f = *state;
    int get = add_request(f, GET("/feeds/tok_A-1.ics", ""));
    int head = add_request(f, "HEAD /feeds/tok_A-1.ics HTTP/1.1\r\nHost: t\r\nConnection: "
                              "close\r\n\r\n");
    int query = add_request(f, GET("/feeds/tok_A-1.ics?x=1", ""));
    int leap = add_request(f, GET("/feeds/leap.ics", ""));
    int longest = add_request(f, GET("/feeds/" LONG_TOKEN ".ics", ""));
    int injected = add_request(f, GET("/feeds/injected.ics", ""));
    char cal_len[32];
    snprintf(cal_len, sizeof(cal_len), "%zu", strlen(CAL_BODY));
    run_server(f, client_sequential);

    struct response r;
    get_response(f, get, false, &r);
    assert_int_equal(r.status, 200);
    assert_header(&r, "content-type", CAL_TYPE);
    assert_header(&r, "etag", "\"v1\"");
    assert_header(&r, "last-modified", "Tue, 14 Nov 2023 22:13:20 GMT");
    assert_header(&r, "cache-control", "private, max-age=0");
    assert_header(&r, "content-length", cal_len);
    assert_privacy_headers(&r);
    assert_int_equal(r.body_len, strlen(CAL_BODY));
    assert_memory_equal(r.body, CAL_BODY, r.body_len);
    response_free(&r);

    /* HEAD: same headers, same length announced, no body on the wire. */
    get_response(f, head, true, &r);
    assert_int_equal(r.status, 200);
    assert_header(&r, "content-type", CAL_TYPE);
    assert_header(&r, "etag", "\"v1\"");
    assert_header(&r, "content-length", cal_len);
    assert_privacy_headers(&r);
    assert_int_equal(r.body_len, 0);
    response_free(&r);

    get_response(f, query, false, &r);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, CAL_BODY, r.body_len);
    response_free(&r);

    get_response(f, leap, false, &r);
    assert_int_equal(r.status, 200);
    assert_header(&r, "last-modified", "Thu, 29 Feb 2024 12:00:00 GMT");
    assert_header(&r, "etag", "\"leap-7\"");
    response_free(&r);

    get_response(f, longest, false, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "long");
    response_free(&r);
    /* A malformed ETag from the callback is dropped, never written into the headers. */
    get_response(f, injected, false, &r);
    assert_int_equal(r.status, 200);
    assert_null(header(&r, "etag"));
    assert_null(header(&r, "set-cookie"));
    assert_string_equal(r.body, "x");
    response_free(&r);
    /* The callback saw a NUL-terminated token of the right length. */
    assert_int_equal(f->last_token_len, 8);
    assert_int_equal(f->last_token_strlen, 8);
}

static void test_if_none_match(void **state)
{
    struct fixture *f = *state;
    int exact = add_request(f, GET("/feeds/tok_A-1.ics", "If-None-Match: \"v1\"\r\n"));
    int list = add_request(f, GET("/feeds/tok_A-1.ics", "If-None-Match: \"a\", \"b\",\"v1\"\r\n"));
    int star = add_request(f, GET("/feeds/tok_A-1.ics", "If-None-Match: *\r\n"));
    int weak = add_request(f, GET("/feeds/tok_A-1.ics", "If-None-Match: W/\"v1\"\r\n"));
    int two = add_request(
        f, GET("/feeds/tok_A-1.ics", "If-None-Match: \"x\"\r\nIf-None-Match: \"v1\"\r\n"));
    int head = add_request(f, "HEAD /feeds/tok_A-1.ics HTTP/1.1\r\nHost: t\r\nIf-None-Match: "
                              "\"v1\"\r\nConnection: close\r\n\r\n");
    int other = add_request(f, GET("/feeds/tok_A-1.ics", "If-None-Match: \"v2\"\r\n"));
    int prefix = add_request(f, GET("/feeds/tok_A-1.ics", "If-None-Match: \"v\"\r\n"));
    int unquoted = add_request(f, GET("/feeds/tok_A-1.ics", "If-None-Match: v1\r\n"));
    int broken = add_request(f, GET("/feeds/tok_A-1.ics", "If-None-Match: \"v1\r\n"));
    int other_feed = add_request(f, GET("/feeds/leap.ics", "If-None-Match: \"v1\"\r\n"));
    /* If-None-Match wins over If-Modified-Since, even when the date alone would give 304. */
    int inm_wins = add_request(f, GET("/feeds/tok_A-1.ics", "If-None-Match: \"v2\"\r\n"
                                                            "If-Modified-Since: Tue, 14 Nov "
                                                            "2023 22:13:20 GMT\r\n"));
    run_server(f, client_sequential);

    struct response r;
    int hits[] = {exact, list, star, weak, two};
    for (size_t i = 0; i < sizeof(hits) / sizeof(hits[0]); i++) {
        get_response(f, hits[i], false, &r);
        assert_int_equal(r.status, 304);
        assert_header(&r, "etag", "\"v1\"");
        assert_header(&r, "last-modified", "Tue, 14 Nov 2023 22:13:20 GMT");
        assert_header(&r, "cache-control", "private, max-age=0");
        assert_privacy_headers(&r);
        assert_null(header(&r, "content-length"));
        assert_null(header(&r, "transfer-encoding"));
        assert_int_equal(r.body_len, 0);
        response_free(&r);
    }
    get_response(f, head, true, &r);
    assert_int_equal(r.status, 304);
    response_free(&r);

    int misses[] = {other, prefix, unquoted, broken, other_feed, inm_wins};
    for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
        get_response(f, misses[i], false, &r);
        assert_int_equal(r.status, 200);
        assert_gt(r.body_len, 0);
        response_free(&r);
    }
}

static void test_if_modified_since(void **state)
{
    struct fixture *f = *state;
    static char future_req[256];
    char future[64];
    imf_date(time(NULL) + 2 * 86400, future, sizeof(future));
    snprintf(future_req, sizeof(future_req), GET("/feeds/tok_A-1.ics", "If-Modified-Since: %s\r\n"),
             future);

    int equal = add_request(
        f, GET("/feeds/tok_A-1.ics", "If-Modified-Since: Tue, 14 Nov 2023 22:13:20 GMT\r\n"));
    int later = add_request(
        f, GET("/feeds/tok_A-1.ics", "If-Modified-Since: Fri, 01 Dec 2023 00:00:00 GMT\r\n"));
    int rfc850 = add_request(
        f, GET("/feeds/tok_A-1.ics", "If-Modified-Since: Tuesday, 14-Nov-23 22:13:20 GMT\r\n"));
    int asctime_ = add_request(
        f, GET("/feeds/tok_A-1.ics", "If-Modified-Since: Tue Nov 14 22:13:20 2023\r\n"));
    int leap_eq = add_request(
        f, GET("/feeds/leap.ics", "If-Modified-Since: Thu, 29 Feb 2024 12:00:00 GMT\r\n"));
    int leap_asc = add_request(f, GET("/feeds/leap.ics", "If-Modified-Since: Thu Feb 29 12:00:00 "
                                                         "2024\r\n"));
    int earlier = add_request(
        f, GET("/feeds/tok_A-1.ics", "If-Modified-Since: Tue, 14 Nov 2023 22:13:19 GMT\r\n"));
    int garbage = add_request(f, GET("/feeds/tok_A-1.ics", "If-Modified-Since: yesterday\r\n"));
    int lower = add_request(
        f, GET("/feeds/tok_A-1.ics", "If-Modified-Since: Tue, 14 Nov 2023 22:13:20 gmt\r\n"));
    int bad_day = add_request(
        f, GET("/feeds/leap.ics", "If-Modified-Since: Fri, 30 Feb 2024 12:00:00 GMT\r\n"));
    int bad_hour = add_request(
        f, GET("/feeds/tok_A-1.ics", "If-Modified-Since: Tue, 14 Nov 2023 24:13:20 GMT\r\n"));
    int empty = add_request(f, GET("/feeds/tok_A-1.ics", "If-Modified-Since:\r\n"));
    int fut = add_request(f, future_req);
    run_server(f, client_sequential);

    struct response r;
    int hits[] = {equal, later, rfc850, asctime_, leap_eq, leap_asc};
    for (size_t i = 0; i < sizeof(hits) / sizeof(hits[0]); i++) {
        get_response(f, hits[i], false, &r);
        assert_int_equal(r.status, 304);
        assert_non_null(header(&r, "etag"));
        assert_int_equal(r.body_len, 0);
        response_free(&r);
    }
    int misses[] = {earlier, garbage, lower, bad_day, bad_hour, empty, fut};
    for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
        get_response(f, misses[i], false, &r);
        assert_int_equal(r.status, 200);
        assert_gt(r.body_len, 0);
        response_free(&r);
    }
}

static void test_not_found(void **state)
{
    struct fixture *f = *state;
    int unknown = add_request(f, GET("/feeds/nobody.ics", ""));
    int unknown_calls;
    const char *bad[] = {
        GET("/feeds/tok_A-1", ""),
        GET("/feeds/.ics", ""),
        GET("/feeds/tok_A-1.ics/", ""),
        GET("/feeds/tok_A-1.ICS", ""),
        GET("/feeds/tok.A-1.ics", ""),
        GET("/feeds/tok%41.ics", ""),
        GET("/feeds/a/b.ics", ""),
        GET("/feeds/../healthz", ""),
        GET("/feeds/" LONG_TOKEN "x.ics", ""),
        GET("/feedstok_A-1.ics", ""),
        GET("/", ""),
        GET("/healthz/", ""),
        GET("/FEEDS/tok_A-1.ics", ""),
        GET("/feeds/tok_A-1.ics.ics", ""),
    };
    int first_bad = f->n;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        add_request(f, bad[i]);
    run_server(f, client_sequential);

    struct response r;
    get_response(f, unknown, false, &r);
    assert_int_equal(r.status, 404);
    assert_header(&r, "content-type", TEXT_TYPE);
    assert_privacy_headers(&r);
    assert_null(header(&r, "etag"));
    assert_null(header(&r, "last-modified"));
    assert_string_equal(r.body, "Not Found\n");
    response_free(&r);

    /* Only the well-formed unknown token reached the callback (the rest never do). */
    unknown_calls = f->feed_calls;
    assert_int_equal(unknown_calls, 1);
    for (int i = first_bad; i < f->n; i++) {
        get_response(f, i, false, &r);
        if (r.status != 404)
            fail_msg("request %d (%s) got %d", i, f->requests[i], r.status);
        assert_privacy_headers(&r);
        response_free(&r);
    }
}

/* A feed the callback cannot look up yet: 503 with Retry-After, never a 404. */
static void test_feed_not_loaded_yet(void **state)
{
    struct fixture *f = *state;
    int get = add_request(f, GET("/feeds/loading.ics", ""));
    run_server(f, client_sequential);

    struct response r;
    get_response(f, get, false, &r);
    assert_int_equal(r.status, 503);
    assert_header(&r, "retry-after", "5");
    assert_header(&r, "content-type", TEXT_TYPE);
    assert_privacy_headers(&r);
    assert_null(header(&r, "etag"));
    assert_string_equal(r.body, "Service Unavailable\n");
    response_free(&r);
    assert_int_equal(f->stats.feed_not_found, 0);
}

static void test_health_and_metrics(void **state)
{
    struct fixture *f = *state;
    int health = add_request(f, GET("/healthz", ""));
    int metrics = add_request(f, GET("/metrics", ""));
    int head = add_request(f, "HEAD /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    f->health_status = 503;
    run_server(f, client_sequential);

    struct response r;
    get_response(f, health, false, &r);
    assert_int_equal(r.status, 503);
    assert_header(&r, "content-type", "application/json");
    assert_header(&r, "cache-control", "no-store");
    assert_string_equal(r.body, HEALTH_BODY);
    response_free(&r);

    get_response(f, metrics, false, &r);
    assert_int_equal(r.status, 200);
    assert_header(&r, "content-type", PROM_TYPE);
    assert_string_equal(r.body, "# TYPE staffd_up gauge\nstaffd_up 1\n");
    response_free(&r);

    get_response(f, head, true, &r);
    assert_int_equal(r.status, 200);
    assert_header(&r, "content-type", PROM_TYPE);
    assert_int_equal(r.body_len, 0);
    response_free(&r);
}

static void test_api_route(void **state)
{
    struct fixture *f = *state;
    int anon = add_request(f, GET("/api/recruitment", ""));
    int authed = add_request(f, GET("/api/recruitment", "Authorization: Bearer abc\r\n"));
    int post = add_request(f, "POST /api/recruitment HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
                              "Connection: close\r\n\r\n");
    run_server(f, client_sequential);

    struct response r;
    get_response(f, anon, false, &r);
    assert_int_equal(r.status, 401);
    assert_header(&r, "www-authenticate", "Bearer realm=\"staffd\"");
    assert_header(&r, "content-type", "application/json");
    response_free(&r);

    get_response(f, authed, false, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"ok\":true}");
    response_free(&r);
    /* The callback saw the name after /api/, the header as sent, and a loopback peer. */
    assert_string_equal(f->api_name, "recruitment");
    assert_string_equal(f->api_auth, "Bearer abc");
    assert_int_equal(f->api_loopback, 1);

    get_response(f, post, false, &r);
    assert_int_equal(r.status, 405);
    response_free(&r);
    assert_int_equal(f->api_calls, 2);
}

/* Every status line carries the reason phrase of its status (RFC 9110 section 15). */
static void test_reason_phrases(void **state)
{
    struct fixture *f = *state;
    static const struct {
        const char *request;
        int status;
        const char *reason;
    } want[] = {
        {GET("/feeds/tok_A-1.ics", ""), 200, "OK"},
        {GET("/feeds/tok_A-1.ics", "If-None-Match: \"v1\"\r\n"), 304, "Not Modified"},
        {GET("/feeds/nobody.ics", ""), 404, "Not Found"},
        {"POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 405,
         "Method Not Allowed"},
        {GET("/api/recruitment", ""), 401, "Unauthorized"},
        {GET("/api/status-403", ""), 403, "Forbidden"},
        {GET("/api/status-404", ""), 404, "Not Found"},
        {GET("/api/status-503", ""), 503, "Service Unavailable"},
        {GET("/api/status-500", ""), 500, "Internal Server Error"},
        /* A status without a known phrase is not sent as it is. */
        {GET("/api/status-299", ""), 500, "Internal Server Error"},
        {GET("/api/status-99", ""), 500, "Internal Server Error"},
    };
    size_t n = sizeof want / sizeof want[0];
    for (size_t i = 0; i < n; i++)
        add_request(f, want[i].request);
    run_server(f, client_sequential);
    for (size_t i = 0; i < n; i++) {
        struct response r;
        get_response(f, (int)i, false, &r);
        assert_int_equal(r.status, want[i].status);
        assert_string_equal(r.reason, want[i].reason);
        response_free(&r);
    }
}

/*
 * RFC 9110 8.8.2.1: Last-Modified is never later than the response's Date. A
 * feed changed "in the future" (the database's clock ahead of ours) says now,
 * and an If-Modified-Since of that value still gets the whole feed.
 */
static void test_last_modified_not_after_date(void **state)
{
    struct fixture *f = *state;
    int plain = add_request(f, GET("/feeds/future.ics", ""));
    char ims[64], req[256];
    imf_date(time(NULL), ims, sizeof ims);
    snprintf(req, sizeof req, GET("/feeds/future.ics", "If-Modified-Since: %s\r\n"), ims);
    int since = add_request(f, req);
    run_server(f, client_sequential);

    struct response r;
    get_response(f, plain, false, &r);
    assert_int_equal(r.status, 200);
    const char *lm = header(&r, "last-modified"), *date = header(&r, "date");
    assert_non_null(lm);
    assert_non_null(date);
    /* Same format, and the clamp takes the very timestamp h2o writes as Date. */
    assert_string_equal(lm, date);
    response_free(&r);

    get_response(f, since, false, &r);
    assert_int_equal(r.status, 200);
    response_free(&r);
}

static void test_health_ok_and_failure(void **state)
{
    struct fixture *f = *state;
    add_request(f, GET("/healthz", ""));
    run_server(f, client_sequential);
    struct response r;
    get_response(f, 0, false, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, HEALTH_BODY);
    response_free(&r);

    /* A callback that cannot build its body gives 500, not a crash. */
    struct fixture *g = calloc(1, sizeof(*g));
    assert_non_null(g);
    g->health_null = true;
    add_request(g, GET("/healthz", ""));
    run_server(g, client_sequential);
    assert_int_equal(status_of(g, 0), 500);
    free(g->raw[0]);
    free(g);
}

static void test_method_not_allowed(void **state)
{
    struct fixture *f = *state;
    int post_feed = add_request(f, "POST /feeds/tok_A-1.ics HTTP/1.1\r\nHost: t\r\nContent-Length: "
                                   "3\r\nConnection: close\r\n\r\nabc");
    int post_health = add_request(f, "POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: "
                                     "0\r\nConnection: close\r\n\r\n");
    int delete_metrics =
        add_request(f, "DELETE /metrics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    int put_other = add_request(f, "PUT /nothing HTTP/1.1\r\nHost: t\r\nContent-Length: "
                                   "0\r\nConnection: close\r\n\r\n");
    run_server(f, client_sequential);

    struct response r;
    int cases[] = {post_feed, post_health, delete_metrics};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        get_response(f, cases[i], false, &r);
        assert_int_equal(r.status, 405);
        assert_header(&r, "allow", "GET, HEAD");
        assert_privacy_headers(&r);
        response_free(&r);
    }
    assert_int_equal(status_of(f, put_other), 404);
    assert_int_equal(f->feed_calls, 0); /* a 405 does not look the token up */
}

static void test_keep_alive_framing(void **state)
{
    struct fixture *f = *state;
    /* Pipelined on one connection: 304 and HEAD must not leave stray body bytes. */
    add_request(f, "GET /feeds/tok_A-1.ics HTTP/1.1\r\nHost: t\r\nIf-None-Match: \"v1\"\r\n\r\n"
                   "HEAD /feeds/tok_A-1.ics HTTP/1.1\r\nHost: t\r\n\r\n"
                   "GET /feeds/nobody.ics HTTP/1.1\r\nHost: t\r\n\r\n"
                   "GET /feeds/tok_A-1.ics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    run_server(f, client_sequential);

    const bool head[] = {false, true, false, false};
    const int status[] = {304, 200, 404, 200};
    size_t off = 0;
    assert_non_null(f->raw[0]);
    for (int i = 0; i < 4; i++) {
        struct response r;
        assert_int_equal(parse_response(f->raw[0], f->raw_len[0], &off, head[i], &r), 0);
        assert_int_equal(r.status, status[i]);
        if (i == 3)
            assert_memory_equal(r.body, CAL_BODY, r.body_len);
        response_free(&r);
    }
    assert_int_equal(off, f->raw_len[0]);
}

static void test_garbage_does_not_stop_service(void **state)
{
    struct fixture *f = *state;
    static char long_line[500000]; /* beyond h2o's H2O_MAX_REQLEN, so it answers at once */
    static char many_headers[8000];
    memset(long_line, 'a', sizeof(long_line) - 1);
    memcpy(long_line, "GET /", 5);
    strcpy(many_headers, "GET /healthz HTTP/1.1\r\n");
    for (int i = 0; i < 150; i++)
        snprintf(many_headers + strlen(many_headers), sizeof(many_headers) - strlen(many_headers),
                 "X-H%d: v\r\n", i);
    strcat(many_headers, "\r\n");

    add_request(f, "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n");
    add_request(f, "GARBAGE\r\n\r\n");
    add_request(f, "GET /feeds/tok_A-1.ics HTTP/9.9\r\n\r\n");
    add_request(f, "GET /feeds/tok_A-1.ics HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n");
    add_request(f, "GET /feeds/tok_A-1.ics HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n");
    add_request(f, "POST /healthz HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999\r\n\r\n");
    add_request(f, "GET /feeds/\x01\xff.ics HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    add_request(f, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    add_request(f, long_line);
    add_request(f, many_headers);
    int ok = add_request(f, GET("/feeds/tok_A-1.ics", ""));
    run_server(f, client_sequential);

    struct response r;
    get_response(f, ok, false, &r);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, CAL_BODY, r.body_len);
    response_free(&r);
    for (int i = 0; i < ok; i++) {
        /* Whatever h2o answered, it was no success and no calendar. */
        assert_null(f->raw[i] == NULL ? NULL : strstr(f->raw[i], "BEGIN:VCALENDAR"));
        assert_null(f->raw[i] == NULL ? NULL : strstr(f->raw[i], " 200 OK"));
    }
}

static void test_stats(void **state)
{
    struct fixture *f = *state;
    add_request(f, GET("/feeds/tok_A-1.ics", ""));                          /* hit */
    add_request(f, GET("/feeds/leap.ics", ""));                             /* hit */
    add_request(f, GET("/feeds/tok_A-1.ics", "If-None-Match: \"v1\"\r\n")); /* 304 */
    add_request(f, GET("/feeds/nobody.ics", ""));                           /* not found */
    add_request(f, GET("/feeds/bad!.ics", ""));                             /* not found */
    add_request(f, GET("/healthz", ""));
    add_request(f, GET("/elsewhere", ""));
    run_server(f, client_sequential);

    assert_int_equal(f->stats.requests, 7);
    assert_int_equal(f->stats.feed_hits, 2);
    assert_int_equal(f->stats.feed_not_modified, 1);
    assert_int_equal(f->stats.feed_not_found, 2);
}

/* Two connections: one takes a response larger than the socket buffers and does
 * not read it yet; the other makes the callback free the first one's buffer. */
static void client_big(struct fixture *f)
{
    static const char req[] = GET("/feeds/big.ics", "");
    int a = client_connect(f->port);
    if (a < 0)
        return;
    send_all(a, req, sizeof(req) - 1);
    usleep(200 * 1000);
    f->raw[1] = NULL;
    int b = client_connect(f->port);
    if (b >= 0) {
        send_all(b, req, sizeof(req) - 1);
        f->raw[1] = read_all(b, &f->raw_len[1]);
        close(b);
    }
    f->raw[0] = read_all(a, &f->raw_len[0]);
    close(a);
}

static void assert_filled(struct fixture *f, int i, char c)
{
    struct response r;
    get_response(f, i, false, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, BIG_LEN);
    for (size_t k = 0; k < r.body_len; k++)
        if (r.body[k] != c)
            fail_msg("response %d byte %zu is %d, not %c", i, k, r.body[k], c);
    response_free(&r);
}

static void test_body_copied(void **state)
{
    struct fixture *f = *state;
    run_server(f, client_big);
    assert_int_equal(f->big_calls, 2);
    assert_filled(f, 0, 'A'); /* its buffer was freed while it was still being sent */
    assert_filled(f, 1, 'B');
}

/*
 * Connections still open when the server stops: one idle after a keep-alive
 * response, one in the middle of its request headers, one with a response
 * much larger than the socket buffers still being written to it.
 */
static void client_live(struct fixture *f)
{
    static const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
    static const char big[] = "GET /feeds/big.ics HTTP/1.1\r\nHost: t\r\n\r\n";
    char buf[4096];
    int a = client_connect(f->port), b = client_connect(f->port), c = client_connect(f->port);
    if (a < 0 || b < 0 || c < 0)
        goto out;
    send_all(a, req, sizeof(req) - 1);
    send_all(b, "GET /feeds/tok_A-1.ics HTTP/1.1\r\nHo", 35);
    send_all(c, big, sizeof(big) - 1);
    /* Read a's keep-alive response (headers then its small body). */
    size_t n = 0;
    while (n < sizeof(buf) - 1 && memmem(buf, n, HEALTH_BODY, strlen(HEALTH_BODY)) == NULL) {
        ssize_t r = recv(a, buf + n, sizeof(buf) - 1 - n, 0);
        if (r <= 0)
            goto out;
        n += (size_t)r;
    }
    usleep(300 * 1000); /* let the server start writing to c */
    wake_loop(f);
    /* All must now see the end of the stream, well before the receive timeout. */
    f->eof_after_stop = read_n(a, buf, 1) == 0 && read_n(b, buf, 1) == 0;
    free(f->raw[0]);
    f->raw[0] = read_all(c, &f->raw_len[0]);
out:
    if (a >= 0)
        close(a);
    if (b >= 0)
        close(b);
    if (c >= 0)
        close(c);
}

static void test_stop_closes_live_connections(void **state)
{
    struct fixture *f = *state;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    run_server(f, client_live);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(f->eof_after_stop);
    /* Not by h2o's 10 s request timeout: the stop closed them. */
    assert_lt(t1.tv_sec - t0.tv_sec, 5);
    /* The big response had started and was cut short by the stop. */
    assert_int_equal(f->big_calls, 1);
    assert_non_null(f->raw[0]);
    assert_lt(f->raw_len[0], BIG_LEN);
}

static void on_closed_flag(void *arg)
{
    *(bool *)arg = true;
}

/* An asynchronous answer arrives later, with its headers; a header with CR LF is dropped. */
static void test_console_async(void **state)
{
    struct fixture *f = *state;
    int later = add_request(f, "POST /console/later?q=1 HTTP/1.1\r\nHost: x\r\nCookie: a=1\r\n"
                               "Cookie: b=2\r\nContent-Length: 5\r\nConnection: close\r\n\r\n"
                               "x=1&y");
    int now = add_request(f, "GET /console/now HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    int other = add_request(f, "GET /consolex HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    run_server(f, client_sequential);
    struct response r;
    get_response(f, later, false, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "x-later"), "yes");
    assert_null(header(&r, "x-bad"));
    assert_null(header(&r, "set-cookie"));
    assert_string_equal(r.body, "later\n");
    response_free(&r);
    assert_int_equal(f->later_alive, 1);
    get_response(f, now, false, &r);
    assert_int_equal(r.status, 500);
    response_free(&r);
    get_response(f, other, false, &r);
    assert_int_equal(r.status, 404);
    response_free(&r);
    assert_int_equal(f->console_calls, 2);
    assert_string_equal(f->console_cookie, "a=1; b=2");
    assert_int_equal(f->stats.async_pending, 0);
}

/* A client that leaves before the answer: the late answer is dropped, nothing breaks. */
static void client_leaves(struct fixture *f)
{
    int fd = client_connect(f->port);
    if (fd >= 0) {
        send_all(fd, f->requests[0], strlen(f->requests[0]));
        usleep(30 * 1000);
        close(fd);
    }
    usleep(400 * 1000); /* past the 150 ms answer */
}

static void test_console_client_leaves(void **state)
{
    struct fixture *f = *state;
    add_request(f, "GET /console/later HTTP/1.1\r\nHost: x\r\n\r\n");
    run_server(f, client_leaves);
    assert_int_equal(f->console_calls, 1);
    assert_ge(f->later_alive, 0);
    assert_le(f->later_alive, 1);
    print_message("client left: %s\n", f->later_alive == 0
                                           ? "h2o dropped the request, the answer was discarded"
                                           : "the answer went to a closed socket");
    assert_null(f->pending);
    assert_int_equal(f->stats.async_pending, 0);
    /* Either h2o saw the close first (abandoned) or the answer went to a dead socket. */
    assert_int_equal(f->stats.async_abandoned, f->later_alive == 0 ? 1 : 0);
}

static void test_start_errors(void **state)
{
    (void)state;
    struct http_handlers h = {
        .ctx = NULL, .feed = fake_feed, .healthz = fake_healthz, .metrics = fake_metrics};
    struct http_server *srv = NULL, *srv2 = NULL;
    uv_loop_t loop;
    bool closed = false;

    assert_int_equal(uv_loop_init(&loop), 0);
    assert_int_equal(http_start(&loop, "localhost", 0, &h, &srv), -EINVAL);
    assert_int_equal(http_start(&loop, "127.0.0.1", 70000, &h, &srv), -EINVAL);
    assert_int_equal(http_start(&loop, "127.0.0.1", -1, &h, &srv), -EINVAL);
    assert_int_equal(http_start(&loop, "256.0.0.1", 0, &h, &srv), -EINVAL);
    assert_int_equal(http_start(&loop, "192.0.2.1", 0, &h, &srv), -EADDRNOTAVAIL);
    assert_null(srv);
    /* Failures leave nothing on the loop. */
    assert_int_equal(uv_loop_close(&loop), 0);

    assert_int_equal(uv_loop_init(&loop), 0);
    assert_int_equal(http_start(&loop, "127.0.0.1", 0, &h, &srv), 0);
    assert_int_equal(http_start(&loop, "127.0.0.1", http_port(srv), &h, &srv2), -EADDRINUSE);
    assert_null(srv2);
    /* IPv6 literal, where the host has IPv6 loopback. */
    int rc = http_start(&loop, "::1", 0, &h, &srv2);
    if (rc != 0 && rc != -EADDRNOTAVAIL && rc != -EAFNOSUPPORT)
        fail_msg("http_start on ::1: %d (%s), not 0, -EADDRNOTAVAIL or -EAFNOSUPPORT", rc,
                 strerror(-rc));
    if (rc == 0) {
        assert_gt(http_port(srv2), 0);
        http_stop(srv2, NULL, NULL);
    }
    http_stop(srv, on_closed_flag, &closed);
    assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
    assert_true(closed);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    log_set_level(LOG_LVL_WARNING); /* no "listening on" line per test */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_feed_hit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_none_match, setup, teardown),
        cmocka_unit_test_setup_teardown(test_if_modified_since, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found, setup, teardown),
        cmocka_unit_test_setup_teardown(test_feed_not_loaded_yet, setup, teardown),
        cmocka_unit_test_setup_teardown(test_health_and_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_health_ok_and_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_api_route, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reason_phrases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_last_modified_not_after_date, setup, teardown),
        cmocka_unit_test_setup_teardown(test_method_not_allowed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keep_alive_framing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_does_not_stop_service, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_body_copied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_closes_live_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_async, setup, teardown),
        cmocka_unit_test_setup_teardown(test_console_client_leaves, setup, teardown),
        cmocka_unit_test(test_start_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
