/* SPDX-License-Identifier: ISC */
/*
 * nrp.c — the Curtois & Qu benchmark (see include/nrp.h, docs/nrp.md):
 * parser, solution files, the independent checker, translation into the
 * engine, and the LP writer.
 *
 * The checker deliberately shares no code with the engine: it re-reads the
 * rules from the parsed file and counts them in the most literal way, so a
 * bug in the engine's incremental scoring or its DP cannot hide behind the
 * same bug in the judge.
 */
#include "nrp.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum section {
    SEC_NONE,
    SEC_HORIZON,
    SEC_SHIFTS,
    SEC_STAFF,
    SEC_DAYS_OFF,
    SEC_ON,
    SEC_OFF,
    SEC_COVER
};

/* Splits s in place at sep; returns the number of fields (at most max). */
static int split(char *s, char sep, char **f, int max)
{
    int n = 0;
    for (;;) {
        if (n == max)
            return n;
        f[n++] = s;
        char *p = strchr(s, sep);
        if (p == NULL)
            return n;
        *p = '\0';
        s = p + 1;
    }
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static bool to_int(const char *s, int *v)
{
    char *end;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (end == s || *trim(end) != '\0' || errno || x < INT_MIN || x > INT_MAX)
        return false;
    *v = (int)x;
    return true;
}

static int shift_index(const struct nrp_instance *I, const char *id)
{
    for (int i = 0; i < I->n_shifts; i++)
        if (strcmp(I->shift_id[i], id) == 0)
            return i;
    return -1;
}

static int staff_index(const struct nrp_instance *I, const char *id)
{
    for (int i = 0; i < I->n_staff; i++)
        if (strcmp(I->staff[i].id, id) == 0)
            return i;
    return -1;
}

/*
 * Staff IDs by hash (open addressing, built once the staff are known): the
 * request sections name a staff member per line, and a linear search made
 * parsing quadratic in the staff.
 */
struct idmap {
    int *slot;  /* staff index + 1, 0 empty */
    int cap, n; /* n: the staff count it was built for */
};

static uint64_t id_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

static int staff_lookup(const struct nrp_instance *I, struct idmap *m, const char *id)
{
    if (m->slot == NULL || m->n != I->n_staff) { /* also with no staff yet: an empty map */
        int cap = 16;
        while (cap < 2 * I->n_staff)
            cap *= 2;
        int *slot = calloc((size_t)cap, sizeof *slot);
        if (slot == NULL)
            return staff_index(I, id); /* no room for the map: the slow way */
        free(m->slot);
        m->slot = slot;
        m->cap = cap;
        m->n = I->n_staff;
        for (int i = 0; i < I->n_staff; i++) {
            uint64_t q = id_hash(I->staff[i].id) & (uint64_t)(cap - 1);
            while (slot[q])
                q = (q + 1) & (uint64_t)(cap - 1);
            slot[q] = i + 1;
        }
    }
    uint64_t q = id_hash(id) & (uint64_t)(m->cap - 1);
    while (m->slot[q]) {
        if (strcmp(I->staff[m->slot[q] - 1].id, id) == 0)
            return m->slot[q] - 1;
        q = (q + 1) & (uint64_t)(m->cap - 1);
    }
    return -1;
}

void nrp_free(struct nrp_instance *I)
{
    if (I == NULL)
        return;
    for (int i = 0; i < I->n_staff; i++)
        free(I->staff[i].max_shifts);
    free(I->staff);
    free(I->shift_id);
    free(I->shift_minutes);
    free(I->forbid);
    free(I->day_off);
    free(I->on);
    free(I->off);
    free(I->cover);
    memset(I, 0, sizeof *I);
}

/*
 * Shift successions and staff limits name shift IDs that may be defined later
 * in the section, so lines of SHIFTS are resolved after the section ends and
 * STAFF/ later sections require the shifts to be known (they are, in order).
 */
int nrp_parse(const char *text, size_t len, struct nrp_instance *I, char *err, size_t err_len)
{
    memset(I, 0, sizeof *I);
    int rc = -EINVAL, lineno = 0;
    char *buf = malloc(len + 1);
    char **forbid_lines = NULL;
    int n_forbid_lines = 0;
    struct idmap ids = {0};
    unsigned char *covered = NULL; /* [day * n_shifts + shift]: a cover line seen */
    if (buf == NULL)
        return -ENOMEM;
    memcpy(buf, text, len);
    buf[len] = '\0';
    enum section sec = SEC_NONE;
    /*
     * Sections seen so far. Each may appear once: the sizes of later arrays
     * (MaxShifts per staff, days off per staff and day, successions) are fixed
     * when their section is read, and a second SECTION_SHIFTS after the staff
     * once grew the shift types past every staff member's MaxShifts array.
     */
    unsigned seen = 0;
    char *line = buf;
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        if (err && err_len)                                                                        \
            snprintf(err, err_len, __VA_ARGS__);                                                   \
        rc = -EINVAL;                                                                              \
        goto out;                                                                                  \
    } while (0)
    while (line != NULL && *line != '\0') {
        char *nl = strchr(line, '\n');
        char *next = NULL;
        if (nl) {
            *nl = '\0';
            next = nl + 1;
        }
        lineno++;
        char *s = trim(line);
        line = next;
        if (*s == '#')
            continue;
        if (*s == '\0') {
            if (sec == SEC_SHIFTS) {
                /* Resolve the successions now that every shift is known. */
                size_t n = (size_t)I->n_shifts;
                I->forbid = calloc(n > 0 ? n * n : 1, 1);
                if (I->forbid == NULL) {
                    rc = -ENOMEM;
                    goto out;
                }
                for (int i = 0; i < n_forbid_lines; i++) {
                    /* Any number of successors: one '|'-separated field at a time. */
                    for (char *fld = forbid_lines[i], *bar; fld != NULL; fld = bar) {
                        bar = strchr(fld, '|');
                        if (bar)
                            *bar++ = '\0';
                        char *id = trim(fld);
                        if (*id == '\0')
                            continue;
                        int t = shift_index(I, id);
                        if (t < 0)
                            FAIL("unknown shift '%s' in SECTION_SHIFTS", id);
                        I->forbid[(size_t)i * n + (size_t)t] = 1;
                    }
                }
            }
            sec = SEC_NONE;
            continue;
        }
        if (strncmp(s, "SECTION_", 8) == 0) {
            if (strcmp(s, "SECTION_HORIZON") == 0)
                sec = SEC_HORIZON;
            else if (strcmp(s, "SECTION_SHIFTS") == 0)
                sec = SEC_SHIFTS;
            else if (strcmp(s, "SECTION_STAFF") == 0)
                sec = SEC_STAFF;
            else if (strcmp(s, "SECTION_DAYS_OFF") == 0)
                sec = SEC_DAYS_OFF;
            else if (strcmp(s, "SECTION_SHIFT_ON_REQUESTS") == 0)
                sec = SEC_ON;
            else if (strcmp(s, "SECTION_SHIFT_OFF_REQUESTS") == 0)
                sec = SEC_OFF;
            else if (strcmp(s, "SECTION_COVER") == 0)
                sec = SEC_COVER;
            else
                FAIL("line %d: unknown section %s", lineno, s);
            if (seen & (1u << sec))
                FAIL("line %d: %s appears twice", lineno, s);
            seen |= 1u << sec;
            if (sec > SEC_SHIFTS && I->forbid == NULL)
                FAIL("line %d: %s before the shifts are complete", lineno, s);
            if (sec > SEC_HORIZON && I->days <= 0)
                FAIL("line %d: %s before SECTION_HORIZON", lineno, s);
            continue;
        }
        char *f[4096];
        int nf = split(s, ',', f, 4096);
        for (int i = 0; i < nf; i++)
            f[i] = trim(f[i]);
        switch (sec) {
        case SEC_NONE:
            FAIL("line %d: data outside a section", lineno);
        case SEC_HORIZON:
            if (nf != 1 || !to_int(f[0], &I->days) || I->days <= 0 || I->days > 3660)
                FAIL("line %d: bad horizon", lineno);
            break;
        case SEC_SHIFTS: {
            if (nf != 3 && nf != 2)
                FAIL("line %d: a shift needs ID, minutes, successors", lineno);
            if (strlen(f[0]) == 0 || strlen(f[0]) >= NRP_ID_LEN || shift_index(I, f[0]) >= 0)
                FAIL("line %d: bad or duplicate shift ID", lineno);
            int m;
            if (!to_int(f[1], &m) || m < 0 || m > 24 * 60)
                FAIL("line %d: bad shift length", lineno);
            int n = I->n_shifts, n2 = n;
            if (util_push((void **)&I->shift_id, &n2, sizeof *I->shift_id) == NULL ||
                util_push((void **)&I->shift_minutes, &I->n_shifts, sizeof *I->shift_minutes) ==
                    NULL ||
                util_push((void **)&forbid_lines, &n_forbid_lines, sizeof *forbid_lines) == NULL) {
                rc = -ENOMEM;
                goto out;
            }
            snprintf(I->shift_id[n], NRP_ID_LEN, "%s", f[0]);
            I->shift_minutes[n] = m;
            forbid_lines[n] = nf == 3 ? f[2] : f[1] + strlen(f[1]);
            break;
        }
        case SEC_STAFF: {
            if (nf != 8)
                FAIL("line %d: a staff line has 8 fields", lineno);
            if (strlen(f[0]) == 0 || strlen(f[0]) >= NRP_ID_LEN || staff_index(I, f[0]) >= 0)
                FAIL("line %d: bad or duplicate staff ID", lineno);
            if (util_push((void **)&I->staff, &I->n_staff, sizeof *I->staff) == NULL) {
                rc = -ENOMEM;
                goto out;
            }
            struct nrp_staff *st = &I->staff[I->n_staff - 1];
            snprintf(st->id, NRP_ID_LEN, "%s", f[0]);
            st->max_shifts = malloc((size_t)(I->n_shifts ? I->n_shifts : 1) * sizeof(int));
            if (st->max_shifts == NULL) {
                rc = -ENOMEM;
                goto out;
            }
            for (int t = 0; t < I->n_shifts; t++)
                st->max_shifts[t] = INT_MAX;
            for (char *ms = *f[1] ? f[1] : NULL, *bar; ms != NULL; ms = bar) {
                bar = strchr(ms, '|');
                if (bar)
                    *bar++ = '\0';
                char *eq = strchr(ms, '=');
                int v, t;
                if (eq == NULL)
                    FAIL("line %d: MaxShifts entries are ID=count", lineno);
                *eq = '\0';
                t = shift_index(I, trim(ms));
                if (t < 0 || !to_int(eq + 1, &v) || v < 0)
                    FAIL("line %d: bad MaxShifts entry", lineno);
                st->max_shifts[t] = v;
            }
            int *dst[6] = {&st->max_minutes,     &st->min_minutes,         &st->max_consecutive,
                           &st->min_consecutive, &st->min_consecutive_off, &st->max_weekends};
            for (int i = 0; i < 6; i++)
                if (!to_int(f[2 + i], dst[i]) || *dst[i] < 0)
                    FAIL("line %d: bad staff field %d", lineno, 3 + i);
            break;
        }
        case SEC_DAYS_OFF: {
            int e = staff_lookup(I, &ids, f[0]);
            if (e < 0)
                FAIL("line %d: unknown staff '%s'", lineno, f[0]);
            if (I->day_off == NULL) {
                I->day_off = calloc((size_t)I->n_staff * (size_t)I->days, 1);
                if (I->day_off == NULL) {
                    rc = -ENOMEM;
                    goto out;
                }
            }
            for (int i = 1; i < nf; i++) {
                int d;
                if (*f[i] == '\0')
                    continue;
                if (!to_int(f[i], &d) || d < 0 || d >= I->days)
                    FAIL("line %d: bad day", lineno);
                I->day_off[e * I->days + d] = 1;
            }
            I->n_days_off_lines++;
            break;
        }
        case SEC_ON:
        case SEC_OFF: {
            struct nrp_request q;
            if (nf != 4)
                FAIL("line %d: a request has 4 fields", lineno);
            q.staff = staff_lookup(I, &ids, f[0]);
            q.shift = shift_index(I, f[2]);
            if (q.staff < 0 || q.shift < 0 || !to_int(f[1], &q.day) || q.day < 0 ||
                q.day >= I->days || !to_int(f[3], &q.weight) || q.weight < 0)
                FAIL("line %d: bad request", lineno);
            struct nrp_request **v = sec == SEC_ON ? &I->on : &I->off;
            int *n = sec == SEC_ON ? &I->n_on : &I->n_off;
            if (util_push((void **)v, n, sizeof **v) == NULL) {
                rc = -ENOMEM;
                goto out;
            }
            (*v)[*n - 1] = q;
            break;
        }
        case SEC_COVER: {
            struct nrp_cover c;
            if (nf != 5)
                FAIL("line %d: a cover line has 5 fields", lineno);
            c.shift = shift_index(I, f[1]);
            if (c.shift < 0 || !to_int(f[0], &c.day) || c.day < 0 || c.day >= I->days ||
                !to_int(f[2], &c.requirement) || c.requirement < 0 || !to_int(f[3], &c.under) ||
                c.under < 0 || !to_int(f[4], &c.over) || c.over < 0)
                FAIL("line %d: bad cover line", lineno);
            if (covered == NULL &&
                (covered = calloc((size_t)I->days * (size_t)I->n_shifts, 1)) == NULL) {
                rc = -ENOMEM;
                goto out;
            }
            if (covered[(size_t)c.day * (size_t)I->n_shifts + (size_t)c.shift]++)
                FAIL("line %d: duplicate cover for day %d shift %s", lineno, c.day, f[1]);
            if (util_push((void **)&I->cover, &I->n_cover, sizeof *I->cover) == NULL) {
                rc = -ENOMEM;
                goto out;
            }
            I->cover[I->n_cover - 1] = c;
            break;
        }
        }
    }
    if (sec == SEC_SHIFTS)
        FAIL("the file ends inside SECTION_SHIFTS");
    if (I->days <= 0 || I->n_shifts == 0 || I->n_staff == 0)
        FAIL("horizon, shifts and staff are required");
    if (I->day_off == NULL) {
        I->day_off = calloc((size_t)I->n_staff * (size_t)I->days, 1);
        if (I->day_off == NULL) {
            rc = -ENOMEM;
            goto out;
        }
    }
    rc = 0;
#undef FAIL
out:
    free(forbid_lines);
    free(ids.slot);
    free(covered);
    free(buf);
    if (rc < 0)
        nrp_free(I);
    return rc;
}

