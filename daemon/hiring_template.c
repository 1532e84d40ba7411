/* SPDX-License-Identifier: ISC */
/*
 * hiring_template.c — the contract hires are sized in (see include/hiring.h,
 * docs/recruitment.md): hiring_template_pick() takes the contract the caller
 * chose, else one marked for hiring, else the part-time contract most agents
 * have, else a built-in one, keeps its usable shift lengths, and derives the
 * least a hire must cover a week and the window a hypothetical hire is
 * offered. hiring.c gives every hypothetical hire hiring_template_contract().
 */
#include "hiring.h"
#include "hiring_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The built-in template, for a site without a usable contract. */
static const int builtin_lengths[] = {240, 300, 360, 480};
#define BUILTIN_STEP       30
#define BUILTIN_MAX_DAYS   5
#define BUILTIN_MAX_CONSEC 5
#define BUILTIN_REST       660

static bool contract_usable(const struct contract *c)
{
    if (c->max_days_per_week <= 0)
        return false;
    for (int i = 0; i < c->n_lengths; i++)
        if (c->shift_lengths_minutes[i] > 0 &&
            c->shift_lengths_minutes[i] <= c->max_minutes_per_week)
            return true;
    return false;
}

/*
 * The contract every hypothetical hire works under; its lengths are copied to
 * lengths[HIRING_MAX_LENGTHS], which must outlive *out.
 */
void hiring_template_contract(const struct hiring_template *t, int *lengths, struct contract *out)
{
    memcpy(lengths, t->lengths, sizeof t->lengths);
    *out = t->c;
    out->shift_lengths_minutes = lengths;
}

int hiring_template_pick(const struct snapshot *s, const struct hiring_params *p,
                         struct hiring_template *out)
{
    int pick = -1;
    const char *how = NULL;
    *out = (struct hiring_template){.contract = -1};
    if (p->contract >= 0) {
        if (p->contract >= s->n_contracts || !contract_usable(&s->contracts[p->contract]))
            return -EINVAL;
        pick = p->contract;
        how = "chosen";
    }
    for (int k = 0; pick < 0 && k < s->n_contracts; k++) {
        if (s->contracts[k].hiring_template && contract_usable(&s->contracts[k])) {
            pick = k;
            how = "marked for hiring";
        }
    }
    if (pick < 0 && s->n_contracts > 0) {
        int *agents = calloc((size_t)s->n_contracts, sizeof *agents);
        if (agents == NULL)
            return -ENOMEM;
        int largest = 0;
        for (int a = 0; a < s->n_agents; a++)
            if (s->agents[a].contract >= 0 && s->agents[a].contract < s->n_contracts)
                agents[s->agents[a].contract]++;
        for (int k = 0; k < s->n_contracts; k++)
            if (contract_usable(&s->contracts[k]) && s->contracts[k].max_minutes_per_week > largest)
                largest = s->contracts[k].max_minutes_per_week;
        /* Part-time first: hiring fills gaps, and gaps are rarely a full-time week. */
        for (int k = 0; k < s->n_contracts; k++)
            if (contract_usable(&s->contracts[k]) &&
                s->contracts[k].max_minutes_per_week < largest &&
                (pick < 0 || agents[k] > agents[pick])) {
                pick = k;
                how = "the part-time contract most agents have";
            }
        for (int k = 0; pick < 0 && k < s->n_contracts; k++)
            if (contract_usable(&s->contracts[k])) {
                for (int j = k + 1; j < s->n_contracts; j++)
                    if (contract_usable(&s->contracts[j]) && agents[j] > agents[k])
                        k = j;
                pick = k;
                how = "the contract most agents have";
            }
        free(agents);
    }

    struct contract *c = &out->c;
    int n = 0;
    if (pick >= 0) {
        *c = s->contracts[pick];
        for (int i = 0; i < c->n_lengths && n < HIRING_MAX_LENGTHS; i++) {
            int l = c->shift_lengths_minutes[i];
            if (l > 0 && l <= c->max_minutes_per_week)
                out->lengths[n++] = l;
        }
    } else {
        int max = (int)lround(p->builtin_hours * 60);
        for (size_t i = 0; i < sizeof builtin_lengths / sizeof *builtin_lengths; i++)
            if (builtin_lengths[i] <= max)
                out->lengths[n++] = builtin_lengths[i];
        if (n == 0)
            out->lengths[n++] = max > 15 ? max / 15 * 15 : 15;
        *c = (struct contract){
            .id = 0,
            .name = (char *)"built-in template",
            .min_minutes_per_week = 0,
            .max_minutes_per_week = max > out->lengths[0] ? max : out->lengths[0],
            .max_days_per_week = BUILTIN_MAX_DAYS,
            .max_consecutive_days = BUILTIN_MAX_CONSEC,
            .min_rest_minutes = BUILTIN_REST,
            .shift_start_step_minutes = BUILTIN_STEP,
        };
        how = "built-in: the site has no usable contract";
    }
    c->n_lengths = n;
    c->shift_lengths_minutes = NULL; /* hiring_template_contract() gives a copy of out->lengths */
    out->contract = pick;
    out->how = how;

    int longest = 0, shortest = 0;
    for (int i = 0; i < n; i++) {
        if (out->lengths[i] > longest)
            longest = out->lengths[i];
        if (shortest == 0 || out->lengths[i] < shortest)
            shortest = out->lengths[i];
    }
    /*
     * A hire is worth making when they cover at least this much shortage a
     * week: the contract's own weekly minimum, else two of its shortest
     * shifts, so that no one is hired for a few hours a week.
     */
    double max_h = c->max_minutes_per_week / 60.0;
    out->min_hours = p->min_hours_per_hire > 0     ? p->min_hours_per_hire
                     : c->min_minutes_per_week > 0 ? c->min_minutes_per_week / 60.0
                                                   : 2 * shortest / 60.0;
    if (out->min_hours > max_h)
        out->min_hours = max_h;
    out->window_minutes = longest + (p->window_slack_minutes > 0 ? p->window_slack_minutes : 0);
    out->window_minutes = (out->window_minutes + SLOT_MINUTES - 1) / SLOT_MINUTES * SLOT_MINUTES;
    if (out->window_minutes > 1440)
        out->window_minutes = 1440;
    return 0;
}
