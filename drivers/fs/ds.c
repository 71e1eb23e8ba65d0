/*
 * ds.c: DS_MAD "fs": images are files in the datastore's BASE_PATH, a
 * directory on oned's machine (created when missing), each named
 * "<image id>.<16 random hex digits>" so that a re-import, a clone or an
 * image id reused after a lost database never meets an older file.
 * SOURCE is the file's full path; FORMAT is raw or qcow2, kept as given.
 *
 * Settings in oned.conf's DS_MAD_CONF = [ NAME = "fs", ... ]:
 *   QEMU_IMG   the qemu-img binary for qcow2 datablocks (default "qemu-img")
 *
 * Every file is made under its final name with O_EXCL and removed again
 * on any failure, so nothing half-written stays in BASE_PATH.  remove()
 * only unlinks files directly in BASE_PATH (resolved, symlinks included).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "drivers/datastore.h"
#include "drivers/driver.h"
#include "drivers/fs/file.h"
#include "lib/image_format.h"
#include "lib/util.h"

#define MB (1024LL * 1024)

typedef struct fs_conf {
    nb_tmpl conf;
} fs_conf;

static int fs_init(const nb_tmpl *conf, void **drv, char **err)
{
    fs_conf *c = nb_calloc(1, sizeof(*c));
    nb_tmpl_init(&c->conf);
    if (conf)
        nb_tmpl_copy(&c->conf, conf);
    *drv = c;
    return 0;
}

static void fs_fini(void *drv)
{
    fs_conf *c = drv;
    nb_tmpl_free(&c->conf);
    free(c);
}

/* The datastore's BASE_PATH, created if missing; NULL with *err. */
static const char *fs_base(const nb_drv_ds *ds, char **err)
{
    if (!ds->base_path || !*ds->base_path) {
        *err = nb_asprintf("fs: datastore %d has no BASE_PATH", ds->id);
        return NULL;
    }
    if (nb_mkdir_p(ds->base_path, 0755) < 0) {
        *err = nb_asprintf("fs: cannot create BASE_PATH %s: %s", ds->base_path,
                           strerror(errno));
        return NULL;
    }
    return ds->base_path;
}

/* A new empty file for image id in BASE_PATH: its fd, *path (malloc'd). */
static int fs_create(const nb_drv_ds *ds, int image_id, char **path, char **err)
{
    const char *base = fs_base(ds, err);
    char *hex;
    int fd;

    *path = NULL;
    if (!base)
        return -1;
    hex = nb_random_hex(8);
    *path = nb_asprintf("%s/%d.%s", base, image_id, hex);
    free(hex);
    if ((fd = open(*path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644)) < 0) {
        *err = nb_asprintf("fs: cannot create %s: %s", *path, strerror(errno));
        free(*path);
        *path = NULL;
    }
    return fd;
}

static long long fs_round_mb(unsigned long long bytes)
{
    return (long long)((bytes + MB - 1) / MB);
}

/* The format of the open file (qcow2 by its header, else raw) and its
 * virtual size in MB; want, when set, is the format the caller says it is.
 * 0, or -1 with *err. */
