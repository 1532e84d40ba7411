/* SPDX-License-Identifier: ISC */
/*
 * rule_check.h — the independent checker of a finished schedule: every
 * shift's length, start step, skill, availability and time off, and per agent
 * the rest between shifts, one shift a local day, weekly minutes and days and
 * consecutive days. Written apart from the builders (greedy.c, the engine
 * through roster.c), so that each can catch the other in the tests.
 *
 * Pure (no I/O).
 *
 *     char why[200];
 *     if (rule_check(&snap, plan.shifts, plan.n_shifts, why, sizeof why) < 0) ...
 */
#ifndef STAFFD_RULE_CHECK_H
#define STAFFD_RULE_CHECK_H

#include <stddef.h>

#include "model.h"
#include "util.h"

/*
 * Checks shifts against every rule. Returns 0 when all hold, else -EINVAL
 * with the first broken rule described in why (may be NULL), or -ENOMEM.
 * Shifts already started (before s->now) are facts: only their skill, their
 * rest and the weekly rules are checked.
 */
int rule_check(const struct snapshot *s, const struct planned_shift *shifts, int n, char *why,
               size_t why_len) STAFFD_MUSTCHECK;

#endif
