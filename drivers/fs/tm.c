/*
 * tm.c: TM_MAD "qcow2" and "ssh": the VM disks of fs datastores, made on
 * the host through its libvirtd's storage-pool API only (pool.h), at
 * nb_drv_disk_source()'s "<vm_dir>/disk.<DISK_ID>".
 *
 *   qcow2  the hosts mount BASE_PATH at the same path (shared): a clone is
 *          a qcow2 overlay whose backing file is SOURCE itself; a
 *          persistent image is used in place (nothing to do).
 *   ssh    the hosts see nothing of BASE_PATH: the image is uploaded
 *          through a libvirt stream into a per-host cache beside the VM
 *          directories, "<dirname(vm_dir)>/.cache/<ds>-<image>-<version>",
 *          once, and every clone on that host is an overlay over the cached
 *          copy; a persistent image is uploaded as the disk itself and
 *          saved back into SOURCE on release.
 *
 * The cache's <version> is a hash of SOURCE's size, inode and change
 * times on oned's machine: an image whose file changed (a persistent one
 * saved back, then made non-persistent) gets a fresh copy instead of
 * overlays over stale bytes.  Old copies stay until staff remove them
 * (docs/storage-fs.md): running overlays may still lean on them.
 *
 * What a disk gets follows its SHARED (the core copies it from the
 * datastore, defaulting to the driver's): "qcow2" on a datastore with
 * SHARED = NO works as "ssh" does, and the other way round, so that the
 * disk is always where nb_drv_disk_source() says.
 *
 * Both are idempotent: a disk already there is kept, and one already gone
 * is released.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "drivers/datastore.h"
#include "drivers/driver.h"
#include "drivers/fs/pool.h"
#include "drivers/libvirt/conn.h"
#include "lib/util.h"

typedef struct tm_conf {
    nb_tmpl conf;               /* LIBVIRT_URI, as the kvm driver reads it */
    const char *name;           /* "qcow2" or "ssh" */
    bool shared;
} tm_conf;

static int tm_init(const nb_tmpl *conf, void **drv, const char *name, bool shared)
{
    tm_conf *c = nb_calloc(1, sizeof(*c));
    nb_tmpl_init(&c->conf);
    if (conf)
        nb_tmpl_copy(&c->conf, conf);
    c->name = name;
    c->shared = shared;
    nb_lv_use();
    *drv = c;
    return 0;
}

static int qcow2_init(const nb_tmpl *conf, void **drv, char **err)
{
    return tm_init(conf, drv, "qcow2", true);
}

static int ssh_init(const nb_tmpl *conf, void **drv, char **err)
{
    return tm_init(conf, drv, "ssh", false);
}

static void tm_fini(void *drv)
{
    tm_conf *c = drv;
    nb_lv_unuse();
    nb_tmpl_free(&c->conf);
    free(c);
}

/* One operation on one disk. */
typedef struct tm_op {
    const tm_conf *c;
    const char *source;         /* the image's file on oned's machine */
    const char *format;         /* its format: raw or qcow2 */
    bool clone;
    bool shared;                /* the hosts see source */
    char *dir, *name;           /* the disk on the host: dir/name */
    virConnectPtr conn;
    nb_fs_pool *vmdir;
} tm_op;

static const char *tm_member(const nb_tattr *disk, const char *name)
{
    const char *v = nb_tattr_get(disk, name);
    return v && *v ? v : NULL;
}

