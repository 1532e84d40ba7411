/* SPDX-License-Identifier: ISC */
/*
 * site_sql.c — a generated site (gen_site.c) written as SQL for the schema,
 * so that the daemon itself can plan it and the console be measured on it
 * (tests/bench/console.sh).
 *
 *   site_sql AGENTS SEED ARRIVALS_CSV > site.sql
 *
 * Writes queues, contracts, agents with their skills, availability and time
 * off, the demand of every 15-minute cell, and applicants: every tenth agent's
 * pattern (zone, windows, skills) again as an open applicant, so the hiring
 * page has a ranking to show. Ids are kept, so the SQL is the snapshot.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen_site.h"
#include "model.h"

static void hhmm(int minute, char *buf, size_t len)
{
    minute %= 1440;
    snprintf(buf, len, "%02d:%02d", minute / 60, minute % 60);
}

static const char *channel_name(enum channel c)
{
    return c == CHANNEL_VOICE ? "voice" : c == CHANNEL_CHAT ? "chat" : "email";
}

static void availability_sql(int64_t id, const struct window *w, int n)
{
    int first = 1;
    for (int k = 0; k < n; k++) {
        char st[8], en[8];
        hhmm(w[k].start_min, st, sizeof st);
        hhmm(w[k].end_min, en, sizeof en);
        if (strcmp(st, en) == 0)
            continue;
        printf("%s(%" PRId64 ", %d, '%s', '%s')",
               first ? "INSERT INTO staffd.availability (agent_id, weekday, start_time, end_time) "
                       "VALUES\n"
                     : ",\n",
               id, w[k].weekday, st, en);
        first = 0;
    }
    if (!first)
        printf(";\n");
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: site_sql AGENTS SEED ARRIVALS_CSV\n");
        return 2;
    }
    struct gen_site_params p = {.agents = atoi(argv[1]),
                                .seed = (uint64_t)strtoull(argv[2], NULL, 10),
                                .arrivals_csv = argv[3]};
    struct snapshot s;
    struct gen_site_info info;
    char err[256];
    if (gen_site(&p, &s, &info, err, sizeof err) < 0) {
        fprintf(stderr, "site_sql: %s\n", err);
        return 1;
    }
    printf("BEGIN;\nSET client_min_messages = warning;\n");
    for (int q = 0; q < s.n_queues; q++) {
        const struct queue *qu = &s.queues[q];
        printf("INSERT INTO staffd.queues (id, name, channel, time_zone, service_level, "
               "target_seconds, max_occupancy, concurrency, patience_seconds, shrinkage) VALUES "
               "(%" PRId64 ", '%s', '%s', '%s', %.4f, %.1f, %.4f, %d, nullif(%.1f, 0), %.4f);\n",
               qu->id, qu->name, channel_name(qu->channel), s.tzs[qu->tz].name, qu->service_level,
               qu->target_seconds, qu->max_occupancy, qu->concurrency, qu->patience_seconds,
               qu->shrinkage);
    }
    for (int c = 0; c < s.n_contracts; c++) {
        const struct contract *ct = &s.contracts[c];
        printf("INSERT INTO staffd.contracts (id, name, min_minutes_per_week, "
               "max_minutes_per_week, max_days_per_week, max_consecutive_days, min_rest_minutes, "
               "shift_lengths_minutes, shift_start_step_minutes) VALUES (%" PRId64
               ", '%s', %d, %d, %d, %d, %d, '{",
               ct->id, ct->name, ct->min_minutes_per_week, ct->max_minutes_per_week,
               ct->max_days_per_week, ct->max_consecutive_days, ct->min_rest_minutes);
        for (int k = 0; k < ct->n_lengths; k++)
            printf("%s%d", k ? "," : "", ct->shift_lengths_minutes[k]);
        printf("}', %d);\n", ct->shift_start_step_minutes);
    }
    for (int a = 0; a < s.n_agents; a++) {
        const struct agent *ag = &s.agents[a];
        printf("INSERT INTO staffd.agents (id, name, email, time_zone, contract_id, hired_on) "
               "VALUES (%" PRId64 ", 'Agent %04d', 'agent%d@example.com', '%s', %" PRId64
               ", '2025-01-01');\n",
               ag->id, a + 1, a + 1, s.tzs[ag->tz].name, s.contracts[ag->contract].id);
        for (int k = 0; k < ag->n_skills; k++)
            printf("INSERT INTO staffd.agent_skills VALUES (%" PRId64 ", %" PRId64 ");\n", ag->id,
                   s.queues[ag->skills[k]].id);
        availability_sql(ag->id, ag->windows, ag->n_windows);
        for (int k = 0; k < ag->n_time_off; k++)
            printf("INSERT INTO staffd.time_off (agent_id, starts, ends, reason) VALUES (%" PRId64
                   ", to_timestamp(%" PRId64 "), to_timestamp(%" PRId64 "), 'leave');\n",
                   ag->id, ag->time_off[k].start, ag->time_off[k].end);
    }
    /* Applicants: every tenth agent's pattern, once more. */
    int cand = 0;
    for (int a = 9; a < s.n_agents; a += 10) {
        const struct agent *ag = &s.agents[a];
        cand++;
        printf("INSERT INTO staffd.candidates (id, name, source, time_zone, "
               "minutes_per_week_wanted, assessment_score) VALUES (%d, 'Applicant %04d', '%s', "
               "'%s', %d, %d);\n",
               cand, cand,
               cand % 3 == 0   ? "student"
               : cand % 3 == 1 ? "rural"
                               : "customer",
               s.tzs[ag->tz].name, 600 + 60 * (cand % 20), 40 + cand % 60);
        for (int k = 0; k < ag->n_skills; k++)
            printf("INSERT INTO staffd.candidate_skills VALUES (%d, %" PRId64 ");\n", cand,
                   s.queues[ag->skills[k]].id);
        for (int k = 0; k < ag->n_windows; k++) {
            char st[8], en[8];
            hhmm(ag->windows[k].start_min, st, sizeof st);
            hhmm(ag->windows[k].end_min, en, sizeof en);
            if (strcmp(st, en) != 0)
                printf("INSERT INTO staffd.candidate_availability (candidate_id, weekday, "
                       "start_time, end_time) VALUES (%d, %d, '%s', '%s');\n",
                       cand, ag->windows[k].weekday, st, en);
        }
    }
    /* Demand, a statement per queue and day. */
    for (int q = 0; q < s.n_queues; q++)
        for (int d = 0; d < s.horizon_days; d++) {
            int first = 1;
            for (int c = d * 96; c < (d + 1) * 96; c++) {
                size_t i = (size_t)q * (size_t)s.n_cells + (size_t)c;
                if (s.contacts[i] <= 0)
                    continue;
                printf("%s(%" PRId64 ", to_timestamp(%" PRId64 "), 15, %.3f, %.1f)",
                       first ? "INSERT INTO staffd.demand (queue_id, interval_start, "
                               "interval_minutes, contacts, aht_seconds) VALUES\n"
                             : ",\n",
                       s.queues[q].id, s.horizon_start + (sd_time)c * SD_CELL_SECONDS,
                       s.contacts[i], s.aht[i]);
                first = 0;
            }
            if (!first)
                printf(";\n");
        }
    printf("SELECT setval(pg_get_serial_sequence('staffd.agents', 'id'), (SELECT max(id) FROM "
           "staffd.agents));\n");
    printf("COMMIT;\n");
    fprintf(stderr, "site_sql: %d agents, %d queues, %d contracts, %d applicants, %d days\n",
            s.n_agents, s.n_queues, s.n_contracts, cand, s.horizon_days);
    snapshot_free(&s);
    return 0;
}
