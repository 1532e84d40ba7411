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

cJSON *recruit_to_json(const struct snapshot *s, const struct recruit_result *r)
{
    bool ok = true;
    cJSON *root = cJSON_CreateObject();
    if (root == NULL)
        return NULL;
#define ADD(expr) ok = ok && (expr) != NULL
    ADD(cJSON_AddNumberToObject(root, "weeks", round(r->weeks * 100) / 100));
    ADD(cJSON_AddNumberToObject(root, "shortage_minutes_per_week", round1(r->shortage_per_week)));
    cJSON *pr = cJSON_AddObjectToObject(root, "params");
    ADD(pr);
    if (pr != NULL) {
        ADD(cJSON_AddNumberToObject(pr, "attrition_per_month", r->params.attrition_per_month));
        ADD(cJSON_AddNumberToObject(pr, "weeks_to_productive", r->params.weeks_to_productive));
        ADD(cJSON_AddNumberToObject(pr, "hours_per_hire", r->params.hours_per_hire));
        ADD(cJSON_AddNumberToObject(pr, "score_weight", r->params.score_weight));
        ADD(cJSON_AddNumberToObject(pr, "unscored_score", r->params.unscored_score));
    }
    cJSON *needs = cJSON_AddArrayToObject(root, "needs");
    ADD(needs);
    for (int i = 0; ok && i < r->n_needs; i++) {
        const struct recruit_need *nd = &r->needs[i];
        const struct queue *q = &s->queues[nd->queue];
        cJSON *o = cJSON_CreateObject();
        ok = o != NULL && cJSON_AddItemToArray(needs, o);
        if (!ok) {
            cJSON_Delete(o);
            break;
        }
        char a[8], b[8];
        recruit_hhmm(nd->start_min, a, sizeof a);
        recruit_hhmm(nd->end_min, b, sizeof b);
        ADD(cJSON_AddNumberToObject(o, "queue_id", (double)q->id));
        ADD(cJSON_AddStringToObject(o, "queue", q->name));
        ADD(cJSON_AddStringToObject(o, "time_zone", recruit_tz_name(s, q->tz)));
        cJSON *days = cJSON_AddArrayToObject(o, "weekdays");
        ADD(days);
        for (int d = 0; ok && d < 7; d++)
            if (nd->weekdays & (1u << d))
                ok = cJSON_AddItemToArray(days, cJSON_CreateNumber(d + 1));
        ADD(cJSON_AddStringToObject(o, "start", a));
        ADD(cJSON_AddStringToObject(o, "end", b));
        ADD(cJSON_AddNumberToObject(o, "agents_needed", nd->agents));
        ADD(cJSON_AddNumberToObject(o, "agents_exact", round(nd->agents_exact * 100) / 100));
        ADD(cJSON_AddNumberToObject(o, "hours_per_hire", round1(nd->hours_per_hire)));
        ADD(cJSON_AddNumberToObject(o, "shortage_hours_per_week", round1(nd->shortage_hours)));
        ADD(cJSON_AddNumberToObject(o, "peak_agents_short", round1(nd->peak_agents)));
        ADD(cJSON_AddStringToObject(o, "label", nd->label));
        ADD(cJSON_AddStringToObject(o, "reason", nd->reason));
    }
    cJSON *cands = cJSON_AddArrayToObject(root, "candidates");
    ADD(cands);
    for (int i = 0; ok && i < r->n_ranked; i++) {
        const struct recruit_ranked *rk = &r->ranked[i];
        const struct candidate *c = &s->candidates[rk->candidate];
        cJSON *o = cJSON_CreateObject();
        ok = o != NULL && cJSON_AddItemToArray(cands, o);
        if (!ok) {
            cJSON_Delete(o);
            break;
        }
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
            cJSON *qo = cJSON_CreateObject();
            ok = qo != NULL && cJSON_AddItemToArray(qs, qo);
            if (!ok) {
                cJSON_Delete(qo);
                break;
            }
            ADD(cJSON_AddNumberToObject(qo, "queue_id", (double)s->queues[q].id));
            ADD(cJSON_AddStringToObject(qo, "queue", s->queues[q].name));
            ADD(cJSON_AddNumberToObject(qo, "minutes_per_week", round1(rk->queue_minutes[q])));
        }
        ADD(cJSON_AddStringToObject(o, "explanation", rk->explanation));
    }
#undef ADD
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
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

