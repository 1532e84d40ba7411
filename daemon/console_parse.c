/* SPDX-License-Identifier: ISC */
/*
 * console_parse.c — the console's readers of request bytes (see
 * include/console_parse.h): paths, the Cookie header, the form's
 * Content-Type, query strings and form bodies. Everything here reads only its
 * arguments, so the unit tests and the fuzz harnesses drive it alone;
 * console.c calls it and answers what it finds.
 */
#include "console_parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include "text.h"

const char *const console_csv_names[CC_COUNT] = {
    "overview", "coverage", "shifts", "fairness",     "needs",
    "ranking",  "runs",     "errors", "availability", "time_off",
};

bool console_token_valid(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_'))
            return false;
    }
    return true;
}

bool console_secret_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    /* The length is no secret (every token is as long as its kind); the bytes are. */
    return la == lb && la > 0 && CRYPTO_memcmp(a, b, la) == 0;
}

void console_cookie_value(const char *header, const char *name, char *out, size_t len)
{
    out[0] = '\0';
    if (header == NULL)
        return;
    size_t nl = strlen(name);
    for (const char *p = header; *p != '\0';) {
        while (*p == ' ' || *p == ';')
            p++;
        const char *end = strchr(p, ';');
        size_t seg = end != NULL ? (size_t)(end - p) : strlen(p);
        if (seg > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            size_t vl = seg - nl - 1;
            if (vl < len) {
                memcpy(out, p + nl + 1, vl);
                out[vl] = '\0';
                if (!console_token_valid(out, 1, len - 1))
                    out[0] = '\0';
            }
            return;
        }
        p += seg;
    }
}

/* src into dst[size], which the caller has checked it fits (no truncation warning to silence). */
static void copy_text(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static int hexval(char ch)
{
    return ch >= '0' && ch <= '9'   ? ch - '0'
           : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
           : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                    : -1;
}

int console_next_pair(const char **cursor, const char *end, char *key, size_t kl, char *val,
                      size_t vl)
{
    const char *p = *cursor;
    while (p < end && *p == '&')
        p++;
    if (p == end)
        return 0;
    char *outs[2] = {key, val};
    size_t lens[2] = {kl, vl};
    for (int part = 0; part < 2; part++) {
        size_t o = 0;
        char *out = outs[part];
        while (p < end && *p != '&' && !(part == 0 && *p == '=')) {
            char ch = *p++;
            if (ch == '\0') /* a raw NUL: no browser sends one, and C strings would hide the rest */
                return -EINVAL;
            if (ch == '+') {
                ch = ' ';
            } else if (ch == '%') {
                int hi = p < end ? hexval(p[0]) : -1,
                    lo = hi >= 0 && p + 1 < end ? hexval(p[1]) : -1;
                if (lo < 0)
                    return -EINVAL;
                ch = (char)(hi * 16 + lo);
                p += 2;
            }
            if (o + 1 >= lens[part] || ch == '\0')
                return -EINVAL;
            out[o++] = ch;
        }
        out[o] = '\0';
        if (part == 0 && p < end && *p == '=')
            p++;
    }
    *cursor = p;
    return 1;
}

/* s as a decimal number of 1..19 digits, nothing else (no sign, blank or exponent), up to max. */
static bool parse_number(const char *s, int64_t max, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 19 || strspn(s, "0123456789") != n)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (uint64_t)(s[i] - '0'); /* 19 digits stay below 2^64 */
    if (v > (uint64_t)max)
        return false;
    *out = (int64_t)v;
    return true;
}

bool console_parse_id(const char *s, int64_t *out)
{
    int64_t v;
    if (!parse_number(s, INT64_MAX, &v) || v == 0)
        return false;
    *out = v;
    return true;
}

bool console_day_valid(const char *s)
{
    static const int month_days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > month_days[m - 1])
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m != 2 || d <= 28 || leap;
}

bool console_zone_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '/' || ch == '_' || ch == '+' || ch == '-'))
            return false;
    }
    return true;
}

/*
 * Whether a value may be shown in an error: valid UTF-8 without control
 * characters (a decoded value may hold any byte but NUL).
 */
