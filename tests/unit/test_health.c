/* SPDX-License-Identifier: ISC */
/*
 * test_health.c — daemon/health.c on inputs built in memory: what makes the
 * daemon say "degraded" (503). A daemon whose feed cache is still loading
 * answers feed URLs 503, so /healthz must not say it is healthy until the
 * cache is filled (a load balancer or a probe would send calendars to it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "health.h"

static struct health_input healthy(void)
{
    return (struct health_input){.now = 1700000000, .db_connected = true, .feeds = 3};
}

static void test_healthy_is_200(void **state)
{
    (void)state;
    struct health_input in = healthy();
    char reasons[4][192];
    assert_int_equal(health_reasons(&in, reasons, 4), 0);
    int status = 0;
    char *body = health_json(&in, &status);
    assert_non_null(body);
    assert_int_equal(status, 200);
    free(body);
}

static void test_feeds_loading_is_503(void **state)
{
    (void)state;
    struct health_input in = healthy();
    in.feeds_loading = true;
    char reasons[4][192];
    assert_int_equal(health_reasons(&in, reasons, 4), 1);
    assert_non_null(strstr(reasons[0], "feeds are still loading"));
    int status = 0;
    char *body = health_json(&in, &status);
    assert_non_null(body);
    assert_int_equal(status, 503);
    assert_non_null(strstr(body, "feeds are still loading"));
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_healthy_is_200),
        cmocka_unit_test(test_feeds_loading_is_503),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
