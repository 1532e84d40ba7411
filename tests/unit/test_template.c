/* SPDX-License-Identifier: ISC */
/*
 * Tests of the console's template renderer (template.c): every value is
 * escaped whatever the tag, only a built fragment passes as markup, sections
 * and partials nest, and the loader refuses what the Content-Security-Policy
 * forbids or what would put a value outside a quoted attribute. Also the
 * console's own templates: they all load, and a page renders.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "template.h"

extern const struct embedded_file console_files[];
extern const int console_files_count;

static struct tpl_set *load_one(const char *name, const char *text, char *err, size_t err_len,
                                int *rc)
{
    struct embedded_file f[2] = {{name, text, strlen(text)}, {"templates/part.html", "[{{x}}]", 7}};
    struct tpl_set *ts = NULL;
    *rc = tpl_load(f, 2, &ts, err, err_len);
    return ts;
}

static char *render(const char *text, struct tpl_obj *data)
{
    char err[256];
    int rc;
    struct tpl_set *ts = load_one("templates/t.html", text, err, sizeof err, &rc);
    assert_int_equal(rc, 0);
    char *out = tpl_render(ts, "t", data, NULL);
    tpl_set_free(ts);
    return out;
}

static void test_values_are_escaped(void **state)
{
    (void)state;
    struct tpl_arena *a = tpl_arena_new();
    struct tpl_obj *o = tpl_obj_new(a);
    tpl_set(o, "v", "<script>alert(\"1\")</script> & 'x'");
    char *out = render("<p title=\"{{v}}\">{{v}}|{{&v}}</p>", o);
    const char *esc = "&lt;script&gt;alert(&quot;1&quot;)&lt;/script&gt; &amp; &#39;x&#39;";
    char want[512];
    snprintf(want, sizeof want, "<p title=\"%s\">%s|%s</p>", esc, esc, esc);
    assert_string_equal(out, want);
    free(out);
    tpl_arena_free(a);
}

static void test_fragments_pass_and_their_text_is_escaped(void **state)
{
    (void)state;
    struct tpl_arena *a = tpl_arena_new();
    struct tpl_obj *o = tpl_obj_new(a);
    struct html h = {0};
    html_lit(&h, "<b>");
    html_text(&h, "a<b");
    html_textf(&h, " %d%%", 5);
    html_lit(&h, "</b>");
    tpl_set_html(o, "frag", &h);
    assert_null(h.p);
    /* A fragment is markup only where the template says {{&...}}; {{...}} still escapes it. */
    char *out = render("{{&frag}}", o);
    assert_string_equal(out, "<b>a&lt;b 5%</b>");
    free(out);
    out = render("{{frag}}", o);
    assert_string_equal(out, "");
    free(out);
    tpl_arena_free(a);
}

static void test_sections_lists_and_partials(void **state)
{
    (void)state;
    struct tpl_arena *a = tpl_arena_new();
    struct tpl_obj *o = tpl_obj_new(a);
    tpl_set(o, "x", "outer");
    for (int i = 1; i <= 3; i++) {
        struct tpl_obj *it = tpl_add(o, "items");
        tpl_setf(it, "n", "%d", i);
        tpl_flag(it, "odd", i % 2 == 1);
    }
    tpl_flag(o, "on", true);
    tpl_flag(o, "off", false);
    tpl_set(o, "empty", "");
    char *out = render("{{#items}}{{n}}{{#odd}}*{{/odd}}{{x}},{{/items}}"
                       "{{#on}}+{{/on}}{{#off}}-{{/off}}{{^off}}!{{/off}}{{^empty}}e{{/empty}}"
                       "{{^missing}}m{{/missing}}{{^items}}none{{/items}}{{>part}}",
                       o);
    assert_string_equal(out, "1*outer,2outer,3*outer,+!em[outer]");
    free(out);
    /* An item's value hides the enclosing one of the same name. */
    struct tpl_obj *c = tpl_child(o, "child");
    tpl_set(c, "x", "inner");
    out = render("{{#child}}{{x}}{{/child}}{{x}}", o);
    assert_string_equal(out, "innerouter");
    free(out);
    tpl_arena_free(a);
}

