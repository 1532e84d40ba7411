/* SPDX-License-Identifier: ISC */
/*
 * template.h — HTML from templates compiled into the binary, with HTML
 * escaping done here and nowhere else.
 *
 * A page is a template (console/templates/NAME.html, embedded at build time by
 * tools/embed-files.sh) rendered over a tree of values that the caller builds
 * in an arena. The syntax is a small subset of Mustache:
 *
 *   {{name}}              the value of `name`, HTML-escaped; always
 *   {{#name}}...{{/name}} a list: once per item (the item's values first, then
 *                         the enclosing ones); a flag that is true or a
 *                         non-empty text: once
 *   {{^name}}...{{/name}} once when `name` is absent, false, "" or an empty list
 *   {{&name}}             a fragment built with html_*() below, inserted as it
 *                         is; a plain text value here is escaped all the same
 *   {{>name}}             the template `name`, over the same values
 *
 * Unescaped output is impossible by default: text values are escaped on the
 * way out whatever the tag, and the only markup that passes is a `struct html`
 * whose markup comes from string literals (html_lit() accepts nothing else)
 * and whose text went through html_text()/html_textf(), the same escaper.
 * tpl_load() also refuses a template with a {{...}} inside a tag but outside a
 * quoted attribute value, a <script> element or a style attribute, so what the
 * Content-Security-Policy forbids cannot be written by accident.
 *
 * Use:
 *   struct tpl_set *ts;  tpl_load(files, n, &ts, err, sizeof err);   // at start
 *   struct tpl_arena *a = tpl_arena_new();
 *   struct tpl_obj *page = tpl_obj_new(a);
 *   tpl_set(page, "title", name);                 // copied into the arena
 *   struct tpl_obj *row = tpl_add(page, "rows");  // a list item
 *   tpl_setf(row, "share", "%.0f %%", 100 * share);
 *   size_t len; char *html = tpl_render(ts, "overview", page, &len);  // malloc'd
 *   tpl_arena_free(a);
 */
#ifndef STAFFD_TEMPLATE_H
#define STAFFD_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* A file compiled into the binary (tools/embed-files.sh). */
struct embedded_file {
    const char *name; /* path below its directory, e.g. "templates/overview.html" */
    const char *data;
    size_t len;
};

struct tpl_set;
struct tpl_arena;
struct tpl_obj;

/*
 * A growing buffer of trusted markup. Start with `struct html h = {0}`; a
 * failed allocation marks it failed and later calls do nothing.
 */
struct html {
    char *p;
    size_t n, cap;
    bool failed;
};

/* Markup from a string literal only: `html_lit(h, "<b>")`; a variable does not compile. */
#define html_lit(h, literal) html_lit_((h), "" literal "", sizeof(literal) - 1)
void html_lit_(struct html *h, const char *literal, size_t len);
/* Text, escaped. */
void html_text(struct html *h, const char *text);
void html_textf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void html_free(struct html *h);

/* The one escaper: & < > " ' as entities; appends s[0..len) to h. */
void tpl_escape(struct html *h, const char *s, size_t len);

/*
 * Parses every file whose name starts with "templates/" and ends in ".html";
 * the template's name is what lies between. 0, or -EINVAL with "NAME: what is
 * wrong" in err, or -ENOMEM.
 */
int tpl_load(const struct embedded_file *files, int n, struct tpl_set **out, char *err,
             size_t err_len) STAFFD_MUSTCHECK;
void tpl_set_free(struct tpl_set *ts);
bool tpl_has(const struct tpl_set *ts, const char *name);

struct tpl_arena *tpl_arena_new(void) STAFFD_MUSTCHECK;
void tpl_arena_free(struct tpl_arena *a);
/* Copies s into the arena (NULL on failure); for values that must outlive their source. */
char *tpl_strdup(struct tpl_arena *a, const char *s);

/*
 * Values. Keys are string literals (compared with strcmp, never copied); a
 * key set twice keeps the last value. Allocation failures are remembered by
 * the arena and make tpl_render() return NULL.
 */
struct tpl_obj *tpl_obj_new(struct tpl_arena *a);
void tpl_set(struct tpl_obj *o, const char *key, const char *text);
void tpl_setf(struct tpl_obj *o, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void tpl_flag(struct tpl_obj *o, const char *key, bool on);
/* Appends a new object to the list `key` (created empty on first use); returns it. */
struct tpl_obj *tpl_add(struct tpl_obj *o, const char *key);
/* An object as a value (a sub-record used with {{#key}}). */
struct tpl_obj *tpl_child(struct tpl_obj *o, const char *key);
/* Takes the fragment's buffer (h is emptied). */
void tpl_set_html(struct tpl_obj *o, const char *key, struct html *h);
struct tpl_arena *tpl_obj_arena(struct tpl_obj *o);

/* Renders template `name` over `data`. malloc'd, NUL-terminated; NULL on failure. */
char *tpl_render(const struct tpl_set *ts, const char *name, const struct tpl_obj *data,
                 size_t *len) STAFFD_MUSTCHECK;

#endif
