/* SPDX-License-Identifier: ISC */
/*
 * Tests of the leadership decision (leader_decide in leader.c): each daemon
 * takes free sites up to its share and gives back what it holds beyond it.
 * Besides the small cases, daemons are simulated taking turns (each turn: the
 * picture, the decision, the locks, first come first served) from every
 * starting spread, with daemons joining and leaving: the sites always end
 * with one leader each and no daemon above its share.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "leader.h"

static void decide(const int64_t *sites, const int *holder, int n, int me, const int *live, int nl,
                   int64_t *take, int *nt, int64_t *rel, int *nr)
{
    assert_int_equal(leader_decide(sites, holder, n, me, live, nl, take, nt, rel, nr), 0);
}

static void test_alone_takes_everything(void **state)
{
    (void)state;
    int64_t sites[3] = {1, 2, 7}, take[3], rel[3];
    int holder[3] = {0, 0, 0}, live[1] = {100}, nt, nr;
    decide(sites, holder, 3, 100, live, 1, take, &nt, rel, &nr);
    assert_int_equal(nt, 3);
    assert_int_equal(nr, 0);
    assert_int_equal(take[0], 1);
    assert_int_equal(take[2], 7);
}

static void test_share_is_rounded_up(void **state)
{
    (void)state;
    /* 3 sites, 2 daemons: a share of 2; the other daemon holds one already. */
    int64_t sites[3] = {1, 2, 3}, take[3], rel[3];
    int holder[3] = {0, 200, 0}, live[2] = {100, 200}, nt, nr;
    decide(sites, holder, 3, 100, live, 2, take, &nt, rel, &nr);
    assert_int_equal(nt, 2);
    assert_int_equal(take[0], 1);
    assert_int_equal(take[1], 3);
    /* At its share, a daemon leaves free sites to the others. */
    int holder2[3] = {100, 100, 0};
    decide(sites, holder2, 3, 100, live, 2, take, &nt, rel, &nr);
    assert_int_equal(nt, 0);
    assert_int_equal(nr, 0);
}

static void test_gives_back_beyond_its_share(void **state)
{
    (void)state;
    /* A second daemon joined: the first holds all four, its share is two. */
    int64_t sites[4] = {1, 2, 3, 4}, take[4], rel[4];
    int holder[4] = {100, 100, 100, 100}, live[2] = {100, 200}, nt, nr;
    decide(sites, holder, 4, 100, live, 2, take, &nt, rel, &nr);
    assert_int_equal(nt, 0);
    assert_int_equal(nr, 2);
    assert_int_equal(rel[0], 4);
    assert_int_equal(rel[1], 3);
    /* The newcomer takes nothing held: only free sites. */
    decide(sites, holder, 4, 200, live, 2, take, &nt, rel, &nr);
    assert_int_equal(nt, 0);
    assert_int_equal(nr, 0);
}

static void test_lock_held_by_no_daemon_is_tried(void **state)
{
    (void)state;
    /* pid 999 holds site 2's lock but is not a daemon (taken by hand): try it anyway. */
    int64_t sites[2] = {1, 2}, take[2], rel[2];
    int holder[2] = {0, 999}, live[1] = {100}, nt, nr;
    decide(sites, holder, 2, 100, live, 1, take, &nt, rel, &nr);
    assert_int_equal(nt, 2);
}

/*
 * Daemons take turns in a random order; each reads the picture, decides, and
 * its locks are granted when free. From any start, the sites converge to one
 * leader each with nobody above its share, whatever joins or leaves.
 */
static void test_daemons_converge(void **state)
{
    (void)state;
    unsigned seed = 12345;
    for (int trial = 0; trial < 300; trial++) {
        int n = 1 + (int)(rand_r(&seed) % 12);
        int nd = 1 + (int)(rand_r(&seed) % 5);
        int64_t sites[12];
        int holder[12], live[6];
        for (int i = 0; i < n; i++) {
            sites[i] = 10 + i * 3;
            holder[i] = rand_r(&seed) % 3 == 0 ? 0 : 100 + (int)(rand_r(&seed) % (unsigned)nd);
        }
        for (int k = 0; k < nd; k++)
            live[k] = 100 + k;
        for (int phase = 0; phase < 2; phase++) {
            if (phase == 1) {
                /* One daemon leaves (its locks go with its session), or one joins. */
                if (nd > 1 && rand_r(&seed) % 2 == 0) {
                    int gone = live[--nd];
                    for (int i = 0; i < n; i++)
                        if (holder[i] == gone)
                            holder[i] = 0;
                } else if (nd < 6) {
                    live[nd] = 100 + nd;
                    nd++;
                }
            }
            for (int turn = 0; turn < 40 * nd; turn++) {
                int me = live[rand_r(&seed) % (unsigned)nd];
                int64_t take[12], rel[12];
                int nt, nr;
                decide(sites, holder, n, me, live, nd, take, &nt, rel, &nr);
                for (int k = 0; k < nr; k++)
                    for (int i = 0; i < n; i++)
                        if (sites[i] == rel[k] && holder[i] == me)
                            holder[i] = 0;
                for (int k = 0; k < nt; k++)
                    for (int i = 0; i < n; i++)
                        if (sites[i] == take[k] && holder[i] == 0)
                            holder[i] = me;
            }
            int share = (n + nd - 1) / nd;
            for (int i = 0; i < n; i++)
                if (holder[i] == 0)
                    fail_msg("trial %d: site %lld has no leader (%d sites, %d daemons)", trial,
                             (long long)sites[i], n, nd);
            for (int k = 0; k < nd; k++) {
                int mine = 0;
                for (int i = 0; i < n; i++)
                    mine += holder[i] == live[k];
                if (mine > share)
                    fail_msg("trial %d: daemon %d leads %d sites, its share is %d", trial, live[k],
                             mine, share);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alone_takes_everything),
        cmocka_unit_test(test_share_is_rounded_up),
        cmocka_unit_test(test_gives_back_beyond_its_share),
        cmocka_unit_test(test_lock_held_by_no_daemon_is_tried),
        cmocka_unit_test(test_daemons_converge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