static void test_loader_refuses(void **state)
{
    (void)state;
    const char *bad[] = {
        "<a href={{x}}>",            /* unquoted attribute value */
        "<p {{x}}>",                 /* a value as an attribute */
        "<p><script>x</script></p>", /* inline script */
        "<p style=\"color: red\">",  /* inline style */
        "<a onclick=\"go()\">",      /* an event handler */
        "{{#a}}x",                   /* a section never closed */
        "{{#a}}x{{/b}}",             /* closed by another name */
        "{{x",                       /* a tag never closed */
        "{{X}}",                     /* a name outside [a-z0-9_] */
        "{{>nosuch}}",               /* a partial that does not exist */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[256] = "";
        int rc;
        struct tpl_set *ts = load_one("templates/bad.html", bad[i], err, sizeof err, &rc);
        if (rc != -EINVAL)
            fail_msg("accepted: %s", bad[i]);
        assert_null(ts);
        assert_non_null(strstr(err, "bad"));
    }
    /* Values inside quoted attributes, sections inside a tag and comments are fine. */
    char err[256];
    int rc;
    struct tpl_set *ts = load_one("templates/ok.html",
                                  "<!-- <a href={{x}}> --><a href=\"{{x}}\"{{#on}} "
                                  "aria-current=\"page\"{{/on}} title='{{x}}'>{{x}}</a>",
                                  err, sizeof err, &rc);
    assert_int_equal(rc, 0);
    tpl_set_free(ts);
}

static void test_big_pages_render(void **state)
{
    (void)state;
    struct tpl_arena *a = tpl_arena_new();
    struct tpl_obj *o = tpl_obj_new(a);
    char longtext[1000];
    memset(longtext, '<', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    for (int i = 0; i < 20000; i++)
        tpl_setf(tpl_add(o, "rows"), "v", "%d%s", i, i == 7 ? longtext : "");
    size_t len = 0;
    char err[256];
    int rc;
    struct tpl_set *ts =
        load_one("templates/t.html", "{{#rows}}<td>{{v}}</td>{{/rows}}", err, sizeof err, &rc);
    char *out = tpl_render(ts, "t", o, &len);
    assert_non_null(out);
    assert_int_equal(strlen(out), len);
    assert_non_null(strstr(out, "<td>19999</td>"));
    assert_null(strstr(out, "<<"));
    free(out);
    tpl_set_free(ts);
    tpl_arena_free(a);
}

static void test_console_templates_load(void **state)
{
    (void)state;
    struct tpl_set *ts = NULL;
    char err[256] = "";
    int rc = tpl_load(console_files, console_files_count, &ts, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    const char *pages[] = {"overview", "coverage", "schedule", "agent",  "fairness",
                           "hiring",   "whatif",   "signin",   "message"};
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        assert_true(tpl_has(ts, pages[i]));
    struct tpl_arena *a = tpl_arena_new();
    struct tpl_obj *o = tpl_obj_new(a);
    tpl_set(o, "title", "T<1>");
    tpl_set(o, "message", "M&M");
    char *out = tpl_render(ts, "message", o, NULL);
    assert_non_null(strstr(out, "<title>T&lt;1&gt; · staffd console</title>"));
    assert_non_null(strstr(out, "M&amp;M"));
    free(out);
    tpl_arena_free(a);
    tpl_set_free(ts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_are_escaped),
        cmocka_unit_test(test_fragments_pass_and_their_text_is_escaped),
        cmocka_unit_test(test_sections_lists_and_partials),
        cmocka_unit_test(test_loader_refuses),
        cmocka_unit_test(test_big_pages_render),
        cmocka_unit_test(test_console_templates_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
