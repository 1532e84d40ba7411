/* SPDX-License-Identifier: ISC */
/*
 * staffing.c — staffing requirements and predictions for one queue and interval
 * (Erlang C, Erlang A, chat concurrency, email workload); see include/staffing.h
 * for the API and docs/staffing.md for the models, their sources and the
 * numerical methods.
 *
 * Pure maths: no I/O, no allocation, no globals. A requirement is found by an
 * integer search over agent counts (guess, gallop, then regula falsi), each
 * probe evaluating the model at an integer count; staffing_predict()
 * interpolates between integer counts.
 *
 * Notation used throughout: a = offered traffic in Erlangs, s = servers. With
 * chat concurrency c, each agent is c servers ("slots") and s = agents * c.
 * inv_b = 1 / ErlangB(s, a). With patience (Erlang A), r = patience / aht,
 * x = s * r and y = a * r are the service and arrival rates in units of the
 * abandonment rate.
 */
#include "staffing.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>

/* ln(1e-17 or so): the truncated Erlang B recursion forgets its starting value
 * by at least this factor, see erlang_b_start(). */
#define ERLANG_B_FORGET 40.0
/* 1 / ErlangB above this is treated as infinite (B < 1e-300 is zero to every
 * figure we report), which also keeps the recursion away from overflow. */
#define INV_B_HUGE 1e300
/* Series are summed until the remaining tail is below this share of the sum. */
#define SERIES_EPS 1e-17
/* A bound far above any valid input's term count (about 2e7, docs/staffing.md);
 * reaching it means a bug, reported as -ERANGE rather than a hang. */
#define SERIES_MAX_TERMS 100000000.0
/* staffing_round(): values this close above an integer are floating-point noise. */
#define ROUND_TOL 1e-9

struct model {
    double a;        /* offered traffic, Erlangs (chats in progress for chat) */
    double aht;      /* seconds */
    double target;   /* service-level threshold, seconds */
    double patience; /* mean patience, seconds; 0 = Erlang C */
    double ratio;    /* patience / aht */
    double tau;      /* target / patience */
    long conc;       /* servers per agent */
};

/* State of the Erlang B recursion 1/B(n) = 1 + (n/a) / B(n-1), kept so that
 * consecutive server counts cost O(1) each. */
struct erlang_b {
    double a;
    double inv_a;
    long n;
    double inv_b; /* 1 / B(n, a), INFINITY once above INV_B_HUGE */
    bool valid;
};

static bool is_nonneg(double v)
{
    return isfinite(v) && v >= 0.0;
}

/* ---- Erlang B ---------------------------------------------------------- */

/*
 * Where to start the recursion for B(n, a) so that the cost is O(sqrt(a))
 * rather than O(n). An error e in 1/B(n0) reaches 1/B(n) multiplied by
 * P = prod_{k=n0+1..n} k/a, and ln P <= sum (k/a - 1) (as ln u <= u - 1).
 * Choosing D = n - n0 with D^2 - (2n + 1 - 2a) D - 2a L >= 0 makes that sum
 * <= -L, so any start value with a modest relative error (we use the
 * overload asymptote 1/B(n0) ~ a / (a - n0), within a few per cent since
 * n0 < a - sqrt(2 a L)) is forgotten to 1e-17. If n0 would be below 1 we start
 * exactly at B(0) = 1.
 */
static long erlang_b_start(double a, long n, double *inv_b0)
{
    double k = 2.0 * (double)n + 1.0 - 2.0 * a;
    double d = 0.5 * (k + sqrt(k * k + 8.0 * a * ERLANG_B_FORGET));
    double start = floor((double)n - d);

    if (start < 1.0) {
        *inv_b0 = 1.0;
        return 0;
    }
    *inv_b0 = a / (a - start);
    return (long)start;
}

static void erlang_b_init(struct erlang_b *e, double a)
{
    e->a = a;
    e->inv_a = 1.0 / a;
    e->n = 0;
    e->inv_b = 1.0;
    e->valid = false;
}

/* Forward recursion: relative errors do not grow (each step adds 1 to a
 * positive quantity), so it is stable at any n. Four steps are folded into
 * 1/B(k+4) = c + p / B(k), with c = 1 + q4 (1 + q3 (1 + q2)), p = q1 q2 q3 q4,
 * q_i = (k+i)/a: c and p do not depend on the running value, so the chain
 * that limits speed is one multiply-add per four steps instead of four. */
