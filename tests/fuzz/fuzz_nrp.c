/* SPDX-License-Identifier: ISC */
/*
 * fuzz_nrp.c — libFuzzer harness for the Curtois & Qu instance parser
 * (nrp_parse() in daemon/nrp.c) and everything `staffd nrp` does with what it
 * accepts before the search starts: nrp_to_engine(), the checker, the solution
 * writer and reader, the LP writer.
 *
 * Input: an instance file. Oracle: a refused file leaves a zeroed instance and
 * an error; an accepted one has every index in range and every array as long
 * as its counts say (AddressSanitizer checks the reads), converts into an
 * engine instance, is judged by nrp_check() without a crash, and a roster
 * written as a solution file reads back the same. Small instances only go
 * through the engine and the LP writer (a fuzzer should not time out on a
 * legal 3,660-day horizon, nor on an LP that is legitimately quadratic in
 * the minimum run lengths); a minimum far beyond the horizon is not large. Seeds: corpus/fuzz_nrp/
 * (benchmark instances cut down, and the repeated section of issue 12, finding 6).
 */
#include <errno.h>
#include <stdbool.h>

#include "engine.h"
#include "fuzz.h"
#include "nrp.h"

/* Staff x days x shift types up to which the engine and the LP writer run. */
#define SMALL_CELLS 20000
/*
 * The LP grows with the square of the minimum run lengths: bound its terms too
 * (500,000 terms write in about 0.2 s under ASan; 4,000,000 took 1.4 s, which
 * a loaded machine stretched past the 10 s timeout of a campaign).
 */
#define SMALL_LP_TERMS 500000.0

/*
 * Staff x days up to which a written solution is read back: under
 * AddressSanitizer's strict_string_checks (CI's setting) every strchr() of
 * nrp_solution_parse measures the rest of the text, so the round trip grows
 * with the square of the cells (60 staff x 3,660 days: past the timeout).
 */
#define ROUNDTRIP_CELLS 20000

/*
 * An upper bound of the terms nrp_write_lp() writes for the run-length rows:
 * the minimum runs' (the square of their lengths) and the maximum runs'
 * (a row of mc + 1 days for each of the D - mc windows).
 */
static double lp_terms(const struct nrp_instance *I)
{
    double terms = 0, D = I->days;
    for (int e = 0; e < I->n_staff; e++) {
        double on = I->staff[e].min_consecutive < I->days ? I->staff[e].min_consecutive : D;
        double off =
            I->staff[e].min_consecutive_off < I->days ? I->staff[e].min_consecutive_off : D;
        double mc = I->staff[e].max_consecutive;
        terms += (on * on + off * off) * D * I->n_shifts;
        if (mc < D)
            terms += (D - mc) * (mc + 1) * I->n_shifts;
    }
    return terms;
}

static void check_instance(const struct nrp_instance *I)
{
    FUZZ_CHECK(I->days >= 1 && I->days <= 3660, "days %d", I->days);
    FUZZ_CHECK(I->n_shifts >= 1 && I->n_staff >= 1, "%d shifts, %d staff", I->n_shifts, I->n_staff);
    FUZZ_CHECK(I->forbid != NULL && I->day_off != NULL, "no successions or days-off table");
    long sum = 0;
    for (int t = 0; t < I->n_shifts; t++) {
        FUZZ_CHECK(I->shift_minutes[t] >= 0 && I->shift_minutes[t] <= 1440, "shift minutes");
        FUZZ_CHECK(memchr(I->shift_id[t], '\0', NRP_ID_LEN) != NULL && I->shift_id[t][0] != '\0',
                   "shift ID");
        for (int u = 0; u < I->n_shifts; u++)
            sum += I->forbid[t * I->n_shifts + u];
    }
    for (int e = 0; e < I->n_staff; e++) {
        const struct nrp_staff *st = &I->staff[e];
        FUZZ_CHECK(st->id[0] != '\0', "empty staff ID");
        for (int t = 0; t < I->n_shifts; t++)
            sum += st->max_shifts[t] >= 0 ? 0 : 1; /* reads every entry */
        for (int d = 0; d < I->days; d++)
            sum += I->day_off[e * I->days + d];
    }
    for (int i = 0; i < I->n_on + I->n_off; i++) {
        const struct nrp_request *q = i < I->n_on ? &I->on[i] : &I->off[i - I->n_on];
        FUZZ_CHECK(q->staff >= 0 && q->staff < I->n_staff && q->day >= 0 && q->day < I->days &&
                       q->shift >= 0 && q->shift < I->n_shifts && q->weight >= 0,
                   "request %d out of range", i);
    }
    for (int i = 0; i < I->n_cover; i++) {
        const struct nrp_cover *c = &I->cover[i];
        FUZZ_CHECK(c->day >= 0 && c->day < I->days && c->shift >= 0 && c->shift < I->n_shifts &&
                       c->requirement >= 0 && c->under >= 0 && c->over >= 0,
                   "cover %d out of range", i);
    }
    (void)sum;
}

