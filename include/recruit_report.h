/* SPDX-License-Identifier: ISC */
/*
 * recruit_report.h — recruitment results rendered: JSON for the database and
 * the API, text for a terminal. Pure, like recruit.c whose results it reads;
 * kept apart so that the maths does not depend on a JSON library.
 *
 *     cJSON *j = recruit_to_json(&snap, &rr);        // store, GET /api/recruitment
 *     char *t = recruit_format_text(&snap, &rr, 10);  // `staffd recruit`
 */
#ifndef STAFFD_RECRUIT_REPORT_H
#define STAFFD_RECRUIT_REPORT_H

#include <cJSON.h>

#include "model.h"
#include "recruit.h"
#include "util.h"

/*
 * {"weeks", "shortage_minutes_per_week", "params": {...}, "hiring": {...},
 *  "needs": [...], "candidates": [...]} — the shape staffd.publish_recruitment()
 * reads (see docs/recruitment.md): "needs" are the hiring profiles, "hiring"
 * their template, one total and per queue what is covered and left, each split
 * into what needs hiring and what a better roster could fix (null without it).
 * Candidates carry ids, never names or e-mail addresses. NULL on allocation
 * failure; cJSON_Delete() it.
 */
cJSON *recruit_to_json(const struct snapshot *s, const struct recruit_result *r) STAFFD_MUSTCHECK;
/* Readable tables for a terminal: needs, then the first `top` candidates. malloc'd or NULL. */
char *recruit_format_text(const struct snapshot *s, const struct recruit_result *r,
                          int top) STAFFD_MUSTCHECK;
/* The --what-if table: per queue shortage and service level, before and after. */
char *recruit_format_what_if(const struct snapshot *s,
                             const struct recruit_what_if *w) STAFFD_MUSTCHECK;
/* {"candidate_ids", "queues": [{before/after}], "scheduled_minutes_per_week"}; NULL on OOM. */
cJSON *recruit_what_if_to_json(const struct snapshot *s,
                               const struct recruit_what_if *w) STAFFD_MUSTCHECK;
/* --what-if-containment: per queue share, required and short hours, service level, hires. */
char *recruit_format_containment(const struct snapshot *s,
                                 const struct recruit_containment *c) STAFFD_MUSTCHECK;
/* {"assistant_share", "queue_id", "hires_before", "hires_after", "queues": [...]}; NULL on OOM. */
cJSON *recruit_containment_to_json(const struct snapshot *s,
                                   const struct recruit_containment *c) STAFFD_MUSTCHECK;

/* --what-if-profiles: predicted against realised per step, and what is left per queue. */
char *recruit_format_check(const struct snapshot *s, const struct recruit_result *r,
                           const struct hiring_check *c);
/* {"shortage_hours_per_week_before", "steps": [...], "queues": [...]}; NULL on OOM. */
cJSON *recruit_check_to_json(const struct snapshot *s, const struct hiring_check *c);

#endif