static int read_file(const char *path, char **text, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -errno;
    size_t cap = 65536, n = 0;
    char *b = malloc(cap);
    int rc = 0;
    while (b) {
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (n < cap)
            break;
        if (cap > (size_t)1 << 28) {
            rc = -EFBIG;
            break;
        }
        char *nb = realloc(b, cap * 2);
        if (nb == NULL) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2;
    }
    if (b == NULL)
        rc = -ENOMEM;
    else if (ferror(f))
        rc = -EIO;
    fclose(f);
    if (rc < 0) {
        free(b);
        return rc;
    }
    *text = b;
    *len = n;
    return 0;
}

int nrp_load(const char *path, struct nrp_instance *out, char *err, size_t err_len)
{
    char *text;
    size_t len;
    int rc = read_file(path, &text, &len);
    if (rc < 0) {
        if (err && err_len)
            snprintf(err, err_len, "%s: %s", path, strerror(-rc));
        memset(out, 0, sizeof *out);
        return rc;
    }
    rc = nrp_parse(text, len, out, err, err_len);
    free(text);
    return rc;
}

int nrp_solution_parse(const struct nrp_instance *I, const char *text, size_t len, int *assign,
                       int *extra, char *err, size_t err_len)
{
    int rc = -EINVAL, lineno = 0;
    char *buf = malloc(len + 1);
    if (buf == NULL)
        return -ENOMEM;
    memcpy(buf, text, len);
    buf[len] = '\0';
    *extra = 0;
    for (int i = 0; i < I->n_staff * I->days; i++)
        assign[i] = -1;
    char *line = buf;
    while (line && *line) {
        char *nl = strchr(line, '\n'), *next = NULL;
        if (nl) {
            *nl = '\0';
            next = nl + 1;
        }
        lineno++;
        char *s = trim(line);
        line = next;
        if (*s == '\0' || *s == '#')
            continue;
        char *f[4];
        int d;
        if (split(s, ',', f, 4) != 3) {
            snprintf(err, err_len, "line %d: expected EmployeeID,Day,ShiftID", lineno);
            goto out;
        }
        int e = staff_index(I, trim(f[0])), t = shift_index(I, trim(f[2]));
        if (e < 0 || t < 0 || !to_int(f[1], &d) || d < 0 || d >= I->days) {
            snprintf(err, err_len, "line %d: unknown employee, shift or day", lineno);
            goto out;
        }
        if (assign[e * I->days + d] >= 0)
            (*extra)++;
        else
            assign[e * I->days + d] = t;
    }
    rc = 0;
out:
    free(buf);
    return rc;
}

