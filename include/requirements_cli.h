/*
 * requirements_cli.h — `staffd requirements`: requirement and predicted
 * performance per interval as CSV, from the database or from a CSV file.
 * argv[0] is "requirements". Returns the exit status.
 */
#ifndef STAFFD_REQUIREMENTS_CLI_H
#define STAFFD_REQUIREMENTS_CLI_H

int requirements_main(int argc, char **argv);

#endif
