/*
 * console_data.h — every SQL statement of the planners' console and the
 * shaping of its results into template values (console.c routes, this module
 * reads). All console SQL lives in console_data.c, so that a per-site filter
 * (queues, agents, contracts, candidates and runs are getting a site_id) is
 * added in one place: struct console_args is where the site will go, and
 * every query below takes its filters as parameters.
 *
 * A page is read from the last published run (the last 'succeeded' row of
 * staffd.runs); "future" means intervals starting at or after its planned_at.
 * Each page is a few statements sent back to back on the console's own
 * connection; shaping is pure (PGresults in, values out).
 *
 * Use:
 *   struct console_query q[CONSOLE_MAX_QUERIES];
 *   int n = console_data_queries(CP_OVERVIEW, &args, q);   // db_exec each
 *   ... all results in ...
 *   console_data_shape(CP_OVERVIEW, &args, results, n, page_obj);
 *   console_csv_query(CC_COVERAGE, &args, &q1) -> db_exec -> console_csv_render(result)
 */
#ifndef STAFFD_CONSOLE_DATA_H
#define STAFFD_CONSOLE_DATA_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "template.h"

enum console_page { CP_OVERVIEW, CP_COVERAGE, CP_SCHEDULE, CP_AGENT, CP_FAIRNESS, CP_HIRING };

enum console_csv {
    CC_OVERVIEW,
    CC_COVERAGE,
    CC_SHIFTS,
    CC_FAIRNESS,
    CC_NEEDS,
    CC_RANKING,
    CC_RUNS,
    CC_ERRORS,
    CC_AVAILABILITY,
    CC_TIME_OFF,
    CC_COUNT
};

/* The CSV downloads by file name ("coverage" for /console/csv/coverage.csv). */
extern const char *const console_csv_names[CC_COUNT];

/* A page's parameters, validated by the caller (console.c); 0 / "" mean "not given". */
struct console_args {
    int64_t queue, contract, agent;
    char tz[64];   /* an IANA name, [A-Za-z0-9/_+-] */
    char day[11];  /* YYYY-MM-DD */
    int days;      /* schedule: days shown (1, 7 or 14) */
    int page;      /* schedule: page of agents, 0-based */
    bool working;  /* schedule: only agents with a shift in the days shown */
    char sort[16]; /* fairness: name, hours, share, weekend, late */
};

#define CONSOLE_MAX_QUERIES 5
#define CONSOLE_MAX_PARAMS  8
#define CONSOLE_PAGE_AGENTS 50 /* schedule rows per page */

struct console_query {
    const char *sql;
    int nparams;
    const char *params[CONSOLE_MAX_PARAMS]; /* point into store, or NULL (SQL NULL) */
    char store[CONSOLE_MAX_PARAMS][72];
};

/* The statements of a page, in order. Returns how many (>= 1). */
int console_data_queries(enum console_page p, const struct console_args *a,
                         struct console_query *out);
/*
 * Turns the page's results (same order) into values on `page`. 0, -ENOENT
 * (the agent asked for does not exist: 404), -EINVAL (unexpected shape) or
 * -ENOMEM.
 */
int console_data_shape(enum console_page p, const struct console_args *a, PGresult *const *res,
                       int n, struct tpl_obj *page);

/* One statement whose result is the CSV's table (its column names are the header). */
void console_csv_query(enum console_csv k, const struct console_args *a, struct console_query *q);
/*
 * RFC 4180 CSV of a result: CRLF lines, fields quoted when they hold a comma,
 * quote or line break, and a text field that a spreadsheet would run as a
 * formula (= + - @ at the start) prefixed with an apostrophe. malloc'd.
 */
char *console_csv_render(const PGresult *r, size_t *len);

#endif