int nrp_solution_load(const struct nrp_instance *I, const char *path, int *assign, int *extra,
                      char *err, size_t err_len)
{
    char *text;
    size_t len;
    int rc = read_file(path, &text, &len);
    if (rc < 0) {
        snprintf(err, err_len, "%s: %s", path, strerror(-rc));
        return rc;
    }
    rc = nrp_solution_parse(I, text, len, assign, extra, err, err_len);
    free(text);
    return rc;
}

int nrp_solution_write(const struct nrp_instance *I, const int *assign, FILE *f)
{
    for (int e = 0; e < I->n_staff; e++)
        for (int d = 0; d < I->days; d++) {
            int t = assign[e * I->days + d];
            if (t >= 0 && t < I->n_shifts)
                fprintf(f, "%s,%d,%s\n", I->staff[e].id, d, I->shift_id[t]);
        }
    return ferror(f) ? -EIO : 0;
}

/*
 * *acc += a * b (both >= 0), held at LONG_MAX: weights and requirements
 * up to INT_MAX are valid input, and a few such cells overflow a long.
 */
static void add_sat(long *acc, long a, long b)
{
    long p;
    if (__builtin_mul_overflow(a, b, &p) || __builtin_add_overflow(*acc, p, acc))
        *acc = LONG_MAX;
}

