/* SPDX-License-Identifier: ISC */
/*
 * fuzz_console_request.c — libFuzzer harness for the rest of what the
 * console reads out of a request (daemon/console_parse.c): the Cookie header
 * (console_cookie_value), the path (console_parse_route), the form's
 * Content-Type (console_form_type) and the CSRF comparison
 * (console_secret_equal).
 *
 * Input: a selector byte (mod 4), then:
 *  0 cookie: a byte choosing the cookie's name (the session's, the sign-in
 *    form's, or "a") and one choosing the buffer (1..CONSOLE_COOKIE_BUF
 *    bytes), then the header;
 *  1 route: the path;
 *  2 content type: the header's value;
 *  3 secrets: two strings (fuzz_take_string).
 * Strings are C strings as h2o hands them over (a NUL ends them).
 * Oracle: a second reading written here from include/console_parse.h.
 * Cookie: the header split at every ';', blanks in front dropped, the first
 * piece that is NAME '=' decides, its value taken when it is 1..size-1 of
 * [A-Za-z0-9_-], else "". Route: the table of pages, downloads and forms of
 * docs/console.md. Content type: a prefix compare without case. Secrets:
 * equal and not empty. Seeds: corpus/fuzz_console_request/.
 */
#include <stdbool.h>

#include "console_parse.h"
#include "fuzz.h"

#define TOKEN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

static void expect_cookie(const char *header, const char *name, char *out, size_t size)
{
    out[0] = '\0';
    size_t nl = strlen(name);
    const char *piece = header;
    for (;;) {
        const char *semi = strchr(piece, ';');
        size_t len = semi != NULL ? (size_t)(semi - piece) : strlen(piece);
        size_t lead = 0;
        while (lead < len && piece[lead] == ' ')
            lead++;
        const char *p = piece + lead;
        len -= lead;
        if (len > nl && memcmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = len - nl - 1;
            bool ok = vl >= 1 && vl <= size - 1;
            for (size_t i = 0; ok && i < vl; i++)
                ok = strchr(TOKEN_CHARS, p[nl + 1 + i]) != NULL;
            if (ok) {
                memcpy(out, p + nl + 1, vl);
                out[vl] = '\0';
            }
            return;
        }
        if (semi == NULL)
            return;
        piece = semi + 1;
    }
}

static void check_cookie(struct fuzz_reader *r)
{
    static const char *const names[] = {CONSOLE_SESSION_COOKIE, CONSOLE_SIGNIN_COOKIE, "a"};
    const char *name = names[fuzz_take_uint(r, 1) % 3];
    size_t size = 1 + (size_t)fuzz_take_uint(r, 1) % CONSOLE_COOKIE_BUF;
    char *header = fuzz_copy(r->p, r->n);
    /* Exact-size output buffers, so a write past size is seen. */
    char *got = malloc(size), *want = malloc(size);
    FUZZ_CHECK(got != NULL && want != NULL, "malloc");
    memset(got, 'x', size);
    console_cookie_value(header, name, got, size);
    expect_cookie(header, name, want, size);
    FUZZ_CHECK(strcmp(got, want) == 0, "cookie %s: '%s', expected '%s'", name, got, want);
    /* No header is no cookie. */
    console_cookie_value(NULL, name, got, size);
    FUZZ_CHECK(got[0] == '\0', "a cookie from no header");
    free(header);
    free(got);
    free(want);
}

static bool tokenish(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    return n >= min && n <= max && strspn(s, TOKEN_CHARS) == n;
}

