/*
 * log.h: leveled logging to a file or stderr.  The level is checked before any
 * formatting so that debug statements cost one comparison when disabled.
 * Each source file defines NB_LOG_MODULE (a short tag such as "ReM") before
 * including this header, as OpenNebula tags its log lines by subsystem.
 */
#ifndef NB_LOG_H
#define NB_LOG_H

#include "util.h"

enum nb_log_level {
    NB_LOG_ERROR = 0,
    NB_LOG_WARN = 1,
    NB_LOG_INFO = 2,
    NB_LOG_DEBUG = 3,
};

extern int nb_log_threshold;

/* path NULL logs to stderr.  Returns 0, or -1 with errno when the file
 * cannot be opened. */
int nb_log_open(const char *path, int level);
void nb_log_close(void);
void nb_log_write(int level, const char *module, const char *fmt, ...) NB_PRINTF(3, 4);

#ifndef NB_LOG_MODULE
#define NB_LOG_MODULE "---"
#endif

#define NB_LOG(lvl, ...) \
    do { if ((lvl) <= nb_log_threshold) nb_log_write((lvl), NB_LOG_MODULE, __VA_ARGS__); } while (0)
#define nb_log_error(...) NB_LOG(NB_LOG_ERROR, __VA_ARGS__)
#define nb_log_warn(...)  NB_LOG(NB_LOG_WARN, __VA_ARGS__)
#define nb_log_info(...)  NB_LOG(NB_LOG_INFO, __VA_ARGS__)
#define nb_log_debug(...) NB_LOG(NB_LOG_DEBUG, __VA_ARGS__)

#endif
