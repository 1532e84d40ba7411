/* SPDX-License-Identifier: ISC */
/*
 * console_parse.h — what the planners' console reads out of a request's
 * bytes: the route of its path, its Cookie header, the Content-Type of a
 * form, the key=value pairs of a query string or form body, and the page's
 * and a form's parameters made of them. Pure: it reads only its arguments
 * (no h2o, libpq, clock or I/O; tools/lint.py holds it to that), so
 * console.c, tests/unit/test_console_parse.c and the fuzz harnesses
 * (tests/fuzz/fuzz_console_*.c) run the same code.
 *
 * Use (console.c, console_handle()):
 *   struct console_args args; int64_t hired;
 *   if (console_parse_args(query, strlen(query), &args, &hired, err, sizeof err) < 0)
 *       ... 400 with err
 *   struct console_target t;
 *   if (!console_parse_route(path, &t)) ... 404;   // t.agent: the ID of /console/agents/ID
 *   if (t.post) {
 *       if (!console_form_type(content_type)) ... 415;
 *       struct console_form f;
 *       if (console_parse_form(body, body_len, &f, err, sizeof err) < 0) ... 400 with err
 *   }
 *   char token[CONSOLE_COOKIE_BUF];
 *   console_cookie_value(cookie_header, CONSOLE_SESSION_COOKIE, token, sizeof token);
 */
#ifndef STAFFD_CONSOLE_PARSE_H
#define STAFFD_CONSOLE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h" /* STAFFD_MUSTCHECK */

#define CONSOLE_SESSION_COOKIE "staffd_session"
#define CONSOLE_SIGNIN_COOKIE  "staffd_signin"
#define CONSOLE_COOKIE_BUF     64     /* a cookie's value: 1..63 of [A-Za-z0-9_-] */
#define CONSOLE_KEY_BUF        32     /* a pair's key: up to 31 bytes once decoded */
#define CONSOLE_VALUE_BUF      128    /* a pair's value: up to 127 bytes once decoded */
#define CONSOLE_MAX_WHAT_IF    20     /* applicants in one what-if */
#define CONSOLE_LINK_TOKEN_MAX 90     /* a sign-in link's token: 1..90 of [A-Za-z0-9_-] */
#define CONSOLE_MAX_PAGE       100000 /* schedule: the last page= taken */

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

/* A page's parameters, as console_parse_args() validates them; 0 / "" mean "not given". */
struct console_args {
    int64_t site; /* asked for (0: the default); the chosen one once picked */
    int64_t queue, contract, agent;
    char tz[64];   /* an IANA name, [A-Za-z0-9/_+-] */
    char day[11];  /* YYYY-MM-DD */
    int days;      /* schedule: days shown (1, 7 or 14) */
    int page;      /* schedule: page of agents, 0-based */
    bool working;  /* schedule: only agents with a shift in the days shown */
    char sort[16]; /* fairness: name, hours, share, weekend, late */
};

/* A POST's form; 0 / "" mean "not given". */
struct console_form {
    char csrf[CONSOLE_VALUE_BUF];  /* csrf=: the CSRF token (or the sign-in form's value) */
    char token[CONSOLE_VALUE_BUF]; /* token=: the sign-in link's token */
    int64_t candidates[CONSOLE_MAX_WHAT_IF]; /* candidate=: distinct, in the order given */
    int n_candidates;
    int64_t contract; /* contract= */
    int64_t site;     /* site=: the action's site, whatever the address says */
};

enum console_route {
    CR_PAGE,        /* GET: a page (console_target.page) */
    CR_CSV,         /* GET: a download (console_target.csv) */
    CR_STATIC,      /* GET: the stylesheet */
    CR_SIGNIN_FORM, /* GET /console/signin/TOKEN */
    CR_SIGNIN,      /* POST /console/signin */
    CR_SIGNOUT,     /* POST /console/signout */
    CR_HIRE,        /* POST /console/hiring/hire */
    CR_WHAT_IF,     /* POST /console/hiring/what-if */
};

