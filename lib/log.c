#include "lib/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int nb_log_threshold = NB_LOG_INFO;
static int log_fd = STDERR_FILENO;

int nb_log_open(const char *path, int level)
{
    nb_log_threshold = level;
    if (!path) {
        log_fd = STDERR_FILENO;
        return 0;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return -1;
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = fd;
    return 0;
}

void nb_log_close(void)
{
    if (log_fd != STDERR_FILENO)
        close(log_fd);
    log_fd = STDERR_FILENO;
}

void nb_log_write(int level, const char *module, const char *fmt, ...)
{
    static const char letters[] = "EWID";
    char line[2048];
    struct tm tm;
    time_t now = time(NULL);
    va_list ap;
    size_t n;
    int saved = errno;

    gmtime_r(&now, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%SZ", &tm);
    n += (size_t)snprintf(line + n, sizeof(line) - n, " [%s][%c]: ", module,
                          letters[level < 0 ? 0 : level > 3 ? 3 : level]);
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
    va_end(ap);
    if (m > 0)
        n += (size_t)m;
    if (n >= sizeof(line) - 1)
        n = sizeof(line) - 2;       /* truncated: keep the newline */
    line[n++] = '\n';
    /* One write(2) per line on an O_APPEND descriptor: lines from different
     * threads never interleave. */
    ssize_t NB_UNUSED w = write(log_fd, line, n);
    errno = saved;
}
