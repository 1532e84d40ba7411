/* SPDX-License-Identifier: ISC */
/*
 * fuzz.h — what every libFuzzer harness in tests/fuzz/ shares (header-only):
 * a failed oracle check aborts with a message, which libFuzzer reports as a
 * crash and saves the input; and a reader that takes integers and strings off
 * the front of the fuzzer's bytes, so one input can describe a structure.
 *
 * Build and run: `make fuzz`, docs/fuzzing.md.
 */
#ifndef STAFFD_FUZZ_H
#define STAFFD_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noreturn, format(printf, 3, 4))) static inline void
fuzz_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s:%d: oracle failed: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

/* An oracle: when cond is false, the input is a finding. */
#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(__FILE__, __LINE__, __VA_ARGS__);                                            \
    } while (0)

/* The fuzzer's bytes, consumed from the front. Past the end every read gives zeros. */
struct fuzz_reader {
    const uint8_t *p;
    size_t n;
};

static inline uint64_t fuzz_take_uint(struct fuzz_reader *r, int bytes)
{
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) {
        v = v << 8 | (r->n > 0 ? *r->p : 0);
        if (r->n > 0) {
            r->p++;
            r->n--;
        }
    }
    return v;
}

/*
 * A malloc'd NUL-terminated string: a 2-byte length (at most max, at most
 * what is left), then that many bytes. NUL bytes inside are kept, so a C
 * string ends at the first one, as it would for a caller.
 */
static inline char *fuzz_take_string(struct fuzz_reader *r, size_t max, size_t *len_out)
{
    size_t len = (size_t)fuzz_take_uint(r, 2) % (max + 1);
    if (len > r->n)
        len = r->n;
    char *s = malloc(len + 1);
    if (s == NULL)
        abort();
    if (len > 0)
        memcpy(s, r->p, len);
    s[len] = '\0';
    r->p += len;
    r->n -= len;
    if (len_out != NULL)
        *len_out = len;
    return s;
}

/* A malloc'd copy of data with a NUL after it (the parsers' buffers need one). */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s == NULL)
        abort();
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
