/* SPDX-License-Identifier: ISC */
/*
 * recruit_report.c — recruitment results for people and programs (see
 * include/recruit_report.h): the JSON that the store lands and GET
 * /api/recruitment serves, and the tables `staffd recruit` prints. Reads a
 * struct recruit_result; computes nothing of its own.
 */
#include "recruit_report.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* ---- JSON ---------------------------------------------------------------- */

static double round1(double x)
{
    return round(x * 10) / 10;
}

/*
 * A new object at the end of `arr`: NULL when it could not be made (then
 * nothing was added). Every row of every array below starts here.
 */
static cJSON *add_row(cJSON *arr)
{
    cJSON *o = cJSON_CreateObject();
    if (o != NULL && !cJSON_AddItemToArray(arr, o)) {
        cJSON_Delete(o);
        o = NULL;
    }
    return o;
}

/* A row about queue q: {"queue_id", "queue", ...}; NULL on failure. */
static cJSON *add_queue_row(cJSON *arr, const struct snapshot *s, int q)
{
    cJSON *o = add_row(arr);
    if (o == NULL || cJSON_AddNumberToObject(o, "queue_id", (double)s->queues[q].id) == NULL ||
        cJSON_AddStringToObject(o, "queue", s->queues[q].name) == NULL)
        return NULL;
    return o;
}

/* A contacts-weighted service level, or null where the queue had no demand (sl < 0). */
static cJSON *add_sl(cJSON *o, const char *key, double sl)
{
    if (sl < 0)
        return cJSON_AddNullToObject(o, key);
    return cJSON_AddNumberToObject(o, key, round(sl * 10000) / 10000);
}