static bool printable(const char *s)
{
    size_t n = strlen(s);
    if (!text_utf8_valid(s, n))
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* "key=value" for an error, or "key" alone (and why) when the value cannot be shown. */
static void bad_value(char *err, size_t err_len, const char *what, const char *key, const char *val)
{
    if (printable(val))
        text_printf(err, err_len, what, key, "=", val);
    else
        text_printf(err, err_len, what, key, "", " (its value is not printable text)");
}

int console_parse_args(const char *q, size_t len, struct console_args *a, int64_t *hired, char *err,
                       size_t err_len)
{
    char key[CONSOLE_KEY_BUF], val[CONSOLE_VALUE_BUF];
    const char *end = q + len;
    int rc;
    memset(a, 0, sizeof *a);
    a->days = 7;
    *hired = 0;
    while ((rc = console_next_pair(&q, end, key, sizeof key, val, sizeof val)) > 0) {
        bool ok = true;
        if (val[0] == '\0')
            continue; /* an empty filter from a form means "any" */
        if (strcmp(key, "site") == 0)
            ok = console_parse_id(val, &a->site);
        else if (strcmp(key, "queue") == 0)
            ok = console_parse_id(val, &a->queue);
        else if (strcmp(key, "contract") == 0)
            ok = console_parse_id(val, &a->contract);
        else if (strcmp(key, "agent") == 0)
            ok = console_parse_id(val, &a->agent);
        else if (strcmp(key, "tz") == 0 && (ok = console_zone_valid(val)))
            copy_text(a->tz, sizeof a->tz, val);
        else if (strcmp(key, "day") == 0 && (ok = console_day_valid(val)))
            copy_text(a->day, sizeof a->day, val);
        else if (strcmp(key, "days") == 0) {
            int64_t d = 0;
            ok = parse_number(val, 14, &d) && (d == 1 || d == 7 || d == 14);
            if (ok)
                a->days = (int)d;
        } else if (strcmp(key, "page") == 0) {
            int64_t pg = 0;
            ok = parse_number(val, CONSOLE_MAX_PAGE, &pg);
            if (ok)
                a->page = (int)pg;
        } else if (strcmp(key, "working") == 0)
            a->working = strcmp(val, "0") != 0;
        else if (strcmp(key, "sort") == 0) {
            ok = strcmp(val, "name") == 0 || strcmp(val, "hours") == 0 ||
                 strcmp(val, "share") == 0 || strcmp(val, "weekend") == 0 ||
                 strcmp(val, "late") == 0;
            if (ok)
                copy_text(a->sort, sizeof a->sort, val);
        } else if (strcmp(key, "hired") == 0) {
            ok = console_parse_id(val, hired);
        }
        if (!ok) {
            bad_value(err, err_len, "The parameter %s%s%s is not valid here.", key, val);
            return -EINVAL;
        }
    }
    if (rc < 0) {
        text_printf(err, err_len,
                    "The address's query is malformed (bad percent-encoding or too "
                    "long a value).");
        return -EINVAL;
    }
    return 0;
}

int console_parse_form(const char *body, size_t len, struct console_form *f, char *err,
                       size_t err_len)
{
    char key[CONSOLE_KEY_BUF], val[CONSOLE_VALUE_BUF];
    const char *end = body + len;
    int rc;
    memset(f, 0, sizeof *f);
    while ((rc = console_next_pair(&body, end, key, sizeof key, val, sizeof val)) > 0) {
        if (strcmp(key, "csrf") == 0) {
            copy_text(f->csrf, sizeof f->csrf, val);
        } else if (strcmp(key, "token") == 0) {
            copy_text(f->token, sizeof f->token, val);
        } else if (strcmp(key, "candidate") == 0) {
            int64_t id;
            if (!console_parse_id(val, &id)) {
                bad_value(err, err_len, "%s%s%s is not a candidate id.", key, val);
                return -EINVAL;
            }
            bool dup = false;
            for (int i = 0; i < f->n_candidates; i++)
                dup |= f->candidates[i] == id;
            if (dup)
                continue; /* a box ticked twice (two forms' worth of the same page) */
            if (f->n_candidates == CONSOLE_MAX_WHAT_IF) {
                text_printf(err, err_len, "Choose at most %d applicants at once.",
                            CONSOLE_MAX_WHAT_IF);
                return -EINVAL;
            }
            f->candidates[f->n_candidates++] = id;
        } else if (strcmp(key, "contract") == 0) {
            if (!console_parse_id(val, &f->contract)) {
                bad_value(err, err_len, "%s%s%s is not a contract id.", key, val);
                return -EINVAL;
            }
        } else if (strcmp(key, "site") == 0) {
            if (!console_parse_id(val, &f->site)) {
                bad_value(err, err_len, "%s%s%s is not a site id.", key, val);
                return -EINVAL;
            }
        }
    }
    if (rc < 0) {
        text_printf(err, err_len,
                    "The form is malformed (bad percent-encoding or too long a "
                    "value).");
        return -EINVAL;
    }
    return 0;
}

bool console_form_type(const char *content_type)
{
    const char *ct = content_type != NULL ? content_type : "";
    return strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0;
}

bool console_parse_route(const char *path, struct console_target *t)
{
    static const struct {
        const char *path;
        enum console_page page;
    } pages[] = {
        {"/console", CP_OVERVIEW},          {"/console/", CP_OVERVIEW},
        {"/console/coverage", CP_COVERAGE}, {"/console/schedule", CP_SCHEDULE},
        {"/console/fairness", CP_FAIRNESS}, {"/console/hiring", CP_HIRING},
    };
    static const struct {
        const char *path;
        enum console_route route;
    } forms[] = {
        {"/console/signin", CR_SIGNIN},
        {"/console/signout", CR_SIGNOUT},
        {"/console/hiring/hire", CR_HIRE},
        {"/console/hiring/what-if", CR_WHAT_IF},
    };
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        if (strcmp(path, pages[i].path) == 0) {
            t->route = CR_PAGE;
            t->page = pages[i].page;
            return true;
        }
    if (strncmp(path, "/console/agents/", 16) == 0) {
        t->route = CR_PAGE;
        t->page = CP_AGENT;
        return console_parse_id(path + 16, &t->agent);
    }
    if (strncmp(path, "/console/csv/", 13) == 0) {
        for (int k = 0; k < CC_COUNT; k++) {
            char want[64];
            snprintf(want, sizeof want, "/console/csv/%s.csv", console_csv_names[k]);
            if (strcmp(path, want) == 0) {
                t->route = CR_CSV;
                t->csv = (enum console_csv)k;
                return true;
            }
        }
        return false;
    }
    if (strcmp(path, "/console/static/console.css") == 0) {
        t->route = CR_STATIC;
        return true;
    }
    if (strncmp(path, "/console/signin/", 16) == 0 &&
        console_token_valid(path + 16, 1, CONSOLE_LINK_TOKEN_MAX)) {
        t->route = CR_SIGNIN_FORM;
        copy_text(t->token, sizeof t->token, path + 16);
        return true;
    }
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++)
        if (strcmp(path, forms[i].path) == 0) {
            t->route = forms[i].route;
            t->post = true;
            return true;
        }
    return false;
}