char *recruit_format_text(const struct snapshot *s, const struct recruit_result *r, int top)
{
    struct text_buf b = {0};
    const struct recruit_params *p = &r->params;
    text_buf_printf(
        &b, "Shortage left after planning: %.1f agent-hours a week over the next %.1f weeks.\n\n",
        r->shortage_per_week / 60, r->weeks);

    text_buf_printf(
        &b,
        "Hiring needs (%.0f %%/month attrition, %.0f weeks to productive, about %.0f h/week "
        "per hire)\n",
        p->attrition_per_month * 100, p->weeks_to_productive, p->hours_per_hire);
    if (r->n_needs == 0) {
        text_buf_printf(&b, "  none: what is short is below %.0f h/week in every block\n",
                        p->min_need_hours);
    } else {
        text_buf_printf(&b, "  %-3s %-12s %-52s %5s %9s %11s\n", "#", "queue", "when", "hires",
                        "h/wk each", "short h/wk");
        for (int i = 0; i < r->n_needs; i++) {
            const struct recruit_need *nd = &r->needs[i];
            char num[16];
            snprintf(num, sizeof num, "%d", i + 1);
            text_buf_printf(&b, "  ");
            sb_cell(&b, num, 3, false);
            text_buf_printf(&b, " ");
            sb_cell(&b, s->queues[nd->queue].name, 12, false);
            text_buf_printf(&b, " ");
            sb_cell(&b, nd->label, 52, false);
            text_buf_printf(&b, " %5d %9.0f %11.1f\n", nd->agents, nd->hours_per_hire,
                            nd->shortage_hours);
            text_buf_printf(&b, "      %s\n", nd->reason);
        }
    }

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
        if (ch->sl_before >= 0)
            snprintf(slb, sizeof slb, "%.1f %%", ch->sl_before * 100);
        else
            snprintf(slb, sizeof slb, "no demand");
        if (ch->sl_after >= 0)
            snprintf(sla, sizeof sla, "%.1f %%", ch->sl_after * 100);
        else
            snprintf(sla, sizeof sla, "no demand");
        text_buf_printf(&b, "  ");
        sb_cell(&b, s->queues[q].name, 12, false);
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
        cJSON *o = cJSON_CreateObject();
        ok = o != NULL && cJSON_AddItemToArray(qs, o);
        if (!ok) {
            cJSON_Delete(o);
            break;
        }
        ADD(cJSON_AddNumberToObject(o, "queue_id", (double)s->queues[q].id));
        ADD(cJSON_AddStringToObject(o, "queue", s->queues[q].name));
        ADD(cJSON_AddNumberToObject(o, "shortage_minutes_per_week_before",
                                    round1(ch->shortage_before)));
        ADD(cJSON_AddNumberToObject(o, "shortage_minutes_per_week_after",
                                    round1(ch->shortage_after)));
        if (ch->sl_before >= 0)
            ADD(cJSON_AddNumberToObject(o, "service_level_before",
                                        round(ch->sl_before * 10000) / 10000));
        else
            ADD(cJSON_AddNullToObject(o, "service_level_before"));
        if (ch->sl_after >= 0)
            ADD(cJSON_AddNumberToObject(o, "service_level_after",
                                        round(ch->sl_after * 10000) / 10000));
        else
            ADD(cJSON_AddNullToObject(o, "service_level_after"));
    }
#undef ADD
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* ---- what if the assistant resolved another share ------------------------ */

static void sl_text(char *buf, size_t len, double sl)
{
    if (sl >= 0)
        snprintf(buf, len, "%.1f %%", sl * 100);
    else
        snprintf(buf, len, "no demand");
}

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
        text_buf_printf(&b, "  ");
        sb_cell(&b, s->queues[q].name, 12, false);
        text_buf_printf(&b, " %5.0f%% %5.0f%% %9.1f %9.1f %9.1f %9.1f %9s %9s %6d %6d\n",
                        ch->share_before * 100, ch->share_after * 100, ch->required_hours_before,
                        ch->required_hours_after, ch->shortage_hours_before,
                        ch->shortage_hours_after, slb, sla, ch->hires_before, ch->hires_after);
    }
    text_buf_printf(&b, "  hires in all: %d before, %d after (%+d)\n", c->hires_before,
                    c->hires_after, c->hires_after - c->hires_before);
    return text_buf_finish(&b);
}

static cJSON *add_sl(cJSON *o, const char *key, double sl)
{
    if (sl < 0)
        return cJSON_AddNullToObject(o, key);
    return cJSON_AddNumberToObject(o, key, round(sl * 10000) / 10000);
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
        cJSON *o = cJSON_CreateObject();
        ok = o != NULL && cJSON_AddItemToArray(qs, o);
        if (!ok) {
            cJSON_Delete(o);
            break;
        }
        ADD(cJSON_AddNumberToObject(o, "queue_id", (double)s->queues[q].id));
        ADD(cJSON_AddStringToObject(o, "queue", s->queues[q].name));
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
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}
