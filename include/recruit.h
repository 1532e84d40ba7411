/* SPDX-License-Identifier: ISC */
/*
 * recruit.h — recruitment: the shortage a planning run leaves, turned into
 * hiring needs and a ranking of applicants (the model and its parameters
 * are in docs/recruitment.md).
 *
 * Pure (no I/O) and thread-safe, like plan.c: call it on the worker thread
 * right after plan_run(), on the same snapshot and plan.
 *
 *     struct recruit_params rp;
 *     recruit_params_default(&rp);
 *     rp.seed = seed; rp.cancel = &cancel;
 *     struct recruit_result rr;
 *     rp.contract = -1;  // the hiring template by the rule (hiring.h)
 *     if (recruit_run(&snap, &plan, &rp, &rr) == 0) {
 *         cJSON *j = recruit_to_json(&snap, &rr);  // recruit_report.h
 *         char *t = recruit_format_text(&snap, &rr, 10);  // `staffd recruit`
 *         ...
 *         recruit_result_free(&rr);
 *     }
 *
 * Hiring needs are hiring profiles (hiring.h): the shortage left sized in
 * whole hires of a contract template, grouped into job ads by queue and local
 * window, with what is left after them. Candidates are ranked greedily: each
 * one by the shortage they would add on top of those ranked above, where what
 * a person "could cover" is the pattern the scheduler itself (greedy_build)
 * finds for them alone under a default contract, so no scheduling rule is
 * written twice.
 */
#ifndef STAFFD_RECRUIT_H
#define STAFFD_RECRUIT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hiring.h"
#include "model.h"
#include "plan.h"
#include "util.h"

/* The default contract a candidate is evaluated (and tried in --what-if) under. */
#define RECRUIT_MAX_LENGTHS 4

struct recruit_params {
    /* Hiring needs (the profiles of hiring.h). */
    double attrition_per_month;  /* share of staff leaving per month [0.03] */
    double weeks_to_productive;  /* from hire to working on the queue [4] */
    int contract;                /* template: index into snapshot.contracts; -1: the rule [-1] */
    double min_hours_per_hire;   /* shortage a hire must cover a week; 0: the template's rule */
    double hours_per_hire;       /* weekly hours of the built-in template (no contract) [20] */
    int window_slack_minutes;    /* a hire's window: the longest shift plus this [120] */
    double min_cell_shortage;    /* what is left: a weekly slot short from this many [0.5] */
    int max_gap_minutes;         /* what is left: a calm stretch this short joins blocks [30] */
    int group_tolerance_minutes; /* hires group when their windows differ by <= this [60] */
    /* Ranking. */
    double score_weight;       /* value = minutes x (1 - w/2 + w x score/100) [0.4] */
    double unscored_score;     /* score assumed for a candidate not yet assessed [50] */
    uint64_t seed;             /* passed to greedy_build() */
    const atomic_bool *cancel; /* may be NULL; checked between candidates */
    sd_time freeze_until;      /* --what-if plans under the same freeze as the base plan */
};

/* Fills in the documented defaults (the values in brackets above). */
void recruit_params_default(struct recruit_params *p);

struct recruit_ranked {
    int candidate;           /* index into snapshot.candidates */
    int rank;                /* 1 = best */
    double minutes_per_week; /* shortage agent-minutes per week this person adds */
    double value;            /* minutes_per_week weighted by the assessment score */
    double *queue_minutes;   /* [n_queues] per-week share of minutes_per_week */
    int n_shifts;            /* the pattern found over the horizon */
    struct planned_shift *shifts;
    char explanation[320];
};

/*
 * The shortage a plan leaves, split as plan.h splits it (struct plan's
 * `unfixable`), in agent-minutes a week over the future cells: `unfixable`
 * where fewer skilled agents could work a cell at all than it requires, which
 * hiring (or more availability) must address; `fixable` the rest, where agents
 * were available but not scheduled, which a better roster could fix. The
 * hiring profiles' productive hires cover `covered` of the shortage; a hire
 * working a cell is one more agent available there, so in each cell they cover
 * the unfixable part first: left_unfixable = min(left, max(0, unfixable -
 * covered)) per cell. That counts a hire as available only where the
 * simulation has them work, so it is the most of what is left that can still
 * need hiring. In every row: unfixable + fixable = shortage, covered_unfixable +
 * covered_fixable = covered, left_unfixable + left_fixable = left = shortage -
 * covered.
 */
struct recruit_split {
    double shortage, unfixable, fixable;
    double covered, covered_unfixable, covered_fixable;
    double left, left_unfixable, left_fixable;
};

struct recruit_result {
    double weeks;                      /* future part of the horizon, in weeks */
    double shortage_per_week;          /* agent-minutes/week left by the plan (future cells) */
    struct hiring_result hiring;       /* the needs: hiring profiles, largest first */
    bool split_known;                  /* the plan had the split (plan_run always gives it) */
    struct recruit_split split;        /* all queues */
    struct recruit_split *queue_split; /* [hiring.n_queues] */
    int n_ranked;                      /* == snapshot.n_candidates */
    struct recruit_ranked *ranked;     /* rank order */
    struct recruit_params params;
};