/* ---------------------------------------------------------------- checker */

int nrp_check(const struct nrp_instance *I, const int *assign, int extra, struct nrp_result *res)
{
    memset(res, 0, sizeof *res);
    int D = I->days;
#define BAD(rule, ...)                                                                             \
    do {                                                                                           \
        if (res->violations == 0)                                                                  \
            snprintf(res->first, sizeof res->first, __VA_ARGS__);                                  \
        res->violations++;                                                                         \
        res->by_rule[rule]++;                                                                      \
    } while (0)
    for (int i = 0; i < extra; i++)
        BAD(1, "an employee has two shifts on one day");
    for (int e = 0; e < I->n_staff; e++) {
        const struct nrp_staff *st = &I->staff[e];
        const int *row = assign + (size_t)e * (size_t)D;
        long minutes = 0;
        for (int d = 0; d < D; d++) {
            if (row[d] < -1 || row[d] >= I->n_shifts) {
                BAD(1, "%s day %d: no such shift", st->id, d);
                continue;
            }
            if (row[d] < 0)
                continue;
            minutes += I->shift_minutes[row[d]];
            if (I->day_off[e * D + d])
                BAD(9, "%s works on day off %d", st->id, d);
            if (d + 1 < D && row[d + 1] >= 0 && row[d + 1] < I->n_shifts &&
                I->forbid[row[d] * I->n_shifts + row[d + 1]])
                BAD(2, "%s: %s on day %d followed by %s", st->id, I->shift_id[row[d]], d,
                    I->shift_id[row[d + 1]]);
        }
        for (int t = 0; t < I->n_shifts; t++) {
            int n = 0;
            for (int d = 0; d < D; d++)
                n += row[d] == t;
            if (n > st->max_shifts[t])
                BAD(3, "%s: %d shifts %s, at most %d", st->id, n, I->shift_id[t],
                    st->max_shifts[t]);
        }
        if (minutes > st->max_minutes || minutes < st->min_minutes)
            BAD(4, "%s: %ld minutes, allowed [%d, %d]", st->id, minutes, st->min_minutes,
                st->max_minutes);
        /* Runs: walk day by day, closing a run when the day changes kind. */
        int start = 0;
        for (int d = 1; d <= D; d++) {
            bool w_prev = row[d - 1] >= 0;
            if (d < D && (row[d] >= 0) == w_prev)
                continue;
            int len = d - start;
            bool first = start == 0, last = d == D;
            if (w_prev) {
                if (len > st->max_consecutive)
                    BAD(5, "%s: works %d days from day %d", st->id, len, start);
                if (!first && !last && len < st->min_consecutive)
                    BAD(6, "%s: works only %d days from day %d", st->id, len, start);
            } else if (!first && !last && len < st->min_consecutive_off) {
                BAD(7, "%s: only %d days off from day %d", st->id, len, start);
            }
            start = d;
        }
        int weekends = 0;
        for (int w = 0; w * 7 + 6 < D; w++) {
            int sat = w * 7 + 5, sun = w * 7 + 6;
            if (row[sat] >= 0 || row[sun] >= 0)
                weekends++;
        }
        if (weekends > st->max_weekends)
            BAD(8, "%s: %d weekends, at most %d", st->id, weekends, st->max_weekends);
    }
    for (int i = 0; i < I->n_on; i++) {
        const struct nrp_request *q = &I->on[i];
        if (assign[q->staff * D + q->day] != q->shift)
            add_sat(&res->on, q->weight, 1);
    }
    for (int i = 0; i < I->n_off; i++) {
        const struct nrp_request *q = &I->off[i];
        if (assign[q->staff * D + q->day] == q->shift)
            add_sat(&res->off, q->weight, 1);
    }
    for (int i = 0; i < I->n_cover; i++) {
        const struct nrp_cover *c = &I->cover[i];
        int n = 0;
        for (int e = 0; e < I->n_staff; e++)
            n += assign[e * D + c->day] == c->shift;
        if (n < c->requirement)
            add_sat(&res->under, c->under, (long)c->requirement - n);
        else
            add_sat(&res->over, c->over, (long)n - c->requirement);
    }
#undef BAD
    res->objective = 0;
    add_sat(&res->objective, res->on, 1);
    add_sat(&res->objective, res->off, 1);
    add_sat(&res->objective, res->under, 1);
    add_sat(&res->objective, res->over, 1);
    return 0;
}