static void erlang_b_up(struct erlang_b *e, long to)
{
    double ib = e->inv_b;
    long k = e->n;

    for (; k + 4 <= to && ib < INV_B_HUGE; k += 4) {
        double kk = (double)k;
        double q1 = (kk + 1.0) * e->inv_a, q2 = (kk + 2.0) * e->inv_a;
        double q3 = (kk + 3.0) * e->inv_a, q4 = (kk + 4.0) * e->inv_a;
        double c = 1.0 + q4 * (1.0 + q3 * (1.0 + q2));
        double p = (q1 * q2) * (q3 * q4);
        ib = c + p * ib;
    }
    for (; k < to && ib < INV_B_HUGE; k++)
        ib = 1.0 + ib * ((double)(k + 1) * e->inv_a);
    e->inv_b = ib < INV_B_HUGE ? ib : INFINITY;
    e->n = to;
}

/* Backward recursion 1/B(n-1) = (1/B(n) - 1) a / n: errors shrink by a/n, so
 * it is only used while n > a (the caller checks). */
static void erlang_b_down(struct erlang_b *e, long to)
{
    double ib = e->inv_b;

    for (long k = e->n; k > to; k--)
        ib = (ib - 1.0) * e->a / (double)k;
    e->inv_b = ib;
    e->n = to;
}

/* Position the recursion at n servers, walking from the previous position
 * when that is cheaper than a fresh (truncated) start. */
static void erlang_b_seek(struct erlang_b *e, long n)
{
    double ib0;
    long start = erlang_b_start(e->a, n, &ib0);

    if (e->valid && n >= e->n && e->n >= start) {
        erlang_b_up(e, n);
    } else if (e->valid && n < e->n && isfinite(e->inv_b) && (double)n > e->a &&
               e->n - n <= n - start) {
        erlang_b_down(e, n); /* stable above a */
    } else {
        e->n = start;
        e->inv_b = ib0;
        e->valid = true;
        erlang_b_up(e, n);
    }
}

/* ---- Erlang A series ---------------------------------------------------- */

/*
 * ln Gamma(b + n) - ln Gamma(b) for b >= 1, n >= 0, without the cancellation
 * of subtracting two large lgamma values: Stirling's series for b >= 15
 * (truncation error < 3e-16), else a shift of b up by the recurrence.
 */
static double stirling_tail(double v)
{
    double r = 1.0 / v;
    double r2 = r * r;

    return r * (1.0 / 12 +
                r2 * (-1.0 / 360 +
                      r2 * (1.0 / 1260 +
                            r2 * (-1.0 / 1680 + r2 * (1.0 / 1188 + r2 * (-691.0 / 360360))))));
}

static double log_rising(double b, double n)
{
    double shift = 0.0;
    double ratio = 1.0;

    if (n == 0.0)
        return 0.0;
    /* Gamma(b+n)/Gamma(b) = Gamma(b'+n)/Gamma(b') * prod_j (b+j)/(b+n+j), b' = b + m;
     * at most 15 factors, each in (0, 1], product far from underflow. */
    for (; b < 15.0; b += 1.0)
        ratio *= b / (b + n);
    shift = log(ratio);

    double e = b + n;
    return n * log(e) + (b - 0.5) * log1p(n / b) - n + stirling_tail(e) - stirling_tail(b) + shift;
}

/*
 * The series G(a, z) = sum_{k>=0} t_k, t_k = z^k / ((a+1)(a+2)...(a+k)), that is
 * Kummer's M(1; a+1; z) = a e^z z^-a gamma(a, z), together with the weighted
 * sums U = sum t_k (k+1)/(a+k+1) and V = sum t_k (a+1)/(a+k+1), which give
 * Erlang A's abandonment and service level without cancellation.
 *
 * G can be astronomically large (overload: z >> a), so the sum is taken
 * relative to its largest term t_p, p = floor(z - a), and returned as a
 * logarithm; terms are added outward from p in both directions until the
 * geometric bound on the rest is below SERIES_EPS of every sum. The cost is
 * O(min(sqrt(z), 1 / |1 - z/a|)) terms.
 */
struct kummer {
    double log_g; /* ln G */
    double u;     /* U / G */
    double v;     /* V / G */
};

/* The sums a caller needs; the others are left out of the loops. */
enum { SUM_U = 1, SUM_V = 2 };