/* 0 with the disk's settings in o, or -1 with *err. */
static int tm_begin(tm_op *o, const tm_conf *c, const nb_drv_vm *vm, const nb_tattr *disk,
                    char **err)
{
    const char *clone = tm_member(disk, "CLONE"), *id = tm_member(disk, "DISK_ID");
    const char *shared = tm_member(disk, "SHARED");
    char *target = NULL, *copy;
    nb_tmpl own = NB_TMPL_INIT;
    int disk_id;

    *o = (tm_op){ .c = c, .source = tm_member(disk, "SOURCE"),
                  .format = tm_member(disk, "FORMAT") };
    o->format = o->format ? o->format : "raw";
    o->clone = clone && nb_strcaseeq(clone, "YES");
    o->shared = shared ? !nb_strcaseeq(shared, "NO") : c->shared;
    if (!o->source || !tm_member(disk, "IMAGE_ID")) {
        *err = nb_strdup("the DISK has no image (IMAGE_ID and SOURCE)");
        return -1;
    }
    if (!id || nb_parse_int(id, &disk_id) < 0 || disk_id < 0) {
        *err = nb_strdup("the DISK has no valid DISK_ID");
        return -1;
    }
    if (!nb_streq(o->format, "raw") && !nb_streq(o->format, "qcow2")) {
        *err = nb_asprintf("unsupported image FORMAT \"%s\" (raw or qcow2)", o->format);
        return -1;
    }
    if (!vm->vm_dir || !*vm->vm_dir) {
        *err = nb_strdup("the VM has no directory on the host");
        return -1;
    }
    /* Where the disk lives depends on SHARED: a DISK without one gets the
     * driver's. */
    if (!shared) {
        nb_tpair *pairs = nb_calloc(disk->npairs + 1, sizeof(*pairs));
        memcpy(pairs, disk->pairs, disk->npairs * sizeof(*pairs));
        pairs[disk->npairs] = (nb_tpair){ "SHARED", c->shared ? "YES" : "NO" };
        nb_tmpl_add_vector(&own, "DISK", pairs, disk->npairs + 1);
        disk = nb_tmpl_find(&own, "DISK");
        free(pairs);
    }
    target = nb_drv_disk_source(vm, disk, 0);
    nb_tmpl_free(&own);
    copy = nb_strdup(target);
    o->dir = nb_strdup(dirname(copy));
    free(copy);
    copy = nb_strdup(target);
    o->name = nb_strdup(basename(copy));
    free(copy);
    free(target);
    return 0;
}

/* Connect to the host and open the VM directory's pool. */
static int tm_connect(tm_op *o, const nb_drv_host *h, char **err)
{
    if (!(o->conn = nb_lv_connect(&o->c->conf, h, err)))
        return -1;
    return (o->vmdir = nb_fs_pool_open(o->conn, h->id, o->dir, err)) ? 0 : -1;
}

static void tm_end(tm_op *o)
{
    nb_fs_pool_close(o->vmdir);
    if (o->conn)
        virConnectClose(o->conn);
    free(o->dir);
    free(o->name);
}

/* "<tm>: <op> disk <id> of VM <vm> on host <h>: <why>", replacing *err. */
static int tm_fail(const tm_op *o, const char *op, const nb_drv_host *h, const nb_drv_vm *vm,
                   const nb_tattr *disk, char **err)
{
    char *why = *err;
    *err = nb_asprintf("%s: %s disk %s of VM %d on host %s: %s", o->c->name, op,
                       tm_member(disk, "DISK_ID") ?: "?", vm->id, h->name,
                       why ? why : "failed");
    free(why);
    return -1;
}

/* The path on the host of the cached copy of the disk's image, uploaded
 * now if the host has none of this version. */
