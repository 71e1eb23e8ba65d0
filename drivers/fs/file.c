#define _GNU_SOURCE
#include "drivers/fs/file.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/buf.h"
#include "lib/util.h"

extern char **environ;

#define COPY_CHUNK (8 << 20)

/* Copy [off, end) of in to the same offsets of out: copy_file_range (a
 * reflink or an in-kernel copy), else read/write where it is refused
 * (across file systems on old kernels, some file systems). */
static int copy_range(int in, int out, off_t off, off_t end)
{
    bool plain = false;
    char *chunk = NULL;
    int ret = -1;

    while (off < end && !plain) {
        off_t o_in = off, o_out = off;
        size_t want = (size_t)(end - off < COPY_CHUNK ? end - off : COPY_CHUNK);
        ssize_t n = copy_file_range(in, &o_in, out, &o_out, want, 0);
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                      errno == EOPNOTSUPP)) {
            plain = true;
            break;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;    /* the file shrank under us */
            goto cleanup;
        }
        off += n;
    }
    chunk = off < end ? nb_malloc(1 << 16) : NULL;
    while (off < end) {
        size_t want = (size_t)(end - off < (1 << 16) ? end - off : (1 << 16));
        ssize_t n = pread(in, chunk, want, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            goto cleanup;
        }
        for (ssize_t done = 0; done < n;) {
            ssize_t w = pwrite(out, chunk + done, (size_t)(n - done), off + done);
            if (w < 0 && errno == EINTR)
                continue;
            if (w < 0)
                goto cleanup;
            done += w;
        }
        off += n;
    }
    ret = 0;
 cleanup:
    free(chunk);
    return ret;
}

int nb_fs_copy(int in, int out)
{
    struct stat st;
    off_t data, hole;

    if (fstat(in, &st) < 0)
        return -1;
    for (off_t off = 0; off < st.st_size; off = hole) {
        data = lseek(in, off, SEEK_DATA);
        if (data < 0 && errno == ENXIO)
            break;                      /* only a hole is left */
        if (data < 0) {
            if (errno != EINVAL)
                return -1;
            data = off;                 /* no SEEK_DATA here: all data */
            hole = st.st_size;
        } else if ((hole = lseek(in, data, SEEK_HOLE)) < 0) {
            return -1;
        }
        if (hole > st.st_size)
            hole = st.st_size;
        if (copy_range(in, out, data, hole) < 0)
            return -1;
    }
    /* Trailing holes: the size is the source's. */
    return ftruncate(out, st.st_size);
}

int nb_fs_run(const char *const argv[], char **err)
{
    posix_spawn_file_actions_t fa;
    int pipefd[2] = { -1, -1 }, status, ret = -1;
    bool fa_made = false;
    pid_t pid = -1;
    nb_buf out = NB_BUF_INIT;
    char chunk[512];
    ssize_t n;

    if (pipe2(pipefd, O_CLOEXEC) < 0 || posix_spawn_file_actions_init(&fa) != 0) {
        *err = nb_asprintf("%s: %s", argv[0], strerror(errno));
        goto cleanup;
    }
    fa_made = true;
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
    close(pipefd[1]);
    pipefd[1] = -1;
    if (rc != 0) {
        pid = -1;
        *err = nb_asprintf("cannot run %s: %s", argv[0], strerror(rc));
        goto cleanup;
    }
    /* Its stderr is short (a message); read it all, then reap. */
    while ((n = read(pipefd[0], chunk, sizeof(chunk))) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        if (out.len < 4096)
            nb_buf_add(&out, chunk, (size_t)n);
    }
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) {
            *err = nb_asprintf("%s: %s", argv[0], strerror(errno));
            goto cleanup;
        }
    pid = -1;
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        ret = 0;
        goto cleanup;
    }
    while (out.len && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == ' '))
        out.data[--out.len] = '\0';
    if (out.len)
        *err = nb_asprintf("%s: %s", argv[0], out.data);
    else if (WIFEXITED(status))
        *err = nb_asprintf("%s exited with status %d", argv[0], WEXITSTATUS(status));
    else
        *err = nb_asprintf("%s was killed by signal %d", argv[0], WTERMSIG(status));
 cleanup:
    if (fa_made)
        posix_spawn_file_actions_destroy(&fa);
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    nb_buf_free(&out);
    return ret;
}
