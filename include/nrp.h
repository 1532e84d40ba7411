/* SPDX-License-Identifier: ISC */
/*
 * nrp.h — the Curtois & Qu rostering benchmark (docs/nrp.md): parser, an
 * independent checker, translation into the engine's model, an LP writer for
 * CBC, and the solution file format (`EmployeeID,Day,ShiftID` lines).
 *
 * Use: nrp_load() an instance; nrp_to_engine() builds a finalized engine
 * instance whose agents are the staff in file order, days the horizon's days
 * and option j of every agent-day the j-th shift type of the file (so an
 * engine choice is a shift index, -1 off); nrp_check() judges an assignment
 * (staff x days, shift index or -1) with its own code, sharing nothing with
 * the engine. nrp_free() releases an instance.
 */
#ifndef STAFFD_NRP_H
#define STAFFD_NRP_H

#include <stddef.h>
#include <stdio.h>

#include "engine.h"
#include "util.h"

#define NRP_ID_LEN 32

struct nrp_staff {
    char id[NRP_ID_LEN];
    int *max_shifts; /* [n_shifts] */
    int max_minutes, min_minutes;
    int max_consecutive, min_consecutive, min_consecutive_off, max_weekends;
};

struct nrp_request {
    int staff, day, shift, weight;
};

struct nrp_cover {
    int day, shift, requirement, under, over;
};

struct nrp_instance {
    int days;
    int n_shifts;
    char (*shift_id)[NRP_ID_LEN];
    int *shift_minutes;
    unsigned char *forbid; /* [first * n_shifts + next]: next may not follow first */
    int n_staff;
    struct nrp_staff *staff;
    unsigned char *day_off; /* [staff * days + day] */
    int n_days_off_lines;
    int n_on, n_off, n_cover;
    struct nrp_request *on, *off;
    struct nrp_cover *cover;
};

/* Hard rules of docs/nrp.md, numbered as there (index 0 unused). */
#define NRP_RULES 10

struct nrp_result {
    long objective;
    long on, off, under, over; /* the objective's parts */
    int violations;
    int by_rule[NRP_RULES];
    char first[200]; /* the first violation */
};

/* Parses text (any line endings); on failure err says where. 0, -EINVAL, -ENOMEM. */
int nrp_parse(const char *text, size_t len, struct nrp_instance *out, char *err,
              size_t err_len) STAFFD_MUSTCHECK;
int nrp_load(const char *path, struct nrp_instance *out, char *err,
             size_t err_len) STAFFD_MUSTCHECK;
void nrp_free(struct nrp_instance *inst);

/*
 * Reads a solution file into assign[n_staff * days] (shift index or -1). A
 * second shift on an already worked day is counted in *extra (rule 1) and
 * otherwise ignored. Unknown IDs or days: -EINVAL with err set.
 */
int nrp_solution_parse(const struct nrp_instance *inst, const char *text, size_t len, int *assign,
                       int *extra, char *err, size_t err_len) STAFFD_MUSTCHECK;
int nrp_solution_load(const struct nrp_instance *inst, const char *path, int *assign, int *extra,
                      char *err, size_t err_len) STAFFD_MUSTCHECK;
int nrp_solution_write(const struct nrp_instance *inst, const int *assign,
                       FILE *f) STAFFD_MUSTCHECK;

/*
 * Objective and hard violations, from the instance alone; extra as from
 * nrp_solution_parse. Always 0: the verdict is in *res, whose sums stop at
 * LONG_MAX rather than overflow.
 */
int nrp_check(const struct nrp_instance *inst, const int *assign, int extra,
              struct nrp_result *res);

/* A finalized engine instance for the benchmark (see the top of this file). */
int nrp_to_engine(const struct nrp_instance *inst, struct engine_instance **out) STAFFD_MUSTCHECK;

/* The instance as a mixed-integer program in CPLEX LP format (for CBC). */
int nrp_write_lp(const struct nrp_instance *inst, FILE *f) STAFFD_MUSTCHECK;

#endif