static char *tm_cached(tm_op *o, const nb_drv_host *h, const nb_tattr *disk,
                       const nb_drv_ds *ds, char **err)
{
    char *copy = nb_strdup(o->dir), *dir = NULL, *key = NULL, *stamp = NULL, *path = NULL;
    char hash[65];
    nb_fs_pool *cache = NULL;
    struct stat st;

    if (stat(o->source, &st) < 0) {
        *err = nb_asprintf("cannot read %s: %s", o->source, strerror(errno));
        goto cleanup;
    }
    stamp = nb_asprintf("%lld:%llu:%lld.%09ld:%lld.%09ld", (long long)st.st_size,
                        (unsigned long long)st.st_ino, (long long)st.st_mtim.tv_sec,
                        st.st_mtim.tv_nsec, (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec);
    nb_sha256_hex(stamp, strlen(stamp), hash);
    key = nb_asprintf("%d-%s-%.8s", ds->id, tm_member(disk, "IMAGE_ID"), hash);
    dir = nb_asprintf("%s/.cache", dirname(copy));
    if ((cache = nb_fs_pool_open(o->conn, h->id, dir, err)) &&
        nb_fs_pool_upload(cache, key, o->source, err) == 0)
        path = nb_fs_pool_path(cache, key, err);
 cleanup:
    nb_fs_pool_close(cache);
    free(copy);
    free(dir);
    free(key);
    free(stamp);
    return path;
}

static int tm_prepare(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                      const nb_tattr *disk, const nb_drv_ds *ds, char **err)
{
    const tm_conf *c = drv;
    char *cached = NULL;
    tm_op o;
    int ret = -1;

    if (tm_begin(&o, c, vm, disk, err) < 0)
        goto cleanup;
    if (!o.clone && o.shared) {
        ret = 0;                        /* used in place at SOURCE */
        goto cleanup;
    }
    if (tm_connect(&o, h, err) < 0)
        goto cleanup;
    if (!o.clone) {
        ret = nb_fs_pool_upload(o.vmdir, o.name, o.source, err);
        goto cleanup;
    }
    /* An overlay already there is kept without touching the cache. */
    if ((ret = nb_fs_pool_has(o.vmdir, o.name, err)) != 0) {
        ret = ret < 0 ? -1 : 0;
        goto cleanup;
    }
    if (!o.shared && !(cached = tm_cached(&o, h, disk, ds, err))) {
        ret = -1;
        goto cleanup;
    }
    ret = nb_fs_pool_overlay(o.vmdir, o.name, cached ? cached : o.source, o.format, err);
 cleanup:
    if (ret < 0)
        tm_fail(&o, "prepare", h, vm, disk, err);
    tm_end(&o);
    free(cached);
    return ret;
}

static int tm_release(void *drv, const nb_drv_host *h, const nb_drv_vm *vm,
                      const nb_tattr *disk, const nb_drv_ds *ds, char **err)
{
    const tm_conf *c = drv;
    tm_op o;
    int ret = -1, saved;

    if (tm_begin(&o, c, vm, disk, err) < 0)
        goto cleanup;
    if (!o.clone && o.shared) {
        ret = 0;
        goto cleanup;
    }
    if (tm_connect(&o, h, err) < 0)
        goto cleanup;
    /* A persistent copy goes back into the image first, if it was ever
     * whole (an upload cut short was never used). */
    if (!o.clone && ((saved = nb_fs_pool_uploaded(o.vmdir, o.name, err)) < 0 ||
                     (saved && nb_fs_pool_download(o.vmdir, o.name, o.source, err) < 0)))
        goto cleanup;
    ret = nb_fs_pool_delete(o.vmdir, o.name, err);
 cleanup:
    if (ret < 0)
        tm_fail(&o, "release", h, vm, disk, err);
    tm_end(&o);
    return ret;
}

static const nb_tm_ops qcow2_ops = {
    .init = qcow2_init, .fini = tm_fini, .prepare = tm_prepare, .release = tm_release,
    .shared = true,
};
static const nb_tm_ops ssh_ops = {
    .init = ssh_init, .fini = tm_fini, .prepare = tm_prepare, .release = tm_release,
    .shared = false,
};

static const nb_driver qcow2_driver = {
    .cls = NB_DRIVER_TM, .name = "qcow2", .abi = NB_DRIVER_ABI, .ops = &qcow2_ops,
};
static const nb_driver ssh_driver = {
    .cls = NB_DRIVER_TM, .name = "ssh", .abi = NB_DRIVER_ABI, .ops = &ssh_ops,
};
NB_DRIVER_REGISTER(qcow2_driver);
NB_DRIVER_REGISTER(ssh_driver);
