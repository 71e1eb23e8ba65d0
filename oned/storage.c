#define NB_LOG_MODULE "ImM"
#include "oned/storage.h"

#include <errno.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/image_format.h"
#include "lib/log.h"
#include "lib/util.h"
#include "oned/datastore.h"
#include "oned/engine.h"
#include "oned/fetch.h"
#include "oned/image.h"
#include "oned/model.h"
#include "oned/quota_model.h"
#include "oned/tenancy.h"

/* Worker keys: VM steps use ids >= 0 and host samples -2 - id; images and
 * datastores sit far below, so no two kinds of work share a key. */
static int nb_image_key(int id)
{
    return INT_MIN + id;
}

static int nb_ds_key(int id)
{
    return INT_MIN / 2 + id;
}


/* ---- copies for drivers -------------------------------------------------- */

static void nb_ds_copy_of(const nb_object *o, nb_ds_copy *c)
{
    const nb_datastore *d = nb_datastore_cof(o);

    c->id = o->oid;
    c->name = nb_strdup(o->name);
    c->base_path = nb_strdup(d->base_path);
    c->tm_mad = nb_strdup(d->tm_mad);
    nb_tmpl_init(&c->tmpl);
    nb_tmpl_copy(&c->tmpl, &o->tmpl);
}

static void nb_ds_copy_free(nb_ds_copy *c)
{
    free(c->name);
    free(c->base_path);
    free(c->tm_mad);
    nb_tmpl_free(&c->tmpl);
}

static nb_drv_ds nb_drv_ds_of(const nb_ds_copy *c)
{
    return (nb_drv_ds){ c->id, c->name, c->base_path, &c->tmpl };
}

static const nb_ds_copy *nb_ds_set_find(const nb_ds_set *s, int id)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->v[i].id == id)
            return &s->v[i];
    return NULL;
}

/* DATASTORE_ID of an image DISK, -1 if it has none. */
static int nb_disk_ds(const nb_tattr *d)
{
    const char *img = nb_tattr_get(d, "IMAGE_ID"), *ds = nb_tattr_get(d, "DATASTORE_ID");
    long long id;

    if (!img || !*img || !ds || nb_parse_ll(ds, &id) < 0 || id < 0 || id > INT_MAX)
        return -1;
    return (int)id;
}

void nb_storage_ds_copy(const nb_model *m, const nb_tmpl *vm_tmpl, nb_ds_set *out)
{
    const nb_pool *p = nb_model_cpool(m, &nb_datastore_kind);

    out->v = NULL;
    out->n = 0;
    for (size_t i = 0; i < vm_tmpl->n; i++) {
        const nb_tattr *d = &vm_tmpl->attrs[i];
        const nb_object *o;
        int id;

        if (d->value || strcmp(d->name, "DISK") != 0 || (id = nb_disk_ds(d)) < 0 ||
            nb_ds_set_find(out, id) || !(o = nb_pool_get(p, id)))
            continue;
        out->v = nb_realloc(out->v, (out->n + 1) * sizeof(*out->v));
        nb_ds_copy_of(o, &out->v[out->n++]);
    }
}