static inline __attribute__((always_inline)) int kummer_body(double a, double z, bool want_u,
                                                             bool want_v, struct kummer *out)
{
    double peak = z - a > 1.0 ? floor(z - a) : 0.0;
    double log_peak = peak > 0.0 ? peak * log(z) - log_rising(a + 1.0, peak) : 0.0;
    double d = 1.0 / (a + peak + 1.0); /* 1/(a+k+1): weight factor of t_k, and t_{k+1}/t_k = z d */
    double s = 1.0, u = 0.0, v = 0.0, t, terms = 0.0;
    int rc = 0;

    if (want_u)
        u = (peak + 1.0) * d;
    if (want_v)
        v = d; /* V is (a+1) times this sum */

    /* Upward from the peak, two terms a step (one division gives both weight
     * factors). Every later ratio is below rn = z d < 1, so the rest is below
     * t rn / (1 - rn), tested without dividing. */
    t = 1.0;
    for (double k = peak + 1.0; z > 0.0; k += 2.0) {
        double e1 = a + k + 1.0, e2 = e1 + 1.0;
        double q = 1.0 / (e1 * e2);
        double d1 = e2 * q, d2 = e1 * q; /* 1/(a+k+1), 1/(a+k+2) */
        double r1 = z * d, r2 = z * d1;  /* t_k / t_{k-1}, t_{k+1} / t_k */
        double t1 = t * r1, t2 = t * (r1 * r2);
        s += t1 + t2;
        if (want_u)
            u += t1 * (k + 1.0) * d1 + t2 * (k + 2.0) * d2;
        if (want_v)
            v += t1 * d1 + t2 * d2;
        t = t2;
        d = d2;
        double rn = z * d;
        double rest = t * rn, room = SERIES_EPS * (1.0 - rn);
        if (rest <= room * s && (!want_u || rest <= room * u) && (!want_v || rest * d <= room * v))
            break;
        terms += 2.0;
        if (terms > SERIES_MAX_TERMS) {
            rc = -ERANGE;
            goto out;
        }
    }

    /* Downward from the peak: t_{k-1} / t_k = (a + k) / z <= 1, falling. */
    t = 1.0;
    double inv_z = 1.0 / z;
    for (double k = peak; k >= 1.0; k -= 1.0) {
        double r = (a + k) * inv_z;
        t *= r;
        s += t;
        double rest = t * (k - 1.0); /* at most k - 1 terms left, none above t */
        if (r < 1.0 && t * r < rest * (1.0 - r))
            rest = t * r / (1.0 - r);
        bool done = rest <= SERIES_EPS * s;
        if (want_u || want_v) {
            /* Weights of the rest: U's fall with k, V's are at most 1/(a+1). */
            double dk = 1.0 / (a + k); /* t_{k-1}'s weight factor */
            if (want_u) {
                u += t * k * dk;
                done = done && rest * k * dk <= SERIES_EPS * u;
            }
            if (want_v) {
                v += t * dk;
                done = done && rest <= SERIES_EPS * (a + 1.0) * v;
            }
        }
        if (done)
            break;
        if (++terms > SERIES_MAX_TERMS) {
            rc = -ERANGE;
            goto out;
        }
    }

    out->log_g = log_peak + log(s);
    out->u = u / s;
    out->v = (a + 1.0) * v / s;
out:
    return rc;
}

static int kummer_sum(double a, double z, unsigned want, struct kummer *out)
{
    /* One specialised copy of the loops per combination. */
    switch (want) {
    case SUM_U | SUM_V:
        return kummer_body(a, z, true, true, out);
    case SUM_V:
        return kummer_body(a, z, false, true, out);
    case SUM_U:
        return kummer_body(a, z, true, false, out);
    default:
        return kummer_body(a, z, false, false, out);
    }
}

/* ---- one integer server count ------------------------------------------ */

/* Which Erlang A figures a caller reads: the service level needs two series,
 * the abandonment figures (abandonment, ASA, occupancy) one. */
enum { NEED_SL = 1, NEED_ABANDON = 2, NEED_ALL = 3 };

static void predict_zero_demand(struct staffing_prediction *out)
{
    *out = (struct staffing_prediction){
        .wait_probability = 0.0,
        .service_level = 1.0,
        .asa_seconds = 0.0,
        .occupancy = 0.0,
        .abandonment = 0.0,
    };
}

