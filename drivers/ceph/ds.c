/*
 * ds.c: DS_MAD "ceph".  Images are RBD images "POOL_NAME/one-<image id>"
 * (format 2, layering only, so that every client, the kernel's rbd
 * included, can map and clone them), each with a protected snapshot
 * NB_CEPH_SNAP taken once its content is final, which VM disks are cloned
 * from (tm.c).  Everything goes through librbd on oned's machine, but for
 * the content of qcow2 imports, which qemu-img writes (convert.h); the
 * cluster and identity come from the datastore's template (cfg.h, rados.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <rbd/librbd.h>
#include "drivers/ceph/cfg.h"
#include "drivers/ceph/convert.h"
#include "drivers/ceph/rados.h"
#include "drivers/datastore.h"
#include "drivers/driver.h"
#include "lib/image_format.h"
#include "lib/util.h"

#define CHUNK (4u << 20)        /* = the default RBD object size */
#define MB (1LL << 20)

static int ds_init(const nb_tmpl *conf, void **drv, char **err)
{
    (void)conf;
    (void)err;
    nb_ceph_use();
    *drv = NULL;
    return 0;
}

static void ds_fini(void *drv)
{
    (void)drv;
    nb_ceph_unuse();
}

static long long size_mb(uint64_t bytes)
{
    return (long long)((bytes + MB - 1) / MB);
}

/* visit(ctx, clone, err) for every child (VM disk clone) of every snapshot
 * of img (named name); a visit < 0 stops, with its *err.  0 or -1. */
static int ds_each_child(const nb_drv_ds *ds, rbd_image_t img, const char *name,
                         int (*visit)(void *ctx, const rbd_linked_image_spec_t *kid,
                                      char **err),
                         void *ctx, char **err)
{
    rbd_snap_info_t *snaps = NULL;
    int max = 0, n, rc = -1;

    while ((n = rbd_snap_list(img, snaps, &max)) == -ERANGE)
        snaps = nb_realloc(snaps, (size_t)max * sizeof(*snaps));
    if (n < 0) {
        *err = nb_ceph_error(ds, n, "cannot list the snapshots of %s", name);
        goto cleanup;
    }
    for (int i = 0; i < n; i++) {
        rbd_linked_image_spec_t *kids = NULL;
        size_t nk = 0;
        int r;
        if ((r = rbd_snap_set(img, snaps[i].name)) == 0) {
            while ((r = rbd_list_children3(img, kids, &nk)) == -ERANGE)
                kids = nb_realloc(kids, nk * sizeof(*kids));
        }
        if (r < 0)
            *err = nb_ceph_error(ds, r, "cannot list the clones of %s@%s", name, snaps[i].name);
        for (size_t k = 0; r >= 0 && k < nk; k++)
            r = visit(ctx, &kids[k], err);
        rbd_linked_image_spec_list_cleanup(kids, nk);
        free(kids);
        if (r < 0)
            goto cleanup;
    }
    rc = 0;
cleanup:
    rbd_snap_set(img, NULL);
    if (snaps) {
        if (n > 0)
            rbd_snap_list_end(snaps);
        free(snaps);
    }
    return rc;
}

/* Counting children: how many, and the name of the first (malloc'd). */
typedef struct ds_count {
    size_t n;
    char *first;
} ds_count;

static int ds_count_child(void *ctx, const rbd_linked_image_spec_t *kid, char **err)
{
    ds_count *c = ctx;

    (void)err;
    if (!c->first)
        c->first = nb_asprintf("%s/%s", kid->pool_name, kid->image_name);
    c->n++;
    return 0;
}

/* Remove image name of pool io with its snapshots, unless clones of them
 * exist.  Gone already: success. */
