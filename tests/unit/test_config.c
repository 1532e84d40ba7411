/* SPDX-License-Identifier: ISC */
/*
 * Tests of the configuration file parser (config.c): values, defaults, the
 * line named in every error, and a failed load leaving the old configuration.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "text.h"
#include "testutil.h"

static char *write_temp(const char *text)
{
    char *path = strdup("/tmp/staffd-test-conf-XXXXXX");
    int fd = mkstemp(path);
    assert_ge(fd, 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_config_parses_and_reports_lines(void **state)
{
    (void)state;
    struct config c;
    char err[512];
    char *p = write_temp("# comment\n\ndatabase = host=/tmp dbname=x\nlisten_port = 9090\n"
                         "listen_address = ::1\nmigrate_on_start = no\nlog_level = debug\n");
    assert_int_equal(config_load(p, &c, err, sizeof err), 0);
    assert_string_equal(c.database, "host=/tmp dbname=x");
    assert_int_equal(c.listen_port, 9090);
    assert_string_equal(c.listen_address, "::1");
    assert_false(c.migrate_on_start);
    assert_int_equal(c.horizon_days, 14);
    /* Quick plans are on by default (docs/engine.md, "Quick plans"). */
    assert_true(c.quick_plan);
    assert_int_equal(c.quick_debounce_ms, 20);
    assert_int_equal(c.full_plan_after_ms, 2000);
    unlink(p);
    free(p);
    p = write_temp("quick_plan = no\nquick_debounce_ms = 300\nquick_plan_seconds = 0.25\n"
                   "quick_plan_iterations = 500\nfull_plan_after_ms = 0\n");
    assert_int_equal(config_load(p, &c, err, sizeof err), 0);
    assert_false(c.quick_plan);
    assert_int_equal(c.quick_debounce_ms, 300);
    assert_true(c.quick_plan_seconds == 0.25);
    assert_int_equal(c.quick_plan_iterations, 500);
    assert_int_equal(c.full_plan_after_ms, 0);
    unlink(p);
    free(p);

    struct {
        const char *text, *expect;
    } bad[] = {
        {"listen_port = banana\n", ":1: listen_port: not a whole number"},
        {"\nlisten_port = 70000\n", ":2: listen_port: out of range"},
        {"horizon_dayz = 3\n", ":1: unknown key 'horizon_dayz'"},
        {"listen_address = localhost\n", "not an IPv4 or IPv6 address"},
        {"migrate_on_start = maybe\n", "not a boolean"},
        {"just words\n", "expected 'key = value'"},
        {"debounce_ms = 5000\nmax_debounce_ms = 100\n", "max_debounce_ms"},
        {"quick_plan_seconds = 0\n", "quick_plan_seconds must be above 0"},
        /* Found by tests/fuzz/fuzz_config: the hex spelling of a subnormal passed, the decimal
           one was "not a number"; neither is a planning budget. */
        {"plan_seconds = 0x1p-1027\n", ":1: plan_seconds: out of range"},
        {"plan_seconds = 1e-320\n", ":1: plan_seconds: out of range"},
        {"plan_seconds = 1e999\n", ":1: plan_seconds: out of range"},
        {"plan_seconds = nan\n", ":1: plan_seconds: not a number"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        c.listen_port = 1234;
        p = write_temp(bad[i].text);
        assert_int_equal(config_load(p, &c, err, sizeof err), -EINVAL);
        if (strstr(err, bad[i].expect) == NULL)
            fail_msg("'%s' gave '%s'", bad[i].text, err);
        /* A failed load leaves the caller's configuration untouched. */
        assert_int_equal(c.listen_port, 1234);
        unlink(p);
        free(p);
    }
    assert_lt(config_load("/nonexistent/staffd.conf", &c, err, sizeof err), 0);
    assert_non_null(strstr(err, "/nonexistent/staffd.conf"));
}

