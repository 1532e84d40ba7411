/* SPDX-License-Identifier: ISC */
/*
 * config.c — parsing and validation of the configuration file (see
 * include/config.h). Unknown keys are errors: a misspelt key silently
 * ignored is a setting an operator believes in and does not have.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "log.h"
#include "text.h"

enum key_type {
    KEY_STR,
    KEY_INT,
    KEY_BOOL,
    KEY_ADDR,
    KEY_LEVEL,
    KEY_SHA256,
    KEY_DOUBLE,
    KEY_CLOCK
};

struct key {
    const char *name;
    enum key_type type;
    size_t offset;
    size_t size; /* for strings */
    long long min, max;
};

#define STR(f)         KEY_STR, offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define INT(f, lo, hi) KEY_INT, offsetof(struct config, f), sizeof(((struct config *)0)->f), lo, hi
#define DBL(f, lo, hi) KEY_DOUBLE, offsetof(struct config, f), sizeof(double), lo, hi
#define BOOL(f)        KEY_BOOL, offsetof(struct config, f), 0
#define ADDR(f)        KEY_ADDR, offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define LEVEL(f)       KEY_LEVEL, offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define SHA256(f)      KEY_SHA256, offsetof(struct config, f), sizeof(((struct config *)0)->f)
#define CLOCK()        KEY_CLOCK, 0, 0

static const struct key keys[] = {
    {"database", STR(database), 0, 0},
    {"listen_address", ADDR(listen_address), 0, 0},
    {"listen_port", INT(listen_port, 0, 65535)},
    {"max_connections", INT(max_connections, 1, 1000000)},
    {"failover_seconds", INT(failover_seconds, 2, 3600)},
    {"horizon_days", INT(horizon_days, 1, 56)},
    {"debounce_ms", INT(debounce_ms, 0, 600000)},
    {"max_debounce_ms", INT(max_debounce_ms, 0, 3600000)},
    {"quick_plan", BOOL(quick_plan), 0, 0},
    {"quick_debounce_ms", INT(quick_debounce_ms, 0, 600000)},
    {"quick_plan_seconds", DBL(quick_plan_seconds, 0, 3600)},
    {"quick_plan_iterations", INT(quick_plan_iterations, 0, LLONG_MAX)},
    {"full_plan_after_ms", INT(full_plan_after_ms, 0, 3600000)},
    {"cancelled_grace_days", INT(cancelled_grace_days, 0, 365)},
    {"migrate_on_start", BOOL(migrate_on_start), 0, 0},
    {"log_level", LEVEL(log_level), 0, 0},
    {"plan_seed", INT(plan_seed, 0, LLONG_MAX)},
    {"plan_seconds", DBL(plan_seconds, 0, 3600)},
    {"plan_iterations", INT(plan_iterations, 0, LLONG_MAX)},
    {"plan_threads", INT(plan_threads, 1, 64)},
    {"freeze_hours", INT(freeze_hours, 0, 720)},
    {"admin_token_sha256", SHA256(admin_token_sha256), 0, 0},
    {"api_allow_remote", BOOL(api_allow_remote), 0, 0},
    {"clock", CLOCK(), 0, 0},
    {"console", BOOL(console), 0, 0},
    {"console_allow_remote", BOOL(console_allow_remote), 0, 0},
    {"console_secure_cookie", BOOL(console_secure_cookie), 0, 0},
    {"console_session_hours", INT(console_session_hours, 1, 720)},
};

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen_address, sizeof c->listen_address, "127.0.0.1");
    c->listen_port = 8080;
    c->max_connections = 4096;
    c->failover_seconds = 5;
    c->horizon_days = 14;
    c->debounce_ms = 300;
    c->max_debounce_ms = 2000;
    c->quick_plan = true;
    c->quick_debounce_ms = 20;
    c->quick_plan_seconds = 0.1;
    c->quick_plan_iterations = 0;
    c->full_plan_after_ms = 2000;
    c->cancelled_grace_days = 7;
    c->migrate_on_start = true;
    snprintf(c->log_level, sizeof c->log_level, "info");
    c->plan_seed = 1;
    c->plan_seconds = 1.0;
    c->plan_iterations = 0;
    c->plan_threads = 2;
    c->freeze_hours = 48;
    c->console = true;
    c->console_session_hours = 12;
}

const char *config_default_path(void)
{
    const char *env = getenv("STAFFD_CONFIG");
    if (env != NULL && *env != '\0')
        return env;
    if (access("/etc/staffd/staffd.conf", R_OK) == 0)
        return "/etc/staffd/staffd.conf";
    return NULL;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t l = strlen(s);
    while (l > 0 && isspace((unsigned char)s[l - 1]))
        s[--l] = '\0';
    return s;
}