/* Demand but nobody (or, Erlang C, too few) to serve it: everyone waits, nobody
 * is answered in time, agents are saturated. Erlang A callers all abandon and
 * wait their patience; Erlang C callers wait for ever. */
static void predict_saturated(const struct model *m, bool nobody, struct staffing_prediction *out)
{
    bool abandon = m->patience > 0.0;

    *out = (struct staffing_prediction){
        .wait_probability = 1.0,
        .service_level = 0.0,
        .asa_seconds = abandon ? m->patience : INFINITY,
        .occupancy = 1.0,
        .abandonment = abandon && nobody ? 1.0 : 0.0,
    };
}

/*
 * Erlang C (M/M/s), s > a:
 *   C = s / (inv_b (s - a) + a)            (= s B / (s - a (1 - B)))
 *   SL = 1 - C exp(-(s - a) T / aht), ASA = C aht / (s - a), occupancy = a / s.
 */
static void erlang_c_eval(const struct model *m, double s, double inv_b,
                          struct staffing_prediction *out)
{
    double excess = s - m->a;
    double c = s / (inv_b * excess + m->a);

    out->wait_probability = c;
    out->service_level = 1.0 - c * exp(-excess * m->target / m->aht);
    out->asa_seconds = c * m->aht / excess;
    out->occupancy = m->a / s;
    out->abandonment = 0.0;
}

/*
 * Erlang A (M/M/s+M, Palm; Garnett, Mandelbaum & Reiman 2002), s >= 1, in the
 * notation above. With S = G(x, y) and the weighted sums U, V of kummer_sum():
 *   P(wait)               Pw = S / (S + inv_b - 1)
 *   P(abandon | wait)        = U / S
 *   P(served by T | wait) F  = x/(x+1) (V/S - w^(x+1) e^(y(1-w)) G(x+1, y w) / S),
 *                              w = exp(-T / patience)
 *   SL = 1 - Pw (1 - F), abandonment = Pw U/S, ASA = abandonment * patience
 *   (Little's law on the queue: abandonment rate = queue length / patience),
 *   occupancy = a (1 - abandonment) / s.
 * Derivation in docs/staffing.md; all ratios are formed in log space.
 */
static int erlang_a_eval(const struct model *m, double s, double inv_b, unsigned need,
                         struct staffing_prediction *out)
{
    double x = s * m->ratio;
    double y = m->a * m->ratio;
    struct kummer g, g2;
    int rc = 0;

    if (!isfinite(inv_b)) {
        /* B < 1e-300: nobody waits. */
        *out = (struct staffing_prediction){
            .service_level = 1.0,
            .occupancy = m->a / s,
        };
        goto out;
    }
    rc = kummer_sum(x, y, (need & NEED_ABANDON ? SUM_U : 0) | (need & NEED_SL ? SUM_V : 0), &g);
    if (rc < 0)
        goto out;
    double pw = inv_b > 1.0 ? 1.0 / (1.0 + exp(log(inv_b - 1.0) - g.log_g)) : 1.0;
    *out = (struct staffing_prediction){
        .wait_probability = pw,
        .service_level = NAN,
        .asa_seconds = NAN,
        .occupancy = NAN,
        .abandonment = NAN,
    };

    if (need & NEED_SL) {
        double served = x / (x + 1.0) * g.v; /* P(served | wait) */
        double f = 0.0;                      /* P(served within T | wait) */
        if (m->target > 0.0) {
            rc = kummer_sum(x + 1.0, y * exp(-m->tau), 0, &g2);
            if (rc < 0)
                goto out;
            double log_k = -(x + 1.0) * m->tau - y * expm1(-m->tau);
            f = x / (x + 1.0) * (g.v - exp(log_k + g2.log_g - g.log_g));
            /* F S = x int_0^z e^phi(s) ds with phi(s) = x ln(1-s) + y s concave,
             * z = 1 - e^-tau, so F <= x z e^(max phi) / S. Deep in overload
             * F is astronomically small and the difference above is rounding
             * noise (~1e-11 at 10^4 Erlangs); this exact bound removes it. */
            double z = -expm1(-m->tau), peak = 1.0 - x / y;
            double phi_max = peak <= 0.0 ? 0.0
                             : peak >= z ? -x * m->tau - y * expm1(-m->tau)
                                         : x * log(x / y) + y - x;
            double cap = x * z * exp(phi_max - g.log_g) * (1.0 + 1e-9);
            f = f < 0.0 ? 0.0 : fmin(f, fmin(served, cap));
        }
        out->service_level = 1.0 - pw * (1.0 - f);
    }
    if (need & NEED_ABANDON) {
        out->abandonment = pw * g.u;
        out->asa_seconds = out->abandonment * m->patience;
        /* Carried load never exceeds the servers; rounding in deep overload can. */
        out->occupancy = fmin(1.0, m->a * (1.0 - out->abandonment) / s);
    }
out:
    return rc;
}

