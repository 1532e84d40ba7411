/* SPDX-License-Identifier: ISC */
/*
 * staffing.h — how many agents one queue needs in one interval, and how a given
 * number of agents will perform (Erlang C, Erlang A, chat concurrency, email).
 *
 * Pure maths: no I/O, no allocation, no global state; every function may be
 * called from any thread. Every function returns 0 or a negative errno:
 * -EINVAL for a NULL pointer or an input outside its domain, -ERANGE for an
 * input inside the domain but beyond the supported scale (the limits below).
 * Outputs are written only on success.
 *
 * Definitions (see docs/staffing.md for the models and their sources):
 *   traffic          A = contacts * aht_seconds / interval_seconds (Erlangs);
 *                    for chat, A counts chats in progress, not agents.
 *   service level    share of all arrivals answered within target_seconds.
 *                    With patience (Erlang A) a caller who abandons counts as
 *                    NOT answered in time, even if they hung up before
 *                    target_seconds.
 *   ASA              mean time in queue averaged over ALL arrivals: zero for
 *                    those answered at once, the time until they hung up for
 *                    those who abandon. Infinite when Erlang C is unstable
 *                    (agents * concurrency <= A).
 *   wait probability share of arrivals that find every agent (slot) busy.
 *   occupancy        share of agents' (slots') time spent handling contacts.
 *   abandonment      share of arrivals that hang up before being answered.
 *
 * Usage: fill a struct staffing_params per queue and interval, call
 * staffing_required() for the requirement and staffing_predict() to rate a
 * planned count. Queues served by the same agents: add the per-queue
 * `agents_fractional` and round once with staffing_combine() or
 * staffing_round(), never round per queue.
 */
#ifndef STAFFD_STAFFING_H
#define STAFFD_STAFFING_H

#include <stddef.h>

#define STAFFING_MUSTCHECK __attribute__((warn_unused_result))

/* Supported scale; beyond these the functions return -ERANGE. */
#define STAFFING_MAX_ERLANGS     100000.0 /* offered traffic A */
#define STAFFING_MAX_AGENTS      10000000.0
#define STAFFING_MAX_CONCURRENCY 100
#define STAFFING_MAX_PATIENCE    1e5 /* patience_seconds / aht_seconds */

struct staffing_params {
    double contacts;         /* arrivals in the interval, >= 0 */
    double interval_seconds; /* > 0 */
    double aht_seconds;      /* mean handle time per contact, > 0 (may be 0 when contacts == 0) */
    double service_level;    /* target share answered within target_seconds, (0, 1) */
    double target_seconds;   /* >= 0 */
    double target_asa;       /* > 0: meet this ASA (seconds) instead of the service level */
    double patience_seconds; /* > 0: Erlang A, callers abandon after mean patience; 0: Erlang C */
    double max_occupancy;    /* (0, 1]; 1 = no cap */
    double shrinkage;        /* [0, 1): share of paid time not available to the queue */
    int concurrency;         /* >= 1: contacts an agent handles at once (chat) */
};

struct staffing_requirement {
    int agents;               /* productive agents: the least integer count meeting every target */
    double agents_fractional; /* the least real count doing so under staffing_predict()'s
                               * interpolation, in (agents - 1, agents]; add these across queues */
    double scheduled;         /* agents / (1 - shrinkage), not rounded */
    int scheduled_rounded;    /* staffing_round(scheduled) */
};

struct staffing_prediction {
    double wait_probability;
    double service_level;
    double asa_seconds; /* may be INFINITY (Erlang C, agents * concurrency <= traffic) */
    double occupancy;
    double abandonment; /* 0 without patience */
};

/*
 * The agents one queue needs in one interval: the smallest count that meets
 * the service-level target (or the ASA target when target_asa > 0) and keeps
 * occupancy at or below max_occupancy. Zero demand needs zero agents.
 * Under Erlang A, target_asa must be below patience_seconds (ASA counting
 * abandoners never exceeds the mean patience, so such a target says nothing).
 */
STAFFING_MUSTCHECK int staffing_required(const struct staffing_params *p,
                                         struct staffing_requirement *out);

/*
 * Predicted performance of `agents` productive agents (service_level,
 * target_asa, max_occupancy and shrinkage are not used). A fractional count
 * n = k + f (integer k, 0 < f < 1) means k agents for (1 - f) of the interval
 * and k + 1 for the rest: every figure is interpolated linearly between the
 * integer counts k and k + 1. So predictions are monotone in `agents`, and
 * predicting at a requirement's agents_fractional meets its binding target
 * exactly.
 */
STAFFING_MUSTCHECK int staffing_predict(const struct staffing_params *p, double agents,
                                        struct staffing_prediction *out);

/*
 * Deferrable work (email): the agents needed to clear `contacts` of
 * `aht_seconds` each within `window_seconds` (the response-time goal, e.g.
 * 4 hours), working at `occupancy` (0, 1]. A workload model, not a queue:
 * agents_fractional = contacts * aht / (window * occupancy).
 */
STAFFING_MUSTCHECK int staffing_email(double contacts, double aht_seconds, double window_seconds,
                                      double occupancy, double shrinkage,
                                      struct staffing_requirement *out);

/*
 * Email over a series of n consecutive equal intervals: each interval's work
 * (contacts[i] x aht[i] agent-seconds) may be done any time within the
 * response goal that follows its arrival, `window` intervals (at least 1), so
 * it is spread evenly over them. load[i] is the work due in interval i; the
 * requirement of interval i is staffing_email(load[i], 1, interval, ...).
 * The daemon (plan.c) and `staffd requirements` both plan email this way.
 */
void staffing_email_load(const double *contacts, const double *aht, int n, int window,
                         double *load);

/*
 * Round a fractional agent count up to an integer, once. A value within 1e-9
 * (relative, at least 1e-9 absolute) above an integer rounds down to it, so
 * floating-point noise (21 / (1 - 0.3) = 30.000000000000004) never costs an agent.
 */
STAFFING_MUSTCHECK int staffing_round(double agents, int *out);

/*
 * Queues served by the same agents: sum the parts' agents_fractional, round
 * once, and apply the agents' shrinkage. n == 0 gives a zero requirement.
 */
STAFFING_MUSTCHECK int staffing_combine(const struct staffing_requirement *parts, size_t n,
                                        double shrinkage, struct staffing_requirement *out);

#endif