/* Some roster that uses every shift type: (e + d) mod (types + 1), the last meaning off. */
static void some_roster(const struct nrp_instance *I, int *assign)
{
    for (int e = 0; e < I->n_staff; e++)
        for (int d = 0; d < I->days; d++) {
            int t = (e + d) % (I->n_shifts + 1);
            assign[e * I->days + d] = t == I->n_shifts ? -1 : t;
        }
}

static void check_solution_roundtrip(const struct nrp_instance *I, const int *assign)
{
    size_t cells = (size_t)I->n_staff * (size_t)I->days, len = 0;
    char *text = NULL, err[256];
    FILE *f = open_memstream(&text, &len);
    FUZZ_CHECK(f != NULL, "open_memstream");
    FUZZ_CHECK(nrp_solution_write(I, assign, f) == 0, "solution write");
    FUZZ_CHECK(fclose(f) == 0, "fclose");
    int *back = malloc(cells * sizeof *back), extra = -1;
    FUZZ_CHECK(back != NULL, "malloc");
    int rc = nrp_solution_parse(I, text, len, back, &extra, err, sizeof err);
    FUZZ_CHECK(rc == 0, "a written solution is refused: %s", err);
    FUZZ_CHECK(extra == 0, "a written solution has %d extra shifts", extra);
    FUZZ_CHECK(memcmp(back, assign, cells * sizeof *back) == 0, "solution does not read back");
    free(back);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct nrp_instance I;
    char err[256] = "";
    memset(&I, 0x5a, sizeof I);
    int rc = nrp_parse((const char *)data, size, &I, err, sizeof err);
    if (rc != 0) {
        FUZZ_CHECK(rc == -EINVAL, "nrp_parse returned %d", rc);
        FUZZ_CHECK(err[0] != '\0', "refused without a reason");
        FUZZ_CHECK(I.staff == NULL && I.shift_id == NULL && I.n_staff == 0,
                   "a refused instance is not cleared");
        return 0;
    }
    check_instance(&I);

    size_t cells = (size_t)I.n_staff * (size_t)I.days;
    int *assign = malloc(cells * sizeof *assign);
    FUZZ_CHECK(assign != NULL, "malloc");
    struct nrp_result res;
    for (size_t i = 0; i < cells; i++)
        assign[i] = -1;
    FUZZ_CHECK(nrp_check(&I, assign, 0, &res) == 0 && res.objective >= 0, "check, all off");
    some_roster(&I, assign);
    FUZZ_CHECK(nrp_check(&I, assign, 2, &res) == 0 && res.violations >= 2, "check, a roster");
    if (cells <= ROUNDTRIP_CELLS)
        check_solution_roundtrip(&I, assign);

    if (cells * (size_t)I.n_shifts <= SMALL_CELLS) {
        struct engine_instance *E = NULL;
        rc = nrp_to_engine(&I, &E);
        /* -ERANGE: beyond what the engine supports (engine.h), which the CLI reports. */
        FUZZ_CHECK((rc == 0 && E != NULL) || (rc == -ERANGE && E == NULL), "nrp_to_engine: %d", rc);
        engine_instance_free(E);
        if (lp_terms(&I) <= SMALL_LP_TERMS) {
            FILE *lp = fopen("/dev/null", "w");
            FUZZ_CHECK(lp != NULL, "/dev/null");
            FUZZ_CHECK(nrp_write_lp(&I, lp) == 0, "LP writer");
            fclose(lp);
        }
    }
    free(assign);
    nrp_free(&I);
    return 0;
}