static int ds_destroy(const nb_drv_ds *ds, rados_ioctx_t io, const char *name, char **err)
{
    char pool[256] = "";
    rbd_image_t img = NULL;
    rbd_snap_info_t *snaps = NULL;
    ds_count kids = { 0, NULL };
    int max = 0, n = 0, rc;

    rados_ioctx_get_pool_name(io, pool, sizeof(pool));
    if ((rc = rbd_open(io, name, &img, NULL)) == -ENOENT) {
        rc = 0;
        goto cleanup;
    }
    if (rc < 0) {
        *err = nb_ceph_error(ds, rc, "cannot open %s/%s", pool, name);
        goto cleanup;
    }
    if ((rc = ds_each_child(ds, img, name, ds_count_child, &kids, err)) < 0)
        goto cleanup;
    if (kids.n) {
        *err = nb_ceph_error(ds, 0, "image %s/%s has %zu live clone%s (VM disks such as %s): "
                             "it cannot be removed until they are gone", pool, name, kids.n,
                             kids.n == 1 ? "" : "s", kids.first);
        rc = -1;
        goto cleanup;
    }
    while ((n = rbd_snap_list(img, snaps, &max)) == -ERANGE)
        snaps = nb_realloc(snaps, (size_t)max * sizeof(*snaps));
    for (int i = 0; i < n; i++) {
        int prot = 0;
        rc = rbd_snap_is_protected(img, snaps[i].name, &prot);
        if (rc == 0 && prot)
            rc = rbd_snap_unprotect(img, snaps[i].name);
        if (rc == 0)
            rc = rbd_snap_remove(img, snaps[i].name);
        if (rc < 0) {
            *err = nb_ceph_error(ds, rc, "cannot remove snapshot %s/%s@%s", pool, name,
                                 snaps[i].name);
            goto cleanup;
        }
    }
    rc = n < 0 ? n : 0;
    if (rc < 0) {
        *err = nb_ceph_error(ds, rc, "cannot list the snapshots of %s/%s", pool, name);
        goto cleanup;
    }
    rbd_close(img);
    img = NULL;
    rc = rbd_remove(io, name);
    if (rc == -ENOENT)
        rc = 0;
    else if (rc == -EBUSY)
        *err = nb_ceph_error(ds, rc, "cannot remove %s/%s: a client (a running VM?) has it "
                             "open", pool, name);
    else if (rc < 0)
        *err = nb_ceph_error(ds, rc, "cannot remove %s/%s", pool, name);
cleanup:
    if (snaps) {
        if (n > 0)
            rbd_snap_list_end(snaps);
        free(snaps);
    }
    if (img)
        rbd_close(img);
    free(kids.first);
    return rc < 0 ? -1 : 0;
}

/* The image is final: take and protect the snapshot clones come from. */
static int ds_seal(const nb_drv_ds *ds, rbd_image_t img, const char *source, char **err)
{
    int rc = rbd_flush(img);
    if (rc == 0)
        rc = rbd_snap_create(img, NB_CEPH_SNAP);
    if (rc == 0)
        rc = rbd_snap_protect(img, NB_CEPH_SNAP);
    if (rc < 0)
        *err = nb_ceph_error(ds, rc, "cannot snapshot %s@%s", source, NB_CEPH_SNAP);
    return rc < 0 ? -1 : 0;
}

