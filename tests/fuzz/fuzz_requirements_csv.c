/* SPDX-License-Identifier: ISC */
/*
 * fuzz_requirements_csv.c — libFuzzer harness for the interval CSV of
 * `staffd requirements --csv` (requirements_csv_next() in
 * daemon/requirements_cli.c), and the staffing maths the CLI runs on each row.
 *
 * Input: a CSV file. Oracle: every row has an interval_start without ',', CR
 * or LF, finite contacts >= 0 and aht_seconds > 0, line numbers that only go
 * up and never pass the lines there are; the rows written back as CSV read
 * again as the same rows; staffing_required() and staffing_predict() on the
 * first rows (the CLI's defaults) succeed or say -EINVAL / -ERANGE, and what
 * they predict is a share in [0, 1]. Seeds: corpus/fuzz_requirements_csv/.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>

#include "fuzz.h"
#include "requirements_cli.h"
#include "staffing.h"

#define MAX_ROWS     4096
#define STAFFED_ROWS 4

struct row_copy {
    char *start;
    double contacts, aht;
};

static void check_staffing(double contacts, double aht)
{
    struct staffing_params p = {.contacts = contacts,
                                .aht_seconds = aht,
                                .interval_seconds = 900,
                                .service_level = 0.8,
                                .target_seconds = 20,
                                .max_occupancy = 1,
                                .concurrency = 1};
    struct staffing_requirement r;
    struct staffing_prediction pr;
    int rc = staffing_required(&p, &r);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ERANGE, "staffing_required: %d", rc);
    if (rc != 0)
        return;
    FUZZ_CHECK(r.agents >= 0 && r.scheduled_rounded >= r.agents, "agents %d, scheduled %d",
               r.agents, r.scheduled_rounded);
    FUZZ_CHECK(r.agents_fractional <= r.agents && r.agents_fractional > r.agents - 1 - 1e-9,
               "fractional %.17g for %d agents", r.agents_fractional, r.agents);
    rc = staffing_predict(&p, r.agents, &pr);
    FUZZ_CHECK(rc == 0 || rc == -ERANGE, "staffing_predict: %d", rc);
    if (rc == 0)
        FUZZ_CHECK(pr.service_level >= 0 && pr.service_level <= 1 && pr.occupancy >= 0 &&
                       pr.occupancy <= 1 + 1e-12 && pr.wait_probability >= 0 &&
                       pr.wait_probability <= 1,
                   "prediction out of range: sl %g occ %g wait %g", pr.service_level, pr.occupancy,
                   pr.wait_probability);
}

/* Reads text; copies of the rows go to rows[] (up to MAX_ROWS). Returns how many. */
static int read_all(const uint8_t *data, size_t size, struct row_copy *rows, bool check)
{
    char *text = fuzz_copy(data, size);
    size_t line_ends = 0;
    for (size_t i = 0; i < size; i++)
        line_ends += text[i] == '\n' || (text[i] == '\r' && (i + 1 == size || text[i + 1] != '\n'));
    struct requirements_csv r;
    struct requirements_row row;
    const char *why = NULL;
    int n = 0, rc, last = 0;
    requirements_csv_init(&r, text, size);
    while ((rc = requirements_csv_next(&r, &row, &why)) != 0) {
        FUZZ_CHECK(rc == 1 || rc == -EINVAL, "requirements_csv_next: %d", rc);
        FUZZ_CHECK(row.line > last && (size_t)row.line <= line_ends + 1, "line %d after %d",
                   row.line, last);
        last = row.line;
        if (rc < 0) {
            FUZZ_CHECK(why != NULL && why[0] != '\0', "an error without a reason");
            continue;
        }
        FUZZ_CHECK(row.start >= text && row.start < text + size + 1, "start outside the text");
        FUZZ_CHECK(strpbrk(row.start, ",\r\n") == NULL, "interval_start '%s'", row.start);
        FUZZ_CHECK(isfinite(row.contacts) && row.contacts >= 0, "contacts %g", row.contacts);
        FUZZ_CHECK(isfinite(row.aht_seconds) && row.aht_seconds > 0, "aht %g", row.aht_seconds);
        if (check && n < STAFFED_ROWS)
            check_staffing(row.contacts, row.aht_seconds);
        if (n < MAX_ROWS) {
            rows[n].start = strdup(row.start);
            FUZZ_CHECK(rows[n].start != NULL, "strdup");
            rows[n].contacts = row.contacts;
            rows[n].aht = row.aht_seconds;
            n++;
        }
    }
    free(text);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct row_copy rows[MAX_ROWS], again[MAX_ROWS];
    int n = read_all(data, size, rows, true);

    /* Written back, the rows read the same. */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    FUZZ_CHECK(f != NULL, "open_memstream");
    for (int i = 0; i < n; i++)
        fprintf(f, "%s,%.17g,%.17g\n", rows[i].start, rows[i].contacts, rows[i].aht);
    FUZZ_CHECK(fclose(f) == 0, "fclose");
    int m = read_all((const uint8_t *)text, len, again, false);
    FUZZ_CHECK(m == n, "%d rows written back, %d read", n, m);
    for (int i = 0; i < n; i++) {
        FUZZ_CHECK(strcmp(rows[i].start, again[i].start) == 0 &&
                       rows[i].contacts == again[i].contacts && rows[i].aht == again[i].aht,
                   "row %d written back differently", i);
        free(rows[i].start);
        free(again[i].start);
    }
    free(text);
    return 0;
}