/* Prediction for an integer number of agents. Erlang A computes only the
 * figures in `need` (the rest are NAN); Erlang C is cheap and fills all. */
static int model_eval(const struct model *m, struct erlang_b *eb, long agents, unsigned need,
                      struct staffing_prediction *out)
{
    long s = agents * m->conc;
    int rc = 0;

    if (m->a == 0.0) {
        predict_zero_demand(out);
    } else if (s == 0 || (m->patience == 0.0 && (double)s <= m->a)) {
        predict_saturated(m, s == 0, out);
    } else {
        erlang_b_seek(eb, s);
        if (m->patience > 0.0)
            rc = erlang_a_eval(m, (double)s, eb->inv_b, need, out);
        else
            erlang_c_eval(m, (double)s, eb->inv_b, out);
    }
    return rc;
}

/* ---- requirement search ------------------------------------------------ */

enum goal { GOAL_SL, GOAL_ASA, GOAL_OCCUPANCY };

/* One evaluated agent count. `raw` is the margin by which the metric meets the
 * target (>= 0: met), linear in the metric, so it also gives the fractional
 * crossing; `g` is a monotone transform of the same margin that is close to
 * linear in the agent count, used only to steer the search: SL saturates
 * towards 1 but log(1 - SL) keeps falling about linearly, ASA falls about
 * exponentially, and Erlang C occupancy is a / (n c). */
struct probe {
    long n;
    double raw;
    double g;
};

static struct probe probe_score(enum goal goal, double target, long n,
                                const struct staffing_prediction *p)
{
    struct probe pr = {.n = n};

    switch (goal) {
    case GOAL_SL:
        pr.raw = p->service_level - target;
        pr.g = p->service_level < 1.0 ? log1p(-target) - log1p(-p->service_level) : INFINITY;
        break;
    case GOAL_ASA:
        pr.raw = target - p->asa_seconds;
        pr.g = p->asa_seconds > 0.0 ? log(target) - log(p->asa_seconds) : INFINITY;
        break;
    case GOAL_OCCUPANCY:
        pr.raw = target - p->occupancy;
        pr.g = 1.0 / target - 1.0 / p->occupancy;
        break;
    }
    return pr;
}

/* Where the metric crosses the target between n-1 (margin r0 < 0) and n
 * (margin r1 >= 0), under staffing_predict()'s linear interpolation. */
static double crossing(long n, double r0, double r1)
{
    if (!isfinite(r0))
        return (double)n; /* below n the metric is infinite: n itself */
    return (double)(n - 1) + fmin(1.0, -r0 / (r1 - r0));
}

/* Root of the line through two probes' g, or NAN when they define none. */
static double secant_root(struct probe p, double pg, struct probe q, double qg)
{
    if (p.n < 0 || q.n < 0 || p.n == q.n || !isfinite(pg) || !isfinite(qg) || pg == qg)
        return NAN;
    return (double)q.n - qg * (double)(q.n - p.n) / (qg - pg);
}

/*
 * The smallest agent count that meets the goal, given a count `lo` known to
 * fail and a guess above it. Margins are monotone in the count, so: probe the
 * guess; move away from it (a secant through the last two probes on that
 * side, else a step that doubles) until the answer is bracketed; then regula
 * falsi with the Illinois modification (halve the g of an end that stayed put
 * twice, so estimates cannot stall on one side), bisecting when g is not
 * finite. Estimates are rounded up, since the answer is the first count at
 * or above the root; its left neighbour is then the next probe. With a guess
 * within a few sqrt(a) this takes four to six model evaluations.
 */
