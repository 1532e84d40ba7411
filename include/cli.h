/* SPDX-License-Identifier: ISC */
/*
 * cli.h — the subcommands of `staffd` besides run, migrate and check-config:
 * one home for the command lines, so that the modules they drive (staffing,
 * recruit, nrp) declare no entry point. main.c picks the subcommand and calls
 * its *_main with argv[0] the subcommand's name; each returns the exit
 * status: 0 success, 2 usage, configuration or input error, 1 the rest (a
 * runtime failure; for nrp, a roster with hard violations).
 *
 * They block (libpq without the loop, files, stdout) and are never called by
 * the daemon.
 */
#ifndef STAFFD_CLI_H
#define STAFFD_CLI_H

/*
 * `staffd requirements [-c FILE] --queue NAME | --csv FILE [OPTIONS]`
 * (daemon/requirements_cli.c): requirement and predicted performance per
 * interval, as CSV.
 */
int requirements_main(int argc, char **argv);

/*
 * `staffd recruit [-c FILE] [--top N] [--json] [--what-if ID...]`
 * (daemon/recruit_cli.c, blocking libpq; writes nothing): hiring needs and
 * ranked applicants. An unknown or closed candidate is a usage error (2).
 */
int recruit_main(int argc, char **argv);

/* `staffd nrp FILE ...` (daemon/nrp_cli.c): the engine on a Curtois & Qu instance. */
int nrp_main(int argc, char **argv);

#endif
