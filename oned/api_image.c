/*
 * one.image.* and one.imagepool.info (reference §2.8, §3.8).  Storing,
 * copying and removing image data is the datastore driver's work, which
 * runs after the call (storage.h): the call leaves the image LOCKED or
 * DELETE and returns at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "lib/util.h"
#include "drivers/datastore.h"
#include "oned/api.h"
#include "oned/datastore.h"
#include "oned/engine.h"
#include "oned/fetch.h"
#include "oned/image.h"
#include "oned/quota_model.h"
#include "oned/storage.h"
#include "oned/vm.h"

#define K (&nb_image_kind)

/* Attributes that are the image's own fields, not TEMPLATE's. */
static const char *const nb_image_fields[] = {
    "NAME", "PATH", "SOURCE", "TYPE", "PERSISTENT", "SIZE",
};

/* Image datastore id, which the caller must USE, enabled. */
static int nb_image_datastore(nb_call *c, int id, const nb_object **ds)
{
    const nb_datastore *d;

    if (!(*ds = nb_txn_get(c->txn, &nb_datastore_kind, id)))
        return nb_fail_missing(c, &nb_datastore_kind, id);
    if (nb_gate_check(c, *ds, NB_OP_USE) < 0)
        return -1;
    d = nb_datastore_cof(*ds);
    if (d->type != NB_DS_IMAGE && d->type != NB_DS_FILE)
        return nb_fail(c, NB_E_ACTION, (*ds)->oid, "Datastore %d is not an image datastore: "
                       "images cannot be stored in it.", (*ds)->oid);
    if (d->state != 0)
        return nb_fail(c, NB_E_ACTION, (*ds)->oid, "Datastore %d is disabled.", (*ds)->oid);
    return 0;
}

/* Room for size_mb in ds, unless the caller (an admin) waived the check. */
static int nb_image_room(nb_call *c, const nb_object *ds, long long size_mb, bool waive)
{
    long long free_mb = nb_storage_free_mb(c->model, ds);

    if (free_mb < 0 || size_mb <= free_mb || (waive && nb_subject_is_admin(&c->subj)))
        return 0;
    return nb_fail(c, NB_E_ACTION, ds->oid, "Not enough space in datastore %d: the image needs "
                   "%lld MB, %lld MB are free.", ds->oid, size_mb, free_mb);
}

/* The owner's and group's datastore quota for one more image of size_mb. */
static int nb_image_quota(nb_call *c, int uid, int gid, int ds_id, long long size_mb)
{
    char *why = NULL;

    if (nb_quota_ds_charge(c->txn, uid, gid, ds_id, 1, (double)size_mb, true, &why) < 0) {
        nb_fail(c, NB_E_AUTHORIZATION, -1, "User [%d] : %s", c->uid, why);
        free(why);
        return -1;
    }
    nb_quota_ds_charge(c->txn, uid, gid, ds_id, 1, (double)size_mb, false, NULL);
    return 0;
}

/* A new image of the caller in ds, LOCKED (its data still to be made),
 * registered in its datastore; nb_image_insert publishes it. */
static nb_image *nb_image_new(nb_call *c, const char *name, const nb_object *ds)
{
    int gid = c->subj.gid;
    nb_object *o = nb_object_new(K);
    nb_image *img = nb_image_of(o);
    nb_datastore *d;

    o->oid = nb_txn_next_oid(c->txn, K, 0);
    o->name = nb_strdup(name);
    o->uid = c->uid;
    o->gid = gid;
    o->perms = nb_api_new_perms(c, gid);
    img->regtime = nb_now();
    img->disk_type = nb_datastore_cof(ds)->disk_type;
    img->source = nb_strdup("");
    img->path = nb_strdup("");
    img->format = nb_strdup("");
    img->fs = nb_strdup("");
    img->state = NB_IMG_LOCKED;
    img->prev_state = NB_IMG_INIT;
    img->cloning_id = -1;
    img->ds_id = ds->oid;
    img->ds_name = nb_strdup(ds->name);
    d = nb_datastore_of(nb_txn_edit(c->txn, ds));
    nb_ids_add(&d->images, &d->nimages, o->oid);
    return img;
}

/* In the pool, its work queued once the call commits; replies its id. */
static void nb_image_insert(nb_call *c, nb_image *img)
{
    nb_txn_insert(c->txn, &img->o);
    nb_storage_image_soon(c->txn, img->o.oid);
    nb_reply_int(c, img->o.oid);
}

