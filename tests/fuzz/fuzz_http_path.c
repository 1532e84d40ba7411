/* SPDX-License-Identifier: ISC */
/*
 * fuzz_http_path.c — libFuzzer harness for request routing
 * (http_route_path() in daemon/http.c): which resource a raw request path
 * names, and the feed token inside /feeds/<token>.ics.
 *
 * Input: a path as a client may send it (h2o has parsed the request line; the
 * query is already cut off). Oracle: a second classification written here
 * from docs/interfaces.md — exact /healthz and /metrics, /api/<name> with a
 * name, /console itself or anything under /console/, /feeds/<1..128 of
 * [A-Za-z0-9_-]>.ics, anything else under /feeds/ a bad feed URL, the rest
 * nothing — must agree, and the argument must be the
 * exact bytes of the path it came from. Seeds: corpus/fuzz_http_path/.
 */
#include <stdbool.h>

#include "fuzz.h"
#include "http_internal.h"

static bool starts(const char *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(p, prefix, k) == 0;
}

static bool ends(const char *p, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(p + n - k, suffix, k) == 0;
}

static bool is_exactly(const char *p, size_t n, const char *s)
{
    return n == strlen(s) && memcmp(p, s, n) == 0;
}

/* The expected resource, and where its argument starts and how long it is. */
static enum http_resource expect(const char *p, size_t n, size_t *at, size_t *len)
{
    *at = *len = 0;
    if (is_exactly(p, n, "/healthz"))
        return HTTP_RES_HEALTHZ;
    if (is_exactly(p, n, "/metrics"))
        return HTTP_RES_METRICS;
    if (starts(p, n, "/api/") && n > 5) {
        *at = 5;
        *len = n - 5;
        return HTTP_RES_API;
    }
    if (is_exactly(p, n, "/console") || starts(p, n, "/console/"))
        return HTTP_RES_CONSOLE;
    if (!starts(p, n, "/feeds/"))
        return HTTP_RES_NONE;
    if (n < 7 + 1 + 4 || !ends(p, n, ".ics") || n - 11 > 128)
        return HTTP_RES_BAD_FEED;
    for (size_t i = 7; i < n - 4; i++)
        if (!strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", p[i]) ||
            p[i] == '\0')
            return HTTP_RES_BAD_FEED;
    *at = 7;
    *len = n - 11;
    return HTTP_RES_FEED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exact-size copy, so AddressSanitizer sees any read past the path. */
    char *path = malloc(size ? size : 1);
    FUZZ_CHECK(path != NULL, "malloc");
    if (size > 0)
        memcpy(path, data, size);
    const char *arg = (const char *)1;
    size_t arg_len = 12345, at, len;
    enum http_resource got = http_route_path(path, size, &arg, &arg_len);
    enum http_resource want = expect(path, size, &at, &len);
    FUZZ_CHECK(got == want, "resource %d, expected %d for '%.*s'", got, want, (int)size, path);
    if (want == HTTP_RES_API || want == HTTP_RES_FEED)
        FUZZ_CHECK(arg == path + at && arg_len == len, "argument at %td (%zu), expected %zu (%zu)",
                   arg - path, arg_len, at, len);
    else
        FUZZ_CHECK(arg == NULL && arg_len == 0, "an argument for a resource without one");
    free(path);
    return 0;
}