static bool all_zero(const unsigned char *p, size_t n)
{
    return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Copy file fd (size bytes) into img, skipping all-zero chunks: a new RBD
 * image reads as zeros, so they need not be written (sparse). */
static int ds_stream(const nb_drv_ds *ds, int fd, uint64_t size, rbd_image_t img,
                     const char *path, const char *source, char **err)
{
    unsigned char *buf = nb_malloc(CHUNK);
    int rc = -1;

    for (uint64_t off = 0; off < size;) {
        size_t want = size - off < CHUNK ? (size_t)(size - off) : CHUNK, got = 0;
        while (got < want) {
            ssize_t n = pread(fd, buf + got, want - got, (off_t)(off + got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                *err = nb_ceph_error(ds, n < 0 ? -errno : 0, "cannot read %s%s", path,
                                     n == 0 ? ": it shrank while being imported" : "");
                goto cleanup;
            }
            got += (size_t)n;
        }
        if (!all_zero(buf, want)) {
            ssize_t w = rbd_write(img, off, want, (const char *)buf);
            if (w < 0 || (size_t)w != want) {
                *err = nb_ceph_error(ds, w < 0 ? (int)w : -EIO, "cannot write %s", source);
                goto cleanup;
            }
        }
        off += want;
    }
    rc = 0;
cleanup:
    free(buf);
    return rc;
}

/* How a new image comes to be: create makes image name in io and returns
 * librbd's status (a negative errno); fill, when set, writes its content.
 * ctx is theirs. */
typedef struct ds_maker {
    int (*create)(rados_ioctx_t io, const char *name, void *ctx);
    int (*fill)(const nb_drv_ds *ds, rbd_image_t img, const char *source, void *ctx,
                char **err);
    void *ctx;
} ds_maker;

/* Image "one-<image_id>" in the datastore's pool, made by m, then sealed.
 * Anything made is removed again on failure; an image of that name that
 * was already there is left alone. */
static int ds_make(const nb_drv_ds *ds, int image_id, const ds_maker *m, nb_ds_image *out,
                   char **err)
{
    nb_ceph_cfg c;
    rados_ioctx_t io = NULL;
    rbd_image_t img = NULL;
    char *name = nb_asprintf("one-%d", image_id);
    char *source = NULL;
    uint64_t size = 0;
    bool made = false;
    int rc = -1, r;

    nb_ceph_cfg_of(ds->tmpl, &c);
    source = nb_asprintf("%s/%s", c.pool, name);
    if (nb_ceph_ioctx(ds, c.pool, &io, err) < 0)
        goto cleanup;
    if ((r = m->create(io, name, m->ctx)) < 0) {
        *err = r == -EEXIST ? nb_ceph_error(ds, 0, "RBD image %s already exists", source)
                            : nb_ceph_error(ds, r, "cannot create RBD image %s", source);
        made = r != -EEXIST;        /* a failed copy may leave a partial one */
        goto cleanup;
    }
    made = true;
    if ((r = rbd_open(io, name, &img, NULL)) < 0 || (r = rbd_get_size(img, &size)) < 0) {
        *err = nb_ceph_error(ds, r, "cannot open %s", source);
        goto cleanup;
    }
    if (m->fill && m->fill(ds, img, source, m->ctx, err) < 0)
        goto cleanup;
    if (ds_seal(ds, img, source, err) < 0)
        goto cleanup;
    out->source = source;
    out->format = nb_strdup("raw");
    out->size_mb = size_mb(size);
    source = NULL;
    rc = 0;
cleanup:
    if (img)
        rbd_close(img);
    if (rc < 0 && made) {
        char *ignored = NULL;
        ds_destroy(ds, io, name, &ignored);
        free(ignored);
    }
    if (io)
        rados_ioctx_destroy(io);
    free(source);
    free(name);
    return rc;
}

static int ds_create_sized(rados_ioctx_t io, const char *name, void *ctx)
{
    int order = 0;
    return rbd_create2(io, name, *(uint64_t *)ctx, RBD_FEATURE_LAYERING, &order);
}

typedef struct ds_file {
    uint64_t size;              /* first: ds_create_sized reads it */
    int fd;
    const char *path;           /* as the core named it, for messages */
    nb_ceph_cfg cfg;            /* the cluster, for qemu-img */
} ds_file;

static int ds_fill_raw(const nb_drv_ds *ds, rbd_image_t img, const char *source, void *ctx,
                       char **err)
{
    ds_file *f = ctx;
    return ds_stream(ds, f->fd, f->size, img, f->path, source, err);
}

static int ds_fill_qcow2(const nb_drv_ds *ds, rbd_image_t img, const char *source, void *ctx,
                         char **err)
{
    ds_file *f = ctx;
    char *why = NULL;

    (void)img;
    if (nb_ceph_qcow2_into(&f->cfg, f->path, source, &why) < 0) {
        *err = nb_ceph_error(ds, 0, "cannot convert %s into %s: %s", f->path, source, why);
        free(why);
        return -1;
    }
    return 0;
}

static int ds_import(void *drv, const nb_drv_ds *ds, int image_id, const char *path,
                     const char *format, nb_ds_image *out, char **err)
{
    ds_file f = { .fd = -1, .path = path };
    ds_maker m = { ds_create_sized, ds_fill_raw, &f };
    bool qcow2 = format && nb_strcaseeq(format, "qcow2");
    nb_image_fmt fmt;
    struct stat st;
    int rc = -1;

    (void)drv;
    if (format && !qcow2 && !nb_strcaseeq(format, "raw")) {
        *err = nb_ceph_error(ds, 0, "cannot import %s: format %s is neither raw nor qcow2",
                             path, format);
        goto cleanup;
    }
    if ((f.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(f.fd, &st) < 0) {
        *err = nb_ceph_error(ds, -errno, "cannot read %s", path);
        goto cleanup;
    }
    f.size = (uint64_t)st.st_size;
    if (qcow2) {
        char *why = NULL;
        if (nb_image_format_file(path, &fmt, &why) < 0 || !nb_streq(fmt.format, "qcow2")) {
            *err = nb_ceph_error(ds, 0, "cannot import %s: %s", path,
                                 why ? why : "it is not a qcow2 image");
            free(why);
            goto cleanup;
        }
        f.size = (uint64_t)fmt.virtual_size;
        nb_ceph_cfg_of(ds->tmpl, &f.cfg);
        m.fill = ds_fill_qcow2;
    }
    rc = ds_make(ds, image_id, &m, out, err);
cleanup:
    if (f.fd >= 0)
        close(f.fd);
    return rc;
}

static int ds_mkimage(void *drv, const nb_drv_ds *ds, int image_id, long long mb,
                      const char *format, nb_ds_image *out, char **err)
{
    uint64_t size = (uint64_t)mb * MB;
    ds_maker m = { ds_create_sized, NULL, &size };

    (void)drv;
    if (format && !nb_strcaseeq(format, "raw")) {
        *err = nb_ceph_error(ds, 0, "RBD images are raw, not %s", format);
        return -1;
    }
    if (mb <= 0) {
        *err = nb_ceph_error(ds, 0, "an image needs a positive SIZE, not %lld MB", mb);
        return -1;
    }
    return ds_make(ds, image_id, &m, out, err);
}

/* A full copy of the source's snapshot (its final content), holes kept. */
static int ds_create_copy(rados_ioctx_t io, const char *name, void *ctx)
{
    rbd_image_options_t opts;
    rbd_image_options_create(&opts);
    rbd_image_options_set_uint64(opts, RBD_IMAGE_OPTION_FORMAT, 2);
    rbd_image_options_set_uint64(opts, RBD_IMAGE_OPTION_FEATURES, RBD_FEATURE_LAYERING);
    int rc = rbd_copy4(*(rbd_image_t *)ctx, io, name, opts, 4096);
    rbd_image_options_destroy(opts);
    return rc;
}

static int ds_clone(void *drv, const nb_drv_ds *ds, const char *source, int image_id,
                    nb_ds_image *out, char **err)
{
    rados_ioctx_t io = NULL;
    rbd_image_t src = NULL;
    ds_maker m = { ds_create_copy, NULL, &src };
    char *name = NULL;
    int rc = -1, r;

    (void)drv;
    if (nb_ceph_open_source(ds, source, &io, &name, err) < 0)
        goto cleanup;
    if ((r = rbd_open_read_only(io, name, &src, NB_CEPH_SNAP)) < 0) {
        *err = nb_ceph_error(ds, r, "cannot open %s@%s to copy it", source, NB_CEPH_SNAP);
        goto cleanup;
    }
    rc = ds_make(ds, image_id, &m, out, err);
cleanup:
    if (src)
        rbd_close(src);
    if (io)
        rados_ioctx_destroy(io);
    free(name);
    return rc;
}

static int ds_remove(void *drv, const nb_drv_ds *ds, const char *source, char **err)
{
    rados_ioctx_t io = NULL;
    char *name = NULL;
    int rc = -1;

    (void)drv;
    if (nb_ceph_open_source(ds, source, &io, &name, err) < 0)
        goto cleanup;
    rc = ds_destroy(ds, io, name, err);
cleanup:
    if (io)
        rados_ioctx_destroy(io);
    free(name);
    return rc;
}

/* Flattening a child: it gets its own copy of the parent's data. */
typedef struct ds_flattener {
    const nb_drv_ds *ds;
    rados_t cl;
} ds_flattener;

static int ds_flatten_child(void *ctx, const rbd_linked_image_spec_t *kid, char **err)
{
    const ds_flattener *f = ctx;
    rados_ioctx_t kio = NULL;
    rbd_image_t img = NULL;
    int rc;

    rc = rados_ioctx_create(f->cl, kid->pool_name, &kio);
    if (rc == 0)
        rc = rbd_open(kio, kid->image_name, &img, NULL);
    if (rc == 0)
        rc = rbd_flatten(img);
    if (rc < 0)
        *err = nb_ceph_error(f->ds, rc, "cannot flatten %s/%s", kid->pool_name,
                             kid->image_name);
    if (img)
        rbd_close(img);
    if (kio)
        rados_ioctx_destroy(kio);
    return rc;
}

/* Every clone of every snapshot of source gets its own data: the clones
 * (running VMs' disks) lose their parent, which can then go. */
static int ds_flatten(void *drv, const nb_drv_ds *ds, const char *source, char **err)
{
    ds_flattener f = { .ds = ds };
    rados_ioctx_t io = NULL;
    rbd_image_t img = NULL;
    char *name = NULL;
    int rc = -1, r;

    (void)drv;
    if (nb_ceph_open_source(ds, source, &io, &name, err) < 0 ||
        nb_ceph_cluster(ds, &f.cl, err) < 0)
        goto cleanup;
    if ((r = rbd_open(io, name, &img, NULL)) < 0) {
        *err = nb_ceph_error(ds, r, "cannot open %s", source);
        goto cleanup;
    }
    rc = ds_each_child(ds, img, source, ds_flatten_child, &f, err);
cleanup:
    if (img)
        rbd_close(img);
    if (io)
        rados_ioctx_destroy(io);
    free(name);
    return rc;
}

static int ds_monitor(void *drv, const nb_drv_ds *ds, nb_ds_capacity *out, char **err)
{
    nb_ceph_cfg c;
    rados_t cl;
    rados_ioctx_t io = NULL;
    struct rados_cluster_stat_t cs;
    struct rados_pool_stat_t ps;
    int rc = -1, r;

    (void)drv;
    nb_ceph_cfg_of(ds->tmpl, &c);
    if (nb_ceph_ioctx(ds, c.pool, &io, err) < 0 || nb_ceph_cluster(ds, &cl, err) < 0)
        goto cleanup;
    if ((r = rados_cluster_stat(cl, &cs)) < 0 || (r = rados_ioctx_pool_stat(io, &ps)) < 0) {
        *err = nb_ceph_error(ds, r, "cannot read the cluster's usage");
        goto cleanup;
    }
    /* Usage statistics come from the cluster's ceph-mgr; without one the
     * monitors report a cluster of size 0, which is "unknown", not "full". */
    if (cs.kb == 0) {
        *err = nb_ceph_error(ds, 0, "the cluster reports no capacity (usage statistics need "
                             "a running ceph-mgr)");
        goto cleanup;
    }
    out->total_mb = (long long)(cs.kb / 1024);
    out->free_mb = (long long)(cs.kb_avail / 1024);
    out->used_mb = size_mb(ps.num_bytes);
    rc = 0;
cleanup:
    if (io)
        rados_ioctx_destroy(io);
    return rc;
}

static const nb_ds_ops ceph_ds_ops = {
    .init = ds_init,
    .fini = ds_fini,
    .monitor = ds_monitor,
    .import = ds_import,
    .mkimage = ds_mkimage,
    .clone = ds_clone,
    .remove = ds_remove,
    .flatten = ds_flatten,
};

static const nb_driver ceph_ds_driver = {
    .cls = NB_DRIVER_DS, .name = "ceph", .abi = NB_DRIVER_ABI, .ops = &ceph_ds_ops,
};
NB_DRIVER_REGISTER(ceph_ds_driver);
