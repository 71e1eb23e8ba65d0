#include "oned/image_disks.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/util.h"
#include "drivers/datastore.h"
#include "oned/datastore.h"
#include "oned/engine.h"
#include "oned/gate.h"
#include "oned/image.h"
#include "oned/model.h"
#include "oned/user.h"

/* Empty members count as absent. */
static const char *nb_member(const nb_tattr *v, const char *name)
{
    const char *s = nb_tattr_get(v, name);
    return s && *s ? s : NULL;
}

static bool nb_is_disk(const nb_tattr *a)
{
    return !a->value && strcmp(a->name, "DISK") == 0;
}

static bool nb_names_image(const nb_tattr *d)
{
    return nb_member(d, "IMAGE_ID") || nb_member(d, "IMAGE");
}

/* The image a DISK names: IMAGE_ID, or IMAGE owned by IMAGE_UID, IMAGE_UNAME
 * or else the VM's owner.  NULL with the call's error set. */
static const nb_object *nb_disk_image(nb_call *c, const nb_tattr *d, int uid)
{
    const char *id = nb_member(d, "IMAGE_ID"), *name = nb_member(d, "IMAGE");
    const char *owner = nb_member(d, "IMAGE_UID"), *uname = nb_member(d, "IMAGE_UNAME");
    const nb_object *o = NULL;
    long long n;

    if (id) {
        if (nb_parse_ll(id, &n) < 0 || n < 0 || n > INT_MAX ||
            !(o = nb_txn_get(c->txn, &nb_image_kind, (int)n))) {
            nb_fail(c, NB_E_NO_EXISTS, -1, "Error getting image [%s].", id);
            return NULL;
        }
        return o;
    }
    if (owner) {
        if (nb_parse_ll(owner, &n) < 0 || n < 0 || n > INT_MAX) {
            nb_fail(c, NB_E_ACTION, -1, "DISK: IMAGE_UID %s is not a user id.", owner);
            return NULL;
        }
        uid = (int)n;
    } else if (uname) {
        const nb_object *u = nb_txn_get_by_name(c->txn, &nb_user_kind, uname);
        if (!u) {
            nb_fail(c, NB_E_NO_EXISTS, -1, "DISK: user %s does not exist.", uname);
            return NULL;
        }
        uid = u->oid;
    }
    if (!(o = nb_txn_get_by_owner_name(c->txn, &nb_image_kind, uid, name)))
        nb_fail(c, NB_E_NO_EXISTS, -1, "DISK: user %d has no image named \"%s\".", uid, name);
    return o;
}

static void nb_set_int(nb_tattr *d, const char *name, long long v)
{
    char num[24];
    snprintf(num, sizeof(num), "%lld", v);
    nb_tattr_set(d, name, num);
}

/* Datastore template attributes the drivers read from the DISK. */
static const char *const nb_ds_disk_attrs[] = {
    "POOL_NAME", "CEPH_HOST", "CEPH_USER", "CEPH_SECRET",
};

/* Whether the hosts see the datastore's paths (datastore.h's rule). */
static bool nb_ds_shared(nb_call *c, const nb_object *ds)
{
    const nb_tm_ops *tm = NULL;
    void *ctx;

    if (c->model->engine)
        tm = nb_engine_driver(c->model->engine, NB_DRIVER_TM, nb_datastore_cof(ds)->tm_mad,
                              &ctx);
    return nb_drv_ds_shared(&ds->tmpl, tm);
}

