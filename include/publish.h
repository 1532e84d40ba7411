/* SPDX-License-Identifier: ISC */
/*
 * publish.h — what a new plan changes in the published schedule.
 *
 * Pure. Compares the shifts a plan wants with the shifts already published
 * and yields the smallest set of writes that keeps calendar identities
 * stable: a planned shift that overlaps a published one of the same agent on
 * the same local day takes over its UUID (unchanged: no write; changed: SEQUENCE + 1); a
 * published shift that no planned shift takes over is cancelled (SEQUENCE +
 * 1); anything else is new. Calendar clients key on UID and SEQUENCE, so this
 * is what makes an agent's calendar show a moved shift rather than a deleted
 * one plus a new one.
 */
#ifndef STAFFD_PUBLISH_H
#define STAFFD_PUBLISH_H

#include "model.h"
#include "util.h"

enum publish_kind { PUBLISH_INSERT, PUBLISH_UPDATE, PUBLISH_CANCEL };

struct publish_op {
    enum publish_kind kind;
    int shift;     /* index into plan->shifts (INSERT, UPDATE), else -1 */
    int published; /* index into snapshot->published (UPDATE, CANCEL), else -1 */
    int sequence;  /* the new SEQUENCE (UPDATE, CANCEL) */
};

/* *ops is malloc'd (NULL when *n == 0). 0 or -ENOMEM. */
int publish_diff(const struct snapshot *s, const struct plan *p, struct publish_op **ops,
                 int *n) STAFFD_MUSTCHECK;

#endif