/* ------------------------------------------------------------ to engine */

int nrp_to_engine(const struct nrp_instance *I, struct engine_instance **out)
{
    int D = I->days, S = I->n_shifts, rc = -ENOMEM;
    struct engine_instance *E = engine_instance_new(D, I->n_staff, S);
    int *cell = malloc((size_t)D * (size_t)S * sizeof *cell);
    *out = NULL;
    if (E == NULL || cell == NULL)
        goto out;
    for (int i = 0; i < D * S; i++)
        cell[i] = -1;
    for (int i = 0; i < I->n_cover; i++) {
        const struct nrp_cover *c = &I->cover[i];
        rc = engine_cell_add(E, c->requirement, c->under, c->over);
        if (rc < 0)
            goto out;
        cell[c->day * S + c->shift] = rc;
    }
    for (int t = 0; t < S; t++)
        for (int u = 0; u < S; u++)
            if (I->forbid[t * S + u] && (rc = engine_forbid_succession(E, -1, t, u)) < 0)
                goto out;
    for (int e = 0; e < I->n_staff; e++) {
        const struct nrp_staff *st = &I->staff[e];
        struct engine_agent_rules r;
        engine_rules_default(&r);
        r.min_minutes = st->min_minutes;
        r.max_minutes = st->max_minutes;
        r.max_consecutive = st->max_consecutive > 0 ? st->max_consecutive : 1;
        r.min_consecutive = st->min_consecutive > 0 ? st->min_consecutive : 1;
        r.min_consecutive_off = st->min_consecutive_off > 0 ? st->min_consecutive_off : 1;
        r.max_weekends = st->max_weekends;
        if ((rc = engine_agent_set_rules(E, e, &r)) < 0)
            goto out;
        for (int t = 0; t < S; t++)
            if (st->max_shifts[t] < D &&
                (rc = engine_agent_set_type_max(E, e, t, st->max_shifts[t])) < 0)
                goto out;
        for (int d = 0; d < D; d++) {
            if (d % 7 >= 5 && (rc = engine_agent_set_weekend(E, e, d, d / 7)) < 0)
                goto out;
            if (I->day_off[e * D + d] && (rc = engine_agent_day_off(E, e, d)) < 0)
                goto out;
            for (int t = 0; t < S; t++) {
                int c = cell[d * S + t];
                struct engine_option o = {
                    .type = t,
                    .start = (int64_t)d * 86400,
                    .end = (int64_t)d * 86400 + (int64_t)I->shift_minutes[t] * 60,
                    .minutes = I->shift_minutes[t],
                    .n_cover = c >= 0,
                    .cells = &c,
                    .amounts = NULL,
                };
                if ((rc = engine_option_add(E, e, d, &o)) < 0)
                    goto out;
            }
        }
    }
    for (int i = 0; i < I->n_on; i++) {
        const struct nrp_request *q = &I->on[i];
        rc = engine_wish_type(E, q->staff, q->day, q->shift, true, q->weight,
                              ENGINE_KIND_REQUEST_ON);
        if (rc < 0)
            goto out;
    }
    for (int i = 0; i < I->n_off; i++) {
        const struct nrp_request *q = &I->off[i];
        rc = engine_wish_type(E, q->staff, q->day, q->shift, false, q->weight,
                              ENGINE_KIND_REQUEST_OFF);
        if (rc < 0)
            goto out;
    }
    rc = engine_instance_finalize(E);
    if (rc < 0)
        goto out;
    *out = E;
    E = NULL;
out:
    engine_instance_free(E);
    free(cell);
    return rc < 0 ? rc : 0;
}

