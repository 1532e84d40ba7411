/* SPDX-License-Identifier: ISC */
/*
 * fuzz_console_pairs.c — libFuzzer harness for what the console reads out of
 * a query string or a form body (daemon/console_parse.c):
 * console_next_pair(), console_parse_args() and console_parse_form().
 *
 * Input: a selector byte (bit 0 clear: a query string, set: a form body; bit
 * 1 clear: the bytes that follow as a client may send them, set: built from
 * parts, see build()), then the bytes; the parsers get a buffer of exactly
 * that size (no NUL after it), so AddressSanitizer sees any read past the
 * end. Oracle: a second
 * reading written here from include/console_parse.h and the WHATWG
 * urlencoded format: pairs split at '&', the key ends at the first '=', '+'
 * is a space, %XX a byte; a '%' without two hex digits, a NUL (raw or %00),
 * a key over 31 or a value over 127 bytes makes the input malformed. The
 * pairs must come out the same, up to the same malformed one; then the page's
 * parameters (ids as digits only, days of the calendar checked against
 * timegm(), the fixed sets of days and sorts) or the form's fields must be
 * what the header promises, and a refusal must come with a sentence in valid
 * UTF-8 that names the parameter. Seeds: corpus/fuzz_console_pairs/.
 */
#include <errno.h>
#include <stdbool.h>
#include <time.h>

#include "console_parse.h"
#include "fuzz.h"
#include "text.h"

#define MAX_PAIRS 4096

struct pair {
    char key[CONSOLE_KEY_BUF], val[CONSOLE_VALUE_BUF];
};

static int hex(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (unsigned char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes s[0..n) into out[cap]; false when malformed or too long. */
static bool decode(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n || hex((unsigned char)s[i + 1]) < 0 || hex((unsigned char)s[i + 2]) < 0)
                return false;
            c = (unsigned char)(hex((unsigned char)s[i + 1]) * 16 + hex((unsigned char)s[i + 2]));
            i += 2;
        } else if (c == '+') {
            c = ' ';
        }
        if (c == 0 || o + 1 > cap - 1)
            return false;
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return true;
}

/*
 * The pairs of s[0..n) the second way: split at '&' first, then at the first
 * '='. Returns how many pairs were read; *bad tells whether reading stopped at
 * a malformed one.
 */
static int expected_pairs(const char *s, size_t n, struct pair *out, bool *bad)
{
    int k = 0;
    size_t start = 0;
    *bad = false;
    while (start <= n && k < MAX_PAIRS) {
        const char *amp = memchr(s + start, '&', n - start);
        size_t end = amp != NULL ? (size_t)(amp - s) : n;
        if (end > start) {
            const char *eq = memchr(s + start, '=', end - start);
            size_t kend = eq != NULL ? (size_t)(eq - s) : end;
            size_t vstart = eq != NULL ? kend + 1 : end;
            /* A '%' near the '=' decodes on its own side: "%3" then "=" is malformed. */
            if (!decode(s + start, kend - start, out[k].key, sizeof out[k].key) ||
                !decode(s + vstart, end - vstart, out[k].val, sizeof out[k].val)) {
                *bad = true;
                return k;
            }
            k++;
        }
        start = end + 1;
    }
    return k;
}

/* Digits only, at most 19, their value (up to 19 nines fits in uint64). */
static bool digits(const char *s, uint64_t *v)
{
    size_t n = strlen(s);
    if (n == 0 || n > 19)
        return false;
    *v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        *v = *v * 10 + (uint64_t)(s[i] - '0');
    }
    return true;
}

static bool id_ok(const char *s, int64_t *out)
{
    uint64_t v;
    if (!digits(s, &v) || v == 0 || v > INT64_MAX)
        return false;
    *out = (int64_t)v;
    return true;
}

/* A day that exists: timegm() of it gives back the same fields. */
static bool day_ok(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    char y[5] = {0}, m[3] = {0}, d[3] = {0};
    memcpy(y, s, 4);
    memcpy(m, s + 5, 2);
    memcpy(d, s + 8, 2);
    uint64_t yv, mv, dv;
    if (!digits(y, &yv) || !digits(m, &mv) || !digits(d, &dv) || yv < 1900)
        return false;
    struct tm tm = {.tm_year = (int)yv - 1900, .tm_mon = (int)mv - 1, .tm_mday = (int)dv};
    time_t t = timegm(&tm);
    struct tm back;
    if (gmtime_r(&t, &back) == NULL)
        return false;
    return back.tm_year == (int)yv - 1900 && back.tm_mon == (int)mv - 1 &&
           back.tm_mday == (int)dv && mv >= 1 && dv >= 1;
}

static bool only(const char *s, const char *set, size_t min, size_t max)
{
    size_t n = strlen(s);
    return n >= min && n <= max && strspn(s, set) == n;
}

#define ZONE_CHARS  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+-"
#define TOKEN_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"

