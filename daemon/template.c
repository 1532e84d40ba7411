/* SPDX-License-Identifier: ISC */
/*
 * template.c — the console's template renderer and its one HTML escaper (see
 * include/template.h for the syntax and the rules it enforces).
 *
 * Templates are parsed once, at start, into a flat array of nodes per
 * template; a section node knows where its matching end is, so rendering is a
 * walk with a small stack of enclosing values. Values live in an arena that
 * the caller frees in one go after rendering, so building a page of ten
 * thousand cells costs no individual free().
 */
#include "template.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TPL_MAX_DEPTH 16 /* nested sections and partials */
#define ARENA_CHUNK   (64 * 1024)

/* ---- markup buffers and the escaper ---- */

static bool html_reserve(struct html *h, size_t more)
{
    if (h->failed)
        return false;
    if (h->n + more + 1 <= h->cap)
        return true;
    size_t cap = h->cap ? h->cap : 4096;
    while (cap < h->n + more + 1)
        cap *= 2;
    char *p = realloc(h->p, cap);
    if (p == NULL) {
        h->failed = true;
        return false;
    }
    h->p = p;
    h->cap = cap;
    return true;
}

static void html_put(struct html *h, const char *s, size_t len)
{
    if (len == 0 || !html_reserve(h, len))
        return;
    memcpy(h->p + h->n, s, len);
    h->n += len;
    h->p[h->n] = '\0';
}

void html_lit_(struct html *h, const char *literal, size_t len)
{
    html_put(h, literal, len);
}

void tpl_escape(struct html *h, const char *s, size_t len)
{
    size_t run = 0; /* characters that need no entity, copied in one go */
    for (size_t i = 0; i < len; i++) {
        const char *ent = NULL;
        switch (s[i]) {
        case '&':
            ent = "&amp;";
            break;
        case '<':
            ent = "&lt;";
            break;
        case '>':
            ent = "&gt;";
            break;
        case '"':
            ent = "&quot;";
            break;
        case '\'':
            ent = "&#39;";
            break;
        default:
            run++;
            continue;
        }
        html_put(h, s + i - run, run);
        run = 0;
        html_put(h, ent, strlen(ent));
    }
    html_put(h, s + len - run, run);
}

void html_text(struct html *h, const char *text)
{
    if (text != NULL)
        tpl_escape(h, text, strlen(text));
}