static void test_config_clock(void **state)
{
    (void)state;
    struct config c;
    char err[512];
    char *p = write_temp("clock = 2026-12-09T16:05:00Z\n");
    assert_int_equal(config_load(p, &c, err, sizeof err), 0);
    assert_true(c.clock_fixed);
    assert_int_equal(c.clock_at, 1796832300LL);
    unlink(p);
    free(p);
    p = write_temp("clock = 2027-01-03T23:59Z\n");
    assert_int_equal(config_load(p, &c, err, sizeof err), 0);
    assert_int_equal(c.clock_at, 1799020740LL);
    unlink(p);
    free(p);
    p = write_temp("clock = database\n");
    assert_int_equal(config_load(p, &c, err, sizeof err), 0);
    assert_false(c.clock_fixed);
    unlink(p);
    free(p);
    config_defaults(&c);
    assert_false(c.clock_fixed);

    const char *bad[] = {
        "clock = 2026-02-30T10:00:00Z\n", /* no such day */
        "clock = 2026-12-09T24:00:00Z\n", /* no such hour */
        "clock = 2026-12-09T16:05:00\n",  /* no zone: could be read as local time */
        "clock = 2026-12-09 16:05:00Z\n",
        "clock = 2026-12-09T16:05:00+01:00\n",
        "clock = now\n",
        "clock = 2026-12-09T16:05:00Zjunk\n",
        /* sscanf's %2d took these as 01:05:00 and 16:05:01 */
        "clock = 2026-12-09T 1:05:00Z\n",
        "clock = 2026-12-09T16:05:+1Z\n",
        "clock = 2026-12-09T16:-5Z\n",
        /* a feed carries no instant after 3000 (calendar.h) */
        "clock = 3000-01-01T00:00:00Z\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        p = write_temp(bad[i]);
        assert_int_equal(config_load(p, &c, err, sizeof err), -EINVAL);
        if (strstr(err, ":1: clock: not") == NULL)
            fail_msg("'%s' gave '%s'", bad[i], err);
        unlink(p);
        free(p);
    }
}

/* config_parse() is the parser config_load() uses: same results from text in memory. */
static void test_config_parse_buffer(void **state)
{
    (void)state;
    struct config c, d;
    char err[512];
    const char text[] = "listen_port = 9091\r\nplan_seconds = 2.5\n# end without a newline\n"
                        "database = \" host=/tmp \"";
    assert_int_equal(config_parse(text, sizeof text - 1, "mem", &c, err, sizeof err), 0);
    char *p = write_temp(text);
    assert_int_equal(config_load(p, &d, err, sizeof err), 0);
    unlink(p);
    free(p);
    assert_memory_equal(&c, &d, sizeof c);
    assert_int_equal(c.listen_port, 9091);
    assert_string_equal(c.database, " host=/tmp ");

    /* No text: the defaults, validated. */
    assert_int_equal(config_parse(NULL, 0, NULL, &c, err, sizeof err), 0);
    config_defaults(&d);
    assert_memory_equal(&c, &d, sizeof c);

    /* A NUL inside a line would hide the rest of it; it is an error that names the line. */
    const char nul[] = "listen_port = 80\nlisten_port = 8\0"
                       "0\n";
    assert_int_equal(config_parse(nul, sizeof nul - 1, "mem", &c, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "mem:2: NUL byte"));

    /* The longest line is CONFIG_LINE_MAX octets, as with the old fgets() buffer. */
    char line[CONFIG_LINE_MAX + 2];
    memset(line, ' ', sizeof line);
    memcpy(line, "# x", 3);
    assert_int_equal(config_parse(line, CONFIG_LINE_MAX, "mem", &c, err, sizeof err), 0);
    assert_int_equal(config_parse(line, CONFIG_LINE_MAX + 1, "mem", &c, err, sizeof err), -EINVAL);
    assert_non_null(strstr(err, "mem:1: line too long"));
}

/*
 * An error names the line and quotes the key; a long key in a non-Latin script
 * must be cut on a character boundary (the message goes to the journal and to
 * `staffd check-config`), ending in "…".
 */
static void test_config_error_utf8(void **state)
{
    (void)state;
    struct config c;
    char text[600] = "", err[64];
    for (int i = 0; i < 150; i++)
        strcat(text, "\xE6\x97\xA5"); /* 日 */
    strcat(text, " = 1\n");
    char *p = write_temp(text);
    for (size_t size = 8; size <= sizeof err; size++) {
        assert_int_equal(config_load(p, &c, err, size), -EINVAL);
        if (!text_utf8_valid(err, strlen(err)))
            fail_msg("error cut inside a character with %zu bytes of room: %s", size, err);
    }
    unlink(p);
    free(p);
    assert_non_null(strstr(err, ":1: unknown key"));
    assert_non_null(strstr(err, TEXT_ELLIPSIS));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_parses_and_reports_lines),
        cmocka_unit_test(test_config_clock),
        cmocka_unit_test(test_config_parse_buffer),
        cmocka_unit_test(test_config_error_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