static int fs_probe(int fd, const char *path, const char *want, char **format,
                    long long *size_mb, char **err)
{
    unsigned char head[NB_IMAGE_HEAD_LEN];
    nb_image_fmt f;
    char *why = NULL;
    struct stat st;
    ssize_t n = 0;

    if (want && !nb_streq(want, "raw") && !nb_streq(want, "qcow2")) {
        *err = nb_asprintf("fs: unsupported image format \"%s\" (raw or qcow2)", want);
        return -1;
    }
    if (fstat(fd, &st) < 0 ||
        (S_ISREG(st.st_mode) && (n = pread(fd, head, sizeof(head), 0)) < 0)) {
        *err = nb_asprintf("fs: cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        *err = nb_asprintf("fs: %s is not a regular file", path);
        return -1;
    }
    /* Told raw, the bytes are the disk whatever they look like. */
    if (want && nb_streq(want, "raw")) {
        f = (nb_image_fmt){ "raw", 0, (long long)st.st_size };
    } else if (nb_image_format(head, (size_t)n, (long long)st.st_size, &f, &why) < 0) {
        *err = nb_asprintf("fs: %s: %s", path, why);
        free(why);
        return -1;
    } else if (want && !nb_streq(want, f.format)) {
        *err = nb_asprintf("fs: %s: not a qcow2 file", path);
        return -1;
    }
    *format = nb_strdup(f.format);
    *size_mb = fs_round_mb((unsigned long long)f.virtual_size);
    return 0;
}

/* Copy the file at src into a new file of image id: import and clone. */
static int fs_copy_in(const nb_drv_ds *ds, int image_id, const char *src, const char *format,
                      nb_ds_image *out, char **err)
{
    char *path = NULL, *fmt = NULL;
    long long size_mb = 0;
    int in = -1, fd = -1, ret = -1;

    if ((in = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
        *err = nb_asprintf("fs: cannot open %s: %s", src, strerror(errno));
        goto cleanup;
    }
    if (fs_probe(in, src, format, &fmt, &size_mb, err) < 0 ||
        (fd = fs_create(ds, image_id, &path, err)) < 0)
        goto cleanup;
    if (nb_fs_copy(in, fd) < 0 || fsync(fd) < 0) {
        *err = nb_asprintf("fs: cannot copy %s to %s: %s", src, path, strerror(errno));
        goto cleanup;
    }
    *out = (nb_ds_image){ .source = path, .format = fmt, .size_mb = size_mb };
    path = fmt = NULL;
    ret = 0;
 cleanup:
    if (fd >= 0)
        close(fd);
    if (in >= 0)
        close(in);
    if (path)
        unlink(path);
    free(path);
    free(fmt);
    return ret;
}

static int fs_import(void *drv, const nb_drv_ds *ds, int image_id, const char *path,
                     const char *format, nb_ds_image *out, char **err)
{
    return fs_copy_in(ds, image_id, path, format && *format ? format : NULL, out, err);
}

static int fs_clone(void *drv, const nb_drv_ds *ds, const char *source, int image_id,
                    nb_ds_image *out, char **err)
{
    return fs_copy_in(ds, image_id, source, NULL, out, err);
}

static int fs_mkimage(void *drv, const nb_drv_ds *ds, int image_id, long long size_mb,
                      const char *format, nb_ds_image *out, char **err)
{
    const fs_conf *c = drv;
    const char *qemu_img = nb_tmpl_get(&c->conf, "QEMU_IMG");
    bool qcow2 = format && nb_streq(format, "qcow2");
    char *path = NULL, *size = NULL, *why = NULL;
    int fd = -1, ret = -1;

    if (format && *format && !qcow2 && !nb_streq(format, "raw")) {
        *err = nb_asprintf("fs: unsupported image format \"%s\" (raw or qcow2)", format);
        goto cleanup;
    }
    if (size_mb <= 0 || size_mb > LLONG_MAX / MB) {
        *err = nb_asprintf("fs: invalid image size %lld MB", size_mb);
        goto cleanup;
    }
    if ((fd = fs_create(ds, image_id, &path, err)) < 0)
        goto cleanup;
    if (qcow2) {
        size = nb_asprintf("%lldM", size_mb);
        const char *argv[] = { qemu_img && *qemu_img ? qemu_img : "qemu-img", "create", "-q",
                               "-f", "qcow2", path, size, NULL };
        if (nb_fs_run(argv, &why) < 0) {
            *err = nb_asprintf("fs: cannot create the qcow2 image %s: %s", path, why);
            goto cleanup;
        }
    } else if (ftruncate(fd, (off_t)(size_mb * MB)) < 0) {
        *err = nb_asprintf("fs: cannot size %s to %lld MB: %s", path, size_mb, strerror(errno));
        goto cleanup;
    }
    *out = (nb_ds_image){ .source = path, .format = nb_strdup(qcow2 ? "qcow2" : "raw"),
                          .size_mb = size_mb };
    path = NULL;
    ret = 0;
 cleanup:
    if (fd >= 0)
        close(fd);
    if (path)
        unlink(path);
    free(path);
    free(size);
    free(why);
    return ret;
}

/* Images are files directly in BASE_PATH: source's directory must resolve
 * to BASE_PATH's, whatever symlinks or ".." it goes through. */
static int fs_remove(void *drv, const nb_drv_ds *ds, const char *source, char **err)
{
    char *dir_copy = nb_strdup(source), *name_copy = nb_strdup(source);
    char *dir = NULL, *base = NULL, *path = NULL;
    const char *name = basename(name_copy);
    int ret = -1;

    if (!ds->base_path || !*ds->base_path) {
        *err = nb_asprintf("fs: datastore %d has no BASE_PATH", ds->id);
        goto cleanup;
    }
    if (!(dir = realpath(dirname(dir_copy), NULL)) || !(base = realpath(ds->base_path, NULL))) {
        if (errno == ENOENT) {
            ret = 0;                    /* nothing there: already gone */
            goto cleanup;
        }
        *err = nb_asprintf("fs: cannot resolve %s: %s", source, strerror(errno));
        goto cleanup;
    }
    if (!nb_streq(dir, base) || !*name || nb_streq(name, ".") || nb_streq(name, "..") ||
        nb_streq(name, "/")) {
        *err = nb_asprintf("fs: refusing to remove %s: not an image of BASE_PATH %s", source,
                           ds->base_path);
        goto cleanup;
    }
    path = nb_asprintf("%s/%s", dir, name);
    if (unlink(path) < 0 && errno != ENOENT) {
        *err = nb_asprintf("fs: cannot remove %s: %s", source, strerror(errno));
        goto cleanup;
    }
    ret = 0;
 cleanup:
    free(dir_copy);
    free(name_copy);
    free(dir);
    free(base);
    free(path);
    return ret;
}

static int fs_monitor(void *drv, const nb_drv_ds *ds, nb_ds_capacity *out, char **err)
{
    const char *base = fs_base(ds, err);
    struct statvfs sv;

    if (!base)
        return -1;
    if (statvfs(base, &sv) < 0) {
        *err = nb_asprintf("fs: cannot read the capacity of %s: %s", base, strerror(errno));
        return -1;
    }
    out->total_mb = (long long)((unsigned long long)sv.f_blocks * sv.f_frsize / MB);
    out->free_mb = (long long)((unsigned long long)sv.f_bavail * sv.f_frsize / MB);
    out->used_mb = (long long)((unsigned long long)(sv.f_blocks - sv.f_bfree) * sv.f_frsize / MB);
    return 0;
}

static const nb_ds_ops fs_ds_ops = {
    .init = fs_init,
    .fini = fs_fini,
    .monitor = fs_monitor,
    .import = fs_import,
    .mkimage = fs_mkimage,
    .clone = fs_clone,
    .remove = fs_remove,
};

static const nb_driver fs_ds_driver = {
    .cls = NB_DRIVER_DS, .name = "fs", .abi = NB_DRIVER_ABI, .ops = &fs_ds_ops,
};
NB_DRIVER_REGISTER(fs_ds_driver);
