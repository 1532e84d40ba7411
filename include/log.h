/* SPDX-License-Identifier: ISC */
/*
 * log.h — one line per event on stderr.
 *
 * Under systemd (JOURNAL_STREAM set) each line starts with a syslog priority
 * prefix "<N>" so the journal keeps levels; on a terminal the level is spelled
 * out. Never pass feed tokens, passwords or connection strings with secrets.
 */
#ifndef STAFFD_LOG_H
#define STAFFD_LOG_H

#include "util.h"

enum log_level {
    LOG_LVL_ERR = 3,
    LOG_LVL_WARNING = 4,
    LOG_LVL_NOTICE = 5,
    LOG_LVL_INFO = 6,
    LOG_LVL_DEBUG = 7,
};

/* Messages above this level are dropped. Default: LOG_LVL_INFO. */
void log_set_level(enum log_level level);
/* Parses "error", "warning", "notice", "info", "debug"; returns 0 or -EINVAL. */
int log_parse_level(const char *name, enum log_level *out) STAFFD_MUSTCHECK;
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)    log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...)   log_msg(LOG_LVL_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_info(...)   log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)  log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