static int search_min(const struct model *m, struct erlang_b *eb, enum goal goal, double target,
                      struct probe lo, long guess, long *n_out, double *frac_out)
{
    struct probe hi = {.n = -1};
    struct probe lo_prev = {.n = -1}, hi_prev = {.n = -1};
    bool lo_probed = false;
    double lo_g = lo.g, hi_g = 0.0; /* g steering the bracketed estimates */
    long probe = guess > lo.n ? guess : lo.n + 1;
    long step = (long)ceil(0.25 * sqrt(m->a) / (double)m->conc);
    int last = 0;
    int rc = 0;

    for (;;) {
        struct staffing_prediction pred;

        if ((double)probe > STAFFING_MAX_AGENTS) {
            rc = -ERANGE;
            goto out;
        }
        rc = model_eval(m, eb, probe, goal == GOAL_SL ? NEED_SL : NEED_ABANDON, &pred);
        if (rc < 0)
            goto out;
        struct probe here = probe_score(goal, target, probe, &pred);
        if (here.raw >= 0.0) {
            hi_prev = hi;
            hi = here;
            hi_g = here.g;
            if (last > 0)
                lo_g *= 0.5;
            last = 1;
        } else {
            lo_prev = lo_probed ? lo : (struct probe){.n = -1};
            lo = here;
            lo_g = here.g;
            lo_probed = true;
            if (last < 0)
                hi_g *= 0.5;
            last = -1;
        }
        if (hi.n >= 0 && hi.n - lo.n <= 1)
            break;

        double est;
        long next;
        if (hi.n < 0) {
            /* Below the answer: move up. */
            est = secant_root(lo_prev, lo_prev.g, lo, lo.g);
            next = isfinite(est) && est > (double)lo.n && est < (double)lo.n + 16.0 * (double)step
                       ? (long)ceil(est)
                       : lo.n + step;
            step *= 2;
        } else if (!lo_probed) {
            /* Above it, lower bound still the caller's: move down. */
            est = secant_root(hi_prev, hi_prev.g, hi, hi.g);
            next = isfinite(est) && est < (double)hi.n && est > (double)hi.n - 16.0 * (double)step
                       ? (long)ceil(est) - 1
                       : hi.n - step;
            step *= 2;
        } else {
            /* Bracketed. */
            est = secant_root(lo, lo_g, hi, hi_g);
            next = isfinite(est) ? (long)ceil(est) : lo.n + (hi.n - lo.n) / 2;
        }
        if (next <= lo.n)
            next = lo.n + 1;
        if (hi.n >= 0 && next >= hi.n)
            next = hi.n - 1;
        probe = next;
    }
    *n_out = hi.n;
    *frac_out = crossing(hi.n, lo.raw, hi.raw);
out:
    return rc;
}

/* Erlang C occupancy a / (n c) <= cap has a closed form. */
static void occupancy_closed_form(const struct model *m, double cap, long *n_out, double *frac_out)
{
    double need = m->a / ((double)m->conc * cap);
    int n;

    if (staffing_round(need, &n) < 0 || n < 1)
        n = 1;
    double at_n = m->a / ((double)n * (double)m->conc);
    double below = n > 1 ? fmin(1.0, m->a / ((double)(n - 1) * (double)m->conc)) : 1.0;
    *n_out = n;
    *frac_out = crossing(n, cap - below, fmax(cap - at_n, 0.0));
}

/* ---- validation -------------------------------------------------------- */

/* Checks what every model needs; staffing_required() checks its targets. */
static int model_init(const struct staffing_params *p, struct model *m)
{
    int rc = -EINVAL;

    if (p == NULL)
        goto out;
    if (!is_nonneg(p->contacts) || !(isfinite(p->interval_seconds) && p->interval_seconds > 0.0) ||
        !is_nonneg(p->aht_seconds) || !is_nonneg(p->target_seconds) ||
        !is_nonneg(p->patience_seconds) || p->concurrency < 1)
        goto out;
    if (p->contacts > 0.0 && p->aht_seconds == 0.0)
        goto out;
    rc = -ERANGE;
    if (p->concurrency > STAFFING_MAX_CONCURRENCY)
        goto out;
    double a = p->contacts * p->aht_seconds / p->interval_seconds;
    if (!(a <= STAFFING_MAX_ERLANGS))
        goto out;
    if (a > 0.0 && p->patience_seconds > STAFFING_MAX_PATIENCE * p->aht_seconds)
        goto out;

    *m = (struct model){
        .a = a,
        .aht = p->aht_seconds,
        .target = p->target_seconds,
        .patience = p->patience_seconds,
        .ratio = p->aht_seconds > 0.0 ? p->patience_seconds / p->aht_seconds : 0.0,
        .tau = p->patience_seconds > 0.0 ? p->target_seconds / p->patience_seconds : 0.0,
        .conc = p->concurrency,
    };
    rc = 0;
out:
    return rc;
}