/* ----------------------------------------------------------- LP writer */

/* Writes terms, breaking lines so that no LP reader meets an overlong one. */
struct lpw {
    FILE *f;
    int terms;
    bool any;
};

static void lp_term(struct lpw *w, long coef, const char *fmt, int a, int b, int c)
{
    if (coef == 0)
        return;
    if (w->terms > 0 && w->terms % 8 == 0)
        fputs("\n   ", w->f);
    fprintf(w->f, " %s %ld ", coef < 0 ? "-" : "+", coef < 0 ? -coef : coef);
    fprintf(w->f, fmt, a, b, c);
    w->terms++;
    w->any = true;
}

static bool lp_has(const struct nrp_instance *I, int e, int d, int t)
{
    return !I->day_off[e * I->days + d] && I->staff[e].max_shifts[t] > 0;
}

/* + coef * (sum_t x_e_d_t): the "works on day d" expression. */
static void lp_work(struct lpw *w, const struct nrp_instance *I, int e, int d, long coef)
{
    for (int t = 0; t < I->n_shifts; t++)
        if (lp_has(I, e, d, t))
            lp_term(w, coef, "x_%d_%d_%d", e, d, t);
}

static void lp_row(struct lpw *w, const char *name, int e, int d, int k)
{
    fprintf(w->f, " %s_%d_%d_%d:", name, e, d, k);
    w->terms = 0;
    w->any = false;
}