static bool printable_text(const char *s)
{
    if (!text_utf8_valid(s, strlen(s)))
        return false;
    for (const char *p = s; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

static void check_err(int rc, const char *err, const char *key, const char *val)
{
    FUZZ_CHECK(rc == -EINVAL, "refusal %d, not -EINVAL", rc);
    FUZZ_CHECK(err[0] != '\0', "a refusal without a sentence");
    FUZZ_CHECK(text_utf8_valid(err, strlen(err)), "the sentence is not UTF-8: %s", err);
    for (const char *p = err; *p != '\0'; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "a control character in: %s", err);
    if (key != NULL)
        FUZZ_CHECK(strstr(err, key) != NULL, "the sentence does not name %s: %s", key, err);
    if (key != NULL && val != NULL && !printable_text(val))
        FUZZ_CHECK(strstr(err, "(its value is not printable text)") != NULL,
                   "a value that is not printable text is shown: %s", err);
}

static void check_args(const char *q, size_t n, const struct pair *want, int nw, bool bad)
{
    struct console_args a, e;
    int64_t hired = -1, ehired = 0;
    char err[300] = "";
    int rc = console_parse_args(q, n, &a, &hired, err, sizeof err);
    memset(&e, 0, sizeof e);
    e.days = 7;
    for (int i = 0; i < nw; i++) {
        const char *k = want[i].key, *v = want[i].val;
        bool ok = true;
        if (v[0] == '\0')
            continue;
        uint64_t num = 0;
        if (strcmp(k, "site") == 0)
            ok = id_ok(v, &e.site);
        else if (strcmp(k, "queue") == 0)
            ok = id_ok(v, &e.queue);
        else if (strcmp(k, "contract") == 0)
            ok = id_ok(v, &e.contract);
        else if (strcmp(k, "agent") == 0)
            ok = id_ok(v, &e.agent);
        else if (strcmp(k, "hired") == 0)
            ok = id_ok(v, &ehired);
        else if (strcmp(k, "tz") == 0) {
            ok = only(v, ZONE_CHARS, 1, 63);
            if (ok)
                strcpy(e.tz, v);
        } else if (strcmp(k, "day") == 0) {
            ok = day_ok(v);
            if (ok)
                strcpy(e.day, v);
        } else if (strcmp(k, "days") == 0) {
            ok = digits(v, &num) && (num == 1 || num == 7 || num == 14);
            e.days = ok ? (int)num : e.days;
        } else if (strcmp(k, "page") == 0) {
            ok = digits(v, &num) && num <= 100000;
            e.page = ok ? (int)num : e.page;
        } else if (strcmp(k, "working") == 0) {
            e.working = strcmp(v, "0") != 0;
        } else if (strcmp(k, "sort") == 0) {
            static const char *const sorts[] = {"name", "hours", "share", "weekend", "late"};
            ok = false;
            for (int s = 0; s < 5; s++)
                ok |= strcmp(v, sorts[s]) == 0;
            if (ok)
                strcpy(e.sort, v);
        }
        if (!ok) {
            check_err(rc, err, k, v);
            return;
        }
    }
    if (bad) {
        check_err(rc, err, NULL, NULL);
        return;
    }
    FUZZ_CHECK(rc == 0, "query refused (%d): %s", rc, err);
    FUZZ_CHECK(a.site == e.site && a.queue == e.queue && a.contract == e.contract &&
                   a.agent == e.agent && hired == ehired,
               "ids %lld %lld %lld %lld %lld, expected %lld %lld %lld %lld %lld", (long long)a.site,
               (long long)a.queue, (long long)a.contract, (long long)a.agent, (long long)hired,
               (long long)e.site, (long long)e.queue, (long long)e.contract, (long long)e.agent,
               (long long)ehired);
    FUZZ_CHECK(strcmp(a.tz, e.tz) == 0 && strcmp(a.day, e.day) == 0 && strcmp(a.sort, e.sort) == 0,
               "tz '%s' day '%s' sort '%s', expected '%s' '%s' '%s'", a.tz, a.day, a.sort, e.tz,
               e.day, e.sort);
    FUZZ_CHECK(a.days == e.days && a.page == e.page && a.working == e.working,
               "days %d page %d working %d, expected %d %d %d", a.days, a.page, a.working, e.days,
               e.page, e.working);
}

static void check_form(const char *body, size_t n, const struct pair *want, int nw, bool bad)
{
    struct console_form f, e;
    char err[300] = "";
    int rc = console_parse_form(body, n, &f, err, sizeof err);
    memset(&e, 0, sizeof e);
    for (int i = 0; i < nw; i++) {
        const char *k = want[i].key, *v = want[i].val;
        if (strcmp(k, "csrf") == 0) {
            strcpy(e.csrf, v);
        } else if (strcmp(k, "token") == 0) {
            strcpy(e.token, v);
        } else if (strcmp(k, "candidate") == 0) {
            int64_t id;
            if (!id_ok(v, &id)) {
                check_err(rc, err, "candidate", v);
                return;
            }
            bool seen = false;
            for (int c = 0; c < e.n_candidates; c++)
                seen |= e.candidates[c] == id;
            if (!seen && e.n_candidates == CONSOLE_MAX_WHAT_IF) {
                check_err(rc, err, NULL, NULL);
                return;
            }
            if (!seen)
                e.candidates[e.n_candidates++] = id;
        } else if (strcmp(k, "contract") == 0 || strcmp(k, "site") == 0) {
            int64_t *dst = k[0] == 'c' ? &e.contract : &e.site;
            if (!id_ok(v, dst)) {
                check_err(rc, err, k, v);
                return;
            }
        }
    }
    if (bad) {
        check_err(rc, err, NULL, NULL);
        return;
    }
    FUZZ_CHECK(rc == 0, "form refused (%d): %s", rc, err);
    FUZZ_CHECK(strcmp(f.csrf, e.csrf) == 0 && strcmp(f.token, e.token) == 0,
               "csrf '%s' token '%s', expected '%s' '%s'", f.csrf, f.token, e.csrf, e.token);
    FUZZ_CHECK(f.contract == e.contract && f.site == e.site, "contract/site differ");
    FUZZ_CHECK(f.n_candidates == e.n_candidates, "%d candidates, expected %d", f.n_candidates,
               e.n_candidates);
    for (int c = 0; c < e.n_candidates; c++)
        FUZZ_CHECK(f.candidates[c] == e.candidates[c], "candidate %d differs", c);
}

/*
 * The input built from parts, so the fuzzer spends its time on values of the
 * keys that mean something: each part is a byte choosing a key (one of the
 * parser's, or the next string as a key of its own), then the value, joined
 * as "key=value&...". Returns a malloc'd buffer of exactly *n bytes.
 */
static char *build(struct fuzz_reader *r, size_t *n)
{
    static const char *const keys[] = {"site",  "queue", "contract", "agent",    "tz",
                                       "day",   "days",  "page",     "working",  "sort",
                                       "hired", "csrf",  "token",    "candidate"};
    /*
     * Each part takes at least its selector byte and writes at most the
     * longest key (9), '=' and '&' beside the bytes it takes: 12 per byte
     * read bounds the whole (a part of three bytes, "candidate=&", is 11).
     */
    size_t nk = sizeof keys / sizeof *keys, cap = 12 * r->n + 1, len = 0;
    char *out = malloc(cap);
    FUZZ_CHECK(out != NULL, "malloc");
    while (r->n > 0) {
        size_t pick = (size_t)fuzz_take_uint(r, 1) % (nk + 1);
        size_t kl, vl;
        char *key = pick < nk ? NULL : fuzz_take_string(r, 40, &kl);
        char *val = fuzz_take_string(r, 200, &vl);
        const char *k = key != NULL ? key : keys[pick];
        if (key == NULL)
            kl = strlen(k);
        FUZZ_CHECK(len + kl + vl + 2 <= cap, "build: %zu bytes do not fit %zu", len + kl + vl + 2,
                   cap);
        if (len > 0)
            out[len++] = '&';
        memcpy(out + len, k, kl);
        len += kl;
        out[len++] = '=';
        memcpy(out + len, val, vl);
        len += vl;
        free(key);
        free(val);
    }
    *n = len;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool is_form = data[0] & 1;
    size_t n = size - 1;
    char *s;
    if (data[0] & 2) {
        struct fuzz_reader r = {data + 1, size - 1};
        char *built = build(&r, &n);
        /* Exactly n bytes, so AddressSanitizer sees a read past the end. */
        s = malloc(n ? n : 1);
        FUZZ_CHECK(s != NULL, "malloc");
        if (n > 0)
            memcpy(s, built, n);
        free(built);
    } else {
        /* An exact-size copy: the parsers take a length and must not read past it. */
        s = malloc(n ? n : 1);
        FUZZ_CHECK(s != NULL, "malloc");
        if (n > 0)
            memcpy(s, data + 1, n);
    }
    static struct pair want[MAX_PAIRS];
    bool bad;
    int nw = expected_pairs(s, n, want, &bad);
    if (nw == MAX_PAIRS) {
        free(s);
        return 0; /* more pairs than the oracle keeps (inputs are far shorter in practice) */
    }

    /* The pairs themselves. */
    const char *p = s, *end = s + n;
    char key[CONSOLE_KEY_BUF], val[CONSOLE_VALUE_BUF];
    int i = 0, rc;
    while ((rc = console_next_pair(&p, end, key, sizeof key, val, sizeof val)) > 0) {
        FUZZ_CHECK(i < nw, "pair %d '%s'='%s' the oracle does not see", i, key, val);
        FUZZ_CHECK(strcmp(key, want[i].key) == 0 && strcmp(val, want[i].val) == 0,
                   "pair %d: '%s'='%s', expected '%s'='%s'", i, key, val, want[i].key, want[i].val);
        FUZZ_CHECK(p > s && p <= end, "cursor outside the input");
        i++;
    }
    FUZZ_CHECK(i == nw, "%d pairs, expected %d", i, nw);
    FUZZ_CHECK(bad ? rc == -EINVAL : rc == 0, "end %d, expected %s", rc, bad ? "-EINVAL" : "0");

    if (is_form)
        check_form(s, n, want, nw, bad);
    else
        check_args(s, n, want, nw, bad);
    free(s);
    return 0;
}