/* The document built, or NULL (freed) when a step of it failed. */
static cJSON *json_done(cJSON *root, bool ok)
{
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* The template's id in the database, or NULL (JSON null) for the built-in one. */
static cJSON *add_contract_id(cJSON *o, const struct snapshot *s, const struct hiring_template *t)
{
    if (t->contract >= 0 && t->contract < s->n_contracts)
        return cJSON_AddNumberToObject(o, "contract_id", (double)s->contracts[t->contract].id);
    return cJSON_AddNullToObject(o, "contract_id");
}

/*
 * The shortage split of a row (struct recruit_split): how much of the shortage,
 * of what the hires cover and of what is left needs hiring (unfixable) and how
 * much a better roster could fix; null where the plan had no split.
 */
static bool split_to_json(cJSON *o, const struct recruit_result *r, const struct recruit_split *sp)
{
    static const char *const keys[] = {
        "unfixable_hours_per_week",         "fixable_hours_per_week",
        "covered_unfixable_hours_per_week", "covered_fixable_hours_per_week",
        "left_unfixable_hours_per_week",    "left_fixable_hours_per_week"};
    bool known = r->split_known && sp != NULL;
    double v[] = {0, 0, 0, 0, 0, 0};
    if (known) {
        v[0] = sp->unfixable;
        v[1] = sp->fixable;
        v[2] = sp->covered_unfixable;
        v[3] = sp->covered_fixable;
        v[4] = sp->left_unfixable;
        v[5] = sp->left_fixable;
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        cJSON *item = known ? cJSON_AddNumberToObject(o, keys[i], fmax(0, round1(v[i] / 60)))
                            : cJSON_AddNullToObject(o, keys[i]);
        if (item == NULL)
            return false;
    }
    return true;
}

/* "hiring": the template, the one total, and per queue what is covered and left. */
static bool hiring_to_json(cJSON *root, const struct snapshot *s, const struct recruit_result *r)
{
    const struct hiring_result *h = &r->hiring;
    bool ok = true;
#define ADD(expr) ok = ok && (expr) != NULL
    cJSON *o = cJSON_AddObjectToObject(root, "hiring");
    ADD(o);
    if (!ok)
        return false;
    const struct hiring_template *t = &h->tpl;
    ADD(add_contract_id(o, s, t));
    ADD(cJSON_AddStringToObject(o, "contract", t->c.name != NULL ? t->c.name : ""));
    ADD(cJSON_AddStringToObject(o, "contract_rule", t->how != NULL ? t->how : ""));
    ADD(cJSON_AddNumberToObject(o, "min_hours_per_hire", round1(t->min_hours)));
    ADD(cJSON_AddNumberToObject(o, "max_hours_per_week", round1(t->c.max_minutes_per_week / 60.0)));
    cJSON *lens = cJSON_AddArrayToObject(o, "shift_lengths_minutes");
    ADD(lens);
    for (int i = 0; ok && i < t->c.n_lengths; i++)
        ok = cJSON_AddItemToArray(lens, cJSON_CreateNumber(t->lengths[i]));
    ADD(cJSON_AddNumberToObject(o, "window_minutes", t->window_minutes));
    ADD(cJSON_AddNumberToObject(o, "hires", h->hires));
    ADD(cJSON_AddNumberToObject(o, "hires_productive", h->productive));
    ADD(cJSON_AddNumberToObject(o, "shortage_hours_per_week", round1(h->shortage / 60)));
    ADD(cJSON_AddNumberToObject(o, "covered_hours_per_week", round1(h->covered / 60)));
    ADD(cJSON_AddNumberToObject(o, "left_hours_per_week", round1(h->left / 60)));
    ADD(cJSON_AddBoolToObject(o, "capped", h->capped));
    ok = ok && split_to_json(o, r, &r->split);
    cJSON *qs = cJSON_AddArrayToObject(o, "queues");
    ADD(qs);
    for (int q = 0; ok && q < h->n_queues && q < s->n_queues; q++) {
        const struct hiring_queue *hq = &h->queues[q];
        cJSON *qo = add_queue_row(qs, s, q);
        ADD(qo);
        if (!ok)
            break;
        ADD(cJSON_AddNumberToObject(qo, "shortage_hours_per_week", round1(hq->shortage / 60)));
        ADD(cJSON_AddNumberToObject(qo, "covered_hours_per_week", round1(hq->covered / 60)));
        /* Never below 0 (a rounding of both terms could make it -0.1). */
        ADD(cJSON_AddNumberToObject(qo, "left_hours_per_week", fmax(0, round1(hq->left / 60))));
        ADD(cJSON_AddNumberToObject(qo, "hires", hq->hires));
        ADD(cJSON_AddNumberToObject(qo, "next_hire_hours_per_week", round1(hq->next_best / 60)));
        ADD(cJSON_AddStringToObject(qo, "left_reason", hq->left_reason));
        ok = ok && split_to_json(qo, r, r->queue_split != NULL ? &r->queue_split[q] : NULL);
    }
#undef ADD
    return ok;
}

cJSON *recruit_to_json(const struct snapshot *s, const struct recruit_result *r)
{
    bool ok = true;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
    const struct hiring_result *h = &r->hiring;
#define ADD(expr) ok = ok && (expr) != NULL
    ADD(cJSON_AddNumberToObject(root, "weeks", round(r->weeks * 100) / 100));
    ADD(cJSON_AddNumberToObject(root, "shortage_minutes_per_week", round1(r->shortage_per_week)));
    cJSON *pr = cJSON_AddObjectToObject(root, "params");
    ADD(pr);
    if (pr != NULL) {
        ADD(cJSON_AddNumberToObject(pr, "attrition_per_month", r->params.attrition_per_month));
        ADD(cJSON_AddNumberToObject(pr, "weeks_to_productive", r->params.weeks_to_productive));
        ADD(cJSON_AddNumberToObject(pr, "hours_per_hire", r->params.hours_per_hire));
        ADD(cJSON_AddStringToObject(pr, "contract", h->tpl.c.name != NULL ? h->tpl.c.name : ""));
        ADD(cJSON_AddNumberToObject(pr, "min_hours_per_hire", round1(h->tpl.min_hours)));
        ADD(cJSON_AddNumberToObject(pr, "score_weight", r->params.score_weight));
        ADD(cJSON_AddNumberToObject(pr, "unscored_score", r->params.unscored_score));
    }
    ok = ok && hiring_to_json(root, s, r);
    cJSON *needs = cJSON_AddArrayToObject(root, "needs");
    ADD(needs);
    for (int i = 0; ok && i < h->n_profiles; i++) {
        const struct hiring_profile *f = &h->profiles[i];
        cJSON *o = add_queue_row(needs, s, f->queue);
        ADD(o);
        if (!ok)
            break;
        char a[8], b[8];
        hiring_hhmm(f->start_min, a, sizeof a);
        hiring_hhmm(f->end_min, b, sizeof b);
        ADD(cJSON_AddStringToObject(o, "time_zone", hiring_tz_name(s, s->queues[f->queue].tz)));
        cJSON *days = cJSON_AddArrayToObject(o, "weekdays");
        ADD(days);
        for (int d = 0; ok && d < 7; d++)
            if (f->weekdays & (1u << d))
                ok = cJSON_AddItemToArray(days, cJSON_CreateNumber(d + 1));
        ADD(cJSON_AddStringToObject(o, "start", a));
        ADD(cJSON_AddStringToObject(o, "end", b));
        ADD(cJSON_AddNumberToObject(o, "agents_needed", f->hires));
        ADD(cJSON_AddNumberToObject(o, "agents_exact", round(f->hires_exact * 100) / 100));
        ADD(cJSON_AddNumberToObject(o, "hours_per_hire", round1(f->minutes_mean / 60)));
        ADD(cJSON_AddNumberToObject(o, "shortage_hours_per_week", round1(f->covered / 60)));
        ADD(cJSON_AddNumberToObject(o, "peak_agents_short", round1(f->peak_agents)));
        ADD(cJSON_AddStringToObject(o, "label", f->label));
        ADD(cJSON_AddStringToObject(o, "reason", f->reason));
        ADD(add_contract_id(o, s, &h->tpl));
        ADD(cJSON_AddStringToObject(o, "contract", h->tpl.c.name != NULL ? h->tpl.c.name : ""));
        ADD(cJSON_AddNumberToObject(o, "hires_productive", f->productive));
        ADD(cJSON_AddNumberToObject(o, "hours_per_hire_min", round1(f->minutes_min / 60)));
        ADD(cJSON_AddNumberToObject(o, "hours_per_hire_max", round1(f->minutes_max / 60)));
        ADD(cJSON_AddNumberToObject(o, "window_shortage_hours_per_week",
                                    round1(f->window_short / 60)));
        ADD(cJSON_AddStringToObject(o, "ad", f->ad));
    }
    cJSON *cands = cJSON_AddArrayToObject(root, "candidates");
    ADD(cands);
    for (int i = 0; ok && i < r->n_ranked; i++) {
        const struct recruit_ranked *rk = &r->ranked[i];
        const struct candidate *c = &s->candidates[rk->candidate];
        cJSON *o = add_row(cands);
        ADD(o);
        if (!ok)
            break;
        ADD(cJSON_AddNumberToObject(o, "rank", rk->rank));
        ADD(cJSON_AddNumberToObject(o, "candidate_id", (double)c->id));
        ADD(cJSON_AddStringToObject(o, "source", c->source != NULL ? c->source : "other"));
        if (c->score >= 0)
            ADD(cJSON_AddNumberToObject(o, "score", c->score));
        else
            ADD(cJSON_AddNullToObject(o, "score"));
        ADD(cJSON_AddNumberToObject(o, "minutes_per_week", round1(rk->minutes_per_week)));
        ADD(cJSON_AddNumberToObject(o, "value", round1(rk->value)));
        cJSON *qs = cJSON_AddArrayToObject(o, "queues");
        ADD(qs);
        for (int q = 0; ok && q < s->n_queues; q++) {
            if (rk->queue_minutes[q] <= 0)
                continue;
            cJSON *qo = add_queue_row(qs, s, q);
            ADD(qo);
            if (!ok)
                break;
            ADD(cJSON_AddNumberToObject(qo, "minutes_per_week", round1(rk->queue_minutes[q])));
        }
        ADD(cJSON_AddStringToObject(o, "explanation", rk->explanation));
    }
#undef ADD
    return json_done(root, ok);
}

/* ---- text --------------------------------------------------------------- */

/* Display width of UTF-8 text: code points, which is right for what we print. */
static int text_width(const char *t)
{
    int w = 0;
    for (; *t; t++)
        w += ((unsigned char)*t & 0xC0) != 0x80;
    return w;
}

/* t cut to at most `width` columns (on a code point boundary), then padded. */
static void sb_cell(struct text_buf *b, const char *t, int width, bool right)
{
    char cut[256];
    size_t i = 0;
    int w = 0;
    while (t[i] && i + 4 < sizeof cut) {
        if (((unsigned char)t[i] & 0xC0) != 0x80) {
            if (w == width)
                break;
            w++;
        }
        cut[i] = t[i];
        i++;
    }
    cut[text_utf8_prefix(cut, i)] = '\0';
    int pad = width - text_width(cut);
    if (right)
        text_buf_printf(b, "%*s%s", pad > 0 ? pad : 0, "", cut);
    else
        text_buf_printf(b, "%s%*s", cut, pad > 0 ? pad : 0, "");
}

/* A table row's first cell: the queue's name, indented, in 12 columns. */
static void queue_cell(struct text_buf *b, const struct snapshot *s, int q)
{
    text_buf_printf(b, "  ");
    sb_cell(b, s->queues[q].name, 12, false);
}

/* A contacts-weighted service level ("93.4 %"), or "no demand" (sl < 0). */
static void sl_text(char *buf, size_t len, double sl)
{
    if (sl >= 0)
        snprintf(buf, len, "%.1f %%", sl * 100);
    else
        snprintf(buf, len, "no demand");
}

/* "shifts of 4–6 h, at most 25 h and 5 days a week, 11 h rest" */
static void template_words(const struct hiring_template *t, char *buf, size_t len)
{
    int lo = 0, hi = 0;
    for (int i = 0; i < t->c.n_lengths; i++) {
        if (lo == 0 || t->lengths[i] < lo)
            lo = t->lengths[i];
        if (t->lengths[i] > hi)
            hi = t->lengths[i];
    }
    char lens[32];
    if (lo == hi)
        snprintf(lens, sizeof lens, "%g h", lo / 60.0);
    else
        snprintf(lens, sizeof lens, "%g–%g h", lo / 60.0, hi / 60.0);
    text_printf(
        buf, len, "shifts of %s from every %d minutes, at most %g h and %d days a week, %g h rest",
        lens, t->c.shift_start_step_minutes > 0 ? t->c.shift_start_step_minutes : 15,
        t->c.max_minutes_per_week / 60.0, t->c.max_days_per_week, t->c.min_rest_minutes / 60.0);
}

/* "12–16" or "16": a profile's weekly hours per hire. */
static void hours_cell(const struct hiring_profile *f, char *buf, size_t len)
{
    long lo = lround(f->minutes_min / 60), hi = lround(f->minutes_max / 60);
    if (lo == hi)
        snprintf(buf, len, "%ld", hi);
    else
        snprintf(buf, len, "%ld–%ld", lo, hi);
}

/* The hiring profiles, their one total and what is left per queue. */
static void format_needs(struct text_buf *b, const struct snapshot *s,
                         const struct recruit_result *r)
{
    const struct recruit_params *p = &r->params;
    const struct hiring_result *h = &r->hiring;
    const struct hiring_template *t = &h->tpl;
    char tw[160];
    template_words(t, tw, sizeof tw);
    text_buf_printf(b,
                    "Hiring needs, in hires of '%s' (%s): %s; a hire covers at least %.1f h "
                    "of shortage a week; %.0f %%/month attrition, %.0f weeks to productive\n",
                    t->c.name, t->how, tw, t->min_hours, p->attrition_per_month * 100,
                    p->weeks_to_productive);
    if (h->n_profiles == 0) {
        text_buf_printf(b,
                        "  none: no hire of this template would cover %.1f h of shortage a week\n",
                        t->min_hours);
    } else {
        text_buf_printf(b, "  %-3s %-12s %-52s %5s %9s %12s\n", "#", "queue", "when (local)",
                        "hires", "h/wk each", "covers h/wk");
        for (int i = 0; i < h->n_profiles; i++) {
            const struct hiring_profile *f = &h->profiles[i];
            char num[16], hours[24];
            snprintf(num, sizeof num, "%d", i + 1);
            hours_cell(f, hours, sizeof hours);
            text_buf_printf(b, "  ");
            sb_cell(b, num, 3, false);
            text_buf_printf(b, " ");
            sb_cell(b, s->queues[f->queue].name, 12, false);
            text_buf_printf(b, " ");
            sb_cell(b, f->label, 52, false);
            text_buf_printf(b, " %5d ", f->hires);
            sb_cell(b, hours, 9, true);
            text_buf_printf(b, " %12.1f\n", f->covered / 60);
            text_buf_printf(b, "      ad: %s\n", f->ad);
            text_buf_printf(b, "      %s\n", f->reason);
        }
    }
    text_buf_printf(b,
                    "  In all: %d hires (%d productive, the rest for attrition) covering %.1f of "
                    "the %.1f agent-hours a week short; %.1f h a week left",
                    h->hires, h->productive, h->covered / 60, h->shortage / 60, h->left / 60);
    if (h->productive > 0)
        text_buf_printf(b, "; %.1f h of shortage a week per productive hire",
                        h->covered / 60 / h->productive);
    text_buf_printf(b, "\n");
    if (r->split_known) {
        const struct recruit_split *sp = &r->split;
        text_buf_printf(b,
                        "  They cover %.1f h a week of the shortage that needs hiring and %.1f h "
                        "that a better roster could fix; of the %.1f h left after them, %.1f "
                        "still needs hiring (beyond the skilled agents available, the hires "
                        "counted) and %.1f is fixable by rostering\n",
                        sp->covered_unfixable / 60, sp->covered_fixable / 60, sp->left / 60,
                        sp->left_unfixable / 60, sp->left_fixable / 60);
    }
    for (int q = 0; q < h->n_queues && q < s->n_queues; q++) {
        const struct hiring_queue *hq = &h->queues[q];
        if (hq->shortage <= 0)
            continue;
        text_buf_printf(b, "    %s: short %.1f, covered %.1f, left %.1f h a week, %d hires",
                        s->queues[q].name, hq->shortage / 60, hq->covered / 60,
                        fmax(0, hq->left / 60), hq->hires);
        if (r->split_known && r->queue_split != NULL) {
            const struct recruit_split *sp = &r->queue_split[q];
            text_buf_printf(b,
                            "; needs hiring %.1f before the hires, %.1f after; fixable by "
                            "rostering %.1f before, %.1f after",
                            sp->unfixable / 60, sp->left_unfixable / 60, sp->fixable / 60,
                            sp->left_fixable / 60);
        }
        text_buf_printf(b, "\n");
        if (hq->left_reason[0] != '\0')
            text_buf_printf(b, "      %s\n", hq->left_reason);
    }
}

char *recruit_format_text(const struct snapshot *s, const struct recruit_result *r, int top)
{
    struct text_buf b = {0};
    text_buf_printf(
        &b, "Shortage left after planning: %.1f agent-hours a week over the next %.1f weeks.\n",
        r->shortage_per_week / 60, r->weeks);
    if (r->split_known)
        text_buf_printf(&b,
                        "  %.1f of it needs hiring: fewer skilled agents could work then than "
                        "required, so no roster can fix it\n"
                        "  %.1f of it is fixable by rostering: skilled agents were available "
                        "but not scheduled then\n",
                        r->split.unfixable / 60, r->split.fixable / 60);
    text_buf_printf(&b, "\n");

    format_needs(&b, s, r);
    int shown = top < r->n_ranked ? top : r->n_ranked;
    if (shown < 0)
        shown = 0;
    text_buf_printf(
        &b, "\nCandidates (%d open; best first, each ranked by what they add to those above)\n",
        r->n_ranked);
    if (r->n_ranked == 0)
        text_buf_printf(&b,
                        "  none: no candidate in an open status (applied, screening, interview, "
                        "offer)\n");
    else if (shown > 0)
        text_buf_printf(&b, "  %4s %-8s %-22s %-9s %5s %10s  %s\n", "rank", "id", "name", "source",
                        "score", "adds h/wk", "explanation");
    for (int i = 0; i < shown; i++) {
        const struct recruit_ranked *rk = &r->ranked[i];
        const struct candidate *c = &s->candidates[rk->candidate];
        char id[24], score[16];
        snprintf(id, sizeof id, "%lld", (long long)c->id);
        if (c->score >= 0)
            snprintf(score, sizeof score, "%.0f", c->score);
        else
            snprintf(score, sizeof score, "-");
        text_buf_printf(&b, "  %4d ", rk->rank);
        sb_cell(&b, id, 8, false);
        text_buf_printf(&b, " ");
        sb_cell(&b, c->name != NULL ? c->name : "", 22, false);
        text_buf_printf(&b, " ");
        sb_cell(&b, c->source != NULL ? c->source : "", 9, false);
        text_buf_printf(&b, " ");
        sb_cell(&b, score, 5, true);
        text_buf_printf(&b, " %10.1f  %s\n", rk->minutes_per_week / 60, rk->explanation);
    }
    if (shown < r->n_ranked && shown > 0)
        text_buf_printf(&b, "  ... %d more (--top N)\n", r->n_ranked - shown);
    return text_buf_finish(&b);
}

char *recruit_format_what_if(const struct snapshot *s, const struct recruit_what_if *w)
{
    struct text_buf b = {0};
    text_buf_printf(&b, "What if hired (default contract; planned again with the same seed):");
    for (int i = 0; i < w->n_candidates; i++) {
        const struct candidate *c = &s->candidates[w->candidates[i]];
        text_buf_printf(&b, "%s %lld %s", i ? "," : "", (long long)c->id, c->name ? c->name : "");
    }
    text_buf_printf(&b, "\n  %-12s %31s %23s\n", "queue", "shortage agent-min/week",
                    "service level");
    text_buf_printf(&b, "  %-12s %9s %9s %11s %11s %11s\n", "", "before", "after", "change",
                    "before", "after");
    for (int q = 0; q < w->n_queues; q++) {
        const struct recruit_queue_change *ch = &w->queues[q];
        char slb[16], sla[16];
        sl_text(slb, sizeof slb, ch->sl_before);
        sl_text(sla, sizeof sla, ch->sl_after);
        queue_cell(&b, s, q);
        text_buf_printf(&b, " %9.0f %9.0f %+11.0f %11s %11s\n", ch->shortage_before,
                        ch->shortage_after, ch->shortage_after - ch->shortage_before, slb, sla);
    }
    for (int i = 0; i < w->n_candidates; i++) {
        const struct candidate *c = &s->candidates[w->candidates[i]];
        text_buf_printf(&b, "  candidate %lld would be scheduled %.1f h/week\n", (long long)c->id,
                        w->minutes_per_week[i] / 60);
    }
    return text_buf_finish(&b);
}

cJSON *recruit_what_if_to_json(const struct snapshot *s, const struct recruit_what_if *w)
{
    bool ok = true;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
#define ADD(expr) ok = ok && (expr) != NULL
    cJSON *ids = cJSON_AddArrayToObject(root, "candidate_ids");
    cJSON *mins = cJSON_AddArrayToObject(root, "scheduled_minutes_per_week");
    cJSON *qs = cJSON_AddArrayToObject(root, "queues");
    ok = ids != NULL && mins != NULL && qs != NULL;
    for (int i = 0; ok && i < w->n_candidates; i++) {
        ok = cJSON_AddItemToArray(ids,
                                  cJSON_CreateNumber((double)s->candidates[w->candidates[i]].id)) &&
             cJSON_AddItemToArray(mins, cJSON_CreateNumber(round1(w->minutes_per_week[i])));
    }
    for (int q = 0; ok && q < w->n_queues; q++) {
        const struct recruit_queue_change *ch = &w->queues[q];
        cJSON *o = add_queue_row(qs, s, q);
        ADD(o);
        if (!ok)
            break;
        ADD(cJSON_AddNumberToObject(o, "shortage_minutes_per_week_before",
                                    round1(ch->shortage_before)));
        ADD(cJSON_AddNumberToObject(o, "shortage_minutes_per_week_after",
                                    round1(ch->shortage_after)));
        ADD(add_sl(o, "service_level_before", ch->sl_before));
        ADD(add_sl(o, "service_level_after", ch->sl_after));
    }
#undef ADD
    return json_done(root, ok);
}

/* ---- what if the assistant resolved another share ------------------------ */

char *recruit_format_containment(const struct snapshot *s, const struct recruit_containment *c)
{
    struct text_buf b = {0};
    if (c->queue >= 0)
        text_buf_printf(&b, "What if the assistant resolved %.0f %% of %s's contacts",
                        c->share * 100, s->queues[c->queue].name);
    else
        text_buf_printf(&b, "What if the assistant resolved %.0f %% of every queue's contacts",
                        c->share * 100);
    text_buf_printf(&b, " (planned again with the same seed):\n");
    text_buf_printf(&b, "  %-12s %13s %19s %19s %19s %11s\n", "queue", "assistant",
                    "required h/week", "short h/week", "service level", "hires");
    text_buf_printf(&b, "  %-12s %6s %6s %9s %9s %9s %9s %9s %9s %6s %6s\n", "", "before", "after",
                    "before", "after", "before", "after", "before", "after", "before", "after");
    for (int q = 0; q < c->n_queues; q++) {
        const struct recruit_containment_queue *ch = &c->queues[q];
        char slb[16], sla[16];
        sl_text(slb, sizeof slb, ch->sl_before);
        sl_text(sla, sizeof sla, ch->sl_after);
        queue_cell(&b, s, q);
        text_buf_printf(&b, " %5.0f%% %5.0f%% %9.1f %9.1f %9.1f %9.1f %9s %9s %6d %6d\n",
                        ch->share_before * 100, ch->share_after * 100, ch->required_hours_before,
                        ch->required_hours_after, ch->shortage_hours_before,
                        ch->shortage_hours_after, slb, sla, ch->hires_before, ch->hires_after);
    }
    text_buf_printf(&b, "  hires in all: %d before, %d after (%+d)\n", c->hires_before,
                    c->hires_after, c->hires_after - c->hires_before);
    return text_buf_finish(&b);
}

cJSON *recruit_containment_to_json(const struct snapshot *s, const struct recruit_containment *c)
{
    bool ok = true;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
#define ADD(expr) ok = ok && (expr) != NULL
    ADD(cJSON_AddNumberToObject(root, "assistant_share", c->share));
    if (c->queue >= 0)
        ADD(cJSON_AddNumberToObject(root, "queue_id", (double)s->queues[c->queue].id));
    else
        ADD(cJSON_AddNullToObject(root, "queue_id"));
    ADD(cJSON_AddNumberToObject(root, "hires_before", c->hires_before));
    ADD(cJSON_AddNumberToObject(root, "hires_after", c->hires_after));
    cJSON *qs = cJSON_AddArrayToObject(root, "queues");
    ADD(qs);
    for (int q = 0; ok && q < c->n_queues; q++) {
        const struct recruit_containment_queue *ch = &c->queues[q];
        cJSON *o = add_queue_row(qs, s, q);
        ADD(o);
        if (!ok)
            break;
        ADD(cJSON_AddNumberToObject(o, "assistant_share_before", ch->share_before));
        ADD(cJSON_AddNumberToObject(o, "assistant_share_after", ch->share_after));
        ADD(cJSON_AddNumberToObject(o, "required_hours_per_week_before",
                                    round1(ch->required_hours_before)));
        ADD(cJSON_AddNumberToObject(o, "required_hours_per_week_after",
                                    round1(ch->required_hours_after)));
        ADD(cJSON_AddNumberToObject(o, "shortage_hours_per_week_before",
                                    round1(ch->shortage_hours_before)));
        ADD(cJSON_AddNumberToObject(o, "shortage_hours_per_week_after",
                                    round1(ch->shortage_hours_after)));
        ADD(add_sl(o, "service_level_before", ch->sl_before));
        ADD(add_sl(o, "service_level_after", ch->sl_after));
        ADD(cJSON_AddNumberToObject(o, "hires_before", ch->hires_before));
        ADD(cJSON_AddNumberToObject(o, "hires_after", ch->hires_after));
    }
#undef ADD
    return json_done(root, ok);
}

/* ---- what if the hiring profiles were hired ------------------------------ */

/* realised / predicted - 1, or 0 when nothing was predicted. */
static double drift(const struct hiring_check_step *st)
{
    return st->predicted > 0 ? st->realised / st->predicted - 1 : 0;
}

char *recruit_format_check(const struct snapshot *s, const struct recruit_result *r,
                           const struct hiring_check *c)
{
    struct text_buf b = {0};
    const struct hiring_result *h = &r->hiring;
    text_buf_printf(&b,
                    "What if the profiles' productive hires were agents of '%s', available in "
                    "their windows (planned again with the same seed):\n",
                    h->tpl.c.name);
    text_buf_printf(&b, "  %-10s %7s %14s %14s %8s %14s\n", "profiles", "agents", "predicted h/wk",
                    "realised h/wk", "drift", "short after");
    for (int i = 0; i < c->n_steps; i++) {
        const struct hiring_check_step *st = &c->steps[i];
        char which[32];
        if (i > 0 && st->profiles - c->steps[i - 1].profiles > 1)
            snprintf(which, sizeof which, "%d–%d", c->steps[i - 1].profiles + 1, st->profiles);
        else
            snprintf(which, sizeof which, "%d", st->profiles);
        text_buf_printf(&b, "  %-10s %7d %14.1f %14.1f %+7.1f%% %14.1f\n", which, st->agents,
                        st->predicted / 60, st->realised / 60, drift(st) * 100,
                        st->shortage_after / 60);
    }
    double predicted = 0;
    for (int i = 0; i < c->n_steps; i++)
        predicted += c->steps[i].predicted;
    double after = c->n_steps > 0 ? c->steps[c->n_steps - 1].shortage_after : c->shortage_before;
    text_buf_printf(&b,
                    "  all profiles: shortage %.1f -> %.1f agent-hours a week (predicted %.1f "
                    "left, realised %.1f)\n",
                    c->shortage_before / 60, after / 60, (c->shortage_before - predicted) / 60,
                    after / 60);
    for (int q = 0; q < c->n_queues && q < s->n_queues; q++)
        text_buf_printf(&b, "    %s: %.1f h a week left (predicted %.1f)\n", s->queues[q].name,
                        c->queue_after[q] / 60,
                        q < h->n_queues ? fmax(0, h->queues[q].left / 60) : 0.0);
    return text_buf_finish(&b);
}

cJSON *recruit_check_to_json(const struct snapshot *s, const struct hiring_check *c)
{
    bool ok = true;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
#define ADD(expr) ok = ok && (expr) != NULL
    ADD(cJSON_AddNumberToObject(root, "shortage_hours_per_week_before",
                                round1(c->shortage_before / 60)));
    cJSON *steps = cJSON_AddArrayToObject(root, "steps");
    ADD(steps);
    for (int i = 0; ok && i < c->n_steps; i++) {
        const struct hiring_check_step *st = &c->steps[i];
        cJSON *o = add_row(steps);
        ADD(o);
        if (!ok)
            break;
        ADD(cJSON_AddNumberToObject(o, "profiles", st->profiles));
        ADD(cJSON_AddNumberToObject(o, "agents", st->agents));
        ADD(cJSON_AddNumberToObject(o, "predicted_hours_per_week", round1(st->predicted / 60)));
        ADD(cJSON_AddNumberToObject(o, "realised_hours_per_week", round1(st->realised / 60)));
        ADD(cJSON_AddNumberToObject(o, "drift", round(drift(st) * 10000) / 10000));
        ADD(cJSON_AddNumberToObject(o, "shortage_hours_per_week_after",
                                    round1(st->shortage_after / 60)));
    }
    cJSON *qs = cJSON_AddArrayToObject(root, "queues");
    ADD(qs);
    for (int q = 0; ok && q < c->n_queues && q < s->n_queues; q++) {
        cJSON *o = add_queue_row(qs, s, q);
        ADD(o);
        if (!ok)
            break;
        ADD(cJSON_AddNumberToObject(o, "shortage_hours_per_week_after",
                                    round1(c->queue_after[q] / 60)));
    }
#undef ADD
    return json_done(root, ok);
}
