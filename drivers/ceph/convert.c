#define _GNU_SOURCE     /* pipe2, posix_spawn_file_actions_addclosefrom_np */
#include "drivers/ceph/convert.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "drivers/ceph/rados.h"
#include "lib/buf.h"
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
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);     /* none of oned's sockets */
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

/* ":key=value", the value escaped for QEMU's rbd: filename parser. */
static void add_opt(nb_buf *b, const char *key, const char *value)
{
    nb_buf_addf(b, ":%s=", key);
    for (const char *p = value; *p; p++) {
        if (*p == ':' || *p == '\\')
            nb_buf_addc(b, '\\');
        nb_buf_addc(b, *p);
    }
}

char *nb_ceph_qemu_target(const nb_ceph_cfg *c, const char *source)
{
    nb_buf b;
    char *mons = NULL;

    nb_buf_init(&b);
    nb_buf_adds(&b, "rbd:");
    for (const char *p = source; *p; p++) {
        if (*p == ':' || *p == '\\')
            nb_buf_addc(&b, '\\');
        nb_buf_addc(&b, *p);
    }
    add_opt(&b, "id", c->user);
    if (c->conf)
        add_opt(&b, "conf", c->conf);
    else if (c->hosts)
        add_opt(&b, "mon_host", mons = nb_ceph_mon_host(c->hosts));
    if (c->key)
        add_opt(&b, "keyring", c->key);
    add_opt(&b, "client_mount_timeout", NB_CEPH_MOUNT_TIMEOUT);
    add_opt(&b, "rados_osd_op_timeout", NB_CEPH_OP_TIMEOUT);
    free(mons);
    return nb_buf_steal(&b, NULL);
}

int nb_ceph_qcow2_into(const nb_ceph_cfg *c, const char *path, const char *source, char **err)
{
    /* qemu-img knows no "--": a relative path starting with '-' gets "./". */
    char *src = nb_asprintf("%s%s", path[0] == '-' ? "./" : "", path);
    char *target = nb_ceph_qemu_target(c, source);
    char *argv[] = { "qemu-img", "convert", "-q", "-n", "--target-is-zero", "-f", "qcow2",
                     "-O", "raw", src, target, NULL };
    int rc = run(argv, err);

    free(src);
    free(target);
    return rc;
}
