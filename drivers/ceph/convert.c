#define _GNU_SOURCE     /* pipe2 */
#include "drivers/ceph/convert.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/util.h"

extern char **environ;

#define STDERR_MAX 2048     /* of qemu-img's message kept for the error */

/* Run argv with stdin/stdout on /dev/null; -1 with *err holding what it
 * wrote on stderr when it fails. */
static int run(char *const argv[], char **err)
{
    posix_spawn_file_actions_t fa;
    int pipefd[2] = { -1, -1 }, status = 0, rc = -1;
    char msg[STDERR_MAX + 1];
    size_t len = 0;
    pid_t pid;

    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        *err = nb_asprintf("cannot run %s: %s", argv[0], strerror(errno));
        return -1;
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    int e = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pipefd[1]);
    if (e != 0) {
        *err = nb_asprintf("cannot run %s: %s", argv[0], strerror(e));
        goto cleanup;
    }
    for (;;) {
        char chunk[512];
        ssize_t n = read(pipefd[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t keep = len + (size_t)n > STDERR_MAX ? STDERR_MAX - len : (size_t)n;
        memcpy(msg + len, chunk, keep);
        len += keep;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
        len--;
    msg[len] = '\0';
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        *err = nb_asprintf("%s failed: %s", argv[0], len ? msg : "no message");
        goto cleanup;
    }
    rc = 0;
cleanup:
    close(pipefd[0]);
    return rc;
}

int nb_ceph_qcow2_to_raw(const char *path, char **raw, char **err)
{
    const char *dir = getenv("TMPDIR");
    char *tmp = nb_asprintf("%s/nubes-rbd-XXXXXX", dir && *dir ? dir : "/var/tmp");
    int fd = mkstemp(tmp), rc = -1;

    if (fd < 0) {
        *err = nb_asprintf("cannot create a temporary file %s: %s", tmp, strerror(errno));
        goto cleanup;
    }
    close(fd);
    /* qemu-img knows no "--": a relative path starting with '-' gets "./". */
    char *src = nb_asprintf("%s%s", path[0] == '-' ? "./" : "", path);
    char *argv[] = { "qemu-img", "convert", "-q", "-f", "qcow2", "-O", "raw", src, tmp, NULL };
    int ran = run(argv, err);
    free(src);
    if (ran < 0) {
        unlink(tmp);
        goto cleanup;
    }
    *raw = tmp;
    tmp = NULL;
    rc = 0;
cleanup:
    free(tmp);
    return rc;
}
