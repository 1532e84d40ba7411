/* SPDX-License-Identifier: ISC */
/*
 * console_data.h — every SQL statement of the planners' console and the
 * shaping of its results into template values (console.c routes, this module
 * reads).
 *
 * Every page, CSV and action is about one site (docs/sites.md): the request's
 * `site` parameter, or by default the site of the agent it names, else the
 * first active site, else the first one. console.c reads the sites first
 * (console_sites_query), picks the site (console_site_pick: an unknown one is
 * a 404) and only then sends the page's statements, each of which takes the
 * chosen site as $1 and reaches it through the site_id of queues, agents,
 * contracts, candidates, runs or input_errors. So no statement can mix sites.
 *
 * A page is read from the site's last published run (its last 'succeeded'
 * row of staffd.runs); "future" means intervals starting at or after that
 * run's planned_at. Each page is a few statements sent back to back on the
 * console's own connection; shaping is pure (PGresults in, values out).
 *
 * Use:
 *   console_sites_query(&args, &sq) -> db_exec -> console_site_pick(res, args.site, args.agent,
 * &site) args.site = site.id; struct console_query q[CONSOLE_MAX_QUERIES]; int n =
 * console_data_queries(CP_OVERVIEW, &args, q);   // db_exec each
 *   ... all results in ...
 *   console_data_shape(CP_OVERVIEW, &args, results, n, page_obj);
 *   console_site_shape(sites_result, &site, page_obj);     // the selector
 *   console_csv_query(CC_COVERAGE, &args, &q1) -> db_exec -> console_csv_render(result)
 */
#ifndef STAFFD_CONSOLE_DATA_H
#define STAFFD_CONSOLE_DATA_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console_parse.h" /* the pages, downloads and struct console_args */
#include "template.h"
#include "util.h"

#define CONSOLE_MAX_QUERIES 5
#define CONSOLE_MAX_PARAMS  8
#define CONSOLE_PAGE_AGENTS 50 /* schedule rows per page */

struct console_query {
    const char *sql;
    int nparams;
    const char *params[CONSOLE_MAX_PARAMS]; /* point into store, or NULL (SQL NULL) */
    char store[CONSOLE_MAX_PARAMS][72];
};

/* The site a request is about, as console_site_pick() chose it. */
struct console_site {
    int64_t id;
    char name[512]; /* up to 100 characters of UTF-8 */
    bool active;
    int horizon_days, freeze_hours; /* the site's own; -1 where the daemon's apply */
    int count;                      /* sites in all: the selector shows from 2 */
};

/* Every site, for the choice and the selector ($1: the agent the address names, or NULL). */
void console_sites_query(const struct console_args *a, struct console_query *q);
/*
 * The site of a request from console_sites_query()'s result: `asked` when
 * given (-ENOENT when no site has that id), else the site of `agent` (when
 * the address names one), else the first active site, else the first site
 * (-ENOENT when there is none). 0 or -ENOENT.
 */
int console_site_pick(const PGresult *sites, int64_t asked, int64_t agent,
                      struct console_site *out) STAFFD_MUSTCHECK;
/*
 * The chosen site on a page: `site` (its id, for every link and form),
 * `site_name`, `site_inactive`, and with more than one site `sites_many` and
 * the list `sites` for the selector.
 */
void console_site_shape(const PGresult *sites, const struct console_site *s, struct tpl_obj *page);

/*
 * The first of the what-if's applicants ($2, an array literal) who is not of
 * the chosen site ($1): id, name, their site's name. No row when all are.
 */
extern const char console_sql_foreign_candidate[];
/*
 * A hire at the chosen site: $1 the session's SHA-256 (hex), $2 candidate,
 * $3 contract, $4 site; the new agent's id, or PostgreSQL's refusal.
 */
extern const char console_sql_hire[];

/* The statements of a page, in order; each takes the chosen site as $1. Returns how many (>= 1). */
int console_data_queries(enum console_page p, const struct console_args *a,
                         struct console_query *out);
/*
 * Turns the page's results (same order) into values on `page`. 0, -ENOENT
 * (the agent asked for does not exist: 404), -EINVAL (unexpected shape) or
 * -ENOMEM.
 */
int console_data_shape(enum console_page p, const struct console_args *a, PGresult *const *res,
                       int n, struct tpl_obj *page) STAFFD_MUSTCHECK;

/* One statement whose result is the CSV's table (its column names are the header). */
void console_csv_query(enum console_csv k, const struct console_args *a, struct console_query *q);
/*
 * RFC 4180 CSV of a result: CRLF lines, fields quoted when they hold a comma,
 * quote or line break, and a text field that a spreadsheet would run as a
 * formula (= + - @ at the start) prefixed with an apostrophe. malloc'd.
 */
char *console_csv_render(const PGresult *r, size_t *len) STAFFD_MUSTCHECK;

#endif