static void lp_end(struct lpw *w, const char *op, long rhs)
{
    if (!w->any)
        lp_term(w, 0 + 1, "zero_%d%d%d", 0, 0, 0); /* an always-zero variable keeps rows valid */
    fprintf(w->f, " %s %ld\n", op, rhs);
}

int nrp_write_lp(const struct nrp_instance *I, FILE *f)
{
    int D = I->days, S = I->n_shifts;
    struct lpw w = {f, 0, false};
    long constant = 0;
    fprintf(f, "\\ Curtois & Qu instance written by staffd (see docs/nrp.md)\n");
    /*
     * A variable appears once in the objective (LP readers refuse duplicates),
     * so requests on the same staff, day and shift are added up first.
     */
    size_t nx = (size_t)I->n_staff * (size_t)D * (size_t)S;
    long *coef = calloc(nx ? nx : 1, sizeof *coef);
    if (coef == NULL)
        return -ENOMEM;
    fprintf(f, "Minimize\n obj:");
    for (int i = 0; i < I->n_on; i++) {
        const struct nrp_request *q = &I->on[i];
        constant += q->weight;
        coef[((size_t)q->staff * (size_t)D + (size_t)q->day) * (size_t)S + (size_t)q->shift] -=
            q->weight;
    }
    for (int i = 0; i < I->n_off; i++) {
        const struct nrp_request *q = &I->off[i];
        coef[((size_t)q->staff * (size_t)D + (size_t)q->day) * (size_t)S + (size_t)q->shift] +=
            q->weight;
    }
    for (int e = 0; e < I->n_staff; e++)
        for (int d = 0; d < D; d++)
            for (int t = 0; t < S; t++) {
                long c = coef[((size_t)e * (size_t)D + (size_t)d) * (size_t)S + (size_t)t];
                if (c != 0 && lp_has(I, e, d, t))
                    lp_term(&w, c, "x_%d_%d_%d", e, d, t);
            }
    free(coef);
    for (int i = 0; i < I->n_cover; i++) {
        lp_term(&w, I->cover[i].under, "u_%d_%d%.0d", I->cover[i].day, I->cover[i].shift, 0);
        lp_term(&w, I->cover[i].over, "o_%d_%d%.0d", I->cover[i].day, I->cover[i].shift, 0);
    }
    lp_term(&w, constant, "one%.0d%.0d%.0d", 0, 0, 0);
    fprintf(f, "\nSubject To\n");
    for (int i = 0; i < I->n_cover; i++) {
        const struct nrp_cover *c = &I->cover[i];
        lp_row(&w, "cover", c->day, c->shift, 0);
        for (int e = 0; e < I->n_staff; e++)
            if (lp_has(I, e, c->day, c->shift))
                lp_term(&w, 1, "x_%d_%d_%d", e, c->day, c->shift);
        lp_term(&w, 1, "u_%d_%d%.0d", c->day, c->shift, 0);
        lp_term(&w, -1, "o_%d_%d%.0d", c->day, c->shift, 0);
        lp_end(&w, "=", c->requirement);
    }
    for (int e = 0; e < I->n_staff; e++) {
        const struct nrp_staff *st = &I->staff[e];
        for (int d = 0; d < D; d++) {
            lp_row(&w, "one", e, d, 0);
            lp_work(&w, I, e, d, 1);
            lp_end(&w, "<=", 1);
        }
        for (int d = 0; d + 1 < D; d++)
            for (int t = 0; t < S; t++)
                for (int u = 0; u < S; u++)
                    if (I->forbid[t * S + u] && lp_has(I, e, d, t) && lp_has(I, e, d + 1, u)) {
                        lp_row(&w, "succ", e, d, t * S + u);
                        lp_term(&w, 1, "x_%d_%d_%d", e, d, t);
                        lp_term(&w, 1, "x_%d_%d_%d", e, d + 1, u);
                        lp_end(&w, "<=", 1);
                    }
        for (int t = 0; t < S; t++)
            if (st->max_shifts[t] < D) {
                lp_row(&w, "maxshift", e, t, 0);
                for (int d = 0; d < D; d++)
                    if (lp_has(I, e, d, t))
                        lp_term(&w, 1, "x_%d_%d_%d", e, d, t);
                lp_end(&w, "<=", st->max_shifts[t]);
            }
        for (int k = 0; k < 2; k++) {
            lp_row(&w, k ? "maxmin" : "minmin", e, 0, 0);
            for (int d = 0; d < D; d++)
                for (int t = 0; t < S; t++)
                    if (lp_has(I, e, d, t))
                        lp_term(&w, I->shift_minutes[t], "x_%d_%d_%d", e, d, t);
            lp_end(&w, k ? "<=" : ">=", k ? st->max_minutes : st->min_minutes);
        }
        int mc = st->max_consecutive;
        for (int s = 0; s + mc < D; s++) {
            lp_row(&w, "maxcons", e, s, 0);
            for (int d = s; d <= s + mc; d++)
                lp_work(&w, I, e, d, 1);
            lp_end(&w, "<=", mc);
        }
        /*
         * Runs of l < min days strictly inside the horizon are forbidden. Such a
         * run has a day on each side, so l stops at D - 2 whatever the minimum.
         */
        for (int l = 1; l < st->min_consecutive && l <= D - 2; l++)
            for (int s = 1; s + l < D; s++) {
                lp_row(&w, "mincons", e, s, l);
                for (int d = s; d < s + l; d++)
                    lp_work(&w, I, e, d, 1);
                lp_work(&w, I, e, s - 1, -1);
                lp_work(&w, I, e, s + l, -1);
                lp_end(&w, "<=", l - 1);
            }
        for (int l = 1; l < st->min_consecutive_off && l <= D - 2; l++)
            for (int s = 1; s + l < D; s++) {
                lp_row(&w, "minoff", e, s, l);
                for (int d = s; d < s + l; d++)
                    lp_work(&w, I, e, d, -1);
                lp_work(&w, I, e, s - 1, 1);
                lp_work(&w, I, e, s + l, 1);
                lp_end(&w, "<=", 1);
            }
        int nw = 0;
        for (int wk = 0; wk * 7 + 6 < D; wk++, nw++)
            for (int k = 5; k <= 6; k++) {
                lp_row(&w, "wkend", e, wk, k);
                lp_work(&w, I, e, wk * 7 + k, 1);
                lp_term(&w, -1, "k_%d_%d%.0d", e, wk, 0);
                lp_end(&w, "<=", 0);
            }
        if (st->max_weekends < nw) {
            lp_row(&w, "maxwk", e, 0, 0);
            for (int wk = 0; wk < nw; wk++)
                lp_term(&w, 1, "k_%d_%d%.0d", e, wk, 0);
            lp_end(&w, "<=", st->max_weekends);
        }
    }
    fprintf(f, "Bounds\n one = 1\n zero_000 = 0\n");
    fprintf(f, "Binaries\n");
    int n = 0;
    for (int e = 0; e < I->n_staff; e++) {
        for (int d = 0; d < D; d++)
            for (int t = 0; t < S; t++)
                if (lp_has(I, e, d, t))
                    fprintf(f, "%sx_%d_%d_%d", n++ % 8 ? " " : "\n ", e, d, t);
        for (int wk = 0; wk * 7 + 6 < D; wk++)
            fprintf(f, "%sk_%d_%d", n++ % 8 ? " " : "\n ", e, wk);
    }
    fprintf(f, "\nEnd\n");
    return ferror(f) ? -EIO : 0;
}
