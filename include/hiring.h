/* SPDX-License-Identifier: ISC */
/*
 * hiring.h — hiring profiles: the shortage a plan leaves, sized in whole hires
 * of a contract template and grouped into job ads HR can post ("8 hires for
 * chat-sv, weekday evenings 17:00–23:00 Europe/Stockholm, 12–16 h a week"),
 * with what is left after them and why (the method: docs/recruitment.md).
 *
 * Pure (no I/O) and thread-safe, like plan.c; recruit_run() calls it on the
 * worker thread right after plan_run(), on the same snapshot and plan:
 *
 *     struct hiring_params hp;
 *     hiring_params_default(&hp);
 *     hp.contract = -1;                      // the template by the rule
 *     struct hiring_result hr;
 *     if (hiring_size(&snap, &plan, &hp, &hr) == 0) {
 *         ... hr.profiles[0].hires, hr.left_minutes ...
 *         hiring_result_free(&hr);
 *     }
 *
 * A hire is never sized by rules of our own: a hypothetical agent of the
 * template, available in a window of the queue's local day, is planned by the
 * greedy scheduler (greedy_build, then breaks_place) against the shortage still
 * uncovered, as recruit.c values an applicant. Its shifts are what it works;
 * the shortage they remove is what it covers. hiring_what_if() adds the
 * profiles' hires to the snapshot and plans again to check that prediction.
 *
 * Also here, because recruit.c's explanations share them: the words for weekly
 * time blocks ("weekday evenings 17:00–22:00 Europe/Stockholm").
 *
 * Three files implement it: hiring.c (the sizing and the what-if),
 * hiring_template.c (the template) and hiring_words.c (the words), sharing
 * include/hiring_internal.h.
 */
#ifndef STAFFD_HIRING_H
#define STAFFD_HIRING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "plan.h"
#include "util.h"

#define HIRING_MAX_LENGTHS 8

struct hiring_params {
    double attrition_per_month;  /* share of staff leaving per month [0.03] */
    double weeks_to_productive;  /* from hire to working on the queue [4] */
    int contract;                /* template: index into snapshot.contracts; -1: the rule [-1] */
    double min_hours_per_hire;   /* a hire covers at least this much shortage a week; 0: rule */
    double builtin_hours;        /* weekly hours of the built-in template (no contract) [20] */
    int window_slack_minutes;    /* a hire's window: the longest shift plus this [120] */
    int window_step_minutes;     /* windows tried start every this many minutes [60] */
    int group_tolerance_minutes; /* hires group when their windows differ by <= this [60] */
    double min_cell_shortage;    /* what is left: slots from this many agents short [0.5] */
    int max_gap_minutes;         /* what is left: a calm stretch this short joins blocks [30] */
    int max_hires;               /* stop after this many hires in all [2000] */
    uint64_t seed;               /* passed to greedy_build() */
    const atomic_bool *cancel;   /* may be NULL; checked between hypothetical hires */
};

/* Fills in the documented defaults (the values in brackets above). */
void hiring_params_default(struct hiring_params *p);

/* The contract every hire is sized in, and how it was chosen. */
struct hiring_template {
    int contract;      /* index into snapshot.contracts; -1: the built-in template */
    const char *how;   /* "chosen", "marked for hiring", ... (static text) */
    struct contract c; /* a copy; c.shift_lengths_minutes points at lengths[] */
    int lengths[HIRING_MAX_LENGTHS];
    double min_hours;   /* a hire must cover at least this much shortage a week */
    int window_minutes; /* the longest shift plus the slack (at most a day) */
};

/*
 * The template by the rule (docs/recruitment.md): `contract` when >= 0, else
 * the site's contract marked for hiring, else the part-time contract (maximum
 * below the site's largest) most active agents have, else the contract most
 * have, else a built-in template (4 to 8 h shifts, builtin_hours a week).
 * Contracts without a shift length that fits their weekly maximum are
 * skipped. 0, or -EINVAL when `contract` is out of range or such a contract.
 */
int hiring_template_pick(const struct snapshot *s, const struct hiring_params *p,
                         struct hiring_template *out) STAFFD_MUSTCHECK;