/* SIZE in MB (> 0), or -1 when t has none; -2 when it is not a number. */
static long long nb_tmpl_size(const nb_tmpl *t)
{
    const char *s = nb_tmpl_get(t, "SIZE");
    long long mb;

    if (!s || !*s)
        return -1;
    return nb_parse_ll(s, &mb) == 0 && mb > 0 ? mb : -2;
}

/* The size of PATH when it is a file on oned's machine the caller may
 * import from ds, in MB rounded up; 0 for URLs (known once downloaded).
 * -1 with the error set. */
static long long nb_path_size(nb_call *c, const nb_object *ds, const char *path)
{
    char *restricted, *safe, *real;
    struct stat st;
    bool refused;

    if (nb_fetch_is_url(path)) {
        if (strncmp(path, "http://", 7) != 0 && strncmp(path, "https://", 8) != 0)
            return nb_fail(c, NB_E_ACTION, -1, "PATH %s: only http:// and https:// URLs can "
                           "be imported.", path);
        return 0;
    }
    if (path[0] != '/')
        return nb_fail(c, NB_E_ACTION, -1, "PATH %s: give an absolute path on the front-end "
                       "or an http(s) URL.", path);
    if (stat(path, &st) < 0 || !(real = realpath(path, NULL)))
        return nb_fail(c, NB_E_ACTION, -1, "PATH %s: %s.", path, strerror(errno));
    nb_storage_path_dirs(ds, c->uid, c->subj.gid, &restricted, &safe);
    refused = restricted && nb_path_under(real, restricted) && !nb_path_under(real, safe);
    free(restricted);
    free(safe);
    free(real);
    if (refused)
        return nb_fail(c, NB_E_ACTION, -1, "PATH %s: images are imported from the front-end "
                       "only from the datastore's SAFE_DIRS; give an http(s) URL.", path);
    if (!S_ISREG(st.st_mode))
        return nb_fail(c, NB_E_ACTION, -1, "PATH %s: not a regular file.", path);
    return (st.st_size + NB_MB - 1) / NB_MB;
}

/* allocate(template, ds_id, no_check_capacity?) */
static int nb_image_allocate(nb_call *c)
{
    const char *text = nb_arg_str(c, 0, "");
    nb_tmpl t = NB_TMPL_INIT;
    const nb_object *ds;
    const char *name, *path, *type_s, *pers;
    long long size;
    nb_image *img;
    char *err = NULL;
    int type, ret = -1;

    if (nb_tmpl_parse(&t, text, strlen(text), &err) < 0) {
        nb_fail(c, NB_E_INTERNAL, -1, "%s", err);
        free(err);
        goto cleanup;
    }
    name = nb_tmpl_get(&t, "NAME");
    path = nb_tmpl_get(&t, "PATH");
    type_s = nb_tmpl_get(&t, "TYPE");
    pers = nb_tmpl_get(&t, "PERSISTENT");
    if (nb_gate_check_create(c, K, c->subj.gid) < 0 ||
        nb_image_datastore(c, (int)nb_arg_int(c, 1, -1), &ds) < 0 ||
        nb_api_check_name(c, K, name ? name : "", -1) < 0)
        goto cleanup;
    type = type_s && *type_s ? nb_image_type_parse(type_s)
                             : path && *path ? NB_IMG_OS : NB_IMG_DATABLOCK;
    if (type < 0) {
        nb_fail(c, NB_E_ACTION, -1, "Unknown image TYPE %s: use OS, CDROM, DATABLOCK, KERNEL, "
                "RAMDISK or CONTEXT.", type_s);
        goto cleanup;
    }
    if (nb_tmpl_get(&t, "SOURCE")) {
        nb_fail(c, NB_E_ACTION, -1, "SOURCE cannot be given: the datastore driver sets it. "
                "Give PATH (a file or an http(s) URL), or SIZE for an empty DATABLOCK.");
        goto cleanup;
    }
    if (path && *path) {
        if ((size = nb_path_size(c, ds, path)) < 0)
            goto cleanup;
    } else if (type != NB_IMG_DATABLOCK) {
        nb_fail(c, NB_E_ACTION, -1, "No PATH in template: an image of type %s needs PATH (a "
                "file on the front-end or an http(s) URL).", nb_image_type_name(type));
        goto cleanup;
    } else if ((size = nb_tmpl_size(&t)) < 0) {
        nb_fail(c, NB_E_ACTION, -1, "A DATABLOCK without PATH needs SIZE, a positive number of "
                "MB.");
        goto cleanup;
    }
    if (nb_image_room(c, ds, size, nb_arg_bool(c, 2, false)) < 0 ||
        nb_image_quota(c, c->uid, c->subj.gid, ds->oid, size) < 0)
        goto cleanup;
    img = nb_image_new(c, name, ds);
    img->type = type;
    img->persistent = pers && nb_strcaseeq(pers, "YES");
    img->size_mb = size;
    if (path && *path) {
        free(img->path);
        img->path = nb_strdup(path);
    }
    nb_tmpl_copy(&img->o.tmpl, &t);
    for (size_t i = 0; i < NB_ARRAY_SIZE(nb_image_fields); i++)
        nb_tmpl_remove(&img->o.tmpl, nb_image_fields[i]);
    nb_image_insert(c, img);
    ret = 0;
 cleanup:
    nb_tmpl_free(&t);
    return ret;
}

