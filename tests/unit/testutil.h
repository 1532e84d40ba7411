/*
 * testutil.h — small helpers shared by the unit tests (header-only).
 */
#ifndef STAFFD_TESTUTIL_H
#define STAFFD_TESTUTIL_H

#include <stdint.h>

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's well-known formula). */
static inline int32_t test_civil_days(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

#ifdef STAFFD_NRP_H
#include <stdio.h>
#include <stdlib.h>
/*
 * Benchmark instance n (tests/data/nrp, or $STAFFD_TEST_DATA/nrp) as parsed and
 * as an engine model. Include cmocka.h and nrp.h before this header.
 */
static inline void test_load_benchmark(int n, struct nrp_instance *I, struct engine_instance **E)
{
    char path[512], err[256];
    const char *dir = getenv("STAFFD_TEST_DATA");
    snprintf(path, sizeof path, "%s/nrp/Instance%d.txt", dir && *dir ? dir : "tests/data", n);
    assert_int_equal(nrp_load(path, I, err, sizeof err), 0);
    assert_int_equal(nrp_to_engine(I, E), 0);
}
#endif

#endif