/*
 * "database", or a UTC instant written YYYY-MM-DDTHH:MM[:SS]Z. Only that one
 * spelling: an instant that could be read in a local zone is not accepted.
 */
static const char *parse_clock(struct config *c, const char *v)
{
    if (strcmp(v, "database") == 0) {
        c->clock_fixed = false;
        c->clock_at = 0;
        return NULL;
    }
    int y, mo, d, h, mi, sec = 0, used = 0;
    size_t n = strlen(v);
    bool with_seconds = n == 20;
    /* Digits where the pattern has them: sscanf's %2d alone would also take " 1" and "+1". */
    static const char pattern[] = "dddd-dd-ddTdd:dd:ddZ";
    for (size_t i = 0; i + 1 < n && i < sizeof pattern - 1; i++)
        if (pattern[i] == 'd' ? v[i] < '0' || v[i] > '9' : v[i] != pattern[i])
            return "not 'database' or an instant such as 2026-12-09T16:05:00Z";
    if (!(n == 17 || n == 20) || v[n - 1] != 'Z')
        return "not 'database' or an instant such as 2026-12-09T16:05:00Z";
    int got = with_seconds
                  ? sscanf(v, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &sec, &used)
                  : sscanf(v, "%4d-%2d-%2dT%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &used);
    if (got != (with_seconds ? 6 : 5) || (size_t)used != n)
        return "not 'database' or an instant such as 2026-12-09T16:05:00Z";
    struct tm tm = {.tm_year = y - 1900,
                    .tm_mon = mo - 1,
                    .tm_mday = d,
                    .tm_hour = h,
                    .tm_min = mi,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    struct tm back;
    /*
     * timegm() normalises 2026-02-30 into March: a date that does not round-trip
     * does not exist. The years stop at 2999 because a feed can carry no instant
     * after 3000 (calendar.h), and shifts are planned up to 56 days ahead.
     */
    if (y < 1971 || y > 2999 || gmtime_r(&t, &back) == NULL || back.tm_year != y - 1900 ||
        back.tm_mon != mo - 1 || back.tm_mday != d || back.tm_hour != h || back.tm_min != mi ||
        back.tm_sec != sec)
        return "not a valid date and time (UTC)";
    c->clock_fixed = true;
    c->clock_at = (long long)t;
    return NULL;
}

/* Sets one key; returns NULL or a static description of what is wrong. */
static const char *set_key(struct config *c, const struct key *k, const char *v)
{
    char *dst = (char *)c + k->offset;
    switch (k->type) {
    case KEY_STR:
        if (strlen(v) >= k->size)
            return "value too long";
        memcpy(dst, v, strlen(v) + 1);
        return NULL;
    case KEY_ADDR: {
        unsigned char buf[sizeof(struct in6_addr)];
        if (strlen(v) >= k->size ||
            (inet_pton(AF_INET, v, buf) != 1 && inet_pton(AF_INET6, v, buf) != 1))
            return "not an IPv4 or IPv6 address literal";
        memcpy(dst, v, strlen(v) + 1);
        return NULL;
    }
    case KEY_SHA256: {
        size_t n = strlen(v);
        if (n != 64 || strspn(v, "0123456789abcdefABCDEF") != 64)
            return "not a SHA-256 in hex (64 characters; e.g. printf %s TOKEN | sha256sum)";
        for (size_t i = 0; i <= n; i++)
            dst[i] = (char)tolower((unsigned char)v[i]);
        return NULL;
    }
    case KEY_LEVEL: {
        enum log_level lvl;
        if (log_parse_level(v, &lvl) < 0)
            return "not one of error, warning, notice, info, debug";
        memcpy(dst, v, strlen(v) + 1);
        return NULL;
    }
    case KEY_DOUBLE: {
        char *end;
        errno = 0;
        double x = strtod(v, &end);
        if (end == v || *end != '\0' || x != x)
            return "not a number";
        /*
         * strtod() flags only some underflows: 1e-320 sets ERANGE, the exact
         * 0x1p-1027 does not. No setting is meant as a subnormal: refuse them all.
         */
        if (errno == ERANGE || (x != 0 && fabs(x) < DBL_MIN) || x < (double)k->min ||
            x > (double)k->max)
            return "out of range";
        *(double *)dst = x;
        return NULL;
    }
    case KEY_CLOCK:
        return parse_clock(c, v);
    case KEY_BOOL:
        if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "on") == 0 ||
            strcmp(v, "1") == 0)
            *(bool *)dst = true;
        else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0 || strcmp(v, "off") == 0 ||
                 strcmp(v, "0") == 0)
            *(bool *)dst = false;
        else
            return "not a boolean (yes or no)";
        return NULL;
    case KEY_INT: {
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno != 0 || end == v || *end != '\0')
            return "not a whole number";
        if (n < k->min || n > k->max)
            return "out of range";
        if (k->size == sizeof(int))
            *(int *)dst = (int)n;
        else
            *(long long *)dst = n;
        return NULL;
    }
    }
    return "unknown type";
}