/* clone(id, name, ds_id?): as oned, IMAGE:CREATE, USE on the original,
 * then USE on the target datastore, which must be the original's (-1). */
static int nb_image_clone(nb_call *c)
{
    int id = (int)nb_arg_int(c, 0, -1), ds_id = (int)nb_arg_int(c, 2, -1);
    const char *name = nb_arg_str(c, 1, "");
    const nb_object *o, *ds;
    const nb_image *orig;
    nb_image *img, *src;

    if (!(o = nb_txn_get(c->txn, K, id)))
        return nb_fail_missing(c, K, id);
    c->target_id = id;
    orig = nb_image_cof(o);
    if (nb_gate_check_create(c, K, c->subj.gid) < 0 || nb_gate_check(c, o, NB_OP_USE) < 0 ||
        nb_image_datastore(c, ds_id < 0 ? orig->ds_id : ds_id, &ds) < 0)
        return -1;
    if (ds->oid != orig->ds_id)
        return nb_fail(c, NB_E_ACTION, ds->oid, "Images are cloned within their datastore: "
                       "image %d is in datastore %d.", id, orig->ds_id);
    if (orig->state != NB_IMG_READY && orig->state != NB_IMG_USED && orig->state != NB_IMG_CLONE)
        return nb_fail(c, NB_E_ACTION, id, "Cannot clone image %d in state %s.", id,
                       nb_image_state_name(orig->state));
    if (nb_api_check_name(c, K, name, -1) < 0 || nb_image_room(c, ds, orig->size_mb, false) < 0 ||
        nb_image_quota(c, c->uid, c->subj.gid, ds->oid, orig->size_mb) < 0)
        return -1;
    img = nb_image_new(c, name, ds);
    img->type = orig->type;
    img->size_mb = orig->size_mb;
    img->cloning_id = id;
    free(img->format);
    img->format = nb_strdup(orig->format);
    nb_tmpl_copy(&img->o.tmpl, &o->tmpl);
    nb_tmpl_remove(&img->o.tmpl, "ERROR");
    src = nb_image_of(nb_txn_edit(c->txn, o));
    src->cloning_ops++;
    nb_ids_add(&src->clones, &src->nclones, img->o.oid);
    if (src->state == NB_IMG_READY) {
        src->prev_state = src->state;
        src->state = NB_IMG_CLONE;
    }
    nb_image_insert(c, img);
    return 0;
}

/* May force delete image cur while VMs use it?  Their disks must be
 * copy-on-write clones that exist already, which the datastore driver can
 * make independent of the image (flatten).  0, or -1 with the error. */
