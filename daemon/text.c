/* SPDX-License-Identifier: ISC */
/*
 * text.c — UTF-8-safe formatting into fixed buffers (see include/text.h).
 * The cut backs off over continuation bytes (10xxxxxx) to the start of the
 * character it would split, so the result is as valid as its input.
 */
#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t text_utf8_prefix(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (len == 0)
        return 0;
    /* Find the lead byte of the last character that starts before len. */
    size_t i = len;
    int back = 0;
    while (i > 0 && back < 4 && (u[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return len; /* continuation bytes only: not ours to judge */
    unsigned char lead = u[i - 1];
    size_t need = lead < 0x80             ? 1
                  : (lead & 0xE0) == 0xC0 ? 2
                  : (lead & 0xF0) == 0xE0 ? 3
                  : (lead & 0xF8) == 0xF0 ? 4
                                          : 1;
    /* The character starting at i - 1 has `back + 1` bytes before len. */
    return (size_t)back + 1 >= need ? len : i - 1;
}

/* buf[0..size-1) is full of text that did not fit: end it in "…" on a character boundary. */
static void cut_with_ellipsis(char *buf, size_t size)
{
    static const char ell[] = TEXT_ELLIPSIS;
    size_t room = size - 1; /* bytes of text the buffer can hold */
    if (room < sizeof ell - 1) {
        buf[text_utf8_prefix(buf, room)] = '\0';
        return;
    }
    size_t keep = text_utf8_prefix(buf, room - (sizeof ell - 1));
    memcpy(buf + keep, ell, sizeof ell); /* with its NUL */
}

int text_vprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    if (buf == NULL || size == 0)
        return -EINVAL;
    int n = vsnprintf(buf, size, fmt, ap);
    if (n < 0) {
        buf[0] = '\0';
        return -EINVAL;
    }
    if ((size_t)n < size)
        return 0;
    cut_with_ellipsis(buf, size);
    return 1;
}

int text_printf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = text_vprintf(buf, size, fmt, ap);
    va_end(ap);
    return rc;
}

/*
 * Appending formats after the text in place; when the whole no longer fits,
 * the cut is made on the whole buffer, so it is the same as one text_printf of
 * everything (and appending to a cut text leaves it as it is).
 */
int text_append(char *buf, size_t size, const char *fmt, ...)
{
    if (buf == NULL || size == 0)
        return -EINVAL;
    size_t used = strnlen(buf, size);
    if (used >= size)
        return -EINVAL;
    /*
     * A text this function or text_printf() cut ends in "…" within the last
     * four bytes of its room (the cut backs off at most three): leave it.
     */
    static const char ell[] = TEXT_ELLIPSIS;
    if (size >= sizeof ell && used >= sizeof ell - 1 && used + sizeof ell + 2 >= size &&
        memcmp(buf + used - (sizeof ell - 1), ell, sizeof ell - 1) == 0)
        return 1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
    if (n < 0) {
        buf[used] = '\0';
        return -EINVAL;
    }
    if ((size_t)n < size - used)
        return 0;
    cut_with_ellipsis(buf, size);
    return 1;
}

void text_buf_printf(struct text_buf *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (w < 0) {
            b->failed = true;
            return;
        }
        if (b->p != NULL && (size_t)w < b->cap - b->n) {
            b->n += (size_t)w;
            return;
        }
        /* Doubling, and at least what this piece needs: O(total) copying. */
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->n + (size_t)w + 1)
            cap *= 2;
        char *np = realloc(b->p, cap);
        if (np == NULL) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
}

char *text_buf_finish(struct text_buf *b)
{
    char *p = b->p;
    bool failed = b->failed;
    *b = (struct text_buf){0};
    if (failed || p == NULL) {
        free(p);
        return NULL;
    }
    return p;
}

bool text_utf8_valid(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = u[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        unsigned int cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + n > len)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (u[i + k] & 0x3F);
        }
        if ((n == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        i += n;
    }
    return true;
}