/* A job ad: hires of the template for one queue in one weekly window. */
struct hiring_profile {
    int queue;              /* index into snapshot.queues */
    unsigned weekdays;      /* bit (d - 1) set for ISO weekday d the window starts on */
    int start_min, end_min; /* local time in the queue's zone; end <= start runs past midnight,
                               1440 is midnight */
    int productive;         /* hires the simulation placed: people working the profile */
    double hires_exact;     /* productive, raised for attrition while they ramp up */
    int hires;              /* to recruit: productive, allowance rounded to the nearest person */
    double covered;         /* shortage agent-minutes a week the productive hires cover */
    double window_short;    /* agent-minutes a week short in the window before them */
    double peak_agents;     /* most agents short at once in the window (weekly average) */
    double minutes_min;     /* weekly minutes one hire works: the least ... */
    double minutes_max;     /* ... and the most among them (at most the template's maximum) */
    double minutes_mean;
    char label[128];  /* "weekday evenings 17:00–23:00 Europe/Stockholm" */
    char ad[256];     /* "9 hires for chat-sv, weekday evenings ..., 12–16 h a week" */
    char reason[480]; /* one line: how the number came about */
};

/* Per queue: the shortage, what the profiles cover, what is left and why. */
struct hiring_queue {
    double shortage;  /* agent-minutes a week short after the plan (future cells) */
    double covered;   /* of which the profiles' hires cover */
    double left;      /* shortage - covered */
    int hires;        /* to recruit for this queue (attrition included) */
    double next_best; /* agent-minutes a week one more hire would cover at best */
    char left_reason[400];
};

struct hiring_result {
    struct hiring_template tpl;
    double weeks; /* future part of the horizon, in weeks */
    int n_profiles;
    struct hiring_profile *profiles; /* in the order they were sized: each after those above */
    int n_queues;
    struct hiring_queue *queues;    /* [n_queues] */
    int hires, productive;          /* totals */
    double shortage, covered, left; /* agent-minutes a week, all queues */
    bool capped;                    /* stopped at max_hires */
    /*
     * [n_queues * n_cells, as plan->shortage]: agents still short in each cell
     * with the profiles' productive hires working (0 before now); what `left`
     * sums. recruit.c splits it as it splits the plan's shortage.
     */
    double *residual;
};

/*
 * Sizes the profiles. 0, -EINVAL (see hiring_template_pick), -ECANCELED or
 * -ENOMEM; *out is zeroed on failure. Same snapshot, plan and seed, same
 * profiles.
 */
int hiring_size(const struct snapshot *s, const struct plan *plan, const struct hiring_params *p,
                struct hiring_result *out) STAFFD_MUSTCHECK;
void hiring_result_free(struct hiring_result *r);

/* The availability window hypothetical hires of profile f get, one per weekday. */
int hiring_profile_windows(const struct hiring_profile *f, struct window *out);

/* Predicted against realised, for the first profiles added one after another. */
struct hiring_check_step {
    int profiles;          /* profiles [0, profiles) hired */
    int agents;            /* hypothetical agents added (their productive hires) */
    double predicted;      /* agent-minutes a week the last profile(s) added should cover */
    double realised;       /* the drop in shortage when they were added, planned again */
    double shortage_after; /* agent-minutes a week left, planned again */
};
struct hiring_check {
    double shortage_before; /* the base plan's, agent-minutes a week */
    int n_steps;
    struct hiring_check_step *steps; /* the first `top` profiles one by one, then all of them */
    int n_queues;
    double *queue_after; /* [n_queues] agent-minutes a week short with every profile hired */
};
/*
 * Plans again (plan_run with pp; no engine budget: the greedy builder, as
 * recruit_what_if) with the productive hires of profiles [0, k) added as agents
 * of the template, available in their profile's window, for k = 1 .. top and
 * then for every profile; `base` (the plan of s) stands in for the published
 * schedule so the hires fill what is left. Step k compares profile k's
 * prediction with the drop from step k - 1 (the last step: every profile
 * beyond `top` together). 0, -EINVAL, -ECANCELED or -ENOMEM.
 */
int hiring_what_if(const struct snapshot *s, const struct plan *base, const struct hiring_result *r,
                   int top, const struct plan_params *pp,
                   struct hiring_check *out) STAFFD_MUSTCHECK;
void hiring_check_free(struct hiring_check *c);

/* ---- words for weekly time blocks (shared with recruit.c) ---------------- */

/* A zone's name by index into snapshot.tzs ("UTC" when out of range). */
const char *hiring_tz_name(const struct snapshot *s, int tz);
/* "HH:MM" of a minute of the day; 1440 reads 24:00 (a block that ends at midnight). */
void hiring_hhmm(int minute, char *buf, size_t len);
/*
 * "weekday evenings 17:00–22:00 Europe/Stockholm", "Sundays 07:00–22:00 UTC".
 * end_min counts from the start day's midnight (may exceed 1440).
 */
void hiring_block_label(unsigned mask, int start_min, int end_min, const char *zone, char *buf,
                        size_t len);

#endif