static int nb_image_delete_used(nb_call *c, const nb_image *cur)
{
    const nb_object *ds = nb_txn_get(c->txn, &nb_datastore_kind, cur->ds_id);
    const nb_ds_ops *ops = NULL;
    void *ctx;

    if (cur->persistent)
        return nb_fail(c, NB_E_ACTION, cur->o.oid, "Cannot delete image %d: it is persistent "
                       "and VM %d uses it in place.", cur->o.oid, cur->nvms ? cur->vms[0] : -1);
    if (ds && c->model->engine)
        ops = nb_engine_driver(c->model->engine, NB_DRIVER_DS, nb_datastore_cof(ds)->ds_mad,
                               &ctx);
    if (!ops || !ops->flatten)
        return nb_fail(c, NB_E_ACTION, cur->o.oid, "Cannot delete image %d: the VMs using it "
                       "depend on it and its datastore driver cannot make their disks "
                       "independent; terminate them first.", cur->o.oid);
    for (size_t i = 0; i < cur->nvms; i++) {
        const nb_object *vo = nb_txn_get(c->txn, &nb_vm_kind, cur->vms[i]);
        int state = vo ? nb_vm_cof(vo)->phase.state : NB_VM_DONE;
        if (state == NB_VM_PENDING || state == NB_VM_HOLD)
            return nb_fail(c, NB_E_ACTION, cur->o.oid, "Cannot delete image %d: VM %d has "
                           "not started, its disk is still to be made from the image.",
                           cur->o.oid, cur->vms[i]);
    }
    return 0;
}

/* delete(id, force?): never while copies are made from it, nor while VMs
 * use it, unless forced: their disks are then flattened first. */
static int nb_image_delete(nb_call *c)
{
    const nb_image *cur = nb_image_cof(c->obj);
    nb_image *img;

    if (cur->running_vms > 0 && !nb_arg_bool(c, 1, false))
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Cannot delete image %d: it is used by %d "
                       "VM%s (force flattens their disks first where the datastore can).",
                       c->obj->oid, cur->running_vms, cur->running_vms == 1 ? "" : "s");
    if (cur->running_vms > 0 && nb_image_delete_used(c, cur) < 0)
        return -1;
    if (cur->cloning_ops > 0)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Cannot delete image %d: it is being "
                       "cloned.", c->obj->oid);
    if (cur->state == NB_IMG_DELETE)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Image %d is already being deleted.",
                       c->obj->oid);
    img = nb_image_of(nb_txn_edit(c->txn, c->obj));
    if (img->cloning_id >= 0 && img->state == NB_IMG_LOCKED) {
        /* A copy in flight: its original counts one clone fewer now. */
        nb_object *o = nb_txn_get(c->txn, K, img->cloning_id);
        if (o) {
            nb_image *src = nb_image_of(nb_txn_edit(c->txn, o));
            nb_ids_del(&src->clones, &src->nclones, img->o.oid);
            if (src->cloning_ops > 0 && --src->cloning_ops == 0 && src->state == NB_IMG_CLONE)
                src->state = src->prev_state;
        }
        img->cloning_id = -1;
    }
    img->prev_state = img->state;
    img->state = NB_IMG_DELETE;
    nb_storage_image_soon(c->txn, img->o.oid);
    nb_reply_int(c, img->o.oid);
    return 0;
}

/* enable(id, bool): READY <-> DISABLED. */
static int nb_image_enable(nb_call *c)
{
    bool on = nb_arg_bool(c, 1, true);
    const nb_image *cur = nb_image_cof(c->obj);
    nb_image *img;

    if (cur->state != NB_IMG_READY && cur->state != NB_IMG_DISABLED)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Cannot %s image %d in state %s: only "
                       "READY images can be disabled, and DISABLED ones enabled.",
                       on ? "enable" : "disable", c->obj->oid, nb_image_state_name(cur->state));
    img = nb_image_of(nb_txn_edit(c->txn, c->obj));
    img->prev_state = img->state;
    img->state = on ? NB_IMG_READY : NB_IMG_DISABLED;
    nb_reply_int(c, img->o.oid);
    return 0;
}

/* persistent(id, bool): not while VMs use it (their disks are clones or
 * the image itself). */
static int nb_image_persistent(nb_call *c)
{
    const nb_image *cur = nb_image_cof(c->obj);
    bool on = nb_arg_bool(c, 1, true);

    if (cur->running_vms > 0)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Cannot change the persistent attribute of "
                       "image %d: it is used by %d VM%s.", c->obj->oid, cur->running_vms,
                       cur->running_vms == 1 ? "" : "s");
    if (cur->type == NB_IMG_CDROM && on)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "CDROM images cannot be persistent.");
    nb_image_of(nb_txn_edit(c->txn, c->obj))->persistent = on;
    nb_reply_int(c, c->obj->oid);
    return 0;
}

