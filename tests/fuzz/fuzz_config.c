/* SPDX-License-Identifier: ISC */
/*
 * fuzz_config.c — libFuzzer harness for the configuration file parser
 * (config_parse() in daemon/config.c, the one config_load() uses).
 *
 * Input: the bytes of a configuration file. Oracle: a refused file leaves the
 * caller's struct untouched and says where ("fuzz:LINE: ..." or "fuzz: ..."),
 * in valid UTF-8 when the file is; an accepted one satisfies every bound of
 * docs/interfaces.md, and written back as `key = value` lines it parses to the
 * same configuration (so nothing was half-read). Seeds: corpus/fuzz_config/.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <time.h>

#include "config.h"
#include "fuzz.h"
#include "log.h"
#include "text.h"

/* Field by field: padding and the bytes after a string's NUL may differ. */
static bool same_config(const struct config *a, const struct config *b)
{
    return strcmp(a->database, b->database) == 0 &&
           strcmp(a->listen_address, b->listen_address) == 0 && a->listen_port == b->listen_port &&
           a->horizon_days == b->horizon_days && a->debounce_ms == b->debounce_ms &&
           a->max_debounce_ms == b->max_debounce_ms &&
           a->cancelled_grace_days == b->cancelled_grace_days &&
           a->migrate_on_start == b->migrate_on_start && strcmp(a->log_level, b->log_level) == 0 &&
           a->plan_seed == b->plan_seed && a->plan_seconds == b->plan_seconds &&
           a->plan_iterations == b->plan_iterations && a->plan_threads == b->plan_threads &&
           a->freeze_hours == b->freeze_hours &&
           strcmp(a->admin_token_sha256, b->admin_token_sha256) == 0 &&
           a->api_allow_remote == b->api_allow_remote && a->clock_fixed == b->clock_fixed &&
           a->clock_at == b->clock_at;
}

#define TERMINATED(field) (memchr((field), '\0', sizeof(field)) != NULL)

static void check_bounds(const struct config *c)
{
    unsigned char addr[16];
    enum log_level lvl;
    FUZZ_CHECK(TERMINATED(c->database) && TERMINATED(c->listen_address) &&
                   TERMINATED(c->log_level) && TERMINATED(c->admin_token_sha256),
               "a string field is not terminated");
    FUZZ_CHECK(inet_pton(AF_INET, c->listen_address, addr) == 1 ||
                   inet_pton(AF_INET6, c->listen_address, addr) == 1,
               "listen_address '%s' is not an address", c->listen_address);
    FUZZ_CHECK(c->listen_port >= 0 && c->listen_port <= 65535, "listen_port %d", c->listen_port);
    FUZZ_CHECK(c->horizon_days >= 1 && c->horizon_days <= 56, "horizon_days %d", c->horizon_days);
    FUZZ_CHECK(c->debounce_ms >= 0 && c->debounce_ms <= c->max_debounce_ms &&
                   c->max_debounce_ms <= 3600000,
               "debounce %d / %d", c->debounce_ms, c->max_debounce_ms);
    FUZZ_CHECK(c->cancelled_grace_days >= 0 && c->cancelled_grace_days <= 365, "grace days");
    FUZZ_CHECK(log_parse_level(c->log_level, &lvl) == 0, "log_level '%s'", c->log_level);
    FUZZ_CHECK(c->plan_seed >= 0 && c->plan_iterations >= 0, "negative seed or iterations");
    FUZZ_CHECK(isfinite(c->plan_seconds) && c->plan_seconds >= 0 && c->plan_seconds <= 3600,
               "plan_seconds %g", c->plan_seconds);
    FUZZ_CHECK(c->plan_seconds > 0 || c->plan_iterations > 0, "no budget at all");
    FUZZ_CHECK(c->plan_threads >= 1 && c->plan_threads <= 64, "plan_threads %d", c->plan_threads);
    FUZZ_CHECK(c->freeze_hours >= 0 && c->freeze_hours <= 720, "freeze_hours %d", c->freeze_hours);
    size_t n = strlen(c->admin_token_sha256);
    FUZZ_CHECK(n == 0 || (n == 64 && strspn(c->admin_token_sha256, "0123456789abcdef") == 64),
               "admin_token_sha256 '%s'", c->admin_token_sha256);
    /* 1971-01-01 .. 2999-12-31T23:59:59Z */
    FUZZ_CHECK(!c->clock_fixed || (c->clock_at >= 31536000LL && c->clock_at <= 32503679999LL),
               "clock %lld", c->clock_at);
}

/* The configuration as a file, one line per key. */
static char *write_back(const struct config *c, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    FUZZ_CHECK(f != NULL, "open_memstream");
    fprintf(f, "database = \"%s\"\n", c->database);
    fprintf(f, "listen_address = %s\nlisten_port = %d\n", c->listen_address, c->listen_port);
    fprintf(f, "horizon_days = %d\ndebounce_ms = %d\nmax_debounce_ms = %d\n", c->horizon_days,
            c->debounce_ms, c->max_debounce_ms);
    fprintf(f, "cancelled_grace_days = %d\nmigrate_on_start = %s\nlog_level = %s\n",
            c->cancelled_grace_days, c->migrate_on_start ? "yes" : "no", c->log_level);
    fprintf(f, "plan_seed = %lld\nplan_seconds = %.17g\nplan_iterations = %lld\n", c->plan_seed,
            c->plan_seconds, c->plan_iterations);
    fprintf(f, "plan_threads = %d\nfreeze_hours = %d\napi_allow_remote = %s\n", c->plan_threads,
            c->freeze_hours, c->api_allow_remote ? "on" : "off");
    if (c->admin_token_sha256[0] != '\0')
        fprintf(f, "admin_token_sha256 = %s\n", c->admin_token_sha256);
    if (c->clock_fixed) {
        time_t t = (time_t)c->clock_at;
        struct tm tm;
        FUZZ_CHECK(gmtime_r(&t, &tm) != NULL, "gmtime_r");
        fprintf(f, "clock = %04d-%02d-%02dT%02d:%02d:%02dZ\n", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    } else {
        fprintf(f, "clock = database\n");
    }
    FUZZ_CHECK(fclose(f) == 0, "fclose");
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct config before, c, again;
    char err[256];
    memset(&before, 0x5a, sizeof before);
    c = before;
    memset(err, 'x', sizeof err);
    int rc = config_parse((const char *)data, size, "fuzz", &c, err, sizeof err);
    if (rc != 0) {
        FUZZ_CHECK(rc == -EINVAL || rc == -EFBIG, "config_parse returned %d", rc);
        FUZZ_CHECK(memcmp(&c, &before, sizeof c) == 0, "a refused file changed the output");
        FUZZ_CHECK(memchr(err, '\0', sizeof err) != NULL, "error not terminated");
        FUZZ_CHECK(strncmp(err, "fuzz:", 5) == 0, "error does not name the file: %s", err);
        FUZZ_CHECK(!text_utf8_valid((const char *)data, size) || text_utf8_valid(err, strlen(err)),
                   "error not valid UTF-8: %s", err);
        return 0;
    }
    check_bounds(&c);
    size_t len = 0;
    char *text = write_back(&c, &len);
    rc = config_parse(text, len, "again", &again, err, sizeof err);
    FUZZ_CHECK(rc == 0, "written back, refused: %s\n%s", err, text);
    FUZZ_CHECK(same_config(&c, &again), "written back, parsed differently:\n%s", text);
    free(text);
    return 0;
}