static bool shrinkage_ok(double shrinkage)
{
    return isfinite(shrinkage) && shrinkage >= 0.0 && shrinkage < 1.0;
}

/* Fill a requirement from its integer and fractional agent counts. */
static int requirement_fill(int agents, double fractional, double shrinkage,
                            struct staffing_requirement *out)
{
    int scheduled_rounded;
    int rc;

    double scheduled = (double)agents / (1.0 - shrinkage);
    rc = staffing_round(scheduled, &scheduled_rounded);
    if (rc < 0)
        goto out;
    *out = (struct staffing_requirement){
        .agents = agents,
        .agents_fractional = fractional,
        .scheduled = scheduled,
        .scheduled_rounded = scheduled_rounded,
    };
out:
    return rc;
}

/* ---- public API -------------------------------------------------------- */

int staffing_round(double agents, int *out)
{
    int rc = -EINVAL;

    if (out == NULL || !is_nonneg(agents))
        goto out;
    double whole = floor(agents);
    if (agents - whole > ROUND_TOL * fmax(1.0, agents))
        whole += 1.0;
    rc = -ERANGE;
    if (whole > (double)INT_MAX)
        goto out;
    *out = (int)whole;
    rc = 0;
out:
    return rc;
}

int staffing_required(const struct staffing_params *p, struct staffing_requirement *out)
{
    struct model m;
    struct erlang_b eb;
    long agents = 0, n;
    double fractional = 0.0, frac;
    int rc;

    rc = model_init(p, &m);
    if (rc < 0)
        goto out;
    rc = -EINVAL;
    if (out == NULL || !shrinkage_ok(p->shrinkage) || !is_nonneg(p->target_asa) ||
        !(p->max_occupancy > 0.0 && p->max_occupancy <= 1.0))
        goto out;
    bool asa_goal = p->target_asa > 0.0;
    if (!asa_goal && !(p->service_level > 0.0 && p->service_level < 1.0))
        goto out;
    /* ASA over all arrivals, abandoners included, never exceeds the patience. */
    if (asa_goal && m.patience > 0.0 && p->target_asa >= m.patience)
        goto out;
    rc = 0;
    if (m.a == 0.0)
        goto fill;

    erlang_b_init(&eb, m.a);
    enum goal goal = asa_goal ? GOAL_ASA : GOAL_SL;
    double target = asa_goal ? p->target_asa : p->service_level;
    struct staffing_prediction pred;
    long lo_n = 0;
    double guess_traffic;
    if (m.patience == 0.0) {
        /* Erlang C fails up to the traffic; square-root staffing above it. */
        lo_n = (long)floor(m.a / (double)m.conc);
        guess_traffic = m.a + 0.5 * sqrt(m.a);
    } else {
        /* Erlang A: a fluid model (everyone waits patience * ln(a / s) and the
         * s servers answer s / a of the arrivals) gives the servers for a
         * heavily loaded queue; add half a square-root margin for the rest. */
        double fluid =
            asa_goal ? m.a * (1.0 - target / m.patience) : m.a * fmax(target, exp(-m.tau));
        guess_traffic = fluid + 0.5 * sqrt(m.a);
    }
    rc = model_eval(&m, &eb, lo_n, NEED_ALL, &pred);
    if (rc < 0)
        goto out;
    long guess = (long)ceil(guess_traffic / (double)m.conc);
    rc =
        search_min(&m, &eb, goal, target, probe_score(goal, target, lo_n, &pred), guess, &n, &frac);
    if (rc < 0)
        goto out;
    agents = n;
    fractional = frac;

    if (p->max_occupancy < 1.0) {
        if (m.patience == 0.0) {
            occupancy_closed_form(&m, p->max_occupancy, &n, &frac);
        } else {
            /* Abandonment lowers occupancy, so the Erlang C count is an upper bound. */
            long upper;
            occupancy_closed_form(&m, p->max_occupancy, &upper, &frac);
            rc = model_eval(&m, &eb, 0, NEED_ALL, &pred);
            if (rc < 0)
                goto out;
            rc = search_min(&m, &eb, GOAL_OCCUPANCY, p->max_occupancy,
                            probe_score(GOAL_OCCUPANCY, p->max_occupancy, 0, &pred), upper, &n,
                            &frac);
            if (rc < 0)
                goto out;
        }
        /* Each fractional count lies in (n - 1, n], so the larger n has the larger. */
        agents = n > agents ? n : agents;
        fractional = fmax(fractional, frac);
    }
fill:
    rc = requirement_fill((int)agents, fractional, p->shrinkage, out);
out:
    return rc;
}