/* chtype(id, type) */
static int nb_image_chtype(nb_call *c)
{
    const char *s = nb_arg_str(c, 1, "");
    int type = nb_image_type_parse(s);
    const nb_image *cur = nb_image_cof(c->obj);

    if (type < 0)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Unknown image type %s.", s);
    if (cur->running_vms > 0)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "Cannot change the type of image %d: it is "
                       "used by VMs.", c->obj->oid);
    if (type == NB_IMG_CDROM && cur->persistent)
        return nb_fail(c, NB_E_ACTION, c->obj->oid, "CDROM images cannot be persistent.");
    nb_image_of(nb_txn_edit(c->txn, c->obj))->type = type;
    nb_reply_int(c, c->obj->oid);
    return 0;
}

/* snapshotdelete/revert/flatten(id, snap_id): image snapshots come from
 * disk snapshots of persistent images, which Nubes does not take, so no
 * snapshot id exists. */
static int nb_image_snapshot(nb_call *c)
{
    return nb_fail(c, NB_E_ACTION, c->obj->oid, "Image %d has no snapshot %lld.", c->obj->oid,
                   nb_arg_int(c, 1, -1));
}

/* chown(id, uid, gid): the image's datastore quota moves with it. */
static int nb_image_chown(nb_call *c)
{
    const nb_image *old = nb_image_cof(c->obj);
    const nb_object *now;

    if (nb_api_chown(c) < 0)
        return -1;
    now = nb_txn_get(c->txn, K, c->obj->oid);
    if (now->uid == old->o.uid && now->gid == old->o.gid)
        return 0;
    nb_quota_ds_charge(c->txn, old->o.uid, old->o.gid, old->ds_id, -1, -(double)old->size_mb,
                       false, NULL);
    return nb_image_quota(c, now->uid, now->gid, old->ds_id, old->size_mb);
}

static int nb_imagepool_info(nb_call *c)
{
    return nb_api_pool_filtered(c, K);
}

#define W NB_M_WRITE
#define X NB_M_LOCK_EXEMPT
const nb_method nb_api_image_methods[] = {
    NB_METHOD("one.image.allocate", "si|b", NULL, -1, NB_OP_CREATE, W, nb_image_allocate),
    /* No target check: oned authorizes CREATE before USE on the original. */
    NB_METHOD("one.image.clone", "is|i", NULL, -1, NB_OP_USE, W, nb_image_clone),
    NB_METHOD("one.image.delete", "i|b", K, 0, NB_OP_MANAGE, W, nb_image_delete),
    NB_METHOD("one.image.enable", "ib", K, 0, NB_OP_MANAGE, W, nb_image_enable),
    NB_METHOD("one.image.persistent", "ib", K, 0, NB_OP_MANAGE, W, nb_image_persistent),
    NB_METHOD("one.image.chtype", "is", K, 0, NB_OP_MANAGE, W, nb_image_chtype),
    NB_METHOD("one.image.snapshotdelete", "ii", K, 0, NB_OP_MANAGE, W, nb_image_snapshot),
    NB_METHOD("one.image.snapshotrevert", "ii", K, 0, NB_OP_MANAGE, W, nb_image_snapshot),
    NB_METHOD("one.image.snapshotflatten", "ii", K, 0, NB_OP_MANAGE, W, nb_image_snapshot),
    NB_METHOD("one.image.info", "i|b", K, 0, NB_OP_USE, X, nb_api_info),
    NB_METHOD("one.image.update", "is|i", K, 0, NB_OP_MANAGE, W, nb_api_update),
    NB_METHOD("one.image.rename", "is", K, 0, NB_OP_MANAGE, W, nb_api_rename),
    NB_METHOD("one.image.chmod", "iiiiiiiiii", K, 0, NB_OP_MANAGE, W, nb_api_chmod),
    NB_METHOD("one.image.chown", "iii", K, 0, NB_OP_MANAGE, W, nb_image_chown),
    NB_METHOD("one.image.lock", "ii|b", K, 0, NB_OP_MANAGE, W | X, nb_api_lock),
    NB_METHOD("one.image.unlock", "i", K, 0, NB_OP_MANAGE, W | X, nb_api_unlock),
    NB_METHOD("one.imagepool.info", "iii", NULL, -1, NB_OP_USE, 0, nb_imagepool_info),
    NB_METHOD_END,
};