void nb_ds_set_free(nb_ds_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        nb_ds_copy_free(&s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}

int nb_storage_transfer(nb_engine *e, const nb_ds_set *ds, const nb_drv_host *h,
                        const nb_drv_vm *vm, bool release, char **err)
{
    int ret = 0;

    for (size_t i = 0; i < vm->tmpl->n; i++) {
        const nb_tattr *d = &vm->tmpl->attrs[i];
        const char *tm_mad = nb_tattr_get(d, "TM_MAD");
        const nb_ds_copy *c;
        const nb_tm_ops *ops;
        nb_drv_ds dd;
        void *ctx = NULL;
        char *why = NULL;
        int id, rc;

        if (d->value || strcmp(d->name, "DISK") != 0 || (id = nb_disk_ds(d)) < 0)
            continue;
        if (!tm_mad || !(c = nb_ds_set_find(ds, id))) {
            why = nb_asprintf("DISK %s: datastore %d is gone",
                              nb_tattr_get(d, "DISK_ID") ?: "?", id);
            goto failed;
        }
        if (!(ops = nb_engine_driver(e, NB_DRIVER_TM, tm_mad, &ctx))) {
            why = nb_asprintf("No transfer driver \"%s\" in this oned", tm_mad);
            goto failed;
        }
        if (!(release ? ops->release : ops->prepare))
            continue;
        dd = nb_drv_ds_of(c);
        rc = release ? ops->release(ctx, h, vm, d, &dd, &why)
                     : ops->prepare(ctx, h, vm, d, &dd, &why);
        if (rc == 0)
            continue;
     failed:
        if (!*err)
            *err = why ? why : nb_strdup("transfer driver failure");
        else
            free(why);
        ret = -1;
        if (!release)
            break;
    }
    return ret;
}

/* ---- image work ---------------------------------------------------------- */

typedef enum nb_image_op { NB_IOP_NONE, NB_IOP_IMPORT, NB_IOP_MKIMAGE, NB_IOP_CLONE,
                           NB_IOP_REMOVE } nb_image_op;

typedef struct nb_image_job {
    nb_model *m;
    int id;
} nb_image_job;

/* What the work on one image needs, copied under the read lock. */
typedef struct nb_image_input {
    nb_image_op op;
    char *ds_mad;
    nb_ds_copy ds;
    char *path;                 /* import: PATH */
    char *source;               /* remove: SOURCE; clone: the original's SOURCE */
    char *format;               /* mkimage: FORMAT asked, or NULL */
    char *md5, *sha256;
    char *restricted, *safe;    /* import: where a local PATH may not / may be */
    long long size_mb;
    long long max_bytes;        /* import: 0 = no limit */
    bool flatten;               /* remove: VMs still use it (a forced delete) */
} nb_image_input;

static void nb_image_input_free(nb_image_input *in)
{
    free(in->ds_mad);
    nb_ds_copy_free(&in->ds);
    free(in->path);
    free(in->source);
    free(in->format);
    free(in->md5);
    free(in->sha256);
    free(in->restricted);
    free(in->safe);
}

static nb_image_op nb_image_op_of(const nb_image *img)
{
    if (img->state == NB_IMG_DELETE)
        return NB_IOP_REMOVE;
    if (img->state != NB_IMG_LOCKED)
        return NB_IOP_NONE;
    if (img->cloning_id >= 0)
        return NB_IOP_CLONE;
    return *img->path ? NB_IOP_IMPORT : NB_IOP_MKIMAGE;
}

static char *nb_attr_dup(const nb_tmpl *t, const char *name)
{
    const char *v = nb_tmpl_get(t, name);
    return v && *v ? nb_strdup(v) : NULL;
}

/* Whether the datastore's capacity bounds what goes in: its template's
 * DATASTORE_CAPACITY_CHECK, else oned.conf's (default yes). */
static bool nb_capacity_checked(const nb_model *m, const nb_object *ds)
{
    const char *v = nb_tmpl_get(&ds->tmpl, "DATASTORE_CAPACITY_CHECK");
    return v && *v ? nb_strcaseeq(v, "YES") : m->cfg->ds_capacity_check;
}

long long nb_storage_free_mb(const nb_model *m, const nb_object *ds)
{
    const nb_datastore *d = nb_datastore_cof(ds);
    return nb_capacity_checked(m, ds) && d->total_mb > 0 ? d->free_mb : -1;
}

void nb_storage_path_dirs(const nb_object *ds, int uid, int gid, char **restricted,
                          char **safe)
{
    const char *r = nb_tmpl_get(&ds->tmpl, "RESTRICTED_DIRS");
    const char *s = nb_tmpl_get(&ds->tmpl, "SAFE_DIRS");

    /* The oneadmin group imports from anywhere on the front-end. */
    if (uid == 0 || gid == 0) {
        *restricted = *safe = NULL;
        return;
    }
    *restricted = nb_strdup(r && *r ? r : NB_RESTRICTED_DIRS);
    *safe = nb_strdup(s && *s ? s : NB_SAFE_DIRS);
}

/* The largest import oned.conf allows (IMAGE_IMPORT/MAX_SIZE_MB, 0: none),
 * within the datastore's free space when that is checked. */
static long long nb_import_limit(const nb_model *m, const nb_object *ds)
{
    long long max = m->cfg->image_import.max_size_mb * NB_MB;
    long long free_mb = nb_storage_free_mb(m, ds);

    if (free_mb >= 0 && (max == 0 || free_mb * NB_MB < max))
        max = free_mb > 0 ? free_mb * NB_MB : 1;
    return max;
}

static int nb_image_snapshot(nb_model *m, int id, nb_image_input *in)
{
    const nb_object *o, *ds, *orig;
    const nb_image *img;
    int ret = -1;

    memset(in, 0, sizeof(*in));
    nb_tmpl_init(&in->ds.tmpl);
    nb_model_rdlock(m);
    if (!(o = nb_pool_get(nb_model_cpool(m, &nb_image_kind), id)))
        goto cleanup;
    img = nb_image_cof(o);
    if ((in->op = nb_image_op_of(img)) == NB_IOP_NONE ||
        !(ds = nb_pool_get(nb_model_cpool(m, &nb_datastore_kind), img->ds_id)))
        goto cleanup;
    nb_tmpl_free(&in->ds.tmpl);
    nb_ds_copy_of(ds, &in->ds);
    in->ds_mad = nb_strdup(nb_datastore_cof(ds)->ds_mad);
    in->path = nb_strdup(img->path);
    in->source = nb_strdup(img->source);
    in->format = nb_attr_dup(&o->tmpl, "FORMAT");
    in->md5 = nb_attr_dup(&o->tmpl, "MD5");
    in->sha256 = nb_attr_dup(&o->tmpl, "SHA256");
    in->size_mb = img->size_mb;
    in->max_bytes = nb_import_limit(m, ds);
    in->flatten = img->running_vms > 0;
    nb_storage_path_dirs(ds, o->uid, o->gid, &in->restricted, &in->safe);
    if (in->op == NB_IOP_CLONE) {
        /* An original that went away leaves nothing to copy: NULL. */
        orig = nb_pool_get(nb_model_cpool(m, &nb_image_kind), img->cloning_id);
        free(in->source);
        in->source = orig ? nb_strdup(nb_image_cof(orig)->source) : NULL;
    }
    ret = 0;
 cleanup:
    nb_model_unlock(m);
    return ret;
}

/* Progress of an import: TEMPLATE/PROGRESS, saved at most once a second;
 * a deleted image stops the download. */
typedef struct nb_import_progress {
    nb_model *m;
    int id;
    long long last_ns;
    atomic_bool cancel;
} nb_import_progress;

static void nb_import_progress_cb(void *arg, long long done, long long total)
{
    nb_import_progress *p = arg;
    long long now = (long long)nb_mono_ns();
    nb_txn *t;
    nb_object *o;
    char *val;

    if (now - p->last_ns < 1000000000LL)
        return;
    p->last_ns = now;
    t = nb_txn_begin(p->m);
    o = nb_txn_get(t, &nb_image_kind, p->id);
    if (!o || nb_image_cof(o)->state != NB_IMG_LOCKED) {
        atomic_store(&p->cancel, true);
        nb_txn_abort(t);
        return;
    }
    val = nb_fetch_progress_str(done, total);
    nb_tmpl_set(&nb_txn_edit(t, o)->tmpl, "PROGRESS", val);
    free(val);
    if (nb_txn_commit(t, NULL) < 0)
        nb_log_error("Image %d: cannot save the import's progress", p->id);
}

/* Import: the bytes to a staging file under var_dir (fetch), their format,
 * then the datastore driver stores them. */
static int nb_image_import(nb_model *m, int id, const nb_image_input *in, const nb_ds_ops *ops,
                           void *ctx, nb_ds_image *out, char **err)
{
    nb_import_progress p = { .m = m, .id = id };
    char *dir = nb_asprintf("%s/staging", m->var_dir ? m->var_dir : ".");
    char *staged = nb_asprintf("%s/image-%d", dir, id);
    nb_fetch_req req = {
        .source = in->path, .dest = staged, .max_bytes = in->max_bytes, .md5 = in->md5,
        .sha256 = in->sha256, .progress = nb_import_progress_cb, .progress_arg = &p,
        .cancel = &p.cancel,
        .connect_timeout_s = m->cfg->image_import.connect_timeout,
        .stall_timeout_s = m->cfg->image_import.stall_timeout,
        .restricted_dirs = in->restricted, .safe_dirs = in->safe,
    };
    nb_drv_ds ds = nb_drv_ds_of(&in->ds);
    nb_image_fmt fmt;
    int ret = -1;

    atomic_init(&p.cancel, false);
    if (nb_mkdir_p(dir, 0750) < 0) {
        *err = nb_asprintf("cannot create %s: %s", dir, strerror(errno));
        goto cleanup;
    }
    if (nb_fetch(&req, NULL, err) < 0 || nb_image_format_file(staged, &fmt, err) < 0)
        goto cleanup;
    if (ops->import(ctx, &ds, id, staged, fmt.format, out, err) < 0)
        goto cleanup;
    if (out->size_mb <= 0)
        out->size_mb = (fmt.virtual_size + NB_MB - 1) / NB_MB;
    ret = 0;
 cleanup:
    unlink(staged);
    free(staged);
    free(dir);
    return ret;
}

/* Run the driver for the image's work: 0, or -1 with *err. */
static int nb_image_drive(nb_engine *e, nb_model *m, int id, const nb_image_input *in,
                          nb_ds_image *out, char **err)
{
    void *ctx = NULL;
    const nb_ds_ops *ops = nb_engine_driver(e, NB_DRIVER_DS, in->ds_mad, &ctx);
    nb_drv_ds ds = nb_drv_ds_of(&in->ds);

    if (!ops) {
        *err = nb_asprintf("No datastore driver \"%s\" in this oned", in->ds_mad);
        return -1;
    }
    if (!(in->op == NB_IOP_IMPORT ? ops->import != NULL :
          in->op == NB_IOP_MKIMAGE ? ops->mkimage != NULL :
          in->op == NB_IOP_CLONE ? ops->clone != NULL :
          ops->remove != NULL && (!in->flatten || ops->flatten != NULL))) {
        *err = nb_asprintf("The %s datastore driver does not support this operation",
                           in->ds_mad);
        return -1;
    }
    switch (in->op) {
    case NB_IOP_IMPORT:
        return nb_image_import(m, id, in, ops, ctx, out, err);
    case NB_IOP_MKIMAGE:
        return ops->mkimage(ctx, &ds, id, in->size_mb, in->format, out, err);
    case NB_IOP_CLONE:
        if (!in->source) {
            *err = nb_strdup("the image it was cloned from is gone");
            return -1;
        }
        return ops->clone(ctx, &ds, in->source, id, out, err);
    default:
        /* An image that never got stored has nothing to remove; one whose
         * VMs live on lets their disks go first. */
        if (!*in->source)
            return 0;
        if (in->flatten && ops->flatten(ctx, &ds, in->source, err) < 0)
            return -1;
        return ops->remove(ctx, &ds, in->source, err);
    }
}

/* The original of a finished copy: one clone fewer. */
static void nb_image_clone_done(nb_txn *t, const nb_image *img)
{
    nb_object *o = img->cloning_id >= 0 ? nb_txn_get(t, &nb_image_kind, img->cloning_id) : NULL;
    nb_image *orig;

    if (!o)
        return;
    orig = nb_image_of(nb_txn_edit(t, o));
    nb_ids_del(&orig->clones, &orig->nclones, img->o.oid);
    if (orig->cloning_ops > 0)
        orig->cloning_ops--;
    if (orig->cloning_ops == 0 && orig->state == NB_IMG_CLONE) {
        orig->state = orig->prev_state;
        orig->prev_state = NB_IMG_CLONE;
    }
}

void nb_storage_image_gone(nb_txn *t, nb_image *img)
{
    nb_object *ds = nb_txn_get(t, &nb_datastore_kind, img->ds_id);

    if (ds) {
        nb_datastore *d = nb_datastore_of(nb_txn_edit(t, ds));
        nb_ids_del(&d->images, &d->nimages, img->o.oid);
    }
    nb_quota_ds_charge(t, img->o.uid, img->o.gid, img->ds_id, -1, -(double)img->size_mb,
                       false, NULL);
    nb_tenancy_object_deleted(t, NB_ACL_IMAGE, img->o.oid);
    nb_txn_delete(t, &img->o);
}

static void nb_image_error(nb_image *img, const char *why)
{
    char *msg = nb_asprintf("Error %s the image: %s",
                            img->state == NB_IMG_DELETE ? "deleting" : "storing", why);
    nb_log_error("Image %d: %s", img->o.oid, msg);
    nb_tmpl_set(&img->o.tmpl, "ERROR", msg);
    nb_tmpl_remove(&img->o.tmpl, "PROGRESS");
    img->prev_state = img->state;
    img->state = NB_IMG_ERROR;
    free(msg);
}

/* Apply the driver's result to image id; *undo gets the SOURCE of data
 * stored for an image that can no longer have it (deleted meanwhile, over
 * quota), which the caller removes. */
static void nb_image_apply(nb_model *m, int id, const nb_image_input *in, bool ok,
                           nb_ds_image *out, const char *why, char **undo)
{
    nb_txn *t = nb_txn_begin(m);
    nb_object *o = nb_txn_get(t, &nb_image_kind, id);
    nb_image *img;
    char *err = NULL, *quota = NULL;

    if (!o || nb_image_op_of(nb_image_cof(o)) != in->op) {
        /* Deleted (or changed) while the driver worked: what it stored
         * has no image any more, unless the image now waits to remove it. */
        if (ok && in->op != NB_IOP_REMOVE && out->source) {
            if (o && nb_image_cof(o)->state == NB_IMG_DELETE && !*nb_image_cof(o)->source) {
                img = nb_image_of(nb_txn_edit(t, o));
                free(img->source);
                img->source = nb_strdup(out->source);
                nb_storage_image_soon(t, id);
            } else {
                *undo = nb_strdup(out->source);
            }
        }
        goto commit;
    }
    img = nb_image_of(nb_txn_edit(t, o));
    if (in->op == NB_IOP_REMOVE) {
        if (ok)
            nb_storage_image_gone(t, img);
        else
            nb_image_error(img, why);
        goto commit;
    }
    nb_image_clone_done(t, img);
    if (ok && out->size_mb > img->size_mb &&
        nb_quota_ds_charge(t, img->o.uid, img->o.gid, img->ds_id, 0,
                           (double)(out->size_mb - img->size_mb), true, &quota) < 0) {
        *undo = nb_strdup(out->source);
        ok = false;
        why = quota;
    }
    if (!ok) {
        nb_image_error(img, why);
        goto commit;
    }
    nb_quota_ds_charge(t, img->o.uid, img->o.gid, img->ds_id, 0,
                       (double)(out->size_mb - img->size_mb), false, NULL);
    free(img->source);
    img->source = nb_strdup(out->source);
    if (out->format) {
        free(img->format);
        img->format = nb_strdup(out->format);
    }
    img->size_mb = out->size_mb;
    img->prev_state = img->state;
    img->state = NB_IMG_READY;
    img->cloning_id = -1;
    nb_tmpl_remove(&img->o.tmpl, "PROGRESS");
    nb_tmpl_remove(&img->o.tmpl, "ERROR");
 commit:
    if (ok)
        nb_storage_monitor_soon(t, in->ds.id);
    if (nb_txn_commit(t, &err) < 0) {
        nb_log_error("Image %d: cannot save the result of its storage work: %s", id, err);
        free(err);
    }
    free(quota);
}

static void nb_image_work(void *arg)
{
    nb_image_job *j = arg;
    nb_engine *e = j->m->engine;
    nb_image_input in;
    nb_ds_image out = { NULL, NULL, 0 };
    char *why = NULL, *undo = NULL;
    bool ok;

    if (!e || nb_image_snapshot(j->m, j->id, &in) < 0)
        goto cleanup;
    ok = nb_image_drive(e, j->m, j->id, &in, &out, &why) == 0;
    nb_image_apply(j->m, j->id, &in, ok, &out, why ? why : "datastore driver failure", &undo);
    if (undo) {
        /* Stored for nothing: the driver takes it back. */
        void *ctx = NULL;
        const nb_ds_ops *ops = nb_engine_driver(e, NB_DRIVER_DS, in.ds_mad, &ctx);
        nb_drv_ds ds = nb_drv_ds_of(&in.ds);
        char *err = NULL;

        if (ops && ops->remove && ops->remove(ctx, &ds, undo, &err) < 0) {
            nb_log_error("Image %d: cannot remove %s: %s", j->id, undo, err);
            free(err);
        }
    }
 cleanup:
    nb_image_input_free(&in);
    nb_ds_image_free(&out);
    free(why);
    free(undo);
    free(j);
}

static void nb_image_queue(void *arg)
{
    nb_image_job *j = arg;

    if (!j->m->engine) {
        free(j);
        return;
    }
    nb_engine_storage_submit(j->m->engine, nb_image_key(j->id), nb_image_work, free, j);
}

void nb_storage_image_soon(nb_txn *t, int image_id)
{
    nb_image_job *j = nb_malloc(sizeof(*j));

    *j = (nb_image_job){ nb_txn_model(t), image_id };
    nb_txn_on_commit(t, nb_image_queue, free, j);
}

static int nb_image_requeue(nb_txn *t, nb_object *o, void *ctx)
{
    if (nb_image_op_of(nb_image_cof(o)) != NB_IOP_NONE)
        nb_storage_image_soon(t, o->oid);
    return 0;
}

void nb_storage_requeue(nb_txn *t)
{
    nb_txn_foreach(t, &nb_image_kind, nb_image_requeue, NULL);
}

/* ---- datastore capacity -------------------------------------------------- */

typedef struct nb_ds_job {
    nb_model *m;
    int id;
} nb_ds_job;

static void nb_ds_monitor(void *arg)
{
    nb_ds_job *j = arg;
    nb_engine *e = j->m->engine;
    const nb_object *o;
    const nb_ds_ops *ops = NULL;
    nb_ds_copy c = { 0 };
    nb_ds_capacity cap = { 0, 0, 0 };
    nb_drv_ds dd;
    void *ctx = NULL;
    char *err = NULL;
    nb_txn *t;
    nb_object *w;
    nb_datastore *d;
    bool have = false;

    nb_model_rdlock(j->m);
    if (e && (o = nb_pool_get(nb_model_cpool(j->m, &nb_datastore_kind), j->id)) &&
        (ops = nb_engine_driver(e, NB_DRIVER_DS, nb_datastore_cof(o)->ds_mad, &ctx)) &&
        ops->monitor) {
        nb_ds_copy_of(o, &c);
        have = true;
    }
    nb_model_unlock(j->m);
    if (!have)
        goto cleanup;
    dd = nb_drv_ds_of(&c);
    if (ops->monitor(ctx, &dd, &cap, &err) < 0) {
        nb_log_error("Datastore %d: cannot read its capacity: %s", j->id, err);
        goto cleanup;
    }
    t = nb_txn_begin(j->m);
    w = nb_txn_get(t, &nb_datastore_kind, j->id);
    if (!w || (nb_datastore_cof(w)->total_mb == cap.total_mb &&
               nb_datastore_cof(w)->free_mb == cap.free_mb &&
               nb_datastore_cof(w)->used_mb == cap.used_mb)) {
        nb_txn_abort(t);
        goto cleanup;
    }
    d = nb_datastore_of(nb_txn_edit(t, w));
    d->total_mb = cap.total_mb;
    d->free_mb = cap.free_mb;
    d->used_mb = cap.used_mb;
    if (nb_txn_commit(t, &err) < 0)
        nb_log_error("Datastore %d: cannot save its capacity: %s", j->id, err);
 cleanup:
    if (have)
        nb_ds_copy_free(&c);
    free(err);
    free(j);
}

static void nb_ds_queue(void *arg)
{
    nb_ds_job *j = arg;

    if (!j->m->engine) {
        free(j);
        return;
    }
    nb_engine_storage_submit(j->m->engine, nb_ds_key(j->id), nb_ds_monitor, free, j);
}

void nb_storage_monitor_soon(nb_txn *t, int ds_id)
{
    nb_ds_job *j = nb_malloc(sizeof(*j));

    *j = (nb_ds_job){ nb_txn_model(t), ds_id };
    nb_txn_on_commit(t, nb_ds_queue, free, j);
}

void nb_storage_monitor_all(nb_model *m)
{
    const nb_pool *p;
    int *ids;
    size_t n;

    nb_model_rdlock(m);
    p = nb_model_cpool(m, &nb_datastore_kind);
    n = p->n;
    ids = nb_calloc(n + 1, sizeof(*ids));
    for (size_t i = 0; i < n; i++)
        ids[i] = p->objs[i]->oid;
    nb_model_unlock(m);
    for (size_t i = 0; i < n; i++) {
        nb_ds_job *j = nb_malloc(sizeof(*j));
        *j = (nb_ds_job){ m, ids[i] };
        nb_ds_queue(j);
    }
    free(ids);
}