void html_textf(struct html *h, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        h->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        tpl_escape(h, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (big == NULL) {
        h->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    tpl_escape(h, big, (size_t)n);
    free(big);
}

void html_free(struct html *h)
{
    free(h->p);
    memset(h, 0, sizeof *h);
}

/* ---- the arena and values ---- */

struct arena_chunk {
    struct arena_chunk *next;
    size_t used, size;
    max_align_t data[];
};

struct tpl_arena {
    struct arena_chunk *chunks;
    char **fragments; /* html buffers handed over by tpl_set_html, freed with the arena */
    size_t n_fragments, cap_fragments;
    bool failed;
};

enum value_kind { V_TEXT, V_FLAG, V_LIST, V_OBJ, V_HTML };

struct tpl_value {
    const char *key;
    enum value_kind kind;
    const char *text; /* V_TEXT, V_HTML */
    size_t len;
    bool flag;
    struct tpl_obj *head, *tail; /* V_LIST; V_OBJ uses head */
    struct tpl_value *next;
};

struct tpl_obj {
    struct tpl_arena *arena;
    struct tpl_value *values;
    struct tpl_obj *next; /* in a list */
};

struct tpl_arena *tpl_arena_new(void)
{
    return calloc(1, sizeof(struct tpl_arena));
}

void tpl_arena_free(struct tpl_arena *a)
{
    if (a == NULL)
        return;
    for (struct arena_chunk *c = a->chunks, *next; c != NULL; c = next) {
        next = c->next;
        free(c);
    }
    for (size_t i = 0; i < a->n_fragments; i++)
        free(a->fragments[i]);
    free(a->fragments);
    free(a);
}

static void *arena_alloc(struct tpl_arena *a, size_t size)
{
    size = (size + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    struct arena_chunk *c = a->chunks;
    if (c == NULL || c->size - c->used < size) {
        size_t cap = size > ARENA_CHUNK ? size : ARENA_CHUNK;
        c = malloc(sizeof *c + cap);
        if (c == NULL) {
            a->failed = true;
            return NULL;
        }
        c->used = 0;
        c->size = cap;
        c->next = a->chunks;
        a->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    return p;
}

char *tpl_strdup(struct tpl_arena *a, const char *s)
{
    size_t len = strlen(s);
    char *p = arena_alloc(a, len + 1);
    if (p != NULL)
        memcpy(p, s, len + 1);
    return p;
}

struct tpl_obj *tpl_obj_new(struct tpl_arena *a)
{
    struct tpl_obj *o = arena_alloc(a, sizeof *o);
    if (o != NULL) {
        memset(o, 0, sizeof *o);
        o->arena = a;
    }
    return o;
}

struct tpl_arena *tpl_obj_arena(struct tpl_obj *o)
{
    return o->arena;
}

/* The value slot for key, added when missing; NULL on failure (o may be NULL). */
static struct tpl_value *slot(struct tpl_obj *o, const char *key, enum value_kind kind)
{
    if (o == NULL)
        return NULL;
    for (struct tpl_value *v = o->values; v != NULL; v = v->next)
        if (strcmp(v->key, key) == 0) {
            if (v->kind != kind) {
                memset(v, 0, offsetof(struct tpl_value, next));
                v->key = key;
                v->kind = kind;
            }
            return v;
        }
    struct tpl_value *v = arena_alloc(o->arena, sizeof *v);
    if (v == NULL)
        return NULL;
    memset(v, 0, sizeof *v);
    v->key = key;
    v->kind = kind;
    v->next = o->values;
    o->values = v;
    return v;
}

void tpl_set(struct tpl_obj *o, const char *key, const char *text)
{
    struct tpl_value *v = slot(o, key, V_TEXT);
    if (v == NULL)
        return;
    v->text = tpl_strdup(o->arena, text != NULL ? text : "");
    v->len = v->text != NULL ? strlen(v->text) : 0;
}

void tpl_setf(struct tpl_obj *o, const char *key, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (o == NULL)
        return;
    if (n < 0) {
        o->arena->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        tpl_set(o, key, small);
        return;
    }
    char *big = arena_alloc(o->arena, (size_t)n + 1);
    if (big == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    struct tpl_value *v = slot(o, key, V_TEXT);
    if (v != NULL) {
        v->text = big;
        v->len = (size_t)n;
    }
}

void tpl_flag(struct tpl_obj *o, const char *key, bool on)
{
    struct tpl_value *v = slot(o, key, V_FLAG);
    if (v != NULL)
        v->flag = on;
}

struct tpl_obj *tpl_add(struct tpl_obj *o, const char *key)
{
    struct tpl_value *v = slot(o, key, V_LIST);
    struct tpl_obj *item = v != NULL ? tpl_obj_new(o->arena) : NULL;
    if (item == NULL)
        return NULL;
    if (v->tail != NULL)
        v->tail->next = item;
    else
        v->head = item;
    v->tail = item;
    return item;
}

struct tpl_obj *tpl_child(struct tpl_obj *o, const char *key)
{
    struct tpl_value *v = slot(o, key, V_OBJ);
    if (v == NULL)
        return NULL;
    if (v->head == NULL)
        v->head = tpl_obj_new(o->arena);
    return v->head;
}

void tpl_set_html(struct tpl_obj *o, const char *key, struct html *h)
{
    struct tpl_arena *a = o != NULL ? o->arena : NULL;
    struct tpl_value *v = slot(o, key, V_HTML);
    if (v == NULL || h->failed) {
        if (a != NULL)
            a->failed = true;
        html_free(h);
        return;
    }
    if (a->n_fragments == a->cap_fragments) {
        size_t cap = a->cap_fragments ? 2 * a->cap_fragments : 16;
        char **f = realloc(a->fragments, cap * sizeof *f);
        if (f == NULL) {
            a->failed = true;
            html_free(h);
            return;
        }
        a->fragments = f;
        a->cap_fragments = cap;
    }
    a->fragments[a->n_fragments++] = h->p;
    v->text = h->p != NULL ? h->p : "";
    v->len = h->n;
    memset(h, 0, sizeof *h);
}

/* ---- parsing ---- */

enum node_kind { N_TEXT, N_VAR, N_HTML, N_SECTION, N_INVERTED, N_END, N_PARTIAL };

struct node {
    enum node_kind kind;
    const char *text; /* N_TEXT: into the embedded file; else the key (NUL-terminated) */
    size_t len;
    int end; /* N_SECTION, N_INVERTED: index of the matching N_END */
};

struct template
{
    char *name;
    struct node *nodes;
    int n_nodes;
    char *keys; /* the keys' storage */
};

struct tpl_set {
    struct template *t;
    int n;
};

enum lex_state { LX_DATA, LX_TAG, LX_DQ, LX_SQ, LX_COMMENT };

/* Advances the HTML lexer over literal text; -1 when the text holds what is not allowed. */
static int lex_text(enum lex_state *st, const char *s, size_t len, const char **why)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        switch (*st) {
        case LX_DATA:
            if (c == '<' && i + 3 < len && memcmp(s + i, "<!--", 4) == 0) {
                *st = LX_COMMENT;
                i += 3;
            } else if (c == '<' && i + 1 < len &&
                       ((s[i + 1] >= 'a' && s[i + 1] <= 'z') || s[i + 1] == '/' ||
                        s[i + 1] == '!')) {
                if (len - i >= 7 && strncasecmp(s + i, "<script", 7) == 0) {
                    *why = "a <script> element (the Content-Security-Policy allows none)";
                    return -1;
                }
                *st = LX_TAG;
            }
            break;
        case LX_TAG:
            if (c == '"')
                *st = LX_DQ;
            else if (c == '\'')
                *st = LX_SQ;
            else if (c == '>')
                *st = LX_DATA;
            else if ((c == ' ' || c == '\n' || c == '\t') && len - i > 6 &&
                     strncasecmp(s + i + 1, "style=", 6) == 0) {
                *why = "a style attribute (styles belong in console.css)";
                return -1;
            } else if ((c == ' ' || c == '\n' || c == '\t') && len - i > 3 &&
                       strncasecmp(s + i + 1, "on", 2) == 0 && s[i + 3] >= 'a' && s[i + 3] <= 'z') {
                /* onclick= and friends: inline script by another name */
                const char *eq = memchr(s + i + 1, '=', len - i - 1);
                const char *sp = memchr(s + i + 1, ' ', len - i - 1);
                if (eq != NULL && (sp == NULL || eq < sp)) {
                    *why = "an event handler attribute (inline script)";
                    return -1;
                }
            }
            break;
        case LX_DQ:
            if (c == '"')
                *st = LX_TAG;
            break;
        case LX_SQ:
            if (c == '\'')
                *st = LX_TAG;
            break;
        case LX_COMMENT:
            if (c == '-' && len - i >= 3 && memcmp(s + i, "-->", 3) == 0) {
                *st = LX_DATA;
                i += 2;
            }
            break;
        }
    }
    return 0;
}

static int parse_template(const char *name, const char *src, size_t len, struct template *t,
                          char *err, size_t err_len)
{
    int cap = 64, n = 0, stack[TPL_MAX_DEPTH], depth = 0, rc = -EINVAL;
    size_t keys_cap = len + 1, keys_used = 0;
    enum lex_state st = LX_DATA;
    const char *why = NULL;
    t->nodes = malloc((size_t)cap * sizeof *t->nodes);
    t->keys = malloc(keys_cap);
    t->name = strdup(name);
    if (t->nodes == NULL || t->keys == NULL || t->name == NULL)
        return -ENOMEM;
    size_t i = 0;
    while (i < len) {
        const char *open = memmem(src + i, len - i, "{{", 2);
        size_t text_end = open != NULL ? (size_t)(open - src) : len;
        if (n + 2 > cap) {
            cap *= 2;
            struct node *nn = realloc(t->nodes, (size_t)cap * sizeof *nn);
            if (nn == NULL)
                return -ENOMEM;
            t->nodes = nn;
        }
        if (text_end > i) {
            if (lex_text(&st, src + i, text_end - i, &why) < 0) {
                snprintf(err, err_len, "%s: %s", name, why);
                goto out;
            }
            t->nodes[n++] = (struct node){N_TEXT, src + i, text_end - i, 0};
        }
        if (open == NULL)
            break;
        const char *close = memmem(open + 2, len - (size_t)(open + 2 - src), "}}", 2);
        if (close == NULL) {
            snprintf(err, err_len, "%s: a {{ that is never closed", name);
            goto out;
        }
        const char *k = open + 2;
        enum node_kind kind = N_VAR;
        switch (*k) {
        case '#':
            kind = N_SECTION;
            break;
        case '^':
            kind = N_INVERTED;
            break;
        case '/':
            kind = N_END;
            break;
        case '&':
            kind = N_HTML;
            break;
        case '>':
            kind = N_PARTIAL;
            break;
        default:
            break;
        }
        if (kind != N_VAR)
            k++;
        size_t klen = (size_t)(close - k);
        if (klen == 0 || klen > 64) {
            snprintf(err, err_len, "%s: an empty or overlong tag", name);
            goto out;
        }
        for (size_t j = 0; j < klen; j++)
            if (!((k[j] >= 'a' && k[j] <= 'z') || (k[j] >= '0' && k[j] <= '9') || k[j] == '_')) {
                snprintf(err, err_len, "%s: tag names are [a-z0-9_], not \"%.*s\"", name, (int)klen,
                         k);
                goto out;
            }
        if ((kind == N_VAR || kind == N_HTML) && st == LX_TAG) {
            snprintf(err, err_len,
                     "%s: {{%.*s}} stands inside a tag but outside a quoted attribute value", name,
                     (int)klen, k);
            goto out;
        }
        char *key = t->keys + keys_used;
        memcpy(key, k, klen);
        key[klen] = '\0';
        keys_used += klen + 1;
        if (kind == N_SECTION || kind == N_INVERTED) {
            if (depth == TPL_MAX_DEPTH) {
                snprintf(err, err_len, "%s: sections nested too deep", name);
                goto out;
            }
            stack[depth++] = n;
        } else if (kind == N_END) {
            if (depth == 0 || strcmp(t->nodes[stack[depth - 1]].text, key) != 0) {
                snprintf(err, err_len, "%s: {{/%s}} closes no open section of that name", name,
                         key);
                goto out;
            }
            t->nodes[stack[--depth]].end = n;
        }
        t->nodes[n++] = (struct node){kind, key, klen, 0};
        i = (size_t)(close + 2 - src);
    }
    if (depth > 0) {
        snprintf(err, err_len, "%s: {{#%s}} is never closed", name, t->nodes[stack[0]].text);
        goto out;
    }
    t->n_nodes = n;
    rc = 0;
out:
    return rc;
}

static void template_free(struct template *t)
{
    free(t->name);
    free(t->nodes);
    free(t->keys);
}

void tpl_set_free(struct tpl_set *ts)
{
    if (ts == NULL)
        return;
    for (int i = 0; i < ts->n; i++)
        template_free(&ts->t[i]);
    free(ts->t);
    free(ts);
}

static const struct template *find_template(const struct tpl_set *ts, const char *name)
{
    for (int i = 0; i < ts->n; i++)
        if (strcmp(ts->t[i].name, name) == 0)
            return &ts->t[i];
    return NULL;
}

bool tpl_has(const struct tpl_set *ts, const char *name)
{
    return find_template(ts, name) != NULL;
}

int tpl_load(const struct embedded_file *files, int n, struct tpl_set **out, char *err,
             size_t err_len)
{
    static const char prefix[] = "templates/", suffix[] = ".html";
    struct tpl_set *ts = calloc(1, sizeof *ts);
    int rc = -ENOMEM;
    if (ts == NULL || (ts->t = calloc((size_t)n + 1, sizeof *ts->t)) == NULL)
        goto out;
    for (int i = 0; i < n; i++) {
        const char *name = files[i].name;
        size_t len = strlen(name);
        if (len <= sizeof prefix + sizeof suffix - 2 ||
            strncmp(name, prefix, sizeof prefix - 1) != 0 ||
            strcmp(name + len - (sizeof suffix - 1), suffix) != 0)
            continue;
        char short_name[128];
        snprintf(short_name, sizeof short_name, "%.*s",
                 (int)(len - (sizeof prefix - 1) - (sizeof suffix - 1)), name + sizeof prefix - 1);
        rc = parse_template(short_name, files[i].data, files[i].len, &ts->t[ts->n], err, err_len);
        ts->n++;
        if (rc < 0)
            goto out;
    }
    /* Every partial must exist: a typo fails at start, not on the page that uses it. */
    for (int i = 0; i < ts->n; i++)
        for (int j = 0; j < ts->t[i].n_nodes; j++)
            if (ts->t[i].nodes[j].kind == N_PARTIAL &&
                find_template(ts, ts->t[i].nodes[j].text) == NULL) {
                snprintf(err, err_len, "%s: {{>%s}}: no such template", ts->t[i].name,
                         ts->t[i].nodes[j].text);
                rc = -EINVAL;
                goto out;
            }
    *out = ts;
    ts = NULL;
    rc = 0;
out:
    if (rc == -ENOMEM)
        snprintf(err, err_len, "out of memory");
    tpl_set_free(ts);
    return rc;
}

/* ---- rendering ---- */

struct render {
    const struct tpl_set *ts;
    struct html out;
    const struct tpl_obj *ctx[TPL_MAX_DEPTH * 2];
    int depth;
    int partials; /* partials being rendered: a template that includes itself stops */
    bool failed;
};

static const struct tpl_value *lookup(const struct render *r, const char *key)
{
    for (int d = r->depth - 1; d >= 0; d--)
        for (const struct tpl_value *v = r->ctx[d]->values; v != NULL; v = v->next)
            if (strcmp(v->key, key) == 0)
                return v;
    return NULL;
}

static bool truthy(const struct tpl_value *v)
{
    if (v == NULL)
        return false;
    switch (v->kind) {
    case V_TEXT:
    case V_HTML:
        return v->len > 0;
    case V_FLAG:
        return v->flag;
    case V_LIST:
    case V_OBJ:
        return v->head != NULL;
    }
    return false;
}

static bool push(struct render *r, const struct tpl_obj *o)
{
    if (r->depth == (int)(sizeof r->ctx / sizeof r->ctx[0])) {
        r->failed = true;
        return false;
    }
    r->ctx[r->depth++] = o;
    return true;
}

static void render_nodes(struct render *r, const struct template *t, int from, int to)
{
    for (int i = from; i < to && !r->failed; i++) {
        const struct node *nd = &t->nodes[i];
        const struct tpl_value *v;
        switch (nd->kind) {
        case N_TEXT:
            html_put(&r->out, nd->text, nd->len);
            break;
        case N_VAR:
            v = lookup(r, nd->text);
            if (v != NULL && v->kind == V_TEXT)
                tpl_escape(&r->out, v->text, v->len);
            break;
        case N_HTML:
            v = lookup(r, nd->text);
            /* Only a built fragment passes as markup; text is escaped even here. */
            if (v != NULL && v->kind == V_HTML)
                html_put(&r->out, v->text, v->len);
            else if (v != NULL && v->kind == V_TEXT)
                tpl_escape(&r->out, v->text, v->len);
            break;
        case N_SECTION:
            v = lookup(r, nd->text);
            if (v != NULL && (v->kind == V_LIST || v->kind == V_OBJ)) {
                for (const struct tpl_obj *o = v->head; o != NULL && !r->failed;
                     o = v->kind == V_LIST ? o->next : NULL) {
                    if (!push(r, o))
                        break;
                    render_nodes(r, t, i + 1, nd->end);
                    r->depth--;
                }
            } else if (truthy(v)) {
                render_nodes(r, t, i + 1, nd->end);
            }
            i = nd->end;
            break;
        case N_INVERTED:
            if (!truthy(lookup(r, nd->text)))
                render_nodes(r, t, i + 1, nd->end);
            i = nd->end;
            break;
        case N_END:
            break;
        case N_PARTIAL: {
            const struct template *p = find_template(r->ts, nd->text);
            if (p == NULL || r->partials >= TPL_MAX_DEPTH) {
                r->failed = true;
                break;
            }
            r->partials++;
            render_nodes(r, p, 0, p->n_nodes);
            r->partials--;
            break;
        }
        }
    }
}

char *tpl_render(const struct tpl_set *ts, const char *name, const struct tpl_obj *data,
                 size_t *len)
{
    const struct template *t = find_template(ts, name);
    if (t == NULL || data == NULL || data->arena->failed)
        return NULL;
    struct render r = {.ts = ts};
    push(&r, data);
    render_nodes(&r, t, 0, t->n_nodes);
    if (r.failed || r.out.failed) {
        html_free(&r.out);
        return NULL;
    }
    if (r.out.p == NULL && (r.out.p = strdup("")) == NULL)
        return NULL;
    if (len != NULL)
        *len = r.out.n;
    return r.out.p;
}
