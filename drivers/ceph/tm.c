/*
 * tm.c: TM_MAD "ceph".  A non-persistent VM disk (CLONE = YES) is a
 * copy-on-write clone of its image's protected snapshot, named as
 * nb_drv_disk_source() says ("POOL/one-<image>-<vm>-<disk>"), made from
 * oned through librbd; a persistent one (CLONE = NO) is the image itself.
 * Hosts reach RBD over the network, so there is nothing to copy to them:
 * only the libvirt secret their QEMU authenticates with (secret.h).
 *
 * TM_MAD_CONF may set LIBVIRT_URI, the host URI template, as the kvm
 * driver's section does.
 */
#include <errno.h>
#include <stdlib.h>
#include <rbd/librbd.h>
#include "drivers/ceph/cfg.h"
#include "drivers/ceph/rados.h"
#include "drivers/ceph/secret.h"
#include "drivers/datastore.h"
#include "drivers/driver.h"
#include "drivers/libvirt/conn.h"
#include "lib/util.h"

typedef struct tm_conf {
    nb_tmpl conf;
} tm_conf;

static int tm_init(const nb_tmpl *conf, void **drv, char **err)
{
    tm_conf *c = nb_calloc(1, sizeof(*c));

    (void)err;
    nb_tmpl_init(&c->conf);
    if (conf)
        nb_tmpl_copy(&c->conf, conf);
    nb_ceph_use();
    nb_lv_use();
    *drv = c;
    return 0;
}

static void tm_fini(void *drv)
{
    tm_conf *c = drv;

    nb_lv_unuse();
    nb_ceph_unuse();
    nb_tmpl_free(&c->conf);
    free(c);
}

static bool tm_is_clone(const nb_tattr *disk)
{
    const char *v = nb_tattr_get(disk, "CLONE");
    return v && nb_strcaseeq(v, "YES");
}

/* disk's position among the VM's DISKs (it points into vm->tmpl). */
static size_t tm_disk_index(const nb_drv_vm *vm, const nb_tattr *disk)
{
    size_t idx = 0;
    for (size_t i = 0; vm->tmpl && i < vm->tmpl->n; i++) {
        const nb_tattr *a = &vm->tmpl->attrs[i];
        if (a == disk)
            return idx;
        if (!a->value && nb_streq(a->name, "DISK"))
            idx++;
    }
    return 0;
}

/* The clone's RBD name and I/O context; -1 with *err.  A DISK the core
 * did not resolve from an image (no IMAGE_ID, not TYPE = RBD) has no
 * clone name of its own: removing "its clone" would remove the image. */
static int tm_target(const nb_drv_vm *vm, const nb_tattr *disk, const nb_drv_ds *ds,
                     rados_ioctx_t *io, char **clone, char **err)
{
    char *where = nb_drv_disk_source(vm, disk, tm_disk_index(vm, disk));
    const char *source = nb_tattr_get(disk, "SOURCE");
    int rc = -1;

    *clone = NULL;
    if (!where || !source) {
        *err = nb_ceph_error(ds, 0, "VM %d: the DISK has no SOURCE", vm->id);
        goto cleanup;
    }
    if (nb_streq(where, source) || where[0] == '/') {
        *err = nb_ceph_error(ds, 0, "VM %d: DISK %s is not an RBD image's disk (IMAGE_ID and "
                             "TYPE = RBD are needed for a clone)", vm->id, source);
        goto cleanup;
    }
    rc = nb_ceph_open_source(ds, where, io, clone, err);
cleanup:
    free(where);
    return rc;
}

static int tm_prepare(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, const nb_tattr *disk,
                      const nb_drv_ds *ds, char **err)
{
    tm_conf *c = drv;
    nb_ceph_cfg dsc;
    rados_ioctx_t io = NULL;
    char *pool = NULL, *parent = NULL, *clone = NULL, *why = NULL;
    const char *source = nb_tattr_get(disk, "SOURCE");
    const char *secret = nb_tattr_get(disk, "CEPH_SECRET");
    const char *user = nb_tattr_get(disk, "CEPH_USER");
    int rc = -1, r, order = 0;

    nb_ceph_cfg_of(ds->tmpl, &dsc);
    if (tm_is_clone(disk)) {
        /* The clone's name is SOURCE's plus a suffix: the same pool. */
        if (tm_target(vm, disk, ds, &io, &clone, err) < 0)
            goto cleanup;
        nb_ceph_split(source, &pool, &parent);
        r = rbd_clone(io, parent, NB_CEPH_SNAP, io, clone, RBD_FEATURE_LAYERING, &order);
        if (r < 0 && r != -EEXIST) {   /* one already there is this disk's, kept */
            *err = nb_ceph_error(ds, r, "VM %d: cannot clone %s@%s", vm->id, source,
                                 NB_CEPH_SNAP);
            goto cleanup;
        }
    }
    /* The DISK's secret and user, as the core copied them from the
     * datastore; the key from the datastore's keyring on oned's machine. */
    if (secret && *secret &&
        nb_ceph_secret_ensure(&c->conf, h, secret, user && *user ? user : dsc.user, dsc.key,
                              &why) < 0) {
        *err = nb_ceph_error(ds, 0, "VM %d: %s", vm->id, why);
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (io)
        rados_ioctx_destroy(io);
    free(pool);
    free(parent);
    free(clone);
    free(why);
    return rc;
}

static int tm_release(void *drv, const nb_drv_host *h, const nb_drv_vm *vm, const nb_tattr *disk,
                      const nb_drv_ds *ds, char **err)
{
    rados_ioctx_t io = NULL;
    char *clone = NULL;
    int rc = -1, r;

    (void)drv;
    (void)h;
    if (!tm_is_clone(disk))
        return 0;       /* a persistent image stays as the VM left it */
    if (tm_target(vm, disk, ds, &io, &clone, err) < 0)
        goto cleanup;
    if ((r = rbd_remove(io, clone)) < 0 && r != -ENOENT) {
        *err = nb_ceph_error(ds, r, "VM %d: cannot remove its disk %s%s", vm->id, clone,
                             r == -EBUSY ? " (still open: is the VM still running?)" : "");
        goto cleanup;
    }
    rc = 0;
cleanup:
    if (io)
        rados_ioctx_destroy(io);
    free(clone);
    return rc;
}

static const nb_tm_ops ceph_tm_ops = {
    .init = tm_init,
    .fini = tm_fini,
    .prepare = tm_prepare,
    .release = tm_release,
    .shared = true,
};

static const nb_driver ceph_tm_driver = {
    .cls = NB_DRIVER_TM, .name = "ceph", .abi = NB_DRIVER_ABI, .ops = &ceph_tm_ops,
};
NB_DRIVER_REGISTER(ceph_tm_driver);