/* Fill DISK d from image img in datastore ds (datastore.h's contract). */
static void nb_disk_fill(nb_call *c, nb_tattr *d, const nb_image *img, const nb_object *ds)
{
    const nb_datastore *dd = nb_datastore_cof(ds);
    bool cdrom = img->type == NB_IMG_CDROM, rbd = dd->disk_type == 3;
    const char *v;

    nb_set_int(d, "IMAGE_ID", img->o.oid);
    nb_tattr_set(d, "IMAGE", img->o.name);
    nb_set_int(d, "IMAGE_UID", img->o.uid);
    nb_tattr_set(d, "IMAGE_UNAME", nb_model_user_name(c->model, img->o.uid));
    nb_set_int(d, "DATASTORE_ID", ds->oid);
    nb_tattr_set(d, "DATASTORE", ds->name);
    nb_tattr_set(d, "SOURCE", img->source);
    nb_tattr_set(d, "FORMAT", img->format);
    nb_set_int(d, "SIZE", img->size_mb);
    nb_tattr_set(d, "TYPE", rbd ? cdrom ? "RBD_CDROM" : "RBD" : cdrom ? "CDROM" : "FILE");
    /* CD-ROMs are read-only and used in place, as persistent images are. */
    nb_tattr_set(d, "CLONE", img->persistent || cdrom ? "NO" : "YES");
    nb_tattr_set(d, "PERSISTENT", img->persistent ? "YES" : "NO");
    if (cdrom)
        nb_tattr_set(d, "READONLY", "YES");
    nb_tattr_set(d, "TM_MAD", dd->tm_mad);
    nb_tattr_set(d, "SHARED", nb_ds_shared(c, ds) ? "YES" : "NO");
    for (size_t i = 0; i < NB_ARRAY_SIZE(nb_ds_disk_attrs); i++)
        if ((v = nb_tmpl_get(&ds->tmpl, nb_ds_disk_attrs[i])) && *v)
            nb_tattr_set(d, nb_ds_disk_attrs[i], v);
    if (!nb_member(d, "DEV_PREFIX") && (v = nb_tmpl_get(&img->o.tmpl, "DEV_PREFIX")) && *v)
        nb_tattr_set(d, "DEV_PREFIX", v);
    if (!nb_member(d, "DRIVER") && (v = nb_tmpl_get(&img->o.tmpl, "DRIVER")) && *v)
        nb_tattr_set(d, "DRIVER", v);
}

/* "CLUSTER_ID = a | CLUSTER_ID = b" for the datastore's clusters, added
 * (with &) to the VM's AUTOMATIC_REQUIREMENTS. */
static void nb_require_clusters(nb_tmpl *t, const nb_datastore *d)
{
    const char *old = nb_tmpl_get(t, "AUTOMATIC_REQUIREMENTS");
    nb_buf b = NB_BUF_INIT;
    char *req;

    if (!d->nclusters)
        return;
    nb_buf_addc(&b, '(');
    for (size_t i = 0; i < d->nclusters; i++)
        nb_buf_addf(&b, "%sCLUSTER_ID = %d", i ? " | " : "", d->clusters[i]);
    nb_buf_addc(&b, ')');
    req = nb_buf_steal(&b, NULL);
    if (old && strstr(old, req)) {
        free(req);
        return;
    }
    if (old && *old) {
        char *both = nb_asprintf("%s & %s", old, req);
        free(req);
        req = both;
    }
    nb_tmpl_set(t, "AUTOMATIC_REQUIREMENTS", req);
    free(req);
}

/* Take the image of DISK d for VM vmid; *ds its datastore. */
static int nb_take(nb_call *c, nb_tattr *d, int vmid, int uid, const nb_datastore **ds_out)
{
    const nb_object *o = nb_disk_image(c, d, uid), *ds;
    const nb_image *img;
    nb_image *w;

    if (!o || nb_gate_check(c, o, NB_OP_USE) < 0)
        return -1;
    img = nb_image_cof(o);
    if (img->type != NB_IMG_OS && img->type != NB_IMG_CDROM && img->type != NB_IMG_DATABLOCK)
        return nb_fail(c, NB_E_ACTION, o->oid, "Image %d of type %s cannot be a VM disk.",
                       o->oid, nb_image_type_name(img->type));
    if (img->state == NB_IMG_USED_PERS || (img->persistent && img->state == NB_IMG_USED))
        return nb_fail(c, NB_E_ACTION, o->oid, "Cannot acquire image %d, it is persistent and "
                       "already in use.", o->oid);
    if (img->state != NB_IMG_READY && img->state != NB_IMG_USED)
        return nb_fail(c, NB_E_ACTION, o->oid, "Cannot acquire image %d, it is in state %s.",
                       o->oid, nb_image_state_name(img->state));
    if (!(ds = nb_txn_get(c->txn, &nb_datastore_kind, img->ds_id)))
        return nb_fail(c, NB_E_NO_EXISTS, o->oid, "Error getting datastore [%d].", img->ds_id);
    nb_disk_fill(c, d, img, ds);
    w = nb_image_of(nb_txn_edit(c->txn, o));
    /* RUNNING_VMS counts VMs, as OpenNebula: a second DISK adds none. */
    if (!nb_ids_has(w->vms, w->nvms, vmid)) {
        w->running_vms++;
        nb_ids_add(&w->vms, &w->nvms, vmid);
    }
    if (w->state == NB_IMG_READY) {
        w->prev_state = w->state;
        w->state = w->persistent ? NB_IMG_USED_PERS : NB_IMG_USED;
    }
    *ds_out = nb_datastore_cof(ds);
    return 0;
}

