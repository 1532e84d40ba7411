/* SPDX-License-Identifier: ISC */
/*
 * breaks.h — places each shift's breaks where the queue misses the agent least.
 *
 * Pure. A contract's break rules (contracts.break_rules, struct break_rule)
 * say which breaks a shift of a given length gets and in which window each may
 * start; breaks_place() picks, on the 15-minute grid, the start of every break
 * of every shift of a plan, greedily shift by shift, in the cells where the
 * shift's queue has the most surplus or the least shortage (the squared
 * shortage rises least), then sweeps twice more moving single breaks where that
 * strictly helps. A break does not count as coverage: plan->scheduled is
 * lowered in its cells as it is placed.
 *
 * Stability: a planned shift identical to a published one keeps the published
 * breaks when they still satisfy the rules (and always once it has started),
 * so a re-plan does not move breaks an agent was told about.
 *
 * Same input, same breaks: no randomness, ties go to the start nearest the
 * middle of the window, then the earlier one.
 */
#ifndef STAFFD_BREAKS_H
#define STAFFD_BREAKS_H

#include "model.h"
#include "util.h"

#define BREAKS_MAX_PER_SHIFT 16

/* One break a shift needs: its length, pay, and the window its start may fall in. */
struct break_need {
    int rule; /* index into the contract's rules */
    int minutes;
    bool paid;
    sd_time earliest, latest; /* bounds of the break's start, inclusive */
};

/*
 * The breaks a shift [start, end) needs under rules[0..n_rules). Fills
 * out[0..max) in rule order (first half before second half) and returns how
 * many it needs (which may exceed max; only max are written).
 */
int breaks_needed(const struct break_rule *rules, int n_rules, sd_time start, sd_time end,
                  struct break_need *out, int max);

/*
 * Whether breaks[0..n) (sorted by start, inside [start, end)) are a valid
 * placement of what rules ask of that shift: one break per need, of its length
 * and pay, starting in its window, none overlapping.
 */
bool breaks_valid(const struct break_rule *rules, int n_rules, sd_time start, sd_time end,
                  const struct shift_break *breaks, int n);

/*
 * Places the breaks of plan->shifts. Reads plan->required and plan->scheduled
 * (every shift counted in full) and s (contracts, published shifts and their
 * breaks); fills plan->breaks, lowers plan->scheduled in break cells, and adds
 * a warning to plan->warnings for a break that fits nowhere. 0 or -ENOMEM.
 */
int breaks_place(const struct snapshot *s, struct plan *plan) STAFFD_MUSTCHECK;

/*
 * For each planned shift, the published shift it is identical to (agent,
 * instants, queue, not cancelled), or -1: twin[0..plan->n_shifts). 0 or -ENOMEM.
 */
int breaks_published_twins(const struct snapshot *s, const struct plan *plan,
                           int *twin) STAFFD_MUSTCHECK;

#endif
