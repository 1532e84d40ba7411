/* SPDX-License-Identifier: ISC */
/*
 * requirements_cli.h — the CSV reader of `staffd requirements` (whose entry
 * point, requirements_main, is in cli.h with the other subcommands).
 *
 * The CSV reader is pure, so that it can be tested and fuzzed alone:
 *   struct requirements_csv r;
 *   requirements_csv_init(&r, text, len);      // text writable, text[len] == '\0'
 *   while ((rc = requirements_csv_next(&r, &row, &why)) != 0)
 *       rc > 0 ? use(&row) : report(row.line, why);
 */
#ifndef STAFFD_REQUIREMENTS_CLI_H
#define STAFFD_REQUIREMENTS_CLI_H

#include <stddef.h>

#include "util.h"

/* The largest CSV `--csv` reads (a year of 15-minute intervals is about 1 MB). */
#define REQUIREMENTS_CSV_MAX (64 * 1024 * 1024)

struct requirements_csv {
    char *text;
    size_t len, pos;
    int line; /* lines read so far */
};

struct requirements_row {
    const char *start;  /* interval_start as written: no ',', CR or LF; inside the text */
    double contacts;    /* finite, >= 0 */
    double aht_seconds; /* finite, > 0 */
    int line;           /* 1-based; also set for a line that is not an interval */
};

/*
 * Reads text[0..len), columns interval_start,contacts,aht_seconds. Lines end
 * in LF, CRLF or CR; blank lines and lines starting with '#' are skipped, and
 * so is line 1 when its numbers do not parse (a header). The text is cut in
 * place, so it must be writable with text[len] == '\0'.
 */
void requirements_csv_init(struct requirements_csv *r, char *text, size_t len);
/*
 * 1: *row is the next interval. 0: the end. -EINVAL: row->line is not an
 * interval and *why says why (static text); the next call reads on.
 */
int requirements_csv_next(struct requirements_csv *r, struct requirements_row *row,
                          const char **why) STAFFD_MUSTCHECK;

#endif