/* Where a path leads. */
struct console_target {
    enum console_route route;
    enum console_page page;                 /* CR_PAGE */
    enum console_csv csv;                   /* CR_CSV */
    int64_t agent;                          /* CP_AGENT: the ID of /console/agents/ID; else 0 */
    bool post;                              /* the route takes a form (POST); else GET and HEAD */
    char token[CONSOLE_LINK_TOKEN_MAX + 1]; /* CR_SIGNIN_FORM: the link's token; else "" */
};

/* Whether s is min..max characters of [A-Za-z0-9_-] (base64url, as every token staffd makes). */
bool console_token_valid(const char *s, size_t min, size_t max);

/*
 * Whether two secrets (a CSRF token against the form's) are the same and not
 * empty, in a time that does not depend on where they differ.
 */
bool console_secret_equal(const char *a, const char *b);

/*
 * The value of cookie `name` in a Cookie header (several headers joined with
 * "; "), into out[len]: the first cookie of that name decides; its value is
 * kept when it is 1..len-1 characters of [A-Za-z0-9_-], else out is "" (also
 * when the header is NULL or has no such cookie). Pairs are separated by ';'
 * and any spaces; the name must be followed by '=' at once. A value in
 * quotes, or with a blank or any other character a token never holds, is
 * refused, since staffd sets only bare tokens.
 */
void console_cookie_value(const char *header, const char *name, char *out, size_t len);

/*
 * The next key=value pair of s[..end) (a query string or an
 * application/x-www-form-urlencoded body), percent-decoded ('+' is a space)
 * into key[kl] and val[vl]. Empty pairs ("&&") are skipped; a pair without
 * '=' has an empty value; the key ends at the first '=', the value may hold
 * more. 1 with a pair (*cursor moves past it), 0 at the end, -EINVAL when the
 * pair is malformed (a '%' without two hex digits, %00 or a raw NUL) or does
 * not fit the buffers (kl - 1 and vl - 1 bytes once decoded). Never reads at
 * or past end.
 */
int console_next_pair(const char **cursor, const char *end, char *key, size_t kl, char *val,
                      size_t vl) STAFFD_MUSTCHECK;

/* An id: 1..19 decimal digits and nothing else (no sign or blank), 1..INT64_MAX. */
bool console_parse_id(const char *s, int64_t *out);
/* A day: YYYY-MM-DD, digits only, a day that exists (leap years), years 1900..9999. */
bool console_day_valid(const char *s);
/* A time zone's name: 1..63 characters of [A-Za-z0-9/_+-]. */
bool console_zone_valid(const char *s);

/*
 * The page's parameters from a query string q[0..len): site, queue,
 * contract, agent (ids), tz, day, days (1, 7, 14), page (0..100000, digits
 * only), working (anything but "0"), sort (name, hours, share, weekend, late)
 * and hired (an id, into *hired; 0 when absent); an empty value means "not
 * given", a repeated key's last value counts, other keys are ignored. 0, or
 * -EINVAL with a sentence in err (valid UTF-8) naming the parameter, and its
 * value when that is printable.
 */
int console_parse_args(const char *q, size_t len, struct console_args *a, int64_t *hired, char *err,
                       size_t err_len) STAFFD_MUSTCHECK;

/*
 * A POST's form from body[0..len): csrf, token, candidate (ids, at most
 * CONSOLE_MAX_WHAT_IF distinct; repeats are dropped), contract, site (ids; a
 * repeated one's last value counts); other keys are ignored. 0, or -EINVAL
 * with a sentence in err (valid UTF-8) naming the field.
 */
int console_parse_form(const char *body, size_t len, struct console_form *f, char *err,
                       size_t err_len) STAFFD_MUSTCHECK;

/* Whether a Content-Type is a form's (application/x-www-form-urlencoded, any case). */
bool console_form_type(const char *content_type);

/*
 * Where a raw request path (not decoded, without its query) leads: true
 * with *t filled in, false when nothing lives there (404).
 */
bool console_parse_route(const char *path, struct console_target *t);

#endif