int staffing_predict(const struct staffing_params *p, double agents,
                     struct staffing_prediction *out)
{
    struct model m;
    struct erlang_b eb;
    struct staffing_prediction lo, hi;
    int rc;

    rc = model_init(p, &m);
    if (rc < 0)
        goto out;
    rc = -EINVAL;
    if (out == NULL || !is_nonneg(agents))
        goto out;
    rc = -ERANGE;
    if (agents > STAFFING_MAX_AGENTS)
        goto out;
    erlang_b_init(&eb, m.a);
    long k = (long)floor(agents);
    double f = agents - (double)k;
    rc = model_eval(&m, &eb, k, NEED_ALL, &lo);
    if (rc < 0 || f == 0.0)
        goto done;
    rc = model_eval(&m, &eb, k + 1, NEED_ALL, &hi);
    if (rc < 0)
        goto out;
    /* (1-f) x0 + f x1 rather than x0 + f (x1 - x0): an infinite ASA at k stays
     * infinite instead of becoming inf - inf. */
    lo.wait_probability = (1.0 - f) * lo.wait_probability + f * hi.wait_probability;
    lo.service_level = (1.0 - f) * lo.service_level + f * hi.service_level;
    lo.asa_seconds = (1.0 - f) * lo.asa_seconds + f * hi.asa_seconds;
    lo.occupancy = (1.0 - f) * lo.occupancy + f * hi.occupancy;
    lo.abandonment = (1.0 - f) * lo.abandonment + f * hi.abandonment;
done:
    if (rc == 0)
        *out = lo;
out:
    return rc;
}

int staffing_email(double contacts, double aht_seconds, double window_seconds, double occupancy,
                   double shrinkage, struct staffing_requirement *out)
{
    int rc = -EINVAL;

    if (out == NULL || !is_nonneg(contacts) || !is_nonneg(aht_seconds) ||
        !(isfinite(window_seconds) && window_seconds > 0.0) ||
        !(occupancy > 0.0 && occupancy <= 1.0) || !shrinkage_ok(shrinkage))
        goto out;
    if (contacts > 0.0 && aht_seconds == 0.0)
        goto out;
    /* Workload spread evenly over the window, at the occupancy agents sustain. */
    double fractional = contacts * aht_seconds / (window_seconds * occupancy);
    int agents;
    rc = -ERANGE;
    if (!(fractional <= STAFFING_MAX_AGENTS))
        goto out;
    rc = staffing_round(fractional, &agents);
    if (rc < 0)
        goto out;
    rc = requirement_fill(agents, fractional, shrinkage, out);
out:
    return rc;
}

void staffing_email_load(const double *contacts, const double *aht, int n, int window, double *load)
{
    if (window < 1)
        window = 1;
    double due = 0; /* a running sum: what arrived in the last `window` intervals, spread */
    for (int i = 0; i < n; i++) {
        due += contacts[i] * aht[i] / window;
        if (i >= window)
            due -= contacts[i - window] * aht[i - window] / window;
        if (due < 1e-9) /* the running sum's rounding must not leave work where none is */
            due = 0;
        load[i] = due;
    }
}

int staffing_combine(const struct staffing_requirement *parts, size_t n, double shrinkage,
                     struct staffing_requirement *out)
{
    double sum = 0.0;
    int rc = -EINVAL;

    if (out == NULL || (parts == NULL && n > 0) || !shrinkage_ok(shrinkage))
        goto out;
    for (size_t i = 0; i < n; i++) {
        if (!is_nonneg(parts[i].agents_fractional))
            goto out;
        sum += parts[i].agents_fractional;
    }
    int agents;
    rc = staffing_round(sum, &agents);
    if (rc < 0)
        goto out;
    rc = requirement_fill(agents, sum, shrinkage, out);
out:
    return rc;
}
