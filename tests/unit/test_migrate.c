/* SPDX-License-Identifier: ISC */
/*
 * Tests of the migrations the binary carries (migrate.h, compiled in by
 * tools/embed-migrations.sh), without a server: they are the files in
 * migrations/, byte for byte, in the order of their numbers, which is the
 * order migrate_apply() runs them in. Applying them against PostgreSQL (once,
 * idempotent, two at once) is the integration tests' (test_resilience.py).
 * Run from the repository's top directory, as tests/run.sh does.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "migrate.h"
#include "testutil.h"

static int is_migration(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 9 && strcmp(e->d_name + n - 4, ".sql") == 0;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap + 1);
    assert_non_null(p);
    size_t k;
    while ((k = fread(p + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            cap *= 2;
            p = realloc(p, cap + 1);
            assert_non_null(p);
        }
    }
    fclose(f);
    p[n] = '\0';
    *len = n;
    return p;
}

/* Numbered 1, 2, 3, ... with no gap and no repeat: the order they are applied in. */
static void test_versions_in_order(void **state)
{
    (void)state;
    assert_gt(migrations_embedded_count, 0);
    for (int m = 0; m < migrations_embedded_count; m++)
        assert_int_equal(migrations_embedded[m].version, m + 1);
}

/*
 * A name goes into staffd.schema_migrations quoted as it is (migrate.c): only
 * lower-case letters, digits and underscores, so that no quote can break it.
 */
static void test_names_need_no_quoting(void **state)
{
    (void)state;
    for (int m = 0; m < migrations_embedded_count; m++) {
        const char *name = migrations_embedded[m].name;
        assert_gt(strlen(name), 0);
        assert_int_equal(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_"), strlen(name));
    }
}

/* Every file of migrations/, in file-name order, is the embedded entry at its place. */
static void test_embedded_are_the_files(void **state)
{
    (void)state;
    struct dirent **files;
    int n = scandir("migrations", &files, is_migration, alphasort);
    assert_int_equal(n, migrations_embedded_count);
    for (int m = 0; m < n; m++) {
        const struct migration *mg = &migrations_embedded[m];
        char want[256], path[512];
        snprintf(want, sizeof want, "%04d_%s.sql", mg->version, mg->name);
        assert_string_equal(files[m]->d_name, want);
        snprintf(path, sizeof path, "migrations/%s", files[m]->d_name);
        size_t len;
        char *text = slurp(path, &len);
        /* Byte for byte: backslashes, quotes, tabs and the last newline survive embedding. */
        assert_int_equal(strlen(mg->sql), len);
        assert_memory_equal(mg->sql, text, len);
        free(text);
        free(files[m]);
    }
    free(files);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions_in_order),
        cmocka_unit_test(test_names_need_no_quoting),
        cmocka_unit_test(test_embedded_are_the_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