int nb_image_disk_acquire(nb_call *c, nb_tmpl *vm_tmpl, nb_tattr *disk, int vmid, int uid)
{
    const nb_datastore *ds;

    if (nb_take(c, disk, vmid, uid, &ds) < 0)
        return -1;
    nb_require_clusters(vm_tmpl, ds);
    return 0;
}

int nb_image_disks_acquire(nb_call *c, nb_tmpl *vm_tmpl, int vmid, int uid)
{
    const nb_datastore **ds = nb_calloc(vm_tmpl->n + 1, sizeof(*ds));
    size_t n = 0;
    int ret = 0;

    /* Requirements are set once every DISK is taken: setting an attribute
     * may move the template's vectors. */
    for (size_t i = 0; i < vm_tmpl->n && ret == 0; i++) {
        nb_tattr *d = &vm_tmpl->attrs[i];
        if (nb_is_disk(d) && nb_names_image(d))
            ret = nb_take(c, d, vmid, uid, &ds[n++]);
    }
    for (size_t i = 0; i < n && ret == 0; i++)
        nb_require_clusters(vm_tmpl, ds[i]);
    free(ds);
    return ret;
}

/* One DISK's image lets the VM go; `still` tells whether another DISK of
 * the VM keeps using it. */
static void nb_release(nb_txn *t, const nb_tattr *d, int vmid, bool still)
{
    const char *id = nb_member(d, "IMAGE_ID");
    nb_object *o;
    nb_image *img;
    long long n;

    if (still || !id || nb_parse_ll(id, &n) < 0 || n < 0 || n > INT_MAX ||
        !(o = nb_txn_get(t, &nb_image_kind, (int)n)))
        return;
    img = nb_image_of(nb_txn_edit(t, o));
    if (nb_ids_del(&img->vms, &img->nvms, vmid) && img->running_vms > 0)
        img->running_vms--;
    if (img->running_vms == 0 && (img->state == NB_IMG_USED || img->state == NB_IMG_USED_PERS)) {
        img->prev_state = img->state;
        img->state = NB_IMG_READY;
    }
}

/* Whether a DISK of t from position `from` on, other than skip, uses
 * image `id`. */
static bool nb_uses_image(const nb_tmpl *t, size_t from, const nb_tattr *skip, const char *id)
{
    for (size_t i = from; i < t->n; i++) {
        const nb_tattr *d = &t->attrs[i];
        const char *other;
        if (d != skip && nb_is_disk(d) && (other = nb_member(d, "IMAGE_ID")) &&
            strcmp(other, id) == 0)
            return true;
    }
    return false;
}

void nb_image_disk_release(nb_txn *t, const nb_tmpl *vm_tmpl, const nb_tattr *disk, int vmid)
{
    const char *id = nb_member(disk, "IMAGE_ID");
    if (id)
        nb_release(t, disk, vmid, nb_uses_image(vm_tmpl, 0, disk, id));
}

void nb_image_disks_release(nb_txn *t, const nb_tmpl *vm_tmpl, int vmid)
{
    for (size_t i = 0; i < vm_tmpl->n; i++) {
        const nb_tattr *d = &vm_tmpl->attrs[i];
        const char *id;
        /* The last DISK of an image takes the VM off its list. */
        if (nb_is_disk(d) && (id = nb_member(d, "IMAGE_ID")))
            nb_release(t, d, vmid, nb_uses_image(vm_tmpl, i + 1, NULL, id));
    }
}
