/* SPDX-License-Identifier: ISC */
/*
 * fuzz_nrp_solution.c — libFuzzer harness for the benchmark's solution
 * reader (nrp_solution_parse() in daemon/nrp.c, what `staffd nrp FILE
 * --check SOLUTION` reads), against a small fixed instance whose IDs are
 * prefixes of each other.
 *
 * Input: a solution file (EmployeeID,Day,ShiftID lines). Oracle: a refused
 * file has an error; an accepted one gives a shift or "off" for every cell and
 * a non-negative count of extra shifts, nrp_check() judges it without a
 * crash, and it written back and read again gives the same roster with no
 * extra shifts. Seeds: corpus/fuzz_nrp_solution/.
 */
#include <errno.h>

#include "fuzz.h"
#include "nrp.h"

static const char instance[] = "SECTION_HORIZON\n14\n\n"
                               "SECTION_SHIFTS\nE,480,\nEL,600,E\nL,480,E|EL\n\n"
                               "SECTION_STAFF\nA,E=14|L=3,4800,960,5,2,2,1\n"
                               "AA,,6720,0,14,1,1,2\nB 1,EL=2,4800,0,4,1,1,1\n\n"
                               "SECTION_DAYS_OFF\nA,3,4\nAA\n\n"
                               "SECTION_SHIFT_ON_REQUESTS\nA,0,E,2\nB 1,6,EL,1\n\n"
                               "SECTION_SHIFT_OFF_REQUESTS\nAA,1,L,3\n\n"
                               "SECTION_COVER\n0,E,1,100,1\n1,EL,2,100,1\n13,L,1,100,1\n\n";

static struct nrp_instance inst;
static int loaded;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    if (!loaded) {
        FUZZ_CHECK(nrp_parse(instance, sizeof instance - 1, &inst, err, sizeof err) == 0,
                   "the fixed instance: %s", err);
        loaded = 1;
    }
    size_t cells = (size_t)inst.n_staff * (size_t)inst.days;
    int assign[64], back[64], extra = -1, again = -1;
    FUZZ_CHECK(cells <= 64, "instance too large for the harness");
    int rc = nrp_solution_parse(&inst, (const char *)data, size, assign, &extra, err, sizeof err);
    if (rc != 0) {
        FUZZ_CHECK(rc == -EINVAL, "nrp_solution_parse returned %d", rc);
        FUZZ_CHECK(err[0] != '\0', "refused without a reason");
        return 0;
    }
    FUZZ_CHECK(extra >= 0, "extra %d", extra);
    for (size_t i = 0; i < cells; i++)
        FUZZ_CHECK(assign[i] >= -1 && assign[i] < inst.n_shifts, "cell %zu: %d", i, assign[i]);
    struct nrp_result res;
    FUZZ_CHECK(nrp_check(&inst, assign, extra, &res) == 0, "nrp_check");
    FUZZ_CHECK(res.violations >= extra && res.objective >= 0, "check %d violations, %ld",
               res.violations, res.objective);

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    FUZZ_CHECK(f != NULL, "open_memstream");
    FUZZ_CHECK(nrp_solution_write(&inst, assign, f) == 0, "write");
    FUZZ_CHECK(fclose(f) == 0, "fclose");
    rc = nrp_solution_parse(&inst, text, len, back, &again, err, sizeof err);
    FUZZ_CHECK(rc == 0 && again == 0, "written back: %d, %d extra: %s", rc, again, err);
    FUZZ_CHECK(memcmp(back, assign, cells * sizeof *back) == 0, "written back differently");
    free(text);
    return 0;
}