/*
 * Checks one line (without its end) and applies it to *c. Returns 0, or
 * -EINVAL with "NAME:LINE: what is wrong" in err. The line is edited in place.
 */
static int parse_line(struct config *c, char *line, size_t len, const char *name, int lineno,
                      char *err, size_t err_len)
{
    /* One line must not become two settings, nor hide a value behind a NUL. */
    if (memchr(line, '\0', len) != NULL) {
        text_printf(err, err_len, "%s:%d: NUL byte in the line", name, lineno);
        return -EINVAL;
    }
    if (len > CONFIG_LINE_MAX) {
        text_printf(err, err_len, "%s:%d: line too long", name, lineno);
        return -EINVAL;
    }
    char *s = trim(line);
    if (*s == '\0' || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (eq == NULL) {
        text_printf(err, err_len, "%s:%d: expected 'key = value'", name, lineno);
        return -EINVAL;
    }
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    /* Allow "value" in double quotes, so a value may hold leading spaces or '#'. */
    size_t vl = strlen(val);
    if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
        val[vl - 1] = '\0';
        val++;
    }
    const struct key *k = NULL;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strcmp(keys[i].name, key) == 0)
            k = &keys[i];
    if (k == NULL) {
        text_printf(err, err_len, "%s:%d: unknown key '%s'", name, lineno, key);
        return -EINVAL;
    }
    const char *why = set_key(c, k, val);
    if (why != NULL) {
        text_printf(err, err_len, "%s:%d: %s: %s", name, lineno, key, why);
        return -EINVAL;
    }
    return 0;
}

int config_parse(const char *text, size_t len, const char *name, struct config *out, char *err,
                 size_t err_len)
{
    struct config c;
    char *copy = NULL;
    int rc = 0, lineno = 0;

    config_defaults(&c);
    if (name == NULL)
        name = "defaults";
    if (len > CONFIG_FILE_MAX) {
        text_printf(err, err_len, "%s: larger than %d bytes", name, CONFIG_FILE_MAX);
        rc = -EFBIG;
        goto out;
    }
    /* A copy with a NUL after the last byte, so each line can be cut and trimmed in place. */
    copy = malloc(len + 1);
    if (copy == NULL) {
        rc = -ENOMEM;
        text_printf(err, err_len, "%s: %s", name, strerror(ENOMEM));
        goto out;
    }
    if (len > 0)
        memcpy(copy, text, len);
    copy[len] = '\0';
    for (size_t at = 0; at < len;) {
        char *line = copy + at;
        char *nl = memchr(line, '\n', len - at);
        size_t n = nl != NULL ? (size_t)(nl - line) : len - at;
        line[n] = '\0';
        at += n + 1;
        lineno++;
        rc = parse_line(&c, line, n, name, lineno, err, err_len);
        if (rc < 0)
            goto out;
    }
    if (c.plan_seconds <= 0 && c.plan_iterations <= 0) {
        text_printf(err, err_len, "%s: plan_seconds and plan_iterations cannot both be 0", name);
        rc = -EINVAL;
        goto out;
    }
    if (c.quick_plan_seconds <= 0) {
        text_printf(err, err_len, "%s: quick_plan_seconds must be above 0", name);
        rc = -EINVAL;
        goto out;
    }
    if (c.max_debounce_ms < c.debounce_ms) {
        text_printf(err, err_len, "%s: max_debounce_ms must not be below debounce_ms", name);
        rc = -EINVAL;
        goto out;
    }
    *out = c;
out:
    free(copy);
    return rc;
}

int config_load(const char *path, struct config *out, char *err, size_t err_len)
{
    char *text = NULL;
    size_t len = 0;
    int rc = 0;
    FILE *f = NULL;

    if (path == NULL)
        goto parse;
    f = fopen(path, "rb");
    if (f == NULL) {
        rc = -errno;
        text_printf(err, err_len, "%s: %s", path, strerror(errno));
        goto out;
    }
    /* One byte more than the parser takes, so that a larger file is reported as one. */
    text = malloc(CONFIG_FILE_MAX + 1);
    if (text == NULL) {
        rc = -ENOMEM;
        text_printf(err, err_len, "%s: %s", path, strerror(ENOMEM));
        goto out;
    }
    len = fread(text, 1, CONFIG_FILE_MAX + 1, f);
    if (ferror(f)) {
        rc = -EIO;
        text_printf(err, err_len, "%s: read error", path);
        goto out;
    }
parse:
    rc = config_parse(text, len, path, out, err, err_len);
out:
    if (f != NULL)
        fclose(f);
    free(text);
    return rc;
}
