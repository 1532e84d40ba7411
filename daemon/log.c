/* SPDX-License-Identifier: ISC */
/*
 * log.c — stderr logging with journal priority prefixes (see include/log.h).
 * One fprintf per line with the stream locked, so lines from worker threads
 * never interleave.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Atomic int log_level = LOG_LVL_INFO;

static const char *const level_names[] = {
    [LOG_LVL_ERR] = "error", [LOG_LVL_WARNING] = "warning", [LOG_LVL_NOTICE] = "notice",
    [LOG_LVL_INFO] = "info", [LOG_LVL_DEBUG] = "debug",
};

void log_set_level(enum log_level level)
{
    atomic_store(&log_level, (int)level);
}

int log_parse_level(const char *name, enum log_level *out)
{
    for (int l = LOG_LVL_ERR; l <= LOG_LVL_DEBUG; l++) {
        if (strcmp(name, level_names[l]) == 0) {
            *out = (enum log_level)l;
            return 0;
        }
    }
    return -EINVAL;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if ((int)level > atomic_load(&log_level))
        return;
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    /* Keep one event on one line even if a message carries a newline. */
    for (char *p = line; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';

    flockfile(stderr);
    if (getenv("JOURNAL_STREAM") != NULL) {
        fprintf(stderr, "<%d>%s\n", (int)level, line);
    } else {
        char stamp[32];
        struct timespec ts;
        struct tm tm;
        clock_gettime(CLOCK_REALTIME, &ts);
        gmtime_r(&ts.tv_sec, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
        fprintf(stderr, "%s staffd %s: %s\n", stamp, level_names[level], line);
    }
    fflush(stderr);
    funlockfile(stderr);
}