static bool expect_route(const char *path, struct console_target *t)
{
    static const struct {
        const char *path;
        enum console_route route;
        enum console_page page;
        bool post;
    } exact[] = {
        {"/console", CR_PAGE, CP_OVERVIEW, false},
        {"/console/", CR_PAGE, CP_OVERVIEW, false},
        {"/console/coverage", CR_PAGE, CP_COVERAGE, false},
        {"/console/schedule", CR_PAGE, CP_SCHEDULE, false},
        {"/console/fairness", CR_PAGE, CP_FAIRNESS, false},
        {"/console/hiring", CR_PAGE, CP_HIRING, false},
        {"/console/static/console.css", CR_STATIC, CP_OVERVIEW, false},
        {"/console/signin", CR_SIGNIN, CP_OVERVIEW, true},
        {"/console/signout", CR_SIGNOUT, CP_OVERVIEW, true},
        {"/console/hiring/hire", CR_HIRE, CP_OVERVIEW, true},
        {"/console/hiring/what-if", CR_WHAT_IF, CP_OVERVIEW, true},
    };
    static const char *const csv[CC_COUNT] = {
        "overview", "coverage", "shifts", "fairness",     "needs",
        "ranking",  "runs",     "errors", "availability", "time_off",
    };
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
        if (strcmp(path, exact[i].path) == 0) {
            t->route = exact[i].route;
            t->page = exact[i].page;
            t->post = exact[i].post;
            return true;
        }
    const char *agents = "/console/agents/", *signin = "/console/signin/";
    if (strncmp(path, agents, strlen(agents)) == 0) {
        const char *id = path + strlen(agents);
        size_t n = strlen(id);
        if (n == 0 || n > 19 || strspn(id, "0123456789") != n)
            return false;
        unsigned long long v = strtoull(id, NULL, 10);
        if (v == 0 || v > INT64_MAX)
            return false;
        t->route = CR_PAGE;
        t->page = CP_AGENT;
        t->agent = (int64_t)v;
        return true;
    }
    for (int k = 0; k < CC_COUNT; k++) {
        char want[64];
        snprintf(want, sizeof want, "/console/csv/%s.csv", csv[k]);
        if (strcmp(path, want) == 0) {
            t->route = CR_CSV;
            t->csv = (enum console_csv)k;
            return true;
        }
    }
    if (strncmp(path, signin, strlen(signin)) == 0 &&
        tokenish(path + strlen(signin), 1, CONSOLE_LINK_TOKEN_MAX)) {
        t->route = CR_SIGNIN_FORM;
        strcpy(t->token, path + strlen(signin));
        return true;
    }
    return false;
}

static void check_route(struct fuzz_reader *r)
{
    char *path = fuzz_copy(r->p, r->n);
    struct console_target got, want;
    bool found = console_parse_route(path, &got), wfound = expect_route(path, &want);
    FUZZ_CHECK(found == wfound, "'%s' %s, expected %s", path, found ? "routed" : "not found",
               wfound ? "routed" : "not found");
    if (found)
        FUZZ_CHECK(got.route == want.route && got.post == want.post &&
                       (got.route != CR_PAGE || got.page == want.page) &&
                       (got.route != CR_CSV || got.csv == want.csv) && got.agent == want.agent &&
                       strcmp(got.token, want.token) == 0,
                   "'%s': route %d page %d csv %d agent %lld token '%s', expected %d %d %d %lld "
                   "'%s'",
                   path, got.route, got.page, got.csv, (long long)got.agent, got.token, want.route,
                   want.page, want.csv, (long long)want.agent, want.token);
    free(path);
}

static void check_content_type(struct fuzz_reader *r)
{
    char *ct = fuzz_copy(r->p, r->n);
    static const char form[] = "application/x-www-form-urlencoded";
    bool want = strlen(ct) >= sizeof form - 1;
    for (size_t i = 0; want && i < sizeof form - 1; i++) {
        char c = ct[i] >= 'A' && ct[i] <= 'Z' ? (char)(ct[i] - 'A' + 'a') : ct[i];
        want = c == form[i];
    }
    FUZZ_CHECK(console_form_type(ct) == want, "'%s' %s a form's type", ct, want ? "is" : "is not");
    free(ct);
}

static void check_secrets(struct fuzz_reader *r)
{
    char *a = fuzz_take_string(r, 200, NULL), *b = fuzz_take_string(r, 200, NULL);
    bool want = a[0] != '\0' && strcmp(a, b) == 0;
    FUZZ_CHECK(console_secret_equal(a, b) == want, "'%s' vs '%s'", a, b);
    FUZZ_CHECK(console_secret_equal(b, a) == want, "not symmetric");
    FUZZ_CHECK(console_secret_equal(a, a) == (a[0] != '\0'), "'%s' vs itself", a);
    free(a);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_reader r = {data, size};
    switch (fuzz_take_uint(&r, 1) % 4) {
    case 0:
        check_cookie(&r);
        break;
    case 1:
        check_route(&r);
        break;
    case 2:
        check_content_type(&r);
        break;
    default:
        check_secrets(&r);
        break;
    }
    return 0;
}