/*
 * Needs and ranking; an applicant whose pattern lies mostly in a profile's
 * window is told so in their explanation. 0, -EINVAL (p->contract unusable),
 * -ECANCELED or -ENOMEM; *out is zeroed on failure.
 */
int recruit_run(const struct snapshot *s, const struct plan *plan, const struct recruit_params *p,
                struct recruit_result *out) STAFFD_MUSTCHECK;
/* The two halves alone (recruit_run calls both). Ranking: *out malloc'd, NULL when *n == 0. */
int recruit_needs(const struct snapshot *s, const struct plan *plan, const struct recruit_params *p,
                  struct hiring_result *out) STAFFD_MUSTCHECK;
int recruit_rank(const struct snapshot *s, const struct plan *plan, const struct recruit_params *p,
                 struct recruit_ranked **out, int *n) STAFFD_MUSTCHECK;
void recruit_ranked_free(struct recruit_ranked *r, int n);
void recruit_result_free(struct recruit_result *r);

/*
 * The default contract for a candidate: lengths {240, 300, 360, 480} minutes
 * up to the minutes wanted (or the wanted minutes themselves, rounded down to
 * 15, when even 240 is more), start step 30, at most the wanted minutes and 5
 * days a week, 5 days in a row, 11 h rest. `lengths` must hold
 * RECRUIT_MAX_LENGTHS ints and outlive *out.
 */
void recruit_default_contract(const struct candidate *c, int *lengths, struct contract *out);
/* The agent a candidate would be: shares c's skills and windows; no time off. */
void recruit_candidate_agent(const struct candidate *c, int contract, struct agent *out);

/* Index into snapshot.candidates of the candidate with this id, or -1. */
int recruit_find_candidate(const struct snapshot *s, int64_t id) STAFFD_MUSTCHECK;

/* Per queue: the plan before and after adding candidates as agents. */
struct recruit_queue_change {
    double shortage_before, shortage_after; /* agent-minutes per week, future cells */
    double sl_before, sl_after; /* contacts-weighted expected service level; -1: no demand */
};
struct recruit_what_if {
    int n_queues;
    struct recruit_queue_change *queues; /* [n_queues] */
    int n_candidates;
    int *candidates;          /* indices into snapshot.candidates */
    double *minutes_per_week; /* [n_candidates] scheduled for each hypothetical agent */
};
/*
 * Plans again (plan_run, same seed) with the given candidates added as agents
 * under recruit_default_contract(), and compares with `base` (the plan of s).
 * 0, -EINVAL (bad index), -ECANCELED or -ENOMEM.
 */
int recruit_what_if(const struct snapshot *s, const struct plan *base, const int *candidates, int n,
                    const struct recruit_params *p, struct recruit_what_if *out) STAFFD_MUSTCHECK;
void recruit_what_if_free(struct recruit_what_if *w);

/*
 * The what-if of the hiring profiles of rr (the recruitment of s and base):
 * hiring_what_if() with the top `top` profiles one by one, then all, planned
 * as recruit_what_if plans (the greedy builder, the same seed and freeze).
 */
int recruit_check_profiles(const struct snapshot *s, const struct plan *base,
                           const struct recruit_result *rr, int top, const struct recruit_params *p,
                           struct hiring_check *out) STAFFD_MUSTCHECK;

/* Per queue: the plan and hiring needs before and after another assistant's share. */
struct recruit_containment_queue {
    double share_before, share_after;
    double required_hours_before, required_hours_after; /* agent-hours a week, future cells */
    double shortage_hours_before, shortage_hours_after; /* agent-hours a week short */
    double sl_before, sl_after;    /* contacts-weighted expected service level; -1: no demand */
    int hires_before, hires_after; /* hires the needs ask for on this queue */
};
struct recruit_containment {
    int queue; /* index of the queue asked about; -1: every queue */
    double share;
    int n_queues;
    struct recruit_containment_queue *queues; /* [n_queues] */
    int hires_before, hires_after;
};
/*
 * Plans again (plan_run with pp, then recruit_run with p) as if the assistant
 * resolved `share` of the contacts of queue (index; -1: every queue), people
 * getting the rest at the escalated handle time, and compares with the base
 * plan and recruitment of s. Needs s->offered. 0, -EINVAL, -ECANCELED, -ENOMEM.
 */
int recruit_what_if_containment(const struct snapshot *s, const struct plan *base,
                                const struct recruit_result *base_rr, int queue, double share,
                                const struct plan_params *pp, const struct recruit_params *p,
                                struct recruit_containment *out) STAFFD_MUSTCHECK;
void recruit_containment_free(struct recruit_containment *c);

#endif
